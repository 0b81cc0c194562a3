// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_advise - range attributes (DRM_IOCTL_DEVMIR_ADVISE and
 * ADVISE_QUERY): setting, splitting, merging and querying ranges; trimming
 * by munmap() and mremap(); inheritance across fork(); every bad argument;
 * the cap on ranges; and policy decisions that follow the attributes
 * (accessed-by, preferred location, granularity, fault-ahead window).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"

#define NRANGES	16

static int dm_advise(int fd, const void *addr, size_t size, uint32_t flags,
		     const struct drm_devmir_attr *attr)
{
	struct drm_devmir_advise a = {
		.addr = (uintptr_t)addr,
		.size = size,
		.flags = flags,
		.attr = *attr,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_ADVISE, &a);
}

/* Ranges overlapping [addr, addr + size) into @out (NRANGES); count or -errno. */
static int dm_advice(int fd, const void *addr, size_t size,
		     struct drm_devmir_attr_range *out)
{
	struct drm_devmir_advise_query q = {
		.addr = (uintptr_t)addr,
		.size = size,
		.ranges = (uintptr_t)out,
		.count = NRANGES,
	};
	int ret = dm_ioctl(fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q);

	return ret ? ret : (int)q.count;
}

static struct drm_devmir_attr attr_window(uint64_t window)
{
	struct drm_devmir_attr a = {
		.mask = DRM_DEVMIR_ATTR_FAULT_WINDOW,
		.fault_window = window,
	};

	return a;
}

static struct drm_devmir_attr attr_accessed(void)
{
	struct drm_devmir_attr a = {
		.mask = DRM_DEVMIR_ATTR_ACCESSED_BY,
		.accessed_by = 1,
	};

	return a;
}

FIXTURE(advise) {
	int fd;
	uint64_t devmem;
};

FIXTURE_SETUP(advise)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	self->devmem = dm_device_memory(self->fd);
	ASSERT_EQ(0, dm_set_window(self->fd, PAGE));
}

FIXTURE_TEARDOWN(advise)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A range set is returned as set; a query elsewhere finds nothing. */
TEST_F(advise, set_and_query)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr a = {
		.mask = DRM_DEVMIR_ATTR_PREFERRED_LOC | DRM_DEVMIR_ATTR_GRANULARITY |
			DRM_DEVMIR_ATTR_THRASH,
		.preferred_loc = DRM_DEVMIR_LOC_DEVICE,
		.granularity = KIB(64),
		.thrash_rounds = 5,
		.thrash_hold_ms = 300,
	};
	uint8_t *buf = buf_map(KIB(256), PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, dm_advise(self->fd, buf + KIB(64), KIB(64), 0, &a));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(256), r));
	EXPECT_EQ((uintptr_t)buf + KIB(64), r[0].addr);
	EXPECT_EQ(KIB(64), r[0].size);
	EXPECT_EQ(a.mask, r[0].attr.mask);
	EXPECT_EQ((uint32_t)DRM_DEVMIR_LOC_DEVICE, r[0].attr.preferred_loc);
	EXPECT_EQ(KIB(64), r[0].attr.granularity);
	EXPECT_EQ(5u, r[0].attr.thrash_rounds);
	EXPECT_EQ(300u, r[0].attr.thrash_hold_ms);
	EXPECT_EQ(0ULL, r[0].attr.fault_window);
	EXPECT_EQ(0, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ(0, dm_advice(self->fd, buf + KIB(128), KIB(128), r));
	buf_unmap(buf, KIB(256));
}

/* Setting inside a range splits it; setting it back merges the pieces. */
TEST_F(advise, split_and_merge)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w16 = attr_window(KIB(16)), w64 = attr_window(KIB(64));
	uint8_t *buf = buf_map(KIB(256), PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(256), 0, &w16));
	ASSERT_EQ(0, dm_advise(self->fd, buf + KIB(64), KIB(64), 0, &w64));
	ASSERT_EQ(3, dm_advice(self->fd, buf, KIB(256), r));
	EXPECT_EQ(KIB(64), r[0].size);
	EXPECT_EQ(KIB(16), r[0].attr.fault_window);
	EXPECT_EQ((uintptr_t)buf + KIB(64), r[1].addr);
	EXPECT_EQ(KIB(64), r[1].attr.fault_window);
	EXPECT_EQ(KIB(128), r[2].size);
	EXPECT_EQ(KIB(16), r[2].attr.fault_window);

	/* The same value again: one range, as before. */
	ASSERT_EQ(0, dm_advise(self->fd, buf + KIB(64), KIB(64), 0, &w16));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(256), r));
	EXPECT_EQ((uintptr_t)buf, r[0].addr);
	EXPECT_EQ(KIB(256), r[0].size);

	/* Adjacent ranges set separately with equal values merge. */
	ASSERT_EQ(0, dm_advise(self->fd, buf + KIB(256), PAGE, 0, &w16));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(512), r));
	EXPECT_EQ(KIB(256) + PAGE, r[0].size);

	/* Clearing the middle splits; clearing all leaves nothing. */
	w16.fault_window = 0;
	ASSERT_EQ(0, dm_advise(self->fd, buf + PAGE, PAGE, DRM_DEVMIR_ADVISE_CLEAR, &w16));
	ASSERT_EQ(2, dm_advice(self->fd, buf, KIB(512), r));
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(512), DRM_DEVMIR_ADVISE_CLEAR, &w16));
	EXPECT_EQ(0, dm_advice(self->fd, buf, KIB(512), r));
	buf_unmap(buf, KIB(256));
}

/* A field set over ranges and gaps: the gaps get ranges of their own. */
TEST_F(advise, fields_over_gaps)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w = attr_window(KIB(32)), acc = attr_accessed();
	uint8_t *buf = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, dm_advise(self->fd, buf, 2 * PAGE, 0, &w));
	ASSERT_EQ(0, dm_advise(self->fd, buf + 4 * PAGE, 2 * PAGE, 0, &w));
	ASSERT_EQ(0, dm_advise(self->fd, buf, 6 * PAGE, 0, &acc));
	ASSERT_EQ(3, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ((uint32_t)(DRM_DEVMIR_ATTR_FAULT_WINDOW | DRM_DEVMIR_ATTR_ACCESSED_BY),
		  r[0].attr.mask);
	EXPECT_EQ((uint32_t)DRM_DEVMIR_ATTR_ACCESSED_BY, r[1].attr.mask);
	EXPECT_EQ(2 * PAGE, r[1].size);
	EXPECT_EQ(1u, r[1].attr.accessed_by);
	EXPECT_EQ(0ULL, r[1].attr.fault_window);
	EXPECT_EQ(r[0].attr.mask, r[2].attr.mask);

	/* Without the window, the three are equal: one range. */
	w.fault_window = 0;
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), DRM_DEVMIR_ADVISE_CLEAR, &w));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ(6 * PAGE, r[0].size);
	EXPECT_EQ((uint32_t)DRM_DEVMIR_ATTR_ACCESSED_BY, r[0].attr.mask);
	buf_unmap(buf, KIB(64));
}

/* munmap() trims the ranges: a hole in the middle, then the head. */
TEST_F(advise, munmap_trims)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w = attr_window(KIB(32));
	uint8_t *buf = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), 0, &w));
	ASSERT_EQ(0, munmap(buf + KIB(16), KIB(16)));
	ASSERT_EQ(2, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ((uintptr_t)buf, r[0].addr);
	EXPECT_EQ(KIB(16), r[0].size);
	EXPECT_EQ((uintptr_t)buf + KIB(32), r[1].addr);
	EXPECT_EQ(KIB(32), r[1].size);
	ASSERT_EQ(0, munmap(buf, KIB(16)));
	ASSERT_EQ(0, munmap(buf + KIB(32), PAGE));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ((uintptr_t)buf + KIB(32) + PAGE, r[0].addr);
	EXPECT_EQ(KIB(32) - PAGE, r[0].size);
	ASSERT_EQ(0, munmap(buf + KIB(32), KIB(32)));
	EXPECT_EQ(0, dm_advice(self->fd, buf, KIB(64), r));
}

/* mremap() that moves memory drops the old range's attributes. */
TEST_F(advise, mremap_drops)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w = attr_window(KIB(32));
	uint8_t *buf = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *dst = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *moved;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, dst);
	buf_fill(buf, KIB(64), 7);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), 0, &w));
	moved = mremap(buf, KIB(64), KIB(64), MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, moved);
	EXPECT_EQ(0, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ(0, dm_advice(self->fd, dst, KIB(64), r));
	EXPECT_EQ(-1, buf_check(dst, KIB(64), 7));
	buf_unmap(dst, KIB(64));
}

/*
 * fork(): the child's mirror (created by its own open) starts with the
 * parent's ranges, clipped to the child's mappings; from then on each
 * side's changes are its own.
 */
TEST_F(advise, fork_inherits)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w = attr_window(KIB(32));
	uint8_t *buf = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int status, to_child[2], to_parent[2];
	char c;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	/* Half over memory, half over nothing: only the first half goes. */
	ASSERT_EQ(0, munmap(buf + KIB(32), KIB(32)));
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), 0, &w));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ(KIB(64), r[0].size);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = dm_open(0), n;

		if (fd < 0)
			_exit(10);
		/* The inherited file is the parent's. */
		if (dm_advice(self->fd, buf, KIB(64), r) != -EBADF)
			_exit(11);
		n = dm_advice(fd, buf, KIB(64), r);
		if (n != 1 || r[0].addr != (uintptr_t)buf || r[0].size != KIB(32) ||
		    r[0].attr.fault_window != KIB(32))
			_exit(12);
		if (write(to_parent[1], "o", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(13);
		/* The parent's change after the open is not the child's. */
		n = dm_advice(fd, buf, KIB(64), r);
		_exit(n == 1 && r[0].attr.fault_window == KIB(32) ? 0 : 14);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	w.fault_window = KIB(64);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), 0, &w));
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(1, dm_advice(self->fd, buf, KIB(64), r));
	EXPECT_EQ(KIB(64), r[0].attr.fault_window);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	buf_unmap(buf, KIB(32));
}

/* Every bad argument is -EINVAL, and changes nothing. */
TEST_F(advise, bad_input)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr good = attr_window(KIB(32)), a;
	struct drm_devmir_advise adv;
	struct drm_devmir_advise_query q;
	uint8_t *buf = buf_map(KIB(64), PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	/* Range. */
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf + 1, PAGE, 0, &good));
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE + 1, 0, &good));
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, 0, 0, &good));
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, (void *)(uintptr_t)-PAGE, 2 * PAGE, 0, &good));
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, (void *)DM_KERNEL_ADDR, PAGE, 0, &good));
	/* Flags, pad, reserved. */
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0x2, &good));
	memset(&adv, 0, sizeof(adv));
	adv.addr = (uintptr_t)buf;
	adv.size = PAGE;
	adv.attr = good;
	adv.pad = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE, &adv));
	adv.pad = 0;
	adv.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE, &adv));
	/* Mask. */
	a = good;
	a.mask = 0;
	a.fault_window = 0;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a.mask = 0x20;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a = good;
	a.pad = 1;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	/* A value outside the mask. */
	a = good;
	a.granularity = KIB(64);
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	/* Values out of bounds, field by field. */
	a = good;
	a.fault_window = KIB(3);
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a.fault_window = MIB(4);
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a.fault_window = KIB(12);
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	memset(&a, 0, sizeof(a));
	a.mask = DRM_DEVMIR_ATTR_GRANULARITY;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a.granularity = MIB(4);
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	memset(&a, 0, sizeof(a));
	a.mask = DRM_DEVMIR_ATTR_PREFERRED_LOC;
	a.preferred_loc = 2;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	memset(&a, 0, sizeof(a));
	a.mask = DRM_DEVMIR_ATTR_ACCESSED_BY;
	a.accessed_by = 2;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	memset(&a, 0, sizeof(a));
	a.mask = DRM_DEVMIR_ATTR_THRASH;
	a.thrash_rounds = DRM_DEVMIR_THRASH_ROUNDS_MAX + 1;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	a.thrash_rounds = 1;
	a.thrash_hold_ms = DRM_DEVMIR_THRASH_HOLD_MAX_MS + 1;
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, 0, &a));
	/* CLEAR with a value. */
	EXPECT_EQ(-EINVAL, dm_advise(self->fd, buf, PAGE, DRM_DEVMIR_ADVISE_CLEAR, &good));
	/* Nothing changed. */
	EXPECT_EQ(0, dm_advice(self->fd, buf, KIB(64), r));

	/* The query. */
	memset(&q, 0, sizeof(q));
	q.addr = (uintptr_t)buf;
	q.size = PAGE;
	q.flags = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	q.flags = 0;
	q.reserved = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	q.reserved = 0;
	q.size = 0;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	q.size = PAGE;
	q.addr++;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	q.addr--;
	q.count = DRM_DEVMIR_ATTR_RANGES_MAX + 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	q.count = 1;
	q.ranges = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	buf_unmap(buf, KIB(64));
}

/* At most DRM_DEVMIR_ATTR_RANGES_MAX ranges; one more is -ENOSPC. */
TEST_F(advise, range_cap)
{
	struct drm_devmir_attr_range r[NRANGES];
	struct drm_devmir_attr w = attr_window(KIB(32));
	size_t span = 2 * PAGE * (DRM_DEVMIR_ATTR_RANGES_MAX + 1);
	uint8_t *area = mmap(NULL, span, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct drm_devmir_advise_query q = { .size = span };
	unsigned int i;

	ASSERT_NE(MAP_FAILED, area);
	/* Every other page: no two ranges merge. */
	for (i = 0; i < DRM_DEVMIR_ATTR_RANGES_MAX; i++)
		ASSERT_EQ(0, dm_advise(self->fd, area + 2 * PAGE * i, PAGE, 0, &w));
	EXPECT_EQ(-ENOSPC, dm_advise(self->fd, area + 2 * PAGE * i, PAGE, 0, &w));
	q.addr = (uintptr_t)area;
	ASSERT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &q));
	EXPECT_EQ((uint32_t)DRM_DEVMIR_ATTR_RANGES_MAX, q.count);
	/* Filling a gap merges two into one: room again. */
	ASSERT_EQ(0, dm_advise(self->fd, area + PAGE, PAGE, 0, &w));
	EXPECT_EQ(0, dm_advise(self->fd, area + 2 * PAGE * i, PAGE, 0, &w));
	EXPECT_EQ(1, dm_advice(self->fd, area, 3 * PAGE, r));
	munmap(area, span);
	EXPECT_EQ(0, dm_advice(self->fd, area, span, r));
}

/*
 * Under FIRST_FAULT, an accessed-by range is mirrored where it is while the
 * rest migrates; a range preferring system memory likewise.
 */
TEST_F(advise, accessed_by_mirrors_not_migrates)
{
	size_t size = KIB(256), n = size / PAGE, half = n / 2;
	struct drm_devmir_attr acc = attr_accessed();
	struct drm_devmir_attr sys = {
		.mask = DRM_DEVMIR_ATTR_PREFERRED_LOC,
		.preferred_loc = DRM_DEVMIR_LOC_SYSTEM,
	};
	uint8_t *buf, *out, *snap;
	unsigned int pass;

	if (self->devmem < MIB(1))
		SKIP(return, "no device memory");
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0));
	for (pass = 0; pass < 2; pass++) {
		buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		ASSERT_NE(MAP_FAILED, buf);
		buf_fill(buf, size, 40 + pass);
		ASSERT_EQ(0, dm_advise(self->fd, buf, size / 2, 0, pass ? &sys : &acc));
		ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
		EXPECT_EQ(-1, buf_check(out, size, 40 + pass));
		snap = dm_snap(self->fd, buf, n);
		ASSERT_NE(NULL, snap);
		EXPECT_EQ(half, dm_snap_with(snap, half, DRM_DEVMIR_SNAP_READ));
		EXPECT_EQ(0ULL, dm_snap_with(snap, half, DRM_DEVMIR_SNAP_DEV_LOCAL));
		EXPECT_LE(half - 8, dm_snap_with(snap + half, half, DRM_DEVMIR_SNAP_DEV_LOCAL));
		free(snap);
		buf_unmap(buf, size);
	}
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_OFF, 0));
	free(out);
}

/*
 * With migration off, a range preferring the device migrates on a device
 * fault, by its granularity: one fault of one page moves 64 KiB, and one
 * CPU touch brings the 64 KiB back although the mirror's ram window is a
 * page.
 */
TEST_F(advise, preferred_device_granularity)
{
	size_t size = KIB(256), n = size / PAGE;
	struct drm_devmir_attr pref = {
		.mask = DRM_DEVMIR_ATTR_PREFERRED_LOC | DRM_DEVMIR_ATTR_GRANULARITY,
		.preferred_loc = DRM_DEVMIR_LOC_DEVICE,
		.granularity = KIB(64),
	};
	uint8_t *buf, *snap, out[PAGE];
	volatile uint8_t touch;

	if (self->devmem < MIB(1))
		SKIP(return, "no device memory");
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_OFF, 0));
	ASSERT_EQ(0, dm_set_ram_window(self->fd, PAGE));
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 9);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(128), 0, &pref));
	ASSERT_EQ(0, dm_read(self->fd, buf + KIB(64) + PAGE, PAGE, out));
	ASSERT_EQ(0, dm_read(self->fd, buf + KIB(192), PAGE, out));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, 16, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_LE(16 - 2, dm_snap_with(snap + 16, 16, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(0ULL, dm_snap_with(snap + 32, n - 32, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	/*
	 * A CPU touch of one page takes the range's granularity back, not the
	 * mirror's one-page ram window.
	 */
	touch = buf[KIB(64) + 5 * PAGE];
	(void)touch;
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap + 16, 16, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	/* The data came along both ways. */
	EXPECT_EQ(-1, buf_check(buf, size, 9));
	buf_unmap(buf, size);
}

/*
 * A range's fault-ahead window: the mirror's is one page, the range's
 * 64 KiB, so one fault maps 16 pages there and one page elsewhere.
 */
TEST_F(advise, fault_window_per_range)
{
	size_t size = KIB(256), n = size / PAGE;
	struct drm_devmir_attr w = attr_window(KIB(64));
	uint8_t *buf, *snap, out[PAGE];

	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 5);
	ASSERT_EQ(0, dm_advise(self->fd, buf, KIB(64), 0, &w));
	ASSERT_EQ(0, dm_read(self->fd, buf, PAGE, out));
	ASSERT_EQ(0, dm_read(self->fd, buf + KIB(128), PAGE, out));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(16ULL, dm_snap_with(snap, 32, DRM_DEVMIR_SNAP_READ));
	EXPECT_EQ(1ULL, dm_snap_with(snap + 32, n - 32, DRM_DEVMIR_SNAP_READ));
	free(snap);
	buf_unmap(buf, size);
}

TEST_HARNESS_MAIN
