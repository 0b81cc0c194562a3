// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - migration policy: when a device fault migrates its window to
 * the device first, thrashing, and the per-mirror knobs (policy, threshold,
 * the migrate_to_ram window, thrashing).
 */
#include <linux/hmm.h>
#include <linux/log2.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

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
 * be mirrored as it is (fault.c's fix-up, after hmm_range_fault()): a page
 * in a peer device's memory goes to system memory (under a policy the
 * window was pulled to this device before), and a write fault on a
 * read-only device page (copy-on-write shared after fork()) takes that
 * page to system memory, where the fault breaks the sharing. Both
 * decisions are taken under the mmap read lock; the migration itself is
 * devmir_migrate()'s (its statistics apply).
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

/**
 * devmir_mirror_set_thrashing() - Set how a mirror contains thrashing.
 * @mirror: The mirror.
 * @rounds: Round trips of a 2 MiB region within %DEVMIR_THRASH_WINDOW_MS
 *	that make it thrashing, 0..%DEVMIR_THRASH_ROUNDS_MAX; 0 stops the
 *	watch.
 * @hold_ms: How long a thrashing region is first kept in system memory,
 *	0..%DEVMIR_THRASH_HOLD_MAX_MS; 0 only counts.
 *
 * See DOC: Thrashing in thrash.c. Regions held now stay held until their
 * hold ends, unless @rounds is 0: that stops the watch and its holds.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if a value is out of range.
 */
int devmir_mirror_set_thrashing(struct devmir_mirror *mirror,
				unsigned int rounds, unsigned int hold_ms)
{
	if (rounds > DEVMIR_THRASH_ROUNDS_MAX || hold_ms > DEVMIR_THRASH_HOLD_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(mirror->thrash_rounds, rounds);
	WRITE_ONCE(mirror->thrash_hold_ms, hold_ms);
	return 0;
}
EXPORT_SYMBOL_GPL(devmir_mirror_set_thrashing);

/**
 * devmir_mirror_thrashing() - How a mirror contains thrashing.
 * @mirror: The mirror.
 * @rounds: Receives the round trips that make a region thrashing.
 * @hold_ms: Receives the first hold in milliseconds.
 *
 * Context: Any context.
 */
void devmir_mirror_thrashing(struct devmir_mirror *mirror,
			     unsigned int *rounds, unsigned int *hold_ms)
{
	*rounds = READ_ONCE(mirror->thrash_rounds);
	*hold_ms = READ_ONCE(mirror->thrash_hold_ms);
}
EXPORT_SYMBOL_GPL(devmir_mirror_thrashing);

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
 * devmir_policy_migrate() - Migrate a device fault's window to the device
 * if the policy says so, before the fault reads the CPU page table.
 * @mirror: The faulting mirror.
 * @addr: Page-aligned faulting address.
 * @start: Start of the fault's window (inside the VMA of @addr).
 * @end: End of the fault's window.
 * @attr: The attributes of @addr's range: accessed-by or a preferred
 *	location of system memory never migrate; a preferred location of this
 *	device migrates whatever the policy; a granularity replaces the window
 *	by the granularity-aligned block around @addr (clipped to the VMA);
 *	thrashing settings replace the mirror's.
 * @bufp: Scratch space, allocated here on first use; the caller frees it.
 *
 * See DOC: Migration policy. A page already in this device's memory does
 * not count towards the policy; a page in a peer's memory is pulled over
 * with the window (counted as a remote fault); a thrashing region stays
 * where it is (DOC: Thrashing in thrash.c).
 *
 * Context: Process context; the caller holds the mmap lock (read) of the
 * mirror's mm, and no mirror lock.
 * Return: 1 if a migration ran (the caller faults again), 0 if nothing had
 * to move, or a negative errno (-ENOMEM, -EINTR) that fails the fault.
 */
int devmir_policy_migrate(struct devmir_mirror *mirror, u64 addr, u64 start,
			  u64 end, const struct devmir_attr *attr,
			  struct devmir_migrate_buf **bufp)
{
	struct devmir_device *dev = mirror->dev;
	struct devmir_migrate_result res = { };
	struct devmir_migrate_buf *buf;
	struct vm_area_struct *vma;
	bool preferred = false;
	struct page *page;
	unsigned long hp;
	int ret;

	if (!dev->devmem)
		return 0;
	/* Range attributes first (DOC: Range attributes in advise.c). */
	if (attr->mask & DEVMIR_ATTR_ACCESSED_BY && attr->accessed_by)
		return 0;
	if (attr->mask & DEVMIR_ATTR_PREFERRED_LOC) {
		if (attr->preferred_loc == DEVMIR_LOC_SYSTEM)
			return 0;
		preferred = true;
	}
	if (!preferred && READ_ONCE(mirror->policy) == DEVMIR_POLICY_OFF)
		return 0;
	if (attr->mask & DEVMIR_ATTR_GRANULARITY) {
		vma = vma_lookup(mirror->mm, addr);
		if (!vma)
			return 0;
		start = ALIGN_DOWN(addr, attr->granularity);
		end = min_t(u64, start + attr->granularity, vma->vm_end);
		start = max_t(u64, start, vma->vm_start);
	}
	buf = devmir_migrate_buf_get(bufp);
	if (!buf)
		return -ENOMEM;

	/* Where is the faulting page? Probe without faulting. */
	if (devmir_probe_range(mirror, addr, addr + PAGE_SIZE, &buf->probe, false))
		return 0;
	hp = buf->probe.pfns[0];
	page = (hp & HMM_PFN_VALID) ? hmm_pfn_to_page(hp) : NULL;
	if (page && devmir_pfn_is_local(dev, page_to_pfn(page)))
		return 0;
	if ((!preferred && !devmir_policy_wants(mirror, addr)) ||
	    devmir_thrash_hold(mirror, addr, attr))
		return 0;
	devmir_stat_add(mirror, DEVMIR_STAT_POLICY_MIGRATIONS, 1);
	if (page && is_device_private_page(page))
		devmir_stat_add(mirror, DEVMIR_STAT_REMOTE_FAULTS, 1);

	ret = __devmir_migrate(mirror, start, end, DEVMIR_MIGRATE_TO_DEVICE, buf, &res);
	return ret ? ret : 1;
}
