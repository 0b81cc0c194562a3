/* SPDX-License-Identifier: MIT */
/*
 * libdevmirror_migrate.h - libdevmirror: migration of process memory between
 * system memory and a device's private memory. Included by libdevmirror.h.
 */
#ifndef _LIBDEVMIRROR_MIGRATE_H
#define _LIBDEVMIRROR_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "libdevmirror.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest single MIGRATE command; devmir_migrate_range() splits larger ranges. */
#define DEVMIR_MIGRATE_MAX (1024ULL << 20)

/**
 * enum devmir_migdir - Where devmir_migrate_range() moves a range.
 * @DEVMIR_MIGDIR_TO_DEVICE: Into the device's private memory (system pages
 *	and pages of peer devices; the device evicts its least recently used
 *	pages to system memory when it is full).
 * @DEVMIR_MIGDIR_TO_SYSTEM: Back to system memory (pages of this device and
 *	of its peers).
 */
enum devmir_migdir {
	DEVMIR_MIGDIR_TO_DEVICE,
	DEVMIR_MIGDIR_TO_SYSTEM,
};

/* devmir_migrate_range() @flags: a hint, pages that cannot move do not fail it. */
#define DEVMIR_MIGFLAG_PREFETCH (1U << 0)

/**
 * enum devmir_migfail - Why pages could not migrate: the index of
 * &devmir_migrate_report.failed.
 * @DEVMIR_MIGFAIL_VMA: The mapping cannot migrate at all (hugetlbfs,
 *	VM_IO, VM_PFNMAP, VM_MIXEDMAP, DAX).
 * @DEVMIR_MIGFAIL_FILE: A file-backed or shared page: only private
 *	anonymous memory moves to device memory.
 * @DEVMIR_MIGFAIL_BUSY: Pinned, locked, being migrated, swapped out or
 *	an unsplittable huge page; trying again later may work.
 * @DEVMIR_MIGFAIL_NOMEM: No destination page: device memory full with
 *	nothing evictable, or no system memory.
 */
enum devmir_migfail {
	DEVMIR_MIGFAIL_VMA,
	DEVMIR_MIGFAIL_FILE,
	DEVMIR_MIGFAIL_BUSY,
	DEVMIR_MIGFAIL_NOMEM,
};

/* Entries of &devmir_migrate_report.failed (reasons beyond the enum are 0). */
#define DEVMIR_MIGFAIL_SLOTS 8

/**
 * struct devmir_migrate_report - What one devmir_migrate_range() call did, in
 * 4 KiB pages unless stated otherwise.
 * @struct_size: (in) sizeof(struct devmir_migrate_report) as the caller
 *	compiled it.
 * @migrated: Pages moved (never-touched private anonymous pages count here
 *	when a migration to the device populates them in device memory).
 * @already: Pages already at the destination.
 * @absent: To system memory: pages never populated, nothing to move.
 * @failed: Pages that could not move, per &enum devmir_migfail.
 * @evicted: Other device pages evicted to system memory to make room.
 * @bytes_copied: Bytes the device's copy engines moved.
 *
 * @migrated + @already + @absent + the sum of @failed is the number of
 * pages of the range the call covered (all of it unless it failed with
 * -EINTR, -EFAULT or -ENODEV part way through a split range).
 */
struct devmir_migrate_report {
	uint32_t struct_size;
	uint64_t migrated;
	uint64_t already;
	uint64_t absent;
	uint64_t failed[DEVMIR_MIGFAIL_SLOTS];
	uint64_t evicted;
	uint64_t bytes_copied;
};

/**
 * devmir_migrate_range() - Migrate a range of process memory.
 * @dev: The handle.
 * @addr: Page-aligned process address of the first page.
 * @size: Bytes, a non-zero multiple of 4096. Every byte must be mapped (of
 *	any protection). A range larger than %DEVMIR_MIGRATE_MAX is split
 *	into several device commands; @res then sums them.
 * @dir: To the device's memory or back to system memory.
 * @flags: 0 or %DEVMIR_MIGFLAG_PREFETCH.
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
 * Return: 0 when every page is at the destination, or could not move
 * and %DEVMIR_MIGFLAG_PREFETCH was given; else a negative errno (@res
 * says what was done):
 * -EINVAL: A bad argument, checked before any ioctl: @dev NULL, @addr or
 * @size not page-aligned, @size 0, a range that wraps, an unknown @dir or
 * flag.
 * -EINVAL: @res->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -EFAULT: Part of the range is not mapped, or lies above the user
 * address space (nothing was done).
 * -ENOMEM: Without %DEVMIR_MIGFLAG_PREFETCH, pages failed for lack of
 * memory (device memory full with nothing evictable, or no system memory);
 * also when the kernel had no memory for the command itself.
 * -EBUSY: Without %DEVMIR_MIGFLAG_PREFETCH, pages were busy (pinned,
 * locked, under another migration) and none lacked memory: retry.
 * -EOPNOTSUPP: Without %DEVMIR_MIGFLAG_PREFETCH, only pages that can never
 * move failed (file-backed, shared, hugetlbfs, VM_IO ...; see
 * @res->failed).
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 */
int devmir_migrate_range(struct devmir_dev *dev, const void *addr, size_t size,
		   enum devmir_migdir dir, unsigned int flags,
		   struct devmir_migrate_report *res);

/**
 * devmir_prefetch() - Hint that a range is about to be used by the device.
 * @dev: The handle.
 * @addr: Page-aligned process address of the first page.
 * @size: Bytes, a non-zero multiple of 4096.
 * @res: If not NULL, receives the per-page results.
 *
 * devmir_migrate_range() to the device with %DEVMIR_MIGFLAG_PREFETCH: moves what
 * can move and never fails for pages that cannot.
 *
 * Context: Process context of the opener; sleeps while pages are copied.
 * Return: 0, or a negative errno:
 * -EINVAL: As devmir_migrate_range().
 * -EFAULT: Part of the range is not mapped (nothing was done).
 * -ENOMEM: The kernel had no memory for the command itself.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 */
int devmir_prefetch(struct devmir_dev *dev, const void *addr, size_t size,
		    struct devmir_migrate_report *res);

/**
 * devmir_migfail_name() - Name of a migration failure reason.
 * @reason: The reason.
 *
 * Context: Any.
 * Return: "vma", "file", "busy" or "nomem"; "invalid" for a value outside
 * the enum.
 */
const char *devmir_migfail_name(enum devmir_migfail reason);

#ifdef __cplusplus
}
#endif

#endif /* _LIBDEVMIRROR_MIGRATE_H */
