// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - statistics: per-mirror and per-device counters and the mirror
 * table's accounting.
 */
#include <linux/string.h>

#include "internal.h"

static const char *const devmir_stat_names[DEVMIR_STAT_NR] = {
	[DEVMIR_STAT_FAULTS_RAISED] = "faults_raised",
	[DEVMIR_STAT_FAULTS_COALESCED] = "faults_coalesced",
	[DEVMIR_STAT_FAULTS] = "faults",
	[DEVMIR_STAT_FAULTS_RESOLVED] = "faults_resolved",
	[DEVMIR_STAT_FAULT_ERRORS] = "fault_errors",
	[DEVMIR_STAT_FAULT_BATCHES] = "fault_batches",
	[DEVMIR_STAT_HMM_CALLS] = "hmm_calls",
	[DEVMIR_STAT_HMM_BUSY] = "hmm_busy",
	[DEVMIR_STAT_HMM_RETRIES] = "hmm_retries",
	[DEVMIR_STAT_PAGES_MAPPED] = "pages_mapped",
	[DEVMIR_STAT_HUGE_MAPPED] = "huge_mapped",
	[DEVMIR_STAT_TLB_HITS] = "tlb_hits",
	[DEVMIR_STAT_TLB_MISSES] = "tlb_misses",
	[DEVMIR_STAT_TLB_SHOOTDOWNS] = "tlb_shootdowns",
	[DEVMIR_STAT_TLB_FLUSHED] = "tlb_flushed",
	[DEVMIR_STAT_WALKS] = "walks",
	[DEVMIR_STAT_WALK_LEVELS] = "walk_levels",
	[DEVMIR_STAT_ACCESSES] = "accesses",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_UNMAP] = "inv_unmap",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_CLEAR] = "inv_clear",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_PROTECTION_VMA] = "inv_protection_vma",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_PROTECTION_PAGE] = "inv_protection_page",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_SOFT_DIRTY] = "inv_soft_dirty",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_RELEASE] = "inv_release",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_MIGRATE] = "inv_migrate",
	[DEVMIR_STAT_INV_FIRST + MMU_NOTIFY_EXCLUSIVE] = "inv_exclusive",
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
	[DEVMIR_STAT_EXCLUSIVE_FALLBACKS] = "exclusive_fallbacks",
	[DEVMIR_STAT_PAGES_DIRTIED] = "pages_dirtied",
};

static_assert(DEVMIR_STAT_INV_LAST - DEVMIR_STAT_INV_FIRST == MMU_NOTIFY_EXCLUSIVE);

/**
 * devmir_stat_name() - Name of a counter, as shown in debugfs.
 * @stat: The counter.
 *
 * Context: Any context.
 * Return: A constant string.
 */
const char *devmir_stat_name(enum devmir_stat stat)
{
	return devmir_stat_names[stat] ?: "?";
}

/**
 * devmir_stat_add() - Count events on a mirror and its device.
 * @mirror: The mirror the events belong to.
 * @stat: The counter.
 * @n: Number of events.
 *
 * The core counts its own events; the driver counts the device-side ones
 * (TLB, walker, fault queue, commands) so that they appear in the same
 * statistics.
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
}

static void devmir_counters_reset(struct devmir_counters *cnt)
{
	int i;

	for (i = 0; i < DEVMIR_STAT_NR; i++)
		atomic64_set(&cnt->c[i], 0);
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
