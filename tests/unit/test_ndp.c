// SPDX-License-Identifier: MIT
/* test_ndp.c - NS -> NA, RS -> RA, and the checks RFC 4861 asks for */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2test.h"

static struct conf conf;
static uint8_t buf[512];

/* Build an NDP message of @type with @l4len bytes of body at @body */
static size_t nd(const char *src, const char *dst, uint8_t type,
		 uint8_t hop, const uint8_t *body, size_t l4len)
{
	uint8_t l4[256] = { type, 0 };
	struct t_pkt t = { src, dst, IPPROTO_ICMPV6, hop, l4, l4len, false };

	memcpy(l4 + 4, body, l4len - 4);
	return t_build(buf, &t);
}

/* NS for @target, with @opt (@optlen bytes) after it */
static size_t ns(const char *src, const char *target, uint8_t hop,
		 const uint8_t *opt, size_t optlen)
{
	uint8_t body[128] = { 0 };
	struct in6_addr t = t_a6(target);

	memcpy(body + 4, &t, 16);
	if (optlen)
		memcpy(body + 20, opt, optlen);
	return nd(src, "ff02::1:ff00:1", 135, hop, body, 24 + optlen);
}

/* Feed buf; Return: frames sent back */
static int feed(size_t len)
{
	t_cap_reset();
	t_feed(buf, len, 0);
	return t_flush();
}

static enum ingress_cnt outcome(size_t len)
{
	uint64_t to = ingress_count(lp, IN_TO_NDP);
	uint64_t drop = ingress_count(lp, IN_DROP_NDP);

	feed(len);
	if (ingress_count(lp, IN_TO_NDP) != to)
		return IN_TO_NDP;
	if (ingress_count(lp, IN_DROP_NDP) != drop)
		return IN_DROP_NDP;
	return IN_PASS;
}

static void check_ip6(const uint8_t *f, size_t len, const char *src,
		      const char *dst)
{
	struct in6_addr s = t_a6(src), d = t_a6(dst);
	const uint8_t *ip = f + ETH_HDR_LEN;

	assert_memory_equal(f, t_guest_mac, 6);
	assert_memory_equal(f + 6, t_our_mac, 6);
	assert_int_equal(rd16(f + 12), 0x86dd);
	assert_int_equal(ip[6], IPPROTO_ICMPV6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, &s, 16);
	assert_memory_equal(ip + 24, &d, 16);
	assert_true(t_l4_csum_ok(f, len));
}

static void check_na(const char *src, const char *target)
{
	const uint8_t *na = t_cap[0] + ETH_HDR_LEN + IP6_HDR_LEN;
	struct in6_addr t = t_a6(target);

	check_ip6(t_cap[0], t_cap_len[0], target, src);
	assert_int_equal(t_cap_len[0], ETH_HDR_LEN + IP6_HDR_LEN + 32);
	assert_int_equal(na[0], 136);
	assert_int_equal(na[1], 0);
	assert_int_equal(rd32(na + 4), 0xe0000000);
	assert_memory_equal(na + 8, &t, 16);
	assert_int_equal(na[24], 2);		/* target link-layer */
	assert_int_equal(na[25], 1);
	assert_memory_equal(na + 26, t_our_mac, 6);
}

static void test_ns_na(void **state)
{
	static const uint8_t slla[8] = { 1, 1, 2, 0, 0, 0, 0, 2 };

	(void)state;
	assert_int_equal(feed(ns("fe80::2", T_GW6, 255, NULL, 0)), 1);
	check_na("fe80::2", T_GW6);
	assert_int_equal(feed(ns(T_GUEST6, T_REMOTE6, 255, slla, 8)), 1);
	check_na(T_GUEST6, T_REMOTE6);
	assert_int_equal(feed(ns("fe80::2", "fe80::99", 255, slla, 8)), 1);
	check_na("fe80::2", "fe80::99");
}

static void test_ns_ignored(void **state)
{
	(void)state;
	/* DAD probe, the guest's own addresses: consumed, no answer */
	assert_int_equal(outcome(ns("::", T_GUEST6, 255, NULL, 0)), IN_TO_NDP);
	assert_int_equal(t_ncap, 0);
	assert_int_equal(outcome(ns("fe80::2", T_GUEST6, 255, NULL, 0)),
			 IN_TO_NDP);
	assert_int_equal(t_ncap, 0);
	assert_int_equal(outcome(ns("fe80::2", "fe80::2", 255, NULL, 0)),
			 IN_TO_NDP);
	assert_int_equal(t_ncap, 0);
}

static void test_ns_invalid(void **state)
{
	static const uint8_t zero_opt[8] = { 1, 0 };
	static const uint8_t long_opt[8] = { 1, 2 };
	static const uint8_t half_opt[1] = { 1 };
	size_t len;

	(void)state;
	assert_int_equal(outcome(ns("fe80::2", T_GW6, 254, NULL, 0)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", T_GW6, 255, zero_opt, 8)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", T_GW6, 255, long_opt, 8)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", T_GW6, 255, half_opt, 1)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", "ff02::1", 255, NULL, 0)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", "::ffff:192.0.2.1", 255,
				    NULL, 0)), IN_DROP_NDP);
	assert_int_equal(outcome(ns("fe80::2", "::1", 255, NULL, 0)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(nd("fe80::2", T_GW6, 135, 255,
				    (uint8_t[16]){ 0 }, 20)), IN_DROP_NDP);

	{
		uint8_t l4[24] = { 135, 1 };		/* code 1 */
		struct in6_addr t = t_a6(T_GW6);
		struct t_pkt tp = { "fe80::2", "ff02::1:ff00:1",
				    IPPROTO_ICMPV6, 255, l4, 24, false };

		memcpy(l4 + 8, &t, 16);
		len = t_build(buf, &tp);
	}
	assert_int_equal(outcome(len), IN_DROP_NDP);
	assert_int_equal(t_ncap, 0);
}

/* Find option @type in the RA at @ra (@len bytes); NULL if missing */
static const uint8_t *ra_opt(const uint8_t *ra, size_t len, uint8_t type)
{
	size_t off = 16;

	while (off + 2 <= len && ra[off + 1]) {
		if (ra[off] == type)
			return ra + off;
		off += (size_t)ra[off + 1] * 8;
	}
	return NULL;
}

static void check_ra(const char *dst)
{
	const uint8_t *ra = t_cap[0] + ETH_HDR_LEN + IP6_HDR_LEN;
	size_t len = t_cap_len[0] - ETH_HDR_LEN - IP6_HDR_LEN;
	struct in6_addr pfx = t_a6("2001:db8::"), dns = t_a6(T_DNS6);
	static const uint8_t dnssl[] = "\7example\3org";
	const uint8_t *o;

	check_ip6(t_cap[0], t_cap_len[0], T_GW6, dst);
	assert_int_equal(ra[0], 134);
	assert_int_equal(ra[1], 0);
	assert_int_equal(ra[5] & 0x80, 0x80);			/* M */
	assert_int_not_equal(rd16(ra + 6), 0);			/* lifetime */

	o = ra_opt(ra, len, 3);
	assert_non_null(o);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0xc0);
	assert_memory_equal(o + 16, &pfx, 16);
	o = ra_opt(ra, len, 5);
	assert_non_null(o);
	assert_int_equal(rd32(o + 4), 65520);
	o = ra_opt(ra, len, 25);
	assert_non_null(o);
	assert_int_equal(o[1], 3);
	assert_memory_equal(o + 8, &dns, 16);
	o = ra_opt(ra, len, 31);
	assert_non_null(o);
	assert_memory_equal(o + 8, dnssl, sizeof(dnssl));
	o = ra_opt(ra, len, 1);
	assert_non_null(o);
	assert_memory_equal(o + 2, t_our_mac, 6);
}

static void test_rs_ra(void **state)
{
	uint8_t body[12] = { 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 2 };
	struct conf c = conf;

	(void)state;
	assert_int_equal(feed(nd("fe80::2", "ff02::2", 133, 255, body, 16)), 1);
	check_ra("fe80::2");
	assert_int_equal(feed(nd("::", "ff02::2", 133, 255, body, 8)), 1);
	check_ra("ff02::1");

	body[5] = 0;					/* option length 0 */
	assert_int_equal(outcome(nd("fe80::2", "ff02::2", 133, 255, body, 16)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(nd("fe80::2", "ff02::2", 133, 64, body, 8)),
			 IN_DROP_NDP);

	c.ns.config_net = true;				/* RA off */
	ndp_init(lp, &c.ip6, &c.link, &c.ns, &c.svc);
	assert_int_equal(outcome(nd("fe80::2", "ff02::2", 133, 255, body, 8)),
			 IN_TO_NDP);
	assert_int_equal(t_ncap, 0);
	c = conf;
	c.svc.ndp = false;				/* NDP off */
	ndp_init(lp, &c.ip6, &c.link, &c.ns, &c.svc);
	assert_int_equal(outcome(ns("fe80::2", T_GW6, 255, NULL, 0)),
			 IN_DROP_NDP);
	assert_int_equal(t_ncap, 0);
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
}

/* Unsolicited RAs: 3 initial ones 16 s apart, then every 200..600 s */
static void test_ra_periodic(void **state)
{
	struct timespec t = { .tv_sec = lp->now.tv_sec + 1 };
	struct conf c = conf;
	int i;

	(void)state;
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
	for (i = 0; i < 4; i++) {
		t_cap_reset();
		lp->now = t;
		ndp_timer(lp);
		assert_int_equal(t_flush(), 1);
		check_ra("ff02::1");
		t_cap_reset();
		t.tv_sec += 15;
		lp->now = t;
		ndp_timer(lp);			/* not due yet */
		assert_int_equal(t_flush(), 0);
		t.tv_sec += i < 3 ? 1 : 185;
	}
	t.tv_sec += 400;			/* past 600 s: due again */
	t_cap_reset();
	lp->now = t;
	ndp_timer(lp);
	assert_int_equal(t_flush(), 1);

	c.ns.config_net = true;			/* RA off: none sent */
	ndp_init(lp, &c.ip6, &c.link, &c.ns, &c.svc);
	t_cap_reset();
	t.tv_sec += 1000;
	lp->now = t;
	ndp_timer(lp);
	assert_int_equal(t_flush(), 0);
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
}

static void test_other_nd(void **state)
{
	uint8_t body[40] = { 0 };

	(void)state;
	assert_int_equal(outcome(nd("fe80::2", "ff02::1", 136, 255, body, 24)),
			 IN_TO_NDP);
	assert_int_equal(outcome(nd("fe80::2", "ff02::1", 136, 255, body, 20)),
			 IN_DROP_NDP);
	assert_int_equal(outcome(nd("fe80::2", "ff02::1", 134, 255, body, 16)),
			 IN_TO_NDP);
	assert_int_equal(outcome(nd("fe80::2", "ff02::1", 137, 255, body, 40)),
			 IN_TO_NDP);
	assert_int_equal(t_ncap, 0);
}

/* Following the host: a new prefix and resolver go out at once; the old
 * prefix and resolver with zero lifetimes, in the next RAs only; a new
 * router address says goodbye from the old one first */
static void test_refresh(void **state)
{
	struct in6_addr old = t_a6("2001:db8::"), dns = t_a6(T_DNS6);
	struct in6_addr pfx = t_a6("2001:db8:5::"), dns2 = t_a6("2001:db8:5::53");
	struct conf c = conf;
	const uint8_t *ra, *o;
	size_t len, off;
	int i, seen_old = 0, seen_new = 0, zero_dns = 0;

	(void)state;
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
	c.ip6.addr = t_a6("2001:db8:5::2");
	c.ip6.dns[0] = dns2;
	c.ip6.our_ll = t_a6("fe80::99");
	t_cap_reset();
	ndp_refresh(lp, &c.ip6, &c.link, &c.ns, &c.svc);
	assert_int_equal(t_flush(), 2);

	/* Goodbye from the old router: lifetime 0, no prefix of ours */
	ra = t_cap[0] + ETH_HDR_LEN + IP6_HDR_LEN;
	len = t_cap_len[0] - ETH_HDR_LEN - IP6_HDR_LEN;
	check_ip6(t_cap[0], t_cap_len[0], T_GW6, "ff02::1");
	assert_int_equal(rd16(ra + 6), 0);

	/* The new state, from the new address */
	ra = t_cap[1] + ETH_HDR_LEN + IP6_HDR_LEN;
	len = t_cap_len[1] - ETH_HDR_LEN - IP6_HDR_LEN;
	check_ip6(t_cap[1], t_cap_len[1], "fe80::99", "ff02::1");
	assert_int_not_equal(rd16(ra + 6), 0);
	for (off = 16; off + 2 <= len && ra[off + 1]; off += ra[off + 1] * 8) {
		o = ra + off;
		if (o[0] == 3 && !memcmp(o + 16, &pfx, 8)) {
			assert_int_equal(rd32(o + 4), 0xffffffff);
			seen_new++;
		} else if (o[0] == 3 && !memcmp(o + 16, &old, 8)) {
			assert_int_equal(rd32(o + 4), 0);	/* valid */
			assert_int_equal(rd32(o + 8), 0);	/* preferred */
			seen_old++;
		} else if (o[0] == 25 && !rd32(o + 4)) {
			assert_memory_equal(o + 8, &dns, 16);
			zero_dns++;
		}
	}
	assert_int_equal(seen_new, 1);
	assert_int_equal(seen_old, 1);
	assert_int_equal(zero_dns, 1);

	/* A few RAs later, only the new state is left */
	for (i = 0; i < 6; i++) {
		t_cap_reset();
		lp->now.tv_sec += 700;
		ndp_timer(lp);
		assert_int_equal(t_flush(), 1);
	}
	ra = t_cap[0] + ETH_HDR_LEN + IP6_HDR_LEN;
	len = t_cap_len[0] - ETH_HDR_LEN - IP6_HDR_LEN;
	seen_old = seen_new = zero_dns = 0;
	for (off = 16; off + 2 <= len && ra[off + 1]; off += ra[off + 1] * 8) {
		o = ra + off;
		seen_new += o[0] == 3 && !memcmp(o + 16, &pfx, 8);
		seen_old += o[0] == 3 && memcmp(o + 16, &pfx, 8);
		zero_dns += o[0] == 25 && !rd32(o + 4);
	}
	assert_int_equal(seen_new, 1);
	assert_int_equal(seen_old, 0);
	assert_int_equal(zero_dns, 0);
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_na),
		cmocka_unit_test(test_ns_ignored),
		cmocka_unit_test(test_ns_invalid),
		cmocka_unit_test(test_rs_ra),
		cmocka_unit_test(test_ra_periodic),
		cmocka_unit_test(test_other_nd),
		cmocka_unit_test(test_refresh),
	};

	t_conf(&conf);
	conf.svc.tcp = conf.svc.udp = conf.svc.icmp = false;
	t_start(&conf, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
