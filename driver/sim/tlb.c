// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - the device TLB: set-associative, tagged by address-space
 * id, holding 4 KiB and huge translations side by side.
 *
 * A translation of level L lives in the set chosen by its level-L virtual
 * page number and its ASID; a lookup probes one set per leaf level of the
 * format, largest pages first. Replacement is LRU within a set.
 */
#include <linux/hash.h>
#include <linux/slab.h>

#include "sim.h"

/**
 * sim_tlb_init() - Set up an empty TLB.
 * @tlb: The TLB.
 * @entries: Total entries, a power of two.
 * @ways: Associativity, a power of two dividing @entries.
 *
 * Context: Process context.
 * Return: 0, -EINVAL for a bad geometry, -ENOMEM.
 */
int sim_tlb_init(struct sim_tlb *tlb, unsigned int entries, unsigned int ways)
{
	if (!is_power_of_2(entries) || !is_power_of_2(ways) || ways > entries)
		return -EINVAL;
	tlb->entries = kcalloc(entries, sizeof(*tlb->entries), GFP_KERNEL);
	if (!tlb->entries)
		return -ENOMEM;
	spin_lock_init(&tlb->lock);
	tlb->ways = ways;
	tlb->nsets = entries / ways;
	tlb->tick = 0;
	return 0;
}

/**
 * sim_tlb_fini() - Free a TLB.
 * @tlb: The TLB.
 *
 * Context: Process context.
 */
void sim_tlb_fini(struct sim_tlb *tlb)
{
	kfree(tlb->entries);
	tlb->entries = NULL;
}

static struct sim_tlb_entry *sim_tlb_set(struct sim_tlb *tlb, u32 asid,
					 unsigned int level, u64 vpn)
{
	u64 key = vpn ^ ((u64)asid << 40) ^ ((u64)level << 56);
	unsigned int set = hash_64(key, 32) & (tlb->nsets - 1);

	return &tlb->entries[set * tlb->ways];
}

/*
 * Look for @va's leaf of @level in its set; the caller holds the TLB lock.
 * 1: a hit, 0: none cached, -1: cached but not for a write (dropped).
 */
static int __sim_tlb_lookup(struct sim_tlb *tlb, const struct dmpt_format *fmt,
			    u32 asid, u64 va, unsigned int level, bool write,
			    u64 *pfn, u64 *flags)
{
	unsigned int shift = fmt->shift[level], way;
	u64 vbase = va & ~((1ULL << shift) - 1);
	struct sim_tlb_entry *set = sim_tlb_set(tlb, asid, level, va >> shift);

	for (way = 0; way < tlb->ways; way++) {
		struct sim_tlb_entry *e = &set[way];

		if (!e->valid || e->asid != asid || e->level != level ||
		    e->vbase != vbase)
			continue;
		if (write && (!(e->flags & DMPT_WRITE) || !(e->flags & DMPT_DIRTY))) {
			e->valid = false;
			return -1;
		}
		e->age = ++tlb->tick;
		*pfn = e->pfn + ((va - vbase) >> PAGE_SHIFT);
		*flags = e->flags;
		return 1;
	}
	return 0;
}

/**
 * sim_tlb_lookup() - Translate through the TLB.
 * @tlb: The TLB.
 * @fmt: The device's mirror format (level 0 = leaf).
 * @asid: Address-space id of the access.
 * @va: Virtual address.
 * @write: Whether the access writes.
 * @pfn: Receives the 4 KiB frame of @va on a hit.
 * @flags: Receives the ``DMPT_*`` flags of the cached entry on a hit.
 * @level: The leaf level to look at first (the caller's last hit: a stream
 *	of pages hits one level); receives the level of a hit.
 *
 * A matching read-only or clean entry for a write access is a miss: the
 * entry is dropped, so that the walk that follows refills it from the
 * (possibly upgraded) mirror entry, marking that one dirty. Where two
 * levels cache @va, both were filled from valid mirror entries since the
 * last shootdown of @va: either is a right answer, whatever the order.
 *
 * Context: Any context; takes the TLB spinlock.
 * Return: True on a hit that allows the access.
 */
bool sim_tlb_lookup(struct sim_tlb *tlb, const struct dmpt_format *fmt, u32 asid,
		    u64 va, bool write, u64 *pfn, u64 *flags,
		    unsigned int *level)
{
	unsigned int first = *level;
	int l, r = 0, hit = -1;

	spin_lock(&tlb->lock);
	if (first < fmt->nlevels && (fmt->leaf_levels & BIT(first))) {
		r = __sim_tlb_lookup(tlb, fmt, asid, va, first, write, pfn, flags);
		hit = first;
	}
	for (l = fmt->nlevels - 1; l >= 0 && !r; l--) {
		if (l == first || !(fmt->leaf_levels & BIT(l)))
			continue;
		r = __sim_tlb_lookup(tlb, fmt, asid, va, l, write, pfn, flags);
		hit = l;
	}
	spin_unlock(&tlb->lock);
	if (r > 0)
		*level = hit;
	return r > 0;
}

/* Cache one leaf; the caller holds the TLB lock. */
static void __sim_tlb_fill(struct sim_tlb *tlb, u32 asid, u64 vbase,
			   unsigned int level, unsigned int shift,
			   dmpt_entry_t entry)
{
	struct sim_tlb_entry *set, *victim;
	unsigned int way;

	set = sim_tlb_set(tlb, asid, level, vbase >> shift);
	victim = &set[0];
	for (way = 0; way < tlb->ways; way++) {
		struct sim_tlb_entry *e = &set[way];

		if (e->valid && e->asid == asid && e->level == level &&
		    e->vbase == vbase) {
			victim = e;
			break;
		}
		if (!e->valid) {
			if (victim->valid)
				victim = e;
		} else if (victim->valid && e->age < victim->age) {
			victim = e;
		}
	}
	victim->vbase = vbase;
	victim->pfn = dmpt_entry_pfn(entry);
	victim->asid = asid;
	victim->level = level;
	victim->shift = shift;
	victim->flags = dmpt_entry_flags(entry) & 0xff;
	victim->valid = true;
	victim->age = ++tlb->tick;
}

/**
 * sim_tlb_fill() - Cache translations found by the page walker.
 * @tlb: The TLB.
 * @fmt: The device's mirror format.
 * @asid: Address-space id.
 * @va: Any address inside the first page.
 * @level: Level of the leaves (level 0 = leaf).
 * @entries: @n mirror entries, the i-th covering @va + i leaves of @level;
 *	for device memory, with the frame of the page that holds the data.
 *	Entries without %DMPT_VALID are skipped.
 * @n: Number of entries, at least 1.
 *
 * Each replaces an invalid way of its set, or the least recently used one;
 * the first is filled last, so the neighbours never evict it.
 *
 * Context: Any context; takes the TLB spinlock. The caller holds the
 * mirror's access lock for read, so a shootdown cannot miss the new entries.
 */
void sim_tlb_fill(struct sim_tlb *tlb, const struct dmpt_format *fmt, u32 asid,
		  u64 va, unsigned int level, const dmpt_entry_t *entries,
		  unsigned int n)
{
	unsigned int shift = fmt->shift[level], i;
	u64 vbase = va & ~((1ULL << shift) - 1);

	spin_lock(&tlb->lock);
	for (i = n; i-- > 0;)
		if (dmpt_entry_valid(entries[i]))
			__sim_tlb_fill(tlb, asid, vbase + ((u64)i << shift), level,
				       shift, entries[i]);
	spin_unlock(&tlb->lock);
}

/**
 * sim_tlb_shootdown() - Drop an address space's translations of a range.
 * @tlb: The TLB.
 * @asid: Address-space id.
 * @start: First address.
 * @end: Exclusive end; U64_MAX with @start 0 drops every entry of @asid.
 *
 * Context: Any context; takes the TLB spinlock.
 * Return: Number of entries dropped.
 */
unsigned int sim_tlb_shootdown(struct sim_tlb *tlb, u32 asid, u64 start, u64 end)
{
	unsigned int i, n = 0, total = tlb->nsets * tlb->ways;

	spin_lock(&tlb->lock);
	for (i = 0; i < total; i++) {
		struct sim_tlb_entry *e = &tlb->entries[i];

		if (!e->valid || e->asid != asid)
			continue;
		if (e->vbase >= end || e->vbase + (1ULL << e->shift) <= start)
			continue;
		e->valid = false;
		n++;
	}
	spin_unlock(&tlb->lock);
	return n;
}
