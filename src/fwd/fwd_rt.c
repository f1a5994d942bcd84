// SPDX-License-Identifier: MIT
/* fwd_rt.c - forwarding rules added and removed while running */
#include <errno.h>
#include <string.h>

#include "fwd/fwd.h"
#include "fwd/fwd_int.h"
#include "lib/log.h"

/*
 * DOC: a client of the control plane (slirp4netns's API socket) adds a
 * rule for a range of ports of one kind, on one address or all: its
 * listeners are bound before the reply, all of them or none (the first
 * failure closes what was bound and is the answer). A rule may not
 * overlap another added one or an explicit one of the command line: same
 * kind, a port in common, and the same address or a wildcard on either
 * side ("auto" and "all" take only ports that are free, so a port they
 * hold fails the bind instead).
 * Removing a rule closes its listeners; connections already accepted go
 * on to their end, as for pasta's rules. Rule numbers FWD_RT_BASE and up
 * are these, so a listener's rule tells where its target port comes
 * from (fwd_rule_target()).
 */

/* Do the address parts of two rules meet? */
static bool fwd_rt_addr_meet(bool ha, const union inany *a, bool hb,
			     const union inany *b)
{
	return !ha || !hb || inany_equals(a, b);
}

/* Does @r overlap a rule already there? */
static bool fwd_rt_overlaps(const struct fwd_rule_rt *r)
{
	unsigned port, i;
	int j;

	for (j = 0; j < fwd.rules->n[r->kind]; j++) {
		const struct fwd_spec *fs = fwd_rule(r->kind, (unsigned)j);

		/* "auto" and "all" ports are taken where they are free:
		 * a port of theirs in use fails its bind, and says so */
		if (fs->mode != FWD_MODE_LIST ||
		    !fwd_rt_addr_meet(fs->has_addr, &fs->addr, r->has_addr,
				      &r->addr))
			continue;
		for (port = r->first; port <= r->last; port++) {
			if (fwd_spec_has(fs, (uint16_t)port))
				return true;
		}
	}
	for (i = 0; i < FWD_RT_MAX; i++) {
		const struct fwd_rt *o = &fwd.rt[i];

		if (o->used && o->r.kind == r->kind &&
		    r->first <= o->r.last && o->r.first <= r->last &&
		    fwd_rt_addr_meet(o->r.has_addr, &o->r.addr, r->has_addr,
				     &r->addr))
			return true;
	}
	return false;
}

static void fwd_rt_unlisten(struct loop *lp, unsigned i, unsigned upto)
{
	const struct fwd_rule_rt *r = &fwd.rt[i].r;
	unsigned port;

	for (port = r->first; port < upto; port++)
		fwd_unlisten(lp, r->kind, FWD_RT_BASE + i, (uint16_t)port);
}

/**
 * fwd_rt_add() - bind the listeners of a new rule, all or none
 * @lp:		loop
 * @r:		the rule
 * @id:		its number, on success
 *
 * Return: 0, -EINVAL, -EADDRINUSE (overlap), -ENOSPC (table full), or
 * the error of the first listener that couldn't be bound
 */
int fwd_rt_add(struct loop *lp, const struct fwd_rule_rt *r, uint32_t *id)
{
	unsigned i, port;
	int rc;

	if (r->kind >= FWD_KIND_NUM_ || fwd_kind_ns(r->kind) || !r->first ||
	    r->last < r->first || !r->tfirst ||
	    (unsigned)r->tfirst + (r->last - r->first) > 65535)
		return -EINVAL;
	if ((r->has_addr && (inany_is_v4(&r->addr) ? !fwd.v4 : !fwd.v6)))
		return -EAFNOSUPPORT;
	if (r->has_addr && r->has_taddr &&
	    inany_is_v4(&r->addr) != inany_is_v4(&r->taddr))
		return -EINVAL;		/* no NAT between families */
	if (fwd_rt_overlaps(r))
		return -EADDRINUSE;
	for (i = 0; i < FWD_RT_MAX && fwd.rt[i].used; i++)
		;
	if (i == FWD_RT_MAX)
		return -ENOSPC;

	fwd.rt[i].r = *r;
	fwd.rt[i].used = true;
	for (port = r->first; port <= r->last; port++) {
		rc = fwd_listen(lp, r->kind, FWD_RT_BASE + i, (uint16_t)port,
				FWD_EXPLICIT);
		if (rc) {
			fwd_rt_unlisten(lp, i, port);
			fwd.rt[i].used = false;
			return rc;
		}
	}
	fwd.rt[i].id = *id = ++fwd.rt_id;
	debug("forwarding: rule %u added, %s ports %u-%u to %u-", *id,
	      fwd_opt_name(r->kind), r->first, r->last, r->tfirst);
	return 0;
}

/**
 * fwd_rt_del() - remove rule @id: its listeners close
 * @lp:		loop
 * @id:		from fwd_rt_add()
 *
 * Return: 0, or -ENOENT if there is no such rule
 */
int fwd_rt_del(struct loop *lp, uint32_t id)
{
	unsigned i;

	for (i = 0; i < FWD_RT_MAX; i++) {
		if (!fwd.rt[i].used || fwd.rt[i].id != id)
			continue;
		fwd_rt_unlisten(lp, i, fwd.rt[i].r.last + 1U);
		fwd.rt[i].used = false;
		debug("forwarding: rule %u removed", id);
		return 0;
	}
	return -ENOENT;
}

/**
 * fwd_rt_get() - the @n-th live rule added at run time, oldest first
 * @n:		0, 1, ...
 * @r:		the rule
 * @id:		its number
 *
 * Return: false once there is no @n-th
 */
bool fwd_rt_get(unsigned n, struct fwd_rule_rt *r, uint32_t *id)
{
	const struct fwd_rt *best = NULL;
	uint32_t after = 0;
	unsigned i, k;

	/* By id, as added; the table is small and this is the slow path */
	for (k = 0; k <= n; k++) {
		best = NULL;
		for (i = 0; i < FWD_RT_MAX; i++) {
			const struct fwd_rt *o = &fwd.rt[i];

			if (o->used && o->id > after &&
			    (!best || o->id < best->id))
				best = o;
		}
		if (!best)
			return false;
		after = best->id;
	}
	*r = best->r;
	*id = best->id;
	return true;
}
