/* SPDX-License-Identifier: MIT */
/* fwd.h - port forwarding: rules to listening sockets, both directions */
#ifndef TETHER_FWD_H
#define TETHER_FWD_H

#include <stdint.h>

#include "conf/conf.h"
#include "lib/inany.h"
#include "loop.h"

/*
 * fwd_init() - open the listening sockets of every -t/-u (host side) and
 * -T/-U (namespace side) rule, start the "auto" scanner, set up the
 * loopback fast path. An explicit port that can't be bound is fatal:
 * call before the parent of a daemon exits (proc_ready()).
 */
void fwd_init(struct loop *lp, const struct conf *c);

/* fwd_opt_name() - "-t", "-u", "-T" or "-U" for a kind of rule */
const char *fwd_opt_name(unsigned kind);

/* fwd_listeners() - listening sockets open now, for logs and tests */
unsigned fwd_listeners(void);

/**
 * struct fwd_rule_rt - a rule added while running (slirp4netns's API
 * socket): ports @first..@last of one kind, to @tfirst.. on the other side
 * @kind:	enum conf_fwd_kind
 * @has_addr:	listen on @addr only (else every address, as -t PORT)
 * @addr:	listening address
 * @first:	first port
 * @last:	last port
 * @tfirst:	target of @first
 * @has_taddr:	send to @taddr on the other side, not to the guest's own
 *		address
 * @taddr:	that address
 */
struct fwd_rule_rt {
	unsigned kind;
	bool has_addr;
	union inany addr;
	uint16_t first;
	uint16_t last;
	uint16_t tfirst;
	bool has_taddr;
	union inany taddr;
};

#define FWD_RT_COUNT_MAX	128	/* rules added at run time, at most */

/*
 * fwd_rt_add() - bind the listeners of @r, all or none; @id is its number
 * Return: 0, -EADDRINUSE if it overlaps a rule, -ENOSPC if the table is
 * full, -EINVAL for a bad rule, or the bind error
 */
int fwd_rt_add(struct loop *lp, const struct fwd_rule_rt *r, uint32_t *id);
/* fwd_rt_del() - close the listeners of rule @id (its connections go on);
 * Return: 0 or -ENOENT */
int fwd_rt_del(struct loop *lp, uint32_t id);
/* fwd_rt_get() - the @i-th rule added at run time, in the order added;
 * Return: false past the last */
bool fwd_rt_get(unsigned i, struct fwd_rule_rt *r, uint32_t *id);

#endif /* TETHER_FWD_H */
