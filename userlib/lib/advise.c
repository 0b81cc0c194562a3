// SPDX-License-Identifier: MIT
/*
 * advise.c - range attributes of the caller's mirror: devmir_advise(),
 * devmir_unadvise(), devmir_advise_query() (DRM_IOCTL_DEVMIR_ADVISE and
 * ADVISE_QUERY, device ABI 3).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "struct_size.h"

_Static_assert(DEVMIR_ADVISE_PREFERRED == DRM_DEVMIR_ATTR_PREFERRED_LOC, "fields");
_Static_assert(DEVMIR_ADVISE_ACCESSED_BY == DRM_DEVMIR_ATTR_ACCESSED_BY, "fields");
_Static_assert(DEVMIR_ADVISE_GRANULARITY == DRM_DEVMIR_ATTR_GRANULARITY, "fields");
_Static_assert(DEVMIR_ADVISE_FAULT_WINDOW == DRM_DEVMIR_ATTR_FAULT_WINDOW, "fields");
_Static_assert(DEVMIR_ADVISE_THRASH == DRM_DEVMIR_ATTR_THRASH, "fields");
_Static_assert(DEVMIR_ADVISE_ALL == DRM_DEVMIR_ATTR_ALL, "fields");
_Static_assert(DEVMIR_ADVISE_RANGES_MAX == DRM_DEVMIR_ATTR_RANGES_MAX, "cap");
_Static_assert(DEVMIR_PREFER_SYSTEM == DRM_DEVMIR_LOC_SYSTEM, "location");
_Static_assert(DEVMIR_PREFER_DEVICE == DRM_DEVMIR_LOC_DEVICE, "location");

/* The checks every call makes before an ioctl. */
static int devmir_advise_args(struct devmir_dev *dev, const void *addr,
			      size_t size)
{
	uintptr_t start = (uintptr_t)addr;

	if (!dev || !size || start % 4096 || size % 4096 ||
	    size > UINTPTR_MAX - start)
		return -EINVAL;
	if (dev->info.abi_version < 3)
		return -EOPNOTSUPP;
	return 0;
}

static int devmir_advise_ioctl(struct devmir_dev *dev, const void *addr,
			       size_t size, uint32_t flags,
			       const struct devmir_advice *advice)
{
	struct drm_devmir_advise raw;

	memset(&raw, 0, sizeof(raw));
	raw.addr = (uintptr_t)addr;
	raw.size = size;
	raw.flags = flags;
	raw.attr.mask = advice->fields;
	raw.attr.preferred_loc = advice->preferred;
	raw.attr.accessed_by = advice->accessed_by;
	raw.attr.thrash_rounds = advice->thrash_rounds;
	raw.attr.thrash_hold_ms = advice->thrash_hold_ms;
	raw.attr.granularity = advice->granularity;
	raw.attr.fault_window = advice->fault_window;
	return devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_ADVISE, &raw);
}

int devmir_advise(struct devmir_dev *dev, const void *addr, size_t size,
		  const struct devmir_advice *user)
{
	struct devmir_advice in;
	int ret;

	if (!user)
		return -EINVAL;
	ret = devmir_struct_in(&in, user, sizeof(in), DEVMIR_ADVICE_SIZE_3_3);
	if (ret)
		return ret;
	if (!in.fields || in.fields & ~DEVMIR_ADVISE_ALL)
		return -EINVAL;
	ret = devmir_advise_args(dev, addr, size);
	if (ret)
		return ret;
	return devmir_advise_ioctl(dev, addr, size, 0, &in);
}

int devmir_unadvise(struct devmir_dev *dev, const void *addr, size_t size,
		    unsigned int fields)
{
	struct devmir_advice in;
	int ret;

	if (!fields || fields & ~DEVMIR_ADVISE_ALL)
		return -EINVAL;
	ret = devmir_advise_args(dev, addr, size);
	if (ret)
		return ret;
	memset(&in, 0, sizeof(in));
	in.fields = fields;
	return devmir_advise_ioctl(dev, addr, size, DRM_DEVMIR_ADVISE_CLEAR, &in);
}

int devmir_advise_query(struct devmir_dev *dev, const void *addr, size_t size,
			struct devmir_advice_range *ranges, size_t max,
			size_t entry_size, size_t *count)
{
	struct drm_devmir_advise_query raw;
	struct drm_devmir_attr_range *out = NULL;
	struct devmir_advice_range r;
	size_t i, n;
	int ret;

	if (!count || (max && !ranges) || max > DEVMIR_ADVISE_RANGES_MAX)
		return -EINVAL;
	if (entry_size < DEVMIR_ADVICE_RANGE_SIZE_3_3 ||
	    entry_size > DEVMIR_STRUCT_SIZE_MAX)
		return -EINVAL;
	ret = devmir_advise_args(dev, addr, size);
	if (ret)
		return ret;
	if (max) {
		out = calloc(max, sizeof(*out));
		if (!out)
			return -ENOMEM;
	}
	memset(&raw, 0, sizeof(raw));
	raw.addr = (uintptr_t)addr;
	raw.size = size;
	raw.ranges = (uintptr_t)out;
	raw.count = max;
	ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_ADVISE_QUERY, &raw);
	if (!ret) {
		n = raw.count < max ? raw.count : max;
		for (i = 0; i < n; i++) {
			memset(&r, 0, sizeof(r));
			r.addr = out[i].addr;
			r.size = out[i].size;
			r.fields = out[i].attr.mask;
			r.preferred = out[i].attr.preferred_loc;
			r.accessed_by = out[i].attr.accessed_by;
			r.thrash_rounds = out[i].attr.thrash_rounds;
			r.thrash_hold_ms = out[i].attr.thrash_hold_ms;
			r.granularity = out[i].attr.granularity;
			r.fault_window = out[i].attr.fault_window;
			devmir_entry_out((char *)ranges + i * entry_size,
					 entry_size, &r, sizeof(r));
		}
		*count = raw.count;
	}
	free(out);
	return ret;
}
