/* SPDX-License-Identifier: MIT */
/* link_int.h - what the passt back-ends (stream, vhost-user) share */
#ifndef TETHER_LINK_INT_H
#define TETHER_LINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#include "conf/conf.h"
#include "loop.h"

#define LINK_LISTEN_RETRY_MS	1000	/* paused listener: retry */

/**
 * struct link_listener - a passt back-end's socket: where QEMU connects
 * @fd:		listening UNIX socket, -1 with -F (or before listening)
 * @paused:	out of the epoll set: out of fds, accept() can't work
 * @path:	bound path, "fd N" with -F, for messages
 */
struct link_listener {
	int fd;
	bool paused;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * link_listen() - listen on -s PATH, or on the first free
 * /tmp/passt_N.socket (N = 1..99; a path where a live server answers is
 * in use, a dead one's is taken over), watched as EP_TAP_LISTEN with
 * @accept_fn; @retry, a timer every LINK_LISTEN_RETRY_MS, is to call
 * link_listen_pause(..., false). Dies with a line naming the cause.
 */
void link_listen(struct loop *lp, const struct conf *c,
		 struct link_listener *l, ep_handler_fn accept_fn,
		 loop_hook_fn retry);

/* link_listen_pause() - take the listener out of the epoll set, or put it
 * back (the retry timer does) */
void link_listen_pause(struct loop *lp, struct link_listener *l,
		       bool pause);

/*
 * link_accept() - take a connection, non-blocking. Out of fds, the
 * listener is paused (one rate-limited line) rather than woken again at
 * once. Return: the fd, or -1 (nothing to take, or paused)
 */
int link_accept(struct loop *lp, struct link_listener *l);

/* link_fd_check() - -F: @c's fd must be a connected stream socket (dies
 * otherwise, naming @peer, whose end of a socketpair it should be);
 * @l's path becomes "fd N" */
void link_fd_check(const struct conf *c, struct link_listener *l,
		   const char *peer);

/* link_nonblock() - make @fd non-blocking. Return: 0 or -errno */
int link_nonblock(int fd);

#endif /* TETHER_LINK_INT_H */
