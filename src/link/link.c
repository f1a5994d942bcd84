// SPDX-License-Identifier: MIT
/* link.c - the active back-end: register it, hand frames up in batches,
 * capture both directions in one place */
#include <errno.h>
#include <unistd.h>

#include "lib/log.h"
#include "link/link.h"
#include "link/pcap.h"
#include "loop.h"

/**
 * struct link - one loop's link: the back-end, where frames go up
 * @ops:	active back-end, NULL if none
 * @fd:		its fd, -1 if none (passt before a client)
 * @rx:		frames of a wake-up go here
 * @peer:	told when the peer behind the link changed
 * @priv:	the back-end's own state for this loop (its queue, buffers)
 * @f:		the frames of one wake-up
 */
struct link {
	const struct link_ops *ops;
	int fd;
	void *priv;
	link_rx_fn *rx;
	link_peer_fn *peer;
	struct frame f[LINK_RX_BATCH];
};

void link_init(struct loop *lp)
{
	struct link *lk = loop_state_new(lp->link, "link");

	lk->fd = -1;
}

void link_wire(struct loop *lp, link_rx_fn *rx, link_peer_fn *peer)
{
	lp->link->rx = rx;
	lp->link->peer = peer;
}

void link_peer_changed(struct loop *lp)
{
	if (lp->link->peer)
		lp->link->peer();
}

int link_tx(struct loop *lp, const struct iovec *iov, const int *cnt, int n)
{
	const struct link_ops *ops = lp->link->ops;

	if (!ops || !n)
		return 0;
	if (pcap_on())		/* a virtio-net header leads each frame */
		pcap_tx(iov, cnt, n, LINK_IOV_MAX, !!ops->vnet_hdr);
	return ops->tx(lp, iov, cnt, n);
}

void link_set(struct loop *lp, const struct link_ops *ops, int fd)
{
	lp->link->ops = ops;
	lp->link->fd = fd;
}

void link_priv_set(struct loop *lp, void *priv)
{
	lp->link->priv = priv;
}

void *link_priv(const struct loop *lp)
{
	return lp->link->priv;
}

const struct link_ops *link_ops(const struct loop *lp)
{
	return lp->link ? lp->link->ops : NULL;
}

int link_fd(const struct loop *lp)
{
	return lp->link->fd;
}

static void link_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct link *lk = lp->link;
	int n;

	(void)ref;
	if (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN)) {
		info("%s link closed, exiting", lk->ops->name);
		loop_stop(lp, 0);
		return;
	}
	n = lk->ops->rx(lp, lk->f, LINK_RX_BATCH);
	if (n < 0) {
		info("%s link gone, exiting", lk->ops->name);
		loop_stop(lp, 0);
		return;
	}
	if (n && pcap_on())
		pcap_rx(lk->f, n);
	if (n && lk->rx)
		lk->rx(lp, lk->f, n);
	if (lk->ops && lk->ops->rx_done)	/* even for none: bad ones */
		lk->ops->rx_done(lp);
}

void link_start(struct loop *lp)
{
	struct link *lk = lp->link;
	int rc;

	loop_handler_set(lp, EP_TAP, link_handler);
	if (lk->fd < 0)		/* passt: the client's fd comes later */
		return;
	rc = loop_add(lp, lk->fd, EPOLLIN | EPOLLRDHUP,
		      ep_ref_make(EP_TAP, lk->fd, 0));
	if (rc)
		die("cannot watch the %s link: %s", lk->ops->name,
		    strerror(-rc));
}
