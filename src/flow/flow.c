// SPDX-License-Identifier: MIT
/* flow.c - the flow table: slots, free list, kinds, idle scan, counters */
#include <errno.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

/**
 * union flow_slot - one slot: a record of any kind
 * @f:		the common head
 * @raw:	room for the kind's record
 */
union flow_slot {
	struct flow_common f;
	uint8_t raw[FLOW_SLOT_SIZE];
};

/**
 * struct flow_kind_st - a kind's registration, list and counters
 * @ops:	registered by the translator, NULL if none
 * @cap:	open flows at most
 * @head:	list of open flows (through prev/next), FLOW_NONE_IDX: empty
 * @st:		counters
 */
struct flow_kind_st {
	const struct flow_kind_ops *ops;
	unsigned cap;
	uint32_t head;
	struct flow_stats st;
};

/* apart from the rest: the table stays in .bss, its pages untouched until
 * flows reach them */
static union flow_slot flow_slots[FLOW_SLOTS] __attribute__((aligned(64)));

/**
 * struct flow_table - the table's lists
 * @hwm:	slots from here on were never used
 * @free_head:	free list
 * @closed_head: closed in this batch, freed by flow_reap()
 * @count:	open or closed-in-batch slots
 * @kind:	per kind
 */
static struct flow_table {
	uint32_t hwm;
	uint32_t free_head;
	uint32_t closed_head;
	unsigned count;
	struct flow_kind_st kind[FLOW_KIND_NUM_];
} ft;

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

struct flow_common *flow_at(uint32_t idx)
{
	return idx < FLOW_SLOTS ? &flow_slots[idx].f : NULL;
}

uint32_t flow_idx(const struct flow_common *f)
{
	return (uint32_t)((const union flow_slot *)f - flow_slots);
}


/*
 * flow_init() - an empty table. Called once at start; the unit tests
 * call it again for each case: slots reached before are cleared (as far
 * as the high-water mark), and their index entries removed.
 */
void flow_init(void)
{
	uint32_t i;

	for (i = 0; i < ft.hwm; i++)
		flow_hash_remove(&flow_slots[i].f);
	memset(flow_slots, 0, (size_t)ft.hwm * sizeof(flow_slots[0]));
	memset(&ft, 0, sizeof(ft));
	ft.free_head = ft.closed_head = FLOW_NONE_IDX;
	for (i = 0; i < FLOW_KIND_NUM_; i++)
		ft.kind[i].head = FLOW_NONE_IDX;
	flow_index_init();
	loop_post_last(flow_reap);
	loop_timer_add(flow_idle_scan, FLOW_SCAN_MS);
}

void flow_kind_register(enum flow_kind kind, const struct flow_kind_ops *ops)
{
	struct flow_kind_st *k = &ft.kind[kind];

	ASSERT(kind > FLOW_NONE && kind < FLOW_KIND_NUM_);
	ASSERT(ops->size >= sizeof(struct flow_common) &&
	       ops->size <= FLOW_SLOT_SIZE);
	ASSERT(!ops->idle_s || ops->close);
	k->ops = ops;
	k->cap = MIN(ops->cap, (unsigned)FLOW_SLOTS);
}

/* flow_kind_cap() - hold at most @cap flows of @kind (not above its ops) */
void flow_kind_cap(enum flow_kind kind, unsigned cap)
{
	struct flow_kind_st *k = &ft.kind[kind];

	ASSERT(k->ops);
	k->cap = MIN(cap, k->ops->cap);
}

unsigned flow_kind_cap_get(enum flow_kind kind)
{
	return ft.kind[kind].cap;
}

static void flow_list_add(struct flow_kind_st *k, struct flow_common *f)
{
	uint32_t idx = flow_idx(f);

	f->prev = FLOW_NONE_IDX;
	f->next = k->head;
	if (k->head != FLOW_NONE_IDX)
		flow_slots[k->head].f.prev = idx;
	k->head = idx;
}

static void flow_list_del(struct flow_kind_st *k, struct flow_common *f)
{
	if (f->prev != FLOW_NONE_IDX)
		flow_slots[f->prev].f.next = f->next;
	else
		k->head = f->next;
	if (f->next != FLOW_NONE_IDX)
		flow_slots[f->next].f.prev = f->prev;
}

/**
 * flow_alloc() - a zeroed record of @kind: the free list first, then
 * slots never used
 * @kind:	registered kind
 * @now:	for its last activity
 *
 * Return: the record, or NULL if @kind is at its cap (counted: the
 * translator says what it does about it)
 */
void *flow_alloc(enum flow_kind kind, const struct timespec *now)
{
	struct flow_kind_st *k = &ft.kind[kind];
	struct flow_common *f;
	uint32_t idx;

	ASSERT(k->ops);
	if (k->st.live >= k->cap) {
		k->st.refused++;
		return NULL;
	}
	if (ft.free_head != FLOW_NONE_IDX) {
		idx = ft.free_head;
		ft.free_head = flow_slots[idx].f.next;
	} else if (ft.hwm < FLOW_SLOTS) {
		idx = ft.hwm++;
	} else {	/* can't be: the caps add up to the slots */
		k->st.refused++;
		return NULL;
	}
	f = &flow_slots[idx].f;
	memset(f, 0, k->ops->size);
	f->kind = (uint8_t)kind;
	flow_touch(f, now);
	flow_list_add(k, f);
	k->st.live++;
	k->st.opened++;
	ft.count++;
	return f;
}

/**
 * flow_close() - the flow is over: out of the index and its kind's list
 * now, the slot kept (closed) until flow_reap() at the end of the batch
 * @f:		open flow (closing one again does nothing)
 */
void flow_close(struct flow_common *f)
{
	struct flow_kind_st *k = &ft.kind[f->kind];

	if (f->closed || f->kind == FLOW_NONE)
		return;
	flow_hash_remove(f);
	flow_list_del(k, f);
	k->st.live--;
	f->closed = 1;
	f->next = ft.closed_head;
	ft.closed_head = flow_idx(f);
}

void flow_close_sock(struct flow_common *f, int *fd)
{
	flow_dbg(f, "closed");
	if (*fd >= 0) {
		loop_del(*fd);
		fdbudget_close(*fd);
	}
	*fd = -1;
	flow_close(f);
}

void flow_reap(void)
{
	while (ft.closed_head != FLOW_NONE_IDX) {
		struct flow_common *f = &flow_slots[ft.closed_head].f;

		ft.closed_head = f->next;
		f->kind = FLOW_NONE;
		f->closed = 0;
		f->next = ft.free_head;
		ft.free_head = flow_idx(f);
		ft.count--;
	}
}

/* flow_idle_scan() - flows of kinds with a timeout, idle past it, closed
 * (the loop's FLOW_SCAN_MS timer) */
void flow_idle_scan(const struct timespec *now)
{
	unsigned kind;

	for (kind = 1; kind < FLOW_KIND_NUM_; kind++) {
		struct flow_kind_st *k = &ft.kind[kind];
		uint32_t i, next;

		if (!k->ops || !k->ops->idle_s)
			continue;
		for (i = k->head; i != FLOW_NONE_IDX; i = next) {
			struct flow_common *f = &flow_slots[i].f;

			if (f->closed)	/* a close took our next one too: */
				break;	/* the rest waits for the next tick */
			next = f->next;
			if ((uint32_t)now->tv_sec - f->last > k->ops->idle_s) {
				flow_dbg(f, "idle %us, closing",
					 (uint32_t)now->tv_sec - f->last);
				k->st.idle++;
				k->ops->close(f);
			}
		}
	}
}

struct flow_common *flow_oldest(enum flow_kind kind)
{
	struct flow_common *old = NULL;
	uint32_t i;

	for (i = ft.kind[kind].head; i != FLOW_NONE_IDX;
	     i = flow_slots[i].f.next) {
		struct flow_common *f = &flow_slots[i].f;

		if (!old || (int32_t)(f->last - old->last) < 0)
			old = f;
	}
	return old;
}

void flow_foreach(void (*fn)(struct flow_common *f, void *arg), void *arg)
{
	uint32_t i;

	for (i = 0; i < ft.hwm; i++) {
		struct flow_common *f = &flow_slots[i].f;

		if (f->kind != FLOW_NONE && !f->closed)
			fn(f, arg);
	}
}

/**
 * flow_foreach_kind() - call @fn for every open flow of @kind (it may
 * close the flow it is given, no other)
 * @kind:	kind
 * @fn:		callback
 * @arg:	its argument
 */
void flow_foreach_kind(enum flow_kind kind,
		       void (*fn)(struct flow_common *f, void *arg), void *arg)
{
	uint32_t i, next;

	for (i = ft.kind[kind].head; i != FLOW_NONE_IDX; i = next) {
		struct flow_common *f = &flow_slots[i].f;

		if (f->closed)	/* @fn closed another one: stop here */
			break;
		next = f->next;
		fn(f, arg);
	}
}

const struct flow_stats *flow_stats(enum flow_kind kind)
{
	return &ft.kind[kind].st;
}

/* flow_count() - open flows, and closed ones not yet reaped */
unsigned flow_count(void)
{
	return ft.count;
}
