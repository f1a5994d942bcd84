// SPDX-License-Identifier: MIT
/* tcp_embryo.c - handshakes in progress, oldest first, to make room */
#include <stdint.h>
#include <time.h>

#include "flow/fdbudget.h"
#include "l4/tcp_conn.h"
#include "lib/log.h"

/*
 * DOC: every guest SYN that becomes a connection (TCPS_CONNECTING, then
 * TCPS_SYN_ACK_SENT) holds a socket until the handshake ends: at worst
 * the connect timeout (10 s) or the SYN-ACK resends (15 s). A guest that
 * floods SYNs it never completes (to silent hosts, from addresses nobody
 * answers for) would spend the fd budget, and its own next connections
 * would be refused for that long after the flood. So handshakes are kept
 * in a ring, oldest first; when a new SYN finds the budget spent, the
 * oldest handshake that has waited TCP_EMBRYO_MIN_MS (a round trip to
 * any host or guest that answers at all) is reset to make room. A flood
 * then churns at most the budget's worth of sockets a second, and a
 * connection made after it gets through at once.
 *
 * Entries are not removed when a handshake ends: an entry whose slot no
 * longer holds a handshake with the same sequence number (the ISN) is
 * stale, and skipped when it comes up. When the ring is full the oldest
 * entry is dropped: that handshake just runs to its own timeout.
 */

#define TCP_EMBRYO_MIN_MS	1000
#define TCP_EMBRYO_RING		TCP_MAX		/* a power of two */

/**
 * struct tcp_embryo - one handshake in the ring
 * @idx:	connection slot
 * @seq:	its first sequence number toward the guest (ISN + 1)
 * @t_ms:	when it started, ms (CLOCK_MONOTONIC, wrapping)
 */
struct tcp_embryo {
	uint32_t idx;
	uint32_t seq;
	uint32_t t_ms;
};

struct tcp_embryos {
	struct tcp_embryo e[TCP_EMBRYO_RING];
	uint32_t head, tail;	/* free-running: tail - head entries */
	unsigned long evicted;
};

static uint32_t te_ms(const struct timespec *now)
{
	return (uint32_t)now->tv_sec * 1000U +
	       (uint32_t)(now->tv_nsec / 1000000);
}

static bool te_live(struct loop *lp, const struct tcp_embryo *e,
		    struct tcp_conn **cp)
{
	struct tcp_conn *c = tcp_conn_at(lp, e->idx);

	if (!c || (c->state != TCPS_CONNECTING &&
		   c->state != TCPS_SYN_ACK_SENT) || c->seq_to_tap != e->seq)
		return false;
	*cp = c;
	return true;
}

/**
 * tcp_embryo_add() - a handshake started
 * @c:		the connection, in TCPS_CONNECTING
 * @lp:		the loop
 */
void tcp_embryo_add(struct loop *lp, const struct tcp_conn *c)
{
	struct tcp_embryos *te = lp->tcp_embryo;
	struct tcp_embryo *e;

	if (te->tail - te->head == TCP_EMBRYO_RING)
		te->head++;
	e = &te->e[te->tail++ & (TCP_EMBRYO_RING - 1)];
	e->idx = tcp_conn_idx(c);
	e->seq = c->seq_to_tap;
	e->t_ms = te_ms(&lp->now);
}

/**
 * tcp_embryo_make_room() - the fd budget is spent: reset the oldest
 * handshake if it has waited long enough
 * @lp:		the loop
 *
 * Return: true if one was reset (its socket is closed: one fd is free)
 */
bool tcp_embryo_make_room(struct loop *lp)
{
	struct tcp_embryos *te = lp->tcp_embryo;
	uint32_t ms = te_ms(&lp->now);

	while (te->head != te->tail) {
		struct tcp_embryo *e = &te->e[te->head & (TCP_EMBRYO_RING - 1)];
		struct tcp_conn *c;

		if (!te_live(lp, e, &c)) {
			te->head++;
			continue;
		}
		if ((int32_t)(ms - e->t_ms) < TCP_EMBRYO_MIN_MS)
			return false;	/* the oldest is still young */
		te->head++;
		te->evicted++;
		warn_rl("tcp: no fd for a new connection: resetting a "
			"handshake %u ms old (%lu so far)", ms - e->t_ms,
			te->evicted);
		tcp_conn_reset(lp, c, true);
		return true;
	}
	return false;
}

/**
 * tcp_embryo_init() - an empty ring for @lp
 * @lp:		the loop
 */
void tcp_embryo_init(struct loop *lp)
{
	loop_state_new(lp->tcp_embryo, "TCP handshakes");
}
