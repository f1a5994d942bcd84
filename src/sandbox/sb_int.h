/* SPDX-License-Identifier: MIT */
/* sb_int.h - the sandbox's stages, for sandbox.c only */
#ifndef TETHER_SB_INT_H
#define TETHER_SB_INT_H

#include <stdbool.h>

#include "sandbox/sandbox.h"

/* fs.c: mount (and IPC, UTS) namespace, pivot_root into an empty,
 * read-only tmpfs, old root detached; Return: 0 or -errno, *@what set */
int sb_fs_empty_root(const char **what, bool chroot_fallback);

/* caps.c: keep only the capabilities @p needs in every set, bounding and
 * ambient cleared; Return: 0 or -errno, *@what set */
int sb_caps_drop(const struct sandbox_profile *p, const char **what);

/* landlock.c: restrict what @p doesn't need; Return: the ABI used, 0 if
 * the kernel has no Landlock, or -errno */
int sb_landlock(const struct sandbox_profile *p);

/* seccomp.c: load the allow-list for @p; Return: syscalls allowed, or
 * -errno */
int sb_seccomp(const struct sandbox_profile *p);

/* landlock.c: the file reader helper's ruleset: reading files beneath
 * @dir only; Return: the ABI, 0 without Landlock, or -errno */
int sb_landlock_reader(int dir);

/* seccomp.c: the file reader helper's allow-list; Return: calls allowed,
 * or -errno */
int sb_seccomp_reader(void);

#endif /* TETHER_SB_INT_H */
