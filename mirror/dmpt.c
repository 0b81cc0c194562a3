// SPDX-License-Identifier: GPL-2.0
/*
 * dmpt - device mirror page table: formats, directory life cycle, lookup.
 */

#include "dmpt_priv.h"

/**
 * DOC: Overview
 *
 * A device mirror page table (struct dmpt) mirrors, for one device, the part
 * of one process's CPU page tables that the device has faulted in. It is a
 * radix tree whose geometry is data: a struct dmpt_format lists, per level,
 * the address bit where the level's index starts (``shift``) and log2 of the
 * slots per directory (``bits``), plus the levels that may hold a leaf.
 * **Level 0 is the leaf level; level nlevels - 1 is the root's.** The default,
 * dmpt_format_x86_64, is 4 levels of 512 slots over a 48-bit span with
 * leaves of 4 KiB (level 0), 2 MiB (level 1) and 1 GiB (level 2).
 *
 * A directory (struct dmpt_dir) at level L is a small metadata block (slot
 * pointer, RCU head, valid-slot count, level: 32 bytes on 64-bit) and a
 * separately allocated, power-of-two array of ``1 << bits[L]`` u64 slots. A
 * slot is empty (0), a leaf entry (dmpt_entry_t, %DMPT_VALID set: frame in
 * bits 12..63, flags in bits 0..11), or a pointer to a directory at level
 * L - 1 (%DMPT_VALID clear). A leaf at L > 0 is a huge leaf.
 *
 * Operations: dmpt_lookup() walks one address lock-free; dmpt_map()
 * installs a batch of leaves at one level, allocating directories on the way
 * down (walk with install) and splitting a huge leaf that is in the way;
 * dmpt_protect() changes flags over a range; dmpt_clear() unmaps a range;
 * dmpt_walk() reports the valid leaves of a range as contiguous runs, one
 * callback per run. A huge leaf partly covered by a clear or protect is
 * split: a new directory holding the remainder at the next smaller leaf size
 * is built off-line and published in one store.
 *
 * Pruning is aggressive: every directory counts its non-empty slots, and
 * when an update empties a directory it is unlinked from its parent at once,
 * which may empty the parent, and so on up to (never including) the root.
 * After clearing everything only the root remains. Unlinked directories are
 * freed after an RCU grace period.
 *
 * Accounting (struct dmpt_stats) is kept incrementally and dmpt_check()
 * recounts it from the tree together with every structural invariant.
 */

/**
 * DOC: Locking
 *
 * Updates (dmpt_map(), dmpt_clear(), dmpt_protect(), dmpt_fini()) are
 * serialised by the caller: the driver holds its mirror update lock. The
 * library takes no lock of its own and never sleeps unless the caller's gfp
 * allows an allocation to.
 *
 * Readers (dmpt_lookup(), and dmpt_walk() when called without the update
 * lock) run lock-free under rcu_read_lock(), concurrently with updates, the
 * way a device's hardware walker runs concurrently with the driver. The
 * rules that make this safe:
 *
 * - Every slot is read once with READ_ONCE() and written with a single
 *   untorn store, so a reader sees, per slot, either the old or the new
 *   value (64-bit kernels only).
 * - A directory is published with smp_store_release() only after its slots
 *   are filled and counted; the reader's address dependency orders the rest.
 *   Splitting a huge leaf builds the replacement subtree off-line and swaps
 *   it in with one store; there is no window where the range is unmapped.
 * - A directory is unlinked before it is freed, and freed with call_rcu(),
 *   so a reader that still holds a pointer to it finishes first. Subtrees
 *   replaced by a huge leaf or cleared whole are unlinked at their top and
 *   every directory in them is freed the same way.
 *
 * - The one write a walker makes is dmpt_lookup_write() setting %DMPT_DIRTY
 *   in a writable leaf, with a compare-and-exchange. Updates therefore
 *   exchange writable leaves atomically (xchg() or cmpxchg(), also when
 *   they split one or free the subtree it is in) and report the dirty ones
 *   they drop to the written hook: a write either lands in a leaf the
 *   update then sees, or fails against the value the update stored.
 *
 * A reader may therefore return an entry that an update running at the same
 * moment is removing; as with a CPU TLB, the driver's invalidation (device
 * TLB shootdown after dmpt_clear() returns) is what makes the removal
 * visible to the device.
 *
 * In the userspace test build the same code runs on liburcu (memb flavour):
 * rcu_read_lock(), synchronize_rcu() and call_rcu() are liburcu's, with real
 * grace periods between reader threads and the writer.
 */

/**
 * DOC: Examples
 *
 * A driver embeds one table per (device, process) mirror::
 *
 *	ret = dmpt_init(&mirror->pt, &dmpt_format_x86_64);
 *
 * Device fault: after hmm_range_fault() and under the update lock, install
 * the small pages as one batch and a PMD-mapped range as one 2 MiB leaf::
 *
 *	entries[i] = dmpt_entry_make(pfn, DMPT_VALID | DMPT_WRITE);
 *	ret = dmpt_map(&mirror->pt, start, 0, entries, n, GFP_KERNEL);
 *	ret = dmpt_map(&mirror->pt, start_2m, 1, &huge, 1, GFP_KERNEL);
 *
 * CPU invalidation (mmu_interval_notifier, update lock held or trylocked)::
 *
 *	if (dmpt_clear(&mirror->pt, range->start, range->end, GFP_NOWAIT))
 *		device_tlb_flush(...);
 *
 * Device page walker, lock-free; a write marks the leaf dirty first::
 *
 *	rcu_read_lock();
 *	e = write ? dmpt_lookup_write(&mirror->pt, va, &level, NULL) :
 *		    dmpt_lookup(&mirror->pt, va, &level, NULL);
 *	rcu_read_unlock();
 *
 * Dirty leaves the table drops go back to the pages, set up once::
 *
 *	dmpt_set_written_hook(&mirror->pt, mark_folios_dirty, mirror);
 *
 * Teardown: dmpt_fini(), and rcu_barrier() before the module goes away.
 */

const struct dmpt_format dmpt_format_x86_64 = {
	.nlevels = 4,
	.shift = { 12, 21, 30, 39 },
	.bits = { 9, 9, 9, 9 },
	.leaf_levels = BIT(0) | BIT(1) | BIT(2),
};
EXPORT_SYMBOL_GPL(dmpt_format_x86_64);

int dmpt_format_validate(const struct dmpt_format *fmt)
{
	unsigned int i;

	if (!fmt || fmt->nlevels < 2 || fmt->nlevels > DMPT_MAX_LEVELS)
		return -EINVAL;
	if (fmt->shift[0] < DMPT_PFN_SHIFT)
		return -EINVAL;
	for (i = 0; i < fmt->nlevels; i++) {
		if (fmt->bits[i] < 1 || fmt->bits[i] > DMPT_MAX_BITS)
			return -EINVAL;
		if (i && fmt->shift[i] != fmt->shift[i - 1] + fmt->bits[i - 1])
			return -EINVAL;
		if (fmt->shift[i] + fmt->bits[i] > DMPT_MAX_VA_BITS)
			return -EINVAL;
	}
	if (!(fmt->leaf_levels & BIT(0)) || (fmt->leaf_levels >> fmt->nlevels))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(dmpt_format_validate);

/**
 * dmpt_dir_alloc() - Allocate an empty, unpublished directory and account it.
 * @pt: The table.
 * @level: Level of the new directory's slots (level 0 = leaf).
 * @gfp: Allocation flags.
 *
 * Context: Update lock held (the accounting is not atomic).
 * Return: The directory, with all slots empty, or NULL if out of memory.
 */
struct dmpt_dir *dmpt_dir_alloc(struct dmpt *pt, unsigned int level, gfp_t gfp)
{
	struct dmpt_dir *dir;

	dir = kmalloc(sizeof(*dir), gfp);
	if (!dir)
		return NULL;
	dir->slots = kcalloc(dmpt_nslots(pt->fmt, level), sizeof(u64), gfp);
	if (!dir->slots)
		goto err_free_dir;
	dir->nr_valid = 0;
	dir->level = level;
	pt->stats.bytes += dmpt_dir_bytes(pt->fmt, level);
	pt->stats.dirs[level]++;
	return dir;

err_free_dir:
	kfree(dir);
	return NULL;
}

static void dmpt_dir_unaccount(struct dmpt *pt, struct dmpt_dir *dir)
{
	pt->stats.bytes -= dmpt_dir_bytes(pt->fmt, dir->level);
	pt->stats.dirs[dir->level]--;
}

/**
 * dmpt_dir_free_now() - Free a directory that readers never saw.
 * @pt: The table.
 * @dir: A directory that was never published (or whose publication has been
 *	undone before any reader could start, as in dmpt_fini() paths).
 *
 * Only the directory itself is freed and unaccounted; its slots are ignored.
 *
 * Context: Update lock held.
 */
void dmpt_dir_free_now(struct dmpt *pt, struct dmpt_dir *dir)
{
	dmpt_dir_unaccount(pt, dir);
	kfree(dir->slots);
	kfree(dir);
}

static void dmpt_dir_rcu_free(struct rcu_head *head)
{
	struct dmpt_dir *dir = container_of(head, struct dmpt_dir, rcu);

	kfree(dir->slots);
	kfree(dir);
}

/**
 * dmpt_dir_free_rcu() - Free an unlinked directory after an RCU grace period.
 * @pt: The table.
 * @dir: A directory already unlinked from its parent (or the root at
 *	dmpt_fini()).
 *
 * The accounting is updated at once; the memory goes back once every reader
 * that might still see @dir has left its read-side section.
 *
 * Context: Update lock held; any context that may call call_rcu().
 */
void dmpt_dir_free_rcu(struct dmpt *pt, struct dmpt_dir *dir)
{
	dmpt_dir_unaccount(pt, dir);
	call_rcu(&dir->rcu, dmpt_dir_rcu_free);
}

/**
 * dmpt_subtree_free() - Free a directory and everything below it.
 * @pt: The table.
 * @dir: Top of the subtree, already unlinked (or never published).
 * @mode: %DMPT_FREE_NOW for a subtree built off-line that readers never saw;
 *	%DMPT_FREE_PRUNE for a published subtree that an update removed (freed
 *	through call_rcu(), every directory counted in
 *	&dmpt_stats.dirs_pruned); %DMPT_FREE_FINI for dmpt_fini() (through
 *	call_rcu(), not counted as pruning).
 *
 * Every leaf in the subtree is unaccounted, every directory freed. In the
 * published modes every leaf is first taken out of its slot (atomically if
 * writable), so a device walker still inside the subtree can no longer mark
 * it dirty, and the dirty ones go to the written hook.
 *
 * Context: Update lock held.
 * Return: Number of 4 KiB pages the subtree's leaves mapped.
 */
u64 dmpt_subtree_free(struct dmpt *pt, struct dmpt_dir *dir,
		      enum dmpt_free_mode mode)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned long i, n = dmpt_nslots(fmt, dir->level);
	unsigned int level = dir->level;
	u64 pages = 0;

	for (i = 0; i < n && dir->nr_valid; i++) {
		u64 slot = dir->slots[i];

		if (!slot)
			continue;
		if (dmpt_slot_is_leaf(slot)) {
			/* Published: a device may be setting DIRTY in it. */
			if (mode != DMPT_FREE_NOW) {
				slot = dmpt_leaf_take(&dir->slots[i], slot, 0);
				dmpt_written(pt, slot, 0,
					     dmpt_level_pages(fmt, level));
			}
			pt->stats.entries[level]--;
			pages += dmpt_level_pages(fmt, level);
		} else {
			pages += dmpt_subtree_free(pt, dmpt_slot_dir(slot),
						   mode);
		}
		dir->nr_valid--;
	}
	if (mode == DMPT_FREE_NOW) {
		dmpt_dir_free_now(pt, dir);
		return pages;
	}
	if (mode == DMPT_FREE_PRUNE)
		pt->stats.dirs_pruned++;
	dmpt_dir_free_rcu(pt, dir);
	return pages;
}

int dmpt_init(struct dmpt *pt, const struct dmpt_format *fmt)
{
	struct dmpt_dir *root;
	int ret;

	ret = dmpt_format_validate(fmt);
	if (ret)
		return ret;
	memset(pt, 0, sizeof(*pt));
	pt->fmt = fmt;
	root = dmpt_dir_alloc(pt, dmpt_top(fmt), GFP_KERNEL);
	if (!root)
		return -ENOMEM;
	/* Pairs with the READ_ONCE() in dmpt_lookup(). */
	smp_store_release(&pt->root, root);
	return 0;
}
EXPORT_SYMBOL_GPL(dmpt_init);

void dmpt_fini(struct dmpt *pt)
{
	struct dmpt_dir *root = pt->root;

	dmpt_assert_locked(pt);
	if (!root)
		return;
	WRITE_ONCE(pt->root, NULL);
	dmpt_subtree_free(pt, root, DMPT_FREE_FINI);
	dmpt_written_flush(pt);
}
EXPORT_SYMBOL_GPL(dmpt_fini);

void dmpt_set_written_hook(struct dmpt *pt, dmpt_written_fn fn, void *arg)
{
	pt->written = fn;
	pt->written_arg = arg;
	pt->written_n = 0;
}
EXPORT_SYMBOL_GPL(dmpt_set_written_hook);

/* Hand the run of dropped writes gathered so far to the hook. */
void dmpt_written_flush(struct dmpt *pt)
{
	if (!pt->written_n)
		return;
	pt->written(pt->written_arg, pt->written_pfn, pt->written_n);
	pt->written_n = 0;
}

/*
 * One lock-free walk to the leaf covering @addr. *@slotp receives the
 * slot holding it (NULL when the walk found no leaf).
 */
static u64 dmpt_lookup_slot(struct dmpt *pt, u64 addr, unsigned int *level,
			    unsigned int *touched, u64 **slotp)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned int lvl = dmpt_top(fmt), n = 0;
	struct dmpt_dir *dir;
	u64 slot = 0;

	*slotp = NULL;
	dir = READ_ONCE(pt->root);
	if (!dir || (addr >> dmpt_va_bits(fmt)))
		goto out;
	for (;;) {
		u64 *p = &dir->slots[dmpt_index(fmt, lvl, addr)];

		slot = READ_ONCE(*p);
		n++;
		if (dmpt_slot_is_leaf(slot)) {
			*slotp = p;
			break;
		}
		if (!slot || WARN_ON_ONCE(!lvl)) {
			slot = 0;
			break;
		}
		dir = dmpt_slot_dir(slot);
		lvl--;
	}
out:
	if (level)
		*level = lvl;
	if (touched)
		*touched = n;
	return slot;
}

dmpt_entry_t dmpt_lookup(struct dmpt *pt, u64 addr, unsigned int *level,
			 unsigned int *touched)
{
	dmpt_entry_t e;
	u64 *slotp;

	e.val = dmpt_lookup_slot(pt, addr, level, touched, &slotp);
	return e;
}
EXPORT_SYMBOL_GPL(dmpt_lookup);

unsigned int dmpt_lookup_line(struct dmpt *pt, u64 addr, dmpt_entry_t *line,
			      unsigned int n, unsigned int *level,
			      unsigned int *touched)
{
	unsigned int lvl, i, got = 1;
	unsigned long idx, nslots;
	u64 *slotp, slot;

	line[0].val = dmpt_lookup_slot(pt, addr, &lvl, touched, &slotp);
	if (level)
		*level = lvl;
	if (!slotp)
		return 1;
	nslots = dmpt_nslots(pt->fmt, lvl);
	idx = dmpt_index(pt->fmt, lvl, addr);
	for (i = 1; i < n && idx + i < nslots; i++) {
		slot = READ_ONCE(slotp[i]);
		/* A directory below a slot is no leaf of this line. */
		line[got++].val = dmpt_slot_is_leaf(slot) ? slot : 0;
	}
	return got;
}
EXPORT_SYMBOL_GPL(dmpt_lookup_line);

dmpt_entry_t dmpt_lookup_write(struct dmpt *pt, u64 addr, unsigned int *level,
			       unsigned int *touched)
{
	dmpt_entry_t e;
	u64 *slotp;

	for (;;) {
		e.val = dmpt_lookup_slot(pt, addr, level, touched, &slotp);
		if ((e.val & (DMPT_VALID | DMPT_WRITE | DMPT_DIRTY)) !=
		    (DMPT_VALID | DMPT_WRITE))
			return e;
		/* Lost to an update: walk again, the tree may have changed. */
		if (cmpxchg(slotp, e.val, e.val | DMPT_DIRTY) == e.val) {
			e.val |= DMPT_DIRTY;
			return e;
		}
	}
}
EXPORT_SYMBOL_GPL(dmpt_lookup_write);

void dmpt_get_stats(struct dmpt *pt, struct dmpt_stats *st)
{
	unsigned int i;

	st->bytes = READ_ONCE(pt->stats.bytes);
	for (i = 0; i < DMPT_MAX_LEVELS; i++) {
		st->dirs[i] = READ_ONCE(pt->stats.dirs[i]);
		st->entries[i] = READ_ONCE(pt->stats.entries[i]);
	}
	st->dirs_pruned = READ_ONCE(pt->stats.dirs_pruned);
	st->splits = READ_ONCE(pt->stats.splits);
}
EXPORT_SYMBOL_GPL(dmpt_get_stats);
