// SPDX-License-Identifier: MIT
/* tcp_tap.c - guest segments on a known connection: ACKs, data, FIN, RST */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "l4/tcp_conn.h"
#include "lib/util.h"

/*
 * DOC: a batch of segments of one connection becomes at most one
 * sendmsg() (more only past TCP_TAP_IOV payloads), whose iovecs point
 * into the guest frames, and one ACK, sent after the batch. We keep no
 * out-of-order data: a gap gets a duplicate ACK for the byte we expect,
 * and the guest retransmits. What the socket refuses is not ACKed either.
 */


/**
 * struct tcp_tap_batch - what a batch of guest segments amounts to
 * @ack:	highest acceptable ACK number seen
 * @expect:	next byte expected, after the payload queued in tap_iov
 * @pending:	payload bytes in tap_iov
 * @niov:	entries in tap_iov
 * @fin:	an in-order FIN follows the payload
 * @stop:	the socket refused data: take no more in this batch
 * @wnd_changed: the guest's window changed
 */
struct tcp_tap_batch {
	uint32_t ack;
	uint32_t expect;
	size_t pending;
	int niov;
	bool fin;
	bool stop;
	bool wnd_changed;
};

/*
 * An RST is accepted if its sequence number is in the window we offered
 * (RFC 9293 3.10.7.4 "first, check sequence number"); in the handshake
 * it must be exactly the next expected byte.
 */
static bool tcp_rst_ok(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t edge = c->wnd_edge_to_tap;

	if (c->state != TCPS_ESTABLISHED)
		return s->seq == c->seq_from_tap;
	if (SEQ_LE(edge, c->seq_from_tap))
		edge = c->seq_from_tap + 1;
	return SEQ_GE(s->seq, c->seq_from_tap) && SEQ_LT(s->seq, edge);
}

/* A SYN on a synchronised connection */
static void tcp_tap_syn(struct loop *lp, struct tcp_conn *c,
			const struct tcp_seg *s)
{
	if (c->state == TCPS_SYN_ACK_SENT && !(s->flags & TCPH_ACK) &&
	    s->seq + 1 == c->seq_from_tap) {
		/* the guest didn't get our SYN-ACK: send it again */
		c->flags &= ~TCPF_RTT_ON;	/* Karn */
		tcp_ctl_to_tap(lp, c, TCPH_SYN | TCPH_ACK, c->seq_to_tap - 1);
		return;
	}
	/* RFC 5961 4.2: challenge ACK */
	c->flags |= TCPF_ACK_DUE;
}

/* The guest's ACK of our SYN-ACK; Return: false if unacceptable */
static bool tcp_tap_established(struct loop *lp, struct tcp_conn *c,
				const struct tcp_seg *s)
{
	if (s->ack != c->seq_to_tap) {
		/* RFC 9293 3.10.7.4, SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST> */
		tcp_ctl_to_tap(lp, c, TCPH_RST, s->ack);
		return false;
	}
	c->state = TCPS_ESTABLISHED;
	c->seq_ack_from_tap = s->ack;
	c->wnd_from_tap = (uint32_t)s->wnd << c->ws_from_tap;
	c->retries = 0;
	tcp_rtt_ack(lp, c, s->ack);	/* first sample: handshake */
	tcp_timer_stop(c);
	/* the peer may have sent data already: look at the socket */
	c->flags |= TCPF_STALLED;
	tcp_conn_pend(lp, c);
	tcp_event(c, "established");
	return true;
}

/*
 * The ACK and window of one segment. Return: false if the segment must
 * be dropped (it ACKs data never sent: RFC 9293 3.10.7.4, answer by ACK)
 */
static bool tcp_tap_ack(struct tcp_conn *c, const struct tcp_seg *s,
			struct tcp_tap_batch *b)
{
	uint32_t wnd = (uint32_t)s->wnd << c->ws_from_tap;

	if (SEQ_GT(s->ack, c->seq_max_to_tap)) {
		c->flags |= TCPF_ACK_DUE;
		return false;
	}
	if (SEQ_LT(s->ack, b->ack))
		return true;	/* old ACK: ignore it and its window */

	c->retries = 0;
	if (SEQ_GT(s->ack, b->ack)) {
		b->ack = s->ack;
		c->dup_acks = 0;
		c->flags &= ~TCPF_RECOVERY;
	} else if (!s->len && !(s->flags & TCPH_FIN) &&
		   wnd == c->wnd_from_tap && b->ack != c->seq_to_tap &&
		   c->dup_acks < UINT8_MAX) {
		c->dup_acks++;	/* RFC 5681 2, "DUPLICATE ACKNOWLEDGMENT" */
	}
	if (wnd != c->wnd_from_tap) {
		b->wnd_changed = true;
		c->wnd_from_tap = wnd;
	}
	return true;
}

/* Write queued payload; Return: 0 or -errno for a broken socket */
static int tcp_tap_write(struct loop *lp, struct tcp_conn *c,
			 struct tcp_tap_batch *b)
{
	struct tcp_loop *tt = lp->tcp;
	struct msghdr m = { .msg_iov = tt->tap_iov,
			     .msg_iovlen = (size_t)b->niov };
	ssize_t w;

	if (!b->pending)
		return 0;
	w = sendmsg(c->sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ENOBUFS)
			return -errno;
		w = 0;
	}
	c->seq_from_tap += (uint32_t)w;
	c->snd_free -= MIN((uint32_t)w, c->snd_free);
	flow_io(&c->f, FLOW_OUT, (uint64_t)w, w ? (uint64_t)b->niov : 0);
	if ((size_t)w < b->pending) {
		tcp_trace(c, "socket took %zd of %zu bytes", w, b->pending);
		b->stop = true;
		b->fin = false;
		c->flags |= TCPF_REJECTED;
		tcp_snd_query(lp, c);
		tcp_sock_wnd_wait(lp, c, true);
	} else if (c->snd_free < c->sndbuf / 2) {
		tcp_snd_query(lp, c);	/* the estimate runs low: refresh */
	}
	b->niov = 0;
	b->pending = 0;
	b->expect = c->seq_from_tap;
	c->flags |= TCPF_ACK_DUE;
	return 0;
}

/* The payload in a segment's tail, @skip bytes of it left out */
static void tcp_tap_tail(struct tcp_loop *tt, struct tcp_tap_batch *b,
			 const struct tcp_seg *s, size_t skip)
{
	size_t left = s->tail_len - skip;
	int i;

	for (i = 0; i < s->tail_n && left; i++) {
		size_t l = s->tail[i].iov_len, k;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		k = MIN(l - skip, left);
		tt->tap_iov[b->niov].iov_base =
			(uint8_t *)s->tail[i].iov_base + skip;
		tt->tap_iov[b->niov].iov_len = k;
		b->niov++;
		left -= k;
		skip = 0;
	}
}

/* Payload and FIN of one segment: queue in-order bytes, note what to ACK */
static int tcp_tap_data(struct loop *lp, struct tcp_conn *c,
			const struct tcp_seg *s,
			struct tcp_tap_batch *b)
{
	struct tcp_loop *tt = lp->tcp;
	bool fin = s->flags & TCPH_FIN;
	enum tcp_fit fit;
	size_t skip;
	int rc;

	if (b->stop || b->fin || (c->flags & TCPF_FIN_RCVD)) {
		if (s->len || fin)
			c->flags |= TCPF_ACK_DUE;
		return 0;
	}
	fit = tcp_seg_fit(s->seq, s->len, b->expect, &skip);
	if (fit == TCP_FIT_OLD) {
		/* duplicate, or keepalive: SEG.SEQ = RCV.NXT - 1 */
		if (s->len || fin || s->seq == b->expect - 1)
			c->flags |= TCPF_ACK_DUE;
		return 0;
	}
	if (fit == TCP_FIT_FUTURE) {
		/* a gap: duplicate ACK (a pure ACK may be ahead of us if
		 * the socket refused data, that's no reason to answer) */
		if (s->len || fin)
			c->flags |= TCPF_ACK_DUE;
		return 0;
	}

	if (s->len > skip) {
		size_t head = s->len - s->tail_len;	/* bytes at s->data */

		if (b->niov + 1 + s->tail_n > TCP_TAP_IOV) {
			rc = tcp_tap_write(lp, c, b);
			if (rc || b->stop)
				return rc;
		}
		if (skip < head) {
			tt->tap_iov[b->niov].iov_base = (void *)(s->data + skip);
			tt->tap_iov[b->niov].iov_len = head - skip;
			b->niov++;
		}
		tcp_tap_tail(tt, b, s, skip > head ? skip - head : 0);
		b->pending += s->len - skip;
		b->expect += (uint32_t)(s->len - skip);
	}
	if (fin)
		b->fin = true;
	return 0;
}

/* Apply the batch's highest ACK: dequeue, timers, fast retransmit */
static int tcp_tap_ack_apply(struct loop *lp, struct tcp_conn *c,
			     const struct tcp_tap_batch *b)
{
	if (SEQ_GT(b->ack, c->seq_ack_from_tap)) {
		uint32_t n = b->ack - c->seq_ack_from_tap;
		int rc;

		if ((c->flags & TCPF_FIN_SENT) && b->ack == c->seq_max_to_tap) {
			c->flags |= TCPF_FIN_ACKED;
			n--;
		}
		rc = n ? tcp_dequeue(c, n) : 0;
		if (rc)
			return rc;
		c->seq_ack_from_tap = b->ack;
		if (SEQ_GT(b->ack, c->seq_to_tap))	/* ACKed past a rewind */
			c->seq_to_tap = b->ack;
		tcp_rtt_ack(lp, c, b->ack);
		if (c->seq_to_tap != c->seq_ack_from_tap)
			tcp_timer_set(lp, c, c->rto_ms);
		else
			tcp_timer_stop(c);
		if (c->flags & (TCPF_STALLED | TCPF_FIN_ACKED | TCPF_SOCK_EOF))
			tcp_conn_pend(lp, c);
	}
	if (b->wnd_changed && (c->flags & TCPF_STALLED))
		tcp_conn_pend(lp, c);

	if (c->dup_acks >= TCP_DUPACK_THRESH &&
	    !(c->flags & (TCPF_RECOVERY | TCPF_FIN_SENT)) &&
	    tcp_in_flight(c)) {
		tcp_dbg(c, "fast retransmit from %u", c->seq_ack_from_tap);
		c->dup_acks = 0;
		c->flags |= TCPF_RECOVERY;
		tcp_rewind(lp, c);
		tcp_conn_pend(lp, c);
	}
	return 0;
}

/* One segment: Return: 0, 1 to stop (connection reset), or -errno */
static int tcp_tap_seg(struct loop *lp, struct tcp_conn *c,
		       const struct tcp_seg *s,
		       struct tcp_tap_batch *b)
{
	if (c->state == TCPS_SYN_SENT) {	/* inbound: our SYN is out */
		int rc = tcp_inbound_seg(lp, c, s);

		b->ack = c->seq_ack_from_tap;
		b->expect = c->seq_from_tap;
		return rc;
	}
	if (s->flags & TCPH_RST) {
		if (!tcp_rst_ok(c, s))
			return 0;
		tcp_event(c, "reset by guest");
		tcp_conn_reset(lp, c, false);
		return 1;
	}
	if (c->state == TCPS_CONNECTING)
		return 0;	/* retransmitted SYN: connect() still running */
	if (s->flags & TCPH_SYN) {
		tcp_tap_syn(lp, c, s);
		return 0;
	}
	if (!(s->flags & TCPH_ACK))
		return 0;	/* RFC 9293 3.10.7.4, fifth: drop */
	if (c->state == TCPS_SYN_ACK_SENT) {
		if (!tcp_tap_established(lp, c, s))
			return 0;
		b->ack = c->seq_ack_from_tap;
	}
	if (!tcp_tap_ack(c, s, b))
		return 0;
	return tcp_tap_data(lp, c, s, b);
}

/**
 * tcp_tap_segs() - segments from the guest for connection @c
 * @c:		connection (not free, not closed)
 * @p:		packets, in arrival order
 * @n:		how many
 * @lp:		the loop
 */
void tcp_tap_segs(struct loop *lp, struct tcp_conn *c, const struct pkt *p,
		  int n)
{
	struct tcp_tap_batch b = {
		.ack = c->seq_ack_from_tap, .expect = c->seq_from_tap,
	};
	int i, rc = 0;

	for (i = 0; i < n && !rc; i++) {
		struct tcp_seg s;

		if (tcp_seg_parse(&p[i], &s)) {
			tcp_dbg(c, "bad header from guest, dropped");
			continue;
		}
		tcp_trace(c, "from guest: flags 0x%02x seq %u ack %u wnd %u "
			  "len %zu", s.flags, s.seq, s.ack, s.wnd, s.len);
		rc = tcp_tap_seg(lp, c, &s, &b);
	}
	if (rc > 0)
		return;
	if (!rc && c->state == TCPS_ESTABLISHED)
		rc = tcp_tap_write(lp, c, &b);
	if (!rc && c->state == TCPS_ESTABLISHED)
		rc = tcp_tap_ack_apply(lp, c, &b);
	if (rc) {
		tcp_dbg(c, "socket error: %s", strerror(-rc));
		tcp_conn_reset(lp, c, true);
		return;
	}

	if (b.fin) {
		c->seq_from_tap++;
		c->flags |= TCPF_FIN_RCVD | TCPF_ACK_DUE;
		if (shutdown(c->sock, SHUT_WR))
			tcp_dbg(c, "shutdown: %s", strerror(errno));
		tcp_event(c, "FIN from guest");
	}
	if (c->flags & TCPF_ACK_DUE)
		tcp_conn_pend(lp, c);
}
