// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_inject - devmirror's own fault-injection points (debugfs
 * devmirror/inject/, driver/core/inject.c): hmm_range_fault() -EBUSY,
 * a notifier-sequence bump between fault and commit, an exhausted
 * device-memory pool, a copy that fails part way through a migration, a
 * page busy for one pass over a migration window.
 *
 * For each point, with a fixed seed (printed; DM_INJECT_SEED overrides it)
 * and a rate that fires often: device READ/WRITE/atomics over a THP and a
 * 4 KiB-page buffer, MIGRATE of both to the device and back with a device
 * write in between, a fault-driven migration (policy FIRST_FAULT) and, for
 * the pool and copy points, more than the device memory in turn. Every call
 * must return 0 or its documented errno, every MIGRATE must account for
 * every page, every byte read back by the device or the CPU must be exact,
 * the point must have fired; then, with the point off, the same operations
 * must all succeed, every mirror must pass its self-check, and after the
 * close no mirror and no device page may be left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"

#define BUF_SIZE	HUGE_2M
#define OVER_SIZE	MIB(4)
#define WRITE_TRIES	16

/* Per test: the debug kernel under TCG needs minutes for the longer ones. */
#define TEST_SECONDS	300

/* Errnos a call may return under a point besides 0. */
#define OK_EBUSY	0x1
#define OK_ENOMEM	0x2

/**
 * struct tally - What a workload did.
 * @ops: ioctls issued.
 * @ebusy: Of them, -EBUSY.
 * @enomem: Of them, -ENOMEM.
 * @bad: Unexpected errnos, wrong data, counts that do not add up.
 * @pages: Pages asked to migrate.
 * @migrated: Pages moved.
 * @nomem_pages: Pages failed with FAIL_NOMEM.
 * @busy_pages: Pages failed with FAIL_BUSY.
 * @evicted: Device pages evicted to make room.
 */
struct tally {
	unsigned long ops, ebusy, enomem, bad;
	uint64_t pages, migrated, nomem_pages, busy_pages, evicted;
};

static uint64_t inject_seed(void)
{
	const char *v = getenv("DM_INJECT_SEED");

	return v && *v ? strtoull(v, NULL, 0) : 20261121;
}

static void bad(struct tally *t, const char *fmt, ...) __printf(2, 3);

static void bad(struct tally *t, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t->bad++ < 20)
		dm_note("BAD: %s", line);
}

static void count(struct tally *t, int ret, unsigned int ok, const char *what)
{
	t->ops++;
	t->ebusy += ret == -EBUSY;
	t->enomem += ret == -ENOMEM;
	if (!ret || (ret == -EBUSY && (ok & OK_EBUSY)) ||
	    (ret == -ENOMEM && (ok & OK_ENOMEM)))
		return;
	bad(t, "%s returned %d (%s)", what, ret, strerror(-ret));
}

/*
 * A device write of pattern @new over pattern @old that failed part way:
 * the transactions before the failure landed, none after it.
 */
static void check_partial_write(struct tally *t, const uint8_t *b, size_t size,
				unsigned int new, unsigned int old)
{
	long x = buf_check(b, size, new);

	if (x >= 0 && buf_check_range(b + x, x, size - x, old) != -1)
		bad(t, "failed write left neither old nor new data from offset %ld", x);
}

/* Device WRITE of pattern @seed from @src, retried while the point allows. */
static int write_retry(int fd, uint8_t *b, size_t size, uint8_t *src,
		       unsigned int seed, unsigned int old, unsigned int ok,
		       struct tally *t)
{
	int ret = 0, i;

	buf_fill(src, size, seed);
	for (i = 0; i < WRITE_TRIES; i++) {
		ret = dm_write(fd, b, size, src);
		count(t, ret, ok, "write");
		if (!ret)
			break;
		check_partial_write(t, b, size, seed, old);
	}
	if (ret)
		bad(t, "write failed %d times in a row (%d)", WRITE_TRIES, ret);
	else if (buf_check(b, size, seed) != -1)
		bad(t, "device write: CPU sees wrong data at %ld", buf_check(b, size, seed));
	return ret;
}

static void check_migrate(struct tally *t, int ret, unsigned int ok,
			  const struct drm_devmir_migrate *m, size_t npages,
			  const char *what)
{
	count(t, ret, ok, what);
	t->pages += npages;
	t->migrated += m->migrated;
	t->nomem_pages += m->failed[DRM_DEVMIR_MIGFAIL_NOMEM];
	t->busy_pages += m->failed[DRM_DEVMIR_MIGFAIL_BUSY];
	t->evicted += m->evicted;
	if (dm_migrate_total(m) != npages)
		bad(t, "%s: %llu pages accounted of %zu", what,
		    (unsigned long long)dm_migrate_total(m), npages);
	if (m->failed[DRM_DEVMIR_MIGFAIL_VMA] || m->failed[DRM_DEVMIR_MIGFAIL_FILE])
		bad(t, "%s: anonymous pages failed as VMA/FILE", what);
	if (!ret && dm_migrate_failed(m))
		bad(t, "%s: 0 with %llu pages failed", what,
		    (unsigned long long)dm_migrate_failed(m));
	if (ret == -ENOMEM && !m->failed[DRM_DEVMIR_MIGFAIL_NOMEM])
		bad(t, "%s: -ENOMEM without a NOMEM page", what);
	if (ret == -EBUSY && (!m->failed[DRM_DEVMIR_MIGFAIL_BUSY] ||
			      m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]))
		bad(t, "%s: -EBUSY with %llu busy, %llu nomem pages", what,
		    (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_BUSY],
		    (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]);
}

/*
 * MIGRATE, again while it answers -EBUSY with busy pages only, a few times
 * with a growing pause: -EBUSY is a retry request by contract (a page
 * locked, pinned or isolated by the kernel through every pass the driver
 * made: compaction migrating it, which under KASAN and TCG takes tens of
 * milliseconds), so one alone is no failure; one that lasts is.
 */
#define MIGRATE_TRIES	8
static int migrate_settled(int fd, void *b, size_t size, bool to_device,
			   struct drm_devmir_migrate *m)
{
	int ret = -EBUSY, i;

	for (i = 0; i < MIGRATE_TRIES && ret == -EBUSY; i++) {
		if (i)
			usleep(1000U << i);	/* 2 ms .. 128 ms, 254 ms in all */
		ret = to_device ? dm_to_device(fd, b, size, m) :
				  dm_to_system(fd, b, size, m);
	}
	return ret;
}

/* Device READ, WRITE and atomics over @b; the CPU checks what landed. */
static void round_access(int fd, uint8_t *b, size_t size, uint8_t *out,
			 unsigned int seed, unsigned int ok, struct tally *t)
{
	uint64_t word, old;
	size_t off;
	int ret, k;

	buf_fill(b, size, seed);
	ret = dm_read(fd, b, size, out);
	count(t, ret, ok, "read");
	if (!ret && buf_check(out, size, seed) != -1)
		bad(t, "device read: wrong data at %ld", buf_check(out, size, seed));

	write_retry(fd, b, size, out, seed + 1, seed, ok, t);

	/* Adding 0: a write fault that must change nothing. */
	for (k = 0; k < 4; k++) {
		off = ((size_t)k * 131 * PAGE + (size_t)k * 40) % size & ~7UL;
		memcpy(&word, b + off, sizeof(word));
		ret = dm_atomic_add(fd, b + off, 0, &old);
		count(t, ret, ok, "atomic_add");
		if (!ret && old != word)
			bad(t, "atomic at %zu returned %#llx, memory holds %#llx", off,
			    (unsigned long long)old, (unsigned long long)word);
	}
	if (buf_check(b, size, seed + 1) != -1)
		bad(t, "atomics changed data at %ld", buf_check(b, size, seed + 1));
}

/* To the device, device READ and WRITE there, back; CPU check. */
static void round_migrate(int fd, uint8_t *b, size_t size, uint8_t *out,
			  unsigned int seed, unsigned int ok, struct tally *t)
{
	struct drm_devmir_migrate m;
	size_t n = size / PAGE;
	int ret;

	buf_fill(b, size, seed);
	ret = migrate_settled(fd, b, size, true, &m);
	check_migrate(t, ret, ok, &m, n, "to_device");
	ret = dm_read(fd, b, size, out);
	count(t, ret, ok, "read");
	if (!ret && buf_check(out, size, seed) != -1)
		bad(t, "read after migration: wrong data at %ld", buf_check(out, size, seed));
	/* The device writes into device memory; checked after the way back. */
	buf_fill(out, size, seed + 1);
	ret = -1;
	for (int i = 0; i < WRITE_TRIES && ret; i++) {
		ret = dm_write(fd, b, size, out);
		count(t, ret, ok, "write");
	}
	if (ret)
		bad(t, "write into device memory failed %d times (%d)", WRITE_TRIES, ret);
	ret = migrate_settled(fd, b, size, false, &m);
	check_migrate(t, ret, ok, &m, n, "to_system");
	if (buf_check(b, size, seed + 1) != -1)
		bad(t, "after migrating back: wrong data at %ld", buf_check(b, size, seed + 1));
}

/* A device fault migrates its window first (policy FIRST_FAULT). */
static void round_policy(int fd, uint8_t *b, size_t size, uint8_t *out,
			 unsigned int seed, unsigned int ok, struct tally *t)
{
	struct drm_devmir_migrate m;
	int ret;

	buf_fill(b, size, seed);
	if (dm_set_migrate_policy(fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0)) {
		bad(t, "cannot set the migration policy");
		return;
	}
	ret = dm_read(fd, b, size, out);
	count(t, ret, ok, "policy read");
	if (!ret && buf_check(out, size, seed) != -1)
		bad(t, "policy read: wrong data at %ld", buf_check(out, size, seed));
	if (dm_set_migrate_policy(fd, DRM_DEVMIR_MIGMODE_OFF, 0))
		bad(t, "cannot reset the migration policy");
	ret = dm_to_system(fd, b, size, &m);
	check_migrate(t, ret, ok, &m, size / PAGE, "policy to_system");
	if (buf_check(b, size, seed) != -1)
		bad(t, "after policy migration: wrong data at %ld", buf_check(b, size, seed));
}

/*
 * More than the device memory, 4 MiB at a time, to the device: the pool
 * fills and evicts; then every buffer is read by the device and the CPU.
 */
static void round_oversubscribe(int fd, uint64_t devmem, uint8_t *out,
				unsigned int seed, unsigned int ok, struct tally *t)
{
	size_t nbuf = devmem / OVER_SIZE + 1, i, n = OVER_SIZE / PAGE;
	struct drm_devmir_migrate m;
	uint8_t *bufs[16];
	int ret;

	if (nbuf > 16) {
		dm_note("device memory %llu MiB: oversubscription skipped",
			(unsigned long long)(devmem >> 20));
		return;
	}
	for (i = 0; i < nbuf; i++) {
		bufs[i] = buf_map(OVER_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		if (bufs[i] == MAP_FAILED) {
			bad(t, "mmap of %zu bytes failed", OVER_SIZE);
			nbuf = i;
			break;
		}
		buf_fill(bufs[i], OVER_SIZE, seed + i);
		ret = migrate_settled(fd, bufs[i], OVER_SIZE, true, &m);
		check_migrate(t, ret, ok, &m, n, "oversubscribe to_device");
	}
	for (i = 0; i < nbuf; i++) {
		ret = dm_read(fd, bufs[i], OVER_SIZE, out);
		count(t, ret, ok, "oversubscribe read");
		if (!ret && buf_check(out, OVER_SIZE, seed + i) != -1)
			bad(t, "oversubscribed buffer %zu: device reads wrong data", i);
		if (buf_check(bufs[i], OVER_SIZE, seed + i) != -1)
			bad(t, "oversubscribed buffer %zu: CPU reads wrong data", i);
		munmap(bufs[i], OVER_SIZE);
	}
}

FIXTURE(inject) {
	int fd;
	int mirrors0;
	uint64_t devmem, used0;
	uint8_t *thp, *small, *out;
};

FIXTURE_SETUP(inject)
{
	self->fd = -1;
	self->thp = NULL;
	self->small = NULL;
	self->out = NULL;
	if (dm_inject_get("hmm_busy", "rate") < 0)
		SKIP(return, "no devmirror/inject in debugfs");
	ASSERT_EQ(0, dm_inject_off());
	self->mirrors0 = dm_mirror_objects();
	ASSERT_LE(0, self->mirrors0);
	self->fd = dm_open(0);
	if (self->fd < 0)
		SKIP(return, "no devmirror render node");
	self->devmem = dm_device_memory(self->fd);
	if (self->devmem < MIB(8))
		SKIP(return, "device 0 has less than 8 MiB of device memory");
	self->used0 = dm_devmem_used(self->fd);
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));

	self->thp = buf_map_aligned(BUF_SIZE, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->thp);
	madvise(self->thp, BUF_SIZE, MADV_HUGEPAGE);
	self->small = buf_map_aligned(BUF_SIZE, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->small);
	madvise(self->small, BUF_SIZE, MADV_NOHUGEPAGE);
	self->out = malloc(OVER_SIZE);
	ASSERT_NE(NULL, self->out);
}

FIXTURE_TEARDOWN(inject)
{
	dm_inject_off();
	if (self->thp && self->thp != MAP_FAILED)
		munmap(self->thp, BUF_SIZE);
	if (self->small && self->small != MAP_FAILED)
		munmap(self->small, BUF_SIZE);
	free(self->out);
	if (self->fd >= 0)
		close(self->fd);
}

/* One pass over every workload. */
static void workload(FIXTURE_DATA(inject) *self, unsigned int seed,
		     unsigned int ok, int oversubscribe, struct tally *t)
{
	round_access(self->fd, self->thp, BUF_SIZE, self->out, seed, ok, t);
	round_access(self->fd, self->small, BUF_SIZE, self->out, seed + 2, ok, t);
	round_migrate(self->fd, self->thp, BUF_SIZE, self->out, seed + 4, ok, t);
	round_migrate(self->fd, self->small, BUF_SIZE, self->out, seed + 6, ok, t);
	round_policy(self->fd, self->small, BUF_SIZE, self->out, seed + 8, ok, t);
	if (oversubscribe)
		round_oversubscribe(self->fd, self->devmem, self->out, seed + 10, ok, t);
}

static void note_tally(const char *point, const char *phase, const struct tally *t)
{
	dm_note("%s %s: %lu ioctls (%lu -EBUSY, %lu -ENOMEM); migrations of %llu pages:",
		point, phase, t->ops, t->ebusy, t->enomem, (unsigned long long)t->pages);
	dm_note("  %llu moved, %llu failed NOMEM, %llu failed BUSY, %llu evicted; %lu bad",
		(unsigned long long)t->migrated, (unsigned long long)t->nomem_pages,
		(unsigned long long)t->busy_pages, (unsigned long long)t->evicted, t->bad);
}

/* devmirror/sim0/devmem: the value of @key, or -1. */
static long devmem_field(const char *key)
{
	char text[512], *p;
	size_t len = strlen(key);

	if (dm_debugfs_read(0, "devmem", text, sizeof(text)) < 0)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 0);
	return -1;
}

/*
 * Close everything: the mirror must go, and every device page must be back
 * in the pool (none allocated to a migration or isolated by an eviction).
 */
static void check_clean_close(struct __test_metadata *_metadata,
			      FIXTURE_DATA(inject) *self)
{
	uint64_t used = ~0ULL;
	int fd, i;

	EXPECT_EQ(0, dm_mirror_check_failures());
	munmap(self->thp, BUF_SIZE);
	munmap(self->small, BUF_SIZE);
	self->thp = NULL;
	self->small = NULL;
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->mirrors0, dm_wait_mirror_objects(self->mirrors0, 10));

	fd = dm_open(0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 100; i++) {
		used = dm_devmem_used(fd);
		if (used == self->used0)
			break;
		usleep(20000);
	}
	close(fd);
	EXPECT_EQ(self->used0, used);
	EXPECT_EQ(0, devmem_field("allocated"));
	EXPECT_EQ(0, devmem_field("isolated"));
	EXPECT_EQ(self->mirrors0, dm_wait_mirror_objects(self->mirrors0, 10));
}

/*
 * Run the workloads with @point at one in @rate, then without it; the
 * point-specific checks follow in the caller. Returns the hits.
 */
static long long run_point(struct __test_metadata *_metadata,
			   FIXTURE_DATA(inject) *self, const char *point,
			   unsigned int rate, unsigned int ok, int oversubscribe,
			   struct tally *t)
{
	unsigned int rounds = dm_knob("DM_INJECT_ROUNDS", 2, 3), r;
	uint64_t seed = inject_seed();
	struct tally off = { };
	long long hits, calls;

	dm_note("%s: seed %llu, one in %u, %u rounds (DM_INJECT_SEED=%llu replays it)",
		point, (unsigned long long)seed, rate, rounds,
		(unsigned long long)seed);
	EXPECT_EQ(0, dm_inject_seed(seed));
	EXPECT_EQ(0, dm_inject_set(point, "rate", rate));
	for (r = 0; r < rounds; r++)
		workload(self, 10 + r * 16, ok, oversubscribe, t);
	hits = dm_inject_get(point, "hits");
	calls = dm_inject_get(point, "calls");
	EXPECT_EQ(0, dm_inject_set(point, "rate", 0));
	note_tally(point, "on", t);
	dm_note("%s: %lld hits in %lld calls", point, hits, calls);
	EXPECT_GT(hits, 0) TH_LOG("the point never fired: the test proves nothing");
	EXPECT_EQ(0UL, t->bad);

	/* Off: exactly the same operations, every one succeeds. */
	workload(self, 200, 0, oversubscribe, &off);
	note_tally(point, "off", &off);
	EXPECT_EQ(0UL, off.bad);
	EXPECT_EQ(hits, dm_inject_get(point, "hits"));
	return hits;
}

/* hmm_range_fault() -EBUSY one call in 3: the retry loops absorb it. */
TEST_F_TIMEOUT(inject, hmm_busy_retried, TEST_SECONDS)
{
	struct drm_devmir_stats st;
	struct tally t = { };

	run_point(_metadata, self, "hmm_busy", 3, OK_EBUSY, 0, &t);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LT(0ULL, st.hmm_busy);
	check_clean_close(_metadata, self);
}

/* The notifier sequence moves between fault and commit, one in 3. */
TEST_F_TIMEOUT(inject, seq_bump_retried, TEST_SECONDS)
{
	struct drm_devmir_stats st;
	struct tally t = { };

	run_point(_metadata, self, "seq_bump", 3, OK_EBUSY, 0, &t);
	ASSERT_EQ(0, dm_stats(self->fd, 0, &st));
	EXPECT_LT(0ULL, st.hmm_retries);
	check_clean_close(_metadata, self);
}

/* The pool looks empty one allocation in 2: evictions, NOMEM pages. */
TEST_F_TIMEOUT(inject, pool_exhaust_accounted, TEST_SECONDS)
{
	struct tally t = { };

	run_point(_metadata, self, "pool_exhaust", 2, OK_ENOMEM, 1, &t);
	EXPECT_LT(0ULL, t.nomem_pages);
	/* Eviction ran (oversubscription, or an "empty" pool with pages in use). */
	if (self->devmem / OVER_SIZE < 16)
		EXPECT_LT(0ULL, t.evicted);
	check_clean_close(_metadata, self);
}

/* One copy batch in 2 fails part way: the rest stays, counted NOMEM. */
TEST_F_TIMEOUT(inject, copy_fail_partial, TEST_SECONDS)
{
	struct tally t = { };

	run_point(_metadata, self, "copy_fail", 2, OK_ENOMEM, 1, &t);
	EXPECT_LT(0ULL, t.nomem_pages);
	EXPECT_LT(t.nomem_pages, t.pages);
	check_clean_close(_metadata, self);
}

/*
 * Migrate fresh 2 MiB holes of a THP-capable VMA to the device @rounds
 * times; each moves whole or not at all. Returns how many failed.
 */
static unsigned int hole_rounds(struct __test_metadata *_metadata,
				FIXTURE_DATA(inject) *self, unsigned int rounds)
{
	size_t n = BUF_SIZE / PAGE;
	struct drm_devmir_migrate m;
	unsigned int r, failed = 0;
	uint8_t *hole;
	int ret;

	for (r = 0; r < rounds; r++) {
		hole = buf_map_aligned(BUF_SIZE, HUGE_2M, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE);
		if (hole == MAP_FAILED)
			break;
		buf_thp(hole, BUF_SIZE, true);
		ret = dm_to_device(self->fd, hole, BUF_SIZE, &m);
		EXPECT_TRUE(ret == 0 || ret == -ENOMEM) TH_LOG("round %u: %d", r, ret);
		EXPECT_TRUE(m.migrated == 0 || m.migrated == n)
			TH_LOG("round %u: %llu of %zu pages moved", r,
			       (unsigned long long)m.migrated, n);
		EXPECT_EQ(n, m.migrated + dm_migrate_failed(&m));
		failed += !m.migrated;
		EXPECT_EQ(-1, buf_check_byte(hole, BUF_SIZE, 0));
		munmap(hole, BUF_SIZE);
	}
	return failed;
}

/*
 * A 2 MiB hole migrates as one entry (device THP). Given 4 KiB device
 * pages, because the pool looks exhausted or has no free 2 MiB block, it
 * takes all 512 or none, also when the copy fails part way: the kernel
 * inserts a page for every one of them, and one without a page oopses.
 */
TEST_F_TIMEOUT(inject, thp_hole_whole_or_nothing, TEST_SECONDS)
{
	size_t fill = MIB(8), i;
	unsigned int failed;
	uint8_t *frag;

	if (dm_devmem_field(0, "device_thp") != 1)
		SKIP(return, "kernel without device-private THP (HAVE_DEVICE_PRIVATE_THP)");
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("pool_exhaust", "rate", 2));
	failed = hole_rounds(_metadata, self, 32);
	ASSERT_EQ(0, dm_inject_set("pool_exhaust", "rate", 0));
	dm_note("pool_exhaust: %u of 32 holes failed, %lld hits", failed,
		dm_inject_get("pool_exhaust", "hits"));
	EXPECT_LT(0U, failed) TH_LOG("no hole failed: the test proves nothing");

	/* No free 2 MiB block: 4 KiB pages for every hole, copies cut short. */
	frag = buf_map_aligned(fill, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, frag);
	buf_thp(frag, fill, false);
	buf_fill(frag, fill, 61);
	ASSERT_EQ(0, dm_to_device(self->fd, frag, fill, NULL));
	for (i = 0; i < fill / PAGE; i += 2)
		ASSERT_EQ(0, munmap(frag + i * PAGE, PAGE));
	ASSERT_EQ(0, dm_reset_stats(self->fd, 0));
	ASSERT_EQ(0, dm_inject_set("copy_fail", "rate", 2));
	failed = hole_rounds(_metadata, self, 16);
	ASSERT_EQ(0, dm_inject_set("copy_fail", "rate", 0));
	dm_note("copy_fail: %u of 16 holes failed, %lld hits", failed,
		dm_inject_get("copy_fail", "hits"));
	EXPECT_LT(0U, failed) TH_LOG("no hole failed: the test proves nothing");
	for (i = 1; i < fill / PAGE; i += 2) {
		EXPECT_EQ(-1, buf_check_range(frag + i * PAGE, i * PAGE, PAGE, 61));
		munmap(frag + i * PAGE, PAGE);
	}
	check_clean_close(_metadata, self);
}

/*
 * One pass in 2 over a migration window finds a page busy: the window
 * passes over it again, so few migrations end with -EBUSY, and those
 * account for the page as busy.
 */
TEST_F_TIMEOUT(inject, page_busy_workload, TEST_SECONDS)
{
	struct tally t = { };
	uint64_t retries;

	run_point(_metadata, self, "page_busy", 2, OK_EBUSY, 0, &t);
	retries = dm_stat_of(self->fd, "migrate_retries");
	EXPECT_NE(UINT64_MAX, retries);
	EXPECT_LT(0ULL, retries);
	check_clean_close(_metadata, self);
}

/* Migrate @size bytes at @b to the device or back; expect every page to move. */
static void migrate_all(struct __test_metadata *_metadata, int fd, uint8_t *b,
			size_t size, bool to_device)
{
	struct drm_devmir_migrate m;

	ASSERT_EQ(0, to_device ? dm_to_device(fd, b, size, &m) :
				 dm_to_system(fd, b, size, &m));
	EXPECT_EQ(size / PAGE, m.migrated);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
}

/*
 * A page busy for one pass is moved by the next (DOC: Migration), in both
 * directions, and each retry is counted; the data survive.
 */
TEST_F_TIMEOUT(inject, page_busy_once_is_retried, TEST_SECONDS)
{
	size_t size = KIB(64);

	buf_fill(self->small, size, 81);
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("page_busy", "times", 1));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 1));
	migrate_all(_metadata, self->fd, self->small, size, true);
	EXPECT_EQ(1, dm_inject_get("page_busy", "hits"));
	EXPECT_EQ(1ULL, dm_stat_of(self->fd, "migrate_retries"));
	ASSERT_EQ(0, dm_read(self->fd, self->small, size, self->out));
	EXPECT_EQ(-1, buf_check(self->out, size, 81));

	ASSERT_EQ(0, dm_inject_set("page_busy", "times", 1));
	migrate_all(_metadata, self->fd, self->small, size, false);
	EXPECT_EQ(2, dm_inject_get("page_busy", "hits"));
	EXPECT_EQ(2ULL, dm_stat_of(self->fd, "migrate_retries"));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 0));
	EXPECT_EQ(-1, buf_check(self->small, size, 81));
	check_clean_close(_metadata, self);
}

/*
 * A page busy at every pass: the window passes over it ten times more (the
 * last eight after a wait, DOC: Migration), then gives up on that page
 * alone (-EBUSY, one busy page per window, the rest moved), which stays
 * where it is with its data.
 */
TEST_F_TIMEOUT(inject, page_busy_always_fails_that_page, TEST_SECONDS)
{
	size_t size = KIB(64), n = size / PAGE;
	struct drm_devmir_migrate m;

	buf_fill(self->small, size, 82);
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 1));
	/* self->small is 2 MiB-aligned: 64 KiB is one window. */
	EXPECT_EQ(-EBUSY, dm_to_device(self->fd, self->small, size, &m));
	EXPECT_EQ(n - 1, m.migrated);
	EXPECT_EQ(1ULL, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
	EXPECT_EQ(n, dm_migrate_total(&m));
	EXPECT_EQ(11, dm_inject_get("page_busy", "hits"));
	EXPECT_EQ(10ULL, dm_stat_of(self->fd, "migrate_retries"));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 0));

	ASSERT_EQ(0, dm_read(self->fd, self->small, size, self->out));
	EXPECT_EQ(-1, buf_check(self->out, size, 82));
	/* The page left behind moves now; the others are already there. */
	ASSERT_EQ(0, dm_to_device(self->fd, self->small, size, &m));
	EXPECT_EQ(1ULL, m.migrated);
	EXPECT_EQ(n - 1, m.already);
	migrate_all(_metadata, self->fd, self->small, size, false);
	EXPECT_EQ(-1, buf_check(self->small, size, 82));
	check_clean_close(_metadata, self);
}

/*
 * A device fault's migration never sleeps for a busy page: its windows pass
 * again twice at once (three passes, each hit), then the fault mirrors the
 * page where it is. Every byte reads back.
 */
TEST_F_TIMEOUT(inject, page_busy_fault_migration_does_not_wait, TEST_SECONDS)
{
	size_t size = KIB(64);
	long long hits;
	uint64_t retries;

	buf_fill(self->small, size, 83);
	ASSERT_EQ(0, dm_set_migrate_policy(self->fd, DRM_DEVMIR_MIGMODE_FIRST_FAULT, 0));
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 1));
	ASSERT_EQ(0, dm_read(self->fd, self->small, size, self->out));
	hits = dm_inject_get("page_busy", "hits");
	retries = dm_stat_of(self->fd, "migrate_retries");
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 0));
	EXPECT_LT(0, hits);
	EXPECT_EQ(3 * (long long)retries, 2 * hits);
	EXPECT_EQ(-1, buf_check(self->out, size, 83));
	EXPECT_EQ(-1, buf_check(self->small, size, 83));
	check_clean_close(_metadata, self);
}

/*
 * The waits for busy pages are a budget of the whole call: eight windows
 * (one page per VMA, protections alternating) each with a page busy at
 * every pass wait only until the budget is spent; the windows after that
 * pass again twice at once, as a device fault's do. Every window still fails its
 * page alone and every pass is counted.
 */
TEST_F_TIMEOUT(inject, page_busy_wait_budget_is_per_call, TEST_SECONDS)
{
	size_t n = 8, size = n * PAGE, i;
	struct drm_devmir_migrate m;
	uint64_t retries;

	buf_fill(self->small, size, 84);
	for (i = 1; i < n; i += 2)
		ASSERT_EQ(0, mprotect(self->small + i * PAGE, PAGE, PROT_READ));
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 1));
	EXPECT_EQ(-EBUSY, dm_to_device(self->fd, self->small, size, &m));
	EXPECT_EQ(0ULL, m.migrated);
	EXPECT_EQ(n, m.failed[DRM_DEVMIR_MIGFAIL_BUSY]);
	retries = dm_stat_of(self->fd, "migrate_retries");
	/* The first window waited its eight times; the last ones did not. */
	EXPECT_LE(10ULL + 2 * (n - 1), retries);
	EXPECT_GT(10ULL * n, retries);
	EXPECT_EQ((long long)(retries + n), dm_inject_get("page_busy", "hits"));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 0));
	ASSERT_EQ(0, mprotect(self->small, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(-1, buf_check(self->small, size, 84));
	check_clean_close(_metadata, self);
}

/*
 * A THP busy for one pass (device THP): the kernel collects it as one 2 MiB
 * entry, the injection makes that entry busy as a whole, and the retry
 * passes over the whole block again, so every page moves, as one folio, in
 * one retry; the same back to system memory.
 */
TEST_F_TIMEOUT(inject, page_busy_thp_entry_retried_whole, TEST_SECONDS)
{
	size_t size = HUGE_2M, n = size / PAGE;
	struct drm_devmir_migrate m;

	if (dm_devmem_field(0, "device_thp") != 1)
		SKIP(return, "kernel without device-private THP (HAVE_DEVICE_PRIVATE_THP)");
	buf_thp(self->thp, size, true);
	buf_fill(self->thp, size, 83);
	if (thp_kib(self->thp) < (long)(size >> 10))
		SKIP(return, "no THP for the buffer");
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("page_busy", "times", 1));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 1));
	ASSERT_EQ(0, dm_to_device(self->fd, self->thp, size, &m));
	EXPECT_EQ(n, m.migrated);
	EXPECT_EQ(0ULL, dm_migrate_failed(&m));
	EXPECT_EQ(1, dm_inject_get("page_busy", "hits"));
	EXPECT_EQ(1ULL, dm_stat_of(self->fd, "migrate_retries"));
	EXPECT_EQ(1ULL, dm_stat_of(self->fd, "thp_migrated"));
	EXPECT_EQ(0ULL, dm_stat_of(self->fd, "thp_fallbacks"));
	ASSERT_EQ(0, dm_read(self->fd, self->thp, size, self->out));
	EXPECT_EQ(-1, buf_check(self->out, size, 83));

	ASSERT_EQ(0, dm_inject_set("page_busy", "times", 1));
	migrate_all(_metadata, self->fd, self->thp, size, false);
	EXPECT_EQ(2, dm_inject_get("page_busy", "hits"));
	EXPECT_EQ(2ULL, dm_stat_of(self->fd, "migrate_retries"));
	EXPECT_EQ(2ULL, dm_stat_of(self->fd, "thp_migrated"));
	ASSERT_EQ(0, dm_inject_set("page_busy", "rate", 0));
	EXPECT_EQ(-1, buf_check(self->thp, size, 83));
	check_clean_close(_metadata, self);
}

/*
 * A storm: every hmm_range_fault() "races". A device fault gives up with
 * -EBUSY after the timeout, a migration still accounts for every page, the
 * data are intact, and everything works once it stops.
 */
TEST_F_TIMEOUT(inject, hmm_busy_storm, TEST_SECONDS)
{
	size_t size = KIB(64), n = size / PAGE;
	struct drm_devmir_migrate m;
	struct tally t = { };
	int ret;

	buf_fill(self->small, size, 77);
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("hmm_busy", "rate", 1));
	EXPECT_EQ(-EBUSY, dm_read(self->fd, self->small, PAGE, self->out));
	ret = dm_to_device(self->fd, self->small, size, &m);
	check_migrate(&t, ret, OK_EBUSY, &m, n, "storm to_device");
	EXPECT_LE(16, dm_inject_get("hmm_busy", "hits"));
	ASSERT_EQ(0, dm_inject_set("hmm_busy", "rate", 0));
	EXPECT_EQ(0UL, t.bad);

	ASSERT_EQ(0, dm_read(self->fd, self->small, size, self->out));
	EXPECT_EQ(-1, buf_check(self->out, size, 77));
	ASSERT_EQ(0, dm_to_system(self->fd, self->small, size, &m));
	EXPECT_EQ(n, dm_migrate_total(&m));
	EXPECT_EQ(-1, buf_check(self->small, size, 77));
	check_clean_close(_metadata, self);
}

/* Every commit loses its race: faults and atomics end with -EBUSY. */
TEST_F_TIMEOUT(inject, seq_bump_storm, TEST_SECONDS)
{
	uint64_t old;

	buf_fill(self->small, KIB(64), 78);
	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("seq_bump", "rate", 1));
	EXPECT_EQ(-EBUSY, dm_read(self->fd, self->small, PAGE, self->out));
	EXPECT_EQ(-EBUSY, dm_atomic_add(self->fd, self->small + PAGE, 1, &old));
	EXPECT_LE(32, dm_inject_get("seq_bump", "hits"));
	ASSERT_EQ(0, dm_inject_set("seq_bump", "rate", 0));

	/* Nothing was added; everything works again. */
	EXPECT_EQ(-1, buf_check(self->small, KIB(64), 78));
	ASSERT_EQ(0, dm_read(self->fd, self->small, KIB(64), self->out));
	EXPECT_EQ(-1, buf_check(self->out, KIB(64), 78));
	ASSERT_EQ(0, dm_atomic_add(self->fd, self->small + PAGE, 0, &old));
	check_clean_close(_metadata, self);
}

/* The times budget: a point stops after that many failures. */
TEST_F_TIMEOUT(inject, times_budget, TEST_SECONDS)
{
	struct tally t = { };
	int i;

	ASSERT_EQ(0, dm_inject_seed(inject_seed()));
	ASSERT_EQ(0, dm_inject_set("copy_fail", "times", 3));
	ASSERT_EQ(0, dm_inject_set("copy_fail", "rate", 1));
	/* Until the point was reached more often than its budget. */
	for (i = 0; i < 8 && dm_inject_get("copy_fail", "calls") < 5; i++)
		round_migrate(self->fd, i & 1 ? self->thp : self->small, BUF_SIZE,
			      self->out, 90 + 2 * i, OK_ENOMEM, &t);
	EXPECT_EQ(3, dm_inject_get("copy_fail", "hits"));
	EXPECT_EQ(0, dm_inject_get("copy_fail", "times"));
	EXPECT_LT(3, dm_inject_get("copy_fail", "calls"));
	EXPECT_EQ(0UL, t.bad);
	/* Bad values are refused. */
	EXPECT_EQ(-EINVAL, dm_inject_set("copy_fail", "times", -2));
	EXPECT_EQ(-EINVAL, dm_inject_set("copy_fail", "rate", 1LL << 32));
	ASSERT_EQ(0, dm_inject_off());
	check_clean_close(_metadata, self);
}

/*
 * Writing the same seed again replays the same decisions: the same calls
 * fail at the same points of their batches, so the same pages move.
 */
TEST_F_TIMEOUT(inject, seed_replays, TEST_SECONDS)
{
	long long calls[2], hits[2];
	struct tally t[2] = { };
	int pass;

	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, dm_inject_seed(inject_seed()));
		/* Every copy fails, each at its own point of the batch. */
		ASSERT_EQ(0, dm_inject_set("copy_fail", "rate", 1));
		round_migrate(self->fd, self->small, BUF_SIZE, self->out, 95, OK_ENOMEM, &t[pass]);
		round_migrate(self->fd, self->thp, BUF_SIZE, self->out, 97, OK_ENOMEM, &t[pass]);
		hits[pass] = dm_inject_get("copy_fail", "hits");
		calls[pass] = dm_inject_get("copy_fail", "calls");
		ASSERT_EQ(0, dm_inject_set("copy_fail", "rate", 0));
		/* Back to system memory with the point off, for the next pass. */
		EXPECT_EQ(-1, buf_check(self->small, BUF_SIZE, 96));
		EXPECT_EQ(-1, buf_check(self->thp, BUF_SIZE, 98));
		note_tally("copy_fail replay", pass ? "second" : "first", &t[pass]);
	}
	dm_note("copy_fail replay: %lld/%lld hits/calls, then %lld/%lld",
		hits[0], calls[0], hits[1], calls[1]);
	EXPECT_LT(0, hits[0]);
	EXPECT_EQ(calls[0], calls[1]);
	EXPECT_EQ(hits[0], hits[1]);
	EXPECT_EQ(t[0].migrated, t[1].migrated);
	EXPECT_EQ(t[0].nomem_pages, t[1].nomem_pages);
	EXPECT_EQ(0UL, t[0].bad + t[1].bad);
	check_clean_close(_metadata, self);
}

TEST_HARNESS_MAIN
