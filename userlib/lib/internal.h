/* SPDX-License-Identifier: MIT */
/*
 * internal.h - libdevmirror's private header: the handle, the one ioctl
 * wrapper and the per-thread error message. Never installed.
 */
#ifndef _DEVMIR_INTERNAL_H
#define _DEVMIR_INTERNAL_H

#include <sys/types.h>

#include "libdevmirror.h"
#include "devmirror_drm.h"
#include "struct_size.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))

/* Sizes of the first version (3.0) of the caller-allocated structures. */
#define DEVMIR_INFO_SIZE_3_0 devmir_offsetofend(struct devmir_info, window_max)
#define DEVMIR_ACCESS_SIZE_3_0 devmir_offsetofend(struct devmir_access, faults)
#define DEVMIR_POLICY_SIZE_3_0 \
	devmir_offsetofend(struct devmir_policy, ram_window)
#define DEVMIR_POLICY_SIZE_3_1 \
	devmir_offsetofend(struct devmir_policy, thrash_hold_ms)
#define DEVMIR_REPORT_SIZE_3_0 \
	devmir_offsetofend(struct devmir_migrate_report, bytes_copied)
#define DEVMIR_ENUM_SIZE_3_0 \
	devmir_offsetofend(struct devmir_enum_entry, usable)
#define DEVMIR_PAGE_SIZE_3_0 devmir_offsetofend(struct devmir_page, leaf_size)
#define DEVMIR_ADVICE_SIZE_3_3 \
	devmir_offsetofend(struct devmir_advice, fault_window)
#define DEVMIR_ADVICE_RANGE_SIZE_3_3 \
	devmir_offsetofend(struct devmir_advice_range, fault_window)
#define DEVMIR_LATENCY_SIZE_3_1 \
	devmir_offsetofend(struct devmir_latency, buckets)

/* The DRM driver name of devmirror render nodes. */
#define DEVMIR_DRIVER_NAME "devmirror"

/**
 * struct devmir_dev - An open devmirror device.
 * @fd: The render node, opened O_RDWR | O_CLOEXEC.
 * @rdev: Its device number, to find it in sysfs.
 * @path: The path it was opened by.
 * @info: GET_INFO as answered at open time; the device's geometry never
 *	changes, so it is read without a lock (the per-mirror @asid included:
 *	a handle never changes mirror).
 * @stat_fields: The device's statistics (QUERY STAT_DESC), read at open:
 *	they are fixed for the device's lifetime.
 * @stat_names: Storage of their names.
 * @nr_stats: Entries of @stat_fields.
 * @rec_trace: The trace the handle records into (devmir_record_start()),
 *	or NULL.
 * @rec_device: The handle's device number in @rec_trace.
 *
 * Immutable after devmir_open_path() returns, hence shareable by threads;
 * only devmir_record_start() and devmir_record_stop() change @rec_trace,
 * and they must not race other calls on the handle.
 */
struct devmir_dev {
	int fd;
	dev_t rdev;
	char path[DEVMIR_PATH_MAX];
	struct devmir_info info;
	struct devmir_stat_field *stat_fields;
	char (*stat_names)[DRM_DEVMIR_STAT_NAME_LEN];
	unsigned int nr_stats;
	struct devmir_trace *rec_trace;
	unsigned int rec_device;
};

/**
 * devmir_ioctl() - The library's one ioctl wrapper.
 * @fd: The descriptor.
 * @request: The ioctl number.
 * @arg: Its argument.
 *
 * Retries while the call fails with EINTR (a signal arrived while the
 * device was faulting) or EAGAIN.
 *
 * Context: Process context.
 * Return: 0 or the negative errno of the failure.
 */
int devmir_ioctl(int fd, unsigned long request, void *arg);

/**
 * devmir_set_error() - Record the calling thread's last failure.
 * @err: The negative errno being returned.
 * @fmt: printf format of the details.
 *
 * Context: Any; the message is per thread.
 * Return: @err, so that callers can "return devmir_set_error(...)".
 */
__printf(2, 3) int devmir_set_error(int err, const char *fmt, ...);

/**
 * devmir_prefix_error() - Put a prefix before the last failure's details.
 * @err: The negative errno being returned.
 * @prefix: What to put before them ("trace.bin: ").
 *
 * Context: Any; the message is per thread.
 * Return: @err.
 */
int devmir_prefix_error(int err, const char *prefix);

/**
 * devmir_decode_info() - Convert a GET_INFO answer to struct devmir_info.
 * @info: Receives the result.
 * @raw: The answer.
 *
 * Context: Any.
 */
void devmir_decode_info(struct devmir_info *info,
			const struct drm_devmir_get_info *raw);

/**
 * devmir_sysfs_numa_node() - NUMA node of a character device in sysfs.
 * @rdev: The device number.
 *
 * Context: Process context.
 * Return: The node, or -1 when sysfs reports none or cannot be read.
 */
int devmir_sysfs_numa_node(dev_t rdev);

/*
 * The statistics the device reports (names, kinds), queried once at open:
 * they are fixed for the device's lifetime. 0 or a negative errno.
 */
int devmir_stats_load(struct devmir_dev *dev);
void devmir_stats_unload(struct devmir_dev *dev);

#endif /* _DEVMIR_INTERNAL_H */
