// SPDX-License-Identifier: GPL-2.0
/* page_pgmap(): struct page no longer has a pgmap field of its own. */
#include <linux/mm.h>

struct dev_pagemap *probe(const struct page *page)
{
	return page_pgmap(page);
}
