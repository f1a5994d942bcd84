// SPDX-License-Identifier: MIT
/* fuzz_ndp.c - ICMPv6 neighbour discovery from the guest (router and
 * neighbour solicitations and advertisements, redirects, their options),
 * straight into NDP
 *
 * Input: a byte choosing the source (the guest's link-local address, its
 * global one, or the unspecified address of DAD), the destination
 * (all-routers, our link-local address, or a solicited-node group) and the
 * hop limit (255 as RFC 4861 requires, or 64), then the ICMPv6 message.
 */
#include "fuzz_svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const src[] = { "fe80::2", T_GUEST6, "::", "fe80::2" };
	static const char *const dst[] = { "ff02::2", T_GW6, "ff02::1:ff00:1",
					   "ff02::1" };
	struct pkt p;

	if (!size)
		return 0;
	if (!fz_svc_pkt(&p, AF_INET6, IPPROTO_ICMPV6, src[data[0] & 3],
			dst[(data[0] >> 2) & 3], data[0] & 0x10 ? 64 : 255,
			0, 0, data + 1, size - 1))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	(void)ndp_from_tap(lp, &p);
	fz_svc_done();
	return 0;
}
