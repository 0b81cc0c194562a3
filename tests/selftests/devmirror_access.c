// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_access - device READ/WRITE/ATOMIC through the mirror on every
 * kind of memory: anonymous, PROT variants, MAP_SHARED, tmpfs files, THP,
 * hugetlbfs; fault-ahead windows, coalescing and the TLB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"

FIXTURE(access) {
	int fd;
	unsigned int batch;
	struct drm_devmir_get_info info;
};

FIXTURE_SETUP(access)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	ASSERT_EQ(0, dm_info(self->fd, &self->info));
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(4)));
	self->batch = self->info.fault_queue_entries < 16 ?
		      self->info.fault_queue_entries : 16;
	ASSERT_EQ(0, dm_set_batch(self->fd, self->batch));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(access)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Device reads CPU-written anonymous memory: one fault per page. */
TEST_F(access, anon_read)
{
	size_t size = MIB(1), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 1);

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 1));

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(npages, st.faults);
	EXPECT_EQ(npages, st.faults_raised);
	EXPECT_EQ(npages, st.pages_mapped);
	EXPECT_EQ(npages, st.table_entries[0]);
	EXPECT_EQ(0ULL, st.fault_errors);
	EXPECT_EQ(1ULL, st.accesses);
	EXPECT_EQ(npages / self->batch, st.fault_batches);

	/* CPU-written pages are mirrored writable, as 4 KiB leaves. */
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(npages, mapped);
	EXPECT_EQ(npages, dm_snap_count(snap, npages,
					DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* Device writes fresh anonymous memory; the CPU sees every byte. */
TEST_F(access, anon_write)
{
	size_t size = MIB(1);
	uint8_t *buf, *src;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	src = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(src, size, 2);

	ASSERT_EQ(0, dm_write(self->fd, buf, size, src));
	ASSERT_EQ(-1, buf_check(buf, size, 2));
	munmap(buf, size);
	free(src);
}

/*
 * A device write whose source pages are not all present (never touched,
 * or dropped with MADV_DONTNEED), the source not page-aligned so that
 * transactions straddle a present and an absent page: every byte lands.
 */
TEST_F(access, write_from_absent_source)
{
	size_t size = KIB(256), npages = size / PAGE, off = 100, i;
	uint8_t *buf, *src, *img;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	src = buf_map(size + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	img = calloc(1, size + PAGE);	/* what src reads as, built apart */
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(NULL, img);
	buf_fill(buf, size, 5);
	/*
	 * Pages 0 mod 3 written; 1 mod 3 written, then dropped (zeros again);
	 * 2 mod 3 never touched. src itself is never read by the CPU.
	 */
	for (i = 0; i <= npages; i++) {
		if (i % 3 == 2)
			continue;
		buf_fill(src + i * PAGE, PAGE, 6 + i);
		if (i % 3 == 0)
			buf_fill(img + i * PAGE, PAGE, 6 + i);
		else
			ASSERT_EQ(0, madvise(src + i * PAGE, PAGE, MADV_DONTNEED));
	}

	ASSERT_EQ(0, dm_write(self->fd, buf, size, src + off));
	ASSERT_EQ(0, memcmp(img + off, buf, size));
	munmap(buf, size);
	munmap(src, size + PAGE);
	free(img);
}

/* Unaligned, sub-page accesses read and write exactly the bytes asked. */
TEST_F(access, anon_unaligned)
{
	size_t size = KIB(64), len = 5000;
	uint8_t *buf, *ref, *out;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ref = malloc(size);
	out = malloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 3);
	memcpy(ref, buf, size);

	ASSERT_EQ(0, dm_read(self->fd, buf + 4093, len, out));
	ASSERT_EQ(0, memcmp(out, buf + 4093, len));

	memset(out, 0xa5, len);
	ASSERT_EQ(0, dm_write(self->fd, buf + 8191, 7, out));
	memset(ref + 8191, 0xa5, 7);
	ASSERT_EQ(0, memcmp(ref, buf, size));
	munmap(buf, size);
	free(ref);
	free(out);
}

/* Untouched memory reads as zeros through read-only (zero page) entries. */
TEST_F(access, anon_read_untouched)
{
	size_t size = KIB(256), npages = size / PAGE;
	uint8_t *buf, *out, *snap;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_NE(MAP_FAILED, buf);
	memset(out, 0xff, size);

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check_byte(out, size, 0));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages, DRM_DEVMIR_SNAP_READ));

	/* A device write then breaks COW: entries become writable. */
	buf_fill(out, size, 4);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 4));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages,
					DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* PROT_READ: device reads work, device writes fail and change nothing. */
TEST_F(access, prot_read_only)
{
	size_t size = KIB(64), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, snap[16];

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 5);
	ASSERT_EQ(0, mprotect(buf, size, PROT_READ));

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 5));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages, DRM_DEVMIR_SNAP_READ));

	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	memset(out, 0, size);
	ASSERT_EQ(-EFAULT, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 5));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.faults);
	EXPECT_EQ(0ULL, st.accesses);
	munmap(buf, size);
	free(out);
}

/* PROT_NONE: the access fails with -EFAULT and nothing is populated. */
TEST_F(access, prot_none)
{
	size_t size = KIB(64), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, snap[16];
	uint64_t mapped = 1;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 6);
	ASSERT_EQ(0, mprotect(buf, size, PROT_NONE));

	ASSERT_EQ(-EFAULT, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-EFAULT, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-EFAULT, dm_atomic_add(self->fd, buf, 1, NULL));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(0ULL, mapped);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, dm_entries(&st));
	EXPECT_EQ(0ULL, st.pages_mapped);

	ASSERT_EQ(0, mprotect(buf, size, PROT_READ));
	ASSERT_EQ(-1, buf_check(buf, size, 6));
	munmap(buf, size);
	free(out);
}

/* Unmapped and kernel addresses fail with -EFAULT. */
TEST_F(access, unmapped_and_kernel)
{
	size_t size = KIB(64);
	uint8_t *buf, out[64];
	struct drm_devmir_stats st;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, munmap(buf, size));
	ASSERT_EQ(-EFAULT, dm_read(self->fd, buf, sizeof(out), out));
	ASSERT_EQ(-EFAULT, dm_read(self->fd, (void *)(uintptr_t)DM_KERNEL_ADDR,
				   sizeof(out), out));
	ASSERT_EQ(-EFAULT, dm_write(self->fd, (void *)(uintptr_t)DM_KERNEL_ADDR,
				    sizeof(out), out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, dm_entries(&st));
	EXPECT_EQ(0ULL, st.faults);
}

/* A range straddling a hole fails as a whole, populating nothing. */
TEST_F(access, partial_hole)
{
	size_t size = KIB(64), npages = size / PAGE;
	uint8_t *buf, *out, snap[16];
	uint64_t mapped = 1;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 7);
	ASSERT_EQ(0, munmap(buf + size / 2, PAGE));
	ASSERT_EQ(-EFAULT, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, &mapped));
	EXPECT_EQ(0ULL, mapped);
	munmap(buf, size);
	free(out);
}

/* MAP_SHARED anonymous memory: device writes are seen by a forked child. */
TEST_F(access, map_shared)
{
	size_t size = KIB(512);
	uint8_t *buf, *src, *out;
	int status;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_SHARED);
	src = malloc(size);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(src, size, 8);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, src));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(buf_check(buf, size, 8) == -1 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The CPU writes, the device reads back the new bytes. */
	buf_fill(buf, size, 9);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 9));
	munmap(buf, size);
	free(src);
	free(out);
}

/* tmpfs file mapping: device writes land in the file, file data is read. */
TEST_F(access, tmpfs_file)
{
	size_t size = KIB(512);
	uint8_t *map, *src, *out;
	int fd;

	fd = memfd_create("devmirror-test", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, size));
	src = malloc(size);
	out = malloc(size);
	buf_fill(src, size, 10);
	ASSERT_EQ((ssize_t)size, pwrite(fd, src, size, 0));

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, dm_read(self->fd, map, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 10));

	buf_fill(src, size, 11);
	ASSERT_EQ(0, dm_write(self->fd, map, size, src));
	memset(out, 0, size);
	ASSERT_EQ((ssize_t)size, pread(fd, out, size, 0));
	ASSERT_EQ(-1, buf_check(out, size, 11));
	munmap(map, size);
	close(fd);
	free(src);
	free(out);
}

/* A file mapping past EOF: the faulting page fails, nothing else breaks. */
TEST_F(access, tmpfs_past_eof)
{
	uint8_t *map, *out = malloc(PAGE);
	int fd;

	fd = memfd_create("devmirror-eof", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(64)));
	map = mmap(NULL, KIB(64), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 0x5a, PAGE);

	/* The window covers pages past EOF; the first page still works. */
	ASSERT_EQ(0, dm_read(self->fd, map, PAGE, out));
	ASSERT_EQ(-1, buf_check_byte(out, PAGE, 0x5a));
	ASSERT_EQ(-EFAULT, dm_read(self->fd, map + PAGE, PAGE, out));
	munmap(map, KIB(64));
	close(fd);
	free(out);
}

/* THP-backed buffer: huge entries, one fault per 2 MiB. */
TEST_F(access, thp_huge_entries)
{
	size_t size = MIB(4), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	size_t i;

	if (!(self->info.page_sizes & HUGE_2M))
		SKIP(return, "device MMU without 2 MiB pages");
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	if (madvise(buf, size, MADV_HUGEPAGE))
		SKIP(return, "no THP support (madvise: %s)", strerror(errno));
	buf_fill(buf, size, 12);
	if (thp_kib(buf) < (long)(size >> 10))
		SKIP(return, "the kernel did not back the buffer with THPs");
	out = malloc(size);
	snap = malloc(npages);

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 12));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(size / HUGE_2M, st.faults);
	EXPECT_EQ(size / HUGE_2M, st.huge_mapped);
	EXPECT_EQ(size / HUGE_2M, st.table_entries[1]);
	EXPECT_EQ(0ULL, st.table_entries[0]);

	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	for (i = 0; i < npages; i++) {
		ASSERT_EQ(1, DRM_DEVMIR_SNAP_LEVEL(snap[i]));
		ASSERT_TRUE(snap[i] & DRM_DEVMIR_SNAP_WRITE);
	}

	/* Device writes go through the huge entries too. */
	buf_fill(out, size, 13);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 13));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* hugetlbfs: 2 MiB hugetlb pages map as huge entries. */
TEST_F(access, hugetlbfs)
{
	size_t size = MIB(4), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;

	if (!(self->info.page_sizes & HUGE_2M))
		SKIP(return, "device MMU without 2 MiB pages");
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no hugetlb pages (%s)", strerror(errno));
	out = malloc(size);
	snap = malloc(npages);
	buf_fill(out, size, 14);

	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 14));
	buf_fill(buf, size, 15);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 15));

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(size / HUGE_2M, st.faults);
	EXPECT_EQ(size / HUGE_2M, st.table_entries[1]);
	ASSERT_EQ(0, dm_snapshot(self->fd, buf, npages, snap, NULL));
	EXPECT_EQ(npages, dm_snap_count(snap, npages,
					DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE |
					(1 << DRM_DEVMIR_SNAP_LEVEL_SHIFT)));
	munmap(buf, size);
	free(out);
	free(snap);
}

/* Fault-ahead: a 64 KiB window services 1/16 of the faults of a 4 KiB one. */
TEST_F(access, fault_window)
{
	size_t size = MIB(1), npages = size / PAGE;
	struct drm_devmir_stats st;
	uint8_t *buf, *out;

	out = malloc(size);
	/* Window off: every page is a fault of its own. */
	buf = buf_map_aligned(size, KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 16);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 16));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(npages, st.faults);
	EXPECT_EQ(0ULL, st.faults_resolved);
	munmap(buf, size);

	/* Window on: the first fault of every 64 KiB block populates it all. */
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(64)));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	buf = buf_map_aligned(size, KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 17);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 17));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(npages / 16, st.faults);
	EXPECT_EQ(st.faults_raised - st.faults, st.faults_resolved);
	EXPECT_EQ(npages, st.pages_mapped);
	munmap(buf, size);
	free(out);
}

/* Transactions of one page that miss together are coalesced into a fault. */
TEST_F(access, fault_coalescing)
{
	size_t size = KIB(256), npages = size / PAGE;
	unsigned int per_page = PAGE / self->info.txn_bytes;
	struct drm_devmir_access acc;
	struct drm_devmir_stats st;
	uint8_t *buf, *out;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 18);

	memset(&acc, 0, sizeof(acc));
	acc.addr = (uintptr_t)buf;
	acc.size = size;
	acc.buffer = (uintptr_t)out;
	acc.op = DRM_DEVMIR_OP_READ;
	ASSERT_EQ(0, dm_access(self->fd, &acc));
	ASSERT_EQ(-1, buf_check(out, size, 18));
	EXPECT_EQ(npages, acc.faults);

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(npages, st.faults_raised);
	EXPECT_EQ(npages * (per_page - 1), st.faults_coalesced);
	EXPECT_EQ(npages, st.faults);
	munmap(buf, size);
	free(out);
}

/* A second pass hits the TLB or the table: no new faults. */
TEST_F(access, tlb_and_walks)
{
	size_t size = KIB(64), npages = size / PAGE;
	unsigned int per_page = PAGE / self->info.txn_bytes;
	struct drm_devmir_stats st;
	uint8_t *buf, *out;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 19);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 19));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.faults_raised);
	EXPECT_EQ(npages * per_page, st.tlb_hits + st.tlb_misses);
	/* Every miss walked the table, 4 directories deep for 4 KiB leaves. */
	EXPECT_EQ(st.tlb_misses, st.walks);
	EXPECT_EQ(st.walks * self->info.levels, st.walk_levels);
	/* Within a page, every transaction after the first hits. */
	EXPECT_LE(npages * (per_page - 1), st.tlb_hits);

	/* NOFAULT probes succeed on mirrored memory... */
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 19));
	munmap(buf, size);
	free(out);
}

/* A NOFAULT probe of unmirrored memory fails and raises no fault. */
TEST_F(access, nofault_probe)
{
	size_t size = KIB(16);
	struct drm_devmir_stats st;
	uint8_t *buf, *out = malloc(size);

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 20);
	ASSERT_EQ(-EFAULT, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.faults_raised);
	EXPECT_EQ(0ULL, dm_entries(&st));
	munmap(buf, size);
	free(out);
}

/* Device atomics operate on the real page, visible to the CPU. */
TEST_F(access, atomics)
{
	uint64_t *buf, old = 0;
	int i;

	buf = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf[3] = 40;
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, dm_atomic_add(self->fd, &buf[3], 2, &old));
	EXPECT_EQ(58ULL, old);
	EXPECT_EQ(60ULL, buf[3]);

	ASSERT_EQ(0, dm_atomic_cmpxchg(self->fd, &buf[3], 59, 1, &old));
	EXPECT_EQ(60ULL, old);
	EXPECT_EQ(60ULL, buf[3]);
	ASSERT_EQ(0, dm_atomic_cmpxchg(self->fd, &buf[3], 60, 7, &old));
	EXPECT_EQ(60ULL, old);
	EXPECT_EQ(7ULL, buf[3]);
	munmap(buf, PAGE);
}

/* A userfaultfd handler: fills each missing page with its index + 1. */
struct uffd_filler {
	int uffd;
	int stop_fd;
	uint8_t *base;
	unsigned int filled;
};

static void *uffd_fill(void *arg)
{
	struct uffd_filler *f = arg;
	static uint8_t page[PAGE];
	struct pollfd pfd[2] = {
		{ .fd = f->uffd, .events = POLLIN },
		{ .fd = f->stop_fd, .events = POLLIN },
	};
	struct uffdio_copy copy;
	struct uffd_msg msg;
	uint64_t addr;

	while (poll(pfd, 2, -1) > 0 && !pfd[1].revents) {
		if (read(f->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			break;
		addr = msg.arg.pagefault.address & ~(uint64_t)(PAGE - 1);
		memset(page, (addr - (uint64_t)f->base) / PAGE + 1, PAGE);
		copy.dst = addr;
		copy.src = (uint64_t)page;
		copy.len = PAGE;
		copy.mode = 0;
		copy.copy = 0;
		if (ioctl(f->uffd, UFFDIO_COPY, &copy))
			break;
		f->filled++;
	}
	return NULL;
}

/*
 * Memory a userfaultfd handler fills on demand: the device's own faults
 * cannot fault it in (hmm_range_fault() keeps the mmap lock, the handler
 * needs it dropped), DRM_DEVMIR_ACCESS_UNLOCKED can where the kernel has
 * hmm_range_fault_unlocked_timeout() (7.x) and fails with -EOPNOTSUPP
 * where it has not.
 */
TEST_F(access, userfaultfd_unlocked)
{
	size_t size = KIB(64), npages = size / PAGE, i;
	struct uffd_filler f = { .stop_fd = -1 };
	struct uffdio_register reg = { };
	struct uffdio_api api = { .api = UFFD_API };
	struct drm_devmir_access a = { };
	uint64_t stop = 1;
	pthread_t thread;
	uint8_t *buf, *out = malloc(size);
	int ret;

	ASSERT_NE(NULL, out);
	f.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, f.uffd);
	ASSERT_EQ(0, ioctl(f.uffd, UFFDIO_API, &api));
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	f.base = buf;
	reg.range.start = (uint64_t)buf;
	reg.range.len = size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(f.uffd, UFFDIO_REGISTER, &reg));
	f.stop_fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, f.stop_fd);
	ASSERT_EQ(0, pthread_create(&thread, NULL, uffd_fill, &f));

	/* The device's fault path cannot wait for the handler. */
	EXPECT_EQ(-EFAULT, dm_read(self->fd, buf, size, out));

	a.addr = (uint64_t)buf;
	a.size = size;
	a.buffer = (uint64_t)out;
	a.op = DRM_DEVMIR_OP_READ;
	a.flags = DRM_DEVMIR_ACCESS_UNLOCKED;
	memset(out, 0, size);
	ret = dm_access(self->fd, &a);

	ASSERT_EQ(sizeof(stop), write(f.stop_fd, &stop, sizeof(stop)));
	pthread_join(thread, NULL);
	if (ret == -EOPNOTSUPP) {
		EXPECT_EQ(0U, f.filled);
		close(f.stop_fd);
		close(f.uffd);
		munmap(buf, size);
		free(out);
		SKIP(return, "kernel has no hmm_range_fault_unlocked_timeout() (7.x only)");
	}
	ASSERT_EQ(0, ret);
	EXPECT_EQ(npages, f.filled);
	for (i = 0; i < size; i++)
		ASSERT_EQ((uint8_t)(i / PAGE + 1), out[i]);
	/* The pages are mirrored now: a plain read needs no fault. */
	EXPECT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	close(f.stop_fd);
	close(f.uffd);
	munmap(buf, size);
	free(out);
}

TEST_HARNESS_MAIN
