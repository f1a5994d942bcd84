// SPDX-License-Identifier: MIT
/* test_udp_icmp.c - ICMP echo through ping sockets in a private netns, and
 * the errors UDP (and others) send to the guest with icmp_error_to_tap() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2test.h"

static struct conf conf;
static bool netns;
static uint8_t buf[L2_MAX_FRAME];

/* cmocka can't skip from a setup function: tests call this first */
static bool ping_ok(void)
{
	int fd;

	if (!netns)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd < 0) {
		fprintf(stderr, "no ping sockets here (ping_group_range)\n");
		return false;
	}
	close(fd);
	return true;
}
#define NEED_NETNS()	do { if (!ping_ok()) skip(); } while (0)

#define PUMP_MS	2000

/* The guest pings @dst from @src: echo @id/@seq with @len data bytes */
static void guest_ping(const char *src, const char *dst, uint16_t id,
		       uint16_t seq, size_t len)
{
	static uint8_t l4[L2_MAX_FRAME];
	bool v6 = strchr(src, ':');
	struct t_pkt t = { src, dst, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 0,
			   l4, 8 + len, false };
	size_t i;

	l4[0] = v6 ? 128 : 8;
	l4[1] = 0;
	wr16(l4 + 4, id);
	wr16(l4 + 6, seq);
	for (i = 0; i < len; i++)
		l4[8 + i] = (uint8_t)(i + seq);
	t_feed(buf, t_build(buf, &t), 0);
}

/* Captured frame @i: echo reply from @src to @dst, @id, @seq, data */
static void check_reply(int i, const char *src, const char *dst,
			uint16_t id, uint16_t seq, size_t len)
{
	union inany s = t_any(src), d = t_any(dst);
	const uint8_t *f = t_cap[i], *ip = f + ETH_HDR_LEN, *l4;
	size_t j;

	assert_true(i < t_ncap);
	assert_true(t_l4_csum_ok(f, t_cap_len[i]));
	if (inany_is_v4(&s)) {
		assert_int_equal(ip[9], IPPROTO_ICMP);
		assert_memory_equal(ip + 12, &s.v4.a4, 4);
		assert_memory_equal(ip + 16, &d.v4.a4, 4);
		l4 = ip + IP4_HDR_LEN;
		assert_int_equal(l4[0], 0);
	} else {
		assert_int_equal(ip[6], IPPROTO_ICMPV6);
		assert_memory_equal(ip + 8, &s.a6, 16);
		assert_memory_equal(ip + 24, &d.a6, 16);
		l4 = ip + IP6_HDR_LEN;
		assert_int_equal(l4[0], 129);
	}
	assert_int_equal(t_cap_len[i], (size_t)(l4 - f) + 8 + len);
	assert_int_equal(rd16(l4 + 4), id);
	assert_int_equal(rd16(l4 + 6), seq);
	for (j = 0; j < len; j++)
		assert_int_equal(l4[8 + j], (uint8_t)(j + seq));
}

static void test_ping_remote(void **state)
{
	(void)state;
	NEED_NETNS();
	t_cap_reset();
	guest_ping(T_GUEST4, T_REMOTE4, 0x1234, 1, 56);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_reply(0, T_REMOTE4, T_GUEST4, 0x1234, 1, 56);

	t_cap_reset();
	guest_ping(T_GUEST6, T_REMOTE6, 0x4321, 9, 56);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_reply(0, T_REMOTE6, T_GUEST6, 0x4321, 9, 56);
}

/* The gateway is the host's loopback, but replies show the gateway */
static void test_ping_gateway(void **state)
{
	(void)state;
	NEED_NETNS();
	t_cap_reset();
	guest_ping(T_GUEST4, T_GW4, 7, 1, 8);
	guest_ping(T_GUEST4, T_GW4, 7, 2, 8);		/* same flow */
	assert_int_equal(t_pump(2, PUMP_MS), 2);
	check_reply(0, T_GW4, T_GUEST4, 7, 1, 8);
	check_reply(1, T_GW4, T_GUEST4, 7, 2, 8);

	t_cap_reset();
	guest_ping(T_GUEST6, T_GW6, 7, 3, 0);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_reply(0, T_GW6, T_GUEST6, 7, 3, 0);
}

/* Two echo ids, two flows: each reply carries its own id */
static void test_ping_ids(void **state)
{
	uint16_t a, b;

	(void)state;
	NEED_NETNS();
	t_cap_reset();
	guest_ping(T_GUEST4, T_REMOTE4, 100, 1, 4);
	guest_ping(T_GUEST4, T_REMOTE4, 200, 1, 4);
	assert_int_equal(t_pump(2, PUMP_MS), 2);
	a = rd16(t_cap[0] + ETH_HDR_LEN + IP4_HDR_LEN + 4);
	b = rd16(t_cap[1] + ETH_HDR_LEN + IP4_HDR_LEN + 4);
	assert_true((a == 100 && b == 200) || (a == 200 && b == 100));
}

static void test_ping_large(void **state)
{
	size_t len = L2_MAX_FRAME - ETH_HDR_LEN - IP4_HDR_LEN - 8 - 100;

	(void)state;
	NEED_NETNS();
	t_cap_reset();
	guest_ping(T_GUEST4, T_REMOTE4, 0x77, 5, len);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_reply(0, T_REMOTE4, T_GUEST4, 0x77, 5, len);
}

/* Not an echo request: dropped quietly */
static void test_not_echo(void **state)
{
	uint8_t l4[20] = { 13, 0 };			/* timestamp */
	struct t_pkt t = { T_GUEST4, T_REMOTE4, IPPROTO_ICMP, 0, l4, 20,
			   false };

	(void)state;
	NEED_NETNS();
	t_cap_reset();
	t_feed(buf, t_build(buf, &t), 0);
	l4[0] = 8;
	l4[1] = 1;					/* echo, code 1 */
	t_feed(buf, t_build(buf, &t), 0);
	guest_ping(T_GUEST4, "192.0.2.255", 1, 1, 4);	/* no route */
	guest_ping(T_GUEST4, "224.0.0.1", 1, 1, 4);	/* multicast */
	assert_int_equal(t_pump(1, 200), 0);
}

/* icmp_error_to_tap(): quote limits, fields, no error about an error */
static void test_errors(void **state)
{
	union inany gw4 = t_any(T_GW4), gw6 = t_any(T_REMOTE6);
	union inany g4 = t_any(T_GUEST4), r4 = t_any(T_REMOTE4);
	union inany g6 = t_any(T_GUEST6), r6 = t_any(T_REMOTE6);
	static uint8_t orig[2000];
	const uint8_t *e;

	(void)state;
	memset(orig, 0x5a, sizeof(orig));
	orig[0] = 0x45;
	orig[9] = IPPROTO_UDP;
	memcpy(orig + 12, &g4.v4.a4, 4);
	memcpy(orig + 16, &r4.v4.a4, 4);

	t_cap_reset();
	icmp_error_to_tap(lp, &gw4, 3, 4, 1400, orig, 1000);
	assert_int_equal(t_flush(), 1);
	assert_int_equal(t_cap_len[0], ETH_HDR_LEN + 576);	/* RFC 1812 */
	assert_true(t_l4_csum_ok(t_cap[0], t_cap_len[0]));
	e = t_cap[0] + ETH_HDR_LEN + IP4_HDR_LEN;
	assert_int_equal(e[0], 3);
	assert_int_equal(e[1], 4);
	assert_int_equal(rd16(e + 6), 1400);
	assert_memory_equal(e + 8, orig, 548);

	t_cap_reset();
	icmp_error_to_tap(lp, &gw4, 3, 3, 0, orig, 19);		/* too short */
	orig[0] = 0x65;
	icmp_error_to_tap(lp, &gw4, 3, 3, 0, orig, 100);	/* not IPv4 */
	orig[0] = 0x45;
	orig[9] = IPPROTO_ICMP;
	orig[20] = 3;						/* an error */
	icmp_error_to_tap(lp, &gw4, 3, 3, 0, orig, 100);
	icmp_error_to_tap(lp, &gw6, 1, 4, 0, orig, 100);	/* family */
	assert_int_equal(t_flush(), 0);

	memset(orig, 0, 48);
	wr32(orig, 0x60000000);
	wr16(orig + 4, 1000);
	orig[6] = IPPROTO_UDP;
	memcpy(orig + 8, &g6.a6, 16);
	memcpy(orig + 24, &r6.a6, 16);
	t_cap_reset();
	icmp_error_to_tap(lp, &gw6, 2, 0, 1280, orig, 1500);
	assert_int_equal(t_flush(), 1);
	assert_int_equal(t_cap_len[0], ETH_HDR_LEN + 1280);	/* RFC 4443 */
	assert_true(t_l4_csum_ok(t_cap[0], t_cap_len[0]));
	e = t_cap[0] + ETH_HDR_LEN + IP6_HDR_LEN;
	assert_int_equal(e[0], 2);
	assert_int_equal(rd32(e + 4), 1280);
}

/*
 * Replies waiting while egress is nearly full: the queue fills mid-way
 * through them. Each must still be its own echo, once: tx pool memory
 * is never handed out again under a queued frame (issue 10, 1)
 */
static void test_pool_reuse(void **state)
{
	int i, seen[16] = { 0 };

	(void)state;
	NEED_NETNS();
	t_cap_reset();
	for (i = 0; i < 16; i++)
		guest_ping(T_GUEST4, T_REMOTE4, 0x2345, (uint16_t)(100 + i),
			   56);
	t_fill(EGRESS_FRAMES - 3);
	assert_int_equal(t_pump(16, PUMP_MS), 16);
	for (i = 0; i < 16; i++) {
		const uint8_t *l4 = t_cap[i] + ETH_HDR_LEN + IP4_HDR_LEN;
		int k = rd16(l4 + 6) - 100;

		assert_true(k >= 0 && k < 16);
		check_reply(i, T_REMOTE4, T_GUEST4, 0x2345,
			    (uint16_t)(100 + k), 56);
		seen[k]++;
	}
	for (i = 0; i < 16; i++)
		assert_int_equal(seen[i], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_remote),
		cmocka_unit_test(test_ping_gateway),
		cmocka_unit_test(test_ping_ids),
		cmocka_unit_test(test_ping_large),
		cmocka_unit_test(test_not_echo),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pool_reuse),
	};

	t_conf(&conf);
	netns = t_netns();
	if (!netns) {
		fprintf(stderr, "test_udp_icmp: no private netns, echo tests "
			"skipped\n");
		conf.svc.icmp = false;
	}
	conf.svc.tcp = conf.svc.udp = false;
	t_start(&conf, true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
