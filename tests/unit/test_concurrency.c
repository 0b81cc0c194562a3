// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: reader threads doing lock-free lookups and walks under
 * rcu_read_lock() (liburcu, real grace periods) while one writer maps,
 * protects, clears, splits and prunes the same range. Every leaf the writer
 * installs maps the identity frame (frame = address >> 12), so a reader can
 * verify any entry it sees: right frame for its level, a leaf level, known
 * flags. Directories freed too early show up as use-after-free under ASan
 * (or as races under TSan); --unsafe-free frees without a grace period to
 * prove that this test catches it.
 *
 * Options: --seed N, --ops-scale F, --tag T, --unsafe-free.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#define NR_READERS 3
#define READER_MIN_LOOKUPS 20000

static const u64 allowed_flags = DMPT_VALID | DMPT_WRITE | DMPT_DIRTY |
				 DMPT_DRV2;

/**
 * struct conc - Shared state of one concurrency run.
 * @pt: The table.
 * @fmt: Its format.
 * @base: Window start.
 * @size: Window size.
 * @writer_done: Set by the writer when it has finished.
 * @readers_ready: Readers that have registered with RCU.
 * @bad: Inconsistent observations by readers.
 * @lookups: Lookups done by all readers.
 * @valid_seen: Valid entries seen by all readers.
 * @runs_seen: Runs reported to readers' walks.
 * @seed: PRNG seed.
 */
struct conc {
	struct dmpt pt;
	const struct dmpt_format *fmt;
	u64 base;
	u64 size;
	int writer_done;
	int readers_ready;
	unsigned long bad;
	unsigned long lookups;
	unsigned long valid_seen;
	unsigned long runs_seen;
	u64 seed;
};

static bool entry_plausible(const struct conc *c, u64 addr, dmpt_entry_t e,
			    unsigned int level, unsigned int touched)
{
	u64 size;

	if (!dmpt_entry_valid(e))
		return !e.val;
	if (level >= c->fmt->nlevels || !(c->fmt->leaf_levels & (1U << level)))
		return false;
	size = dmpt_level_size(c->fmt, level);
	return dmpt_entry_pfn(e) == (addr & ~(size - 1)) >> DMPT_PFN_SHIFT &&
	       !(dmpt_entry_flags(e) & ~allowed_flags) &&
	       touched == c->fmt->nlevels - level;
}

struct reader_walk {
	const struct conc *c;
	unsigned long bad;
	unsigned long runs;
};

static int reader_walk_cb(const struct dmpt_run *r, void *arg)
{
	struct reader_walk *rw = arg;
	const struct dmpt_format *fmt = rw->c->fmt;
	u64 size;

	rw->runs++;
	if (r->level >= fmt->nlevels || !r->count) {
		rw->bad++;
		return 0;
	}
	size = dmpt_level_size(fmt, r->level);
	if (dmpt_entry_pfn(r->first) !=
		    (r->start & ~(size - 1)) >> DMPT_PFN_SHIFT ||
	    !(r->first.val & DMPT_VALID))
		rw->bad++;
	return 0;
}

static void *reader(void *arg)
{
	struct conc *c = arg;
	unsigned long lookups = 0, valid = 0, bad = 0, i;
	u64 rng = c->seed ^ (u64)(uintptr_t)&lookups;
	struct reader_walk rw = { .c = c };

	rcu_register_thread();
	__atomic_fetch_add(&c->readers_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&c->writer_done, __ATOMIC_ACQUIRE) ||
	       lookups < READER_MIN_LOOKUPS) {
		/* Sometimes a long read-side section spanning many lookups. */
		unsigned long batch = tl_rand_below(&rng, 8) ? 1 : 64;

		rcu_read_lock();
		for (i = 0; i < batch; i++) {
			u64 addr = c->base + tl_rand_below(&rng, c->size);
			unsigned int level = 0, touched = 0;
			dmpt_entry_t e;

			e = dmpt_lookup(&c->pt, addr, &level, &touched);
			lookups++;
			valid += dmpt_entry_valid(e);
			if (!entry_plausible(c, addr, e, level, touched)) {
				if (bad++ < 5)
					printf("# %s: 0x%llx -> 0x%llx level %u touched %u\n",
					       __func__,
					       (unsigned long long)addr,
					       (unsigned long long)e.val, level,
					       touched);
			}
		}
		if (!tl_rand_below(&rng, 256)) {
			u64 a = c->base + tl_rand_below(&rng, c->size);

			dmpt_walk(&c->pt, a,
				  a + tl_rand_below(&rng, c->size / 8),
				  reader_walk_cb, &rw);
		}
		rcu_read_unlock();
	}
	rcu_unregister_thread();
	__atomic_fetch_add(&c->lookups, lookups, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->valid_seen, valid, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->bad, bad + rw.bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->runs_seen, rw.runs, __ATOMIC_RELAXED);
	return NULL;
}

static void writer_step(struct conc *c, u64 *rng, dmpt_entry_t *batch)
{
	const struct dmpt_format *fmt = c->fmt;
	unsigned int op = tl_rand_below(rng, 100), level;
	u64 size, slots, first, n, i, len, start;
	static const u64 wflags[] = { 0, DMPT_WRITE, DMPT_WRITE | DMPT_DIRTY,
				      DMPT_DRV2 };
	u64 flags = wflags[tl_rand_below(rng, 4)] | DMPT_VALID;

	if (op < 50) {
		do
			level = tl_rand_below(rng, 3);
		while (!(fmt->leaf_levels & (1U << level)) ||
		       dmpt_level_size(fmt, level) > c->size);
		size = dmpt_level_size(fmt, level);
		slots = c->size / size;
		n = level ? 1 + tl_rand_below(rng, 2) :
			    1 + tl_rand_below(rng, 512);
		if (n > slots)
			n = slots;
		first = tl_rand_below(rng, slots - n + 1);
		start = c->base + first * size;
		for (i = 0; i < n; i++) {
			u64 pfn = (start + i * size) >> DMPT_PFN_SHIFT;

			batch[i] = dmpt_entry_make(pfn, flags);
		}
		CHECK_EQ(dmpt_map(&c->pt, start, level, batch, n, GFP_KERNEL),
			 0);
		return;
	}
	len = 1 + tl_rand_below(rng, 1ULL << tl_rand_below(rng, 31));
	if (len > c->size)
		len = c->size;
	start = c->base + tl_rand_below(rng, c->size - len + 1);
	if (op < 85)
		dmpt_clear(&c->pt, start, start + len, GFP_NOWAIT);
	else
		dmpt_protect(&c->pt, start, start + len,
			     DMPT_WRITE | DMPT_DIRTY,
			     wflags[tl_rand_below(rng, 4)], GFP_NOWAIT);
}

static unsigned long conc_ops = 200000;

static void run_conc(struct conc *c)
{
	pthread_t threads[NR_READERS];
	dmpt_entry_t *batch = calloc(512, sizeof(*batch));
	u64 rng = c->seed;
	unsigned long i;
	int t;

	if (!batch || !tl_init(&c->pt, c->fmt)) {
		CHECK(0);
		free(batch);
		return;
	}
	for (t = 0; t < NR_READERS; t++)
		CHECK_EQ(pthread_create(&threads[t], NULL, reader, c), 0);
	while (__atomic_load_n(&c->readers_ready, __ATOMIC_ACQUIRE) <
	       NR_READERS)
		sched_yield();
	for (i = 0; i < conc_ops; i++) {
		writer_step(c, &rng, batch);
		if (i % 1024 == 0)
			synchronize_rcu();
	}
	__atomic_store_n(&c->writer_done, 1, __ATOMIC_RELEASE);
	for (t = 0; t < NR_READERS; t++)
		pthread_join(threads[t], NULL);
	printf("# %lu writer ops, %lu lookups (%lu valid), %lu walk runs, %lu bad\n",
	       conc_ops, c->lookups, c->valid_seen, c->runs_seen, c->bad);
	CHECK_EQ(c->bad, 0);
	CHECK(c->lookups >= NR_READERS * READER_MIN_LOOKUPS);
	dmpt_clear(&c->pt, 0, ~0ULL, GFP_KERNEL);
	tl_fini(&c->pt);
	free(batch);
}

static u64 conc_seed;

static void test_conc_tiny(void *arg)
{
	struct conc c = { .fmt = &fmt_tiny,
			  .base = 0,
			  .size = 1ULL << 24,
			  .seed = conc_seed };

	run_conc(&c);
}

static void test_conc_x86(void *arg)
{
	struct conc c = { .fmt = &dmpt_format_x86_64,
			  .base = (512ULL << 30) - (1ULL << 30),
			  .size = 2ULL << 30,
			  .seed = conc_seed + 1 };

	run_conc(&c);
}

static void test_conc_gappy(void *arg)
{
	struct conc c = { .fmt = &fmt_tiny_gappy,
			  .base = 0,
			  .size = 1ULL << 22,
			  .seed = conc_seed + 2 };

	run_conc(&c);
}

int main(int argc, char **argv)
{
	double scale;
	int i;

	tap_init(argc, argv, "unit.");
	rcu_register_thread();
	conc_seed = tl_seed(argc, argv);
	scale = tl_arg_double(argc, argv, "--ops-scale", "DMPT_CONC_SCALE",
			      1.0);
	conc_ops = (unsigned long)(conc_ops * scale);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--unsafe-free"))
			dmpt_shim_unsafe_free = true;
	printf("# concurrency: seed %llu, %d readers, %lu writer ops per run%s\n",
	       (unsigned long long)conc_seed, NR_READERS, conc_ops,
	       dmpt_shim_unsafe_free ? ", UNSAFE immediate frees" : "");
	tap_run("concurrency_lookups_consistent_tiny", test_conc_tiny, NULL);
	tap_run("concurrency_lookups_consistent_tiny_gappy", test_conc_gappy,
		NULL);
	tap_run("concurrency_lookups_consistent_x86_64", test_conc_x86, NULL);
	rcu_unregister_thread();
	return tap_done();
}
