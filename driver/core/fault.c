// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - device fault servicing: a fault-ahead window read through the
 * range layer, and the migrations a device fault may need on the way
 * (the policy's, before it; a peer page or copy-on-write, after it).
 */
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/* Migrations one device fault may start (policy, then a fix-up). */
#define DEVMIR_FAULT_MIGRATIONS	2

/**
 * DOC: Device faults
 *
 * A device fault at address A is serviced through a window around A,
 * clipped to A's VMA: one hmm_range_fault() over it, then one commit. With
 * a fixed window (a power of two, %DEVMIR_WINDOW_MIN..%DEVMIR_WINDOW_MAX,
 * devmir_mirror_set_fault_window()) the aligned window is faulted in: A
 * with the device's access, the neighbours for read.
 *
 * The adaptive window (%DEVMIR_WINDOW_ADAPTIVE) serves dense and sparse
 * access without tuning. Its window is the 2 MiB-aligned block around A,
 * but only two parts of it are faulted: A itself, and a fault-ahead run
 * from A whose length starts at one page, doubles with every fault that
 * lands where the previous run ended (a sequential scan) up to 2 MiB, and
 * drops back to one page at the first fault that does not. The rest of the
 * block is mirrored as far as the CPU already maps it, which costs a page
 * walk and no allocation. So a device streaming through memory the CPU
 * wrote takes one fault per 2 MiB; streaming through untouched memory
 * takes a logarithmic number of faults per 2 MiB; scattered accesses
 * allocate nothing the program did not touch. Reading the block costs a
 * walk of its page table, which scattered faults would pay for one page
 * each: once two faults in a row were neither sequential nor in the block
 * of (or after) the previous fault's, a fault reads its page alone, as the
 * 4 KiB window does, until one is again. The run's state is per mirror and
 * updated without a lock: concurrent faults of one mirror may each see
 * the other's update, which only makes a run shorter or longer, or reads
 * a block that need not have been read.
 */

/**
 * DOC: Fault blocks
 *
 * The mirror's own interval notifier covers the whole address space: it
 * keeps the table right, whatever changes. A fault does not read under it,
 * or every munmap anywhere in the process (a malloc() arena, another
 * thread's buffer) would make the fault wait for it and read again. Each
 * fault instead subscribes a notifier of its own to its block, the
 * %DEVMIR_WINDOW_MAX-aligned range around the faulting address, which
 * holds every window it may read, for as long as it runs (nouveau does the
 * same per fault; UVM subscribes per 2 MiB block for good), and reads and
 * commits under that notifier's sequence. Only invalidations that overlap
 * the block make it wait or retry.
 *
 * Both notifiers' callbacks clear what an invalidation covers, under the
 * update lock, and the kernel calls them in no set order. If the mirror's
 * ran first and the commit slipped in before the block's, the block's
 * clears what the commit installed, before the CPU page table changes; if
 * the block's ran first, the commit sees its sequence and retries. A huge
 * leaf may reach past the block: whatever changes a huge CPU mapping
 * invalidates all of it, so the block's callback clears the whole
 * invalidated range, not just its overlap.
 *
 * The module parameter fault_blocks=N makes faults read under the mirror's
 * notifier instead, as before the block notifiers: the benchmark's churn
 * rows compare both in one boot (it can be switched at any time through
 * /sys/module/devmirror/parameters/; each fault reads it once).
 */

static bool fault_blocks = true;
module_param(fault_blocks, bool, 0644);
MODULE_PARM_DESC(fault_blocks,
		 "Faults read under a notifier of their own 2 MiB block (default Y; N: under the mirror's, for comparison)");

/* Scattered faults in a row after which the block is no longer read. */
#define DEVMIR_SCATTERED_MAX	2

/*
 * The adaptive window's fault-ahead run at @addr, and the state it leaves;
 * *@snapshot says whether the fault reads its whole block (DOC: Device
 * faults): not once DEVMIR_SCATTERED_MAX faults in a row were neither
 * sequential nor in or right after the previous fault's block.
 */
static u64 devmir_fault_ahead(struct devmir_mirror *mirror, u64 addr,
			      bool *snapshot)
{
	u64 ahead = READ_ONCE(mirror->ahead), block = addr / DEVMIR_WINDOW_MAX;
	u64 last = READ_ONCE(mirror->last_block);
	unsigned int scattered = READ_ONCE(mirror->scattered);
	bool seq = addr == READ_ONCE(mirror->ahead_next);
	bool near = seq || block == last || block == last + 1;

	if (seq)
		ahead = min_t(u64, ahead * 2, DEVMIR_WINDOW_MAX);
	else
		ahead = DEVMIR_WINDOW_MIN;
	*snapshot = near || scattered < DEVMIR_SCATTERED_MAX;
	if (near)
		scattered = 0;
	else if (scattered < DEVMIR_SCATTERED_MAX)
		scattered++;
	WRITE_ONCE(mirror->ahead, ahead);
	WRITE_ONCE(mirror->ahead_next, addr + ahead);
	WRITE_ONCE(mirror->last_block, block);
	WRITE_ONCE(mirror->scattered, scattered);
	return ahead;
}

/*
 * Set up @range for one fault under the mmap read lock (DOC: Device
 * faults): @window (PAGE_SIZE to retry the page alone) clipped to the VMA,
 * faulted in with the fault's access for the faulting page and for read
 * for its neighbours. The adaptive window is set up to be read without
 * faulting; devmir_fault_read() then faults its run.
 */
static int devmir_fault_prepare(struct devmir_mirror *mirror,
				struct hmm_range *range, u64 addr, bool write,
				u64 window)
{
	bool adaptive = window == DEVMIR_WINDOW_ADAPTIVE;
	struct vm_area_struct *vma;
	u64 base, i, npages;

	devmir_mmap_assert_locked(mirror->mm);
	vma = vma_lookup(mirror->mm, addr);
	if (!vma || !devmir_vma_ok(vma, write))
		return -EFAULT;

	if (adaptive)
		window = DEVMIR_WINDOW_MAX;
	base = addr & ~(window - 1);
	range->start = max_t(u64, base, vma->vm_start);
	range->end = min_t(u64, base + window, vma->vm_end);
	range->default_flags = adaptive ? 0 : HMM_PFN_REQ_FAULT;
	range->pfn_flags_mask = write && !adaptive ? HMM_PFN_REQ_WRITE : 0;

	npages = (range->end - range->start) >> PAGE_SHIFT;
	for (i = 0; i < npages; i++)
		range->hmm_pfns[i] = 0;
	if (write && !adaptive)
		range->hmm_pfns[(addr - range->start) >> PAGE_SHIFT] =
			HMM_PFN_REQ_WRITE;
	return 0;
}

/*
 * hmm_range_fault() for a fault prepared by devmir_fault_prepare(). The
 * adaptive window takes two: the block is read without faulting, then the
 * run [@addr, @addr + @ahead) is faulted in. One call cannot do both: a
 * page-table hole is faulted in whole as soon as one page of it is asked
 * for, which would allocate the block's untouched pages. Both calls are
 * checked by the same notifier sequence at the commit.
 */
static int devmir_fault_read(struct devmir_mirror *mirror, struct hmm_range *range,
			     u64 addr, bool write, u64 ahead)
{
	struct hmm_range run = *range;
	unsigned long first, i, n;
	int ret;

	devmir_stat_add(mirror, DEVMIR_STAT_HMM_CALLS, 1);
	ret = devmir_hmm_range_fault(range);
	if (ret || !ahead)
		return ret;

	first = (addr - range->start) >> PAGE_SHIFT;
	run.start = addr;
	run.end = min_t(u64, addr + ahead, range->end);
	run.hmm_pfns = range->hmm_pfns + first;
	run.default_flags = HMM_PFN_REQ_FAULT;
	run.pfn_flags_mask = write ? HMM_PFN_REQ_WRITE : 0;
	n = (run.end - run.start) >> PAGE_SHIFT;
	for (i = 0; i < n; i++)
		run.hmm_pfns[i] = 0;
	if (write)
		run.hmm_pfns[0] = HMM_PFN_REQ_WRITE;
	devmir_stat_add(mirror, DEVMIR_STAT_HMM_CALLS, 1);
	return devmir_hmm_range_fault(&run);
}

/*
 * After hmm_range_fault(): the page at @addr (@hpfn) cannot be mirrored as
 * it is when it sits in a peer device's memory (this device cannot reach
 * it), or in this device's memory read-only for a write (shared
 * copy-on-write after fork()). Migrate it to system memory, where the next
 * attempt maps it or breaks the sharing.
 * Return: 1 if a migration ran, 0 if none was needed, or a negative errno.
 */
static int devmir_fault_fixup(struct devmir_mirror *mirror, u64 addr, bool write,
			      unsigned long hpfn, struct devmir_migrate_buf **bufp)
{
	struct devmir_migrate_result res = { };
	struct page *page;
	bool local;
	int ret;

	if (!(hpfn & HMM_PFN_VALID))
		return 0;
	page = hmm_pfn_to_page(hpfn);
	if (!is_device_private_page(page))
		return 0;
	local = devmir_pfn_is_local(mirror->dev, page_to_pfn(page));
	if (local && (!write || (hpfn & HMM_PFN_WRITE)))
		return 0;
	if (!local)
		devmir_stat_add(mirror, DEVMIR_STAT_REMOTE_FAULTS, 1);
	if (!devmir_migrate_buf_get(bufp))
		return -ENOMEM;
	ret = __devmir_migrate(mirror, addr, addr + PAGE_SIZE,
			       DEVMIR_MIGRATE_TO_SYSTEM, *bufp, &res);
	return ret ? ret : 1;
}

static int devmir_fault_one(struct devmir_mirror *mirror, struct mm_struct *mm,
			    u64 addr, bool write, struct devmir_fault_buf *buf,
			    struct devmir_migrate_buf **mbuf)
{
	bool own_block = READ_ONCE(fault_blocks);
	struct devmir_fault_block block;
	struct hmm_range range = {
		.notifier = own_block ? &block.notifier : &mirror->notifier,
		.hmm_pfns = buf->pfns,
		.dev_private_owner = mirror->dev->owner,
	};
	u64 window = READ_ONCE(mirror->fault_window), ahead = 0;
	struct devmir_attr attr;
	u64 start_ns = ktime_get_ns();
	unsigned int migrations = 0;
	struct devmir_retry retry;
	unsigned long i;
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
	/* The attributes of the faulting address's range override the policy. */
	devmir_mirror_attr_at(mirror, addr, &attr);
	if (attr.mask & DEVMIR_ATTR_FAULT_WINDOW)
		window = attr.fault_window;
	if (window == DEVMIR_WINDOW_ADAPTIVE) {
		bool snapshot;

		ahead = devmir_fault_ahead(mirror, addr, &snapshot);
		/* Scattered: the page alone, as a 4 KiB window would. */
		if (!snapshot) {
			window = PAGE_SIZE;
			ahead = 0;
		}
	}

	if (own_block) {
		ret = devmir_fault_block_watch(mirror, &block, addr);
		if (ret)
			return ret;
	}
	devmir_retry_init(&retry);
	for (;;) {
		ret = -EINTR;
		if (fatal_signal_pending(current))
			break;
		ret = -EBUSY;
		if (devmir_retry_expired(&retry))
			break;

		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		ret = -EINTR;
		if (mmap_read_lock_killable(mm))
			break;
		/* A CPU fault that blocks, e.g. on a file system, as a test point. */
		if (devmir_inject_stall(DEVMIR_STALL_FAULT, mm)) {
			mmap_read_unlock(mm);
			break;
		}
		ret = devmir_fault_prepare(mirror, &range, addr, write, window);
		moved = 0;
		/* The policy moves what the fault would fault in. */
		if (!ret && !migrations && ahead)
			moved = devmir_policy_migrate(mirror, addr, addr,
						      min_t(u64, addr + ahead, range.end),
						      &attr, mbuf);
		else if (!ret && !migrations)
			moved = devmir_policy_migrate(mirror, addr, range.start,
						      range.end, &attr, mbuf);
		if (!ret && !moved) {
			ret = devmir_fault_read(mirror, &range, addr, write,
						window == DEVMIR_WINDOW_ADAPTIVE ? ahead : 0);
			i = (addr - range.start) >> PAGE_SHIFT;
			if (!ret && migrations < DEVMIR_FAULT_MIGRATIONS)
				moved = devmir_fault_fixup(mirror, addr, write,
							   buf->pfns[i], mbuf);
		}
		mmap_read_unlock(mm);

		if (moved) {
			migrations++;
			ret = moved;
			if (moved < 0)
				break;
			continue;
		}
		if (ret == -EBUSY) {
			devmir_stat_add(mirror, DEVMIR_STAT_HMM_BUSY, 1);
			continue;
		}
		/* A neighbour may be unfaultable (e.g. past EOF): retry alone. */
		if (ret == -EFAULT && range.end - range.start > PAGE_SIZE) {
			window = PAGE_SIZE;
			ahead = 0;
			continue;
		}
		if (ret)
			break;

		ret = devmir_range_commit(mirror, &range, buf, &retry);
		if (ret == -EAGAIN)
			continue;
		if (!ret) {
			devmir_stat_add(mirror, DEVMIR_STAT_FAULTS, 1);
			devmir_lat_record(mirror,
					  devmir_lat_sized(DEVMIR_LAT_FAULT_4K,
							   range.end - range.start),
					  start_ns);
		}
		break;
	}
	if (own_block)
		devmir_fault_block_unwatch(&block);
	return ret;
}

/**
 * devmir_fault_batch() - Service a batch of device faults.
 * @mirror: The mirror the faults belong to.
 * @faults: The faults; each one's @result is set.
 * @nfaults: Number of faults.
 *
 * For each fault in order: if the mirror already maps the page with the
 * requested access (an earlier fault's fault-ahead window covered it), it
 * is resolved at once. Otherwise, under the fault's own block notifier
 * (DOC: Fault blocks), mmu_interval_read_begin(),
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

	devmir_might_lock_update(mirror);
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
