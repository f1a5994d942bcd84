// SPDX-License-Identifier: MIT
/* landlock.c - the sandbox's Landlock ruleset: no files, fewer sockets */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "sandbox/sb_int.h"

/*
 * DOC: Landlock (Documentation/userspace-api/landlock.rst) restricts this
 * process, whatever its capabilities, below the empty root of fs.c:
 * - every filesystem right the kernel knows is handled and none is
 *   granted: no file can be opened, created, removed, executed, renamed,
 *   truncated, or ioctl()ed as a device by path or through any directory
 *   fd kept from before (files already open stay usable: that is the
 *   point of opening them first; a new resolv.conf is read by the
 *   helper of reader.c, whose own ruleset allows only that);
 * - TCP bind (ABI 4): handled unless auto forwarding binds listeners at
 *   run time, which may be any port of its ranges; with -o, port 0 (an
 *   ephemeral port on that address) is the one rule. TCP connect stays
 *   unhandled: guests connect to any port by design;
 * - scopes (ABI 6): no connecting to abstract UNIX sockets outside the
 *   sandbox, and (except for pasta's spawned command, which we forward
 *   signals to) no signals to any process outside it.
 * The best ABI the kernel offers is used; without Landlock (kernel too
 * old, or not among the LSMs booted) this stage is skipped silently, and
 * -d says so.
 */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif

/* Our own copy of the UAPI: Debian 12's headers stop at ABI 2 */
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1
#define LL_RULE_NET_PORT		2
#define LL_FS_READ_FILE			(1ULL << 2)

#define LL_FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;	/* ABI 4 */
	uint64_t scoped;		/* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
} __attribute__((packed));

/* The attribute's size for @abi: older kernels refuse unknown fields */
static size_t ll_attr_size(int abi)
{
	if (abi >= 6)
		return sizeof(struct ll_ruleset_attr);
	if (abi >= 4)
		return offsetof(struct ll_ruleset_attr, scoped);
	return offsetof(struct ll_ruleset_attr, handled_access_net);
}

/* Every filesystem right ABI @abi knows: all handled, so all denied but
 * what a rule grants */
static uint64_t ll_fs_all(int abi)
{
	uint64_t fs = LL_FS_ABI1;

	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

int sb_landlock(const struct sandbox_profile *p)
{
	struct ll_ruleset_attr attr = { 0 };
	int abi, fd, rc = 0;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LL_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		debug("sandbox: no Landlock (%s): stage skipped",
		      strerror(errno));
		return 0;
	}

	attr.handled_access_fs = ll_fs_all(abi);
	if (abi >= 4 && !p->tcp_bind_auto)
		attr.handled_access_net = LL_NET_BIND_TCP;
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX;
		if (!p->child)
			attr.scoped |= LL_SCOPE_SIGNAL;
	}

	fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
			  ll_attr_size(abi), 0);
	if (fd < 0)
		return -errno;
	if (attr.handled_access_net && p->tcp_bind_eph) {
		struct ll_net_port_attr port0 = {
			.allowed_access = LL_NET_BIND_TCP, .port = 0,
		};

		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_NET_PORT,
			    &port0, 0))
			rc = -errno;
	}
	if (!rc && syscall(SYS_landlock_restrict_self, fd, 0))
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	debug("sandbox: Landlock ABI %d: no filesystem access%s%s%s", abi,
	      attr.handled_access_net ?
	      (p->tcp_bind_eph ? ", TCP bind to port 0 only" :
	       ", no TCP bind") : "",
	      attr.scoped ? ", no abstract UNIX sockets" : "",
	      attr.scoped & LL_SCOPE_SIGNAL ? ", no signals out" : "");
	return abi;
}

/**
 * sb_landlock_reader() - the reader helper's ruleset (reader.c)
 * @dir:	the one directory it reads files beneath
 *
 * Return: the ABI used, 0 without Landlock, or -errno
 */
int sb_landlock_reader(int dir)
{
	struct ll_ruleset_attr attr = { 0 };
	struct ll_path_beneath_attr rd = {
		.allowed_access = LL_FS_READ_FILE, .parent_fd = dir,
	};
	int abi, fd, rc = 0;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LL_CREATE_RULESET_VERSION);
	if (abi <= 0)
		return 0;
	attr.handled_access_fs = ll_fs_all(abi);
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
			  ll_attr_size(abi), 0);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &rd, 0) ||
	    syscall(SYS_landlock_restrict_self, fd, 0))
		rc = -errno;
	close(fd);
	return rc ? rc : abi;
}
