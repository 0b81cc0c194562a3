// SPDX-License-Identifier: MIT
/*
 * cmd_bench.c - devmirror bench: device access rates through the mirror,
 * and the CPU-only NUMA page migration baseline (move_pages).
 *
 * Each measurement is repeated (--reps) and reported with every
 * repetition's sample and their spread (median, minimum, maximum, mean,
 * standard deviation), as text, JSON or CSV. The knobs a benchmark script
 * turns are options: buffer size, fault-ahead window and fault batch (the
 * mirror's policy), transparent huge pages, the NUMA node of the buffers.
 * A measurement that cannot run here is reported as skipped, with the
 * reason. Nothing is asserted: benchmarks measure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "libdevmirror_topo.h"

#define CLI_OPT_SIZE 0x400
#define CLI_OPT_REPS 0x401
#define CLI_OPT_WINDOW 0x402
#define CLI_OPT_BATCH 0x403
#define CLI_OPT_THP 0x404
#define CLI_OPT_NODE 0x405
#define CLI_OPT_CSV 0x406
#define BENCH_BAD_SIZE "bad --size '%s' (whole pages, up to 16G)"
#define BENCH_BAD_REPS "bad --reps '%s' (1-%d)"
#define BENCH_BAD_WINDOW \
	"bad --window '%s' (adaptive, or a power of two from 4K to 2M)"
#define BENCH_BAD_BATCH "bad --batch '%s' (1 to the fault queue's entries)"
#define BENCH_BAD_NODE "bad --node '%s' (a NUMA node number)"
#define BENCH_MAX_REPS 100
#define BENCH_HUGE (2UL << 20)

static const struct option cli_bench_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "size", required_argument, NULL, CLI_OPT_SIZE },
	{ "reps", required_argument, NULL, CLI_OPT_REPS },
	{ "repeat", required_argument, NULL, CLI_OPT_REPS },
	{ "window", required_argument, NULL, CLI_OPT_WINDOW },
	{ "batch", required_argument, NULL, CLI_OPT_BATCH },
	{ "thp", no_argument, NULL, CLI_OPT_THP },
	{ "node", required_argument, NULL, CLI_OPT_NODE },
	{ "csv", no_argument, NULL, CLI_OPT_CSV },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct bench_params - What the command line asked for.
 * @size: Bytes per access (per buffer).
 * @reps: Repetitions of each measurement.
 * @window: Fault-ahead window in bytes, 0 for adaptive, -1 to keep the
 *	device's.
 * @batch: Faults serviced per batch, 0 to keep the device's.
 * @thp: Back the buffers with transparent huge pages (else forbid them).
 * @node: NUMA node of the buffers, -1 for the kernel's choice.
 * @csv: Print CSV rows instead of text.
 */
struct bench_params {
	uint64_t size;
	int reps;
	int64_t window;
	uint32_t batch;
	bool thp;
	int node;
	bool csv;
};

/**
 * struct bench - One measurement's repetitions.
 * @name: Stable name (JSON, CSV).
 * @title: For humans.
 * @seconds: Duration of each repetition.
 * @events: Events of each repetition (faults, pages moved), or 0.
 * @event_name: What @events counts, or NULL.
 * @n: Repetitions done.
 * @skipped: Why the measurement did not run here, or NULL.
 */
struct bench {
	const char *name;
	const char *title;
	double seconds[BENCH_MAX_REPS];
	uint64_t events[BENCH_MAX_REPS];
	const char *event_name;
	int n;
	const char *skipped;
};

/**
 * struct bench_spread - The repetitions of a measurement, summarised.
 * @median: Median duration, seconds.
 * @min: Shortest.
 * @max: Longest.
 * @mean: Mean.
 * @stddev: Sample standard deviation (0 for one repetition).
 * @spread: @stddev relative to @mean, percent.
 */
struct bench_spread {
	double median, min, max, mean, stddev, spread;
};

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_summarise(const struct bench *b, struct bench_spread *s)
{
	double sorted[BENCH_MAX_REPS], sum = 0, sq = 0;
	int i;

	memset(s, 0, sizeof(*s));
	if (!b->n)
		return;
	memcpy(sorted, b->seconds, b->n * sizeof(double));
	qsort(sorted, b->n, sizeof(double), bench_cmp);
	s->median = b->n % 2 ? sorted[b->n / 2] :
			       (sorted[b->n / 2 - 1] + sorted[b->n / 2]) / 2;
	s->min = sorted[0];
	s->max = sorted[b->n - 1];
	for (i = 0; i < b->n; i++)
		sum += b->seconds[i];
	s->mean = sum / b->n;
	for (i = 0; i < b->n; i++)
		sq += (b->seconds[i] - s->mean) * (b->seconds[i] - s->mean);
	s->stddev = b->n > 1 ? sqrt(sq / (b->n - 1)) : 0;
	s->spread = s->mean > 0 ? 100 * s->stddev / s->mean : 0;
}

static double bench_mib_s(uint64_t bytes, double seconds)
{
	return seconds > 0 ? bytes / seconds / (1 << 20) : 0;
}

static void bench_csv_header(void)
{
	printf("name,rep,bytes,seconds,mib_per_s,event,events,median_seconds,stddev_seconds,spread_pct,status\n");
}

static void bench_report(const struct cli_ctx *ctx,
			 const struct bench_params *p, struct cli_json *j,
			 const struct bench *b)
{
	struct bench_spread s;
	int i;

	bench_summarise(b, &s);
	if (ctx->json) {
		cli_json_object(j, NULL);
		cli_json_str(j, "name", b->name);
		if (b->skipped) {
			cli_json_bool(j, "skipped", true);
			cli_json_str(j, "reason", b->skipped);
			cli_json_close_object(j);
			return;
		}
		cli_json_bool(j, "skipped", false);
		cli_json_u64(j, "bytes", p->size);
		cli_json_u64(j, "reps", b->n);
		cli_json_array(j, "samples");
		for (i = 0; i < b->n; i++) {
			cli_json_object(j, NULL);
			cli_json_double(j, "seconds", b->seconds[i]);
			cli_json_double(j, "mib_per_s",
					bench_mib_s(p->size, b->seconds[i]));
			if (b->event_name)
				cli_json_u64(j, "events", b->events[i]);
			cli_json_close_object(j);
		}
		cli_json_close_array(j);
		cli_json_double(j, "median_seconds", s.median);
		cli_json_double(j, "min_seconds", s.min);
		cli_json_double(j, "max_seconds", s.max);
		cli_json_double(j, "mean_seconds", s.mean);
		cli_json_double(j, "stddev_seconds", s.stddev);
		cli_json_double(j, "spread_pct", s.spread);
		cli_json_double(j, "median_mib_per_s",
				bench_mib_s(p->size, s.median));
		if (b->event_name)
			cli_json_str(j, "event", b->event_name);
		cli_json_close_object(j);
		return;
	}
	if (p->csv) {
		if (b->skipped) {
			printf("%s,,,,,,,,,,skipped: %s\n", b->name, b->skipped);
			return;
		}
		for (i = 0; i < b->n; i++)
			printf("%s,%d,%llu,%.9f,%.3f,%s,%llu,%.9f,%.9f,%.2f,ok\n",
			       b->name, i + 1, (unsigned long long)p->size,
			       b->seconds[i],
			       bench_mib_s(p->size, b->seconds[i]),
			       b->event_name ? b->event_name : "",
			       (unsigned long long)b->events[i], s.median,
			       s.stddev, s.spread);
		return;
	}
	if (b->skipped) {
		printf("%-32s skipped: %s\n", b->title, b->skipped);
		return;
	}
	printf("%-32s %9.1f MiB/s  median %8.3f ms  min %8.3f  max %8.3f  sd %5.1f%%\n",
	       b->title, bench_mib_s(p->size, s.median), s.median * 1e3,
	       s.min * 1e3, s.max * 1e3, s.spread);
	printf("%-32s", "  samples (ms)");
	for (i = 0; i < b->n; i++)
		printf(" %.3f", b->seconds[i] * 1e3);
	if (b->event_name && b->n)
		printf("  (%llu %s each)", (unsigned long long)b->events[0],
		       b->event_name);
	printf("\n");
}

/*
 * A fresh buffer of @p->size bytes, touched by the CPU: huge pages or not
 * as asked, moved to @p->node when one was given. NULL on failure.
 */
static uint8_t *bench_map(const struct bench_params *p)
{
	size_t len = p->size + (p->thp ? BENCH_HUGE : 0);
	uint8_t *map, *buf;
	uintptr_t aligned;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	buf = map;
	if (p->thp) {
		/* 2 MiB-aligned, so that whole huge pages back it. */
		aligned = ((uintptr_t)map + BENCH_HUGE - 1) & ~(BENCH_HUGE - 1);
		buf = (uint8_t *)aligned;
		if (buf > map)
			munmap(map, buf - map);
		if (buf + p->size < map + len)
			munmap(buf + p->size, map + len - (buf + p->size));
	}
	madvise(buf, p->size, p->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(buf, 0x5a, p->size);
	if (p->node >= 0 && devmir_numa_move(buf, p->size, p->node, NULL)) {
		munmap(buf, p->size);
		return NULL;
	}
	return buf;
}

/* Device reads and writes of @p->size bytes: cold (faulting) and warm. */
static int bench_device(struct cli_ctx *ctx, const struct bench_params *p,
			struct devmir_dev *dev, struct cli_json *j)
{
	struct bench cold = { .name = "device_read_cold",
			      .title = "device read, cold (faulting)",
			      .event_name = "faults" };
	struct bench warm = { .name = "device_read_warm",
			      .title = "device read, warm (mirrored)" };
	struct bench write = { .name = "device_write_warm",
			       .title = "device write, warm" };
	struct cli_progress prog;
	uint8_t *buf, *out;
	uint64_t faults;
	double t;
	int i, ret = 0;

	out = malloc(p->size);
	if (!out)
		return -ENOMEM;
	cli_progress_begin(&prog, ctx, "device accesses", p->reps);
	for (i = 0; i < p->reps && !ret; i++) {
		buf = bench_map(p);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		t = cli_now();
		ret = devmir_read(dev, buf, out, p->size, &faults);
		cold.seconds[i] = cli_now() - t;
		cold.events[i] = faults;
		if (!ret) {
			t = cli_now();
			ret = devmir_read(dev, buf, out, p->size, NULL);
			warm.seconds[i] = cli_now() - t;
		}
		if (!ret) {
			t = cli_now();
			ret = devmir_write(dev, buf, out, p->size, NULL);
			write.seconds[i] = cli_now() - t;
		}
		munmap(buf, p->size);
		if (!ret) {
			cold.n = i + 1;
			warm.n = i + 1;
			write.n = i + 1;
			cli_progress_update(&prog, i + 1);
		}
	}
	cli_progress_end(&prog);
	free(out);
	bench_report(ctx, p, j, &cold);
	bench_report(ctx, p, j, &warm);
	bench_report(ctx, p, j, &write);
	return ret;
}

/*
 * move_pages(2) of @p->size bytes back and forth between two memory nodes
 * (--node and another, else the first two that can hold the buffer).
 */
static int bench_numa(struct cli_ctx *ctx, const struct bench_params *p,
		      struct cli_json *j)
{
	struct bench move = { .name = "numa_move_pages",
			      .title = "NUMA move_pages (baseline)",
			      .event_name = "pages" };
	int nodes = devmir_numa_nodes(), from = p->node, to = -1, node, i;
	struct cli_progress prog;
	int ret = 0;
	size_t moved;
	void *buf;
	double t;

	/* Nodes that can hold the buffer, probed by allocating. */
	for (node = 0; node < nodes && to < 0; node++) {
		if (node == p->node || devmir_numa_alloc(p->size, node, &buf))
			continue;
		devmir_numa_free(buf, p->size);
		if (from < 0)
			from = node;
		else
			to = node;
	}
	if (nodes < 0)
		move.skipped = "no NUMA support in the kernel";
	else if (to < 0)
		move.skipped = "needs two NUMA nodes with memory for the buffer";
	if (move.skipped)
		goto report;
	ret = devmir_numa_alloc(p->size, from, &buf);
	if (ret)
		goto report;
	cli_progress_begin(&prog, ctx, "move_pages", p->reps);
	for (i = 0; i < p->reps; i++) {
		t = cli_now();
		ret = devmir_numa_move(buf, p->size, i % 2 ? from : to, &moved);
		move.seconds[i] = cli_now() - t;
		move.events[i] = moved;
		if (ret)
			break;
		move.n = i + 1;
		cli_progress_update(&prog, i + 1);
	}
	cli_progress_end(&prog);
	devmir_numa_free(buf, p->size);
report:
	bench_report(ctx, p, j, &move);
	return ret;
}

/* --window: "adaptive" (0) or a power of two in the device's range. */
static int bench_parse_window(const char *arg, int64_t *window)
{
	uint64_t bytes;

	if (!strcmp(arg, "adaptive")) {
		*window = 0;
		return 0;
	}
	if (cli_parse_size(arg, &bytes) || bytes & (bytes - 1) ||
	    bytes < 4096 || bytes > BENCH_HUGE)
		return -EINVAL;
	*window = bytes;
	return 0;
}

/* Apply the policy knobs to the mirror: 0 or an exit status. */
static int bench_policy(struct cli_ctx *ctx, struct devmir_dev *dev,
			const struct bench_params *p)
{
	struct devmir_policy pol = DEVMIR_INIT(pol);
	unsigned int fields = 0;
	int ret;

	if (p->window >= 0) {
		pol.fault_window = p->window;
		fields |= DEVMIR_POLICY_WINDOW;
	}
	if (p->batch) {
		pol.fault_batch = p->batch;
		fields |= DEVMIR_POLICY_BATCH;
	}
	if (!fields)
		return 0;
	ret = devmir_set_policy(dev, fields, &pol);
	if (ret == -EINVAL)
		return cli_usage_error(ctx,
				       "the device refuses this --window or --batch");
	return ret ? cli_fail(ctx, ret, "set policy") : 0;
}

static int bench_parse(struct cli_ctx *ctx, int argc, char **argv,
		       struct bench_params *p)
{
	long value;
	char *end;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_bench_options, NULL)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_SIZE:
			if (cli_parse_size(optarg, &p->size) ||
			    p->size % 4096 || p->size > (1ULL << 34))
				return cli_usage_error(ctx, BENCH_BAD_SIZE,
						       optarg);
			break;
		case CLI_OPT_REPS:
			value = strtol(optarg, &end, 10);
			if (*end || value < 1 || value > BENCH_MAX_REPS)
				return cli_usage_error(ctx, BENCH_BAD_REPS,
						       optarg, BENCH_MAX_REPS);
			p->reps = value;
			break;
		case CLI_OPT_WINDOW:
			if (bench_parse_window(optarg, &p->window))
				return cli_usage_error(ctx, BENCH_BAD_WINDOW,
						       optarg);
			break;
		case CLI_OPT_BATCH:
			value = strtol(optarg, &end, 10);
			if (*end || value < 1 || value > 65536)
				return cli_usage_error(ctx, BENCH_BAD_BATCH,
						       optarg);
			p->batch = value;
			break;
		case CLI_OPT_THP:
			p->thp = true;
			break;
		case CLI_OPT_NODE:
			value = strtol(optarg, &end, 10);
			if (*end || end == optarg || value < 0 ||
			    value > 4095)
				return cli_usage_error(ctx, BENCH_BAD_NODE,
						       optarg);
			p->node = value;
			break;
		case CLI_OPT_CSV:
			p->csv = true;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_bench, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	if (p->csv && ctx->json)
		return cli_usage_error(ctx, "--csv and --json exclude each other");
	if (p->thp && p->size % BENCH_HUGE)
		return cli_usage_error(ctx,
				       "--thp needs a --size of whole 2M pages");
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (p->node >= 0 && devmir_numa_memory(p->node, NULL, NULL))
		return cli_usage_error(ctx, "no NUMA node %d here", p->node);
	return -1;
}

static void bench_json_params(struct cli_json *j, const struct bench_params *p)
{
	cli_json_object(j, "parameters");
	cli_json_u64(j, "size", p->size);
	cli_json_u64(j, "reps", p->reps);
	if (p->window < 0)
		cli_json_null(j, "window");
	else if (!p->window)
		cli_json_str(j, "window", "adaptive");
	else
		cli_json_u64(j, "window", p->window);
	if (p->batch)
		cli_json_u64(j, "batch", p->batch);
	else
		cli_json_null(j, "batch");
	cli_json_bool(j, "thp", p->thp);
	if (p->node >= 0)
		cli_json_i64(j, "node", p->node);
	else
		cli_json_null(j, "node");
	cli_json_close_object(j);
}

static int cli_bench(struct cli_ctx *ctx, int argc, char **argv)
{
	struct bench_params p = {
		.size = 16ULL << 20, .reps = 5, .window = -1, .node = -1,
	};
	struct devmir_dev *dev;
	struct cli_json j;
	char a[32];
	int ret;

	ret = bench_parse(ctx, argc, argv, &p);
	if (ret >= 0)
		return ret;
	ret = cli_open(ctx, optind < argc ? argv[optind] : NULL, &dev);
	if (ret)
		return ret;
	ret = bench_policy(ctx, dev, &p);
	if (ret)
		goto out;

	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_u64(&j, "index", devmir_index(dev));
		bench_json_params(&j, &p);
		cli_json_array(&j, "results");
	} else if (p.csv) {
		bench_csv_header();
	} else {
		printf("devmirror bench: device %u (%s), %s per access, %d repetitions, window %s, %s pages%s\n",
		       devmir_index(dev), devmir_path(dev),
		       cli_human_bytes(a, sizeof(a), p.size), p.reps,
		       p.window < 0 ? "as set" :
		       !p.window    ? "adaptive" :
				      "fixed",
		       p.thp ? "huge" : "4 KiB",
		       p.node >= 0 ? ", buffers on a chosen node" : "");
	}
	ret = bench_device(ctx, &p, dev, &j);
	if (!ret)
		ret = bench_numa(ctx, &p, &j);
	if (ctx->json) {
		cli_json_close_array(&j);
		cli_json_bool(&j, "ok", !ret);
		cli_json_end(&j);
	}
	ret = ret ? cli_fail(ctx, ret, "benchmark") : CLI_EXIT_OK;
out:
	devmir_close(dev);
	return ret;
}

const struct cli_command cli_cmd_bench = {
	.name = "bench",
	.args = "[DEV] [--size BYTES] [--reps N] [--window BYTES|adaptive] "
		"[--batch N] [--thp] [--node N] [--csv]",
	.summary = "measure device access rates and the move_pages baseline",
	.run = cli_bench,
};
