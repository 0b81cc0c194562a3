// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_multi - one process on two devices: two mirrors that both follow
 * the CPU, with statistics kept apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "libdevmirror.h"
#include "stats_util.h"

FIXTURE(two)
{
	struct devmir_dev *dev[2];
	struct devmir_info info[2];
};

FIXTURE_SETUP(two)
{
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .fault_window = 4096 };
	int i;

	if (devmir_enumerate(NULL, 0, 0) < 2)
		SKIP(return, "fewer than two devmirror devices");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, devmir_open(i, &self->dev[i]))
		TH_LOG("%s", devmir_last_error());
		self->info[i].struct_size = sizeof(self->info[i]);
		ASSERT_EQ(0, devmir_get_info(self->dev[i], &self->info[i]));
		ASSERT_EQ(0, devmir_set_policy(self->dev[i],
					       DEVMIR_POLICY_WINDOW, &pol));
	}
}

FIXTURE_TEARDOWN(two)
{
	devmir_close(self->dev[0]);
	devmir_close(self->dev[1]);
}

/* Two distinct devices, each with its own render node. */
TEST_F(two, multi_devices_distinct)
{
	EXPECT_EQ(0, self->info[0].index);
	EXPECT_EQ(1, self->info[1].index);
	EXPECT_NE(0,
		  strcmp(devmir_path(self->dev[0]), devmir_path(self->dev[1])));
}

/* Device 0 writes, device 1 reads the same bytes; the CPU agrees. */
TEST_F(two, multi_write_on_one_read_on_other)
{
	size_t size = 64 * PAGE_SIZE_4K;
	uint8_t *buf, *src, *out;

	buf = buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	src = malloc(size);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, out);
	memset(buf, 0, size);
	buf_fill(src, size, 7);
	ASSERT_EQ(0, devmir_write(self->dev[0], buf, src, size, NULL));
	ASSERT_EQ(0, devmir_read(self->dev[1], buf, out, size, NULL));
	EXPECT_EQ(-1, buf_check(out, size, 7));
	EXPECT_EQ(-1, buf_check(buf, size, 7));
	buf_unmap(buf, size);
	free(src);
	free(out);
}

/* Each device counts its own accesses; a CPU change invalidates both. */
TEST_F(two, multi_stats_apart_invalidation_shared)
{
	struct stat_reading b0, b1, a0, a1, d0, d1;
	size_t n = 32, i;
	uint8_t *buf, *out;

	buf = buf_map_aligned(n * PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(n * PAGE_SIZE_4K);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, n * PAGE_SIZE_4K, 8);

	ASSERT_EQ(0, stat_read(self->dev[0], DEVMIR_STATS_MIRROR, &b0));
	ASSERT_EQ(0, stat_read(self->dev[1], DEVMIR_STATS_MIRROR, &b1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, devmir_read(self->dev[0], buf, out,
					 n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0,
		  devmir_read(self->dev[1], buf, out, n * PAGE_SIZE_4K, NULL));
	ASSERT_EQ(0, stat_read(self->dev[0], DEVMIR_STATS_MIRROR, &a0));
	ASSERT_EQ(0, stat_read(self->dev[1], DEVMIR_STATS_MIRROR, &a1));
	stat_delta(&d0, &a0, &b0);
	stat_delta(&d1, &a1, &b1);
	EXPECT_EQ(3, SV(d0, accesses));
	EXPECT_EQ(1, SV(d1, accesses));
	EXPECT_EQ(n, SV(d0, pages_mapped));
	EXPECT_EQ(n, SV(d1, pages_mapped));

	b0 = a0;
	b1 = a1;
	ASSERT_EQ(0, buf_unmap(buf, n * PAGE_SIZE_4K));
	ASSERT_EQ(0, stat_read(self->dev[0], DEVMIR_STATS_MIRROR, &a0));
	ASSERT_EQ(0, stat_read(self->dev[1], DEVMIR_STATS_MIRROR, &a1));
	stat_delta(&d0, &a0, &b0);
	stat_delta(&d1, &a1, &b1);
	EXPECT_EQ(n, SV(d0, pages_invalidated));
	EXPECT_EQ(n, SV(d1, pages_invalidated));
	EXPECT_EQ(n, stats_entries(&b0) - stats_entries(&a0));
	EXPECT_EQ(n, stats_entries(&b1) - stats_entries(&a1));
	free(out);
}

/* Threads share a handle: concurrent accesses on both devices. */
struct worker {
	struct devmir_dev *dev;
	uint8_t *buf;
	size_t size;
	unsigned int seed;
	int ret;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint8_t *out = malloc(w->size);
	int i;

	w->ret = out ? 0 : -ENOMEM;
	for (i = 0; i < 20 && !w->ret; i++) {
		w->ret = devmir_read(w->dev, w->buf, out, w->size, NULL);
		if (!w->ret && buf_check(out, w->size, w->seed) >= 0)
			w->ret = -EIO;
	}
	free(out);
	return NULL;
}

TEST_F(two, multi_threads_share_handles)
{
	struct worker w[4];
	pthread_t t[4];
	size_t size = 32 * PAGE_SIZE_4K;
	int i;

	for (i = 0; i < 4; i++) {
		w[i].dev = self->dev[i % 2];
		w[i].size = size;
		w[i].seed = 10 + i;
		w[i].buf =
			buf_map_aligned(size, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		ASSERT_NE(MAP_FAILED, w[i].buf);
		buf_fill(w[i].buf, size, w[i].seed);
	}
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_run, &w[i]));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, w[i].ret) TH_LOG("worker %d", i);
		buf_unmap(w[i].buf, size);
	}
}

TEST_HARNESS_MAIN
