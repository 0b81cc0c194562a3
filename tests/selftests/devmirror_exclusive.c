// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_exclusive - exclusive access for device atomics: a device atomic
 * on system memory makes the page exclusive to the device
 * (make_device_exclusive_range()); the CPU touching it, mprotect() and
 * fork() revoke it; CPU and device atomics on one word stay atomic; pages
 * that cannot be exclusive fall back; device memory needs none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"

FIXTURE(excl) {
	int fd;
	uint64_t *buf;
	size_t size;
};

FIXTURE_SETUP(excl)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	self->size = KIB(16);
	self->buf = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0, self->size);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(excl)
{
	if (self->fd >= 0) {
		munmap(self->buf, self->size);
		close(self->fd);
	}
}

static uint8_t snap1(int fd, const void *addr)
{
	uint8_t byte = 0xff;

	dm_snapshot(fd, (const void *)((uintptr_t)addr & ~(PAGE - 1)), 1, &byte, NULL);
	return byte;
}

/* The first atomic makes the page exclusive; later ones reuse it. */
TEST_F(excl, atomic_grants_exclusive)
{
	struct drm_devmir_stats st;
	uint64_t old, revokes;
	int i;

	self->buf[1] = 40;
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[1], 2, &old));
		EXPECT_EQ(40ULL + 2 * i, old);
	}
	EXPECT_NE(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.exclusive_grants);
	EXPECT_EQ(0ULL, st.exclusive_fallbacks);

	/*
	 * A CPU read revokes it (and sees the device's result), through an
	 * invalidation of the page: MMU_NOTIFY_EXCLUSIVE without an owner on
	 * 6.1 and 6.12, MMU_NOTIFY_CLEAR on 7.x (mm/memory.c's
	 * remove_device_exclusive_entry()).
	 */
	revokes = st.invalidations[DRM_DEVMIR_INV_EXCLUSIVE] +
		  st.invalidations[DRM_DEVMIR_INV_CLEAR];
	EXPECT_EQ(50ULL, ((volatile uint64_t *)self->buf)[1]);
	EXPECT_EQ(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LT(revokes, st.invalidations[DRM_DEVMIR_INV_EXCLUSIVE] +
			   st.invalidations[DRM_DEVMIR_INV_CLEAR]);
	EXPECT_LE(1ULL, st.inv_skipped);
}

/* A CPU write to the page revokes; the next atomic grants again. */
TEST_F(excl, cpu_write_revokes)
{
	struct drm_devmir_stats st;
	uint64_t old;

	ASSERT_EQ(0, dm_atomic_cmpxchg(self->fd, &self->buf[0], 0, 7, &old));
	EXPECT_EQ(0ULL, old);
	EXPECT_NE(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	self->buf[8] = 99;		/* another word of the same page */
	EXPECT_EQ(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, dm_atomic_cmpxchg(self->fd, &self->buf[0], 7, 8, &old));
	EXPECT_EQ(7ULL, old);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(2ULL, st.exclusive_grants);
	EXPECT_EQ(8ULL, self->buf[0]);
	EXPECT_EQ(99ULL, self->buf[8]);
}

/* mprotect() revokes; a read-only page takes no device atomic. */
TEST_F(excl, mprotect_revokes)
{
	uint64_t old;

	ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[2], 5, &old));
	EXPECT_NE(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, mprotect(self->buf, self->size, PROT_READ));
	EXPECT_EQ(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	EXPECT_EQ(-EFAULT, dm_atomic_add(self->fd, &self->buf[2], 5, &old));
	EXPECT_EQ(5ULL, self->buf[2]);
	ASSERT_EQ(0, mprotect(self->buf, self->size, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[2], 5, &old));
	EXPECT_EQ(5ULL, old);
	EXPECT_EQ(10ULL, self->buf[2]);
}

/* fork() write-protects the page: exclusivity goes with it. */
TEST_F(excl, fork_revokes)
{
	uint64_t old;
	int status;
	pid_t pid;

	ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[3], 11, &old));
	EXPECT_NE(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(self->buf[3] == 11 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[3], 1, &old));
	EXPECT_EQ(11ULL, old);
	EXPECT_EQ(12ULL, self->buf[3]);
}

struct cpu_adder {
	volatile uint64_t *word;
	int count;
};

static void *cpu_add(void *arg)
{
	struct cpu_adder *a = arg;
	int i;

	for (i = 0; i < a->count; i++)
		__atomic_fetch_add(a->word, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* CPU and device add to one word at once: no increment is lost. */
TEST_F(excl, concurrent_cpu_and_device)
{
	struct cpu_adder a = { .word = &self->buf[4], .count = 3000 };
	struct drm_devmir_stats st;
	pthread_t thread;
	int i, rounds = 600;

	ASSERT_EQ(0, pthread_create(&thread, NULL, cpu_add, &a));
	for (i = 0; i < rounds; i++)
		ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[4], 1, NULL));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((uint64_t)(a.count + rounds), self->buf[4]);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.exclusive_grants);
}

/* Shared memory cannot be exclusive: the atomic falls back, still exact. */
TEST_F(excl, shared_memory_falls_back)
{
	struct drm_devmir_stats st;
	uint64_t *shared, old;

	shared = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, shared);
	shared[0] = 1;
	ASSERT_EQ(0, dm_atomic_add(self->fd, &shared[0], 2, &old));
	EXPECT_EQ(1ULL, old);
	EXPECT_EQ(3ULL, shared[0]);
	EXPECT_EQ(0, snap1(self->fd, shared) & DRM_DEVMIR_SNAP_EXCLUSIVE);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.exclusive_grants);
	EXPECT_EQ(1ULL, st.exclusive_fallbacks);
	munmap(shared, PAGE);
}

/* In device memory an atomic needs no exclusive access. */
TEST_F(excl, device_memory_atomic)
{
	struct drm_devmir_stats st;
	uint64_t old;

	if (!dm_device_memory(self->fd))
		SKIP(return, "no device memory");
	self->buf[5] = 1000;
	ASSERT_EQ(0, dm_to_device(self->fd, self->buf, self->size, NULL));
	ASSERT_EQ(0, dm_atomic_add(self->fd, &self->buf[5], 24, &old));
	EXPECT_EQ(1000ULL, old);
	ASSERT_EQ(0, dm_atomic_cmpxchg(self->fd, &self->buf[5], 1024, 2048, &old));
	EXPECT_EQ(1024ULL, old);
	EXPECT_NE(0, snap1(self->fd, self->buf) & DRM_DEVMIR_SNAP_DEV_LOCAL);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.exclusive_grants);
	EXPECT_EQ(0ULL, st.migrated_to_system);
	EXPECT_EQ(2048ULL, self->buf[5]);
}

TEST_HARNESS_MAIN

/*
 * MIGRATE to system memory over a page the CPU maps device-exclusive: the
 * migration cannot collect it, and it is there, so it counts busy, not
 * absent; once the CPU touched it (revoked) it is simply in system memory.
 */
TEST_F(excl, to_system_counts_exclusive_busy)
{
	struct drm_devmir_migrate m;
	uint64_t *page1 = self->buf + PAGE / sizeof(uint64_t);
	uint64_t old;

	ASSERT_EQ(0, dm_atomic_add(self->fd, page1, 5, &old));
	ASSERT_NE(0, snap1(self->fd, page1) & DRM_DEVMIR_SNAP_EXCLUSIVE);

	EXPECT_EQ(-EBUSY, dm_to_system(self->fd, self->buf, self->size, &m));
	EXPECT_EQ(3ULL, m.already);
	EXPECT_EQ(0ULL, m.absent);
	EXPECT_EQ(1ULL, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
	EXPECT_EQ(4ULL, dm_migrate_total(&m));

	EXPECT_EQ(5ULL, *page1);	/* the CPU read revokes exclusivity */
	ASSERT_EQ(0, dm_to_system(self->fd, self->buf, self->size, &m));
	EXPECT_EQ(4ULL, m.already);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
}
