// SPDX-License-Identifier: MIT
/* unix.c - the passt back-ends' listening UNIX socket: -s PATH or the
 * first free default path, accepting, pausing when out of fds; -F */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "link/link_int.h"
#include "loop.h"

#define UNIX_PATH_TRIES	99		/* /tmp/passt_1..99.socket */

/*
 * Bind @path unless a live server answers there. Return: socket, or
 * -EADDRINUSE if something listens, or -errno
 */
static int unix_bind(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);		/* stale: nobody listens there */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 16)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int unix_listen(const struct conf *c, char *path, size_t size)
{
	int fd = -EADDRINUSE, i;

	if (c->link.sock_path[0]) {
		snprintf(path, size, "%s", c->link.sock_path);
		fd = unix_bind(path);
		if (fd == -EADDRINUSE)
			die("socket path %s is in use by a running server: "
			    "stop it or choose another with -s", path);
		if (fd < 0)
			die("cannot listen on %s: %s (choose a writable path "
			    "with -s)", path, strerror(-fd));
		return fd;
	}
	for (i = 1; i <= UNIX_PATH_TRIES && fd < 0; i++) {
		snprintf(path, size, "/tmp/passt_%d.socket", i);
		fd = unix_bind(path);
	}
	if (fd < 0)
		die("no free socket path /tmp/passt_1..%d.socket: %s "
		    "(give one with -s)", UNIX_PATH_TRIES, strerror(-fd));
	return fd;
}

void link_listen(struct loop *lp, const struct conf *c,
		 struct link_listener *l, ep_handler_fn accept_fn,
		 loop_hook_fn retry)
{
	l->fd = unix_listen(c, l->path, sizeof(l->path));
	l->paused = false;
	loop_handler_set(lp, EP_TAP_LISTEN, accept_fn);
	if (loop_add(lp, l->fd, EPOLLIN, ep_ref_make(EP_TAP_LISTEN, l->fd, 0)))
		die_perror("cannot watch %s", l->path);
	loop_timer_add(lp, retry, LINK_LISTEN_RETRY_MS);
}

void link_listen_pause(struct loop *lp, struct link_listener *l, bool pause)
{
	union ep_ref ref = ep_ref_make(EP_TAP_LISTEN, l->fd, 0);

	if (l->fd < 0 || pause == l->paused)
		return;
	if (loop_mod(lp, l->fd, pause ? 0 : EPOLLIN, ref))
		return;
	l->paused = pause;
}

int link_accept(struct loop *lp, struct link_listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		warn_rl("accept on %s: %s, pausing", l->path, strerror(errno));
		link_listen_pause(lp, l, true);
	} else if (errno != EAGAIN && errno != EINTR) {
		warn_rl("accept on %s: %s", l->path, strerror(errno));
	}
	return -1;
}

void link_fd_check(const struct conf *c, struct link_listener *l,
		   const char *peer)
{
	socklen_t sl;
	int type;

	sl = sizeof(type);
	if (getsockopt(c->link.fd, SOL_SOCKET, SO_TYPE, &type, &sl) ||
	    type != SOCK_STREAM)
		die("-F %d is not a connected stream socket: pass the %s end "
		    "of a socketpair", c->link.fd, peer);
	snprintf(l->path, sizeof(l->path), "fd %d", c->link.fd);
}

int link_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}
