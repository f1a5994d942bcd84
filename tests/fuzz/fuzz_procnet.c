// SPDX-License-Identifier: MIT
/* fuzz_procnet.c - /proc/net/{tcp,udp}[6] text, fed in pieces whose sizes
 * come from the input (first byte), as read() would cut it */
#include "fuzz.h"
#include "fwd/procnet.h"

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
	struct procnet_parser p;
	size_t chunk, off = 1;

	if (!size)
		return 0;
	chunk = (size_t)data[0] + 1;
	memset(&p, 0, sizeof(p));
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		procnet_feed(&p, (const char *)data + off, n, 0x0a, fz_seen,
			     NULL);
		off += n;
	}
	return 0;
}
