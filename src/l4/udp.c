// SPDX-License-Identifier: MIT
/* udp.c - UDP translator: per-binding host sockets, guest source port kept */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/udp.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "l2/egress.h"
#include "l2/ingress.h"
#include "l4/icmp.h"
#include "l4/nat.h"
#include "l4/udp.h"
#include "l4/udp_inbound.h"
#include "l4/udp_slots.h"
#include "lib/checksum.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "sock/prepare.h"

/*
 * DOC: a "binding" is a (guest address, guest port) pair that has sent a
 * datagram. It gets one unconnected host socket, bound to the same port
 * when the host lets us (else an ephemeral one), through which it may
 * reach any destination: datagrams of one batch go out with a single
 * sendmmsg(), pointing into the guest's frames, and each run of equal
 * sizes in it is one message with UDP_SEGMENT (GSO: the kernel routes and
 * queues the run once and splits it at the device or the receiving
 * socket; boundaries are kept). Whatever comes back to
 * that socket, from any source, is the guest's: a DNS query to several
 * servers, or a server that answers from another port (TFTP, STUN), just
 * works. Replies are read with recvmmsg() into slots that have room in
 * front for the Ethernet, IP and UDP headers, so a frame is built in
 * place and queued without copying.
 *
 * Destinations nat_outbound() rewrites (gateway -> 127.0.0.1, the DNS
 * forward address -> the host's resolver...) are remembered per binding,
 * so that replies seem to come from the address the guest sent to.
 * ICMP errors (IP_RECVERR) are reflected to the guest, quoting a
 * reconstruction of its datagram. A binding idle UDP_IDLE_S in both
 * directions is closed.
 */

#define UDP_BINDINGS	4096	/* host sockets for guest bindings */
#define UDP_IDLE_S	180	/* s without traffic before closing */
#define UDP_MAPS	4	/* rewritten destinations kept per binding */
#define UDP_SEND_MAX	256	/* datagrams per sendmmsg() */
#define UDP_RX_SLOTS	32	/* datagrams per recvmmsg(), frame slots */
#define UDP_RX_ROUNDS	4	/* recvmmsg() calls per wake-up at most */
#define UDP_ERR_MAX	16	/* error queue entries per wake-up */
#define UDP_GSO_BYTES	(65535 - 8 - 40)	/* payload of one such send */
#define UDP_FD_SHARE	4	/* bindings: a quarter of the fd budget */

/* Room in front of a received payload: Ethernet, IP, UDP headers */

/**
 * struct udp_map - a destination nat_outbound() rewrote
 * @host:	address datagrams really went to
 * @guest:	address the guest sent them to
 * @port:	port (the same on both)
 */
struct udp_map {
	union inany host;
	union inany guest;
	uint16_t port;
};

/**
 * struct udp_bind - one guest (address, port) and its host socket (a flow:
 * FLOW_UDP)
 * @f:		common head: the guest's address and port (gaddr, gport);
 *		raddr and rport stay zero, as the socket reaches any peer
 * @fd:		the socket
 * @ttl:	TTL / hop limit last set on the socket (0: default)
 * @no_gso:	the kernel refused a UDP_SEGMENT send: datagrams one by one
 * @nmap:	entries used in @map
 * @map_next:	entry to replace next when @map is full
 * @map:	rewritten destinations, most recent replacing oldest
 */
struct udp_bind {
	struct flow_common f;
	int fd;
	uint8_t ttl;
	bool no_gso;
	uint8_t nmap;
	uint8_t map_next;
	struct udp_map map[UDP_MAPS];
};
_Static_assert(sizeof(struct udp_bind) <= FLOW_SLOT_SIZE, "fits a slot");

/* What the UDP translator keeps per loop (besides its flows) */
struct udp_loop {
	bool enabled;
	uint32_t scope6;
	struct in_addr bcast4;		/* the host subnet's broadcast */
	uint64_t drop_bcast;		/* broadcast/multicast refused */

	/* Guest to host */
	bool gso;
	struct mmsghdr tx_msg[UDP_SEND_MAX];
	struct iovec tx_iov[UDP_SEND_MAX];
	int tx_niov;
	uint8_t tx_cmsg[UDP_SEND_MAX][CMSG_SPACE(sizeof(uint16_t))]
		__attribute__((aligned(8)));

	/* Host to guest: slots in use until egress flushes */
	struct mmsghdr rx_msg[UDP_RX_SLOTS];
	struct iovec rx_iov[UDP_RX_SLOTS];
	union sockaddr_inany rx_sa[UDP_RX_SLOTS];
	struct udp_rx rx;
	uint8_t slots[UDP_RX_SLOTS][UDP_SLOT_SIZE] __attribute__((aligned(64)));
};

static const union inany udp_any;	/* raddr of every binding key */

/* ---- bindings --------------------------------------------------------- */

static void udp_key(struct flow_key *k, const union inany *gaddr,
		    uint16_t gport)
{
	flow_key_set(k, IPPROTO_UDP, gaddr, gport, &udp_any, 0);
}

static void udp_close(struct loop *lp, struct flow_common *fc)
{
	flow_close_sock(lp, fc, &((struct udp_bind *)fc)->fd);
}

static int udp_host_fd(const struct flow_common *fc)
{
	return ((const struct udp_bind *)fc)->fd;
}

/* The guest's next datagram opens a new binding, from the new address */
static const struct flow_kind_ops udp_ops = {
	.size = sizeof(struct udp_bind), .cap = UDP_BINDINGS,
	.idle_s = UDP_IDLE_S, .close = udp_close, .host_fd = udp_host_fd,
	.abort = udp_close,
};

static int sockopt_one(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one)) ? -errno : 0;
}

/**
 * udp_sock_rcvbuf() - room for bursts on a socket that receives for others
 * @fd:		UDP socket
 *
 * The default (rmem_default, 208 KiB) holds some 90 full-size datagrams,
 * half a millisecond at 2 Gbit/s: any time we are not scheduled longer
 * than that, the kernel drops what arrives (RcvbufErrors). Ask for more;
 * the kernel grants up to net.core.rmem_max and charges only what is
 * queued. Failure is harmless: the default stays.
 */
void udp_sock_rcvbuf(int fd)
{
	int v = UDP_RCVBUF;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/*
 * udp_socket() - a socket for the guest's @af / @port: errors queued,
 * bound to @port if the host lets us. No SO_BROADCAST: the kernel then
 * refuses a broadcast address of any host subnet (EACCES), so the guest
 * can't broadcast on the host's network as the host.
 * Return: fd or -errno
 */
static int udp_socket(int af, uint16_t port)
{
	int fd, rc;

	fd = fdbudget_socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			     IPPROTO_UDP, "udp");
	if (fd < 0)
		return -errno;
	if (af == AF_INET)
		rc = sockopt_one(fd, IPPROTO_IP, IP_RECVERR);
	else
		rc = sockopt_one(fd, IPPROTO_IPV6, IPV6_V6ONLY) ?:
		     sockopt_one(fd, IPPROTO_IPV6, IPV6_RECVERR);
	if (rc)
		goto err;
	udp_sock_rcvbuf(fd);

	rc = sock_prepare(fd, af, port);
	if (rc == -EADDRINUSE || rc == -EACCES) {
		debug_rl("udp: host port %u %s, using an ephemeral one", port,
			 rc == -EACCES ? "not allowed" : "busy");
		rc = sock_prepare(fd, af, 0);
	}
	if (rc)
		goto err;
	return fd;
err:
	fdbudget_close(fd);
	return rc;
}

/*
 * udp_cap() - bindings we hold at most: UDP_BINDINGS, and a quarter of
 * the fd budget, so that datagrams from many ports can't spend the fds
 * TCP connections need (bindings idle UDP_IDLE_S before they close)
 */
static unsigned udp_cap(void)
{
	unsigned n = fdbudget_size() / UDP_FD_SHARE;

	return MIN(MAX(n, 1U), (unsigned)UDP_BINDINGS);
}

/*
 * udp_evict_oldest() - the table is full: close the binding idle longest.
 * A guest that opens bindings without end (or garbage with random ports)
 * then recycles its own stale bindings instead of locking every new flow
 * out until the idle timeout.
 */
static void udp_evict_oldest(struct loop *lp)
{
	struct flow_common *old = flow_oldest(lp, FLOW_UDP);

	if (!old)
		return;
	warn_rl("udp: %u bindings in use, closing the one idle longest "
		"(flow %u, port %u)", flow_stats(lp,
						 FLOW_UDP)->live, flow_idx(old),
		old->gport);
	udp_close(lp, old);
}

/* udp_bind_find() - binding of @gaddr:@gport in this loop, or NULL */
static struct udp_bind *udp_bind_find(struct loop *lp,
				      const union inany *gaddr, uint16_t gport)
{
	struct udp_bind *b;
	struct flow_key k;

	udp_key(&k, gaddr, gport);
	b = (struct udp_bind *)flow_lookup(lp, &k);
	return b && b->f.kind == FLOW_UDP ? b : NULL;
}

/* udp_bind_get() - binding of @gaddr:@gport, created if new; NULL if not */
static struct udp_bind *udp_bind_get(struct loop *lp, const union inany *gaddr,
				     uint16_t gport)
{
	struct udp_bind *b;
	struct flow_key k;
	int fd, rc;

	udp_key(&k, gaddr, gport);
	b = (struct udp_bind *)flow_lookup(lp, &k);
	if (b && b->f.kind == FLOW_UDP)
		return b;

	if (flow_stats(lp, FLOW_UDP)->live >= udp_cap())
		udp_evict_oldest(lp);
	fd = udp_socket(inany_af(gaddr), gport);
	if (fd < 0) {
		warn_rl("udp: socket for port %u: %s", gport, strerror(-fd));
		return NULL;
	}
	b = flow_alloc(lp, FLOW_UDP);
	if (!b) {
		rc = -ENOSPC;
		goto err_close;
	}
	b->f.key = k;
	b->fd = fd;
	rc = flow_open_sock(lp, &b->f, fd,
			    ep_ref_make(EP_UDP, fd, flow_idx(&b->f)));
	if (rc)
		goto err_flow;
	flow_event(&b->f, "opened");
	return b;

err_flow:
	flow_close(lp, &b->f);
err_close:
	warn_rl("udp: new binding for port %u: %s", gport, strerror(-rc));
	fdbudget_close(fd);
	return NULL;
}

/* Remember that the guest's @guest:@port really is @host:@port */
static void udp_map_add(struct udp_bind *b, const union inany *host,
			const union inany *guest, uint16_t port)
{
	struct udp_map *m;
	int i;

	for (i = 0; i < b->nmap; i++) {
		m = &b->map[i];
		if (m->port == port && inany_equals(&m->host, host)) {
			m->guest = *guest;
			return;
		}
	}
	if (b->nmap < UDP_MAPS) {
		m = &b->map[b->nmap++];
	} else {
		m = &b->map[b->map_next];
		b->map_next = (uint8_t)((b->map_next + 1) % UDP_MAPS);
	}
	m->host = *host;
	m->guest = *guest;
	m->port = port;
}

/* The address the guest should see for host peer @src:@port */
static void udp_guest_src(const struct udp_bind *b, const union inany *src,
			  uint16_t port, union inany *gsrc)
{
	int i;

	for (i = 0; i < b->nmap; i++) {
		if (b->map[i].port == port &&
		    inany_equals(&b->map[i].host, src)) {
			*gsrc = b->map[i].guest;
			return;
		}
	}
	nat_inbound(src, gsrc);
}

/* ---- guest to host ---------------------------------------------------- */

/* Keep the guest's TTL / hop limit, so that its traceroute works */
static void udp_ttl(struct udp_bind *b, uint8_t ttl)
{
	int v = ttl;

	if (!ttl || ttl == b->ttl)
		return;
	if (inany_is_v4(&b->f.gaddr))
		setsockopt(b->fd, IPPROTO_IP, IP_TTL, &v, sizeof(v));
	else
		setsockopt(b->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v,
			   sizeof(v));
	b->ttl = ttl;
}

/* Errors an ICMP error leaves on the socket, reported by the next call */
static bool udp_errno_pending(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN || e == ENETDOWN || e == EMSGSIZE ||
	       e == EPROTO || e == ENOPROTOOPT;
}

/* Did the kernel refuse a UDP_SEGMENT send as such (size over the route
 * MTU, no segmentation support)? The datagrams can still go one by one. */
static bool udp_gso_refused(int e)
{
	return e == EINVAL || e == EIO || e == ENOPROTOOPT || e == EMSGSIZE;
}

/*
 * udp_send_one_by_one() - send the datagrams of a refused UDP_SEGMENT
 * message separately: each iovec cut every segment size (a run of the
 * guest's datagrams has one iovec each, a guest's GSO frame one for all)
 */
static void udp_send_one_by_one(const struct udp_bind *b,
				const struct mmsghdr *mm)
{
	static _Thread_local struct mmsghdr one[PKT_GSO_SEGS_MAX];
	static _Thread_local struct iovec iov[PKT_GSO_SEGS_MAX];
	const struct msghdr *h = &mm->msg_hdr;
	const struct cmsghdr *cm = CMSG_FIRSTHDR(h);
	size_t x, k = 0, seg = SIZE_MAX;

	if (cm && cm->cmsg_level == IPPROTO_UDP &&
	    cm->cmsg_type == UDP_SEGMENT)
		seg = *(const uint16_t *)(const void *)CMSG_DATA(cm);
	memset(one, 0, sizeof(one));
	for (x = 0; x < h->msg_iovlen; x++) {
		const uint8_t *d = h->msg_iov[x].iov_base;
		size_t left = h->msg_iov[x].iov_len;

		do {
			ASSERT(k < PKT_GSO_SEGS_MAX);
			iov[k].iov_base = (void *)d;
			iov[k].iov_len = MIN(seg, left);
			one[k].msg_hdr.msg_name = h->msg_name;
			one[k].msg_hdr.msg_namelen = h->msg_namelen;
			one[k].msg_hdr.msg_iov = &iov[k];
			one[k].msg_hdr.msg_iovlen = 1;
			d += iov[k].iov_len;
			left -= iov[k++].iov_len;
		} while (left);
	}
	if (sendmmsg(b->fd, one, (unsigned)k, MSG_DONTWAIT) < 0) {
		int e = errno;

		flow_dbg(&b->f, "send: %s, %zu datagrams dropped", strerror(e),
			 k);
	}
}

/* Send @n prepared messages; a pending socket error costs one retry */
static void udp_sendmmsg(struct udp_bind *b, struct mmsghdr *msg, int n)
{
	int fd = b->fd;
	int done = 0, retried = 0;

	while (done < n) {
		int r = sendmmsg(fd, msg + done, (unsigned)(n - done),
				 MSG_DONTWAIT);

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (udp_errno_pending(e) && !retried++)
				continue;
			if (msg[done].msg_hdr.msg_controllen &&
			    udp_gso_refused(e)) {
				flow_dbg(&b->f, "UDP_SEGMENT refused (%s), one "
					 "by one from now on", strerror(e));
				b->no_gso = true;
				udp_send_one_by_one(b, &msg[done]);
				done++;
				continue;
			}
			flow_dbg(&b->f, "send: %s, %d messages dropped",
				 strerror(e), n - done);
			return;
		}
		done += r;
	}
}

/*
 * Datagrams in @p[@i...] that one UDP_SEGMENT send can carry: the same
 * payload size, the last possibly shorter, and 64 KiB in all. A GSO frame
 * from the guest goes alone: it is such a send already.
 * Return: how many (1: send it alone)
 */
static int udp_gso_run(struct loop *lp, const struct udp_bind *b, const struct pkt *p, int i,
		       int n)
{
	struct udp_loop *ud = lp->udp;
	size_t size = p[i].l4_len - UDP_HDR, total = size;
	int k;

	if (!ud->gso || b->no_gso || !size || size > UDP_GSO_SIZE_MAX ||
	    p[i].gso)
		return 1;
	for (k = 1; i + k < n && k < UDP_GSO_SEGS; k++) {
		size_t len = p[i + k].l4_len - UDP_HDR;

		if (len > size || !len || total + len > UDP_GSO_BYTES ||
		    p[i + k].gso)
			break;
		total += len;
		if (len < size) {
			k++;
			break;
		}
	}
	return k;
}

/* Prepare message @j carrying the @k payloads at @p, to @sa: with
 * UDP_SEGMENT for a run, or for a GSO frame from the guest (@k is 1) */
static void udp_msg_fill(struct loop *lp, int j, const struct pkt *p, int k,
			 union sockaddr_inany *sa, socklen_t sl)
{
	struct udp_loop *ud = lp->udp;
	struct msghdr *h = &ud->tx_msg[j].msg_hdr;
	int x;

	memset(h, 0, sizeof(*h));
	for (x = 0; x < k; x++) {
		struct iovec *v = &ud->tx_iov[ud->tx_niov + x];

		v->iov_base = (void *)(p[x].l4 + UDP_HDR);
		v->iov_len = p[x].l4_len - UDP_HDR;
	}
	h->msg_name = sa;
	h->msg_namelen = sl;
	h->msg_iov = &ud->tx_iov[ud->tx_niov];
	h->msg_iovlen = (size_t)k;
	ud->tx_niov += k;
	if (k > 1 || p->gso) {
		struct cmsghdr *cm = (struct cmsghdr *)ud->tx_cmsg[j];

		h->msg_control = cm;
		h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
		cm->cmsg_level = IPPROTO_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		*(uint16_t *)(void *)CMSG_DATA(cm) = p->gso ? p->gso :
			(uint16_t)(p[0].l4_len - UDP_HDR);
	}
}

/*
 * udp_to_host_network(lp) - would @dst broadcast or multicast on the host's
 * network (limited or directed broadcast, a v4 or v6 group)? Sent from a
 * host socket, it would reach the host's LAN as the host: mDNS, SSDP,
 * NetBIOS... from a rootless guest. Directed broadcasts of other host
 * subnets are refused by the kernel, as sockets lack SO_BROADCAST.
 */
static bool udp_to_host_network(struct loop *lp, const union inany *dst)
{
	struct udp_loop *ud = lp->udp;

	if (inany_is_multicast(dst))	/* with 255.255.255.255 */
		return true;
	return inany_is_v4(dst) && dst->v4.a4.s_addr == ud->bcast4.s_addr;
}

void udp_from_tap(struct loop *lp, const struct pkt *p, int n)
{
	struct udp_loop *ud = lp->udp;
	uint16_t gport = rd16(p->l4), dport = rd16(p->l4 + 2);
	union sockaddr_inany sa;
	struct udp_bind *b;
	union inany host;
	socklen_t sl;
	int i, m, k;

	if (!ud->enabled || n <= 0)
		return;
	if (udp_inbound_reply(lp, p, n))
		return;		/* replies to a client of a forwarded port */
	if (udp_to_host_network(lp, &p->dst)) {
		ud->drop_bcast += (uint64_t)n;
		warn_rl("udp: broadcast/multicast from the guest to port %u "
			"dropped (%llu so far): it would leave on the host's "
			"network as the host", dport,
			(unsigned long long)ud->drop_bcast);
		return;
	}
	if (!gport || !dport || !nat_outbound(&p->dst, dport, IPPROTO_UDP,
					      &host)) {
		debug_rl("udp: datagram to port %u not allowed, dropped",
			 dport);
		return;
	}
	b = udp_bind_find(lp, &p->src, gport);
	if (!b && ingress_pass_on(lp, p, n))
		return;		/* another loop's binding, maybe */
	if (!b)
		b = udp_bind_get(lp, &p->src, gport);
	if (!b) {
		icmp_refuse_to_tap(lp, p); /* no fd: say so, don't just drop */
		return;
	}
	if (!inany_equals(&host, &p->dst))
		udp_map_add(b, &host, &p->dst, dport);
	udp_ttl(b, p->ttl);
	flow_touch(lp, &b->f);

	sl = inany_to_sockaddr(&sa, &host, dport,
			       IN6_IS_ADDR_LINKLOCAL(&host.a6) ? ud->scope6 : 0);
	for (i = 0; i < n; i++)
		flow_io(&b->f, FLOW_OUT, p[i].l4_len - UDP_HDR, 1);
	/* runs of equal sizes go as one UDP_SEGMENT send each */
	for (i = 0; i < n; ) {
		ud->tx_niov = 0;
		/* messages use one iovec or more: bounded by the iovecs */
		for (m = 0; i < n && ud->tx_niov < UDP_SEND_MAX; m++, i += k) {
			k = udp_gso_run(lp, b, p, i, n);
			k = MIN(k, UDP_SEND_MAX - ud->tx_niov);
			udp_msg_fill(lp, m, p + i, k, &sa, sl);
		}
		udp_sendmmsg(b, ud->tx_msg, m);
	}
}

/* ---- host to guest ---------------------------------------------------- */

/*
 * udp_to_tap() - build and queue the frame for datagram @i of the last
 * recvmmsg(): @plen payload bytes, datagrams of @gso_size bytes if it
 * carries a run (0: one datagram)
 */
static void udp_to_tap(struct loop *lp, const struct udp_bind *b, int i,
		       size_t plen,
		       size_t gso_size)
{
	struct udp_loop *ud = lp->udp;
	const struct mmsghdr *mm = &ud->rx_msg[i];
	uint8_t *slot = ud->slots[ud->rx.used + i];
	union inany src, gsrc;
	uint16_t sport;

	if (mm->msg_hdr.msg_flags & MSG_TRUNC ||
	    ud->rx_sa[i].sa.sa_family != inany_af(&b->f.gaddr))
		return;
	inany_from_sockaddr(&src, &sport, &ud->rx_sa[i]);
	udp_guest_src(b, &src, sport, &gsrc);
	if (inany_is_v4(&gsrc) != inany_is_v4(&b->f.gaddr))
		return;
	udp_slot_to_tap(lp, slot + UDP_SLOT_ROOM - UDP_HDR, &gsrc, sport,
			&b->f.gaddr, b->f.gport, plen, gso_size);
}

static void udp_sock_recv(struct loop *lp, struct udp_bind *b)
{
	struct udp_loop *ud = lp->udp;
	int round, errs = 0, k;

	for (round = 0; round < UDP_RX_ROUNDS; round++) {
		int i, n, room = udp_rx_room(lp, &ud->rx, UDP_RX_SLOTS);

		udp_slots_prep(ud->rx_msg, ud->rx_iov, ud->rx_sa,
			       ud->slots + ud->rx.used, room);
		n = recvmmsg(b->fd, ud->rx_msg, (unsigned)room, MSG_DONTWAIT,
			     NULL);
		if (n < 0) {
			if (udp_errno_pending(errno) && !errs++) {
				round--;	/* error consumed: read on */
				continue;
			}
			break;
		}
		for (i = 0; i < n; i += k) {
			size_t plen;

			k = udp_slots_run(lp, ud->rx_msg, ud->rx_sa,
					  ud->slots + ud->rx.used, i, n, &plen);
			udp_to_tap(lp, b, i, plen,
				   k > 1 ? ud->rx_msg[i].msg_len : 0);
			flow_io(&b->f, FLOW_IN, plen, (uint64_t)k);
		}
		ud->rx.used += n;
		if (n < room)
			break;
	}
}

/*
 * udp_orig() - rebuild the datagram an ICMP error is about: the guest's
 * IP and UDP headers, then the @plen bytes of payload the kernel quoted
 * (already at @buf + IP + UDP header length). Return: total length
 */
static size_t udp_orig(uint8_t *buf, const struct udp_bind *b,
		       const union inany *gdst, uint16_t dport, size_t plen)
{
	size_t hl = inany_is_v4(gdst) ? IP4_HDR_LEN : IP6_HDR_LEN;
	uint8_t *uh = buf + hl;

	if (hl == IP4_HDR_LEN) {
		memset(buf, 0, IP4_HDR_LEN);
		buf[0] = 0x45;
		wr16(buf + 2, (uint16_t)(hl + UDP_HDR + plen));
		buf[8] = b->ttl ? b->ttl : 64;
		buf[9] = IPPROTO_UDP;
		memcpy(buf + 12, &b->f.gaddr.v4.a4, 4);
		memcpy(buf + 16, &gdst->v4.a4, 4);
		wr16(buf + 10, csum_ip4_hdr(buf, IP4_HDR_LEN));
	} else {
		wr32(buf, 0x60000000);
		wr16(buf + 4, (uint16_t)(UDP_HDR + plen));
		buf[6] = IPPROTO_UDP;
		buf[7] = b->ttl ? b->ttl : 64;
		memcpy(buf + 8, &b->f.gaddr.a6, 16);
		memcpy(buf + 24, &gdst->a6, 16);
	}
	wr16(uh, b->f.gport);
	wr16(uh + 2, dport);
	wr16(uh + 4, (uint16_t)(UDP_HDR + plen));
	wr16(uh + 6, 0);
	return hl + UDP_HDR + plen;
}

/* Is this ICMP error worth telling the guest about? */
static bool udp_err_relevant(const struct sock_extended_err *ee, bool v4)
{
	if (v4)
		return ee->ee_origin == SO_EE_ORIGIN_ICMP &&
		       (ee->ee_type == 3 || ee->ee_type == 11 ||
			ee->ee_type == 12);
	return ee->ee_origin == SO_EE_ORIGIN_ICMP6 &&
	       ee->ee_type >= 1 && ee->ee_type <= 4;
}

/* Reflect one queued error, @plen bytes of quoted payload in @buf */
static void udp_err_one(struct loop *lp, const struct udp_bind *b,
			const struct sock_extended_err *ee,
			const union sockaddr_inany *dst_sa, uint8_t *buf,
			size_t plen)
{
	const union sockaddr_inany *off_sa = (const void *)SO_EE_OFFENDER(ee);
	union inany dst, gdst, offender, from;
	uint16_t dport;
	size_t len;

	if (dst_sa->sa.sa_family != inany_af(&b->f.gaddr))
		return;
	inany_from_sockaddr(&dst, &dport, dst_sa);
	udp_guest_src(b, &dst, dport, &gdst);

	from = gdst;
	if (off_sa->sa.sa_family == dst_sa->sa.sa_family) {
		inany_from_sockaddr(&offender, NULL, off_sa);
		if (!inany_equals(&offender, &dst))
			nat_inbound(&offender, &from);
	}
	if (inany_is_v4(&from) != inany_is_v4(&b->f.gaddr))
		return;

	len = udp_orig(buf, b, &gdst, dport, plen);
	icmp_error_to_tap(lp, &from, ee->ee_type, ee->ee_code, ee->ee_info, buf,
			  len);
}

static void udp_errqueue(struct loop *lp, const struct udp_bind *b)
{
	bool v4 = inany_is_v4(&b->f.gaddr);
	size_t hl = (v4 ? IP4_HDR_LEN : IP6_HDR_LEN) + UDP_HDR;
	int i;

	for (i = 0; i < UDP_ERR_MAX; i++) {
		uint8_t buf[IP6_HDR_LEN + UDP_HDR + 1280];
		char cbuf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				     sizeof(struct sockaddr_in6))];
		struct iovec iov = { buf + hl, sizeof(buf) - hl };
		const struct sock_extended_err *ee = NULL;
		union sockaddr_inany sa;
		struct msghdr mh = {
			.msg_name = &sa, .msg_namelen = sizeof(sa),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		ssize_t r;

		r = recvmsg(b->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (r < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if ((cm->cmsg_level == IPPROTO_IP &&
			     cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			     cm->cmsg_type == IPV6_RECVERR))
				ee = (const void *)CMSG_DATA(cm);
		}
		if (!ee || !udp_err_relevant(ee, v4))
			continue;
		udp_err_one(lp, b, ee, &sa, buf, (size_t)r);
	}
}

static void udp_sock_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct udp_bind *b;

	b = flow_get(lp, ref.idx, FLOW_UDP);
	if (!b || b->fd != ref.fd)
		return;
	if (events & EPOLLERR)
		udp_errqueue(lp, b);
	if (events & EPOLLIN)
		udp_sock_recv(lp, b);
	flow_touch(lp, &b->f);
}

void udp_init(struct loop *lp, const struct conf_ip4 *ip4,
	      const struct conf_ip6 *ip6, const struct conf_svc *svc)
{
	struct udp_loop *ud = loop_state_new(lp->udp, "UDP state");
	const char *ifn = ip6->outbound_if[0] ? ip6->outbound_if :
						  ip6->ifname;

	ud->enabled = svc->udp;
	ud->gso = !getenv("TETHER_UDP_NO_GSO");
	ud->scope6 = ifn[0] ? if_nametoindex(ifn) : 0;
	ud->bcast4 = conf_ip4_bcast(ip4);
	ud->rx.used = 0;
	if (ud->enabled)
		debug("udp: up to %d guest bindings, each on a host port "
		      "(the guest's own when free)", UDP_BINDINGS);
	flow_kind_register(lp, FLOW_UDP, &udp_ops);
	loop_handler_set(lp, EP_UDP, udp_sock_handler);
}

void udp_scope6_set(struct loop *lp, unsigned ifindex)
{
	lp->udp->scope6 = ifindex;
}

void udp_bcast_set(struct loop *lp, const struct conf_ip4 *ip4)
{
	lp->udp->bcast4 = conf_ip4_bcast(ip4);
}
