// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_integrity - a device write is data: whatever the device writes
 * through a mirror entry survives reclaim and writeback, whatever the CPU
 * side does to the entry afterwards.
 *
 * Each case makes the page clean from the kernel's point of view (it was
 * lazily freed with MADV_FREE, is a clean swap-cache page after a swap-in
 * by read, or a shmem page only ever read), lets the device write a pattern
 * through a writable mirror entry, does what drops or write-protects the
 * entry (reclaim itself, mprotect, fork, migration), then forces the page
 * out (MADV_PAGEOUT, fsync + drop_caches) and reads it back: every byte
 * must be the device's. Without the dirty transfer these pages come back
 * as zeros or as the stale swap copy.
 *
 * Variants: the render node and the test_hmm-compatible device
 * (/dev/hmm_dmirror0, devmirror_sim hmm_compat=1), each with 4 KiB pages and
 * with a THP-backed buffer, each on a device with device-private memory and
 * on one with device-coherent memory (the first coherent render node,
 * /dev/hmm_dmirror2; the suite loads them over the rig's reserved ranges).
 * On a coherent device the pages in device memory are ordinary memory the
 * device writes in place: its writes must reach their dirty state as well,
 * whichever way they leave device memory (the driver's migration, or the
 * kernel's own before a long-term pin). The swap and file cases need the
 * suite script's swap device and ext2 mount (DM_INTEG_FS); without them
 * they fail; the coherent variants skip without a coherent device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "hmm_uapi.h"
#include "../../../mm/gup_test.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* Seeds: what the CPU wrote first, and what the device writes. */
#define SEED_CPU	11
#define SEED_DEV	97

FIXTURE(integ) {
	int fd;
	size_t size;
	uint8_t *buf;
	uint8_t *src;
	uint64_t thp0;	/* the render node mirror's thp_migrated at setup */
};

FIXTURE_VARIANT(integ) {
	bool compat;	/* /dev/hmm_dmirror0 instead of the render node */
	bool thp;	/* one 2 MiB THP instead of 4 KiB pages */
	bool coherent;	/* a device with device-coherent memory */
};

FIXTURE_VARIANT_ADD(integ, render_4k) { .compat = false, .thp = false };
FIXTURE_VARIANT_ADD(integ, render_thp) { .compat = false, .thp = true };
FIXTURE_VARIANT_ADD(integ, compat_4k) { .compat = true, .thp = false };
FIXTURE_VARIANT_ADD(integ, compat_thp) { .compat = true, .thp = true };
FIXTURE_VARIANT_ADD(integ, render_coherent_4k) { .thp = false, .coherent = true };
FIXTURE_VARIANT_ADD(integ, render_coherent_thp) { .thp = true, .coherent = true };
FIXTURE_VARIANT_ADD(integ, compat_coherent_4k) {
	.compat = true, .thp = false, .coherent = true };
FIXTURE_VARIANT_ADD(integ, compat_coherent_thp) {
	.compat = true, .thp = true, .coherent = true };

/*
 * The device of @variant: render node 0 or the first coherent one,
 * /dev/hmm_dmirror0 or test_hmm's first coherent device, 2. -ENODEV: no
 * coherent device is loaded; else -errno.
 */
static int dev_open(const FIXTURE_VARIANT(integ) *variant)
{
	int index = 0, fd;

	if (variant->compat)
		fd = open(variant->coherent ? "/dev/hmm_dmirror2" : "/dev/hmm_dmirror0",
			  O_RDWR | O_CLOEXEC);
	else if (variant->coherent &&
		 (index = dm_kind_index(DRM_DEVMIR_MEMORY_COHERENT, 0)) < 0)
		return -ENODEV;
	else
		fd = dm_open(index);
	if (fd < 0)
		return variant->coherent && errno == ENOENT ? -ENODEV : -errno;
	return fd;
}

/* Device WRITE of @size bytes at @addr from @data: 0 or -errno. */
static int dev_write(int fd, bool compat, void *addr, size_t size, void *data)
{
	return compat ? hmm_cmd(fd, HMM_DMIRROR_WRITE, addr, size / PAGE, data, NULL) :
			dm_write(fd, addr, size, data);
}

/* Device READ into @out. */
static int dev_read(int fd, bool compat, void *addr, size_t size, void *out)
{
	return compat ? hmm_cmd(fd, HMM_DMIRROR_READ, addr, size / PAGE, out, NULL) :
			dm_read(fd, addr, size, out);
}

/*
 * Migrate to device memory (@to_device) or back: 0, -errno, or -ESRCH when
 * the call succeeded without moving every page (the case would then test
 * nothing of device memory).
 */
static int dev_migrate(int fd, bool compat, void *addr, size_t size,
		       bool to_device, void *scratch)
{
	struct drm_devmir_migrate m;
	uint64_t moved = 0, n;
	bool counted = true;
	int ret, tries;

	/*
	 * -EBUSY: a page was held by someone else (reclaim, compaction)
	 * past the call's own waits, which a loaded emulated machine can
	 * outlast; as any caller would, call again: the render node's calls
	 * together must move every page (test_hmm's ABI reports no count
	 * for a failed call: after one the compat count is not checked).
	 */
	for (tries = 0; tries < 20; tries++) {
		n = 0;
		if (compat) {
			ret = hmm_cmd(fd, to_device ? HMM_DMIRROR_MIGRATE_TO_DEV :
						      HMM_DMIRROR_MIGRATE_TO_SYS,
				      addr, size / PAGE, scratch, &n);
		} else {
			ret = to_device ? dm_to_device(fd, addr, size, &m) :
					  dm_to_system(fd, addr, size, &m);
			n = m.migrated;
		}
		moved += n;
		if (ret != -EBUSY)
			break;
		counted = !compat;
		fprintf(stderr, "# migration to %s: busy pages, again\n",
			to_device ? "device" : "system");
		usleep(50000);
	}
	if (!ret && counted && moved != size / PAGE) {
		fprintf(stderr, "# migration to %s moved %llu of %zu pages\n",
			to_device ? "device" : "system", (unsigned long long)moved,
			size / PAGE);
		return -ESRCH;
	}
	return ret;
}

/*
 * Where the kernel migrates device-private folios whole (device THP: the
 * pool's debugfs says device_thp 1), a THP-backed buffer went to the
 * render node's device-private memory as one 2 MiB folio: its mirror's
 * thp_migrated grew since the setup. Elsewhere (4 KiB buffers, coherent memory,
 * the compat files, older kernels) there is nothing to check.
 */
static void expect_device_thp(struct __test_metadata *_metadata,
			      FIXTURE_DATA(integ) *self,
			      const FIXTURE_VARIANT(integ) *variant)
{
	uint64_t thp;

	if (!variant->thp || variant->compat || variant->coherent ||
	    dm_devmem_field(0, "device_thp") != 1)
		return;
	thp = dm_stat_of(self->fd, "thp_migrated");
	ASSERT_NE(UINT64_MAX, self->thp0);
	ASSERT_NE(UINT64_MAX, thp);
	EXPECT_LT(self->thp0, thp) TH_LOG("the THP did not move as a device THP");
}

/* KiB of swap in use by this process (VmSwap), or -1. */
static long vm_swap_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSwap: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static bool have_swap(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			perror("drop_caches");
		close(fd);
	}
}

FIXTURE_SETUP(integ)
{
	self->buf = MAP_FAILED;
	self->src = NULL;
	self->fd = dev_open(variant);
	if (self->fd == -ENODEV)
		SKIP(return, "no device-coherent device (devmirror_sim coherent_addr=)");
	ASSERT_LE(0, self->fd) TH_LOG("cannot open the %s device: %s",
				      variant->compat ? "compat" : "render",
				      strerror(-self->fd));
	self->size = variant->thp ? HUGE_2M : 256 * PAGE;
	self->buf = buf_map_aligned(self->size, HUGE_2M, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, madvise(self->buf, self->size,
			     variant->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE));
	self->src = malloc(self->size);
	ASSERT_NE(NULL, self->src);
	buf_fill(self->src, self->size, SEED_DEV);
	/* The CPU writes first: the pages exist, are dirty, are THP if asked. */
	buf_fill(self->buf, self->size, SEED_CPU);
	if (variant->thp) {
		ASSERT_EQ((long)(HUGE_2M >> 10), thp_kib(self->buf))
			TH_LOG("the buffer is not backed by a THP");
	}
	self->thp0 = variant->compat ? 0 : dm_stat_of(self->fd, "thp_migrated");
}

FIXTURE_TEARDOWN(integ)
{
	free(self->src);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, self->size);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The pages are lazily freed (clean as far as reclaim knows) and then
 * written by the device: the device's data must survive a pageout.
 */
static void lazyfree_then_device_write(struct __test_metadata *_metadata,
				       FIXTURE_DATA(integ) *self,
				       const FIXTURE_VARIANT(integ) *variant)
{
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_FREE));
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, self->buf, self->size,
			       self->src));
}

/* The buffer holds the device's pattern, byte for byte. */
#define EXPECT_DEVICE_DATA(self)                                            \
	do {                                                                \
		long bad = buf_check((self)->buf, (self)->size, SEED_DEV);  \
		EXPECT_EQ(-1, bad) TH_LOG("device data lost at offset %ld " \
					  "(byte 0x%02x)", bad,             \
					  bad < 0 ? 0 : (self)->buf[bad]);  \
	} while (0)

/* MADV_FREE, device write, MADV_PAGEOUT: reclaim must keep the pages. */
TEST_F(integ, madv_free_pageout)
{
	lazyfree_then_device_write(_metadata, self, variant);
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
}

/* mprotect(PROT_READ) drops the writable entries first. */
TEST_F(integ, mprotect_then_pageout)
{
	lazyfree_then_device_write(_metadata, self, variant);
	ASSERT_EQ(0, mprotect(self->buf, self->size, PROT_READ));
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
}

/* fork() write-protects them (copy-on-write) and the child COWs a page. */
TEST_F(integ, fork_cow_then_pageout)
{
	int status;
	pid_t pid;

	lazyfree_then_device_write(_metadata, self, variant);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child sees the device's data and breaks COW on page 0. */
		int ok = buf_check(self->buf, self->size, SEED_DEV) == -1;

		self->buf[0] ^= 0xff;
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child did not see the device's data");
	/* The child is gone: the pages are the parent's alone again. */
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
}

/* The device writes device memory; back in system memory it is data. */
TEST_F(integ, write_in_device_memory_then_pageout)
{
	uint8_t *scratch = malloc(self->size);

	ASSERT_NE(NULL, scratch);
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_FREE));
	ASSERT_EQ(0, dev_migrate(self->fd, variant->compat, self->buf,
				 self->size, true, scratch));
	expect_device_thp(_metadata, self, variant);
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, self->buf, self->size,
			       self->src));
	ASSERT_EQ(0, dev_migrate(self->fd, variant->compat, self->buf,
				 self->size, false, scratch));
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
	free(scratch);
}

/*
 * The device writes device memory, then a long-term pin (FOLL_LONGTERM)
 * moves the pages out: a device-private page through the driver's
 * migrate_to_ram, a device-coherent one through the kernel's own migration
 * (the driver only sees the invalidation). Unpinned and paged out, the
 * pages must hold the device's data.
 */
TEST_F(integ, write_in_device_memory_then_longterm_pin)
{
	struct pin_longterm_test pin = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	uint8_t *scratch = malloc(self->size);
	int gup;

	ASSERT_NE(NULL, scratch);
	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		SKIP(free(scratch); return, "no /sys/kernel/debug/gup_test");
	if (ioctl(gup, PIN_LONGTERM_TEST_STOP)) {
		close(gup);
		free(scratch);
		SKIP(return, "gup_test has no PIN_LONGTERM_TEST_* ioctls");
	}
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_FREE));
	ASSERT_EQ(0, dev_migrate(self->fd, variant->compat, self->buf,
				 self->size, true, scratch));
	expect_device_thp(_metadata, self, variant);
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, self->buf, self->size,
			       self->src));
	pin.addr = (uintptr_t)self->buf;
	pin.size = self->size;
	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_START, &pin));
	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_STOP));
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
	close(gup);
	free(scratch);
}

/*
 * Migration to device memory and back carries the dirty state along.
 *
 * After the two cases above on purpose: 6.12 clears no page flags when a
 * device page is freed or handed out again (free_zone_device_folio(),
 * zone_device_page_init()), so a device page that once held a dirty page
 * stays PG_dirty in its next use, and a write into it that the driver
 * failed to mark would survive by that accident. This case leaves such
 * pages behind; the cases writing in device memory run first, on pages of
 * the variant's device no earlier case used.
 */
TEST_F(integ, migrate_then_pageout)
{
	uint8_t *scratch = malloc(self->size);

	ASSERT_NE(NULL, scratch);
	lazyfree_then_device_write(_metadata, self, variant);
	ASSERT_EQ(0, dev_migrate(self->fd, variant->compat, self->buf,
				 self->size, true, scratch));
	ASSERT_EQ(0, dev_migrate(self->fd, variant->compat, self->buf,
				 self->size, false, scratch));
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	EXPECT_DEVICE_DATA(self);
	free(scratch);
}

/*
 * Swap: out, read ahead into the swap cache (MADV_WILLNEED: a RAM disk is
 * a synchronous swap device, whose faults would otherwise bypass the swap
 * cache), mapped by a device read (a read fault leaves the page clean in
 * the swap cache, writable), device write, out again: the swap copy must be
 * the device's data, not the stale one.
 */
TEST_F(integ, swap_in_by_read_then_device_write)
{
	uint8_t *out = malloc(self->size);
	long before;

	ASSERT_NE(NULL, out);
	ASSERT_TRUE(have_swap()) TH_LOG("no swap device (the suite sets one up)");
	before = vm_swap_kib();
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	ASSERT_LT(before, vm_swap_kib()) TH_LOG("nothing was swapped out");
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_WILLNEED));
	ASSERT_EQ(0, dev_read(self->fd, variant->compat, self->buf, self->size,
			      out));
	ASSERT_EQ(-1, buf_check(out, self->size, SEED_CPU));
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, self->buf, self->size,
			       self->src));
	before = vm_swap_kib();
	ASSERT_EQ(0, madvise(self->buf, self->size, MADV_PAGEOUT));
	/*
	 * Pages still on another CPU's LRU batch may stay: they keep the
	 * device's data in memory. Those written out are the ones that prove
	 * something, so there must be some.
	 */
	TH_LOG("swap %ld -> %ld KiB", before, vm_swap_kib());
	EXPECT_LT(before, vm_swap_kib()) TH_LOG("nothing was paged out again");
	EXPECT_DEVICE_DATA(self);
	free(out);
}

/*
 * A MAP_SHARED shmem page the CPU only read is mapped writable and clean:
 * the device's write must be swapped out, not the page dropped as clean.
 */
TEST_F(integ, shmem_shared_read_then_device_write)
{
	uint8_t *shared, *out = malloc(self->size);
	int mfd = memfd_create("integ", 0);
	long bad;

	ASSERT_NE(NULL, out);
	ASSERT_TRUE(have_swap()) TH_LOG("no swap device (the suite sets one up)");
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, self->size));
	shared = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, shared);
	/* Read faults only: zero pages of the file, clean. */
	ASSERT_EQ(-1, buf_check_byte(shared, self->size, 0));
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, shared, self->size,
			       self->src));
	ASSERT_EQ(0, madvise(shared, self->size, MADV_PAGEOUT));
	/* Read it back through a fresh mapping of the file. */
	ASSERT_EQ(0, munmap(shared, self->size));
	ASSERT_EQ((ssize_t)self->size, pread(mfd, out, self->size, 0));
	bad = buf_check(out, self->size, SEED_DEV);
	EXPECT_EQ(-1, bad) TH_LOG("device data lost at offset %ld", bad);
	close(mfd);
	free(out);
}

/*
 * A MAP_SHARED file on a block-backed file system: device write, fsync,
 * drop the page cache, read the file back from disk.
 */
TEST_F(integ, shared_file_fsync_drop_caches)
{
	const char *dir = getenv("DM_INTEG_FS");
	char path[256];
	uint8_t *map, *out = malloc(self->size);
	long bad;
	int ffd;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, dir) TH_LOG("DM_INTEG_FS not set (the suite mounts ext2)");
	snprintf(path, sizeof(path), "%s/integ-%d", dir, getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, ffd);
	/* The file's data on disk, then clean page-cache pages. */
	ASSERT_EQ((ssize_t)self->size, pwrite(ffd, self->buf, self->size, 0));
	ASSERT_EQ(0, fsync(ffd));
	map = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(-1, buf_check(map, self->size, SEED_CPU));
	ASSERT_EQ(0, dev_write(self->fd, variant->compat, map, self->size,
			       self->src));
	ASSERT_EQ(0, fsync(ffd));
	ASSERT_EQ(0, munmap(map, self->size));
	drop_caches();
	ASSERT_EQ((ssize_t)self->size, pread(ffd, out, self->size, 0));
	bad = buf_check(out, self->size, SEED_DEV);
	EXPECT_EQ(-1, bad) TH_LOG("device data lost at offset %ld", bad);
	close(ffd);
	unlink(path);
	free(out);
}

TEST_HARNESS_MAIN
