// SPDX-License-Identifier: MIT
/* udp_inbound.c - datagrams on forwarded UDP ports: to the guest, or spliced */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/flow.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l4/nat.h"
#include "l4/udp_inbound.h"
#include "l4/udp_slots.h"
#include "l4/udp_splice.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * DOC: a datagram reaching a forwarded port from a client that isn't on
 * loopback (or from any client with --no-splice, or in passt mode) goes
 * to the guest from the client's own address and port (nat_inbound()
 * maps loopback and the host's address), to the target port. A flow,
 * keyed by the tuple as the guest sees it, remembers the client: the
 * guest's replies (udp_from_tap() asks udp_inbound_reply() first) leave
 * through the listening socket itself, so the client hears from the
 * port it sent to. Loopback clients are handed to udp_splice.c.
 *
 * Flows idle for UIN_IDLE_S are dropped; when the table is full, new
 * clients' datagrams are dropped (rate-limited warning).
 */

#define UIN_FLOWS	1024	/* clients talking to the guest at once */
#define UIN_IDLE_S	180	/* s without traffic before forgetting */
#define UIN_RX_SLOTS	16	/* datagrams per recvmmsg(), frame slots */
#define UIN_RX_ROUNDS	4	/* recvmmsg() calls per wake-up at most */
#define UIN_SEND_MAX	64	/* replies per sendmmsg() */

/**
 * struct uin_flow - a client of a forwarded port, talking to the guest (a
 * flow: FLOW_UDP_IN)
 * @f:		common head, the tuple as the guest sees it: the guest's
 *		address and target port (gaddr, gport), the client's address
 *		as nat_inbound() shows it to the guest and its port (raddr,
 *		rport)
 * @lfd:	listening socket it sent to
 * @lidx:	listener index
 * @laf:	listener family
 * @peer:	client's real address
 */
struct uin_flow {
	struct flow_common f;
	int lfd;
	uint32_t lidx;
	int laf;
	union inany peer;
};
_Static_assert(sizeof(struct uin_flow) <= FLOW_SLOT_SIZE, "fits a slot");

/* What forwarded UDP keeps per loop: datagrams of a batch */
struct udp_in_loop {
	struct mmsghdr rx_msg[UIN_RX_SLOTS];
	struct iovec rx_iov[UIN_RX_SLOTS];
	union sockaddr_inany rx_sa[UIN_RX_SLOTS];
	struct udp_rx rx;

	struct mmsghdr tx_msg[UIN_SEND_MAX];
	struct iovec tx_iov[UIN_SEND_MAX];
	uint8_t slots[UIN_RX_SLOTS][UDP_SLOT_SIZE] __attribute__((aligned(64)));
};

/* The listening socket is the listener's: nothing to close here */
static void uin_close(struct loop *lp, struct flow_common *fc)
{
	struct uin_flow *f = (struct uin_flow *)fc;

	flow_event(&f->f, "closed");
	f->lfd = -1;
	flow_close(lp, &f->f);
}

static const struct flow_kind_ops uin_ops = {
	.size = sizeof(struct uin_flow),
	.cap = UIN_FLOWS, .idle_s = UIN_IDLE_S, .close = uin_close,
};

/* The flow of a client, created if new; NULL if it can't be */
static struct uin_flow *uin_flow_get(struct loop *lp, const struct udp_fwd *fw,
				     const union inany *peer, uint16_t pport)
{
	union inany gaddr, raddr;
	struct uin_flow *f;
	struct flow_key k;

	if (fw->has_gdst)
		gaddr = fw->gdst;	/* a rule's target address */
	else
		guest_addr(inany_af(peer), &gaddr);
	nat_inbound(peer, &raddr);
	if (inany_is_unspec(&gaddr) || !pport ||
	    inany_is_v4(&gaddr) != inany_is_v4(&raddr))
		return NULL;
	flow_key_set(&k, IPPROTO_UDP, &gaddr, fw->tport, &raddr, pport);
	f = (struct uin_flow *)flow_lookup(lp, &k);
	if (!f || f->f.kind != FLOW_UDP_IN) {
		f = flow_alloc(lp, FLOW_UDP_IN);
		if (!f) {
			warn_rl("udp: all %d forwarded flows in use, datagram "
				"dropped", UIN_FLOWS);
			return NULL;
		}
		f->f.key = k;
		if (flow_hash_insert(lp, &f->f)) {
			flow_close(lp, &f->f);
			return NULL;
		}
		flow_event(&f->f, "opened");
	}
	/* a second client that maps to the same tuple takes the flow over */
	f->lfd = fw->lfd;
	f->lidx = fw->lidx;
	f->laf = fw->laf;
	f->peer = *peer;
	flow_touch(lp, &f->f);
	return f;
}

/* Build and queue the frame for datagram @i, in its slot */
static void uin_to_tap(struct loop *lp, const struct uin_flow *f, int i,
		       size_t plen,
		       size_t gso_size)
{
	struct udp_in_loop *ui = lp->udp_in;

	udp_slot_to_tap(lp, ui->slots[ui->rx.used + i] + UDP_SLOT_ROOM - UDP_HDR,
			&f->f.raddr, f->f.rport, &f->f.gaddr, f->f.gport, plen,
			gso_size);
}

static bool uin_spliced(const struct udp_fwd *fw, const union inany *peer)
{
	return fw->out || fw->splice_all ||
	       (fw->splice && inany_is_loopback(peer));
}

/* Datagrams [@i, @n) of the last recvmmsg(): runs of one spliced client
 * go out in one call; Return: the index after the run */
static int uin_splice_run(struct loop *lp, const struct udp_fwd *fw, int i,
			  int n)
{
	struct udp_in_loop *ui = lp->udp_in;
	union inany peer, p2;
	uint16_t port, p2port;
	int j, m;

	inany_from_sockaddr(&peer, &port, &ui->rx_sa[i]);
	for (j = i + 1; j < n; j++) {
		if ((ui->rx_msg[j].msg_hdr.msg_flags & MSG_TRUNC) ||
		    ui->rx_sa[j].sa.sa_family != ui->rx_sa[i].sa.sa_family)
			break;
		inany_from_sockaddr(&p2, &p2port, &ui->rx_sa[j]);
		if (p2port != port || !inany_equals(&p2, &peer))
			break;
	}
	for (m = i; m < j; m++)
		ui->rx_iov[m].iov_len = ui->rx_msg[m].msg_len;
	udp_splice_send(lp, fw, &peer, port, &ui->rx_iov[i], j - i);
	return j;
}

/**
 * udp_fwd_recv() - datagrams waiting on a forwarded port's socket
 * @fw:		the listener
 * @lp:		the loop
 */
void udp_fwd_recv(struct loop *lp, const struct udp_fwd *fw)
{
	struct udp_in_loop *ui = lp->udp_in;
	int round, i, n, k;
	size_t plen;

	for (round = 0; round < UIN_RX_ROUNDS; round++) {
		int room = udp_rx_room(lp, &ui->rx, UIN_RX_SLOTS);

		udp_slots_prep(ui->rx_msg, ui->rx_iov, ui->rx_sa,
			       ui->slots + ui->rx.used, room);
		n = recvmmsg(fw->lfd, ui->rx_msg, (unsigned)room, MSG_DONTWAIT,
			     NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; ) {
			const struct msghdr *h = &ui->rx_msg[i].msg_hdr;
			struct uin_flow *f;
			union inany peer;
			uint16_t port;

			if (h->msg_flags & MSG_TRUNC ||
			    (ui->rx_sa[i].sa.sa_family != AF_INET &&
			     ui->rx_sa[i].sa.sa_family != AF_INET6)) {
				i++;
				continue;
			}
			inany_from_sockaddr(&peer, &port, &ui->rx_sa[i]);
			if (uin_spliced(fw, &peer)) {
				i = uin_splice_run(lp, fw, i, n);
				continue;
			}
			f = uin_flow_get(lp, fw, &peer, port);
			k = udp_slots_run(lp, ui->rx_msg, ui->rx_sa,
					  ui->slots + ui->rx.used, i, n, &plen);
			if (f) {
				uin_to_tap(lp, f, i, plen,
					   k > 1 ? ui->rx_msg[i].msg_len : 0);
				flow_io(&f->f, FLOW_IN, plen, (uint64_t)k);
			}
			i += k;
		}
		ui->rx.used += n;
		if (n < room)
			break;
	}
}

/* Send @m prepared replies of @f through its listening socket */
static void uin_reply_send(struct loop *lp, const struct uin_flow *f, int m)
{
	struct udp_in_loop *ui = lp->udp_in;

	if (sendmmsg(f->lfd, ui->tx_msg, (unsigned)m, MSG_DONTWAIT) < 0) {
		int e = errno;

		flow_dbg(&f->f, "reply to forwarded client: %s", strerror(e));
	}
}

/**
 * udp_inbound_reply() - datagrams from the guest that answer a client of
 * a forwarded port: sent to the client through the listening socket
 * @p:		datagrams of one tuple from the guest
 * @n:		how many
 * @lp:		the loop
 *
 * Return: true if they belonged to such a flow (and are consumed)
 */
bool udp_inbound_reply(struct loop *lp, const struct pkt *p, int n)
{
	struct udp_in_loop *ui = lp->udp_in;
	union sockaddr_inany sa;
	struct uin_flow *f;
	struct flow_key k;
	socklen_t sl;
	int i, m;

	if (!flow_stats(lp, FLOW_UDP_IN)->live || n <= 0)
		return false;
	flow_key_set(&k, IPPROTO_UDP, &p->src, rd16(p->l4), &p->dst,
		     rd16(p->l4 + 2));
	f = (struct uin_flow *)flow_lookup(lp, &k);
	if (!f || f->f.kind != FLOW_UDP_IN)
		return false;
	flow_touch(lp, &f->f);
	sl = udp_fwd_sockaddr(&sa, f->laf, &f->peer, f->f.rport);

	/* one message per datagram: a GSO frame from the guest is cut */
	for (i = 0, m = 0; i < n; i++) {
		const uint8_t *d = p[i].l4 + UDP_HDR;
		size_t left = p[i].l4_len - UDP_HDR;
		size_t seg = p[i].gso ? p[i].gso : left;

		flow_io(&f->f, FLOW_OUT, left, seg ? (left + seg - 1) / seg : 1);
		do {
			struct msghdr *h = &ui->tx_msg[m].msg_hdr;

			ui->tx_iov[m].iov_base = (void *)d;
			ui->tx_iov[m].iov_len = MIN(seg, left);
			memset(h, 0, sizeof(*h));
			h->msg_name = &sa;
			h->msg_namelen = sl;
			h->msg_iov = &ui->tx_iov[m];
			h->msg_iovlen = 1;
			d += ui->tx_iov[m].iov_len;
			left -= ui->tx_iov[m].iov_len;
			if (++m == UIN_SEND_MAX) {
				uin_reply_send(lp, f, m);
				m = 0;
			}
		} while (left);
	}
	if (m)
		uin_reply_send(lp, f, m);
	return true;
}

/* flow_foreach_kind() callback: close @fc if it replies through listener
 * *@arg */
static void uin_listener_gone(struct loop *lp, struct flow_common *fc,
			      void *arg)
{
	struct uin_flow *f = (struct uin_flow *)fc;

	if (f->lidx == *(const uint32_t *)arg)
		uin_close(lp, fc);
}

/**
 * udp_fwd_listener_gone() - a listening socket was closed: forget the
 * flows that reply through it
 * @lidx:	its index
 */
void udp_fwd_listener_gone(struct loop *lp, uint32_t lidx)
{
	flow_foreach_kind(lp, FLOW_UDP_IN, uin_listener_gone, &lidx);
	udp_splice_listener_gone(lp, lidx);
}

/**
 * udp_inbound_init() - flows of forwarded ports: to the guest, spliced
 */
void udp_inbound_init(struct loop *lp)
{
	loop_state_new(lp->udp_in, "forwarded UDP state");
	flow_kind_register(lp, FLOW_UDP_IN, &uin_ops);
	udp_splice_init(lp);
}
