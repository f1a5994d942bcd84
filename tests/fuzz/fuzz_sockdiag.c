// SPDX-License-Identifier: MIT
/* fuzz_sockdiag.c - sock_diag (inet_diag) dump replies, as the kernel
 * would answer auto forwarding's scans: first byte picks the family and
 * state asked for, the rest is one chunk of netlink messages (seq 1) */
#include <sys/socket.h>

#include "fuzz.h"
#include "fwd/procnet.h"
#include "fwd/sockdiag.h"

static uint8_t fz_buf[65536] __attribute__((aligned(8)));

static void fz_seen(uint16_t port, uint32_t ino, void *arg)
{
	(void)port;
	(void)ino;
	(void)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockdiag_want w = { .fn = fz_seen };

	if (!size)
		return 0;
	w.family = data[0] & 1 ? AF_INET6 : AF_INET;
	w.state = data[0] & 2 ? 0x07 : 0x0a;	/* UDP unconn., TCP listen */
	size--;
	if (size > sizeof(fz_buf))
		size = sizeof(fz_buf);
	memcpy(fz_buf, data + 1, size);
	(void)sockdiag_parse(fz_buf, size, 1, &w);
	return 0;
}
