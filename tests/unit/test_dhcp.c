// SPDX-License-Identifier: MIT
/* test_dhcp.c - unit tests for the DHCPv4 server: replies, options, input */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "l2/dhcp.h"
#include "l2test.h"		/* t_link: captures what egress sends */

static struct conf c;
static const uint8_t rq_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static void conf_default(void)
{
	static const uint8_t our[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

	memset(&c, 0, sizeof(c));
	c.mode = MODE_PASST;
	c.ip4.enabled = true;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.prefix_len = 24;
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	c.ip4.our_addr = c.ip4.gw;
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns[0]);
	inet_pton(AF_INET, "198.51.100.53", &c.ip4.dns[1]);
	c.ip4.dns_n = 2;
	c.link.mtu = 65520;
	memcpy(c.link.our_mac, our, 6);
	c.svc.dhcp = true;
	c.svc.dhcp_dns = true;
	c.svc.dhcp_search = true;
	strcpy(c.svc.search[0], "example.org");
	strcpy(c.svc.search[1], "lab.example.com");
	c.svc.search_n = 2;
	strcpy(c.svc.hostname, "guest1");
	strcpy(c.svc.fqdn, "guest1.example.org");
}

static int setup(void **state)
{
	(void)state;
	conf_default();
	egress_init(lp, &c.link);
	link_init(lp);
	link_set(lp, &t_link, -1);
	dhcp_init(&c.ip4, &c.link, &c.svc);
	t_ncap = 0;
	return 0;
}

/* ---- requests ------------------------------------------------------ */

#define RQ_IP	(ETH_HDR_LEN)
#define RQ_UDP	(ETH_HDR_LEN + IP4_HDR_LEN)
#define RQ_MSG	(RQ_UDP + 8)

static uint8_t rq[2048];
static size_t rq_opt;		/* next option offset within rq */

static void rq_start(int type, uint32_t xid, bool bcast)
{
	memset(rq, 0, sizeof(rq));
	memcpy(rq, "\xff\xff\xff\xff\xff\xff", 6);
	memcpy(rq + 6, rq_mac, 6);
	wr16(rq + 12, 0x0800);
	rq[RQ_MSG] = 1;
	rq[RQ_MSG + 1] = 1;
	rq[RQ_MSG + 2] = 6;
	wr32(rq + RQ_MSG + 4, xid);
	if (bcast)
		wr16(rq + RQ_MSG + 10, 0x8000);
	memcpy(rq + RQ_MSG + 28, rq_mac, 6);
	wr32(rq + RQ_MSG + 236, 0x63825363);
	rq_opt = RQ_MSG + 240;
	if (type) {
		rq[rq_opt++] = 53;
		rq[rq_opt++] = 1;
		rq[rq_opt++] = (uint8_t)type;
	}
}

static void rq_add(uint8_t code, const void *v, uint8_t len)
{
	rq[rq_opt++] = code;
	rq[rq_opt++] = len;
	if (len)
		memcpy(rq + rq_opt, v, len);
	rq_opt += len;
}

/* Finish (end option, pad to 300) and hand @len bytes of payload over */
static bool rq_send_len(size_t msg_len)
{
	struct pkt p = { 0 };

	p.frame = rq;
	p.af = AF_INET;
	p.proto = IPPROTO_UDP;
	p.ttl = 64;
	inany_from_v4(&p.src, (struct in_addr){ 0 });
	inany_from_v4(&p.dst, (struct in_addr){ INADDR_BROADCAST });
	wr16(rq + RQ_UDP, 68);
	wr16(rq + RQ_UDP + 2, 67);
	wr16(rq + RQ_UDP + 4, (uint16_t)(8 + msg_len));
	p.l4 = rq + RQ_UDP;
	p.l4_len = 8 + msg_len;
	p.frame_len = RQ_UDP + p.l4_len;
	return dhcp_from_tap(lp, &p);
}

static bool rq_send(void)
{
	rq[rq_opt++] = 255;
	return rq_send_len(MAX(rq_opt - RQ_MSG, (size_t)300));
}

/* ---- replies ------------------------------------------------------- */

static const uint8_t *rp;	/* captured reply frame */
static size_t rp_len;

static int flush_one(void)
{
	int i;

	t_ncap = 0;
	t_flush();
	for (i = 0; i < t_ncap; i++)
		assert_true(t_cap_len[i] <= EGRESS_COPY_MAX);
	rp = t_ncap ? t_cap[0] : NULL;
	rp_len = t_ncap ? t_cap_len[0] : 0;
	return t_ncap;
}

static const uint8_t *rp_msg(void)
{
	return rp + RQ_MSG;
}

/* Find option @code in the reply; Return: value, NULL if absent */
static const uint8_t *rp_opt(uint8_t code, size_t *len)
{
	size_t i = RQ_MSG + 240;

	while (i < rp_len && rp[i] != 255) {
		if (!rp[i]) {
			i++;
			continue;
		}
		assert_true(i + 2 + rp[i + 1] <= rp_len);
		if (rp[i] == code) {
			if (len)
				*len = rp[i + 1];
			return rp + i + 2;
		}
		i += 2 + (size_t)rp[i + 1];
	}
	return NULL;
}

/* Option codes in order of appearance */
static int rp_opt_order(uint8_t *codes, int max)
{
	size_t i = RQ_MSG + 240;
	int n = 0;

	while (i < rp_len && rp[i] != 255 && n < max) {
		if (!rp[i]) {
			i++;
			continue;
		}
		codes[n++] = rp[i];
		i += 2 + (size_t)rp[i + 1];
	}
	return n;
}

/* Headers, lengths and checksums of the reply are consistent */
static void rp_check_headers(void)
{
	const uint8_t *ip = rp + RQ_IP, *udp = rp + RQ_UDP;
	struct in_addr s, d;
	uint32_t sum;

	assert_int_equal(rd16(rp + 12), 0x0800);
	assert_memory_equal(rp + 6, c.link.our_mac, 6);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[9], IPPROTO_UDP);
	assert_int_equal(rd16(ip + 2), rp_len - ETH_HDR_LEN);
	assert_int_equal(csum_fold(csum_partial(ip, 20, 0)), 0);
	assert_int_equal(rd16(udp), 67);
	assert_int_equal(rd16(udp + 2), 68);
	assert_int_equal(rd16(udp + 4), rp_len - RQ_UDP);
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	assert_int_equal(s.s_addr, c.ip4.our_addr.s_addr);
	sum = csum_pseudo4(s, d, IPPROTO_UDP, (uint16_t)(rp_len - RQ_UDP));
	assert_int_equal(csum_fold(csum_partial(udp, rp_len - RQ_UDP, sum)),
			 0);
	assert_true(rp_len - RQ_MSG >= 300);
	assert_int_equal(rp_msg()[0], 2);
	assert_int_equal(rd32(rp_msg() + 236), 0x63825363);
}

static int rp_type(void)
{
	size_t l;
	const uint8_t *v = rp_opt(53, &l);

	if (!v)
		return 0;
	assert_int_equal(l, 1);
	return v[0];
}

static uint32_t rp_yiaddr(void)
{
	uint32_t a;

	memcpy(&a, rp_msg() + 16, 4);
	return a;
}

/* ---- tests --------------------------------------------------------- */

static void test_discover_offer(void **state)
{
	const uint8_t *v;
	size_t l;

	(void)state;
	rq_start(1, 0x11223344, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 2);		/* OFFER */
	assert_int_equal(rd32(rp_msg() + 4), 0x11223344);
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);
	assert_memory_equal(rp_msg() + 28, rq_mac, 6);
	/* broadcast flag: to everyone */
	assert_memory_equal(rp, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(rd32(rp + RQ_IP + 16), 0xffffffff);

	v = rp_opt(1, &l);
	assert_non_null(v);
	assert_int_equal(l, 4);
	assert_int_equal(rd32(v), 0xffffff00);
	v = rp_opt(3, &l);
	assert_int_equal(l, 4);
	assert_memory_equal(v, &c.ip4.gw, 4);
	v = rp_opt(6, &l);
	assert_int_equal(l, 8);
	assert_memory_equal(v, c.ip4.dns, 8);
	v = rp_opt(12, &l);
	assert_int_equal(l, 6);
	assert_memory_equal(v, "guest1", 6);
	v = rp_opt(15, &l);
	assert_int_equal(l, 11);
	assert_memory_equal(v, "example.org", 11);
	v = rp_opt(26, &l);
	assert_int_equal(l, 2);
	assert_int_equal(rd16(v), 65520);
	v = rp_opt(51, &l);
	assert_int_equal(l, 4);
	assert_int_equal(rd32(v), 0xffffffff);
	v = rp_opt(54, &l);
	assert_int_equal(l, 4);
	assert_memory_equal(v, &c.ip4.our_addr, 4);
	v = rp_opt(119, &l);
	assert_int_equal(l, 13 + 17);
	assert_memory_equal(v, "\x07" "example" "\x03" "org" "\x00"
			    "\x03" "lab" "\x07" "example" "\x03" "com" "\x00",
			    30);
	v = rp_opt(81, &l);
	assert_int_equal(l, 3 + 20);
	assert_int_equal(v[0], 0x04);
	assert_memory_equal(v + 3, "\x06" "guest1" "\x07" "example"
			    "\x03" "org" "\x00", 20);
	assert_null(rp_opt(80, NULL));
	assert_null(rp_opt(121, NULL));	/* gateway is on-link */
}

static void test_unicast_without_broadcast_flag(void **state)
{
	(void)state;
	rq_start(1, 1, false);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_memory_equal(rp, rq_mac, 6);
	assert_memory_equal(rp + RQ_IP + 16, &c.ip4.addr, 4);
}

static void test_rapid_commit(void **state)
{
	(void)state;
	rq_start(1, 2, true);
	rq_add(80, NULL, 0);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 5);		/* ACK */
	assert_non_null(rp_opt(80, NULL));
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);
}

static void test_request(void **state)
{
	struct in_addr other;

	(void)state;
	/* Selecting: our server id, our address */
	rq_start(3, 3, true);
	rq_add(50, &c.ip4.addr, 4);
	rq_add(54, &c.ip4.our_addr, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 5);
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);

	/* Another address: NAK, broadcast, no lease */
	inet_pton(AF_INET, "192.0.2.77", &other);
	rq_start(3, 4, false);
	rq_add(50, &other, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 6);
	assert_int_equal(rp_yiaddr(), 0);
	assert_null(rp_opt(51, NULL));
	assert_memory_equal(rp, "\xff\xff\xff\xff\xff\xff", 6);

	/* The client chose another server: silence */
	rq_start(3, 5, true);
	rq_add(54, &other, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);

	/* Renewing: ciaddr set, unicast to it */
	rq_start(3, 6, false);
	memcpy(rq + RQ_MSG + 12, &c.ip4.addr, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 5);
	assert_memory_equal(rp + RQ_IP + 16, &c.ip4.addr, 4);
}

/* Following the host: a finite lease, and after the address moved (the
 * configuration changed and dhcp_init() called again) a renewal of the
 * old one is refused and the next discovery gets the new one */
static void test_follow_lease_and_move(void **state)
{
	struct in_addr old = c.ip4.addr;
	const uint8_t *v;
	size_t l;

	(void)state;
	c.svc.lease_s = CONF_FOLLOW_LEASE_S;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(1, 1, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	v = rp_opt(51, &l);
	assert_int_equal(l, 4);
	assert_int_equal(rd32(v), CONF_FOLLOW_LEASE_S);

	inet_pton(AF_INET, "192.0.2.3", &c.ip4.addr);
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(3, 2, false);			/* renewing the old one */
	memcpy(rq + RQ_MSG + 12, &old, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_int_equal(rp_type(), 6);		/* NAK */
	rq_start(1, 3, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_int_equal(rp_type(), 2);
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);
	v = rp_opt(51, &l);
	assert_int_equal(rd32(v), CONF_FOLLOW_LEASE_S);

	/* Our own address moved too (another uplink): the NAK names the
	 * server the lease came from, which udhcpc insists on */
	{
		struct in_addr old_server = c.ip4.our_addr, new_addr;

		inet_pton(AF_INET, "203.0.113.1", &c.ip4.our_addr);
		inet_pton(AF_INET, "203.0.113.1", &c.ip4.gw);
		inet_pton(AF_INET, "203.0.113.2", &new_addr);
		old = c.ip4.addr;
		c.ip4.addr = new_addr;
		dhcp_init(&c.ip4, &c.link, &c.svc);
		rq_start(3, 4, false);
		memcpy(rq + RQ_MSG + 12, &old, 4);
		assert_true(rq_send());
		assert_int_equal(flush_one(), 1);
		assert_int_equal(rp_type(), 6);
		v = rp_opt(54, &l);
		assert_int_equal(l, 4);
		assert_memory_equal(v, &old_server, 4);
		rq_start(1, 5, true);		/* and then the new lease */
		assert_true(rq_send());
		assert_int_equal(flush_one(), 1);
		assert_int_equal(rp_yiaddr(), new_addr.s_addr);
		v = rp_opt(54, &l);
		assert_memory_equal(v, &c.ip4.our_addr, 4);
	}
	conf_default();
	dhcp_init(&c.ip4, &c.link, &c.svc);
}

static void test_inform_decline_release(void **state)
{
	(void)state;
	rq_start(8, 7, false);
	memcpy(rq + RQ_MSG + 12, &c.ip4.addr, 4);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 5);
	assert_int_equal(rp_yiaddr(), 0);
	assert_null(rp_opt(51, NULL));
	assert_non_null(rp_opt(6, NULL));

	rq_start(4, 8, true);		/* DECLINE */
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);
	rq_start(7, 9, true);		/* RELEASE */
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);
	rq_start(2, 9, true);		/* an OFFER from the guest */
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);
}

static void test_plain_bootp(void **state)
{
	(void)state;
	rq_start(0, 10, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_int_equal(rp_type(), 0);
	assert_null(rp_opt(51, NULL));
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);
	assert_non_null(rp_opt(1, NULL));

	/* No magic cookie at all (RFC 951): still a BOOTREPLY */
	rq_start(0, 11, true);
	wr32(rq + RQ_MSG + 236, 0);
	assert_true(rq_send_len(300));
	assert_int_equal(flush_one(), 1);
	assert_int_equal(rp_yiaddr(), c.ip4.addr.s_addr);
}

static void test_prl_order(void **state)
{
	static const uint8_t prl[] = { 26, 119, 3, 1, 6 };
	uint8_t codes[32];
	int n;

	(void)state;
	rq_start(1, 12, true);
	rq_add(55, prl, sizeof(prl));
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	n = rp_opt_order(codes, 32);
	assert_true(n >= 8);
	assert_int_equal(codes[0], 53);
	assert_int_equal(codes[1], 54);
	assert_int_equal(codes[2], 51);
	assert_memory_equal(codes + 3, prl, sizeof(prl));
}

/* The client's maximum size is respected; 53 and 54 always fit */
static void test_max_size(void **state)
{
	uint8_t m[2];
	int i;

	(void)state;
	for (i = 0; i < CONF_SEARCH_MAX; i++)
		snprintf(c.svc.search[i], sizeof(c.svc.search[i]),
			 "%02d.a-rather-long-label-for-a-search-domain-xxxxxx."
			 "another-rather-long-label-yyyyyyyyyyyyyy.example", i);
	c.svc.search_n = CONF_SEARCH_MAX;
	dhcp_init(&c.ip4, &c.link, &c.svc);

	rq_start(1, 13, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_true(rp_len - ETH_HDR_LEN <= 576);
	assert_int_equal(rp_type(), 2);
	assert_non_null(rp_opt(54, NULL));
	assert_non_null(rp_opt(51, NULL));
	assert_null(rp_opt(119, NULL));		/* 600 bytes: left out */

	/* A client that takes 1500 bytes gets 119, split (RFC 3396) */
	rq_start(1, 14, true);
	wr16(m, 1500);
	rq_add(57, m, 2);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	rp_check_headers();
	assert_true(rp_len - ETH_HDR_LEN > 576);
	assert_true(rp_len - ETH_HDR_LEN <= 1500);
	assert_non_null(rp_opt(119, NULL));

	/* Nonsense sizes: at least 576 */
	rq_start(1, 15, true);
	wr16(m, 20);
	rq_add(57, m, 2);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_true(rp_len - ETH_HDR_LEN <= 576);
}

static void test_classless_route(void **state)
{
	const uint8_t *v;
	size_t l;

	(void)state;
	inet_pton(AF_INET, "203.0.113.1", &c.ip4.gw);
	c.ip4.our_addr = c.ip4.gw;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(1, 16, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	v = rp_opt(121, &l);
	assert_non_null(v);
	assert_int_equal(l, 14);
	assert_memory_equal(v, "\x20\xcb\x00\x71\x01\x00\x00\x00\x00"
			       "\x00\xcb\x00\x71\x01", 14);
}

static void test_disabled_and_no_dns(void **state)
{
	(void)state;
	c.svc.dhcp_dns = false;
	c.svc.dhcp_search = false;
	c.link.mtu = 0;
	c.svc.hostname[0] = c.svc.fqdn[0] = '\0';
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(1, 17, true);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_null(rp_opt(6, NULL));
	assert_null(rp_opt(15, NULL));
	assert_null(rp_opt(119, NULL));
	assert_null(rp_opt(26, NULL));
	assert_null(rp_opt(12, NULL));
	assert_null(rp_opt(81, NULL));

	c.svc.dhcp = false;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(1, 18, true);
	assert_false(rq_send());
	assert_int_equal(flush_one(), 0);

	c.svc.dhcp = true;
	c.ip4.enabled = false;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	rq_start(1, 18, true);
	assert_false(rq_send());
}

static void test_malformed(void **state)
{
	(void)state;
	/* Option length past the end */
	rq_start(1, 19, true);
	rq[rq_opt++] = 12;
	rq[rq_opt++] = 200;
	assert_true(rq_send_len(rq_opt - RQ_MSG));
	assert_int_equal(flush_one(), 0);

	/* Option code as the very last byte */
	rq_start(1, 20, true);
	rq[rq_opt++] = 12;
	assert_true(rq_send_len(rq_opt - RQ_MSG));
	assert_int_equal(flush_one(), 0);

	/* Short message, wrong op, wrong hardware type */
	rq_start(1, 21, true);
	assert_true(rq_send_len(100));
	rq_start(1, 21, true);
	rq[RQ_MSG] = 2;
	assert_true(rq_send());
	rq_start(1, 21, true);
	rq[RQ_MSG + 2] = 16;
	assert_true(rq_send());
	assert_int_equal(flush_one(), 0);

	/* Malformed option values are ignored, not trusted */
	rq_start(1, 22, true);
	rq_add(50, "\x01\x02", 2);
	rq_add(57, "\x01", 1);
	rq_add(53, "\x03\x03", 2);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
	assert_int_equal(rp_type(), 2);

	/* Option overload is not followed */
	rq_start(1, 23, true);
	rq_add(52, "\x03", 1);
	memset(rq + RQ_MSG + 44, 0xff, 64 + 128);
	assert_true(rq_send());
	assert_int_equal(flush_one(), 1);
}

/* Random option bytes: never a crash, replies always well-formed */
static void test_fuzz(void **state)
{
	unsigned seed = 42;
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand_r(&seed) % 400), i;

		rq_start(round % 2 ? 1 : 3, (uint32_t)round, round % 3);
		for (i = 0; i < n; i++)
			rq[rq_opt + i] = (uint8_t)rand_r(&seed);
		if (round % 5 == 0)
			rq[rq_opt] = 53;
		assert_true(rq_send_len(rq_opt + n - RQ_MSG));
		if (flush_one())
			rp_check_headers();
	}
}

static void test_name_encode(void **state)
{
	uint8_t b[300];
	char lab[80], big[300];

	(void)state;
	assert_int_equal(dhcp_name_encode(b, sizeof(b), "a.bc"), 6);
	assert_memory_equal(b, "\x01" "a" "\x02" "bc" "\x00", 6);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), "a.bc."), 6);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), ""), 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), "."), 1);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), "a..b"), -EINVAL);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), ".a"), -EINVAL);
	assert_int_equal(dhcp_name_encode(b, sizeof(b), "a.."), -EINVAL);
	memset(lab, 'x', 64);
	lab[64] = '\0';
	assert_int_equal(dhcp_name_encode(b, sizeof(b), lab), -EINVAL);
	lab[63] = '\0';
	assert_int_equal(dhcp_name_encode(b, sizeof(b), lab), 65);
	assert_int_equal(dhcp_name_encode(b, 10, lab), -ENOSPC);
	assert_int_equal(dhcp_name_encode(b, 5, "a.bc"), -ENOSPC);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 1; i < 299; i += 2)
		big[i] = '.';
	assert_int_equal(dhcp_name_encode(b, sizeof(b), big), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_discover_offer, setup),
		cmocka_unit_test_setup(test_unicast_without_broadcast_flag,
				       setup),
		cmocka_unit_test_setup(test_rapid_commit, setup),
		cmocka_unit_test_setup(test_request, setup),
		cmocka_unit_test_setup(test_follow_lease_and_move, setup),
		cmocka_unit_test_setup(test_inform_decline_release, setup),
		cmocka_unit_test_setup(test_plain_bootp, setup),
		cmocka_unit_test_setup(test_prl_order, setup),
		cmocka_unit_test_setup(test_max_size, setup),
		cmocka_unit_test_setup(test_classless_route, setup),
		cmocka_unit_test_setup(test_disabled_and_no_dns, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_fuzz, setup),
		cmocka_unit_test_setup(test_name_encode, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
