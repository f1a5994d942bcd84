/* SPDX-License-Identifier: MIT */
/* usock.h - owner-only UNIX socket servers: one request per connection */
#ifndef TETHER_USOCK_H
#define TETHER_USOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "loop.h"

#define USOCK_REQ_MAX		4096		/* a request */
#define USOCK_OUT_MAX		(256 << 10)	/* a reply (a flow listing) */
#define USOCK_CLIENTS		4		/* served at once, per server */
#define USOCK_TIMEOUT_S		5		/* to send a request, read a reply */
#define USOCK_SERVERS		2		/* slirp4netns's API, -c */

/* The reply to a whole request: written into @out, Return: its length */
typedef size_t (*usock_answer_fn)(struct loop *lp, const char *req,
				  size_t len, char *out, size_t outlen);

/**
 * struct usock_client - one connection
 * @fd:		socket, -1 if the slot is free
 * @since:	accepted at (loop time, seconds)
 * @len:	request bytes in @buf
 * @out_len:	reply bytes in @out
 * @out_off:	reply bytes sent
 * @buf:	the request
 * @out:	the reply
 */
struct usock_client {
	int fd;
	time_t since;
	size_t len;
	size_t out_len;
	size_t out_off;
	char buf[USOCK_REQ_MAX];
	char out[USOCK_OUT_MAX];
};

/**
 * struct usock - a server
 * @what:	its name, for messages ("API socket")
 * @id:		its number in the epoll references
 * @fd:		listening socket, -1 if none
 * @uid:	the only peer uid served (ours, read at start)
 * @any_peer:	serve whoever can open the socket (slirp4netns's API: the
 *		file's mode is the only check, as for slirp4netns)
 * @answer:	request to reply
 * @cl:		connections
 */
struct usock {
	const char *what;
	unsigned id;
	int fd;
	uid_t uid;
	bool any_peer;
	usock_answer_fn answer;
	struct usock_client cl[USOCK_CLIENTS];
};

/*
 * usock_listen() - listen on @path for @u, owner-only (mode 0600), peers
 * of another uid refused unless @u->any_peer. A request is whole once the client shuts down
 * its side (or at USOCK_REQ_MAX bytes); @fn's reply is sent, then the
 * connection closes. Dies with one line naming @what if the socket
 * can't be made, or if @path is a socket that answers.
 */
void usock_listen(struct loop *lp, struct usock *u, const char *path,
		  const char *what, usock_answer_fn fn);

#endif /* TETHER_USOCK_H */
