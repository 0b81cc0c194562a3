/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmirror.h - API of the devmirror framework core (devmirror.ko).
 *
 * A device driver creates one &struct devmir_device per device with its
 * mirror-table format, its pgmap owner and a few callbacks, then asks for
 * the &struct devmir_mirror of each process that uses the device. The core
 * keeps the mirror table in sync with the CPU page tables: it fills it when
 * the driver hands it a batch of device faults and prunes it when the CPU
 * side invalidates, calling the driver back to shoot down its TLBs.
 *
 * Mirror-table levels are numbered as in mirror/dmpt.h: level 0 is the leaf
 * (4 KiB) level, level nlevels - 1 the root.
 *
 * driver/core/main.c holds the DOC: Overview, Locking and Examples sections.
 */
#ifndef _DEVMIRROR_H
#define _DEVMIRROR_H

#include <linux/types.h>

#include "dmpt.h"

struct devmir_device;
struct devmir_mirror;
struct mm_struct;

/**
 * struct devmir_device_ops - Driver callbacks of a device context.
 * @mirror_init: Optional. Called once for a new mirror, before any
 *	invalidation can reach it, to set up the driver's per-mirror area
 *	(devmir_mirror_priv(), zeroed). Return 0 or a negative errno, which
 *	fails the mirror's creation. Process context, may sleep.
 * @mirror_fini: Optional. Called once when the mirror is freed, after the
 *	last invalidation; the driver drops every TLB entry tagged with the
 *	mirror's address-space id. Process context, may sleep.
 * @invalidate: Required. Called with the mirror's update lock held after the
 *	core removed or write-protected entries in [@start, @end). Before it
 *	returns the driver must have shot down every device TLB entry in the
 *	range and waited for device accesses that may still use a translation
 *	from it: when it returns, the CPU may free or reuse the pages. Must
 *	not sleep when @blockable is false, and must never allocate memory
 *	that may recurse into reclaim.
 */
struct devmir_device_ops {
	int (*mirror_init)(struct devmir_mirror *mirror);
	void (*mirror_fini)(struct devmir_mirror *mirror);
	void (*invalidate)(struct devmir_mirror *mirror, u64 start, u64 end,
			   bool blockable);
};

/**
 * struct devmir_device_desc - Static description of a device context.
 * @name: Short unique name (debugfs directory, log messages), e.g. "sim0".
 * @format: Mirror-table format (level 0 = leaf); must pass
 *	dmpt_format_validate(), have 4 KiB leaves at level 0 and outlive the
 *	device context.
 * @pgmap_owner: Owner cookie of the device's device-private memory: passed
 *	to hmm_range_fault() as the device-private owner and compared with
 *	the owner of MMU_NOTIFY_MIGRATE invalidations (those the device
 *	caused itself are skipped). Must not be NULL.
 * @ops: Driver callbacks.
 * @mirror_priv_size: Bytes of zeroed driver data allocated with each mirror.
 * @max_asids: Address-space ids available (one per live mirror), >= 1.
 * @fault_window: Initial fault-ahead window of new mirrors, in bytes; see
 *	devmir_mirror_set_fault_window().
 * @drvdata: Driver pointer returned by devmir_device_drvdata().
 */
struct devmir_device_desc {
	const char *name;
	const struct dmpt_format *format;
	void *pgmap_owner;
	const struct devmir_device_ops *ops;
	size_t mirror_priv_size;
	unsigned int max_asids;
	u64 fault_window;
	void *drvdata;
};

/* Smallest and largest fault-ahead window, bytes. */
#define DEVMIR_WINDOW_MIN	(4ULL << 10)
#define DEVMIR_WINDOW_MAX	(2ULL << 20)

/**
 * enum devmir_stat - Statistics counters, kept per mirror and per device.
 * @DEVMIR_STAT_FAULTS_RAISED: Translation misses queued as faults (driver).
 * @DEVMIR_STAT_FAULTS_COALESCED: Misses dropped as duplicates (driver).
 * @DEVMIR_STAT_FAULTS: Faults serviced through hmm_range_fault().
 * @DEVMIR_STAT_FAULTS_RESOLVED: Faults already satisfied when serviced.
 * @DEVMIR_STAT_FAULT_ERRORS: Faults that failed.
 * @DEVMIR_STAT_FAULT_BATCHES: Calls of devmir_fault_batch().
 * @DEVMIR_STAT_HMM_CALLS: hmm_range_fault() calls.
 * @DEVMIR_STAT_HMM_BUSY: hmm_range_fault() calls that returned -EBUSY.
 * @DEVMIR_STAT_HMM_RETRIES: Populates retried after a racing invalidation.
 * @DEVMIR_STAT_PAGES_MAPPED: 4 KiB leaves installed.
 * @DEVMIR_STAT_HUGE_MAPPED: Huge leaves installed.
 * @DEVMIR_STAT_TLB_HITS: Device TLB hits (driver).
 * @DEVMIR_STAT_TLB_MISSES: Device TLB misses (driver).
 * @DEVMIR_STAT_TLB_SHOOTDOWNS: Device TLB shootdowns (driver).
 * @DEVMIR_STAT_TLB_FLUSHED: TLB entries dropped by shootdowns (driver).
 * @DEVMIR_STAT_WALKS: Device page-table walks (driver).
 * @DEVMIR_STAT_WALK_LEVELS: Directories read by those walks (driver).
 * @DEVMIR_STAT_ACCESSES: Device commands executed (driver).
 * @DEVMIR_STAT_INV_FIRST: Invalidations of mmu_notifier event 0
 *	(MMU_NOTIFY_UNMAP); event e counts at DEVMIR_STAT_INV_FIRST + e.
 * @DEVMIR_STAT_INV_LAST: Invalidations of the last event counted
 *	(MMU_NOTIFY_EXCLUSIVE).
 * @DEVMIR_STAT_INV_SKIPPED: Invalidations caused by the device's own
 *	migrations, skipped.
 * @DEVMIR_STAT_INV_RETRY: Non-blocking invalidations refused (lock busy).
 * @DEVMIR_STAT_PAGES_INVALIDATED: 4 KiB pages unmapped by invalidations.
 * @DEVMIR_STAT_PAGES_PROTECTED: 4 KiB pages write-protected.
 * @DEVMIR_STAT_NR: Number of counters.
 */
enum devmir_stat {
	DEVMIR_STAT_FAULTS_RAISED,
	DEVMIR_STAT_FAULTS_COALESCED,
	DEVMIR_STAT_FAULTS,
	DEVMIR_STAT_FAULTS_RESOLVED,
	DEVMIR_STAT_FAULT_ERRORS,
	DEVMIR_STAT_FAULT_BATCHES,
	DEVMIR_STAT_HMM_CALLS,
	DEVMIR_STAT_HMM_BUSY,
	DEVMIR_STAT_HMM_RETRIES,
	DEVMIR_STAT_PAGES_MAPPED,
	DEVMIR_STAT_HUGE_MAPPED,
	DEVMIR_STAT_TLB_HITS,
	DEVMIR_STAT_TLB_MISSES,
	DEVMIR_STAT_TLB_SHOOTDOWNS,
	DEVMIR_STAT_TLB_FLUSHED,
	DEVMIR_STAT_WALKS,
	DEVMIR_STAT_WALK_LEVELS,
	DEVMIR_STAT_ACCESSES,
	DEVMIR_STAT_INV_FIRST,
	DEVMIR_STAT_INV_LAST = DEVMIR_STAT_INV_FIRST + 7,
	DEVMIR_STAT_INV_SKIPPED,
	DEVMIR_STAT_INV_RETRY,
	DEVMIR_STAT_PAGES_INVALIDATED,
	DEVMIR_STAT_PAGES_PROTECTED,
	DEVMIR_STAT_NR
};

/**
 * struct devmir_stats - A statistics snapshot.
 * @counters: Counters since the last reset, indexed by &enum devmir_stat.
 * @table: Mirror-table accounting (live mirrors only for a device snapshot);
 *	@table.dirs_pruned and @table.splits count since the last reset.
 * @mirrors: Live mirrors included.
 */
struct devmir_stats {
	u64 counters[DEVMIR_STAT_NR];
	struct dmpt_stats table;
	u64 mirrors;
};

/* Flags of &struct devmir_fault. */
#define DEVMIR_FAULT_WRITE	BIT(0)	/* the device needs write access */

/**
 * struct devmir_fault - One device fault handed to devmir_fault_batch().
 * @addr: (in) Faulting virtual address (any byte of the page).
 * @flags: (in) ``DEVMIR_FAULT_*`` flags.
 * @result: (out) 0 if the mirror now maps the page with the requested
 *	access, or a negative errno (see devmir_fault_batch()).
 */
struct devmir_fault {
	u64 addr;
	unsigned int flags;
	int result;
};

/* Per-page bytes produced by devmir_mirror_snapshot(). */
#define DEVMIR_SNAP_READ	0x01	/* mapped */
#define DEVMIR_SNAP_WRITE	0x02	/* writable */
#define DEVMIR_SNAP_DEV_LOCAL	0x04	/* this device's private memory */
#define DEVMIR_SNAP_DEV_REMOTE	0x08	/* another device's private memory */
#define DEVMIR_SNAP_EXCLUSIVE	0x10	/* exclusive access */
#define DEVMIR_SNAP_LEVEL_SHIFT	5	/* bits 5-7: leaf level (level 0 = leaf) */

/* Device contexts: driver/core/main.c */
struct devmir_device *devmir_device_create(const struct devmir_device_desc *desc);
void devmir_device_destroy(struct devmir_device *dev);
void *devmir_device_drvdata(struct devmir_device *dev);
const struct dmpt_format *devmir_device_format(struct devmir_device *dev);

/* Mirrors: driver/core/mirror.c */
struct devmir_mirror *devmir_mirror_get_or_create(struct devmir_device *dev,
						  struct mm_struct *mm);
void devmir_mirror_get(struct devmir_mirror *mirror);
void devmir_mirror_put(struct devmir_mirror *mirror);
struct devmir_device *devmir_mirror_device(struct devmir_mirror *mirror);
struct mm_struct *devmir_mirror_mm(struct devmir_mirror *mirror);
u32 devmir_mirror_asid(struct devmir_mirror *mirror);
void *devmir_mirror_priv(struct devmir_mirror *mirror);
bool devmir_mirror_is_live(struct devmir_mirror *mirror);
int devmir_mirror_set_fault_window(struct devmir_mirror *mirror, u64 bytes);
u64 devmir_mirror_fault_window(struct devmir_mirror *mirror);
dmpt_entry_t devmir_mirror_lookup(struct devmir_mirror *mirror, u64 addr,
				  unsigned int *level, unsigned int *touched);
int devmir_mirror_snapshot(struct devmir_mirror *mirror, u64 start,
			   unsigned long npages, u8 *out, unsigned long *mapped);
int devmir_mirror_check(struct devmir_mirror *mirror);

/* Device faults: driver/core/fault.c */
int devmir_fault_batch(struct devmir_mirror *mirror, struct devmir_fault *faults,
		       unsigned int nfaults);
int devmir_range_check(struct mm_struct *mm, u64 start, u64 end, bool write);

/* Statistics: driver/core/stats.c */
void devmir_stat_add(struct devmir_mirror *mirror, enum devmir_stat stat, u64 n);
void devmir_mirror_stats(struct devmir_mirror *mirror, struct devmir_stats *st);
void devmir_device_stats(struct devmir_device *dev, struct devmir_stats *st);
void devmir_mirror_reset_stats(struct devmir_mirror *mirror);
void devmir_device_reset_stats(struct devmir_device *dev);

#endif /* _DEVMIRROR_H */
