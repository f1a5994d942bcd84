// SPDX-License-Identifier: MIT
/* ndp.c - IPv6 neighbour discovery (NS -> NA) and router advertisements */
#include <netinet/in.h>
#include <string.h>

#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/ndp.h"
#include "l2/txpool.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

/*
 * DOC: the IPv6 counterpart of proxy ARP (RFC 4861). Every Neighbour
 * Solicitation is answered with a Neighbour Advertisement carrying our
 * MAC, whatever the target, except the guest's own addresses and
 * duplicate address detection probes (unspecified source, 7.2.3).
 * A Router Solicitation gets a Router Advertisement (6.2.3) with the
 * /64 of the guest's address (on-link, autonomous), the MTU, resolvers
 * (RFC 8106) if asked to advertise them, and the M flag, so that the guest
 * also asks DHCPv6 for its exact address. With --config-net the namespace
 * is configured directly and no RA is sent.
 *
 * Messages are checked as 7.1.1 / 6.1.1 say: hop limit 255, code 0,
 * length, and option lengths (never zero, within the message).
 */

#define ND_RS		133
#define ND_RA		134
#define ND_NS		135
#define ND_NA		136
#define ND_REDIRECT	137

#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define ND_OPT_PREFIX	3
#define ND_OPT_MTU	5
#define ND_OPT_RDNSS	25
#define ND_OPT_DNSSL	31

#define NA_FLAGS	0xe0000000	/* Router, Solicited, Override */
#define RA_FLAG_M	0x80
#define RA_HOP_LIMIT	64		/* advertised for the guest's use */
#define RA_LIFETIME_S	65535		/* router lifetime, RFC 8319 */
#define ND_INFINITE	0xffffffff
#define IPV6_MIN_MTU	1280
#define DNSSL_MAX	512		/* bytes of encoded search list */
#define RA_MAX		1024		/* largest RA we build */
#define RA_INITIAL	3		/* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define RA_INITIAL_INTERVAL_S 16	/* MAX_INITIAL_RTR_ADVERT_INTERVAL */
#define RA_INTERVAL_MIN_S 200		/* MinRtrAdvInterval, default */
#define RA_INTERVAL_MAX_S 600		/* MaxRtrAdvInterval, default */
#define RA_BYE		(RA_INITIAL + 1)	/* RAs announcing a removal */

static struct {
	bool ndp;
	bool ra;
	struct in6_addr our_ll;
	struct in6_addr prefix;		/* /64 of the guest's address */
	bool prefix_set;
	unsigned mtu;
	struct in6_addr dns[CONF_MAXNS];
	int dns_n;
	uint8_t dnssl[DNSSL_MAX];	/* names, encoded, padded to 8 */
	size_t dnssl_len;
	time_t ra_next;			/* next unsolicited RA, s */
	unsigned ra_initial;		/* initial RAs sent */
	bool timer_on;			/* ndp_timer() is registered */
	/* Following the host: what the last refresh replaced, announced
	 * with zero lifetimes in the next RA_BYE advertisements */
	unsigned bye_left;
	struct in6_addr bye_prefix;
	bool bye_prefix_set;
	struct in6_addr bye_dns[CONF_MAXNS];
	int bye_dns_n;
} ndp;

/* Encode @name as DNS labels at @out (RFC 1035 3.1). Return: bytes or 0 */
static size_t dns_name_encode(const char *name, uint8_t *out, size_t room)
{
	size_t pos = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		if (!l || l > 63 || pos + 1 + l + 1 > room || pos + l > 250)
			return 0;
		out[pos++] = (uint8_t)l;
		memcpy(out + pos, name, l);
		pos += l;
		name += l + (dot ? 1 : 0);
	}
	if (!pos)
		return 0;
	out[pos++] = 0;
	return pos;
}

static void ndp_dnssl_init(const struct conf_svc *svc)
{
	size_t len = 0;
	int i;

	ndp.dnssl_len = 0;
	if (!svc->dhcp_search)
		return;
	for (i = 0; i < svc->search_n; i++) {
		size_t n = dns_name_encode(svc->search[i], ndp.dnssl + len,
					   DNSSL_MAX - len);

		if (!n)
			warn("search domain \"%s\" not advertised in RAs",
			     svc->search[i]);
		len += n;
	}
	ndp.dnssl_len = len;
}

/* What ndp_init() and ndp_refresh() take from the configuration */
static void ndp_conf(const struct conf_ip6 *ip6, const struct conf_link *link,
		     const struct conf_ns *ns, const struct conf_svc *svc)
{
	int i;

	ndp.prefix_set = false;
	ndp.dns_n = 0;
	ndp.ndp = ip6->enabled && svc->ndp;
	ndp.ra = ndp.ndp && svc->ra && (!ns->config_net || ns->v6_by_ra) &&
		 IN6_IS_ADDR_LINKLOCAL(&ip6->our_ll);
	ndp.our_ll = ip6->our_ll;
	if (!IN6_IS_ADDR_UNSPECIFIED(&ip6->addr) &&
	    !IN6_IS_ADDR_LINKLOCAL(&ip6->addr)) {
		memcpy(&ndp.prefix, &ip6->addr, 8);
		ndp.prefix_set = true;
	}
	ndp.mtu = link->mtu;
	if (svc->dhcp_dns) {
		for (i = 0; i < ip6->dns_n && i < CONF_MAXNS; i++)
			ndp.dns[ndp.dns_n++] = ip6->dns[i];
	}
	ndp_dnssl_init(svc);
}

void ndp_init(struct loop *lp, const struct conf_ip6 *ip6,
	      const struct conf_link *link, const struct conf_ns *ns,
	      const struct conf_svc *svc)
{
	memset(&ndp, 0, sizeof(ndp));
	ndp_conf(ip6, link, ns, svc);
	ndp.ra_next = lp->now.tv_sec + 1;
	if (ndp.ra) {
		loop_timer_add(lp, ndp_timer, 1000);
		ndp.timer_on = true;
	}
}

/* Options from @off to the end of the message: lengths valid? */
static bool ndp_opts_ok(const struct pkt *p, size_t off)
{
	while (off < p->l4_len) {
		size_t len;

		if (off + 2 > p->l4_len)
			return false;
		len = (size_t)p->l4[off + 1] * 8;
		if (!len || off + len > p->l4_len)
			return false;
		off += len;
	}
	return true;
}

/* A target we may claim: not multicast, mapped, loopback, unspecified */
static bool ndp_target_ok(const struct in6_addr *t)
{
	union inany a;

	inany_from_v6(&a, t);
	return !IN6_IS_ADDR_MULTICAST(t) && !inany_is_v4(&a) &&
	       !IN6_IS_ADDR_LOOPBACK(t) && !IN6_IS_ADDR_UNSPECIFIED(t);
}

/* Send @l4 (@len bytes, checksum field zero) from @src to @dst */
static void ndp_send(struct loop *lp, const union inany *src,
		     const union inany *dst,
		     uint8_t *l4, size_t len)
{
	uint8_t frame[EGRESS_HDR_MAX + RA_MAX];
	struct iovec iov = { .iov_base = l4, .iov_len = len };
	size_t hl;

	wr16(l4 + 2, egress_l4_csum(src, dst, IPPROTO_ICMPV6, &iov, 1, len));
	hl = egress_l2l3(lp, frame, src, dst, IPPROTO_ICMPV6, len);
	memcpy(frame + hl, l4, len);
	txq_copy(lp, frame, hl + len);
}

/* 7.2.4: answer a solicitation for @target with our MAC */
static void ndp_na(struct loop *lp, const struct pkt *p,
		   const struct in6_addr *target)
{
	uint8_t na[32] = { ND_NA, 0 };
	union inany src;

	wr32(na + 4, NA_FLAGS);
	memcpy(na + 8, target, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, egress_our_mac(lp), 6);

	inany_from_v6(&src, target);
	ndp_send(lp, &src, &p->src, na, sizeof(na));
}

static bool ndp_ns(struct loop *lp, const struct pkt *p)
{
	struct in6_addr target;
	union inany guest;

	if (p->l4_len < 24 || !ndp_opts_ok(p, 24))
		return false;
	memcpy(&target, p->l4 + 8, 16);
	if (!ndp_target_ok(&target))
		return false;
	if (inany_is_unspec(&p->src))		/* DAD probe, 7.2.3 */
		return true;

	guest_addr(AF_INET6, &guest);
	if (!memcmp(&target, &p->src.a6, 16) ||
	    !memcmp(&target, &guest.a6, 16))
		return true;			/* the guest's own */

	ndp_na(lp, p, &target);
	return true;
}

/* Append the optional RA options at @o; Return: bytes written */
static size_t ra_opts(struct loop *lp, uint8_t *o)
{
	size_t len = 0;
	int i;

	if (ndp.mtu >= IPV6_MIN_MTU) {
		o[0] = ND_OPT_MTU;
		o[1] = 1;
		wr32(o + 4, ndp.mtu);
		len += 8;
	}
	if (ndp.dns_n) {
		o[len] = ND_OPT_RDNSS;
		o[len + 1] = (uint8_t)(1 + 2 * ndp.dns_n);
		wr32(o + len + 4, ND_INFINITE);
		for (i = 0; i < ndp.dns_n; i++)
			memcpy(o + len + 8 + 16 * i, &ndp.dns[i], 16);
		len += 8 + 16 * (size_t)ndp.dns_n;
	}
	if (ndp.bye_left && ndp.bye_dns_n) {	/* RFC 8106 5.1: lifetime 0 */
		o[len] = ND_OPT_RDNSS;
		o[len + 1] = (uint8_t)(1 + 2 * ndp.bye_dns_n);
		wr32(o + len + 4, 0);
		for (i = 0; i < ndp.bye_dns_n; i++)
			memcpy(o + len + 8 + 16 * i, &ndp.bye_dns[i], 16);
		len += 8 + 16 * (size_t)ndp.bye_dns_n;
	}
	if (ndp.dnssl_len) {
		size_t olen = (8 + ndp.dnssl_len + 7) & ~(size_t)7;

		o[len] = ND_OPT_DNSSL;
		o[len + 1] = (uint8_t)(olen / 8);
		wr32(o + len + 4, ND_INFINITE);
		memcpy(o + len + 8, ndp.dnssl, ndp.dnssl_len);
		len += olen;
	}
	o[len] = ND_OPT_SLLA;
	o[len + 1] = 1;
	memcpy(o + len + 2, egress_our_mac(lp), 6);
	return len + 8;
}

static const struct in6_addr all_nodes = {
	.s6_addr = { 0xff, 0x02, [15] = 0x01 } };

/* A Prefix Information option for @prefix/64 at @o; Return: its length */
static size_t ra_prefix(uint8_t *o, const struct in6_addr *prefix,
			uint32_t lifetime)
{
	o[0] = ND_OPT_PREFIX;
	o[1] = 4;
	o[2] = 64;
	o[3] = 0xc0;			/* on-link, autonomous */
	wr32(o + 4, lifetime);		/* valid */
	wr32(o + 8, lifetime);		/* preferred */
	memcpy(o + 16, prefix, 8);
	return 32;
}

/* 6.2.3: a Router Advertisement from @from to @dst, router lifetime
 * @life */
static void ndp_ra_send(struct loop *lp, const struct in6_addr *from,
			const union inany *dst, uint16_t life)
{
	uint8_t ra[RA_MAX] = { ND_RA, 0 };
	union inany src;
	size_t len = 16;

	ra[4] = RA_HOP_LIMIT;
	ra[5] = RA_FLAG_M;
	wr16(ra + 6, life);

	if (ndp.prefix_set && life)
		len += ra_prefix(ra + len, &ndp.prefix, ND_INFINITE);
	if (ndp.bye_left && ndp.bye_prefix_set)
		len += ra_prefix(ra + len, &ndp.bye_prefix, 0);
	len += ra_opts(lp, ra + len);

	inany_from_v6(&src, from);
	ndp_send(lp, &src, dst, ra, len);
	if (ndp.bye_left && !--ndp.bye_left)
		ndp.bye_prefix_set = false, ndp.bye_dns_n = 0;
}

static void ndp_ra(struct loop *lp, const union inany *dst)
{
	ndp_ra_send(lp, &ndp.our_ll, dst, RA_LIFETIME_S);
}

/* 6.2.6: answer a solicitation, to its source (all-nodes if unspecified) */
static void ndp_ra_solicited(struct loop *lp, const struct pkt *p)
{
	union inany dst;

	if (inany_is_unspec(&p->src))
		inany_from_v6(&dst, &all_nodes);
	else
		dst = p->src;
	ndp_ra(lp, &dst);
}

/**
 * ndp_refresh() - the configuration changed (following the host)
 * @lp:		the loop
 * @ip6:	@link, @ns, @svc: as for ndp_init(), refreshed
 *
 * A prefix or resolvers that went are announced with zero lifetimes (the
 * prefix is deprecated at once; RFC 4862 5.5.3 keeps its addresses valid
 * for up to two more hours, so existing connections may finish), a new
 * router address says goodbye from the old one (router lifetime 0), and
 * the new state goes out at once, then as the initial advertisements do.
 */
void ndp_refresh(struct loop *lp, const struct conf_ip6 *ip6,
		 const struct conf_link *link, const struct conf_ns *ns,
		 const struct conf_svc *svc)
{
	struct in6_addr old_prefix = ndp.prefix, old_ll = ndp.our_ll;
	struct in6_addr old_dns[CONF_MAXNS];
	bool old_set = ndp.prefix_set, old_ra = ndp.ra;
	int old_dns_n = ndp.dns_n, i, j;
	union inany dst;

	memcpy(old_dns, ndp.dns, sizeof(old_dns));
	ndp_conf(ip6, link, ns, svc);
	if (old_set && (!ndp.prefix_set || memcmp(&old_prefix, &ndp.prefix, 8))) {
		ndp.bye_prefix = old_prefix;
		ndp.bye_prefix_set = true;
	}
	ndp.bye_dns_n = 0;
	for (i = 0; i < old_dns_n; i++) {
		for (j = 0; j < ndp.dns_n; j++)
			if (!memcmp(&old_dns[i], &ndp.dns[j], 16))
				break;
		if (j == ndp.dns_n)
			ndp.bye_dns[ndp.bye_dns_n++] = old_dns[i];
	}
	ndp.bye_left = RA_BYE;

	inany_from_v6(&dst, &all_nodes);
	if (old_ra && (!ndp.ra || memcmp(&old_ll, &ndp.our_ll, 16)))
		ndp_ra_send(lp, &old_ll, &dst, 0);	/* the old router leaves */
	if (!ndp.ra)
		return;
	if (!ndp.timer_on) {
		loop_timer_add(lp, ndp_timer, 1000);
		ndp.timer_on = true;
	}
	ndp_ra(lp, &dst);
	ndp.ra_initial = 1;
	ndp.ra_next = lp->now.tv_sec + RA_INITIAL_INTERVAL_S;
}

/**
 * ndp_timer() - unsolicited Router Advertisements to all nodes
 * @lp:		the loop
 *
 * RFC 4861 6.2.4: the first MAX_INITIAL_RTR_ADVERTISEMENTS (3) at most
 * MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) apart, then every
 * MinRtrAdvInterval..MaxRtrAdvInterval (200..600 s by default, 6.2.1),
 * chosen at random so that advertisements don't synchronise.
 */
void ndp_timer(struct loop *lp)
{
	unsigned span = RA_INTERVAL_MAX_S - RA_INTERVAL_MIN_S + 1;
	union inany dst;

	if (!ndp.ra || lp->now.tv_sec < ndp.ra_next)
		return;
	inany_from_v6(&dst, &all_nodes);
	ndp_ra(lp, &dst);
	if (ndp.ra_initial < RA_INITIAL) {
		ndp.ra_initial++;
		ndp.ra_next = lp->now.tv_sec + RA_INITIAL_INTERVAL_S;
	} else {
		ndp.ra_next = lp->now.tv_sec + RA_INTERVAL_MIN_S +
			      (time_t)((unsigned long)lp->now.tv_nsec % span);
	}
}

_Static_assert(16 + 32 + 32 + 8 + 2 * (8 + 16 * CONF_MAXNS) + 8 +
	       DNSSL_MAX + 8 <= RA_MAX, "RA buffer");
_Static_assert(EGRESS_HDR_MAX + RA_MAX <= EGRESS_COPY_MAX, "RA frame");

bool ndp_from_tap(struct loop *lp, const struct pkt *p)
{
	if (!ndp.ndp)
		return false;
	if (p->ttl != 255 || p->l4[1] != 0) {
		debug_rl("ndp: type %u with hop limit %u, code %u: dropped",
			 p->l4[0], p->ttl, p->l4[1]);
		return false;
	}

	switch (p->l4[0]) {
	case ND_NS:
		return ndp_ns(lp, p);
	case ND_RS:
		if (!ndp_opts_ok(p, 8))
			return false;
		if (ndp.ra)
			ndp_ra_solicited(lp, p);
		return true;
	case ND_NA:
		return p->l4_len >= 24 && ndp_opts_ok(p, 24);
	case ND_RA:
		return p->l4_len >= 16 && ndp_opts_ok(p, 16);
	case ND_REDIRECT:
		return p->l4_len >= 40 && ndp_opts_ok(p, 40);
	}
	return false;
}
