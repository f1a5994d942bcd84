// SPDX-License-Identifier: MIT
/* caps.c - the sandbox's capabilities: the documented minimum, or none */
#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sandbox/sb_int.h"

/*
 * DOC: capabilities left after the sandbox, in the user namespace tether
 * runs in (its own, or its target's: none of them counts on the host).
 *
 * passt: none at all.
 *
 * pasta keeps, in the effective and permitted sets only:
 * - CAP_SYS_ADMIN: setns() into the target network namespace from
 *   ns_call() (ns/ns.c), to open the sockets that live there at run time:
 *   spliced loopback connections, the socket pool, listeners that auto
 *   forwarding adds. The kernel asks for it in both the namespace's owner
 *   and our own user namespace. seccomp lets setns() take only that one
 *   fd with CLONE_NEWNET, and allows none of mount, umount2, unshare,
 *   pivot_root, chroot, bpf, ptrace, keyctl...: the capability has
 *   nothing else left to do.
 * - CAP_NET_BIND_SERVICE, only when auto forwarding may bind listeners
 *   inside the namespace at run time: ports below 1024 there.
 * - CAP_NET_ADMIN, only when following the host with --config-net: the
 *   namespace's addresses and routes are changed through the netlink
 *   socket opened there at start-up (the kernel checks the sender's
 *   capability over the namespace at each request). No new socket can
 *   be opened for it: seccomp allows none of AF_NETLINK.
 *
 * The inheritable, ambient and bounding sets are emptied (tether never
 * executes anything once sandboxed, and seccomp forbids execve anyway).
 */

static int cap_bounding_clear(void)
{
	unsigned long c;

	for (c = 0; c <= 63; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break;		/* EINVAL: past the kernel's last one */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			return -errno;
	}
	return 0;
}

int sb_caps_drop(const struct sandbox_profile *p, const char **what)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };
	uint64_t keep = 0;
	int rc;

	if (p->ns_fd >= 0) {
		keep |= 1ULL << CAP_SYS_ADMIN;
		if (p->ns_bind)
			keep |= 1ULL << CAP_NET_BIND_SERVICE;
		if (p->ns_net_admin)
			keep |= 1ULL << CAP_NET_ADMIN;
	}

	*what = "clearing the ambient capability set";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)		/* EINVAL: before Linux 4.3 */
		return -errno;
	*what = "clearing the capability bounding set";
	rc = cap_bounding_clear();
	/* Without CAP_SETPCAP (no user namespace of our own) it stays: with
	 * no new privileges and no execve, it can never be used */
	if (rc && rc != -EPERM)
		return rc;

	/* Keep what we have of those: capset() can't add any */
	*what = "capget";
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	keep &= (uint64_t)data[1].permitted << 32 | data[0].permitted;
	data[0].inheritable = data[1].inheritable = 0;

	*what = "capset";
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
