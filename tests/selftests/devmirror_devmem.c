// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_devmem - the device memory pool and its lifetime: eviction under
 * oversubscription and its LRU order, pages split across two devices (peer
 * pages reported remote and migrated when touched), device pages across
 * fork() and closing the file, and a FOLL_LONGTERM pin forcing pages back.
 * Data verified byte for byte. (Exit with device pages and kill -9 in the
 * middle of migrations are in devmirror_teardown's matrix.)
 *
 * The suite loads the simulator with a small device memory (devmem_mb) so
 * that twice the pool stays a few MiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
/* The kernel's gup_test interface, from the unpacked source tree. */
#include "../../../mm/gup_test.h"

#define NPAGES(size)	((size) / PAGE)
#define POOL_MAX	MIB(16)	/* larger pools would make the suite slow */

FIXTURE(devmem) {
	int fd;
	uint64_t pool;
};

FIXTURE_SETUP(devmem)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	self->pool = dm_device_memory(self->fd);
	if (!self->pool || self->pool > POOL_MAX)
		SKIP(return, "device memory of %llu bytes (load devmem_mb=4)",
		     (unsigned long long)self->pool);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(devmem)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Twice the pool in one call: eviction makes room, nothing is lost. */
TEST_F(devmem, oversubscribe_2x)
{
	size_t size = 2 * self->pool, n = NPAGES(size);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 7);

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(n, dm_migrate_total(&m));
	EXPECT_LE(n - NPAGES(self->pool), m.evicted);
	EXPECT_LE(dm_devmem_used(self->fd), NPAGES(self->pool));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_device);
	EXPECT_EQ(m.evicted, st.evictions);
	EXPECT_EQ(NPAGES(self->pool), st.devmem_pages);

	/* The last-migrated part is in device memory, the first was evicted. */
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n - m.evicted, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_NE(0, snap[n - 1] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	EXPECT_EQ(0, snap[0] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	free(snap);

	/* Device then CPU see every byte. */
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 7));
	ASSERT_EQ(-1, buf_check(buf, size, 7));
	munmap(buf, size);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	free(out);
}

/*
 * Eviction takes the least recently used pages: a page the device used gets
 * a second chance.
 */
TEST_F(devmem, eviction_is_lru)
{
	size_t third = self->pool / 2, n = NPAGES(third);
	uint8_t *a, *b, *c, *out, *snap;
	struct drm_devmir_migrate m;

	a = buf_map(third, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	b = buf_map(third, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	c = buf_map(third, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_NE(MAP_FAILED, c);
	out = malloc(third);
	ASSERT_NE(NULL, out);
	buf_fill(a, third, 1);
	buf_fill(b, third, 2);
	buf_fill(c, third, 3);

	ASSERT_EQ(0, dm_to_device(self->fd, a, third, NULL));
	ASSERT_EQ(0, dm_to_device(self->fd, b, third, NULL));
	/* The device uses A (older than B), not B. */
	ASSERT_EQ(0, dm_read(self->fd, a, third, out));
	ASSERT_EQ(-1, buf_check(out, third, 1));
	ASSERT_EQ(0, dm_to_device(self->fd, c, third, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(n, m.evicted);

	snap = dm_snap(self->fd, a, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	snap = dm_snap(self->fd, b, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(-1, buf_check(a, third, 1));
	ASSERT_EQ(-1, buf_check(b, third, 2));
	ASSERT_EQ(-1, buf_check(c, third, 3));
	free(out);
}

/* A full pool: one more migration evicts exactly what it needs. */
TEST_F(devmem, full_pool_evicts)
{
	size_t size = self->pool, n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf, *extra;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	extra = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, extra);
	buf_fill(buf, size, 5);
	buf_fill(extra, KIB(64), 6);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);
	EXPECT_EQ(n, dm_devmem_used(self->fd));
	/* A further migration evicts (in batches of 32 pages), never fails. */
	ASSERT_EQ(0, dm_to_device(self->fd, extra, KIB(64), &m));
	EXPECT_EQ(NPAGES(KIB(64)), m.migrated);
	EXPECT_LE(NPAGES(KIB(64)), m.evicted);
	EXPECT_LE(dm_devmem_used(self->fd), n);
	ASSERT_EQ(-1, buf_check(buf, size, 5));
	ASSERT_EQ(-1, buf_check(extra, KIB(64), 6));
	munmap(buf, size);
	munmap(extra, KIB(64));
}

/* Half on device 0, half on device 1: local vs remote, data intact. */
TEST_F(devmem, split_across_two_devices)
{
	size_t size = MIB(1), half = size / 2, n = NPAGES(size);
	struct drm_devmir_stats st0, st1;
	uint8_t *buf, *out, *snap;
	int fd1;

	fd1 = dm_open(1);
	if (fd1 < 0 || !dm_device_memory(fd1))
		SKIP(return, "no second device with memory");
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 17);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, half, NULL));
	ASSERT_EQ(0, dm_to_device(fd1, buf + half, half, NULL));

	/* Each device: its half local, the other half remote (unmapped). */
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n / 2, dm_snap_with(snap, n / 2, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(n / 2, dm_snap_count(snap + n / 2, n / 2, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);
	snap = dm_snap(fd1, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n / 2, dm_snap_count(snap, n / 2, DRM_DEVMIR_SNAP_DEV_REMOTE));
	EXPECT_EQ(n / 2, dm_snap_with(snap + n / 2, n / 2, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);

	/* Device 0 reads it all: the remote half moves to system memory. */
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 17));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st0));
	EXPECT_EQ(n / 2, st0.remote_faults);
	EXPECT_EQ(n / 2, st0.migrated_to_system);
	ASSERT_EQ(0, dm_stats(fd1, DRM_DEVMIR_STATS_DEVICE, &st1));
	EXPECT_EQ(0ULL, st1.devmem_used);
	snap = dm_snap(fd1, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(n / 2, dm_snap_count(snap, n / 2, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 17));
	close(fd1);
	munmap(buf, size);
	free(out);
}

/*
 * A peer's pages seen by device 1's fault-ahead window are reported remote
 * until device 1 touches one; under a migration policy the touch pulls them
 * into device 1's memory directly.
 */
TEST_F(devmem, remote_until_touched)
{
	size_t size = KIB(64), n = NPAGES(size);
	struct drm_devmir_stats st;
	uint8_t *buf, *snap, byte, *out;
	int fd1;

	fd1 = dm_open(1);
	if (fd1 < 0 || !dm_device_memory(fd1))
		SKIP(return, "no second device with memory");
	buf = buf_map_aligned(size, size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 27);
	ASSERT_EQ(0, dm_to_device(self->fd, buf + PAGE, size - PAGE, NULL));

	ASSERT_EQ(0, dm_set_window(fd1, size));
	ASSERT_EQ(0, dm_read(fd1, buf, 1, &byte));
	EXPECT_EQ(buf[0], byte);
	/*
	 * Page 0 is mirrored from system memory (checked loosely: the kernel
	 * may move a system page, e.g. to compact memory, which unmirrors it).
	 */
	snap = dm_snap(fd1, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, snap[0] & (DRM_DEVMIR_SNAP_DEV_REMOTE | DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(n - 1, dm_snap_count(snap + 1, n - 1, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);

	/* Touching page 5 (policy off): to system memory, only that page. */
	ASSERT_EQ(0, dm_reset_stats(fd1, 0));
	ASSERT_EQ(0, dm_read(fd1, buf + 5 * PAGE, PAGE, out));
	ASSERT_EQ(-1, buf_check_range(out, 5 * PAGE, PAGE, 27));
	ASSERT_EQ(0, dm_stats(fd1, 0, &st));
	EXPECT_EQ(1ULL, st.remote_faults);
	EXPECT_EQ(1ULL, st.migrated_to_system);
	snap = dm_snap(fd1, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, snap[5] & (DRM_DEVMIR_SNAP_DEV_REMOTE | DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(n - 2, dm_snap_count(snap, n, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);

	/* Policy on: device 1 pulls the rest from device 0 to itself. */
	ASSERT_EQ(0, dm_set_migrate_policy(fd1, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0));
	ASSERT_EQ(0, dm_reset_stats(fd1, 0));
	ASSERT_EQ(0, dm_read(fd1, buf + 9 * PAGE, PAGE, out));
	ASSERT_EQ(-1, buf_check_range(out, 9 * PAGE, PAGE, 27));
	ASSERT_EQ(0, dm_stats(fd1, 0, &st));
	EXPECT_EQ(n, st.migrated_to_device);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	snap = dm_snap(fd1, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_count(snap, n, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 27));
	close(fd1);
	munmap(buf, size);
	free(out);
}

/*
 * MIGRATE to device 1 of pages in device 0's memory: a device-to-device
 * copy; MIGRATE to system from device 1 brings back both devices' pages.
 */
TEST_F(devmem, migrate_between_devices)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf;
	int fd1;

	fd1 = dm_open(1);
	if (fd1 < 0 || !dm_device_memory(fd1))
		SKIP(return, "no second device with memory");
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 37);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_to_device(fd1, buf, size / 2, &m));
	EXPECT_EQ(n / 2, m.migrated);
	EXPECT_EQ(size / 2, m.bytes_copied);
	EXPECT_EQ(n / 2, dm_devmem_used(self->fd));
	EXPECT_EQ(n / 2, dm_devmem_used(fd1));

	ASSERT_EQ(0, dm_to_system(fd1, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	EXPECT_EQ(0ULL, dm_devmem_used(fd1));
	ASSERT_EQ(-1, buf_check(buf, size, 37));
	close(fd1);
	munmap(buf, size);
}

/* fork() with device pages: both see the data; each write is private. */
TEST_F(devmem, fork_cow_device_pages)
{
	size_t size = KIB(128);
	uint8_t *buf, *out;
	int status;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 47);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* CPU faults of the child migrate the shared pages back. */
		if (buf_check(buf, size, 47) != -1)
			_exit(1);
		buf_fill(buf, size, 48);
		_exit(buf_check(buf, size, 48) == -1 ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The parent's data are untouched, for its device and its CPU. */
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 47));
	ASSERT_EQ(-1, buf_check(buf, size, 47));
	munmap(buf, size);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	free(out);
}

/*
 * Closing the file leaves the pages in device memory; the CPU still gets
 * them back without any mirror.
 */
TEST_F(devmem, close_keeps_device_pages)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_stats st;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 77);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	close(self->fd);
	self->fd = dm_open(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &st));
	EXPECT_EQ(n, st.devmem_used);
	ASSERT_EQ(0, dm_reset_stats(self->fd, DRM_DEVMIR_STATS_DEVICE));
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(-1, buf_check(buf, size, 77));
	self->fd = dm_open(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &st));
	EXPECT_EQ(0ULL, st.devmem_used);
	EXPECT_LE(1ULL, st.ram_faults);
	EXPECT_EQ(n, st.migrated_to_system);
	munmap(buf, size);
}

/*
 * A long-term GUP pin (gup_test) migrates device pages back, and pinned
 * pages cannot migrate to the device: counted busy.
 */
TEST_F(devmem, longterm_pin)
{
	size_t size = KIB(128), n = NPAGES(size);
	struct pin_longterm_test pin = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf, *snap;
	int gup;

	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		SKIP(return, "no /sys/kernel/debug/gup_test");
	/* Where the long-term pin test exists, a STOP with nothing pinned is a no-op. */
	if (ioctl(gup, PIN_LONGTERM_TEST_STOP)) {
		close(gup);
		SKIP(return, "gup_test has no PIN_LONGTERM_TEST_* ioctls");
	}
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 87);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	pin.addr = (uintptr_t)buf;
	pin.size = size;
	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_START, &pin));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_system);
	EXPECT_LE(1ULL, st.ram_faults);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);

	ASSERT_EQ(-EBUSY, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
	EXPECT_EQ(n, dm_migrate_total(&m));
	ASSERT_EQ(0, dm_migrate(self->fd, buf, size, DRM_DEVMIR_MIGDIR_TO_DEVICE,
				DRM_DEVMIR_MIGFLAG_PREFETCH, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
	ASSERT_EQ(-1, buf_check(buf, size, 87));

	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_STOP));
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	ASSERT_EQ(-1, buf_check(buf, size, 87));
	close(gup);
	munmap(buf, size);
}

TEST_HARNESS_MAIN
