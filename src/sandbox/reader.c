// SPDX-License-Identifier: MIT
/* reader.c - a helper process that reads one file, for a sandboxed tether */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sandbox/sandbox.h"
#include "sandbox/sb_int.h"

/*
 * DOC: following the host, tether must read a resolv.conf that a resolver
 * manager renamed over the old one, long after its own sandbox took every
 * file away. Rather than letting the sandboxed process (the one a guest
 * talks to) read a whole directory such as /etc, a helper does it: forked
 * before the sandbox (and detached: a double fork, so that no SIGCHLD of
 * it ever reaches tether's loop), holding the directory and one end of a
 * SOCK_SEQPACKET pair. For each byte it receives it opens the one name it
 * was given beneath that directory and sends back a status byte and the
 * contents (SB_READER_MAX at most); it parses nothing, and there is no
 * request that makes it read anything else. It confines itself too: no
 * capabilities, no new privileges, Landlock reading beneath the directory
 * only, and a seccomp filter of the few calls its loop makes. It ends
 * when tether's end of the pair closes.
 */

/* The helper's loop; never returns */
static void __attribute__((noreturn)) reader_loop(int sock, int dir,
						   const char *name)
{
	static uint8_t buf[1 + SB_READER_MAX];
	uint8_t req;

	for (;;) {
		ssize_t n = recv(sock, &req, 1, 0);
		size_t len = 0;
		int fd;

		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
		if (n < 0)
			continue;
		buf[0] = 0;
		fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			buf[0] = (uint8_t)(errno > 0 && errno < 256 ? errno : EIO);
		} else {
			while (len < SB_READER_MAX) {
				n = read(fd, buf + 1 + len, SB_READER_MAX - len);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				len += (size_t)n;
			}
			close(fd);
		}
		if (send(sock, buf, 1 + len, MSG_NOSIGNAL) < 0 && errno != EINTR)
			_exit(0);
	}
}

/* In the helper: everything but the two fds closed, then confined */
static void reader_confine(int sock, int dir)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };
	unsigned lo = (unsigned)(sock < dir ? sock : dir);
	unsigned hi = (unsigned)(sock < dir ? dir : sock);
	int fd;

	/* Nobody's output held open (a caller waits for tether's to close,
	 * when it goes to the background), nothing inherited kept: tether's
	 * sockets, the tap, netlink */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(1);
	if ((lo > 3 && close_range(3, lo - 1, 0)) ||
	    (hi > lo + 1 && close_range(lo + 1, hi - 1, 0)) ||
	    close_range(hi + 1, ~0U, 0))
		_exit(1);
	setsid();	/* no terminal's signals: it ends with tether's end */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data))
		_exit(1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    sb_landlock_reader(dir) < 0 || sb_seccomp_reader() < 0)
		_exit(1);
}

/**
 * sandbox_reader() - start the helper that reads @name beneath @dir
 * @dir:	directory
 * @name:	file name in it
 *
 * Return: tether's end of the pair (send one byte, receive a status byte,
 * 0 or an errno, and the contents), or -errno
 */
int sandbox_reader(const char *dir, const char *name)
{
	int sv[2], d, st, rc;
	pid_t pid;

	d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		close(d);
		return rc;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(d);
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	if (!pid) {
		if (fork())	/* the helper is the grandchild, detached */
			_exit(0);
		reader_confine(sv[1], d);
		reader_loop(sv[1], d, name);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(d);
	close(sv[1]);
	return sv[0];
}
