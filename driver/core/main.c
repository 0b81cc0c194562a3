// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - device memory mirroring framework: module entry points and
 * device contexts.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/**
 * DOC: Overview
 *
 * devmirror.ko lets a device share a process's virtual address space the
 * way HMM intends (Documentation/mm/hmm.rst): the device translates process
 * virtual addresses through its own page table, the *mirror*, which the
 * framework fills on device faults from the CPU page tables
 * (hmm_range_fault()) and prunes when the CPU side changes
 * (mmu_interval_notifier).
 *
 * A driver creates one device context per device (devmir_device_create())
 * with the device's mirror-table format (mirror/dmpt.h, level 0 = leaf),
 * its pgmap owner and three callbacks. For every process that opens the
 * device it calls devmir_mirror_get_or_create(): there is one mirror per
 * (device, mm), shared by every open of that process and reference counted.
 * A forked child has its own mm and therefore its own mirror.
 *
 * When the device misses a translation, the driver collects the faults and
 * hands a batch to devmir_fault_batch(). Each fault is serviced through
 * mmu_interval_read_begin(), hmm_range_fault() under the mmap read lock,
 * the mirror's update lock and mmu_interval_read_retry(), then populated:
 * 4 KiB leaves, or a huge leaf where hmm_pfn_to_map_order() shows that the
 * CPU maps the page at 2 MiB or more. A per-mirror fault-ahead window
 * (4 KiB to 2 MiB, aligned, clipped to the VMA) populates the neighbourhood
 * of the faulting page in the same call.
 *
 * Invalidation granularity: each mirror registers one interval notifier
 * spanning the whole user address space. Every CPU-side change of the
 * process reaches the mirror as one callback, which clears (or, for
 * MMU_NOTIFY_PROTECTION_PAGE and MMU_NOTIFY_SOFT_DIRTY, write-protects) the
 * mirror entries of the range, prunes directories that became empty and has
 * the driver shoot down its TLB. One notifier makes the bookkeeping trivial
 * and lets a huge leaf outlive the faulted range it came from. Faults do
 * not read under it: each subscribes a short-lived notifier to its own
 * 2 MiB block (DOC: Fault blocks in fault.c), so that only invalidations
 * overlapping the block make it retry, not every munmap of the process.
 * Only the MMU_NOTIFY_EXCLUSIVE invalidation
 * that make_device_exclusive_range() sends on the mirror's own behalf is
 * skipped; migrations, the device's own included, invalidate like any
 * other change (they fence the device off the pages being copied).
 *
 * The mirror dies with its mm or its last reference, whichever comes
 * first: the MMU_NOTIFY_RELEASE callback of process exit empties the table
 * and unlists the mirror; the last devmir_mirror_put() removes the notifier
 * and frees everything.
 *
 * A device may own device-private memory (&devmir_device_desc.devmem_size):
 * the core turns it into MEMORY_DEVICE_PRIVATE pages and manages them as a
 * bounded pool with LRU eviction (DOC: Device memory in devmem.c), migrates
 * ranges in both directions with devmir_migrate() and on CPU faults
 * (DOC: Migration in migrate.c), migrates on device faults by policy
 * (DOC: Migration policy in policy.c) and grants exclusive access for
 * device atomics (DOC: Exclusive access in exclusive.c). The driver copies
 * the data (&devmir_device_ops.copy). Devices with the same pgmap owner are
 * peers: each sees the others' device pages in its faults and migrates them
 * when it touches them.
 *
 * Statistics are kept per mirror and per device: the core's framework
 * counters (devmir_stat_add()) and the counters a driver registers in its
 * description (&devmir_device_desc.driver_stats, devmir_driver_stat_add()).
 * They are reported self-describingly, one name and value at a time
 * (devmir_stat_count(), devmir_stat_describe(), devmir_stats_flatten()), so
 * that a front end's query and debugfs (devmirror/<device>/, with a dump and
 * a self-check of each mirror table) use the same names and a new counter
 * changes no ABI.
 */

/**
 * DOC: Locking
 *
 * The lock order, core and driver together, is drawn once, in
 * driver/core/internal.h, with the rules and how lockdep enforces them.
 * What they mean for the paths:
 *
 * - The mirror table is read lock-free under RCU (devmir_mirror_lookup(),
 *   the device's walker) and updated only under the mirror's update lock
 *   (a mutex). Populate and invalidate both hold it, so an update never
 *   races an invalidation of the same range.
 * - The fault path holds no lock while hmm_range_fault() runs except the
 *   mmap read lock; it takes the update lock afterwards and checks
 *   mmu_interval_read_retry() of its block notifier under it. Every
 *   invalidate callback bumps its notifier's sequence
 *   (mmu_interval_set_seq()) under the same lock, so a
 *   populate either completes before the invalidation clears the range or
 *   sees the new sequence and retries (within HMM_RANGE_DEFAULT_TIMEOUT).
 * - The invalidate callback takes the update lock with mutex_trylock() when
 *   mmu_notifier_range_blockable() is false and returns false if it is
 *   busy. Because reclaim issues invalidations, nothing under the update
 *   lock may enter reclaim: directory allocations under it use
 *   GFP_NOWAIT | __GFP_NOWARN, and a populate that fails to allocate drops
 *   the lock and retries.
 * - The driver's invalidate callback runs under the update lock; it must
 *   fence device accesses that may still use translations of the range
 *   before it returns (the simulated device holds a per-mirror rwlock for
 *   read across translate-and-copy and takes it for write there).
 * - Mirrors are reference counted. The device's mirror list is protected by
 *   a spinlock never held together with the update lock; a lookup takes a
 *   reference with kref_get_unless_zero().
 * - Migrations run under the mmap read lock and hold the locks of the pages
 *   of one window (taken by migrate_vma_setup()) across the copy. Their
 *   MMU_NOTIFY_MIGRATE invalidation takes the update lock like any other,
 *   which is what fences the device off the pages being copied; after a
 *   migration to the device the window's refresh takes it too, under the
 *   mmap lock, with no page lock held. Evicting to make room happens with those page locks
 *   held and therefore only trylocks its victims (migrate_device_range()).
 *   The pool's spinlock is a leaf, also taken from page_free (any context
 *   that drops a page reference).
 * - Exclusive access takes the page lock (make_device_exclusive_range()),
 *   then the update lock to install the entry; the driver's atomic runs
 *   under the page lock and its access lock.
 */

/**
 * DOC: Examples
 *
 * The smallest driver, error handling elided (docs/driver-authors.md walks
 * through the simulated device in full)::
 *
 *	static const struct devmir_device_ops my_ops = {
 *		.invalidate = my_tlb_shootdown,
 *	};
 *	struct devmir_device_desc desc = {
 *		.name = "mygpu0", .format = &dmpt_format_x86_64,
 *		.pgmap_owner = my_gpu, .ops = &my_ops, .max_asids = 255,
 *		.fault_window = SZ_64K,
 *	};
 *	dev = devmir_device_create(&desc);
 *
 *	// open(): one mirror per process, shared by its opens
 *	mirror = devmir_mirror_get_or_create(dev, current->mm);
 *
 *	// fault interrupt: service what the device reported, then replay
 *	struct devmir_fault f[2] = {
 *		{ .addr = va0 }, { .addr = va1, .flags = DEVMIR_FAULT_WRITE },
 *	};
 *	devmir_fault_batch(mirror, f, 2);
 *
 *	// close(): drop the reference
 *	devmir_mirror_put(mirror);
 */

struct dentry *devmir_debugfs_root;

/**
 * devmir_device_create() - Create a device context.
 * @desc: Description of the device; @desc->format and @desc->ops must stay
 *	valid until devmir_device_destroy().
 *
 * Context: Process context; may sleep.
 * Return: The device context, or ERR_PTR(-EINVAL) if @desc is incomplete or
 * its format is unusable (not 4 KiB leaves at level 0, failing
 * dmpt_format_validate(), a fault window outside 4 KiB..2 MiB or not a power
 * of two), device memory without a copy callback or of a bad size, a ram
 * window that is neither 0 nor a power of two in 4 KiB..2 MiB, driver
 * counters that devmir_stats_check_desc() refuses (too many, a bad, repeated
 * or core name); ERR_PTR(-ENOMEM) if memory runs out; the error of
 * memremap_pages() or ERR_PTR(-ERANGE) (no free physical range) for the
 * device memory.
 */
struct devmir_device *devmir_device_create(const struct devmir_device_desc *desc)
{
	struct devmir_device *dev;
	int ret;

	if (!desc || !desc->name || !desc->format || !desc->ops ||
	    !desc->ops->invalidate || !desc->pgmap_owner || !desc->max_asids)
		return ERR_PTR(-EINVAL);
	if (dmpt_format_validate(desc->format) ||
	    desc->format->shift[0] != PAGE_SHIFT)
		return ERR_PTR(-EINVAL);
	if (desc->fault_window != DEVMIR_WINDOW_ADAPTIVE &&
	    (!is_power_of_2(desc->fault_window) ||
	     desc->fault_window < DEVMIR_WINDOW_MIN ||
	     desc->fault_window > DEVMIR_WINDOW_MAX))
		return ERR_PTR(-EINVAL);
	if (desc->devmem_size && !desc->ops->copy)
		return ERR_PTR(-EINVAL);
	switch (desc->memory_kind) {
	case DEVMIR_MEMORY_PRIVATE:
		if (desc->coherent_base)
			return ERR_PTR(-EINVAL);
		break;
	case DEVMIR_MEMORY_COHERENT:
		if (!desc->devmem_size || !desc->coherent_base ||
		    !IS_ALIGNED(desc->coherent_base, DEVMIR_DEVMEM_ALIGN))
			return ERR_PTR(-EINVAL);
		break;
	default:
		return ERR_PTR(-EINVAL);
	}
	if (desc->ram_window && (!is_power_of_2(desc->ram_window) ||
				 desc->ram_window < DEVMIR_WINDOW_MIN ||
				 desc->ram_window > DEVMIR_WINDOW_MAX))
		return ERR_PTR(-EINVAL);
	if (devmir_stats_check_desc(desc))
		return ERR_PTR(-EINVAL);

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	strscpy(dev->name, desc->name, sizeof(dev->name));
	dev->format = desc->format;
	dev->owner = desc->pgmap_owner;
	dev->ops = desc->ops;
	dev->priv_size = desc->mirror_priv_size;
	dev->default_window = desc->fault_window;
	dev->default_ram_window = desc->ram_window ?: PAGE_SIZE;
	dev->drvdata = desc->drvdata;
	dev->max_asids = desc->max_asids;
	dev->driver_stats = desc->driver_stats;
	dev->nr_driver_stats = desc->nr_driver_stats;
	spin_lock_init(&dev->mirrors_lock);
	INIT_LIST_HEAD(&dev->mirrors);
	ida_init(&dev->asids);
	atomic_set(&dev->nr_mirrors, 0);

	if (desc->devmem_size) {
		ret = devmir_devmem_create(dev, desc->devmem_size,
					   desc->memory_kind, desc->coherent_base);
		if (ret) {
			ida_destroy(&dev->asids);
			kfree(dev);
			return ERR_PTR(ret);
		}
	}

	devmir_debugfs_device_init(dev);
	pr_debug("devmirror: device %s created\n", dev->name);
	return dev;
}
EXPORT_SYMBOL_GPL(devmir_device_create);

/**
 * devmir_device_destroy() - Destroy a device context.
 * @dev: The device context, or NULL.
 *
 * Every mirror of the device must have been put already (the driver closes
 * its front ends first); a mirror still alive is a driver bug and is
 * reported with a warning and leaked rather than freed under its users.
 *
 * Processes may still have pages in the device's memory (they outlive the
 * files that put them there): every one of them is evicted to system memory
 * first (DOC: Device memory), so their data survive the driver. The
 * driver's copy callback must still work until this returns.
 *
 * Context: Process context; may sleep, until every device page is free.
 */
void devmir_device_destroy(struct devmir_device *dev)
{
	if (!dev)
		return;
	if (WARN(atomic_read(&dev->nr_mirrors),
		 "devmirror: %s destroyed with %d mirrors alive\n", dev->name,
		 atomic_read(&dev->nr_mirrors)))
		return;
	devmir_debugfs_device_fini(dev);
	devmir_devmem_destroy(dev);
	ida_destroy(&dev->asids);
	kfree(dev);
}
EXPORT_SYMBOL_GPL(devmir_device_destroy);

/**
 * devmir_device_drvdata() - The driver pointer of a device context.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: &devmir_device_desc.drvdata as given at creation.
 */
void *devmir_device_drvdata(struct devmir_device *dev)
{
	return dev->drvdata;
}
EXPORT_SYMBOL_GPL(devmir_device_drvdata);

/**
 * devmir_device_format() - The mirror-table format of a device context.
 * @dev: The device context.
 *
 * Context: Any context.
 * Return: The format (level 0 = leaf) given at creation.
 */
const struct dmpt_format *devmir_device_format(struct devmir_device *dev)
{
	return dev->format;
}
EXPORT_SYMBOL_GPL(devmir_device_format);

static int __init devmir_init(void)
{
	devmir_debugfs_root = debugfs_create_dir("devmirror", NULL);
	if (IS_ERR(devmir_debugfs_root))
		devmir_debugfs_root = NULL;
	devmir_debugfs_init(devmir_debugfs_root);
	devmir_inject_init(devmir_debugfs_root);
	pr_info("devmirror: framework core loaded\n");
	return 0;
}

static void __exit devmir_exit(void)
{
	debugfs_remove_recursive(devmir_debugfs_root);
	/* Directory frees of mirror/ run from RCU callbacks in this module. */
	rcu_barrier();
	pr_info("devmirror: framework core unloaded\n");
}

module_init(devmir_init);
module_exit(devmir_exit);

MODULE_DESCRIPTION("devmirror: HMM-based device memory mirroring framework");
MODULE_LICENSE("GPL");
