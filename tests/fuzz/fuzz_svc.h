/* SPDX-License-Identifier: MIT */
/*
 * fuzz_svc.h - what the targets that run l2 (ingress, DHCP, DHCPv6, NDP)
 * share: the start-up, in a namespace of their own, with every service
 * on; and, for the service targets, the fuzz input as the L4 payload of a
 * guest frame that ingress has already validated, so the fuzzer spends
 * its time in the service's own parser rather than in getting Ethernet,
 * IP and checksums right (the ingress target covers that road)
 */
#ifndef TETHER_FUZZ_SVC_H
#define TETHER_FUZZ_SVC_H

#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fuzz.h"
#include "../unit/l2test.h"
#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "l2/ndp.h"
#include "l2/pkt.h"

static struct conf fz_conf;

/* Our own namespace with lo only, the test configuration, DHCP on */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!t_netns())
		fz_abort("cannot make a network namespace of our own");
	fz_check_isolated();
	t_conf(&fz_conf);
	fz_conf.svc.dhcp = fz_conf.svc.dhcpv6 = true;
	fz_conf.ip4.dns[0] = t_a4(T_DNS4);
	fz_conf.ip4.dns_n = 1;
	strcpy(fz_conf.svc.hostname, "guest");
	strcpy(fz_conf.svc.fqdn, "guest.example.org");
	t_start(&fz_conf, false);
	dhcp_init(&fz_conf.ip4, &fz_conf.link, &fz_conf.svc);
	dhcpv6_init(&fz_conf);
	return 0;
}

/*
 * fz_svc_pkt() - @p: @data as the payload of a frame from the guest, with
 * a UDP header (@sport, @dport) in front of it unless @proto is ICMPv6.
 * Return: false if @data can't be such a packet (ingress would drop it)
 */
static inline bool fz_svc_pkt(struct pkt *p, int af, uint8_t proto,
			      const char *src, const char *dst, uint8_t ttl,
			      uint16_t sport, uint16_t dport,
			      const uint8_t *data, size_t size)
{
	static uint8_t fz_frame[L2_MAX_FRAME];
	size_t hl = ETH_HDR_LEN + (af == AF_INET ? IP4_HDR_LEN : IP6_HDR_LEN);
	size_t l4hl = proto == IPPROTO_UDP ? 8 : 0;
	uint8_t *l4 = fz_frame + hl;

	if (size > sizeof(fz_frame) - hl - l4hl || size + l4hl < 8 ||
	    size + l4hl > 65535)
		return false;
	memset(p, 0, sizeof(*p));
	memset(fz_frame, 0, hl);
	memcpy(fz_frame, t_our_mac, 6);
	memcpy(fz_frame + 6, t_guest_mac, 6);
	wr16(fz_frame + 12, af == AF_INET ? 0x0800 : 0x86dd);
	if (l4hl) {
		wr16(l4, sport);
		wr16(l4 + 2, dport);
		wr16(l4 + 4, (uint16_t)(size + l4hl));
		wr16(l4 + 6, 0);
	}
	memcpy(l4 + l4hl, data, size);
	p->frame = fz_frame;
	p->frame_len = hl + l4hl + size;
	p->af = (uint8_t)af;
	p->proto = proto;
	p->ttl = ttl;
	p->src = t_any(src);
	p->dst = t_any(dst);
	p->l4 = l4;
	p->l4_len = l4hl + size;
	return true;
}

/* What a service answered goes to the test link, and is forgotten */
static inline void fz_svc_done(void)
{
	egress_flush(lp);
	t_ncap = 0;
}

#endif /* TETHER_FUZZ_SVC_H */
