// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - range attributes: per-range overrides of a mirror's policy
 * ("madvise for the device"), their storage, and their trimming on munmap.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/**
 * DOC: Range attributes
 *
 * A mirror keeps, besides its policy, attributes for address ranges
 * (&struct devmir_attr): a preferred location, accessed-by (mirror, never
 * migrate), a migration granularity, a fault-ahead window and thrashing
 * settings. A range sets some of them (its mask); for the others, and for
 * every address outside the ranges, the mirror's policy applies.
 *
 * Storage: one sorted array of non-overlapping ranges per mirror
 * (&devmir_mirror.advice), at most %DEVMIR_ATTR_RANGES_MAX of them.
 * Setting fields on [start, end) splits the ranges it cuts, sets the fields
 * on every piece inside (adding ranges in the gaps), and merges neighbours
 * that end up equal; clearing fields drops the pieces left with none. A
 * setter builds the new array under @advice_lock from the old one into a
 * buffer allocated beforehand (big enough for any outcome: two ranges per
 * old one, plus three), then swaps the arrays; setters are serialised by
 * @advice_mutex. Lookups (a device fault, a CPU fault's ram window) binary
 * search under @advice_lock.
 *
 * Trimming: an MMU_NOTIFY_UNMAP invalidation of the mirror's notifier
 * (munmap(), the old range of mremap(), a MAP_FIXED mapping over the
 * range, process exit) removes [start, end) from the ranges, in place under
 * @advice_lock. The notifier holds the update lock and must not enter
 * reclaim, so it allocates nothing: the one range it may have to split in
 * two takes the array's spare slot, which every setter leaves; without one
 * (a second split since the last set), the range is not split and keeps
 * covering the hole: memory mapped there later would inherit it. mremap()
 * therefore drops the attributes of what it moves, as amdkfd's SVM ranges
 * and xe's madvise do: the new range starts with none.
 */

/**
 * DOC: Inheritance across fork
 *
 * A mirror belongs to one mm, and a render-node file to the process that
 * opened it: a child of fork() gets a mirror of its own when it opens the
 * device (the inherited file answers -EBADF). That mirror starts with the
 * attributes of its parent's mirror on the same device, clipped to the
 * mappings the child has (fork() copied the parent's, less MADV_DONTFORK
 * ones; what the child unmapped since is gone): devmir_advice_inherit().
 * They are the parent's attributes when the child's mirror is created, not
 * at fork() (the kernel tells a driver nothing at fork()); from then on
 * each side's changes are its own. Nothing is inherited once the child or
 * the parent has called execve() since the fork (their address spaces no
 * longer match), nor by a process whose parent has no mirror on the device.
 */

/* Whether two attribute sets are the same (fields outside the mask are 0). */
static bool devmir_attr_equal(const struct devmir_attr *a,
			      const struct devmir_attr *b)
{
	return a->mask == b->mask && a->preferred_loc == b->preferred_loc &&
	       a->accessed_by == b->accessed_by &&
	       a->thrash_rounds == b->thrash_rounds &&
	       a->thrash_hold_ms == b->thrash_hold_ms &&
	       a->granularity == b->granularity &&
	       a->fault_window == b->fault_window;
}

static bool devmir_window_ok(u64 bytes)
{
	return is_power_of_2(bytes) && bytes >= DEVMIR_WINDOW_MIN &&
	       bytes <= DEVMIR_WINDOW_MAX;
}

/**
 * devmir_attr_check() - Validate a set of attributes.
 * @attr: The attributes.
 * @clear: True if @attr names fields to clear: only @attr->mask counts and
 *	every value must be 0.
 *
 * The bounds are those of the mirror's policy: devmir_mirror_set_thrashing(),
 * devmir_mirror_set_fault_window() and devmir_mirror_set_ram_window() (the
 * granularity).
 *
 * Context: Any context.
 * Return: 0, or -EINVAL for an empty or unknown mask, a value out of
 * bounds, or a value set for a field outside the mask.
 */
int devmir_attr_check(const struct devmir_attr *attr, bool clear)
{
	u32 mask = attr->mask;

	if (!mask || mask & ~DEVMIR_ATTR_ALL || attr->pad)
		return -EINVAL;
	if (clear)
		mask = 0;
	if (mask & DEVMIR_ATTR_PREFERRED_LOC) {
		if (attr->preferred_loc != DEVMIR_LOC_SYSTEM &&
		    attr->preferred_loc != DEVMIR_LOC_DEVICE)
			return -EINVAL;
	} else if (attr->preferred_loc) {
		return -EINVAL;
	}
	if (mask & DEVMIR_ATTR_ACCESSED_BY) {
		if (attr->accessed_by > 1)
			return -EINVAL;
	} else if (attr->accessed_by) {
		return -EINVAL;
	}
	if (mask & DEVMIR_ATTR_GRANULARITY) {
		if (!devmir_window_ok(attr->granularity))
			return -EINVAL;
	} else if (attr->granularity) {
		return -EINVAL;
	}
	if (mask & DEVMIR_ATTR_FAULT_WINDOW) {
		if (attr->fault_window != DEVMIR_WINDOW_ADAPTIVE &&
		    !devmir_window_ok(attr->fault_window))
			return -EINVAL;
	} else if (attr->fault_window) {
		return -EINVAL;
	}
	if (mask & DEVMIR_ATTR_THRASH) {
		if (attr->thrash_rounds > DEVMIR_THRASH_ROUNDS_MAX ||
		    attr->thrash_hold_ms > DEVMIR_THRASH_HOLD_MAX_MS)
			return -EINVAL;
	} else if (attr->thrash_rounds || attr->thrash_hold_ms) {
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(devmir_attr_check);

/* @to with the fields of @attr->mask set from @attr (or cleared). */
static void devmir_attr_apply(struct devmir_attr *to,
			      const struct devmir_attr *attr, bool clear)
{
	u32 mask = attr->mask;

	if (clear)
		to->mask &= ~mask;
	else
		to->mask |= mask;
	if (mask & DEVMIR_ATTR_PREFERRED_LOC)
		to->preferred_loc = clear ? 0 : attr->preferred_loc;
	if (mask & DEVMIR_ATTR_ACCESSED_BY)
		to->accessed_by = clear ? 0 : attr->accessed_by;
	if (mask & DEVMIR_ATTR_GRANULARITY)
		to->granularity = clear ? 0 : attr->granularity;
	if (mask & DEVMIR_ATTR_FAULT_WINDOW)
		to->fault_window = clear ? 0 : attr->fault_window;
	if (mask & DEVMIR_ATTR_THRASH) {
		to->thrash_rounds = clear ? 0 : attr->thrash_rounds;
		to->thrash_hold_ms = clear ? 0 : attr->thrash_hold_ms;
	}
}

/* The array a setter builds: ranges in order, each merged with the last. */
struct devmir_advice_build {
	struct devmir_attr_range *r;
	unsigned int n;
};

static void devmir_advice_emit(struct devmir_advice_build *b, u64 start,
			       u64 end, const struct devmir_attr *attr)
{
	struct devmir_attr_range *last = b->n ? &b->r[b->n - 1] : NULL;

	if (start >= end || !attr->mask)
		return;
	if (last && last->end == start && devmir_attr_equal(&last->attr, attr)) {
		last->end = end;
		return;
	}
	b->r[b->n].start = start;
	b->r[b->n].end = end;
	b->r[b->n].attr = *attr;
	b->n++;
}

/* A piece [start, end) that had @old (NULL: no range) gets @attr. */
static void devmir_advice_emit_set(struct devmir_advice_build *b, u64 start,
				   u64 end, const struct devmir_attr *old,
				   const struct devmir_attr *attr, bool clear)
{
	struct devmir_attr piece = { };

	if (old)
		piece = *old;
	else if (clear)
		return;
	devmir_attr_apply(&piece, attr, clear);
	devmir_advice_emit(b, start, end, &piece);
}

/*
 * Build into @b the ranges of @mirror with @attr set (or cleared) on
 * [start, end). @b has room for 2 * nr_advice + 3 ranges.
 */
static void __devmir_advice_build(struct devmir_mirror *mirror, u64 start,
				  u64 end, const struct devmir_attr *attr,
				  bool clear, struct devmir_advice_build *b)
{
	u64 cur = start;
	unsigned int i;

	lockdep_assert_held(&mirror->advice_lock);
	for (i = 0; i < mirror->nr_advice; i++) {
		const struct devmir_attr_range *r = &mirror->advice[i];
		u64 s, e;

		if (r->end <= start || r->start >= end) {
			if (r->start >= end && cur < end) {
				devmir_advice_emit_set(b, cur, end, NULL, attr, clear);
				cur = end;
			}
			devmir_advice_emit(b, r->start, r->end, &r->attr);
			continue;
		}
		s = max(r->start, start);
		e = min(r->end, end);
		devmir_advice_emit(b, r->start, s, &r->attr);
		devmir_advice_emit_set(b, cur, s, NULL, attr, clear);
		devmir_advice_emit_set(b, s, e, &r->attr, attr, clear);
		devmir_advice_emit(b, e, r->end, &r->attr);
		cur = e;
	}
	devmir_advice_emit_set(b, cur, end, NULL, attr, clear);
}

/**
 * devmir_mirror_advise() - Set or clear attributes of a range of a mirror.
 * @mirror: The mirror.
 * @start: First address, page aligned.
 * @end: Exclusive end, page aligned, above @start, at most the end of the
 *	address space the mirror maps.
 * @attr: The fields to set (@attr->mask) and their values.
 * @clear: Clear the fields of @attr->mask instead (values must be 0).
 *
 * See DOC: Range attributes. The attributes apply from the next device
 * fault, migration or CPU fault on; what is mapped or migrated stays.
 *
 * Context: Process context; may sleep. Takes the mirror's advice mutex and
 * lock; the caller holds no mirror lock.
 * Return: 0; -EINVAL for bad arguments (devmir_attr_check()); -ENOSPC if
 * the mirror would hold more than %DEVMIR_ATTR_RANGES_MAX ranges (nothing
 * changes); -ENOMEM.
 */
int devmir_mirror_advise(struct devmir_mirror *mirror, u64 start, u64 end,
			 const struct devmir_attr *attr, bool clear)
{
	struct devmir_advice_build b = { };
	struct devmir_attr_range *old;
	unsigned int cap;
	int ret;

	might_sleep();
	if (start & ~PAGE_MASK || end & ~PAGE_MASK || start >= end ||
	    end > devmir_va_end(mirror->dev))
		return -EINVAL;
	ret = devmir_attr_check(attr, clear);
	if (ret)
		return ret;

	mutex_lock(&mirror->advice_mutex);
	for (;;) {
		spin_lock(&mirror->advice_lock);
		cap = 2 * mirror->nr_advice + 3;
		spin_unlock(&mirror->advice_lock);

		/* One more: the spare slot of a split by the notifier. */
		b.r = kvmalloc_array(cap + 1, sizeof(*b.r), GFP_KERNEL);
		ret = -ENOMEM;
		if (!b.r)
			goto out;

		spin_lock(&mirror->advice_lock);
		/* The notifier may have split a range meanwhile. */
		if (2 * mirror->nr_advice + 3 <= cap)
			break;
		spin_unlock(&mirror->advice_lock);
		kvfree(b.r);
	}
	b.n = 0;
	__devmir_advice_build(mirror, start, end, attr, clear, &b);
	if (b.n > DEVMIR_ATTR_RANGES_MAX) {
		spin_unlock(&mirror->advice_lock);
		kvfree(b.r);
		ret = -ENOSPC;
		goto out;
	}
	old = mirror->advice;
	mirror->advice = b.r;
	mirror->nr_advice = b.n;
	mirror->cap_advice = cap + 1;
	spin_unlock(&mirror->advice_lock);
	kvfree(old);
	ret = 0;
out:
	mutex_unlock(&mirror->advice_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(devmir_mirror_advise);

/* Index of the first range that ends after @addr (nr_advice if none). */
static unsigned int __devmir_advice_find(struct devmir_mirror *mirror, u64 addr)
{
	unsigned int lo = 0, hi = mirror->nr_advice;

	lockdep_assert_held(&mirror->advice_lock);
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mirror->advice[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * devmir_mirror_advice() - Read the attribute ranges overlapping a range.
 * @mirror: The mirror.
 * @start: First address.
 * @end: Exclusive end, above @start.
 * @ranges: Receives up to @max ranges, whole (not clipped to the range), in
 *	address order.
 * @max: Room of @ranges (0: only count).
 * @total: Receives the number of ranges overlapping [@start, @end).
 *
 * Context: Any context that may take a spinlock.
 * Return: The number of ranges stored, min(@max, *@total).
 */
int devmir_mirror_advice(struct devmir_mirror *mirror, u64 start, u64 end,
			 struct devmir_attr_range *ranges, unsigned int max,
			 unsigned int *total)
{
	unsigned int i, n = 0, stored = 0;

	spin_lock(&mirror->advice_lock);
	for (i = __devmir_advice_find(mirror, start);
	     i < mirror->nr_advice && mirror->advice[i].start < end; i++, n++)
		if (stored < max)
			ranges[stored++] = mirror->advice[i];
	spin_unlock(&mirror->advice_lock);
	*total = n;
	return stored;
}
EXPORT_SYMBOL_GPL(devmir_mirror_advice);

/**
 * devmir_mirror_attr_at() - The attributes of one address.
 * @mirror: The mirror.
 * @addr: The address.
 * @attr: Receives the attributes of the range holding @addr; a zero mask
 *	(the mirror's policy for everything) if none does.
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_mirror_attr_at(struct devmir_mirror *mirror, u64 addr,
			   struct devmir_attr *attr)
{
	unsigned int i;

	memset(attr, 0, sizeof(*attr));
	spin_lock(&mirror->advice_lock);
	i = __devmir_advice_find(mirror, addr);
	if (i < mirror->nr_advice && mirror->advice[i].start <= addr)
		*attr = mirror->advice[i].attr;
	spin_unlock(&mirror->advice_lock);
}
EXPORT_SYMBOL_GPL(devmir_mirror_attr_at);

/**
 * devmir_advice_unmap() - Drop the attributes of an unmapped range.
 * @mirror: The mirror.
 * @start: First address unmapped.
 * @end: Exclusive end.
 *
 * See DOC: Range attributes: allocates nothing; a range that would need a
 * second split keeps covering the hole.
 *
 * Context: Any context that may take a spinlock (the notifier, with or
 * without the update lock).
 */
void devmir_advice_unmap(struct devmir_mirror *mirror, u64 start, u64 end)
{
	struct devmir_attr_range *r;
	unsigned int i, w, nr;

	spin_lock(&mirror->advice_lock);
	nr = mirror->nr_advice;
	i = __devmir_advice_find(mirror, start);
	if (i == nr || mirror->advice[i].start >= end)
		goto out;
	r = &mirror->advice[i];
	if (r->start < start && r->end > end) {
		/* The hole splits one range. */
		if (nr < mirror->cap_advice) {
			memmove(r + 1, r, (nr - i) * sizeof(*r));
			r->end = start;
			r[1].start = end;
			mirror->nr_advice++;
		}
		goto out;
	}
	for (w = i; i < nr && mirror->advice[i].start < end; i++) {
		r = &mirror->advice[i];
		if (r->start < start)
			r->end = start;
		else if (r->end > end)
			r->start = end;
		else
			continue;
		mirror->advice[w++] = *r;
	}
	memmove(&mirror->advice[w], &mirror->advice[i],
		(nr - i) * sizeof(*r));
	mirror->nr_advice = w + nr - i;
out:
	spin_unlock(&mirror->advice_lock);
}

/**
 * devmir_advice_init() - Set up a new mirror's attribute ranges (none).
 * @mirror: The mirror.
 *
 * Context: Process context.
 */
void devmir_advice_init(struct devmir_mirror *mirror)
{
	spin_lock_init(&mirror->advice_lock);
	mutex_init(&mirror->advice_mutex);
	mirror->advice = NULL;
	mirror->nr_advice = 0;
	mirror->cap_advice = 0;
}

/**
 * devmir_advice_free() - Free a mirror's attribute ranges.
 * @mirror: The mirror, unreachable by anyone else.
 *
 * Context: Process context.
 */
void devmir_advice_free(struct devmir_mirror *mirror)
{
	kvfree(mirror->advice);
	mirror->advice = NULL;
	mirror->nr_advice = 0;
	mutex_destroy(&mirror->advice_mutex);
}

/**
 * devmir_advice_inherit() - Give a new mirror the ranges of another mirror
 * over the mappings its mm has.
 * @mirror: The new mirror, of the caller's mm.
 * @from: The mirror of the parent process's mm on the same device.
 *
 * See DOC: Inheritance across fork. Ranges are clipped to @mirror's VMAs
 * (what fork() copied and the child still maps); pieces of neighbouring
 * VMAs with equal attributes merge. Does nothing if @mirror already has
 * ranges (set by a racing ADVISE) or on -ENOMEM (best effort).
 *
 * Context: Process context, in @mirror's mm; may sleep. Takes the mmap
 * read lock of @mirror's mm (no mirror lock held).
 */
void devmir_advice_inherit(struct devmir_mirror *mirror,
			   struct devmir_mirror *from)
{
	struct devmir_advice_build b = { };
	struct devmir_attr_range *snap;
	struct vm_area_struct *vma;
	unsigned int n, i, cap;

	might_sleep();
	for (;;) {
		spin_lock(&from->advice_lock);
		n = from->nr_advice;
		spin_unlock(&from->advice_lock);
		if (!n)
			return;
		snap = kvmalloc_array(n, sizeof(*snap), GFP_KERNEL);
		if (!snap)
			return;
		spin_lock(&from->advice_lock);
		if (from->nr_advice <= n)
			break;
		spin_unlock(&from->advice_lock);
		kvfree(snap);
	}
	n = from->nr_advice;
	memcpy(snap, from->advice, n * sizeof(*snap));
	spin_unlock(&from->advice_lock);

	mmap_read_lock(mirror->mm);
	cap = min_t(unsigned int, n + mirror->mm->map_count, DEVMIR_ATTR_RANGES_MAX);
	b.r = kvmalloc_array(cap + 1, sizeof(*b.r), GFP_KERNEL);
	for (i = 0; b.r && i < n && b.n < cap; i++) {
		VMA_ITERATOR(vmi, mirror->mm, snap[i].start);

		for_each_vma_range(vmi, vma, snap[i].end) {
			if (b.n == cap)
				break;
			devmir_advice_emit(&b, max_t(u64, snap[i].start, vma->vm_start),
					   min_t(u64, snap[i].end, vma->vm_end),
					   &snap[i].attr);
		}
	}
	mmap_read_unlock(mirror->mm);
	kvfree(snap);
	if (!b.r)
		return;

	mutex_lock(&mirror->advice_mutex);
	spin_lock(&mirror->advice_lock);
	if (!mirror->nr_advice) {
		swap(mirror->advice, b.r);
		mirror->nr_advice = b.n;
		mirror->cap_advice = cap + 1;
	}
	spin_unlock(&mirror->advice_lock);
	mutex_unlock(&mirror->advice_mutex);
	kvfree(b.r);
}
