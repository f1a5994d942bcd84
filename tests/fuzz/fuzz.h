/* SPDX-License-Identifier: MIT */
/* fuzz.h - what every fuzz target shares */
#ifndef TETHER_FUZZ_H
#define TETHER_FUZZ_H

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fz_abort(const char *why)
{
	fprintf(stderr, "fuzz: %s\n", why);
	abort();
}

/* The network rule: refuse to run where an interface besides lo exists */
static inline void fz_check_isolated(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (!ifs)
		fz_abort("cannot list network interfaces");
	for (i = ifs; i->if_index; i++)
		if (strcmp(i->if_name, "lo"))
			fz_abort("not in an isolated network namespace");
	if_freenameindex(ifs);
}

#endif /* TETHER_FUZZ_H */
