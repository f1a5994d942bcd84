// SPDX-License-Identifier: MIT
/* test_ingress.c - ingress: every malformed frame dropped for the right
 * reason, valid ones reach the right handler, random input never crashes */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2/dhcp.h"
#include "l2/guest.h"
#include "l2test.h"

#define INGRESS_EXT_TEST	40	/* a long chain of destination options */

static struct conf conf;
static bool netns;
/* Where good TCP/UDP/ICMP frames are counted: without a private netns,
 * translators are off, so that no test traffic leaves the machine */
static enum ingress_cnt to_tcp, to_udp, to_icmp;

static uint8_t buf[2048];

/* Take the counters before a frame is fed */
static void counts_take(uint64_t *before)
{
	int i;

	for (i = 0; i < IN_CNT_NUM_; i++)
		before[i] = ingress_count(lp, i);
}

/* The only outcome counted since counts_take() must be @want */
static void counts_expect(const uint64_t *before, enum ingress_cnt want,
			  int line)
{
	int i;

	for (i = IN_PASS + 1; i < IN_CALL_TCP; i++) {
		uint64_t d = ingress_count(lp, i) - before[i];

		if (d != (i == (int)want ? 1U : 0U))
			fail_msg("line %d: counter \"%s\" moved by %llu, "
				 "wanted \"%s\"", line, ingress_count_name(i),
				 (unsigned long long)d,
				 ingress_count_name(want));
	}
}

/* Feed @len bytes of buf; the only outcome counted must be @want */
static void expect_g(const uint8_t *b, size_t len, int csum_ok, uint16_t gso,
		     enum ingress_cnt want, int line)
{
	uint64_t before[IN_CNT_NUM_];

	counts_take(before);
	t_feed_gso(b, len, csum_ok, gso);
	counts_expect(before, want, line);
}
#define expect_n(b, len, csum_ok, want, line) \
	expect_g((b), (len), (csum_ok), 0, (want), (line))
#define expect(len, want)	expect_n(buf, (len), 0, (want), __LINE__)

/* Recompute the IPv4 header checksum of the frame in buf */
static void fix_ip4(void)
{
	uint8_t *ip = buf + ETH_HDR_LEN;
	size_t hl = (size_t)(ip[0] & 0xf) * 4;

	wr16(ip + 10, 0);
	wr16(ip + 10, csum_ip4_hdr(ip, hl));
}

static size_t udp4(const char *src, const char *dst, uint16_t dport)
{
	uint8_t l4[64];
	struct t_pkt t = { src, dst, IPPROTO_UDP, 0, l4,
			   t_udp(l4, 40000, dport, "hello", 5), false };

	return t_build(buf, &t);
}

static size_t udp6(const char *src, const char *dst, uint16_t dport)
{
	uint8_t l4[64];
	struct t_pkt t = { src, dst, IPPROTO_UDP, 0, l4,
			   t_udp(l4, 40000, dport, "hello", 5), false };

	return t_build(buf, &t);
}

static size_t tcp_seg(const char *src, const char *dst, size_t l4len,
		      uint8_t doff)
{
	uint8_t l4[128] = { 0 };
	struct t_pkt t = { src, dst, IPPROTO_TCP, 0, l4, l4len, false };

	wr16(l4, 40001);
	wr16(l4 + 2, 9);
	l4[12] = (uint8_t)(doff << 4);
	l4[13] = 0x10;				/* ACK */
	wr16(l4 + 14, 1000);
	return t_build(buf, &t);
}

static size_t echo(const char *src, const char *dst, size_t l4len)
{
	bool v6 = strchr(src, ':');
	uint8_t l4[64] = { v6 ? 128 : 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct t_pkt t = { src, dst, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 0,
			   l4, l4len, false };

	return t_build(buf, &t);
}

static void test_short_frames(void **state)
{
	size_t len;

	(void)state;
	memset(buf, 0, sizeof(buf));
	for (len = 0; len < ETH_HDR_LEN; len++)
		expect(len, IN_DROP_SHORT);
	expect_n(NULL, 0, 0, IN_DROP_SHORT, __LINE__);

	len = udp4(T_GUEST4, T_REMOTE4, 9);
	for (len = ETH_HDR_LEN; len < ETH_HDR_LEN + IP4_HDR_LEN; len++)
		expect(len, IN_DROP_SHORT);
	len = udp6(T_GUEST6, T_REMOTE6, 9);
	for (len = ETH_HDR_LEN; len < ETH_HDR_LEN + IP6_HDR_LEN; len++)
		expect(len, IN_DROP_SHORT);
}

static void test_ethertype_and_mac(void **state)
{
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t len;

	(void)state;
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	wr16(buf + 12, 0x8100);				/* VLAN */
	expect(len, IN_DROP_ETHERTYPE);
	wr16(buf + 12, 0x88cc);				/* LLDP */
	expect(len, IN_DROP_ETHERTYPE);

	memcpy(buf + 6, mac2, 6);
	expect(len, IN_DROP_ETHERTYPE);
	assert_true(guest_mac_is(mac2));
	memcpy(buf + 6, mcast, 6);
	expect(len, IN_DROP_ETHERTYPE);
	assert_true(guest_mac_is(mac2));
	memset(buf + 6, 0, 6);
	expect(len, IN_DROP_ETHERTYPE);
	assert_true(guest_mac_is(mac2));
	guest_mac_set(t_guest_mac);
}

static void test_ip4_header(void **state)
{
	uint8_t *ip = buf + ETH_HDR_LEN;
	size_t len;

	(void)state;
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	expect(len, to_udp);

	ip[0] = 0x55;					/* version 5 */
	fix_ip4();
	expect(len, IN_DROP_IP_HDR);
	ip[0] = 0x44;					/* IHL 4 */
	fix_ip4();
	expect(len, IN_DROP_IP_HDR);
	ip[0] = 0x4f;					/* 60 > 33 bytes */
	expect(len, IN_DROP_IP_HDR);

	len = udp4(T_GUEST4, T_REMOTE4, 9);
	wr16(ip + 2, (uint16_t)(len - ETH_HDR_LEN + 1));
	fix_ip4();
	expect(len, IN_DROP_IP_LEN);
	wr16(ip + 2, 19);
	fix_ip4();
	expect(len, IN_DROP_IP_LEN);

	len = udp4(T_GUEST4, T_REMOTE4, 9);
	ip[10] ^= 0x01;
	expect(len, IN_DROP_IP_CSUM);

	len = udp4(T_GUEST4, T_REMOTE4, 9);
	wr16(ip + 6, 0x2000);				/* MF */
	fix_ip4();
	expect(len, IN_DROP_FRAG);
	wr16(ip + 6, 0x0001);				/* offset 8 */
	fix_ip4();
	expect(len, IN_DROP_FRAG);
	wr16(ip + 6, 0x8000);				/* reserved bit only */
	fix_ip4();
	expect(len, to_udp);

	/* Ethernet padding is trimmed away */
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	memset(buf + len, 0xee, 30);
	expect(len + 30, to_udp);
}

static void test_ip4_options(void **state)
{
	uint8_t *ip = buf + ETH_HDR_LEN;
	size_t len;

	(void)state;
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	memmove(ip + 24, ip + 20, len - ETH_HDR_LEN - 20);
	memset(ip + 20, 1, 4);				/* four NOPs */
	ip[0] = 0x46;
	wr16(ip + 2, (uint16_t)(rd16(ip + 2) + 4));
	fix_ip4();
	expect(len + 4, to_udp);

	ip[0] = 0x47;				/* options eat the UDP header */
	fix_ip4();
	expect(len + 4, IN_DROP_L4_HDR);
}

static void test_ip4_addresses(void **state)
{
	size_t len;

	(void)state;
	expect(udp4("127.0.0.1", T_REMOTE4, 9), IN_DROP_ADDR);
	expect(udp4(T_GUEST4, "127.0.0.53", 9), IN_DROP_ADDR);
	expect(udp4("224.0.0.1", T_REMOTE4, 9), IN_DROP_ADDR);
	expect(udp4("255.255.255.255", T_REMOTE4, 9), IN_DROP_ADDR);
	expect(udp4(T_GUEST4, "0.0.0.0", 9), IN_DROP_ADDR);
	expect(udp4("0.0.0.0", T_REMOTE4, 9), IN_DROP_ADDR);
	len = udp4("0.0.0.0", "255.255.255.255", 67);
	expect(len, IN_DROP_DHCP);
	expect(udp4(T_GUEST4, T_GW4, 67), IN_DROP_DHCP);	/* renewal */
	expect(echo("0.0.0.0", T_REMOTE4, 8), IN_DROP_ADDR);
}

static void test_udp_header(void **state)
{
	uint8_t *l4 = buf + ETH_HDR_LEN + IP4_HDR_LEN;
	uint8_t *ip = buf + ETH_HDR_LEN;
	size_t len;

	(void)state;
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	wr16(l4 + 4, 14);				/* > 13 present */
	expect(len, IN_DROP_L4_HDR);
	wr16(l4 + 4, 7);
	expect(len, IN_DROP_L4_HDR);

	len = udp4(T_GUEST4, T_REMOTE4, 9);
	l4[8] ^= 0xff;
	expect(len, IN_DROP_L4_CSUM);
	expect_n(buf, len, 1, to_udp, __LINE__);	/* link vouches */
	wr16(l4 + 6, 0);				/* no checksum */
	expect(len, to_udp);

	/* IP payload longer than the UDP length: trimmed to it */
	len = udp4(T_GUEST4, T_REMOTE4, 9);
	memset(buf + len, 0xaa, 4);
	wr16(ip + 2, (uint16_t)(rd16(ip + 2) + 4));
	fix_ip4();
	expect(len + 4, to_udp);

	for (len = ETH_HDR_LEN + IP4_HDR_LEN; len < ETH_HDR_LEN + 28; len++) {
		udp4(T_GUEST4, T_REMOTE4, 9);
		wr16(ip + 2, (uint16_t)(len - ETH_HDR_LEN));
		fix_ip4();
		expect(len, IN_DROP_L4_HDR);
	}

	len = udp6(T_GUEST6, T_REMOTE6, 9);
	expect(len, to_udp);
	wr16(buf + ETH_HDR_LEN + IP6_HDR_LEN + 6, 0);	/* mandatory in v6 */
	expect(len, IN_DROP_L4_CSUM);
}

/*
 * A frame the link calls UDP GSO: datagrams of gso bytes behind one
 * header; no more segments than a kernel makes, never to DHCP; the size
 * means nothing on TCP
 */
static void test_udp_gso(void **state)
{
	uint8_t l4[8 + 300], data[300];
	struct t_pkt t = { T_GUEST4, T_REMOTE4, IPPROTO_UDP, 0, l4, 0, false };
	size_t len;

	(void)state;
	memset(data, 0x5a, sizeof(data));
	t.l4_len = t_udp(l4, 40000, 9, data, 300);
	len = t_build(buf, &t);
	expect_g(buf, len, 1, 100, to_udp, __LINE__);	/* 3 datagrams */
	expect_g(buf, len, 1, 3, to_udp, __LINE__);	/* 100 */
	expect_g(buf, len, 1, 2, IN_DROP_GSO, __LINE__);	/* 150 */
	expect_g(buf, len, 1, 1, IN_DROP_GSO, __LINE__);
	expect_g(buf, len, 1, 300, to_udp, __LINE__);	/* just one */
	expect_g(buf, len, 1, 9000, to_udp, __LINE__);

	len = udp4(T_GUEST4, T_GW4, 67);		/* DHCP, to us */
	expect_g(buf, len, 1, 2, IN_DROP_GSO, __LINE__);
	len = tcp_seg(T_GUEST4, T_REMOTE4, 32, 8);
	expect_g(buf, len, 0, 2, to_tcp, __LINE__);
}

static void test_tcp_header(void **state)
{
	uint8_t *l4 = buf + ETH_HDR_LEN + IP4_HDR_LEN;

	(void)state;
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 20, 5), to_tcp);
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 32, 8), to_tcp);
	expect(tcp_seg(T_GUEST6, T_REMOTE6, 20, 5), to_tcp);
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 20, 4), IN_DROP_L4_HDR);
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 24, 7), IN_DROP_L4_HDR);
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 19, 4), IN_DROP_L4_HDR);
	expect(tcp_seg(T_GUEST6, T_REMOTE6, 40, 15), IN_DROP_L4_HDR);
	tcp_seg(T_GUEST4, T_REMOTE4, 24, 5);
	l4[22] ^= 0x40;
	expect(ETH_HDR_LEN + IP4_HDR_LEN + 24, IN_DROP_L4_CSUM);
}

/* Feed one frame of @len bytes of buf, cut at @cut: the rest in two heap
 * pieces of their own (a read past a piece is caught under ASan) */
static void expect_split(size_t len, size_t cut, int csum_ok,
			 enum ingress_cnt want, int line)
{
	uint64_t before[IN_CNT_NUM_];
	struct iovec tail[2];
	struct frame f = { 0 };
	size_t half = (len - cut) / 2;
	uint8_t *a = malloc(cut), *b = malloc(half + 1),
		*c = malloc(len - cut - half + 1);

	memcpy(a, buf, cut);
	memcpy(b, buf + cut, half);
	memcpy(c, buf + cut + half, len - cut - half);
	tail[0] = (struct iovec){ b, half };
	tail[1] = (struct iovec){ c, len - cut - half };
	f.data = a;
	f.len = cut;
	f.csum_ok = csum_ok;
	f.shared = true;
	f.tail = tail;
	f.tail_n = 2;
	f.tail_len = len - cut;
	counts_take(before);
	ingress_batch(lp, &f, 1);
	counts_expect(before, want, line);
	free(a);
	free(b);
	free(c);
}

/* vhost-user's frames with a tail: TCP only, headers in the first part */
static void test_split_frames(void **state)
{
	const size_t h4 = ETH_HDR_LEN + IP4_HDR_LEN, h6 = ETH_HDR_LEN +
							  IP6_HDR_LEN;
	size_t n;

	(void)state;
	n = tcp_seg(T_GUEST4, T_REMOTE4, 20 + 100, 5);
	expect_split(n, h4 + 20, 1, to_tcp, __LINE__);
	expect_split(n, h4 + 40, 1, to_tcp, __LINE__);	/* payload too */
	expect_split(n, h4 + 12, 1, IN_DROP_L4_HDR, __LINE__);
	expect_split(n, h4 + 20, 0, IN_DROP_SPLIT, __LINE__);	/* no csum */
	expect_split(n, ETH_HDR_LEN + 10, 1, IN_DROP_SHORT, __LINE__);
	n = tcp_seg(T_GUEST4, T_REMOTE4, 32 + 100, 8);	/* options */
	expect_split(n, h4 + 24, 1, IN_DROP_L4_HDR, __LINE__);
	expect_split(n, h4 + 32, 1, to_tcp, __LINE__);
	n = tcp_seg(T_GUEST6, T_REMOTE6, 20 + 100, 5);
	expect_split(n, h6 + 20, 1, to_tcp, __LINE__);
	expect_split(n, h6 - 8, 1, IN_DROP_SHORT, __LINE__);
	n = udp4(T_GUEST4, T_REMOTE4, 9);
	expect_split(n, h4 + 8, 1, IN_DROP_SPLIT, __LINE__);
	/* The IP length ends in the first part: the tail is padding */
	n = tcp_seg(T_GUEST4, T_REMOTE4, 20, 5);
	memset(buf + n, 0, 64);
	expect_split(n + 64, n, 1, to_tcp, __LINE__);
}

static void test_icmp_header(void **state)
{
	uint8_t l4[8] = { 8 };
	struct t_pkt t4in6 = { T_GUEST6, T_REMOTE6, IPPROTO_ICMP, 0, l4, 8,
			       false };
	struct t_pkt t6in4 = { T_GUEST4, T_REMOTE4, IPPROTO_ICMPV6, 0, l4, 8,
			       false };

	(void)state;
	expect(echo(T_GUEST4, T_REMOTE4, 8), to_icmp);
	expect(echo(T_GUEST4, T_REMOTE4, 7), IN_DROP_L4_HDR);
	expect(echo(T_GUEST6, T_REMOTE6, 8), to_icmp);
	expect(echo(T_GUEST6, T_REMOTE6, 7), IN_DROP_L4_HDR);
	expect(t_build(buf, &t4in6), IN_DROP_PROTO);
	expect(t_build(buf, &t6in4), IN_DROP_PROTO);
	echo(T_GUEST4, T_REMOTE4, 8);
	buf[ETH_HDR_LEN + IP4_HDR_LEN + 7] ^= 1;
	expect(ETH_HDR_LEN + IP4_HDR_LEN + 8, IN_DROP_L4_CSUM);
}

static void test_unknown_proto(void **state)
{
	uint8_t l4[16] = { 0 };
	struct t_pkt sctp = { T_GUEST4, T_REMOTE4, 132, 0, l4, 16, false };
	struct t_pkt sctp6 = { T_GUEST6, T_REMOTE6, 132, 0, l4, 16, false };

	(void)state;
	expect(t_build(buf, &sctp), IN_DROP_PROTO);
	expect(t_build(buf, &sctp6), IN_DROP_PROTO);
}

/* IPv6 with extension headers @ext (next header, length byte pairs) */
static size_t ip6_ext(const uint8_t *types, int n, uint8_t last,
		      const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = buf + ETH_HDR_LEN;
	uint8_t pl[512];
	size_t off = 0, len;
	int i;

	for (i = 0; i < n; i++) {
		memset(pl + off, 0, 8);
		pl[off] = i + 1 < n ? types[i + 1] : last;
		pl[off + 1] = 0;			/* 8 bytes */
		off += 8;
	}
	memcpy(pl + off, l4, l4len);
	{
		/* checksum over the L4 part only: build it as plain first */
		struct t_pkt t = { T_GUEST6, T_REMOTE6, last, 0, l4, l4len,
				   false };

		len = t_build(buf, &t);
		memcpy(pl + off, buf + ETH_HDR_LEN + IP6_HDR_LEN, l4len);
	}
	memcpy(ip + IP6_HDR_LEN, pl, off + l4len);
	ip[6] = n ? types[0] : last;
	wr16(ip + 4, (uint16_t)(off + l4len));
	return len + off;
}

static void test_ip6_header(void **state)
{
	static const uint8_t hbh_dst[] = { 0, 60 };
	static const uint8_t dst_hbh[] = { 60, 0 };
	static const uint8_t rt[] = { 43 };
	static const uint8_t frag[] = { 44 };
	uint8_t many[INGRESS_EXT_TEST] , l4[64], *ip = buf + ETH_HDR_LEN;
	size_t len, ul = t_udp(l4, 40000, 9, "hello", 5);

	(void)state;
	memset(many, 60, sizeof(many));

	len = udp6(T_GUEST6, T_REMOTE6, 9);
	wr16(ip + 4, rd16(ip + 4) + 1);
	expect(len, IN_DROP_IP_LEN);
	len = udp6(T_GUEST6, T_REMOTE6, 9);
	ip[0] = 0x40;
	expect(len, IN_DROP_IP_HDR);
	len = udp6(T_GUEST6, T_REMOTE6, 9);
	memset(buf + len, 0, 20);
	expect(len + 20, to_udp);			/* padding */

	expect(ip6_ext(hbh_dst, 2, IPPROTO_UDP, l4, ul), to_udp);
	expect(ip6_ext(rt, 1, IPPROTO_UDP, l4, ul), to_udp);
	expect(ip6_ext(dst_hbh, 2, IPPROTO_UDP, l4, ul), IN_DROP_EXTHDR);
	expect(ip6_ext(many, 8, IPPROTO_UDP, l4, ul), to_udp);
	expect(ip6_ext(many, 9, IPPROTO_UDP, l4, ul), IN_DROP_EXTHDR);
	expect(ip6_ext(many, INGRESS_EXT_TEST, IPPROTO_UDP, l4, ul),
	       IN_DROP_EXTHDR);
	expect(ip6_ext(frag, 1, IPPROTO_UDP, l4, ul), IN_DROP_FRAG);
	expect(ip6_ext(rt, 1, IPPROTO_NONE, l4, ul), IN_DROP_PROTO);

	/* extension header longer than the packet */
	len = ip6_ext(rt, 1, IPPROTO_UDP, l4, ul);
	ip[IP6_HDR_LEN + 1] = 2;
	expect(len, IN_DROP_EXTHDR);
	/* packet ends inside an extension header */
	len = ip6_ext(rt, 1, IPPROTO_UDP, l4, ul);
	wr16(ip + 4, 6);
	expect(ETH_HDR_LEN + IP6_HDR_LEN + 6, IN_DROP_EXTHDR);
	/* ... or right after it, with no L4 header */
	wr16(ip + 4, 8);
	expect(ETH_HDR_LEN + IP6_HDR_LEN + 8, IN_DROP_L4_HDR);
}

static void test_ip6_addresses(void **state)
{
	(void)state;
	expect(udp6("::1", T_REMOTE6, 9), IN_DROP_ADDR);
	expect(udp6(T_GUEST6, "::1", 9), IN_DROP_ADDR);
	expect(udp6("ff02::1", T_REMOTE6, 9), IN_DROP_ADDR);
	expect(udp6("::", T_REMOTE6, 9), IN_DROP_ADDR);
	expect(udp6(T_GUEST6, "::", 9), IN_DROP_ADDR);
	expect(udp6("::ffff:192.0.2.2", T_REMOTE6, 9), IN_DROP_ADDR);
	expect(udp6(T_GUEST6, "::ffff:192.0.2.1", 9), IN_DROP_ADDR);
	expect(udp6("fe80::2", "ff02::1:2", 547), IN_DROP_DHCP);
}

static void test_ndp_dispatch(void **state)
{
	uint8_t ns[24] = { 135, 0 };
	struct t_pkt t = { "fe80::2", "ff02::1:ff00:1", IPPROTO_ICMPV6, 255,
			   ns, sizeof(ns), false };
	uint8_t *ip = buf + ETH_HDR_LEN;
	size_t len;

	(void)state;
	memcpy(ns + 8, &(struct in6_addr){ .s6_addr = { 0xfe, 0x80,
		[15] = 1 } }, 16);
	len = t_build(buf, &t);
	expect(len, IN_TO_NDP);
	t_cap_reset();
	ip[7] = 64;				/* RFC 4861 7.1.1: 255 only */
	expect(len, IN_DROP_NDP);
	assert_int_equal(t_flush(), 0);
}

static void test_disabled(void **state)
{
	struct conf c = conf;

	(void)state;
	c.svc.udp = c.svc.tcp = c.svc.icmp = false;
	ingress_init(lp, &c.ip4, &c.ip6);
	t_register(&c);
	expect(udp4(T_GUEST4, T_REMOTE4, 9), IN_DROP_SVC_OFF);
	expect(tcp_seg(T_GUEST4, T_REMOTE4, 20, 5), IN_DROP_SVC_OFF);
	expect(echo(T_GUEST6, T_REMOTE6, 8), IN_DROP_SVC_OFF);

	c = conf;
	c.ip4.enabled = false;
	ingress_init(lp, &c.ip4, &c.ip6);
	t_register(&c);
	expect(udp4(T_GUEST4, T_REMOTE4, 9), IN_DROP_FAMILY_OFF);
	memset(buf + 12, 0, 50);
	wr16(buf + 12, 0x0806);
	expect(60, IN_DROP_FAMILY_OFF);
	expect(udp6(T_GUEST6, T_REMOTE6, 9), to_udp);
	c.ip6.enabled = false;
	ingress_init(lp, &c.ip4, &c.ip6);
	expect(udp6(T_GUEST6, T_REMOTE6, 9), IN_DROP_FAMILY_OFF);
	ingress_init(lp, &conf.ip4, &conf.ip6);
	t_register(&conf);
}

/* Grouping: one translator call per flow and batch, whatever the order */
static void test_grouping(void **state)
{
	static uint8_t frames[300][128];
	struct frame f[300] = { 0 };
	uint64_t calls, tcalls;
	int i;

	(void)state;
	if (!netns)
		skip();
	for (i = 0; i < 10; i++) {
		uint8_t l4[64];
		struct t_pkt t = { T_GUEST4, T_REMOTE4, IPPROTO_UDP, 0, l4,
				   t_udp(l4, (uint16_t)(41000 + i % 3), 9,
					 "x", 1), false };

		f[i].len = t_build(frames[i], &t);
		f[i].data = frames[i];
		f[i].csum_ok = 0;
		f[i].gso_udp = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	calls = ingress_count(lp, IN_CALL_UDP);
	tcalls = ingress_count(lp, IN_CALL_TCP);
	ingress_batch(lp, f, 10);
	assert_int_equal(ingress_count(lp, IN_CALL_UDP) - calls, 3);

	/* more flows than groups: all still delivered */
	for (i = 0; i < 100; i++) {
		uint8_t l4[64];
		struct t_pkt t = { T_GUEST4, T_REMOTE4, IPPROTO_UDP, 0, l4,
				   t_udp(l4, (uint16_t)(42000 + i), 9, "x", 1),
				   false };

		f[i].len = t_build(frames[i], &t);
		f[i].data = frames[i];
	}
	calls = ingress_count(lp, IN_CALL_UDP);
	ingress_batch(lp, f, 100);
	assert_int_equal(ingress_count(lp, IN_CALL_UDP) - calls, 100);

	/* more packets than held: two calls for one flow */
	for (i = 0; i < 300; i++) {
		f[i].len = tcp_seg(T_GUEST4, T_REMOTE4, 20, 5);
		memcpy(frames[i], buf, f[i].len);
		f[i].data = frames[i];
		f[i].csum_ok = 0;
		f[i].gso_udp = 0;
	}
	ingress_batch(lp, f, 300);
	assert_int_equal(ingress_count(lp, IN_CALL_TCP) - tcalls, 2);
}

/*
 * Every frame must be counted exactly once, whatever it contains. Each is
 * copied to a heap block of its exact size first, so that the sanitizer
 * build catches any read past its end.
 */
static void feed_counted(const struct frame *f, int n)
{
	uint64_t before = 0, after = 0;
	struct frame exact[16];
	int i;

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		uint8_t *b = malloc(f[i].len ? f[i].len : 1);

		assert_non_null(b);
		memcpy(b, f[i].data, f[i].len);
		exact[i] = f[i];
		exact[i].data = b;
	}
	for (i = IN_PASS + 1; i < IN_CALL_TCP; i++)
		before += ingress_count(lp, i);
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, exact, n);
	for (i = IN_PASS + 1; i < IN_CALL_TCP; i++)
		after += ingress_count(lp, i);
	egress_flush(lp);
	for (i = 0; i < n; i++)
		free((void *)exact[i].data);
	assert_int_equal(after - before, n);
}

static void test_random_bytes(void **state)
{
	static uint8_t frames[16][256];
	struct frame f[16] = { 0 };
	int round, i;
	size_t j;

	(void)state;
	srandom(42);
	for (round = 0; round < 500; round++) {
		for (i = 0; i < 16; i++) {
			f[i].len = (size_t)random() % 256;
			for (j = 0; j < f[i].len; j++)
				frames[i][j] = (uint8_t)random();
			if (i & 1)	/* make IP likely */
				wr16(frames[i] + 12, i & 2 ? 0x0800 : 0x86dd);
			f[i].data = frames[i];
			f[i].csum_ok = (int)(random() & 1);
			f[i].gso_udp = random() % 4 ? 0 :
				       (uint16_t)(random() % 300);
		}
		feed_counted(f, 16);
	}
}

/* Valid frames of every kind, for mutation */
static size_t template(int k, uint8_t *out)
{
	static const uint8_t exts[] = { 0, 43, 60 };
	uint8_t l4[96];
	size_t len = 0;

	switch (k) {
	case 0: len = udp4(T_GUEST4, T_REMOTE4, 9); break;
	case 1: len = udp6(T_GUEST6, T_REMOTE6, 9); break;
	case 2: len = tcp_seg(T_GUEST4, T_REMOTE4, 32, 8); break;
	case 3: len = tcp_seg(T_GUEST6, T_REMOTE6, 20, 5); break;
	case 4: len = echo(T_GUEST4, T_REMOTE4, 40); break;
	case 5: len = echo(T_GUEST6, T_REMOTE6, 40); break;
	case 6:
		len = ip6_ext(exts, 3, IPPROTO_UDP, l4,
			      t_udp(l4, 40000, 9, "hello", 5));
		break;
	case 7:
		len = 42;
		memset(buf, 0, 60);
		wr16(buf + 12, 0x0806);
		memcpy(buf + 14, "\0\1\10\0\6\4\0\1", 8);
		memcpy(buf + 28, &(struct in_addr){ htonl(0xc0000202) }, 4);
		memcpy(buf + 38, &(struct in_addr){ htonl(0xc0000201) }, 4);
		break;
	}
	memcpy(out, buf, len);
	return len;
}

static void test_fuzz_mutations(void **state)
{
	static uint8_t frames[16][512];
	struct frame f[16] = { 0 };
	int round, i, m;

	(void)state;
	srandom(7);
	for (round = 0; round < 2000; round++) {
		for (i = 0; i < 16; i++) {
			size_t len = template((int)(random() % 8), frames[i]);
			int nmut = 1 + (int)(random() % 4);

			for (m = 0; m < nmut; m++) {
				size_t pos = (size_t)random() % len;

				frames[i][pos] ^= (uint8_t)(1 + random() % 255);
			}
			if (!(random() % 4))
				len = (size_t)random() % (len + 1);
			else if (!(random() % 8))
				len += (size_t)random() % 64;
			f[i].data = frames[i];
			f[i].len = len;
			f[i].csum_ok = !(random() % 3);
			f[i].gso_udp = random() % 4 ? 0 :
				       (uint16_t)(random() % 8);
		}
		feed_counted(f, 16);
		egress_flush(lp);
	}
}

/* DHCP goes to the server when there is one, is dropped when not */
static void test_dhcp_dispatch(void **state)
{
	uint8_t l4[8 + 300] = { 0 }, *m = l4 + 8;
	struct t_pkt t = { "0.0.0.0", "255.255.255.255", IPPROTO_UDP, 0, l4,
			   sizeof(l4), false };
	struct conf c = conf;
	size_t len;

	(void)state;
	wr16(l4, 68);
	wr16(l4 + 2, 67);
	wr16(l4 + 4, sizeof(l4));
	m[0] = 1;					/* BOOTREQUEST */
	m[1] = 1;
	m[2] = 6;
	memcpy(m + 28, t_guest_mac, 6);
	memcpy(m + 236, "\x63\x82\x53\x63\x35\x01\x01\xff", 8);
	len = t_build(buf, &t);

	c.svc.dhcp = true;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	t_cap_reset();
	expect(len, IN_TO_DHCP);
	assert_int_equal(t_flush(), 1);			/* an offer */
	c.svc.dhcp = false;
	dhcp_init(&c.ip4, &c.link, &c.svc);
	expect(len, IN_DROP_DHCP);
	c.svc.dhcp = true;
	dhcp_init(&c.ip4, &c.link, &c.svc);
}

/* Port 67 of another address is a real server or relay: ordinary UDP;
 * our own address (a renewal) and the subnet broadcast are ours */
static void test_dhcp_port_elsewhere(void **state)
{
	(void)state;
	expect(udp4(T_GUEST4, "198.51.100.1", 67), IN_TO_UDP);
	expect(udp4(T_GUEST4, T_REMOTE4, 67), IN_TO_UDP);
	/* taken by the server, which drops what isn't a DHCP message */
	expect(udp4(T_GUEST4, T_GW4, 67), IN_DROP_DHCP);
	expect(udp4(T_GUEST4, "192.0.2.255", 67), IN_DROP_DHCP);
	expect(udp4(T_GUEST4, "255.255.255.255", 67), IN_DROP_DHCP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_port_elsewhere),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_ethertype_and_mac),
		cmocka_unit_test(test_ip4_header),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_ip4_addresses),
		cmocka_unit_test(test_udp_header),
		cmocka_unit_test(test_udp_gso),
		cmocka_unit_test(test_tcp_header),
		cmocka_unit_test(test_split_frames),
		cmocka_unit_test(test_icmp_header),
		cmocka_unit_test(test_unknown_proto),
		cmocka_unit_test(test_ip6_header),
		cmocka_unit_test(test_ip6_addresses),
		cmocka_unit_test(test_ndp_dispatch),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_fuzz_mutations),
		cmocka_unit_test(test_dhcp_dispatch),
	};

	t_conf(&conf);
	netns = t_netns();
	if (!netns) {
		fprintf(stderr, "test_ingress: no private netns: translators "
			"off, no traffic sent\n");
		conf.svc.tcp = conf.svc.udp = conf.svc.icmp = false;
	}
	to_tcp = netns ? IN_TO_TCP : IN_DROP_SVC_OFF;
	to_udp = netns ? IN_TO_UDP : IN_DROP_SVC_OFF;
	to_icmp = netns ? IN_TO_ICMP : IN_DROP_SVC_OFF;
	t_start(&conf, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
