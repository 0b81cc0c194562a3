// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - migration policy: fault-driven migration of a mirror, the
 * migrate_to_ram window, and the decisions a device fault takes before and
 * after hmm_range_fault().
 */
#include <linux/hmm.h>
#include <linux/log2.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

/* A threshold counts device faults per naturally aligned 2 MiB region. */
#define DEVMIR_REGION_SHIFT	21

/**
 * DOC: Migration policy
 *
 * Per mirror, set with devmir_mirror_set_migrate_policy():
 *
 * - %DEVMIR_POLICY_OFF (default): device faults only mirror.
 * - %DEVMIR_POLICY_FIRST_FAULT: a device fault on a page that is not in the
 *   device's memory first migrates the fault-ahead window around it (the
 *   same extent the fault mirrors, clipped to the VMA) to the device, then
 *   mirrors it: untouched anonymous memory is populated in device memory
 *   directly.
 * - %DEVMIR_POLICY_THRESHOLD: the same, once the 2 MiB-aligned region of the
 *   fault has taken the threshold number of such faults; the count then
 *   stays at the threshold, so every later fault of the region migrates.
 *   Counts restart when the policy is set again.
 *
 * Independent of the policy, a device fault migrates when the page cannot
 * be mirrored as it is: a page in a peer device's memory goes to system
 * memory (under a policy the window was pulled to this device before), and
 * a write fault on a read-only device page (copy-on-write shared after
 * fork()) takes that page to system memory, where the fault breaks the
 * sharing. The decision is taken under the mmap read lock; the migration
 * itself is devmir_migrate()'s (its statistics apply).
 */

/**
 * devmir_mirror_set_migrate_policy() - Set a mirror's fault-driven migration.
 * @mirror: The mirror.
 * @policy: &enum devmir_migrate_policy.
 * @threshold: For %DEVMIR_POLICY_THRESHOLD, faults per 2 MiB region,
 *	1..%DEVMIR_THRESHOLD_MAX; 0 for the other policies.
 *
 * Restarts the per-region fault counts.
 *
 * Context: Process context.
 * Return: 0, or -EINVAL for an unknown policy or a bad threshold.
 */
int devmir_mirror_set_migrate_policy(struct devmir_mirror *mirror,
				     enum devmir_migrate_policy policy,
				     unsigned int threshold)
{
	switch (policy) {
	case DEVMIR_POLICY_OFF:
	case DEVMIR_POLICY_FIRST_FAULT:
		if (threshold)
			return -EINVAL;
		break;
	case DEVMIR_POLICY_THRESHOLD:
		if (!threshold || threshold > DEVMIR_THRESHOLD_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	WRITE_ONCE(mirror->threshold, threshold);
	WRITE_ONCE(mirror->policy, policy);
	xa_destroy(&mirror->region_faults);
	return 0;
}
EXPORT_SYMBOL_GPL(devmir_mirror_set_migrate_policy);

/**
 * devmir_mirror_migrate_policy() - A mirror's fault-driven migration.
 * @mirror: The mirror.
 * @threshold: If not NULL, receives the threshold (0 unless THRESHOLD).
 *
 * Context: Any context.
 * Return: The policy.
 */
enum devmir_migrate_policy devmir_mirror_migrate_policy(struct devmir_mirror *mirror,
							unsigned int *threshold)
{
	if (threshold)
		*threshold = READ_ONCE(mirror->threshold);
	return READ_ONCE(mirror->policy);
}
EXPORT_SYMBOL_GPL(devmir_mirror_migrate_policy);

/**
 * devmir_mirror_set_ram_window() - Set how much a CPU fault migrates back.
 * @mirror: The mirror.
 * @bytes: A power of two from %DEVMIR_WINDOW_MIN (the faulting page alone)
 *	to %DEVMIR_WINDOW_MAX (its 2 MiB-aligned block).
 *
 * A CPU access to a device page of @mirror's process then migrates the
 * @bytes-aligned window around it, clipped to its VMA, to system memory.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @bytes is out of range or not a power of two.
 */
int devmir_mirror_set_ram_window(struct devmir_mirror *mirror, u64 bytes)
{
	if (!is_power_of_2(bytes) || bytes < DEVMIR_WINDOW_MIN ||
	    bytes > DEVMIR_WINDOW_MAX)
		return -EINVAL;
	WRITE_ONCE(mirror->ram_window, bytes);
	return 0;
}
EXPORT_SYMBOL_GPL(devmir_mirror_set_ram_window);

/**
 * devmir_mirror_ram_window() - How much a CPU fault migrates back.
 * @mirror: The mirror.
 *
 * Context: Any context.
 * Return: The window in bytes.
 */
u64 devmir_mirror_ram_window(struct devmir_mirror *mirror)
{
	return READ_ONCE(mirror->ram_window);
}
EXPORT_SYMBOL_GPL(devmir_mirror_ram_window);

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
 *
 * No reference is taken: the window is read under the mirror list's lock.
 *
 * Context: Any context that may take a spinlock.
 * Return: The window of @mm's mirror on @dev, or the device default.
 */
u64 devmir_ram_window_of(struct devmir_device *dev, struct mm_struct *mm)
{
	struct devmir_mirror *mirror;
	u64 window = dev->default_ram_window;

	spin_lock(&dev->mirrors_lock);
	mirror = devmir_mirror_of_mm(dev, mm);
	if (mirror)
		window = READ_ONCE(mirror->ram_window);
	spin_unlock(&dev->mirrors_lock);
	return window;
}

/**
 * devmir_ram_fault_account() - Count one CPU fault on a device page.
 * @dev: The device owning the faulting page.
 * @mm: The faulting mm; its mirror on @dev (if any) counts it too.
 * @moved: Pages migrated back to system memory.
 *
 * Context: Any context that may take a spinlock.
 */
void devmir_ram_fault_account(struct devmir_device *dev, struct mm_struct *mm,
			      unsigned long moved)
{
	struct devmir_mirror *mirror;

	spin_lock(&dev->mirrors_lock);
	mirror = devmir_mirror_of_mm(dev, mm);
	if (mirror) {
		devmir_stat_add(mirror, DEVMIR_STAT_RAM_FAULTS, 1);
		devmir_stat_add(mirror, DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
		devmir_stat_add(mirror, DEVMIR_STAT_MIGRATE_BYTES,
				(u64)moved << PAGE_SHIFT);
	} else {
		devmir_device_stat_add(dev, DEVMIR_STAT_RAM_FAULTS, 1);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATED_TO_SYSTEM, moved);
		devmir_device_stat_add(dev, DEVMIR_STAT_MIGRATE_BYTES,
				       (u64)moved << PAGE_SHIFT);
	}
	spin_unlock(&dev->mirrors_lock);
}

/*
 * Whether the policy wants a device fault at @addr (on a page not in the
 * device's memory) to migrate; counts it for THRESHOLD. Faults of one
 * mirror are normally serviced one at a time; concurrent ones may lose a
 * count, which only delays the migration.
 */
static bool devmir_policy_wants(struct devmir_mirror *mirror, u64 addr)
{
	unsigned long region = addr >> DEVMIR_REGION_SHIFT;
	unsigned int threshold, count;
	void *entry;

	switch (READ_ONCE(mirror->policy)) {
	case DEVMIR_POLICY_FIRST_FAULT:
		return true;
	case DEVMIR_POLICY_THRESHOLD:
		break;
	default:
		return false;
	}
	threshold = READ_ONCE(mirror->threshold);
	entry = xa_load(&mirror->region_faults, region);
	count = entry ? xa_to_value(entry) : 0;
	if (count < threshold) {
		count++;
		/* Losing a count to -ENOMEM only delays the migration. */
		xa_store(&mirror->region_faults, region, xa_mk_value(count),
			 GFP_KERNEL);
	}
	return count >= threshold;
}

/**
 * devmir_fault_migrate() - Migrate what a device fault needs migrated.
 * @mirror: The faulting mirror.
 * @addr: Page-aligned faulting address.
 * @write: Whether the device writes.
 * @start: Start of the fault's window (inside the VMA of @addr).
 * @end: End of the fault's window.
 * @hpfn: NULL before hmm_range_fault() (the policy decides); afterwards
 *	hmm_range_fault()'s result for @addr (peer page, copy-on-write).
 * @bufp: Scratch space, allocated here on first use; the caller frees it.
 *
 * See DOC: Migration policy.
 *
 * Context: Process context; the caller holds the mmap lock (read) of the
 * mirror's mm, and no mirror lock.
 * Return: 1 if a migration ran (the caller faults again), 0 if nothing had
 * to move, or a negative errno (-ENOMEM, -EINTR) that fails the fault.
 */
int devmir_fault_migrate(struct devmir_mirror *mirror, u64 addr, bool write,
			 u64 start, u64 end, const unsigned long *hpfn,
			 struct devmir_migrate_buf **bufp)
{
	struct devmir_device *dev = mirror->dev;
	struct devmir_migrate_result res = { };
	enum devmir_migrate_dir dir;
	unsigned long hp;
	struct page *page;
	bool local;
	int ret;

	if (!hpfn) {
		if (READ_ONCE(mirror->policy) == DEVMIR_POLICY_OFF || !dev->devmem)
			return 0;
	} else {
		hp = *hpfn;
		if (!(hp & HMM_PFN_VALID) ||
		    !is_device_private_page(hmm_pfn_to_page(hp)))
			return 0;
	}

	if (!*bufp) {
		*bufp = kvmalloc(sizeof(**bufp), GFP_KERNEL);
		if (!*bufp)
			return -ENOMEM;
	}

	if (!hpfn) {
		/* Where is the faulting page? Probe without faulting. */
		if (devmir_probe_range(mirror, addr, addr + PAGE_SIZE,
				       &(*bufp)->probe, false))
			return 0;
		hp = (*bufp)->probe.pfns[0];
		page = (hp & HMM_PFN_VALID) ? hmm_pfn_to_page(hp) : NULL;
		if (page && devmir_pfn_is_local(dev, page_to_pfn(page)))
			return 0;
		if (!devmir_policy_wants(mirror, addr))
			return 0;
		dir = DEVMIR_MIGRATE_TO_DEVICE;
		devmir_stat_add(mirror, DEVMIR_STAT_POLICY_MIGRATIONS, 1);
		if (page && is_device_private_page(page))
			devmir_stat_add(mirror, DEVMIR_STAT_REMOTE_FAULTS, 1);
	} else {
		page = hmm_pfn_to_page(hp);
		local = devmir_pfn_is_local(dev, page_to_pfn(page));
		if (local && (!write || (hp & HMM_PFN_WRITE)))
			return 0;
		if (!local)
			devmir_stat_add(mirror, DEVMIR_STAT_REMOTE_FAULTS, 1);
		dir = DEVMIR_MIGRATE_TO_SYSTEM;
		start = addr;
		end = addr + PAGE_SIZE;
	}

	ret = __devmir_migrate(mirror, start, end, dir, *bufp, &res);
	return ret ? ret : 1;
}
