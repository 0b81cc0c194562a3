// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_adaptive - the adaptive fault-ahead window (devmirror_sim loaded
 * with fault_window_kb=0): a device scan of memory the CPU wrote maps each
 * 2 MiB block with one fault; a scan of untouched memory grows its
 * fault-ahead run; scattered accesses mirror only the pages they touch.
 * Data are verified byte for byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"

#define BLOCK	MIB(2)

FIXTURE(adaptive) {
	int fd;
};

FIXTURE_SETUP(adaptive)
{
	struct drm_devmir_get_policy pol;

	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	if (pol.fault_window != 0)
		SKIP(return, "devmirror_sim not loaded with fault_window_kb=0 (adaptive)");
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(adaptive)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* 2 MiB-aligned anonymous memory of @size bytes, without THP. */
static uint8_t *map_blocks(size_t size)
{
	uint8_t *raw = mmap(NULL, size + BLOCK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + BLOCK - 1) & ~(uintptr_t)(BLOCK - 1));
	if (madvise(p, size, MADV_NOHUGEPAGE))
		return NULL;
	return p;
}

/* Memory the CPU wrote: one device fault maps each 2 MiB block. */
TEST_F(adaptive, dense_written_one_fault_per_block)
{
	size_t size = MIB(8);
	struct drm_devmir_stats st;
	uint8_t *buf = map_blocks(size), *out = malloc(size);

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 3);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	EXPECT_EQ(-1, buf_check(out, size, 3));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(size / BLOCK, st.faults) TH_LOG("faults serviced");
	EXPECT_EQ(size / PAGE, dm_entries(&st));
	free(out);
}

/*
 * Untouched memory: the fault-ahead run doubles while the scan is
 * sequential, so a 2 MiB block takes about log2(512) faults, not 512.
 */
TEST_F(adaptive, dense_untouched_run_grows)
{
	size_t size = MIB(8);
	struct drm_devmir_stats st;
	uint8_t *buf = map_blocks(size), *out = malloc(size);

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	memset(out, 0xa5, size);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	EXPECT_EQ(-1, buf_check_byte(out, size, 0));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	/* 1 + 2 + ... + 256 + 256 pages: 10 faults per block at most. */
	EXPECT_LE(st.faults, size / BLOCK * 10) TH_LOG("faults serviced");
	EXPECT_GT(st.faults, size / BLOCK) TH_LOG("faults serviced");
	EXPECT_EQ(size / PAGE, dm_entries(&st));
	free(out);
}

/*
 * Scattered writes, one page in each of 64 random 2 MiB blocks of a 1 GiB
 * reservation the CPU never touched: only those pages are mirrored (a
 * 2 MiB fixed window would mirror 512 pages each), and each holds what
 * the device wrote.
 */
TEST_F(adaptive, sparse_mirrors_only_touched_pages)
{
	size_t size = MIB(1024), n = 64, i;
	struct drm_devmir_stats st;
	uint8_t *buf = map_blocks(size);
	uint64_t val;

	ASSERT_NE(NULL, buf);
	srand(7);
	for (i = 0; i < n; i++) {
		/* Distinct blocks, a random page in each. */
		size_t block = i * (size / BLOCK / n) + rand() % (size / BLOCK / n);
		size_t off = block * BLOCK + (rand() % (BLOCK / PAGE)) * PAGE;

		val = 0x1000 + i;
		ASSERT_EQ(0, dm_write(self->fd, buf + off, sizeof(val), &val));
		EXPECT_EQ(0x1000 + i, *(uint64_t *)(buf + off));
	}
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, dm_entries(&st));
	EXPECT_EQ(n, st.faults);
	munmap(buf, size);
}

/* A scattered fault ends a sequential run: the next one starts small. */
TEST_F(adaptive, scattered_fault_resets_run)
{
	size_t size = MIB(4);
	struct drm_devmir_stats st;
	uint8_t *buf = map_blocks(size), *out = malloc(size);
	uint64_t entries;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	/* Grow a run through the first block. */
	ASSERT_EQ(0, dm_read(self->fd, buf, BLOCK, out));
	/* One page far away, then the second block's first page alone. */
	ASSERT_EQ(0, dm_read(self->fd, buf + BLOCK + MIB(1), PAGE, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	entries = dm_entries(&st);
	ASSERT_EQ(0, dm_read(self->fd, buf + BLOCK, PAGE, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(entries + 1, dm_entries(&st)) TH_LOG("a reset run faults one page");
	free(out);
}

/*
 * Scattered faults stop reading their block: the first two read it (one
 * hmm_range_fault() for the block, one for the page), every later one
 * only its page, as a 4 KiB window would; a page the CPU wrote next to a
 * faulted one is then not mirrored. A fault in the block after the last
 * one reads its block again.
 */
TEST_F(adaptive, scattered_faults_read_page_alone)
{
	size_t size = MIB(512), n = 64, i;
	struct drm_devmir_stats st;
	uint8_t *buf = map_blocks(size);
	uint64_t val;

	ASSERT_NE(NULL, buf);
	/* Every even block: two written pages, 64 KiB apart. */
	for (i = 0; i < n; i++) {
		*(uint64_t *)(buf + 2 * i * BLOCK) = i;
		*(uint64_t *)(buf + 2 * i * BLOCK + KIB(64)) = i;
	}
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, dm_read(self->fd, buf + 2 * i * BLOCK, sizeof(val), &val));
		EXPECT_EQ(i, val);
	}
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.faults);
	EXPECT_EQ(2 * 2 + (n - 2), st.hmm_calls);
	/* The first two faults mirrored both written pages of their block. */
	EXPECT_EQ(n + 2, dm_entries(&st));

	/* Near the last fault: the next block is read whole again. */
	*(uint64_t *)(buf + (2 * n - 1) * BLOCK + KIB(8)) = 77;
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, dm_read(self->fd, buf + (2 * n - 1) * BLOCK, sizeof(val), &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(2, st.hmm_calls);
	/* The faulted page, and the written neighbour with it. */
	EXPECT_EQ(n + 2 + 2, dm_entries(&st));
	munmap(buf, size);
}

TEST_HARNESS_MAIN
