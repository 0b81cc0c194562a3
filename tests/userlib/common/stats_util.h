/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats_util.h - sums over the per-level figures of struct devmir_stats.
 */
#ifndef _USERLIB_STATS_UTIL_H
#define _USERLIB_STATS_UTIL_H

#include <stdint.h>

#include "devmirror.h"

/* Valid leaf entries at every level. */
static inline uint64_t stats_entries(const struct devmir_stats *st)
{
	uint64_t n = 0;
	unsigned int l;

	for (l = 0; l < DEVMIR_MAX_LEVELS; l++)
		n += st->table_entries[l];
	return n;
}

/* Live directories at every level, the root included. */
static inline uint64_t stats_dirs(const struct devmir_stats *st)
{
	uint64_t n = 0;
	unsigned int l;

	for (l = 0; l < DEVMIR_MAX_LEVELS; l++)
		n += st->table_dirs[l];
	return n;
}

#endif /* _USERLIB_STATS_UTIL_H */
