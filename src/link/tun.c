// SPDX-License-Identifier: MIT
/* tun.c - /dev/net/tun back-end (pasta): one frame per read() and write() */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"

/*
 * DOC: with IFF_VNET_HDR every frame, both ways, starts with a struct
 * virtio_net_hdr. Reading, it says whether the namespace's kernel left
 * the L4 checksum to us (NEEDS_CSUM: the packet never left the machine,
 * nothing to verify) or checked it (DATA_VALID), and frames may be TCP
 * segmentation super-packets of up to 64 KiB whatever the MTU. Writing,
 * egress puts one in front of each frame, so we can hand the namespace
 * large TCP segments and leave checksums undone (TUNSETOFFLOAD).
 */

#define TUN_BUF_BYTES	(8 << 20)	/* one batch of frames */
#define TUN_READ_MAX	(L2_MAX_FRAME + 64)	/* a GSO frame may pass 64 KiB */

/**
 * struct tun - one queue of the tap, a loop's (link_priv())
 * @buf:	frames of one batch, read in place (page-aligned)
 * @fd:		the queue's fd
 * @hdr:	virtio_net_hdr bytes before each frame
 */
struct tun {
	uint8_t buf[TUN_BUF_BYTES];
	int fd;
	size_t hdr;
};

/* UDP GSO frame (USO offload): datagram payload size, else 0 */
static uint16_t tun_gso_udp(const uint8_t *p)
{
	const struct virtio_net_hdr *vh = (const struct virtio_net_hdr *)p;

	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) !=
	    VIRTIO_NET_HDR_GSO_UDP_L4)
		return 0;
	return vh->gso_size;
}

/* Does the header vouch for the L4 checksum? */
static int tun_csum_ok(const uint8_t *p)
{
	const struct virtio_net_hdr *vh = (const struct virtio_net_hdr *)p;

	return !!(vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
			       VIRTIO_NET_HDR_F_DATA_VALID));
}

/*
 * The kernel hands one frame per read(): read until EAGAIN, the frame
 * array is full, or less than one maximum frame of buffer is left.
 */
static int tun_rx(struct loop *lp, struct frame *f, int max)
{
	struct tun *t = link_priv(lp);
	size_t off = 0;
	int n = 0;

	while (n < max && off + TUN_READ_MAX <= sizeof(t->buf)) {
		uint8_t *p = t->buf + off;
		ssize_t r = read(t->fd, p, TUN_READ_MAX);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			warn_rl("tap read: %s", strerror(errno));
			return n ? n : -1;
		}
		if (r == 0)
			return n ? n : -1;
		if ((size_t)r <= t->hdr || r == TUN_READ_MAX) {
			debug_rl("tap: dropping a %zd-byte read", r);
			continue;
		}
		f[n].data = p + t->hdr;
		f[n].len = (size_t)r - t->hdr;
		f[n].csum_ok = t->hdr ? tun_csum_ok(p) : 0;
		f[n].gso_udp = t->hdr ? tun_gso_udp(p) : 0;
		f[n].shared = false;
		f[n].tail = NULL;
		f[n].tail_n = 0;
		f[n].tail_len = 0;
		n++;
		off += ROUND_DOWN((size_t)r + 63, 64);
	}
	return n;
}

static int tun_tx(struct loop *lp, const struct iovec *iov, const int *cnt,
		  int n)
{
	const struct tun *t = link_priv(lp);
	int i, done = 0;

	for (i = 0; i < n; i++) {
		const struct iovec *fi = iov + (size_t)i * LINK_IOV_MAX;
		ssize_t r = writev(t->fd, fi, cnt[i]);

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

static struct link_ops tun_ops = {
	.name = "tap",
	.rx = tun_rx,
	.tx = tun_tx,
};

void link_tun_use(struct loop *lp, int fd, bool udp_gso)
{
	struct tun *t = loop_alloc(sizeof(*t), "tap queue");
	struct ifreq ifr;

	t->fd = fd;
	memset(&ifr, 0, sizeof(ifr));
	if (!ioctl(fd, TUNGETIFF, &ifr) && (ifr.ifr_flags & IFF_VNET_HDR)) {
		t->hdr = sizeof(struct virtio_net_hdr);
		tun_ops.vnet_hdr = true;	/* the same for every queue */
		tun_ops.udp_gso = udp_gso;
	}
	link_priv_set(lp, t);
	link_set(lp, &tun_ops, fd);
}
