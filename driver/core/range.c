// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - the range layer: reading the CPU page table of a range with
 * hmm_range_fault() under the interval notifier's retry protocol, and
 * committing what was read to the mirror table. Every other part of the
 * core that looks at CPU page tables (device faults, migrations,
 * snapshots) goes through here.
 */
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * DOC: The range layer
 *
 * One protocol reads a range of the CPU page table for the device: take
 * mmu_interval_read_begin(), call hmm_range_fault() under the mmap read
 * lock (-EBUSY: a racing invalidation, read again), take the update lock,
 * and commit only if mmu_interval_read_retry() says no invalidation ran
 * since (devmir_range_commit()). Every loop of it gives up through one
 * rule (&struct devmir_retry): after %HMM_RANGE_DEFAULT_TIMEOUT, and only
 * once it has made %DEVMIR_RETRY_MIN_ATTEMPTS more attempts, so that a CPU
 * that is merely slow (an emulated guest on a busy host) does not turn a
 * fault into -EBUSY.
 */

/* Whether @vma may be mirrored for the access; hmm_range_fault() agrees. */
bool devmir_vma_ok(struct vm_area_struct *vma, bool write)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	if (!(vma->vm_flags & VM_READ))
		return false;
	return !write || (vma->vm_flags & VM_WRITE);
}

/*
 * Correct the pfns hmm_range_fault() reported for device-private folios
 * mapped by a PMD (device THP). Where its walk enters such a PMD anywhere
 * but at its first page (a range or a retried walk starting inside the
 * folio), 7.x's hmm_vma_handle_absent_pmd() numbers the pfns from the
 * folio's head at that first address, not at the PMD's: the page at the
 * start of the range would be mirrored to the folio's first page, its
 * neighbours to the pages after that. The map order it reports is right,
 * and such a folio is naturally aligned (a 2 MiB block of a pool whose
 * base is section-aligned, DOC: Device memory), so whichever page of the
 * folio was reported, the right one is the folio's aligned first page
 * plus the page's index in the mapping. Right values stay as they are.
 */
static void devmir_hmm_fix_device_pmd(struct hmm_range *range)
{
	unsigned long npages = (range->end - range->start) >> PAGE_SHIFT;
	unsigned long first = range->start >> PAGE_SHIFT;
	unsigned long i, hpfn, nr, pfn;
	unsigned int order;

	if (!DEVMIR_DEVICE_THP)
		return;
	for (i = 0; i < npages; i++) {
		hpfn = range->hmm_pfns[i];
		if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR))
			continue;
		order = hmm_pfn_to_map_order(hpfn);
		if (!order || !is_device_private_page(hmm_pfn_to_page(hpfn)))
			continue;
		nr = 1UL << order;
		pfn = ALIGN_DOWN(hpfn & ~HMM_PFN_FLAGS, nr) + ((first + i) & (nr - 1));
		range->hmm_pfns[i] = (hpfn & HMM_PFN_FLAGS) | pfn;
	}
}

/*
 * hmm_range_fault() with its device-THP pfns corrected, and then -EBUSY as
 * if an invalidation had raced it when the hmm_busy injection point fires:
 * the pages were faulted, the caller throws the result away and retries, as
 * it does for a real race. Every hmm_range_fault() of the core goes through
 * here or through devmir_fault_range_unlocked().
 */
int devmir_hmm_range_fault(struct hmm_range *range)
{
	int ret = hmm_range_fault(range);

	if (!ret)
		devmir_hmm_fix_device_pmd(range);
	if (!ret && devmir_inject(DEVMIR_INJECT_HMM_BUSY, NULL))
		return -EBUSY;
	return ret;
}

/* Highest leaf level whose size fits a CPU mapping of @order (0 if none). */
static unsigned int devmir_leaf_level(const struct dmpt_format *fmt,
				      unsigned int order)
{
	unsigned int level;

	for (level = fmt->nlevels - 1; level > 0; level--) {
		if ((fmt->leaf_levels & BIT(level)) &&
		    fmt->shift[level] <= PAGE_SHIFT + order)
			return level;
	}
	return 0;
}

/* Install the run entries[first, last) of level-0 leaves. */
static int devmir_map_run(struct devmir_mirror *mirror, struct hmm_range *range,
			  dmpt_entry_t *entries, unsigned long first,
			  unsigned long last)
{
	int ret;

	if (first >= last)
		return 0;
	ret = dmpt_map(&mirror->pt, range->start + (first << PAGE_SHIFT), 0,
		       entries + first, last - first, DEVMIR_GFP_LOCKED);
	if (!ret)
		devmir_stat_add(mirror, DEVMIR_STAT_PAGES_MAPPED, last - first);
	return ret;
}

/**
 * devmir_populate() - Copy the result of hmm_range_fault() into the mirror.
 * @mirror: The mirror.
 * @range: The range hmm_range_fault() filled; its notifier sequence was
 *	checked under the update lock.
 * @buf: The scratch space whose @pfns hmm_range_fault() filled.
 *
 * A page that the CPU maps at 2 MiB or more becomes one huge leaf covering
 * the CPU mapping, even where it extends past the faulted range: the
 * mirror's interval notifier covers the whole address space, so any change
 * of that CPU mapping invalidates the leaf (and the change covers the
 * faulted range too, which a fault's block notifier needs: DOC: Fault
 * blocks in fault.c). A device page of this device, private or coherent,
 * becomes a %DMPT_DEVICE_PRIVATE leaf (local memory); a device-private page
 * of a peer is not mapped (the device cannot reach it: its access faults
 * and migrates the page); a device-coherent page of anyone else is mapped
 * like a system page, which it is to every device but its own.
 *
 * Context: The caller holds the mirror's update lock.
 * Return: 0, or -ENOMEM when a directory allocation failed (the entries
 * before it are installed).
 */
int devmir_populate(struct devmir_mirror *mirror, struct hmm_range *range,
		    struct devmir_fault_buf *buf)
{
	const struct dmpt_format *fmt = mirror->dev->format;
	unsigned long npages = (range->end - range->start) >> PAGE_SHIFT;
	unsigned long i = 0, run = 0;
	int ret;

	lockdep_assert_held(&mirror->update_lock);

	while (i < npages) {
		unsigned long hpfn = buf->pfns[i];
		u64 addr = range->start + (i << PAGE_SHIFT);
		unsigned int level;
		struct page *page;
		u64 flags, pfn;

		if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR)) {
			ret = devmir_map_run(mirror, range, buf->entries, run, i);
			if (ret)
				return ret;
			run = ++i;
			continue;
		}

		page = hmm_pfn_to_page(hpfn);
		pfn = page_to_pfn(page);
		flags = DMPT_VALID;
		if (hpfn & HMM_PFN_WRITE)
			flags |= DMPT_WRITE;
		if (is_device_private_page(page)) {
			if (!devmir_pfn_is_local(mirror->dev, pfn)) {
				ret = devmir_map_run(mirror, range, buf->entries,
						     run, i);
				if (ret)
					return ret;
				run = ++i;
				continue;
			}
			flags |= DMPT_DEVICE_PRIVATE;
		} else if (is_device_coherent_page(page) &&
			   devmir_pfn_is_local(mirror->dev, pfn)) {
			/* The device's own memory, though the CPU maps it too. */
			flags |= DMPT_DEVICE_PRIVATE;
		}

		level = devmir_leaf_level(fmt, hmm_pfn_to_map_order(hpfn));
		if (level) {
			u64 size = dmpt_level_size(fmt, level);
			u64 base = addr & ~(size - 1);
			u64 first_pfn = pfn - ((addr - base) >> PAGE_SHIFT);

			if (IS_ALIGNED(first_pfn, size >> PAGE_SHIFT)) {
				dmpt_entry_t huge = dmpt_entry_make(first_pfn, flags);

				ret = devmir_map_run(mirror, range, buf->entries,
						     run, i);
				if (ret)
					return ret;
				ret = dmpt_map(&mirror->pt, base, level, &huge, 1,
					       DEVMIR_GFP_LOCKED);
				if (ret)
					return ret;
				devmir_stat_add(mirror, DEVMIR_STAT_HUGE_MAPPED, 1);
				i = (base + size - range->start) >> PAGE_SHIFT;
				run = i;
				continue;
			}
		}
		buf->entries[i] = dmpt_entry_make(pfn, flags);
		i++;
	}
	return devmir_map_run(mirror, range, buf->entries, run, npages);
}

/**
 * devmir_range_commit() - Install what hmm_range_fault() found, unless an
 * invalidation raced it.
 * @mirror: The mirror.
 * @range: The range hmm_range_fault() filled, with the sequence it was read
 *	under.
 * @buf: The scratch space whose @pfns hmm_range_fault() filled.
 * @retry: The caller's retry state; counts allocation failures.
 *
 * The commit half of the notifier retry protocol: under the update lock,
 * mmu_interval_read_retry() (with the seq_bump point), then
 * devmir_populate(). A directory allocation that failed (the update lock
 * forbids reclaim) is retried a few times from the start, as a race is.
 *
 * Context: Process context; takes the update lock; the caller holds no
 * mirror lock (the mmap lock may be held).
 * Return: 0; -EAGAIN: the caller must read the range again (a racing
 * invalidation, or an allocation failure with retries left; counted in
 * %DEVMIR_STAT_HMM_RETRIES for a race); -ENOMEM once the retries are spent.
 */
int devmir_range_commit(struct devmir_mirror *mirror, struct hmm_range *range,
			struct devmir_fault_buf *buf, struct devmir_retry *retry)
{
	int ret;

	mutex_lock(&mirror->update_lock);
	if (devmir_read_retry(range->notifier, range->notifier_seq)) {
		mutex_unlock(&mirror->update_lock);
		devmir_stat_add(mirror, DEVMIR_STAT_HMM_RETRIES, 1);
		return -EAGAIN;
	}
	ret = devmir_populate(mirror, range, buf);
	mutex_unlock(&mirror->update_lock);

	if (ret == -ENOMEM && ++retry->nomem < DEVMIR_NOMEM_RETRIES) {
		cond_resched();
		return -EAGAIN;
	}
	return ret;
}

/**
 * devmir_probe_range() - Read the CPU page table of a range, optionally
 * mirroring what it finds.
 * @mirror: The mirror.
 * @start: Page-aligned start.
 * @end: Page-aligned end, at most %DEVMIR_WINDOW_PAGES pages after @start.
 * @buf: Receives hmm_range_fault() pfns (HMM_PFN_VALID clear: nothing the
 *	device could map, i.e. none, swapped, migrating, or not readable).
 * @populate: Also install what was found in the mirror, under the notifier
 *	retry protocol.
 *
 * Never faults: hmm_range_fault() without HMM_PFN_REQ_FAULT, with the
 * device's pgmap owner, so device pages of the device and of its peers are
 * reported as they are.
 *
 * Context: The caller holds the mmap lock of the mirror's mm (read), and
 * not the update lock.
 * Return: 0; -EBUSY if invalidations kept racing for
 * HMM_RANGE_DEFAULT_TIMEOUT; -ENOMEM (populate); -EFAULT for a range
 * hmm_range_fault() refuses.
 */
int devmir_probe_range(struct devmir_mirror *mirror, u64 start, u64 end,
		       struct devmir_fault_buf *buf, bool populate)
{
	struct hmm_range range = {
		.notifier = &mirror->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = buf->pfns,
		.dev_private_owner = mirror->dev->owner,
	};
	struct devmir_retry retry;
	int ret;

	devmir_mmap_assert_locked(mirror->mm);
	devmir_retry_init(&retry);
	for (;;) {
		if (devmir_retry_expired(&retry))
			return -EBUSY;
		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		ret = devmir_hmm_range_fault(&range);
		if (ret == -EBUSY)
			continue;
		if (ret || !populate)
			return ret;
		ret = devmir_range_commit(mirror, &range, buf, &retry);
		if (ret != -EAGAIN)
			return ret;
	}
}

/**
 * devmir_fault_range_unlocked() - Mirror a range whose CPU faults may need
 * to drop the mmap lock.
 * @mirror: The mirror.
 * @start: Page-aligned start.
 * @end: Page-aligned end, above @start.
 * @write: Fault for write (break copy-on-write) rather than read.
 *
 * Faults every page of [@start, @end) in and mirrors it, as a device fault
 * on each page would, but through hmm_range_fault_unlocked_timeout(): the
 * CPU fault may drop the mmap lock and wait, so memory a fault handler
 * resolves in user space (userfaultfd) or that needs the lock dropped to
 * make progress can be mirrored. devmir_fault_batch() cannot fault such
 * memory (-EFAULT). One window of %DEVMIR_WINDOW_MAX at a time, each under
 * the notifier retry protocol (devmir_range_commit()); no fault-ahead, no
 * migration policy.
 *
 * Context: Process context; may sleep for as long as the CPU faults do
 * (a userfaultfd handler that never answers blocks until a fatal signal).
 * The caller holds neither the mmap lock nor the update lock.
 * Return: 0; -EINVAL for a bad range; -EOPNOTSUPP if the kernel has no
 * hmm_range_fault_unlocked_timeout(); -EFAULT if a page cannot be mirrored
 * (unmapped, PROT_NONE, VM_IO/VM_PFNMAP, or its CPU fault failed);
 * -EPERM for a write to read-only memory; -EBUSY if invalidations kept
 * winning; -EINTR on a fatal signal; -ENOMEM; -ENODEV once the mm is gone.
 */
int devmir_fault_range_unlocked(struct devmir_mirror *mirror, u64 start,
				u64 end, bool write)
{
	struct hmm_range range = {
		.notifier = &mirror->notifier,
		.default_flags = HMM_PFN_REQ_FAULT |
				 (write ? HMM_PFN_REQ_WRITE : 0),
		.dev_private_owner = mirror->dev->owner,
	};
	struct devmir_fault_buf *buf;
	unsigned long timeout = msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct devmir_retry retry;
	u64 addr;
	int ret = 0;

	if (start >= end || (start | end) & ~PAGE_MASK ||
	    end > devmir_va_end(mirror->dev))
		return -EINVAL;
	if (!devmir_hmm_fault_unlocked_supported())
		return -EOPNOTSUPP;
	devmir_might_lock_update(mirror);
	if (!mmget_not_zero(mirror->mm))
		return -ENODEV;
	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_mmput;
	}
	range.hmm_pfns = buf->pfns;

	for (addr = start; addr < end && !ret; addr = range.end) {
		range.start = addr;
		range.end = min_t(u64, addr + DEVMIR_WINDOW_MAX, end);
		devmir_retry_init(&retry);
		for (;;) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			if (devmir_retry_expired(&retry)) {
				ret = -EBUSY;
				break;
			}
			devmir_stat_add(mirror, DEVMIR_STAT_HMM_CALLS, 1);
			ret = devmir_hmm_range_fault_unlocked(&range, timeout);
			if (!ret)
				devmir_hmm_fix_device_pmd(&range);
			if (ret == -EBUSY) {
				devmir_stat_add(mirror, DEVMIR_STAT_HMM_BUSY, 1);
				continue;
			}
			if (ret)
				break;
			ret = devmir_range_commit(mirror, &range, buf, &retry);
			if (ret != -EAGAIN)
				break;
		}
	}
	kfree(buf);
out_mmput:
	mmput(mirror->mm);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_fault_range_unlocked);
