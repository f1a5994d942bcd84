// SPDX-License-Identifier: MIT
/* test_reader.c - sandbox_reader(): the helper that reads resolv.conf for
 * a sandboxed tether reads that one file, renamed over or rewritten, and
 * is confined itself */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox/sandbox.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[128], tmp[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, name);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);	/* as resolvconf does */
}

/* One request; Return: the status byte, the contents in @out */
static int ask(int fd, char *out, size_t size)
{
	static uint8_t msg[1 + SB_READER_MAX];
	ssize_t n;

	assert_int_equal(send(fd, "r", 1, 0), 1);
	n = recv(fd, msg, sizeof(msg), 0);
	assert_true(n >= 1);
	assert_true((size_t)n - 1 < size);
	memcpy(out, msg + 1, (size_t)n - 1);
	out[n - 1] = '\0';
	return msg[0];
}

/* "Key:\tvalue" of /proc/PID/status */
static void status_of(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	out[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':') {
			snprintf(out, size, "%s", line + strlen(key) + 2);
			out[strcspn(out, "\n")] = '\0';
		}
	}
	fclose(f);
}

/* The helper: the one other process running this binary */
static pid_t helper_pid(void)
{
	char self[256], exe[256], path[64];
	pid_t found = 0;
	struct dirent *e;
	ssize_t n;
	DIR *d;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	d = opendir("/proc");
	assert_non_null(d);
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		if (!strcmp(exe, self))
			found = pid;
	}
	closedir(d);
	return found;
}

static bool alive(pid_t pid)
{
	char v[64];

	if (kill(pid, 0))
		return false;
	status_of(pid, "State", v, sizeof(v));
	return v[0] && v[0] != 'Z' && v[0] != 'X';
}

static void test_reader(void **state)
{
	char buf[256], v[64];
	pid_t pid;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tt-reader-XXXXXX");
	assert_non_null(mkdtemp(dir));

	fd = sandbox_reader(dir, "resolv.conf");
	assert_true(fd >= 0);
	assert_int_equal(ask(fd, buf, sizeof(buf)), ENOENT);

	put("resolv.conf", "nameserver 192.0.2.53\n");
	put("other", "secret\n");
	assert_int_equal(ask(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nameserver 192.0.2.53\n");
	put("resolv.conf", "nameserver 198.51.100.53\n");
	assert_int_equal(ask(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nameserver 198.51.100.53\n");

	/* Confined: no capabilities, no new privileges, seccomp; not our
	 * child (no SIGCHLD of it for tether's loop) */
	pid = helper_pid();
	assert_true(pid > 0);
	status_of(pid, "Seccomp", v, sizeof(v));
	assert_string_equal(v, "2");
	status_of(pid, "NoNewPrivs", v, sizeof(v));
	assert_string_equal(v, "1");
	status_of(pid, "CapEff", v, sizeof(v));
	assert_string_equal(v, "0000000000000000");
	status_of(pid, "PPid", v, sizeof(v));
	assert_int_not_equal(atoi(v), getpid());

	/* It ends when we close our end (gone, or a zombie of whoever
	 * adopted it) */
	close(fd);
	for (int i = 0; i < 200 && alive(pid); i++)
		usleep(10000);
	assert_false(alive(pid));

	snprintf(buf, sizeof(buf), "%s/resolv.conf", dir);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s/other", dir);
	unlink(buf);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
