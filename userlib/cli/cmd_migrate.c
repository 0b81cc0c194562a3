// SPDX-License-Identifier: MIT
/*
 * cmd_migrate.c - devmirror migrate: a migration round trip of a buffer of
 * this process through a device's memory, with the per-page results of
 * each direction, the failure reasons, and the data checked on both sides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"

#define CLI_OPT_SIZE 0x400
#define CLI_OPT_PREFETCH 0x401
#define CLI_OPT_SHARED 0x402

#define MIG_BAD_SIZE "bad --size '%s' (a multiple of 4K, up to 4G)"
#define MIG_PAGE 4096UL
#define MIG_MAX_SIZE (4ULL << 30)
#define MIG_CHUNK (16UL << 20) /* bytes per library call: progress */
#define MIG_SNAP_PAGES 4096UL /* pages per snapshot call */
#define MIG_REASONS 4 /* reasons devmir_migfail_name() knows */

static const struct option cli_migrate_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "size", required_argument, NULL, CLI_OPT_SIZE },
	{ "prefetch", no_argument, NULL, CLI_OPT_PREFETCH },
	{ "shared", no_argument, NULL, CLI_OPT_SHARED },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct mig_pass - One direction of the round trip.
 * @name: "to_device" or "to_system".
 * @dir: The direction.
 * @ret: What devmir_migrate_range() returned (the first failure).
 * @res: The summed per-page results.
 * @seconds: Wall time of the pass.
 */
struct mig_pass {
	const char *name;
	enum devmir_migdir dir;
	int ret;
	struct devmir_migrate_report res;
	double seconds;
};

/* The byte at @offset of the round trip's pattern. */
static uint8_t mig_byte(size_t offset)
{
	return (uint8_t)(offset * 13 + (offset >> 12) * 5 + 3);
}

/* Offset of the first byte of @p (at @offset) off the pattern, or -1. */
static long mig_check(const uint8_t *p, size_t offset, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != mig_byte(offset + i))
			return (long)(offset + i);
	return -1;
}

/*
 * Migrate @buf in chunks with progress. Every chunk is tried, so the
 * results cover the whole buffer; @pass->ret keeps the first failure.
 */
static void mig_run(struct cli_ctx *ctx, struct devmir_dev *dev, uint8_t *buf,
		    size_t size, unsigned int flags, struct mig_pass *pass)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	struct cli_progress prog;
	size_t done, n;
	unsigned int r;
	int ret;

	pass->ret = 0;
	memset(&pass->res, 0, sizeof(pass->res));
	cli_progress_begin(&prog, ctx,
			   pass->dir == DEVMIR_MIGDIR_TO_DEVICE ?
				   "migrating to the device" :
				   "migrating to system memory",
			   size);
	pass->seconds = cli_now();
	for (done = 0; done < size; done += n) {
		n = size - done < MIG_CHUNK ? size - done : MIG_CHUNK;
		ret = devmir_migrate_range(dev, buf + done, n, pass->dir, flags,
				     &res);
		if (ret && !pass->ret)
			pass->ret = ret;
		pass->res.migrated += res.migrated;
		pass->res.already += res.already;
		pass->res.absent += res.absent;
		for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
			pass->res.failed[r] += res.failed[r];
		pass->res.evicted += res.evicted;
		pass->res.bytes_copied += res.bytes_copied;
		cli_progress_update(&prog, done + n);
	}
	pass->seconds = cli_now() - pass->seconds;
	cli_progress_end(&prog);
}

/* Pages of @buf the device's mirror maps from its own memory. */
static int mig_device_pages(struct devmir_dev *dev, uint8_t *buf, size_t size,
			    struct devmir_page *pages, uint64_t *count)
{
	size_t npages = size / MIG_PAGE, done, n, i;
	int ret;

	*count = 0;
	for (done = 0; done < npages; done += n) {
		n = npages - done < MIG_SNAP_PAGES ? npages - done :
						     MIG_SNAP_PAGES;
		ret = devmir_snapshot(dev, buf + done * MIG_PAGE, n, pages,
				      sizeof(pages[0]), NULL);
		if (ret)
			return ret;
		for (i = 0; i < n; i++)
			*count += pages[i].state == DEVMIR_PAGE_DEVICE;
	}
	return 0;
}

/* The device reads @buf back through a bounce buffer and checks it. */
static int mig_device_check(struct devmir_dev *dev, const uint8_t *buf,
			    size_t size, uint8_t *bounce, uint64_t *faults,
			    long *bad)
{
	size_t done, n;
	uint64_t f;
	int ret;

	*faults = 0;
	*bad = -1;
	for (done = 0; done < size; done += n) {
		n = size - done < MIG_CHUNK ? size - done : MIG_CHUNK;
		ret = devmir_read(dev, buf + done, bounce, n, &f);
		*faults += f;
		if (ret)
			return ret;
		if (*bad < 0)
			*bad = mig_check(bounce, done, n);
	}
	return 0;
}

static uint64_t mig_failed(const struct mig_pass *pass)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
		n += pass->res.failed[r];
	return n;
}

static void mig_print(const struct mig_pass *pass)
{
	const struct devmir_migrate_report *res = &pass->res;
	char bytes[32];
	unsigned int r;

	printf("%-12s%" PRIu64 " moved, %" PRIu64 " already there, %" PRIu64
	       " never populated, %" PRIu64 " failed",
	       pass->dir == DEVMIR_MIGDIR_TO_DEVICE ? "to device" :
						       "to system",
	       res->migrated, res->already, res->absent, mig_failed(pass));
	for (r = 0; r < MIG_REASONS; r++)
		if (res->failed[r])
			printf(" (%" PRIu64 " %s)", res->failed[r],
			       devmir_migfail_name(r));
	printf(", %" PRIu64 " evicted\n", res->evicted);
	printf("%-12s%s copied in %.3f s (%.1f MiB/s)%s%s\n", "",
	       cli_human_bytes(bytes, sizeof(bytes), res->bytes_copied),
	       pass->seconds,
	       pass->seconds > 0 ?
		       res->bytes_copied / pass->seconds / (1 << 20) :
		       0.0,
	       pass->ret ? "; failed: " : "",
	       pass->ret ? devmir_strerror(pass->ret) : "");
}

static void mig_json(struct cli_json *j, const struct mig_pass *pass)
{
	const struct devmir_migrate_report *res = &pass->res;
	const char *name = strerrorname_np(-pass->ret);
	unsigned int r;

	cli_json_object(j, pass->name);
	if (pass->ret)
		cli_json_str(j, "error", name ? name : "");
	else
		cli_json_null(j, "error");
	cli_json_u64(j, "migrated", res->migrated);
	cli_json_u64(j, "already", res->already);
	cli_json_u64(j, "absent", res->absent);
	cli_json_object(j, "failed");
	for (r = 0; r < MIG_REASONS; r++)
		cli_json_u64(j, devmir_migfail_name(r), res->failed[r]);
	cli_json_close_object(j);
	cli_json_u64(j, "evicted", res->evicted);
	cli_json_u64(j, "bytes_copied", res->bytes_copied);
	cli_json_double(j, "seconds", pass->seconds);
	cli_json_close_object(j);
}

/**
 * struct mig_run - The round trip's buffers and findings.
 * @buf: The buffer that migrates.
 * @bounce: Where the device reads it to.
 * @pages: Snapshot scratch space.
 * @size: Bytes of @buf.
 * @device_pages: Pages in device memory after the migration to it.
 * @faults: Device faults of the read from device memory.
 * @device_bad: First wrong byte the device read, or -1.
 * @cpu_bad: First wrong byte the CPU read at the end, or -1.
 */
struct mig_run {
	uint8_t *buf;
	uint8_t *bounce;
	struct devmir_page *pages;
	size_t size;
	uint64_t device_pages;
	uint64_t faults;
	long device_bad;
	long cpu_bad;
};

static int mig_round_trip(struct cli_ctx *ctx, struct devmir_dev *dev,
			  struct mig_run *m, unsigned int flags,
			  struct mig_pass *to_dev, struct mig_pass *to_sys)
{
	int ret;

	mig_run(ctx, dev, m->buf, m->size, flags, to_dev);
	ret = mig_device_pages(dev, m->buf, m->size, m->pages,
			       &m->device_pages);
	if (!ret)
		ret = mig_device_check(dev, m->buf, m->size, m->bounce,
				       &m->faults, &m->device_bad);
	if (ret)
		return ret;
	mig_run(ctx, dev, m->buf, m->size, flags, to_sys);
	m->cpu_bad = mig_check(m->buf, 0, m->size);
	return 0;
}

static int cli_migrate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct mig_pass to_dev = { .name = "to_device",
				   .dir = DEVMIR_MIGDIR_TO_DEVICE },
			to_sys = { .name = "to_system",
				   .dir = DEVMIR_MIGDIR_TO_SYSTEM };
	struct mig_run m = { .size = 64UL << 20 };
	bool prefetch = false, shared = false, ok;
	struct devmir_info info = DEVMIR_INIT(info);
	struct devmir_dev *dev;
	unsigned int flags;
	struct cli_json j;
	char a[32], b[32];
	uint64_t size;
	size_t i;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_migrate_options,
				  NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_SIZE:
			if (cli_parse_size(optarg, &size) || size % MIG_PAGE ||
			    size > MIG_MAX_SIZE)
				return cli_usage_error(ctx, MIG_BAD_SIZE,
						       optarg);
			m.size = size;
			break;
		case CLI_OPT_PREFETCH:
			prefetch = true;
			break;
		case CLI_OPT_SHARED:
			shared = true;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_migrate, opt);
			if (opt == CLI_OPT_HELP || opt == '?')
				return ret;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	flags = prefetch ? DEVMIR_MIGFLAG_PREFETCH : 0;

	ret = cli_open(ctx, optind < argc ? argv[optind] : NULL, &dev);
	if (ret)
		return ret;
	ret = devmir_get_info(dev, &info);
	if (ret) {
		ret = cli_fail(ctx, ret, "get info");
		goto out_close;
	}
	m.buf = mmap(NULL, m.size, PROT_READ | PROT_WRITE,
		     (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1,
		     0);
	m.bounce = malloc(MIG_CHUNK);
	m.pages = calloc(MIG_SNAP_PAGES, sizeof(*m.pages));
	if (m.buf == MAP_FAILED || !m.bounce || !m.pages) {
		ret = cli_fail(ctx, m.buf == MAP_FAILED ? -errno : -ENOMEM,
			       "allocate the buffer");
		goto out_free;
	}
	madvise(m.buf, m.size, MADV_NOHUGEPAGE);
	for (i = 0; i < m.size; i++)
		m.buf[i] = mig_byte(i);

	if (!ctx->json)
		printf("devmirror migrate: device %u (%s), %s of %s memory of this process,\n"
		       "%s of device memory%s\n\n",
		       info.index, devmir_path(dev),
		       cli_human_bytes(a, sizeof(a), m.size),
		       shared ? "shared" : "private anonymous",
		       cli_human_bytes(b, sizeof(b), info.device_memory),
		       prefetch ? ", as a prefetch hint" : "");

	ret = mig_round_trip(ctx, dev, &m, flags, &to_dev, &to_sys);
	if (ret) {
		ret = cli_fail(ctx, ret, "check the data on the device");
		goto out_free;
	}
	ok = !to_dev.ret && !to_sys.ret && m.device_bad < 0 && m.cpu_bad < 0;

	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_u64(&j, "index", info.index);
		cli_json_str(&j, "path", devmir_path(dev));
		cli_json_u64(&j, "size", m.size);
		cli_json_bool(&j, "shared", shared);
		cli_json_bool(&j, "prefetch", prefetch);
		cli_json_u64(&j, "device_memory", info.device_memory);
		mig_json(&j, &to_dev);
		cli_json_u64(&j, "device_pages", m.device_pages);
		cli_json_object(&j, "device_read");
		cli_json_u64(&j, "faults", m.faults);
		cli_json_bool(&j, "data_ok", m.device_bad < 0);
		cli_json_close_object(&j);
		mig_json(&j, &to_sys);
		cli_json_bool(&j, "data_ok", m.cpu_bad < 0);
		cli_json_bool(&j, "ok", ok);
		cli_json_end(&j);
	} else {
		mig_print(&to_dev);
		printf("%-12s%" PRIu64 " of %zu pages in device memory\n",
		       "mirror", m.device_pages, m.size / MIG_PAGE);
		printf("%-12s%" PRIu64 " faults; data %s\n", "device read",
		       m.faults, m.device_bad < 0 ? "ok" : "MISMATCH");
		mig_print(&to_sys);
		printf("%-12sdata %s\n", "CPU read",
		       m.cpu_bad < 0 ? "ok" : "MISMATCH");
		printf("\nmigrate %s\n", ok ? "ok" : "FAILED");
	}
	if (m.device_bad >= 0 || m.cpu_bad >= 0)
		fprintf(stderr,
			"devmirror: migrate: data mismatch at byte %ld\n",
			m.device_bad >= 0 ? m.device_bad : m.cpu_bad);
	if (to_dev.ret || to_sys.ret)
		fprintf(stderr, "devmirror: migrate: %s: %s\n",
			to_dev.ret ? "to device" : "to system",
			devmir_strerror(to_dev.ret ? to_dev.ret : to_sys.ret));
	ret = ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out_free:
	if (m.buf != MAP_FAILED)
		munmap(m.buf, m.size);
	free(m.bounce);
	free(m.pages);
out_close:
	devmir_close(dev);
	return ret;
}

const struct cli_command cli_cmd_migrate = {
	.name = "migrate",
	.args = "[DEV] [--size BYTES] [--prefetch] [--shared]",
	.summary = "migration round trip of a buffer through device memory",
	.run = cli_migrate,
};
