// SPDX-License-Identifier: MIT
/* nl_watch.c - host change notifications, and the host's address list */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "lib/nlmsg.h"
#include "lib/util.h"
#include "nl/netlink.h"
#include "nl/nl_int.h"

/*
 * DOC: following the host needs to know that something changed, not what:
 * every notification of the groups below makes the caller read the host
 * again (discovery is a few dumps), so a notification is never parsed
 * beyond its header, and one lost to a full socket buffer (ENOBUFS) is
 * as good as one read. The socket is opened at start-up in the host's
 * namespace, before the sandbox, and only read afterwards.
 */

#define NL_WATCH_GROUPS	(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | \
			 RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | \
			 RTMGRP_IPV6_ROUTE)

/**
 * nl_watch_open() - a non-blocking socket notified of the current
 * namespace's link, address and route changes
 * @h:		handle to fill (requests are not sent on it)
 *
 * Return: 0 or -errno
 */
int nl_watch_open(struct nl_handle *h)
{
	int rc, fd;

	h->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!h->sock)
		return -errno;
	if (mnl_socket_bind(h->sock, NL_WATCH_GROUPS, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		nl_close(h);
		return rc;
	}
	fd = mnl_socket_get_fd(h->sock);
	h->portid = mnl_socket_get_portid(h->sock);
	h->seq = 0;
	return fd;
}

/**
 * nl_watch_parse() - does a chunk read from a watch socket notify a change?
 * @buf:	what was read
 * @n:		its length
 *
 * Return: true if a whole message of a type we watch is in it (the walk
 * stops at the first message that doesn't fit what is left)
 */
bool nl_watch_parse(const void *buf, size_t n)
{
	const struct nlmsghdr *nlh = buf;
	size_t left = n;

	while (nlmsg_fits(nlh, left)) {
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);

		switch (nlh->nlmsg_type) {
		case RTM_NEWLINK: case RTM_DELLINK:
		case RTM_NEWADDR: case RTM_DELADDR:
		case RTM_NEWROUTE: case RTM_DELROUTE:
			return true;
		default:
			break;
		}
		if (step >= left)
			break;
		left -= step;
		nlh = (const struct nlmsghdr *)((const uint8_t *)nlh + step);
	}
	return false;
}

/**
 * nl_watch_read() - drain a watch socket
 * @h:		handle from nl_watch_open()
 *
 * Return: true if any change was notified (or may have been: the socket
 * overflowed), false if nothing of interest was queued
 */
bool nl_watch_read(struct nl_handle *h)
{
	static uint8_t buf[8192] __attribute__((aligned(8)));
	bool changed = false;
	int i;

	/* Bounded: a host that changes faster than we read is read again
	 * on the next event */
	for (i = 0; i < 64; i++) {
		ssize_t n = recv(mnl_socket_get_fd(h->sock), buf, sizeof(buf),
				 MSG_DONTWAIT);

		if (n < 0) {
			if (errno == ENOBUFS)
				changed = true;	/* lost some: read it all */
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		if (!n)
			break;
		if (nl_watch_parse(buf, (size_t)n))
			changed = true;
	}
	return changed;
}

/**
 * struct addr_list - state for nl_addr_list()
 * @out:	addresses, 16 bytes each (IPv4: in the first 4)
 * @af:		family of each
 * @max:	room
 * @n:		found
 */
struct addr_list {
	uint8_t (*out)[16];
	int *af;
	int max;
	int n;
};

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa;
	struct nl_addr_parsed a;
	int af;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	af = ifa->ifa_family;
	if ((af != AF_INET && af != AF_INET6) || nl_addr_parse(nlh, af, &a))
		return MNL_CB_OK;
	if (l->n >= l->max) {
		l->n = l->max + 1;	/* too many: the caller knows */
		return MNL_CB_OK;
	}
	memset(l->out[l->n], 0, 16);
	memcpy(l->out[l->n], a.addr, nl_af_len(af));
	l->af[l->n++] = af;
	return MNL_CB_OK;
}

/**
 * nl_addr_list() - every address of every interface, both families
 * @h:		handle
 * @out:	@max addresses of 16 bytes (IPv4 ones in the first four)
 * @af:		@max families, AF_INET or AF_INET6 for each
 * @max:	room
 *
 * Return: how many, @max + 1 if there were more, or -errno
 */
int nl_addr_list(struct nl_handle *h, uint8_t (*out)[16], int *af, int max)
{
	struct addr_list l = { .out = out, .af = af, .max = max };
	uint8_t buf[NL_REQ_BYTES];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa), (void **)&ifa);
	ifa->ifa_family = AF_UNSPEC;
	rc = nl_talk(h, nlh, addr_list_cb, &l);
	return rc ? rc : l.n;
}
