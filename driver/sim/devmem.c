// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - the device memory behind the core's device pages and the
 * copy engine that migrations use.
 *
 * The core owns the device pages (struct pages without memory behind them)
 * and the pool logic; this file owns the memory: one kernel page per device
 * page, allocated when the copy engine first writes the device page and kept
 * until the device goes, like VRAM that stays allocated to the device. The
 * simulated devices of this module are peers (one pgmap owner), so the copy
 * engine of any of them reaches the memory of all of them, the way GPUs of
 * one hive copy over their link.
 */
#include <linux/highmem.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "sim.h"

/**
 * sim_devmem_init() - Set up a device's memory.
 * @sdev: The device.
 * @bytes: Bytes of device memory (0: none).
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int sim_devmem_init(struct sim_device *sdev, u64 bytes)
{
	sdev->devmem_pages = bytes >> PAGE_SHIFT;
	if (!sdev->devmem_pages)
		return 0;
	sdev->backing = kvcalloc(sdev->devmem_pages, sizeof(*sdev->backing),
				 GFP_KERNEL);
	return sdev->backing ? 0 : -ENOMEM;
}

/**
 * sim_devmem_fini() - Free a device's memory.
 * @sdev: The device; its core device context is destroyed already (every
 *	device page was evicted or freed).
 *
 * Context: Process context.
 */
void sim_devmem_fini(struct sim_device *sdev)
{
	unsigned long i;

	if (!sdev->backing)
		return;
	for (i = 0; i < sdev->devmem_pages; i++)
		if (sdev->backing[i])
			__free_page(sdev->backing[i]);
	kvfree(sdev->backing);
	sdev->backing = NULL;
	sdev->devmem_pages = 0;
}

/* The backing page of device page @idx, allocated on demand. */
static struct page *sim_backing(struct sim_device *sdev, long idx, bool alloc)
{
	struct page *page, *old;

	if (idx < 0 || idx >= sdev->devmem_pages)
		return NULL;
	page = READ_ONCE(sdev->backing[idx]);
	if (page || !alloc)
		return page;
	page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
	if (!page)
		return NULL;
	old = cmpxchg(&sdev->backing[idx], NULL, page);
	if (old) {
		__free_page(page);
		page = old;
	}
	return page;
}

/*
 * The page that holds the data of @page: itself in system memory and in
 * device-coherent memory, the backing page for a device-private page of any
 * simulated device.
 */
static struct page *sim_page_data(struct page *page, bool alloc)
{
	struct devmir_device *core;
	struct sim_device *sdev;

	if (!is_device_private_page(page))
		return page;
	core = devmir_page_device(page);
	if (!core)
		return NULL;
	sdev = devmir_device_drvdata(core);
	return sim_backing(sdev, devmir_devmem_index(core, page), alloc);
}

/**
 * sim_copy() - The copy engine (&devmir_device_ops.copy).
 * @dev: The device asked to copy.
 * @dst: Destination pages (system pages or device pages of any simulated
 *	device).
 * @src: Source pages, or NULL entries for zero fill.
 * @npages: Number of pages.
 *
 * Synchronous: the data are in place when it returns. A source device page
 * that was never written (no backing page) reads as zeros.
 *
 * Context: Process context; may sleep (allocates backing pages).
 * Return: 0, or -ENOMEM if a destination's backing page cannot be
 * allocated (earlier pages are copied; the core abandons the whole batch).
 */
int sim_copy(struct devmir_device *dev, struct page **dst, struct page **src,
	     unsigned int npages)
{
	struct page *to, *from;
	unsigned int i;

	for (i = 0; i < npages; i++) {
		to = sim_page_data(dst[i], true);
		if (!to)
			return -ENOMEM;
		from = src[i] ? sim_page_data(src[i], false) : NULL;
		if (from)
			copy_highpage(to, from);
		else
			clear_highpage(to);
	}
	return 0;
}

/**
 * sim_devmem_backing_pfn() - Where the data of one of the device's pages are.
 * @sdev: The device.
 * @pfn: Frame of one of @sdev's device pages.
 *
 * Context: Any context.
 * Return: The frame of its backing page, or 0 if @pfn is not @sdev's or was
 * never written; @pfn itself for device-coherent memory, whose pages hold
 * their data.
 */
u64 sim_devmem_backing_pfn(struct sim_device *sdev, u64 pfn)
{
	struct page *page;
	long idx;

	if (!devmir_pfn_is_local(sdev->core, pfn))
		return 0;
	if (sdev->coherent)
		return pfn;
	idx = devmir_devmem_index(sdev->core, pfn_to_page(pfn));
	page = sim_backing(sdev, idx, false);
	return page ? page_to_pfn(page) : 0;
}
