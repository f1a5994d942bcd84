// SPDX-License-Identifier: MIT
/* test_fwd_inbound.c - TCP connections from forwarded ports, via the tap */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "l4/tcp_inbound.h"
#include "tcptest.h"

/*
 * A client (a loopback socket pair stands in for the accepted socket) is
 * handed to tcp_inbound_accept() as if it came from REMOTE:rport; frames
 * toward the guest 192.0.2.2 are captured by a fake link, and the
 * guest's answers are made up here.
 */

#define CAP_MAX		64
#define GPORT		8080
#define RPORT0		40000	/* client ports: one per test */
#define REMOTE		"198.51.100.7"
#define GUEST		"192.0.2.2"
#define GW		"192.0.2.254"

struct cap {
	struct in_addr src, dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	struct tcp_syn_opt opt;
	uint8_t data[4096];
	size_t len;
};

static struct cap cap[CAP_MAX];
static int ncap;
static struct conf conf;
static union inany guest, remote;
static uint16_t rport = RPORT0;

/* Fake link: check checksums, keep the TCP fields of each frame */
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
		assert_int_equal(f[ETH_HDR_LEN + 9], IPPROTO_TCP);
		l4 = len - ETH_HDR_LEN - IP4_HDR_LEN;
		if (ncap == CAP_MAX)
			continue;
		c = &cap[ncap++];
		memcpy(&c->src, f + ETH_HDR_LEN + 12, 4);
		memcpy(&c->dst, f + ETH_HDR_LEN + 16, 4);
		assert_int_equal(tt_tcp4_csum(f, len), 0);
		doff = (size_t)(th[12] >> 4) * 4;
		c->sport = rd16(th);
		c->dport = rd16(th + 2);
		c->seq = rd32(th + 4);
		c->ack = rd32(th + 8);
		c->flags = th[13];
		c->wnd = rd16(th + 14);
		tcp_opt_parse(th + TCP_HDR_LEN, doff - TCP_HDR_LEN, &c->opt);
		c->len = MIN(l4 - doff, sizeof(c->data));
		memcpy(c->data, th + doff, c->len);
	}
	return n;
}

static const struct link_ops cap_ops = { .name = "capture", .tx = cap_tx };

/* One batch of the loop */
static void step(void)
{
	loop_run(lp);
}

/* Step until @n frames were captured, for at most @ms */
static void step_until(int n, int ms)
{
	int i;

	for (i = 0; i < ms && ncap < n; i++) {
		struct pollfd pfd = { .fd = -1 };

		step();
		if (ncap < n)
			poll(&pfd, 0, 1);
	}
	assert_true(ncap >= n);
}

/* A guest segment from GUEST:GPORT to REMOTE:rport */
static void guest_seg(uint8_t flags, uint32_t seq, uint32_t ack,
		      uint16_t wnd, const uint8_t *opt, size_t optlen,
		      const void *data, size_t len)
{
	struct tt_seg s = {
		.src = &guest, .dst = &remote, .sport = GPORT, .dport = rport,
		.flags = flags, .seq = seq, .ack = ack, .wnd = wnd,
		.opt = opt, .optlen = optlen, .data = data, .len = len,
	};

	tt_seg_send(&s);
}

/* A client accepted and handed over: check our SYN; Return: its seq */
static uint32_t open_inbound(int *cli, int *fd)
{
	uint32_t isn;

	*fd = tt_pair(cli);
	ncap = 0;
	rport++;
	assert_int_equal(tcp_inbound_accept(lp, *fd, &remote, rport, NULL, GPORT), 0);
	step_until(1, 100);
	assert_int_equal(cap[0].flags, TCPH_SYN);
	assert_int_equal(cap[0].src.s_addr, inet_addr(REMOTE));
	assert_int_equal(cap[0].dst.s_addr, inet_addr(GUEST));
	assert_int_equal(cap[0].sport, rport);
	assert_int_equal(cap[0].dport, GPORT);
	assert_int_equal(cap[0].opt.mss, 1460);
	assert_true(cap[0].opt.ws_ok);
	assert_int_equal(cap[0].opt.ws, TCP_WS_TO_TAP);
	isn = cap[0].seq;
	return isn;
}

/* The guest accepts: SYN-ACK with MSS 1400 and window scale 7 */
static void synack(uint32_t isn, uint32_t gisn, bool ws)
{
	const uint8_t opt[] = { 2, 4, 1400 >> 8, 1400 & 0xff, 1, 3, 3, 7 };

	guest_seg(TCPH_SYN | TCPH_ACK, gisn, isn + 1, 65535, opt,
		  ws ? sizeof(opt) : 4, NULL, 0);
}

static int setup(void **state)
{
	(void)state;
	tt_conf(&conf, GUEST, GW);
	inany_from_v4(&guest, conf.ip4.addr);
	inany_from_v4(&remote, (struct in_addr){ inet_addr(REMOTE) });
	tt_start(&conf, &cap_ops);
	return 0;
}

/* Client data sent before the guest answered reaches it after the
 * handshake; guest data reaches the client; FINs both ways */
static void test_established_data(void **state)
{
	uint32_t isn, gisn = 5000;
	char buf[64];
	int cli, fd, i;

	(void)state;
	isn = open_inbound(&cli, &fd);
	assert_int_equal(send(cli, "early", 5, 0), 5);
	step();

	ncap = 0;
	synack(isn, gisn, true);
	step_until(2, 200);
	assert_int_equal(cap[0].flags, TCPH_ACK);
	assert_int_equal(cap[0].seq, isn + 1);
	assert_int_equal(cap[0].ack, gisn + 1);
	for (i = 1; i < ncap && !cap[i].len; i++)
		;
	assert_true(i < ncap);
	assert_int_equal(cap[i].len, 5);
	assert_memory_equal(cap[i].data, "early", 5);
	assert_int_equal(cap[i].seq, isn + 1);

	/* guest ACKs it and sends data */
	guest_seg(TCPH_ACK | TCPH_PSH, gisn + 1, isn + 6, 512, NULL, 0,
		  "reply", 5);
	step();
	assert_int_equal(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), 5);
	assert_memory_equal(buf, "reply", 5);

	/* client closes: FIN to the guest after its data */
	ncap = 0;
	shutdown(cli, SHUT_WR);
	step_until(1, 200);
	assert_true(cap[ncap - 1].flags & TCPH_FIN);
	assert_int_equal(cap[ncap - 1].seq, isn + 6);
	close(cli);
}

/* Nothing listens in the guest: its RST resets the client */
static void test_guest_refuses(void **state)
{
	uint32_t isn;
	char buf[8];
	int cli, fd;

	(void)state;
	isn = open_inbound(&cli, &fd);
	/* an RST that doesn't ACK our SYN is ignored (RFC 9293 3.10.7.3) */
	guest_seg(TCPH_RST | TCPH_ACK, 0, isn + 7, 0, NULL, 0, NULL, 0);
	step();
	assert_int_equal(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);

	guest_seg(TCPH_RST | TCPH_ACK, 0, isn + 1, 0, NULL, 0, NULL, 0);
	step();
	assert_int_equal(recv(cli, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	close(cli);
}

/* A SYN-ACK for another sequence number: <SEQ=SEG.ACK><CTL=RST> */
static void test_bad_ack(void **state)
{
	uint32_t isn;
	int cli, fd;

	(void)state;
	isn = open_inbound(&cli, &fd);
	ncap = 0;
	guest_seg(TCPH_SYN | TCPH_ACK, 77, isn + 1000, 65535, NULL, 0, NULL,
		  0);
	step_until(1, 100);
	assert_int_equal(cap[0].flags, TCPH_RST);
	assert_int_equal(cap[0].seq, isn + 1000);

	/* the right one still works: no window scaling offered back */
	ncap = 0;
	synack(isn, 77, false);
	step_until(1, 100);
	assert_int_equal(cap[0].flags, TCPH_ACK);
	assert_int_equal(cap[0].ack, 78);
	close(cli);
}

/* No answer: the same SYN again after the RTO (1 s) */
static void test_syn_retransmitted(void **state)
{
	uint32_t isn;
	int cli, fd, i;

	(void)state;
	isn = open_inbound(&cli, &fd);
	ncap = 0;
	/* connections of earlier tests may resend their FIN meanwhile (the
	 * RTO follows the RTT): skip their frames */
	for (i = 0; i < 1500; i++) {
		struct pollfd pfd = { .fd = -1 };

		step();
		while (ncap && cap[ncap - 1].sport != rport)
			ncap--;
		if (ncap)
			break;
		poll(&pfd, 0, 1);
	}
	assert_true(ncap > 0);
	assert_int_equal(cap[ncap - 1].flags, TCPH_SYN);
	assert_int_equal(cap[ncap - 1].seq, isn);
	close(cli);
}

/* The client gives up before the guest answers: the guest is told */
static void test_client_resets_first(void **state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint32_t isn;
	int cli, fd, i;

	(void)state;
	isn = open_inbound(&cli, &fd);
	ncap = 0;
	setsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cli);
	step_until(1, 200);
	for (i = 0; i < ncap && !(cap[i].flags & TCPH_RST); i++)
		;
	assert_true(i < ncap);
	assert_int_equal(cap[i].seq, isn + 1);
	/* the guest's late SYN-ACK finds no connection: RST */
	ncap = 0;
	synack(isn, 900, true);
	step_until(1, 100);
	assert_int_equal(cap[0].flags, TCPH_RST);
	assert_int_equal(cap[0].seq, isn + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established_data),
		cmocka_unit_test(test_guest_refuses),
		cmocka_unit_test(test_bad_ack),
		cmocka_unit_test(test_syn_retransmitted),
		cmocka_unit_test(test_client_resets_first),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
