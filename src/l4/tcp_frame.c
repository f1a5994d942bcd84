// SPDX-License-Identifier: MIT
/* tcp_frame.c - TCP segments: parse guest headers, build ours, frame slots */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "l2/egress.h"
#include "l4/tcp_conn.h"
#include "lib/util.h"

/*
 * DOC: frames toward the guest. Control segments (SYN-ACK, pure ACK,
 * FIN, RST) are small and copied by egress_queue_copy(). Data segments
 * are made of two iovecs: a header slot (Ethernet, IP, TCP) and a piece of
 * one large payload buffer, which recvmsg(MSG_PEEK) fills for many
 * segments at once. Slots and buffer are in use until the next egress
 * flush: the egress flush generation tells when they are free again, and
 * when they run out we flush ourselves.
 */

#define TCP_FRAMES	EGRESS_FRAMES		/* header slots */
#define TCP_HDR_SLOT	128			/* >= 14 + 40 + 20 bytes */
#define TCP_BUF_BYTES	(8U << 20)		/* payload bytes */

_Static_assert(TCP_HDR_SLOT >= EGRESS_HDR_MAX + TCP_HDR_LEN, "slot size");

/**
 * struct tcp_buf - frame memory for data segments toward the guest
 * @data:	payload, filled by peeking at sockets
 * @hdr:	one header slot per frame
 * @gen:	egress flush generation the counters below belong to
 * @nhdr:	header slots used
 * @used:	payload bytes used
 */
struct tcp_buf {
	uint8_t data[TCP_BUF_BYTES];
	uint8_t hdr[TCP_FRAMES][TCP_HDR_SLOT];
	unsigned gen;
	int nhdr;
	size_t used;
};

/**
 * tcp_seg_parse() - read the fixed header of a guest segment
 * @p:		packet from ingress
 * @s:		filled with header fields, options and payload bounds
 *
 * Ingress checked the data offset already; check again, it is cheap.
 * Return: 0, or -EINVAL if the header doesn't fit
 */
int tcp_seg_parse(const struct pkt *p, struct tcp_seg *s)
{
	const uint8_t *th = p->l4;
	size_t doff;

	if (p->l4_len < TCP_HDR_LEN)
		return -EINVAL;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_HDR_LEN || doff > p->l4_len ||
	    p->tail_len > p->l4_len - doff)	/* header before the tail */
		return -EINVAL;

	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13] & (TCPH_FIN | TCPH_SYN | TCPH_RST | TCPH_PSH | TCPH_ACK);
	s->wnd = rd16(th + 14);
	s->opt = th + TCP_HDR_LEN;
	s->optlen = doff - TCP_HDR_LEN;
	s->data = th + doff;
	s->len = p->l4_len - doff;
	s->tail = p->tail;
	s->tail_n = p->tail_n;
	s->tail_len = p->tail_len;
	return 0;
}

/**
 * tcp_opt_parse() - pick MSS and window scale out of SYN options
 * @o:		options (after the fixed header)
 * @len:	their length: data offset * 4 - 20, nothing is read past it
 * @r:		result; fields stay zero/false for absent options
 *
 * RFC 9293 3.1: kinds 0 (end) and 1 (no-op) are one byte, every other
 * option has a length byte covering kind and length. A length below 2 or
 * running past the header ends parsing: what was found so far is used.
 * Options with an unexpected length are skipped.
 */
void tcp_opt_parse(const uint8_t *o, size_t len, struct tcp_syn_opt *r)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (len - i < 2)
			break;
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			break;
		if (kind == 2 && olen == 4) {
			r->mss = rd16(o + i + 2);
		} else if (kind == 3 && olen == 3) {
			/* RFC 7323 2.3: larger shifts are used as 14 */
			r->ws = MIN(o[i + 2], TCP_WS_MAX);
			r->ws_ok = true;
		}
		i += olen;
	}
}

/**
 * tcp_syn_opt_build() - our SYN-ACK options: MSS, and window scale if @ws
 * is not negative (only when the guest offered it, RFC 7323 1.3)
 * @o:		at least TCP_SYN_OPT_LEN bytes
 * @mss:	MSS to announce
 * @ws:		shift, or -1
 *
 * Return: bytes written, a multiple of 4
 */
size_t tcp_syn_opt_build(uint8_t *o, uint16_t mss, int ws)
{
	o[0] = 2;
	o[1] = 4;
	wr16(o + 2, mss);
	if (ws < 0)
		return 4;
	o[4] = 1;
	o[5] = 3;
	o[6] = 3;
	o[7] = (uint8_t)ws;
	return TCP_SYN_OPT_LEN;
}

/**
 * tcp_rst_reply() - the RST answering a segment with no connection
 * @s:		the segment
 * @seq:	sequence number for the RST
 * @ack:	acknowledgement number (meaningful with TCPH_ACK)
 * @flags:	TCPH_RST, or TCPH_RST | TCPH_ACK
 *
 * RFC 9293 3.10.7.1: "If the incoming segment has the ACK bit set, the
 * reset takes its sequence number from the ACK field of the segment;
 * otherwise, the reset has sequence number zero and the ACK field is set
 * to the sum of the sequence number and segment length of the incoming
 * segment" (SYN and FIN count in the length). An RST is never answered.
 *
 * Return: true if an RST must be sent
 */
bool tcp_rst_reply(const struct tcp_seg *s, uint32_t *seq, uint32_t *ack,
		   uint8_t *flags)
{
	if (s->flags & TCPH_RST)
		return false;
	if (s->flags & TCPH_ACK) {
		*seq = s->ack;
		*ack = 0;
		*flags = TCPH_RST;
		return true;
	}
	*seq = 0;
	*ack = s->seq + (uint32_t)s->len + !!(s->flags & TCPH_SYN) +
	       !!(s->flags & TCPH_FIN);
	*flags = TCPH_RST | TCPH_ACK;
	return true;
}

/**
 * tcp_seg_fit() - place [@seq, @seq + @len) against the expected sequence
 * @seq:	segment sequence number
 * @len:	payload length (SYN and FIN not counted)
 * @expect:	next byte expected
 * @skip:	for TCP_FIT_OK, bytes at the front already received
 *
 * An empty segment fits only at @expect exactly.
 * Return: enum tcp_fit
 */
enum tcp_fit tcp_seg_fit(uint32_t seq, size_t len, uint32_t expect,
			 size_t *skip)
{
	uint32_t end = seq + (uint32_t)len;

	*skip = 0;
	if (SEQ_GT(seq, expect))
		return TCP_FIT_FUTURE;
	if (!len)
		return seq == expect ? TCP_FIT_OK : TCP_FIT_OLD;
	if (SEQ_LE(end, expect))
		return TCP_FIT_OLD;
	*skip = expect - seq;
	return TCP_FIT_OK;
}

/**
 * tcp_mss_ours() - MSS we announce: MTU minus IP and TCP headers, such
 * that a frame, Ethernet included, never exceeds L2_MAX_FRAME
 * @af:		AF_INET or AF_INET6
 * @mtu:	link MTU, 0 for the default
 *
 * Return: the MSS
 */
uint16_t tcp_mss_ours(int af, unsigned mtu)
{
	size_t ip = af == AF_INET ? IP4_HDR_LEN : IP6_HDR_LEN;
	size_t max = L2_MAX_FRAME - ETH_HDR_LEN - ip - TCP_HDR_LEN;
	size_t mss;

	if (!mtu)
		mtu = 65520;
	if (mtu < ip + TCP_HDR_LEN + TCP_MSS_MIN)
		return TCP_MSS_MIN;
	mss = mtu - ip - TCP_HDR_LEN;
	return (uint16_t)MIN(mss, max);
}

/**
 * tcp_hdr_fill() - write a TCP header, checksum zero
 * @th:		TCP_HDR_LEN bytes (options, if any, follow)
 * @sport, @dport:	ports
 * @seq, @ack:	sequence and acknowledgement numbers
 * @flags:	TH_* bits
 * @wnd:	window field, already scaled
 * @optlen:	option bytes that follow, a multiple of 4
 */
void tcp_hdr_fill(uint8_t *th, uint16_t sport, uint16_t dport, uint32_t seq,
		  uint32_t ack, uint8_t flags, uint16_t wnd, size_t optlen)
{
	wr16(th, sport);
	wr16(th + 2, dport);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)(((TCP_HDR_LEN + optlen) / 4) << 4);
	th[13] = flags;
	wr16(th + 14, wnd);
	wr16(th + 16, 0);
	wr16(th + 18, 0);
}

/**
 * tcp_frame_hdr() - Ethernet, IP and TCP headers for a segment to the guest,
 * checksums included
 * @buf:	room for EGRESS_HDR_MAX + TCP_HDR_LEN + @optlen bytes
 * @src, @dst:	IP addresses (same family)
 * @sport, @dport:	ports
 * @seq, @ack, @flags, @wnd:	TCP header fields
 * @opt:	options, @optlen bytes (multiple of 4), copied after the header
 * @data:	payload, @len bytes, summed but not copied
 *
 * Return: header bytes written at @buf
 */
size_t tcp_frame_hdr(struct loop *lp, uint8_t *buf, const union inany *src,
		     const union inany *dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
		     const uint8_t *opt, size_t optlen,
		     const uint8_t *data, size_t len)
{
	size_t l4len = TCP_HDR_LEN + optlen + len;
	size_t off = egress_l2l3(lp, buf, src, dst, IPPROTO_TCP, l4len);
	uint8_t *th = buf + off;
	struct iovec iov[2];

	tcp_hdr_fill(th, sport, dport, seq, ack, flags, wnd, optlen);
	if (optlen)
		memcpy(th + TCP_HDR_LEN, opt, optlen);
	iov[0].iov_base = th;
	iov[0].iov_len = TCP_HDR_LEN + optlen;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	wr16(th + 16, egress_l4_csum(src, dst, IPPROTO_TCP, iov, len ? 2 : 1,
				     l4len));
	return off + TCP_HDR_LEN + optlen;
}

/* Queue a small frame, flushing once if egress is full */
static int tcp_queue_copy(struct loop *lp, const uint8_t *f, size_t len)
{
	int rc = egress_queue_copy(lp, f, len);

	if (rc == -ENOBUFS) {
		egress_flush(lp);
		rc = egress_queue_copy(lp, f, len);
	}
	return rc;
}

/**
 * tcp_ctl_to_tap() - send a segment without data to the guest
 * @c:		connection
 * @flags:	TH_* bits; with TCPH_SYN our options are added
 * @seq:	sequence number
 *
 * The ACK number is the next byte expected from the guest; the window is
 * computed from the socket's send space (64 KiB at most in a SYN-ACK,
 * which is never scaled: RFC 7323 2.2).
 * Return: 0 or -errno
 */
int tcp_ctl_to_tap(struct loop *lp, struct tcp_conn *c, uint8_t flags,
		   uint32_t seq)
{
	uint8_t f[EGRESS_HDR_MAX + TCP_HDR_LEN + TCP_SYN_OPT_LEN];
	uint8_t opt[TCP_SYN_OPT_LEN];
	uint32_t ack = c->seq_from_tap;
	size_t optlen = 0, len;
	uint16_t wnd;

	if (flags & TCPH_SYN) {
		int ws = (c->flags & TCPF_WS) ? c->ws_to_tap : -1;

		optlen = tcp_syn_opt_build(opt, tcp_mss_ours(
				inany_af(&c->f.gaddr), tcp_mtu(lp)), ws);
		tcp_wnd_to_tap(lp, c, true);
		wnd = (uint16_t)MIN(c->wnd_edge_to_tap - ack, TCP_WND_SYN);
		c->wnd_edge_to_tap = ack + wnd;
	} else {
		wnd = tcp_wnd_to_tap(lp, c, false);
	}
	if (!(flags & TCPH_ACK))
		ack = 0;

	len = tcp_frame_hdr(lp, f, &c->f.raddr, &c->f.gaddr, c->f.rport,
			    c->f.gport, seq,
			    ack, flags, wnd, opt, optlen, NULL, 0);
	if (flags & TCPH_ACK) {
		c->seq_ack_to_tap = c->seq_from_tap;
		c->flags &= ~TCPF_ACK_DUE;
	}
	tcp_trace(c, "flags 0x%02x seq %u ack %u wnd %u", flags, seq, ack,
		  wnd);
	return tcp_queue_copy(lp, f, len);
}

/**
 * tcp_rst_to_tap() - answer a segment that matches no connection
 * @p:		the guest packet
 * @s:		its parsed header
 */
void tcp_rst_to_tap(struct loop *lp, const struct pkt *p,
		    const struct tcp_seg *s)
{
	uint8_t f[EGRESS_HDR_MAX + TCP_HDR_LEN];
	uint32_t seq, ack;
	uint8_t flags;
	size_t len;

	if (!tcp_rst_reply(s, &seq, &ack, &flags))
		return;
	len = tcp_frame_hdr(lp, f, &p->dst, &p->src, s->dport, s->sport, seq,
			    ack,
			    flags, 0, NULL, 0, NULL, 0);
	tcp_queue_copy(lp, f, len);
}

/* Start over when egress flushed everything we queued */
static void tcp_buf_sync(struct loop *lp)
{
	struct tcp_buf *tb = lp->tcp_buf;
	unsigned gen = egress_flush_gen(lp);

	if (gen != tb->gen) {
		tb->gen = gen;
		tb->nhdr = 0;
		tb->used = 0;
	}
}

/**
 * tcp_buf_room() - payload room for data segments, flushing egress if
 * less than @min bytes or no frame slot is left
 * @min:	bytes needed at least
 * @bytes:	set to the contiguous payload bytes available
 * @frames:	set to the frames that can still be queued
 *
 * Return: where the payload goes
 */
uint8_t *tcp_buf_room(struct loop *lp, size_t min, size_t *bytes, int *frames)
{
	struct tcp_buf *tb = lp->tcp_buf;

	tcp_buf_sync(lp);
	if (TCP_BUF_BYTES - tb->used < min ||
	    MIN(TCP_FRAMES - tb->nhdr, egress_room(lp)) < 1) {
		egress_flush(lp);
		tcp_buf_sync(lp);
	}
	*bytes = TCP_BUF_BYTES - tb->used;
	*frames = MIN(TCP_FRAMES - tb->nhdr, egress_room(lp));
	return tb->data + tb->used;
}

/**
 * tcp_buf_seg_max() - payload bytes per data frame: the guest's MSS or,
 * when the link takes segmentation offload, as many whole MSS as fit in a
 * frame (the guest's kernel receives one large segment, as from GRO)
 * @c:		connection
 *
 * Return: bytes
 */
size_t tcp_buf_seg_max(struct loop *lp, const struct tcp_conn *c)
{
	size_t max = L2_MAX_FRAME - egress_l2l3_len(&c->f.gaddr) - TCP_HDR_LEN;

	if (!egress_offload_ok(lp) || c->mss >= max)
		return c->mss;
	return max / c->mss * c->mss;
}

/**
 * tcp_buf_queue() - queue one data frame whose payload lies in the
 * buffer, at the position tcp_buf_room() returned, in order
 * @c:		connection
 * @data:	payload
 * @len:	its length, at most tcp_buf_seg_max()
 * @seq:	its sequence number
 * @flags:	TCPH_ACK, plus TCPH_PSH on the last of a burst
 * @wnd:	window field
 *
 * With offload, the link completes the checksum, and splits payloads
 * longer than the guest's MSS (RFC 9293 3.7.1 still holds on the wire).
 * Return: 0, or -ENOBUFS if no slot is left (caller checked the room)
 */
int tcp_buf_queue(struct loop *lp, struct tcp_conn *c, uint8_t *data,
		  size_t len,
		  uint32_t seq, uint8_t flags, uint16_t wnd)
{
	struct tcp_buf *tb = lp->tcp_buf;
	struct egress_offload o = { 0 };
	size_t l4len = TCP_HDR_LEN + len;
	struct iovec iov[2];
	uint8_t *h, *th;
	int rc;

	if (tb->nhdr >= TCP_FRAMES)
		return -ENOBUFS;
	h = tb->hdr[tb->nhdr];
	if (egress_offload_ok(lp)) {
		o.csum_start = (uint16_t)egress_l2l3(lp, h, &c->f.raddr,
						     &c->f.gaddr,
						     IPPROTO_TCP, l4len);
		o.csum_off = 16;
		o.gso_size = len > c->mss ? c->mss : 0;
		o.gso_v6 = !inany_is_v4(&c->f.gaddr);
		th = h + o.csum_start;
		tcp_hdr_fill(th, c->f.rport, c->f.gport, seq, c->seq_from_tap,
			     flags, wnd, 0);
		wr16(th + 16, egress_pseudo_csum(&c->f.raddr, &c->f.gaddr,
						 IPPROTO_TCP, l4len));
		iov[0].iov_len = o.csum_start + TCP_HDR_LEN;
	} else {
		iov[0].iov_len = tcp_frame_hdr(lp, h, &c->f.raddr, &c->f.gaddr,
					       c->f.rport, c->f.gport, seq,
					       c->seq_from_tap, flags, wnd,
					       NULL, 0, data, len);
	}
	iov[0].iov_base = h;
	iov[1].iov_base = data;
	iov[1].iov_len = len;
	rc = egress_queue_offload(lp, iov, 2,
				  egress_offload_ok(lp) ? &o : NULL);
	if (rc)
		return rc;
	tb->nhdr++;
	/* keep the next peek cache-line aligned */
	tb->used = (size_t)(data + len - tb->data + 63) & ~(size_t)63;
	if (tb->used > TCP_BUF_BYTES)
		tb->used = TCP_BUF_BYTES;
	c->seq_ack_to_tap = c->seq_from_tap;
	c->flags &= ~TCPF_ACK_DUE;
	return 0;
}

/**
 * tcp_frame_init() - frame memory for @lp
 * @lp:		the loop
 */
void tcp_frame_init(struct loop *lp)
{
	loop_state_new(lp->tcp_buf, "TCP frame memory");
}
