// SPDX-License-Identifier: MIT
/* link.c - the active back-end: register it, hand frames up in batches,
 * capture both directions in one place */
#include <errno.h>
#include <unistd.h>

#include "lib/log.h"
#include "link/link.h"
#include "link/pcap.h"
#include "loop.h"

static const struct link_ops *cur_ops;
static int cur_fd = -1;
static link_rx_fn *up_rx;
static link_peer_fn *up_peer;

void link_wire(link_rx_fn *rx, link_peer_fn *peer)
{
	up_rx = rx;
	up_peer = peer;
}

void link_peer_changed(void)
{
	if (up_peer)
		up_peer();
}

int link_tx(const struct iovec *iov, const int *cnt, int n)
{
	if (!cur_ops || !n)
		return 0;
	if (pcap_on())		/* a virtio-net header leads each frame */
		pcap_tx(iov, cnt, n, LINK_IOV_MAX, !!cur_ops->vnet_hdr);
	return cur_ops->tx(iov, cnt, n);
}

void link_set(const struct link_ops *ops, int fd)
{
	cur_ops = ops;
	cur_fd = fd;
}

const struct link_ops *link_ops(void)
{
	return cur_ops;
}

int link_fd(void)
{
	return cur_fd;
}

static void link_handler(union ep_ref ref, uint32_t events,
			 const struct timespec *now)
{
	static struct frame f[LINK_RX_BATCH];
	int n;

	if (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN)) {
		info("%s link closed, exiting", cur_ops->name);
		loop_stop(0);
		return;
	}
	n = cur_ops->rx(f, LINK_RX_BATCH);
	if (n < 0) {
		info("%s link gone, exiting", cur_ops->name);
		loop_stop(0);
		return;
	}
	if (n && pcap_on())
		pcap_rx(f, n);
	if (n && up_rx)
		up_rx(f, n, now);
}

void link_start(void)
{
	int rc;

	loop_handler_set(EP_TAP, link_handler);
	if (cur_fd < 0)		/* passt: the client's fd comes later */
		return;
	rc = loop_add(cur_fd, EPOLLIN | EPOLLRDHUP,
		      ep_ref_make(EP_TAP, cur_fd, 0));
	if (rc)
		die("cannot watch the %s link: %s", cur_ops->name,
		    strerror(-rc));
}
