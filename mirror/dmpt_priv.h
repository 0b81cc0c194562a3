/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions private to mirror/: the directory type, the slot encoding and
 * the helpers shared by dmpt.c, dmpt_update.c, dmpt_walk.c and dmpt_check.c.
 * Level numbering as in dmpt.h: level 0 = leaf.
 */
#ifndef _DMPT_PRIV_H
#define _DMPT_PRIV_H

#include "dmpt_internal.h"
#include "dmpt.h"

/*
 * Updates assert the lock named with dmpt_set_external_lock(), if any
 * (kernel builds with lockdep only).
 */
static inline void dmpt_assert_locked(const struct dmpt *pt)
{
#ifdef CONFIG_LOCKDEP
	lockdep_assert(!pt->lock_map || lock_is_held(pt->lock_map));
#endif
}

/**
 * struct dmpt_dir - One directory (table) of the mirror.
 * @slots: ``1 << fmt->bits[level]`` slots, each 0 (empty), a leaf entry at
 *	@level (%DMPT_VALID set) or a pointer to a directory at @level - 1
 *	(%DMPT_VALID clear, non-zero). Allocated separately so that the slot
 *	array is an exact power of two; immutable once the directory is
 *	published, so readers load it without ordering.
 * @rcu: Deferred free of the directory and its slots past RCU readers.
 * @nr_valid: Number of non-empty slots. Written under the update lock only.
 * @level: Level of the slots (level 0 = leaf).
 *
 * No walker count: lock-free walkers are covered by RCU, and every other
 * walker holds the update lock, so a directory is unlinked the moment
 * @nr_valid drops to zero and freed after a grace period.
 */
struct dmpt_dir {
	u64 *slots;
	struct rcu_head rcu;
	unsigned int nr_valid;
	unsigned int level;
};

/* Slots are read and written whole by lock-free readers: 64-bit only. */
static_assert(sizeof(unsigned long) == sizeof(u64),
	      "dmpt needs untorn 64-bit loads and stores");

/* Slot encoding: see struct dmpt_dir.slots. */
static inline bool dmpt_slot_is_leaf(u64 slot)
{
	return slot & DMPT_VALID;
}

static inline bool dmpt_slot_is_dir(u64 slot)
{
	return slot && !(slot & DMPT_VALID);
}

static inline struct dmpt_dir *dmpt_slot_dir(u64 slot)
{
	return (struct dmpt_dir *)(unsigned long)slot;
}

static inline u64 dmpt_dir_slot(struct dmpt_dir *dir)
{
	return (u64)(unsigned long)dir;
}

/* Top (root) level of a format. */
static inline unsigned int dmpt_top(const struct dmpt_format *fmt)
{
	return fmt->nlevels - 1;
}

/* Slots in a directory at @level. */
static inline unsigned long dmpt_nslots(const struct dmpt_format *fmt,
					unsigned int level)
{
	return 1UL << fmt->bits[level];
}

/* Slot index of @addr in a directory at @level. */
static inline unsigned long dmpt_index(const struct dmpt_format *fmt,
				       unsigned int level, u64 addr)
{
	return (addr >> fmt->shift[level]) & (dmpt_nslots(fmt, level) - 1);
}

/* 4 KiB frames covered by one leaf at @level. */
static inline u64 dmpt_level_pages(const struct dmpt_format *fmt,
				   unsigned int level)
{
	return 1ULL << (fmt->shift[level] - DMPT_PFN_SHIFT);
}

static inline bool dmpt_leaf_level_ok(const struct dmpt_format *fmt,
				      unsigned int level)
{
	return level < fmt->nlevels && (fmt->leaf_levels & (1U << level));
}

/* Exclusive end of the format's span: 1 << va_bits (fits, va_bits <= 63). */
static inline u64 dmpt_va_end(const struct dmpt_format *fmt)
{
	return 1ULL << dmpt_va_bits(fmt);
}

/* Entry for the leaf at @offset bytes into the span of leaf @e. */
static inline u64 dmpt_leaf_offset(u64 e, u64 offset)
{
	return e + ((offset >> DMPT_PFN_SHIFT) << DMPT_PFN_SHIFT);
}

/* Bytes one directory at @level costs (metadata plus slot array). */
static inline u64 dmpt_dir_bytes(const struct dmpt_format *fmt,
				 unsigned int level)
{
	return sizeof(struct dmpt_dir) + (sizeof(u64) << fmt->bits[level]);
}

/*
 * Slot stores. A directory is published with release semantics so that a
 * lock-free reader that sees the pointer also sees its initialised slots;
 * leaves and empties need only a single untorn store.
 */
static inline void dmpt_slot_publish_dir(u64 *slot, struct dmpt_dir *dir)
{
	/* Order @dir's initialised slots before the pointer to it. */
	smp_store_release(slot, dmpt_dir_slot(dir));
}

static inline void dmpt_slot_set(u64 *slot, u64 val)
{
	WRITE_ONCE(*slot, val);
}

/*
 * Device writes (see dmpt_lookup_write()): a lock-free walker may set
 * %DMPT_DIRTY in a leaf that has %DMPT_WRITE, at any moment, with a
 * compare-and-exchange. That is the only change a slot ever sees outside
 * the update lock, so an update that replaces a writable leaf exchanges it
 * atomically and looks at the value it took out; a read-only leaf cannot
 * change under the update lock and is replaced with a plain store.
 */
static inline u64 dmpt_leaf_take(u64 *slot, u64 leaf, u64 val)
{
	if (!(leaf & DMPT_WRITE))
		dmpt_slot_set(slot, val);
	else
		leaf = xchg(slot, val);
	return leaf;
}

void dmpt_written_flush(struct dmpt *pt);

/*
 * dmpt_written() - Report that the update drops %DMPT_DIRTY of @npages
 * frames of leaf @leaf, starting @first frames into its span: they join
 * the run being gathered, which goes to the hook when it stops being
 * contiguous and at the end of the update (dmpt_written_flush()).
 */
static inline void dmpt_written(struct dmpt *pt, u64 leaf, u64 first,
				u64 npages)
{
	u64 pfn = (leaf >> DMPT_PFN_SHIFT) + first;

	if (!(leaf & DMPT_DIRTY) || !pt->written || !npages)
		return;
	if (pt->written_n && pt->written_pfn + pt->written_n == pfn) {
		pt->written_n += npages;
		return;
	}
	dmpt_written_flush(pt);
	pt->written_pfn = pfn;
	pt->written_n = npages;
}

/**
 * enum dmpt_free_mode - How dmpt_subtree_free() releases directories.
 * @DMPT_FREE_NOW: Never published: kfree() at once.
 * @DMPT_FREE_PRUNE: Unlinked by an update: call_rcu(), counted as pruned.
 * @DMPT_FREE_FINI: Table teardown: call_rcu(), not counted as pruned.
 */
enum dmpt_free_mode {
	DMPT_FREE_NOW,
	DMPT_FREE_PRUNE,
	DMPT_FREE_FINI,
};

/* dmpt.c: directory life cycle and accounting. */
struct dmpt_dir *dmpt_dir_alloc(struct dmpt *pt, unsigned int level, gfp_t gfp);
void dmpt_dir_free_now(struct dmpt *pt, struct dmpt_dir *dir);
void dmpt_dir_free_rcu(struct dmpt *pt, struct dmpt_dir *dir);
u64 dmpt_subtree_free(struct dmpt *pt, struct dmpt_dir *dir,
		      enum dmpt_free_mode mode);

#endif /* _DMPT_PRIV_H */
