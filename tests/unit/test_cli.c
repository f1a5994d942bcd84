// SPDX-License-Identifier: MIT
/* test_cli.c - unit tests for option parsing and configuration defaults */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "clitest.h"

static void test_personality(void **state)
{
	(void)state;
	parse(ARGV("passt"));
	assert_int_equal(c.mode, MODE_PASST);
	parse(ARGV("/usr/bin/passt"));
	assert_int_equal(c.mode, MODE_PASST);
	parse(ARGV("passt.avx2"));
	assert_int_equal(c.mode, MODE_PASST);
	parse(ARGV("/usr/bin/pasta"));
	assert_int_equal(c.mode, MODE_PASTA);
	parse(ARGV("tether"));
	assert_int_equal(c.mode, MODE_PASTA);
	parse(ARGV("passt-pasta"));
	assert_int_equal(c.mode, MODE_PASTA);
	parse(ARGV("/opt/passt/bin/tether"));
	assert_int_equal(c.mode, MODE_PASTA);
}

static void test_defaults_pasta(void **state)
{
	enum conf_fwd_kind k;

	(void)state;
	parse(ARGV("pasta"));
	assert_string_equal(c.log.ident, "pasta");
	assert_int_equal(c.log.level, LOG_LVL_INFO);
	assert_true(c.log.to_stderr);
	assert_true(c.proc.foreground);
	assert_false(c.proc.runas);
	assert_int_equal(c.link.mtu, 65520);
	assert_memory_equal(c.link.our_mac, "\x9a\x55\x9a\x55\x9a\x55", 6);
	assert_int_equal(c.link.fd, -1);
	assert_true(c.ip4.enabled && c.ip6.enabled);
	assert_true(c.svc.tcp && c.svc.udp && c.svc.icmp && c.svc.dhcp &&
		    c.svc.dhcpv6 && c.svc.ndp && c.svc.ra);
	assert_false(c.svc.dhcp_dns);
	assert_false(c.svc.dhcp_search);
	assert_int_equal(c.ns.target, NS_SPAWN);
	assert_null(c.ns.cmd);
	assert_true(c.ns.netns_quit);
	assert_true(c.ns.splice);
	assert_false(c.ns.config_net);
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		assert_int_equal(c.fwd.n[k], 1);
		assert_string_equal(c.fwd.spec[k][0], "auto");
		assert_int_equal(c.fwd.rule[k][0]->mode, FWD_MODE_AUTO);
	}
}

static void test_defaults_passt(void **state)
{
	(void)state;
	parse(ARGV("passt"));
	assert_string_equal(c.log.ident, "passt");
	assert_false(c.proc.foreground);
	assert_true(c.log.to_syslog);
	assert_true(c.svc.dhcp_dns);
	assert_true(c.svc.dhcp_search);
	assert_int_equal(c.fwd.n[FWD_TCP_IN], 1);
	assert_int_equal(c.fwd.rule[FWD_TCP_IN][0]->mode, FWD_MODE_NONE);
	assert_int_equal(c.fwd.rule[FWD_UDP_IN][0]->mode, FWD_MODE_NONE);
	assert_int_equal(c.fwd.n[FWD_TCP_OUT], 0);
	assert_int_equal(c.fwd.n[FWD_UDP_OUT], 0);

	parse(ARGV("passt", "-f", "-l", "/tmp/x.log", "--log-size", "2M"));
	assert_true(c.proc.foreground);
	assert_false(c.log.to_syslog);
	assert_string_equal(c.log.file, "/tmp/x.log");
	assert_int_equal(c.log.file_size, 2 << 20);

	parse(ARGV("passt", "-l", "/tmp/x.log"));
	assert_false(c.log.to_syslog);
	assert_false(c.log.to_stderr);
}

static void test_log_levels(void **state)
{
	(void)state;
	parse(ARGV("pasta", "-d"));
	assert_int_equal(c.log.level, LOG_LVL_DEBUG);
	parse(ARGV("pasta", "--trace"));
	assert_int_equal(c.log.level, LOG_LVL_TRACE);
	parse(ARGV("pasta", "--quiet"));
	assert_int_equal(c.log.level, LOG_LVL_WARN);
	parse(ARGV("pasta", "-q", "--debug"));
	assert_int_equal(c.log.level, LOG_LVL_DEBUG);
	parse(ARGV("pasta", "-e", "--stats", "5"));
	assert_int_equal(c.log.level, LOG_LVL_INFO);
}

static void test_addressing(void **state)
{
	(void)state;
	parse(ARGV("pasta", "-a", "10.0.2.0", "-n", "24", "-g", "10.0.2.2",
		   "-a", "2001:db8::5/56", "-g", "fe80::1", "-m", "1500",
		   "-M", "02:00:00:00:00:01", "-i", "eth1", "-o", "192.0.2.9",
		   "-o", "2001:db8::9", "--outbound-if4", "eth2",
		   "--outbound-if6", "eth3"));
	assert_string_equal(ntop4(c.ip4.addr), "10.0.2.0");
	assert_int_equal(c.ip4.prefix_len, 24);
	assert_true(c.ip4.addr_fixed);
	assert_string_equal(ntop4(c.ip4.gw), "10.0.2.2");
	assert_true(c.ip4.gw_fixed);
	assert_string_equal(ntop6(&c.ip6.addr), "2001:db8::5");
	assert_int_equal(c.ip6.prefix_len, 56);
	assert_true(c.ip6.addr_fixed);
	assert_string_equal(ntop6(&c.ip6.gw), "fe80::1");
	assert_int_equal(c.link.mtu, 1500);
	assert_memory_equal(c.link.our_mac, "\x02\0\0\0\0\x01", 6);
	assert_string_equal(c.ip4.ifname, "eth1");
	assert_string_equal(c.ip6.ifname, "eth1");
	assert_string_equal(ntop4(c.ip4.outbound), "192.0.2.9");
	assert_string_equal(ntop6(&c.ip6.outbound), "2001:db8::9");
	assert_string_equal(c.ip4.outbound_if, "eth2");
	assert_string_equal(c.ip6.outbound_if, "eth3");

	parse(ARGV("pasta", "-n", "255.255.240.0", "-m", "0"));
	assert_int_equal(c.ip4.prefix_len, 20);
	assert_int_equal(c.link.mtu, 0);
	assert_false(c.ip4.addr_fixed);

	parse(ARGV("pasta", "-a", "192.0.2.7/28", "-m", "65521"));
	assert_int_equal(c.ip4.prefix_len, 28);
	assert_int_equal(c.link.mtu, 65521);

	parse(ARGV("pasta", "-4"));
	assert_true(c.ip4.enabled);
	assert_false(c.ip6.enabled);
	parse(ARGV("pasta", "--ipv6-only"));
	assert_false(c.ip4.enabled);
	assert_true(c.ip6.enabled);
}

static void test_services(void **state)
{
	(void)state;
	parse(ARGV("pasta", "-D", "192.0.2.53", "-D", "2001:db8::53",
		   "-D", "127.0.0.53", "-S", "a.example b.example",
		   "-S", "c.example,d.example", "-H", "box",
		   "--fqdn", "box.example", "--dhcp-dns", "--dhcp-search",
		   "--dns-forward", "169.254.1.1", "--dns-host", "127.0.0.53",
		   "--map-host-loopback", "169.254.1.3",
		   "--map-guest-addr", "169.254.1.2",
		   "--map-guest-addr", "fd00::2"));
	assert_true(c.opts.dns);
	assert_int_equal(c.ip4.dns_n, 2);
	assert_string_equal(ntop4(c.ip4.dns[1]), "127.0.0.53");
	assert_int_equal(c.ip6.dns_n, 1);
	assert_true(c.opts.search);
	assert_int_equal(c.svc.search_n, 4);
	assert_string_equal(c.svc.search[3], "d.example");
	assert_string_equal(c.svc.hostname, "box");
	assert_string_equal(c.svc.fqdn, "box.example");
	assert_true(c.svc.dhcp_dns && c.svc.dhcp_search);
	assert_string_equal(ntop4(c.ip4.dns_match), "169.254.1.1");
	assert_string_equal(ntop4(c.ip4.dns_host), "127.0.0.53");
	assert_string_equal(ntop4(c.ip4.map_host_lo), "169.254.1.3");
	assert_string_equal(ntop4(c.ip4.map_guest), "169.254.1.2");
	assert_string_equal(ntop6(&c.ip6.map_guest), "fd00::2");
	assert_false(c.opts.no_map_gw);

	parse(ARGV("passt", "-D", "1.1.1.1", "-D", "none", "-S", "none",
		   "--no-dhcp-dns", "--no-dhcp-search", "--no-map-gw"));
	assert_true(c.opts.dns);
	assert_int_equal(c.ip4.dns_n, 0);
	assert_true(c.opts.search);
	assert_int_equal(c.svc.search_n, 0);
	assert_false(c.svc.dhcp_dns || c.svc.dhcp_search);
	assert_true(c.opts.no_map_gw);

	parse(ARGV("pasta", "--map-host-loopback", "none"));
	assert_true(c.opts.no_map_gw);

	parse(ARGV("pasta", "--no-tcp", "--no-udp", "--no-dhcp", "--no-dhcpv6",
		   "--no-ra"));
	assert_false(c.svc.tcp || c.svc.udp || c.svc.dhcp || c.svc.dhcpv6 ||
		     c.svc.ra);
	assert_true(c.svc.icmp && c.svc.ndp);
	parse(ARGV("pasta", "--no-icmp"));
	assert_false(c.svc.icmp || c.svc.ndp);
	parse(ARGV("pasta", "--no-ndp"));
	assert_true(c.svc.icmp);
	assert_false(c.svc.ndp);
}

static void test_pasta_ns(void **state)
{
	(void)state;
	parse(ARGV("pasta", "1234"));
	assert_int_equal(c.ns.target, NS_ATTACH_PID);
	assert_int_equal(c.ns.pid, 1234);
	assert_false(c.proc.foreground);
	assert_true(c.log.to_syslog);

	parse(ARGV("pasta", "-f", "1234"));
	assert_true(c.proc.foreground);

	parse(ARGV("pasta", "--config-net", "--", "ip", "-br", "a"));
	assert_int_equal(c.ns.target, NS_SPAWN);
	assert_non_null(c.ns.cmd);
	assert_string_equal(c.ns.cmd[0], "ip");
	assert_string_equal(c.ns.cmd[2], "a");
	assert_null(c.ns.cmd[3]);
	assert_true(c.ns.config_net);
	assert_true(c.proc.foreground);

	/* The first non-option ends parsing: -d belongs to the command */
	parse(ARGV("pasta", "sh", "-d"));
	assert_string_equal(c.ns.cmd[1], "-d");
	assert_int_equal(c.log.level, LOG_LVL_INFO);

	parse(ARGV("pasta", "12", "34"));
	assert_int_equal(c.ns.target, NS_SPAWN);
	assert_string_equal(c.ns.cmd[0], "12");

	parse(ARGV("pasta", "--netns", "foo", "--userns", "/proc/1/ns/user"));
	assert_int_equal(c.ns.target, NS_ATTACH_PATH);
	assert_string_equal(c.ns.netns, "/run/netns/foo");
	assert_string_equal(c.ns.userns, "/proc/1/ns/user");
	assert_false(c.proc.foreground);

	parse(ARGV("pasta", "--netns", "/run/user/1000/netns/x", "--netns-only",
		   "--no-netns-quit", "--no-splice", "--host-lo-to-ns-lo",
		   "-I", "tap9", "--ns-mac-addr", "02:aa:bb:cc:dd:ee",
		   "--no-copy-routes", "--no-copy-addrs"));
	assert_string_equal(c.ns.netns, "/run/user/1000/netns/x");
	assert_true(c.ns.netns_only);
	assert_false(c.ns.netns_quit);
	assert_false(c.ns.splice);
	assert_true(c.ns.host_lo_to_ns_lo);
	assert_string_equal(c.link.ns_ifname, "tap9");
	assert_true(c.link.ns_mac_set);
	assert_memory_equal(c.link.ns_mac, "\x02\xaa\xbb\xcc\xdd\xee", 6);
	assert_true(c.ip4.gw_fixed && c.ip6.gw_fixed);
	assert_true(c.ip4.addr_fixed && c.ip6.addr_fixed);

	/* --splice-only: no tap, so nothing for --config-net to configure;
	 * the fast path is all it has */
	parse(ARGV("pasta", "--splice-only", "--config-net", "-t", "80"));
	assert_true(c.ns.splice_only);
	assert_false(c.ns.config_net);
	fails(ARGV("pasta", "--splice-only", "--no-splice"), "conflict");
}

static void test_passt_opts(void **state)
{
	(void)state;
	/* libvirt 9.0 */
	parse(ARGV("passt", "--one-off", "--socket", "/run/x/net0.socket",
		   "--mac-addr", "52:54:00:12:34:56", "--mtu", "9000",
		   "--interface", "eth0", "--log-file", "/tmp/p.log",
		   "--address", "192.0.2.10", "--netmask", "24",
		   "--tcp-ports", "2022:22", "--udp-ports", "all",
		   "--tcp-ports", "2001:db8::1%eth0/8080,4433:3444",
		   "--pid", "/run/x/p.pid", "-p", "/tmp/x.pcap"));
	assert_true(c.link.one_off);
	assert_string_equal(c.link.sock_path, "/run/x/net0.socket");
	assert_int_equal(c.link.mtu, 9000);
	assert_int_equal(c.fwd.n[FWD_TCP_IN], 2);
	assert_int_equal(fwd_spec_target(c.fwd.rule[FWD_TCP_IN][0], 2022), 22);
	assert_int_equal(c.fwd.rule[FWD_UDP_IN][0]->mode, FWD_MODE_ALL);
	assert_string_equal(c.proc.pidfile, "/run/x/p.pid");
	assert_string_equal(c.link.pcap, "/tmp/x.pcap");

	parse(ARGV("passt", "--socket-path", "/tmp/s"));
	assert_string_equal(c.link.sock_path, "/tmp/s");
	parse(ARGV("passt", "-F", "2"));
	assert_int_equal(c.link.fd, 2);
	assert_true(c.link.one_off);
	assert_false(c.fwd.freebind);

	/* QEMU 10.1 -netdev passt,freebind=on; vhost-user launchers */
	parse(ARGV("passt", "--freebind", "--repair-path", "none",
		   "--search", "a.example b.example", "--fd", "2"));
	assert_true(c.fwd.freebind);
	assert_int_equal(c.link.fd, 2);
	fails(ARGV("pasta", "--repair-path", "none"),
	      "--repair-path is only available in passt");

	/* libvirt, Cuttlefish, QEMU 10.1 vhost-user=on */
	parse(ARGV("passt", "--vhost-user", "--one-off", "--socket", "/tmp/v",
		   "--repair-path", "/tmp/v.repair"));
	assert_true(c.link.vhost_user);
	assert_true(c.link.one_off);
	assert_string_equal(c.link.repair_path, "/tmp/v.repair");
	parse(ARGV("passt", "-s", "/tmp/v"));
	assert_false(c.link.vhost_user);
	fails(ARGV("passt", "--repair-path", ""), "invalid --repair-path");
	fails(ARGV("pasta", "--vhost-user"), "only available in passt");
}

/* Podman >= 5.3, as clients.md shows it */
static void test_podman(void **state)
{
	(void)state;
	parse(ARGV("pasta", "--config-net", "-t", "8080-8080:80-80",
		   "--dns-forward", "169.254.1.1", "-u", "none", "-T", "none",
		   "-U", "none", "--no-map-gw", "--quiet", "--netns",
		   "/run/user/1000/netns/netns-1", "--map-guest-addr",
		   "169.254.1.2"));
	assert_int_equal(c.ns.target, NS_ATTACH_PATH);
	assert_int_equal(c.log.level, LOG_LVL_WARN);
	assert_int_equal(c.fwd.n[FWD_TCP_IN], 1);
	assert_int_equal(c.fwd.rule[FWD_TCP_IN][0]->mode, FWD_MODE_LIST);
	assert_int_equal(fwd_spec_target(c.fwd.rule[FWD_TCP_IN][0], 8080), 80);
	assert_int_equal(c.fwd.rule[FWD_UDP_IN][0]->mode, FWD_MODE_NONE);
	assert_int_equal(c.fwd.rule[FWD_TCP_OUT][0]->mode, FWD_MODE_NONE);
	assert_true(c.opts.no_map_gw);
	assert_false(c.proc.foreground);

	/* Podman's slirp4netns-like addressing example */
	parse(ARGV("pasta", "--ipv4-only", "-a", "10.0.2.0", "-n", "24", "-g",
		   "10.0.2.2", "--dns-forward", "10.0.2.3", "-m", "1500",
		   "--no-ndp", "--no-dhcpv6", "--no-dhcp", "-T", "5201"));
	assert_false(c.ip6.enabled);
	assert_int_equal(c.fwd.n[FWD_TCP_OUT], 1);
	assert_int_equal(c.fwd.rule[FWD_TCP_OUT][0]->mode, FWD_MODE_LIST);
	/* Other kinds keep their default */
	assert_int_equal(c.fwd.rule[FWD_TCP_IN][0]->mode, FWD_MODE_AUTO);

	/* Host IP, IPv6 unbracketed */
	parse(ARGV("pasta", "-t", "::1/8080-8080:80-80", "-t",
		   "127.0.0.1/8080-8080:80-80", "-u", "%lo/53"));
	assert_int_equal(c.fwd.n[FWD_TCP_IN], 2);
}

static void test_errors(void **state)
{
	(void)state;
	fails(ARGV("pasta", "-m", "70000"),
	      "pasta: invalid MTU '70000': must be 0..65521");
	fails(ARGV("pasta", "-m", "-1"), "invalid MTU");
	fails(ARGV("pasta", "-m", "15x"), "invalid MTU");
	fails(ARGV("pasta", "--foo"), "unrecognized option '--foo'");
	fails(ARGV("pasta", "--map-guest-addrx", "1.2.3.4"),
	      "unrecognized option");
	fails(ARGV("pasta", "-m"), "requires an argument");
	fails(ARGV("pasta", "-Z"), "invalid option");
	fails(ARGV("pasta", "-4", "-6"), "conflict");
	fails(ARGV("pasta", "-4", "-a", "2001:db8::1"), "--ipv4-only");
	fails(ARGV("pasta", "-6", "-g", "192.0.2.1"), "--ipv6-only");
	fails(ARGV("pasta", "-a", "300.1.1.1"), "invalid address '300.1.1.1'");
	fails(ARGV("pasta", "-a", "127.0.0.1"), "invalid address");
	fails(ARGV("pasta", "-a", "0.0.0.0"), "invalid address");
	fails(ARGV("pasta", "-a", "224.0.0.1"), "invalid address");
	fails(ARGV("pasta", "-a", "fe80::1"), "invalid address");
	fails(ARGV("pasta", "-a", "10.0.0.1/33"), "invalid address");
	fails(ARGV("pasta", "-a", "10.0.0.1/0"), "invalid address");
	fails(ARGV("pasta", "-n", "255.0.255.0"), "invalid netmask");
	fails(ARGV("pasta", "-n", "0"), "invalid netmask");
	fails(ARGV("pasta", "-n", "33"), "invalid netmask");
	fails(ARGV("pasta", "-M", "01:00:00:00:00:01"), "invalid MAC");
	fails(ARGV("pasta", "-M", "02:00:00:00:00"), "invalid MAC");
	fails(ARGV("pasta", "-M", "02:00:00:00:00:01:"), "invalid MAC");
	fails(ARGV("pasta", "-g", "::"), "invalid address '::' for -g");
	fails(ARGV("pasta", "-i", "averyveryverylongname"),
	      "invalid interface name");
	fails(ARGV("pasta", "-i", ""), "invalid interface name");
	fails(ARGV("pasta", "-D", "x"), "invalid address 'x' for -D");
	fails(ARGV("pasta", "-D", "1.1.1.1", "-D", "1.1.1.2", "-D", "1.1.1.3",
		   "-D", "1.1.1.4"), "too many IPv4 resolvers");
	fails(ARGV("pasta", "-S", "a b c d e f g"), "too many search");
	fails(ARGV("pasta", "--dns-forward", "127.0.0.1"), "not loopback");
	fails(ARGV("pasta", "--map-guest-addr", "nope"), "invalid address");
	fails(ARGV("pasta", "--log-size", "12q"), "invalid log size");
	fails(ARGV("pasta", "--runas", "no-such-user-here"), "invalid --runas");
	fails(ARGV("pasta", "--runas", "0:no-such-group-here"),
	      "invalid --runas");
	fails(ARGV("pasta", "--stats", "x"), "invalid --stats");
	fails(ARGV("pasta", "-H", ""), "invalid host name");

	/* Forwarding */
	fails(ARGV("pasta", "-t", "80", "-t", "none"),
	      "pasta: invalid -t spec 'none': port forwarding mode 'none' "
	      "conflicts");
	fails(ARGV("pasta", "-u", "none", "-u", "53"), "conflicts");
	fails(ARGV("pasta", "-t", "80-90", "-t", "85"),
	      "invalid -t spec '85': port 85 is already forwarded by -t "
	      "'80-90'");
	fails(ARGV("pasta", "-T", "0"), "invalid -T spec '0'");
	fails(ARGV("pasta", "-U", "1-2:3-5"), "invalid -U spec '1-2:3-5'");
	fails(ARGV("passt", "-t", "auto"), "only available in pasta");
	fails(ARGV("pasta", "-6", "-t", "127.0.0.1/80"), "family is disabled");

	/* Personality-specific */
	fails(ARGV("passt", "-T", "80"), "passt: -T is only available in "
	      "pasta mode");
	fails(ARGV("passt", "--netns", "x"), "--netns is only available");
	fails(ARGV("pasta", "-s", "/tmp/x"), "-s is only available in passt");
	fails(ARGV("pasta", "--one-off"), "-1 is only available in passt");
	fails(ARGV("passt", "-F", "999"), "invalid -F '999'");
	fails(ARGV("passt", "-F", "2", "-s", "/tmp/x"), "conflict");
	fails(ARGV("passt", "extra"), "unexpected argument 'extra'");
	fails(ARGV("pasta", "--netns", "x", "1234"), "can't be given together");
	fails(ARGV("pasta", "--netns", "x", "sh"), "can't be given with");
	fails(ARGV("pasta", "--userns", "/x"), "--userns needs");
	fails(ARGV("pasta", "--userns", "/x", "--netns-only", "1"),
	      "conflict");
	fails(ARGV("pasta", "0"), "invalid PID '0'");
	fails(ARGV("pasta", "99999999999"), "invalid PID");
}

static void test_help_version(void **state)
{
	static const char *const common[] = {
		"--debug", "--trace", "--quiet", "--foreground", "--stderr",
		"--log-file", "--log-size", "--runas", "--pid", "--pcap",
		"--stats", "--mtu", "--address", "--netmask", "--mac-addr",
		"--gateway", "--interface", "--outbound", "--outbound-if4",
		"--outbound-if6", "--dns", "--search", "--hostname", "--fqdn",
		"--dhcp-dns", "--no-dhcp-dns", "--dhcp-search",
		"--no-dhcp-search", "--dns-forward", "--dns-host",
		"--map-host-loopback", "--map-guest-addr", "--no-map-gw",
		"--no-tcp", "--no-udp", "--no-icmp", "--no-dhcp",
		"--no-dhcpv6", "--no-ndp", "--no-ra", "--ipv4-only",
		"--ipv6-only", "--tcp-ports", "--udp-ports", "--help",
		"--version", NULL,
	};
	static const char *const passt[] = {
		"--socket", "--socket-path", "--fd", "--one-off",
		"--vhost-user", "--print-capabilities", NULL,
	};
	static const char *const pasta[] = {
		"--ns-ifname", "--tcp-ns", "--udp-ns", "--userns", "--netns",
		"--netns-only", "--no-netns-quit", "--config-net",
		"--no-copy-routes", "--no-copy-addrs", "--ns-mac-addr",
		"--no-splice", "--host-lo-to-ns-lo", "--splice-only", NULL,
	};
	int i;

	(void)state;
	assert_int_equal(run(ARGV("pasta", "--help")), 0);
	assert_non_null(strstr(out, "Usage: pasta"));
	for (i = 0; common[i]; i++)
		assert_non_null(strstr(out, common[i]));
	for (i = 0; pasta[i]; i++)
		assert_non_null(strstr(out, pasta[i]));
	assert_null(strstr(out, "--vhost-user"));

	assert_int_equal(run(ARGV("passt", "-h")), 0);
	assert_non_null(strstr(out, "Usage: passt"));
	for (i = 0; common[i]; i++)
		assert_non_null(strstr(out, common[i]));
	for (i = 0; passt[i]; i++)
		assert_non_null(strstr(out, passt[i]));
	assert_null(strstr(out, "--netns"));

	/* Every option the help names is accepted by the parser */
	for (i = 0; pasta[i]; i++) {
		char *argv[] = { "pasta", (char *)pasta[i], "x", NULL };

		if (!strcmp(pasta[i], "--netns") ||
		    !strcmp(pasta[i], "--userns"))
			continue;
		if (run(argv) == 1 && strstr(out, "unrecognized"))
			fail_msg("%s not accepted", pasta[i]);
	}

	assert_int_equal(run(ARGV("pasta", "--version")), 0);
	assert_true(!strncmp(out, "pasta ", 6));
	assert_non_null(strchr(strchr(out, '\n') + 1, '\n'));
	assert_int_equal(run(ARGV("/usr/bin/passt", "--version")), 0);
	assert_true(!strncmp(out, "passt ", 6));

	assert_int_equal(run(ARGV("passt", "--print-capabilities")), 0);
	assert_non_null(strstr(out, "\"type\": \"net\""));
}

static void test_values(void **state)
{
	unsigned long v;
	uid_t uid;
	gid_t gid;
	size_t sz;
	int plen;

	(void)state;
	assert_int_equal(conf_parse_uint("0", 10, &v), 0);
	assert_int_equal(conf_parse_uint("10", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(conf_parse_uint("11", 10, &v), -ERANGE);
	assert_int_equal(conf_parse_uint("", 10, &v), -EINVAL);
	assert_int_equal(conf_parse_uint("99999999999999999999999",
					 (unsigned long)-1, &v), -ERANGE);

	assert_int_equal(conf_parse_size("512k", &sz), 0);
	assert_int_equal(sz, 512 << 10);
	assert_int_equal(conf_parse_size("1G", &sz), 0);
	assert_int_equal(sz, 1UL << 30);
	assert_int_equal(conf_parse_size("k", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("1T", &sz), -EINVAL);

	assert_int_equal(conf_parse_netmask("255.255.255.255", &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(conf_parse_netmask("128.0.0.0", &plen), 0);
	assert_int_equal(plen, 1);
	assert_int_equal(conf_parse_netmask("0.0.0.0", &plen), -EINVAL);

	assert_int_equal(conf_parse_runas("0", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(conf_parse_runas("root:1500", &uid, &gid), 0);
	assert_int_equal(gid, 1500);
	assert_int_equal(conf_parse_runas("4242", &uid, &gid), 0);
	assert_int_equal(uid, 4242);
	assert_int_equal(conf_parse_runas("nobody", &uid, &gid), 0);
	assert_int_equal(uid, 65534);
	assert_int_equal(conf_parse_runas("", &uid, &gid), -EINVAL);
	assert_int_equal(conf_parse_runas("0:", &uid, &gid), -EINVAL);

	parse(ARGV("pasta", "--runas", "nobody"));
	assert_true(c.proc.runas);
	assert_int_equal(c.proc.uid, 65534);
}

/* Write @text to a temporary file; Return: its path (static buffer) */
static const char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/test_cli_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Pretend discovery found 192.0.2.2/24 via 192.0.2.1, fd00::2 via fe80::1 */
static void fake_discovery(void)
{
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.prefix_len = 24;
	if (!c.ip4.gw.s_addr)
		inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	strcpy(c.ip4.ifname, "eth0");
	inet_pton(AF_INET6, "fd00::2", &c.ip6.addr);
	c.ip6.prefix_len = 64;
	inet_pton(AF_INET6, "fe80::1", &c.ip6.gw);
	inet_pton(AF_INET6, "fe80::2", &c.ip6.addr_ll);
	strcpy(c.ip6.ifname, "eth0");
	conf_derive(&c);
}

static void test_derive_dns(void **state)
{
	const char *rc;

	(void)state;
	rc = tmpfile_with("# comment\nnameserver 127.0.0.53\n"
			  "nameserver 9.9.9.9\nnameserver ::1\n"
			  "nameserver fe80::53%eth0\noptions edns0\n"
			  "domain old.example\nsearch a.example b.example\n");

	parse(ARGV("pasta"));
	fake_discovery();
	assert_string_equal(ntop4(c.ip4.our_addr), "192.0.2.1");
	assert_string_equal(ntop4(c.ip4.map_host_lo), "192.0.2.1");
	assert_string_equal(ntop6(&c.ip6.our_ll), "fe80::1");
	assert_string_equal(ntop6(&c.ip6.map_host_lo), "fe80::1");
	assert_string_equal(c.link.ns_ifname, "eth0");
	conf_dns(&c, rc);
	/* Loopback resolvers become the gateway, redirected to the host's */
	assert_int_equal(c.ip4.dns_n, 2);
	assert_string_equal(ntop4(c.ip4.dns[0]), "192.0.2.1");
	assert_string_equal(ntop4(c.ip4.dns[1]), "9.9.9.9");
	assert_string_equal(ntop4(c.ip4.dns_match), "192.0.2.1");
	assert_string_equal(ntop4(c.ip4.dns_host), "127.0.0.53");
	assert_int_equal(c.ip6.dns_n, 2);
	assert_string_equal(ntop6(&c.ip6.dns[0]), "fe80::1");
	assert_string_equal(ntop6(&c.ip6.dns[1]), "fe80::53");
	assert_string_equal(ntop6(&c.ip6.dns_host), "::1");
	assert_int_equal(c.svc.search_n, 2);
	assert_string_equal(c.svc.search[1], "b.example");

	/* No mapping: loopback resolvers can't be reached, left out */
	parse(ARGV("pasta", "--no-map-gw", "-S", "x.example"));
	fake_discovery();
	assert_int_equal(c.ip4.map_host_lo.s_addr, 0);
	conf_dns(&c, rc);
	assert_int_equal(c.ip4.dns_n, 1);
	assert_string_equal(ntop4(c.ip4.dns[0]), "9.9.9.9");
	assert_int_equal(c.ip4.dns_match.s_addr, 0);
	assert_string_equal(ntop4(c.ip4.dns_host), "127.0.0.53");
	assert_int_equal(c.svc.search_n, 1);
	assert_string_equal(c.svc.search[0], "x.example");

	/* --dns-forward: loopback resolvers are advertised as that */
	parse(ARGV("pasta", "--dns-forward", "169.254.1.1", "--no-map-gw"));
	fake_discovery();
	conf_dns(&c, rc);
	assert_string_equal(ntop4(c.ip4.dns[0]), "169.254.1.1");
	assert_string_equal(ntop4(c.ip4.dns_match), "169.254.1.1");
	assert_string_equal(ntop4(c.ip4.dns_host), "127.0.0.53");

	/* A resolver at the gateway would be shadowed by the mapping */
	unlink(rc);
	rc = tmpfile_with("nameserver 192.0.2.1\n");
	parse(ARGV("pasta", "-D", "192.0.2.1", "-D", "8.8.8.8",
		   "--dns-host", "10.0.0.53"));
	fake_discovery();
	conf_dns(&c, rc);
	assert_int_equal(c.ip4.dns_n, 2);
	assert_string_equal(ntop4(c.ip4.dns_match), "192.0.2.1");
	assert_string_equal(ntop4(c.ip4.dns_host), "10.0.0.53");
	assert_int_equal(c.ip6.dns_n, 0);
	unlink(rc);

	/* -D none, missing file */
	parse(ARGV("pasta", "-D", "none", "--map-host-loopback", "10.9.9.9",
		   "-I", "tap7", "-g", "10.0.0.1"));
	fake_discovery();
	assert_string_equal(ntop4(c.ip4.map_host_lo), "10.9.9.9");
	assert_string_equal(ntop4(c.ip4.our_addr), "10.0.0.1");
	assert_string_equal(c.link.ns_ifname, "tap7");
	conf_dns(&c, "/nonexistent/resolv.conf");
	assert_int_equal(c.ip4.dns_n, 0);
	assert_int_equal(c.ip6.dns_n, 0);
	assert_int_equal(c.svc.search_n, 0);

	/* Our link-local: the host's when the gateway is global */
	parse(ARGV("pasta", "-6"));
	inet_pton(AF_INET6, "fd00::1", &c.ip6.gw);
	inet_pton(AF_INET6, "fe80::2", &c.ip6.addr_ll);
	conf_derive(&c);
	assert_string_equal(ntop6(&c.ip6.our_ll), "fe80::2");
	assert_string_equal(c.link.ns_ifname, "tap0");
	parse(ARGV("pasta", "-6"));
	conf_derive(&c);
	assert_string_equal(ntop6(&c.ip6.our_ll), "fe80::1");
}

static void test_fwd_finish_services(void **state)
{
	const char *range;

	(void)state;
	range = tmpfile_with("32768\t60999\n");
	parse(ARGV("pasta", "-t", "all,~22", "-u", "8000-8002,auto",
		   "-T", "65000"));
	conf_fwd_finish(&c, range);
	unlink(range);
	assert_false(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 22));
	assert_true(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 32767));
	assert_false(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 32768));
	assert_false(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 60999));
	assert_true(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 61000));
	/* Explicit ports stay, even inside the ephemeral range */
	assert_int_equal(fwd_spec_count(c.fwd.rule[FWD_UDP_IN][0]), 3);
	assert_true(fwd_spec_has(c.fwd.rule[FWD_TCP_OUT][0], 65000));
	/* Default "auto" loses the ephemeral range */
	assert_false(fwd_spec_has(c.fwd.rule[FWD_UDP_OUT][0], 40000));

	conf_fwd_finish(&c, "/nonexistent");	/* 49152-65535 */
	assert_false(fwd_spec_has(c.fwd.rule[FWD_TCP_IN][0], 61000));

	parse(ARGV("pasta", "--config-net"));
	fake_discovery();
	conf_services(&c);
	assert_true(c.svc.dhcp && c.svc.dhcpv6 && c.svc.ndp);
	assert_false(c.svc.ra);

	parse(ARGV("passt", "-4"));
	conf_services(&c);
	assert_false(c.svc.dhcp);	/* no gateway */
	assert_false(c.svc.dhcpv6 || c.svc.ndp || c.svc.ra);

	parse(ARGV("passt", "--no-ndp"));
	fake_discovery();
	conf_services(&c);
	assert_true(c.svc.dhcp && c.svc.dhcpv6);
	assert_false(c.svc.ra);
}

/* Root in the initial user namespace runs as nobody, unless --runas */
static void test_runas_default(void **state)
{
	const char *init, *userns;

	(void)state;
	init = strdup(tmpfile_with("         0          0 4294967295\n"));
	userns = strdup(tmpfile_with("         0       1500          1\n"));

	parse(ARGV("pasta"));
	conf_runas(&c.proc, 0, init);
	assert_true(c.proc.runas);
	assert_int_equal(c.proc.uid, 65534);
	assert_int_equal(c.proc.gid, 65534);

	parse(ARGV("passt", "--runas", "1500:1501"));
	conf_runas(&c.proc, 0, init);
	assert_true(c.proc.runas);
	assert_int_equal(c.proc.uid, 1500);
	assert_int_equal(c.proc.gid, 1501);

	parse(ARGV("pasta"));
	conf_runas(&c.proc, 1500, init);	/* not root: stay */
	assert_false(c.proc.runas);
	conf_runas(&c.proc, 0, userns);		/* root of a user namespace */
	assert_false(c.proc.runas);
	conf_runas(&c.proc, 0, "/nonexistent");
	assert_false(c.proc.runas);

	unlink(init);
	unlink(userns);
	free((void *)init);
	free((void *)userns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_personality),
		cmocka_unit_test(test_defaults_pasta),
		cmocka_unit_test(test_defaults_passt),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_addressing),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_pasta_ns),
		cmocka_unit_test(test_passt_opts),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_derive_dns),
		cmocka_unit_test(test_fwd_finish_services),
		cmocka_unit_test(test_runas_default),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
