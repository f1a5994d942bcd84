/* SPDX-License-Identifier: MIT */
/* frame.h - what a link back-end hands up and takes down: Ethernet frames,
 * and the batch limits every layer above shares */
#ifndef TETHER_FRAME_H
#define TETHER_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define ETH_HDR_LEN	14	/* destination, source, ethertype */
#define L2_MAX_FRAME	65535	/* largest frame on any link, L2 included */
#define LINK_RX_BATCH	256	/* frames handled per wake-up, at most */
#define LINK_IOV_MAX	4	/* iovecs per frame on transmit: the stride
				 * of link_ops.tx()'s array; one is kept for
				 * the back-end's own header */
#define FRAME_TAIL_MAX	8	/* pieces of a frame's tail, at most */

/**
 * struct frame - one received frame, as the link back-end delivered it
 * @data:	Ethernet header onward
 * @len:	bytes
 * @csum_ok:	the link vouches for L4 checksums (offload); else verify
 * @gso_udp:	the link says the frame is UDP GSO (many datagrams behind
 *		one header): their payload size, 0 if not (ingress checks)
 * @shared:	the frame lies in memory the guest can still write to
 *		(vhost-user, no copy): read each field once, and only the
 *		data path (TCP, UDP, ICMP) takes it
 * @tail:	the frame doesn't end at @data + @len but goes on in these
 *		@tail_n pieces, @tail_len bytes in all (vhost-user: a TCP
 *		segment whose headers and payload lie apart in guest memory,
 *		as Linux sends them: the linear part, then page fragments).
 *		Only a TCP segment whose headers all lie in the first part
 *		may have a tail: ingress drops anything else. NULL if none
 * @tail_n:	pieces at @tail, at most FRAME_TAIL_MAX
 * @tail_len:	bytes in them, 0 if none
 */
struct frame {
	const uint8_t *data;
	size_t len;
	int csum_ok;
	uint16_t gso_udp;
	bool shared;
	const struct iovec *tail;
	int tail_n;
	size_t tail_len;
};

#endif /* TETHER_FRAME_H */
