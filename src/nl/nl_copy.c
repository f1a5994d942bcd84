// SPDX-License-Identifier: MIT
/* nl_copy.c - copy addresses and routes of a host interface to the ns */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "lib/util.h"
#include "nl/netlink.h"
#include "nl/nl_int.h"

/*
 * DOC: copies are done in two steps: the source dump is turned into
 * ready-made requests in a bounded start-up buffer, then the requests are
 * sent to the destination. Routes that fail are retried while a pass
 * makes progress, so a route whose gateway needs another route goes in
 * once that one is there; a last pass relaxes what is left (on-link
 * gateways, no preferred source), which -a makes necessary.
 */

#define NL_COPY_BYTES	65536	/* requests staged by one copy */
#define NL_ROUTE_PASSES	8	/* retry rounds for dependent routes */

/**
 * struct nl_stage - requests built from a dump, to be sent later
 * @buf:	storage, NL_COPY_BYTES
 * @used:	bytes used
 * @n:		requests staged
 * @dropped:	requests that did not fit
 * @af:		family being copied
 * @src_if:	interface copied from
 * @dst_if:	interface copied to
 * @ours:	dumping what our own interface carries (nl_sync())
 */
struct nl_stage {
	uint8_t *buf;
	size_t used;
	unsigned n;
	unsigned dropped;
	int af;
	unsigned src_if;
	unsigned dst_if;
	bool ours;
};

static uint8_t nl_stage_buf[NL_COPY_BYTES] __attribute__((aligned(8)));
static uint8_t nl_cur_buf[NL_COPY_BYTES] __attribute__((aligned(8)));

/* Room for one more request of up to NL_REQ_BYTES, or NULL (counted) */
static struct nlmsghdr *stage_next(struct nl_stage *s)
{
	if (s->used + NL_REQ_BYTES > NL_COPY_BYTES) {
		s->dropped++;
		return NULL;
	}
	memset(s->buf + s->used, 0, NL_REQ_BYTES);
	return mnl_nlmsg_put_header(s->buf + s->used);
}

static void stage_commit(struct nl_stage *s, struct nlmsghdr *nlh)
{
	ASSERT(nlh->nlmsg_len <= NL_REQ_BYTES);
	s->used += NLMSG_ALIGN(nlh->nlmsg_len);
	s->n++;
}

/* Next staged request at offset *@off, which is moved past it; or NULL */
static struct nlmsghdr *stage_walk(struct nl_stage *s, size_t *off)
{
	struct nlmsghdr *nlh;

	if (*off >= s->used)
		return NULL;
	nlh = (struct nlmsghdr *)(s->buf + *off);
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

/* Put a copy of attribute @a if present, the payload bounded by NL_REQ */
static void attr_copy(struct nlmsghdr *nlh, const struct nlattr *a)
{
	if (a)
		mnl_attr_put_check(nlh, NL_REQ_BYTES, mnl_attr_get_type(a),
				   mnl_attr_get_payload_len(a),
				   mnl_attr_get_payload(a));
}

static int addr_stage_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_stage *s = data;
	struct nl_addr_parsed a;
	struct ifaddrmsg *ifa;
	struct nlmsghdr *req;
	uint32_t flags;

	if (nl_addr_parse(nlh, s->af, &a) || a.ifa->ifa_index != s->src_if ||
	    (a.flags & IFA_F_DADFAILED))
		return MNL_CB_OK;
	/* Link-local ones are never copied; but what we set ourselves (local
	 * mode's 169.254.2.1, global in scope) counts in what an interface
	 * of ours carries */
	if (s->ours ? a.ifa->ifa_scope == RT_SCOPE_LINK ||
		      a.ifa->ifa_scope == RT_SCOPE_HOST ||
		      (s->af == AF_INET6 && nl_addr_is_linklocal(s->af, &a)) :
		      nl_addr_is_linklocal(s->af, &a))
		return MNL_CB_OK;
	req = stage_next(s);
	if (!req)
		return MNL_CB_OK;
	req->nlmsg_type = RTM_NEWADDR;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(req, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)s->af;
	ifa->ifa_prefixlen = a.ifa->ifa_prefixlen;
	ifa->ifa_scope = a.ifa->ifa_scope;
	ifa->ifa_index = s->dst_if;
	/* Permanent here (no lifetimes), no DAD: the address is the host's */
	flags = a.flags & IFA_F_NOPREFIXROUTE;
	if (s->af == AF_INET6)
		flags |= IFA_F_NODAD;
	ifa->ifa_flags = (uint8_t)flags;
	mnl_attr_put_u32(req, IFA_FLAGS, flags);
	attr_copy(req, a.tb[IFA_LOCAL]);
	attr_copy(req, a.tb[IFA_ADDRESS]);
	attr_copy(req, a.tb[IFA_BROADCAST]);
	stage_commit(s, req);
	return MNL_CB_OK;
}

/* Dump @af objects of @type from @h into @s through @cb */
static int stage_dump(struct nl_handle *h, struct nl_stage *s, uint16_t type,
		      mnl_cb_t cb)
{
	uint8_t buf[NL_REQ_BYTES];
	struct nlmsghdr *nlh;
	void *hdr;

	if (!s->buf)
		s->buf = nl_stage_buf;
	if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa;

		nlh = nl_req(buf, type, NLM_F_DUMP, sizeof(*ifa), &hdr);
		ifa = hdr;
		ifa->ifa_family = (uint8_t)s->af;
		ifa->ifa_index = s->src_if;
	} else {
		struct rtmsg *rtm;

		nlh = nl_req(buf, type, NLM_F_DUMP, sizeof(*rtm), &hdr);
		rtm = hdr;
		rtm->rtm_family = (uint8_t)s->af;
		rtm->rtm_table = RT_TABLE_MAIN;
	}
	return nl_talk(h, nlh, cb, s);
}

/**
 * nl_addr_copy() - copy the addresses of an interface to another one
 * @src:	handle where @src_if is
 * @src_if:	interface copied from (link-local addresses skipped)
 * @dst:	handle where @dst_if is
 * @dst_if:	interface copied to (permanent, IPv6 without DAD)
 * @af:		AF_INET or AF_INET6
 *
 * Return: 0 (addresses already there count as copied) or -errno
 */
int nl_addr_copy(struct nl_handle *src, unsigned src_if,
		 struct nl_handle *dst, unsigned dst_if, int af)
{
	struct nl_stage s = { .af = af, .src_if = src_if, .dst_if = dst_if };
	struct nlmsghdr *nlh;
	size_t off = 0;
	int rc;

	rc = stage_dump(src, &s, RTM_GETADDR, addr_stage_cb);
	if (rc)
		return rc;
	if (s.dropped)
		warn("netlink: %u addresses not copied (too many)", s.dropped);
	while ((nlh = stage_walk(&s, &off))) {
		rc = nl_talk(dst, nlh, NULL, NULL);
		if (rc && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/* Copy RTA_MULTIPATH, every nexthop moved to @dst_if */
static void multipath_copy(struct nlmsghdr *req, const struct nlattr *mp,
			   unsigned dst_if)
{
	const struct rtnexthop *nh = NULL;
	struct rtnexthop *out;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(req, NL_REQ_BYTES, RTA_MULTIPATH);
	if (!nest)
		return;
	while ((nh = nl_nh_next(mp, nh))) {
		if (req->nlmsg_len + RTNH_ALIGN(nh->rtnh_len) > NL_REQ_BYTES)
			break;
		out = mnl_nlmsg_get_payload_tail(req);
		memcpy(out, nh, nh->rtnh_len);
		out->rtnh_ifindex = (int)dst_if;
		out->rtnh_flags &= RTNH_F_ONLINK;
		req->nlmsg_len += RTNH_ALIGN(nh->rtnh_len);
	}
	mnl_attr_nest_end(req, nest);
}

/* Does the route (any of its nexthops) go out of @ifindex? */
static bool route_uses_if(const struct nl_route *r, unsigned ifindex)
{
	const struct rtnexthop *nh = NULL;

	if (r->tb[RTA_OIF])
		return mnl_attr_get_u32(r->tb[RTA_OIF]) == ifindex;
	if (!r->tb[RTA_MULTIPATH])
		return false;
	while ((nh = nl_nh_next(r->tb[RTA_MULTIPATH], nh)))
		if ((unsigned)nh->rtnh_ifindex == ifindex)
			return true;
	return false;
}

/*
 * Stage a copy of a route through s->src_if, unless the kernel adds it
 * itself (for addresses), it is link-local or multicast, or it needs what
 * we don't copy (nexthop objects, encapsulation, IPv6 via for IPv4).
 * Lifetimes and cache data are left out: copies are permanent.
 */
static int route_stage_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_stage *s = data;
	struct nlmsghdr *req;
	struct nl_route r;
	struct rtmsg *rtm;

	if (nl_route_parse(nlh, s->af, &r) || !route_uses_if(&r, s->src_if) ||
	    r.rtm->rtm_protocol == RTPROT_KERNEL || r.tb[RTA_ENCAP] ||
	    r.tb[RTA_VIA] ||
	    nl_dst_is_local(s->af, nl_route_dst(&r), r.rtm->rtm_dst_len))
		return MNL_CB_OK;
	req = stage_next(s);
	if (!req)
		return MNL_CB_OK;
	req->nlmsg_type = RTM_NEWROUTE;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(req, sizeof(*rtm));
	*rtm = *r.rtm;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_flags &= RTNH_F_ONLINK;
	attr_copy(req, r.tb[RTA_DST]);
	attr_copy(req, r.tb[RTA_SRC]);
	attr_copy(req, r.tb[RTA_PRIORITY]);
	attr_copy(req, r.tb[RTA_PREFSRC]);
	attr_copy(req, r.tb[RTA_METRICS]);
	attr_copy(req, r.tb[RTA_PREF]);
	if (r.tb[RTA_MULTIPATH]) {
		multipath_copy(req, r.tb[RTA_MULTIPATH], s->dst_if);
	} else {
		attr_copy(req, r.tb[RTA_GATEWAY]);
		mnl_attr_put_u32(req, RTA_OIF, s->dst_if);
	}
	stage_commit(s, req);
	return MNL_CB_OK;
}

/* Remove every attribute of @type from request @nlh (family header @hdrlen) */
static void req_attr_drop(struct nlmsghdr *nlh, size_t hdrlen, uint16_t type)
{
	uint8_t *p = (uint8_t *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(hdrlen);
	uint8_t *end = (uint8_t *)nlh + nlh->nlmsg_len;

	while (p + sizeof(struct nlattr) <= end) {
		struct nlattr *a = (struct nlattr *)p;
		size_t len = MNL_ALIGN(a->nla_len);

		if (a->nla_len < sizeof(*a) || p + len > end)
			return;
		if (mnl_attr_get_type(a) != type) {
			p += len;
			continue;
		}
		memmove(p, p + len, (size_t)(end - p) - len);
		nlh->nlmsg_len -= (uint32_t)len;
		end -= len;
	}
}

/*
 * route_relax() - last resort for a route the copy could not add: with
 * -a, its gateway may be outside every prefix we have, and its preferred
 * source may be an address we don't: take gateways as on-link, drop the
 * source. Return: the result of adding it that way
 */
static int route_relax(struct nl_handle *dst, struct nlmsghdr *nlh, int af)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	req_attr_drop(nlh, sizeof(*rtm), RTA_PREFSRC);
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		const struct rtnexthop *nh = NULL;

		/* On-link is only valid with a gateway */
		if (mnl_attr_get_type(a) == RTA_GATEWAY)
			rtm->rtm_flags |= RTNH_F_ONLINK;
		if (mnl_attr_get_type(a) != RTA_MULTIPATH)
			continue;
		while ((nh = nl_nh_next(a, nh)))
			if (nl_nh_gw(nh, nl_af_len(af)))
				((struct rtnexthop *)nh)->rtnh_flags |=
					RTNH_F_ONLINK;
	}
	return nl_talk(dst, nlh, NULL, NULL);
}

/**
 * stage_send() - send the requests of @s that @done doesn't mark: routes
 * in passes while a pass makes progress (a route whose gateway needs
 * another goes in once that one is), the last pass relaxed (see
 * route_relax()); addresses in one pass
 * @dst:	handle to send them on
 * @s:		staged requests
 * @done:	one flag per request, set as each goes in (or exists)
 * @left:	requests not done; updated
 * @routes:	the requests are routes
 *
 * Return: 0 if none is left, else the last error
 */
static int stage_send(struct nl_handle *dst, struct nl_stage *s, bool *done,
		      unsigned *left, bool routes)
{
	unsigned pass;
	int rc, last = 0;

	for (pass = 0; pass <= NL_ROUTE_PASSES && *left; pass++) {
		unsigned i = 0, before = *left;
		struct nlmsghdr *nlh;
		size_t off = 0;

		for (; (nlh = stage_walk(s, &off)); i++) {
			if (done[i])
				continue;
			rc = nl_talk(dst, nlh, NULL, NULL);
			if (routes && rc && rc != -EEXIST &&
			    pass == NL_ROUTE_PASSES)
				rc = route_relax(dst, nlh, s->af);
			if (!rc || rc == -EEXIST) {
				done[i] = true;
				(*left)--;
			} else {
				last = rc;
			}
		}
		/* No progress: one final pass, relaxed; addresses: done */
		if (*left == before && pass < NL_ROUTE_PASSES)
			pass = routes ? NL_ROUTE_PASSES - 1 : NL_ROUTE_PASSES;
	}
	return *left ? last : 0;
}

/**
 * nl_route_copy() - copy the main-table routes through an interface
 * @src:	handle where @src_if is
 * @src_if:	interface whose routes are copied (see route_stage_cb())
 * @dst:	handle where @dst_if is
 * @dst_if:	interface the copies go through
 * @af:		AF_INET or AF_INET6
 *
 * Return: 0 (routes already there count as copied), or the last error of
 * a route that could not be added even relaxed
 */
int nl_route_copy(struct nl_handle *src, unsigned src_if,
		  struct nl_handle *dst, unsigned dst_if, int af)
{
	struct nl_stage s = { .af = af, .src_if = src_if, .dst_if = dst_if };
	bool done[NL_COPY_BYTES / sizeof(struct nlmsghdr)] = { false };
	unsigned left;
	int rc, last;

	rc = stage_dump(src, &s, RTM_GETROUTE, route_stage_cb);
	if (rc)
		return rc;
	if (s.dropped)
		warn("netlink: %u routes not copied (too many)", s.dropped);
	ASSERT(s.n <= ARRAY_SIZE(done));

	left = s.n;
	last = stage_send(dst, &s, done, &left, true);
	if (left)
		debug("netlink: %u of %u routes could not be copied: %s", left,
		      s.n, strerror(-last));
	return last;
}

/* ---- Keeping a copy in sync ------------------------------------------ */

/*
 * DOC: nl_sync() stages what the interface should carry (the same
 * requests a copy would send, or the fixed address and default route) and
 * what it carries (its own dump, through the same filters, so both sides
 * look alike), and compares them by identity: an address by family,
 * prefix length and address, a route by its destination, source, TOS,
 * type, metric and nexthops. Stale objects go first (an IPv4 route must
 * go before its replacement can be added; removing an address takes the
 * kernel's routes through it along), then what is missing is added, from
 * a fresh dump of what is left.
 */

/* Attribute @type of a staged request (family header @hdrlen), or NULL */
static const struct nlattr *req_attr(const struct nlmsghdr *nlh,
				     size_t hdrlen, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, hdrlen) {
		if (mnl_attr_get_type(a) == type)
			return a;
	}
	return NULL;
}

static bool attr_same(const struct nlattr *a, const struct nlattr *b)
{
	if (!a || !b)
		return a == b;
	return a->nla_len == b->nla_len &&
	       !memcmp(mnl_attr_get_payload(a), mnl_attr_get_payload(b),
		       mnl_attr_get_payload_len(a));
}

static const struct nlattr *addr_local(const struct nlmsghdr *nlh)
{
	const struct nlattr *a = req_attr(nlh, sizeof(struct ifaddrmsg),
					  IFA_LOCAL);

	return a ? a : req_attr(nlh, sizeof(struct ifaddrmsg), IFA_ADDRESS);
}

static bool addr_same(const struct nlmsghdr *x, const struct nlmsghdr *y)
{
	const struct ifaddrmsg *a = mnl_nlmsg_get_payload(x);
	const struct ifaddrmsg *b = mnl_nlmsg_get_payload(y);

	return a->ifa_family == b->ifa_family &&
	       a->ifa_prefixlen == b->ifa_prefixlen &&
	       attr_same(addr_local(x), addr_local(y));
}

/* A route's metric as the kernel keeps it: IPv6 routes get 1024 */
static uint32_t route_prio(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a = req_attr(nlh, sizeof(*rtm), RTA_PRIORITY);

	if (a && mnl_attr_get_payload_len(a) == 4)
		return mnl_attr_get_u32(a);
	return rtm->rtm_family == AF_INET6 ? 1024 : 0;
}

static bool route_same(const struct nlmsghdr *x, const struct nlmsghdr *y)
{
	const struct rtmsg *a = mnl_nlmsg_get_payload(x);
	const struct rtmsg *b = mnl_nlmsg_get_payload(y);
	static const uint16_t key[] = {
		RTA_DST, RTA_SRC, RTA_GATEWAY, RTA_MULTIPATH,
	};
	size_t i;

	if (a->rtm_family != b->rtm_family ||
	    a->rtm_dst_len != b->rtm_dst_len ||
	    a->rtm_src_len != b->rtm_src_len || a->rtm_tos != b->rtm_tos ||
	    a->rtm_type != b->rtm_type || route_prio(x) != route_prio(y))
		return false;
	for (i = 0; i < ARRAY_SIZE(key); i++) {
		if (!attr_same(req_attr(x, sizeof(*a), key[i]),
			       req_attr(y, sizeof(*b), key[i])))
			return false;
	}
	return true;
}

/* Is an object like @nlh staged in @s? */
static bool stage_has(struct nl_stage *s, const struct nlmsghdr *nlh,
		      bool routes)
{
	const struct nlmsghdr *o;
	size_t off = 0;

	while ((o = stage_walk(s, &off))) {
		if (routes ? route_same(o, nlh) : addr_same(o, nlh))
			return true;
	}
	return false;
}

/* Stage the fixed address, or the default route, of @w */
static void stage_want(struct nl_stage *s, const struct nl_want *w,
		       bool routes)
{
	size_t alen = nl_af_len(s->af);
	static const uint8_t zero[16];
	struct nlmsghdr *req;

	if (!memcmp(routes ? w->gw : w->addr, zero, alen) ||
	    !(req = stage_next(s)))
		return;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	if (routes) {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(req,
							       sizeof(*rtm));

		req->nlmsg_type = RTM_NEWROUTE;
		rtm->rtm_family = (uint8_t)s->af;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		mnl_attr_put(req, RTA_GATEWAY, alen, w->gw);
		mnl_attr_put_u32(req, RTA_OIF, s->dst_if);
	} else {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(req,
								   sizeof(*ifa));

		if (w->prefix_len < 0 || (size_t)w->prefix_len > alen * 8)
			return;
		req->nlmsg_type = RTM_NEWADDR;
		ifa->ifa_family = (uint8_t)s->af;
		ifa->ifa_prefixlen = (uint8_t)w->prefix_len;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = s->dst_if;
		if (s->af == AF_INET6) {
			ifa->ifa_flags = IFA_F_NODAD;
			mnl_attr_put_u32(req, IFA_FLAGS, IFA_F_NODAD);
		} else {
			mnl_attr_put(req, IFA_LOCAL, alen, w->addr);
		}
		mnl_attr_put(req, IFA_ADDRESS, alen, w->addr);
	}
	stage_commit(s, req);
}

/* What @dst_if should carry, into @want_s */
static int sync_wanted(struct nl_handle *src, struct nl_stage *want_s,
		       const struct nl_want *want, bool routes)
{
	if (want_s->src_if)
		return stage_dump(src, want_s, routes ? RTM_GETROUTE :
				  RTM_GETADDR, routes ? route_stage_cb :
				  addr_stage_cb);
	if (want)
		stage_want(want_s, want, routes);
	return 0;
}

/* What @dst_if carries now, into @cur (reset first) */
static int sync_current(struct nl_handle *dst, struct nl_stage *cur,
			bool routes)
{
	cur->used = 0;
	cur->n = 0;
	cur->dropped = 0;
	return stage_dump(dst, cur, routes ? RTM_GETROUTE : RTM_GETADDR,
			  routes ? route_stage_cb : addr_stage_cb);
}

/* Remove what @dst_if carries and @want_s doesn't; Return: last error */
static int sync_remove(struct nl_handle *dst, struct nl_stage *want_s,
		       struct nl_stage *cur, bool routes)
{
	struct nlmsghdr *nlh;
	size_t off = 0;
	int rc, last = 0;

	while ((nlh = stage_walk(cur, &off))) {
		if (stage_has(want_s, nlh, routes))
			continue;
		nlh->nlmsg_type = routes ? RTM_DELROUTE : RTM_DELADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		rc = nl_talk(dst, nlh, NULL, NULL);
		if (rc && rc != -ENOENT && rc != -ESRCH &&
		    rc != -EADDRNOTAVAIL)
			last = rc;
	}
	return last;
}

/* Add what @want_s has and @cur doesn't, retrying dependent routes and
 * relaxing the last ones as nl_route_copy() does; Return: last error */
static int sync_add(struct nl_handle *dst, struct nl_stage *want_s,
		    struct nl_stage *cur, bool routes)
{
	bool done[NL_COPY_BYTES / sizeof(struct nlmsghdr)] = { false };
	unsigned left = 0, i;
	struct nlmsghdr *nlh;
	size_t off = 0;

	ASSERT(want_s->n <= ARRAY_SIZE(done));
	for (i = 0; (nlh = stage_walk(want_s, &off)); i++) {
		if (stage_has(cur, nlh, routes))
			done[i] = true;
		else
			left++;
	}
	return stage_send(dst, want_s, done, &left, routes);
}

/**
 * nl_sync() - make an interface's copy of another's current (see
 * netlink.h)
 * @src:	handle where @addr_if and @route_if are
 * @addr_if:	interface whose addresses to copy, 0 to use @want's
 * @route_if:	interface whose routes to copy, 0 to use @want's
 * @dst:	handle where @dst_if is
 * @dst_if:	interface to change
 * @af:		AF_INET or AF_INET6
 * @want:	for a 0 interface: the address and default route, NULL for
 *		none
 *
 * Return: 0, or the last error met (what could be done is done)
 */
int nl_sync(struct nl_handle *src, unsigned addr_if, unsigned route_if,
	    struct nl_handle *dst, unsigned dst_if, int af,
	    const struct nl_want *want)
{
	struct nl_stage w = { .af = af, .dst_if = dst_if,
			      .buf = nl_stage_buf };
	struct nl_stage cur = { .af = af, .src_if = dst_if, .dst_if = dst_if,
				.buf = nl_cur_buf, .ours = true };
	int rc, last = 0, pass;

	for (pass = 0; pass < 2; pass++) {	/* addresses, then routes */
		bool routes = pass == 1;

		w.used = 0;
		w.n = 0;
		w.dropped = 0;
		w.src_if = routes ? route_if : addr_if;
		if ((rc = sync_wanted(src, &w, want, routes)))
			return rc;	/* nothing known: change nothing */
		if ((rc = sync_current(dst, &cur, routes)))
			return rc;
		if ((rc = sync_remove(dst, &w, &cur, routes)))
			last = rc;
		if ((rc = sync_current(dst, &cur, routes)))
			return rc;
		if ((rc = sync_add(dst, &w, &cur, routes)))
			last = rc;
	}
	return last;
}
