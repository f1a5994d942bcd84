// SPDX-License-Identifier: MIT
/* netlink.c - rtnetlink through libmnl: discover the host, configure the ns */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "lib/nlmsg.h"
#include "lib/util.h"
#include "nl/netlink.h"
#include "nl/nl_int.h"

/*
 * DOC: every call is one request and its complete answer (a reply and an
 * ACK, or a dump up to NLMSG_DONE) on the caller's handle, so a handle
 * never holds stale messages. Callbacks never stop a dump early: they
 * record what they want and let the rest go by. Attributes are read only
 * through nl_parse(), which checks each one we use against a policy table
 * (exact length for integers and addresses, NUL termination for strings).
 */

#define NL_RX_BYTES	32768	/* receive buffer: dumps come in chunks */
#define NL_TIMEOUT_S	5	/* a kernel answer never takes this long */

static uint8_t nl_rx[NL_RX_BYTES] __attribute__((aligned(8)));

/* Attribute rules: what nl_parse() accepts for each type we read */
enum nla_rule {
	NLA_IGN,	/* not used: skipped */
	NLA_U8,		/* one byte */
	NLA_U32,	/* four bytes */
	NLA_ADDR,	/* an address of the message's family */
	NLA_STR,	/* NUL-terminated string */
	NLA_ANY,	/* checked by the user (nested, MAC) */
};

static const uint8_t rta_policy[RTA_MAX + 1] = {
	[RTA_DST] = NLA_ADDR,		[RTA_SRC] = NLA_ADDR,
	[RTA_OIF] = NLA_U32,		[RTA_GATEWAY] = NLA_ADDR,
	[RTA_PRIORITY] = NLA_U32,	[RTA_PREFSRC] = NLA_ADDR,
	[RTA_METRICS] = NLA_ANY,	[RTA_MULTIPATH] = NLA_ANY,
	[RTA_TABLE] = NLA_U32,		[RTA_PREF] = NLA_U8,
	[RTA_NH_ID] = NLA_U32,		[RTA_ENCAP] = NLA_ANY,
	[RTA_VIA] = NLA_ANY,
};

static const uint8_t ifa_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = NLA_ADDR,	[IFA_LOCAL] = NLA_ADDR,
	[IFA_BROADCAST] = NLA_ADDR,	[IFA_FLAGS] = NLA_U32,
};

static const uint8_t ifla_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = NLA_STR,	[IFLA_MTU] = NLA_U32,
	[IFLA_ADDRESS] = NLA_ANY,
};

/**
 * struct nl_parse_ctx - state for one nl_parse() walk
 * @policy:	rule per attribute type
 * @max:	highest type in @policy
 * @alen:	address length for NLA_ADDR
 * @tb:		filled with the accepted attributes
 * @bad:	an attribute broke its rule
 */
struct nl_parse_ctx {
	const uint8_t *policy;
	unsigned max;
	size_t alen;
	const struct nlattr **tb;
	bool bad;
};

static int nl_parse_cb(const struct nlattr *attr, void *data)
{
	struct nl_parse_ctx *p = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);
	const char *s;
	bool ok;

	if (type > p->max)
		return MNL_CB_OK;
	switch (p->policy[type]) {
	case NLA_U8:
		ok = len == 1;
		break;
	case NLA_U32:
		ok = len == 4;
		break;
	case NLA_ADDR:
		ok = len == p->alen;
		break;
	case NLA_STR:
		s = mnl_attr_get_payload(attr);
		ok = len > 0 && s[len - 1] == '\0';
		break;
	case NLA_ANY:
		ok = true;
		break;
	default:
		return MNL_CB_OK;
	}
	if (!ok) {
		p->bad = true;
		return MNL_CB_OK;
	}
	p->tb[type] = attr;
	return MNL_CB_OK;
}

/**
 * nl_parse() - check attributes against a policy table and index them
 * @nlh:	message
 * @hdrlen:	size of the family header before the attributes
 * @policy:	enum nla_rule per attribute type
 * @max:	highest type in @policy
 * @alen:	address length for NLA_ADDR (4 or 16)
 * @tb:		@max + 1 entries, zeroed, then filled with accepted ones
 *
 * Return: 0, or -EINVAL if the message is short or an attribute is bad
 */
int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
	     const uint8_t *policy, unsigned max, size_t alen,
	     const struct nlattr **tb)
{
	struct nl_parse_ctx p = {
		.policy = policy, .max = max, .alen = alen, .tb = tb,
	};

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EINVAL;
	if (mnl_attr_parse(nlh, (unsigned)hdrlen, nl_parse_cb, &p) < 0 ||
	    p.bad) {
		debug("netlink: malformed message type %u dropped",
		      nlh->nlmsg_type);
		return -EINVAL;
	}
	return 0;
}

/**
 * nl_open() - open and bind a rtnetlink socket in the current netns
 * @h:		handle to fill
 *
 * Return: 0 or -errno
 */
int nl_open(struct nl_handle *h)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1, rc;

	h->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!h->sock)
		return -errno;
	if (mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		nl_close(h);
		return rc;
	}
	/* Best effort: a bounded wait, and kernel-side dump filtering */
	setsockopt(mnl_socket_get_fd(h->sock), SOL_SOCKET, SO_RCVTIMEO,
		   &tv, sizeof(tv));
	mnl_socket_setsockopt(h->sock, NETLINK_GET_STRICT_CHK, &one,
			      sizeof(one));
	h->portid = mnl_socket_get_portid(h->sock);
	h->seq = 0;
	return 0;
}

/**
 * nl_close() - close the handle's socket, if open
 * @h:		handle
 */
void nl_close(struct nl_handle *h)
{
	if (h->sock)
		mnl_socket_close(h->sock);
	h->sock = NULL;
}

/**
 * nl_talk() - send a request and read its whole answer
 * @h:		handle
 * @nlh:	request (sequence number set, NLM_F_REQUEST added here)
 * @cb:		called for each data message, may be NULL
 * @data:	for @cb
 *
 * Return: 0, or -errno (from the kernel's NLMSG_ERROR or from the socket)
 */
int nl_talk(struct nl_handle *h, struct nlmsghdr *nlh, mnl_cb_t cb,
	    void *data)
{
	unsigned seq = ++h->seq;
	ssize_t n;
	int rc;

	if (!h->sock)
		return -EBADF;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(h->sock, nl_rx, sizeof(nl_rx));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!nlmsg_chunk_ok(nl_rx, (size_t)n))
			return -EBADMSG;
		errno = 0;
		rc = mnl_cb_run(nl_rx, (size_t)n, seq, h->portid, cb, data);
		if (rc == MNL_CB_ERROR)	/* libmnl's errno: -error, any int */
			return errno > 0 && errno < 4096 ? -errno : -EPROTO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

/**
 * nl_req() - start a request
 * @buf:	NL_REQ_BYTES of storage, zeroed here
 * @type:	message type
 * @flags:	NLM_F_* flags (NLM_F_REQUEST is added when sent)
 * @hdrlen:	size of the family header
 * @hdr:	set to the (zeroed) family header
 *
 * Return: the message header, in @buf
 */
struct nlmsghdr *nl_req(void *buf, uint16_t type, uint16_t flags,
			size_t hdrlen, void **hdr)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_REQ_BYTES);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static bool addr_is_zero(const void *a, size_t len)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, len);
}

/**
 * nl_dst_is_local() - link-local or multicast destination: never copied,
 * never a template
 * @af:		family
 * @dst:	destination address, NULL for a default route
 * @dst_len:	its prefix length
 *
 * Return: true if the route is local in scope
 */
bool nl_dst_is_local(int af, const void *dst, unsigned dst_len)
{
	const uint8_t *d = dst;

	if (!dst || !dst_len)
		return false;
	if (af == AF_INET)	/* 169.254.0.0/16, 224.0.0.0/4 */
		return (d[0] == 169 && d[1] == 254) || (d[0] & 0xf0) == 0xe0;
	return (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) || d[0] == 0xff;
}

/**
 * nl_nh_next() - walk the nexthops of a RTA_MULTIPATH attribute
 * @mp:		the attribute
 * @nh:		current nexthop, NULL to start
 *
 * Return: the next nexthop, checked to fit in @mp, or NULL
 */
const struct rtnexthop *nl_nh_next(const struct nlattr *mp,
				   const struct rtnexthop *nh)
{
	const uint8_t *end = (const uint8_t *)mnl_attr_get_payload(mp) +
			     mnl_attr_get_payload_len(mp);
	const uint8_t *p;

	if (!nh)
		p = mnl_attr_get_payload(mp);
	else
		p = (const uint8_t *)nh + RTNH_ALIGN(nh->rtnh_len);
	if (p + sizeof(*nh) > end)
		return NULL;
	nh = (const struct rtnexthop *)p;
	if (nh->rtnh_len < sizeof(*nh) || p + nh->rtnh_len > end)
		return NULL;
	return nh;
}

/**
 * nl_nh_gw() - gateway of one multipath nexthop
 * @nh:		nexthop, checked by nl_nh_next()
 * @alen:	address length of the family
 *
 * Return: the gateway address, or NULL if it has none
 */
const void *nl_nh_gw(const struct rtnexthop *nh, size_t alen)
{
	const struct nlattr *a = (const struct nlattr *)RTNH_DATA(nh);
	int left = nh->rtnh_len - (int)RTNH_LENGTH(0);

	for (; mnl_attr_ok(a, left); left -= MNL_ALIGN(a->nla_len),
	     a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) == RTA_GATEWAY &&
		    mnl_attr_get_payload_len(a) == alen)
			return mnl_attr_get_payload(a);
	}
	return NULL;
}

/**
 * nl_route_parse() - parse a RTM_NEWROUTE
 * @nlh:	message
 * @af:		family expected
 * @r:		filled
 *
 * Return: 0 for a usable main-table unicast route, -1 to skip it
 */
int nl_route_parse(const struct nlmsghdr *nlh, int af, struct nl_route *r)
{
	size_t alen = nl_af_len(af);
	const struct rtnexthop *nh;
	unsigned table;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nl_parse(nlh, sizeof(*r->rtm), rta_policy, RTA_MAX, alen, r->tb))
		return -1;
	r->rtm = mnl_nlmsg_get_payload(nlh);
	table = r->tb[RTA_TABLE] ? mnl_attr_get_u32(r->tb[RTA_TABLE]) :
				   r->rtm->rtm_table;
	if (r->rtm->rtm_family != af || table != RT_TABLE_MAIN ||
	    r->rtm->rtm_type != RTN_UNICAST ||
	    (r->rtm->rtm_flags & RTM_F_CLONED) || r->tb[RTA_NH_ID])
		return -1;
	if (r->rtm->rtm_dst_len > alen * 8 || r->rtm->rtm_src_len > alen * 8)
		return -1;

	r->oif = r->tb[RTA_OIF] ? mnl_attr_get_u32(r->tb[RTA_OIF]) : 0;
	r->gw = r->tb[RTA_GATEWAY] ? mnl_attr_get_payload(r->tb[RTA_GATEWAY]) :
				     NULL;
	nh = r->tb[RTA_MULTIPATH] ? nl_nh_next(r->tb[RTA_MULTIPATH], NULL) :
				    NULL;
	if (nh) {
		if (!r->oif)
			r->oif = (unsigned)nh->rtnh_ifindex;
		if (!r->gw)
			r->gw = nl_nh_gw(nh, alen);
	}
	return 0;
}

/**
 * nl_route_dst() - destination of a parsed route
 * @r:		route
 *
 * Return: the address, or NULL for a default route
 */
const void *nl_route_dst(const struct nl_route *r)
{
	return r->tb[RTA_DST] ? mnl_attr_get_payload(r->tb[RTA_DST]) : NULL;
}

/**
 * struct route_find - what nl_default_route() and nl_any_route_if() look for
 * @af:		family
 * @any:	any non-link-local route (else: default routes only)
 * @found:	a route matched
 * @ifindex:	its interface
 * @gw:		its gateway (zero if none)
 */
struct route_find {
	int af;
	bool any;
	bool found;
	unsigned ifindex;
	uint8_t gw[16];
};

static int route_find_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_find *f = data;
	struct nl_route r;

	if (f->found || nl_route_parse(nlh, f->af, &r) || !r.oif)
		return MNL_CB_OK;
	if (f->any) {
		if (nl_dst_is_local(f->af, nl_route_dst(&r),
				       r.rtm->rtm_dst_len))
			return MNL_CB_OK;
	} else if (r.rtm->rtm_dst_len) {
		return MNL_CB_OK;
	}
	f->found = true;
	f->ifindex = r.oif;
	if (r.gw)
		memcpy(f->gw, r.gw, nl_af_len(f->af));
	return MNL_CB_OK;
}

static int route_find(struct nl_handle *h, struct route_find *f)
{
	uint8_t buf[NL_REQ_BYTES];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int rc;

	nlh = nl_req(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm),
		     (void **)&rtm);
	rtm->rtm_family = (uint8_t)f->af;
	rtm->rtm_table = RT_TABLE_MAIN;
	rc = nl_talk(h, nlh, route_find_cb, f);
	if (rc)
		return rc;
	return f->found ? 0 : -ENOENT;
}

/**
 * nl_default_route() - first default route of a family (main table)
 * @h:		handle, in the namespace to look at
 * @af:		AF_INET or AF_INET6
 * @ifindex:	its interface (first nexthop if multipath), may be NULL
 * @gw:		its gateway, zeroed if it has none, may be NULL
 *
 * Return: 0, -ENOENT if there is none, or -errno
 */
int nl_default_route(struct nl_handle *h, int af, unsigned *ifindex,
		     void *gw)
{
	struct route_find f = { .af = af };
	int rc;

	rc = route_find(h, &f);
	if (rc)
		return rc;
	if (ifindex)
		*ifindex = f.ifindex;
	if (gw)
		memcpy(gw, f.gw, nl_af_len(af));
	return 0;
}

/**
 * nl_any_route_if() - interface of the first route that isn't link-local
 * @h:		handle
 * @af:		AF_INET or AF_INET6
 * @ifindex:	set to the interface
 *
 * Return: 0, -ENOENT if there is none, or -errno
 */
int nl_any_route_if(struct nl_handle *h, int af, unsigned *ifindex)
{
	struct route_find f = { .af = af, .any = true };
	int rc;

	rc = route_find(h, &f);
	if (!rc && ifindex)
		*ifindex = f.ifindex;
	return rc;
}

/**
 * nl_addr_parse() - parse a RTM_NEWADDR
 * @nlh:	message
 * @af:		family expected
 * @a:		filled
 *
 * Return: 0 for an address of family @af, -1 to skip the message
 */
int nl_addr_parse(const struct nlmsghdr *nlh, int af,
		  struct nl_addr_parsed *a)
{
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nl_parse(nlh, sizeof(*a->ifa), ifa_policy, IFA_MAX, nl_af_len(af),
		     a->tb))
		return -1;
	a->ifa = mnl_nlmsg_get_payload(nlh);
	if (a->ifa->ifa_family != af || a->ifa->ifa_prefixlen > nl_af_len(af) * 8)
		return -1;
	if (a->tb[IFA_LOCAL])
		a->addr = mnl_attr_get_payload(a->tb[IFA_LOCAL]);
	else if (a->tb[IFA_ADDRESS])
		a->addr = mnl_attr_get_payload(a->tb[IFA_ADDRESS]);
	else
		return -1;
	a->flags = a->tb[IFA_FLAGS] ? mnl_attr_get_u32(a->tb[IFA_FLAGS]) :
				      a->ifa->ifa_flags;
	return 0;
}

/**
 * nl_addr_is_linklocal() - link or host scope, or a link-local address
 * @af:		family
 * @a:		parsed address
 *
 * Return: true if the address must not be copied or used as a template
 */
bool nl_addr_is_linklocal(int af, const struct nl_addr_parsed *a)
{
	const uint8_t *b = a->addr;

	if (a->ifa->ifa_scope == RT_SCOPE_LINK ||
	    a->ifa->ifa_scope == RT_SCOPE_HOST)
		return true;
	if (af == AF_INET)
		return b[0] == 169 && b[1] == 254;
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

/**
 * struct addr_find - state for nl_addr_get()
 * @af:		family
 * @ifindex:	interface
 * @linklocal:	look for the link-local address instead of a global one
 * @score:	best candidate so far (0: none)
 * @addr:	its address
 * @prefix_len:	its prefix length
 */
struct addr_find {
	int af;
	unsigned ifindex;
	bool linklocal;
	int score;
	uint8_t addr[16];
	int prefix_len;
};

static int addr_find_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_find *f = data;
	struct nl_addr_parsed a;
	int score = 3;

	if (nl_addr_parse(nlh, f->af, &a) || a.ifa->ifa_index != f->ifindex ||
	    nl_addr_is_linklocal(f->af, &a) != f->linklocal ||
	    (a.flags & IFA_F_DADFAILED))
		return MNL_CB_OK;
	/* Prefer stable addresses: not deprecated, not temporary */
	if (a.flags & (IFA_F_DEPRECATED | IFA_F_TENTATIVE))
		score -= 2;
	if (a.flags & IFA_F_TEMPORARY)
		score -= 1;
	if (score > f->score) {
		f->score = score;
		memcpy(f->addr, a.addr, nl_af_len(f->af));
		f->prefix_len = a.ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

/**
 * nl_addr_get() - an address of an interface, stable ones preferred
 * @h:		handle
 * @af:		AF_INET or AF_INET6
 * @ifindex:	interface
 * @linklocal:	the link-local address instead of a global one
 * @addr:	set to the address (4 or 16 bytes), may be NULL
 * @prefix_len:	set to its prefix length, may be NULL
 *
 * Return: 0, -ENOENT if there is none, or -errno
 */
int nl_addr_get(struct nl_handle *h, int af, unsigned ifindex, bool linklocal,
		void *addr, int *prefix_len)
{
	struct addr_find f = { .af = af, .ifindex = ifindex,
			       .linklocal = linklocal };
	uint8_t buf[NL_REQ_BYTES];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa), (void **)&ifa);
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_index = ifindex;
	rc = nl_talk(h, nlh, addr_find_cb, &f);
	if (rc)
		return rc;
	if (!f.score)
		return -ENOENT;
	if (addr)
		memcpy(addr, f.addr, nl_af_len(af));
	if (prefix_len)
		*prefix_len = f.prefix_len;
	return 0;
}

/**
 * struct link_info - state for nl_link_get() and nl_ifindex()
 * @ifindex:	interface index (found, for nl_ifindex())
 * @name:	name, or NULL
 * @mtu:	MTU, or NULL
 * @mac:	MAC address, or NULL (zeroed unless the link has 6 bytes)
 * @found:	the reply was seen
 */
struct link_info {
	unsigned ifindex;
	char *name;
	unsigned *mtu;
	uint8_t *mac;
	bool found;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct link_info *l = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || l->found ||
	    nl_parse(nlh, sizeof(*ifi), ifla_policy, IFLA_MAX, 0, tb))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	l->found = true;
	l->ifindex = (unsigned)ifi->ifi_index;
	if (l->name) {
		l->name[0] = '\0';
		if (tb[IFLA_IFNAME])
			snprintf(l->name, IFNAMSIZ, "%s",
				 mnl_attr_get_str(tb[IFLA_IFNAME]));
	}
	if (l->mtu)
		*l->mtu = tb[IFLA_MTU] ? mnl_attr_get_u32(tb[IFLA_MTU]) : 0;
	if (l->mac) {
		memset(l->mac, 0, 6);
		if (tb[IFLA_ADDRESS] &&
		    mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
			memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]),
			       6);
	}
	return MNL_CB_OK;
}

/**
 * nl_link_get() - name, MTU and MAC address of an interface
 * @h:		handle
 * @ifindex:	interface
 * @name:	set to its name, may be NULL
 * @mtu:	set to its MTU, may be NULL
 * @mac:	set to its MAC (zeroed unless it is Ethernet-like), may be NULL
 *
 * Return: 0, -ENODEV, or -errno
 */
int nl_link_get(struct nl_handle *h, unsigned ifindex, char name[IFNAMSIZ],
		unsigned *mtu, uint8_t mac[6])
{
	struct link_info l = { .name = name, .mtu = mtu, .mac = mac };
	uint8_t buf[NL_REQ_BYTES];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_req(buf, RTM_GETLINK, NLM_F_ACK, sizeof(*ifi), (void **)&ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	rc = nl_talk(h, nlh, link_cb, &l);
	if (rc)
		return rc;
	return l.found ? 0 : -ENODEV;
}

/**
 * nl_ifindex() - index of an interface by name, in the handle's netns
 * @h:		handle
 * @name:	interface name
 * @ifindex:	set to its index
 *
 * Return: 0, -ENODEV, or -errno
 */
int nl_ifindex(struct nl_handle *h, const char *name, unsigned *ifindex)
{
	struct link_info l = { 0 };
	uint8_t buf[NL_REQ_BYTES];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int rc;

	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh = nl_req(buf, RTM_GETLINK, NLM_F_ACK, sizeof(*ifi), (void **)&ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	rc = nl_talk(h, nlh, link_cb, &l);
	if (rc)
		return rc;
	if (!l.found)
		return -ENODEV;
	*ifindex = l.ifindex;
	return 0;
}

/* An RTM_NEWLINK request for link @ifindex in @buf; @ifi: its header */
static struct nlmsghdr *nl_link_req(uint8_t *buf, unsigned ifindex,
				    struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh;

	nlh = nl_req(buf, RTM_NEWLINK, NLM_F_ACK, sizeof(**ifi), (void **)ifi);
	(*ifi)->ifi_family = AF_UNSPEC;
	(*ifi)->ifi_index = (int)ifindex;
	return nlh;
}

/**
 * nl_link_set() - set MTU and MAC address, bring the link up
 * @h:		handle
 * @ifindex:	interface
 * @mtu:	MTU, 0 to leave it
 * @mac:	MAC address, NULL to leave it
 * @up:		bring it up (false: leave its state)
 *
 * Return: 0 or -errno
 */
int nl_link_set(struct nl_handle *h, unsigned ifindex, unsigned mtu,
		const uint8_t *mac, bool up)
{
	uint8_t buf[NL_REQ_BYTES];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_link_req(buf, ifindex, &ifi);

	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(h, nlh, NULL, NULL);
}

/* nl_link_txqlen() - set the transmit queue length of link @ifindex */
int nl_link_txqlen(struct nl_handle *h, unsigned ifindex, unsigned qlen)
{
	uint8_t buf[NL_REQ_BYTES];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_link_req(buf, ifindex, &ifi);

	mnl_attr_put_u32(nlh, IFLA_TXQLEN, qlen);
	return nl_talk(h, nlh, NULL, NULL);
}

/**
 * nl_addr_add() - add an address (IPv6: without duplicate detection)
 * @h:		handle
 * @ifindex:	interface
 * @af:		AF_INET or AF_INET6
 * @addr:	address, 4 or 16 bytes
 * @prefix_len:	prefix length
 *
 * Return: 0, -EEXIST, or -errno
 */
int nl_addr_add(struct nl_handle *h, unsigned ifindex, int af,
		const void *addr, int prefix_len)
{
	size_t alen = nl_af_len(af);
	uint8_t buf[NL_REQ_BYTES];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	if (prefix_len < 0 || (size_t)prefix_len > alen * 8)
		return -EINVAL;
	nlh = nl_req(buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		     sizeof(*ifa), (void **)&ifa);
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_prefixlen = (uint8_t)prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (af == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	} else {
		mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	}
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	return nl_talk(h, nlh, NULL, NULL);
}

/* Default route request, with @onlink for a gateway outside our prefixes */
static int route_default(struct nl_handle *h, unsigned ifindex, int af,
			 const void *gw, bool onlink)
{
	size_t alen = nl_af_len(af);
	uint8_t buf[NL_REQ_BYTES];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nl_req(buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		     sizeof(*rtm), (void **)&rtm);
	rtm->rtm_family = (uint8_t)af;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	if (onlink)
		rtm->rtm_flags = RTNH_F_ONLINK;
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (gw && !addr_is_zero(gw, alen))
		mnl_attr_put(nlh, RTA_GATEWAY, alen, gw);
	else if (af == AF_INET)
		rtm->rtm_scope = RT_SCOPE_LINK;
	return nl_talk(h, nlh, NULL, NULL);
}

/**
 * nl_route_add_default() - add a default route, on-link if it must be
 * @h:		handle
 * @ifindex:	interface
 * @af:		AF_INET or AF_INET6
 * @gw:		gateway, NULL or zero for a device route
 *
 * Return: 0, -EEXIST, or -errno
 */
int nl_route_add_default(struct nl_handle *h, unsigned ifindex, int af,
			 const void *gw)
{
	int rc = route_default(h, ifindex, af, gw, false);

	/* A gateway outside every prefix we have: it is on the link anyway */
	if (rc == -ENETUNREACH && gw && !addr_is_zero(gw, nl_af_len(af)))
		rc = route_default(h, ifindex, af, gw, true);
	return rc;
}

