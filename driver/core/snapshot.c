// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot.c - a read-only view of the CPU page tables as a device of this
 * framework sees them, for front ends that report it to user space.
 */
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * devmir_cpu_snapshot() - Read the CPU page-table state of a range without
 * faulting anything in.
 * @mirror: The mirror whose mm and device view are used: the device's
 *	private pages, and those of its peers (same
 *	&devmir_device_desc.pgmap_owner), are reported as device-private
 *	pages; other devices' pages as not present.
 * @start: First address, page aligned.
 * @npages: Number of pages, at least 1.
 * @hmm_pfns: Out: one hmm_range_fault() entry per page (``HMM_PFN_*``
 *	flags, map order and pfn). An entry without %HMM_PFN_VALID is not
 *	present (none, swapped, migrating, or another device's private page);
 *	%HMM_PFN_ERROR marks pages of VMAs that cannot be read (PROT_NONE,
 *	VM_IO, VM_PFNMAP) and holes.
 *
 * Unlike devmir_mirror_snapshot(), this describes the CPU side, not the
 * mirror table, which it neither consults nor changes. Nothing is pinned,
 * so the values are stale as soon as the call returns; each window of the
 * range is read under the mirror's invalidation retry protocol.
 *
 * Context: Process context; may sleep. Takes the mmap read lock of the
 * mirror's mm; the caller holds no mirror lock.
 * Return: 0; -EINVAL for a misaligned @start, no pages or a range that
 * wraps; -EFAULT for a range beyond the device's address space or one
 * hmm_range_fault() refuses; -ENOMEM; -EINTR on a fatal signal; -EBUSY if
 * invalidations kept racing the read; -ENODEV once the mm is gone.
 */
int devmir_cpu_snapshot(struct devmir_mirror *mirror, u64 start,
			unsigned long npages, unsigned long *hmm_pfns)
{
	struct mm_struct *mm = mirror->mm;
	struct devmir_fault_buf *buf;
	u64 end, addr, wend;
	int ret = 0;

	if (!npages || start & ~PAGE_MASK ||
	    check_add_overflow(start, (u64)npages << PAGE_SHIFT, &end))
		return -EINVAL;
	if (end > devmir_va_end(mirror->dev))
		return -EFAULT;
	if (!mmget_not_zero(mm))
		return -ENODEV;
	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_mmput;
	}
	if (mmap_read_lock_killable(mm)) {
		ret = -EINTR;
		goto out_free;
	}
	for (addr = start; addr < end && !ret; addr = wend) {
		wend = min_t(u64, end, addr + ((u64)DEVMIR_WINDOW_PAGES << PAGE_SHIFT));
		ret = devmir_probe_range(mirror, addr, wend, buf, false);
		if (!ret)
			memcpy(hmm_pfns + ((addr - start) >> PAGE_SHIFT), buf->pfns,
			       ((wend - addr) >> PAGE_SHIFT) * sizeof(*hmm_pfns));
	}
	mmap_read_unlock(mm);
out_free:
	kfree(buf);
out_mmput:
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_cpu_snapshot);
