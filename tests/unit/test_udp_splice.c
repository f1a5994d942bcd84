// SPDX-License-Identifier: MIT
/* test_udp_splice.c - spliced UDP clients of forwarded ports, as flows */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2test.h"
#include "l4/udp_inbound.h"
#include "l4/udp_splice.h"

/*
 * Two listeners (plain loopback sockets standing in for forwarded ports,
 * namespace to host as with -U, so the flows' sockets are plain ones)
 * with indices that differ only above 16 bits, one target server, one
 * client that talks to both: two flows, each with its own socket toward
 * the server, replies back from the port the client sent to, and a
 * listener's flows closed with it and only they.
 */

#define LIDX_A	1
#define LIDX_B	(1 + (1U << 16))
#define WAIT_MS	2000

static struct conf conf;
static bool netns;

#define NEED_NETNS()	do { if (!netns) skip(); } while (0)

/* A UDP socket on 127.0.0.1, ephemeral port (written to @port) */
static int lo_socket(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void send_to(int fd, uint16_t port, const char *msg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, msg, strlen(msg), 0,
				(struct sockaddr *)&sa, sizeof(sa)),
			 (ssize_t)strlen(msg));
}

/* One datagram on @fd within WAIT_MS: its first byte, source port */
static char recv_one(int fd, uint16_t *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char c = 0;

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(recvfrom(fd, &c, 1, 0, (struct sockaddr *)&sa, &sl),
			 1);
	*from = ntohs(sa.sin_port);
	return c;
}

/* The flow of client @cport of listener @lidx, by the documented key */
static struct flow_common *usp_find(uint16_t cport, uint32_t lidx)
{
	union inany peer, l;
	struct flow_common *f;
	struct flow_key k;

	inany_from_v4(&peer, (struct in_addr){ htonl(INADDR_LOOPBACK) });
	inany_from_v4(&l, (struct in_addr){ htonl(lidx) });
	flow_key_set(&k, FLOW_KEY_UDP_SPLICE, &peer, cport, &l, 0);
	f = flow_lookup(lp, &k);
	return f && f->kind == FLOW_UDP_SPLICE ? f : NULL;
}

static void lfwd(struct udp_fwd *fw, int lfd, uint32_t lidx, uint16_t tport)
{
	memset(fw, 0, sizeof(*fw));
	fw->lfd = lfd;
	fw->lidx = lidx;
	fw->laf = AF_INET;
	fw->tport = tport;
	fw->out = true;
	inany_from_v4(&fw->dst[0], (struct in_addr){ htonl(INADDR_LOOPBACK) });
}

/* Replies on a flow's socket: EP_UDP_LISTEN side 1, as fwd_conn.c does */
static void t_udp_listen(struct loop *lp, union ep_ref ref, uint32_t events)
{
	if (ref.side)
		udp_splice_sock_handler(lp, ref, events);
}

static void test_two_listeners_two_flows(void **state)
{
	uint16_t pa, pb, ps, pc, src_a, src_b, src, from;
	struct udp_fwd fa, fb;
	int la, lb, srv, cl;
	char c, c2;

	(void)state;
	NEED_NETNS();
	la = lo_socket(&pa);
	lb = lo_socket(&pb);
	srv = lo_socket(&ps);
	cl = lo_socket(&pc);
	lfwd(&fa, la, LIDX_A, ps);
	lfwd(&fb, lb, LIDX_B, ps);
	clock_gettime(CLOCK_MONOTONIC, &lp->now);

	/* one client, two listeners: two flows, two sockets */
	send_to(cl, pa, "a");
	send_to(cl, pb, "b");
	assert_int_equal(poll(&(struct pollfd){ .fd = la, .events = POLLIN },
			      1, WAIT_MS), 1);
	assert_int_equal(poll(&(struct pollfd){ .fd = lb, .events = POLLIN },
			      1, WAIT_MS), 1);
	udp_fwd_recv(lp, &fa);
	udp_fwd_recv(lp, &fb);
	assert_int_equal(flow_stats(lp, FLOW_UDP_SPLICE)->live, 2);
	assert_non_null(usp_find(pc, LIDX_A));
	assert_non_null(usp_find(pc, LIDX_B));
	assert_ptr_not_equal(usp_find(pc, LIDX_A), usp_find(pc, LIDX_B));
	c = recv_one(srv, &src);
	c2 = recv_one(srv, &from);
	assert_int_not_equal(src, from);
	src_a = c == 'a' ? src : from;
	src_b = c == 'a' ? from : src;
	assert_true((c == 'a' && c2 == 'b') || (c == 'b' && c2 == 'a'));

	/* again through the first listener: the same flow, the same socket */
	send_to(cl, pa, "a");
	assert_int_equal(poll(&(struct pollfd){ .fd = la, .events = POLLIN },
			      1, WAIT_MS), 1);
	udp_fwd_recv(lp, &fa);
	assert_int_equal(flow_stats(lp, FLOW_UDP_SPLICE)->live, 2);
	assert_int_equal(recv_one(srv, &src), 'a');
	assert_int_equal(src, src_a);

	/* replies: back to the client from the port it sent to */
	send_to(srv, src_a, "A");
	send_to(srv, src_b, "B");
	t_pump(1, 200);
	c = recv_one(cl, &from);
	assert_int_equal(from, c == 'A' ? pa : pb);
	c2 = recv_one(cl, &from);
	assert_int_equal(c2, c == 'A' ? 'B' : 'A');
	assert_int_equal(from, c2 == 'A' ? pa : pb);

	/* a listener goes: its flow only */
	udp_fwd_listener_gone(lp, LIDX_A);
	assert_int_equal(flow_stats(lp, FLOW_UDP_SPLICE)->live, 1);
	assert_null(usp_find(pc, LIDX_A));
	assert_non_null(usp_find(pc, LIDX_B));
	udp_fwd_listener_gone(lp, LIDX_B);
	assert_int_equal(flow_stats(lp, FLOW_UDP_SPLICE)->live, 0);
	assert_null(usp_find(pc, LIDX_B));
	flow_reap(lp);

	close(la);
	close(lb);
	close(srv);
	close(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_listeners_two_flows),
	};

	t_conf(&conf);
	netns = t_netns();
	if (!netns)
		fprintf(stderr, "test_udp_splice: no private netns, skipped\n");
	conf.svc.tcp = conf.svc.icmp = false;
	t_start(&conf, true);
	udp_inbound_init(lp);
	loop_handler_set(lp, EP_UDP_LISTEN, t_udp_listen);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
