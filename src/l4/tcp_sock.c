// SPDX-License-Identifier: MIT
/* tcp_sock.c - host socket side: events, data toward the guest, windows */
#include <errno.h>
#include <linux/sock_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "l4/tcp_conn.h"
#include "lib/util.h"

/*
 * DOC: host data goes to the guest by peeking at the socket: one
 * recvmsg(MSG_PEEK) per wake-up fills the payload buffer for as many
 * segments as the guest's window and our frame slots allow. With
 * SO_PEEK_OFF the kernel skips what we sent already; without it, that
 * many bytes are read into a discard buffer first. Sockets are
 * edge-triggered: when the guest's window stops us, nothing polls the
 * socket until an ACK or window update from the guest (TCPF_STALLED).
 *
 * The window we offer the guest is the free space of the socket's send
 * buffer (SO_MEMINFO: sndbuf - wmem_queued), queried only when our
 * estimate (last value minus bytes written since) runs low. When it is
 * nearly full, EPOLLOUT is watched: polling sets SOCK_NOSPACE, so the
 * kernel wakes us once a third of the buffer is free (the same test as
 * sk_stream_is_writeable()), and we send a window update.
 */

#define TCP_DISCARD_BYTES	(1U << 20)
#define TCP_DISCARD_IOV		16	/* so at most 16 MiB in flight */
#define TCP_BASE_EVENTS		(EPOLLIN | EPOLLRDHUP | EPOLLET)

static uint8_t tcp_discard[TCP_DISCARD_BYTES];

/**
 * tcp_sock_events_set() - epoll mask for the socket, if changed
 * @c:		connection
 * @events:	new mask
 *
 * Return: 0 or -errno
 */
int tcp_sock_events_set(struct loop *lp, struct tcp_conn *c, uint32_t events)
{
	int rc;

	if (c->events == events)
		return 0;
	rc = loop_mod(lp, c->sock, events,
		      ep_ref_make(EP_TCP, c->sock, tcp_conn_idx(c)));
	if (!rc)
		c->events = events;
	return rc;
}

/**
 * tcp_sock_wnd_wait() - watch for send space (EPOLLOUT) or stop watching
 * @c:		connection
 * @on:		watch
 *
 * Setting the mask polls the socket, which marks it SOCK_NOSPACE if it
 * is not writeable: that is what makes the kernel wake us later.
 */
void tcp_sock_wnd_wait(struct loop *lp, struct tcp_conn *c, bool on)
{
	uint32_t ev = TCP_BASE_EVENTS | (on ? EPOLLOUT : 0);

	if (on) {
		/* already waiting: no EPOLLOUT since we polled, still armed */
		if (c->flags & TCPF_WND_WAIT)
			return;
		c->flags |= TCPF_WND_WAIT;
		if (c->events == ev)	/* poll again: re-arm the wake-up */
			c->events = 0;
	} else {
		c->flags &= ~TCPF_WND_WAIT;
	}
	tcp_sock_events_set(lp, c, ev);
}

/**
 * tcp_snd_query() - refresh send buffer size and free space
 * @c:		connection
 *
 * If less than a third is free, the socket isn't writeable by the
 * kernel's measure: watch EPOLLOUT for the moment it is again.
 */
void tcp_snd_query(struct loop *lp, struct tcp_conn *c)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t sl = sizeof(mi);

	if (getsockopt(c->sock, SOL_SOCKET, SO_MEMINFO, mi, &sl) ||
	    sl < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1)) {
		c->sndbuf = c->snd_free = 0;
		return;
	}
	c->sndbuf = mi[SK_MEMINFO_SNDBUF];
	c->snd_free = mi[SK_MEMINFO_SNDBUF] > mi[SK_MEMINFO_WMEM_QUEUED] ?
		      mi[SK_MEMINFO_SNDBUF] - mi[SK_MEMINFO_WMEM_QUEUED] : 0;
	if ((uint64_t)c->snd_free * 3 < c->sndbuf &&
	    c->state == TCPS_ESTABLISHED && !(c->flags & TCPF_FIN_RCVD))
		tcp_sock_wnd_wait(lp, c, true);
}

/**
 * tcp_wnd_to_tap() - window field for segments to the guest
 * @c:		connection
 * @query:	ask the socket for its send space first
 *
 * 7/8 of the free send space (the rest covers per-buffer overhead), at
 * least our MSS while the socket is empty, never moving the right edge
 * back (RFC 9293 3.8.6), scaled and rounded up.
 * Return: the raw window field
 */
uint16_t tcp_wnd_to_tap(struct loop *lp, struct tcp_conn *c, bool query)
{
	uint32_t wnd, max, raw, unit = 1U << c->ws_to_tap;

	if (query)
		tcp_snd_query(lp, c);
	wnd = c->snd_free - c->snd_free / 8;
	if (c->snd_free == c->sndbuf) {
		uint32_t mss = tcp_mss_ours(inany_af(&c->f.gaddr), tcp_mtu(lp));

		wnd = MAX(wnd, MIN(mss, 65535U));
	}
	max = 0xffffU << c->ws_to_tap;
	wnd = MIN(wnd, max);
	if (SEQ_LT(c->seq_from_tap + wnd, c->wnd_edge_to_tap))
		wnd = c->wnd_edge_to_tap - c->seq_from_tap;

	raw = (uint32_t)(((uint64_t)wnd + unit - 1) >> c->ws_to_tap);
	raw = MIN(raw, 0xffffU);
	c->wnd_edge_to_tap = c->seq_from_tap + (raw << c->ws_to_tap);
	return (uint16_t)raw;
}

/**
 * tcp_dequeue() - drop @n bytes the guest ACKed from the receive queue
 * @c:		connection
 * @n:		bytes
 *
 * With SO_PEEK_OFF, the kernel moves the peek offset back by @n.
 * Return: 0 or -errno
 */
int tcp_dequeue(struct tcp_conn *c, uint32_t n)
{
	while (n) {
		ssize_t r = recv(c->sock, NULL, n, MSG_TRUNC | MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EIO;	/* we sent bytes that aren't there */
		n -= (uint32_t)r;
	}
	return 0;
}

/**
 * tcp_rewind() - go back to the first byte the guest didn't ACK, to send
 * it again (a FIN in flight, with no data, is resent by the timer)
 * @c:		connection
 */
void tcp_rewind(struct loop *lp, struct tcp_conn *c)
{
	int zero = 0;

	if (c->flags & TCPF_FIN_SENT)
		return;
	c->seq_to_tap = c->seq_ack_from_tap;
	c->flags |= TCPF_STALLED;	/* held back now: send again */
	c->flags &= ~TCPF_RTT_ON;	/* Karn: no sample from a resend */
	if (tcp_peek_off_ok(lp) &&
	    setsockopt(c->sock, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		tcp_dbg(c, "SO_PEEK_OFF: %s", strerror(errno));
}

/*
 * Peek at up to @want new bytes (@sent bytes are in flight already).
 * Return: bytes, 0 at end of stream, or -errno (-EAGAIN: nothing new)
 */
static ssize_t tcp_peek(struct loop *lp, struct tcp_conn *c, uint8_t *buf,
			size_t want,
			uint32_t sent)
{
	struct iovec iov[TCP_DISCARD_IOV + 1];
	struct msghdr m = { .msg_iov = iov };
	uint32_t skip = tcp_peek_off_ok(lp) ? 0 : sent;
	ssize_t r;

	while (skip) {
		iov[m.msg_iovlen].iov_base = tcp_discard;
		iov[m.msg_iovlen].iov_len = MIN(skip, TCP_DISCARD_BYTES);
		skip -= (uint32_t)iov[m.msg_iovlen++].iov_len;
	}
	iov[m.msg_iovlen].iov_base = buf;
	iov[m.msg_iovlen++].iov_len = want;

	do
		r = recvmsg(c->sock, &m, MSG_PEEK | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (tcp_peek_off_ok(lp) || !sent)
		return r;
	if (r > (ssize_t)sent)
		return r - sent;
	/* only bytes in flight: end of stream if the peer said so */
	return (c->flags & TCPF_SOCK_EOF) ? 0 : -EAGAIN;
}

/* Cut @len peeked bytes at @buf into segments; Return: 0 or -ENOBUFS */
static int tcp_segs_queue(struct loop *lp, struct tcp_conn *c, uint8_t *buf,
			  size_t len,
			  size_t seg, uint16_t wnd)
{
	bool fresh = c->seq_to_tap == c->seq_max_to_tap;
	size_t off;

	for (off = 0; off < len; off += seg) {
		size_t n = MIN(seg, len - off);
		uint8_t fl = TCPH_ACK | (off + n == len ? TCPH_PSH : 0);
		int rc = tcp_buf_queue(lp, c, buf + off, n, c->seq_to_tap, fl,
				       wnd);

		if (rc)
			return rc;
		c->seq_to_tap += (uint32_t)n;
	}
	if (SEQ_GT(c->seq_to_tap, c->seq_max_to_tap))
		c->seq_max_to_tap = c->seq_to_tap;
	flow_io(&c->f, FLOW_IN, len, (len + seg - 1) / seg);
	if (fresh && len)
		tcp_rtt_start(lp, c, c->seq_to_tap);
	return 0;
}

/* Send our FIN once the peer's is seen and the guest ACKed all data */
static void tcp_fin_to_tap(struct loop *lp, struct tcp_conn *c)
{
	tcp_ctl_to_tap(lp, c, TCPH_FIN | TCPH_ACK, c->seq_to_tap);
	c->seq_to_tap++;
	c->seq_max_to_tap = c->seq_to_tap;
	c->flags |= TCPF_FIN_SENT;
	tcp_event(c, "FIN to guest");
}

/**
 * tcp_data_to_tap() - send socket data the guest's window allows
 * @c:		connection
 * @probe:	zero window probe: act as if the window were one byte
 */
void tcp_data_to_tap(struct loop *lp, struct tcp_conn *c, bool probe)
{
	uint32_t sent = c->seq_to_tap - c->seq_ack_from_tap;
	uint32_t wnd = c->wnd_from_tap, avail, before = c->seq_to_tap;
	bool eof = false;
	uint16_t wraw;
	size_t seg;

	if (c->state != TCPS_ESTABLISHED || (c->flags & TCPF_FIN_SENT))
		return;
	if (probe && !wnd)
		wnd = 1;
	if (!tcp_peek_off_ok(lp))
		wnd = MIN(wnd, TCP_DISCARD_IOV * TCP_DISCARD_BYTES);
	c->flags &= ~TCPF_STALLED;
	avail = wnd > sent ? wnd - sent : 0;
	wraw = tcp_wnd_to_tap(lp, c, false);
	seg = tcp_buf_seg_max(lp, c);

	while (avail) {
		size_t room, want;
		uint8_t *buf;
		int frames;
		ssize_t r;

		buf = tcp_buf_room(lp, MIN(avail, seg), &room, &frames);
		want = MIN((size_t)avail, room);
		want = MIN(want, (size_t)frames * seg);
		r = tcp_peek(lp, c, buf, want, sent);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			tcp_dbg(c, "peek: %s", strerror((int)-r));
			tcp_conn_reset(lp, c, true);
			return;
		}
		if (!r) {
			eof = true;
			c->flags |= TCPF_SOCK_EOF;
			break;
		}
		if (tcp_segs_queue(lp, c, buf, (size_t)r, seg, wraw)) {
			/* can't happen, room was checked: but the peek
			 * offset moved past what we queued, so realign */
			tcp_rewind(lp, c);
			break;
		}
		sent += (uint32_t)r;
		avail -= (uint32_t)r;
		if ((size_t)r < want)
			break;
	}

	if (!avail)
		c->flags |= TCPF_STALLED;
	if (eof && c->seq_to_tap == c->seq_ack_from_tap)
		tcp_fin_to_tap(lp, c);
	if ((c->seq_to_tap != before || (c->flags & TCPF_STALLED)) &&
	    !c->deadline_ms)
		tcp_timer_set(lp, c, c->rto_ms);
}

/* connect() finished, or failed */
static void tcp_connect_done(struct loop *lp, struct tcp_conn *c,
			     uint32_t events)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	if (!(events & (EPOLLERR | EPOLLHUP))) {
		if (!(events & EPOLLOUT))
			return;
		/* writable without error: connected, no SO_ERROR to read */
	} else {
		if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		if (!err)
			err = ECONNRESET;
		tcp_event(c, "connect: %s", strerror(err));
		tcp_conn_reset(lp, c, true);
		return;
	}
	/* EPOLLOUT stays in the mask (no epoll_ctl here): the handler
	 * ignores it unless TCPF_WND_WAIT, and it comes with other events */
	c->state = TCPS_SYN_ACK_SENT;
	tcp_ctl_to_tap(lp, c, TCPH_SYN | TCPH_ACK, c->seq_to_tap - 1);
	tcp_rtt_start(lp, c, c->seq_to_tap);
	tcp_timer_set(lp, c, c->rto_ms);
}

/* EPOLLOUT while waiting for send space: window update to the guest */
static void tcp_sock_writable(struct loop *lp, struct tcp_conn *c)
{
	int i;

	tcp_sock_wnd_wait(lp, c, false);
	tcp_snd_query(lp, c);	/* watches EPOLLOUT again if still full */
	if (c->flags & TCPF_FIN_RCVD)
		return;
	tcp_ctl_to_tap(lp, c, TCPH_ACK, c->seq_to_tap);
	if (!(c->flags & TCPF_REJECTED))
		return;
	/* it dropped data the socket refused: three duplicate ACKs make
	 * it retransmit now rather than at its RTO (RFC 5681 3.2) */
	c->flags &= ~TCPF_REJECTED;
	for (i = 0; i < TCP_DUPACK_THRESH; i++)
		tcp_ctl_to_tap(lp, c, TCPH_ACK, c->seq_to_tap);
}

/**
 * tcp_sock_handler() - epoll events on a connection's host socket
 * @ref:	epoll reference: slot and fd
 * @events:	EPOLL* bits
 * @lp:		the loop
 */
void tcp_sock_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct tcp_conn *c = tcp_conn_at(lp, ref.idx);

	if (!c || c->sock != ref.fd || c->state == TCPS_FREE ||
	    c->state == TCPS_CLOSED)
		return;		/* stale event for a slot closed in the batch */

	if (c->state == TCPS_CONNECTING) {
		tcp_connect_done(lp, c, events);
		return;
	}
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t sl = sizeof(err);

		getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
		tcp_dbg(c, "socket error: %s", strerror(err));
		tcp_conn_reset(lp, c, true);
		return;
	}
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->flags |= TCPF_SOCK_EOF;
	if ((events & EPOLLOUT) && (c->flags & TCPF_WND_WAIT) &&
	    c->state == TCPS_ESTABLISHED)
		tcp_sock_writable(lp, c);
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		tcp_data_to_tap(lp, c, false);
}
