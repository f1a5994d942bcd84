/* SPDX-License-Identifier: MIT */
/* egress.h - build L2/L3 headers toward the guest; queue and flush frames */
#ifndef TETHER_EGRESS_H
#define TETHER_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "conf/conf.h"
#include "lib/inany.h"
#include "l2/pkt.h"
#include "link/frame.h"
#include "loop.h"

#define EGRESS_HDR_MAX	(ETH_HDR_LEN + IP6_HDR_LEN)	/* eth + IP */
#define EGRESS_FRAMES	256	/* frames queued per loop iteration */
#define EGRESS_IOV_MAX	LINK_IOV_MAX	/* iovecs per frame slot */
#define EGRESS_IOV_USER	(EGRESS_IOV_MAX - 1)	/* producers' maximum: one
						 * is kept for a link header */

void egress_init(struct loop *lp, const struct conf_link *link);

const uint8_t *egress_our_mac(const struct loop *lp);

/*
 * egress_l2l3() - write Ethernet and IP headers at @buf for a packet from
 * @src to @dst (same family) carrying @l4_len bytes of protocol @proto.
 * IPv4: DF set, TTL 255, header checksum filled. IPv6: hop limit 255.
 * Return: bytes written (34 or 54)
 */
size_t egress_l2l3(struct loop *lp, uint8_t *buf, const union inany *src,
		   const union inany *dst, uint8_t proto, size_t l4_len);
/* egress_l3_len() - header bytes egress_l2l3() writes for this family */
static inline size_t egress_l2l3_len(const union inany *a)
{
	return ETH_HDR_LEN + (inany_is_v4(a) ? IP4_HDR_LEN : IP6_HDR_LEN);
}

/*
 * egress_l4_csum() - finish an L4 checksum: pseudo-header for @src/@dst,
 * then @iov (the L4 header with its checksum field zeroed, and payload).
 * Return: the checksum, to be stored with wr16()
 */
uint16_t egress_l4_csum(const union inany *src, const union inany *dst,
			uint8_t proto, const struct iovec *iov, int cnt,
			size_t l4_len);

/*
 * DOC: frame memory. A queued frame points at its producer's memory until
 * the egress_flush() that writes it. A producer that keeps frames in
 * memory of its own (receive slots, a tx pool, payload buffers) reuses
 * it once egress_flush_gen() moved on, and so must never queue a frame
 * after a flush that happened since it wrote that frame's memory: it
 * calls egress_reserve() for the frames it is about to fill *before*
 * writing any of them, and then queues at most that many. Nothing it
 * queues can then trigger a flush. Only egress_queue_copy() frames, which
 * are copied when queued, may flush on a full queue (txq_copy()).
 */

/*
 * egress_reserve() - room for @frames frames, flushing first if fewer are
 * free (then every frame queued so far is written: the caller's memory is
 * all free again)
 * Return: frames that can be queued now, at least MIN(@frames, EGRESS_FRAMES)
 */
int egress_reserve(struct loop *lp, int frames);

/*
 * egress_queue() - queue one frame made of @cnt iovecs (Ethernet header
 * first). The memory must stay valid until egress_flush(), which the loop
 * runs after every batch of events. Never flushes.
 * Return: 0, or -ENOBUFS if the queue is full (the caller didn't reserve)
 */
int egress_queue(struct loop *lp, const struct iovec *iov, int cnt);

/**
 * struct egress_offload - work a link can do for us (virtio-net header
 * semantics, as the tap's IFF_VNET_HDR and vhost-user use)
 * @csum_start:	offset of the L4 header from the Ethernet header; the L4
 *		checksum field holds the pseudo-header sum, uncomplemented
 *		(0: the checksum is complete)
 * @csum_off:	offset of the checksum field inside the L4 header
 * @gso_size:	segmentation: payload bytes per segment (0: none)
 * @gso_v6:	the frame is IPv6 (for @gso_size)
 * @gso_udp:	UDP datagrams of @gso_size bytes (the last may be shorter),
 *		not TCP segments: only if egress_udp_gso_ok()
 */
struct egress_offload {
	uint16_t csum_start;
	uint16_t csum_off;
	uint16_t gso_size;
	bool gso_v6;
	bool gso_udp;
};

/* egress_offload_ok() - the link takes struct egress_offload (else
 * producers finish checksums and segment to the MTU themselves) */
bool egress_offload_ok(const struct loop *lp);
/* egress_udp_gso_ok() - the link also takes UDP GSO frames (@gso_udp) */
bool egress_udp_gso_ok(const struct loop *lp);
/* egress_queue_offload() - as egress_queue(), with @o for the link */
int egress_queue_offload(struct loop *lp, const struct iovec *iov, int cnt,
			 const struct egress_offload *o);
/* egress_pseudo_csum() - the partial sum to leave in an offloaded L4
 * checksum field, to be stored with wr16() */
uint16_t egress_pseudo_csum(const union inany *src, const union inany *dst,
			    uint8_t proto, size_t l4_len);

/*
 * egress_queue_copy() - queue a small frame (<= EGRESS_COPY_MAX bytes),
 * copied into egress's own buffer: for ARP, NDP, ICMP and the like.
 */
#define EGRESS_COPY_MAX	1536
int egress_queue_copy(struct loop *lp, const void *frame, size_t len);

/* egress_room() - frames that can still be queued before a flush */
int egress_room(const struct loop *lp);

/* egress_flush() - hand every queued frame to the link, in order; when it
 * returns, memory referenced by queued frames may be reused */
void egress_flush(struct loop *lp);

/*
 * egress_flush_gen() - incremented by every egress_flush(): a producer
 * that keeps frame buffers of its own can tell that every buffer it
 * queued before has been written and may be reused.
 */
unsigned egress_flush_gen(const struct loop *lp);

#endif /* TETHER_EGRESS_H */
