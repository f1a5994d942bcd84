/* SPDX-License-Identifier: MIT */
/* flow.h - the flow index: guest-side tuple -> (translator, slot) */
#ifndef TETHER_FLOW_H
#define TETHER_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/inany.h"

/*
 * DOC: each translator (TCP, UDP, ICMP) keeps its own fixed table of
 * per-flow records, sized at compile time. This module only maps the
 * tuple a guest packet carries to a (type, slot) value, so that packets
 * from the tap find their flow. Socket events need no lookup: the epoll
 * reference carries the slot.
 */

enum flow_type {
	FLOW_NONE,
	FLOW_TCP,
	FLOW_TCP_SPLICE,
	FLOW_UDP,
	FLOW_PING,
	FLOW_UDP_IN,	/* forwarded UDP port, via the tap (udp_inbound.c) */
	FLOW_TYPE_NUM_,
};

/**
 * struct flow_key - a flow as the guest sees it
 * @gaddr:	guest's address
 * @raddr:	remote (peer) address as the guest addresses it
 * @gport:	guest's port (ICMP: echo id)
 * @rport:	remote port (ICMP: 0)
 * @proto:	IPPROTO_*
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

#define FLOW_HASH_BITS	18
#define FLOW_HASH_SIZE	(1U << FLOW_HASH_BITS)	/* entries, kept <= 70% full */
#define FLOW_MAX	(FLOW_HASH_SIZE * 7 / 10)

void flow_init(void);

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

/* flow_val() - pack a translator type and slot into a stored value */
static inline uint32_t flow_val(enum flow_type type, uint32_t slot)
{
	return (uint32_t)type << 24 | slot;
}
static inline enum flow_type flow_val_type(uint32_t v) { return v >> 24; }
static inline uint32_t flow_val_slot(uint32_t v) { return v & 0xffffff; }

/* Return: 0, -EEXIST, or -ENOSPC when the index is full */
int flow_insert(const struct flow_key *k, uint32_t val);
/* Return: true and *val if found */
bool flow_lookup(const struct flow_key *k, uint32_t *val);
void flow_remove(const struct flow_key *k);
unsigned flow_count(void);

#endif /* TETHER_FLOW_H */
