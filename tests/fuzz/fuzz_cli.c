// SPDX-License-Identifier: MIT
/*
 * fuzz_cli.c - command lines, through option parsing (conf/cli.c,
 * conf/parse.c, conf/fwd_spec.c) and what follows from them without the
 * host (port ranges, services)
 *
 * Not guest input, but the one thing every client (Podman, libvirt,
 * scripts) hands us, and the parser with the most branches. A bad command
 * line ends in die() or exit(): both are wrapped at link time (LDFLAGS
 * below) to jump back here, and only while an input runs, so libFuzzer's
 * own exit() is left alone. getopt's messages and our own are kept off
 * stderr.
 *
 * Input: a byte choosing the personality (bit 0: passt, else bit 1:
 * slirp4netns, else pasta), then the arguments, NUL-separated (at most
 * FZ_ARGS).
 */
/* LDFLAGS: -Wl,--wrap=die -Wl,--wrap=die_perror -Wl,--wrap=exit -Wl,--wrap=log_setup */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fuzz.h"
#include "conf/conf_int.h"
#include "lib/log.h"

#define FZ_ARGS		64

static jmp_buf fz_jmp;
static bool fz_armed;

void __real_exit(int status) __attribute__((noreturn));
void __real_log_setup(const struct log_conf *lc);
void __wrap_die(const char *fmt, ...) __attribute__((noreturn));
void __wrap_die_perror(const char *fmt, ...) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));
void __wrap_log_setup(const struct log_conf *lc);

/* Back to the input's start, or a real exit once no input runs */
static void fz_bail(int status) __attribute__((noreturn));
static void fz_bail(int status)
{
	if (!fz_armed)
		__real_exit(status);
	longjmp(fz_jmp, 1);
}

void __wrap_die(const char *fmt, ...)
{
	(void)fmt;
	fz_bail(1);
}

void __wrap_die_perror(const char *fmt, ...)
{
	(void)fmt;
	fz_bail(1);
}

void __wrap_exit(int status)
{
	fz_bail(status);
}

/* Errors only, so that a million bad command lines don't fill stderr */
void __wrap_log_setup(const struct log_conf *lc)
{
	struct log_conf quiet = *lc;

	quiet.level = LOG_LVL_ERR;
	quiet.file = NULL;
	quiet.to_syslog = false;
	__real_log_setup(&quiet);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	opterr = 0;
	return 0;
}

static void fz_free_rules(struct conf *c)
{
	int k, i;

	for (k = 0; k < FWD_KIND_NUM_; k++)
		for (i = 0; i < c->fwd.n[k] && i < CONF_FWD_SPECS_MAX; i++)
			free(c->fwd.rule[k][i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096 + 1];
	static char *av[FZ_ARGS + 2];
	static struct conf c;
	volatile int ac = 1;
	size_t i, start;

	if (!size)
		return 0;
	av[0] = data[0] & 1 ? "passt" : data[0] & 2 ? "slirp4netns" : "pasta";
	size = MIN(size - 1, sizeof(buf) - 1);
	memcpy(buf, data + 1, size);
	buf[size] = '\0';
	for (i = start = 0; i <= size && ac < FZ_ARGS + 1; i++) {
		if (buf[i])
			continue;
		av[ac++] = buf + start;
		start = i + 1;
	}
	av[ac] = NULL;

	fz_armed = true;
	if (!setjmp(fz_jmp)) {
		conf_parse_args(&c, ac, av);
		conf_fwd_finish(&c, "/proc/sys/net/ipv4/ip_local_port_range");
		conf_services(&c);
	}
	fz_armed = false;
	fz_free_rules(&c);
	memset(&c, 0, sizeof(c));
	return 0;
}
