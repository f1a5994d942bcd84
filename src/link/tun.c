// SPDX-License-Identifier: MIT
/* tun.c - /dev/net/tun back-end (pasta): one frame per read() and write() */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "l2/egress.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"

#define TUN_BUF_BYTES	(8 << 20)	/* one batch of frames */

static int tun_fd = -1;
static uint8_t tun_buf[TUN_BUF_BYTES] __attribute__((aligned(4096)));

/*
 * The kernel hands one frame per read(): read until EAGAIN, the frame
 * array is full, or less than one maximum frame of buffer is left.
 */
static int tun_rx(struct frame *f, int max)
{
	size_t off = 0;
	int n = 0;

	while (n < max && off + L2_MAX_FRAME <= sizeof(tun_buf)) {
		ssize_t r = read(tun_fd, tun_buf + off, L2_MAX_FRAME);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			warn("tap read: %s", strerror(errno));
			return n ? n : -1;
		}
		if (r == 0)
			return n ? n : -1;
		f[n].data = tun_buf + off;
		f[n].len = (size_t)r;
		f[n].csum_ok = 0;
		n++;
		off += ROUND_DOWN((size_t)r + 63, 64);
	}
	return n;
}

static int tun_tx(const struct iovec *iov, const int *cnt, int n)
{
	int i, done = 0;

	for (i = 0; i < n; i++) {
		const struct iovec *fi = iov + (size_t)i * EGRESS_IOV_MAX;
		ssize_t r = writev(tun_fd, fi, cnt[i]);

		if (r < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			debug_rl("tap write: %s", strerror(errno));
			continue;
		}
		done++;
	}
	return done;
}

static const struct link_ops tun_ops = {
	.name = "tap",
	.rx = tun_rx,
	.tx = tun_tx,
};

void link_tun_use(int fd)
{
	tun_fd = fd;
	link_set(&tun_ops, fd);
}
