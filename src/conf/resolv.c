// SPDX-License-Identifier: MIT
/* resolv.c - resolvers and search list: resolv.conf, -D/-S, DNS redirect */
#include <stdio.h>
#include <string.h>

#include "conf/conf_int.h"
#include "lib/log.h"

/*
 * DOC: the guest can't reach a resolver on the host's loopback (e.g.
 * systemd-resolved's 127.0.0.53), and a resolver at the map-host-loopback
 * address (typically the gateway, often also the resolver) would reach the
 * host's loopback instead. Such a resolver is advertised as the
 * map-host-loopback address, which becomes dns_match, and DNS sent there
 * goes to dns_host: the resolver as the host knows it. --dns-forward and
 * --dns-host set these explicitly; without a host-loopback mapping, a
 * loopback resolver is left out.
 */

#define RESOLV_LINE_MAX	1024
#define RESOLV_FILE_MAX	65536	/* what is read of resolv.conf */

/**
 * struct resolv - what resolv.conf says
 * @ns:		nameservers, per family (0: IPv4, 1: IPv6)
 * @n:		count per family
 * @search:	search list (last "search" or "domain" line)
 * @search_n:	count
 */
struct resolv {
	union inany ns[2][CONF_MAXNS];
	int n[2];
	char search[CONF_SEARCH_MAX][256];
	int search_n;
};

/* "nameserver ADDR[%SCOPE]": keep up to CONF_MAXNS per family */
static void resolv_nameserver(struct resolv *r, char *arg)
{
	union inany a;
	int fam;

	if (!arg)
		return;
	arg[strcspn(arg, "%")] = '\0';
	if (conf_parse_addr(arg, &a, NULL) || inany_is_unspec(&a))
		return;
	fam = inany_is_v4(&a) ? 0 : 1;
	if (r->n[fam] < CONF_MAXNS)
		r->ns[fam][r->n[fam]++] = a;
}

/* "search A B..." or "domain A": replaces any earlier list */
static void resolv_search(struct resolv *r, char **save)
{
	const char *tok;

	r->search_n = 0;
	while ((tok = strtok_r(NULL, " \t\r\n", save)) &&
	       r->search_n < CONF_SEARCH_MAX) {
		if (strlen(tok) < sizeof(r->search[0]))
			strcpy(r->search[r->search_n++], tok);
	}
}

/* One line of resolv.conf, NUL-terminated in @line (modified) */
static void resolv_line(struct resolv *r, char *line)
{
	char *kw, *save;

	kw = strtok_r(line, " \t\r\n", &save);
	if (!kw || *kw == '#' || *kw == ';')
		return;
	if (!strcmp(kw, "nameserver"))
		resolv_nameserver(r, strtok_r(NULL, " \t\r\n", &save));
	else if (!strcmp(kw, "search") || !strcmp(kw, "domain"))
		resolv_search(r, &save);
}

/**
 * resolv_parse() - nameservers and search list from resolv.conf contents
 * @buf:	contents (need not be NUL-terminated)
 * @len:	their length
 * @r:		result, zeroed first
 *
 * Lines of RESOLV_LINE_MAX - 1 bytes or more are skipped whole; a NUL
 * ends a line's text.
 */
static void resolv_parse(const char *buf, size_t len, struct resolv *r)
{
	char line[RESOLV_LINE_MAX];
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;

		if (l < RESOLV_LINE_MAX - 1) {
			memcpy(line, buf + off, l);
			line[l] = '\0';
			resolv_line(r, line);
		}
		off += l + 1;
	}
}

/**
 * resolv_read() - nameservers and search list from a resolv.conf file
 * @path:	file; missing or unreadable means no entries
 * @r:		result, zeroed first
 */
static void resolv_read(const char *path, struct resolv *r)
{
	static char buf[RESOLV_FILE_MAX];
	size_t n;
	FILE *f;

	memset(r, 0, sizeof(*r));
	if (!(f = fopen(path, "re"))) {
		debug("no resolvers from %s: can't open it", path);
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	resolv_parse(buf, n, r);
}

/* Append @a to @out unless already there; Return: new count */
static int add_unique(union inany *out, int n, const union inany *a)
{
	int i;

	for (i = 0; i < n; i++) {
		if (inany_equals(&out[i], a))
			return n;
	}
	out[n] = *a;
	return n + 1;
}

/**
 * dns_map() - resolvers the guest can reach, and the DNS redirect
 * @raw:	resolvers as the host knows them (-D or resolv.conf)
 * @n:		count
 * @resolv0:	first resolv.conf resolver of this family, or NULL
 * @map_lo:	map-host-loopback address (unspecified: none)
 * @match:	dns_match: in, --dns-forward (or unspecified); out, resolved
 * @host:	dns_host: in, --dns-host (or unspecified); out, resolved
 * @out:	resolvers to advertise, CONF_MAXNS entries
 *
 * Return: number of entries in @out
 */
static int dns_map(const union inany *raw, int n, const union inany *resolv0,
		   const union inany *map_lo, union inany *match,
		   union inany *host, union inany *out)
{
	char buf[INANY_STRLEN];
	int i, n_out = 0;

	for (i = 0; i < n; i++) {
		const union inany *r = &raw[i];

		if (!inany_is_loopback(r) && (inany_is_unspec(map_lo) ||
					      !inany_equals(r, map_lo))) {
			n_out = add_unique(out, n_out, r);
			continue;
		}
		if (inany_is_unspec(match) && inany_is_unspec(map_lo)) {
			debug("resolver %s can't be reached from the guest "
			      "without a host loopback mapping: left out",
			      inany_ntop(r, buf, sizeof(buf)));
			continue;
		}
		if (inany_is_unspec(host))
			*host = *r;
		if (inany_is_unspec(match))
			*match = *map_lo;
		n_out = add_unique(out, n_out, match);
	}
	if (inany_is_unspec(host) && resolv0)
		*host = *resolv0;
	if (!inany_is_unspec(match) && inany_is_unspec(host))
		warn("DNS to %s can't be forwarded: no host resolver, give "
		     "one with --dns-host",
		     inany_ntop(match, buf, sizeof(buf)));
	return n_out;
}

/* dns_map() for IPv4 fields */
static void dns4(struct conf_ip4 *ip, const struct resolv *r, bool given)
{
	union inany raw[CONF_MAXNS], out[CONF_MAXNS], map_lo, match, host;
	int i, n = given ? ip->dns_n : r->n[0];

	for (i = 0; i < n; i++) {
		if (given)
			inany_from_v4(&raw[i], ip->dns[i]);
		else
			raw[i] = r->ns[0][i];
	}
	inany_from_v4(&map_lo, ip->map_host_lo);
	inany_from_v4(&match, ip->dns_match);
	inany_from_v4(&host, ip->dns_host);
	n = dns_map(raw, n, r->n[0] ? &r->ns[0][0] : NULL, &map_lo, &match,
		    &host, out);
	for (i = 0; i < n; i++)
		ip->dns[i] = out[i].v4.a4;
	ip->dns_n = n;
	ip->dns_match = match.v4.a4;
	ip->dns_host = host.v4.a4;
}

/* dns_map() for IPv6 fields */
static void dns6(struct conf_ip6 *ip, const struct resolv *r, bool given)
{
	union inany raw[CONF_MAXNS], out[CONF_MAXNS], map_lo, match, host;
	int i, n = given ? ip->dns_n : r->n[1];

	for (i = 0; i < n; i++) {
		if (given)
			inany_from_v6(&raw[i], &ip->dns[i]);
		else
			raw[i] = r->ns[1][i];
	}
	inany_from_v6(&map_lo, &ip->map_host_lo);
	inany_from_v6(&match, &ip->dns_match);
	inany_from_v6(&host, &ip->dns_host);
	n = dns_map(raw, n, r->n[1] ? &r->ns[1][0] : NULL, &map_lo, &match,
		    &host, out);
	for (i = 0; i < n; i++)
		ip->dns[i] = out[i].a6;
	ip->dns_n = n;
	ip->dns_match = match.a6;
	ip->dns_host = host.a6;
}

static void dns_apply(struct conf *c, const struct resolv *r);

/**
 * conf_dns() - resolvers to advertise, DNS redirect, search list
 * @c:		configuration, addresses and mappings resolved
 * @resolv_path: resolv.conf to read
 */
void conf_dns(struct conf *c, const char *resolv_path)
{
	static struct resolv r;

	resolv_read(resolv_path, &r);
	dns_apply(c, &r);
}

/**
 * conf_dns_buf() - conf_dns() from resolv.conf contents already read
 * @c:		configuration, addresses and mappings resolved
 * @buf:	contents, NULL for none
 * @len:	their length
 */
void conf_dns_buf(struct conf *c, const char *buf, size_t len)
{
	static struct resolv r;

	resolv_parse(buf ? buf : "", buf ? len : 0, &r);
	dns_apply(c, &r);
}

/* What conf_dns() and conf_dns_buf() do with what they read */
static void dns_apply(struct conf *c, const struct resolv *r)
{
	int i;

	if (c->ip4.enabled)
		dns4(&c->ip4, r, c->opts.dns);
	else
		c->ip4.dns_n = 0;
	if (c->ip6.enabled)
		dns6(&c->ip6, r, c->opts.dns);
	else
		c->ip6.dns_n = 0;

	if (c->opts.search)
		return;
	for (i = 0; i < r->search_n; i++)
		strcpy(c->svc.search[i], r->search[i]);
	c->svc.search_n = r->search_n;
}
