// SPDX-License-Identifier: MIT
/* test_fwd_spec.c - unit tests for the forwarding spec parser */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/fwd_spec.h"

static struct fwd_spec fs, fs2;
static char msg[256];

static int parse(const char *spec)
{
	msg[0] = '\0';
	return fwd_spec_parse(&fs, spec, msg, sizeof(msg));
}

/* Assert @spec fails and its message contains @part */
static void bad(const char *spec, const char *part)
{
	int rc = parse(spec);

	if (rc != -EINVAL || !strstr(msg, part))
		fail_msg("spec '%s': rc %d, message '%s', expected '%s'",
			 spec, rc, msg, part);
}

static void test_none(void **state)
{
	(void)state;
	assert_int_equal(parse("none"), 0);
	assert_int_equal(fs.mode, FWD_MODE_NONE);
	assert_int_equal(fwd_spec_count(&fs), 0);
	assert_false(fs.has_addr);
	bad("none,80", "'none' can't be combined");
	bad("80,none", "'none' can't be combined");
	bad("127.0.0.1/none", "'none' takes no address");
}

static void test_single_and_range(void **state)
{
	(void)state;
	assert_int_equal(parse("22"), 0);
	assert_int_equal(fs.mode, FWD_MODE_LIST);
	assert_false(fs.implicit);
	assert_int_equal(fwd_spec_count(&fs), 1);
	assert_true(fwd_spec_has(&fs, 22));
	assert_int_equal(fwd_spec_target(&fs, 22), 22);

	assert_int_equal(parse("1,80-82,65535"), 0);
	assert_int_equal(fwd_spec_count(&fs), 5);
	assert_true(fwd_spec_has(&fs, 1));
	assert_true(fwd_spec_has(&fs, 81));
	assert_false(fwd_spec_has(&fs, 83));
	assert_true(fwd_spec_has(&fs, 65535));
	assert_false(fwd_spec_has(&fs, 0));
}

static void test_remap(void **state)
{
	(void)state;
	/* Podman's format, even for one port */
	assert_int_equal(parse("8080-8080:80-80"), 0);
	assert_int_equal(fwd_spec_count(&fs), 1);
	assert_int_equal(fwd_spec_target(&fs, 8080), 80);

	assert_int_equal(parse("2022:22"), 0);
	assert_int_equal(fwd_spec_target(&fs, 2022), 22);

	assert_int_equal(parse("5000-5020:6000-6020"), 0);
	assert_int_equal(fwd_spec_count(&fs), 21);
	assert_int_equal(fwd_spec_target(&fs, 5000), 6000);
	assert_int_equal(fwd_spec_target(&fs, 5020), 6020);

	/* Target range given by its first port only */
	assert_int_equal(parse("80-82:8080"), 0);
	assert_int_equal(fwd_spec_target(&fs, 82), 8082);

	/* Downwards, wrapping delta */
	assert_int_equal(parse("65535:1"), 0);
	assert_int_equal(fwd_spec_target(&fs, 65535), 1);

	bad("80-82:90-91", "different sizes");
	bad("80-82:65534", "beyond 65535");
	bad("80:0", "invalid target");
	bad("80:", "invalid target");
	bad("80:90-85", "invalid target");
	bad("80:90:100", "unexpected ':100'");
}

static void test_exclusions(void **state)
{
	(void)state;
	/* Exclusion inside a range, before or after it */
	assert_int_equal(parse("5000-5020:6000-6020,~5010-5015"), 0);
	assert_int_equal(fs.mode, FWD_MODE_LIST);
	assert_int_equal(fwd_spec_count(&fs), 15);
	assert_false(fwd_spec_has(&fs, 5010));
	assert_false(fwd_spec_has(&fs, 5015));
	assert_true(fwd_spec_has(&fs, 5016));
	assert_int_equal(fwd_spec_target(&fs, 5016), 6016);
	assert_int_equal(fs.delta[5012], 0);

	assert_int_equal(parse("~81,80-82"), 0);
	assert_int_equal(fwd_spec_count(&fs), 2);
	assert_false(fwd_spec_has(&fs, 81));

	/* Exclusions alone: everything else */
	assert_int_equal(parse("~22"), 0);
	assert_int_equal(fs.mode, FWD_MODE_ALL);
	assert_true(fs.implicit);
	assert_int_equal(fwd_spec_count(&fs), 65534);
	assert_false(fwd_spec_has(&fs, 22));
	assert_true(fwd_spec_has(&fs, 23));

	assert_int_equal(parse("~1-1024,~8080"), 0);
	assert_int_equal(fwd_spec_count(&fs), 65535 - 1025);

	/* Excluding a port that isn't included is harmless */
	assert_int_equal(parse("80,~443"), 0);
	assert_int_equal(fwd_spec_count(&fs), 1);

	bad("80,~80", "every port is excluded");
	bad("~1-65535", "every port is excluded");
	bad("~", "invalid exclusion");
	bad("~0", "invalid exclusion");
	bad("~80:90", "invalid exclusion");
	bad("~~80", "invalid exclusion");
}

static void test_all_auto(void **state)
{
	(void)state;
	assert_int_equal(parse("all"), 0);
	assert_int_equal(fs.mode, FWD_MODE_ALL);
	assert_true(fs.implicit);
	assert_int_equal(fwd_spec_count(&fs), 65535);

	assert_int_equal(parse("all,~22"), 0);
	assert_int_equal(fs.mode, FWD_MODE_ALL);
	assert_int_equal(fwd_spec_count(&fs), 65534);
	assert_false(fwd_spec_has(&fs, 22));

	/* The caller trims the ephemeral range */
	fwd_spec_exclude(&fs, 49152, 65535);
	assert_int_equal(fwd_spec_count(&fs), 49151 - 1);
	assert_false(fwd_spec_has(&fs, 65535));

	assert_int_equal(parse("auto"), 0);
	assert_int_equal(fs.mode, FWD_MODE_AUTO);
	assert_true(fs.implicit);
	assert_int_equal(fwd_spec_count(&fs), 65535);

	assert_int_equal(parse("8000-8010,auto,~8005"), 0);
	assert_int_equal(fs.mode, FWD_MODE_AUTO);
	assert_false(fs.implicit);
	assert_int_equal(fwd_spec_count(&fs), 10);

	bad("all,80", "'all' can't be combined with ports");
	bad("all,auto", "'all' and 'auto'");
	bad("all,all", "'all' given twice");
	bad("auto,auto", "'auto' given twice");
	bad("al", "invalid port");
}

static void test_prefix(void **state)
{
	char buf[INANY_STRLEN];

	(void)state;
	assert_int_equal(parse("127.0.0.1/8080"), 0);
	assert_true(fs.has_addr);
	assert_true(inany_is_v4(&fs.addr));
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)),
			    "127.0.0.1");
	assert_string_equal(fs.ifname, "");

	/* IPv6 unbracketed: the last '/' separates */
	assert_int_equal(parse("::1/8080-8080:80-80"), 0);
	assert_true(fs.has_addr);
	assert_false(inany_is_v4(&fs.addr));
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)), "::1");
	assert_int_equal(fwd_spec_target(&fs, 8080), 80);

	/* Target addresses (2026): PORTS:[TADDR/]TPORTS, all:TADDR */
	assert_int_equal(parse("0.0.0.0/5000:192.0.2.5/6000"), 0);
	assert_true(fs.has_addr);
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)), "0.0.0.0");
	assert_int_equal(fwd_spec_target(&fs, 5000), 6000);
	assert_string_equal(inany_ntop(fwd_spec_taddr(&fs, 5000), buf,
				       sizeof(buf)), "192.0.2.5");
	assert_int_equal(parse("[::]/8080:fd00::2/80,8443:[fd00::2]/443,22"),
			 0);
	assert_int_equal(fs.ntaddr, 1);		/* one address, kept once */
	assert_string_equal(inany_ntop(fwd_spec_taddr(&fs, 8443), buf,
				       sizeof(buf)), "fd00::2");
	assert_int_equal(fwd_spec_target(&fs, 8443), 443);
	assert_null(fwd_spec_taddr(&fs, 22));
	assert_int_equal(parse("8080-8081:10.0.0.2/80-81"), 0);
	assert_false(fs.has_addr);
	assert_int_equal(fwd_spec_target(&fs, 8081), 81);
	assert_string_equal(inany_ntop(fwd_spec_taddr(&fs, 8081), buf,
				       sizeof(buf)), "10.0.0.2");
	assert_int_equal(parse("all:192.0.2.9"), 0);
	assert_int_equal(fs.mode, FWD_MODE_ALL);
	assert_string_equal(inany_ntop(fwd_spec_taddr(&fs, 1234), buf,
				       sizeof(buf)), "192.0.2.9");
	bad("8080:bogus/80", "invalid target address 'bogus'");
	bad("8080:0.0.0.0/80", "invalid target address");
	bad("8080:224.0.0.1/80", "invalid target address");
	bad("all:x", "invalid target address");

	/* Bracketed, as Podman writes them */
	assert_int_equal(parse("[::]/8080"), 0);
	assert_true(fs.has_addr);
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)), "::");
	assert_int_equal(parse("[2001:db8::5]/443:8443"), 0);
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)),
			    "2001:db8::5");
	assert_int_equal(parse("[192.0.2.1]/80"), -EINVAL);
	assert_int_equal(parse("[::/80"), -EINVAL);
	assert_int_equal(parse("[]/80"), -EINVAL);

	assert_int_equal(parse("2001:db8::1%eth0/8080,4433:3444"), 0);
	assert_string_equal(inany_ntop(&fs.addr, buf, sizeof(buf)),
			    "2001:db8::1");
	assert_string_equal(fs.ifname, "eth0");
	assert_int_equal(fwd_spec_count(&fs), 2);

	assert_int_equal(parse("%lo/22"), 0);
	assert_false(fs.has_addr);
	assert_string_equal(fs.ifname, "lo");

	assert_int_equal(parse("*/all"), 0);
	assert_false(fs.has_addr);
	assert_int_equal(fs.mode, FWD_MODE_ALL);

	assert_int_equal(parse("192.0.2.1/auto"), 0);
	assert_int_equal(fs.mode, FWD_MODE_AUTO);
	assert_true(fs.has_addr);

	bad("/80", "empty address");
	bad("%/80", "empty interface");
	bad("1.2.3.4%/80", "empty interface");
	bad("%averyveryverylongname/80", "too long");
	bad("1.2.3.400/80", "invalid address '1.2.3.400'");
	bad("localhost/80", "invalid address");
	bad("127.0.0.1/", "no ports");
	/* PREFIX ends at the first '/' (a target address may hold one) */
	bad("a/b/80", "invalid address 'a'");
}

static void test_bad_ports(void **state)
{
	char big[5000];

	(void)state;
	bad("", "no ports");
	bad("0", "invalid port");
	bad("65536", "invalid port");
	bad("123456", "invalid port");
	bad("-1", "invalid port");
	bad("+80", "invalid port");
	bad(" 80", "invalid port");
	bad("80 ", "unexpected ' '");
	bad("80-", "invalid port");
	bad("90-80", "invalid port or range '90-80'");
	bad("80,,81", "empty item");
	bad("80,", "empty item");
	bad(",80", "empty item");
	bad("80,80", "port 80 given twice");
	bad("80-90,85:8085", "port 85 given twice");
	bad("0x50", "invalid port");

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bad(big, "longer than");

	/* msg may be NULL */
	assert_int_equal(fwd_spec_parse(&fs, "0", NULL, 0), -EINVAL);
}

static void test_overlap(void **state)
{
	(void)state;
	assert_int_equal(fwd_spec_parse(&fs, "80-90", NULL, 0), 0);
	assert_int_equal(fwd_spec_parse(&fs2, "85,100", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 85);

	assert_int_equal(fwd_spec_parse(&fs2, "91-95", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 0);

	/* Different addresses don't collide; wildcard collides with all */
	assert_int_equal(fwd_spec_parse(&fs, "127.0.0.1/80", NULL, 0), 0);
	assert_int_equal(fwd_spec_parse(&fs2, "::1/80", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 0);
	assert_int_equal(fwd_spec_parse(&fs2, "80", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 80);

	/* Different interfaces don't collide */
	assert_int_equal(fwd_spec_parse(&fs, "%eth0/80", NULL, 0), 0);
	assert_int_equal(fwd_spec_parse(&fs2, "%eth1/80", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 0);

	assert_int_equal(fwd_spec_parse(&fs, "none", NULL, 0), 0);
	assert_int_equal(fwd_spec_overlap(&fs, &fs2), 0);
}

/* Random lists of ranges and exclusions against a naive model */
static void test_model(void **state)
{
	static uint8_t in[FWD_PORTS], ex[FWD_PORTS];
	static uint16_t to[FWD_PORTS];
	char spec[1024];
	unsigned iter, p;

	(void)state;
	srand(1);
	for (iter = 0; iter < 300; iter++) {
		int len = 0, items = 1 + rand() % 6, i, expect_ok = 1;
		unsigned n = 0;

		memset(in, 0, sizeof(in));
		memset(ex, 0, sizeof(ex));
		memset(to, 0, sizeof(to));
		for (i = 0; i < items; i++) {
			unsigned first = 1 + (unsigned)rand() % 200;
			unsigned last = first + (unsigned)rand() % 10;
			bool excl = !(rand() % 3);
			bool remap = !excl && (rand() % 2);
			unsigned tf = 1000 + (unsigned)rand() % 1000;

			len += snprintf(spec + len, sizeof(spec) - len,
					"%s%s%u-%u", i ? "," : "",
					excl ? "~" : "", first, last);
			if (remap)
				len += snprintf(spec + len,
						sizeof(spec) - len, ":%u-%u",
						tf, tf + last - first);
			for (p = first; p <= last; p++) {
				if (excl) {
					ex[p] = 1;
					continue;
				}
				if (in[p])
					expect_ok = 0;
				in[p] = 1;
				to[p] = (uint16_t)(remap ? tf + p - first : p);
			}
		}
		for (p = 1; p < FWD_PORTS; p++)
			n += in[p] && !ex[p];
		if (parse(spec)) {
			if (expect_ok && n)
				fail_msg("'%s' refused: %s", spec, msg);
			continue;
		}
		assert_true(expect_ok);
		for (p = 1; p < FWD_PORTS; p++) {
			bool want = fs.implicit ? !ex[p] : (in[p] && !ex[p]);

			if (fwd_spec_has(&fs, (uint16_t)p) != want)
				fail_msg("'%s': port %u", spec, p);
			if (want && !fs.implicit &&
			    fwd_spec_target(&fs, (uint16_t)p) != to[p])
				fail_msg("'%s': target of %u", spec, p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_single_and_range),
		cmocka_unit_test(test_remap),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_all_auto),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests_name("fwd_spec", tests, NULL, NULL);
}
