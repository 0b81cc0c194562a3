/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the devmirror command-line tool: commands, the shared options,
 * JSON and human output, progress display.
 */
#ifndef _DEVMIR_CLI_H
#define _DEVMIR_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libdevmirror.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))

/* Exit statuses, as devmirror(1) documents them (sysexits.h values). */
#define CLI_EXIT_OK 0 /* success */
#define CLI_EXIT_FAIL 1 /* an operation or a data check failed */
#define CLI_EXIT_USAGE 2 /* bad command line */
#define CLI_EXIT_NODEV 69 /* no usable device (EX_UNAVAILABLE) */
#define CLI_EXIT_IOERR 74 /* writing the output failed (EX_IOERR) */
#define CLI_EXIT_NOPERM 77 /* may not open the device (EX_NOPERM) */

/*
 * Version of the --json documents' layout: raised when a member changes
 * meaning or goes away, not when one is added.
 */
#define CLI_JSON_SCHEMA 1

/**
 * struct cli_ctx - Options every command shares.
 * @cmd: Name of the running command, for messages.
 * @json: Print one JSON document per result on stdout instead of text.
 * @progress: Draw progress on stderr (only when stderr is a terminal).
 * @argv: The command's arguments (argv[0] the command), for messages.
 * @device: The device the command works on (its render-node path) once
 *	open, or the DEV argument before; NULL for none.
 */
struct cli_ctx {
	const char *cmd;
	bool json;
	bool progress;
	char **argv;
	const char *device;
};

/**
 * struct cli_command - One subcommand.
 * @name: What the user types.
 * @args: Synopsis of its arguments.
 * @summary: One line for the command list.
 * @run: Runs it on argv[0] = @name ...; returns an exit status.
 */
struct cli_command {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
};

extern const struct cli_command cli_cmd_list, cli_cmd_info, cli_cmd_topo,
	cli_cmd_stat, cli_cmd_demo, cli_cmd_migrate, cli_cmd_bench,
	cli_cmd_record, cli_cmd_replay, cli_cmd_trace, cli_cmd_advise;

/*
 * Long options every command accepts (each command's option table lists
 * them: --json, --no-progress, --help); getopt values for cli_common_opt().
 */
#define CLI_OPT_JSON 0x100
#define CLI_OPT_NO_PROGRESS 0x101
#define CLI_OPT_HELP 'h'

/**
 * cli_common_opt() - Handle an option of CLI_COMMON_OPTIONS.
 * @ctx: The context to update.
 * @cmd: The command (for --help).
 * @opt: getopt_long()'s return value.
 *
 * Context: Command-line parsing.
 * Return: -1 if @opt is not a common option, else an exit status to return
 * now (after --help, or '?' for an unknown option) or 0 to continue.
 */
int cli_common_opt(struct cli_ctx *ctx, const struct cli_command *cmd, int opt);

/**
 * cli_usage_error() - Report a bad command line.
 * @ctx: The context.
 * @fmt: printf format of the problem.
 *
 * Context: Command-line parsing.
 * Return: %CLI_EXIT_USAGE.
 */
__printf(2, 3) int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...);

/**
 * cli_fail() - Report a failed library call and pick the exit status.
 * @ctx: The context.
 * @err: The negative errno.
 * @what: What failed ("open device 0", "device read").
 *
 * Prints "devmirror: CMD: WHAT: REASON" and the library's detail on stderr
 * (for -EACCES and -EPERM, how to get access: the "render" group) and,
 * with --json, a document with an "error" member on stdout.
 *
 * Context: Any.
 * Return: %CLI_EXIT_NODEV when there is no usable device (-ENODEV, or
 * -ENOENT from opening), %CLI_EXIT_NOPERM for -EACCES and -EPERM from
 * discovery or opening, else %CLI_EXIT_FAIL.
 */
int cli_fail(struct cli_ctx *ctx, int err, const char *what);

/**
 * cli_trace_fail() - Report a failed trace call (load, save, create).
 * @ctx: The context.
 * @err: The negative errno.
 * @what: What failed ("read the trace").
 *
 * Prints "devmirror: CMD: WHAT: DETAIL" with the library's detail (which
 * names the file and the place in it) and, with --json, an error document
 * of kind "trace".
 *
 * Context: Any.
 * Return: %CLI_EXIT_FAIL.
 */
int cli_trace_fail(struct cli_ctx *ctx, int err, const char *what);

/**
 * cli_output_status() - Whether everything written to stdout arrived.
 * @ctx: The context.
 *
 * Flushes stdout; on an error (a full disk, a closed pipe, /dev/full) says
 * so on stderr once.
 *
 * Context: Any; loops call it after every sample so that a watch stops.
 * Return: 0, or %CLI_EXIT_IOERR.
 */
int cli_output_status(struct cli_ctx *ctx);

/**
 * cli_timestamp() - The time now, for documents and watch lines.
 * @buf: Receives "2026-12-05T04:20:00.123Z" (UTC, ISO 8601).
 * @len: Its size (at least 32).
 *
 * Context: Any.
 * Return: @buf.
 */
const char *cli_timestamp(char *buf, size_t len);

/**
 * cli_parse_size() - Parse "4096", "64K", "8M", "1G".
 * @s: The text.
 * @out: Receives the bytes.
 *
 * Context: Any.
 * Return: 0, or -EINVAL for anything else, zero or an overflow.
 */
int cli_parse_size(const char *s, uint64_t *out);

/**
 * cli_open() - Open the device a DEV argument names.
 * @ctx: The context (for messages).
 * @arg: NULL (device 0), a decimal index, or a render-node path.
 * @devp: Receives the handle.
 *
 * Context: Process context.
 * Return: %CLI_EXIT_OK, or the exit status after reporting the failure.
 */
int cli_open(struct cli_ctx *ctx, const char *arg, struct devmir_dev **devp);

/**
 * cli_human_bytes() - Format a byte count for humans ("8 MiB", "1.5 GiB").
 * @buf: Receives the text.
 * @len: Size of @buf.
 * @bytes: The count.
 *
 * Context: Any.
 * Return: @buf.
 */
const char *cli_human_bytes(char *buf, size_t len, uint64_t bytes);

/**
 * struct cli_json - A streaming JSON writer (one document per line).
 * @out: Where it writes.
 * @depth: Current nesting.
 * @need_comma: Per depth: a value was already written at that depth.
 */
struct cli_json {
	FILE *out;
	int depth;
	bool need_comma[16];
};

/**
 * cli_json_begin() - Start a document on stdout: its object and envelope.
 * @j: The writer.
 * @ctx: The context: command, device.
 *
 * Opens the top-level object and writes what every document carries:
 * "schema_version" (%CLI_JSON_SCHEMA), "tool" ("devmirror"),
 * "tool_version" (the header it was built with), "library_version" (the
 * library it runs with), "command", "device" (render-node path or null)
 * and "timestamp" (UTC, ISO 8601). cli_json_end() closes the object.
 *
 * Context: Any. Members are named by a @key argument inside an object and
 * take NULL inside an array.
 */
void cli_json_begin(struct cli_json *j, const struct cli_ctx *ctx);

/**
 * cli_json_object() - Open an object.
 * @j: The writer.
 * @key: Member name, or NULL.
 *
 * Context: Any; pair with cli_json_close_object().
 */
void cli_json_object(struct cli_json *j, const char *key);

/**
 * cli_json_array() - Open an array.
 * @j: The writer.
 * @key: Member name, or NULL.
 *
 * Context: Any; pair with cli_json_close_array().
 */
void cli_json_array(struct cli_json *j, const char *key);

/**
 * cli_json_close_object() - Close the innermost object.
 * @j: The writer.
 *
 * Context: Any.
 */
void cli_json_close_object(struct cli_json *j);

/**
 * cli_json_close_array() - Close the innermost array.
 * @j: The writer.
 *
 * Context: Any.
 */
void cli_json_close_array(struct cli_json *j);

/**
 * cli_json_str() - Write a string (escaped).
 * @j: The writer.
 * @key: Member name, or NULL.
 * @value: The string; NULL writes "".
 *
 * Context: Any.
 */
void cli_json_str(struct cli_json *j, const char *key, const char *value);

/**
 * cli_json_u64() - Write an unsigned integer.
 * @j: The writer.
 * @key: Member name, or NULL.
 * @value: The value.
 *
 * Context: Any.
 */
void cli_json_u64(struct cli_json *j, const char *key, uint64_t value);

/**
 * cli_json_i64() - Write a signed integer.
 * @j: The writer.
 * @key: Member name, or NULL.
 * @value: The value.
 *
 * Context: Any.
 */
void cli_json_i64(struct cli_json *j, const char *key, int64_t value);

/**
 * cli_json_double() - Write a number; null when it is not finite.
 * @j: The writer.
 * @key: Member name, or NULL.
 * @value: The value.
 *
 * Context: Any.
 */
void cli_json_double(struct cli_json *j, const char *key, double value);

/**
 * cli_json_bool() - Write true or false.
 * @j: The writer.
 * @key: Member name, or NULL.
 * @value: The value.
 *
 * Context: Any.
 */
void cli_json_bool(struct cli_json *j, const char *key, bool value);

/**
 * cli_json_null() - Write null.
 * @j: The writer.
 * @key: Member name, or NULL.
 *
 * Context: Any.
 */
void cli_json_null(struct cli_json *j, const char *key);

/**
 * cli_json_end() - End the document: close its object, a newline, flush.
 * @j: The writer.
 *
 * Context: Any; every object and array opened after cli_json_begin() must
 * be closed.
 */
void cli_json_end(struct cli_json *j);

/**
 * struct cli_stats - One reading of a device's statistics.
 * @dev: The handle it was read from (names and kinds).
 * @n: Number of values (devmir_stat_fields()).
 * @v: The values, in the order of devmir_stat_fields().
 */
struct cli_stats {
	struct devmir_dev *dev;
	unsigned int n;
	uint64_t *v;
};

/**
 * cli_stats_init() - Allocate a reading for a device's statistics.
 * @s: The reading, zeroed (all values 0).
 * @dev: The handle.
 *
 * Context: Any. Pair with cli_stats_fini().
 * Return: 0 or -ENOMEM.
 */
int cli_stats_init(struct cli_stats *s, struct devmir_dev *dev);

/**
 * cli_stats_fini() - Free a reading.
 * @s: The reading (cli_stats_init(), or zeroed).
 */
void cli_stats_fini(struct cli_stats *s);

/**
 * cli_stats_read() - Read every statistic into @s.
 * @s: The reading (cli_stats_init()).
 * @scope: Mirror or device.
 *
 * Context: Process context of the opener.
 * Return: As devmir_stat_read().
 */
int cli_stats_read(struct cli_stats *s, enum devmir_stats_scope scope);

/**
 * cli_stats_delta() - @after - @before into @delta (devmir_stat_delta()).
 * @delta: Receives the difference; may be @after or @before.
 * @after: The later reading.
 * @before: The earlier reading, of the same handle.
 */
void cli_stats_delta(struct cli_stats *delta, const struct cli_stats *after,
		     const struct cli_stats *before);

/**
 * cli_stat_value() - One value of a reading by name, 0 if the device has none.
 * @s: The reading.
 * @name: The statistic.
 *
 * Return: The value.
 */
uint64_t cli_stat_value(const struct cli_stats *s, const char *name);

/**
 * cli_stat_sum() - Sum of the values whose name starts with @prefix
 * (e.g. "table_entries_l": the entries of every level).
 * @s: The reading.
 * @prefix: The prefix.
 *
 * Return: The sum.
 */
uint64_t cli_stat_sum(const struct cli_stats *s, const char *prefix);

/**
 * cli_json_stats() - Write statistics as a JSON object, one member per
 * statistic the device reports, under its name.
 * @j: The writer.
 * @key: Member name or NULL.
 * @s: The reading.
 *
 * Context: Any.
 */
void cli_json_stats(struct cli_json *j, const char *key,
		    const struct cli_stats *s);

/**
 * cli_print_stats() - Print statistics for humans, grouped; statistics
 * the groups do not know (a newer driver's) follow one per line.
 * @s: The reading.
 * @levels: Levels of the device's table format (rows beyond are skipped).
 * @indent: Spaces before each line.
 *
 * Context: Any.
 */
void cli_print_stats(const struct cli_stats *s, unsigned int levels,
		     int indent);

/**
 * struct cli_progress - A progress line on stderr.
 * @label: What is progressing.
 * @total: Units of the whole job.
 * @shown: Last percentage drawn, -1 before the first.
 * @active: Drawing at all (terminal and not --no-progress or --json).
 */
struct cli_progress {
	const char *label;
	uint64_t total;
	int shown;
	bool active;
};

/**
 * cli_progress_begin() - Start a progress line.
 * @p: The progress state.
 * @ctx: CLI options: nothing is drawn with --json or --no-progress, or when
 *	stderr is not a terminal.
 * @label: What is progressing.
 * @total: Units of the whole job.
 *
 * Context: Any; pair with cli_progress_end().
 */
void cli_progress_begin(struct cli_progress *p, const struct cli_ctx *ctx,
			const char *label, uint64_t total);

/**
 * cli_progress_update() - Redraw when the percentage changed.
 * @p: The progress state.
 * @done: Units done.
 *
 * Context: Any.
 */
void cli_progress_update(struct cli_progress *p, uint64_t done);

/**
 * cli_progress_end() - Erase the progress line.
 * @p: The progress state.
 *
 * Context: Any.
 */
void cli_progress_end(struct cli_progress *p);

/**
 * cli_now() - Monotonic time in seconds.
 *
 * Context: Any.
 * Return: The time.
 */
double cli_now(void);

#endif /* _DEVMIR_CLI_H */
