// SPDX-License-Identifier: MIT
/* fuzz_vu_ring.c - vhost-user's split ring walker on a guest-written
 * ring. The input is the guest's memory (descriptors, available and used
 * rings, buffers, indirect tables: anything), after 4 bytes of set-up:
 * the ring size (a power of two, 1 to 256), the direction taken (guest
 * transmit: readable buffers, or receive: writable), the event index,
 * and where the last available index starts. Every chain is taken until
 * none is left or the ring is broken; each byte of each buffer handed
 * out is touched (ASan catches one outside the guest's memory), and the
 * chains go back through the used ring. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "link/vu_mem.h"
#include "link/vu_ring.h"

#define FZ_GPA	0x40000ull
#define FZ_UVA	0x7f0000000000ull
#define FZ_MEM	(64 * 1024)

static uint8_t fz_ram[FZ_MEM] __attribute__((aligned(4096)));

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_region_desc d = { FZ_GPA, FZ_MEM, FZ_UVA, 0 };
	static struct vu_chain c;
	struct vu_mem m = { 0 };
	struct vu_ring r;
	unsigned i, rounds;
	int n;

	if (size < 4)
		return 0;
	memset(fz_ram, 0, sizeof(fz_ram));
	memcpy(fz_ram, data + 4, size - 4 < FZ_MEM ? size - 4 : FZ_MEM);
	if (vu_mem_raw(&m, &d, fz_ram))
		fz_abort("vu_mem_raw");

	memset(&r, 0, sizeof(r));
	r.kick = r.call = -1;
	r.num = (uint16_t)(1u << (data[0] % 9));
	r.event_idx = data[1] & 1;
	r.last_avail = r.used_idx = r.used_shown = (uint16_t)(data[2] |
							      data[3] << 8);
	r.desc_uva = FZ_UVA;
	r.avail_uva = FZ_UVA + 16 * r.num;
	r.used_uva = FZ_UVA + ((18 * r.num + 6 + 3) & ~3u);
	if (vu_ring_map(&r, &m))
		fz_abort("ring map");

	for (rounds = 0; rounds < 4; rounds++) {
		n = vu_ring_avail(&r);
		for (; n > 0; n--) {
			int rc = vu_ring_pop(&r, &m, data[1] & 2, &c);
			size_t sum = 0, len = 0;
			int k;

			if (rc == -EPROTO)
				break;
			for (k = 0; k < c.n; k++) {
				const uint8_t *p = c.iov[k].iov_base;

				if (p < fz_ram ||
				    p + c.iov[k].iov_len > fz_ram + FZ_MEM)
					fz_abort("buffer outside memory");
				for (i = 0; i < c.iov[k].iov_len; i++)
					sum += p[i];
				len += c.iov[k].iov_len;
			}
			if (len != c.len || c.n > VU_CHAIN_SEGS)
				fz_abort("chain length");
			(void)sum;
			vu_ring_push(&r, c.head, rc ? 0 : (uint32_t)len);
		}
		vu_ring_publish(&r);
		if (!vu_ring_notify_on(&r))
			break;
	}
	if (data[1] & 4)
		vu_ring_unpop(&r, 1);
	return 0;
}
