// SPDX-License-Identifier: MIT
/* fuzz_dhcpv6.c - DHCPv6 messages from the guest (message type,
 * transaction id, options, nested IA options), straight into the DHCPv6
 * server
 *
 * Input: a byte choosing the destination (All_DHCP_Relay_Agents_and_Servers
 * or our link-local address), then the UDP payload.
 */
#include "fuzz_svc.h"

#define FZ_GUEST_LL	"fe80::2"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p;

	if (!size)
		return 0;
	if (!fz_svc_pkt(&p, AF_INET6, IPPROTO_UDP, FZ_GUEST_LL,
			data[0] & 1 ? T_GW6 : "ff02::1:2", 1,
			DHCPV6_CLIENT_PORT, DHCPV6_SERVER_PORT, data + 1,
			size - 1))
		return 0;
	(void)dhcpv6_from_tap(lp, &p);
	fz_svc_done();
	return 0;
}
