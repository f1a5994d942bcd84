/* SPDX-License-Identifier: MIT */
/* link.h - link back-ends: move Ethernet frames, know nothing about IP */
#ifndef TETHER_LINK_H
#define TETHER_LINK_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <sys/uio.h>
#include <time.h>

#include "conf/conf.h"
#include "link/frame.h"
#include "loop.h"

/**
 * struct link_ops - one back-end
 * @name:	for logs
 * @rx:		read available frames into the back-end's own buffer and
 *		fill @f; the data stays valid until the next @rx.
 *		Return: frames read, 0 if none, -1 when the link is gone
 * @rx_done:	optional: the frames of the last @rx were handled, their
 *		memory may go back to its owner (vhost-user: the guest)
 * @tx:		write @n frames, frame i made of iov[i * LINK_IOV_MAX ...]
 *		with @cnt[i] entries. Return: frames written completely
 * @vnet_hdr:	every frame, both ways, starts with a struct virtio_net_hdr
 *		(egress adds it; @rx strips it): checksum and segmentation
 *		offload
 * @udp_gso:	with @vnet_hdr, frames may also be UDP GSO, both ways
 *		(VIRTIO_NET_HDR_GSO_UDP_L4: many datagrams, one header)
 */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4	/* uapi headers before Linux 6.2 */
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

struct link_ops {
	const char *name;
	bool vnet_hdr;
	bool udp_gso;
	int (*rx)(struct loop *lp, struct frame *f, int max);
	void (*rx_done)(struct loop *lp);
	int (*tx)(struct loop *lp, const struct iovec *iov, const int *cnt,
		  int n);
};

/* link_tun_use() - use @fd, a tap opened with IFF_TAP | IFF_NO_PI, and
 * IFF_VNET_HDR with offloads if the kernel allowed them; @udp_gso: it
 * takes VIRTIO_NET_HDR_GSO_UDP_L4 frames */
void link_tun_use(struct loop *lp, int fd, bool udp_gso);

/* link_stream_open() - passt: listen on -s PATH (default: first free
 * /tmp/passt_N.socket) or adopt the -F socket; dies on failure */
void link_stream_open(struct loop *lp, const struct conf *c);
/* link_stream_path() - bound socket path ("fd N" with -F), for messages */
const char *link_stream_path(const struct loop *lp);

/* link_vu_open() - passt --vhost-user: listen on -s PATH (as the stream
 * back-end) or adopt -F's socket, for a vhost-user front-end; dies on
 * failure */
void link_vu_open(struct loop *lp, const struct conf *c);
/* link_vu_path() - as link_stream_path() */
const char *link_vu_path(const struct loop *lp);

/*
 * What the link hands up, wired by main: @rx gets the frames of one
 * wake-up (captured first if --pcap), @peer is told when the peer behind
 * the link changed (a QEMU client came or went), so that what was learnt
 * about the guest is forgotten. Either may be NULL.
 */
typedef void link_rx_fn(struct loop *lp, const struct frame *f, int n);
typedef void link_peer_fn(void);
/* link_init() - @lp's link, none active yet */
void link_init(struct loop *lp);
void link_wire(struct loop *lp, link_rx_fn *rx, link_peer_fn *peer);

/* link_start() - register the link's fd in the loop, frames go to @rx */
void link_start(struct loop *lp);
/* link_peer_changed() - for back-ends: a new peer, or none */
void link_peer_changed(struct loop *lp);
/*
 * link_tx() - send @n frames through the active back-end (as its @tx),
 * captured first if --pcap. Return: frames written, 0 without a link
 */
int link_tx(struct loop *lp, const struct iovec *iov, const int *cnt, int n);
const struct link_ops *link_ops(const struct loop *lp);
void link_set(struct loop *lp, const struct link_ops *ops, int fd);
int link_fd(const struct loop *lp);
/* link_priv_set(), link_priv() - the back-end's per-loop state (its queue,
 * its buffers), for its ops */
void link_priv_set(struct loop *lp, void *priv);
void *link_priv(const struct loop *lp);

#endif /* TETHER_LINK_H */
