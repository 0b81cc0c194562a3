// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - moving pages: the copy batch that migrations to the device,
 * CPU faults on device pages and evictions share (destinations locked and
 * queued, one copy call, the pages that were not copied unwound), and the
 * registry of migrations in flight.
 */
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/spinlock.h>

#include "internal.h"

/**
 * devmir_copy_pages() - Copy pages with the right copy engine.
 * @dst: Destination pages.
 * @src: Source pages (NULL: zero-fill the destination).
 * @n: Number of pages.
 * @dst_dev: The device whose memory receives the pages; NULL when the
 *	destination is system memory, in which case each run of source pages
 *	is copied by the device that owns them.
 *
 * Context: Process context; may sleep. Every page is locked and unmapped.
 * Return: 0, or the first error of a copy callback (-EIO for a source page
 * that belongs to no devmirror device).
 */
int devmir_copy_pages(struct page **dst, struct page **src, unsigned int n,
		      struct devmir_device *dst_dev)
{
	struct devmir_device *owner;
	unsigned int i, j;
	int ret;

	if (dst_dev)
		return dst_dev->ops->copy(dst_dev, dst, src, n);
	for (i = 0; i < n; i = j) {
		owner = src[i] ? __devmir_page_device(src[i]) : NULL;
		if (!owner)
			return -EIO;
		for (j = i + 1; j < n; j++)
			if (!src[j] || __devmir_page_device(src[j]) != owner)
				break;
		ret = owner->ops->copy(owner, dst + i, src + i, j - i);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * devmir_batch_add() - Queue one page of a migration for the copy.
 * @b: The batch.
 * @i: Index of the page in the migration's pfn arrays.
 * @spage: Source page (NULL: the destination is zero-filled).
 * @dpage: Destination page, freshly allocated and locked by the caller
 *	(devmir_devmem_alloc() hands device pages over locked; a new system
 *	page takes lock_page()).
 * @flags: ``MIGRATE_PFN_*`` flags of the destination entry (e.g. WRITE).
 *
 * Makes @dpage the destination of entry @i (&devmir_copy_batch.mdst).
 *
 * Context: Any context.
 */
void devmir_batch_add(struct devmir_copy_batch *b, unsigned int i,
		      struct page *spage, struct page *dpage, unsigned long flags)
{
	b->mdst[i] = migrate_pfn(page_to_pfn(dpage)) | flags;
	b->src[b->n] = spage;
	b->dst[b->n] = dpage;
	b->idx[b->n] = i;
	b->n++;
}

/**
 * devmir_batch_add_folio() - Queue a 2 MiB folio of a migration for the copy.
 * @b: The batch.
 * @i: Index of the folio's first page in the migration's pfn arrays.
 * @spage: First source page, the rest following it (a large folio); NULL:
 *	the destination is zero-filled.
 * @dfolio: Destination folio, freshly allocated and locked by the caller.
 * @flags: ``MIGRATE_PFN_*`` flags of the destination entry.
 *
 * Makes @dfolio the destination of entry @i, marked compound; the entries
 * after it stay empty, as the kernel wants. Queues one copy per page.
 *
 * Context: Any context.
 */
void devmir_batch_add_folio(struct devmir_copy_batch *b, unsigned int i,
			    struct page *spage, struct folio *dfolio,
			    unsigned long flags)
{
	unsigned long j, nr = folio_nr_pages(dfolio);

	b->mdst[i] = migrate_pfn(folio_pfn(dfolio)) | flags |
		     DEVMIR_MIGRATE_PFN_COMPOUND;
	for (j = 0; j < nr; j++) {
		b->src[b->n] = spage ? spage + j : NULL;
		b->dst[b->n] = folio_page(dfolio, j);
		b->idx[b->n] = i + j;
		b->n++;
	}
}

/**
 * devmir_batch_drop() - Take the destinations of some batch entries back.
 * @b: The batch.
 * @from: First entry, the first page of its folio.
 * @to: Exclusive end, the end of a folio's entries or @b->n.
 *
 * Each destination folio of entries [@from, @to) is unlocked and freed (a
 * device folio goes back to its pool through its free callback) and its
 * &devmir_copy_batch.mdst entries cleared, so that migrate_vma_pages() or
 * migrate_device_pages() leaves those sources where they are, with their
 * data. One folio at a time, its size taken before it is freed: the pages
 * of a freed 2 MiB device folio go back to the pool, and another migration
 * may take one as a folio of its own (locked) before this loop would have
 * reached it. @b->n is left as it is.
 *
 * Context: Process context.
 */
void devmir_batch_drop(struct devmir_copy_batch *b, unsigned int from,
		       unsigned int to)
{
	unsigned int k, j, nr;

	for (k = from; k < to; k += nr) {
		struct folio *folio = page_folio(b->dst[k]);

		nr = folio_nr_pages(folio);
		for (j = 0; j < nr; j++)
			b->mdst[b->idx[k + j]] = 0;
		folio_unlock(folio);
		folio_put(folio);
	}
}

/**
 * devmir_batch_copy() - Copy a batch; unwind what was not copied.
 * @b: The batch.
 * @dst_dev: The device whose memory receives the pages, or NULL for system
 *	memory (see devmir_copy_pages()).
 * @inject: Whether the copy_fail injection point may cut the batch short
 *	(never for a CPU fault, whose process would get SIGBUS, nor for the
 *	teardown, which must finish).
 *
 * The copy is all or nothing per call, so what was copied is a prefix of
 * the batch, cut back to a folio boundary (a 2 MiB folio moves whole or not
 * at all). Every later entry loses its destination: the folio is unlocked
 * and freed (a device folio goes back to its pool through its free
 * callback) and its &devmir_copy_batch.mdst entry cleared, so
 * migrate_vma_pages() or migrate_device_pages() leaves the source where it
 * is, with its data.
 *
 * Context: Process context; may sleep.
 * Return: The number of entries copied; entries [return, @b->n) were not.
 */
unsigned int devmir_batch_copy(struct devmir_copy_batch *b,
			       struct devmir_device *dst_dev, bool inject)
{
	unsigned int done;

	if (!b->n)
		return 0;
	done = inject ? devmir_inject_copy_limit(b->n) : b->n;
	while (done && done < b->n &&
	       page_folio(b->dst[done]) == page_folio(b->dst[done - 1]))
		done--;
	if (done && devmir_copy_pages(b->dst, b->src, done, dst_dev))
		done = 0;
	devmir_batch_drop(b, done, b->n);
	return done;
}

/*
 * Migrations in flight (&struct devmir_inflight): devmirror's own windows
 * and evictions, the migration entries a probe that never faults reports as
 * "no page".
 */
static DEFINE_SPINLOCK(devmir_inflight_lock);
static LIST_HEAD(devmir_inflight_list);

/**
 * devmir_inflight_begin() - Note a migration whose pages go under migration
 * entries.
 * @f: Caller-owned record, valid until devmir_inflight_end().
 * @mm: The mm of a migrate_vma window; NULL for an eviction.
 * @start: First address of the window.
 * @end: Its exclusive end.
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_inflight_begin(struct devmir_inflight *f, const struct mm_struct *mm,
			   u64 start, u64 end)
{
	f->mm = mm;
	f->start = start;
	f->end = end;
	spin_lock(&devmir_inflight_lock);
	list_add(&f->node, &devmir_inflight_list);
	spin_unlock(&devmir_inflight_lock);
}

/**
 * devmir_inflight_end() - The migration noted in @f is finalized.
 * @f: The record given to devmir_inflight_begin().
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_inflight_end(struct devmir_inflight *f)
{
	spin_lock(&devmir_inflight_lock);
	list_del(&f->node);
	spin_unlock(&devmir_inflight_lock);
}

/**
 * devmir_inflight_covers() - Whether a migration in flight may hold an
 * address under a migration entry.
 * @mm: The mm.
 * @addr: The address.
 *
 * Context: Any context that may take a spinlock.
 * Return: True if a window of @mm covering @addr, or any eviction, is
 * between its setup and its finalize.
 */
bool devmir_inflight_covers(const struct mm_struct *mm, u64 addr)
{
	struct devmir_inflight *f;
	bool found = false;

	spin_lock(&devmir_inflight_lock);
	list_for_each_entry(f, &devmir_inflight_list, node) {
		if (!f->mm || (f->mm == mm && addr >= f->start && addr < f->end)) {
			found = true;
			break;
		}
	}
	spin_unlock(&devmir_inflight_lock);
	return found;
}
