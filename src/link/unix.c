// SPDX-License-Identifier: MIT
/* unix.c - the passt back-ends' listening UNIX socket: -s PATH or the
 * first free default path */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "link/link_int.h"

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

int link_unix_listen(const struct conf *c, char *path, size_t size)
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
