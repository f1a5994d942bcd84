// SPDX-License-Identifier: MIT
/* connrate.c - benchmark helper: short TCP connections per second */

/*
 * DOC: connrate
 *
 * Server:  connrate -s [-a ADDR] -p PORT [-t MAX_SECONDS]
 *   Accepts connections; for every byte read it writes one byte back and
 *   closes, so the server side is the active closer and holds TIME_WAIT
 *   (the client, inside the namespace under test, never runs out of
 *   ephemeral ports). Connections that send nothing are held until the
 *   peer closes them.
 *
 * Client:  connrate -c ADDR -p PORT -n COUNT -t SECONDS
 *   Runs COUNT transactions one after another, or until SECONDS pass:
 *   connect, send one byte, read one byte, read end-of-file, close.
 *   Prints one JSON line: {"conns": N, "errors": E, "seconds": S,
 *   "rate": N/S}.
 *
 * Hold:    connrate -c ADDR -p PORT -n COUNT -H SYNCFILE -t SECONDS
 *   Opens COUNT connections and keeps them all open, then creates
 *   SYNCFILE and waits (at most SECONDS) for SYNCFILE.ack to appear before
 *   closing them: the benchmark reads the translator's memory use then.
 *
 * Every loop is bounded in count and in time. IPv4 only.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS	3000
#define MAX_ERRORS	100
#define MAX_COUNT	1000000
#define EPOLL_BATCH	256

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/**
 * wait_fd() - Wait for an event on a socket
 * @fd:		Socket
 * @events:	POLLIN or POLLOUT
 *
 * Return: 0 when ready, -ETIMEDOUT or -errno otherwise
 */
static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc = poll(&p, 1, IO_TIMEOUT_MS);

	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	return 0;
}

/**
 * conn_open() - Connect a non-blocking socket, bounded in time
 * @sa:		Destination
 *
 * Return: connected socket, or -errno
 */
static int conn_open(const struct sockaddr_in *sa)
{
	int s, rc, err = 0;
	socklen_t len = sizeof(err);

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) &&
	    errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	rc = wait_fd(s, POLLOUT);
	if (rc)
		goto fail;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		rc = err ? -err : -errno;
		goto fail;
	}
	return s;
fail:
	close(s);
	return rc;
}

/**
 * transact() - One request/response on a fresh connection, then close
 * @sa:		Destination
 *
 * Return: 0 on success, -errno on failure
 */
static int transact(const struct sockaddr_in *sa)
{
	char c = 'x';
	int s, rc, i;
	ssize_t n;

	s = conn_open(sa);
	if (s < 0)
		return s;
	if (send(s, &c, 1, MSG_NOSIGNAL) != 1) {
		rc = -errno;
		goto out;
	}
	/* Reply byte, then end-of-file: at most a few reads. */
	for (i = 0, rc = -EPROTO; i < 4; i++) {
		rc = wait_fd(s, POLLIN);
		if (rc)
			break;
		n = recv(s, &c, 1, 0);
		if (n < 0 && errno != EAGAIN) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			rc = i ? 0 : -ECONNRESET;
			break;
		}
		rc = -EPROTO;
	}
out:
	close(s);
	return rc;
}

static int client_rate(const struct sockaddr_in *sa, long count, double secs)
{
	long ok = 0, errors = 0, i;
	double t0 = now_s(), t;
	int first_err = 0, rc;

	for (i = 0; i < count; i++) {
		rc = transact(sa);
		if (rc) {
			if (!first_err)
				first_err = -rc;
			if (++errors >= MAX_ERRORS)
				break;
		} else {
			ok++;
		}
		if (now_s() - t0 >= secs)
			break;
	}
	t = now_s() - t0;
	printf("{\"conns\": %ld, \"errors\": %ld, \"seconds\": %.6f, "
	       "\"rate\": %.1f, \"first_error\": \"%s\"}\n", ok, errors, t,
	       t > 0 ? ok / t : 0.0, first_err ? strerror(first_err) : "");
	return ok ? 0 : 1;
}

static int client_hold(const struct sockaddr_in *sa, long count,
		       double secs, const char *sync)
{
	double t0 = now_s(), held_at = 0;
	long ok = 0, errors = 0, i;
	char ack[4096];
	int *fds, fd;

	fds = calloc(count, sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < count && now_s() - t0 < secs; i++) {
		fds[ok] = conn_open(sa);
		if (fds[ok] >= 0)
			ok++;
		else if (++errors >= MAX_ERRORS)
			break;
	}
	held_at = now_s() - t0;

	snprintf(ack, sizeof(ack), "%s.ack", sync);
	fd = open(sync, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0) {
		dprintf(fd, "%ld\n", ok);
		close(fd);
	}
	/* Wait for the benchmark to read memory use, at most @secs. */
	for (i = 0; i < secs * 100 && access(ack, F_OK); i++)
		usleep(10000);

	for (i = 0; i < ok; i++)
		close(fds[i]);
	free(fds);
	printf("{\"held\": %ld, \"errors\": %ld, \"seconds\": %.6f}\n",
	       ok, errors, held_at);
	return ok == count ? 0 : 1;
}

/**
 * server_event() - Handle readable data or hang-up on an accepted socket
 * @s:		Socket
 */
static void server_event(int s)
{
	char buf[64];
	ssize_t n;

	n = recv(s, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		send(s, buf, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(s);	/* also removes it from the epoll set */
}

static int server(const struct sockaddr_in *sa, double secs)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[EPOLL_BATCH];
	double t0 = now_s();
	int ls, ep, one = 1, n, i, s;

	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ls < 0 || ep < 0) {
		perror("connrate: socket");
		return 1;
	}
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    listen(ls, 4096)) {
		perror("connrate: bind/listen");
		return 1;
	}
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);

	while (now_s() - t0 < secs) {
		n = epoll_wait(ep, evs, EPOLL_BATCH, 1000);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != ls) {
				server_event(evs[i].data.fd);
				continue;
			}
			while ((s = accept4(ls, NULL, NULL,
					    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				ev.data.fd = s;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev))
					close(s);
			}
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: connrate -s [-a ADDR] -p PORT [-t MAX_S]\n"
		"       connrate -c ADDR -p PORT [-n COUNT] [-t S] [-H SYNC]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *addr = "0.0.0.0", *sync = NULL;
	double secs = 5;
	bool is_server = false;
	long count = 1000;
	int opt, port = 0;

	while ((opt = getopt(argc, argv, "sc:a:p:n:t:H:")) != -1) {
		switch (opt) {
		case 's':
			is_server = true;
			break;
		case 'c':
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'H':
			sync = optarg;
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || count <= 0 || count > MAX_COUNT ||
	    secs <= 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	sa.sin_port = htons(port);
	raise_nofile();

	if (is_server)
		return server(&sa, secs);
	if (sync)
		return client_hold(&sa, count, secs, sync);
	return client_rate(&sa, count, secs);
}
