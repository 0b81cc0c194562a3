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
 * A read fetches a line: @line[0] is the leaf looked for, the rest (up to
 * walk_line in all) the leaves that follow it; returns how many.
 */
static unsigned int sim_walk(struct sim_device *sdev, struct devmir_mirror *mirror,
			     u64 va, bool write, unsigned int *level,
			     dmpt_entry_t *line, struct sim_tlb_tally *tally)
{
	unsigned int n = 1;

	/* A write sets the entry's dirty bit, as an MMU does on the walk. */
	if (write)
		line[0] = devmir_mirror_lookup_write(mirror, va, level);
	else
		n = devmir_mirror_lookup_line(mirror, va, line,
					      sim_config.walk_line, level);
	tally->walks++;
	tally->walk_levels += sdev->format.nlevels - *level;
	return n;
}

/**
 * sim_translate() - Translate one device access.
 * @cmd: The command: its device, mirror, asid and direction; its TLB level
 *	hint and its tally (the hit or the miss and the walk, which
 *	sim_engine_run() adds to the mirror's statistics when the command
 *	ends: per page, atomic additions to shared counters were a few per
 *	cent of a streaming read).
 * @va: Virtual address.
 * @pfn: Receives the 4 KiB frame holding the data of @va: the system page,
 *	or for a page in this device's memory the backing page of its data.
 * @flags: Receives the ``DMPT_*`` flags of the translation
 *	(%DMPT_DEVICE_PRIVATE: device memory; %DMPT_EXCLUSIVE: exclusive).
 *
 * A TLB hit translates at once; a miss walks the mirror table and, if the
 * entry allows the access, fills the TLB. A read's walk fetches a line of
 * walk_line leaves, as a GPU walker reads a cache line of page-table entries,
 * and caches the ones after the leaf it looked for as well (those of system
 * memory: a streaming read then walks once per line, not once per page).
 * A write needs a dirty entry: a
 * cached one that is clean misses, and the walk marks the mirror entry
 * dirty (devmir_mirror_lookup_write()) before the TLB caches it. A walk that lands on device memory
 * marks the page used for the core's eviction clock.
 *
 * Context: The caller holds the mirror's access lock for read and keeps it
 * until it has finished using @pfn.
 * Return: 0 on success, -EAGAIN when the access must fault (no entry, or a
 * read-only entry for a write), -EFAULT for a device page without data.
 */
int sim_translate(struct sim_cmd *cmd, u64 va, u64 *pfn, u64 *flags)
{
	struct sim_device *sdev = cmd->sdev;
	dmpt_entry_t line[SIM_WALK_LINE_MAX];
	bool write = cmd->write;
	u64 size, data_pfn, dev_pfn;
	unsigned int level = 0, n, i;

	if (sim_tlb_lookup(&sdev->tlb, &sdev->format, cmd->asid, va, write, pfn,
			   flags, &cmd->tlb_level)) {
		cmd->tlb.hits++;
		return 0;
	}
	cmd->tlb.misses++;

	n = sim_walk(sdev, cmd->mirror, va, write, &level, line, &cmd->tlb);
	*flags = dmpt_entry_flags(line[0]);
	if (!dmpt_entry_valid(line[0]) ||
	    (write && !(*flags & DMPT_WRITE && *flags & DMPT_DIRTY)))
		return -EAGAIN;
	if (*flags & DMPT_DEVICE_PRIVATE) {
		/*
		 * Cache where the data of the 4 KiB device page are: each has
		 * its own backing page, so a 2 MiB device leaf (device THP)
		 * is cached 4 KiB at a time, and alone: the neighbours were
		 * not accessed (the eviction's clock would count them).
		 */
		size = dmpt_level_size(&sdev->format, level);
		dev_pfn = dmpt_entry_pfn(line[0]) + ((va & (size - 1)) >> PAGE_SHIFT);
		data_pfn = sim_devmem_backing_pfn(sdev, dev_pfn);
		if (!data_pfn)
			return -EFAULT;
		devmir_devmem_mark_used(sdev->core, dev_pfn);
		line[0] = dmpt_entry_make(data_pfn, *flags);
		level = 0;
		n = 1;
	}
	/* Neighbours in device memory are left to their own walks. */
	for (i = 1; i < n; i++)
		if (dmpt_entry_flags(line[i]) & DMPT_DEVICE_PRIVATE)
			line[i].val = 0;

	sim_tlb_fill(&sdev->tlb, &sdev->format, cmd->asid, va, level, line, n);
	cmd->tlb_level = level;
	size = dmpt_level_size(&sdev->format, level);
	*pfn = dmpt_entry_pfn(line[0]) + ((va & (size - 1)) >> PAGE_SHIFT);
	return 0;
}
