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
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fuzz.h"
#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "../unit/l2test.h"

#define FZ_FRAMES	64

static struct conf fz_conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!t_netns())
		fz_abort("cannot make a network namespace of our own");
	fz_check_isolated();
	t_conf(&fz_conf);
	fz_conf.svc.dhcp = fz_conf.svc.dhcpv6 = true;
	t_start(&fz_conf, false);
	dhcp_init(&fz_conf);		/* the unit tests' t_start() leaves */
	dhcpv6_init(&fz_conf);		/* these two out */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f[FZ_FRAMES];
	struct timespec now;
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
	clock_gettime(CLOCK_MONOTONIC, &now);
	ingress_batch(f, n, &now);
	egress_flush();
	t_ncap = 0;
	return 0;
}
