// SPDX-License-Identifier: MIT
/* fs.c - the sandbox's filesystem: none (an empty, read-only root) */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "sandbox/sb_int.h"

/*
 * DOC: everything tether uses at run time is an fd opened before this
 * stage, so it needs no filesystem at all. In a mount namespace of its
 * own (IPC and UTS too: nothing to share there either), it makes every
 * mount private (so nothing it does propagates back), mounts an empty
 * tmpfs with no room (one inode: the root directory itself; no data
 * blocks) read-only over /tmp, and pivots into it with the old root
 * stacked on the same directory ("pivot_root . ."), which it then
 * detaches. Afterwards "/" is that empty directory: /proc/PID/root
 * lists nothing, and no path, relative or absolute, leads anywhere else.
 * Needs CAP_SYS_ADMIN in the current user namespace: pasta has it in its
 * own or its target's, passt in the one sandbox.c made for it.
 *
 * pivot_root() fails where the root is the initramfs (rootfs can't be
 * moved: some containers and minimal VMs run so). With --chroot-fallback,
 * as pasta's, tether then chroot()s into the empty tmpfs instead: the old
 * root stays mounted below, out of reach of paths (seccomp allows no
 * chroot(), mount() or fchdir() to climb back), but /proc/PID/root of a
 * process that can see ours would still show it. Without the option that
 * failure stays fatal and says to use it.
 */

#define SB_MNT	"/tmp"	/* any directory: only its mount point is used */

int sb_fs_empty_root(const char **what, bool chroot_fallback)
{
	*what = "unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)";
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS))
		return -errno;
	*what = "making mounts private";
	if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	*what = "mounting an empty tmpfs on " SB_MNT;
	if (mount("tether", SB_MNT, "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "nr_inodes=1,nr_blocks=0,mode=0555"))
		return -errno;
	*what = "chdir to the empty root";
	if (chdir(SB_MNT))
		return -errno;
	*what = "pivot_root (on an initramfs root, try --chroot-fallback)";
	if (syscall(SYS_pivot_root, ".", ".")) {
		if (errno != EINVAL || !chroot_fallback)
			return -errno;
		*what = "chroot into the empty root (--chroot-fallback)";
		if (chroot("."))
			return -errno;
		warn("pivot_root failed (initramfs root?): chroot instead, "
		     "--chroot-fallback");
		return chdir("/") ? -errno : 0;
	}
	*what = "detaching the old root";
	if (umount2(".", MNT_DETACH))
		return -errno;
	*what = "chdir /";
	if (chdir("/"))
		return -errno;
	return 0;
}
