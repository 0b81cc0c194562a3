// SPDX-License-Identifier: MIT
/*
 * report.c - what the mirror reports: snapshots decoded per page, and
 * statistics read by name through the device's self-describing query.
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
_Static_assert(DEVMIR_LATENCY_BUCKETS == DRM_DEVMIR_LAT_BUCKETS, "buckets");

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
		    struct devmir_page *pages, size_t entry_size,
		    size_t *mapped)
{
	struct devmir_page page;
	uintptr_t start = (uintptr_t)addr;
	struct drm_devmir_snapshot raw;
	size_t done, n, i, total = 0;
	uint8_t *bytes;
	int ret = 0;

	if (!dev || !pages || !npages || start % 4096)
		return -EINVAL;
	if (entry_size < DEVMIR_PAGE_SIZE_3_0 ||
	    entry_size > DEVMIR_STRUCT_SIZE_MAX)
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
			ret = devmir_page_decode(&dev->info, bytes[i], &page);
			if (ret)
				goto out;
			devmir_entry_out((char *)pages +
						 (done + i) * entry_size,
					 entry_size, &page, sizeof(page));
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


/*
 * What this library knows about the statistics a device reports: a line for
 * humans. A name that is not here (a counter a newer driver registered) is
 * reported all the same, with an empty description.
 */
static const struct {
	const char *name;
	const char *description;
} devmir_stat_texts[] = {
	{ "faults", "faults serviced through hmm_range_fault()" },
	{ "faults_resolved", "queued faults already satisfied (fault-ahead)" },
	{ "fault_errors", "faults that failed" },
	{ "fault_batches", "fault batches serviced" },
	{ "hmm_calls", "hmm_range_fault() calls" },
	{ "hmm_busy", "hmm_range_fault() calls that returned -EBUSY" },
	{ "hmm_retries", "faults retried after a racing invalidation" },
	{ "pages_mapped", "4 KiB leaf entries installed" },
	{ "huge_mapped", "huge leaf entries installed" },
	{ "inv_unmap", "invalidations: munmap() and friends" },
	{ "inv_clear", "invalidations: entries cleared (MADV_DONTNEED, reclaim)" },
	{ "inv_protection_vma", "invalidations: mprotect()" },
	{ "inv_protection_page", "invalidations: pages write-protected" },
	{ "inv_soft_dirty", "invalidations: soft-dirty reset" },
	{ "inv_release", "invalidations: address space released" },
	{ "inv_migrate", "invalidations: device migration" },
	{ "inv_exclusive", "invalidations: exclusive device access" },
	{ "inv_other", "invalidations: other events" },
	{ "inv_skipped", "invalidations skipped: caused by the device" },
	{ "inv_retry", "non-blocking invalidations refused while busy" },
	{ "inv_two_pass", "invalidations whose device shootdown was waited for in a second pass" },
	{ "pages_invalidated", "4 KiB pages unmapped from the mirror" },
	{ "pages_protected", "4 KiB pages downgraded to read-only" },
	{ "migrated_to_device", "pages migrated into device memory" },
	{ "migrated_to_system", "pages migrated back to system memory" },
	{ "migrate_bytes", "bytes copied by migrations" },
	{ "migrate_failed", "pages a migration could not move" },
	{ "ram_faults", "CPU faults on device pages" },
	{ "evictions", "device pages evicted for lack of room" },
	{ "policy_migrations", "device faults migrated by the fault policy" },
	{ "remote_faults", "device faults on a peer device's pages" },
	{ "exclusive_grants", "pages made exclusive for device atomics" },
	{ "pages_dirtied", "pages the device wrote, dirtied when unmapped" },
	{ "thrash_trips", "regions migrated again after a CPU fault took them back" },
	{ "thrash_detected", "times a region was found thrashing" },
	{ "thrash_held", "device faults mirrored in system memory: region held" },
	{ "migrate_retries", "migration passes made again for busy pages" },
	{ "migrate_setup_ns", "ns migrations spent collecting, unmapping pages" },
	{ "migrate_alloc_ns", "ns migrations spent allocating destinations" },
	{ "migrate_copy_ns", "ns migrations spent copying" },
	{ "migrate_pages_ns", "ns migrations spent switching page metadata" },
	{ "migrate_finalize_ns", "ns migrations spent remapping pages" },
	{ "migrate_refresh_ns", "ns migrations spent refreshing the mirror" },
	{ "dirs_pruned", "directories freed because they became empty" },
	{ "splits", "huge leaves split by partial invalidations" },
	{ "table_bytes", "bytes allocated for directories" },
	{ "mirrors", "live mirrors" },
	{ "devmem_pages", "pages of device memory" },
	{ "devmem_used", "device pages in use" },
	{ "faults_raised", "translation misses queued as device faults" },
	{ "faults_coalesced", "misses dropped: page already queued" },
	{ "tlb_hits", "device TLB hits" },
	{ "tlb_misses", "device TLB misses" },
	{ "tlb_shootdowns", "device TLB shootdowns" },
	{ "tlb_flushed", "device TLB entries dropped by shootdowns" },
	{ "walks", "page-table walks by the device walker" },
	{ "walk_levels", "directories read by those walks" },
	{ "accesses", "access commands executed" },
	{ "exclusive_fallbacks", "atomics without exclusive access" },
};

static const char *devmir_stat_text(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(devmir_stat_texts); i++)
		if (!strcmp(devmir_stat_texts[i].name, name))
			return devmir_stat_texts[i].description;
	if (!strncmp(name, "table_entries_l", 15))
		return "valid leaf entries at this level (0 = leaf)";
	if (!strncmp(name, "table_dirs_l", 12))
		return "live directories at this level (0 = leaf)";
	return "";
}

static int devmir_query(int fd, uint32_t query, uint32_t flags, void *data,
			uint32_t *size)
{
	struct drm_devmir_query raw;
	int ret;

	memset(&raw, 0, sizeof(raw));
	raw.query = query;
	raw.flags = flags;
	raw.size = *size;
	raw.data = (uintptr_t)data;
	ret = devmir_ioctl(fd, DRM_IOCTL_DEVMIR_QUERY, &raw);
	if (!ret)
		*size = raw.size;
	return ret;
}

/*
 * A QUERY answer in a buffer of its own: ask the size, allocate it (at
 * least @min bytes, else -EPROTO), ask again. On success *@out is the
 * answer (free() it) and *@size its size.
 */
static int devmir_query_alloc(int fd, uint32_t query, uint32_t flags,
			      size_t min, void **out, uint32_t *size)
{
	void *raw;
	int ret;

	*size = 0;
	ret = devmir_query(fd, query, flags, NULL, size);
	if (ret)
		return ret;
	if (*size < min)
		return -EPROTO;
	raw = calloc(1, *size);
	if (!raw)
		return -ENOMEM;
	ret = devmir_query(fd, query, flags, raw, size);
	if (ret) {
		free(raw);
		return ret;
	}
	*out = raw;
	return 0;
}

int devmir_stats_load(struct devmir_dev *dev)
{
	struct drm_devmir_query_stat_desc *raw;
	struct devmir_stat_field *fields;
	char(*names)[DRM_DEVMIR_STAT_NAME_LEN];
	uint32_t size, i, n;
	int ret;

	ret = devmir_query_alloc(dev->fd, DRM_DEVMIR_QUERY_STAT_DESC, 0,
				 sizeof(*raw), (void **)&raw, &size);
	if (ret)
		return ret;
	n = raw->count;
	if ((size_t)size < sizeof(*raw) + (size_t)n * sizeof(raw->desc[0])) {
		free(raw);
		return -EPROTO;
	}
	fields = calloc(n ? n : 1, sizeof(*fields));
	names = calloc(n ? n : 1, sizeof(*names));
	if (!fields || !names) {
		free(fields);
		free(names);
		free(raw);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		memcpy(names[i], raw->desc[i].name, sizeof(names[i]));
		names[i][sizeof(names[i]) - 1] = '\0';
		fields[i].name = names[i];
		fields[i].description = devmir_stat_text(names[i]);
		fields[i].counter = raw->desc[i].kind != DRM_DEVMIR_STAT_GAUGE;
		fields[i].driver = raw->desc[i].flags & DRM_DEVMIR_STAT_DRIVER;
	}
	free(raw);
	dev->stat_fields = fields;
	dev->stat_names = names;
	dev->nr_stats = n;
	return 0;
}

void devmir_stats_unload(struct devmir_dev *dev)
{
	free(dev->stat_fields);
	free(dev->stat_names);
	dev->stat_fields = NULL;
	dev->stat_names = NULL;
	dev->nr_stats = 0;
}

static int devmir_scope_flags(enum devmir_stats_scope scope, uint32_t *query,
			      uint32_t *reset)
{
	switch (scope) {
	case DEVMIR_STATS_MIRROR:
		*query = 0;
		*reset = 0;
		return 0;
	case DEVMIR_STATS_DEVICE:
		*query = DRM_DEVMIR_QUERY_DEVICE;
		*reset = DRM_DEVMIR_STATS_DEVICE;
		return 0;
	}
	return -EINVAL;
}

int devmir_stat_fields(const struct devmir_dev *dev,
		       const struct devmir_stat_field **fields,
		       unsigned int *count)
{
	if (!dev)
		return -EINVAL;
	if (fields)
		*fields = dev->stat_fields;
	if (count)
		*count = dev->nr_stats;
	return 0;
}

int devmir_stat_find(const struct devmir_dev *dev, const char *name)
{
	unsigned int i;

	if (!dev || !name)
		return -EINVAL;
	for (i = 0; i < dev->nr_stats; i++)
		if (!strcmp(dev->stat_fields[i].name, name))
			return i;
	return -ENOENT;
}

int devmir_stat_read(struct devmir_dev *dev, enum devmir_stats_scope scope,
		     uint64_t *values, unsigned int count)
{
	struct drm_devmir_query_stat_values *raw;
	uint32_t flags, unused, size;
	int ret;

	if (!dev || !values || devmir_scope_flags(scope, &flags, &unused) ||
	    count < dev->nr_stats)
		return -EINVAL;
	size = sizeof(*raw) + dev->nr_stats * sizeof(raw->values[0]);
	raw = malloc(size);
	if (!raw)
		return -ENOMEM;
	ret = devmir_query(dev->fd, DRM_DEVMIR_QUERY_STAT_VALUES, flags, raw,
			   &size);
	if (!ret && raw->count != dev->nr_stats)
		ret = -EPROTO;
	if (!ret)
		memcpy(values, raw->values, dev->nr_stats * sizeof(*values));
	free(raw);
	return ret;
}

uint64_t devmir_stat_value(const struct devmir_dev *dev, const uint64_t *values,
			   const char *name)
{
	int i = devmir_stat_find(dev, name);

	return i < 0 || !values ? 0 : values[i];
}

void devmir_stat_delta(const struct devmir_dev *dev, uint64_t *delta,
		       const uint64_t *after, const uint64_t *before)
{
	unsigned int i;
	uint64_t a, b;

	for (i = 0; i < dev->nr_stats; i++) {
		a = after[i];
		b = before[i];
		delta[i] = dev->stat_fields[i].counter && a >= b ? a - b : a;
	}
}

int devmir_reset_stats(struct devmir_dev *dev, enum devmir_stats_scope scope)
{
	struct drm_devmir_reset_stats raw;
	uint32_t flags, unused;

	if (!dev || devmir_scope_flags(scope, &unused, &flags))
		return -EINVAL;
	memset(&raw, 0, sizeof(raw));
	raw.flags = flags;
	return devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_RESET_STATS, &raw);
}

int devmir_latency_read(struct devmir_dev *dev, enum devmir_stats_scope scope,
			struct devmir_latency *hists, unsigned int max,
			size_t entry_size, unsigned int *count)
{
	struct drm_devmir_query_latency *raw;
	struct devmir_latency one;
	uint32_t flags, unused, size, i, n;
	int ret;

	if (!dev || devmir_scope_flags(scope, &flags, &unused) ||
	    (max && !hists))
		return -EINVAL;
	if (max && (entry_size < DEVMIR_LATENCY_SIZE_3_1 ||
		    entry_size > DEVMIR_STRUCT_SIZE_MAX))
		return -EINVAL;
	ret = devmir_query_alloc(dev->fd, DRM_DEVMIR_QUERY_LATENCY, flags,
				 sizeof(*raw), (void **)&raw, &size);
	/* A well-formed query refused: a driver from before histograms. */
	if (ret == -EINVAL)
		return -EOPNOTSUPP;
	if (ret)
		return ret;
	n = raw->count;
	if ((size_t)size < sizeof(*raw) + (size_t)n * sizeof(raw->hist[0]) ||
	    raw->nbuckets != DRM_DEVMIR_LAT_BUCKETS)
		ret = -EPROTO;
	for (i = 0; !ret && i < n && i < max; i++) {
		memset(&one, 0, sizeof(one));
		memcpy(one.name, raw->hist[i].name, sizeof(one.name));
		one.name[sizeof(one.name) - 1] = '\0';
		one.count = raw->hist[i].count;
		one.sum_ns = raw->hist[i].sum_ns;
		one.max_ns = raw->hist[i].max_ns;
		memcpy(one.buckets, raw->hist[i].buckets, sizeof(one.buckets));
		devmir_entry_out((char *)hists + i * entry_size, entry_size,
				 &one, sizeof(one));
	}
	free(raw);
	if (!ret && count)
		*count = n;
	return ret;
}

uint64_t devmir_latency_quantile(const struct devmir_latency *hist, double q)
{
	uint64_t seen = 0, need, bound;
	unsigned int i;

	if (!hist || !hist->count || !(q >= 0 && q <= 1))
		return 0;
	/* The rank of the quantile, at least the first sample. */
	need = (uint64_t)(q * (double)hist->count + 0.999999);
	if (!need)
		need = 1;
	for (i = 0; i < DEVMIR_LATENCY_BUCKETS; i++) {
		seen += hist->buckets[i];
		if (seen >= need)
			break;
	}
	if (i >= DEVMIR_LATENCY_BUCKETS - 1)
		return hist->max_ns;
	bound = (2ULL << i) - 1;
	return bound < hist->max_ns ? bound : hist->max_ns;
}
