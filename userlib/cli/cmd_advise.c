// SPDX-License-Identifier: MIT
/*
 * cmd_advise.c - devmirror advise: set (or clear) range attributes on a
 * buffer of this process and show the ranges the device keeps for it.
 * Range attributes belong to a process's own mirror and end with it, so
 * the command works on a buffer it maps itself; OFFSET and SIZE are bytes
 * into that buffer, and the ranges are shown as offsets into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"

#define CLI_OPT_BUFFER 0x400
#define CLI_OPT_PREFERRED 0x401
#define CLI_OPT_ACCESSED_BY 0x402
#define CLI_OPT_GRANULARITY 0x403
#define CLI_OPT_WINDOW 0x404
#define CLI_OPT_THRASH 0x405
#define CLI_OPT_CLEAR 0x406
#define CLI_OPT_SHOW 0x407

#define ADV_PAGE 4096ULL
#define ADV_MAX_BUFFER (1ULL << 30)
#define ADV_SHOW_MAX 64 /* ranges listed */

static const struct option cli_advise_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "buffer", required_argument, NULL, CLI_OPT_BUFFER },
	{ "preferred", required_argument, NULL, CLI_OPT_PREFERRED },
	{ "accessed-by", no_argument, NULL, CLI_OPT_ACCESSED_BY },
	{ "granularity", required_argument, NULL, CLI_OPT_GRANULARITY },
	{ "window", required_argument, NULL, CLI_OPT_WINDOW },
	{ "thrash", required_argument, NULL, CLI_OPT_THRASH },
	{ "clear", required_argument, NULL, CLI_OPT_CLEAR },
	{ "show", no_argument, NULL, CLI_OPT_SHOW },
	{ NULL, 0, NULL, 0 }
};

/* The names of the attributes, by DEVMIR_ADVISE_* bit. */
static const char *const adv_names[] = {
	"preferred", "accessed-by", "granularity", "window", "thrash",
};

/* "window,thrash" -> DEVMIR_ADVISE_* bits; "all" is every one. 0: bad. */
static unsigned int adv_parse_fields(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int fields = 0, i;

	if (!copy)
		return 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			fields |= DEVMIR_ADVISE_ALL;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(adv_names); i++)
			if (!strcmp(tok, adv_names[i]))
				break;
		if (i == ARRAY_SIZE(adv_names)) {
			fields = 0;
			break;
		}
		fields |= 1U << i;
	}
	free(copy);
	return fields;
}

static void adv_print(const struct devmir_advice_range *r, uintptr_t base)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof(line), "%#14" PRIx64 " %10" PRIu64 "K ",
		     r->addr - base, r->size >> 10);
	if (r->fields & DEVMIR_ADVISE_PREFERRED)
		n += snprintf(line + n, sizeof(line) - n, " preferred=%s",
			      r->preferred == DEVMIR_PREFER_DEVICE ? "device" :
								     "system");
	if (r->fields & DEVMIR_ADVISE_ACCESSED_BY)
		n += snprintf(line + n, sizeof(line) - n, " accessed-by");
	if (r->fields & DEVMIR_ADVISE_GRANULARITY)
		n += snprintf(line + n, sizeof(line) - n, " granularity=%" PRIu64 "K",
			      r->granularity >> 10);
	if (r->fields & DEVMIR_ADVISE_FAULT_WINDOW) {
		if (r->fault_window)
			n += snprintf(line + n, sizeof(line) - n,
				      " window=%" PRIu64 "K", r->fault_window >> 10);
		else
			n += snprintf(line + n, sizeof(line) - n, " window=adaptive");
	}
	if (r->fields & DEVMIR_ADVISE_THRASH)
		snprintf(line + n, sizeof(line) - n, " thrash=%u,%u",
			 r->thrash_rounds, r->thrash_hold_ms);
	printf("%s\n", line);
}

static void adv_json(struct cli_json *j, const struct devmir_advice_range *r,
		     uintptr_t base)
{
	cli_json_object(j, NULL);
	cli_json_u64(j, "offset", r->addr - base);
	cli_json_u64(j, "size", r->size);
	if (r->fields & DEVMIR_ADVISE_PREFERRED)
		cli_json_str(j, "preferred",
			     r->preferred == DEVMIR_PREFER_DEVICE ? "device" : "system");
	if (r->fields & DEVMIR_ADVISE_ACCESSED_BY)
		cli_json_bool(j, "accessed_by", r->accessed_by);
	if (r->fields & DEVMIR_ADVISE_GRANULARITY)
		cli_json_u64(j, "granularity", r->granularity);
	if (r->fields & DEVMIR_ADVISE_FAULT_WINDOW)
		cli_json_u64(j, "fault_window", r->fault_window);
	if (r->fields & DEVMIR_ADVISE_THRASH) {
		cli_json_u64(j, "thrash_rounds", r->thrash_rounds);
		cli_json_u64(j, "thrash_hold_ms", r->thrash_hold_ms);
	}
	cli_json_close_object(j);
}

static int cli_advise(struct cli_ctx *ctx, int argc, char **argv)
{
	struct devmir_advice adv = DEVMIR_INIT(adv);
	struct devmir_advice_range ranges[ADV_SHOW_MAX];
	uint64_t buffer = 4ULL << 20, offset = 0, size = 0, v;
	unsigned int clear = 0, rounds, hold;
	const char *devarg = NULL;
	bool show = false;
	struct devmir_dev *dev;
	struct cli_json j;
	size_t count = 0, i;
	uint8_t *buf;
	int opt, ret, npos;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", cli_advise_options,
				  NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_BUFFER:
			if (cli_parse_size(optarg, &buffer) || !buffer ||
			    buffer % ADV_PAGE || buffer > ADV_MAX_BUFFER)
				return cli_usage_error(ctx,
						       "bad --buffer '%s' (a multiple of 4K, up to 1G)",
						       optarg);
			break;
		case CLI_OPT_PREFERRED:
			adv.fields |= DEVMIR_ADVISE_PREFERRED;
			if (!strcmp(optarg, "system"))
				adv.preferred = DEVMIR_PREFER_SYSTEM;
			else if (!strcmp(optarg, "device"))
				adv.preferred = DEVMIR_PREFER_DEVICE;
			else
				return cli_usage_error(ctx,
						       "bad --preferred '%s' (system or device)",
						       optarg);
			break;
		case CLI_OPT_ACCESSED_BY:
			adv.fields |= DEVMIR_ADVISE_ACCESSED_BY;
			adv.accessed_by = 1;
			break;
		case CLI_OPT_GRANULARITY:
			if (cli_parse_size(optarg, &v))
				return cli_usage_error(ctx, "bad --granularity '%s'",
						       optarg);
			adv.fields |= DEVMIR_ADVISE_GRANULARITY;
			adv.granularity = v;
			break;
		case CLI_OPT_WINDOW:
			if (!strcmp(optarg, "adaptive"))
				v = 0;
			else if (cli_parse_size(optarg, &v) || !v)
				return cli_usage_error(ctx, "bad --window '%s'",
						       optarg);
			adv.fields |= DEVMIR_ADVISE_FAULT_WINDOW;
			adv.fault_window = v;
			break;
		case CLI_OPT_THRASH:
			errno = 0;
			rounds = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end != ',')
				return cli_usage_error(ctx,
						       "bad --thrash '%s' (ROUNDS,HOLD_MS)",
						       optarg);
			hold = strtoul(end + 1, &end, 10);
			if (errno || *end)
				return cli_usage_error(ctx,
						       "bad --thrash '%s' (ROUNDS,HOLD_MS)",
						       optarg);
			adv.fields |= DEVMIR_ADVISE_THRASH;
			adv.thrash_rounds = rounds;
			adv.thrash_hold_ms = hold;
			break;
		case CLI_OPT_CLEAR:
			clear = adv_parse_fields(optarg);
			if (!clear)
				return cli_usage_error(ctx,
						       "bad --clear '%s' (preferred, accessed-by, granularity, window, thrash or all, comma-separated)",
						       optarg);
			break;
		case CLI_OPT_SHOW:
			show = true;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_advise, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	npos = argc - optind;
	if (npos == 3 || npos == 1)
		devarg = argv[optind++];
	if (argc - optind == 2) {
		/* cli_parse_size() refuses 0, a fine offset. */
		if ((strcmp(argv[optind], "0") &&
		     cli_parse_size(argv[optind], &offset)) || offset % ADV_PAGE)
			return cli_usage_error(ctx, "bad OFFSET '%s' (a multiple of 4K)",
					       argv[optind]);
		if (cli_parse_size(argv[optind + 1], &size) || !size ||
		    size % ADV_PAGE)
			return cli_usage_error(ctx, "bad SIZE '%s' (a multiple of 4K)",
					       argv[optind + 1]);
		if (offset >= buffer || size > buffer - offset)
			return cli_usage_error(ctx,
					       "OFFSET + SIZE past the buffer (--buffer)");
	} else if (argc - optind) {
		return cli_usage_error(ctx, "expected [DEV] OFFSET SIZE, or [DEV] --show");
	}
	if (!size && (adv.fields || clear))
		return cli_usage_error(ctx, "attributes need OFFSET and SIZE");
	if (size && !adv.fields && !clear)
		return cli_usage_error(ctx,
				       "nothing to set: --preferred, --accessed-by, --granularity, --window, --thrash or --clear");
	if (!size)
		show = true;

	ret = cli_open(ctx, devarg, &dev);
	if (ret)
		return ret;
	buf = mmap(NULL, buffer, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED) {
		ret = cli_fail(ctx, -errno, "map the buffer");
		goto out_close;
	}
	if (clear) {
		ret = devmir_unadvise(dev, buf + offset, size, clear);
		if (ret) {
			ret = cli_fail(ctx, ret, "clear attributes");
			goto out_unmap;
		}
	}
	if (adv.fields) {
		ret = devmir_advise(dev, buf + offset, size, &adv);
		if (ret) {
			ret = cli_fail(ctx, ret, "set attributes");
			goto out_unmap;
		}
	}
	if (show) {
		ret = devmir_advise_query(dev, buf, buffer, ranges, ADV_SHOW_MAX,
					  sizeof(ranges[0]), &count);
		if (ret) {
			ret = cli_fail(ctx, ret, "query attributes");
			goto out_unmap;
		}
	}
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_str(&j, "path", devmir_path(dev));
		cli_json_u64(&j, "buffer", buffer);
		if (size) {
			cli_json_u64(&j, "offset", offset);
			cli_json_u64(&j, "size", size);
		}
		if (show) {
			cli_json_u64(&j, "count", count);
			cli_json_array(&j, "ranges");
			for (i = 0; i < count && i < ADV_SHOW_MAX; i++)
				adv_json(&j, &ranges[i], (uintptr_t)buf);
			cli_json_close_array(&j);
		}
		cli_json_end(&j);
	} else {
		if (size)
			printf("devmirror advise: %s, bytes %#" PRIx64 "..%#" PRIx64
			       " of a %" PRIu64 "K buffer of this process\n",
			       devmir_path(dev), offset, offset + size, buffer >> 10);
		if (show) {
			printf("%14s %11s  attributes (%zu ranges)\n", "offset",
			       "size", count);
			for (i = 0; i < count && i < ADV_SHOW_MAX; i++)
				adv_print(&ranges[i], (uintptr_t)buf);
		}
	}
	ret = CLI_EXIT_OK;
out_unmap:
	munmap(buf, buffer);
out_close:
	devmir_close(dev);
	return ret;
}

const struct cli_command cli_cmd_advise = {
	.name = "advise",
	.args = "[DEV] OFFSET SIZE [--preferred system|device] [--accessed-by] "
		"[--granularity BYTES] [--window BYTES|adaptive] "
		"[--thrash ROUNDS,HOLD_MS] [--clear FIELDS] [--show] [--buffer BYTES]",
	.summary = "set range attributes on a buffer of this process and show them",
	.run = cli_advise,
};
