// SPDX-License-Identifier: MIT
/* test_ns_netlink.c - netlink message parsing: policy checks, nexthop walks */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nl/nl_int.h"

static uint8_t buf[4096] __attribute__((aligned(8)));

/* A RTM_NEWROUTE of @af in @table, type @type, destination @dst/@dst_len */
static struct nlmsghdr *route_msg(int af, unsigned table, unsigned type,
				  const char *dst, unsigned dst_len)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint8_t a[16];

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	rtm->rtm_table = (uint8_t)table;
	rtm->rtm_type = (uint8_t)type;
	rtm->rtm_dst_len = (uint8_t)dst_len;
	if (dst) {
		assert_int_equal(inet_pton(af, dst, a), 1);
		mnl_attr_put(nlh, RTA_DST, nl_af_len(af), a);
	}
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, int af,
		     const char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(af, s, a), 1);
	mnl_attr_put(nlh, type, nl_af_len(af), a);
}

/* Append a nexthop on @ifindex via @gw (NULL: none) inside a nest */
static void put_nh(struct nlmsghdr *nlh, int ifindex, int af, const char *gw)
{
	struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);
	size_t start = nlh->nlmsg_len;

	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = ifindex;
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
	if (gw)
		put_addr(nlh, RTA_GATEWAY, af, gw);
	nh->rtnh_len = (unsigned short)(nlh->nlmsg_len - start);
}

static void test_route_plain(void **state)
{
	struct nlmsghdr *nlh;
	struct nl_route r;
	uint8_t gw[4];

	(void)state;
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "192.0.2.0", 24);
	put_addr(nlh, RTA_GATEWAY, AF_INET, "198.51.100.1");
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), 0);
	assert_int_equal(r.oif, 7);
	inet_pton(AF_INET, "198.51.100.1", gw);
	assert_non_null(r.gw);
	assert_memory_equal(r.gw, gw, 4);
	assert_non_null(nl_route_dst(&r));

	/* The same route seen as IPv6: not ours */
	assert_int_equal(nl_route_parse(nlh, AF_INET6, &r), -1);
}

static void test_route_filtered(void **state)
{
	struct nlmsghdr *nlh;
	struct nl_route r;

	(void)state;
	nlh = route_msg(AF_INET, RT_TABLE_LOCAL, RTN_UNICAST, NULL, 0);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_LOCAL, NULL, 0);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	/* Table from RTA_TABLE wins over rtm_table */
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	/* Impossible prefix length */
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "192.0.2.0", 33);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	/* Nexthop objects can't be copied */
	nlh = route_msg(AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 3);
	assert_int_equal(nl_route_parse(nlh, AF_INET6, &r), -1);
}

static void test_route_bad_attrs(void **state)
{
	struct nlmsghdr *nlh;
	struct nl_route r;
	uint8_t three[3] = { 1, 2, 3 };

	(void)state;
	/* Gateway of the wrong length */
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(three), three);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	/* IPv4-sized destination on an IPv6 route */
	nlh = route_msg(AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	put_addr(nlh, RTA_DST, AF_INET, "192.0.2.0");
	assert_int_equal(nl_route_parse(nlh, AF_INET6, &r), -1);

	/* Output interface that isn't 4 bytes */
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	mnl_attr_put_u16(nlh, RTA_OIF, 7);
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);

	/* Shorter than its family header */
	nlh = route_msg(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0);
	nlh->nlmsg_len = sizeof(*nlh) + 4;
	assert_int_equal(nl_route_parse(nlh, AF_INET, &r), -1);
}

static void test_multipath(void **state)
{
	const struct rtnexthop *nh = NULL;
	struct nlattr *nest, *mp;
	struct nlmsghdr *nlh;
	struct nl_route r;
	int n = 0;

	(void)state;
	nlh = route_msg(AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, "2001:db8::", 32);
	nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nh(nlh, 4, AF_INET6, "fe80::1");
	put_nh(nlh, 5, AF_INET6, NULL);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_route_parse(nlh, AF_INET6, &r), 0);
	assert_int_equal(r.oif, 4);		/* first nexthop */
	assert_non_null(r.gw);

	mp = (struct nlattr *)r.tb[RTA_MULTIPATH];
	while ((nh = nl_nh_next(mp, nh))) {
		n++;
		if (nh->rtnh_ifindex == 5)
			assert_null(nl_nh_gw(nh, 16));
	}
	assert_int_equal(n, 2);

	/* A nexthop claiming more than the attribute holds ends the walk */
	nh = nl_nh_next(mp, NULL);
	((struct rtnexthop *)nh)->rtnh_len = 0xfff0;
	assert_null(nl_nh_next(mp, NULL));
	/* ...and one claiming less than its own header, too */
	((struct rtnexthop *)nh)->rtnh_len = 2;
	assert_null(nl_nh_next(mp, NULL));
	assert_int_equal(nl_route_parse(nlh, AF_INET6, &r), 0);
	assert_int_equal(r.oif, 0);
	assert_null(r.gw);
}

static struct nlmsghdr *addr_msg(int af, unsigned prefix, unsigned scope)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = (uint8_t)scope;
	ifa->ifa_index = 2;
	ifa->ifa_flags = IFA_F_PERMANENT;
	return nlh;
}

static void test_addr(void **state)
{
	struct nl_addr_parsed a;
	struct nlmsghdr *nlh;
	uint8_t want[4];

	(void)state;
	/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer */
	nlh = addr_msg(AF_INET, 32, RT_SCOPE_UNIVERSE);
	put_addr(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	put_addr(nlh, IFA_LOCAL, AF_INET, "192.0.2.2");
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
	assert_int_equal(nl_addr_parse(nlh, AF_INET, &a), 0);
	inet_pton(AF_INET, "192.0.2.2", want);
	assert_memory_equal(a.addr, want, 4);
	assert_int_equal(a.flags, IFA_F_NOPREFIXROUTE);
	assert_false(nl_addr_is_linklocal(AF_INET, &a));

	nlh = addr_msg(AF_INET6, 64, RT_SCOPE_UNIVERSE);
	put_addr(nlh, IFA_ADDRESS, AF_INET6, "fe80::1");
	assert_int_equal(nl_addr_parse(nlh, AF_INET6, &a), 0);
	assert_true(nl_addr_is_linklocal(AF_INET6, &a));

	/* No address at all, bad prefix length, wrong family */
	nlh = addr_msg(AF_INET6, 64, RT_SCOPE_UNIVERSE);
	assert_int_equal(nl_addr_parse(nlh, AF_INET6, &a), -1);
	nlh = addr_msg(AF_INET, 33, RT_SCOPE_UNIVERSE);
	put_addr(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	assert_int_equal(nl_addr_parse(nlh, AF_INET, &a), -1);
	nlh = addr_msg(AF_INET, 24, RT_SCOPE_UNIVERSE);
	put_addr(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	assert_int_equal(nl_addr_parse(nlh, AF_INET6, &a), -1);
}

static void test_dst_is_local(void **state)
{
	static const struct {
		int af;
		const char *dst;
		unsigned len;
		bool local;
	} t[] = {
		{ AF_INET, "169.254.0.0", 16, true },
		{ AF_INET, "224.0.0.0", 4, true },
		{ AF_INET, "192.0.2.0", 24, false },
		{ AF_INET6, "fe80::", 64, true },
		{ AF_INET6, "ff00::", 8, true },
		{ AF_INET6, "2001:db8::", 32, false },
	};
	uint8_t a[16];
	size_t i;

	(void)state;
	assert_false(nl_dst_is_local(AF_INET, NULL, 0));	/* default */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		inet_pton(t[i].af, t[i].dst, a);
		assert_int_equal(nl_dst_is_local(t[i].af, a, t[i].len),
				 t[i].local);
	}
}

/* Random bodies behind valid headers: parse, walk, never read past */
static void test_random_messages(void **state)
{
	static const uint16_t types[] = { RTM_NEWROUTE, RTM_NEWADDR };
	unsigned i, j;

	(void)state;
	srandom(1);
	for (i = 0; i < 20000; i++) {
		size_t len = sizeof(struct nlmsghdr) + (size_t)(random() % 200);
		uint8_t *msg = malloc(len);	/* exact size: ASan sees overruns */
		struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
		struct nl_addr_parsed a;
		struct nl_route r;

		for (j = 0; j < len; j++)
			msg[j] = (uint8_t)random();
		nlh->nlmsg_len = (uint32_t)len;
		nlh->nlmsg_type = types[i % 2];
		if (len > sizeof(*nlh) + 1)	/* usually our family */
			msg[sizeof(*nlh)] = (i & 4) ? AF_INET : AF_INET6;
		if (!nl_route_parse(nlh, AF_INET, &r) ||
		    !nl_route_parse(nlh, AF_INET6, &r)) {
			const struct rtnexthop *nh = NULL;

			if (r.tb[RTA_MULTIPATH])
				while ((nh = nl_nh_next(r.tb[RTA_MULTIPATH],
							nh)))
					nl_nh_gw(nh, 16);
		}
		nl_addr_parse(nlh, AF_INET, &a);
		nl_addr_parse(nlh, AF_INET6, &a);
		free(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_plain),
		cmocka_unit_test(test_route_filtered),
		cmocka_unit_test(test_route_bad_attrs),
		cmocka_unit_test(test_multipath),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_dst_is_local),
		cmocka_unit_test(test_random_messages),
	};

	return cmocka_run_group_tests_name("ns_netlink", tests, NULL, NULL);
}
