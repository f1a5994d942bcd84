// SPDX-License-Identifier: MIT
/* fuzz_ingress.c - frames from a guest, through ingress into ARP, NDP,
 * DHCP, DHCPv6, ICMP, UDP and TCP handling
 *
 * Input: frames, each as a 2-byte big-endian length and that many bytes
 * (a short last one takes what is left); the first byte's low bits also
 * say whether the link vouches for checksums. Everything runs in a
 * network namespace of the target's own, with only lo (see l2test.h):
 * whatever tether sends can't leave it.
 */
#include "fuzz_svc.h"

#define FZ_FRAMES	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f[FZ_FRAMES];
	size_t off = 1;
	int n = 0;

	if (!size)
		return 0;
	while (off + 2 <= size && n < FZ_FRAMES) {
		size_t len = rd16(data + off);

		off += 2;
		if (len > size - off)
			len = size - off;
		f[n].data = data + off;
		f[n].len = len;
		f[n].csum_ok = data[0] & 1;
		f[n].gso_udp = 0;
		n++;
		off += len;
	}
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, f, n);
	fz_svc_done();
	return 0;
}
