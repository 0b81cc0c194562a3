// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_demo - the guest side of `make run`: a simulated device reads a
 * process's memory through its mirror, and the statistics show the faults,
 * the TLB, the walker, huge entries and the pruning that result; then a
 * migration round trip through device memory (MIGRATE, device access, CPU
 * faults, migration by policy, exclusive atomics) with its statistics.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "devmir_test.h"

static void show_stats(int fd, const char *what)
{
	struct drm_devmir_stats st;
	int l;

	if (dm_stats(fd, 0, &st)) {
		printf("  (stats failed)\n");
		return;
	}
	printf("-- %s\n", what);
	printf("  faults raised %llu, coalesced %llu, serviced %llu, resolved %llu, batches %llu\n",
	       st.faults_raised, st.faults_coalesced, st.faults, st.faults_resolved,
	       st.fault_batches);
	printf("  hmm_range_fault calls %llu (-EBUSY %llu, retries %llu)\n",
	       st.hmm_calls, st.hmm_busy, st.hmm_retries);
	printf("  TLB hits %llu misses %llu shootdowns %llu; walks %llu (%llu directories read)\n",
	       st.tlb_hits, st.tlb_misses, st.tlb_shootdowns, st.walks, st.walk_levels);
	printf("  invalidations: unmap %llu clear %llu mprotect %llu wrprot %llu, dropped %llu\n",
	       st.invalidations[DRM_DEVMIR_INV_UNMAP],
	       st.invalidations[DRM_DEVMIR_INV_CLEAR],
	       st.invalidations[DRM_DEVMIR_INV_PROTECTION_VMA],
	       st.invalidations[DRM_DEVMIR_INV_PROTECTION_PAGE], st.pages_invalidated);
	printf("  mirror table:");
	for (l = DRM_DEVMIR_MAX_LEVELS - 1; l >= 0; l--)
		if (st.table_dirs[l] || st.table_entries[l])
			printf(" L%d[%llu dirs, %llu leaves]", l, st.table_dirs[l],
			       st.table_entries[l]);
	printf(", %llu bytes, %llu directories pruned\n", st.table_bytes,
	       st.dirs_pruned);
}

static int device_read(int fd, const void *addr, size_t size, void *out,
		       const char *what)
{
	struct drm_devmir_access acc = {
		.addr = (uintptr_t)addr,
		.size = size,
		.buffer = (uintptr_t)out,
		.op = DRM_DEVMIR_OP_READ,
	};
	int ret = dm_access(fd, &acc);

	printf("device READ %-34s %7zu KiB: %s, %llu faults\n", what, size >> 10,
	       ret ? strerror(-ret) : "ok", acc.faults);
	return ret;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void show_migration_stats(int fd, const char *what)
{
	struct drm_devmir_stats st;

	if (dm_stats(fd, 0, &st)) {
		printf("  (stats failed)\n");
		return;
	}
	printf("-- %s\n", what);
	printf("  migrated to device %llu pages, to system %llu pages,",
	       st.migrated_to_device, st.migrated_to_system);
	printf(" %llu KiB copied, %llu failed\n", st.migrate_bytes >> 10,
	       st.migrate_failed);
	printf("  CPU faults on device pages (migrate_to_ram) %llu,", st.ram_faults);
	printf(" policy migrations %llu, evictions %llu\n", st.policy_migrations,
	       st.evictions);
	printf("  exclusive grants %llu (fallbacks %llu);", st.exclusive_grants,
	       st.exclusive_fallbacks);
	printf(" invalidations: migrate %llu exclusive %llu\n",
	       st.invalidations[DRM_DEVMIR_INV_MIGRATE],
	       st.invalidations[DRM_DEVMIR_INV_EXCLUSIVE]);
	printf("  device memory: %llu of %llu pages in use\n", st.devmem_used,
	       st.devmem_pages);
}

static int migrate_timed(int fd, void *addr, size_t size, uint32_t dir,
			 const char *what)
{
	struct drm_devmir_migrate m;
	double t0 = now_ms(), ms;
	int ret;

	ret = dm_migrate(fd, addr, size, dir, 0, &m);
	ms = now_ms() - t0;
	printf("MIGRATE %-10s %5zu KiB: %s; moved %llu, already %llu, absent %llu,",
	       what, size >> 10, ret ? strerror(-ret) : "ok", m.migrated, m.already,
	       m.absent);
	printf(" failed %llu, evicted %llu; %.1f ms (%.0f MiB/s)\n",
	       (unsigned long long)dm_migrate_failed(&m), m.evicted, ms,
	       ms > 0 ? (m.bytes_copied / 1048576.0) / (ms / 1e3) : 0.0);
	return ret;
}

/* The migration half: a round trip through device memory. */
static int migration_demo(int fd, const struct drm_devmir_get_info *info)
{
	size_t size = MIB(4), n = size / PAGE;
	uint8_t *buf, *out, *snap;
	char devmem[512];
	uint64_t old;
	long check;
	double t0;
	int ret = 0;

	printf("\n== migration: %llu MiB of device memory on device %u\n",
	       (unsigned long long)(info->device_memory >> 20), info->device_index);
	if (!info->device_memory) {
		printf("no device memory (devmem_mb=0)\n");
		return 0;
	}
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(n);
	if (buf == MAP_FAILED || !out || !snap)
		return 1;
	buf_fill(buf, size, 7);
	dm_reset_stats(fd, 0);

	ret |= migrate_timed(fd, buf, size, DRM_DEVMIR_MIGDIR_TO_DEVICE, "to device");
	dm_snapshot(fd, buf, n, snap, NULL);
	printf("mirror: %zu of %zu pages mapped from device memory\n",
	       dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL), n);
	ret |= device_read(fd, buf, size, out, "(from device memory)");
	printf("data %s\n", buf_check(out, size, 7) == -1 ? "verified byte for byte" : "MISMATCH");
	buf_fill(out, size, 8);
	ret |= dm_write(fd, buf, size, out);
	printf("device WRITE of a new pattern into device memory: done\n");
	show_migration_stats(fd, "after MIGRATE to the device and device access");

	ret |= migrate_timed(fd, buf, size, DRM_DEVMIR_MIGDIR_TO_SYSTEM, "to system");
	printf("CPU check of the device's pattern: %s\n",
	       buf_check(buf, size, 8) == -1 ? "verified byte for byte" : "MISMATCH");

	/* CPU faults bring device pages back, one ram window at a time. */
	ret |= migrate_timed(fd, buf, size, DRM_DEVMIR_MIGDIR_TO_DEVICE, "to device");
	dm_reset_stats(fd, 0);
	t0 = now_ms();
	check = buf_check(buf, size, 8);
	t0 = now_ms() - t0;
	printf("CPU reads the buffer: %s in %.1f ms (%.0f MiB/s)\n",
	       check == -1 ? "verified byte for byte" : "MISMATCH", t0,
	       t0 > 0 ? (size / 1048576.0) / (t0 / 1e3) : 0.0);
	show_migration_stats(fd, "after the CPU touched the device pages (64 KiB ram window)");

	/* Fault-driven policy: the device's first touch migrates. */
	dm_set_window(fd, KIB(64));
	dm_set_migrate_policy(fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0);
	dm_reset_stats(fd, 0);
	ret |= device_read(fd, buf, size, out, "(policy: migrate on first fault)");
	printf("data %s\n", buf_check(out, size, 8) == -1 ? "verified byte for byte" : "MISMATCH");
	show_migration_stats(fd, "after device faults under the FIRST_FAULT policy");
	dm_set_migrate_policy(fd, DRM_DEVMIR_MIGMODE_OFF, 0);

	/* Device atomics on system memory take the page exclusive. */
	dm_to_system(fd, buf, size, NULL);
	dm_reset_stats(fd, 0);
	*(uint64_t *)buf = 40;
	ret |= dm_atomic_add(fd, buf, 2, &old);
	dm_snapshot(fd, buf, 1, snap, NULL);
	printf("device ATOMIC_ADD on system memory: old %llu, page %s\n",
	       (unsigned long long)old,
	       snap[0] & DRM_DEVMIR_SNAP_EXCLUSIVE ? "exclusive to the device" : "NOT exclusive");
	printf("CPU reads %llu", (unsigned long long)*(volatile uint64_t *)buf);
	dm_snapshot(fd, buf, 1, snap, NULL);
	printf(": exclusivity %s\n", snap[0] & DRM_DEVMIR_SNAP_EXCLUSIVE ? "KEPT" : "revoked");
	show_migration_stats(fd, "after an exclusive atomic and its revocation");

	if (!dm_debugfs_read(info->device_index, "devmem", devmem, sizeof(devmem)))
		printf("-- debugfs devmem:\n%s", devmem);
	munmap(buf, size);
	free(out);
	free(snap);
	return ret ? 1 : 0;
}

int main(void)
{
	size_t size = MIB(8), half = size / 2;
	struct drm_devmir_get_info info;
	uint8_t *buf, *out;
	char name[64], table[2048];
	int fd, ret = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	fd = dm_open(0);
	if (fd < 0) {
		printf("no devmirror render node\n");
		return 1;
	}
	dm_info(fd, &info);
	printf("device %u: ABI %u, %u-level table, %u-bit VA, TLB %u sets x %u ways, asid %u\n",
	       info.device_index, info.abi_version, info.levels, info.va_bits,
	       info.tlb_entries / info.tlb_ways, info.tlb_ways, info.asid);

	/* 8 MiB, 2 MiB aligned: the first half on THPs, the second on 4 KiB pages. */
	buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	if (buf == MAP_FAILED || !out)
		return 1;
	madvise(buf, half, MADV_HUGEPAGE);
	madvise(buf + half, half, MADV_NOHUGEPAGE);
	buf_fill(buf, size, 42);
	printf("buffer %p: %ld KiB of THP in its first half\n", (void *)buf, thp_kib(buf));

	dm_set_window(fd, KIB(64));
	dm_reset_stats(fd, 0);
	ret |= device_read(fd, buf, size, out, "(cold, 64 KiB fault-ahead)");
	printf("data %s\n", buf_check(out, size, 42) == -1 ? "verified byte for byte" : "MISMATCH");
	show_stats(fd, "after the first read");

	dm_reset_stats(fd, 0);
	ret |= device_read(fd, buf, size, out, "(warm)");
	show_stats(fd, "after the second read: no faults, TLB and walker only");

	dm_reset_stats(fd, 0);
	munmap(buf + half, half);
	show_stats(fd, "after munmap of the 4 KiB half: entries gone, directories pruned");
	printf("device READ of the unmapped half must fail:\n");
	if (!device_read(fd, buf + half, PAGE, out, "(unmapped)"))
		ret = 1;

	snprintf(name, sizeof(name), "mirror-%u/table", info.asid);
	if (!dm_debugfs_read(info.device_index, name, table, sizeof(table)))
		printf("-- debugfs mirror table (runs of leaves):\n%s", table);
	munmap(buf, half);
	show_stats(fd, "after munmap of everything: the root alone is left");
	ret |= migration_demo(fd, &info);
	close(fd);
	printf("demo %s\n", ret ? "FAILED" : "done");
	return ret ? 1 : 0;
}
