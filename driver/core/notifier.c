// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - CPU-side invalidations: clear or write-protect the mirror,
 * prune, shoot down the device TLB; mm teardown.
 */
#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/mmu_notifier.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

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
 * update lock is held. Returns whether the device was asked to shoot down
 * translations (whose acknowledgment devmir_shootdown_wait() waits for).
 */
static bool __devmir_invalidate(struct devmir_mirror *mirror,
				const struct mmu_notifier_range *range,
				u64 start, u64 end)
{
	bool blockable = mmu_notifier_range_blockable(range);
	unsigned long pages;

	lockdep_assert_held(&mirror->update_lock);
	start &= PAGE_MASK;
	end = min_t(u64, end, devmir_va_end(mirror->dev));
	if (start >= end)
		return false;

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
	if (!pages)
		return false;
	mirror->dev->ops->invalidate(mirror, start, end, blockable);
	return true;
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

/* What the first pass of an invalidation did (devmir_invalidate_issue()). */
enum devmir_inv_outcome {
	DEVMIR_INV_SKIPPED,	/* not applied: the mirror caused it */
	DEVMIR_INV_DONE,	/* applied, nothing to wait for */
	DEVMIR_INV_WAIT,	/* applied, the device's acknowledgment due */
};

/*
 * Everything of one invalidation of the mirror's own notifier but waiting
 * for the device: the table edited, the device asked to shoot down, the
 * event counted. -EAGAIN: the update lock was busy and the invalidation may
 * not block.
 */
static int devmir_invalidate_issue(struct devmir_mirror *mirror,
				   const struct mmu_notifier_range *range,
				   unsigned long cur_seq)
{
	bool release = range->event == MMU_NOTIFY_RELEASE, shot;
	int ret = devmir_invalidate_begin(mirror, range);

	if (ret == 1) {
		devmir_stat_add(mirror, DEVMIR_STAT_INV_SKIPPED, 1);
		return DEVMIR_INV_SKIPPED;
	}
	if (ret)
		return ret;

	mmu_interval_set_seq(&mirror->notifier, cur_seq);
	/* migrate_vma_setup() leaves device-exclusive entries in place. */
	if (range->event != MMU_NOTIFY_MIGRATE)
		devmir_exclusive_forget(mirror, range->start, range->end);
	/* munmap(), mremap()'s old range: their attributes go too. */
	if (range->event == MMU_NOTIFY_UNMAP)
		devmir_advice_unmap(mirror, range->start, range->end);
	devmir_stat_add_invalidation(mirror, range->event);
	shot = __devmir_invalidate(mirror, range, range->start, range->end);
	if (release)
		WRITE_ONCE(mirror->released, true);
	mutex_unlock(&mirror->update_lock);

	/* The mm is gone: the next open by a process with this mm is new. */
	if (release)
		devmir_mirror_unlist(mirror);
	return shot && mirror->dev->ops->invalidate_wait ? DEVMIR_INV_WAIT :
							  DEVMIR_INV_DONE;
}

static bool devmir_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct devmir_mirror *mirror =
		container_of(mni, struct devmir_mirror, notifier);
	u64 start_ns = ktime_get_ns();
	int ret = devmir_invalidate_issue(mirror, range, cur_seq);

	if (ret < 0)
		return false;
	if (ret == DEVMIR_INV_SKIPPED)
		return true;
	if (ret == DEVMIR_INV_WAIT)
		devmir_shootdown_wait(mirror, mmu_notifier_range_blockable(range));
	devmir_lat_record(mirror, DEVMIR_LAT_INVALIDATE, start_ns);
	return true;
}

/**
 * DOC: Two-pass invalidation
 *
 * A device shootdown has two halves: the driver drops its TLB entries and
 * asks the device to invalidate (&devmir_device_ops.invalidate), then waits
 * for the device to acknowledge that no access in flight still uses a
 * dropped translation (&devmir_device_ops.invalidate_wait). With several
 * devices mirroring one mm, waiting inside each notifier in turn makes
 * munmap() wait for the devices one after another.
 *
 * Where the kernel calls interval notifiers in two passes (invalidate_start
 * for every notifier of the range, then invalidate_finish for those that
 * asked for it), the mirror's first pass does everything under its update
 * lock as before and only asks for the acknowledgment; the second pass
 * waits for it. The acknowledgments of all devices then overlap: munmap()
 * waits about as long as for the slowest device instead of for their sum.
 * Nothing is weakened meanwhile: the mirror entries are gone and the
 * device's TLB entries dropped after the first pass, every device fault
 * begun before it retries (the sequence is odd until the invalidation
 * ends), and the CPU page table changes only after every second pass.
 *
 * Each first pass that has something to wait for needs its own finish
 * record (invalidations of one mm can run concurrently): the mirror keeps
 * one (&devmir_mirror.inv_slot) for the common case and allocates another
 * without reclaim (DEVMIR_GFP_LOCKED) when it is taken; when that fails,
 * the first pass waits itself, as on a one-pass kernel. Block notifiers
 * (DOC: Fault blocks) keep one pass: they rarely have anything to shoot
 * down. The module parameter two_pass=N makes the mirror's notifier wait
 * in its first pass, for comparison in one boot; inv_two_pass counts the
 * invalidations whose wait moved to the second pass.
 */
static bool two_pass = true;
module_param(two_pass, bool, 0644);
MODULE_PARM_DESC(two_pass,
		 "Wait for device shootdowns in the notifier's second pass where the kernel has one (default Y; N: in the first, for comparison)");

static struct devmir_inv_finish *devmir_inv_finish_get(struct devmir_mirror *mirror)
{
	if (!test_and_set_bit_lock(0, &mirror->inv_slot_busy))
		return &mirror->inv_slot;
	return kmalloc(sizeof(struct devmir_inv_finish), DEVMIR_GFP_LOCKED);
}

static void devmir_inv_finish_put(struct devmir_inv_finish *f)
{
	struct devmir_mirror *mirror = f->mirror;

	if (f == &mirror->inv_slot)
		clear_bit_unlock(0, &mirror->inv_slot_busy);
	else
		kfree(f);
}

static bool __maybe_unused
devmir_invalidate_start(struct mmu_interval_notifier *mni,
			const struct mmu_notifier_range *range,
			unsigned long cur_seq,
			struct devmir_notifier_finish **finish)
{
	struct devmir_mirror *mirror =
		container_of(mni, struct devmir_mirror, notifier);
	bool blockable = mmu_notifier_range_blockable(range);
	u64 start_ns = ktime_get_ns();
	int ret = devmir_invalidate_issue(mirror, range, cur_seq);
	struct devmir_inv_finish *f;

	if (ret < 0)
		return false;
	if (ret == DEVMIR_INV_SKIPPED)
		return true;
	if (ret == DEVMIR_INV_WAIT) {
		f = READ_ONCE(two_pass) ? devmir_inv_finish_get(mirror) : NULL;
		if (f) {
			f->mirror = mirror;
			f->start_ns = start_ns;
			f->blockable = blockable;
			*finish = &f->base;
			devmir_stat_add(mirror, DEVMIR_STAT_INV_TWO_PASS, 1);
			return true;
		}
		devmir_shootdown_wait(mirror, blockable);
	}
	devmir_lat_record(mirror, DEVMIR_LAT_INVALIDATE, start_ns);
	return true;
}

static void __maybe_unused
devmir_invalidate_finish(struct devmir_notifier_finish *finish)
{
	struct devmir_inv_finish *f =
		container_of(finish, struct devmir_inv_finish, base);

	devmir_shootdown_wait(f->mirror, f->blockable);
	devmir_lat_record(f->mirror, DEVMIR_LAT_INVALIDATE, f->start_ns);
	devmir_inv_finish_put(f);
}

const struct mmu_interval_notifier_ops devmir_notifier_ops = {
	.invalidate = devmir_invalidate,
	DEVMIR_NOTIFIER_TWO_PASS(devmir_invalidate_start, devmir_invalidate_finish)
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
	bool shot;

	if (ret)
		return ret != -EAGAIN;
	mmu_interval_set_seq(mni, cur_seq);
	shot = __devmir_invalidate(mirror, range, range->start, range->end);
	mutex_unlock(&mirror->update_lock);
	if (shot)
		devmir_shootdown_wait(mirror, mmu_notifier_range_blockable(range));
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
