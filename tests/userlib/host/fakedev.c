// SPDX-License-Identifier: GPL-2.0
/*
 * fakedev.c - a fake devmirror render node behind ioctl(), for host tests
 * of libdevmirror and the CLI without the driver.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devmirror_drm.h"
#include "fakedev.h"

#define fallthrough __attribute__((__fallthrough__))

struct fakedev fakedev;
static bool fakedev_ready;

void fakedev_reset(void)
{
	const char *s;

	memset(&fakedev, 0, sizeof(fakedev));
	s = getenv("FAKEDEV_NAME");
	snprintf(fakedev.name, sizeof(fakedev.name), "%s", s ? s : "devmirror");
	s = getenv("FAKEDEV_ABI");
	fakedev.abi = s ? atoi(s) : DRM_DEVMIR_ABI_VERSION;
	s = getenv("FAKEDEV_INDEX");
	fakedev.index = s ? atoi(s) : 0;
	fakedev.migrate_busy = !!getenv("FAKEDEV_MIGRATE_BUSY");
	fakedev.no_latency = !!getenv("FAKEDEV_NO_LATENCY");
	fakedev.reset_flags = -1;
	fakedev.fault_batch = 16;
	fakedev.fault_window = DRM_DEVMIR_WINDOW_MIN;
	fakedev.ram_window = DRM_DEVMIR_WINDOW_MIN;
	fakedev.thrash_rounds = 3;
	fakedev.thrash_hold_ms = 200;
	fakedev_ready = true;
}

uint8_t fakedev_snap_byte(uint64_t page)
{
	static const uint8_t bytes[8] = {
		DRM_DEVMIR_SNAP_NONE,
		DRM_DEVMIR_SNAP_READ,
		DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE,
		DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE |
			DRM_DEVMIR_SNAP_DEV_LOCAL,
		DRM_DEVMIR_SNAP_DEV_REMOTE,
		DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE |
			DRM_DEVMIR_SNAP_EXCLUSIVE,
		DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_WRITE |
			(1 << DRM_DEVMIR_SNAP_LEVEL_SHIFT),
		DRM_DEVMIR_SNAP_READ | (2 << DRM_DEVMIR_SNAP_LEVEL_SHIFT),
	};

	return bytes[page % 8];
}

/* Copy a string out the way DRM_IOCTL_VERSION does. */
static void fakedev_copy(char *dst, __kernel_size_t *len, const char *src)
{
	size_t n = strlen(src);

	if (dst && *len)
		memcpy(dst, src, n < *len ? n : *len);
	*len = n;
}

static int fakedev_version(struct drm_version *v)
{
	v->version_major = 1;
	v->version_minor = fakedev.abi;
	v->version_patchlevel = FAKEDEV_DRV_PATCH;
	fakedev_copy(v->name, &v->name_len, fakedev.name);
	fakedev_copy(v->date, &v->date_len, "20260101");
	fakedev_copy(v->desc, &v->desc_len, "fake devmirror device");
	return 0;
}

static int fakedev_info(struct drm_devmir_get_info *a)
{
	static const unsigned int shift[4] = { 12, 21, 30, 39 };
	unsigned int l;

	if (a->flags || a->pad)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->abi_version = fakedev.abi;
	a->device_index = fakedev.index;
	a->asid = FAKEDEV_ASID;
	a->levels = 4;
	a->leaf_levels = 0x7;
	a->va_bits = 48;
	for (l = 0; l < 4; l++) {
		a->level_shift[l] = shift[l];
		a->level_bits[l] = 9;
	}
	a->page_sizes = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	a->tlb_entries = FAKEDEV_TLB_ENTRIES;
	a->tlb_ways = FAKEDEV_TLB_WAYS;
	a->fault_queue_entries = FAKEDEV_FQ_ENTRIES;
	a->engines = FAKEDEV_ENGINES;
	a->txn_bytes = FAKEDEV_TXN_BYTES;
	a->device_memory = FAKEDEV_DEVMEM;
	a->window_min = DRM_DEVMIR_WINDOW_MIN;
	a->window_max = DRM_DEVMIR_WINDOW_MAX;
	return 0;
}

/* ACCESS with the driver's checks; memory is this process's own. */
static int fakedev_access(struct drm_devmir_access *a)
{
	uint64_t *word = (uint64_t *)(uintptr_t)a->addr;

	if (a->flags & ~DRM_DEVMIR_ACCESS_FLAGS || a->pad ||
	    a->engine >= FAKEDEV_ENGINES)
		return -EINVAL;
	switch (a->op) {
	case DRM_DEVMIR_OP_READ:
	case DRM_DEVMIR_OP_WRITE:
		if (!a->size || a->size > DRM_DEVMIR_ACCESS_MAX_SIZE ||
		    a->operand || a->compare || !a->buffer)
			return -EINVAL;
		break;
	case DRM_DEVMIR_OP_ATOMIC_ADD:
		if (a->compare)
			return -EINVAL;
		fallthrough;
	case DRM_DEVMIR_OP_ATOMIC_CMPXCHG:
		if (a->size != 8 || a->addr % 8 || a->buffer)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (fakedev.access_calls < FAKEDEV_MAX_LOG)
		fakedev.access_size[fakedev.access_calls] = a->size;
	fakedev.access_calls++;

	switch (a->op) {
	case DRM_DEVMIR_OP_READ:
		memcpy((void *)(uintptr_t)a->buffer, (void *)(uintptr_t)a->addr,
		       a->size);
		break;
	case DRM_DEVMIR_OP_WRITE:
		memcpy((void *)(uintptr_t)a->addr, (void *)(uintptr_t)a->buffer,
		       a->size);
		break;
	case DRM_DEVMIR_OP_ATOMIC_ADD:
		a->result =
			__atomic_fetch_add(word, a->operand, __ATOMIC_SEQ_CST);
		break;
	case DRM_DEVMIR_OP_ATOMIC_CMPXCHG:
		a->result = a->compare;
		__atomic_compare_exchange_n(word, &a->result, a->operand, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		break;
	}
	/* One fault per page touched. */
	a->faults = ((a->addr + a->size - 1) >> 12) - (a->addr >> 12) + 1;
	return 0;
}

static int fakedev_set_policy(struct drm_devmir_set_policy *a)
{
	bool threshold;

	if (!a->flags || a->flags & ~DRM_DEVMIR_POLICY_FLAGS)
		return -EINVAL;
	/* As the driver: 0 (adaptive) or a power of two in range. */
	if (a->flags & DRM_DEVMIR_POLICY_WINDOW &&
	    a->fault_window != DRM_DEVMIR_WINDOW_ADAPTIVE &&
	    (a->fault_window & (a->fault_window - 1) ||
	     a->fault_window < DRM_DEVMIR_WINDOW_MIN ||
	     a->fault_window > DRM_DEVMIR_WINDOW_MAX))
		return -EINVAL;
	if (a->flags & DRM_DEVMIR_POLICY_BATCH &&
	    (!a->fault_batch || a->fault_batch > FAKEDEV_FQ_ENTRIES))
		return -EINVAL;
	threshold = a->migrate_mode == DRM_DEVMIR_MIGMODE_THRESHOLD;
	if (a->flags & DRM_DEVMIR_POLICY_MIGRATE &&
	    (a->migrate_mode > DRM_DEVMIR_MIGMODE_THRESHOLD ||
	     threshold != !!a->migrate_threshold ||
	     a->migrate_threshold > DRM_DEVMIR_THRESHOLD_MAX))
		return -EINVAL;
	if (a->flags & DRM_DEVMIR_POLICY_RAM_WINDOW &&
	    (a->ram_window & (a->ram_window - 1) ||
	     a->ram_window < DRM_DEVMIR_WINDOW_MIN ||
	     a->ram_window > DRM_DEVMIR_WINDOW_MAX))
		return -EINVAL;
	fakedev.policy_flags = a->flags;
	if (a->flags & DRM_DEVMIR_POLICY_WINDOW)
		fakedev.fault_window = a->fault_window;
	if (a->flags & DRM_DEVMIR_POLICY_BATCH)
		fakedev.fault_batch = a->fault_batch;
	if (a->flags & DRM_DEVMIR_POLICY_MIGRATE) {
		fakedev.migrate_mode = a->migrate_mode;
		fakedev.migrate_threshold = a->migrate_threshold;
	}
	if (a->flags & DRM_DEVMIR_POLICY_THRASH &&
	    (a->thrash_rounds > DRM_DEVMIR_THRASH_ROUNDS_MAX ||
	     a->thrash_hold_ms > DRM_DEVMIR_THRASH_HOLD_MAX_MS))
		return -EINVAL;
	if (a->flags & DRM_DEVMIR_POLICY_RAM_WINDOW)
		fakedev.ram_window = a->ram_window;
	if (a->flags & DRM_DEVMIR_POLICY_THRASH) {
		fakedev.thrash_rounds = a->thrash_rounds;
		fakedev.thrash_hold_ms = a->thrash_hold_ms;
	}
	return 0;
}

static int fakedev_get_policy(struct drm_devmir_get_policy *a)
{
	if (a->flags)
		return -EINVAL;
	a->fault_batch = fakedev.fault_batch;
	a->fault_window = fakedev.fault_window;
	a->migrate_mode = fakedev.migrate_mode;
	a->migrate_threshold = fakedev.migrate_threshold;
	a->ram_window = fakedev.ram_window;
	a->thrash_rounds = fakedev.thrash_rounds;
	a->thrash_hold_ms = fakedev.thrash_hold_ms;
	return 0;
}

static int fakedev_snapshot(struct drm_devmir_snapshot *a)
{
	uint8_t *out = (uint8_t *)(uintptr_t)a->buffer;
	uint64_t i;

	if (a->flags || a->pad || a->addr % 4096 || !a->npages ||
	    a->npages > DRM_DEVMIR_SNAPSHOT_MAX_PAGES || !a->buffer)
		return -EINVAL;
	if (fakedev.snap_calls < FAKEDEV_MAX_LOG) {
		fakedev.snap_addr[fakedev.snap_calls] = a->addr;
		fakedev.snap_npages[fakedev.snap_calls] = a->npages;
	}
	fakedev.snap_calls++;
	a->mapped = 0;
	for (i = 0; i < a->npages; i++) {
		out[i] = fakedev.snap_bad ?
				 fakedev.snap_bad :
				 fakedev_snap_byte((a->addr >> 12) + i);
		a->mapped += !!(out[i] & DRM_DEVMIR_SNAP_READ);
	}
	return 0;
}

static int fakedev_stats(struct drm_devmir_stats *a)
{
	__u64 *v = &a->faults_raised;
	size_t n = (sizeof(*a) -
		    offsetof(struct drm_devmir_stats, faults_raised)) /
		   sizeof(uint64_t),
	       k;

	if (a->flags & ~DRM_DEVMIR_STATS_FLAGS || a->pad)
		return -EINVAL;
	fakedev.stats_flags = a->flags;
	for (k = 0; k < n; k++)
		v[k] = FAKEDEV_STAT(k, a->flags);
	return 0;
}

/* QUERY with the driver's checks and size negotiation. */
static int fakedev_query(struct drm_devmir_query *a)
{
	struct drm_devmir_query_stat_desc *desc;
	struct drm_devmir_query_stat_values *vals;
	struct drm_devmir_query_latency *lat;
	size_t need, k;

	if (a->pad || a->reserved[0] || a->reserved[1] ||
	    a->flags & ~DRM_DEVMIR_QUERY_FLAGS)
		return -EINVAL;
	switch (a->query) {
	case DRM_DEVMIR_QUERY_STAT_DESC:
		if (a->flags)
			return -EINVAL;
		need = sizeof(*desc) + FAKEDEV_NSTATS * sizeof(desc->desc[0]);
		break;
	case DRM_DEVMIR_QUERY_STAT_VALUES:
		need = sizeof(*vals) + FAKEDEV_NSTATS * sizeof(vals->values[0]);
		break;
	case DRM_DEVMIR_QUERY_LATENCY:
		if (fakedev.no_latency)
			return -EINVAL;
		need = sizeof(*lat) + FAKEDEV_NLAT * sizeof(lat->hist[0]);
		break;
	default:
		return -EINVAL;
	}
	if (!a->size) {
		a->size = need;
		return 0;
	}
	if (a->size < need)
		return -EINVAL;
	if (!a->data)
		return -EFAULT;
	if (a->query == DRM_DEVMIR_QUERY_STAT_DESC) {
		desc = (void *)(uintptr_t)a->data;
		memset(desc, 0, need);
		desc->count = FAKEDEV_NSTATS;
		for (k = 0; k < FAKEDEV_NSTATS; k++) {
			snprintf(desc->desc[k].name, sizeof(desc->desc[k].name),
				 "%s", fakedev_stat_desc[k].name);
			desc->desc[k].kind = fakedev_stat_desc[k].gauge ?
						     DRM_DEVMIR_STAT_GAUGE :
						     DRM_DEVMIR_STAT_COUNTER;
			desc->desc[k].flags = fakedev_stat_desc[k].driver ?
						      DRM_DEVMIR_STAT_DRIVER :
						      0;
		}
	} else if (a->query == DRM_DEVMIR_QUERY_LATENCY) {
		lat = (void *)(uintptr_t)a->data;
		memset(lat, 0, need);
		fakedev.lat_flags = a->flags;
		lat->count = FAKEDEV_NLAT;
		lat->nbuckets = fakedev.lat_buckets ? fakedev.lat_buckets :
						      DRM_DEVMIR_LAT_BUCKETS;
		for (k = 0; k < FAKEDEV_NLAT; k++) {
			uint64_t n = FAKEDEV_LAT_COUNT(k, a->flags);

			snprintf(lat->hist[k].name, sizeof(lat->hist[k].name),
				 "%s", fakedev_lat_names[k]);
			lat->hist[k].count = n;
			lat->hist[k].sum_ns = n << (10 + k);
			lat->hist[k].max_ns = (2ULL << (10 + k)) - 1;
			lat->hist[k].buckets[10 + k] = n;
		}
	} else {
		vals = (void *)(uintptr_t)a->data;
		fakedev.stats_flags = a->flags;
		vals->count = FAKEDEV_NSTATS;
		vals->pad = 0;
		for (k = 0; k < FAKEDEV_NSTATS; k++)
			vals->values[k] = FAKEDEV_STAT(k, a->flags);
	}
	a->size = need;
	return 0;
}

static int fakedev_reset_stats(struct drm_devmir_reset_stats *a)
{
	if (a->flags & ~DRM_DEVMIR_STATS_FLAGS || a->pad)
		return -EINVAL;
	fakedev.reset_flags = a->flags;
	return 0;
}

static bool fakedev_window_ok(uint64_t w)
{
	return !(w & (w - 1)) && w >= DRM_DEVMIR_WINDOW_MIN &&
	       w <= DRM_DEVMIR_WINDOW_MAX;
}

/* The driver's checks of an attribute set (devmir_attr_check()). */
static int fakedev_attr_check(const struct drm_devmir_attr *a, bool clear)
{
	uint32_t m = clear ? 0 : a->mask;

	if (!a->mask || a->mask & ~DRM_DEVMIR_ATTR_ALL || a->pad)
		return -EINVAL;
	if (m & DRM_DEVMIR_ATTR_PREFERRED_LOC ? a->preferred_loc > DRM_DEVMIR_LOC_DEVICE :
	    a->preferred_loc != 0)
		return -EINVAL;
	if (m & DRM_DEVMIR_ATTR_ACCESSED_BY ? a->accessed_by > 1 : a->accessed_by != 0)
		return -EINVAL;
	if (m & DRM_DEVMIR_ATTR_GRANULARITY ? !fakedev_window_ok(a->granularity) :
	    a->granularity != 0)
		return -EINVAL;
	if (m & DRM_DEVMIR_ATTR_FAULT_WINDOW ?
	    a->fault_window && !fakedev_window_ok(a->fault_window) :
	    a->fault_window != 0)
		return -EINVAL;
	if (m & DRM_DEVMIR_ATTR_THRASH ?
	    a->thrash_rounds > DRM_DEVMIR_THRASH_ROUNDS_MAX ||
	    a->thrash_hold_ms > DRM_DEVMIR_THRASH_HOLD_MAX_MS :
	    a->thrash_rounds || a->thrash_hold_ms)
		return -EINVAL;
	return 0;
}

static int fakedev_range_check(uint64_t addr, uint64_t size)
{
	if (addr % 4096 || size % 4096 || !size || addr + size < addr)
		return -EINVAL;
	return 0;
}

/* ADVISE with the driver's checks; see &fakedev.advice. */
static int fakedev_advise(struct drm_devmir_advise *a)
{
	bool clear = a->flags & DRM_DEVMIR_ADVISE_CLEAR;
	struct fakedev_advice *r;

	if (fakedev.abi < 3)
		return -EINVAL;
	if (a->flags & ~DRM_DEVMIR_ADVISE_FLAGS || a->pad || a->reserved[0] ||
	    a->reserved[1] || fakedev_range_check(a->addr, a->size) ||
	    fakedev_attr_check(&a->attr, clear))
		return -EINVAL;
	fakedev.advise_calls++;
	fakedev.advise_flags = a->flags;
	if (clear) {
		fakedev.nr_advice = 0;
		return 0;
	}
	if (fakedev.nr_advice == FAKEDEV_MAX_LOG)
		return -ENOSPC;
	r = &fakedev.advice[fakedev.nr_advice++];
	r->addr = a->addr;
	r->size = a->size;
	r->mask = a->attr.mask;
	r->preferred_loc = a->attr.preferred_loc;
	r->accessed_by = a->attr.accessed_by;
	r->thrash_rounds = a->attr.thrash_rounds;
	r->thrash_hold_ms = a->attr.thrash_hold_ms;
	r->granularity = a->attr.granularity;
	r->fault_window = a->attr.fault_window;
	return 0;
}

/* ADVISE_QUERY: the ranges of &fakedev.advice that overlap. */
static int fakedev_advise_query(struct drm_devmir_advise_query *a)
{
	struct drm_devmir_attr_range *out = (void *)(uintptr_t)a->ranges;
	unsigned int i, n = 0;

	if (fakedev.abi < 3)
		return -EINVAL;
	if (a->flags || a->reserved || a->count > DRM_DEVMIR_ATTR_RANGES_MAX ||
	    fakedev_range_check(a->addr, a->size))
		return -EINVAL;
	for (i = 0; i < fakedev.nr_advice; i++) {
		const struct fakedev_advice *r = &fakedev.advice[i];

		if (r->addr >= a->addr + a->size || r->addr + r->size <= a->addr)
			continue;
		if (n < a->count) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].addr = r->addr;
			out[n].size = r->size;
			out[n].attr.mask = r->mask;
			out[n].attr.preferred_loc = r->preferred_loc;
			out[n].attr.accessed_by = r->accessed_by;
			out[n].attr.thrash_rounds = r->thrash_rounds;
			out[n].attr.thrash_hold_ms = r->thrash_hold_ms;
			out[n].attr.granularity = r->granularity;
			out[n].attr.fault_window = r->fault_window;
		}
		n++;
	}
	a->count = n;
	return 0;
}

/* MIGRATE with the driver's checks; no memory moves. */
static int fakedev_migrate(struct drm_devmir_migrate *a)
{
	uint64_t pages = a->size / 4096;

	if (a->flags & ~DRM_DEVMIR_MIGFLAG_ALL ||
	    a->direction > DRM_DEVMIR_MIGDIR_TO_SYSTEM || a->addr % 4096 ||
	    a->size % 4096 || !a->size ||
	    a->size > DRM_DEVMIR_MIGRATE_MAX_SIZE ||
	    a->addr + a->size < a->addr)
		return -EINVAL;
	if (fakedev.migrate_calls < FAKEDEV_MAX_LOG) {
		fakedev.migrate_addr[fakedev.migrate_calls] = a->addr;
		fakedev.migrate_size[fakedev.migrate_calls] = a->size;
	}
	fakedev.migrate_calls++;
	fakedev.migrate_dir = a->direction;
	fakedev.migrate_flags = a->flags;
	memset(&a->migrated, 0,
	       offsetof(struct drm_devmir_migrate, direction) -
		       offsetof(struct drm_devmir_migrate, migrated));
	if (fakedev.migrate_busy) {
		a->failed[DRM_DEVMIR_MIGFAIL_BUSY] = pages;
		return a->flags & DRM_DEVMIR_MIGFLAG_PREFETCH ? 0 : -EBUSY;
	}
	a->migrated = pages;
	a->bytes_copied = a->size;
	return 0;
}

static int fakedev_devmirror(unsigned long request, void *arg)
{
	fakedev.calls++;
	if (fakedev.eintr > 0) {
		fakedev.eintr--;
		return -EINTR;
	}
	if (fakedev.eagain > 0) {
		fakedev.eagain--;
		return -EAGAIN;
	}
	if (fakedev.fail_errno)
		return -fakedev.fail_errno;

	switch (request) {
	case DRM_IOCTL_DEVMIR_GET_INFO:
		return fakedev_info(arg);
	case DRM_IOCTL_DEVMIR_ACCESS:
		return fakedev_access(arg);
	case DRM_IOCTL_DEVMIR_SET_POLICY:
		return fakedev_set_policy(arg);
	case DRM_IOCTL_DEVMIR_GET_POLICY:
		return fakedev_get_policy(arg);
	case DRM_IOCTL_DEVMIR_SNAPSHOT:
		return fakedev_snapshot(arg);
	case DRM_IOCTL_DEVMIR_STATS:
		return fakedev_stats(arg);
	case DRM_IOCTL_DEVMIR_RESET_STATS:
		return fakedev_reset_stats(arg);
	case DRM_IOCTL_DEVMIR_QUERY:
		return fakedev_query(arg);
	case DRM_IOCTL_DEVMIR_MIGRATE:
		return fakedev_migrate(arg);
	case DRM_IOCTL_DEVMIR_ADVISE:
		return fakedev_advise(arg);
	case DRM_IOCTL_DEVMIR_ADVISE_QUERY:
		return fakedev_advise_query(arg);
	}
	return -ENOTTY;
}

/* The fake answers on descriptors of /dev/null (char 1:3) only. */
static bool fakedev_fd(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 3);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (_IOC_TYPE(request) != DRM_IOCTL_BASE || !fakedev_fd(fd))
		return syscall(SYS_ioctl, fd, request, arg);
	if (!fakedev_ready)
		fakedev_reset();
	if (request == DRM_IOCTL_VERSION)
		ret = fakedev_version(arg);
	else
		ret = fakedev_devmirror(request, arg);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/*
 * FAKEDEV_DENY=PATH: open() of PATH fails with EACCES, as a render node of
 * the "render" group does for a user outside it (the tests run as root,
 * whom permissions do not stop).
 */
int open(const char *path, int flags, ...)
{
	static int (*next_open)(const char *, int, ...);
	const char *deny = getenv("FAKEDEV_DENY");
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (deny && !strcmp(path, deny)) {
		errno = EACCES;
		return -1;
	}
	if (!next_open)
		next_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
								    "open");
	return next_open(path, flags, mode);
}
