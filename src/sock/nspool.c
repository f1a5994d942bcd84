// SPDX-License-Identifier: MIT
/* nspool.c - sockets opened inside pasta's namespace ahead of need */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "ns/ns.h"
#include "sock/nspool.h"

#define NSPOOL_TCP	32	/* pre-opened TCP sockets per family */
#define NSPOOL_UDP	8	/* pre-opened UDP sockets per family */
#define NSPOOL_MAX	NSPOOL_TCP

/**
 * struct nspool - one pool: sockets of one family and type
 * @fd:		sockets, @n of them at the front
 * @n:		sockets held
 * @size:	target fill, 0 for a pool not in use
 */
struct nspool {
	int fd[NSPOOL_MAX];
	int n;
	int size;
};

/* [0]: TCP, [1]: UDP; then [0]: IPv4, [1]: IPv6 */
static struct nspool pools[2][2];

/**
 * struct nspool_req - sockets to open inside the namespace
 * @af, @type:	socket() arguments
 * @fds:	where the fds go
 * @n:		how many
 * @done:	how many were opened
 * @err:	errno of the first failure, 0 if none
 */
struct nspool_req {
	int af;
	int type;
	int *fds;
	int n;
	int done;
	int err;
};

static struct nspool *pool_of(int af, int type)
{
	return &pools[type == SOCK_DGRAM][af == AF_INET6];
}

/* Runs inside the namespace: shares our memory and fd table */
static int nspool_open_ns(void *arg)
{
	struct nspool_req *r = arg;

	for (r->done = 0; r->done < r->n; r->done++) {
		int fd = socket(r->af, r->type | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);

		if (fd < 0) {
			r->err = errno;
			break;
		}
		r->fds[r->done] = fd;
	}
	return 0;
}

/**
 * nspool_open() - open @n sockets inside the namespace in one go
 * @af:		AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM (non-blocking, close-on-exec added)
 * @fds:	room for @n fds
 * @n:		how many
 *
 * Return: sockets opened (at the front of @fds), or -errno if none
 */
int nspool_open(int af, int type, int *fds, int n)
{
	struct nspool_req r = { .af = af, .type = type, .fds = fds, .n = n };
	int rc;

	if (n <= 0)
		return 0;
	rc = ns_call(nspool_open_ns, &r);
	if (rc < 0 && !r.done)
		return rc;
	if (!r.done)
		return r.err ? -r.err : -EIO;
	return r.done;
}

/**
 * nspool_get() - a fresh socket inside the namespace
 * @af:		AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 *
 * From the pool if it has one, else opened now (and the pool refilled
 * at the same time, if it is in use).
 * Return: fd, or -errno
 */
int nspool_get(int af, int type)
{
	struct nspool *p = pool_of(af, type);
	int fds[NSPOOL_MAX + 1], n, i;

	if (p->n)
		return p->fd[--p->n];

	n = nspool_open(af, type, fds, p->size + 1);
	if (n < 0)
		return n;
	for (i = 1; i < n; i++)
		p->fd[p->n++] = fds[i];
	return fds[0];
}

/**
 * nspool_refill() - top every pool in use up to its size (periodic)
 */
void nspool_refill(void)
{
	unsigned t, f;

	for (t = 0; t < 2; t++) {
		for (f = 0; f < 2; f++) {
			struct nspool *p = &pools[t][f];
			int n;

			if (p->n >= p->size)
				continue;
			n = nspool_open(f ? AF_INET6 : AF_INET,
					t ? SOCK_DGRAM : SOCK_STREAM,
					p->fd + p->n, p->size - p->n);
			if (n < 0) {
				warn_rl("can't open sockets in the namespace: "
					"%s", strerror(-n));
				continue;
			}
			p->n += n;
		}
	}
}

/**
 * nspool_init() - choose the pools in use and fill them
 * @tcp4, @tcp6:	TCP sockets are spliced into the namespace, by family
 * @udp4, @udp6:	UDP, likewise
 */
void nspool_init(bool tcp4, bool tcp6, bool udp4, bool udp6)
{
	pools[0][0].size = tcp4 ? NSPOOL_TCP : 0;
	pools[0][1].size = tcp6 ? NSPOOL_TCP : 0;
	pools[1][0].size = udp4 ? NSPOOL_UDP : 0;
	pools[1][1].size = udp6 ? NSPOOL_UDP : 0;
	nspool_refill();
}
