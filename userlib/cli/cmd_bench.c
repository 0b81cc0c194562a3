// SPDX-License-Identifier: MIT
/*
 * cmd_bench.c - devmirror bench: device access rates through the mirror,
 * and the CPU-only NUMA page migration baseline (move_pages).
 *
 * A first set of measurements; the migration benchmarks add theirs here.
 * Each measurement is repeated and reported as the median and the best of
 * the repetitions. Nothing is asserted: benchmarks measure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "libdevmirror_topo.h"

#define CLI_OPT_SIZE 0x400
#define CLI_OPT_REPEAT 0x401
#define BENCH_BAD_SIZE "bad --size '%s' (whole pages, up to 16G)"
#define BENCH_BAD_REPEAT "bad --repeat '%s' (1-%d)"
#define BENCH_MAX_REPEAT 100

static const struct option cli_bench_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "size", required_argument, NULL, CLI_OPT_SIZE },
	{ "repeat", required_argument, NULL, CLI_OPT_REPEAT },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct bench - One measurement's repetitions.
 * @name: Stable name (JSON).
 * @title: For humans.
 * @seconds: Duration of each repetition.
 * @events: Events of each repetition (faults, pages moved), or 0.
 * @n: Repetitions done.
 */
struct bench {
	const char *name;
	const char *title;
	double seconds[BENCH_MAX_REPEAT];
	uint64_t events[BENCH_MAX_REPEAT];
	int n;
};

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_report(struct cli_ctx *ctx, struct cli_json *j,
			 const struct bench *b, uint64_t bytes,
			 const char *event_name)
{
	double sorted[BENCH_MAX_REPEAT], median, best;
	uint64_t events = 0;
	int i;

	if (!b->n)
		return;
	memcpy(sorted, b->seconds, b->n * sizeof(double));
	qsort(sorted, b->n, sizeof(double), bench_cmp);
	median = sorted[b->n / 2];
	best = sorted[0];
	for (i = 0; i < b->n; i++)
		events += b->events[i];
	events /= b->n;

	if (ctx->json) {
		cli_json_object(j, NULL);
		cli_json_str(j, "name", b->name);
		cli_json_u64(j, "bytes", bytes);
		cli_json_u64(j, "repeat", b->n);
		cli_json_double(j, "median_seconds", median);
		cli_json_double(j, "best_seconds", best);
		cli_json_double(j, "median_mib_per_s",
				bytes / median / (1 << 20));
		if (event_name) {
			cli_json_str(j, "event", event_name);
			cli_json_u64(j, "events", events);
			cli_json_double(j, "median_us_per_event",
					events ? median * 1e6 / events : 0);
		}
		cli_json_close_object(j);
		return;
	}
	printf("%-34s %9.1f MiB/s  median %8.3f ms  best %8.3f ms", b->title,
	       bytes / median / (1 << 20), median * 1e3, best * 1e3);
	if (event_name && events)
		printf("  %llu %s, %.2f us each", (unsigned long long)events,
		       event_name, median * 1e6 / events);
	printf("\n");
}

static void *bench_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	return p;
}

/* Device reads and writes of @size bytes: cold (faulting) and warm. */
static int bench_device(struct cli_ctx *ctx, struct devmir_dev *dev,
			struct cli_json *j, size_t size, int repeat)
{
	struct bench cold = { .name = "device_read_cold",
			      .title = "device read, cold (faulting)" };
	struct bench warm = { .name = "device_read_warm",
			      .title = "device read, warm (mirrored)" };
	struct bench write = { .name = "device_write_warm",
			       .title = "device write, warm" };
	struct cli_progress prog;
	uint8_t *buf, *out;
	uint64_t faults;
	double t;
	int i, ret = 0;

	out = malloc(size);
	if (!out)
		return -ENOMEM;
	cli_progress_begin(&prog, ctx, "device accesses", repeat);
	for (i = 0; i < repeat && !ret; i++) {
		buf = bench_map(size);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		t = cli_now();
		ret = devmir_read(dev, buf, out, size, &faults);
		cold.seconds[i] = cli_now() - t;
		cold.events[i] = faults;
		if (!ret) {
			t = cli_now();
			ret = devmir_read(dev, buf, out, size, NULL);
			warm.seconds[i] = cli_now() - t;
		}
		if (!ret) {
			t = cli_now();
			ret = devmir_write(dev, buf, out, size, NULL);
			write.seconds[i] = cli_now() - t;
		}
		munmap(buf, size);
		if (!ret) {
			cold.n = i + 1;
			warm.n = i + 1;
			write.n = i + 1;
			cli_progress_update(&prog, i + 1);
		}
	}
	cli_progress_end(&prog);
	free(out);
	bench_report(ctx, j, &cold, size, "faults");
	bench_report(ctx, j, &warm, size, NULL);
	bench_report(ctx, j, &write, size, NULL);
	return ret;
}

/* move_pages(2) of @size bytes between the first two memory nodes. */
static int bench_numa(struct cli_ctx *ctx, struct cli_json *j, size_t size,
		      int repeat)
{
	struct bench move = { .name = "numa_move_pages",
			      .title = "NUMA move_pages (baseline)" };
	int nodes = devmir_numa_nodes(), from = -1, to = -1, node, i, ret;
	struct cli_progress prog;
	size_t moved;
	void *buf;
	double t;

	/* Two nodes that can hold @size each, probed by allocating. */
	for (node = 0; node < nodes && to < 0; node++) {
		if (devmir_numa_alloc(size, node, &buf))
			continue;
		devmir_numa_free(buf, size);
		if (from < 0)
			from = node;
		else
			to = node;
	}
	if (to < 0) {
		if (!ctx->json)
			printf("%-34s skipped: needs two NUMA nodes with memory\n",
			       move.title);
		return 0;
	}
	ret = devmir_numa_alloc(size, from, &buf);
	if (ret)
		return ret;
	cli_progress_begin(&prog, ctx, "move_pages", repeat);
	for (i = 0; i < repeat; i++) {
		t = cli_now();
		ret = devmir_numa_move(buf, size, i % 2 ? from : to, &moved);
		move.seconds[i] = cli_now() - t;
		move.events[i] = moved;
		if (ret)
			break;
		move.n = i + 1;
		cli_progress_update(&prog, i + 1);
	}
	cli_progress_end(&prog);
	devmir_numa_free(buf, size);
	bench_report(ctx, j, &move, size, "pages");
	return ret;
}

static int cli_bench(struct cli_ctx *ctx, int argc, char **argv)
{
	uint64_t size = 16ULL << 20;
	struct devmir_dev *dev;
	struct cli_json j;
	long repeat = 5;
	char *end, a[32];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_bench_options, NULL)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_SIZE:
			if (cli_parse_size(optarg, &size) || size % 4096 ||
			    size > (1ULL << 34))
				return cli_usage_error(ctx, BENCH_BAD_SIZE,
						       optarg);
			break;
		case CLI_OPT_REPEAT:
			repeat = strtol(optarg, &end, 10);
			if (*end || repeat < 1 || repeat > BENCH_MAX_REPEAT)
				return cli_usage_error(ctx, BENCH_BAD_REPEAT,
						       optarg,
						       BENCH_MAX_REPEAT);
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_bench, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	ret = cli_open(ctx, optind < argc ? argv[optind] : NULL, &dev);
	if (ret)
		return ret;

	if (ctx->json) {
		cli_json_begin(&j, stdout);
		cli_json_object(&j, NULL);
		cli_json_u64(&j, "index", devmir_index(dev));
		cli_json_array(&j, "results");
	} else {
		printf("devmirror bench: device %u (%s), %s per access, %ld repetitions\n",
		       devmir_index(dev), devmir_path(dev),
		       cli_human_bytes(a, sizeof(a), size), repeat);
	}
	ret = bench_device(ctx, dev, &j, size, repeat);
	if (!ret)
		ret = bench_numa(ctx, &j, size, repeat);
	if (ctx->json) {
		cli_json_close_array(&j);
		cli_json_bool(&j, "ok", !ret);
		cli_json_close_object(&j);
		cli_json_end(&j);
	}
	devmir_close(dev);
	return ret ? cli_fail(ctx, ret, "benchmark") : CLI_EXIT_OK;
}

const struct cli_command cli_cmd_bench = {
	.name = "bench",
	.args = "[DEV] [--size BYTES] [--repeat N]",
	.summary = "measure device access rates and the move_pages baseline",
	.run = cli_bench,
};
