/* SPDX-License-Identifier: MIT */
/* txpool.h - frame memory for producers that queue to egress; full-queue retry */
#ifndef TETHER_TXPOOL_H
#define TETHER_TXPOOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "l2/egress.h"
#include "loop.h"

/*
 * DOC: frames queued with egress_queue() must stay valid until the next
 * egress_flush() (see egress.h, "frame memory"). A struct txpool hands out
 * pieces of a static buffer of its owner's, one frame each, with a frame
 * slot in egress reserved first; the whole buffer becomes free again as
 * soon as egress has flushed (egress_flush_gen() moved on). When it runs
 * out, it flushes.
 */

/**
 * struct txpool - bump allocator over a producer's static buffer
 * @buf:	the buffer
 * @size:	its size in bytes
 * @used:	bytes handed out since the last flush
 * @gen:	egress_flush_gen() when @used was last reset
 */
struct txpool {
	uint8_t *buf;
	size_t size;
	size_t used;
	unsigned gen;
};

#define TXPOOL_INIT(b)	{ .buf = (b), .size = sizeof(b) }

/* txpool_get() - @len bytes for one frame, valid until the next flush,
 * and room in egress to queue it with egress_queue() without a flush; or
 * NULL if larger than the whole pool */
static inline uint8_t *txpool_get(struct loop *lp, struct txpool *tp,
				  size_t len)
{
	uint8_t *p;

	if (len > tp->size)
		return NULL;
	egress_reserve(lp, 1);	/* before the pool is looked at: may flush */
	if (tp->gen != egress_flush_gen(lp)) {
		tp->gen = egress_flush_gen(lp);
		tp->used = 0;
	}
	if (tp->used + len > tp->size) {
		egress_flush(lp);
		tp->gen = egress_flush_gen(lp);
		tp->used = 0;
	}
	p = tp->buf + tp->used;
	tp->used += (len + 7) & ~(size_t)7;
	return p;
}

/* txq_copy() - egress_queue_copy(), flushing once if the queue is full:
 * safe, as the frame is copied only once there is room */
static inline int txq_copy(struct loop *lp, const void *frame, size_t len)
{
	int rc = egress_queue_copy(lp, frame, len);

	if (rc == -ENOBUFS) {
		egress_flush(lp);
		rc = egress_queue_copy(lp, frame, len);
	}
	return rc;
}

#endif /* TETHER_TXPOOL_H */
