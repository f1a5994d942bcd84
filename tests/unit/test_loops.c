// SPDX-License-Identifier: MIT
/* test_loops.c - unit tests for loops.c: inboxes, threads, pauses */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "loops.h"

static unsigned got, got_len, got_hops;
static uint8_t got_first;

static void on_frame(struct loop *lp, const struct loop_msg *m)
{
	(void)lp;
	got++;
	got_len = m->len;
	got_hops = m->hops;
	got_first = m->len ? m->data[0] : 0;
}

/* One batch of loop @lp, without waiting */
static void step(struct loop *lp)
{
	loop_stop(lp, 0);
	loop_run(lp);
}

static struct loop *set2;

/* Two loops made once: loops_new() is a start-up call */
static int setup(void **state)
{
	(void)state;
	if (!set2)
		set2 = loops_new(2);
	return 0;
}

/* A message arrives whole, with its hops, in the loop it was sent to */
static void test_send_receive(void **state)
{
	struct loop *l0 = set2, *l1 = loops_at(set2, 1);
	uint8_t buf[1500];

	(void)state;
	assert_int_equal(loops_n(l0), 2);
	assert_int_equal(l1->id, 1);
	loops_msg_handler(l1, LOOP_MSG_FRAME, on_frame);
	memset(buf, 0xab, sizeof(buf));
	got = 0;
	assert_int_equal(loops_send(l0, 1, LOOP_MSG_FRAME, 1, 0, 0, buf,
				    sizeof(buf)), 0);
	step(l0);		/* not for loop 0 */
	assert_int_equal(got, 0);
	step(l1);
	assert_int_equal(got, 1);
	assert_int_equal(got_len, sizeof(buf));
	assert_int_equal(got_hops, 1);
	assert_int_equal(got_first, 0xab);
}

/* A full inbox refuses, nothing grows; emptied, it takes messages again */
static void test_full_inbox_refuses(void **state)
{
	struct loop *l0 = set2, *l1 = loops_at(set2, 1);
	uint8_t b = 7;
	int i, ok = 0, rc = 0;

	(void)state;
	loops_msg_handler(l1, LOOP_MSG_FRAME, on_frame);
	got = 0;
	for (i = 0; i < 1000; i++) {
		rc = loops_send(l0, 1, LOOP_MSG_FRAME, 0, 0, 0, &b, 1);
		if (rc)
			break;
		ok++;
	}
	assert_int_equal(rc, -ENOBUFS);
	assert_true(ok > 0 && ok < 1000);
	step(l1);
	assert_int_equal(got, (unsigned)ok);
	assert_int_equal(loops_send(l0, 1, LOOP_MSG_FRAME, 0, 0, 0, &b, 1), 0);
	step(l1);
	assert_int_equal(got, (unsigned)ok + 1);
}

/* Bad requests: no such loop, payload too large */
static void test_bad_sends(void **state)
{
	static uint8_t big[LOOP_MSG_MAX + 1];
	struct loop alone;

	(void)state;
	assert_int_equal(loops_send(set2, 2, LOOP_MSG_FRAME, 0, 0, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(loops_send(set2, 1, LOOP_MSG_FRAME, 0, 0, 0, big,
				    sizeof(big)), -EMSGSIZE);
	loop_init(&alone);	/* no set: one loop, itself */
	assert_int_equal(loops_n(&alone), 1);
	assert_ptr_equal(loops_at(&alone, 0), &alone);
	assert_int_equal(loops_send(&alone, 0, LOOP_MSG_FRAME, 0, 0, 0, NULL,
				    0), -EINVAL);
	close(alone.epfd);
}

/* Loop 1 in its thread: it handles messages by itself, and parks while
 * loop 0 holds the pause (a message sent meanwhile waits for resume) */
static void test_thread_and_pause(void **state)
{
	struct loop *l0 = set2, *l1 = loops_at(set2, 1);
	uint8_t b = 1;
	int i;

	(void)state;
	loops_msg_handler(l1, LOOP_MSG_FRAME, on_frame);
	__atomic_store_n(&got, 0, __ATOMIC_SEQ_CST);
	loops_start(l0);
	assert_int_equal(loops_send(l0, 1, LOOP_MSG_FRAME, 0, 0, 0, &b, 1), 0);
	for (i = 0; i < 500 && !__atomic_load_n(&got, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&got, __ATOMIC_SEQ_CST), 1);

	loops_pause(l0);
	assert_int_equal(loops_send(l0, 1, LOOP_MSG_FRAME, 0, 0, 0, &b, 1), 0);
	usleep(50000);
	assert_int_equal(__atomic_load_n(&got, __ATOMIC_SEQ_CST), 1);
	loops_resume(l0);
	for (i = 0; i < 500 && __atomic_load_n(&got, __ATOMIC_SEQ_CST) < 2;
	     i++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&got, __ATOMIC_SEQ_CST), 2);
	loops_stop(l0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_send_receive, setup),
		cmocka_unit_test_setup(test_full_inbox_refuses, setup),
		cmocka_unit_test_setup(test_bad_sends, setup),
		cmocka_unit_test_setup(test_thread_and_pause, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
