// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_migrate - migration between system memory and one device's
 * private memory: MIGRATE in both directions and its accounting, CPU faults
 * on device pages (migrate_to_ram) and their window, the kinds of memory the
 * kernel lets move, the fault-driven policy, and bad input for every new
 * field. Data are verified byte for byte everywhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mempolicy.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"

#define NPAGES(size)	((size) / PAGE)

FIXTURE(migrate) {
	int fd;
	uint64_t devmem;
};

FIXTURE_SETUP(migrate)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	self->devmem = dm_device_memory(self->fd);
	if (self->devmem < MIB(4))
		SKIP(return, "device 0 has less than 4 MiB of device memory");
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(migrate)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* To the device and back: counts, snapshots, device access, data. */
TEST_F(migrate, to_device_and_back)
{
	size_t size = MIB(1), n = NPAGES(size);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint64_t used0 = dm_devmem_used(self->fd);
	uint8_t *buf, *out, *snap;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 11);

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, m.already);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
	EXPECT_EQ(n, dm_migrate_total(&m));
	EXPECT_EQ(size, m.bytes_copied);
	EXPECT_EQ(used0 + n, dm_devmem_used(self->fd));

	/* The mirror maps the pages from device memory, writable. */
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL |
				  DRM_DEVMIR_SNAP_WRITE));
	free(snap);

	/* Device read from device memory: no fault, no migration. */
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 11));
	/* Device write into device memory, then back to system memory. */
	buf_fill(out, size, 12);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_device);
	EXPECT_EQ(0ULL, st.migrated_to_system);
	EXPECT_EQ(0ULL, st.ram_faults);

	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(n, dm_migrate_total(&m));
	EXPECT_EQ(used0, dm_devmem_used(self->fd));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_system);
	EXPECT_EQ(2 * size, st.migrate_bytes);
	EXPECT_EQ(0ULL, st.ram_faults);
	/* Checked by the CPU after the device wrote into device memory. */
	ASSERT_EQ(-1, buf_check(buf, size, 12));

	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	munmap(buf, size);
	free(out);
}

/* A CPU access to a device page migrates it back (migrate_to_ram). */
TEST_F(migrate, cpu_fault_migrates_back)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_stats st;
	uint8_t *buf, *snap, *out;

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(PAGE);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 21);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	/* Every byte read by the CPU, straight after the migration. */
	ASSERT_EQ(-1, buf_check(buf, size, 21));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LE(1ULL, st.ram_faults);
	EXPECT_EQ(n, st.migrated_to_system);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);

	/* A CPU write to a device page lands, and the device sees it. */
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	buf[PAGE * 7 + 5] ^= 0xff;
	ASSERT_EQ(0, dm_read(self->fd, buf + PAGE * 7, PAGE, out));
	buf[PAGE * 7 + 5] ^= 0xff;
	EXPECT_EQ((uint8_t)(buf[PAGE * 7 + 5] ^ 0xff), out[5]);
	EXPECT_EQ(-1, buf_check_range(out + 6, PAGE * 7 + 6, PAGE - 6, 21));
	ASSERT_EQ(-1, buf_check(buf, size, 21));
	munmap(buf, size);
	free(out);
}

/* The ram window: one page, an aligned block, the VMA-clipped 2 MiB. */
TEST_F(migrate, ram_window_granularity)
{
	size_t size = MIB(1), n = NPAGES(size);
	struct drm_devmir_get_policy pol;
	struct drm_devmir_stats st;
	volatile uint8_t *v;
	uint8_t *buf, *snap;

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	v = buf;
	buf_fill(buf, size, 31);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));

	ASSERT_EQ(0, dm_set_ram_window(self->fd, PAGE));
	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	EXPECT_EQ(PAGE, pol.ram_window);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	(void)v[5 * PAGE + 1];
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.ram_faults);
	EXPECT_EQ(1ULL, st.migrated_to_system);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n - 1, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(0, snap[5] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	free(snap);

	/* 64 KiB: the aligned 16 pages around page 20 (16..31). */
	ASSERT_EQ(0, dm_set_ram_window(self->fd, KIB(64)));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	(void)v[20 * PAGE];
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.ram_faults);
	EXPECT_EQ(16ULL, st.migrated_to_system);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n - 17, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(0ULL, dm_snap_with(snap + 16, 16, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);

	/* 2 MiB: everything else, clipped to the 1 MiB VMA. */
	ASSERT_EQ(0, dm_set_ram_window(self->fd, MIB(2)));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	(void)v[200 * PAGE];
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.ram_faults);
	EXPECT_EQ(n - 17, st.migrated_to_system);
	ASSERT_EQ(-1, buf_check(buf, size, 31));
	munmap(buf, size);
}

struct held_migration {
	int fd;
	void *buf;
	size_t size;
	int ret;
	struct drm_devmir_migrate m;
};

static void *migrate_to_device_thread(void *arg)
{
	struct held_migration *h = arg;

	h->ret = dm_to_device(h->fd, h->buf, h->size, &h->m);
	return NULL;
}

/*
 * MIGRATE to system memory while another thread's migration to the device
 * holds the pages under migration entries (the migrate_stall point keeps
 * it between migrate_vma_setup() and the copy): the pages are there and
 * moving, so they count busy, not absent. Nothing may touch the buffer
 * while the other migration is held: a CPU access would wait for it.
 */
TEST_F(migrate, to_system_counts_migrating_busy)
{
	size_t size = KIB(16), n = NPAGES(size);
	struct held_migration h = { .fd = self->fd, .size = size };
	struct drm_devmir_migrate m;
	long long hits0, hits;
	pthread_t thread;
	uint8_t *buf;
	double end;

	hits0 = dm_inject_get("migrate_stall", "hits");
	ASSERT_LE(0, hits0) TH_LOG("no devmirror/inject/migrate_stall in debugfs");
	/* One window: the held migration must hold every page of the buffer. */
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 41);
	h.buf = buf;

	ASSERT_EQ(0, dm_inject_set("migrate_stall", "pid", getpid()));
	ASSERT_EQ(0, pthread_create(&thread, NULL, migrate_to_device_thread, &h));
	end = dm_now() + 30;
	while ((hits = dm_inject_get("migrate_stall", "hits")) == hits0 && dm_now() < end)
		usleep(1000);
	EXPECT_EQ(hits0 + 1, hits);

	if (hits > hits0) {
		EXPECT_EQ(-EBUSY, dm_to_system(self->fd, buf, size, &m));
		EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
		EXPECT_EQ(0ULL, m.absent);
		EXPECT_EQ(n, dm_migrate_total(&m));
	}

	ASSERT_EQ(0, dm_inject_set("migrate_stall", "pid", 0));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, h.ret);
	EXPECT_EQ(n, h.m.migrated);

	/* Settled: on the device, and back with the data. */
	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(-1, buf_check(buf, size, 41));
	munmap(buf, size);
}

/* Never-touched anonymous memory is populated in device memory. */
TEST_F(migrate, untouched_memory)
{
	size_t size = KIB(512), n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	/* Nothing to move back. */
	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.absent);
	EXPECT_EQ(n, dm_migrate_total(&m));

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, m.bytes_copied);
	EXPECT_EQ(-1, buf_check_byte(buf, size, 0));
	munmap(buf, size);
}

/* Pages already where they are asked to go count as such. */
TEST_F(migrate, already_there)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 41);
	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.already);
	EXPECT_EQ(0ULL, m.migrated);

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size / 2, &m));
	EXPECT_EQ(n / 2, m.migrated);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n / 2, m.migrated);
	EXPECT_EQ(n / 2, m.already);
	EXPECT_EQ(n, dm_migrate_total(&m));
	ASSERT_EQ(-1, buf_check(buf, size, 41));
	munmap(buf, size);
}

/* Shared memory never moves: counted as such; PREFETCH does not fail. */
TEST_F(migrate, shared_memory_and_prefetch)
{
	size_t size = KIB(128), n = NPAGES(size);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 51);

	ASSERT_EQ(-EOPNOTSUPP, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_FILE]);
	EXPECT_EQ(0ULL, m.migrated);
	EXPECT_EQ(n, dm_migrate_total(&m));

	ASSERT_EQ(0, dm_migrate(self->fd, buf, size, DRM_DEVMIR_MIGDIR_TO_DEVICE,
				DRM_DEVMIR_MIGFLAG_PREFETCH, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_FILE]);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(2 * n, st.migrate_failed);
	EXPECT_EQ(0ULL, st.migrated_to_device);
	ASSERT_EQ(-1, buf_check(buf, size, 51));
	munmap(buf, size);
}

/*
 * A private file mapping: page-cache pages stay (FILE), pages the process
 * wrote (copy-on-write, anonymous now) move.
 */
TEST_F(migrate, file_backed_private)
{
	size_t size = KIB(64), n = NPAGES(size);
	char path[] = "/tmp/dm_migrate_XXXXXX";
	struct drm_devmir_migrate m;
	uint8_t *buf, *data;
	int file;

	file = mkstemp(path);
	ASSERT_LE(0, file);
	unlink(path);
	data = malloc(size);
	ASSERT_NE(NULL, data);
	buf_fill(data, size, 61);
	ASSERT_EQ((ssize_t)size, write(file, data, size));
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
	ASSERT_NE(MAP_FAILED, buf);
	/* Read every page, write (copy) the first half. */
	ASSERT_EQ(-1, buf_check(buf, size, 61));
	memcpy(buf, data, size / 2);

	ASSERT_EQ(-EOPNOTSUPP, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n / 2, m.migrated);
	EXPECT_EQ(n / 2, m.failed[DRM_DEVMIR_MIGFAIL_FILE]);
	EXPECT_EQ(n, dm_migrate_total(&m));
	ASSERT_EQ(-1, buf_check(buf, size, 61));
	munmap(buf, size);
	close(file);
	free(data);
}

/* hugetlbfs cannot migrate at all: the whole VMA fails with FAIL_VMA. */
TEST_F(migrate, hugetlbfs)
{
	size_t size = HUGE_2M, n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no huge pages");
	buf_fill(buf, size, 71);
	ASSERT_EQ(-EOPNOTSUPP, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_VMA]);
	EXPECT_EQ(n, dm_migrate_total(&m));
	ASSERT_EQ(-1, buf_check(buf, size, 71));
	munmap(buf, size);
}

/* A range over two VMAs of different kinds: each page counted right. */
TEST_F(migrate, mixed_vmas)
{
	size_t half = KIB(64), n = NPAGES(half);
	struct drm_devmir_migrate m;
	uint8_t *buf;

	buf = buf_map(2 * half, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, mmap(buf + half, half, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	buf_fill(buf, 2 * half, 81);
	ASSERT_EQ(0, dm_migrate(self->fd, buf, 2 * half, DRM_DEVMIR_MIGDIR_TO_DEVICE,
				DRM_DEVMIR_MIGFLAG_PREFETCH, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_FILE]);
	EXPECT_EQ(2 * n, dm_migrate_total(&m));
	ASSERT_EQ(-1, buf_check(buf, 2 * half, 81));
	munmap(buf, 2 * half);
}

/* A transparent huge page is split and migrated page by page. */
TEST_F(migrate, thp)
{
	size_t size = HUGE_2M, n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf, *out;

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, size, MADV_HUGEPAGE);
	buf_fill(buf, size, 91);
	if (thp_kib(buf) < 2048)
		SKIP(munmap(buf, size); return, "no THP");
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 91));
	ASSERT_EQ(-1, buf_check(buf, size, 91));
	munmap(buf, size);
	free(out);
}

/*
 * Device THP (kernels whose migrate_vma moves device-private folios whole):
 * SKIP elsewhere, with the reason. @size bytes, 2 MiB aligned, backed by
 * THPs and filled with @seed; NULL (the test skipped) without THP.
 */
/* Statistic @name (dm_stat()), UINT64_MAX if it cannot be read. */
static uint64_t thp_stat(int fd, uint32_t flags, const char *name)
{
	uint64_t value;

	return dm_stat(fd, flags, name, &value) ? UINT64_MAX : value;
}

#define THP_SKIP_REASON "kernel without device-private THP (HAVE_DEVICE_PRIVATE_THP)"

static uint8_t *thp_buf(size_t size, unsigned int seed)
{
	uint8_t *buf;

	if (dm_devmem_field(0, "device_thp") != 1)
		return NULL;
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (buf == MAP_FAILED)
		return NULL;
	buf_thp(buf, size, true);
	buf_fill(buf, size, seed);
	if (thp_kib(buf) < (long)(size >> 10)) {
		munmap(buf, size);
		return NULL;
	}
	return buf;
}

/*
 * A THP to the device and back moves as one 2 MiB folio each way, mirrored
 * as one huge device leaf; the data survive a device write in between.
 */
TEST_F(migrate, thp_device_round_trip)
{
	size_t size = HUGE_2M, n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf, *out, *snap;

	buf = thp_buf(size, 93);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(1ULL, thp_stat(self->fd, 0, "thp_migrated"));
	EXPECT_EQ(0ULL, thp_stat(self->fd, 0, "thp_fallbacks"));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(1, DRM_DEVMIR_SNAP_LEVEL(snap[0])) TH_LOG("not one huge leaf");
	free(snap);
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 93));
	buf_fill(out, size, 94);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));

	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(2ULL, thp_stat(self->fd, 0, "thp_migrated"));
	EXPECT_EQ(2048, thp_kib(buf)) TH_LOG("not back as one THP");
	ASSERT_EQ(-1, buf_check(buf, size, 94));
	munmap(buf, size);
	free(out);
}

/*
 * A device fault whose window starts inside a device THP (4 KiB window,
 * page 50) reads each page's own data, not the data of the folio's first
 * page: 7.x's hmm_range_fault() reports the head pfn for the first page a
 * walk reaches inside a device-private PMD (docs/compat.md).
 */
TEST_F(migrate, thp_device_fault_mid_folio)
{
	size_t size = HUGE_2M, n = NPAGES(size), p, k;
	int prot = PROT_READ | PROT_WRITE;
	uint8_t *buf, *out, *snap;

	buf = thp_buf(size, 87);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	ASSERT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(0, dm_set_window(self->fd, PAGE));
	/*
	 * Each round clears the mirror but not the CPU mapping (mprotect: the
	 * device folio stays one PMD), then reads one page through a fault
	 * of its own: page 50 first, then pages all over the folio.
	 */
	for (k = 0, p = 50; k < 16; k++, p = (p + 37) % n) {
		prot ^= PROT_WRITE;
		ASSERT_EQ(0, mprotect(buf, size, prot));
		ASSERT_EQ(0, dm_read(self->fd, buf + p * PAGE, PAGE, out));
		ASSERT_EQ(-1, buf_check_range(out, p * PAGE, PAGE, 87))
			TH_LOG("page %zu read through a fault starting there", p);
	}
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 87));
	ASSERT_EQ(-1, buf_check(buf, size, 87));
	munmap(buf, size);
	free(out);
}

/* A CPU access to a device THP brings the whole 2 MiB back, as one folio. */
TEST_F(migrate, thp_device_cpu_fault_whole)
{
	size_t size = HUGE_2M, n = NPAGES(size);
	struct drm_devmir_stats st;
	uint64_t thp0;
	uint8_t *buf;

	buf = thp_buf(size, 95);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	/* The smallest ram window: a device THP still comes back whole. */
	ASSERT_EQ(0, dm_set_ram_window(self->fd, PAGE));
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	/* A CPU fault counts on the device (the faulting process may have no mirror). */
	thp0 = thp_stat(self->fd, DRM_DEVMIR_QUERY_DEVICE, "thp_migrated");
	ASSERT_EQ(-1, buf_check_range(buf + 100, 100, 1, 95));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.ram_faults);
	EXPECT_EQ(n, st.migrated_to_system);
	EXPECT_EQ(thp0 + 1, thp_stat(self->fd, DRM_DEVMIR_QUERY_DEVICE,
					  "thp_migrated"));
	ASSERT_EQ(-1, buf_check(buf, size, 95));
	munmap(buf, size);
}

/*
 * Unmapping half of a device THP splits the device folio: the other half
 * still reads back right and every device page returns to the pool.
 */
TEST_F(migrate, thp_device_partial_munmap_splits)
{
	size_t size = HUGE_2M, half = size / 2;
	uint64_t used0 = dm_devmem_used(self->fd);
	uint8_t *buf, *out;

	buf = thp_buf(size, 97);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	out = malloc(half);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	EXPECT_EQ(used0 + NPAGES(size), dm_devmem_used(self->fd));
	ASSERT_EQ(0, munmap(buf + half, half));
	/* The device reads what is left, the CPU faults it back page by page. */
	ASSERT_EQ(0, dm_read(self->fd, buf, half, out));
	ASSERT_EQ(-1, buf_check(out, half, 97));
	ASSERT_EQ(0, dm_set_ram_window(self->fd, PAGE));
	ASSERT_EQ(-1, buf_check_range(buf + PAGE * 3, PAGE * 3, PAGE, 97));
	/* That fault split the folio: each page is in the pool on its own. */
	EXPECT_EQ(0, dm_devmem_field(0, "tail")) TH_LOG("split pages not in the pool");
	ASSERT_EQ(-1, buf_check(buf, half, 97));
	ASSERT_EQ(0, munmap(buf, half));
	EXPECT_EQ(used0, dm_devmem_used(self->fd)) TH_LOG("device pages leaked");
	free(out);
}

/*
 * A pool with free pages but no free 2 MiB block: a THP moves as 4 KiB
 * pages into the free ones (counted), never failing for that reason.
 * It fills the whole device memory with 4 KiB pages and reads them back:
 * 256 MiB under devmirror-adaptive, more than the harness's default 30 s
 * on the debug kernel under TCG.
 */
TEST_F_TIMEOUT(migrate, thp_device_fragmented_pool_falls_back, 300)
{
	size_t fill = self->devmem, size = HUGE_2M, i;
	struct drm_devmir_migrate m;
	uint8_t *small, *buf;

	buf = thp_buf(size, 99);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	/* Every device page in use, by 4 KiB pages. */
	small = buf_map_aligned(fill, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, small);
	buf_thp(small, fill, false);
	buf_fill(small, fill, 98);
	ASSERT_EQ(0, dm_to_device(self->fd, small, fill, &m));
	ASSERT_EQ(NPAGES(fill), m.migrated);
	ASSERT_EQ(0ULL, thp_stat(self->fd, 0, "thp_migrated"));
	/* Every other page of the first 8 MiB freed: 1024 free, no free block. */
	for (i = 0; i < NPAGES(MIB(8)); i += 2)
		ASSERT_EQ(0, munmap(small + i * PAGE, PAGE));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(NPAGES(size), m.migrated);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
	EXPECT_EQ(1ULL, thp_stat(self->fd, 0, "thp_fallbacks"));
	EXPECT_EQ(0ULL, thp_stat(self->fd, 0, "thp_migrated"));
	EXPECT_EQ(0ULL, m.evicted) TH_LOG("evicted although pages were free");
	ASSERT_EQ(-1, buf_check(buf, size, 99));
	for (i = 1; i < NPAGES(MIB(8)); i += 2)
		ASSERT_EQ(-1, buf_check_range(small + i * PAGE, i * PAGE, PAGE, 98));
	ASSERT_EQ(-1, buf_check_range(small + MIB(8), MIB(8), fill - MIB(8), 98));
	munmap(buf, size);
	munmap(small + MIB(8), fill - MIB(8));
	for (i = 1; i < NPAGES(MIB(8)); i += 2)
		munmap(small + i * PAGE, PAGE);
}

/*
 * A pool full of device THPs: the next THP evicts one whole 2 MiB folio
 * into a system THP; every byte survives.
 */
TEST_F(migrate, thp_device_eviction_moves_folios)
{
	size_t fill = self->devmem, size = HUGE_2M;
	struct drm_devmir_migrate m;
	uint8_t *full, *buf;

	buf = thp_buf(size, 89);
	if (!buf)
		SKIP(return, THP_SKIP_REASON " or no THP");
	full = thp_buf(fill, 88);
	if (!full)
		SKIP(munmap(buf, size); return, "no THP for the whole device memory");
	ASSERT_EQ(0, dm_to_device(self->fd, full, fill, &m));
	ASSERT_EQ(NPAGES(fill), m.migrated);
	ASSERT_EQ(fill / HUGE_2M, thp_stat(self->fd, 0, "thp_migrated"));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(NPAGES(size), m.migrated);
	EXPECT_EQ(NPAGES(HUGE_2M), m.evicted) TH_LOG("not one whole folio evicted");
	EXPECT_EQ(1ULL, thp_stat(self->fd, 0, "thp_migrated"));
	EXPECT_EQ(0ULL, thp_stat(self->fd, 0, "thp_fallbacks"));
	ASSERT_EQ(-1, buf_check(buf, size, 89));
	ASSERT_EQ(-1, buf_check(full, fill, 88));
	munmap(buf, size);
	munmap(full, fill);
}

/* Many round trips, each side writing between them. */
TEST_F(migrate, migrate_multiple)
{
	size_t size = KIB(512), n = NPAGES(size);
	struct drm_devmir_migrate m;
	uint8_t *buf, *out;
	unsigned int round;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	for (round = 0; round < 6; round++) {
		buf_fill(buf, size, 100 + round);
		ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
		ASSERT_EQ(n, m.migrated);
		ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
		ASSERT_EQ(-1, buf_check(out, size, 100 + round));
		buf_fill(out, size, 200 + round);
		ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
		if (round & 1) {
			ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
			ASSERT_EQ(n, m.migrated);
		}
		/* Odd rounds: migrated back; even: the CPU faults them back. */
		ASSERT_EQ(-1, buf_check(buf, size, 200 + round));
	}
	munmap(buf, size);
	free(out);
}

/* The NUMA node of each of @n pages at @buf (move_pages(2) query); 0 or -1. */
static int nodes_of(void *buf, size_t n, int *status)
{
	void **pages = calloc(n, sizeof(*pages));
	size_t i;
	long ret;

	if (!pages)
		return -1;
	for (i = 0; i < n; i++)
		pages[i] = (char *)buf + i * PAGE;
	ret = syscall(SYS_move_pages, 0, n, pages, NULL, status, 0);
	free(pages);
	return ret ? -1 : 0;
}

/*
 * Migration back honours the memory policy: pages of a range bound to the
 * second NUMA node come back there, by MIGRATE and by a CPU fault, whatever
 * node the CPU is on (system pages are allocated in bulk on the local node
 * only under the default policy).
 */
TEST_F(migrate, to_system_honours_mbind)
{
	size_t size = KIB(256), n = NPAGES(size), i, on1;
	unsigned long mask = 1UL << 1;
	struct drm_devmir_migrate m;
	int *status;
	uint8_t *buf;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node: nothing to bind to");
	status = calloc(n, sizeof(*status));
	ASSERT_NE(NULL, status);
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, syscall(SYS_mbind, buf, size, MPOL_BIND, &mask,
			     8 * sizeof(mask), 0));
	buf_fill(buf, size, 131);
	ASSERT_EQ(0, nodes_of(buf, n, status));
	for (i = 0, on1 = 0; i < n; i++)
		on1 += status[i] == 1;
	ASSERT_EQ(n, on1) TH_LOG("the bind itself did not place the pages");

	/* MIGRATE back. */
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);
	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);
	ASSERT_EQ(0, nodes_of(buf, n, status));
	for (i = 0, on1 = 0; i < n; i++)
		on1 += status[i] == 1;
	EXPECT_EQ(n, on1);

	/* A CPU fault's window back. */
	ASSERT_EQ(0, dm_set_ram_window(self->fd, size));
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);
	EXPECT_EQ(-1, buf_check(buf, size, 131));
	ASSERT_EQ(0, nodes_of(buf, n, status));
	for (i = 0, on1 = 0; i < n; i++)
		on1 += status[i] == 1;
	EXPECT_EQ(n, on1);
	munmap(buf, size);
	free(status);
}

/* A range with an unmapped hole fails before any work. */
TEST_F(migrate, hole_fails_cleanly)
{
	size_t size = KIB(96);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 111);
	munmap(buf + KIB(32), KIB(32));
	ASSERT_EQ(-EFAULT, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(0ULL, dm_migrate_total(&m));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.migrated_to_device);
	/* PROT_NONE is mapped: it migrates like any private memory. */
	ASSERT_EQ(0, mprotect(buf, KIB(32), PROT_NONE));
	ASSERT_EQ(0, dm_to_device(self->fd, buf, KIB(32), &m));
	EXPECT_EQ(NPAGES(KIB(32)), m.migrated);
	ASSERT_EQ(0, mprotect(buf, KIB(32), PROT_READ));
	ASSERT_EQ(-1, buf_check(buf, KIB(32), 111));
	munmap(buf, KIB(32));
	munmap(buf + KIB(64), KIB(32));
}

/* Policy FIRST_FAULT: a device fault migrates its window first. */
TEST_F(migrate, policy_first_fault)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_get_policy pol;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 121);
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(64)));
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0));
	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	EXPECT_EQ((uint32_t)DRM_DEVMIR_MIGMODE_FIRST_FAULT, pol.migrate_mode);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 121));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n / 16, st.policy_migrations);
	/*
	 * A page the kernel keeps busy through every pass (compaction holding
	 * it isolated, say) stays in system memory and is mirrored there, as
	 * documented, counted failed: every page is accounted one way or the
	 * other, all but a handful move, the mirror shows exactly those.
	 */
	EXPECT_EQ(n, st.migrated_to_device + st.migrate_failed);
	EXPECT_LE(n - 8, st.migrated_to_device);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(st.migrated_to_device, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);

	/*
	 * Untouched memory goes straight to device memory, no CPU copy. (The
	 * buffer is window-aligned: a window never reaches a neighbour VMA.)
	 */
	memset(out, 0xff, size);
	munmap(buf, size);
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	EXPECT_EQ(-1, buf_check_byte(out, size, 0));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_device);
	EXPECT_EQ(0ULL, st.migrate_bytes);
	EXPECT_EQ(-1, buf_check_byte(buf, size, 0));
	munmap(buf, size);
	free(out);
}

/*
 * CPU/device ping-pong over @size bytes at @buf under FIRST_FAULT, one
 * round trip per round: the device writes pattern @seed (its fault
 * migrates the pages to the device unless their region is held), the CPU
 * checks it (its fault takes them back) and writes @seed + 1, which the
 * device then reads back.
 */
static int pingpong_round(int fd, uint8_t *buf, size_t size, uint8_t *tmp,
			  unsigned int seed)
{
	buf_fill(tmp, size, seed);
	if (dm_write(fd, buf, size, tmp))
		return -1;
	if (buf_check(buf, size, seed) != -1)
		return -2;
	buf_fill(buf, size, seed + 1);
	memset(tmp, 0, size);
	if (dm_read(fd, buf, size, tmp) || buf_check(tmp, size, seed + 1) != -1)
		return -3;
	return 0;
}

/* A 64 KiB ping-pong buffer under FIRST_FAULT with 64 KiB windows. */
static uint8_t *pingpong_setup(int fd, size_t size, uint8_t **tmp)
{
	uint8_t *buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE);

	if (buf == MAP_FAILED)
		return NULL;
	*tmp = malloc(size);
	if (!*tmp || madvise(buf, size, MADV_NOHUGEPAGE) ||
	    dm_set_window(fd, size) || dm_set_ram_window(fd, size) ||
	    dm_set_migrate_policy(fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0) ||
	    dm_reset_stats(fd, 0)) {
		free(*tmp);
		munmap(buf, size);
		return NULL;
	}
	buf_fill(buf, size, 1);
	return buf;
}

/*
 * Thrashing (DOC: Thrashing): a region that makes three round trips within
 * a second is held in system memory; the device mirrors it there, so
 * neither side migrates or faults again while the hold lasts, and every
 * value written still reads back on the other side. The hold is long (10
 * s) so that it cannot end during the test; detection needs three round
 * trips of 64 KiB inside one second, which 50 rounds leave ample time for.
 */
TEST_F(migrate, thrash_held)
{
	size_t size = KIB(64);
	uint64_t migrations, ram_faults;
	uint8_t *buf, *tmp, *snap;
	unsigned int round;

	ASSERT_EQ(0, dm_set_thrashing(self->fd, 3, 10000));
	buf = pingpong_setup(self->fd, size, &tmp);
	ASSERT_NE(NULL, buf);
	for (round = 0; round < 50 && dm_stat_of(self->fd, "thrash_detected") == 0; round++)
		ASSERT_EQ(0, pingpong_round(self->fd, buf, size, tmp, 2 * round + 10));
	TH_LOG("detected after %u rounds: %llu round trips", round,
	       (unsigned long long)dm_stat_of(self->fd, "thrash_trips"));
	ASSERT_EQ(1, dm_stat_of(self->fd, "thrash_detected"));
	EXPECT_LE(3, dm_stat_of(self->fd, "thrash_trips"));
	EXPECT_LE(1, dm_stat_of(self->fd, "thrash_held"));

	migrations = dm_stat_of(self->fd, "policy_migrations");
	ram_faults = dm_stat_of(self->fd, "ram_faults");
	for (round = 0; round < 8; round++)
		ASSERT_EQ(0, pingpong_round(self->fd, buf, size, tmp, 2 * round + 200));
	EXPECT_EQ(migrations, dm_stat_of(self->fd, "policy_migrations"));
	EXPECT_EQ(ram_faults, dm_stat_of(self->fd, "ram_faults"));
	EXPECT_EQ(1, dm_stat_of(self->fd, "thrash_detected"));
	snap = dm_snap(self->fd, buf, NPAGES(size));
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, dm_snap_with(snap, NPAGES(size), DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(NPAGES(size), dm_snap_with(snap, NPAGES(size), DRM_DEVMIR_SNAP_WRITE));
	free(snap);
	free(tmp);
	munmap(buf, size);
}

/* thrash_rounds 0: no watch; every round migrates both ways. */
TEST_F(migrate, thrash_off)
{
	size_t size = KIB(64);
	uint8_t *buf, *tmp;
	unsigned int round;

	ASSERT_EQ(0, dm_set_thrashing(self->fd, 0, 10000));
	buf = pingpong_setup(self->fd, size, &tmp);
	ASSERT_NE(NULL, buf);
	for (round = 0; round < 8; round++)
		ASSERT_EQ(0, pingpong_round(self->fd, buf, size, tmp, 2 * round + 10));
	EXPECT_EQ(0, dm_stat_of(self->fd, "thrash_trips"));
	EXPECT_EQ(0, dm_stat_of(self->fd, "thrash_detected"));
	EXPECT_EQ(0, dm_stat_of(self->fd, "thrash_held"));
	EXPECT_LE(8, dm_stat_of(self->fd, "policy_migrations"));
	EXPECT_LE(8, dm_stat_of(self->fd, "ram_faults"));
	free(tmp);
	munmap(buf, size);
}

/* thrash_hold_ms 0: thrashing is counted, nothing is held. */
TEST_F(migrate, thrash_count_only)
{
	size_t size = KIB(64);
	uint8_t *buf, *tmp;
	unsigned int round;

	ASSERT_EQ(0, dm_set_thrashing(self->fd, 2, 0));
	buf = pingpong_setup(self->fd, size, &tmp);
	ASSERT_NE(NULL, buf);
	for (round = 0; round < 8; round++)
		ASSERT_EQ(0, pingpong_round(self->fd, buf, size, tmp, 2 * round + 10));
	EXPECT_LE(1, dm_stat_of(self->fd, "thrash_detected"));
	EXPECT_EQ(0, dm_stat_of(self->fd, "thrash_held"));
	EXPECT_LE(8, dm_stat_of(self->fd, "policy_migrations"));
	EXPECT_LE(8, dm_stat_of(self->fd, "ram_faults"));
	free(tmp);
	munmap(buf, size);
}

/* Policy THRESHOLD: the Nth fault of a 2 MiB region starts migrating. */
TEST_F(migrate, policy_threshold)
{
	size_t size = MIB(4);
	struct drm_devmir_get_policy pol;
	uint8_t *buf, *snap, byte;
	unsigned int i;

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, size, MADV_NOHUGEPAGE);
	buf_fill(buf, size, 131);
	ASSERT_EQ(0, dm_set_window(self->fd, PAGE));
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_THRESHOLD, 3));
	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	EXPECT_EQ((uint32_t)DRM_DEVMIR_MIGMODE_THRESHOLD, pol.migrate_mode);
	EXPECT_EQ(3ULL, pol.migrate_threshold);

	/*
	 * Region 0: faults 1 and 2 mirror, 3 and later migrate. (The CPU
	 * must not touch the buffer before the snapshot: it would migrate the
	 * pages back.)
	 */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, dm_read(self->fd, buf + i * PAGE, 1, &byte));
		ASSERT_EQ(-1, buf_check_range(&byte, i * PAGE, 1, 131));
	}
	/* Region 1 counts on its own. */
	ASSERT_EQ(0, dm_read(self->fd, buf + HUGE_2M, 1, &byte));

	snap = dm_snap(self->fd, buf, 4);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, snap[0] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	EXPECT_EQ(0, snap[1] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	EXPECT_NE(0, snap[2] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	EXPECT_NE(0, snap[3] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	free(snap);
	/* (Mirrored from system memory, unless the kernel moved it since.) */
	snap = dm_snap(self->fd, buf + HUGE_2M, 1);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, snap[0] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	free(snap);

	/* Setting the policy again restarts the counts. */
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_THRESHOLD, 2));
	ASSERT_EQ(0, dm_read(self->fd, buf + 10 * PAGE, 1, &byte));
	snap = dm_snap(self->fd, buf + 10 * PAGE, 1);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0, snap[0] & DRM_DEVMIR_SNAP_DEV_LOCAL);
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 131));
	munmap(buf, size);
}

/*
 * After fork() both processes share the device pages read-only. A device
 * write of the parent breaks the sharing (the page goes to system memory,
 * the write fault copies it); the child keeps the old data.
 */
TEST_F(migrate, device_write_after_fork)
{
	size_t size = KIB(64), n = NPAGES(size);
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	int status, go[2];
	char c = 0;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 141);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Wait for the parent's device write, then check our copy. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(buf_check(buf, size, 141) == -1 ? 0 : 1);
	}
	/* fork() write-protected the parent's device entries. */
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_WRITE));
	free(snap);

	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	buf_fill(out, size, 142);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(n, st.migrated_to_system);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(-1, buf_check(buf, size, 142));
	close(go[0]);
	close(go[1]);
	munmap(buf, size);
	free(out);
}

/* Bad input for every new field: -EINVAL/-EFAULT, nothing changes. */
TEST_F(migrate, uapi_migrate_bad_input)
{
	size_t size = KIB(64);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 151);

	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, size, 2, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, size, ~0u, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, size, 0, 0x2, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, size, 0, 0x80000000u, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf + 1, size - PAGE, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, size - 1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, buf, DRM_DEVMIR_MIGRATE_MAX_SIZE + PAGE,
				      0, 0, NULL));
	EXPECT_EQ(-EINVAL, dm_migrate(self->fd, (void *)(uintptr_t)(~0ULL & ~(PAGE - 1)),
				      2 * PAGE, 0, 0, NULL));
	EXPECT_EQ(-EFAULT, dm_migrate(self->fd, (void *)(uintptr_t)DM_KERNEL_ADDR, size,
				      0, 0, NULL));
	EXPECT_EQ(-EFAULT, dm_migrate(self->fd, (void *)(uintptr_t)PAGE, size, 0, 0, NULL));

	/* A zeroed argument is a valid empty-flag request, except size 0. */
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_MIGRATE, &m));

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.migrated_to_device);
	EXPECT_EQ(0ULL, st.migrate_failed);
	EXPECT_EQ(0ULL, st.hmm_calls);
	ASSERT_EQ(-1, buf_check(buf, size, 151));
	munmap(buf, size);
}

TEST_F(migrate, uapi_policy_bad_input)
{
	struct drm_devmir_set_policy set;
	struct drm_devmir_get_policy pol, before;

	ASSERT_EQ(0, dm_policy(self->fd, &before));
	EXPECT_EQ((uint32_t)DRM_DEVMIR_MIGMODE_OFF, before.migrate_mode);
	EXPECT_EQ(0ULL, before.migrate_threshold);
	EXPECT_NE(0ULL, before.ram_window);
	EXPECT_EQ(3U, before.thrash_rounds);
	EXPECT_EQ(200U, before.thrash_hold_ms);

	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, 3, 0));
	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, ~0u, 0));
	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_OFF, 1));
	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 4));
	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_THRESHOLD, 0));
	EXPECT_EQ(-EINVAL, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_THRESHOLD,
						 DRM_DEVMIR_THRESHOLD_MAX + 1));
	EXPECT_EQ(-EINVAL, dm_set_ram_window(self->fd, 0));
	EXPECT_EQ(-EINVAL, dm_set_ram_window(self->fd, KIB(2)));
	EXPECT_EQ(-EINVAL, dm_set_ram_window(self->fd, KIB(12)));
	EXPECT_EQ(-EINVAL, dm_set_ram_window(self->fd, MIB(4)));
	/* One bad field fails the whole call: the good one is not applied. */
	memset(&set, 0, sizeof(set));
	set.flags = DRM_DEVMIR_POLICY_MIGRATE | DRM_DEVMIR_POLICY_RAM_WINDOW;
	set.migrate_mode = DRM_DEVMIR_MIGMODE_FIRST_FAULT;
	set.ram_window = KIB(3);
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	/* Unknown flag bits beyond the five known ones. */
	set.flags = 0x20;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.flags = DRM_DEVMIR_POLICY_FLAGS + 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	/* Thrashing settings out of range. */
	EXPECT_EQ(-EINVAL, dm_set_thrashing(self->fd, DRM_DEVMIR_THRASH_ROUNDS_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, dm_set_thrashing(self->fd, 3, DRM_DEVMIR_THRASH_HOLD_MAX_MS + 1));
	EXPECT_EQ(-EINVAL, dm_set_thrashing(self->fd, ~0u, ~0u));
	/* Fields not selected by the flags are ignored. */
	memset(&set, 0, sizeof(set));
	set.flags = DRM_DEVMIR_POLICY_RAM_WINDOW;
	set.ram_window = KIB(16);
	set.migrate_mode = 77;
	EXPECT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));

	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	EXPECT_EQ(before.migrate_mode, pol.migrate_mode);
	EXPECT_EQ(before.migrate_threshold, pol.migrate_threshold);
	EXPECT_EQ(KIB(16), pol.ram_window);
	EXPECT_EQ(before.fault_window, pol.fault_window);
	EXPECT_EQ(before.fault_batch, pol.fault_batch);
	EXPECT_EQ(before.thrash_rounds, pol.thrash_rounds);
	EXPECT_EQ(before.thrash_hold_ms, pol.thrash_hold_ms);

	/* The limits themselves are accepted and read back. */
	EXPECT_EQ(0, dm_set_thrashing(self->fd, DRM_DEVMIR_THRASH_ROUNDS_MAX,
				      DRM_DEVMIR_THRASH_HOLD_MAX_MS));
	ASSERT_EQ(0, dm_policy(self->fd, &pol));
	EXPECT_EQ((uint32_t)DRM_DEVMIR_THRASH_ROUNDS_MAX, pol.thrash_rounds);
	EXPECT_EQ((uint32_t)DRM_DEVMIR_THRASH_HOLD_MAX_MS, pol.thrash_hold_ms);
}

/* Older programs pass the shorter v1 structures: still accepted. */
TEST_F(migrate, uapi_short_structs)
{
	struct drm_devmir_stats st;
	unsigned long req;

	memset(&st, 0xa5, sizeof(st));
	st.flags = 0;
	st.pad = 0;
	req = DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_STATS,
		       char[offsetof(struct drm_devmir_stats, migrated_to_device)]);
	ASSERT_EQ(0, dm_ioctl(self->fd, req, &st));
	/* Nothing written past the old end. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, st.migrated_to_device);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, st.devmem_used);
	EXPECT_EQ(1ULL, st.mirrors);
}

TEST_HARNESS_MAIN
