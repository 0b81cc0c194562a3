/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - TAP output of the userlib host tests: "ok N - userlib.NAME".
 */
#ifndef _USERLIB_TAP_H
#define _USERLIB_TAP_H

#include <stdbool.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))

/**
 * tap_check() - Report one test.
 * @ok: Whether it passed.
 * @name: Its name (area_behaviour); the "userlib." prefix is added.
 * @fmt: printf format of a diagnostic printed when it failed, or NULL.
 *
 * Context: Test program.
 * Return: @ok.
 */
__printf(3, 4) bool tap_check(bool ok, const char *name, const char *fmt, ...);

/**
 * tap_skip() - Report a test that cannot run here.
 * @name: Its name.
 * @why: The reason.
 *
 * Context: Test program.
 */
void tap_skip(const char *name, const char *why);

/**
 * tap_note() - Print a "# " diagnostic line.
 * @fmt: printf format.
 *
 * Context: Test program.
 */
__printf(1, 2) void tap_note(const char *fmt, ...);

/**
 * tap_exit_status() - Exit status of the program so far.
 *
 * Context: Test program.
 * Return: 0 if no test failed, 1 otherwise.
 */
int tap_exit_status(void);

#endif /* _USERLIB_TAP_H */
