// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of dmpt_clear(), dmpt_protect(), dmpt_walk(), dmpt_check() and
 * the accounting on each test format: huge-leaf splits, pruning to the root,
 * page counts, flag changes, run reporting, corruption detection.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

static void test_clear_splits_huge_leaf(void *arg)
{
	unsigned int level;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (level = 1; level < cur_fmt->nlevels; level++) {
		u64 size = dmpt_level_size(cur_fmt, level);
		u64 small = dmpt_level_size(cur_fmt, 0);
		u64 pfn = size / 4096 * 3, hole = size + size / 2 + small;
		unsigned int below = tl_next_leaf_level_below(cur_fmt, level);
		struct dmpt_stats st, st0;

		if (!(cur_fmt->leaf_levels & BIT(level)))
			continue;
		tl_map1(&pt, size, level, pfn, DMPT_WRITE | DMPT_DRV1);
		dmpt_get_stats(&pt, &st0);
		/* Unaligned bytes round out to the level-0 leaf. */
		CHECK_EQ(dmpt_clear(&pt, hole + 1, hole + 2, GFP_KERNEL),
			 small / 4096);
		check_unmapped(&pt, hole);
		check_unmapped(&pt, hole + small - 1);
		check_maps(&pt, hole - small, 0,
			   pfn + (hole - small - size) / 4096,
			   DMPT_WRITE | DMPT_DRV1);
		check_maps(&pt, hole + small, 0,
			   pfn + (hole + small - size) / 4096,
			   DMPT_WRITE | DMPT_DRV1);
		/* Far from the hole the remainder keeps the largest size. */
		check_maps(&pt, size, below, pfn, DMPT_WRITE | DMPT_DRV1);
		check_maps(&pt, 2 * size - 1, below, pfn + (size - 1) / 4096,
			   DMPT_WRITE | DMPT_DRV1);
		dmpt_get_stats(&pt, &st);
		CHECK_EQ(st.splits, st0.splits + 1);
		CHECK_EQ(st.entries[level], st0.entries[level] - 1);
		CHECK_EQ(dmpt_check(&pt), 0);
		CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL),
			 (size - small) / 4096);
		check_root_only(&pt);
	}
	tl_fini(&pt);
}

static void test_clear_prunes_to_root(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), va_end = dmpt_va_end(cur_fmt);
	unsigned int i, top = cur_fmt->nlevels - 1;
	struct dmpt_stats st;
	u64 dirs = 0, pages = 0, addr;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	/* One leaf in each of 8 root slots and a few more nearby. */
	for (i = 0; i < 8; i++) {
		addr = (va_end / 8) * i + small * i;
		tl_map1(&pt, addr, 0, i * (small / 4096), 0);
		tl_map1(&pt, addr + (small << cur_fmt->bits[0]), 0, 0, 0);
		pages += 2 * (small / 4096);
	}
	dmpt_get_stats(&pt, &st);
	for (i = 0; i < top; i++)
		dirs += st.dirs[i];
	CHECK(dirs >= 8 * top);
	CHECK_EQ(dmpt_check(&pt), 0);
	/* Clear half by half: the partial clear prunes only what emptied. */
	CHECK_EQ(dmpt_clear(&pt, 0, va_end / 2, GFP_KERNEL), pages / 2);
	CHECK_EQ(dmpt_check(&pt), 0);
	CHECK_EQ(dmpt_clear(&pt, va_end / 2, va_end, GFP_KERNEL), pages / 2);
	dmpt_get_stats(&pt, &st);
	CHECK_EQ(st.dirs_pruned, dirs);
	check_root_only(&pt);
	tl_fini(&pt);
}

static void test_clear_returns_pages(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	dmpt_entry_t e[16];
	struct dmpt pt;
	int i;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (i = 0; i < 16; i++)
		e[i] = dmpt_entry_make(i * pg, i % 3 ? DMPT_VALID : 0);
	CHECK_EQ(dmpt_map(&pt, small * 8, 0, e, 16, GFP_KERNEL), 0);
	/* Leaves 9..11 of which 9 and 11 are valid (i = 1, 3 -> 1 and 2). */
	CHECK_EQ(dmpt_clear(&pt, small * 9, small * 12, GFP_KERNEL), 2 * pg);
	CHECK_EQ(dmpt_clear(&pt, small * 9, small * 12, GFP_KERNEL), 0);
	CHECK_EQ(dmpt_clear(&pt, 5, 5, GFP_KERNEL), 0);
	CHECK_EQ(dmpt_clear(&pt, small * 30, small * 2, GFP_KERNEL), 0);
	CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL), (10 - 2) * pg);
	check_root_only(&pt);
	tl_fini(&pt);
}

static void test_protect_changes_flags(void *arg)
{
	unsigned int level = tl_top_leaf_level(cur_fmt), below;
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	u64 size = dmpt_level_size(cur_fmt, level);
	struct dmpt_stats st0, st;
	dmpt_entry_t e[8];
	struct dmpt pt;
	int i;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (i = 0; i < 8; i++)
		e[i] = dmpt_entry_make(i * pg,
				       FLAGS_RW | (i & 1 ? DMPT_DIRTY : 0));
	CHECK_EQ(dmpt_map(&pt, 0, 0, e, 8, GFP_KERNEL), 0);
	CHECK_EQ(dmpt_protect(&pt, small * 2, small * 6, DMPT_WRITE, 0,
			      GFP_KERNEL),
		 4 * pg);
	CHECK_EQ(dmpt_protect(&pt, small * 2, small * 6, DMPT_WRITE, 0,
			      GFP_KERNEL),
		 0);
	for (i = 0; i < 8; i++)
		check_maps(&pt, i * small, 0, i * pg,
			   (i >= 2 && i < 6 ? 0 : DMPT_WRITE) |
				   (i & 1 ? DMPT_DIRTY : 0));
	/* Setting a flag only changes the entries that lack it. */
	CHECK_EQ(dmpt_protect(&pt, 0, small * 8, 0, DMPT_DIRTY, GFP_KERNEL),
		 4 * pg);
	/* DMPT_VALID cannot be cleared through protect. */
	CHECK_EQ(dmpt_protect(&pt, 0, small * 8, DMPT_VALID, 0, GFP_KERNEL), 0);
	check_maps(&pt, 0, 0, 0, DMPT_WRITE | DMPT_DIRTY);
	CHECK_EQ(dmpt_check(&pt), 0);
	if (level) {
		below = tl_next_leaf_level_below(cur_fmt, level);
		tl_map1(&pt, size, level, size / 4096, FLAGS_RW);
		dmpt_get_stats(&pt, &st0);
		/* No change needed: no split. */
		CHECK_EQ(dmpt_protect(&pt, size + small, size + 2 * small,
				      DMPT_EXCLUSIVE, DMPT_WRITE, GFP_KERNEL),
			 0);
		dmpt_get_stats(&pt, &st);
		CHECK_EQ(st.splits, st0.splits);
		/* Partial write-protect: split, only the range changes. */
		CHECK_EQ(dmpt_protect(&pt, size + small, size + 2 * small,
				      DMPT_WRITE, 0, GFP_KERNEL),
			 pg);
		check_maps(&pt, size + small, 0, size / 4096 + pg, 0);
		check_maps(&pt, size, 0, size / 4096, DMPT_WRITE);
		check_maps(&pt, 2 * size - 1, below, (2 * size - 1) / 4096,
			   DMPT_WRITE);
		dmpt_get_stats(&pt, &st);
		CHECK_EQ(st.splits, st0.splits + 1);
		/* Whole huge leaf: no split. */
		tl_map1(&pt, 2 * size, level, 2 * size / 4096, FLAGS_RW);
		CHECK_EQ(dmpt_protect(&pt, 2 * size, 3 * size, DMPT_WRITE,
				      DMPT_DRV0, GFP_KERNEL),
			 size / 4096);
		check_maps(&pt, 3 * size - 1, level, (3 * size - 1) / 4096,
			   DMPT_DRV0);
	}
	CHECK_EQ(dmpt_check(&pt), 0);
	tl_fini(&pt);
}

static void test_walk_reports_runs(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	unsigned int level = tl_top_leaf_level(cur_fmt);
	u64 size = dmpt_level_size(cur_fmt, level);
	dmpt_entry_t e[12];
	struct runs rs = { 0 };
	struct dmpt pt;
	int i;

	if (!tl_init(&pt, cur_fmt))
		return;
	/*
	 * 0-3 contiguous; 4 other flags; 5 back to the first flags (new run);
	 * 6 a hole; 7 alone (frame jump to 8); 8-11 contiguous.
	 */
	for (i = 0; i < 12; i++)
		e[i] = dmpt_entry_make((100 + i) * pg, DMPT_VALID);
	e[4] = dmpt_entry_make(104 * pg, DMPT_VALID | DMPT_WRITE);
	e[6].val = 0;
	e[8] = dmpt_entry_make(500 * pg, DMPT_VALID);
	e[9] = dmpt_entry_make(501 * pg, DMPT_VALID);
	e[10] = dmpt_entry_make(502 * pg, DMPT_VALID);
	e[11] = dmpt_entry_make(503 * pg, DMPT_VALID);
	CHECK_EQ(dmpt_map(&pt, 0, 0, e, 12, GFP_KERNEL), 0);
	CHECK_EQ(dmpt_walk(&pt, 0, ~0ULL, collect, &rs), 0);
	CHECK_EQ(rs.n, 5);
	CHECK_EQ(rs.r[0].start, 0);
	CHECK_EQ(rs.r[0].count, 4);
	CHECK_EQ(rs.r[1].start, 4 * small);
	CHECK_EQ(rs.r[1].count, 1);
	CHECK_EQ(dmpt_entry_flags(rs.r[1].first), DMPT_VALID | DMPT_WRITE);
	CHECK_EQ(rs.r[2].start, 5 * small);
	CHECK_EQ(rs.r[2].count, 1);
	CHECK_EQ(rs.r[3].start, 7 * small);
	CHECK_EQ(rs.r[3].count, 1);
	CHECK_EQ(rs.r[4].start, 8 * small);
	CHECK_EQ(rs.r[4].count, 4);
	CHECK_EQ(dmpt_entry_pfn(rs.r[4].first), 500 * pg);
	/* Clipped start inside a leaf, and an early stop. */
	memset(&rs, 0, sizeof(rs));
	CHECK_EQ(dmpt_walk(&pt, small + 5, 3 * small, collect, &rs), 0);
	CHECK_EQ(rs.n, 1);
	CHECK_EQ(rs.r[0].start, small + 5);
	CHECK_EQ(rs.r[0].count, 2);
	CHECK_EQ(dmpt_entry_pfn(rs.r[0].first), 101 * pg);
	memset(&rs, 0, sizeof(rs));
	rs.stop_at = 2;
	CHECK_EQ(dmpt_walk(&pt, 0, ~0ULL, collect, &rs), 77);
	CHECK_EQ(rs.n, 2);
	CHECK_EQ(dmpt_walk(&pt, 5, 5, collect, &rs), 0);
	CHECK_EQ(rs.n, 2);
	/* Huge leaves with consecutive frames form one run of their level. */
	if (level && level < cur_fmt->nlevels - 1) {
		CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL), 11 * pg);
		for (i = 0; i < 3; i++)
			e[i] = dmpt_entry_make((size / 4096) * (4 + i),
					       DMPT_VALID);
		CHECK_EQ(dmpt_map(&pt, size * 7, level, e, 3, GFP_KERNEL), 0);
		tl_map1(&pt, size * 10, 0, (size / 4096) * 7, 0);
		memset(&rs, 0, sizeof(rs));
		CHECK_EQ(dmpt_walk(&pt, size * 7 + small, ~0ULL, collect, &rs),
			 0);
		CHECK_EQ(rs.n, 2);
		CHECK_EQ(rs.r[0].start, size * 7 + small);
		CHECK_EQ(rs.r[0].level, level);
		CHECK_EQ(rs.r[0].count, 3);
		CHECK_EQ(rs.r[1].level, 0);
		CHECK_EQ(rs.r[1].count, 1);
	}
	tl_fini(&pt);
}

static void test_check_detects_corruption(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0);
	struct dmpt_dir *dir;
	struct dmpt pt;
	u64 saved;

	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, small * 3, 0, 0, 0);
	CHECK_EQ(dmpt_check(&pt), 0);
	printf("# expected dmpt check errors follow\n");
	/* Wrong count. */
	pt.root->nr_valid++;
	CHECK_EQ(dmpt_check(&pt), -EUCLEAN);
	pt.root->nr_valid--;
	/* Accounting off. */
	pt.stats.entries[0]++;
	CHECK_EQ(dmpt_check(&pt), -EUCLEAN);
	pt.stats.entries[0]--;
	pt.stats.bytes++;
	CHECK_EQ(dmpt_check(&pt), -EUCLEAN);
	pt.stats.bytes--;
	/* An empty directory left linked. */
	for (dir = pt.root; dir->level; dir = dmpt_slot_dir(dir->slots[0]))
		;
	saved = dir->slots[3];
	dir->slots[3] = 0;
	dir->nr_valid = 0;
	pt.stats.entries[0]--;
	CHECK_EQ(dmpt_check(&pt), -EUCLEAN);
	dir->slots[3] = saved;
	dir->nr_valid = 1;
	pt.stats.entries[0]++;
	/* A misaligned huge frame. */
	if (cur_fmt->leaf_levels & BIT(1)) {
		struct dmpt_dir *d1 = pt.root;

		while (d1->level > 1)
			d1 = dmpt_slot_dir(d1->slots[0]);
		saved = d1->slots[5];
		d1->slots[5] = dmpt_entry_make(1, DMPT_VALID).val;
		d1->nr_valid++;
		pt.stats.entries[1]++;
		CHECK_EQ(dmpt_check(&pt), -EUCLEAN);
		d1->slots[5] = saved;
		d1->nr_valid--;
		pt.stats.entries[1]--;
	}
	CHECK_EQ(dmpt_check(&pt), 0);
	tl_fini(&pt);
}

static void test_stats_track_bytes(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0);
	unsigned int i, top = cur_fmt->nlevels - 1;
	struct dmpt_stats st;
	struct dmpt pt;
	u64 bytes = 0;

	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, small, 0, 0, 0);
	tl_map1(&pt, small << cur_fmt->bits[0], 0, 0, 0); /* next level-0 dir */
	dmpt_get_stats(&pt, &st);
	for (i = 0; i <= top; i++) {
		CHECK_EQ(st.dirs[i], i ? 1 : 2);
		bytes += st.dirs[i] * dmpt_dir_bytes(cur_fmt, i);
	}
	CHECK_EQ(st.bytes, bytes);
	CHECK_EQ(st.entries[0], 2);
	CHECK_EQ(sizeof(struct dmpt_dir), 32);
	tl_fini(&pt);
}

static const struct named_test per_format_tests[] = {
	{ "clear_splits_huge_leaf", test_clear_splits_huge_leaf },
	{ "clear_prunes_to_root", test_clear_prunes_to_root },
	{ "clear_returns_pages", test_clear_returns_pages },
	{ "protect_changes_flags", test_protect_changes_flags },
	{ "walk_reports_runs", test_walk_reports_runs },
	{ "check_detects_corruption", test_check_detects_corruption },
	{ "stats_track_bytes", test_stats_track_bytes },
};

int main(int argc, char **argv)
{
	return ops_main(argc, argv, NULL, 0, per_format_tests,
			ARRAY_SIZE(per_format_tests));
}
