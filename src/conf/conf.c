// SPDX-License-Identifier: MIT
/* conf.c - conf_parse(): the start-up stages that resolve struct conf */
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "conf/conf_int.h"
#include "conf/fwd_spec.h"
#include "lib/log.h"

/*
 * DOC: conf_parse() runs in stages, each in its own function so that unit
 * tests can run the pure ones alone:
 *   conf_parse_args()	options into struct conf, defaults, conflicts,
 *			forwarding specs parsed (no host state is read)
 *   conf_runas()		where started as root: nobody, unless --runas
 *   conf_fwd_finish()	drop ephemeral ports from implicit specs
 *   conf_discover()	template interfaces, addresses, gateways (netlink)
 *   conf_derive()	addresses that follow from those (our_addr, mappings)
 *   conf_dns()		resolvers, search list: resolv.conf or -D/-S
 *   conf_services()	positive per-service switches from all of the above
 */

#define CONF_NOBODY_ID	65534	/* "nobody" if the user database lacks it */

/* Is @uid_map (a /proc/PID/uid_map) the initial user namespace's map? */
static bool uid_map_is_init(const char *uid_map)
{
	unsigned long inside, outside, count;
	bool init = false;
	FILE *f;
	int n;

	f = fopen(uid_map, "re");
	if (!f)
		return false;
	n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
	if (n == 3 && !inside && !outside && count == 4294967295UL &&
	    fscanf(f, "%lu", &inside) == EOF)
		init = true;
	fclose(f);
	return init;
}

/**
 * conf_runas() - started as root: run as "nobody" unless --runas says
 * @p:		process configuration, --runas parsed
 * @euid:	our effective UID
 * @uid_map:	our user namespace's uid_map file
 *
 * Only root in the initial user namespace (whose uid_map is
 * "0 0 4294967295") switches: root in another user namespace (a rootless
 * container's) has no privileges on the host to give up, as for pasta.
 */
void conf_runas(struct conf_proc *p, uid_t euid, const char *uid_map)
{
	struct passwd *pw;

	if (p->runas || euid || !uid_map_is_init(uid_map))
		return;
	pw = getpwnam("nobody");
	p->uid = pw ? pw->pw_uid : CONF_NOBODY_ID;
	p->gid = pw ? pw->pw_gid : CONF_NOBODY_ID;
	p->runas = true;
}

/**
 * conf_fwd_finish() - remove the ephemeral port range from implicit specs
 * @c:		configuration, forwarding specs parsed
 * @range_path:	ip_local_port_range file ("LOW HIGH"); if unreadable,
 *		49152-65535 (RFC 6335 section 6)
 */
void conf_fwd_finish(struct conf *c, const char *range_path)
{
	unsigned lo = 49152, hi = 65535, l, h;
	enum conf_fwd_kind k;
	FILE *f;
	int i;

	f = fopen(range_path, "re");
	if (f) {
		if (fscanf(f, "%u %u", &l, &h) == 2 && l <= h && h < 65536) {
			lo = l;
			hi = h;
		}
		fclose(f);
	}
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		for (i = 0; i < c->fwd.n[k]; i++) {
			if (c->fwd.rule[k][i]->implicit)
				fwd_spec_exclude(c->fwd.rule[k][i], lo, hi);
		}
	}
}

/**
 * conf_services() - positive per-service switches from families, gateways
 * and options, so the data path asks one question per decision
 * @c:		configuration, addresses resolved
 */
void conf_services(struct conf *c)
{
	struct conf_svc *s = &c->svc;

	if (!c->ip4.enabled || !c->ip4.gw.s_addr)
		s->dhcp = false;	/* no server identifier, no router */
	if (!c->ip6.enabled)
		s->dhcpv6 = s->ndp = s->ra = false;
	if (!s->icmp)
		s->ndp = false;
	if (!s->ndp)
		s->ra = false;	/* router adverts are part of NDP */
	if (c->mode == MODE_PASTA && c->ns.config_net && !c->ns.v6_by_ra)
		s->ra = false;	/* addresses are configured directly */
	if (c->ns.splice_only)	/* no tap: no frames, nobody to serve */
		s->tcp = s->udp = s->icmp = s->dhcp = s->dhcpv6 = s->ndp =
			s->ra = false;
	/* Following the host, a lease runs out soon enough for the guest
	 * to take the next address at its renewal */
	s->lease_s = c->proc.follow ? CONF_FOLLOW_LEASE_S : CONF_LEASE_INFINITE;
}

/**
 * conf_parse() - parse argv, discover the host, resolve every default
 * @c:		configuration to fill
 * @argc:	argument count
 * @argv:	arguments
 *
 * Exits with status 1 and a one-line message on bad input; 0 after --help
 * and --version.
 */
void conf_parse(struct conf *c, int argc, char **argv)
{
	conf_parse_cli(c, argc, argv);
	conf_resolve(c);
}

/**
 * conf_parse_cli() - the command line alone (see conf.h)
 * @c:		configuration to fill
 * @argc:	argument count
 * @argv:	arguments
 */
void conf_parse_cli(struct conf *c, int argc, char **argv)
{
	conf_parse_args(c, argc, argv);
}

/**
 * conf_resolve() - everything that reads the host (see conf.h)
 * @c:		configuration, command line parsed
 */
void conf_resolve(struct conf *c)
{
	conf_runas(&c->proc, geteuid(), "/proc/self/uid_map");
	conf_fwd_finish(c, "/proc/sys/net/ipv4/ip_local_port_range");
	c->opts.ip4 = c->ip4;		/* what conf_refresh() starts from */
	c->opts.ip6 = c->ip6;
	c->opts.svc = c->svc;
	conf_discover(c);
	conf_derive(c);
	conf_dns(c, "/etc/resolv.conf");
	conf_services(c);
	if (c->ip6.enabled && c->link.mtu && c->link.mtu < 1280)
		warn("MTU %u is below the IPv6 minimum of 1280: IPv6 may not "
		     "work on the guest link", c->link.mtu);
}
