// SPDX-License-Identifier: MIT
/* arp.c - proxy ARP on the tap link: every address is behind our MAC */
#include <netinet/in.h>
#include <string.h>

#include "l2/arp.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/txpool.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * DOC: the guest sees a single neighbour, us: whatever IPv4 address it
 * asks for (RFC 826 request), we answer with our own MAC, so that every
 * packet it sends, to the gateway or to an address on its own subnet,
 * reaches the tap. Requests we must not answer (RFC 5227):
 * - 2.1.1 probes: sender IP 0.0.0.0, the guest checks its address is free;
 * - 2.3 announcements: sender IP == target IP (gratuitous ARP);
 * - requests for the guest's own address: answering would make it look
 *   taken (and the guest doesn't need us to reach itself).
 */

#define ARP_LEN		28	/* Ethernet/IPv4 ARP payload */
#define ARP_FRAME_MIN	60	/* Ethernet minimum, without FCS */
#define ARP_HTYPE_ETH	1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

/* Offsets in the ARP payload */
#define ARP_SHA		8
#define ARP_SPA		14
#define ARP_THA		18
#define ARP_TPA		24

static bool arp_enabled;

void arp_init(const struct conf_ip4 *ip4)
{
	arp_enabled = ip4->enabled;
}

/* Is the request one to answer? Checked: it is a valid request. */
static bool arp_wants_reply(const uint8_t *a)
{
	struct in_addr guest;
	union inany g;

	if (!memcmp(a + ARP_SPA, a + ARP_TPA, 4))	/* announcement */
		return false;
	if (!rd32(a + ARP_SPA))				/* probe */
		return false;
	guest_addr(AF_INET, &g);
	guest = g.v4.a4;
	if (!memcmp(a + ARP_TPA, &guest, 4))		/* guest's own */
		return false;
	return true;
}

void arp_from_tap(struct loop *lp, const uint8_t *frame, size_t len)
{
	const uint8_t *a = frame + ETH_HDR_LEN;
	uint8_t reply[ARP_FRAME_MIN] = { 0 };
	uint8_t *r = reply + ETH_HDR_LEN;

	if (!arp_enabled)
		return;
	if (len < ETH_HDR_LEN + ARP_LEN) {
		debug_rl("arp: short frame (%zu bytes)", len);
		return;
	}
	if (rd16(a) != ARP_HTYPE_ETH || rd16(a + 2) != 0x0800 ||
	    a[4] != 6 || a[5] != 4) {
		debug_rl("arp: not Ethernet/IPv4");
		return;
	}
	if (rd16(a + 6) != ARP_OP_REQUEST || !arp_wants_reply(a))
		return;

	/* Ethernet: back to the sender, from us */
	memcpy(reply, a + ARP_SHA, 6);
	memcpy(reply + 6, egress_our_mac(lp), 6);
	wr16(reply + 12, 0x0806);

	memcpy(r, a, 6);			/* htype, ptype, hlen, plen */
	wr16(r + 6, ARP_OP_REPLY);
	memcpy(r + ARP_SHA, egress_our_mac(lp), 6);
	memcpy(r + ARP_SPA, a + ARP_TPA, 4);	/* "I am who you asked for" */
	memcpy(r + ARP_THA, a + ARP_SHA, 6);
	memcpy(r + ARP_TPA, a + ARP_SPA, 4);

	txq_copy(lp, reply, sizeof(reply));
}
