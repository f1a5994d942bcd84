/* SPDX-License-Identifier: MIT */
/* loop.h - the epoll loop: typed references, dispatch table, periodic work */
#ifndef TETHER_LOOP_H
#define TETHER_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

#include "loop_poll.h"

/* What an epoll event refers to; each type has one registered handler */
enum ep_type {
	EP_NONE,
	EP_TAP,		/* link back-end: tap fd or stream socket */
	EP_TAP_LISTEN,	/* passt: listening UNIX socket */
	EP_VHOST_USER,	/* passt --vhost-user: the front-end's messages */
	EP_TCP,		/* host socket of a tap-side TCP connection */
	EP_TCP_TIMER,	/* timerfd of a TCP connection */
	EP_TCP_LISTEN,	/* forwarded TCP port listener (host or ns side) */
	EP_TCP_SPLICE,	/* socket of a spliced connection */
	EP_UDP,		/* per-flow UDP socket */
	EP_UDP_LISTEN,	/* forwarded UDP port socket */
	EP_PING,	/* ICMP echo socket */
	EP_NSQUIT,	/* netns went away: inotify or polling timer */
	EP_SIGNAL,	/* signalfd: SIGCHLD, SIGTERM... */
	EP_FOLLOW,	/* following the host: netlink, resolv.conf, settle timer */
	EP_EXIT_FD,	/* slirp4netns -e: the caller's exit fd */
	EP_CTL_LISTEN,	/* control plane: -c's socket, slirp4netns's -a */
	EP_CTL_CONN,	/* a connection to one of them */
	EP_INBOX,	/* messages from other loops (loops.c): an eventfd */
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

struct loop;

typedef void (*ep_handler_fn)(struct loop *lp, union ep_ref ref,
			      uint32_t events);
typedef void (*loop_hook_fn)(struct loop *lp);

#define LOOP_HOOKS	16	/* post-batch and timer hooks */

/**
 * struct loop_timer - a periodic hook
 * @fn:		the hook
 * @interval_ms: period
 * @last:	when it last ran
 */
struct loop_timer {
	loop_hook_fn fn;
	unsigned interval_ms;
	struct timespec last;
};

/* The per-loop state of modules above the loop: each module owns its type
 * (only declared here), creates it at start-up and finds it here */
struct flow_table;
struct ingress;
struct tcp_buf;
struct tcp_embryos;
struct tcp_wheel;
struct tcp_loop;
struct tcp_splice_loop;
struct udp_splice_loop;
struct udp_in_loop;
struct udp_loop;
struct icmp_loop;
struct link;
struct egress;
struct loops_set;
struct loop_inbox;

/**
 * struct loop - one event loop, and what the data path keeps per loop:
 * the loop hands itself to every handler, hook and timer, and they hand
 * it down. A second loop (a second queue, on a second core) is a second
 * struct loop with state of its own; nothing per packet lives elsewhere
 * but state about the guest itself (l2/guest.c, the services) and the
 * read-only configuration.
 * @epfd:	epoll instance
 * @stopped:	loop_stop() was called: leave after this batch
 * @status:	exit status given to loop_stop()
 * @now:	CLOCK_MONOTONIC, taken at the start of each batch
 * @handlers:	per enum ep_type
 * @post:	hooks run after each batch, in order
 * @npost:	how many
 * @timers:	periodic hooks, after the post-batch ones
 * @ntimers:	how many
 * @last:	runs after everything else in a batch (flow/ frees slots)
 * @poll:	adaptive polling before sleeping
 * @events:	events handled, per enum ep_type (--stats)
 * @events_shown: @events when --stats last printed them
 * @id:		which loop of its set, 0 for the first (main thread)
 * @set:	the loops it belongs with, NULL if alone (loops.c)
 * @inbox:	messages from other loops (loops.c)
 * @flows:	the flow table (flow/)
 * @link:	the link back-end and its receive batch (link/)
 * @egress:	the frame batch toward the guest (l2/egress.c)
 */
struct loop {
	int epfd;
	bool stopped;
	int status;
	struct timespec now;
	ep_handler_fn handlers[EP_TYPE_NUM_];
	loop_hook_fn post[LOOP_HOOKS];
	int npost;
	struct loop_timer timers[LOOP_HOOKS];
	int ntimers;
	loop_hook_fn last;
	struct loop_poll poll;
	uint64_t events[EP_TYPE_NUM_];
	uint64_t events_shown[EP_TYPE_NUM_];
	unsigned id;
	struct loops_set *set;
	struct loop_inbox *inbox;

	struct flow_table *flows;
	struct link *link;
	struct egress *egress;
	struct ingress *ingress;
	struct tcp_buf *tcp_buf;
	struct tcp_embryos *tcp_embryo;
	struct tcp_wheel *tcp_wheel;
	struct tcp_loop *tcp;
	struct tcp_splice_loop *tcp_splice;
	struct udp_splice_loop *udp_splice;
	struct udp_in_loop *udp_in;
	struct udp_loop *udp;
	struct icmp_loop *icmp;
};

void loop_init(struct loop *lp);
/* loop_stats_every() - --stats: every @seconds, if events came, a table
 * of them by type since the last one (info level) */
void loop_stats_every(struct loop *lp, unsigned seconds);
void loop_handler_set(struct loop *lp, enum ep_type type, ep_handler_fn fn);
/* loop_post_add() - run @fn after every batch of events (flushes, deferred) */
void loop_post_add(struct loop *lp, loop_hook_fn fn);
/* loop_post_last() - run @fn after the post-batch hooks and the timers
 * (the flow table frees the slots closed in the batch: one hook) */
void loop_post_last(struct loop *lp, loop_hook_fn fn);
/* loop_timer_add() - run @fn about every @interval_ms milliseconds (a
 * module initialised again, as the unit tests do, keeps one entry) */
void loop_timer_add(struct loop *lp, loop_hook_fn fn, unsigned interval_ms);

/* loop_alloc() - zeroed, page-aligned memory for a module's per-loop
 * state, at start-up (pages are touched only when used); dies if none.
 * loop_free() gives back what it returned, of @size bytes. */
void *loop_alloc(size_t size, const char *what);
void loop_free(void *p, size_t size);
/* loop_state_new() - a new zeroed state in @member, a pointer member of
 * struct loop, the one it held freed (a module started again, as the unit
 * tests do). Return: the new state */
#define loop_state_new(member, what)					\
	(loop_free((member), sizeof(*(member))),			\
	 (member) = loop_alloc(sizeof(*(member)), (what)))

/* Return 0 or -errno */
int loop_add(struct loop *lp, int fd, uint32_t events, union ep_ref ref);
int loop_mod(struct loop *lp, int fd, uint32_t events, union ep_ref ref);
void loop_del(struct loop *lp, int fd);

/* loop_run() - dispatch events until loop_stop(), even one called before */
void loop_run(struct loop *lp);
void loop_stop(struct loop *lp, int status);
/* loop_poll_max() - poll at most @usec before sleeping (adaptive), 0: never */
void loop_poll_max(struct loop *lp, unsigned usec);

static inline union ep_ref ep_ref_make(enum ep_type type, int fd, uint32_t idx)
{
	union ep_ref r = { .u64 = 0 };

	r.type = type;
	r.fd = fd;
	r.idx = idx;
	return r;
}

#endif /* TETHER_LOOP_H */
