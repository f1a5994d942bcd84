// SPDX-License-Identifier: MIT
/* test_seccomp.c - the allow-list: what it lets through, what it kills */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox/sb_int.h"

/*
 * Each case runs in a child: it loads the filter of @p, makes one call,
 * and exits 0. The parent reads how it ended: 0, or killed by SIGSYS.
 * (A sanitizer build allows more, so the kill cases are chosen among
 * calls no build allows.)
 */
enum sc_call { SC_GETPID, SC_UNAME, SC_SOCKET_INET6, SC_SOCKET_UNIX,
	       SC_SOCKET_PACKET, SC_SETNS_OTHER, SC_CLONE_FORK, SC_EXECVE,
	       SC_FCNTL_SETPIPE, SC_KILL_OTHER, SC_UNSHARE, SC_FSTAT_PATH,
	       SC_MMAP_GUEST, SC_MMAP_EXEC, SC_MMAP_PRIVATE };

static void sc_make(enum sc_call c, int ns_fd, int memfd)
{
	struct utsname u;
	char *argv[] = { "true", NULL };
	int fd;

	switch (c) {
	case SC_GETPID:		(void)getpid(); break;
	case SC_UNAME:		uname(&u); break;
	case SC_SOCKET_INET6:
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			close(fd);
		break;
	case SC_SOCKET_UNIX:	(void)socket(AF_UNIX, SOCK_DGRAM, 0); break;
	case SC_SOCKET_PACKET:	(void)socket(AF_PACKET, SOCK_RAW, 0); break;
	case SC_SETNS_OTHER:	(void)syscall(SYS_setns, ns_fd + 1, 0); break;
	case SC_CLONE_FORK:	(void)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
				break;
	case SC_EXECVE:		execve("/bin/true", argv, NULL); break;
	case SC_FCNTL_SETPIPE:	(void)fcntl(0, F_SETPIPE_SZ, 65536); break;
	case SC_KILL_OTHER:	(void)kill(1, 0); break;
	case SC_UNSHARE:	(void)unshare(CLONE_NEWNET); break;
	case SC_MMAP_GUEST:	/* as vu_mem.c maps guest memory */
		if (mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, memfd, 0) == MAP_FAILED)
			_exit(101);
		break;
	case SC_MMAP_EXEC:
		(void)mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			   MAP_SHARED | MAP_NORESERVE, memfd, 0);
		break;
	case SC_MMAP_PRIVATE:
		(void)mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_NORESERVE, memfd, 0);
		break;
	case SC_FSTAT_PATH: {
		struct stat st;

		(void)fstatat(AT_FDCWD, "/", &st, 0);
		break;
	}
	}
}

/* Return: 0 if the call returned, else the signal that ended the child */
static int sc_run(const struct sandbox_profile *p, enum sc_call c)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid) {
		int memfd = memfd_create("sc", MFD_CLOEXEC);

		if (memfd < 0 || ftruncate(memfd, 4096))
			_exit(102);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || sb_seccomp(p) < 0)
			_exit(100);
		sc_make(c, p->ns_fd, memfd);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st)) {
		assert_int_equal(WEXITSTATUS(st), 0);
		return 0;
	}
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

static const struct sandbox_profile passt_fd = { .ns_fd = -1 };
static const struct sandbox_profile passt_vu = { .ns_fd = -1,
						 .vhost_user = true };
static const struct sandbox_profile pasta_spawn = {
	.ns_fd = 5, .child = 1, .splice = true, .ns_bind = true,
	.auto_scan = true,
};

/* vhost-user: guest memory, shared and not executable, nothing else
 * (sanitizer builds allow any mmap() for their runtime) */
static void test_vhost_user_maps_guest_memory_only(void **state)
{
	(void)state;
	assert_int_equal(sc_run(&passt_vu, SC_MMAP_GUEST), 0);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
	assert_int_equal(sc_run(&passt_vu, SC_MMAP_EXEC), SIGSYS);
	assert_int_equal(sc_run(&passt_vu, SC_MMAP_PRIVATE), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_MMAP_GUEST), SIGSYS);
#endif
}

static void test_passt_allows_its_calls(void **state)
{
	(void)state;
	assert_int_equal(sc_run(&passt_fd, SC_GETPID), 0);
	assert_int_equal(sc_run(&passt_fd, SC_SOCKET_INET6), 0);
}

static void test_passt_kills_the_rest(void **state)
{
	(void)state;
	assert_int_equal(sc_run(&passt_fd, SC_UNAME), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_EXECVE), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_UNSHARE), SIGSYS);
	/* pasta-only calls */
	assert_int_equal(sc_run(&passt_fd, SC_CLONE_FORK), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_SETNS_OTHER), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_FCNTL_SETPIPE), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_KILL_OTHER), SIGSYS);
}

static void test_socket_families(void **state)
{
	(void)state;
	assert_int_equal(sc_run(&passt_fd, SC_SOCKET_PACKET), SIGSYS);
	assert_int_equal(sc_run(&passt_fd, SC_SOCKET_UNIX), SIGSYS);
	assert_int_equal(sc_run(&pasta_spawn, SC_SOCKET_UNIX), SIGSYS);
}

static void test_pasta_arguments_checked(void **state)
{
	(void)state;
	/* allowed calls, but not with these arguments */
	assert_int_equal(sc_run(&pasta_spawn, SC_SETNS_OTHER), SIGSYS);
	assert_int_equal(sc_run(&pasta_spawn, SC_CLONE_FORK), SIGSYS);
	assert_int_equal(sc_run(&pasta_spawn, SC_KILL_OTHER), 0); /* pid 1 */
	assert_int_equal(sc_run(&pasta_spawn, SC_FCNTL_SETPIPE), 0);
	assert_int_equal(sc_run(&pasta_spawn, SC_FSTAT_PATH), SIGSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passt_allows_its_calls),
		cmocka_unit_test(test_vhost_user_maps_guest_memory_only),
		cmocka_unit_test(test_passt_kills_the_rest),
		cmocka_unit_test(test_socket_families),
		cmocka_unit_test(test_pasta_arguments_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
