// SPDX-License-Identifier: MIT
/* test_fwd_procnet.c - /proc/net/{tcp,udp}[6] parsing for "auto" forwarding */
#include <arpa/inet.h>
#include <fcntl.h>
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

#include "fwd/procnet.h"
#include "fwdtest.h"

static const char hdr[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
	"retrnsmt   uid  timeout inode\n";
static const char l4[] =
	"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
	"00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0\n";
static const char l4b[] =
	"   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 "
	"00000000     0        0 99 1 0000000000000000 100 0 0 10 0\n";
static const char l4est[] =
	"   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 "
	"00000000  1000        0 777 1 0000000000000000 20 4 30 10 -1\n";
static const char l6[] =
	"   0: 00000000000000000000000001000000:D431 "
	"00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000  1500        0 4294967295 1 0000000000000000 "
	"100 0 0 10 0\n";

static void line_ok(const char *line, uint16_t port, unsigned state,
		    uint32_t ino)
{
	uint16_t p = 0;
	unsigned st = 0;
	uint32_t i = 0;

	assert_true(procnet_line(line, strlen(line) - 1, &p, &st, &i));
	assert_int_equal(p, port);
	assert_int_equal(st, state);
	assert_int_equal(i, ino);
}

static void line_bad(const char *line)
{
	uint16_t p;
	unsigned st;
	uint32_t i;

	assert_false(procnet_line(line, strlen(line), &p, &st, &i));
}

static void test_lines(void **state)
{
	(void)state;
	line_ok(l4, 8080, 0x0a, 123456);
	line_ok(l4b, 22, 0x0a, 99);
	line_ok(l4est, 8080, 0x01, 777);
	line_ok(l6, 54321, 0x0a, 4294967295U);

	line_bad(hdr);
	line_bad("");
	line_bad("   0: 0100007F:1F9 00000000:0000 0A 0 0 0 0 0 1");
	line_bad("   0: 0100007F1F90 00000000:0000 0A 0 0 0 0 0 1");
	line_bad("   0: 0100007F:1F9G 00000000:0000 0A 0 0 0 0 0 1");
	line_bad("   0: 0100007F:1F90 00000000:0000 A 0 0 0 0 0 1");
	line_bad("   0: 0100007F:1F90 00000000:0000 0A 0 0 0 0 0 4294967296");
	line_bad("   0: 0100007F:1F90 00000000:0000 0A 0 0 0 0 0 12x");
	line_bad("   0: 0100007F:1F90 00000000:0000 0A 0 0 0 0 0");
	line_bad("   0: 0100007F:1F90");
}

/* A file fed in two pieces, split at every offset, gives the same */
static void test_feed_split(void **state)
{
	char file[1024];
	size_t len, cut;

	(void)state;
	snprintf(file, sizeof(file), "%s%s%s%s", hdr, l4, l4est, l6);
	len = strlen(file);
	for (cut = 0; cut <= len; cut++) {
		struct procnet_parser p = { .len = 0 };

		memset(&seen, 0, sizeof(seen));
		procnet_feed(&p, file, cut, PROCNET_TCP_LISTEN, cb, NULL);
		procnet_feed(&p, file + cut, len - cut, PROCNET_TCP_LISTEN, cb,
			     NULL);
		assert_int_equal(seen.n, 2);
		assert_int_equal(seen.port[0], 8080);
		assert_int_equal(seen.ino[0], 123456);
		assert_int_equal(seen.port[1], 54321);
	}
}

/* The first line is a header whatever it says; long lines are skipped */
static void test_feed_header_and_long(void **state)
{
	struct procnet_parser p = { .len = 0 };
	char longl[600];

	(void)state;
	memset(&seen, 0, sizeof(seen));
	procnet_feed(&p, l4, strlen(l4), PROCNET_TCP_LISTEN, cb, NULL);
	assert_int_equal(seen.n, 0);		/* taken as the header */

	memset(longl, ' ', sizeof(longl));
	memcpy(longl + sizeof(longl) - strlen(l4b), l4b, strlen(l4b));
	procnet_feed(&p, longl, sizeof(longl), PROCNET_TCP_LISTEN, cb, NULL);
	assert_int_equal(seen.n, 0);		/* too long: ignored */
	procnet_feed(&p, l4b, strlen(l4b), PROCNET_TCP_LISTEN, cb, NULL);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.port[0], 22);
}

/* Random bytes: no crash, nothing read out of bounds (ASan builds) */
static void test_feed_garbage(void **state)
{
	unsigned seed = 1, i, j;

	(void)state;
	for (i = 0; i < 2000; i++) {
		struct procnet_parser p = { .len = 0 };
		size_t n = rand_r(&seed) % 700;
		char *buf = malloc(n + 1);

		assert_non_null(buf);
		for (j = 0; j < n; j++) {
			static const char set[] = "0123456789ABCDEFaf: \n\t:x";

			buf[j] = (rand_r(&seed) % 4) ? set[rand_r(&seed) %
						      (sizeof(set) - 1)] :
						  (char)rand_r(&seed);
		}
		procnet_feed(&p, buf, n, PROCNET_TCP_LISTEN, cb, NULL);
		free(buf);
	}
}

/* The real file: our own listening socket is there, with its inode */
static void test_scan_real(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), fd, i, found = 0;
	struct stat st;

	(void)state;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	getsockname(s, (struct sockaddr *)&a, &sl);
	assert_int_equal(fstat(s, &st), 0);
	fd = open("/proc/net/tcp", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(procnet_scan(fd, PROCNET_TCP_LISTEN, cb, NULL), 0);
	for (i = 0; i < seen.n && i < SEEN_MAX; i++)
		found |= seen.port[i] == ntohs(a.sin_port) &&
			 seen.ino[i] == (uint32_t)st.st_ino;
	if (seen.n > SEEN_MAX)
		skip();		/* a busy host: our line may be past the end */
	assert_true(found);

	/* read again from the start: the same */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(procnet_scan(fd, PROCNET_TCP_LISTEN, cb, NULL), 0);
	assert_true(seen.n >= 1);
	close(fd);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_feed_split),
		cmocka_unit_test(test_feed_header_and_long),
		cmocka_unit_test(test_feed_garbage),
		cmocka_unit_test(test_scan_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
