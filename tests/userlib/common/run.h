/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - run a program and capture what it prints, for the CLI tests.
 */
#ifndef _USERLIB_RUN_H
#define _USERLIB_RUN_H

/**
 * struct run_result - What a program did.
 * @status: Its exit status, or -1 if it did not exit normally (killed,
 *	could not be started).
 * @out: Everything it wrote to stdout, NUL-terminated.
 * @err: Everything it wrote to stderr, NUL-terminated.
 */
struct run_result {
	int status;
	char *out;
	char *err;
};

/**
 * run_capture() - Run a program to completion.
 * @res: Receives the result; release with run_free().
 * @env: NULL or a NULL-terminated list of "NAME=VALUE" set in the child
 *	only.
 * @argv: NULL-terminated argument vector; argv[0] is the program's path.
 *
 * Context: Test program; waits for the child.
 * Return: 0, or a negative errno if the child could not be run.
 */
int run_capture(struct run_result *res, char *const env[], char *const argv[]);

/**
 * run_free() - Release a result.
 * @res: The result.
 *
 * Context: Test program.
 */
void run_free(struct run_result *res);

#endif /* _USERLIB_RUN_H */
