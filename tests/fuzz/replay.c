// SPDX-License-Identifier: MIT
/* replay.c - run a fuzz target's inputs without libFuzzer: every file in
 * the directories given, for the unit tests (corpus and regressions) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static unsigned char buf[1 << 20];

int main(int argc, char **argv)
{
	unsigned files = 0;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (!d)
			continue;	/* no regressions yet for this one */
		while ((e = readdir(d))) {
			char path[4096];
			FILE *f;
			size_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (!(f = fopen(path, "rb")))
				continue;
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			files++;
		}
		closedir(d);
	}
	/* cmocka's summary format, so run-all counts it */
	printf("[==========] %s: %u input(s) replayed\n", argv[0], files);
	printf("[  PASSED  ] 1 test(s).\n");
	return 0;
}
