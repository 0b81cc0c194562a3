// SPDX-License-Identifier: MIT
/*
 * cmd_demo.c - devmirror demo: the mirror and migration at work, step by
 * step, on a buffer of this process: device faults fill the mirror, the
 * buffer migrates into device memory and comes back on CPU access, CPU-side
 * changes invalidate the mirror.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"

#define CLI_OPT_SIZE 0x300
#define CLI_OPT_THP 0x301

#define DEMO_BAD_SIZE "bad --size '%s' (a multiple of 2M, up to 16G)"
#define DEMO_PAGE 4096UL
#define DEMO_HUGE (2UL << 20)
#define DEMO_CHUNK 0x100000UL /* bytes per device command: progress */

static const struct option cli_demo_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "size", required_argument, NULL, CLI_OPT_SIZE },
	{ "thp", no_argument, NULL, CLI_OPT_THP },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct demo - The demo's state.
 * @ctx: CLI options.
 * @dev: The device.
 * @info: What it reported.
 * @map: The mapping (@buf is 2 MiB aligned inside it).
 * @map_size: Bytes of @map.
 * @buf: The buffer the device works on.
 * @size: Bytes of @buf.
 * @out: Where device reads land.
 * @pages: Snapshot of @buf.
 * @j: JSON writer (with --json).
 * @ok: No step has failed.
 */
struct demo {
	struct cli_ctx *ctx;
	struct devmir_dev *dev;
	struct devmir_info info;
	uint8_t *map;
	size_t map_size;
	uint8_t *buf;
	size_t size;
	uint8_t *out;
	struct devmir_page *pages;
	struct cli_json j;
	bool ok;
	struct cli_stats before;
	struct cli_stats after;
};

/* The byte at @offset of pattern @seed; patterns differ at every byte. */
static uint8_t demo_byte(size_t offset, unsigned int seed)
{
	return (uint8_t)(offset * 31 + (offset >> 12) * 7 + seed * 101);
}

static void demo_fill(uint8_t *p, size_t offset, size_t size, unsigned int seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = demo_byte(offset + i, seed);
}

/* Offset of the first byte of @p that is not pattern @seed, or -1. */
static long demo_check(const uint8_t *p, size_t offset, size_t size,
		       unsigned int seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != demo_byte(offset + i, seed))
			return (long)i;
	return -1;
}

/* Check @p: its first half is pattern @seed_lo, the rest @seed_hi. */
static long demo_check_halves(const uint8_t *p, size_t size,
			      unsigned int seed_lo, unsigned int seed_hi)
{
	size_t half = size / 2;
	long bad = demo_check(p, 0, half, seed_lo);

	if (bad < 0) {
		bad = demo_check(p + half, half, size - half, seed_hi);
		if (bad >= 0)
			bad += half;
	}
	return bad;
}

static void demo_begin_step(struct demo *d, const char *name, const char *text)
{
	if (d->ctx->json) {
		cli_json_object(&d->j, NULL);
		cli_json_str(&d->j, "step", name);
	} else {
		printf("%-30s", text);
		fflush(stdout);
	}
}

static void demo_end_step(struct demo *d, bool ok, const char *note)
{
	if (!ok)
		d->ok = false;
	if (d->ctx->json) {
		cli_json_bool(&d->j, "ok", ok);
		if (note)
			cli_json_str(&d->j, "note", note);
		cli_json_close_object(&d->j);
	} else {
		printf("%s%s\n", note ? note : "", ok ? "" : "  <-- FAILED");
	}
}

static void demo_failed(struct demo *d, int err, const char *what)
{
	char note[160];

	snprintf(note, sizeof(note), "%s failed: %s", what,
		 devmir_strerror(err));
	demo_end_step(d, false, note);
}

/* Device-read the whole buffer in chunks, with progress. */
static int demo_read(struct demo *d, const char *label, uint64_t *faults)
{
	struct cli_progress prog;
	uint64_t f;
	size_t done, n;
	int ret = 0;

	*faults = 0;
	cli_progress_begin(&prog, d->ctx, label, d->size);
	for (done = 0; done < d->size; done += n) {
		n = d->size - done < DEMO_CHUNK ? d->size - done : DEMO_CHUNK;
		ret = devmir_read(d->dev, d->buf + done, d->out + done, n, &f);
		*faults += f;
		if (ret)
			break;
		cli_progress_update(&prog, done + n);
	}
	cli_progress_end(&prog);
	return ret;
}

/* Snapshot the buffer and describe the mirror in @text and the JSON step. */
static int demo_mirror(struct demo *d, char *text, size_t len)
{
	size_t count[DEVMIR_PAGE_STATES] = { 0 }, npages = d->size / DEMO_PAGE;
	size_t mapped, huge = 0, i;
	unsigned int s;
	int ret, pos;

	ret = devmir_snapshot(d->dev, d->buf, npages, d->pages,
			      sizeof(d->pages[0]), &mapped);
	if (ret)
		return ret;
	for (i = 0; i < npages; i++) {
		count[d->pages[i].state]++;
		huge += d->pages[i].level > 0;
	}
	pos = snprintf(text, len, "mirror:");
	for (s = 0; s < DEVMIR_PAGE_STATES && pos < (int)len; s++)
		if (count[s])
			pos += snprintf(text + pos, len - pos, " %zu %s",
					count[s], devmir_page_state_name(s));
	if (huge && pos < (int)len)
		snprintf(text + pos, len - pos, " (%zu in huge leaves)", huge);
	if (d->ctx->json) {
		cli_json_u64(&d->j, "mapped", mapped);
		cli_json_u64(&d->j, "huge", huge);
		cli_json_object(&d->j, "pages");
		for (s = 0; s < DEVMIR_PAGE_STATES; s++)
			cli_json_u64(&d->j, devmir_page_state_name(s),
				     count[s]);
		cli_json_close_object(&d->j);
	}
	return 0;
}

static void demo_step_map(struct demo *d, bool thp)
{
	char text[192], mirror[128];
	int ret;

	demo_begin_step(d, "map", "CPU maps and fills buffer");
	demo_fill(d->buf, 0, d->size, 1);
	ret = demo_mirror(d, mirror, sizeof(mirror));
	if (ret)
		return demo_failed(d, ret, "snapshot");
	snprintf(text, sizeof(text), "%s%s", mirror,
		 thp ? " (transparent huge pages requested)" : "");
	demo_end_step(d, true, text);
}

/* A device read of the whole buffer, checked against @seed_lo/@seed_hi. */
static void demo_step_read(struct demo *d, const char *name, const char *title,
			   unsigned int seed_lo, unsigned int seed_hi)
{
	struct cli_stats *before = &d->before, *after = &d->after;
	char text[256], mirror[128];
	uint64_t faults;
	long bad;
	int ret;

	demo_begin_step(d, name, title);
	ret = cli_stats_read(before, DEVMIR_STATS_MIRROR);
	if (!ret)
		ret = demo_read(d, title, &faults);
	if (!ret)
		ret = cli_stats_read(after, DEVMIR_STATS_MIRROR);
	if (ret)
		return demo_failed(d, ret, "device read");
	cli_stats_delta(after, after, before);
	bad = demo_check_halves(d->out, d->size, seed_lo, seed_hi);
	ret = demo_mirror(d, mirror, sizeof(mirror));
	if (ret)
		return demo_failed(d, ret, "snapshot");
	if (d->ctx->json) {
		cli_json_u64(&d->j, "faults", faults);
		cli_json_u64(&d->j, "tlb_hits", cli_stat_value(after, "tlb_hits"));
		cli_json_u64(&d->j, "walks", cli_stat_value(after, "walks"));
		cli_json_bool(&d->j, "data_ok", bad < 0);
	}
	snprintf(text, sizeof(text),
		 "%" PRIu64 " faults, %" PRIu64 " TLB hits, %" PRIu64
		 " walks; %s; data %s",
		 faults, cli_stat_value(after, "tlb_hits"), cli_stat_value(after, "walks"),
		 mirror,
		 bad < 0 ? "ok" : "MISMATCH");
	demo_end_step(d, bad < 0, text);
}

/* Pages of the last snapshot (demo_mirror()) in @state. */
static size_t demo_count(const struct demo *d, enum devmir_page_state state)
{
	size_t i, n = 0;

	for (i = 0; i < d->size / DEMO_PAGE; i++)
		n += d->pages[i].state == state;
	return n;
}

/* Migrate the buffer to device memory, 2 MiB at a time, with progress. */
static int demo_migrate(struct demo *d, struct devmir_migrate_report *total)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	struct cli_progress prog;
	size_t done;
	unsigned int r;
	int ret = 0;

	memset(total, 0, sizeof(*total));
	cli_progress_begin(&prog, d->ctx, "migrating to the device", d->size);
	for (done = 0; done < d->size; done += DEMO_HUGE) {
		ret = devmir_migrate_range(d->dev, d->buf + done, DEMO_HUGE,
				     DEVMIR_MIGDIR_TO_DEVICE, 0, &res);
		total->migrated += res.migrated;
		total->already += res.already;
		total->absent += res.absent;
		for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
			total->failed[r] += res.failed[r];
		total->evicted += res.evicted;
		total->bytes_copied += res.bytes_copied;
		if (ret)
			break;
		cli_progress_update(&prog, done + DEMO_HUGE);
	}
	cli_progress_end(&prog);
	return ret;
}

/* The whole buffer moves into device memory; the mirror maps it there. */
static void demo_step_migrate(struct demo *d)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	char text[256], mirror[128], bytes[32];
	uint64_t failed = 0;
	unsigned int r;
	double t;
	int ret;

	demo_begin_step(d, "migrate", "migrate it to device memory");
	if (!d->info.device_memory) {
		if (d->ctx->json)
			cli_json_bool(&d->j, "skipped", true);
		return demo_end_step(d, true,
				     "skipped: the device has no memory");
	}
	t = cli_now();
	ret = demo_migrate(d, &res);
	t = cli_now() - t;
	for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
		failed += res.failed[r];
	if (ret) {
		snprintf(text, sizeof(text),
			 "migrate failed: %s (%" PRIu64 " pages failed)",
			 devmir_strerror(ret), failed);
		return demo_end_step(d, false, text);
	}
	ret = demo_mirror(d, mirror, sizeof(mirror));
	if (ret)
		return demo_failed(d, ret, "snapshot");
	if (d->ctx->json) {
		cli_json_u64(&d->j, "migrated", res.migrated);
		cli_json_u64(&d->j, "already", res.already);
		cli_json_u64(&d->j, "failed", failed);
		cli_json_u64(&d->j, "evicted", res.evicted);
		cli_json_u64(&d->j, "bytes_copied", res.bytes_copied);
		cli_json_double(&d->j, "seconds", t);
	}
	snprintf(text, sizeof(text),
		 "%" PRIu64 " pages moved (%s copied, %.0f MiB/s), %" PRIu64
		 " evicted; %s",
		 res.migrated,
		 cli_human_bytes(bytes, sizeof(bytes), res.bytes_copied),
		 t > 0 ? res.bytes_copied / t / (1 << 20) : 0.0, res.evicted,
		 mirror);
	demo_end_step(d, res.migrated + res.already == d->size / DEMO_PAGE,
		      text);
}

/* The CPU reads the buffer: device pages fault and migrate back. */
static void demo_step_cpu_read(struct demo *d, unsigned int seed_lo,
			       unsigned int seed_hi)
{
	struct cli_stats *before = &d->before, *after = &d->after;
	char text[256], mirror[128], bytes[32];
	size_t device;
	long bad;
	bool ok;
	int ret;

	demo_begin_step(d, "cpu_read", "CPU reads it (comes back)");
	ret = cli_stats_read(before, DEVMIR_STATS_MIRROR);
	if (ret)
		return demo_failed(d, ret, "statistics");
	bad = demo_check_halves(d->buf, d->size, seed_lo, seed_hi);
	ret = cli_stats_read(after, DEVMIR_STATS_MIRROR);
	if (!ret)
		ret = demo_mirror(d, mirror, sizeof(mirror));
	if (ret)
		return demo_failed(d, ret, "statistics");
	cli_stats_delta(after, after, before);
	device = demo_count(d, DEVMIR_PAGE_DEVICE);
	ok = bad < 0 && device == 0;
	if (d->ctx->json) {
		cli_json_u64(&d->j, "ram_faults", cli_stat_value(after, "ram_faults"));
		cli_json_u64(&d->j, "migrated_to_system",
			     cli_stat_value(after, "migrated_to_system"));
		cli_json_bool(&d->j, "data_ok", bad < 0);
	}
	snprintf(text, sizeof(text),
		 "%" PRIu64 " CPU faults brought %" PRIu64
		 " pages back (%s copied); %s; data %s",
		 cli_stat_value(after, "ram_faults"),
		 cli_stat_value(after, "migrated_to_system"),
		 cli_human_bytes(bytes, sizeof(bytes),
				 cli_stat_value(after, "migrate_bytes")),
		 mirror, bad < 0 ? "ok" : "MISMATCH");
	demo_end_step(d, ok, text);
}

/* The CPU replaces the first half: the mirror must drop it. */
static void demo_step_cpu_replace(struct demo *d)
{
	size_t half = d->size / 2;
	char text[192], mirror[128];
	bool dropped;
	size_t i;
	int ret;

	demo_begin_step(d, "cpu_replace", "CPU replaces first half");
	if (madvise(d->buf, half, MADV_DONTNEED))
		return demo_failed(d, -errno, "madvise");
	demo_fill(d->buf, 0, half, 2);
	ret = demo_mirror(d, mirror, sizeof(mirror));
	if (ret)
		return demo_failed(d, ret, "snapshot");
	for (i = 0, dropped = true; i < half / DEMO_PAGE; i++)
		dropped &= d->pages[i].state == DEVMIR_PAGE_UNMAPPED;
	snprintf(text, sizeof(text), "MADV_DONTNEED + write; %s%s", mirror,
		 dropped ? "" : " (first half still mirrored!)");
	demo_end_step(d, dropped, text);
}

static void demo_step_write(struct demo *d)
{
	uint64_t faults;
	char text[160];
	long bad;
	int ret;

	demo_begin_step(d, "device_write", "device writes buffer");
	demo_fill(d->out, 0, d->size, 3);
	ret = devmir_write(d->dev, d->buf, d->out, d->size, &faults);
	if (ret)
		return demo_failed(d, ret, "device write");
	bad = demo_check(d->buf, 0, d->size, 3);
	if (d->ctx->json) {
		cli_json_u64(&d->j, "faults", faults);
		cli_json_bool(&d->j, "data_ok", bad < 0);
	}
	snprintf(text, sizeof(text),
		 "%" PRIu64 " faults; CPU reads the device's data: %s", faults,
		 bad < 0 ? "ok" : "MISMATCH");
	demo_end_step(d, bad < 0, text);
}

static void demo_step_atomic(struct demo *d)
{
	uint64_t *word = (uint64_t *)d->buf, old, start = 1000;
	char text[160];
	bool ok;
	int ret;

	demo_begin_step(d, "device_atomic", "device atomic add");
	*word = start;
	ret = devmir_atomic_add(d->dev, word, 42, &old);
	if (ret)
		return demo_failed(d, ret, "atomic add");
	ok = old == start && *word == start + 42;
	if (d->ctx->json) {
		cli_json_u64(&d->j, "old", old);
		cli_json_u64(&d->j, "new", *word);
	}
	snprintf(text, sizeof(text),
		 "%" PRIu64 " + 42: device saw %" PRIu64 ", CPU sees %" PRIu64,
		 start, old, *word);
	demo_end_step(d, ok, text);
}

static void demo_step_unmap(struct demo *d)
{
	struct cli_stats *st = &d->after;
	uint64_t entries, dirs;
	char text[160];
	bool ok;
	int ret;

	demo_begin_step(d, "unmap", "CPU unmaps buffer");
	ret = munmap(d->map, d->map_size) ? -errno : 0;
	d->map = NULL;
	if (!ret)
		ret = cli_stats_read(st, DEVMIR_STATS_MIRROR);
	if (ret)
		return demo_failed(d, ret, "munmap");
	entries = cli_stat_sum(st, "table_entries_l");
	dirs = cli_stat_sum(st, "table_dirs_l");
	/* Other mappings of this process may still be mirrored: none are. */
	ok = entries == 0;
	if (d->ctx->json) {
		cli_json_u64(&d->j, "entries", entries);
		cli_json_u64(&d->j, "directories", dirs);
		cli_json_u64(&d->j, "dirs_pruned", cli_stat_value(st, "dirs_pruned"));
	}
	snprintf(text, sizeof(text),
		 "mirror: %" PRIu64 " entries, %" PRIu64
		 " directories left (%" PRIu64 " pruned)",
		 entries, dirs, cli_stat_value(st, "dirs_pruned"));
	demo_end_step(d, ok, text);
}

static int demo_setup(struct demo *d, bool thp)
{
	uintptr_t base;

	/*
	 * 2 MiB aligned: huge pages need it, and the windows a CPU fault
	 * migrates back (aligned in the address space) then tile the buffer.
	 */
	d->map_size = d->size + DEMO_HUGE;
	d->map = mmap(NULL, d->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		return -errno;
	}
	base = (uintptr_t)d->map;
	base = (base + DEMO_HUGE - 1) & ~(DEMO_HUGE - 1);
	d->buf = (uint8_t *)base;
	madvise(d->buf, d->size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	d->out = malloc(d->size);
	d->pages = calloc(d->size / DEMO_PAGE, sizeof(*d->pages));
	if (!d->out || !d->pages)
		return -ENOMEM;
	return 0;
}

static void demo_teardown(struct demo *d)
{
	if (d->map)
		munmap(d->map, d->map_size);
	free(d->out);
	free(d->pages);
}

static int cli_demo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct demo d = { .ctx = ctx, .size = 8UL << 20, .ok = true };
	struct devmir_policy pol = DEVMIR_INIT(pol);
	uint64_t size;
	bool thp = false;
	char a[32], b[32];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_demo_options, NULL)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_SIZE:
			if (cli_parse_size(optarg, &size) || size % DEMO_HUGE ||
			    size > (1ULL << 34))
				return cli_usage_error(ctx, DEMO_BAD_SIZE,
						       optarg);
			d.size = size;
			break;
		case CLI_OPT_THP:
			thp = true;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_demo, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);

	ret = cli_open(ctx, optind < argc ? argv[optind] : NULL, &d.dev);
	if (ret)
		return ret;
	d.info.struct_size = sizeof(d.info);
	ret = devmir_get_info(d.dev, &d.info);
	if (!ret)
		ret = cli_stats_init(&d.before, d.dev);
	if (!ret)
		ret = cli_stats_init(&d.after, d.dev);
	if (!ret)
		ret = devmir_get_policy(d.dev, &pol);
	if (!ret)
		ret = devmir_reset_stats(d.dev, DEVMIR_STATS_MIRROR);
	if (!ret)
		ret = demo_setup(&d, thp);
	if (ret) {
		ret = cli_fail(ctx, ret, "set up the demo");
		goto out;
	}

	if (ctx->json) {
		cli_json_begin(&d.j, ctx);
		cli_json_u64(&d.j, "index", d.info.index);
		cli_json_str(&d.j, "path", devmir_path(d.dev));
		cli_json_u64(&d.j, "size", d.size);
		cli_json_u64(&d.j, "fault_window", pol.fault_window);
		cli_json_u64(&d.j, "fault_batch", pol.fault_batch);
		cli_json_u64(&d.j, "device_memory", d.info.device_memory);
		cli_json_u64(&d.j, "ram_window", pol.ram_window);
		cli_json_array(&d.j, "steps");
	} else {
		printf("devmirror demo: device %u (%s), a %s buffer of this process (%zu pages),\n"
		       "fault-ahead window %s, %u faults per batch, ",
		       d.info.index, devmir_path(d.dev),
		       cli_human_bytes(a, sizeof(a), d.size),
		       d.size / DEMO_PAGE,
		       pol.fault_window ? cli_human_bytes(b, sizeof(b), pol.fault_window) :
		       "adaptive",
		       pol.fault_batch);
		printf("%s of device memory,\nCPU faults on device pages migrate %s back\n\n",
		       cli_human_bytes(a, sizeof(a), d.info.device_memory),
		       cli_human_bytes(b, sizeof(b), pol.ram_window));
	}

	demo_step_map(&d, thp);
	demo_step_read(&d, "device_read_cold", "device reads it (cold)", 1, 1);
	demo_step_read(&d, "device_read_warm", "device reads it again (warm)",
		       1, 1);
	demo_step_cpu_replace(&d);
	demo_step_read(&d, "device_read_back", "device reads it back", 2, 1);
	demo_step_migrate(&d);
	demo_step_read(&d, "device_read_local", "device reads device memory", 2,
		       1);
	demo_step_cpu_read(&d, 2, 1);
	demo_step_write(&d);
	demo_step_atomic(&d);
	demo_step_unmap(&d);

	ret = cli_stats_read(&d.after, DEVMIR_STATS_MIRROR);
	if (ctx->json) {
		cli_json_close_array(&d.j);
		if (!ret)
			cli_json_stats(&d.j, "stats", &d.after);
		cli_json_bool(&d.j, "ok", d.ok && !ret);
		cli_json_end(&d.j);
	} else if (!ret) {
		printf("\nstatistics of this process's mirror on device %u:\n",
		       d.info.index);
		cli_print_stats(&d.after, d.info.levels, 2);
		printf("\ndemo %s\n", d.ok ? "ok" : "FAILED");
	}
	if (ret)
		cli_fail(ctx, ret, "read statistics");
	ret = d.ok && !ret ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	demo_teardown(&d);
	cli_stats_fini(&d.before);
	cli_stats_fini(&d.after);
	devmir_close(d.dev);
	return ret;
}

const struct cli_command cli_cmd_demo = {
	.name = "demo",
	.args = "[DEV] [--size BYTES] [--thp]",
	.summary = "show device faults, migration and invalidation at work",
	.run = cli_demo,
};
