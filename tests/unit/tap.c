// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal TAP harness, see tap.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmpt_internal.h"
#include "tap.h"

static int tap_count;
static int tap_failures;
static bool tap_cur_failed;
static const char *tap_tag;

void tap_init(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--tag"))
			tap_tag = argv[i + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void tap_print(bool ok, const char *name, const char *suffix)
{
	printf("%sok %d - unit.%s%s%s%s\n", ok ? "" : "not ", ++tap_count, name,
	       tap_tag ? "_" : "", tap_tag ? tap_tag : "", suffix);
	fflush(stdout);
}

void tap_run(const char *name, void (*fn)(void *arg), void *arg)
{
	unsigned long warnings = dmpt_shim_warnings;

	__atomic_store_n(&tap_cur_failed, false, __ATOMIC_RELAXED);
	fn(arg);
	if (dmpt_shim_warnings != warnings)
		tap_fail(__FILE__, __LINE__, "WARN_ON_ONCE() fired in mirror/");
	if (tap_failed())
		tap_failures++;
	tap_print(!tap_failed(), name, "");
}

void tap_skip(const char *name, const char *reason)
{
	char suffix[256];

	snprintf(suffix, sizeof(suffix), " # SKIP %s", reason);
	tap_print(true, name, suffix);
}

void tap_fail(const char *file, int line, const char *what)
{
	static int printed;

	__atomic_store_n(&tap_cur_failed, true, __ATOMIC_RELAXED);
	/* Enough to diagnose, not enough to drown the log. */
	if (__atomic_fetch_add(&printed, 1, __ATOMIC_RELAXED) < 50)
		printf("# %s:%d: check failed: %s\n", file, line, what);
	fflush(stdout);
}

bool tap_failed(void)
{
	return __atomic_load_n(&tap_cur_failed, __ATOMIC_RELAXED);
}

int tap_done(void)
{
	return tap_failures ? 1 : 0;
}
