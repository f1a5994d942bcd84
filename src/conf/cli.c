// SPDX-License-Identifier: MIT
/* cli.c - command line: personality, getopt, option values into struct conf */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf_int.h"
#include "conf/fwd_spec.h"
#include "lib/log.h"

static const uint8_t mac_default[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/* Long-only options: values above any character */
enum {
	OPT_TRACE = 256, OPT_LOG_SIZE, OPT_RUNAS, OPT_NO_SANDBOX, OPT_STATS,
	OPT_VERSION, OPT_CHROOT_FALLBACK, OPT_FOLLOW_HOST, OPT_NO_FOLLOW_HOST,
	OPT_OUT_IF4, OPT_OUT_IF6, OPT_FQDN, OPT_DHCP_DNS, OPT_NO_DHCP_DNS,
	OPT_DHCP_SEARCH, OPT_NO_DHCP_SEARCH, OPT_DNS_FORWARD, OPT_DNS_HOST,
	OPT_MAP_HOST_LO, OPT_MAP_GUEST, OPT_NO_MAP_GW, OPT_NO_TCP, OPT_NO_UDP,
	OPT_NO_ICMP, OPT_NO_DHCP, OPT_NO_DHCPV6, OPT_NO_NDP, OPT_NO_RA,
	/* passt */
	OPT_THREADS,
	OPT_VHOST_USER, OPT_PRINT_CAPS, OPT_BUSY_POLL, OPT_FREEBIND,
	OPT_REPAIR_PATH,
	/* pasta */
	OPT_USERNS, OPT_NETNS, OPT_NETNS_ONLY, OPT_NO_NETNS_QUIT,
	OPT_CONFIG_NET, OPT_NO_COPY_ROUTES, OPT_NO_COPY_ADDRS, OPT_NS_MAC,
	OPT_NO_SPLICE, OPT_HOST_LO_TO_NS_LO, OPT_SPLICE_ONLY,
};

static const char optstring[] =
	"+dqfel:P:p:m:a:n:M:g:i:o:D:S:H:46t:u:hs:F:1I:T:U:c:";

static const struct option options[] = {
	{ "debug", no_argument, NULL, 'd' },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "stderr", no_argument, NULL, 'e' },
	{ "log-file", required_argument, NULL, 'l' },
	{ "log-size", required_argument, NULL, OPT_LOG_SIZE },
	{ "runas", required_argument, NULL, OPT_RUNAS },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "chroot-fallback", no_argument, NULL, OPT_CHROOT_FALLBACK },
	{ "follow-host", no_argument, NULL, OPT_FOLLOW_HOST },
	{ "no-follow-host", no_argument, NULL, OPT_NO_FOLLOW_HOST },
	{ "pid", required_argument, NULL, 'P' },
	{ "pcap", required_argument, NULL, 'p' },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "mtu", required_argument, NULL, 'm' },
	{ "address", required_argument, NULL, 'a' },
	{ "netmask", required_argument, NULL, 'n' },
	{ "mac-addr", required_argument, NULL, 'M' },
	{ "gateway", required_argument, NULL, 'g' },
	{ "interface", required_argument, NULL, 'i' },
	{ "outbound", required_argument, NULL, 'o' },
	{ "outbound-if4", required_argument, NULL, OPT_OUT_IF4 },
	{ "outbound-if6", required_argument, NULL, OPT_OUT_IF6 },
	{ "ipv4-only", no_argument, NULL, '4' },
	{ "ipv6-only", no_argument, NULL, '6' },
	{ "dns", required_argument, NULL, 'D' },
	{ "search", required_argument, NULL, 'S' },
	{ "hostname", required_argument, NULL, 'H' },
	{ "fqdn", required_argument, NULL, OPT_FQDN },
	{ "dhcp-dns", no_argument, NULL, OPT_DHCP_DNS },
	{ "no-dhcp-dns", no_argument, NULL, OPT_NO_DHCP_DNS },
	{ "dhcp-search", no_argument, NULL, OPT_DHCP_SEARCH },
	{ "no-dhcp-search", no_argument, NULL, OPT_NO_DHCP_SEARCH },
	{ "dns-forward", required_argument, NULL, OPT_DNS_FORWARD },
	{ "dns-host", required_argument, NULL, OPT_DNS_HOST },
	{ "map-host-loopback", required_argument, NULL, OPT_MAP_HOST_LO },
	{ "map-guest-addr", required_argument, NULL, OPT_MAP_GUEST },
	{ "no-map-gw", no_argument, NULL, OPT_NO_MAP_GW },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "no-udp", no_argument, NULL, OPT_NO_UDP },
	{ "no-icmp", no_argument, NULL, OPT_NO_ICMP },
	{ "no-dhcp", no_argument, NULL, OPT_NO_DHCP },
	{ "no-dhcpv6", no_argument, NULL, OPT_NO_DHCPV6 },
	{ "no-ndp", no_argument, NULL, OPT_NO_NDP },
	{ "no-ra", no_argument, NULL, OPT_NO_RA },
	{ "tcp-ports", required_argument, NULL, 't' },
	{ "udp-ports", required_argument, NULL, 'u' },
	{ "freebind", no_argument, NULL, OPT_FREEBIND },
	{ "conf-path", required_argument, NULL, 'c' },
	/* passt only */
	{ "socket", required_argument, NULL, 's' },
	{ "socket-path", required_argument, NULL, 's' },
	{ "fd", required_argument, NULL, 'F' },
	{ "one-off", no_argument, NULL, '1' },
	{ "vhost-user", no_argument, NULL, OPT_VHOST_USER },
	{ "print-capabilities", no_argument, NULL, OPT_PRINT_CAPS },
	{ "repair-path", required_argument, NULL, OPT_REPAIR_PATH },
	/* pasta only */
	{ "ns-ifname", required_argument, NULL, 'I' },
	{ "tcp-ns", required_argument, NULL, 'T' },
	{ "udp-ns", required_argument, NULL, 'U' },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "netns-only", no_argument, NULL, OPT_NETNS_ONLY },
	{ "no-netns-quit", no_argument, NULL, OPT_NO_NETNS_QUIT },
	{ "config-net", no_argument, NULL, OPT_CONFIG_NET },
	{ "no-copy-routes", no_argument, NULL, OPT_NO_COPY_ROUTES },
	{ "no-copy-addrs", no_argument, NULL, OPT_NO_COPY_ADDRS },
	{ "ns-mac-addr", required_argument, NULL, OPT_NS_MAC },
	{ "no-splice", no_argument, NULL, OPT_NO_SPLICE },
	{ "host-lo-to-ns-lo", no_argument, NULL, OPT_HOST_LO_TO_NS_LO },
	{ "splice-only", no_argument, NULL, OPT_SPLICE_ONLY },
	{ NULL, 0, NULL, 0 },
};

/**
 * struct args - parse state that doesn't belong in struct conf
 * @debug:	-d
 * @trace:	--trace
 * @quiet:	-q
 * @foreground:	-f
 * @v4_only:	-4
 * @v6_only:	-6
 * @userns:	--userns given
 * @netns:	--netns given
 */
struct args {
	bool debug;
	bool trace;
	bool quiet;
	bool foreground;
	bool v4_only;
	bool v6_only;
	bool userns;
	bool netns;
};

static const char *const fwd_opt[FWD_KIND_NUM_] = {
	[FWD_TCP_IN] = "-t", [FWD_UDP_IN] = "-u",
	[FWD_TCP_OUT] = "-T", [FWD_UDP_OUT] = "-U",
};

/* The option as the user would recognise it: "-m" or "--netns" */
static const char *opt_str(int opt)
{
	static char buf[32];
	const struct option *o;

	if (opt < 256) {
		snprintf(buf, sizeof(buf), "-%c", opt);
		return buf;
	}
	for (o = options; o->name; o++) {
		if (o->val == opt)
			break;
	}
	snprintf(buf, sizeof(buf), "--%s", o->name ? o->name : "?");
	return buf;
}

/* Die unless we run as @mode */
static void only(const struct conf *c, enum conf_mode mode, int opt)
{
	if (c->mode != mode)
		die("%s is only available in %s mode", opt_str(opt),
		    mode == MODE_PASST ? "passt" : "pasta");
}

/* Copy an interface name or die naming @opt */
static void set_ifname(char dst[IFNAMSIZ], const char *name, int opt)
{
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/'))
		die("invalid interface name '%s' for %s: 1 to %d characters",
		    name, opt_str(opt), IFNAMSIZ - 1);
	strcpy(dst, name);
}

/* Parse a unicast address for @opt; @lo: allow loopback (resolvers) */
static void get_addr(const char *arg, union inany *a, int opt, bool lo)
{
	if (conf_parse_addr(arg, a, NULL) || inany_is_unspec(a) ||
	    inany_is_multicast(a) || (!lo && inany_is_loopback(a)))
		die("invalid address '%s' for %s: need a unicast IPv4 or "
		    "IPv6 address%s", arg, opt_str(opt),
		    lo ? "" : ", not loopback");
}

/* Store @a in the IPv4 or IPv6 field, as its family says */
static void put_addr(const union inany *a, struct in_addr *v4,
		     struct in6_addr *v6)
{
	if (inany_is_v4(a))
		*v4 = a->v4.a4;
	else
		*v6 = a->a6;
}

/* CPUs this process may run on: polling on the only one would starve the
 * very peer it waits for; and --threads auto makes a loop for each */
unsigned conf_cpus_usable(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set) > 0 ? (unsigned)CPU_COUNT(&set) : 1;
}

/* --threads N or auto: Return: 0, or -1 if @arg is neither */
static int threads_parse(const char *arg, unsigned *n)
{
	unsigned long v;

	if (!strcmp(arg, "auto")) {
		*n = CONF_THREADS_AUTO;
		return 0;
	}
	if (conf_parse_uint(arg, CONF_THREADS_MAX, &v) || !v)
		return -1;
	*n = (unsigned)v;
	return 0;
}

/* TETHER_THREADS: the default of --threads, for callers that can't pass
 * options (a client's fixed command line) */
static void threads_default(struct conf *c)
{
	const char *e = getenv("TETHER_THREADS");

	if (e && *e && threads_parse(e, &c->proc.threads))
		die("invalid TETHER_THREADS '%s': need 1 to %u, or auto", e,
		    CONF_THREADS_MAX);
}

/**
 * set_defaults() - everything the options can change, for the personality
 * @c:		configuration, zeroed
 */
static void set_defaults(struct conf *c)
{
	c->log.level = LOG_LVL_INFO;
	c->log.ident = conf_name(c);
	c->proc.busy_poll_us = conf_cpus_usable() > 1 ? BUSY_POLL_DEFAULT_US : 0;
	c->proc.threads = 1;
	c->proc.uid = getuid();
	c->proc.gid = getgid();
	c->ip4.enabled = c->ip6.enabled = true;
	c->link.mtu = CONF_MTU_DEFAULT;
	memcpy(c->link.our_mac, mac_default, sizeof(mac_default));
	c->link.fd = -1;
	c->proc.exit_fd = c->proc.ready_fd = -1;
	c->proc.follow = true;
	c->svc = (struct conf_svc){
		.tcp = true, .udp = true, .icmp = true, .dhcp = true,
		.dhcpv6 = true, .ndp = true, .ra = true,
		.dhcp_dns = c->mode == MODE_PASST,
		.dhcp_search = c->mode == MODE_PASST,
	};
	c->ns.target = NS_SPAWN;
	c->ns.netns_quit = true;
	c->ns.splice = true;
	threads_default(c);
}

/**
 * opt_log_proc() - logging, process life, help and version
 * @c:		configuration
 * @a:		parse state
 * @opt:	option value from getopt
 * @arg:	its argument
 *
 * Return: true if @opt was handled here
 */
static bool opt_log_proc(struct conf *c, struct args *a, int opt,
			 const char *arg)
{
	unsigned long n;

	switch (opt) {
	case 'd': a->debug = true; break;
	case OPT_TRACE: a->trace = true; break;
	case 'q': a->quiet = true; break;
	case 'f': a->foreground = true; break;
	case 'e': break;	/* compatibility: no effect */
	case 'l': c->log.file = arg; break;
	case OPT_LOG_SIZE:
		if (conf_parse_size(arg, &c->log.file_size) ||
		    c->log.file_size < 4096)
			die("invalid log size '%s': need at least 4096 bytes "
			    "(k, M, G suffixes allowed)", arg);
		break;
	case OPT_RUNAS:
		if (conf_parse_runas(arg, &c->proc.uid, &c->proc.gid))
			die("invalid --runas '%s': need UID[:GID] or "
			    "LOGIN[:GROUP] of an existing user", arg);
		c->proc.runas = true;
		break;
	case OPT_NO_SANDBOX: c->proc.no_sandbox = true; break;
	case OPT_CHROOT_FALLBACK: c->proc.chroot_fallback = true; break;
	case OPT_FOLLOW_HOST: c->proc.follow = true; break;
	case OPT_NO_FOLLOW_HOST: c->proc.follow = false; break;
	case 'P': c->proc.pidfile = arg; break;
	case 'p': c->link.pcap = arg; break;
	case OPT_STATS:
		if (conf_parse_uint(arg, 86400, &n) || !n)
			die("invalid --stats interval '%s': need seconds, 1 to "
			    "86400", arg);
		c->proc.stats_s = (unsigned)n;
		break;
	case OPT_BUSY_POLL:
		if (conf_parse_uint(arg, BUSY_POLL_MAX_US, &n))
			die("invalid --busy-poll '%s': need microseconds, "
			    "0 to %u", arg, BUSY_POLL_MAX_US);
		c->proc.busy_poll_us = n;
		break;
	case OPT_THREADS:
		if (threads_parse(arg, &c->proc.threads))
			die("invalid --threads '%s': need 1 to %u, or auto",
			    arg, CONF_THREADS_MAX);
		break;
	case 'h':
		conf_usage(c, stdout);
		exit(EXIT_SUCCESS);
	case OPT_VERSION:
		conf_version(c);
		exit(EXIT_SUCCESS);
	default:
		return false;
	}
	return true;
}

/* -a ADDR[/PLEN] */
static void opt_address(struct conf *c, const char *arg)
{
	union inany a;
	int plen;

	if (conf_parse_addr(arg, &a, &plen) || conf_addr_is_special(&a) ||
	    plen == 0 ||
	    (!inany_is_v4(&a) && IN6_IS_ADDR_LINKLOCAL(&a.a6)))
		die("invalid address '%s' for -a: need a unicast, global "
		    "IPv4 or IPv6 ADDR[/PLEN]", arg);
	if (inany_is_v4(&a)) {
		c->ip4.addr = a.v4.a4;
		c->ip4.addr_fixed = true;
		if (plen > 0)
			c->ip4.prefix_len = plen;
	} else {
		c->ip6.addr = a.a6;
		c->ip6.addr_fixed = true;
		if (plen > 0)
			c->ip6.prefix_len = plen;
	}
}

/**
 * opt_addressing() - addresses, interfaces, MTU, MACs, families
 * @c:		configuration
 * @a:		parse state
 * @opt:	option value from getopt
 * @arg:	its argument
 *
 * Return: true if @opt was handled here
 */
static bool opt_addressing(struct conf *c, struct args *a, int opt,
			   const char *arg)
{
	unsigned long n;
	union inany addr;

	switch (opt) {
	case 'm':
		if (conf_parse_uint(arg, CONF_MTU_MAX, &n))
			die("invalid MTU '%s': must be 0..%u", arg,
			    CONF_MTU_MAX);
		c->link.mtu = (unsigned)n;
		break;
	case 'a': opt_address(c, arg); break;
	case 'n':
		if (conf_parse_netmask(arg, &c->ip4.prefix_len))
			die("invalid netmask '%s': need a prefix length "
			    "1..32 or a dotted mask like 255.255.255.0", arg);
		break;
	case 'M':
		if (conf_parse_mac(arg, c->link.our_mac))
			die("invalid MAC address '%s' for -M: need a unicast "
			    "xx:xx:xx:xx:xx:xx", arg);
		break;
	case 'g':
		get_addr(arg, &addr, opt, false);
		put_addr(&addr, &c->ip4.gw, &c->ip6.gw);
		if (inany_is_v4(&addr))
			c->ip4.gw_fixed = true;
		else
			c->ip6.gw_fixed = true;
		break;
	case 'i':
		set_ifname(c->ip4.ifname, arg, opt);
		set_ifname(c->ip6.ifname, arg, opt);
		break;
	case 'o':
		get_addr(arg, &addr, opt, false);
		put_addr(&addr, &c->ip4.outbound, &c->ip6.outbound);
		break;
	case OPT_OUT_IF4: set_ifname(c->ip4.outbound_if, arg, opt); break;
	case OPT_OUT_IF6: set_ifname(c->ip6.outbound_if, arg, opt); break;
	case '4': a->v4_only = true; break;
	case '6': a->v6_only = true; break;
	default:
		return false;
	}
	return true;
}

/* -D ADDR|none */
static void opt_dns(struct conf *c, const char *arg)
{
	union inany a;

	c->opts.dns = true;
	if (!strcmp(arg, "none")) {
		c->ip4.dns_n = c->ip6.dns_n = 0;
		return;
	}
	get_addr(arg, &a, 'D', true);
	if (inany_is_v4(&a)) {
		if (c->ip4.dns_n >= CONF_MAXNS)
			die("too many IPv4 resolvers with -D: at most %d",
			    CONF_MAXNS);
		c->ip4.dns[c->ip4.dns_n++] = a.v4.a4;
	} else {
		if (c->ip6.dns_n >= CONF_MAXNS)
			die("too many IPv6 resolvers with -D: at most %d",
			    CONF_MAXNS);
		c->ip6.dns[c->ip6.dns_n++] = a.a6;
	}
}

/* -S LIST|none: space or comma separated, accumulates */
static void opt_search(struct conf *c, const char *arg)
{
	const char *p = arg;
	size_t len;

	c->opts.search = true;
	if (!strcmp(arg, "none")) {
		c->svc.search_n = 0;
		return;
	}
	while (*p) {
		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (!len)
			break;
		if (len >= sizeof(c->svc.search[0]) - 1)
			die("search domain '%.*s' too long", (int)len, p);
		if (c->svc.search_n >= CONF_SEARCH_MAX)
			die("too many search domains: at most %d",
			    CONF_SEARCH_MAX);
		memcpy(c->svc.search[c->svc.search_n], p, len);
		c->svc.search[c->svc.search_n++][len] = '\0';
		p += len;
	}
}

/* --map-host-loopback, --map-guest-addr: ADDR or none */
static void opt_map(struct conf *c, int opt, const char *arg)
{
	struct in6_addr *v6;
	struct in_addr *v4;
	union inany a;

	if (opt == OPT_MAP_HOST_LO) {
		v4 = &c->ip4.map_host_lo;
		v6 = &c->ip6.map_host_lo;
	} else {
		v4 = &c->ip4.map_guest;
		v6 = &c->ip6.map_guest;
	}
	if (!strcmp(arg, "none")) {
		v4->s_addr = INADDR_ANY;
		*v6 = in6addr_any;
		if (opt == OPT_MAP_HOST_LO)
			c->opts.no_map_gw = true;
		return;
	}
	get_addr(arg, &a, opt, false);
	put_addr(&a, v4, v6);
}

/**
 * opt_services() - DNS, names, mappings, services
 * @c:		configuration
 * @opt:	option value from getopt
 * @arg:	its argument
 *
 * Return: true if @opt was handled here
 */
static bool opt_services(struct conf *c, int opt, const char *arg)
{
	union inany a;

	switch (opt) {
	case 'D': opt_dns(c, arg); break;
	case 'S': opt_search(c, arg); break;
	case 'H':
		if (!*arg || strlen(arg) >= sizeof(c->svc.hostname))
			die("invalid host name '%s': 1 to %zu characters", arg,
			    sizeof(c->svc.hostname) - 1);
		strcpy(c->svc.hostname, arg);
		break;
	case OPT_FQDN:
		if (!*arg || strlen(arg) >= sizeof(c->svc.fqdn))
			die("invalid FQDN '%s': 1 to %zu characters", arg,
			    sizeof(c->svc.fqdn) - 1);
		strcpy(c->svc.fqdn, arg);
		break;
	case OPT_DHCP_DNS: c->svc.dhcp_dns = true; break;
	case OPT_NO_DHCP_DNS: c->svc.dhcp_dns = false; break;
	case OPT_DHCP_SEARCH: c->svc.dhcp_search = true; break;
	case OPT_NO_DHCP_SEARCH: c->svc.dhcp_search = false; break;
	case OPT_DNS_FORWARD:
		get_addr(arg, &a, opt, false);
		put_addr(&a, &c->ip4.dns_match, &c->ip6.dns_match);
		break;
	case OPT_DNS_HOST:
		get_addr(arg, &a, opt, true);
		put_addr(&a, &c->ip4.dns_host, &c->ip6.dns_host);
		break;
	case OPT_MAP_HOST_LO:
	case OPT_MAP_GUEST: opt_map(c, opt, arg); break;
	case OPT_NO_MAP_GW: c->opts.no_map_gw = true; break;
	case OPT_NO_TCP: c->svc.tcp = false; break;
	case OPT_NO_UDP: c->svc.udp = false; break;
	case OPT_NO_ICMP: c->svc.icmp = c->svc.ndp = false; break;
	case OPT_NO_DHCP: c->svc.dhcp = false; break;
	case OPT_NO_DHCPV6: c->svc.dhcpv6 = false; break;
	case OPT_NO_NDP: c->svc.ndp = false; break;
	case OPT_NO_RA: c->svc.ra = false; break;
	default:
		return false;
	}
	return true;
}

/**
 * conf_fwd_add() - parse and keep one -t/-u/-T/-U spec
 * @c:		configuration
 * @kind:	which option
 * @arg:	the spec
 */
void conf_fwd_add(struct conf *c, enum conf_fwd_kind kind, const char *arg)
{
	struct conf_fwd *f = &c->fwd;
	const char *o = fwd_opt[kind];
	const char *why = NULL;
	struct fwd_spec *fs;
	char msg[320];
	unsigned port;
	int i;

	if (f->n[kind] >= CONF_FWD_SPECS_MAX)
		die("too many %s options: at most %d", o, CONF_FWD_SPECS_MAX);
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		die("out of memory parsing %s '%s'", o, arg);
	if (fwd_spec_parse(fs, arg, msg, sizeof(msg)))
		why = msg;
	else if (fs->mode == FWD_MODE_AUTO && c->mode != MODE_PASTA)
		why = "'auto' is only available in pasta mode";

	for (i = 0; !why && i < f->n[kind]; i++) {
		const struct fwd_spec *prev = f->rule[kind][i];

		if (fs->mode == FWD_MODE_NONE || prev->mode == FWD_MODE_NONE) {
			snprintf(msg, sizeof(msg), "port forwarding mode "
				 "'none' conflicts with previous %s '%s'", o,
				 f->spec[kind][i]);
			why = msg;
		} else if ((port = fwd_spec_overlap(prev, fs))) {
			snprintf(msg, sizeof(msg), "port %u is already "
				 "forwarded by %s '%s'", port, o,
				 f->spec[kind][i]);
			why = msg;
		}
	}
	if (why) {
		free(fs);
		die("invalid %s spec '%s': %s", o, arg, why);
	}
	f->spec[kind][f->n[kind]] = arg;
	f->rule[kind][f->n[kind]++] = fs;
}

/**
 * opt_mode() - forwarding, and options of one personality only
 * @c:		configuration
 * @a:		parse state
 * @opt:	option value from getopt
 * @arg:	its argument
 *
 * Return: true if @opt was handled here
 */
static bool opt_mode(struct conf *c, struct args *a, int opt,
		     const char *arg)
{
	unsigned long n;

	switch (opt) {
	case 't': conf_fwd_add(c, FWD_TCP_IN, arg); return true;
	case 'u': conf_fwd_add(c, FWD_UDP_IN, arg); return true;
	case OPT_FREEBIND: c->fwd.freebind = true; return true;
	case 'c':
		if (!*arg || strlen(arg) >= sizeof(c->fwd.ctl_path))
			die("invalid -c (--conf-path) '%s': 1 to %zu "
			    "characters", arg, sizeof(c->fwd.ctl_path) - 1);
		strcpy(c->fwd.ctl_path, arg);
		return true;
	case 's': case 'F': case '1': case OPT_VHOST_USER: case OPT_PRINT_CAPS:
	case OPT_REPAIR_PATH:
		only(c, MODE_PASST, opt);
		break;
	case 'T': case 'U': case 'I': case OPT_USERNS: case OPT_NETNS:
	case OPT_NETNS_ONLY: case OPT_NO_NETNS_QUIT: case OPT_CONFIG_NET:
	case OPT_NO_COPY_ROUTES: case OPT_NO_COPY_ADDRS: case OPT_NS_MAC:
	case OPT_NO_SPLICE: case OPT_HOST_LO_TO_NS_LO: case OPT_SPLICE_ONLY:
		only(c, MODE_PASTA, opt);
		break;
	default:
		return false;
	}

	switch (opt) {
	case 's':
		if (!*arg || strlen(arg) >= sizeof(c->link.sock_path))
			die("invalid socket path '%s': 1 to %zu characters",
			    arg, sizeof(c->link.sock_path) - 1);
		strcpy(c->link.sock_path, arg);
		break;
	case 'F':
		if (conf_parse_uint(arg, INT_MAX, &n) ||
		    fcntl((int)n, F_GETFD) < 0)
			die("invalid -F '%s': need an open file descriptor",
			    arg);
		c->link.fd = (int)n;
		c->link.one_off = true;
		break;
	case '1': c->link.one_off = true; break;
	case OPT_VHOST_USER: c->link.vhost_user = true; break;
	case OPT_REPAIR_PATH:
		/* Kept for when migration comes (doc/vhost-user.md): no
		 * helper is contacted today */
		if (!*arg || strlen(arg) >= sizeof(c->link.repair_path))
			die("invalid --repair-path '%s': \"none\" or a path of "
			    "1 to %zu characters", arg,
			    sizeof(c->link.repair_path) - 1);
		strcpy(c->link.repair_path, arg);
		break;
	case OPT_PRINT_CAPS:
		printf("{\n  \"type\": \"net\"\n}\n");
		exit(EXIT_SUCCESS);
	case 'T': conf_fwd_add(c, FWD_TCP_OUT, arg); break;
	case 'U': conf_fwd_add(c, FWD_UDP_OUT, arg); break;
	case 'I': set_ifname(c->link.ns_ifname, arg, opt); break;
	case OPT_USERNS:
		if (!*arg || strlen(arg) >= sizeof(c->ns.userns))
			die("invalid --userns path '%s'", arg);
		strcpy(c->ns.userns, arg);
		a->userns = true;
		break;
	case OPT_NETNS:
		if (!*arg || strlen(arg) + sizeof("/run/netns/") >
			     sizeof(c->ns.netns))
			die("invalid --netns '%s': need a path or a name", arg);
		snprintf(c->ns.netns, sizeof(c->ns.netns), "%s%s",
			 strchr(arg, '/') ? "" : "/run/netns/", arg);
		c->ns.target = NS_ATTACH_PATH;
		a->netns = true;
		break;
	case OPT_NETNS_ONLY: c->ns.netns_only = true; break;
	case OPT_NO_NETNS_QUIT: c->ns.netns_quit = false; break;
	case OPT_CONFIG_NET: c->ns.config_net = true; break;
	/* Only the first address, only a default route: as -a and -g do */
	case OPT_NO_COPY_ROUTES: c->ip4.gw_fixed = c->ip6.gw_fixed = true;
		break;
	case OPT_NO_COPY_ADDRS: c->ip4.addr_fixed = c->ip6.addr_fixed = true;
		break;
	case OPT_NS_MAC:
		if (conf_parse_mac(arg, c->link.ns_mac))
			die("invalid MAC address '%s' for --ns-mac-addr: need "
			    "a unicast xx:xx:xx:xx:xx:xx", arg);
		c->link.ns_mac_set = true;
		break;
	case OPT_NO_SPLICE: c->ns.splice = false; break;
	case OPT_HOST_LO_TO_NS_LO: c->ns.host_lo_to_ns_lo = true; break;
	case OPT_SPLICE_ONLY: c->ns.splice_only = true; break;
	}
	return true;
}

/* pasta: PID, or a command, or nothing; passt: nothing */
static void positional(struct conf *c, const struct args *a, int argc,
		       char **argv)
{
	const char *first = optind < argc ? argv[optind] : NULL;
	unsigned long pid;

	if (c->mode == MODE_PASST) {
		if (first)
			die("unexpected argument '%s': passt takes options "
			    "only", first);
		return;
	}
	if (!first)
		return;
	if (argc - optind == 1 && strspn(first, "0123456789") ==
	    strlen(first)) {
		if (a->netns)
			die("a PID and --netns can't be given together");
		if (conf_parse_uint(first, INT_MAX, &pid) || !pid)
			die("invalid PID '%s'", first);
		c->ns.pid = (pid_t)pid;
		c->ns.target = NS_ATTACH_PID;
		return;
	}
	if (a->netns)
		die("a command ('%s') can't be given with --netns", first);
	c->ns.cmd = &argv[optind];
}

/* Combinations and defaults that depend on several options */
static void finish(struct conf *c, const struct args *a)
{
	enum conf_fwd_kind k;

	if (a->v4_only && a->v6_only)
		die("-4 (--ipv4-only) and -6 (--ipv6-only) conflict");
	c->ip6.enabled = !a->v4_only;
	c->ip4.enabled = !a->v6_only;
	if (a->v4_only && (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr) ||
			   !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw)))
		die("IPv6 address or gateway given with --ipv4-only");
	if (a->v6_only && (c->ip4.addr.s_addr || c->ip4.gw.s_addr))
		die("IPv4 address or gateway given with --ipv6-only");

	if (a->userns && c->ns.target == NS_SPAWN)
		die("--userns needs a PID or --netns to attach to");
	if (a->userns && c->ns.netns_only)
		die("--userns and --netns-only conflict");
	if (c->link.fd >= 0 && c->link.sock_path[0])
		die("-F (--fd) and -s (--socket) conflict");
	if (c->ns.splice_only && !c->ns.splice)
		die("--splice-only and --no-splice conflict");
	if (c->ns.splice_only)	/* no tap: nothing to configure but lo */
		c->ns.config_net = false;

	c->log.level = a->trace ? LOG_LVL_TRACE : a->debug ? LOG_LVL_DEBUG :
		       a->quiet ? LOG_LVL_WARN : LOG_LVL_INFO;
	if (c->mode == MODE_PASTA && c->ns.target == NS_SPAWN)
		c->proc.foreground = true;	/* the command needs a tty */
	else
		c->proc.foreground = a->foreground;
	/* Before daemonizing, stderr still reaches whoever started us; with
	 * a log file, only that, as pasta does, unless -f asks for both */
	c->log.to_stderr = !c->log.file || a->foreground;
	c->log.version = conf_version_str();
	c->log.to_syslog = !c->proc.foreground && !c->log.file;

	for (k = 0; k < FWD_KIND_NUM_; k++) {
		if (c->fwd.n[k])
			continue;
		if (c->mode == MODE_PASTA)
			conf_fwd_add(c, k, "auto");
		else if (k == FWD_TCP_IN || k == FWD_UDP_IN)
			conf_fwd_add(c, k, "none");
	}
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		int i;

		for (i = 0; i < c->fwd.n[k]; i++) {
			const struct fwd_spec *fs = c->fwd.rule[k][i];

			if (!fs->has_addr || (inany_is_v4(&fs->addr) ?
					      c->ip4.enabled : c->ip6.enabled))
				continue;
			die("invalid %s spec '%s': its address family is "
			    "disabled", fwd_opt[k], c->fwd.spec[k][i]);
		}
	}
}

/**
 * conf_persona() - personality from argv[0]: "pesto" or "slirp4netns" if
 * the name says so, else "passt" unless the name also says "pasta"
 * @argv0:	argv[0], may be NULL
 *
 * Return: the personality
 */
enum conf_persona conf_persona(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0 ? argv0 : "";
	if (strstr(base, "pesto"))
		return PERSONA_PESTO;
	if (strstr(base, "slirp4netns"))
		return PERSONA_SLIRP;
	if (strstr(base, "passt") && !strstr(base, "pasta"))
		return PERSONA_PASST;
	return PERSONA_PASTA;
}

/**
 * conf_parse_args() - options into @c, with defaults; reads no host state
 * @c:		configuration, overwritten
 * @argc:	argument count
 * @argv:	arguments; c->ns.cmd may point into it
 *
 * Exits with status 1 and one line on stderr for bad input, 0 after --help,
 * --version and --print-capabilities.
 */
void conf_parse_args(struct conf *c, int argc, char **argv)
{
	struct log_conf early = { .level = LOG_LVL_INFO, .to_stderr = true };
	struct args a = { 0 };
	char *argv0 = argv[0];
	int opt;

	memset(c, 0, sizeof(*c));
	c->persona = conf_persona(argv0);
	c->mode = c->persona == PERSONA_PASST ? MODE_PASST : MODE_PASTA;
	set_defaults(c);
	early.ident = c->log.ident;
	log_setup(&early);
	if (c->persona == PERSONA_SLIRP) {
		conf_parse_slirp(c, argc, argv);
		early.level = c->log.level;
		log_setup(&early);
		return;
	}

	argv[0] = (char *)conf_name(c);	/* for getopt's own messages */
	optind = 0;			/* full re-initialisation (glibc) */
	while ((opt = getopt_long(argc, argv, optstring, options,
				  NULL)) != -1) {
		const char *arg = optarg;

		if (opt_log_proc(c, &a, opt, arg) ||
		    opt_addressing(c, &a, opt, arg) ||
		    opt_services(c, opt, arg) || opt_mode(c, &a, opt, arg))
			continue;
		exit(EXIT_FAILURE);	/* getopt printed the one line */
	}
	argv[0] = argv0;

	positional(c, &a, argc, argv);
	finish(c, &a);

	early.level = c->log.level;
	log_setup(&early);
}
