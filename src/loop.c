// SPDX-License-Identifier: MIT
/* loop.c - the epoll loop: typed references, dispatch table, periodic work */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "loop_poll.h"

#define LOOP_EVENTS	64	/* events taken per epoll_wait() */

static const char *const ep_type_str[] = {
	[EP_NONE] = "none", [EP_TAP] = "tap", [EP_TAP_LISTEN] = "tap listen",
	[EP_VHOST_USER] = "vhost-user",
	[EP_TCP] = "tcp", [EP_TCP_TIMER] = "tcp timer",
	[EP_TCP_LISTEN] = "tcp listen", [EP_TCP_SPLICE] = "tcp splice",
	[EP_UDP] = "udp", [EP_UDP_LISTEN] = "udp listen", [EP_PING] = "ping",
	[EP_NSQUIT] = "netns quit", [EP_SIGNAL] = "signal",
	[EP_FOLLOW] = "follow",
	[EP_EXIT_FD] = "exit fd",
	[EP_CTL_LISTEN] = "ctl listen",
	[EP_CTL_CONN] = "ctl conn",
	[EP_INBOX] = "inbox",
};
_Static_assert(ARRAY_SIZE(ep_type_str) == EP_TYPE_NUM_, "ep_type names");

void loop_init(struct loop *lp)
{
	memset(lp, 0, sizeof(*lp));
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd < 0)
		die_perror("epoll_create1");
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
}

void *loop_alloc(size_t size, const char *what)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die_perror("no memory for the %s (%zu KiB)", what, size >> 10);
	return p;
}

void loop_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

void loop_handler_set(struct loop *lp, enum ep_type type, ep_handler_fn fn)
{
	ASSERT(type < EP_TYPE_NUM_);
	lp->handlers[type] = fn;
}

void loop_post_last(struct loop *lp, loop_hook_fn fn)
{
	lp->last = fn;
}

void loop_post_add(struct loop *lp, loop_hook_fn fn)
{
	ASSERT(lp->npost < LOOP_HOOKS);
	lp->post[lp->npost++] = fn;
}

void loop_timer_add(struct loop *lp, loop_hook_fn fn, unsigned interval_ms)
{
	int i;

	for (i = 0; i < lp->ntimers; i++) {
		if (lp->timers[i].fn == fn) {	/* again: a new interval */
			lp->timers[i].interval_ms = interval_ms;
			return;
		}
	}
	ASSERT(lp->ntimers < LOOP_HOOKS);
	lp->timers[lp->ntimers].fn = fn;
	lp->timers[lp->ntimers].interval_ms = interval_ms;
	lp->timers[lp->ntimers].last = lp->now;
	lp->ntimers++;
}

int loop_add(struct loop *lp, int fd, uint32_t events, union ep_ref ref)
{
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

int loop_mod(struct loop *lp, int fd, uint32_t events, union ep_ref ref)
{
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	return 0;
}

void loop_del(struct loop *lp, int fd)
{
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void loop_poll_max(struct loop *lp, unsigned usec)
{
	lp->poll.max_ns = (int64_t)usec * 1000;
	lp->poll.ns = 0;
}

/* loop_wait() - epoll_wait(), polling first while the window is open; the
 * window adapts to how long the wait took in all, polling included */
static int loop_wait(struct loop *lp, struct epoll_event *ev, int timeout)
{
	struct timespec t0, t;
	int n;

	if (!timeout || !lp->poll.max_ns)
		return epoll_wait(lp->epfd, ev, LOOP_EVENTS, timeout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (lp->poll.ns) {
		do {
			n = epoll_wait(lp->epfd, ev, LOOP_EVENTS, 0);
			if (n)
				return n;
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (ts_ns_diff(&t, &t0) < lp->poll.ns);
	}
	n = epoll_wait(lp->epfd, ev, LOOP_EVENTS, timeout);
	clock_gettime(CLOCK_MONOTONIC, &t);
	loop_poll_update(&lp->poll, ts_ns_diff(&t, &t0), n > 0);
	return n;
}

void loop_stop(struct loop *lp, int status)
{
	lp->stopped = true;
	lp->status = status;
}

/* Milliseconds until the next timer hook is due, for epoll_wait() */
static int loop_timeout(const struct loop *lp)
{
	int64_t t = 1000;
	int i;

	for (i = 0; i < lp->ntimers; i++) {
		int64_t due = lp->timers[i].interval_ms -
			      ts_ms_diff(&lp->now, &lp->timers[i].last);
		t = MIN(t, MAX(due, 0));
	}
	return (int)t;
}

static void loop_timers_run(struct loop *lp)
{
	int i;

	for (i = 0; i < lp->ntimers; i++) {
		struct loop_timer *t = &lp->timers[i];

		if (ts_ms_diff(&lp->now, &t->last) >= (int64_t)t->interval_ms) {
			t->last = lp->now;
			t->fn(lp);
		}
	}
}

void loop_run(struct loop *lp)
{
	struct epoll_event ev[LOOP_EVENTS];

	/* loop_stop() may come before we start (the command that ended
	 * before its namespace was released, a start-up race): then one
	 * pass over what is ready, without waiting, and out */
	do {
		int n, i;

		n = loop_wait(lp, ev, lp->stopped ? 0 : loop_timeout(lp));
		if (n < 0 && errno != EINTR)
			die_perror("epoll_wait");
		clock_gettime(CLOCK_MONOTONIC, &lp->now);

		for (i = 0; i < n; i++) {
			union ep_ref ref = { .u64 = ev[i].data.u64 };
			ep_handler_fn fn = ref.type < EP_TYPE_NUM_ ?
					   lp->handlers[ref.type] : NULL;

			if (unlikely(!fn)) {
				warn_rl("no handler for %s event on fd %d",
					ref.type < EP_TYPE_NUM_ ?
					ep_type_str[ref.type] : "?", ref.fd);
				continue;
			}
			trace("%s event 0x%x on fd %d", ep_type_str[ref.type],
			      ev[i].events, ref.fd);
			lp->events[ref.type]++;
			fn(lp, ref, ev[i].events);
		}

		for (i = 0; i < lp->npost; i++)
			lp->post[i](lp);
		loop_timers_run(lp);
		if (lp->last)
			lp->last(lp);
	} while (!lp->stopped);
	/* the stop is consumed: a later loop_run() (tests step the loop
	 * one batch at a time this way) runs again */
	lp->stopped = false;
}

/* --stats: the events of each type since the last table, if any */
static void loop_stats_show(struct loop *lp)
{
	char head[512] = "", row[512] = "";
	size_t h = 0, r = 0;
	unsigned t;

	for (t = EP_NONE + 1; t < EP_TYPE_NUM_; t++) {
		uint64_t n = lp->events[t] - lp->events_shown[t];
		int w;

		if (!n || h >= sizeof(head) - 64 || r >= sizeof(row) - 64)
			continue;
		w = MAX((int)strlen(ep_type_str[t]), 8);
		h += (size_t)snprintf(head + h, sizeof(head) - h, " %*s", w,
				      ep_type_str[t]);
		r += (size_t)snprintf(row + r, sizeof(row) - r, " %*llu", w,
				      (unsigned long long)n);
	}
	if (!h)
		return;		/* nothing happened: nothing to say */
	memcpy(lp->events_shown, lp->events, sizeof(lp->events));
	info("events:%s", head);
	info("       %s", row);
}

/**
 * loop_stats_every() - print the events by type every @seconds (--stats)
 * @lp:		loop
 * @seconds:	interval, 0 for never
 */
void loop_stats_every(struct loop *lp, unsigned seconds)
{
	if (seconds)
		loop_timer_add(lp, loop_stats_show, seconds * 1000U);
}
