// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_uapi - the bad-input matrix of every ioctl: each rejection is
 * -EINVAL or -EFAULT (or -EBADF for a foreign process) and changes nothing.
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

FIXTURE(uapi) {
	int fd;
	struct drm_devmir_get_info info;
	uint8_t *buf;		/* mapped, filled with pattern 1 */
	uint8_t *out;		/* user buffer, filled with 0xee */
	uint8_t *hole;		/* unmapped */
	uint8_t *rdonly;	/* PROT_READ */
	size_t size;
};

FIXTURE_SETUP(uapi)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	ASSERT_EQ(0, dm_info(self->fd, &self->info));
	self->size = KIB(64);
	self->buf = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	self->out = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	self->hole = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	self->rdonly = buf_map(self->size, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_NE(MAP_FAILED, self->out);
	ASSERT_NE(MAP_FAILED, self->hole);
	ASSERT_NE(MAP_FAILED, self->rdonly);
	ASSERT_EQ(0, munmap(self->hole, self->size));
	buf_fill(self->buf, self->size, 1);
	memset(self->out, 0xee, self->size);
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(4)));
	ASSERT_EQ(0, dm_set_batch(self->fd, 8));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(uapi)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Nothing happened: no command ran, nothing mirrored, buffers untouched. */
static int nothing_changed(int fd, const uint8_t *buf, const uint8_t *out,
			   size_t size)
{
	struct drm_devmir_stats st;

	if (dm_stats(fd, 0, &st))
		return 0;
	return st.accesses == 0 && st.faults_raised == 0 && dm_entries(&st) == 0 &&
	       buf_check(buf, size, 1) == -1 && buf_check_byte(out, size, 0xee) == -1;
}

/* A valid READ of the whole fixture buffer into the output buffer. */
static struct drm_devmir_access good_read(const uint8_t *buf, const uint8_t *out,
					  size_t size)
{
	struct drm_devmir_access a = {
		.addr = (uintptr_t)buf,
		.size = size,
		.buffer = (uintptr_t)out,
		.op = DRM_DEVMIR_OP_READ,
	};

	return a;
}

TEST_F(uapi, get_info)
{
	struct drm_devmir_get_info info;

	EXPECT_EQ((__u32)DRM_DEVMIR_ABI_VERSION, self->info.abi_version);
	EXPECT_LE(2U, self->info.levels);
	EXPECT_TRUE(!!(self->info.page_sizes & PAGE));
	EXPECT_EQ(0U, self->info.tlb_entries % self->info.tlb_ways);
	EXPECT_LE(1U, self->info.engines);
	EXPECT_LE(1U, self->info.asid);
	EXPECT_GE((__u32)DRM_DEVMIR_MEMORY_COHERENT, self->info.memory_kind);
	EXPECT_EQ(0U, self->info.reserved2);

	memset(&info, 0, sizeof(info));
	info.flags = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_GET_INFO, &info));
	memset(&info, 0, sizeof(info));
	info.pad = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_GET_INFO, &info));
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_GET_INFO, self->hole));
}

/*
 * A program built before memory_kind was appended passes the shorter
 * structure: it gets everything it knows, and nothing is written past its
 * end (extension rule, docs/uapi.md).
 */
TEST_F(uapi, get_info_short_struct)
{
	struct drm_devmir_get_info info;
	unsigned long req;

	memset(&info, 0xa5, sizeof(info));
	info.flags = 0;
	info.pad = 0;
	req = DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_GET_INFO,
		       char[offsetof(struct drm_devmir_get_info, memory_kind)]);
	ASSERT_EQ(0, dm_ioctl(self->fd, req, &info));
	EXPECT_EQ(self->info.window_max, info.window_max);
	EXPECT_EQ(self->info.device_memory, info.device_memory);
	EXPECT_EQ(0xa5a5a5a5U, info.memory_kind);
	EXPECT_EQ(0xa5a5a5a5U, info.reserved2);
}

TEST_F(uapi, access_bad_flags_pad_op_engine)
{
	struct drm_devmir_access a;

	a = good_read(self->buf, self->out, self->size);
	a.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.pad = 1;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.flags = DRM_DEVMIR_ACCESS_NOFAULT | DRM_DEVMIR_ACCESS_UNLOCKED;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.op = 4;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.op = ~0U;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.engine = self->info.engines;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.operand = 1;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.compare = 1;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));
}

TEST_F(uapi, access_bad_sizes_and_ranges)
{
	struct drm_devmir_access a;

	a = good_read(self->buf, self->out, self->size);
	a.size = 0;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.size = DRM_DEVMIR_ACCESS_MAX_SIZE + 1;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.addr = ~0ULL - 10;		/* addr + size overflows */
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.buffer = ~0ULL - 10;		/* buffer + size overflows */
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));
}

TEST_F(uapi, access_bad_addresses)
{
	struct drm_devmir_access a;

	a = good_read(self->buf, self->out, self->size);
	a.addr = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.buffer = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.buffer = (uintptr_t)self->hole;	/* unmapped user buffer */
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.buffer = (uintptr_t)self->rdonly;	/* READ must write the buffer */
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.addr = (uintptr_t)self->hole;		/* unmapped target */
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.addr = (uintptr_t)self->rdonly;	/* WRITE to a read-only target */
	a.op = DRM_DEVMIR_OP_WRITE;
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a = good_read(self->buf, self->out, self->size);
	a.buffer = 0;				/* NULL buffer */
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));
}

TEST_F(uapi, access_bad_atomics)
{
	struct drm_devmir_access a;

	memset(&a, 0, sizeof(a));
	a.addr = (uintptr_t)self->buf + 4;	/* misaligned */
	a.size = 8;
	a.op = DRM_DEVMIR_OP_ATOMIC_ADD;
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a.addr = (uintptr_t)self->buf;
	a.size = 4;				/* not 64-bit */
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a.size = 8;
	a.buffer = (uintptr_t)self->out;	/* atomics take no buffer */
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a.buffer = 0;
	a.compare = 5;				/* ADD has no compare */
	EXPECT_EQ(-EINVAL, dm_access(self->fd, &a));
	a.compare = 0;
	a.op = DRM_DEVMIR_OP_ATOMIC_CMPXCHG;
	a.addr = (uintptr_t)self->rdonly;	/* atomics write */
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	a.addr = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_access(self->fd, &a));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));
}

TEST_F(uapi, policy)
{
	struct drm_devmir_set_policy set;
	struct drm_devmir_get_policy get;

	memset(&set, 0, sizeof(set));
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.flags = 1U << 5;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));

	set.flags = DRM_DEVMIR_POLICY_WINDOW;
	set.fault_window = KIB(12);		/* not a power of two */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.fault_window = KIB(2);		/* too small */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.fault_window = MIB(4);		/* too large */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.fault_window = KIB(4) + 1;		/* not a power of two, not 0 */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));

	/* One bad field rejects the whole call: the good one is not applied. */
	set.flags = DRM_DEVMIR_POLICY_WINDOW | DRM_DEVMIR_POLICY_BATCH;
	set.fault_window = KIB(64);
	set.fault_batch = 0;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	set.fault_batch = self->info.fault_queue_entries + 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));

	ASSERT_EQ(0, dm_policy(self->fd, &get));
	EXPECT_EQ(KIB(4), get.fault_window);	/* the fixture's */
	EXPECT_EQ(8U, get.fault_batch);

	/* 0 selects the adaptive window; a size replaces it. */
	set.flags = DRM_DEVMIR_POLICY_WINDOW;
	set.fault_window = DRM_DEVMIR_WINDOW_ADAPTIVE;
	ASSERT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	ASSERT_EQ(0, dm_policy(self->fd, &get));
	EXPECT_EQ(DRM_DEVMIR_WINDOW_ADAPTIVE, get.fault_window);
	set.fault_window = KIB(4);
	ASSERT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	ASSERT_EQ(0, dm_policy(self->fd, &get));
	EXPECT_EQ(KIB(4), get.fault_window);

	memset(&get, 0, sizeof(get));
	get.flags = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_GET_POLICY, &get));

	/* Good calls apply exactly the selected fields. */
	set.flags = DRM_DEVMIR_POLICY_BATCH;
	set.fault_batch = self->info.fault_queue_entries;
	set.fault_window = 12345;		/* ignored: not selected */
	EXPECT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &set));
	ASSERT_EQ(0, dm_policy(self->fd, &get));
	EXPECT_EQ(KIB(4), get.fault_window);
	EXPECT_EQ(self->info.fault_queue_entries, get.fault_batch);
	EXPECT_EQ(0, dm_set_window(self->fd, MIB(2)));
	ASSERT_EQ(0, dm_policy(self->fd, &get));
	EXPECT_EQ(MIB(2), get.fault_window);
}

TEST_F(uapi, snapshot)
{
	struct drm_devmir_snapshot s, good = {
		.addr = (uintptr_t)self->buf,
		.npages = self->size / PAGE,
		.buffer = (uintptr_t)self->out,
	};

	s = good;
	s.flags = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.pad = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.addr += 1;			/* misaligned */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.npages = 0;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.npages = DRM_DEVMIR_SNAPSHOT_MAX_PAGES + 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.addr = ~0ULL & ~(PAGE - 1);	/* addr + npages pages overflows */
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.addr = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.buffer = (uintptr_t)self->hole;
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.buffer = (uintptr_t)self->rdonly;
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	s = good;
	s.buffer = DM_KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));

	/* The good call works, on unmapped ranges too (all "none"). */
	s = good;
	s.addr = (uintptr_t)self->hole;
	EXPECT_EQ(0, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &s));
	EXPECT_EQ(0ULL, s.mapped);
	EXPECT_EQ(-1, buf_check_byte(self->out, self->size / PAGE, 0));
}

TEST_F(uapi, stats_and_reset)
{
	struct drm_devmir_stats st;
	struct drm_devmir_reset_stats r;

	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	memset(&st, 0, sizeof(st));
	st.flags = 1U << 3;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_STATS, &st));
	memset(&st, 0, sizeof(st));
	st.pad = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_STATS, &st));

	memset(&r, 0, sizeof(r));
	r.flags = 1U << 3;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_RESET_STATS, &r));
	r.flags = 0;
	r.pad = 1;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_RESET_STATS, &r));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(1ULL, st.accesses);		/* the failed resets reset nothing */

	/* A reset zeroes the counters, not the table. */
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.accesses);
	EXPECT_EQ(0ULL, st.faults);
	EXPECT_EQ(self->size / PAGE, dm_entries(&st));

	/* Device scope counts this mirror's events too. */
	ASSERT_EQ(0, dm_reset_stats(self->fd, DRM_DEVMIR_STATS_DEVICE));
	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &st));
	EXPECT_LE(1ULL, st.accesses);
	EXPECT_LE(1ULL, st.mirrors);
}

TEST_F(uapi, unknown_ioctl)
{
	uint64_t arg[4] = { 0 };

	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x20,
						       uint64_t[4]), arg));
}

/* A file inherited over fork() is the parent's: -EBADF for every ioctl. */
TEST_F(uapi, foreign_process)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct drm_devmir_access a = good_read(self->buf, self->out, self->size);
		struct drm_devmir_get_info info;
		struct drm_devmir_stats st;
		struct drm_devmir_get_policy pol;
		uint8_t snap[16];

		if (dm_info(self->fd, &info) != -EBADF)
			_exit(1);
		if (dm_access(self->fd, &a) != -EBADF)
			_exit(2);
		if (dm_stats(self->fd, 0, &st) != -EBADF)
			_exit(3);
		if (dm_policy(self->fd, &pol) != -EBADF)
			_exit(4);
		if (dm_snapshot(self->fd, self->buf, 16, snap, NULL) != -EBADF)
			_exit(5);
		if (dm_set_window(self->fd, KIB(8)) != -EBADF)
			_exit(6);
		if (dm_reset_stats(self->fd, 0) != -EBADF)
			_exit(7);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(nothing_changed(self->fd, self->buf, self->out, self->size));
}

TEST_HARNESS_MAIN
