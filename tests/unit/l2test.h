/* SPDX-License-Identifier: MIT */
/* l2test.h - shared by the ingress/ARP/NDP/UDP/DHCP unit tests: a test
 * configuration, a capturing link, a frame builder, a private netns */
#ifndef TETHER_L2TEST_H
#define TETHER_L2TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tloop.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "l2/arp.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/ingress.h"
#include "l2/ingress_stats.h"
#include "l2/ndp.h"
#include "l4/icmp.h"
#include "l4/nat.h"
#include "l4/tcp.h"
#include "l4/udp.h"
#include "lib/checksum.h"
#include "lib/util.h"
#include "link/link.h"
#include "loop.h"
#include "sock/prepare.h"

/*
 * Addresses: the guest is 192.0.2.2 / 2001:db8::2, "remote" peers are
 * 192.0.2.1 / 2001:db8::1 (put on lo in the test's own netns), our tap
 * address (gateway, mapped to the host's loopback) is 192.0.2.254 /
 * fe80::1, the DNS forward address 192.0.2.253 goes to 192.0.2.1.
 */
#define T_GUEST4	"192.0.2.2"
#define T_REMOTE4	"192.0.2.1"
#define T_GW4		"192.0.2.254"
#define T_DNS4		"192.0.2.253"
#define T_GUEST6	"2001:db8::2"
#define T_REMOTE6	"2001:db8::1"
#define T_GW6		"fe80::1"
#define T_DNS6		"2001:db8::53"

static const uint8_t t_guest_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t t_our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

static inline struct in_addr t_a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static inline struct in6_addr t_a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static inline union inany t_any(const char *s)
{
	union inany a;

	if (strchr(s, ':'))
		a.a6 = t_a6(s);
	else
		inany_from_v4(&a, t_a4(s));
	return a;
}

static inline void t_conf(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PASTA;
	c->ip4.enabled = true;
	c->ip4.addr = t_a4(T_GUEST4);
	c->ip4.prefix_len = 24;
	c->ip4.gw = t_a4(T_GW4);
	c->ip4.our_addr = t_a4(T_GW4);
	c->ip4.map_host_lo = t_a4(T_GW4);
	c->ip4.dns_match = t_a4(T_DNS4);
	c->ip4.dns_host = t_a4(T_REMOTE4);
	c->ip6.enabled = true;
	c->ip6.addr = t_a6(T_GUEST6);
	c->ip6.prefix_len = 64;
	c->ip6.gw = t_a6(T_GW6);
	c->ip6.our_ll = t_a6(T_GW6);
	c->ip6.map_host_lo = t_a6(T_GW6);
	c->ip6.dns_match = t_a6(T_DNS6);
	c->ip6.dns_host = t_a6(T_REMOTE6);
	c->ip6.dns[0] = t_a6(T_DNS6);
	c->ip6.dns_n = 1;
	c->link.mtu = 65520;
	memcpy(c->link.our_mac, t_our_mac, 6);
	c->svc.tcp = c->svc.udp = c->svc.icmp = true;
	c->svc.ndp = c->svc.ra = true;
	c->svc.dhcp_dns = c->svc.dhcp_search = true;
	strcpy(c->svc.search[0], "example.org");
	c->svc.search_n = 1;
}

/* ---- capturing link ----------------------------------------------- */

#define T_CAP_MAX	64
#define T_FILLER	0x88b5	/* ethertype of t_fill()'s frames */
#define T_CAP_SIZE	(L2_MAX_FRAME + 64)

static uint8_t t_cap[T_CAP_MAX][T_CAP_SIZE];
static size_t t_cap_len[T_CAP_MAX];
static int t_ncap;

static int t_rx(struct loop *lp, struct frame *f, int max)
{
	(void)f;
	(void)max;
	return 0;
}

static int t_tx(struct loop *lp, const struct iovec *iov, const int *cnt,
		  int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		const struct iovec *fi = iov + (size_t)i * EGRESS_IOV_MAX;
		size_t len = 0;

		if (t_ncap >= T_CAP_MAX)
			break;
		for (j = 0; j < cnt[i]; j++) {
			if (len + fi[j].iov_len > T_CAP_SIZE)
				break;
			memcpy(t_cap[t_ncap] + len, fi[j].iov_base,
			       fi[j].iov_len);
			len += fi[j].iov_len;
		}
		/* filler frames (local experimental ethertype) aren't kept */
		if (len >= ETH_HDR_LEN && rd16(t_cap[t_ncap] + 12) == T_FILLER)
			continue;
		t_cap_len[t_ncap++] = len;
	}
	return n;
}

static const struct link_ops t_link = {
	.name = "test", .rx = t_rx, .tx = t_tx,
};

/* The same, taking a virtio-net header (offloads) in front of frames */
static const struct link_ops t_link_vnet = {
	.name = "test-vnet", .vnet_hdr = true, .rx = t_rx, .tx = t_tx,
};

/* Queue @n small frames that the capture ignores: egress is then that
 * full when the next producer queues */
static inline void t_fill(int n)
{
	uint8_t f[60] = { 0 };
	int i;

	wr16(f + 12, T_FILLER);
	for (i = 0; i < n; i++)
		assert_int_equal(egress_queue_copy(lp, f, sizeof(f)), 0);
}

/* Flush egress and forget older captures */
static inline void t_cap_reset(void)
{
	egress_flush(lp);
	t_ncap = 0;
}

static inline int t_flush(void)
{
	egress_flush(lp);
	return t_ncap;
}

/* ---- loop pumping ---------------------------------------------------- */

static int t_want;		/* stop once this many frames were captured */
static struct timespec t_deadline;

static void t_post(struct loop *lp)
{
	egress_flush(lp);
}

static void t_stop_timer(struct loop *lp)
{
	if (t_ncap >= t_want || ts_ms_diff(&lp->now, &t_deadline) >= 0)
		loop_stop(lp, 0);
}

/* Run the loop until @want frames are captured or @ms passed */
static inline int t_pump(int want, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, &t_deadline);
	t_deadline.tv_sec += ms / 1000;
	t_deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t_deadline.tv_nsec >= 1000000000L) {
		t_deadline.tv_sec++;
		t_deadline.tv_nsec -= 1000000000L;
	}
	t_want = want;
	loop_run(lp);
	return t_ncap;
}

/* The translators ingress hands packets to, as main() registers them */
static inline void t_register(const struct conf *c)
{
	ingress_register(lp, INGRESS_TCP, c->svc.tcp ? tcp_from_tap : NULL);
	ingress_register(lp, INGRESS_UDP, c->svc.udp ? udp_from_tap : NULL);
	ingress_register(lp, INGRESS_ICMP, c->svc.icmp ? icmp_from_tap : NULL);
}

/* Every module, as main() starts them, with @c */
static inline void t_start(const struct conf *c, bool with_loop)
{
	static bool once;

	if (!once) {
		struct log_conf lc = { .level = LOG_LVL_WARN,
				       .to_stderr = true, .ident = "test" };

		log_setup(&lc);
		loop_init(lp);
		flow_init(lp);
		link_init(lp);
		link_set(lp, &t_link, -1);
		if (with_loop) {
			loop_post_add(lp, t_post);
			loop_timer_add(lp, t_stop_timer, 5);
		}
	}
	guest_init(&c->ip4, &c->ip6);
	egress_init(lp, &c->link);
	nat_init(&c->ip4, &c->ip6);
	sock_prepare_init(&c->ip4, &c->ip6);
	ingress_init(lp, &c->ip4, &c->ip6);
	arp_init(&c->ip4);
	ndp_init(lp, &c->ip6, &c->link, &c->ns, &c->svc);
	if (!once) {
		tcp_init(lp, &c->link, &c->ip6);
		udp_init(lp, &c->ip4, &c->ip6, &c->svc);
		icmp_init(lp, &c->ip6, &c->svc);
	}
	t_register(c);
	link_wire(lp, ingress_batch, guest_forget);
	once = true;
	guest_mac_set(t_guest_mac);
}

/* ---- private network namespace ------------------------------------- */

/*
 * t_netns() - move the test into a new network namespace of its own, lo
 * up, with the "remote" addresses on lo and ping sockets allowed: nothing
 * a test sends can leave it. Return: false if namespaces are not allowed
 */
static inline bool t_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

static inline bool t_netns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNET)) {
		/* not root: become root of a user namespace of our own */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return false;
		t_write("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		t_write("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		t_write("/proc/self/gid_map", map);
	}
	if (system("ip link set lo up && "
		   "ip addr add " T_REMOTE4 "/32 dev lo && "
		   "ip -6 addr add " T_REMOTE6 "/128 dev lo nodad"))
		return false;
	/* in a user namespace of ours, only group 0 is mapped */
	if (!t_write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647"))
		t_write("/proc/sys/net/ipv4/ping_group_range", "0 0");
	return true;
}

/* ---- frame builder --------------------------------------------------- */

/**
 * struct t_pkt - what to build
 * @src, @dst:	addresses (text; family from the text)
 * @proto:	L4 protocol
 * @ttl:	TTL / hop limit (0: 64)
 * @l4:		L4 header and payload; checksum computed unless @raw_csum
 * @l4_len:	its length
 * @raw_csum:	leave the L4 checksum field as given
 */
struct t_pkt {
	const char *src, *dst;
	uint8_t proto;
	uint8_t ttl;
	const uint8_t *l4;
	size_t l4_len;
	bool raw_csum;
};

/* Offset of the checksum in an L4 header, -1 for none */
static inline int t_csum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:	return 16;
	case IPPROTO_UDP:	return 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:	return 2;
	}
	return -1;
}

/* Build Ethernet + IP + L4 at @buf. Return: frame length */
static inline size_t t_build(uint8_t *buf, const struct t_pkt *t)
{
	bool v4 = !strchr(t->src, ':');
	size_t hl = ETH_HDR_LEN + (v4 ? IP4_HDR_LEN : IP6_HDR_LEN);
	union inany s = t_any(t->src), d = t_any(t->dst);
	uint8_t *ip = buf + ETH_HDR_LEN, *l4 = buf + hl;
	int co = t_csum_off(t->proto);

	memcpy(buf, t_our_mac, 6);
	memcpy(buf + 6, t_guest_mac, 6);
	memcpy(l4, t->l4, t->l4_len);
	if (v4) {
		wr16(buf + 12, 0x0800);
		memset(ip, 0, IP4_HDR_LEN);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(IP4_HDR_LEN + t->l4_len));
		wr16(ip + 6, 0x4000);
		ip[8] = t->ttl ? t->ttl : 64;
		ip[9] = t->proto;
		memcpy(ip + 12, &s.v4.a4, 4);
		memcpy(ip + 16, &d.v4.a4, 4);
		wr16(ip + 10, csum_ip4_hdr(ip, IP4_HDR_LEN));
	} else {
		wr16(buf + 12, 0x86dd);
		wr32(ip, 0x60000000);
		wr16(ip + 4, (uint16_t)t->l4_len);
		ip[6] = t->proto;
		ip[7] = t->ttl ? t->ttl : 64;
		memcpy(ip + 8, &s.a6, 16);
		memcpy(ip + 24, &d.a6, 16);
	}
	if (co >= 0 && !t->raw_csum && t->l4_len >= (size_t)co + 2) {
		uint32_t sum = 0;

		wr16(l4 + co, 0);
		if (t->proto != IPPROTO_ICMP)
			sum = v4 ? csum_pseudo4(s.v4.a4, d.v4.a4, t->proto,
						(uint16_t)t->l4_len)
				 : csum_pseudo6(&s.a6, &d.a6, t->proto,
						(uint32_t)t->l4_len);
		wr16(l4 + co, csum_fold(csum_partial(l4, t->l4_len, sum)));
		if (t->proto == IPPROTO_UDP && !rd16(l4 + co))
			wr16(l4 + co, 0xffff);
	}
	return hl + t->l4_len;
}

/* A UDP header + @plen payload bytes at @l4. Return: L4 length */
static inline size_t t_udp(uint8_t *l4, uint16_t sport, uint16_t dport,
			   const void *payload, size_t plen)
{
	wr16(l4, sport);
	wr16(l4 + 2, dport);
	wr16(l4 + 4, (uint16_t)(8 + plen));
	wr16(l4 + 6, 0);
	memcpy(l4 + 8, payload, plen);
	return 8 + plen;
}

/* Feed one frame to ingress, the link saying it is UDP GSO of @gso */
static inline void t_feed_gso(const uint8_t *buf, size_t len, int csum_ok,
			      uint16_t gso)
{
	struct frame f = { .data = buf, .len = len, .csum_ok = csum_ok,
			   .gso_udp = gso };

	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, &f, 1);
}

/* Feed one frame to ingress */
static inline void t_feed(const uint8_t *buf, size_t len, int csum_ok)
{
	t_feed_gso(buf, len, csum_ok, 0);
}

/* Is the L4 checksum of captured IP frame @f (@len bytes) right? */
static inline bool t_l4_csum_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HDR_LEN;
	uint32_t sum = 0;
	size_t hl, l4len;
	uint8_t proto;

	if (rd16(f + 12) == 0x0800) {
		hl = (size_t)(ip[0] & 0xf) * 4;
		l4len = rd16(ip + 2) - hl;
		proto = ip[9];
		if (proto != IPPROTO_ICMP) {
			struct in_addr a, b;

			memcpy(&a, ip + 12, 4);
			memcpy(&b, ip + 16, 4);
			sum = csum_pseudo4(a, b, proto, (uint16_t)l4len);
		}
	} else {
		hl = IP6_HDR_LEN;
		l4len = rd16(ip + 4);
		proto = ip[6];
		sum = csum_pseudo6((const void *)(ip + 8),
				   (const void *)(ip + 24), proto,
				   (uint32_t)l4len);
	}
	if (ETH_HDR_LEN + hl + l4len != len)
		return false;
	return !csum_fold(csum_partial(ip + hl, l4len, sum));
}

#endif /* TETHER_L2TEST_H */
