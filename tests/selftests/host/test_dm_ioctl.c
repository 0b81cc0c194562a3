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
#include "tap.h"

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

int main(int argc, char **argv)
{
	int ret;

	tap_init(argc, argv, "helpers.");
	/* Without a bound the wrapper never returns: fail instead of hanging. */
	alarm(10);

	fail_errno = EINTR;
	fail_left = 5;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap_check(ret == 0 && calls == 6, "dm_ioctl_retries_a_few_eintr",
		  "calls %lu", calls);

	fail_errno = EAGAIN;
	fail_left = ~0UL;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap_check(ret == -EAGAIN && calls == 1000, "dm_ioctl_bounds_a_leaked_eagain",
		  "calls %lu", calls);

	fail_errno = EINTR;
	fail_left = ~0UL;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap_check(ret == -EINTR && calls == 1000, "dm_ioctl_bounds_endless_eintr",
		  "calls %lu", calls);

	fail_errno = EFAULT;
	fail_left = 1;
	calls = 0;
	ret = dm_ioctl(3, 0, NULL);
	tap_check(ret == -EFAULT && calls == 1, "dm_ioctl_returns_other_errnos_at_once",
		  "calls %lu", calls);
	tap_plan();
	return tap_done();
}
