/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats_util.h - one reading of a device's statistics for the userlib
 * tests: the values of devmir_stat_read() with the handle that names them.
 */
#ifndef _USERLIB_STATS_UTIL_H
#define _USERLIB_STATS_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "libdevmirror.h"

/* More statistics than any device reports (the simulator: about 60). */
#define STAT_READING_MAX 256

/**
 * struct stat_reading - Every statistic of one device, read once.
 * @dev: The handle it was read through.
 * @n: Number of values.
 * @v: The values, in the order of devmir_stat_fields().
 */
struct stat_reading {
	struct devmir_dev *dev;
	unsigned int n;
	uint64_t v[STAT_READING_MAX];
};

/* Read @dev's statistics of @scope: 0 or a negative errno. */
static inline int stat_read(struct devmir_dev *dev,
			    enum devmir_stats_scope scope,
			    struct stat_reading *r)
{
	r->dev = dev;
	if (devmir_stat_fields(dev, NULL, &r->n))
		return -EINVAL;
	if (r->n > STAT_READING_MAX)
		return -E2BIG;
	return devmir_stat_read(dev, scope, r->v, r->n);
}

/* @after - @before (counters; gauges from @after), aliasing allowed. */
static inline void stat_delta(struct stat_reading *d,
			      const struct stat_reading *after,
			      const struct stat_reading *before)
{
	devmir_stat_delta(after->dev, d->v, after->v, before->v);
	d->dev = after->dev;
	d->n = after->n;
}

/* The value of statistic NAME (an identifier) in reading R (a struct). */
#define SV(r, name) devmir_stat_value((r).dev, (r).v, #name)

/* Sum of the values whose name starts with @prefix. */
static inline uint64_t stat_sum(const struct stat_reading *r,
				const char *prefix)
{
	const struct devmir_stat_field *f;
	size_t len = strlen(prefix);
	uint64_t sum = 0;
	unsigned int i;

	devmir_stat_fields(r->dev, &f, NULL);
	for (i = 0; i < r->n; i++)
		if (!strncmp(f[i].name, prefix, len))
			sum += r->v[i];
	return sum;
}

/* Valid leaf entries at every level. */
static inline uint64_t stats_entries(const struct stat_reading *r)
{
	return stat_sum(r, "table_entries_l");
}

/* Live directories at every level, the root included. */
static inline uint64_t stats_dirs(const struct stat_reading *r)
{
	return stat_sum(r, "table_dirs_l");
}

#endif /* _USERLIB_STATS_UTIL_H */
