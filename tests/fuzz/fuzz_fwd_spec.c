// SPDX-License-Identifier: MIT
/* fuzz_fwd_spec.c - port specs of -t/-u/-T/-U */
#include "fuzz.h"
#include "conf/fwd_spec.h"

static struct fwd_spec fz_spec;
static char fz_text[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];

	if (size >= sizeof(fz_text))
		size = sizeof(fz_text) - 1;
	memcpy(fz_text, data, size);
	fz_text[size] = '\0';
	if (!fwd_spec_parse(&fz_spec, fz_text, msg, sizeof(msg)))
		(void)fwd_spec_count(&fz_spec);
	return 0;
}
