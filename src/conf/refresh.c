// SPDX-License-Identifier: MIT
/* refresh.c - conf_refresh(): the host read again while running */
#include <arpa/inet.h>
#include <string.h>

#include "conf/conf_int.h"
#include "lib/log.h"

/*
 * DOC: following the host. The command line's own values were kept before
 * discovery (c->opts.ip4, ip6, svc); a refresh starts from them again and
 * runs the same stages as start-up, discovery through the caller's
 * handle, so what an option set (-a, -g, -n, -i, -D, -S, -4, -6, the
 * mappings) stays as it was, and only what came from the host follows
 * it. The guest-facing name of the link, the MTU and the MAC addresses
 * are never changed. Each change is logged at debug level.
 */

/**
 * struct fam_view - one family's fields of struct conf_ip4 / conf_ip6, so
 * that what changed is compared and said once for both
 * @af:		AF_INET or AF_INET6
 * @alen:	size of an address
 * @on:		the family is served
 * @addr:	the guest's address
 * @plen:	its prefix length
 * @gw:		the gateway
 * @ifname:	the template interface
 * @dns:	resolvers advertised, @dns_n of them
 * @dns_n:	how many
 * @dns_fwd:	the DNS forwarder: guest address, host resolver
 * @ours:	our own addresses on the link and the loopback mapping (NULL
 *		ends the list)
 */
struct fam_view {
	int af;
	size_t alen;
	bool on;
	const void *addr;
	int plen;
	const void *gw;
	const char *ifname;
	const void *dns;
	int dns_n;
	const void *dns_fwd[2];
	const void *ours[4];
};

static void view4(const struct conf_ip4 *ip, struct fam_view *v)
{
	*v = (struct fam_view){
		AF_INET, 4, ip->enabled, &ip->addr, ip->prefix_len, &ip->gw,
		ip->ifname, ip->dns, ip->dns_n, { &ip->dns_match, &ip->dns_host },
		{ &ip->our_addr, &ip->map_host_lo, NULL },
	};
}

static void view6(const struct conf_ip6 *ip, struct fam_view *v)
{
	*v = (struct fam_view){
		AF_INET6, 16, ip->enabled, &ip->addr, ip->prefix_len, &ip->gw,
		ip->ifname, ip->dns, ip->dns_n, { &ip->dns_match, &ip->dns_host },
		{ &ip->our_ll, &ip->addr_ll, &ip->map_host_lo, NULL },
	};
}

/* "ADDR/PLEN via GW on IF" (or "none") for a log line */
static void fam_str(const struct fam_view *v, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (!v->on) {
		snprintf(out, size, "none");
		return;
	}
	inet_ntop(v->af, v->addr, a, sizeof(a));
	inet_ntop(v->af, v->gw, g, sizeof(g));
	snprintf(out, size, "%s/%d via %s%s%s", a, v->plen, g,
		 v->ifname[0] ? " on " : "", v->ifname);
}

/* Resolvers of one family as a list, for a log line */
static void dns_str(const struct fam_view *v, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < v->dns_n && used < size; i++) {
		inet_ntop(v->af, (const uint8_t *)v->dns + v->alen * (size_t)i,
			  a, sizeof(a));
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i ? " " : "", a);
	}
	if (!v->dns_n)
		snprintf(out, size, "none");
}

/* Any of the NULL-ended address lists @x, @y differ? */
static bool addrs_differ(const void *const *x, const void *const *y,
			 size_t alen)
{
	for (; *x; x++, y++)
		if (memcmp(*x, *y, alen))
			return true;
	return false;
}

/* What changed in one family, logged; Return: @addr_bit, CONF_CHG_IF and
 * CONF_CHG_DNS as they apply */
static unsigned diff_fam(const struct fam_view *was, const struct fam_view *now,
			 unsigned addr_bit)
{
	const char *name = now->af == AF_INET ? "IPv4" : "IPv6";
	char x[256], y[256];
	unsigned chg = 0;

	fam_str(was, x, sizeof(x));
	fam_str(now, y, sizeof(y));
	if (strcmp(x, y)) {
		debug("host changed: %s %s -> %s", name, x, y);
		chg |= addr_bit;
	}
	if (addrs_differ(was->ours, now->ours, now->alen))
		chg |= addr_bit;
	if (strcmp(was->ifname, now->ifname))
		chg |= CONF_CHG_IF;
	dns_str(was, x, sizeof(x));
	dns_str(now, y, sizeof(y));
	if (strcmp(x, y) || addrs_differ(was->dns_fwd, now->dns_fwd,
					 now->alen)) {
		debug("host changed: %s resolvers %s -> %s", name, x, y);
		chg |= CONF_CHG_DNS;
	}
	return chg;
}

/* What changed between @was and @c, logged; Return: CONF_CHG_* bits */
static unsigned diff(const struct conf *was, const struct conf *c)
{
	struct fam_view w, n;
	unsigned chg = 0;

	if (memcmp(&was->ip4, &c->ip4, sizeof(c->ip4))) {
		view4(&was->ip4, &w);
		view4(&c->ip4, &n);
		chg |= diff_fam(&w, &n, CONF_CHG_IP4);
	}
	if (memcmp(&was->ip6, &c->ip6, sizeof(c->ip6))) {
		view6(&was->ip6, &w);
		view6(&c->ip6, &n);
		chg |= diff_fam(&w, &n, CONF_CHG_IP6);
	}
	if (memcmp(&was->svc, &c->svc, sizeof(c->svc))) {
		if (was->svc.search_n != c->svc.search_n ||
		    memcmp(was->svc.search, c->svc.search,
			   sizeof(c->svc.search))) {
			debug("host changed: search list (%d domains now)",
			      c->svc.search_n);
			chg |= CONF_CHG_DNS;
		}
		chg |= CONF_CHG_IP4 | CONF_CHG_IP6;	/* services on or off */
	}
	return chg;
}

/**
 * conf_refresh() - read the host again (see conf.h)
 * @c:		configuration, resolved at start-up
 * @nl:		netlink handle, host namespace
 * @resolv:	resolv.conf's contents now, NULL if it can't be read
 * @len:	their length
 *
 * Return: CONF_CHG_* bits
 */
unsigned conf_refresh(struct conf *c, struct nl_handle *nl,
		      const char *resolv, size_t len)
{
	static struct conf was;		/* big: not on the stack */

	was = *c;
	c->ip4 = c->opts.ip4;
	c->ip6 = c->opts.ip6;
	c->svc = c->opts.svc;
	conf_discover_nl(c, nl, true);
	conf_derive(c);
	conf_dns_buf(c, resolv, len);
	conf_services(c);
	return diff(&was, c);
}
