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
	&cli_cmd_stat, &cli_cmd_demo, &cli_cmd_migrate, &cli_cmd_bench,
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
		"\nexit status: 0 success, 1 failure, 2 usage error, 69 no usable device.\n"
		"See devmirror(1).\n");
}

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
		/* getopt_long() already said what was wrong. */
		fprintf(stderr, "usage: devmirror %s %s\n", cmd->name,
			cmd->args);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "devmirror: %s: ", ctx->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_fail(struct cli_ctx *ctx, int err, const char *what)
{
	const char *detail = devmir_last_error();
	const char *name;
	struct cli_json j;

	/* The detail only belongs to discovery and open failures. */
	if (err != -ENODEV && strncmp(what, "open", 4))
		detail = "";
	fprintf(stderr, "devmirror: %s: %s: %s\n", ctx->cmd, what,
		devmir_strerror(err));
	if (*detail)
		fprintf(stderr, "devmirror: %s: %s\n", ctx->cmd, detail);
	if (ctx->json) {
		name = strerrorname_np(-err);
		cli_json_begin(&j, stdout);
		cli_json_object(&j, NULL);
		cli_json_object(&j, "error");
		cli_json_i64(&j, "errno", -err);
		cli_json_str(&j, "name", name ? name : "");
		cli_json_str(&j, "operation", what);
		cli_json_str(&j, "message", devmir_strerror(err));
		cli_json_str(&j, "detail", detail);
		cli_json_close_object(&j);
		cli_json_close_object(&j);
		cli_json_end(&j);
	}
	return err == -ENODEV ? CLI_EXIT_NODEV : CLI_EXIT_FAIL;
}

int cli_open(struct cli_ctx *ctx, const char *arg, struct devmir_dev **devp)
{
	unsigned long index = 0;
	char what[96];
	char *end;
	int ret;

	if (arg && *arg >= '0' && *arg <= '9') {
		errno = 0;
		index = strtoul(arg, &end, 10);
		if (errno || *end || index > 0xffffffffUL)
			return cli_usage_error(ctx, "bad device index '%s'",
					       arg);
		arg = NULL;
	}
	if (arg) {
		ret = devmir_open_path(arg, devp);
		snprintf(what, sizeof(what), "open %s", arg);
	} else {
		ret = devmir_open(index, devp);
		snprintf(what, sizeof(what), "open device %lu", index);
	}
	return ret ? cli_fail(ctx, ret, what) : CLI_EXIT_OK;
}

static const struct cli_command *cli_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { .cmd = "devmirror", .progress = true };
	const struct cli_command *cmd;
	char progname[32];
	int i;

	/* Global options: everything before the command word. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx.json = true;
			continue;
		}
		if (!strcmp(argv[i], "--no-progress")) {
			ctx.progress = false;
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
		fprintf(stderr, "devmirror: unknown option '%s'\n", argv[i]);
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (i == argc) {
		fprintf(stderr, "devmirror: no command given\n");
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = cli_find(argv[i]);
	if (!cmd) {
		fprintf(stderr, "devmirror: unknown command '%s'\n", argv[i]);
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ctx.cmd = cmd->name;
	/* getopt_long() names argv[0] in its messages: "devmirror CMD". */
	snprintf(progname, sizeof(progname), "devmirror %s", cmd->name);
	argv[i] = progname;
	optind = 1;
	return cmd->run(&ctx, argc - i, argv + i);
}
