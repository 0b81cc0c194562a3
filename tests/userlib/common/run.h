/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - run a program and capture what it prints, for the CLI tests.
 */
#ifndef _USERLIB_RUN_H
#define _USERLIB_RUN_H

struct json;

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

/**
 * run_prog_dir() - The directory of the running test program, where the
 * CLI and the examples are installed beside it.
 *
 * Context: Test program.
 * Return: The directory ("." if /proc/self/exe cannot be read).
 */
const char *run_prog_dir(void);

/**
 * run_cli() - Run the devmirror CLI of run_prog_dir().
 * @res: Receives the result; release with run_free().
 * @j: NULL, or receives what the CLI printed, parsed as JSON (NULL if it
 *	is not JSON, the reason printed as a TAP comment); release with
 *	json_free().
 * @...: The CLI's arguments (char *), NULL-terminated; at most 22.
 *
 * Context: Test program; waits for the CLI.
 * Return: As run_capture().
 */
int run_cli(struct run_result *res, struct json **j, ...);

/**
 * run_json_u64() - A number of a JSON document, for checks.
 * @j: The document, or NULL.
 * @path: Its path (json_get()).
 *
 * Return: The number, or UINT64_MAX if there is none.
 */
unsigned long long run_json_u64(const struct json *j, const char *path);

#endif /* _USERLIB_RUN_H */
