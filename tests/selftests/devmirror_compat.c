// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_compat - the test_hmm front end (/dev/hmm_dmirror0,
 * devmirror_sim hmm_compat=1) where its behaviour is pinned beyond what the
 * kernel's hmm-tests check: the errno EXCLUSIVE gives for pages it cannot
 * make exclusive (test_hmm's -EBUSY), what closing the file does to the
 * process's pages in device memory (an intentional difference from
 * test_hmm, docs/compat.md), and HMM_DMIRROR_FLAGS where the kernel's
 * test_hmm uAPI has it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "hmm_uapi.h"

FIXTURE(compat) {
	int fd;
	uint8_t *scratch;
};

FIXTURE_SETUP(compat)
{
	self->fd = open("/dev/hmm_dmirror0", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("no /dev/hmm_dmirror0 (hmm_compat=1?)");
	self->scratch = malloc(MIB(1));
	ASSERT_NE(NULL, self->scratch);
}

FIXTURE_TEARDOWN(compat)
{
	free(self->scratch);
	if (self->fd >= 0)
		close(self->fd);
}

/* EXCLUSIVE on pages that cannot be made exclusive: -EBUSY, as test_hmm. */
TEST_F(compat, exclusive_unmapped_or_readonly_is_ebusy)
{
	size_t size = 16 * PAGE;
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 3);
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_EXCLUSIVE, buf, 16,
			     self->scratch, NULL));
	ASSERT_EQ(0, munmap(buf + 8 * PAGE, 8 * PAGE));
	EXPECT_EQ(-EBUSY, hmm_cmd(self->fd, HMM_DMIRROR_EXCLUSIVE, buf, 16,
				  self->scratch, NULL));
	ASSERT_EQ(0, mprotect(buf, 8 * PAGE, PROT_READ));
	EXPECT_EQ(-EBUSY, hmm_cmd(self->fd, HMM_DMIRROR_EXCLUSIVE, buf, 8,
				  self->scratch, NULL));
	/* Bad arguments stay -EINVAL, before any work. */
	EXPECT_EQ(-EINVAL, hmm_cmd(self->fd, HMM_DMIRROR_EXCLUSIVE, buf + 1, 1,
				   self->scratch, NULL));
	munmap(buf, 8 * PAGE);
}

/*
 * Size limits (docs/compat.md): READ covers at most 64 MiB, a migration up
 * to 1 GiB (7.x's hmm-tests migrates 256 MiB in one command); one page
 * more is -EINVAL, before any work. A 96 MiB migration goes to the device
 * and back in one command each way, every page moved, the data intact
 * (MIGRATE_TO_DEV also hands the data back through the device, as
 * test_hmm's does, into a buffer of the command's size).
 */
TEST_F(compat, command_size_limits)
{
	size_t size = MIB(96), npages = size / PAGE;
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *out = malloc(size);
	uint64_t cpages = 0;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, madvise(buf, size, MADV_NOHUGEPAGE));
	buf_fill(buf, size, 21);
	EXPECT_EQ(-EINVAL, hmm_cmd(self->fd, HMM_DMIRROR_READ, buf,
				   MIB(64) / PAGE + 1, self->scratch, NULL));
	EXPECT_EQ(-EINVAL, hmm_cmd(self->fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf,
				   MIB(1024) / PAGE + 1, self->scratch, NULL));
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, npages,
			     out, &cpages));
	EXPECT_EQ(npages, cpages);
	EXPECT_EQ(-1, buf_check(out, size, 21));
	cpages = 0;
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_MIGRATE_TO_SYS, buf, npages,
			     self->scratch, &cpages));
	EXPECT_EQ(npages, cpages);
	EXPECT_EQ(-1, buf_check(buf, size, 21));
	munmap(buf, size);
	free(out);
}

/*
 * Closing the file does not evict: the process's pages stay in device
 * memory, the CPU still gets their data back (migrate_to_ram), and the
 * memory returns when the process unmaps them. test_hmm evicts every page
 * of the device on every close.
 */
TEST_F(compat, close_keeps_device_pages)
{
	size_t size = 64 * PAGE;
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int rfd = dm_open(0);
	uint64_t base, used;

	ASSERT_LE(0, rfd);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 9);
	base = dm_devmem_used(rfd);
	ASSERT_NE(~0ULL, base);
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, 64,
			     self->scratch, NULL));
	used = dm_devmem_used(rfd);
	ASSERT_EQ(base + 64, used) TH_LOG("migrated pages not in device memory");
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(used, dm_devmem_used(rfd)) TH_LOG("close evicted device pages");
	/* The CPU faults them back, data intact. */
	EXPECT_EQ(-1, buf_check(buf, size, 9));
	EXPECT_EQ(base, dm_devmem_used(rfd));
	ASSERT_EQ(0, munmap(buf, size));
	close(rfd);
}

/*
 * ``faults`` counts rounds as test_hmm's does: one for a READ that found
 * any page unmirrored, however many device faults the engine took to map
 * the range, none for one that found every page mirrored; dropping one
 * page makes the next READ fault once again and read it as zeros.
 */
TEST_F(compat, faults_counts_one_round)
{
	size_t size = MIB(1), npages = size / PAGE, i;
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct hmm_dmirror_cmd c;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, madvise(buf, size, MADV_NOHUGEPAGE));
	buf_fill(buf, size, 31);
	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		c.addr = (uintptr_t)buf;
		c.ptr = (uintptr_t)self->scratch;
		c.npages = npages;
		memset(self->scratch, 0xa5, size);
		ASSERT_EQ(0, dm_ioctl(self->fd, HMM_DMIRROR_READ, &c));
		EXPECT_EQ(npages, c.cpages);
		EXPECT_EQ(i == 1 ? 0ULL : 1ULL, c.faults) TH_LOG("read %zu", i);
		if (i < 2) {
			EXPECT_EQ(-1, buf_check(self->scratch, size, 31));
		} else {
			EXPECT_EQ(-1, buf_check(self->scratch, 5 * PAGE, 31));
			EXPECT_EQ(-1, buf_check_range(self->scratch + 6 * PAGE, 6 * PAGE,
						      size - 6 * PAGE, 31));
			EXPECT_EQ(-1, buf_check_byte(self->scratch + 5 * PAGE, PAGE, 0));
		}
		if (i == 1)
			ASSERT_EQ(0, madvise(buf + 5 * PAGE, PAGE, MADV_DONTNEED));
	}
	munmap(buf, size);
}

/*
 * HMM_DMIRROR_FLAGS (7.x's test_hmm uAPI): FAIL_ALLOC is accepted and the
 * migration it applies to still moves every page, data intact (4 KiB
 * pages, test_hmm's fallback); a bit test_hmm does not define is -EINVAL,
 * before any work.
 */
TEST_F(compat, flags_fail_alloc)
{
#ifdef HMM_DMIRROR_FLAGS
	size_t size = 32 * PAGE;
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t cpages = 0;

	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 5);
	EXPECT_EQ(-EINVAL, hmm_cmd(self->fd, HMM_DMIRROR_FLAGS, buf,
				   HMM_DMIRROR_FLAG_FAIL_ALLOC << 1, NULL, NULL));
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_FLAGS, buf,
			     HMM_DMIRROR_FLAG_FAIL_ALLOC, NULL, NULL));
	ASSERT_EQ(0, hmm_cmd(self->fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, 32,
			     self->scratch, &cpages));
	EXPECT_EQ(32, cpages);
	EXPECT_EQ(-1, buf_check(self->scratch, size, 5)) TH_LOG("device read");
	EXPECT_EQ(-1, buf_check(buf, size, 5)) TH_LOG("CPU read back");
	munmap(buf, size);
#else
	SKIP(return, "this kernel's test_hmm uAPI has no HMM_DMIRROR_FLAGS");
#endif
}

TEST_HARNESS_MAIN
