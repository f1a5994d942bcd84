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

static const char *af_name(int af)
{
	return af == AF_INET ? "IPv4" : "IPv6";
}

/* "ADDR/PLEN via GW on IF" (or "none") for a log line */
static void fam_str(int af, bool on, const void *addr, int plen,
		    const void *gw, const char *ifname, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (!on) {
		snprintf(out, size, "none");
		return;
	}
	inet_ntop(af, addr, a, sizeof(a));
	inet_ntop(af, gw, g, sizeof(g));
	snprintf(out, size, "%s/%d via %s%s%s", a, plen, g,
		 ifname[0] ? " on " : "", ifname);
}

static void say_fam(int af, const char *was, const char *now)
{
	if (strcmp(was, now))
		debug("host changed: %s %s -> %s", af_name(af), was, now);
}

/* Resolvers of one family as a list, for a log line */
static void dns_str(int af, const void *dns, size_t alen, int n, char *out,
		    size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && used < size; i++) {
		inet_ntop(af, (const uint8_t *)dns + alen * (size_t)i, a,
			  sizeof(a));
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i ? " " : "", a);
	}
	if (!n)
		snprintf(out, size, "none");
}

/* What changed between @was and @c, logged; Return: CONF_CHG_* bits */
static unsigned diff(const struct conf *was, const struct conf *c)
{
	char x[256], y[256];
	unsigned chg = 0;

	if (memcmp(&was->ip4, &c->ip4, sizeof(c->ip4))) {
		fam_str(AF_INET, was->ip4.enabled, &was->ip4.addr,
			was->ip4.prefix_len, &was->ip4.gw, was->ip4.ifname, x,
			sizeof(x));
		fam_str(AF_INET, c->ip4.enabled, &c->ip4.addr,
			c->ip4.prefix_len, &c->ip4.gw, c->ip4.ifname, y,
			sizeof(y));
		say_fam(AF_INET, x, y);
		if (strcmp(x, y) || was->ip4.our_addr.s_addr !=
		    c->ip4.our_addr.s_addr || was->ip4.map_host_lo.s_addr !=
		    c->ip4.map_host_lo.s_addr)
			chg |= CONF_CHG_IP4;
		if (strcmp(was->ip4.ifname, c->ip4.ifname))
			chg |= CONF_CHG_IF;
		dns_str(AF_INET, was->ip4.dns, 4, was->ip4.dns_n, x, sizeof(x));
		dns_str(AF_INET, c->ip4.dns, 4, c->ip4.dns_n, y, sizeof(y));
		if (strcmp(x, y) || was->ip4.dns_host.s_addr !=
		    c->ip4.dns_host.s_addr || was->ip4.dns_match.s_addr !=
		    c->ip4.dns_match.s_addr) {
			debug("host changed: IPv4 resolvers %s -> %s", x, y);
			chg |= CONF_CHG_DNS;
		}
	}
	if (memcmp(&was->ip6, &c->ip6, sizeof(c->ip6))) {
		fam_str(AF_INET6, was->ip6.enabled, &was->ip6.addr,
			was->ip6.prefix_len, &was->ip6.gw, was->ip6.ifname, x,
			sizeof(x));
		fam_str(AF_INET6, c->ip6.enabled, &c->ip6.addr,
			c->ip6.prefix_len, &c->ip6.gw, c->ip6.ifname, y,
			sizeof(y));
		say_fam(AF_INET6, x, y);
		if (strcmp(x, y) || memcmp(&was->ip6.our_ll, &c->ip6.our_ll,
					   16) ||
		    memcmp(&was->ip6.addr_ll, &c->ip6.addr_ll, 16) ||
		    memcmp(&was->ip6.map_host_lo, &c->ip6.map_host_lo, 16))
			chg |= CONF_CHG_IP6;
		if (strcmp(was->ip6.ifname, c->ip6.ifname))
			chg |= CONF_CHG_IF;
		dns_str(AF_INET6, was->ip6.dns, 16, was->ip6.dns_n, x,
			sizeof(x));
		dns_str(AF_INET6, c->ip6.dns, 16, c->ip6.dns_n, y, sizeof(y));
		if (strcmp(x, y) || memcmp(&was->ip6.dns_host, &c->ip6.dns_host,
					   16) ||
		    memcmp(&was->ip6.dns_match, &c->ip6.dns_match, 16)) {
			debug("host changed: IPv6 resolvers %s -> %s", x, y);
			chg |= CONF_CHG_DNS;
		}
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
