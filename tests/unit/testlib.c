// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the mirror unit tests, see testlib.h.
 */
#include <string.h>
#include <time.h>

#include "testlib.h"

/* A WARN_ON_ONCE() in mirror/ fails the running test (tap_run()). */
unsigned long tap_warnings(void)
{
	return __atomic_load_n(&dmpt_shim_warnings, __ATOMIC_RELAXED);
}

const struct dmpt_format fmt_x86_64_5level = {
	.nlevels = 5,
	.shift = { 12, 21, 30, 39, 48 },
	.bits = { 9, 9, 9, 9, 9 },
	.leaf_levels = BIT(0) | BIT(1) | BIT(2),
};

const struct dmpt_format fmt_arm64_64k = {
	.nlevels = 3,
	.shift = { 16, 29, 42 },
	.bits = { 13, 13, 6 },
	.leaf_levels = BIT(0) | BIT(1),
};

const struct dmpt_format fmt_x86_sparse = {
	.nlevels = 4,
	.shift = { 12, 21, 30, 39 },
	.bits = { 9, 9, 9, 9 },
	.leaf_levels = BIT(0) | BIT(2),
};

const struct dmpt_format fmt_tiny = {
	.nlevels = 4,
	.shift = { 12, 15, 18, 21 },
	.bits = { 3, 3, 3, 3 },
	.leaf_levels = BIT(0) | BIT(1) | BIT(2) | BIT(3),
};

const struct dmpt_format fmt_tiny_gappy = {
	.nlevels = 5,
	.shift = { 12, 14, 16, 18, 20 },
	.bits = { 2, 2, 2, 2, 2 },
	.leaf_levels = BIT(0) | BIT(2) | BIT(3),
};

const struct test_format test_formats[] = {
	{ "x86_64", &dmpt_format_x86_64 },
	{ "x86_64_5level", &fmt_x86_64_5level },
	{ "arm64_64k", &fmt_arm64_64k },
	{ "x86_sparse", &fmt_x86_sparse },
	{ "tiny", &fmt_tiny },
	{ "tiny_gappy", &fmt_tiny_gappy },
};

const unsigned int nr_test_formats = ARRAY_SIZE(test_formats);

bool tl_init(struct dmpt *pt, const struct dmpt_format *fmt)
{
	int ret = dmpt_init(pt, fmt);

	CHECK_EQ(ret, 0);
	return !ret;
}

void tl_fini_nowait(struct dmpt *pt)
{
	CHECK_EQ(dmpt_check(pt), 0);
	dmpt_fini(pt);
	CHECK(!pt->root);
}

void tl_check_no_leaks(void)
{
	rcu_barrier();
	CHECK_EQ(__atomic_load_n(&dmpt_shim_live, __ATOMIC_RELAXED), 0);
}

void tl_fini(struct dmpt *pt)
{
	tl_fini_nowait(pt);
	tl_check_no_leaks();
}

unsigned int tl_top_leaf_level(const struct dmpt_format *fmt)
{
	unsigned int level = fmt->nlevels - 1;

	while (!(fmt->leaf_levels & (1U << level)))
		level--;
	return level;
}

unsigned int tl_next_leaf_level_below(const struct dmpt_format *fmt,
				      unsigned int level)
{
	do
		level--;
	while (!(fmt->leaf_levels & (1U << level)));
	return level;
}

void tl_map1(struct dmpt *pt, u64 addr, unsigned int level, u64 pfn, u64 flags)
{
	dmpt_entry_t e = dmpt_entry_make(pfn, flags | DMPT_VALID);

	CHECK_EQ(dmpt_map(pt, addr, level, &e, 1, GFP_KERNEL), 0);
}

u64 tl_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u64 tl_rand_below(u64 *state, u64 n)
{
	return tl_rand(state) % n;
}

u64 tl_seed(int argc, char **argv)
{
	const char *s = getenv("DMPT_SEED");
	struct timespec ts;
	int i;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--seed"))
			s = argv[i + 1];
	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * 1000000007ULL ^ (u64)ts.tv_nsec;
}

double tl_arg_double(int argc, char **argv, const char *opt, const char *env,
		     double def)
{
	const char *s = getenv(env);
	int i;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], opt))
			s = argv[i + 1];
	return s && *s ? strtod(s, NULL) : def;
}
