// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - CPU-side invalidations: clear or write-protect the mirror,
 * prune, shoot down the device TLB; mm teardown.
 */
#include <linux/ktime.h>
#include <linux/mmu_notifier.h>

#include "internal.h"

/*
 * Events after which the CPU still maps the same pages, only without write
 * permission (fork's copy-on-write setup, write-back cleaning, soft-dirty
 * tracking): the mirror keeps the entries read-only instead of dropping
 * them, so a device that only reads does not refault.
 */
static bool devmir_event_keeps_pages(enum mmu_notifier_event event)
{
	return event == MMU_NOTIFY_PROTECTION_PAGE ||
	       event == MMU_NOTIFY_SOFT_DIRTY;
}

/*
 * Apply the part [@start, @end) of one invalidation to the table; the
 * update lock is held.
 */
static void __devmir_invalidate(struct devmir_mirror *mirror,
				const struct mmu_notifier_range *range,
				u64 start, u64 end)
{
	bool blockable = mmu_notifier_range_blockable(range);
	unsigned long pages;

	lockdep_assert_held(&mirror->update_lock);
	start &= PAGE_MASK;
	end = min_t(u64, end, devmir_va_end(mirror->dev));
	if (start >= end)
		return;

	/*
	 * Both edits hand what the device wrote to the pages (the mirror's
	 * written hook) before the CPU side changes them: the pages are still
	 * mapped, reclaim and writeback then see them dirty.
	 */
	if (devmir_event_keeps_pages(range->event)) {
		/* Read-only pages cannot stay exclusive for atomics either. */
		pages = dmpt_protect(&mirror->pt, start, end,
				     DMPT_WRITE | DMPT_EXCLUSIVE | DMPT_DIRTY,
				     0, DEVMIR_GFP_LOCKED);
		devmir_stat_add(mirror, DEVMIR_STAT_PAGES_PROTECTED, pages);
	} else {
		pages = dmpt_clear(&mirror->pt, start, end, DEVMIR_GFP_LOCKED);
		devmir_stat_add(mirror, DEVMIR_STAT_PAGES_INVALIDATED, pages);
	}
	/*
	 * Every device TLB entry was filled from a valid table entry, so an
	 * invalidation that changed nothing has nothing to shoot down.
	 */
	if (pages)
		mirror->dev->ops->invalidate(mirror, start, end, blockable);
}

/*
 * The start of every invalidate callback: whether @range is to be applied,
 * and if so the update lock, taken. -EAGAIN: the lock is busy and the
 * invalidation may not block (the callback returns false); 1: skip it.
 *
 * make_device_exclusive_range() on behalf of @mirror is skipped: the page
 * stays the one the mirror maps (devmir_exclusive_begin() installs the
 * exclusive entry itself). Migrations are never skipped, not even the
 * device's own: their invalidation is what keeps the device off a page
 * while it is copied.
 */
static int devmir_invalidate_begin(struct devmir_mirror *mirror,
				   const struct mmu_notifier_range *range)
{
	if (range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == mirror)
		return 1;
	if (mmu_notifier_range_blockable(range)) {
		mutex_lock(&mirror->update_lock);
	} else if (!mutex_trylock(&mirror->update_lock)) {
		devmir_stat_add(mirror, DEVMIR_STAT_INV_RETRY, 1);
		return -EAGAIN;
	}
	return 0;
}

static bool devmir_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct devmir_mirror *mirror =
		container_of(mni, struct devmir_mirror, notifier);
	bool release = range->event == MMU_NOTIFY_RELEASE;
	int ret = devmir_invalidate_begin(mirror, range);
	u64 start_ns;

	if (ret == 1)
		devmir_stat_add(mirror, DEVMIR_STAT_INV_SKIPPED, 1);
	if (ret)
		return ret != -EAGAIN;

	start_ns = ktime_get_ns();
	mmu_interval_set_seq(mni, cur_seq);
	/* migrate_vma_setup() leaves device-exclusive entries in place. */
	if (range->event != MMU_NOTIFY_MIGRATE)
		devmir_exclusive_forget(mirror, range->start, range->end);
	devmir_stat_add_invalidation(mirror, range->event);
	__devmir_invalidate(mirror, range, range->start, range->end);
	if (release)
		WRITE_ONCE(mirror->released, true);
	devmir_lat_record(mirror, DEVMIR_LAT_INVALIDATE, start_ns);
	mutex_unlock(&mirror->update_lock);

	/* The mm is gone: the next open by a process with this mm is new. */
	if (release)
		devmir_mirror_unlist(mirror);
	return true;
}

const struct mmu_interval_notifier_ops devmir_notifier_ops = {
	.invalidate = devmir_invalidate,
};

/*
 * The block notifier of a device fault (DOC: Fault blocks in fault.c): an
 * invalidation that overlaps the block. It runs beside the mirror's own
 * callback, in either order, and must not depend on which runs first: it
 * moves the block's sequence, so that a commit after it retries, and it
 * clears the whole invalidated range itself, so that a commit that slipped
 * in after the mirror's callback had cleared the range is undone before
 * the CPU page table changes. The whole range, not the overlap: a huge
 * leaf the commit installed may reach past the block, and whatever changes
 * a huge CPU mapping invalidates all of it. The mirror's callback counts
 * the event; this one only counts what it clears.
 */
static bool devmir_block_invalidate(struct mmu_interval_notifier *mni,
				    const struct mmu_notifier_range *range,
				    unsigned long cur_seq)
{
	struct devmir_fault_block *block =
		container_of(mni, struct devmir_fault_block, notifier);
	struct devmir_mirror *mirror = block->mirror;
	int ret = devmir_invalidate_begin(mirror, range);

	if (ret)
		return ret != -EAGAIN;
	mmu_interval_set_seq(mni, cur_seq);
	__devmir_invalidate(mirror, range, range->start, range->end);
	mutex_unlock(&mirror->update_lock);
	return true;
}

static const struct mmu_interval_notifier_ops devmir_block_ops = {
	.invalidate = devmir_block_invalidate,
};

/**
 * devmir_fault_block_watch() - Subscribe a device fault to invalidations of
 * its block.
 * @mirror: The mirror.
 * @block: The caller's block (on its stack); removed with
 *	devmir_fault_block_unwatch().
 * @addr: The faulting address; the block is the %DEVMIR_WINDOW_MAX-aligned
 *	range around it.
 *
 * Context: Process context; may sleep. The caller holds a user reference
 * on the mm and not its mmap lock (the insertion may take it).
 * Return: 0 or the error of mmu_interval_notifier_insert().
 */
int devmir_fault_block_watch(struct devmir_mirror *mirror,
			     struct devmir_fault_block *block, u64 addr)
{
	block->mirror = mirror;
	return mmu_interval_notifier_insert(&block->notifier, mirror->mm,
					    addr & ~(u64)(DEVMIR_WINDOW_MAX - 1),
					    DEVMIR_WINDOW_MAX, &devmir_block_ops);
}

/* Undo devmir_fault_block_watch(); waits for a running invalidation. */
void devmir_fault_block_unwatch(struct devmir_fault_block *block)
{
	mmu_interval_notifier_remove(&block->notifier);
}
