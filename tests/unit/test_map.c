// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of formats, lookup and dmpt_map() on each test format: validation,
 * lookup outside the span, leaves at every level, walk with install, bad
 * arguments, holes in a batch, ranges crossing every level boundary, the top
 * of the address space, huge leaves replacing subtrees and splitting.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

static void test_entry_helpers(void *arg)
{
	u64 pfn = (1ULL << 52) - 1;
	dmpt_entry_t e =
		dmpt_entry_make(pfn, DMPT_VALID | DMPT_DIRTY | DMPT_DRV3);

	CHECK_EQ(dmpt_entry_pfn(e), pfn);
	CHECK_EQ(dmpt_entry_flags(e), DMPT_VALID | DMPT_DIRTY | DMPT_DRV3);
	CHECK(dmpt_entry_valid(e));
	e = dmpt_entry_make(5, DMPT_WRITE | (1ULL << 12));
	CHECK_EQ(dmpt_entry_pfn(e), 5);
	CHECK_EQ(dmpt_entry_flags(e), DMPT_WRITE);
	CHECK(!dmpt_entry_valid(e));
	CHECK_EQ(DMPT_FLAGS_MASK, 0xfff);
	CHECK_EQ(DMPT_DRV0 | DMPT_DRV1 | DMPT_DRV2 | DMPT_DRV3, 0xf00);
}

static void test_format_accepts_valid(void *arg)
{
	unsigned int i;

	for (i = 0; i < nr_test_formats; i++)
		CHECK_EQ(dmpt_format_validate(test_formats[i].fmt), 0);
	CHECK_EQ(dmpt_va_bits(&dmpt_format_x86_64), 48);
	CHECK_EQ(dmpt_level_size(&dmpt_format_x86_64, 1), 2ULL << 20);
	CHECK_EQ(dmpt_level_size(&dmpt_format_x86_64, 2), 1ULL << 30);
	CHECK_EQ(dmpt_va_bits(&fmt_x86_64_5level), 57);
}

static void test_format_rejects_impossible(void *arg)
{
	struct dmpt_format f;
	struct dmpt pt;

#define BAD(stmt)                                            \
	do {                                                 \
		f = dmpt_format_x86_64;                      \
		stmt;                                        \
		CHECK_EQ(dmpt_format_validate(&f), -EINVAL); \
		CHECK_EQ(dmpt_init(&pt, &f), -EINVAL);       \
	} while (0)

	BAD(f.nlevels = 1);
	BAD(f.nlevels = 0);
	BAD(f.nlevels = DMPT_MAX_LEVELS + 1);
	BAD(f.shift[0] = 11); /* leaf below the frame unit */
	BAD(f.bits[2] = 0);
	BAD(f.bits[0] = DMPT_MAX_BITS + 1);
	BAD(f.shift[2] = 31); /* levels not contiguous */
	BAD(f.leaf_levels = BIT(1)); /* no level-0 leaf */
	BAD(f.leaf_levels |= BIT(4)); /* leaf level past the top */
	BAD((f.nlevels = 6, f.shift[4] = 48, f.bits[4] = 9, f.shift[5] = 57,
	     f.bits[5] = 7)); /* 64-bit span */
#undef BAD
	CHECK_EQ(dmpt_format_validate(NULL), -EINVAL);
	f = dmpt_format_x86_64;
	f.nlevels = 6;
	f.shift[4] = 48;
	f.bits[4] = 9;
	f.shift[5] = 57;
	f.bits[5] = 6; /* 63 bits: the limit */
	CHECK_EQ(dmpt_format_validate(&f), 0);
	CHECK_EQ(dmpt_shim_live, 0);
}

static void test_init_root_only(void *arg)
{
	struct dmpt pt;
	dmpt_entry_t e;
	unsigned int level, touched;

	if (!tl_init(&pt, cur_fmt))
		return;
	check_root_only(&pt);
	e = dmpt_lookup(&pt, 0, &level, &touched);
	CHECK_EQ(e.val, 0);
	CHECK_EQ(level, cur_fmt->nlevels - 1);
	CHECK_EQ(touched, 1);
	tl_fini(&pt);
}

static void test_lookup_outside_span(void *arg)
{
	u64 va_end = dmpt_va_end(cur_fmt);
	unsigned int touched = 99;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, va_end - dmpt_level_size(cur_fmt, 0), 0, 0x1000, 0);
	CHECK(dmpt_entry_valid(dmpt_lookup(&pt, va_end - 1, NULL, NULL)));
	CHECK_EQ(dmpt_lookup(&pt, va_end, NULL, &touched).val, 0);
	CHECK_EQ(touched, 0);
	CHECK_EQ(dmpt_lookup(&pt, ~0ULL, NULL, NULL).val, 0);
	/* The index bits alone would alias va_end to 0: must not. */
	CHECK_EQ(dmpt_lookup(&pt, va_end + va_end - dmpt_level_size(cur_fmt, 0),
			     NULL, NULL)
			 .val,
		 0);
	tl_fini(&pt);
}

static void test_map_every_leaf_level(void *arg)
{
	unsigned int level, top = cur_fmt->nlevels - 1;
	struct dmpt_stats st;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (level = 0; level <= top; level++) {
		u64 size = dmpt_level_size(cur_fmt, level);
		u64 addr = size * 3; /* slot 3 of its directory */
		u64 pfn = (size >> DMPT_PFN_SHIFT) * 7;

		if (!(cur_fmt->leaf_levels & BIT(level)))
			continue;
		if (level == top)
			addr = size;
		tl_map1(&pt, addr, level, pfn, DMPT_WRITE);
		check_maps(&pt, addr, level, pfn, DMPT_WRITE);
		check_maps(&pt, addr + size - 1, level,
			   pfn + ((size - 1) >> DMPT_PFN_SHIFT), DMPT_WRITE);
		check_unmapped(&pt, addr - 1);
		check_unmapped(&pt, addr + size);
		dmpt_get_stats(&pt, &st);
		CHECK_EQ(st.entries[level], 1);
		CHECK_EQ(dmpt_check(&pt), 0);
		CHECK_EQ(dmpt_clear(&pt, addr, addr + size, GFP_KERNEL),
			 size >> DMPT_PFN_SHIFT);
		check_root_only(&pt);
	}
	tl_fini(&pt);
}

static void test_map_allocates_path(void *arg)
{
	unsigned int i, top = cur_fmt->nlevels - 1;
	u64 addr = slot_addr(0, top, 1) + slot_addr(0, 0, 5);
	struct dmpt_stats st;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, addr, 0, 42 << (cur_fmt->shift[0] - 12), 0);
	dmpt_get_stats(&pt, &st);
	for (i = 0; i <= top; i++) {
		CHECK_EQ(st.dirs[i], 1);
		CHECK_EQ(st.entries[i], i == 0);
	}
	CHECK_EQ(dmpt_check(&pt), 0);
	check_maps(&pt, addr, 0, 42 << (cur_fmt->shift[0] - 12), 0);
	check_unmapped(&pt, addr - dmpt_level_size(cur_fmt, 0));
	CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL),
		 dmpt_level_pages(cur_fmt, 0));
	dmpt_get_stats(&pt, &st);
	CHECK_EQ(st.dirs_pruned, top);
	check_root_only(&pt);
	tl_fini(&pt);
}

static void test_map_rejects_bad_args(void *arg)
{
	u64 size1 = dmpt_level_size(cur_fmt, 1), va_end = dmpt_va_end(cur_fmt);
	unsigned int top = cur_fmt->nlevels - 1, level;
	dmpt_entry_t e[2];
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	e[0] = dmpt_entry_make(0, DMPT_VALID);
	e[1] = dmpt_entry_make(dmpt_level_pages(cur_fmt, 0), DMPT_VALID);
	/* Misaligned start. */
	CHECK_EQ(dmpt_map(&pt, 4096 * 17 + 1, 0, e, 1, GFP_KERNEL), -EINVAL);
	/* Level past the top, and a level without leaves if there is one. */
	CHECK_EQ(dmpt_map(&pt, 0, top + 1, e, 1, GFP_KERNEL), -EINVAL);
	for (level = 1; level <= top; level++)
		if (!(cur_fmt->leaf_levels & BIT(level)))
			CHECK_EQ(dmpt_map(&pt, 0, level, e, 1, GFP_KERNEL),
				 -EINVAL);
	/* Past the end of the span, and a count that would wrap. */
	CHECK_EQ(dmpt_map(&pt, va_end - dmpt_level_size(cur_fmt, 0), 0, e, 2,
			  GFP_KERNEL),
		 -EINVAL);
	CHECK_EQ(dmpt_map(&pt, va_end, 0, e, 1, GFP_KERNEL), -EINVAL);
	CHECK_EQ(dmpt_map(&pt, dmpt_level_size(cur_fmt, 0), 0, e, ~0UL,
			  GFP_KERNEL),
		 -EINVAL);
	/* A huge leaf's frame must be aligned; nothing may be half done. */
	if (cur_fmt->leaf_levels & BIT(1)) {
		e[0] = dmpt_entry_make(0, DMPT_VALID);
		e[1] = dmpt_entry_make(dmpt_level_pages(cur_fmt, 0),
				       DMPT_VALID);
		CHECK_EQ(dmpt_map(&pt, size1 * 2, 1, e, 2, GFP_KERNEL),
			 -EINVAL);
		check_unmapped(&pt, size1 * 2);
	}
	/* Zero entries, at the very end: fine and a no-op. */
	CHECK_EQ(dmpt_map(&pt, va_end, 0, e, 0, GFP_KERNEL), 0);
	check_root_only(&pt);
	tl_fini(&pt);
}

static void test_map_invalid_entries_leave_slots(void *arg)
{
	u64 size = dmpt_level_size(cur_fmt, 0),
	    pg = dmpt_level_pages(cur_fmt, 0);
	u64 dir_span = size << cur_fmt->bits[0];
	struct dmpt_stats st, st2;
	dmpt_entry_t e[4];
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, size, 0, 100 * pg, 0);
	e[0] = dmpt_entry_make(200 * pg, DMPT_VALID);
	e[1] = dmpt_entry_make(201 * pg, 0); /* invalid: keep the old one */
	e[2] = dmpt_entry_make(202 * pg, DMPT_VALID);
	CHECK_EQ(dmpt_map(&pt, 0, 0, e, 3, GFP_KERNEL), 0);
	check_maps(&pt, 0, 0, 200 * pg, 0);
	check_maps(&pt, size, 0, 100 * pg, 0);
	check_maps(&pt, 2 * size, 0, 202 * pg, 0);
	/* A batch of invalid entries elsewhere allocates nothing. */
	dmpt_get_stats(&pt, &st);
	memset(e, 0, sizeof(e));
	CHECK_EQ(dmpt_map(&pt, dir_span * 3, 0, e, 4, GFP_KERNEL), 0);
	dmpt_get_stats(&pt, &st2);
	CHECK(!memcmp(&st, &st2, sizeof(st)));
	CHECK_EQ(dmpt_check(&pt), 0);
	tl_fini(&pt);
}

/*
 * Map level-0 leaves straddling a boundary of every level, check lookups,
 * that the walk reports them as one run across the directory boundaries,
 * then clear a hole across the boundary and the rest, down to the root.
 */
static void test_map_crosses_every_boundary(void *arg)
{
	u64 size = dmpt_level_size(cur_fmt, 0),
	    pg = dmpt_level_pages(cur_fmt, 0);
	unsigned int k, top = cur_fmt->nlevels - 1;
	dmpt_entry_t e[6];
	struct dmpt_stats st;
	struct dmpt pt;
	int i;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (k = 1; k <= top; k++) {
		/* Slot boundary at level k: 3 * (1 << shift[k]). */
		u64 b = 3ULL << cur_fmt->shift[k];
		u64 pfn0 = 1000 * pg;
		struct runs rs = { 0 };

		for (i = 0; i < 6; i++)
			e[i] = dmpt_entry_make(pfn0 + i * pg, DMPT_VALID);
		CHECK_EQ(dmpt_map(&pt, b - 3 * size, 0, e, 6, GFP_KERNEL), 0);
		for (i = -3; i < 3; i++)
			check_maps(&pt, b + i * (s64)size, 0,
				   pfn0 + (i + 3) * pg, 0);
		check_unmapped(&pt, b - 4 * size);
		check_unmapped(&pt, b + 3 * size);
		dmpt_get_stats(&pt, &st);
		CHECK_EQ(st.dirs[0], 2);
		CHECK_EQ(dmpt_walk(&pt, 0, ~0ULL, collect, &rs), 0);
		CHECK_EQ(rs.n, 1);
		CHECK_EQ(rs.r[0].start, b - 3 * size);
		CHECK_EQ(rs.r[0].count, 6);
		CHECK_EQ(rs.r[0].level, 0);
		CHECK_EQ(rs.r[0].first.val, e[0].val);
		CHECK_EQ(dmpt_clear(&pt, b - size, b + size, GFP_KERNEL),
			 2 * pg);
		check_unmapped(&pt, b - size);
		check_unmapped(&pt, b);
		check_maps(&pt, b - 2 * size, 0, pfn0 + pg, 0);
		check_maps(&pt, b + size, 0, pfn0 + 4 * pg, 0);
		CHECK_EQ(dmpt_check(&pt), 0);
		CHECK_EQ(dmpt_clear(&pt, b - 3 * size, b + 3 * size,
				    GFP_KERNEL),
			 4 * pg);
		check_root_only(&pt);
	}
	tl_fini(&pt);
}

/* The last leaf of the span at every leaf level; clears up to ~0ULL. */
static void test_map_top_of_address_space(void *arg)
{
	u64 va_end = dmpt_va_end(cur_fmt);
	unsigned int level;
	struct dmpt pt;

	if (!tl_init(&pt, cur_fmt))
		return;
	for (level = 0; level < cur_fmt->nlevels; level++) {
		u64 size = dmpt_level_size(cur_fmt, level);
		u64 pfn = (size >> DMPT_PFN_SHIFT) * 9;
		u64 small = dmpt_level_size(cur_fmt, 0);
		struct runs rs = { 0 };

		if (!(cur_fmt->leaf_levels & BIT(level)))
			continue;
		tl_map1(&pt, va_end - size, level, pfn, DMPT_EXCLUSIVE);
		check_maps(&pt, va_end - 1, level,
			   pfn + ((size - 1) >> DMPT_PFN_SHIFT),
			   DMPT_EXCLUSIVE);
		CHECK_EQ(dmpt_walk(&pt, va_end - size, ~0ULL, collect, &rs), 0);
		CHECK_EQ(rs.n, 1);
		CHECK_EQ(rs.r[0].start, va_end - size);
		CHECK_EQ(rs.r[0].count, 1);
		CHECK_EQ(dmpt_protect(&pt, va_end - size, ~0ULL, DMPT_EXCLUSIVE,
				      DMPT_DIRTY, GFP_KERNEL),
			 size >> DMPT_PFN_SHIFT);
		check_maps(&pt, va_end - size, level, pfn, DMPT_DIRTY);
		/* The last byte rounds out to the last level-0 leaf. */
		CHECK_EQ(dmpt_clear(&pt, va_end - 1, ~0ULL, GFP_KERNEL),
			 small >> DMPT_PFN_SHIFT);
		check_unmapped(&pt, va_end - 1);
		CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL),
			 (size - small) >> DMPT_PFN_SHIFT);
		check_root_only(&pt);
	}
	tl_fini(&pt);
}

static void test_map_huge_replaces_subtree(void *arg)
{
	unsigned int level = tl_top_leaf_level(cur_fmt);
	u64 size = dmpt_level_size(cur_fmt, level),
	    small = dmpt_level_size(cur_fmt, 0);
	u64 pg = dmpt_level_pages(cur_fmt, 0);
	struct dmpt_stats st;
	struct dmpt pt;
	int i;

	if (!level)
		return;
	if (!tl_init(&pt, cur_fmt))
		return;
	/* Scatter small leaves over the huge leaf's span, then cover them. */
	for (i = 0; i < 4; i++)
		tl_map1(&pt, size + i * (size / 4), 0, (50 + i) * pg, 0);
	tl_map1(&pt, 2 * size, 0, 60 * pg, 0); /* outside: must survive */
	tl_map1(&pt, size, level, size / 4096 * 3, DMPT_WRITE);
	for (i = 0; i < 4; i++)
		check_maps(&pt, size + i * (size / 4), level,
			   size / 4096 * 3 + i * (size / 4 / 4096), DMPT_WRITE);
	check_maps(&pt, 2 * size, 0, 60 * pg, 0);
	dmpt_get_stats(&pt, &st);
	CHECK_EQ(st.entries[0], 1);
	CHECK_EQ(st.entries[level], 1);
	CHECK(st.dirs_pruned >= 1);
	CHECK_EQ(dmpt_check(&pt), 0);
	/* And the root's own slots, when the root level holds leaves. */
	CHECK_EQ(dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL),
		 size / 4096 + small / 4096);
	check_root_only(&pt);
	tl_fini(&pt);
}

/* Map one small leaf inside the largest huge leaf: the huge leaf splits. */
static void test_map_small_splits_huge(void *arg)
{
	unsigned int level = tl_top_leaf_level(cur_fmt), below;
	u64 size = dmpt_level_size(cur_fmt, level),
	    small = dmpt_level_size(cur_fmt, 0);
	u64 pfn = size / 4096 * 5, addr;
	struct dmpt_stats st;
	struct dmpt pt;

	if (!level)
		return;
	below = tl_next_leaf_level_below(cur_fmt, level);
	if (!tl_init(&pt, cur_fmt))
		return;
	tl_map1(&pt, size, level, pfn, DMPT_WRITE);
	addr = size + size / 2 + small; /* not the first piece */
	tl_map1(&pt, addr, 0, 7 * (small / 4096), DMPT_DIRTY);
	check_maps(&pt, addr, 0, 7 * (small / 4096), DMPT_DIRTY);
	check_maps(&pt, addr - small, 0, pfn + (size / 2) / 4096, DMPT_WRITE);
	check_maps(&pt, size, below, pfn, DMPT_WRITE);
	check_maps(&pt, 2 * size - 1, below, pfn + (size - 1) / 4096,
		   DMPT_WRITE);
	dmpt_get_stats(&pt, &st);
	CHECK(st.splits >= 1);
	CHECK_EQ(st.entries[level], 0);
	CHECK_EQ(dmpt_check(&pt), 0);
	CHECK_EQ(dmpt_clear(&pt, size, 2 * size, GFP_KERNEL), size / 4096);
	check_root_only(&pt);
	tl_fini(&pt);
}

/* Clear one small leaf in the middle of every kind of huge leaf. */

static const struct named_test global_tests[] = {
	{ "entry_helpers_roundtrip", test_entry_helpers },
	{ "format_accepts_valid", test_format_accepts_valid },
	{ "format_rejects_impossible", test_format_rejects_impossible },
};

static const struct named_test per_format_tests[] = {
	{ "init_root_only", test_init_root_only },
	{ "lookup_outside_span_invalid", test_lookup_outside_span },
	{ "map_every_leaf_level", test_map_every_leaf_level },
	{ "map_allocates_path", test_map_allocates_path },
	{ "map_rejects_bad_args", test_map_rejects_bad_args },
	{ "map_invalid_entries_leave_slots",
	  test_map_invalid_entries_leave_slots },
	{ "map_crosses_every_level_boundary", test_map_crosses_every_boundary },
	{ "map_top_of_address_space", test_map_top_of_address_space },
	{ "map_huge_replaces_subtree", test_map_huge_replaces_subtree },
	{ "map_small_splits_huge_leaf", test_map_small_splits_huge },
};

int main(int argc, char **argv)
{
	return ops_main(argc, argv, global_tests, ARRAY_SIZE(global_tests),
			per_format_tests, ARRAY_SIZE(per_format_tests));
}
