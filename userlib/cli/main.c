// SPDX-License-Identifier: MIT
/*
 * main.c - the devmirror command: global options, command dispatch, and the
 * error reporting every command shares.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command *const cli_commands[] = {
	&cli_cmd_list, &cli_cmd_info, &cli_cmd_topo,
	&cli_cmd_stat, &cli_cmd_demo, &cli_cmd_migrate, &cli_cmd_advise,
	&cli_cmd_bench, &cli_cmd_record, &cli_cmd_replay, &cli_cmd_trace,
};

#define CLI_NCOMMANDS ARRAY_SIZE(cli_commands)

static void cli_usage(FILE *out)
{
	unsigned int i;

	fprintf(out,
		"usage: devmirror [--json] [--no-progress] COMMAND [ARGS]\n"
		"       devmirror --version | --help\n\n"
		"Drive devmirror devices (HMM-style device-memory mirroring).\n"
		"DEV is a device index (default 0) or a render-node path.\n\n"
		"commands:\n");
	for (i = 0; i < CLI_NCOMMANDS; i++) {
		const struct cli_command *cmd = cli_commands[i];
		int len = fprintf(out, "  %s %s", cmd->name, cmd->args);

		if (len > 30)
			fprintf(out, "\n%32s%s\n", "", cmd->summary);
		else
			fprintf(out, "%*s%s\n", 32 - len, "", cmd->summary);
	}
	fprintf(out,
		"\noptions (also accepted after the command):\n"
		"  --json          one JSON document per result on stdout\n"
		"  --no-progress   no progress display on stderr\n"
		"\nexit status: 0 success, 1 failure, 2 usage error, 69 no usable device,\n"
		"74 output error, 77 no permission to open the device. See devmirror(1).\n");
}

static const char *cli_bad_option(const struct cli_ctx *ctx);

int cli_common_opt(struct cli_ctx *ctx, const struct cli_command *cmd, int opt)
{
	switch (opt) {
	case CLI_OPT_JSON:
		ctx->json = true;
		return 0;
	case CLI_OPT_NO_PROGRESS:
		ctx->progress = false;
		return 0;
	case CLI_OPT_HELP:
		printf("usage: devmirror %s %s\n  %s\nSee devmirror(1).\n",
		       cmd->name, cmd->args, cmd->summary);
		return CLI_EXIT_OK;
	case '?':
		/* getopt_long() is silent (opterr = 0): one message style. */
		cli_usage_error(ctx,
				"unknown option, or option without its argument: '%s'",
				cli_bad_option(ctx));
		fprintf(stderr, "usage: devmirror %s %s\n", cmd->name,
			cmd->args);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* The argument getopt_long() just refused. */
static const char *cli_bad_option(const struct cli_ctx *ctx)
{
	if (ctx->argv && optind > 0 && ctx->argv[optind - 1])
		return ctx->argv[optind - 1];
	return "?";
}

/* The --json form of a usage error: an "error" document on stdout. */
static void cli_json_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	char message[256];
	struct cli_json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	cli_json_begin(&j, ctx);
	cli_json_object(&j, "error");
	cli_json_str(&j, "kind", "usage");
	cli_json_str(&j, "message", message);
	cli_json_close_object(&j);
	cli_json_u64(&j, "exit_status", CLI_EXIT_USAGE);
	cli_json_end(&j);
}

int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (strcmp(ctx->cmd, "devmirror"))
		fprintf(stderr, "devmirror: %s: %s\n", ctx->cmd, message);
	else
		fprintf(stderr, "devmirror: %s\n", message);
	if (ctx->json)
		cli_json_usage_error(ctx, "%s", message);
	return CLI_EXIT_USAGE;
}

/* How to get access to a render node, for -EACCES and -EPERM. */
#define CLI_HINT_RENDER                                                  \
	"render nodes belong to the \"render\" group: add the user to it " \
	"(usermod -aG render USER) and log in again"

int cli_fail(struct cli_ctx *ctx, int err, const char *what)
{
	bool discovery = !strncmp(what, "open", 4) || !strncmp(what, "list", 4);
	const char *detail = devmir_last_error(), *hint = "";
	int status = CLI_EXIT_FAIL;
	const char *name;
	struct cli_json j;

	/* The detail only belongs to discovery and open failures. */
	if (err != -ENODEV && !discovery)
		detail = "";
	if (err == -ENODEV || (discovery && err == -ENOENT))
		status = CLI_EXIT_NODEV;
	if (discovery && (err == -EACCES || err == -EPERM)) {
		status = CLI_EXIT_NOPERM;
		if (!strstr(detail, "\"render\""))
			hint = CLI_HINT_RENDER;
	}
	fprintf(stderr, "devmirror: %s: %s: %s\n", ctx->cmd, what,
		devmir_strerror(err));
	if (*detail)
		fprintf(stderr, "devmirror: %s: %s\n", ctx->cmd, detail);
	if (*hint)
		fprintf(stderr, "devmirror: %s: %s\n", ctx->cmd, hint);
	if (ctx->json) {
		name = strerrorname_np(-err);
		cli_json_begin(&j, ctx);
		cli_json_object(&j, "error");
		cli_json_str(&j, "kind", "operation");
		cli_json_i64(&j, "errno", -err);
		cli_json_str(&j, "name", name ? name : "");
		cli_json_str(&j, "operation", what);
		cli_json_str(&j, "message", devmir_strerror(err));
		cli_json_str(&j, "detail", detail);
		cli_json_str(&j, "hint", hint);
		cli_json_close_object(&j);
		cli_json_u64(&j, "exit_status", status);
		cli_json_end(&j);
	}
	return status;
}

int cli_open(struct cli_ctx *ctx, const char *arg, struct devmir_dev **devp)
{
	unsigned long index = 0;
	char what[96];
	char *end;
	int ret;

	/*
	 * DEV is an index or a path: a word that is neither (no '/') is a
	 * usage error, not a file name to try.
	 */
	if (arg && *arg >= '0' && *arg <= '9') {
		errno = 0;
		index = strtoul(arg, &end, 10);
		if (errno || *end || index > 0xffffffffUL)
			return cli_usage_error(ctx, "bad device index '%s'",
					       arg);
		arg = NULL;
	} else if (arg && !strchr(arg, '/')) {
		return cli_usage_error(ctx,
				       "unexpected argument '%s' (DEV is a device index or a render-node path)",
				       arg);
	}
	if (arg) {
		ctx->device = arg;
		ret = devmir_open_path(arg, devp);
		snprintf(what, sizeof(what), "open %s", arg);
	} else {
		ret = devmir_open(index, devp);
		snprintf(what, sizeof(what), "open device %lu", index);
	}
	if (ret)
		return cli_fail(ctx, ret, what);
	ctx->device = devmir_path(*devp);
	return CLI_EXIT_OK;
}

static const struct cli_command *cli_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

/* --json anywhere before "--": usage errors are then reported as JSON too. */
static bool cli_wants_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

static int cli_main(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *cmd;
	static char progname[32];
	int i;

	/* Global options: everything before the command word. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx->json = true;
			continue;
		}
		if (!strcmp(argv[i], "--no-progress")) {
			ctx->progress = false;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("devmirror %s (device ABI %d)\n",
			       devmir_version(), DEVMIR_ABI_VERSION);
			return CLI_EXIT_OK;
		}
		cli_usage(stderr);
		return cli_usage_error(ctx, "unknown option '%s'", argv[i]);
	}
	if (i == argc) {
		cli_usage(stderr);
		return cli_usage_error(ctx, "no command given");
	}
	cmd = cli_find(argv[i]);
	if (!cmd) {
		cli_usage(stderr);
		return cli_usage_error(ctx, "unknown command '%s'", argv[i]);
	}
	ctx->cmd = cmd->name;
	/* getopt_long() names argv[0] in its messages: "devmirror CMD". */
	snprintf(progname, sizeof(progname), "devmirror %s", cmd->name);
	argv[i] = progname;
	ctx->argv = argv + i;
	optind = 1;
	opterr = 0;
	return cmd->run(ctx, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { .cmd = "devmirror", .progress = true };
	int ret, out;

	ctx.json = cli_wants_json(argc, argv);
	ret = cli_main(&ctx, argc, argv);
	/* Output that did not arrive is a failure, whatever else happened. */
	out = cli_output_status(&ctx);
	return ret ? ret : out;
}
