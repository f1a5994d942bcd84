/* SPDX-License-Identifier: MIT */
/* conf.h - the resolved configuration: read-only once start-up is done */
#ifndef TETHER_CONF_H
#define TETHER_CONF_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/log.h"

#define CONF_MAXNS		3	/* resolvers per family, as resolv.conf */
#define CONF_SEARCH_MAX		6	/* search domains */
#define CONF_MTU_DEFAULT	65520	/* 65535 - 14 (Ethernet) rounded to 4 */
#define CONF_MTU_MAX		65521
#define CONF_LOCAL_ADDR4	0xa9fe0201	/* 169.254.2.1, local mode */
#define CONF_LOCAL_GW4		0xa9fe0202	/* 169.254.2.2 */
#define BUSY_POLL_DEFAULT_US	200	/* KVM's halt_poll_ns default, too */
#define BUSY_POLL_MAX_US	10000
#define CONF_FWD_SPECS_MAX	64	/* -t/-u/-T/-U options kept */
#define CONF_LEASE_INFINITE	0xffffffffU
#define CONF_FOLLOW_LEASE_S	60	/* DHCP lease while following the host:
					 * the guest renews (T1) within 30 s */

enum conf_mode {
	MODE_PASTA,	/* tap device in a namespace */
	MODE_PASST,	/* QEMU over a UNIX stream socket */
};

/* The command line tether speaks, from argv[0]: slirp4netns is pasta mode
 * behind slirp4netns's options and addressing */
enum conf_persona {
	PERSONA_PASTA,
	PERSONA_PASST,
	PERSONA_SLIRP,
	PERSONA_PESTO,	/* the control socket's client: main.c runs it */
};

/**
 * struct conf_ip4 - IPv4 addressing, resolved from options and the host
 * @enabled:	IPv4 is served
 * @addr:	address the guest uses (the host's own by default)
 * @prefix_len:	its prefix length
 * @gw:		default gateway advertised to the guest
 * @our_addr:	our own address on the tap link (gateway, or a fallback)
 * @map_host_lo: guest destination mapped to 127.0.0.1 (INADDR_ANY: none)
 * @map_guest:	guest destination mapped to the host's @addr (any: none)
 * @outbound:	source address for host sockets (any: kernel picks)
 * @outbound_if: SO_BINDTODEVICE for host sockets ("" for none)
 * @ifname:	host template interface
 * @dns:	resolvers advertised to the guest
 * @dns_n:	how many
 * @dns_match:	guest destination whose port 53 goes to @dns_host (any: none)
 * @dns_host:	host-side resolver for @dns_match
 * @addr_fixed:	-a was given: single address, don't learn from traffic
 * @gw_fixed:	-g was given: only a default route is copied
 * @refuse:	guest destinations that stand for nothing (slirp4netns's
 *		gateway without host loopback, its DNS address without DNS):
 *		refused, never sent to the host's network (any: none)
 */
struct conf_ip4 {
	bool enabled;
	struct in_addr addr;
	int prefix_len;
	struct in_addr gw;
	struct in_addr our_addr;
	struct in_addr map_host_lo;
	struct in_addr map_guest;
	struct in_addr outbound;
	char outbound_if[IFNAMSIZ];
	char ifname[IFNAMSIZ];
	struct in_addr dns[CONF_MAXNS];
	int dns_n;
	struct in_addr dns_match;
	struct in_addr dns_host;
	bool addr_fixed;
	bool gw_fixed;
	struct in_addr refuse[2];
};

/**
 * struct conf_ip6 - IPv6 addressing, as struct conf_ip4
 * @addr_ll:	the host's link-local address on the template interface
 * @our_ll:	our link-local address on the tap link (gateway if it is
 *		link-local, else @addr_ll)
 */
struct conf_ip6 {
	bool enabled;
	struct in6_addr addr;
	int prefix_len;
	struct in6_addr addr_ll;
	struct in6_addr gw;
	struct in6_addr our_ll;
	struct in6_addr map_host_lo;
	struct in6_addr map_guest;
	struct in6_addr outbound;
	char outbound_if[IFNAMSIZ];
	char ifname[IFNAMSIZ];
	struct in6_addr dns[CONF_MAXNS];
	int dns_n;
	struct in6_addr dns_match;
	struct in6_addr dns_host;
	bool addr_fixed;
	bool gw_fixed;
	struct in6_addr refuse[2];
};

/**
 * struct conf_link - the guest-facing link
 * @mtu:	MTU set on the tap / advertised (0: don't advertise)
 * @our_mac:	our MAC address on the link (-M)
 * @ns_mac:	MAC of the tap inside the namespace (--ns-mac-addr)
 * @ns_mac_set:	@ns_mac was given
 * @ns_ifname:	tap name inside the namespace (-I)
 * @sock_path:	passt: UNIX socket path (-s)
 * @fd:		passt: inherited connected socket (-F), -1 for none
 * @one_off:	passt: exit when the client disconnects
 * @vhost_user:	passt: a vhost-user back-end, not the stream socket
 * @repair_path: passt --vhost-user: the TCP_REPAIR helper's socket for
 *		migration ("none": none; empty: the default)
 * @pcap:	-p: capture file path (NULL for none)
 */
struct conf_link {
	unsigned mtu;
	uint8_t our_mac[6];
	uint8_t ns_mac[6];
	bool ns_mac_set;
	char ns_ifname[IFNAMSIZ];
	char sock_path[108];
	int fd;
	bool one_off;
	bool vhost_user;
	char repair_path[108];
	const char *pcap;
};

/**
 * struct conf_svc - which translators and link services run (positive)
 */
struct conf_svc {
	bool tcp;
	bool udp;
	bool icmp;
	bool dhcp;
	bool dhcpv6;
	bool ndp;
	bool ra;
	bool dhcp_dns;		/* advertise resolvers over DHCP/RA/DHCPv6 */
	bool dhcp_search;	/* advertise the search list */
	char search[CONF_SEARCH_MAX][256];
	int search_n;
	char hostname[65];
	char fqdn[256];
	uint32_t lease_s;	/* DHCP lease, DHCPv6 lifetimes (seconds) */
};

enum conf_ns_target {
	NS_SPAWN,	/* new namespaces, run a command */
	NS_ATTACH_PID,	/* pasta PID */
	NS_ATTACH_PATH,	/* --netns PATH|NAME */
};

/**
 * struct conf_ns - pasta's namespace
 * @target:	spawn or attach
 * @pid:	NS_ATTACH_PID: target process
 * @netns:	NS_ATTACH_PATH: path of the netns file
 * @userns:	user namespace to join ("" for the target's / none)
 * @netns_only:	don't join or create a user namespace
 * @config_net:	configure addresses, routes, MTU in the namespace
 * @netns_quit:	exit when the namespace goes away (default)
 * @cmd:	NS_SPAWN: command and arguments (NULL: user's shell)
 * @splice:	loopback fast path between host and namespace
 * @host_lo_to_ns_lo: host loopback connections arrive on ns loopback
 * @splice_only: --splice-only: no tap; forwarded ports reach the
 *		namespace's loopback through the fast path, from any client
 * @v6_by_ra:	--config-net leaves IPv6 to router advertisements (SLAAC),
 *		as slirp4netns does: no address or route set, RA kept on
 */
struct conf_ns {
	enum conf_ns_target target;
	pid_t pid;
	char netns[PATH_MAX];
	char userns[PATH_MAX];
	bool netns_only;
	bool config_net;
	bool netns_quit;
	char **cmd;
	bool splice;
	bool host_lo_to_ns_lo;
	bool splice_only;
	bool v6_by_ra;
};

/**
 * struct conf_proc - process life
 * @foreground:	don't daemonize
 * @pidfile:	-P
 * @uid, @gid:	--runas, or where started as root, "nobody"
 * @runas:	switch to @uid/@gid
 * @busy_poll_us: --busy-poll, longest adaptive poll before sleeping
 * @no_sandbox:	--no-sandbox: debugging only (sandbox/sandbox.h)
 * @chroot_fallback: --chroot-fallback: chroot() where pivot_root() fails
 * @stats_s:	--stats: print the events by type this often (0: never)
 * @exit_fd:	slirp4netns -e: exit when it becomes readable or hangs up (-1)
 * @ready_fd:	slirp4netns -r: "1" is written there once ready (-1)
 * @follow:	follow the host's addresses, routes and resolvers while
 *		running (--no-follow-host: fixed at start-up)
 * @threads:	--threads: loops (threads, tap queues), 1 by default,
 *		CONF_THREADS_AUTO for one per usable CPU; pasta with a
 *		tap only, else always 1
 */
struct conf_proc {
	bool foreground;
	const char *pidfile;
	uid_t uid;
	gid_t gid;
	bool runas;
	unsigned busy_poll_us;
	bool no_sandbox;
	bool chroot_fallback;
	unsigned stats_s;
	int exit_fd;
	int ready_fd;
	bool follow;
	unsigned threads;
};

#define CONF_THREADS_MAX	64	/* as LOOPS_MAX */
#define CONF_THREADS_AUTO	UINT_MAX	/* --threads auto */

enum conf_fwd_kind {
	FWD_TCP_IN,	/* -t: host -> namespace/guest */
	FWD_UDP_IN,	/* -u */
	FWD_TCP_OUT,	/* -T: namespace -> host loopback */
	FWD_UDP_OUT,	/* -U */
	FWD_KIND_NUM_,
};

struct fwd_spec;	/* conf/fwd_spec.h */

/**
 * struct conf_fwd - port forwarding specs as given (parsed in issue 3)
 * @freebind:	--freebind: listeners may bind addresses not (yet) configured
 * @spec:	option arguments per kind, in order
 * @n:		count per kind
 * @api_path:	slirp4netns -a: API socket for add_hostfwd... ("" for none)
 * @ctl_path:	-c: control socket for pesto ("" for none)
 * @rule:	@spec parsed (allocated at start-up, never freed), same order;
 *		pasta without any option of a kind gets one "auto", passt
 *		one "none"; "all"/"auto"/exclusion-only specs already have the
 *		host's ephemeral port range removed. Specs of one kind never
 *		overlap (same port on the same address/interface).
 */
struct conf_fwd {
	bool freebind;
	const char *spec[FWD_KIND_NUM_][CONF_FWD_SPECS_MAX];
	int n[FWD_KIND_NUM_];
	struct fwd_spec *rule[FWD_KIND_NUM_][CONF_FWD_SPECS_MAX];
	char api_path[108];
	char ctl_path[108];
};

/**
 * struct conf_opts - what the command line said, kept for resolving
 * defaults after host discovery (not for use outside conf/)
 * @dns:	-D given (even "none"): don't advertise resolv.conf entries
 * @search:	-S given (even "none")
 * @no_map_gw:	--no-map-gw or --map-host-loopback none
 * @ip4, @ip6, @svc: as the command line left them, before anything was
 *		read from the host: what conf_refresh() starts from again
 */
struct conf_opts {
	bool dns;
	bool search;
	bool no_map_gw;
	struct conf_ip4 ip4;
	struct conf_ip6 ip6;
	struct conf_svc svc;
};

/**
 * struct conf - everything, split by concern; read-only after conf_parse()
 */
struct conf {
	enum conf_mode mode;
	enum conf_persona persona;
	struct log_conf log;
	struct conf_proc proc;
	struct conf_ip4 ip4;
	struct conf_ip6 ip6;
	struct conf_link link;
	struct conf_svc svc;
	struct conf_ns ns;
	struct conf_fwd fwd;
	struct conf_opts opts;
};

/*
 * conf_parse() - parse argv for the personality (argv[0] basename "passt"
 * selects MODE_PASST, anything else pasta), discover host addresses and
 * routes, resolve every default. Exits with a one-line message and status 1
 * on bad input; exits 0 after --help / --version.
 */
void conf_parse(struct conf *c, int argc, char **argv);
/*
 * conf_parse_cli() and conf_resolve() - conf_parse() in two steps, so that
 * the log file is open before what host discovery says (a log file takes
 * everything, as pasta's does): the command line alone, then the rest
 */
void conf_parse_cli(struct conf *c, int argc, char **argv);
void conf_resolve(struct conf *c);
/*
 * conf_refresh() - read the host again while running (following it):
 * @c's addressing, resolvers and services are resolved anew from what the
 * command line said, through @nl (a netlink handle in the host's
 * namespace) and the resolv.conf contents @resolv (@len bytes; NULL: keep
 * the resolvers of now). Never exits; a -d line names each change.
 * Return: CONF_CHG_* bits of what changed, 0 if nothing did
 */
struct nl_handle;
#define CONF_CHG_IP4	(1U << 0)	/* address, prefix, gateway, on/off */
#define CONF_CHG_IP6	(1U << 1)
#define CONF_CHG_DNS	(1U << 2)	/* resolvers, search list */
#define CONF_CHG_IF	(1U << 3)	/* template interface */
/* conf_cpus_usable() - CPUs this process may run on, at least 1 */
unsigned conf_cpus_usable(void);
unsigned conf_refresh(struct conf *c, struct nl_handle *nl,
		      const char *resolv, size_t len);

/* conf_persona() - the personality argv[0] names (see conf_parse()) */
enum conf_persona conf_persona(const char *argv0);
/* conf_version_str() - the version --version prints */
const char *conf_version_str(void);
/* conf_print() - log the resolved configuration at info level */
void conf_print(const struct conf *c);

/* conf_ip4_bcast() - the directed broadcast address of @ip4's subnet, or
 * 255.255.255.255 where the prefix has none (/0, /31, /32) */
static inline struct in_addr conf_ip4_bcast(const struct conf_ip4 *ip4)
{
	struct in_addr b = { INADDR_BROADCAST };

	if (ip4->prefix_len > 0 && ip4->prefix_len < 31)
		b.s_addr = ip4->addr.s_addr |
			   htonl(0xffffffffU >> ip4->prefix_len);
	return b;
}

#endif /* TETHER_CONF_H */
