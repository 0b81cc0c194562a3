// SPDX-License-Identifier: GPL-2.0
/*
 * dmpt - updates: populate with walk-with-install, clear and protect with
 * huge-leaf split and aggressive pruning. See DOC: Locking in dmpt.c; every
 * function here runs under the caller's update lock.
 */

#include "dmpt_priv.h"

/*
 * struct dmpt_edit - A range edit applied by dmpt_clear() or dmpt_protect().
 * @start: First address, rounded down to a level-0 leaf.
 * @end: Exclusive end, rounded up to a level-0 leaf and clipped to the span.
 * @clear: Flags to clear (dmpt_protect()); never %DMPT_VALID.
 * @set: Flags to set (dmpt_protect()); never %DMPT_VALID.
 * @unmap: True for dmpt_clear(): leaves in range go away.
 * @gfp: Allocation flags for splits.
 * @pages: Out: 4 KiB pages changed or dropped.
 *
 * Because the range is rounded to level-0 leaves, only huge leaves (level
 * > 0) can be partly inside it.
 */
struct dmpt_edit {
	u64 start;
	u64 end;
	u64 clear;
	u64 set;
	bool unmap;
	gfp_t gfp;
	u64 pages;
};

/* The value leaf @leaf takes when it is fully inside the edited range. */
static u64 dmpt_edit_leaf(const struct dmpt_edit *ed, u64 leaf)
{
	if (ed->unmap)
		return 0;
	return (leaf & ~ed->clear) | ed->set;
}

/*
 * dmpt_build() - Build, off-line, the directory that replaces a huge leaf.
 * @pt: The table.
 * @level: Level of the new directory (one below the huge leaf's).
 * @base: First address the new directory covers.
 * @leaf: Entry value that maps @base (the huge leaf's value, frame moved
 *	forward to @base).
 * @ed: The edit to apply to the part of the leaf inside @ed's range, or
 *	NULL for a plain split.
 * @gfp: Allocation flags.
 *
 * Every piece that is entirely inside or entirely outside the edited range
 * becomes a leaf at @level if @level may hold leaves; anything else (a piece
 * straddling a range boundary, or a level without leaves) becomes a
 * subdirectory built the same way. Pieces that the edit unmaps stay empty.
 * The result is never empty and is accounted; readers see it only once the
 * caller publishes it.
 *
 * Return: The new directory, or NULL (with nothing left allocated) when out
 * of memory.
 */
static struct dmpt_dir *dmpt_build(struct dmpt *pt, unsigned int level,
				   u64 base, u64 leaf,
				   const struct dmpt_edit *ed, gfp_t gfp)
{
	const struct dmpt_format *fmt = pt->fmt;
	u64 size = dmpt_level_size(fmt, level);
	unsigned long i, n = dmpt_nslots(fmt, level);
	bool leaf_ok = dmpt_leaf_level_ok(fmt, level);
	struct dmpt_dir *dir, *child;

	dir = dmpt_dir_alloc(pt, level, gfp);
	if (!dir)
		return NULL;
	for (i = 0; i < n; i++) {
		u64 cbase = base + i * size, cend = cbase + size;
		u64 piece = dmpt_leaf_offset(leaf, i * size);
		bool in = ed && ed->start <= cbase && cend <= ed->end;
		bool out = !ed || cend <= ed->start || ed->end <= cbase;
		u64 slot;

		if (in && ed->unmap)
			continue;
		if ((in || out) && leaf_ok) {
			slot = in ? dmpt_edit_leaf(ed, piece) : piece;
			pt->stats.entries[level]++;
		} else {
			if (WARN_ON_ONCE(!level))
				goto err_free;
			child = dmpt_build(pt, level - 1, cbase, piece, ed,
					   gfp);
			if (!child)
				goto err_free;
			slot = dmpt_dir_slot(child);
		}
		dir->slots[i] = slot;
		dir->nr_valid++;
	}
	return dir;

err_free:
	dmpt_subtree_free(pt, dir, DMPT_FREE_NOW);
	return NULL;
}

/*
 * dmpt_split() - Replace the huge leaf *@old in *@slotp (a slot at @level +
 * 1 covering from @base) by the directory dmpt_build() makes of it.
 *
 * A writable leaf may gain %DMPT_DIRTY from a device walker while the
 * directory is being built: it is published with a compare-and-exchange,
 * and rebuilt from the new value if that lost.
 *
 * Return: The published directory (*@old holds the leaf it replaced), or
 * NULL when out of memory (the slot unchanged).
 */
static struct dmpt_dir *dmpt_split(struct dmpt *pt, u64 *slotp,
				   unsigned int level, u64 base, u64 *old,
				   const struct dmpt_edit *ed, gfp_t gfp)
{
	struct dmpt_dir *child;
	u64 prev;

	for (;;) {
		child = dmpt_build(pt, level, base, *old, ed, gfp);
		if (!child)
			return NULL;
		if (!(*old & DMPT_WRITE)) {
			dmpt_slot_publish_dir(slotp, child);
			return child;
		}
		/* Fully ordered: publishes the initialised directory too. */
		prev = cmpxchg(slotp, *old, dmpt_dir_slot(child));
		if (prev == *old)
			return child;
		dmpt_subtree_free(pt, child, DMPT_FREE_NOW);
		*old = prev;
	}
}

/*
 * dmpt_chain_alloc() - Allocate the directories from @top down to @bottom
 * covering @addr, linked to each other but not yet to the table.
 *
 * Return: The directory at @top (its chain below it counted, the one at
 * @bottom empty), or NULL with nothing left allocated.
 */
static struct dmpt_dir *dmpt_chain_alloc(struct dmpt *pt, unsigned int top,
					 unsigned int bottom, u64 addr,
					 gfp_t gfp)
{
	struct dmpt_dir *dir, *child = NULL;
	unsigned int level;

	for (level = bottom; level <= top; level++) {
		dir = dmpt_dir_alloc(pt, level, gfp);
		if (!dir)
			goto err_free;
		if (child) {
			dir->slots[dmpt_index(pt->fmt, level, addr)] =
				dmpt_dir_slot(child);
			dir->nr_valid = 1;
		}
		child = dir;
	}
	return child;

err_free:
	if (child)
		dmpt_subtree_free(pt, child, DMPT_FREE_NOW);
	return NULL;
}

/*
 * dmpt_install_path() - Walk from the root to the directory at @level that
 * covers @addr, installing missing directories and splitting huge leaves in
 * the way (the walk-with-install of a populate).
 *
 * Missing directories are allocated as a whole chain before the top of the
 * chain is published, so an allocation failure leaves nothing half-linked.
 * The bottom directory may be returned empty: the caller fills it at once.
 *
 * Return: The directory, or NULL when out of memory (the table unchanged
 * except for huge leaves already split, which map the same pages).
 */
static struct dmpt_dir *dmpt_install_path(struct dmpt *pt, u64 addr,
					  unsigned int level, gfp_t gfp)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned int lvl = dmpt_top(fmt);
	struct dmpt_dir *dir = pt->root, *child;

	while (lvl > level) {
		u64 *slotp = &dir->slots[dmpt_index(fmt, lvl, addr)];
		u64 slot = *slotp;

		if (dmpt_slot_is_dir(slot)) {
			child = dmpt_slot_dir(slot);
		} else if (!slot) {
			child = dmpt_chain_alloc(pt, lvl - 1, level, addr, gfp);
			if (!child)
				return NULL;
			dmpt_slot_publish_dir(slotp, child);
			dir->nr_valid++;
		} else {
			u64 base = addr & ~(dmpt_level_size(fmt, lvl) - 1);

			child = dmpt_split(pt, slotp, lvl - 1, base, &slot, NULL,
					   gfp);
			if (!child)
				return NULL;
			pt->stats.entries[lvl]--;
			pt->stats.splits++;
		}
		dir = child;
		lvl--;
	}
	return dir;
}

/*
 * The value a new leaf @val takes over the leaf @old in its slot: a
 * writable leaf for the same frame keeps @old's %DMPT_DIRTY, because the
 * device may still cache the dirty translation and write through it.
 */
static u64 dmpt_leaf_renew(u64 old, u64 val)
{
	if ((old & DMPT_DIRTY) && (val & DMPT_WRITE) &&
	    (old >> DMPT_PFN_SHIFT) == (val >> DMPT_PFN_SHIFT))
		val |= DMPT_DIRTY;
	return val;
}

/* Store leaf @val in slot @idx of @dir, freeing any subtree it replaces. */
static void dmpt_set_leaf(struct dmpt *pt, struct dmpt_dir *dir,
			  unsigned long idx, u64 val)
{
	u64 *slotp = &dir->slots[idx];
	u64 old = *slotp, new, prev;

	if (dmpt_slot_is_leaf(old)) {
		for (;;) {
			new = dmpt_leaf_renew(old, val);
			if (!(old & DMPT_WRITE)) {
				dmpt_slot_set(slotp, new);
				break;
			}
			prev = cmpxchg(slotp, old, new);
			if (prev == old)
				break;
			old = prev;
		}
		if (!(new & DMPT_DIRTY))
			dmpt_written(pt, old, 0, dmpt_level_pages(pt->fmt,
								  dir->level));
		return;
	}
	/* Empty or a directory: no walker can change the slot itself. */
	dmpt_slot_set(slotp, val);
	pt->stats.entries[dir->level]++;
	if (!old)
		dir->nr_valid++;
	else
		dmpt_subtree_free(pt, dmpt_slot_dir(old), DMPT_FREE_PRUNE);
}

static int dmpt_map_check(const struct dmpt_format *fmt, u64 start,
			  unsigned int level, const dmpt_entry_t *entries,
			  unsigned long n)
{
	u64 va_end = dmpt_va_end(fmt);
	u64 pfn_mask;
	unsigned long i;

	if (!dmpt_leaf_level_ok(fmt, level))
		return -EINVAL;
	if (start & (dmpt_level_size(fmt, level) - 1))
		return -EINVAL;
	if (start > va_end || n > (va_end - start) >> fmt->shift[level])
		return -EINVAL;
	pfn_mask = dmpt_level_pages(fmt, level) - 1;
	for (i = 0; i < n; i++)
		if (dmpt_entry_valid(entries[i]) &&
		    (dmpt_entry_pfn(entries[i]) & pfn_mask))
			return -EINVAL;
	return 0;
}

int dmpt_map(struct dmpt *pt, u64 start, unsigned int level,
	     const dmpt_entry_t *entries, unsigned long n, gfp_t gfp)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned int shift = fmt->shift[level];
	unsigned long nslots = dmpt_nslots(fmt, level);
	unsigned long i, j, idx, chunk;
	struct dmpt_dir *dir;
	int ret;

	dmpt_assert_locked(pt);
	ret = dmpt_map_check(fmt, start, level, entries, n);
	if (ret)
		return ret;
	for (i = 0; i < n; i += chunk) {
		u64 addr = start + ((u64)i << shift);

		/* One directory's worth of slots at a time. */
		idx = dmpt_index(fmt, level, addr);
		chunk = min(n - i, nslots - idx);
		for (j = 0; j < chunk && !dmpt_entry_valid(entries[i + j]); j++)
			;
		if (j == chunk)
			continue;
		dir = dmpt_install_path(pt, addr + ((u64)j << shift), level,
					gfp);
		if (!dir) {
			ret = -ENOMEM;
			break;
		}
		for (; j < chunk; j++)
			if (dmpt_entry_valid(entries[i + j]))
				dmpt_set_leaf(pt, dir, idx + j,
					      entries[i + j].val);
	}
	dmpt_written_flush(pt);
	return ret;
}
EXPORT_SYMBOL_GPL(dmpt_map);

/* Unlink the empty-or-doomed directory in *@slotp from @dir and free it. */
static void dmpt_unlink_dir(struct dmpt *pt, struct dmpt_dir *dir, u64 *slotp,
			    struct dmpt_edit *ed)
{
	struct dmpt_dir *child = dmpt_slot_dir(*slotp);

	dmpt_slot_set(slotp, 0);
	dir->nr_valid--;
	ed->pages += dmpt_subtree_free(pt, child, DMPT_FREE_PRUNE);
}

/* Apply @ed to the huge or small leaf in *@slotp (a slot of @dir at @cbase). */
static void dmpt_edit_slot_leaf(struct dmpt *pt, struct dmpt_dir *dir,
				u64 *slotp, u64 cbase, struct dmpt_edit *ed)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned int level = dir->level;
	u64 size = dmpt_level_size(fmt, level);
	u64 old = *slotp, new = dmpt_edit_leaf(ed, old), prev, lo;
	struct dmpt_dir *child;

	if (new == old)
		return;
	if ((ed->start <= cbase && cbase + size <= ed->end) ||
	    WARN_ON_ONCE(!level)) {
		/* A writable leaf may gain DIRTY until it is exchanged. */
		while (old & DMPT_WRITE) {
			prev = cmpxchg(slotp, old, new);
			if (prev == old)
				break;
			old = prev;
			new = dmpt_edit_leaf(ed, old);
		}
		if (!(old & DMPT_WRITE))
			dmpt_slot_set(slotp, new);
		if (!(new & DMPT_DIRTY))
			dmpt_written(pt, old, 0, dmpt_level_pages(fmt, level));
		ed->pages += dmpt_level_pages(fmt, level);
		if (!new) {
			dir->nr_valid--;
			pt->stats.entries[level]--;
		}
		return;
	}
	/* A huge leaf partly in range: split it, or drop it if we cannot. */
	child = dmpt_split(pt, slotp, level - 1, cbase, &old, ed, ed->gfp);
	pt->stats.entries[level]--;
	if (child) {
		pt->stats.splits++;
		lo = max(ed->start, cbase);
		new = (min(ed->end, cbase + size) - lo) >> DMPT_PFN_SHIFT;
		ed->pages += new;
		if (!(dmpt_edit_leaf(ed, old) & DMPT_DIRTY))
			dmpt_written(pt, old, (lo - cbase) >> DMPT_PFN_SHIFT,
				     new);
	} else {
		old = dmpt_leaf_take(slotp, old, 0);
		dmpt_written(pt, old, 0, dmpt_level_pages(fmt, level));
		dir->nr_valid--;
		ed->pages += dmpt_level_pages(fmt, level);
	}
}

/*
 * dmpt_edit_dir() - Apply @ed to the slots of @dir (covering from @base) that
 * meet the range, pruning every child directory the edit empties.
 */
static void dmpt_edit_dir(struct dmpt *pt, struct dmpt_dir *dir, u64 base,
			  struct dmpt_edit *ed)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned int level = dir->level, shift = fmt->shift[level];
	u64 span = (u64)dmpt_nslots(fmt, level) << shift;
	u64 lo = max(ed->start, base), last = min(ed->end, base + span) - 1;
	unsigned long i = (lo - base) >> shift, end = (last - base) >> shift;

	for (; i <= end; i++) {
		u64 *slotp = &dir->slots[i];
		u64 slot = *slotp, cbase = base + ((u64)i << shift);
		struct dmpt_dir *child;

		if (!slot)
			continue;
		if (dmpt_slot_is_leaf(slot)) {
			dmpt_edit_slot_leaf(pt, dir, slotp, cbase, ed);
			continue;
		}
		child = dmpt_slot_dir(slot);
		if (ed->unmap && ed->start <= cbase &&
		    cbase + (1ULL << shift) <= ed->end) {
			/* Whole subtree in range: unlink at the top. */
			dmpt_unlink_dir(pt, dir, slotp, ed);
			continue;
		}
		dmpt_edit_dir(pt, child, cbase, ed);
		if (!child->nr_valid)
			dmpt_unlink_dir(pt, dir, slotp, ed);
	}
}

static u64 dmpt_edit_range(struct dmpt *pt, u64 start, u64 end,
			   struct dmpt_edit *ed)
{
	const struct dmpt_format *fmt = pt->fmt;
	u64 mask = dmpt_level_size(fmt, 0) - 1;

	dmpt_assert_locked(pt);	/* dmpt_clear(), dmpt_protect() */
	end = min(end, dmpt_va_end(fmt));
	start &= ~mask;
	if (start >= end)
		return 0;
	ed->start = start;
	ed->end = (end + mask) & ~mask; /* end <= 2^63: cannot overflow */
	ed->pages = 0;
	dmpt_edit_dir(pt, pt->root, 0, ed);
	dmpt_written_flush(pt);
	return ed->pages;
}

unsigned long dmpt_clear(struct dmpt *pt, u64 start, u64 end, gfp_t gfp)
{
	struct dmpt_edit ed = { .unmap = true, .gfp = gfp };

	return dmpt_edit_range(pt, start, end, &ed);
}
EXPORT_SYMBOL_GPL(dmpt_clear);

unsigned long dmpt_protect(struct dmpt *pt, u64 start, u64 end, u64 clear,
			   u64 set, gfp_t gfp)
{
	u64 mask = DMPT_FLAGS_MASK & ~DMPT_VALID;
	struct dmpt_edit ed = {
		.clear = clear & mask,
		.set = set & mask,
		.gfp = gfp,
	};

	return dmpt_edit_range(pt, start, end, &ed);
}
EXPORT_SYMBOL_GPL(dmpt_protect);
