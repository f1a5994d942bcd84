// SPDX-License-Identifier: MIT
/* print.c - the resolved configuration, in a few info lines */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf_int.h"
#include "lib/log.h"

#define LINE_MAX_	512

static const uint8_t zero16[16];

/* Append formatted text to @buf (size LINE_MAX_) at *@len */
__attribute__((format(printf, 3, 4)))
static void cat(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= LINE_MAX_ - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, LINE_MAX_ - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < LINE_MAX_ ? *len + (size_t)n :
						       LINE_MAX_ - 1;
}

/* Append " what ADDR" for a non-zero address of family @af */
static void cat_addr(char *buf, size_t *len, const char *what, int af,
		     const void *a)
{
	char s[INET6_ADDRSTRLEN];

	if (!memcmp(a, zero16, af == AF_INET ? 4 : 16))
		return;
	inet_ntop(af, a, s, sizeof(s));
	cat(buf, len, "%s%s", what, s);
}

/* Append ", DNS a b c" and the redirect, if any */
static void cat_dns(char *buf, size_t *len, int af, const void *dns, int n,
		    const void *match, const void *host)
{
	size_t alen = af == AF_INET ? 4 : 16;
	int i;

	for (i = 0; i < n; i++)
		cat_addr(buf, len, i ? " " : ", DNS ", af,
			 (const uint8_t *)dns + i * alen);
	if (memcmp(match, zero16, alen)) {
		cat_addr(buf, len, ", DNS to ", af, match);
		cat_addr(buf, len, " goes to ", af, host);
	}
}

static void print_ip4(const struct conf_ip4 *ip)
{
	char buf[LINE_MAX_];
	size_t len = 0;

	if (!ip->enabled) {
		info("IPv4: disabled");
		return;
	}
	cat(buf, &len, "IPv4: template %s", ip->ifname[0] ? ip->ifname : "-");
	cat_addr(buf, &len, ", address ", AF_INET, &ip->addr);
	cat(buf, &len, "/%d", ip->prefix_len);
	cat_addr(buf, &len, ", gateway ", AF_INET, &ip->gw);
	cat_addr(buf, &len, ", host loopback at ", AF_INET, &ip->map_host_lo);
	cat_addr(buf, &len, ", host address at ", AF_INET, &ip->map_guest);
	cat_dns(buf, &len, AF_INET, ip->dns, ip->dns_n, &ip->dns_match,
		&ip->dns_host);
	info("%s", buf);
}

static void print_ip6(const struct conf_ip6 *ip)
{
	char buf[LINE_MAX_];
	size_t len = 0;

	if (!ip->enabled) {
		info("IPv6: disabled");
		return;
	}
	cat(buf, &len, "IPv6: template %s", ip->ifname[0] ? ip->ifname : "-");
	cat_addr(buf, &len, ", address ", AF_INET6, &ip->addr);
	cat(buf, &len, "/%d", ip->prefix_len);
	cat_addr(buf, &len, ", gateway ", AF_INET6, &ip->gw);
	cat_addr(buf, &len, ", our link-local ", AF_INET6, &ip->our_ll);
	cat_addr(buf, &len, ", host loopback at ", AF_INET6, &ip->map_host_lo);
	cat_addr(buf, &len, ", host address at ", AF_INET6, &ip->map_guest);
	cat_dns(buf, &len, AF_INET6, ip->dns, ip->dns_n, &ip->dns_match,
		&ip->dns_host);
	info("%s", buf);
}

/**
 * conf_print() - log the resolved configuration at info level (so nothing
 * with -q)
 * @c:		configuration
 */
void conf_print(const struct conf *c)
{
	const uint8_t *m = c->link.our_mac;
	char buf[LINE_MAX_];
	size_t len = 0;
	int i;

	if (c->mode == MODE_PASTA && c->ns.splice_only)
		cat(buf, &len, "pasta mode: no tap (--splice-only)");
	else if (c->mode == MODE_PASTA)
		cat(buf, &len, "pasta mode: tap %s", c->link.ns_ifname);
	else if (c->link.fd >= 0)
		cat(buf, &len, "passt mode: fd %d", c->link.fd);
	else
		cat(buf, &len, "passt mode: socket %s", c->link.sock_path[0] ?
		    c->link.sock_path : "(default)");
	cat(buf, &len, ", MTU %u, our MAC %02x:%02x:%02x:%02x:%02x:%02x",
	    c->link.mtu, m[0], m[1], m[2], m[3], m[4], m[5]);
	info("%s", buf);

	print_ip4(&c->ip4);
	print_ip6(&c->ip6);

	if (!c->svc.search_n)
		return;
	len = 0;
	cat(buf, &len, "DNS search:");
	for (i = 0; i < c->svc.search_n; i++)
		cat(buf, &len, " %s", c->svc.search[i]);
	info("%s", buf);
}
