/* SPDX-License-Identifier: MIT */
/* tcp_conn.h - TCP translator internals: don't include outside l4/tcp* */
#ifndef TETHER_TCP_CONN_H
#define TETHER_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

#include "flow/flow.h"
#include "l2/pkt.h"
#include "lib/inany.h"
#include "lib/log.h"
#include "loop.h"

#define TCP_MAX		65536	/* connections at most (flow kind cap) */
#define TCP_NONE	FLOW_NONE_IDX	/* "no connection" in index links */

#define TCP_TAP_IOV		1024	/* UIO_MAXIOV: payloads per sendmsg() */
#define TCP_HDR_LEN		20	/* without options */
#define TCP_SYN_OPT_LEN		8	/* MSS (4), NOP (1), window scale (3) */
#define TCP_MSS_NO_OPT		536	/* RFC 9293 3.7.1, no MSS option */
#define TCP_MSS_MIN		88	/* floor for the guest's MSS, as Linux */
#define TCP_WS_TO_TAP		8	/* our shift: windows up to 16 MiB */
#define TCP_WS_MAX		14	/* RFC 7323 2.3 */
#define TCP_WND_MAX		(0xffffU << TCP_WS_TO_TAP)	/* bytes */
#define TCP_WND_SYN		65535	/* window in SYN-ACK: never scaled */

#define TCP_RTO_INIT_MS		1000	/* RFC 6298 2.1 */
#define TCP_RTO_MIN_MS		200	/* as Linux: RFC 6298 2.4 allows it */
#define TCP_RTO_MAX_MS		60000
#define TCP_RETRIES_MAX		7	/* RTO expiries in a row, then RST */
#define TCP_DUPACK_THRESH	3	/* RFC 5681 3.2 fast retransmit */
/* connect() to the host without an answer: RST to the guest. Linux sends
 * its SYN again at 1, 3 and 7 s, so three lost SYNs still get through;
 * the kernel's own ~127 s would let a silent destination hold a socket
 * per guest SYN for two minutes (passt has a 10 s SYN timeout too) */
#define TCP_CONNECT_TIMEOUT_MS	10000
/* SYN-ACKs sent again without the guest's ACK (at 1, 3 and 7 s), then
 * RST at 15 s: a guest that never completes handshakes (SYNs from
 * addresses nobody answers for) holds a socket and a host connection
 * each for 15 s, not for the ~3 minutes of TCP_RETRIES_MAX */
#define TCP_SYNACK_RETRIES	3

/* TCP header flags (RFC 9293 3.1) */
enum {
	TCPH_FIN = 0x01,
	TCPH_SYN = 0x02,
	TCPH_RST = 0x04,
	TCPH_PSH = 0x08,
	TCPH_ACK = 0x10,
};

/**
 * enum tcp_state - life of one slot (independent details are flags)
 * @TCPS_FREE:		not set up yet (a slot from flow_alloc())
 * @TCPS_CONNECTING:	guest SYN seen, host connect() in progress. The
 *			socket is watched for EPOLLOUT; retransmitted guest
 *			SYNs are ignored; nothing is sent to the guest until
 *			it completes, or fails, or TCP_CONNECT_TIMEOUT_MS
 *			pass (RST to the guest).
 * @TCPS_SYN_ACK_SENT:	host connect() done, SYN-ACK sent; waiting for the
 *			guest's ACK. Host data waits in the socket.
 * @TCPS_ESTABLISHED:	data both ways; half-closes are the FIN flags
 * @TCPS_SYN_SENT:	inbound (tcp_inbound.c): a client was accepted on a
 *			forwarded port, our SYN went to the guest; waiting
 *			for its SYN-ACK. Client data waits in the socket.
 * @TCPS_CLOSED:		socket closed and flow_close()d; flow/ frees the
 *			slot after the current batch, so that stale epoll
 *			events in the batch find it closed
 */
enum tcp_state {
	TCPS_FREE,
	TCPS_CONNECTING,
	TCPS_SYN_ACK_SENT,
	TCPS_ESTABLISHED,
	TCPS_SYN_SENT,
	TCPS_CLOSED,
	TCPS_STATE_NUM_,
};

/* enum tcp_flag - per-connection conditions, bits of tcp_conn.flags */
enum tcp_flag {
	TCPF_SOCK_EOF	= 1 << 0,  /* host peer sent FIN (read 0/RDHUP) */
	TCPF_FIN_SENT	= 1 << 1,  /* our FIN to the guest: in seq_to_tap */
	TCPF_FIN_ACKED	= 1 << 2,  /* guest ACKed our FIN */
	TCPF_FIN_RCVD	= 1 << 3,  /* guest FIN taken: socket shut for write */
	TCPF_ACK_DUE	= 1 << 4,  /* an ACK to the guest is owed */
	TCPF_PENDING	= 1 << 5,  /* on the post-batch service list */
	TCPF_WND_WAIT	= 1 << 6,  /* EPOLLOUT: waiting for send space */
	TCPF_REJECTED	= 1 << 7,  /* socket refused guest data: dup ACKs */
	TCPF_WS		= 1 << 8,  /* window scaling agreed (RFC 7323) */
	TCPF_RECOVERY	= 1 << 9,  /* fast retransmit done, await new ACK */
	TCPF_STALLED	= 1 << 10, /* we held data back: try when window opens */
	TCPF_TIMER	= 1 << 11, /* linked in the timer wheel */
	TCPF_RTT_ON	= 1 << 12, /* timing rtt_seq for an RTT sample */
};

/**
 * struct tcp_conn - one guest connection and its host socket (FLOW_TCP)
 * @f:			common head: the guest's address and port (gaddr,
 *			gport), the remote as the guest addressed it (raddr,
 *			rport), IPPROTO_TCP: the key of the flow index
 * @sock:		host socket, -1 if none
 * @state:		enum tcp_state
 * @ws_from_tap:	guest's window scale shift
 * @ws_to_tap:		our window scale shift (0 without scaling)
 * @retries:		RTO expiries since the guest last ACKed
 * @flags:		enum tcp_flag bits
 * @mss:		largest payload in a segment to the guest
 * @dup_acks:		duplicate ACKs from the guest in a row
 * @events:		epoll mask currently set on @sock
 * @seq_to_tap:		next sequence number we send to the guest
 * @seq_ack_from_tap:	highest ACK from the guest: bytes before it are
 *			dequeued from the socket
 * @seq_from_tap:	next sequence number expected from the guest
 * @seq_ack_to_tap:	ACK number we last sent
 * @wnd_from_tap:	guest's window, bytes
 * @wnd_edge_to_tap:	right edge of the window we advertised
 * @sndbuf:		socket send buffer (SK_MEMINFO_SNDBUF), last query
 * @snd_free:		free send space estimate: last query minus writes
 * @rto_ms:		current retransmission timeout
 * @deadline_ms:	timer deadline (tcp_ms() clock), 0: none
 * @t_tick:		wheel tick whose bucket holds us (if TCPF_TIMER)
 * @t_next, @t_prev:	timer wheel bucket links
 * @seq_max_to_tap:	highest sequence number sent to the guest
 * @rtt_seq:		an ACK at or past it completes the RTT sample
 * @rtt_ts:		when the timed segment was sent (tcp_ms() clock)
 * @srtt8:		smoothed RTT to the guest, 1/8 ms (0: no sample yet)
 * @rttvar4:		RTT variation, 1/4 ms
 * @pend_next:		post-batch service list
 */
struct tcp_conn {
	struct flow_common f;
	int32_t sock;
	uint8_t state;
	uint8_t ws_from_tap;
	uint8_t ws_to_tap;
	uint8_t retries;
	uint16_t flags;
	uint16_t mss;
	uint8_t dup_acks;
	uint32_t events;
	uint32_t seq_to_tap;
	uint32_t seq_ack_from_tap;
	uint32_t seq_from_tap;
	uint32_t seq_ack_to_tap;
	uint32_t wnd_from_tap;
	uint32_t wnd_edge_to_tap;
	uint32_t sndbuf;
	uint32_t snd_free;
	uint32_t rto_ms;
	uint32_t deadline_ms;
	uint32_t t_tick;
	uint32_t t_next;
	uint32_t t_prev;
	uint32_t seq_max_to_tap;
	uint32_t rtt_seq;
	uint32_t rtt_ts;
	uint32_t srtt8;
	uint32_t rttvar4;
	uint32_t pend_next;
};
_Static_assert(sizeof(struct tcp_conn) <= FLOW_SLOT_SIZE, "fits a slot");

/**
 * struct tcp_loop - what the TCP translator keeps per loop, besides its
 * flows (tcp.c allocates it; tcp_timer.c, tcp_embryo.c and tcp_frame.c
 * keep theirs apart)
 * @pend_head:	connections to service after the batch (pend_next)
 * @secret:	SipHash key for initial sequence numbers
 * @peek_off:	SO_PEEK_OFF works on TCP sockets
 * @mtu:	link MTU (0: default)
 * @ifindex6:	scope for link-local IPv6 destinations
 * @tap_iov:	payloads of guest segments for one sendmsg() (tcp_tap.c)
 */
struct tcp_loop {
	uint32_t pend_head;
	uint64_t secret[2];
	bool peek_off;
	unsigned mtu;
	uint32_t ifindex6;
	struct iovec tap_iov[TCP_TAP_IOV];
};

/**
 * struct tcp_seg - a guest segment, header fields parsed
 * @seq, @ack:		sequence and acknowledgement numbers
 * @wnd:		raw window field
 * @flags:		TH_* bits
 * @sport, @dport:	ports
 * @opt:		options, @optlen bytes (inside the segment)
 * @data:		payload, @len bytes in all: all at @data, or, if the
 *			segment came with a tail, @len - @tail_len there
 * @tail:		and the last @tail_len bytes in these @tail_n
 *			pieces (NULL, 0, 0: none)
 */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint16_t wnd;
	uint8_t flags;
	uint16_t sport;
	uint16_t dport;
	const uint8_t *opt;
	size_t optlen;
	const uint8_t *data;
	size_t len;
	const struct iovec *tail;
	int tail_n;
	size_t tail_len;
};

/**
 * struct tcp_syn_opt - what we use of the guest's SYN options
 * @mss:	MSS option value, 0 if absent
 * @ws:		window scale shift (capped at 14), if @ws_ok
 * @ws_ok:	window scale option present
 */
struct tcp_syn_opt {
	uint16_t mss;
	uint8_t ws;
	bool ws_ok;
};

/* enum tcp_fit - where a segment falls against the next expected byte */
enum tcp_fit {
	TCP_FIT_OLD,	/* entirely before it: duplicate or keepalive */
	TCP_FIT_OK,	/* starts at or before it and brings new bytes */
	TCP_FIT_FUTURE,	/* starts after it: out of order, a gap */
};

/* Timestamp for timers: milliseconds, wrapping, never 0 for a deadline */
static inline uint32_t tcp_ms(const struct timespec *now)
{
	return (uint32_t)((uint64_t)now->tv_sec * 1000 +
			  (uint64_t)now->tv_nsec / 1000000);
}

/* Bytes of data (not FIN) sent to the guest and not yet ACKed */
static inline uint32_t tcp_in_flight(const struct tcp_conn *c)
{
	uint32_t n = c->seq_to_tap - c->seq_ack_from_tap;

	if ((c->flags & (TCPF_FIN_SENT | TCPF_FIN_ACKED)) == TCPF_FIN_SENT)
		n--;
	return n;
}

/* Log lines of a connection are its flow's: "flow N tcp [g]:p -> [r]:q" */
#define tcp_dbg(c, ...)		flow_dbg(&(c)->f, __VA_ARGS__)
#define tcp_event(c, ...)	flow_event(&(c)->f, __VA_ARGS__)
#define tcp_warn(c, ...)	flow_warn(&(c)->f, __VA_ARGS__)
#define tcp_trace(c, ...)	flow_trace(&(c)->f, __VA_ARGS__)

/* tcp.c: connection table and life cycle */
struct tcp_conn *tcp_conn_at(struct loop *lp, uint32_t idx);
struct tcp_conn *tcp_conn_alloc(struct loop *lp, const union inany *gaddr,
				uint16_t gport,
				const union inany *raddr, uint16_t rport);
uint32_t tcp_isn(struct loop *lp, const struct flow_key *k,
		 const struct timespec *now);
uint32_t tcp_conn_idx(const struct tcp_conn *c);
void tcp_conn_pend(struct loop *lp, struct tcp_conn *c);
void tcp_conn_close(struct loop *lp, struct tcp_conn *c);
void tcp_conn_reset(struct loop *lp, struct tcp_conn *c, bool rst_to_tap);
void tcp_conn_close_check(struct loop *lp, struct tcp_conn *c);
bool tcp_peek_off_ok(struct loop *lp);
int tcp_sock_opts(struct loop *lp, int fd);
unsigned tcp_mtu(struct loop *lp);

/* tcp_tap.c: guest segments for a known connection */
void tcp_tap_segs(struct loop *lp, struct tcp_conn *c, const struct pkt *p,
		  int n);

/* tcp_sock.c: host socket events, socket -> guest data, windows */
void tcp_sock_handler(struct loop *lp, union ep_ref ref, uint32_t events);
int tcp_sock_events_set(struct loop *lp, struct tcp_conn *c, uint32_t events);
void tcp_sock_wnd_wait(struct loop *lp, struct tcp_conn *c, bool on);
void tcp_data_to_tap(struct loop *lp, struct tcp_conn *c, bool probe);
void tcp_rewind(struct loop *lp, struct tcp_conn *c);
uint16_t tcp_wnd_to_tap(struct loop *lp, struct tcp_conn *c, bool query);
void tcp_snd_query(struct loop *lp, struct tcp_conn *c);
int tcp_dequeue(struct tcp_conn *c, uint32_t n);

/* tcp_frame.c: segment parsing and building, frame buffers */
int tcp_seg_parse(const struct pkt *p, struct tcp_seg *s);
void tcp_opt_parse(const uint8_t *o, size_t len, struct tcp_syn_opt *r);
size_t tcp_syn_opt_build(uint8_t *o, uint16_t mss, int ws);
bool tcp_rst_reply(const struct tcp_seg *s, uint32_t *seq, uint32_t *ack,
		   uint8_t *flags);
enum tcp_fit tcp_seg_fit(uint32_t seq, size_t len, uint32_t expect,
			 size_t *skip);
uint16_t tcp_mss_ours(int af, unsigned mtu);
void tcp_hdr_fill(uint8_t *th, uint16_t sport, uint16_t dport, uint32_t seq,
		  uint32_t ack, uint8_t flags, uint16_t wnd, size_t optlen);
size_t tcp_frame_hdr(struct loop *lp, uint8_t *buf, const union inany *src,
		     const union inany *dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
		     const uint8_t *opt, size_t optlen,
		     const uint8_t *data, size_t len);
int tcp_ctl_to_tap(struct loop *lp, struct tcp_conn *c, uint8_t flags,
		   uint32_t seq);
void tcp_rst_to_tap(struct loop *lp, const struct pkt *p,
		    const struct tcp_seg *s);
uint8_t *tcp_buf_room(struct loop *lp, size_t min, size_t *bytes, int *frames);
size_t tcp_buf_seg_max(struct loop *lp, const struct tcp_conn *c);
int tcp_buf_queue(struct loop *lp, struct tcp_conn *c, uint8_t *data,
		  size_t len,
		  uint32_t seq, uint8_t flags, uint16_t wnd);

/* tcp_inbound.c: connections from forwarded ports (TCPS_SYN_SENT) */
int tcp_inbound_seg(struct loop *lp, struct tcp_conn *c,
		    const struct tcp_seg *s);
void tcp_inbound_timeout(struct loop *lp, struct tcp_conn *c);

/* tcp_embryo.c: handshakes in progress, the oldest reset for room */
void tcp_embryo_add(struct loop *lp, const struct tcp_conn *c);
bool tcp_embryo_make_room(struct loop *lp);
void tcp_embryo_init(struct loop *lp);

/* tcp_timer.c: retransmission timers on a wheel */
void tcp_timer_init(struct loop *lp);
void tcp_frame_init(struct loop *lp);
void tcp_timer_set(struct loop *lp, struct tcp_conn *c, uint32_t ms);
void tcp_timer_stop(struct tcp_conn *c);
void tcp_timer_unlink(struct loop *lp, struct tcp_conn *c);
void tcp_conn_timeout(struct loop *lp, struct tcp_conn *c);
void tcp_rtt_start(struct loop *lp, struct tcp_conn *c, uint32_t seq);
void tcp_rtt_ack(struct loop *lp, struct tcp_conn *c, uint32_t ack);

#endif /* TETHER_TCP_CONN_H */
