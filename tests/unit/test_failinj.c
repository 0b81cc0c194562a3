// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection at every allocation site: each scenario is
 * replayed with the k-th allocation failing, for k = 0, 1, 2, ... until the
 * operation runs without reaching an injected failure. After each failure
 * the table must pass dmpt_check(), keep what the contract promises
 * (dmpt_map(): a prefix installed, the rest untouched; dmpt_clear() and
 * dmpt_protect(): a huge leaf split correctly or dropped whole, the return
 * value equal to the pages that changed) and free everything at the end.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

/**
 * struct scenario - One operation to break.
 * @name: Test name part.
 * @setup: Builds the table's initial contents (no injection).
 * @op: 0 = map, 1 = clear, 2 = protect.
 * @level: Map level.
 * @start_units: Map start or edit start, in level-0 leaves from the window
 *	start (map) or from the middle of the first huge leaf (edit).
 * @n: Map count, or edit length in level-0 leaves (0: across two leaves).
 * @dir_relative: Map from 100 leaves before the end of the first level-0
 *	directory over the next two directories (ignores @start_units, @n).
 */
struct scenario {
	const char *name;
	void (*setup)(struct dmpt *pt, u64 base);
	int op;
	int level; /* -1: the largest leaf level */
	u64 start_units;
	u64 n;
	bool dir_relative;
};

static const struct dmpt_format *cur_fmt;
static u64 win_base, win_size;

static unsigned int top_leaf(void)
{
	return tl_top_leaf_level(cur_fmt);
}

static void setup_empty(struct dmpt *pt, u64 base)
{
}

/* Two of the largest huge leaves at the start of the window. */
static void setup_huge(struct dmpt *pt, u64 base)
{
	unsigned int l = top_leaf();
	u64 size = dmpt_level_size(cur_fmt, l);

	tl_map1(pt, base, l, base >> DMPT_PFN_SHIFT, DMPT_WRITE);
	tl_map1(pt, base + size, l, (base + size) >> DMPT_PFN_SHIFT,
		DMPT_WRITE | DMPT_DIRTY);
}

/* A small leaf in every other level-0 directory (at most 32). */
static void setup_small(struct dmpt *pt, u64 base)
{
	u64 small = dmpt_level_size(cur_fmt, 0), a;
	u64 step = 2 * (small << cur_fmt->bits[0]);
	int i;

	for (a = base, i = 0; a < base + win_size && i < 32; a += step, i++)
		tl_map1(pt, a + small * 3, 0, (a + small * 3) >> DMPT_PFN_SHIFT,
			0);
}

#define SC(_name, _setup, _op, _level, _start, _n)                          \
	{                                                                   \
		.name = _name, .setup = _setup, .op = _op, .level = _level, \
		.start_units = _start, .n = _n                              \
	}

static const struct scenario scenarios[] = {
	/* Fresh directories on the way, over several level boundaries. */
	SC("map_fresh_range", setup_empty, 0, 0, 500, 1500),
	SC("map_fresh_huge", setup_empty, 0, -1, 0, 2),
	/* Small leaves into huge ones: splits on the way down. */
	SC("map_into_huge", setup_huge, 0, 0, 37, 700),
	{ .name = "map_between_small",
	  .setup = setup_small,
	  .dir_relative = true },
	/* Partial clear and protect of huge leaves: split or drop. */
	SC("clear_inside_huge", setup_huge, 1, 0, 3, 5),
	SC("clear_across_huge", setup_huge, 1, 0, 0, 0),
	SC("protect_inside_huge", setup_huge, 2, 0, 3, 5),
	SC("protect_across_huge", setup_huge, 2, 0, 0, 0),
};

static u64 pages_per_unit(void)
{
	return dmpt_level_pages(cur_fmt, 0);
}

/* Map: entries [0, m) installed, the rest and everything else unchanged. */
static bool verify_map(const struct model *before, const struct model *after,
		       u64 start, unsigned int level, const dmpt_entry_t *e,
		       u64 n, bool failed)
{
	u64 size = dmpt_level_size(cur_fmt, level),
	    upl = size >> before->ushift;
	u64 first = (start - before->base) >> before->ushift, i, k, m = n;

	for (i = 0; i < n; i++) {
		bool installed = true;

		for (k = 0; k < upl; k++)
			if (after->val[first + i * upl + k] !=
			    e[i].val +
				    (((k << before->ushift) >> DMPT_PFN_SHIFT)
				     << DMPT_PFN_SHIFT))
				installed = false;
		if (!installed) {
			m = i;
			break;
		}
	}
	if (!failed && m != n) {
		printf("# map succeeded but entry %llu is missing\n",
		       (unsigned long long)m);
		return false;
	}
	for (k = 0; k < before->nunits; k++) {
		if (k >= first && k < first + m * upl)
			continue;
		if (after->val[k] != before->val[k]) {
			printf("# unit %llu changed (prefix %llu of %llu)\n",
			       (unsigned long long)k, (unsigned long long)m,
			       (unsigned long long)n);
			return false;
		}
	}
	return true;
}

/*
 * Edit: inside the range as edited; outside, per original leaf, either all
 * unchanged or (split failed: dropped) all unmapped. @ret must equal the
 * pages whose value changed.
 */
static bool verify_edit(const struct model *before, const struct model *after,
			u64 s, u64 e, bool unmap, u64 ret)
{
	u64 u, changed = 0;

	for (u = 0; u < before->nunits; u++)
		if (after->val[u] != before->val[u])
			changed += pages_per_unit();
	for (u = 0; u < before->nunits; u++) {
		u64 addr = before->base + (u << before->ushift);
		u64 want = before->val[u];
		bool in = addr >= s && addr < e;

		if (in && want)
			want = unmap ? 0 : want & ~DMPT_WRITE;
		if (after->val[u] == want)
			continue;
		if (want && !after->val[u]) {
			/*
			 * Dropped after a failed split: the whole original
			 * leaf, which was partly in the range, must be gone.
			 */
			unsigned int l = before->lvl[u];
			u64 lsz = dmpt_level_size(cur_fmt, l);
			u64 ls = addr & ~(lsz - 1), a;

			if (!l || ls >= e || ls + lsz <= s ||
			    (ls >= s && ls + lsz <= e)) {
				printf("# leaf at 0x%llx dropped, not a partial huge leaf\n",
				       (unsigned long long)ls);
				return false;
			}

			for (a = ls; a < ls + lsz; a += 1ULL << before->ushift)
				if (after->val[(a - before->base) >>
					       before->ushift]) {
					printf("# leaf at 0x%llx half dropped\n",
					       (unsigned long long)ls);
					return false;
				}
			u = ((ls + lsz - before->base) >> before->ushift) - 1;
			continue;
		}
		printf("# unit at 0x%llx: 0x%llx, want 0x%llx\n",
		       (unsigned long long)addr,
		       (unsigned long long)after->val[u],
		       (unsigned long long)want);
		return false;
	}
	if (changed != ret) {
		printf("# returned %llu pages, %llu changed\n",
		       (unsigned long long)ret, (unsigned long long)changed);
		return false;
	}
	return true;
}

static u64 run_op(const struct scenario *sc, struct dmpt *pt, u64 start,
		  u64 end, unsigned int level, const dmpt_entry_t *e, u64 n,
		  int *err)
{
	*err = 0;
	if (sc->op == 0) {
		*err = dmpt_map(pt, start, level, e, n, GFP_KERNEL);
		return 0;
	}
	if (sc->op == 1)
		return dmpt_clear(pt, start, end, GFP_NOWAIT);
	return dmpt_protect(pt, start, end, DMPT_WRITE, 0, GFP_NOWAIT);
}

/* Allocations the scenario's operation makes when nothing fails. */
static unsigned long count_allocs(const struct scenario *sc, u64 start, u64 end,
				  unsigned int level, const dmpt_entry_t *e,
				  u64 n)
{
	unsigned long before;
	struct dmpt pt;
	int err;

	if (!tl_init(&pt, cur_fmt))
		return 0;
	sc->setup(&pt, win_base);
	before = dmpt_shim_nr_allocs;
	run_op(sc, &pt, start, end, level, e, n, &err);
	before = dmpt_shim_nr_allocs - before;
	dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL);
	tl_fini_nowait(&pt);
	return before;
}

/*
 * Which allocation to fail next: every one when there are at most 64;
 * otherwise the first 24 (every site at every depth of a split or of a
 * directory chain), the last 24 and 16 spread in between.
 */
static unsigned long next_k(unsigned long k, unsigned long total)
{
	unsigned long stride;

	if (total <= 64 || k < 23 || k + 25 >= total)
		return k + 1;
	stride = (total - 48) / 16;
	return k + 1 + stride > total - 25 ? total - 25 : k + 1 + stride;
}

static void test_scenario(void *arg)
{
	const struct scenario *sc = arg;
	unsigned int level = sc->level < 0 ? top_leaf() :
					     (unsigned int)sc->level;
	u64 small = dmpt_level_size(cur_fmt, 0),
	    size = dmpt_level_size(cur_fmt, level);
	u64 huge = dmpt_level_size(cur_fmt, top_leaf());
	struct model before, after;
	dmpt_entry_t *e = NULL;
	unsigned long k, failures = 0, total;
	u64 start, end = 0, n = sc->n, i;
	bool done = false;

	if (model_init(&before, cur_fmt, win_base, win_size) ||
	    model_init(&after, cur_fmt, win_base, win_size)) {
		CHECK(0);
		return;
	}
	if (sc->op == 0 && sc->dir_relative) {
		u64 dir_units = 1ULL << cur_fmt->bits[0];
		u64 back = dir_units > 200 ? 100 : dir_units / 2;

		start = win_base + (dir_units - back) * small;
		n = 2 * dir_units + 2 * back;
	}
	if (sc->op == 0) {
		if (!sc->dir_relative)
			start = win_base +
				((sc->start_units * small) & ~(size - 1));
		if (n > (win_base + win_size - start) / size)
			n = (win_base + win_size - start) / size;
		e = calloc(n, sizeof(*e));
		for (i = 0; i < n; i++)
			e[i] = dmpt_entry_make((start + i * size) >>
						       DMPT_PFN_SHIFT,
					       DMPT_VALID | DMPT_DRV1);
	} else if (sc->n) {
		start = win_base + huge / 2 + sc->start_units * small;
		end = start + sc->n * small;
	} else {
		/* From inside the first huge leaf to inside the second. */
		start = win_base + huge - 3 * small;
		end = win_base + huge + 5 * small;
	}
	total = count_allocs(sc, start, end, level, e, n);
	for (k = 0; !done && !tap_failed(); k = next_k(k, total)) {
		unsigned long failed0;
		struct dmpt pt;
		u64 ret = 0;
		int err = 0;

		if (!tl_init(&pt, cur_fmt))
			break;
		sc->setup(&pt, win_base);
		model_snapshot(&before, &pt);
		failed0 = dmpt_shim_nr_failed;
		dmpt_shim_fail_countdown = k;
		ret = run_op(sc, &pt, start, end, level, e, n, &err);
		dmpt_shim_fail_countdown = -1;
		done = dmpt_shim_nr_failed == failed0;
		failures += !done;
		CHECK_EQ(dmpt_check(&pt), 0);
		model_snapshot(&after, &pt);
		if (sc->op == 0) {
			CHECK_EQ(err, done ? 0 : -ENOMEM);
			CHECK(verify_map(&before, &after, start, level, e, n,
					 !done));
		} else {
			CHECK(verify_edit(&before, &after, start & ~(small - 1),
					  (end + small - 1) & ~(small - 1),
					  sc->op == 1, ret));
		}
		/* Clearing after a failure still prunes everything. */
		dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL);
		tl_fini_nowait(&pt);
		if (tap_failed())
			printf("# %s: failing allocation %lu\n", sc->name, k);
	}
	printf("# %s: %lu allocations, %lu of them failed in turn\n", sc->name,
	       total, failures);
	/* Every scenario needs allocations, so injection had work to do. */
	CHECK(failures > 0);
	tl_check_no_leaks();
	free(e);
	model_fini(&before);
	model_fini(&after);
}

static void test_init_fails_cleanly(void *arg)
{
	unsigned long k;
	struct dmpt pt;

	for (k = 0; k < 2; k++) {
		dmpt_shim_fail_countdown = k;
		CHECK_EQ(dmpt_init(&pt, cur_fmt), -ENOMEM);
		dmpt_shim_fail_countdown = -1;
		rcu_barrier();
		CHECK_EQ(dmpt_shim_live, 0);
	}
	dmpt_shim_fail_countdown = 2;
	CHECK_EQ(dmpt_init(&pt, cur_fmt), 0);
	dmpt_shim_fail_countdown = -1;
	tl_fini(&pt);
}

struct failinj_format {
	const char *name;
	const struct dmpt_format *fmt;
	u64 base;
	u64 size;
};

static const struct failinj_format formats[] = {
	/* A window straddling a 512 GiB root-slot boundary, 2 GiB leaves max. */
	{ "x86_64", &dmpt_format_x86_64, (512ULL << 30) - (2ULL << 30),
	  4ULL << 30 },
	{ "tiny_gappy", &fmt_tiny_gappy, 0, 1ULL << 22 },
	{ "arm64_64k", &fmt_arm64_64k, 1ULL << 40, 2ULL << 30 },
	{ "x86_sparse", &fmt_x86_sparse, 0, 2ULL << 30 },
};

int main(int argc, char **argv)
{
	unsigned int f, s;
	char name[128];

	tap_init(argc, argv, "unit.");
	rcu_register_thread();
	for (f = 0; f < ARRAY_SIZE(formats); f++) {
		cur_fmt = formats[f].fmt;
		win_base = formats[f].base;
		win_size = formats[f].size;
		snprintf(name, sizeof(name), "failinj_init_%s",
			 formats[f].name);
		tap_run(name, test_init_fails_cleanly, NULL);
		for (s = 0; s < ARRAY_SIZE(scenarios); s++) {
			snprintf(name, sizeof(name), "failinj_%s_%s",
				 scenarios[s].name, formats[f].name);
			tap_run(name, test_scenario, (void *)&scenarios[s]);
		}
	}
	rcu_unregister_thread();
	return tap_done();
}
