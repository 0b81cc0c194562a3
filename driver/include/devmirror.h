/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmirror.h - API of the devmirror framework core (devmirror.ko).
 *
 * A device driver creates one &struct devmir_device per device with its
 * mirror-table format, its pgmap owner and a few callbacks, then asks for
 * the &struct devmir_mirror of each process that uses the device. The core
 * keeps the mirror table in sync with the CPU page tables: it fills it when
 * the driver hands it a batch of device faults and prunes it when the CPU
 * side invalidates, calling the driver back to shoot down its TLBs. A device
 * with private memory also gets a bounded pool of device-private pages from
 * the core, migration in both directions, eviction and exclusive access;
 * the driver supplies the copy engine.
 *
 * Mirror-table levels are numbered as in mirror/dmpt.h: level 0 is the leaf
 * (4 KiB) level, level nlevels - 1 the root.
 *
 * driver/core/main.c holds the DOC: Overview, Locking and Examples sections.
 * The test surface (snapshots, the table check) is in devmirror_testing.h.
 */
#ifndef _DEVMIRROR_H
#define _DEVMIRROR_H

#include <linux/types.h>

#include "dmpt.h"

struct devmir_device;
struct devmir_mirror;
struct mm_struct;
struct page;

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
 * @invalidate_wait: Optional. With it, @invalidate may return once the
 *	device has dropped its TLB entries of the range and been asked to
 *	invalidate, before the device acknowledged it; @invalidate_wait then
 *	returns once every invalidation issued for @mirror before it was
 *	called has been acknowledged (the device no longer uses any
 *	translation it dropped). The core calls it after @invalidate,
 *	outside the update lock, before the CPU may reuse the pages: at once
 *	on kernels with one-pass interval notifiers, and on kernels with two
 *	in the second pass, after every other notifier of the range (every
 *	other device mirroring the mm) had its first, so that the devices'
 *	acknowledgments overlap (DOC: Two-pass invalidation). Must not sleep
 *	when @blockable is false.
 * @copy: Required when the device has memory
 *	(&devmir_device_desc.devmem_size), the device's copy engine. Copy
 *	@npages pages, page i from @src[i] to @dst[i], and wait for the copy
 *	to complete. Each page is either a system page or a device page
 *	(private or coherent) of this device or of a peer (a device with the
 *	same pgmap owner; devmir_page_device() and devmir_devmem_index() tell
 *	which and where). The data of a device-coherent page are in the page
 *	itself, as for a system page.
 *	A NULL @src[i] asks for a zero-filled @dst[i]. Every page is locked by
 *	the caller and unmapped from the CPU and from every mirror, so nothing
 *	else touches it meanwhile. Return 0 or a negative errno (-ENOMEM,
 *	-EIO): the pages of a failed call are not migrated. Process context,
 *	may sleep, also from a CPU page fault (migrate_to_ram) with the mmap
 *	lock held: it must not take the mmap lock or any mirror lock.
 */
struct devmir_device_ops {
	int (*mirror_init)(struct devmir_mirror *mirror);
	void (*mirror_fini)(struct devmir_mirror *mirror);
	void (*invalidate)(struct devmir_mirror *mirror, u64 start, u64 end,
			   bool blockable);
	void (*invalidate_wait)(struct devmir_mirror *mirror, bool blockable);
	int (*copy)(struct devmir_device *dev, struct page **dst,
		    struct page **src, unsigned int npages);
};

/**
 * enum devmir_memory_kind - The kind of a device's memory.
 * @DEVMIR_MEMORY_PRIVATE: Device-private (MEMORY_DEVICE_PRIVATE): the CPU
 *	cannot map it; a CPU access migrates the page back to system memory
 *	(&dev_pagemap_ops.migrate_to_ram); only the device and its peers see
 *	it through hmm_range_fault().
 * @DEVMIR_MEMORY_COHERENT: Device-coherent (MEMORY_DEVICE_COHERENT), like
 *	an APU's HBM or CXL-attached memory: the CPU maps and accesses its
 *	pages directly, every device sees them like system pages, migration
 *	in and out is still explicit, and a long-term pin (FOLL_LONGTERM)
 *	makes the kernel move the page to system memory first.
 */
enum devmir_memory_kind {
	DEVMIR_MEMORY_PRIVATE,
	DEVMIR_MEMORY_COHERENT,
};

/**
 * struct devmir_device_desc - Static description of a device context.
 * @name: Short unique name (debugfs directory, log messages), e.g. "sim0".
 * @format: Mirror-table format (level 0 = leaf); must pass
 *	dmpt_format_validate(), have 4 KiB leaves at level 0 and outlive the
 *	device context.
 * @pgmap_owner: Owner cookie of the device's device-private memory
 *	(&dev_pagemap.owner): passed to hmm_range_fault() as the device-private
 *	owner and to migrate_vma_setup() as the pgmap owner. Devices that
 *	share a cookie are *peers* (like GPUs of one XGMI hive): their fault
 *	paths see each other's device pages without faulting them, and the
 *	core migrates such a page when the device touches it. Must not be
 *	NULL.
 * @ops: Driver callbacks.
 * @mirror_priv_size: Bytes of zeroed driver data allocated with each mirror.
 * @max_asids: Address-space ids available (one per live mirror), >= 1.
 * @fault_window: Initial fault-ahead window of new mirrors, in bytes; see
 *	devmir_mirror_set_fault_window().
 * @devmem_size: Bytes of device memory, a multiple of 2 MiB up to
 *	%DEVMIR_DEVMEM_MAX; 0 for none. The core creates the device pages
 *	(memremap_pages()) and manages them as a pool, of the kind
 *	@memory_kind says. Device-private memory: over a
 *	request_free_mem_region() range; the driver backs page i of it
 *	(devmir_devmem_index()) with its own memory and copies with
 *	&devmir_device_ops.copy. Device-coherent memory: over the physical
 *	range at @coherent_base, whose pages hold their own data.
 * @memory_kind: What @devmem_size is (&enum devmir_memory_kind); 0, the
 *	default, is device-private memory.
 * @coherent_base: For %DEVMIR_MEMORY_COHERENT, the physical address of
 *	the device's memory: 2 MiB-aligned, @devmem_size bytes of memory the
 *	CPU can access and the kernel does not use (reserved at boot, e.g.
 *	memmap= on x86, or a CXL/HBM range); claimed with request_mem_region().
 *	Must be 0 for device-private memory.
 * @ram_window: Bytes a CPU fault on one of the device's pages migrates back
 *	to system memory, for processes without a mirror setting of their own;
 *	see devmir_mirror_set_ram_window(). 0 means one page.
 * @drvdata: Driver pointer returned by devmir_device_drvdata().
 * @driver_stats: Names of the driver's own counters (at most
 *	%DEVMIR_DRIVER_STATS_MAX; [a-z0-9_], 1 to %DEVMIR_STAT_NAME_LEN - 1
 *	characters, unique, none a name of the core's): the core keeps them
 *	per mirror and per device like its own, resets them with its own and
 *	reports them after its own (devmir_stat_describe()). Counter i is
 *	counted with devmir_driver_stat_add(mirror, i, n). The array must
 *	outlive the device context. NULL if @nr_driver_stats is 0.
 * @nr_driver_stats: Entries of @driver_stats.
 */
struct devmir_device_desc {
	const char *name;
	const struct dmpt_format *format;
	void *pgmap_owner;
	const struct devmir_device_ops *ops;
	size_t mirror_priv_size;
	unsigned int max_asids;
	u64 fault_window;
	u64 devmem_size;
	u32 memory_kind;
	u64 coherent_base;
	u64 ram_window;
	void *drvdata;
	const char *const *driver_stats;
	unsigned int nr_driver_stats;
};

/* Smallest and largest fault-ahead window, bytes (also the ram window). */
#define DEVMIR_WINDOW_MIN	(4ULL << 10)
#define DEVMIR_WINDOW_MAX	(2ULL << 20)

/*
 * Fault-ahead window 0: adaptive (see devmir_mirror_set_fault_window()): a
 * fault maps what the CPU already has in its 2 MiB block and faults in
 * ahead only as far as the mirror's faults have been sequential.
 */
#define DEVMIR_WINDOW_ADAPTIVE	0

/* Largest device memory of one device, and its granule, bytes. */
#define DEVMIR_DEVMEM_MAX	(16ULL << 30)
#define DEVMIR_DEVMEM_ALIGN	(2ULL << 20)

/* Largest fault count of the THRESHOLD migration policy. */
#define DEVMIR_THRESHOLD_MAX	1024

/*
 * Thrashing (devmir_mirror_set_thrashing()): round trips of a 2 MiB region
 * within DEVMIR_THRASH_WINDOW_MS that make it thrashing, and how long it is
 * then held in system memory; the defaults every mirror starts with.
 */
#define DEVMIR_THRASH_ROUNDS_DEFAULT	3
#define DEVMIR_THRASH_ROUNDS_MAX	64
#define DEVMIR_THRASH_HOLD_DEFAULT_MS	200
#define DEVMIR_THRASH_HOLD_MAX_MS	10000
#define DEVMIR_THRASH_WINDOW_MS		1000

/*
 * Range attributes (devmir_mirror_advise()): the fields one range sets
 * (&devmir_attr.mask); a field a range leaves unset is the mirror's.
 */
#define DEVMIR_ATTR_PREFERRED_LOC	0x1U	/* @preferred_loc */
#define DEVMIR_ATTR_ACCESSED_BY		0x2U	/* @accessed_by */
#define DEVMIR_ATTR_GRANULARITY		0x4U	/* @granularity */
#define DEVMIR_ATTR_FAULT_WINDOW	0x8U	/* @fault_window */
#define DEVMIR_ATTR_THRASH		0x10U	/* @thrash_rounds, @thrash_hold_ms */
#define DEVMIR_ATTR_ALL			0x1fU

/* &devmir_attr.preferred_loc. */
#define DEVMIR_LOC_SYSTEM	0	/* system memory: faults never migrate */
#define DEVMIR_LOC_DEVICE	1	/* this device: faults migrate */

/* Attribute ranges one mirror may hold. */
#define DEVMIR_ATTR_RANGES_MAX	4096

/**
 * struct devmir_attr - The attributes of one address range of a mirror.
 * @mask: ``DEVMIR_ATTR_*``: the fields set; the others are 0 and the
 *	mirror's policy applies for them.
 * @preferred_loc: %DEVMIR_LOC_SYSTEM or %DEVMIR_LOC_DEVICE: where a device
 *	fault leaves the range's pages, whatever the mirror's migration policy.
 * @accessed_by: 1: the device maps the range where it is and never
 *	migrates it on a fault (wins over @preferred_loc).
 * @thrash_rounds: As devmir_mirror_set_thrashing()'s @rounds.
 * @thrash_hold_ms: As devmir_mirror_set_thrashing()'s @hold_ms.
 * @pad: Must be 0.
 * @granularity: Bytes a migration of the range moves at a time, by a device
 *	fault's policy (to the device) and by a CPU fault (to system memory):
 *	a power of two, %DEVMIR_WINDOW_MIN..%DEVMIR_WINDOW_MAX.
 * @fault_window: As devmir_mirror_set_fault_window()'s window.
 */
struct devmir_attr {
	u32 mask;
	u32 preferred_loc;
	u32 accessed_by;
	u32 thrash_rounds;
	u32 thrash_hold_ms;
	u32 pad;
	u64 granularity;
	u64 fault_window;
};

/**
 * struct devmir_attr_range - One attribute range of a mirror.
 * @start: First address, page aligned.
 * @end: Exclusive end, page aligned.
 * @attr: Its attributes (a non-empty mask).
 */
struct devmir_attr_range {
	u64 start;
	u64 end;
	struct devmir_attr attr;
};

/**
 * enum devmir_stat - Framework counters, kept per mirror and per device.
 * @DEVMIR_STAT_FAULTS: Faults serviced through hmm_range_fault().
 * @DEVMIR_STAT_FAULTS_RESOLVED: Faults already satisfied when serviced.
 * @DEVMIR_STAT_FAULT_ERRORS: Faults that failed.
 * @DEVMIR_STAT_FAULT_BATCHES: Calls of devmir_fault_batch().
 * @DEVMIR_STAT_HMM_CALLS: hmm_range_fault() calls.
 * @DEVMIR_STAT_HMM_BUSY: hmm_range_fault() calls that returned -EBUSY.
 * @DEVMIR_STAT_HMM_RETRIES: Populates retried after a racing invalidation.
 * @DEVMIR_STAT_PAGES_MAPPED: 4 KiB leaves installed.
 * @DEVMIR_STAT_HUGE_MAPPED: Huge leaves installed.
 * @DEVMIR_STAT_INV_UNMAP: Invalidations of event MMU_NOTIFY_UNMAP.
 * @DEVMIR_STAT_INV_CLEAR: ... of MMU_NOTIFY_CLEAR.
 * @DEVMIR_STAT_INV_PROTECTION_VMA: ... of MMU_NOTIFY_PROTECTION_VMA.
 * @DEVMIR_STAT_INV_PROTECTION_PAGE: ... of MMU_NOTIFY_PROTECTION_PAGE.
 * @DEVMIR_STAT_INV_SOFT_DIRTY: ... of MMU_NOTIFY_SOFT_DIRTY.
 * @DEVMIR_STAT_INV_RELEASE: ... of MMU_NOTIFY_RELEASE.
 * @DEVMIR_STAT_INV_MIGRATE: ... of MMU_NOTIFY_MIGRATE.
 * @DEVMIR_STAT_INV_EXCLUSIVE: ... of MMU_NOTIFY_EXCLUSIVE.
 * @DEVMIR_STAT_INV_OTHER: ... of an event the core has no counter for
 *	(one a newer kernel added).
 * @DEVMIR_STAT_INV_SKIPPED: Invalidations the mirror caused itself
 *	(make_device_exclusive_range() on its behalf), skipped.
 * @DEVMIR_STAT_INV_RETRY: Non-blocking invalidations refused (lock busy).
 * @DEVMIR_STAT_PAGES_INVALIDATED: 4 KiB pages unmapped by invalidations.
 * @DEVMIR_STAT_PAGES_PROTECTED: 4 KiB pages write-protected.
 * @DEVMIR_STAT_MIGRATED_TO_DEVICE: Pages migrated into device memory.
 * @DEVMIR_STAT_MIGRATED_TO_SYSTEM: Pages migrated to system memory.
 * @DEVMIR_STAT_MIGRATE_BYTES: Bytes copied by migrations.
 * @DEVMIR_STAT_MIGRATE_FAILED: Pages a migration could not move.
 * @DEVMIR_STAT_RAM_FAULTS: CPU faults on device pages (migrate_to_ram).
 * @DEVMIR_STAT_EVICTIONS: Device pages evicted because the pool was full.
 * @DEVMIR_STAT_POLICY_MIGRATIONS: Device faults that migrated under the
 *	fault-driven policy.
 * @DEVMIR_STAT_REMOTE_FAULTS: Device faults on pages of a peer device.
 * @DEVMIR_STAT_EXCLUSIVE_GRANTS: Pages made exclusive for device atomics.
 * @DEVMIR_STAT_PAGES_DIRTIED: 4 KiB pages the device wrote whose dirty state
 *	the mirror handed to the page when it dropped or write-protected the
 *	entry.
 * @DEVMIR_STAT_THRASH_TRIPS: Round trips of a region under a fault-driven
 *	policy: migrated to the device again after a CPU fault took it back.
 * @DEVMIR_STAT_THRASH_DETECTED: Times a region was found thrashing.
 * @DEVMIR_STAT_THRASH_HELD: Device faults that mirrored system memory
 *	instead of migrating because their region was held.
 * @DEVMIR_STAT_MIGRATE_RETRIES: Passes over a migration window made again
 *	for pages that were busy.
 * @DEVMIR_STAT_MIGRATE_SETUP_NS: Nanoseconds migration windows spent in
 *	migrate_vma_setup() (collecting and unmapping pages).
 * @DEVMIR_STAT_MIGRATE_ALLOC_NS: ... allocating destination pages
 *	(evictions included).
 * @DEVMIR_STAT_MIGRATE_COPY_NS: ... copying.
 * @DEVMIR_STAT_MIGRATE_PAGES_NS: ... in migrate_vma_pages() and the device
 *	pool's bookkeeping of the pages that moved.
 * @DEVMIR_STAT_MIGRATE_FINALIZE_NS: ... in migrate_vma_finalize().
 * @DEVMIR_STAT_MIGRATE_REFRESH_NS: ... classifying the pages that did not
 *	move and refreshing the mirror.
 * @DEVMIR_STAT_THP_MIGRATED: 2 MiB folios migrated whole (device THP: to
 *	the device or back).
 * @DEVMIR_STAT_THP_FALLBACKS: 2 MiB sources a migration moved as 4 KiB
 *	pages because no 2 MiB destination was to be had (device memory
 *	fragmented or full, no system THP, or %DEVMIR_MIGRATE_SMALL).
 * @DEVMIR_STAT_INV_TWO_PASS: Invalidations whose device acknowledgment
 *	was waited for in the interval notifier's second pass.
 * @DEVMIR_STAT_NR: Number of counters.
 *
 * Only events the core itself sees are here. A driver counts its own
 * device-side events (TLB, walker, fault queue, commands) in counters it
 * registers (&devmir_device_desc.driver_stats, devmir_driver_stat_add()).
 * Invalidations are counted per mmu_notifier event through a table in the
 * core (devmir_stat_add_invalidation()): a kernel enum value is never an
 * index.
 */
enum devmir_stat {
	DEVMIR_STAT_FAULTS,
	DEVMIR_STAT_FAULTS_RESOLVED,
	DEVMIR_STAT_FAULT_ERRORS,
	DEVMIR_STAT_FAULT_BATCHES,
	DEVMIR_STAT_HMM_CALLS,
	DEVMIR_STAT_HMM_BUSY,
	DEVMIR_STAT_HMM_RETRIES,
	DEVMIR_STAT_PAGES_MAPPED,
	DEVMIR_STAT_HUGE_MAPPED,
	DEVMIR_STAT_INV_UNMAP,
	DEVMIR_STAT_INV_CLEAR,
	DEVMIR_STAT_INV_PROTECTION_VMA,
	DEVMIR_STAT_INV_PROTECTION_PAGE,
	DEVMIR_STAT_INV_SOFT_DIRTY,
	DEVMIR_STAT_INV_RELEASE,
	DEVMIR_STAT_INV_MIGRATE,
	DEVMIR_STAT_INV_EXCLUSIVE,
	DEVMIR_STAT_INV_OTHER,
	DEVMIR_STAT_INV_SKIPPED,
	DEVMIR_STAT_INV_RETRY,
	DEVMIR_STAT_PAGES_INVALIDATED,
	DEVMIR_STAT_PAGES_PROTECTED,
	DEVMIR_STAT_MIGRATED_TO_DEVICE,
	DEVMIR_STAT_MIGRATED_TO_SYSTEM,
	DEVMIR_STAT_MIGRATE_BYTES,
	DEVMIR_STAT_MIGRATE_FAILED,
	DEVMIR_STAT_RAM_FAULTS,
	DEVMIR_STAT_EVICTIONS,
	DEVMIR_STAT_POLICY_MIGRATIONS,
	DEVMIR_STAT_REMOTE_FAULTS,
	DEVMIR_STAT_EXCLUSIVE_GRANTS,
	DEVMIR_STAT_PAGES_DIRTIED,
	DEVMIR_STAT_THRASH_TRIPS,
	DEVMIR_STAT_THRASH_DETECTED,
	DEVMIR_STAT_THRASH_HELD,
	DEVMIR_STAT_MIGRATE_RETRIES,
	DEVMIR_STAT_MIGRATE_SETUP_NS,
	DEVMIR_STAT_MIGRATE_ALLOC_NS,
	DEVMIR_STAT_MIGRATE_COPY_NS,
	DEVMIR_STAT_MIGRATE_PAGES_NS,
	DEVMIR_STAT_MIGRATE_FINALIZE_NS,
	DEVMIR_STAT_MIGRATE_REFRESH_NS,
	DEVMIR_STAT_THP_MIGRATED,
	DEVMIR_STAT_THP_FALLBACKS,
	DEVMIR_STAT_INV_TWO_PASS,
	DEVMIR_STAT_NR
};

/* Most counters a driver may register (&devmir_device_desc.driver_stats). */
#define DEVMIR_DRIVER_STATS_MAX	32

/* Longest statistic name, terminating NUL included. */
#define DEVMIR_STAT_NAME_LEN	32

/**
 * struct devmir_stats - A statistics snapshot.
 * @counters: Framework counters since the last reset, indexed by
 *	&enum devmir_stat.
 * @driver: The driver's registered counters since the last reset, indexed
 *	by their position in &devmir_device_desc.driver_stats.
 * @table: Mirror-table accounting (live mirrors only for a device snapshot);
 *	@table.dirs_pruned and @table.splits count since the last reset.
 * @mirrors: Live mirrors included.
 * @devmem_pages: Pages of the device's private memory (0: none).
 * @devmem_used: Of those, pages in use now.
 */
struct devmir_stats {
	u64 counters[DEVMIR_STAT_NR];
	u64 driver[DEVMIR_DRIVER_STATS_MAX];
	struct dmpt_stats table;
	u64 mirrors;
	u64 devmem_pages;
	u64 devmem_used;
};

/**
 * enum devmir_stat_kind - What a reported statistic is.
 * @DEVMIR_STAT_KIND_COUNTER: Counts events since the last reset of its
 *	scope (devmir_mirror_reset_stats(), devmir_device_reset_stats()).
 * @DEVMIR_STAT_KIND_GAUGE: Describes the present; never reset.
 */
enum devmir_stat_kind {
	DEVMIR_STAT_KIND_COUNTER,
	DEVMIR_STAT_KIND_GAUGE,
};

/**
 * struct devmir_stat_desc - Description of one reported statistic.
 * @name: Stable name, [a-z0-9_], shorter than %DEVMIR_STAT_NAME_LEN: the
 *	same in debugfs and in every front end's statistics query.
 * @kind: Counter or gauge.
 * @driver: Registered by the device driver, not kept by the core.
 */
struct devmir_stat_desc {
	const char *name;
	enum devmir_stat_kind kind;
	bool driver;
};

/**
 * enum devmir_lat - The latency histograms.
 * @DEVMIR_LAT_FAULT_4K: Device faults serviced with 4 KiB mapped (the page
 *	alone), from devmir_fault_batch() taking the fault to its commit.
 * @DEVMIR_LAT_FAULT_64K: ... with more than 4 KiB and at most 64 KiB.
 * @DEVMIR_LAT_FAULT_2M: ... with more than 64 KiB (up to 2 MiB).
 * @DEVMIR_LAT_TO_DEVICE_4K: Migration windows to device memory of 4 KiB,
 *	from migrate_vma_setup() to the last page accounted (retries
 *	included).
 * @DEVMIR_LAT_TO_DEVICE_64K: ... of more than 4 KiB, at most 64 KiB.
 * @DEVMIR_LAT_TO_DEVICE_2M: ... of more than 64 KiB.
 * @DEVMIR_LAT_TO_SYSTEM_4K: Migration windows to system memory (MIGRATE
 *	and CPU faults on device pages) of 4 KiB.
 * @DEVMIR_LAT_TO_SYSTEM_64K: ... of more than 4 KiB, at most 64 KiB.
 * @DEVMIR_LAT_TO_SYSTEM_2M: ... of more than 64 KiB.
 * @DEVMIR_LAT_INVALIDATE: Invalidations the mirror applied (table edit and
 *	device TLB shootdown, under the update lock).
 * @DEVMIR_LAT_NR: Number of histograms.
 */
enum devmir_lat {
	DEVMIR_LAT_FAULT_4K,
	DEVMIR_LAT_FAULT_64K,
	DEVMIR_LAT_FAULT_2M,
	DEVMIR_LAT_TO_DEVICE_4K,
	DEVMIR_LAT_TO_DEVICE_64K,
	DEVMIR_LAT_TO_DEVICE_2M,
	DEVMIR_LAT_TO_SYSTEM_4K,
	DEVMIR_LAT_TO_SYSTEM_64K,
	DEVMIR_LAT_TO_SYSTEM_2M,
	DEVMIR_LAT_INVALIDATE,
	DEVMIR_LAT_NR
};

/*
 * Buckets of a latency histogram: bucket i counts latencies of 2^i to
 * 2^(i+1) - 1 ns (bucket 0 also 0 ns), the last one everything from
 * 2^(DEVMIR_LAT_BUCKETS - 1) ns (2.1 s) on.
 */
#define DEVMIR_LAT_BUCKETS	32

/**
 * struct devmir_lat_hist - A snapshot of one latency histogram.
 * @count: Samples.
 * @sum_ns: Their sum, nanoseconds.
 * @max_ns: The largest, nanoseconds.
 * @buckets: Samples per log2 bucket (%DEVMIR_LAT_BUCKETS).
 */
struct devmir_lat_hist {
	u64 count;
	u64 sum_ns;
	u64 max_ns;
	u64 buckets[DEVMIR_LAT_BUCKETS];
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

/**
 * enum devmir_migrate_dir - Direction of a migration.
 * @DEVMIR_MIGRATE_TO_DEVICE: Into the device's private memory (from system
 *	memory or from a peer device's memory).
 * @DEVMIR_MIGRATE_TO_SYSTEM: From device-private memory (the device's or a
 *	peer's) to system memory.
 */
enum devmir_migrate_dir {
	DEVMIR_MIGRATE_TO_DEVICE,
	DEVMIR_MIGRATE_TO_SYSTEM,
};

/* Flags of devmir_migrate(). */
#define DEVMIR_MIGRATE_PREFETCH	BIT(0)	/* pages that cannot move do not fail the call */
/*
 * Destinations are 4 KiB pages only: no 2 MiB device folio (to the device)
 * or system THP (to system memory) is allocated, as after a failed 2 MiB
 * allocation. Device pages are 4 KiB anyway where the kernel lacks
 * device-private THP.
 */
#define DEVMIR_MIGRATE_SMALL	BIT(1)

/**
 * enum devmir_migrate_fail - Why a page could not migrate.
 * @DEVMIR_MIGRATE_FAIL_VMA: Its mapping cannot migrate at all (hugetlbfs,
 *	VM_IO, VM_PFNMAP, VM_MIXEDMAP, DAX).
 * @DEVMIR_MIGRATE_FAIL_FILE: File-backed or shared page, or a hole of such
 *	a mapping: only private anonymous memory moves to device memory.
 * @DEVMIR_MIGRATE_FAIL_BUSY: Pinned (e.g. FOLL_LONGTERM), locked or being
 *	migrated by someone else, swapped out, or a huge page that could not
 *	be split. May succeed later.
 * @DEVMIR_MIGRATE_FAIL_NOMEM: No destination page: device memory full with
 *	nothing evictable, or no system memory.
 * @DEVMIR_MIGRATE_FAIL_NR: Number of reasons.
 */
enum devmir_migrate_fail {
	DEVMIR_MIGRATE_FAIL_VMA,
	DEVMIR_MIGRATE_FAIL_FILE,
	DEVMIR_MIGRATE_FAIL_BUSY,
	DEVMIR_MIGRATE_FAIL_NOMEM,
	DEVMIR_MIGRATE_FAIL_NR
};

/**
 * struct devmir_migrate_result - What one devmir_migrate() call did.
 * @migrated: Pages moved (including never-touched anonymous pages that a
 *	migration to the device populated in device memory).
 * @already: Pages already at the destination.
 * @absent: Migration to system memory: pages never populated.
 * @failed: Pages that could not move, by &enum devmir_migrate_fail.
 * @evicted: Other device pages evicted to make room.
 * @bytes: Bytes copied.
 *
 * @migrated + @already + @absent + the sum of @failed is the number of pages
 * of the range.
 */
struct devmir_migrate_result {
	u64 migrated;
	u64 already;
	u64 absent;
	u64 failed[DEVMIR_MIGRATE_FAIL_NR];
	u64 evicted;
	u64 bytes;
};

/**
 * enum devmir_migrate_policy - Fault-driven migration of a mirror.
 * @DEVMIR_POLICY_OFF: Device faults only mirror (default).
 * @DEVMIR_POLICY_FIRST_FAULT: A device fault migrates its fault-ahead
 *	window into device memory, then mirrors it.
 * @DEVMIR_POLICY_THRESHOLD: Likewise, once the 2 MiB-aligned region of the
 *	fault has taken the threshold number of device faults.
 */
enum devmir_migrate_policy {
	DEVMIR_POLICY_OFF,
	DEVMIR_POLICY_FIRST_FAULT,
	DEVMIR_POLICY_THRESHOLD,
};

/**
 * struct devmir_exclusive - One page held exclusive for a device atomic.
 * @page: The page, locked and referenced while held.
 * @mm: Its mm, referenced while held.
 * @addr: Page-aligned virtual address.
 *
 * Filled by devmir_exclusive_begin(), released by devmir_exclusive_end().
 */
struct devmir_exclusive {
	struct page *page;
	struct mm_struct *mm;
	u64 addr;
};

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
				  unsigned int *level);
dmpt_entry_t devmir_mirror_lookup_write(struct devmir_mirror *mirror, u64 addr,
					unsigned int *level);
unsigned int devmir_mirror_lookup_line(struct devmir_mirror *mirror, u64 addr,
				       dmpt_entry_t *line, unsigned int n,
				       unsigned int *level);

/* Device faults: driver/core/fault.c (through driver/core/range.c) */
int devmir_fault_batch(struct devmir_mirror *mirror, struct devmir_fault *faults,
		       unsigned int nfaults);
int devmir_fault_range_unlocked(struct devmir_mirror *mirror, u64 start,
				u64 end, bool write);

/* Device memory: driver/core/devmem.c */
u64 devmir_device_devmem_size(struct devmir_device *dev);
enum devmir_memory_kind devmir_device_memory_kind(struct devmir_device *dev);
struct devmir_device *devmir_page_device(struct page *page);
long devmir_devmem_index(struct devmir_device *dev, struct page *page);
bool devmir_pfn_is_local(struct devmir_device *dev, unsigned long pfn);
void devmir_devmem_mark_used(struct devmir_device *dev, unsigned long pfn);

/* Migration: driver/core/migrate.c, driver/core/policy.c */
int devmir_migrate(struct devmir_mirror *mirror, u64 start, u64 end,
		   enum devmir_migrate_dir dir, unsigned int flags,
		   struct devmir_migrate_result *res);
int devmir_mirror_set_migrate_policy(struct devmir_mirror *mirror,
				     enum devmir_migrate_policy policy,
				     unsigned int threshold);
enum devmir_migrate_policy devmir_mirror_migrate_policy(struct devmir_mirror *mirror,
							unsigned int *threshold);
int devmir_mirror_set_ram_window(struct devmir_mirror *mirror, u64 bytes);
u64 devmir_mirror_ram_window(struct devmir_mirror *mirror);
int devmir_mirror_set_thrashing(struct devmir_mirror *mirror,
				unsigned int rounds, unsigned int hold_ms);
void devmir_mirror_thrashing(struct devmir_mirror *mirror,
			     unsigned int *rounds, unsigned int *hold_ms);

/* Range attributes: driver/core/advise.c */
int devmir_attr_check(const struct devmir_attr *attr, bool clear);
int devmir_mirror_advise(struct devmir_mirror *mirror, u64 start, u64 end,
			 const struct devmir_attr *attr, bool clear);
int devmir_mirror_advice(struct devmir_mirror *mirror, u64 start, u64 end,
			 struct devmir_attr_range *ranges, unsigned int max,
			 unsigned int *total);
void devmir_mirror_attr_at(struct devmir_mirror *mirror, u64 addr,
			   struct devmir_attr *attr);

/* Exclusive access: driver/core/exclusive.c */
int devmir_exclusive_begin(struct devmir_mirror *mirror, u64 addr,
			   struct devmir_exclusive *ex);
void devmir_exclusive_end(struct devmir_exclusive *ex);

/* Statistics: driver/core/stats.c */
void devmir_stat_add(struct devmir_mirror *mirror, enum devmir_stat stat, u64 n);
void devmir_driver_stat_add(struct devmir_mirror *mirror, unsigned int id, u64 n);
void devmir_mirror_stats(struct devmir_mirror *mirror, struct devmir_stats *st);
void devmir_device_stats(struct devmir_device *dev, struct devmir_stats *st);
unsigned int devmir_stat_count(struct devmir_device *dev);
int devmir_stat_describe(struct devmir_device *dev, unsigned int index,
			 struct devmir_stat_desc *desc);
unsigned int devmir_stats_flatten(struct devmir_device *dev,
				  const struct devmir_stats *st, u64 *values,
				  unsigned int n);
void devmir_mirror_reset_stats(struct devmir_mirror *mirror);
void devmir_device_reset_stats(struct devmir_device *dev);
const char *devmir_lat_name(enum devmir_lat lat);
void devmir_mirror_latency(struct devmir_mirror *mirror,
			   struct devmir_lat_hist *hists);
void devmir_device_latency(struct devmir_device *dev,
			   struct devmir_lat_hist *hists);

#endif /* _DEVMIRROR_H */
