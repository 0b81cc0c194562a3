/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * devmirror_drm.h - ioctl ABI of the devmirror simulated device's DRM render
 * node (driver name "devmirror").
 *
 * Every ioctl takes exactly one structure of its own. Fields are marked (in),
 * (out) or (in/out); reserved and pad fields must be zero; an ioctl rejects
 * unknown flags, non-zero pad, misaligned or overflowing ranges and absurd
 * counts with -EINVAL, and user-space pointers it cannot use (kernel
 * addresses, unmapped memory) with -EFAULT, before it changes anything.
 *
 * Page-table levels follow the mirror library's numbering: level 0 is the
 * leaf (4 KiB) level, higher levels cover larger spans.
 *
 * Extension rule: an existing structure only ever grows at its end, with
 * fields that are 0 when unused. The DRM core zero-extends a shorter
 * structure passed by an older program and copies back only as many bytes as
 * it passed, so such a program keeps working unchanged; the ABI version moves
 * only if an existing field changes place or meaning. Statistics grow without
 * any of this: DRM_IOCTL_DEVMIR_QUERY reports them by name.
 *
 * ABI 2: DRM_IOCTL_DEVMIR_QUERY (self-describing statistics); the value
 * families of MIGRATE and SET_POLICY got their own prefixes (MIGDIR,
 * MIGFLAG, MIGFAIL, MIGMODE; the old names remain as deprecated aliases at
 * the end of this file); STATS is frozen at its ABI 1 layout and kept for
 * ABI 1 programs.
 *
 * ABI 3: DRM_IOCTL_DEVMIR_ADVISE and DRM_IOCTL_DEVMIR_ADVISE_QUERY (range
 * attributes); no existing structure changed.
 *
 * docs/uapi.md documents every ioctl, field and error.
 */
#ifndef _UAPI_DEVMIRROR_DRM_H
#define _UAPI_DEVMIRROR_DRM_H

#include <drm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* Version of this ABI, reported by DRM_IOCTL_DEVMIR_GET_INFO. */
#define DRM_DEVMIR_ABI_VERSION		3

/* Array bounds used by the structures below. */
#define DRM_DEVMIR_MAX_LEVELS		8	/* page-table levels (level 0 = leaf) */
#define DRM_DEVMIR_INV_EVENTS		8	/* invalidation event types */

/* Limits checked by the ioctls. */
#define DRM_DEVMIR_ACCESS_MAX_SIZE	(64ULL << 20)	/* bytes per READ/WRITE */
#define DRM_DEVMIR_SNAPSHOT_MAX_PAGES	0x100000ULL	/* pages per SNAPSHOT */
#define DRM_DEVMIR_WINDOW_MIN		(4ULL << 10)	/* fault-ahead window */
#define DRM_DEVMIR_WINDOW_MAX		(2ULL << 20)
#define DRM_DEVMIR_WINDOW_ADAPTIVE	0	/* fault-ahead window that adapts (default) */
#define DRM_DEVMIR_MIGRATE_MAX_SIZE	(1024ULL << 20)	/* bytes per MIGRATE */
#define DRM_DEVMIR_THRESHOLD_MAX	1024		/* migrate_threshold */

/*
 * &drm_devmir_get_info.memory_kind values. Device-private memory: the CPU
 * cannot access it; a CPU touch migrates the page back to system memory.
 * Device-coherent memory: the CPU reads and writes it in place; migration
 * to system memory is explicit (MIGRATE), or done by the kernel before a
 * long-term pin (FOLL_LONGTERM).
 */
#define DRM_DEVMIR_MEMORY_PRIVATE	0
#define DRM_DEVMIR_MEMORY_COHERENT	1

/**
 * struct drm_devmir_get_info - Argument of DRM_IOCTL_DEVMIR_GET_INFO.
 * @flags: (in) Must be 0.
 * @pad: (in) Must be 0.
 * @abi_version: (out) %DRM_DEVMIR_ABI_VERSION of the driver.
 * @device_index: (out) Index of this simulated device (0-based).
 * @asid: (out) Address-space id of the caller's mirror on this device.
 * @levels: (out) Number of levels of the mirror table format.
 * @leaf_levels: (out) Bitmask of the levels that may hold a leaf (bit 0 =
 *	4 KiB leaf level).
 * @va_bits: (out) Virtual-address bits the mirror table spans.
 * @level_shift: (out) Per level (level 0 = leaf): VA bit where the level's
 *	index starts, i.e. log2 of the bytes one entry covers.
 * @level_bits: (out) Per level (level 0 = leaf): log2 of entries per
 *	directory.
 * @page_sizes: (out) Bitmask of the device's mapping sizes: bit n set means
 *	2^n-byte leaves are supported.
 * @tlb_entries: (out) Entries of the device TLB.
 * @tlb_ways: (out) Associativity of the device TLB.
 * @fault_queue_entries: (out) Capacity of the device fault queue; the upper
 *	bound of the fault batch size.
 * @engines: (out) Number of engines; valid &drm_devmir_access.engine values
 *	are 0 .. @engines - 1.
 * @txn_bytes: (out) Bytes per device memory transaction; each transaction
 *	translates separately.
 * @reserved: (out) Zero.
 * @device_memory: (out) Bytes of device memory the device owns, of the
 *	kind @memory_kind says (0: none, MIGRATE to the device then fails
 *	every page with %DRM_DEVMIR_MIGFAIL_NOMEM).
 * @window_min: (out) Smallest fault-ahead window, bytes.
 * @window_max: (out) Largest fault-ahead window, bytes.
 * @memory_kind: (out) What @device_memory is: %DRM_DEVMIR_MEMORY_PRIVATE
 *	(0, what a driver from before this field has) or
 *	%DRM_DEVMIR_MEMORY_COHERENT. Appended in ABI 2 (extension rule).
 * @reserved2: (out) Zero.
 */
struct drm_devmir_get_info {
	__u32 flags;
	__u32 pad;
	__u32 abi_version;
	__u32 device_index;
	__u32 asid;
	__u32 levels;
	__u32 leaf_levels;
	__u32 va_bits;
	__u32 level_shift[DRM_DEVMIR_MAX_LEVELS];
	__u32 level_bits[DRM_DEVMIR_MAX_LEVELS];
	__u64 page_sizes;
	__u32 tlb_entries;
	__u32 tlb_ways;
	__u32 fault_queue_entries;
	__u32 engines;
	__u32 txn_bytes;
	__u32 reserved;
	__u64 device_memory;
	__u64 window_min;
	__u64 window_max;
	__u32 memory_kind;
	__u32 reserved2;
};

/* &drm_devmir_access.op values. */
#define DRM_DEVMIR_OP_READ		0	/* device reads [addr, addr + size) into buffer */
#define DRM_DEVMIR_OP_WRITE		1	/* device writes buffer into [addr, addr + size) */
#define DRM_DEVMIR_OP_ATOMIC_ADD	2	/* *addr += operand, result = old value */
#define DRM_DEVMIR_OP_ATOMIC_CMPXCHG	3	/* *addr == compare ? *addr = operand */

/* &drm_devmir_access.flags values. */
#define DRM_DEVMIR_ACCESS_NOFAULT	0x1U	/* probe: a miss fails with -EFAULT */
#define DRM_DEVMIR_ACCESS_UNLOCKED	0x2U	/* fault in first, the mmap lock may drop */
#define DRM_DEVMIR_ACCESS_FLAGS		(DRM_DEVMIR_ACCESS_NOFAULT | DRM_DEVMIR_ACCESS_UNLOCKED)

/**
 * struct drm_devmir_access - Argument of DRM_IOCTL_DEVMIR_ACCESS.
 * @addr: (in) Process virtual address of the first byte the device accesses.
 *	8-byte aligned for the atomic operations.
 * @size: (in) Bytes: 1..%DRM_DEVMIR_ACCESS_MAX_SIZE for READ and WRITE, 8 for
 *	the atomic operations.
 * @buffer: (in) User pointer to @size bytes: the destination of READ, the
 *	source of WRITE. Must be 0 for the atomic operations.
 * @operand: (in) ATOMIC_ADD: the addend; ATOMIC_CMPXCHG: the new value.
 *	Must be 0 for READ and WRITE.
 * @compare: (in) ATOMIC_CMPXCHG: the expected value. Must be 0 otherwise.
 * @result: (out) Atomic operations: the value before the operation.
 * @faults: (out) Device faults this access raised (after coalescing).
 * @op: (in) One of the ``DRM_DEVMIR_OP_*`` values.
 * @flags: (in) ``DRM_DEVMIR_ACCESS_*`` flags.
 * @engine: (in) Engine that executes the access, below
 *	&drm_devmir_get_info.engines.
 * @pad: (in) Must be 0.
 */
struct drm_devmir_access {
	__u64 addr;
	__u64 size;
	__u64 buffer;
	__u64 operand;
	__u64 compare;
	__u64 result;
	__u64 faults;
	__u32 op;
	__u32 flags;
	__u32 engine;
	__u32 pad;
};

/* &drm_devmir_set_policy.flags: the fields to apply. */
#define DRM_DEVMIR_POLICY_WINDOW	0x1U	/* @fault_window */
#define DRM_DEVMIR_POLICY_BATCH		0x2U	/* @fault_batch */
#define DRM_DEVMIR_POLICY_MIGRATE	0x4U	/* @migrate_mode, @migrate_threshold */
#define DRM_DEVMIR_POLICY_RAM_WINDOW	0x8U	/* @ram_window */
#define DRM_DEVMIR_POLICY_THRASH	0x10U	/* @thrash_rounds, @thrash_hold_ms */
#define DRM_DEVMIR_POLICY_FLAGS		(DRM_DEVMIR_POLICY_WINDOW | DRM_DEVMIR_POLICY_BATCH | \
					 DRM_DEVMIR_POLICY_MIGRATE | \
					 DRM_DEVMIR_POLICY_RAM_WINDOW | \
					 DRM_DEVMIR_POLICY_THRASH)

/* Thrashing (&drm_devmir_set_policy.thrash_rounds, .thrash_hold_ms). */
#define DRM_DEVMIR_THRASH_ROUNDS_MAX	64
#define DRM_DEVMIR_THRASH_HOLD_MAX_MS	10000
#define DRM_DEVMIR_THRASH_WINDOW_MS	1000	/* the round trips' time window */

/* &drm_devmir_set_policy.migrate_mode: fault-driven migration to the device. */
#define DRM_DEVMIR_MIGMODE_OFF		0	/* mirror only (default) */
#define DRM_DEVMIR_MIGMODE_FIRST_FAULT	1	/* migrate on the first device fault */
#define DRM_DEVMIR_MIGMODE_THRESHOLD	2	/* after migrate_threshold faults per 2 MiB */

/**
 * struct drm_devmir_set_policy - Argument of DRM_IOCTL_DEVMIR_SET_POLICY.
 * @flags: (in) Non-empty set of ``DRM_DEVMIR_POLICY_*``: which fields apply;
 *	the others are ignored.
 * @fault_batch: (in) Faults serviced per batch, 1 ..
 *	&drm_devmir_get_info.fault_queue_entries.
 * @fault_window: (in) Fault-ahead window in bytes: a power of two from
 *	%DRM_DEVMIR_WINDOW_MIN (no fault-ahead) to %DRM_DEVMIR_WINDOW_MAX, or
 *	%DRM_DEVMIR_WINDOW_ADAPTIVE: a fault mirrors what the CPU maps in its
 *	2 MiB block and faults in a run that grows while faults are sequential.
 * @migrate_mode: (in) ``DRM_DEVMIR_MIGMODE_OFF``, ``_FIRST_FAULT`` or
 *	``_THRESHOLD``: whether a device fault migrates the fault-ahead window
 *	around it into device memory before mirroring it, and when. A device
 *	fault on a page in another device's memory migrates it to this device
 *	when the policy is not OFF, to system memory otherwise.
 * @migrate_threshold: (in) THRESHOLD: device faults on one 2 MiB-aligned
 *	region, 1..%DRM_DEVMIR_THRESHOLD_MAX, after which the region's faults
 *	migrate; must be 0 for the other modes. Setting the policy restarts
 *	the counts.
 * @ram_window: (in) Bytes a CPU fault on a device page migrates back to
 *	system memory (migrate_to_ram): the aligned window around the faulting
 *	page, clipped to its VMA; a power of two from %DRM_DEVMIR_WINDOW_MIN
 *	(the page alone) to %DRM_DEVMIR_WINDOW_MAX.
 * @thrash_rounds: (in) Round trips (migrated to the device by the fault-
 *	driven policy, taken back by a CPU fault) of one 2 MiB region within
 *	%DRM_DEVMIR_THRASH_WINDOW_MS that make it thrashing,
 *	0..%DRM_DEVMIR_THRASH_ROUNDS_MAX; 0 stops watching (default 3).
 * @thrash_hold_ms: (in) How long a thrashing region then stays in system
 *	memory, mirrored there instead of migrated, 0..
 *	%DRM_DEVMIR_THRASH_HOLD_MAX_MS; doubles when it thrashes again right
 *	after, up to 8 times; 0 only counts (default 200).
 *
 * The policy belongs to the caller's mirror: every open of the device by the
 * same process shares it. @migrate_mode and later fields were appended in
 * ABI 1, @thrash_rounds and @thrash_hold_ms in ABI 2 (see the extension rule
 * above).
 */
struct drm_devmir_set_policy {
	__u32 flags;
	__u32 fault_batch;
	__u64 fault_window;
	__u32 migrate_mode;
	__u32 migrate_threshold;
	__u64 ram_window;
	__u32 thrash_rounds;
	__u32 thrash_hold_ms;
};

/**
 * struct drm_devmir_get_policy - Argument of DRM_IOCTL_DEVMIR_GET_POLICY.
 * @flags: (in) Must be 0.
 * @fault_batch: (out) Faults serviced per batch.
 * @fault_window: (out) Fault-ahead window in bytes, or
 *	%DRM_DEVMIR_WINDOW_ADAPTIVE.
 * @migrate_mode: (out) ``DRM_DEVMIR_MIGMODE_OFF``, ``_FIRST_FAULT`` or
 *	``_THRESHOLD``.
 * @migrate_threshold: (out) Faults per 2 MiB region (THRESHOLD), else 0.
 * @ram_window: (out) Bytes a CPU fault on a device page migrates back.
 * @thrash_rounds: (out) Round trips that make a region thrashing (0: off).
 * @thrash_hold_ms: (out) First hold of a thrashing region (0: count only).
 */
struct drm_devmir_get_policy {
	__u32 flags;
	__u32 fault_batch;
	__u64 fault_window;
	__u32 migrate_mode;
	__u32 migrate_threshold;
	__u64 ram_window;
	__u32 thrash_rounds;
	__u32 thrash_hold_ms;
};

/*
 * SNAPSHOT: one byte per page. Bits 0-4 are flags; bits 5-7 hold the level
 * of the leaf that maps the page (level 0 = leaf, 1 = 2 MiB, 2 = 1 GiB on the
 * x86-64 format). A byte of 0 (DRM_DEVMIR_SNAP_NONE) means not mapped.
 */
#define DRM_DEVMIR_SNAP_NONE		0x00
#define DRM_DEVMIR_SNAP_READ		0x01	/* mapped, device may read */
#define DRM_DEVMIR_SNAP_WRITE		0x02	/* device may write */
#define DRM_DEVMIR_SNAP_DEV_LOCAL	0x04	/* mapped from this device's own memory */
#define DRM_DEVMIR_SNAP_DEV_REMOTE	0x08	/* not mapped: in a peer device's memory */
#define DRM_DEVMIR_SNAP_EXCLUSIVE	0x10	/* exclusive (atomic) access granted */
#define DRM_DEVMIR_SNAP_LEVEL_SHIFT	5
#define DRM_DEVMIR_SNAP_LEVEL(b)	(((b) >> DRM_DEVMIR_SNAP_LEVEL_SHIFT) & 0x7)

/**
 * struct drm_devmir_snapshot - Argument of DRM_IOCTL_DEVMIR_SNAPSHOT.
 * @addr: (in) Page-aligned process virtual address of the first page.
 * @npages: (in) Number of pages, 1..%DRM_DEVMIR_SNAPSHOT_MAX_PAGES.
 * @buffer: (in) User pointer to @npages bytes that receive one
 *	``DRM_DEVMIR_SNAP_*`` byte per page.
 * @mapped: (out) Pages with a valid mirror entry.
 * @flags: (in) Must be 0.
 * @pad: (in) Must be 0.
 *
 * Reports what the device's mirror of the caller holds; it never faults
 * anything in. The one exception to "the mirror, not the CPU": a page the
 * mirror does not map because it lives in a peer device's private memory
 * (the CPU page table says so) is reported as %DRM_DEVMIR_SNAP_DEV_REMOTE
 * alone; the device's first access to it migrates it.
 */
struct drm_devmir_snapshot {
	__u64 addr;
	__u64 npages;
	__u64 buffer;
	__u64 mapped;
	__u32 flags;
	__u32 pad;
};

/* STATS / RESET_STATS flags. */
#define DRM_DEVMIR_STATS_DEVICE		0x1U	/* whole device, not the caller's mirror */
#define DRM_DEVMIR_STATS_FLAGS		DRM_DEVMIR_STATS_DEVICE

/*
 * Index of &drm_devmir_stats.invalidations: the ABI's own numbering of the
 * invalidation events, translated from the kernel's mmu_notifier events by
 * a table in the driver (the kernel's enum values are no ABI). QUERY names
 * the same counters "inv_unmap", "inv_clear", ... "inv_exclusive", and has
 * "inv_other" for events this numbering does not know.
 */
#define DRM_DEVMIR_INV_UNMAP		0
#define DRM_DEVMIR_INV_CLEAR		1
#define DRM_DEVMIR_INV_PROTECTION_VMA	2
#define DRM_DEVMIR_INV_PROTECTION_PAGE	3
#define DRM_DEVMIR_INV_SOFT_DIRTY	4
#define DRM_DEVMIR_INV_RELEASE		5
#define DRM_DEVMIR_INV_MIGRATE		6
#define DRM_DEVMIR_INV_EXCLUSIVE	7

/**
 * struct drm_devmir_stats - Argument of DRM_IOCTL_DEVMIR_STATS (ABI 1,
 * frozen: new statistics appear in DRM_IOCTL_DEVMIR_QUERY only).
 * @flags: (in) 0 for the caller's mirror, %DRM_DEVMIR_STATS_DEVICE for the
 *	whole device (counters of every mirror it has had; table figures of
 *	the live ones).
 * @pad: (in) Must be 0.
 * @faults_raised: (out) Translation misses queued as device faults.
 * @faults_coalesced: (out) Misses dropped because the same page was already
 *	queued.
 * @faults: (out) Faults serviced through hmm_range_fault().
 * @faults_resolved: (out) Queued faults found already satisfied when their
 *	batch ran (e.g. by an earlier fault's fault-ahead window).
 * @fault_errors: (out) Faults that failed (-EFAULT and friends).
 * @fault_batches: (out) Fault batches serviced.
 * @hmm_calls: (out) hmm_range_fault() calls.
 * @hmm_busy: (out) hmm_range_fault() calls that returned -EBUSY.
 * @hmm_retries: (out) Faults retried because an invalidation raced them
 *	(mmu_interval_read_retry()).
 * @pages_mapped: (out) 4 KiB leaf entries installed.
 * @huge_mapped: (out) Huge leaf entries installed.
 * @tlb_hits: (out) Device TLB hits.
 * @tlb_misses: (out) Device TLB misses.
 * @tlb_shootdowns: (out) Device TLB shootdowns (one per invalidation that
 *	changed the mirror).
 * @tlb_flushed: (out) Device TLB entries dropped by shootdowns.
 * @walks: (out) Page-table walks by the device walker.
 * @walk_levels: (out) Directories read by those walks.
 * @accesses: (out) ACCESS commands executed.
 * @invalidations: (out) Invalidations received, per event type
 *	(``DRM_DEVMIR_INV_*``).
 * @inv_skipped: (out) Invalidations skipped because the mirror caused them
 *	(granting exclusive access for atomics; migrations are never skipped).
 * @inv_retry: (out) Non-blocking invalidations refused because the mirror
 *	was busy (the kernel retries them).
 * @pages_invalidated: (out) 4 KiB pages unmapped from the mirror.
 * @pages_protected: (out) 4 KiB pages downgraded to read-only.
 * @table_entries: (out) Valid leaf entries per level (level 0 = leaf).
 * @table_dirs: (out) Live directories per level (level 0 = leaf), root
 *	included.
 * @table_bytes: (out) Bytes allocated for directories.
 * @dirs_pruned: (out) Directories freed because they became empty.
 * @splits: (out) Huge leaves split by partial invalidations.
 * @mirrors: (out) Live mirrors counted (1 for the caller's mirror).
 * @migrated_to_device: (out) Pages migrated into this device's memory.
 * @migrated_to_system: (out) Pages migrated from device memory to system
 *	memory (MIGRATE, CPU faults, device faults on peer pages, eviction).
 * @migrate_bytes: (out) Bytes the copy engines moved for those migrations.
 * @migrate_failed: (out) Pages a migration request could not move (see
 *	&drm_devmir_migrate.failed for the reasons of one call).
 * @ram_faults: (out) CPU faults on device pages (migrate_to_ram calls).
 * @evictions: (out) Device pages evicted to system memory because the
 *	device memory was full (device scope: every eviction).
 * @policy_migrations: (out) Device faults that migrated their window to
 *	the device under the fault-driven policy.
 * @remote_faults: (out) Device faults on a page in a peer device's memory.
 * @exclusive_grants: (out) Pages made exclusive to the device for atomics
 *	(make_device_exclusive_range()).
 * @exclusive_fallbacks: (out) Atomics on pages that cannot be made
 *	exclusive (shared, file-backed, huge), done with a plain write mapping.
 * @devmem_pages: (out) Pages of device memory (the device's, in both scopes).
 * @devmem_used: (out) Device pages in use now (the device's, in both scopes).
 *
 * Counters count from the last RESET_STATS of the same scope; the table
 * figures (@table_entries, @table_dirs, @table_bytes) and @devmem_pages,
 * @devmem_used describe the present. @migrated_to_device and later fields
 * were appended in ABI 1 (see the extension rule above). Every field has a
 * QUERY statistic of the same name (@invalidations: "inv_*",
 * @table_entries and @table_dirs: "table_entries_l<level>",
 * "table_dirs_l<level>") with the same value; this structure never grows.
 */
struct drm_devmir_stats {
	__u32 flags;
	__u32 pad;
	__u64 faults_raised;
	__u64 faults_coalesced;
	__u64 faults;
	__u64 faults_resolved;
	__u64 fault_errors;
	__u64 fault_batches;
	__u64 hmm_calls;
	__u64 hmm_busy;
	__u64 hmm_retries;
	__u64 pages_mapped;
	__u64 huge_mapped;
	__u64 tlb_hits;
	__u64 tlb_misses;
	__u64 tlb_shootdowns;
	__u64 tlb_flushed;
	__u64 walks;
	__u64 walk_levels;
	__u64 accesses;
	__u64 invalidations[DRM_DEVMIR_INV_EVENTS];
	__u64 inv_skipped;
	__u64 inv_retry;
	__u64 pages_invalidated;
	__u64 pages_protected;
	__u64 table_entries[DRM_DEVMIR_MAX_LEVELS];
	__u64 table_dirs[DRM_DEVMIR_MAX_LEVELS];
	__u64 table_bytes;
	__u64 dirs_pruned;
	__u64 splits;
	__u64 mirrors;
	__u64 migrated_to_device;
	__u64 migrated_to_system;
	__u64 migrate_bytes;
	__u64 migrate_failed;
	__u64 ram_faults;
	__u64 evictions;
	__u64 policy_migrations;
	__u64 remote_faults;
	__u64 exclusive_grants;
	__u64 exclusive_fallbacks;
	__u64 devmem_pages;
	__u64 devmem_used;
};

/**
 * struct drm_devmir_reset_stats - Argument of DRM_IOCTL_DEVMIR_RESET_STATS.
 * @flags: (in) 0 resets the caller's mirror's counters,
 *	%DRM_DEVMIR_STATS_DEVICE the device-wide counters.
 * @pad: (in) Must be 0.
 */
struct drm_devmir_reset_stats {
	__u32 flags;
	__u32 pad;
};

/* &drm_devmir_migrate.direction values. */
#define DRM_DEVMIR_MIGDIR_TO_DEVICE	0	/* into this device's private memory */
#define DRM_DEVMIR_MIGDIR_TO_SYSTEM	1	/* back to system memory */

/* &drm_devmir_migrate.flags values. */
#define DRM_DEVMIR_MIGFLAG_PREFETCH	0x1U	/* best effort: never fail for pages */
#define DRM_DEVMIR_MIGFLAG_ALL		DRM_DEVMIR_MIGFLAG_PREFETCH

/*
 * Index of &drm_devmir_migrate.failed: why pages could not move.
 * VMA: the mapping cannot migrate at all (hugetlbfs, VM_IO, VM_PFNMAP, ...).
 * FILE: a file-backed or shared page (only private anonymous memory moves).
 * BUSY: pinned, locked, being migrated, swapped out or unsplittable.
 * NOMEM: no destination page (device memory full, nothing evictable).
 */
#define DRM_DEVMIR_MIGFAIL_VMA		0
#define DRM_DEVMIR_MIGFAIL_FILE		1
#define DRM_DEVMIR_MIGFAIL_BUSY		2
#define DRM_DEVMIR_MIGFAIL_NOMEM	3
#define DRM_DEVMIR_MIGFAIL_SLOTS	8	/* size of the array; 4..7 are 0 */

/**
 * struct drm_devmir_migrate - Argument of DRM_IOCTL_DEVMIR_MIGRATE.
 * @addr: (in) Page-aligned process virtual address of the first page.
 * @size: (in) Bytes, a multiple of 4 KiB, 4 KiB..%DRM_DEVMIR_MIGRATE_MAX_SIZE.
 *	Every byte must be covered by VMAs (of any protection).
 * @migrated: (out) Pages this call moved (never-touched private anonymous
 *	pages count here when TO_DEVICE populates them in device memory).
 * @already: (out) Pages already at the destination: in this device's memory
 *	(TO_DEVICE) or in system memory (TO_SYSTEM).
 * @absent: (out) TO_SYSTEM: no page there (never populated or swapped out),
 *	nothing to move. A page under another devmirror migration in flight
 *	or device-exclusive for this device counts as %DRM_DEVMIR_MIGFAIL_BUSY.
 * @failed: (out) Pages that could not move, by reason
 *	(``DRM_DEVMIR_MIGFAIL_*``). @migrated + @already + @absent + the
 *	sum of @failed is always @size / 4096.
 * @evicted: (out) Other device pages this call evicted to system memory to
 *	make room.
 * @bytes_copied: (out) Bytes the copy engines moved for this call.
 * @direction: (in) ``DRM_DEVMIR_MIGDIR_TO_DEVICE`` or ``_TO_SYSTEM``.
 * @flags: (in) ``DRM_DEVMIR_MIGFLAG_*`` flags. With
 *	%DRM_DEVMIR_MIGFLAG_PREFETCH the call is a hint: pages that cannot
 *	move are counted in @failed but do not fail it.
 *
 * Migrates the range in windows of at most 2 MiB (migrate_vma_setup(),
 * _pages(), _finalize()); the data are identical afterwards. TO_DEVICE moves
 * system pages and pages of peer devices into this device's memory, evicting
 * its least recently used pages when it is full; the mirror then maps the
 * moved pages as device-local (SNAPSHOT %DRM_DEVMIR_SNAP_DEV_LOCAL) and
 * device accesses use device memory. TO_SYSTEM moves pages of this device
 * and of its peers back. The outputs are written even when the call fails.
 *
 * Without %DRM_DEVMIR_MIGFLAG_PREFETCH a call that leaves pages in @failed
 * fails: -ENOMEM if any failed for lack of memory, else -EBUSY if any was
 * busy, else -EOPNOTSUPP (only mappings or pages that can never move).
 */
struct drm_devmir_migrate {
	__u64 addr;
	__u64 size;
	__u64 migrated;
	__u64 already;
	__u64 absent;
	__u64 failed[DRM_DEVMIR_MIGFAIL_SLOTS];
	__u64 evicted;
	__u64 bytes_copied;
	__u32 direction;
	__u32 flags;
};

/* &drm_devmir_query.query: what to read. */
#define DRM_DEVMIR_QUERY_STAT_DESC	0	/* struct drm_devmir_query_stat_desc */
#define DRM_DEVMIR_QUERY_STAT_VALUES	1	/* struct drm_devmir_query_stat_values */
#define DRM_DEVMIR_QUERY_LATENCY	2	/* struct drm_devmir_query_latency */

/* &drm_devmir_query.flags. */
#define DRM_DEVMIR_QUERY_DEVICE		0x1U	/* STAT_VALUES, LATENCY: the whole device */
#define DRM_DEVMIR_QUERY_FLAGS		DRM_DEVMIR_QUERY_DEVICE

/**
 * struct drm_devmir_query - Argument of DRM_IOCTL_DEVMIR_QUERY.
 * @query: (in) ``DRM_DEVMIR_QUERY_*``: what to read into @data.
 * @flags: (in) %DRM_DEVMIR_QUERY_DEVICE with STAT_VALUES or LATENCY: the
 *	values of the whole device instead of the caller's mirror (as
 *	STATS_DEVICE); 0 otherwise.
 * @size: (in/out) Bytes at @data. 0 asks for the size the answer needs:
 *	the kernel stores it here and writes nothing else. Smaller than the
 *	answer: -EINVAL. Otherwise the kernel writes the answer and stores
 *	its size here.
 * @pad: (in) Must be 0.
 * @data: (in) User pointer to @size bytes; ignored when @size is 0.
 * @reserved: (in) Must be 0.
 *
 * A query in the shape of xe's DRM_IOCTL_XE_DEVICE_QUERY: ask the size,
 * allocate, ask again. The statistics a device reports, their order and
 * their names are fixed for the device's lifetime, so STAT_DESC is read
 * once and STAT_VALUES as often as needed.
 */
struct drm_devmir_query {
	__u32 query;
	__u32 flags;
	__u32 size;
	__u32 pad;
	__u64 data;
	__u64 reserved[2];
};

/* Longest statistic name, terminating NUL included. */
#define DRM_DEVMIR_STAT_NAME_LEN	32

/* &drm_devmir_stat_desc.kind. */
#define DRM_DEVMIR_STAT_COUNTER		0	/* events since the last RESET_STATS */
#define DRM_DEVMIR_STAT_GAUGE		1	/* the present; never reset */

/* &drm_devmir_stat_desc.flags. */
#define DRM_DEVMIR_STAT_DRIVER		0x1U	/* the device's own, not the core's */

/**
 * struct drm_devmir_stat_desc - Description of one statistic.
 * @name: (out) NUL-terminated name of lower-case letters, digits and '_',
 *	unique on the device, e.g. "faults", "inv_unmap", "tlb_misses",
 *	"table_entries_l0".
 * @kind: (out) %DRM_DEVMIR_STAT_COUNTER or %DRM_DEVMIR_STAT_GAUGE.
 * @flags: (out) %DRM_DEVMIR_STAT_DRIVER for a counter the device driver
 *	registered (TLB, walker, fault queue ...), 0 for the framework's.
 */
struct drm_devmir_stat_desc {
	char name[DRM_DEVMIR_STAT_NAME_LEN];
	__u32 kind;
	__u32 flags;
};

/**
 * struct drm_devmir_query_stat_desc - Answer of DRM_DEVMIR_QUERY_STAT_DESC.
 * @count: (out) Number of statistics.
 * @pad: (out) Zero.
 * @desc: (out) @count descriptions, in the order of the values.
 */
struct drm_devmir_query_stat_desc {
	__u32 count;
	__u32 pad;
	struct drm_devmir_stat_desc desc[];
};

/**
 * struct drm_devmir_query_stat_values - Answer of
 * DRM_DEVMIR_QUERY_STAT_VALUES.
 * @count: (out) Number of values (the count of STAT_DESC).
 * @pad: (out) Zero.
 * @values: (out) @count values, value i described by desc[i].
 */
struct drm_devmir_query_stat_values {
	__u32 count;
	__u32 pad;
	__u64 values[];
};

/*
 * Buckets of a latency histogram: bucket i counts latencies of 2^i to
 * 2^(i+1) - 1 ns (bucket 0 also 0 ns); the last one, everything from
 * 2^31 ns (2.1 s) on.
 */
#define DRM_DEVMIR_LAT_BUCKETS		32

/**
 * struct drm_devmir_latency - One latency histogram.
 * @name: (out) NUL-terminated name: "fault_4k", "fault_64k", "fault_2m"
 *	(device faults serviced, by the size they mapped: 4 KiB, up to
 *	64 KiB, up to 2 MiB); "to_device_4k", "to_device_64k",
 *	"to_device_2m", "to_system_4k", "to_system_64k", "to_system_2m"
 *	(migration windows by direction and size; CPU faults on device pages
 *	included in "to_system_*"); "invalidate" (invalidations the mirror
 *	applied: table edit and device TLB shootdown). New names may follow
 *	the existing ones in later versions.
 * @count: (out) Samples since the last RESET_STATS of the scope.
 * @sum_ns: (out) Their sum, nanoseconds.
 * @max_ns: (out) The largest sample, nanoseconds.
 * @buckets: (out) Samples per log2 bucket of nanoseconds
 *	(%DRM_DEVMIR_LAT_BUCKETS); they add up to @count.
 */
struct drm_devmir_latency {
	char name[DRM_DEVMIR_STAT_NAME_LEN];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 buckets[DRM_DEVMIR_LAT_BUCKETS];
};

/**
 * struct drm_devmir_query_latency - Answer of DRM_DEVMIR_QUERY_LATENCY.
 * @count: (out) Number of histograms.
 * @nbuckets: (out) Buckets per histogram: %DRM_DEVMIR_LAT_BUCKETS.
 * @hist: (out) @count histograms, always in the same order.
 *
 * The histograms of the caller's mirror, or with %DRM_DEVMIR_QUERY_DEVICE
 * of the whole device (every mirror's samples since the device's last
 * RESET_STATS, and the CPU faults of processes without a mirror).
 */
struct drm_devmir_query_latency {
	__u32 count;
	__u32 nbuckets;
	struct drm_devmir_latency hist[];
};

/* &drm_devmir_attr.mask: the attributes a range sets. */
#define DRM_DEVMIR_ATTR_PREFERRED_LOC	0x1U	/* @preferred_loc */
#define DRM_DEVMIR_ATTR_ACCESSED_BY	0x2U	/* @accessed_by */
#define DRM_DEVMIR_ATTR_GRANULARITY	0x4U	/* @granularity */
#define DRM_DEVMIR_ATTR_FAULT_WINDOW	0x8U	/* @fault_window */
#define DRM_DEVMIR_ATTR_THRASH		0x10U	/* @thrash_rounds, @thrash_hold_ms */
#define DRM_DEVMIR_ATTR_ALL		(DRM_DEVMIR_ATTR_PREFERRED_LOC | \
					 DRM_DEVMIR_ATTR_ACCESSED_BY | \
					 DRM_DEVMIR_ATTR_GRANULARITY | \
					 DRM_DEVMIR_ATTR_FAULT_WINDOW | \
					 DRM_DEVMIR_ATTR_THRASH)

/* &drm_devmir_attr.preferred_loc. */
#define DRM_DEVMIR_LOC_SYSTEM		0	/* system memory */
#define DRM_DEVMIR_LOC_DEVICE		1	/* this device's memory */

/* Attribute ranges of one mirror, at most. */
#define DRM_DEVMIR_ATTR_RANGES_MAX	4096

/**
 * struct drm_devmir_attr - Attributes of an address range of the caller's
 * mirror on this device.
 * @mask: (in/out) ``DRM_DEVMIR_ATTR_*``: the fields set. A field outside
 *	the mask is 0, and for it the mirror's policy (SET_POLICY) applies.
 * @preferred_loc: (in/out) %DRM_DEVMIR_LOC_SYSTEM: a device fault never
 *	migrates the range (it mirrors system memory), whatever migrate_mode
 *	says; %DRM_DEVMIR_LOC_DEVICE: a device fault migrates the window
 *	around it to this device's memory first, as under FIRST_FAULT, even
 *	when migrate_mode is OFF.
 * @accessed_by: (in/out) 1: the device maps the range where it is and a
 *	device fault never migrates it (wins over @preferred_loc); 0 or 1.
 * @thrash_rounds: (in/out) As &drm_devmir_set_policy.thrash_rounds, for
 *	faults in the range.
 * @thrash_hold_ms: (in/out) As &drm_devmir_set_policy.thrash_hold_ms.
 * @pad: (in) Must be 0.
 * @granularity: (in/out) Bytes one migration of the range moves: a
 *	device fault's migration to the device takes the granularity-aligned
 *	block around the fault (clipped to its VMA) instead of the fault-ahead
 *	window, and a CPU fault on a device page takes it back (instead of
 *	ram_window); a power of two, %DRM_DEVMIR_WINDOW_MIN..
 *	%DRM_DEVMIR_WINDOW_MAX.
 * @fault_window: (in/out) As &drm_devmir_set_policy.fault_window, for
 *	faults in the range (%DRM_DEVMIR_WINDOW_ADAPTIVE included).
 */
struct drm_devmir_attr {
	__u32 mask;
	__u32 preferred_loc;
	__u32 accessed_by;
	__u32 thrash_rounds;
	__u32 thrash_hold_ms;
	__u32 pad;
	__u64 granularity;
	__u64 fault_window;
};

/* &drm_devmir_advise.flags. */
#define DRM_DEVMIR_ADVISE_CLEAR		0x1U	/* clear the fields of attr.mask */
#define DRM_DEVMIR_ADVISE_FLAGS		DRM_DEVMIR_ADVISE_CLEAR

/**
 * struct drm_devmir_advise - Argument of DRM_IOCTL_DEVMIR_ADVISE.
 * @addr: (in) Page-aligned first address.
 * @size: (in) Bytes, a non-zero multiple of 4 KiB; @addr + @size must not
 *	overflow nor pass the end of the address space the device maps.
 * @flags: (in) 0: set the fields of @attr.mask to @attr's values on the
 *	range; %DRM_DEVMIR_ADVISE_CLEAR: clear them (back to the mirror's
 *	policy), every value of @attr 0.
 * @pad: (in) Must be 0.
 * @attr: (in) A non-empty mask and the values; a value outside the mask
 *	must be 0; values within the bounds SET_POLICY uses.
 * @reserved: (in) Must be 0.
 *
 * Sets attributes on [@addr, @addr + @size) whether or not memory is mapped
 * there: existing ranges are split where the range cuts them, and
 * neighbours left equal are merged. munmap() of memory drops the attributes
 * of the range unmapped; so does mremap() of the range it moves. Errors:
 * -EINVAL (bad argument, before anything changes), -ENOSPC (the mirror
 * would hold more than %DRM_DEVMIR_ATTR_RANGES_MAX ranges; nothing changes),
 * -ENOMEM.
 */
struct drm_devmir_advise {
	__u64 addr;
	__u64 size;
	__u32 flags;
	__u32 pad;
	struct drm_devmir_attr attr;
	__u64 reserved[2];
};

/**
 * struct drm_devmir_attr_range - One attribute range (ADVISE_QUERY).
 * @addr: (out) First address.
 * @size: (out) Bytes.
 * @attr: (out) Its attributes.
 */
struct drm_devmir_attr_range {
	__u64 addr;
	__u64 size;
	struct drm_devmir_attr attr;
};

/**
 * struct drm_devmir_advise_query - Argument of DRM_IOCTL_DEVMIR_ADVISE_QUERY.
 * @addr: (in) Page-aligned first address.
 * @size: (in) Bytes, a non-zero multiple of 4 KiB, not overflowing.
 * @ranges: (in) User pointer to @count &struct drm_devmir_attr_range.
 * @count: (in/out) In: room at @ranges, 0..%DRM_DEVMIR_ATTR_RANGES_MAX (0:
 *	only count). Out: ranges overlapping [@addr, @addr + @size); the first
 *	min(in, out) of them, in address order and not clipped, are at
 *	@ranges.
 * @flags: (in) Must be 0.
 * @reserved: (in) Must be 0.
 */
struct drm_devmir_advise_query {
	__u64 addr;
	__u64 size;
	__u64 ranges;
	__u32 count;
	__u32 flags;
	__u64 reserved;
};

#define DRM_DEVMIR_GET_INFO		0x00
#define DRM_DEVMIR_ACCESS		0x01
#define DRM_DEVMIR_SET_POLICY		0x02
#define DRM_DEVMIR_GET_POLICY		0x03
#define DRM_DEVMIR_SNAPSHOT		0x04
#define DRM_DEVMIR_STATS		0x05
#define DRM_DEVMIR_RESET_STATS		0x06
#define DRM_DEVMIR_MIGRATE		0x07
#define DRM_DEVMIR_QUERY		0x08
#define DRM_DEVMIR_ADVISE		0x09
#define DRM_DEVMIR_ADVISE_QUERY		0x0a

#define DRM_IOCTL_DEVMIR_GET_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_GET_INFO, struct drm_devmir_get_info)
#define DRM_IOCTL_DEVMIR_ACCESS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_ACCESS, struct drm_devmir_access)
#define DRM_IOCTL_DEVMIR_SET_POLICY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_DEVMIR_SET_POLICY, struct drm_devmir_set_policy)
#define DRM_IOCTL_DEVMIR_GET_POLICY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_GET_POLICY, struct drm_devmir_get_policy)
#define DRM_IOCTL_DEVMIR_SNAPSHOT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_SNAPSHOT, struct drm_devmir_snapshot)
#define DRM_IOCTL_DEVMIR_STATS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_STATS, struct drm_devmir_stats)
#define DRM_IOCTL_DEVMIR_RESET_STATS \
	DRM_IOW(DRM_COMMAND_BASE + DRM_DEVMIR_RESET_STATS, struct drm_devmir_reset_stats)
#define DRM_IOCTL_DEVMIR_MIGRATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_MIGRATE, struct drm_devmir_migrate)
#define DRM_IOCTL_DEVMIR_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_QUERY, struct drm_devmir_query)
#define DRM_IOCTL_DEVMIR_ADVISE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_DEVMIR_ADVISE, struct drm_devmir_advise)
#define DRM_IOCTL_DEVMIR_ADVISE_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_DEVMIR_ADVISE_QUERY, struct drm_devmir_advise_query)

/*
 * Deprecated ABI 1 names of the MIGRATE and SET_POLICY values: one prefix
 * used to cover four families. Same values; new code uses the names above.
 * Define DRM_DEVMIR_NO_DEPRECATED to check that a program no longer does.
 */
#ifndef DRM_DEVMIR_NO_DEPRECATED
#define DRM_DEVMIR_MIGRATE_OFF		DRM_DEVMIR_MIGMODE_OFF
#define DRM_DEVMIR_MIGRATE_FIRST_FAULT	DRM_DEVMIR_MIGMODE_FIRST_FAULT
#define DRM_DEVMIR_MIGRATE_THRESHOLD	DRM_DEVMIR_MIGMODE_THRESHOLD
#define DRM_DEVMIR_MIGRATE_TO_DEVICE	DRM_DEVMIR_MIGDIR_TO_DEVICE
#define DRM_DEVMIR_MIGRATE_TO_SYSTEM	DRM_DEVMIR_MIGDIR_TO_SYSTEM
#define DRM_DEVMIR_MIGRATE_PREFETCH	DRM_DEVMIR_MIGFLAG_PREFETCH
#define DRM_DEVMIR_MIGRATE_FLAGS	DRM_DEVMIR_MIGFLAG_ALL
#define DRM_DEVMIR_MIGRATE_FAIL_VMA	DRM_DEVMIR_MIGFAIL_VMA
#define DRM_DEVMIR_MIGRATE_FAIL_FILE	DRM_DEVMIR_MIGFAIL_FILE
#define DRM_DEVMIR_MIGRATE_FAIL_BUSY	DRM_DEVMIR_MIGFAIL_BUSY
#define DRM_DEVMIR_MIGRATE_FAIL_NOMEM	DRM_DEVMIR_MIGFAIL_NOMEM
#define DRM_DEVMIR_MIGRATE_REASONS	DRM_DEVMIR_MIGFAIL_SLOTS
#endif

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DEVMIRROR_DRM_H */
