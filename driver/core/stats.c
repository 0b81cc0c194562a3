// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - statistics: per-mirror and per-device counters and the mirror
 * table's accounting.
 */
#include <linux/ctype.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "internal.h"

static const char *const devmir_stat_names[DEVMIR_STAT_NR] = {
	[DEVMIR_STAT_FAULTS] = "faults",
	[DEVMIR_STAT_FAULTS_RESOLVED] = "faults_resolved",
	[DEVMIR_STAT_FAULT_ERRORS] = "fault_errors",
	[DEVMIR_STAT_FAULT_BATCHES] = "fault_batches",
	[DEVMIR_STAT_HMM_CALLS] = "hmm_calls",
	[DEVMIR_STAT_HMM_BUSY] = "hmm_busy",
	[DEVMIR_STAT_HMM_RETRIES] = "hmm_retries",
	[DEVMIR_STAT_PAGES_MAPPED] = "pages_mapped",
	[DEVMIR_STAT_HUGE_MAPPED] = "huge_mapped",
	[DEVMIR_STAT_INV_UNMAP] = "inv_unmap",
	[DEVMIR_STAT_INV_CLEAR] = "inv_clear",
	[DEVMIR_STAT_INV_PROTECTION_VMA] = "inv_protection_vma",
	[DEVMIR_STAT_INV_PROTECTION_PAGE] = "inv_protection_page",
	[DEVMIR_STAT_INV_SOFT_DIRTY] = "inv_soft_dirty",
	[DEVMIR_STAT_INV_RELEASE] = "inv_release",
	[DEVMIR_STAT_INV_MIGRATE] = "inv_migrate",
	[DEVMIR_STAT_INV_EXCLUSIVE] = "inv_exclusive",
	[DEVMIR_STAT_INV_OTHER] = "inv_other",
	[DEVMIR_STAT_INV_SKIPPED] = "inv_skipped",
	[DEVMIR_STAT_INV_RETRY] = "inv_retry",
	[DEVMIR_STAT_PAGES_INVALIDATED] = "pages_invalidated",
	[DEVMIR_STAT_PAGES_PROTECTED] = "pages_protected",
	[DEVMIR_STAT_MIGRATED_TO_DEVICE] = "migrated_to_device",
	[DEVMIR_STAT_MIGRATED_TO_SYSTEM] = "migrated_to_system",
	[DEVMIR_STAT_MIGRATE_BYTES] = "migrate_bytes",
	[DEVMIR_STAT_MIGRATE_FAILED] = "migrate_failed",
	[DEVMIR_STAT_RAM_FAULTS] = "ram_faults",
	[DEVMIR_STAT_EVICTIONS] = "evictions",
	[DEVMIR_STAT_POLICY_MIGRATIONS] = "policy_migrations",
	[DEVMIR_STAT_REMOTE_FAULTS] = "remote_faults",
	[DEVMIR_STAT_EXCLUSIVE_GRANTS] = "exclusive_grants",
	[DEVMIR_STAT_PAGES_DIRTIED] = "pages_dirtied",
	[DEVMIR_STAT_THRASH_TRIPS] = "thrash_trips",
	[DEVMIR_STAT_THRASH_DETECTED] = "thrash_detected",
	[DEVMIR_STAT_THRASH_HELD] = "thrash_held",
	[DEVMIR_STAT_MIGRATE_RETRIES] = "migrate_retries",
	[DEVMIR_STAT_MIGRATE_SETUP_NS] = "migrate_setup_ns",
	[DEVMIR_STAT_MIGRATE_ALLOC_NS] = "migrate_alloc_ns",
	[DEVMIR_STAT_MIGRATE_COPY_NS] = "migrate_copy_ns",
	[DEVMIR_STAT_MIGRATE_PAGES_NS] = "migrate_pages_ns",
	[DEVMIR_STAT_MIGRATE_FINALIZE_NS] = "migrate_finalize_ns",
	[DEVMIR_STAT_MIGRATE_REFRESH_NS] = "migrate_refresh_ns",
	[DEVMIR_STAT_THP_MIGRATED] = "thp_migrated",
	[DEVMIR_STAT_THP_FALLBACKS] = "thp_fallbacks",
	[DEVMIR_STAT_INV_TWO_PASS] = "inv_two_pass",
};

static const char *const devmir_lat_names[DEVMIR_LAT_NR] = {
	[DEVMIR_LAT_FAULT_4K] = "fault_4k",
	[DEVMIR_LAT_FAULT_64K] = "fault_64k",
	[DEVMIR_LAT_FAULT_2M] = "fault_2m",
	[DEVMIR_LAT_TO_DEVICE_4K] = "to_device_4k",
	[DEVMIR_LAT_TO_DEVICE_64K] = "to_device_64k",
	[DEVMIR_LAT_TO_DEVICE_2M] = "to_device_2m",
	[DEVMIR_LAT_TO_SYSTEM_4K] = "to_system_4k",
	[DEVMIR_LAT_TO_SYSTEM_64K] = "to_system_64k",
	[DEVMIR_LAT_TO_SYSTEM_2M] = "to_system_2m",
	[DEVMIR_LAT_INVALIDATE] = "invalidate",
};

/*
 * The values reported after the counters, in this order: table and device
 * memory figures, then two gauges per level of the device's format
 * (entries, directories; level 0 = leaf), then the driver's counters.
 */
enum devmir_report_fixed {
	DEVMIR_REPORT_DIRS_PRUNED,
	DEVMIR_REPORT_SPLITS,
	DEVMIR_REPORT_TABLE_BYTES,
	DEVMIR_REPORT_MIRRORS,
	DEVMIR_REPORT_DEVMEM_PAGES,
	DEVMIR_REPORT_DEVMEM_USED,
	DEVMIR_REPORT_FIXED_NR
};

static const struct devmir_stat_desc devmir_report_fixed[DEVMIR_REPORT_FIXED_NR] = {
	[DEVMIR_REPORT_DIRS_PRUNED] = { "dirs_pruned", DEVMIR_STAT_KIND_COUNTER },
	[DEVMIR_REPORT_SPLITS] = { "splits", DEVMIR_STAT_KIND_COUNTER },
	[DEVMIR_REPORT_TABLE_BYTES] = { "table_bytes", DEVMIR_STAT_KIND_GAUGE },
	[DEVMIR_REPORT_MIRRORS] = { "mirrors", DEVMIR_STAT_KIND_GAUGE },
	[DEVMIR_REPORT_DEVMEM_PAGES] = { "devmem_pages", DEVMIR_STAT_KIND_GAUGE },
	[DEVMIR_REPORT_DEVMEM_USED] = { "devmem_used", DEVMIR_STAT_KIND_GAUGE },
};

static const char *const devmir_level_entries_names[DMPT_MAX_LEVELS] = {
	"table_entries_l0", "table_entries_l1", "table_entries_l2",
	"table_entries_l3", "table_entries_l4", "table_entries_l5",
};

static const char *const devmir_level_dirs_names[DMPT_MAX_LEVELS] = {
	"table_dirs_l0", "table_dirs_l1", "table_dirs_l2",
	"table_dirs_l3", "table_dirs_l4", "table_dirs_l5",
};

static_assert(DMPT_MAX_LEVELS == 6, "one name per level above");

/**
 * devmir_stat_name() - Name of a framework counter, as reported.
 * @stat: The counter.
 *
 * Context: Any context.
 * Return: A constant string.
 */
const char *devmir_stat_name(enum devmir_stat stat)
{
	return stat < DEVMIR_STAT_NR && devmir_stat_names[stat] ?
	       devmir_stat_names[stat] : "?";
}

/* Whether @name is one of the names the core reports itself. */
static bool devmir_stat_name_is_core(const char *name)
{
	unsigned int i;

	for (i = 0; i < DEVMIR_STAT_NR; i++)
		if (!strcmp(name, devmir_stat_names[i]))
			return true;
	for (i = 0; i < DEVMIR_REPORT_FIXED_NR; i++)
		if (!strcmp(name, devmir_report_fixed[i].name))
			return true;
	return !strncmp(name, "table_entries_l", 15) ||
	       !strncmp(name, "table_dirs_l", 12);
}

static bool devmir_stat_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, DEVMIR_STAT_NAME_LEN);
	if (!len || len >= DEVMIR_STAT_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!(islower(name[i]) || isdigit(name[i]) || name[i] == '_'))
			return false;
	return true;
}

/**
 * devmir_stats_check_desc() - Validate the counters a driver registers.
 * @desc: The device description.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL when there are more than %DEVMIR_DRIVER_STATS_MAX,
 * the array is missing, or a name is invalid, repeated or the core's.
 */
int devmir_stats_check_desc(const struct devmir_device_desc *desc)
{
	unsigned int i, j;

	if (!desc->nr_driver_stats)
		return 0;
	if (desc->nr_driver_stats > DEVMIR_DRIVER_STATS_MAX || !desc->driver_stats)
		return -EINVAL;
	for (i = 0; i < desc->nr_driver_stats; i++) {
		const char *name = desc->driver_stats[i];

		if (!devmir_stat_name_valid(name) || devmir_stat_name_is_core(name))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(name, desc->driver_stats[j]))
				return -EINVAL;
	}
	return 0;
}

/**
 * devmir_stat_add() - Count framework events on a mirror and its device.
 * @mirror: The mirror the events belong to.
 * @stat: The counter.
 * @n: Number of events.
 *
 * Context: Any context; lock-free.
 */
void devmir_stat_add(struct devmir_mirror *mirror, enum devmir_stat stat, u64 n)
{
	if (WARN_ON_ONCE(stat >= DEVMIR_STAT_NR) || !n)
		return;
	atomic64_add(n, &mirror->counters.c[stat]);
	atomic64_add(n, &mirror->dev->counters.c[stat]);
}
EXPORT_SYMBOL_GPL(devmir_stat_add);

/**
 * devmir_driver_stat_add() - Count device-side events in a driver counter.
 * @mirror: The mirror the events belong to.
 * @id: The counter: its index in &devmir_device_desc.driver_stats.
 * @n: Number of events.
 *
 * The driver's own counters (TLB, walker, fault queue, commands ...) are
 * kept per mirror and per device like the core's, reset with them and
 * reported under the names the driver registered.
 *
 * Context: Any context; lock-free.
 */
void devmir_driver_stat_add(struct devmir_mirror *mirror, unsigned int id, u64 n)
{
	if (WARN_ON_ONCE(id >= mirror->dev->nr_driver_stats) || !n)
		return;
	atomic64_add(n, &mirror->counters.drv[id]);
	atomic64_add(n, &mirror->dev->counters.drv[id]);
}
EXPORT_SYMBOL_GPL(devmir_driver_stat_add);

/**
 * devmir_stat_add_invalidation() - Count an invalidation by its event.
 * @mirror: The mirror that received it.
 * @event: The mmu_notifier event.
 *
 * The kernel's event numbering is not the core's: the table below names
 * every event the core counts; any other lands in "inv_other".
 *
 * Context: Any context; lock-free.
 */
void devmir_stat_add_invalidation(struct devmir_mirror *mirror,
				  enum mmu_notifier_event event)
{
	enum devmir_stat stat;

	switch (event) {
	case MMU_NOTIFY_UNMAP:
		stat = DEVMIR_STAT_INV_UNMAP;
		break;
	case MMU_NOTIFY_CLEAR:
		stat = DEVMIR_STAT_INV_CLEAR;
		break;
	case MMU_NOTIFY_PROTECTION_VMA:
		stat = DEVMIR_STAT_INV_PROTECTION_VMA;
		break;
	case MMU_NOTIFY_PROTECTION_PAGE:
		stat = DEVMIR_STAT_INV_PROTECTION_PAGE;
		break;
	case MMU_NOTIFY_SOFT_DIRTY:
		stat = DEVMIR_STAT_INV_SOFT_DIRTY;
		break;
	case MMU_NOTIFY_RELEASE:
		stat = DEVMIR_STAT_INV_RELEASE;
		break;
	case MMU_NOTIFY_MIGRATE:
		stat = DEVMIR_STAT_INV_MIGRATE;
		break;
	case MMU_NOTIFY_EXCLUSIVE:
		stat = DEVMIR_STAT_INV_EXCLUSIVE;
		break;
	default:
		stat = DEVMIR_STAT_INV_OTHER;
		break;
	}
	devmir_stat_add(mirror, stat, 1);
}

/**
 * devmir_device_stat_add() - Count events that belong to a device only.
 * @dev: The device context.
 * @stat: The counter.
 * @n: Number of events.
 *
 * For events without a mirror: evictions (the victims may belong to any
 * process), CPU faults of processes that have no mirror on the device.
 *
 * Context: Any context; lock-free.
 */
void devmir_device_stat_add(struct devmir_device *dev, enum devmir_stat stat,
			    u64 n)
{
	if (WARN_ON_ONCE(stat >= DEVMIR_STAT_NR) || !n)
		return;
	atomic64_add(n, &dev->counters.c[stat]);
}

/* The device memory's size and occupancy, the same in both scopes. */
static void devmir_devmem_gauges(struct devmir_device *dev, struct devmir_stats *st)
{
	if (!dev->devmem)
		return;
	st->devmem_pages = dev->devmem->npages;
	st->devmem_used = devmir_devmem_used(dev->devmem);
}

static void devmir_counters_read(struct devmir_counters *cnt, struct devmir_stats *st)
{
	int i;

	for (i = 0; i < DEVMIR_STAT_NR; i++)
		st->counters[i] = atomic64_read(&cnt->c[i]);
	for (i = 0; i < DEVMIR_DRIVER_STATS_MAX; i++)
		st->driver[i] = atomic64_read(&cnt->drv[i]);
}

static void devmir_counters_reset(struct devmir_counters *cnt)
{
	int i, b;

	for (i = 0; i < DEVMIR_STAT_NR; i++)
		atomic64_set(&cnt->c[i], 0);
	for (i = 0; i < DEVMIR_DRIVER_STATS_MAX; i++)
		atomic64_set(&cnt->drv[i], 0);
	for (i = 0; i < DEVMIR_LAT_NR; i++) {
		atomic64_set(&cnt->lat[i].count, 0);
		atomic64_set(&cnt->lat[i].sum_ns, 0);
		atomic64_set(&cnt->lat[i].max_ns, 0);
		for (b = 0; b < DEVMIR_LAT_BUCKETS; b++)
			atomic64_set(&cnt->lat[i].buckets[b], 0);
	}
}

/**
 * devmir_table_stats() - A mirror table's accounting since the last reset.
 * @mirror: The mirror.
 * @st: Receives the figures; dirs_pruned and splits count since the last
 *	devmir_mirror_reset_stats().
 *
 * Context: Process context; takes the update lock.
 */
void devmir_table_stats(struct devmir_mirror *mirror, struct dmpt_stats *st)
{
	mutex_lock(&mirror->update_lock);
	dmpt_get_stats(&mirror->pt, st);
	st->dirs_pruned -= mirror->table_base.dirs_pruned;
	st->splits -= mirror->table_base.splits;
	mutex_unlock(&mirror->update_lock);
}

/**
 * devmir_mirror_stats() - Statistics of one mirror.
 * @mirror: The mirror.
 * @st: Receives the counters, the table accounting and the device
 *	memory's size and occupancy (the device's: pages are not per mirror).
 *
 * Context: Process context; may sleep (takes the update lock briefly).
 */
void devmir_mirror_stats(struct devmir_mirror *mirror, struct devmir_stats *st)
{
	devmir_might_lock_update(mirror);
	memset(st, 0, sizeof(*st));
	devmir_counters_read(&mirror->counters, st);
	devmir_table_stats(mirror, &st->table);
	st->mirrors = 1;
	devmir_devmem_gauges(mirror->dev, st);
}
EXPORT_SYMBOL_GPL(devmir_mirror_stats);

static void devmir_table_add(struct dmpt_stats *sum, const struct dmpt_stats *st)
{
	int l;

	sum->bytes += st->bytes;
	for (l = 0; l < DMPT_MAX_LEVELS; l++) {
		sum->dirs[l] += st->dirs[l];
		sum->entries[l] += st->entries[l];
	}
	sum->dirs_pruned += st->dirs_pruned;
	sum->splits += st->splits;
}

/**
 * devmir_device_stats() - Statistics of a whole device.
 * @dev: The device context.
 * @st: Receives the device-wide counters (every mirror's events since the
 *	last devmir_device_reset_stats()) and the table accounting summed over
 *	the live mirrors; pruned directories and splits are counted over every
 *	mirror since the device was created.
 *
 * Context: Process context; may sleep.
 */
void devmir_device_stats(struct devmir_device *dev, struct devmir_stats *st)
{
	struct devmir_mirror *mirror;
	struct dmpt_stats one;

	memset(st, 0, sizeof(*st));
	devmir_counters_read(&dev->counters, st);

	spin_lock(&dev->mirrors_lock);
	list_for_each_entry(mirror, &dev->mirrors, node) {
		/* Lock-free read of the counters; see dmpt_get_stats(). */
		dmpt_get_stats(&mirror->pt, &one);
		devmir_table_add(&st->table, &one);
		st->mirrors++;
	}
	st->table.dirs_pruned += dev->retired.dirs_pruned;
	st->table.splits += dev->retired.splits;
	spin_unlock(&dev->mirrors_lock);
	devmir_devmem_gauges(dev, st);
}
EXPORT_SYMBOL_GPL(devmir_device_stats);

/**
 * devmir_mirror_reset_stats() - Zero a mirror's counters.
 * @mirror: The mirror.
 *
 * The device-wide counters are not affected. The table figures (entries,
 * directories, bytes) describe the present and are not reset; pruned
 * directories and splits restart from zero.
 *
 * Context: Process context; may sleep.
 */
void devmir_mirror_reset_stats(struct devmir_mirror *mirror)
{
	devmir_might_lock_update(mirror);
	devmir_counters_reset(&mirror->counters);
	mutex_lock(&mirror->update_lock);
	dmpt_get_stats(&mirror->pt, &mirror->table_base);
	mutex_unlock(&mirror->update_lock);
}
EXPORT_SYMBOL_GPL(devmir_mirror_reset_stats);

/**
 * devmir_device_reset_stats() - Zero a device's counters.
 * @dev: The device context.
 *
 * Mirrors' own counters and the device's table figures are not affected.
 *
 * Context: Any context.
 */
void devmir_device_reset_stats(struct devmir_device *dev)
{
	devmir_counters_reset(&dev->counters);
}
EXPORT_SYMBOL_GPL(devmir_device_reset_stats);

/**
 * devmir_stat_count() - Number of statistics a device reports.
 * @dev: The device context.
 *
 * The core's counters, its table and device-memory figures, two figures per
 * level of the device's table format and the driver's counters. Constant
 * for the device's lifetime, as are their order and names.
 *
 * Context: Any context.
 * Return: The count.
 */
unsigned int devmir_stat_count(struct devmir_device *dev)
{
	return DEVMIR_STAT_NR + DEVMIR_REPORT_FIXED_NR +
	       2 * dev->format->nlevels + dev->nr_driver_stats;
}
EXPORT_SYMBOL_GPL(devmir_stat_count);

/**
 * devmir_stat_describe() - Describe one reported statistic.
 * @dev: The device context.
 * @index: Position, below devmir_stat_count().
 * @desc: Receives the description; the name lives as long as the device.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL when @index is out of range.
 */
int devmir_stat_describe(struct devmir_device *dev, unsigned int index,
			 struct devmir_stat_desc *desc)
{
	unsigned int nlevels = dev->format->nlevels;

	desc->kind = DEVMIR_STAT_KIND_COUNTER;
	desc->driver = false;
	if (index < DEVMIR_STAT_NR) {
		desc->name = devmir_stat_names[index];
		return 0;
	}
	index -= DEVMIR_STAT_NR;
	if (index < DEVMIR_REPORT_FIXED_NR) {
		*desc = devmir_report_fixed[index];
		return 0;
	}
	index -= DEVMIR_REPORT_FIXED_NR;
	desc->kind = DEVMIR_STAT_KIND_GAUGE;
	if (index < nlevels) {
		desc->name = devmir_level_entries_names[index];
		return 0;
	}
	index -= nlevels;
	if (index < nlevels) {
		desc->name = devmir_level_dirs_names[index];
		return 0;
	}
	index -= nlevels;
	desc->kind = DEVMIR_STAT_KIND_COUNTER;
	if (index < dev->nr_driver_stats) {
		desc->name = dev->driver_stats[index];
		desc->driver = true;
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(devmir_stat_describe);

/**
 * devmir_stats_flatten() - A snapshot's values in the reported order.
 * @dev: The device context the snapshot belongs to.
 * @st: The snapshot (devmir_mirror_stats(), devmir_device_stats()).
 * @values: Receives up to @n values, value i described by
 *	devmir_stat_describe(@dev, i).
 * @n: Entries of @values.
 *
 * Context: Any context.
 * Return: The number of values stored: the smaller of @n and
 * devmir_stat_count().
 */
unsigned int devmir_stats_flatten(struct devmir_device *dev,
				  const struct devmir_stats *st, u64 *values,
				  unsigned int n)
{
	unsigned int nlevels = dev->format->nlevels;
	unsigned int count = min(n, devmir_stat_count(dev));
	unsigned int i, j;
	u64 v;

	for (i = 0; i < count; i++) {
		j = i;
		if (j < DEVMIR_STAT_NR) {
			values[i] = st->counters[j];
			continue;
		}
		j -= DEVMIR_STAT_NR;
		if (j < DEVMIR_REPORT_FIXED_NR) {
			switch (j) {
			case DEVMIR_REPORT_DIRS_PRUNED:
				v = st->table.dirs_pruned;
				break;
			case DEVMIR_REPORT_SPLITS:
				v = st->table.splits;
				break;
			case DEVMIR_REPORT_TABLE_BYTES:
				v = st->table.bytes;
				break;
			case DEVMIR_REPORT_MIRRORS:
				v = st->mirrors;
				break;
			case DEVMIR_REPORT_DEVMEM_PAGES:
				v = st->devmem_pages;
				break;
			default:
				v = st->devmem_used;
				break;
			}
			values[i] = v;
			continue;
		}
		j -= DEVMIR_REPORT_FIXED_NR;
		if (j < nlevels) {
			values[i] = st->table.entries[j];
			continue;
		}
		j -= nlevels;
		if (j < nlevels) {
			values[i] = st->table.dirs[j];
			continue;
		}
		j -= nlevels;
		values[i] = st->driver[j];
	}
	return count;
}
EXPORT_SYMBOL_GPL(devmir_stats_flatten);

/**
 * DOC: Latency histograms
 *
 * Besides counting events, the core times three kinds of work, per mirror
 * and per device (&enum devmir_lat): device faults by how much they mapped
 * (4 KiB, up to 64 KiB, up to 2 MiB; the three sizes xe reports its SVM
 * fault times in), migration windows by direction and size, and
 * invalidations the mirror applied. Each is a histogram of log2 buckets of
 * nanoseconds (%DEVMIR_LAT_BUCKETS) with the count, the sum and the largest
 * sample, read with devmir_mirror_latency() and devmir_device_latency(),
 * reset with the counters of its scope. A sample costs two clock reads and
 * a few atomic additions on the mirror's and the device's cache lines; the
 * timed work takes microseconds.
 */

/**
 * devmir_lat_name() - Name of a latency histogram, as reported.
 * @lat: The histogram.
 *
 * Context: Any context.
 * Return: A constant string ([a-z0-9_]).
 */
const char *devmir_lat_name(enum devmir_lat lat)
{
	return lat < DEVMIR_LAT_NR ? devmir_lat_names[lat] : "?";
}
EXPORT_SYMBOL_GPL(devmir_lat_name);

/**
 * devmir_lat_sized() - The histogram of a size class.
 * @lat_4k: The 4 KiB histogram of the kind (fault, to device, to system);
 *	the 64 KiB and 2 MiB ones follow it.
 * @bytes: Size of the work.
 *
 * Context: Any context.
 * Return: @lat_4k, or the one for more than 4 KiB up to 64 KiB, or above.
 */
enum devmir_lat devmir_lat_sized(enum devmir_lat lat_4k, u64 bytes)
{
	if (bytes <= SZ_4K)
		return lat_4k;
	return bytes <= SZ_64K ? lat_4k + 1 : lat_4k + 2;
}

static void devmir_lat_add(struct devmir_lat_counters *h, u64 ns,
			   unsigned int bucket)
{
	s64 max = atomic64_read(&h->max_ns);

	atomic64_inc(&h->count);
	atomic64_add(ns, &h->sum_ns);
	atomic64_inc(&h->buckets[bucket]);
	while ((u64)max < ns && !atomic64_try_cmpxchg(&h->max_ns, &max, ns))
		;
}

/* Nanoseconds since @start_ns, and their bucket. */
static u64 devmir_lat_since(u64 start_ns, unsigned int *bucket)
{
	u64 now = ktime_get_ns();
	u64 ns = now > start_ns ? now - start_ns : 0;

	*bucket = ns ? min_t(unsigned int, ilog2(ns), DEVMIR_LAT_BUCKETS - 1) : 0;
	return ns;
}

/**
 * devmir_lat_record() - Add one sample to a mirror's and its device's
 * histogram.
 * @mirror: The mirror the work was for.
 * @lat: The histogram.
 * @start_ns: ktime_get_ns() when the work began; it ends now.
 *
 * Context: Any context; lock-free.
 */
void devmir_lat_record(struct devmir_mirror *mirror, enum devmir_lat lat,
		       u64 start_ns)
{
	unsigned int bucket;
	u64 ns = devmir_lat_since(start_ns, &bucket);

	devmir_lat_add(&mirror->counters.lat[lat], ns, bucket);
	devmir_lat_add(&mirror->dev->counters.lat[lat], ns, bucket);
}

/**
 * devmir_device_lat_record() - Add one sample to a device's histogram only.
 * @dev: The device context.
 * @lat: The histogram.
 * @start_ns: ktime_get_ns() when the work began; it ends now.
 *
 * For work without a mirror: a CPU fault of a process that has none.
 *
 * Context: Any context; lock-free.
 */
void devmir_device_lat_record(struct devmir_device *dev, enum devmir_lat lat,
			      u64 start_ns)
{
	unsigned int bucket;
	u64 ns = devmir_lat_since(start_ns, &bucket);

	devmir_lat_add(&dev->counters.lat[lat], ns, bucket);
}

static void devmir_lat_read(struct devmir_counters *cnt,
			    struct devmir_lat_hist *hists)
{
	int i, b;

	for (i = 0; i < DEVMIR_LAT_NR; i++) {
		hists[i].count = atomic64_read(&cnt->lat[i].count);
		hists[i].sum_ns = atomic64_read(&cnt->lat[i].sum_ns);
		hists[i].max_ns = atomic64_read(&cnt->lat[i].max_ns);
		for (b = 0; b < DEVMIR_LAT_BUCKETS; b++)
			hists[i].buckets[b] = atomic64_read(&cnt->lat[i].buckets[b]);
	}
}

/**
 * devmir_mirror_latency() - Latency histograms of one mirror.
 * @mirror: The mirror.
 * @hists: Receives %DEVMIR_LAT_NR histograms, indexed by &enum devmir_lat.
 *
 * A lock-free snapshot: a sample recorded meanwhile may show in some fields
 * and not yet in others.
 *
 * Context: Any context.
 */
void devmir_mirror_latency(struct devmir_mirror *mirror,
			   struct devmir_lat_hist *hists)
{
	devmir_lat_read(&mirror->counters, hists);
}
EXPORT_SYMBOL_GPL(devmir_mirror_latency);

/**
 * devmir_device_latency() - Latency histograms of a whole device.
 * @dev: The device context.
 * @hists: Receives %DEVMIR_LAT_NR histograms: every mirror's samples since
 *	the last devmir_device_reset_stats(), and the CPU faults of processes
 *	without a mirror.
 *
 * Context: Any context.
 */
void devmir_device_latency(struct devmir_device *dev,
			   struct devmir_lat_hist *hists)
{
	devmir_lat_read(&dev->counters, hists);
}
EXPORT_SYMBOL_GPL(devmir_device_latency);
