// SPDX-License-Identifier: MIT
/* fuzz_ingress.c - frames from a guest, through ingress into ARP, NDP,
 * DHCP, DHCPv6, ICMP, UDP and TCP handling
 *
 * Input: frames, each as a 2-byte big-endian length and that many bytes
 * (a short last one takes what is left); the first byte's low bits also
 * say whether the link vouches for checksums (bit 0), whether frames lie
 * in guest-writable memory (bit 1), and whether they come in two parts
 * (bit 2: split where the bits above say, the tail in two pieces, as
 * vhost-user hands up TCP segments; each piece is then a heap copy of
 * its own size, so that a read past one is caught). Everything runs in a
 * network namespace of the target's own, with only lo (see l2test.h):
 * whatever tether sends can't leave it.
 */
#include "fuzz_svc.h"

#define FZ_FRAMES	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f[FZ_FRAMES] = { 0 };
	struct iovec tails[FZ_FRAMES][2];
	uint8_t *parts[3 * FZ_FRAMES];
	size_t off = 1;
	int n = 0, np = 0, i;

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
		f[n].shared = data[0] & 2;
		if (data[0] & 4) {
			size_t cut = (size_t)(data[0] >> 3) * 8 + ETH_HDR_LEN;

			if (cut > len)
				cut = len;
			parts[np] = malloc(cut ? cut : 1);
			memcpy(parts[np], data + off, cut);
			f[n].data = parts[np++];
			f[n].len = cut;
			f[n].tail_len = len - cut;
			/* The tail in two pieces, each of its own */
			for (i = 0; i < 2; i++) {
				size_t h = (len - cut) / 2, at = i ? h : 0,
				       l = i ? len - cut - h : h;

				parts[np] = malloc(l ? l : 1);
				memcpy(parts[np], data + off + cut + at, l);
				tails[n][i].iov_base = parts[np++];
				tails[n][i].iov_len = l;
			}
			f[n].tail = f[n].tail_len ? tails[n] : NULL;
			f[n].tail_n = f[n].tail_len ? 2 : 0;
		}
		n++;
		off += len;
	}
	clock_gettime(CLOCK_MONOTONIC, &lp->now);
	ingress_batch(lp, f, n);
	fz_svc_done();
	for (i = 0; i < np; i++)
		free(parts[i]);
	return 0;
}
