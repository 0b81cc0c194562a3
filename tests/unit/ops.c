// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the per-operation unit tests (test_map.c, test_edit.c).
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

const struct dmpt_format *cur_fmt;

/* Address of slot @idx at @level inside the directory covering @base. */
u64 slot_addr(u64 base, unsigned int level, u64 idx)
{
	return base + (idx << cur_fmt->shift[level]);
}

int collect(const struct dmpt_run *run, void *arg)
{
	struct runs *rs = arg;

	if (rs->n < 16)
		rs->r[rs->n] = *run;
	rs->n++;
	return rs->n == rs->stop_at ? 77 : 0;
}

/*
 * The lookup of @addr is a leaf at @level with @flags, and @pfn is the frame
 * of the 4 KiB page at @addr (so the leaf's own frame is @pfn minus the
 * offset of @addr in the leaf).
 */
void check_maps(struct dmpt *pt, u64 addr, unsigned int level, u64 pfn,
		u64 flags)
{
	unsigned int lvl = ~0U, touched = 0;
	dmpt_entry_t e;
	u64 size = dmpt_level_size(cur_fmt, level);
	u64 want_pfn;

	rcu_read_lock();
	e = dmpt_lookup(pt, addr, &lvl, &touched);
	rcu_read_unlock();
	CHECK(dmpt_entry_valid(e));
	CHECK_EQ(lvl, level);
	CHECK_EQ(touched, cur_fmt->nlevels - level);
	CHECK_EQ(dmpt_entry_flags(e), flags | DMPT_VALID);
	/* @pfn is the frame of the page at @addr; the entry holds the leaf's. */
	want_pfn = pfn - ((addr & (size - 1)) >> DMPT_PFN_SHIFT);
	CHECK_EQ(dmpt_entry_pfn(e), want_pfn);
}

void check_unmapped(struct dmpt *pt, u64 addr)
{
	dmpt_entry_t e;

	rcu_read_lock();
	e = dmpt_lookup(pt, addr, NULL, NULL);
	rcu_read_unlock();
	CHECK(!dmpt_entry_valid(e));
	CHECK_EQ(e.val, 0);
}

void check_root_only(struct dmpt *pt)
{
	struct dmpt_stats st;
	unsigned int i, top = cur_fmt->nlevels - 1;

	dmpt_get_stats(pt, &st);
	for (i = 0; i < DMPT_MAX_LEVELS; i++) {
		CHECK_EQ(st.dirs[i], i == top ? 1 : 0);
		CHECK_EQ(st.entries[i], 0);
	}
	CHECK_EQ(st.bytes, dmpt_dir_bytes(cur_fmt, top));
	CHECK_EQ(pt->root->nr_valid, 0);
	CHECK_EQ(dmpt_check(pt), 0);
}

int ops_main(int argc, char **argv, const struct named_test *global,
	     unsigned int nr_global, const struct named_test *per_format,
	     unsigned int nr_per_format)
{
	unsigned int f, t;
	char name[128];

	tap_init(argc, argv, "unit.");
	rcu_register_thread();
	for (t = 0; t < nr_global; t++)
		tap_run(global[t].name, global[t].fn, NULL);
	for (f = 0; f < nr_test_formats; f++) {
		cur_fmt = test_formats[f].fmt;
		for (t = 0; t < nr_per_format; t++) {
			snprintf(name, sizeof(name), "%s_%s",
				 per_format[t].name, test_formats[f].name);
			tap_run(name, per_format[t].fn, NULL);
		}
	}
	rcu_unregister_thread();
	return tap_done();
}
