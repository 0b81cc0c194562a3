// SPDX-License-Identifier: GPL-2.0
/*
 * torture_model.c - the page model of devmirror_torture (see the header).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "torture_model.h"

const char *const tm_prot_names[] = { "unmapped", "none", "ro", "rw" };
const int tm_prot_bits[] = { 0, PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };

void tm_slot_init(struct tm_slot *s, uint8_t *addr, unsigned int npages, int huge)
{
	pthread_rwlockattr_t attr;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->addr = addr;
	s->npages = npages;
	s->huge = huge;
	s->next_gen = 1;
	pthread_mutex_init(&s->map_lock, NULL);
	pthread_mutex_init(&s->state_lock, NULL);
	/* Readers are many: without this, content writers would starve. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->content_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	for (i = 0; i < npages; i++)
		s->pm[i].prot = TM_UNMAPPED;
}

static int gen_in(const struct tm_page *m, uint16_t g)
{
	return m->has_gen && (uint16_t)(g - m->lo) <= (uint16_t)(m->hi - m->lo);
}

int tm_word_ok(const struct tm_page *a, const struct tm_page *b, uint64_t va,
	       uint64_t w)
{
	if (!w)
		return a->zero_ok || b->zero_ok;
	if ((w & TM_ADDR_MASK) != (va & TM_ADDR_MASK) || (w & TM_CHILD))
		return 0;
	return gen_in(a, w >> TM_GEN_SHIFT) || gen_in(b, w >> TM_GEN_SHIFT);
}

unsigned long tm_verify(const struct tm_slot *s, uint64_t va, uint64_t len,
			const uint64_t *buf, const struct tm_page *a,
			const struct tm_page *b, unsigned int p0, uint64_t *first)
{
	uint64_t base = (uintptr_t)s->addr, i, n = len / 8;
	unsigned long bad = 0;

	for (i = 0; i < n; i++, va += 8) {
		unsigned int p = (va - base) / 4096 - p0;

		if (!tm_word_ok(&a[p], &b[p], va, buf[i]) && !bad++)
			*first = i;
	}
	return bad;
}

int tm_all_prot(const struct tm_page *m, unsigned int n, int min)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (m[i].prot < min)
			return 0;
	return 1;
}

void tm_pick_run(const struct tm_slot *s, struct dm_rng *rng, unsigned int *p0,
		 unsigned int *n)
{
	unsigned int max;

	if (dm_rng_percent(rng, 30)) {
		*p0 = 0;
		*n = s->npages;
		return;
	}
	*p0 = dm_rng_below(rng, s->npages);
	max = s->npages - *p0 < 64 ? s->npages - *p0 : 64;
	*n = 1 + dm_rng_below(rng, max);
}

int tm_pick_mapped(const struct tm_slot *s, struct dm_rng *rng, unsigned int *p0,
		   unsigned int *n)
{
	unsigned int start = dm_rng_below(rng, s->npages), i, p, max;

	for (i = 0; i < s->npages; i++) {
		p = (start + i) % s->npages;
		if (s->pm[p].prot == TM_UNMAPPED)
			continue;
		max = 1 + dm_rng_below(rng, 64);
		for (*n = 0; p + *n < s->npages && *n < max &&
		     s->pm[p + *n].prot != TM_UNMAPPED; (*n)++)
			;
		*p0 = p;
		return 1;
	}
	return 0;
}

int tm_fork_snap(struct tm_slot *s, struct tm_page *out)
{
	int ok = 0;

	/* Held by a thread that does not exist in the child: unusable. */
	if (pthread_mutex_trylock(&s->state_lock))
		return 0;
	if (!(s->seq & 1) && !s->writing) {
		memcpy(out, s->pm, s->npages * sizeof(s->pm[0]));
		ok = 1;
	}
	pthread_mutex_unlock(&s->state_lock);
	return ok;
}

void tm_snap(struct tm_slot *s, unsigned int p0, unsigned int n,
	     struct tm_page *out, uint64_t *seq)
{
	pthread_mutex_lock(&s->state_lock);
	*seq = s->seq;
	memcpy(out, &s->pm[p0], n * sizeof(*out));
	pthread_mutex_unlock(&s->state_lock);
}

/*
 * Begin a mapping change: set the pages' protection (@prot < 0: unchanged)
 * and, if @zeroes, allow zeros. Returns the content writers' epoch for
 * map_end(), or ~0 if one is running.
 */
static uint64_t map_begin(struct tm_slot *s, unsigned int p0, unsigned int n,
			  int prot, int zeroes)
{
	uint64_t epoch;
	unsigned int i;

	pthread_mutex_lock(&s->state_lock);
	s->seq++;
	epoch = s->writing ? ~0ULL : s->wepoch;
	for (i = p0; i < p0 + n; i++) {
		if (prot >= 0)
			s->pm[i].prot = prot;
		if (zeroes)
			s->pm[i].zero_ok = 1;
	}
	pthread_mutex_unlock(&s->state_lock);
	return epoch;
}

/*
 * After munmap, a fresh mmap or DONTNEED the pages hold zeros only, unless
 * a device write overlapped the change (it may have written the new pages):
 * then the generations stay allowed.
 */
static void map_end(struct tm_slot *s, unsigned int p0, unsigned int n,
		    uint64_t epoch, int zeroed)
{
	unsigned int i;

	pthread_mutex_lock(&s->state_lock);
	if (zeroed && !s->writing && s->wepoch == epoch)
		for (i = p0; i < p0 + n; i++)
			s->pm[i].has_gen = 0;
	s->seq++;
	pthread_mutex_unlock(&s->state_lock);
}

static int map_fresh(struct tm_slot *s, unsigned int p0, unsigned int n)
{
	if (mmap(s->addr + p0 * 4096UL, n * 4096UL, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	if (s->huge)
		madvise(s->addr + p0 * 4096UL, n * 4096UL, MADV_HUGEPAGE);
	return 0;
}

int tm_munmap(struct tm_slot *s, unsigned int p0, unsigned int n)
{
	uint64_t epoch = map_begin(s, p0, n, TM_UNMAPPED, 1);
	int ret = munmap(s->addr + p0 * 4096UL, n * 4096UL) ? -errno : 0;

	map_end(s, p0, n, epoch, 1);
	return ret;
}

int tm_mmap_fresh(struct tm_slot *s, unsigned int p0, unsigned int n)
{
	uint64_t epoch = map_begin(s, p0, n, TM_RW, 1);
	int ret = map_fresh(s, p0, n);

	map_end(s, p0, n, epoch, 1);
	return ret;
}

int tm_mprotect(struct tm_slot *s, unsigned int p0, unsigned int n, int prot)
{
	int ret;

	map_begin(s, p0, n, prot, 0);
	ret = mprotect(s->addr + p0 * 4096UL, n * 4096UL, tm_prot_bits[prot]) ? -errno : 0;
	map_end(s, p0, n, 0, 0);
	return ret;
}

int tm_dontneed(struct tm_slot *s, unsigned int p0, unsigned int n)
{
	uint64_t epoch = map_begin(s, p0, n, -1, 1);
	int ret = madvise(s->addr + p0 * 4096UL, n * 4096UL, MADV_DONTNEED) ? -errno : 0;

	map_end(s, p0, n, epoch, 1);
	return ret;
}

uint16_t tm_write_begin(struct tm_slot *s, unsigned int p0, unsigned int n,
			struct tm_page *saved, uint64_t *seq)
{
	unsigned int i;
	uint16_t g;

	pthread_mutex_lock(&s->state_lock);
	*seq = s->seq;
	memcpy(saved, &s->pm[p0], n * sizeof(*saved));
	g = s->next_gen++;
	s->writing = 1;
	s->wepoch++;
	for (i = p0; i < p0 + n; i++) {
		if (!s->pm[i].has_gen)
			s->pm[i].lo = g;
		s->pm[i].has_gen = 1;
		s->pm[i].hi = g;
	}
	pthread_mutex_unlock(&s->state_lock);
	return g;
}

int tm_write_end(struct tm_slot *s, unsigned int p0, unsigned int n, uint16_t gen,
		 const struct tm_page *saved, uint64_t seq, int ret)
{
	unsigned int i;
	int quiet;

	pthread_mutex_lock(&s->state_lock);
	quiet = tm_quiet(seq, s->seq);
	if (quiet && !ret) {
		for (i = p0; i < p0 + n; i++) {
			s->pm[i].lo = gen;
			s->pm[i].hi = gen;
			s->pm[i].zero_ok = 0;
		}
	} else if (quiet && !tm_all_prot(saved, n, TM_RW)) {
		/* Refused before any work: nothing may have changed. */
		memcpy(&s->pm[p0], saved, n * sizeof(*saved));
	}
	s->writing = 0;
	pthread_mutex_unlock(&s->state_lock);
	return quiet;
}

int tm_refill_map(struct tm_slot *s)
{
	unsigned int p, q, i;
	int ret;

	pthread_mutex_lock(&s->state_lock);
	s->seq++;
	s->writing = 1;
	s->wepoch++;
	pthread_mutex_unlock(&s->state_lock);

	for (p = 0; p < s->npages; p = q) {
		for (q = p + 1; q < s->npages && (s->pm[q].prot == TM_UNMAPPED) ==
		     (s->pm[p].prot == TM_UNMAPPED); q++)
			;
		if (s->pm[p].prot != TM_UNMAPPED)
			continue;
		ret = map_fresh(s, p, q - p);
		if (ret)
			return ret;
		pthread_mutex_lock(&s->state_lock);
		for (i = p; i < q; i++)
			s->pm[i] = (struct tm_page){ .prot = TM_RW, .zero_ok = 1 };
		pthread_mutex_unlock(&s->state_lock);
	}
	if (!tm_all_prot(s->pm, s->npages, TM_RW)) {
		if (mprotect(s->addr, s->npages * 4096UL, PROT_READ | PROT_WRITE))
			return -errno;
		pthread_mutex_lock(&s->state_lock);
		for (i = 0; i < s->npages; i++)
			s->pm[i].prot = TM_RW;
		pthread_mutex_unlock(&s->state_lock);
	}
	return 0;
}

void tm_refill_store(struct tm_slot *s)
{
	uint64_t *words = (uint64_t *)s->addr, va = (uintptr_t)s->addr, i;
	uint16_t g;

	pthread_mutex_lock(&s->state_lock);
	g = s->next_gen++;
	pthread_mutex_unlock(&s->state_lock);
	for (i = 0; i < s->npages * 4096UL / 8; i++)
		words[i] = tm_pat(va + 8 * i, g);
	pthread_mutex_lock(&s->state_lock);
	for (i = 0; i < s->npages; i++)
		s->pm[i] = (struct tm_page){ .prot = TM_RW, .has_gen = 1, .lo = g, .hi = g };
	s->seq++;
	s->writing = 0;
	pthread_mutex_unlock(&s->state_lock);
}
