// SPDX-License-Identifier: MIT
/* fuzz_dhcp.c - DHCPv4 messages from the guest (BOOTP header, magic
 * cookie, options), straight into the DHCP server
 *
 * Input: a byte choosing how the request is addressed (broadcast from
 * 0.0.0.0, or unicast from the guest's address to ours), then the UDP
 * payload.
 */
#include "fuzz_svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool unicast;
	struct pkt p;

	if (!size)
		return 0;
	unicast = data[0] & 1;
	if (!fz_svc_pkt(&p, AF_INET, IPPROTO_UDP,
			unicast ? T_GUEST4 : "0.0.0.0",
			unicast ? T_GW4 : "255.255.255.255", 64,
			DHCP_CLIENT_PORT, DHCP_SERVER_PORT, data + 1, size - 1))
		return 0;
	(void)dhcp_from_tap(lp, &p);
	fz_svc_done();
	return 0;
}
