// SPDX-License-Identifier: GPL-2.0
/*
 * tap.c - TAP output of the userlib host tests.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static unsigned int tap_count;
static unsigned int tap_failed;

bool tap_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - userlib.%s\n", ok ? "" : "not ", ++tap_count, name);
	if (!ok) {
		tap_failed++;
		if (fmt) {
			printf("# ");
			va_start(ap, fmt);
			vprintf(fmt, ap);
			va_end(ap);
			printf("\n");
		}
	}
	fflush(stdout);
	return ok;
}

void tap_skip(const char *name, const char *why)
{
	printf("ok %u - userlib.%s # SKIP %s\n", ++tap_count, name, why);
	fflush(stdout);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_exit_status(void)
{
	return tap_failed ? 1 : 0;
}
