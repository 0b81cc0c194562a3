/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmpt - device mirror page table: the table that mirrors one process's CPU
 * page tables for one device.
 *
 * Level numbering, used by every structure and function below:
 * **level 0 is the leaf level** (the smallest page, e.g. 4 KiB on x86-64);
 * level ``nlevels - 1`` is the level of the root directory.
 *
 * A *directory* (struct dmpt_dir, private) at level L holds
 * ``1 << bits[L]`` slots; each slot covers ``1 << shift[L]`` bytes of virtual
 * address space and is empty, a leaf entry (dmpt_entry_t) at level L, or (for
 * L > 0) a pointer to a directory at level L - 1. A leaf at level L > 0 is a
 * *huge leaf*. Directories and entries are distinct types and never mixed in
 * the API.
 *
 * This is the only public header of mirror/. See mirror/dmpt.c for the
 * DOC: Overview and DOC: Locking sections.
 */
#ifndef _DMPT_H
#define _DMPT_H

#include <linux/bits.h>
#include <linux/types.h>

struct lockdep_map;

/**
 * DMPT_MAX_LEVELS - Compile-time upper bound on the levels of a format.
 */
#define DMPT_MAX_LEVELS 6

/**
 * DMPT_MAX_BITS - Upper bound on log2(slots per directory) at any level.
 *
 * A directory's slot array is one kmalloc() of ``8 << bits`` bytes; 13 bits
 * (64 KiB, the arm64 64 KiB-granule last level) is the largest accepted.
 */
#define DMPT_MAX_BITS 13

/**
 * DMPT_MAX_VA_BITS - Upper bound on the virtual address bits a format spans.
 *
 * The span ``1 << va_bits`` must fit in a u64 so that exclusive range ends
 * never overflow; 63 bits is more than any MMU format in use (x86-64 5-level
 * paging uses 57).
 */
#define DMPT_MAX_VA_BITS 63

/**
 * struct dmpt_format - Geometry of a mirror table (level 0 = leaf).
 * @nlevels: Number of levels, 2..%DMPT_MAX_LEVELS. Level ``nlevels - 1`` is
 *	the root directory's level.
 * @shift: @shift[i] is the virtual-address bit where level i's index starts;
 *	@shift[0] is the leaf page shift (>= 12, the entry frame unit). Levels
 *	must be contiguous: ``shift[i + 1] == shift[i] + bits[i]``.
 * @bits: @bits[i] is log2(slots per directory) at level i, 1..%DMPT_MAX_BITS.
 * @leaf_levels: Bitmask of the levels that may hold a leaf entry (bit i for
 *	level i). Bit 0 must be set; bits at or above @nlevels must be clear.
 *
 * A format is static data, never code: a device driver describes its MMU
 * format in one constant and passes it to dmpt_init(). The virtual address
 * span is ``shift[nlevels - 1] + bits[nlevels - 1]`` bits, at most
 * %DMPT_MAX_VA_BITS.
 */
struct dmpt_format {
	unsigned int nlevels;
	unsigned int shift[DMPT_MAX_LEVELS];
	unsigned int bits[DMPT_MAX_LEVELS];
	unsigned int leaf_levels;
};

/*
 * dmpt_format_x86_64 - x86-64 4-level paging: 4 levels of 512 slots, shifts
 * 12/21/30/39 (48-bit span), leaves of 4 KiB, 2 MiB and 1 GiB (levels 0-2).
 */
extern const struct dmpt_format dmpt_format_x86_64;

/**
 * dmpt_format_validate() - Check that a format describes a possible table.
 * @fmt: The format (level 0 = leaf).
 *
 * Checks 2 <= @fmt->nlevels <= %DMPT_MAX_LEVELS, @fmt->shift[0] >= 12, every
 * @fmt->bits[i] in 1..%DMPT_MAX_BITS, contiguous levels
 * (``shift[i + 1] == shift[i] + bits[i]``), a span of at most
 * %DMPT_MAX_VA_BITS bits, and @fmt->leaf_levels containing bit 0 and no bit
 * at or above @fmt->nlevels.
 *
 * Context: Any context.
 * Return: 0 if the format is usable, -EINVAL otherwise.
 */
int dmpt_format_validate(const struct dmpt_format *fmt);

/**
 * dmpt_va_bits() - Virtual address bits spanned by a format.
 * @fmt: A format that passed dmpt_format_validate().
 *
 * Context: Any context.
 * Return: Number of address bits; addresses ``>= 1ULL << result`` are outside
 * the table.
 */
static inline unsigned int dmpt_va_bits(const struct dmpt_format *fmt)
{
	return fmt->shift[fmt->nlevels - 1] + fmt->bits[fmt->nlevels - 1];
}

/**
 * dmpt_level_size() - Bytes of address space one slot covers at a level.
 * @fmt: A valid format.
 * @level: Level (level 0 = leaf), below @fmt->nlevels.
 *
 * Context: Any context.
 * Return: ``1 << shift[level]``, e.g. 4 KiB, 2 MiB or 1 GiB on x86-64.
 */
static inline u64 dmpt_level_size(const struct dmpt_format *fmt,
				  unsigned int level)
{
	return 1ULL << fmt->shift[level];
}

/**
 * typedef dmpt_entry_t - One leaf entry, as the device walker sees it.
 *
 * Frame number in bits 12..63, flags (``DMPT_*``) in bits 0..11. The frame
 * is a 4 KiB frame number (a pfn or a device address >> 12) of the first
 * 4 KiB page of the leaf's span; for a leaf at a level larger than 4 KiB it
 * is aligned to the leaf size. An entry without %DMPT_VALID is "not mapped".
 *
 * A typedef'd one-member struct on purpose, like pte_t: the entry is a value
 * passed around by copy, and the struct keeps it a distinct type from a
 * directory and from a bare u64.
 */
typedef struct {
	u64 val;
} dmpt_entry_t;

/* Entry flags (bits 0..11 of dmpt_entry_t.val). */
/* clang-format off */
#define DMPT_VALID		BIT_ULL(0)	/* entry maps a frame */
#define DMPT_WRITE		BIT_ULL(1)	/* device may write */
#define DMPT_DEVICE_PRIVATE	BIT_ULL(2)	/* frame is this device's own memory */
#define DMPT_EXCLUSIVE		BIT_ULL(3)	/* exclusive (atomic) access granted */
#define DMPT_DIRTY		BIT_ULL(4)	/* device wrote through it */
#define DMPT_DRV0		BIT_ULL(8)	/* DMPT_DRV0..3: reserved for the driver */
#define DMPT_DRV1		BIT_ULL(9)
#define DMPT_DRV2		BIT_ULL(10)
#define DMPT_DRV3		BIT_ULL(11)

#define DMPT_PFN_SHIFT		12
#define DMPT_FLAGS_MASK		GENMASK_ULL(DMPT_PFN_SHIFT - 1, 0)
/* clang-format on */

/**
 * dmpt_entry_make() - Build a leaf entry.
 * @pfn: 4 KiB frame number of the first page of the leaf's span.
 * @flags: ``DMPT_*`` flags; include %DMPT_VALID for a mapped entry. Bits
 *	outside %DMPT_FLAGS_MASK are ignored.
 *
 * Context: Any context.
 * Return: The entry.
 */
static inline dmpt_entry_t dmpt_entry_make(u64 pfn, u64 flags)
{
	dmpt_entry_t e = { .val = (pfn << DMPT_PFN_SHIFT) |
				  (flags & DMPT_FLAGS_MASK) };

	return e;
}

/**
 * dmpt_entry_pfn() - Frame number of an entry.
 * @e: The entry.
 *
 * Context: Any context.
 * Return: The 4 KiB frame number stored in @e.
 */
static inline u64 dmpt_entry_pfn(dmpt_entry_t e)
{
	return e.val >> DMPT_PFN_SHIFT;
}

/**
 * dmpt_entry_flags() - Flags of an entry.
 * @e: The entry.
 *
 * Context: Any context.
 * Return: The ``DMPT_*`` flags of @e.
 */
static inline u64 dmpt_entry_flags(dmpt_entry_t e)
{
	return e.val & DMPT_FLAGS_MASK;
}

/**
 * dmpt_entry_valid() - Whether an entry maps a frame.
 * @e: The entry.
 *
 * Context: Any context.
 * Return: True if %DMPT_VALID is set in @e.
 */
static inline bool dmpt_entry_valid(dmpt_entry_t e)
{
	return e.val & DMPT_VALID;
}

/**
 * struct dmpt_stats - Accounting of one table, exported by the driver.
 * @bytes: Bytes currently allocated for directories (slot arrays plus
 *	per-directory metadata, as requested from kmalloc()).
 * @dirs: Live directories per level (level 0 = leaf), root included.
 * @entries: Valid leaf entries per level (level 0 = leaf).
 * @dirs_pruned: Directories freed since dmpt_init() because they became
 *	empty or were replaced by a huge leaf, cumulative.
 * @splits: Huge leaves split into smaller ones, cumulative.
 */
struct dmpt_stats {
	u64 bytes;
	u64 dirs[DMPT_MAX_LEVELS];
	u64 entries[DMPT_MAX_LEVELS];
	u64 dirs_pruned;
	u64 splits;
};

struct dmpt_dir;

/**
 * typedef dmpt_written_fn - Receives frames whose device writes the table
 * stops recording.
 * @arg: The argument given to dmpt_set_written_hook().
 * @pfn: First 4 KiB frame of the run.
 * @npages: Number of consecutive frames, at least 1.
 *
 * Called for every run of frames whose leaf had %DMPT_DIRTY when an update
 * removed the leaf, replaced it, or cleared %DMPT_DIRTY: the owner must
 * carry the write to the pages (the driver marks the folios dirty), because
 * the table no longer remembers it.
 *
 * Context: Inside the update that dropped the bit, under the owner's update
 * lock, with whatever context the update was called in (possibly a
 * non-blocking notifier): must not sleep and must not update the table.
 */
typedef void (*dmpt_written_fn)(void *arg, u64 pfn, u64 npages);

/**
 * struct dmpt - One device mirror page table, embedded by its owner.
 * @fmt: Private. The format given to dmpt_init().
 * @root: Private. Root directory (level ``nlevels - 1``); RCU-published.
 * @stats: Private. Accounting, written under the owner's update lock; read
 *	it through dmpt_get_stats().
 * @written: Private. Hook of dmpt_set_written_hook(), or NULL.
 * @written_arg: Private. Its argument.
 * @written_pfn: Private. First frame of the run of dropped writes being
 *	gathered for @written, under the update lock.
 * @written_n: Private. Frames in that run (0: none).
 * @lock_map: Private, CONFIG_LOCKDEP only. The lock dmpt_set_external_lock()
 *	named, or NULL.
 *
 * All fields are private to mirror/; they are in this header only so that
 * the owner can embed the table.
 */
struct dmpt {
	const struct dmpt_format *fmt;
	struct dmpt_dir *root;
	struct dmpt_stats stats;
	dmpt_written_fn written;
	void *written_arg;
	u64 written_pfn;
	u64 written_n;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map *lock_map;
#endif
};

/**
 * dmpt_set_external_lock() - Name the lock that serialises the table's
 * updates.
 * @pt: The table.
 * @lock: The caller's lock (anything with a ``dep_map``: a mutex, a
 *	spinlock), held around every dmpt_map(), dmpt_clear(),
 *	dmpt_protect() and dmpt_fini().
 *
 * With CONFIG_LOCKDEP those functions then assert that @lock is held, as
 * the maple tree does with mt_set_external_lock(). The library itself stays
 * lock-agnostic: without lockdep, and in the userspace build, this records
 * nothing and the updates assert nothing.
 *
 * Context: Before the table is used.
 */
#ifdef CONFIG_LOCKDEP
#define dmpt_set_external_lock(pt, lock)	((pt)->lock_map = &(lock)->dep_map)
#else
#define dmpt_set_external_lock(pt, lock)	do { (void)(pt); (void)(lock); } while (0)
#endif

/**
 * dmpt_init() - Initialise an empty table with its root directory.
 * @pt: The table, embedded by the caller.
 * @fmt: Its format (level 0 = leaf); must stay valid until dmpt_fini().
 *
 * Context: Process context; may sleep (GFP_KERNEL allocation).
 * Return: 0 on success, -EINVAL if dmpt_format_validate() rejects @fmt,
 * -ENOMEM if the root directory cannot be allocated (@pt is then unused).
 */
int dmpt_init(struct dmpt *pt, const struct dmpt_format *fmt);

/**
 * dmpt_set_written_hook() - Have device writes handed back when the table
 * forgets them.
 * @pt: The table, not yet visible to any device walker.
 * @fn: Called with each run of frames whose %DMPT_DIRTY an update drops
 *	(see &typedef dmpt_written_fn), once per maximal contiguous run of
 *	one update.
 * @arg: Passed to @fn.
 *
 * Without a hook, dropped %DMPT_DIRTY bits are lost silently (the unit
 * tests' default). With one, every update that removes a dirty leaf
 * (dmpt_clear(), dmpt_map() over a subtree or over a leaf of another frame,
 * a huge leaf dropped because its split failed, dmpt_fini()) or clears
 * %DMPT_DIRTY (dmpt_protect()) reports its frames before it returns.
 *
 * Context: Before the table is published to walkers (e.g. right after
 * dmpt_init()).
 */
void dmpt_set_written_hook(struct dmpt *pt, dmpt_written_fn fn, void *arg);

/**
 * dmpt_fini() - Clear every entry and free every directory, root included.
 * @pt: The table.
 *
 * Frees go through the RCU-deferred path, so readers still inside an RCU
 * read-side section are safe; the caller guarantees that no new reader
 * starts. A module that calls this must rcu_barrier() before it unloads
 * (the deferred frees run mirror/ code).
 *
 * Context: Any context that may call call_rcu(); the caller serialises it
 * against every other update of @pt.
 */
void dmpt_fini(struct dmpt *pt);

/**
 * dmpt_lookup() - Find the leaf entry covering an address, lock-free.
 * @pt: The table.
 * @addr: Virtual address; any byte of the leaf's span.
 * @level: If not NULL, receives the level of the leaf found (level 0 = leaf),
 *	or the level of the empty slot that ended the walk.
 * @touched: If not NULL, receives the number of directories read (1 for the
 *	root alone, ``nlevels`` for a level-0 leaf).
 *
 * This is the simulated device's page walker: it runs concurrently with
 * updates and sees, per slot, either the old or the new value.
 *
 * Context: Caller holds rcu_read_lock() (or the update lock). Never sleeps.
 * Return: The leaf entry covering @addr, or an entry without %DMPT_VALID
 * (val 0) when nothing is mapped there or @addr is outside the format's span.
 */
dmpt_entry_t dmpt_lookup(struct dmpt *pt, u64 addr, unsigned int *level,
			 unsigned int *touched);

/**
 * dmpt_lookup_line() - dmpt_lookup() that also reads the leaves that follow,
 * lock-free.
 * @pt: The table.
 * @addr: Virtual address; any byte of the leaf's span.
 * @line: Receives the entries: @line[0] is the leaf covering @addr (as
 *	dmpt_lookup() returns it), @line[i] the slot i places after it in the
 *	same directory, the leaf covering @addr + i * its level's size, or an
 *	entry without %DMPT_VALID where that slot holds none.
 * @n: Entries @line has room for, at least 1.
 * @level: As for dmpt_lookup(); all of @line is at that level.
 * @touched: As for dmpt_lookup().
 *
 * The hardware walker that fetches a line of page-table entries at once and
 * may cache the neighbours it did not ask for. Each entry is read once,
 * like dmpt_lookup()'s: it may be the old or the new value of a racing
 * update, so the caller caches them only inside the section its
 * invalidation fences, as it does the first.
 *
 * Context: Caller holds rcu_read_lock() (or the update lock). Never sleeps.
 * Return: Entries written to @line: 1 when no leaf covers @addr, else up to
 * @n, fewer where the directory ends.
 */
unsigned int dmpt_lookup_line(struct dmpt *pt, u64 addr, dmpt_entry_t *line,
			      unsigned int n, unsigned int *level,
			      unsigned int *touched);

/**
 * dmpt_lookup_write() - Find the leaf covering an address for a device
 * write, marking it dirty, lock-free.
 * @pt: The table.
 * @addr: Virtual address; any byte of the leaf's span.
 * @level: As for dmpt_lookup().
 * @touched: As for dmpt_lookup() (the last walk, if the leaf changed under
 *	it and the walk was repeated).
 *
 * The device's write path, like an MMU setting a PTE's dirty bit: a valid
 * leaf with %DMPT_WRITE and without %DMPT_DIRTY gets %DMPT_DIRTY with an
 * atomic compare-and-exchange, so that an update racing with it either
 * sees the bit (and reports the frames through the written hook) or has
 * already replaced the leaf (the exchange fails and the walk is repeated).
 * A device may write through the returned entry, and cache it, only if it
 * has both %DMPT_WRITE and %DMPT_DIRTY; any other entry means "fault".
 *
 * Context: Caller holds rcu_read_lock(). Never sleeps.
 * Return: The leaf entry covering @addr as now stored, or an entry without
 * %DMPT_VALID.
 */
dmpt_entry_t dmpt_lookup_write(struct dmpt *pt, u64 addr, unsigned int *level,
			       unsigned int *touched);

/**
 * dmpt_map() - Install leaves at one level over a range (populate).
 * @pt: The table.
 * @start: Address of the first leaf, aligned to the level size.
 * @level: Level of the new leaves (level 0 = leaf); must be in the format's
 *	@leaf_levels.
 * @entries: @n entries; the i-th covers ``start + i * dmpt_level_size()``.
 *	An entry without %DMPT_VALID leaves that slot unchanged. A valid
 *	entry's frame must be aligned to the level size (in 4 KiB frames).
 * @n: Number of entries.
 * @gfp: Allocation flags for the directories allocated on the way.
 *
 * Directories are allocated on the way down (walk with install) and
 * published to lock-free readers only when linked and counted. A new
 * writable leaf for the frame a dirty leaf in its slot already maps keeps
 * %DMPT_DIRTY (a device may still cache the dirty translation). A new leaf
 * replaces whatever was in its slot: a subtree of smaller leaves under a new
 * huge leaf is unlinked and freed after an RCU grace period; a huge leaf
 * covering new smaller leaves is split first (the rest of its span stays
 * mapped at the smaller size).
 *
 * Context: Caller serialises all updates of @pt (the mirror update lock);
 * may sleep if @gfp allows it.
 * Return: 0 on success. -EINVAL if @start is misaligned, @level is not a
 * leaf level, the range passes the end of the format's span, or a valid
 * entry's frame is misaligned; nothing is changed then. -ENOMEM if a
 * directory allocation failed: every entry before the failing one is
 * installed, the rest are not, and the table is consistent (no half-linked
 * or empty directory, counts right).
 */
int dmpt_map(struct dmpt *pt, u64 start, unsigned int level,
	     const dmpt_entry_t *entries, unsigned long n, gfp_t gfp);

/**
 * dmpt_clear() - Clear every leaf in a range and prune empty directories.
 * @pt: The table.
 * @start: First address; rounded down to the level-0 leaf size.
 * @end: Exclusive end; rounded up to the level-0 leaf size and clipped to the
 *	format's span.
 * @gfp: Allocation flags for splitting huge leaves (GFP_NOWAIT from a
 *	non-blocking notifier is fine).
 *
 * A huge leaf partly inside the range is split and the remainder stays
 * mapped at the smaller size; if that allocation fails the whole huge leaf
 * is dropped instead (always safe for a mirror: the device refaults).
 * Directories left empty are unlinked and freed after an RCU grace period,
 * up the tree; the root stays.
 *
 * Context: Caller serialises all updates of @pt; may sleep if @gfp allows.
 * Return: Number of 4 KiB pages that were mapped and are not any more
 * (including a dropped huge leaf's whole span); non-zero means the device
 * TLB needs a shootdown. Never fails.
 */
unsigned long dmpt_clear(struct dmpt *pt, u64 start, u64 end, gfp_t gfp);

/**
 * dmpt_protect() - Change the flags of every valid leaf in a range.
 * @pt: The table.
 * @start: First address; rounded down to the level-0 leaf size.
 * @end: Exclusive end; rounded up to the level-0 leaf size and clipped.
 * @clear: Flags to clear (e.g. %DMPT_WRITE). %DMPT_VALID is ignored: use
 *	dmpt_clear() to unmap.
 * @set: Flags to set afterwards. %DMPT_VALID is ignored.
 * @gfp: Allocation flags for splitting huge leaves.
 *
 * A huge leaf partly inside the range whose flags would change is split; if
 * that allocation fails it is dropped instead (its pages count as changed).
 * Clearing %DMPT_WRITE does not clear %DMPT_DIRTY by itself: a caller that
 * write-protects clears both, and the written hook receives the frames.
 *
 * Context: Caller serialises all updates of @pt; may sleep if @gfp allows.
 * Return: Number of 4 KiB pages whose entry changed or was dropped.
 */
unsigned long dmpt_protect(struct dmpt *pt, u64 start, u64 end, u64 clear,
			   u64 set, gfp_t gfp);

/**
 * struct dmpt_run - A contiguous run of valid leaves reported by dmpt_walk().
 * @start: First address of the run, clipped to the walked range (it is inside
 *	a huge leaf when the walk started inside one).
 * @count: Number of leaves in the run (each ``dmpt_level_size(fmt, level)``
 *	bytes; the first and last may be clipped by the walked range).
 * @level: Level of all the leaves in the run (level 0 = leaf).
 * @first: Entry of the first leaf, unmodified by clipping: the i-th leaf has
 *	the same flags and frame ``dmpt_entry_pfn(first) + i * (level size >>
 *	12)``.
 */
struct dmpt_run {
	u64 start;
	unsigned long count;
	unsigned int level;
	dmpt_entry_t first;
};

/**
 * dmpt_walk() - Report the valid leaves of a range as contiguous runs.
 * @pt: The table.
 * @start: First address (any byte).
 * @end: Exclusive end; clipped to the format's span.
 * @fn: Called once per maximal run of valid leaves that are at the same
 *	level, have the same flags and consecutive frames; returns 0 to go on
 *	or non-zero to stop the walk. It must not modify @pt.
 * @arg: Passed to @fn.
 *
 * One indirect call per run, never per entry; runs continue across
 * directory boundaries.
 *
 * Context: Caller holds the update lock, or rcu_read_lock() for a lock-free
 * snapshot (@fn must then not sleep).
 * Return: 0 after the whole range, or the first non-zero value @fn returned.
 */
int dmpt_walk(struct dmpt *pt, u64 start, u64 end,
	      int (*fn)(const struct dmpt_run *run, void *arg), void *arg);

/**
 * dmpt_get_stats() - Copy the table's accounting.
 * @pt: The table.
 * @st: Receives the counters.
 *
 * Context: Any context. Under the update lock the snapshot is consistent;
 * without it each counter is read once and may be mid-update.
 */
void dmpt_get_stats(struct dmpt *pt, struct dmpt_stats *st);

/**
 * dmpt_check() - Verify every invariant of the table by a full recount.
 * @pt: The table.
 *
 * Checks: each directory's valid-slot count matches its slots; no directory
 * but the root is empty; leaves only at leaf levels, with aligned frames;
 * directory levels consistent; struct dmpt_stats matches the recount. Used
 * by the unit tests and the driver's debugfs self-check.
 *
 * Context: Caller holds the update lock. Walks the whole table.
 * Return: 0 if consistent, -EUCLEAN (after a pr_err() of the first broken
 * invariant) otherwise.
 */
int dmpt_check(struct dmpt *pt);

#endif /* _DMPT_H */
