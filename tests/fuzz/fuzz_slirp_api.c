// SPDX-License-Identifier: MIT
/* fuzz_slirp_api.c - requests on slirp4netns's API socket: the JSON
 * reader and the request checks, and the error reply they lead to */
#include <arpa/inet.h>

#include "fuzz.h"
#include "ctl/json.h"
#include "ctl/slirp_api.h"

static char fz_reply[SLIRP_API_REPLY_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_addr guest = { htonl(0x0a000264) };	/* 10.0.2.100 */
	struct slirp_api_req q;
	const char *why;

	if (size > SLIRP_API_REQ_MAX)
		size = SLIRP_API_REQ_MAX;
	/* Not NUL-terminated, as it comes from the socket */
	if (slirp_api_parse((const char *)data, size, guest, &q, &why))
		(void)slirp_api_error(fz_reply, sizeof(fz_reply), why);
	else if (q.cmd == SLIRP_API_UNKNOWN)
		__builtin_trap();	/* parse said yes to nothing */
	return 0;
}
