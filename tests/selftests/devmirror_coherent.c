// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_coherent - device-coherent memory on the render nodes: the
 * coherent variants of the migrate, devmem, exclusive and teardown tests
 * (the integrity and torture ones are in devmirror_integrity and
 * devmirror_torture). The suite
 * (devmirror-coherent) loads one device-private device (0) and two
 * device-coherent devices over the rig's reserved ranges, each with a
 * 4 MiB pool. What differs from device-private memory is asserted: the
 * CPU reads and writes pages in device memory in place (no migration back,
 * no CPU fault into the driver), every device maps them directly, and a
 * long-term pin makes the kernel move them out; what does not differ
 * (migration both ways, eviction, fork, exit, unload) is checked the same
 * way. Data are verified byte for byte everywhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"
#include "../../../mm/gup_test.h"

#define NPAGES(size)	((size) / PAGE)
#define SETTLE_S	30

#define coherent_index(nth)	dm_kind_index(DRM_DEVMIR_MEMORY_COHERENT, (nth))
#define private_index()		dm_kind_index(DRM_DEVMIR_MEMORY_PRIVATE, 0)

/* Poll the device's pool until @want pages are in use or SETTLE_S passed. */
static uint64_t wait_used(int fd, uint64_t want)
{
	uint64_t end = dm_now_ns() + SETTLE_S * 1000000000ULL, used;

	while ((used = dm_devmem_used(fd)) != want && dm_now_ns() < end)
		usleep(20000);
	return used;
}

FIXTURE(coh) {
	int fd;			/* the first coherent device */
	int index;
	uint64_t devmem;
};

FIXTURE_SETUP(coh)
{
	self->fd = -1;
	self->index = coherent_index(0);
	if (self->index < 0)
		SKIP(return, "no device-coherent devmirror device (coherent_addr=)");
	self->fd = dm_open(self->index);
	ASSERT_LE(0, self->fd);
	self->devmem = dm_device_memory(self->fd);
	ASSERT_LE(MIB(4), self->devmem);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(coh)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* GET_INFO: the kind is reported, the reserved field stays zero. */
TEST_F(coh, info_reports_coherent)
{
	struct drm_devmir_get_info info;
	int p = private_index(), fd;

	ASSERT_EQ(0, dm_info(self->fd, &info));
	EXPECT_EQ((__u32)DRM_DEVMIR_MEMORY_COHERENT, info.memory_kind);
	EXPECT_EQ(0U, info.reserved2);
	EXPECT_EQ(self->devmem, info.device_memory);
	ASSERT_LE(0, p);
	fd = dm_open(p);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dm_info(fd, &info));
	EXPECT_EQ((__u32)DRM_DEVMIR_MEMORY_PRIVATE, info.memory_kind);
	EXPECT_EQ(0U, info.reserved2);
	close(fd);
}

/* migrate: to the device and back, with the pool and the snapshot. */
TEST_F(coh, migrate_to_device_and_back)
{
	size_t size = MIB(1), n = NPAGES(size);
	uint64_t used0 = dm_devmem_used(self->fd);
	struct drm_devmir_migrate m;
	uint8_t *buf, *out, *snap;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 21);

	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
	EXPECT_EQ(size, m.bytes_copied);
	EXPECT_EQ(used0 + n, dm_devmem_used(self->fd));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL |
				  DRM_DEVMIR_SNAP_WRITE));
	free(snap);
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 21));

	/* Already there: nothing moves. */
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(0ULL, m.migrated);
	EXPECT_EQ(n, m.already);

	ASSERT_EQ(0, dm_to_system(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
	EXPECT_EQ(used0, wait_used(self->fd, used0));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 21));
	free(out);
	munmap(buf, size);
}

/*
 * migrate: the CPU reads and writes pages in coherent device memory in
 * place: no CPU fault reaches the driver, nothing migrates back, the
 * device keeps its local mapping and sees the CPU's writes, and the CPU
 * sees the device's.
 */
TEST_F(coh, migrate_cpu_access_in_place)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 31);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	ASSERT_EQ(-1, buf_check(buf, size, 31));	/* CPU reads */
	buf_fill(buf, size, 32);			/* CPU writes */
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 32));
	buf_fill(out, size, 33);
	ASSERT_EQ(0, dm_write(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(buf, size, 33));

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.ram_faults);
	EXPECT_EQ(0ULL, st.migrated_to_system);
	EXPECT_EQ(0ULL, st.faults);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	free(out);
	munmap(buf, size);
}

/*
 * devmem: twice the pool in two halves: the second evicts the first, and
 * what the device wrote into the first half in device memory is what the
 * CPU reads after the eviction (a device write is data).
 */
TEST_F(coh, devmem_oversubscribe_evicts)
{
	size_t size = 2 * self->devmem, half = size / 2, n = NPAGES(half);
	struct drm_devmir_migrate m;
	struct drm_devmir_stats st;
	uint8_t *buf, *pattern;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	pattern = malloc(half);
	ASSERT_NE(NULL, pattern);
	buf_fill(buf, size, 41);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, half, &m));
	EXPECT_EQ(n, m.migrated);
	buf_fill(pattern, half, 42);
	ASSERT_EQ(0, dm_write(self->fd, buf, half, pattern));
	ASSERT_EQ(0, dm_to_device(self->fd, buf + half, half, &m));
	EXPECT_EQ(n, m.migrated);
	ASSERT_EQ(0, dm_stats(self->fd, DRM_DEVMIR_STATS_DEVICE, &st));
	EXPECT_LE(n, st.evictions);
	EXPECT_GE(NPAGES(self->devmem), st.devmem_used);
	ASSERT_EQ(-1, buf_check(buf, half, 42));
	ASSERT_EQ(-1, buf_check(buf + half, half, 41));
	free(pattern);
	munmap(buf, size);
	EXPECT_EQ(0ULL, wait_used(self->fd, 0));
}

/*
 * A CPU thread adding 1 to @word @rounds times, or, with @rounds 0, until
 * @stop is set; @done counts its adds.
 */
struct cpu_adder {
	uint64_t *word;
	unsigned long rounds, done;
	int stop;
};

static void *cpu_adds(void *arg)
{
	struct cpu_adder *a = arg;

	while (a->rounds ? a->done < a->rounds : !__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(a->word, 1, __ATOMIC_SEQ_CST);
		a->done++;
	}
	return NULL;
}

/*
 * exclusive: device atomics on a page in the device's coherent memory
 * need no exclusive access (the memory is the device's own, and coherent):
 * racing CPU atomics on the same word lose no update, the CPU takes no
 * fault into the driver, and the page stays in device memory.
 */
TEST_F(coh, exclusive_atomics_in_place)
{
	struct cpu_adder adder = { .rounds = 20000 };
	unsigned long i, rounds = 2000;
	struct drm_devmir_stats st;
	uint64_t *word, old;
	uint8_t *buf, *snap;
	pthread_t thread;

	buf = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	word = (uint64_t *)buf;
	*word = 0;
	ASSERT_EQ(0, dm_to_device(self->fd, buf, PAGE, NULL));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	adder.word = word;
	ASSERT_EQ(0, pthread_create(&thread, NULL, cpu_adds, &adder));
	for (i = 0; i < rounds; i++)
		ASSERT_EQ(0, dm_atomic_add(self->fd, word, 1, &old));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(rounds + adder.rounds, __atomic_load_n(word, __ATOMIC_SEQ_CST));

	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_EQ(0ULL, st.ram_faults);
	EXPECT_EQ(0ULL, st.exclusive_grants);
	EXPECT_EQ(0ULL, st.migrated_to_system);
	snap = dm_snap(self->fd, buf, 1);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(1ULL, dm_snap_with(snap, 1, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	munmap(buf, PAGE);
}

/*
 * The setup of the peer-atomics tests: a file of the device-private device
 * (to the coherent devices a peer) in *@fd, and one page whose first word
 * is @value, moved into the first coherent device's memory, in *@word.
 */
static void peer_word_setup(struct __test_metadata *_metadata,
			    FIXTURE_DATA(coh) *self, uint64_t value, int *fd,
			    uint64_t **word)
{
	int p = private_index();
	uint8_t *buf;

	ASSERT_LE(0, p);
	*fd = dm_open(p);
	ASSERT_LE(0, *fd);
	buf = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	*word = (uint64_t *)buf;
	**word = value;
	ASSERT_EQ(0, dm_to_device(self->fd, buf, PAGE, NULL));
}

/*
 * exclusive: another device's atomics on a page in coherent memory. The
 * peer (the device-private device) maps the page like system memory, but
 * coherent memory keeps device atomics coherent with the CPU's: they run
 * in place, with no exclusive access (none granted, no fallback), while
 * the CPU adds to the same word. No update is lost, and the page never
 * leaves the coherent device's memory.
 */
TEST_F(coh, exclusive_peer_atomics_on_coherent_page)
{
	struct cpu_adder adder = { .rounds = 0 };
	unsigned long i, rounds = 2000;
	struct drm_devmir_stats st;
	uint64_t *word, old, used;
	pthread_t thread;
	uint8_t *buf;
	int fd;

	peer_word_setup(_metadata, self, 0, &fd, &word);
	buf = (uint8_t *)word;
	used = dm_devmem_used(self->fd);
	ASSERT_EQ(0, dm_reset_stats(fd, 0));

	adder.word = word;
	ASSERT_EQ(0, pthread_create(&thread, NULL, cpu_adds, &adder));
	/* The CPU adds all along: its accesses keep revoking exclusivity. */
	for (i = 0; i < rounds; i++)
		ASSERT_EQ(0, dm_atomic_add(fd, word, 1, &old));
	__atomic_store_n(&adder.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(rounds + adder.done, __atomic_load_n(word, __ATOMIC_SEQ_CST));

	ASSERT_EQ(0, dm_stats(fd, 0, &st));
	TH_LOG("peer: %llu exclusive grants, %llu fallbacks; the CPU added %lu",
	       (unsigned long long)st.exclusive_grants,
	       (unsigned long long)st.exclusive_fallbacks, adder.done);
	EXPECT_EQ(0ULL, st.exclusive_grants);
	EXPECT_EQ(0ULL, st.exclusive_fallbacks);
	EXPECT_EQ(0ULL, st.migrated_to_system);
	EXPECT_EQ(0ULL, st.remote_faults);
	EXPECT_EQ(used, dm_devmem_used(self->fd));
	/* The coherent device still sees the page, with every update. */
	ASSERT_EQ(0, dm_read(self->fd, buf, 8, &old));
	EXPECT_EQ(rounds + adder.done, old);
	EXPECT_EQ(used, dm_devmem_used(self->fd));
	munmap(buf, PAGE);
	close(fd);
}

/*
 * devmem: a page in coherent memory that another device's atomic used,
 * evicted afterwards with no CPU access in between. Before 6.15 the kernel
 * takes a device-exclusive entry for a migration entry when it restores
 * mappings after a migration: had the atomic left the page device-
 * exclusive, the eviction would fail, map the page back and leak a
 * reference (the pool never gets the page back). The page leaves device
 * memory, keeps the atomic's result, and once unmapped every page of the
 * pool is free again.
 */
TEST_F_TIMEOUT(coh, devmem_evict_after_peer_atomic, 120)
{
	size_t fill = self->devmem;
	uint64_t *word, old;
	uint8_t *buf, *big, *snap;
	int fd;

	ASSERT_EQ(0ULL, wait_used(self->fd, 0));
	peer_word_setup(_metadata, self, 41, &fd, &word);
	buf = (uint8_t *)word;
	ASSERT_EQ(0, dm_atomic_add(fd, word, 1, &old));
	EXPECT_EQ(41ULL, old);

	/* A pool's worth more: the page, filled first, is the first victim. */
	big = buf_map(fill, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, big);
	buf_fill(big, fill, 43);
	ASSERT_EQ(0, dm_to_device(self->fd, big, fill, NULL));
	/* The device reads the word where it is now, and maps it from there. */
	ASSERT_EQ(0, dm_read(self->fd, buf, 8, &old));
	EXPECT_EQ(42ULL, old);
	snap = dm_snap(self->fd, buf, 1);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, 1, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	EXPECT_EQ(42ULL, *word);
	ASSERT_EQ(-1, buf_check(big, fill, 43));
	munmap(big, fill);
	munmap(buf, PAGE);
	close(fd);
	EXPECT_EQ(0ULL, wait_used(self->fd, 0));
}

/*
 * devmem: a long-term pin (FOLL_LONGTERM) of pages in coherent memory
 * makes the kernel move them to system memory first (the driver sees no
 * CPU fault: the kernel copies coherent pages itself); while pinned they
 * cannot come back.
 */
TEST_F(coh, devmem_longterm_pin_moves_out)
{
	size_t size = KIB(128), n = NPAGES(size);
	struct pin_longterm_test pin = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	uint64_t used0 = dm_devmem_used(self->fd);
	struct drm_devmir_migrate m;
	uint8_t *buf, *snap;
	int gup;

	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		SKIP(return, "no /sys/kernel/debug/gup_test");
	if (ioctl(gup, PIN_LONGTERM_TEST_STOP)) {
		close(gup);
		SKIP(return, "gup_test has no PIN_LONGTERM_TEST_* ioctls");
	}
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 51);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	ASSERT_EQ(n, m.migrated);

	pin.addr = (uintptr_t)buf;
	pin.size = size;
	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_START, &pin));
	EXPECT_EQ(used0, wait_used(self->fd, used0));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 51));
	ASSERT_EQ(-EBUSY, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);

	ASSERT_EQ(0, ioctl(gup, PIN_LONGTERM_TEST_STOP));
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	ASSERT_EQ(-1, buf_check(buf, size, 51));
	close(gup);
	munmap(buf, size);
}

/*
 * devmem: fork with pages in coherent memory: the child's write copies
 * its page straight from device memory (no migration back), the parent's
 * pages stay in device memory with their data.
 */
TEST_F(coh, devmem_fork_cow)
{
	size_t size = KIB(64), n = NPAGES(size);
	uint8_t *buf, *out, *snap;
	pid_t pid;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 61);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (buf_check(buf, size, 61) != -1)
			_exit(2);
		buf_fill(buf, size, 62);
		_exit(buf_check(buf, size, 62) == -1 ? 0 : 3);
	}
	ASSERT_EQ(0, dm_wait_child(pid));
	ASSERT_EQ(-1, buf_check(buf, size, 61));
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 61));
	/* The parent's write after the child left: its own pages again. */
	buf_fill(buf, size, 63);
	ASSERT_EQ(0, dm_read(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 63));
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	TH_LOG("%zu of %zu pages device-local after the COW",
	       dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL), n);
	free(snap);
	free(out);
	munmap(buf, size);
}

/*
 * devmem: another device (the device-private one, a peer) reads and
 * writes pages in coherent memory through direct mappings: nothing
 * migrates, the pages stay where they are.
 */
TEST_F(coh, devmem_other_device_maps_directly)
{
	size_t size = KIB(256), n = NPAGES(size);
	struct drm_devmir_stats st;
	int p = private_index(), fd;
	uint8_t *buf, *out, *snap;

	ASSERT_LE(0, p);
	fd = dm_open(p);
	ASSERT_LE(0, fd);
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 71);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));
	ASSERT_EQ(0, dm_reset_stats(fd, 0));

	ASSERT_EQ(0, dm_read(fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 71));
	buf_fill(out, size, 72);
	ASSERT_EQ(0, dm_write(fd, buf, size, out));
	ASSERT_EQ(0, dm_stats(fd, 0, &st));
	EXPECT_EQ(0ULL, st.migrated_to_system);
	EXPECT_EQ(0ULL, st.remote_faults);
	snap = dm_snap(fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_READ));
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	EXPECT_EQ(0ULL, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_REMOTE));
	free(snap);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 72));
	free(out);
	munmap(buf, size);
	close(fd);
}

/*
 * devmem: device to device, both ways: coherent memory to the private
 * device's memory and back, and to the second coherent device.
 */
TEST_F(coh, devmem_migrate_between_devices)
{
	size_t size = KIB(512), n = NPAGES(size);
	int p = private_index(), c2 = coherent_index(1), fdp, fdc2;
	struct drm_devmir_migrate m;
	uint8_t *buf, *snap;

	ASSERT_LE(0, p);
	fdp = dm_open(p);
	ASSERT_LE(0, fdp);
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	buf_fill(buf, size, 81);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, NULL));

	ASSERT_EQ(0, dm_to_device(fdp, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	snap = dm_snap(fdp, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, size, &m));
	EXPECT_EQ(n, m.migrated);
	snap = dm_snap(self->fd, buf, n);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
	free(snap);
	ASSERT_EQ(-1, buf_check(buf, size, 81));

	if (c2 >= 0) {
		fdc2 = dm_open(c2);
		ASSERT_LE(0, fdc2);
		ASSERT_EQ(0, dm_to_device(fdc2, buf, size, &m));
		EXPECT_EQ(n, m.migrated);
		snap = dm_snap(fdc2, buf, n);
		ASSERT_NE(NULL, snap);
		EXPECT_EQ(n, dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL));
		free(snap);
		ASSERT_EQ(-1, buf_check(buf, size, 81));
		close(fdc2);
	}
	munmap(buf, size);
	close(fdp);
}

/*
 * teardown: a process exits with its file open and pages in coherent
 * memory: every page returns to the pool.
 */
TEST_F(coh, teardown_exit_with_device_pages)
{
	uint64_t used0 = dm_devmem_used(self->fd);
	int ready[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		size_t size = MIB(1);
		uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		int fd = dm_open(self->index);

		close(ready[0]);
		if (fd < 0 || buf == MAP_FAILED)
			_exit(2);
		buf_fill(buf, size, 91);
		if (dm_to_device(fd, buf, size, NULL))
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		pause();
		_exit(5);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	EXPECT_EQ(used0 + NPAGES(MIB(1)), dm_devmem_used(self->fd));
	kill(pid, SIGKILL);
	ASSERT_EQ(1000 + SIGKILL, dm_wait_child(pid));
	EXPECT_EQ(used0, wait_used(self->fd, used0));
}

/*
 * teardown: SIGKILL at a random point of a child migrating to coherent
 * memory and back in a loop: every page returns, the device works.
 */
TEST_F_TIMEOUT(coh, teardown_kill9_mid_migration, 300)
{
	uint64_t used0 = dm_devmem_used(self->fd);
	size_t size = MIB(2), n = NPAGES(size);
	uint8_t *buf, *out;
	int ready[2], i;
	pid_t pid;
	char c;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			uint8_t *cbuf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
			int fd = dm_open(self->index);

			close(ready[0]);
			if (fd < 0 || cbuf == MAP_FAILED)
				_exit(2);
			buf_fill(cbuf, size, 93);
			if (write(ready[1], "r", 1) != 1)
				_exit(4);
			for (;;) {
				if (dm_to_device(fd, cbuf, size, NULL) < 0 ||
				    dm_to_system(fd, cbuf, size, NULL) < 0 ||
				    buf_check(cbuf, size, 93) != -1)
					_exit(5);
			}
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		close(ready[0]);
		usleep((i * 7919) % 100000);
		kill(pid, SIGKILL);
		ASSERT_EQ(1000 + SIGKILL, dm_wait_child(pid));
	}
	EXPECT_EQ(used0, wait_used(self->fd, used0));

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	out = malloc(size);
	ASSERT_NE(NULL, out);
	buf_fill(buf, size, 94);
	ASSERT_EQ(0, dm_to_device(self->fd, buf, n * PAGE, NULL));
	ASSERT_EQ(0, dm_read_nofault(self->fd, buf, size, out));
	ASSERT_EQ(-1, buf_check(out, size, 94));
	free(out);
	munmap(buf, size);
}

/*
 * teardown: unloading the simulator with pages of a live process in
 * coherent memory evicts them to system memory; the process keeps its
 * data. The suite names the module parameters to load it again with
 * (DM_SIM_PARAMS) and where the modules are (DM_MODULE_DIR).
 */
TEST(teardown_unload_with_coherent_pages)
{
	const char *dir = getenv("DM_MODULE_DIR") ?: "/modules";
	const char *params = getenv("DM_SIM_PARAMS");
	size_t size = MIB(1);
	int index = coherent_index(0), cmd[2], rep[2], fd;
	uint64_t end;
	char sim[256], c;
	pid_t pid;
	int ret;

	if (index < 0 || !params)
		SKIP(return, "no device-coherent device, or DM_SIM_PARAMS unset");
	snprintf(sim, sizeof(sim), "%s/devmirror_sim.ko", dir);
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		int cfd = dm_open(index);

		close(cmd[1]);
		close(rep[0]);
		if (cfd < 0 || buf == MAP_FAILED)
			_exit(2);
		buf_fill(buf, size, 97);
		if (dm_to_device(cfd, buf, size, NULL))
			_exit(3);
		close(cfd);
		if (write(rep[1], "r", 1) != 1 || read(cmd[0], &c, 1) != 1)
			_exit(4);
		_exit(buf_check(buf, size, 97) == -1 ? 0 : 5);
	}
	close(cmd[0]);
	close(rep[1]);
	ASSERT_EQ(1, read(rep[0], &c, 1));

	end = dm_now_ns() + SETTLE_S * 1000000000ULL;
	while ((ret = dm_module_unload("devmirror_sim")) == -EWOULDBLOCK &&
	       dm_now_ns() < end)
		usleep(20000);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, write(cmd[1], "v", 1));
	EXPECT_EQ(0, dm_wait_child(pid));
	close(cmd[1]);
	close(rep[0]);

	ASSERT_EQ(0, dm_module_load(sim, params));
	index = coherent_index(0);
	ASSERT_LE(0, index);
	fd = dm_open(index);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0ULL, dm_devmem_used(fd));
	close(fd);
}

TEST_HARNESS_MAIN
