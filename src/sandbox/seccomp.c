// SPDX-License-Identifier: MIT
/* seccomp.c - the sandbox's system call allow-list, with reasons */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <seccomp.h>

/* libseccomp's SCMP_A0()... leave the second datum out, and clang says so */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "lib/log.h"
#include "lib/util.h"
#include "sandbox/sb_int.h"

/*
 * DOC: the last stage. A classic BPF filter (built with libseccomp, which
 * checks the architecture first: a system call made through another ABI,
 * i386 or x32, kills) allows the calls below and kills the whole process
 * (SECCOMP_RET_KILL_PROCESS, SIGSYS) on anything else. `make SECCOMP_LOG=1`
 * builds a binary whose filter logs (SECCOMP_RET_LOG: see the audit lines
 * in dmesg) instead of killing, for finding what a new code path needs.
 *
 * Each entry names the configurations it is needed in; a configuration
 * gets only its own. The ones with argument checks follow the table.
 * Every new system call made at run time goes in here, with its reason,
 * in the same commit.
 */

enum sb_need {
	SB_ALL		= 1 << 0,	/* every configuration */
	SB_PASTA	= 1 << 1,	/* enters the namespace (ns_call()) */
	SB_SPAWN	= 1 << 2,	/* pasta: our command's namespace init */
	SB_SPLICE	= 1 << 3,	/* pasta: loopback fast path */
	SB_STREAM	= 1 << 4,	/* passt: -s listening socket */
	SB_AUTO		= 1 << 5,	/* auto forwarding: port scans */
	SB_NSQUIT_PATH	= 1 << 6,	/* pasta: --netns file watched */
	SB_SYSLOG	= 1 << 7,	/* logging to syslog */
	SB_LOGFILE	= 1 << 8,	/* -l */
	SB_SANITIZER	= 1 << 9,	/* ASan/UBSan builds: their runtime */
	SB_BIND_RT	= 1 << 10,	/* listeners added at run time (API) */
	SB_FOLLOW	= 1 << 11,	/* following the host's network */
	SB_VHOST_USER	= 1 << 12,	/* passt --vhost-user: guest memory */
	SB_THREADS	= 1 << 13,	/* more than one loop (loops.c) */
};

/**
 * struct sb_call - one allowed system call
 * @name:	as libseccomp knows it (missing on an architecture: skipped)
 * @need:	configurations that need it (enum sb_need)
 * @why:	reason
 */
struct sb_call {
	const char *name;
	unsigned need;
	const char *why;
};

static const struct sb_call sb_calls[] = {
	/* The loop */
	{ "epoll_wait",	SB_ALL,	"the loop waits for events (loop.c)" },
	{ "epoll_pwait", SB_ALL, "epoll_wait() on architectures without it" },
	{ "epoll_ctl",	SB_ALL,	"adding, changing, removing watched fds" },
	{ "clock_gettime", SB_ALL, "time, where the vDSO falls back" },
	{ "gettimeofday", SB_ALL, "log time stamps, where the vDSO falls back" },
	{ "sched_yield", SB_ALL, "--busy-poll: yield between polls" },
	{ "timerfd_settime", SB_ALL, "TCP retransmission timer wheel" },
	{ "timerfd_gettime", SB_ALL, "TCP timer wheel" },
	{ "restart_syscall", SB_ALL, "kernel: a wait resumed after SIGSTOP" },
	{ "exit_group",	SB_ALL,	"exiting" },
	{ "close",	SB_ALL,	"closing flows' sockets, pipes" },

	/* Frames and flows: the tap, QEMU's socket, host sockets */
	{ "read",	SB_ALL,	"tap frames, timerfd, eventfd, signalfd, inotify" },
	{ "readv",	SB_ALL,	"tap frames into scattered buffers" },
	{ "write",	SB_ALL,	"tap frames, log lines, pcap, eventfd kicks" },
	{ "writev",	SB_ALL,	"frames with headers apart, pcap records" },
	{ "recvfrom",	SB_ALL,	"TCP data, ICMP echo replies, peeks" },
	{ "recvmsg",	SB_ALL,	"UDP with ancillary data, error queues" },
	{ "recvmmsg",	SB_ALL,	"UDP datagrams in batches" },
	{ "sendto",	SB_ALL,	"TCP data, ICMP echo requests, QEMU frames" },
	{ "sendmsg",	SB_ALL,	"UDP, TCP data from frame payloads" },
	{ "sendmmsg",	SB_ALL,	"UDP datagrams in batches" },
	{ "connect",	SB_ALL,	"outbound TCP/UDP flows" },
	{ "bind",	SB_ALL,	"UDP flow sockets, -o's address" },
	{ "listen",	SB_AUTO | SB_BIND_RT, "auto forwarding opens listeners "
				"as it scans; slirp4netns's API adds them" },
	{ "accept4",	SB_ALL,	"forwarded TCP ports (-t, -T); passt: QEMU" },
	{ "shutdown",	SB_ALL,	"TCP half-close" },
	{ "getsockopt",	SB_ALL,	"SO_ERROR of a connect, TCP_INFO windows" },
	{ "setsockopt",	SB_ALL,	"TCP_NODELAY, buffers, IP_RECVERR, TTL" },
	{ "getsockname", SB_ALL, "the local address a flow got" },
	{ "getpeername", SB_ALL, "the peer of an accepted connection" },

	/* Start-up's tail, after the sandbox: pid file, fds 0-2, signals */
	{ "getpid",	SB_ALL,	"the pid file's contents (proc_ready())" },
	{ "dup2",	SB_ALL,	"fds 0-2 to /dev/null once ready" },
	{ "dup3",	SB_ALL,	"dup2() on architectures without it" },

	/* pasta */
	{ "wait4",	SB_PASTA, "reaping ns_call()'s child, and the command" },
	{ "exit",	SB_PASTA | SB_THREADS, "ns_call()'s child ends (clone() "
				"returns); a loop's thread ends" },
	{ "splice",	SB_SPLICE, "loopback data through a pipe, no copy" },
	{ "pipe2",	SB_SPLICE, "a pipe for a spliced connection" },
	{ "lseek",	SB_ALL,	"stdio: a stream's position before its first "
				"use; rewinding /proc/net files for a scan" },
	{ "pread64",	SB_AUTO | SB_LOGFILE | SB_FOLLOW, "reading /proc/net "
				"files from the start; the newest log lines, to "
				"keep; resolv.conf again, following the host" },
	{ "pwrite64",	SB_LOGFILE, "log lines at the end of the log file, "
				"kept ones moved up when it is full" },
	{ "newfstatat",	SB_NSQUIT_PATH, "is the namespace file still there?" },
	{ "fstatat64",	SB_NSQUIT_PATH, "newfstatat() on 32-bit" },
	{ "fstat",	SB_ALL,	"stdio looks at a stream before its first use" },
	{ "ftruncate",	SB_LOGFILE, "the log file after its oldest lines are cut" },

	/* vhost-user: the guest's memory arrives as fds at run time (mmap()
	 * with argument checks, below) */
	{ "munmap",	SB_VHOST_USER | SB_SANITIZER, "vhost-user: guest memory "
				"of a front-end that left, or of a memory "
				"table replaced; ASan: report buffers" },

	/* More than one loop: their threads start once the sandbox is up
	 * (on stacks mapped before it), and lock what they share */
	{ "set_robust_list", SB_THREADS, "a new thread (pthread_create())" },
	{ "rseq",	SB_THREADS, "a new thread registers with the kernel" },
	/* and rt_sigprocmask (threads start with signals blocked), futex
	 * (inbox, log and pause locks), exit (a thread ends): below */

	/* What the sanitizers' runtime does when it reports, so a report
	 * is printed rather than cut short by SIGSYS (not in releases) */
	{ "mmap",	SB_SANITIZER, "ASan: shadow memory, report buffers" },
	{ "mprotect",	SB_SANITIZER, "ASan: guard pages" },
	{ "madvise",	SB_SANITIZER, "ASan: quarantine" },
	{ "openat",	SB_SANITIZER, "ASan: /proc/self/maps (fails: no fs)" },
	{ "readlink",	SB_SANITIZER, "ASan: the binary's path" },
	{ "sigaltstack", SB_SANITIZER, "ASan: its signal stack" },
	{ "rt_sigaction", SB_SANITIZER | SB_THREADS, "ASan: its handlers; "
				"glibc's first pthread_create(): its "
				"cancellation signal's" },
	{ "rt_sigprocmask", SB_SANITIZER | SB_THREADS, "abort_on_error: "
				"abort(); loop threads start with signals "
				"blocked" },
	{ "rt_sigreturn", SB_SANITIZER, "ASan: return from its handler" },
	{ "gettid",	SB_SANITIZER, "abort(): raise()" },
	{ "tgkill",	SB_SANITIZER, "abort(): raise()" },
	{ "futex",	SB_SANITIZER | SB_THREADS, "ASan: its internal locks; "
				"loops: inbox, log and pause locks" },
	{ "sched_getaffinity", SB_SANITIZER, "ASan: CPU count" },
	{ "prctl",	SB_SANITIZER, "ASan: dumpable checks" },
	{ "ioctl",	SB_SANITIZER, "ASan: isatty() for colours" },
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SB_BUILD_NEEDS	SB_SANITIZER
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SB_BUILD_NEEDS	SB_SANITIZER
#endif
#endif
#ifndef SB_BUILD_NEEDS
#define SB_BUILD_NEEDS	0
#endif

#ifdef SECCOMP_LOG
#define SB_DEFAULT	SCMP_ACT_LOG
#else
#define SB_DEFAULT	SCMP_ACT_KILL_PROCESS
#endif

static unsigned sb_needs(const struct sandbox_profile *p)
{
	unsigned n = SB_ALL | SB_BUILD_NEEDS;

	if (p->ns_fd >= 0)
		n |= SB_PASTA;
	if (p->child)
		n |= SB_SPAWN;
	if (p->splice)
		n |= SB_SPLICE;
	if (p->stream)
		n |= SB_STREAM;
	if (p->auto_scan)
		n |= SB_AUTO;
	if (p->nsquit_path)
		n |= SB_NSQUIT_PATH;
	if (p->bind_rt)
		n |= SB_BIND_RT;
	if (p->follow)
		n |= SB_FOLLOW;
	if (p->vhost_user)
		n |= SB_VHOST_USER;
	if (p->threads)
		n |= SB_THREADS;
	if (p->syslog)
		n |= SB_SYSLOG;
	if (p->logfile)
		n |= SB_LOGFILE;
	return n;
}

#define SB_RULE(ctx, name, ...)						\
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(name), \
			 __VA_ARGS__)

/*
 * The calls allowed only with some arguments:
 * - socket(): IPv4 and IPv6 only (flows, the namespace's pool), plus a
 *   UNIX datagram socket when syslog() must reconnect to /dev/log;
 * - fcntl(): flags of QEMU's connection, splice pipes' sizes;
 * - setns(): pasta, into its target network namespace, by its fd only;
 * - clone(): pasta's ns_call(), with exactly its flags: a thread-like
 *   child that shares our memory and fds and enters the namespace;
 * - newfstatat(): fstat() of an open fd (AT_EMPTY_PATH), as glibc's
 *   stdio does before a stream's first use; any path only where the
 *   namespace file is watched;
 * - kill(): pasta spawn, to our command's namespace init only (forwarded
 *   SIGTERM/SIGINT/SIGHUP, and "is it still there?");
 * - mmap(): vhost-user, the guest memory regions the front-end sends:
 *   shared, readable and writable, never executable, from an fd;
 * - clone(): with more than one loop, also a thread, with exactly
 *   pthread_create()'s flags (and clone3() fails with ENOSYS, so that
 *   glibc uses clone()).
 */

/* pthread_create()'s clone() flags (glibc: create_thread()) */
#define SB_CLONE_THREAD	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |	\
			 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
static int sb_args(scmp_filter_ctx ctx, const struct sandbox_profile *p,
		   unsigned need, int *n)
{
	int rc = 0;

#define SB_ADD(call)	do { if (!rc && !(rc = (call))) (*n)++; } while (0)
	SB_ADD(SB_RULE(ctx, "socket", 1, SCMP_A0(SCMP_CMP_EQ, AF_INET)));
	SB_ADD(SB_RULE(ctx, "socket", 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6)));
	if (need & SB_SYSLOG)
		SB_ADD(SB_RULE(ctx, "socket", 1,
			       SCMP_A0(SCMP_CMP_EQ, AF_UNIX)));
	if (need & SB_STREAM) {
		SB_ADD(SB_RULE(ctx, "fcntl", 1, SCMP_A1(SCMP_CMP_EQ, F_GETFL)));
		SB_ADD(SB_RULE(ctx, "fcntl", 1, SCMP_A1(SCMP_CMP_EQ, F_SETFL)));
	}
	if (need & SB_SPLICE) {
		SB_ADD(SB_RULE(ctx, "fcntl", 1,
			       SCMP_A1(SCMP_CMP_EQ, F_GETPIPE_SZ)));
		SB_ADD(SB_RULE(ctx, "fcntl", 1,
			       SCMP_A1(SCMP_CMP_EQ, F_SETPIPE_SZ)));
	}
	if (need & SB_PASTA) {
		SB_ADD(SB_RULE(ctx, "setns", 2,
			       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->ns_fd),
			       SCMP_A1(SCMP_CMP_EQ, CLONE_NEWNET)));
		SB_ADD(SB_RULE(ctx, "clone", 1,
			       SCMP_A0(SCMP_CMP_EQ, CLONE_VM | CLONE_VFORK |
				       CLONE_FILES | SIGCHLD)));
	}
	if (!(need & SB_NSQUIT_PATH))
		SB_ADD(SB_RULE(ctx, "newfstatat", 1,
			       SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH)));
	if (need & SB_VHOST_USER)
		SB_ADD(SB_RULE(ctx, "mmap", 2,
			       SCMP_A2(SCMP_CMP_EQ, PROT_READ | PROT_WRITE),
			       SCMP_A3(SCMP_CMP_EQ, MAP_SHARED | MAP_NORESERVE)));
	if (need & SB_THREADS) {
		SB_ADD(SB_RULE(ctx, "clone", 1,
			       SCMP_A0(SCMP_CMP_EQ, SB_CLONE_THREAD)));
		/* clone3()'s flags are in memory, out of the filter's reach:
		 * glibc falls back to clone() */
		SB_ADD(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       seccomp_syscall_resolve_name("clone3"),
				       0));
	}
	if (need & SB_SPAWN)
		SB_ADD(SB_RULE(ctx, "kill", 1,
			       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->child)));

#undef SB_ADD
	return rc;
}

int sb_seccomp(const struct sandbox_profile *p)
{
	unsigned need = sb_needs(p);
	scmp_filter_ctx ctx;
	int rc = 0, n = 0;
	size_t i;

	ctx = seccomp_init(SB_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	/* A binary tree of syscall numbers: every call made on the data
	 * path pays for the filter (libseccomp 2.5; older: a list) */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (i = 0; i < ARRAY_SIZE(sb_calls) && !rc; i++) {
		int nr = seccomp_syscall_resolve_name(sb_calls[i].name);

		if (!(sb_calls[i].need & need) || nr == __NR_SCMP_ERROR)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		n++;
	}
	if (!rc)
		rc = sb_args(ctx, p, need, &n);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc ? rc : n;
}

/* The reader helper (reader.c): its loop, and nothing else */
static const char *const sb_reader_calls[] = {
	"recvfrom",	/* a request */
	"sendto",	/* the reply */
	"openat",	/* the one file (Landlock: beneath its directory) */
	"read", "close",
	"exit_group", "exit", "rt_sigreturn", "restart_syscall",
};

/**
 * sb_seccomp_reader() - the reader helper's allow-list, killing on
 * anything else (sanitizer builds: their runtime's calls too)
 *
 * Return: calls allowed, or -errno
 */
int sb_seccomp_reader(void)
{
	scmp_filter_ctx ctx = seccomp_init(SB_DEFAULT);
	int rc = 0, n = 0;
	size_t i;

	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(sb_reader_calls) && !rc; i++, n++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				      seccomp_syscall_resolve_name(
					      sb_reader_calls[i]), 0);
	for (i = 0; i < ARRAY_SIZE(sb_calls) && !rc; i++) {
		int nr = seccomp_syscall_resolve_name(sb_calls[i].name);

		size_t j;

		if (!(sb_calls[i].need & SB_BUILD_NEEDS) ||
		    nr == __NR_SCMP_ERROR)
			continue;
		for (j = 0; j < ARRAY_SIZE(sb_reader_calls); j++)
			if (!strcmp(sb_reader_calls[j], sb_calls[i].name))
				break;
		if (j < ARRAY_SIZE(sb_reader_calls))
			continue;	/* there already */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		n++;
	}
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc ? rc : n;
}
