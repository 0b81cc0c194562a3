// SPDX-License-Identifier: GPL-2.0
/*
 * devmir_test.c - shared helpers of the devmirror selftests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "devmir_test.h"

#define RENDER_FIRST	128
#define RENDER_LAST	191

static int is_devmirror(int fd)
{
	struct drm_version v;
	char name[32] = "";

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.name_len = sizeof(name) - 1;
	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		return 0;
	return strcmp(name, "devmirror") == 0;
}

static int dm_open_nth(unsigned int index, unsigned int *count)
{
	struct drm_devmir_get_info info;
	unsigned int n = 0;
	char path[64];
	int fd, minor;

	for (minor = RENDER_FIRST; minor <= RENDER_LAST; minor++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!is_devmirror(fd) || dm_info(fd, &info)) {
			close(fd);
			continue;
		}
		n++;
		if (!count && info.device_index == index)
			return fd;
		close(fd);
	}
	if (count)
		*count = n;
	errno = ENODEV;
	return -1;
}

int dm_open(unsigned int index)
{
	return dm_open_nth(index, NULL);
}

unsigned int dm_count(void)
{
	unsigned int n = 0;

	dm_open_nth(0, &n);
	return n;
}

/*
 * Retries of one call that keeps failing with EINTR or EAGAIN. A signal
 * interrupts a call now and then, never a thousand times in a row; no
 * devmirror ioctl returns -EAGAIN to userspace (it is the engine's internal
 * "must fault" code), so a leaked one must surface as an error of its own,
 * not as a test that spins until the suite's timeout.
 */
#define DM_IOCTL_RETRIES	1000

int dm_ioctl(int fd, unsigned long request, void *arg)
{
	unsigned int tries = 0;
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN) &&
		 ++tries < DM_IOCTL_RETRIES);
	if (ret == -1 && tries == DM_IOCTL_RETRIES) {
		int err = errno;

		fprintf(stderr, "# dm_ioctl(%#lx): still %s after %u retries\n",
			request, strerrorname_np(err) ?: strerror(err), tries);
		errno = err;
	}
	return ret ? -errno : 0;
}

int dm_info(int fd, struct drm_devmir_get_info *info)
{
	memset(info, 0, sizeof(*info));
	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_GET_INFO, info);
}

int dm_access(int fd, struct drm_devmir_access *acc)
{
	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_ACCESS, acc);
}

static int dm_rw(int fd, uint32_t op, uint32_t flags, const void *addr,
		 size_t size, const void *buf)
{
	struct drm_devmir_access acc = {
		.addr = (uintptr_t)addr,
		.size = size,
		.buffer = (uintptr_t)buf,
		.op = op,
		.flags = flags,
	};

	return dm_access(fd, &acc);
}

int dm_read(int fd, const void *addr, size_t size, void *buf)
{
	return dm_rw(fd, DRM_DEVMIR_OP_READ, 0, addr, size, buf);
}

int dm_write(int fd, void *addr, size_t size, const void *buf)
{
	return dm_rw(fd, DRM_DEVMIR_OP_WRITE, 0, addr, size, buf);
}

int dm_read_nofault(int fd, const void *addr, size_t size, void *buf)
{
	return dm_rw(fd, DRM_DEVMIR_OP_READ, DRM_DEVMIR_ACCESS_NOFAULT, addr,
		     size, buf);
}

int dm_atomic_add(int fd, void *addr, uint64_t operand, uint64_t *old)
{
	struct drm_devmir_access acc = {
		.addr = (uintptr_t)addr,
		.size = 8,
		.operand = operand,
		.op = DRM_DEVMIR_OP_ATOMIC_ADD,
	};
	int ret = dm_access(fd, &acc);

	if (!ret && old)
		*old = acc.result;
	return ret;
}

int dm_atomic_cmpxchg(int fd, void *addr, uint64_t compare, uint64_t value,
		      uint64_t *old)
{
	struct drm_devmir_access acc = {
		.addr = (uintptr_t)addr,
		.size = 8,
		.operand = value,
		.compare = compare,
		.op = DRM_DEVMIR_OP_ATOMIC_CMPXCHG,
	};
	int ret = dm_access(fd, &acc);

	if (!ret && old)
		*old = acc.result;
	return ret;
}

int dm_set_window(int fd, uint64_t bytes)
{
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_WINDOW,
		.fault_window = bytes,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_SET_POLICY, &pol);
}

int dm_set_batch(int fd, uint32_t batch)
{
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_BATCH,
		.fault_batch = batch,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_SET_POLICY, &pol);
}

int dm_policy(int fd, struct drm_devmir_get_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_GET_POLICY, pol);
}

int dm_snapshot(int fd, const void *addr, size_t npages, uint8_t *out,
		uint64_t *mapped)
{
	struct drm_devmir_snapshot snap = {
		.addr = (uintptr_t)addr,
		.npages = npages,
		.buffer = (uintptr_t)out,
	};
	int ret = dm_ioctl(fd, DRM_IOCTL_DEVMIR_SNAPSHOT, &snap);

	if (!ret && mapped)
		*mapped = snap.mapped;
	return ret;
}

int dm_stats(int fd, uint32_t flags, struct drm_devmir_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->flags = flags;
	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_STATS, st);
}

int dm_query(int fd, uint32_t query, uint32_t flags, void *data, uint32_t *size)
{
	struct drm_devmir_query q = {
		.query = query,
		.flags = flags,
		.size = *size,
		.data = (uintptr_t)data,
	};
	int ret = dm_ioctl(fd, DRM_IOCTL_DEVMIR_QUERY, &q);

	if (!ret)
		*size = q.size;
	return ret;
}

int dm_stat(int fd, uint32_t flags, const char *name, uint64_t *value)
{
	struct drm_devmir_query_stat_values *vals = NULL;
	struct drm_devmir_query_stat_desc *desc = NULL;
	uint32_t dsize = 0, vsize = 0, i;
	int ret;

	ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, NULL, &dsize);
	if (!ret)
		ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_VALUES, flags, NULL, &vsize);
	if (ret)
		return ret;
	desc = calloc(1, dsize);
	vals = calloc(1, vsize);
	ret = -ENOMEM;
	if (desc && vals)
		ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, desc, &dsize);
	if (!ret)
		ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_VALUES, flags, vals, &vsize);
	if (!ret) {
		ret = -ENOENT;
		for (i = 0; i < desc->count; i++) {
			if (!strcmp(desc->desc[i].name, name)) {
				*value = vals->values[i];
				ret = 0;
				break;
			}
		}
	}
	free(desc);
	free(vals);
	return ret;
}

uint64_t dm_stat_of(int fd, const char *name)
{
	uint64_t v = UINT64_MAX;

	return dm_stat(fd, 0, name, &v) ? UINT64_MAX : v;
}

int dm_set_thrashing(int fd, uint32_t rounds, uint32_t hold_ms)
{
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_THRASH,
		.thrash_rounds = rounds,
		.thrash_hold_ms = hold_ms,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_SET_POLICY, &pol);
}

int dm_reset_stats(int fd, uint32_t flags)
{
	struct drm_devmir_reset_stats r = { .flags = flags };

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_RESET_STATS, &r);
}

int dm_migrate(int fd, void *addr, size_t size, uint32_t direction,
	       uint32_t flags, struct drm_devmir_migrate *out)
{
	struct drm_devmir_migrate m = {
		.addr = (uintptr_t)addr,
		.size = size,
		.direction = direction,
		.flags = flags,
	};
	int ret = dm_ioctl(fd, DRM_IOCTL_DEVMIR_MIGRATE, &m);

	if (out)
		*out = m;
	return ret;
}

int dm_to_device(int fd, void *addr, size_t size, struct drm_devmir_migrate *out)
{
	return dm_migrate(fd, addr, size, DRM_DEVMIR_MIGDIR_TO_DEVICE, 0, out);
}

int dm_to_system(int fd, void *addr, size_t size, struct drm_devmir_migrate *out)
{
	return dm_migrate(fd, addr, size, DRM_DEVMIR_MIGDIR_TO_SYSTEM, 0, out);
}

uint64_t dm_migrate_failed(const struct drm_devmir_migrate *m)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < DRM_DEVMIR_MIGFAIL_SLOTS; i++)
		n += m->failed[i];
	return n;
}

uint64_t dm_migrate_total(const struct drm_devmir_migrate *m)
{
	return m->migrated + m->already + m->absent + dm_migrate_failed(m);
}

int dm_set_migrate_policy(int fd, uint32_t mode, uint32_t threshold)
{
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_MIGRATE,
		.migrate_mode = mode,
		.migrate_threshold = threshold,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_SET_POLICY, &pol);
}

int dm_set_ram_window(int fd, uint64_t bytes)
{
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_RAM_WINDOW,
		.ram_window = bytes,
	};

	return dm_ioctl(fd, DRM_IOCTL_DEVMIR_SET_POLICY, &pol);
}

uint64_t dm_device_memory(int fd)
{
	struct drm_devmir_get_info info;

	if (dm_info(fd, &info))
		return 0;
	return info.device_memory;
}

int dm_kind_index(unsigned int kind, unsigned int nth)
{
	struct drm_devmir_get_info info;
	unsigned int i, n = dm_count();
	int fd, found = -1;

	for (i = 0; i < n && found < 0; i++) {
		fd = dm_open(i);
		if (fd < 0)
			continue;
		if (!dm_info(fd, &info) && info.device_memory &&
		    info.memory_kind == kind && !nth--)
			found = i;
		close(fd);
	}
	return found;
}

uint64_t dm_devmem_used(int fd)
{
	struct drm_devmir_stats st;

	if (dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &st))
		return ~0ULL;
	return st.devmem_used;
}

size_t dm_snap_with(const uint8_t *snap, size_t npages, uint8_t flags)
{
	size_t i, n = 0;

	for (i = 0; i < npages; i++)
		n += (snap[i] & flags) == flags;
	return n;
}

uint8_t *dm_snap(int fd, const void *addr, size_t npages)
{
	uint8_t *snap = malloc(npages);

	if (snap && dm_snapshot(fd, addr, npages, snap, NULL)) {
		free(snap);
		snap = NULL;
	}
	return snap;
}

uint64_t dm_entries(const struct drm_devmir_stats *st)
{
	uint64_t n = 0;
	int l;

	for (l = 0; l < DRM_DEVMIR_MAX_LEVELS; l++)
		n += st->table_entries[l];
	return n;
}

uint64_t dm_dirs(const struct drm_devmir_stats *st)
{
	uint64_t n = 0;
	int l;

	for (l = 0; l < DRM_DEVMIR_MAX_LEVELS; l++)
		n += st->table_dirs[l];
	return n;
}

size_t dm_snap_count(const uint8_t *snap, size_t npages, uint8_t want)
{
	size_t i, n = 0;

	for (i = 0; i < npages; i++)
		n += snap[i] == want;
	return n;
}

long thp_kib(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, start, end;
	char line[256];
	int inside = 0;
	long kib = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = a >= start && a < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}


double dm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The value of the line "@key N" of @text, or -1. */
static long dm_key_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 0);
	return -1;
}

long dm_devmem_field(unsigned int index, const char *key)
{
	char text[512];

	if (dm_debugfs_read(index, "devmem", text, sizeof(text)) < 0)
		return -1;
	return dm_key_value(text, key);
}

/* Read a whole small file into @out; -errno on failure. */
static int dm_file_read(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

int dm_debugfs_read(unsigned int index, const char *file, char *out, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/devmirror/sim%u/%s",
		 index, file);
	return dm_file_read(path, out, len);
}

long dm_feature(const char *key)
{
	char text[256];

	if (dm_file_read("/sys/kernel/debug/devmirror/features", text,
			 sizeof(text)) < 0)
		return -1;
	return dm_key_value(text, key);
}

int dm_param_set(const char *module, const char *name, const char *value)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}
