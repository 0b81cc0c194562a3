// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_snapshot - the mirror's entries decoded per page: unmapped,
 * read-only, read-write, huge leaves, and entries dropped by the CPU side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "libdevmirror.h"

FIXTURE(dev)
{
	struct devmir_dev *dev;
	struct devmir_info info;
	struct devmir_page *pages;
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
	self->pages = calloc(1024, sizeof(*self->pages));
	ASSERT_NE(NULL, self->pages);
}

FIXTURE_TEARDOWN(dev)
{
	free(self->pages);
	devmir_close(self->dev);
}

/* Pages in @state: the count of a snapshot's decoded entries. */
static size_t count_state(const struct devmir_page *p, size_t n,
			  enum devmir_page_state state)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += p[i].state == state;
	return c;
}

/* Only the pages the device touched are mirrored, writable as the CPU's. */
TEST_F(dev, snapshot_tracks_device_reads)
{
	size_t n = 64, mapped = 99, i;
	uint8_t *buf, out[4096];

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, n * PAGE_SIZE_4K, 1);
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(0, mapped);
	EXPECT_EQ(n, count_state(self->pages, n, DEVMIR_PAGE_UNMAPPED));

	/* Every other page. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, devmir_read(self->dev, buf + i * PAGE_SIZE_4K, out,
					 16, NULL));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(n / 2, mapped);
	for (i = 0; i < n; i++) {
		if (i % 2) {
			EXPECT_EQ(DEVMIR_PAGE_UNMAPPED, self->pages[i].state);
			EXPECT_EQ(0, self->pages[i].leaf_size);
			continue;
		}
		/* The CPU page is writable, so hmm_range_fault() says so. */
		EXPECT_EQ(DEVMIR_PAGE_READ_WRITE, self->pages[i].state);
		EXPECT_TRUE(self->pages[i].writable);
		EXPECT_FALSE(self->pages[i].exclusive);
		EXPECT_EQ(0, self->pages[i].level);
		EXPECT_EQ(4096, self->pages[i].leaf_size);
	}
	buf_unmap(buf, n * PAGE_SIZE_4K);
}

/* A read-only mapping is mirrored read-only. */
TEST_F(dev, snapshot_read_only_mapping)
{
	size_t n = 8, mapped;
	uint8_t *buf, out[64];

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, n * PAGE_SIZE_4K, 2);
	ASSERT_EQ(0, mprotect(buf, n * PAGE_SIZE_4K, PROT_READ));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_LE(1, mapped);
	EXPECT_EQ(DEVMIR_PAGE_READ_ONLY, self->pages[0].state);
	EXPECT_FALSE(self->pages[0].writable);
	EXPECT_STREQ("read-only", devmir_page_state_name(self->pages[0].state));
	buf_unmap(buf, n * PAGE_SIZE_4K);
}

/* The CPU side drops entries: MADV_DONTNEED and munmap show as unmapped. */
TEST_F(dev, snapshot_follows_invalidation)
{
	size_t n = 32, mapped;
	uint8_t *buf, *out;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, n * PAGE_SIZE_4K, 3);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(n, mapped);

	ASSERT_EQ(0, madvise(buf, 8 * PAGE_SIZE_4K, MADV_DONTNEED));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(n - 8, mapped);
	EXPECT_EQ(8, count_state(self->pages, 8, DEVMIR_PAGE_UNMAPPED));

	ASSERT_EQ(0, buf_unmap(buf, n * PAGE_SIZE_4K));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	EXPECT_EQ(0, mapped);
	free(out);
}

/* A transparent huge page is mirrored by one 2 MiB leaf. */
TEST_F(dev, snapshot_huge_leaf)
{
	size_t n = SIZE_2M / PAGE_SIZE_4K, mapped, i;
	uint8_t *buf, out[64];

	if (!(self->info.page_sizes & SIZE_2M))
		SKIP(return, "device maps no 2 MiB leaves");
	buf = buf_map_aligned(SIZE_2M, SIZE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, buf_thp(buf, SIZE_2M, true));
	memset(buf, 7, SIZE_2M);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, devmir_snapshot(self->dev, buf, n, self->pages,
				     sizeof(self->pages[0]), &mapped));
	if (self->pages[0].level == 0) {
		buf_unmap(buf, SIZE_2M);
		SKIP(return, "the kernel gave no transparent huge page");
	}
	EXPECT_EQ(n, mapped);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1, self->pages[i].level);
		EXPECT_EQ(SIZE_2M, self->pages[i].leaf_size);
		if (self->pages[i].level != 1)
			break;
	}
	buf_unmap(buf, SIZE_2M);
}

/* Misaligned addresses and empty ranges are refused. */
TEST_F(dev, snapshot_bad_arguments)
{
	uint8_t *buf = buf_map_aligned(PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(-EINVAL, devmir_snapshot(self->dev, buf + 1, 1, self->pages,
					   sizeof(self->pages[0]), NULL));
	EXPECT_EQ(-EINVAL, devmir_snapshot(self->dev, buf, 0, self->pages,
					   sizeof(self->pages[0]), NULL));
	EXPECT_EQ(-EINVAL, devmir_snapshot(self->dev, buf, 1, NULL,
					   sizeof(struct devmir_page), NULL));
	buf_unmap(buf, PAGE_SIZE_4K);
}

TEST_HARNESS_MAIN
