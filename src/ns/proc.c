// SPDX-License-Identifier: MIT
/* proc.c - process life: daemonizing, pid file, dropping to --runas */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/log.h"
#include "ns/proc.h"

/*
 * DOC: the caller (Podman, a shell's $(...)) waits for the first process
 * to exit, and reads its status as "ready or not". proc_daemonize() forks
 * and the parent blocks on a pipe: the child writes one byte from
 * proc_ready() once everything is set up (exit 0), or dies and the pipe
 * reports EOF (exit 1; the child said why on stderr). The child keeps
 * none of the caller's standard fds: they point at /dev/null, so a
 * caller reading our stdout sees EOF when the parent exits.
 */

static int proc_ready_fd = -1;	/* write end of the readiness pipe */
static int proc_null_fd = -1;	/* /dev/null, opened before any sandbox */

/**
 * proc_pidfile_open() - open (create, truncate) -P's file early
 * @p:		process configuration
 *
 * Return: the fd, or -1 if no pid file was asked for (dies on failure)
 */
int proc_pidfile_open(const struct conf_proc *p)
{
	int fd;

	if (!p->pidfile)
		return -1;
	fd = open(p->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die_perror("cannot open PID file %s", p->pidfile);
	return fd;
}

/* Point fds 0-2 at /dev/null (proc_null_fd) */
static void std_fds_null(void)
{
	dup2(proc_null_fd, STDIN_FILENO);
	dup2(proc_null_fd, STDOUT_FILENO);
	dup2(proc_null_fd, STDERR_FILENO);
	if (proc_null_fd > STDERR_FILENO)
		close(proc_null_fd);
	proc_null_fd = -1;
}

/**
 * proc_daemonize() - go to the background; the parent exits once we are
 * ready (0), or once we die (1)
 */
void proc_daemonize(void)
{
	ssize_t n;
	pid_t pid;
	int p[2];
	char b;

	proc_null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (proc_null_fd < 0)
		die_perror("cannot open /dev/null");
	if (pipe2(p, O_CLOEXEC))
		die_perror("pipe2");
	pid = fork();
	if (pid < 0)
		die_perror("fork");
	if (pid) {
		close(p[1]);
		do
			n = read(p[0], &b, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}

	close(p[0]);
	proc_ready_fd = p[1];
	log_detach_prepare();	/* proc_ready() switches to syslog */
	if (setsid() < 0)
		die_perror("setsid");
	/* Until proc_ready(), messages still reach the waiting caller */
}

/**
 * proc_ready() - write our pid to the pid file, tell a waiting parent
 * @pidfile_fd:	from proc_pidfile_open(), or -1
 */
void proc_ready(int pidfile_fd)
{
	char buf[32];
	int n;

	if (pidfile_fd >= 0) {
		n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write(pidfile_fd, buf, (size_t)n) != n)
			die_perror("cannot write the PID file");
		close(pidfile_fd);
	}
	if (proc_ready_fd < 0)
		return;

	log_stderr_off();
	std_fds_null();
	if (write(proc_ready_fd, "1", 1) != 1)
		die_perror("cannot tell the parent we are ready");
	close(proc_ready_fd);
	proc_ready_fd = -1;
}

/* Die for a refused set*id() of @what @id, errno set */
static void runas_die(const char *what, unsigned id, const char *cap)
{
	int e = errno;

	die("cannot switch to %s %u (--runas): %s%s%s%s", what, id,
	    strerror(e), e == EPERM ? " (needs root or " : "",
	    e == EPERM ? cap : "", e == EPERM ? ")" : "");
}

/**
 * proc_runas() - switch to --runas (or nobody when root) if configured
 * @p:		process configuration
 *
 * Called before any namespace is created or joined: a user namespace we
 * create is then owned by the new user, who has all capabilities there
 * and none on the host. Dies with one line if the switch is refused.
 */
void proc_runas(const struct conf_proc *p)
{
	if (!p->runas)
		return;
	/* Fails with EPERM unprivileged, or with setgroups denied */
	if (setgroups(0, NULL) && errno != EPERM)
		die_perror("cannot drop supplementary groups");
	if (setgid(p->gid))
		runas_die("group", (unsigned)p->gid, "CAP_SETGID");
	if (setuid(p->uid))
		runas_die("user", (unsigned)p->uid, "CAP_SETUID");
	/*
	 * A change of credentials makes us non-dumpable: /proc/self would
	 * stay root's, so the new user could neither write a new user
	 * namespace's uid_map nor open the spawned child's /proc/PID/ns.
	 * Be what that user starting us would have been.
	 */
	if (getuid() && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		die_perror("cannot set the dumpable attribute");
	debug("running as %u:%u", (unsigned)p->uid, (unsigned)p->gid);
}

/* The caller's exit fd said so: hung up (its pipe's writer went), or
 * readable */
static void proc_exit_fd_handler(struct loop *lp, union ep_ref ref,
				 uint32_t events)
{
	(void)events;
	loop_del(lp, ref.fd);
	info("exit fd %d: the caller is done, exiting", ref.fd);
	loop_stop(lp, 0);
}

/**
 * proc_exit_fd_watch() - exit once the exit fd is readable or hung up
 * @lp:		loop
 * @p:		process configuration: @exit_fd, -1 for none
 */
void proc_exit_fd_watch(struct loop *lp, const struct conf_proc *p)
{
	int rc;

	if (p->exit_fd < 0)
		return;
	if (fcntl(p->exit_fd, F_GETFD) < 0)
		die("invalid --exit-fd %d: not an open file descriptor",
		    p->exit_fd);
	fcntl(p->exit_fd, F_SETFD, FD_CLOEXEC);
	loop_handler_set(lp, EP_EXIT_FD, proc_exit_fd_handler);
	rc = loop_add(lp, p->exit_fd, EPOLLIN,
		      ep_ref_make(EP_EXIT_FD, p->exit_fd, 0));
	if (rc)
		die("cannot watch --exit-fd %d: %s", p->exit_fd,
		    strerror(-rc));
}

/**
 * proc_ready_tell() - tell the caller we are ready: "1" on the ready fd
 * @p:		process configuration: @ready_fd, -1 for none
 */
void proc_ready_tell(const struct conf_proc *p)
{
	ssize_t n;

	if (p->ready_fd < 0)
		return;
	do
		n = write(p->ready_fd, "1", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die_perror("cannot write to --ready-fd %d", p->ready_fd);
	close(p->ready_fd);
}
