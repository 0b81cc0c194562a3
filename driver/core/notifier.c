// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - CPU-side invalidations: clear or write-protect the mirror,
 * prune, shoot down the device TLB; mm teardown.
 */
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

/* Apply one invalidation to the table; the update lock is held. */
static void __devmir_invalidate(struct devmir_mirror *mirror,
				const struct mmu_notifier_range *range)
{
	bool blockable = mmu_notifier_range_blockable(range);
	u64 start = range->start & PAGE_MASK;
	u64 end = min_t(u64, range->end, devmir_va_end(mirror->dev));
	unsigned long pages;

	lockdep_assert_held(&mirror->update_lock);
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

static bool devmir_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct devmir_mirror *mirror =
		container_of(mni, struct devmir_mirror, notifier);
	bool release = range->event == MMU_NOTIFY_RELEASE;

	/*
	 * make_device_exclusive_range() on behalf of this mirror: the page
	 * stays the one the mirror maps (devmir_exclusive_begin() installs
	 * the exclusive entry itself). Migrations are never skipped, not even
	 * the device's own: their invalidation is what keeps the device off a
	 * page while it is copied.
	 */
	if (range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == mirror) {
		devmir_stat_add(mirror, DEVMIR_STAT_INV_SKIPPED, 1);
		return true;
	}

	if (mmu_notifier_range_blockable(range)) {
		mutex_lock(&mirror->update_lock);
	} else if (!mutex_trylock(&mirror->update_lock)) {
		devmir_stat_add(mirror, DEVMIR_STAT_INV_RETRY, 1);
		return false;
	}

	mmu_interval_set_seq(mni, cur_seq);
	/* migrate_vma_setup() leaves device-exclusive entries in place. */
	if (range->event != MMU_NOTIFY_MIGRATE)
		devmir_exclusive_forget(mirror, range->start, range->end);
	devmir_stat_add_invalidation(mirror, range->event);
	__devmir_invalidate(mirror, range);
	if (release)
		WRITE_ONCE(mirror->released, true);
	mutex_unlock(&mirror->update_lock);

	/* The mm is gone: the next open by a process with this mm is new. */
	if (release)
		devmir_mirror_unlist(mirror);
	return true;
}

const struct mmu_interval_notifier_ops devmir_notifier_ops = {
	.invalidate = devmir_invalidate,
};
