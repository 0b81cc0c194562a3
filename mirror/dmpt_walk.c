// SPDX-License-Identifier: GPL-2.0
/*
 * dmpt - batched walk: one callback per contiguous run of valid leaves.
 */

#include "dmpt_priv.h"

/*
 * struct dmpt_walker - State of one dmpt_walk().
 * @fn: The caller's callback.
 * @arg: Its argument.
 * @start: First address of the walk (runs are clipped to it).
 * @end: Exclusive end of the walk, clipped to the span.
 * @run: The run being accumulated.
 * @have_run: Whether @run holds at least one leaf.
 * @next_addr: Address just past the last leaf of @run.
 * @next_val: Entry value a leaf at @next_addr needs to extend @run (0 when
 *	the frame would overflow: no valid entry matches 0).
 */
struct dmpt_walker {
	int (*fn)(const struct dmpt_run *run, void *arg);
	void *arg;
	u64 start;
	u64 end;
	struct dmpt_run run;
	bool have_run;
	u64 next_addr;
	u64 next_val;
};

static int dmpt_walk_leaf(struct dmpt_walker *w, const struct dmpt_format *fmt,
			  unsigned int level, u64 cbase, u64 val)
{
	u64 size = dmpt_level_size(fmt, level);
	u64 pages = dmpt_level_pages(fmt, level);
	int ret;

	if (w->have_run && w->run.level == level && w->next_addr == cbase &&
	    w->next_val == val) {
		w->run.count++;
	} else {
		if (w->have_run) {
			ret = w->fn(&w->run, w->arg);
			if (ret)
				return ret;
		}
		w->have_run = true;
		w->run.start = max(cbase, w->start);
		w->run.count = 1;
		w->run.level = level;
		w->run.first.val = val;
	}
	w->next_addr = cbase + size;
	if ((val >> DMPT_PFN_SHIFT) + pages > (~0ULL >> DMPT_PFN_SHIFT))
		w->next_val = 0;
	else
		w->next_val = val + (pages << DMPT_PFN_SHIFT);
	return 0;
}

static int dmpt_walk_dir(struct dmpt_walker *w, const struct dmpt_format *fmt,
			 struct dmpt_dir *dir, u64 base)
{
	unsigned int level = dir->level, shift = fmt->shift[level];
	u64 span = (u64)dmpt_nslots(fmt, level) << shift;
	u64 lo = max(w->start, base), last = min(w->end, base + span) - 1;
	unsigned long i = (lo - base) >> shift, end = (last - base) >> shift;
	int ret;

	for (; i <= end; i++) {
		u64 slot = READ_ONCE(dir->slots[i]);
		u64 cbase = base + ((u64)i << shift);

		if (!slot)
			continue;
		if (dmpt_slot_is_leaf(slot))
			ret = dmpt_walk_leaf(w, fmt, level, cbase, slot);
		else if (!WARN_ON_ONCE(!level))
			ret = dmpt_walk_dir(w, fmt, dmpt_slot_dir(slot), cbase);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

int dmpt_walk(struct dmpt *pt, u64 start, u64 end,
	      int (*fn)(const struct dmpt_run *run, void *arg), void *arg)
{
	const struct dmpt_format *fmt = pt->fmt;
	struct dmpt_walker w = { .fn = fn, .arg = arg, .start = start };
	struct dmpt_dir *root = READ_ONCE(pt->root);
	int ret;

	w.end = min(end, dmpt_va_end(fmt));
	if (!root || start >= w.end)
		return 0;
	ret = dmpt_walk_dir(&w, fmt, root, 0);
	if (!ret && w.have_run)
		ret = fn(&w.run, arg);
	return ret;
}
EXPORT_SYMBOL_GPL(dmpt_walk);
