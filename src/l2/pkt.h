/* SPDX-License-Identifier: MIT */
/* pkt.h - a guest frame after ingress validation, as handed to translators */
#ifndef TETHER_PKT_H
#define TETHER_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/inany.h"
#include "link/frame.h"

#define IP4_HDR_LEN	20	/* without options */
#define IP6_HDR_LEN	40

/**
 * struct pkt - one validated IPv4/IPv6 packet from the guest
 * @frame:	start of the Ethernet frame
 * @frame_len:	its length
 * @af:		AF_INET or AF_INET6
 * @proto:	L4 protocol number (after IPv6 extension headers)
 * @ttl:	TTL or hop limit
 * @src, @dst:	IP addresses
 * @l4:		start of the L4 header
 * @l4_len:	L4 header + payload length, from the IP length fields,
 *		checked to lie within the frame
 * @tail:	TCP only: the last @tail_len bytes of the segment (inside
 *		@l4_len, all of them payload) are in these @tail_n pieces,
 *		in order, not after the rest (the frame's tail: the pieces
 *		may hold more, past the IP length); NULL if none
 * @tail_n:	pieces at @tail
 * @tail_len:	bytes of the segment in them, 0 if none
 * @gso:	UDP only, 0 for one datagram: the payload is datagrams of
 *		@gso bytes, the last possibly shorter (a UDP GSO frame, as a
 *		guest's UDP_SEGMENT send reaches a tap with USO offload);
 *		then 1 < payload / @gso <= PKT_GSO_SEGS_MAX, rounded up
 *
 * Ingress guarantees: @l4 + @l4_len - @tail_len lies inside the frame's
 * first part and @tail_len bytes at @tail in its tail (Ethernet padding
 * trimmed), every header in the first part, the IP header is consistent, the packet is not a
 * fragment, the L4 checksum is correct (or was vouched for by the link),
 * and the fixed L4 header fits: TCP: l4_len >= 20 and 20 <= data offset
 * * 4 <= l4_len (options are inside @l4_len, their contents unchecked);
 * UDP: l4_len >= 8 and the UDP length field == l4_len (trimmed to it);
 * ICMP/ICMPv6: l4_len >= 8. Everything else translators check before use.
 */
struct pkt {
	const uint8_t *frame;
	size_t frame_len;
	uint8_t af;
	uint8_t proto;
	uint8_t ttl;
	union inany src;
	union inany dst;
	const uint8_t *l4;
	size_t l4_len;
	const struct iovec *tail;
	int tail_n;
	size_t tail_len;
	uint16_t gso;
};

#define PKT_GSO_SEGS_MAX	128	/* UDP_MAX_SEGMENTS, Linux 6.10 on */

#endif /* TETHER_PKT_H */
