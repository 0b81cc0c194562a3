// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of device-write tracking: dmpt_lookup_write() sets %DMPT_DIRTY
 * in writable leaves only, and every update that drops the bit (clear,
 * protect, a split, a subtree replaced or pruned, a leaf of another frame,
 * fini) hands exactly those frames to the written hook, as contiguous runs;
 * plus a race of device writes against clears in which no write may be lost.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

/* Frames a test's hook can log: enough for a 1 GiB leaf. */
#define MAX_FRAMES (1 << 18)
/* Frames the race maps. */
#define RACE_FRAMES 4096

/* What the written hook received, per frame, and how many calls. */
struct written_log {
	u8 got[MAX_FRAMES];
	u64 base;
	unsigned int calls;
	unsigned int outside;
};

static void log_written(void *arg, u64 pfn, u64 npages)
{
	struct written_log *log = arg;
	u64 i;

	log->calls++;
	for (i = 0; i < npages; i++) {
		if (pfn + i < log->base || pfn + i - log->base >= MAX_FRAMES)
			log->outside++;
		else
			log->got[pfn + i - log->base]++;
	}
}

/* Smallest huge leaf level of the format, 0 if it has none. */
static unsigned int huge_level(const struct dmpt_format *fmt)
{
	unsigned int level;

	for (level = 1; level < fmt->nlevels; level++)
		if (fmt->leaf_levels & BIT(level))
			return level;
	return 0;
}

static bool setup(struct dmpt *pt, struct written_log *log, u64 base)
{
	memset(log, 0, sizeof(*log));
	log->base = base;
	if (!tl_init(pt, cur_fmt))
		return false;
	dmpt_set_written_hook(pt, log_written, log);
	return true;
}

/* Device write at @addr: the entry it may write through, or 0. */
static u64 dev_write(struct dmpt *pt, u64 addr)
{
	dmpt_entry_t e;

	rcu_read_lock();
	e = dmpt_lookup_write(pt, addr, NULL, NULL);
	rcu_read_unlock();
	return (e.val & (DMPT_WRITE | DMPT_DIRTY)) == (DMPT_WRITE | DMPT_DIRTY) ?
		       e.val : 0;
}

static u64 flags_at(struct dmpt *pt, u64 addr)
{
	dmpt_entry_t e;

	rcu_read_lock();
	e = dmpt_lookup(pt, addr, NULL, NULL);
	rcu_read_unlock();
	return dmpt_entry_flags(e);
}

/* Frames [first, first + n) reported once each, nothing else. */
static void check_log(const struct written_log *log, u64 first, u64 n)
{
	unsigned int i, bad = 0;

	for (i = 0; i < MAX_FRAMES; i++)
		bad += log->got[i] != (i >= first && i < first + n);
	CHECK_EQ(bad, 0);
	CHECK_EQ(log->outside, 0);
}

static void test_lookup_write_marks_writable_only(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	static struct written_log log;
	struct dmpt pt;

	if (!setup(&pt, &log, 0x100))
		return;
	tl_map1(&pt, 0, 0, 0x100, DMPT_WRITE);
	tl_map1(&pt, small, 0, 0x100 + pg, 0);
	CHECK(dev_write(&pt, 5) != 0);
	CHECK(flags_at(&pt, 0) & DMPT_DIRTY);
	/* Already dirty: the same answer, no second change. */
	CHECK(dev_write(&pt, 0) != 0);
	/* Read-only: no write, no bit. */
	CHECK_EQ(dev_write(&pt, small), 0);
	CHECK(!(flags_at(&pt, small) & DMPT_DIRTY));
	/* Unmapped. */
	CHECK_EQ(dev_write(&pt, 2 * small), 0);
	CHECK_EQ(log.calls, 0);
	dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL);
	check_log(&log, 0, pg);
	tl_fini(&pt);
}

static void test_clear_reports_dirty_runs(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	dmpt_entry_t e[16];
	static struct written_log log;
	struct dmpt pt;
	unsigned int i;

	if (!setup(&pt, &log, 0x1000))
		return;
	for (i = 0; i < 16; i++)
		e[i] = dmpt_entry_make(0x1000 + i * pg, FLAGS_RW);
	CHECK_EQ(dmpt_map(&pt, 0, 0, e, 16, GFP_KERNEL), 0);
	/* Leaves 3..6 written: one contiguous run. */
	for (i = 3; i < 7; i++)
		CHECK(dev_write(&pt, i * small) != 0);
	CHECK_EQ(dmpt_clear(&pt, 0, 16 * small, GFP_KERNEL), 16 * pg);
	check_log(&log, 3 * pg, 4 * pg);
	CHECK_EQ(log.calls, 1);
	tl_fini(&pt);
}

static void test_protect_reports_when_dirty_cleared(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	static struct written_log log;
	struct dmpt pt;

	if (!setup(&pt, &log, 0x2000))
		return;
	tl_map1(&pt, 0, 0, 0x2000, DMPT_WRITE);
	CHECK(dev_write(&pt, 0) != 0);
	/* Other flags change: the write stays recorded in the leaf. */
	dmpt_protect(&pt, 0, small, DMPT_DRV0, DMPT_DRV1, GFP_KERNEL);
	CHECK_EQ(log.calls, 0);
	CHECK(flags_at(&pt, 0) & DMPT_DIRTY);
	/* Write-protect: the bit goes, the frames go to the hook. */
	dmpt_protect(&pt, 0, small, DMPT_WRITE | DMPT_DIRTY, 0, GFP_KERNEL);
	check_log(&log, 0, pg);
	CHECK(!(flags_at(&pt, 0) & (DMPT_DIRTY | DMPT_WRITE)));
	CHECK_EQ(dev_write(&pt, 0), 0);
	tl_fini(&pt);
}

static void test_split_reports_part_in_range(void *arg)
{
	unsigned int level = huge_level(cur_fmt);
	u64 size = dmpt_level_size(cur_fmt, level);
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	u64 pages = size / 4096, pfn = pages; /* frame aligned to the size */
	static struct written_log log;
	struct dmpt pt;

	if (!level || pages > MAX_FRAMES)
		return;
	if (!setup(&pt, &log, pfn))
		return;
	tl_map1(&pt, 0, level, pfn, DMPT_WRITE);
	CHECK(dev_write(&pt, size / 2) != 0);
	/* A hole of one small leaf in the middle. */
	CHECK_EQ(dmpt_clear(&pt, size / 2, size / 2 + small, GFP_KERNEL), pg);
	check_log(&log, pages / 2, pg);
	/* The rest of the huge leaf is still dirty, at smaller sizes. */
	CHECK(flags_at(&pt, 0) & DMPT_DIRTY);
	CHECK(flags_at(&pt, size - 1) & DMPT_DIRTY);
	CHECK_EQ(dmpt_check(&pt), 0);
	memset(log.got, 0, sizeof(log.got));
	dmpt_clear(&pt, 0, size, GFP_KERNEL);
	CHECK_EQ(log.got[pages / 2], 0);
	CHECK_EQ(log.got[0], 1);
	CHECK_EQ(log.got[pages - 1], 1);
	tl_fini(&pt);
}

static void test_map_keeps_or_reports(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	static struct written_log log;
	struct dmpt pt;

	if (!setup(&pt, &log, 0x3000))
		return;
	tl_map1(&pt, 0, 0, 0x3000, DMPT_WRITE);
	CHECK(dev_write(&pt, 0) != 0);
	/* Refault of the same page, writable: still dirty, nothing lost. */
	tl_map1(&pt, 0, 0, 0x3000, DMPT_WRITE);
	CHECK(flags_at(&pt, 0) & DMPT_DIRTY);
	CHECK_EQ(log.calls, 0);
	/* Same page read-only: the write goes to the hook. */
	tl_map1(&pt, 0, 0, 0x3000, 0);
	check_log(&log, 0, pg);
	CHECK(!(flags_at(&pt, 0) & DMPT_DIRTY));
	/* Another frame over a dirty leaf: reported too. */
	tl_map1(&pt, small, 0, 0x3000 + pg, DMPT_WRITE);
	CHECK(dev_write(&pt, small) != 0);
	tl_map1(&pt, small, 0, 0x3000 + 2 * pg, DMPT_WRITE);
	CHECK_EQ(log.got[pg], 1);
	CHECK(!(flags_at(&pt, small) & DMPT_DIRTY));
	tl_fini(&pt);
}

static void test_subtree_replaced_or_pruned_reports(void *arg)
{
	unsigned int level = huge_level(cur_fmt);
	u64 size = dmpt_level_size(cur_fmt, level);
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	u64 pages = size / 4096, i, n = 8;
	dmpt_entry_t e[8];
	static struct written_log log;
	struct dmpt pt;

	if (!level || 2 * pages > MAX_FRAMES)
		return;
	if (!setup(&pt, &log, 0))
		return;
	/* Small dirty leaves, then a huge leaf over their subtree. */
	for (i = 0; i < n; i++)
		e[i] = dmpt_entry_make(i * pg, FLAGS_RW);
	CHECK_EQ(dmpt_map(&pt, 0, 0, e, n, GFP_KERNEL), 0);
	for (i = 0; i < n; i++)
		CHECK(dev_write(&pt, i * small) != 0);
	tl_map1(&pt, 0, level, pages, DMPT_WRITE);
	check_log(&log, 0, n * pg);
	/* Small dirty leaves pruned with their whole subtree. */
	memset(log.got, 0, sizeof(log.got));
	for (i = 0; i < n; i++)
		e[i] = dmpt_entry_make(pages + i * pg, FLAGS_RW);
	CHECK_EQ(dmpt_map(&pt, size, 0, e, n, GFP_KERNEL), 0);
	for (i = 0; i < n; i++)
		CHECK(dev_write(&pt, size + i * small) != 0);
	dmpt_clear(&pt, 0, 2 * size, GFP_KERNEL);
	check_log(&log, pages, n * pg);
	check_root_only(&pt);
	tl_fini(&pt);
}

static void test_fini_reports(void *arg)
{
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	static struct written_log log;
	struct dmpt pt;

	if (!setup(&pt, &log, 0x4000))
		return;
	tl_map1(&pt, 3 * small, 0, 0x4000, DMPT_WRITE);
	CHECK(dev_write(&pt, 3 * small) != 0);
	CHECK_EQ(dmpt_check(&pt), 0);
	dmpt_fini(&pt);
	check_log(&log, 0, pg);
	urcu_memb_barrier();
	tl_check_no_leaks();
}

/*
 * The race: a device thread writes through dmpt_lookup_write() inside a
 * read-side section of an rwlock (the driver's access lock); the update
 * thread maps, clears, then takes the lock for write (the TLB shootdown).
 * After each shootdown, the frames the device wrote in that round and the
 * frames the hook received must be the same set. With @lose the hook drops
 * what it gets, so the check must find writes missing (the test's teeth).
 */
struct race {
	struct dmpt pt;
	pthread_rwlock_t access;
	u64 base;
	u64 size;
	u64 round;
	bool stop;
	bool lose;
	u64 wrote[RACE_FRAMES];
	u64 reported[RACE_FRAMES];
	unsigned long writes;
};

static void race_written(void *arg, u64 pfn, u64 npages)
{
	struct race *r = arg;
	u64 i;

	if (r->lose)
		return;
	for (i = 0; i < npages; i++)
		if (pfn + i - 0x10000 < RACE_FRAMES)
			r->reported[pfn + i - 0x10000] = r->round;
}

static void *race_device(void *arg)
{
	struct race *r = arg;
	u64 rng = 0x9e3779b97f4a7c15ULL;

	rcu_register_thread();
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		u64 addr = r->base + tl_rand_below(&rng, r->size);
		unsigned int level = 0;
		u64 round, val;

		/* The round cannot change while the access lock is held. */
		pthread_rwlock_rdlock(&r->access);
		round = __atomic_load_n(&r->round, __ATOMIC_RELAXED);
		rcu_read_lock();
		val = dmpt_lookup_write(&r->pt, addr, &level, NULL).val;
		rcu_read_unlock();
		if ((val & (DMPT_WRITE | DMPT_DIRTY)) ==
		    (DMPT_WRITE | DMPT_DIRTY)) {
			/* The leaf is dirty as a whole, like a PTE. */
			u64 first = (val >> DMPT_PFN_SHIFT) - 0x10000;
			u64 f, nf = dmpt_level_size(r->pt.fmt, level) >> 12;

			for (f = first; f < first + nf && f < RACE_FRAMES; f++)
				__atomic_store_n(&r->wrote[f], round,
						 __ATOMIC_RELAXED);
			__atomic_fetch_add(&r->writes, 1, __ATOMIC_RELAXED);
		}
		pthread_rwlock_unlock(&r->access);
	}
	rcu_unregister_thread();
	return NULL;
}

static unsigned long race_run(bool lose, unsigned long rounds)
{
	unsigned int level = huge_level(cur_fmt);
	u64 small = dmpt_level_size(cur_fmt, 0), pg = small / 4096;
	u64 n = min(RACE_FRAMES / pg, dmpt_va_end(cur_fmt) / small);
	u64 i, rng = 42, missing = 0, spins;
	struct race *r = calloc(1, sizeof(*r));
	dmpt_entry_t *e = calloc(n, sizeof(*e));
	pthread_t dev;

	if (!r || !e || !tl_init(&r->pt, cur_fmt)) {
		CHECK(0);
		free(r);
		free(e);
		return 0;
	}
	r->lose = lose;
	r->size = n * small;
	dmpt_set_written_hook(&r->pt, race_written, r);
	pthread_rwlock_init(&r->access, NULL);
	for (i = 0; i < n; i++)
		e[i] = dmpt_entry_make(0x10000 + i * pg, FLAGS_RW);
	CHECK_EQ(pthread_create(&dev, NULL, race_device, r), 0);
	r->round = 1;
	while (r->round <= rounds) {
		u64 lo = tl_rand_below(&rng, n);
		u64 hi = lo + tl_rand_below(&rng, n - lo) + 1;
		u64 huge = dmpt_level_size(cur_fmt, level);

		/* Sometimes one huge leaf over the start, split by the clear. */
		if (level && huge / 4096 <= RACE_FRAMES / 2 &&
		    !tl_rand_below(&rng, 4))
			tl_map1(&r->pt, 0, level, 0x10000, DMPT_WRITE);
		else
			CHECK_EQ(dmpt_map(&r->pt, 0, 0, e, n, GFP_KERNEL), 0);
		/* Let the device write into this round's mapping. */
		for (i = __atomic_load_n(&r->writes, __ATOMIC_RELAXED), spins = 0;
		     __atomic_load_n(&r->writes, __ATOMIC_RELAXED) < i + 8 &&
		     spins < 100000; spins++)
			sched_yield();
		dmpt_protect(&r->pt, lo * small, hi * small,
			     DMPT_WRITE | DMPT_DIRTY, 0, GFP_KERNEL);
		dmpt_clear(&r->pt, 0, ~0ULL, GFP_KERNEL);
		/* The shootdown: no write through the old entries after it. */
		pthread_rwlock_wrlock(&r->access);
		for (i = 0; i < RACE_FRAMES; i++)
			missing += (r->wrote[i] == r->round) !=
				   (r->reported[i] == r->round);
		__atomic_store_n(&r->round, r->round + 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&r->access);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	pthread_join(dev, NULL);
	printf("# %s: %lu rounds, %lu device writes, %llu frames mismatched\n",
	       lose ? "lossy hook" : "hook", rounds, r->writes,
	       (unsigned long long)missing);
	if (!lose)
		CHECK_EQ(missing, 0);
	else
		CHECK(missing > 0);
	pthread_rwlock_destroy(&r->access);
	tl_fini(&r->pt);
	free(r);
	free(e);
	return missing;
}

static void test_race_no_write_lost(void *arg)
{
	race_run(false, 400);
}

static void test_race_lossy_hook_caught(void *arg)
{
	race_run(true, 100);
}

static const struct named_test per_format_tests[] = {
	{ "lookup_write_marks_writable_only", test_lookup_write_marks_writable_only },
	{ "clear_reports_dirty_runs", test_clear_reports_dirty_runs },
	{ "protect_reports_when_dirty_cleared", test_protect_reports_when_dirty_cleared },
	{ "split_reports_part_in_range", test_split_reports_part_in_range },
	{ "map_keeps_or_reports", test_map_keeps_or_reports },
	{ "subtree_replaced_or_pruned_reports", test_subtree_replaced_or_pruned_reports },
	{ "fini_reports", test_fini_reports },
	{ "race_no_write_lost", test_race_no_write_lost },
	{ "race_lossy_hook_caught", test_race_lossy_hook_caught },
};

int main(int argc, char **argv)
{
	return ops_main(argc, argv, NULL, 0, per_format_tests,
			ARRAY_SIZE(per_format_tests));
}
