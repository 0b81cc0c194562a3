// SPDX-License-Identifier: MIT
/*
 * cmd_stat.c - devmirror stat: a device's statistics, once or watched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define CLI_OPT_WATCH 0x200
#define CLI_OPT_COUNT 0x201
#define CLI_OPT_RESET 0x202
#define CLI_OPT_MIRROR 0x203
#define CLI_OPT_LATENCY 0x204

/* Histograms the CLI reads at most (the driver has 10). */
#define CLI_LAT_MAX 64

#define STAT_BAD_WATCH "bad --watch interval '%s' (seconds, 0.01-86400)"

/* Shortest interval rates are divided by (seconds). */
#define CLI_STAT_MIN_DT 0.000000001

static const struct option cli_stat_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "watch", optional_argument, NULL, CLI_OPT_WATCH },
	{ "count", required_argument, NULL, CLI_OPT_COUNT },
	{ "reset", no_argument, NULL, CLI_OPT_RESET },
	{ "mirror", no_argument, NULL, CLI_OPT_MIRROR },
	{ "latency", no_argument, NULL, CLI_OPT_LATENCY },
	{ NULL, 0, NULL, 0 }
};

/*
 * Wait @seconds for SIGINT or SIGTERM (in @stop, blocked while watching, so
 * that they end the loop between samples rather than mid-line). Return:
 * true if one arrived.
 */
static bool cli_stat_wait(const sigset_t *stop, double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};
	int sig;

	do {
		sig = sigtimedwait(stop, NULL, &ts);
	} while (sig < 0 && errno == EINTR);
	return sig > 0;
}

/* --watch[=SECONDS]: 1 s by default, 0.01 s to a day. */
static int cli_stat_interval(const char *arg, double *seconds)
{
	char *end;

	*seconds = 1;
	if (!arg)
		return 0;
	*seconds = strtod(arg, &end);
	if (*end || !(*seconds >= 0.01 && *seconds <= 86400))
		return -EINVAL;
	return 0;
}

/*
 * One document: the reading (a watch: the change over @interval seconds,
 * and every counter's rate per second).
 */
static void cli_stat_json(struct cli_ctx *ctx, const struct devmir_dev *dev,
			  const char *scope, const struct cli_stats *st,
			  int sample, double interval)
{
	const struct devmir_stat_field *f;
	struct cli_json j;
	unsigned int i;

	cli_json_begin(&j, ctx);
	cli_json_u64(&j, "index", devmir_index(dev));
	cli_json_str(&j, "scope", scope);
	if (sample >= 0) {
		cli_json_u64(&j, "sample", sample);
		cli_json_double(&j, "interval", interval);
	}
	cli_json_stats(&j, "stats", st);
	if (sample >= 0) {
		devmir_stat_fields(dev, &f, NULL);
		cli_json_object(&j, "rates");
		for (i = 0; i < st->n; i++)
			if (f[i].counter)
				cli_json_double(&j, f[i].name,
						st->v[i] / interval);
		cli_json_close_object(&j);
	}
	cli_json_end(&j);
}

/*
 * One watch line for humans: the time (UTC) and the rates that matter, per
 * second: device accesses and faults, TLB misses, CPU-side invalidations,
 * pages migrated (either way), CPU faults on device pages, evictions.
 */
static void cli_stat_line(const struct cli_stats *d, double dt, int sample)
{
	uint64_t entries = cli_stat_sum(d, "table_entries_l");
	char now[40];

	if (sample % 20 == 0)
		printf("%-12s %9s %9s %9s %9s %9s %9s %9s %9s\n", "time(UTC)",
		       "access/s", "faults/s", "tlbmiss/s", "inval/s",
		       "migr/s", "cpuflt/s", "evict/s", "entries");
	cli_timestamp(now, sizeof(now));
	printf("%-12.12s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9" PRIu64
	       "\n",
	       now + 11, cli_stat_value(d, "accesses") / dt,
	       cli_stat_value(d, "faults") / dt,
	       cli_stat_value(d, "tlb_misses") / dt,
	       cli_stat_value(d, "pages_invalidated") / dt,
	       (cli_stat_value(d, "migrated_to_device") +
		cli_stat_value(d, "migrated_to_system")) / dt,
	       cli_stat_value(d, "ram_faults") / dt,
	       cli_stat_value(d, "evictions") / dt, entries);
}

static int cli_stat_watch(struct cli_ctx *ctx, struct devmir_dev *dev,
			  enum devmir_stats_scope scope, const char *name,
			  double interval, long count)
{
	struct cli_stats before, after, delta;
	int sample, ret, status = CLI_EXIT_OK;
	sigset_t stop, saved;
	double t0, t1, dt;

	ret = cli_stats_init(&before, dev);
	if (!ret)
		ret = cli_stats_init(&after, dev);
	if (!ret)
		ret = cli_stats_init(&delta, dev);
	if (ret)
		goto out;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &saved);
	ret = cli_stats_read(&before, scope);
	t0 = cli_now();
	for (sample = 0; !ret && (count < 0 || sample < count); sample++) {
		if (cli_stat_wait(&stop, interval))
			break;
		ret = cli_stats_read(&after, scope);
		if (ret)
			break;
		t1 = cli_now();
		cli_stats_delta(&delta, &after, &before);
		dt = t1 > t0 ? t1 - t0 : CLI_STAT_MIN_DT;
		if (ctx->json)
			cli_stat_json(ctx, dev, name, &delta, sample, dt);
		else
			cli_stat_line(&delta, dt, sample);
		/* A reader that went away ends the watch. */
		status = cli_output_status(ctx);
		if (status)
			break;
		memcpy(before.v, after.v, after.n * sizeof(*after.v));
		t0 = t1;
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
out:
	cli_stats_fini(&before);
	cli_stats_fini(&after);
	cli_stats_fini(&delta);
	if (ret)
		return cli_fail(ctx, ret, "read statistics");
	return status;
}

/*
 * --latency: the device's latency histograms (libdevmirror 3.1), a line each
 * for humans (samples, mean, median, 99th percentile and largest, in
 * microseconds; the percentiles are bucket tops), the whole histograms in
 * JSON.
 */
static int cli_stat_latency(struct cli_ctx *ctx, struct devmir_dev *dev,
			    enum devmir_stats_scope scope, const char *name,
			    bool reset)
{
	struct devmir_latency *h;
	unsigned int n, i, b;
	struct cli_json j;
	int ret;

	h = calloc(CLI_LAT_MAX, sizeof(*h));
	if (!h)
		return cli_fail(ctx, -ENOMEM, "read latency histograms");
	ret = devmir_latency_read(dev, scope, h, CLI_LAT_MAX, sizeof(*h), &n);
	if (ret) {
		free(h);
		return cli_fail(ctx, ret, "read latency histograms");
	}
	if (n > CLI_LAT_MAX)
		n = CLI_LAT_MAX;
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_u64(&j, "index", devmir_index(dev));
		cli_json_str(&j, "scope", name);
		cli_json_u64(&j, "bucket_base_ns", 1);
		cli_json_array(&j, "latency");
		for (i = 0; i < n; i++) {
			cli_json_object(&j, NULL);
			cli_json_str(&j, "name", h[i].name);
			cli_json_u64(&j, "count", h[i].count);
			cli_json_u64(&j, "sum_ns", h[i].sum_ns);
			cli_json_u64(&j, "max_ns", h[i].max_ns);
			cli_json_u64(&j, "p50_ns", devmir_latency_quantile(&h[i], 0.5));
			cli_json_u64(&j, "p99_ns", devmir_latency_quantile(&h[i], 0.99));
			cli_json_array(&j, "buckets");
			for (b = 0; b < DEVMIR_LATENCY_BUCKETS; b++)
				cli_json_u64(&j, NULL, h[i].buckets[b]);
			cli_json_close_array(&j);
			cli_json_close_object(&j);
		}
		cli_json_close_array(&j);
		cli_json_end(&j);
	} else {
		printf("devmirror device %u (%s), %s latency%s (us; p50, p99: log2 bucket tops):\n",
		       devmir_index(dev), devmir_path(dev), name,
		       reset ? " (just reset)" : "");
		printf("  %-16s %10s %10s %10s %10s %10s\n", "histogram", "samples",
		       "mean", "p50", "p99", "max");
		for (i = 0; i < n; i++) {
			double mean = h[i].count ?
				(double)h[i].sum_ns / (double)h[i].count : 0;

			printf("  %-16s %10" PRIu64 " %10.1f %10.1f %10.1f %10.1f\n",
			       h[i].name, h[i].count, mean / 1e3,
			       devmir_latency_quantile(&h[i], 0.5) / 1e3,
			       devmir_latency_quantile(&h[i], 0.99) / 1e3,
			       h[i].max_ns / 1e3);
		}
	}
	free(h);
	return CLI_EXIT_OK;
}

static int cli_stat(struct cli_ctx *ctx, int argc, char **argv)
{
	enum devmir_stats_scope scope = DEVMIR_STATS_DEVICE;
	double interval = 0;
	bool reset = false, latency = false;
	struct cli_stats st = { 0 };
	struct devmir_info info = DEVMIR_INIT(info);
	struct devmir_dev *dev;
	long count = -1;
	const char *name;
	char *end;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_stat_options, NULL)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_WATCH:
			if (cli_stat_interval(optarg, &interval))
				return cli_usage_error(ctx, STAT_BAD_WATCH,
						       optarg);
			break;
		case CLI_OPT_COUNT:
			count = strtol(optarg, &end, 10);
			if (*end || count < 1)
				return cli_usage_error(ctx, "bad --count '%s'",
						       optarg);
			break;
		case CLI_OPT_RESET:
			reset = true;
			break;
		case CLI_OPT_MIRROR:
			scope = DEVMIR_STATS_MIRROR;
			break;
		case CLI_OPT_LATENCY:
			latency = true;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_stat, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (count > 0 && !interval)
		return cli_usage_error(ctx, "--count needs --watch");
	if (latency && interval)
		return cli_usage_error(ctx, "--latency does not combine with --watch");
	name = scope == DEVMIR_STATS_DEVICE ? "device" : "mirror";

	ret = cli_open(ctx, optind < argc ? argv[optind] : NULL, &dev);
	if (ret)
		return ret;
	ret = devmir_get_info(dev, &info);
	if (ret) {
		ret = cli_fail(ctx, ret, "get info");
		goto out;
	}
	if (reset) {
		ret = devmir_reset_stats(dev, scope);
		if (ret) {
			ret = cli_fail(ctx, ret, "reset statistics");
			goto out;
		}
	}
	if (interval) {
		ret = cli_stat_watch(ctx, dev, scope, name, interval, count);
		goto out;
	}
	if (latency) {
		ret = cli_stat_latency(ctx, dev, scope, name, reset);
		goto out;
	}

	ret = cli_stats_init(&st, dev);
	if (!ret)
		ret = cli_stats_read(&st, scope);
	if (ret) {
		ret = cli_fail(ctx, ret, "read statistics");
		goto out;
	}
	if (ctx->json) {
		cli_stat_json(ctx, dev, name, &st, -1, 0);
	} else {
		printf("devmirror device %u (%s), %s statistics%s:\n",
		       info.index, devmir_path(dev), name,
		       reset ? " (just reset)" : "");
		cli_print_stats(&st, info.levels, 2);
	}
	ret = CLI_EXIT_OK;
out:
	cli_stats_fini(&st);
	devmir_close(dev);
	return ret;
}

const struct cli_command cli_cmd_stat = {
	.name = "stat",
	.args = "[DEV] [--watch[=SECONDS]] [--count N] [--reset] [--mirror] [--latency]",
	.summary = "device statistics, once or every SECONDS",
	.run = cli_stat,
};
