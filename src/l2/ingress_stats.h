/* SPDX-License-Identifier: MIT */
/* ingress_stats.h - what ingress did with guest frames: counters by reason */
#ifndef TETHER_INGRESS_STATS_H
#define TETHER_INGRESS_STATS_H

#include <stdint.h>
#include "loop.h"

/*
 * enum ingress_cnt - one counter per outcome. IN_PASS is not an outcome:
 * parse steps return it to mean "carry on". IN_TO_* count frames handed
 * to a service or translator, IN_DROP_* frames dropped, by reason: each
 * frame counts once in one of them. IN_CALL_* count translator calls, so
 * that IN_TO_TCP / IN_CALL_TCP is the average group size.
 */
enum ingress_cnt {
	IN_PASS,
	IN_TO_ARP,
	IN_TO_TCP,
	IN_TO_UDP,
	IN_TO_ICMP,
	IN_TO_NDP,
	IN_TO_DHCP,		/* DHCP or DHCPv6 */
	IN_DROP_SHORT,		/* frame too short for its headers */
	IN_DROP_ETHERTYPE,	/* VLAN, unknown EtherType */
	IN_DROP_FAMILY_OFF,	/* IPv4 or IPv6 not served */
	IN_DROP_IP_HDR,		/* version, IHL */
	IN_DROP_IP_LEN,		/* total / payload length */
	IN_DROP_IP_CSUM,	/* IPv4 header checksum */
	IN_DROP_FRAG,		/* IPv4 or IPv6 fragment */
	IN_DROP_EXTHDR,		/* IPv6 extension header chain */
	IN_DROP_ADDR,		/* loopback, multicast source, unspecified */
	IN_DROP_PROTO,		/* unknown L4 protocol, no next header */
	IN_DROP_L4_HDR,		/* L4 header too short or inconsistent */
	IN_DROP_L4_CSUM,	/* L4 checksum */
	IN_DROP_GSO,		/* UDP GSO frame: bad size, or to a service */
	IN_DROP_SVC_OFF,	/* --no-tcp, --no-udp, --no-icmp */
	IN_DROP_DHCP,		/* DHCP / DHCPv6 server disabled */
	IN_DROP_NDP,		/* NDP message not consumed */
	IN_DROP_SHARED,		/* for a service, in guest-writable memory */
	IN_DROP_SPLIT,		/* in two parts, and not a TCP segment */
	IN_TO_LOOP0,		/* for a service: to loop 0, which has them */
	IN_DROP_INBOX,		/* another loop's inbox was full */
	IN_CALL_TCP,		/* not frames: tcp_from_tap() calls (groups) */
	IN_CALL_UDP,		/* udp_from_tap() calls */
	IN_PASSED_ON,		/* not frames either: packets of no flow of
				 * this loop's, to the next loop */
	IN_CNT_NUM_,
};

/* ingress_count() - value of counter @c since start (or the last reset) */
uint64_t ingress_count(struct loop *lp, enum ingress_cnt c);
/* ingress_count_name() - short name of counter @c, for logs */
const char *ingress_count_name(enum ingress_cnt c);
/* ingress_count_reset() - zero every counter (tests) */
void ingress_count_reset(struct loop *lp);
/* ingress_count_log() - log the non-zero counters on one debug line (also
 * done every 30 s with --debug, when they changed) */
void ingress_count_log(struct loop *lp);

#endif /* TETHER_INGRESS_STATS_H */
