// SPDX-License-Identifier: MIT
/* fuzz_stream.c - QEMU's stream socket: 4-byte big-endian lengths and
 * frames, arriving cut anywhere. The first input byte sets the size of
 * the pieces written to the socket (1-256); after each, the link's
 * receive path runs as the loop would. Each input gets a fresh
 * connection (-F style: a socketpair). */
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/tloop.h"
#include "fuzz.h"
#include "conf/conf.h"
#include "l2/ingress.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"
#include "loop.h"

static struct frame fz_f[LINK_RX_BATCH];
static struct conf fz_conf;
static int fz_peer = -1;

int LLVMFuzzerInitialize(int *argc, char **argv[])
{
	struct log_conf lc = { .level = LOG_LVL_ERR, .to_stderr = true,
			       .ident = "fuzz" };

	(void)argc;
	(void)argv;
	log_setup(&lc);
	loop_init(lp);
	link_init(lp);
	return 0;
}

static void fz_rx_all(void)
{
	int i;

	for (i = 0; i < 64; i++) {	/* bounded: the buffer drains */
		int n = link_ops(lp)->rx(lp, fz_f, LINK_RX_BATCH), j;
		size_t sum = 0;

		if (n <= 0)
			return;
		for (j = 0; j < n; j++)	/* touch every byte handed out */
			sum += fz_f[j].len ? fz_f[j].data[fz_f[j].len - 1] : 0;
		(void)sum;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, off = 1;
	int sv[2];

	if (!size)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fz_abort("socketpair");
	if (link_fd(lp) >= 0)
		close(link_fd(lp));
	if (fz_peer >= 0)
		close(fz_peer);
	memset(&fz_conf, 0, sizeof(fz_conf));
	fz_conf.link.fd = sv[0];
	link_stream_open(lp, &fz_conf);
	fz_peer = sv[1];

	chunk = (size_t)data[0] + 1;
	while (off < size && link_fd(lp) >= 0) {
		size_t n = MIN(size - off, chunk);

		if (write(fz_peer, data + off, n) != (ssize_t)n)
			break;
		off += n;
		fz_rx_all();
	}
	return 0;
}
