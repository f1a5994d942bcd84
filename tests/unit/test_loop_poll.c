// SPDX-License-Identifier: MIT
/* test_loop_poll.c - unit tests for the adaptive polling window */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loop_poll.h"

#define US	1000LL

/* Disabled: never opens, whatever the sleeps */
static void test_disabled(void **state)
{
	struct loop_poll p = { 0, 0 };

	(void)state;
	loop_poll_update(&p, 5 * US, 1);
	loop_poll_update(&p, 1 * US, 1);
	assert_int_equal(p.ns, 0);
}

/* Short sleeps open the window, doubling up to the maximum */
static void test_grows_to_max(void **state)
{
	struct loop_poll p = { 0, 200 * US };
	int i;

	(void)state;
	loop_poll_update(&p, 30 * US, 1);
	assert_int_equal(p.ns, LOOP_POLL_START_NS);
	loop_poll_update(&p, 30 * US, 1);
	assert_int_equal(p.ns, 2 * LOOP_POLL_START_NS);
	for (i = 0; i < 20; i++)
		loop_poll_update(&p, 199 * US, 1);
	assert_int_equal(p.ns, 200 * US);
}

/* A sleep within the window (polling would have been enough but ended
 * early) leaves it alone */
static void test_hit_keeps(void **state)
{
	struct loop_poll p = { 80 * US, 200 * US };

	(void)state;
	loop_poll_update(&p, 50 * US, 1);
	assert_int_equal(p.ns, 80 * US);
}

/* Long sleeps and timeouts close it: idle costs nothing */
static void test_shrinks_when_idle(void **state)
{
	struct loop_poll p = { 200 * US, 200 * US };
	int i;

	(void)state;
	loop_poll_update(&p, 1000 * US, 1);
	assert_int_equal(p.ns, 100 * US);
	loop_poll_update(&p, 50 * US, 0);	/* timeout, not an event */
	assert_int_equal(p.ns, 50 * US);
	for (i = 0; i < 4; i++)
		loop_poll_update(&p, 1000000 * US, 1);
	assert_int_equal(p.ns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_grows_to_max),
		cmocka_unit_test(test_hit_keeps),
		cmocka_unit_test(test_shrinks_when_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
