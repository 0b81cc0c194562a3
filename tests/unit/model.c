// SPDX-License-Identifier: GPL-2.0
/*
 * Reference model of a mirror table, see model.h. Deliberately naive: one
 * array slot per level-0 leaf, splits computed block by block from the
 * rules in the dmpt.h contract, no shared code with mirror/.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static u64 lsize(const struct model *m, unsigned int level)
{
	return 1ULL << m->fmt->shift[level];
}

static bool leaf_ok(const struct model *m, unsigned int level)
{
	return m->fmt->leaf_levels & (1U << level);
}

static u64 unit_of(const struct model *m, u64 addr)
{
	return (addr - m->base) >> m->ushift;
}

static u64 addr_of(const struct model *m, u64 unit)
{
	return m->base + (unit << m->ushift);
}

int model_init(struct model *m, const struct dmpt_format *fmt, u64 base,
	       u64 size)
{
	memset(m, 0, sizeof(*m));
	m->fmt = fmt;
	m->base = base;
	m->size = size;
	m->ushift = fmt->shift[0];
	m->nunits = size >> m->ushift;
	m->val = calloc(m->nunits, sizeof(*m->val));
	m->lvl = malloc(m->nunits);
	m->ntouched = m->nunits + 2;
	m->touched = calloc(m->ntouched, sizeof(*m->touched));
	if (!m->val || !m->lvl || !m->touched) {
		model_fini(m);
		return -ENOMEM;
	}
	model_reset(m);
	return 0;
}

void model_fini(struct model *m)
{
	free(m->val);
	free(m->lvl);
	free(m->touched);
	m->val = NULL;
	m->lvl = NULL;
	m->touched = NULL;
}

void model_reset(struct model *m)
{
	memset(m->val, 0, m->nunits * sizeof(*m->val));
	memset(m->lvl, MODEL_UNMAPPED, m->nunits);
}

static void set_level(struct model *m, u64 start, u64 size, unsigned int level)
{
	u64 u = unit_of(m, start), n = size >> m->ushift;

	memset(m->lvl + u, level, n);
}

/*
 * Touched directories of a model_map() at level T: the aligned blocks of
 * size lsize(T + 1) (one directory at level T each) that receive at least
 * one valid entry. m->touched[] holds prefix counts over the blocks of the
 * op, starting at block index @first.
 */
struct map_ctx {
	unsigned int level;
	u64 block; /* lsize(T + 1) */
	u64 first; /* index of the first block of the op */
	u64 nblocks;
};

static bool block_touched(const struct model *m, const struct map_ctx *c,
			  u64 start, u64 size)
{
	u64 b0 = start / c->block, b1 = (start + size - 1) / c->block;

	if (b1 < c->first || b0 >= c->first + c->nblocks)
		return false;
	if (b0 < c->first)
		b0 = c->first;
	if (b1 >= c->first + c->nblocks)
		b1 = c->first + c->nblocks - 1;
	return m->touched[b1 - c->first + 1] != m->touched[b0 - c->first];
}

/*
 * The leaf block [start, start + lsize(parent)) is split: each piece that
 * does not contain a touched directory keeps the highest leaf level below
 * @parent; pieces containing one split further, down to level T.
 */
static void map_split(struct model *m, const struct map_ctx *c, u64 start,
		      unsigned int parent)
{
	unsigned int level = parent - 1;
	u64 size = lsize(m, level), i, n = lsize(m, parent) / size;

	for (i = 0; i < n; i++) {
		u64 piece = start + i * size;

		if (leaf_ok(m, level) &&
		    (level == c->level || !block_touched(m, c, piece, size)))
			set_level(m, piece, size, level);
		else
			map_split(m, c, piece, level);
	}
}

void model_map(struct model *m, u64 start, unsigned int level,
	       const dmpt_entry_t *entries, unsigned long n)
{
	const struct dmpt_format *fmt = m->fmt;
	u64 size = lsize(m, level), end = start + n * size, i, b;
	struct map_ctx c = { .level = level };

	if (!n)
		return;
	if (level < fmt->nlevels - 1) {
		c.block = lsize(m, level + 1);
		c.first = start / c.block;
		c.nblocks = (end - 1) / c.block - c.first + 1;
		if (c.nblocks + 1 > m->ntouched)
			abort();
		m->touched[0] = 0;
		for (b = 0; b < c.nblocks; b++) {
			u64 bs = (c.first + b) * c.block, be = bs + c.block;
			u64 lo = bs > start ? bs : start,
			    hi = be < end ? be : end;
			bool any = false;

			for (i = (lo - start) / size; i < (hi - start) / size;
			     i++)
				if (dmpt_entry_valid(entries[i])) {
					any = true;
					break;
				}
			m->touched[b + 1] = m->touched[b] + any;
		}
		/* Split every huge leaf above level T over a touched block. */
		for (b = 0; b < c.nblocks; b++) {
			u64 bs = (c.first + b) * c.block, u;
			unsigned int l;

			if (m->touched[b + 1] == m->touched[b])
				continue;
			if (bs < m->base || bs + c.block > m->base + m->size)
				continue; /* no leaf > T can cover it */
			u = unit_of(m, bs);
			l = m->lvl[u];
			if (l == MODEL_UNMAPPED || l <= level)
				continue;
			map_split(m, &c, bs & ~(lsize(m, l) - 1), l);
		}
	}
	for (i = 0; i < n; i++) {
		u64 a = start + i * size, u, k, nu = size >> m->ushift;
		u64 val = entries[i].val;

		if (!dmpt_entry_valid(entries[i]))
			continue;
		u = unit_of(m, a);
		/* A writable leaf over a dirty leaf of its frame stays dirty. */
		if (m->lvl[u] == level && (m->val[u] & DMPT_DIRTY) &&
		    (val & DMPT_WRITE) &&
		    m->val[u] >> DMPT_PFN_SHIFT == val >> DMPT_PFN_SHIFT)
			val |= DMPT_DIRTY;
		for (k = 0; k < nu; k++) {
			m->val[u + k] = val +
					((k << m->ushift) >>
					 DMPT_PFN_SHIFT << DMPT_PFN_SHIFT);
			m->lvl[u + k] = level;
		}
	}
}

struct edit_ctx {
	u64 start;
	u64 end;
	bool unmap;
	u64 clear;
	u64 set;
};

static u64 edit_val(const struct edit_ctx *c, u64 val)
{
	return c->unmap ? 0 : (val & ~c->clear) | c->set;
}

/* Apply the edit to the units of [start, start + size) at @level. */
static void edit_block(struct model *m, const struct edit_ctx *c, u64 start,
		       u64 size, unsigned int level)
{
	u64 u = unit_of(m, start), k, nu = size >> m->ushift;

	for (k = 0; k < nu; k++) {
		m->val[u + k] = edit_val(c, m->val[u + k]);
		m->lvl[u + k] = m->val[u + k] ? level : MODEL_UNMAPPED;
	}
}

/* Split the leaf block [start, +lsize(parent)) around the edit's range. */
static void edit_split(struct model *m, const struct edit_ctx *c, u64 start,
		       unsigned int parent)
{
	unsigned int level = parent - 1;
	u64 size = lsize(m, level), i, n = lsize(m, parent) / size;

	for (i = 0; i < n; i++) {
		u64 ps = start + i * size, pe = ps + size;
		bool in = c->start <= ps && pe <= c->end;
		bool out = pe <= c->start || c->end <= ps;

		if (leaf_ok(m, level) && (in || out)) {
			if (in)
				edit_block(m, c, ps, size, level);
			else
				set_level(m, ps, size, level);
		} else {
			edit_split(m, c, ps, level);
		}
	}
}

u64 model_edit(struct model *m, u64 start, u64 end, bool unmap, u64 clear,
	       u64 set)
{
	u64 mask = (1ULL << m->ushift) - 1, pages = 0, u, uend;
	u64 flagmask = DMPT_FLAGS_MASK & ~DMPT_VALID;
	struct edit_ctx c = {
		.unmap = unmap,
		.clear = clear & flagmask,
		.set = set & flagmask,
	};

	if (end > m->base + m->size)
		end = m->base + m->size;
	if (start < m->base)
		start = m->base;
	start &= ~mask;
	if (start >= end)
		return 0;
	end = (end + mask) & ~mask;
	c.start = start;
	c.end = end;
	u = unit_of(m, start);
	uend = unit_of(m, end);
	while (u < uend) {
		unsigned int l = m->lvl[u];
		u64 a = addr_of(m, u), lstart, lend;

		if (l == MODEL_UNMAPPED) {
			u++;
			continue;
		}
		lstart = a & ~(lsize(m, l) - 1);
		lend = lstart + lsize(m, l);
		if (edit_val(&c, m->val[u]) != m->val[u]) {
			u64 lo = lstart > start ? lstart : start;
			u64 hi = lend < end ? lend : end;

			pages += (hi - lo) >> DMPT_PFN_SHIFT;
			if (start <= lstart && lend <= end)
				edit_block(m, &c, lstart, lend - lstart, l);
			else
				edit_split(m, &c, lstart, l);
		}
		u = unit_of(m, lend);
	}
	return pages;
}

static int snapshot_run(const struct dmpt_run *r, void *arg)
{
	struct model *m = arg;
	u64 size = lsize(m, r->level), rbase = r->start & ~(size - 1);
	u64 u = unit_of(m, rbase < m->base ? m->base : rbase);
	u64 end = rbase + r->count * size, uend;

	if (end > m->base + m->size)
		end = m->base + m->size;
	for (uend = unit_of(m, end); u < uend; u++) {
		m->val[u] = r->first.val + ((addr_of(m, u) - rbase) >>
					    DMPT_PFN_SHIFT << DMPT_PFN_SHIFT);
		m->lvl[u] = r->level;
	}
	return 0;
}

void model_snapshot(struct model *m, struct dmpt *pt)
{
	model_reset(m);
	rcu_read_lock();
	dmpt_walk(pt, m->base, m->base + m->size, snapshot_run, m);
	rcu_read_unlock();
}

/*
 * dmpt_lookup_line() at @addr agrees with dmpt_lookup() of every address
 * it covers: the same first leaf, then each following slot's leaf at that
 * level, or no entry where a lookup finds none or a leaf of a lower level.
 */
static bool model_check_line(struct dmpt *pt, u64 addr)
{
	unsigned int level, lvl, got, i;
	dmpt_entry_t line[4], e;
	u64 size, a;

	rcu_read_lock();
	got = dmpt_lookup_line(pt, addr, line, 4, &level, NULL);
	e = dmpt_lookup(pt, addr, &lvl, NULL);
	rcu_read_unlock();
	if (got < 1 || got > 4 || line[0].val != e.val || level != lvl ||
	    (!e.val && got != 1)) {
		printf("# model line: 0x%llx: %u entries, first 0x%llx level %u, lookup 0x%llx level %u\n",
		       (unsigned long long)addr, got, (unsigned long long)line[0].val,
		       level, (unsigned long long)e.val, lvl);
		return false;
	}
	size = 1ULL << pt->fmt->shift[level];
	for (i = 1; i < got; i++) {
		a = (addr & ~(size - 1)) + i * size;
		rcu_read_lock();
		e = dmpt_lookup(pt, a, &lvl, NULL);
		rcu_read_unlock();
		if (line[i].val ? line[i].val == e.val && lvl == level :
				  !e.val || lvl < level)
			continue;
		printf("# model line: 0x%llx + %u: 0x%llx, lookup 0x%llx level %u\n",
		       (unsigned long long)addr, i, (unsigned long long)line[i].val,
		       (unsigned long long)e.val, lvl);
		return false;
	}
	return true;
}

bool model_check_addr(struct model *m, struct dmpt *pt, u64 addr)
{
	u64 u = unit_of(m, addr), want = m->val[u], got_piece;
	unsigned int level = ~0U, touched;
	dmpt_entry_t e;

	rcu_read_lock();
	e = dmpt_lookup(pt, addr, &level, &touched);
	rcu_read_unlock();
	if (!model_check_line(pt, addr))
		return false;
	if (!want) {
		if (!e.val)
			return true;
		printf("# model: 0x%llx: expected unmapped, got 0x%llx level %u\n",
		       (unsigned long long)addr, (unsigned long long)e.val,
		       level);
		return false;
	}
	/* The piece of the leaf that covers this unit. */
	got_piece = e.val + ((((addr & (lsize(m, level) - 1)) >> m->ushift)
			      << m->ushift) >>
			     DMPT_PFN_SHIFT << DMPT_PFN_SHIFT);
	if (dmpt_entry_valid(e) && level == m->lvl[u] && got_piece == want &&
	    touched == m->fmt->nlevels - level)
		return true;
	printf("# model: 0x%llx: expected 0x%llx level %u, got 0x%llx level %u touched %u\n",
	       (unsigned long long)addr, (unsigned long long)want, m->lvl[u],
	       (unsigned long long)e.val, level, touched);
	return false;
}

struct walk_check {
	struct model *m;
	u64 start;
	u64 end;
	u64 next_unit; /* first unit not yet covered by a run */
	bool have_prev;
	struct dmpt_run prev;
	u64 prev_end; /* exclusive end address of the previous run */
	bool ok;
};

static bool walk_fail(struct walk_check *w, const char *why, u64 addr)
{
	printf("# model walk: %s at 0x%llx\n", why, (unsigned long long)addr);
	w->ok = false;
	return false;
}

static int walk_cb(const struct dmpt_run *r, void *arg)
{
	struct walk_check *w = arg;
	struct model *m = w->m;
	u64 size = lsize(m, r->level), rbase = r->start & ~(size - 1);
	u64 rend = rbase + r->count * size, u, k;

	if (rend > w->end)
		rend = w->end;
	if (!r->count || r->start < w->start || r->start >= rend)
		return !walk_fail(w, "bad run bounds", r->start);
	/* Every unit between the previous run and this one is unmapped. */
	for (u = w->next_unit; u < unit_of(m, r->start); u++)
		if (m->val[u])
			return !walk_fail(w, "mapped unit skipped",
					  addr_of(m, u));
	for (u = unit_of(m, r->start); u < unit_of(m, rend - 1) + 1; u++) {
		u64 a = addr_of(m, u);

		k = (a - rbase) / size;
		if (m->lvl[u] != r->level ||
		    m->val[u] !=
			    r->first.val + ((k * size + (a & (size - 1))) >>
					    DMPT_PFN_SHIFT << DMPT_PFN_SHIFT))
			return !walk_fail(w, "run disagrees with model", a);
	}
	if (w->have_prev && w->prev_end == rbase && w->prev.level == r->level &&
	    dmpt_entry_flags(w->prev.first) == dmpt_entry_flags(r->first) &&
	    dmpt_entry_pfn(w->prev.first) +
			    w->prev.count * (size >> DMPT_PFN_SHIFT) ==
		    dmpt_entry_pfn(r->first))
		return !walk_fail(w, "run not maximal", r->start);
	w->have_prev = true;
	w->prev = *r;
	w->prev_end = rbase + r->count * size;
	w->next_unit = unit_of(m, rend - 1) + 1;
	return 0;
}

bool model_check_walk(struct model *m, struct dmpt *pt, u64 start, u64 end)
{
	struct walk_check w = {
		.m = m,
		.start = start,
		.end = end,
		.ok = true,
		.next_unit = unit_of(m, start),
	};
	u64 u;
	int ret;

	if (start >= end)
		return true;
	ret = dmpt_walk(pt, start, end, walk_cb, &w);
	if (ret && w.ok)
		return walk_fail(&w, "walk returned non-zero", start);
	if (!w.ok)
		return false;
	for (u = w.next_unit; u < unit_of(m, end - 1) + 1; u++)
		if (m->val[u])
			return walk_fail(&w, "mapped unit missing at end",
					 addr_of(m, u));
	return true;
}

bool model_check_all(struct model *m, struct dmpt *pt)
{
	u64 counts[DMPT_MAX_LEVELS] = { 0 }, u;
	struct dmpt_stats st;
	unsigned int l;

	for (u = 0; u < m->nunits; u++) {
		if (!model_check_addr(m, pt, addr_of(m, u)))
			return false;
		if (m->lvl[u] != MODEL_UNMAPPED)
			counts[m->lvl[u]]++;
	}
	if (!model_check_walk(m, pt, m->base, m->base + m->size))
		return false;
	dmpt_get_stats(pt, &st);
	for (l = 0; l < m->fmt->nlevels; l++) {
		u64 leaves = counts[l] / (lsize(m, l) >> m->ushift);

		if (st.entries[l] != leaves) {
			printf("# model: level %u: %llu entries, model has %llu\n",
			       l, (unsigned long long)st.entries[l],
			       (unsigned long long)leaves);
			return false;
		}
	}
	return true;
}
