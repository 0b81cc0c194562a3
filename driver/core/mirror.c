// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - per-process mirrors: find-or-create, reference counting,
 * teardown, lock-free lookup and snapshots.
 */
#include <linux/err.h>
#include <linux/hmm.h>
#include <linux/log2.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

/* Look up the live mirror of @mm; takes a reference. */
static struct devmir_mirror *devmir_mirror_find(struct devmir_device *dev,
						struct mm_struct *mm)
{
	struct devmir_mirror *mirror, *found = NULL;

	spin_lock(&dev->mirrors_lock);
	list_for_each_entry(mirror, &dev->mirrors, node) {
		if (mirror->mm == mm && kref_get_unless_zero(&mirror->kref)) {
			found = mirror;
			break;
		}
	}
	spin_unlock(&dev->mirrors_lock);
	return found;
}

/**
 * devmir_mirror_unlist() - Take a mirror off its device's lookup list.
 * @mirror: The mirror.
 *
 * After this, devmir_mirror_get_or_create() for the same mm creates a new
 * mirror. Idempotent.
 *
 * Context: Any context that may take a spinlock; not under the update lock.
 */
void devmir_mirror_unlist(struct devmir_mirror *mirror)
{
	struct devmir_device *dev = mirror->dev;

	spin_lock(&dev->mirrors_lock);
	if (mirror->listed) {
		list_del_init(&mirror->node);
		mirror->listed = false;
	}
	spin_unlock(&dev->mirrors_lock);
}

/* The live mirror of @mm on @dev; the caller holds dev->mirrors_lock. */
static struct devmir_mirror *devmir_mirror_of_mm(struct devmir_device *dev,
						 struct mm_struct *mm)
{
	struct devmir_mirror *mirror;

	lockdep_assert_held(&dev->mirrors_lock);
	list_for_each_entry(mirror, &dev->mirrors, node)
		if (mirror->mm == mm)
			return mirror;
	return NULL;
}

/**
 * devmir_ram_window_of() - The ram window for a CPU fault of an mm.
 * @dev: The device owning the faulting page.
 * @mm: The faulting mm.
 * @addr: The faulting address: the granularity of its attribute range
 *	(DOC: Range attributes in advise.c), if it sets one, is the window.
 *
 * No reference is taken: the window is read under the mirror list's lock.
 *
 * Context: Any context that may take a spinlock.
 * Return: The window of @mm's mirror on @dev, or the device default.
 */
u64 devmir_ram_window_of(struct devmir_device *dev, struct mm_struct *mm,
			 u64 addr)
{
	struct devmir_mirror *mirror;
	u64 window = dev->default_ram_window;
	struct devmir_attr attr;

	spin_lock(&dev->mirrors_lock);
	mirror = devmir_mirror_of_mm(dev, mm);
	if (mirror) {
		window = READ_ONCE(mirror->ram_window);
		devmir_mirror_attr_at(mirror, addr, &attr);
		if (attr.mask & DEVMIR_ATTR_GRANULARITY)
			window = attr.granularity;
	}
	spin_unlock(&dev->mirrors_lock);
	return window;
}

/**
 * devmir_ram_fault_account() - Count one CPU fault on a device page.
 * @dev: The device owning the faulting page.
 * @mm: The faulting mm; its mirror on @dev (if any) counts it too.
 * @addr: The faulting address: its region has made half a round trip
 *	(DOC: Thrashing in thrash.c).
 * @moved: Pages migrated back to system memory.
 * @bytes: Size of the window migrated.
 * @start_ns: ktime_get_ns() when the fault began (DOC: Latency histograms).
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_ram_fault_account(struct devmir_device *dev, struct mm_struct *mm,
			      u64 addr, unsigned long moved, u64 bytes,
			      u64 start_ns)
{
	enum devmir_lat lat = devmir_lat_sized(DEVMIR_LAT_TO_SYSTEM_4K, bytes);
	struct devmir_mirror *mirror;

	spin_lock(&dev->mirrors_lock);
	mirror = devmir_mirror_of_mm(dev, mm);
	if (mirror) {
		devmir_lat_record(mirror, lat, start_ns);
		if (moved)
			devmir_thrash_returned(mirror, addr);
		devmir_stat_add(mirror, DEVMIR_STAT_RAM_FAULTS, 1);
		devmir_stat_add(mirror, DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
		devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_BYTES,
				(u64)moved << PAGE_SHIFT);
	} else {
		devmir_device_lat_record(dev, lat, start_ns);
		devmir_device_stat_add(dev, DEVMIR_STAT_RAM_FAULTS, 1);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATE_BYTES,
				       (u64)moved << PAGE_SHIFT);
	}
	spin_unlock(&dev->mirrors_lock);
}

/*
 * The written hook of every mirror table (dmpt_set_written_hook()): the
 * device wrote to these pages through entries the table is dropping or
 * write-protecting. Mark their folios dirty, as the CPU's page-table
 * teardown does with a dirty PTE (RDMA ODP does the same on unmap), so that
 * reclaim does not discard a lazily-freed page or keep a stale swap copy,
 * and writeback writes a file's pages.
 *
 * Safe without the folio lock: the hook runs under the update lock and the
 * interval notifier is registered, so every page a leaf maps is still
 * mapped by the CPU (an unmap calls the notifier, which waits for the
 * update lock, before it clears the PTE); a mapped file folio is not
 * truncated away, as for zap_pte_range(). folio_mark_dirty() takes only
 * spinlocks (mapping's private and i_pages locks, inode lists), so it is
 * legal in a non-blocking invalidation too. Anonymous and shmem folios
 * just get PG_dirty; file folios go through their dirty_folio operation.
 */
static void devmir_pages_written(void *arg, u64 pfn, u64 npages)
{
	struct devmir_mirror *mirror = arg;
	u64 end = pfn + npages;

	while (pfn < end) {
		struct folio *folio = pfn_folio(pfn);

		folio_mark_dirty(folio);
		pfn = folio_pfn(folio) + folio_nr_pages(folio);
	}
	devmir_stat_add(mirror, DEVMIR_STAT_PAGES_DIRTIED, npages);
}

/*
 * Empty a mirror whose last reference is gone, while its notifier still
 * keeps every page it maps alive: what the device wrote reaches the pages
 * (written hook), and the device forgets the translations.
 */
static void devmir_mirror_drain(struct devmir_mirror *mirror)
{
	u64 end = devmir_va_end(mirror->dev);
	unsigned long pages;

	mutex_lock(&mirror->update_lock);
	pages = dmpt_clear(&mirror->pt, 0, end, DEVMIR_GFP_LOCKED);
	mutex_unlock(&mirror->update_lock);
	if (pages) {
		mirror->dev->ops->invalidate(mirror, 0, end, true);
		devmir_shootdown_wait(mirror, true);
	}
}

/* Undo devmir_mirror_alloc(); the notifier is already removed or never was. */
static void devmir_mirror_free(struct devmir_mirror *mirror, bool initialised)
{
	struct devmir_device *dev = mirror->dev;
	struct dmpt_stats st;

	devmir_debugfs_mirror_fini(mirror);
	if (initialised && dev->ops->mirror_fini)
		dev->ops->mirror_fini(mirror);

	mutex_lock(&mirror->update_lock);
	dmpt_get_stats(&mirror->pt, &st);
	dmpt_fini(&mirror->pt);
	mutex_unlock(&mirror->update_lock);

	spin_lock(&dev->mirrors_lock);
	dev->retired.dirs_pruned += st.dirs_pruned;
	dev->retired.splits += st.splits;
	spin_unlock(&dev->mirrors_lock);

	ida_free(&dev->asids, mirror->asid);
	xa_destroy(&mirror->region_faults);
	devmir_thrash_free(mirror);
	xa_destroy(&mirror->exclusive);
	devmir_advice_free(mirror);
	mutex_destroy(&mirror->update_lock);
	kfree(mirror);
	atomic_dec(&dev->nr_mirrors);
}

/*
 * Teach lockdep the rule of the lock-order diagram (internal.h) that no run
 * would otherwise show until reclaim happened at the wrong moment: reclaim
 * may wait for the update lock (it invalidates, and the notifier takes the
 * lock), so nothing under the update lock may enter reclaim. Recording
 * "reclaim, then the update lock" once makes the first allocation that
 * could reclaim under the lock a lockdep report, as dma-resv does for its
 * lock. Every mirror's update lock is one lockdep class (one mutex_init()
 * site), so priming any mirror primes them all.
 */
static void devmir_lockdep_prime(struct devmir_mirror *mirror)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;
	fs_reclaim_acquire(GFP_KERNEL);
	mutex_lock(&mirror->update_lock);
	mutex_unlock(&mirror->update_lock);
	fs_reclaim_release(GFP_KERNEL);
}

static struct devmir_mirror *devmir_mirror_alloc(struct devmir_device *dev,
						 struct mm_struct *mm)
{
	struct devmir_mirror *mirror;
	int asid, ret;

	mirror = kzalloc(struct_size(mirror, priv, DIV_ROUND_UP(dev->priv_size, 8)),
			 GFP_KERNEL);
	if (!mirror)
		return ERR_PTR(-ENOMEM);

	asid = ida_alloc_range(&dev->asids, 1, dev->max_asids, GFP_KERNEL);
	if (asid < 0) {
		ret = asid;
		goto err_free;
	}

	kref_init(&mirror->kref);
	mirror->dev = dev;
	mirror->mm = mm;
	mirror->asid = asid;
	mirror->fault_window = dev->default_window;
	mirror->ahead = DEVMIR_WINDOW_MIN;
	mirror->ram_window = dev->default_ram_window;
	mirror->policy = DEVMIR_POLICY_OFF;
	mirror->thrash_rounds = DEVMIR_THRASH_ROUNDS_DEFAULT;
	mirror->thrash_hold_ms = DEVMIR_THRASH_HOLD_DEFAULT_MS;
	xa_init(&mirror->region_faults);
	xa_init(&mirror->thrash);
	xa_init(&mirror->exclusive);
	INIT_LIST_HEAD(&mirror->node);
	mutex_init(&mirror->update_lock);
	devmir_advice_init(mirror);

	ret = dmpt_init(&mirror->pt, dev->format);
	if (ret)
		goto err_asid;
	dmpt_set_written_hook(&mirror->pt, devmir_pages_written, mirror);
	dmpt_set_external_lock(&mirror->pt, &mirror->update_lock);
	devmir_lockdep_prime(mirror);

	atomic_inc(&dev->nr_mirrors);

	if (dev->ops->mirror_init) {
		ret = dev->ops->mirror_init(mirror);
		if (ret) {
			devmir_mirror_free(mirror, false);
			return ERR_PTR(ret);
		}
	}

	ret = mmu_interval_notifier_insert(&mirror->notifier, mm, 0,
					   ULONG_MAX & PAGE_MASK,
					   &devmir_notifier_ops);
	if (ret) {
		devmir_mirror_free(mirror, true);
		return ERR_PTR(ret);
	}

	devmir_debugfs_mirror_init(mirror);
	return mirror;

err_asid:
	xa_destroy(&mirror->region_faults);
	devmir_advice_free(mirror);
	mutex_destroy(&mirror->update_lock);
	ida_free(&dev->asids, asid);
err_free:
	kfree(mirror);
	return ERR_PTR(ret);
}

static void devmir_mirror_release(struct kref *kref)
{
	struct devmir_mirror *mirror = container_of(kref, struct devmir_mirror, kref);

	devmir_mirror_unlist(mirror);
	devmir_mirror_drain(mirror);
	/* Waits for a running invalidation; none can start afterwards. */
	mmu_interval_notifier_remove(&mirror->notifier);
	devmir_mirror_free(mirror, true);
}

/*
 * A new mirror of the caller's mm, made by a child of fork() that has not
 * called execve() since, starts with the range attributes of its parent's
 * mirror on the device (DOC: Inheritance across fork in advise.c).
 */
static void devmir_mirror_inherit(struct devmir_mirror *mirror)
{
	struct mm_struct *mm = mirror->mm, *parent_mm = NULL;
	struct devmir_mirror *from;
	struct task_struct *parent;

	if (mm != current->mm || current->self_exec_id != current->parent_exec_id)
		return;
	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	if (parent->self_exec_id == current->parent_exec_id)
		parent_mm = get_task_mm(parent);
	rcu_read_unlock();
	if (!parent_mm)
		return;
	if (parent_mm != mm) {
		from = devmir_mirror_find(mirror->dev, parent_mm);
		if (from) {
			devmir_advice_inherit(mirror, from);
			devmir_mirror_put(from);
		}
	}
	mmput(parent_mm);
}

/**
 * devmir_mirror_get_or_create() - Find or create the mirror of an mm.
 * @dev: The device context.
 * @mm: The mm to mirror; the caller holds a user reference on it (typically
 *	current->mm in the device's open()).
 *
 * Returns the device's existing mirror of @mm with a new reference, or
 * creates one: an empty mirror table, an address-space id, the driver's
 * per-mirror area and an interval notifier over the whole user address
 * space. Concurrent callers for the same mm end up sharing one mirror. A
 * mirror created by a child of fork() starts with its parent's range
 * attributes (DOC: Inheritance across fork in advise.c).
 *
 * Context: Process context; may sleep. Takes the mmap lock for write when
 * the mm gets its first notifier.
 * Return: The mirror with a reference the caller drops with
 * devmir_mirror_put(); ERR_PTR(-ENOSPC) when the device has no address-space
 * id left, ERR_PTR(-ENOMEM), ERR_PTR(-EINVAL) for a NULL @mm, or the error of
 * &devmir_device_ops.mirror_init.
 */
struct devmir_mirror *devmir_mirror_get_or_create(struct devmir_device *dev,
						  struct mm_struct *mm)
{
	struct devmir_mirror *mirror, *found;

	might_sleep();
	if (!mm)
		return ERR_PTR(-EINVAL);

	mirror = devmir_mirror_find(dev, mm);
	if (mirror)
		return mirror;

	mirror = devmir_mirror_alloc(dev, mm);
	if (IS_ERR(mirror))
		return mirror;

	/* Publish unless a concurrent caller won the race. */
	spin_lock(&dev->mirrors_lock);
	list_for_each_entry(found, &dev->mirrors, node) {
		if (found->mm == mm && kref_get_unless_zero(&found->kref)) {
			spin_unlock(&dev->mirrors_lock);
			devmir_mirror_put(mirror);
			return found;
		}
	}
	list_add_tail(&mirror->node, &dev->mirrors);
	mirror->listed = true;
	spin_unlock(&dev->mirrors_lock);
	devmir_mirror_inherit(mirror);
	return mirror;
}
EXPORT_SYMBOL_GPL(devmir_mirror_get_or_create);

/**
 * devmir_mirror_get() - Take another reference on a mirror.
 * @mirror: A mirror the caller already holds a reference on.
 *
 * Context: Any context.
 */
void devmir_mirror_get(struct devmir_mirror *mirror)
{
	kref_get(&mirror->kref);
}
EXPORT_SYMBOL_GPL(devmir_mirror_get);

/**
 * devmir_mirror_put() - Drop a reference on a mirror.
 * @mirror: The mirror, or NULL.
 *
 * The last put removes the interval notifier (waiting for a running
 * invalidation), calls &devmir_device_ops.mirror_fini, frees the table (its
 * directories after an RCU grace period) and the address-space id.
 *
 * Context: Process context; may sleep. Must not be called from an
 * invalidate callback or with the mirror's update lock held.
 */
void devmir_mirror_put(struct devmir_mirror *mirror)
{
	if (!mirror)
		return;
	/* The last reference empties the table under the update lock. */
	devmir_might_lock_update(mirror);
	kref_put(&mirror->kref, devmir_mirror_release);
}
EXPORT_SYMBOL_GPL(devmir_mirror_put);

/**
 * devmir_mirror_device() - The device context of a mirror.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: The device context.
 */
struct devmir_device *devmir_mirror_device(struct devmir_mirror *mirror)
{
	return mirror->dev;
}
EXPORT_SYMBOL_GPL(devmir_mirror_device);

/**
 * devmir_mirror_mm() - The mm a mirror mirrors.
 * @mirror: The mirror.
 *
 * The mm_struct stays allocated while the mirror exists, but its address
 * space may already be torn down: compare it with current->mm, or take
 * mmget_not_zero() before touching its memory.
 *
 * Context: Any context.
 * Return: The mm.
 */
struct mm_struct *devmir_mirror_mm(struct devmir_mirror *mirror)
{
	return mirror->mm;
}
EXPORT_SYMBOL_GPL(devmir_mirror_mm);

/**
 * devmir_mirror_asid() - The device address-space id of a mirror.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: The id, 1..&devmir_device_desc.max_asids, unique among the
 * device's mirrors while this one exists; tag TLB entries with it.
 */
u32 devmir_mirror_asid(struct devmir_mirror *mirror)
{
	return mirror->asid;
}
EXPORT_SYMBOL_GPL(devmir_mirror_asid);

/**
 * devmir_mirror_priv() - The driver's per-mirror area.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: &devmir_device_desc.mirror_priv_size bytes, 8-byte aligned.
 */
void *devmir_mirror_priv(struct devmir_mirror *mirror)
{
	return mirror->priv;
}
EXPORT_SYMBOL_GPL(devmir_mirror_priv);

/**
 * devmir_mirror_is_live() - Whether a mirror's mm is still alive.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: False once the mm has been torn down (the table is then empty for
 * good and faults fail with -ENODEV), true before.
 */
bool devmir_mirror_is_live(struct devmir_mirror *mirror)
{
	return !READ_ONCE(mirror->released);
}
EXPORT_SYMBOL_GPL(devmir_mirror_is_live);

/**
 * devmir_mirror_set_fault_window() - Set a mirror's fault-ahead window.
 * @mirror: The mirror.
 * @bytes: Window size: a power of two from %DEVMIR_WINDOW_MIN (4 KiB, no
 *	fault-ahead) to %DEVMIR_WINDOW_MAX (2 MiB), or %DEVMIR_WINDOW_ADAPTIVE.
 *
 * A fault at address A then populates the @bytes-aligned block around A,
 * clipped to A's VMA (neighbours are faulted for read). Adaptive: the
 * 2 MiB-aligned block around A, clipped to the VMA, is mirrored as far as
 * the CPU maps it (nothing is faulted for that), and pages the CPU does not
 * map are faulted in only in a fault-ahead block that doubles while the
 * mirror's faults are sequential (each at the end of the last one's block)
 * and drops back to the faulting page when one is not (DOC: Device faults
 * in fault.c). Faults already being serviced keep the window they started
 * with.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @bytes is out of range or not a power of two.
 */
int devmir_mirror_set_fault_window(struct devmir_mirror *mirror, u64 bytes)
{
	if (bytes != DEVMIR_WINDOW_ADAPTIVE &&
	    (!is_power_of_2(bytes) || bytes < DEVMIR_WINDOW_MIN ||
	     bytes > DEVMIR_WINDOW_MAX))
		return -EINVAL;
	WRITE_ONCE(mirror->fault_window, bytes);
	return 0;
}
EXPORT_SYMBOL_GPL(devmir_mirror_set_fault_window);

/**
 * devmir_mirror_fault_window() - A mirror's fault-ahead window.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: The window in bytes.
 */
u64 devmir_mirror_fault_window(struct devmir_mirror *mirror)
{
	return READ_ONCE(mirror->fault_window);
}
EXPORT_SYMBOL_GPL(devmir_mirror_fault_window);

/**
 * devmir_mirror_lookup() - Translate an address through the mirror table.
 * @mirror: The mirror.
 * @addr: Process virtual address.
 * @level: If not NULL, receives the level (level 0 = leaf) of the leaf found
 *	or of the empty slot that ended the walk. A hardware walker reads
 *	``nlevels - *level`` directories to get there.
 *
 * This is the device page walker's view: lock-free, concurrent with updates.
 * An entry it returns may be in the middle of being invalidated; the driver
 * must use it only inside the section its &devmir_device_ops.invalidate
 * callback fences.
 *
 * Context: Any context (takes rcu_read_lock() itself).
 * Return: The leaf entry covering @addr, or an entry without %DMPT_VALID.
 */
dmpt_entry_t devmir_mirror_lookup(struct devmir_mirror *mirror, u64 addr,
				  unsigned int *level)
{
	dmpt_entry_t entry;

	rcu_read_lock();
	entry = dmpt_lookup(&mirror->pt, addr, level, NULL);
	rcu_read_unlock();
	return entry;
}
EXPORT_SYMBOL_GPL(devmir_mirror_lookup);

/**
 * devmir_mirror_lookup_line() - devmir_mirror_lookup() that also reads the
 * leaves that follow, as a walker fetching a line of entries does.
 * @mirror: The mirror.
 * @addr: Process virtual address.
 * @line: Receives @line[0], the entry devmir_mirror_lookup() returns, then
 *	the leaves covering the addresses that follow, one per slot of the
 *	same directory (level size apart), without %DMPT_VALID where a slot
 *	holds none (dmpt_lookup_line()).
 * @n: Room in @line, at least 1.
 * @level: As for devmir_mirror_lookup(); every entry of @line is at it.
 *
 * Same fencing rules as devmir_mirror_lookup(), for every entry: a driver
 * may cache the neighbours it did not ask for only inside the section its
 * &devmir_device_ops.invalidate callback fences, and must not write through
 * any of them (they are not marked dirty: devmir_mirror_lookup_write()).
 *
 * Context: Any context (takes rcu_read_lock() itself).
 * Return: The entries written: 1 when nothing is mapped at @addr, else up
 * to @n (fewer at the end of a directory).
 */
unsigned int devmir_mirror_lookup_line(struct devmir_mirror *mirror, u64 addr,
				       dmpt_entry_t *line, unsigned int n,
				       unsigned int *level)
{
	unsigned int got;

	rcu_read_lock();
	got = dmpt_lookup_line(&mirror->pt, addr, line, n, level, NULL);
	rcu_read_unlock();
	return got;
}
EXPORT_SYMBOL_GPL(devmir_mirror_lookup_line);

/**
 * devmir_mirror_lookup_write() - Translate an address for a device write,
 * marking the entry dirty.
 * @mirror: The mirror.
 * @addr: Process virtual address.
 * @level: As for devmir_mirror_lookup().
 *
 * The walk a device MMU makes before its first write through a translation
 * (dmpt_lookup_write()): a writable entry gets %DMPT_DIRTY atomically, so
 * that the core carries the write to the page (folio_mark_dirty()) when the
 * entry is later dropped or write-protected. A driver must write only
 * through an entry that has both %DMPT_WRITE and %DMPT_DIRTY, and must treat
 * a cached translation without %DMPT_DIRTY as a miss for writes; anything
 * else is a fault. Same fencing rules as devmir_mirror_lookup().
 *
 * Context: Any context (takes rcu_read_lock() itself).
 * Return: The leaf entry covering @addr as now stored, or an entry without
 * %DMPT_VALID.
 */
dmpt_entry_t devmir_mirror_lookup_write(struct devmir_mirror *mirror, u64 addr,
					unsigned int *level)
{
	dmpt_entry_t entry;

	rcu_read_lock();
	entry = dmpt_lookup_write(&mirror->pt, addr, level, NULL);
	rcu_read_unlock();
	return entry;
}
EXPORT_SYMBOL_GPL(devmir_mirror_lookup_write);
