// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_devmem - the device memory pool and its lifetime: eviction under
 * oversubscription and its LRU order, pages split across two devices (peer
 * pages reported remote and migrated when touched), device pages across
 * fork() and closing the file, a FOLL_LONGTERM pin forcing pages back, and
 * the eviction of another process's pages racing its munmap() and exit
 * (held at the evict_stall injection point). Data verified byte for byte. (Exit with device pages and kill -9 in the
 * middle of migrations are in devmirror_teardown's matrix.)
 *
 * The suite loads the simulator with a small device memory (devmem_mb) so
 * that twice the pool stays a few MiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "stress.h"
/* The kernel's gup_test interface, from the unpacked source tree. */
#include "../../../mm/gup_test.h"

#define NPAGES(size)	((size) / PAGE)
#define POOL_MAX	MIB(16)	/* larger pools would make the suite slow */
/* Seconds a step of another process gets before it counts as stuck. */
#define STUCK_SECONDS	30

FIXTURE(devmem) {
	int fd;
	uint64_t pool;
	pid_t kids[2];
};

FIXTURE_SETUP(devmem)
{
	self->kids[0] = self->kids[1] = 0;
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
	int i;

	/* A test that failed half way leaves nobody held or running. */
	if (self->kids[0] || self->kids[1])
		dm_inject_set("evict_stall", "pid", 0);
	for (i = 0; i < 2; i++) {
		if (self->kids[i] <= 0)
			continue;
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
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

/* 1 if a byte arrives on @fd within @seconds, else 0 (timeout, EOF). */
static int byte_within(int fd, double seconds)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, (int)(seconds * 1000)) != 1)
		return 0;
	return read(fd, &c, 1) == 1;
}

/*
 * The owner: fill @size of its own memory (a new mm, sharing no page with
 * the test), move it to the device, say so on @up; on a byte from @down
 * unmap it and say so; then wait for the end (EOF on @down).
 */
static void __attribute__((noreturn)) owner(size_t size, int up, int down)
{
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_devmir_migrate m;
	int fd = dm_open(0);
	char c = 'r';

	if (buf == MAP_FAILED || fd < 0)
		_exit(2);
	buf_fill(buf, size, 91);
	if (dm_to_device(fd, buf, size, &m) || m.migrated != NPAGES(size))
		_exit(3);
	if (write(up, &c, 1) != 1 || read(down, &c, 1) != 1)
		_exit(4);
	if (munmap(buf, size))
		_exit(5);
	if (write(up, &c, 1) != 1)
		_exit(6);
	while (read(down, &c, 1) > 0)
		;
	_exit(0);
}

/* The evictor: move @size of new memory to the full device, intact. */
static void __attribute__((noreturn)) evictor(size_t size)
{
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *out = malloc(size);
	struct drm_devmir_migrate m;
	int fd = dm_open(0);

	if (buf == MAP_FAILED || !out || fd < 0)
		_exit(2);
	buf_fill(buf, size, 92);
	if (dm_to_device(fd, buf, size, &m) || m.migrated != NPAGES(size))
		_exit(3);
	if (m.evicted < NPAGES(size))
		_exit(4);
	if (dm_read(fd, buf, size, out) || buf_check(out, size, 92) != -1 ||
	    buf_check(buf, size, 92) != -1)
		_exit(5);
	_exit(0);
}

/*
 * Start the owner (self->kids[0]) with the pool full of its pages, and the
 * evictor (self->kids[1]) whose migration evicts them, held at the
 * evict_stall point with the owner's pages under migration entries. 0, or
 * -1 if the eviction never got there. @up and @down: the owner's pipes.
 */
static int start_held_eviction(FIXTURE_DATA(devmem) *self, int up[2],
			       int down[2])
{
	long long hits0, hits;
	double end;

	hits0 = dm_inject_get("evict_stall", "hits");
	if (pipe(up) || pipe(down))
		return -1;
	self->kids[0] = fork();
	if (self->kids[0] < 0)
		return -1;
	if (!self->kids[0]) {
		close(up[0]);
		close(down[1]);
		owner(self->pool, up[1], down[0]);
	}
	if (!byte_within(up[0], STUCK_SECONDS) ||
	    dm_inject_set("evict_stall", "pid", self->kids[0]))
		return -1;
	self->kids[1] = fork();
	if (self->kids[1] < 0)
		return -1;
	if (!self->kids[1]) {
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
		evictor(KIB(64));
	}
	end = dm_now() + STUCK_SECONDS;
	while ((hits = dm_inject_get("evict_stall", "hits")) <= hits0 &&
	       dm_now() < end)
		usleep(10000);
	return hits > hits0 ? 0 : -1;
}

/* Wait for both processes; 1 if both exited with status 0. */
static int kids_ok(FIXTURE_DATA(devmem) *self, int *status)
{
	int i, ok = 1;

	for (i = 0; i < 2; i++) {
		status[i] = -1;
		if (!dm_wait_bounded(self->kids[i], &status[i], STUCK_SECONDS))
			ok = 0;
		else
			self->kids[i] = 0;
		if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]))
			ok = 0;
	}
	return ok;
}

/*
 * Another process's migration evicts the owner's pages under the owner's
 * mmap lock: the owner's munmap() waits for the eviction, instead of
 * freeing, while the eviction holds its pages under migration entries, the
 * anon_vma that the eviction's finalize then walks (a use-after-free that
 * KASAN reports on the debug kernel; docs/reliability.md).
 */
TEST_F_TIMEOUT(devmem, eviction_holds_owner_munmap, 120)
{
	int up[2], down[2], status[2], early;
	char c = 'u';

	if (dm_inject_get("evict_stall", "hits") < 0)
		SKIP(return, "no devmirror/inject/evict_stall in debugfs");
	ASSERT_EQ(0, start_held_eviction(self, up, down))
		TH_LOG("the evictor's migration never evicted the owner's pages");

	ASSERT_EQ(1, write(down[1], &c, 1));
	early = byte_within(up[0], 1.0);
	EXPECT_EQ(0, early)
		TH_LOG("munmap() returned while an eviction of its pages was in flight");
	ASSERT_EQ(0, dm_inject_set("evict_stall", "pid", 0));
	if (!early)
		EXPECT_EQ(1, byte_within(up[0], STUCK_SECONDS))
			TH_LOG("the owner's munmap() never returned");
	close(down[1]);
	EXPECT_EQ(1, kids_ok(self, status))
		TH_LOG("owner status %#x, evictor status %#x", status[0], status[1]);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	close(up[0]);
	close(up[1]);
	close(down[0]);
}

/*
 * The owner exits (SIGKILL) while an eviction of its pages is held: the
 * eviction keeps its mm until done, the exit completes, and every page of
 * both processes is freed.
 */
TEST_F_TIMEOUT(devmem, eviction_outlives_owner_exit, 120)
{
	int up[2], down[2], status = 0;
	double end;

	if (dm_inject_get("evict_stall", "hits") < 0)
		SKIP(return, "no devmirror/inject/evict_stall in debugfs");
	ASSERT_EQ(0, start_held_eviction(self, up, down))
		TH_LOG("the evictor's migration never evicted the owner's pages");

	ASSERT_EQ(0, kill(self->kids[0], SIGKILL));
	ASSERT_EQ(1, dm_wait_bounded(self->kids[0], &status, STUCK_SECONDS))
		TH_LOG("the owner did not exit while its eviction was held");
	self->kids[0] = 0;
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, dm_inject_set("evict_stall", "pid", 0));
	ASSERT_EQ(1, dm_wait_bounded(self->kids[1], &status, STUCK_SECONDS));
	self->kids[1] = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("evictor status %#x", status);
	/* The owner's mm goes after the eviction let it go (mmput_async()). */
	end = dm_now() + STUCK_SECONDS;
	while (dm_devmem_used(self->fd) && dm_now() < end)
		usleep(10000);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/*
 * After fork() the child shares the device pages; once the parent, their
 * owner, unmapped them, no eviction takes them (none could lock the mm of
 * whoever maps them): a migration that finds no other room fails for lack
 * of memory, nothing is lost, and the pages go back to the pool when the
 * child is done with them.
 */
TEST_F_TIMEOUT(devmem, eviction_passes_over_pages_owner_unmapped, 120)
{
	size_t size = self->pool, n = NPAGES(size), extra = KIB(64);
	int go[2], status = 0;
	struct drm_devmir_migrate m;
	uint8_t *buf, *more;
	char c = 'g';
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	more = buf_map(extra, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, more);
	buf_fill(buf, size, 93);
	buf_fill(more, extra, 94);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		/* CPU faults bring the shared pages back to system memory. */
		_exit(buf_check(buf, size, 93) == -1 ? 0 : 2);
	}
	self->kids[0] = pid;
	ASSERT_EQ(0, munmap(buf, size));
	EXPECT_EQ(n, dm_devmem_used(self->fd));

	EXPECT_EQ(-ENOMEM, dm_to_device(self->fd, more, extra, &m));
	EXPECT_EQ(0ULL, m.evicted);
	EXPECT_EQ(NPAGES(extra), m.failed[DRM_DEVMIR_MIGFAIL_NOMEM]);
	EXPECT_EQ(NPAGES(extra), dm_migrate_total(&m));
	EXPECT_EQ(-1, buf_check(more, extra, 94));

	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(1, dm_wait_bounded(pid, &status, STUCK_SECONDS));
	self->kids[0] = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child's data were not intact (status %#x)", status);
	EXPECT_EQ(0ULL, dm_devmem_used(self->fd));
	ASSERT_EQ(0, dm_to_device(self->fd, more, extra, &m));
	EXPECT_EQ(NPAGES(extra), m.migrated);
	EXPECT_EQ(-1, buf_check(more, extra, 94));
	close(go[0]);
	close(go[1]);
	munmap(more, extra);
}

TEST_HARNESS_MAIN
