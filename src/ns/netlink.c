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
#include "lib/util.h"
#include "ns/netlink.h"

/*
 * DOC: every call is one request and its complete answer (a reply and an
 * ACK, or a dump up to NLMSG_DONE) on the caller's handle, so a handle
 * never holds stale messages. Callbacks never stop a dump early: they
 * record what they want and let the rest go by. Attributes are read only
 * through nl_parse(), which checks each one we use against a policy table
 * (exact length for integers and addresses, NUL termination for strings).
 *
 * Copies (addresses, routes) are done in two steps: the source dump is
 * turned into ready-made requests in a bounded start-up buffer, then the
 * requests are sent to the destination. Routes that fail are retried
 * while a pass makes progress, so a route whose gateway needs another
 * route goes in once that one is there.
 */

#define NL_RX_BYTES	32768	/* receive buffer: dumps come in chunks */
#define NL_REQ_BYTES	512	/* one request we build */
#define NL_COPY_BYTES	65536	/* requests staged by one copy */
#define NL_ROUTE_PASSES	8	/* retry rounds for dependent routes */
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

static size_t af_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

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

/*
 * nl_parse() - check the attributes after @hdrlen bytes of payload against
 * @policy and index them in @tb (max + 1 entries, zeroed here).
 * Return: 0, or -EINVAL if the message is short or an attribute is bad
 */
static int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
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

void nl_close(struct nl_handle *h)
{
	if (h->sock)
		mnl_socket_close(h->sock);
	h->sock = NULL;
}

/*
 * nl_talk() - send @nlh (flags: NLM_F_REQUEST added) and read the whole
 * answer, passing data messages to @cb (may be NULL).
 * Return: 0, or -errno (from the kernel's NLMSG_ERROR or from the socket)
 */
static int nl_talk(struct nl_handle *h, struct nlmsghdr *nlh, mnl_cb_t cb,
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
		errno = 0;
		rc = mnl_cb_run(nl_rx, (size_t)n, seq, h->portid, cb, data);
		if (rc == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

/* Start a request in @buf: header and a zeroed family header of @hdrlen */
static struct nlmsghdr *nl_req(void *buf, uint16_t type, uint16_t flags,
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

/* Link-local or multicast destination: never copied, never a template */
static bool dst_is_local_scope(int af, const void *dst, unsigned dst_len)
{
	const uint8_t *d = dst;

	if (!dst || !dst_len)
		return false;
	if (af == AF_INET)	/* 169.254.0.0/16, 224.0.0.0/4 */
		return (d[0] == 169 && d[1] == 254) || (d[0] & 0xf0) == 0xe0;
	return (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) || d[0] == 0xff;
}

/**
 * struct nl_route - a parsed main-table unicast route
 * @rtm:	its header
 * @tb:		its attributes
 * @oif:	output interface (first nexthop for multipath)
 * @gw:		gateway (first nexthop for multipath), NULL if none
 */
struct nl_route {
	const struct rtmsg *rtm;
	const struct nlattr *tb[RTA_MAX + 1];
	unsigned oif;
	const void *gw;
};

/* Walk multipath nexthops; Return: next one or NULL, checked for size */
static const struct rtnexthop *nh_next(const struct nlattr *mp,
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

/* Gateway attribute inside one nexthop, or NULL */
static const void *nh_gw(const struct rtnexthop *nh, size_t alen)
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

/*
 * route_parse() - fill @r from a RTM_NEWROUTE of family @af
 * Return: 0 for a usable main-table unicast route, -1 to skip it
 */
static int route_parse(const struct nlmsghdr *nlh, int af, struct nl_route *r)
{
	size_t alen = af_len(af);
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
	if (r->tb[RTA_MULTIPATH] && (nh = nh_next(r->tb[RTA_MULTIPATH], NULL))) {
		if (!r->oif)
			r->oif = (unsigned)nh->rtnh_ifindex;
		if (!r->gw)
			r->gw = nh_gw(nh, alen);
	}
	return 0;
}

static const void *route_dst(const struct nl_route *r)
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

	if (f->found || route_parse(nlh, f->af, &r) || !r.oif)
		return MNL_CB_OK;
	if (f->any) {
		if (dst_is_local_scope(f->af, route_dst(&r),
				       r.rtm->rtm_dst_len))
			return MNL_CB_OK;
	} else if (r.rtm->rtm_dst_len) {
		return MNL_CB_OK;
	}
	f->found = true;
	f->ifindex = r.oif;
	if (r.gw)
		memcpy(f->gw, r.gw, af_len(f->af));
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
		memcpy(gw, f.gw, af_len(af));
	return 0;
}

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
 * struct addr_parsed - a parsed RTM_NEWADDR
 * @ifa:	its header
 * @tb:		its attributes
 * @addr:	the interface's own address (IFA_LOCAL, else IFA_ADDRESS)
 * @flags:	IFA_FLAGS, else ifa_flags
 */
struct addr_parsed {
	const struct ifaddrmsg *ifa;
	const struct nlattr *tb[IFA_MAX + 1];
	const void *addr;
	uint32_t flags;
};

static int addr_parse(const struct nlmsghdr *nlh, int af,
		      struct addr_parsed *a)
{
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nl_parse(nlh, sizeof(*a->ifa), ifa_policy, IFA_MAX, af_len(af),
		     a->tb))
		return -1;
	a->ifa = mnl_nlmsg_get_payload(nlh);
	if (a->ifa->ifa_family != af || a->ifa->ifa_prefixlen > af_len(af) * 8)
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

static bool addr_is_linklocal(int af, const struct addr_parsed *a)
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
	struct addr_parsed a;
	int score = 3;

	if (addr_parse(nlh, f->af, &a) || a.ifa->ifa_index != f->ifindex ||
	    addr_is_linklocal(f->af, &a) != f->linklocal ||
	    (a.flags & IFA_F_DADFAILED))
		return MNL_CB_OK;
	/* Prefer stable addresses: not deprecated, not temporary */
	if (a.flags & (IFA_F_DEPRECATED | IFA_F_TENTATIVE))
		score -= 2;
	if (a.flags & IFA_F_TEMPORARY)
		score -= 1;
	if (score > f->score) {
		f->score = score;
		memcpy(f->addr, a.addr, af_len(f->af));
		f->prefix_len = a.ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

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
		memcpy(addr, f.addr, af_len(af));
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

int nl_link_set(struct nl_handle *h, unsigned ifindex, unsigned mtu,
		const uint8_t *mac, bool up)
{
	uint8_t buf[NL_REQ_BYTES];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = nl_req(buf, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi), (void **)&ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
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

int nl_addr_add(struct nl_handle *h, unsigned ifindex, int af,
		const void *addr, int prefix_len)
{
	size_t alen = af_len(af);
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
	size_t alen = af_len(af);
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

int nl_route_add_default(struct nl_handle *h, unsigned ifindex, int af,
			 const void *gw)
{
	int rc = route_default(h, ifindex, af, gw, false);

	/* A gateway outside every prefix we have: it is on the link anyway */
	if (rc == -ENETUNREACH && gw && !addr_is_zero(gw, af_len(af)))
		rc = route_default(h, ifindex, af, gw, true);
	return rc;
}

/**
 * struct nl_stage - requests built from a dump, to be sent later
 * @buf:	storage, NL_COPY_BYTES
 * @used:	bytes used
 * @n:		requests staged
 * @dropped:	requests that did not fit
 * @af:		family being copied
 * @src_if:	interface copied from
 * @dst_if:	interface copied to
 */
struct nl_stage {
	uint8_t *buf;
	size_t used;
	unsigned n;
	unsigned dropped;
	int af;
	unsigned src_if;
	unsigned dst_if;
};

static uint8_t nl_stage_buf[NL_COPY_BYTES] __attribute__((aligned(8)));

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

/* The @i-th staged request */
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
	struct addr_parsed a;
	struct ifaddrmsg *ifa;
	struct nlmsghdr *req;
	uint32_t flags;

	if (addr_parse(nlh, s->af, &a) || a.ifa->ifa_index != s->src_if ||
	    addr_is_linklocal(s->af, &a) || (a.flags & IFA_F_DADFAILED))
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
	while ((nh = nh_next(mp, nh))) {
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
	while ((nh = nh_next(r->tb[RTA_MULTIPATH], nh)))
		if ((unsigned)nh->rtnh_ifindex == ifindex)
			return true;
	return false;
}

static int route_stage_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_stage *s = data;
	struct nlmsghdr *req;
	struct nl_route r;
	struct rtmsg *rtm;

	if (route_parse(nlh, s->af, &r) || !route_uses_if(&r, s->src_if) ||
	    r.rtm->rtm_protocol == RTPROT_KERNEL || r.tb[RTA_ENCAP] ||
	    r.tb[RTA_VIA] ||
	    dst_is_local_scope(s->af, route_dst(&r), r.rtm->rtm_dst_len))
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

/* Last resort for a route whose gateway is outside every prefix we have */
static int route_onlink(struct nl_handle *dst, struct nlmsghdr *nlh, int rc)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (rc != -ENETUNREACH || (rtm->rtm_flags & RTNH_F_ONLINK))
		return rc;
	rtm->rtm_flags |= RTNH_F_ONLINK;
	return nl_talk(dst, nlh, NULL, NULL);
}

int nl_route_copy(struct nl_handle *src, unsigned src_if,
		  struct nl_handle *dst, unsigned dst_if, int af)
{
	struct nl_stage s = { .af = af, .src_if = src_if, .dst_if = dst_if };
	bool done[NL_COPY_BYTES / sizeof(struct nlmsghdr)] = { false };
	unsigned pass, left;
	int rc, last = 0;

	rc = stage_dump(src, &s, RTM_GETROUTE, route_stage_cb);
	if (rc)
		return rc;
	if (s.dropped)
		warn("netlink: %u routes not copied (too many)", s.dropped);
	ASSERT(s.n <= ARRAY_SIZE(done));

	left = s.n;
	for (pass = 0; pass <= NL_ROUTE_PASSES && left; pass++) {
		unsigned i = 0, before = left;
		struct nlmsghdr *nlh;
		size_t off = 0;

		for (; (nlh = stage_walk(&s, &off)); i++) {
			if (done[i])
				continue;
			rc = nl_talk(dst, nlh, NULL, NULL);
			if (pass == NL_ROUTE_PASSES)
				rc = route_onlink(dst, nlh, rc);
			if (!rc || rc == -EEXIST) {
				done[i] = true;
				left--;
			} else {
				last = rc;
			}
		}
		/* No progress: one final pass, gateways taken as on-link */
		if (left == before && pass < NL_ROUTE_PASSES)
			pass = NL_ROUTE_PASSES - 1;
	}
	if (left)
		debug("netlink: %u of %u routes could not be copied: %s", left,
		      s.n, strerror(-last));
	return left ? last : 0;
}
