// SPDX-License-Identifier: GPL-2.0
/*
 * dm_bench.c - measure one device-mirroring front end (or the CPU-only
 * baselines) and print one row per repetition:
 *
 *   @@DM-BENCH,<metric>,<label>,<x>,<rep>,<value>,<bytes>
 *
 * <value> is seconds for timed metrics, bytes for memory metrics and
 * munmaps per second for churn_rate; <x> is
 * the size (or fault-ahead window) the row belongs to; <bytes> is how much
 * the repetition moved or mirrored. tests/bench/report turns the rows of
 * one VM boot into medians, ratios, CSV, JSON and plots.
 *
 * Nothing here judges speed. What is checked, as TAP lines, is that the
 * measurement measured what it claims: every read returned the buffer byte
 * for byte, THP-backed buffers really were, every page migrated both ways
 * with its data intact, the mirror emptied after munmap, pages of a
 * device-coherent device stayed in its memory while the CPU used them, and
 * every timing is a positive finite number. `make check` runs this at tiny sizes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devmir_test.h"
#include "dm_bench.h"
#include "stress.h"
#include "tap.h"

#define BENCH_MAX_LIST 16
#define BENCH_MAX_PROCS 256

/**
 * struct bench_opts - What to measure, from the command line.
 * @backend: Front end, NULL for the CPU-only baselines.
 * @label: Name of the rows (native, compat, test_hmm, cpu).
 * @groups: Comma-separated groups: fault, migrate, scale, window, mem, churn,
 *	pingpong, mirrors, shootdown, sparse, cpuaccess.
 * @size: Buffer of the fault group.
 * @migrate_size: Buffer of the migrate group.
 * @window_size: Buffer of the window and churn groups.
 * @mem_size: The smaller buffer of the mem group (the other is twice it).
 * @reps: Repetitions of each measurement.
 * @first_rep: Number of the first repetition in the rows (-R), so that
 *	repetitions run as separate, interleaved processes stay apart.
 * @window: Fault-ahead window set on native devices (0: device default).
 * @scale: Sizes of the scale group.
 * @nscale: How many.
 * @windows: Windows of the window group.
 * @nwindows: How many.
 * @pingpong: Rounds of one pingpong run.
 * @procs: Process counts of the mirrors group.
 * @nprocs: How many.
 * @device: Device index of the backend (-d), or -1 for its first device
 *	with device-coherent memory (-d coherent).
 */
struct bench_opts {
	const struct bench_backend *backend;
	const char *label;
	const char *groups;
	size_t size, migrate_size, window_size, mem_size;
	int reps, first_rep;
	uint64_t window;
	size_t scale[BENCH_MAX_LIST];
	int nscale;
	uint64_t windows[BENCH_MAX_LIST];
	int nwindows;
	int pingpong;
	int procs[BENCH_MAX_LIST];
	int nprocs;
	int device;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Timings must be real: a zero, negative or non-finite one is a bug here. */
static bool timings_sane = true;

static void row(const char *metric, const struct bench_opts *o, uint64_t x,
		int rep, double value, uint64_t bytes)
{
	if (!isfinite(value) || value <= 0)
		timings_sane = false;
	printf("@@DM-BENCH,%s,%s,%llu,%d,%.9g,%llu\n", metric, o->label,
	       (unsigned long long)x, o->first_rep + rep, value,
	       (unsigned long long)bytes);
	fflush(stdout);
}

static void row_bytes(const char *metric, const struct bench_opts *o,
		      uint64_t x, int rep, long long value)
{
	printf("@@DM-BENCH,%s,%s,%llu,%d,%lld,%llu\n", metric, o->label,
	       (unsigned long long)x, o->first_rep + rep, value,
	       (unsigned long long)x);
	fflush(stdout);
}

/*
 * A buffer of @size, 2 MiB aligned, THP-backed or not, every page written
 * by the CPU (so that device faults find pages to map, as after any real
 * initialisation) with each word holding its own address.
 */
static uint64_t *bench_buffer(size_t size, bool thp)
{
	uint64_t *p, *end;

	p = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (end = p + size / 8; p < end; p++)
		*p = (uintptr_t)p;
	return end - size / 8;
}

/*
 * The buffer device reads land in: one per process, one chunk large,
 * populated once, so that no measured read pays for faulting it in and
 * every measurement writes to the same, already mapped pages.
 *
 * It starts 17 pages past a 2 MiB boundary. Under TCG, QEMU's software TLB
 * is direct-mapped and both sides of a kernel-to-user copy use the same
 * MMU index: copying page i of a THP (2 MiB-aligned in the kernel's direct
 * map) to page i of a 2 MiB-aligned buffer makes source and destination
 * evict each other's entry on every access, several times slower than any
 * real TLB. An odd page offset takes that artefact out for both devices.
 */
#define BENCH_OUT_SKEW (17 * PAGE)

static void *bench_out(size_t chunk)
{
	static void *out;
	uintptr_t base;
	size_t len = chunk + HUGE_2M + BENCH_OUT_SKEW;

	if (!out) {
		base = (uintptr_t)mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((void *)base == MAP_FAILED)
			return NULL;
		madvise((void *)base, len, MADV_NOHUGEPAGE);
		memset((void *)base, 0, len);
		out = (void *)(((base + HUGE_2M - 1) & ~(HUGE_2M - 1)) + BENCH_OUT_SKEW);
	}
	return out;
}

/* The first word whose value is not its address, or NULL. */
static const uint64_t *bench_bad_word(const uint64_t *p, size_t size)
{
	const uint64_t *end = p + size / 8;

	for (; p < end; p++)
		if (*p != (uintptr_t)p)
			return p;
	return NULL;
}

/*
 * Device-read [@buf, @buf + @size) chunk by chunk; returns the seconds the
 * commands took (the comparison of each chunk with the buffer is not
 * timed), or a negative errno. *@exact is cleared on any difference.
 */
static double bench_read(const struct bench_backend *be, struct bench_dev *dev,
			 void *buf, size_t size, void *out, bool *exact)
{
	size_t chunk = be->max_chunk, done;
	double t = 0, t0;
	int ret;

	for (done = 0; done < size; done += chunk) {
		if (chunk > size - done)
			chunk = size - done;
		t0 = now();
		ret = be->read(dev, (char *)buf + done, chunk, out);
		t += now() - t0;
		if (ret)
			return ret;
		if (memcmp(out, (char *)buf + done, chunk))
			*exact = false;
	}
	return t;
}

/*
 * The device index the options name: -d N, or for -d coherent the first
 * render node with device-coherent memory, or test_hmm's first
 * device-coherent device, 2 (test_hmm.ko given spm_addr_dev0/1, or
 * devmirror_sim.ko hmm_compat=1 given coherent_addr=). -1: none.
 */
static int bench_index(const struct bench_opts *o)
{
	if (o->device >= 0)
		return o->device;
	if (o->backend == &bench_native)
		return dm_kind_index(DRM_DEVMIR_MEMORY_COHERENT, 0);
	return 2;
}

static int bench_open(const struct bench_opts *o, struct bench_dev *dev)
{
	int index = bench_index(o), ret;

	ret = index < 0 ? -ENODEV : o->backend->open(dev, index);
	if (ret) {
		fprintf(stderr, "dm_bench: %s: open device %d: %s\n", o->label,
			index, strerror(-ret));
		return ret;
	}
	if (o->window && o->backend->set_window) {
		ret = o->backend->set_window(dev, o->window);
		if (ret) {
			fprintf(stderr, "dm_bench: set window %llu: %s\n",
				(unsigned long long)o->window, strerror(-ret));
			o->backend->close(dev);
		}
	}
	return ret;
}

/*
 * The fault group for one page kind: cold device read (faults), warm
 * re-read (mirror and TLB hits), mirror memory, mprotect and munmap of the
 * fully mirrored range, mirror memory after the munmap. The CPU label
 * measures mprotect and munmap of the same buffer without a device: the
 * kernel's own share of those calls.
 */
static void group_fault(const struct bench_opts *o, bool thp)
{
	const struct bench_backend *be = o->backend;
	const char *kind = thp ? "thp" : "4k";
	bool exact = true, thp_ok = true, calls_ok = true, emptied = true;
	size_t size = o->size, chunk = be ? be->max_chunk : 0;
	long long thp_kb_min = -1;
	char metric[32];
	void *out = NULL;
	int rep;

	if (be) {
		out = bench_out(chunk);
		if (!out) {
			dm_tap(false, "%s_fault_%s_setup", o->label, kind);
			return;
		}
	}
	for (rep = 0; rep < o->reps; rep++) {
		struct bench_dev dev;
		long long slab0 = 0, bytes;
		uint64_t *buf;
		double t, t0;
		long kb;

		buf = bench_buffer(size, thp);
		if (!buf) {
			calls_ok = false;
			break;
		}
		kb = thp_kib(buf);
		if (thp && (thp_kb_min < 0 || kb < thp_kb_min))
			thp_kb_min = kb;
		if (thp && kb < (long)(size >> 10) * 9 / 10)
			thp_ok = false;

		if (be) {
			slab0 = bench_xa_node_bytes();
			if (bench_open(o, &dev)) {
				calls_ok = false;
				munmap(buf, size);
				break;
			}
			t = bench_read(be, &dev, buf, size, out, &exact);
			if (t < 0)
				goto fail;
			snprintf(metric, sizeof(metric), "fault_%s", kind);
			row(metric, o, size, rep, t, size);

			t = bench_read(be, &dev, buf, size, out, &exact);
			if (t < 0)
				goto fail;
			snprintf(metric, sizeof(metric), "warm_%s", kind);
			row(metric, o, size, rep, t, size);

			bytes = be->table_bytes(&dev);
			if (bytes < 0)
				bytes = bench_xa_node_bytes() - slab0;
			snprintf(metric, sizeof(metric), "mem_%s", kind);
			row_bytes(metric, o, size, rep, bytes);
		}

		t0 = now();
		if (mprotect(buf, size, PROT_READ))
			calls_ok = false;
		t = now() - t0;
		snprintf(metric, sizeof(metric), "mprotect_%s", kind);
		row(metric, o, size, rep, t, size);

		/* test_hmm drops what mprotect downgrades: mirror it all again. */
		if (be && bench_read(be, &dev, buf, size, out, &exact) < 0)
			goto fail;

		t0 = now();
		if (munmap(buf, size))
			calls_ok = false;
		t = now() - t0;
		snprintf(metric, sizeof(metric), "munmap_%s", kind);
		row(metric, o, size, rep, t, size);

		if (be) {
			bytes = be->table_bytes(&dev);
			if (bytes >= 0) {
				struct drm_devmir_stats st;

				if (dm_stats(dev.fd, 0, &st) || dm_dirs(&st) != 1 ||
				    dm_entries(&st))
					emptied = false;
			} else {
				bytes = bench_xa_node_bytes() - slab0;
			}
			snprintf(metric, sizeof(metric), "mem_after_%s", kind);
			row_bytes(metric, o, size, rep, bytes);
			be->close(&dev);
		}
		continue;
fail:
		calls_ok = false;
		be->close(&dev);
		munmap(buf, size);
		break;
	}

	dm_tap(calls_ok, "%s_fault_%s_calls_succeed", o->label, kind);
	if (be)
		dm_tap(exact, "%s_fault_%s_reads_exact", o->label, kind);
	if (thp) {
		printf("# %s: AnonHugePages at least %lld of %zu KiB\n", o->label,
		       thp_kb_min, size >> 10);
		dm_tap(thp_ok, "%s_fault_thp_backed", o->label);
	}
	if (be && be->table_bytes == bench_native.table_bytes)
		dm_tap(emptied, "%s_fault_%s_root_only_after_munmap", o->label, kind);
}

/* The phases of a migration window the core times (DOC: Migration). */
static const char *const migrate_phases[] = {
	"setup", "alloc", "copy", "pages", "finalize", "refresh",
};
#define NPHASES (sizeof(migrate_phases) / sizeof(migrate_phases[0]))

/* The mirror's phase counters (ns) of the render node; false if absent. */
static bool read_phases(int fd, uint64_t *ns)
{
	char name[40];
	size_t i;

	for (i = 0; i < NPHASES; i++) {
		snprintf(name, sizeof(name), "migrate_%s_ns", migrate_phases[i]);
		if (dm_stat(fd, 0, name, &ns[i]))
			return false;
	}
	return true;
}

/*
 * Whether @moved, what a MIGRATE of @chunk bytes reported, says that every
 * page moved. 7.x's test_hmm counts a 2 MiB entry it moved whole once, as
 * one page (entries with MIGRATE_PFN_VALID and _MIGRATE): through test_hmm's
 * ABI a THP-backed chunk moved whole or split reports between one per
 * 2 MiB and one per page. The data check after the round trip still
 * checks every word.
 */
static bool moved_counts_all(const struct bench_backend *be, bool thp,
			     size_t chunk, uint64_t moved)
{
	if (moved == chunk / PAGE)
		return true;
	return thp && be == &bench_hmm && moved >= chunk / HUGE_2M &&
	       moved < chunk / PAGE;
}

/*
 * Migration to device memory and back (a front end), of 4 KiB pages
 * (rows migrate_to_dev, migrate_to_sys) or of a THP-backed buffer
 * (migrate_thp_to_dev, migrate_thp_to_sys: moved whole where the kernel
 * has device-private THP, else split); or the CPU baselines over the same
 * bytes: memcpy (the bandwidth limit) and move_pages between NUMA nodes 0
 * and 1 (what a user would do without a device).
 */
static void group_migrate_device(const struct bench_opts *o, bool thp)
{
	static const char *const metric[2][2] = {
		{ "migrate_to_dev", "migrate_to_sys" },
		{ "migrate_thp_to_dev", "migrate_thp_to_sys" },
	};
	const struct bench_backend *be = o->backend;
	size_t size = o->migrate_size, chunk = be->max_chunk, done;
	bool moved_all = true, intact = true, calls_ok = true, huge = true;
	const char *kind = thp ? "_thp" : "";
	uint64_t moved;
	void *scratch;
	int rep, dir;

	if (chunk > size)
		chunk = size;
	scratch = malloc(chunk);
	if (!scratch) {
		dm_tap(false, "%s_migrate_setup", o->label);
		return;
	}
	for (rep = 0; rep < o->reps && calls_ok; rep++) {
		struct bench_dev dev;
		uint64_t *buf = bench_buffer(size, thp);

		if (!buf || bench_open(o, &dev)) {
			calls_ok = false;
			if (buf)
				munmap(buf, size);
			break;
		}
		if (thp && thp_kib(buf) < (long)(size >> 10))
			huge = false;
		for (dir = 0; dir < 2; dir++) {
			uint64_t ph0[NPHASES], ph1[NPHASES];
			bool phases = !strcmp(be->name, "native") &&
				      read_phases(dev.fd, ph0);
			double t = 0, t0;
			size_t p;

			for (done = 0; done < size; done += chunk) {
				t0 = now();
				if (be->migrate(&dev, (char *)buf + done, chunk,
						dir == 0, scratch, &moved))
					calls_ok = false;
				t += now() - t0;
				if (!moved_counts_all(be, thp, chunk, moved))
					moved_all = false;
			}
			row(metric[thp][dir], o, size, rep, t, size);
			/* Where the time went, by phase (seconds), of 4 KiB pages. */
			if (!thp && phases && read_phases(dev.fd, ph1)) {
				for (p = 0; p < NPHASES; p++) {
					char metric[64];

					snprintf(metric, sizeof(metric), "migrate_phase_%s_%s",
						 migrate_phases[p], dir == 0 ? "dev" : "sys");
					/* Not row(): a phase may take no measurable time. */
					printf("@@DM-BENCH,%s,%s,%zu,%d,%.9g,%zu\n", metric,
					       o->label, size, o->first_rep + rep,
					       (ph1[p] - ph0[p]) / 1e9, size);
				}
			}
		}
		if (bench_bad_word(buf, size))
			intact = false;
		be->close(&dev);
		munmap(buf, size);
	}
	free(scratch);
	dm_tap(calls_ok, "%s_migrate%s_calls_succeed", o->label, kind);
	dm_tap(moved_all, "%s_migrate%s_every_page_moved_both_ways", o->label, kind);
	dm_tap(intact, "%s_migrate%s_data_intact", o->label, kind);
	if (thp)
		dm_tap(huge, "%s_migrate_thp_buffers_thp_backed", o->label);
}

/* Migrate all of [@buf, @buf + @size) to the device; false on any failure. */
static bool bench_to_device(const struct bench_backend *be, struct bench_dev *dev,
			    void *buf, size_t size, void *scratch, bool *moved_all)
{
	size_t chunk = be->max_chunk < size ? be->max_chunk : size, done;
	uint64_t moved;

	for (done = 0; done < size; done += chunk) {
		if (be->migrate(dev, (char *)buf + done, chunk, true, scratch, &moved))
			return false;
		if (moved != chunk / PAGE)
			*moved_all = false;
	}
	return true;
}

/*
 * The CPU reads every word of @buf (checking that each holds its own
 * address) or writes it again; the seconds it took. *@exact is cleared on a
 * wrong word.
 */
static double bench_cpu_touch(uint64_t *buf, size_t size, bool write, bool *exact)
{
	volatile uint64_t *p = buf, *end = buf + size / 8;
	uint64_t bad = 0;
	double t0 = now();

	if (write) {
		for (; p < end; p++)
			*p = (uintptr_t)p;
	} else {
		for (; p < end; p++)
			bad |= *p ^ (uintptr_t)p;
	}
	t0 = now() - t0;
	if (bad)
		*exact = false;
	return t0;
}

/*
 * CPU access to device memory: the migrate group's buffer is migrated to
 * the device, then the CPU reads all of it (cpuaccess_read); migrated
 * again, the CPU writes all of it (cpuaccess_write). On device-private
 * memory every touch of a page still on the device faults and migrates
 * (a window of) it back; on device-coherent memory the CPU reads and
 * writes the device's memory directly. The CPU label does the same on a
 * buffer in system memory: the plain cost of the loop. For the render
 * node the pool says where the pages ended up: on a coherent device all
 * of them are still in device memory after the CPU touched them.
 */
static void group_cpuaccess(const struct bench_opts *o)
{
	const struct bench_backend *be = o->backend;
	size_t size = o->migrate_size, n = size / PAGE;
	bool moved_all = true, exact = true, calls_ok = true, placed = true;
	bool native = be == &bench_native, coherent = false, again;
	struct drm_devmir_get_info info;
	void *scratch = NULL;
	int rep, w;

	if (be) {
		scratch = malloc(be->max_chunk < size ? be->max_chunk : size);
		if (!scratch) {
			dm_tap(false, "%s_cpuaccess_setup", o->label);
			return;
		}
	}
	for (rep = 0; rep < o->reps && calls_ok; rep++) {
		uint64_t *buf = bench_buffer(size, false);
		struct bench_dev dev;

		if (!buf || (be && bench_open(o, &dev))) {
			calls_ok = false;
			if (buf)
				munmap(buf, size);
			break;
		}
		if (native && !dm_info(dev.fd, &info))
			coherent = info.memory_kind == DRM_DEVMIR_MEMORY_COHERENT;
		for (w = 0; w < 2; w++) {
			uint64_t used0 = native ? dm_devmem_used(dev.fd) : 0;
			double t;

			/* Only the first: coherent pages are still there for the second. */
			if (be && !bench_to_device(be, &dev, buf, size, scratch,
						   w ? &again : &moved_all))
				calls_ok = false;
			t = bench_cpu_touch(buf, size, w, &exact);
			row(w ? "cpuaccess_write" : "cpuaccess_read", o, size, rep, t, size);
			/* Coherent: every page still in device memory. */
			if (native && coherent && dm_devmem_used(dev.fd) != used0 + (w ? 0 : n))
				placed = false;
		}
		if (be)
			be->close(&dev);
		if (bench_bad_word(buf, size))
			exact = false;
		munmap(buf, size);
	}
	free(scratch);
	dm_tap(calls_ok, "%s_cpuaccess_calls_succeed", o->label);
	if (be)
		dm_tap(moved_all, "%s_cpuaccess_every_page_moved_to_device", o->label);
	dm_tap(exact, "%s_cpuaccess_data_exact", o->label);
	if (native && coherent)
		dm_tap(placed, "%s_cpuaccess_coherent_pages_stay_in_device_memory", o->label);
}

static bool bench_on_node(void **pages, size_t n, int node)
{
	int *status = calloc(n, sizeof(*status));
	bool ok = status != NULL;
	size_t i;

	if (ok && move_pages(0, n, pages, NULL, status, 0))
		ok = false;
	for (i = 0; ok && i < n; i++)
		if (status[i] != node)
			ok = false;
	free(status);
	return ok;
}

static void group_migrate_cpu(const struct bench_opts *o)
{
	size_t size = o->migrate_size, n = size / PAGE, i;
	bool exact = true, moved_ok = true;
	uint64_t *src, *dst_map;
	int *nodes, *status;
	char *dst;
	void **pages;
	int rep, dir;
	double t0;

	/* The destination is skewed like bench_out()'s, for the same reason. */
	src = bench_buffer(size, false);
	dst_map = bench_buffer(size + HUGE_2M, false);
	if (!src || !dst_map) {
		dm_tap(false, "cpu_memcpy_setup");
		return;
	}
	dst = (char *)dst_map + BENCH_OUT_SKEW;
	/*
	 * Two ways, the faster being the limit: one call (glibc may choose
	 * non-temporal stores for it) and one call per page, as a migration
	 * copies.
	 */
	for (rep = 0; rep < o->reps; rep++) {
		t0 = now();
		memcpy(dst, src, size);
		row("memcpy", o, size, rep, now() - t0, size);
		if (memcmp(dst, src, size))
			exact = false;
		memset(dst, 0, size);

		t0 = now();
		for (i = 0; i < n; i++)
			memcpy(dst + i * PAGE, (char *)src + i * PAGE, PAGE);
		row("memcpy_4k", o, size, rep, now() - t0, size);
		if (memcmp(dst, src, size))
			exact = false;
		memset(dst, 0, size);
	}
	munmap(dst_map, size + HUGE_2M);
	dm_tap(exact, "cpu_memcpy_exact");

	if (numa_available() < 0 || numa_max_node() < 1) {
		dm_tap_skip("fewer than two NUMA nodes", "cpu_move_pages");
		munmap(src, size);
		return;
	}
	pages = calloc(n, sizeof(*pages));
	nodes = calloc(n, sizeof(*nodes));
	status = calloc(n, sizeof(*status));
	if (!pages || !nodes || !status) {
		dm_tap(false, "cpu_move_pages_setup");
		goto out;
	}
	for (i = 0; i < n; i++)
		pages[i] = (char *)src + i * PAGE;
	/* Start on node 0; then each repetition goes to node 1 and back. */
	for (i = 0; i < n; i++)
		nodes[i] = 0;
	move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE);
	for (rep = 0; rep < o->reps; rep++) {
		for (dir = 1; dir >= 0; dir--) {
			for (i = 0; i < n; i++)
				nodes[i] = dir;
			t0 = now();
			if (move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE))
				moved_ok = false;
			row(dir ? "move_pages_to_1" : "move_pages_to_0", o, size,
			    rep, now() - t0, size);
			if (!bench_on_node(pages, n, dir))
				moved_ok = false;
		}
	}
	dm_tap(moved_ok, "cpu_move_pages_every_page_moved_both_ways");
	dm_tap(!bench_bad_word(src, size), "cpu_move_pages_data_intact");
out:
	free(pages);
	free(nodes);
	free(status);
	munmap(src, size);
}

/*
 * One cold device read of @size on a fresh buffer and mirror; seconds or
 * -errno. *@table receives the mirror's page-table bytes afterwards (the
 * slab's xarray-node growth for backends that cannot say).
 */
static double bench_cold_read(const struct bench_opts *o, size_t size, bool thp,
			      uint64_t window, bool *exact, long long *table)
{
	const struct bench_backend *be = o->backend;
	struct bench_opts with_window = *o;
	long long slab0 = bench_xa_node_bytes();
	struct bench_dev dev;
	uint64_t *buf;
	void *out;
	double t;

	buf = bench_buffer(size, thp);
	out = bench_out(be->max_chunk);
	if (!buf || !out) {
		t = -ENOMEM;
		goto out;
	}
	if (window)
		with_window.window = window;
	t = bench_open(&with_window, &dev);
	if (t)
		goto out;
	t = bench_read(be, &dev, buf, size, out, exact);
	*table = be->table_bytes(&dev);
	if (*table < 0)
		*table = bench_xa_node_bytes() - slab0;
	be->close(&dev);
out:
	if (buf)
		munmap(buf, size);
	return t;
}

/*
 * Mirror memory of THP leaves at -G and twice that (1 and 2 GiB by
 * default): what one more GiB costs
 * (the upper directories are paid once per mirror, whatever its size).
 * The device reads one word per 2 MiB, which faults in the whole huge
 * leaf, so no data need copying. Needs a backend that reports its table.
 */
static void group_mem_thp(const struct bench_opts *o)
{
	const struct bench_backend *be = o->backend;
	bool calls_ok = true, thp_ok = true;
	uint64_t word;
	size_t times;
	int rep;

	for (times = 1; times <= 2; times++) {
		size_t size = times * o->mem_size, off;

		for (rep = 0; rep < o->reps && calls_ok; rep++) {
			struct bench_dev dev;
			uint64_t *buf;

			buf = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE);
			if (buf == MAP_FAILED || bench_open(o, &dev)) {
				calls_ok = false;
				if (buf != MAP_FAILED)
					munmap(buf, size);
				break;
			}
			madvise(buf, size, MADV_HUGEPAGE);
			for (off = 0; off < size; off += HUGE_2M)
				*(uint64_t *)((char *)buf + off) = off;
			if (thp_kib(buf) < (long)(size >> 10) * 9 / 10)
				thp_ok = false;
			for (off = 0; off < size && calls_ok; off += HUGE_2M)
				if (be->read(&dev, (char *)buf + off, sizeof(word), &word) ||
				    word != off)
					calls_ok = false;
			row_bytes("mem_thp_sparse", o, size, rep, be->table_bytes(&dev));
			be->close(&dev);
			munmap(buf, size);
		}
	}
	dm_tap(calls_ok, "%s_mem_thp_reads_exact", o->label);
	dm_tap(thp_ok, "%s_mem_thp_backed", o->label);
}

/* Cold-read cost from the smallest to the largest size of -S. */
static void group_scale(const struct bench_opts *o)
{
	bool exact = true, calls_ok = true;
	int i, rep;
	double t;

	long long table;

	for (i = 0; i < o->nscale; i++) {
		for (rep = 0; rep < o->reps; rep++) {
			t = bench_cold_read(o, o->scale[i], false, 0, &exact, &table);
			if (t < 0) {
				calls_ok = false;
				break;
			}
			row("scale_fault_4k", o, o->scale[i], rep, t, o->scale[i]);
			row_bytes("scale_mem_4k", o, o->scale[i], rep, table);
		}
	}
	/* Mirror memory of THP leaves, where the fixed part weighs least. */
	for (rep = 0; rep < o->reps && o->nscale; rep++) {
		size_t size = o->scale[o->nscale - 1];

		if (bench_cold_read(o, size, true, 0, &exact, &table) < 0) {
			calls_ok = false;
			break;
		}
		row_bytes("scale_mem_thp", o, size, rep, table);
	}
	dm_tap(calls_ok, "%s_scale_calls_succeed", o->label);
	dm_tap(exact, "%s_scale_reads_exact", o->label);
}

/* Cold-read throughput as the fault-ahead window grows (-W). */
static void group_window(const struct bench_opts *o)
{
	bool exact = true, calls_ok = true;
	long long table;
	int i, rep;
	double t;

	if (!o->backend->set_window) {
		dm_tap_skip("no fault-ahead window on this front end",
			 "%s_window", o->label);
		return;
	}
	for (i = 0; i < o->nwindows; i++) {
		for (rep = 0; rep < o->reps; rep++) {
			t = bench_cold_read(o, o->window_size, false, o->windows[i],
					    &exact, &table);
			if (t < 0) {
				calls_ok = false;
				break;
			}
			row("window_fault_4k", o, o->windows[i], rep, t, o->window_size);
		}
	}
	dm_tap(calls_ok, "%s_window_calls_succeed", o->label);
	dm_tap(exact, "%s_window_reads_exact", o->label);
}

/*
 * Cold reads of -V (4 KiB pages) with the process quiet, with a thread
 * unmapping small buffers elsewhere in it (struct dm_churn), and with the
 * same churn in another process (the control: the same load on the guest's
 * CPUs, none of it in this mm): rows churn_quiet_4k, churn_busy_4k and
 * churn_apart_4k (seconds), churn_rate and churn_apart_rate (munmaps per
 * second during the read).
 */
static void group_churn(const struct bench_opts *o)
{
	bool exact = true, calls_ok = true;
	long long table;
	int rep;

	for (rep = 0; rep < o->reps; rep++) {
		struct dm_churn c, *apart;
		unsigned long cycles;
		double t, t0;

		t = bench_cold_read(o, o->window_size, false, 0, &exact, &table);
		if (t < 0) {
			calls_ok = false;
			break;
		}
		row("churn_quiet_4k", o, o->window_size, rep, t, o->window_size);

		/* 5,000 munmaps a second where the machine allows. */
		if (dm_churn_start(&c, 200)) {
			calls_ok = false;
			break;
		}
		t0 = now();
		t = bench_cold_read(o, o->window_size, false, 0, &exact, &table);
		t0 = now() - t0;
		if (dm_churn_stop(&c) || t < 0) {
			calls_ok = false;
			break;
		}
		row("churn_busy_4k", o, o->window_size, rep, t, o->window_size);
		row_bytes("churn_rate", o, o->window_size, rep,
			  (long long)(dm_churn_cycles(&c) / t0));

		if (dm_churn_start_apart(&apart, 200)) {
			calls_ok = false;
			break;
		}
		t0 = now();
		t = bench_cold_read(o, o->window_size, false, 0, &exact, &table);
		t0 = now() - t0;
		cycles = dm_churn_cycles(apart);
		if (dm_churn_stop_apart(apart) || t < 0) {
			calls_ok = false;
			break;
		}
		row("churn_apart_4k", o, o->window_size, rep, t, o->window_size);
		row_bytes("churn_apart_rate", o, o->window_size, rep,
			  (long long)(cycles / t0));
	}
	dm_tap(calls_ok, "%s_churn_calls_succeed", o->label);
	dm_tap(exact, "%s_churn_reads_exact", o->label);
}

/*
 * One ping-pong run: @rounds times, the device writes the 2 MiB at @buf
 * (word i of page p: i, but the first word of each page: round and p),
 * then the CPU checks what it wrote and writes itself: all of it (@full,
 * the first words inverted) or the first word of each page. Returns the
 * seconds it took, or a negative errno; *@sum receives a checksum of the
 * final contents and *@exact is cleared on a wrong value. @tmp holds the
 * device's data between rounds, so only the first words change.
 */
static double pingpong_run(struct bench_dev *dev, uint64_t *buf, uint64_t *tmp,
			   int rounds, bool full, uint64_t *sum, bool *exact)
{
	size_t i, n = HUGE_2M / 8, step = PAGE / 8;
	double t0;
	int r, ret;

	for (i = 0; i < n; i++)
		tmp[i] = i;
	t0 = now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i += step)
			tmp[i] = (uint64_t)r << 32 | i;
		ret = dm_write(dev->fd, buf, HUGE_2M, tmp);
		if (ret)
			return ret;
		if (full) {
			if (memcmp(buf, tmp, HUGE_2M))
				*exact = false;
			memcpy(buf, tmp, HUGE_2M);
		}
		for (i = 0; i < n; i += step) {
			if (!full && buf[i] != tmp[i])
				*exact = false;
			buf[i] = ~tmp[i];
		}
	}
	t0 = now() - t0;
	*sum = 0;
	for (i = 0; i < n; i++) {
		if (buf[i] != (i % step ? i : ~tmp[i]))
			*exact = false;
		*sum = *sum * 31 + buf[i];
	}
	return t0;
}

/*
 * CPU and device taking turns writing one 2 MiB region under the
 * FIRST_FAULT policy (DOC: Thrashing), -P rounds: the device writes all of
 * it in one command; the CPU checks and rewrites all of it (rows
 * pingpong_{on,off}_full) or one word of each page (pingpong_{on,off}_page,
 * which still moves every page both ways). "on" has the default thrashing
 * settings, "off" the watch turned off; both must leave the same data.
 */
static void group_pingpong(const struct bench_opts *o)
{
	bool exact = true, calls_ok = true, same = true;
	uint64_t *tmp = malloc(HUGE_2M);
	char metric[32];
	int rep, mode;

	if (!tmp) {
		dm_tap(false, "%s_pingpong_setup", o->label);
		return;
	}
	for (rep = 0; rep < 2 * o->reps && calls_ok; rep++) {
		bool full = !(rep % 2);
		uint64_t sums[2];

		for (mode = 0; mode < 2 && calls_ok; mode++) {
			struct bench_dev dev;
			uint64_t *buf;
			double t;

			buf = bench_buffer(HUGE_2M, false);
			if (!buf || bench_open(o, &dev)) {
				calls_ok = false;
				if (buf)
					munmap(buf, HUGE_2M);
				break;
			}
			if (dm_set_ram_window(dev.fd, HUGE_2M) ||
			    dm_set_migrate_policy(dev.fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0) ||
			    (!mode && dm_set_thrashing(dev.fd, 0, 0)))
				calls_ok = false;
			t = calls_ok ? pingpong_run(&dev, buf, tmp, o->pingpong, full,
						    &sums[mode], &exact) : -1;
			snprintf(metric, sizeof(metric), "pingpong_%s_%s",
				 mode ? "on" : "off", full ? "full" : "page");
			if (t < 0)
				calls_ok = false;
			else
				row(metric, o, HUGE_2M, rep / 2, t,
				    (uint64_t)o->pingpong * 2 * HUGE_2M);
			o->backend->close(&dev);
			munmap(buf, HUGE_2M);
		}
		if (calls_ok && sums[0] != sums[1])
			same = false;
	}
	free(tmp);
	dm_tap(calls_ok, "%s_pingpong_calls_succeed", o->label);
	dm_tap(exact, "%s_pingpong_values_exact", o->label);
	dm_tap(same, "%s_pingpong_same_data_with_and_without", o->label);
}

#define SPARSE_RESERVE	(8ULL << 30)	/* the sparse group's mapping */
#define SPARSE_REGIONS	4096		/* 2 MiB regions it reads a page of */

/* Resident pages of [@p, @p + @size) (mincore). -1 on error. */
static long resident_pages(void *p, size_t size)
{
	size_t i, n = size / PAGE;
	unsigned char *vec = malloc(n);
	long count = 0;

	if (!vec || mincore(p, size, vec)) {
		free(vec);
		return -1;
	}
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/* The page the sparse group uses in region @k of repetition @rep. */
static uint64_t *sparse_word(char *base, int rep, int k)
{
	uint64_t region = ((uint64_t)(rep + 1) * 2654435761u + (uint64_t)k * 4099) %
			  (SPARSE_RESERVE / HUGE_2M);

	return (uint64_t *)(base + region * HUGE_2M + (k % 512) * PAGE);
}

#define SHOOTDOWN_SIZE	KIB(256)	/* the range munmap() invalidates */
#define SHOOTDOWN_CALLS	16		/* munmap() calls per repetition */
#define SHOOTDOWN_US	"100"		/* the modelled TLB-invalidation round trip */

/*
 * One repetition of the shootdown group: @ndev devices mirror a fresh
 * SHOOTDOWN_SIZE buffer, then it is unmapped; the seconds of the munmap()
 * calls alone, averaged over SHOOTDOWN_CALLS, or -1 on a failed call.
 * *@stale: a device still mirrors the range afterwards.
 */
static double shootdown_munmap(struct bench_dev *dev, unsigned int ndev,
			       void *out, bool *stale)
{
	struct drm_devmir_stats st;
	double spent = 0, t0;
	unsigned int i, d;

	for (i = 0; i < SHOOTDOWN_CALLS; i++) {
		uint64_t *buf = bench_buffer(SHOOTDOWN_SIZE, false);

		if (!buf)
			return -1;
		for (d = 0; d < ndev; d++)
			if (bench_native.read(&dev[d], buf, SHOOTDOWN_SIZE, out))
				return -1;
		t0 = now();
		if (munmap(buf, SHOOTDOWN_SIZE))
			return -1;
		spent += now() - t0;
		for (d = 0; d < ndev; d++)
			if (dm_stats(dev[d].fd, 0, &st) || dm_entries(&st))
				*stale = true;
	}
	return spent / SHOOTDOWN_CALLS;
}

/*
 * Two-pass invalidation (issue 17): munmap() of a range 1, 2 and 4 devices
 * mirror, each device taking SHOOTDOWN_US to acknowledge a TLB
 * invalidation (the simulator's tlb_inv_us), waited for in the notifier's
 * second pass (rows shootdown_2pass, x: devices) and in the first, one
 * device after another (shootdown_1pass; the core's two_pass=N). On a
 * kernel without two-pass interval notifiers both wait in the one pass.
 * Afterwards no device mirrors the range.
 */
static void group_shootdown(const struct bench_opts *o)
{
	static const unsigned int counts[] = { 1, 2, 4 };
	bool calls_ok = true, clean = true;
	struct bench_dev dev[4];
	unsigned int ndev = dm_count(), c, d, opened;
	void *out = malloc(SHOOTDOWN_SIZE);
	int rep, pass;

	printf("# %s: shootdown group, two-pass notifiers %ld\n", o->label,
	       dm_feature("two_pass_invalidation"));
	if (!out || ndev < 4 ||
	    dm_param_set("devmirror_sim", "tlb_inv_us", SHOOTDOWN_US)) {
		dm_tap(false, "%s_shootdown_setup", o->label);
		free(out);
		return;
	}
	for (c = 0; c < 3 && calls_ok; c++) {
		for (opened = 0; opened < counts[c]; opened++)
			if (bench_native.open(&dev[opened], opened))
				break;
		calls_ok = opened == counts[c];
		for (rep = 0; rep < o->reps && calls_ok; rep++) {
			for (pass = 2; pass >= 1 && calls_ok; pass--) {
				double t;

				if (dm_param_set("devmirror", "two_pass",
						 pass == 2 ? "Y" : "N")) {
					calls_ok = false;
					break;
				}
				t = shootdown_munmap(dev, counts[c], out, &clean);
				if (t < 0)
					calls_ok = false;
				else
					row(pass == 2 ? "shootdown_2pass" :
					    "shootdown_1pass", o, counts[c], rep, t,
					    SHOOTDOWN_SIZE);
			}
		}
		for (d = 0; d < opened; d++)
			bench_native.close(&dev[d]);
	}
	dm_param_set("devmirror", "two_pass", "Y");
	dm_param_set("devmirror_sim", "tlb_inv_us", "0");
	free(out);
	dm_tap(calls_ok, "%s_shootdown_calls_succeed", o->label);
	dm_tap(clean, "%s_shootdown_mirrors_empty_after_munmap", o->label);
}

/*
 * Sparse access (issue 18): an 8 GiB mapping of which the CPU wrote one
 * word in each of 4096 random 2 MiB regions, each such page then read by
 * the device, with the adaptive window (rows sparse_adaptive, sparse_mem_
 * adaptive) and the fixed 4 KiB one (sparse_4k, sparse_mem_4k). Afterwards
 * exactly the 4096 written pages may be resident: the window must not
 * allocate what the program never touched.
 */
static void group_sparse(const struct bench_opts *o)
{
	bool calls_ok = true, exact = true, untouched_stay = true;
	uint64_t out[PAGE / 8];
	int rep, mode, k;

	for (rep = 0; rep < o->reps && calls_ok; rep++) {
		for (mode = 0; mode < 2 && calls_ok; mode++) {
			struct bench_opts with = *o;
			struct bench_dev dev;
			char *base;
			double t0, t;
			long res;

			base = mmap(NULL, SPARSE_RESERVE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (base == MAP_FAILED) {
				calls_ok = false;
				break;
			}
			madvise(base, SPARSE_RESERVE, MADV_NOHUGEPAGE);
			with.window = mode ? KIB(4) : 0;
			if (bench_open(&with, &dev) ||
			    (!mode && dm_set_window(dev.fd, DRM_DEVMIR_WINDOW_ADAPTIVE))) {
				calls_ok = false;
				munmap(base, SPARSE_RESERVE);
				break;
			}
			for (k = 0; k < SPARSE_REGIONS; k++)
				*sparse_word(base, rep, k) = (uintptr_t)sparse_word(base, rep, k);
			t0 = now();
			for (k = 0; k < SPARSE_REGIONS; k++) {
				uint64_t *word = sparse_word(base, rep, k);

				if (dm_read(dev.fd, word, PAGE, out)) {
					calls_ok = false;
					break;
				}
				if (out[0] != (uintptr_t)word || out[1])
					exact = false;
			}
			t = now() - t0;
			if (calls_ok) {
				row(mode ? "sparse_4k" : "sparse_adaptive", o, SPARSE_REGIONS,
				    rep, t, (uint64_t)SPARSE_REGIONS * PAGE);
				row_bytes(mode ? "sparse_mem_4k" : "sparse_mem_adaptive", o,
					  SPARSE_REGIONS, rep, o->backend->table_bytes(&dev));
			}
			res = resident_pages(base, SPARSE_RESERVE);
			if (res != SPARSE_REGIONS)
				untouched_stay = false;
			o->backend->close(&dev);
			munmap(base, SPARSE_RESERVE);
		}
	}
	dm_tap(calls_ok, "%s_sparse_calls_succeed", o->label);
	dm_tap(exact, "%s_sparse_reads_exact", o->label);
	dm_tap(untouched_stay, "%s_sparse_only_touched_pages_resident", o->label);
}

#define MIRRORS_DEVICES	4	/* devices each process opens, at most */
#define MIRRORS_REGIONS	128	/* scattered 2 MiB regions each process touches */
#define MIRRORS_RESERVE	(1ULL << 40)	/* each process's reservation */

/**
 * struct mirrors_shared - What the processes of one mirrors run report,
 * in shared memory.
 * @start: Each process's start time.
 * @end: Each process's end time.
 * @table: Each process's mirror-table bytes, all devices together.
 * @bad: Set by a process whose call failed or read a wrong value.
 */
struct mirrors_shared {
	double start[BENCH_MAX_PROCS];
	double end[BENCH_MAX_PROCS];
	long long table[BENCH_MAX_PROCS];
	int bad[BENCH_MAX_PROCS];
};

/*
 * One process of a mirrors run: open @ndev devices, reserve 1 TiB, write a
 * word in each of MIRRORS_REGIONS scattered 2 MiB regions of it (once
 * @go closes), read that page from every device, report its time and
 * mirror memory. Exits; never returns.
 */
static void mirrors_child(struct mirrors_shared *sh, int me, unsigned int ndev,
			  int go, unsigned int seed)
{
	struct bench_dev dev[MIRRORS_DEVICES];
	uint64_t out[PAGE / 8];
	unsigned int d, k;
	long long table = 0;
	char *base;
	char c;

	for (d = 0; d < ndev; d++)
		if (bench_native.open(&dev[d], d))
			_exit(1);
	base = mmap(NULL, MIRRORS_RESERVE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED || read(go, &c, 1) < 0)
		_exit(1);
	sh->start[me] = now();
	for (k = 0; k < MIRRORS_REGIONS; k++) {
		uint64_t region = (seed * 2654435761u + k * 40503u) %
				  (MIRRORS_RESERVE / HUGE_2M);
		uint64_t *word = (uint64_t *)(base + region * HUGE_2M +
					      (k % 512) * PAGE);

		*word = (uintptr_t)word;
		for (d = 0; d < ndev; d++) {
			if (dm_read(dev[d].fd, word, PAGE, out) ||
			    out[0] != (uintptr_t)word || out[1])
				sh->bad[me] = 1;
		}
	}
	sh->end[me] = now();
	for (d = 0; d < ndev; d++) {
		long long b = bench_native.table_bytes(&dev[d]);

		if (b < 0)
			sh->bad[me] = 1;
		table += b;
	}
	sh->table[me] = table;
	_exit(0);
}

/*
 * Many mirrors: for each process count of -M, that many processes each
 * open up to MIRRORS_DEVICES devices and fault MIRRORS_REGIONS scattered
 * pages of a sparse 1 TiB reservation on each, all at once. Rows
 * mirrors_fault (seconds from the first start to the last end; bytes: the
 * pages faulted), mirrors_mem (mirror-table bytes per process). After the
 * processes exit, the device must hold no mirror of theirs.
 */
static void group_mirrors(const struct bench_opts *o)
{
	bool calls_ok = true, exact = true, torn_down = true;
	unsigned int ndev = dm_count();
	struct mirrors_shared *sh;
	int i, rep;

	if (ndev > MIRRORS_DEVICES)
		ndev = MIRRORS_DEVICES;
	printf("# %s: mirrors group with %u devices per process\n", o->label, ndev);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || !ndev) {
		dm_tap(false, "%s_mirrors_setup", o->label);
		return;
	}
	for (i = 0; i < o->nprocs && calls_ok; i++) {
		int nproc = o->procs[i];

		for (rep = 0; rep < o->reps && calls_ok; rep++) {
			double first = 0, last = 0;
			long long table = 0;
			struct bench_dev probe;
			struct drm_devmir_stats st;
			int p, go[2], status;

			memset(sh, 0, sizeof(*sh));
			if (pipe(go)) {
				calls_ok = false;
				break;
			}
			for (p = 0; p < nproc; p++) {
				pid_t pid = fork();

				if (pid == 0) {
					close(go[1]);
					mirrors_child(sh, p, ndev, go[0],
						      (unsigned int)(rep * 1000 + p + 1));
				}
				if (pid < 0)
					calls_ok = false;
			}
			close(go[0]);
			close(go[1]);	/* everyone starts */
			while (wait(&status) > 0)
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					calls_ok = false;
			for (p = 0; p < nproc; p++) {
				if (sh->bad[p])
					exact = false;
				if (!first || sh->start[p] < first)
					first = sh->start[p];
				if (sh->end[p] > last)
					last = sh->end[p];
				table += sh->table[p];
			}
			if (!calls_ok)
				break;
			row("mirrors_fault", o, nproc, rep, last - first,
			    (uint64_t)nproc * ndev * MIRRORS_REGIONS * PAGE);
			row_bytes("mirrors_mem", o, nproc, rep, table / nproc);

			/*
			 * Every mirror went with its process: only ours is
			 * left, empty, and no device page is in use.
			 */
			if (bench_native.open(&probe, 0) ||
			    dm_stats(probe.fd, DRM_DEVMIR_STATS_DEVICE, &st) ||
			    st.mirrors != 1 || dm_entries(&st) || st.devmem_used)
				torn_down = false;
			else
				bench_native.close(&probe);
		}
	}
	munmap(sh, sizeof(*sh));
	dm_tap(calls_ok, "%s_mirrors_calls_succeed", o->label);
	dm_tap(exact, "%s_mirrors_reads_exact", o->label);
	dm_tap(torn_down, "%s_mirrors_none_left_after_exit", o->label);
}

static bool has_group(const struct bench_opts *o, const char *group)
{
	size_t len = strlen(group);
	const char *p = o->groups;

	while ((p = strstr(p, group))) {
		if ((p == o->groups || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

/* "16,64,256" (MiB or KiB by @unit) into @out; the count, or -1. */
static int parse_list(const char *s, size_t unit, uint64_t *out)
{
	char *end;
	int n = 0;

	do {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || !v || n == BENCH_MAX_LIST || (v * unit) % PAGE)
			return -1;
		out[n++] = v * unit;
		s = end + (*end == ',');
	} while (*end);
	return n;
}

static size_t parse_mib(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	return *end || !v || v > 16384 ? 0 : (size_t)v << 20;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dm_bench -b native|hmm|cpu -l LABEL [-g GROUPS] [-s MiB] [-m MiB]\n"
		"                [-r REPS] [-R FIRST] [-w KiB] [-S MiB,...] [-W KiB,...] [-V MiB] [-G MiB] [-P N] [-M N,...]\n"
		"                [-d N|coherent]\n"
		"  -g  groups, comma-separated: fault,migrate,scale,window,mem,churn,pingpong,\n"
		"      mirrors,shootdown,sparse,cpuaccess\n"
		"      (default fault,migrate)\n"
		"  -s  fault-group buffer (default 256)   -m  migrate-group buffer (default 128)\n"
		"  -r  repetitions (default 5)            -R  number of the first one in the rows\n"
		"  -w  fault-ahead window on native devices (default: the device's)\n"
		"  -S  scale-group sizes (default 16,64,256,1024)\n"
		"  -W  window-group windows (default 4,16,64,256,1024,2048)\n"
		"  -V  buffer of the window and churn groups (default 64)\n"
		"  -G  mem-group buffer, THP, measured at it and twice it (default 1024)\n"
		"  -P  rounds of a pingpong run (default 64)\n"
		"  -M  process counts of the mirrors group (default 1,2,4,16,64)\n"
		"  -d  device index (default 0), or the first device-coherent device\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.groups = "fault,migrate",
		.size = MIB(256),
		.migrate_size = MIB(128),
		.window_size = MIB(64),
		.mem_size = MIB(1024),
		.reps = 5,
		.pingpong = 64,
	};
	const char *backend = NULL, *scale = "16,64,256,1024",
		   *windows = "4,16,64,256,1024,2048", *procs = "1,2,4,16,64";
	uint64_t list[BENCH_MAX_LIST];
	int opt, i;

	/* The churn of group_churn()'s control runs as this program again. */
	dm_churn_child(argc, argv);
	dm_tap_set_prefix("bench_");
	while ((opt = getopt(argc, argv, "b:l:g:s:m:r:R:w:S:W:V:G:P:M:d:")) != -1) {
		switch (opt) {
		case 'b': backend = optarg; break;
		case 'l': o.label = optarg; break;
		case 'g': o.groups = optarg; break;
		case 's': o.size = parse_mib(optarg); break;
		case 'm': o.migrate_size = parse_mib(optarg); break;
		case 'V': o.window_size = parse_mib(optarg); break;
		case 'G': o.mem_size = parse_mib(optarg) & ~(HUGE_2M - 1); break;
		case 'r': o.reps = atoi(optarg); break;
		case 'R': o.first_rep = atoi(optarg); break;
		case 'w': o.window = strtoull(optarg, NULL, 10) << 10; break;
		case 'S': scale = optarg; break;
		case 'W': windows = optarg; break;
		case 'P': o.pingpong = atoi(optarg); break;
		case 'M': procs = optarg; break;
		case 'd':
			o.device = strcmp(optarg, "coherent") ? atoi(optarg) : -1;
			break;
		default: usage();
		}
	}
	if (!backend || !o.label || !o.size || !o.migrate_size || !o.window_size ||
	    !o.mem_size || o.pingpong < 1 || o.pingpong > 100000 ||
	    o.reps < 1 || o.reps > 100 || o.first_rep < 0 || optind != argc)
		usage();
	if (!strcmp(backend, "native"))
		o.backend = &bench_native;
	else if (!strcmp(backend, "hmm"))
		o.backend = &bench_hmm;
	else if (strcmp(backend, "cpu"))
		usage();
	o.nscale = parse_list(scale, MIB(1), list);
	for (i = 0; i < o.nscale; i++)
		o.scale[i] = list[i];
	o.nwindows = parse_list(windows, KIB(1), o.windows);
	/* Process counts: a list in units of one page, read back in pages. */
	o.nprocs = parse_list(procs, PAGE, list);
	for (i = 0; i < o.nprocs; i++) {
		o.procs[i] = list[i] / PAGE;
		if (o.procs[i] > BENCH_MAX_PROCS)
			usage();
	}
	if (o.nscale < 0 || o.nwindows < 0 || o.nprocs < 0)
		usage();

	printf("# dm_bench %s (%s): groups %s, %d repetitions\n", o.label, backend,
	       o.groups, o.reps);
	if (has_group(&o, "fault")) {
		group_fault(&o, false);
		group_fault(&o, true);
	}
	if (has_group(&o, "migrate")) {
		if (o.backend) {
			group_migrate_device(&o, false);
			group_migrate_device(&o, true);
		} else {
			group_migrate_cpu(&o);
		}
	}
	if (o.backend && has_group(&o, "scale"))
		group_scale(&o);
	if (o.backend && has_group(&o, "window"))
		group_window(&o);
	if (o.backend && has_group(&o, "churn"))
		group_churn(&o);
	if (o.backend == &bench_native && has_group(&o, "pingpong"))
		group_pingpong(&o);
	if (o.backend == &bench_native && has_group(&o, "mirrors"))
		group_mirrors(&o);
	if (o.backend == &bench_native && has_group(&o, "shootdown"))
		group_shootdown(&o);
	if (o.backend == &bench_native && has_group(&o, "sparse"))
		group_sparse(&o);
	if (o.backend && o.backend->set_window && has_group(&o, "mem"))
		group_mem_thp(&o);
	if (has_group(&o, "cpuaccess"))
		group_cpuaccess(&o);
	dm_tap(timings_sane, "%s_timings_positive_and_finite", o.label);
	return tap_done();
}
