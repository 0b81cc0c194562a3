/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmirror_migrate.h - libdevmirror: migration of process memory between
 * system memory and a device's private memory. Included by devmirror.h;
 * the calls are in the DEVMIRROR_1.1 version node.
 */
#ifndef _DEVMIRROR_MIGRATE_H
#define _DEVMIRROR_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "devmirror.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest single MIGRATE command; devmir_migrate() splits larger ranges. */
#define DEVMIR_MIGRATE_MAX (1024ULL << 20)

/**
 * enum devmir_migrate_dir - Where devmir_migrate() moves a range.
 * @DEVMIR_MIGRATE_TO_DEVICE: Into the device's private memory (system pages
 *	and pages of peer devices; the device evicts its least recently used
 *	pages to system memory when it is full).
 * @DEVMIR_MIGRATE_TO_SYSTEM: Back to system memory (pages of this device and
 *	of its peers).
 */
enum devmir_migrate_dir {
	DEVMIR_MIGRATE_TO_DEVICE,
	DEVMIR_MIGRATE_TO_SYSTEM,
};

/* devmir_migrate() @flags: a hint, pages that cannot move do not fail it. */
#define DEVMIR_MIGRATE_PREFETCH (1U << 0)

/**
 * enum devmir_migrate_fail - Why pages could not migrate: the index of
 * &devmir_migrate_result.failed.
 * @DEVMIR_MIGRATE_FAIL_VMA: The mapping cannot migrate at all (hugetlbfs,
 *	VM_IO, VM_PFNMAP, VM_MIXEDMAP, DAX).
 * @DEVMIR_MIGRATE_FAIL_FILE: A file-backed or shared page: only private
 *	anonymous memory moves to device memory.
 * @DEVMIR_MIGRATE_FAIL_BUSY: Pinned, locked, being migrated, swapped out or
 *	an unsplittable huge page; trying again later may work.
 * @DEVMIR_MIGRATE_FAIL_NOMEM: No destination page: device memory full with
 *	nothing evictable, or no system memory.
 */
enum devmir_migrate_fail {
	DEVMIR_MIGRATE_FAIL_VMA,
	DEVMIR_MIGRATE_FAIL_FILE,
	DEVMIR_MIGRATE_FAIL_BUSY,
	DEVMIR_MIGRATE_FAIL_NOMEM,
};

/* Entries of &devmir_migrate_result.failed (reasons beyond the enum are 0). */
#define DEVMIR_MIGRATE_REASONS 8

/**
 * struct devmir_migrate_result - What one devmir_migrate() call did, in
 * 4 KiB pages unless stated otherwise.
 * @migrated: Pages moved (never-touched private anonymous pages count here
 *	when a migration to the device populates them in device memory).
 * @already: Pages already at the destination.
 * @absent: To system memory: pages never populated, nothing to move.
 * @failed: Pages that could not move, per &enum devmir_migrate_fail.
 * @evicted: Other device pages evicted to system memory to make room.
 * @bytes_copied: Bytes the device's copy engines moved.
 *
 * @migrated + @already + @absent + the sum of @failed is the number of
 * pages of the range the call covered (all of it unless it failed with
 * -EINTR, -EFAULT or -ENODEV part way through a split range).
 */
struct devmir_migrate_result {
	uint64_t migrated;
	uint64_t already;
	uint64_t absent;
	uint64_t failed[DEVMIR_MIGRATE_REASONS];
	uint64_t evicted;
	uint64_t bytes_copied;
};

/**
 * devmir_migrate() - Migrate a range of process memory.
 * @dev: The handle.
 * @addr: Page-aligned process address of the first page.
 * @size: Bytes, a non-zero multiple of 4096. Every byte must be mapped (of
 *	any protection). A range larger than %DEVMIR_MIGRATE_MAX is split
 *	into several device commands; @res then sums them.
 * @dir: To the device's memory or back to system memory.
 * @flags: 0 or %DEVMIR_MIGRATE_PREFETCH.
 * @res: If not NULL, receives the per-page results, also when the call
 *	fails (the pages the device had processed by then).
 *
 * The data are identical afterwards. After a migration to the device its
 * mirror maps the moved pages (devmir_snapshot() reports
 * %DEVMIR_PAGE_DEVICE) and device accesses use device memory; a CPU access
 * to such a page brings it back by itself (&devmir_policy.ram_window), so
 * migrating back is never needed for correctness.
 *
 * Context: Process context of the opener; sleeps while pages are copied.
 * Return: 0 when every page is at the destination, or could not move and
 * %DEVMIR_MIGRATE_PREFETCH was given; -EINVAL for a bad argument (checked
 * before any ioctl: misaligned @addr or @size, zero @size, a range that
 * wraps, an unknown @dir or flag); -EFAULT when part of the range is not
 * mapped (nothing was done); without %DEVMIR_MIGRATE_PREFETCH, when pages
 * failed: -ENOMEM if any for lack of memory, else -EBUSY if any was busy,
 * else -EOPNOTSUPP (only mappings or pages that can never move; see
 * @res->failed); -EBADF; -ENODEV.
 */
int devmir_migrate(struct devmir_dev *dev, const void *addr, size_t size,
		   enum devmir_migrate_dir dir, unsigned int flags,
		   struct devmir_migrate_result *res);

/**
 * devmir_prefetch() - Hint that a range is about to be used by the device.
 * @dev: The handle.
 * @addr: Page-aligned process address of the first page.
 * @size: Bytes, a non-zero multiple of 4096.
 * @res: If not NULL, receives the per-page results.
 *
 * devmir_migrate() to the device with %DEVMIR_MIGRATE_PREFETCH: moves what
 * can move and never fails for pages that cannot.
 *
 * Context: Process context of the opener; sleeps while pages are copied.
 * Return: 0, or as devmir_migrate() for bad arguments, an unmapped range,
 * -EBADF and -ENODEV.
 */
int devmir_prefetch(struct devmir_dev *dev, const void *addr, size_t size,
		    struct devmir_migrate_result *res);

/**
 * devmir_migrate_fail_name() - Name of a migration failure reason.
 * @reason: The reason.
 *
 * Context: Any.
 * Return: "vma", "file", "busy" or "nomem"; "invalid" for a value outside
 * the enum.
 */
const char *devmir_migrate_fail_name(enum devmir_migrate_fail reason);

#ifdef __cplusplus
}
#endif

#endif /* _DEVMIRROR_MIGRATE_H */
