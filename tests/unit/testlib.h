/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the mirror unit tests: the formats every test runs on,
 * table setup and teardown with leak checks, a seeded PRNG.
 */
#ifndef _DMPT_TESTLIB_H
#define _DMPT_TESTLIB_H

#include "dmpt_priv.h"
#include "tap.h"

/**
 * struct test_format - A named format the tests exercise.
 * @name: Suffix used in test names.
 * @fmt: The format.
 */
struct test_format {
	const char *name;
	const struct dmpt_format *fmt;
};

extern const struct dmpt_format
	fmt_x86_64_5level; /* 5 levels, 57 bits, leaves 0-2 */
extern const struct dmpt_format
	fmt_arm64_64k; /* 3 levels, 64 KiB leaves, 48 bits */
extern const struct dmpt_format fmt_x86_sparse; /* x86-64 without 2 MiB leaves */
extern const struct dmpt_format
	fmt_tiny; /* 4 levels x 3 bits, leaves everywhere */
extern const struct dmpt_format
	fmt_tiny_gappy; /* 5 levels x 2 bits, leaves 0, 2, 3 */

extern const struct test_format test_formats[];
extern const unsigned int nr_test_formats;

/**
 * tl_init() - dmpt_init() that records a test failure on error.
 * @pt: Table.
 * @fmt: Format.
 *
 * Context: Test thread.
 * Return: True on success.
 */
bool tl_init(struct dmpt *pt, const struct dmpt_format *fmt);

/**
 * tl_fini() - Check, tear down and verify that nothing leaked.
 * @pt: Table initialised by tl_init().
 *
 * Runs dmpt_check(), dmpt_fini(), rcu_barrier() and checks that every shim
 * allocation was freed.
 *
 * Context: Test thread; no other table may be alive.
 */
void tl_fini(struct dmpt *pt);

/**
 * tl_fini_nowait() - tl_fini() without waiting for the deferred frees.
 * @pt: Table initialised by tl_init().
 *
 * For loops that tear down many tables: liburcu's rcu_barrier() costs about
 * 10 ms. Call tl_check_no_leaks() once afterwards.
 *
 * Context: Test thread.
 */
void tl_fini_nowait(struct dmpt *pt);

/**
 * tl_check_no_leaks() - rcu_barrier(), then check every allocation is freed.
 *
 * Context: Test thread; no table may be alive.
 */
void tl_check_no_leaks(void);

/**
 * tl_top_leaf_level() - Largest level that may hold a leaf.
 * @fmt: Format.
 *
 * Context: Any.
 * Return: The level (level 0 = leaf).
 */
unsigned int tl_top_leaf_level(const struct dmpt_format *fmt);

/**
 * tl_next_leaf_level_below() - Largest leaf level below @level.
 * @fmt: Format.
 * @level: A level > 0.
 *
 * Context: Any.
 * Return: The level (level 0 = leaf; always exists).
 */
unsigned int tl_next_leaf_level_below(const struct dmpt_format *fmt,
				      unsigned int level);

/**
 * tl_map1() - Map one leaf, recording a failure if dmpt_map() fails.
 * @pt: Table.
 * @addr: Leaf address.
 * @level: Leaf level (level 0 = leaf).
 * @pfn: Frame.
 * @flags: Flags (DMPT_VALID is added).
 *
 * Context: Test thread.
 */
void tl_map1(struct dmpt *pt, u64 addr, unsigned int level, u64 pfn, u64 flags);

/**
 * tl_rand() - splitmix64 step.
 * @state: PRNG state.
 *
 * Context: Any.
 * Return: 64 random bits.
 */
u64 tl_rand(u64 *state);

/**
 * tl_rand_below() - Random number in [0, @n).
 * @state: PRNG state.
 * @n: Bound, > 0.
 *
 * Context: Any.
 * Return: The number.
 */
u64 tl_rand_below(u64 *state, u64 n);

/**
 * tl_seed() - Seed from --seed N or DMPT_SEED, else from the clock.
 * @argc: From main().
 * @argv: From main().
 *
 * Context: main().
 * Return: The seed (print it so that a failure can be replayed).
 */
u64 tl_seed(int argc, char **argv);

/**
 * tl_arg_double() - Numeric option "--NAME VALUE" or environment variable.
 * @argc: From main().
 * @argv: From main().
 * @opt: Option name including the dashes.
 * @env: Environment variable consulted when the option is absent.
 * @def: Default.
 *
 * Context: main().
 * Return: The value.
 */
double tl_arg_double(int argc, char **argv, const char *opt, const char *env,
		     double def);

#endif /* _DMPT_TESTLIB_H */
