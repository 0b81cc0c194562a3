/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmir_test.h - shared helpers of the devmirror selftests: finding the
 * render nodes, ioctl wrappers, buffers with verifiable patterns.
 *
 * Every wrapper returns 0 or a negative errno.
 */
#ifndef _DEVMIR_TEST_H
#define _DEVMIR_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"	/* buffer helpers shared with the userlib tests */
#include "devmirror_drm.h"

#define KIB(x)		((size_t)(x) << 10)
#define MIB(x)		((size_t)(x) << 20)
#define PAGE		4096UL
#define HUGE_2M		MIB(2)

/* A kernel address: every ioctl must refuse it with -EFAULT. */
#define DM_KERNEL_ADDR	0xffff888000000000ULL

/* Render nodes: devmirror device @index, or -1 with errno set. */
/* Seconds on CLOCK_MONOTONIC. */
double dm_now(void);

int dm_open(unsigned int index);
/* Number of devmirror render nodes present. */
unsigned int dm_count(void);

/*
 * ioctl() that retries EINTR and EAGAIN, at most 1000 times in a row; then
 * it reports the errno on stderr and returns it. 0 or a negative errno.
 */
int dm_ioctl(int fd, unsigned long request, void *arg);
/* test_hmm command @cmd (HMM_DMIRROR_*) on @npages pages from @addr, bounce
 * buffer @ptr, on a /dev/hmm_dmirror* file: 0 or -errno; *@cpages (if not
 * NULL) receives the command's cpages. */
int hmm_cmd(int fd, unsigned long cmd, const void *addr, uint64_t npages,
	    void *ptr, uint64_t *cpages);
int dm_info(int fd, struct drm_devmir_get_info *info);
int dm_access(int fd, struct drm_devmir_access *acc);
int dm_read(int fd, const void *addr, size_t size, void *buf);
int dm_write(int fd, void *addr, size_t size, const void *buf);
int dm_read_nofault(int fd, const void *addr, size_t size, void *buf);
int dm_atomic_add(int fd, void *addr, uint64_t operand, uint64_t *old);
int dm_atomic_cmpxchg(int fd, void *addr, uint64_t compare, uint64_t value,
		      uint64_t *old);
int dm_set_window(int fd, uint64_t bytes);
int dm_set_batch(int fd, uint32_t batch);
int dm_policy(int fd, struct drm_devmir_get_policy *pol);
int dm_snapshot(int fd, const void *addr, size_t npages, uint8_t *out,
		uint64_t *mapped);
int dm_stats(int fd, uint32_t flags, struct drm_devmir_stats *st);
int dm_reset_stats(int fd, uint32_t flags);
/* QUERY @query into @data of *@size bytes (0: ask the size); *@size: written. */
int dm_query(int fd, uint32_t query, uint32_t flags, void *data, uint32_t *size);
/* One statistic by name through QUERY (@flags: DRM_DEVMIR_QUERY_DEVICE or 0). */
int dm_stat(int fd, uint32_t flags, const char *name, uint64_t *value);
/* The mirror's statistic @name, or UINT64_MAX if it cannot be read. */
uint64_t dm_stat_of(int fd, const char *name);
/* SET_POLICY of the thrashing fields alone. */
int dm_set_thrashing(int fd, uint32_t rounds, uint32_t hold_ms);

/* MIGRATE: 0 or -errno; @out (may be NULL) receives the counts either way. */
int dm_migrate(int fd, void *addr, size_t size, uint32_t direction,
	       uint32_t flags, struct drm_devmir_migrate *out);
int dm_to_device(int fd, void *addr, size_t size, struct drm_devmir_migrate *out);
int dm_to_system(int fd, void *addr, size_t size, struct drm_devmir_migrate *out);
/* Sum of failed[] of a MIGRATE result. */
uint64_t dm_migrate_failed(const struct drm_devmir_migrate *m);
/* migrated + already + absent + failed: must equal the pages asked for. */
uint64_t dm_migrate_total(const struct drm_devmir_migrate *m);
int dm_set_migrate_policy(int fd, uint32_t mode, uint32_t threshold);
int dm_set_ram_window(int fd, uint64_t bytes);
/* Bytes of device memory of the device behind @fd (0: none or error). */
uint64_t dm_device_memory(int fd);
/*
 * Render-node index of the @nth (0-based) device with device memory of
 * @kind (DRM_DEVMIR_MEMORY_PRIVATE or _COHERENT), or -1.
 */
int dm_kind_index(unsigned int kind, unsigned int nth);
/* Bytes of device memory in use on the whole device (~0: error). */
uint64_t dm_devmem_used(int fd);
/* Pages of a snapshot with every bit of @flags set. */
size_t dm_snap_with(const uint8_t *snap, size_t npages, uint8_t flags);
/* Snapshot @npages from @addr into a malloc'ed buffer (NULL on error). */
uint8_t *dm_snap(int fd, const void *addr, size_t npages);

/* Sum of valid leaf entries at every level. */
uint64_t dm_entries(const struct drm_devmir_stats *st);
/* Sum of live directories at every level (root included). */
uint64_t dm_dirs(const struct drm_devmir_stats *st);
/* Pages of a snapshot whose byte equals @want. */
size_t dm_snap_count(const uint8_t *snap, size_t npages, uint8_t want);

/* AnonHugePages (KiB) of the mapping containing @addr, or -1. */
long thp_kib(const void *addr);
/* Contents of a debugfs file of device @index (e.g. "mirror-3/check"). */
int dm_debugfs_read(unsigned int index, const char *file, char *out, size_t len);
/* A "key value" line of device @index's debugfs devmem file; -1 if none. */
long dm_devmem_field(unsigned int index, const char *key);
/* "@key N" of the core's debugfs features file (device_thp, ...), or -1. */
long dm_feature(const char *key);
/* Write /sys/module/@module/parameters/@name; 0 or -errno. */
int dm_param_set(const char *module, const char *name, const char *value);

#endif /* _DEVMIR_TEST_H */
