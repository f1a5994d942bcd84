// SPDX-License-Identifier: MIT
/* flow.c - the flow table: slots, free list, kinds, idle scan, counters */
#include <errno.h>
#include <sys/socket.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "flow/flow_int.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

static const char *const flow_kind_str[] = {
	[FLOW_NONE] = "free", [FLOW_TCP] = "tcp",
	[FLOW_TCP_SPLICE] = "tcp splice", [FLOW_UDP] = "udp",
	[FLOW_UDP_IN] = "udp inbound", [FLOW_UDP_SPLICE] = "udp splice",
	[FLOW_PING] = "ping",
};
_Static_assert(ARRAY_SIZE(flow_kind_str) == FLOW_KIND_NUM_, "kind names");

const char *flow_kind_name(unsigned kind)
{
	return kind < FLOW_KIND_NUM_ ? flow_kind_str[kind] : "?";
}

struct flow_common *flow_at(const struct loop *lp, uint32_t idx)
{
	return idx < FLOW_SLOTS ? &lp->flows->slots[idx].f : NULL;
}

/*
 * flow_init() - @lp's table, empty. The unit tests start a new loop for
 * each case: its table replaces the one before.
 */
void flow_init(struct loop *lp)
{
	struct flow_table *ft;
	uint32_t i;

	ft = loop_state_new(lp->flows, "flow table");
	ft->free_head = ft->closed_head = FLOW_NONE_IDX;
	for (i = 0; i < FLOW_KIND_NUM_; i++)
		ft->kind[i].head = FLOW_NONE_IDX;
	flow_index_init(ft);
	loop_post_last(lp, flow_reap);
	loop_timer_add(lp, flow_idle_scan, FLOW_SCAN_MS);
}

void flow_kind_register(struct loop *lp, enum flow_kind kind,
			const struct flow_kind_ops *ops)
{
	struct flow_kind_st *k = &lp->flows->kind[kind];

	ASSERT(kind > FLOW_NONE && kind < FLOW_KIND_NUM_);
	ASSERT(ops->size >= sizeof(struct flow_common) &&
	       ops->size <= FLOW_SLOT_SIZE);
	ASSERT(!ops->idle_s || ops->close);
	k->ops = ops;
	k->cap = MIN(ops->cap, (unsigned)FLOW_SLOTS);
}

/* flow_kind_cap() - hold at most @cap flows of @kind (not above its ops) */
void flow_kind_cap(struct loop *lp, enum flow_kind kind, unsigned cap)
{
	struct flow_kind_st *k = &lp->flows->kind[kind];

	ASSERT(k->ops);
	k->cap = MIN(cap, k->ops->cap);
}

unsigned flow_kind_cap_get(const struct loop *lp, enum flow_kind kind)
{
	return lp->flows->kind[kind].cap;
}

static void flow_list_add(struct flow_table *ft, struct flow_kind_st *k,
			  struct flow_common *f)
{
	uint32_t idx = flow_idx(f);

	f->prev = FLOW_NONE_IDX;
	f->next = k->head;
	if (k->head != FLOW_NONE_IDX)
		ft->slots[k->head].f.prev = idx;
	k->head = idx;
}

static void flow_list_del(struct flow_table *ft, struct flow_kind_st *k,
			  struct flow_common *f)
{
	if (f->prev != FLOW_NONE_IDX)
		ft->slots[f->prev].f.next = f->next;
	else
		k->head = f->next;
	if (f->next != FLOW_NONE_IDX)
		ft->slots[f->next].f.prev = f->prev;
}

/**
 * flow_alloc() - a zeroed record of @kind: the free list first, then
 * slots never used
 * @lp:		the loop
 * @kind:	registered kind
 *
 * Return: the record, or NULL if @kind is at its cap (counted: the
 * translator says what it does about it)
 */
void *flow_alloc(struct loop *lp, enum flow_kind kind)
{
	struct flow_table *ft = lp->flows;
	struct flow_kind_st *k = &ft->kind[kind];
	struct flow_common *f;
	uint32_t idx;

	ASSERT(k->ops);
	if (k->st.live >= k->cap) {
		k->st.refused++;
		return NULL;
	}
	if (ft->free_head != FLOW_NONE_IDX) {
		idx = ft->free_head;
		ft->free_head = ft->slots[idx].f.next;
	} else if (ft->hwm < FLOW_SLOTS) {
		idx = ft->hwm++;
	} else {	/* every kind at its cap, and the slack closed in one batch */
		k->st.refused++;
		return NULL;
	}
	f = &ft->slots[idx].f;
	memset(f, 0, k->ops->size);
	f->kind = (uint8_t)kind;
	f->idx = idx;
	flow_touch(lp, f);
	f->born = f->last;
	flow_list_add(ft, k, f);
	k->st.live++;
	k->st.opened++;
	ft->count++;
	return f;
}

/**
 * flow_close() - the flow is over: out of the index and its kind's list
 * now, the slot kept (closed) until flow_reap() at the end of the batch
 * @f:		open flow (closing one again does nothing)
 */
void flow_close(struct loop *lp, struct flow_common *f)
{
	struct flow_table *ft = lp->flows;
	struct flow_kind_st *k = &ft->kind[f->kind];

	if (f->closed || f->kind == FLOW_NONE)
		return;
	flow_hash_remove(lp, f);
	flow_list_del(ft, k, f);
	k->st.live--;
	f->closed = 1;
	f->next = ft->closed_head;
	ft->closed_head = flow_idx(f);
}

int flow_open_sock(struct loop *lp, struct flow_common *f, int fd,
		   union ep_ref ref)
{
	int rc = flow_hash_insert(lp, f);

	if (!rc) {
		rc = loop_add(lp, fd, EPOLLIN, ref);
		if (rc)
			flow_hash_remove(lp, f);
	}
	return rc;
}

void flow_close_sock(struct loop *lp, struct flow_common *f, int *fd)
{
	flow_event(f, "closed");
	if (*fd >= 0) {
		loop_del(lp, *fd);
		fdbudget_close(*fd);
	}
	*fd = -1;
	flow_close(lp, f);
}

void flow_reap(struct loop *lp)
{
	struct flow_table *ft = lp->flows;

	while (ft->closed_head != FLOW_NONE_IDX) {
		struct flow_common *f = &ft->slots[ft->closed_head].f;

		ft->closed_head = f->next;
		f->kind = FLOW_NONE;
		f->closed = 0;
		f->next = ft->free_head;
		ft->free_head = flow_idx(f);
		ft->count--;
	}
}

/* Close @f if it has been idle past its kind's timeout */
static void flow_idle_one(struct loop *lp, struct flow_common *f, void *arg)
{
	struct flow_kind_st *k = arg;
	uint32_t idle = (uint32_t)lp->now.tv_sec - f->last;

	if (idle > k->ops->idle_s) {
		flow_event(f, "idle %us, closing", idle);
		k->st.idle++;
		k->ops->close(lp, f);
	}
}

/* flow_idle_scan() - flows of kinds with a timeout, idle past it, closed
 * (the loop's FLOW_SCAN_MS timer) */
void flow_idle_scan(struct loop *lp)
{
	unsigned kind;

	for (kind = 1; kind < FLOW_KIND_NUM_; kind++) {
		struct flow_kind_st *k = &lp->flows->kind[kind];

		if (k->ops && k->ops->idle_s)
			flow_foreach_kind(lp, kind, flow_idle_one, k);
	}
}

struct flow_common *flow_oldest(const struct loop *lp, enum flow_kind kind)
{
	struct flow_table *ft = lp->flows;
	struct flow_common *old = NULL;
	uint32_t i;

	for (i = ft->kind[kind].head; i != FLOW_NONE_IDX;
	     i = ft->slots[i].f.next) {
		struct flow_common *f = &ft->slots[i].f;

		if (!old || (int32_t)(f->last - old->last) < 0)
			old = f;
	}
	return old;
}

void flow_foreach(struct loop *lp,
		  void (*fn)(struct loop *lp, struct flow_common *f, void *arg),
		  void *arg)
{
	struct flow_table *ft = lp->flows;
	uint32_t i;

	for (i = 0; i < ft->hwm; i++) {
		struct flow_common *f = &ft->slots[i].f;

		if (f->kind != FLOW_NONE && !f->closed)
			fn(lp, f, arg);
	}
}

/**
 * flow_abort_gone() - end the flows bound to addresses that went (flow.h)
 * @lp:		the loop
 * @gone:	is this local address gone?
 * @arg:	for @gone
 *
 * Return: flows ended
 */
unsigned flow_abort_gone(struct loop *lp,
			 bool (*gone)(const union inany *a, void *arg),
			 void *arg)
{
	struct flow_table *ft = lp->flows;
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < ft->hwm; i++) {
		struct flow_common *f = &ft->slots[i].f;
		const struct flow_kind_ops *ops;
		union sockaddr_inany sa;
		socklen_t sl = sizeof(sa);
		union inany a;
		int fd;

		if (f->kind == FLOW_NONE || f->closed)
			continue;
		ops = ft->kind[f->kind].ops;
		if (!ops || !ops->host_fd || !ops->abort ||
		    (fd = ops->host_fd(f)) < 0 ||
		    getsockname(fd, &sa.sa, &sl) ||
		    (sa.sa.sa_family != AF_INET && sa.sa.sa_family != AF_INET6))
			continue;
		inany_from_sockaddr(&a, NULL, &sa);
		if (inany_is_unspec(&a) || inany_is_loopback(&a) || !gone(&a, arg))
			continue;
		flow_event(f, "host address went: ended");
		ops->abort(lp, f);
		n++;
	}
	return n;
}

/**
 * flow_foreach_kind() - call @fn for every open flow of @kind (it may
 * close the flow it is given; if it closes another, the walk stops there
 * for this call)
 * @kind:	kind
 * @fn:		callback
 * @arg:	its argument
 */
void flow_foreach_kind(struct loop *lp, enum flow_kind kind,
		       void (*fn)(struct loop *lp, struct flow_common *f,
				  void *arg),
		       void *arg)
{
	struct flow_table *ft = lp->flows;
	uint32_t i, next;

	for (i = ft->kind[kind].head; i != FLOW_NONE_IDX; i = next) {
		struct flow_common *f = &ft->slots[i].f;

		if (f->closed)	/* @fn closed another one: stop here */
			break;
		next = f->next;
		fn(lp, f, arg);
	}
}

const struct flow_stats *flow_stats(const struct loop *lp,
				    enum flow_kind kind)
{
	return &lp->flows->kind[kind].st;
}

/* flow_count() - open flows, and closed ones not yet reaped */
unsigned flow_count(const struct loop *lp)
{
	return lp->flows->count;
}

/**
 * flow_state() - a flow's state in a word, if its kind has one
 * @lp:		loop
 * @f:		flow
 *
 * Return: the word, or NULL
 */
const char *flow_state(const struct loop *lp, const struct flow_common *f)
{
	const struct flow_kind_st *k = &lp->flows->kind[f->kind];

	return k->ops && k->ops->state ? k->ops->state(f) : NULL;
}
