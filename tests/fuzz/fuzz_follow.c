// SPDX-License-Identifier: MIT
/* fuzz_follow.c - what following the host parses: netlink notifications
 * (nl_watch_parse()), inotify events (follow_inotify_parse()) and
 * resolv.conf contents as conf_refresh() takes them (conf_dns_buf()).
 * The first byte chooses which; the rest is the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fuzz.h"
#include "conf/conf_int.h"
#include "follow/follow.h"
#include "nl/netlink.h"
#include "../unit/l2test.h"

static struct conf fz_conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool reopen = false, reread = false;
	uint8_t *copy;

	if (!size)
		return 0;
	/* A copy of exactly the input's size: reads past it are caught */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		fz_abort("malloc");
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		(void)nl_watch_parse(copy, size - 1);
		break;
	case 1:
		follow_inotify_parse(copy, size - 1, 1, 2, "resolv.conf",
				     &reopen, &reread);
		break;
	default:
		t_conf(&fz_conf);
		conf_dns_buf(&fz_conf, (const char *)copy, size - 1);
		if (fz_conf.ip4.dns_n > CONF_MAXNS ||
		    fz_conf.ip6.dns_n > CONF_MAXNS ||
		    fz_conf.svc.search_n > CONF_SEARCH_MAX)
			fz_abort("resolvers out of bounds");
		break;
	}
	free(copy);
	return 0;
}
