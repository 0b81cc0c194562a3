// SPDX-License-Identifier: GPL-2.0
/* dev_pagemap_ops frees a folio (folio_free), not a page (page_free). */
#include <linux/memremap.h>

static void probe_free(struct folio *folio)
{
}

const struct dev_pagemap_ops probe_ops = { .folio_free = probe_free };
