/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - private structures and prototypes of the devmirror core.
 *
 * Lock ordering (outermost first):
 *
 *   mmap_lock (read: device fault path, while hmm_range_fault() runs)
 *     -- released before the update lock is taken --
 *
 *   [mmu notifier invalidate context: mmap_lock, i_mmap_rwsem, page lock,
 *    fs_reclaim may all be held by the caller]
 *     mirror->update_lock              (mutex; trylock when not blockable)
 *       driver's invalidate callback   (e.g. devmirror_sim: access rwlock
 *                                        for write, then its TLB spinlock)
 *       rcu (deferred directory frees)
 *
 *   dev->mirrors_lock                  (spinlock; never nested with the
 *                                        update lock, taken after it is
 *                                        dropped)
 *
 *   rcu_read_lock                      (lock-free device walks, leaf)
 *
 * Nothing under mirror->update_lock may sleep in reclaim: the lock is taken
 * from invalidations that reclaim itself issues. Allocations under it use
 * DEVMIR_GFP_LOCKED; everything else is allocated before it is taken.
 */
#ifndef _DEVMIR_INTERNAL_H
#define _DEVMIR_INTERNAL_H

#include <linux/atomic.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "devmirror.h"

#define DEVMIR_GFP_LOCKED	(GFP_NOWAIT | __GFP_NOWARN)

struct dentry;

/**
 * struct devmir_counters - One set of statistics counters.
 * @c: Counters indexed by &enum devmir_stat; updated lock-free.
 */
struct devmir_counters {
	atomic64_t c[DEVMIR_STAT_NR];
};

/**
 * struct devmir_device - A device context (one per device).
 * @name: Name from the description (debugfs, messages).
 * @format: Mirror-table format; constant.
 * @owner: pgmap owner cookie; constant.
 * @ops: Driver callbacks; constant.
 * @priv_size: Bytes of driver data per mirror; constant.
 * @default_window: Initial fault-ahead window of new mirrors; constant.
 * @drvdata: Driver pointer; constant.
 * @mirrors_lock: Protects @mirrors and every &devmir_mirror.node on it.
 * @mirrors: Live mirrors (their mm has not been released), for lookup.
 * @asids: Address-space id allocator (has its own lock).
 * @max_asids: Largest address-space id.
 * @nr_mirrors: Mirror objects allocated and not yet freed.
 * @counters: Device-wide counters (every mirror's events are added here).
 * @retired: Table counters (pruned directories, splits) of freed mirrors,
 *	under @mirrors_lock.
 * @debugfs: The device's debugfs directory, or NULL.
 */
struct devmir_device {
	char name[32];
	const struct dmpt_format *format;
	void *owner;
	const struct devmir_device_ops *ops;
	size_t priv_size;
	u64 default_window;
	void *drvdata;

	spinlock_t mirrors_lock;	/* protects mirrors, retired */
	struct list_head mirrors;
	struct ida asids;
	unsigned int max_asids;
	atomic_t nr_mirrors;

	struct devmir_counters counters;
	struct dmpt_stats retired;
	struct dentry *debugfs;
};

/**
 * struct devmir_mirror - The mirror of one mm on one device.
 * @kref: One reference per open file, in-flight operation and lookup user.
 * @dev: The device context; outlives the mirror.
 * @mm: The mirrored mm; pinned (mmgrab) by @notifier until it is removed.
 * @node: Entry on &devmir_device.mirrors while listed.
 * @listed: True while on &devmir_device.mirrors; under mirrors_lock.
 * @notifier: Interval notifier covering the whole user address space.
 * @update_lock: Serialises every update of @pt and @released, and orders
 *	them against the notifier sequence (mmu_interval_set_seq()).
 * @pt: The mirror table: lookups lock-free under RCU, updates under
 *	@update_lock.
 * @released: Set under @update_lock when the mm is torn down; the table
 *	stays empty from then on. Read lock-free with READ_ONCE().
 * @asid: Address-space id on the device; constant.
 * @fault_window: Fault-ahead window in bytes; READ_ONCE()/WRITE_ONCE().
 * @counters: The mirror's counters.
 * @table_base: dirs_pruned and splits of @pt at the last reset, under
 *	@update_lock.
 * @debugfs: The mirror's debugfs directory, or NULL.
 * @priv: Driver data (&devmir_device.priv_size bytes, zeroed).
 */
struct devmir_mirror {
	struct kref kref;
	struct devmir_device *dev;
	struct mm_struct *mm;
	struct list_head node;
	bool listed;
	struct mmu_interval_notifier notifier;
	struct mutex update_lock;	/* protects pt updates, released */
	struct dmpt pt;
	bool released;
	u32 asid;
	u64 fault_window;
	struct devmir_counters counters;
	struct dmpt_stats table_base;
	struct dentry *debugfs;
	u64 priv[] __aligned(8);
};

/* main.c */
extern struct dentry *devmir_debugfs_root;

/* mirror.c */
void devmir_mirror_unlist(struct devmir_mirror *mirror);

/* notifier.c */
extern const struct mmu_interval_notifier_ops devmir_notifier_ops;

/* stats.c */
void devmir_table_stats(struct devmir_mirror *mirror, struct dmpt_stats *st);
const char *devmir_stat_name(enum devmir_stat stat);

/* debugfs.c */
void devmir_debugfs_device_init(struct devmir_device *dev);
void devmir_debugfs_device_fini(struct devmir_device *dev);
void devmir_debugfs_mirror_init(struct devmir_mirror *mirror);
void devmir_debugfs_mirror_fini(struct devmir_mirror *mirror);

/**
 * devmir_va_end() - End of the address space a mirror can map.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: The exclusive end: the smaller of the user address-space limit and
 * the mirror format's span.
 */
static inline u64 devmir_va_end(const struct devmir_device *dev)
{
	u64 span = 1ULL << dmpt_va_bits(dev->format);

	return min_t(u64, span, TASK_SIZE_MAX);
}

#endif /* _DEVMIR_INTERNAL_H */
