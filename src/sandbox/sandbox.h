/* SPDX-License-Identifier: MIT */
/* sandbox.h - tether confines itself before it reads the first frame */
#ifndef TETHER_SANDBOX_H
#define TETHER_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * struct sandbox_profile - what the run-time loop of this configuration
 * still needs; everything else is taken away (filled in by main.c)
 * @off:	--no-sandbox: debugging only, nothing is confined
 * @own_userns:	passt: move into a user namespace of our own first (pasta
 *		is already in its target's or its own)
 * @ns_fd:	pasta: the target network namespace; the only fd setns()
 *		may take, -1 for passt
 * @child:	pasta spawn: the command's namespace init, which we signal
 *		and reap; 0 when attached
 * @ns_bind:	pasta: may bind listeners inside the namespace at run time
 *		(auto forwarding of the namespace's ports), so keeps
 *		CAP_NET_BIND_SERVICE there
 * @splice:	pasta: pipes and splice() for the loopback fast path
 * @stream:	passt: accept()s QEMU's (re)connections on -s's socket
 * @auto_scan:	auto forwarding: reads /proc/net files and sock_diag
 * @tcp_bind_auto: TCP listeners are bound at run time, to any port of
 *		the auto ranges (which usually cover most ports)
 * @tcp_bind_eph: outbound TCP sockets are bound to -o's address, port 0
 * @bind_rt:	listeners are added at run time (slirp4netns's API socket)
 * @nsquit_path: watching a namespace file: stat()s it through a directory
 * @syslog:	logs go to syslog, which may reconnect to /dev/log
 * @logfile:	-l: the file is truncated when full
 * @chroot_fallback: --chroot-fallback: chroot() where pivot_root() fails
 * @follow:	following the host: resolv.conf read again (pread())
 * @ns_net_admin: following with --config-net: keeps CAP_NET_ADMIN to
 *		change the namespace's addresses and routes
 * @vhost_user:	passt --vhost-user: maps and unmaps guest memory
 * @threads:	more than one loop: their threads start in the sandbox
 */
struct sandbox_profile {
	bool off;
	bool own_userns;
	int ns_fd;
	pid_t child;
	bool ns_bind;
	bool splice;
	bool stream;
	bool auto_scan;
	bool tcp_bind_auto;
	bool tcp_bind_eph;
	bool bind_rt;
	bool nsquit_path;
	bool syslog;
	bool logfile;
	bool chroot_fallback;
	bool follow;
	bool ns_net_admin;
	bool vhost_user;
	bool threads;
};

/*
 * sandbox_close_inherited() - close every fd above stderr that was
 * inherited, except the @n in @keep (passt's -F socket, slirp4netns's
 * exit and ready fds; -1 entries are ignored): call first
 */
void sandbox_close_inherited(const int *keep, int n);

/*
 * sandbox_enter() - every stage, in order (see sandbox.c): own user
 * namespace (passt), mount namespace with an empty read-only root, no
 * core dumps, capabilities down to the documented minimum, no new
 * privileges, Landlock, seccomp. Call once everything the loop needs is
 * open. Dies with one line naming the stage if a required stage fails.
 */
void sandbox_enter(const struct sandbox_profile *p);

#define SB_READER_MAX	65536	/* bytes the reader helper sends at most */

/*
 * sandbox_reader() - fork a detached, confined helper that reads the file
 * @name beneath the directory @dir whenever asked (see reader.c): send one
 * byte on the fd returned, receive a status byte (0, or the errno of the
 * open) and the contents. Call before sandbox_enter(). Return: the fd, or
 * -errno
 */
int sandbox_reader(const char *dir, const char *name);

#endif /* TETHER_SANDBOX_H */
