/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmirror_compat.h - The kernel interfaces that differ between the kernels
 * devmirror builds for (6.1, 6.12, the newest 7.x), in one place.
 *
 * Kbuild compiles each driver/probes/NAME.c against the target tree and
 * defines HAVE_NAME for those that compile; this header alone reads those
 * macros and offers one interface to the driver: the current kernel's name
 * where a wrapper can give an older kernel the same thing, a devmir_ wrapper
 * where the interfaces differ in what they do. No version numbers: a point
 * release or a backport that changes an interface changes the probe's
 * answer, not this file.
 */
#ifndef _DEVMIRROR_COMPAT_H
#define _DEVMIRROR_COMPAT_H

#include <linux/err.h>
#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/rmap.h>

/*
 * Symbol namespaces: an identifier that MODULE_IMPORT_NS() and
 * EXPORT_SYMBOL_NS_GPL() stringify, or (since 6.13) a string literal.
 */
#ifdef HAVE_NS_IDENTIFIER
#define DEVMIR_NS(ns)	ns
#else
#define DEVMIR_NS(ns)	__stringify(ns)
#endif

/**
 * devmir_mmap_assert_locked() - mmap_assert_locked() for a module.
 * @mm: The mm whose mmap lock the caller holds.
 *
 * With CONFIG_DEBUG_VM mmap_assert_locked() dumps the mm on failure with
 * dump_mm(), which older kernels (6.1) do not export: there the same
 * check warns instead, without the dump (every warning fails a test run).
 *
 * Context: Any context; the caller holds @mm's mmap lock.
 */
static inline void devmir_mmap_assert_locked(struct mm_struct *mm)
{
#ifdef HAVE_DUMP_MM_EXPORT
	mmap_assert_locked(mm);
#else
	lockdep_assert_held(&mm->mmap_lock);
	VM_WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_lock));
#endif
}

/* page_pgmap(): the pagemap of a ZONE_DEVICE page (page->pgmap before). */
#ifndef HAVE_PAGE_PGMAP
static inline struct dev_pagemap *page_pgmap(const struct page *page)
{
	return page->pgmap;
}
#endif

/**
 * devmir_zone_device_page_init() - Hand out a free device-private page.
 * @page: The order-0 page, free (refcount 0).
 * @pgmap: The pagemap it belongs to.
 *
 * zone_device_page_init() as of any kernel: takes a reference on @pgmap,
 * sets the refcount to 1 and locks the page. Newer kernels take @pgmap and
 * an order (and set the page's pgmap themselves, since a page of a freed
 * large folio may have lost it); older ones find the pgmap in the page.
 *
 * Context: May sleep (lock_page()).
 */
static inline void devmir_zone_device_page_init(struct page *page,
						struct dev_pagemap *pgmap)
{
#ifdef HAVE_ZONE_DEVICE_PAGE_INIT_PGMAP
	zone_device_page_init(page, pgmap, 0);
#else
	zone_device_page_init(page);
#endif
}

/*
 * The free callbacks of &dev_pagemap_ops: page_free(struct page *) before,
 * folio_free(struct folio *) now, and where device-private folios can be
 * large (%DEVMIR_DEVICE_THP) folio_split, told of every folio a split
 * makes. DEVMIR_DEFINE_PGMAP_FREE(fn) defines what the ops need for a
 * "void fn(struct page *head, unsigned long nr)" that frees @nr pages from
 * @head, DEVMIR_PGMAP_FREE(fn) initialises the member with it;
 * DEVMIR_PGMAP_SPLIT(fn) sets folio_split to a "void fn(struct folio *head,
 * struct folio *tail)" where the kernel has it, and nothing elsewhere.
 */
#ifdef HAVE_PGMAP_FOLIO_FREE
#define DEVMIR_DEFINE_PGMAP_FREE(fn)					\
static void fn##_folio(struct folio *folio)				\
{									\
	fn(&folio->page, folio_nr_pages(folio));			\
}

#define DEVMIR_PGMAP_FREE(fn)	.folio_free = fn##_folio
#else
#define DEVMIR_DEFINE_PGMAP_FREE(fn)					\
static void fn##_page(struct page *page)				\
{									\
	fn(page, 1);							\
}

#define DEVMIR_PGMAP_FREE(fn)	.page_free = fn##_page
#endif
#ifdef HAVE_DEVICE_PRIVATE_THP
#define DEVMIR_PGMAP_SPLIT(fn)	.folio_split = fn,
#else
#define DEVMIR_PGMAP_SPLIT(fn)
#endif

/*
 * Device-private THP: where migrate_vma moves device-private folios whole,
 * DEVMIR_DEVICE_THP is true, DEVMIR_MIGRATE_VMA_SELECT_COMPOUND asks
 * migrate_vma_setup() to collect a THP as one entry and
 * DEVMIR_MIGRATE_PFN_COMPOUND marks such an entry (source or destination).
 * Elsewhere both are 0: migrate_vma_setup() splits every THP and a device
 * page is order 0, so code that tests them compiles to today's behaviour.
 */
#ifdef HAVE_DEVICE_PRIVATE_THP
#define DEVMIR_DEVICE_THP			true
#define DEVMIR_MIGRATE_VMA_SELECT_COMPOUND	MIGRATE_VMA_SELECT_COMPOUND
#define DEVMIR_MIGRATE_PFN_COMPOUND		MIGRATE_PFN_COMPOUND
#else
#define DEVMIR_DEVICE_THP			false
#define DEVMIR_MIGRATE_VMA_SELECT_COMPOUND	0
#define DEVMIR_MIGRATE_PFN_COMPOUND		0UL
#endif

/**
 * devmir_zone_device_folio_init() - Hand out a free device-private folio.
 * @folio: The free folio (refcount 0), its head page first in its block.
 * @pgmap: The pagemap it belongs to.
 * @order: 0, or HPAGE_PMD_ORDER where %DEVMIR_DEVICE_THP.
 *
 * As devmir_zone_device_page_init(), for a folio of @order: where the
 * kernel has device-private THP, zone_device_folio_init() makes a large
 * folio rmappable, as migrate_vma_pages() needs. Elsewhere @order must be
 * 0.
 *
 * Context: May sleep (folio lock).
 */
static inline void devmir_zone_device_folio_init(struct folio *folio,
						 struct dev_pagemap *pgmap,
						 unsigned int order)
{
#ifdef HAVE_DEVICE_PRIVATE_THP
	zone_device_folio_init(folio, pgmap, order);
#else
	VM_WARN_ON_ONCE(order);
	devmir_zone_device_page_init(&folio->page, pgmap);
#endif
}

/**
 * devmir_folio_split_inherit() - A split-off device folio takes over what
 * the kernel leaves to &dev_pagemap_ops.folio_split.
 * @head: The folio being split (what remains of it).
 * @tail: A new folio split off @head.
 *
 * The pgmap and the mapping (anon_vma) of @head, which the kernel copies
 * itself only for a pagemap without folio_split. No-op where device folios
 * are never large.
 *
 * Context: Inside a folio split.
 */
static inline void devmir_folio_split_inherit(struct folio *head,
					      struct folio *tail)
{
#ifdef HAVE_DEVICE_PRIVATE_THP
	tail->pgmap = head->pgmap;
	folio_page(tail, 0)->mapping = folio_page(head, 0)->mapping;
#endif
}

/**
 * devmir_vma_alloc_thp() - A 2 MiB system folio for a migration from device
 * memory.
 * @vma: The VMA it will be mapped in.
 * @addr: The 2 MiB-aligned address it will be mapped at.
 *
 * Without stalling in reclaim or compaction: the caller falls back to 4 KiB
 * pages.
 *
 * Context: Process context; may sleep.
 * Return: The folio (one reference, unlocked), or NULL: none free, or the
 * kernel has no device-private THP (no migration then needs one).
 */
static inline struct folio *devmir_vma_alloc_thp(struct vm_area_struct *vma,
						 unsigned long addr)
{
#ifdef HAVE_DEVICE_PRIVATE_THP
	return vma_alloc_folio(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN |
			       __GFP_NORETRY, HPAGE_PMD_ORDER, vma, addr);
#else
	return NULL;
#endif
}

/**
 * devmir_get_user_pages_remote() - get_user_pages_remote() without vmas.
 * @mm: The mm, its mmap lock held (read).
 * @start: Start address.
 * @nr_pages: Pages to pin.
 * @gup_flags: FOLL_* flags.
 * @pages: Receives the pages (referenced).
 *
 * Older kernels take a vmas array and a @locked pointer too; devmirror
 * passes neither.
 *
 * Context: Process context, mmap lock held (read).
 * Return: As get_user_pages_remote(): pages pinned or a negative errno.
 */
static inline long devmir_get_user_pages_remote(struct mm_struct *mm,
						unsigned long start,
						unsigned long nr_pages,
						unsigned int gup_flags,
						struct page **pages)
{
#ifdef HAVE_GUP_REMOTE_VMAS
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

/**
 * devmir_make_device_exclusive() - Make one page device-exclusive.
 * @mm: The mm, its mmap lock held (read).
 * @addr: Page-aligned address.
 * @owner: Owner of the MMU_NOTIFY_EXCLUSIVE invalidation this sends.
 * @pagep: Receives the page, locked and referenced, or NULL.
 *
 * make_device_exclusive_range() for one page where the kernel has it: GUP
 * found the page (1), and *@pagep is NULL when it could not be made
 * exclusive (a tail page, locked elsewhere, not anonymous), which may be
 * worth another try. Where the kernel has make_device_exclusive() instead,
 * that one locks the folio itself (killable) and retries races within, so
 * a page it cannot make exclusive is an error: -EOPNOTSUPP (not an
 * anonymous page, or hugetlb).
 *
 * Context: Process context, mmap lock held (read); may sleep.
 * Return: 1, with *@pagep locked and referenced or NULL; 0 if GUP found no
 * page; a negative errno (-EOPNOTSUPP, -EFAULT, -EINTR, -ENOMEM, ...).
 */
static inline int devmir_make_device_exclusive(struct mm_struct *mm,
					       unsigned long addr, void *owner,
					       struct page **pagep)
{
#ifdef HAVE_MAKE_DEVICE_EXCLUSIVE
	struct folio *folio;
	struct page *page;

	*pagep = NULL;
	page = make_device_exclusive(mm, addr, owner, &folio);
	if (IS_ERR(page))
		return PTR_ERR(page);
	*pagep = page;
	return 1;
#else
	return make_device_exclusive_range(mm, addr, addr + PAGE_SIZE, pagep,
					   owner);
#endif
}

/*
 * DEVMIR_EXCLUSIVE_BREAKS_MIGRATION: whether the kernel's reverse-map walk
 * that restores mappings after a migration (remove_migration_ptes()) takes
 * a device-exclusive entry for a migration entry. Before the rework that
 * brought make_device_exclusive() (6.15) it does: migrating a page that
 * some process still maps device-exclusive turns that entry into a mapping
 * of the migration's destination and leaks the reference the entry held,
 * so the page is never freed. Such a page must not be migrated by its pfn.
 */
#ifdef HAVE_MAKE_DEVICE_EXCLUSIVE
#define DEVMIR_EXCLUSIVE_BREAKS_MIGRATION	false
#else
#define DEVMIR_EXCLUSIVE_BREAKS_MIGRATION	true
#endif

/*
 * devmir_alloc_pages_bulk_node() - Fill the NULL slots of @pages with up to
 * @nr pages of node @nid (and its fallbacks); return how many slots are
 * filled. The call lost its _array suffix in 6.14.
 */
static inline unsigned long devmir_alloc_pages_bulk_node(gfp_t gfp, int nid,
							 unsigned long nr,
							 struct page **pages)
{
#ifdef HAVE_ALLOC_PAGES_BULK_NODE
	return alloc_pages_bulk_node(gfp, nid, nr, pages);
#else
	return alloc_pages_bulk_array_node(gfp, nid, nr, pages);
#endif
}

/* Whether devmir_hmm_range_fault_unlocked() can do anything but fail. */
static inline bool devmir_hmm_fault_unlocked_supported(void)
{
#ifdef HAVE_HMM_RANGE_FAULT_UNLOCKED
	return true;
#else
	return false;
#endif
}

/**
 * devmir_hmm_range_fault_unlocked() - hmm_range_fault() that may drop the
 * mmap lock.
 * @range: The range; its notifier_seq is set here, on every attempt.
 * @timeout: jiffies of -EBUSY retries before giving up, 0 for no limit.
 *
 * hmm_range_fault_unlocked_timeout() where the kernel has it: it takes the
 * mmap read lock itself and lets handle_mm_fault() drop it, so memory
 * whose CPU fault waits for user space (userfaultfd) can be faulted in.
 * Older kernels have no such call: -EOPNOTSUPP.
 *
 * Context: Process context; the caller does not hold the mmap lock.
 * Return: 0, an hmm_range_fault() error, -EINTR, or -EOPNOTSUPP.
 */
static inline int devmir_hmm_range_fault_unlocked(struct hmm_range *range,
						  unsigned long timeout)
{
#ifdef HAVE_HMM_RANGE_FAULT_UNLOCKED
	return hmm_range_fault_unlocked_timeout(range, timeout);
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * Members of the render node's driver and file operations that not every
 * kernel has: drm_driver.date is gone; file_operations.fop_flags is new,
 * and before it drm_open() set FMODE_UNSIGNED_OFFSET by itself.
 */
/*
 * Two-pass interval notifiers: &mmu_interval_notifier_ops.invalidate_start
 * issues the invalidation and hands back a finish record, and the kernel
 * calls invalidate_finish with it once every notifier of the range had its
 * first pass, so several devices' shootdowns overlap. Without them the
 * record type still exists (the callbacks compile everywhere) and the ops
 * keep their one pass.
 */
#ifdef HAVE_MMU_INTERVAL_TWO_PASS
#define DEVMIR_TWO_PASS_INVALIDATION	true
#define devmir_notifier_finish		mmu_interval_notifier_finish
#define DEVMIR_NOTIFIER_TWO_PASS(start, finish)				\
	.invalidate_start = start, .invalidate_finish = finish,
#else
#define DEVMIR_TWO_PASS_INVALIDATION	false
struct devmir_notifier_finish {
	struct mmu_interval_notifier *notifier;
};

#define DEVMIR_NOTIFIER_TWO_PASS(start, finish)
#endif

#ifdef HAVE_DRM_DRIVER_DATE
#define DEVMIR_DRM_DATE(d)	.date = (d),
#else
#define DEVMIR_DRM_DATE(d)
#endif
#ifdef HAVE_FOP_FLAGS
#define DEVMIR_DRM_FOP_FLAGS	.fop_flags = FOP_UNSIGNED_OFFSET,
#else
#define DEVMIR_DRM_FOP_FLAGS
#endif

#endif /* _DEVMIRROR_COMPAT_H */
