// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - exclusive access for device atomics: make_device_exclusive_range()
 * under the notifier retry protocol.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "internal.h"

/* Attempts that find the page locked or not exclusive-capable. */
#define DEVMIR_EXCLUSIVE_TRIES	8

/**
 * DOC: Exclusive access
 *
 * A device atomic on a page in system memory must not race a CPU atomic on
 * the same word over a link that is not coherent for atomics. The driver asks
 * devmir_exclusive_begin() for the page: make_device_exclusive_range()
 * replaces every CPU mapping of it with a device-exclusive entry and hands
 * the page back locked. The mirror then maps it with %DMPT_EXCLUSIVE, the
 * driver performs the atomic, and devmir_exclusive_end() unlocks the page.
 * Later atomics on the page use the %DMPT_EXCLUSIVE entry directly, inside
 * the driver's fenced access section, for as long as it lasts.
 *
 * The CPU touching the page (read or write) faults, restores its mapping and
 * sends MMU_NOTIFY_EXCLUSIVE with no owner (MMU_NOTIFY_CLEAR on 7.x): the
 * mirror drops the entry, so exclusivity is revoked; so does any other
 * invalidation of the page (mprotect(), munmap(), fork()'s write protection
 * clears %DMPT_EXCLUSIVE with %DMPT_WRITE).
 *
 * The notifier sequence: make_device_exclusive_range() sends its own
 * MMU_NOTIFY_EXCLUSIVE invalidation with the mirror as owner; the mirror
 * skips exactly that one (the page it maps stays the same page). Every
 * other invalidation between mmu_interval_read_begin() and the installation
 * bumps the sequence, and the entry is only installed if
 * mmu_interval_read_retry() says none happened, checked under the update
 * lock while the page is still locked (so the CPU cannot revoke it before
 * the entry exists). test_hmm installs its entry without that check. An
 * attempt that loses the race has made the CPU mapping device-exclusive
 * already; the next attempt restores it before it reads the sequence, or
 * its own GUP would revoke it inside the window and no attempt could ever
 * succeed.
 *
 * Pages that cannot be made exclusive: shared or file-backed mappings (the
 * kernel supports anonymous pages only), hugetlbfs, and pages the CPU maps
 * huge (the mirror holds a huge leaf; splitting a THP for one atomic is
 * not worth it). The driver then performs the atomic through a plain write
 * mapping.
 *
 * Pages in device-coherent memory, any device's, are not made exclusive
 * either: coherent memory is reached over a link that keeps device atomics
 * coherent with the CPU's (as on APUs and CXL), so the atomic runs in place
 * (the simulator never asks for them). Exclusive access to such a page
 * would also break its migration before 6.15, where the reverse-map walk
 * that restores mappings after a migration takes a device-exclusive entry
 * for a migration entry and leaks the page
 * (%DEVMIR_EXCLUSIVE_BREAKS_MIGRATION): an eviction of a page some atomic
 * had left device-exclusive kept it in use forever. A request that finds
 * one anyway (the page moved into coherent memory during the call) gets
 * -EOPNOTSUPP, and a page of a devmirror pool stays out of eviction until
 * it is freed (devmir_devmem_keep_exclusive()).
 */

/* Whether make_device_exclusive_range() can work on @vma at all. */
static bool devmir_vma_exclusive_ok(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_SHARED | VM_SPECIAL))
		return false;
	return !is_vm_hugetlb_page(vma) && !vma_is_dax(vma);
}

/*
 * The CPU now maps the page at @addr device-exclusive for @mirror, and the
 * page is locked: a CPU access that revokes it takes the page lock before
 * its invalidation forgets the note. Without memory the note is skipped; a
 * migration to system memory then counts the page absent, not busy.
 */
static void devmir_exclusive_note(struct devmir_mirror *mirror, u64 addr)
{
	xa_store(&mirror->exclusive, addr >> PAGE_SHIFT, xa_mk_value(1),
		 GFP_KERNEL);
}

/**
 * devmir_exclusive_forget() - Forget device-exclusive notes in a range.
 * @mirror: The mirror.
 * @start: Page-aligned start.
 * @end: Exclusive end.
 *
 * Called for every invalidation but a migration's: a CPU access revoking
 * exclusivity, an unmap, a protection change, reclaim all end it or may.
 *
 * Context: Any context that may take a spinlock (non-blocking invalidations
 * included); never sleeps.
 */
void devmir_exclusive_forget(struct devmir_mirror *mirror, u64 start, u64 end)
{
	unsigned long index;
	void *entry;

	if (xa_empty(&mirror->exclusive))
		return;
	xa_for_each_range(&mirror->exclusive, index, entry, start >> PAGE_SHIFT,
			  (end - 1) >> PAGE_SHIFT)
		xa_erase(&mirror->exclusive, index);
}

/**
 * devmir_exclusive_held() - Whether the CPU may map a page device-exclusive
 * for this mirror.
 * @mirror: The mirror.
 * @addr: Any address of the page.
 *
 * Context: Any context.
 * Return: True if make_device_exclusive_range() handed the page over and no
 * invalidation that could end it has run since.
 */
bool devmir_exclusive_held(struct devmir_mirror *mirror, u64 addr)
{
	return !!xa_load(&mirror->exclusive, addr >> PAGE_SHIFT);
}

/**
 * devmir_exclusive_begin() - Get a page exclusive for a device atomic.
 * @mirror: The mirror of the process.
 * @addr: Any address of the page.
 * @ex: Receives the held page; release it with devmir_exclusive_end().
 *
 * On success the page is locked and the mirror maps it writable and
 * %DMPT_EXCLUSIVE; every CPU mapping of it is a device-exclusive entry. The
 * caller performs its atomic inside its fenced access section (it must see
 * the %DMPT_EXCLUSIVE entry there: an invalidation that is not a CPU access,
 * e.g. munmap(), may still clear it), then calls devmir_exclusive_end().
 *
 * Context: Process context; may sleep. Takes the mmap lock (read), the page
 * lock and the update lock; the caller holds none of them.
 * Return: 0; -EOPNOTSUPP if the page cannot be made exclusive (shared,
 * file-backed, hugetlbfs, mapped huge, in device-coherent memory, or
 * persistently locked by someone else): use a plain write mapping; -EFAULT
 * if @addr is not mapped writable; -EBUSY if invalidations kept racing for
 * HMM_RANGE_DEFAULT_TIMEOUT (and at least 16 attempts); -ENOMEM; -EINTR on
 * a fatal signal; -ENODEV once the mm is gone.
 */
int devmir_exclusive_begin(struct devmir_mirror *mirror, u64 addr,
			   struct devmir_exclusive *ex)
{
	struct mm_struct *mm = mirror->mm;
	unsigned int level = 0, tries = 0, retries = 0;
	struct devmir_retry retry;
	struct vm_area_struct *vma;
	struct page *page = NULL;
	unsigned long seq;
	dmpt_entry_t entry;
	int ret, n;

	devmir_might_lock_update(mirror);
	addr &= PAGE_MASK;
	if (addr >= devmir_va_end(mirror->dev))
		return -EFAULT;
	entry = devmir_mirror_lookup(mirror, addr, &level);
	if (dmpt_entry_valid(entry) && level > 0)
		return -EOPNOTSUPP;
	if (!mmget_not_zero(mm))
		return -ENODEV;

	devmir_retry_init(&retry);
	for (;;) {
		ret = -EINTR;
		if (fatal_signal_pending(current))
			break;
		ret = -EBUSY;
		if (devmir_retry_expired(&retry))
			break;

		ret = -EINTR;
		if (mmap_read_lock_killable(mm))
			break;
		vma = vma_lookup(mm, addr);
		if (!vma || !(vma->vm_flags & VM_WRITE)) {
			mmap_read_unlock(mm);
			ret = -EFAULT;
			break;
		}
		if (!devmir_vma_exclusive_ok(vma)) {
			mmap_read_unlock(mm);
			ret = -EOPNOTSUPP;
			break;
		}
		/*
		 * An attempt that lost the race left the CPU mapping
		 * device-exclusive. Restore it (a faulting GUP) before the
		 * sequence is read: else the GUP of the next attempt would
		 * revoke it after, and every attempt would undo the last.
		 */
		if (retries && devmir_get_user_pages_remote(mm, addr, 1,
							    FOLL_WRITE, &page) == 1)
			put_page(page);
		seq = mmu_interval_read_begin(&mirror->notifier);
		n = devmir_make_device_exclusive(mm, addr, mirror, &page);
		mmap_read_unlock(mm);
		if (n < 0) {
			ret = n;
			break;
		}
		/*
		 * Device-coherent memory takes device atomics in place: no
		 * exclusive access. The CPU maps the page device-exclusive by
		 * now; where that breaks a migration, the pool keeps the page.
		 */
		if (n == 1 && page && is_device_coherent_page(page)) {
			devmir_devmem_keep_exclusive(page);
			unlock_page(page);
			put_page(page);
			ret = -EOPNOTSUPP;
			break;
		}
		if (n == 1 && page)
			devmir_exclusive_note(mirror, addr);
		if (n == 0 || !page) {
			/* A tail page of a large folio, not anonymous, or locked. */
			ret = -EOPNOTSUPP;
			if (++tries == DEVMIR_EXCLUSIVE_TRIES)
				break;
			cond_resched();
			continue;
		}

		mutex_lock(&mirror->update_lock);
		if (devmir_read_retry(&mirror->notifier, seq)) {
			mutex_unlock(&mirror->update_lock);
			unlock_page(page);
			put_page(page);
			retries++;
			continue;
		}
		entry = dmpt_entry_make(page_to_pfn(page),
					DMPT_VALID | DMPT_WRITE | DMPT_EXCLUSIVE);
		ret = dmpt_map(&mirror->pt, addr, 0, &entry, 1, DEVMIR_GFP_LOCKED);
		mutex_unlock(&mirror->update_lock);
		if (ret) {
			unlock_page(page);
			put_page(page);
			if (++tries == DEVMIR_EXCLUSIVE_TRIES)
				break;
			cond_resched();
			continue;
		}
		devmir_stat_add(mirror, DEVMIR_STAT_EXCLUSIVE_GRANTS, 1);
		ex->page = page;
		ex->mm = mm;
		ex->addr = addr;
		return 0;
	}
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_exclusive_begin);

/**
 * devmir_exclusive_end() - Release a page held by devmir_exclusive_begin().
 * @ex: The held page.
 *
 * The mirror keeps its %DMPT_EXCLUSIVE entry until the CPU touches the page
 * or another invalidation removes it.
 *
 * Context: Process context.
 */
void devmir_exclusive_end(struct devmir_exclusive *ex)
{
	might_sleep();
	unlock_page(ex->page);
	put_page(ex->page);
	mmput(ex->mm);
	ex->page = NULL;
	ex->mm = NULL;
}
EXPORT_SYMBOL_GPL(devmir_exclusive_end);
