/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - the one TAP library of the host and guest test programs: one
 * "ok N - <prefix><name>" or "not ok N - <prefix><name>" line per test,
 * diagnostics on "# " lines. The mirror unit tests (tests/unit/, prefix
 * "unit."), the libdevmirror host tests (tests/userlib/host/, "userlib.")
 * and the stress programs of the selftests (tests/selftests/common/stress.c)
 * all print through it.
 *
 * Two styles share the numbering: tap_run() runs a test function whose
 * CHECK()s record failures; tap_check() reports a test already decided.
 */
#ifndef _TESTS_TAP_H
#define _TESTS_TAP_H

#include <stdbool.h>
#include <stdio.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))
#endif

/**
 * tap_init() - Set the name prefix and parse the common options.
 * @argc: From main().
 * @argv: From main(); "--tag TAG" appends "_TAG" to every test name so that
 *	the same program built with sanitizers reports distinct names.
 * @prefix: Prepended to every test name, e.g. "unit."; NULL for none.
 *
 * Context: Once, at the start of main().
 */
void tap_init(int argc, char **argv, const char *prefix);

/**
 * tap_set_prefix() - Change the prefix of the names that follow.
 * @prefix: The prefix; NULL for none.
 */
void tap_set_prefix(const char *prefix);

/**
 * tap_run() - Run one test function and print its TAP line.
 * @name: Name without the prefix, e.g. "clear_splits_huge_leaf".
 * @fn: The test; it records failures with CHECK() and friends.
 * @arg: Passed to @fn.
 *
 * The test fails if any check failed, or if tap_warnings() (a program may
 * define it, e.g. to count WARN_ON_ONCE() hits of its shim) grew meanwhile.
 *
 * Context: Main thread.
 */
void tap_run(const char *name, void (*fn)(void *arg), void *arg);

/**
 * tap_warnings() - Optional: a program's count of warnings that fail the
 * running tap_run() test when it grows. Weak: undefined means none.
 *
 * Return: The count so far.
 */
unsigned long tap_warnings(void) __attribute__((weak));

/**
 * tap_check() - Report one test whose outcome is known.
 * @ok: Whether it passed.
 * @name: Name without the prefix.
 * @fmt: printf() format of a diagnostic printed when @ok is false, or NULL.
 *
 * Context: Any thread; lines are printed whole.
 * Return: @ok.
 */
__printf(3, 4) bool tap_check(bool ok, const char *name, const char *fmt, ...);

/**
 * tap_skip() - Report a skipped test ("ok N - name # SKIP reason").
 * @name: Name without the prefix.
 * @reason: Why it did not run.
 */
void tap_skip(const char *name, const char *reason);

/**
 * tap_note() - Print a diagnostic line ("# ...").
 * @fmt: printf() format.
 */
__printf(1, 2) void tap_note(const char *fmt, ...);

/**
 * tap_fail() - Record a failed check of the running tap_run() test.
 * @file: Source file of the check.
 * @line: Its line.
 * @what: What failed.
 *
 * Context: Any thread of the running test.
 */
void tap_fail(const char *file, int line, const char *what);

/**
 * tap_failed() - Whether the running tap_run() test has failed so far.
 *
 * Return: True after a failed check.
 */
bool tap_failed(void);

/**
 * tap_plan() - Print the plan line "1..N" for the N tests reported, for
 * programs that print their plan last.
 */
void tap_plan(void);

/**
 * tap_done() - The program's exit status.
 *
 * Return: 0 if every test passed, 1 otherwise.
 */
int tap_done(void);

#define CHECK(cond)                                          \
	do {                                                 \
		if (!(cond))                                 \
			tap_fail(__FILE__, __LINE__, #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                      \
	do {                                                                \
		unsigned long long __a = (unsigned long long)(a);           \
		unsigned long long __b = (unsigned long long)(b);           \
		if (__a != __b) {                                           \
			char __msg[256];                                    \
			snprintf(__msg, sizeof(__msg),                      \
				 "%s == %s: 0x%llx != 0x%llx", #a, #b, __a, \
				 __b);                                      \
			tap_fail(__FILE__, __LINE__, __msg);                \
		}                                                           \
	} while (0)

#endif /* _TESTS_TAP_H */
