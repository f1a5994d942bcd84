// SPDX-License-Identifier: MIT
/* udp_splice.c - loopback UDP forwarding, socket to socket */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock/nspool.h"
#include "l4/udp.h"
#include "l4/udp_splice.h"
#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/util.h"

/*
 * DOC: a loopback client of a forwarded UDP port (host -> namespace with
 * -u, namespace -> host with -U) needs no tap: each client gets a socket
 * on the other side, bound to the client's own port where that port is
 * free there, and connected to the target. Datagrams from the client go
 * out through it with sendmmsg(); replies read from it with recvmmsg()
 * go back to the client through the listening socket, so they come from
 * the port the client sent to. Clients are found by (listener, address,
 * port) in a small chained hash; a flow idle for USP_IDLE_S is closed,
 * and with the table full, new clients' datagrams are dropped.
 */

#define USP_MAX		512	/* spliced UDP clients */
#define USP_BUCKETS	1024
#define USP_NONE	UINT32_MAX
#define USP_IDLE_S	180	/* s without traffic before closing */
#define USP_RX_SLOTS	16	/* replies per recvmmsg() */
#define USP_RX_ROUNDS	4	/* recvmmsg() calls per wake-up at most */
#define USP_PAYLOAD_MAX	65535

/**
 * struct usp_key - what identifies a client (hashed whole)
 * @peer:	client address
 * @lidx:	listener index
 * @pport:	client port
 * @pad:	zero
 */
struct usp_key {
	union inany peer;
	uint32_t lidx;
	uint16_t pport;
	uint16_t pad;
};
_Static_assert(sizeof(struct usp_key) % 8 == 0, "usp_key is hashed whole");

/**
 * struct usp_flow - a spliced client
 * @key:	client identity
 * @tfd:	our socket on the other side, connected; -1 if free
 * @lfd:	listening socket the client sent to
 * @laf:	its family
 * @next:	hash chain, or free list
 * @last:	last datagram either way, s (CLOCK_MONOTONIC)
 */
struct usp_flow {
	struct usp_key key;
	int tfd;
	int lfd;
	int laf;
	uint32_t next;
	time_t last;
};

static struct {
	struct usp_flow f[USP_MAX];
	uint32_t bucket[USP_BUCKETS];
	uint32_t free_head;
	unsigned count;
	uint64_t secret[2];

	struct mmsghdr msg[USP_RX_SLOTS];
	struct iovec iov[USP_RX_SLOTS];
} us;

static uint8_t usp_buf[USP_RX_SLOTS][USP_PAYLOAD_MAX];

static uint32_t usp_hash(const struct usp_key *k)
{
	return (uint32_t)siphash(k, sizeof(*k), us.secret) % USP_BUCKETS;
}

static uint32_t usp_idx(const struct usp_flow *f)
{
	return (uint32_t)(f - us.f);
}

static struct usp_flow *usp_find(const struct usp_key *k)
{
	uint32_t i;

	for (i = us.bucket[usp_hash(k)]; i != USP_NONE; i = us.f[i].next) {
		if (!memcmp(&us.f[i].key, k, sizeof(*k)))
			return &us.f[i];
	}
	return NULL;
}

static void usp_close(struct usp_flow *f)
{
	uint32_t *pp = &us.bucket[usp_hash(&f->key)], idx = usp_idx(f);

	while (*pp != USP_NONE && *pp != idx)
		pp = &us.f[*pp].next;
	if (*pp == idx)
		*pp = f->next;
	close(f->tfd);	/* leaves epoll with it */
	f->tfd = -1;
	f->next = us.free_head;
	us.free_head = idx;
	us.count--;
}

/* Bind @fd to @port (loopback on the host side, else any address),
 * falling back to an ephemeral port; Return: 0 or -errno */
static int usp_bind(int fd, int af, bool lo, uint16_t port)
{
	union sockaddr_inany sa;
	union inany a;
	socklen_t sl;
	int one = 1;

	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (af == AF_INET)
		inany_from_v4(&a, (struct in_addr){ htonl(lo ? INADDR_LOOPBACK :
							    INADDR_ANY) });
	else
		inany_from_v6(&a, lo ? &in6addr_loopback : &in6addr_any);
	sl = inany_to_sockaddr(&sa, &a, port, 0);
	if (!bind(fd, &sa.sa, sl))
		return 0;
	sa.sa4.sin_port = 0;	/* same offset in sockaddr_in6 */
	return bind(fd, &sa.sa, sl) ? -errno : 0;
}

/* A new client: socket on the other side, bound, connected, watched */
static struct usp_flow *usp_open(const struct udp_fwd *fw,
				 const struct usp_key *k)
{
	int af = inany_af(&k->peer), fd, rc;
	const union inany *dst = &fw->dst[af == AF_INET6];
	union sockaddr_inany sa;
	struct usp_flow *f;
	uint32_t h;
	socklen_t sl;

	if (inany_is_unspec(dst))
		return NULL;
	if (us.free_head == USP_NONE) {
		warn_rl("udp splice: all %d flows in use, datagram dropped",
			USP_MAX);
		return NULL;
	}
	fd = fw->out ? socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
		     : nspool_get(af, SOCK_DGRAM);
	if (fd < 0) {
		warn_rl("udp splice: socket: %s", strerror(fw->out ? errno :
							     -fd));
		return NULL;
	}
	udp_sock_rcvbuf(fd);
	rc = usp_bind(fd, af, fw->out, k->pport);
	sl = inany_to_sockaddr(&sa, dst, fw->tport, 0);
	if (!rc && connect(fd, &sa.sa, sl))
		rc = -errno;
	if (!rc) {
		union ep_ref ref = ep_ref_make(EP_UDP_LISTEN, fd, us.free_head);

		ref.side = 1;	/* a flow's socket, not a listener */
		rc = loop_add(fd, EPOLLIN, ref);
	}
	if (rc) {
		debug_rl("udp splice: to port %u: %s", fw->tport,
			 strerror(-rc));
		close(fd);
		return NULL;
	}
	f = &us.f[us.free_head];
	us.free_head = f->next;
	f->key = *k;
	f->tfd = fd;
	f->lfd = fw->lfd;
	f->laf = fw->laf;
	h = usp_hash(k);
	f->next = us.bucket[h];
	us.bucket[h] = usp_idx(f);
	us.count++;
	return f;
}

/**
 * udp_splice_send() - datagrams from a loopback client of a forwarded port
 * @fw:		the listener
 * @peer:	client address
 * @pport:	client port
 * @iov:	payloads, one per datagram
 * @n:		how many
 * @now:	current time
 */
void udp_splice_send(const struct udp_fwd *fw, const union inany *peer,
		     uint16_t pport, const struct iovec *iov, int n,
		     const struct timespec *now)
{
	struct usp_key k = { .peer = *peer, .lidx = fw->lidx, .pport = pport };
	struct usp_flow *f = usp_find(&k);
	int i, done = 0;

	if (!f && !(f = usp_open(fw, &k)))
		return;
	f->last = now->tv_sec;
	n = MIN(n, USP_RX_SLOTS);
	for (i = 0; i < n; i++) {
		memset(&us.msg[i].msg_hdr, 0, sizeof(us.msg[i].msg_hdr));
		us.msg[i].msg_hdr.msg_iov = (struct iovec *)&iov[i];
		us.msg[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = sendmmsg(f->tfd, us.msg + done, (unsigned)(n - done),
				 MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNREFUSED)	/* an old ICMP error */
			continue;
		if (r <= 0) {
			debug_rl("udp splice: send: %s", strerror(errno));
			break;
		}
		done += r;
	}
}

/**
 * udp_splice_sock_handler() - replies on our socket of a spliced client:
 * back to the client, through the listening socket
 * @ref:	epoll reference: flow index and fd
 * @events:	EPOLL* bits
 * @now:	current time
 */
void udp_splice_sock_handler(union ep_ref ref, uint32_t events,
			     const struct timespec *now)
{
	struct usp_flow *f = ref.idx < USP_MAX ? &us.f[ref.idx] : NULL;
	union sockaddr_inany sa;
	int round, i, n, errs = 0;
	socklen_t sl;

	(void)events;
	if (!f || f->tfd != ref.fd)
		return;
	f->last = now->tv_sec;
	sl = udp_fwd_sockaddr(&sa, f->laf, &f->key.peer, f->key.pport);
	for (round = 0; round < USP_RX_ROUNDS; round++) {
		for (i = 0; i < USP_RX_SLOTS; i++) {
			struct msghdr *h = &us.msg[i].msg_hdr;

			us.iov[i].iov_base = usp_buf[i];
			us.iov[i].iov_len = USP_PAYLOAD_MAX;
			memset(h, 0, sizeof(*h));
			h->msg_iov = &us.iov[i];
			h->msg_iovlen = 1;
		}
		n = recvmmsg(f->tfd, us.msg, USP_RX_SLOTS, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == ECONNREFUSED && !errs++) {
			round--;	/* error reported and cleared: read on */
			continue;
		}
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			us.iov[i].iov_len = us.msg[i].msg_len;
			us.msg[i].msg_hdr.msg_name = &sa;
			us.msg[i].msg_hdr.msg_namelen = sl;
		}
		if (sendmmsg(f->lfd, us.msg, (unsigned)n, MSG_DONTWAIT) < 0)
			debug_rl("udp splice: reply: %s", strerror(errno));
		if (n < USP_RX_SLOTS)
			break;
	}
}

/**
 * udp_splice_listener_gone() - close the flows of a closed listener
 * @lidx:	its index
 */
void udp_splice_listener_gone(uint32_t lidx)
{
	int i;

	for (i = 0; i < USP_MAX && us.count; i++) {
		if (us.f[i].tfd >= 0 && us.f[i].key.lidx == lidx)
			usp_close(&us.f[i]);
	}
}

/**
 * udp_splice_timer() - close idle flows (periodic)
 * @now:	current time
 */
void udp_splice_timer(const struct timespec *now)
{
	int i;

	for (i = 0; i < USP_MAX && us.count; i++) {
		if (us.f[i].tfd >= 0 && now->tv_sec - us.f[i].last > USP_IDLE_S)
			usp_close(&us.f[i]);
	}
}

/**
 * udp_splice_count() - spliced UDP flows in use
 *
 * Return: the count
 */
unsigned udp_splice_count(void)
{
	return us.count;
}

/**
 * udp_splice_init() - empty table, hash secret
 */
void udp_splice_init(void)
{
	uint32_t i;

	if (getrandom(us.secret, sizeof(us.secret), 0) != sizeof(us.secret))
		die_perror("getrandom for UDP splice");
	for (i = 0; i < USP_BUCKETS; i++)
		us.bucket[i] = USP_NONE;
	for (i = 0; i < USP_MAX; i++) {
		us.f[i].tfd = -1;
		us.f[i].next = i + 1 < USP_MAX ? i + 1 : USP_NONE;
	}
	us.free_head = 0;
}
