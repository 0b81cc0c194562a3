// SPDX-License-Identifier: GPL-2.0
/*
 * dmpt - full invariant check by recount, for tests and debugfs self-check.
 */

#include "dmpt_priv.h"

/* Recount of struct dmpt_stats from the tree. */
struct dmpt_recount {
	u64 bytes;
	u64 dirs[DMPT_MAX_LEVELS];
	u64 entries[DMPT_MAX_LEVELS];
};

#define dmpt_bad(base, level, what)                                        \
	({                                                                 \
		pr_err("dmpt: check: %s (dir level %u at 0x%llx)\n", what, \
		       level, (unsigned long long)(base));                 \
		-EUCLEAN;                                                  \
	})

static int dmpt_check_dir(const struct dmpt *pt, const struct dmpt_dir *dir,
			  unsigned int level, u64 base, bool is_root,
			  struct dmpt_recount *rc)
{
	const struct dmpt_format *fmt = pt->fmt;
	unsigned long i, n = dmpt_nslots(fmt, level), count = 0;
	u64 pfn_mask = dmpt_level_pages(fmt, level) - 1;
	int ret;

	if (dir->level != level)
		return dmpt_bad(base, level, "directory level mismatch");
	for (i = 0; i < n; i++) {
		u64 slot = dir->slots[i];
		u64 cbase = base + ((u64)i << fmt->shift[level]);

		if (!slot)
			continue;
		count++;
		if (dmpt_slot_is_leaf(slot)) {
			if (!dmpt_leaf_level_ok(fmt, level))
				return dmpt_bad(cbase, level,
						"leaf at a non-leaf level");
			if ((slot >> DMPT_PFN_SHIFT) & pfn_mask)
				return dmpt_bad(cbase, level,
						"huge leaf frame misaligned");
			rc->entries[level]++;
			continue;
		}
		if (!level)
			return dmpt_bad(cbase, level,
					"directory pointer at level 0");
		ret = dmpt_check_dir(pt, dmpt_slot_dir(slot), level - 1, cbase,
				     false, rc);
		if (ret)
			return ret;
	}
	if (count != dir->nr_valid)
		return dmpt_bad(base, level, "valid-slot count wrong");
	if (!count && !is_root)
		return dmpt_bad(base, level, "empty directory not pruned");
	rc->dirs[level]++;
	rc->bytes += dmpt_dir_bytes(fmt, level);
	return 0;
}

int dmpt_check(struct dmpt *pt)
{
	const struct dmpt_stats *st = &pt->stats;
	struct dmpt_recount rc = { 0 };
	unsigned int i;
	int ret;

	if (!pt->root)
		return dmpt_bad(0ULL, 0U, "no root directory");
	ret = dmpt_check_dir(pt, pt->root, dmpt_top(pt->fmt), 0, true, &rc);
	if (ret)
		return ret;
	if (rc.bytes != st->bytes)
		return dmpt_bad(0ULL, 0U, "stats: bytes differ from recount");
	for (i = 0; i < DMPT_MAX_LEVELS; i++) {
		if (rc.dirs[i] != st->dirs[i])
			return dmpt_bad(0ULL, i,
					"stats: dirs differ from recount");
		if (rc.entries[i] != st->entries[i])
			return dmpt_bad(0ULL, i,
					"stats: entries differ from recount");
	}
	return 0;
}
EXPORT_SYMBOL_GPL(dmpt_check);
