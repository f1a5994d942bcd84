// SPDX-License-Identifier: MIT
/* discover.c - template interfaces, addresses and gateways from the host */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "conf/conf_int.h"
#include "lib/log.h"
#include "nl/netlink.h"

/**
 * struct fam - one family's fields of struct conf_ip4 / conf_ip6, so that
 * discovery is written once
 * @af:		AF_INET or AF_INET6
 * @name:	"IPv4" or "IPv6"
 * @enabled:	family is served
 * @addr:	guest address (struct in_addr or in6_addr)
 * @prefix_len:	its prefix length
 * @gw:		gateway
 * @addr_ll:	IPv6 only: host's link-local (NULL for IPv4)
 * @ifname:	template interface
 * @outbound_if: --outbound-if4/6
 * @alen:	size of an address
 * @why:	why discovery disabled the family (NULL: it didn't)
 * @running:	conf_refresh(): a missing -i interface is not fatal, and
 *		what is said is said at debug level
 */
struct fam {
	int af;
	const char *name;
	bool *enabled;
	void *addr;
	int *prefix_len;
	void *gw;
	void *addr_ll;
	char *ifname;
	const char *outbound_if;
	size_t alen;
	const char *why;
	bool running;
};

static bool is_zero(const void *a, size_t len)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, len);
}

/* Prefix length for an IPv4 address given without one: its old class */
static int classful_prefix(const struct in_addr *a)
{
	uint32_t h = ntohl(a->s_addr);

	if (IN_CLASSA(h))
		return 8;
	if (IN_CLASSB(h))
		return 16;
	return 24;
}

/* Turn family @f off; conf_discover() says why, unless local mode does */
static bool disable(struct fam *f, const char *why)
{
	f->why = why;
	*f->enabled = false;
	return false;
}

/* The info line for a family disabled by discovery, at @lvl */
static void disabled_say(const struct fam *f, enum log_level lvl)
{
	if (f->why)
		log_msg(lvl, "%s: %s, disabling %s (use -i, or -a and -g, to "
			"choose)", f->name, f->why, f->name);
}

/**
 * template_if() - pick the template interface of one family
 * @nl:		netlink handle, host namespace
 * @f:		family
 * @ifindex:	result, 0 if there is none
 * @rt_if:	output interface of the first default route, 0 if none
 * @rt_gw:	its gateway (zero if none)
 */
static void template_if(struct nl_handle *nl, const struct fam *f,
			unsigned *ifindex, unsigned *rt_if, void *rt_gw)
{
	int rc;

	*ifindex = *rt_if = 0;
	if (nl_default_route(nl, f->af, rt_if, rt_gw))
		*rt_if = 0;

	if (!f->ifname[0] && f->outbound_if[0])
		strcpy(f->ifname, f->outbound_if);
	if (f->ifname[0]) {
		if ((rc = nl_ifindex(nl, f->ifname, ifindex)) && f->running)
			*ifindex = 0;	/* gone for now: nothing to copy */
		else if (rc)
			die("%s template interface '%s' not found (%s): check "
			    "-i / --outbound-if%c", f->name, f->ifname,
			    strerror(-rc), f->af == AF_INET ? '4' : '6');
		return;
	}
	if (*rt_if)
		*ifindex = *rt_if;
	else if (nl_any_route_if(nl, f->af, ifindex))
		*ifindex = 0;
	if (*ifindex && nl_link_get(nl, *ifindex, f->ifname, NULL, NULL))
		*ifindex = 0;
}

/**
 * discover() - template interface, address, prefix and gateway of a family
 * @nl:		netlink handle, host namespace
 * @f:		family; options already in its fields
 *
 * Return: true if the family stays enabled
 */
static bool discover(struct nl_handle *nl, struct fam *f)
{
	bool addr_given = !is_zero(f->addr, f->alen);
	uint8_t rt_gw[16] = { 0 }, a[16];
	unsigned ifindex, rt_if;
	int plen;

	template_if(nl, f, &ifindex, &rt_if, rt_gw);
	if (!ifindex && !addr_given)
		return disable(f, "no interface with a route");

	if (ifindex && !nl_addr_get(nl, f->af, ifindex, false, a, &plen)) {
		if (!addr_given)
			memcpy(f->addr, a, f->alen);
		if (!*f->prefix_len)
			*f->prefix_len = plen;
	} else if (!addr_given) {
		return disable(f, "template interface has no global address");
	}
	if (!*f->prefix_len)
		*f->prefix_len = f->af == AF_INET ?
				 classful_prefix(f->addr) : 64;

	if (f->addr_ll && ifindex &&
	    nl_addr_get(nl, f->af, ifindex, true, a, &plen) == 0)
		memcpy(f->addr_ll, a, f->alen);

	/* The default route's gateway, if it goes through the template */
	if (is_zero(f->gw, f->alen) && rt_if && rt_if == ifindex)
		memcpy(f->gw, rt_gw, f->alen);
	return true;
}

/*
 * Local mode: the host has no interface with a route (an offline machine,
 * a sandbox). The guest still gets IPv4 with link-local addresses (RFC
 * 3927), and reaches the host's loopback through the gateway address.
 */
static void local_mode(struct conf_ip4 *ip4, bool running)
{
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];

	ip4->enabled = true;
	if (!ip4->addr.s_addr)
		ip4->addr.s_addr = htonl(CONF_LOCAL_ADDR4);
	if (!ip4->prefix_len)
		ip4->prefix_len = 16;
	if (!ip4->gw.s_addr)
		ip4->gw.s_addr = htonl(CONF_LOCAL_GW4);
	ip4->ifname[0] = '\0';
	inet_ntop(AF_INET, &ip4->addr, a, sizeof(a));
	inet_ntop(AF_INET, &ip4->gw, g, sizeof(g));
	log_msg(running ? LOG_LVL_DEBUG : LOG_LVL_INFO, "no host interface "
		"with a route: local mode, guest %s/%d, gateway %s", a,
		ip4->prefix_len, g);
}

/**
 * conf_discover_nl() - fill what the options left open from the host's
 * interfaces, addresses and routes
 * @c:		configuration, options parsed (or, running, reset to them)
 * @nl:		netlink handle in the host's network namespace
 * @running:	following the host: nothing is fatal, lines go to debug
 *
 * A family without a usable interface (and no -a) is disabled with an
 * info line; if neither is left, IPv4 runs in local mode (at start-up,
 * dies if IPv4 was turned off with -6; running, the guest is left with
 * nothing).
 */
void conf_discover_nl(struct conf *c, struct nl_handle *nl, bool running)
{
	struct fam f4 = {
		AF_INET, "IPv4", &c->ip4.enabled, &c->ip4.addr,
		&c->ip4.prefix_len, &c->ip4.gw, NULL, c->ip4.ifname,
		c->ip4.outbound_if, sizeof(struct in_addr), NULL, running,
	};
	struct fam f6 = {
		AF_INET6, "IPv6", &c->ip6.enabled, &c->ip6.addr,
		&c->ip6.prefix_len, &c->ip6.gw, &c->ip6.addr_ll, c->ip6.ifname,
		c->ip6.outbound_if, sizeof(struct in6_addr), NULL, running,
	};
	enum log_level lvl = running ? LOG_LVL_DEBUG : LOG_LVL_INFO;
	bool want4 = c->ip4.enabled;

	if (c->ip4.enabled)
		discover(nl, &f4);
	if (c->ip6.enabled)
		discover(nl, &f6);

	if (!c->ip4.enabled && !c->ip6.enabled) {
		if (!want4 && running) {
			debug("no usable host interface for IPv6");
			return;
		}
		if (!want4)
			die("no usable host interface for IPv6: give one with "
			    "-i, or the guest's address and gateway with -a "
			    "and -g");
		disabled_say(&f4, LOG_LVL_DEBUG);	/* one line says it all */
		disabled_say(&f6, LOG_LVL_DEBUG);
		local_mode(&c->ip4, running);
		return;
	}
	disabled_say(&f4, lvl);
	disabled_say(&f6, lvl);
}

/**
 * conf_discover() - conf_discover_nl() at start-up, on a handle of its own
 * @c:		configuration, options parsed
 */
void conf_discover(struct conf *c)
{
	struct nl_handle nl;
	int rc;

	if ((rc = nl_open(&nl)))
		die("cannot open a netlink socket to read the host's "
		    "interfaces: %s", strerror(-rc));
	conf_discover_nl(c, &nl, false);
	nl_close(&nl);
}

/**
 * conf_derive() - addresses that follow from the discovered ones: our own
 * tap-side addresses, the host-loopback mapping, the namespace tap name
 * @c:		configuration, addresses and gateways known
 */
void conf_derive(struct conf *c)
{
	struct conf_ip4 *ip4 = &c->ip4;
	struct conf_ip6 *ip6 = &c->ip6;

	if (ip4->enabled) {
		ip4->our_addr = ip4->gw;
		if (!ip4->map_host_lo.s_addr && !c->opts.no_map_gw)
			ip4->map_host_lo = ip4->gw;
	}
	if (ip6->enabled) {
		if (IN6_IS_ADDR_LINKLOCAL(&ip6->gw))
			ip6->our_ll = ip6->gw;
		else if (!IN6_IS_ADDR_UNSPECIFIED(&ip6->addr_ll))
			ip6->our_ll = ip6->addr_ll;
		else
			inet_pton(AF_INET6, "fe80::1", &ip6->our_ll);
		if (IN6_IS_ADDR_UNSPECIFIED(&ip6->map_host_lo) &&
		    !c->opts.no_map_gw)
			ip6->map_host_lo = ip6->gw;
	}

	if (c->link.ns_ifname[0])
		return;
	if (ip4->enabled && ip4->ifname[0])
		strcpy(c->link.ns_ifname, ip4->ifname);
	else if (ip6->enabled && ip6->ifname[0])
		strcpy(c->link.ns_ifname, ip6->ifname);
	else
		strcpy(c->link.ns_ifname, "tap0");
}
