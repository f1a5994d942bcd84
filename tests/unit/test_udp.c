// SPDX-License-Identifier: MIT
/* test_udp.c - UDP translator against real sockets in a private netns */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/virtio_net.h>

#include "l2test.h"

static struct conf conf;
static bool netns;
static uint8_t buf[L2_MAX_FRAME];

/* cmocka can't skip from a setup function: tests call this first */
#define NEED_NETNS()	do { if (!netns) skip(); } while (0)

#define PUMP_MS	2000	/* longest wait for expected frames */

/* Servers still open: closed by srv_teardown() after a test that failed
 * before closing its own, so the next test can bind the same port */
static int srv_open[4] = { -1, -1, -1, -1 };

static void srv_close(int fd)
{
	unsigned i;

	for (i = 0; i < sizeof(srv_open) / sizeof(srv_open[0]); i++)
		if (srv_open[i] == fd)
			srv_open[i] = -1;
	close(fd);
}

static int srv_teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(srv_open) / sizeof(srv_open[0]); i++)
		if (srv_open[i] >= 0)
			srv_close(srv_open[i]);
	return 0;
}

/*
 * A UDP socket bound to @addr:@port, with a receive timeout. Its receive
 * buffer holds every datagram a test sends in one batch before reading
 * (the default leaves little headroom on a loaded machine, and loopback
 * drops what doesn't fit): past net.core.rmem_max where we have
 * CAP_NET_ADMIN in this namespace
 */
static int server(const char *addr, uint16_t port)
{
	union inany a = t_any(addr);
	union sockaddr_inany sa;
	struct timeval tv = { .tv_sec = 2 };
	socklen_t sl = inany_to_sockaddr(&sa, &a, port, 0);
	int one = 1, rcvbuf = 4 << 20, fd;
	unsigned i;

	fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (sa.sa.sa_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
			   sizeof(one));
	for (i = 0; i < sizeof(srv_open) / sizeof(srv_open[0]); i++) {
		if (srv_open[i] < 0) {
			srv_open[i] = fd;
			break;
		}
	}
	assert_int_equal(bind(fd, &sa.sa, sl), 0);
	return fd;
}

/* The guest sends @data from @src:@sport to @dst:@dport, with @ttl */
static void guest_send(const char *src, uint16_t sport, const char *dst,
		       uint16_t dport, const void *data, size_t len,
		       uint8_t ttl)
{
	static uint8_t l4[L2_MAX_FRAME];
	struct t_pkt t = { src, dst, IPPROTO_UDP, ttl, l4,
			   t_udp(l4, sport, dport, data, len), false };

	t_feed(buf, t_build(buf, &t), 0);
}

/* Receive on @fd: Return: length, *from filled, *ttl if not NULL */
static ssize_t srv_recv(int fd, void *data, size_t size,
			union sockaddr_inany *from, int *ttl)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, size };
	struct msghdr mh = {
		.msg_name = from, .msg_namelen = sizeof(*from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, 0);

	for (cm = CMSG_FIRSTHDR(&mh); ttl && cm; cm = CMSG_NXTHDR(&mh, cm))
		memcpy(ttl, CMSG_DATA(cm), sizeof(int));
	return n;
}

/* Send @len bytes of @data from @fd back to @to; Return: sendto()'s */
static ssize_t srv_reply(int fd, const void *data, size_t len,
			 const union sockaddr_inany *to)
{
	return sendto(fd, data, len, 0, &to->sa, to->sa.sa_family == AF_INET ?
		      sizeof(to->sa4) : sizeof(to->sa6));
}

static uint16_t sa_port(const union sockaddr_inany *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET ? sa->sa4.sin_port :
						   sa->sa6.sin6_port);
}

/*
 * check_frame() - captured frame @i is UDP from @src:@sport to
 * @dst:@dport carrying @data (@len bytes), checksums right
 */
static void check_frame(int i, const char *src, uint16_t sport,
			const char *dst, uint16_t dport, const void *data,
			size_t len)
{
	union inany s = t_any(src), d = t_any(dst);
	const uint8_t *f = t_cap[i], *ip = f + ETH_HDR_LEN, *l4;
	bool v4 = inany_is_v4(&s);

	assert_true(i < t_ncap);
	assert_memory_equal(f, t_guest_mac, 6);
	assert_memory_equal(f + 6, t_our_mac, 6);
	if (v4) {
		assert_int_equal(rd16(f + 12), 0x0800);
		assert_int_equal(ip[9], IPPROTO_UDP);
		assert_int_equal(csum_ip4_hdr(ip, IP4_HDR_LEN), 0);
		assert_memory_equal(ip + 12, &s.v4.a4, 4);
		assert_memory_equal(ip + 16, &d.v4.a4, 4);
		l4 = ip + IP4_HDR_LEN;
	} else {
		assert_int_equal(rd16(f + 12), 0x86dd);
		assert_int_equal(ip[6], IPPROTO_UDP);
		assert_memory_equal(ip + 8, &s.a6, 16);
		assert_memory_equal(ip + 24, &d.a6, 16);
		l4 = ip + IP6_HDR_LEN;
	}
	assert_int_equal((size_t)(l4 - f) + 8 + len, t_cap_len[i]);
	assert_true(t_l4_csum_ok(f, t_cap_len[i]));
	assert_int_equal(rd16(l4), sport);
	assert_int_equal(rd16(l4 + 2), dport);
	assert_int_equal(rd16(l4 + 4), 8 + len);
	assert_memory_equal(l4 + 8, data, len);
}

/* Guest -> remote, remote answers from the same and another port */
static void echo_test(const char *guest, const char *remote)
{
	int s1 = server(remote, 5001), s2 = server(remote, 5002);
	union sockaddr_inany from;
	char data[64];
	int ttl = 0;
	ssize_t n;

	t_cap_reset();
	guest_send(guest, 40100, remote, 5001, "ping1", 5, 7);
	n = srv_recv(s1, data, sizeof(data), &from, &ttl);
	assert_int_equal(n, 5);
	assert_memory_equal(data, "ping1", 5);
	assert_int_equal(sa_port(&from), 40100);	/* port preserved */
	assert_int_equal(ttl, 7);			/* TTL too */

	assert_int_equal(srv_reply(s1, "pong1", 5, &from), 5);
	assert_int_equal(srv_reply(s2, "pong22", 6, &from), 6);
	assert_int_equal(t_pump(2, PUMP_MS), 2);
	check_frame(0, remote, 5001, guest, 40100, "pong1", 5);
	check_frame(1, remote, 5002, guest, 40100, "pong22", 6);
	srv_close(s1);
	srv_close(s2);
}

static void test_echo_v4(void **state)
{
	(void)state;
	NEED_NETNS();
	echo_test(T_GUEST4, T_REMOTE4);
}

static void test_echo_v6(void **state)
{
	(void)state;
	NEED_NETNS();
	echo_test(T_GUEST6, T_REMOTE6);
}

/* To the gateway = to the host's loopback; replies from the gateway */
static void mapped_test(const char *guest, const char *gw, const char *lo,
			const char *srv, uint16_t port)
{
	int s = server(lo, port);
	union sockaddr_inany from;
	char data[64];

	t_cap_reset();
	guest_send(guest, 40200, gw, port, "q", 1, 0);
	assert_int_equal(srv_recv(s, data, sizeof(data), &from, NULL), 1);
	assert_int_equal(srv_reply(s, "answer", 6, &from), 6);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_frame(0, srv, port, guest, 40200, "answer", 6);
	srv_close(s);
}

static void test_gateway_is_loopback(void **state)
{
	(void)state;
	NEED_NETNS();
	mapped_test(T_GUEST4, T_GW4, "127.0.0.1", T_GW4, 5003);
	mapped_test(T_GUEST6, T_GW6, "::1", T_GW6, 5003);
}

static void test_dns_forward(void **state)
{
	(void)state;
	NEED_NETNS();
	mapped_test(T_GUEST4, T_DNS4, T_REMOTE4, T_DNS4, 53);
	mapped_test(T_GUEST6, T_DNS6, T_REMOTE6, T_DNS6, 53);
}

/* The guest's port is taken on the host: another one, still answered */
static void test_port_busy(void **state)
{
	int busy, s;
	union sockaddr_inany from;
	char data[64];

	(void)state;
	NEED_NETNS();
	busy = server("0.0.0.0", 40300);
	s = server(T_REMOTE4, 5004);
	t_cap_reset();
	guest_send(T_GUEST4, 40300, T_REMOTE4, 5004, "x", 1, 0);
	assert_int_equal(srv_recv(s, data, sizeof(data), &from, NULL), 1);
	assert_int_not_equal(sa_port(&from), 40300);
	assert_int_equal(sendto(s, "y", 1, 0, &from.sa, sizeof(from.sa4)), 1);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	check_frame(0, T_REMOTE4, 5004, T_GUEST4, 40300, "y", 1);
	srv_close(s);
	srv_close(busy);
}

/* Interleaved flows in one batch: each arrives complete and in order */
static void test_batch_order(void **state)
{
	static uint8_t frames[40][128];
	int s, next[2] = { 0, 0 }, i;
	struct frame f[40] = { 0 };

	(void)state;
	NEED_NETNS();
	s = server(T_REMOTE4, 5005);
	for (i = 0; i < 40; i++) {
		uint8_t l4[64], seq = (uint8_t)(i / 2);
		struct t_pkt t = { T_GUEST4, T_REMOTE4, IPPROTO_UDP, 0, l4,
				   t_udp(l4, (uint16_t)(40500 + i % 2), 5005,
					 &seq, 1), false };

		f[i].len = t_build(frames[i], &t);
		f[i].data = frames[i];
		f[i].csum_ok = 0;
		f[i].gso_udp = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, f, 40);
	for (i = 0; i < 40; i++) {
		union sockaddr_inany from;
		uint8_t d;
		int flow;

		assert_int_equal(srv_recv(s, &d, 1, &from, NULL), 1);
		flow = sa_port(&from) - 40500;
		assert_true(flow == 0 || flow == 1);
		assert_int_equal(d, next[flow]++);
	}
	srv_close(s);
}

/*
 * One flow, a batch of datagrams of mixed sizes: runs of equal sizes go
 * out as UDP_SEGMENT sends, yet every datagram arrives alone, whole, in
 * order (64 of 1000 bytes, 1 of 300 closing a run, 10 of 1000, one too
 * large to be segmented, 5 of 7)
 */
static void gso_runs(const char *guest, const char *remote)
{
	static uint8_t frames[81][2200];
	static const size_t sz[] = { 1000, 300, 1000, 2000, 7 };
	static const int cnt[] = { 64, 1, 10, 1, 5 };
	struct frame f[81] = { 0 };
	int s, i = 0, g, k;

	s = server(remote, 5007);
	for (g = 0; g < 5; g++) {
		for (k = 0; k < cnt[g]; k++, i++) {
			uint8_t l4[2100], data[2048];
			struct t_pkt t = { guest, remote, IPPROTO_UDP, 0, l4,
					   0, false };

			memset(data, i, sz[g]);
			t.l4_len = t_udp(l4, 40700, 5007, data, sz[g]);
			f[i].len = t_build(frames[i], &t);
			f[i].data = frames[i];
			f[i].csum_ok = 0;
			f[i].gso_udp = 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, f, i);
	for (i = 0, g = 0; g < 5; g++) {
		for (k = 0; k < cnt[g]; k++, i++) {
			uint8_t got[2048], want[2048];
			union sockaddr_inany from;

			memset(want, i, sz[g]);
			assert_int_equal(srv_recv(s, got, sizeof(got), &from,
						  NULL), (ssize_t)sz[g]);
			assert_memory_equal(got, want, sz[g]);
			assert_int_equal(sa_port(&from), 40700);
		}
	}
	srv_close(s);
}

static void test_gso_runs_v4(void **state)
{
	(void)state;
	NEED_NETNS();
	gso_runs(T_GUEST4, T_REMOTE4);
}

static void test_gso_runs_v6(void **state)
{
	(void)state;
	NEED_NETNS();
	gso_runs(T_GUEST6, T_REMOTE6);
}

/* Large datagrams both ways, up to what a frame can carry */
static void test_large(void **state)
{
	static uint8_t data[65535], got[65535];
	int s;
	union sockaddr_inany from;
	size_t len = L2_MAX_FRAME - ETH_HDR_LEN - IP6_HDR_LEN - 8, i;

	(void)state;
	NEED_NETNS();
	s = server(T_REMOTE6, 5006);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	t_cap_reset();
	guest_send(T_GUEST6, 40600, T_REMOTE6, 5006, data, len, 0);
	assert_int_equal(srv_recv(s, got, sizeof(got), &from, NULL), len);
	assert_memory_equal(got, data, len);
	assert_int_equal(sendto(s, data, len, 0, &from.sa, sizeof(from.sa6)),
			 len);
	assert_int_equal(sendto(s, data, len + 1, 0, &from.sa,
				sizeof(from.sa6)), len + 1);	/* too big */
	assert_int_equal(sendto(s, data, 3, 0, &from.sa, sizeof(from.sa6)), 3);
	assert_int_equal(t_pump(2, PUMP_MS), 2);
	check_frame(0, T_REMOTE6, 5006, T_GUEST6, 40600, data, len);
	check_frame(1, T_REMOTE6, 5006, T_GUEST6, 40600, data, 3);
	srv_close(s);
}

/* Port unreachable comes back to the guest as ICMP, quoting its datagram */
static void refused_test(const char *guest, const char *remote)
{
	union inany g = t_any(guest), r = t_any(remote);
	bool v4 = inany_is_v4(&g);
	const uint8_t *f, *icmp, *q;
	size_t hl = v4 ? IP4_HDR_LEN : IP6_HDR_LEN;

	int s = server(remote, 5998);
	union sockaddr_inany from;
	char d[8];

	t_cap_reset();
	guest_send(guest, 40700, remote, 5999, "nobody", 6, 0);
	/* the error, pending on the socket, must not eat the next datagram */
	guest_send(guest, 40700, remote, 5998, "again", 5, 0);
	assert_int_equal(srv_recv(s, d, sizeof(d), &from, NULL), 5);
	srv_close(s);

	assert_int_equal(t_pump(1, PUMP_MS), 1);
	f = t_cap[0];
	assert_true(t_l4_csum_ok(f, t_cap_len[0]));
	icmp = f + ETH_HDR_LEN + hl;
	q = icmp + 8;
	if (v4) {
		assert_int_equal(f[ETH_HDR_LEN + 9], IPPROTO_ICMP);
		assert_memory_equal(f + ETH_HDR_LEN + 12, &r.v4.a4, 4);
		assert_int_equal(icmp[0], 3);
		assert_int_equal(icmp[1], 3);
		assert_int_equal(q[0], 0x45);
		assert_int_equal(csum_ip4_hdr(q, IP4_HDR_LEN), 0);
		assert_memory_equal(q + 12, &g.v4.a4, 4);
		assert_memory_equal(q + 16, &r.v4.a4, 4);
	} else {
		assert_int_equal(f[ETH_HDR_LEN + 6], IPPROTO_ICMPV6);
		assert_memory_equal(f + ETH_HDR_LEN + 8, &r.a6, 16);
		assert_int_equal(icmp[0], 1);
		assert_int_equal(icmp[1], 4);
		assert_int_equal(q[0] >> 4, 6);
		assert_memory_equal(q + 8, &g.a6, 16);
		assert_memory_equal(q + 24, &r.a6, 16);
	}
	assert_int_equal(rd16(q + hl), 40700);
	assert_int_equal(rd16(q + hl + 2), 5999);
	assert_memory_equal(q + hl + 8, "nobody", 6);
}

static void test_refused(void **state)
{
	(void)state;
	NEED_NETNS();
	refused_test(T_GUEST4, T_REMOTE4);
	refused_test(T_GUEST6, T_REMOTE6);
}

/* With a link doing checksums, replies leave the UDP checksum to it */
static void test_offload(void **state)
{
	size_t vl = sizeof(struct virtio_net_hdr), len;
	const struct virtio_net_hdr *vh;
	union sockaddr_inany from;
	uint8_t *f, *l4;
	char data[16];
	int s;

	(void)state;
	NEED_NETNS();
	s = server(T_REMOTE4, 5007);
	link_set(lp, &t_link_vnet, -1);
	t_cap_reset();
	guest_send(T_GUEST4, 40900, T_REMOTE4, 5007, "q", 1, 0);
	assert_int_equal(srv_recv(s, data, sizeof(data), &from, NULL), 1);
	assert_int_equal(sendto(s, "offloaded", 9, 0, &from.sa,
				sizeof(from.sa4)), 9);
	assert_int_equal(t_pump(1, PUMP_MS), 1);
	link_set(lp, &t_link, -1);
	srv_close(s);

	vh = (const struct virtio_net_hdr *)t_cap[0];
	assert_int_equal(vh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh->gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(vh->csum_start, ETH_HDR_LEN + IP4_HDR_LEN);
	assert_int_equal(vh->csum_offset, 6);

	/* finish the checksum as the kernel would, then check it */
	f = t_cap[0] + vl;
	len = t_cap_len[0] - vl;
	l4 = f + vh->csum_start;
	wr16(l4 + 6, csum_fold(csum_partial(l4, len - vh->csum_start, 0)));
	memmove(t_cap[0], f, len);
	t_cap_len[0] = len;
	check_frame(0, T_REMOTE4, 5007, T_GUEST4, 40900, "offloaded", 9);
}

/* A link taking UDP GSO frames, as a tap on Linux >= 6.2 */
static const struct link_ops t_link_uso = {
	.name = "test-uso", .vnet_hdr = true, .udp_gso = true,
	.rx = t_rx, .tx = t_tx,
};

/*
 * uso_frame() - captured frame @i is UDP GSO (@gso: segment size, 0 for a
 * plain datagram) from @sport, carrying datagrams @first... of @sz[] bytes
 * each filled with its index; Return: datagrams it carries
 */
static int uso_frame(int i, const char *src, uint16_t sport, const char *dst,
		     size_t gso, const size_t *sz, int first, int n)
{
	const struct virtio_net_hdr *vh = (const void *)t_cap[i];
	const uint8_t *f = t_cap[i] + sizeof(*vh), *l4, *d;
	union inany s = t_any(src), g = t_any(dst);
	size_t hl = ETH_HDR_LEN + (inany_is_v4(&s) ? IP4_HDR_LEN : IP6_HDR_LEN);
	size_t len = t_cap_len[i] - sizeof(*vh), off = 0;
	int k;

	assert_true(i < t_ncap);
	assert_int_equal(vh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh->csum_start, hl);
	assert_int_equal(vh->csum_offset, 6);
	assert_int_equal(vh->gso_type, gso ? VIRTIO_NET_HDR_GSO_UDP_L4 :
					     VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(vh->gso_size, gso);
	l4 = f + hl;
	assert_int_equal(rd16(l4), sport);
	assert_int_equal(rd16(l4 + 4), len - hl);	/* the whole run */
	assert_int_equal(rd16(l4 + 6), egress_pseudo_csum(&s, &g, IPPROTO_UDP,
							  len - hl));
	if (inany_is_v4(&s))
		assert_int_equal(rd16(f + ETH_HDR_LEN + 2), len - ETH_HDR_LEN);
	else
		assert_int_equal(rd16(f + ETH_HDR_LEN + 4), len - hl);
	d = l4 + 8;
	for (k = 0; k < n && off < len - hl - 8; k++) {
		uint8_t want[2048];

		if (gso)
			assert_true(sz[first + k] <= gso);
		memset(want, first + k, sz[first + k]);
		assert_memory_equal(d + off, want, sz[first + k]);
		off += sz[first + k];
	}
	assert_int_equal(off, len - hl - 8);	/* nothing more, nothing less */
	return k;
}

/*
 * Replies queued together go to the guest as UDP GSO frames when the link
 * takes them: a run ends at a shorter datagram, another source, or a size
 * too large to be segmented; the kernel splits each frame back into
 * the datagrams it was made of
 */
static void uso_test(const char *guest, const char *remote)
{
	static const size_t sz[] = { 1000, 1000, 1000, 1000, 1000, 300,
				     1000, 1000, 1000, 1000, 2000, 64, 64 };
	int s1 = server(remote, 5011), s2 = server(remote, 5012), i;
	union inany r = t_any(remote);
	union sockaddr_inany from;
	socklen_t sl;
	uint8_t data[2048];

	link_set(lp, &t_link_uso, -1);
	t_cap_reset();
	guest_send(guest, 41100, remote, 5011, "q", 1, 0);
	assert_int_equal(srv_recv(s1, data, sizeof(data), &from, NULL), 1);
	sl = inany_is_v4(&r) ? sizeof(from.sa4) : sizeof(from.sa6);
	for (i = 0; i < 13; i++) {	/* #9 from another port */
		memset(data, i, sz[i]);
		assert_int_equal(sendto(i == 9 ? s2 : s1, data, sz[i], 0,
					&from.sa, sl), (ssize_t)sz[i]);
	}
	assert_int_equal(t_pump(5, PUMP_MS), 5);
	link_set(lp, &t_link, -1);
	srv_close(s1);
	srv_close(s2);

	assert_int_equal(uso_frame(0, remote, 5011, guest, 1000, sz, 0, 6), 6);
	assert_int_equal(uso_frame(1, remote, 5011, guest, 1000, sz, 6, 3), 3);
	assert_int_equal(uso_frame(2, remote, 5012, guest, 0, sz, 9, 1), 1);
	assert_int_equal(uso_frame(3, remote, 5011, guest, 0, sz, 10, 1), 1);
	assert_int_equal(uso_frame(4, remote, 5011, guest, 64, sz, 11, 2), 2);
}

static void test_uso(void **state)
{
	(void)state;
	NEED_NETNS();
	uso_test(T_GUEST4, T_REMOTE4);
	uso_test(T_GUEST6, T_REMOTE6);
}

/*
 * gso_from_guest() - the guest's kernel hands over one UDP GSO frame (a
 * UDP_SEGMENT send, with USO on the tap): @n datagrams of @seg bytes, the
 * last of @last, each filled with its number. REMOTE must get them as
 * @n datagrams, whole, in order.
 */
static void gso_from_guest(const char *guest, const char *remote,
			   uint16_t port, size_t seg, int n, size_t last)
{
	static uint8_t l4[L2_MAX_FRAME], data[L2_MAX_FRAME];
	static uint8_t got[L2_MAX_FRAME];
	size_t plen = seg * (size_t)(n - 1) + last, x;
	struct t_pkt t = { guest, remote, IPPROTO_UDP, 0, l4, 0, false };
	union sockaddr_inany from;
	int s = server(remote, port), i;

	for (x = 0; x < plen; x++)
		data[x] = (uint8_t)(x / seg + 1);
	t.l4_len = t_udp(l4, 41300, port, data, plen);
	t_feed_gso(buf, t_build(buf, &t), 1, (uint16_t)seg);
	for (i = 0; i < n; i++) {
		size_t want = i < n - 1 ? seg : last;

		assert_int_equal(srv_recv(s, got, sizeof(got), &from, NULL),
				 (ssize_t)want);
		for (x = 0; x < want; x++)
			assert_int_equal(got[x], i + 1);
		assert_int_equal(sa_port(&from), 41300);
	}
	srv_close(s);
}

static void test_gso_from_guest(void **state)
{
	(void)state;
	NEED_NETNS();
	gso_from_guest(T_GUEST4, T_REMOTE4, 5013, 1200, 20, 345);
	gso_from_guest(T_GUEST6, T_REMOTE6, 5013, 1000, 64, 1000);
	gso_from_guest(T_GUEST4, T_REMOTE4, 5014, 100, 128, 1);

	/* Segments larger than the route's MTU: the kernel refuses the
	 * UDP_SEGMENT send, the datagrams go one by one (fragmented) */
	assert_int_equal(system("ip link set lo mtu 1500"), 0);
	gso_from_guest(T_GUEST4, T_REMOTE4, 5015, 3000, 5, 10);
	assert_int_equal(system("ip link set lo mtu 65536"), 0);
}

static void test_dropped(void **state)
{
	(void)state;
	NEED_NETNS();
	t_cap_reset();
	guest_send(T_GUEST4, 0, T_REMOTE4, 5001, "x", 1, 0);	/* port 0 */
	guest_send(T_GUEST4, 40800, T_REMOTE4, 0, "x", 1, 0);
	assert_int_equal(t_pump(1, 100), 0);
}

/*
 * Replies waiting on a binding while egress is nearly full: queueing one
 * of them fills egress mid-round. Every frame must still carry its own
 * datagram: 64 replies (two receive rounds), each once, none lost to a
 * receive slot reused before its frame was written (issue 10, 1)
 */
static void reuse_test(const char *guest, const char *remote)
{
	int s = server(remote, 5009), i, seen[64] = { 0 };
	union sockaddr_inany from;
	char data[64];

	t_cap_reset();
	guest_send(guest, 40900, remote, 5009, "q", 1, 0);
	assert_int_equal(srv_recv(s, data, sizeof(data), &from, NULL), 1);
	for (i = 0; i < 64; i++) {	/* sizes grow: no GSO run */
		uint8_t d[200];

		memset(d, i, sizeof(d));
		assert_int_equal(srv_reply(s, d, (size_t)(100 + i), &from),
				 100 + i);
	}
	t_fill(EGRESS_FRAMES - 6);
	assert_int_equal(t_pump(64, PUMP_MS), 64);
	for (i = 0; i < 64; i++) {
		size_t hl = ETH_HDR_LEN + 8 + (strchr(remote, ':') ?
					     IP6_HDR_LEN : IP4_HDR_LEN);
		int k = (int)(t_cap_len[i] - hl) - 100;
		uint8_t want[200];

		assert_true(k >= 0 && k < 64);
		memset(want, k, sizeof(want));
		check_frame(i, remote, 5009, guest, 40900, want,
			    (size_t)(100 + k));
		seen[k]++;
	}
	for (i = 0; i < 64; i++)
		assert_int_equal(seen[i], 1);
	srv_close(s);
}

static void test_slot_reuse_v4(void **state)
{
	(void)state;
	NEED_NETNS();
	reuse_test(T_GUEST4, T_REMOTE4);
}

static void test_slot_reuse_v6(void **state)
{
	(void)state;
	NEED_NETNS();
	reuse_test(T_GUEST6, T_REMOTE6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_echo_v4, srv_teardown),
		cmocka_unit_test_teardown(test_echo_v6, srv_teardown),
		cmocka_unit_test_teardown(test_gateway_is_loopback, srv_teardown),
		cmocka_unit_test_teardown(test_dns_forward, srv_teardown),
		cmocka_unit_test_teardown(test_port_busy, srv_teardown),
		cmocka_unit_test_teardown(test_batch_order, srv_teardown),
		cmocka_unit_test_teardown(test_gso_runs_v4, srv_teardown),
		cmocka_unit_test_teardown(test_gso_runs_v6, srv_teardown),
		cmocka_unit_test_teardown(test_large, srv_teardown),
		cmocka_unit_test_teardown(test_refused, srv_teardown),
		cmocka_unit_test_teardown(test_offload, srv_teardown),
		cmocka_unit_test_teardown(test_uso, srv_teardown),
		cmocka_unit_test_teardown(test_gso_from_guest, srv_teardown),
		cmocka_unit_test_teardown(test_dropped, srv_teardown),
		cmocka_unit_test_teardown(test_slot_reuse_v4, srv_teardown),
		cmocka_unit_test_teardown(test_slot_reuse_v6, srv_teardown),
	};

	t_conf(&conf);
	netns = t_netns();
	if (!netns) {
		fprintf(stderr, "test_udp: no private netns, skipped\n");
		conf.svc.udp = false;
	}
	conf.svc.tcp = conf.svc.icmp = false;
	t_start(&conf, true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
