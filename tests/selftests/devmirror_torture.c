// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_torture - concurrency torture of the device mirror.
 *
 * Worker processes, each with several threads, run a table of operations on
 * an arena of slots: device READ, WRITE and atomics of self-verifying
 * patterns, against CPU refills, munmap, mmap, mprotect, madvise(DONTNEED),
 * fault-policy changes, migrations to device memory and back (MIGRATE; CPU
 * accesses fault device-private pages back by themselves and use
 * device-coherent ones in place) and fork (children that
 * verify and write their copy and exit, or are SIGKILLed mid-access). Every
 * word of a slot holds its
 * own virtual address and a generation; the page model (torture_model.h)
 * says what each page may hold, and every access is checked against it.
 *
 * A mismatch is a word the model does not allow: another address, an older
 * generation than the page held, a child's tag in the parent. An access that
 * races a mapping change of its slot may fail (-EFAULT, -EBUSY) or read
 * zeros from replaced pages, never other bytes (docs/reliability.md).
 *
 * usage: devmirror_torture [-d SECONDS] [-s SEED] [-p PROCS] [-t THREADS]
 *                          [-w OP=WEIGHT]... [-F slab|page] [-P PERCENT]
 *                          [-n PREFIX] [-X] [-H]
 *   -d  duration (default $DM_TORTURE_SECONDS, else 10; 30 on the debug kernel)
 *   -s  seed of the operation streams (default: from the clock; printed)
 *   -p  worker processes (2); -t threads per worker (3)
 *   -w  weight of one operation of the table below (0 disables it)
 *   -F  device accesses under failslab or fail_page_alloc (task filter)
 *   -P  fault-injection probability in percent (10)
 *   -n  prefix of the TAP test names (e.g. "tiny_" for a second run)
 *   -X  negative control: corrupt words behind the model's back; the run
 *       must report mismatches (and passes only if it does)
 *   -H  the THP slots start in device memory; where the kernel has
 *       device-private THP, migrations must have taken 2 MiB entries
 *       (torture_device_thp_used; a SKIP on other kernels)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devmir_test.h"
#include "stress.h"
#include "torture_migrate.h"
#include "torture_model.h"

#define MAX_PROCS	8
#define MAX_THREADS	16
#define MAX_DEVS	4
#define MAX_OPS		16
#define MAX_REPORTS	40	/* mismatch/errno lines printed per run */

/* The arena: two 2 MiB THP slots, then 64 KiB slots with holes between. */
#define NSLOTS_HUGE	2
#define NSLOTS		26
#define SMALL_PAGES	16
#define ARENA_BASE	0x200000000000ULL	/* worker p at BASE + p TiB */
#define ARENA_STRIDE	0x10000000000ULL

enum { O_OK, O_EFAULT, O_EBUSY, O_ENOMEM, O_RACED, O_BAD, O_NR };
static const char *const outcome_names[O_NR] = {
	"ok", "efault", "ebusy", "enomem", "raced", "bad",
};

/* Shared by every process of the run (MAP_SHARED). */
struct counters {
	uint64_t calls[MAX_OPS];
	uint64_t outcome[MAX_OPS][O_NR];
	uint64_t words, mismatches, bad_errno, corruptions, reports;
	uint64_t child_ok, child_killed, child_failed, swept, check_failed;
	uint64_t migrate_bad_counts;
	uint64_t fi_errors;	/* make-it-fail could not be opened or set */
};

struct worker {
	unsigned int index;
	struct dm_rng rng;
	int fi_fd;
	uint8_t *rbuf, *wbuf;
	struct tm_page a[TM_MAX_PAGES], b[TM_MAX_PAGES];
	uint64_t aseq, bseq;
};

struct torture_op {
	const char *name;
	unsigned int weight;
	void (*run)(struct worker *w, struct tm_slot *s, unsigned int op);
};

static struct {
	unsigned int seconds, procs, threads, ndev, fi, fi_percent, corrupt, expect_thp;
	uint64_t seed, deadline_ns;
} cfg = { .procs = 2, .threads = 3, .fi_percent = 10 };

static struct counters *ctr;
static unsigned int proc_index;
static struct tm_slot slots[NSLOTS];
static int dev_fd[MAX_DEVS];
static struct drm_devmir_get_info dev_info[MAX_DEVS];
static struct tm_page child_model[NSLOTS][TM_MAX_PAGES];
static const char *op_name(unsigned int op);

static uint64_t bump(uint64_t *counter, uint64_t n)
{
	return __atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

/* A "# ..." line for the first MAX_REPORTS problems of the run. */
#define report(fmt, ...) do {						\
	if (bump(&ctr->reports, 1) <= MAX_REPORTS)			\
		dm_note(fmt, ##__VA_ARGS__);				\
} while (0)

/* tm_verify() with counting and a report of the first bad word. */
static unsigned long verify(const char *what, const struct tm_slot *s, uint64_t va,
			    uint64_t len, const void *buf, const struct tm_page *a,
			    const struct tm_page *b, unsigned int p0, int ret)
{
	uint64_t first = 0, w, bva;
	const struct tm_page *m;
	unsigned long bad;

	bad = tm_verify(s, va, len, buf, a, b, p0, &first);
	bump(&ctr->words, len / 8);
	if (!bad)
		return 0;
	bump(&ctr->mismatches, bad);
	w = ((const uint64_t *)buf)[first];
	bva = va + 8 * first;
	m = &a[(bva - (uintptr_t)s->addr) / PAGE - p0];
	report("MISMATCH %s: slot %ld va %#llx read %#llx (va %#llx gen %u%s); "
	       "model %s zero_ok %u gens %s%u..%u; ret %d; %lu bad words", what,
	       (long)(s - slots), (unsigned long long)bva, (unsigned long long)w,
	       (unsigned long long)(w & TM_ADDR_MASK),
	       (unsigned int)((w >> TM_GEN_SHIFT) & 0xffff), w & TM_CHILD ? " child" : "",
	       tm_prot_names[m->prot], m->zero_ok, m->has_gen ? "" : "none ", m->lo,
	       m->hi, ret, bad);
	return bad;
}

/* Switch this thread's fault injection; a failure to do so is counted. */
static void fi_switch(struct worker *w, int on)
{
	if (dm_fi_thread_set(w->fi_fd, on))
		bump(&ctr->fi_errors, 1);
}

static int dev_access(struct worker *w, int fd, struct drm_devmir_access *acc)
{
	int ret;

	fi_switch(w, 1);
	ret = dm_access(fd, acc);
	fi_switch(w, 0);
	return ret;
}

/*
 * Count the outcome of a device access and check its errno. @permitted:
 * the model allowed the access over the whole range when it started;
 * @quiet: no mapping change of the slot overlapped it.
 */
static void classify(struct worker *w, unsigned int op, int ret, int quiet,
		     int permitted, int may_efault)
{
	int o, bad = 0;

	switch (ret) {
	case 0:
		o = O_OK;
		break;
	case -EFAULT:
		o = O_EFAULT;
		break;
	case -EBUSY:
		o = O_EBUSY;
		break;
	case -ENOMEM:
		o = O_ENOMEM;
		bad = !cfg.fi;
		break;
	default:
		o = O_BAD;
		bad = 1;
		break;
	}
	if (quiet && !permitted && ret != -EFAULT)
		bad = 1;	/* forbidden range, yet no -EFAULT */
	if (quiet && permitted && ret == -EFAULT && !may_efault && !cfg.fi)
		bad = 1;	/* nothing raced, yet -EFAULT */
	bump(&ctr->outcome[op][o], 1);
	if (!quiet)
		bump(&ctr->outcome[op][O_RACED], 1);
	if (bad) {
		bump(&ctr->bad_errno, 1);
		report("BAD ERRNO %s: ret %d, %s, range %s (thread %u)", op_name(op),
		       ret, quiet ? "quiet" : "raced", permitted ? "permitted" : "forbidden",
		       w->index);
	}
}

/*
 * Half of the operations go to four hot slots (one THP slot, three small),
 * so that accesses and mapping changes of one slot collide often.
 */
static struct tm_slot *pick_slot(struct worker *w)
{
	if (dm_rng_percent(&w->rng, 50))
		return &slots[NSLOTS_HUGE - 1 + dm_rng_below(&w->rng, 4)];
	return &slots[dm_rng_below(&w->rng, NSLOTS)];
}

/*
 * A device READ of a random part of pages [@p0, @p0 + @n) through @dev,
 * counted as operation @op, mismatches reported as @what.
 */
static void dev_read_run(struct worker *w, struct tm_slot *s, unsigned int op,
			 const char *what, unsigned int p0, unsigned int n,
			 unsigned int dev)
{
	struct drm_devmir_access acc = { .op = DRM_DEVMIR_OP_READ };
	uint64_t off, end;
	int ret, quiet;

	off = p0 * PAGE + 8 * dm_rng_below(&w->rng, PAGE / 8);
	end = (p0 + n - 1) * PAGE + 8 * (1 + dm_rng_below(&w->rng, PAGE / 8));
	if (end <= off)
		end = off + 8;
	acc.addr = (uintptr_t)s->addr + off;
	acc.size = end - off;
	acc.buffer = (uintptr_t)w->rbuf;
	acc.engine = dm_rng_below(&w->rng, dev_info[dev].engines);
	if (dm_rng_percent(&w->rng, 10))
		acc.flags = DRM_DEVMIR_ACCESS_NOFAULT;

	pthread_rwlock_rdlock(&s->content_lock);
	tm_snap(s, p0, n, w->a, &w->aseq);
	ret = dev_access(w, dev_fd[dev], &acc);
	tm_snap(s, p0, n, w->b, &w->bseq);
	pthread_rwlock_unlock(&s->content_lock);

	quiet = tm_quiet(w->aseq, w->bseq);
	classify(w, op, ret, quiet, tm_all_prot(w->a, n, TM_RO), acc.flags != 0);
	if (!ret)
		verify(what, s, acc.addr, acc.size, w->rbuf, w->a, w->b, p0, ret);
}

static void op_dev_read(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int p0, n, dev = dm_rng_below(&w->rng, cfg.ndev);

	tm_pick_run(s, &w->rng, &p0, &n);
	dev_read_run(w, s, op, "dev_read", p0, n, dev);
}

static void op_dev_write(struct worker *w, struct tm_slot *s, unsigned int op)
{
	struct drm_devmir_access acc = { .op = DRM_DEVMIR_OP_WRITE };
	unsigned int p0, n, i, dev = dm_rng_below(&w->rng, cfg.ndev);
	uint64_t *words = (uint64_t *)w->wbuf;
	int ret, quiet;
	uint16_t g;

	tm_pick_run(s, &w->rng, &p0, &n);
	acc.addr = (uintptr_t)s->addr + p0 * PAGE;
	acc.size = n * PAGE;
	acc.buffer = (uintptr_t)w->wbuf;
	acc.engine = dm_rng_below(&w->rng, dev_info[dev].engines);

	pthread_rwlock_wrlock(&s->content_lock);
	g = tm_write_begin(s, p0, n, w->a, &w->aseq);
	for (i = 0; i < acc.size / 8; i++)
		words[i] = tm_pat(acc.addr + 8 * i, g);
	ret = dev_access(w, dev_fd[dev], &acc);
	quiet = tm_write_end(s, p0, n, g, w->a, w->aseq, ret);
	pthread_rwlock_unlock(&s->content_lock);
	classify(w, op, ret, quiet, tm_all_prot(w->a, n, TM_RW), 0);
}

/* ATOMIC_ADD of 0 or CMPXCHG of a value with itself: reads, never changes. */
static void op_dev_atomic(struct worker *w, struct tm_slot *s, unsigned int op)
{
	struct drm_devmir_access acc = { .size = 8 };
	unsigned int p = dm_rng_below(&w->rng, s->npages);
	unsigned int dev = dm_rng_below(&w->rng, cfg.ndev);
	int ret, quiet;

	acc.addr = (uintptr_t)s->addr + p * PAGE + 8 * dm_rng_below(&w->rng, PAGE / 8);
	acc.engine = dm_rng_below(&w->rng, dev_info[dev].engines);
	pthread_rwlock_rdlock(&s->content_lock);
	tm_snap(s, p, 1, w->a, &w->aseq);
	if (dm_rng_percent(&w->rng, 50)) {
		acc.op = DRM_DEVMIR_OP_ATOMIC_ADD;
	} else {
		acc.op = DRM_DEVMIR_OP_ATOMIC_CMPXCHG;
		acc.compare = w->a[0].has_gen ? tm_pat(acc.addr, w->a[0].hi) : 0;
		acc.operand = acc.compare;
	}
	ret = dev_access(w, dev_fd[dev], &acc);
	tm_snap(s, p, 1, w->b, &w->bseq);
	pthread_rwlock_unlock(&s->content_lock);

	quiet = tm_quiet(w->aseq, w->bseq);
	classify(w, op, ret, quiet, w->a[0].prot == TM_RW, 0);
	if (!ret)
		verify("dev_atomic", s, acc.addr, 8, &acc.result, w->a, w->b, p, ret);
}

static void die(const char *what)
{
	dm_note("worker %u: %s: %s", proc_index, what, strerror(errno));
	exit(3);
}

static void op_munmap(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int p0, n;

	pthread_mutex_lock(&s->map_lock);
	tm_pick_run(s, &w->rng, &p0, &n);
	if (tm_munmap(s, p0, n))
		die("munmap");
	pthread_mutex_unlock(&s->map_lock);
	bump(&ctr->outcome[op][O_OK], 1);
}

static void op_mmap(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int p0, n;

	pthread_mutex_lock(&s->map_lock);
	tm_pick_run(s, &w->rng, &p0, &n);
	if (tm_mmap_fresh(s, p0, n))
		die("mmap");
	pthread_mutex_unlock(&s->map_lock);
	bump(&ctr->outcome[op][O_OK], 1);
}

static void op_mprotect(struct worker *w, struct tm_slot *s, unsigned int op)
{
	int prot = TM_NONE + dm_rng_below(&w->rng, 3);
	unsigned int p0, n;

	pthread_mutex_lock(&s->map_lock);
	if (tm_pick_mapped(s, &w->rng, &p0, &n)) {
		if (tm_mprotect(s, p0, n, prot))
			die("mprotect");
		bump(&ctr->outcome[op][O_OK], 1);
	}
	pthread_mutex_unlock(&s->map_lock);
}

static void op_dontneed(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int p0, n;

	pthread_mutex_lock(&s->map_lock);
	if (tm_pick_mapped(s, &w->rng, &p0, &n)) {
		if (tm_dontneed(s, p0, n))
			die("madvise");
		bump(&ctr->outcome[op][O_OK], 1);
	}
	pthread_mutex_unlock(&s->map_lock);
}

/*
 * CPU refill: map the whole slot read-write, check every word from the
 * CPU's side if @check, then store a new generation.
 */
static void refill(struct tm_slot *s, int check)
{
	if (tm_refill_map(s))
		die("refill");
	if (check)
		verify("cpu_check", s, (uintptr_t)s->addr, s->npages * PAGE, s->addr,
		       s->pm, s->pm, 0, 0);
	tm_refill_store(s);
}

static void op_cpu_refill(struct worker *w, struct tm_slot *s, unsigned int op)
{
	(void)w;
	pthread_mutex_lock(&s->map_lock);
	pthread_rwlock_wrlock(&s->content_lock);
	refill(s, 1);
	pthread_rwlock_unlock(&s->content_lock);
	pthread_mutex_unlock(&s->map_lock);
	bump(&ctr->outcome[op][O_OK], 1);
}

/*
 * Fault-ahead window and batch; half the time the window a CPU fault on a
 * device page migrates back, and 30 % of the time fault-driven migration
 * (off, first fault, or a threshold of 1..16 faults per 2 MiB).
 */
static void op_policy(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int dev = dm_rng_below(&w->rng, cfg.ndev);
	struct drm_devmir_set_policy pol = {
		.flags = DRM_DEVMIR_POLICY_WINDOW | DRM_DEVMIR_POLICY_BATCH,
		.fault_window = DRM_DEVMIR_WINDOW_MIN << dm_rng_below(&w->rng, 10),
		.fault_batch = 1 + dm_rng_below(&w->rng, dev_info[dev].fault_queue_entries),
	};

	(void)s;
	if (dm_rng_percent(&w->rng, 50)) {
		pol.flags |= DRM_DEVMIR_POLICY_RAM_WINDOW;
		pol.ram_window = DRM_DEVMIR_WINDOW_MIN << dm_rng_below(&w->rng, 10);
	}
	if (dm_rng_percent(&w->rng, 30)) {
		pol.flags |= DRM_DEVMIR_POLICY_MIGRATE;
		pol.migrate_mode = dm_rng_below(&w->rng, 3);
		if (pol.migrate_mode == DRM_DEVMIR_MIGMODE_THRESHOLD)
			pol.migrate_threshold = 1 + dm_rng_below(&w->rng, 16);
	}
	classify(w, op, dm_ioctl(dev_fd[dev], DRM_IOCTL_DEVMIR_SET_POLICY, &pol), 1, 1, 0);
}

/*
 * MIGRATE of a random run of a slot to a random device's memory or back,
 * 50 % as PREFETCH. It takes no lock of the slot: it races device reads,
 * writes and atomics, CPU refills (which fault device pages back) and
 * mapping changes, and changes no content, so the model stays as it is.
 * The call is checked (tmig_check()); half of the migrations to a device
 * are followed by a device READ of the run (counted as dev_read), from the
 * device memory of the same device or, through a peer's fault, of another.
 */
static void migrate_run(struct worker *w, struct tm_slot *s, unsigned int op,
			uint32_t direction)
{
	unsigned int dev = dm_rng_below(&w->rng, cfg.ndev);
	struct tmig_call c = { .direction = direction };
	enum tmig_verdict v;
	char why[160];
	int quiet;

	tm_pick_run(s, &w->rng, &c.p0, &c.n);
	if (dm_rng_percent(&w->rng, 50))
		c.flags = DRM_DEVMIR_MIGFLAG_PREFETCH;
	tm_snap(s, c.p0, c.n, w->a, &w->aseq);
	tmig_run(s, dev_fd[dev], w->fi_fd, &c);
	tm_snap(s, c.p0, c.n, w->b, &w->bseq);
	quiet = tm_quiet(w->aseq, w->bseq);

	bump(&ctr->outcome[op][c.ret == 0 ? O_OK : c.ret == -EFAULT ? O_EFAULT :
			       c.ret == -EBUSY ? O_EBUSY : c.ret == -ENOMEM ? O_ENOMEM :
			       O_BAD], 1);
	if (!quiet)
		bump(&ctr->outcome[op][O_RACED], 1);
	v = tmig_check(&c, w->a, quiet, cfg.fi != 0, why, sizeof(why));
	if (v != TMIG_OK) {
		bump(v == TMIG_BAD_ERRNO ? &ctr->bad_errno : &ctr->migrate_bad_counts, 1);
		report("BAD %s %s: slot %ld pages %u+%u flags %#x: ret %d: %s",
		       v == TMIG_BAD_ERRNO ? "ERRNO" : "COUNTS", op_name(op),
		       (long)(s - slots), c.p0, c.n, c.flags, c.ret, why);
	}
	if (direction == DRM_DEVMIR_MIGDIR_TO_DEVICE && !c.ret &&
	    dm_rng_percent(&w->rng, 50)) {
		if (dm_rng_percent(&w->rng, 25))
			dev = dm_rng_below(&w->rng, cfg.ndev);
		dev_read_run(w, s, 0, "migrated_read", c.p0, c.n, dev);
	}
}

static void op_migrate_dev(struct worker *w, struct tm_slot *s, unsigned int op)
{
	migrate_run(w, s, op, DRM_DEVMIR_MIGDIR_TO_DEVICE);
}

static void op_migrate_sys(struct worker *w, struct tm_slot *s, unsigned int op)
{
	migrate_run(w, s, op, DRM_DEVMIR_MIGDIR_TO_SYSTEM);
}

/* -X: damage a word the model says is exact, without telling the model. */
static void op_corrupt(struct worker *w, struct tm_slot *s, unsigned int op)
{
	unsigned int p = dm_rng_below(&w->rng, s->npages);
	uint64_t *word;

	pthread_mutex_lock(&s->map_lock);
	pthread_rwlock_wrlock(&s->content_lock);
	if (s->pm[p].prot == TM_RW && s->pm[p].has_gen && !s->pm[p].zero_ok) {
		word = (uint64_t *)(s->addr + p * PAGE) + dm_rng_below(&w->rng, PAGE / 8);
		*word ^= 1ULL << 12;
		bump(&ctr->corruptions, 1);
		bump(&ctr->outcome[op][O_OK], 1);
	}
	pthread_rwlock_unlock(&s->content_lock);
	pthread_mutex_unlock(&s->map_lock);
}

/* A child's device READ of a whole slot; 0 if it matched the model. */
static int child_read_slot(struct worker *w, int fd, unsigned int i)
{
	struct tm_slot *s = &slots[i];
	struct drm_devmir_access acc = {
		.op = DRM_DEVMIR_OP_READ,
		.addr = (uintptr_t)s->addr,
		.size = s->npages * PAGE,
		.buffer = (uintptr_t)w->rbuf,
	};
	int ret = dev_access(w, fd, &acc);

	if (ret == -EBUSY || (cfg.fi && (ret == -ENOMEM || ret == -EFAULT)))
		return 0;
	if (ret) {
		report("child: device read of slot %u failed: %d", i, ret);
		return 1;
	}
	return verify("child_read", s, acc.addr, acc.size, w->rbuf, child_model[i],
		      child_model[i], 0, ret) != 0;
}

/*
 * A forked child: only this thread exists. The slots no thread was
 * changing at fork time are checked from the CPU and through a mirror of
 * the child's own; then the child writes two slots of its copy with the
 * child tag (the parent must never see those words) and exits, with the
 * file open or closed. In @kill_mode it keeps reading until it is killed.
 */
static int child_main(struct worker *w, int kill_mode)
{
	unsigned int i, p, dev = dm_rng_below(&w->rng, cfg.ndev);
	uint64_t stop = dm_now_ns() + 10000000000ULL;
	int ok[NSLOTS], fd, bad = 0;

	for (i = 0; i < NSLOTS; i++)
		ok[i] = tm_fork_snap(&slots[i], child_model[i]);
	if (dm_read(dev_fd[dev], slots[0].addr, 8, w->rbuf) != -EBADF) {
		report("child: the parent's file worked in the child");
		return 1;
	}
	fi_switch(w, 1);
	fd = dm_open(dev);
	fi_switch(w, 0);
	if (fd < 0)
		return cfg.fi ? 0 : 2;
	for (i = 0; i < NSLOTS && !bad; i++) {
		struct tm_slot *s = &slots[i];

		if (!ok[i])
			continue;
		for (p = 0; p < s->npages && !bad; p++)
			if (child_model[i][p].prot >= TM_RO)
				bad = verify("child_cpu", s, (uintptr_t)s->addr + p * PAGE,
					     PAGE, s->addr + p * PAGE, child_model[i],
					     child_model[i], 0, 0) != 0;
		if (!bad && tm_all_prot(child_model[i], s->npages, TM_RO))
			bad = child_read_slot(w, fd, i);
	}
	while (kill_mode && !bad && dm_now_ns() < stop) {
		i = dm_rng_below(&w->rng, NSLOTS);
		if (ok[i] && tm_all_prot(child_model[i], slots[i].npages, TM_RO))
			bad = child_read_slot(w, fd, i);
	}
	for (i = 0, p = 0; i < NSLOTS && p < 2 && !bad; i++) {
		struct tm_slot *s = &slots[i];
		uint64_t *words = (uint64_t *)w->wbuf, n = s->npages * PAGE / 8, k;

		if (!ok[i] || !tm_all_prot(child_model[i], s->npages, TM_RW))
			continue;
		for (k = 0; k < n; k++)
			words[k] = tm_pat((uintptr_t)s->addr + 8 * k, 0x7fff) | TM_CHILD;
		if (dm_write(fd, s->addr, n * 8, w->wbuf))
			continue;
		p++;
		if (memcmp(s->addr, w->wbuf, n * 8) || dm_read(fd, s->addr, n * 8, w->rbuf) ||
		    memcmp(w->rbuf, w->wbuf, n * 8)) {
			report("child: its own device write of slot %u did not stick", i);
			bad = 1;
		}
	}
	if (dm_rng_percent(&w->rng, 50))
		close(fd);
	return bad;
}

static void op_fork(struct worker *w, struct tm_slot *s, unsigned int op)
{
	int kill_mode = dm_rng_percent(&w->rng, 30), status;
	useconds_t delay = dm_rng_below(&w->rng, 20000);
	pid_t pid;

	(void)s;
	pid = fork();
	if (pid == 0)
		_exit(child_main(w, kill_mode));
	if (pid < 0) {
		report("fork: %s", strerror(errno));
		bump(&ctr->outcome[op][O_BAD], 1);
		return;
	}
	if (kill_mode) {
		usleep(delay);
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && kill_mode) {
		bump(&ctr->child_killed, 1);
	} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		bump(&ctr->child_ok, 1);
	} else {
		bump(&ctr->child_failed, 1);
		report("child %d failed: %s %d", pid, WIFEXITED(status) ? "status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	bump(&ctr->outcome[op][O_OK], 1);
}

/* The operations and their weights. */
static struct torture_op ops[] = {
	{ "dev_read",      40, op_dev_read },	/* first: migrate_run() reads as it */
	{ "dev_write",     12, op_dev_write },
	{ "dev_atomic",     8, op_dev_atomic },
	{ "cpu_refill",     8, op_cpu_refill },
	{ "munmap",         5, op_munmap },
	{ "mmap",           4, op_mmap },
	{ "mprotect",       6, op_mprotect },
	{ "madv_dontneed",  5, op_dontneed },
	{ "policy",         2, op_policy },
	{ "migrate_dev",    4, op_migrate_dev },
	{ "migrate_sys",    3, op_migrate_sys },
	{ "fork",           1, op_fork },
	{ "corrupt",        0, op_corrupt },
};

#define NOPS	ARRAY_SIZE(ops)

static const char *op_name(unsigned int op)
{
	return op < NOPS ? ops[op].name : "?";
}

static struct torture_op *op_find(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < NOPS; i++)
		if (strlen(ops[i].name) == len && !strncmp(ops[i].name, name, len))
			return &ops[i];
	return NULL;
}

/*
 * Whether a worker stops: at the deadline; with -X not before a word was
 * damaged and a check met it (the control proves nothing until then, and a
 * loaded machine may need longer than the run's time for both), but at ten
 * times the run's length at the latest.
 */
static bool worker_stops(void)
{
	uint64_t now = dm_now_ns();

	if (now < cfg.deadline_ns)
		return false;
	if (!cfg.corrupt)
		return true;
	return (__atomic_load_n(&ctr->corruptions, __ATOMIC_RELAXED) &&
		__atomic_load_n(&ctr->mismatches, __ATOMIC_RELAXED)) ||
	       now >= cfg.deadline_ns + 9ULL * cfg.seconds * 1000000000ULL;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0, i;
	uint64_t r;

	for (i = 0; i < NOPS; i++)
		total += ops[i].weight;
	w->fi_fd = cfg.fi ? dm_fi_thread_open() : -1;
	if (cfg.fi && w->fi_fd < 0)
		bump(&ctr->fi_errors, 1);
	while (!worker_stops()) {
		r = dm_rng_below(&w->rng, total);
		for (i = 0; r >= ops[i].weight; i++)
			r -= ops[i].weight;
		ops[i].run(w, pick_slot(w), i);
		bump(&ctr->calls[i], 1);
	}
	if (w->fi_fd >= 0)
		close(w->fi_fd);
	w->fi_fd = -1;
	return NULL;
}

/*
 * End of a worker: nothing changes any more, so a device read of every
 * readable slot must succeed and match exactly; then a CPU check.
 */
static void final_sweep(struct worker *w)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NSLOTS; i++) {
		struct tm_slot *s = &slots[i];
		struct drm_devmir_access acc = {
			.op = DRM_DEVMIR_OP_READ,
			.addr = (uintptr_t)s->addr,
			.size = s->npages * PAGE,
			.buffer = (uintptr_t)w->rbuf,
		};

		if (tm_all_prot(s->pm, s->npages, TM_RO)) {
			ret = dm_access(dev_fd[i % cfg.ndev], &acc);
			if (ret) {
				bump(&ctr->bad_errno, 1);
				report("BAD ERRNO final_read: slot %u: %d with nothing racing",
				       i, ret);
			} else {
				verify("final_read", s, acc.addr, acc.size, w->rbuf, s->pm,
				       s->pm, 0, ret);
			}
		}
		refill(s, 1);
		bump(&ctr->swept, 1);
	}
}

static int torture_worker(unsigned int p)
{
	uint8_t *base = (uint8_t *)(uintptr_t)(ARENA_BASE + p * ARENA_STRIDE);
	struct worker *workers = calloc(cfg.threads, sizeof(*workers));
	size_t bufsize = TM_MAX_PAGES * PAGE;
	pthread_t tids[MAX_THREADS];
	unsigned int i, d;

	proc_index = p;
	for (i = 0; i < NSLOTS; i++) {
		if (i < NSLOTS_HUGE)
			tm_slot_init(&slots[i], base + i * HUGE_2M, TM_MAX_PAGES, 1);
		else
			tm_slot_init(&slots[i], base + NSLOTS_HUGE * HUGE_2M +
				     (i - NSLOTS_HUGE) * (SMALL_PAGES + 1) * PAGE,
				     SMALL_PAGES, 0);
		refill(&slots[i], 0);
	}
	for (d = 0; d < cfg.ndev; d++) {
		struct dm_rng rng;

		dev_fd[d] = dm_open(d);
		if (dev_fd[d] < 0 || dm_info(dev_fd[d], &dev_info[d]))
			die("open");
		dm_rng_init(&rng, cfg.seed, 1000 + p * MAX_DEVS + d);
		dm_set_window(dev_fd[d], DRM_DEVMIR_WINDOW_MIN << dm_rng_below(&rng, 10));
	}
	/*
	 * -H: the THP slots start in device 0's memory, as whole 2 MiB folios
	 * where the kernel has device THP, so that the racing operations
	 * split, evict and bring back device folios (the data stay the
	 * model's: a migration changes no byte).
	 */
	for (i = 0; cfg.expect_thp && i < NSLOTS_HUGE; i++)
		dm_to_device(dev_fd[0], slots[i].addr, HUGE_2M, NULL);
	for (i = 0; i < cfg.threads; i++) {
		struct worker *w = &workers[i];

		w->index = p * MAX_THREADS + i;
		dm_rng_init(&w->rng, cfg.seed, w->index);
		w->rbuf = buf_map(bufsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
		w->wbuf = buf_map(bufsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
		if (w->rbuf == MAP_FAILED || w->wbuf == MAP_FAILED)
			die("buffers");
		if (pthread_create(&tids[i], NULL, worker_thread, w))
			die("pthread_create");
	}
	for (i = 0; i < cfg.threads; i++)
		pthread_join(tids[i], NULL);
	final_sweep(&workers[0]);
	bump(&ctr->check_failed, dm_mirror_check_failures());
	return 0;	/* exit with the files open and the mirrors populated */
}

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-d SECONDS] [-s SEED] [-p PROCS] [-t THREADS]\n"
		"       [-w OP=WEIGHT]... [-F slab|page] [-P PERCENT] [-n PREFIX] [-X] [-H]\n",
		prog);
	exit(2);
}

static void set_weight(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct torture_op *op = eq ? op_find(arg, eq - arg) : NULL;

	if (!op) {
		fprintf(stderr, "unknown operation in -w %s\n", arg);
		exit(2);
	}
	op->weight = strtoul(eq + 1, NULL, 0);
}

static void parse_args(int argc, char **argv)
{
	int opt;

	cfg.seconds = dm_knob("DM_TORTURE_SECONDS", 10, 30);
	cfg.seed = dm_seed_from_clock();
	while ((opt = getopt(argc, argv, "d:s:p:t:w:F:P:n:XH")) != -1) {
		switch (opt) {
		case 'd':
			cfg.seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			cfg.procs = strtoul(optarg, NULL, 0);
			break;
		case 't':
			cfg.threads = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			set_weight(optarg);
			break;
		case 'P':
			cfg.fi_percent = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			dm_tap_set_prefix(optarg);
			break;
		case 'X':
			cfg.corrupt = 1;
			set_weight("corrupt=2");
			break;
		case 'H':
			cfg.expect_thp = 1;
			break;
		case 'F':
			if (!strcmp(optarg, "slab"))
				cfg.fi = 1 + DM_FI_SLAB;
			else if (!strcmp(optarg, "page"))
				cfg.fi = 1 + DM_FI_PAGE;
			else
				bad_usage(argv[0]);
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (!cfg.procs || cfg.procs > MAX_PROCS || !cfg.threads ||
	    cfg.threads > MAX_THREADS || !cfg.seconds)
		bad_usage(argv[0]);
}

static void print_counts(void)
{
	unsigned long long *o;
	uint64_t total = 0;
	unsigned int i;

	dm_note("%-14s %9s %9s %9s %9s %9s %9s %9s", "operation", "calls",
		outcome_names[0], outcome_names[1], outcome_names[2],
		outcome_names[3], outcome_names[4], outcome_names[5]);
	for (i = 0; i < NOPS; i++) {
		total += ctr->calls[i];
		o = (unsigned long long *)ctr->outcome[i];
		if (ctr->calls[i])
			dm_note("%-14s %9llu %9llu %9llu %9llu %9llu %9llu %9llu", ops[i].name,
				(unsigned long long)ctr->calls[i], o[0], o[1], o[2], o[3],
				o[4], o[5]);
	}
	dm_note("total %llu operations in %u s (%llu/s)", (unsigned long long)total,
		cfg.seconds, (unsigned long long)(total / cfg.seconds));
	dm_note("%llu words verified, %llu mismatches, %llu bad errnos",
		(unsigned long long)ctr->words, (unsigned long long)ctr->mismatches,
		(unsigned long long)ctr->bad_errno);
	dm_note("forked children: %llu verified and exited, %llu SIGKILLed, %llu failed; "
		"%llu slots swept at the end", (unsigned long long)ctr->child_ok,
		(unsigned long long)ctr->child_killed, (unsigned long long)ctr->child_failed,
		(unsigned long long)ctr->swept);
}

int main(int argc, char **argv)
{
	unsigned int p, exited, bad_exit = 0;
	struct tmig_sample before;
	pid_t pids[MAX_PROCS];
	int base_objects, objects, have_before;
	long injected = 0;

	parse_args(argc, argv);
	cfg.ndev = dm_count();
	if (cfg.ndev > MAX_DEVS)
		cfg.ndev = MAX_DEVS;
	if (!cfg.ndev) {
		dm_tap_skip("no devmirror render node (is devmirror_sim loaded?)", "torture");
		return dm_tap_done();
	}
	ctr = mmap(NULL, sizeof(*ctr), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (ctr == MAP_FAILED)
		return 1;
	dm_note("seed %llu: rerun with -s %llu for the same operation streams",
		(unsigned long long)cfg.seed, (unsigned long long)cfg.seed);
	dm_note("%u s, %u processes x %u threads, %u devices%s%s", cfg.seconds, cfg.procs,
		cfg.threads, cfg.ndev,
		!cfg.fi ? "" : cfg.fi == 1 + DM_FI_SLAB ? ", under failslab" :
		", under fail_page_alloc", cfg.corrupt ? ", corrupting on purpose (-X)" : "");
	/* Sampling opens files: wait for their mirrors to go again. */
	base_objects = dm_mirror_objects();
	have_before = !tmig_sample(cfg.ndev, &before);
	base_objects = dm_wait_mirror_objects(base_objects, 10);
	if (cfg.fi && dm_fi_arm(cfg.fi - 1, cfg.fi_percent, 0)) {
		dm_tap(0, "torture_fault_injection_armed (debugfs %s)",
		       cfg.fi == 1 + DM_FI_SLAB ? "failslab" : "fail_page_alloc");
		return dm_tap_done();
	}

	fflush(stdout);
	cfg.deadline_ns = dm_now_ns() + cfg.seconds * 1000000000ULL;
	for (p = 0; p < cfg.procs; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(torture_worker(p));
		if (pids[p] < 0)
			return 1;
	}
	/* Workers stop at the deadline; a generous grace catches hangs. */
	exited = dm_wait_children(pids, cfg.procs, cfg.deadline_ns +
				  (120 + 2ULL * cfg.seconds) * 1000000000ULL, &bad_exit);
	if (cfg.fi) {
		injected = dm_fi_injected(cfg.fi - 1);
		dm_fi_disarm(cfg.fi - 1);
	}
	print_counts();

	dm_tap(exited == cfg.procs, "torture_workers_finish");
	dm_tap(!bad_exit, "torture_workers_exit_cleanly");
	if (cfg.corrupt) {
		dm_tap(ctr->corruptions && ctr->mismatches,
		       "torture_detects_injected_corruption (%llu words damaged, %llu mismatches)",
		       (unsigned long long)ctr->corruptions, (unsigned long long)ctr->mismatches);
		return dm_tap_done();
	}
	dm_tap(!ctr->mismatches && ctr->words, "torture_no_mismatch (%llu words verified)",
	       (unsigned long long)ctr->words);
	dm_tap(!ctr->bad_errno, "torture_errnos_clean");
	/* Under injection: it was on in every thread, and failures happened. */
	if (cfg.fi) {
		dm_tap(!ctr->fi_errors, "torture_fault_injection_armed (%llu make-it-fail errors)",
		       (unsigned long long)ctr->fi_errors);
		if (cfg.fi_percent)
			dm_tap(injected > 0, "torture_failures_injected (%ld)", injected);
	}
	dm_tap(!ctr->child_failed && (!op_find("fork", 4)->weight ||
				      ctr->child_ok + ctr->child_killed),
	       "torture_children_consistent (%llu forks)",
	       (unsigned long long)(ctr->child_ok + ctr->child_killed));
	dm_tap(!ctr->check_failed, "torture_mirror_self_check");
	objects = dm_wait_mirror_objects(base_objects, 10);
	if (base_objects < 0)
		dm_tap_skip("no debugfs", "torture_mirrors_freed");
	else
		dm_tap(objects == base_objects,
		       "torture_mirrors_freed (%d mirror objects, %d before)", objects,
		       base_objects);
	tmig_verdict(cfg.ndev, have_before ? &before : NULL, ctr->migrate_bad_counts,
		     op_find("migrate_dev", 11)->weight && op_find("cpu_refill", 10)->weight &&
		     !cfg.fi, cfg.expect_thp);
	return dm_tap_done();
}
