// SPDX-License-Identifier: MIT
/* usock.c - owner-only UNIX socket servers: one request per connection */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/usock.h"
#include "lib/log.h"

/*
 * DOC: the control plane's sockets (slirp4netns's API, -c's control
 * socket) work alike: a client connects, writes its request and shuts
 * down its writing side; the whole request is answered, the reply sent
 * (waiting for EPOLLOUT if the socket's buffer can't take it at once),
 * and the connection closed. Only the owner may connect: the socket is
 * made with mode 0600, and (for -c) a peer whose uid (SO_PEERCRED, seen
 * from our user namespace) isn't ours is refused; slirp4netns's API
 * serves whoever can open the file (root, too), as slirp4netns does. At most USOCK_CLIENTS
 * connections are served at once, and one that takes longer than
 * USOCK_TIMEOUT_S to send its request or read its reply is dropped: a
 * stuck client costs a slot for a few seconds, never the loop.
 */

static struct usock *usock_srv[USOCK_SERVERS];

static uint32_t usock_ref_idx(const struct usock *u, unsigned i)
{
	return u->id << 8 | i;
}

static struct usock_client *usock_client_of(union ep_ref ref,
					    struct usock **u)
{
	unsigned id = ref.idx >> 8, i = ref.idx & 0xff;

	if (id >= USOCK_SERVERS || !usock_srv[id] || i >= USOCK_CLIENTS ||
	    usock_srv[id]->cl[i].fd != ref.fd)
		return NULL;
	*u = usock_srv[id];
	return &(*u)->cl[i];
}

static void usock_drop(struct loop *lp, struct usock_client *c)
{
	loop_del(lp, c->fd);
	close(c->fd);
	c->fd = -1;
	c->len = c->out_len = c->out_off = 0;
}

/* Send what is left of the reply; Return: true when all is sent */
static bool usock_flush(struct usock_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return false;
		c->out_off = c->out_len;	/* gone: nothing more to say */
	}
	return true;
}

/* The request is whole: answer it */
static void usock_answer(struct loop *lp, struct usock *u,
			 struct usock_client *c, unsigned i)
{
	c->out_len = u->answer(lp, c->buf, c->len, c->out, sizeof(c->out));
	c->out_off = 0;
	if (usock_flush(c) ||
	    loop_mod(lp, c->fd, EPOLLOUT,
		     ep_ref_make(EP_CTL_CONN, c->fd, usock_ref_idx(u, i))))
		usock_drop(lp, c);
}

static void usock_conn_handler(struct loop *lp, union ep_ref ref,
			       uint32_t events)
{
	struct usock_client *c;
	struct usock *u;
	ssize_t n;

	if (!(c = usock_client_of(ref, &u)))
		return;
	if (c->out_len) {			/* writing the reply */
		if (usock_flush(c) || (events & (EPOLLERR | EPOLLHUP)))
			usock_drop(lp, c);
		return;
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			 MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			if (c->len == sizeof(c->buf))
				break;		/* the most a request may be */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;			/* more to come */
		if (n < 0) {
			usock_drop(lp, c);
			return;
		}
		break;				/* EOF: the request is whole */
	}
	usock_answer(lp, u, c, ref.idx & 0xff);
}

static void usock_listen_handler(struct loop *lp, union ep_ref ref,
				 uint32_t events)
{
	struct usock *u = ref.idx < USOCK_SERVERS ? usock_srv[ref.idx] : NULL;
	struct ucred cr;
	socklen_t sl;
	unsigned i;
	int fd;

	(void)events;
	if (!u || u->fd != ref.fd)
		return;
	while ((fd = accept4(ref.fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		sl = sizeof(cr);
		if (!u->any_peer &&
		    (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) ||
		     cr.uid != u->uid)) {
			warn_rl("%s: connection of another user refused",
				u->what);
			close(fd);
			continue;
		}
		for (i = 0; i < USOCK_CLIENTS && u->cl[i].fd >= 0; i++)
			;
		if (i == USOCK_CLIENTS ||
		    loop_add(lp, fd, EPOLLIN | EPOLLRDHUP,
			     ep_ref_make(EP_CTL_CONN, fd, usock_ref_idx(u, i)))) {
			warn_rl("%s: %u requests at once, refusing more",
				u->what, USOCK_CLIENTS);
			close(fd);
			continue;
		}
		u->cl[i].fd = fd;
		u->cl[i].len = u->cl[i].out_len = u->cl[i].out_off = 0;
		u->cl[i].since = lp->now.tv_sec;
	}
}

/* Connections that take too long */
static void usock_timer(struct loop *lp)
{
	unsigned s, i;

	for (s = 0; s < USOCK_SERVERS; s++) {
		struct usock *u = usock_srv[s];

		for (i = 0; u && i < USOCK_CLIENTS; i++) {
			struct usock_client *c = &u->cl[i];

			if (c->fd < 0 ||
			    lp->now.tv_sec - c->since < USOCK_TIMEOUT_S)
				continue;
			debug("%s: connection idle for %d s, dropped",
			      u->what, USOCK_TIMEOUT_S);
			usock_drop(lp, c);
		}
	}
}

/* A socket file left by an earlier run goes; one that answers stays */
static void usock_stale(const char *what, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd;

	if (lstat(sa->sun_path, &st) || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		die("%s %s is in use by another process: give another path",
		    what, sa->sun_path);
	if (fd >= 0)
		close(fd);
	unlink(sa->sun_path);
}

/**
 * usock_listen() - serve requests on @path (see usock.h)
 * @lp:		loop
 * @u:		server, zeroed, kept for the process's life
 * @path:	socket path
 * @what:	name for messages
 * @fn:		answers a request
 */
void usock_listen(struct loop *lp, struct usock *u, const char *path,
		  const char *what, usock_answer_fn fn)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned i, id;
	mode_t old;
	int rc;

	for (id = 0; id < USOCK_SERVERS && usock_srv[id]; id++)
		;
	ASSERT(id < USOCK_SERVERS);
	u->id = id;
	u->what = what;
	u->answer = fn;
	u->uid = geteuid();
	for (i = 0; i < USOCK_CLIENTS; i++)
		u->cl[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		die("%s path %s is too long: at most %zu characters", what,
		    path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	usock_stale(what, &sa);

	u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		die("cannot make the %s: %s", what, strerror(errno));
	old = umask(0177);		/* owner-only from the start */
	rc = bind(u->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc)
		die("cannot make the %s %s: %s", what, path, strerror(errno));
	if (listen(u->fd, USOCK_CLIENTS))
		die("cannot listen on the %s %s: %s", what, path,
		    strerror(errno));
	usock_srv[id] = u;
	loop_handler_set(lp, EP_CTL_LISTEN, usock_listen_handler);
	loop_handler_set(lp, EP_CTL_CONN, usock_conn_handler);
	if ((rc = loop_add(lp, u->fd, EPOLLIN,
			   ep_ref_make(EP_CTL_LISTEN, u->fd, id))))
		die("cannot watch the %s: %s", what, strerror(-rc));
	if (!id)
		loop_timer_add(lp, usock_timer, 1000);
	debug("%s at %s", what, path);
}
