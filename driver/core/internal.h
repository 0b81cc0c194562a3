/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - private structures and prototypes of the devmirror core.
 *
 * THE LOCK ORDER of devmirror, core and driver together; the one copy
 * (driver/sim/sim.h, main.c's DOC: Locking and docs/design.md point here).
 * Outermost first; [driver] marks the simulated device's locks, where any
 * driver's own locks sit.
 *
 *   [driver] sim_fault_queue.service_lock (mutex per mirror, killable: one
 *                                        fault handler per mirror; held
 *                                        across devmir_fault_batch())
 *     mmap_lock (read, killable)       (around hmm_range_fault() only; the
 *                                        fault path drops it before it
 *                                        takes the update lock)
 *     mirror->update_lock              (mutex)
 *     [driver] sim_fault_queue.lock    (spinlock, leaf)
 *
 *   [driver] sim_engine.lock           (mutex, the running command; dropped
 *                                        while it waits for its faults)
 *     [driver] sim_mirror.access_lock (read) (one transaction's translate
 *                                        and copy)
 *       [driver] sim_tlb.lock          (spinlock)
 *       rcu_read_lock                  (lock-free walk of the mirror table)
 *
 *   [mmu notifier context: mmap_lock, i_mmap_rwsem, page locks and
 *    fs_reclaim may all be held by the caller]
 *     mirror->update_lock              (mutex; trylock when not blockable)
 *       driver's invalidate callback   ([driver] sim_mirror.access_lock for
 *                                        write: waits for transactions in
 *                                        flight; then sim_tlb.lock)
 *       mirror->exclusive's xa_lock    (spinlock, leaf)
 *       call_rcu                       (deferred directory frees)
 *
 *   migrations (MIGRATE, the fault-driven policy, a CPU fault's
 *   migrate_to_ram, which is entered with the mmap lock held):
 *   mmap_lock (read)
 *     page locks of one window         (taken by migrate_vma_setup(), held
 *                                        across the copy)
 *       devmem->lock                   (spinlock, leaf: free list, LRU and
 *                                        page states; also from page_free,
 *                                        any context that drops a page)
 *       victim owner's mmap_lock (read) (eviction: trylock only, another
 *                                        mm's; the teardown, holding no
 *                                        mmap lock, waits for it)
 *         victim page locks            (trylock only, migrate_vma_setup()
 *                                        in the owner's mm)
 *       driver's copy callback         (no mirror lock, no mmap lock)
 *       [notifier context of any mm]   (the update lock, as above)
 *     mirror->update_lock              (refreshing the mirror after a
 *                                        migration to the device)
 *     devmir_inflight_lock             (spinlock, leaf, copy.c)
 *
 *   exclusive access:
 *   page lock (from make_device_exclusive_range())
 *     mirror->exclusive's xa_lock      (note the grant)
 *     mirror->update_lock              (install the exclusive entry)
 *     [driver] sim_mirror.access_lock (read) (the atomic)
 *
 *   dev->mirrors_lock                  (spinlock; never nested with the
 *                                        update lock; also from
 *                                        migrate_to_ram to read a mirror's
 *                                        ram window without a reference)
 *     mirror->advice_lock              (spinlock, leaf: a CPU fault's
 *                                        ram window of its range)
 *
 *   mirror->advice_mutex               (advice setters; allocate, then)
 *     mirror->advice_lock              (spinlock, leaf; also taken under
 *                                        the update lock by the notifier,
 *                                        which trims ranges on munmap)
 *
 *   devmir_inject_lock                 (mutex, inject.c: debugfs writes of
 *                                        the injection points only; the
 *                                        hooks take no lock)
 *
 * Rules, and how they are enforced:
 * - Nothing under mirror->update_lock enters reclaim: reclaim invalidates,
 *   and invalidations take the lock. Allocations under it use
 *   DEVMIR_GFP_LOCKED; everything else is allocated before it is taken.
 *   Enforced: every mirror primes lockdep with "reclaim, then the update
 *   lock" at creation (devmir_lockdep_prime()), so the first reclaiming
 *   allocation under the lock is a report even if reclaim never runs.
 * - The mirror table is updated only under the update lock: enforced by
 *   dmpt_set_external_lock(), which makes every dmpt update assert it.
 * - Nothing takes the mmap lock while holding the update lock or a page
 *   lock; a page lock is only waited for with no other page lock held.
 *   Every exported entry point that may sleep and take these locks starts
 *   with devmir_might_lock_update() (might_sleep() and
 *   lockdep_assert_not_held() of the update lock).
 * - No user copy and no fault servicing under [driver] access_lock; a
 *   final devmir_mirror_put() never runs inside a notifier or inside
 *   migrate_to_ram.
 */
#ifndef _DEVMIR_INTERNAL_H
#define _DEVMIR_INTERNAL_H

#include <linux/atomic.h>
#include <linux/hmm.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "devmirror.h"
#include "devmirror_compat.h"

#define DEVMIR_GFP_LOCKED	(GFP_NOWAIT | __GFP_NOWARN)

struct dentry;
struct resource;
struct vm_area_struct;

/* Pages of one fault-ahead window and of one migration window (2 MiB). */
#define DEVMIR_WINDOW_PAGES	(DEVMIR_WINDOW_MAX >> PAGE_SHIFT)

/**
 * struct devmir_lat_counters - One latency histogram, updated lock-free
 * (&struct devmir_lat_hist is its snapshot).
 * @count: Samples.
 * @sum_ns: Their sum.
 * @max_ns: The largest.
 * @buckets: Samples per log2 bucket of nanoseconds.
 */
struct devmir_lat_counters {
	atomic64_t count;
	atomic64_t sum_ns;
	atomic64_t max_ns;
	atomic64_t buckets[DEVMIR_LAT_BUCKETS];
};

/**
 * struct devmir_counters - One set of statistics counters.
 * @c: Counters indexed by &enum devmir_stat; updated lock-free.
 * @drv: The driver's registered counters (&devmir_device.nr_driver_stats
 *	used); updated lock-free.
 * @lat: Latency histograms indexed by &enum devmir_lat.
 */
struct devmir_counters {
	atomic64_t c[DEVMIR_STAT_NR];
	atomic64_t drv[DEVMIR_DRIVER_STATS_MAX];
	struct devmir_lat_counters lat[DEVMIR_LAT_NR];
};

/**
 * struct devmir_device - A device context (one per device).
 * @name: Name from the description (debugfs, messages).
 * @format: Mirror-table format; constant.
 * @owner: pgmap owner cookie; constant.
 * @ops: Driver callbacks; constant.
 * @priv_size: Bytes of driver data per mirror; constant.
 * @default_window: Initial fault-ahead window of new mirrors; constant.
 * @drvdata: Driver pointer; constant.
 * @mirrors_lock: Protects @mirrors and every &devmir_mirror.node on it.
 * @mirrors: Live mirrors (their mm has not been released), for lookup.
 * @asids: Address-space id allocator (has its own lock).
 * @max_asids: Largest address-space id.
 * @nr_mirrors: Mirror objects allocated and not yet freed.
 * @counters: Device-wide counters (every mirror's events are added here).
 * @retired: Table counters (pruned directories, splits) of freed mirrors,
 *	under @mirrors_lock.
 * @devmem: The device's private memory, or NULL; constant.
 * @default_ram_window: Initial migrate_to_ram window of new mirrors and the
 *	window for processes without a mirror; constant.
 * @debugfs: The device's debugfs directory, or NULL.
 * @driver_stats: Names of the driver's counters (the driver's array);
 *	constant.
 * @nr_driver_stats: Entries of @driver_stats; constant.
 */
struct devmir_device {
	char name[32];
	const struct dmpt_format *format;
	void *owner;
	const struct devmir_device_ops *ops;
	size_t priv_size;
	u64 default_window;
	void *drvdata;

	spinlock_t mirrors_lock;	/* protects mirrors, retired */
	struct list_head mirrors;
	struct ida asids;
	unsigned int max_asids;
	atomic_t nr_mirrors;

	struct devmir_counters counters;
	struct dmpt_stats retired;
	struct devmir_devmem *devmem;
	u64 default_ram_window;
	struct dentry *debugfs;
	const char *const *driver_stats;
	unsigned int nr_driver_stats;
};

/* States of a device page (&struct devmir_devpage.state). */
enum devmir_devpage_state {
	DEVMIR_DP_FREE,		/* on devmem->free */
	DEVMIR_DP_ALLOCATED,	/* handed to a migration, on no list */
	DEVMIR_DP_IN_USE,	/* holds data of some mm, on devmem->lru */
	DEVMIR_DP_ISOLATED,	/* taken off the LRU by an eviction */
	DEVMIR_DP_TAIL,		/* a tail page of a 2 MiB folio: its head's state */
};

/* Order and pages of a 2 MiB device folio (a pool block). */
#define DEVMIR_BLOCK_ORDER	(21 - PAGE_SHIFT)
#define DEVMIR_BLOCK_PAGES	BIT(DEVMIR_BLOCK_ORDER)

/**
 * struct devmir_devpage - Pool bookkeeping of one device page.
 * @node: On &devmir_devmem.free (FREE), &devmir_devmem.lru (IN_USE), or
 *	on no list; under &devmir_devmem.lock.
 * @state: &enum devmir_devpage_state; under &devmir_devmem.lock.
 * @referenced: Set lock-free when the device accesses the page, cleared by
 *	the eviction's clock hand (second chance).
 * @order: Order of the folio this page heads (0, or 9 for a 2 MiB device
 *	folio); under &devmir_devmem.lock.
 * @exclusive: A device-exclusive entry may map the page, on a kernel where
 *	that breaks its migration (%DEVMIR_EXCLUSIVE_BREAKS_MIGRATION): the
 *	eviction passes it over until it is freed; under &devmir_devmem.lock.
 * @mm: The mm whose migration filled the page (or the folio it heads),
 *	with a reference from mmgrab(), until the page is freed; NULL while
 *	FREE or ALLOCATED and for a TAIL. The eviction migrates the page under
 *	this mm's mmap lock (DOC: Device memory). Under &devmir_devmem.lock.
 * @addr: Where @mm mapped the page when it was filled; under
 *	&devmir_devmem.lock.
 */
struct devmir_devpage {
	struct list_head node;
	u8 state;
	u8 referenced;
	u8 order;
	u8 exclusive;
	struct mm_struct *mm;
	unsigned long addr;
};

/**
 * struct devmir_devmem - The memory of one device: its ZONE_DEVICE pages
 * and the pool that hands them out.
 * @dev: The device context.
 * @pgmap: The MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT pagemap
 *	(owner: the device's pgmap owner); its pages are this device's device
 *	pages.
 * @res: The physical address range: from request_free_mem_region()
 *	(private), or the reserved range claimed with request_mem_region()
 *	(coherent).
 * @kind: Private or coherent memory; constant.
 * @base_pfn: First pfn of @pgmap; constant.
 * @npages: Number of device pages; constant.
 * @lock: Protects @free, @lru, @nr_used, @dying and every page's @node and
 *	@state.
 * @free: Free pages (most recently freed first).
 * @lru: Pages in use, least recently migrated first (eviction order, with
 *	a second chance for referenced pages).
 * @nr_used: Pages not free.
 * @dying: Set at teardown: no page is handed out any more.
 * @pages: Per-page bookkeeping, indexed by pfn - @base_pfn.
 * @block_free: Free pages per 2 MiB block (%DEVMIR_BLOCK_PAGES pages), the
 *	blocks a 2 MiB device folio can take; under @lock.
 * @block_hint: Where the next search for a free block starts; under @lock.
 */
struct devmir_devmem {
	struct devmir_device *dev;
	struct dev_pagemap pgmap;
	struct resource *res;
	enum devmir_memory_kind kind;
	unsigned long base_pfn;
	unsigned long npages;
	spinlock_t lock;		/* protects free, lru, nr_used, dying, pages[] */
	struct list_head free;
	struct list_head lru;
	unsigned long nr_used;
	bool dying;
	struct devmir_devpage *pages;
	u16 *block_free;
	unsigned long block_hint;
};

/**
 * struct devmir_inv_finish - The second pass of one invalidation (DOC:
 * Two-pass invalidation in notifier.c).
 * @base: What the kernel links and hands back to invalidate_finish.
 * @mirror: The mirror invalidated.
 * @start_ns: When the first pass began (the latency histogram's start).
 * @blockable: Whether the invalidation may sleep.
 */
struct devmir_inv_finish {
	struct devmir_notifier_finish base;
	struct devmir_mirror *mirror;
	u64 start_ns;
	bool blockable;
};

/**
 * struct devmir_mirror - The mirror of one mm on one device.
 * @kref: One reference per open file, in-flight operation and lookup user.
 * @dev: The device context; outlives the mirror.
 * @mm: The mirrored mm; pinned (mmgrab) by @notifier until it is removed.
 * @node: Entry on &devmir_device.mirrors while listed.
 * @listed: True while on &devmir_device.mirrors; under mirrors_lock.
 * @notifier: Interval notifier covering the whole user address space.
 * @update_lock: Serialises every update of @pt and @released, and orders
 *	them against the notifier sequence (mmu_interval_set_seq()).
 * @pt: The mirror table: lookups lock-free under RCU, updates under
 *	@update_lock.
 * @released: Set under @update_lock when the mm is torn down; the table
 *	stays empty from then on. Read lock-free with READ_ONCE().
 * @asid: Address-space id on the device; constant.
 * @fault_window: Fault-ahead window in bytes, or %DEVMIR_WINDOW_ADAPTIVE;
 *	READ_ONCE()/WRITE_ONCE().
 * @ahead: Adaptive window: bytes the next sequential fault faults in
 *	(%DEVMIR_WINDOW_MIN..%DEVMIR_WINDOW_MAX); READ_ONCE()/WRITE_ONCE().
 * @ahead_next: Adaptive window: where a sequential fault would land (the
 *	end of the last fault-ahead block); READ_ONCE()/WRITE_ONCE().
 * @last_block: Adaptive window: the 2 MiB block of the last fault;
 *	READ_ONCE()/WRITE_ONCE().
 * @scattered: Adaptive window: faults in a row that were neither
 *	sequential nor near the previous one (capped); READ_ONCE()/WRITE_ONCE().
 * @counters: The mirror's counters.
 * @table_base: dirs_pruned and splits of @pt at the last reset, under
 *	@update_lock.
 * @policy: &enum devmir_migrate_policy; READ_ONCE()/WRITE_ONCE().
 * @threshold: Faults per 2 MiB region for %DEVMIR_POLICY_THRESHOLD;
 *	READ_ONCE()/WRITE_ONCE().
 * @region_faults: Device faults per 2 MiB region (index: address >> 21,
 *	value: xa_mk_value(count)) for %DEVMIR_POLICY_THRESHOLD; has its own
 *	lock.
 * @ram_window: Bytes a CPU fault on a device page migrates back, for this
 *	mm; READ_ONCE()/WRITE_ONCE().
 * @thrash_rounds: Round trips within %DEVMIR_THRASH_WINDOW_MS that make a
 *	region thrashing (0: not watched); READ_ONCE()/WRITE_ONCE().
 * @thrash_hold_ms: How long a thrashing region is first held in system
 *	memory (0: only counted); READ_ONCE()/WRITE_ONCE().
 * @thrash: Per 2 MiB region migrated by the policy (index: address >> 21),
 *	a &struct devmir_thrash; has its own lock. Entries live as long as
 *	the mirror (a CPU fault reads them without a reference).
 * @exclusive: Pages the CPU maps device-exclusive for this mirror (index:
 *	address >> PAGE_SHIFT, value: xa_mk_value(1)): noted when
 *	make_device_exclusive_range() hands the page over, forgotten by every
 *	invalidation but a migration's (which leaves such entries alone); has
 *	its own lock. Only read to classify pages a migration did not collect.
 * @inv_slot: The finish record of a two-pass invalidation (DOC: Two-pass
 *	invalidation in notifier.c), for the common case of one at a time.
 * @inv_slot_busy: Bit 0 set while @inv_slot is in use.
 * @advice_lock: Protects @advice, @nr_advice and @cap_advice (spinlock,
 *	leaf: taken in the notifier, under the update lock, and in
 *	migrate_to_ram, under the device's mirrors_lock).
 * @advice: Attribute ranges, sorted, non-overlapping, adjacent equal ones
 *	merged (DOC: Range attributes in advise.c); kvmalloc'ed.
 * @nr_advice: Ranges in @advice.
 * @cap_advice: Ranges @advice has room for.
 * @advice_mutex: Serialises setters of @advice (they allocate before they
 *	take @advice_lock).
 * @debugfs: The mirror's debugfs directory, or NULL.
 * @priv: Driver data (&devmir_device.priv_size bytes, zeroed).
 */
struct devmir_mirror {
	struct kref kref;
	struct devmir_device *dev;
	struct mm_struct *mm;
	struct list_head node;
	bool listed;
	struct mmu_interval_notifier notifier;
	struct mutex update_lock;	/* protects pt updates, released */
	struct dmpt pt;
	bool released;
	u32 asid;
	u64 fault_window;
	u64 ahead;
	u64 ahead_next;
	u64 last_block;
	unsigned int scattered;
	struct devmir_counters counters;
	struct dmpt_stats table_base;
	unsigned int policy;
	unsigned int threshold;
	struct xarray region_faults;
	u64 ram_window;
	unsigned int thrash_rounds;
	unsigned int thrash_hold_ms;
	struct xarray thrash;
	struct xarray exclusive;
	struct devmir_inv_finish inv_slot;
	unsigned long inv_slot_busy;
	spinlock_t advice_lock;		/* protects advice, nr_advice, cap_advice */
	struct devmir_attr_range *advice;
	unsigned int nr_advice;
	unsigned int cap_advice;
	struct mutex advice_mutex;	/* serialises advice setters */
	struct dentry *debugfs;
	u64 priv[] __aligned(8);
};

/**
 * struct devmir_fault_buf - Scratch space of one hmm_range_fault() window,
 * allocated before any lock is taken.
 * @pfns: hmm_range_fault() output.
 * @entries: Leaf entries being built for the mirror table.
 */
struct devmir_fault_buf {
	unsigned long pfns[DEVMIR_WINDOW_PAGES];
	dmpt_entry_t entries[DEVMIR_WINDOW_PAGES];
};

/**
 * struct devmir_copy_batch - The pages one migration step copies together
 * (copy.c): migrations to the device, CPU faults, evictions.
 * @src: Source page of each entry (NULL: zero-fill the destination).
 * @dst: Destination page of each entry; the folio it belongs to is locked
 *	(a 2 MiB folio takes one entry per page, in order, from its head).
 * @idx: Index of each entry in the migration's pfn arrays.
 * @mdst: The migration's destination pfn array (&migrate_vma.dst).
 * @n: Entries queued.
 */
struct devmir_copy_batch {
	struct page **src;
	struct page **dst;
	u16 *idx;
	unsigned long *mdst;
	unsigned int n;
};

/**
 * struct devmir_inflight - A migration between migrate_vma_setup() (or
 * migrate_device_range()) and its finalize: its pages sit under migration
 * entries.
 * @node: Entry on the list of migrations in flight.
 * @mm: The mm whose page table holds the entries, or NULL for an eviction
 *	(its victims may be mapped by any process). Compared, never
 *	dereferenced.
 * @start: First address (an eviction: 0).
 * @end: Exclusive end (an eviction: ULONG_MAX).
 */
struct devmir_inflight {
	struct list_head node;
	const struct mm_struct *mm;
	u64 start;
	u64 end;
};

/**
 * struct devmir_migrate_buf - Scratch space of one migration window.
 * @src: migrate_vma source pfns.
 * @dst: migrate_vma destination pfns.
 * @copy_src: Source pages handed to the copy engine (NULL: zero fill).
 * @copy_dst: Destination pages handed to the copy engine.
 * @copy_idx: Window index of each page handed to the copy engine.
 * @outcome: Per page of the window, what happened to it.
 * @retry_outcome: The same for a pass again over its busy pages, indexed
 *	from the first of them.
 * @sys_pages: System pages allocated in bulk for the destinations of a
 *	window to system memory.
 * @probe: Scratch of the hmm_range_fault() that classifies the rest and
 *	refreshes the mirror.
 * @small: 4 KiB destinations only (%DEVMIR_MIGRATE_SMALL).
 * @wait_us: Microseconds the call may still sleep waiting for busy pages
 *	(DOC: Migration); 0 for a fault's migration, which never waits.
 */
struct devmir_migrate_buf {
	unsigned long src[DEVMIR_WINDOW_PAGES];
	unsigned long dst[DEVMIR_WINDOW_PAGES];
	struct page *copy_src[DEVMIR_WINDOW_PAGES];
	struct page *copy_dst[DEVMIR_WINDOW_PAGES];
	u16 copy_idx[DEVMIR_WINDOW_PAGES];
	u8 outcome[DEVMIR_WINDOW_PAGES];
	u8 retry_outcome[DEVMIR_WINDOW_PAGES];
	struct page *sys_pages[DEVMIR_WINDOW_PAGES];
	struct devmir_fault_buf probe;
	bool small;
	unsigned int wait_us;
};

/* main.c */
extern struct dentry *devmir_debugfs_root;

/* mirror.c */
void devmir_mirror_unlist(struct devmir_mirror *mirror);
u64 devmir_ram_window_of(struct devmir_device *dev, struct mm_struct *mm,
			 u64 addr);
void devmir_ram_fault_account(struct devmir_device *dev, struct mm_struct *mm,
			      u64 addr, unsigned long moved, u64 bytes,
			      u64 start_ns);

struct seq_file;

/*
 * The regions of the THRESHOLD policy and of thrashing: naturally aligned
 * 2 MiB (index: address >> DEVMIR_REGION_SHIFT).
 */
#define DEVMIR_REGION_SHIFT	21

/* thrash.c */
bool devmir_thrash_hold(struct devmir_mirror *mirror, u64 addr,
			const struct devmir_attr *attr);
void devmir_thrash_returned(struct devmir_mirror *mirror, u64 addr);
void devmir_thrash_free(struct devmir_mirror *mirror);
void devmir_thrash_show(struct seq_file *m, struct devmir_mirror *mirror);

/**
 * struct devmir_fault_block - The interval notifier one device fault reads
 * and commits under (DOC: Fault blocks in fault.c).
 * @notifier: Subscribed to the block: the %DEVMIR_WINDOW_MAX-aligned range
 *	around the faulting address, which holds every window the fault may
 *	read.
 * @mirror: The mirror whose fault it is.
 */
struct devmir_fault_block {
	struct mmu_interval_notifier notifier;
	struct devmir_mirror *mirror;
};

/* notifier.c */
extern const struct mmu_interval_notifier_ops devmir_notifier_ops;
int devmir_fault_block_watch(struct devmir_mirror *mirror,
			     struct devmir_fault_block *block, u64 addr);
void devmir_fault_block_unwatch(struct devmir_fault_block *block);

/*
 * At the entry of an exported function that may sleep and take the update
 * lock (or the mmap lock, which is never taken under it): a caller in
 * atomic context, or one that holds the lock already, is reported on every
 * call, not only on the rare path that would deadlock.
 */
#define devmir_might_lock_update(mirror)				\
	do {								\
		might_sleep();						\
		lockdep_assert_not_held(&(mirror)->update_lock);	\
	} while (0)

/* Attempts a retry loop makes past its deadline before it may give up. */
#define DEVMIR_RETRY_MIN_ATTEMPTS	16

/* Times a commit that ran out of memory under the update lock is retried. */
#define DEVMIR_NOMEM_RETRIES	8

/**
 * struct devmir_retry - When a loop of the retry protocol gives up.
 * @deadline: jiffies after which it may.
 * @attempts: Attempts made past @deadline.
 * @nomem: Commits that failed for memory (devmir_range_commit()).
 */
struct devmir_retry {
	unsigned long deadline;
	unsigned int attempts;
	unsigned int nomem;
};

/* Start a loop: %HMM_RANGE_DEFAULT_TIMEOUT from now. */
static inline void devmir_retry_init(struct devmir_retry *retry)
{
	retry->deadline = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	retry->attempts = 0;
	retry->nomem = 0;
}

/*
 * Called at the top of each attempt: true once the deadline has passed and
 * %DEVMIR_RETRY_MIN_ATTEMPTS attempts were made since (give up, -EBUSY).
 */
static inline bool devmir_retry_expired(struct devmir_retry *retry)
{
	return time_after(jiffies, retry->deadline) &&
	       ++retry->attempts > DEVMIR_RETRY_MIN_ATTEMPTS;
}

/* range.c */
bool devmir_vma_ok(struct vm_area_struct *vma, bool write);
int devmir_hmm_range_fault(struct hmm_range *range);
int devmir_populate(struct devmir_mirror *mirror, struct hmm_range *range,
		    struct devmir_fault_buf *buf);
int devmir_range_commit(struct devmir_mirror *mirror, struct hmm_range *range,
			struct devmir_fault_buf *buf, struct devmir_retry *retry);
int devmir_probe_range(struct devmir_mirror *mirror, u64 start, u64 end,
		       struct devmir_fault_buf *buf, bool populate);

/* copy.c */
int devmir_copy_pages(struct page **dst, struct page **src, unsigned int n,
		      struct devmir_device *dst_dev);
void devmir_batch_add(struct devmir_copy_batch *b, unsigned int i,
		      struct page *spage, struct page *dpage, unsigned long flags);
void devmir_batch_add_folio(struct devmir_copy_batch *b, unsigned int i,
			    struct page *spage, struct folio *dfolio,
			    unsigned long flags);
void devmir_batch_drop(struct devmir_copy_batch *b, unsigned int from,
		       unsigned int to);
unsigned int devmir_batch_copy(struct devmir_copy_batch *b,
			       struct devmir_device *dst_dev, bool inject);
void devmir_inflight_begin(struct devmir_inflight *f, const struct mm_struct *mm,
			   u64 start, u64 end);
void devmir_inflight_end(struct devmir_inflight *f);
bool devmir_inflight_covers(const struct mm_struct *mm, u64 addr);

/* devmem.c */
int devmir_devmem_create(struct devmir_device *dev, u64 size,
			 enum devmir_memory_kind kind, u64 coherent_base);
void devmir_devmem_destroy(struct devmir_device *dev);
struct page *devmir_devmem_alloc(struct devmir_devmem *dm,
				 struct mm_struct *evict_mm, u64 *evicted);
struct page *devmir_devmem_alloc_huge(struct devmir_devmem *dm,
				      struct mm_struct *evict_mm, u64 *evicted);
void devmir_devmem_commit(struct devmir_devmem *dm, struct page *page,
			  struct mm_struct *mm, unsigned long addr);
bool devmir_devmem_keep_exclusive(struct page *page);
extern const struct dev_pagemap_ops devmir_devmem_ops;

/*
 * Whether @page is a device page, private or coherent, of any driver: the
 * pages a migration to system memory moves, whose data a copy engine must
 * find.
 */
static inline bool devmir_is_device_page(struct page *page)
{
	return is_device_private_page(page) || is_device_coherent_page(page);
}

/*
 * devmir_page_device() for the core's lower layers (copy.c), which must not
 * call up into devmem.c: the device whose pool holds @page, or NULL.
 */
static inline struct devmir_device *__devmir_page_device(struct page *page)
{
	if (!devmir_is_device_page(page) ||
	    page_pgmap(page)->ops != &devmir_devmem_ops)
		return NULL;
	return container_of(page_pgmap(page), struct devmir_devmem, pgmap)->dev;
}

/* Device pages currently allocated or in use (a gauge; any context). */
static inline unsigned long devmir_devmem_used(struct devmir_devmem *dm)
{
	return READ_ONCE(dm->nr_used);
}

/* migrate.c */
int __devmir_migrate(struct devmir_mirror *mirror, u64 start, u64 end,
		     enum devmir_migrate_dir dir, struct devmir_migrate_buf *buf,
		     struct devmir_migrate_result *res);
vm_fault_t devmir_migrate_to_ram(struct vm_fault *vmf);
struct devmir_migrate_buf *devmir_migrate_buf_get(struct devmir_migrate_buf **bufp);

/* exclusive.c */
void devmir_exclusive_forget(struct devmir_mirror *mirror, u64 start, u64 end);
bool devmir_exclusive_held(struct devmir_mirror *mirror, u64 addr);

/* policy.c */
int devmir_policy_migrate(struct devmir_mirror *mirror, u64 addr, u64 start,
			  u64 end, const struct devmir_attr *attr,
			  struct devmir_migrate_buf **bufp);

/* advise.c */
void devmir_advice_init(struct devmir_mirror *mirror);
void devmir_advice_free(struct devmir_mirror *mirror);
void devmir_advice_unmap(struct devmir_mirror *mirror, u64 start, u64 end);
void devmir_advice_inherit(struct devmir_mirror *mirror,
			   struct devmir_mirror *from);

/* stats.c */
void devmir_table_stats(struct devmir_mirror *mirror, struct dmpt_stats *st);
const char *devmir_stat_name(enum devmir_stat stat);
int devmir_stats_check_desc(const struct devmir_device_desc *desc);
void devmir_stat_add_invalidation(struct devmir_mirror *mirror,
				  enum mmu_notifier_event event);
void devmir_device_stat_add(struct devmir_device *dev, enum devmir_stat stat,
			    u64 n);
enum devmir_lat devmir_lat_sized(enum devmir_lat lat_4k, u64 bytes);
void devmir_lat_record(struct devmir_mirror *mirror, enum devmir_lat lat,
		       u64 start_ns);
void devmir_device_lat_record(struct devmir_device *dev, enum devmir_lat lat,
			      u64 start_ns);

/* debugfs.c */
void devmir_debugfs_init(struct dentry *root);
void devmir_debugfs_device_init(struct devmir_device *dev);
void devmir_debugfs_device_fini(struct devmir_device *dev);
void devmir_debugfs_mirror_init(struct devmir_mirror *mirror);
void devmir_debugfs_mirror_fini(struct devmir_mirror *mirror);

/**
 * enum devmir_inject_id - The core's fault-injection points (inject.c,
 * DOC: Fault injection).
 * @DEVMIR_INJECT_HMM_BUSY: hmm_range_fault() reports -EBUSY after it ran.
 * @DEVMIR_INJECT_SEQ_BUMP: mmu_interval_read_retry() reports a moved
 *	notifier sequence between the fault and the commit.
 * @DEVMIR_INJECT_POOL_EXHAUST: The device-memory pool looks empty.
 * @DEVMIR_INJECT_COPY_FAIL: The copy of a migration batch fails part way.
 * @DEVMIR_INJECT_PAGE_BUSY: A page of a migration window is busy for the
 *	pass.
 * @DEVMIR_INJECT_NR: Number of points.
 *
 * The stall points (&enum devmir_stall_id) are not random: they hold
 * their callers until released or killed.
 */
enum devmir_inject_id {
	DEVMIR_INJECT_HMM_BUSY,
	DEVMIR_INJECT_SEQ_BUMP,
	DEVMIR_INJECT_POOL_EXHAUST,
	DEVMIR_INJECT_COPY_FAIL,
	DEVMIR_INJECT_PAGE_BUSY,
	DEVMIR_INJECT_NR
};

/**
 * enum devmir_stall_id - The points that hold one process's callers.
 * @DEVMIR_STALL_FAULT: Every device fault of the process's mirrors, as a
 *	blocked CPU fault would hold it.
 * @DEVMIR_STALL_MIGRATE: One migration window of the process at a time,
 *	with its pages under migration entries.
 * @DEVMIR_STALL_EVICT: One eviction of the process's device pages at a
 *	time, with them under migration entries and its mmap lock held.
 * @DEVMIR_STALL_NR: Number of stall points.
 */
enum devmir_stall_id {
	DEVMIR_STALL_FAULT,
	DEVMIR_STALL_MIGRATE,
	DEVMIR_STALL_EVICT,
	DEVMIR_STALL_NR
};

/* inject.c */
#ifdef CONFIG_DEBUG_FS
DECLARE_STATIC_KEY_FALSE(devmir_inject_enabled);
bool __devmir_inject(enum devmir_inject_id id, u64 *draw);
int __devmir_inject_stall(enum devmir_stall_id id, struct mm_struct *mm);
void devmir_inject_init(struct dentry *root);

/**
 * devmir_inject_stall() - Hold a caller if stall point @id targets @mm.
 * @id: The point.
 * @mm: The mm the caller works on.
 *
 * Context: Process context, mmap lock of @mm held for read (where a real
 * CPU fault would block); sleeps killably while the point holds @mm.
 * Return: 0 (not held, or released), -EINTR on a fatal signal.
 */
static inline int devmir_inject_stall(enum devmir_stall_id id,
				      struct mm_struct *mm)
{
	if (!static_branch_unlikely(&devmir_inject_enabled))
		return 0;
	return __devmir_inject_stall(id, mm);
}

/**
 * devmir_inject() - Whether an injection point fails this call.
 * @id: The point.
 * @draw: NULL, or receives random bits of the point's stream when it fails.
 *
 * Context: Any context; never sleeps, takes no lock.
 * Return: True if the caller must act as if the operation failed; always
 * false (one static branch) while every point is off.
 */
static inline bool devmir_inject(enum devmir_inject_id id, u64 *draw)
{
	return static_branch_unlikely(&devmir_inject_enabled) &&
	       __devmir_inject(id, draw);
}
#else
static inline bool devmir_inject(enum devmir_inject_id id, u64 *draw)
{
	return false;
}

static inline int devmir_inject_stall(enum devmir_stall_id id,
				      struct mm_struct *mm)
{
	return 0;
}

static inline void devmir_inject_init(struct dentry *root)
{
}
#endif

/**
 * devmir_read_retry() - mmu_interval_read_retry() with the seq_bump point.
 * @notifier: The mirror's interval notifier.
 * @seq: The sequence from mmu_interval_read_begin().
 *
 * Context: The caller holds the mirror's update lock.
 * Return: True if an invalidation ran since @seq (or one is injected): the
 * caller must not commit what it read and must retry.
 */
static inline bool devmir_read_retry(struct mmu_interval_notifier *notifier,
				     unsigned long seq)
{
	return mmu_interval_read_retry(notifier, seq) ||
	       devmir_inject(DEVMIR_INJECT_SEQ_BUMP, NULL);
}

/**
 * devmir_inject_copy_limit() - Pages of a copy batch to copy before an
 * injected copy failure.
 * @n: Pages in the batch, at least 1.
 *
 * Context: Any context.
 * Return: @n normally; when the copy_fail point fires, a number below @n
 * (0 included): the pages from there on must be treated as not copied.
 */
static inline unsigned int devmir_inject_copy_limit(unsigned int n)
{
	u64 draw;

	if (!devmir_inject(DEVMIR_INJECT_COPY_FAIL, &draw))
		return n;
	return draw % n;
}

/**
 * devmir_va_end() - End of the address space a mirror can map.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: The exclusive end: the smaller of the user address-space limit and
 * the mirror format's span.
 */
static inline u64 devmir_va_end(const struct devmir_device *dev)
{
	u64 span = 1ULL << dmpt_va_bits(dev->format);

	return min_t(u64, span, TASK_SIZE_MAX);
}

/**
 * devmir_shootdown_wait() - Wait for the device's acknowledgment of the
 * shootdowns issued for a mirror (DOC: Two-pass invalidation).
 * @mirror: The mirror.
 * @blockable: Whether the caller may sleep.
 *
 * Context: Not under the update lock; sleeps only if @blockable.
 */
static inline void devmir_shootdown_wait(struct devmir_mirror *mirror,
					 bool blockable)
{
	if (mirror->dev->ops->invalidate_wait)
		mirror->dev->ops->invalidate_wait(mirror, blockable);
}

#endif /* _DEVMIR_INTERNAL_H */
