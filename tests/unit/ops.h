/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the per-operation unit tests: each test runs once per
 * format in testlib.c with cur_fmt set.
 */
#ifndef _DMPT_OPS_H
#define _DMPT_OPS_H

#include "testlib.h"

#define FLAGS_RW (DMPT_VALID | DMPT_WRITE)

/* The format the running test uses. */
extern const struct dmpt_format *cur_fmt;

/**
 * struct runs - Runs collected by collect() from dmpt_walk().
 * @r: The first 16 runs.
 * @n: Number of runs reported.
 * @stop_at: Return non-zero (77) from the callback at this run (0: never).
 */
struct runs {
	struct dmpt_run r[16];
	int n;
	int stop_at;
};

/**
 * struct named_test - A test case and its name without "unit.".
 * @name: Name.
 * @fn: Test.
 */
struct named_test {
	const char *name;
	void (*fn)(void *arg);
};

/**
 * slot_addr() - Address of slot @idx at @level in the directory at @base.
 * @base: First address the directory covers.
 * @level: Its level (level 0 = leaf).
 * @idx: Slot index.
 *
 * Context: Test thread.
 * Return: The address.
 */
u64 slot_addr(u64 base, unsigned int level, u64 idx);

/**
 * collect() - dmpt_walk() callback filling a struct runs.
 * @run: The run.
 * @arg: The struct runs.
 *
 * Context: Test thread.
 * Return: 77 when @arg's stop_at is reached, else 0.
 */
int collect(const struct dmpt_run *run, void *arg);

/**
 * check_maps() - Check that @addr is mapped by a leaf at @level with @flags.
 * @pt: Table (of format cur_fmt).
 * @addr: Address.
 * @level: Expected leaf level (level 0 = leaf).
 * @pfn: Expected frame of the 4 KiB page at @addr (the leaf's own frame is
 *	@pfn minus the offset of @addr in the leaf).
 * @flags: Expected flags besides DMPT_VALID.
 *
 * Context: Test thread.
 */
void check_maps(struct dmpt *pt, u64 addr, unsigned int level, u64 pfn,
		u64 flags);

/**
 * check_unmapped() - Check that nothing maps @addr.
 * @pt: Table.
 * @addr: Address.
 *
 * Context: Test thread.
 */
void check_unmapped(struct dmpt *pt, u64 addr);

/**
 * check_root_only() - Check the table holds only its empty root.
 * @pt: Table.
 *
 * Context: Test thread.
 */
void check_root_only(struct dmpt *pt);

/**
 * ops_main() - main() of a per-operation test program.
 * @argc: From main().
 * @argv: From main().
 * @global: Tests run once.
 * @nr_global: Their number.
 * @per_format: Tests run once per format (name suffixed with the format).
 * @nr_per_format: Their number.
 *
 * Context: main().
 * Return: Exit status.
 */
int ops_main(int argc, char **argv, const struct named_test *global,
	     unsigned int nr_global, const struct named_test *per_format,
	     unsigned int nr_per_format);

#endif /* _DMPT_OPS_H */
