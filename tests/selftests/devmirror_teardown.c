// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_teardown - the teardown matrix: every way a process, a file or a
 * module can go away while mirrors are populated or accesses are running,
 * and allocation failures at every point of open, access and close. After
 * each, no mirror object is left (the debugfs mirror-<asid> directories,
 * which live until a mirror is freed, are back to their count before), the
 * mirrors that remain pass their self-check and the device still works; the
 * debug kernel's kmemleak scan at the end of the run finds no leak.
 *
 * Pages in device memory are part of the matrix: a process exiting with
 * them, SIGKILL in the middle of migrations, and module unload while they
 * live; after those the pool of every device is back to its use before.
 *
 * Module tests unload and reload devmirror_sim.ko and devmirror.ko from
 * $DM_MODULE_DIR (default /modules) and skip when they are not there;
 * $DM_TEARDOWN_CYCLES (default 100) sets the load/unload cycles and
 * $DM_TEARDOWN_KILLS (default 20) the SIGKILL rounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"
#include "teardown_helpers.h"

#define SETTLE_S	10	/* bound on deferred releases settling */

/* Map @size bytes (THP-advised if @huge), fill them, fault them in. */
static uint8_t *populate(int fd, size_t size, int huge, unsigned int seed)
{
	uint8_t *buf, *out;
	int ret;

	buf = huge ? buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE) :
		     buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	if (buf == MAP_FAILED || !out)
		return NULL;
	if (huge)
		madvise(buf, size, MADV_HUGEPAGE);
	buf_fill(buf, size, seed);
	ret = dm_read(fd, buf, size, out);
	if (ret || buf_check(out, size, seed) != -1) {
		free(out);
		return NULL;
	}
	free(out);
	return buf;
}


FIXTURE(td) {
	int objects;		/* mirror objects before the test */
	unsigned int ndev;
};

FIXTURE_SETUP(td)
{
	self->ndev = dm_count();
	if (!self->ndev)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	self->objects = dm_mirror_objects();
	if (self->objects < 0)
		SKIP(return, "no devmirror debugfs");
}

FIXTURE_TEARDOWN(td)
{
}

/* Every mirror freed, the survivors sane, each device usable. */
#define ASSERT_CLEAN() do {							\
	unsigned int __d;							\
	ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S)); \
	ASSERT_EQ(0, dm_mirror_check_failures());				\
	for (__d = 0; __d < self->ndev; __d++)					\
		ASSERT_TRUE(tdh_device_works(__d));				\
} while (0)

/* Close every file before exit: the mirrors go at the last close. */
TEST_F(td, close_before_exit)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a = dm_open(0), b = dm_open(0), c = dm_open(self->ndev - 1);

		if (a < 0 || b < 0 || c < 0 || dm_set_window(a, KIB(64)))
			_exit(1);
		if (!populate(a, MIB(4), 1, 1) || !populate(b, MIB(1), 0, 2) ||
		    !populate(c, MIB(1), 0, 3))
			_exit(2);
		if (dm_mirror_objects() != self->objects + (self->ndev > 1 ? 2 : 1))
			_exit(3);
		close(a);
		close(b);
		close(c);
		/* Gone while the process (and its mm) still lives. */
		if (dm_wait_mirror_objects(self->objects, SETTLE_S) != self->objects)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(0, dm_wait_child(pid));
	ASSERT_CLEAN();
}

/*
 * Exit with the files open and the mirrors populated, while a grandchild
 * still holds the inherited files: the mirrors outlive the mm (unlisted,
 * unusable: -EBADF) until the grandchild lets go.
 */
TEST_F(td, exit_with_files_open)
{
	struct drm_devmir_stats st;
	int gate[2], report[2], holder_ret = -1, fd;
	pid_t pid;

	ASSERT_EQ(0, pipe(gate));
	ASSERT_EQ(0, pipe(report));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a = dm_open(0), b = dup(a), c = dm_open(self->ndev - 1);
		uint8_t *buf;
		pid_t holder;

		if (a < 0 || b < 0 || c < 0 || dm_set_window(a, KIB(2048)))
			_exit(1);
		buf = populate(a, MIB(4), 1, 4);
		if (!buf || !populate(c, MIB(2), 0, 5))
			_exit(2);
		holder = fork();
		if (holder == 0) {
			char go;
			int ret;

			close(gate[1]);
			if (read(gate[0], &go, 1) != 1)
				_exit(1);
			/* The opener is gone: the file must not work here. */
			ret = dm_read(a, buf, PAGE, &go);
			_exit(write(report[1], &ret, sizeof(ret)) == sizeof(ret) ? 0 : 1);
		}
		_exit(holder > 0 ? 0 : 3);	/* files open, nothing closed */
	}
	close(gate[0]);
	close(report[1]);
	ASSERT_EQ(0, dm_wait_child(pid));
	/* Kept by the holder's files, no longer listed for lookups. */
	ASSERT_EQ(self->objects + (self->ndev > 1 ? 2 : 1), dm_mirror_objects());
	fd = dm_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &st));
	EXPECT_EQ(1ULL, st.mirrors);	/* ours only */
	close(fd);
	ASSERT_EQ(1, write(gate[1], "g", 1));
	ASSERT_EQ((ssize_t)sizeof(holder_ret),
		  read(report[0], &holder_ret, sizeof(holder_ret)));
	EXPECT_EQ(-EBADF, holder_ret);
	close(gate[1]);
	close(report[0]);
	ASSERT_CLEAN();
}

struct reader {
	int fd;
	size_t size;
	uint8_t *buf, *out;
	int stop;
	unsigned long calls, bad;
	int last;
};

/* Device reads until told to stop or the file is closed under it. */
static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		madvise(r->buf, r->size, MADV_DONTNEED);	/* refault every time */
		ret = dm_read(r->fd, r->buf, r->size, r->out);
		r->calls++;
		r->last = ret;
		if (ret == -EBADF)
			break;
		if (ret && ret != -EBUSY)
			r->bad++;
	}
	return NULL;
}

/*
 * close() while another thread's access runs on the same file. The bound is
 * a liveness limit: a 4 MiB refaulting read takes seconds on the debug kernel.
 */
TEST_F_TIMEOUT(td, close_during_access, 300)
{
	struct reader r = { .size = MIB(4) };
	pthread_t thread;
	int i;

	for (i = 0; i < 5; i++) {
		r.fd = dm_open(0);
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, dm_set_batch(r.fd, 1));
		r.buf = buf_map(r.size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		r.out = malloc(r.size);
		ASSERT_NE(MAP_FAILED, r.buf);
		r.calls = 0;
		r.stop = 0;
		ASSERT_EQ(0, pthread_create(&thread, NULL, reader_thread, &r));
		while (!__atomic_load_n(&r.calls, __ATOMIC_RELAXED))
			usleep(1000);
		usleep(1000 * i);
		ASSERT_EQ(0, close(r.fd));
		pthread_join(thread, NULL);
		EXPECT_EQ(-EBADF, r.last);
		EXPECT_EQ(0UL, r.bad);
		munmap(r.buf, r.size);
		free(r.out);
	}
	ASSERT_CLEAN();
}

/* exit_group() while two threads are inside device accesses. */
TEST_F(td, exit_during_access)
{
	int i;

	for (i = 0; i < 8; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct reader r[2] = { { .size = MIB(2) }, { .size = MIB(2) } };
			pthread_t t[2];
			int k;

			for (k = 0; k < 2; k++) {
				r[k].fd = dm_open(k % self->ndev);
				r[k].buf = buf_map(r[k].size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
				r[k].out = malloc(r[k].size);
				if (r[k].fd < 0 || r[k].buf == MAP_FAILED ||
				    pthread_create(&t[k], NULL, reader_thread, &r[k]))
					_exit(1);
			}
			while (!r[0].calls || !r[1].calls)
				usleep(1000);
			usleep(2000 * i);
			_exit(0);
		}
		ASSERT_EQ(0, dm_wait_child(pid));
	}
	ASSERT_CLEAN();
}

static void kill_mid_fault(struct __test_metadata *_metadata,
			   FIXTURE_DATA(td) *self, int writes, int procs)
{
	unsigned long rounds = dm_knob("DM_TEARDOWN_KILLS", 20, 20), i;
	struct drm_devmir_stats before, after;
	struct dm_rng rng;
	int fd = dm_open(0);

	ASSERT_LE(0, fd);
	/* Orphaned siblings come back to us, to be reaped. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &before));
	dm_rng_init(&rng, 1, writes * 2 + procs);
	for (i = 0; i < rounds; i++) {
		int ready[2];
		char c;
		pid_t pid;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(ready[0]);
			setpgid(0, 0);
			tdh_fault_forever(ready[1], procs, writes);
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		close(ready[0]);
		usleep(dm_rng_below(&rng, 30000));
		kill(-pid, SIGKILL);	/* the child and its siblings */
		ASSERT_EQ(1000 + SIGKILL, dm_wait_child(pid));
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	ASSERT_EQ(0, dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &after));
	TH_LOG("%lu kills; device faults %llu -> %llu", rounds,
	       (unsigned long long)before.faults, (unsigned long long)after.faults);
	EXPECT_LT(before.faults, after.faults);
	close(fd);
	ASSERT_CLEAN();
}

/* SIGKILL at random points of a process faulting page by page. */
TEST_F_TIMEOUT(td, kill9_mid_fault, 300)
{
	kill_mid_fault(_metadata, self, 0, 1);
}

/* The same with device writes (write faults) and three processes. */
TEST_F_TIMEOUT(td, kill9_mid_write_fault_group, 300)
{
	kill_mid_fault(_metadata, self, 1, 3);
}

/*
 * Exit with pages in the device memory of two devices (2 MiB of THP and
 * 1 MiB): once with both files open, once after closing them, which leaves
 * the pages where they are. They are all returned when the process exits.
 */
TEST_F(td, exit_with_device_pages)
{
	uint64_t before = tdh_devmem_used(self->ndev), held = (MIB(2) + MIB(1)) / PAGE;
	int round, cmd, rep;
	char c;
	pid_t pid;

	ASSERT_NE(~0ULL, before);
	for (round = 0; round < 2; round++) {
		pid = tdh_spawn_holder(self->ndev, MIB(2), &cmd, &rep);
		ASSERT_LE(0, pid);
		EXPECT_EQ(before + held, tdh_devmem_used(self->ndev));
		if (round) {
			ASSERT_EQ(1, write(cmd, "c", 1));
			ASSERT_EQ(1, read(rep, &c, 1));
			EXPECT_EQ(before + held, tdh_devmem_used(self->ndev));
		}
		ASSERT_EQ(1, write(cmd, "x", 1));
		ASSERT_EQ(0, dm_wait_child(pid));
		close(cmd);
		close(rep);
		EXPECT_EQ(before, tdh_wait_devmem_used(self->ndev, before, SETTLE_S));
	}
	ASSERT_CLEAN();
}

/*
 * SIGKILL at a random 0-100 ms point of a child migrating 8 MiB to device
 * 0, device 1 and back in a loop (with the suite's small pool, migrations
 * to a device evict): every device page is returned, the devices work.
 * @thp: THP-backed memory (device THP, 2 MiB folios evicted whole, where
 * the kernel has it).
 */
static void kill_mid_migration(struct __test_metadata *_metadata,
			       FIXTURE_DATA(td) *self, bool thp)
{
	unsigned long rounds = dm_knob("DM_TEARDOWN_KILLS", 20, 20), i;
	uint64_t before = tdh_devmem_used(self->ndev);
	struct drm_devmir_stats st0, st1;
	struct dm_rng rng;
	int fd = dm_open(0), ready[2];
	pid_t pid;
	char c;

	ASSERT_NE(~0ULL, before);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &st0));
	dm_rng_init(&rng, 1, 100);
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(ready[0]);
			tdh_migrate_forever(ready[1], self->ndev, MIB(8), thp);
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		close(ready[0]);
		usleep(dm_rng_below(&rng, 100000));
		kill(pid, SIGKILL);
		ASSERT_EQ(1000 + SIGKILL, dm_wait_child(pid));
	}
	ASSERT_EQ(0, dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &st1));
	TH_LOG("%lu kills; device 0: %llu pages migrated in, %llu out, %llu evictions", rounds,
	       (unsigned long long)(st1.migrated_to_device - st0.migrated_to_device),
	       (unsigned long long)(st1.migrated_to_system - st0.migrated_to_system),
	       (unsigned long long)(st1.evictions - st0.evictions));
	EXPECT_LT(st0.migrated_to_device, st1.migrated_to_device);
	close(fd);
	EXPECT_EQ(before, tdh_wait_devmem_used(self->ndev, before, SETTLE_S));
	ASSERT_CLEAN();
}

TEST_F_TIMEOUT(td, kill9_mid_migration, 300)
{
	kill_mid_migration(_metadata, self, false);
}

TEST_F_TIMEOUT(td, kill9_mid_thp_migration, 300)
{
	kill_mid_migration(_metadata, self, true);
}

/*
 * Module unload. Render-node files pin devmirror_sim.ko and the simulator
 * pins devmirror.ko: delete_module() refuses with EWOULDBLOCK (the kernel's
 * answer for a module in use) until the last file is closed.
 */
FIXTURE(mod) {
	char core[256], sim[256];
};

FIXTURE_SETUP(mod)
{
	const char *dir = getenv("DM_MODULE_DIR") ?: "/modules";

	snprintf(self->core, sizeof(self->core), "%s/devmirror.ko", dir);
	snprintf(self->sim, sizeof(self->sim), "%s/devmirror_sim.ko", dir);
	if (access(self->core, R_OK) || access(self->sim, R_OK))
		SKIP(return, "no devmirror modules in %s", dir);
	if (!dm_module_loaded("devmirror_sim"))
		SKIP(return, "devmirror_sim is not loaded");
}

/* Leave both modules loaded for whatever runs next. */
FIXTURE_TEARDOWN(mod)
{
	if (!dm_module_loaded("devmirror"))
		dm_module_load(self->core, "");
	if (!dm_module_loaded("devmirror_sim"))
		dm_module_load(self->sim, "");
}

/* Unload, allowing a moment for deferred file releases; 0 or -errno. */
static int unload_settled(const char *name)
{
	uint64_t end = dm_now_ns() + SETTLE_S * 1000000000ULL;
	int ret;

	while ((ret = dm_module_unload(name)) == -EWOULDBLOCK && dm_now_ns() < end)
		usleep(20000);
	return ret;
}

static int refused(int ret)
{
	return ret == -EWOULDBLOCK || ret == -EBUSY;
}

/* Unload both (simulator first), reload both; 0 if all went well. */
static int reload(FIXTURE_DATA(mod) *self, const char *params)
{
	if (unload_settled("devmirror_sim") || unload_settled("devmirror"))
		return -1;
	/* The core's debugfs directory goes with it. */
	if (!access("/sys/kernel/debug/devmirror", F_OK))
		return -2;
	if (dm_module_load(self->core, "") || dm_module_load(self->sim, params))
		return -3;
	return 0;
}

TEST_F(mod, unload_refused_while_open)
{
	int fd = dm_open(0), gate[2], ret;
	pid_t holder;
	char go;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, populate(fd, MIB(2), 1, 6));
	ret = dm_module_unload("devmirror_sim");
	TH_LOG("delete_module(devmirror_sim) with a file open: %s", strerror(-ret));
	ASSERT_TRUE(refused(ret));
	ASSERT_TRUE(refused(dm_module_unload("devmirror")));

	/* Another process holding the file keeps it pinned. */
	ASSERT_EQ(0, pipe(gate));
	holder = fork();
	ASSERT_LE(0, holder);
	if (holder == 0) {
		close(gate[1]);
		_exit(read(gate[0], &go, 1) == 1 ? 0 : 1);
	}
	close(gate[0]);
	ASSERT_EQ(0, close(fd));
	ASSERT_TRUE(refused(dm_module_unload("devmirror_sim")));
	ASSERT_EQ(1, write(gate[1], "g", 1));
	ASSERT_EQ(0, dm_wait_child(holder));
	close(gate[1]);

	ASSERT_EQ(0, reload(self, ""));
	ASSERT_EQ(2U, dm_count());
	ASSERT_TRUE(tdh_device_works(0));
	ASSERT_TRUE(tdh_device_works(1));
}

/* A process that exits with files open and mirrors populated unpins. */
TEST_F(mod, unload_after_exit_with_files_open)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a = dm_open(0), b = dm_open(1);

		if (a < 0 || b < 0 || !populate(a, MIB(4), 1, 7) ||
		    !populate(b, MIB(1), 0, 8))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, dm_wait_child(pid));
	ASSERT_EQ(0, reload(self, ""));
	ASSERT_TRUE(tdh_device_works(0));
}

/*
 * Unload with pages in device memory (2 MiB + 1 MiB of a process on two
 * devices): refused while the process holds its files, and nothing moves;
 * once it closed them, the unload evicts every page to system memory and
 * succeeds, and the process then reads its data intact from the CPU.
 */
TEST_F(mod, unload_with_device_pages)
{
	unsigned int ndev = dm_count(), d;
	uint64_t held = (MIB(2) + MIB(1)) / PAGE, before;
	int cmd, rep, ret;
	pid_t pid;
	char c;

	before = tdh_devmem_used(ndev);
	ASSERT_NE(~0ULL, before);
	pid = tdh_spawn_holder(ndev, MIB(2), &cmd, &rep);
	ASSERT_LE(0, pid);
	ASSERT_EQ(before + held, tdh_devmem_used(ndev));

	ret = dm_module_unload("devmirror_sim");
	TH_LOG("delete_module(devmirror_sim) with device pages and files open: %s",
	       strerror(-ret));
	ASSERT_TRUE(refused(ret));
	EXPECT_EQ(before + held, tdh_devmem_used(ndev));

	ASSERT_EQ(1, write(cmd, "c", 1));
	ASSERT_EQ(1, read(rep, &c, 1));
	ASSERT_EQ(0, unload_settled("devmirror_sim"));
	ASSERT_EQ(1, write(cmd, "v", 1));
	EXPECT_EQ(0, dm_wait_child(pid));	/* data intact, read with no device */
	close(cmd);
	close(rep);

	ASSERT_EQ(0, dm_module_load(self->sim, ""));
	ASSERT_EQ(0ULL, tdh_devmem_used(ndev));
	for (d = 0; d < ndev; d++)
		ASSERT_TRUE(tdh_device_works(d));
}

/* Load and unload both modules again and again, in varying shapes. */
TEST_F_TIMEOUT(mod, load_unload_cycles, 300)
{
	unsigned long cycles = dm_knob("DM_TEARDOWN_CYCLES", 100, 100), i;
	uint64_t start = dm_now_ns();
	char params[64];
	unsigned int n, d;

	for (i = 0; i < cycles; i++) {
		n = 1 + i % 3;
		if (i == cycles - 1)
			n = 2;	/* the defaults, for whatever runs next */
		snprintf(params, sizeof(params), "ndevices=%u huge=%u", n,
			 (unsigned int)(i / 3) % 2);
		ASSERT_EQ(0, reload(self, i == cycles - 1 ? "" : params)) {
			TH_LOG("cycle %lu", i);
		}
		ASSERT_EQ(n, dm_count());
		if (i % 10 == 9)
			for (d = 0; d < n; d++)
				ASSERT_TRUE(tdh_device_works(d));
	}
	TH_LOG("%lu load/unload cycles, %.0f ms each", cycles,
	       (dm_now_ns() - start) / 1e6 / cycles);
}

/*
 * Allocation failures. fail-nth makes the n-th fault-injection site a
 * thread reaches fail; an operation is run with n = 1, 2, ... until it no
 * longer reaches the n-th site, so every allocation it makes fails once.
 * Each failure must give a clean errno, a clean retry must then succeed with
 * the right data, and nothing may leak.
 */
FIXTURE(fi) {
	int nth, objects;
	unsigned int ndev;
	char node[64];
};

FIXTURE_SETUP(fi)
{
	char link[64];
	ssize_t n;
	int fd;

	self->nth = -1;
	self->ndev = dm_count();
	if (!self->ndev)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	self->objects = dm_mirror_objects();
	self->nth = dm_fi_nth_open();
	if (self->nth < 0 || self->objects < 0 || dm_fi_arm(DM_FI_SLAB, 0, 0) ||
	    dm_fi_arm(DM_FI_PAGE, 0, 0))
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS)");
	fd = dm_open(0);
	ASSERT_LE(0, fd);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, self->node, sizeof(self->node) - 1);
	ASSERT_LT(0, n);
	self->node[n] = '\0';
	close(fd);
}

FIXTURE_TEARDOWN(fi)
{
	if (self->nth >= 0) {
		dm_fi_disarm(DM_FI_SLAB);
		dm_fi_disarm(DM_FI_PAGE);
		close(self->nth);
	}
}

static int clean_errno(int ret)
{
	return ret == 0 || ret == -ENOMEM || ret == -EFAULT || ret == -EBUSY;
}

/* Every allocation of open() and the first close() fails once. */
TEST_F(fi, nth_open_close)
{
	unsigned int n, failed = 0;
	int fd, ret, fired;

	for (n = 1; n < 5000; n++) {
		ASSERT_EQ(0, dm_fi_nth_arm(self->nth, n));
		fd = open(self->node, O_RDWR | O_CLOEXEC);
		ret = fd < 0 ? -errno : close(fd);
		fired = dm_fi_nth_disarm(self->nth);
		if (!fired)
			break;
		failed += ret != 0;
		ASSERT_TRUE(clean_errno(ret)) {
			TH_LOG("site %u: %s", n, strerror(-ret));
		}
		ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S));
	}
	TH_LOG("open+close: %u fault sites, %u made the call fail", n - 1, failed);
	ASSERT_LT(1U, n);
	ASSERT_TRUE(tdh_device_works(0));
}

/*
 * Every allocation of a device access that faults @size bytes in fails
 * once. Before each try the buffer is dropped (MADV_DONTNEED, which also
 * empties the mirror): a READ finds it refilled by the CPU, a WRITE finds
 * no page at all and allocates them (THP ones for @huge).
 */
static void nth_access(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
		       int write, int huge)
{
	size_t size = huge ? HUGE_2M : KIB(512);
	unsigned int n, failed = 0, seed;
	uint8_t *buf, *out;
	int fd, ret, fired;

	fd = open(self->node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dm_set_window(fd, huge ? HUGE_2M : KIB(64)));
	buf = huge ? buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE) :
		     buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	if (huge)
		madvise(buf, size, MADV_HUGEPAGE);
	out = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	ASSERT_NE(MAP_FAILED, out);

	for (n = 1; n < 20000; n++) {
		seed = 20 + n % 200;
		ASSERT_EQ(0, madvise(buf, size, MADV_DONTNEED));
		buf_fill(write ? out : buf, size, seed);
		ASSERT_EQ(0, dm_fi_nth_arm(self->nth, n));
		ret = write ? dm_write(fd, buf, size, out) : dm_read(fd, buf, size, out);
		fired = dm_fi_nth_disarm(self->nth);
		ASSERT_TRUE(clean_errno(ret)) {
			TH_LOG("site %u: %s", n, strerror(-ret));
		}
		failed += ret != 0;
		if (!ret)
			ASSERT_EQ(-1, buf_check(write ? buf : out, size, seed));
		/* A clean retry completes the access with the right data. */
		ret = write ? dm_write(fd, buf, size, out) : dm_read(fd, buf, size, out);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(-1, buf_check(write ? buf : out, size, seed));
		if (!fired)
			break;
	}
	TH_LOG("%s%s: %u fault sites, %u made the access fail", write ? "write" : "read",
	       huge ? " (THP)" : "", n - 1, failed);
	ASSERT_LT(1U, n);
	ASSERT_EQ(0, dm_mirror_check_failures());
	close(fd);
	ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S));
}

TEST_F_TIMEOUT(fi, nth_read_fault, 300)
{
	nth_access(_metadata, self, 0, 0);
}

TEST_F_TIMEOUT(fi, nth_write_fault, 300)
{
	nth_access(_metadata, self, 1, 0);
}

TEST_F_TIMEOUT(fi, nth_read_fault_thp, 300)
{
	nth_access(_metadata, self, 0, 1);
}

TEST_F_TIMEOUT(fi, nth_write_fault_thp, 300)
{
	nth_access(_metadata, self, 1, 1);
}

/* SNAPSHOT and STATS allocate bounce buffers: each fails once. */
TEST_F(fi, nth_snapshot_stats)
{
	size_t npages = MIB(4) / PAGE;
	struct drm_devmir_stats st;
	unsigned int n, failed = 0;
	uint8_t *snap = malloc(npages);
	int fd, ret, fired;

	fd = open(self->node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, populate(fd, MIB(4), 0, 9));
	for (n = 1; n < 5000; n++) {
		ASSERT_EQ(0, dm_fi_nth_arm(self->nth, n));
		ret = dm_snapshot(fd, (void *)((uintptr_t)snap & ~(PAGE - 1)), npages, snap, NULL);
		if (!ret)
			ret = dm_stats(fd, n & 1 ? DRM_DEVMIR_STATS_DEVICE : 0, &st);
		fired = dm_fi_nth_disarm(self->nth);
		ASSERT_TRUE(clean_errno(ret));
		failed += ret != 0;
		if (!fired)
			break;
	}
	TH_LOG("snapshot+stats: %u fault sites, %u made the call fail", n - 1, failed);
	close(fd);
	ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S));
}

/* The last close of a populated mirror, with each of its allocations failing. */
TEST_F(fi, nth_last_close)
{
	unsigned int n;
	int fd, fired;
	uint8_t *buf;

	for (n = 1; n < 5000; n++) {
		fd = open(self->node, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		buf = populate(fd, MIB(1), 0, 10);
		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, dm_fi_nth_arm(self->nth, n));
		ASSERT_EQ(0, close(fd));
		fired = dm_fi_nth_disarm(self->nth);
		munmap(buf, MIB(1));
		ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S));
		if (!fired)
			break;
	}
	TH_LOG("last close: %u fault sites", n - 1);
	ASSERT_TRUE(tdh_device_works(0));
}

/*
 * failslab / fail_page_alloc at random, task filter on: this thread's
 * opens, device writes into dropped memory (which allocate pages), reads
 * and closes fail at random; everything ends with a clean errno, right data
 * or nothing, and no leak.
 */
static void random_faults(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
			  enum dm_fi_kind kind)
{
	unsigned int i, opened = 0, done = 0, failed = 0;
	size_t size = KIB(256);
	uint8_t *buf, *in, *out;
	int fi, fd, ret;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	in = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	out = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, in);
	ASSERT_NE(MAP_FAILED, out);
	fi = dm_fi_thread_open();
	ASSERT_LE(0, fi);
	/* fail_page_alloc: most failed page allocations are retried away. */
	ASSERT_EQ(0, dm_fi_arm(kind, kind == DM_FI_SLAB ? 20 : 4, 0));
	for (i = 0; i < 300; i++) {
		madvise(buf, size, MADV_DONTNEED);
		buf_fill(out, size, 30 + i % 100);
		ASSERT_EQ(0, dm_fi_thread_set(fi, 1));
		fd = open(self->node, O_RDWR | O_CLOEXEC);
		ret = fd < 0 ? -errno : dm_write(fd, buf, size, out);
		if (!ret)
			ret = dm_read(fd, buf, size, in);
		if (fd >= 0)
			close(fd);
		ASSERT_EQ(0, dm_fi_thread_set(fi, 0));
		opened += fd >= 0;
		ASSERT_TRUE(clean_errno(ret)) {
			TH_LOG("round %u: %s", i, strerror(-ret));
		}
		if (!ret) {
			ASSERT_EQ(-1, buf_check(buf, size, 30 + i % 100));
			ASSERT_EQ(-1, buf_check(in, size, 30 + i % 100));
			done++;
		}
		failed += ret != 0;
	}
	dm_fi_arm(kind, 0, 0);
	close(fi);
	TH_LOG("%s: 300 rounds, %u opened, %u wrote and read back, %u failed cleanly",
	       kind == DM_FI_SLAB ? "failslab" : "fail_page_alloc", opened, done, failed);
	ASSERT_LT(0U, failed);	/* the injection did bite */
	ASSERT_EQ(self->objects, dm_wait_mirror_objects(self->objects, SETTLE_S));
	ASSERT_EQ(0, dm_mirror_check_failures());
	ASSERT_TRUE(tdh_device_works(0));
}

TEST_F_TIMEOUT(fi, failslab_open_read_close, 300)
{
	random_faults(_metadata, self, DM_FI_SLAB);
}

TEST_F_TIMEOUT(fi, fail_page_alloc_open_read_close, 300)
{
	random_faults(_metadata, self, DM_FI_PAGE);
}

TEST_HARNESS_MAIN
