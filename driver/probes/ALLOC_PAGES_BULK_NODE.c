// SPDX-License-Identifier: GPL-2.0
/* The bulk page allocator fills an array without the _array suffix. */
#include <linux/gfp.h>

unsigned long probe_bulk(struct page **pages)
{
	return alloc_pages_bulk_node(GFP_KERNEL, 0, 1, pages);
}
