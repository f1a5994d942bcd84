// SPDX-License-Identifier: MIT
/* fwd_conn.c - events on listening sockets: where each client goes */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd/fwd_int.h"
#include "sock/nspool.h"
#include "l2/guest.h"
#include "l4/nat.h"
#include "l4/tcp_inbound.h"
#include "l4/tcp_splice.h"
#include "l4/udp_inbound.h"
#include "l4/udp_splice.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

/*
 * DOC: section 1.6 of the design, for clients of forwarded ports:
 *  - -t/-u, client on loopback, splice on: the loopback fast path, to
 *    the namespace's address (its copy of the host's), or with
 *    --host-lo-to-ns-lo to the same loopback address, in the namespace;
 *  - -t/-u otherwise (remote clients, --no-splice, passt): through the
 *    tap, from the client's own address (nat_inbound() maps loopback
 *    and the host's own address) to the guest's address;
 *  - -T/-U (listeners on the namespace's loopback): the fast path to
 *    the host's loopback, same family.
 * The target port comes from the rule: port + delta.
 */

#define FWD_ACCEPT_MAX	64	/* accept() calls per event */

/* Where a spliced client of @kind goes, for family @af; @local is the
 * address it reached us on, @taddr the rule's target address (NULL: the
 * guest's). Return: false if nowhere */
static bool fwd_splice_dst(unsigned kind, int af, const union inany *local,
			   const union inany *taddr, union inany *dst)
{
	struct in_addr lo4 = { htonl(INADDR_LOOPBACK) };

	if (af == AF_INET ? !fwd.v4 : !fwd.v6)
		return false;
	if (taddr) {		/* same family: there is no NAT between them */
		*dst = *taddr;
		return inany_af(taddr) == af;
	}
	if (fwd_kind_ns(kind) || fwd.lo_to_lo) {
		if (local && inany_is_loopback(local) &&
		    inany_af(local) == af) {
			*dst = *local;
		} else if (af == AF_INET) {
			inany_from_v4(dst, lo4);
		} else {
			inany_from_v6(dst, &in6addr_loopback);
		}
		return true;
	}
	guest_addr(af, dst);
	return !inany_is_unspec(dst);
}

/* An accepted loopback client, @peer port @pport: splice it to the other
 * side */
static void fwd_tcp_splice(struct loop *lp, const struct fwd_listener *l,
			   int fd,
			   const union inany *peer, uint16_t pport,
			   uint16_t tport)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int af = inany_af(peer), tfd;
	union sockaddr_inany sa;
	union inany local, dst;
	socklen_t sl = sizeof(sa);

	if (getsockname(fd, &sa.sa, &sl))
		goto refuse;
	inany_from_sockaddr(&local, NULL, &sa);
	if (!fwd_splice_dst(l->kind, af, &local,
			    fwd_rule_taddr(l->kind, l->rule, l->port), &dst))
		goto refuse;
	if (fwd_kind_ns(l->kind))
		tfd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	else
		tfd = nspool_get(af, SOCK_STREAM);
	if (tfd < 0) {
		warn_rl("tcp splice: no socket: %s",
			strerror(fwd_kind_ns(l->kind) ? errno : -tfd));
		goto refuse;
	}
	tcp_splice_new(lp, fd, peer, pport, tfd, &dst, tport);
	return;
refuse:
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* EPOLLIN on a TCP listener: accept, and send each client its way */
static void fwd_tcp_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct fwd_listener *l = fwd_listener_at(ref.idx, ref.fd);
	const union inany *taddr;
	uint16_t tport, pport;
	int i;

	(void)events;
	if (!l)
		return;
	tport = fwd_rule_target(l->kind, l->rule, l->port);
	taddr = fwd_rule_taddr(l->kind, l->rule, l->port);
	for (i = 0; i < FWD_ACCEPT_MAX; i++) {
		union sockaddr_inany sa;
		socklen_t sl = sizeof(sa);
		union inany peer;
		int fd;

		fd = accept4(l->fd, &sa.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				warn_rl("port %u: can't accept: %s, pausing",
					l->port, strerror(errno));
				fwd_pause(lp, l);
				return;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;	/* ECONNABORTED and the like */
		}
		if (sa.sa.sa_family != AF_INET && sa.sa.sa_family != AF_INET6) {
			close(fd);
			continue;
		}
		inany_from_sockaddr(&peer, &pport, &sa);
		if (fwd_kind_ns(l->kind) || fwd.splice_all ||
		    (fwd.splice && inany_is_loopback(&peer)))
			fwd_tcp_splice(lp, l, fd, &peer, pport, tport);
		else
			tcp_inbound_accept(lp, fd, &peer, pport, taddr, tport);
	}
}

/* EPOLLIN on a UDP listener (side 0) or a spliced flow's socket (1) */
static void fwd_udp_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	const union inany *taddr;
	struct fwd_listener *l;
	struct udp_fwd f;

	if (ref.side) {
		udp_splice_sock_handler(lp, ref, events);
		return;
	}
	l = fwd_listener_at(ref.idx, ref.fd);
	if (!l)
		return;
	memset(&f, 0, sizeof(f));
	f.lfd = l->fd;
	f.lidx = ref.idx;
	f.laf = l->af;
	f.tport = fwd_rule_target(l->kind, l->rule, l->port);
	taddr = fwd_rule_taddr(l->kind, l->rule, l->port);
	if (taddr) {
		f.has_gdst = true;
		f.gdst = *taddr;
	}
	f.out = fwd_kind_ns(l->kind);
	f.splice = fwd.splice;
	f.splice_all = fwd.splice_all;
	if (f.splice || f.out) {
		if (!fwd_splice_dst(l->kind, AF_INET, NULL, taddr, &f.dst[0]))
			memset(&f.dst[0], 0, sizeof(f.dst[0]));
		if (!fwd_splice_dst(l->kind, AF_INET6, NULL, taddr, &f.dst[1]))
			memset(&f.dst[1], 0, sizeof(f.dst[1]));
	}
	udp_fwd_recv(lp, &f);
}

/**
 * fwd_conn_init() - take events of listening sockets
 */
void fwd_conn_init(struct loop *lp)
{
	loop_handler_set(lp, EP_TCP_LISTEN, fwd_tcp_handler);
	loop_handler_set(lp, EP_UDP_LISTEN, fwd_udp_handler);
}
