/* SPDX-License-Identifier: MIT */
/* udp_slots.h - frame slots that datagrams are received into (l4/udp* only) */
#ifndef TETHER_UDP_SLOTS_H
#define TETHER_UDP_SLOTS_H

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "l2/egress.h"
#include "lib/log.h"
#include "lib/inany.h"
#include "lib/util.h"
#include "loop.h"

/*
 * DOC: a datagram from a host socket is received straight into a frame
 * slot, after room for the Ethernet, IP and UDP headers that egress and
 * the translator then write in front of it: no copy on the way to the
 * guest. Slots stay in use until egress flushes.
 */

#define UDP_HDR		8
#define UDP_SLOT_ROOM	(((EGRESS_HDR_MAX + UDP_HDR) + 63) & ~63)
#define UDP_PAYLOAD_MAX	(L2_MAX_FRAME - EGRESS_HDR_MAX - UDP_HDR)
#define UDP_SLOT_SIZE	(UDP_SLOT_ROOM + UDP_PAYLOAD_MAX)
#define UDP_GSO_SEGS	64	/* datagrams in one GSO send or frame (kernel) */
#define UDP_GSO_SIZE_MAX 1472	/* larger ones may need fragments: alone */

/**
 * struct udp_rx - receive slots of one user (slots in use until egress
 * flushes)
 * @used:	slots filled since the last flush
 * @gen:	egress_flush_gen() when @used was last reset
 */
struct udp_rx {
	int used;
	unsigned gen;
};

/**
 * udp_rx_room() - slots the next recvmmsg() may fill, each datagram with
 * a frame slot in egress reserved: egress is flushed first if it can't
 * take a whole round, or if no slot is free, and never while the
 * datagrams received then wait to be queued (see egress.h, "frame
 * memory"). A flush frees every slot.
 * @rx:		the user's state
 * @slots:	the user's slot count
 *
 * Return: datagrams to receive at most, at least one
 */
static inline int udp_rx_room(struct loop *lp, struct udp_rx *rx, int slots)
{
	int room = egress_reserve(lp, slots);

	if (rx->gen != egress_flush_gen(lp)) {
		rx->gen = egress_flush_gen(lp);
		rx->used = 0;
	}
	if (rx->used >= slots) {
		egress_flush(lp);
		rx->gen = egress_flush_gen(lp);
		rx->used = 0;
		room = egress_room(lp);
	}
	return MIN(slots - rx->used, room);
}

/**
 * udp_slots_prep() - aim @n recvmmsg() entries at consecutive slots
 * @msg:	message headers
 * @iov:	one iovec per message
 * @sa:		one source address per message
 * @slot:	first slot to fill
 * @n:		entries
 */
static inline void udp_slots_prep(struct mmsghdr *msg, struct iovec *iov,
				  union sockaddr_inany *sa,
				  uint8_t (*slot)[UDP_SLOT_SIZE], int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &msg[i].msg_hdr;

		iov[i].iov_base = slot[i] + UDP_SLOT_ROOM;
		iov[i].iov_len = UDP_PAYLOAD_MAX;
		memset(h, 0, sizeof(*h));
		h->msg_name = &sa[i];
		h->msg_namelen = sizeof(sa[i]);
		h->msg_iov = &iov[i];
		h->msg_iovlen = 1;
	}
}

/* Do received datagrams @i and @j come from one source (@sa)? */
static inline bool udp_slots_same_src(const union sockaddr_inany *sa, int i,
				      int j)
{
	const union sockaddr_inany *a = &sa[i], *b = &sa[j];

	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sa4.sin_port == b->sa4.sin_port &&
		       a->sa4.sin_addr.s_addr == b->sa4.sin_addr.s_addr;
	return a->sa6.sin6_port == b->sa6.sin6_port &&
	       a->sa6.sin6_scope_id == b->sa6.sin6_scope_id &&
	       !memcmp(&a->sa6.sin6_addr, &b->sa6.sin6_addr, 16);
}

/**
 * udp_slots_run() - received datagrams that reach the guest as one UDP GSO
 * frame: from @i on (of @n), the same source, the same size but for a
 * shorter last one, as UDP_SEGMENT makes them. Their payloads are copied
 * behind @i's, in its slot (a slot holds any datagram, so it holds the
 * run): a copy of the payload saves a write, a frame and the guest's IP
 * and UDP receive path per datagram. Only if egress_udp_gso_ok().
 * @msg, @sa:	the recvmmsg() messages and their sources
 * @slot:	their slots
 * @i, @n:	first datagram, datagrams received
 * @total:	payload bytes in the run (out)
 *
 * Return: datagrams in the run (1: alone)
 */
static inline int udp_slots_run(struct loop *lp, const struct mmsghdr *msg,
				const union sockaddr_inany *sa,
				uint8_t (*slot)[UDP_SLOT_SIZE], int i, int n,
				size_t *total)
{
	size_t size = msg[i].msg_len;
	uint8_t *dst = slot[i] + UDP_SLOT_ROOM;
	int k = 1;

	*total = size;
	if (!egress_udp_gso_ok(lp) || !size || size > UDP_GSO_SIZE_MAX ||
	    msg[i].msg_hdr.msg_flags & MSG_TRUNC)
		return 1;
	for (; i + k < n && k < UDP_GSO_SEGS; k++) {
		size_t len = msg[i + k].msg_len;

		if (len > size || !len || *total + len > UDP_PAYLOAD_MAX ||
		    msg[i + k].msg_hdr.msg_flags & MSG_TRUNC ||
		    !udp_slots_same_src(sa, i, i + k))
			break;
		memcpy(dst + *total, slot[i + k] + UDP_SLOT_ROOM, len);
		*total += len;
		if (len < size)
			return k + 1;
	}
	return k;
}

/**
 * udp_slot_to_tap() - write the headers in front of a received payload and
 * queue the frame: UDP (checksum left to the link if it takes offloads),
 * then IP and Ethernet, into the egress room udp_rx_room() reserved
 * @uh:		UDP header's place in the slot, payload right behind it
 * @src, @sport: source seen by the guest
 * @dst, @dport: the guest's address and port
 * @plen:	payload bytes
 * @gso_size:	datagrams of this size if @plen holds a run (0: one)
 */
static inline void udp_slot_to_tap(struct loop *lp, uint8_t *uh,
				   const union inany *src,
				   uint16_t sport, const union inany *dst,
				   uint16_t dport, size_t plen,
				   size_t gso_size)
{
	size_t len = UDP_HDR + plen, hl = egress_l2l3_len(src);
	struct egress_offload o = { 0 };
	struct iovec iov;

	wr16(uh, sport);
	wr16(uh + 2, dport);
	wr16(uh + 4, (uint16_t)len);
	wr16(uh + 6, 0);
	if (egress_offload_ok(lp)) {	/* the link finishes the checksum */
		o.csum_start = (uint16_t)hl;
		o.csum_off = 6;
		o.gso_size = (uint16_t)gso_size;
		o.gso_udp = !!gso_size;
		o.gso_v6 = !inany_is_v4(src);
		wr16(uh + 6, egress_pseudo_csum(src, dst, IPPROTO_UDP, len));
	} else {
		iov.iov_base = uh;
		iov.iov_len = len;
		wr16(uh + 6, egress_l4_csum(src, dst, IPPROTO_UDP, &iov, 1,
					    len) ?: 0xffff);
	}
	egress_l2l3(lp, uh - hl, src, dst, IPPROTO_UDP, len);
	iov.iov_base = uh - hl;
	iov.iov_len = hl + len;
	if (egress_queue_offload(lp, &iov, 1, &o))
		warn_rl("udp: egress full, datagram to the guest dropped");
}

#endif /* TETHER_UDP_SLOTS_H */
