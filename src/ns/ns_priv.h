/* SPDX-License-Identifier: MIT */
/* ns_priv.h - state shared by the ns/ files; not for other modules */
#ifndef TETHER_NS_PRIV_H
#define TETHER_NS_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "loop.h"
#include "nl/netlink.h"

/**
 * struct ns_state - what pasta holds on to about its namespace
 * @target:	spawn or attach
 * @netfd:	fd of the target network namespace (-1 before ns_setup())
 * @child:	NS_SPAWN: pid of the namespace's init (0: none, or reaped)
 * @release_fd:	NS_SPAWN: write end of the pipe the child waits on (-1)
 * @sigfd:	signalfd for SIGCHLD, SIGTERM, SIGINT, SIGHUP (-1 until set)
 * @pidfd:	NS_ATTACH_PID: pidfd of the target process, opened before its
 *		namespace, so that its exit at any time after is seen (-1:
 *		none, kernel before 5.3)
 * @nl:		following the host with --config-net: a netlink socket in
 *		the namespace, kept open (not opened: sock NULL)
 * @tap_if:	the tap's index in the namespace
 */
struct ns_state {
	enum conf_ns_target target;
	int netfd;
	pid_t child;
	int release_fd;
	int sigfd;
	int pidfd;
	struct nl_handle nl;
	unsigned tap_if;
};

extern struct ns_state ns_st;

/*
 * ns_spawn() - clone the child into new net, mount, UTS, IPC and PID
 * namespaces; it waits on @release_rd, then runs the command.
 * Return: the child's pid (dies on failure)
 */
pid_t ns_spawn(const struct conf *c, int release_rd, int release_wr);

/* ns_write_file() - @s written to the file @path, in one write();
 * Return: 0, -EIO if short, or -errno */
int ns_write_file(const char *path, const char *s);

/* ns_signals_init() - register the EP_SIGNAL signalfd (once) */
void ns_signals_init(struct loop *lp);

#endif /* TETHER_NS_PRIV_H */
