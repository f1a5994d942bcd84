// SPDX-License-Identifier: MIT
/* test_arp.c - proxy ARP: which requests get an answer, and its bytes */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2test.h"

static struct conf conf;
static uint8_t req[60];

/* A request from @sha/@spa for @tpa, in req */
static void arp_req(const char *spa, const char *tpa, uint16_t op)
{
	struct in_addr s = t_a4(spa), t = t_a4(tpa);

	memset(req, 0, sizeof(req));
	memset(req, 0xff, 6);
	memcpy(req + 6, t_guest_mac, 6);
	wr16(req + 12, 0x0806);
	wr16(req + 14, 1);
	wr16(req + 16, 0x0800);
	req[18] = 6;
	req[19] = 4;
	wr16(req + 20, op);
	memcpy(req + 22, t_guest_mac, 6);
	memcpy(req + 28, &s, 4);
	memcpy(req + 38, &t, 4);
}

/* Feed req (@len bytes) through ingress. Return: frames sent back */
static int feed(size_t len)
{
	t_cap_reset();
	t_feed(req, len, 0);
	return t_flush();
}

static void test_reply(void **state)
{
	const char *targets[] = { T_GW4, T_REMOTE4, "192.0.2.77", "10.1.2.3" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		struct in_addr t = t_a4(targets[i]), g = t_a4(T_GUEST4);
		const uint8_t *r = t_cap[0];

		arp_req(T_GUEST4, targets[i], 1);
		assert_int_equal(feed(42), 1);
		assert_int_equal(t_cap_len[0], 60);
		assert_memory_equal(r, t_guest_mac, 6);
		assert_memory_equal(r + 6, t_our_mac, 6);
		assert_int_equal(rd16(r + 12), 0x0806);
		assert_memory_equal(r + 14, req + 14, 6);
		assert_int_equal(rd16(r + 20), 2);		/* reply */
		assert_memory_equal(r + 22, t_our_mac, 6);
		assert_memory_equal(r + 28, &t, 4);
		assert_memory_equal(r + 32, t_guest_mac, 6);
		assert_memory_equal(r + 38, &g, 4);
		for (size_t j = 42; j < 60; j++)
			assert_int_equal(r[j], 0);
	}
	/* Ethernet padding after the request is fine */
	arp_req(T_GUEST4, T_GW4, 1);
	assert_int_equal(feed(60), 1);
}

static void test_no_reply(void **state)
{
	size_t len;

	(void)state;
	arp_req(T_GUEST4, T_GUEST4, 1);		/* announcement (5227 2.3) */
	assert_int_equal(feed(42), 0);
	arp_req("0.0.0.0", T_GW4, 1);		/* probe (5227 2.1.1) */
	assert_int_equal(feed(42), 0);
	arp_req("192.0.2.9", T_GUEST4, 1);	/* the guest's own address */
	assert_int_equal(feed(42), 0);
	arp_req(T_GUEST4, T_GW4, 2);		/* a reply */
	assert_int_equal(feed(42), 0);
	arp_req(T_GUEST4, T_GW4, 1);
	for (len = 0; len < 42; len++)
		assert_int_equal(feed(len), 0);
	arp_req(T_GUEST4, T_GW4, 1);
	req[18] = 8;				/* hlen */
	assert_int_equal(feed(42), 0);
	arp_req(T_GUEST4, T_GW4, 1);
	wr16(req + 16, 0x86dd);			/* ptype */
	assert_int_equal(feed(42), 0);
	arp_req(T_GUEST4, T_GW4, 1);
	wr16(req + 14, 6);			/* htype IEEE 802 */
	assert_int_equal(feed(42), 0);
}

static void test_disabled(void **state)
{
	struct conf c = conf;

	(void)state;
	c.ip4.enabled = false;
	arp_init(&c.ip4);
	arp_req(T_GUEST4, T_GW4, 1);
	t_cap_reset();
	arp_from_tap(lp, req, 42);
	assert_int_equal(t_flush(), 0);
	arp_init(&conf.ip4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_no_reply),
		cmocka_unit_test(test_disabled),
	};

	t_conf(&conf);
	conf.svc.tcp = conf.svc.udp = conf.svc.icmp = false;
	t_start(&conf, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
