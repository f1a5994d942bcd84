// SPDX-License-Identifier: MIT
/* userns.c - a new user namespace for this process (see userns.h) */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/userns.h"

/* Write @s to /proc/self/@name; Return: 0 or -errno */
static int proc_self_write(const char *name, const char *s)
{
	char path[64];
	ssize_t n;
	int fd, e;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -(n < 0 ? e : EIO);
}

int userns_new(uid_t inner_uid, gid_t inner_gid, const char **what)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int rc;

	*what = "unshare(CLONE_NEWUSER)";
	if (unshare(CLONE_NEWUSER))
		return -errno;
	*what = "/proc/self/setgroups";
	rc = proc_self_write("setgroups", "deny");
	if (rc && rc != -ENOENT)	/* before Linux 3.19: nothing to deny */
		return rc;
	*what = "/proc/self/uid_map";
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)inner_uid,
		 (unsigned)uid);
	if ((rc = proc_self_write("uid_map", map)))
		return rc;
	*what = "/proc/self/gid_map";
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)inner_gid,
		 (unsigned)gid);
	return proc_self_write("gid_map", map);
}
