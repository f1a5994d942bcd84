// SPDX-License-Identifier: MIT
/* test_cli_slirp.c - unit tests for the slirp4netns personality's command
 * line and addressing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "clitest.h"

static void test_slirp_persona(void **state)
{
	(void)state;
	parse(ARGV("/usr/bin/slirp4netns", "1234"));
	assert_int_equal(c.persona, PERSONA_SLIRP);
	assert_int_equal(c.mode, MODE_PASTA);
	assert_string_equal(conf_name(&c), "slirp4netns");
	parse(ARGV("pasta"));
	assert_int_equal(c.persona, PERSONA_PASTA);
	parse(ARGV("passt"));
	assert_int_equal(c.persona, PERSONA_PASST);
	assert_int_equal(conf_persona("/usr/local/bin/pesto"), PERSONA_PESTO);
	assert_int_equal(conf_persona("slirp4netns"), PERSONA_SLIRP);
	assert_int_equal(conf_persona(NULL), PERSONA_PASTA);
}

/* What slirp4netns gives without options: 10.0.2.100/24, .2, .3, MTU 1500,
 * IPv4 only, foreground, no ports */
static void test_slirp_defaults(void **state)
{
	enum conf_fwd_kind k;

	(void)state;
	parse(ARGV("slirp4netns", "1234"));
	assert_int_equal(c.ns.target, NS_ATTACH_PID);
	assert_int_equal(c.ns.pid, 1234);
	assert_true(c.ns.netns_quit);		/* the process, by pidfd */
	assert_string_equal(c.link.ns_ifname, "tap0");
	assert_false(c.ns.config_net);
	assert_int_equal(c.link.mtu, 1500);
	assert_string_equal(ntop4(c.ip4.addr), "10.0.2.100");
	assert_int_equal(c.ip4.prefix_len, 24);
	assert_string_equal(ntop4(c.ip4.gw), "10.0.2.2");
	assert_true(c.ip4.addr_fixed && c.ip4.gw_fixed);
	assert_string_equal(ntop4(c.ip4.map_host_lo), "10.0.2.2");
	assert_int_equal(c.ip4.dns_n, 1);
	assert_string_equal(ntop4(c.ip4.dns[0]), "10.0.2.3");
	assert_string_equal(ntop4(c.ip4.dns_match), "10.0.2.3");
	assert_int_equal(c.ip4.refuse[0].s_addr, 0);
	assert_int_equal(c.ip4.refuse[1].s_addr, 0);
	assert_false(c.ip6.enabled);
	assert_true(c.proc.foreground);
	assert_true(c.log.to_stderr);
	assert_false(c.log.to_syslog);
	assert_int_equal(c.proc.exit_fd, -1);
	assert_int_equal(c.proc.ready_fd, -1);
	assert_string_equal(c.fwd.api_path, "");
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		assert_int_equal(c.fwd.n[k], 1);
		assert_int_equal(c.fwd.rule[k][0]->mode, FWD_MODE_NONE);
	}
}

/* Podman 4.3's argv */
static void test_slirp_podman(void **state)
{
	(void)state;
	parse(ARGV("slirp4netns", "--disable-host-loopback", "--mtu=65520",
		   "--enable-sandbox", "--enable-seccomp", "--enable-ipv6",
		   "-c", "-e", "3", "-r", "4", "--netns-type=path",
		   "/run/user/1000/netns/cni-1", "tap0"));
	assert_int_equal(c.ns.target, NS_ATTACH_PATH);
	assert_string_equal(c.ns.netns, "/run/user/1000/netns/cni-1");
	assert_false(c.ns.netns_quit);		/* the exit fd says */
	assert_string_equal(c.ns.userns, "");
	assert_true(c.ns.config_net);
	assert_int_equal(c.link.mtu, 65520);
	assert_int_equal(c.proc.exit_fd, 3);
	assert_int_equal(c.proc.ready_fd, 4);
	/* no host loopback: the gateway leads nowhere, and says so */
	assert_int_equal(c.ip4.map_host_lo.s_addr, 0);
	assert_true(c.opts.no_map_gw);
	assert_string_equal(ntop4(c.ip4.refuse[0]), "10.0.2.2");
	/* IPv6 by RA: fd00::/64, router fe80::2, DNS fd00::3 */
	assert_true(c.ip6.enabled);
	assert_true(c.ns.v6_by_ra);
	assert_string_equal(ntop6(&c.ip6.addr), "fd00::100");
	assert_int_equal(c.ip6.prefix_len, 64);
	assert_string_equal(ntop6(&c.ip6.gw), "fe80::2");
	assert_string_equal(ntop6(&c.ip6.refuse[0]), "fd00::2");
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_host_lo));
	assert_string_equal(ntop6(&c.ip6.dns_match), "fd00::3");
}

/* RootlessKit 1.1's argv, and the rest of the options */
static void test_slirp_options(void **state)
{
	(void)state;
	parse(ARGV("slirp4netns", "--mtu", "65520", "-r", "3",
		   "--api-socket", "/tmp/api.sock", "--configure",
		   "--userns-path=/proc/9/ns/user", "--outbound-addr", "eth1",
		   "--outbound-addr6", "2001:db8::5", "--macaddress",
		   "02:00:00:00:00:01", "--cidr", "10.1.2.77/25", "--disable-dns",
		   "9", "eth0"));
	assert_string_equal(c.fwd.api_path, "/tmp/api.sock");
	assert_string_equal(c.ns.userns, "/proc/9/ns/user");
	assert_string_equal(c.ip4.outbound_if, "eth1");
	assert_string_equal(ntop6(&c.ip6.outbound), "2001:db8::5");
	assert_true(c.link.ns_mac_set);
	assert_int_equal(c.link.ns_mac[5], 1);
	assert_string_equal(c.link.ns_ifname, "eth0");
	assert_string_equal(ntop4(c.ip4.addr), "10.1.2.100");
	assert_int_equal(c.ip4.prefix_len, 25);
	assert_string_equal(ntop4(c.ip4.gw), "10.1.2.2");
	/* --disable-dns: nothing advertised, the DNS address leads nowhere */
	assert_int_equal(c.ip4.dns_n, 0);
	assert_int_equal(c.ip4.dns_match.s_addr, 0);
	assert_string_equal(ntop4(c.ip4.refuse[1]), "10.1.2.3");
	parse(ARGV("slirp4netns", "--outbound-addr=192.0.2.9", "1"));
	assert_string_equal(ntop4(c.ip4.outbound), "192.0.2.9");
}

static void test_slirp_errors(void **state)
{
	(void)state;
	fails(ARGV("slirp4netns"), "missing PID|PATH");
	fails(ARGV("slirp4netns", "/run/netns/x"), "--netns-type=path");
	fails(ARGV("slirp4netns", "1", "tap0", "extra"), "unexpected");
	fails(ARGV("slirp4netns", "--cidr", "10.0.2.0/26", "1"),
	      "invalid --cidr");
	fails(ARGV("slirp4netns", "--cidr", "fd00::/64", "1"),
	      "invalid --cidr");
	fails(ARGV("slirp4netns", "-m", "20", "1"), "invalid MTU");
	fails(ARGV("slirp4netns", "-e", "2", "1"), "invalid --exit-fd");
	fails(ARGV("slirp4netns", "-r", "x", "1"), "invalid --ready-fd");
	fails(ARGV("slirp4netns", "--netns-type", "x", "1"),
	      "invalid --netns-type");
	fails(ARGV("slirp4netns", "--target-type=bess", "1"),
	      "not supported");
	fails(ARGV("slirp4netns", "--macaddress", "ff:ff:ff:ff:ff:ff", "1"),
	      "invalid --macaddress");
	fails(ARGV("slirp4netns", "1", "a/b"), "invalid TAPNAME");
	fails(ARGV("slirp4netns", "--outbound-addr", "", "1"),
	      "invalid --outbound-addr");
}

static void test_slirp_help_version(void **state)
{
	static const char *const probed[] = {
		"--disable-host-loopback", "--mtu", "--enable-sandbox",
		"--enable-seccomp", "--cidr", "--outbound-addr",
		"--enable-ipv6", "--netns-type", "--api-socket",
		"--userns-path", "--exit-fd", "--ready-fd", "--configure",
	};
	size_t i;

	(void)state;
	assert_int_equal(run(ARGV("slirp4netns", "--help")), 0);
	for (i = 0; i < sizeof(probed) / sizeof(probed[0]); i++) {
		if (!strstr(out, probed[i]))
			fail_msg("--help lacks %s", probed[i]);
	}
	assert_int_equal(run(ARGV("slirp4netns", "-v")), 0);
	assert_true(!strncmp(out, "slirp4netns version 1.", 22));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slirp_persona),
		cmocka_unit_test(test_slirp_defaults),
		cmocka_unit_test(test_slirp_podman),
		cmocka_unit_test(test_slirp_options),
		cmocka_unit_test(test_slirp_errors),
		cmocka_unit_test(test_slirp_help_version),
	};

	return cmocka_run_group_tests_name("cli_slirp", tests, NULL, NULL);
}
