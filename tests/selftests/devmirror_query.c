// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_query - DRM_IOCTL_DEVMIR_QUERY, the self-describing statistics
 * of ABI 2: size negotiation, bad input, names, values that move with a
 * device access, mirror vs device scope, and agreement with the frozen
 * ABI 1 STATS for every counter both report; the latency histograms
 * (QUERY LATENCY): one sample per fault, migration window and invalidation,
 * by size, in both scopes, reset with the counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"

/* A device's statistics: descriptions once, values as often as needed. */
struct query_stats {
	struct drm_devmir_query_stat_desc *desc;
	struct drm_devmir_query_stat_values *vals;
	uint32_t desc_size;
	uint32_t vals_size;
};

static int query_stats_init(int fd, struct query_stats *qs)
{
	int ret;

	memset(qs, 0, sizeof(*qs));
	ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, NULL, &qs->desc_size);
	if (ret)
		return ret;
	ret = dm_query(fd, DRM_DEVMIR_QUERY_STAT_VALUES, 0, NULL, &qs->vals_size);
	if (ret)
		return ret;
	qs->desc = calloc(1, qs->desc_size);
	qs->vals = calloc(1, qs->vals_size);
	if (!qs->desc || !qs->vals)
		return -ENOMEM;
	return dm_query(fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, qs->desc, &qs->desc_size);
}

static void query_stats_fini(struct query_stats *qs)
{
	free(qs->desc);
	free(qs->vals);
}

static int query_values(int fd, struct query_stats *qs, uint32_t flags)
{
	uint32_t size = qs->vals_size;

	return dm_query(fd, DRM_DEVMIR_QUERY_STAT_VALUES, flags, qs->vals, &size);
}

/* Index of the statistic @name, or -1. */
static int stat_index(const struct query_stats *qs, const char *name)
{
	uint32_t i;

	for (i = 0; i < qs->desc->count; i++)
		if (!strcmp(qs->desc->desc[i].name, name))
			return i;
	return -1;
}

/* Value of @name in the last reading; UINT64_MAX when there is none. */
static uint64_t stat_value(const struct query_stats *qs, const char *name)
{
	int i = stat_index(qs, name);

	return i < 0 ? UINT64_MAX : qs->vals->values[i];
}

FIXTURE(query) {
	int fd;
	struct query_stats qs;
	uint8_t *buf;
	uint8_t *out;
	size_t size;
};

FIXTURE_SETUP(query)
{
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node (is devmirror_sim loaded?)");
	ASSERT_EQ(0, query_stats_init(self->fd, &self->qs));
	self->size = KIB(64);
	self->buf = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	self->out = buf_map(self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_NE(MAP_FAILED, self->out);
	buf_fill(self->buf, self->size, 3);
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(4)));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
}

FIXTURE_TEARDOWN(query)
{
	if (self->fd < 0)
		return;
	query_stats_fini(&self->qs);
	close(self->fd);
}

TEST_F(query, size_zero_asks_the_size)
{
	uint32_t count = self->qs.desc->count;
	uint32_t size = 0;

	ASSERT_LE(1U, count);
	EXPECT_EQ(sizeof(struct drm_devmir_query_stat_desc) +
		  count * sizeof(struct drm_devmir_stat_desc), self->qs.desc_size);
	EXPECT_EQ(sizeof(struct drm_devmir_query_stat_values) +
		  count * sizeof(__u64), self->qs.vals_size);
	/* Size 0 with a bogus pointer: nothing is written, nothing faults. */
	EXPECT_EQ(0, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_VALUES, 0,
			   (void *)DM_KERNEL_ADDR, &size));
	EXPECT_EQ(self->qs.vals_size, size);
}

TEST_F(query, short_buffer_einval_untouched)
{
	uint32_t size = self->qs.vals_size - 1;
	uint8_t *p = malloc(self->qs.vals_size);

	ASSERT_NE(NULL, p);
	memset(p, 0xa5, self->qs.vals_size);
	EXPECT_EQ(-EINVAL, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_VALUES, 0, p, &size));
	EXPECT_EQ(-1, buf_check_byte(p, self->qs.vals_size, 0xa5));
	size = self->qs.desc_size - 1;
	EXPECT_EQ(-EINVAL, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, p, &size));
	EXPECT_EQ(-1, buf_check_byte(p, self->qs.vals_size, 0xa5));
	free(p);
}

TEST_F(query, larger_buffer_gets_exact_size)
{
	uint32_t size = self->qs.vals_size + 64;
	uint8_t *p = calloc(1, size);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_VALUES, 0, p, &size));
	EXPECT_EQ(self->qs.vals_size, size);
	EXPECT_EQ(self->qs.desc->count,
		  ((struct drm_devmir_query_stat_values *)p)->count);
	free(p);
}

TEST_F(query, bad_input_einval)
{
	struct drm_devmir_query arg;
	int i;

	for (i = 0; i < 6; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.query = DRM_DEVMIR_QUERY_STAT_VALUES;
		switch (i) {
		case 0:
			arg.pad = 1;
			break;
		case 1:
			arg.reserved[0] = 1;
			break;
		case 2:
			arg.reserved[1] = 1ULL << 63;
			break;
		case 3:
			arg.flags = ~DRM_DEVMIR_QUERY_FLAGS;
			break;
		case 4:
			arg.query = DRM_DEVMIR_QUERY_LATENCY + 1;
			break;
		case 5:	/* DEVICE means nothing for the descriptions */
			arg.query = DRM_DEVMIR_QUERY_STAT_DESC;
			arg.flags = DRM_DEVMIR_QUERY_DEVICE;
			break;
		}
		EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_QUERY, &arg))
			TH_LOG("case %d", i);
		EXPECT_EQ(0U, arg.size) TH_LOG("case %d wrote the size", i);
	}
	memset(&arg, 0, sizeof(arg));
	arg.query = ~0U;
	EXPECT_EQ(-EINVAL, dm_ioctl(self->fd, DRM_IOCTL_DEVMIR_QUERY, &arg));
}

TEST_F(query, bad_pointer_efault)
{
	uint32_t size = self->qs.vals_size;

	EXPECT_EQ(-EFAULT, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_VALUES, 0,
				 (void *)DM_KERNEL_ADDR, &size));
	size = self->qs.desc_size;
	EXPECT_EQ(-EFAULT, dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_DESC, 0,
				 (void *)DM_KERNEL_ADDR, &size));
}

TEST_F(query, names_unique_and_well_formed)
{
	const struct drm_devmir_query_stat_desc *d = self->qs.desc;
	uint32_t i, j, drv = 0;

	for (i = 0; i < d->count; i++) {
		const char *n = d->desc[i].name;
		size_t len = strnlen(n, DRM_DEVMIR_STAT_NAME_LEN);

		ASSERT_LT(0U, len) TH_LOG("desc %u has no name", i);
		ASSERT_GT(DRM_DEVMIR_STAT_NAME_LEN, len) TH_LOG("desc %u not terminated", i);
		EXPECT_EQ(len, strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"))
			TH_LOG("bad name '%s'", n);
		EXPECT_GE(DRM_DEVMIR_STAT_GAUGE, d->desc[i].kind);
		EXPECT_EQ(0U, d->desc[i].flags & ~DRM_DEVMIR_STAT_DRIVER);
		drv += !!(d->desc[i].flags & DRM_DEVMIR_STAT_DRIVER);
		for (j = 0; j < i; j++)
			EXPECT_NE(0, strcmp(n, d->desc[j].name)) TH_LOG("'%s' twice", n);
	}
	EXPECT_EQ(0U, d->pad);
	/* The framework's counters and the simulator's own, told apart. */
	ASSERT_LE(0, stat_index(&self->qs, "faults"));
	ASSERT_LE(0, stat_index(&self->qs, "tlb_misses"));
	ASSERT_LE(0, stat_index(&self->qs, "inv_unmap"));
	ASSERT_LE(0, stat_index(&self->qs, "table_entries_l0"));
	EXPECT_EQ(0U, d->desc[stat_index(&self->qs, "faults")].flags);
	EXPECT_EQ(DRM_DEVMIR_STAT_DRIVER,
		  d->desc[stat_index(&self->qs, "tlb_misses")].flags);
	EXPECT_EQ(DRM_DEVMIR_STAT_GAUGE,
		  d->desc[stat_index(&self->qs, "table_entries_l0")].kind);
	EXPECT_LE(1U, drv);
}

TEST_F(query, descriptions_stable)
{
	struct query_stats again;

	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	ASSERT_EQ(0, query_stats_init(self->fd, &again));
	EXPECT_EQ(self->qs.desc_size, again.desc_size);
	EXPECT_EQ(0, memcmp(self->qs.desc, again.desc, again.desc_size));
	query_stats_fini(&again);
}

TEST_F(query, values_move_with_an_access)
{
	struct query_stats *qs = &self->qs;
	uint64_t pages = self->size / PAGE;

	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	EXPECT_EQ(qs->desc->count, qs->vals->count);
	EXPECT_EQ(0U, stat_value(qs, "faults"));
	EXPECT_EQ(0U, stat_value(qs, "tlb_misses"));
	EXPECT_EQ(0U, stat_value(qs, "accesses"));
	EXPECT_EQ(1U, stat_value(qs, "mirrors"));

	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	EXPECT_LE(1U, stat_value(qs, "faults"));
	EXPECT_LE(pages, stat_value(qs, "pages_mapped"));
	EXPECT_LE(pages, stat_value(qs, "tlb_misses"));
	EXPECT_LE(1U, stat_value(qs, "faults_raised"));
	EXPECT_EQ(1U, stat_value(qs, "accesses"));
	EXPECT_LE(pages, stat_value(qs, "table_entries_l0"));

	/* munmap reaches the mirror as an UNMAP invalidation. */
	ASSERT_EQ(0, munmap(self->buf, self->size));
	self->buf = NULL;
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	EXPECT_LE(1U, stat_value(qs, "inv_unmap"));
	EXPECT_EQ(0U, stat_value(qs, "table_entries_l0"));

	/* RESET_STATS zeroes counters, driver counters included. */
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	EXPECT_EQ(0U, stat_value(qs, "faults"));
	EXPECT_EQ(0U, stat_value(qs, "tlb_misses"));
	EXPECT_EQ(0U, stat_value(qs, "accesses"));
}

/* The device scope sees another process's mirror; the mirror scope not. */
TEST_F(query, device_scope_covers_other_mirrors)
{
	struct query_stats *qs = &self->qs;
	uint64_t dev_before, mine_before;
	int status;
	pid_t pid;

	ASSERT_EQ(0, query_values(self->fd, qs, DRM_DEVMIR_QUERY_DEVICE));
	dev_before = stat_value(qs, "accesses");
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	mine_before = stat_value(qs, "accesses");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = dm_open(0);

		_exit(fd < 0 || dm_read(fd, self->buf, PAGE, self->out) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, query_values(self->fd, qs, DRM_DEVMIR_QUERY_DEVICE));
	EXPECT_LE(dev_before + 1, stat_value(qs, "accesses"));
	EXPECT_LE(1U, stat_value(qs, "faults"));
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	EXPECT_EQ(mine_before, stat_value(qs, "accesses"));
	EXPECT_EQ(0U, stat_value(qs, "faults"));
}

/* The frozen ABI 1 STATS reports the same values under the same names. */
TEST_F(query, old_stats_agree)
{
	struct query_stats *qs = &self->qs;
	static const char *const inv[DRM_DEVMIR_INV_EVENTS] = {
		[DRM_DEVMIR_INV_UNMAP] = "inv_unmap",
		[DRM_DEVMIR_INV_CLEAR] = "inv_clear",
		[DRM_DEVMIR_INV_PROTECTION_VMA] = "inv_protection_vma",
		[DRM_DEVMIR_INV_PROTECTION_PAGE] = "inv_protection_page",
		[DRM_DEVMIR_INV_SOFT_DIRTY] = "inv_soft_dirty",
		[DRM_DEVMIR_INV_RELEASE] = "inv_release",
		[DRM_DEVMIR_INV_MIGRATE] = "inv_migrate",
		[DRM_DEVMIR_INV_EXCLUSIVE] = "inv_exclusive",
	};
	struct drm_devmir_stats st;
	unsigned int i;

	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	ASSERT_EQ(0, mprotect(self->buf, self->size, PROT_READ));
	ASSERT_EQ(0, madvise(self->buf, PAGE, MADV_DONTNEED));
	/* Nothing runs in between: the two readings see the same counts. */
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	ASSERT_EQ(0, query_values(self->fd, qs, 0));

	EXPECT_EQ(st.faults, stat_value(qs, "faults"));
	EXPECT_EQ(st.faults_raised, stat_value(qs, "faults_raised"));
	EXPECT_EQ(st.faults_coalesced, stat_value(qs, "faults_coalesced"));
	EXPECT_EQ(st.fault_batches, stat_value(qs, "fault_batches"));
	EXPECT_EQ(st.hmm_calls, stat_value(qs, "hmm_calls"));
	EXPECT_EQ(st.pages_mapped, stat_value(qs, "pages_mapped"));
	EXPECT_EQ(st.tlb_hits, stat_value(qs, "tlb_hits"));
	EXPECT_EQ(st.tlb_misses, stat_value(qs, "tlb_misses"));
	EXPECT_EQ(st.walks, stat_value(qs, "walks"));
	EXPECT_EQ(st.walk_levels, stat_value(qs, "walk_levels"));
	EXPECT_EQ(st.accesses, stat_value(qs, "accesses"));
	EXPECT_EQ(st.pages_invalidated, stat_value(qs, "pages_invalidated"));
	EXPECT_EQ(st.pages_protected, stat_value(qs, "pages_protected"));
	EXPECT_EQ(st.table_bytes, stat_value(qs, "table_bytes"));
	EXPECT_EQ(st.table_entries[0], stat_value(qs, "table_entries_l0"));
	EXPECT_EQ(st.table_dirs[0], stat_value(qs, "table_dirs_l0"));
	EXPECT_EQ(st.mirrors, stat_value(qs, "mirrors"));
	EXPECT_EQ(st.devmem_pages, stat_value(qs, "devmem_pages"));
	for (i = 0; i < DRM_DEVMIR_INV_EVENTS; i++)
		EXPECT_EQ(st.invalidations[i], stat_value(qs, inv[i]))
			TH_LOG("event %u", i);
	EXPECT_LE(1U, st.invalidations[DRM_DEVMIR_INV_PROTECTION_VMA]);
	EXPECT_LE(1U, st.invalidations[DRM_DEVMIR_INV_CLEAR]);
	EXPECT_LE(1U, st.walk_levels);
}

/* The latency histograms of a scope (QUERY LATENCY), in a new buffer. */
static struct drm_devmir_query_latency *lat_read(int fd, uint32_t flags)
{
	struct drm_devmir_query_latency *lat;
	uint32_t size = 0;

	if (dm_query(fd, DRM_DEVMIR_QUERY_LATENCY, flags, NULL, &size))
		return NULL;
	lat = calloc(1, size);
	if (lat && dm_query(fd, DRM_DEVMIR_QUERY_LATENCY, flags, lat, &size)) {
		free(lat);
		return NULL;
	}
	return lat;
}

/* The histogram @name; NULL when there is none. */
static const struct drm_devmir_latency *lat_hist(const struct drm_devmir_query_latency *lat,
						 const char *name)
{
	uint32_t i;

	for (i = 0; lat && i < lat->count; i++)
		if (!strcmp(lat->hist[i].name, name))
			return &lat->hist[i];
	return NULL;
}

/* Samples of @name, or UINT64_MAX if there is no such histogram. */
static uint64_t lat_count(const struct drm_devmir_query_latency *lat,
			  const char *name)
{
	const struct drm_devmir_latency *h = lat_hist(lat, name);

	return h ? h->count : UINT64_MAX;
}

/* Every histogram is consistent: buckets add up, max within the sum. */
static int lat_consistent(const struct drm_devmir_query_latency *lat)
{
	uint64_t sum;
	uint32_t i, b;

	for (i = 0; i < lat->count; i++) {
		const struct drm_devmir_latency *h = &lat->hist[i];
		int top = -1;

		for (sum = 0, b = 0; b < DRM_DEVMIR_LAT_BUCKETS; b++) {
			sum += h->buckets[b];
			if (h->buckets[b])
				top = b;
		}
		/* The largest sample lies in the highest non-empty bucket. */
		if (sum != h->count || h->max_ns > h->sum_ns ||
		    (top > 0 && h->max_ns < 1ULL << top) ||
		    (top >= 0 && top < DRM_DEVMIR_LAT_BUCKETS - 1 &&
		     h->max_ns >= 2ULL << top))
			return -1 - (int)i;
	}
	return 0;
}

TEST_F(query, latency_size_and_names)
{
	static const char *const names[] = {
		"fault_4k", "fault_64k", "fault_2m", "to_device_4k",
		"to_device_64k", "to_device_2m", "to_system_4k",
		"to_system_64k", "to_system_2m", "invalidate",
	};
	struct drm_devmir_query_latency *lat;
	uint32_t size = 0, need, i;
	uint8_t *p;

	ASSERT_EQ(0, dm_query(self->fd, DRM_DEVMIR_QUERY_LATENCY, 0, NULL, &size));
	need = sizeof(*lat) + 10 * sizeof(struct drm_devmir_latency);
	EXPECT_EQ(need, size);
	p = malloc(size);
	ASSERT_NE(NULL, p);
	memset(p, 0xa5, size);
	size--;
	EXPECT_EQ(-EINVAL, dm_query(self->fd, DRM_DEVMIR_QUERY_LATENCY, 0, p, &size));
	EXPECT_EQ(-1, buf_check_byte(p, need, 0xa5));
	free(p);
	size = need;
	EXPECT_EQ(-EFAULT, dm_query(self->fd, DRM_DEVMIR_QUERY_LATENCY, 0,
				 (void *)DM_KERNEL_ADDR, &size));

	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	EXPECT_EQ(10U, lat->count);
	EXPECT_EQ((uint32_t)DRM_DEVMIR_LAT_BUCKETS, lat->nbuckets);
	for (i = 0; i < 10 && i < lat->count; i++) {
		EXPECT_STREQ(names[i], lat->hist[i].name);
		/* Just reset by the fixture. */
		EXPECT_EQ(0U, lat->hist[i].count);
	}
	free(lat);
}

/*
 * One sample per device fault serviced, by the size it mapped; one per
 * migration window, by direction and size; one per invalidation applied.
 * RESET_STATS empties them.
 */
TEST_F(query, latency_samples_by_kind_and_size)
{
	struct query_stats *qs = &self->qs;
	struct drm_devmir_query_latency *lat;
	struct drm_devmir_migrate m;
	size_t size = KIB(64);
	uint8_t *b;

	/* 16 faults of the page alone (the fixture's 4 KiB window). */
	ASSERT_EQ(0, dm_read(self->fd, self->buf, self->size, self->out));
	ASSERT_EQ(0, query_values(self->fd, qs, 0));
	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	EXPECT_EQ(0, lat_consistent(lat));
	EXPECT_EQ(stat_value(qs, "faults"), lat_count(lat, "fault_4k"));
	EXPECT_EQ(self->size / PAGE, lat_count(lat, "fault_4k"));
	EXPECT_EQ(0U, lat_count(lat, "fault_64k"));
	EXPECT_EQ(0U, lat_count(lat, "to_device_64k"));
	free(lat);

	/* A 64 KiB window: one fault for a 64 KiB-aligned buffer. */
	b = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);
	buf_fill(b, size, 5);
	ASSERT_EQ(0, dm_set_window(self->fd, KIB(64)));
	ASSERT_EQ(0, dm_read(self->fd, b, size, self->out));
	/* One window each way, 64 KiB: one sample each. */
	ASSERT_EQ(0, dm_to_device(self->fd, b, size, &m));
	ASSERT_EQ(0, dm_to_system(self->fd, b, size, &m));
	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	EXPECT_EQ(0, lat_consistent(lat));
	EXPECT_EQ(1U, lat_count(lat, "fault_64k"));
	EXPECT_EQ(1U, lat_count(lat, "to_device_64k"));
	EXPECT_EQ(1U, lat_count(lat, "to_system_64k"));
	EXPECT_EQ(0U, lat_count(lat, "to_device_2m"));
	/* The migration's own invalidations reached the mirror. */
	EXPECT_LE(1U, lat_count(lat, "invalidate"));
	free(lat);

	/* munmap: one more invalidation applied. */
	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	ASSERT_EQ(0, munmap(b, size));
	{
		struct drm_devmir_query_latency *after = lat_read(self->fd, 0);

		ASSERT_NE(NULL, after);
		EXPECT_LT(lat_count(lat, "invalidate"), lat_count(after, "invalidate"));
		free(after);
	}
	free(lat);

	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	for (uint32_t i = 0; i < lat->count; i++) {
		EXPECT_EQ(0U, lat->hist[i].count) TH_LOG("%s", lat->hist[i].name);
		EXPECT_EQ(0U, lat->hist[i].sum_ns);
		EXPECT_EQ(0U, lat->hist[i].max_ns);
	}
	free(lat);
}

/* A CPU fault on a device page is a migration to system memory too. */
TEST_F(query, latency_cpu_fault_counts_to_system)
{
	struct drm_devmir_query_latency *lat;
	struct drm_devmir_migrate m;
	uint64_t n = 0;

	ASSERT_EQ(0, dm_to_device(self->fd, self->buf, self->size, &m));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	/* The CPU brings its ram window back. */
	EXPECT_EQ(-1, buf_check(self->buf, PAGE, 3));
	lat = lat_read(self->fd, 0);
	ASSERT_NE(NULL, lat);
	n = lat_count(lat, "to_system_4k") + lat_count(lat, "to_system_64k") +
	    lat_count(lat, "to_system_2m");
	EXPECT_EQ(1U, n);
	EXPECT_EQ(0, lat_consistent(lat));
	free(lat);
}

/* The device scope holds every mirror's samples; the mirror scope its own. */
TEST_F(query, latency_device_scope_covers_other_mirrors)
{
	struct drm_devmir_query_latency *dev0, *dev1, *mine;
	int status;
	pid_t pid;

	dev0 = lat_read(self->fd, DRM_DEVMIR_QUERY_DEVICE);
	ASSERT_NE(NULL, dev0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = dm_open(0);

		_exit(fd < 0 || dm_set_window(fd, KIB(4)) ||
		      dm_read(fd, self->buf, 4 * PAGE, self->out) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	dev1 = lat_read(self->fd, DRM_DEVMIR_QUERY_DEVICE);
	mine = lat_read(self->fd, 0);
	ASSERT_NE(NULL, dev1);
	ASSERT_NE(NULL, mine);
	EXPECT_LE(lat_count(dev0, "fault_4k") + 4, lat_count(dev1, "fault_4k"));
	EXPECT_EQ(0U, lat_count(mine, "fault_4k"));
	EXPECT_EQ(0, lat_consistent(dev1));
	free(dev0);
	free(dev1);
	free(mine);
}

/* A file used by another process is refused, as for every ioctl. */
TEST_F(query, foreign_process_ebadf)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t size = 0;

		_exit(dm_query(self->fd, DRM_DEVMIR_QUERY_STAT_DESC, 0, NULL,
			    &size) == -EBADF ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
