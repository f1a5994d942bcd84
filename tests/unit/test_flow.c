// SPDX-License-Identifier: MIT
/* test_flow.c - unit tests for the flow table and its index */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tloop.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "l2/egress.h"
#include "lib/log.h"
#include "loop.h"

/* A kind as a translator would make it: head, then its own state */
struct t_rec {
	struct flow_common f;
	int closes;
	uint8_t body[100];
};

static unsigned t_closed;

static void t_close(struct loop *lp, struct flow_common *f)
{
	((struct t_rec *)f)->closes++;
	t_closed++;
	flow_close(lp, f);
}

static const struct flow_kind_ops t_udp_ops = {
	.size = sizeof(struct t_rec), .cap = 3,
	.idle_s = 10, .close = t_close,
};
static const struct flow_kind_ops t_tcp_ops = {
	.size = sizeof(struct t_rec), .cap = 5,
};

static const struct timespec t0 = { .tv_sec = 1000 };

static int setup(void **state)
{
	(void)state;
	loop_init(lp);
	lp->now = t0;
	flow_init(lp);
	flow_kind_register(lp, FLOW_UDP, &t_udp_ops);
	flow_kind_register(lp, FLOW_TCP, &t_tcp_ops);
	t_closed = 0;
	return 0;
}

static void t_key(struct flow_common *f, uint8_t proto, uint16_t gport)
{
	union inany g, r;

	inany_from_v4(&g, (struct in_addr){ htonl(0x0a000064) });
	inany_from_v4(&r, (struct in_addr){ htonl(0xc0000201) });
	flow_key_set(&f->key, proto, &g, gport, &r, 80);
}

/* Zeroed records, the kind set, refused (and counted) at the kind's cap
 * while other kinds still get slots */
static void test_alloc_cap(void **state)
{
	struct t_rec *r[4];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		r[i] = flow_alloc(lp, FLOW_UDP);
		assert_non_null(r[i]);
		assert_int_equal(r[i]->f.kind, FLOW_UDP);
		assert_int_equal(r[i]->closes, 0);
		assert_int_equal(r[i]->f.last, 1000);
		r[i]->closes = 7;
	}
	assert_null(flow_alloc(lp, FLOW_UDP));
	assert_int_equal(flow_stats(lp, FLOW_UDP)->refused, 1);
	assert_int_equal(flow_stats(lp, FLOW_UDP)->live, 3);
	assert_int_equal(flow_stats(lp, FLOW_UDP)->opened, 3);
	assert_non_null(flow_alloc(lp, FLOW_TCP));
	assert_int_equal(flow_count(lp), 4);

	flow_kind_cap(lp, FLOW_UDP, 2);		/* lowered: still 3 open */
	flow_close(lp, &r[0]->f);
	assert_null(flow_alloc(lp, FLOW_UDP));	/* 2 open, cap 2 */
	flow_kind_cap(lp, FLOW_UDP, 100);	/* never above the ops' cap */
	assert_int_equal(flow_kind_cap_get(lp, FLOW_UDP), 3);
}

/* A closed flow keeps its slot, found closed, until the reap; then the
 * slot is reused, zeroed */
static void test_close_reap(void **state)
{
	struct t_rec *a, *b;
	uint32_t idx;

	(void)state;
	a = flow_alloc(lp, FLOW_UDP);
	idx = flow_idx(&a->f);
	assert_ptr_equal(flow_get(lp, idx, FLOW_UDP), a);
	assert_null(flow_get(lp, idx, FLOW_TCP));	/* not of that kind */
	a->closes = 9;
	flow_close(lp, &a->f);
	flow_close(lp, &a->f);			/* again: nothing */
	assert_null(flow_get(lp, idx, FLOW_UDP));
	assert_int_equal(flow_stats(lp, FLOW_UDP)->live, 0);
	assert_int_equal(flow_count(lp), 1);	/* not reaped yet */
	b = flow_alloc(lp, FLOW_UDP);
	assert_ptr_not_equal(b, a);		/* not reused in the batch */
	flow_reap(lp);
	assert_int_equal(flow_count(lp), 1);
	b = flow_alloc(lp, FLOW_TCP);
	assert_ptr_equal(b, a);			/* the free list first */
	assert_int_equal(b->closes, 0);
	assert_int_equal(b->f.kind, FLOW_TCP);
	assert_null(flow_at(lp, FLOW_SLOTS));
}

/* The index finds an open flow by its key, forgets it at close; keys
 * are unique */
static void test_index(void **state)
{
	struct t_rec *a, *b;
	struct flow_key k;

	(void)state;
	a = flow_alloc(lp, FLOW_TCP);
	b = flow_alloc(lp, FLOW_TCP);
	t_key(&a->f, IPPROTO_TCP, 1234);
	t_key(&b->f, IPPROTO_TCP, 1234);
	assert_int_equal(flow_hash_insert(lp, &a->f), 0);
	assert_int_equal(flow_hash_insert(lp, &b->f), -EEXIST);
	t_key(&b->f, IPPROTO_UDP, 1234);	/* same tuple, other proto */
	assert_int_equal(flow_hash_insert(lp, &b->f), 0);
	k = a->f.key;
	assert_ptr_equal(flow_lookup(lp, &k), &a->f);
	assert_int_equal(flow_hash_count(lp), 2);
	flow_close(lp, &a->f);
	assert_null(flow_lookup(lp, &k));
	assert_ptr_equal(flow_lookup(lp, &b->f.key), &b->f);
	assert_int_equal(flow_hash_count(lp), 1);
	flow_hash_remove(lp, &b->f);
	flow_hash_remove(lp, &b->f);		/* again: nothing */
	assert_int_equal(flow_hash_count(lp), 0);
}

/* The idle scan closes, through the kind, only flows idle past its
 * timeout, and only of kinds that have one; the oldest is found */
static void test_idle_oldest(void **state)
{
	struct t_rec *a, *b, *c, *x;

	(void)state;
	a = flow_alloc(lp, FLOW_UDP);		/* last 1000 */
	x = flow_alloc(lp, FLOW_TCP);		/* 1000, no timeout */
	lp->now.tv_sec += 3;
	b = flow_alloc(lp, FLOW_UDP);		/* 1003 */
	c = flow_alloc(lp, FLOW_UDP);		/* 1003 */
	assert_ptr_equal(flow_oldest(lp, FLOW_UDP), a);
	lp->now.tv_sec += 1;
	flow_touch(lp, &a->f);			/* 1004 */
	flow_touch(lp, &c->f);			/* 1004 */
	assert_ptr_equal(flow_oldest(lp, FLOW_UDP), b);

	lp->now.tv_sec = 1013;			/* b idle 10 s: not past */
	flow_idle_scan(lp);
	assert_int_equal(t_closed, 0);
	lp->now.tv_sec = 1015;			/* b, then a and c, past */
	flow_idle_scan(lp);
	assert_int_equal(t_closed, 3);
	assert_int_equal(a->closes + b->closes + c->closes, 3);
	assert_null(flow_get(lp, flow_idx(&a->f), FLOW_UDP));
	assert_non_null(flow_get(lp, flow_idx(&x->f), FLOW_TCP));
	assert_int_equal(flow_stats(lp, FLOW_UDP)->idle, 3);
	assert_null(flow_oldest(lp, FLOW_UDP));
	assert_null(flow_oldest(lp, FLOW_PING));
}

static void t_count(struct loop *lp, struct flow_common *f, void *arg)
{
	unsigned *n = arg;

	n[f->kind]++;
}

/* flow_foreach() sees open flows of every kind, not closed ones */
static void test_foreach(void **state)
{
	unsigned n[FLOW_KIND_NUM_] = { 0 };
	struct t_rec *a;

	(void)state;
	a = flow_alloc(lp, FLOW_UDP);
	flow_alloc(lp, FLOW_UDP);
	flow_alloc(lp, FLOW_TCP);
	flow_close(lp, &a->f);
	flow_foreach(lp, t_count, n);
	assert_int_equal(n[FLOW_UDP], 1);
	assert_int_equal(n[FLOW_TCP], 1);
	assert_int_equal(n[FLOW_NONE], 0);
	assert_string_equal(flow_kind_name(FLOW_TCP_SPLICE), "tcp splice");
	assert_string_equal(flow_kind_name(200), "?");
}

/* Two loops, two of everything per loop: flows, their index, their
 * counters and the egress batch of one are not the other's */
static void test_two_loops(void **state)
{
	static const struct conf zero;
	struct loop l2, *lp2 = &l2;
	struct t_rec *a, *b;
	uint8_t frame[64] = { 0 };

	(void)state;
	loop_init(lp2);
	lp2->now = t0;
	flow_init(lp2);
	flow_kind_register(lp2, FLOW_TCP, &t_tcp_ops);
	egress_init(lp, &zero.link);
	egress_init(lp2, &zero.link);

	a = flow_alloc(lp, FLOW_TCP);
	b = flow_alloc(lp2, FLOW_TCP);
	assert_ptr_not_equal(a, b);
	assert_int_equal(flow_idx(&a->f), flow_idx(&b->f));  /* own slots */
	t_key(&a->f, IPPROTO_TCP, 1234);
	b->f.key = a->f.key;
	assert_int_equal(flow_hash_insert(lp, &a->f), 0);
	assert_null(flow_lookup(lp2, &a->f.key));
	assert_int_equal(flow_hash_insert(lp2, &b->f), 0);	/* no clash */
	assert_ptr_equal(flow_lookup(lp2, &a->f.key), &b->f);
	assert_ptr_equal(flow_lookup(lp, &a->f.key), &a->f);
	flow_close(lp, &a->f);
	assert_int_equal(flow_stats(lp, FLOW_TCP)->live, 0);
	assert_int_equal(flow_stats(lp2, FLOW_TCP)->live, 1);
	assert_ptr_equal(flow_lookup(lp2, &b->f.key), &b->f);

	assert_int_equal(egress_queue_copy(lp, frame, sizeof(frame)), 0);
	assert_int_equal(egress_room(lp), EGRESS_FRAMES - 1);
	assert_int_equal(egress_room(lp2), EGRESS_FRAMES);
	close(lp2->epfd);
}

/* At -d every event of a flow's life is logged, tagged with the flow,
 * however many flows there are: not rate-limited like what a guest can
 * trigger per packet */
static void test_events_logged(void **state)
{
	struct log_conf lc = { .level = LOG_LVL_DEBUG, .to_stderr = true,
			       .ident = "test" };
	struct log_conf quiet = { .level = LOG_LVL_WARN, .to_stderr = true,
				  .ident = "test" };
	static char buf[1 << 16];
	int saved = dup(STDERR_FILENO), i, fd = -1, n = 0;
	FILE *f = tmpfile();
	char *p;

	(void)state;
	assert_non_null(f);
	log_setup(&lc);
	assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
	for (i = 0; i < 50; i++) {
		struct t_rec *r = flow_alloc(lp, FLOW_TCP);

		flow_close_sock(lp, &r->f, &fd);
		flow_reap(lp);
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_setup(&quiet);
	rewind(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	for (p = buf; (p = strstr(p, " tcp [")) != NULL; p++)
		n++;
	assert_int_equal(n, 50);
	assert_null(strstr(buf, "suppressed"));
	assert_non_null(strstr(buf, "flow 0 tcp [")); /* slot 0, reused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_alloc_cap, setup),
		cmocka_unit_test_setup(test_close_reap, setup),
		cmocka_unit_test_setup(test_index, setup),
		cmocka_unit_test_setup(test_idle_oldest, setup),
		cmocka_unit_test_setup(test_foreach, setup),
		cmocka_unit_test_setup(test_two_loops, setup),
		cmocka_unit_test_setup(test_events_logged, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
