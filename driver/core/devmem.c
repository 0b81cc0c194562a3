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
#include <linux/numa.h>
#include <linux/pagemap.h>
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
 * touched since it was last looked at gets a second chance at the tail):
 * migrate_device_range() unmaps each victim from every process that maps it,
 * the driver copies it into a fresh system page, migrate_device_pages() and
 * migrate_device_finalize() switch the mappings over. A victim that is
 * locked or referenced elsewhere stays and goes back to the LRU tail.
 *
 * Where the kernel migrates device-private folios whole (device THP), the
 * pool also hands out 2 MiB folios: a 2 MiB block whose pages are all free
 * (a free count per block) becomes one order-9 folio, on the LRU by its
 * head; when there is none the migration uses 4 KiB pages instead. A folio
 * the kernel splits (&dev_pagemap_ops.folio_split) becomes folios with pool
 * state of their own; one freed whole returns all its pages. A 2 MiB victim
 * of the eviction moves into a 2 MiB system folio, or stays.
 *
 * Teardown (the device context is destroyed, i.e. the driver unloads) evicts
 * every page in use the same way, waiting for migrations in flight, then
 * memunmap_pages(): every process keeps its data, now in system memory.
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

/* Put page @idx on the free list; the caller holds dm->lock. */
static void __devmir_dp_free(struct devmir_devmem *dm, unsigned long idx)
{
	struct devmir_devpage *dp = &dm->pages[idx];

	list_del_init(&dp->node);
	dp->state = DEVMIR_DP_FREE;
	dp->referenced = 0;
	dp->order = 0;
	dp->exclusive = 0;
	list_add(&dp->node, &dm->free);
	dm->block_free[idx / DEVMIR_BLOCK_PAGES]++;
}

/*
 * &dev_pagemap_ops' free callback: the last reference to a device folio of
 * @nr pages (1, or a whole 2 MiB folio) is gone.
 */
static void devmir_devmem_page_free(struct page *page, unsigned long nr)
{
	struct devmir_devmem *dm = devmir_page_devmem(page);
	unsigned long idx = page_to_pfn(page) - dm->base_pfn, i;

	spin_lock(&dm->lock);
	for (i = 0; i < nr; i++)
		__devmir_dp_free(dm, idx + i);
	dm->nr_used -= nr;
	spin_unlock(&dm->lock);
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

/*
 * Take up to @want pages off the LRU head with a clock hand; each becomes
 * ISOLATED. @all: ignore the referenced bits (teardown).
 */
static unsigned int devmir_devmem_pick(struct devmir_devmem *dm,
				       unsigned long *pfns, unsigned int want,
				       bool all)
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
		pfns[n++] = dm->base_pfn + devmir_dp_index(dm, dp);
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

struct devmir_evict_buf {
	unsigned long victims[DEVMIR_EVICT_BATCH];
	unsigned long src[DEVMIR_EVICT_BATCH];
	unsigned long dst[DEVMIR_EVICT_BATCH];
	struct page *copy_src[DEVMIR_EVICT_BATCH];
	struct page *copy_dst[DEVMIR_EVICT_BATCH];
	u16 copy_idx[DEVMIR_EVICT_BATCH];
};

struct devmir_evict_huge_buf {
	unsigned long src[DEVMIR_BLOCK_PAGES];
	unsigned long dst[DEVMIR_BLOCK_PAGES];
	struct page *copy_src[DEVMIR_BLOCK_PAGES];
	struct page *copy_dst[DEVMIR_BLOCK_PAGES];
	u16 copy_idx[DEVMIR_BLOCK_PAGES];
};

/*
 * Evict the isolated 2 MiB device folio at @pfn into a 2 MiB system folio:
 * migrate_device_*() cannot split a folio, so without one it stays (and
 * goes back to the LRU). If it was split since it was picked, each page
 * that is still there moves on its own. Returns the pages that moved.
 */
static unsigned long devmir_devmem_evict_huge(struct devmir_devmem *dm,
					      unsigned long pfn, bool all)
{
	struct devmir_copy_batch batch = { };
	struct devmir_evict_huge_buf *buf;
	unsigned long j, moved = 0;
	struct folio *folio;

	/* Unmapped: see devmir_devmem_evict(). */
	if (!folio_mapped(page_folio(pfn_to_page(pfn)))) {
		devmir_devmem_putback(dm, pfn);
		return 0;
	}
	buf = kvmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		devmir_devmem_putback(dm, pfn);
		return 0;
	}
	migrate_device_range(buf->src, pfn, DEVMIR_BLOCK_PAGES);
	memset(buf->dst, 0, sizeof(buf->dst));
	batch.src = buf->copy_src;
	batch.dst = buf->copy_dst;
	batch.idx = buf->copy_idx;
	batch.mdst = buf->dst;
	if (buf->src[0] & DEVMIR_MIGRATE_PFN_COMPOUND) {
		folio = folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN |
				    __GFP_NORETRY, DEVMIR_BLOCK_ORDER);
		if (folio && (buf->src[0] & MIGRATE_PFN_MIGRATE)) {
			folio_lock(folio);
			devmir_batch_add_folio(&batch, 0,
					       migrate_pfn_to_page(buf->src[0]),
					       folio, 0);
		} else if (folio) {
			folio_put(folio);
		}
	} else {
		for (j = 0; j < DEVMIR_BLOCK_PAGES; j++) {
			struct page *dpage;

			if (!migrate_pfn_to_page(buf->src[j]) ||
			    !(buf->src[j] & MIGRATE_PFN_MIGRATE))
				continue;
			dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN);
			if (!dpage)
				continue;
			lock_page(dpage);
			devmir_batch_add(&batch, j, migrate_pfn_to_page(buf->src[j]),
					 dpage, 0);
		}
	}
	devmir_batch_copy(&batch, NULL, !all);
	migrate_device_pages(buf->src, buf->dst, DEVMIR_BLOCK_PAGES);
	for (j = 0; j < DEVMIR_BLOCK_PAGES; j++) {
		if (!buf->dst[j] || !(buf->src[j] & MIGRATE_PFN_MIGRATE))
			continue;
		moved += buf->src[j] & DEVMIR_MIGRATE_PFN_COMPOUND ?
			 DEVMIR_BLOCK_PAGES : 1;
	}
	if (!buf->dst[0] || !(buf->src[0] & MIGRATE_PFN_MIGRATE))
		devmir_devmem_putback(dm, pfn);
	migrate_device_finalize(buf->src, buf->dst, DEVMIR_BLOCK_PAGES);
	kvfree(buf);
	return moved;
}

/*
 * Evict up to @want device pages to system memory. Returns the number of
 * pages that moved (they are freed as their last reference goes, normally
 * inside migrate_device_finalize()).
 */
static unsigned long devmir_devmem_evict(struct devmir_devmem *dm,
					 unsigned int want, bool all)
{
	struct devmir_device *dev = dm->dev;
	struct devmir_copy_batch batch = { };
	struct devmir_inflight inflight;
	struct devmir_evict_buf *buf;
	unsigned int n, i, k;
	unsigned long moved = 0;

	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return 0;
	n = devmir_devmem_pick(dm, buf->victims, min(want, DEVMIR_EVICT_BATCH), all);

	devmir_inflight_begin(&inflight, NULL, 0, ULONG_MAX);
	/* 2 MiB folios go one by one; the 4 KiB victims keep their order. */
	for (i = 0, k = 0; i < n; i++) {
		if (!READ_ONCE(dm->pages[buf->victims[i] - dm->base_pfn].order))
			buf->victims[k++] = buf->victims[i];
		else if (moved < want || all)
			moved += devmir_devmem_evict_huge(dm, buf->victims[i], all);
		else
			devmir_devmem_putback(dm, buf->victims[i]);
	}
	n = k;

	/*
	 * Lock (trylock) and unmap each victim from every process. A victim
	 * no process maps any more only waits for its last reference to go:
	 * nothing to move, and migrate_device_*() would walk its reverse map,
	 * whose anon_vma may have gone with the last mapping (the kernel's own
	 * migrate_pages() never walks an unmapped folio's). It goes back.
	 */
	for (i = 0; i < n; i++) {
		buf->src[i] = 0;
		if (folio_mapped(page_folio(pfn_to_page(buf->victims[i]))))
			migrate_device_range(&buf->src[i], buf->victims[i], 1);
	}

	batch.src = buf->copy_src;
	batch.dst = buf->copy_dst;
	batch.idx = buf->copy_idx;
	batch.mdst = buf->dst;
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(buf->src[i]);
		struct page *dpage;

		buf->dst[i] = 0;
		if (!spage || !(buf->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN);
		if (!dpage)
			continue;
		lock_page(dpage);
		devmir_batch_add(&batch, i, spage, dpage, 0);
	}
	/*
	 * Victims whose copy did not happen stay in device memory: without a
	 * destination migrate_device_pages() leaves them. The teardown must
	 * finish: no injected copy failure there.
	 */
	devmir_batch_copy(&batch, NULL, !all);

	migrate_device_pages(buf->src, buf->dst, n);
	for (i = 0; i < n; i++) {
		if (buf->dst[i] && (buf->src[i] & MIGRATE_PFN_MIGRATE))
			moved++;
		else
			devmir_devmem_putback(dm, buf->victims[i]);
	}
	migrate_device_finalize(buf->src, buf->dst, n);
	devmir_inflight_end(&inflight);
	kfree(buf);

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
 * @evict: Whether to evict pages in use when none is free.
 * @evicted: Incremented by the number of pages evicted.
 *
 * The page comes back locked with one reference (zone_device_page_init()),
 * in the ALLOCATED state: the migration either commits it with
 * devmir_devmem_commit() before migrate_vma_finalize(), or lets the finalize
 * drop it, which frees it.
 *
 * Context: Process context; may sleep. When @evict is set the caller may
 * hold the mmap lock and the locks of the pages it is migrating, but not a
 * mirror's update lock.
 * Return: The page, or NULL if none is free (after eviction, if allowed) or
 * the pool is being torn down.
 */
struct page *devmir_devmem_alloc(struct devmir_devmem *dm, bool evict,
				 u64 *evicted)
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
		if (!evict)
			return NULL;
		moved = devmir_devmem_evict(dm, DEVMIR_EVICT_BATCH, false);
		*evicted += moved;
		if (!moved)
			cond_resched();
	}
	return NULL;
}

/**
 * devmir_devmem_alloc_huge() - Take a free 2 MiB device folio for a migration.
 * @dm: The device memory.
 * @evict: Whether to evict a victim when no 2 MiB block is free.
 * @evicted: Incremented by the number of pages evicted.
 *
 * A 2 MiB block of the pool whose pages are all free becomes one folio of
 * order 9 (head in the ALLOCATED state, the other pages TAIL), locked with
 * one reference like a page of devmir_devmem_alloc(). With @evict, when no
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
struct page *devmir_devmem_alloc_huge(struct devmir_devmem *dm, bool evict,
				      u64 *evicted)
{
	unsigned long nblocks = dm->npages / DEVMIR_BLOCK_PAGES, b, n, i, idx;
	struct page *page;
	int tries = evict ? 2 : 1;

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
		*evicted += devmir_devmem_evict(dm, 1, false);
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
 *
 * The page (the folio) joins the LRU tail (most recently filled).
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_devmem_commit(struct devmir_devmem *dm, struct page *page)
{
	struct devmir_devpage *dp = &dm->pages[page_to_pfn(page) - dm->base_pfn];

	spin_lock(&dm->lock);
	if (!WARN_ON_ONCE(dp->state != DEVMIR_DP_ALLOCATED)) {
		dp->state = DEVMIR_DP_IN_USE;
		dp->referenced = 0;
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
		if (devmir_devmem_evict(dm, DEVMIR_EVICT_BATCH, true))
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
