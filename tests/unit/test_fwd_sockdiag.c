// SPDX-License-Identifier: MIT
/* test_fwd_sockdiag.c - sock_diag dumps for "auto" forwarding */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "fwd/fwd_int.h"
#include "fwd/sockdiag.h"
#include "fwdtest.h"

#define SEQ		42
/* What fwd_auto.c does with a socket of the namespace: skip our own */
static void cb_not_ours(uint16_t port, uint32_t ino, void *arg)
{
	if (!fwd_is_ours(FWD_TCP_OUT, port, ino))
		cb(port, ino, arg);
}

/* A chunk under construction */
static struct {
	uint8_t b[8192] __attribute__((aligned(8)));
	size_t len;
} ck;

static struct nlmsghdr *put_hdr(uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(ck.b + ck.len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 1234;
	return nlh;
}

static void end(struct nlmsghdr *nlh)
{
	ck.len += MNL_ALIGN(nlh->nlmsg_len);
	assert_true(ck.len <= sizeof(ck.b));
}

/* A socket as the kernel reports it, with the attributes it adds */
static struct nlmsghdr *put_sock(uint8_t family, uint8_t state, uint16_t port,
				 uint32_t ino)
{
	struct nlmsghdr *nlh = put_hdr(SOCK_DIAG_BY_FAMILY, SEQ);
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));

	m->idiag_family = family;
	m->idiag_state = state;
	m->id.idiag_sport = htons(port);
	m->idiag_inode = ino;
	mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 0);
	mnl_attr_put_u64(nlh, INET_DIAG_CGROUP_ID, 1);
	end(nlh);
	return nlh;
}

static void put_done(int err)
{
	struct nlmsghdr *nlh = put_hdr(NLMSG_DONE, SEQ);

	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(err)), &err,
	       sizeof(err));
	end(nlh);
}

static void put_error(int err)
{
	struct nlmsghdr *nlh = put_hdr(NLMSG_ERROR, SEQ);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	end(nlh);
}

static struct sockdiag_want want(uint8_t family, uint8_t state,
				 procnet_fn fn)
{
	struct sockdiag_want w = {
		.family = family, .state = state, .fn = fn,
	};

	return w;
}

static int parse(struct sockdiag_want *w)
{
	return sockdiag_parse(ck.b, ck.len, SEQ, w);
}

static void reset(void)
{
	memset(&ck, 0, sizeof(ck));
	memset(&seen, 0, sizeof(seen));
}

/* Listeners come out with port and inode; NLMSG_DONE ends the dump */
static void test_parse_ok(void **state)
{
	struct sockdiag_want w = want(AF_INET, PROCNET_TCP_LISTEN, cb);

	(void)state;
	reset();
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 8080, 123456);
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 0, 5);	/* no port: skipped */
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 65535, 4294967295U);
	assert_int_equal(parse(&w), 1);			/* more to come */
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.port[0], 8080);
	assert_int_equal(seen.ino[0], 123456);
	assert_int_equal(seen.port[1], 65535);
	assert_int_equal(seen.ino[1], 4294967295U);
	assert_int_equal(w.bad, 0);

	reset();
	w = want(AF_INET6, PROCNET_UDP_UNCONN, cb);
	put_sock(AF_INET6, PROCNET_UDP_UNCONN, 53, 7);
	put_done(0);
	put_sock(AF_INET6, PROCNET_UDP_UNCONN, 54, 8);	/* after the end */
	assert_int_equal(parse(&w), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.port[0], 53);
}

/* Wrong family, state, type or sequence number: dropped, counted */
static void test_parse_unexpected(void **state)
{
	struct sockdiag_want w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	struct nlmsghdr *nlh;

	(void)state;
	reset();
	put_sock(AF_INET6, PROCNET_TCP_LISTEN, 1, 1);
	put_sock(AF_INET, 1 /* ESTABLISHED */, 2, 2);
	nlh = put_sock(AF_INET, PROCNET_TCP_LISTEN, 3, 3);
	nlh->nlmsg_type = 16;	/* RTM_NEWLINK */
	nlh = put_sock(AF_INET, PROCNET_TCP_LISTEN, 4, 4);
	nlh->nlmsg_seq = SEQ - 1;
	put_hdr(NLMSG_DONE, SEQ - 1)->nlmsg_len = NLMSG_HDRLEN;	/* stale */
	end((struct nlmsghdr *)(ck.b + ck.len));
	nlh = put_hdr(NLMSG_NOOP, SEQ);
	end(nlh);
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 5, 5);
	assert_int_equal(parse(&w), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.port[0], 5);
	assert_int_equal(w.bad, 5);
}

/* Short messages, attributes past the end, a cut chunk: nothing used */
static void test_parse_truncated(void **state)
{
	struct sockdiag_want w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	struct nlmsghdr *nlh;
	size_t full;

	(void)state;
	reset();
	/* payload shorter than struct inet_diag_msg */
	nlh = put_hdr(SOCK_DIAG_BY_FAMILY, SEQ);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct inet_diag_msg) - 4);
	end(nlh);
	/* last attribute claims more than the message holds */
	nlh = put_sock(AF_INET, PROCNET_TCP_LISTEN, 6, 6);
	((struct nlattr *)((uint8_t *)nlh + nlh->nlmsg_len - 12))->nla_len = 40;
	/* a header of an attribute cut in half */
	nlh = put_sock(AF_INET, PROCNET_TCP_LISTEN, 7, 7);
	nlh->nlmsg_len -= 10;		/* 2 bytes left of the u64 one */
	ck.len -= 8;
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 8, 8);
	assert_int_equal(parse(&w), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.port[0], 8);
	assert_int_equal(w.bad, 3);

	/* a message cut by the end of the chunk, at every length */
	reset();
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 9, 9);
	full = ck.len;
	put_sock(AF_INET, PROCNET_TCP_LISTEN, 10, 10);
	for (ck.len = full + 1; ck.len < full + 100; ck.len++) {
		memset(&seen, 0, sizeof(seen));
		w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
		assert_int_equal(parse(&w), -EBADMSG);
		assert_int_equal(seen.n, 1);
		assert_int_equal(seen.port[0], 9);
	}
	/* and a message length that lies */
	reset();
	nlh = put_sock(AF_INET, PROCNET_TCP_LISTEN, 11, 11);
	nlh->nlmsg_len = 4000;
	w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	assert_int_equal(parse(&w), -EBADMSG);
	assert_int_equal(seen.n, 0);
	nlh->nlmsg_len = 0x80000000U + 108;	/* negative as an int */
	w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	assert_int_equal(parse(&w), -EBADMSG);
	assert_int_equal(seen.n, 0);
}

/* Errors: NLMSG_ERROR, an error in NLMSG_DONE, a short error message */
static void test_parse_errors(void **state)
{
	struct sockdiag_want w = want(AF_INET, PROCNET_UDP_UNCONN, cb);
	struct nlmsghdr *nlh;

	(void)state;
	reset();
	put_error(-ENOENT);
	assert_int_equal(parse(&w), -ENOENT);
	assert_true(sockdiag_missing(-ENOENT));

	reset();
	put_sock(AF_INET, PROCNET_UDP_UNCONN, 12, 12);
	put_done(-EOPNOTSUPP);
	assert_int_equal(parse(&w), -EOPNOTSUPP);
	assert_true(sockdiag_missing(-EOPNOTSUPP));
	assert_true(sockdiag_missing(-EINVAL));
	assert_false(sockdiag_missing(-ENOBUFS));
	assert_false(sockdiag_missing(-EBADMSG));

	reset();
	nlh = put_hdr(NLMSG_ERROR, SEQ);
	mnl_nlmsg_put_extra_header(nlh, 4);
	end(nlh);
	assert_int_equal(parse(&w), -EBADMSG);

	reset();
	nlh = put_hdr(SOCK_DIAG_BY_FAMILY, SEQ);
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	end(nlh);
	assert_int_equal(parse(&w), -EINTR);

	reset();
	nlh = put_hdr(NLMSG_DONE, SEQ);		/* no result: old kernels */
	end(nlh);
	assert_int_equal(parse(&w), 0);
}

/* Our own listener (by inode) is skipped, another socket on its port not */
static void test_own_inode_skipped(void **state)
{
	struct sockdiag_want w = want(AF_INET6, PROCNET_TCP_LISTEN,
				      cb_not_ours);

	(void)state;
	reset();
	fwd.l[0].ino = 777;
	fwd.l[0].next = 0;
	fwd.head[FWD_TCP_OUT][8080] = 1;
	put_sock(AF_INET6, PROCNET_TCP_LISTEN, 8080, 777);
	put_sock(AF_INET6, PROCNET_TCP_LISTEN, 8080, 778);
	put_sock(AF_INET6, PROCNET_TCP_LISTEN, 8081, 777);
	put_done(0);
	assert_int_equal(parse(&w), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.port[0], 8080);
	assert_int_equal(seen.ino[0], 778);
	assert_int_equal(seen.port[1], 8081);
	fwd.head[FWD_TCP_OUT][8080] = 0;
}

/* Random bytes after a valid header: no crash, no read out of bounds */
static void test_parse_garbage(void **state)
{
	unsigned seed = 1, i, j;

	(void)state;
	for (i = 0; i < 5000; i++) {
		size_t n = (size_t)rand_r(&seed) % 600;
		struct sockdiag_want w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
		uint8_t *buf = malloc(n + 1);

		assert_non_null(buf);
		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		if (n >= NLMSG_HDRLEN && rand_r(&seed) % 2) {
			struct nlmsghdr h = {
				.nlmsg_len = (uint32_t)(rand_r(&seed) % (n + 8)),
				.nlmsg_type = SOCK_DIAG_BY_FAMILY,
				.nlmsg_seq = SEQ,
			};

			memcpy(buf, &h, sizeof(h));
		}
		sockdiag_parse(buf, n, SEQ, &w);
		free(buf);
	}
}

static bool has(uint16_t port, uint32_t ino)
{
	int i;

	for (i = 0; i < seen.n && i < SEEN_MAX; i++) {
		if (seen.port[i] == port && seen.ino[i] == ino)
			return true;
	}
	return false;
}

static uint32_t bound(int s, int type, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(a);
	struct stat st;

	(void)type;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &sl), 0);
	assert_int_equal(fstat(s, &st), 0);
	*port = ntohs(a.sin_port);
	return (uint32_t)st.st_ino;
}

/* The real kernel: our listener and our bound UDP socket are there */
static void test_dump_real(void **state)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockdiag_want w;
	struct sockdiag d;
	uint16_t tp, up, cp;
	uint32_t ti, ui, ci;
	int rc, i;

	(void)state;
	ti = bound(t, SOCK_STREAM, &tp);
	assert_int_equal(listen(t, 1), 0);
	ui = bound(u, SOCK_DGRAM, &up);
	ci = bound(c, SOCK_DGRAM, &cp);
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(up),
					 .sin_addr.s_addr =
						htonl(INADDR_LOOPBACK) };

		assert_int_equal(connect(c, (struct sockaddr *)&a,
					 sizeof(a)), 0);
	}

	rc = sockdiag_open(&d);
	if (rc && sockdiag_missing(rc))
		skip();
	assert_int_equal(rc, 0);

	for (i = 0; i < 2; i++) {	/* twice: the socket is reusable */
		memset(&seen, 0, sizeof(seen));
		w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
		assert_int_equal(sockdiag_dump(&d, IPPROTO_TCP, &w), 0);
		assert_int_equal(w.bad, 0);
		if (seen.n <= SEEN_MAX)
			assert_true(has(tp, ti));
		assert_false(d.dirty);
	}

	memset(&seen, 0, sizeof(seen));
	w = want(AF_INET, PROCNET_UDP_UNCONN, cb);
	rc = sockdiag_dump(&d, IPPROTO_UDP, &w);
	if (!sockdiag_missing(rc)) {
		assert_int_equal(rc, 0);
		if (seen.n <= SEEN_MAX)
			assert_true(has(up, ui));
		assert_false(has(cp, ci));	/* connected: not reported */
	}

	/* IPv6: our IPv4 sockets are not there */
	memset(&seen, 0, sizeof(seen));
	w = want(AF_INET6, PROCNET_TCP_LISTEN, cb);
	assert_int_equal(sockdiag_dump(&d, IPPROTO_TCP, &w), 0);
	assert_false(has(tp, ti));

	/* a protocol the kernel has no handler for */
	w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	rc = sockdiag_dump(&d, IPPROTO_GRE, &w);
	assert_true(sockdiag_missing(rc));
	w = want(AF_INET, PROCNET_TCP_LISTEN, cb);
	assert_int_equal(sockdiag_dump(&d, IPPROTO_TCP, &w), 0);

	sockdiag_close(&d);
	assert_int_equal(d.fd, -1);
	close(t);
	close(u);
	close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_unexpected),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_own_inode_skipped),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_dump_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
