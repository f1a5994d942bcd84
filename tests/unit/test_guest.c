// SPDX-License-Identifier: MIT
/* test_guest.c - unit tests for what l2 learns of the guest */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "l2/guest.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static struct conf conf;

static union inany any(const char *s)
{
	union inany a;
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, s, &a4) == 1)
		inany_from_v4(&a, a4);
	else if (inet_pton(AF_INET6, s, &a6) == 1)
		inany_from_v6(&a, &a6);
	else
		fail_msg("bad address %s", s);
	return a;
}

static void want(int af, const char *s)
{
	union inany got, w = any(s);

	guest_addr(af, &got);
	assert_true(inany_equals(&got, &w));
}

static int setup(void **state)
{
	(void)state;
	memset(&conf, 0, sizeof(conf));
	inet_pton(AF_INET, "192.0.2.2", &conf.ip4.addr);
	inet_pton(AF_INET6, "2001:db8::2", &conf.ip6.addr);
	guest_init(&conf.ip4, &conf.ip6);
	return 0;
}

/* Before any frame: the configured addresses, MAC unknown (broadcast) */
static void test_first_guesses(void **state)
{
	(void)state;
	want(AF_INET, "192.0.2.2");
	want(AF_INET6, "2001:db8::2");
	assert_true(guest_mac_is(bcast));
}

/* Sources the guest really uses replace them; others don't */
static void test_learning(void **state)
{
	union inany a;

	(void)state;
	a = any("192.0.2.77");
	guest_addr_seen(&a);
	want(AF_INET, "192.0.2.77");

	a = any("2001:db8::77");
	guest_addr_seen(&a);
	want(AF_INET6, "2001:db8::77");

	a = any("0.0.0.0");			/* DHCP, before a lease */
	guest_addr_seen(&a);
	a = any("224.0.0.251");			/* not a source */
	guest_addr_seen(&a);
	want(AF_INET, "192.0.2.77");

	a = any("fe80::77");			/* link-local: kept apart */
	guest_addr_seen(&a);
	a = any("::");				/* DAD */
	guest_addr_seen(&a);
	want(AF_INET6, "2001:db8::77");
}

/* -a pins the address against learning */
static void test_fixed(void **state)
{
	union inany a;

	(void)state;
	conf.ip4.addr_fixed = conf.ip6.addr_fixed = true;
	guest_init(&conf.ip4, &conf.ip6);
	a = any("192.0.2.77");
	guest_addr_seen(&a);
	a = any("2001:db8::77");
	guest_addr_seen(&a);
	want(AF_INET, "192.0.2.2");
	want(AF_INET6, "2001:db8::2");
}

/* The MAC is learnt, and forgotten when the peer behind the link changes;
 * the addresses stay */
static void test_mac_and_forget(void **state)
{
	union inany a = any("192.0.2.77");

	(void)state;
	guest_mac_set(mac);
	guest_addr_seen(&a);
	assert_true(guest_mac_is(mac));
	guest_forget();
	assert_true(guest_mac_is(bcast));
	want(AF_INET, "192.0.2.77");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_guesses, setup),
		cmocka_unit_test_setup(test_learning, setup),
		cmocka_unit_test_setup(test_fixed, setup),
		cmocka_unit_test_setup(test_mac_and_forget, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
