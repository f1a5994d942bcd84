// SPDX-License-Identifier: MIT
/* nsquit.c - exit when the target namespace goes away */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <unistd.h>

#include <linux/magic.h>

#include "lib/log.h"
#include "loop.h"
#include "ns/ns.h"
#include "ns/ns_priv.h"

/*
 * DOC: a namespace bound to a normal filesystem (/run/netns/NAME, Podman's
 * /run/user/UID/netns/...) goes away when its file is unmounted and
 * removed: inotify on the directory tells us (IN_DELETE, IN_MOVED_FROM).
 * The file is also polled once a second, as a backstop (an unmount that
 * leaves the file in place sends no event), and on procfs or sysfs,
 * which send none: the test is that the name must still lead to the
 * namespace we hold (same nsfs inode), which also catches a file
 * replaced by another namespace. tether has no filesystem once sandboxed,
 * so the name is looked up through an O_PATH fd of its directory, opened
 * before. A PID target is gone when the process exits (even if still a
 * zombie): a pidfd tells us, which also can't be fooled by a reused PID;
 * before Linux 5.3, /proc/PID/ns/net is polled the same way as a file.
 */

#define NSQUIT_POLL_MS		1000
#define NSQUIT_EV_BYTES		4096

/**
 * struct nsquit - what is watched
 * @path:	path that must keep leading to our netns (for messages)
 * @base:	its last component(s), looked up from @dirfd
 * @dev:	nsfs device of our netns
 * @ino:	its inode
 * @dirfd:	O_PATH fd of the directory holding @base, -1 if none
 * @inofd:	inotify fd, -1 when polling
 * @pidfd:	PID target: pidfd of the process, -1 if none
 * @gone:	quit already requested
 */
static struct {
	char path[PATH_MAX];
	char base[PATH_MAX];
	dev_t dev;
	ino_t ino;
	int dirfd;
	int inofd;
	int pidfd;
	bool gone;
} nq = { .dirfd = -1, .inofd = -1, .pidfd = -1 };

static bool nsquit_alive(void)
{
	struct stat st;

	if (nq.dirfd < 0)
		return true;	/* only the pidfd watches */
	return !fstatat(nq.dirfd, nq.base, &st, 0) && st.st_dev == nq.dev &&
	       st.st_ino == nq.ino;
}

static void nsquit_gone(struct loop *lp)
{
	if (nq.gone)
		return;
	nq.gone = true;
	info("Namespace %s is gone, exiting", nq.path);
	loop_stop(lp, 0);
}

static void nsquit_check(struct loop *lp)
{
	if (!nq.gone && !nsquit_alive())
		nsquit_gone(lp);
}

static void nsquit_timer(struct loop *lp)
{
	nsquit_check(lp);
}

static void nsquit_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	uint8_t buf[NSQUIT_EV_BYTES]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	(void)events;
	if (ref.fd == nq.pidfd) {	/* the process exited */
		loop_del(lp, nq.pidfd);
		nsquit_gone(lp);
		return;
	}
	/* Whatever the event, the test is the path itself */
	while (read(ref.fd, buf, sizeof(buf)) > 0)
		;
	nsquit_check(lp);
}

/* Directory holding nq.path, into @dir, and the rest into nq.base */
static void nsquit_dir(char dir[PATH_MAX])
{
	char *slash;

	snprintf(dir, PATH_MAX, "%s", nq.path);
	slash = strrchr(dir, '/');
	snprintf(nq.base, sizeof(nq.base), "%s", slash ? slash + 1 : dir);
	if (!slash)
		snprintf(dir, PATH_MAX, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

/* The target's pidfd (from ns_setup()), watched; Return: 0 or -errno */
static int nsquit_pidfd(struct loop *lp)
{
	int rc;

	if (ns_st.pidfd < 0)
		return -ENOSYS;
	nq.pidfd = ns_st.pidfd;
	rc = loop_add(lp, nq.pidfd, EPOLLIN, ep_ref_make(EP_NSQUIT, nq.pidfd,
							 0));
	if (rc) {
		close(nq.pidfd);
		nq.pidfd = ns_st.pidfd = -1;
	}
	return rc;
}

/* inotify on directory @dir; Return: 0 or -errno */
static int nsquit_inotify(struct loop *lp, const char *dir)
{
	int rc;

	nq.inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (nq.inofd < 0)
		return -errno;
	if (inotify_add_watch(nq.inofd, dir, IN_DELETE | IN_MOVED_FROM |
			      IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		goto fail;
	rc = loop_add(lp, nq.inofd, EPOLLIN, ep_ref_make(EP_NSQUIT, nq.inofd,
							 0));
	if (rc) {
		errno = -rc;
		goto fail;
	}
	return 0;
fail:
	rc = -errno;
	close(nq.inofd);
	nq.inofd = -1;
	return rc;
}

/* procfs and sysfs send no inotify events (the directory tells) */
static bool dir_needs_polling(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf))
		return true;
	return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC;
}

/**
 * ns_quit_watch() - exit when the namespace goes away (see ns.h); also
 * takes the signals pasta handles, in every mode
 * @c:		configuration
 */
void ns_quit_watch(struct loop *lp, const struct conf *c)
{
	char dir[PATH_MAX];
	struct stat st;
	int rc;

	ns_signals_init(lp);
	/* A spawned namespace ends with its command: SIGCHLD tells us */
	if (!c->ns.netns_quit || c->ns.target == NS_SPAWN) {
		if (ns_st.pidfd >= 0)
			close(ns_st.pidfd);
		ns_st.pidfd = -1;
		return;
	}
	if (ns_st.netfd < 0 || fstat(ns_st.netfd, &st))
		return;
	nq.dev = st.st_dev;
	nq.ino = st.st_ino;

	if (c->ns.target == NS_ATTACH_PID)
		snprintf(nq.path, sizeof(nq.path), "/proc/%d/ns/net",
			 (int)c->ns.pid);
	else
		snprintf(nq.path, sizeof(nq.path), "%s", c->ns.netns);
	loop_handler_set(lp, EP_NSQUIT, nsquit_handler);
	if (c->ns.target == NS_ATTACH_PID && !nsquit_pidfd(lp)) {
		debug("watching process %d for its exit", (int)c->ns.pid);
		return;
	}

	nsquit_dir(dir);
	if (c->ns.target == NS_ATTACH_PID) {	/* "/proc/PID" + "ns/net" */
		snprintf(dir, sizeof(dir), "/proc/%d", (int)c->ns.pid);
		snprintf(nq.base, sizeof(nq.base), "ns/net");
	}
	nq.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nq.dirfd < 0 && errno == ENOENT && c->ns.target == NS_ATTACH_PID) {
		nsquit_gone(lp);	/* it exited while we started */
		return;
	}
	if (nq.dirfd < 0) {
		warn("cannot watch %s (%s): no exit when it goes away",
		     nq.path, strerror(errno));
		return;
	}
	if (c->ns.target == NS_ATTACH_PATH && !dir_needs_polling(dir)) {
		rc = nsquit_inotify(lp, dir);
		if (rc)
			warn("cannot watch %s with inotify (%s): polling only",
			     nq.path, strerror(-rc));
	}
	/* Also polled: an unmount without removal sends no event */
	loop_timer_add(lp, nsquit_timer, NSQUIT_POLL_MS);
	nsquit_check(lp);	/* gone before the watch was set up? */
}

/**
 * ns_quit_stats() - does the watch look names up at run time?
 *
 * Return: true if it polls a path (through a directory fd)
 */
bool ns_quit_stats(void)
{
	return nq.dirfd >= 0;
}
