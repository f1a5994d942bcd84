/* SPDX-License-Identifier: MIT */
/* vu_ring.h - vhost-user: split virtqueues in the guest's memory */
#ifndef TETHER_VU_RING_H
#define TETHER_VU_RING_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "link/vu_mem.h"

#define VU_RING_MAX	32768	/* largest queue a virtio device may have */
#define VU_CHAIN_SEGS	64	/* buffer pieces of one chain, at most */
#define VU_INDIRECT_MAX	1024	/* entries of an indirect table, at most */

/**
 * struct vu_ring - one virtqueue as the device side sees it
 * @num:	entries (a power of two), 0 until set
 * @desc_uva, @avail_uva, @used_uva: where the front-end put its parts
 * @desc, @avail, @used: translated, NULL until vu_ring_map() succeeds
 * @last_avail:	next available entry to take
 * @used_idx:	used entries written (published by vu_ring_publish())
 * @used_shown:	@used_idx at the last publish
 * @event_idx:	VIRTIO_RING_F_EVENT_IDX: both sides say when to notify
 * @broken:	the guest's indices made no sense: the ring is left alone
 *		until the front-end sets it up again
 * @kick:	eventfd the guest's notifications arrive on, -1 if none
 * @call:	eventfd to notify the guest on, -1 if none (polling)
 * @started:	between its kick fd and GET_VRING_BASE
 * @enabled:	SET_VRING_ENABLE (or no protocol features negotiated)
 */
struct vu_ring {
	uint16_t num;
	uint64_t desc_uva, avail_uva, used_uva;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t used_shown;
	bool event_idx;
	bool broken;
	int kick;
	int call;
	bool started;
	bool enabled;
};

/**
 * struct vu_chain - one descriptor chain, translated
 * @head:	its first descriptor, for the used ring
 * @n:		pieces in @iov
 * @len:	bytes in all of them
 * @iov:	our addresses of its buffers, in order
 */
struct vu_chain {
	uint16_t head;
	int n;
	size_t len;
	struct iovec iov[VU_CHAIN_SEGS];
};

/*
 * vu_ring_map() - translate the ring's parts through @m, checking sizes
 * and alignment. Return: 0, or -EINVAL (not set, or outside memory)
 */
int vu_ring_map(struct vu_ring *r, const struct vu_mem *m);

/*
 * vu_ring_avail() - chains the guest made available and we haven't taken.
 * Return: that number, or -EPROTO if its index jumped past the ring size
 * (the ring is marked broken)
 */
int vu_ring_avail(struct vu_ring *r);

/*
 * vu_ring_pop() - take the next available chain into @c: every buffer
 * checked against @m, device-writable ones only (@write) or readable ones
 * only, no loop, at most VU_CHAIN_SEGS pieces, indirect tables checked
 * and never nested. Call only if vu_ring_avail() said one is there.
 * Return: 0, or -EINVAL for a bad chain (taken all the same: give it back
 * with vu_ring_push(), length 0), or -EPROTO (ring broken)
 */
int vu_ring_pop(struct vu_ring *r, const struct vu_mem *m, bool write,
		struct vu_chain *c);

/* vu_ring_unpop() - give back the last @n chains taken, unused */
void vu_ring_unpop(struct vu_ring *r, uint16_t n);

/* vu_ring_push() - chain @head is done, @len bytes written into it */
void vu_ring_push(struct vu_ring *r, uint16_t head, uint32_t len);

/*
 * vu_ring_publish() - make pushed entries visible to the guest.
 * Return: true if the guest wants to be told (write @call)
 */
bool vu_ring_publish(struct vu_ring *r);

/*
 * vu_ring_notify_on() - ask the guest to kick us for the next chain it
 * makes available (after we took all there were).
 * Return: true if one arrived meanwhile (take it: no kick will come)
 */
bool vu_ring_notify_on(struct vu_ring *r);

/* vu_ring_notify_off() - ask the guest not to kick us for this ring (we
 * don't wait for its buffers: the receive queue) */
void vu_ring_notify_off(struct vu_ring *r);

/* vu_ring_reset() - forget everything, fds not closed */
void vu_ring_reset(struct vu_ring *r);

#endif /* TETHER_VU_RING_H */
