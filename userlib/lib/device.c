// SPDX-License-Identifier: MIT
/*
 * device.c - the ioctl wrapper and the device calls: info, accesses and the
 * fault policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "trace.h"

/* A public constant and the ABI's must agree, or the build fails. */
#define DEVMIR_SAME_AS_ABI(lib, abi) _Static_assert((lib) == (abi), #lib)

DEVMIR_SAME_AS_ABI(DEVMIR_ABI_VERSION, DRM_DEVMIR_ABI_VERSION);
DEVMIR_SAME_AS_ABI(DEVMIR_MAX_LEVELS, DRM_DEVMIR_MAX_LEVELS);
DEVMIR_SAME_AS_ABI(DEVMIR_ACCESS_MAX, DRM_DEVMIR_ACCESS_MAX_SIZE);
DEVMIR_SAME_AS_ABI(DEVMIR_OP_READ, DRM_DEVMIR_OP_READ);
DEVMIR_SAME_AS_ABI(DEVMIR_OP_WRITE, DRM_DEVMIR_OP_WRITE);
DEVMIR_SAME_AS_ABI(DEVMIR_OP_ATOMIC_ADD, DRM_DEVMIR_OP_ATOMIC_ADD);
DEVMIR_SAME_AS_ABI(DEVMIR_OP_ATOMIC_CMPXCHG, DRM_DEVMIR_OP_ATOMIC_CMPXCHG);
DEVMIR_SAME_AS_ABI(DEVMIR_ACCESS_NOFAULT, DRM_DEVMIR_ACCESS_NOFAULT);
DEVMIR_SAME_AS_ABI(DEVMIR_POLICY_WINDOW, DRM_DEVMIR_POLICY_WINDOW);
DEVMIR_SAME_AS_ABI(DEVMIR_POLICY_BATCH, DRM_DEVMIR_POLICY_BATCH);
DEVMIR_SAME_AS_ABI(DEVMIR_POLICY_MIGRATE, DRM_DEVMIR_POLICY_MIGRATE);
DEVMIR_SAME_AS_ABI(DEVMIR_POLICY_RAM_WINDOW, DRM_DEVMIR_POLICY_RAM_WINDOW);
DEVMIR_SAME_AS_ABI(DEVMIR_POLICY_THRASH, DRM_DEVMIR_POLICY_THRASH);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGMODE_OFF, DRM_DEVMIR_MIGMODE_OFF);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGMODE_FIRST_FAULT, DRM_DEVMIR_MIGMODE_FIRST_FAULT);
DEVMIR_SAME_AS_ABI(DEVMIR_MIGMODE_THRESHOLD, DRM_DEVMIR_MIGMODE_THRESHOLD);

#define DEVMIR_POLICY_ALL                                                     \
	(DEVMIR_POLICY_WINDOW | DEVMIR_POLICY_BATCH | DEVMIR_POLICY_MIGRATE | \
	 DEVMIR_POLICY_RAM_WINDOW | DEVMIR_POLICY_THRASH)

int devmir_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

void devmir_decode_info(struct devmir_info *info,
			const struct drm_devmir_get_info *raw)
{
	unsigned int l;

	memset(info, 0, sizeof(*info));
	info->struct_size = sizeof(*info);
	info->abi_version = raw->abi_version;
	info->index = raw->device_index;
	info->asid = raw->asid;
	info->levels = raw->levels;
	info->leaf_levels = raw->leaf_levels;
	info->va_bits = raw->va_bits;
	for (l = 0; l < DEVMIR_MAX_LEVELS; l++) {
		info->level_shift[l] = raw->level_shift[l];
		info->level_bits[l] = raw->level_bits[l];
	}
	info->page_sizes = raw->page_sizes;
	info->tlb_entries = raw->tlb_entries;
	info->tlb_ways = raw->tlb_ways;
	info->fault_queue_entries = raw->fault_queue_entries;
	info->engines = raw->engines;
	info->txn_bytes = raw->txn_bytes;
	info->device_memory = raw->device_memory;
	info->window_min = raw->window_min;
	info->window_max = raw->window_max;
	info->memory_kind = raw->memory_kind == DRM_DEVMIR_MEMORY_COHERENT ?
			    DEVMIR_MEM_COHERENT : DEVMIR_MEM_PRIVATE;
}

const char *devmir_mem_kind_name(enum devmir_mem_kind kind)
{
	switch (kind) {
	case DEVMIR_MEM_PRIVATE:
		return "private";
	case DEVMIR_MEM_COHERENT:
		return "coherent";
	}
	return "invalid";
}

int devmir_get_info(struct devmir_dev *dev, struct devmir_info *info)
{
	struct drm_devmir_get_info raw;
	struct devmir_info out;
	int ret;

	if (!dev || !info)
		return -EINVAL;
	/* Check the caller's size before any ioctl. */
	ret = devmir_struct_out(info, &dev->info, sizeof(*info),
				DEVMIR_INFO_SIZE_3_0);
	if (ret)
		return ret;
	memset(&raw, 0, sizeof(raw));
	ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_GET_INFO, &raw);
	if (ret)
		return ret;
	devmir_decode_info(&out, &raw);
	return devmir_struct_out(info, &out, sizeof(out), DEVMIR_INFO_SIZE_3_0);
}

/* The checks the driver would make, before any ioctl. */
static int devmir_access_check(const struct devmir_dev *dev,
			       const struct devmir_access *acc)
{
	uintptr_t addr = (uintptr_t)acc->addr;

	if (acc->flags & ~DEVMIR_ACCESS_NOFAULT)
		return -EINVAL;
	if (acc->engine >= dev->info.engines)
		return -EINVAL;
	switch (acc->op) {
	case DEVMIR_OP_READ:
	case DEVMIR_OP_WRITE:
		if (!acc->size || !acc->buffer)
			return -EINVAL;
		if (addr + acc->size < addr ||
		    (uintptr_t)acc->buffer + acc->size < (uintptr_t)acc->buffer)
			return -EINVAL;
		return 0;
	case DEVMIR_OP_ATOMIC_ADD:
	case DEVMIR_OP_ATOMIC_CMPXCHG:
		if (acc->size != sizeof(uint64_t) || addr % sizeof(uint64_t) ||
		    acc->buffer)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* devmir_access() on a checked, library-sized @acc. */
static int __devmir_access(struct devmir_dev *dev, struct devmir_access *acc)
{
	struct drm_devmir_access raw;
	size_t done = 0, chunk;
	int ret;

	acc->faults = 0;
	acc->result = 0;
	do {
		chunk = acc->size - done;
		if (chunk > DEVMIR_ACCESS_MAX)
			chunk = DEVMIR_ACCESS_MAX;
		memset(&raw, 0, sizeof(raw));
		raw.addr = (uintptr_t)acc->addr + done;
		raw.size = chunk;
		raw.op = acc->op;
		raw.flags = acc->flags;
		raw.engine = acc->engine;
		if (acc->op == DEVMIR_OP_READ || acc->op == DEVMIR_OP_WRITE) {
			raw.buffer = (uintptr_t)acc->buffer + done;
		} else {
			raw.operand = acc->operand;
			if (acc->op == DEVMIR_OP_ATOMIC_CMPXCHG)
				raw.compare = acc->compare;
		}
		ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_ACCESS, &raw);
		acc->faults += raw.faults;
		if (ret)
			return ret;
		acc->result = raw.result;
		done += chunk;
	} while (done < acc->size);
	return 0;
}

int devmir_access(struct devmir_dev *dev, struct devmir_access *user)
{
	struct devmir_access run, *acc = &run;
	int ret;

	if (!dev || !user)
		return -EINVAL;
	ret = devmir_struct_in(&run, user, sizeof(run), DEVMIR_ACCESS_SIZE_3_0);
	if (ret)
		return ret;
	ret = devmir_access_check(dev, acc);
	if (ret)
		return ret;
	ret = __devmir_access(dev, acc);
	if (!ret)
		devmir_record_access(dev, acc);
	/* The (out) members, also on failure; the size was checked above. */
	devmir_struct_out(user, &run, sizeof(run), DEVMIR_ACCESS_SIZE_3_0);
	return ret;
}

static int devmir_rw(struct devmir_dev *dev, enum devmir_op op,
		     const void *addr, void *buf, size_t size, uint64_t *faults)
{
	struct devmir_access acc = {
		.struct_size = sizeof(acc),
		.op = op,
		.addr = addr,
		.size = size,
		.buffer = buf,
	};
	int ret = devmir_access(dev, &acc);

	if (faults)
		*faults = acc.faults;
	return ret;
}

int devmir_read(struct devmir_dev *dev, const void *addr, void *buf,
		size_t size, uint64_t *faults)
{
	return devmir_rw(dev, DEVMIR_OP_READ, addr, buf, size, faults);
}

int devmir_write(struct devmir_dev *dev, void *addr, const void *buf,
		 size_t size, uint64_t *faults)
{
	/* The device only reads @buf; the ABI has one pointer for both. */
	return devmir_rw(dev, DEVMIR_OP_WRITE, addr, (void *)buf, size, faults);
}

int devmir_atomic_add(struct devmir_dev *dev, uint64_t *addr, uint64_t addend,
		      uint64_t *old)
{
	struct devmir_access acc = {
		.struct_size = sizeof(acc),
		.op = DEVMIR_OP_ATOMIC_ADD,
		.addr = addr,
		.size = sizeof(*addr),
		.operand = addend,
	};
	int ret = devmir_access(dev, &acc);

	if (!ret && old)
		*old = acc.result;
	return ret;
}

int devmir_atomic_cmpxchg(struct devmir_dev *dev, uint64_t *addr,
			  uint64_t expected, uint64_t desired, uint64_t *old)
{
	struct devmir_access acc = {
		.struct_size = sizeof(acc),
		.op = DEVMIR_OP_ATOMIC_CMPXCHG,
		.addr = addr,
		.size = sizeof(*addr),
		.operand = desired,
		.compare = expected,
	};
	int ret = devmir_access(dev, &acc);

	if (!ret && old)
		*old = acc.result;
	return ret;
}

int devmir_get_policy(struct devmir_dev *dev, struct devmir_policy *policy)
{
	struct devmir_policy out = DEVMIR_INIT(out);
	struct drm_devmir_get_policy raw;
	int ret;

	if (!dev || !policy)
		return -EINVAL;
	/* Check the caller's size before any ioctl. */
	ret = devmir_struct_out(policy, &out, sizeof(out),
				DEVMIR_POLICY_SIZE_3_0);
	if (ret)
		return ret;
	memset(&raw, 0, sizeof(raw));
	ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_GET_POLICY, &raw);
	if (ret)
		return ret;
	out.fault_batch = raw.fault_batch;
	out.fault_window = raw.fault_window;
	out.migrate_mode = raw.migrate_mode;
	out.migrate_threshold = raw.migrate_threshold;
	out.ram_window = raw.ram_window;
	out.thrash_rounds = raw.thrash_rounds;
	out.thrash_hold_ms = raw.thrash_hold_ms;
	return devmir_struct_out(policy, &out, sizeof(out),
				 DEVMIR_POLICY_SIZE_3_0);
}

int devmir_set_policy(struct devmir_dev *dev, unsigned int fields,
		      const struct devmir_policy *user)
{
	struct devmir_policy in, *policy = &in;
	struct drm_devmir_set_policy raw;
	int ret;

	if (!dev || !user || !fields || fields & ~DEVMIR_POLICY_ALL)
		return -EINVAL;
	ret = devmir_struct_in(&in, user, sizeof(in), DEVMIR_POLICY_SIZE_3_0);
	if (ret)
		return ret;
	/* A caller built against 3.0 has no thrashing members to apply. */
	if (fields & DEVMIR_POLICY_THRASH &&
	    user->struct_size < DEVMIR_POLICY_SIZE_3_1)
		return -EINVAL;
	memset(&raw, 0, sizeof(raw));
	raw.flags = fields;
	if (fields & DEVMIR_POLICY_BATCH)
		raw.fault_batch = policy->fault_batch;
	if (fields & DEVMIR_POLICY_WINDOW)
		raw.fault_window = policy->fault_window;
	if (fields & DEVMIR_POLICY_MIGRATE) {
		raw.migrate_mode = policy->migrate_mode;
		raw.migrate_threshold = policy->migrate_threshold;
	}
	if (fields & DEVMIR_POLICY_RAM_WINDOW)
		raw.ram_window = policy->ram_window;
	if (fields & DEVMIR_POLICY_THRASH) {
		raw.thrash_rounds = policy->thrash_rounds;
		raw.thrash_hold_ms = policy->thrash_hold_ms;
	}
	ret = devmir_ioctl(dev->fd, DRM_IOCTL_DEVMIR_SET_POLICY, &raw);
	if (!ret)
		devmir_record_policy(dev);
	return ret;
}
