// SPDX-License-Identifier: MIT
/* fdbudget.c - one count of the sockets flows hold (see fdbudget.h) */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "lib/log.h"
#include "lib/util.h"

/**
 * struct fdbudget - the budget
 * @size:	sockets flows may hold (UINT_MAX until fdbudget_init())
 * @used:	sockets they hold
 * @refused:	flows refused because the budget was spent, or socket()
 *		failed for want of fds
 *
 * One budget for every loop: @used and @refused change atomically.
 */
static struct fdbudget {
	unsigned size;
	unsigned used;
	unsigned long refused;
} fb = { .size = UINT_MAX };

/* fds open now: /proc/self/fd, else the lowest free fd as a guess */
static unsigned fdbudget_open_now(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;
	int fd;

	if (d) {
		while (readdir(d))
			n++;
		closedir(d);
		return n > 3 ? n - 3 : 0;	/* ".", "..", the DIR's own */
	}
	fd = dup(0);
	if (fd < 0)
		return 0;
	close(fd);
	return (unsigned)fd;
}

/**
 * fdbudget_init() - size the budget: call once everything fixed is open
 *
 * fds taken from the budget before (pools filled at start-up) stay
 * charged, and are not counted as fixed a second time.
 */
void fdbudget_init(void)
{
	unsigned open = fdbudget_open_now(), fixed;
	struct rlimit rl;

	/* fds already charged (the splice pipe pool) are open too: they are
	 * in the budget, not fixed as well */
	fixed = (open > fb.used ? open - fb.used : 0) + FDBUDGET_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT_MAX)
		rl.rlim_cur = INT_MAX;
	fb.size = rl.rlim_cur > fixed ? (unsigned)(rl.rlim_cur - fixed) : 0;
	debug("fd limit %lu: %u sockets for flows, %u fds fixed or reserved",
	      (unsigned long)rl.rlim_cur, fb.size, fixed);
	if (fb.size < FDBUDGET_RESERVE)
		warn("only %u fds for connections (limit %lu): raise "
		     "RLIMIT_NOFILE", fb.size, (unsigned long)rl.rlim_cur);
}

/* A flow refused for want of fds: count, and say so now and then */
static void fdbudget_refuse(const char *what)
{
	unsigned long r = __atomic_add_fetch(&fb.refused, 1, __ATOMIC_RELAXED);

	warn_rl("%s: no fd for a new flow (%u of %u in use, %lu refused)",
		what, fdbudget_used(), fb.size, r);
}

/**
 * fdbudget_take_n() - take @n fds from the budget for a new flow
 * @n:		how many
 * @what:	who asks (for the log)
 *
 * Return: true if taken; false if not that many left (counted and logged)
 */
bool fdbudget_take_n(unsigned n, const char *what)
{
	unsigned used = __atomic_load_n(&fb.used, __ATOMIC_RELAXED);

	do {
		if (used > fb.size || fb.size - used < n) {
			fdbudget_refuse(what);
			return false;
		}
	} while (!__atomic_compare_exchange_n(&fb.used, &used, used + n, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/**
 * fdbudget_put_n() - give back @n fds taken with fdbudget_take_n()
 * @n:		how many
 */
void fdbudget_put_n(unsigned n)
{
	unsigned used = __atomic_load_n(&fb.used, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&fb.used, &used,
					    used - MIN(n, used), true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/**
 * fdbudget_take() - take one fd from the budget for a new flow's socket
 * @what:	who asks (for the log)
 *
 * Return: true if taken; false if spent (counted and logged)
 */
bool fdbudget_take(const char *what)
{
	return fdbudget_take_n(1, what);
}

/**
 * fdbudget_put() - give back one fd taken with fdbudget_take()
 */
void fdbudget_put(void)
{
	fdbudget_put_n(1);
}

/**
 * fdbudget_socket() - socket() charged to the budget
 * @af, @type, @proto:	socket() arguments
 * @what:		who asks (for the log)
 *
 * Return: fd, or -1 with errno set (EMFILE if the budget is spent)
 */
int fdbudget_socket(int af, int type, int proto, const char *what)
{
	int fd, err;

	if (!fdbudget_take(what)) {
		errno = EMFILE;
		return -1;
	}
	fd = socket(af, type, proto);
	if (fd >= 0)
		return fd;
	err = errno;
	fdbudget_put();
	if (err == EMFILE || err == ENFILE)
		fdbudget_refuse(what);
	errno = err;
	return -1;
}

/**
 * fdbudget_close() - close a socket from fdbudget_socket() (or one that
 * fdbudget_take() paid for) and give its fd back
 * @fd:		the socket
 */
void fdbudget_close(int fd)
{
	close(fd);
	fdbudget_put();
}

/**
 * fdbudget_size() - sockets flows may hold
 *
 * Return: the budget
 */
unsigned fdbudget_size(void)
{
	return fb.size;
}

/**
 * fdbudget_used() - sockets flows hold
 *
 * Return: the count
 */
unsigned fdbudget_used(void)
{
	return __atomic_load_n(&fb.used, __ATOMIC_RELAXED);
}

/**
 * fdbudget_refused() - flows refused for want of fds so far
 *
 * Return: the count
 */
unsigned long fdbudget_refused(void)
{
	return __atomic_load_n(&fb.refused, __ATOMIC_RELAXED);
}
