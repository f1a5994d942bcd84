// SPDX-License-Identifier: MIT
/* test_log.c - unit tests for the rate-limited log lines */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"

/* Lines written to stderr while @fn runs */
static unsigned lines_of(void (*fn)(unsigned), unsigned n, char *buf,
			 size_t size)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t len;
	unsigned count = 0, i;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
	fn(n);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	len = fread(buf, 1, size - 1, f);
	buf[len] = 0;
	fclose(f);
	for (i = 0; i < len; i++)
		count += buf[i] == '\n';
	return count;
}

static void warn_many(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		warn_rl("guest did it again: %u", i);
}

static void info_many(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		info_rl("guest connected: %u", i);
}

/* Wait for the start of a second, so that a burst stays in one window */
static void second_start(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &a);
	do {
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &b);
	} while (b.tv_sec == a.tv_sec);
}

/* A burst from one call site: 5 lines, the rest counted; the next
 * window says how many were left out */
static void test_burst(void **state)
{
	static char buf[1 << 16];

	(void)state;
	second_start();
	assert_int_equal(lines_of(warn_many, 100000, buf, sizeof(buf)), 5);
	assert_non_null(strstr(buf, "guest did it again: 4"));
	assert_null(strstr(buf, "guest did it again: 5"));
	second_start();
	assert_int_equal(lines_of(warn_many, 1, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "(99995 similar messages suppressed)"));
}

/* info_rl() too, counted apart from the other call site */
static void test_info(void **state)
{
	static char buf[1 << 16];

	(void)state;
	second_start();
	assert_int_equal(lines_of(info_many, 1000, buf, sizeof(buf)), 5);
	assert_non_null(strstr(buf, "guest connected: 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
