// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim state: allocation failure injection, leak and WARN counters.
 */
#include "dmpt_internal.h"

long dmpt_shim_fail_countdown = -1;
unsigned long dmpt_shim_nr_allocs;
unsigned long dmpt_shim_nr_failed;
long dmpt_shim_live;
unsigned long dmpt_shim_warnings;
bool dmpt_shim_unsafe_free;
int dmpt_shim_tsan_gp;

/*
 * dmpt_shim_alloc_should_fail() - Count an allocation attempt and decide
 * whether to fail it: the attempt that finds the countdown at 0 fails, and
 * the countdown then stays negative (one injected failure per arming).
 */
bool dmpt_shim_alloc_should_fail(void)
{
	long left;

	__atomic_fetch_add(&dmpt_shim_nr_allocs, 1, __ATOMIC_RELAXED);
	left = __atomic_load_n(&dmpt_shim_fail_countdown, __ATOMIC_RELAXED);
	if (left < 0)
		return false;
	__atomic_store_n(&dmpt_shim_fail_countdown, left - 1, __ATOMIC_RELAXED);
	if (left)
		return false;
	__atomic_fetch_add(&dmpt_shim_nr_failed, 1, __ATOMIC_RELAXED);
	return true;
}

void dmpt_shim_warn(const char *file, int line, const char *cond)
{
	__atomic_fetch_add(&dmpt_shim_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}
