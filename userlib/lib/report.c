// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - what the mirror reports: snapshots decoded per page, and
 * statistics with a field table for generic printing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Snapshot bytes fetched per ioctl: bounds the library's buffer. */
#define DEVMIR_SNAP_CHUNK 65536UL

_Static_assert(DEVMIR_SNAP_CHUNK <= DRM_DEVMIR_SNAPSHOT_MAX_PAGES, "chunk");

#define DEVMIR_SNAP_KNOWN                                         \
	(DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE |           \
	 DRM_DEVMIR_SNAP_DEV_LOCAL | DRM_DEVMIR_SNAP_DEV_REMOTE | \
	 DRM_DEVMIR_SNAP_EXCLUSIVE)

/* One snapshot byte to a page; -EPROTO for a byte no driver should send. */
static int devmir_page_decode(const struct devmir_info *info, uint8_t byte,
			      struct devmir_page *page)
{
	uint8_t flags = byte & ((1U << DRM_DEVMIR_SNAP_LEVEL_SHIFT) - 1);
	unsigned int level = DRM_DEVMIR_SNAP_LEVEL(byte);

	memset(page, 0, sizeof(*page));
	if (byte == DRM_DEVMIR_SNAP_NONE)
		return 0;
	/* Not mapped here: the page lives in a peer device's memory. */
	if (byte == DRM_DEVMIR_SNAP_DEV_REMOTE) {
		page->state = DEVMIR_PAGE_REMOTE;
		return 0;
	}
	if (!(flags & DRM_DEVMIR_SNAP_READ) || flags & ~DEVMIR_SNAP_KNOWN)
		return -EPROTO;
	if ((flags & DRM_DEVMIR_SNAP_DEV_LOCAL) &&
	    (flags & DRM_DEVMIR_SNAP_DEV_REMOTE))
		return -EPROTO;
	if (level >= info->levels || !(info->leaf_levels & (1U << level)))
		return -EPROTO;

	page->writable = flags & DRM_DEVMIR_SNAP_WRITE;
	page->exclusive = flags & DRM_DEVMIR_SNAP_EXCLUSIVE;
	page->level = level;
	page->leaf_size = 1ULL << info->level_shift[level];
	if (flags & DRM_DEVMIR_SNAP_DEV_LOCAL)
		page->state = DEVMIR_PAGE_DEVICE;
	else if (flags & DRM_DEVMIR_SNAP_DEV_REMOTE)
		page->state = DEVMIR_PAGE_REMOTE;
	else if (page->writable)
		page->state = DEVMIR_PAGE_READ_WRITE;
	else
		page->state = DEVMIR_PAGE_READ_ONLY;
	return 0;
}

int devmir_snapshot(struct devmir_dev *dev, const void *addr, size_t npages,
		    struct devmir_page *pages, size_t *mapped)
{
	uintptr_t start = (uintptr_t)addr;
	struct drm_devmir_snapshot raw;
	size_t done, n, i, total = 0;
	uint8_t *bytes;
	int ret = 0;

	if (!dev || !pages || !npages || start % 4096)
		return -EINVAL;
	if (npages > (UINTPTR_MAX - start) / 4096)
		return -EINVAL;

	bytes = malloc(npages < DEVMIR_SNAP_CHUNK ? npages : DEVMIR_SNAP_CHUNK);
	if (!bytes)
		return -ENOMEM;
	for (done = 0; done < npages; done += n) {
		n = npages - done;
		if (n > DEVMIR_SNAP_CHUNK)
			n = DEVMIR_SNAP_CHUNK;
		memset(&raw, 0, sizeof(raw));
		raw.addr = start + done * 4096;
		raw.npages = n;
		raw.buffer = (uintptr_t)bytes;
		ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &raw);
		if (ret)
			break;
		for (i = 0; i < n; i++) {
			ret = devmir_page_decode(&dev->info, bytes[i],
						 &pages[done + i]);
			if (ret)
				goto out;
		}
		total += raw.mapped;
	}
out:
	free(bytes);
	if (!ret && mapped)
		*mapped = total;
	return ret;
}

const char *devmir_page_state_name(enum devmir_page_state state)
{
	switch (state) {
	case DEVMIR_PAGE_UNMAPPED:
		return "unmapped";
	case DEVMIR_PAGE_READ_ONLY:
		return "read-only";
	case DEVMIR_PAGE_READ_WRITE:
		return "read-write";
	case DEVMIR_PAGE_DEVICE:
		return "device";
	case DEVMIR_PAGE_REMOTE:
		return "remote";
	}
	return "invalid";
}

static int devmir_scope_flags(enum devmir_stats_scope scope, uint32_t *flags)
{
	switch (scope) {
	case DEVMIR_STATS_MIRROR:
		*flags = 0;
		return 0;
	case DEVMIR_STATS_DEVICE:
		*flags = DRM_DEVMIR_STATS_DEVICE;
		return 0;
	}
	return -EINVAL;
}

int devmir_get_stats(struct devmir_dev *dev, enum devmir_stats_scope scope,
		     struct devmir_stats *stats)
{
	struct drm_devmir_stats raw;
	unsigned int i;
	uint32_t flags;
	int ret;

	if (!dev || !stats || devmir_scope_flags(scope, &flags))
		return -EINVAL;
	memset(&raw, 0, sizeof(raw));
	raw.flags = flags;
	ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_STATS, &raw);
	if (ret)
		return ret;

	stats->faults_raised = raw.faults_raised;
	stats->faults_coalesced = raw.faults_coalesced;
	stats->faults = raw.faults;
	stats->faults_resolved = raw.faults_resolved;
	stats->fault_errors = raw.fault_errors;
	stats->fault_batches = raw.fault_batches;
	stats->hmm_calls = raw.hmm_calls;
	stats->hmm_busy = raw.hmm_busy;
	stats->hmm_retries = raw.hmm_retries;
	stats->pages_mapped = raw.pages_mapped;
	stats->huge_mapped = raw.huge_mapped;
	stats->tlb_hits = raw.tlb_hits;
	stats->tlb_misses = raw.tlb_misses;
	stats->tlb_shootdowns = raw.tlb_shootdowns;
	stats->tlb_flushed = raw.tlb_flushed;
	stats->walks = raw.walks;
	stats->walk_levels = raw.walk_levels;
	stats->accesses = raw.accesses;
	for (i = 0; i < DEVMIR_INV_EVENTS; i++)
		stats->invalidations[i] = raw.invalidations[i];
	stats->inv_skipped = raw.inv_skipped;
	stats->inv_retry = raw.inv_retry;
	stats->pages_invalidated = raw.pages_invalidated;
	stats->pages_protected = raw.pages_protected;
	for (i = 0; i < DEVMIR_MAX_LEVELS; i++) {
		stats->table_entries[i] = raw.table_entries[i];
		stats->table_dirs[i] = raw.table_dirs[i];
	}
	stats->table_bytes = raw.table_bytes;
	stats->dirs_pruned = raw.dirs_pruned;
	stats->splits = raw.splits;
	stats->mirrors = raw.mirrors;
	stats->migrated_to_device = raw.migrated_to_device;
	stats->migrated_to_system = raw.migrated_to_system;
	stats->migrate_bytes = raw.migrate_bytes;
	stats->migrate_failed = raw.migrate_failed;
	stats->ram_faults = raw.ram_faults;
	stats->evictions = raw.evictions;
	stats->policy_migrations = raw.policy_migrations;
	stats->remote_faults = raw.remote_faults;
	stats->exclusive_grants = raw.exclusive_grants;
	stats->exclusive_fallbacks = raw.exclusive_fallbacks;
	stats->devmem_pages = raw.devmem_pages;
	stats->devmem_used = raw.devmem_used;
	return 0;
}

int devmir_reset_stats(struct devmir_dev *dev, enum devmir_stats_scope scope)
{
	struct drm_devmir_reset_stats raw;
	uint32_t flags;

	if (!dev || devmir_scope_flags(scope, &flags))
		return -EINVAL;
	memset(&raw, 0, sizeof(raw));
	raw.flags = flags;
	return devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_RESET_STATS, &raw);
}

#define COUNTER(member, desc)                                              \
	{                                                                  \
#member, desc, true, offsetof(struct devmir_stats, member) \
	}
#define FIGURE(member, desc)                                                \
	{                                                                   \
#member, desc, false, offsetof(struct devmir_stats, member) \
	}
#define INV(event, name)                                                       \
	{                                                                      \
		"invalidations." name, "invalidations: " name " events", true, \
			offsetof(struct devmir_stats, invalidations) +         \
				(event) * sizeof(uint64_t)                     \
	}
#define LEVEL(member, l, desc)                                  \
	{                                                       \
#member ".l" #l, desc " at level " #l, false,   \
			offsetof(struct devmir_stats, member) + \
				(l) * sizeof(uint64_t)          \
	}

_Static_assert(DEVMIR_MAX_LEVELS == 8, "the table lists 8 levels");

static const struct devmir_stat_field devmir_fields[] = {
	COUNTER(faults_raised, "translation misses queued as device faults"),
	COUNTER(faults_coalesced, "misses dropped: page already queued"),
	COUNTER(faults, "faults serviced through hmm_range_fault()"),
	COUNTER(faults_resolved,
		"queued faults already satisfied (fault-ahead)"),
	COUNTER(fault_errors, "faults that failed"),
	COUNTER(fault_batches, "fault batches serviced"),
	COUNTER(hmm_calls, "hmm_range_fault() calls"),
	COUNTER(hmm_busy, "hmm_range_fault() calls that returned -EBUSY"),
	COUNTER(hmm_retries, "faults retried after a racing invalidation"),
	COUNTER(pages_mapped, "4 KiB leaf entries installed"),
	COUNTER(huge_mapped, "huge leaf entries installed"),
	COUNTER(tlb_hits, "device TLB hits"),
	COUNTER(tlb_misses, "device TLB misses"),
	COUNTER(tlb_shootdowns, "device TLB shootdowns"),
	COUNTER(tlb_flushed, "device TLB entries dropped by shootdowns"),
	COUNTER(walks, "page-table walks by the device walker"),
	COUNTER(walk_levels, "directories read by those walks"),
	COUNTER(accesses, "access commands executed"),
	INV(DEVMIR_INV_UNMAP, "unmap"),
	INV(DEVMIR_INV_CLEAR, "clear"),
	INV(DEVMIR_INV_PROTECTION_VMA, "protection_vma"),
	INV(DEVMIR_INV_PROTECTION_PAGE, "protection_page"),
	INV(DEVMIR_INV_SOFT_DIRTY, "soft_dirty"),
	INV(DEVMIR_INV_RELEASE, "release"),
	INV(DEVMIR_INV_MIGRATE, "migrate"),
	INV(DEVMIR_INV_EXCLUSIVE, "exclusive"),
	COUNTER(inv_skipped, "invalidations skipped: caused by the device"),
	COUNTER(inv_retry, "non-blocking invalidations refused while busy"),
	COUNTER(pages_invalidated, "4 KiB pages unmapped from the mirror"),
	COUNTER(pages_protected, "4 KiB pages downgraded to read-only"),
	LEVEL(table_entries, 0, "valid leaf entries"),
	LEVEL(table_entries, 1, "valid leaf entries"),
	LEVEL(table_entries, 2, "valid leaf entries"),
	LEVEL(table_entries, 3, "valid leaf entries"),
	LEVEL(table_entries, 4, "valid leaf entries"),
	LEVEL(table_entries, 5, "valid leaf entries"),
	LEVEL(table_entries, 6, "valid leaf entries"),
	LEVEL(table_entries, 7, "valid leaf entries"),
	LEVEL(table_dirs, 0, "live directories"),
	LEVEL(table_dirs, 1, "live directories"),
	LEVEL(table_dirs, 2, "live directories"),
	LEVEL(table_dirs, 3, "live directories"),
	LEVEL(table_dirs, 4, "live directories"),
	LEVEL(table_dirs, 5, "live directories"),
	LEVEL(table_dirs, 6, "live directories"),
	LEVEL(table_dirs, 7, "live directories"),
	FIGURE(table_bytes, "bytes allocated for directories"),
	COUNTER(dirs_pruned, "directories freed because they became empty"),
	COUNTER(splits, "huge leaves split by partial invalidations"),
	FIGURE(mirrors, "live mirrors"),
	COUNTER(migrated_to_device, "pages migrated into device memory"),
	COUNTER(migrated_to_system, "pages migrated back to system memory"),
	COUNTER(migrate_bytes, "bytes copied by migrations"),
	COUNTER(migrate_failed, "pages a migration could not move"),
	COUNTER(ram_faults, "CPU faults on device pages"),
	COUNTER(evictions, "device pages evicted for lack of room"),
	COUNTER(policy_migrations,
		"device faults migrated by the fault policy"),
	COUNTER(remote_faults, "device faults on a peer device's pages"),
	COUNTER(exclusive_grants, "pages made exclusive for device atomics"),
	COUNTER(exclusive_fallbacks, "atomics without exclusive access"),
	FIGURE(devmem_pages, "pages of device memory"),
	FIGURE(devmem_used, "device pages in use"),
};

/* Every value of struct devmir_stats is described, once. */
_Static_assert(ARRAY_SIZE(devmir_fields) ==
		       sizeof(struct devmir_stats) / sizeof(uint64_t),
	       "fields");

const struct devmir_stat_field *devmir_stat_fields(unsigned int *count)
{
	if (count)
		*count = ARRAY_SIZE(devmir_fields);
	return devmir_fields;
}

uint64_t devmir_stat_value(const struct devmir_stats *stats,
			   const struct devmir_stat_field *field)
{
	uint64_t value;

	memcpy(&value, (const char *)stats + field->offset, sizeof(value));
	return value;
}

void devmir_stats_delta(struct devmir_stats *delta,
			const struct devmir_stats *after,
			const struct devmir_stats *before)
{
	struct devmir_stats result;
	uint64_t a, b, v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(devmir_fields); i++) {
		const struct devmir_stat_field *f = &devmir_fields[i];

		a = devmir_stat_value(after, f);
		b = devmir_stat_value(before, f);
		v = f->counter && a >= b ? a - b : a;
		memcpy((char *)&result + f->offset, &v, sizeof(v));
	}
	*delta = result;
}
