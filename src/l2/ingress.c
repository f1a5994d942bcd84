// SPDX-License-Identifier: MIT
/* ingress.c - validate guest frames and sort them to L2 services and L4 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "l2/arp.h"
#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/ingress.h"
#include "l2/ingress_stats.h"
#include "l2/ndp.h"
#include "lib/checksum.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "loops.h"

/*
 * DOC: every byte of a guest frame is untrusted. A frame goes through
 * three checks, each against the bytes actually present: Ethernet, then
 * IPv4 or IPv6 (lengths trimmed to the IP length fields, so Ethernet
 * padding disappears), then the fixed L4 header and its checksum. What
 * passes is described by a struct pkt (l2/pkt.h lists the guarantees).
 *
 * ARP, NDP and ICMP are handled at once. TCP and UDP packets are held
 * until the end of the batch and grouped by flow (addresses, ports and,
 * for UDP, TTL), keeping arrival order within each flow: each group is
 * handed to its translator with one call, so that a burst of one flow
 * becomes one sendmsg() / sendmmsg().
 */

#define ETH_P_ARP_	0x0806
#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86dd

#define INGRESS_PKTS	256	/* TCP/UDP packets held per batch */
#define INGRESS_SEQS	64	/* flows (groups) per batch */
#define INGRESS_EXT_MAX	8	/* IPv6 extension headers walked */
#define FRAG_WARN_S	10	/* s between "fragment dropped" warnings */
#define STATS_LOG_MS	30000	/* --debug: counters logged at most this often */

/**
 * struct ingress_seq - one group of held TCP/UDP packets of the same flow
 * @first:	index of its first packet in held[]
 * @n:		packets in the group
 * @start:	where the group begins in sorted[], once sorted
 */
struct ingress_seq {
	int first;
	int n;
	int start;
};

static const char *const cnt_str[] = {
	[IN_PASS] = "pass", [IN_TO_ARP] = "arp", [IN_TO_TCP] = "tcp",
	[IN_TO_UDP] = "udp", [IN_TO_ICMP] = "icmp", [IN_TO_NDP] = "ndp",
	[IN_TO_DHCP] = "dhcp",
	[IN_DROP_SHORT] = "short frame",
	[IN_DROP_ETHERTYPE] = "unknown EtherType",
	[IN_DROP_FAMILY_OFF] = "IP version disabled",
	[IN_DROP_IP_HDR] = "bad IP header", [IN_DROP_IP_LEN] = "bad IP length",
	[IN_DROP_IP_CSUM] = "bad IPv4 header checksum",
	[IN_DROP_FRAG] = "fragment",
	[IN_DROP_EXTHDR] = "bad IPv6 extension header",
	[IN_DROP_ADDR] = "bad address",
	[IN_DROP_PROTO] = "unsupported protocol",
	[IN_DROP_L4_HDR] = "bad L4 header",
	[IN_DROP_L4_CSUM] = "bad L4 checksum",
	[IN_DROP_GSO] = "bad UDP GSO",
	[IN_DROP_SVC_OFF] = "protocol disabled",
	[IN_DROP_DHCP] = "DHCP disabled",
	[IN_DROP_NDP] = "NDP not handled",
	[IN_DROP_SHARED] = "service frame in shared memory",
	[IN_DROP_SPLIT] = "two-part frame not TCP",
	[IN_TO_LOOP0] = "to loop 0", [IN_DROP_INBOX] = "loop inbox full",
	[IN_CALL_TCP] = "tcp groups", [IN_CALL_UDP] = "udp groups",
	[IN_PASSED_ON] = "passed to the next loop",
};
_Static_assert(sizeof(cnt_str) / sizeof(cnt_str[0]) == IN_CNT_NUM_,
	       "ingress counter names");

/* What ingress keeps per loop: the counters, the batch being sorted */
struct ingress {
	bool ip4, ip6;
	ingress_l4_fn *l4[INGRESS_L4_NUM_];	/* translators */
	struct in_addr dhcp_addr;		/* our DHCP server address */
	struct in_addr dhcp_addr_was;		/* the one before (following
						 * the host): renewals of leases
						 * it gave still come to it */
	struct in_addr dhcp_bcast;		/* the guest subnet's broadcast */
	uint64_t cnt[IN_CNT_NUM_];
	time_t frag_warned;
	unsigned hops;				/* loops the frames being
						 * handled went through */

	struct pkt held[INGRESS_PKTS];		/* arrival order */
	uint8_t held_seq[INGRESS_PKTS];		/* group of each */
	int nheld;
	struct ingress_seq seq[INGRESS_SEQS];
	int nseq;
	int last_seq;				/* tried first */
	struct pkt sorted[INGRESS_PKTS];	/* grouped */
};

uint64_t ingress_count(struct loop *lp, enum ingress_cnt c)
{
	struct ingress *in = lp->ingress;

	return c < IN_CNT_NUM_ ? in->cnt[c] : 0;
}

const char *ingress_count_name(enum ingress_cnt c)
{
	return c < IN_CNT_NUM_ ? cnt_str[c] : "?";
}

void ingress_count_reset(struct loop *lp)
{
	struct ingress *in = lp->ingress;

	memset(in->cnt, 0, sizeof(in->cnt));
}

void ingress_count_log(struct loop *lp)
{
	struct ingress *in = lp->ingress;
	char line[1024];
	size_t pos = 0;
	int i;

	for (i = IN_PASS + 1; i < IN_CNT_NUM_ && pos < sizeof(line); i++) {
		if (!in->cnt[i])
			continue;
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					"%s%s %llu", pos ? ", " : "",
					cnt_str[i],
					(unsigned long long)in->cnt[i]);
	}
	if (pos)
		debug("ingress: %s", line);
}

/* With --debug, a summary line now and then, when something changed */
static void ingress_stats_timer(struct loop *lp)
{
	struct ingress *in = lp->ingress;
	static _Thread_local uint64_t last_total;
	uint64_t total = 0;
	int i;

	if (!log_enabled(LOG_LVL_DEBUG))
		return;
	for (i = IN_PASS + 1; i < IN_CNT_NUM_; i++)
		total += in->cnt[i];
	if (total != last_total)
		ingress_count_log(lp);
	last_total = total;
}

static void ingress_inbox(struct loop *lp, const struct loop_msg *m);

void ingress_init(struct loop *lp, const struct conf_ip4 *ip4,
		  const struct conf_ip6 *ip6)
{
	loop_state_new(lp->ingress, "ingress state");
	ingress_conf_set(lp, ip4, ip6);
	if (lp->inbox)
		loops_msg_handler(lp, LOOP_MSG_FRAME, ingress_inbox);
	loop_timer_add(lp, ingress_stats_timer, STATS_LOG_MS);
}

void ingress_conf_set(struct loop *lp, const struct conf_ip4 *ip4,
		      const struct conf_ip6 *ip6)
{
	struct ingress *in = lp->ingress;

	in->ip4 = ip4->enabled;
	in->ip6 = ip6->enabled;
	if (in->dhcp_addr.s_addr != ip4->our_addr.s_addr)
		in->dhcp_addr_was = in->dhcp_addr;
	in->dhcp_addr = ip4->our_addr;
	in->dhcp_bcast = conf_ip4_bcast(ip4);
}

void ingress_register(struct loop *lp, enum ingress_l4 which,
		      ingress_l4_fn *fn)
{
	struct ingress *in = lp->ingress;

	in->l4[which] = fn;
}

/* Count a drop (or a delivery) and log drops now and then */
static void count(struct loop *lp, enum ingress_cnt why)
{
	struct ingress *in = lp->ingress;

	in->cnt[why]++;
	if (why >= IN_DROP_SHORT && why < IN_CALL_TCP)
		debug_rl("ingress: frame dropped: %s", cnt_str[why]);
}

/* Fragments are the one drop worth telling the user about */
static void frag_warn(struct loop *lp)
{
	struct ingress *in = lp->ingress;

	if (in->frag_warned && lp->now.tv_sec - in->frag_warned < FRAG_WARN_S)
		return;
	in->frag_warned = lp->now.tv_sec ? lp->now.tv_sec : 1;
	warn("guest sent an IP fragment: dropped (fragments are not "
	     "supported; check the guest's MTU)");
}

/* ---- IPv4 / IPv6 ----------------------------------------------------- */

/* Addresses the guest may never use, for either family */
static enum ingress_cnt check_addrs(const struct pkt *p)
{
	if (inany_is_loopback(&p->src) || inany_is_loopback(&p->dst))
		return IN_DROP_ADDR;
	if (inany_is_multicast(&p->src) || inany_is_unspec(&p->dst))
		return IN_DROP_ADDR;
	return IN_PASS;
}

/**
 * parse_ip4() - check an IPv4 header and fill @p
 * @ip:		IPv4 header
 * @avail:	bytes present from @ip to the end of the frame
 * @p:		filled: family, protocol, TTL, addresses, L4 start and length
 *
 * Return: IN_PASS or the drop reason
 */
/* @avail: bytes of the packet; @hdr: of them, those in the frame's first
 * part, where every header must be (the same for a frame in one part) */
static enum ingress_cnt parse_ip4(const uint8_t *ip, size_t avail,
				  size_t hdr, struct pkt *p)
{
	struct in_addr a;
	size_t hl, tot;

	if (hdr < IP4_HDR_LEN)
		return IN_DROP_SHORT;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	if (ip[0] >> 4 != 4 || hl < IP4_HDR_LEN || hl > hdr)
		return IN_DROP_IP_HDR;
	tot = rd16(ip + 2);
	if (tot < hl || tot > avail)
		return IN_DROP_IP_LEN;
	if (csum_fold(csum_partial(ip, hl, 0)))
		return IN_DROP_IP_CSUM;
	if (rd16(ip + 6) & 0x3fff)		/* MF, or an offset */
		return IN_DROP_FRAG;

	p->af = AF_INET;
	p->ttl = ip[8];
	p->proto = ip[9];
	memcpy(&a, ip + 12, 4);
	inany_from_v4(&p->src, a);
	memcpy(&a, ip + 16, 4);
	inany_from_v4(&p->dst, a);
	p->l4 = ip + hl;			/* options skipped */
	p->l4_len = tot - hl;
	return IN_PASS;
}

/* IPv4-mapped addresses have no business in an IPv6 header (RFC 4291
 * 2.5.5.2), and would be taken for IPv4 by everything after ingress */
static bool ip6_addr_ok(const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, mapped, sizeof(mapped));
}

/*
 * ip6_walk() - skip extension headers (RFC 8200 4): hop-by-hop (first
 * only), routing, destination options; fragments and anything with no
 * upper layer are dropped. @off: start, moved to the L4 header;
 * @nh: next header, set to the L4 protocol.
 */
static enum ingress_cnt ip6_walk(const uint8_t *ip, size_t end, size_t *off,
				 uint8_t *nh)
{
	int i;

	for (i = 0; ; i++) {
		size_t hlen;

		switch (*nh) {
		case IPPROTO_HOPOPTS:
			if (i)
				return IN_DROP_EXTHDR;
			break;
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			break;
		case IPPROTO_FRAGMENT:
			return IN_DROP_FRAG;
		case IPPROTO_NONE:
			return IN_DROP_PROTO;
		default:
			return IN_PASS;
		}
		if (i >= INGRESS_EXT_MAX || *off + 8 > end)
			return IN_DROP_EXTHDR;
		hlen = ((size_t)ip[*off + 1] + 1) * 8;
		if (*off + hlen > end)
			return IN_DROP_EXTHDR;
		*nh = ip[*off];
		*off += hlen;
	}
}

/**
 * parse_ip6() - check an IPv6 header and its extension headers, fill @p
 * @ip:		IPv6 header
 * @avail:	bytes present from @ip to the end of the frame
 * @hdr:	of them, those in the frame's first part: headers end there
 * @p:		filled as by parse_ip4()
 *
 * Return: IN_PASS or the drop reason
 */
static enum ingress_cnt parse_ip6(const uint8_t *ip, size_t avail,
				  size_t hdr, struct pkt *p)
{
	size_t end, off = IP6_HDR_LEN;
	enum ingress_cnt r;
	uint8_t nh;

	if (hdr < IP6_HDR_LEN)
		return IN_DROP_SHORT;
	if (ip[0] >> 4 != 6)
		return IN_DROP_IP_HDR;
	end = IP6_HDR_LEN + rd16(ip + 4);
	if (end > avail)
		return IN_DROP_IP_LEN;
	if (!ip6_addr_ok(ip + 8) || !ip6_addr_ok(ip + 24))
		return IN_DROP_ADDR;

	nh = ip[6];
	r = ip6_walk(ip, MIN(end, hdr), &off, &nh);
	if (r != IN_PASS)
		return r;

	p->af = AF_INET6;
	p->ttl = ip[7];
	p->proto = nh;
	memcpy(&p->src.a6, ip + 8, 16);
	memcpy(&p->dst.a6, ip + 24, 16);
	p->l4 = ip + off;
	p->l4_len = end - off;
	return IN_PASS;
}

/* ---- L4 ------------------------------------------------------------- */

static bool l4_csum_ok(const struct pkt *p)
{
	uint32_t sum = 0;

	if (p->proto != IPPROTO_ICMP) {
		if (p->af == AF_INET)
			sum = csum_pseudo4(p->src.v4.a4, p->dst.v4.a4,
					   p->proto, (uint16_t)p->l4_len);
		else
			sum = csum_pseudo6(&p->src.a6, &p->dst.a6, p->proto,
					   (uint32_t)p->l4_len);
	}
	return !csum_fold(csum_partial(p->l4, p->l4_len, sum));
}

/**
 * check_l4() - check the fixed L4 header and the checksum; trim UDP
 * @p:		packet, @l4_len trimmed to the UDP length
 * @csum_ok:	the link vouched for the checksum
 *
 * Return: IN_PASS or the drop reason
 */
static enum ingress_cnt check_l4(struct pkt *p, bool csum_ok)
{
	size_t len;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (p->l4_len < 20)
			return IN_DROP_L4_HDR;
		len = (size_t)(p->l4[12] >> 4) * 4;
		if (len < 20 || len > p->l4_len)
			return IN_DROP_L4_HDR;
		break;
	case IPPROTO_UDP:
		if (p->l4_len < 8)
			return IN_DROP_L4_HDR;
		len = rd16(p->l4 + 4);
		if (len < 8 || len > p->l4_len)
			return IN_DROP_L4_HDR;
		p->l4_len = len;
		if (!rd16(p->l4 + 6)) {		/* RFC 768: no checksum */
			if (p->af == AF_INET)
				return IN_PASS;
			return IN_DROP_L4_CSUM;	/* RFC 8200 8.1 */
		}
		break;
	case IPPROTO_ICMP:
		if (p->af != AF_INET)
			return IN_DROP_PROTO;
		if (p->l4_len < 8)
			return IN_DROP_L4_HDR;
		break;
	case IPPROTO_ICMPV6:
		if (p->af != AF_INET6)
			return IN_DROP_PROTO;
		if (p->l4_len < 8)
			return IN_DROP_L4_HDR;
		break;
	default:
		return IN_DROP_PROTO;
	}
	if (!csum_ok && !l4_csum_ok(p))
		return IN_DROP_L4_CSUM;
	return IN_PASS;
}

/*
 * check_gso() - a frame the link says is UDP GSO (@gso: datagram payload
 * size): many datagrams behind one UDP header, whose length is the total.
 * One that holds a single datagram is just that; more segments than any
 * kernel makes is not from a kernel. TCP needs no size: it is a stream.
 */
static enum ingress_cnt check_gso(struct pkt *p, uint16_t gso)
{
	size_t payload;

	p->gso = 0;
	if (!gso || p->proto != IPPROTO_UDP)
		return IN_PASS;
	payload = p->l4_len - 8;
	if (payload <= gso)
		return IN_PASS;
	if (payload > (size_t)gso * PKT_GSO_SEGS_MAX)
		return IN_DROP_GSO;
	p->gso = gso;
	return IN_PASS;
}

/* ---- TCP / UDP grouping --------------------------------------------- */

static bool same_flow(const struct pkt *a, const struct pkt *b)
{
	return a->proto == b->proto &&
	       inany_equals(&a->src, &b->src) &&
	       inany_equals(&a->dst, &b->dst) &&
	       !memcmp(a->l4, b->l4, 4) &&		/* both ports */
	       (a->proto != IPPROTO_UDP || a->ttl == b->ttl);
}

/* Hand every held group to its translator, each in arrival order */
static void seq_flush(struct loop *lp)
{
	struct ingress *in = lp->ingress;
	int i, pos = 0;

	if (!in->nheld)
		return;
	for (i = 0; i < in->nseq; i++) {
		in->seq[i].start = pos;
		pos += in->seq[i].n;
		in->seq[i].n = 0;
	}
	for (i = 0; i < in->nheld; i++) {
		struct ingress_seq *s = &in->seq[in->held_seq[i]];

		in->sorted[s->start + s->n++] = in->held[i];
	}
	for (i = 0; i < in->nseq; i++) {
		const struct pkt *p = &in->sorted[in->seq[i].start];

		if (p->proto == IPPROTO_TCP) {
			in->cnt[IN_CALL_TCP]++;
			in->l4[INGRESS_TCP](lp, p, in->seq[i].n);
		} else {
			in->cnt[IN_CALL_UDP]++;
			in->l4[INGRESS_UDP](lp, p, in->seq[i].n);
		}
	}
	in->nheld = in->nseq = in->last_seq = 0;
}

/* Hold a TCP or UDP packet in the group of its flow */
static void seq_add(struct loop *lp, const struct pkt *p)
{
	struct ingress *in = lp->ingress;
	int i, s = -1;

	if (in->nheld >= INGRESS_PKTS)
		seq_flush(lp);

	if (in->nseq && same_flow(p, &in->held[in->seq[in->last_seq].first])) {
		s = in->last_seq;
	} else {
		for (i = in->nseq - 1; i >= 0; i--) {
			if (same_flow(p, &in->held[in->seq[i].first])) {
				s = i;
				break;
			}
		}
	}
	if (s < 0) {
		if (in->nseq >= INGRESS_SEQS)
			seq_flush(lp);
		s = in->nseq++;
		in->seq[s].first = in->nheld;
		in->seq[s].n = 0;
	}
	in->seq[s].n++;
	in->last_seq = s;
	in->held_seq[in->nheld] = (uint8_t)s;
	in->held[in->nheld++] = *p;
}

/* ---- dispatch ------------------------------------------------------- */

/*
 * DHCP and DHCPv6 are answered by us, never sent to the host network
 * (a REQUEST to 255.255.255.255 or a SOLICIT to ff02::1:2 would
 * otherwise leave as broadcast / multicast): with the server disabled,
 * they are dropped. Only what is addressed to us is ours: broadcasts
 * (limited, or the guest subnet's) and our own address, where a client
 * renews (and, once the host's network changed, our address before it,
 * where a client renews a lease it gave, to be refused); port 67 of any
 * other address is ordinary UDP (a real server or relay elsewhere).
 */
static bool udp_is_dhcp(struct loop *lp, const struct pkt *p)
{
	struct ingress *in = lp->ingress;
	uint16_t dport = rd16(p->l4 + 2);

	if (p->af == AF_INET)
		return dport == DHCP_SERVER_PORT &&
		       (p->dst.v4.a4.s_addr == INADDR_BROADCAST ||
			p->dst.v4.a4.s_addr == in->dhcp_bcast.s_addr ||
			p->dst.v4.a4.s_addr == in->dhcp_addr.s_addr ||
			(in->dhcp_addr_was.s_addr &&
			 p->dst.v4.a4.s_addr == in->dhcp_addr_was.s_addr));
	return dport == DHCPV6_SERVER_PORT &&
	       IN6_IS_ADDR_MULTICAST(&p->dst.a6);
}

/*
 * The services (ARP, NDP, DHCP, DHCPv6) and what they keep live in loop
 * 0: another loop hands their frames there, and loop 0 answers on its own
 * queue. Return: true if @frame went (or was dropped on the way)
 */
static bool to_loop0(struct loop *lp, const uint8_t *frame, size_t len,
		     enum ingress_cnt *r)
{
	if (!lp->id)
		return false;
	*r = loops_send(lp, 0, LOOP_MSG_FRAME, loops_n(lp), LOOP_MSG_F_CSUM_OK,
			0, frame, len) ? IN_DROP_INBOX : IN_TO_LOOP0;
	return true;
}

/*
 * @shared: the frame is in memory the guest can still write (vhost-user,
 * large frames, not copied). The data path reads each field once, the
 * services (DHCP, NDP, ARP) don't promise to, and their messages are
 * small: the link copies those. A large one in shared memory is refused.
 */
static enum ingress_cnt dispatch(struct loop *lp, const struct pkt *p,
				 bool shared)
{
	struct ingress *in = lp->ingress;
	enum ingress_cnt r;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (!in->l4[INGRESS_TCP])
			return IN_DROP_SVC_OFF;
		seq_add(lp, p);
		return IN_TO_TCP;
	case IPPROTO_UDP:
		if (udp_is_dhcp(lp, p)) {
			bool done;

			if (shared)
				return IN_DROP_SHARED;
			if (p->gso)	/* one message per datagram, always */
				return IN_DROP_GSO;
			if (to_loop0(lp, p->frame, p->frame_len, &r))
				return r;
			done = p->af == AF_INET ? dhcp_from_tap(lp, p) :
						  dhcpv6_from_tap(lp, p);

			return done ? IN_TO_DHCP : IN_DROP_DHCP;
		}
		if (!in->l4[INGRESS_UDP])
			return IN_DROP_SVC_OFF;
		seq_add(lp, p);
		return IN_TO_UDP;
	case IPPROTO_ICMPV6:
		if (p->l4[0] >= 133 && p->l4[0] <= 137 && shared)
			return IN_DROP_SHARED;
		if (p->l4[0] >= 133 && p->l4[0] <= 137) {
			if (to_loop0(lp, p->frame, p->frame_len, &r))
				return r;
			return ndp_from_tap(lp, p) ? IN_TO_NDP : IN_DROP_NDP;
		}
		/* fall through */
	case IPPROTO_ICMP:
		if (!in->l4[INGRESS_ICMP])
			return IN_DROP_SVC_OFF;
		in->l4[INGRESS_ICMP](lp, p, 1);
		return IN_TO_ICMP;
	}
	return IN_DROP_PROTO;
}

/*
 * A packet that goes on into the frame's tail (@end: where the first
 * part ends): only a TCP segment with its whole header in the first part
 * and a checksum the link vouches for (nothing else is read past @end,
 * and the checksum would have to be), the rest of its payload at the
 * tail. The tail is cut to the IP length.
 */
static enum ingress_cnt split_tcp(struct pkt *p, const struct frame *f,
				  const uint8_t *end)
{
	size_t doff, first;

	if (p->proto != IPPROTO_TCP || !f->csum_ok)
		return IN_DROP_SPLIT;
	if (end - p->l4 < 20)
		return IN_DROP_L4_HDR;
	doff = (size_t)(p->l4[12] >> 4) * 4;
	first = (size_t)(end - p->l4);
	if (doff < 20 || doff > first)
		return IN_DROP_L4_HDR;
	p->tail = f->tail;
	p->tail_n = f->tail_n;
	p->tail_len = p->l4_len - first;	/* <= f->tail_len: parsed so */
	return IN_PASS;
}

/* Unspecified source: only DAD probes (NDP), and DHCP once served */
static bool unspec_src_ok(struct loop *lp, const struct pkt *p)
{
	if (p->proto == IPPROTO_ICMPV6)
		return true;
	return p->proto == IPPROTO_UDP && udp_is_dhcp(lp, p);
}

static enum ingress_cnt ingress_ip(struct loop *lp, const struct frame *f,
				   uint16_t type)
{
	struct ingress *in = lp->ingress;
	const uint8_t *ip = f->data + ETH_HDR_LEN;
	size_t hdr = f->len - ETH_HDR_LEN, avail = hdr + f->tail_len;
	enum ingress_cnt r;
	struct pkt p;

	if (type == ETH_P_IP_) {
		if (!in->ip4)
			return IN_DROP_FAMILY_OFF;
		r = parse_ip4(ip, avail, hdr, &p);
	} else {
		if (!in->ip6)
			return IN_DROP_FAMILY_OFF;
		r = parse_ip6(ip, avail, hdr, &p);
	}
	if (r == IN_DROP_FRAG)
		frag_warn(lp);
	if (r != IN_PASS)
		return r;

	p.tail = NULL;
	p.tail_n = 0;
	p.tail_len = 0;
	if (f->tail_len && (size_t)(p.l4 - ip) + p.l4_len > hdr) {
		r = split_tcp(&p, f, ip + hdr);
		if (r != IN_PASS)
			return r;
	}
	r = check_l4(&p, f->csum_ok);
	if (r != IN_PASS)
		return r;
	r = check_gso(&p, f->gso_udp);
	if (r != IN_PASS)
		return r;
	r = check_addrs(&p);
	if (r != IN_PASS)
		return r;
	if (inany_is_unspec(&p.src) && !unspec_src_ok(lp, &p))
		return IN_DROP_ADDR;

	p.frame = f->data;
	p.frame_len = p.tail ? f->len
			     : (size_t)(p.l4 + p.l4_len - f->data);
	guest_addr_seen(&p.src);
	return dispatch(lp, &p, f->shared);
}

static bool mac_is_unicast(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

static void ingress_frame(struct loop *lp, const struct frame *f)
{
	struct ingress *in = lp->ingress;
	const uint8_t *src_mac = f->data + 6;
	enum ingress_cnt r;
	uint16_t type;

	if (!f->data || f->len < ETH_HDR_LEN) {
		count(lp, IN_DROP_SHORT);
		return;
	}
	if (mac_is_unicast(src_mac) && !guest_mac_is(src_mac))
		guest_mac_set(src_mac);

	type = rd16(f->data + 12);
	switch (type) {
	case ETH_P_ARP_:
		if (f->shared) {
			count(lp, IN_DROP_SHARED);
			return;
		}
		if (!in->ip4) {
			count(lp, IN_DROP_FAMILY_OFF);
			return;
		}
		if (to_loop0(lp, f->data, f->len, &r)) {
			count(lp, r);
			return;
		}
		arp_from_tap(lp, f->data, f->len);
		count(lp, IN_TO_ARP);
		return;
	case ETH_P_IP_:
	case ETH_P_IPV6_:
		count(lp, ingress_ip(lp, f, type));
		return;
	default:
		count(lp, IN_DROP_ETHERTYPE);
	}
}

void ingress_batch(struct loop *lp, const struct frame *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		ingress_frame(lp, &f[i]);
	seq_flush(lp);
}

/*
 * DOC: a frame on the wrong queue. The tap steers a flow's frames to the
 * queue we last wrote that flow's frames on, so each loop gets the frames
 * of its own flows; a new flow from the guest lands on a queue chosen by
 * its hash, and a flow whose steering entry expired (we wrote nothing for
 * it for 3 s) or never fitted in the tap's table may land on another.
 * A translator that finds no flow of its own for packets that don't open
 * one (not a SYN) hands them to the next loop, which does the same, until
 * every loop had them: the last one treats them as of no flow at all
 * (TCP: RST; UDP and ICMP: it opens the flow, and its replies steer it).
 */
bool ingress_pass_on(struct loop *lp, const struct pkt *p, int n)
{
	struct ingress *in = lp->ingress;
	unsigned nl = loops_n(lp), to;
	int i;

	if (nl < 2 || in->hops + 1 >= nl)
		return false;
	to = (lp->id + 1) % nl;
	for (i = 0; i < n; i++) {
		if (p[i].tail || !p[i].frame)	/* vhost-user: one loop */
			continue;
		if (loops_send(lp, to, LOOP_MSG_FRAME, in->hops + 1,
			       LOOP_MSG_F_CSUM_OK, p[i].gso, p[i].frame,
			       p[i].frame_len))
			count(lp, IN_DROP_INBOX);
		else
			count(lp, IN_PASSED_ON);
	}
	return true;
}

/* A frame from another loop: as if read from our own queue */
static void ingress_inbox(struct loop *lp, const struct loop_msg *m)
{
	struct ingress *in = lp->ingress;
	struct frame f = {
		.data = m->data, .len = m->len,
		.csum_ok = !!(m->flags & LOOP_MSG_F_CSUM_OK),
		.gso_udp = (uint16_t)m->arg,
	};

	in->hops = m->hops;
	ingress_batch(lp, &f, 1);
	in->hops = 0;
}
