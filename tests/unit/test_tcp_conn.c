// SPDX-License-Identifier: MIT
/* test_tcp_conn.c - TCP translator state machine against loopback servers */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flow/fdbudget.h"
#include "tcptest.h"

/*
 * The guest 192.0.2.2 connects to 192.0.2.254, the address mapped to the
 * host's loopback, where the test listens on 127.0.0.1. Frames toward the
 * guest are captured by a fake link; the loop runs one batch per step.
 */

#define CAP_MAX		512
#define GUEST_WS	7
#define GUEST_MSS	1400

struct cap {
	struct virtio_net_hdr vh;
	uint8_t flags;
	uint16_t dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t opt[40];
	size_t optlen;
	uint8_t data[8192];
	size_t len;
};

static struct cap cap[CAP_MAX];
static int ncap;
/* capture only frames to this guest port (0: all); connections of
 * earlier tests may still resend their FIN meanwhile */
static uint16_t cap_only;
static struct conf conf;
static union inany guest, gw;

/* Fake link: parse and check every frame egress flushes */
static int cap_tx(struct loop *lp, const struct iovec *iov, const int *cnt,
		  int n)
{
	const uint8_t *f = tt_frame, *th = f + ETH_HDR_LEN + IP4_HDR_LEN;
	int i;

	for (i = 0; i < n; i++) {
		struct virtio_net_hdr vh;
		size_t len = tt_frame_get(iov, cnt, i, &vh), doff, l4;
		struct cap *c;

		assert_int_equal(rd16(f + 12), 0x0800);
		assert_int_equal(csum_fold(csum_partial(f + ETH_HDR_LEN,
						       IP4_HDR_LEN, 0)), 0);
		l4 = len - ETH_HDR_LEN - IP4_HDR_LEN;
		assert_int_equal(tt_tcp4_csum(f, len), 0);
		if (ncap == CAP_MAX || (cap_only && rd16(th + 2) != cap_only))
			continue;
		c = &cap[ncap++];
		c->vh = vh;
		doff = (size_t)(th[12] >> 4) * 4;
		c->flags = th[13];
		c->dport = rd16(th + 2);
		c->seq = rd32(th + 4);
		c->ack = rd32(th + 8);
		c->wnd = rd16(th + 14);
		c->optlen = doff - TCP_HDR_LEN;
		memcpy(c->opt, th + TCP_HDR_LEN, c->optlen);
		c->len = MIN(l4 - doff, sizeof(c->data));
		memcpy(c->data, th + doff, c->len);
	}
	return n;
}

static const struct link_ops cap_ops = { .name = "capture", .tx = cap_tx };
static const struct link_ops cap_vnet_ops = {
	.name = "capture (vnet)", .tx = cap_tx, .vnet_hdr = true,
};

/* One batch of the loop: socket events, post-batch work, flush */
static void step(void)
{
	loop_run(lp);
}

/* Step until at least @n frames were captured, or about a second */
static void step_until(int n)
{
	int i;

	for (i = 0; i < 1000 && ncap < n; i++) {
		step();
		if (ncap < n)
			usleep(1000);
	}
	assert_true(ncap >= n);
}

/* No ACK from the guest: step every 10 ms until something is sent again,
 * for about 3 seconds at most */
static void wait_resend(void)
{
	int i;

	ncap = 0;
	for (i = 0; i < 300 && !ncap; i++) {
		struct pollfd pfd = { .fd = -1 };

		poll(&pfd, 0, 10);
		step();
	}
}

/* A guest segment to port @dport from guest port @sport */
static void guest_seg(uint16_t sport, uint16_t dport, uint8_t flags,
		      uint32_t seq, uint32_t ack, uint16_t wnd,
		      const uint8_t *opt, size_t optlen,
		      const void *data, size_t len)
{
	struct tt_seg s = {
		.src = &guest, .dst = &gw, .sport = sport, .dport = dport,
		.flags = flags, .seq = seq, .ack = ack, .wnd = wnd,
		.opt = opt, .optlen = optlen, .data = data, .len = len,
	};

	tt_seg_send(&s);
}

static int setup(void **state)
{
	(void)state;
	tt_conf(&conf, "192.0.2.2", "192.0.2.254");
	inany_from_v4(&guest, conf.ip4.addr);
	inany_from_v4(&gw, conf.ip4.our_addr);
	tt_start(&conf, &cap_ops);
	return 0;
}

/* Guest SYN, our SYN-ACK once connected, guest ACK. Return: our ISN + 1 */
static uint32_t handshake(uint16_t sport, uint16_t dport, int lsock,
			  int *server)
{
	const uint8_t opt[] = { 2, 4, GUEST_MSS >> 8, GUEST_MSS & 0xff,
				1, 3, 3, GUEST_WS };
	struct tcp_syn_opt o;
	uint32_t isn;

	ncap = 0;
	cap_only = sport;
	guest_seg(sport, dport, TCPH_SYN, 1000, 0, 65535, opt, sizeof(opt),
		  NULL, 0);
	step_until(1);
	assert_int_equal(cap[0].flags, TCPH_SYN | TCPH_ACK);
	assert_int_equal(cap[0].ack, 1001);
	tcp_opt_parse(cap[0].opt, cap[0].optlen, &o);
	assert_int_equal(o.mss, 1460);
	assert_true(o.ws_ok);
	assert_int_equal(o.ws, TCP_WS_TO_TAP);
	isn = cap[0].seq;

	*server = accept(lsock, NULL, NULL);
	assert_true(*server >= 0);
	ncap = 0;
	guest_seg(sport, dport, TCPH_ACK, 1001, isn + 1, 512, NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 0);	/* nothing to say yet */
	return isn + 1;
}

static void test_unknown_rst(void **state)
{
	(void)state;
	ncap = 0;
	guest_seg(41000, 9, TCPH_ACK, 5, 777, 100, NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].flags, TCPH_RST);
	assert_int_equal(cap[0].seq, 777);

	ncap = 0;
	guest_seg(41000, 9, TCPH_RST, 5, 0, 0, NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 0);	/* never answer an RST */
}

static void test_refused(void **state)
{
	uint16_t port;
	int l = tt_listener(&port);

	(void)state;
	close(l);		/* nobody listens there now */
	ncap = 0;
	guest_seg(41001, port, TCPH_SYN, 2000, 0, 65535, NULL, 0, NULL, 0);
	step_until(1);
	assert_int_equal(cap[0].flags, TCPH_RST | TCPH_ACK);
	assert_int_equal(cap[0].ack, 2001);
	assert_int_equal(flow_count(lp), 0);
}

static void test_data_both_ways(void **state)
{
	uint8_t big[3000], buf[4096];
	uint16_t port;
	int l = tt_listener(&port), srv, i;
	uint32_t seq, g = 1001;
	ssize_t r;

	(void)state;
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	seq = handshake(41002, port, l, &srv);

	/* guest -> server, ACKed once written */
	ncap = 0;
	guest_seg(41002, port, TCPH_ACK | TCPH_PSH, g, seq, 512, NULL, 0,
		  "hello", 5);
	g += 5;
	step();
	assert_int_equal(recv(srv, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].flags, TCPH_ACK);
	assert_int_equal(cap[0].ack, g);

	/* server -> guest in guest-MSS segments, PSH on the last */
	ncap = 0;
	assert_int_equal(send(srv, big, sizeof(big), 0), sizeof(big));
	step_until(3);
	assert_int_equal(cap[0].seq, seq);
	assert_int_equal(cap[0].len, GUEST_MSS);
	assert_int_equal(cap[1].len, GUEST_MSS);
	assert_int_equal(cap[2].len, 200);
	assert_true(cap[2].flags & TCPH_PSH);
	assert_false(cap[0].flags & TCPH_PSH);
	assert_memory_equal(cap[1].data, big + GUEST_MSS, GUEST_MSS);

	/* three duplicate ACKs: everything from the ACK is sent again */
	ncap = 0;
	guest_seg(41002, port, TCPH_ACK, g, seq + GUEST_MSS, 512, NULL, 0,
		  NULL, 0);
	for (i = 0; i < 3; i++)
		guest_seg(41002, port, TCPH_ACK, g, seq + GUEST_MSS, 512,
			  NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 2);
	assert_int_equal(cap[0].seq, seq + GUEST_MSS);
	assert_memory_equal(cap[0].data, big + GUEST_MSS, GUEST_MSS);
	assert_int_equal(cap[1].seq, seq + 2 * GUEST_MSS);

	/* all ACKed; the server closes: FIN, then the guest's */
	ncap = 0;
	guest_seg(41002, port, TCPH_ACK, g, seq + 3000, 512, NULL, 0, NULL, 0);
	shutdown(srv, SHUT_WR);
	step_until(1);
	assert_int_equal(cap[0].flags, TCPH_FIN | TCPH_ACK);
	assert_int_equal(cap[0].seq, seq + 3000);

	/* half-closed: the guest still sends, then closes its side */
	ncap = 0;
	guest_seg(41002, port, TCPH_ACK, g, seq + 3001, 512, NULL, 0,
		  "more", 4);
	g += 4;
	guest_seg(41002, port, TCPH_FIN | TCPH_ACK, g, seq + 3001, 512,
		  NULL, 0, NULL, 0);
	step();
	assert_int_equal(recv(srv, buf, sizeof(buf), 0), 4);
	assert_int_equal(recv(srv, buf, sizeof(buf), 0), 0);	/* EOF */
	assert_int_equal(ncap, 1);		/* one ACK for the batch */
	assert_int_equal(cap[0].ack, g + 1);
	assert_int_equal(flow_count(lp), 0);	/* both FINs done: closed */

	r = recv(srv, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(r, 0);
	close(srv);
	close(l);
}

static void test_out_of_order(void **state)
{
	uint8_t buf[64];
	uint16_t port;
	int l = tt_listener(&port), srv;
	uint32_t seq;

	(void)state;
	seq = handshake(41003, port, l, &srv);
	ncap = 0;
	/* second piece first: not stored, duplicate ACK for 1001 */
	guest_seg(41003, port, TCPH_ACK, 1006, seq, 512, NULL, 0, "world", 5);
	step();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].ack, 1001);
	assert_int_equal(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), -1);

	/* overlapping retransmission: only new bytes are written */
	ncap = 0;
	guest_seg(41003, port, TCPH_ACK, 1001, seq, 512, NULL, 0, "hello", 5);
	guest_seg(41003, port, TCPH_ACK, 1003, seq, 512, NULL, 0,
		  "llowor", 6);
	step();
	assert_int_equal(recv(srv, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "hellowor", 8);
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].ack, 1009);

	/* keepalive: SEG.SEQ = RCV.NXT - 1, no data: ACK */
	ncap = 0;
	guest_seg(41003, port, TCPH_ACK, 1008, seq, 512, NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].ack, 1009);

	/* guest RST: the server sees a reset */
	ncap = 0;
	guest_seg(41003, port, TCPH_RST, 1009, 0, 0, NULL, 0, NULL, 0);
	step();
	assert_int_equal(ncap, 0);
	assert_int_equal(recv(srv, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	close(srv);
	close(l);
}

static void test_rto(void **state)
{
	uint8_t buf[64];
	uint16_t port;
	int l = tt_listener(&port), srv;
	uint32_t seq;

	(void)state;
	seq = handshake(41004, port, l, &srv);
	ncap = 0;
	assert_int_equal(send(srv, "abc", 3, 0), 3);
	step_until(1);
	assert_int_equal(cap[0].len, 3);

	/* no ACK: the same bytes again after about a second */
	wait_resend();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].seq, seq);
	assert_int_equal(cap[0].len, 3);
	assert_memory_equal(cap[0].data, "abc", 3);

	/* an ACK beyond what we sent is answered, not applied */
	ncap = 0;
	guest_seg(41004, port, TCPH_ACK, 1001, seq + 100, 512, NULL, 0, NULL,
		  0);
	step();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].flags, TCPH_ACK);
	assert_int_equal(cap[0].seq, seq + 3);
	(void)buf;
	/* reset: no FIN to resend into the next tests' captures */
	guest_seg(41004, port, TCPH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	step();
	close(srv);
	close(l);
}

struct conn_q {
	uint8_t state;
	uint16_t gport;
	struct tcp_conn *c;
};

static void conn_match(struct loop *lp, struct flow_common *f, void *arg)
{
	struct tcp_conn *c = (struct tcp_conn *)f;
	struct conn_q *q = arg;

	if (f->kind == FLOW_TCP && c->state == q->state &&
	    f->gport == q->gport && !q->c)
		q->c = c;
}

/* The open TCP flow in @state from guest port @gport, NULL if none */
static struct tcp_conn *conn_find(uint8_t state, uint16_t gport)
{
	struct conn_q q = { .state = state, .gport = gport };

	flow_foreach(lp, conn_match, &q);
	return q.c;
}

/* The established connection from guest port @gport */
static struct tcp_conn *conn_of(uint16_t gport)
{
	struct tcp_conn *c = conn_find(TCPS_ESTABLISHED, gport);

	if (!c)
		fail();
	return c;
}

/* A guest that never ACKs our SYN-ACK: sent again TCP_SYNACK_RETRIES
 * times, then RST, socket closed (not the TCP_RETRIES_MAX of data) */
static void test_synack_retries(void **state)
{
	const uint8_t opt[] = { 2, 4, GUEST_MSS >> 8, GUEST_MSS & 0xff };
	struct tcp_conn *c;
	uint16_t port;
	int l = tt_listener(&port), i;

	(void)state;
	ncap = 0;
	cap_only = 41007;
	guest_seg(41007, port, TCPH_SYN, 1000, 0, 65535, opt, sizeof(opt),
		  NULL, 0);
	step_until(1);
	assert_int_equal(cap[0].flags, TCPH_SYN | TCPH_ACK);
	c = conn_find(TCPS_SYN_ACK_SENT, 41007);
	assert_non_null(c);
	for (i = 0; i < TCP_SYNACK_RETRIES; i++) {
		ncap = 0;
		tcp_conn_timeout(lp, c);
		step();
		assert_int_equal(ncap, 1);
		assert_int_equal(cap[0].flags, TCPH_SYN | TCPH_ACK);
		assert_int_equal(c->state, TCPS_SYN_ACK_SENT);
	}
	ncap = 0;
	tcp_conn_timeout(lp, c);
	assert_int_equal(c->state, TCPS_CLOSED);
	assert_int_equal(c->sock, -1);
	step();
	assert_int_equal(ncap, 1);
	assert_true(cap[0].flags & TCPH_RST);
	close(l);
}

/* A captured frame to guest port @port with all of @flags, or -1 */
static int cap_find(uint16_t port, uint8_t flags)
{
	int i;

	for (i = 0; i < ncap; i++)
		if (cap[i].dport == port && (cap[i].flags & flags) == flags)
			return i;
	return -1;
}

/* The fd budget spent: a new SYN resets the oldest handshake once that
 * has waited a second, and gets its fd; a younger one is left alone */
static void test_embryo_make_room(void **state)
{
	const uint8_t opt[] = { 2, 4, GUEST_MSS >> 8, GUEST_MSS & 0xff };
	uint16_t port;
	int l = tt_listener(&port), i;
	unsigned left;

	(void)state;
	cap_only = 41010;
	ncap = 0;
	guest_seg(41010, port, TCPH_SYN, 1000, 0, 65535, opt, sizeof(opt),
		  NULL, 0);
	step_until(1);
	assert_int_equal(cap[0].flags, TCPH_SYN | TCPH_ACK);

	left = fdbudget_size() - fdbudget_used();
	assert_true(fdbudget_take_n(left, "test"));
	/* young: the new SYN is refused, the handshake stays */
	cap_only = 0;
	ncap = 0;
	guest_seg(41011, port, TCPH_SYN, 2000, 0, 65535, opt, sizeof(opt),
		  NULL, 0);
	for (i = 0; i < 100 && cap_find(41011, TCPH_RST) < 0; i++) {
		step();
		usleep(1000);
	}
	assert_true(cap_find(41011, TCPH_RST) >= 0);
	assert_true(cap_find(41010, TCPH_RST) < 0);

	usleep(1100 * 1000);
	step();			/* the loop's clock moves on */
	ncap = 0;
	guest_seg(41012, port, TCPH_SYN, 3000, 0, 65535, opt, sizeof(opt),
		  NULL, 0);
	for (i = 0; i < 200 && cap_find(41012, TCPH_SYN | TCPH_ACK) < 0;
	     i++) {
		step();
		usleep(1000);
	}
	/* the old one reset, the new one connected */
	assert_true(cap_find(41010, TCPH_RST) >= 0);
	assert_true(cap_find(41012, TCPH_SYN | TCPH_ACK) >= 0);

	guest_seg(41012, port, TCPH_RST, 3001, 0, 0, NULL, 0, NULL, 0);
	step();
	fdbudget_put_n(left);
	close(l);
}

/* RFC 6298: the RTO follows the measured RTT (the handshake gives the
 * first sample), backs off on expiry, a resent segment gives no sample
 * (Karn) and the next ACK for new data undoes the backoff */
static void test_rto_rtt(void **state)
{
	uint16_t port;
	int l = tt_listener(&port), srv, i;
	struct tcp_conn *c;
	uint32_t seq;

	(void)state;
	seq = handshake(41007, port, l, &srv);
	c = conn_of(41007);
	assert_true(c->srtt8 > 0);
	assert_true(c->rto_ms >= TCP_RTO_MIN_MS && c->rto_ms < TCP_RTO_INIT_MS);
	assert_false(c->flags & TCPF_RTT_ON);

	ncap = 0;
	assert_int_equal(send(srv, "abcd", 4, 0), 4);
	step_until(1);
	assert_true(c->flags & TCPF_RTT_ON);	/* new data is timed */
	assert_int_equal(c->rtt_seq, seq + 4);

	/* no ACK: resent after the RTO, which doubles */
	wait_resend();
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].seq, seq);
	assert_int_equal(cap[0].len, 4);
	assert_false(c->flags & TCPF_RTT_ON);	/* Karn */
	assert_true(c->rto_ms >= 2 * TCP_RTO_MIN_MS);

	/* the ACK for it: no sample from a resend, backoff undone */
	i = (int)c->srtt8;
	guest_seg(41007, port, TCPH_ACK, 1001, seq + 4, 512, NULL, 0, NULL, 0);
	step();
	assert_int_equal((int)c->srtt8, i);
	assert_true(c->rto_ms < TCP_RTO_INIT_MS);
	guest_seg(41007, port, TCPH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	step();
	close(srv);
	close(l);
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/*
 * Random segments on a live connection and on unknown tuples: flags,
 * numbers near the expected ones, options of random length and bytes.
 * Nothing may crash or read out of bounds (run it under ASan), and every
 * frame we send keeps valid checksums (cap_tx checks them).
 */
static void test_fuzz(void **state)
{
	static uint8_t data[2048], opt[40];
	unsigned seed = 4242, i;
	uint16_t port;
	int l = tt_listener(&port), srv;
	uint32_t seq;

	(void)state;
	seq = handshake(41005, port, l, &srv);
	for (i = 0; i < 20000; i++) {
		uint8_t flags;
		size_t optlen, len, j;
		uint32_t s, a;

		flags = (uint8_t)(rnd(&seed) & 0x3f);
		if (rnd(&seed) % 8)
			flags &= (uint8_t)~(TCPH_RST | TCPH_SYN);
		optlen = (rnd(&seed) % 11) * 4;
		for (j = 0; j < optlen; j++)
			opt[j] = (uint8_t)(rnd(&seed) % 6 ? rnd(&seed) % 5 : rnd(&seed));
		len = rnd(&seed) % 3 ? rnd(&seed) % 64 : rnd(&seed) % sizeof(data);
		for (j = 0; j < len; j++)
			data[j] = (uint8_t)rnd(&seed);
		s = 1001 + (uint32_t)(rnd(&seed) % 200000) - 100000;
		a = seq + (uint32_t)(rnd(&seed) % 20000) - 10000;
		guest_seg(rnd(&seed) % 16 ? 41005 : 42000 + rnd(&seed) % 8,
			  rnd(&seed) % 16 ? port : (uint16_t)(rnd(&seed) % 3 + 1),
			  flags, s, a, (uint16_t)rnd(&seed), opt, optlen, data,
			  len);
		if (i % 16 == 0) {
			ncap = 0;
			step();
			recv(srv, data, sizeof(data), MSG_DONTWAIT);
		}
	}
	for (i = 0; i < 20; i++)
		step();
	close(srv);
	close(l);
}

/* With a link taking virtio-net headers: one frame for several MSS, the
 * checksum left to the link */
static void test_offload(void **state)
{
	uint8_t big[5000], buf[64];
	uint16_t port;
	int l = tt_listener(&port), srv, i;
	uint32_t seq;

	(void)state;
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 1);
	link_set(lp, &cap_vnet_ops, -1);
	seq = handshake(41006, port, l, &srv);
	assert_int_equal(cap[0].vh.flags, 0);	/* control: complete sum */

	ncap = 0;
	assert_int_equal(send(srv, big, sizeof(big), 0), sizeof(big));
	step_until(1);
	assert_int_equal(ncap, 1);
	assert_int_equal(cap[0].len, sizeof(big));
	assert_int_equal(cap[0].seq, seq);
	assert_memory_equal(cap[0].data, big, sizeof(big));
	assert_int_equal(cap[0].vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(cap[0].vh.csum_start, ETH_HDR_LEN + IP4_HDR_LEN);
	assert_int_equal(cap[0].vh.csum_offset, 16);
	assert_int_equal(cap[0].vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(cap[0].vh.gso_size, GUEST_MSS);

	/* a single segment needs no segmentation */
	ncap = 0;
	guest_seg(41006, port, TCPH_ACK, 1001, seq + sizeof(big), 512, NULL,
		  0, NULL, 0);
	assert_int_equal(send(srv, "x", 1, 0), 1);
	step_until(1);
	assert_int_equal(cap[0].len, 1);
	assert_int_equal(cap[0].vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	(void)buf;
	link_set(lp, &cap_ops, -1);
	close(srv);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_rst),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_data_both_ways),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_rto),
		cmocka_unit_test(test_rto_rtt),
		cmocka_unit_test(test_synack_retries),
		cmocka_unit_test(test_embryo_make_room),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_fuzz),	/* last: leaves flows behind */
	};

	return cmocka_run_group_tests_name("tcp_conn", tests, setup, NULL);
}
