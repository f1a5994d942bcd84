/* SPDX-License-Identifier: MIT */
/* udp_slots.h - frame slots that datagrams are received into (l4/udp* only) */
#ifndef TETHER_UDP_SLOTS_H
#define TETHER_UDP_SLOTS_H

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "l2/egress.h"
#include "lib/inany.h"

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

#endif /* TETHER_UDP_SLOTS_H */
