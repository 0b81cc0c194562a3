/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - private header of the devmirror simulated device (devmirror_sim.ko).
 *
 * One file per hardware block: main.c (module, devices), drm.c (render node
 * and ioctls), tlb.c (set-associative TLB), walker.c (page walker and
 * translation), fault_queue.c (bounded, coalescing fault queue), engine.c
 * (command execution), devmem.c (device memory and copy engine), compat.c
 * (the test_hmm character devices). Static
 * configuration (&struct sim_config) is kept apart from runtime state
 * (&struct sim_device).
 *
 * Locks: the device's place in the one lock order of devmirror is drawn
 * in driver/core/internal.h ("THE LOCK ORDER", marked [driver]):
 * service_lock (per mirror, killable) outside the fault path; the engine
 * lock, then access_lock for read, then the TLB lock for a transaction;
 * access_lock for write inside the core's update lock for a shootdown. An
 * atomic that needs exclusive access holds the page lock (from
 * devmir_exclusive_begin()) around its access_lock section. The copy engine
 * (devmem.c) takes no lock: the core hands it locked, unmapped pages only.
 *
 * No user copy and no fault servicing happens under access_lock.
 */
#ifndef _DEVMIR_SIM_H
#define _DEVMIR_SIM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <drm/drm_device.h>

#include "devmirror.h"

struct platform_device;
struct sim_compat;

/* Device-coherent devices at most (coherent_addr=). */
#define SIM_MAX_COHERENT	4

/* Most leaf entries one walk fetches (walk_line). */
#define SIM_WALK_LINE_MAX	16

/* Largest modelled TLB invalidation round trip (tlb_inv_us), microseconds. */
#define SIM_TLB_INV_US_MAX	1000

/**
 * struct sim_config - Static configuration of every simulated device,
 * from the module parameters, checked once at load.
 * @ndevices: Number of devices.
 * @tlb_entries: TLB entries per device (power of two).
 * @tlb_ways: TLB associativity (power of two, <= @tlb_entries).
 * @fault_queue: Fault queue capacity per device.
 * @fault_batch: Initial fault batch size of new mirrors.
 * @engines: Engines per device.
 * @txn_bytes: Bytes per memory transaction (power of two, 256..4096).
 * @walk_line: Entries a read walk fetches and caches: the leaf it looked for
 *	and up to @walk_line - 1 that follow it in its directory (1..16).
 * @huge: Whether the device MMU has 2 MiB and 1 GiB leaves.
 * @fault_window: Initial fault-ahead window of new mirrors, bytes.
 * @max_asids: Address-space ids per device.
 * @devmem: Bytes of device memory per device (0: none).
 * @ram_window: Initial migrate_to_ram window, bytes.
 * @direct_read: Whether a READ copies straight into the user buffer when
 *	that page of it is present (else always through the bounce page).
 * @direct_write: Whether a WRITE copies straight from the user buffer when
 *	that page of it is present (else always through the bounce page).
 * @hmm_compat: Whether devices 0 and 1 are also /dev/hmm_dmirror0 and 1
 *	(compat.c); their devices are then not peers, like test_hmm's. The
 *	first two coherent devices are then /dev/hmm_dmirror2 and 3.
 * @ncoherent: Number of device-coherent devices, after the @ndevices
 *	device-private ones (indexes @ndevices ..).
 * @coherent_base: Physical address of each coherent device's memory.
 * @coherent_size: Bytes of memory of each coherent device.
 */
struct sim_config {
	unsigned int ndevices;
	unsigned int tlb_entries;
	unsigned int tlb_ways;
	unsigned int fault_queue;
	unsigned int fault_batch;
	unsigned int engines;
	unsigned int txn_bytes;
	unsigned int walk_line;
	bool huge;
	u64 fault_window;
	unsigned int max_asids;
	u64 devmem;
	u64 ram_window;
	bool direct_read;
	bool direct_write;
	bool hmm_compat;
	unsigned int ncoherent;
	u64 coherent_base[SIM_MAX_COHERENT];
	u64 coherent_size;
};

extern struct sim_config sim_config;

/**
 * enum sim_stat - The simulated device's own counters, registered with the
 * core (&devmir_device_desc.driver_stats) and counted with
 * devmir_driver_stat_add(); main.c names them.
 * @SIM_STAT_FAULTS_RAISED: Translation misses queued as device faults.
 * @SIM_STAT_FAULTS_COALESCED: Misses that joined a fault already queued for
 *	the same page.
 * @SIM_STAT_TLB_HITS: TLB hits, per transaction.
 * @SIM_STAT_TLB_MISSES: TLB misses, per transaction.
 * @SIM_STAT_TLB_SHOOTDOWNS: Shootdowns (invalidations that reached the TLB).
 * @SIM_STAT_TLB_FLUSHED: TLB entries dropped by shootdowns.
 * @SIM_STAT_WALKS: Page walks of the mirror table.
 * @SIM_STAT_WALK_LEVELS: Directories those walks read.
 * @SIM_STAT_ACCESSES: ACCESS commands executed.
 * @SIM_STAT_EXCLUSIVE_FALLBACKS: Atomics on pages that cannot be made
 *	exclusive, done with a plain write mapping.
 * @SIM_STAT_NR: Number of counters.
 */
enum sim_stat {
	SIM_STAT_FAULTS_RAISED,
	SIM_STAT_FAULTS_COALESCED,
	SIM_STAT_TLB_HITS,
	SIM_STAT_TLB_MISSES,
	SIM_STAT_TLB_SHOOTDOWNS,
	SIM_STAT_TLB_FLUSHED,
	SIM_STAT_WALKS,
	SIM_STAT_WALK_LEVELS,
	SIM_STAT_ACCESSES,
	SIM_STAT_EXCLUSIVE_FALLBACKS,
	SIM_STAT_NR
};

/**
 * struct sim_tlb_entry - One cached translation.
 * @vbase: Virtual address of the translated page, aligned to its size.
 * @pfn: First 4 KiB frame of the page: a system page, or for device memory
 *	the frame of the backing page that holds its data.
 * @asid: Address-space id of the mirror it came from.
 * @age: Last use, for LRU replacement.
 * @level: Leaf level of the page (level 0 = leaf, 4 KiB).
 * @shift: log2 of the page size.
 * @flags: ``DMPT_*`` flags of the mirror entry (%DMPT_WRITE,
 *	%DMPT_DEVICE_PRIVATE, %DMPT_EXCLUSIVE, ...; bits 0-7).
 * @valid: Whether the entry is in use.
 */
struct sim_tlb_entry {
	u64 vbase;
	u64 pfn;
	u32 asid;
	u32 age;
	u8 level;
	u8 shift;
	u8 flags;
	bool valid;
};

/**
 * struct sim_tlb - A set-associative, ASID-tagged TLB holding 4 KiB and
 * huge translations.
 * @lock: Protects @entries and @tick.
 * @nsets: Number of sets (power of two).
 * @ways: Entries per set.
 * @tick: LRU clock.
 * @entries: @nsets * @ways entries, set by set.
 */
struct sim_tlb {
	spinlock_t lock;		/* protects entries, tick */
	unsigned int nsets;
	unsigned int ways;
	u32 tick;
	struct sim_tlb_entry *entries;
};

/**
 * struct sim_fault_slot - One entry of the fault queue.
 * @node: On &sim_fault_queue.free or &sim_fault_queue.queued, or on no list
 *	while being serviced or done.
 * @mirror: Mirror of the faulting access; its raiser holds a reference
 *	until the slot is released.
 * @addr: Page-aligned faulting address.
 * @flags: ``DEVMIR_FAULT_*``; a coalesced write upgrades a queued read.
 * @users: Raisers waiting for the slot (1 + coalesced duplicates).
 * @result: Result of servicing, valid in %SIM_SLOT_DONE.
 * @state: ``SIM_SLOT_*``.
 */
struct sim_fault_slot {
	struct list_head node;
	struct devmir_mirror *mirror;
	u64 addr;
	unsigned int flags;
	unsigned int users;
	int result;
	int state;
};

enum {
	SIM_SLOT_FREE,
	SIM_SLOT_QUEUED,
	SIM_SLOT_SERVICING,
	SIM_SLOT_DONE,
};

/**
 * struct sim_fault_queue - The bounded fault queue of one mirror.
 * @lock: Protects @free, @queued and every slot's fields.
 * @service_lock: Held by the one thread servicing a batch of this mirror's
 *	faults; protects @svc_faults and @svc_slots. Taken killably: a fault
 *	that blocks (a stuck file system, userfaultfd) stalls only the threads
 *	of its own mirror, and only until they are killed.
 * @size: Number of slots.
 * @slots: The slots.
 * @free: Unused slots.
 * @queued: Raised slots waiting for service, oldest first.
 * @svc_faults: Scratch array handed to devmir_fault_batch().
 * @svc_slots: Slot of each @svc_faults entry.
 */
struct sim_fault_queue {
	spinlock_t lock;		/* protects free, queued, slots */
	struct mutex service_lock;	/* protects svc_faults, svc_slots */
	unsigned int size;
	struct sim_fault_slot *slots;
	struct list_head free;
	struct list_head queued;
	struct devmir_fault *svc_faults;
	unsigned int *svc_slots;
};

/**
 * struct sim_pending - A transaction waiting for its fault to be serviced.
 * @va: Virtual address of its first byte.
 * @len: Bytes (within one page).
 * @slot: Fault queue slot, or -1 before it is raised.
 * @covered: Inside the fault-ahead window of a miss pending before it, on
 *	another page: not translated and not raised, only replayed (the
 *	earlier fault maps it); it raises its own fault if it misses then.
 */
struct sim_pending {
	u64 va;
	u32 len;
	int slot;
	bool covered;
};

/* Transactions one command may have pending between fault batches. */
#define SIM_PENDING_MAX		256

/**
 * struct sim_engine - One command engine.
 * @lock: Held by the command executing on this engine, except while that
 *	command waits for its faults (sim_resolve()); protects @bounce and
 *	@pending.
 * @bounce: One page: data of the transaction in flight.
 * @pending: Transactions waiting for faults.
 */
struct sim_engine {
	struct mutex lock;		/* protects bounce, pending */
	void *bounce;
	struct sim_pending *pending;
};

/**
 * struct sim_device - One simulated device.
 * @drm: The DRM device (render node).
 * @pdev: Its platform device.
 * @index: Device index, 0-based.
 * @format: Mirror-table format of the device MMU (level 0 = leaf).
 * @core: Device context in devmirror.ko.
 * @tlb: The TLB.
 * @nengines: Number of engines.
 * @engines: The engines.
 * @coherent: Whether the device's memory is device-coherent: its pages
 *	hold their own data, and @backing is NULL.
 * @devmem_pages: Pages of device memory.
 * @backing: Device-private memory: per device page (devmir_devmem_index()),
 *	the kernel page that holds its data, allocated when the copy engine
 *	first writes it; set once with cmpxchg(), freed when the device goes.
 * @compat: The test_hmm front end of the device, or NULL.
 * @registered: Whether the render node was registered.
 */
struct sim_device {
	struct drm_device drm;
	struct platform_device *pdev;
	unsigned int index;
	struct dmpt_format format;
	bool coherent;
	struct devmir_device *core;
	struct sim_tlb tlb;
	unsigned int nengines;
	struct sim_engine *engines;
	unsigned long devmem_pages;
	struct page **backing;
	struct sim_compat *compat;
	bool registered;
};

/**
 * struct sim_mirror - Per-mirror state of the device (devmir_mirror_priv()).
 * @access_lock: Held for read across the translation and the data copy of
 *	one transaction; taken for write by the TLB shootdown, which thereby
 *	waits for every access that may use a translation it removes.
 * @fault_batch: Faults serviced per batch (policy); READ_ONCE().
 * @fq: The mirror's fault queue (&sim_config.fault_queue slots). Per
 *	mirror, so that no process ever waits for another one's faults: the
 *	threads of a process raise and service their own faults only.
 */
struct sim_mirror {
	rwlock_t access_lock;
	atomic64_t inv_due;
	unsigned int fault_batch;
	struct sim_fault_queue fq;
};

/**
 * struct sim_tlb_tally - TLB hits and misses and page walks of one command,
 * added to the mirror's statistics when it ends (sim_engine_run()).
 * @hits: Translations the TLB had.
 * @misses: Translations that walked the mirror table.
 * @walks: Walks of the mirror table.
 * @walk_levels: Directories those walks read.
 */
struct sim_tlb_tally {
	u64 hits;
	u64 misses;
	u64 walks;
	u64 walk_levels;
};

/**
 * struct sim_cmd - One command being executed by an engine.
 * @sdev: The device.
 * @mirror: The caller's mirror.
 * @smirror: Its device state.
 * @op: ``DRM_DEVMIR_OP_*``.
 * @write: Whether the device writes process memory.
 * @nofault: Fail on the first translation miss instead of faulting.
 * @addr: First virtual address.
 * @size: Bytes.
 * @ubuf: User buffer (READ, WRITE).
 * @operand: Atomic operand.
 * @compare: Atomic compare value.
 * @result: Atomic result.
 * @faults: Faults raised (not counting coalesced duplicates).
 * @batch: Fault batch size.
 * @no_exclusive: The atomic's page cannot be made exclusive: use a plain
 *	write mapping.
 * @bounce: The engine's bounce page.
 * @staged: The WRITE's data for this transaction are in @bounce.
 * @off_engine: The command lost the engine lock (killed while waiting to
 *	take it back after its faults).
 * @tlb: Its TLB hits and misses and page walks so far.
 * @asid: The mirror's address-space id (set by sim_engine_run()).
 * @tlb_level: Leaf level of its last translation: the TLB looks there
 *	first (a stream of 4 KiB pages, or of 2 MiB ones).
 */
struct sim_cmd {
	struct sim_device *sdev;
	struct devmir_mirror *mirror;
	struct sim_mirror *smirror;
	unsigned int op;
	bool write;
	bool nofault;
	u64 addr;
	u64 size;
	u8 __user *ubuf;
	u64 operand;
	u64 compare;
	u64 result;
	u64 faults;
	unsigned int batch;
	bool no_exclusive;
	void *bounce;
	bool staged;
	bool off_engine;
	struct sim_tlb_tally tlb;
	u32 asid;
	unsigned int tlb_level;
};

static inline struct sim_device *to_sim_device(struct drm_device *drm)
{
	return container_of(drm, struct sim_device, drm);
}

/* main.c */
bool sim_is_live(void);

/* drm.c */
int sim_drm_register(struct sim_device *sdev);
void sim_drm_unregister(struct sim_device *sdev);
extern const struct drm_driver sim_drm_driver;

/* tlb.c */
int sim_tlb_init(struct sim_tlb *tlb, unsigned int entries, unsigned int ways);
void sim_tlb_fini(struct sim_tlb *tlb);
bool sim_tlb_lookup(struct sim_tlb *tlb, const struct dmpt_format *fmt, u32 asid,
		    u64 va, bool write, u64 *pfn, u64 *flags,
		    unsigned int *level);
void sim_tlb_fill(struct sim_tlb *tlb, const struct dmpt_format *fmt, u32 asid,
		  u64 va, unsigned int level, const dmpt_entry_t *entries,
		  unsigned int n);
unsigned int sim_tlb_shootdown(struct sim_tlb *tlb, u32 asid, u64 start, u64 end);

/* walker.c */
int sim_translate(struct sim_cmd *cmd, u64 va, u64 *pfn, u64 *flags);

/* devmem.c */
int sim_devmem_init(struct sim_device *sdev, u64 bytes);
void sim_devmem_fini(struct sim_device *sdev);
int sim_copy(struct devmir_device *dev, struct page **dst, struct page **src,
	     unsigned int npages);
u64 sim_devmem_backing_pfn(struct sim_device *sdev, u64 pfn);

/* fault_queue.c */
int sim_fq_init(struct sim_fault_queue *fq, unsigned int size);
void sim_fq_fini(struct sim_fault_queue *fq);
int sim_fq_raise(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		 u64 addr, unsigned int flags, bool *coalesced);
int sim_fq_complete(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		    int slot, unsigned int batch);
int sim_fq_service(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		   unsigned int batch);

/* compat.c, built where the kernel tree has lib/test_hmm_uapi.h (Kbuild) */
#ifdef HAVE_TEST_HMM_UAPI
int sim_compat_register(struct sim_device *sdev, unsigned int id);
void sim_compat_unregister(struct sim_device *sdev);
#else
static inline int sim_compat_register(struct sim_device *sdev, unsigned int id)
{
	return -EOPNOTSUPP;
}

static inline void sim_compat_unregister(struct sim_device *sdev)
{
}
#endif

/* engine.c */
int sim_engines_init(struct sim_device *sdev, unsigned int n);
void sim_engines_fini(struct sim_device *sdev);
int sim_engine_run(struct sim_device *sdev, unsigned int engine, struct sim_cmd *cmd);

#endif /* _DEVMIR_SIM_H */
