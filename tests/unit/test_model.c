// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized model-based test: millions of random map / clear / protect
 * operations (random ranges, mixed small and huge leaves, sparse batches)
 * applied to a table and to the naive reference in model.c, with
 * dmpt_check() after every step, the step's range and random probes
 * compared after every step, and a full comparison (every unit, a full
 * walk, per-level counts) at intervals and at the end.
 *
 * Options: --seed N (or DMPT_SEED) replays a run; --ops-scale F (or
 * DMPT_MODEL_SCALE) multiplies the operation counts; --tag T names the
 * build.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

/**
 * struct model_run - One configuration of the randomized test.
 * @name: Test name suffix.
 * @fmt: Format.
 * @base: Window start.
 * @size: Window size.
 * @ops: Operations at scale 1.
 */
struct model_run {
	const char *name;
	const struct dmpt_format *fmt;
	u64 base;
	u64 size;
	unsigned long ops;
};

#define GIB BIT_ULL(30)

static const struct model_run runs[] = {
	/* Whole 16 MiB span: every level, root-level leaves, top of space. */
	{ "tiny", &fmt_tiny, 0, 1ULL << 24, 1200000 },
	/* 4 MiB span, 5 levels, leaves only at levels 0, 2 and 3. */
	{ "tiny_gappy", &fmt_tiny_gappy, 0, 1ULL << 22, 800000 },
	/* The top 4 GiB of the 48-bit span. */
	{ "x86_64_top", &dmpt_format_x86_64, (1ULL << 48) - 4 * GIB, 4 * GIB,
	  15000 },
	/* Straddling the first 512 GiB root-slot boundary. */
	{ "x86_64_root_boundary", &dmpt_format_x86_64, 512 * GIB - 2 * GIB,
	  4 * GIB, 15000 },
	/* 64 KiB leaves and 512 MiB huge leaves. */
	{ "arm64_64k", &fmt_arm64_64k, 3ULL << 40, 2 * GIB, 15000 },
	/* 5-level, straddling a 256 TiB level-4 boundary. */
	{ "x86_64_5level", &fmt_x86_64_5level, (1ULL << 48) - 2 * GIB, 4 * GIB,
	  15000 },
	/* No 2 MiB leaves: 1 GiB leaves split straight to 4 KiB. */
	{ "x86_sparse", &fmt_x86_sparse, 7 * GIB, 2 * GIB, 1000 },
};

static u64 flags_random(u64 *rng)
{
	static const u64 pool[] = {
		DMPT_WRITE, DMPT_DEVICE_PRIVATE, DMPT_EXCLUSIVE,
		DMPT_DIRTY, DMPT_DRV0,		 DMPT_DRV3,
	};
	u64 r = tl_rand(rng), f = 0;
	unsigned int i;

	/* Mostly one or two common combinations so that runs can form. */
	if (r & 1)
		return r & 2 ? DMPT_WRITE : 0;
	for (i = 0; i < ARRAY_SIZE(pool); i++)
		if (r & (4ULL << i))
			f |= pool[i];
	return f;
}

/* A level for a map: small leaves most often; huge ones that fit. */
static unsigned int level_random(const struct model *m, u64 *rng)
{
	unsigned int level, top = m->fmt->nlevels - 1, pick;

	for (;;) {
		pick = tl_rand_below(rng, 100);
		level = pick < 60 ? 0 : pick < 85 ? 1 : pick < 96 ? 2 : top;
		if (level > top)
			level = top;
		if (!(m->fmt->leaf_levels & (1U << level)))
			continue;
		if (dmpt_level_size(m->fmt, level) <= m->size)
			return level;
	}
}

/* Length in bytes, log-uniform up to the window. */
static u64 len_random(const struct model *m, u64 *rng)
{
	unsigned int bits = 0;

	while ((2ULL << bits) <= m->size)
		bits++;
	bits = tl_rand_below(rng, bits + 1);
	return 1 + tl_rand_below(rng, 1ULL << bits);
}

/**
 * struct model_stepper - State of one randomized run.
 * @m: Reference model.
 * @pt: Table under test.
 * @rng: PRNG state.
 * @entries: Scratch batch for dmpt_map().
 * @max_batch: Capacity of @entries.
 * @pfn_next: Frame allocator, so that batches often have consecutive frames.
 */
struct model_stepper {
	struct model m;
	struct dmpt pt;
	u64 rng;
	dmpt_entry_t *entries;
	unsigned long max_batch;
	u64 pfn_next;
};

static bool step_map(struct model_stepper *s, u64 *lo, u64 *hi)
{
	struct model *m = &s->m;
	unsigned int level = level_random(m, &s->rng);
	u64 size = dmpt_level_size(m->fmt, level);
	u64 slots = m->size / size, first, n, i, pages = size >> DMPT_PFN_SHIFT;
	u64 flags = flags_random(&s->rng);
	bool sparse = !tl_rand_below(&s->rng, 8);
	int ret;

	n = level ? 1 + tl_rand_below(&s->rng, 4) :
		    1 + tl_rand_below(&s->rng,
				      1ULL << tl_rand_below(&s->rng, 10));
	if (n > slots)
		n = slots;
	if (n > s->max_batch)
		n = s->max_batch;
	first = tl_rand_below(&s->rng, slots - n + 1);
	if (tl_rand_below(&s->rng, 4) == 0)
		s->pfn_next = tl_rand_below(&s->rng, 1ULL << 30);
	s->pfn_next = (s->pfn_next + pages - 1) & ~(pages - 1);
	for (i = 0; i < n; i++) {
		bool valid = !sparse || tl_rand_below(&s->rng, 3);

		s->entries[i] = dmpt_entry_make(s->pfn_next,
						valid ? flags | DMPT_VALID : 0);
		s->pfn_next += pages;
	}
	*lo = m->base + first * size;
	*hi = *lo + n * size;
	ret = dmpt_map(&s->pt, *lo, level, s->entries, n, GFP_KERNEL);
	if (ret) {
		printf("# dmpt_map(0x%llx, level %u, n %llu) = %d\n",
		       (unsigned long long)*lo, level, (unsigned long long)n,
		       ret);
		return false;
	}
	model_map(m, *lo, level, s->entries, n);
	return true;
}

static bool step_edit(struct model_stepper *s, bool unmap, u64 *lo, u64 *hi)
{
	struct model *m = &s->m;
	u64 len = len_random(m, &s->rng);
	u64 start = m->base + tl_rand_below(&s->rng, m->size - len + 1);
	u64 clear = unmap ? 0 : flags_random(&s->rng);
	u64 set = unmap ? 0 : flags_random(&s->rng);
	u64 want, got;

	/* Occasionally include DMPT_VALID: protect must ignore it. */
	if (!unmap && !tl_rand_below(&s->rng, 16))
		clear |= DMPT_VALID;
	if (unmap)
		got = dmpt_clear(&s->pt, start, start + len, GFP_KERNEL);
	else
		got = dmpt_protect(&s->pt, start, start + len, clear, set,
				   GFP_KERNEL);
	want = model_edit(m, start, start + len, unmap, clear, set);
	*lo = start;
	*hi = start + len;
	if (got != want) {
		printf("# %s(0x%llx, 0x%llx) returned %llu pages, model says %llu\n",
		       unmap ? "dmpt_clear" : "dmpt_protect",
		       (unsigned long long)start,
		       (unsigned long long)(start + len),
		       (unsigned long long)got, (unsigned long long)want);
		return false;
	}
	return true;
}

/* Compare the step's range (all of it, or a sample when large). */
static bool check_range(struct model_stepper *s, u64 lo, u64 hi)
{
	struct model *m = &s->m;
	u64 unit = 1ULL << m->ushift, a, n = (hi - lo + unit - 1) / unit;
	unsigned int i;

	/* The range rounded out to units, and one more unit on each side. */
	lo &= ~(unit - 1);
	hi = (hi + unit - 1) & ~(unit - 1);
	if (lo >= m->base + unit)
		lo -= unit;
	if (hi < m->base + m->size)
		hi += unit;
	if (n <= 1024) {
		for (a = lo; a < hi; a += unit)
			if (!model_check_addr(m, &s->pt, a))
				return false;
	} else {
		if (!model_check_addr(m, &s->pt, lo) ||
		    !model_check_addr(m, &s->pt, hi - 1))
			return false;
		for (i = 0; i < 256; i++)
			if (!model_check_addr(m, &s->pt,
					      lo + tl_rand_below(&s->rng,
								 hi - lo)))
				return false;
	}
	for (i = 0; i < 8; i++)
		if (!model_check_addr(m, &s->pt,
				      m->base +
					      tl_rand_below(&s->rng, m->size)))
			return false;
	return true;
}

static u64 model_seed;
static double model_scale = 1.0;
static unsigned long long model_total_ops;

static void test_model_run(void *arg)
{
	const struct model_run *run = arg;
	unsigned long ops = (unsigned long)(run->ops * model_scale), i;
	unsigned long full_every = run->size > (1ULL << 26) ? 20000 : 4096;
	struct model_stepper s = { 0 };
	u64 lo = 0, hi = 0, seed;
	bool ok = true;
	int ret;

	if (ops < 100)
		ops = 100;
	seed = model_seed + (u64)(run - runs);
	s.rng = seed;
	printf("# model %s: seed %llu, %lu operations\n", run->name,
	       (unsigned long long)seed, ops);
	s.max_batch = 1024;
	s.entries = calloc(s.max_batch, sizeof(*s.entries));
	ret = model_init(&s.m, run->fmt, run->base, run->size);
	CHECK(s.entries && !ret);
	if (!s.entries || ret || !tl_init(&s.pt, run->fmt))
		goto out;
	for (i = 0; ok && i < ops; i++) {
		unsigned int op = tl_rand_below(&s.rng, 100);

		if (op < 45)
			ok = step_map(&s, &lo, &hi);
		else if (op < 80)
			ok = step_edit(&s, true, &lo, &hi);
		else
			ok = step_edit(&s, false, &lo, &hi);
		if (ok && dmpt_check(&s.pt)) {
			printf("# dmpt_check() failed\n");
			ok = false;
		}
		if (ok)
			ok = check_range(&s, lo, hi);
		if (ok && !tl_rand_below(&s.rng, 64)) {
			u64 a = s.m.base + tl_rand_below(&s.rng, s.m.size);
			u64 b = a + len_random(&s.m, &s.rng);

			if (b > s.m.base + s.m.size)
				b = s.m.base + s.m.size;
			ok = model_check_walk(&s.m, &s.pt, a, b);
		}
		if (ok && (i + 1) % full_every == 0)
			ok = model_check_all(&s.m, &s.pt);
		if (!ok)
			printf("# model %s: mismatch at operation %lu (seed %llu)\n",
			       run->name, i, (unsigned long long)seed);
	}
	CHECK(ok);
	model_total_ops += i;
	if (ok) {
		struct dmpt_stats st;
		unsigned int l, top = run->fmt->nlevels - 1;

		CHECK(model_check_all(&s.m, &s.pt));
		/* Clearing the whole window leaves only the root. */
		dmpt_clear(&s.pt, run->base, run->base + run->size, GFP_NOWAIT);
		dmpt_get_stats(&s.pt, &st);
		for (l = 0; l < DMPT_MAX_LEVELS; l++) {
			CHECK_EQ(st.dirs[l], l == top);
			CHECK_EQ(st.entries[l], 0);
		}
		CHECK_EQ(st.bytes, dmpt_dir_bytes(run->fmt, top));
		printf("# model %s: %llu splits, %llu directories pruned\n",
		       run->name, (unsigned long long)st.splits,
		       (unsigned long long)st.dirs_pruned);
	}
	tl_fini(&s.pt);
out:
	model_fini(&s.m);
	free(s.entries);
}

int main(int argc, char **argv)
{
	char name[128];
	unsigned int i;

	tap_init(argc, argv, "unit.");
	rcu_register_thread();
	model_seed = tl_seed(argc, argv);
	model_scale = tl_arg_double(argc, argv, "--ops-scale",
				    "DMPT_MODEL_SCALE", 1.0);
	printf("# model: seed %llu (replay with --seed %llu), scale %g\n",
	       (unsigned long long)model_seed, (unsigned long long)model_seed,
	       model_scale);
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		snprintf(name, sizeof(name), "model_matches_reference_%s",
			 runs[i].name);
		tap_run(name, test_model_run, (void *)&runs[i]);
	}
	printf("# model: %llu operations in total\n", model_total_ops);
	rcu_unregister_thread();
	return tap_done();
}
