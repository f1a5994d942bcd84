// SPDX-License-Identifier: MIT
/* fuzz_resolv.c - resolv.conf contents, read through a memfd by path, as
 * conf_dns() reads the host's */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <cmocka.h>
#include <unistd.h>

#include "fuzz.h"
#include "conf/conf_int.h"
#include "../unit/l2test.h"

static struct conf fz_conf;
static char fz_path[64];
static int fz_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_fd = memfd_create("resolv.conf", MFD_CLOEXEC);
	if (fz_fd < 0)
		fz_abort("memfd_create");
	snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fz_fd, 0) || pwrite(fz_fd, data, size, 0) !=
	    (ssize_t)size)
		fz_abort("memfd write");
	t_conf(&fz_conf);
	conf_dns(&fz_conf, fz_path);
	return 0;
}
