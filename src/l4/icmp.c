// SPDX-License-Identifier: MIT
/* icmp.c - ICMP/ICMPv6 echo through ping sockets; errors toward the guest */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "l2/egress.h"
#include "l2/ingress.h"
#include "l2/txpool.h"
#include "l4/icmp.h"
#include "l4/nat.h"
#include "lib/checksum.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "sock/prepare.h"

/*
 * DOC: an echo request from the guest becomes a sendto() on an
 * unprivileged "ping" socket (SOCK_DGRAM, IPPROTO_ICMP / IPPROTO_ICMPV6),
 * one per (guest address, echo id, destination). Such a socket needs no
 * privilege, only a group in net.ipv4.ping_group_range; the kernel
 * replaces the echo id with the socket's own and routes replies back to
 * it. We put the guest's id back, and the reply appears to come from the
 * address the guest pinged (so pinging the gateway, which really goes to
 * 127.0.0.1, shows replies from the gateway). Sequence numbers and data
 * are untouched. A flow idle for PING_IDLE_S is closed.
 *
 * Any other ICMP from the guest (errors, timestamps...) is dropped.
 * icmp_error_to_tap() builds errors toward the guest for the translators.
 */

#define PING_FLOWS	1024	/* ping sockets at most */
#define PING_IDLE_S	60	/* s without traffic before closing */
#define PING_RECV_MAX	32	/* replies read per wake-up */
#define ICMP_ERR_PER_S	100	/* errors sent to the guest per second */
#define PING_FD_SHARE	8	/* ping sockets: an eighth of the fd budget */

#define ICMP_ECHOREPLY_		0
#define ICMP_DEST_UNREACH_	3
#define ICMP_ECHO_		8
#define ICMP_PARAMPROB_		12
#define ICMP_FRAG_NEEDED_	4	/* code, with ICMP_DEST_UNREACH_ */
#define ICMP_PKT_FILTERED_	13	/* code: administratively prohibited */
#define ICMP6_DST_UNREACH_	1
#define ICMP6_ADM_PROHIBITED_	1	/* code, with ICMP6_DST_UNREACH_ */
#define ICMP6_ECHO_REQUEST_	128
#define ICMP6_ECHO_REPLY_	129

#define ICMP4_QUOTE_MAX	(576 - IP4_HDR_LEN - 8)		/* RFC 1812 4.3.2.3 */
#define ICMP6_QUOTE_MAX	(1280 - IP6_HDR_LEN - 8)	/* RFC 4443 2.4(c) */

/**
 * struct ping_flow - one ping socket (a flow: FLOW_PING)
 * @f:		common head: the guest's address and echo id (gport), what
 *		it pinged (raddr: replies come from it)
 * @fd:		the socket
 * @ttl:	TTL / hop limit last set on the socket (0: default)
 * @haddr:	where echoes really go (nat_outbound() of @f.raddr)
 */
struct ping_flow {
	struct flow_common f;
	int fd;
	uint8_t ttl;
	union inany haddr;
};
_Static_assert(sizeof(struct ping_flow) <= FLOW_SLOT_SIZE, "fits a slot");

/* What the ICMP translator keeps per loop (besides its flows) */
struct icmp_loop {
	bool enabled;
	bool perm_warned;
	uint32_t scope6;		/* for link-local destinations */
	time_t err_sec;			/* error rate limit window */
	unsigned err_n;
	struct txpool pool;
	uint8_t rx[L2_MAX_FRAME];
	uint8_t poolbuf[256 << 10];
};

static void ping_close(struct loop *lp, struct flow_common *fc)
{
	flow_close_sock(lp, fc, &((struct ping_flow *)fc)->fd);
}

static int ping_host_fd(const struct flow_common *fc)
{
	return ((const struct ping_flow *)fc)->fd;
}

static const struct flow_kind_ops ping_ops = {
	.size = sizeof(struct ping_flow), .cap = PING_FLOWS,
	.idle_s = PING_IDLE_S, .close = ping_close, .host_fd = ping_host_fd,
	.abort = ping_close,
};

/* Put a reply from @f's socket (@len bytes in ic->rx) in front of the guest */
static void ping_reply(struct loop *lp, const struct ping_flow *f, size_t len)
{
	struct icmp_loop *ic = lp->icmp;
	size_t hl = egress_l2l3_len(&f->f.raddr);
	uint8_t proto = f->f.proto;
	struct iovec iov;
	uint8_t *frame, *l4;

	if (len < 8 || hl + len > L2_MAX_FRAME)
		return;
	if (ic->rx[0] != (proto == IPPROTO_ICMP ? ICMP_ECHOREPLY_ :
						 ICMP6_ECHO_REPLY_))
		return;
	frame = txpool_get(lp, &ic->pool, hl + len);
	if (!frame)
		return;
	egress_l2l3(lp, frame, &f->f.raddr, &f->f.gaddr, proto, len);
	l4 = frame + hl;
	memcpy(l4, ic->rx, len);
	wr16(l4 + 2, 0);
	wr16(l4 + 4, f->f.gport);
	iov.iov_base = l4;
	iov.iov_len = len;
	if (proto == IPPROTO_ICMP)
		wr16(l4 + 2, csum_fold(csum_partial(l4, len, 0)));
	else
		wr16(l4 + 2, egress_l4_csum(&f->f.raddr, &f->f.gaddr, proto,
					    &iov, 1, len));
	iov.iov_base = frame;
	iov.iov_len = hl + len;
	if (egress_queue(lp, &iov, 1))	/* txpool_get() reserved the slot */
		warn_rl("icmp: egress full, echo reply dropped");
}

static void ping_sock_handler(struct loop *lp, union ep_ref ref,
			      uint32_t events)
{
	struct icmp_loop *ic = lp->icmp;
	struct ping_flow *f;
	int i;

	(void)events;
	f = flow_get(lp, ref.idx, FLOW_PING);
	if (!f || f->fd != ref.fd)
		return;
	for (i = 0; i < PING_RECV_MAX; i++) {
		ssize_t n = recv(f->fd, ic->rx, sizeof(ic->rx), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;	/* pending socket error, now cleared */
		}
		ping_reply(lp, f, (size_t)n);
		flow_io(&f->f, FLOW_IN, (uint64_t)n, 1);
	}
	flow_touch(lp, &f->f);
}

static int ping_socket(struct loop *lp, int af)
{
	struct icmp_loop *ic = lp->icmp;
	int proto = af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd, rc;

	fd = fdbudget_socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			     proto, "ping");
	if (fd < 0) {
		if ((errno == EACCES || errno == EPERM) && !ic->perm_warned) {
			warn("ping sockets not allowed: check "
			     "net.ipv4.ping_group_range");
			ic->perm_warned = true;
		} else if (errno != EACCES && errno != EPERM) {
			warn_rl("ping socket: %s", strerror(errno));
		}
		return -1;
	}
	rc = sock_prepare(fd, af, 0);
	if (rc) {
		warn_rl("ping socket set-up: %s", strerror(-rc));
		fdbudget_close(fd);
		return -1;
	}
	return fd;
}

/*
 * ping_cap() - ping sockets we hold at most: PING_FLOWS, and an eighth of
 * the fd budget, so that echoes to many ids or hosts can't spend the fds
 * TCP connections need. Past it, the flow idle longest makes room.
 */
static int ping_cap(void)
{
	unsigned n = fdbudget_size() / PING_FD_SHARE;

	return (int)MIN(MAX(n, 1U), (unsigned)PING_FLOWS);
}

/* ping_evict_oldest() - full: close the flow idle longest */
static void ping_evict_oldest(struct loop *lp)
{
	struct flow_common *old = flow_oldest(lp, FLOW_PING);

	if (!old)
		return;
	warn_rl("ping: %u flows in use, closing the one idle longest (flow "
		"%u, id %u)", flow_stats(lp, FLOW_PING)->live, flow_idx(old),
		old->gport);
	ping_close(lp, old);
}

/* A new flow for @p's echo (key @k), going to @host; NULL when we can't */
static struct ping_flow *ping_new(struct loop *lp, const struct pkt *p,
				  const struct flow_key *k,
				  const union inany *host)
{
	struct ping_flow *f;
	int fd, rc;

	if (flow_stats(lp, FLOW_PING)->live >= (unsigned)ping_cap())
		ping_evict_oldest(lp);
	fd = ping_socket(lp, p->af);
	if (fd < 0)
		return NULL;
	f = flow_alloc(lp, FLOW_PING);
	if (!f) {
		rc = -ENOSPC;
		goto err_close;
	}
	f->f.key = *k;
	f->fd = fd;
	f->haddr = *host;
	rc = flow_open_sock(lp, &f->f, fd,
			    ep_ref_make(EP_PING, fd, flow_idx(&f->f)));
	if (rc)
		goto err_flow;
	flow_event(&f->f, "opened");
	return f;

err_flow:
	flow_close(lp, &f->f);
err_close:
	warn_rl("ping: new flow: %s", strerror(-rc));
	fdbudget_close(fd);
	return NULL;
}

/* Keep the guest's TTL / hop limit, so that its traceroute works */
static void ping_ttl(struct ping_flow *f, uint8_t ttl)
{
	int v = ttl;

	if (!ttl || ttl == f->ttl)
		return;
	if (inany_is_v4(&f->f.gaddr))
		setsockopt(f->fd, IPPROTO_IP, IP_TTL, &v, sizeof(v));
	else
		setsockopt(f->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v,
			   sizeof(v));
	f->ttl = ttl;
}

static void icmp_one(struct loop *lp, const struct pkt *p)
{
	struct icmp_loop *ic = lp->icmp;
	uint8_t echo = p->af == AF_INET ? ICMP_ECHO_ : ICMP6_ECHO_REQUEST_;
	union sockaddr_inany sa;
	struct ping_flow *f;
	struct flow_key k;
	union inany host;
	socklen_t sl;

	if (!ic->enabled || p->l4[0] != echo || p->l4[1] != 0)
		return;			/* not an echo request: quietly */
	if (inany_is_multicast(&p->dst) ||
	    !nat_outbound(&p->dst, 0, p->proto, &host)) {
		debug_rl("ping: destination not allowed, dropped");
		return;
	}

	flow_key_set(&k, p->proto, &p->src, rd16(p->l4 + 4), &p->dst, 0);
	f = (struct ping_flow *)flow_lookup(lp, &k);
	if (!f || f->f.kind != FLOW_PING) {
		if (ingress_pass_on(lp, p, 1))
			return;		/* another loop's echo flow, maybe */
		f = ping_new(lp, p, &k, &host);
	}
	if (!f) {
		icmp_refuse_to_tap(lp, p);
		return;
	}

	ping_ttl(f, p->ttl);
	sl = inany_to_sockaddr(&sa, &f->haddr, 0,
			       IN6_IS_ADDR_LINKLOCAL(&f->haddr.a6) ?
			       ic->scope6 : 0);
	if (sendto(f->fd, p->l4, p->l4_len, MSG_DONTWAIT, &sa.sa, sl) < 0)
		flow_dbg(&f->f, "send: %s", strerror(errno));
	else
		flow_io(&f->f, FLOW_OUT, p->l4_len, 1);
	flow_touch(lp, &f->f);
}

void icmp_from_tap(struct loop *lp, const struct pkt *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		icmp_one(lp, &p[i]);
}

/* Rate limit for errors toward the guest. Return: true to send one */
static bool icmp_err_allowed(struct loop *lp)
{
	struct icmp_loop *ic = lp->icmp;

	if (lp->now.tv_sec != ic->err_sec) {
		ic->err_sec = lp->now.tv_sec;
		ic->err_n = 0;
	}
	return ic->err_n++ < ICMP_ERR_PER_S;
}

/* RFC 1122 3.2.2 / RFC 4443 2.4(e): never an error about an error */
static bool orig_is_icmp_error(const uint8_t *orig, size_t len, bool v4)
{
	size_t hl = v4 ? (size_t)(orig[0] & 0x0f) * 4 : IP6_HDR_LEN;

	if (v4 && orig[9] == IPPROTO_ICMP && len > hl)
		return orig[hl] != ICMP_ECHO_ && orig[hl] != ICMP_ECHOREPLY_;
	if (!v4 && orig[6] == IPPROTO_ICMPV6 && len > hl)
		return orig[hl] < ICMP6_ECHO_REQUEST_;
	return false;
}

void icmp_error_to_tap(struct loop *lp, const union inany *from, uint8_t type,
		       uint8_t code,
		       uint32_t info, const uint8_t *orig, size_t orig_len)
{
	uint8_t frame[EGRESS_HDR_MAX + 8 + ICMP6_QUOTE_MAX];
	bool v4 = inany_is_v4(from);
	size_t hl, quote, len;
	struct iovec iov;
	union inany dst;
	uint8_t *l4;

	if (!orig || orig_len < (v4 ? IP4_HDR_LEN : IP6_HDR_LEN) ||
	    orig[0] >> 4 != (v4 ? 4 : 6) || orig_is_icmp_error(orig, orig_len, v4))
		return;
	if (v4) {
		struct in_addr a;

		memcpy(&a, orig + 12, 4);
		inany_from_v4(&dst, a);
		quote = MIN(orig_len, (size_t)ICMP4_QUOTE_MAX);
	} else {
		memcpy(&dst.a6, orig + 8, 16);
		quote = MIN(orig_len, (size_t)ICMP6_QUOTE_MAX);
	}
	if (inany_is_unspec(&dst) || inany_is_multicast(&dst) ||
	    inany_is_v4(&dst) != v4 || !icmp_err_allowed(lp))
		return;

	len = 8 + quote;
	hl = egress_l2l3(lp, frame, from, &dst,
			 v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			 len);
	l4 = frame + hl;
	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	if (!v4)
		wr32(l4 + 4, info);		/* MTU, pointer; 0 else */
	else if (type == ICMP_DEST_UNREACH_ && code == ICMP_FRAG_NEEDED_)
		wr16(l4 + 6, (uint16_t)info);	/* RFC 1191 next-hop MTU */
	else if (type == ICMP_PARAMPROB_)
		l4[4] = (uint8_t)info;
	memcpy(l4 + 8, orig, quote);

	iov.iov_base = l4;
	iov.iov_len = len;
	if (v4)
		wr16(l4 + 2, csum_fold(csum_partial(l4, len, 0)));
	else
		wr16(l4 + 2, egress_l4_csum(from, &dst, IPPROTO_ICMPV6, &iov,
					    1, len));
	txq_copy(lp, frame, hl + len);
}

void icmp_refuse_to_tap(struct loop *lp, const struct pkt *p)
{
	const uint8_t *ip = p->frame + ETH_HDR_LEN;
	bool v4 = p->af == AF_INET;

	if (p->l4 < ip || p->l4 + p->l4_len > p->frame + p->frame_len)
		return;
	icmp_error_to_tap(lp, &p->dst,
			  v4 ? ICMP_DEST_UNREACH_ : ICMP6_DST_UNREACH_,
			  v4 ? ICMP_PKT_FILTERED_ : ICMP6_ADM_PROHIBITED_, 0, ip,
			  (size_t)(p->l4 + p->l4_len - ip));
}

void icmp_init(struct loop *lp, const struct conf_ip6 *ip6,
	       const struct conf_svc *svc)
{
	struct icmp_loop *ic = loop_state_new(lp->icmp, "ICMP state");
	const char *ifn = ip6->outbound_if[0] ? ip6->outbound_if :
						  ip6->ifname;

	ic->enabled = svc->icmp;
	ic->perm_warned = false;
	ic->scope6 = ifn[0] ? if_nametoindex(ifn) : 0;
	ic->pool = (struct txpool)TXPOOL_INIT(ic->poolbuf);
	flow_kind_register(lp, FLOW_PING, &ping_ops);
	loop_handler_set(lp, EP_PING, ping_sock_handler);
}

void icmp_scope6_set(struct loop *lp, unsigned ifindex)
{
	lp->icmp->scope6 = ifindex;
}
