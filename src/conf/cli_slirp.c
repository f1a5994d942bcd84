// SPDX-License-Identifier: MIT
/* cli_slirp.c - the slirp4netns command line and addressing, as pasta mode */
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"
#include "lib/log.h"

/*
 * DOC: run as "slirp4netns", tether takes slirp4netns 1.2's command line,
 *	slirp4netns [OPTION]... PID|PATH [TAPNAME]
 * and gives the namespace slirp4netns's addressing, which its clients
 * (Podman up to 5, RootlessKit) assume rather than ask for: in the CIDR
 * (10.0.2.0/24 by default) the guest is .100, the gateway .2 (reaching
 * the host's loopback unless --disable-host-loopback) and the resolver .3
 * (forwarded to the host's); with -6, fd00::/64 by router advertisement,
 * fd00::2 for the host's loopback, fd00::3 for DNS. Everything else is
 * pasta attaching to that namespace: the guest's traffic goes out through
 * host sockets, with tether's data path, not a user-space TCP/IP stack.
 * Ports come only through the API socket (-a), as for slirp4netns.
 */

#define SLIRP_CIDR_DEFAULT	"10.0.2.0/24"
#define SLIRP_MTU_DEFAULT	1500
#define SLIRP_HOST_GUEST	100	/* host part of the guest's address */
#define SLIRP_HOST_GW		2
#define SLIRP_HOST_DNS		3

enum {
	SOPT_CIDR = 256, SOPT_NO_HOST_LO, SOPT_NETNS_TYPE, SOPT_USERNS,
	SOPT_SANDBOX, SOPT_SECCOMP, SOPT_OUT4, SOPT_OUT6, SOPT_NO_DNS,
	SOPT_MAC, SOPT_TARGET, SOPT_DEBUG, SOPT_PCAP,
};

static const char sl_optstring[] = "+ce:r:m:6a:hv";

static const struct option sl_options[] = {
	{ "configure", no_argument, NULL, 'c' },
	{ "exit-fd", required_argument, NULL, 'e' },
	{ "ready-fd", required_argument, NULL, 'r' },
	{ "mtu", required_argument, NULL, 'm' },
	{ "enable-ipv6", no_argument, NULL, '6' },
	{ "api-socket", required_argument, NULL, 'a' },
	{ "cidr", required_argument, NULL, SOPT_CIDR },
	{ "disable-host-loopback", no_argument, NULL, SOPT_NO_HOST_LO },
	{ "netns-type", required_argument, NULL, SOPT_NETNS_TYPE },
	{ "userns-path", required_argument, NULL, SOPT_USERNS },
	{ "enable-sandbox", no_argument, NULL, SOPT_SANDBOX },
	{ "enable-seccomp", no_argument, NULL, SOPT_SECCOMP },
	{ "outbound-addr", required_argument, NULL, SOPT_OUT4 },
	{ "outbound-addr6", required_argument, NULL, SOPT_OUT6 },
	{ "disable-dns", no_argument, NULL, SOPT_NO_DNS },
	{ "macaddress", required_argument, NULL, SOPT_MAC },
	{ "target-type", required_argument, NULL, SOPT_TARGET },
	{ "debug", no_argument, NULL, SOPT_DEBUG },
	{ "pcap", required_argument, NULL, SOPT_PCAP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/**
 * struct slirp_args - what the options said, resolved in slirp_finish()
 * @cidr:	network address of --cidr, host order
 * @plen:	its prefix length
 * @no_host_lo:	--disable-host-loopback
 * @no_dns:	--disable-dns
 * @ipv6:	-6
 * @path:	--netns-type=path
 * @debug:	--debug (tether's own)
 */
struct slirp_args {
	uint32_t cidr;
	int plen;
	bool no_host_lo;
	bool no_dns;
	bool ipv6;
	bool path;
	bool debug;
};

/* An fd number for @opt, or die */
static int sl_fd(const char *arg, const char *opt)
{
	unsigned long n;

	if (conf_parse_uint(arg, INT_MAX, &n) || n < 3)
		die("invalid %s '%s': need a file descriptor above 2", opt,
		    arg);
	return (int)n;
}

/* --cidr A.B.C.D/N: N up to 25, so that .100 fits in the host part */
static void sl_cidr(struct slirp_args *s, const char *arg)
{
	union inany a;
	int plen;

	if (conf_parse_addr(arg, &a, &plen) || !inany_is_v4(&a) ||
	    plen < 1 || plen > 25)
		die("invalid --cidr '%s': need an IPv4 network A.B.C.D/N, N "
		    "from 1 to 25", arg);
	s->plen = plen;
	s->cidr = ntohl(a.v4.a4.s_addr) & ~(0xffffffffU >> plen);
}

/* --outbound-addr[6]: an address of the family, else an interface name */
static void sl_outbound(struct conf *c, int af, const char *arg)
{
	void *dst = af == AF_INET ? (void *)&c->ip4.outbound :
				    (void *)&c->ip6.outbound;
	char *ifname = af == AF_INET ? c->ip4.outbound_if :
				       c->ip6.outbound_if;

	if (inet_pton(af, arg, dst) == 1)
		return;
	if (!*arg || strlen(arg) >= IFNAMSIZ || strchr(arg, '/'))
		die("invalid --outbound-addr%s '%s': need an IPv%c address "
		    "or an interface name", af == AF_INET ? "" : "6", arg,
		    af == AF_INET ? '4' : '6');
	strcpy(ifname, arg);
}

/* One option into @c or @s; dies on a bad value */
static void sl_opt(struct conf *c, struct slirp_args *s, int opt,
		   const char *arg)
{
	unsigned long n;

	switch (opt) {
	case 'c': c->ns.config_net = true; break;
	case 'e': c->proc.exit_fd = sl_fd(arg, "--exit-fd"); break;
	case 'r': c->proc.ready_fd = sl_fd(arg, "--ready-fd"); break;
	case 'm':
		if (conf_parse_uint(arg, CONF_MTU_MAX, &n) || n < 68)
			die("invalid MTU '%s': must be 68..%u", arg,
			    CONF_MTU_MAX);
		c->link.mtu = (unsigned)n;
		break;
	case '6': s->ipv6 = true; break;
	case 'a':
		if (!*arg || strlen(arg) >= sizeof(c->fwd.api_path))
			die("invalid --api-socket '%s': 1 to %zu characters",
			    arg, sizeof(c->fwd.api_path) - 1);
		strcpy(c->fwd.api_path, arg);
		break;
	case SOPT_CIDR: sl_cidr(s, arg); break;
	case SOPT_NO_HOST_LO: s->no_host_lo = true; break;
	case SOPT_NETNS_TYPE:
		if (strcmp(arg, "path") && strcmp(arg, "pid"))
			die("invalid --netns-type '%s': need path or pid",
			    arg);
		s->path = !strcmp(arg, "path");
		break;
	case SOPT_USERNS:
		if (!*arg || strlen(arg) >= sizeof(c->ns.userns))
			die("invalid --userns-path '%s'", arg);
		strcpy(c->ns.userns, arg);
		break;
	case SOPT_SANDBOX:	/* tether's own sandbox is always on */
	case SOPT_SECCOMP:
		break;
	case SOPT_OUT4: sl_outbound(c, AF_INET, arg); break;
	case SOPT_OUT6: sl_outbound(c, AF_INET6, arg); break;
	case SOPT_NO_DNS: s->no_dns = true; break;
	case SOPT_MAC:
		if (conf_parse_mac(arg, c->link.ns_mac))
			die("invalid --macaddress '%s': need a unicast "
			    "xx:xx:xx:xx:xx:xx", arg);
		c->link.ns_mac_set = true;
		break;
	case SOPT_TARGET:
		if (strcmp(arg, "netns"))
			die("--target-type %s is not supported: only netns",
			    arg);
		break;
	case SOPT_DEBUG: s->debug = true; break;
	case SOPT_PCAP: c->link.pcap = arg; break;
	case 'h':
		conf_usage(c, stdout);
		exit(EXIT_SUCCESS);
	case 'v':
		conf_version(c);
		exit(EXIT_SUCCESS);
	default:
		exit(EXIT_FAILURE);	/* getopt printed the one line */
	}
}

/* PID|PATH [TAPNAME] */
static void sl_positional(struct conf *c, const struct slirp_args *s,
			  int argc, char **argv)
{
	const char *target = optind < argc ? argv[optind] : NULL;
	const char *tap = optind + 1 < argc ? argv[optind + 1] : "tap0";
	unsigned long pid;

	if (!target)
		die("missing PID|PATH: see --help");
	if (optind + 2 < argc)
		die("unexpected argument '%s': see --help", argv[optind + 2]);
	if (!*tap || strlen(tap) >= IFNAMSIZ || strchr(tap, '/'))
		die("invalid TAPNAME '%s': 1 to %d characters", tap,
		    IFNAMSIZ - 1);
	strcpy(c->link.ns_ifname, tap);

	if (s->path) {
		if (!*target || strlen(target) >= sizeof(c->ns.netns))
			die("invalid network namespace path '%s'", target);
		strcpy(c->ns.netns, target);
		c->ns.target = NS_ATTACH_PATH;
		return;
	}
	if (conf_parse_uint(target, INT_MAX, &pid) || !pid)
		die("invalid PID '%s': a path needs --netns-type=path",
		    target);
	c->ns.pid = (pid_t)pid;
	c->ns.target = NS_ATTACH_PID;
}

static struct in_addr sl_host(const struct slirp_args *s, uint32_t host)
{
	struct in_addr a = { htonl(s->cidr | host) };

	return a;
}

/* slirp4netns's fixed addressing, and what pasta mode needs besides */
static void sl_finish(struct conf *c, const struct slirp_args *s)
{
	struct in_addr gw = sl_host(s, SLIRP_HOST_GW);
	struct in_addr dns = sl_host(s, SLIRP_HOST_DNS);
	enum conf_fwd_kind k;

	c->ip4.addr = sl_host(s, SLIRP_HOST_GUEST);
	c->ip4.prefix_len = s->plen;
	c->ip4.gw = gw;
	c->ip4.addr_fixed = c->ip4.gw_fixed = true;
	c->opts.dns = c->opts.search = true;	/* not the host's */
	if (s->no_host_lo) {
		c->opts.no_map_gw = true;
		c->ip4.refuse[0] = gw;
	} else {
		c->ip4.map_host_lo = gw;
	}
	if (s->no_dns) {
		c->ip4.refuse[1] = dns;
	} else {
		c->ip4.dns[c->ip4.dns_n++] = dns;
		c->ip4.dns_match = dns;
	}

	c->ip6.enabled = s->ipv6;
	if (s->ipv6) {
		inet_pton(AF_INET6, "fd00::100", &c->ip6.addr);
		c->ip6.prefix_len = 64;
		inet_pton(AF_INET6, "fe80::2", &c->ip6.gw);
		c->ip6.addr_fixed = c->ip6.gw_fixed = true;
		c->ns.v6_by_ra = true;
		if (s->no_host_lo) {
			c->opts.no_map_gw = true;
			inet_pton(AF_INET6, "fd00::2", &c->ip6.refuse[0]);
		} else {
			inet_pton(AF_INET6, "fd00::2", &c->ip6.map_host_lo);
		}
		if (s->no_dns) {
			inet_pton(AF_INET6, "fd00::3", &c->ip6.refuse[1]);
		} else {
			inet_pton(AF_INET6, "fd00::3",
				  &c->ip6.dns[c->ip6.dns_n++]);
			c->ip6.dns_match = c->ip6.dns[0];
		}
	}

	/* slirp4netns ends with its exit fd (or its target process), and
	 * never looks at a namespace path: Podman mounts its netns
	 * directory over itself while slirp4netns starts, so what a
	 * directory fd opened then sees is the empty file underneath */
	if (c->ns.target == NS_ATTACH_PATH)
		c->ns.netns_quit = false;

	/* DHCP and RA tell the same; no ports but the API socket's */
	c->svc.dhcp_dns = !s->no_dns;
	c->ns.splice = false;
	for (k = 0; k < FWD_KIND_NUM_; k++)
		conf_fwd_add(c, k, "none");

	c->log.level = s->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO;
	c->proc.foreground = true;	/* its caller waits on it, as a child */
	c->log.to_stderr = true;
	c->log.to_syslog = false;
	c->log.version = conf_version_str();
}

/**
 * conf_parse_slirp() - the slirp4netns command line into @c (see DOC)
 * @c:		configuration, defaults set, persona PERSONA_SLIRP
 * @argc:	argument count
 * @argv:	arguments
 *
 * Exits with status 1 and one line on stderr for bad input, 0 after
 * --help and --version.
 */
void conf_parse_slirp(struct conf *c, int argc, char **argv)
{
	struct slirp_args s = { 0 };
	char *argv0 = argv[0];
	int opt;

	c->link.mtu = SLIRP_MTU_DEFAULT;
	sl_cidr(&s, SLIRP_CIDR_DEFAULT);
	argv[0] = (char *)conf_name(c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, sl_optstring, sl_options,
				  NULL)) != -1)
		sl_opt(c, &s, opt, optarg);
	argv[0] = argv0;

	sl_positional(c, &s, argc, argv);
	sl_finish(c, &s);
}
