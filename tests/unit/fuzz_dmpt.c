// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a format selector followed by a sequence of
 * operations (map with optional holes, clear, protect, walk check, and
 * "fail the k-th allocation of the next operation"). Every operation is
 * mirrored on the reference model and followed by dmpt_check() and a
 * comparison of its range; the input ends with a full comparison and a
 * clear-all that must leave only the root. Any mismatch aborts.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined for fuzzing, and
 * with fuzz_replay.c (any compiler) to replay the seed corpus in tests.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"

/**
 * struct fuzz_target - A format and the small window the fuzzer works in.
 * @fmt: Format.
 * @base: Window start (near interesting boundaries).
 * @size: Window size (small: the model is reset for every input).
 * @max_level: Largest map level used (huge leaves must fit the window).
 */
struct fuzz_target {
	const struct dmpt_format *fmt;
	u64 base;
	u64 size;
	unsigned int max_level;
};

static const struct fuzz_target targets[] = {
	{ &fmt_tiny, 0, 1ULL << 24, 3 },
	{ &fmt_tiny_gappy, 0, 1ULL << 22, 3 },
	/* Four 2 MiB leaves around a 1 GiB boundary. */
	{ &dmpt_format_x86_64, (1ULL << 30) - (4ULL << 20), 8ULL << 20, 1 },
	/* The last 8 MiB of the 48-bit span. */
	{ &dmpt_format_x86_64, (1ULL << 48) - (8ULL << 20), 8ULL << 20, 1 },
	/* 64 KiB leaves around a 512 MiB boundary. */
	{ &fmt_arm64_64k, (512ULL << 20) - (2ULL << 20), 4ULL << 20, 0 },
};

#define NR_TARGETS ARRAY_SIZE(targets)

static struct model models[NR_TARGETS];
static dmpt_entry_t batch[256];

#define FUZZ_ASSERT(cond)                                              \
	do {                                                           \
		if (!(cond)) {                                         \
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                      \
			abort();                                       \
		}                                                      \
	} while (0)

struct input {
	const u8 *p;
	size_t n;
};

static u64 take(struct input *in, unsigned int bytes)
{
	u64 v = 0;

	while (bytes--) {
		v <<= 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

static u64 fuzz_flags(u8 b)
{
	return (b & 0x1f & ~DMPT_VALID) | ((u64)(b >> 5) << 8);
}

/* Byte range inside the window from 6 input bytes (2^20 positions each). */
static void fuzz_range(struct input *in, const struct model *m, u64 *s, u64 *e)
{
	u64 gran = m->size >> 20 ? m->size >> 20 : 1;
	u64 off = (take(in, 3) & ((1 << 20) - 1)) * gran % m->size;
	u64 len = 1 + (take(in, 3) & ((1 << 20) - 1)) * gran % (m->size - off);

	*s = m->base + off;
	*e = *s + len;
}

static void check_range(struct model *m, struct dmpt *pt, u64 s, u64 e)
{
	u64 unit = 1ULL << m->ushift, a;

	s &= ~(unit - 1);
	if (s >= m->base + unit)
		s -= unit;
	e = (e + unit - 1) & ~(unit - 1);
	if (e < m->base + m->size)
		e += unit;
	/* Large ranges: both ends densely, the middle sparsely. */
	for (a = s; a < e; a += unit) {
		if (a >= s + 64 * unit && a + 64 * unit < e)
			a += 61 * unit;
		FUZZ_ASSERT(model_check_addr(m, pt, a));
	}
}

static void fuzz_map(struct input *in, struct model *m, struct dmpt *pt,
		     const struct fuzz_target *t, u8 op, bool inject)
{
	unsigned int level = take(in, 1) % (t->max_level + 1);
	u64 size, slots, n, first, i, pages, pfn, start;
	u8 holes, flags;
	int err;

	if (!(t->fmt->leaf_levels & (1U << level)))
		level = 0;
	size = dmpt_level_size(t->fmt, level);
	pages = size >> DMPT_PFN_SHIFT;
	slots = m->size / size;
	n = 1 + take(in, 1) % (slots < 256 ? slots : 256);
	first = take(in, 2) % (slots - n + 1);
	flags = take(in, 1);
	pfn = take(in, 2) * pages;
	holes = op & 0x80 ? take(in, 1) : 0;
	for (i = 0; i < n; i++) {
		bool valid = !((holes >> (i % 8)) & 1);
		u64 f = valid ? fuzz_flags(flags) | DMPT_VALID : 0;

		batch[i] = dmpt_entry_make(pfn + i * pages, f);
	}
	start = m->base + first * size;
	err = dmpt_map(pt, start, level, batch, n, GFP_KERNEL);
	if (inject) {
		FUZZ_ASSERT(err == 0 || err == -ENOMEM);
		return;
	}
	FUZZ_ASSERT(err == 0);
	model_map(m, start, level, batch, n);
	check_range(m, pt, start, start + n * size);
}

static void fuzz_edit(struct input *in, struct model *m, struct dmpt *pt,
		      bool unmap, bool inject)
{
	u64 s, e, clear = 0, set = 0, got, want;

	fuzz_range(in, m, &s, &e);
	if (!unmap) {
		clear = fuzz_flags(take(in, 1));
		set = fuzz_flags(take(in, 1));
	}
	got = unmap ? dmpt_clear(pt, s, e, GFP_NOWAIT) :
		      dmpt_protect(pt, s, e, clear, set, GFP_NOWAIT);
	if (inject)
		return;
	want = model_edit(m, s, e, unmap, clear, set);
	FUZZ_ASSERT(got == want);
	check_range(m, pt, s, e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i;

	rcu_register_thread();
	/*
	 * Single-threaded, no lock-free readers: free directories at once
	 * instead of after a grace period, so that ASan sees any later use
	 * by the writer itself and libFuzzer's per-input leak check balances.
	 */
	dmpt_shim_unsafe_free = true;
	for (i = 0; i < NR_TARGETS; i++)
		FUZZ_ASSERT(!model_init(&models[i], targets[i].fmt,
					targets[i].base, targets[i].size));
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { .p = data, .n = size };
	const struct fuzz_target *t;
	unsigned int which, l, ops = 0;
	struct dmpt_stats st;
	struct model *m;
	struct dmpt pt;
	bool inject = false;

	if (!size)
		return 0;
	which = take(&in, 1) % NR_TARGETS;
	t = &targets[which];
	m = &models[which];
	model_reset(m);
	FUZZ_ASSERT(dmpt_init(&pt, t->fmt) == 0);
	while (in.n && ops++ < 64) {
		u8 op = take(&in, 1);
		u64 s, e;

		switch (op % 5) {
		case 0:
			fuzz_map(&in, m, &pt, t, op, inject);
			break;
		case 1:
			fuzz_edit(&in, m, &pt, true, inject);
			break;
		case 2:
			fuzz_edit(&in, m, &pt, false, inject);
			break;
		case 3:
			fuzz_range(&in, m, &s, &e);
			FUZZ_ASSERT(model_check_walk(m, &pt, s, e));
			break;
		case 4:
			/* Fail the k-th allocation of the next operation. */
			dmpt_shim_fail_countdown = take(&in, 1) % 16;
			inject = true;
			FUZZ_ASSERT(dmpt_check(&pt) == 0);
			continue;
		}
		if (inject) {
			/* Outcome depends on where it failed: resync. */
			dmpt_shim_fail_countdown = -1;
			inject = false;
			model_snapshot(m, &pt);
		}
		FUZZ_ASSERT(dmpt_check(&pt) == 0);
	}
	dmpt_shim_fail_countdown = -1;
	FUZZ_ASSERT(model_check_all(m, &pt));
	dmpt_clear(&pt, 0, ~0ULL, GFP_KERNEL);
	dmpt_get_stats(&pt, &st);
	for (l = 0; l < DMPT_MAX_LEVELS; l++) {
		FUZZ_ASSERT(st.dirs[l] == (l == t->fmt->nlevels - 1));
		FUZZ_ASSERT(st.entries[l] == 0);
	}
	FUZZ_ASSERT(dmpt_check(&pt) == 0);
	dmpt_fini(&pt);
	return 0;
}
