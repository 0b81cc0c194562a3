// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_info - what a device reports (GET_INFO) and the fault policy,
 * through libdevmirror.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "libdevmirror.h"

FIXTURE(dev)
{
	struct devmir_dev *dev;
	struct devmir_info info;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	self->info.struct_size = sizeof(self->info);
	ASSERT_EQ(0, devmir_get_info(self->dev, &self->info));
}

FIXTURE_TEARDOWN(dev)
{
	devmir_close(self->dev);
}

/* The geometry is self-consistent: level 0 is the 4 KiB leaf level. */
TEST_F(dev, info_geometry_consistent)
{
	const struct devmir_info *in = &self->info;
	uint64_t sizes = 0;
	unsigned int l;

	EXPECT_EQ(DEVMIR_ABI_VERSION, in->abi_version);
	EXPECT_EQ(0, in->index);
	ASSERT_LE(1, in->levels);
	ASSERT_GE(DEVMIR_MAX_LEVELS, in->levels);
	EXPECT_EQ(12, in->level_shift[0]);
	EXPECT_TRUE(in->leaf_levels & 1);
	for (l = 0; l < in->levels; l++) {
		EXPECT_LE(1, in->level_bits[l]);
		if (l)
			EXPECT_EQ(in->level_shift[l - 1] +
					  in->level_bits[l - 1],
				  in->level_shift[l]);
		if (in->leaf_levels & (1U << l))
			sizes |= 1ULL << in->level_shift[l];
	}
	EXPECT_EQ(in->va_bits, in->level_shift[in->levels - 1] +
				       in->level_bits[in->levels - 1]);
	EXPECT_EQ(sizes, in->page_sizes);
	EXPECT_EQ(0, in->leaf_levels >> in->levels);
	EXPECT_LE(1, in->engines);
	EXPECT_LE(1, in->fault_queue_entries);
	EXPECT_LE(1, in->tlb_ways);
	EXPECT_EQ(0, in->tlb_entries % in->tlb_ways);
	EXPECT_EQ(4096, in->window_min);
	EXPECT_EQ(2 << 20, in->window_max);
}

/* Info through a second handle of the same process: same mirror. */
TEST_F(dev, info_stable_across_handles)
{
	struct devmir_info again = DEVMIR_INIT(again);
	struct devmir_dev *other;

	ASSERT_EQ(0, devmir_open(0, &other));
	ASSERT_EQ(0, devmir_get_info(other, &again));
	EXPECT_EQ(0, memcmp(&self->info, &again, sizeof(again)));
	devmir_close(other);
}

/* Set and get each policy field; the other stays. */
TEST_F(dev, policy_round_trip)
{
	unsigned int both = DEVMIR_POLICY_WINDOW | DEVMIR_POLICY_BATCH;
	struct devmir_policy pol = DEVMIR_INIT(pol);
	struct devmir_policy got = DEVMIR_INIT(got);
	struct devmir_policy saved = DEVMIR_INIT(saved);

	ASSERT_EQ(0, devmir_get_policy(self->dev, &saved));
	EXPECT_LE(1, saved.fault_batch);
	EXPECT_GE(self->info.fault_queue_entries, saved.fault_batch);

	pol.fault_window = 64 << 10;
	pol.fault_batch = 0; /* ignored: not in fields */
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
	ASSERT_EQ(0, devmir_get_policy(self->dev, &got));
	EXPECT_EQ(64 << 10, got.fault_window);
	EXPECT_EQ(saved.fault_batch, got.fault_batch);

	pol.fault_batch = 1;
	pol.fault_window = self->info.window_max;
	ASSERT_EQ(0, devmir_set_policy(self->dev, both, &pol));
	ASSERT_EQ(0, devmir_get_policy(self->dev, &got));
	EXPECT_EQ(1, got.fault_batch);
	EXPECT_EQ(self->info.window_max, got.fault_window);

	ASSERT_EQ(0, devmir_set_policy(self->dev, both, &saved));
}

/* The driver's limits come back as -EINVAL, and nothing changes. */
TEST_F(dev, policy_out_of_range_einval)
{
	struct devmir_policy pol = DEVMIR_INIT(pol);
	struct devmir_policy got = DEVMIR_INIT(got);
	struct devmir_policy saved = DEVMIR_INIT(saved);

	ASSERT_EQ(0, devmir_get_policy(self->dev, &saved));
	pol.fault_window = self->info.window_max * 2;
	EXPECT_EQ(-EINVAL,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
	pol.fault_window = 12288; /* not a power of two */
	EXPECT_EQ(-EINVAL,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
	pol.fault_batch = self->info.fault_queue_entries + 1;
	EXPECT_EQ(-EINVAL,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_BATCH, &pol));
	pol.fault_batch = 0;
	EXPECT_EQ(-EINVAL,
		  devmir_set_policy(self->dev, DEVMIR_POLICY_BATCH, &pol));
	EXPECT_EQ(-EINVAL, devmir_set_policy(self->dev, 0, &pol));
	ASSERT_EQ(0, devmir_get_policy(self->dev, &got));
	EXPECT_EQ(saved.fault_batch, got.fault_batch);
	EXPECT_EQ(saved.fault_window, got.fault_window);
}

/*
 * Range attributes through the library: a range split by a second call,
 * queried with a short array, cleared, and the device's own refusals.
 */
TEST_F(dev, advise_split_query_clear)
{
	struct devmir_advice adv = DEVMIR_INIT(adv);
	struct devmir_advice_range r[2];
	size_t size = 64 << 10, count = 0;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, buf);
	adv.fields = DEVMIR_ADVISE_FAULT_WINDOW;
	adv.fault_window = 16 << 10;
	ASSERT_EQ(0, devmir_advise(self->dev, buf, size, &adv));
	adv.fields = DEVMIR_ADVISE_ACCESSED_BY;
	adv.fault_window = 0;
	adv.accessed_by = 1;
	ASSERT_EQ(0, devmir_advise(self->dev, buf + 16384, 16384, &adv));
	ASSERT_EQ(0, devmir_advise_query(self->dev, buf, size, r, 2,
					 sizeof(r[0]), &count));
	EXPECT_EQ(3, count);
	EXPECT_EQ((uintptr_t)buf, r[0].addr);
	EXPECT_EQ(16384, r[0].size);
	EXPECT_EQ(DEVMIR_ADVISE_FAULT_WINDOW, r[0].fields);
	EXPECT_EQ(DEVMIR_ADVISE_FAULT_WINDOW | DEVMIR_ADVISE_ACCESSED_BY,
		  r[1].fields);
	EXPECT_EQ(1, r[1].accessed_by);
	EXPECT_EQ(16 << 10, r[1].fault_window);

	ASSERT_EQ(0, devmir_unadvise(self->dev, buf, size, DEVMIR_ADVISE_ACCESSED_BY));
	ASSERT_EQ(0, devmir_advise_query(self->dev, buf, size, r, 2,
					 sizeof(r[0]), &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(size, r[0].size);

	/* Refused by the device: a granularity that is not a power of two. */
	adv.fields = DEVMIR_ADVISE_GRANULARITY;
	adv.accessed_by = 0;
	adv.granularity = 12288;
	EXPECT_EQ(-EINVAL, devmir_advise(self->dev, buf, size, &adv));
	ASSERT_EQ(0, devmir_unadvise(self->dev, buf, size, DEVMIR_ADVISE_ALL));
	ASSERT_EQ(0, devmir_advise_query(self->dev, buf, size, NULL, 0,
					 sizeof(r[0]), &count));
	EXPECT_EQ(0, count);
	munmap(buf, size);
}

TEST_HARNESS_MAIN
