// SPDX-License-Identifier: MIT
/* ns.c - pasta's namespaces: create or join, run code inside, child life */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/nsfs.h>

#include "lib/log.h"
#include "lib/userns.h"
#include "lib/util.h"
#include "loop.h"
#include "ns/ns.h"
#include "ns/ns_priv.h"

/*
 * DOC: tether never leaves the host's network namespace: its host sockets
 * live there, and without privileges in the host's user namespace it
 * could not come back. It keeps an fd for the target network namespace
 * instead, and ns_call() runs code there in a short-lived child that
 * shares tether's memory and fd table (clone(CLONE_VM | CLONE_VFORK |
 * CLONE_FILES)): sockets and the tap it opens are tether's own fds.
 *
 * Spawning, tether moves itself into a new user namespace (where it is
 * root, mapped to the caller's uid and gid) and clones the child into
 * new network, mount, UTS, IPC and PID namespaces owned by it (spawn.c).
 * Attaching, it joins the target's user namespace, which gives it the
 * capabilities needed there, unless --netns-only.
 */

#define NS_CALL_STACK_BYTES	(256 << 10)

struct ns_state ns_st = {
	.netfd = -1, .release_fd = -1, .sigfd = -1, .pidfd = -1,
};

static uint8_t ns_call_stack[NS_CALL_STACK_BYTES] __attribute__((aligned(16)));

/* New user namespace for tether itself: root there, mapped to the caller */
static void userns_create(void)
{
	const char *what;
	int rc = userns_new(0, 0, &what);

	if (rc && !strcmp(what, "unshare(CLONE_NEWUSER)"))
		die("cannot create a user namespace: %s (unprivileged user "
		    "namespaces disabled? see sysctl user.max_user_namespaces)",
		    strerror(-rc));
	if (rc)
		die("cannot create a user namespace: %s: %s", what,
		    strerror(-rc));
}

/* Same namespace as ours (by path under /proc/self/ns)? */
static bool ns_is_own(int fd, const char *own)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(own, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Open the network namespace at @path: an fd, checked to be one */
static int netns_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("Couldn't open network namespace %s: %s", path,
		    strerror(errno));
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
		die("Couldn't open network namespace %s: not a network "
		    "namespace", path);
	if (ns_is_own(fd, "/proc/self/ns/net"))
		die("%s is pasta's own network namespace: give another one",
		    path);
	return fd;
}

/* A pidfd for @pid, before anything of it is used: the process whose
 * namespace we then open is that one, and its exit, even before the
 * loop runs, makes the fd readable. -1 without pidfd_open (Linux < 5.3),
 * and dies if there is no such process */
static int pidfd_of(pid_t pid)
{
	int fd = -1;

#ifdef SYS_pidfd_open
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno == ESRCH)
		die("Couldn't open network namespace of process %d: no such "
		    "process", (int)pid);
#endif
	return fd;
}

/* Join the user namespace at @path, unless it is already ours */
static void userns_join(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("Couldn't open user namespace %s: %s", path,
		    strerror(errno));
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
		die("Couldn't open user namespace %s: not a user namespace",
		    path);
	if (!ns_is_own(fd, "/proc/self/ns/user") && setns(fd, CLONE_NEWUSER))
		die("cannot join user namespace %s: %s (is it owned by "
		    "another user?)", path, strerror(errno));
	close(fd);
}

static void ns_spawn_setup(const struct conf *c)
{
	char path[64];
	int p[2];

	userns_create();
	if (pipe2(p, O_CLOEXEC))
		die_perror("pipe2");
	ns_st.child = ns_spawn(c, p[0], p[1]);
	close(p[0]);
	ns_st.release_fd = p[1];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns_st.child);
	ns_st.netfd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_st.netfd < 0)
		die_perror("cannot open the new network namespace (%s)", path);
}

static void ns_attach_setup(const struct conf *c)
{
	char net[64], user[64];
	const char *userns = c->ns.userns[0] ? c->ns.userns : NULL;

	if (c->ns.target == NS_ATTACH_PID) {
		ns_st.pidfd = pidfd_of(c->ns.pid);
		snprintf(net, sizeof(net), "/proc/%d/ns/net", (int)c->ns.pid);
		snprintf(user, sizeof(user), "/proc/%d/ns/user",
			 (int)c->ns.pid);
		ns_st.netfd = netns_open(net);
		if (!userns)
			userns = user;
	} else {
		ns_st.netfd = netns_open(c->ns.netns);
	}
	if (userns && !c->ns.netns_only)
		userns_join(userns);
}

/**
 * ns_setup() - create or join pasta's namespaces (see ns.h)
 * @c:		configuration
 */
void ns_setup(const struct conf *c)
{
	ns_st.target = c->ns.target;
	if (c->ns.target == NS_SPAWN)
		ns_spawn_setup(c);
	else
		ns_attach_setup(c);
}

/**
 * struct ns_call_arg - a call into the namespace, shared with the child
 * @fn:		function to run
 * @arg:	its argument
 * @ret:	its result
 * @done:	@fn returned (else the child exited from inside it)
 */
struct ns_call_arg {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool done;
};

static int ns_call_child(void *p)
{
	struct ns_call_arg *a = p;

	if (setns(ns_st.netfd, CLONE_NEWNET)) {
		a->ret = -errno;
	} else {
		a->ret = a->fn(a->arg);
	}
	a->done = true;
	return 0;
}

/**
 * ns_call() - run @fn(@arg) inside the target network namespace
 * @fn:		function: it shares our memory and fd table, and must not
 *		exit (if it does, through die(), tether exits the same way)
 * @arg:	its argument
 *
 * Return: @fn's result, or -errno if the namespace could not be entered
 */
int ns_call(int (*fn)(void *arg), void *arg)
{
	struct ns_call_arg a = { .fn = fn, .arg = arg };
	int flags = CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD;
	int st = EXIT_FAILURE << 8;
	pid_t pid;

	ASSERT(ns_st.netfd >= 0);
	pid = clone(ns_call_child, ns_call_stack + sizeof(ns_call_stack),
		    flags, &a);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	if (!a.done)
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAILURE);
	return a.ret;
}

/**
 * ns_netfd() - the target network namespace (see ns.h)
 *
 * Return: its fd, -1 if none
 */
int ns_netfd(void)
{
	return ns_st.netfd;
}

/**
 * ns_child_pid() - the spawned namespace's init (parent of the command)
 *
 * Return: its pid, or 0 if none (attach modes) or reaped
 */
pid_t ns_child_pid(void)
{
	return ns_st.child;
}

/* The child ended: stop with its status, as shells report it */
static void ns_child_reap(struct loop *lp)
{
	pid_t pid;
	int st;

	if (!ns_st.child)
		return;
	pid = waitpid(ns_st.child, &st, WNOHANG);
	if (pid < 0 && errno == ECHILD) {
		/* Not ours (we forked away from it): watch it by polling */
		if (kill(ns_st.child, 0) && errno == ESRCH) {
			ns_st.child = 0;
			loop_stop(lp, 0);
		}
		return;
	}
	if (pid != ns_st.child)
		return;
	ns_st.child = 0;
	if (WIFSIGNALED(st)) {
		debug("namespace init killed by signal %d", WTERMSIG(st));
		loop_stop(lp, 128 + WTERMSIG(st));
	} else {
		debug("command exited with status %d", WEXITSTATUS(st));
		loop_stop(lp, WEXITSTATUS(st));
	}
}

static void ns_signal_handler(struct loop *lp, union ep_ref ref,
			      uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(ref.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			ns_child_reap(lp);
			continue;
		}
		if (ns_st.target != NS_SPAWN) {
			info("signal %u received, exiting", si.ssi_signo);
			loop_stop(lp, 0);
			continue;
		}
		if (!ns_st.child)
			continue;	/* reaped: its status stands */
		/* The terminal signals the command's process group itself */
		if (si.ssi_code != SI_KERNEL)
			kill(ns_st.child, (int)si.ssi_signo);
	}
}

/**
 * ns_signals_init() - take SIGCHLD, SIGTERM, SIGINT, SIGHUP through a
 * signalfd in the loop (once; later calls do nothing)
 */
void ns_signals_init(struct loop *lp)
{
	sigset_t set;
	int rc;

	if (ns_st.sigfd >= 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die_perror("sigprocmask");
	ns_st.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ns_st.sigfd < 0)
		die_perror("signalfd");
	loop_handler_set(lp, EP_SIGNAL, ns_signal_handler);
	rc = loop_add(lp, ns_st.sigfd, EPOLLIN,
		      ep_ref_make(EP_SIGNAL, ns_st.sigfd, 0));
	if (rc)
		die("cannot watch signals: %s", strerror(-rc));
}

/**
 * ns_release_child() - let the spawned command run (see ns.h)
 */
void ns_release_child(struct loop *lp)
{
	ns_signals_init(lp);
	if (ns_st.release_fd >= 0) {
		if (write(ns_st.release_fd, "1", 1) != 1)
			warn("cannot release the command: %s",
			     strerror(errno));
		close(ns_st.release_fd);
		ns_st.release_fd = -1;
	}
	/* It may have ended before SIGCHLD was ours to read */
	ns_child_reap(lp);
}
