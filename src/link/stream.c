// SPDX-License-Identifier: MIT
/* stream.c - QEMU stream socket back-end (passt): length-prefixed frames */

/**
 * DOC: Theory of operation
 *
 * QEMU's "-netdev stream" (and the older "-netdev socket") carries Ethernet
 * frames over a stream socket, each one preceded by its length as a 4-byte
 * big-endian number, nothing else. We listen on a UNIX socket and serve
 * one client at a time; more connections are accepted and closed at once.
 * With -F, the caller hands us a socket that is already connected, and we
 * exit when it goes away (as with --one-off).
 *
 * Reading: one large recv() into stream.buf, then the buffer is split into
 * frames. A frame cut at the end of the data stays in the buffer and is
 * moved to its start at the next read, where the rest is appended. Frames
 * handed to ingress stay valid until the next read. When more complete
 * frames are buffered than one batch takes, an eventfd ("kick") wakes the
 * loop again, since the socket itself may have nothing more to say.
 *
 * The guest is untrusted: a length below an Ethernet header or above
 * L2_MAX_FRAME means the stream can't be trusted any more, so the
 * connection is reset (closed; we wait for the next one). Nothing else is
 * lost: flows, forwarding and the rest of the state stay.
 *
 * Writing: every frame queued in a loop iteration goes out with one
 * sendmsg(): length prefix, the frame's own iovecs, padding to the
 * Ethernet minimum. The frames point into their producers' buffers, which
 * are reused once tx returns, so the unsent rest of a frame written in
 * part is copied to @out (one frame at most) and finished later,
 * when the socket is writable again (EPOLLOUT, which wakes the link
 * handler: rx writes the rest first). We never wait for the peer: one
 * that stops reading mustn't stall the loop. While a rest is pending,
 * new frames are dropped, as by a NIC with a full queue, and so are frames
 * not started: TCP retransmits, the rest is datagrams anyway.
 *
 * Out of file descriptors, accept() on the listener would fail again at
 * once (it's level-triggered): the listener is paused and retried every
 * LINK_LISTEN_RETRY_MS instead.
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/iov.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"
#include "link/link_int.h"
#include "loop.h"

#define STREAM_BUF_BYTES	(8 << 20)	/* one read batch */
#define STREAM_LEN_BYTES	4		/* length prefix */
#define STREAM_ETH_MIN		60		/* ETH_ZLEN: pad shorter frames */
#define STREAM_IOV_MAX		1024		/* UIO_MAXIOV */
#define STREAM_TX_IOV		(LINK_IOV_MAX + 2)	/* + prefix, pad */

/**
 * struct stream - state of the back-end, a loop's (link_priv())
 * @lis:	where QEMU connects (its fd -1 with -F), and the path
 * @fd:		connected client, -1 while waiting for one
 * @kick_fd:	eventfd: complete frames are still buffered
 * @kicked:	@kick_fd was written and not read since
 * @one_off:	exit when the client goes away (-1, or -F)
 * @spoke:	the client sent data: a guest, not a probe that only checks
 *		whether something listens here (as unix.c's unix_bind() does)
 * @gone:	one-off and the client left: the link is gone for good
 * @want_out:	EPOLLOUT is requested on @fd (a rest is pending)
 * @start:	offset of the first byte not yet handed out in @buf
 * @have:	bytes of data in @buf
 * @out_off:	bytes of @out written already
 * @out_len:	bytes in @out: the rest of a frame, 0 if none
 * @tx_dropped:	frames dropped because the socket was full
 * @buf:	received stream data
 * @out:	the unsent rest of one frame: prefix and frame, padding
 *		included
 */
struct stream {
	struct link_listener lis;
	int fd;
	int kick_fd;
	bool kicked;
	bool one_off;
	bool spoke;
	bool gone;
	bool want_out;
	size_t start;
	size_t have;
	size_t out_off;
	size_t out_len;
	uint64_t tx_dropped;
	uint8_t buf[STREAM_BUF_BYTES] __attribute__((aligned(4096)));
	uint8_t out[STREAM_LEN_BYTES + L2_MAX_FRAME];
};

static const uint8_t stream_pad[STREAM_ETH_MIN];

static const struct link_ops stream_ops;

/*
 * Forget the client: frames from a new one start a new stream. With
 * --one-off, a client that never sent anything was only probing (another
 * instance looking for a free path): keep waiting for the guest.
 */
static void stream_reset(struct loop *lp, const char *why)
{
	struct stream *st = link_priv(lp);

	if (st->fd < 0)
		return;
	st->gone = st->one_off && (st->spoke || st->lis.fd < 0);
	info_rl("QEMU client %s, %s", why,
		st->gone ? "exiting" : "waiting for a new one");
	close(st->fd);		/* also leaves the epoll set */
	st->fd = -1;
	st->start = st->have = 0;
	st->out_off = st->out_len = 0;
	st->want_out = false;
	link_set(lp, &stream_ops, -1);
	link_peer_changed(lp);		/* the guest's MAC is unknown */
	if (st->gone)
		loop_stop(lp, 0);
}

/* Large buffers both ways: the stream carries every flow of the guest */
static void stream_sock_tune(int fd)
{
	int v = INT_MAX / 2;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* Take @fd as the client and watch it */
static int stream_attach(struct loop *lp, int fd)
{
	struct stream *st = link_priv(lp);
	int rc = link_nonblock(fd);

	if (rc)
		return rc;
	stream_sock_tune(fd);
	st->fd = fd;
	st->spoke = false;
	st->start = st->have = 0;
	st->out_off = st->out_len = 0;
	st->want_out = false;
	link_set(lp, &stream_ops, fd);
	link_peer_changed(lp);		/* a new guest: MAC unknown */
	return 0;
}

/* Split complete frames out of the buffer, from st->start on */
static int stream_split(struct loop *lp, struct frame *f, int n, int max)
{
	struct stream *st = link_priv(lp);

	while (n < max && st->have - st->start >= STREAM_LEN_BYTES) {
		const uint8_t *p = st->buf + st->start;
		uint32_t len = rd32(p);

		if (len < ETH_HDR_LEN || len > L2_MAX_FRAME) {
			warn_rl("QEMU stream: impossible frame length %u",
				len);
			return -EPROTO;
		}
		if (st->have - st->start < STREAM_LEN_BYTES + len)
			break;
		f[n].data = p + STREAM_LEN_BYTES;
		f[n].len = len;
		f[n].csum_ok = 0;
		f[n].gso_udp = 0;
		f[n].shared = false;
		f[n].tail = NULL;
		f[n].tail_n = 0;
		f[n].tail_len = 0;
		n++;
		st->start += STREAM_LEN_BYTES + len;
	}
	return n;
}

/* True if a complete frame waits in the buffer */
static bool stream_frame_pending(struct loop *lp)
{
	struct stream *st = link_priv(lp);
	size_t left = st->have - st->start;

	return left >= STREAM_LEN_BYTES &&
	       left >= STREAM_LEN_BYTES + (size_t)rd32(st->buf + st->start);
}

/* Wake the loop again, for frames that didn't fit in this batch */
static void stream_kick(struct loop *lp, bool on)
{
	struct stream *st = link_priv(lp);
	uint64_t v = 1;

	if (on == st->kicked)
		return;
	st->kicked = on;
	if (on) {
		if (write(st->kick_fd, &v, sizeof(v)) < 0)
			debug_rl("QEMU stream: eventfd write: %s",
				 strerror(errno));
	} else if (read(st->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		debug_rl("QEMU stream: eventfd read: %s", strerror(errno));
	}
}

/* Move the unconsumed tail to the start: frames handed out are done with */
static void stream_compact(struct loop *lp)
{
	struct stream *st = link_priv(lp);
	size_t left = st->have - st->start;

	if (st->start && left)
		memmove(st->buf, st->buf + st->start, left);
	st->have = left;
	st->start = 0;
}

/* Ask for EPOLLOUT on the client while a rest of a frame is pending */
static void stream_watch_out(struct loop *lp, bool on)
{
	struct stream *st = link_priv(lp);
	uint32_t ev = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0);

	if (on == st->want_out)
		return;
	if (loop_mod(lp, st->fd, ev, ep_ref_make(EP_TAP, st->fd, 0)))
		debug_rl("QEMU stream: can't watch for EPOLLOUT");
	st->want_out = on;
}

/*
 * Write the pending rest of a frame, without waiting.
 * Return: 0 if nothing is left, -EAGAIN if something is, or -errno
 */
static int stream_out_flush(struct loop *lp)
{
	struct stream *st = link_priv(lp);

	while (st->out_off < st->out_len) {
		ssize_t r = send(st->fd, st->out + st->out_off,
				 st->out_len - st->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -EAGAIN;
		if (r < 0)
			return -errno;
		st->out_off += (size_t)r;
	}
	st->out_off = st->out_len = 0;
	stream_watch_out(lp, false);
	return 0;
}

static int stream_rx(struct loop *lp, struct frame *f, int max)
{
	struct stream *st = link_priv(lp);
	int n = 0;

	if (st->fd < 0)
		return st->gone ? -1 : 0;

	if (st->out_len) {	/* EPOLLOUT, maybe */
		int rc = stream_out_flush(lp);

		if (rc && rc != -EAGAIN) {
			stream_reset(lp, strerror(-rc));
			return st->gone ? -1 : 0;
		}
	}
	stream_kick(lp, false);
	stream_compact(lp);
	while ((n = stream_split(lp, f, n, max)) >= 0 && n < max) {
		ssize_t r = recv(st->fd, st->buf + st->have,
				 sizeof(st->buf) - st->have, MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			stream_reset(lp, r ? strerror(errno) : "disconnected");
			return st->gone ? -1 : n;
		}
		st->spoke = true;
		st->have += (size_t)r;
		if (st->have == sizeof(st->buf)) {
			n = stream_split(lp, f, n, max);
			break;
		}
	}
	if (n < 0) {
		stream_reset(lp, "sent an impossible frame length");
		return st->gone ? -1 : 0;
	}
	if (stream_frame_pending(lp))
		stream_kick(lp, true);
	return n;
}

/* Copy what's left of a frame, @iov past @skip sent bytes, to @out */
static void stream_save(struct loop *lp, const struct iovec *iov, int cnt,
			size_t skip)
{
	struct stream *st = link_priv(lp);

	st->out_off = 0;
	st->out_len = iov_to_buf(iov, cnt, skip, st->out, sizeof(st->out));
	stream_watch_out(lp, true);
}

/**
 * struct stream_txq - one sendmsg() worth of frames
 * @iov:	prefix, frame iovecs, padding, for each frame
 * @first:	index in @iov of each frame's first entry
 * @cnt:	entries of each frame
 * @len:	bytes of each frame, prefix included
 * @prefix:	length prefixes
 */
struct stream_txq {
	struct iovec iov[STREAM_IOV_MAX];
	int first[STREAM_IOV_MAX / 2];
	int cnt[STREAM_IOV_MAX / 2];
	size_t len[STREAM_IOV_MAX / 2];
	uint8_t prefix[STREAM_IOV_MAX / 2][STREAM_LEN_BYTES];
};

/* Add frame @fi (@cnt iovecs) as entry @k of @q; Return: iovecs used */
static int stream_txq_add(struct stream_txq *q, int k, int niov,
			  const struct iovec *fi, int cnt)
{
	struct iovec *v = q->iov + niov;
	size_t len = 0;
	int i;

	for (i = 0; i < cnt; i++) {
		v[1 + i] = fi[i];
		len += fi[i].iov_len;
	}
	if (len < STREAM_ETH_MIN) {
		v[1 + cnt].iov_base = (void *)stream_pad;
		v[1 + cnt].iov_len = STREAM_ETH_MIN - len;
		len = STREAM_ETH_MIN;
		cnt++;
	}
	wr32(q->prefix[k], (uint32_t)len);
	v[0].iov_base = q->prefix[k];
	v[0].iov_len = STREAM_LEN_BYTES;
	q->first[k] = niov;
	q->cnt[k] = 1 + cnt;
	q->len[k] = STREAM_LEN_BYTES + len;
	return 1 + cnt;
}

/* Send @k queued frames; Return: frames sent completely, or -errno */
static int stream_txq_send(struct loop *lp, struct stream_txq *q, int k,
			   int niov)
{
	struct stream *st = link_priv(lp);
	struct msghdr mh = { .msg_iov = q->iov, .msg_iovlen = niov };
	ssize_t r;
	size_t sent;
	int i;

	do {
		r = sendmsg(st->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;

	for (sent = (size_t)r, i = 0; i < k && sent >= q->len[i]; i++)
		sent -= q->len[i];
	if (i == k || !sent)
		return i;

	/* Frame i went out in part: keep the rest, or lose the framing */
	stream_save(lp, q->iov + q->first[i], q->cnt[i], sent);
	return i + 1;
}

static int stream_tx(struct loop *lp, const struct iovec *iov, const int *cnt,
		     int n)
{
	struct stream *st = link_priv(lp);
	static struct stream_txq q;
	int i = 0, done = 0, rc;

	if (st->fd < 0)
		return 0;
	rc = stream_out_flush(lp);
	if (rc) {
		if (rc != -EAGAIN) {
			stream_reset(lp, strerror(-rc));
			return 0;
		}
		st->tx_dropped += (uint64_t)n;
		debug_rl("QEMU stream: peer not reading, %d frames dropped "
			 "(%llu in all)", n,
			 (unsigned long long)st->tx_dropped);
		return 0;
	}

	while (st->fd >= 0 && i < n) {
		int k = 0, niov = 0, first = i, r;

		for (; i < n && niov + STREAM_TX_IOV <= STREAM_IOV_MAX; i++) {
			const struct iovec *fi = iov + (size_t)i * LINK_IOV_MAX;
			size_t len = 0;
			int j;

			for (j = 0; j < cnt[i]; j++)
				len += fi[j].iov_len;
			if (len < ETH_HDR_LEN || len > L2_MAX_FRAME) {
				debug_rl("QEMU stream: dropping %zu-byte frame",
					 len);
				continue;
			}
			niov += stream_txq_add(&q, k++, niov, fi, cnt[i]);
		}
		if (!k)
			continue;

		r = stream_txq_send(lp, &q, k, niov);
		if (r < 0) {
			stream_reset(lp, strerror(-r));
			break;
		}
		done += r;
		if (r < k || (st->out_len && i < n)) {
			st->tx_dropped += (uint64_t)(n - first - r);
			debug_rl("QEMU stream: socket full, %d frames dropped",
				 n - first - r);
			break;
		}
	}
	return done;
}

static const struct link_ops stream_ops = {
	.name = "QEMU stream",
	.rx = stream_rx,
	.tx = stream_tx,
};

/* Periodic: a paused listener tries again */
static void stream_listen_timer(struct loop *lp)
{
	struct stream *st = link_priv(lp);

	link_listen_pause(lp, &st->lis, false);
}

/* A client connects: take it, unless we have one already */
static void stream_listen_handler(struct loop *lp, union ep_ref ref,
				  uint32_t events)
{
	struct stream *st = link_priv(lp);
	int fd, rc;

	(void)ref;
	(void)events;
	fd = link_accept(lp, &st->lis);
	if (fd < 0)
		return;
	if (st->fd >= 0) {
		info_rl("another QEMU client on %s, one is connected: "
			"closing it", st->lis.path);
		close(fd);
		return;
	}
	rc = stream_attach(lp, fd);
	if (!rc)
		rc = loop_add(lp, fd, EPOLLIN | EPOLLRDHUP,
			      ep_ref_make(EP_TAP, fd, 0));
	if (rc) {
		warn_rl("cannot use QEMU client: %s", strerror(-rc));
		st->fd = -1;
		link_set(lp, &stream_ops, -1);
		close(fd);
		return;
	}
	info_rl("QEMU client connected on %s", st->lis.path);
}

/* Listen on -s PATH, or on the first free default path */
static void stream_listen(struct loop *lp, const struct conf *c)
{
	struct stream *st = link_priv(lp);

	link_listen(lp, c, &st->lis, stream_listen_handler,
		    stream_listen_timer);
	info("UNIX domain socket bound at %s", st->lis.path);
	info("You can now start QEMU (>= 7.2):");
	info("    qemu-system-x86_64 ... -device virtio-net-pci,netdev=s "
	     "-netdev stream,id=s,server=off,addr.type=unix,addr.path=%s",
	     st->lis.path);
}

/**
 * link_stream_open() - set up the passt back-end: listen, or adopt -F
 * @c:		configuration: link.sock_path, link.fd, link.one_off
 *
 * Dies on failure with a line naming the cause. Clients are accepted
 * from the loop; link_start() then finds no fd to watch until one is.
 */
void link_stream_open(struct loop *lp, const struct conf *c)
{
	struct stream *st = link_ops(lp) == &stream_ops ? link_priv(lp) : NULL;

	if (!st) {	/* opened again (the tests do): the same state */
		st = loop_alloc(sizeof(*st), "stream back-end");
		st->lis.fd = st->fd = st->kick_fd = -1;
		link_priv_set(lp, st);
	}
	st->one_off = c->link.one_off || c->link.fd >= 0;
	st->gone = false;
	if (st->kick_fd < 0) {
		st->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (st->kick_fd < 0)
			die_perror("eventfd");
		if (loop_add(lp, st->kick_fd, EPOLLIN,
			     ep_ref_make(EP_TAP, st->kick_fd, 0)))
			die_perror("cannot watch the stream eventfd");
	}

	link_set(lp, &stream_ops, -1);
	if (c->link.fd >= 0) {
		int rc;

		link_fd_check(c, &st->lis, "QEMU");
		rc = stream_attach(lp, c->link.fd);
		if (rc)
			die("cannot use -F %d: %s", c->link.fd, strerror(-rc));
		return;		/* link_start() watches it */
	}
	stream_listen(lp, c);
}

/**
 * link_stream_path() - where we listen, for messages and tests
 *
 * Return: the bound path, "fd N" with -F, "" before link_stream_open()
 */
const char *link_stream_path(const struct loop *lp)
{
	const struct stream *st = link_priv(lp);

	return st->lis.path;
}
