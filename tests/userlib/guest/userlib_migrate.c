// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_migrate - migration through libdevmirror: round trips with the
 * data verified byte for byte, the per-page results and their reasons,
 * prefetch, CPU faults bringing pages back, the fault-driven policy,
 * statistics deltas, and pages in a peer device's memory seen as remote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "libdevmirror.h"
#include "stats_util.h"

#define NPAGES 256UL
#define SIZE (NPAGES * PAGE_SIZE_4K)

FIXTURE(dev)
{
	struct devmir_dev *dev;
	struct devmir_info info;
	struct devmir_page *pages;
	uint8_t *out;
};

FIXTURE_SETUP(dev)
{
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .fault_window = 4096 };

	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	self->info.struct_size = sizeof(self->info);
	ASSERT_EQ(0, devmir_get_info(self->dev, &self->info));
	if (!self->info.device_memory)
		SKIP(return, "device 0 has no device memory (devmem_mb=0)");
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
	self->pages = calloc(NPAGES, sizeof(*self->pages));
	self->out = malloc(SIZE);
	ASSERT_NE(NULL, self->pages);
	ASSERT_NE(NULL, self->out);
}

FIXTURE_TEARDOWN(dev)
{
	free(self->pages);
	free(self->out);
	devmir_close(self->dev);
}

/* Pages of a snapshot of @npages pages in @state. */
static size_t count_state(const struct devmir_page *p, size_t npages,
			  enum devmir_page_state state)
{
	size_t i, n = 0;

	for (i = 0; i < npages; i++)
		n += p[i].state == state;
	return n;
}

static uint64_t failed_sum(const struct devmir_migrate_report *res)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
		n += res->failed[r];
	return n;
}

/*
 * To the device and back: the device reads the CPU's bytes from device
 * memory, writes there, and the CPU reads the device's bytes after the
 * migration back, all byte for byte.
 */
TEST_F(dev, migrate_round_trip_data)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	size_t mapped;
	uint64_t faults = 99;
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 1);

	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, &res));
	EXPECT_EQ(NPAGES, res.migrated);
	EXPECT_EQ(0, res.already);
	EXPECT_EQ(0, failed_sum(&res));
	EXPECT_EQ(SIZE, res.bytes_copied);
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(NPAGES, mapped);
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	EXPECT_TRUE(self->pages[0].writable);

	/* Mapped at once: the device reads its own memory without faults. */
	ASSERT_EQ(0, devmir_read(self->dev, buf, self->out, SIZE, &faults));
	EXPECT_EQ(0, faults);
	EXPECT_EQ(-1, buf_check(self->out, SIZE, 1));

	buf_fill(self->out, SIZE, 2);
	ASSERT_EQ(0, devmir_write(self->dev, buf, self->out, SIZE, NULL));
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_SYSTEM, 0, &res));
	EXPECT_EQ(NPAGES, res.migrated);
	EXPECT_EQ(0, failed_sum(&res));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(0, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	EXPECT_EQ(-1, buf_check(buf, SIZE, 2));
	buf_unmap(buf, SIZE);
}

/* Pages already at the destination, or never populated, are not moved. */
TEST_F(dev, migrate_counts_already_and_absent)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);

	/* Never touched: nothing to bring back to system memory. */
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_SYSTEM, 0, &res));
	EXPECT_EQ(NPAGES, res.absent);
	EXPECT_EQ(0, res.migrated);

	/* Populated in device memory directly, zero-filled. */
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, &res));
	EXPECT_EQ(NPAGES, res.migrated);
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, &res));
	EXPECT_EQ(0, res.migrated);
	EXPECT_EQ(NPAGES, res.already);
	EXPECT_EQ(NPAGES,
		  res.migrated + res.already + res.absent + failed_sum(&res));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ(0, buf[SIZE - 1]);
	buf_unmap(buf, SIZE);
}

/*
 * Shared memory cannot move to device memory: a migration fails with
 * -EOPNOTSUPP and says why per page; a prefetch of it is a no-op.
 */
TEST_F(dev, migrate_shared_memory_reasons)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	uint8_t *buf;

	buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 3);
	EXPECT_EQ(-EOPNOTSUPP,
		  devmir_migrate_range(self->dev, buf, SIZE, DEVMIR_MIGDIR_TO_DEVICE,
				 0, &res));
	EXPECT_EQ(NPAGES, res.failed[DEVMIR_MIGFAIL_FILE]);
	EXPECT_EQ(0, res.migrated);
	EXPECT_STREQ("file",
		     devmir_migfail_name(DEVMIR_MIGFAIL_FILE));

	ASSERT_EQ(0, devmir_prefetch(self->dev, buf, SIZE, &res));
	EXPECT_EQ(NPAGES, res.failed[DEVMIR_MIGFAIL_FILE]);
	EXPECT_EQ(-1, buf_check(buf, SIZE, 3));
	munmap(buf, SIZE);
}

/* A prefetch moves what can move; the device then reads without faults. */
TEST_F(dev, prefetch_moves_anonymous_memory)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	uint64_t faults = 99;
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 4);
	ASSERT_EQ(0, devmir_prefetch(self->dev, buf, SIZE, &res));
	EXPECT_EQ(NPAGES, res.migrated);
	EXPECT_EQ(0, failed_sum(&res));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	ASSERT_EQ(0, devmir_read(self->dev, buf, self->out, SIZE, &faults));
	EXPECT_EQ(0, faults);
	EXPECT_EQ(-1, buf_check(self->out, SIZE, 4));
	buf_unmap(buf, SIZE);
}

/* A hole in the range fails the whole call before anything moves. */
TEST_F(dev, migrate_hole_efault_nothing_done)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 5);
	ASSERT_EQ(0, munmap(buf + 8 * PAGE_SIZE_4K, PAGE_SIZE_4K));
	EXPECT_EQ(-EFAULT, devmir_migrate_range(self->dev, buf, SIZE,
					  DEVMIR_MIGDIR_TO_DEVICE, 0, &res));
	EXPECT_EQ(0, res.migrated);
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, 8, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(0, count_state(self->pages, 8, DEVMIR_PAGE_DEVICE));
	EXPECT_EQ(-1, buf_check(buf, 8 * PAGE_SIZE_4K, 5));
	buf_unmap(buf, 8 * PAGE_SIZE_4K);
	buf_unmap(buf + 9 * PAGE_SIZE_4K, SIZE - 9 * PAGE_SIZE_4K);
}

TEST_F(dev, migrate_bad_arguments)
{
	uint8_t *buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(-EINVAL, devmir_migrate_range(self->dev, buf + 1, PAGE_SIZE_4K,
					  DEVMIR_MIGDIR_TO_DEVICE, 0, NULL));
	EXPECT_EQ(-EINVAL, devmir_migrate_range(self->dev, buf, 100,
					  DEVMIR_MIGDIR_TO_DEVICE, 0, NULL));
	EXPECT_EQ(-EINVAL, devmir_migrate_range(self->dev, buf, SIZE,
					  (enum devmir_migdir)5, 0, NULL));
	EXPECT_EQ(-EINVAL,
		  devmir_migrate_range(self->dev, buf, SIZE, DEVMIR_MIGDIR_TO_DEVICE,
				 0x10, NULL));
	EXPECT_EQ(-EINVAL, devmir_prefetch(self->dev, buf, 0, NULL));
	buf_unmap(buf, SIZE);
}

/*
 * A CPU access to a device page migrates its ram_window back, and only
 * that; the statistics count the CPU fault and the pages.
 */
TEST_F(dev, migrate_cpu_touch_brings_window_back)
{
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .ram_window = 4 * PAGE_SIZE_4K };
	struct stat_reading before, after;
	size_t i;
	uint8_t *buf;

	ASSERT_EQ(0,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_RAM_WINDOW, &pol));
	/* The window is aligned in the address space: align the buffer. */
	buf = buf_map_aligned(SIZE, pol.ram_window, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 6);
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	/* One byte of page 9: the aligned window is pages 8..11. */
	EXPECT_EQ(-1, buf_check_range(buf + 9 * PAGE_SIZE_4K + 100, 9 * PAGE_SIZE_4K + 100, 1, 6));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	stat_delta(&after, &after, &before);
	EXPECT_EQ(1, SV(after, ram_faults));
	EXPECT_EQ(4, SV(after, migrated_to_system));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	for (i = 0; i < NPAGES; i++) {
		bool back = i >= 8 && i < 12;
		bool on_device = self->pages[i].state == DEVMIR_PAGE_DEVICE;

		EXPECT_NE(back, on_device)
		TH_LOG("page %zu: %s", i,
		       devmir_page_state_name(self->pages[i].state));
		if (back == on_device)
			break;
	}
	/* The rest comes back as the CPU reads on. */
	EXPECT_EQ(-1, buf_check(buf, SIZE, 6));
	buf_unmap(buf, SIZE);
}

/* The migration counters move by exactly what the calls report. */
TEST_F(dev, migrate_stats_deltas)
{
	struct stat_reading before, after;
	struct devmir_migrate_report to_dev = DEVMIR_INIT(to_dev);
	struct devmir_migrate_report to_sys = DEVMIR_INIT(to_sys);
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 7);
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, &to_dev));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	EXPECT_LE(NPAGES, SV(after, devmem_used));
	EXPECT_GE(SV(after, devmem_pages), SV(after, devmem_used));
	stat_delta(&after, &after, &before);
	EXPECT_EQ(to_dev.migrated, SV(after, migrated_to_device));
	EXPECT_EQ(NPAGES, SV(after, migrated_to_device));
	EXPECT_EQ(to_dev.bytes_copied, SV(after, migrate_bytes));
	EXPECT_EQ(0, SV(after, migrated_to_system));
	EXPECT_EQ(0, SV(after, migrate_failed));

	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, SIZE,
				    DEVMIR_MIGDIR_TO_SYSTEM, 0, &to_sys));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	stat_delta(&after, &after, &before);
	EXPECT_EQ(NPAGES, to_sys.migrated);
	EXPECT_EQ(NPAGES, SV(after, migrated_to_system));
	EXPECT_EQ(0, SV(after, migrated_to_device));
	EXPECT_EQ(0, SV(after, ram_faults));
	EXPECT_EQ(-1, buf_check(buf, SIZE, 7));
	buf_unmap(buf, SIZE);
}

/*
 * The migration policy round-trips through set/get, and FIRST_FAULT makes
 * a plain device read migrate what it faults into device memory.
 */
TEST_F(dev, policy_migration_round_trip)
{
	struct devmir_policy pol = {
		.struct_size = sizeof(pol),
		.migrate_mode = DEVMIR_MIGMODE_THRESHOLD,
		.migrate_threshold = 3,
		.ram_window = 128 << 10,
	};
	struct devmir_policy got = DEVMIR_INIT(got);
	struct stat_reading before, after;
	uint8_t *buf;

	ASSERT_EQ(0, devmir_set_policy(self->dev,
				       DEVMIR_POLICY_MIGRATE |
					       DEVMIR_POLICY_RAM_WINDOW,
				       &pol));
	ASSERT_EQ(0, devmir_get_policy(self->dev, &got));
	EXPECT_EQ(DEVMIR_MIGMODE_THRESHOLD, got.migrate_mode);
	EXPECT_EQ(3, got.migrate_threshold);
	EXPECT_EQ(128 << 10, got.ram_window);
	EXPECT_EQ(4096, got.fault_window);

	pol.migrate_mode = DEVMIR_MIGMODE_FIRST_FAULT;
	EXPECT_EQ(-EINVAL,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_MIGRATE, &pol));
	pol.migrate_threshold = 0;
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_MIGRATE, &pol));
	ASSERT_EQ(0, devmir_get_policy(self->dev, &got));
	EXPECT_EQ(DEVMIR_MIGMODE_FIRST_FAULT, got.migrate_mode);
	EXPECT_EQ(0, got.migrate_threshold);

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 8);
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_read(self->dev, buf, self->out, SIZE, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	stat_delta(&after, &after, &before);
	EXPECT_EQ(-1, buf_check(self->out, SIZE, 8));
	EXPECT_LE(1, SV(after, policy_migrations));
	/*
	 * A page the kernel holds busy for a moment (compaction isolating
	 * it) does not move and is mirrored where it is, as documented; it is
	 * counted as failed. Every page is accounted one way or the other,
	 * and all but a handful move.
	 */
	EXPECT_EQ(NPAGES, SV(after, migrated_to_device) + SV(after, migrate_failed));
	EXPECT_LE(NPAGES - 8, SV(after, migrated_to_device));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(SV(after, migrated_to_device),
		  count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	EXPECT_EQ(-1, buf_check(buf, SIZE, 8));
	buf_unmap(buf, SIZE);
}

FIXTURE(two)
{
	struct devmir_dev *dev[2];
	struct devmir_page *pages;
};

FIXTURE_SETUP(two)
{
	struct devmir_info info = DEVMIR_INIT(info);
	int i;

	if (devmir_enumerate(NULL, 0, 0) < 2)
		SKIP(return, "fewer than two devmirror devices");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, devmir_open(i, &self->dev[i]))
		TH_LOG("%s", devmir_last_error());
		ASSERT_EQ(0, devmir_get_info(self->dev[i], &info));
		if (!info.device_memory)
			SKIP(return, "device %d has no device memory", i);
	}
	self->pages = calloc(NPAGES, sizeof(*self->pages));
	ASSERT_NE(NULL, self->pages);
}

FIXTURE_TEARDOWN(two)
{
	free(self->pages);
	devmir_close(self->dev[0]);
	devmir_close(self->dev[1]);
}

/*
 * Pages in device 1's memory: device 0's snapshot decodes them as remote
 * (not mapped), device 1's as device-local. Device 0's read of them is a
 * remote fault that brings them to system memory (policy OFF), intact.
 */
TEST_F(two, snapshot_remote_pages)
{
	struct stat_reading before, after;
	size_t mapped = 99;
	uint8_t *buf, *out;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(SIZE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, SIZE, 9);
	ASSERT_EQ(0, devmir_migrate_range(self->dev[1], buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, NULL));

	ASSERT_EQ(0, devmir_snapshot(self->dev[0], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(0, mapped);
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_REMOTE));
	EXPECT_FALSE(self->pages[0].writable);
	EXPECT_EQ(0, self->pages[0].leaf_size);
	EXPECT_STREQ("remote", devmir_page_state_name(self->pages[0].state));
	ASSERT_EQ(0, devmir_snapshot(self->dev[1], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(NPAGES, mapped);
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));

	ASSERT_EQ(0,
		  stat_read(self->dev[0], DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_read(self->dev[0], buf, out, SIZE, NULL));
	ASSERT_EQ(0,
		  stat_read(self->dev[0], DEVMIR_STATS_MIRROR, &after));
	stat_delta(&after, &after, &before);
	EXPECT_EQ(-1, buf_check(out, SIZE, 9));
	EXPECT_LE(1, SV(after, remote_faults));
	ASSERT_EQ(0, devmir_snapshot(self->dev[0], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(0, count_state(self->pages, NPAGES, DEVMIR_PAGE_REMOTE));
	EXPECT_EQ(NPAGES,
		  count_state(self->pages, NPAGES, DEVMIR_PAGE_READ_WRITE));
	ASSERT_EQ(0, devmir_snapshot(self->dev[1], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(0, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	EXPECT_EQ(-1, buf_check(buf, SIZE, 9));
	free(out);
	buf_unmap(buf, SIZE);
}

/* Device 0 takes device 1's pages straight into its own memory. */
TEST_F(two, migrate_device_to_device)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	uint8_t *buf;

	buf = buf_map_aligned(SIZE, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, SIZE, 10);
	ASSERT_EQ(0, devmir_migrate_range(self->dev[1], buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, NULL));
	ASSERT_EQ(0, devmir_migrate_range(self->dev[0], buf, SIZE,
				    DEVMIR_MIGDIR_TO_DEVICE, 0, &res));
	EXPECT_EQ(NPAGES, res.migrated);
	ASSERT_EQ(0, devmir_snapshot(self->dev[0], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_DEVICE));
	ASSERT_EQ(0, devmir_snapshot(self->dev[1], buf, NPAGES, self->pages,
				     sizeof(self->pages[0]), NULL));
	EXPECT_EQ(NPAGES, count_state(self->pages, NPAGES, DEVMIR_PAGE_REMOTE));
	EXPECT_EQ(-1, buf_check(buf, SIZE, 10));
	buf_unmap(buf, SIZE);
}

TEST_HARNESS_MAIN
