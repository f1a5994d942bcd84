// SPDX-License-Identifier: MIT
/* nsquit.c - exit when the target namespace goes away */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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
 * procfs and sysfs send no inotify events, and a PID target is gone when
 * /proc/PID/ns/net is (the process exited, even if still a zombie): those
 * are polled once a second (filesystem paths too, as a backstop: an
 * unmount that leaves the file in place sends no event). Either way the test is the same: the path
 * must still lead to the namespace we hold (same nsfs inode), which also
 * catches a reused PID or a file replaced by another namespace.
 */

#define NSQUIT_POLL_MS		1000
#define NSQUIT_EV_BYTES		4096

/**
 * struct nsquit - what is watched
 * @path:	path that must keep leading to our netns
 * @dev:	nsfs device of our netns
 * @ino:	its inode
 * @inofd:	inotify fd, -1 when polling
 * @gone:	quit already requested
 */
static struct {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	int inofd;
	bool gone;
} nq = { .inofd = -1 };

static bool nsquit_alive(void)
{
	struct stat st;

	return !stat(nq.path, &st) && st.st_dev == nq.dev &&
	       st.st_ino == nq.ino;
}

static void nsquit_check(void)
{
	if (nq.gone || nsquit_alive())
		return;
	nq.gone = true;
	info("Namespace %s is gone, exiting", nq.path);
	loop_stop(0);
}

static void nsquit_timer(const struct timespec *now)
{
	(void)now;
	nsquit_check();
}

static void nsquit_handler(union ep_ref ref, uint32_t events,
			   const struct timespec *now)
{
	uint8_t buf[NSQUIT_EV_BYTES]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	(void)events;
	(void)now;
	/* Whatever the event, the test is the path itself */
	while (read(ref.fd, buf, sizeof(buf)) > 0)
		;
	nsquit_check();
}

/* Directory holding nq.path, into @dir */
static void nsquit_dir(char dir[PATH_MAX])
{
	char *slash;

	snprintf(dir, PATH_MAX, "%s", nq.path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, PATH_MAX, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

/* inotify on directory @dir; Return: 0 or -errno */
static int nsquit_inotify(const char *dir)
{
	int rc;

	nq.inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (nq.inofd < 0)
		return -errno;
	if (inotify_add_watch(nq.inofd, dir, IN_DELETE | IN_MOVED_FROM |
			      IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		goto fail;
	loop_handler_set(EP_NSQUIT, nsquit_handler);
	rc = loop_add(nq.inofd, EPOLLIN, ep_ref_make(EP_NSQUIT, nq.inofd, 0));
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
void ns_quit_watch(const struct conf *c)
{
	char dir[PATH_MAX];
	struct stat st;
	int rc;

	ns_signals_init();
	/* A spawned namespace ends with its command: SIGCHLD tells us */
	if (!c->ns.netns_quit || c->ns.target == NS_SPAWN)
		return;
	if (ns_st.netfd < 0 || fstat(ns_st.netfd, &st))
		return;
	nq.dev = st.st_dev;
	nq.ino = st.st_ino;

	if (c->ns.target == NS_ATTACH_PID)
		snprintf(nq.path, sizeof(nq.path), "/proc/%d/ns/net",
			 (int)c->ns.pid);
	else
		snprintf(nq.path, sizeof(nq.path), "%s", c->ns.netns);

	nsquit_dir(dir);
	if (c->ns.target == NS_ATTACH_PATH && !dir_needs_polling(dir)) {
		rc = nsquit_inotify(dir);
		if (rc)
			warn("cannot watch %s with inotify (%s): polling only",
			     nq.path, strerror(-rc));
	}
	/* Also polled: an unmount without removal sends no event */
	loop_timer_add(nsquit_timer, NSQUIT_POLL_MS);
}
