// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_multi - mirrors and their sharing: opens of one process share a
 * mirror, other processes (forked children included) get their own, one
 * process on two devices has two mirrors that both follow the CPU.
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

/* Two opens of one device by one process share one mirror. */
TEST(shared_mirror_same_process)
{
	struct drm_devmir_get_info i1, i2;
	struct drm_devmir_get_policy pol;
	struct drm_devmir_stats st;
	size_t size = KIB(64);
	uint8_t *buf, *out;
	int fd1, fd2;

	fd1 = dm_open(0);
	if (fd1 < 0)
		SKIP(return, "no devmirror render node");
	fd2 = dm_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, dm_info(fd1, &i1));
	ASSERT_EQ(0, dm_info(fd2, &i2));
	EXPECT_EQ(i1.asid, i2.asid);

	/* Policy and table are the mirror's, visible through both files. */
	ASSERT_EQ(0, dm_set_window(fd1, KIB(32)));
	ASSERT_EQ(0, dm_policy(fd2, &pol));
	EXPECT_EQ(KIB(32), pol.fault_window);
	ASSERT_EQ(0, dm_reset_stats(fd1, 0));
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 1);
	ASSERT_EQ(0, dm_read(fd1, buf, size, out));
	ASSERT_EQ(0, dm_stats(fd2, 0, &st));
	EXPECT_EQ(size / PAGE, dm_entries(&st));
	ASSERT_EQ(0, dm_read_nofault(fd2, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 1));

	/* Closing one file keeps the mirror for the other. */
	close(fd1);
	ASSERT_EQ(0, dm_stats(fd2, 0, &st));
	EXPECT_EQ(size / PAGE, dm_entries(&st));
	close(fd2);
	munmap(buf, size);
	free(out);
}

/* After the last close a new open starts from an empty mirror. */
TEST(last_close_drops_mirror)
{
	struct drm_devmir_stats st;
	size_t size = KIB(64);
	uint8_t *buf, *out;
	int fd;

	fd = dm_open(0);
	if (fd < 0)
		SKIP(return, "no devmirror render node");
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 2);
	ASSERT_EQ(0, dm_read(fd, buf, size, out));
	close(fd);

	fd = dm_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dm_stats(fd, 0, &st));
	EXPECT_EQ(0ULL, dm_entries(&st));
	EXPECT_EQ(0ULL, st.accesses);
	ASSERT_EQ(-EFAULT, dm_read_nofault(fd, buf, size, out));
	close(fd);
	munmap(buf, size);
	free(out);
}

/* Child process: open device 0, write then read back its own pattern. */
static int child_own_data(unsigned int seed, uint32_t parent_asid)
{
	struct drm_devmir_get_info info;
	size_t size = KIB(512);
	uint8_t *buf, *out;
	int fd, i;

	fd = dm_open(0);
	if (fd < 0 || dm_info(fd, &info))
		return 1;
	if (info.asid == parent_asid)
		return 2;
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	if (buf == MAP_FAILED || !out)
		return 3;
	for (i = 0; i < 4; i++) {
		buf_fill(out, size, seed + i);
		if (dm_write(fd, buf, size, out) || buf_check(buf, size, seed + i) != -1)
			return 4;
		memset(out, 0, size);
		if (dm_read(fd, buf, size, out) || buf_check(out, size, seed + i) != -1)
			return 5;
	}
	return 0;
}

/* Two processes on one device at once: own mirrors, own data. */
TEST(two_processes_one_device)
{
	struct drm_devmir_get_info info;
	int fd, status, i;
	pid_t pid[2];

	fd = dm_open(0);
	if (fd < 0)
		SKIP(return, "no devmirror render node");
	ASSERT_EQ(0, dm_info(fd, &info));
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(child_own_data(10 * (i + 1), info.asid));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	close(fd);
}

/*
 * munmap of a range two devices mirror, with a modelled TLB-invalidation
 * round trip (tlb_inv_us): on kernels with two-pass interval notifiers each
 * mirror waits for its device's acknowledgment in the second pass
 * (inv_two_pass moves on both), with two_pass=N in the first (it does not);
 * either way both mirrors are empty, both devices shot their TLBs down,
 * and a device access to the range fails. Bad round trips are refused.
 */
TEST(munmap_two_pass)
{
	static const char *const mode[] = { "Y", "N" };
	uint64_t pass0, pass1, sd0, sd1;
	size_t size = KIB(256);
	struct drm_devmir_stats st;
	uint8_t *buf, *out;
	int fd0, fd1, round;

	if (dm_count() < 2)
		SKIP(return, "needs two devmirror devices");
	if (dm_feature("two_pass_invalidation") != 1)
		SKIP(return, "kernel without two-pass interval notifiers");
	EXPECT_EQ(-EINVAL, dm_param_set("devmirror_sim", "tlb_inv_us", "1001"));
	ASSERT_EQ(0, dm_param_set("devmirror_sim", "tlb_inv_us", "300"));
	out = malloc(size);
	ASSERT_NE(NULL, out);

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, dm_param_set("devmirror", "two_pass", mode[round]));
		fd0 = dm_open(0);
		fd1 = dm_open(1);
		ASSERT_LE(0, fd0);
		ASSERT_LE(0, fd1);
		/* Page-exact windows, as in one_process_two_devices. */
		ASSERT_EQ(0, dm_set_window(fd0, KIB(4)));
		ASSERT_EQ(0, dm_set_window(fd1, KIB(4)));
		buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		ASSERT_NE(MAP_FAILED, buf);
		buf_fill(buf, size, 40 + round);
		ASSERT_EQ(0, dm_read(fd0, buf, size, out));
		ASSERT_EQ(-1, buf_check(out, size, 40 + round));
		ASSERT_EQ(0, dm_read(fd1, buf, size, out));
		ASSERT_EQ(-1, buf_check(out, size, 40 + round));
		pass0 = dm_stat_of(fd0, "inv_two_pass");
		pass1 = dm_stat_of(fd1, "inv_two_pass");
		sd0 = dm_stat_of(fd0, "tlb_shootdowns");
		sd1 = dm_stat_of(fd1, "tlb_shootdowns");

		ASSERT_EQ(0, munmap(buf, size));
		if (round == 0) {
			EXPECT_LT(pass0, dm_stat_of(fd0, "inv_two_pass"));
			EXPECT_LT(pass1, dm_stat_of(fd1, "inv_two_pass"));
		} else {
			EXPECT_EQ(pass0, dm_stat_of(fd0, "inv_two_pass"));
			EXPECT_EQ(pass1, dm_stat_of(fd1, "inv_two_pass"));
		}
		EXPECT_LT(sd0, dm_stat_of(fd0, "tlb_shootdowns"));
		EXPECT_LT(sd1, dm_stat_of(fd1, "tlb_shootdowns"));
		ASSERT_EQ(0, dm_stats(fd0, 0, &st));
		EXPECT_EQ(0ULL, dm_entries(&st));
		ASSERT_EQ(0, dm_stats(fd1, 0, &st));
		EXPECT_EQ(0ULL, dm_entries(&st));
		EXPECT_EQ(-EFAULT, dm_read(fd0, buf, PAGE, out));
		EXPECT_EQ(-EFAULT, dm_read(fd1, buf, PAGE, out));
		close(fd0);
		close(fd1);
	}
	EXPECT_EQ(0, dm_param_set("devmirror", "two_pass", "Y"));
	EXPECT_EQ(0, dm_param_set("devmirror_sim", "tlb_inv_us", "0"));
	free(out);
}

/* One process on two devices: two mirrors, both invalidated by munmap. */
TEST(one_process_two_devices)
{
	struct drm_devmir_get_info i0, i1;
	struct drm_devmir_stats st;
	size_t size = KIB(256), npages = size / PAGE;
	uint8_t *buf, *out, *snap;
	uint64_t mapped;
	int fd0, fd1;

	if (dm_count() < 2)
		SKIP(return, "needs two devmirror devices");
	fd0 = dm_open(0);
	fd1 = dm_open(1);
	ASSERT_LE(0, fd0);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(0, dm_info(fd0, &i0));
	ASSERT_EQ(0, dm_info(fd1, &i1));
	EXPECT_EQ(0U, i0.device_index);
	EXPECT_EQ(1U, i1.device_index);
	/*
	 * Page-exact windows: the adaptive default would also mirror the
	 * pages of neighbouring allocations the CPU maps (the mapping may
	 * merge with others into one VMA), which outlive the munmap below.
	 */
	ASSERT_EQ(0, dm_set_window(fd0, KIB(4)));
	ASSERT_EQ(0, dm_set_window(fd1, KIB(4)));

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 3);
	ASSERT_EQ(0, dm_read(fd0, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 3));

	/* Device 1 has its own, still empty, mirror. */
	ASSERT_EQ(0, dm_snapshot(fd1, buf, npages, snap, &mapped));
	EXPECT_EQ(0ULL, mapped);
	buf_fill(out, size, 4);
	ASSERT_EQ(0, dm_write(fd1, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 4));
	/* Device 1's write broke no COW: device 0 still reads the new data. */
	ASSERT_EQ(0, dm_read(fd0, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 4));

	ASSERT_EQ(0, munmap(buf, size));
	ASSERT_EQ(0, dm_stats(fd0, 0, &st));
	EXPECT_EQ(0ULL, dm_entries(&st));
	ASSERT_EQ(0, dm_stats(fd1, 0, &st));
	EXPECT_EQ(0ULL, dm_entries(&st));
	close(fd0);
	close(fd1);
	free(out);
	free(snap);
}

/* Threads of one process drive two engines on the same pages. */
struct reader {
	int fd;
	uint32_t engine;
	uint8_t *buf;
	size_t size;
	int result;
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	uint8_t *out = malloc(r->size);
	struct drm_devmir_access acc = {
		.addr = (uintptr_t)r->buf,
		.size = r->size,
		.buffer = (uintptr_t)out,
		.op = DRM_DEVMIR_OP_READ,
		.engine = r->engine,
	};

	r->result = dm_access(r->fd, &acc);
	if (!r->result && buf_check(out, r->size, 5) != -1)
		r->result = -EIO;
	free(out);
	return NULL;
}

TEST(two_engines_concurrent)
{
	struct drm_devmir_get_info info;
	struct drm_devmir_stats st;
	struct reader r[2];
	pthread_t t[2];
	size_t size = MIB(1);
	uint8_t *buf;
	int fd, i;

	fd = dm_open(0);
	if (fd < 0)
		SKIP(return, "no devmirror render node");
	ASSERT_EQ(0, dm_info(fd, &info));
	if (info.engines < 2)
		SKIP(return, "needs two engines");
	ASSERT_EQ(0, dm_set_window(fd, KIB(4)));
	ASSERT_EQ(0, dm_reset_stats(fd, 0));
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 5);
	for (i = 0; i < 2; i++) {
		r[i] = (struct reader){ .fd = fd, .engine = i, .buf = buf, .size = size };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, reader_thread, &r[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].result);
	}
	/* Every page was serviced once, whoever raised or joined its fault. */
	ASSERT_EQ(0, dm_stats(fd, 0, &st));
	EXPECT_EQ(size / PAGE, dm_entries(&st));
	EXPECT_EQ(st.faults + st.faults_resolved, st.faults_raised);
	EXPECT_EQ(size / PAGE, st.faults);
	close(fd);
	munmap(buf, size);
}

TEST_HARNESS_MAIN
