// SPDX-License-Identifier: MIT
/* vu_ring.c - vhost-user: walk split virtqueues the guest can write to */

/*
 * DOC: the guest owns every byte of a ring and may change any of them
 * while we read. So each field is read once (rd_*(): one load, never
 * repeated by the compiler), into a local that is checked and then used:
 * an index against the ring size, a buffer against the memory table, a
 * chain's length against the ring size (a chain longer than the ring has
 * a loop) and against VU_CHAIN_SEGS. The available index may only move
 * forward by at most the ring size from where we are: any other value
 * means the ring can't be trusted, and it is marked broken (one log line
 * from the caller) rather than walked: nothing is read out of bounds and
 * nothing spins. A bad chain is given back empty, so the guest gets its
 * buffer back and nothing is lost but that frame.
 *
 * Barriers, as the virtio specification (2.7.13) has them: the available
 * index is read before the entries it covers (acquire); used entries are
 * written before the used index (release); the used index is written
 * before the guest's "notify me" fields are read (full fence), and the
 * same the other way for our own notification request.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "link/vu_ring.h"

static uint16_t rd16(const void *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static uint32_t rd32(const void *p)
{
	return le32toh(__atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED));
}

static uint64_t rd64(const void *p)
{
	return le64toh(__atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED));
}

static void wr16(void *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void wr32(void *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

void vu_ring_reset(struct vu_ring *r)
{
	int kick = r->kick, call = r->call;

	memset(r, 0, sizeof(*r));
	r->kick = kick;
	r->call = call;
}

int vu_ring_map(struct vu_ring *r, const struct vu_mem *m)
{
	uint64_t n = r->num;

	r->desc = NULL;
	r->avail = NULL;
	r->used = NULL;
	if (!n || n > VU_RING_MAX || (n & (n - 1)) ||
	    r->desc_uva % 16 || r->avail_uva % 2 || r->used_uva % 4)
		return -EINVAL;
	r->desc = (struct vring_desc *)vu_mem_uva(m, r->desc_uva, 16 * n);
	r->avail = (struct vring_avail *)vu_mem_uva(m, r->avail_uva,
						    6 + 2 * n);
	r->used = (struct vring_used *)vu_mem_uva(m, r->used_uva, 6 + 8 * n);
	if (!r->desc || !r->avail || !r->used) {
		r->desc = NULL;
		r->avail = NULL;
		r->used = NULL;
		return -EINVAL;
	}
	return 0;
}

int vu_ring_avail(struct vu_ring *r)
{
	uint16_t idx, n;

	if (r->broken || !r->avail)
		return r->broken ? -EPROTO : 0;
	idx = rd16(&r->avail->idx);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	n = (uint16_t)(idx - r->last_avail);
	if (n > r->num) {
		r->broken = true;
		return -EPROTO;
	}
	return n;
}

/* Add the buffer @addr, @len (guest physical) to @c, cut where regions
 * end. Return: 0 or -EINVAL */
static int chain_add(struct vu_chain *c, const struct vu_mem *m,
		     uint64_t addr, uint32_t len)
{
	uint64_t left = len;

	while (left) {
		uint64_t got;
		uint8_t *p = vu_mem_gpa(m, addr, left, &got);

		if (!p || c->n == VU_CHAIN_SEGS)
			return -EINVAL;
		c->iov[c->n].iov_base = p;
		c->iov[c->n].iov_len = (size_t)got;
		c->n++;
		c->len += (size_t)got;
		addr += got;
		left -= got;
	}
	return 0;
}

/*
 * Walk the table @t of @n descriptors from @i: direct ones only. @steps
 * bounds the walk (loops). Return: 0 or -EINVAL
 */
static int walk(struct vu_chain *c, const struct vu_mem *m,
		const struct vring_desc *t, uint32_t n, uint32_t i,
		bool write, bool indirect_ok, unsigned *steps)
{
	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;

		if (i >= n || ++*steps > n)
			return -EINVAL;
		addr = rd64(&t[i].addr);
		len = rd32(&t[i].len);
		flags = rd16(&t[i].flags);
		next = rd16(&t[i].next);

		if (flags & VRING_DESC_F_INDIRECT) {
			const struct vring_desc *it;
			uint64_t got;
			unsigned in_steps = 0;
			int rc;

			/* Not nested, not followed, a whole table of a
			 * sane size, in one region, aligned */
			if (!indirect_ok || flags & VRING_DESC_F_NEXT ||
			    !len || len % 16 || len / 16 > VU_INDIRECT_MAX ||
			    addr % 16)
				return -EINVAL;
			it = (const struct vring_desc *)vu_mem_gpa(m, addr,
								   len, &got);
			if (!it || got != len)
				return -EINVAL;
			rc = walk(c, m, it, len / 16, 0, write, false,
				  &in_steps);
			return rc;
		}
		if (!!(flags & VRING_DESC_F_WRITE) != write)
			return -EINVAL;
		if (len && chain_add(c, m, addr, len))
			return -EINVAL;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = next;
	}
}

int vu_ring_pop(struct vu_ring *r, const struct vu_mem *m, bool write,
		struct vu_chain *c)
{
	unsigned steps = 0;
	uint16_t head;

	if (r->broken || !r->desc)
		return -EPROTO;
	head = rd16(&r->avail->ring[r->last_avail & (r->num - 1)]);
	r->last_avail++;
	c->head = head;
	c->n = 0;
	c->len = 0;
	if (head >= r->num) {		/* nothing to give back */
		r->broken = true;
		return -EPROTO;
	}
	if (walk(c, m, r->desc, r->num, head, write, true, &steps)) {
		c->n = 0;
		c->len = 0;
		return -EINVAL;
	}
	return 0;
}

void vu_ring_unpop(struct vu_ring *r, uint16_t n)
{
	r->last_avail = (uint16_t)(r->last_avail - n);
}

void vu_ring_push(struct vu_ring *r, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!r->used)
		return;
	e = &r->used->ring[r->used_idx & (r->num - 1)];
	wr32(&e->id, head);
	wr32(&e->len, len);
	r->used_idx++;
}

/* The guest's used_event: after the available ring */
static uint16_t used_event(const struct vu_ring *r)
{
	return rd16(&r->avail->ring[r->num]);
}

bool vu_ring_publish(struct vu_ring *r)
{
	uint16_t old = r->used_shown, now = r->used_idx;

	if (!r->used || old == now)
		return false;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	wr16(&r->used->idx, now);
	r->used_shown = now;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r->event_idx)	/* vring_need_event() of the specification */
		return (uint16_t)(now - used_event(r) - 1) <
		       (uint16_t)(now - old);
	return !(rd16(&r->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool vu_ring_notify_on(struct vu_ring *r)
{
	if (!r->used || r->broken)
		return false;
	if (r->event_idx)	/* avail_event: after the used ring */
		wr16(&r->used->ring[r->num], r->last_avail);
	else
		wr16(&r->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vu_ring_avail(r) > 0;
}

void vu_ring_notify_off(struct vu_ring *r)
{
	if (!r->used)
		return;
	if (r->event_idx)	/* only once it wraps around again */
		wr16(&r->used->ring[r->num], (uint16_t)(r->last_avail - 1));
	else
		wr16(&r->used->flags, VRING_USED_F_NO_NOTIFY);
}
