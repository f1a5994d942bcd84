// SPDX-License-Identifier: MIT
/* test_dhcpv6.c - unit tests for the DHCPv6 server: replies, input checks */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "l2/dhcpv6.h"
#include "l2test.h"		/* t_link: captures what egress sends */

static struct conf c;
static const uint8_t rq_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
static const uint8_t our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };
static const uint8_t client_duid[] = { 0, 3, 0, 1, 0x52, 0x54, 0, 0x12,
				       0x34, 0x56 };
static const uint8_t server_duid[] = { 0, 3, 0, 1, 0x9a, 0x55, 0x9a, 0x55,
				       0x9a, 0x55 };
static struct in6_addr guest_ll;

static int setup(void **state)
{
	(void)state;
	memset(&c, 0, sizeof(c));
	c.mode = MODE_PASST;
	c.ip6.enabled = true;
	inet_pton(AF_INET6, "2001:db8:1::2", &c.ip6.addr);
	c.ip6.prefix_len = 64;
	inet_pton(AF_INET6, "fe80::1", &c.ip6.our_ll);
	inet_pton(AF_INET6, "2001:db8:1::53", &c.ip6.dns[0]);
	c.ip6.dns_n = 1;
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", &guest_ll);
	memcpy(c.link.our_mac, our_mac, 6);
	c.link.mtu = 65520;
	c.svc.dhcpv6 = true;
	c.svc.dhcp_dns = true;
	c.svc.dhcp_search = true;
	strcpy(c.svc.search[0], "example.org");
	c.svc.search_n = 1;
	strcpy(c.svc.fqdn, "vm.example.org");
	egress_init(lp, &c.link);
	link_init(lp);
	link_set(lp, &t_link, -1);
	dhcpv6_init(&c);
	t_ncap = 0;
	return 0;
}

/* ---- messages from the guest --------------------------------------- */

#define M_IP	ETH_HDR_LEN
#define M_UDP	(ETH_HDR_LEN + IP6_HDR_LEN)
#define M_MSG	(M_UDP + 8)

static uint8_t rq[2048];
static size_t rq_len;		/* DHCPv6 message length so far */

static void rq_start(int type)
{
	memset(rq, 0, sizeof(rq));
	memcpy(rq, "\x33\x33\x00\x01\x00\x02", 6);
	memcpy(rq + 6, rq_mac, 6);
	wr16(rq + 12, 0x86dd);
	rq[M_MSG] = (uint8_t)type;
	rq[M_MSG + 1] = 0xab;
	rq[M_MSG + 2] = 0xcd;
	rq[M_MSG + 3] = 0xef;
	rq_len = 4;
}

static uint8_t *rq_add(uint16_t code, const void *v, size_t len)
{
	uint8_t *p = rq + M_MSG + rq_len;

	wr16(p, code);
	wr16(p + 2, (uint16_t)len);
	if (v)
		memcpy(p + 4, v, len);
	rq_len += 4 + len;
	return p + 4;
}

static void rq_add_ia(uint32_t iaid, const char *addr)
{
	uint8_t v[12 + 28] = { 0 };
	size_t l = 12;

	wr32(v, iaid);
	if (addr) {
		wr16(v + 12, 5);
		wr16(v + 14, 24);
		inet_pton(AF_INET6, addr, v + 16);
		l += 28;
	}
	rq_add(3, v, l);
}

static bool rq_send(void)
{
	struct pkt p = { 0 };
	struct in6_addr mc;

	inet_pton(AF_INET6, "ff02::1:2", &mc);
	p.frame = rq;
	p.af = AF_INET6;
	p.proto = IPPROTO_UDP;
	p.ttl = 1;
	inany_from_v6(&p.src, &guest_ll);
	inany_from_v6(&p.dst, &mc);
	wr16(rq + M_UDP, 546);
	wr16(rq + M_UDP + 2, 547);
	wr16(rq + M_UDP + 4, (uint16_t)(8 + rq_len));
	p.l4 = rq + M_UDP;
	p.l4_len = 8 + rq_len;
	p.frame_len = M_UDP + p.l4_len;
	return dhcpv6_from_tap(lp, &p);
}

/* ---- replies -------------------------------------------------------- */

static const uint8_t *rp;
static size_t rp_len;

static int flush_one(void)
{
	t_ncap = 0;
	t_flush();
	rp = t_ncap ? t_cap[0] : NULL;
	rp_len = t_ncap ? t_cap_len[0] : 0;
	return t_ncap;
}

/* Find option @code within [from, to); Return: value or NULL */
static const uint8_t *find(const uint8_t *from, const uint8_t *to,
			   uint16_t code, size_t *len)
{
	while (from + 4 <= to) {
		size_t l = rd16(from + 2);

		assert_true(from + 4 + l <= to);
		if (rd16(from) == code) {
			if (len)
				*len = l;
			return from + 4;
		}
		from += 4 + l;
	}
	return NULL;
}

static const uint8_t *rp_opt(uint16_t code, size_t *len)
{
	return find(rp + M_MSG + 4, rp + rp_len, code, len);
}

static int rp_status(const uint8_t *from, const uint8_t *to)
{
	size_t l;
	const uint8_t *v = find(from, to, 13, &l);

	if (!v)
		return -1;
	assert_true(l >= 2);
	return rd16(v);
}

static void rp_check(int type)
{
	const uint8_t *ip = rp + M_IP, *udp = rp + M_UDP, *v;
	struct in6_addr s, d;
	size_t l;

	assert_memory_equal(rp, rq_mac, 6);
	assert_memory_equal(rp + 6, our_mac, 6);
	assert_int_equal(rd16(rp + 12), 0x86dd);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(ip[6], IPPROTO_UDP);
	assert_int_equal(rd16(ip + 4), rp_len - M_UDP);
	memcpy(&s, ip + 8, 16);
	memcpy(&d, ip + 24, 16);
	assert_memory_equal(&s, &c.ip6.our_ll, 16);
	assert_memory_equal(&d, &guest_ll, 16);
	assert_int_equal(rd16(udp), 547);
	assert_int_equal(rd16(udp + 2), 546);
	assert_int_equal(rd16(udp + 4), rp_len - M_UDP);
	assert_int_equal(csum_fold(csum_partial(udp, rp_len - M_UDP,
			 csum_pseudo6(&s, &d, IPPROTO_UDP,
				      (uint32_t)(rp_len - M_UDP)))), 0);
	assert_int_equal(rp[M_MSG], type);
	assert_memory_equal(rp + M_MSG + 1, "\xab\xcd\xef", 3);
	v = rp_opt(2, &l);
	assert_non_null(v);
	assert_int_equal(l, sizeof(server_duid));
	assert_memory_equal(v, server_duid, l);
}

/* The IA_NA for @iaid carries our address, infinite lifetimes */
static void rp_check_ia(uint32_t iaid)
{
	const uint8_t *ia, *a;
	size_t l, al;

	ia = rp_opt(3, &l);
	assert_non_null(ia);
	assert_int_equal(rd32(ia), iaid);
	assert_int_equal(rd32(ia + 4), 0xffffffff);
	assert_int_equal(rd32(ia + 8), 0xffffffff);
	a = find(ia + 12, ia + l, 5, &al);
	assert_non_null(a);
	assert_int_equal(al, 24);
	assert_memory_equal(a, &c.ip6.addr, 16);
	assert_int_equal(rd32(a + 16), 0xffffffff);
	assert_int_equal(rd32(a + 20), 0xffffffff);
}

static void test_solicit_advertise(void **state)
{
	const uint8_t *v;
	size_t l;

	(void)state;
	rq_start(1);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(8, "\x00\x00", 2);
	rq_add_ia(0x01020304, NULL);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check(2);
	rp_check_ia(0x01020304);
	v = rp_opt(1, &l);
	assert_int_equal(l, sizeof(client_duid));
	assert_memory_equal(v, client_duid, l);
	v = rp_opt(7, &l);
	assert_int_equal(l, 1);
	assert_int_equal(v[0], 255);
	v = rp_opt(23, &l);
	assert_int_equal(l, 16);
	assert_memory_equal(v, &c.ip6.dns[0], 16);
	v = rp_opt(24, &l);
	assert_int_equal(l, 13);
	assert_memory_equal(v, "\x07" "example" "\x03" "org", 13);
	v = rp_opt(39, &l);
	assert_int_equal(l, 1 + 16);
	assert_memory_equal(v + 1, "\x02" "vm" "\x07" "example" "\x03" "org",
			    16);
	assert_null(rp_opt(14, NULL));
}

static void test_rapid_commit(void **state)
{
	(void)state;
	rq_start(1);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(14, NULL, 0);
	rq_add_ia(7, NULL);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check(7);
	rp_check_ia(7);
	assert_non_null(rp_opt(14, NULL));
	assert_null(rp_opt(7, NULL));
}

static void test_request_renew_rebind(void **state)
{
	const uint8_t *ia, *a;
	size_t l;
	int type;

	(void)state;
	for (type = 3; type <= 6; type++) {
		if (type == 4)
			continue;
		rq_start(type);
		rq_add(1, client_duid, sizeof(client_duid));
		if (type != 6)
			rq_add(2, server_duid, sizeof(server_duid));
		rq_add_ia(9, "2001:db8:1::2");
		assert_true(rq_send());
		assert_int_equal(flush_one(), 1);
		rp_check(7);
		rp_check_ia(9);
	}

	/* An old address comes back with zero lifetimes */
	rq_start(5);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	rq_add_ia(9, "2001:db8:2::99");
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_ia(9);
	ia = rp_opt(3, &l);
	a = find(ia + 12, ia + l, 5, NULL);
	a = find(a + 24, ia + l, 5, NULL);
	assert_non_null(a);
	assert_int_equal(a[15], 0x99);
	assert_int_equal(rd32(a + 16), 0);
	assert_int_equal(rd32(a + 20), 0);
}

/* Following the host: the lease's lifetimes, renewal at half of them */
static void test_follow_lifetimes(void **state)
{
	const uint8_t *ia, *a;
	size_t l;

	(void)state;
	c.svc.lease_s = CONF_FOLLOW_LEASE_S;
	rq_start(3);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	rq_add_ia(9, "2001:db8:1::2");
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	ia = rp_opt(3, &l);
	assert_non_null(ia);
	assert_int_equal(rd32(ia + 4), CONF_FOLLOW_LEASE_S / 2);
	assert_int_equal(rd32(ia + 8), CONF_FOLLOW_LEASE_S / 5 * 4);
	a = find(ia + 12, ia + l, 5, NULL);
	assert_non_null(a);
	assert_int_equal(rd32(a + 16), CONF_FOLLOW_LEASE_S);
	assert_int_equal(rd32(a + 20), CONF_FOLLOW_LEASE_S);
	c.svc.lease_s = 0;
}

/* RFC 8415 16: what must be dropped */
static void test_drop_rules(void **state)
{
	static const uint8_t other[] = { 0, 3, 0, 1, 1, 2, 3, 4, 5, 6 };

	(void)state;
	rq_start(1);			/* SOLICIT without client id */
	rq_add_ia(1, NULL);
	assert_true(rq_send());
	rq_start(1);			/* SOLICIT with a server id */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	assert_true(rq_send());
	rq_start(3);			/* REQUEST for another server */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, other, sizeof(other));
	rq_add_ia(1, NULL);
	assert_true(rq_send());
	rq_start(5);			/* RENEW without server id */
	rq_add(1, client_duid, sizeof(client_duid));
	assert_true(rq_send());
	rq_start(6);			/* REBIND with server id */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	assert_true(rq_send());
	rq_start(2);			/* server messages */
	rq_add(1, client_duid, sizeof(client_duid));
	assert_true(rq_send());
	rq_start(7);
	assert_true(rq_send());
	rq_start(9);			/* DECLINE */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	assert_true(rq_send());
	rq_start(11);			/* INFORMATION-REQUEST, other server */
	rq_add(2, other, sizeof(other));
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);
}

static void test_confirm(void **state)
{
	(void)state;
	rq_start(4);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add_ia(1, "2001:db8:1::1234");
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check(7);
	assert_int_equal(rp_status(rp + M_MSG + 4, rp + rp_len), 0);
	assert_null(rp_opt(3, NULL));

	rq_start(4);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add_ia(1, "2001:db8:1::1234");
	rq_add_ia(2, "2001:db8:9::1");
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_int_equal(rp_status(rp + M_MSG + 4, rp + rp_len), 4);

	rq_start(4);			/* no addresses: no reply */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add_ia(1, NULL);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);
}

static void test_information_request(void **state)
{
	(void)state;
	rq_start(11);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check(7);
	assert_null(rp_opt(3, NULL));
	assert_null(rp_opt(1, NULL));
	assert_non_null(rp_opt(23, NULL));
	assert_non_null(rp_opt(24, NULL));

	c.svc.dhcp_dns = false;
	c.svc.dhcp_search = false;
	c.svc.fqdn[0] = '\0';
	dhcpv6_init(&c);
	rq_start(11);
	rq_add(2, server_duid, sizeof(server_duid));
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_null(rp_opt(23, NULL));
	assert_null(rp_opt(24, NULL));
	assert_null(rp_opt(39, NULL));
}

static void test_release(void **state)
{
	(void)state;
	rq_start(8);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	rq_add_ia(1, "2001:db8:1::2");
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check(7);
	assert_int_equal(rp_status(rp + M_MSG + 4, rp + rp_len), 0);
}

static void test_no_address_and_extra_ia(void **state)
{
	const uint8_t *ia, *end;
	size_t l;

	(void)state;
	/* Two IA_NAs: the second gets NoAddrsAvail inside */
	rq_start(3);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	rq_add_ia(1, NULL);
	rq_add_ia(2, NULL);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_ia(1);
	ia = rp_opt(3, &l);
	end = rp + rp_len;
	ia = find(ia + l, end, 3, &l);
	assert_non_null(ia);
	assert_int_equal(rd32(ia), 2);
	assert_int_equal(rp_status(ia + 12, ia + l), 2);

	/* No global address: SOLICIT gets NoAddrsAvail */
	memset(&c.ip6.addr, 0, sizeof(c.ip6.addr));
	dhcpv6_init(&c);
	rq_start(1);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add_ia(1, NULL);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_null(rp_opt(3, NULL));
	assert_int_equal(rp_status(rp + M_MSG + 4, rp + rp_len), 2);
}

static void test_disabled(void **state)
{
	(void)state;
	c.svc.dhcpv6 = false;
	dhcpv6_init(&c);
	rq_start(11);
	assert_false(rq_send());
	c.svc.dhcpv6 = true;
	c.ip6.enabled = false;
	dhcpv6_init(&c);
	assert_false(rq_send());
	assert_int_equal(flush_one(), 0);
}

static void test_malformed(void **state)
{
	uint8_t *v;

	(void)state;
	rq_start(1);			/* option past the end */
	rq_add(1, client_duid, sizeof(client_duid));
	v = rq_add(3, NULL, 12);
	wr16(v - 2, 200);
	assert_true(rq_send());
	rq_start(1);			/* truncated option header */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_len += 3;
	assert_true(rq_send());
	rq_start(1);			/* short IA_NA */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(3, "\x00\x00\x00\x01", 4);
	assert_true(rq_send());
	rq_start(1);			/* two client ids */
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(1, client_duid, sizeof(client_duid));
	assert_true(rq_send());
	rq_start(1);			/* empty client id */
	rq_add(1, NULL, 0);
	assert_true(rq_send());
	rq_start(1);			/* message shorter than its header */
	rq_len = 2;
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);

	/* Bad sub-options inside an IA are skipped, not trusted */
	rq_start(5);
	rq_add(1, client_duid, sizeof(client_duid));
	rq_add(2, server_duid, sizeof(server_duid));
	v = rq_add(3, NULL, 12 + 8);
	wr32(v, 5);
	wr16(v + 12, 5);
	wr16(v + 14, 4);		/* IAADDR too short */
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_ia(5);
}

static void test_fuzz(void **state)
{
	unsigned seed = 7;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		size_t n = (size_t)(rand_r(&seed) % 300), i;
		uint8_t *p;

		rq_start(1 + round % 11);
		rq_add(1, client_duid, sizeof(client_duid));
		if (round % 3)
			rq_add(2, server_duid, sizeof(server_duid));
		p = rq + M_MSG + rq_len;
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)rand_r(&seed);
		if (n > 4 && round % 2) {	/* plausible IA_NA header */
			wr16(p, 3);
			wr16(p + 2, (uint16_t)(rand_r(&seed) % (n + 8)));
		}
		rq_len += n;
		assert_true(rq_send());
		if (flush_one())
			rp_check(rp[M_MSG]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_solicit_advertise, setup),
		cmocka_unit_test_setup(test_rapid_commit, setup),
		cmocka_unit_test_setup(test_request_renew_rebind, setup),
		cmocka_unit_test_setup(test_drop_rules, setup),
		cmocka_unit_test_setup(test_confirm, setup),
		cmocka_unit_test_setup(test_information_request, setup),
		cmocka_unit_test_setup(test_release, setup),
		cmocka_unit_test_setup(test_no_address_and_extra_ia, setup),
		cmocka_unit_test_setup(test_disabled, setup),
		cmocka_unit_test_setup(test_follow_lifetimes, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_fuzz, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
