// SPDX-License-Identifier: MIT
/* fuzz_ctl.c - requests on the control socket (-c): pesto's protocol */
#include "fuzz.h"
#include "ctl/ctl.h"

static struct ctl_req fz_req;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int i;

	/* Not NUL-terminated, as it comes from the socket */
	if (ctl_parse((const char *)data, size, &fz_req))
		return strlen(fz_req.why) < sizeof(fz_req.why) ? 0 : 1;
	for (i = 0; i < fz_req.n; i++) {
		const struct ctl_change *ch = &fz_req.ch[i];

		if (ch->op != CTL_CLEAR &&
		    (!ch->r.first || ch->r.last < ch->r.first))
			__builtin_trap();	/* parse let a bad range by */
	}
	return 0;
}
