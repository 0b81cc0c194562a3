// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_stats - statistics through libdevmirror: what one access, a
 * repeat and an munmap change, per mirror and per device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "stats_util.h"
#include "devmirror.h"

FIXTURE(dev)
{
	struct devmir_dev *dev;
	struct devmir_info info;
};

FIXTURE_SETUP(dev)
{
	struct devmir_policy pol = { .fault_window = 4096 };

	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	ASSERT_EQ(0, devmir_get_info(self->dev, &self->info));
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
}

FIXTURE_TEARDOWN(dev)
{
	devmir_close(self->dev);
}

/* One cold read of N pages: one access, N leaves, N entries at level 0. */
TEST_F(dev, stats_delta_of_cold_read)
{
	struct devmir_stats before, after, d;
	size_t n = 100;
	uint8_t *buf, *out;
	uint64_t faults;

	buf = buf_map(n * PAGE_SIZE_4K, PROT_READ | PROT_WRITE, PAGE_SIZE_4K,
		      0);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, 0, n * PAGE_SIZE_4K, 1);

	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0,
		  devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, &faults));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &after));
	EXPECT_EQ(-1, buf_check(out, 0, n * PAGE_SIZE_4K, 1));
	devmir_stats_delta(&d, &after, &before);

	EXPECT_EQ(1, d.accesses);
	EXPECT_EQ(n, faults);
	EXPECT_EQ(n, d.faults_raised);
	EXPECT_EQ(n, d.pages_mapped);
	EXPECT_EQ(0, d.huge_mapped);
	EXPECT_EQ(0, d.fault_errors);
	EXPECT_LE(1, d.fault_batches);
	EXPECT_LE(1, d.hmm_calls);
	EXPECT_EQ(n, stats_entries(&after) - stats_entries(&before));
	EXPECT_EQ(1, after.mirrors);
	buf_unmap(buf, n * PAGE_SIZE_4K);
	free(out);
}

/* A warm read raises no fault: it hits the TLB or walks the table. */
TEST_F(dev, stats_delta_of_warm_read)
{
	struct devmir_stats before, after, d;
	size_t n = 16;
	uint8_t *buf, *out;

	buf = buf_map(n * PAGE_SIZE_4K, PROT_READ | PROT_WRITE, PAGE_SIZE_4K,
		      0);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, 0, n * PAGE_SIZE_4K, 2);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));

	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &after));
	devmir_stats_delta(&d, &after, &before);
	EXPECT_EQ(-1, buf_check(out, 0, n * PAGE_SIZE_4K, 2));
	EXPECT_EQ(1, d.accesses);
	EXPECT_EQ(0, d.faults_raised);
	EXPECT_EQ(0, d.pages_mapped);
	/* Each transaction translates: a hit, or a miss that walks. */
	EXPECT_EQ(n * PAGE_SIZE_4K / self->info.txn_bytes,
		  d.tlb_hits + d.tlb_misses);
	EXPECT_EQ(d.tlb_misses, d.walks);
	buf_unmap(buf, n * PAGE_SIZE_4K);
	free(out);
}

/* munmap: the entries go, counted as an unmap invalidation. */
TEST_F(dev, stats_delta_of_munmap)
{
	struct devmir_stats before, after, d;
	size_t n = 40;
	uint8_t *buf, *out;

	buf = buf_map(n * PAGE_SIZE_4K, PROT_READ | PROT_WRITE, PAGE_SIZE_4K,
		      0);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, 0, n * PAGE_SIZE_4K, 3);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, buf_unmap(buf, n * PAGE_SIZE_4K));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &after));
	devmir_stats_delta(&d, &after, &before);
	EXPECT_LE(1, d.invalidations[DEVMIR_INV_UNMAP]);
	EXPECT_EQ(n, d.pages_invalidated);
	EXPECT_LE(1, d.tlb_shootdowns);
	EXPECT_EQ(n, stats_entries(&before) - stats_entries(&after));
	free(out);
}

/* Reset zeroes the counters, not the present table. */
TEST_F(dev, stats_reset_keeps_table)
{
	struct devmir_stats st;
	size_t n = 8;
	uint8_t *buf, out[64];
	uint64_t entries;

	buf = buf_map(n * PAGE_SIZE_4K, PROT_READ | PROT_WRITE, PAGE_SIZE_4K,
		      0);
	ASSERT_NE(NULL, buf);
	memset(buf, 1, n * PAGE_SIZE_4K);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &st));
	entries = stats_entries(&st);
	EXPECT_LE(1, entries);
	ASSERT_EQ(0, devmir_reset_stats(self->dev, DEVMIR_STATS_MIRROR));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &st));
	EXPECT_EQ(0, st.accesses);
	EXPECT_EQ(0, st.faults_raised);
	EXPECT_EQ(0, st.pages_mapped);
	EXPECT_EQ(entries, stats_entries(&st));
	EXPECT_LE(1, st.table_bytes);
	buf_unmap(buf, n * PAGE_SIZE_4K);
}

/* The device scope covers this mirror: its counters are at least ours. */
TEST_F(dev, stats_device_scope_covers_mirror)
{
	struct devmir_stats mine, all, all2, d;
	const struct devmir_stat_field *f;
	unsigned int nf, i;
	uint8_t *buf, out[64];

	buf = buf_map(4 * PAGE_SIZE_4K, PROT_READ | PROT_WRITE, PAGE_SIZE_4K,
		      0);
	ASSERT_NE(NULL, buf);
	memset(buf, 2, 4 * PAGE_SIZE_4K);
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_DEVICE, &all));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_MIRROR, &mine));
	ASSERT_EQ(0, devmir_get_stats(self->dev, DEVMIR_STATS_DEVICE, &all2));
	f = devmir_stat_fields(&nf);
	for (i = 0; i < nf; i++)
		if (f[i].counter)
			EXPECT_LE(devmir_stat_value(&mine, &f[i]),
				  devmir_stat_value(&all2, &f[i]))
	TH_LOG("%s", f[i].name);
	EXPECT_LE(1, all2.mirrors);
	devmir_stats_delta(&d, &all2, &all);
	EXPECT_EQ(1, d.accesses);
	buf_unmap(buf, 4 * PAGE_SIZE_4K);
}

TEST_HARNESS_MAIN
