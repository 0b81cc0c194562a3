// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - the test surface: read-only views of the mirror table and of
 * the CPU page tables, the table's self-check, and a range validation, for
 * front ends that report them to user space (the simulator's render node
 * and its test_hmm ABI). Exported in the DEVMIRROR_TESTING symbol
 * namespace, declared in devmirror_testing.h: a device driver does not
 * need them.
 */
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "devmirror_testing.h"
#include "internal.h"

typedef void (*devmir_cpu_window_fn)(void *arg, u64 addr,
				     const unsigned long *pfns, unsigned long n);

/*
 * Read the CPU page table of [@start, @end) one probe window at a time,
 * without faulting, under the mmap read lock, and hand each window's
 * hmm_range_fault() entries to @fn.
 * Return: 0, -ENODEV once the mm is gone, -ENOMEM, -EINTR, or the probe's
 * error (the windows before it were handed over).
 */
static int devmir_cpu_read(struct devmir_mirror *mirror, u64 start, u64 end,
			   devmir_cpu_window_fn fn, void *arg)
{
	struct mm_struct *mm = mirror->mm;
	struct devmir_fault_buf *buf;
	u64 addr, wend;
	int ret = 0;

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
		wend = min_t(u64, end, addr + DEVMIR_WINDOW_MAX);
		ret = devmir_probe_range(mirror, addr, wend, buf, false);
		if (!ret)
			fn(arg, addr, buf->pfns, (wend - addr) >> PAGE_SHIFT);
	}
	mmap_read_unlock(mm);
out_free:
	kfree(buf);
out_mmput:
	mmput(mm);
	return ret;
}

struct devmir_cpu_copy {
	u64 start;
	unsigned long *out;
};

static void devmir_cpu_copy_window(void *arg, u64 addr, const unsigned long *pfns,
				   unsigned long n)
{
	struct devmir_cpu_copy *copy = arg;

	memcpy(copy->out + ((addr - copy->start) >> PAGE_SHIFT), pfns,
	       n * sizeof(*pfns));
}

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
	struct devmir_cpu_copy copy = { .start = start, .out = hmm_pfns };
	u64 end;

	devmir_might_lock_update(mirror);
	if (!npages || start & ~PAGE_MASK ||
	    check_add_overflow(start, (u64)npages << PAGE_SHIFT, &end))
		return -EINVAL;
	if (end > devmir_va_end(mirror->dev))
		return -EFAULT;
	return devmir_cpu_read(mirror, start, end, devmir_cpu_copy_window, &copy);
}
EXPORT_SYMBOL_NS_GPL(devmir_cpu_snapshot, DEVMIR_TESTING_NS);

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

	might_sleep();
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
EXPORT_SYMBOL_NS_GPL(devmir_range_check, DEVMIR_TESTING_NS);

struct devmir_snap_ctx {
	u64 start;
	u64 end;
	u8 *out;
	unsigned long mapped;
	const struct dmpt_format *fmt;
};

static int devmir_snap_run(const struct dmpt_run *run, void *arg)
{
	struct devmir_snap_ctx *ctx = arg;
	u64 flags = dmpt_entry_flags(run->first);
	u64 size = dmpt_level_size(ctx->fmt, run->level);
	u64 first = run->start & ~(size - 1);
	u64 end = min(first + run->count * size, ctx->end);
	u64 addr;
	u8 byte = DEVMIR_SNAP_READ | (run->level << DEVMIR_SNAP_LEVEL_SHIFT);

	if (flags & DMPT_WRITE)
		byte |= DEVMIR_SNAP_WRITE;
	if (flags & DMPT_DEVICE_PRIVATE)
		byte |= DEVMIR_SNAP_DEV_LOCAL;
	if (flags & DMPT_EXCLUSIVE)
		byte |= DEVMIR_SNAP_EXCLUSIVE;

	for (addr = max(run->start, ctx->start) & PAGE_MASK; addr < end;
	     addr += PAGE_SIZE) {
		ctx->out[(addr - ctx->start) >> PAGE_SHIFT] = byte;
		ctx->mapped++;
	}
	return 0;
}

struct devmir_snap_remote {
	struct devmir_device *dev;
	u64 start;
	u8 *out;
};

static void devmir_snap_remote_window(void *arg, u64 addr, const unsigned long *pfns,
				      unsigned long n)
{
	struct devmir_snap_remote *rem = arg;
	u8 *bytes = rem->out + ((addr - rem->start) >> PAGE_SHIFT);
	struct page *page;
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (bytes[i] || !(pfns[i] & HMM_PFN_VALID) || (pfns[i] & HMM_PFN_ERROR))
			continue;
		page = hmm_pfn_to_page(pfns[i]);
		if (is_device_private_page(page) &&
		    !devmir_pfn_is_local(rem->dev, page_to_pfn(page)))
			bytes[i] = DEVMIR_SNAP_DEV_REMOTE;
	}
}

/*
 * Mark the unmapped pages of a snapshot that live in a peer device's memory:
 * the mirror never maps those, the CPU page table knows where they are.
 */
static int devmir_snap_remote(struct devmir_mirror *mirror, u64 start, u64 end,
			      u8 *out)
{
	struct devmir_snap_remote rem = {
		.dev = mirror->dev,
		.start = start,
		.out = out,
	};
	int ret;

	ret = devmir_cpu_read(mirror, start, end, devmir_snap_remote_window, &rem);
	/* Once the mm is gone there is no CPU side to report. */
	return ret == -ENODEV ? 0 : ret;
}

/**
 * devmir_mirror_snapshot() - Describe the mirror entries of a range.
 * @mirror: The mirror.
 * @start: Page-aligned first address.
 * @npages: Number of pages.
 * @out: @npages bytes; each receives 0 (not mapped) or ``DEVMIR_SNAP_*``
 *	flags with the leaf level (level 0 = leaf) in bits 5-7.
 * @mapped: If not NULL, receives the number of mapped pages.
 *
 * Reads the table under the update lock, so the result is one consistent
 * state of the mirror; it never faults anything in. A page the mirror does
 * not map because it is in a peer device's memory is then reported as
 * %DEVMIR_SNAP_DEV_REMOTE alone, from the CPU page table (not counted in
 * @mapped).
 *
 * Context: Process context; may sleep (mmap lock, update lock).
 * Return: 0, -EINVAL if @start is misaligned or the range wraps, -ENOMEM,
 * -EINTR (fatal signal while waiting for the mmap lock), -EBUSY
 * (invalidations kept racing the CPU page-table read).
 */
int devmir_mirror_snapshot(struct devmir_mirror *mirror, u64 start,
			   unsigned long npages, u8 *out, unsigned long *mapped)
{
	struct devmir_snap_ctx ctx = {
		.start = start,
		.end = start + ((u64)npages << PAGE_SHIFT),
		.out = out,
		.fmt = mirror->dev->format,
	};

	devmir_might_lock_update(mirror);
	if (start & ~PAGE_MASK || ctx.end <= start)
		return -EINVAL;

	memset(out, 0, npages);
	mutex_lock(&mirror->update_lock);
	dmpt_walk(&mirror->pt, start, ctx.end, devmir_snap_run, &ctx);
	mutex_unlock(&mirror->update_lock);
	if (mapped)
		*mapped = ctx.mapped;
	if (ctx.mapped == npages)
		return 0;
	return devmir_snap_remote(mirror, start, ctx.end, out);
}
EXPORT_SYMBOL_NS_GPL(devmir_mirror_snapshot, DEVMIR_TESTING_NS);

/**
 * devmir_mirror_check() - Verify the invariants of a mirror table.
 * @mirror: The mirror.
 *
 * Runs dmpt_check() under the update lock: entry and directory counts, no
 * empty directory below the root, accounting equal to a recount.
 *
 * Context: Process context; may sleep.
 * Return: 0 if consistent, -EUCLEAN otherwise (details in the kernel log).
 */
int devmir_mirror_check(struct devmir_mirror *mirror)
{
	int ret;

	devmir_might_lock_update(mirror);
	mutex_lock(&mirror->update_lock);
	ret = dmpt_check(&mirror->pt);
	mutex_unlock(&mirror->update_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(devmir_mirror_check, DEVMIR_TESTING_NS);
