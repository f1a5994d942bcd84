// SPDX-License-Identifier: MIT
/* test_log.c - unit tests for the rate-limited log lines and the log file */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The whole log file, NUL-terminated; Return: its length */
static size_t slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

/* As pasta: the file truncated at start, a first line "NAME VERSION: PATH
 * (PID)"; when full, the oldest lines go, the header stays, a line says
 * what was cut, and the newest lines are all there, in order; the file
 * stays under its cap */
static void test_log_file(void **state)
{
	char path[] = "/tmp/tether-test-log.XXXXXX";
	static char buf[1 << 16];
	char hdr[256], *p, *mark;
	struct log_conf lc = { .level = LOG_LVL_INFO, .file = path,
			       .file_size = 8192, .version = "v1",
			       .ident = "pasta" };
	unsigned i, last, n;
	int fd = mkstemp(path);
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "stale\n", 6) == 6);
	close(fd);
	log_setup(&lc);
	snprintf(hdr, sizeof(hdr), "pasta v1: %s (%d)\n", path, (int)getpid());
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, hdr);			/* stale line gone */

	for (i = 0; i < 2000; i++)
		info("line %04u of the log file test", i);
	len = slurp(path, buf, sizeof(buf));
	assert_true(len <= 8192);
	assert_memory_equal(buf, hdr, strlen(hdr));
	mark = buf + strlen(hdr);
	assert_memory_equal(mark, "(log cut: ", 10);
	p = strchr(mark, '\n') + 1;
	/* every line after the mark: the next number, up to the last one */
	assert_int_equal(sscanf(strstr(p, "line "), "line %u", &last), 1);
	n = 0;
	while ((p = strstr(p, "line ")) != NULL) {
		unsigned v;

		assert_int_equal(sscanf(p, "line %u", &v), 1);
		assert_int_equal(v, last + n);
		n++;
		p += 5;
	}
	assert_int_equal(last + n - 1, 1999);
	assert_true(n > 20);				/* about half kept */
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_log_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
