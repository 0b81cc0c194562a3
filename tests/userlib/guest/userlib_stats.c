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
#include "libdevmirror.h"

FIXTURE(dev)
{
	struct devmir_dev *dev;
	struct devmir_info info;
};

FIXTURE_SETUP(dev)
{
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .fault_window = 4096 };

	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	self->info.struct_size = sizeof(self->info);
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
	struct stat_reading before, after, d;
	size_t n = 100;
	uint8_t *buf, *out;
	uint64_t faults;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, n * PAGE_SIZE_4K, 1);

	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0,
		  devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, &faults));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	EXPECT_EQ(-1, buf_check(out, n * PAGE_SIZE_4K, 1));
	stat_delta(&d, &after, &before);

	EXPECT_EQ(1, SV(d, accesses));
	EXPECT_EQ(n, faults);
	EXPECT_EQ(n, SV(d, faults_raised));
	EXPECT_EQ(n, SV(d, pages_mapped));
	EXPECT_EQ(0, SV(d, huge_mapped));
	EXPECT_EQ(0, SV(d, fault_errors));
	EXPECT_LE(1, SV(d, fault_batches));
	EXPECT_LE(1, SV(d, hmm_calls));
	EXPECT_EQ(n, stats_entries(&after) - stats_entries(&before));
	EXPECT_EQ(1, SV(after, mirrors));
	buf_unmap(buf, n * PAGE_SIZE_4K);
	free(out);
}

/* A warm read raises no fault: it hits the TLB or walks the table. */
TEST_F(dev, stats_delta_of_warm_read)
{
	struct stat_reading before, after, d;
	size_t n = 16;
	uint8_t *buf, *out;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, n * PAGE_SIZE_4K, 2);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));

	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	stat_delta(&d, &after, &before);
	EXPECT_EQ(-1, buf_check(out, n * PAGE_SIZE_4K, 2));
	EXPECT_EQ(1, SV(d, accesses));
	EXPECT_EQ(0, SV(d, faults_raised));
	EXPECT_EQ(0, SV(d, pages_mapped));
	/* Each transaction translates: a hit, or a miss that walks. */
	EXPECT_EQ(n * PAGE_SIZE_4K / self->info.txn_bytes,
		  SV(d, tlb_hits) + SV(d, tlb_misses));
	EXPECT_EQ(SV(d, tlb_misses), SV(d, walks));
	buf_unmap(buf, n * PAGE_SIZE_4K);
	free(out);
}

/* munmap: the entries go, counted as an unmap invalidation. */
TEST_F(dev, stats_delta_of_munmap)
{
	struct stat_reading before, after, d;
	size_t n = 40;
	uint8_t *buf, *out;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, n * PAGE_SIZE_4K, 3);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, buf_unmap(buf, n * PAGE_SIZE_4K));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &after));
	stat_delta(&d, &after, &before);
	EXPECT_LE(1, SV(d, inv_unmap));
	EXPECT_EQ(n, SV(d, pages_invalidated));
	EXPECT_LE(1, SV(d, tlb_shootdowns));
	EXPECT_EQ(n, stats_entries(&before) - stats_entries(&after));
	free(out);
}

/* Reset zeroes the counters, not the present table. */
TEST_F(dev, stats_reset_keeps_table)
{
	struct stat_reading st;
	size_t n = 8;
	uint8_t *buf, out[64];
	uint64_t entries;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, n * PAGE_SIZE_4K);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &st));
	entries = stats_entries(&st);
	EXPECT_LE(1, entries);
	ASSERT_EQ(0, devmir_reset_stats(self->dev, DEVMIR_STATS_MIRROR));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &st));
	EXPECT_EQ(0, SV(st, accesses));
	EXPECT_EQ(0, SV(st, faults_raised));
	EXPECT_EQ(0, SV(st, pages_mapped));
	EXPECT_EQ(entries, stats_entries(&st));
	EXPECT_LE(1, SV(st, table_bytes));
	buf_unmap(buf, n * PAGE_SIZE_4K);
}

/* The device scope covers this mirror: its counters are at least ours. */
TEST_F(dev, stats_device_scope_covers_mirror)
{
	struct stat_reading mine, all, all2, d;
	const struct devmir_stat_field *f;
	unsigned int nf, i;
	uint8_t *buf, out[64];

	buf = buf_map_aligned(4 * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 2, 4 * PAGE_SIZE_4K);
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_DEVICE, &all));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_MIRROR, &mine));
	ASSERT_EQ(0, stat_read(self->dev, DEVMIR_STATS_DEVICE, &all2));
	ASSERT_EQ(0, devmir_stat_fields(self->dev, &f, &nf));
	for (i = 0; i < nf; i++)
		if (f[i].counter)
			EXPECT_LE(mine.v[i], all2.v[i])
	TH_LOG("%s", f[i].name);
	EXPECT_LE(1, SV(all2, mirrors));
	stat_delta(&d, &all2, &all);
	EXPECT_EQ(1, SV(d, accesses));
	buf_unmap(buf, 4 * PAGE_SIZE_4K);
}


/* The device describes its statistics: unique names, framework and driver. */
TEST_F(dev, stats_fields_self_described)
{
	const struct devmir_stat_field *f;
	struct stat_reading st;
	unsigned int n, i, j, drv = 0;

	ASSERT_EQ(0, devmir_stat_fields(self->dev, &f, &n));
	ASSERT_LE(10, n);
	for (i = 0; i < n; i++) {
		EXPECT_NE(0, strlen(f[i].name));
		EXPECT_NE(NULL, f[i].description);
		drv += f[i].driver;
		for (j = 0; j < i; j++)
			EXPECT_STRNE(f[i].name, f[j].name);
	}
	EXPECT_LE(1, drv);
	i = devmir_stat_find(self->dev, "tlb_misses");
	ASSERT_LE(0, (int)i);
	EXPECT_TRUE(f[i].driver);
	EXPECT_TRUE(f[i].counter);
	i = devmir_stat_find(self->dev, "faults");
	ASSERT_LE(0, (int)i);
	EXPECT_FALSE(f[i].driver);
	i = devmir_stat_find(self->dev, "table_bytes");
	ASSERT_LE(0, (int)i);
	EXPECT_FALSE(f[i].counter);
	EXPECT_EQ(-ENOENT, devmir_stat_find(self->dev, "no_such_statistic"));
	EXPECT_EQ(-EINVAL, devmir_stat_read(self->dev, DEVMIR_STATS_MIRROR,
					    st.v, n - 1));
	EXPECT_EQ(-EINVAL, devmir_stat_read(self->dev,
					    (enum devmir_stats_scope)9, st.v, n));
}

TEST_HARNESS_MAIN
