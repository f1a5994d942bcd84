// SPDX-License-Identifier: MIT
/* test_fdbudget.c - unit tests for the fd budget of flows */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "flow/fdbudget.h"

#define LIMIT	(FDBUDGET_RESERVE + 64)

/* Budget: the limit, less what is open, less the reserve */
static int setup(void **state)
{
	struct rlimit rl;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	rl.rlim_cur = LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	fdbudget_init();
	return 0;
}

/* Open fds count against it: at most LIMIT - RESERVE - 3 (stdio) */
static void test_size(void **state)
{
	(void)state;
	assert_true(fdbudget_size() > 0);
	assert_true(fdbudget_size() <= LIMIT - FDBUDGET_RESERVE - 3);
	assert_int_equal(fdbudget_used(), 0);
}

/* Spent: refused and counted; a put makes room for exactly one */
static void test_take_until_spent(void **state)
{
	unsigned size = fdbudget_size(), i;
	unsigned long refused = fdbudget_refused();

	(void)state;
	for (i = 0; i < size; i++)
		assert_true(fdbudget_take("test"));
	assert_false(fdbudget_take("test"));
	assert_int_equal(fdbudget_refused(), refused + 1);
	fdbudget_put();
	assert_false(fdbudget_take_n(2, "test"));
	assert_true(fdbudget_take("test"));
	fdbudget_put_n(size);
	assert_int_equal(fdbudget_used(), 0);
	fdbudget_put();		/* more than taken: stays at 0 */
	assert_int_equal(fdbudget_used(), 0);
}

/* The socket() wrapper: EMFILE once spent, before the kernel says so;
 * closing gives the fd back */
static void test_socket(void **state)
{
	unsigned size = fdbudget_size();
	int fd;

	(void)state;
	assert_true(fdbudget_take_n(size - 1, "test"));
	fd = fdbudget_socket(AF_INET, SOCK_DGRAM, 0, "test");
	assert_true(fd >= 0);
	assert_int_equal(fdbudget_used(), size);
	errno = 0;
	assert_int_equal(fdbudget_socket(AF_INET, SOCK_DGRAM, 0, "test"), -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(fdbudget_used(), size);
	fdbudget_close(fd);
	assert_int_equal(fdbudget_used(), size - 1);
	/* a failing socket() gives its fd back */
	assert_int_equal(fdbudget_socket(-1, SOCK_DGRAM, 0, "test"), -1);
	assert_int_equal(fdbudget_used(), size - 1);
	fdbudget_put_n(size - 1);
}

/* fds charged before fdbudget_init() (a pool filled at start-up) are
 * open, but in the budget: not also counted as fixed */
static void test_init_charged_not_fixed(void **state)
{
	unsigned size = fdbudget_size();
	int a[2], b[2];

	(void)state;
	assert_true(fdbudget_take_n(4, "test"));
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	fdbudget_init();
	assert_int_equal(fdbudget_size(), size);
	assert_int_equal(fdbudget_used(), 4);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	fdbudget_put_n(4);
	fdbudget_init();
	assert_int_equal(fdbudget_size(), size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_take_until_spent),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_init_charged_not_fixed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
