// SPDX-License-Identifier: MIT
/* tcp_splice.c - loopback fast path: two sockets joined by splice(2) */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "l4/tcp_splice.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

/*
 * DOC: a connection between host loopback and the namespace needs no TCP
 * translation: both ends are kernel sockets. Side 0 is the accepted
 * socket, side 1 the socket we connect on the other side. Bytes move
 * kernel to kernel, socket -> pipe -> socket, one pipe per direction
 * (pipe[d] carries what side d reads to side !d), and @pending[d] counts
 * what sits in it. A write that can't drain the pipe waits for EPOLLOUT
 * on the writer (OUTW), and the reader isn't polled meanwhile. Sockets
 * are edge-triggered, so each direction runs until its reader is dry,
 * its writer is full, or it reaches EOF; setting a mask polls the socket
 * again, so no edge is lost. EOF on side d becomes
 * shutdown(SHUT_WR) on side !d once pipe[d] is empty; when both
 * directions are shut, the connection closes and its pipes go back to
 * the pool. An error on either side is an RST on the other (SO_LINGER
 * 0). Connections are flows (FLOW_TCP_SPLICE): flow/ keeps a closed one's
 * slot until the end of the batch, so stale events in it find it closed.
 */

#define TSP_MAX		4096	/* spliced connections (the kind's cap) */
#define TSP_NONE	UINT32_MAX	/* end of the pipe wait queue */
#define TSP_PIPES	16	/* pre-opened pipes kept */
#define TSP_TIMER_MS	500	/* the pool refilled this often */
#define TSP_FDS		2	/* fds of a connection: 2 sockets (pipes
				 * are charged while held, 2 fds each) */
#define TSP_PIPE_BYTES	(1U << 20)	/* largest pipe we grow to */
#define TSP_GROW_SHIFT	2		/* grow 4x when a pipe fills */
#define TSP_PIPE_BASE	(64U << 10)	/* a new pipe's size (16 pages) */
#define TSP_GROW_DEFAULT (64ULL << 20)	/* budget without a soft limit */
#define TSP_ROUNDS	16	/* read/write rounds per event and direction */

/* Connection flags; (d) is a direction or side, 0 or 1 */
#define TSP_CONNECTING	(1U << 0)	/* side 1 connect() in progress */
#define TSP_EOF(d)	(1U << (1 + (d)))	/* side d read EOF */
#define TSP_SHUT(d)	(1U << (3 + (d)))	/* direction d done: side !d
						 * shut for writing */
#define TSP_OUTW(s)	(1U << (5 + (s)))	/* waiting EPOLLOUT on side s */
#define TSP_REPOLL(s)	(1U << (7 + (s)))	/* set side s's mask again */
#define TSP_PIPEW(d)	(1U << (9 + (d)))	/* direction d waits for a
						 * pipe (in the wait queue) */

/**
 * struct tsp_pipe - a pipe and its capacity
 * @r, @w:	read and write ends, -1 if none
 * @size:	capacity in bytes (F_GETPIPE_SZ)
 * @base:	capacity it was created with (the kernel's default)
 */
struct tsp_pipe {
	int r;
	int w;
	uint32_t size;
	uint32_t base;
};

/**
 * struct tsp_conn - a spliced connection (a flow: FLOW_TCP_SPLICE)
 * @f:		common head: side 0 the accepted client (gaddr, gport, from
 *		accept4()), side 1 where we connect (raddr, rport)
 * @fd:		sockets: [0] accepted, [1] connected by us
 * @pipe:	[d] carries bytes read from fd[d] to fd[!d]
 * @pending:	bytes in pipe[d]
 * @ev:		epoll mask set on fd[s]
 * @flags:	TSP_* bits
 * @wprev, @wnext: [d] neighbours in the pipe wait queue (entries are
 *		flow index << 1 | d, TSP_NONE at its ends), while
 *		TSP_PIPEW(d)
 */
struct tsp_conn {
	struct flow_common f;
	int fd[2];
	struct tsp_pipe pipe[2];
	uint32_t pending[2];
	uint32_t ev[2];
	uint32_t wprev[2];
	uint32_t wnext[2];
	uint32_t flags;
};
_Static_assert(sizeof(struct tsp_conn) <= FLOW_SLOT_SIZE, "fits a slot");
/* wait queue entries: flow index << 1 | d, never TSP_NONE */
_Static_assert(((uint64_t)FLOW_SLOTS << 1) < TSP_NONE, "wait entries");

struct tcp_splice_loop {
	struct tsp_pipe pool[TSP_PIPES];
	int npool;
	unsigned npipes;		/* open, in the pool or in use */
	unsigned npipes_max;		/* from the user's pipe budget */
	uint32_t wait_head, wait_tail;	/* directions waiting for a pipe */
	uint32_t wait_n;
	uint32_t pipe_max;
	uint64_t grown;
	uint64_t grow_budget;
};

/* ---- pipes ------------------------------------------------------------- */

/*
 * Pipe sizes. Every pipe buffer slot counts against the user's
 * pipe-user-pages-soft (16384 pages by default) whether it holds data or
 * not, and past that limit every new pipe of that user, in any program,
 * gets 2 pages. So pipes start at the kernel's default size, and only one
 * that fills up (a bulk transfer) grows, 4x at a time up to @pipe_max,
 * while the bytes grown by all our pipes stay within @grow_budget (an
 * eighth of the soft limit). Pipes shrink back when they return to the
 * pool. And the number of pipes is bounded, @npipes_max, so that their
 * first size takes another eighth at most: a quarter of the user's pipe
 * budget in all, whatever the guest opens.
 *
 * A direction holds a pipe only while it moves data: it takes one when
 * its socket has something to read, and gives it back once the socket is
 * dry and the pipe empty, so idle connections hold none. When none can
 * be had, the direction waits in a queue (its socket keeps the data, and
 * TCP's window holds the sender back); every returned pipe goes to the
 * first in the queue.
 */

/* A new pipe, default size; Return: 0 or -errno */
static int tsp_pipe_open(struct loop *lp, struct tsp_pipe *p)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	int fds[2], r;

	if (ts->npipes >= ts->npipes_max)
		return -ENFILE;
	if (!fdbudget_take_n(2, "tcp splice pipe"))
		return -EMFILE;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC)) {
		fdbudget_put_n(2);
		return -errno;
	}
	ts->npipes++;
	r = fcntl(fds[1], F_GETPIPE_SZ);
	p->r = fds[0];
	p->w = fds[1];
	p->size = p->base = r > 0 ? (uint32_t)r : 4096;
	return 0;
}

/* Set @p's capacity to @sz (not below what it holds), and account it */
static void tsp_pipe_resize(struct loop *lp, struct tsp_pipe *p, uint32_t sz)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	int r = fcntl(p->w, F_SETPIPE_SZ, (int)sz);

	if (r <= 0)
		return;
	ts->grown -= p->size - p->base;
	p->size = (uint32_t)r;
	if (p->size < p->base)
		p->base = p->size;
	ts->grown += p->size - p->base;
}

/* @p filled up: it carries bulk data, give it room if the budget allows */
static void tsp_pipe_grow(struct loop *lp, struct tsp_pipe *p)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	uint32_t want = MIN((uint64_t)p->size << TSP_GROW_SHIFT,
			    (uint64_t)ts->pipe_max);

	if (want <= p->size || ts->grown + (want - p->size) > ts->grow_budget)
		return;
	tsp_pipe_resize(lp, p, want);
}

static void tsp_pipe_close(struct loop *lp, struct tsp_pipe *p)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;

	if (p->r >= 0)
		close(p->r);
	if (p->w >= 0)
		close(p->w);
	if (p->r >= 0 || p->w >= 0) {
		ts->grown -= p->size - p->base;
		ts->npipes--;
		fdbudget_put_n(2);
	}
	p->r = p->w = -1;
	p->size = p->base = 0;
}

static int tsp_pipe_get(struct loop *lp, struct tsp_pipe *p)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;

	if (ts->npool) {
		*p = ts->pool[--ts->npool];
		return 0;
	}
	return tsp_pipe_open(lp, p);
}

/* Back to the pool, at its first size, if it is empty and there is room;
 * else closed */
static void tsp_pipe_put(struct loop *lp, struct tsp_pipe *p, bool empty)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;

	if (p->r < 0)
		return;
	if (empty && ts->npool < TSP_PIPES) {
		if (p->size > p->base)
			tsp_pipe_resize(lp, p, p->base);
		ts->pool[ts->npool++] = *p;
		p->r = p->w = -1;
		return;
	}
	tsp_pipe_close(lp, p);
}

/* A number from a /proc/sys file, or @dflt */
static unsigned long tsp_sysctl(const char *path, unsigned long dflt)
{
	FILE *f = fopen(path, "re");
	unsigned long v = dflt;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* ---- connections ------------------------------------------------------- */

static const struct flow_kind_ops tsp_ops = {
	.size = sizeof(struct tsp_conn), .cap = TSP_MAX,
};

static uint32_t tsp_idx(const struct tsp_conn *c)
{
	return flow_idx(&c->f);
}

/* The connection an entry of the pipe wait queue stands for: open, as
 * closing takes it out of the queue */
static struct tsp_conn *tsp_wait_conn(struct loop *lp, uint32_t e)
{
	struct tsp_conn *c = flow_get(lp, e >> 1, FLOW_TCP_SPLICE);

	ASSERT(c);
	return c;
}

/* Direction @d has data but no pipe: queue it for the next one. The
 * queue links the waiting directions themselves, so it holds each at
 * most once and can't fill up */
static void tsp_pipe_wait(struct loop *lp, struct tsp_conn *c, int d)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	uint32_t e = tsp_idx(c) << 1 | (uint32_t)d;

	if (c->flags & TSP_PIPEW(d))
		return;
	c->flags |= TSP_PIPEW(d);
	c->wprev[d] = ts->wait_tail;
	c->wnext[d] = TSP_NONE;
	if (ts->wait_tail != TSP_NONE)
		tsp_wait_conn(lp, ts->wait_tail)->wnext[ts->wait_tail & 1] = e;
	else
		ts->wait_head = e;
	ts->wait_tail = e;
	ts->wait_n++;
	warn_rl("tcp splice: all %u pipes in use (a quarter of the user's "
		"pipe-user-pages-soft), connections wait for one",
		ts->npipes_max);
}

/* Take direction @d out of the pipe wait queue, if it is in it */
static void tsp_pipe_unwait(struct loop *lp, struct tsp_conn *c, int d)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	uint32_t p = c->wprev[d], n = c->wnext[d];

	if (!(c->flags & TSP_PIPEW(d)))
		return;
	c->flags &= ~TSP_PIPEW(d);
	if (p != TSP_NONE)
		tsp_wait_conn(lp, p)->wnext[p & 1] = n;
	else
		ts->wait_head = n;
	if (n != TSP_NONE)
		tsp_wait_conn(lp, n)->wprev[n & 1] = p;
	else
		ts->wait_tail = p;
	ts->wait_n--;
}

/* Close sockets and pipes; flow/ frees the slot after the batch */
static void tsp_close(struct loop *lp, struct tsp_conn *c, bool reset)
{
	int s;

	if (c->f.closed)
		return;
	flow_event(&c->f, "closed%s", reset ? " with RST" : "");
	fdbudget_put_n(TSP_FDS);
	for (s = 0; s < 2; s++) {
		if (c->fd[s] < 0)
			continue;
		if (reset) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(c->fd[s], SOL_SOCKET, SO_LINGER, &l,
				   sizeof(l));
		}
		close(c->fd[s]);
		c->fd[s] = -1;
	}
	tsp_pipe_put(lp, &c->pipe[0], !c->pending[0]);
	tsp_pipe_put(lp, &c->pipe[1], !c->pending[1]);
	tsp_pipe_unwait(lp, c, 0);
	tsp_pipe_unwait(lp, c, 1);
	c->flags = 0;
	flow_close(lp, &c->f);
}

/* ---- data -------------------------------------------------------------- */

/*
 * Epoll masks from the flags. Edge-triggered EPOLLOUT only comes when the
 * socket becomes writeable again after a write ran out of memory; a
 * short write for another reason, or a direction that stopped at its
 * round limit, would wait forever. So whenever we start waiting, the
 * mask is set again (TSP_REPOLL): that polls the socket, and reports
 * EPOLLOUT at once if it is writeable already.
 */
static int tsp_events(struct loop *lp, struct tsp_conn *c)
{
	int s, rc;

	for (s = 0; s < 2; s++) {
		union ep_ref ref = ep_ref_make(EP_TCP_SPLICE, c->fd[s],
					       tsp_idx(c));
		uint32_t ev = EPOLLET;

		/* a reader whose writer is blocked would only wake us up */
		if (!(c->flags & (TSP_CONNECTING | TSP_OUTW(!s))))
			ev |= EPOLLIN | EPOLLRDHUP;
		if ((c->flags & TSP_OUTW(s)) ||
		    (s && (c->flags & TSP_CONNECTING)))
			ev |= EPOLLOUT;
		if (ev == c->ev[s] && !(c->flags & TSP_REPOLL(s)))
			continue;
		ref.side = (uint32_t)s;
		rc = c->ev[s] ? loop_mod(lp, c->fd[s], ev, ref) :
				loop_add(lp, c->fd[s], ev, ref);
		if (rc)
			return rc;
		c->ev[s] = ev;
		c->flags &= ~TSP_REPOLL(s);
	}
	return 0;
}

/* Direction @d can't write now: wait for EPOLLOUT on side !d */
static void tsp_out_wait(struct tsp_conn *c, int d)
{
	c->flags |= TSP_OUTW(!d) | TSP_REPOLL(!d);
}

/*
 * Move what side @d has to side !d. A read that fails with EAGAIN while
 * the pipe held data may have found the pipe full rather than the socket
 * dry: drain, and read again.
 * Return: 0, or -errno for a broken connection
 */
static int tsp_dir(struct loop *lp, struct tsp_conn *c, int d)
{
	struct tsp_pipe *p = &c->pipe[d];
	int in = c->fd[d], out = c->fd[!d], round;
	ssize_t n;

	if (c->flags & (TSP_SHUT(d) | TSP_OUTW(!d) | TSP_PIPEW(d)))
		return 0;
	if (p->r < 0 && tsp_pipe_get(lp, p)) {
		tsp_pipe_wait(lp, c, d);
		return 0;
	}
	for (round = 0; round < TSP_ROUNDS; round++) {
		uint32_t before = c->pending[d];
		bool dry = false;

		if (!(c->flags & TSP_EOF(d)) && before < p->size) {
			n = splice(in, NULL, p->w, NULL, p->size - before,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->pending[d] += (uint32_t)n;
				flow_io(&c->f, d, (uint64_t)n, 0);
				/* half full (by bytes: pages may be
				 * partly used) means bulk */
				if (c->pending[d] >= p->size / 2)
					tsp_pipe_grow(lp, p);
			} else if (!n) {
				c->flags |= TSP_EOF(d);
			} else if (errno == EAGAIN) {
				dry = !before;
			} else if (errno != EINTR) {
				return -errno;
			}
		}
		if (c->pending[d]) {
			n = splice(p->r, NULL, out, NULL, c->pending[d],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				c->pending[d] -= (uint32_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -errno;
			if (c->pending[d]) {
				tsp_out_wait(c, d);
				return 0;
			}
		}
		if (c->flags & TSP_EOF(d)) {
			shutdown(out, SHUT_WR);
			c->flags |= TSP_SHUT(d);
			tsp_pipe_put(lp, p, true);
			return 0;
		}
		if (dry) {	/* idle: the pipe is empty, give it back */
			tsp_pipe_put(lp, p, true);
			return 0;
		}
	}
	/* more to do: come back when the writer says it can take it */
	tsp_out_wait(c, d);
	return 0;
}

/* connect() on side 1 finished: check it, then start moving data */
static int tsp_connected(struct loop *lp, struct tsp_conn *c)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	if (err)
		return -err;
	c->flags &= ~TSP_CONNECTING;
	return tsp_dir(lp, c, 0) ?: tsp_dir(lp, c, 1);
}

/* After moving data: close when both directions are done, reset on an
 * error (@rc), else set the epoll masks the flags ask for */
static void tsp_finish(struct loop *lp, struct tsp_conn *c, int rc)
{
	if (!rc && (c->flags & TSP_SHUT(0)) && (c->flags & TSP_SHUT(1))) {
		tsp_close(lp, c, false);
		return;
	}
	if (!rc)
		rc = tsp_events(lp, c);
	if (rc) {
		flow_event(&c->f, "%s, resetting", strerror(-rc));
		tsp_close(lp, c, true);
	}
}

/* Events on one socket of a spliced connection */
static void tsp_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct tsp_conn *c = flow_get(lp, ref.idx, FLOW_TCP_SPLICE);
	int s = ref.side, rc = 0;

	if (!c || c->fd[s] != ref.fd)
		return;		/* stale: closed in this batch */
	flow_touch(lp, &c->f);

	if (events & EPOLLERR) {
		rc = -ECONNRESET;
	} else if (c->flags & TSP_CONNECTING) {
		if (s && (events & (EPOLLOUT | EPOLLHUP)))
			rc = tsp_connected(lp, c);
	} else {
		if (events & EPOLLOUT) {
			c->flags &= ~TSP_OUTW(s);
			rc = tsp_dir(lp, c, !s);
		}
		if (!rc && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)))
			rc = tsp_dir(lp, c, s);
	}
	tsp_finish(lp, c, rc);
}

/*
 * Options for both sockets. No Nagle: we write what we have. Reno as the
 * congestion control: both connections run over loopback, where nothing
 * is lost, and a pacing one (BBR, a common default) only holds data
 * back on timers, which fire on the other CPU and reorder segments
 * (measured: spurious retransmits, about a third less throughput).
 * Reno is built in and allowed to everyone; failures change nothing.
 */
static void tsp_sock_opts(int fd)
{
	static const char cc[] = "reno";
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, sizeof(cc) - 1);
}

/**
 * tcp_splice_new() - join an accepted socket to a new connection
 * @fd:		accepted socket (loopback peer)
 * @peer:	its peer's address, as accept4() gave it
 * @pport:	and port
 * @tfd:	fresh TCP socket on the other side, family of @dst
 * @dst:	where @tfd connects
 * @port:	to which port
 *
 * Both sockets are ours from here: on failure they are closed, @fd with
 * an RST.
 * Return: 0, or -errno
 */
int tcp_splice_new(struct loop *lp, int fd, const union inany *peer,
		   uint16_t pport, int tfd,
		   const union inany *dst, uint16_t port)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	union sockaddr_inany sa;
	struct tsp_conn *c;
	socklen_t sl;
	int rc;

	if (!fdbudget_take_n(TSP_FDS, "tcp splice")) {
		rc = -EMFILE;
		goto refuse;
	}
	c = flow_alloc(lp, FLOW_TCP_SPLICE);
	if (!c) {
		fdbudget_put_n(TSP_FDS);
		warn_rl("tcp splice: all %u connections in use, refusing",
			flow_kind_cap_get(lp, FLOW_TCP_SPLICE));
		rc = -ENOSPC;
		goto refuse;
	}
	c->f.gaddr = *peer;
	c->f.gport = pport;
	c->f.raddr = *dst;
	c->f.rport = port;
	c->f.proto = IPPROTO_TCP;
	c->fd[0] = fd;
	c->fd[1] = tfd;
	c->pipe[0].r = c->pipe[0].w = c->pipe[1].r = c->pipe[1].w = -1;
	tsp_sock_opts(fd);
	tsp_sock_opts(tfd);
	flow_event(&c->f, "opened");

	sl = inany_to_sockaddr(&sa, dst, port, 0);
	if (connect(tfd, &sa.sa, sl) && errno != EINPROGRESS) {
		rc = -errno;
		flow_event(&c->f, "connect: %s", strerror(-rc));
		goto fail;
	}
	c->flags |= TSP_CONNECTING;
	rc = tsp_events(lp, c);
	if (rc)
		goto fail;
	return 0;
fail:
	tsp_close(lp, c, true);
	return rc;
refuse:
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	close(tfd);
	return rc;
}

/* Pipes came back: directions waiting for one move on, in order */
static void tsp_pipe_wake(struct loop *lp)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;
	uint32_t n = ts->wait_n;	/* each once: one may queue again (fds) */

	while (n-- && ts->wait_head != TSP_NONE &&
	       (ts->npool || ts->npipes < ts->npipes_max)) {
		uint32_t e = ts->wait_head;
		struct tsp_conn *c = tsp_wait_conn(lp, e);
		int d = (int)(e & 1);

		tsp_pipe_unwait(lp, c, d);
		tsp_finish(lp, c, tsp_dir(lp, c, d));
	}
}

/* After every batch: hand returned pipes on (flow/ frees closed slots
 * after this, so connections closed here are reaped in this batch too) */
static void tsp_post(struct loop *lp)
{
	tsp_pipe_wake(lp);
}

/* Top the pipe pool up: at start, then every TSP_TIMER_MS */
static void tsp_timer(struct loop *lp)
{
	struct tcp_splice_loop *ts = lp->tcp_splice;

	while (ts->npool < TSP_PIPES) {
		if (tsp_pipe_open(lp, &ts->pool[ts->npool]))
			break;
		ts->npool++;
	}
}

/**
 * tcp_splice_init() - register with the loop, fill the pipe pool
 */
void tcp_splice_init(struct loop *lp)
{
	struct tcp_splice_loop *ts = loop_state_new(lp->tcp_splice,
						    "spliced TCP state");
	unsigned long soft = tsp_sysctl("/proc/sys/fs/pipe-user-pages-soft",
					0);
	uint64_t budget;

	ts->wait_head = ts->wait_tail = TSP_NONE;
	ts->pipe_max = (uint32_t)MIN(tsp_sysctl("/proc/sys/fs/pipe-max-size",
					       TSP_PIPE_BYTES),
				    (unsigned long)TSP_PIPE_BYTES);
	budget = soft ? (uint64_t)soft * (uint64_t)getpagesize() / 4 :
			TSP_GROW_DEFAULT;
	ts->grow_budget = budget / 2;
	ts->npipes_max = (unsigned)MAX(budget / 2 / TSP_PIPE_BASE, TSP_PIPES);
	debug("tcp splice: at most %u pipes, growing by %llu KiB in all",
	      ts->npipes_max, (unsigned long long)(ts->grow_budget >> 10));
	flow_kind_register(lp, FLOW_TCP_SPLICE, &tsp_ops);
	loop_handler_set(lp, EP_TCP_SPLICE, tsp_handler);
	loop_post_add(lp, tsp_post);
	loop_timer_add(lp, tsp_timer, TSP_TIMER_MS);
	tsp_timer(lp);
}
