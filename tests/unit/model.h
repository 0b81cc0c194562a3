/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of a mirror table over a window of the address space: a
 * flat array with, per level-0 leaf, the entry value that leaf-sized piece
 * should map (its own frame and flags) and the level of the leaf covering
 * it. Used by the randomized model test and the fuzz target.
 */
#ifndef _DMPT_MODEL_H
#define _DMPT_MODEL_H

#include "testlib.h"

#define MODEL_UNMAPPED 0xff

/**
 * struct model - Reference map of one window.
 * @fmt: Format of the table being modelled.
 * @base: First address of the window, aligned to every leaf size used.
 * @size: Window size in bytes, a multiple of every leaf size used.
 * @ushift: log2 of the unit: the level-0 leaf size.
 * @nunits: Units (level-0 leaves) in the window.
 * @val: Per unit: expected entry value of that piece (frame of the piece's
 *	first 4 KiB page, flags), 0 when unmapped.
 * @lvl: Per unit: level of the leaf covering it, or %MODEL_UNMAPPED.
 * @touched: Scratch for model_map(): prefix counts of touched directories.
 * @ntouched: Capacity of @touched.
 */
struct model {
	const struct dmpt_format *fmt;
	u64 base;
	u64 size;
	unsigned int ushift;
	u64 nunits;
	u64 *val;
	u8 *lvl;
	u64 *touched;
	u64 ntouched;
};

/**
 * model_init() - Set up an empty model of a window.
 * @m: Model.
 * @fmt: Format.
 * @base: Window start.
 * @size: Window size.
 *
 * Context: Test thread.
 * Return: 0 or -ENOMEM.
 */
int model_init(struct model *m, const struct dmpt_format *fmt, u64 base,
	       u64 size);

/**
 * model_fini() - Free a model.
 * @m: Model.
 *
 * Context: Test thread.
 */
void model_fini(struct model *m);

/**
 * model_reset() - Forget every mapping.
 * @m: Model.
 *
 * Context: Test thread.
 */
void model_reset(struct model *m);

/**
 * model_map() - What dmpt_map() does, on the model.
 * @m: Model.
 * @start: As for dmpt_map(); the range must be inside the window.
 * @level: Leaf level (level 0 = leaf).
 * @entries: Entries; invalid ones leave their slot alone.
 * @n: Count.
 *
 * Huge leaves on the way to every directory that receives a valid entry are
 * split exactly as the table splits them; a writable entry over a dirty leaf
 * of the same frame keeps %DMPT_DIRTY, as dmpt_map() does.
 *
 * Context: Test thread.
 */
void model_map(struct model *m, u64 start, unsigned int level,
	       const dmpt_entry_t *entries, unsigned long n);

/**
 * model_edit() - What dmpt_clear() (@unmap) or dmpt_protect() does.
 * @m: Model.
 * @start: Range start; rounded like the table does.
 * @end: Range end; rounded and clipped to the window.
 * @unmap: True for a clear.
 * @clear: Flags to clear (protect).
 * @set: Flags to set (protect).
 *
 * Context: Test thread.
 * Return: The 4 KiB page count the table must return.
 */
u64 model_edit(struct model *m, u64 start, u64 end, bool unmap, u64 clear,
	       u64 set);

/**
 * model_snapshot() - Make the model describe what the table maps now.
 * @m: Model.
 * @pt: Table.
 *
 * Used after an operation whose outcome the model does not predict (an
 * injected allocation failure), and to compare before/after pictures.
 * Built from dmpt_walk() (checked against lookups by model_check_all()).
 *
 * Context: Test thread.
 */
void model_snapshot(struct model *m, struct dmpt *pt);

/**
 * model_check_addr() - Compare one lookup with the model.
 * @m: Model.
 * @pt: Table.
 * @addr: Address inside the window.
 *
 * Context: Test thread.
 * Return: True if they agree (a diagnostic is printed otherwise).
 */
bool model_check_addr(struct model *m, struct dmpt *pt, u64 addr);

/**
 * model_check_walk() - Compare dmpt_walk() over a range with the model.
 * @m: Model.
 * @pt: Table.
 * @start: Range start, inside the window.
 * @end: Range end, inside the window.
 *
 * The runs must cover exactly the mapped units, agree with every unit, and
 * be maximal (no two consecutive runs could have been one).
 *
 * Context: Test thread.
 * Return: True if they agree.
 */
bool model_check_walk(struct model *m, struct dmpt *pt, u64 start, u64 end);

/**
 * model_check_all() - Lookups of every unit, a full walk, and the per-level
 * entry counts of dmpt_get_stats() against the model.
 * @m: Model.
 * @pt: Table; must map nothing outside the window.
 *
 * Context: Test thread.
 * Return: True if they agree.
 */
bool model_check_all(struct model *m, struct dmpt *pt);

#endif /* _DMPT_MODEL_H */
