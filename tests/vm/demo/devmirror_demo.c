// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_demo - the guest side of `make run`: a simulated device reads a
 * process's memory through its mirror, and the statistics show the faults,
 * the TLB, the walker, huge entries and the pruning that result.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	close(fd);
	printf("demo %s\n", ret ? "FAILED" : "done");
	return ret ? 1 : 0;
}
