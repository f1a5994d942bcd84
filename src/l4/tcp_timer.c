// SPDX-License-Identifier: MIT
/* tcp_timer.c - retransmission timers: a wheel driven by one timerfd */
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "l4/tcp_conn.h"
#include "lib/util.h"

/*
 * DOC: a connection has a timer only while something it sent to the
 * guest is unacknowledged (SYN-ACK, data, FIN) or a zero window holds
 * data back. Deadlines sit in a wheel of TCP_WHEEL buckets of
 * TCP_TICK_MS; one timerfd ticks only while any connection is linked
 * and TCP_IDLE_TICKS after, so an idle process is not woken for long
 * (and short connections in a row don't re-arm it each time). Re-arming
 * is lazy: a later deadline
 * leaves the connection in its bucket, where it is moved on when the
 * bucket comes round; stopping only clears the deadline. So the data
 * path pays a store per ACK, and no system call.
 *
 * A connection in TCPS_CONNECTING has one too: TCP_CONNECT_TIMEOUT_MS
 * for the host's connect(), then an RST to the guest.
 *
 * On expiry (RFC 6298 5.4-5.6): rewind and send again, double the RTO,
 * give up after TCP_RETRIES_MAX expiries without any ACK in between.
 *
 * The RTO comes from the RTT to the guest (RFC 6298 2): one segment per
 * round trip is timed, from the SYN-ACK on, never a retransmitted one
 * (Karn), with TCP_RTO_MIN_MS as a floor, as Linux has it. Until the
 * first sample it is TCP_RTO_INIT_MS.
 */

#define TCP_TICK_MS	10
#define TCP_WHEEL	512	/* buckets: 5.12 s per turn */
#define TCP_IDLE_TICKS	100	/* empty ticks before the timerfd stops */

/**
 * struct tcp_wheel - timer wheel
 * @head:	first connection in each bucket
 * @tick:	last tick processed
 * @linked:	connections in buckets
 * @fd:		timerfd
 * @armed:	@fd is ticking
 * @idle_ticks:	ticks in a row with no connection linked
 */
struct tcp_wheel {
	uint32_t head[TCP_WHEEL];
	uint32_t tick;
	unsigned linked;
	int fd;
	bool armed;
	unsigned idle_ticks;
};

static void tcp_wheel_arm(struct loop *lp, bool on)
{
	struct tcp_wheel *tw = lp->tcp_wheel;
	struct itimerspec it = { 0 };

	if (tw->armed == on)
		return;
	if (on) {
		it.it_interval.tv_nsec = TCP_TICK_MS * 1000000L;
		it.it_value = it.it_interval;
	}
	if (timerfd_settime(tw->fd, 0, &it, NULL))
		warn_rl("tcp: timerfd_settime: %s", strerror(errno));
	else
		tw->armed = on;
}

static void tcp_wheel_link(struct loop *lp, struct tcp_conn *c, uint32_t tick)
{
	struct tcp_wheel *tw = lp->tcp_wheel;
	uint32_t idx = tcp_conn_idx(c), b;

	if ((int32_t)(tick - tw->tick) <= 0)
		tick = tw->tick + 1;	/* due: the next tick handles it */
	b = tick & (TCP_WHEEL - 1);
	c->t_tick = tick;
	c->t_prev = TCP_NONE;
	c->t_next = tw->head[b];
	if (c->t_next != TCP_NONE)
		tcp_conn_at(lp, c->t_next)->t_prev = idx;
	tw->head[b] = idx;
	c->flags |= TCPF_TIMER;
	tw->linked++;
	tcp_wheel_arm(lp, true);
}

/* Take @c out of its bucket, keeping its deadline */
static void tcp_wheel_unlink(struct loop *lp, struct tcp_conn *c)
{
	struct tcp_wheel *tw = lp->tcp_wheel;
	uint32_t b = c->t_tick & (TCP_WHEEL - 1);

	if (!(c->flags & TCPF_TIMER))
		return;
	if (c->t_prev != TCP_NONE)
		tcp_conn_at(lp, c->t_prev)->t_next = c->t_next;
	else
		tw->head[b] = c->t_next;
	if (c->t_next != TCP_NONE)
		tcp_conn_at(lp, c->t_next)->t_prev = c->t_prev;
	c->flags &= ~TCPF_TIMER;
	tw->linked--;
}

/**
 * tcp_timer_unlink() - no timer, and out of the wheel (when closing)
 * @c:		connection
 */
void tcp_timer_unlink(struct loop *lp, struct tcp_conn *c)
{
	c->deadline_ms = 0;
	tcp_wheel_unlink(lp, c);
}

/* Wheel ticks: wrap at 2^32 ticks, consistently with int32_t differences */
static uint32_t tcp_tick(const struct timespec *now)
{
	return (uint32_t)(((uint64_t)now->tv_sec * 1000 +
			   (uint64_t)now->tv_nsec / 1000000) / TCP_TICK_MS);
}

/* Tick at which a deadline @ms from @now_tick is due (rounded up) */
static uint32_t tcp_tick_due(uint32_t now_tick, uint32_t ms)
{
	return now_tick + (ms + TCP_TICK_MS - 1) / TCP_TICK_MS;
}

/**
 * tcp_timer_set() - (re)start the timer of @c to expire in @ms
 * @c:		connection
 * @ms:		milliseconds from now
 * @lp:		the loop
 */
void tcp_timer_set(struct loop *lp, struct tcp_conn *c, uint32_t ms)
{
	uint32_t dl = tcp_ms(&lp->now) + ms;
	uint32_t tick = tcp_tick_due(tcp_tick(&lp->now), ms);

	c->deadline_ms = dl ? dl : 1;
	if (c->flags & TCPF_TIMER) {
		if ((int32_t)(tick - c->t_tick) >= 0)
			return;		/* lazy: moved on when its bucket runs */
		tcp_wheel_unlink(lp, c);
	}
	tcp_wheel_link(lp, c, tick);
}

/**
 * tcp_timer_stop() - no timer for @c (it leaves the wheel lazily)
 * @c:		connection
 */
void tcp_timer_stop(struct tcp_conn *c)
{
	c->deadline_ms = 0;
}

/**
 * tcp_rtt_start() - time the segment ending at @seq, unless one is timed
 * @c:		connection
 * @seq:	sequence number after the segment (or SYN-ACK)
 * @lp:		the loop
 *
 * Call only for segments sent for the first time (Karn's algorithm).
 */
void tcp_rtt_start(struct loop *lp, struct tcp_conn *c, uint32_t seq)
{
	if (c->flags & TCPF_RTT_ON)
		return;
	c->flags |= TCPF_RTT_ON;
	c->rtt_seq = seq;
	c->rtt_ts = tcp_ms(&lp->now);
}

/* RTO from the estimates (RFC 6298 2.3), clock granularity one tick */
static uint32_t tcp_rto_calc(const struct tcp_conn *c)
{
	uint32_t rto;

	if (!c->srtt8)
		return TCP_RTO_INIT_MS;
	rto = c->srtt8 / 8 + MAX((uint32_t)TCP_TICK_MS, c->rttvar4);
	rto = MAX(rto, (uint32_t)TCP_RTO_MIN_MS);
	return MIN(rto, (uint32_t)TCP_RTO_MAX_MS);
}

/**
 * tcp_rtt_ack() - new data ACKed: take an RTT sample if the timed
 * segment is covered, and reset the RTO from the estimates (RFC 6298 5.7
 * undoes the backoff once an ACK for new data arrives)
 * @c:		connection
 * @ack:	the ACK number
 * @lp:		the loop
 */
void tcp_rtt_ack(struct loop *lp, struct tcp_conn *c, uint32_t ack)
{
	if ((c->flags & TCPF_RTT_ON) && SEQ_GE(ack, c->rtt_seq)) {
		uint32_t r = tcp_ms(&lp->now) - c->rtt_ts;

		c->flags &= ~TCPF_RTT_ON;
		r = MIN(r, (uint32_t)TCP_RTO_MAX_MS);
		if (!c->srtt8) {
			c->srtt8 = MAX(r * 8, 1U);	/* 0 means none */
			c->rttvar4 = r * 2;
		} else {
			uint32_t s = c->srtt8 / 8;
			uint32_t d = r > s ? r - s : s - r;

			/* RTTVAR first, with the old SRTT (RFC 6298 2.3) */
			c->rttvar4 = c->rttvar4 - c->rttvar4 / 4 + d;
			c->srtt8 = c->srtt8 - c->srtt8 / 8 + r;
			c->srtt8 = MAX(c->srtt8, 1U);
		}
	}
	c->rto_ms = tcp_rto_calc(c);
}

/* Exponential backoff (RFC 6298 5.5), then re-arm */
static void tcp_timer_backoff(struct loop *lp, struct tcp_conn *c)
{
	c->rto_ms = MIN(c->rto_ms * 2, TCP_RTO_MAX_MS);
	tcp_timer_set(lp, c, c->rto_ms);
}

/**
 * tcp_conn_timeout() - the timer of @c expired
 * @c:		connection
 * @lp:		the loop
 */
void tcp_conn_timeout(struct loop *lp, struct tcp_conn *c)
{
	if (c->state == TCPS_SYN_SENT) {
		tcp_inbound_timeout(lp, c);
		return;
	}
	if (c->state == TCPS_CONNECTING) {
		tcp_event(c, "no answer from the host in %u ms, resetting",
			  TCP_CONNECT_TIMEOUT_MS);
		tcp_conn_reset(lp, c, true);
		return;
	}
	if (c->state != TCPS_SYN_ACK_SENT && c->state != TCPS_ESTABLISHED)
		return;
	if (c->state == TCPS_ESTABLISHED && c->seq_to_tap == c->seq_ack_from_tap) {
		/* nothing in flight: persist, when a zero window stops us */
		if (!(c->flags & TCPF_STALLED) || c->wnd_from_tap)
			return;
		if (++c->retries > TCP_RETRIES_MAX * 2) {
			tcp_event(c, "zero window for too long, resetting");
			tcp_conn_reset(lp, c, true);
			return;
		}
		tcp_data_to_tap(lp, c, true);
		if (c->state == TCPS_ESTABLISHED)
			tcp_timer_backoff(lp, c);
		return;
	}

	if (++c->retries > (c->state == TCPS_SYN_ACK_SENT ?
			    TCP_SYNACK_RETRIES : TCP_RETRIES_MAX)) {
		tcp_event(c, "no ACK from guest after %u retries, resetting",
			  c->retries - 1);
		tcp_conn_reset(lp, c, true);
		return;
	}
	tcp_dbg(c, "retransmission timeout, retry %u", c->retries);
	c->flags &= ~TCPF_RTT_ON;	/* Karn: no sample from a resend */
	if (c->state == TCPS_SYN_ACK_SENT) {
		tcp_ctl_to_tap(lp, c, TCPH_SYN | TCPH_ACK, c->seq_to_tap - 1);
	} else if (c->flags & TCPF_FIN_SENT) {
		if (!(c->flags & TCPF_FIN_ACKED))
			tcp_ctl_to_tap(lp, c, TCPH_FIN | TCPH_ACK,
				       c->seq_to_tap - 1);
	} else {
		tcp_rewind(lp, c);
		tcp_data_to_tap(lp, c, !c->wnd_from_tap);
		if (c->state != TCPS_ESTABLISHED)
			return;
	}
	tcp_timer_backoff(lp, c);
}

/* Run one bucket: expire what is due, move the rest on */
static void tcp_wheel_bucket(struct loop *lp, uint32_t b, uint32_t now_ms,
			     uint32_t now_tick)
{
	struct tcp_wheel *tw = lp->tcp_wheel;
	uint32_t later = TCP_NONE, idx;

	while ((idx = tw->head[b]) != TCP_NONE) {
		struct tcp_conn *c = tcp_conn_at(lp, idx);

		tcp_wheel_unlink(lp, c);
		if (!c->deadline_ms)
			continue;	/* stopped meanwhile */
		if ((int32_t)(c->deadline_ms - now_ms) > 0) {
			c->t_next = later;	/* not due: relink after */
			later = idx;
			continue;
		}
		c->deadline_ms = 0;
		tcp_conn_timeout(lp, c);
	}
	while (later != TCP_NONE) {
		struct tcp_conn *c = tcp_conn_at(lp, later);

		later = c->t_next;
		if (!(c->flags & TCPF_TIMER) && c->deadline_ms)
			tcp_wheel_link(lp, c, tcp_tick_due(now_tick,
						c->deadline_ms - now_ms));
	}
}

/* The timerfd ticked: run every bucket up to now */
static void tcp_timer_handler(struct loop *lp, union ep_ref ref,
			      uint32_t events)
{
	struct tcp_wheel *tw = lp->tcp_wheel;
	uint32_t now_ms = tcp_ms(&lp->now), now_tick = tcp_tick(&lp->now);
	uint64_t expired;
	unsigned steps = 0;

	(void)ref;
	(void)events;
	if (read(tw->fd, &expired, sizeof(expired)) < 0 && errno != EAGAIN)
		warn_rl("tcp: timerfd read: %s", strerror(errno));

	while ((int32_t)(now_tick - tw->tick) > 0 && steps++ < TCP_WHEEL) {
		tw->tick++;
		tcp_wheel_bucket(lp, tw->tick & (TCP_WHEEL - 1), now_ms,
				 now_tick);
	}
	tw->tick = now_tick;
	/* stop ticking once idle for a while, not at once: short
	 * connections one after another would re-arm it every time */
	if (tw->linked)
		tw->idle_ticks = 0;
	else if (++tw->idle_ticks >= TCP_IDLE_TICKS)
		tcp_wheel_arm(lp, false);
}

/**
 * tcp_timer_init() - create the timerfd, empty wheel
 * @lp:		the loop
 */
void tcp_timer_init(struct loop *lp)
{
	struct tcp_wheel *tw = loop_state_new(lp->tcp_wheel, "TCP timer wheel");
	unsigned i;

	for (i = 0; i < TCP_WHEEL; i++)
		tw->head[i] = TCP_NONE;
	tw->tick = tcp_tick(&lp->now);
	tw->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tw->fd < 0)
		die_perror("tcp: timerfd_create");
	loop_handler_set(lp, EP_TCP_TIMER, tcp_timer_handler);
	if (loop_add(lp, tw->fd, EPOLLIN, ep_ref_make(EP_TCP_TIMER, tw->fd, 0)))
		die_perror("tcp: can't watch the timerfd");
}
