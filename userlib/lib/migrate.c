// SPDX-License-Identifier: MIT
/*
 * migrate.c - explicit migration of process memory between system memory
 * and a device's private memory: devmir_migrate_range() and devmir_prefetch().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "trace.h"

#define DEVMIR_MIGRATE_PAGE 4096UL

/* A public constant and the ABI's must agree, or the build fails. */
#define DEVMIR_SAME_AS_ABI(lib, abi) _Static_assert((lib) == (abi), #lib)

DEVMIR_SAME_AS_ABI(DEVMIR_MIGRATE_MAX, DRM_DEVMIR_MIGRATE_MAX_SIZE);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGDIR_TO_DEVICE, DRM_DEVMIR_MIGDIR_TO_DEVICE);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGDIR_TO_SYSTEM, DRM_DEVMIR_MIGDIR_TO_SYSTEM);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFLAG_PREFETCH, DRM_DEVMIR_MIGFLAG_PREFETCH);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFAIL_VMA, DRM_DEVMIR_MIGFAIL_VMA);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFAIL_FILE, DRM_DEVMIR_MIGFAIL_FILE);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFAIL_BUSY, DRM_DEVMIR_MIGFAIL_BUSY);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFAIL_NOMEM, DRM_DEVMIR_MIGFAIL_NOMEM);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGFAIL_SLOTS, DRM_DEVMIR_MIGFAIL_SLOTS);

/* The checks the driver would make, before any ioctl. */
static int devmir_migrate_check(const void *addr, size_t size,
				enum devmir_migdir dir, unsigned int flags)
{
	uintptr_t start = (uintptr_t)addr;

	if (flags & ~DEVMIR_MIGFLAG_PREFETCH)
		return -EINVAL;
	if (dir != DEVMIR_MIGDIR_TO_DEVICE && dir != DEVMIR_MIGDIR_TO_SYSTEM)
		return -EINVAL;
	if (!size || start % DEVMIR_MIGRATE_PAGE || size % DEVMIR_MIGRATE_PAGE)
		return -EINVAL;
	if (start + size < start)
		return -EINVAL;
	return 0;
}

/* Add one command's outputs to the caller's running totals. */
static void devmir_migrate_add(struct devmir_migrate_report *res,
			       const struct drm_devmir_migrate *raw)
{
	unsigned int r;

	res->migrated += raw->migrated;
	res->already += raw->already;
	res->absent += raw->absent;
	for (r = 0; r < DEVMIR_MIGFAIL_SLOTS; r++)
		res->failed[r] += raw->failed[r];
	res->evicted += raw->evicted;
	res->bytes_copied += raw->bytes_copied;
}

int devmir_migrate_range(struct devmir_dev *dev, const void *addr, size_t size,
		   enum devmir_migdir dir, unsigned int flags,
		   struct devmir_migrate_report *res)
{
	struct devmir_migrate_report total = DEVMIR_INIT(total);
	struct drm_devmir_migrate raw;
	size_t done = 0, chunk;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = devmir_migrate_check(addr, size, dir, flags);
	/* The caller's size is checked before any ioctl too. */
	if (!ret && res)
		ret = devmir_struct_out(res, &total, sizeof(total),
					DEVMIR_REPORT_SIZE_3_0);
	if (ret)
		return ret;

	do {
		chunk = size - done;
		if (chunk > DEVMIR_MIGRATE_MAX)
			chunk = DEVMIR_MIGRATE_MAX;
		memset(&raw, 0, sizeof(raw));
		raw.addr = (uintptr_t)addr + done;
		raw.size = chunk;
		raw.direction = dir;
		raw.flags = flags;
		ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_MIGRATE, &raw);
		/* The outputs are valid even when the command failed. */
		devmir_migrate_add(&total, &raw);
		if (ret)
			break;
		done += chunk;
	} while (done < size);
	if (res)
		devmir_struct_out(res, &total, sizeof(total),
				  DEVMIR_REPORT_SIZE_3_0);
	/* The device carried it out, even if some pages could not move. */
	if (!ret || ret == -ENOMEM || ret == -EBUSY || ret == -EOPNOTSUPP)
		devmir_record_migrate(dev, addr, size, dir);
	return ret;
}

int devmir_prefetch(struct devmir_dev *dev, const void *addr, size_t size,
		    struct devmir_migrate_report *res)
{
	return devmir_migrate_range(dev, addr, size, DEVMIR_MIGDIR_TO_DEVICE,
			      DEVMIR_MIGFLAG_PREFETCH, res);
}

const char *devmir_migfail_name(enum devmir_migfail reason)
{
	switch (reason) {
	case DEVMIR_MIGFAIL_VMA:
		return "vma";
	case DEVMIR_MIGFAIL_FILE:
		return "file";
	case DEVMIR_MIGFAIL_BUSY:
		return "busy";
	case DEVMIR_MIGFAIL_NOMEM:
		return "nomem";
	}
	return "invalid";
}
