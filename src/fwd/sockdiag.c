// SPDX-License-Identifier: MIT
/* sockdiag.c - bound ports through NETLINK_SOCK_DIAG (inet_diag, udp_diag) */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "fwd/sockdiag.h"
#include "lib/nlmsg.h"

/*
 * DOC: sock_diag(7) dumps the sockets of the netns the netlink socket was
 * created in, filtered by the kernel on a state mask. For TCP with only
 * TCP_LISTEN in the mask, inet_diag walks the listening hash and never
 * the established table, which /proc/net/tcp always walks whole; for UDP
 * the cost is that of /proc/net/udp without the text. One dump per family
 * (AF_UNSPEC is not accepted), same sockets, same states and the same
 * inode numbers as /proc/net/{tcp,udp}[6].
 *
 * The socket is opened and bound at start-up; a dump is only sendto() and
 * recvfrom() with MSG_DONTWAIT: the kernel builds the first chunk in
 * sendto() and each next one in the recvfrom() that empties the queue, so
 * a dump never waits, and EAGAIN before NLMSG_DONE is an error. After an
 * error the rest of a dump is drained before the next request. Messages
 * not from the kernel (nl_pid != 0) or with another sequence number are
 * skipped; every message is checked for length, family and state, and its
 * attributes for bounds (none is used), before anything is reported.
 */

#define SOCKDIAG_BUF		32768	/* the kernel's largest dump chunk */
#define SOCKDIAG_RECV_MAX	4096	/* chunks per dump, and per drain */

static uint8_t sockdiag_rx[SOCKDIAG_BUF] __attribute__((aligned(8)));

/**
 * sockdiag_open() - open and bind a sock_diag socket in the current netns
 * @d:		to fill (@d->fd is -1 on failure)
 *
 * Return: 0 or -errno
 */
int sockdiag_open(struct sockdiag *d)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int rc;

	d->seq = 0;
	d->dirty = false;
	d->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (d->fd < 0)
		return -errno;
	if (bind(d->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		sockdiag_close(d);
		return rc;
	}
	return 0;
}

/**
 * sockdiag_close() - close the socket, if open
 * @d:		sock_diag socket
 */
void sockdiag_close(struct sockdiag *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* Bounds of the attributes after the inet_diag_msg; Return: true if sane */
static bool sockdiag_attrs_ok(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, hdrlen);
	long rem = end - (const char *)a;

	while (rem > 0 && mnl_attr_ok(a, (int)rem)) {
		a = mnl_attr_next(a);
		rem = end - (const char *)a;
	}
	/* all consumed; the last attribute's padding may be left out */
	return rem <= 0 && rem > -MNL_ALIGNTO;
}

/* One SOCK_DIAG_BY_FAMILY message; Return: true if well-formed */
static bool sockdiag_msg(const struct nlmsghdr *nlh, struct sockdiag_want *w)
{
	const struct inet_diag_msg *m;
	size_t hdrlen = MNL_ALIGN(sizeof(*m));
	uint16_t port;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return false;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != w->family || m->idiag_state != w->state)
		return false;
	if (mnl_nlmsg_get_payload_len(nlh) > hdrlen &&
	    !sockdiag_attrs_ok(nlh, hdrlen))
		return false;
	port = ntohs(m->id.idiag_sport);
	if (port)
		w->fn(port, m->idiag_inode, w->arg);
	return true;
}

/* NLMSG_DONE: the dump's result may follow as an int (negative errno) */
static int sockdiag_done(const struct nlmsghdr *nlh)
{
	int e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e))
		return 0;
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	return e < 0 ? e : 0;
}

/* NLMSG_ERROR: the request failed (or, error 0, was acknowledged) */
static int sockdiag_error(const struct nlmsghdr *nlh)
{
	struct nlmsgerr e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e))
		return -EBADMSG;
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e.error == INT_MIN)
		return -EBADMSG;
	return e.error < 0 ? e.error : -e.error;
}

/**
 * sockdiag_parse() - walk one chunk of a dump's answer
 * @buf:	bytes received
 * @len:	how many
 * @seq:	sequence number of our request: other messages are skipped
 * @w:		what we asked for, where sockets go (@w->bad counts drops)
 *
 * Return: 1 if the dump goes on, 0 at its end (NLMSG_DONE, no error), or
 * -errno: from the kernel (NLMSG_ERROR, NLMSG_DONE's result), -EBADMSG for
 * a truncated message or error, -EINTR for an interrupted dump
 */
int sockdiag_parse(const void *buf, size_t len, uint32_t seq,
		   struct sockdiag_want *w)
{
	const struct nlmsghdr *nlh = buf;
	int left;

	if (len > SOCKDIAG_BUF)
		return -EMSGSIZE;
	for (left = (int)len; left >= 0 && nlmsg_fits(nlh, (size_t)left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_seq != seq) {
			w->bad++;
			continue;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return -EINTR;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			return sockdiag_done(nlh);
		case NLMSG_ERROR:
			return sockdiag_error(nlh);
		case NLMSG_NOOP:
			break;
		case SOCK_DIAG_BY_FAMILY:
			if (!sockdiag_msg(nlh, w))
				w->bad++;
			break;
		default:
			w->bad++;
		}
	}
	if (left > 0) {
		w->bad++;
		return -EBADMSG;	/* a truncated message */
	}
	return 1;
}

/* Read what is left of an unfinished dump, up to EAGAIN */
static int sockdiag_drain(struct sockdiag *d)
{
	unsigned i;

	for (i = 0; i < SOCKDIAG_RECV_MAX; i++) {
		if (recv(d->fd, sockdiag_rx, sizeof(sockdiag_rx),
			 MSG_DONTWAIT) >= 0 || errno == EINTR)
			continue;
		if (errno != EAGAIN)
			continue;	/* a pending socket error, reported */
		d->dirty = false;
		return 0;
	}
	return -EBUSY;
}

/* Send the dump request for @proto, @w->family, @w->state */
static int sockdiag_request(struct sockdiag *d, int proto,
			    const struct sockdiag_want *w)
{
	uint8_t req[MNL_NLMSG_HDRLEN +
		    MNL_ALIGN(sizeof(struct inet_diag_req_v2))]
		__attribute__((aligned(8))) = { 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct inet_diag_req_v2 *r;
	struct nlmsghdr *nlh;

	if (!++d->seq)
		d->seq++;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = d->seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = w->family;
	r->sdiag_protocol = (uint8_t)proto;
	r->idiag_states = 1U << w->state;
	if (sendto(d->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/**
 * sockdiag_dump() - report the sockets of one protocol, family and state
 * @d:		sock_diag socket (its netns is the one dumped)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @w:		family and state wanted, callback (@w->bad counts drops)
 *
 * On error, sockets may have been reported already, each once at most.
 * Return: 0 or -errno (see sockdiag_missing())
 */
int sockdiag_dump(struct sockdiag *d, int proto, struct sockdiag_want *w)
{
	unsigned i;
	int rc;

	if (d->fd < 0)
		return -EBADF;
	if (d->dirty && (rc = sockdiag_drain(d)))
		return rc;
	rc = sockdiag_request(d, proto, w);
	if (rc)
		return rc;
	d->dirty = true;
	for (i = 0; i < SOCKDIAG_RECV_MAX; i++) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		n = recvfrom(d->fd, sockdiag_rx, sizeof(sockdiag_rx),
			     MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n > sizeof(sockdiag_rx))
			return -EMSGSIZE;
		if (fl < sizeof(from) || from.nl_family != AF_NETLINK ||
		    from.nl_pid) {
			w->bad++;	/* not from the kernel */
			continue;
		}
		rc = sockdiag_parse(sockdiag_rx, (size_t)n, d->seq, w);
		if (rc == 0) {
			d->dirty = false;
			return 0;
		}
		if (rc < 0)
			return rc;
	}
	return -E2BIG;
}

/**
 * sockdiag_missing() - does an error mean this kernel can't do the dump?
 * @rc:		-errno from sockdiag_open() or sockdiag_dump()
 *
 * Return: true if so: use /proc/net instead, for good
 */
bool sockdiag_missing(int rc)
{
	return rc == -EINVAL || rc == -ENOENT || rc == -EOPNOTSUPP ||
	       rc == -EPROTONOSUPPORT || rc == -EAFNOSUPPORT;
}
