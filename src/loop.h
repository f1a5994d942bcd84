/* SPDX-License-Identifier: MIT */
/* loop.h - the epoll loop: typed references, dispatch table, periodic work */
#ifndef TETHER_LOOP_H
#define TETHER_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

/* What an epoll event refers to; each type has one registered handler */
enum ep_type {
	EP_NONE,
	EP_TAP,		/* link back-end: tap fd or stream socket */
	EP_TAP_LISTEN,	/* passt: listening UNIX socket */
	EP_TCP,		/* host socket of a tap-side TCP connection */
	EP_TCP_TIMER,	/* timerfd of a TCP connection */
	EP_TCP_LISTEN,	/* forwarded TCP port listener (host or ns side) */
	EP_TCP_SPLICE,	/* socket of a spliced connection */
	EP_UDP,		/* per-flow UDP socket */
	EP_UDP_LISTEN,	/* forwarded UDP port socket */
	EP_PING,	/* ICMP echo socket */
	EP_NSQUIT,	/* netns went away: inotify or polling timer */
	EP_SIGNAL,	/* signalfd: SIGCHLD, SIGTERM... */
	EP_NETLINK,	/* netlink notifications */
	EP_TYPE_NUM_,
};

/**
 * union ep_ref - what epoll_data.u64 carries
 * @type:	enum ep_type
 * @side:	which side of a flow (0/1), for spliced connections
 * @idx:	flow or table index within the owning module (up to 2^23)
 * @fd:		the file descriptor
 */
union ep_ref {
	struct {
		uint32_t type:8;
		uint32_t side:1;
		uint32_t idx:23;
		int32_t fd;
	};
	uint64_t u64;
};
_Static_assert(sizeof(union ep_ref) == sizeof(uint64_t), "ep_ref size");

typedef void (*ep_handler_fn)(union ep_ref ref, uint32_t events,
			      const struct timespec *now);
typedef void (*loop_hook_fn)(const struct timespec *now);
typedef void (*loop_hook0_fn)(void);

void loop_init(void);
void loop_handler_set(enum ep_type type, ep_handler_fn fn);
/* loop_post_add() - run @fn after every batch of events (flushes, deferred) */
void loop_post_add(loop_hook_fn fn);
/* loop_post_last() - run @fn after the post-batch hooks and the timers
 * (the flow table frees the slots closed in the batch: one hook) */
void loop_post_last(loop_hook0_fn fn);
/* loop_timer_add() - run @fn about every @interval_ms milliseconds (a
 * module initialised again, as the unit tests do, keeps one entry) */
void loop_timer_add(loop_hook_fn fn, unsigned interval_ms);

/* Return 0 or -errno */
int loop_add(int fd, uint32_t events, union ep_ref ref);
int loop_mod(int fd, uint32_t events, union ep_ref ref);
void loop_del(int fd);

/* loop_run() - dispatch events until loop_stop(), even one called before */
void loop_run(void);
void loop_stop(int status);
/* loop_poll_max() - poll at most @usec before sleeping (adaptive), 0: never */
void loop_poll_max(unsigned usec);
int loop_status(void);
/* loop_now() - time taken at the start of the current batch */
const struct timespec *loop_now(void);

static inline union ep_ref ep_ref_make(enum ep_type type, int fd, uint32_t idx)
{
	union ep_ref r = { .u64 = 0 };

	r.type = type;
	r.fd = fd;
	r.idx = idx;
	return r;
}

#endif /* TETHER_LOOP_H */
