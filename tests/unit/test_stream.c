// SPDX-License-Identifier: MIT
/* test_stream.c - unit tests for the QEMU stream back-end (framing, resets) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "tloop.h"
#include "conf/conf.h"
#include "l2/egress.h"
#include "lib/util.h"
#include "link/link.h"
#include "loop.h"

#define MAXF	LINK_RX_BATCH

static struct conf c;
static struct frame f[MAXF];
static int peer = -1;		/* QEMU's end */

/* Adopt one end of a fresh socketpair as with -F; keep the other */
static void open_pair(void)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (link_fd(lp) >= 0)		/* the last pair's: leave the loop */
		close(link_fd(lp));
	memset(&c, 0, sizeof(c));
	c.link.fd = sv[0];
	link_stream_open(lp, &c);
	if (peer >= 0)
		close(peer);
	peer = sv[1];
}

static int rx(void)
{
	return link_ops(lp)->rx(lp, f, MAXF);
}

/* Write a frame of @len bytes filled with @fill, prefix first */
static size_t put_frame(uint8_t *buf, uint32_t len, uint8_t fill)
{
	wr32(buf, len);
	memset(buf + 4, fill, len);
	return 4 + (size_t)len;
}

static void write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		ssize_t r = write(fd, b, len);

		assert_true(r > 0);
		b += r;
		len -= (size_t)r;
	}
}

static bool peer_sees_eof(void)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	char b[256];
	ssize_t r;

	while (poll(&pfd, 1, 1000) == 1) {
		r = read(peer, b, sizeof(b));
		if (r <= 0)
			return true;
	}
	return false;
}

static void test_frames_in_one_read(void **state)
{
	static uint8_t buf[4096];
	size_t off = 0;
	int n;

	(void)state;
	open_pair();
	off += put_frame(buf + off, 14, 1);
	off += put_frame(buf + off, 60, 2);
	off += put_frame(buf + off, 1500, 3);
	write_all(peer, buf, off);

	n = rx();
	assert_int_equal(n, 3);
	assert_int_equal(f[0].len, 14);
	assert_int_equal(f[1].len, 60);
	assert_int_equal(f[2].len, 1500);
	assert_int_equal(f[0].data[13], 1);
	assert_int_equal(f[1].data[0], 2);
	assert_int_equal(f[2].data[1499], 3);
	assert_int_equal(rx(), 0);
}

/* Every way of cutting two frames in two reads gives the same frames */
static void test_frame_split_anywhere(void **state)
{
	static uint8_t buf[512];
	size_t total, cut;

	(void)state;
	total = put_frame(buf, 100, 0xaa);
	total += put_frame(buf + total, 40, 0xbb);

	for (cut = 0; cut <= total; cut++) {
		uint8_t last[2] = { 0 };
		size_t lens[2] = { 0 };
		int n = 0, r, i;

		open_pair();
		write_all(peer, buf, cut);
		for (r = rx(), i = 0; i < r; i++, n++) {
			lens[n] = f[i].len;
			last[n] = f[i].data[f[i].len - 1];
		}
		write_all(peer, buf + cut, total - cut);
		for (r = rx(), i = 0; i < r && n < 2; i++, n++) {
			lens[n] = f[i].len;
			last[n] = f[i].data[f[i].len - 1];
		}
		assert_int_equal(n, 2);
		assert_int_equal(r >= 0 ? rx() : -1, 0);
		assert_int_equal(lens[0], 100);
		assert_int_equal(last[0], 0xaa);
		assert_int_equal(lens[1], 40);
		assert_int_equal(last[1], 0xbb);
	}
}

/* A frame larger than what one recv() returns is completed over reads */
static void test_large_frame_byte_by_byte(void **state)
{
	static uint8_t buf[4 + L2_MAX_FRAME];
	size_t total, i;
	int n = 0;

	(void)state;
	open_pair();
	total = put_frame(buf, L2_MAX_FRAME, 0x5a);
	for (i = 0; i < total; i += 1000) {
		write_all(peer, buf + i, MIN((size_t)1000, total - i));
		n += rx();
		assert_true(n <= 1);
	}
	assert_int_equal(n, 1);
	assert_int_equal(f[0].len, L2_MAX_FRAME);
	assert_int_equal(f[0].data[L2_MAX_FRAME - 1], 0x5a);
}

/* More frames than one batch: the rest comes with the next call */
static void test_more_than_a_batch(void **state)
{
	static uint8_t buf[(MAXF + 44) * 64];
	size_t off = 0;
	int i;

	(void)state;
	open_pair();
	for (i = 0; i < MAXF + 44; i++)
		off += put_frame(buf + off, 60, (uint8_t)i);
	write_all(peer, buf, off);

	assert_int_equal(rx(), MAXF);
	assert_int_equal(f[MAXF - 1].data[0], (uint8_t)(MAXF - 1));
	assert_int_equal(rx(), 44);
	assert_int_equal(f[0].data[0], (uint8_t)MAXF);
	assert_int_equal(rx(), 0);
}

static void bad_length(uint32_t len)
{
	uint8_t buf[64];
	size_t off;

	open_pair();
	off = put_frame(buf, 20, 1);
	wr32(buf + off, len);
	off += 4;
	memset(buf + off, 0, 20);
	write_all(peer, buf, off + 20);

	/* -F implies one-off: the link is gone, and QEMU sees EOF */
	assert_int_equal(rx(), -1);
	assert_true(peer_sees_eof());
	assert_int_equal(rx(), -1);
}

static void test_bad_lengths_reset(void **state)
{
	(void)state;
	bad_length(0);
	bad_length(13);
	bad_length(L2_MAX_FRAME + 1);
	bad_length(0xffffffff);
	bad_length(0x80000000);
}

static void test_peer_close(void **state)
{
	(void)state;
	open_pair();
	close(peer);
	peer = -1;
	assert_int_equal(rx(), -1);
}

/* Random bytes: frames or a reset, never a crash or an overread */
static void test_random_bytes(void **state)
{
	static uint8_t buf[1 << 16];
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 50; round++) {
		size_t i, len = (size_t)(rand_r(&seed) % sizeof(buf)) + 1;
		int n, k;

		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (round % 2)	/* a plausible first length, then junk */
			wr32(buf, (uint32_t)(rand_r(&seed) % 100) + 14);
		open_pair();
		write_all(peer, buf, MIN(len, (size_t)60000));
		for (k = 0; k < 4 && (n = rx()) > 0; k++) {
			int j;

			for (j = 0; j < n; j++) {
				assert_true(f[j].len >= 14);
				assert_true(f[j].len <= L2_MAX_FRAME);
			}
		}
	}
}

static uint8_t fr_a[42], fr_b_hdr[14], fr_b_data[1000];

static void queue_two(struct iovec *iov, int *cnt)
{
	memset(fr_a, 0xa1, sizeof(fr_a));
	memset(fr_b_hdr, 0xb1, sizeof(fr_b_hdr));
	memset(fr_b_data, 0xb2, sizeof(fr_b_data));
	iov[0].iov_base = fr_a;
	iov[0].iov_len = sizeof(fr_a);
	cnt[0] = 1;
	iov[EGRESS_IOV_MAX].iov_base = fr_b_hdr;
	iov[EGRESS_IOV_MAX].iov_len = sizeof(fr_b_hdr);
	iov[EGRESS_IOV_MAX + 1].iov_base = fr_b_data;
	iov[EGRESS_IOV_MAX + 1].iov_len = sizeof(fr_b_data);
	cnt[1] = 2;
}

static void read_exact(int fd, uint8_t *b, size_t len)
{
	while (len) {
		ssize_t r = read(fd, b, len);

		assert_true(r > 0);
		b += r;
		len -= (size_t)r;
	}
}

/* Frames go out prefixed; short ones padded to 60 bytes */
static void test_tx_framing(void **state)
{
	struct iovec iov[2 * EGRESS_IOV_MAX];
	uint8_t b[4 + 1014];
	int cnt[2];

	(void)state;
	open_pair();
	queue_two(iov, cnt);
	assert_int_equal(link_ops(lp)->tx(lp, iov, cnt, 2), 2);

	read_exact(peer, b, 4 + 60);
	assert_int_equal(rd32(b), 60);
	assert_int_equal(b[4], 0xa1);
	assert_int_equal(b[4 + 41], 0xa1);
	assert_int_equal(b[4 + 42], 0);
	assert_int_equal(b[4 + 59], 0);
	read_exact(peer, b, 4 + 1014);
	assert_int_equal(rd32(b), 1014);
	assert_int_equal(b[4 + 13], 0xb1);
	assert_int_equal(b[4 + 14], 0xb2);
	assert_int_equal(b[4 + 1013], 0xb2);
}

/* Run the loop for about 20 ms (the stop_hook timer) */
static bool stop_armed;
static void stop_hook(struct loop *lp)
{
	if (stop_armed)
		loop_stop(lp, 0);
}

static void spin(void)
{
	stop_armed = true;
	loop_run(lp);
}

struct drain {
	int fd;
	size_t bytes;
	int frames;
	bool bad;
};

/* QEMU's side, slowly: read frames and check every prefix */
static void *drain_thread(void *arg)
{
	static uint8_t b[4 + L2_MAX_FRAME];
	struct drain *d = arg;

	for (;;) {
		uint32_t len;
		ssize_t r;
		size_t got = 0;

		while (got < 4) {
			r = read(d->fd, b + got, 4 - got);
			if (r <= 0)
				return NULL;
			got += (size_t)r;
		}
		len = rd32(b);
		if (len < 60 || len > L2_MAX_FRAME) {
			d->bad = true;
			return NULL;
		}
		for (got = 0; got < len; got += (size_t)r) {
			r = read(d->fd, b + 4 + got,
				 MIN(len - got, (size_t)3000));
			if (r <= 0)
				return NULL;
			usleep(50);
		}
		for (got = 0; got < len; got++)
			if (b[4 + got] != b[4])
				d->bad = true;
		d->bytes += len;
		d->frames++;
	}
}

/* Large frames against a small socket buffer: partial writes are
 * completed, frames not started are dropped, the stream stays framed */
static void test_tx_partial_keeps_framing(void **state)
{
	static uint8_t big[EGRESS_FRAMES][8000];
	struct iovec iov[EGRESS_FRAMES * EGRESS_IOV_MAX];
	int cnt[EGRESS_FRAMES], i, round, sent = 0;
	struct drain d = { 0 };
	pthread_t th;
	int small = 4096;

	(void)state;
	open_pair();
	link_start(lp);			/* the loop finishes partial frames */
	setsockopt(link_fd(lp), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	d.fd = peer;
	assert_int_equal(pthread_create(&th, NULL, drain_thread, &d), 0);

	for (i = 0; i < EGRESS_FRAMES; i++) {
		memset(big[i], i & 0xff, sizeof(big[i]));
		iov[i * EGRESS_IOV_MAX].iov_base = big[i];
		iov[i * EGRESS_IOV_MAX].iov_len = 1000 + (size_t)i * 27;
		cnt[i] = 1;
	}
	for (round = 0; round < 20; round++) {
		int r = link_ops(lp)->tx(lp, iov, cnt, EGRESS_FRAMES);

		assert_true(r >= 0 && r <= EGRESS_FRAMES);
		sent += r;
		usleep(2000);
	}
	for (round = 0; round < 10; round++)	/* EPOLLOUT: the rest */
		spin();
	usleep(200000);
	shutdown(link_fd(lp), SHUT_WR);
	pthread_join(th, NULL);
	assert_false(d.bad);
	assert_int_equal(d.frames, sent);
	assert_true(sent > 0);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A peer that stops reading mid-frame: tx never waits for it and the
 * link stays up; the rest of the frame is copied (the producer reuses
 * its buffer at once) and finished from the loop once the peer reads
 * again; frames meanwhile are dropped whole; the stream stays framed */
static void test_tx_stalled_peer_doesnt_block(void **state)
{
	static uint8_t big[EGRESS_FRAMES][8000];
	struct iovec iov[EGRESS_FRAMES * EGRESS_IOV_MAX];
	int cnt[EGRESS_FRAMES], i, k, sent;
	struct drain d = { 0 };
	pthread_t th;
	int small = 4096;
	double t0;

	(void)state;
	open_pair();
	link_start(lp);
	setsockopt(link_fd(lp), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	for (i = 0; i < EGRESS_FRAMES; i++) {
		memset(big[i], 0x10 + (i & 0x7f), sizeof(big[i]));
		iov[i * EGRESS_IOV_MAX].iov_base = big[i];
		iov[i * EGRESS_IOV_MAX].iov_len = 3000 + (size_t)i * 13;
		cnt[i] = 1;
	}

	t0 = now_s();
	sent = link_ops(lp)->tx(lp, iov, cnt, EGRESS_FRAMES);
	assert_true(now_s() - t0 < 2.0);	/* the old code waited 5 s */
	assert_true(link_fd(lp) >= 0);		/* ... then reset the link */
	assert_true(sent > 0 && sent < EGRESS_FRAMES);
	for (k = 0; k < 5; k++) {	/* still stalled: dropped, no wait */
		assert_int_equal(link_ops(lp)->tx(lp, iov, cnt, EGRESS_FRAMES),
				 0);
		spin();
	}
	assert_true(now_s() - t0 < 2.0);	/* the old code waited 5 s */
	assert_true(link_fd(lp) >= 0);		/* ... then reset the link */
	memset(big, 0xee, sizeof(big));	/* producers reuse their buffers */

	d.fd = peer;
	assert_int_equal(pthread_create(&th, NULL, drain_thread, &d), 0);
	for (k = 0; k < 25; k++)		/* EPOLLOUT: the rest */
		spin();
	for (i = 0; i < EGRESS_FRAMES; i++)
		memset(big[i], 0x10 + (i & 0x7f), sizeof(big[i]));
	for (k = 0; k < 20; k++) {	/* and new frames flow again */
		sent += link_ops(lp)->tx(lp, iov, cnt, 4);
		spin();
	}
	usleep(200000);
	assert_true(link_fd(lp) >= 0);
	shutdown(link_fd(lp), SHUT_WR);
	pthread_join(th, NULL);
	assert_false(d.bad);
	assert_int_equal(d.frames, sent);
}

/* Listening mode: one client at a time, extra ones closed, and a new
 * client after a disconnect */
static int client(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void test_listen_one_client(void **state)
{
	uint8_t buf[64];
	int a, b, k;
	char path[64];

	(void)state;
	open_pair();			/* then drop it: no client left */
	close(peer);
	peer = -1;
	assert_int_equal(rx(), -1);

	snprintf(path, sizeof(path), "/tmp/test_stream_%d.sock", getpid());
	memset(&c, 0, sizeof(c));
	c.link.fd = -1;
	snprintf(c.link.sock_path, sizeof(c.link.sock_path), "%s", path);
	link_stream_open(lp, &c);
	assert_string_equal(link_stream_path(lp), path);
	link_start(lp);			/* no client yet: nothing to watch */

	a = client(path);
	spin();
	assert_true(link_fd(lp) >= 0);
	b = client(path);
	spin();
	peer = b;
	assert_true(peer_sees_eof());	/* the second one is closed */
	close(b);

	put_frame(buf, 30, 7);
	write_all(a, buf, 34);
	assert_int_equal(rx(), 1);
	assert_int_equal(f[0].data[29], 7);

	close(a);			/* not one-off: wait for another */
	assert_int_equal(rx(), 0);
	assert_int_equal(link_fd(lp), -1);
	assert_int_equal(rx(), 0);

	a = client(path);
	spin();
	assert_true(link_fd(lp) >= 0);
	write_all(a, buf, 34);
	for (k = 0; k < 10 && rx() != 1; k++)
		usleep(1000);
	assert_true(k < 10);

	peer = -1;
	close(a);
	unlink(path);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Out of fds with a client pending: the listener pauses instead of
 * failing accept() in a busy loop, and takes the client once it can */
static void test_listen_out_of_fds(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct rlimit old, low;
	double cpu;
	int fd, k;
	char path[64];

	(void)state;
	spin();				/* the last test's client is gone */
	snprintf(path, sizeof(path), "/tmp/test_stream_fds_%d.sock",
		 getpid());
	memset(&c, 0, sizeof(c));
	c.link.fd = -1;
	snprintf(c.link.sock_path, sizeof(c.link.sock_path), "%s", path);
	link_stream_open(lp, &c);
	link_start(lp);
	spin();
	assert_int_equal(link_fd(lp), -1);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)dup(0);	/* the lowest free fd: none left */
	close((int)low.rlim_cur);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);

	cpu = cpu_s();
	for (k = 0; k < 50; k++)	/* about 1 s, a client pending */
		spin();
	cpu = cpu_s() - cpu;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(cpu < 0.5);		/* the old code spun: ~1 s */
	assert_int_equal(link_fd(lp), -1);

	for (k = 0; k < 150 && link_fd(lp) < 0; k++)	/* retried: ~1 s */
		spin();
	assert_true(link_fd(lp) >= 0);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_in_one_read),
		cmocka_unit_test(test_frame_split_anywhere),
		cmocka_unit_test(test_large_frame_byte_by_byte),
		cmocka_unit_test(test_more_than_a_batch),
		cmocka_unit_test(test_bad_lengths_reset),
		cmocka_unit_test(test_peer_close),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_tx_framing),
		cmocka_unit_test(test_tx_partial_keeps_framing),
		cmocka_unit_test(test_tx_stalled_peer_doesnt_block),
		cmocka_unit_test(test_listen_one_client),
		cmocka_unit_test(test_listen_out_of_fds),
	};

	loop_init(lp);
	link_init(lp);
	loop_timer_add(lp, stop_hook, 20);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
