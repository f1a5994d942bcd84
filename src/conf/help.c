// SPDX-License-Identifier: MIT
/* help.c - usage and version text for both personalities */
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf_int.h"

#ifndef TETHER_VERSION
#define TETHER_VERSION "unknown"
#endif

const char *conf_version_str(void)
{
	return TETHER_VERSION;
}

static const char usage_common[] =
"  -d, --debug              Be verbose\n"
"      --trace              Be extra verbose (per packet), implies --debug\n"
"  -q, --quiet              Only print warnings and errors\n"
"  -f, --foreground         Don't run in background\n"
"  -e, --stderr             Accepted for compatibility, no effect\n"
"  -l, --log-file PATH      Log to the given file (no syslog)\n"
"      --log-size SIZE      Cap for the log file, bytes, k/M/G suffixes\n"
"                           default: 1M\n"
"      --runas UID|UID:GID|LOGIN|LOGIN:GROUP\n"
"                           Run as the given user and group\n"
"                           default: nobody, if started as root\n"
"      --no-sandbox         Debugging only: run without the sandbox (no\n"
"                           namespaces, capabilities, Landlock, seccomp)\n"
"      --chroot-fallback    Where pivot_root fails (an initramfs root),\n"
"                           confine the filesystem with chroot instead\n"
"  -P, --pid FILE           Write our own PID to FILE\n"
"  -p, --pcap FILE          Capture guest-side frames to a pcap file\n"
"      --stats DELAY        Every DELAY seconds, if anything happened, a\n"
"                           table of the events handled, by type\n"
"      --busy-poll USEC     Poll up to USEC microseconds for the next\n"
"                           event before sleeping, adapting to traffic\n"
"                           (cheaper than a wake-up); 0: never poll\n"
"                           default: 200, 0 with a single usable CPU\n"
"      --threads N|auto     Loops, each a thread with a queue of the tap\n"
"                           of its own (pasta; passt and a --splice-only\n"
"                           pasta always have one), 1 to 64\n"
"                           auto: one per usable CPU; default: 1, or\n"
"                           TETHER_THREADS from the environment\n"
"  -m, --mtu MTU            MTU to advertise (and set with --config-net)\n"
"                           0..65521, 0: don't advertise, default: 65520\n"
"  -a, --address ADDR[/PLEN]\n"
"                           IPv4 or IPv6 address for the guest, once per\n"
"                           family; default: the template interface's\n"
"  -n, --netmask MASK|PLEN  IPv4 netmask, dotted or as a prefix length\n"
"  -M, --mac-addr MAC       Our MAC address on the guest link\n"
"                           default: 9a:55:9a:55:9a:55\n"
"  -g, --gateway ADDR       IPv4 or IPv6 gateway for the guest, once per\n"
"                           family; default: the host's default gateway\n"
"  -i, --interface NAME     Template interface for addresses and routes\n"
"                           default: --outbound-if4/6, else the interface\n"
"                           of the first default route\n"
"  -o, --outbound ADDR      Source address for host sockets (per family)\n"
"      --outbound-if4 NAME  Bind IPv4 host sockets to interface NAME\n"
"      --outbound-if6 NAME  Bind IPv6 host sockets to interface NAME\n"
"  -D, --dns ADDR|none      Resolver to advertise, repeatable; 'none'\n"
"                           advertises none; default: from resolv.conf\n"
"  -S, --search LIST|none   Search domains (space or comma separated)\n"
"                           default: from resolv.conf\n"
"  -H, --hostname NAME      Host name for DHCP (and the spawned namespace)\n"
"      --fqdn NAME          FQDN for DHCP option 81 / DHCPv6 option 39\n"
"      --dhcp-dns           Advertise resolvers via DHCP/DHCPv6/RA\n"
"      --no-dhcp-dns        Don't advertise resolvers\n"
"      --dhcp-search        Advertise the search list via DHCP/DHCPv6/RA\n"
"      --no-dhcp-search     Don't advertise the search list\n"
"                           default: advertise in passt, not in pasta\n"
"      --dns-forward ADDR   Guest DNS traffic to ADDR goes to --dns-host\n"
"      --dns-host ADDR      Host resolver for --dns-forward\n"
"                           default: first resolver in resolv.conf\n"
"      --map-host-loopback ADDR|none\n"
"                           Guest address mapped to the host's loopback\n"
"                           default: the gateway\n"
"      --map-guest-addr ADDR|none\n"
"                           Guest address mapped to the host's own address\n"
"      --no-map-gw          Same as --map-host-loopback none\n"
"      --no-follow-host     Keep the addresses, routes and resolvers read\n"
"                           at start-up (what options set is never changed)\n"
"                           default: follow the host's changes, within a\n"
"                           second (DHCP guests: at their next renewal)\n"
"      --follow-host        Follow them (the default)\n"
"      --no-tcp             Disable TCP\n"
"      --no-udp             Disable UDP\n"
"      --no-icmp            Disable ICMP/ICMPv6 echo (implies --no-ndp)\n"
"      --no-dhcp            Disable the DHCP server\n"
"      --no-dhcpv6          Disable the DHCPv6 server\n"
"      --no-ndp             Disable NDP responses (and router adverts)\n"
"      --no-ra              Disable router advertisements\n"
"  -4, --ipv4-only          IPv4 only\n"
"  -6, --ipv6-only          IPv6 only\n";

static const char usage_spec[] =
"                           SPEC: none,%s all[:TADDR], or a comma list of\n"
"                           PORT[-LAST][:[TADDR/]TO[-TOLAST]] and\n"
"                           ~PORT[-LAST] (excluded), optionally after\n"
"                           ADDR/, ADDR%%IF/ or %%IF/ (listen there); TADDR\n"
"                           sends to that address on the other side, not\n"
"                           the guest's own; e.g. 8080:80, ::1/5000-5010,\n"
"                           all,~22, 0.0.0.0/8080:10.0.0.2/80; repeatable\n"
"      --freebind           Let ADDR/ listeners bind addresses the host\n"
"                           doesn't have (yet)\n"
"  -c, --conf-path PATH     Control socket (owner-only) through which pesto\n"
"                           adds, removes and shows forwarding rules, and\n"
"                           lists flows and counters, while running\n";

static const char usage_passt[] =
"  -t, --tcp-ports SPEC     TCP ports to forward to the guest\n"
"  -u, --udp-ports SPEC     UDP ports to forward to the guest\n"
"                           default: none\n"
"%s"
"  -s, --socket, --socket-path PATH\n"
"                           UNIX socket to listen on for QEMU\n"
"  -F, --fd FD              Use FD, an already connected socket (implies -1)\n"
"  -1, --one-off            Quit when the client disconnects\n"
"      --vhost-user         Serve QEMU as a vhost-user back-end on the socket\n"
"                           (-netdev vhost-user, shared guest memory)\n"
"      --print-capabilities Print vhost-user capabilities (JSON) and exit\n"
"      --repair-path PATH   TCP_REPAIR helper for migration, or none:\n"
"                           accepted, migration isn't supported yet\n";

static const char usage_pasta[] =
"  -t, --tcp-ports SPEC     TCP ports to forward to the namespace\n"
"  -u, --udp-ports SPEC     UDP ports to forward to the namespace\n"
"  -T, --tcp-ns SPEC        TCP ports to forward from the namespace's\n"
"                           loopback to the host's\n"
"  -U, --udp-ns SPEC        UDP ports, the same way\n"
"                           default: auto (ports bound on the other side)\n"
"%s"
"  -I, --ns-ifname NAME     Tap interface name in the namespace\n"
"                           default: the template interface's name, or tap0\n"
"      --ns-mac-addr MAC    MAC address of the tap in the namespace\n"
"      --userns PATH        User namespace to join (with PID or --netns)\n"
"      --netns PATH|NAME    Network namespace to join (NAME: /run/netns/)\n"
"      --netns-only         Don't join or create a user namespace\n"
"      --no-netns-quit      Don't quit when the namespace goes away\n"
"      --config-net         Configure the tap: addresses, routes, MTU\n"
"      --no-copy-routes     With --config-net: only a default route\n"
"      --no-copy-addrs      With --config-net: only one address\n"
"      --no-splice          No loopback fast path between namespaces\n"
"      --host-lo-to-ns-lo   Host loopback connections arrive from the\n"
"                           namespace's loopback\n"
"      --splice-only        No tap: forwarded ports reach the namespace's\n"
"                           loopback through the fast path, whatever\n"
"                           the client\n";

/**
 * conf_name() - the personality's name, for messages
 * @c:		configuration (only @mode is used)
 *
 * Return: "pasta" or "passt"
 */
const char *conf_name(const struct conf *c)
{
	if (c->persona == PERSONA_SLIRP)
		return "slirp4netns";
	return c->mode == MODE_PASST ? "passt" : "pasta";
}

/* slirp4netns's options, as its clients look for them in --help (Podman
 * and RootlessKit match substrings such as "--enable-sandbox") */
static const char usage_slirp[] =
"Usage: slirp4netns [OPTION]... PID|PATH [TAPNAME]\n"
"User-mode networking for unprivileged network namespaces (tether: host\n"
"sockets, no user-space TCP/IP stack).\n\n"
"-c, --configure          bring up the interface\n"
"-e, --exit-fd=FD         specify the FD for terminating slirp4netns\n"
"-r, --ready-fd=FD        specify the FD to write to when the network is "
"configured\n"
"-m, --mtu=MTU            specify MTU (default=1500, max=65521)\n"
"-6, --enable-ipv6        enable IPv6\n"
"-a, --api-socket=PATH    specify API socket path\n"
"--cidr=CIDR              specify network address CIDR "
"(default=10.0.2.0/24)\n"
"--disable-host-loopback  prohibit connecting to 127.0.0.1:* on the host "
"namespace\n"
"--netns-type=TYPE        specify network namespace type ([path|pid], "
"default=pid)\n"
"--userns-path=PATH       specify user namespace path\n"
"--enable-sandbox         accepted: tether always runs in its own sandbox\n"
"--enable-seccomp         accepted: tether always runs in its own sandbox\n"
"--outbound-addr=IPv4     sets outbound ipv4 address (or interface) to "
"bind to\n"
"--outbound-addr6=IPv6    sets outbound ipv6 address (or interface) to "
"bind to\n"
"--disable-dns            disables 10.0.2.3 (or configured internal ip) "
"to host dns redirect\n"
"--macaddress=MAC         specify the MAC address of the TAP (only valid "
"with -c)\n"
"--target-type=TYPE       specify the target type (only netns)\n"
"--debug                  tether: log flows and decisions\n"
"--pcap=FILE              tether: capture the tap's frames to FILE\n"
"-h, --help               show this help and exit\n"
"-v, --version            show version and exit\n";

/**
 * conf_usage() - full usage for the personality of @c
 * @c:		configuration (only @mode is used)
 * @f:		stream: stdout for --help, stderr after an error
 */
void conf_usage(const struct conf *c, FILE *f)
{
	const char *name = conf_name(c);
	char spec[1024];

	if (c->persona == PERSONA_SLIRP) {
		fputs(usage_slirp, f);
		return;
	}
	if (c->mode == MODE_PASST) {
		fprintf(f, "Usage: %s [OPTION]...\n\n"
			"Connect QEMU (-netdev stream) over a UNIX socket to "
			"the host's network,\nwithout NAT.\n\n", name);
	} else {
		fprintf(f, "Usage: %s [OPTION]... [COMMAND [ARG]...]\n"
			"       %s [OPTION]... PID\n"
			"       %s [OPTION]... --netns PATH|NAME\n\n"
			"Connect a network namespace to the host's network "
			"through a tap device,\nwithout NAT. Without PID or "
			"--netns, run COMMAND (default: $SHELL)\nin new user "
			"and network namespaces.\n\n", name, name, name);
	}
	fputs(usage_common, f);
	snprintf(spec, sizeof(spec), usage_spec,
		 c->mode == MODE_PASTA ? " auto," : "");
	fprintf(f, c->mode == MODE_PASST ? usage_passt : usage_pasta, spec);
	fputs("  -h, --help               Show this help and exit\n"
	      "      --version            Show the version and exit\n", f);
}

/**
 * conf_version() - print "<name> <version>" and a second line to stdout
 * @c:		configuration (only @mode is used)
 */
void conf_version(const struct conf *c)
{
	if (c->persona == PERSONA_SLIRP) {	/* slirp4netns's shape */
		printf("slirp4netns version 1.2.0+tether\n"
		       "commit: tether %s\n"
		       "libslirp: none (tether translates to host sockets)\n",
		       TETHER_VERSION);
		return;
	}
	printf("%s %s\n", conf_name(c), TETHER_VERSION);
	printf("tether: rootless user-mode networking, MIT license\n");
}
