// SPDX-License-Identifier: GPL-2.0
/*
 * tap.c - the one TAP library of the test programs (see tap.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static unsigned int tap_count;
static unsigned int tap_failures;
static bool tap_cur_failed;
static const char *tap_prefix = "";
static const char *tap_tag;
static pthread_mutex_t tap_lock = PTHREAD_MUTEX_INITIALIZER;

void tap_set_prefix(const char *prefix)
{
	tap_prefix = prefix ? prefix : "";
}

void tap_init(int argc, char **argv, const char *prefix)
{
	int i;

	tap_set_prefix(prefix);
	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--tag"))
			tap_tag = argv[i + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* One result line; @suffix is "" or " # SKIP ...". Return: @ok. */
static bool tap_line(bool ok, const char *name, const char *suffix)
{
	pthread_mutex_lock(&tap_lock);
	if (!ok)
		tap_failures++;
	printf("%sok %u - %s%s%s%s%s\n", ok ? "" : "not ", ++tap_count,
	       tap_prefix, name, tap_tag ? "_" : "", tap_tag ? tap_tag : "",
	       suffix);
	fflush(stdout);
	pthread_mutex_unlock(&tap_lock);
	return ok;
}

void tap_run(const char *name, void (*fn)(void *arg), void *arg)
{
	unsigned long warnings = tap_warnings ? tap_warnings() : 0;

	__atomic_store_n(&tap_cur_failed, false, __ATOMIC_RELAXED);
	fn(arg);
	if (tap_warnings && tap_warnings() != warnings)
		tap_fail(__FILE__, __LINE__, "a warning fired during the test");
	tap_line(!tap_failed(), name, "");
}

bool tap_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!ok && fmt) {
		pthread_mutex_lock(&tap_lock);
		printf("# ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		pthread_mutex_unlock(&tap_lock);
	}
	return tap_line(ok, name, "");
}

void tap_skip(const char *name, const char *reason)
{
	char suffix[256];

	snprintf(suffix, sizeof(suffix), " # SKIP %s", reason);
	tap_line(true, name, suffix);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&tap_lock);
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&tap_lock);
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

void tap_plan(void)
{
	pthread_mutex_lock(&tap_lock);
	printf("1..%u\n", tap_count);
	fflush(stdout);
	pthread_mutex_unlock(&tap_lock);
}

int tap_done(void)
{
	return tap_failures ? 1 : 0;
}
