/* SPDX-License-Identifier: MIT */
/* flow.h - the flow table: every flow of every translator, in one place */
#ifndef TETHER_FLOW_H
#define TETHER_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/inany.h"
#include "lib/log.h"
#include "loop.h"

/*
 * DOC: one table holds every flow tether translates, whatever its kind:
 * TCP via the tap, spliced TCP, UDP bindings, forwarded UDP via the tap,
 * spliced UDP, ICMP echo. A slot is FLOW_SLOT_SIZE bytes; each
 * translator's record starts with struct flow_common (kind, both sides'
 * addresses and ports, last activity) and asserts that it fits, so this
 * module knows no translator's type and the translators depend on it, not
 * the other way round.
 *
 * One free list (then slots never used: pages of the table are touched
 * only as far as flows have reached), one cap per kind (its own table
 * size before, so behaviour when full is unchanged: the translator
 * refuses or evicts, and flow/ counts it), a list of each kind's open
 * flows (so that the idle scan, the search for the oldest and a listing
 * of one kind cost what that kind holds, not the whole table), one idle
 * scan (every FLOW_SCAN_MS, the kinds with an idle timeout, closing
 * through their close function), one counter set, and the hash index
 * from the guest-side tuple to the flow. A closed flow keeps its slot,
 * marked closed, until the end of the loop's batch, so that events of
 * the same batch that still carry its index find it closed, not reused.
 *
 * Log lines about a flow carry "flow IDX KIND": its whole life can be
 * followed with one grep.
 */

/* enum flow_kind - what a slot holds (names: flow_kind_name()) */
enum flow_kind {
	FLOW_NONE,
	FLOW_TCP,		/* TCP via the tap (l4/tcp*.c) */
	FLOW_TCP_SPLICE,	/* TCP between two sockets (tcp_splice.c) */
	FLOW_UDP,		/* a guest's UDP port and its socket (udp.c) */
	FLOW_UDP_IN,		/* forwarded UDP port via the tap (udp_inbound.c) */
	FLOW_UDP_SPLICE,	/* forwarded UDP port, spliced (udp_splice.c) */
	FLOW_PING,		/* ICMP echo (icmp.c) */
	FLOW_KIND_NUM_,
};

/**
 * struct flow_key - a flow as the index knows it
 * @gaddr:	side 0: the guest's address (spliced: the client's)
 * @raddr:	side 1: the peer, as side 0 addresses it
 * @gport:	side 0's port (ICMP: echo id)
 * @rport:	side 1's port (ICMP: 0)
 * @proto:	IPPROTO_*, or a FLOW_KEY_* class
 */
struct flow_key {
	union inany gaddr;
	union inany raddr;
	uint16_t gport;
	uint16_t rport;
	uint8_t proto;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed whole");

/*
 * FLOW_KEY_* - key classes for @proto of flows that aren't a guest's
 * tuple: namespaces of keys, not wire protocols. Flows keyed by a real
 * protocol are TCP, UDP, ICMP and ICMPv6 only, so a class never collides
 * with them (253 and 254 are the IANA experimental numbers anyway).
 */
#define FLOW_KEY_UDP_SPLICE	0xfd	/* udp_splice.c: client, listener */

/**
 * struct flow_common - what every flow record starts with
 * @key:	both sides (the fields below alias it)
 * @kind:	enum flow_kind, FLOW_NONE if free
 * @closed:	closed in this batch: the slot is freed after it
 * @hashed:	@key is in the index
 * @idx:	the slot's index: epoll references and log lines carry it
 * @prev, @next: open: the kind's list; free or closed: @next links the
 *		free or closed list (flow/ only)
 * @last:	last activity, seconds (CLOCK_MONOTONIC)
 */
struct flow_common {
	union {
		struct flow_key key;
		struct {
			union inany gaddr;
			union inany raddr;
			uint16_t gport;
			uint16_t rport;
			uint8_t proto;
			uint8_t kpad_[3];
		};
	};
	uint8_t kind;
	uint8_t closed;
	uint8_t hashed;
	uint8_t pad_;
	uint32_t idx;
	uint32_t prev;
	uint32_t next;
	uint32_t last;
	uint32_t born;
	uint64_t bytes[2];
	uint64_t frames[2];
};

/* Directions of a flow's counters: from the guest (or a spliced flow's
 * client) toward the other side, and back */
#define FLOW_OUT	0
#define FLOW_IN		1

/* flow_io() - @frames frames (datagrams, segments) and @bytes of payload
 * went @dir (FLOW_OUT or FLOW_IN): the listing's counters */
static inline void flow_io(struct flow_common *f, int dir, uint64_t bytes,
			   uint64_t frames)
{
	f->bytes[dir] += bytes;
	f->frames[dir] += frames;
}

#define FLOW_SLOT_SIZE	256	/* bytes; every record asserts it fits */
/* Slots: the sum of the kinds' caps (each kind's table size before), and
 * room for flows closed in a batch (their slots are freed after it) while
 * the kinds that closed them open new ones (eviction) */
#define FLOW_SLOTS_SLACK 4096
#define FLOW_SLOTS	(65536 + 4096 + 4096 + 1024 + 512 + 1024 + \
			 FLOW_SLOTS_SLACK)
#define FLOW_NONE_IDX	UINT32_MAX	/* "no flow" in index links */
#define FLOW_SCAN_MS	1000	/* idle scan tick */

#define FLOW_HASH_BITS	18
#define FLOW_HASH_SIZE	(1U << FLOW_HASH_BITS)	/* entries, kept <= 70% full */
#define FLOW_MAX	(FLOW_HASH_SIZE * 7 / 10)
_Static_assert(FLOW_SLOTS <= FLOW_MAX, "the index holds every flow");
_Static_assert(FLOW_SLOTS < (1U << 23), "flow index fits ep_ref.idx");

/**
 * struct flow_kind_ops - what the table needs to know of a kind (its name
 * is flow_kind_name()'s)
 * @size:	record size (zeroed on allocation)
 * @cap:	flows of this kind at most (flow_kind_cap() may lower it)
 * @idle_s:	close flows idle this long (0: the kind times out itself)
 * @close:	close a flow for the idle scan (must call flow_close())
 * @state:	the flow's state in a word, for listings (NULL: none)
 * @host_fd:	the flow's socket toward the host's network (-1: none), for
 *		flow_abort_gone() (NULL: the kind never uses the host's
 *		addresses, spliced ones)
 * @abort:	end a flow whose host address went: RST or nothing to the
 *		guest, as the kind does on a failed socket (must call
 *		flow_close())
 */
struct flow_kind_ops {
	size_t size;
	unsigned cap;
	unsigned idle_s;
	void (*close)(struct loop *lp, struct flow_common *f);
	const char *(*state)(const struct flow_common *f);
	int (*host_fd)(const struct flow_common *f);
	void (*abort)(struct loop *lp, struct flow_common *f);
};

/**
 * struct flow_stats - counters of one kind
 * @live:	flows open now
 * @opened:	flows opened since start
 * @refused:	flows refused: kind at its cap
 * @idle:	flows closed by the idle scan
 */
struct flow_stats {
	unsigned live;
	uint64_t opened;
	uint64_t refused;
	uint64_t idle;
};

/* flow_init() - @lp's flow table, empty (once per loop) */
void flow_init(struct loop *lp);
void flow_kind_register(struct loop *lp, enum flow_kind kind,
			const struct flow_kind_ops *ops);
void flow_kind_cap(struct loop *lp, enum flow_kind kind, unsigned cap);
unsigned flow_kind_cap_get(const struct loop *lp, enum flow_kind kind);
const char *flow_kind_name(unsigned kind);

/* flow_alloc() - a zeroed record of @kind, NULL (counted) at its cap */
void *flow_alloc(struct loop *lp, enum flow_kind kind);
/* flow_close() - out of the index now, slot freed after the batch */
void flow_close(struct loop *lp, struct flow_common *f);
/* flow_open_sock() - @f into the index and its socket @fd into the loop
 * (EPOLLIN, @ref); on failure neither. Return: 0 or -errno */
int flow_open_sock(struct loop *lp, struct flow_common *f, int fd,
		   union ep_ref ref);
/* flow_close_sock() - a flow that owns one socket: out of the loop, back
 * to the fd budget, *@fd set to -1, flow_close() */
void flow_close_sock(struct loop *lp, struct flow_common *f, int *fd);
/* flow_reap() - free the slots closed in this batch (the loop calls it) */
void flow_reap(struct loop *lp);
void flow_idle_scan(struct loop *lp);

struct flow_common *flow_at(const struct loop *lp, uint32_t idx);

static inline uint32_t flow_idx(const struct flow_common *f)
{
	return f->idx;
}

/* flow_get() - open flow @idx if it is of @kind, else NULL */
static inline void *flow_get(const struct loop *lp, uint32_t idx,
			     enum flow_kind kind)
{
	struct flow_common *f = flow_at(lp, idx);

	return f && f->kind == kind && !f->closed ? f : NULL;
}

static inline void flow_touch(const struct loop *lp, struct flow_common *f)
{
	f->last = (uint32_t)lp->now.tv_sec;
}

/* flow_oldest() - the open flow of @kind idle longest, NULL if none */
struct flow_common *flow_oldest(const struct loop *lp, enum flow_kind kind);
/* flow_foreach() - call @fn for every open flow, in slot order */
void flow_foreach(struct loop *lp,
		  void (*fn)(struct loop *lp, struct flow_common *f, void *arg),
		  void *arg);
void flow_foreach_kind(struct loop *lp, enum flow_kind kind,
		       void (*fn)(struct loop *lp, struct flow_common *f,
				  void *arg),
		       void *arg);
const struct flow_stats *flow_stats(const struct loop *lp,
				    enum flow_kind kind);
unsigned flow_count(const struct loop *lp);
/*
 * flow_abort_gone() - the host's addresses changed: end every flow whose
 * host socket is bound to an address @gone() says is no more (kinds with
 * @host_fd and @abort). Return: how many were ended
 */
unsigned flow_abort_gone(struct loop *lp,
			 bool (*gone)(const union inany *a, void *arg),
			 void *arg);
/* flow_state() - the state word of @f's kind, NULL if it has none */
const char *flow_state(const struct loop *lp, const struct flow_common *f);

/* The index (flow_index.c): @f->key to @f */
static inline void flow_key_set(struct flow_key *k, uint8_t proto,
				const union inany *gaddr, uint16_t gport,
				const union inany *raddr, uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	k->gaddr = *gaddr;
	k->raddr = *raddr;
	k->gport = gport;
	k->rport = rport;
	k->proto = proto;
}

/* Return: 0, -EEXIST, or -ENOSPC when the index is full */
int flow_hash_insert(struct loop *lp, struct flow_common *f);
void flow_hash_remove(struct loop *lp, struct flow_common *f);
/* Return: the open flow with key @k, or NULL */
struct flow_common *flow_lookup(const struct loop *lp,
				const struct flow_key *k);
unsigned flow_hash_count(const struct loop *lp);

/* Log with the flow's index, kind and sides. @lvl is a log macro (debug,
 * debug_rl, warn_rl, trace...): those below warnings check the level
 * first, so the arguments are only evaluated if printed */
#define flow_log(lvl, f, fmt, ...)					\
	do {								\
		const struct flow_common *f_ = (f);			\
		char ga_[INANY_STRLEN], ra_[INANY_STRLEN];		\
		lvl("flow %u %s [%s]:%u -> [%s]:%u: " fmt,		\
		    flow_idx(f_), flow_kind_name(f_->kind),		\
		    inany_ntop(&f_->gaddr, ga_, sizeof(ga_)), f_->gport, \
		    inany_ntop(&f_->raddr, ra_, sizeof(ra_)), f_->rport, \
		    ##__VA_ARGS__);					\
	} while (0)
#define flow_dbg(f, ...)	flow_log(debug_rl, f, __VA_ARGS__)
/* A flow's life at -d, every event once, not rate-limited: open with both
 * sides, state changes, close with the reason (each flow has a handful) */
#define flow_event(f, ...)	flow_log(debug, f, __VA_ARGS__)
#define flow_trace(f, ...)	flow_log(trace, f, __VA_ARGS__)
#define flow_warn(f, ...)	flow_log(warn_rl, f, __VA_ARGS__)

#endif /* TETHER_FLOW_H */
