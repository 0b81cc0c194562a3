// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - the device page walker and address translation: TLB
 * first, then a lock-free walk of the mirror table that refills the TLB.
 */
#include "sim.h"

/*
 * Walk the mirror table like the hardware walker would: lock-free, counting
 * the walk and the directories it read (from the root down to the level
 * where the walk ended: level 0 = leaf, so a 4 KiB leaf costs all of them).
 */
static dmpt_entry_t sim_walk(struct sim_device *sdev, struct devmir_mirror *mirror,
			     u64 va, bool write, unsigned int *level,
			     struct sim_tlb_tally *tally)
{
	dmpt_entry_t entry;

	/* A write sets the entry's dirty bit, as an MMU does on the walk. */
	if (write)
		entry = devmir_mirror_lookup_write(mirror, va, level);
	else
		entry = devmir_mirror_lookup(mirror, va, level);
	tally->walks++;
	tally->walk_levels += sdev->format.nlevels - *level;
	return entry;
}

/**
 * sim_translate() - Translate one device access.
 * @sdev: The device.
 * @mirror: The mirror of the accessing process.
 * @va: Virtual address.
 * @write: Whether the access writes.
 * @pfn: Receives the 4 KiB frame holding the data of @va: the system page,
 *	or for a page in this device's memory the backing page of its data.
 * @flags: Receives the ``DMPT_*`` flags of the translation
 *	(%DMPT_DEVICE_PRIVATE: device memory; %DMPT_EXCLUSIVE: exclusive).
 * @tally: Counts the hit or the miss and the walk; the caller adds its
 *	counts to the mirror's statistics when its command ends (per page,
 *	atomic additions to shared counters were a few per cent of a
 *	streaming read).
 *
 * A TLB hit translates at once; a miss walks the mirror table and, if the
 * entry allows the access, fills the TLB. A write needs a dirty entry: a
 * cached one that is clean misses, and the walk marks the mirror entry
 * dirty (devmir_mirror_lookup_write()) before the TLB caches it. A walk that lands on device memory
 * marks the page used for the core's eviction clock.
 *
 * Context: The caller holds the mirror's access lock for read and keeps it
 * until it has finished using @pfn.
 * Return: 0 on success, -EAGAIN when the access must fault (no entry, or a
 * read-only entry for a write), -EFAULT for a device page without data.
 */
int sim_translate(struct sim_device *sdev, struct devmir_mirror *mirror, u64 va,
		  bool write, u64 *pfn, u64 *flags, struct sim_tlb_tally *tally)
{
	u32 asid = devmir_mirror_asid(mirror);
	unsigned int level = 0;
	dmpt_entry_t entry;
	u64 size, data_pfn, dev_pfn;

	if (sim_tlb_lookup(&sdev->tlb, &sdev->format, asid, va, write, pfn, flags)) {
		tally->hits++;
		return 0;
	}
	tally->misses++;

	entry = sim_walk(sdev, mirror, va, write, &level, tally);
	*flags = dmpt_entry_flags(entry);
	if (!dmpt_entry_valid(entry) ||
	    (write && !(*flags & DMPT_WRITE && *flags & DMPT_DIRTY)))
		return -EAGAIN;
	if (*flags & DMPT_DEVICE_PRIVATE) {
		/*
		 * Cache where the data of the 4 KiB device page are: each has
		 * its own backing page, so a 2 MiB device leaf (device THP)
		 * is cached 4 KiB at a time.
		 */
		size = dmpt_level_size(&sdev->format, level);
		dev_pfn = dmpt_entry_pfn(entry) + ((va & (size - 1)) >> PAGE_SHIFT);
		data_pfn = sim_devmem_backing_pfn(sdev, dev_pfn);
		if (!data_pfn)
			return -EFAULT;
		devmir_devmem_mark_used(sdev->core, dev_pfn);
		entry = dmpt_entry_make(data_pfn, *flags);
		level = 0;
	}

	sim_tlb_fill(&sdev->tlb, &sdev->format, asid, va, level, entry);
	size = dmpt_level_size(&sdev->format, level);
	*pfn = dmpt_entry_pfn(entry) + ((va & (size - 1)) >> PAGE_SHIFT);
	return 0;
}
