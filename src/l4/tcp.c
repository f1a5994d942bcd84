// SPDX-License-Identifier: MIT
/* tcp.c - TCP translator: connection table, set-up and tear-down */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "l2/egress.h"
#include "l2/ingress.h"
#include "l4/nat.h"
#include "l4/tcp.h"
#include "l4/tcp_conn.h"
#include "lib/siphash.h"
#include "lib/util.h"
#include "loop.h"
#include "sock/prepare.h"

/*
 * DOC: each guest connection is one host kernel socket, and we keep no
 * payload of our own. Guest -> host: in-order payloads of a batch go to
 * the socket in one sendmsg() straight from the frames, and we ACK what
 * the socket took. Host -> guest: data stays in the socket's receive
 * queue until the guest ACKs it; we peek at it (SO_PEEK_OFF keeps the
 * peek offset at the first byte not yet sent) and drop it with
 * recv(MSG_TRUNC) when ACKed, so retransmission is a rewind of the peek
 * offset. The guest's SYN-ACK waits for connect() to complete, so a
 * refused connection is an RST to the guest, as end to end.
 *
 * Files: tcp.c (this: table, open, close, post-batch work), tcp_tap.c
 * (guest segments), tcp_sock.c (socket events, data and windows toward
 * the guest), tcp_frame.c (headers, options, frame memory), tcp_timer.c
 * (retransmission timers).
 */

static const char *const tcp_state_str[] = {
	[TCPS_FREE] = "free", [TCPS_CONNECTING] = "connecting",
	[TCPS_SYN_ACK_SENT] = "SYN-ACK sent", [TCPS_ESTABLISHED] = "established",
	[TCPS_SYN_SENT] = "SYN sent", [TCPS_CLOSED] = "closed",
};
_Static_assert(ARRAY_SIZE(tcp_state_str) == TCPS_STATE_NUM_, "state names");

static const char *tcp_flow_state(const struct flow_common *f)
{
	const struct tcp_conn *c = (const struct tcp_conn *)f;

	return c->state < TCPS_STATE_NUM_ ? tcp_state_str[c->state] : "?";
}

/* No idle timeout: a connection ends by TCP's own means (tcp_timer.c) */
static int tcp_host_fd(const struct flow_common *f)
{
	return ((const struct tcp_conn *)f)->sock;
}

/* The host address went (following the host): RST both ways */
static void tcp_abort(struct loop *lp, struct flow_common *f)
{
	tcp_conn_reset(lp, (struct tcp_conn *)f, true);
}

static const struct flow_kind_ops tcp_flow_ops = {
	.size = sizeof(struct tcp_conn), .cap = TCP_MAX,
	.state = tcp_flow_state, .host_fd = tcp_host_fd, .abort = tcp_abort,
};

/**
 * tcp_conn_at() - connection in flow slot @idx
 * @idx:	flow index, as epoll references carry it
 *
 * Return: the connection (in any state, TCPS_CLOSED until the end of the
 * batch), or NULL if the slot holds no TCP flow
 */
struct tcp_conn *tcp_conn_at(struct loop *lp, uint32_t idx)
{
	struct flow_common *f = flow_at(lp, idx);

	return f && f->kind == FLOW_TCP ? (struct tcp_conn *)f : NULL;
}

/**
 * tcp_conn_idx() - slot index of @c
 * @c:		connection
 *
 * Return: the index
 */
uint32_t tcp_conn_idx(const struct tcp_conn *c)
{
	return flow_idx(&c->f);
}

/**
 * tcp_peek_off_ok() - is SO_PEEK_OFF in use (probed at start-up)?
 *
 * Return: true if peeks start at the socket's peek offset
 */
bool tcp_peek_off_ok(struct loop *lp)
{
	return lp->tcp->peek_off;
}

/**
 * tcp_mtu() - the link MTU from the configuration
 *
 * Return: MTU, 0 for the default
 */
unsigned tcp_mtu(struct loop *lp)
{
	return lp->tcp->mtu;
}

/**
 * tcp_conn_alloc() - a zeroed connection from the flow table, its key
 * set: the guest's side (@gaddr, @gport) and the remote (@raddr, @rport)
 *
 * Return: the connection, or NULL if TCP_MAX are open
 */
struct tcp_conn *tcp_conn_alloc(struct loop *lp, const union inany *gaddr,
				uint16_t gport,
				const union inany *raddr, uint16_t rport)
{
	struct tcp_conn *c = flow_alloc(lp, FLOW_TCP);

	if (!c)
		return NULL;
	flow_key_set(&c->f.key, IPPROTO_TCP, gaddr, gport, raddr, rport);
	c->sock = -1;
	c->pend_next = TCP_NONE;
	return c;
}

/**
 * tcp_conn_pend() - service @c after the current batch: send what the
 * window allows, the ACK if one is due, close if both sides are done
 * @c:		connection
 */
void tcp_conn_pend(struct loop *lp, struct tcp_conn *c)
{
	struct tcp_loop *tt = lp->tcp;

	if (c->flags & TCPF_PENDING)
		return;
	c->flags |= TCPF_PENDING;
	c->pend_next = tt->pend_head;
	tt->pend_head = tcp_conn_idx(c);
}

/**
 * tcp_conn_close() - close the socket, forget the tuple; the slot is
 * freed after the batch
 * @c:		connection
 */
void tcp_conn_close(struct loop *lp, struct tcp_conn *c)
{
	if (c->state == TCPS_CLOSED || c->state == TCPS_FREE)
		return;
	tcp_event(c, "closed in state %s, flags 0x%x", tcp_state_str[c->state],
		  c->flags);
	if (c->sock >= 0)
		fdbudget_close(c->sock);
	c->sock = -1;
	tcp_timer_unlink(lp, c);
	c->state = TCPS_CLOSED;
	flow_close(lp, &c->f);
}

/**
 * tcp_conn_reset() - abort: RST to the host peer (SO_LINGER 0) and, if
 * @rst_to_tap, to the guest
 * @c:		connection
 * @rst_to_tap:	send an RST to the guest too
 */
void tcp_conn_reset(struct loop *lp, struct tcp_conn *c, bool rst_to_tap)
{
	if (c->state == TCPS_CLOSED || c->state == TCPS_FREE)
		return;
	if (rst_to_tap) {
		/* a guest in SYN-SENT only checks the ACK (RFC 9293 3.10.7.3) */
		uint32_t seq = c->state == TCPS_CONNECTING ? 0 :
			       c->seq_max_to_tap;

		tcp_ctl_to_tap(lp, c, TCPH_RST | TCPH_ACK, seq);
	}
	if (c->sock >= 0) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->sock, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	tcp_conn_close(lp, c);
}

/**
 * tcp_conn_close_check() - close once both FINs are through: the guest's
 * was written as shutdown(SHUT_WR), ours was ACKed by the guest
 * @c:		connection
 */
void tcp_conn_close_check(struct loop *lp, struct tcp_conn *c)
{
	if (c->state == TCPS_ESTABLISHED &&
	    (c->flags & (TCPF_FIN_RCVD | TCPF_FIN_ACKED)) ==
	    (TCPF_FIN_RCVD | TCPF_FIN_ACKED))
		tcp_conn_close(lp, c);
}

/**
 * tcp_isn() - initial sequence number toward the guest, RFC 6528:
 * ISN = M + F(4-tuple, secret), M a clock (32 ns ticks here)
 * @k:		flow key of the connection
 * @now:	current time
 *
 * Return: the ISN
 */
uint32_t tcp_isn(struct loop *lp, const struct flow_key *k,
		 const struct timespec *now)
{
	struct tcp_loop *tt = lp->tcp;
	uint64_t ns = (uint64_t)now->tv_sec * 1000000000ULL +
		      (uint64_t)now->tv_nsec;

	return (uint32_t)siphash(k, sizeof(*k), tt->secret) +
	       (uint32_t)(ns >> 5);
}

/* Guest SYN options -> MSS, window scaling */
static void tcp_conn_opts(struct loop *lp, struct tcp_conn *c,
			  const struct tcp_seg *s)
{
	struct tcp_loop *tt = lp->tcp;
	uint16_t ours = tcp_mss_ours(inany_af(&c->f.gaddr), tt->mtu);
	struct tcp_syn_opt o;

	tcp_opt_parse(s->opt, s->optlen, &o);
	c->mss = o.mss ? o.mss : TCP_MSS_NO_OPT;
	c->mss = MAX(c->mss, TCP_MSS_MIN);
	c->mss = MIN(c->mss, ours);
	if (o.ws_ok) {
		c->flags |= TCPF_WS;
		c->ws_from_tap = o.ws;
		c->ws_to_tap = TCP_WS_TO_TAP;
	}
}

/**
 * tcp_sock_opts() - options for every host socket of a tap connection
 * @fd:		socket
 *
 * TCP_NODELAY: segments from the guest are already sized by its own
 * stack. SO_PEEK_OFF: see tcp_sock.c. SO_SNDBUF: the window we offer the
 * guest is the socket's free send space, and must cover the round trip to
 * the guest (a VM can take milliseconds to answer), while the kernel
 * sizes an autotuned buffer for the round trip to the peer only, and
 * never grows it for a sender that never fills it, which tether never
 * does: as autotuned, the guest crawled (8 MiB from a QEMU guest took
 * 22 s). Ask for the largest buffer allowed (net.core.wmem_max).
 *
 * Return: 0 or -errno
 */
int tcp_sock_opts(struct loop *lp, int fd)
{
	struct tcp_loop *tt = lp->tcp;
	int one = 1, big = INT_MAX / 2;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (tt->peek_off) {
		int zero = 0;

		if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero,
			       sizeof(zero)))
			return -errno;
	}
	return 0;
}

/* Non-blocking connect to the host destination; Return: 0 or -errno */
static int tcp_conn_connect(struct loop *lp, struct tcp_conn *c,
			    const union inany *dst)
{
	struct tcp_loop *tt = lp->tcp;
	int af = inany_af(dst), rc;
	union sockaddr_inany sa;
	uint32_t scope = 0;
	socklen_t sl;

	c->sock = fdbudget_socket(af, SOCK_STREAM | SOCK_NONBLOCK |
				  SOCK_CLOEXEC, IPPROTO_TCP, "tcp");
	if (c->sock < 0)
		return -errno;
	rc = tcp_sock_opts(lp, c->sock);
	if (rc)
		return rc;
	rc = sock_prepare(c->sock, af, 0);
	if (rc)
		return rc;

	if (af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&dst->a6))
		scope = tt->ifindex6;
	sl = inany_to_sockaddr(&sa, dst, c->f.rport, scope);
	if (connect(c->sock, &sa.sa, sl) && errno != EINPROGRESS)
		return -errno;

	c->events = EPOLLIN | EPOLLRDHUP | EPOLLOUT | EPOLLET;
	return loop_add(lp, c->sock, c->events,
			ep_ref_make(EP_TCP, c->sock, tcp_conn_idx(c)));
}

/**
 * tcp_conn_open() - a guest SYN for a new tuple: slot, socket, connect()
 * @p:		the packet
 * @s:		its parsed header (SYN without ACK)
 * @k:		flow key of the tuple
 * @lp:		the loop
 *
 * Return: the connection in TCPS_CONNECTING, or NULL (dropped or RST sent)
 */
static struct tcp_conn *tcp_conn_open(struct loop *lp, const struct pkt *p,
				      const struct tcp_seg *s,
				      const struct flow_key *k)
{
	union inany dst;
	struct tcp_conn *c;
	uint32_t isn;
	int rc;

	if (!s->sport || !s->dport || inany_is_multicast(&p->dst) ||
	    inany_is_multicast(&p->src) || inany_is_unspec(&p->src))
		return NULL;
	if (!nat_outbound(&p->dst, s->dport, IPPROTO_TCP, &dst)) {
		debug_rl("tcp: SYN to port %u of a refused destination",
			 s->dport);
		tcp_rst_to_tap(lp, p, s);	/* as a host would */
		return NULL;
	}
	c = tcp_conn_alloc(lp, &p->src, s->sport, &p->dst, s->dport);
	if (!c) {
		warn_rl("tcp: connection table full (%u), refusing", TCP_MAX);
		tcp_rst_to_tap(lp, p, s);
		return NULL;
	}
	c->state = TCPS_CONNECTING;
	tcp_conn_opts(lp, c, s);
	isn = tcp_isn(lp, k, &lp->now);
	c->seq_ack_from_tap = isn;
	c->seq_to_tap = c->seq_max_to_tap = isn + 1;
	c->seq_from_tap = c->seq_ack_to_tap = s->seq + 1;
	c->wnd_from_tap = s->wnd;	/* never scaled in a SYN */
	c->wnd_edge_to_tap = c->seq_from_tap;
	c->rto_ms = TCP_RTO_INIT_MS;

	if (fdbudget_used() >= fdbudget_size())
		tcp_embryo_make_room(lp);
	rc = tcp_conn_connect(lp, c, &dst);
	if (!rc)
		rc = flow_hash_insert(lp, &c->f);
	if (rc) {
		if (rc == -ENOBUFS || rc == -ENOMEM)	/* EMFILE: fdbudget */
			tcp_warn(c, "no socket: %s", strerror(-rc));
		else
			tcp_event(c, "can't connect: %s", strerror(-rc));
		tcp_ctl_to_tap(lp, c, TCPH_RST | TCPH_ACK, 0);
		tcp_conn_close(lp, c);
		return NULL;
	}
	tcp_timer_set(lp, c, TCP_CONNECT_TIMEOUT_MS);
	tcp_embryo_add(lp, c);
	tcp_event(c, "connecting, mss %u, wscale %d", c->mss,
		  (c->flags & TCPF_WS) ? c->ws_from_tap : -1);
	return c;
}

/**
 * tcp_from_tap() - segments of one tuple from the guest, in order
 * @p:		packets
 * @n:		how many
 * @lp:		the loop
 */
void tcp_from_tap(struct loop *lp, const struct pkt *p, int n)
{
	struct flow_common *f;
	struct flow_key k;
	struct tcp_seg s;
	int i;

	if (n <= 0 || p->l4_len < TCP_HDR_LEN)
		return;
	flow_key_set(&k, IPPROTO_TCP, &p->src, rd16(p->l4), &p->dst,
		     rd16(p->l4 + 2));
	f = flow_lookup(lp, &k);
	if (f && f->kind == FLOW_TCP) {
		struct tcp_conn *c = (struct tcp_conn *)f;

		if (c->state != TCPS_FREE && c->state != TCPS_CLOSED) {
			tcp_tap_segs(lp, c, p, n);
			return;
		}
	} else if ((p->l4[13] & (TCPH_SYN | TCPH_ACK | TCPH_RST)) != TCPH_SYN &&
		   ingress_pass_on(lp, p, n)) {
		return;		/* another loop's connection, maybe */
	}

	for (i = 0; i < n; i++) {
		if (tcp_seg_parse(&p[i], &s)) {
			debug_rl("tcp: bad header from guest, dropped");
			continue;
		}
		if ((s.flags & (TCPH_SYN | TCPH_ACK | TCPH_RST)) == TCPH_SYN) {
			struct tcp_conn *c = tcp_conn_open(lp, &p[i], &s, &k);

			if (c && i + 1 < n)
				tcp_tap_segs(lp, c, p + i + 1, n - i - 1);
			return;
		}
		/* RFC 9293 3.10.7.1: no connection, answer with RST */
		tcp_rst_to_tap(lp, &p[i], &s);
	}
}

/* After every batch: serve pending connections (flow/ frees the closed
 * ones after this) */
static void tcp_post(struct loop *lp)
{
	struct tcp_loop *tt = lp->tcp;

	while (tt->pend_head != TCP_NONE) {
		struct tcp_conn *c = tcp_conn_at(lp, tt->pend_head);

		tt->pend_head = c->pend_next;
		c->pend_next = TCP_NONE;
		c->flags &= ~TCPF_PENDING;
		if (c->state != TCPS_ESTABLISHED &&
		    c->state != TCPS_SYN_ACK_SENT)
			continue;

		/* edge-triggered sockets won't tell about data we held back */
		if (c->flags & (TCPF_STALLED | TCPF_SOCK_EOF))
			tcp_data_to_tap(lp, c, false);
		if (c->state == TCPS_ESTABLISHED && (c->flags & TCPF_ACK_DUE))
			tcp_ctl_to_tap(lp, c, TCPH_ACK, c->seq_to_tap);
		tcp_conn_close_check(lp, c);
	}
}

/* Does this kernel keep a peek offset on TCP sockets (Linux >= 6.9)? */
static bool tcp_probe_peek_off(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), zero = 0;
	bool ok;

	if (s < 0)
		return false;
	ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));
	close(s);
	return ok;
}

/**
 * tcp_init() - set up the table and timers, register with the loop
 * @lp:		the loop
 * @link:	link MTU
 * @ip6:	interface for link-local destinations
 *
 * TETHER_TCP_NO_PEEK_OFF in the environment forces the fallback for
 * kernels without SO_PEEK_OFF (for tests).
 */
void tcp_init(struct loop *lp, const struct conf_link *link,
	      const struct conf_ip6 *ip6)
{
	struct tcp_loop *tt = loop_state_new(lp->tcp, "TCP state");

	tt->pend_head = TCP_NONE;
	if (getrandom(tt->secret, sizeof(tt->secret), 0) != sizeof(tt->secret))
		die_perror("getrandom for TCP sequence numbers");
	tt->mtu = link->mtu;
	tt->ifindex6 = ip6->ifname[0] ? if_nametoindex(ip6->ifname) : 0;
	tt->peek_off = tcp_probe_peek_off() &&
		       !getenv("TETHER_TCP_NO_PEEK_OFF");
	debug("tcp: %s", tt->peek_off ? "SO_PEEK_OFF supported" :
	     "no SO_PEEK_OFF, skipping sent data with a discard buffer");

	flow_kind_register(lp, FLOW_TCP, &tcp_flow_ops);
	loop_handler_set(lp, EP_TCP, tcp_sock_handler);
	loop_post_add(lp, tcp_post);
	tcp_timer_init(lp);
	tcp_embryo_init(lp);
	tcp_frame_init(lp);
}

void tcp_scope6_set(struct loop *lp, unsigned ifindex)
{
	lp->tcp->ifindex6 = ifindex;
}
