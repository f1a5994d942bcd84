/* SPDX-License-Identifier: MIT */
/* log.h - logging to stderr, a capped file or syslog; rate limiting */
#ifndef TETHER_LOG_H
#define TETHER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"
#include <stdlib.h>
#include <time.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_TRACE,
	LOG_LVL_NUM_,
};

/**
 * struct log_conf - where and how much to log
 * @level:	highest level printed
 * @file:	log file path, NULL for none
 * @file_size:	cap for @file in bytes: when reached, the oldest lines
 *		are dropped down to about half of it, the header kept
 * @version:	for @file's first line, "IDENT VERSION: FILE (PID)"
 * @to_stderr:	print to standard error (foreground runs)
 * @to_syslog:	send to syslog (daemon without a log file)
 * @ident:	program name for messages
 */
struct log_conf {
	enum log_level level;
	const char *file;
	size_t file_size;
	const char *version;
	bool to_stderr;
	bool to_syslog;
	const char *ident;
};

#define LOG_SIZE_DEFAULT	(1 << 20)	/* --log-size, as pasta's */
#define LOG_HDR_MAX		(4096 + 64)	/* first line of a log file */
#define LOG_CUT_BUF		(64 << 10)	/* copy buffer when cutting */

void log_setup(const struct log_conf *lc);
/* log_detach_prepare() - connect to syslog now if log_stderr_off() will
 * need it (call before the sandbox) */
void log_detach_prepare(void);
/* log_to_syslog_later() - does (or will) logging go to syslog? */
bool log_to_syslog_later(void);
void log_stderr_off(void);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool log_enabled(enum log_level lvl);
void log_ratelimit_msg(enum log_level lvl, unsigned *count, time_t *window,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* die() - one clear line, exit 1; for start-up errors only */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* die_perror() - as die(), with ": strerror(errno)" appended */
void die_perror(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define debug(...)	do { if (log_enabled(LOG_LVL_DEBUG))		\
				log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define trace(...)	do { if (log_enabled(LOG_LVL_TRACE))		\
				log_msg(LOG_LVL_TRACE, __VA_ARGS__); } while (0)

/* At most 5 lines a second from each call site, then one "suppressed"
 * line: whichever loops (threads) log there, a guest gets no more lines
 * out of us with more loops (the counters change atomically) */
#define log_ratelimit(lvl, ...)						\
	do {								\
		static unsigned rl_count_;				\
		static time_t rl_window_;				\
		log_ratelimit_msg(lvl, &rl_count_, &rl_window_,		\
				  __VA_ARGS__);				\
	} while (0)
#define warn_rl(...)	log_ratelimit(LOG_LVL_WARN, __VA_ARGS__)
#define info_rl(...)	log_ratelimit(LOG_LVL_INFO, __VA_ARGS__)
#define debug_rl(...)	do { if (log_enabled(LOG_LVL_DEBUG))		\
				log_ratelimit(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

/* Assertion that logs before aborting (libc assert may be filtered later) */
#define ASSERT(x)							\
	do {								\
		if (unlikely(!(x))) {					\
			err("assertion failed: %s at %s:%d", #x,	\
			    __FILE__, __LINE__);			\
			abort();					\
		}							\
	} while (0)

#endif /* TETHER_LOG_H */
