/* SPDX-License-Identifier: MIT */
/* nl_int.h - netlink internals shared by netlink.c and nl_copy.c */
#ifndef TETHER_NL_INT_H
#define TETHER_NL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl/netlink.h"

#define NL_REQ_BYTES	512	/* one request we build */

static inline size_t nl_af_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

/**
 * struct nl_route - a parsed main-table unicast route
 * @rtm:	its header
 * @tb:		its attributes
 * @oif:	output interface (first nexthop for multipath)
 * @gw:		gateway (first nexthop for multipath), NULL if none
 */
struct nl_route {
	const struct rtmsg *rtm;
	const struct nlattr *tb[RTA_MAX + 1];
	unsigned oif;
	const void *gw;
};

/**
 * struct nl_addr_parsed - a parsed RTM_NEWADDR
 * @ifa:	its header
 * @tb:		its attributes
 * @addr:	the interface's own address (IFA_LOCAL, else IFA_ADDRESS)
 * @flags:	IFA_FLAGS, else ifa_flags
 */
struct nl_addr_parsed {
	const struct ifaddrmsg *ifa;
	const struct nlattr *tb[IFA_MAX + 1];
	const void *addr;
	uint32_t flags;
};

/* nl_talk() - send @nlh, read the whole answer through @cb (may be NULL) */
int nl_talk(struct nl_handle *h, struct nlmsghdr *nlh, mnl_cb_t cb,
	    void *data);
/* nl_req() - start a request in @buf (NL_REQ_BYTES), family header @hdr */
struct nlmsghdr *nl_req(void *buf, uint16_t type, uint16_t flags,
			size_t hdrlen, void **hdr);
/* nl_parse() - check and index attributes against a policy table */
int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
	     const uint8_t *policy, unsigned max, size_t alen,
	     const struct nlattr **tb);

/* nl_route_parse() - 0 for a main-table unicast route of @af, else -1 */
int nl_route_parse(const struct nlmsghdr *nlh, int af, struct nl_route *r);
const void *nl_route_dst(const struct nl_route *r);
/* nl_nh_next() - next multipath nexthop after @nh (NULL: first), checked */
const struct rtnexthop *nl_nh_next(const struct nlattr *mp,
				   const struct rtnexthop *nh);
const void *nl_nh_gw(const struct rtnexthop *nh, size_t alen);
/* nl_dst_is_local() - link-local or multicast destination */
bool nl_dst_is_local(int af, const void *dst, unsigned dst_len);

/* nl_addr_parse() - 0 for an address of family @af, else -1 */
int nl_addr_parse(const struct nlmsghdr *nlh, int af,
		  struct nl_addr_parsed *a);
bool nl_addr_is_linklocal(int af, const struct nl_addr_parsed *a);

#endif /* TETHER_NL_INT_H */
