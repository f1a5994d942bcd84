/* SPDX-License-Identifier: MIT */
/* txpool.h - frame memory for producers that queue to egress; full-queue retry */
#ifndef TETHER_TXPOOL_H
#define TETHER_TXPOOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "l2/egress.h"

/*
 * DOC: frames queued with egress_queue() must stay valid until the next
 * egress_flush(). A struct txpool hands out pieces of a static buffer of
 * its owner's; the whole buffer becomes free again as soon as egress has
 * flushed (egress_flush_gen() moved on). When it runs out, it flushes.
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

/* txpool_get() - @len bytes valid until the next flush, or NULL if larger
 * than the whole pool */
static inline uint8_t *txpool_get(struct txpool *tp, size_t len)
{
	uint8_t *p;

	if (len > tp->size)
		return NULL;
	if (tp->gen != egress_flush_gen()) {
		tp->gen = egress_flush_gen();
		tp->used = 0;
	}
	if (tp->used + len > tp->size) {
		egress_flush();
		tp->gen = egress_flush_gen();
		tp->used = 0;
	}
	p = tp->buf + tp->used;
	tp->used += (len + 7) & ~(size_t)7;
	return p;
}

/* txq() - egress_queue(), flushing once if the queue is full */
static inline int txq(const struct iovec *iov, int cnt)
{
	int rc = egress_queue(iov, cnt);

	if (rc == -ENOBUFS) {
		egress_flush();
		rc = egress_queue(iov, cnt);
	}
	return rc;
}

/* txq_offload() - egress_queue_offload(), flushing once if the queue is full */
static inline int txq_offload(const struct iovec *iov, int cnt,
			      const struct egress_offload *o)
{
	int rc = egress_queue_offload(iov, cnt, o);

	if (rc == -ENOBUFS) {
		egress_flush();
		rc = egress_queue_offload(iov, cnt, o);
	}
	return rc;
}

/* txq_copy() - egress_queue_copy(), flushing once if the queue is full */
static inline int txq_copy(const void *frame, size_t len)
{
	int rc = egress_queue_copy(frame, len);

	if (rc == -ENOBUFS) {
		egress_flush();
		rc = egress_queue_copy(frame, len);
	}
	return rc;
}

#endif /* TETHER_TXPOOL_H */
