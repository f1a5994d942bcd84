// SPDX-License-Identifier: MIT
/* vhost_user.c - vhost-user back-end (passt --vhost-user): the guest's
 * virtio-net queues, in its own memory */

/**
 * DOC: Theory of operation
 *
 * QEMU (the front-end) connects to -s PATH and sets the device up with
 * messages (vu_msg.c): features, the guest's memory as file descriptors
 * (vu_mem.c), and for each of the two queues its size, where its rings
 * are, and two eventfds: "kick" (the guest made buffers available) and
 * "call" (we used some: interrupt the guest). From then on QEMU is out of
 * the data path: frames are read from and written to guest memory here.
 *
 * Guest to us (its transmit queue, VU_TX_Q, whose kick fd is the link's
 * fd): each chain is a virtio-net header and a frame. A frame that lies
 * in one piece of guest memory is handed up where it is, with
 * frame.shared set: no copy; a scattered or small one (below
 * VU_COPY_MAX: ARP, DHCP, NDP, pure ACKs) is gathered into our buffer.
 * The chains go back to the guest (the used ring, then "call") once the
 * layers above are done with the batch (rx_done), so guest memory is
 * never used after it was returned.
 *
 * Us to guest (its receive queue, VU_RX_Q): each frame is copied into
 * the guest's buffers, with mergeable buffers as many as it takes, the
 * count written into the header of the first. No buffer: the frame is
 * dropped, as by a NIC with a full ring; TCP recovers, the rest is
 * datagrams. With checksum and TSO offloads negotiated both ways, frames
 * both ways may be 64 KiB TCP segments with checksums left undone.
 *
 * Notifications: with EVENT_IDX the guest is interrupted only when it
 * asked to be, and it kicks us only once we caught up (avail_event); we
 * never ask for kicks on the receive queue (frames are sent when they
 * come, whether buffers are there or not). A batch that stops before the
 * ring is empty kicks itself (a write to the kick eventfd), so the loop
 * serves everything else in between.
 *
 * One front-end at a time; another connection is closed at once. When it
 * goes (shutdown, crash, kill -9), everything it gave is released: memory
 * unmapped, eventfds closed; with --one-off (or -F) we exit, otherwise
 * the next one (QEMU again, or libvirt reconnecting) starts afresh. A
 * message that isn't valid drops the front-end with one line naming it.
 * A ring whose indices make no sense is left alone (one line) until the
 * front-end sets it up again: nothing spins on it.
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/iov.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"
#include "link/link_int.h"
#include "link/vu_msg.h"
#include "loop.h"

#define VU_COPY_BYTES	(4 << 20)	/* gathered frames of one batch */
#define VU_COPY_MAX	2048		/* frames up to this are copied */
#define VU_MSGS_MAX	64		/* messages per wake-up, at most */
#define VU_FRAME_BUFS	256		/* guest buffers per frame, at most */

/**
 * struct vu - the back-end's state, a loop's (link_priv())
 * @lis:	where the front-end connects (its fd -1 with -F), the path
 * @fd:		the front-end, -1 while waiting for one
 * @one_off:	exit when it goes (--one-off, -F)
 * @gone:	one-off and it went: the link is gone for good
 * @dev:	the device as the front-end set it up
 * @kick_fd:	the transmit queue's kick fd we watch, -1 if none
 * @have:	bytes of @msg received so far
 * @msg:	the message being received
 * @fds:	fds that came with it
 * @nfds:	how many
 * @heads:	transmit chains taken in this batch, to give back
 * @nheads:	how many
 * @copied:	bytes of @copy used in this batch
 * @warned_broken: a broken ring was reported (once per set-up)
 * @tx_dropped:	frames for the guest dropped: no buffers
 * @rx_bad:	chains from the guest that were refused
 * @rx_flat:	frames from the guest handed up where they lie
 * @rx_copied:	frames from the guest gathered into @copy
 * @tails:	the tails of the frames of this batch (see struct frame)
 * @chain:	the chain being read or written
 * @reply:	the reply to the current message
 * @put_head:	receive chains taken for the frame being written
 * @put_len:	bytes written into each
 * @copy:	frames gathered from scattered buffers, and small ones
 */
struct vu {
	struct link_listener lis;
	int fd;
	bool one_off;
	bool gone;
	struct vu_dev dev;
	int kick_fd;
	size_t have;
	struct vu_msg msg;
	int fds[VU_FDS_MAX];
	int nfds;
	uint16_t heads[LINK_RX_BATCH];
	int nheads;
	size_t copied;
	bool warned_broken[VU_QUEUES];
	uint64_t tx_dropped;
	uint64_t rx_bad;
	uint64_t rx_flat;
	uint64_t rx_copied;
	struct iovec tails[LINK_RX_BATCH][FRAME_TAIL_MAX];
	struct vu_chain chain;
	struct vu_msg reply;
	uint16_t put_head[VU_FRAME_BUFS];
	uint32_t put_len[VU_FRAME_BUFS];
	uint8_t copy[VU_COPY_BYTES] __attribute__((aligned(64)));
};

static struct link_ops vu_ops;
static struct link_ops vu_ops_plain;

/* ---- notifications ------------------------------------------------- */

static void efd_write(int fd)
{
	uint64_t v = 1;

	if (fd >= 0 && write(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		debug_rl("vhost-user: eventfd write: %s", strerror(errno));
}

static void efd_drain(int fd)
{
	uint64_t v;

	if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		debug_rl("vhost-user: eventfd read: %s", strerror(errno));
}

/* Make pushed entries of queue @q visible, interrupt the guest if asked */
static void vu_publish(struct vu *v, int q)
{
	struct vu_ring *r = &v->dev.ring[q];

	if (vu_ring_publish(r))
		efd_write(r->call);
}

/* A ring gave impossible indices: say so once per set-up */
static void vu_broken(struct vu *v, int q)
{
	if (v->warned_broken[q])
		return;
	v->warned_broken[q] = true;
	warn("vhost-user: the guest's %s queue has impossible indices: "
	     "left alone until the device is set up again",
	     q == VU_RX_Q ? "receive" : "transmit");
}

/* ---- the front-end comes and goes ---------------------------------- */

/* The link ops matching the negotiated offloads, and the kick fd we watch */
static void vu_link_update(struct loop *lp)
{
	struct vu *v = link_priv(lp);
	uint64_t f = v->dev.features;
	const uint64_t want = 1ull << VIRTIO_NET_F_GUEST_CSUM |
			      1ull << VIRTIO_NET_F_GUEST_TSO4 |
			      1ull << VIRTIO_NET_F_GUEST_TSO6;
	int kick = v->dev.ring[VU_TX_Q].kick;

	if (v->fd >= 0 && kick != v->kick_fd) {
		/* The old one was closed by vu_msg: out of the set already */
		v->kick_fd = -1;
		if (kick >= 0 && !loop_add(lp, kick, EPOLLIN,
					   ep_ref_make(EP_TAP, kick, 0)))
			v->kick_fd = kick;
		else if (kick >= 0)
			warn_rl("vhost-user: cannot watch the transmit queue");
	}
	link_set(lp, (f & want) == want ? &vu_ops : &vu_ops_plain,
		 v->kick_fd);
}

static void vu_drop(struct loop *lp, const char *why)
{
	struct vu *v = link_priv(lp);
	int i;

	if (v->fd < 0)
		return;
	v->gone = v->one_off;
	info_rl("vhost-user front-end %s, %s", why,
		v->gone ? "exiting" : "waiting for a new one");
	debug("vhost-user: from the guest %llu frames read in place, %llu "
	      "gathered, %llu bad chains; to it %llu dropped (no buffers)",
	      (unsigned long long)v->rx_flat,
	      (unsigned long long)v->rx_copied,
	      (unsigned long long)v->rx_bad,
	      (unsigned long long)v->tx_dropped);
	v->rx_flat = v->rx_copied = v->rx_bad = v->tx_dropped = 0;
	close(v->fd);			/* also leaves the epoll set */
	v->fd = -1;
	vu_dev_reset(&v->dev);		/* unmaps, closes the eventfds */
	v->kick_fd = -1;
	for (i = 0; i < v->nfds; i++)
		close(v->fds[i]);
	v->nfds = 0;
	v->have = 0;
	v->nheads = 0;
	memset(v->warned_broken, 0, sizeof(v->warned_broken));
	link_set(lp, &vu_ops, -1);
	link_peer_changed(lp);		/* the guest's MAC is unknown */
	if (v->gone)
		loop_stop(lp, 0);
}

static int vu_attach(struct loop *lp, int fd)
{
	struct vu *v = link_priv(lp);
	int rc = link_nonblock(fd);

	if (rc)
		return rc;
	rc = loop_add(lp, fd, EPOLLIN | EPOLLRDHUP,
		      ep_ref_make(EP_VHOST_USER, fd, 0));
	if (rc)
		return rc;
	v->fd = fd;
	v->have = 0;
	v->nfds = 0;
	vu_dev_init(&v->dev);
	link_set(lp, &vu_ops, -1);
	link_peer_changed(lp);		/* a new guest: MAC unknown */
	return 0;
}

/* ---- messages -------------------------------------------------------- */

/* Keep the fds of a control message; too many is a broken front-end */
static int vu_take_fds(struct vu *v, struct msghdr *mh)
{
	struct cmsghdr *cm;
	int rc = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (v->nfds < VU_FDS_MAX)
				v->fds[v->nfds++] = fd;
			else {
				close(fd);
				rc = -EPROTO;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		rc = -EPROTO;
	return rc;
}

/*
 * Receive what is missing of the current message, without waiting.
 * Return: 1 if it is complete, 0 if more is to come, -errno (EPIPE: the
 * front-end closed)
 */
static int vu_recv(struct vu *v)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	uint8_t *m = (uint8_t *)&v->msg;
	size_t want = v->have < VU_HDR_LEN ? VU_HDR_LEN
					   : VU_HDR_LEN + v->msg.size;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;
	int rc;

	while (v->have < want) {
		iov.iov_base = m + v->have;
		iov.iov_len = want - v->have;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		r = recvmsg(v->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (!r)
			return -EPIPE;
		rc = vu_take_fds(v, &mh);
		if (rc)
			return rc;
		v->have += (size_t)r;
		if (v->have == VU_HDR_LEN) {
			if (vu_msg_check_hdr(&v->msg))
				return -EPROTO;
			want = VU_HDR_LEN + v->msg.size;
		}
	}
	return 1;
}

static int vu_send(struct vu *v, const struct vu_msg *r)
{
	size_t len = VU_HDR_LEN + r->size;
	ssize_t n;

	do {
		n = send(v->fd, r, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EAGAIN;	/* it waits for it */
}

/* The front-end speaks: messages until none is complete */
static void vu_ctl_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct vu *v = link_priv(lp);
	int i;

	(void)ref;
	for (i = 0; i < VU_MSGS_MAX && v->fd >= 0; i++) {
		struct vu_changes ch = { 0 };
		int rc = vu_recv(v);

		if (!rc)
			return;
		if (rc < 0) {
			vu_drop(lp, rc == -EPIPE ? "disconnected" :
				    rc == -EPROTO ? "sent a malformed message"
						  : strerror(-rc));
			return;
		}
		rc = vu_msg_handle(&v->dev, &v->msg, v->fds, v->nfds, &v->reply,
				   &ch);
		v->nfds = 0;
		v->have = 0;
		if (rc < 0) {
			char why[96];

			snprintf(why, sizeof(why), "sent a bad %s (%s)",
				 vu_msg_name(v->msg.request), strerror(-rc));
			vu_drop(lp, why);
			return;
		}
		debug("vhost-user: %s", vu_msg_name(v->msg.request));
		if (rc > 0 && (rc = vu_send(v, &v->reply))) {
			vu_drop(lp, strerror(-rc));
			return;
		}
		if (ch.rings) {
			memset(v->warned_broken, 0, sizeof(v->warned_broken));
			vu_ring_notify_off(&v->dev.ring[VU_RX_Q]);
			/* The guest may be waiting: look at its queue now */
			if (vu_ring_ready(&v->dev, VU_TX_Q))
				efd_write(v->dev.ring[VU_TX_Q].kick);
		}
		if (ch.kick || ch.features)
			vu_link_update(lp);
	}
	if (events & (EPOLLHUP | EPOLLRDHUP) && !(events & EPOLLIN))
		vu_drop(lp, "disconnected");
}

/* ---- guest to us ----------------------------------------------------- */

/*
 * Where the frame after @off bytes of header lies, if in at most @max
 * pieces of memory (adjacent buffers count as one), in @run.
 * Return: pieces, 0 if more than @max
 */
static int chain_runs(const struct vu_chain *c, size_t off, int max,
		      struct iovec *run)
{
	int i, n = 0;

	for (i = 0; i < c->n; i++) {
		uint8_t *b = c->iov[i].iov_base;
		size_t len = c->iov[i].iov_len;

		if (off >= len) {
			off -= len;
			continue;
		}
		b += off;
		len -= off;
		off = 0;
		if (n && (uint8_t *)run[n - 1].iov_base +
			 run[n - 1].iov_len == b) {
			run[n - 1].iov_len += len;
			continue;
		}
		if (n == max)
			return 0;
		run[n].iov_base = b;
		run[n++].iov_len = len;
	}
	return n;
}

/*
 * A TCP segment, by the virtio-net header alone: a checksum left to us at
 * offset 16 of the L4 header (TCP's; UDP's is at 6), as the guest's kernel
 * says for segments it offloads, GSO or not. A guest that lies only loses
 * the frame: ingress takes two parts from TCP only.
 */
static bool vu_tcp_csum(const struct virtio_net_hdr *h)
{
	return h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	       le16toh(h->csum_offset) == 16;
}

/* Turn chain @c into frame @f, its tail (if any) in @tail. Return: 0, or
 * -EAGAIN if the copy buffer is full (try in the next batch), -EINVAL to
 * drop it */
static int vu_frame(struct vu *v, const struct vu_chain *c, struct frame *f,
		    struct iovec *tail)
{
	size_t hl = v->dev.hdr_len, len;
	struct virtio_net_hdr_mrg_rxbuf h;
	const uint8_t *p;

	if (c->len < hl + ETH_HDR_LEN || c->len - hl > L2_MAX_FRAME)
		return -EINVAL;
	len = c->len - hl;
	iov_to_buf(c->iov, c->n, 0, &h, sizeof(h.hdr));

	f->tail = NULL;
	f->tail_n = 0;
	f->tail_len = 0;
	f->shared = false;
	p = NULL;
	if (len > VU_COPY_MAX) {
		struct iovec run[1 + FRAME_TAIL_MAX];
		int n = chain_runs(c, hl, vu_tcp_csum(&h.hdr) ?
				   1 + FRAME_TAIL_MAX : 1, run);

		/* In one piece, or, for TCP, headers apart from the payload
		 * (Linux: the linear part, then page fragments) */
		if (n && run[0].iov_len >= ETH_HDR_LEN) {
			f->shared = true;
			p = run[0].iov_base;
			if (n > 1) {
				memcpy(tail, run + 1, sizeof(run[0]) *
				       (size_t)(n - 1));
				f->tail = tail;
				f->tail_n = n - 1;
				f->tail_len = len - run[0].iov_len;
				len = run[0].iov_len;
			}
		}
	}
	if (!p) {
		if (v->copied + len > sizeof(v->copy))
			return -EAGAIN;
		iov_to_buf(c->iov, c->n, hl, v->copy + v->copied, len);
		p = v->copy + v->copied;
		v->copied += ROUND_DOWN(len + 63, (size_t)64);
		v->rx_copied++;
	} else {
		v->rx_flat++;
	}
	f->data = p;
	f->len = len;
	f->csum_ok = !!(h.hdr.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
				       VIRTIO_NET_HDR_F_DATA_VALID));
	f->gso_udp = 0;			/* USO isn't offered */
	return 0;
}

static int vu_rx(struct loop *lp, struct frame *f, int max)
{
	struct vu *v = link_priv(lp);
	struct vu_ring *r = &v->dev.ring[VU_TX_Q];
	struct vu_chain *c = &v->chain;
	int n = 0, avail;

	if (v->fd < 0)
		return v->gone ? -1 : 0;
	efd_drain(v->kick_fd);
	v->nheads = 0;
	v->copied = 0;
	if (!vu_ring_ready(&v->dev, VU_TX_Q))
		return 0;

	avail = vu_ring_avail(r);
	while (avail > 0 && v->nheads < LINK_RX_BATCH && n < max) {
		int rc = vu_ring_pop(r, &v->dev.mem, false, c);

		if (rc == -EPROTO)
			break;
		avail--;
		if (!rc) {
			rc = vu_frame(v, c, &f[n], v->tails[n]);
			if (rc == -EAGAIN) {
				vu_ring_unpop(r, 1);
				avail++;
				break;
			}
		}
		if (rc) {
			v->rx_bad++;
			debug_rl("vhost-user: dropping a bad transmit chain "
				 "(%llu in all)", (unsigned long long)v->rx_bad);
		} else {
			n++;
		}
		v->heads[v->nheads++] = c->head;
	}
	if (r->broken)
		vu_broken(v, VU_TX_Q);
	else if (avail > 0 || vu_ring_notify_on(r))
		efd_write(v->kick_fd);	/* more: in the next batch */
	return n;
}

/* The batch was handled: its chains go back to the guest */
static void vu_rx_done(struct loop *lp)
{
	struct vu *v = link_priv(lp);
	struct vu_ring *r = &v->dev.ring[VU_TX_Q];
	int i;

	if (!v->nheads)
		return;
	for (i = 0; i < v->nheads; i++)
		vu_ring_push(r, v->heads[i], 0);
	v->nheads = 0;
	vu_publish(v, VU_TX_Q);
}

/* ---- us to guest ----------------------------------------------------- */

/**
 * struct vu_src - bytes of one frame to copy: a header of our own, then
 * the producer's iovecs
 * @iov:	what is left
 * @n:		entries
 */
struct vu_src {
	struct iovec iov[LINK_IOV_MAX + 1];
	int n;
};

/* Copy from @s into chain @c, as much as fits. Return: bytes copied */
static size_t src_copy(struct vu_src *s, const struct vu_chain *c)
{
	size_t done = 0;
	int i, j = 0;

	for (i = 0; i < c->n; i++) {
		uint8_t *d = c->iov[i].iov_base;
		size_t room = c->iov[i].iov_len;

		while (room && j < s->n) {
			size_t k = MIN(room, s->iov[j].iov_len);

			memcpy(d, s->iov[j].iov_base, k);
			d += k;
			room -= k;
			done += k;
			s->iov[j].iov_base = (uint8_t *)s->iov[j].iov_base + k;
			s->iov[j].iov_len -= k;
			if (!s->iov[j].iov_len)
				j++;
		}
	}
	memmove(s->iov, s->iov + j, sizeof(s->iov[0]) * (size_t)(s->n - j));
	s->n -= j;
	return done;
}

/*
 * Write one frame (@fi, @cnt iovecs, our virtio-net header first if
 * @vnet) into the guest's receive buffers.
 * Return: 0, -ENOBUFS if the guest has too few (nothing taken), -EINVAL
 * for a frame we won't send, -EPROTO if the ring is broken
 */
static int vu_put(struct vu *v, const struct iovec *fi, int cnt, bool vnet)
{
	struct vu_ring *r = &v->dev.ring[VU_RX_Q];
	bool mrg = v->dev.features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr_mrg_rxbuf h = { 0 };
	struct vu_chain *c = &v->chain;
	uint8_t *first_hdr = NULL;
	size_t len = 0, left;
	struct vu_src s;
	int i, nb = 0, avail;

	if (vnet) {
		memcpy(&h.hdr, fi[0].iov_base, sizeof(h.hdr));
		fi++;
		cnt--;
	}
	s.iov[0].iov_base = &h;
	s.iov[0].iov_len = v->dev.hdr_len;
	for (i = 0; i < cnt; i++) {
		s.iov[1 + i] = fi[i];
		len += fi[i].iov_len;
	}
	s.n = 1 + cnt;
	if (len < ETH_HDR_LEN || len > L2_MAX_FRAME)
		return -EINVAL;
	left = v->dev.hdr_len + len;

	avail = vu_ring_avail(r);
	if (avail < 0)
		return -EPROTO;
	do {
		size_t got;

		if (!avail-- || nb == VU_FRAME_BUFS) {
			vu_ring_unpop(r, (uint16_t)nb);
			return -ENOBUFS;
		}
		/* A receive buffer we can't use, or too short for the
		 * header: a guest that posts those is broken */
		if (vu_ring_pop(r, &v->dev.mem, true, c) ||
		    (!nb && c->iov[0].iov_len < v->dev.hdr_len)) {
			r->broken = true;
			return -EPROTO;
		}
		if (!nb)
			first_hdr = c->iov[0].iov_base;
		got = src_copy(&s, c);
		v->put_head[nb] = c->head;
		v->put_len[nb++] = (uint32_t)got;
		left -= got;
	} while (left && mrg);

	if (left)		/* one buffer, too small: the guest drops it */
		v->put_len[0] = 0;
	else if (mrg) {
		uint16_t le = htole16((uint16_t)nb);

		memcpy(first_hdr + offsetof(struct virtio_net_hdr_mrg_rxbuf,
					    num_buffers), &le, sizeof(le));
	}
	for (i = 0; i < nb; i++)
		vu_ring_push(r, v->put_head[i], v->put_len[i]);
	return left ? -EINVAL : 0;
}

static int vu_tx(struct loop *lp, const struct iovec *iov, const int *cnt,
		 int n)
{
	struct vu *v = link_priv(lp);
	bool vnet = link_ops(lp)->vnet_hdr;
	int i, done = 0;

	if (v->fd < 0 || !vu_ring_ready(&v->dev, VU_RX_Q))
		return 0;
	for (i = 0; i < n; i++) {
		int rc = vu_put(v, iov + (size_t)i * LINK_IOV_MAX, cnt[i],
				vnet);

		if (rc == -EPROTO) {
			vu_broken(v, VU_RX_Q);
			break;
		}
		if (rc == -ENOBUFS) {
			v->tx_dropped += (uint64_t)(n - i);
			debug_rl("vhost-user: no receive buffers, %d frames "
				 "dropped (%llu in all)", n - i,
				 (unsigned long long)v->tx_dropped);
			break;
		}
		done += !rc;
	}
	vu_publish(v, VU_RX_Q);
	return done;
}

static struct link_ops vu_ops = {
	.name = "vhost-user",
	.vnet_hdr = true,
	.rx = vu_rx,
	.rx_done = vu_rx_done,
	.tx = vu_tx,
};

/* Without checksum and segmentation offloads toward the guest */
static struct link_ops vu_ops_plain = {
	.name = "vhost-user",
	.rx = vu_rx,
	.rx_done = vu_rx_done,
	.tx = vu_tx,
};

/* ---- listening ------------------------------------------------------- */

/* Periodic: a paused listener tries again */
static void vu_listen_timer(struct loop *lp)
{
	struct vu *v = link_priv(lp);

	link_listen_pause(lp, &v->lis, false);
}

/* A front-end connects: take it, unless we have one already */
static void vu_listen_handler(struct loop *lp, union ep_ref ref,
			      uint32_t events)
{
	struct vu *v = link_priv(lp);
	int fd, rc;

	(void)ref;
	(void)events;
	fd = link_accept(lp, &v->lis);
	if (fd < 0)
		return;
	if (v->fd >= 0) {
		info_rl("another vhost-user front-end on %s, one is "
			"connected: closing it", v->lis.path);
		close(fd);
		return;
	}
	rc = vu_attach(lp, fd);
	if (rc) {
		warn_rl("cannot use vhost-user front-end: %s", strerror(-rc));
		close(fd);
		return;
	}
	info_rl("vhost-user front-end connected on %s", v->lis.path);
}

/**
 * link_vu_open() - set up the vhost-user back-end: listen, or adopt -F
 * @c:		configuration: link.sock_path, link.fd, link.one_off
 */
void link_vu_open(struct loop *lp, const struct conf *c)
{
	struct vu *v = loop_alloc(sizeof(*v), "vhost-user back-end");
	int rc;

	v->lis.fd = v->fd = v->kick_fd = -1;
	vu_dev_init(&v->dev);
	v->one_off = c->link.one_off || c->link.fd >= 0;
	link_priv_set(lp, v);
	link_set(lp, &vu_ops, -1);
	loop_handler_set(lp, EP_VHOST_USER, vu_ctl_handler);

	if (c->link.fd >= 0) {
		link_fd_check(c, &v->lis, "front-end's");
		rc = vu_attach(lp, c->link.fd);
		if (rc)
			die("cannot use -F %d: %s", c->link.fd, strerror(-rc));
		return;
	}

	link_listen(lp, c, &v->lis, vu_listen_handler, vu_listen_timer);
	info("UNIX domain socket bound at %s (vhost-user)", v->lis.path);
	info("You can now start QEMU with shared memory, for example:");
	info("    qemu-system-x86_64 ... -object memory-backend-memfd,"
	     "id=mem,size=RAM,share=on -numa node,memdev=mem "
	     "-chardev socket,id=c,path=%s -netdev vhost-user,id=n,"
	     "chardev=c -device virtio-net-pci,netdev=n", v->lis.path);
}

const char *link_vu_path(const struct loop *lp)
{
	const struct vu *v = link_priv(lp);

	return v->lis.path;
}
