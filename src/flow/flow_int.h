/* SPDX-License-Identifier: MIT */
/* flow_int.h - the flow table's own layout: flow/ only */
#ifndef TETHER_FLOW_INT_H
#define TETHER_FLOW_INT_H

#include <stdint.h>

#include "flow/flow.h"

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

/**
 * struct flow_ent - an entry of the index
 * @key:	copy of the flow's key: probes compare without the table
 * @idx:	the flow's slot
 * @used:	entry in use
 */
struct flow_ent {
	struct flow_key key;
	uint32_t idx;
	uint32_t used;
};

/**
 * struct flow_table - one loop's flows (allocated zeroed at start-up: the
 * pages of the slots and the index are touched only as far as flows reach)
 * @slots:	the slots
 * @hwm:	slots from here on were never used
 * @free_head:	free list
 * @closed_head: closed in this batch, freed by flow_reap()
 * @count:	open or closed-in-batch slots
 * @kind:	per kind
 * @secret:	SipHash key of the index, per table
 * @nent:	entries in the index
 * @ent:	the index
 */
struct flow_table {
	union flow_slot slots[FLOW_SLOTS];
	uint32_t hwm;
	uint32_t free_head;
	uint32_t closed_head;
	unsigned count;
	struct flow_kind_st kind[FLOW_KIND_NUM_];
	uint64_t secret[2];
	unsigned nent;
	struct flow_ent ent[FLOW_HASH_SIZE];
};

void flow_index_init(struct flow_table *ft);

#endif /* TETHER_FLOW_INT_H */
