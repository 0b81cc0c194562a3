/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakedev.h - a fake devmirror render node for host tests: an ioctl()
 * override that answers the DRM version query and every devmirror ioctl on
 * descriptors of /dev/null, as the driver would (same argument checks), and
 * passes every other ioctl to the kernel.
 *
 * Linked into a test program it overrides ioctl() for the static library
 * and for libdrm.so alike; built as fakedev.so it is LD_PRELOADed into the
 * CLI. The environment configures it when it first answers:
 *   FAKEDEV_NAME   DRM driver name (default "devmirror")
 *   FAKEDEV_ABI    ABI version GET_INFO reports (default 1)
 *   FAKEDEV_INDEX  device index (default 0)
 *   FAKEDEV_MIGRATE_BUSY  when set, MIGRATE finds every page busy
 *   FAKEDEV_NO_LATENCY  when set, QUERY LATENCY is refused (an older driver)
 *   FAKEDEV_DENY   a path whose open() fails with EACCES
 */
#ifndef _FAKEDEV_H
#define _FAKEDEV_H

#include <stdbool.h>
#include <stdint.h>

#define FAKEDEV_MAX_LOG 16

/* Values the fake reports; tests compare against them. */
#define FAKEDEV_ASID 7
#define FAKEDEV_TLB_ENTRIES 64
#define FAKEDEV_TLB_WAYS 4
#define FAKEDEV_FQ_ENTRIES 64
#define FAKEDEV_ENGINES 2
#define FAKEDEV_TXN_BYTES 1024
#define FAKEDEV_DRV_PATCH 5
#define FAKEDEV_DEVMEM (64ULL << 20)
/*
 * QUERY STAT_VALUES: value k is FAKEDEV_STAT(k, flags) (flags: the query's);
 * STATS (ABI 1): the k-th 64-bit value after flags/pad.
 */
#define FAKEDEV_STAT(k, flags) (1000ULL + (k) + ((flags) ? 500000ULL : 0))

/**
 * struct fakedev_stat - One statistic the fake describes (QUERY STAT_DESC).
 * @name: Its name.
 * @gauge: 1 for DRM_DEVMIR_STAT_GAUGE, 0 for a counter.
 * @driver: 1 for DRM_DEVMIR_STAT_DRIVER.
 */
struct fakedev_stat {
	const char *name;
	unsigned int gauge;
	unsigned int driver;
};

/* The fake's statistics: framework, driver, gauges, and one no library knows. */
static const struct fakedev_stat fakedev_stat_desc[] __attribute__((unused)) = {
	{ "faults", 0, 0 },	      { "pages_mapped", 0, 0 },
	{ "inv_unmap", 0, 0 },	      { "dirs_pruned", 0, 0 },
	{ "table_bytes", 1, 0 },      { "mirrors", 1, 0 },
	{ "table_entries_l0", 1, 0 }, { "table_entries_l1", 1, 0 },
	{ "table_dirs_l0", 1, 0 },    { "table_dirs_l1", 1, 0 },
	{ "faults_raised", 0, 1 },    { "tlb_hits", 0, 1 },
	{ "tlb_misses", 0, 1 },	      { "walks", 0, 1 },
	{ "accesses", 0, 1 },	      { "fake_widgets", 0, 1 },
};

#define FAKEDEV_NSTATS \
	(sizeof(fakedev_stat_desc) / sizeof(fakedev_stat_desc[0]))

/*
 * QUERY LATENCY: histogram k is named fakedev_lat_names[k] and holds
 * FAKEDEV_LAT_COUNT(k, flags) samples, all in bucket 10 + k (a sum of that
 * many times 2^(10 + k) ns, the largest 2^(11 + k) - 1 ns).
 */
static const char *const fakedev_lat_names[] __attribute__((unused)) = {
	"fault_4k", "to_device_2m", "invalidate",
};
#define FAKEDEV_NLAT 3
#define FAKEDEV_LAT_COUNT(k, flags) (10ULL * ((k) + 1) + ((flags) ? 7 : 0))

/**
 * struct fakedev_advice - One range ADVISE set (the uAPI's
 * drm_devmir_attr_range, spelled out: the CLI tests see no uAPI header).
 * @addr: First address.
 * @size: Bytes.
 * @mask: Attributes set.
 * @preferred_loc: Preferred location.
 * @accessed_by: Accessed-by.
 * @thrash_rounds: Thrashing rounds.
 * @thrash_hold_ms: Thrashing hold.
 * @granularity: Migration granularity.
 * @fault_window: Fault-ahead window.
 */
struct fakedev_advice {
	uint64_t addr;
	uint64_t size;
	uint32_t mask;
	uint32_t preferred_loc;
	uint32_t accessed_by;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
	uint64_t granularity;
	uint64_t fault_window;
};

/**
 * struct fakedev - The fake's configuration and what it saw.
 * @name: DRM driver name it reports.
 * @abi: ABI version it reports.
 * @index: Device index it reports.
 * @eintr: Fail this many coming devmirror ioctls with EINTR.
 * @eagain: Then fail this many with EAGAIN.
 * @fail_errno: Then fail every devmirror ioctl with this errno (0: none).
 * @snap_bad: SNAPSHOT returns this byte for every page when non-zero.
 * @calls: devmirror ioctls received (VERSION excluded).
 * @access_calls: ACCESS ioctls that got to run.
 * @access_size: Sizes of the first ACCESS ioctls.
 * @snap_calls: SNAPSHOT ioctls that got to run.
 * @snap_addr: Addresses of the first SNAPSHOT ioctls.
 * @snap_npages: Page counts of the first SNAPSHOT ioctls.
 * @stats_flags: Flags of the last STATS or QUERY STAT_VALUES.
 * @reset_flags: Flags of the last RESET_STATS, -1 before any.
 * @policy_flags: Flags of the last SET_POLICY.
 * @fault_batch: The policy's batch.
 * @fault_window: The policy's window.
 * @migrate_mode: The policy's migration mode.
 * @migrate_threshold: The policy's migration threshold.
 * @ram_window: The policy's window of CPU faults on device pages.
 * @thrash_rounds: The policy's round trips that make a region thrashing.
 * @thrash_hold_ms: The policy's hold of a thrashing region.
 * @migrate_busy: MIGRATE reports every page busy (FAIL_BUSY) when true,
 *	else every page migrated.
 * @migrate_calls: MIGRATE ioctls that got to run.
 * @migrate_addr: Addresses of the first MIGRATE ioctls.
 * @migrate_size: Sizes of the first MIGRATE ioctls.
 * @migrate_dir: Direction of the last MIGRATE.
 * @migrate_flags: Flags of the last MIGRATE.
 * @no_latency: QUERY LATENCY is refused with EINVAL, as by a driver
 *	older than the histograms.
 * @lat_buckets: Bucket count QUERY LATENCY reports (0: the right one).
 * @lat_flags: Flags of the last QUERY LATENCY.
 * @advise_calls: ADVISE ioctls that got to run.
 * @advise_flags: Flags of the last ADVISE.
 * @nr_advice: Ranges in @advice.
 * @advice: What ADVISE set, one range per call in call order (no split or
 *	merge: the fake checks marshalling, not the storage); an ADVISE with
 *	DRM_DEVMIR_ADVISE_CLEAR empties it. ADVISE_QUERY reports those that
 *	overlap its range.
 */
struct fakedev {
	char name[32];
	unsigned int abi;
	unsigned int index;
	int eintr;
	int eagain;
	int fail_errno;
	uint8_t snap_bad;
	unsigned int calls;
	unsigned int access_calls;
	uint64_t access_size[FAKEDEV_MAX_LOG];
	unsigned int snap_calls;
	uint64_t snap_addr[FAKEDEV_MAX_LOG];
	uint64_t snap_npages[FAKEDEV_MAX_LOG];
	uint32_t stats_flags;
	int64_t reset_flags;
	uint32_t policy_flags;
	uint32_t fault_batch;
	uint64_t fault_window;
	uint32_t migrate_mode;
	uint32_t migrate_threshold;
	uint64_t ram_window;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
	bool migrate_busy;
	unsigned int migrate_calls;
	uint64_t migrate_addr[FAKEDEV_MAX_LOG];
	uint64_t migrate_size[FAKEDEV_MAX_LOG];
	uint32_t migrate_dir;
	uint32_t migrate_flags;
	bool no_latency;
	uint32_t lat_buckets;
	uint32_t lat_flags;
	unsigned int advise_calls;
	uint32_t advise_flags;
	unsigned int nr_advice;
	struct fakedev_advice advice[FAKEDEV_MAX_LOG];
};

/* The fake's state, set up from the environment on first use. */
extern struct fakedev fakedev;

/**
 * fakedev_reset() - Forget what was seen and reload the configuration from
 * the environment.
 *
 * Context: Test program, single-threaded.
 */
void fakedev_reset(void);

/**
 * fakedev_snap_byte() - Snapshot byte the fake reports for a page.
 * @page: Page number (address / 4096).
 *
 * Context: Any.
 * Return: One of eight bytes covering every state, level and flag.
 */
uint8_t fakedev_snap_byte(uint64_t page);

#endif /* _FAKEDEV_H */
