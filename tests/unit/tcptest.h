/* SPDX-License-Identifier: MIT */
/* tcptest.h - shared by the TCP unit tests: set-up, guest segments, frames
 * a fake link receives, loopback sockets */
#ifndef TETHER_TCPTEST_H
#define TETHER_TCPTEST_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/virtio_net.h>

#include "tloop.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l4/nat.h"
#include "l4/tcp.h"
#include "l4/tcp_conn.h"
#include "lib/checksum.h"
#include "lib/util.h"
#include "link/link.h"
#include "loop.h"
#include "sock/prepare.h"

/* ---- set-up -------------------------------------------------------- */

/* IPv4 only, pasta mode: the guest at @guest, our address (mapped to the
 * host's loopback) at @gw, MTU 1500 */
static inline void tt_conf(struct conf *c, const char *guest, const char *gw)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PASTA;
	c->ip4.enabled = true;
	c->ip4.addr.s_addr = inet_addr(guest);
	c->ip4.our_addr.s_addr = inet_addr(gw);
	c->ip4.map_host_lo.s_addr = inet_addr(gw);
	c->link.mtu = 1500;
	memcpy(c->link.our_mac, "\x9a\x55\x9a\x55\x9a\x55", 6);
}

static void tt_stop_hook(struct loop *lp)
{
	loop_stop(lp, 0);
}

static void tt_flush_hook(struct loop *lp)
{
	egress_flush(lp);
}

/* The loop, flows, egress, NAT and TCP with @c, frames going to @ops;
 * loop_run() then runs one batch and flushes egress */
static inline void tt_start(const struct conf *c, const struct link_ops *ops)
{
	loop_init(lp);
	flow_init(lp);
	link_init(lp);
	guest_init(&c->ip4, &c->ip6);
	egress_init(lp, &c->link);
	nat_init(&c->ip4, &c->ip6);
	sock_prepare_init(&c->ip4, &c->ip6);
	tcp_init(lp, &c->link, &c->ip6);
	link_set(lp, ops, -1);
	loop_post_add(lp, tt_flush_hook);
	loop_timer_add(lp, tt_stop_hook, 0);
}

/* ---- segments from the guest ---------------------------------------- */

#define TT_DATA_MAX	4096

/**
 * struct tt_seg - a guest TCP segment to hand to tcp_from_tap()
 * @src, @dst:		addresses
 * @sport, @dport:	ports
 * @flags, @seq, @ack, @wnd:	header fields
 * @opt, @optlen:	options (@optlen a multiple of 4, at most 40)
 * @data, @len:		payload (at most TT_DATA_MAX bytes)
 */
struct tt_seg {
	const union inany *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	const uint8_t *opt;
	size_t optlen;
	const void *data;
	size_t len;
};

static inline void tt_seg_send(const struct tt_seg *s)
{
	static uint8_t th[TCP_HDR_LEN + 40 + TT_DATA_MAX];
	struct pkt p = { .af = AF_INET, .proto = IPPROTO_TCP, .ttl = 64 };

	assert_true(s->optlen <= 40 && s->len <= TT_DATA_MAX);
	tcp_hdr_fill(th, s->sport, s->dport, s->seq, s->ack, s->flags, s->wnd,
		     s->optlen);
	if (s->optlen)
		memcpy(th + TCP_HDR_LEN, s->opt, s->optlen);
	if (s->len)
		memcpy(th + TCP_HDR_LEN + s->optlen, s->data, s->len);
	p.src = *s->src;
	p.dst = *s->dst;
	p.l4 = th;
	p.l4_len = TCP_HDR_LEN + s->optlen + s->len;
	tcp_from_tap(lp, &p, 1);
}

/* ---- frames toward the guest ---------------------------------------- */

static uint8_t tt_frame[65536 + 64];

/*
 * tt_frame_get() - frame @i of a link's tx batch, copied to tt_frame; a
 * virtio-net header (if the link takes one) goes to *@vh, and the checksum
 * it asks for is done as the link would. Return: frame length
 */
static inline size_t tt_frame_get(const struct iovec *iov, const int *cnt,
				  int i, struct virtio_net_hdr *vh)
{
	const struct iovec *fi = iov + (size_t)i * EGRESS_IOV_MAX;
	uint8_t *f = tt_frame;
	size_t len = 0;
	int j;

	memset(vh, 0, sizeof(*vh));
	for (j = 0; j < cnt[i]; j++) {
		assert_true(len + fi[j].iov_len <= sizeof(tt_frame));
		memcpy(f + len, fi[j].iov_base, fi[j].iov_len);
		len += fi[j].iov_len;
	}
	if (link_ops(lp)->vnet_hdr) {
		assert_true(len > sizeof(*vh));
		memcpy(vh, f, sizeof(*vh));
		len -= sizeof(*vh);
		memmove(f, f + sizeof(*vh), len);
		if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			wr16(f + vh->csum_start + vh->csum_offset,
			     csum_fold(csum_partial(f + vh->csum_start,
						    len - vh->csum_start, 0)));
	}
	return len;
}

/* Folded TCP checksum over IPv4 frame @f, @len bytes: 0 if right */
static inline uint16_t tt_tcp4_csum(const uint8_t *f, size_t len)
{
	const uint8_t *th = f + ETH_HDR_LEN + IP4_HDR_LEN;
	size_t l4 = len - ETH_HDR_LEN - IP4_HDR_LEN;
	struct in_addr s, d;

	memcpy(&s, f + ETH_HDR_LEN + 12, 4);
	memcpy(&d, f + ETH_HDR_LEN + 16, 4);
	return csum_fold(csum_partial(th, l4, csum_pseudo4(s, d, IPPROTO_TCP,
							   (uint16_t)l4)));
}

/* ---- loopback sockets ------------------------------------------------ */

/* A TCP listener on 127.0.0.1, on a port the kernel picks: *@port */
static inline int tt_listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 16), 0);
	getsockname(s, (struct sockaddr *)&a, &sl);
	*port = ntohs(a.sin_port);
	return s;
}

/* A connected loopback pair: *@cli is the client. Return: the accepted,
 * non-blocking end */
static inline int tt_pair(int *cli)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint16_t port;
	int l = tt_listener(&port), fd;

	a.sin_port = htons(port);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*cli, (struct sockaddr *)&a, sizeof(a)), 0);
	fd = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	assert_true(fd >= 0);
	close(l);
	return fd;
}

#endif /* TETHER_TCPTEST_H */
