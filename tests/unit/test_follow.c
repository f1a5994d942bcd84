// SPDX-License-Identifier: MIT
/* test_follow.c - what following the host reads: netlink notifications,
 * inotify events about resolv.conf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <cmocka.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "follow/follow.h"
#include "nl/netlink.h"

static uint8_t buf[1024] __attribute__((aligned(8)));

/* A netlink message of @type, @len bytes (header included), at @off */
static size_t nl_put(size_t off, uint16_t type, uint32_t len)
{
	struct nlmsghdr h = { .nlmsg_len = len, .nlmsg_type = type };
	size_t room = NLMSG_ALIGN(len) < sizeof(buf) - off ?
		      NLMSG_ALIGN(len) : sizeof(buf) - off;

	memset(buf + off, 0, room);
	memcpy(buf + off, &h, sizeof(h));
	return off + room;
}

static void test_netlink(void **state)
{
	size_t n;

	(void)state;
	n = nl_put(0, RTM_NEWADDR, 24);
	assert_true(nl_watch_parse(buf, n));
	n = nl_put(0, RTM_NEWNEIGH, 28);		/* not ours */
	assert_false(nl_watch_parse(buf, n));
	n = nl_put(n, RTM_DELROUTE, 28);		/* second of two */
	assert_true(nl_watch_parse(buf, n));
	assert_false(nl_watch_parse(buf, n - 1));	/* cut short */
	n = nl_put(0, RTM_NEWLINK, 4096);		/* claims too much */
	assert_false(nl_watch_parse(buf, 32));
	n = nl_put(0, RTM_NEWLINK, 8);			/* shorter than a header */
	assert_false(nl_watch_parse(buf, 16));
	assert_false(nl_watch_parse(buf, 0));
}

/* An inotify event at @off; Return: the offset after it */
static size_t ev_put(size_t off, int wd, uint32_t mask, const char *name,
		     uint32_t len)
{
	struct inotify_event ev = { .wd = wd, .mask = mask, .len = len };

	memcpy(buf + off, &ev, sizeof(ev));
	memset(buf + off + sizeof(ev), 0, len);
	if (name)
		memcpy(buf + off + sizeof(ev), name, strlen(name));
	return off + sizeof(ev) + len;
}

static void test_inotify(void **state)
{
	bool reopen = false, reread = false;
	size_t n;

	(void)state;
	/* Renamed over it in the directory: open it again */
	n = ev_put(0, 1, IN_MOVED_TO, "resolv.conf", 16);
	follow_inotify_parse(buf, n, 1, -1, "resolv.conf", &reopen, &reread);
	assert_true(reopen);
	assert_false(reread);

	/* Another file, a deletion, a name without its NUL: nothing */
	reopen = false;
	n = ev_put(0, 1, IN_CLOSE_WRITE, "resolv.conf.tmp", 16);
	n = ev_put(n, 1, IN_DELETE, "resolv.conf", 12);
	n = ev_put(n, 1, IN_CREATE, "resolv.conf", 11);
	follow_inotify_parse(buf, n, 1, -1, "resolv.conf", &reopen, &reread);
	assert_false(reopen);

	/* The mounted file written: read it again; a truncated event after
	 * it is not read */
	n = ev_put(0, 2, IN_MODIFY, NULL, 0);
	n = ev_put(n, 1, IN_MOVED_TO, "resolv.conf", 16);
	follow_inotify_parse(buf, n - 1, -1, 2, "resolv.conf", &reopen,
			     &reread);
	assert_true(reread);
	assert_false(reopen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netlink),
		cmocka_unit_test(test_inotify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
