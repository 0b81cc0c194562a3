/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP harness for the mirror unit tests: one "ok N - unit.<name>" or
 * "not ok N - unit.<name>" line per test case, diagnostics on "# " lines.
 */
#ifndef _DMPT_TAP_H
#define _DMPT_TAP_H

#include <stdbool.h>

/**
 * tap_init() - Parse the common test-program options.
 * @argc: From main().
 * @argv: From main(); "--tag TAG" appends "_TAG" to every test name so that
 *	the same program built with sanitizers reports distinct names.
 *
 * Context: Once, at the start of main().
 */
void tap_init(int argc, char **argv);

/**
 * tap_run() - Run one test case and print its TAP line.
 * @name: Name without the "unit." prefix, e.g. "clear_splits_huge_leaf".
 * @fn: The test; it records failures with CHECK() and friends.
 * @arg: Passed to @fn.
 *
 * A test fails if any check failed or if WARN_ON_ONCE() fired in mirror/.
 *
 * Context: Main thread.
 */
void tap_run(const char *name, void (*fn)(void *arg), void *arg);

/**
 * tap_skip() - Print an "ok N - unit.<name> # SKIP reason" line.
 * @name: Test name without the prefix.
 * @reason: Why it was skipped.
 *
 * Context: Main thread.
 */
void tap_skip(const char *name, const char *reason);

/**
 * tap_fail() - Record a failed check in the current test.
 * @file: Source file of the check.
 * @line: Line of the check.
 * @what: Description printed as a diagnostic.
 *
 * Context: Any thread (the flag is atomic).
 */
void tap_fail(const char *file, int line, const char *what);

/**
 * tap_done() - Finish the program.
 *
 * Context: End of main().
 * Return: The exit status: 0 if every test passed, 1 otherwise.
 */
int tap_done(void);

/**
 * tap_failed() - Whether the current test has failed so far.
 *
 * Context: Any thread.
 * Return: True after a failed check in the running test.
 */
bool tap_failed(void);

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

#endif /* _DMPT_TAP_H */
