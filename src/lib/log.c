// SPDX-License-Identifier: MIT
/* log.c - logging to stderr, a capped file or syslog; rate limiting */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

static struct {
	enum log_level level;
	bool to_stderr;
	bool to_syslog;
	bool syslog_open;
	int fd;
	size_t size_max;
	size_t size;
	size_t hdr_len;
	const char *ident;
} lg = { .level = LOG_LVL_INFO, .to_stderr = true, .fd = -1,
	 .ident = "tether" };

/* One line at a time from any loop's thread: the file's size and the
 * lines kept when it is cut are shared */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const lvl_str[] = {
	[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_TRACE] = "trace",
};
_Static_assert(ARRAY_SIZE(lvl_str) == LOG_LVL_NUM_, "level names");

static const int lvl_syslog[] = {
	[LOG_LVL_ERR] = LOG_ERR, [LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO, [LOG_LVL_DEBUG] = LOG_DEBUG,
	[LOG_LVL_TRACE] = LOG_DEBUG,
};

void log_setup(const struct log_conf *lc)
{
	lg.level = lc->level;
	lg.to_stderr = lc->to_stderr;
	lg.to_syslog = lc->to_syslog;
	if (lc->ident)
		lg.ident = lc->ident;
	if (lc->file) {
		char hdr[LOG_HDR_MAX];
		int n;

		lg.fd = open(lc->file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0600);
		if (lg.fd < 0)
			die_perror("cannot open log file %s", lc->file);
		lg.size_max = lc->file_size ? lc->file_size : LOG_SIZE_DEFAULT;
		n = snprintf(hdr, sizeof(hdr), "%s %s: %s (%d)\n", lg.ident,
			     lc->version ? lc->version : "", lc->file,
			     (int)getpid());
		lg.hdr_len = MIN((size_t)MAX(n, 0), sizeof(hdr) - 1);
		if (lg.hdr_len && hdr[lg.hdr_len - 1] != '\n')
			hdr[lg.hdr_len - 1] = '\n';
		if (write(lg.fd, hdr, lg.hdr_len) != (ssize_t)lg.hdr_len)
			die_perror("cannot write log file %s", lc->file);
		lg.size = lg.hdr_len;
	}
	if (lg.to_syslog)
		openlog(lg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Connected now, while /dev/log can still be found: the sandbox hides it */
void log_detach_prepare(void)
{
	if (lg.fd < 0 && !lg.to_syslog && !lg.syslog_open) {
		openlog(lg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		lg.syslog_open = true;
	}
}

bool log_to_syslog_later(void)
{
	return lg.to_syslog || lg.syslog_open;
}

void log_stderr_off(void)
{
	lg.to_stderr = false;
	if (lg.fd < 0 && !lg.to_syslog) {
		log_detach_prepare();
		lg.to_syslog = true;
	}
}

bool log_enabled(enum log_level lvl)
{
	return lvl <= lg.level;
}

/*
 * log_file_cut() - make room: keep the header, a line saying what was cut,
 * and the newest lines, about half the cap, moved up in place (pread and
 * pwrite through a small buffer: this works on any file system, tmpfs
 * too). Return: false if the file couldn't be cut (it is then emptied
 * down to the header).
 */
static bool log_file_cut(void)
{
	static char buf[LOG_CUT_BUF];
	size_t keep = lg.size_max / 2, src, dst, end = lg.size;
	char mark[96];
	ssize_t r;
	int m;

	if (end <= lg.hdr_len + keep)
		return true;
	src = end - keep;
	/* start at a line: the first one that begins at or after @src */
	r = pread(lg.fd, buf, sizeof(buf), (off_t)src);
	if (r > 0) {
		char *nl = memchr(buf, '\n', (size_t)r);

		if (nl)
			src += (size_t)(nl - buf) + 1;
	}
	m = snprintf(mark, sizeof(mark), "(log cut: %zu bytes dropped)\n",
		     src - lg.hdr_len);
	dst = lg.hdr_len;
	if (m <= 0 || pwrite(lg.fd, mark, (size_t)m, (off_t)dst) != m)
		goto fail;
	dst += (size_t)m;
	while (src < end) {
		r = pread(lg.fd, buf, MIN(sizeof(buf), end - src), (off_t)src);
		if (r <= 0 || pwrite(lg.fd, buf, (size_t)r, (off_t)dst) != r)
			goto fail;
		src += (size_t)r;
		dst += (size_t)r;
	}
	if (ftruncate(lg.fd, (off_t)dst))
		goto fail;
	lg.size = dst;
	return true;
fail:
	if (!ftruncate(lg.fd, (off_t)lg.hdr_len))
		lg.size = lg.hdr_len;
	return false;
}

/* Append at the end (the fd is not O_APPEND: log_file_cut() rewrites) */
static void log_file_write(const char *buf, size_t len)
{
	if (lg.size + len > lg.size_max)
		log_file_cut();
	if (pwrite(lg.fd, buf, len, (off_t)lg.size) > 0)
		lg.size += len;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char buf[1024];
	int n, saved = errno;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (n < 0)
		goto out;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';

	pthread_mutex_lock(&log_mu);
	if (lg.to_stderr) {
		if (lvl <= LOG_LVL_WARN || lg.level >= LOG_LVL_DEBUG)
			dprintf(STDERR_FILENO, "%s: %.*s", lg.ident, n, buf);
		else
			dprintf(STDERR_FILENO, "%.*s", n, buf);
	}
	if (lg.fd >= 0) {
		char line[1100];
		struct timespec ts;
		int m;

		clock_gettime(CLOCK_REALTIME, &ts);
		m = snprintf(line, sizeof(line), "%lld.%03ld %s: %.*s",
			     (long long)ts.tv_sec, ts.tv_nsec / 1000000,
			     lvl_str[lvl], n, buf);
		if (m > 0)
			log_file_write(line, MIN((size_t)m, sizeof(line) - 1));
	}
	if (lg.to_syslog)
		syslog(lvl_syslog[lvl], "%.*s", n - 1, buf);
	pthread_mutex_unlock(&log_mu);
out:
	errno = saved;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > lg.level)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void log_ratelimit_msg(enum log_level lvl, unsigned *count, time_t *window,
		       const char *fmt, ...)
{
	struct timespec now;
	time_t w;
	va_list ap;

	if (lvl > lg.level)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	w = __atomic_load_n(window, __ATOMIC_RELAXED);
	/* one caller opens a new second, and says what the last one hid */
	if (now.tv_sec != w &&
	    __atomic_compare_exchange_n(window, &w, now.tv_sec, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		unsigned c = __atomic_exchange_n(count, 0, __ATOMIC_RELAXED);

		if (c > 5)
			log_msg(lvl, "(%u similar messages suppressed)", c - 5);
	}
	if (__atomic_fetch_add(count, 1, __ATOMIC_RELAXED) >= 5)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* Start-up errors reach whoever started us even with a log file (as
 * pasta's do, until it runs): once detached, stderr is /dev/null anyway */
void die(const char *fmt, ...)
{
	bool to_stderr = lg.to_stderr;
	va_list ap;

	lg.to_stderr = true;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	lg.to_stderr = to_stderr;
	_exit(EXIT_FAILURE);
}

void die_perror(const char *fmt, ...)
{
	char buf[768];
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	die("%s: %s", buf, strerror(e));
}
