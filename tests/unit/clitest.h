/* SPDX-License-Identifier: MIT */
/* clitest.h - helpers for the command-line unit tests: parse into a
 * global conf, or run a parse in a child and keep what it printed */
#ifndef TETHER_CLITEST_H
#define TETHER_CLITEST_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf_int.h"
#include "conf/fwd_spec.h"

static struct conf c;

#define ARGV(...)	((char *[]){ __VA_ARGS__, NULL })

static int argc_of(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

/* Parse into the global @c, freeing the specs of the previous parse */
static void parse(char **argv)
{
	int k, i;

	for (k = 0; k < FWD_KIND_NUM_; k++) {
		for (i = 0; i < c.fwd.n[k]; i++)
			free(c.fwd.rule[k][i]);
	}
	conf_parse_args(&c, argc_of(argv), argv);
}

static char out[65536];

/*
 * Run conf_parse_args() in a child with stdout and stderr captured in
 * out[]; Return: exit status, or 100 if parsing returned normally
 */
static int run(char **argv)
{
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		parse(argv);
		fflush(stdout);
		_exit(100);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1 &&
	       (n = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* @argv must fail with status 1 and a message containing @part */
static void fails(char **argv, const char *part)
{
	int rc = run(argv);

	if (rc != 1 || !strstr(out, part))
		fail_msg("'%s %s': status %d, output '%s', expected '%s'",
			 argv[0], argv[1] ? argv[1] : "", rc, out, part);
	/* One line only, unless getopt's own message plus the hint */
	if (strchr(out, '\n') != strrchr(out, '\n') && !strstr(out, "Try '"))
		fail_msg("more than one line: '%s'", out);
}

static const char *ntop4(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

static const char *ntop6(const struct in6_addr *a)
{
	static char buf[INET6_ADDRSTRLEN];

	return inet_ntop(AF_INET6, a, buf, sizeof(buf));
}

#endif /* TETHER_CLITEST_H */
