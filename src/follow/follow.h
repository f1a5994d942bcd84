/* SPDX-License-Identifier: MIT */
/* follow.h - the host's addresses, routes and resolvers, followed live */
#ifndef TETHER_FOLLOW_H
#define TETHER_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "loop.h"

#define FOLLOW_SETTLE_MS	100	/* changes come in bursts: wait this
					 * long after one before reading */

/*
 * follow_init() - unless --no-follow-host: watch the host's links,
 * addresses and routes (rtnetlink) and its resolv.conf (inotify), opened
 * here, before the sandbox. After a change settles, the configuration is
 * refreshed (conf_refresh()) and what the guest sees is changed to match:
 * the namespace's addresses and routes with --config-net, DHCP's lease,
 * router advertisements, DHCPv6, the address mappings, the DNS forwarder;
 * flows bound to an address the host no longer has are ended.
 * @c is kept and changed in place between batches. Dies with one line if
 * what it needs can't be opened. follow_prepare() comes first.
 */
void follow_init(struct loop *lp, struct conf *c);

/*
 * follow_prepare() - unless --no-follow-host: watch resolv.conf, and start
 * the helper that reads one renamed over the old (@reader, which returns
 * an fd: see sandbox_reader()). Call early, once running as the final
 * user and before the big tables are allocated: the helper is a fork,
 * and a small process forks (and later exits) fast.
 */
void follow_prepare(const struct conf *c,
		    int (*reader)(const char *dir, const char *name));

/* follow_sandbox_needs() - true if following: the sandbox leaves pread()
 * for a resolv.conf mounted over /etc/resolv.conf */
bool follow_sandbox_needs(void);

/*
 * follow_inotify_parse() - inotify events (@n bytes at @buf) about
 * resolv.conf, named @name in the directory watched as @wd_dir, or
 * watched itself as @wd_file: *@reopen is set if a file of that name was
 * put in the directory, *@reread if the file was written (never cleared)
 */
void follow_inotify_parse(const uint8_t *buf, size_t n, int wd_dir,
			  int wd_file, const char *name, bool *reopen,
			  bool *reread);

#endif /* TETHER_FOLLOW_H */
