// SPDX-License-Identifier: MIT
/* test_tcp_frame.c - TCP pure parts: options, headers, RST, sequence fit */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "l2/egress.h"
#include "l4/tcp_conn.h"
#include "lib/checksum.h"
#include "lib/util.h"
#include "tloop.h"

/* A packet around the TCP bytes @l4 (addresses matter for nothing here) */
static struct pkt seg_pkt(const uint8_t *l4, size_t len)
{
	struct pkt p = { .af = AF_INET, .proto = IPPROTO_TCP };

	p.l4 = l4;
	p.l4_len = len;
	return p;
}

static void test_opt_basic(void **state)
{
	/* MSS 1460, NOP, WS 7, SACK-perm, timestamps */
	const uint8_t o[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2,
			      8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tcp_syn_opt r;

	(void)state;
	tcp_opt_parse(o, sizeof(o), &r);
	assert_int_equal(r.mss, 1460);
	assert_true(r.ws_ok);
	assert_int_equal(r.ws, 7);
}

static void test_opt_odd(void **state)
{
	struct tcp_syn_opt r;
	const uint8_t big_ws[] = { 3, 3, 200, 0 };
	const uint8_t zero_len[] = { 1, 1, 5, 0, 2, 4, 1, 0 };
	const uint8_t after_end[] = { 0, 2, 4, 1, 0 };
	const uint8_t bad_mss_len[] = { 2, 3, 1, 3, 3, 2, 0, 0 };
	const uint8_t past[] = { 1, 1, 1, 2, 4, 0x12 };	/* MSS cut short */
	const uint8_t len_byte_missing[] = { 1, 1, 1, 3 };

	(void)state;
	tcp_opt_parse(big_ws, sizeof(big_ws), &r);
	assert_true(r.ws_ok);
	assert_int_equal(r.ws, TCP_WS_MAX);	/* RFC 7323 2.3 */

	tcp_opt_parse(zero_len, sizeof(zero_len), &r);	/* length 0: stop */
	assert_int_equal(r.mss, 0);

	tcp_opt_parse(after_end, sizeof(after_end), &r);
	assert_int_equal(r.mss, 0);

	tcp_opt_parse(bad_mss_len, sizeof(bad_mss_len), &r);
	assert_int_equal(r.mss, 0);		/* MSS of length 3 ignored */
	assert_true(r.ws_ok);
	assert_int_equal(r.ws, 2);

	tcp_opt_parse(past, sizeof(past), &r);
	assert_int_equal(r.mss, 0);

	tcp_opt_parse(len_byte_missing, sizeof(len_byte_missing), &r);
	assert_false(r.ws_ok);

	tcp_opt_parse(NULL, 0, &r);
	assert_int_equal(r.mss, 0);
	assert_false(r.ws_ok);
}

/*
 * Every truncation of random option bytes, parsed from an exact-size
 * heap copy: ASan builds catch any read past doff * 4.
 */
static void test_opt_fuzz(void **state)
{
	unsigned seed = 12345, round, cut;

	(void)state;
	for (round = 0; round < 2000; round++) {
		uint8_t o[40];
		size_t i;

		for (i = 0; i < sizeof(o); i++) {
			seed = seed * 1103515245 + 12345;
			o[i] = (uint8_t)(seed >> 16);
			if ((seed >> 8) % 4 == 0)
				o[i] = (uint8_t)((seed >> 12) % 5);
		}
		for (cut = 0; cut <= sizeof(o); cut += 1 + round % 3) {
			uint8_t *h = malloc(cut ? cut : 1);
			struct tcp_syn_opt r;

			memcpy(h, o, cut);
			tcp_opt_parse(h, cut, &r);
			assert_true(r.ws <= TCP_WS_MAX);
			free(h);
		}
	}
}

static void test_opt_build(void **state)
{
	uint8_t o[TCP_SYN_OPT_LEN];
	struct tcp_syn_opt r;
	size_t n;

	(void)state;
	n = tcp_syn_opt_build(o, 65480, 8);
	assert_int_equal(n, 8);
	tcp_opt_parse(o, n, &r);
	assert_int_equal(r.mss, 65480);
	assert_true(r.ws_ok);
	assert_int_equal(r.ws, 8);

	n = tcp_syn_opt_build(o, 1460, -1);
	assert_int_equal(n, 4);
	tcp_opt_parse(o, n, &r);
	assert_int_equal(r.mss, 1460);
	assert_false(r.ws_ok);
}

static void test_seg_parse(void **state)
{
	uint8_t th[32] = { 0 };
	struct tcp_seg s;
	struct pkt p;

	(void)state;
	tcp_hdr_fill(th, 40000, 80, 1000, 2000, TCPH_ACK | TCPH_PSH, 512, 4);
	th[13] |= 0xc0;		/* ECE, CWR: not ours to keep */
	p = seg_pkt(th, sizeof(th));
	assert_int_equal(tcp_seg_parse(&p, &s), 0);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 80);
	assert_int_equal(s.seq, 1000);
	assert_int_equal(s.ack, 2000);
	assert_int_equal(s.flags, TCPH_ACK | TCPH_PSH);
	assert_int_equal(s.wnd, 512);
	assert_int_equal(s.optlen, 4);
	assert_ptr_equal(s.data, th + 24);
	assert_int_equal(s.len, 8);

	p = seg_pkt(th, 19);
	assert_int_equal(tcp_seg_parse(&p, &s), -EINVAL);
	th[12] = 4 << 4;	/* data offset below 5 */
	p = seg_pkt(th, sizeof(th));
	assert_int_equal(tcp_seg_parse(&p, &s), -EINVAL);
	th[12] = 9 << 4;	/* 36 bytes, past the 32 present */
	assert_int_equal(tcp_seg_parse(&p, &s), -EINVAL);
	th[12] = 8 << 4;	/* exactly the segment: no payload */
	assert_int_equal(tcp_seg_parse(&p, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.optlen, 12);

	/* A segment with a tail (vhost-user): 8 bytes here, 100 there */
	{
		uint8_t more[100];
		struct iovec tail = { more, sizeof(more) };

		th[12] = 6 << 4;
		p = seg_pkt(th, sizeof(th) + sizeof(more));
		p.tail = &tail;
		p.tail_n = 1;
		p.tail_len = sizeof(more);
		assert_int_equal(tcp_seg_parse(&p, &s), 0);
		assert_int_equal(s.len, 108);
		assert_int_equal(s.tail_len, 100);
		assert_ptr_equal(s.tail, &tail);
		/* The header may not reach into the tail */
		th[12] = 9 << 4;
		assert_int_equal(tcp_seg_parse(&p, &s), -EINVAL);
	}
}

static void test_rst_reply(void **state)
{
	struct tcp_seg s = { .seq = 100, .ack = 5000, .len = 10 };
	uint32_t seq, ack;
	uint8_t fl;

	(void)state;
	s.flags = TCPH_ACK | TCPH_PSH;
	assert_true(tcp_rst_reply(&s, &seq, &ack, &fl));
	assert_int_equal(seq, 5000);
	assert_int_equal(fl, TCPH_RST);

	s.flags = TCPH_SYN;
	s.len = 0;
	assert_true(tcp_rst_reply(&s, &seq, &ack, &fl));
	assert_int_equal(seq, 0);
	assert_int_equal(ack, 101);
	assert_int_equal(fl, TCPH_RST | TCPH_ACK);

	s.flags = TCPH_FIN;
	s.len = 10;
	s.seq = 0xfffffffe;	/* wraps */
	assert_true(tcp_rst_reply(&s, &seq, &ack, &fl));
	assert_int_equal(ack, 9);

	s.flags = TCPH_RST | TCPH_ACK;
	assert_false(tcp_rst_reply(&s, &seq, &ack, &fl));
	s.flags = TCPH_RST;
	assert_false(tcp_rst_reply(&s, &seq, &ack, &fl));
}

/* tcp_seg_fit() against the same rules in 64-bit, unwrapped arithmetic */
static void test_seg_fit_model(void **state)
{
	const uint32_t bases[] = { 0, 1, 0x7fffffff, 0x80000000,
				   0xfffffff0, 0xffffffff };
	unsigned seed = 99, i, b;

	(void)state;
	for (b = 0; b < ARRAY_SIZE(bases); b++) {
		for (i = 0; i < 20000; i++) {
			int64_t off, exp_fit;
			uint32_t expect = bases[b], seq;
			size_t len, skip, want_skip = 0;
			enum tcp_fit fit;

			seed = seed * 1103515245 + 12345;
			off = (int64_t)((seed >> 8) % 200001) - 100000;
			seed = seed * 1103515245 + 12345;
			len = (seed >> 8) % 70000;
			if (i % 7 == 0)
				len = 0;
			seq = expect + (uint32_t)off;

			if (off > 0)
				exp_fit = TCP_FIT_FUTURE;
			else if (!len)
				exp_fit = off == 0 ? TCP_FIT_OK : TCP_FIT_OLD;
			else if (off + (int64_t)len <= 0)
				exp_fit = TCP_FIT_OLD;
			else
				exp_fit = TCP_FIT_OK, want_skip = (size_t)-off;

			fit = tcp_seg_fit(seq, len, expect, &skip);
			assert_int_equal(fit, exp_fit);
			if (fit == TCP_FIT_OK)
				assert_int_equal(skip, want_skip);
		}
	}
}

/* SEQ_* macros against signed 64-bit differences of unwrapped values */
static void test_seq_model(void **state)
{
	unsigned seed = 7, i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		uint64_t a, d;
		uint32_t x, y;
		int64_t diff;

		seed = seed * 1103515245 + 12345;
		a = (uint64_t)seed << 8;
		seed = seed * 1103515245 + 12345;
		d = seed % 0x7fffffff;
		x = (uint32_t)a;
		y = (uint32_t)(a + d);
		diff = (int64_t)d;	/* y is d ahead of x */
		assert_int_equal(SEQ_LT(x, y), diff > 0);
		assert_int_equal(SEQ_GT(y, x), diff > 0);
		assert_int_equal(SEQ_LE(x, y), 1);
		assert_int_equal(SEQ_GE(x, y), diff == 0);
	}
}

static void test_mss_ours(void **state)
{
	(void)state;
	assert_int_equal(tcp_mss_ours(AF_INET, 1500), 1460);
	assert_int_equal(tcp_mss_ours(AF_INET6, 1500), 1440);
	assert_int_equal(tcp_mss_ours(AF_INET, 0), 65480);
	assert_int_equal(tcp_mss_ours(AF_INET, 65520), 65480);
	assert_int_equal(tcp_mss_ours(AF_INET6, 65520), 65460);
	/* frames stay within 65535 bytes, Ethernet included */
	assert_int_equal(tcp_mss_ours(AF_INET, 65521), 65481);
	assert_int_equal(tcp_mss_ours(AF_INET6, 65521), 65461);
	assert_int_equal(tcp_mss_ours(AF_INET, 100), TCP_MSS_MIN);
}

/* Check IP and TCP checksums and lengths of a built frame */
static void check_frame(const uint8_t *f, size_t hlen, const uint8_t *data,
			size_t len, bool v4)
{
	size_t ip = v4 ? IP4_HDR_LEN : IP6_HDR_LEN;
	const uint8_t *iph = f + ETH_HDR_LEN, *th = iph + ip;
	size_t l4 = hlen - ETH_HDR_LEN - ip + len;
	struct in6_addr s6, d6;
	struct in_addr s4, d4;
	uint32_t sum;

	if (v4) {
		assert_int_equal(rd16(f + 12), 0x0800);
		assert_int_equal(csum_fold(csum_partial(iph, ip, 0)), 0);
		assert_int_equal(rd16(iph + 2), ip + l4);
		memcpy(&s4, iph + 12, 4);
		memcpy(&d4, iph + 16, 4);
		sum = csum_pseudo4(s4, d4, IPPROTO_TCP, (uint16_t)l4);
	} else {
		assert_int_equal(rd16(f + 12), 0x86dd);
		assert_int_equal(rd16(iph + 4), l4);
		memcpy(&s6, iph + 8, 16);
		memcpy(&d6, iph + 24, 16);
		sum = csum_pseudo6(&s6, &d6, IPPROTO_TCP, (uint32_t)l4);
	}
	sum = csum_partial(th, hlen - ETH_HDR_LEN - ip, sum);
	if (len) {
		/* the payload follows an even-sized header: plain sum works */
		sum = csum_partial(data, len, sum);
	}
	assert_int_equal(csum_fold(sum), 0);
}

static void test_frame_hdr(void **state)
{
	uint8_t f[EGRESS_HDR_MAX + TCP_HDR_LEN + TCP_SYN_OPT_LEN];
	union inany a, b;
	uint8_t data[1001], o[TCP_SYN_OPT_LEN];
	struct tcp_seg s;
	struct pkt p;
	static const struct conf zero;	/* our MAC: 00:00:00:00:00:00 */
	size_t i, n, on;

	(void)state;
	egress_init(lp, &zero.link);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);

	inany_from_v4(&a, (struct in_addr){ htonl(0xc0000201) });
	inany_from_v4(&b, (struct in_addr){ htonl(0xc0000202) });
	n = tcp_frame_hdr(lp, f, &a, &b, 80, 40000, 0xfffffff0, 77,
			  TCPH_ACK | TCPH_PSH, 1234, NULL, 0, data,
			  sizeof(data));
	assert_int_equal(n, ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_LEN);
	check_frame(f, n, data, sizeof(data), true);
	p = seg_pkt(f + ETH_HDR_LEN + IP4_HDR_LEN, TCP_HDR_LEN);
	assert_int_equal(tcp_seg_parse(&p, &s), 0);
	assert_int_equal(s.sport, 80);
	assert_int_equal(s.dport, 40000);
	assert_int_equal(s.seq, 0xfffffff0);
	assert_int_equal(s.ack, 77);
	assert_int_equal(s.wnd, 1234);

	inany_from_v6(&a, &(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d,
		      0xb8, [15] = 1 } });
	inany_from_v6(&b, &(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d,
		      0xb8, [15] = 2 } });
	on = tcp_syn_opt_build(o, 65460, 8);
	n = tcp_frame_hdr(lp, f, &a, &b, 443, 50000, 1, 2,
			  TCPH_SYN | TCPH_ACK, 65535, o, on, NULL, 0);
	assert_int_equal(n, ETH_HDR_LEN + IP6_HDR_LEN + TCP_HDR_LEN + on);
	check_frame(f, n, NULL, 0, false);
	p = seg_pkt(f + ETH_HDR_LEN + IP6_HDR_LEN, TCP_HDR_LEN + on);
	assert_int_equal(tcp_seg_parse(&p, &s), 0);
	assert_int_equal(s.optlen, on);
	assert_int_equal(s.flags, TCPH_SYN | TCPH_ACK);

	/* odd payload on IPv6 too */
	n = tcp_frame_hdr(lp, f, &a, &b, 443, 50000, 1, 2, TCPH_ACK, 1, NULL, 0,
			  data, 999);
	check_frame(f, n, data, 999, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_basic),
		cmocka_unit_test(test_opt_odd),
		cmocka_unit_test(test_opt_fuzz),
		cmocka_unit_test(test_opt_build),
		cmocka_unit_test(test_seg_parse),
		cmocka_unit_test(test_rst_reply),
		cmocka_unit_test(test_seg_fit_model),
		cmocka_unit_test(test_seq_model),
		cmocka_unit_test(test_mss_ours),
		cmocka_unit_test(test_frame_hdr),
	};

	return cmocka_run_group_tests_name("tcp_frame", tests, NULL, NULL);
}
