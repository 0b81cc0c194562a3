// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - device fault servicing: hmm_range_fault() with the interval
 * notifier retry protocol, fault-ahead windows, huge leaves, and the hooks
 * where a device fault migrates (policy, peer pages, copy-on-write).
 */
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/* Times a populate that ran out of memory under the update lock is retried. */
#define DEVMIR_NOMEM_RETRIES	8

/* Migrations one device fault may start (policy, then a fix-up). */
#define DEVMIR_FAULT_MIGRATIONS	2

/*
 * Attempts a fault makes before the timeout may end it: a CPU that is merely
 * slow (an emulated guest on a busy host) must not turn a fault into -EBUSY.
 */
#define DEVMIR_FAULT_MIN_ATTEMPTS	16

/* Whether @vma may be mirrored for the access; hmm_range_fault() agrees. */
static bool devmir_vma_ok(struct vm_area_struct *vma, bool write)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	if (!(vma->vm_flags & VM_READ))
		return false;
	return !write || (vma->vm_flags & VM_WRITE);
}

/*
 * hmm_range_fault(), and then -EBUSY as if an invalidation had raced it when
 * the hmm_busy injection point fires: the pages were faulted, the caller
 * throws the result away and retries, as it does for a real race.
 */
static int devmir_hmm_range_fault(struct hmm_range *range)
{
	int ret = hmm_range_fault(range);

	if (!ret && devmir_inject(DEVMIR_INJECT_HMM_BUSY, NULL))
		return -EBUSY;
	return ret;
}

/**
 * devmir_range_check() - Check that a user range may be mirrored.
 * @mm: The mm; the caller holds a user reference.
 * @start: First address.
 * @end: Exclusive end.
 * @write: Whether write access is needed.
 *
 * Every byte of [@start, @end) must be covered by VMAs that are readable
 * (and writable if @write), and neither VM_IO nor VM_PFNMAP: exactly the
 * ranges a device fault can populate. Drivers call it to validate a command
 * before doing any work; the answer may be stale as soon as it returns, so
 * the fault path checks again.
 *
 * Context: Process context; takes the mmap read lock.
 * Return: 0 if the range is mirrorable, -EINVAL if @end <= @start, -EFAULT
 * if part of it is unmapped, a kernel address or not accessible, -EINTR if a
 * fatal signal interrupted the wait for the mmap lock.
 */
int devmir_range_check(struct mm_struct *mm, u64 start, u64 end, bool write)
{
	struct vm_area_struct *vma;
	u64 addr = start;
	int ret = 0;

	if (end <= start)
		return -EINVAL;
	if (end > TASK_SIZE_MAX)
		return -EFAULT;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	while (addr < end) {
		vma = vma_lookup(mm, addr);
		if (!vma || !devmir_vma_ok(vma, write)) {
			ret = -EFAULT;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_range_check);

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
 * interval notifier covers the whole address space, so any change of that
 * CPU mapping invalidates the leaf. A device page of this device becomes a
 * %DMPT_DEVICE_PRIVATE leaf; a device page of a peer is not mapped (the
 * device cannot reach it: its access faults and migrates the page).
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

/*
 * Set up @range for one fault under the mmap read lock: the fault-ahead
 * window (or the single page when @single) clipped to the VMA; the faulting
 * page is requested with the fault's access, its neighbours for read.
 */
static int devmir_fault_prepare(struct devmir_mirror *mirror,
				struct hmm_range *range, u64 addr, bool write,
				bool single)
{
	struct vm_area_struct *vma;
	u64 window, base, i, npages;

	mmap_assert_locked(mirror->mm);
	vma = vma_lookup(mirror->mm, addr);
	if (!vma || !devmir_vma_ok(vma, write))
		return -EFAULT;

	window = single ? PAGE_SIZE : READ_ONCE(mirror->fault_window);
	base = addr & ~(window - 1);
	range->start = max_t(u64, base, vma->vm_start);
	range->end = min_t(u64, base + window, vma->vm_end);
	range->default_flags = HMM_PFN_REQ_FAULT;
	range->pfn_flags_mask = write ? HMM_PFN_REQ_WRITE : 0;

	npages = (range->end - range->start) >> PAGE_SHIFT;
	for (i = 0; i < npages; i++)
		range->hmm_pfns[i] = 0;
	if (write)
		range->hmm_pfns[(addr - range->start) >> PAGE_SHIFT] =
			HMM_PFN_REQ_WRITE;
	return 0;
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
	unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct hmm_range range = {
		.notifier = &mirror->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = buf->pfns,
		.dev_private_owner = mirror->dev->owner,
	};
	unsigned int nomem = 0, attempts = 0;
	int ret;

	mmap_assert_locked(mirror->mm);
	for (;;) {
		if (time_after(jiffies, timeout) &&
		    ++attempts > DEVMIR_FAULT_MIN_ATTEMPTS)
			return -EBUSY;
		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		ret = devmir_hmm_range_fault(&range);
		if (ret == -EBUSY)
			continue;
		if (ret || !populate)
			return ret;

		mutex_lock(&mirror->update_lock);
		if (devmir_read_retry(range.notifier, range.notifier_seq)) {
			mutex_unlock(&mirror->update_lock);
			continue;
		}
		ret = devmir_populate(mirror, &range, buf);
		mutex_unlock(&mirror->update_lock);
		if (ret == -ENOMEM && ++nomem < DEVMIR_NOMEM_RETRIES) {
			cond_resched();
			continue;
		}
		return ret;
	}
}

static int devmir_fault_one(struct devmir_mirror *mirror, struct mm_struct *mm,
			    u64 addr, bool write, struct devmir_fault_buf *buf,
			    struct devmir_migrate_buf **mbuf)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct hmm_range range = {
		.notifier = &mirror->notifier,
		.hmm_pfns = buf->pfns,
		.dev_private_owner = mirror->dev->owner,
	};
	unsigned int nomem = 0, migrations = 0, attempts = 0;
	bool single = false;
	dmpt_entry_t entry;
	int ret, moved;

	addr &= PAGE_MASK;
	if (addr >= devmir_va_end(mirror->dev))
		return -EFAULT;

	/* An earlier fault of the batch (its window) may have covered it. */
	entry = devmir_mirror_lookup(mirror, addr, NULL);
	if (dmpt_entry_valid(entry) &&
	    (!write || (dmpt_entry_flags(entry) & DMPT_WRITE))) {
		devmir_stat_add(mirror, DEVMIR_STAT_FAULTS_RESOLVED, 1);
		return 0;
	}

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (time_after(jiffies, timeout) &&
		    ++attempts > DEVMIR_FAULT_MIN_ATTEMPTS)
			return -EBUSY;

		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		/* A CPU fault that blocks, e.g. on a file system, as a test point. */
		if (devmir_inject_stall(DEVMIR_STALL_FAULT, mm)) {
			mmap_read_unlock(mm);
			return -EINTR;
		}
		ret = devmir_fault_prepare(mirror, &range, addr, write, single);
		/* The fault-driven policy may migrate the window first. */
		if (!ret && !migrations) {
			moved = devmir_fault_migrate(mirror, addr, write, range.start,
						     range.end, NULL, mbuf);
			if (moved) {
				mmap_read_unlock(mm);
				migrations++;
				if (moved < 0)
					return moved;
				continue;
			}
		}
		if (!ret) {
			devmir_stat_add(mirror, DEVMIR_STAT_HMM_CALLS, 1);
			ret = devmir_hmm_range_fault(&range);
		}
		/*
		 * A peer's device page or a read-only device page for a write
		 * cannot be mirrored as it is: migrate it, then fault again.
		 */
		if (!ret && migrations < DEVMIR_FAULT_MIGRATIONS) {
			moved = devmir_fault_migrate(mirror, addr, write, range.start,
						     range.end,
						     &buf->pfns[(addr - range.start) >> PAGE_SHIFT],
						     mbuf);
			if (moved) {
				mmap_read_unlock(mm);
				migrations++;
				if (moved < 0)
					return moved;
				continue;
			}
		}
		mmap_read_unlock(mm);

		if (ret == -EBUSY) {
			devmir_stat_add(mirror, DEVMIR_STAT_HMM_BUSY, 1);
			continue;
		}
		/* A neighbour may be unfaultable (e.g. past EOF): retry alone. */
		if (ret == -EFAULT && !single &&
		    range.end - range.start > PAGE_SIZE) {
			single = true;
			continue;
		}
		if (ret)
			return ret;

		mutex_lock(&mirror->update_lock);
		if (devmir_read_retry(range.notifier, range.notifier_seq)) {
			mutex_unlock(&mirror->update_lock);
			devmir_stat_add(mirror, DEVMIR_STAT_HMM_RETRIES, 1);
			continue;
		}
		ret = devmir_populate(mirror, &range, buf);
		mutex_unlock(&mirror->update_lock);

		/* Directory allocation must not reclaim under the lock. */
		if (ret == -ENOMEM && ++nomem < DEVMIR_NOMEM_RETRIES) {
			cond_resched();
			continue;
		}
		if (!ret)
			devmir_stat_add(mirror, DEVMIR_STAT_FAULTS, 1);
		return ret;
	}
}

/**
 * devmir_fault_batch() - Service a batch of device faults.
 * @mirror: The mirror the faults belong to.
 * @faults: The faults; each one's @result is set.
 * @nfaults: Number of faults.
 *
 * For each fault in order: if the mirror already maps the page with the
 * requested access (an earlier fault's fault-ahead window covered it), it
 * is resolved at once. Otherwise mmu_interval_read_begin(),
 * hmm_range_fault() over the fault-ahead window under the mmap read lock
 * (-EBUSY: again), the update lock, mmu_interval_read_retry() (again if an
 * invalidation raced), then the mirror entries are installed. A write fault
 * breaks copy-on-write (HMM_PFN_REQ_WRITE) for the faulting page only; the
 * neighbours in the window are faulted for read. Gives up after
 * HMM_RANGE_DEFAULT_TIMEOUT milliseconds of retries (and at least 16
 * attempts past it).
 *
 * Migrations on the way: with a fault-driven policy (see
 * devmir_mirror_set_migrate_policy()) a fault on a page not in the device's
 * memory first migrates the window to the device; a fault on a page in a
 * peer device's memory migrates that page to system memory (or, under a
 * policy, the window to this device); a write fault on a device page that
 * is read-only (shared copy-on-write after fork()) migrates it to system
 * memory, where the fault breaks the sharing.
 *
 * The faults may belong to any process: the caller need not run in the
 * mirror's mm. But a fault can block for as long as the CPU fault behind it
 * (a FUSE or NFS file, userfaultfd), and the waits here end early only on a
 * fatal signal of the caller: a driver should service each mirror's faults
 * in that mirror's own context (its process, or a worker per mirror), so
 * that one process's blocked fault never holds up another's, and killing
 * the process ends its wait (devmirror_sim services per mirror).
 *
 * Per-fault results: 0; -EFAULT if the address is unmapped, a kernel
 * address, PROT_NONE, VM_IO/VM_PFNMAP, not writable for a write fault, or
 * the CPU fault failed (nothing is installed then); -EBUSY after the
 * timeout; -ENOMEM; -EINTR on a fatal signal of the caller (while it
 * waits for the mmap lock or between attempts); -ENODEV once the mm is gone.
 *
 * Context: Process context; may sleep; killable. Takes the mmap read lock and the
 * mirror's update lock; the caller holds neither, nor anything an
 * invalidation of this mm may need.
 * Return: 0 if every fault succeeded, otherwise the first fault's error.
 */
int devmir_fault_batch(struct devmir_mirror *mirror, struct devmir_fault *faults,
		       unsigned int nfaults)
{
	struct devmir_migrate_buf *mbuf = NULL;
	struct mm_struct *mm = mirror->mm;
	struct devmir_fault_buf *buf;
	unsigned int i;
	int ret = 0;

	if (!nfaults)
		return 0;
	devmir_stat_add(mirror, DEVMIR_STAT_FAULT_BATCHES, 1);

	if (!mmget_not_zero(mm)) {
		for (i = 0; i < nfaults; i++)
			faults[i].result = -ENODEV;
		devmir_stat_add(mirror, DEVMIR_STAT_FAULT_ERRORS, nfaults);
		return -ENODEV;
	}

	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		for (i = 0; i < nfaults; i++)
			faults[i].result = -ENOMEM;
		devmir_stat_add(mirror, DEVMIR_STAT_FAULT_ERRORS, nfaults);
		goto out_mmput;
	}

	for (i = 0; i < nfaults; i++) {
		faults[i].result = devmir_fault_one(mirror, mm, faults[i].addr,
						    faults[i].flags & DEVMIR_FAULT_WRITE,
						    buf, &mbuf);
		if (faults[i].result) {
			devmir_stat_add(mirror, DEVMIR_STAT_FAULT_ERRORS, 1);
			if (!ret)
				ret = faults[i].result;
		}
	}
	kvfree(mbuf);
	kfree(buf);
out_mmput:
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_fault_batch);
