/* SPDX-License-Identifier: MIT */
/* nlmsg.h - netlink message bounds that hold for any length a reply claims */
#ifndef TETHER_NLMSG_H
#define TETHER_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/*
 * nlmsg_fits() - @nlh's header and the length it claims lie within @left
 * bytes. Like libmnl's mnl_nlmsg_ok(), without its cast to int: there, a
 * length over INT_MAX passes, and mnl_nlmsg_next() then steps far outside
 * the buffer (a fuzz target found it; libmnl 1.0.4)
 */
static inline bool nlmsg_fits(const struct nlmsghdr *nlh, size_t left)
{
	return left >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= left;
}

/*
 * nlmsg_chunk_ok() - every message of a received chunk fits in it, so
 * that libmnl's walk over it (mnl_cb_run()) stays inside; bytes after the
 * last whole header are ignored, as libmnl does
 */
static inline bool nlmsg_chunk_ok(const void *buf, size_t len)
{
	size_t off = 0;

	while (off + sizeof(struct nlmsghdr) <= len) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)
					     ((const uint8_t *)buf + off);

		if (!nlmsg_fits(nlh, len - off))
			return false;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return true;
}

#endif /* TETHER_NLMSG_H */
