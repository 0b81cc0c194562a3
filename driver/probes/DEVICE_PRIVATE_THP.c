// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_vma moves device-private folios whole: the COMPOUND selector and
 * pfn flag, folio_split in dev_pagemap_ops, zone_device_folio_init().
 */
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>

static void probe_split(struct folio *head, struct folio *tail)
{
}

const struct dev_pagemap_ops probe_ops = { .folio_split = probe_split };
const unsigned long probe_flags = MIGRATE_VMA_SELECT_COMPOUND;
const unsigned long probe_pfn = MIGRATE_PFN_COMPOUND;

void probe(struct folio *folio, struct dev_pagemap *pgmap)
{
	zone_device_folio_init(folio, pgmap, HPAGE_PMD_ORDER);
}
