// SPDX-License-Identifier: MIT
/* tcp_inbound.c - connections accepted on forwarded ports, via the tap */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "l2/guest.h"
#include "l4/nat.h"
#include "l4/tcp_conn.h"
#include "l4/tcp_inbound.h"
#include "lib/util.h"

/*
 * DOC: a connection accepted on a forwarded port is opened toward the
 * guest as if the client were on the link: we send a SYN from the
 * client's address and port (loopback and the host's own address mapped
 * by nat_inbound()) to the guest's address and the target port. The
 * client already completed its handshake with our listener; whatever it
 * sends waits in the accepted socket. The guest's SYN-ACK makes the
 * connection ESTABLISHED, and from there the translator handles it
 * exactly like an outbound one. An RST from the guest (nothing listens)
 * resets the client; so does a guest that doesn't answer after
 * TCP_SYN_RETRIES retransmissions (RFC 6298 5.5 backoff).
 */

#define TCP_SYN_RETRIES	5	/* then give up: 1 + 2 + ... + 32 s */

/* Close an accepted socket that we can't serve, with an RST */
static void tcp_inbound_refuse(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/**
 * tcp_inbound_accept() - open a connection to the guest for a client
 * @fd:		accepted socket, non-blocking
 * @peer:	client address
 * @pport:	client port
 * @gdst:	address to send to on the guest side, NULL for the guest's
 *		own (a rule's target address: a host behind the guest)
 * @gport:	target port on the guest
 * @lp:		the loop
 *
 * @fd is ours from here: on failure it is closed with an RST.
 * Return: 0, or -errno
 */
int tcp_inbound_accept(struct loop *lp, int fd, const union inany *peer,
		       uint16_t pport, const union inany *gdst, uint16_t gport)
{
	union inany gaddr, raddr;
	struct tcp_conn *c;
	struct flow_key k;
	int rc;
	uint32_t isn;

	if (gdst)
		gaddr = *gdst;
	else
		guest_addr(inany_af(peer), &gaddr);
	nat_inbound(peer, &raddr);
	if (inany_is_unspec(&gaddr) || inany_is_unspec(&raddr) ||
	    inany_is_v4(&gaddr) != inany_is_v4(&raddr) || !pport || !gport) {
		debug_rl("tcp: no guest address for a connection to port %u",
			 gport);
		rc = -EADDRNOTAVAIL;
		goto refuse;
	}
	flow_key_set(&k, IPPROTO_TCP, &gaddr, gport, &raddr, pport);
	if (flow_lookup(lp, &k)) {
		debug_rl("tcp: tuple for port %u busy, refusing", gport);
		rc = -EADDRINUSE;
		goto refuse;
	}
	if (!fdbudget_take("tcp inbound")) {
		rc = -EMFILE;
		goto refuse;
	}
	c = tcp_conn_alloc(lp, &gaddr, gport, &raddr, pport);
	if (!c) {
		warn_rl("tcp: connection table full (%u), refusing", TCP_MAX);
		fdbudget_put();
		rc = -ENOSPC;
		goto refuse;
	}
	c->sock = fd;
	c->state = TCPS_SYN_SENT;
	c->mss = tcp_mss_ours(inany_af(&gaddr), tcp_mtu(lp));
	c->flags |= TCPF_WS;		/* offered; kept if the guest agrees */
	c->ws_to_tap = TCP_WS_TO_TAP;
	isn = tcp_isn(lp, &k, &lp->now);
	c->seq_ack_from_tap = isn;
	c->seq_to_tap = c->seq_max_to_tap = isn + 1;
	c->rto_ms = TCP_RTO_INIT_MS;

	tcp_sock_opts(lp, fd);
	rc = flow_hash_insert(lp, &c->f);
	if (rc)
		goto close;
	c->events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	rc = loop_add(lp, fd, c->events, ep_ref_make(EP_TCP, fd,
						     tcp_conn_idx(c)));
	if (rc)
		goto close;
	tcp_event(c, "inbound: SYN to guest");
	tcp_ctl_to_tap(lp, c, TCPH_SYN, isn);
	tcp_timer_set(lp, c, c->rto_ms);
	return 0;

close:
	warn_rl("tcp: inbound connection to port %u: %s", gport,
		strerror(-rc));
	tcp_conn_reset(lp, c, false);	/* closes fd with SO_LINGER 0 */
	return rc;
refuse:
	tcp_inbound_refuse(fd);
	return rc;
}

/* The guest's SYN-ACK: options, sequence numbers, ESTABLISHED */
static void tcp_inbound_synack(struct loop *lp, struct tcp_conn *c,
			       const struct tcp_seg *s)
{
	uint16_t ours = tcp_mss_ours(inany_af(&c->f.gaddr), tcp_mtu(lp));
	struct tcp_syn_opt o;

	tcp_opt_parse(s->opt, s->optlen, &o);
	c->mss = o.mss ? o.mss : TCP_MSS_NO_OPT;
	c->mss = MIN(MAX(c->mss, TCP_MSS_MIN), ours);
	if (o.ws_ok) {
		c->ws_from_tap = o.ws;
	} else {	/* RFC 7323 1.3: both sides must offer it */
		c->flags &= ~TCPF_WS;
		c->ws_from_tap = c->ws_to_tap = 0;
	}
	c->seq_from_tap = c->seq_ack_to_tap = s->seq + 1;
	c->wnd_edge_to_tap = c->seq_from_tap;
	c->wnd_from_tap = s->wnd;	/* never scaled in a SYN */
	c->seq_ack_from_tap = s->ack;
	c->state = TCPS_ESTABLISHED;
	c->retries = 0;
	c->rto_ms = TCP_RTO_INIT_MS;
	tcp_timer_stop(c);
	tcp_ctl_to_tap(lp, c, TCPH_ACK, c->seq_to_tap);
	/* the client may have sent data already: look at the socket */
	c->flags |= TCPF_STALLED;
	tcp_conn_pend(lp, c);
	tcp_event(c, "inbound: established, mss %u, wscale %d", c->mss,
		  (c->flags & TCPF_WS) ? c->ws_from_tap : -1);
}

/**
 * tcp_inbound_seg() - a guest segment while our SYN is unanswered
 * @c:		connection in TCPS_SYN_SENT
 * @s:		the segment
 *
 * RFC 9293 3.10.7.3 (SYN-SENT): an ACK must acknowledge our SYN, else
 * <SEQ=SEG.ACK><CTL=RST>; an acceptable RST aborts; a SYN-ACK
 * establishes. Anything else is dropped (no simultaneous open: the guest
 * doesn't know the client).
 * Return: 1 if the connection was reset, 0 otherwise
 */
int tcp_inbound_seg(struct loop *lp, struct tcp_conn *c,
		    const struct tcp_seg *s)
{
	bool ack_ok = (s->flags & TCPH_ACK) && s->ack == c->seq_to_tap;

	if ((s->flags & TCPH_ACK) && !ack_ok) {
		if (!(s->flags & TCPH_RST))
			tcp_ctl_to_tap(lp, c, TCPH_RST, s->ack);
		return 0;
	}
	if (s->flags & TCPH_RST) {
		if (!ack_ok)
			return 0;
		tcp_event(c, "inbound: refused by guest");
		tcp_conn_reset(lp, c, false);
		return 1;
	}
	if ((s->flags & (TCPH_SYN | TCPH_ACK)) == (TCPH_SYN | TCPH_ACK))
		tcp_inbound_synack(lp, c, s);
	return 0;
}

/**
 * tcp_inbound_timeout() - no SYN-ACK in time: send the SYN again, or give
 * up and reset the client
 * @c:		connection in TCPS_SYN_SENT
 * @lp:		the loop
 */
void tcp_inbound_timeout(struct loop *lp, struct tcp_conn *c)
{
	if (++c->retries > TCP_SYN_RETRIES) {
		tcp_event(c, "inbound: no answer from guest, resetting");
		tcp_conn_reset(lp, c, false);
		return;
	}
	tcp_dbg(c, "inbound: SYN retry %u", c->retries);
	tcp_ctl_to_tap(lp, c, TCPH_SYN, c->seq_to_tap - 1);
	c->rto_ms = MIN(c->rto_ms * 2, TCP_RTO_MAX_MS);
	tcp_timer_set(lp, c, c->rto_ms);
}
