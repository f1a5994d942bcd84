// SPDX-License-Identifier: MIT
/* sandbox.c - the stages of tether's confinement, in order */
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/userns.h"
#include "sandbox/sandbox.h"
#include "sandbox/sb_int.h"

/*
 * DOC: the guest is untrusted, and tether reads every byte it sends. So
 * once everything the loop needs is open (the tap or QEMU's socket, the
 * pcap and log files, the pid file, the namespace's fd, /proc/net files
 * and sock_diag for auto forwarding, listeners, timers), and before the
 * first frame is read, tether takes away all it doesn't need, in this
 * order (each stage needs the previous ones' rights, or protects them):
 *
 *  0. at start, every inherited fd but 0-2 and -F's is closed, and
 *     everything tether opens is close-on-exec (sandbox_close_inherited());
 *     started as root, it has already switched to --runas or nobody
 *     (ns/proc.c), before any namespace;
 *  1. passt only: a user namespace of its own (pasta is in its target's,
 *     or in the one it made for its command);
 *  2. a mount namespace with an empty, read-only root (fs.c);
 *  3. no core dumps (they would hold guest traffic): RLIMIT_CORE 0 and
 *     not dumpable, which also keeps same-user processes from ptrace();
 *  4. capabilities down to the documented minimum (caps.c);
 *  5. no new privileges;
 *  6. Landlock (landlock.c): best ABI, skipped where the kernel has none;
 *  7. seccomp (seccomp.c): an allow-list per configuration, last.
 *
 * --no-sandbox skips 1-7, for debugging only, and says so.
 */

static bool kept(long fd, const int *keep, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (keep[i] >= 0 && fd == keep[i])
			return true;
	}
	return false;
}

void sandbox_close_inherited(const int *keep, int n)
{
	DIR *d;
	struct dirent *e;
	int dfd;

	/* close_range() would be one call, but keeping one fd means two,
	 * and Linux 5.9: /proc/self/fd works everywhere we run */
	d = opendir("/proc/self/fd");
	if (!d) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			if (!kept(fd, keep, n))
				close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || fd < 3 || kept(fd, keep, n) || fd == dfd)
			continue;
		close((int)fd);
	}
	closedir(d);
}

#ifdef TETHER_SANDBOX_TEST
#include <fcntl.h>
#include <sys/utsname.h>
/*
 * Test-only (make SANDBOX_TEST=1), for tests/integ/test_sandbox.py:
 * TETHER_SANDBOX_TEST=landlock opens a file through a directory fd kept
 * from before the sandbox (which only Landlock can stop: the fd reaches
 * the old root) and says what happened; =seccomp makes a call outside
 * the allow-list, which must kill us.
 */
static const char *sb_test(void)
{
	const char *t = getenv("TETHER_SANDBOX_TEST");

	return t ? t : "";
}

static int sb_test_root = -1;

static void sb_test_before(void)
{
	if (!strcmp(sb_test(), "landlock"))
		sb_test_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void sb_test_landlock(void)
{
	int fd;

	if (sb_test_root < 0)
		return;
	fd = openat(sb_test_root, "etc/passwd", O_RDONLY | O_CLOEXEC);
	warn("sandbox test: open /etc/passwd through a kept fd: %s",
	     fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);
	close(sb_test_root);
}

static void sb_test_seccomp(void)
{
	struct utsname u;

	if (strcmp(sb_test(), "seccomp"))
		return;
	warn("sandbox test: calling uname()");
	uname(&u);
	warn("sandbox test: uname() returned: the filter let it through");
}
#else
static void sb_test_before(void) { }
static void sb_test_landlock(void) { }
static void sb_test_seccomp(void) { }
#endif

static void sb_die(const char *stage, const char *what, int rc)
{
	die("sandbox: %s: %s: %s (run with --no-sandbox only to debug)",
	    stage, what, strerror(-rc));
}

void sandbox_enter(const struct sandbox_profile *p)
{
	const struct rlimit nocore = { 0, 0 };
	const char *what = "";
	int rc;

	if (p->off) {
		warn("sandbox off (--no-sandbox): tether runs with all of "
		     "this user's rights");
		return;
	}
	/* Time zone rules for syslog's time stamps, while files exist */
	tzset();
	sb_test_before();

	if (p->own_userns &&
	    (rc = userns_new(geteuid(), getegid(), &what)))
		sb_die("user namespace", what, rc);
	if ((rc = sb_fs_empty_root(&what, p->chroot_fallback)))
		sb_die("empty root", what, rc);

	if (setrlimit(RLIMIT_CORE, &nocore) ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		sb_die("no core dumps", "setrlimit/prctl", -errno);
	if ((rc = sb_caps_drop(p, &what)))
		sb_die("capabilities", what, rc);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		sb_die("no new privileges", "prctl", -errno);
	if ((rc = sb_landlock(p)) < 0)
		sb_die("Landlock", "landlock_restrict_self", rc);
	sb_test_landlock();
	if ((rc = sb_seccomp(p)) < 0)
		sb_die("seccomp", "loading the filter", rc);
	debug("sandbox: empty root, %s%s, seccomp allows %d calls",
	      p->ns_fd >= 0 ? "CAP_SYS_ADMIN kept for setns()" :
	      "no capabilities", p->ns_fd >= 0 && p->ns_net_admin ?
	      ", CAP_NET_ADMIN for the namespace's addresses" : "", rc);
	sb_test_seccomp();
}
