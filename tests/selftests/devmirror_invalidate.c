// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_invalidate - CPU-side changes reach the mirror: munmap, mprotect,
 * madvise(DONTNEED), THP splits, fork/COW, a thread unmapping while the
 * device reads. Entries go, directories are pruned, data stays right; and
 * unmaps elsewhere in the process make no fault retry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"

FIXTURE(inval) {
	int fd;
	struct drm_devmir_get_info info;
};

/*
 * The fixture's 64 KiB fault-ahead window stays inside buffers that are
 * 64 KiB aligned: tests that expect an empty table use such buffers, so
 * that no neighbouring mapping gets mirrored through the window.
 */
FIXTURE_SETUP(inval)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	ASSERT_EQ(0, dm_info(self->fd, &self->info));
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(64)));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(inval)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Only the root directory is left: nothing mirrored at all. */
static int table_is_root_only(const struct drm_devmir_stats *st,
			      const struct drm_devmir_get_info *info)
{
	return dm_entries(st) == 0 && dm_dirs(st) == 1 &&
	       st->table_dirs[info->levels - 1] == 1;
}

/* The debugfs self-check of this process's mirror, if debugfs is there. */
static int mirror_check_ok(const struct drm_devmir_get_info *info)
{
	char file[64], out[32];

	snprintf(file, sizeof(file), "mirror-%u/check", info->asid);
	if (dm_debugfs_read(info->device_index, file, out, sizeof(out)))
		return 1;
	return strcmp(out, "ok\n") == 0;
}

/*
 * A private, 64 KiB-aligned buffer of @size bytes filled from @seed and
 * mirrored by one device read, with scratch for reads (*@out, @size bytes)
 * and snapshots (*@snap, a byte per page). NULL, nothing left allocated, if
 * any step fails.
 */
static uint8_t *mirrored_buf(int fd, size_t size, unsigned int seed,
			     uint8_t **out, uint8_t **snap)
{
	uint8_t *buf = buf_map_aligned(size, KIB(64), PROT_READ | PROT_WRITE,
				       MAP_PRIVATE);

	if (buf == MAP_FAILED)
		return NULL;
	*out = malloc(size);
	*snap = malloc(size / PAGE);
	buf_fill(buf, size, seed);
	if (!*out || !*snap || dm_read(fd, buf, size, *out)) {
		free(*out);
		free(*snap);
		munmap(buf, size);
		return NULL;
	}
	return buf;
}

/* munmap: entries gone, directories pruned back to the root. */
TEST_F(inval, munmap_prunes)
{
	size_t size = MIB(2), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped = 1;

	buf = mirrored_buf(self->fd, size, 1, &out, &snap);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(-1, buf_check(out, size, 1));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	ASSERT_EQ(npages, dm_entries(&st));
	ASSERT_LT(1ULL, dm_dirs(&st));
	ASSERT_TRUE(mirror_check_ok(&self->info));

	ASSERT_EQ(0, munmap(buf, size));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(0ULL, mapped);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_TRUE(table_is_root_only(&st, &self->info));
	EXPECT_LE(1ULL, st.invalidations[DRM_DEVMIR_INV_UNMAP]);
	EXPECT_EQ(npages, st.pages_invalidated);
	EXPECT_LE(1ULL, st.dirs_pruned);
	EXPECT_LE(1ULL, st.tlb_shootdowns);
	EXPECT_TRUE(mirror_check_ok(&self->info));

	/* The device sees the hole. */
	ASSERT_EQ(-EFAULT, dm_read(self->fd, buf, PAGE, out));
	free(out);
	free(snap);
}

/* Invalidations the kernel may send on its own: migration, reclaim. */
static uint64_t background_events(int fd)
{
	struct drm_devmir_stats st;

	if (dm_stats(fd, 0, &st))
		return 0;
	return st.invalidations[DRM_DEVMIR_INV_CLEAR] +
	       st.invalidations[DRM_DEVMIR_INV_MIGRATE];
}

/*
 * Partial munmap: only the unmapped part goes. The kernel may migrate or
 * reclaim the kept half behind the test's back (compaction sends CLEAR
 * invalidations, legitimately emptying the mirror there): an attempt that
 * saw such events and lost kept pages is repeated, up to 3 times.
 */
TEST_F(inval, munmap_partial)
{
	size_t size = MIB(1), npages = size / PAGE, half = size / 2;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped, events;
	int attempt;

	for (attempt = 1;; attempt++) {
		buf = mirrored_buf(self->fd, size, 2, &out, &snap);
		ASSERT_NE(NULL, buf);
		events = background_events(self->fd);
		ASSERT_EQ(0, munmap(buf + half, half));

		ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
		ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
		/* Nothing of the unmapped half may stay, whatever happened. */
		EXPECT_EQ(npages / 2, dm_snap_count(snap + npages / 2, npages / 2, 0));
		if (mapped == npages / 2 || attempt == 3 ||
		    background_events(self->fd) == events)
			break;
		TH_LOG("attempt %d: %llu kept pages lost to %llu CLEAR/MIGRATE invalidations; again",
		       attempt, (unsigned long long)(npages / 2 - mapped),
		       (unsigned long long)(background_events(self->fd) - events));
		munmap(buf, half);
		free(out);
		free(snap);
	}
	/* Which events emptied the mirror, should this ever fail again. */
	if (mapped != npages / 2)
		TH_LOG("invalidations: unmap %llu clear %llu prot_vma %llu prot_page %llu soft_dirty %llu release %llu migrate %llu exclusive %llu; pages invalidated %llu",
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_UNMAP],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_CLEAR],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_PROTECTION_VMA],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_PROTECTION_PAGE],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_SOFT_DIRTY],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_RELEASE],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_MIGRATE],
		       (unsigned long long)st.invalidations[DRM_DEVMIR_INV_EXCLUSIVE],
		       (unsigned long long)st.pages_invalidated);
	EXPECT_EQ(npages / 2, mapped);
	EXPECT_EQ(npages / 2, dm_entries(&st));

	/* What is left still reads right, from the mirror alone. */
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, half, out));
	ASSERT_EQ(-1, buf_check(out, half, 2));
	munmap(buf, half);
	free(out);
	free(snap);
}

/* mprotect: entries go; a read refaults read-only; writes fail. */
TEST_F(inval, mprotect)
{
	size_t size = KIB(256), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped = 1;

	buf = mirrored_buf(self->fd, size, 3, &out, &snap);
	ASSERT_NE(NULL, buf);

	ASSERT_EQ(0, mprotect(buf, size, PROT_READ));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(0ULL, mapped);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.invalidations[DRM_DEVMIR_INV_PROTECTION_VMA]);
	EXPECT_TRUE(table_is_root_only(&st, &self->info));

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 3));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages, DRM_DEVMIR_SNAP_READ));
	ASSERT_EQ(-EFAULT, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 3));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* madvise(DONTNEED): dropped pages leave the mirror and read as zeros. */
TEST_F(inval, madvise_dontneed)
{
	size_t size = KIB(512), npages = size / PAGE, half = size / 2;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped;

	buf = mirrored_buf(self->fd, size, 4, &out, &snap);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(0, madvise(buf, half, MADV_DONTNEED));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(npages / 2, mapped);
	EXPECT_EQ(npages / 2, dm_snap_count(snap, npages / 2, 0));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.invalidations[DRM_DEVMIR_INV_CLEAR]);
	EXPECT_EQ(npages / 2, st.pages_invalidated);

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check_byte(out, half, 0));
	ASSERT_EQ(-1, buf_check_range(out + half, half, half, 4));

	/* Dropping everything prunes the table back to its root. */
	ASSERT_EQ(0, madvise(buf, size, MADV_DONTNEED));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_TRUE(table_is_root_only(&st, &self->info));
	EXPECT_LE(1ULL, st.dirs_pruned);
	EXPECT_TRUE(mirror_check_ok(&self->info));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* A partial unmap of a huge entry splits it; the rest stays mirrored. */
TEST_F(inval, thp_split)
{
	size_t size = HUGE_2M, npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped;

	if (!(self->info.page_sizes & HUGE_2M))
		SKIP(return, "device MMU without 2 MiB pages");
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	if (madvise(buf, size, MADV_HUGEPAGE))
		SKIP(return, "no THP support");
	buf_fill(buf, size, 5);
	if (thp_kib(buf) < (long)(size >> 10))
		SKIP(return, "the kernel did not back the buffer with a THP");
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	ASSERT_EQ(1ULL, st.table_entries[1]);

	ASSERT_EQ(0, munmap(buf + size - KIB(64), KIB(64)));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	/*
	 * The CPU splits its PMD (invalidating the whole 2 MiB) or the mirror
	 * splits the huge entry: either way the unmapped tail is gone and
	 * nothing huge is left.
	 */
	EXPECT_EQ(16UL, dm_snap_count(snap + npages - 16, 16, 0));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.table_entries[1]);
	EXPECT_EQ(mapped, st.table_entries[0]);
	EXPECT_TRUE(mirror_check_ok(&self->info));

	ASSERT_EQ(0, dm_read(self->fd, buf, size - KIB(64), out));
	ASSERT_EQ(-1, buf_check(out, size - KIB(64), 5));
	munmap(buf, size - KIB(64));
	free(out);
	free(snap);
}

/*
 * fork: the parent's entries are write-protected (not dropped); the child
 * has its own mirror; the parent's mirror sees only the COW invalidations.
 */
TEST_F(inval, fork_cow)
{
	size_t size = KIB(256), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	int status;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 6);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct drm_devmir_get_info info;
		int fd = dm_open(0);

		/* The inherited file is the parent's: unusable here. */
		if (dm_read(self->fd, buf, PAGE, out) != -EBADF)
			_exit(10);
		if (fd < 0 || dm_info(fd, &info) || info.asid == self->info.asid)
			_exit(11);
		buf_fill(buf, size, 7);			/* child's COW */
		if (dm_read(fd, buf, size, out) || buf_check(out, size, 7) != -1)
			_exit(12);
		buf_fill(out, size, 8);
		if (dm_write(fd, buf, size, out) || buf_check(buf, size, 8) != -1)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* Still mirrored, now read-only; the child changed nothing here. */
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages, DRM_DEVMIR_SNAP_READ));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.invalidations[DRM_DEVMIR_INV_PROTECTION_PAGE]);
	EXPECT_EQ(npages, st.pages_protected);
	EXPECT_EQ(0ULL, st.pages_invalidated);
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 6));

	/* A device write breaks the parent's COW through the mirror. */
	buf_fill(out, size, 9);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 9));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages,
					DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* A CPU write after fork (parent side COW) drops the parent's entries. */
TEST_F(inval, fork_parent_cpu_write)
{
	size_t size = KIB(64), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	int status, pipefd[2];
	char go = 1;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, pipe(pipefd));
	buf_fill(buf, size, 10);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Keep sharing the pages until the parent is done. */
		close(pipefd[1]);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(2);
		_exit(buf_check(buf, size, 10) == -1 ? 0 : 1);
	}
	close(pipefd[0]);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	buf_fill(buf, size, 11);
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.invalidations[DRM_DEVMIR_INV_CLEAR]);
	EXPECT_EQ(npages, dm_snap_count(snap, npages, 0));
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 11));

	ASSERT_EQ(1, write(pipefd[1], &go, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(pipefd[1]);
	munmap(buf, size);
	free(out);
	free(snap);
}

struct unmapper {
	uint8_t *buf;
	size_t size;
	int stop;		/* __atomic accesses: shared with the thread */
	unsigned long cycles;
};

static void *unmapper_thread(void *arg)
{
	struct unmapper *u = arg;

	while (!__atomic_load_n(&u->stop, __ATOMIC_RELAXED)) {
		munmap(u->buf, u->size);
		if (mmap(u->buf, u->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			break;
		memset(u->buf, 0x3c, u->size);
		__atomic_add_fetch(&u->cycles, 1, __ATOMIC_RELAXED);
		usleep(200);	/* a window for reads that succeed */
	}
	return NULL;
}

/*
 * A thread unmaps and remaps while the device reads: every read returns 0
 * with plausible data or fails with -EFAULT; no splat, the table stays sane.
 */
TEST_F_TIMEOUT(inval, thread_munmap_race, 300)
{
	struct unmapper u = { .size = KIB(256) };
	unsigned long ok = 0, failed = 0, reads = 0;
	uint8_t *out = malloc(u.size);
	pthread_t thread;
	int ret;

	u.buf = buf_map(u.size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, u.buf);
	memset(u.buf, 0x3c, u.size);
	ASSERT_EQ(0, pthread_create(&thread, NULL, unmapper_thread, &u));

	while (__atomic_load_n(&u.cycles, __ATOMIC_RELAXED) < 100 && reads < 100000) {
		ret = dm_read(self->fd, u.buf, u.size, out);
		reads++;
		if (ret == 0) {
			/* Each page is the pattern or a fresh zero page. */
			size_t p;

			for (p = 0; p < u.size; p += PAGE)
				ASSERT_TRUE(out[p] == 0x3c || out[p] == 0);
			ok++;
		} else {
			ASSERT_TRUE(ret == -EFAULT || ret == -EBUSY);
			failed++;
		}
	}
	__atomic_store_n(&u.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	TH_LOG("%lu reads: %lu ok, %lu failed; %lu unmap cycles", reads, ok,
	       failed, u.cycles);
	EXPECT_LE(100UL, u.cycles);
	EXPECT_EQ(reads, ok + failed);
	EXPECT_TRUE(mirror_check_ok(&self->info));
	munmap(u.buf, u.size);
	free(out);
}

/*
 * Faults read under a notifier of their own 2 MiB block (DOC: Fault
 * blocks): another thread mapping and unmapping small buffers elsewhere in
 * the process makes none of them wait or read again. The buffer is whole
 * 2 MiB blocks without THP (no khugepaged collapse in it), so no
 * invalidation the test does not make itself overlaps a block it faults.
 */
TEST_F_TIMEOUT(inval, unrelated_munmap_no_retry, 300)
{
	size_t size = MIB(8);
	struct drm_devmir_stats st;
	unsigned long before, during = 0;
	uint8_t *buf, *out = malloc(size);
	struct dm_churn c;
	int round;

	ASSERT_NE(NULL, out);
	buf = buf_map_aligned(size, MIB(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, madvise(buf, size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, dm_churn_start(&c, 0));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	for (round = 0; round < 20; round++) {
		/* Fresh pages: the table drops them, the next read faults. */
		ASSERT_EQ(0, madvise(buf, size, MADV_DONTNEED));
		buf_fill(buf, size, round);
		before = dm_churn_cycles(&c);
		ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
		during += dm_churn_cycles(&c) - before;
		ASSERT_EQ(-1, buf_check(out, size, round));
	}
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	ASSERT_EQ(0, dm_churn_stop(&c));

	TH_LOG("%llu faults, %lu munmaps elsewhere during the reads, "
	       "%llu retried, %llu hmm -EBUSY", (unsigned long long)st.faults,
	       during, (unsigned long long)st.hmm_retries,
	       (unsigned long long)st.hmm_busy);
	/* The churn really ran beside the faults. */
	EXPECT_LE(20UL, during);
	EXPECT_LE(20 * size / KIB(64), st.faults);
	EXPECT_EQ(0, st.hmm_retries);
	EXPECT_EQ(0, st.hmm_busy);
	EXPECT_TRUE(mirror_check_ok(&self->info));
	munmap(buf, size);
	free(out);
}

/* A child's mirror is dropped at exit even if it never closes its file. */
TEST_F(inval, exit_drops_mirror)
{
	struct drm_devmir_stats before, after;
	size_t size = KIB(256);
	int status;
	pid_t pid;

	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		uint8_t *out = malloc(size);
		int fd = dm_open(0);

		if (fd < 0 || buf == MAP_FAILED)
			_exit(1);
		buf_fill(buf, size, 12);
		if (dm_read(fd, buf, size, out) || buf_check(out, size, 12) != -1)
			_exit(2);
		_exit(0);	/* no close: exit tears the mm down first */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &after));
	EXPECT_EQ(before.mirrors, after.mirrors);
	EXPECT_EQ(dm_entries(&before), dm_entries(&after));
	EXPECT_LE(before.invalidations[DRM_DEVMIR_INV_RELEASE] + 1,
		  after.invalidations[DRM_DEVMIR_INV_RELEASE]);
}

TEST_HARNESS_MAIN
