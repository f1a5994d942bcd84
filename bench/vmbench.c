// SPDX-License-Identifier: MIT
/* vmbench.c - the VM rows' load: servers in REMOTE, a client in the guest
 * (built static for the busybox guest, which has nothing of the kind)
 *
 *   vmbench source PORT | sink PORT | echo PORT     servers, forever
 *   vmbench in ADDR PORT SECS     read from a source: Mbit/s
 *   vmbench out ADDR PORT SECS    write to a sink, until it has it all
 *   vmbench rr ADDR PORT N        N 1-byte round trips: p50 and p99, us
 *
 * The client prints "TT RESULT <mode> <value> [<value>]" on stdout (the
 * guest's console). Times come from CLOCK_MONOTONIC in the guest. Every
 * client run is bounded: SECS, or N round trips with a 10 s receive
 * timeout each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(256 * 1024)
#define RR_MAX	100000

static char buf[CHUNK];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int listener(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	a.sin_port = htons((unsigned short)atoi(port));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16))
		die("bind");
	return fd;
}

static void serve(const char *mode, const char *port)
{
	int l = listener(port);

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fd = accept(l, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			continue;
		nodelay(fd);
		if (!strcmp(mode, "source")) {
			while (write(fd, buf, sizeof(buf)) > 0)
				;
		} else if (!strcmp(mode, "sink")) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
		} else {
			while ((n = read(fd, buf, 64)) > 0)
				if (write(fd, buf, (size_t)n) != n)
					break;
		}
		close(fd);
	}
}

static int dial(const char *addr, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		die("address");
	a.sin_port = htons((unsigned short)atoi(port));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	nodelay(fd);
	return fd;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static double rtt[RR_MAX];
	double t0, t, secs;
	long long bytes = 0;
	ssize_t n;
	int fd, i, count;

	if (argc == 3)
		serve(argv[1], argv[2]);
	if (argc != 5) {
		fprintf(stderr, "usage: vmbench source|sink|echo PORT\n"
			"       vmbench in|out ADDR PORT SECS | rr ADDR PORT N\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = dial(argv[2], argv[3]);
	secs = atof(argv[4]);
	t0 = now();
	if (!strcmp(argv[1], "in")) {
		while ((t = now()) - t0 < secs && (n = read(fd, buf,
							    sizeof(buf))) > 0)
			bytes += n;
		printf("TT RESULT in %.1f\n", (double)bytes * 8 / (t - t0) / 1e6);
	} else if (!strcmp(argv[1], "out")) {
		while (now() - t0 < secs && (n = write(fd, buf,
						       sizeof(buf))) > 0)
			bytes += n;
		shutdown(fd, SHUT_WR);		/* the sink has it all... */
		while (read(fd, buf, sizeof(buf)) > 0)
			;			/* ...when it closes */
		t = now();
		printf("TT RESULT out %.1f\n", (double)bytes * 8 / (t - t0) / 1e6);
	} else if (!strcmp(argv[1], "rr")) {
		count = atoi(argv[4]);
		if (count < 1 || count > RR_MAX)
			count = RR_MAX;
		for (i = 0; i < count; i++) {
			double s = now();

			if (write(fd, "x", 1) != 1 || read(fd, buf, 1) != 1)
				die("round trip");
			rtt[i] = (now() - s) * 1e6;
		}
		qsort(rtt, (size_t)count, sizeof(rtt[0]), cmp);
		printf("TT RESULT rr %.1f %.1f\n", rtt[count / 2],
		       rtt[(count * 99) / 100]);
	} else {
		return 2;
	}
	close(fd);
	return 0;
}
