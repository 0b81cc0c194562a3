// SPDX-License-Identifier: GPL-2.0
/* zone_device_page_init() takes the pgmap and an order. */
#include <linux/memremap.h>

void probe(struct page *page, struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}
