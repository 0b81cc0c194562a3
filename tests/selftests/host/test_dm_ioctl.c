// SPDX-License-Identifier: GPL-2.0
/*
 * test_dm_ioctl.c - host test of the selftests' ioctl wrapper: ioctl() is
 * replaced (ld --wrap) by one that fails with a chosen errno a chosen
 * number of times. A leaked -EAGAIN must come back as -EAGAIN after a
 * bounded number of retries, not spin until the suite's timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "devmir_test.h"

static int fail_errno;
static unsigned long fail_left, calls;

int __wrap_ioctl(int fd, unsigned long request, void *arg)
{
	calls++;
	if (fail_left) {
		if (fail_left != ~0UL)
			fail_left--;
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static int n, failed;

static void tap(int ok, const char *name)
{
	printf("%sok %d - helpers.%s\n", ok ? "" : "not ", ++n, name);
	if (!ok)
		failed = 1;
}

int main(void)
{
	int ret;

	/* Without a bound the wrapper never returns: fail instead of hanging. */
	alarm(10);

	fail_errno = EINTR;
	fail_left = 5;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap(ret == 0 && calls == 6, "dm_ioctl_retries_a_few_eintr");

	fail_errno = EAGAIN;
	fail_left = ~0UL;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap(ret == -EAGAIN && calls == 1000, "dm_ioctl_bounds_a_leaked_eagain");

	fail_errno = EINTR;
	fail_left = ~0UL;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap(ret == -EINTR && calls == 1000, "dm_ioctl_bounds_endless_eintr");

	fail_errno = EFAULT;
	fail_left = 1;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap(ret == -EFAULT && calls == 1, "dm_ioctl_returns_other_errnos_at_once");
	printf("1..%d\n", n);
	return failed;
}
