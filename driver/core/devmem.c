// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - device memory: the ZONE_DEVICE pages of a device (private or
 * coherent), the bounded pool that hands them out, and eviction of the least
 * recently used ones back to system memory when the pool is full.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/numa.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * DOC: Device memory
 *
 * A device context created with &devmir_device_desc.devmem_size gets that
 * much device-private memory: a physical address range nobody uses
 * (request_free_mem_region()) turned into MEMORY_DEVICE_PRIVATE struct pages
 * by memremap_pages(), with the device's pgmap owner. The CPU cannot map
 * these pages; a CPU access faults into &dev_pagemap_ops.migrate_to_ram. The
 * data of page i live wherever the driver keeps page i of its memory
 * (devmir_devmem_index()); the driver's &devmir_device_ops.copy moves them.
 *
 * A device created with &devmir_device_desc.memory_kind
 * %DEVMIR_MEMORY_COHERENT gets device-coherent memory instead: the physical
 * range at &devmir_device_desc.coherent_base, memory the kernel does not
 * use (reserved at boot), claimed with request_mem_region() and turned into
 * MEMORY_DEVICE_COHERENT struct pages. Those pages hold their own data; the
 * CPU maps them like system pages (no migrate_to_ram), hmm_range_fault()
 * returns them to every device, and the kernel migrates one to system
 * memory before it pins it long-term (FOLL_LONGTERM). Everything below,
 * pool, eviction and teardown, is the same for both kinds; migrations to
 * system memory select them with MIGRATE_VMA_SELECT_DEVICE_COHERENT.
 *
 * The core keeps the pages in a pool: a free list, and a list of pages in use
 * ordered by when they were filled (the LRU). A page is ALLOCATED while a
 * migration fills it, IN_USE (on the LRU) once the migration committed it,
 * and FREE again when its last reference goes (&dev_pagemap_ops.page_free:
 * the process unmapped it, exited, or the page was migrated away).
 *
 * Eviction: when a migration to the device finds the pool empty it evicts a
 * batch of pages from the LRU head with a clock hand (a page the device
 * touched since it was last looked at gets a second chance at the tail).
 * Each page in use records its owner, the mm whose migration filled it (a
 * reference from mmgrab()), and the address it had there. The eviction
 * migrates its victims the way that mm's own migration would:
 * migrate_vma_setup() over the victims' range in the owner's mm (a run of
 * consecutive addresses at once), the driver copies each into a fresh
 * system page, migrate_vma_pages() and migrate_vma_finalize() switch every
 * process's mapping over, all under the owner's mmap lock (read) and a
 * reference on its users. Holding an mm that maps the page is what keeps
 * the page's anon_vma alive between the unmapping and the finalize's walk
 * of its reverse map, whoever else unmaps it or exits meanwhile; the kernel
 * offers a driver no other way to pin it (folio_get_anon_vma() is not
 * exported, and migrate_device_range() holds nothing). The lock is only
 * tried, since the evicting migration holds its own mm's (the same mm needs
 * none). A victim that is locked or referenced elsewhere, whose owner is
 * exiting or busy, or that its owner no longer maps there (unmapped or
 * moved it; after fork() a child may map it still) stays and goes back to
 * the LRU tail: such a page is freed, or brought back by a CPU fault, by
 * whoever maps it.
 *
 * Where the kernel migrates device-private folios whole (device THP), the
 * pool also hands out 2 MiB folios: a 2 MiB block whose pages are all free
 * (a free count per block) becomes one order-9 folio, on the LRU by its
 * head; when there is none the migration uses 4 KiB pages instead. A folio
 * the kernel splits (&dev_pagemap_ops.folio_split) becomes folios with pool
 * state of their own; one freed whole returns all its pages. A 2 MiB victim
 * of the eviction moves into a 2 MiB system folio or, when there is none,
 * into 4 KiB pages (the kernel splits it).
 *
 * Teardown (the device context is destroyed, i.e. the driver unloads) evicts
 * every page in use the same way, waiting for the owners' locks and for
 * migrations in flight, then memunmap_pages(): every process keeps its data,
 * now in system memory. A page its owner no longer maps (or exited), which
 * a fork child still maps, must go too: it is evicted with
 * migrate_device_range(), as the kernel's own drivers evict at unload, under
 * the owner's mmap lock (read) still: only the child's unmap in that window
 * could free its anon_vma.
 */

#define DEVMIR_EVICT_BATCH	32

/* The pool a device page belongs to (the caller knows it is ours). */
static struct devmir_devmem *devmir_page_devmem(struct page *page)
{
	return container_of(page_pgmap(page), struct devmir_devmem, pgmap);
}

static unsigned long devmir_dp_index(struct devmir_devmem *dm,
				     struct devmir_devpage *dp)
{
	return dp - dm->pages;
}

/**
 * devmir_page_device() - The device context a device page belongs to.
 * @page: Any page.
 *
 * Context: Any context.
 * Return: The device whose devmirror pool holds @page, or NULL if @page is
 * not a device page (private or coherent) of a devmirror device.
 */
struct devmir_device *devmir_page_device(struct page *page)
{
	return __devmir_page_device(page);
}
EXPORT_SYMBOL_GPL(devmir_page_device);

/**
 * devmir_devmem_index() - Index of a device page in its device's memory.
 * @dev: The device context.
 * @page: A page.
 *
 * Page i of the device memory is the device's "physical" page i: a real
 * driver's VRAM page, the simulator's backing page i.
 *
 * Context: Any context.
 * Return: 0 .. number of device pages - 1, or -1 if @page is not one of
 * @dev's device pages.
 */
long devmir_devmem_index(struct devmir_device *dev, struct page *page)
{
	struct devmir_devmem *dm = dev->devmem;
	unsigned long pfn = page_to_pfn(page);

	if (!dm || pfn < dm->base_pfn || pfn >= dm->base_pfn + dm->npages)
		return -1;
	return pfn - dm->base_pfn;
}
EXPORT_SYMBOL_GPL(devmir_devmem_index);

/**
 * devmir_pfn_is_local() - Whether a pfn is one of a device's device pages.
 * @dev: The device context.
 * @pfn: A page frame number.
 *
 * Context: Any context.
 * Return: True if @pfn lies in @dev's device memory.
 */
bool devmir_pfn_is_local(struct devmir_device *dev, unsigned long pfn)
{
	struct devmir_devmem *dm = dev->devmem;

	return dm && pfn >= dm->base_pfn && pfn < dm->base_pfn + dm->npages;
}
EXPORT_SYMBOL_GPL(devmir_pfn_is_local);

/**
 * devmir_devmem_mark_used() - Note a device access to a device page.
 * @dev: The device context.
 * @pfn: The device page's pfn; other pfns are ignored.
 *
 * The eviction's clock hand gives a page marked since its last pass a second
 * chance. Drivers call it where their hardware would set an access bit
 * (the simulator: on every page walk that lands on device memory).
 *
 * Context: Any context; lock-free.
 */
void devmir_devmem_mark_used(struct devmir_device *dev, unsigned long pfn)
{
	struct devmir_devmem *dm = dev->devmem;
	unsigned long idx;

	if (!dm || pfn < dm->base_pfn || pfn >= dm->base_pfn + dm->npages)
		return;
	idx = pfn - dm->base_pfn;
	/* A 2 MiB folio is on the LRU by its head (racy read: a hint). */
	if (READ_ONCE(dm->pages[idx].state) == DEVMIR_DP_TAIL)
		idx = ALIGN_DOWN(idx, DEVMIR_BLOCK_PAGES);
	WRITE_ONCE(dm->pages[idx].referenced, 1);
}
EXPORT_SYMBOL_GPL(devmir_devmem_mark_used);

/**
 * devmir_device_devmem_size() - Bytes of device memory of a device.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: &devmir_device_desc.devmem_size, 0 if the device has none.
 */
u64 devmir_device_devmem_size(struct devmir_device *dev)
{
	return dev->devmem ? (u64)dev->devmem->npages << PAGE_SHIFT : 0;
}
EXPORT_SYMBOL_GPL(devmir_device_devmem_size);

/**
 * devmir_device_memory_kind() - The kind of a device's memory.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: &devmir_device_desc.memory_kind: %DEVMIR_MEMORY_PRIVATE or
 * %DEVMIR_MEMORY_COHERENT (%DEVMIR_MEMORY_PRIVATE for a device without
 * memory).
 */
enum devmir_memory_kind devmir_device_memory_kind(struct devmir_device *dev)
{
	return dev->devmem ? dev->devmem->kind : DEVMIR_MEMORY_PRIVATE;
}
EXPORT_SYMBOL_GPL(devmir_device_memory_kind);

/*
 * Put page @idx on the free list; the caller holds dm->lock. Returns the
 * owner's mm, whose reference the caller drops (mmdrop()) once unlocked.
 */
static struct mm_struct *__devmir_dp_free(struct devmir_devmem *dm,
					  unsigned long idx)
{
	struct devmir_devpage *dp = &dm->pages[idx];
	struct mm_struct *mm = dp->mm;

	list_del_init(&dp->node);
	dp->state = DEVMIR_DP_FREE;
	dp->referenced = 0;
	dp->order = 0;
	dp->exclusive = 0;
	dp->mm = NULL;
	list_add(&dp->node, &dm->free);
	dm->block_free[idx / DEVMIR_BLOCK_PAGES]++;
	return mm;
}

/*
 * &dev_pagemap_ops' free callback: the last reference to a device folio of
 * @nr pages (1, or a whole 2 MiB folio) is gone. Only a folio's head has an
 * owner.
 */
static void devmir_devmem_page_free(struct page *page, unsigned long nr)
{
	struct devmir_devmem *dm = devmir_page_devmem(page);
	unsigned long idx = page_to_pfn(page) - dm->base_pfn, i;
	struct mm_struct *mm, *tail_mm;

	spin_lock(&dm->lock);
	mm = __devmir_dp_free(dm, idx);
	for (i = 1; i < nr; i++) {
		tail_mm = __devmir_dp_free(dm, idx + i);
		WARN_ON_ONCE(tail_mm);
	}
	dm->nr_used -= nr;
	spin_unlock(&dm->lock);
	/*
	 * Possibly the mm's last reference, under a page-table lock (a zap):
	 * __mmdrop() is atomic-safe (finish_task_switch() calls it; an LDT
	 * goes with vfree_atomic()), except on PREEMPT_RT.
	 */
	if (mm)
		mmdrop(mm);
}

DEVMIR_DEFINE_PGMAP_FREE(devmir_devmem_page_free)

/*
 * &dev_pagemap_ops.folio_split: the kernel splits a 2 MiB device folio
 * (partial unmap, mprotect or migration of part of it), calling this for
 * every new folio @tail and at the end with @tail NULL. Each new folio
 * takes over the pool state of the original one and, in use, its own place
 * on the LRU, so that it is evicted and freed on its own. The folio's
 * pgmap and mapping go to the new folio, as the kernel does itself for a
 * pagemap without this callback.
 */
static void __maybe_unused devmir_devmem_folio_split(struct folio *head,
						     struct folio *tail)
{
	struct devmir_devmem *dm = devmir_page_devmem(&head->page);
	struct devmir_devpage *hdp = &dm->pages[folio_pfn(head) - dm->base_pfn];
	struct devmir_devpage *tdp;

	spin_lock(&dm->lock);
	if (!tail) {
		hdp->order = folio_order(head);
		spin_unlock(&dm->lock);
		return;
	}
	devmir_folio_split_inherit(head, tail);
	tdp = &dm->pages[folio_pfn(tail) - dm->base_pfn];
	tdp->order = folio_order(tail);
	tdp->referenced = READ_ONCE(hdp->referenced);
	tdp->exclusive = hdp->exclusive;
	/* The split keeps each page where it was: same owner, its address. */
	tdp->mm = hdp->mm;
	if (tdp->mm)
		mmgrab(tdp->mm);
	tdp->addr = hdp->addr + ((folio_pfn(tail) - folio_pfn(head)) << PAGE_SHIFT);
	/*
	 * A folio being filled is locked until it is in use: never split. One
	 * that an eviction picked (ISOLATED) may be split before the eviction
	 * locks it: its new folios are in use, the eviction sees to the head.
	 */
	if (WARN_ON_ONCE(hdp->state != DEVMIR_DP_IN_USE &&
			 hdp->state != DEVMIR_DP_ISOLATED)) {
		tdp->state = hdp->state;
	} else {
		tdp->state = DEVMIR_DP_IN_USE;
		list_add_tail(&tdp->node, &dm->lru);
	}
	spin_unlock(&dm->lock);
}

const struct dev_pagemap_ops devmir_devmem_ops = {
	DEVMIR_PGMAP_FREE(devmir_devmem_page_free),
	DEVMIR_PGMAP_SPLIT(devmir_devmem_folio_split)
	.migrate_to_ram = devmir_migrate_to_ram,
};

/**
 * struct devmir_victim - A page, or a 2 MiB folio, an eviction picked.
 * @pfn: Its (head's) pfn.
 * @mm: Its owner (&devmir_devpage.mm) with the eviction's own reference
 *	(mmgrab()), or NULL.
 * @addr: Where @mm mapped it.
 * @order: 0, or %DEVMIR_BLOCK_ORDER for a 2 MiB folio.
 * @moved: Whether it moved to system memory.
 */
struct devmir_victim {
	unsigned long pfn;
	struct mm_struct *mm;
	unsigned long addr;
	u8 order;
	bool moved;
};

/*
 * Take up to @want pages off the LRU head with a clock hand; each becomes
 * ISOLATED. @all: ignore the referenced bits (teardown).
 */
static unsigned int devmir_devmem_pick(struct devmir_devmem *dm,
				       struct devmir_victim *v,
				       unsigned int want, bool all)
{
	struct devmir_devpage *dp;
	unsigned long budget;
	unsigned int n = 0;

	spin_lock(&dm->lock);
	/* Every page may get its second chance once: two passes at most. */
	budget = 2 * dm->nr_used;
	while (n < want && budget-- && !list_empty(&dm->lru)) {
		dp = list_first_entry(&dm->lru, struct devmir_devpage, node);
		/* Kept from eviction until freed: a device-exclusive entry. */
		if (dp->exclusive) {
			list_move_tail(&dp->node, &dm->lru);
			continue;
		}
		if (!all && READ_ONCE(dp->referenced)) {
			WRITE_ONCE(dp->referenced, 0);
			list_move_tail(&dp->node, &dm->lru);
			continue;
		}
		list_del_init(&dp->node);
		dp->state = DEVMIR_DP_ISOLATED;
		/* The page may be freed meanwhile: its owner's reference goes. */
		if (dp->mm)
			mmgrab(dp->mm);
		v[n++] = (struct devmir_victim) {
			.pfn = dm->base_pfn + devmir_dp_index(dm, dp),
			.mm = dp->mm,
			.addr = dp->addr,
			.order = dp->order,
		};
	}
	spin_unlock(&dm->lock);
	return n;
}

/* An isolated page that did not move goes back to the LRU tail. */
static void devmir_devmem_putback(struct devmir_devmem *dm, unsigned long pfn)
{
	struct devmir_devpage *dp = &dm->pages[pfn - dm->base_pfn];

	spin_lock(&dm->lock);
	if (dp->state == DEVMIR_DP_ISOLATED) {
		dp->state = DEVMIR_DP_IN_USE;
		list_add_tail(&dp->node, &dm->lru);
	}
	spin_unlock(&dm->lock);
}

/* The migrate pfn arrays an eviction works in, and its copy batch. */
struct devmir_evict_pfns {
	unsigned long *src;
	unsigned long *dst;
	struct devmir_copy_batch batch;
};

/* Arrays for @n entries (32 4 KiB victims, or a 2 MiB one), in one block. */
static struct devmir_evict_pfns *devmir_evict_pfns_alloc(unsigned long n)
{
	struct devmir_evict_pfns *p;
	struct page **pages;

	p = kvmalloc(sizeof(*p) + n * (2 * sizeof(long) + 2 * sizeof(void *) +
					sizeof(u16)), GFP_KERNEL);
	if (!p)
		return NULL;
	p->src = (unsigned long *)(p + 1);
	p->dst = p->src + n;
	pages = (struct page **)(p->dst + n);
	p->batch = (struct devmir_copy_batch) {
		.src = pages,
		.dst = pages + n,
		.idx = (u16 *)(pages + 2 * n),
		.mdst = p->dst,
	};
	return p;
}

/*
 * The arrays for a victim of @order, emptied: @small, or *@huge (allocated
 * the first time a 2 MiB victim needs it); NULL without memory.
 */
static struct devmir_evict_pfns *
devmir_evict_pfns_for(u8 order, struct devmir_evict_pfns *small,
		      struct devmir_evict_pfns **huge)
{
	struct devmir_evict_pfns *p = small;

	if (order) {
		if (!*huge)
			*huge = devmir_evict_pfns_alloc(DEVMIR_BLOCK_PAGES);
		p = *huge;
	}
	if (p)
		p->batch.n = 0;
	return p;
}

/*
 * Queue entry @i of an eviction, the page or @nr-page folio @spage, for the
 * copy into system memory: a 2 MiB source into a 2 MiB system folio, or
 * else, if @split (the kernel splits the source), 4 KiB pages.
 */
static void devmir_evict_dst(struct devmir_evict_pfns *p, unsigned long i,
			     struct page *spage, unsigned long nr, bool split)
{
	unsigned long flags = p->src[i] & MIGRATE_PFN_WRITE, j;
	struct folio *folio;
	struct page *dpage;

	if (nr > 1) {
		folio = folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN |
				    __GFP_NORETRY, DEVMIR_BLOCK_ORDER);
		if (folio) {
			folio_lock(folio);
			devmir_batch_add_folio(&p->batch, i, spage, folio, flags);
			return;
		}
		if (!split)
			return;
	}
	for (j = 0; j < nr; j++) {
		dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN);
		if (!dpage)
			continue;
		lock_page(dpage);
		devmir_batch_add(&p->batch, i + j, spage + j, dpage, flags);
	}
}

/*
 * Give a destination to each entry of @p->src[0, @npages) that is to
 * migrate and still the victim: entry i is @v[i] for 4 KiB victims, page i
 * of the 2 MiB folio @v[0] (its own folio if it was split since) for a
 * large one. @split: as devmir_evict_dst().
 */
static void devmir_evict_queue(struct devmir_evict_pfns *p,
			       const struct devmir_victim *v,
			       unsigned long npages, bool split)
{
	unsigned long i, nr, pfn;
	struct page *spage;

	memset(p->dst, 0, npages * sizeof(p->dst[0]));
	for (i = 0; i < npages; i += nr) {
		nr = 1;
		spage = migrate_pfn_to_page(p->src[i]);
		if (!spage || !(p->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		pfn = v->order ? v->pfn + i : v[i].pfn;
		if (page_to_pfn(spage) != pfn)
			continue;
		if (p->src[i] & DEVMIR_MIGRATE_PFN_COMPOUND)
			nr = min(DEVMIR_BLOCK_PAGES, npages - i);
		devmir_evict_dst(p, i, spage, nr, split);
	}
}

/* Pages of system memory the eviction's entries @src[0, @npages) reached. */
static unsigned long devmir_evict_moved(const struct devmir_evict_pfns *p,
					unsigned long npages)
{
	unsigned long i, moved = 0;

	for (i = 0; i < npages; i++)
		if (p->dst[i] && (p->src[i] & MIGRATE_PFN_MIGRATE))
			moved += p->dst[i] & DEVMIR_MIGRATE_PFN_COMPOUND ?
				 DEVMIR_BLOCK_PAGES : 1;
	return moved;
}

/*
 * Evict @nv victims of one owner, @v[0] a 2 MiB folio (@nv 1) or @v 4 KiB
 * pages at consecutive addresses, with migrate_vma_*() over their range in
 * the owner's mm, its mmap lock held (read) throughout: with the owner
 * mapping them, their anon_vma lives until the migration entries are gone,
 * whoever else unmaps or exits. Entries the owner no longer maps there (it
 * unmapped or moved them; a fork child may still map them) are left alone.
 * @locked_mm: the mm whose mmap lock the caller holds already, or NULL.
 * Without @all the lock is only tried: the caller may hold another mm's.
 * Returns the pages that moved; sets the victims' @moved.
 */
static unsigned long devmir_evict_owned(struct devmir_devmem *dm,
					struct devmir_evict_pfns *p,
					struct devmir_victim *v, unsigned int nv,
					bool all, struct mm_struct *locked_mm)
{
	unsigned long npages = v->order ? DEVMIR_BLOCK_PAGES : nv, i;
	struct migrate_vma args = {
		.start = v->addr,
		.end = v->addr + (npages << PAGE_SHIFT),
		.src = p->src,
		.dst = p->dst,
		.pgmap_owner = dm->dev->owner,
		.flags = dm->kind == DEVMIR_MEMORY_COHERENT ?
			 MIGRATE_VMA_SELECT_DEVICE_COHERENT :
			 MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct mm_struct *mm = v->mm;
	bool locked = mm == locked_mm;
	unsigned long moved = 0;

	if (!mmget_not_zero(mm))
		return 0;
	if (!locked) {
		if (all)
			mmap_read_lock(mm);
		else if (!mmap_read_trylock(mm))
			goto out_put;
	}
	args.vma = vma_lookup(mm, args.start);
	if (!args.vma || (v->order && args.end > args.vma->vm_end))
		goto out_unlock;
	/* A run of 4 KiB pages stops where the VMA does; the rest stay. */
	if (args.end > args.vma->vm_end) {
		args.end = args.vma->vm_end;
		npages = (args.end - args.start) >> PAGE_SHIFT;
		nv = npages;
	}
	if (v->order)
		args.flags |= DEVMIR_MIGRATE_VMA_SELECT_COMPOUND;
	if (migrate_vma_setup(&args))
		goto out_unlock;
	devmir_inject_stall(DEVMIR_STALL_EVICT, mm);

	devmir_evict_queue(p, v, npages, true);
	/* The teardown must finish: no injected copy failure there. */
	devmir_batch_copy(&p->batch, NULL, !all);
	migrate_vma_pages(&args);
	moved = devmir_evict_moved(p, npages);
	for (i = 0; i < nv; i++)
		v[i].moved = p->dst[i] && (p->src[i] & MIGRATE_PFN_MIGRATE);
	migrate_vma_finalize(&args);
out_unlock:
	if (!locked)
		mmap_read_unlock(mm);
out_put:
	/* Never the exit here: the caller may hold another mm's lock. */
	mmput_async(mm);
	return moved;
}

/*
 * Teardown only: evict the victim @v that its owner does not map any more
 * (it unmapped or moved it, or exited) while a fork child may, with
 * migrate_device_range(), as the kernel's own drivers evict at unload. The
 * owner's mmap lock, held for read even when its users are gone, keeps its
 * unmap and exit from freeing the anon_vma that migrate_device_finalize()
 * walks; a child's unmap in that window still can (docs/reliability.md).
 * A 2 MiB victim moves into a 2 MiB system folio or, migrate_device_*()
 * splitting no folio, stays.
 */
static unsigned long devmir_evict_unowned(struct devmir_evict_pfns *p,
					  struct devmir_victim *v)
{
	unsigned long npages = v->order ? DEVMIR_BLOCK_PAGES : 1, moved;

	/*
	 * A victim no process maps any more only waits for its last
	 * reference to go: nothing to move, and its anon_vma may have gone
	 * with the last mapping.
	 */
	if (!folio_mapped(page_folio(pfn_to_page(v->pfn))))
		return 0;
	migrate_device_range(p->src, v->pfn, npages);
	/* migrate_device_pages() splits no folio. */
	devmir_evict_queue(p, v, npages, false);
	devmir_batch_copy(&p->batch, NULL, false);
	migrate_device_pages(p->src, p->dst, npages);
	moved = devmir_evict_moved(p, npages);
	v->moved = p->dst[0] && (p->src[0] & MIGRATE_PFN_MIGRATE);
	migrate_device_finalize(p->src, p->dst, npages);
	return moved;
}

/* How many victims from @v[@i] one migration takes (devmir_evict_owned()). */
static unsigned int devmir_evict_run(const struct devmir_victim *v,
				     unsigned int i, unsigned int n)
{
	unsigned int j = i + 1;

	if (!v[i].mm || v[i].order)
		return j;
	while (j < n && v[j].mm == v[i].mm && !v[j].order &&
	       v[j].addr == v[j - 1].addr + PAGE_SIZE)
		j++;
	return j;
}

/*
 * Evict up to @want device pages to system memory (DOC: Device memory).
 * @all: teardown (every page, referenced or not; the owner's mmap lock is
 * waited for; a victim no owner maps is evicted anyway). @locked_mm: the mm
 * whose mmap lock the caller holds, or NULL. Returns the number of pages
 * that moved (they are freed as their last reference goes, normally inside
 * the finalize).
 */
static unsigned long devmir_devmem_evict(struct devmir_devmem *dm,
					 unsigned int want, bool all,
					 struct mm_struct *locked_mm)
{
	struct devmir_evict_pfns *small, *huge = NULL, *p;
	struct devmir_device *dev = dm->dev;
	struct devmir_inflight inflight;
	struct devmir_victim *v;
	unsigned long moved = 0;
	unsigned int n, i, j;

	v = kmalloc_array(DEVMIR_EVICT_BATCH, sizeof(*v), GFP_KERNEL);
	small = devmir_evict_pfns_alloc(DEVMIR_EVICT_BATCH);
	if (!v || !small) {
		kfree(v);
		kvfree(small);
		return 0;
	}
	n = devmir_devmem_pick(dm, v, min(want, DEVMIR_EVICT_BATCH), all);

	devmir_inflight_begin(&inflight, NULL, 0, ULONG_MAX);
	for (i = 0; i < n; i = j) {
		j = devmir_evict_run(v, i, n);
		if (!v[i].mm || (moved >= want && !all))
			continue;
		p = devmir_evict_pfns_for(v[i].order, small, &huge);
		if (p)
			moved += devmir_evict_owned(dm, p, v + i, j - i, all,
						    locked_mm);
	}
	for (i = 0; all && i < n; i++) {
		if (v[i].moved)
			continue;
		p = devmir_evict_pfns_for(v[i].order, small, &huge);
		if (!p)
			continue;
		if (v[i].mm)
			mmap_read_lock(v[i].mm);
		moved += devmir_evict_unowned(p, &v[i]);
		if (v[i].mm)
			mmap_read_unlock(v[i].mm);
	}
	devmir_inflight_end(&inflight);

	/* Victims that did not move go back; drop the owners' references. */
	for (i = 0; i < n; i++) {
		if (!v[i].moved)
			devmir_devmem_putback(dm, v[i].pfn);
		if (v[i].mm)
			mmdrop(v[i].mm);
	}
	kvfree(huge);
	kvfree(small);
	kfree(v);

	if (moved) {
		devmir_device_stat_add(dev, DEVMIR_STAT_EVICTIONS, moved);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATE_BYTES,
				       (u64)moved << PAGE_SHIFT);
	}
	return moved;
}

/**
 * devmir_devmem_alloc() - Take a free device page for a migration.
 * @dm: The device memory.
 * @evict_mm: NULL: no eviction; else, when no page is free, pages in use
 *	are evicted, the caller holding @evict_mm's mmap lock (read).
 * @evicted: Incremented by the number of pages evicted.
 *
 * The page comes back locked with one reference (zone_device_page_init()),
 * in the ALLOCATED state: the migration either commits it with
 * devmir_devmem_commit() before migrate_vma_finalize(), or lets the finalize
 * drop it, which frees it.
 *
 * Context: Process context; may sleep. With @evict_mm the caller may hold
 * the locks of the pages it is migrating, but no mmap lock other than
 * @evict_mm's and no mirror's update lock.
 * Return: The page, or NULL if none is free (after eviction, if allowed) or
 * the pool is being torn down.
 */
struct page *devmir_devmem_alloc(struct devmir_devmem *dm,
				 struct mm_struct *evict_mm, u64 *evicted)
{
	struct devmir_devpage *dp;
	unsigned long moved;
	struct page *page;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		spin_lock(&dm->lock);
		if (dm->dying) {
			spin_unlock(&dm->lock);
			return NULL;
		}
		/* The pool_exhaust point: as if every page were in use. */
		dp = NULL;
		if (!devmir_inject(DEVMIR_INJECT_POOL_EXHAUST, NULL))
			dp = list_first_entry_or_null(&dm->free,
						      struct devmir_devpage, node);
		if (dp) {
			list_del_init(&dp->node);
			dp->state = DEVMIR_DP_ALLOCATED;
			dm->nr_used++;
			dm->block_free[devmir_dp_index(dm, dp) / DEVMIR_BLOCK_PAGES]--;
			spin_unlock(&dm->lock);
			page = pfn_to_page(dm->base_pfn + devmir_dp_index(dm, dp));
			devmir_zone_device_page_init(page, &dm->pgmap);
			return page;
		}
		spin_unlock(&dm->lock);
		if (!evict_mm)
			return NULL;
		moved = devmir_devmem_evict(dm, DEVMIR_EVICT_BATCH, false, evict_mm);
		*evicted += moved;
		if (!moved)
			cond_resched();
	}
	return NULL;
}

/**
 * devmir_devmem_alloc_huge() - Take a free 2 MiB device folio for a migration.
 * @dm: The device memory.
 * @evict_mm: NULL: no eviction; else, when no 2 MiB block is free, a victim
 *	may be evicted, the caller holding @evict_mm's mmap lock (read).
 * @evicted: Incremented by the number of pages evicted.
 *
 * A 2 MiB block of the pool whose pages are all free becomes one folio of
 * order 9 (head in the ALLOCATED state, the other pages TAIL), locked with
 * one reference like a page of devmir_devmem_alloc(). With @evict_mm, when no
 * block is free and fewer than 2 MiB of pages are (the pool is full, not
 * fragmented), the least recently used victim is evicted once and the
 * search repeated: a 2 MiB victim frees a block, a 4 KiB one rarely does,
 * and then the caller falls back to 4 KiB pages (devmir_devmem_alloc(),
 * which evicts as many as it needs).
 *
 * Context: Process context; may sleep (as devmir_devmem_alloc()).
 * Return: The folio's head page, or NULL if no block is entirely free, the
 * pool_exhaust injection point fired, or the pool is being torn down.
 */
struct page *devmir_devmem_alloc_huge(struct devmir_devmem *dm,
				      struct mm_struct *evict_mm, u64 *evicted)
{
	unsigned long nblocks = dm->npages / DEVMIR_BLOCK_PAGES, b, n, i, idx;
	struct page *page;
	int tries = evict_mm ? 2 : 1;

again:
	spin_lock(&dm->lock);
	if (dm->dying || devmir_inject(DEVMIR_INJECT_POOL_EXHAUST, NULL)) {
		spin_unlock(&dm->lock);
		return NULL;
	}
	for (n = 0, b = dm->block_hint; n < nblocks; n++, b = (b + 1) % nblocks)
		if (dm->block_free[b] == DEVMIR_BLOCK_PAGES)
			break;
	if (n == nblocks) {
		/*
		 * Full (fewer than 2 MiB free): evict the least recently used
		 * victim once, a 2 MiB folio frees a whole block. Fragmented
		 * (enough free pages, no free block): no eviction, the 4 KiB
		 * fallback uses the free pages. Evicting 4 KiB pages until a
		 * block is free would cost more than the fallback saves.
		 */
		if (dm->npages - dm->nr_used >= DEVMIR_BLOCK_PAGES)
			tries = 0;
		spin_unlock(&dm->lock);
		if (--tries <= 0)
			return NULL;
		*evicted += devmir_devmem_evict(dm, 1, false, evict_mm);
		goto again;
	}
	idx = b * DEVMIR_BLOCK_PAGES;
	for (i = 0; i < DEVMIR_BLOCK_PAGES; i++) {
		struct devmir_devpage *dp = &dm->pages[idx + i];

		list_del_init(&dp->node);
		dp->state = i ? DEVMIR_DP_TAIL : DEVMIR_DP_ALLOCATED;
		dp->order = i ? 0 : DEVMIR_BLOCK_ORDER;
	}
	dm->block_free[b] = 0;
	dm->block_hint = (b + 1) % nblocks;
	dm->nr_used += DEVMIR_BLOCK_PAGES;
	spin_unlock(&dm->lock);

	page = pfn_to_page(dm->base_pfn + idx);
	devmir_zone_device_folio_init((struct folio *)page, &dm->pgmap,
				      DEVMIR_BLOCK_ORDER);
	return page;
}

/**
 * devmir_devmem_commit() - A migration filled a device page: put it in use.
 * @dm: The device memory.
 * @page: An ALLOCATED page (or 2 MiB folio head) that migrate_vma_pages()
 *	migrated; the caller still holds the lock and reference from
 *	devmir_devmem_alloc() or devmir_devmem_alloc_huge().
 * @mm: The mm the migration worked on: the page's owner from now on.
 * @addr: Where @mm maps @page.
 *
 * The page (the folio) joins the LRU tail (most recently filled), its owner
 * recorded with a reference (mmgrab()) for the eviction until it is freed.
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_devmem_commit(struct devmir_devmem *dm, struct page *page,
			  struct mm_struct *mm, unsigned long addr)
{
	struct devmir_devpage *dp = &dm->pages[page_to_pfn(page) - dm->base_pfn];

	spin_lock(&dm->lock);
	if (!WARN_ON_ONCE(dp->state != DEVMIR_DP_ALLOCATED)) {
		dp->state = DEVMIR_DP_IN_USE;
		dp->referenced = 0;
		mmgrab(mm);
		dp->mm = mm;
		dp->addr = addr;
		list_add_tail(&dp->node, &dm->lru);
	}
	spin_unlock(&dm->lock);
}

/**
 * devmir_devmem_keep_exclusive() - Keep a device page that a device-exclusive
 * entry maps from eviction.
 * @page: A page make_device_exclusive() handed back: locked, referenced,
 *	mapped device-exclusive.
 *
 * Where the kernel takes a device-exclusive entry for a migration entry
 * (%DEVMIR_EXCLUSIVE_BREAKS_MIGRATION), an eviction of the page would turn
 * the entry into a mapping and leak the page. If @page is a page of a
 * devmirror pool, it stays out of every eviction from now until it is
 * freed. An eviction that picked it already (ISOLATED) has not collected
 * it (the caller holds the page lock) and will fail to while the lock is
 * held: this waits, the lock held, until that eviction gives it back.
 *
 * Context: Process context; may sleep. The caller holds the page lock and
 * no mmap lock.
 * Return: True if @page is a devmirror device page, false otherwise.
 */
bool devmir_devmem_keep_exclusive(struct page *page)
{
	struct devmir_device *dev = __devmir_page_device(page);
	struct devmir_devpage *dp;
	struct devmir_devmem *dm;
	bool isolated;

	if (!dev)
		return false;
	if (!DEVMIR_EXCLUSIVE_BREAKS_MIGRATION)
		return true;
	dm = dev->devmem;
	dp = &dm->pages[folio_pfn(page_folio(page)) - dm->base_pfn];
	do {
		spin_lock(&dm->lock);
		dp->exclusive = 1;
		isolated = dp->state == DEVMIR_DP_ISOLATED;
		spin_unlock(&dm->lock);
		if (isolated)
			usleep_range(50, 200);
	} while (isolated);
	return true;
}

/**
 * devmir_devmem_create() - Give a device its memory.
 * @dev: The device context, not yet visible to anyone.
 * @size: Bytes, a non-zero multiple of %DEVMIR_DEVMEM_ALIGN up to
 *	%DEVMIR_DEVMEM_MAX.
 * @kind: %DEVMIR_MEMORY_PRIVATE or %DEVMIR_MEMORY_COHERENT.
 * @coherent_base: For coherent memory, the physical address of its range,
 *	%DEVMIR_DEVMEM_ALIGN-aligned; 0 for private memory.
 *
 * Context: Process context; may sleep.
 * Return: 0 (&devmir_device.devmem set), -EINVAL for a bad @size, @kind or
 * @coherent_base, -ENOMEM, -ERANGE when no (2 MiB-aligned) physical
 * address range is free
 * (private), -EBUSY when the coherent range is someone else's (another
 * driver claimed it), or the error of memremap_pages() (-ENXIO: the
 * coherent range is System RAM, not reserved); nothing is left allocated on
 * failure.
 */
int devmir_devmem_create(struct devmir_device *dev, u64 size,
			 enum devmir_memory_kind kind, u64 coherent_base)
{
	struct devmir_devmem *dm;
	unsigned long i;
	void *addr;
	int ret;

	if (!size || !IS_ALIGNED(size, DEVMIR_DEVMEM_ALIGN) || size > DEVMIR_DEVMEM_MAX)
		return -EINVAL;
	if (kind == DEVMIR_MEMORY_COHERENT ?
	    !coherent_base || !IS_ALIGNED(coherent_base, DEVMIR_DEVMEM_ALIGN) ||
	    coherent_base + size < coherent_base :
	    kind != DEVMIR_MEMORY_PRIVATE || coherent_base)
		return -EINVAL;

	dm = kzalloc(sizeof(*dm), GFP_KERNEL);
	if (!dm)
		return -ENOMEM;
	dm->dev = dev;
	dm->kind = kind;
	dm->npages = size >> PAGE_SHIFT;
	spin_lock_init(&dm->lock);
	INIT_LIST_HEAD(&dm->free);
	INIT_LIST_HEAD(&dm->lru);
	dm->pages = kvcalloc(dm->npages, sizeof(*dm->pages), GFP_KERNEL);
	if (!dm->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* @size is a multiple of 2 MiB (DEVMIR_DEVMEM_ALIGN): whole blocks. */
	dm->block_free = kvcalloc(dm->npages / DEVMIR_BLOCK_PAGES,
				  sizeof(*dm->block_free), GFP_KERNEL);
	if (!dm->block_free) {
		ret = -ENOMEM;
		goto err_pages;
	}

	if (kind == DEVMIR_MEMORY_COHERENT) {
		/* The range is reserved memory: a child of its "Reserved" entry. */
		dm->res = request_mem_region(coherent_base, size, dev->name);
		if (!dm->res) {
			ret = -EBUSY;
			goto err_blocks;
		}
		dm->pgmap.type = MEMORY_DEVICE_COHERENT;
	} else {
		dm->res = request_free_mem_region(&iomem_resource, size, dev->name);
		if (IS_ERR_OR_NULL(dm->res)) {
			ret = dm->res ? PTR_ERR(dm->res) : -ENOMEM;
			goto err_blocks;
		}
		dm->pgmap.type = MEMORY_DEVICE_PRIVATE;
	}
	dm->pgmap.range.start = dm->res->start;
	dm->pgmap.range.end = dm->res->start + size - 1;
	dm->pgmap.nr_range = 1;
	dm->pgmap.ops = &devmir_devmem_ops;
	dm->pgmap.owner = dev->owner;
	addr = memremap_pages(&dm->pgmap, numa_node_id());
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_region;
	}
	dm->base_pfn = dm->pgmap.range.start >> PAGE_SHIFT;
	/*
	 * A 2 MiB folio must start on a 2 MiB boundary: the kernel maps it by
	 * a PMD, and the core corrects hmm_range_fault()'s pfns of such a
	 * mapping by that alignment (range.c). request_free_mem_region()
	 * aligns to a memory section, which is larger.
	 */
	if (DEVMIR_DEVICE_THP &&
	    WARN_ON_ONCE(!IS_ALIGNED(dm->base_pfn, DEVMIR_BLOCK_PAGES))) {
		ret = -ERANGE;
		goto err_unmap;
	}

	/* Lowest pages first, so that a small workload stays compact. */
	for (i = dm->npages; i-- > 0;) {
		INIT_LIST_HEAD(&dm->pages[i].node);
		list_add(&dm->pages[i].node, &dm->free);
		dm->block_free[i / DEVMIR_BLOCK_PAGES]++;
	}
	dev->devmem = dm;
	pr_debug("devmirror: %s: %llu MiB of device-%s memory, pfns %#lx-%#lx\n",
		 dev->name, size >> 20,
		 kind == DEVMIR_MEMORY_COHERENT ? "coherent" : "private",
		 dm->base_pfn, dm->base_pfn + dm->npages - 1);
	return 0;

err_unmap:
	memunmap_pages(&dm->pgmap);
err_region:
	release_mem_region(dm->res->start, resource_size(dm->res));
err_blocks:
	kvfree(dm->block_free);
err_pages:
	kvfree(dm->pages);
err_free:
	kfree(dm);
	return ret;
}

/**
 * devmir_devmem_destroy() - Evict every device page and remove the memory.
 * @dev: The device context; no mirror is left, but processes may still have
 *	device pages mapped (they need no file of the device for that).
 *
 * Stops handing out pages, then evicts the pages in use until none is left:
 * each process's data move to system memory and its mappings follow them. A
 * page that is locked by a migration in flight (a CPU fault migrating it
 * back, a process exiting) is retried until it is free. Then the struct
 * pages and the address range are released.
 *
 * Context: Process context; sleeps until every page is free. The driver's
 * copy callback must still work.
 */
void devmir_devmem_destroy(struct devmir_device *dev)
{
	struct devmir_devmem *dm = dev->devmem;
	unsigned long used, passes = 0;

	if (!dm)
		return;
	spin_lock(&dm->lock);
	dm->dying = true;
	spin_unlock(&dm->lock);

	while ((used = devmir_devmem_used(dm))) {
		if (devmir_devmem_evict(dm, DEVMIR_EVICT_BATCH, true, NULL))
			continue;
		/* Locked by someone, or its last reference is on its way. */
		if (++passes % 250 == 0)
			pr_warn("devmirror: %s: waiting for %lu device pages\n",
				dev->name, used);
		msleep(20);
	}
	memunmap_pages(&dm->pgmap);
	release_mem_region(dm->res->start, resource_size(dm->res));
	kvfree(dm->block_free);
	kvfree(dm->pages);
	kfree(dm);
	dev->devmem = NULL;
}
