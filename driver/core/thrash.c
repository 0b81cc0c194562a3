// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - thrashing: per-region round trips between device and system
 * memory under a fault-driven policy, and the holds that end them.
 */
#include <linux/jiffies.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

/**
 * DOC: Thrashing
 *
 * Under a fault-driven policy, memory that the CPU and the device take
 * turns writing would migrate on every turn: the device's fault pulls it
 * to the device, the CPU's fault (migrate_to_ram) takes it back. Each
 * 2 MiB region the policy migrates gets a record (&struct devmir_thrash).
 * A CPU fault that takes pages of the region back marks it returned; the
 * policy's next migration of a returned region to the device completes a
 * round trip (%DEVMIR_STAT_THRASH_TRIPS). The migrations of one device
 * sweep after a single return count once, so streaming into memory the
 * CPU initialised is not thrashing.
 *
 * When a region makes the mirror's thrash_rounds round trips within
 * %DEVMIR_THRASH_WINDOW_MS, it is thrashing (%DEVMIR_STAT_THRASH_DETECTED):
 * for thrash_hold_ms the policy leaves it in system memory, and the
 * device's faults mirror the system pages there instead
 * (%DEVMIR_STAT_THRASH_HELD), so neither side migrates and neither faults
 * again once both have mapped it. The CPU keeps its own mapping. When the
 * hold ends the policy migrates the region again; should it thrash again
 * within a window of the hold's end, the next hold is twice as long (up to
 * eight times thrash_hold_ms), and a region that stays calm for a window
 * starts over. thrash_rounds 0 turns the watch off; thrash_hold_ms 0
 * counts without holding. Both are per mirror
 * (devmir_mirror_set_thrashing()), defaulting to
 * %DEVMIR_THRASH_ROUNDS_DEFAULT and %DEVMIR_THRASH_HOLD_DEFAULT_MS; debugfs
 * lists each mirror's regions in "thrashing".
 *
 * UVM, by comparison, throttles or pins a thrashing page and maps it
 * remotely; xe keeps migrated memory resident for a timeslice. Holding in
 * system memory needs no device memory to stay reserved, and a device that
 * can reach system memory at all loses only the locality of a region both
 * sides were fighting over.
 */

/*
 * struct devmir_thrash - Thrashing record of one 2 MiB region.
 * @window_start: jiffies when the counting of @trips started.
 * @hold_until: jiffies until which the region stays in system memory.
 * @trips: Round trips since @window_start.
 * @level: Holds in a row: the next one lasts thrash_hold_ms << @level.
 * @returned: A CPU fault took pages back since the last migration to the
 *	device; set from migrate_to_ram under the mirror list's lock.
 *
 * Fields are read and written with READ_ONCE()/WRITE_ONCE(): the faults of
 * one mirror are normally serviced one at a time, and a racing update only
 * loses a count, which delays detection by a round trip.
 */
struct devmir_thrash {
	unsigned long window_start;
	unsigned long hold_until;
	unsigned int trips;
	unsigned int level;
	bool returned;
};

/* Longest hold: thrash_hold_ms << DEVMIR_THRASH_LEVEL_MAX. */
#define DEVMIR_THRASH_LEVEL_MAX	3

/*
 * A CPU fault took pages of @addr's region back to system memory. Called
 * under the device's mirror list lock: no allocation, and a region the
 * policy never migrated has no record to mark.
 */
void devmir_thrash_returned(struct devmir_mirror *mirror, u64 addr)
{
	struct devmir_thrash *t = xa_load(&mirror->thrash,
					  addr >> DEVMIR_REGION_SHIFT);

	if (t)
		WRITE_ONCE(t->returned, true);
}

/* Free the records; the mirror is off the device's list. */
void devmir_thrash_free(struct devmir_mirror *mirror)
{
	struct devmir_thrash *t;
	unsigned long index;

	xa_for_each(&mirror->thrash, index, t)
		kfree(t);
	xa_destroy(&mirror->thrash);
}

/**
 * devmir_thrash_show() - The debugfs "thrashing" file of a mirror.
 * @m: The file.
 * @mirror: The mirror.
 *
 * One line per region the policy has migrated: its address, round trips
 * counted in the current window, holds in a row, milliseconds of hold
 * left, and whether the CPU has taken pages back since the last migration.
 *
 * Context: Process context.
 */
void devmir_thrash_show(struct seq_file *m, struct devmir_mirror *mirror)
{
	unsigned long index, now = jiffies, until;
	struct devmir_thrash *t;

	seq_printf(m, "rounds %u hold_ms %u window_ms %u\n",
		   READ_ONCE(mirror->thrash_rounds),
		   READ_ONCE(mirror->thrash_hold_ms), DEVMIR_THRASH_WINDOW_MS);
	seq_puts(m, "region          trips level held_ms returned\n");
	xa_for_each(&mirror->thrash, index, t) {
		until = READ_ONCE(t->hold_until);
		seq_printf(m, "%#014lx %6u %5u %7u %s\n",
			   index << DEVMIR_REGION_SHIFT, READ_ONCE(t->trips),
			   READ_ONCE(t->level),
			   time_before(now, until) ? jiffies_to_msecs(until - now) : 0,
			   READ_ONCE(t->returned) ? "yes" : "no");
	}
}

/*
 * The record of @region, created on first use as of @now (the caller's
 * clock: a record stamped with a later jiffies would look held to it);
 * NULL without memory.
 */
static struct devmir_thrash *devmir_thrash_get(struct devmir_mirror *mirror,
					       unsigned long region,
					       unsigned long now)
{
	struct devmir_thrash *t = xa_load(&mirror->thrash, region);
	int ret;

	if (t)
		return t;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	/* Not held: jiffies values are only ever compared with each other. */
	t->window_start = now;
	t->hold_until = now;
	ret = xa_insert(&mirror->thrash, region, t, GFP_KERNEL);
	if (!ret)
		return t;
	kfree(t);
	return ret == -EBUSY ? xa_load(&mirror->thrash, region) : NULL;
}

/*
 * Whether the policy must leave @addr's region in system memory: it is
 * held, or this migration completes the round trip that makes it
 * thrashing (DOC: Thrashing). @attr, the attributes of @addr's range, may
 * set the rounds and hold in place of the mirror's.
 */
bool devmir_thrash_hold(struct devmir_mirror *mirror, u64 addr,
			const struct devmir_attr *attr)
{
	bool own = attr->mask & DEVMIR_ATTR_THRASH;
	unsigned int rounds = own ? attr->thrash_rounds :
				    READ_ONCE(mirror->thrash_rounds);
	unsigned int hold_ms, trips, level;
	unsigned long now = jiffies, window;
	struct devmir_thrash *t;

	if (!rounds)
		return false;
	t = devmir_thrash_get(mirror, addr >> DEVMIR_REGION_SHIFT, now);
	if (!t)
		return false;
	if (time_before(now, READ_ONCE(t->hold_until))) {
		devmir_stat_add(mirror, DEVMIR_STAT_THRASH_HELD, 1);
		return true;
	}
	if (!READ_ONCE(t->returned))
		return false;
	WRITE_ONCE(t->returned, false);
	devmir_stat_add(mirror, DEVMIR_STAT_THRASH_TRIPS, 1);

	window = msecs_to_jiffies(DEVMIR_THRASH_WINDOW_MS);
	trips = READ_ONCE(t->trips);
	level = READ_ONCE(t->level);
	if (time_after(now, READ_ONCE(t->window_start) + window)) {
		/* Calm for a window since the count (or the hold) began. */
		WRITE_ONCE(t->window_start, now);
		trips = 0;
		level = 0;
	}
	if (++trips < rounds) {
		WRITE_ONCE(t->trips, trips);
		WRITE_ONCE(t->level, level);
		return false;
	}

	devmir_stat_add(mirror, DEVMIR_STAT_THRASH_DETECTED, 1);
	hold_ms = own ? attr->thrash_hold_ms : READ_ONCE(mirror->thrash_hold_ms);
	WRITE_ONCE(t->trips, 0);
	if (!hold_ms) {
		WRITE_ONCE(t->window_start, now);
		return false;
	}
	hold_ms <<= min_t(unsigned int, level, DEVMIR_THRASH_LEVEL_MAX);
	WRITE_ONCE(t->hold_until, now + msecs_to_jiffies(hold_ms));
	/* The next window starts when the hold ends. */
	WRITE_ONCE(t->window_start, now + msecs_to_jiffies(hold_ms));
	WRITE_ONCE(t->level, level + 1);
	devmir_stat_add(mirror, DEVMIR_STAT_THRASH_HELD, 1);
	return true;
}
