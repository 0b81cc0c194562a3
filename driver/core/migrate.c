// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - migration between system memory and device-private memory:
 * migrate_vma windows in both directions with per-page accounting, the
 * mirror refresh after a migration, and migrate_to_ram for CPU faults on
 * device pages.
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * DOC: Migration
 *
 * devmir_migrate() moves a virtual address range of the mirrored process
 * between system memory and device memory, in windows of at most 2 MiB,
 * aligned, never crossing a VMA. Per window: migrate_vma_setup() collects
 * and unmaps the pages (its MMU_NOTIFY_MIGRATE invalidation clears the
 * mirror entries of the window, which fences the device: nothing can touch
 * a page while it is copied); destination pages are allocated (device pages
 * from the pool, evicting when it is full; system pages with
 * alloc_page_vma()); the copy engine copies; migrate_vma_pages() switches
 * the page metadata; device pages that moved join the pool's LRU;
 * migrate_vma_finalize() points the CPU page table at the new pages.
 *
 * To the device, system pages and pages of peer devices are selected
 * (MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
 * MIGRATE_VMA_SELECT_DEVICE_COHERENT with the shared pgmap owner);
 * never-touched pages of private anonymous memory are populated directly in
 * device memory (zero-filled). To system memory, the device pages, private
 * and coherent, of the device and of its peers are selected; each source
 * page is copied by the device that owns it. Device-coherent pages of other
 * owners are memory the CPU maps: to this device they count as busy (the
 * kernel does not select them), to system memory as already there.
 *
 * Device THP, where the kernel has it (MIGRATE_VMA_SELECT_COMPOUND): a
 * window collects a THP, a 2 MiB device folio or a 2 MiB hole of anonymous
 * memory as one entry, and its destination is one 2 MiB folio (from the
 * pool, or a system THP) unless none is to be had or the caller asked for
 * 4 KiB pages (%DEVMIR_MIGRATE_SMALL): then 512 small pages, the kernel
 * splits the source, and %DEVMIR_STAT_THP_FALLBACKS counts it. A 2 MiB hole
 * filled with small pages gets all 512 or none, also when the copy fails
 * part way: the kernel inserts every one of them. A CPU fault on a device
 * folio mapped by a PMD brings the whole 2 MiB back. The system pages a
 * window allocates in bulk are for its 4 KiB entries; a 2 MiB entry's
 * system THP, or its 512 pages when there is none, are allocated apart.
 * Device THP is device-private: to a device-coherent device a window
 * selects 4 KiB pages only, and the kernel splits a THP source.
 *
 * A page whose copy failed does not migrate: it keeps its data where they
 * were and counts as failed (%DEVMIR_MIGRATE_FAIL_NOMEM); the pages of the
 * batch that were copied before the failure migrate normally.
 *
 * A page that is busy when its window passes (locked or referenced for a
 * moment by compaction, reclaim, a racing fault or another thread's device
 * access; migrate_vma_setup() does not collect it, or migrate_vma_pages()
 * refuses it) is tried again over the sub-range from its first to its last
 * busy page, as migrate_pages() retries its -EAGAIN pages
 * (%DEVMIR_STAT_MIGRATE_RETRIES counts the passes). The first two passes
 * again follow at once. An explicit migration (devmir_migrate(): MIGRATE,
 * PREFETCH, the compat devices') then waits for the holder to let go: up
 * to eight more passes, each after a sleep that doubles from 50 us to 2 ms,
 * drawn from a budget of %DEVMIR_BUSY_WAIT_US for the whole call, so that
 * a page pinned for good costs one window's waits, not every window's. A
 * device fault's migration never sleeps for a busy page (it mirrors the
 * page where it is instead). A busy 2 MiB entry is tried again whole: the
 * sub-range grows to its aligned block, the only range over which the
 * kernel collects it as one entry again. A page still busy after that
 * counts as failed (%DEVMIR_MIGRATE_FAIL_BUSY): pinned pages stay so.
 *
 * Where a window's time goes is counted per phase, in nanoseconds: the
 * kernel's collection and unmapping (%DEVMIR_STAT_MIGRATE_SETUP_NS),
 * devmirror's destination allocation with any eviction (_ALLOC_NS) and
 * copy (_COPY_NS), the kernel's switch of the page metadata with the
 * pool's bookkeeping (_PAGES_NS) and its remapping (_FINALIZE_NS), and
 * devmirror's classification of what did not move and mirror refresh
 * (_REFRESH_NS): what is ours and what is the kernel's.
 *
 * Every page of the range is accounted for: moved, already at the
 * destination, absent (nothing to move back), or failed with a reason
 * (&enum devmir_migrate_fail). Pages migrate_vma_setup() did not collect
 * are classified afterwards from the CPU page table (one hmm_range_fault()
 * that never faults). That probe sees no page behind a migration entry or a
 * device-exclusive entry, as behind none or a swap entry, and 6.12 exports
 * no page-table walker that tells them apart. Moving to system memory, a
 * page it finds nothing at counts busy when devmirror knows of such an
 * entry: inside a window of the same mm between its migrate_vma_setup()
 * and migrate_vma_finalize() (another thread's, another device's, a CPU
 * fault's), while any device evicts (its victims' processes are unknown),
 * or where this mirror was granted device-exclusive access and nothing has
 * revoked it. Others' entries (the kernel's own migrations of system pages,
 * another driver's or another device's exclusive access) count absent.
 * After a migration to the device the same
 * hmm_range_fault() refreshes the mirror under the notifier retry protocol,
 * so the moved pages are mirrored as device-local at once.
 *
 * CPU faults: a CPU access to a device page enters devmir_migrate_to_ram()
 * with the mmap lock held. It migrates the window of the mirror's ram window
 * (the device default for a process without a mirror) around the fault,
 * clipped to the VMA, back to system memory; device pages of peers in the
 * window come along. The faulting page is always part of it, as the kernel
 * requires.
 */

/* What happened to one page of a window (&devmir_migrate_buf.outcome). */
enum {
	DEVMIR_OUT_UNKNOWN,
	DEVMIR_OUT_MOVED,
	DEVMIR_OUT_ALREADY,
	DEVMIR_OUT_ABSENT,
	DEVMIR_OUT_FAIL,	/* + enum devmir_migrate_fail */
};

static bool devmir_vma_migratable(struct vm_area_struct *vma)
{
	return !is_vm_hugetlb_page(vma) && !(vma->vm_flags & VM_SPECIAL) &&
	       !vma_is_dax(vma);
}

/*
 * A page migrate_vma_setup() did not collect: where is it now? @hpfn is what
 * a probe that never faults found at @addr.
 */
static u8 devmir_classify(struct devmir_mirror *mirror, struct vm_area_struct *vma,
			  enum devmir_migrate_dir dir, u64 addr, unsigned long hpfn)
{
	struct devmir_device *dev = mirror->dev;
	struct page *page = NULL;

	if ((hpfn & HMM_PFN_VALID) && !(hpfn & HMM_PFN_ERROR))
		page = hmm_pfn_to_page(hpfn);

	if (dir == DEVMIR_MIGRATE_TO_SYSTEM) {
		/*
		 * No page: none, swapped out, or a page under an entry the
		 * probe cannot see through: a migration's or device-exclusive
		 * access. Those are busy; the kernel exports no walker that
		 * tells them apart, so what devmirror itself put there is
		 * what is known (DOC: Migration).
		 */
		if (!page)
			return devmir_exclusive_held(mirror, addr) ||
			       devmir_inflight_covers(mirror->mm, addr) ?
			       DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY :
			       DEVMIR_OUT_ABSENT;
		if (is_device_private_page(page) ||
		    (is_device_coherent_page(page) &&
		     page_pgmap(page)->owner == dev->owner))
			return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY;
		return DEVMIR_OUT_ALREADY;
	}
	if (page && devmir_pfn_is_local(dev, page_to_pfn(page)))
		return DEVMIR_OUT_ALREADY;
	if (page && !is_device_private_page(page) && !PageAnon(page))
		return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_FILE;
	if (!page && !vma_is_anonymous(vma))
		return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_FILE;
	/* Pinned, locked, swapped, migrating, or a peer's busy page. */
	return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY;
}

/*
 * System pages for the destinations of a window to system memory. With no
 * memory policy in force (none on the VMA or its file, none on the task),
 * alloc_page_vma() would take each from the local node: the pool takes
 * them all from there in one call of the bulk allocator instead. Otherwise
 * the pool stays empty and every destination comes from alloc_page_vma().
 */
struct devmir_sys_pool {
	struct page **pages;
	unsigned long n;
	unsigned long used;
};

static bool devmir_default_mempolicy(struct vm_area_struct *vma)
{
#ifdef CONFIG_NUMA
	return !vma->vm_policy && !(vma->vm_ops && vma->vm_ops->get_policy) &&
	       !current->mempolicy;
#else
	return true;
#endif
}

/*
 * Fill @pool, when the default policy applies, with a page for each of the
 * @npages entries of @src that migrate_vma_setup() collected with a page.
 */
static void devmir_sys_pool_fill(struct devmir_sys_pool *pool,
				 struct vm_area_struct *vma,
				 const unsigned long *src, unsigned long npages)
{
	unsigned long i, want = 0;

	pool->n = 0;
	pool->used = 0;
	for (i = 0; i < npages; i++)
		want += (src[i] & MIGRATE_PFN_MIGRATE) &&
			!(src[i] & DEVMIR_MIGRATE_PFN_COMPOUND) &&
			migrate_pfn_to_page(src[i]);
	if (want < 2 || !devmir_default_mempolicy(vma))
		return;
	memset(pool->pages, 0, want * sizeof(*pool->pages));
	pool->n = devmir_alloc_pages_bulk_node(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
					       numa_mem_id(), want, pool->pages);
}

/* The next destination page for @addr: from @pool while it lasts. */
static struct page *devmir_sys_page(struct devmir_sys_pool *pool,
				    struct vm_area_struct *vma, u64 addr)
{
	if (pool->used < pool->n)
		return pool->pages[pool->used++];
	return alloc_page_vma(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, vma, addr);
}

/* Give back what the window did not use. */
static void devmir_sys_pool_drain(struct devmir_sys_pool *pool)
{
	while (pool->used < pool->n)
		__free_page(pool->pages[pool->used++]);
}

/* Allocate the destination of window page @i and queue it for the copy. */
static u8 devmir_window_dst(struct devmir_mirror *mirror,
			    struct vm_area_struct *vma, struct migrate_vma *args,
			    enum devmir_migrate_dir dir, unsigned long i,
			    struct devmir_copy_batch *batch,
			    struct devmir_sys_pool *pool,
			    struct devmir_migrate_result *res)
{
	struct devmir_device *dev = mirror->dev;
	unsigned long src = args->src[i];
	struct page *spage = migrate_pfn_to_page(src);
	unsigned long flags = src & MIGRATE_PFN_WRITE;
	struct page *dpage;

	if (dir == DEVMIR_MIGRATE_TO_DEVICE) {
		if (spage && devmir_pfn_is_local(dev, page_to_pfn(spage)))
			return DEVMIR_OUT_ALREADY;
		/* migrate_vma_pages() populates anonymous memory only. */
		if (!spage && !vma_is_anonymous(vma))
			return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_FILE;
		dpage = devmir_devmem_alloc(dev->devmem, mirror->mm, &res->evicted);
		if (!dpage)
			return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_NOMEM;
		if (!spage && (vma->vm_flags & VM_WRITE))
			flags |= MIGRATE_PFN_WRITE;
	} else {
		if (!spage)
			return DEVMIR_OUT_ABSENT;
		dpage = devmir_sys_page(pool, vma, args->start + (i << PAGE_SHIFT));
		if (!dpage)
			return DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_NOMEM;
		lock_page(dpage);
	}
	devmir_batch_add(batch, i, spage, dpage, flags);
	return DEVMIR_OUT_UNKNOWN;
}

/*
 * Allocate the destination of the 2 MiB source at window page @i
 * (MIGRATE_PFN_COMPOUND: a THP, a 2 MiB device folio, or a 2 MiB hole of
 * anonymous memory) and queue it for the copy: one 2 MiB folio, or, when
 * none is to be had, 4 KiB pages, and the kernel splits the source.
 * Writes the outcome of each of its pages; returns how many that is.
 */
static unsigned long devmir_window_dst_huge(struct devmir_mirror *mirror,
					    struct vm_area_struct *vma,
					    struct migrate_vma *args,
					    enum devmir_migrate_dir dir,
					    unsigned long i, bool small,
					    struct devmir_copy_batch *batch,
					    u8 *outcome,
					    struct devmir_migrate_result *res)
{
	struct devmir_device *dev = mirror->dev;
	unsigned long src = args->src[i];
	struct page *spage = migrate_pfn_to_page(src);
	unsigned long flags = src & MIGRATE_PFN_WRITE;
	unsigned long nr = min(DEVMIR_BLOCK_PAGES, args->npages - i), j;
	u64 addr = args->start + (i << PAGE_SHIFT);
	struct folio *dfolio = NULL;
	struct page *dpage;

	if (dir == DEVMIR_MIGRATE_TO_DEVICE) {
		if (spage && devmir_pfn_is_local(dev, page_to_pfn(spage))) {
			memset(outcome + i, DEVMIR_OUT_ALREADY, nr);
			return nr;
		}
		if (!spage && (vma->vm_flags & VM_WRITE))
			flags |= MIGRATE_PFN_WRITE;
		dpage = small ? NULL :
			devmir_devmem_alloc_huge(dev->devmem, mirror->mm, &res->evicted);
		if (dpage)
			dfolio = page_folio(dpage);
	} else {
		if (!spage) {
			memset(outcome + i, DEVMIR_OUT_ABSENT, nr);
			return nr;
		}
		dfolio = small ? NULL : devmir_vma_alloc_thp(vma, addr);
		if (dfolio)
			folio_lock(dfolio);
	}
	memset(outcome + i, DEVMIR_OUT_UNKNOWN, nr);
	if (dfolio && folio_nr_pages(dfolio) == nr) {
		devmir_batch_add_folio(batch, i, spage, dfolio, flags);
		return nr;
	}
	if (dfolio) {
		folio_unlock(dfolio);
		folio_put(dfolio);
	}

	/* 4 KiB pages; the kernel splits the source (counted: thp_fallbacks). */
	devmir_stat_add(mirror, DEVMIR_STAT_THP_FALLBACKS, 1);
	for (j = 0; j < nr; j++) {
		if (dir == DEVMIR_MIGRATE_TO_DEVICE) {
			dpage = devmir_devmem_alloc(dev->devmem, mirror->mm, &res->evicted);
		} else {
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
					       vma, addr + (j << PAGE_SHIFT));
			if (dpage)
				lock_page(dpage);
		}
		if (!dpage) {
			/* A hole takes all its pages or none (see below). */
			if (!spage) {
				devmir_batch_drop(batch, batch->n - j, batch->n);
				batch->n -= j;
				j = 0;
			}
			memset(outcome + i + j,
			       DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_NOMEM, nr - j);
			break;
		}
		devmir_batch_add(batch, i + j, spage ? spage + j : NULL, dpage,
				 flags);
	}
	return nr;
}

/*
 * Whether window entry @i is a 2 MiB hole queued as 4 KiB pages. Such an
 * entry moves whole or not at all: migrate_vma_pages() inserts a page for
 * every one of its 512 entries and has no way to skip one without a
 * destination (it would dereference it). A THP source is different: the
 * kernel splits it, and a page without a destination stays.
 */
static bool devmir_hole_in_pages(const struct migrate_vma *args, unsigned long i)
{
	return (args->src[i] & MIGRATE_PFN_MIGRATE) &&
	       (args->src[i] & DEVMIR_MIGRATE_PFN_COMPOUND) &&
	       !migrate_pfn_to_page(args->src[i]) && args->dst[i] &&
	       !(args->dst[i] & DEVMIR_MIGRATE_PFN_COMPOUND);
}

/* Add a window's outcomes to @res and to the mirror's statistics. */
static void devmir_window_account(struct devmir_mirror *mirror,
				  enum devmir_migrate_dir dir, const u8 *outcome,
				  unsigned long npages, u64 bytes, u64 evicted,
				  struct devmir_migrate_result *res)
{
	unsigned long i, moved = 0, failed = 0;

	for (i = 0; i < npages; i++) {
		switch (outcome[i]) {
		case DEVMIR_OUT_MOVED:
			moved++;
			break;
		case DEVMIR_OUT_ALREADY:
			res->already++;
			break;
		case DEVMIR_OUT_ABSENT:
			res->absent++;
			break;
		default:
			res->failed[outcome[i] - DEVMIR_OUT_FAIL]++;
			failed++;
			break;
		}
	}
	res->migrated += moved;
	res->bytes += bytes;
	devmir_stat_add(mirror, dir == DEVMIR_MIGRATE_TO_DEVICE ?
			DEVMIR_STAT_MIGRATED_TO_DEVICE :
			DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
	devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_BYTES, bytes);
	devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_FAILED, failed);
	/* The device counted the evictions already (devmem.c). */
	atomic64_add(evicted, &mirror->counters.c[DEVMIR_STAT_EVICTIONS]);
}

/*
 * Account the time since @t to the phase counter @stat of a migration
 * window (DOC: Migration); return now.
 */
static u64 devmir_phase(struct devmir_mirror *mirror, enum devmir_stat stat, u64 t)
{
	u64 now = ktime_get_ns();

	devmir_stat_add(mirror, stat, now > t ? now - t : 0);
	return now;
}

/*
 * Whether a pass of @dir collects 2 MiB entries (DOC: Migration): on kernels
 * with device-private THP, unless the caller asked for 4 KiB pages. Device
 * THP is device-private memory's: to a device-coherent device, 4 KiB pages.
 */
static bool devmir_pass_compound(struct devmir_device *dev,
				 enum devmir_migrate_dir dir,
				 const struct devmir_migrate_buf *buf)
{
	if (!DEVMIR_DEVICE_THP || buf->small)
		return false;
	return dir != DEVMIR_MIGRATE_TO_DEVICE ||
	       devmir_device_memory_kind(dev) == DEVMIR_MEMORY_PRIVATE;
}

/* The first entry of @src in [@from, @to) with a collected page, or @to. */
static unsigned long devmir_busy_candidate(const unsigned long *src,
					   unsigned long from, unsigned long to)
{
	unsigned long i, nr;

	for (i = from; i < to; i += nr) {
		nr = src[i] & DEVMIR_MIGRATE_PFN_COMPOUND ? DEVMIR_BLOCK_PAGES : 1;
		if ((src[i] & MIGRATE_PFN_MIGRATE) && migrate_pfn_to_page(src[i]))
			return i;
	}
	return to;
}

/*
 * The page_busy injection point (DOC: Fault injection): the entry of @src
 * (@npages entries, after migrate_vma_setup()) that holds page
 * @draw % @npages, or the next one after it (cyclically) with a collected
 * page, is busy, as if the kernel had not been able to isolate it. Only a
 * page can be busy: an entry without one (a hole, the zero page) is passed
 * over. A 2 MiB entry (MIGRATE_PFN_COMPOUND: the first of its 512, the
 * other 511 empty) is busy as a whole: without MIGRATE_PFN_MIGRATE on its
 * first entry the kernel leaves the whole folio where it is.
 */
static void devmir_inject_busy_entry(unsigned long *src, unsigned long npages,
				     u64 draw)
{
	unsigned long page = draw % npages, i, nr;

	for (i = 0; i + 1 < npages; i += nr) {
		nr = src[i] & DEVMIR_MIGRATE_PFN_COMPOUND ? DEVMIR_BLOCK_PAGES : 1;
		if (page < i + nr)
			break;
	}
	i = devmir_busy_candidate(src, i, npages);
	if (i == npages)
		i = devmir_busy_candidate(src, 0, npages);
	if (i < npages)
		src[i] &= ~MIGRATE_PFN_MIGRATE;
}

/*
 * One pass over [@start, @end) inside @vma: what happened to each page goes
 * to @outcome; returns the bytes copied. *@busy_whole tells whether a 2 MiB
 * entry of the pass stayed where it was, busy (DOC: Migration). The mmap
 * lock is held.
 */
static u64 devmir_window_pass(struct devmir_mirror *mirror,
			      struct vm_area_struct *vma, u64 start, u64 end,
			      enum devmir_migrate_dir dir,
			      struct devmir_migrate_buf *buf, u8 *outcome,
			      bool *busy_whole, struct devmir_migrate_result *res)
{
	struct devmir_device *dev = mirror->dev;
	unsigned long npages = (end - start) >> PAGE_SHIFT, i;
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.src = buf->src,
		.dst = buf->dst,
		.pgmap_owner = dev->owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			 MIGRATE_VMA_SELECT_DEVICE_COHERENT,
	};
	bool compound = devmir_pass_compound(dev, dir, buf);
	struct devmir_copy_batch batch = {
		.src = buf->copy_src,
		.dst = buf->copy_dst,
		.idx = buf->copy_idx,
		.mdst = buf->dst,
	};
	struct devmir_sys_pool pool = { .pages = buf->sys_pages };
	u64 bytes = 0, draw, t;
	struct devmir_inflight inflight;
	unsigned int done, k;
	bool unknown = false;
	unsigned long nr;
	int ret;

	*busy_whole = false;
	/*
	 * Whole 2 MiB folios where the kernel moves them: the window is one
	 * aligned 2 MiB block or part of one, which the kernel then splits.
	 */
	if (compound)
		args.flags |= DEVMIR_MIGRATE_VMA_SELECT_COMPOUND;
	memset(outcome, DEVMIR_OUT_UNKNOWN, npages);
	if (dir == DEVMIR_MIGRATE_TO_DEVICE) {
		if (!dev->devmem) {
			memset(outcome, DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_NOMEM,
			       npages);
			return 0;
		}
		args.flags |= MIGRATE_VMA_SELECT_SYSTEM;
	}

	devmir_inflight_begin(&inflight, mirror->mm, start, end);
	t = ktime_get_ns();
	if (migrate_vma_setup(&args)) {
		devmir_inflight_end(&inflight);
		/* Only for arguments the caller checked: say so loudly. */
		WARN_ON_ONCE(1);
		memset(outcome, DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_VMA, npages);
		return 0;
	}
	devmir_inject_stall(DEVMIR_STALL_MIGRATE, mirror->mm);
	if (devmir_inject(DEVMIR_INJECT_PAGE_BUSY, &draw))
		devmir_inject_busy_entry(buf->src, args.npages, draw);
	t = devmir_phase(mirror, DEVMIR_STAT_MIGRATE_SETUP_NS, t);

	/*
	 * System destinations of 4 KiB entries come from the pool; a 2 MiB
	 * entry has its own (a system THP, else 4 KiB pages one by one).
	 */
	if (dir == DEVMIR_MIGRATE_TO_SYSTEM)
		devmir_sys_pool_fill(&pool, vma, buf->src, args.npages);
	memset(buf->dst, 0, args.npages * sizeof(buf->dst[0]));
	for (i = 0; i < args.npages; i += nr) {
		nr = 1;
		if (!(buf->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (buf->src[i] & DEVMIR_MIGRATE_PFN_COMPOUND)
			nr = devmir_window_dst_huge(mirror, vma, &args, dir, i,
						    !compound, &batch, outcome, res);
		else
			outcome[i] = devmir_window_dst(mirror, vma, &args, dir, i,
						       &batch, &pool, res);
	}
	devmir_sys_pool_drain(&pool);
	t = devmir_phase(mirror, DEVMIR_STAT_MIGRATE_ALLOC_NS, t);

	/*
	 * A page whose copy did not happen does not migrate: it keeps its
	 * data where they were and counts as failed for lack of memory.
	 */
	done = devmir_batch_copy(&batch, dir == DEVMIR_MIGRATE_TO_DEVICE ? dev : NULL,
				 true);
	/*
	 * A copy cut short inside a 2 MiB hole's pages takes back the ones
	 * copied too. A compound entry covers the whole window (its first
	 * entry), so those are the batch's first entries.
	 */
	if (done && done < batch.n && devmir_hole_in_pages(&args, 0)) {
		devmir_batch_drop(&batch, 0, done);
		done = 0;
	}
	for (k = done; k < batch.n; k++)
		outcome[batch.idx[k]] = DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_NOMEM;
	t = devmir_phase(mirror, DEVMIR_STAT_MIGRATE_COPY_NS, t);

	migrate_vma_pages(&args);

	for (k = 0; k < done; k++) {
		struct page *spage = batch.src[k];
		struct folio *dfolio = page_folio(batch.dst[k]);
		unsigned long head;

		i = batch.idx[k];
		/* The pages of a 2 MiB folio move with its first entry. */
		head = i - (batch.dst[k] - &dfolio->page);
		if (buf->src[head] & MIGRATE_PFN_MIGRATE) {
			outcome[i] = DEVMIR_OUT_MOVED;
			if (spage)
				bytes += PAGE_SIZE;
			if (head != i)
				continue;
			if (folio_test_large(dfolio))
				devmir_stat_add(mirror, DEVMIR_STAT_THP_MIGRATED, 1);
			if (dir == DEVMIR_MIGRATE_TO_DEVICE)
				devmir_devmem_commit(dev->devmem, batch.dst[k],
						     mirror->mm,
						     start + (i << PAGE_SHIFT));
		} else if (spage && !is_zone_device_page(spage) && !PageAnon(spage)) {
			/* Page cache or shmem: refused by migrate_vma_pages(). */
			outcome[i] = DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_FILE;
		} else {
			outcome[i] = DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY;
		}
	}
	t = devmir_phase(mirror, DEVMIR_STAT_MIGRATE_PAGES_NS, t);
	migrate_vma_finalize(&args);
	devmir_inflight_end(&inflight);
	t = devmir_phase(mirror, DEVMIR_STAT_MIGRATE_FINALIZE_NS, t);

	for (i = 0; i < npages; i++)
		unknown |= outcome[i] == DEVMIR_OUT_UNKNOWN;
	/*
	 * Classify what was not collected from the CPU page table; after a
	 * migration to the device also mirror the window as it now is.
	 */
	if (unknown || dir == DEVMIR_MIGRATE_TO_DEVICE) {
		ret = devmir_probe_range(mirror, start, end, &buf->probe,
					 dir == DEVMIR_MIGRATE_TO_DEVICE);
		for (i = 0; i < npages; i++) {
			if (outcome[i] != DEVMIR_OUT_UNKNOWN)
				continue;
			outcome[i] = ret ? DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY :
				devmir_classify(mirror, vma, dir, start + (i << PAGE_SHIFT),
						buf->probe.pfns[i]);
		}
	}
	/*
	 * A 2 MiB entry the kernel neither moved nor split is busy whole.
	 * (One it could not isolate at all, pinned, comes back as 512 empty
	 * entries: each of its pages is classified busy on its own.)
	 */
	for (i = 0; compound && i < npages; i += nr) {
		nr = buf->src[i] & DEVMIR_MIGRATE_PFN_COMPOUND ? DEVMIR_BLOCK_PAGES : 1;
		if (nr > 1 && outcome[i] == DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY)
			*busy_whole = true;
	}
	devmir_phase(mirror, DEVMIR_STAT_MIGRATE_REFRESH_NS, t);
	return bytes;
}

/*
 * Passes over one window after the first: a page that was busy (locked or
 * referenced by someone else for a moment: compaction, reclaim, a racing
 * fault) is tried again, as the kernel's own migrate_pages() does, at
 * most ten times. The first %DEVMIR_BUSY_QUICK passes again follow at
 * once; each later one waits first, 50 us doubling to 2 ms, as long as the
 * call's budget (&devmir_migrate_buf.wait_us) lasts.
 */
#define DEVMIR_BUSY_RETRIES	10
#define DEVMIR_BUSY_QUICK	2
#define DEVMIR_BUSY_WAIT_MIN_US	50
#define DEVMIR_BUSY_WAIT_MAX_US	2000
#define DEVMIR_BUSY_WAIT_US	20000	/* per devmir_migrate() call */

/*
 * Sleep before pass @retry over busy pages, if it is one that waits and the
 * budget allows; false when the window should give up instead.
 */
static bool devmir_busy_wait(struct devmir_migrate_buf *buf, unsigned int retry)
{
	unsigned int us;

	if (retry < DEVMIR_BUSY_QUICK)
		return true;
	us = min(DEVMIR_BUSY_WAIT_MIN_US << (retry - DEVMIR_BUSY_QUICK),
		 DEVMIR_BUSY_WAIT_MAX_US);
	if (buf->wait_us < us)
		return false;
	buf->wait_us -= us;
	usleep_range(us, us + us / 2);
	return true;
}

/*
 * Migrate one window [@start, @end) inside @vma and account for it; the mmap
 * lock is held. Pages busy after a pass are passed over again (see
 * %DEVMIR_BUSY_RETRIES), as one sub-range from the first to the last of
 * them, widened to whole 2 MiB blocks when a 2 MiB entry was busy (the
 * kernel collects one only over its whole aligned block); only their
 * outcomes are taken from the retry (a page of the sub-range that moved
 * before now counts as already there).
 */
static void devmir_migrate_window(struct devmir_mirror *mirror,
				  struct vm_area_struct *vma, u64 start, u64 end,
				  enum devmir_migrate_dir dir,
				  struct devmir_migrate_buf *buf,
				  struct devmir_migrate_result *res)
{
	const u8 busy = DEVMIR_OUT_FAIL + DEVMIR_MIGRATE_FAIL_BUSY;
	const u64 block = PAGE_SIZE << DEVMIR_BLOCK_ORDER;
	unsigned long npages = (end - start) >> PAGE_SHIFT, lo, hi, i;
	u64 evicted = res->evicted, start_ns = ktime_get_ns(), bytes;
	unsigned int retry;
	bool busy_whole;

	bytes = devmir_window_pass(mirror, vma, start, end, dir, buf,
				   buf->outcome, &busy_whole, res);
	for (retry = 0; retry < DEVMIR_BUSY_RETRIES; retry++) {
		for (lo = 0; lo < npages && buf->outcome[lo] != busy; lo++)
			;
		if (lo == npages)
			break;
		for (hi = npages; buf->outcome[hi - 1] != busy; hi--)
			;
		if (busy_whole) {
			lo = (max(start, ALIGN_DOWN(start + (lo << PAGE_SHIFT), block)) -
			      start) >> PAGE_SHIFT;
			hi = (min(end, ALIGN(start + (hi << PAGE_SHIFT), block)) -
			      start) >> PAGE_SHIFT;
		}
		if (fatal_signal_pending(current) || !devmir_busy_wait(buf, retry))
			break;
		cond_resched();
		bytes += devmir_window_pass(mirror, vma, start + (lo << PAGE_SHIFT),
					    start + (hi << PAGE_SHIFT), dir, buf,
					    buf->retry_outcome, &busy_whole, res);
		for (i = lo; i < hi; i++)
			if (buf->outcome[i] == busy)
				buf->outcome[i] = buf->retry_outcome[i - lo];
		devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_RETRIES, 1);
	}
	devmir_window_account(mirror, dir, buf->outcome, npages, bytes,
			      res->evicted - evicted, res);
	devmir_lat_record(mirror, devmir_lat_sized(dir == DEVMIR_MIGRATE_TO_DEVICE ?
						   DEVMIR_LAT_TO_DEVICE_4K :
						   DEVMIR_LAT_TO_SYSTEM_4K,
						   end - start), start_ns);
}

/**
 * devmir_migrate_buf_get() - The scratch space of a fault's migrations.
 * @bufp: Where it is kept; allocated here on first use, freed by the owner
 *	of @bufp with kvfree().
 *
 * Context: Process context; may sleep.
 * Return: *@bufp, or NULL without memory.
 */
struct devmir_migrate_buf *devmir_migrate_buf_get(struct devmir_migrate_buf **bufp)
{
	if (!*bufp) {
		*bufp = kvmalloc(sizeof(**bufp), GFP_KERNEL);
		if (*bufp) {
			(*bufp)->small = false;
			(*bufp)->wait_us = 0;
		}
	}
	return *bufp;
}

/**
 * __devmir_migrate() - Migrate a range; the mmap lock is held.
 * @mirror: The mirror whose mm and device are concerned.
 * @start: Page-aligned start.
 * @end: Page-aligned end.
 * @dir: Direction.
 * @buf: Scratch space.
 * @res: Accumulates the outcome (not cleared).
 *
 * Context: Process context; the caller holds the mmap lock of the mirror's
 * mm for read, and no mirror lock or page lock.
 * Return: 0 (see @res for what moved), -EFAULT if part of the range is not
 * covered by a VMA (nothing done), -EINTR on a fatal signal (between
 * windows; @res covers the windows done).
 */
int __devmir_migrate(struct devmir_mirror *mirror, u64 start, u64 end,
		     enum devmir_migrate_dir dir, struct devmir_migrate_buf *buf,
		     struct devmir_migrate_result *res)
{
	struct mm_struct *mm = mirror->mm;
	struct vm_area_struct *vma;
	u64 addr, vend, wend;

	devmir_mmap_assert_locked(mm);
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -EFAULT;
	}

	for (addr = start; addr < end;) {
		vma = vma_lookup(mm, addr);
		vend = min_t(u64, end, vma->vm_end);
		if (!devmir_vma_migratable(vma)) {
			res->failed[DEVMIR_MIGRATE_FAIL_VMA] += (vend - addr) >> PAGE_SHIFT;
			devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_FAILED,
					(vend - addr) >> PAGE_SHIFT);
			addr = vend;
			continue;
		}
		while (addr < vend) {
			if (fatal_signal_pending(current))
				return -EINTR;
			wend = min_t(u64, vend, ALIGN(addr + 1, DEVMIR_WINDOW_MAX));
			devmir_migrate_window(mirror, vma, addr, wend, dir, buf, res);
			addr = wend;
			cond_resched();
		}
	}
	return 0;
}

/**
 * devmir_migrate() - Migrate a virtual address range of a mirrored process.
 * @mirror: The mirror: the process and the device.
 * @start: Page-aligned first address.
 * @end: Page-aligned exclusive end.
 * @dir: %DEVMIR_MIGRATE_TO_DEVICE (into @mirror's device's memory) or
 *	%DEVMIR_MIGRATE_TO_SYSTEM.
 * @flags: %DEVMIR_MIGRATE_PREFETCH, %DEVMIR_MIGRATE_SMALL, or 0.
 * @res: Receives what happened to every page of the range (written even
 *	when the call fails).
 *
 * Every byte of the range must be covered by VMAs; VMAs that cannot migrate
 * at all (hugetlbfs, VM_IO, VM_PFNMAP, VM_MIXEDMAP, DAX) count as failed
 * pages, not as an error. See DOC: Migration for the steps. The caller need
 * not be the mirrored process.
 *
 * Context: Process context; may sleep. Takes the mmap lock of the mirror's
 * mm (read); the caller holds no mirror lock.
 * Return: 0 when every page is at the destination, absent or, with
 * %DEVMIR_MIGRATE_PREFETCH, whatever could not move; otherwise -ENOMEM if
 * any page failed for lack of memory, else -EBUSY if any was busy, else
 * -EOPNOTSUPP. -EINVAL for bad arguments, -EFAULT for a range not covered
 * by VMAs or above the mirror's address space (nothing is done), -EINTR on
 * a fatal signal, -ENODEV once the mm is gone.
 */
int devmir_migrate(struct devmir_mirror *mirror, u64 start, u64 end,
		   enum devmir_migrate_dir dir, unsigned int flags,
		   struct devmir_migrate_result *res)
{
	struct mm_struct *mm = mirror->mm;
	struct devmir_migrate_buf *buf;
	u64 failed = 0;
	int ret, i;

	devmir_might_lock_update(mirror);
	memset(res, 0, sizeof(*res));
	if (flags & ~(DEVMIR_MIGRATE_PREFETCH | DEVMIR_MIGRATE_SMALL))
		return -EINVAL;
	if (dir != DEVMIR_MIGRATE_TO_DEVICE && dir != DEVMIR_MIGRATE_TO_SYSTEM)
		return -EINVAL;
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || end <= start)
		return -EINVAL;
	if (end > devmir_va_end(mirror->dev))
		return -EFAULT;
	if (!mmget_not_zero(mm))
		return -ENODEV;

	buf = kvmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_mmput;
	}
	buf->small = flags & DEVMIR_MIGRATE_SMALL;
	buf->wait_us = DEVMIR_BUSY_WAIT_US;
	if (mmap_read_lock_killable(mm)) {
		ret = -EINTR;
		goto out_free;
	}
	ret = __devmir_migrate(mirror, start, end, dir, buf, res);
	mmap_read_unlock(mm);
out_free:
	kvfree(buf);
out_mmput:
	mmput(mm);
	if (ret)
		return ret;

	for (i = 0; i < DEVMIR_MIGRATE_FAIL_NR; i++)
		failed += res->failed[i];
	if (!failed || (flags & DEVMIR_MIGRATE_PREFETCH))
		return 0;
	if (res->failed[DEVMIR_MIGRATE_FAIL_NOMEM])
		return -ENOMEM;
	if (res->failed[DEVMIR_MIGRATE_FAIL_BUSY])
		return -EBUSY;
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(devmir_migrate);

/*
 * Scratch space of one CPU fault's window, or of its single page (then
 * without @sys_pages).
 */
struct devmir_ram_buf {
	unsigned long *src;
	unsigned long *dst;
	struct page **copy_src;
	struct page **copy_dst;
	struct page **sys_pages;
	u16 *copy_idx;
};

static bool devmir_ram_buf_alloc(struct devmir_ram_buf *rb, unsigned long npages)
{
	void *mem = kmalloc_array(npages, 2 * sizeof(long) + 3 * sizeof(void *) +
				  sizeof(u16), GFP_KERNEL | __GFP_NOWARN);

	if (!mem)
		return false;
	rb->src = mem;
	rb->dst = rb->src + npages;
	rb->copy_src = (struct page **)(rb->dst + npages);
	rb->copy_dst = rb->copy_src + npages;
	rb->sys_pages = rb->copy_dst + npages;
	rb->copy_idx = (u16 *)(rb->sys_pages + npages);
	return true;
}

/**
 * devmir_migrate_to_ram() - &dev_pagemap_ops.migrate_to_ram of every
 * devmirror device: a CPU access to a device page.
 * @vmf: The fault; @vmf->page is the device page, referenced by the caller.
 *
 * Migrates the ram window around the fault (DOC: Migration) back to system
 * memory. Failing to move another page of the window is harmless; failing to
 * move the faulting page because it is busy returns 0 and the CPU faults
 * again.
 *
 * Context: Page fault, mmap lock held (read); may sleep.
 * Return: 0, VM_FAULT_OOM if no system page could be allocated for the
 * faulting page, VM_FAULT_SIGBUS if its data could not be copied.
 */
vm_fault_t devmir_migrate_to_ram(struct vm_fault *vmf)
{
	struct devmir_device *dev = devmir_page_device(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	u64 window = devmir_ram_window_of(dev, vma->vm_mm, vmf->address);
	u64 base = ALIGN_DOWN(vmf->address, window);
	unsigned long single_src, single_dst, npages, i, fault_i = 0, moved = 0;
	struct page *single_csrc, *single_cdst;
	u16 single_idx;
	struct migrate_vma args = {
		.vma = vma,
		.start = max_t(u64, base, vma->vm_start),
		.end = min_t(u64, base + window, vma->vm_end),
		.pgmap_owner = dev->owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct devmir_ram_buf rb = {
		.src = &single_src,
		.dst = &single_dst,
		.copy_src = &single_csrc,
		.copy_dst = &single_cdst,
		.copy_idx = &single_idx,
	};
	struct devmir_copy_batch batch = { };
	bool allocated = false, fault_queued = false;
	struct devmir_sys_pool pool = { };
	struct devmir_inflight inflight;
	u64 start_ns = ktime_get_ns();
	vm_fault_t ret = 0;

	/*
	 * A 2 MiB device folio mapped by a PMD comes back whole (into a system
	 * THP, or as 4 KiB pages when there is none), whatever the window: the
	 * kernel moves it only as one. Mapped by PTEs (partly unmapped or
	 * protected), it is split and the window applies.
	 */
	if (DEVMIR_DEVICE_THP && !vmf->pte && folio_test_large(page_folio(vmf->page))) {
		args.start = ALIGN_DOWN(vmf->address, PAGE_SIZE << DEVMIR_BLOCK_ORDER);
		args.end = args.start + (PAGE_SIZE << DEVMIR_BLOCK_ORDER);
		args.flags |= DEVMIR_MIGRATE_VMA_SELECT_COMPOUND;
		if (!devmir_ram_buf_alloc(&rb, DEVMIR_BLOCK_PAGES))
			return VM_FAULT_OOM;
		allocated = true;
	}
	npages = (args.end - args.start) >> PAGE_SHIFT;
	if (npages > 1 && !allocated)
		allocated = devmir_ram_buf_alloc(&rb, npages);
	if (!allocated) {
		args.start = vmf->address & PAGE_MASK;
		args.end = args.start + PAGE_SIZE;
		npages = 1;
	}
	args.src = rb.src;
	args.dst = rb.dst;
	batch.src = rb.copy_src;
	batch.dst = rb.copy_dst;
	batch.idx = rb.copy_idx;
	batch.mdst = rb.dst;

	devmir_inflight_begin(&inflight, vma->vm_mm, args.start, args.end);
	if (migrate_vma_setup(&args)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	memset(rb.dst, 0, args.npages * sizeof(rb.dst[0]));
	/*
	 * 4 KiB entries only: a 2 MiB one has its own (see below). A single
	 * page (no buffer) takes nothing from the pool.
	 */
	pool.pages = rb.sys_pages;
	devmir_sys_pool_fill(&pool, vma, rb.src, args.npages);
	for (i = 0; i < args.npages; i++) {
		struct page *spage = migrate_pfn_to_page(rb.src[i]);
		unsigned long flags = rb.src[i] & MIGRATE_PFN_WRITE;
		unsigned long j, nr = 1;
		struct folio *dfolio;
		struct page *dpage;

		if (!spage || !(rb.src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (rb.src[i] & DEVMIR_MIGRATE_PFN_COMPOUND) {
			nr = min(DEVMIR_BLOCK_PAGES, args.npages - i);
			dfolio = devmir_vma_alloc_thp(vma, args.start + (i << PAGE_SHIFT));
			if (dfolio && folio_nr_pages(dfolio) == nr) {
				folio_lock(dfolio);
				devmir_batch_add_folio(&batch, i, spage, dfolio, flags);
				if (page_folio(vmf->page) == page_folio(spage)) {
					fault_queued = true;
					fault_i = i;
				}
				i += nr - 1;
				continue;
			}
			if (dfolio)
				folio_put(dfolio);
			devmir_device_stat_add(dev, DEVMIR_STAT_THP_FALLBACKS, 1);
		}
		/*
		 * 4 KiB pages (the kernel splits a 2 MiB source); those of a
		 * 2 MiB source were not counted in the pool.
		 */
		for (j = 0; j < nr; j++) {
			dpage = devmir_sys_page(nr > 1 ? NULL : &pool, vma,
						args.start + ((i + j) << PAGE_SHIFT));
			if (!dpage) {
				if (spage + j == vmf->page)
					ret = VM_FAULT_OOM;
				continue;
			}
			lock_page(dpage);
			devmir_batch_add(&batch, i + j, spage + j, dpage, flags);
			if (spage + j == vmf->page) {
				fault_queued = true;
				fault_i = i + j;
			}
		}
		i += nr - 1;
	}
	devmir_sys_pool_drain(&pool);
	/* A failed copy of the faulting page is the process's SIGBUS. */
	devmir_batch_copy(&batch, NULL, false);
	if (fault_queued && !rb.dst[fault_i])
		ret = VM_FAULT_SIGBUS;
	migrate_vma_pages(&args);
	for (i = 0; i < args.npages; i++)
		if (rb.dst[i] && (rb.src[i] & MIGRATE_PFN_MIGRATE)) {
			if (!(rb.dst[i] & DEVMIR_MIGRATE_PFN_COMPOUND)) {
				moved++;
				continue;
			}
			moved += DEVMIR_BLOCK_PAGES;
			devmir_device_stat_add(dev, DEVMIR_STAT_THP_MIGRATED, 1);
		}
	migrate_vma_finalize(&args);
	devmir_ram_fault_account(dev, vma->vm_mm, vmf->address, moved,
				 args.end - args.start, start_ns);
out:
	devmir_inflight_end(&inflight);
	if (allocated)
		kfree(rb.src);
	return ret;
}
