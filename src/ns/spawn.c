// SPDX-License-Identifier: MIT
/* spawn.c - the spawned namespace's side: a tiny init, then the command */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "ns/ns_priv.h"

/*
 * DOC: the child is cloned into new network, mount, UTS, IPC and PID
 * namespaces, so it is PID 1 there. PID 1 only gets signals it has a
 * handler for, and its exit kills the whole namespace, so it does not
 * exec the command itself: it acts as a minimal init. It prepares the
 * namespace (private mounts, a fresh /proc, hostname, ping_group_range),
 * waits until tether writes to the release pipe (EOF: tether died, give
 * up), then forks the command as PID 2. From then on it passes on the
 * signals tether forwards (SIGTERM, SIGINT, SIGHUP...), reaps orphans,
 * and when the command ends it exits with the command's status, 128 + N
 * if a signal N killed it, as shells report it.
 *
 * Signals the terminal sends (si_code SI_KERNEL: Ctrl-C, hangup) reach
 * the command directly, as it shares the terminal's foreground process
 * group: those are not passed on again.
 */

#define SPAWN_STACK_BYTES	(256 << 10)	/* clone() fallback, before 5.3 */

static uint8_t spawn_stack[SPAWN_STACK_BYTES] __attribute__((aligned(16)));

/* Signals the init passes on to the command */
static const int spawn_fwd_sigs[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
};

/**
 * struct spawn_arg - what the child needs, copied with its memory
 * @c:		configuration
 * @release_rd:	read end of the release pipe
 * @release_wr:	write end, closed in the child
 */
struct spawn_arg {
	const struct conf *c;
	int release_rd;
	int release_wr;
};

/**
 * ns_write_file() - write @s to the file @path (a /proc or /sys knob)
 * @path:	file, opened for writing (not created)
 * @s:		what to write, in one write()
 *
 * Return: 0, -EIO if short, or -errno
 */
int ns_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(s) ? 0 : -EIO;
}

/* Namespace set-up inside the child: failures are reported, not fatal */
static void spawn_prepare(const struct conf *c)
{
	int rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		warn("cannot make mounts private in the namespace: %s",
		     strerror(errno));
	else if (mount("proc", "/proc", "proc",
		       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		warn("cannot mount /proc in the namespace: %s",
		     strerror(errno));

	if (c->svc.hostname[0] &&
	    sethostname(c->svc.hostname, strlen(c->svc.hostname)))
		warn("cannot set hostname '%s': %s", c->svc.hostname,
		     strerror(errno));

	/* Unprivileged ICMP echo sockets for root here, which is the user */
	rc = ns_write_file("/proc/sys/net/ipv4/ping_group_range", "0 0");
	if (rc && rc != -ENOENT)
		debug("cannot set ping_group_range in the namespace: %s",
		      strerror(-rc));
}

/* Does @file exist, as a path or in some $PATH directory? */
static bool path_has(const char *file)
{
	const char *dirs = getenv("PATH"), *p, *end;
	char path[PATH_MAX];
	struct stat st;

	if (strchr(file, '/'))
		return !stat(file, &st);
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (p = dirs; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(path, sizeof(path), "%.*s/%s",
			 end == p ? 1 : (int)(end - p), end == p ? "." : p,
			 file);
		if (!stat(path, &st))
			return true;
	}
	return false;
}

/* Run the command (or the user's login shell); only returns by exiting */
static void spawn_exec(const struct conf *c)
{
	char *const *argv = c->ns.cmd;
	char arg0[PATH_MAX + 1], shcopy[PATH_MAX];
	char *sh_argv[2] = { arg0, NULL };
	const char *file;
	sigset_t none;
	int sig, e;

	/* tether ignores SIGPIPE and blocks some: the command must not */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (argv && argv[0]) {
		file = argv[0];
		execvp(file, argv);
	} else {
		file = getenv("SHELL");
		if (!file || !file[0])
			file = "/bin/sh";
		/* "-sh": the login shell convention */
		snprintf(shcopy, sizeof(shcopy), "%s", file);
		snprintf(arg0, sizeof(arg0), "-%s", basename(shcopy));
		execv(file, sh_argv);
	}
	e = errno;
	if (e == EACCES && !path_has(file))
		e = ENOENT;	/* only an unreadable $PATH entry said EACCES */
	dprintf(STDERR_FILENO, "%s: cannot run '%s': %s\n",
		program_invocation_short_name, file, strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

static void spawn_noop(int sig)
{
	(void)sig;
}

/* As PID 1: pass on signals, reap everything; exit with @cmd's status */
static void __attribute__((noreturn)) spawn_init_wait(pid_t cmd)
{
	sigset_t set;
	unsigned i;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(spawn_fwd_sigs); i++)
		sigaddset(&set, spawn_fwd_sigs[i]);

	for (;;) {
		siginfo_t si;
		pid_t pid;
		int st;

		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			if (si.si_code != SI_KERNEL)
				kill(cmd, si.si_signo);
			continue;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			if (pid != cmd)
				continue;
			if (WIFSIGNALED(st))
				_exit(128 + WTERMSIG(st));
			_exit(WEXITSTATUS(st));
		}
	}
}

/* Handlers (PID 1 gets nothing without one), then block for sigwaitinfo */
static void spawn_init_signals(void)
{
	struct sigaction sa = { .sa_handler = spawn_noop };
	sigset_t set;
	unsigned i;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaction(SIGCHLD, &sa, NULL);
	for (i = 0; i < ARRAY_SIZE(spawn_fwd_sigs); i++) {
		sigaction(spawn_fwd_sigs[i], &sa, NULL);
		sigaddset(&set, spawn_fwd_sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static void close_from(unsigned lowfd)
{
	int fd;

	if (!syscall(SYS_close_range, lowfd, ~0U, 0))
		return;
	for (fd = (int)lowfd; fd < 1024; fd++)
		close(fd);
}

static int __attribute__((noreturn)) spawn_child(void *p)
{
	const struct spawn_arg *a = p;
	pid_t cmd;
	ssize_t n;
	char b;

	close(a->release_wr);
	/* If tether goes away, the command gets SIGTERM through us */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	spawn_init_signals();
	spawn_prepare(a->c);

	do
		n = read(a->release_rd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(EXIT_FAILURE);	/* tether failed, and said why */
	close(a->release_rd);

	cmd = fork();
	if (cmd < 0) {
		dprintf(STDERR_FILENO, "%s: cannot fork the command: %s\n",
			program_invocation_short_name, strerror(errno));
		_exit(EXIT_FAILURE);
	}
	if (!cmd)
		spawn_exec(a->c);

	/* Whatever tether had open stays with tether */
	close_from(3);
	spawn_init_wait(cmd);
}

/*
 * Fork-like clone into new namespaces: the child goes on with a copy of
 * our stack, as after fork(), which sanitizers understand. Return: as
 * clone(), or -1 with errno ENOSYS before Linux 5.3
 */
static pid_t spawn_clone3(uint64_t flags)
{
#ifdef SYS_clone3
	struct {		/* struct clone_args, version 0 */
		uint64_t flags, pidfd, child_tid, parent_tid;
		uint64_t exit_signal, stack, stack_size, tls;
	} args = { .flags = flags, .exit_signal = SIGCHLD };

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
#else
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/**
 * ns_spawn() - clone the namespace's init (see ns_priv.h)
 * @c:		configuration
 * @release_rd:	read end of the release pipe, for the child
 * @release_wr:	write end, kept by tether
 *
 * Return: the child's pid (dies on failure)
 */
pid_t ns_spawn(const struct conf *c, int release_rd, int release_wr)
{
	int flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
		    CLONE_NEWPID;
	struct spawn_arg a = {
		.c = c, .release_rd = release_rd, .release_wr = release_wr,
	};
	pid_t pid;

	pid = spawn_clone3((uint64_t)flags);
	if (!pid)
		spawn_child(&a);	/* doesn't return */
	if (pid < 0 && errno == ENOSYS)
		pid = clone(spawn_child, spawn_stack + sizeof(spawn_stack),
			    flags | SIGCHLD, &a);
	if (pid < 0)
		die("cannot create the namespaces for the command: %s "
		    "(user namespaces disabled, or a limit reached?)",
		    strerror(errno));
	return pid;
}
