// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_access - device READ, WRITE and atomics on process memory through
 * libdevmirror, checked byte for byte.
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
};

FIXTURE_SETUP(dev)
{
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .fault_window = 4096 };

	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	self->info.struct_size = sizeof(self->info);
	ASSERT_EQ(0, devmir_get_info(self->dev, &self->info));
	/* No fault-ahead: one fault per page touched. */
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));
}

FIXTURE_TEARDOWN(dev)
{
	devmir_close(self->dev);
}

/* The device reads what the CPU wrote, one fault per page, then none. */
TEST_F(dev, access_read_data_and_faults)
{
	size_t size = 256 * PAGE_SIZE_4K;
	uint8_t *buf, *out;
	uint64_t faults = 99;

	buf = buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, out);
	buf_fill(buf, size, 1);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, size, &faults));
	EXPECT_EQ(-1, buf_check(out, size, 1));
	EXPECT_EQ(size / PAGE_SIZE_4K, faults);

	memset(out, 0, size);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, size, &faults));
	EXPECT_EQ(-1, buf_check(out, size, 1));
	EXPECT_EQ(0, faults);
	buf_unmap(buf, size);
	free(out);
}

/* The CPU reads what the device wrote, unaligned, and nothing around it. */
TEST_F(dev, access_write_unaligned_exact)
{
	size_t size = 16 * PAGE_SIZE_4K, off = 123, len = size - 500;
	uint8_t *buf, *src;
	uint64_t faults;

	buf = buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	src = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, src);
	buf_fill(buf, size, 2);
	buf_fill(src, size, 3);
	ASSERT_EQ(0,
		  devmir_write(self->dev, buf + off, src + off, len, &faults));
	EXPECT_EQ(16, faults);
	EXPECT_EQ(-1, buf_check(buf, off, 2));
	EXPECT_EQ(-1, buf_check_range(buf + off, off, len, 3));
	EXPECT_EQ(-1,
		  buf_check_range(buf + off + len, off + len, size - off - len, 2));
	buf_unmap(buf, size);
	free(src);
}

/* A READ larger than one device command is split and still exact. */
TEST_F(dev, access_read_beyond_command_max)
{
	size_t size = DEVMIR_ACCESS_MAX + 3 * PAGE_SIZE_4K;
	uint8_t *buf, *out;
	uint64_t faults;

	buf = buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, out);
	buf_fill(buf, size, 4);
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, size, &faults));
	EXPECT_EQ(-1, buf_check(out, size, 4));
	EXPECT_EQ(size / PAGE_SIZE_4K, faults);
	buf_unmap(buf, size);
	buf_unmap(out, size);
}

/* Atomics from every engine see each other's results. */
TEST_F(dev, access_atomics_all_engines)
{
	struct devmir_access acc = { .struct_size = sizeof(acc),
				     .op = DEVMIR_OP_ATOMIC_ADD,
				     .size = 8 };
	uint64_t *word, old;
	unsigned int e;

	word = buf_map_aligned(PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, word);
	*word = 100;
	for (e = 0; e < self->info.engines; e++) {
		acc.engine = e;
		acc.addr = word;
		acc.operand = e + 1;
		ASSERT_EQ(0, devmir_access(self->dev, &acc));
		EXPECT_EQ(100 + e * (e + 1) / 2, acc.result);
	}
	EXPECT_EQ(100 + self->info.engines * (self->info.engines + 1) / 2,
		  *word);

	*word = 5;
	ASSERT_EQ(0, devmir_atomic_cmpxchg(self->dev, word, 4, 9, &old));
	EXPECT_EQ(5, old);
	EXPECT_EQ(5, *word);
	ASSERT_EQ(0, devmir_atomic_cmpxchg(self->dev, word, 5, 9, &old));
	EXPECT_EQ(5, old);
	EXPECT_EQ(9, *word);
	ASSERT_EQ(0, devmir_atomic_add(self->dev, word, -3ULL, &old));
	EXPECT_EQ(9, old);
	EXPECT_EQ(6, *word);
	buf_unmap(word, PAGE_SIZE_4K);
}

/* NOFAULT misses on a cold page, works once the page is mirrored. */
TEST_F(dev, access_nofault_needs_mirrored_page)
{
	struct devmir_access acc = {
		.struct_size = sizeof(acc),
		.op = DEVMIR_OP_READ,
		.flags = DEVMIR_ACCESS_NOFAULT,
		.size = PAGE_SIZE_4K,
	};
	uint8_t *buf, out[4096];

	buf = buf_map_aligned(PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, PAGE_SIZE_4K, 5);
	acc.addr = buf;
	acc.buffer = out;
	EXPECT_EQ(-EFAULT, devmir_access(self->dev, &acc));
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, 8, NULL));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, devmir_access(self->dev, &acc));
	EXPECT_EQ(0, acc.faults);
	EXPECT_EQ(-1, buf_check(out, PAGE_SIZE_4K, 5));
	buf_unmap(buf, PAGE_SIZE_4K);
}

/* Memory the device may not use is -EFAULT; bad arguments -EINVAL. */
TEST_F(dev, access_errors)
{
	struct devmir_access acc = { .struct_size = sizeof(acc),
				     .op = DEVMIR_OP_READ,
				     .size = 8 };
	uint8_t *buf, out[64];

	buf = buf_map_aligned(2 * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(-EFAULT, devmir_write(self->dev, buf, out, 64, NULL));
	EXPECT_EQ(0, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, mprotect(buf, PAGE_SIZE_4K, PROT_NONE));
	EXPECT_EQ(-EFAULT, devmir_read(self->dev, buf, out, 64, NULL));
	ASSERT_EQ(0, munmap(buf, 2 * PAGE_SIZE_4K));
	EXPECT_EQ(-EFAULT,
		  devmir_read(self->dev, buf + PAGE_SIZE_4K, out, 64, NULL));

	EXPECT_EQ(-EINVAL, devmir_read(self->dev, out, out, 0, NULL));
	EXPECT_EQ(-EINVAL,
		  devmir_atomic_add(self->dev, (uint64_t *)(out + 1), 1, NULL));
	acc.addr = out;
	acc.buffer = out;
	acc.engine = self->info.engines;
	EXPECT_EQ(-EINVAL, devmir_access(self->dev, &acc));
}

TEST_HARNESS_MAIN
