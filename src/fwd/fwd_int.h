/* SPDX-License-Identifier: MIT */
/* fwd_int.h - port forwarding internals: don't include outside fwd/ */
#ifndef TETHER_FWD_INT_H
#define TETHER_FWD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "conf/fwd_spec.h"
#include "fwd/fwd.h"
#include "loop.h"

#define FWD_LISTEN_MAX	(1U << 17)	/* listening sockets, all rules */
#define FWD_SCAN_MS	500		/* "auto" scan and housekeeping */
#define FWD_FD_RESERVE_MIN	256	/* fds kept from implicit listeners */

/* Rules added at run time (fwd_rt_add()) take rule numbers from here */
#define FWD_RT_BASE	CONF_FWD_SPECS_MAX
#define FWD_RT_MAX	FWD_RT_COUNT_MAX

/**
 * struct fwd_rt - a rule added at run time, one address and port range
 * @used:	slot taken
 * @r:		the rule, as given
 * @id:		its number for the client (1, 2, ...)
 */
struct fwd_rt {
	bool used;
	struct fwd_rule_rt r;
	uint32_t id;
};

/* enum fwd_lflag - listener conditions */
enum fwd_lflag {
	FWD_L_PAUSED	= 1 << 0,	/* out of fds: not polled for now */
};

/**
 * struct fwd_listener - one listening socket of a rule
 * @fd:		socket, -1 if the slot is free
 * @ino:	its inode, to recognise it in /proc/net
 * @next:	next listener of the same kind and port (index + 1, 0:
 *		none), or the free list
 * @port:	port it listens on
 * @kind:	enum conf_fwd_kind
 * @rule:	index of the rule in conf->fwd.rule[kind]
 * @af:		socket family
 * @flags:	enum fwd_lflag
 */
struct fwd_listener {
	int fd;
	uint32_t ino;
	uint32_t next;
	uint16_t port;
	uint8_t kind;
	uint8_t rule;
	uint8_t af;
	uint8_t flags;
};

/**
 * struct fwd_state - forwarding state shared by fwd/ files
 * @rules:	the -t/-u/-T/-U rules (read-only, live as long as we do)
 * @pasta:	pasta mode: there is a namespace
 * @splice:	loopback fast path on (pasta without --no-splice)
 * @lo_to_lo:	--host-lo-to-ns-lo (and --splice-only)
 * @splice_all:	--splice-only: every client takes the fast path
 * @v4, @v6:	families enabled
 * @freebind:	--freebind: IP_FREEBIND on listeners bound to an address
 * @l:		listeners
 * @head:	first listener per kind and port (index + 1, 0: none)
 * @free_head:	free slots (index + 1, 0: none)
 * @hwm:	slots from here on were never used
 * @count:	listeners open
 * @paused:	listeners with FWD_L_PAUSED
 * @fd_cap:	"all" and "auto" listeners don't take fds from here on: the
 *		rest is kept for connections and the loop
 * @rt:		rules added at run time, rule numbers FWD_RT_BASE + index
 * @rt_id:	last id given to one
 */
struct fwd_state {
	const struct conf_fwd *rules;
	bool pasta;
	bool splice;
	bool lo_to_lo;
	bool splice_all;
	bool v4;
	bool v6;
	bool freebind;
	struct fwd_listener l[FWD_LISTEN_MAX];
	uint32_t head[FWD_KIND_NUM_][FWD_PORTS];
	uint32_t free_head;
	uint32_t hwm;
	unsigned count;
	unsigned paused;
	int fd_cap;
	struct fwd_rt rt[FWD_RT_MAX];
	uint32_t rt_id;
};

extern struct fwd_state fwd;

static inline bool fwd_kind_ns(unsigned kind)
{
	return kind == FWD_TCP_OUT || kind == FWD_UDP_OUT;
}

static inline bool fwd_kind_udp(unsigned kind)
{
	return kind == FWD_UDP_IN || kind == FWD_UDP_OUT;
}

/* A rule of the command line (not one added at run time) */
static inline const struct fwd_spec *fwd_rule(unsigned kind, unsigned rule)
{
	return fwd.rules->rule[kind][rule];
}

static inline bool fwd_rule_is_rt(unsigned rule)
{
	return rule >= FWD_RT_BASE;
}

/* A rule added at run time, by its rule number (fwd_rule_is_rt()) */
static inline const struct fwd_rule_rt *fwd_rule_rt_at(unsigned rule)
{
	return &fwd.rt[rule - FWD_RT_BASE].r;
}

/* Target address of @port for a rule of either origin, NULL: the
 * guest's own */
static inline const union inany *fwd_rule_taddr(unsigned kind, unsigned rule,
						uint16_t port)
{
	const struct fwd_rule_rt *r;

	if (!fwd_rule_is_rt(rule))
		return fwd_spec_taddr(fwd_rule(kind, rule), port);
	r = fwd_rule_rt_at(rule);
	return r->has_taddr ? &r->taddr : NULL;
}

/* Target port of @port for a rule of either origin */
static inline uint16_t fwd_rule_target(unsigned kind, unsigned rule,
				       uint16_t port)
{
	const struct fwd_rule_rt *r;

	if (!fwd_rule_is_rt(rule))
		return fwd_spec_target(fwd_rule(kind, rule), port);
	r = fwd_rule_rt_at(rule);
	return (uint16_t)(r->tfirst + (port - r->first));
}

/* fwd.c */
struct fwd_listener *fwd_listener_at(uint32_t idx, int fd);
/* How fwd_listen() may fail: dying (explicit port of the command line),
 * with the fd reserve (explicit), or as "all" and "auto" ports do */
enum fwd_how {
	FWD_IMPLICIT,
	FWD_EXPLICIT,
	FWD_EXPLICIT_DIE,
};
int fwd_listen(struct loop *lp, unsigned kind, unsigned rule, uint16_t port,
	       enum fwd_how how);
void fwd_unlisten(struct loop *lp, unsigned kind, unsigned rule, uint16_t port);
bool fwd_listening(unsigned kind, unsigned rule, uint16_t port);
bool fwd_is_ours(unsigned kind, uint16_t port, uint32_t ino);
void fwd_pause(struct loop *lp, struct fwd_listener *l);

/* fwd_conn.c */
void fwd_conn_init(struct loop *lp);

/* fwd_auto.c */
void fwd_auto_init(struct loop *lp);
void fwd_auto_scan(struct loop *lp);

#endif /* TETHER_FWD_INT_H */
