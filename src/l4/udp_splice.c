// SPDX-License-Identifier: MIT
/* udp_splice.c - loopback UDP forwarding, socket to socket */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/flow.h"
#include "sock/nspool.h"
#include "l4/udp.h"
#include "l4/udp_splice.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * DOC: a loopback client of a forwarded UDP port (host -> namespace with
 * -u, namespace -> host with -U) needs no tap: each client gets a socket
 * on the other side, bound to the client's own port where that port is
 * free there, and connected to the target. Datagrams from the client go
 * out through it with sendmmsg(); replies read from it with recvmmsg()
 * go back to the client through the listening socket, so they come from
 * the port the client sent to. Clients are flows of the flow table
 * (FLOW_UDP_SPLICE), found by (address, port, listener); a flow idle for
 * USP_IDLE_S is closed, and with all USP_MAX in use, new clients'
 * datagrams are dropped.
 *
 * The key: the client is side 0 (gaddr, gport); the listener it sent to
 * stands for side 1, as raddr: the IPv4-mapped address whose 32 bits are
 * the listener's index (listener 5 reads [0.0.0.5]:0 in log lines), and
 * rport 0. The key class FLOW_KEY_UDP_SPLICE in proto keeps these keys
 * apart from guest tuples, and (address, port, index) maps to the key one
 * to one: no two clients of a listener, nor one client of two listeners
 * (a host and a namespace listener on one port, say), share a key.
 */

#define USP_MAX		512	/* spliced UDP clients */
#define USP_IDLE_S	180	/* s without traffic before closing */
#define USP_RX_SLOTS	16	/* replies per recvmmsg() */
#define USP_RX_ROUNDS	4	/* recvmmsg() calls per wake-up at most */
#define USP_PAYLOAD_MAX	65535

/**
 * struct usp_flow - a spliced client (a flow: FLOW_UDP_SPLICE)
 * @f:		common head: the client (gaddr, gport) and its listener
 *		(raddr, see usp_listener()), key class FLOW_KEY_UDP_SPLICE
 * @tfd:	our socket on the other side, connected
 * @lfd:	listening socket the client sent to
 * @laf:	its family
 */
struct usp_flow {
	struct flow_common f;
	int tfd;
	int lfd;
	int laf;
};
_Static_assert(sizeof(struct usp_flow) <= FLOW_SLOT_SIZE, "fits a slot");

/* What spliced UDP keeps per loop: datagrams of a batch */
struct udp_splice_loop {
	struct mmsghdr msg[USP_RX_SLOTS];
	struct iovec iov[USP_RX_SLOTS];
	uint8_t buf[USP_RX_SLOTS][USP_PAYLOAD_MAX];
};

/* Listener @lidx as side 1 of a key: the IPv4 (mapped) address @lidx */
static void usp_listener(union inany *a, uint32_t lidx)
{
	inany_from_v4(a, (struct in_addr){ htonl(lidx) });
}

static void usp_key(struct flow_key *k, const union inany *peer,
		    uint16_t pport, uint32_t lidx)
{
	union inany l;

	usp_listener(&l, lidx);
	flow_key_set(k, FLOW_KEY_UDP_SPLICE, peer, pport, &l, 0);
}

static void usp_close(struct loop *lp, struct flow_common *fc)
{
	struct usp_flow *f = (struct usp_flow *)fc;

	flow_event(&f->f, "closed");
	close(f->tfd);	/* leaves epoll with it */
	f->tfd = -1;
	flow_close(lp, &f->f);
}

static const struct flow_kind_ops usp_ops = {
	.size = sizeof(struct usp_flow), .cap = USP_MAX,
	.idle_s = USP_IDLE_S, .close = usp_close,
};

/* Bind @fd to @port (loopback on the host side, else any address),
 * falling back to an ephemeral port; Return: 0 or -errno */
static int usp_bind(int fd, int af, bool lo, uint16_t port)
{
	union sockaddr_inany sa;
	union inany a;
	socklen_t sl;
	int one = 1;

	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (af == AF_INET)
		inany_from_v4(&a, (struct in_addr){ htonl(lo ? INADDR_LOOPBACK :
							    INADDR_ANY) });
	else
		inany_from_v6(&a, lo ? &in6addr_loopback : &in6addr_any);
	sl = inany_to_sockaddr(&sa, &a, port, 0);
	if (!bind(fd, &sa.sa, sl))
		return 0;
	sa.sa4.sin_port = 0;	/* same offset in sockaddr_in6 */
	return bind(fd, &sa.sa, sl) ? -errno : 0;
}

/* A new client (key @k): socket on the other side, bound, connected,
 * watched */
static struct usp_flow *usp_open(struct loop *lp, const struct udp_fwd *fw,
				 const struct flow_key *k)
{
	int af = inany_af(&k->gaddr), fd, rc;
	const union inany *dst = &fw->dst[af == AF_INET6];
	union sockaddr_inany sa;
	struct usp_flow *f;
	socklen_t sl;

	if (inany_is_unspec(dst))
		return NULL;
	f = flow_alloc(lp, FLOW_UDP_SPLICE);
	if (!f) {
		warn_rl("udp splice: all %d flows in use, datagram dropped",
			USP_MAX);
		return NULL;
	}
	f->f.key = *k;
	fd = fw->out ? socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
		     : nspool_get(af, SOCK_DGRAM);
	if (fd < 0) {
		warn_rl("udp splice: socket: %s", strerror(fw->out ? errno :
							     -fd));
		flow_close(lp, &f->f);
		return NULL;
	}
	udp_sock_rcvbuf(fd);
	rc = usp_bind(fd, af, fw->out, k->gport);
	sl = inany_to_sockaddr(&sa, dst, fw->tport, 0);
	if (!rc && connect(fd, &sa.sa, sl))
		rc = -errno;
	if (!rc) {
		union ep_ref ref = ep_ref_make(EP_UDP_LISTEN, fd,
					       flow_idx(&f->f));

		ref.side = 1;	/* a flow's socket, not a listener */
		rc = flow_open_sock(lp, &f->f, fd, ref);
	}
	if (rc) {
		flow_dbg(&f->f, "to port %u: %s", fw->tport, strerror(-rc));
		close(fd);
		flow_close(lp, &f->f);
		return NULL;
	}
	f->tfd = fd;
	f->lfd = fw->lfd;
	f->laf = fw->laf;
	flow_event(&f->f, "opened, to port %u", fw->tport);
	return f;
}

/**
 * udp_splice_send() - datagrams from a loopback client of a forwarded port
 * @fw:		the listener
 * @peer:	client address
 * @pport:	client port
 * @iov:	payloads, one per datagram
 * @n:		how many
 * @lp:		the loop
 */
void udp_splice_send(struct loop *lp, const struct udp_fwd *fw,
		     const union inany *peer,
		     uint16_t pport, const struct iovec *iov, int n)
{
	struct udp_splice_loop *us = lp->udp_splice;
	struct usp_flow *f;
	struct flow_key k;
	int i, done = 0;

	usp_key(&k, peer, pport, fw->lidx);
	f = (struct usp_flow *)flow_lookup(lp, &k);
	if (!f || f->f.kind != FLOW_UDP_SPLICE)
		f = usp_open(lp, fw, &k);
	if (!f)
		return;
	flow_touch(lp, &f->f);
	n = MIN(n, USP_RX_SLOTS);
	for (i = 0; i < n; i++) {
		memset(&us->msg[i].msg_hdr, 0, sizeof(us->msg[i].msg_hdr));
		us->msg[i].msg_hdr.msg_iov = (struct iovec *)&iov[i];
		us->msg[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = sendmmsg(f->tfd, us->msg + done, (unsigned)(n - done),
				 MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNREFUSED)	/* an old ICMP error */
			continue;
		if (r <= 0) {
			int e = errno;

			flow_dbg(&f->f, "send: %s", strerror(e));
			break;
		}
		for (i = done; i < done + r; i++)
			flow_io(&f->f, FLOW_OUT, iov[i].iov_len, 1);
		done += r;
	}
}

/**
 * udp_splice_sock_handler() - replies on our socket of a spliced client:
 * back to the client, through the listening socket
 * @ref:	epoll reference: flow index and fd
 * @events:	EPOLL* bits
 * @lp:		the loop
 */
void udp_splice_sock_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct udp_splice_loop *us = lp->udp_splice;
	struct usp_flow *f = flow_get(lp, ref.idx, FLOW_UDP_SPLICE);
	union sockaddr_inany sa;
	int round, i, n, errs = 0;
	socklen_t sl;

	(void)events;
	if (!f || f->tfd != ref.fd)
		return;
	flow_touch(lp, &f->f);
	sl = udp_fwd_sockaddr(&sa, f->laf, &f->f.gaddr, f->f.gport);
	for (round = 0; round < USP_RX_ROUNDS; round++) {
		for (i = 0; i < USP_RX_SLOTS; i++) {
			struct msghdr *h = &us->msg[i].msg_hdr;

			us->iov[i].iov_base = us->buf[i];
			us->iov[i].iov_len = USP_PAYLOAD_MAX;
			memset(h, 0, sizeof(*h));
			h->msg_iov = &us->iov[i];
			h->msg_iovlen = 1;
		}
		n = recvmmsg(f->tfd, us->msg, USP_RX_SLOTS, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == ECONNREFUSED && !errs++) {
			round--;	/* error reported and cleared: read on */
			continue;
		}
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			us->iov[i].iov_len = us->msg[i].msg_len;
			flow_io(&f->f, FLOW_IN, us->msg[i].msg_len, 1);
			us->msg[i].msg_hdr.msg_name = &sa;
			us->msg[i].msg_hdr.msg_namelen = sl;
		}
		if (sendmmsg(f->lfd, us->msg, (unsigned)n, MSG_DONTWAIT) < 0) {
			int e = errno;

			flow_dbg(&f->f, "reply: %s", strerror(e));
		}
		if (n < USP_RX_SLOTS)
			break;
	}
}

/* flow_foreach_kind() callback: close @fc if a client of listener *@arg */
static void usp_listener_gone(struct loop *lp, struct flow_common *fc,
			      void *arg)
{
	if (inany_equals(&fc->raddr, arg))
		usp_close(lp, fc);
}

/**
 * udp_splice_listener_gone() - close the flows of a closed listener
 * @lidx:	its index
 */
void udp_splice_listener_gone(struct loop *lp, uint32_t lidx)
{
	union inany l;

	usp_listener(&l, lidx);
	flow_foreach_kind(lp, FLOW_UDP_SPLICE, usp_listener_gone, &l);
}

/**
 * udp_splice_init() - take spliced clients into the flow table
 */
void udp_splice_init(struct loop *lp)
{
	loop_state_new(lp->udp_splice, "spliced UDP state");
	flow_kind_register(lp, FLOW_UDP_SPLICE, &usp_ops);
}
