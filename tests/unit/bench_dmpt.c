// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmark of the mirror table (userspace build): populate, lookup
 * and clear of 1 GiB mirrored with 4 KiB leaves and with 2 MiB leaves on the
 * x86-64 format, in millions of entries per second (median of --reps runs,
 * default 5), plus the table's memory per GiB mirrored and whether clearing
 * everything leaves only the root. It measures; it asserts nothing.
 *
 * populate = one dmpt_map() of the whole GiB (frames consecutive);
 * lookup   = one dmpt_lookup() per leaf, each in its own rcu_read_lock();
 * clear    = one dmpt_clear() of the whole GiB (pruning included).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

#define GIB BIT_ULL(30)
#define BASE (5ULL << 40) /* a 1 GiB-aligned GiB in a fresh root slot */
#define MAX_REPS 99

/**
 * struct bench_case - One row of the table.
 * @name: Leaf size label.
 * @level: Leaf level on x86-64 (level 0 = leaf).
 * @iters: Populate/lookup/clear cycles per repetition, so that each
 *	repetition handles enough entries to time.
 */
struct bench_case {
	const char *name;
	unsigned int level;
	unsigned int iters;
};

static const struct bench_case cases[] = {
	{ "4 KiB", 0, 4 },
	{ "2 MiB", 1, 4096 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int reps =
		(int)tl_arg_double(argc, argv, "--reps", "DMPT_BENCH_REPS", 5);
	const struct dmpt_format *fmt = &dmpt_format_x86_64;
	unsigned int c;

	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	rcu_register_thread();
	printf("devmirror mirror table (mirror/dmpt) benchmark: x86-64 4-level format,\n"
	       "userspace build (gcc -O2, liburcu memb)\n");
	printf("1 GiB mirrored at 0x%llx, median of %d repetitions; rates in M entries/s\n\n",
	       (unsigned long long)BASE, reps);
	printf("%-6s %8s %10s %10s %10s %12s %14s %10s\n", "leaf", "entries",
	       "populate", "lookup", "clear", "bytes", "per GiB", "root-only");
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		const struct bench_case *bc = &cases[c];
		u64 size = dmpt_level_size(fmt, bc->level), n = GIB / size, i;
		double pop[MAX_REPS], look[MAX_REPS], clr[MAX_REPS];
		dmpt_entry_t *e = calloc(n, sizeof(*e));
		u64 bytes = 0, root_bytes = 0;
		bool root_only = true;
		char per_gib[32];
		int r;

		if (!e)
			return 1;
		for (i = 0; i < n; i++)
			e[i] = dmpt_entry_make((BASE + i * size) >>
						       DMPT_PFN_SHIFT,
					       DMPT_VALID | DMPT_WRITE);
		for (r = 0; r < reps; r++) {
			double tp = 0, tl = 0, tc = 0, t0, t1;
			struct dmpt_stats st;
			unsigned int it, l;
			struct dmpt pt;

			if (dmpt_init(&pt, fmt))
				return 1;
			dmpt_get_stats(&pt, &st);
			root_bytes = st.bytes;
			for (it = 0; it < bc->iters; it++) {
				u64 acc = 0;

				t0 = now();
				if (dmpt_map(&pt, BASE, bc->level, e, n,
					     GFP_KERNEL))
					return 1;
				t1 = now();
				tp += t1 - t0;
				if (!it) {
					dmpt_get_stats(&pt, &st);
					bytes = st.bytes;
				}
				t0 = now();
				for (i = 0; i < n; i++) {
					rcu_read_lock();
					acc += dmpt_lookup(&pt, BASE + i * size,
							   NULL, NULL)
						       .val;
					rcu_read_unlock();
				}
				t1 = now();
				if (acc == 1) /* keep the lookups; never true */
					root_only = false;
				tl += t1 - t0;
				t0 = now();
				dmpt_clear(&pt, BASE, BASE + GIB, GFP_KERNEL);
				t1 = now();
				tc += t1 - t0;
				dmpt_get_stats(&pt, &st);
				for (l = 0; l < fmt->nlevels; l++)
					if (st.dirs[l] !=
						    (l == fmt->nlevels - 1) ||
					    st.entries[l])
						root_only = false;
				root_only &= st.bytes == root_bytes;
			}
			dmpt_fini(&pt);
			rcu_barrier();
			pop[r] = n * (double)bc->iters / tp / 1e6;
			look[r] = n * (double)bc->iters / tl / 1e6;
			clr[r] = n * (double)bc->iters / tc / 1e6;
		}
		if (bc->level)
			snprintf(per_gib, sizeof(per_gib), "%.2f KiB",
				 bytes / 1024.0);
		else
			snprintf(per_gib, sizeof(per_gib), "%.4f MiB",
				 bytes / 1048576.0);
		printf("%-6s %8llu %10.1f %10.1f %10.1f %12llu %14s %10s\n",
		       bc->name, (unsigned long long)n, median(pop, reps),
		       median(look, reps), median(clr, reps),
		       (unsigned long long)bytes, per_gib,
		       root_only ? "yes" : "NO");
		free(e);
	}
	printf("\nbytes: directories (32-byte metadata + slot array each) while 1 GiB is mapped,\n"
	       "root included; goals: <= 2.05 MiB per GiB with 4 KiB leaves, <= 16 KiB with\n"
	       "2 MiB leaves, root only after clearing everything.\n");
	rcu_unregister_thread();
	return 0;
}
