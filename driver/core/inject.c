// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - the core's own fault-injection points, switched from debugfs
 * with a seed: the failures the kernel's failslab and fail_page_alloc cannot
 * produce (a racing invalidation, a pool that is empty, a copy engine that
 * gives up half way).
 */
#include <linux/debugfs.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

#include "internal.h"

/**
 * DOC: Fault injection
 *
 * With CONFIG_DEBUG_FS the core has five injection points, each switched on
 * from debugfs under ``devmirror/inject/``:
 *
 * ``hmm_busy``
 *	After hmm_range_fault() succeeded (device faults, migration refresh,
 *	snapshots), report -EBUSY as if an invalidation had raced it: the
 *	caller's retry loop runs again from mmu_interval_read_begin(), and gives
 *	up with -EBUSY after %HMM_RANGE_DEFAULT_TIMEOUT when every call fails
 *	(a storm).
 * ``seq_bump``
 *	Under the update lock, make mmu_interval_read_retry() report that the
 *	notifier sequence moved between the fault and the commit (device
 *	faults, migration refresh, exclusive access): nothing is installed and
 *	the fault is retried.
 * ``pool_exhaust``
 *	devmir_devmem_alloc() finds the free list empty: it evicts from the LRU
 *	and tries again, and after its last try the page fails with
 *	%DEVMIR_MIGRATE_FAIL_NOMEM.
 * ``copy_fail``
 *	The copy engine fails part way through a batch of a migration window
 *	or an eviction (not a CPU fault's migrate_to_ram, where the faulting
 *	process would get SIGBUS, nor the teardown's eviction): a random prefix
 *	of the batch is copied, the rest is not. The copied pages migrate; the
 *	others keep their data where they are and count as
 *	%DEVMIR_MIGRATE_FAIL_NOMEM (eviction: they stay on the LRU).
 * ``page_busy``
 *	One page of a pass over a migration window (a random one of those
 *	migrate_vma_setup() collected; holes and the zero page are no page to
 *	hold) is not migrated, as if someone held it for a moment: it counts
 *	busy, and the window passes over it again (DOC: Migration).
 *
 * Each point directory holds ``rate`` (fail one call in N; 0, the default,
 * switches the point off), ``times`` (failures left, -1 for no limit, the
 * default), ``hits`` (read-only: failures injected) and ``calls``
 * (read-only: calls that reached the point while it was on). Whether the
 * n-th call of a point fails is a hash of ``seed``, the point and n:
 * writing ``seed`` restarts every point's stream and clears its ``hits``
 * and ``calls``, so a single-threaded workload replays exactly; with
 * several threads the calls are numbered in the order they arrive.
 *
 * Cost when off: one static branch per hook, enabled only while some point
 * has a non-zero rate. A hook takes no lock (atomics only) and never
 * sleeps, so it may run under the pool's spinlock or the update lock.
 *
 * Three more points hold callers instead of failing them, for one process
 * (its pid written to ``pid``; 0 releases whoever is held; ``hits`` counts
 * the callers held), and sleep killably:
 *
 * ``fault_stall``
 *	Every device fault of the process's mirrors, under its mmap lock,
 *	as a CPU fault that blocks (userfaultfd, FUSE, NFS) would hold it.
 * ``migrate_stall``
 *	One migration window of the process at a time, after
 *	migrate_vma_setup() put migration entries in its page table and
 *	before the copy: other threads then meet those entries.
 * ``evict_stall``
 *	One eviction of the process's device pages at a time (by whichever
 *	process's migration evicts them), after migrate_vma_setup() put them
 *	under migration entries and before the copy, the process's mmap lock
 *	held for read: its munmap() and exit then wait for the eviction.
 */

/**
 * struct devmir_inject_point - State of one injection point.
 * @name: debugfs directory name.
 * @rate: Fail one call in @rate; 0 is off. Written under
 *	devmir_inject_lock, read with READ_ONCE().
 * @times: Failures left; -1 means no limit.
 * @calls: Calls numbered since the last seed write (while @rate != 0).
 * @hits: Failures injected since the last seed write.
 */
struct devmir_inject_point {
	const char *name;
	u32 rate;
	atomic_t times;
	atomic64_t calls;
	atomic64_t hits;
};

static struct devmir_inject_point devmir_inject_points[DEVMIR_INJECT_NR] = {
	[DEVMIR_INJECT_HMM_BUSY] = { .name = "hmm_busy", .times = ATOMIC_INIT(-1) },
	[DEVMIR_INJECT_SEQ_BUMP] = { .name = "seq_bump", .times = ATOMIC_INIT(-1) },
	[DEVMIR_INJECT_POOL_EXHAUST] = { .name = "pool_exhaust", .times = ATOMIC_INIT(-1) },
	[DEVMIR_INJECT_COPY_FAIL] = { .name = "copy_fail", .times = ATOMIC_INIT(-1) },
	[DEVMIR_INJECT_PAGE_BUSY] = { .name = "page_busy", .times = ATOMIC_INIT(-1) },
};

DEFINE_STATIC_KEY_FALSE(devmir_inject_enabled);

/**
 * struct devmir_stall_point - A point that holds callers instead of failing.
 * @name: debugfs directory name.
 * @mm: The mm whose callers are held (compared, never dereferenced), or
 *	NULL while the point is off.
 * @wq: Where held callers sleep.
 * @hits: Callers held so far.
 * @one: Hold one caller at a time; the others pass.
 * @held: With @one: whether a caller is held now.
 */
struct devmir_stall_point {
	const char *name;
	struct mm_struct *mm;
	wait_queue_head_t wq;
	atomic64_t hits;
	bool one;
	atomic_t held;
};

static struct devmir_stall_point devmir_stall_points[DEVMIR_STALL_NR] = {
	[DEVMIR_STALL_FAULT] = {
		.name = "fault_stall",
		.wq = __WAIT_QUEUE_HEAD_INITIALIZER(devmir_stall_points[DEVMIR_STALL_FAULT].wq),
	},
	[DEVMIR_STALL_MIGRATE] = {
		.name = "migrate_stall",
		.wq = __WAIT_QUEUE_HEAD_INITIALIZER(devmir_stall_points[DEVMIR_STALL_MIGRATE].wq),
		.one = true,
	},
	[DEVMIR_STALL_EVICT] = {
		.name = "evict_stall",
		.wq = __WAIT_QUEUE_HEAD_INITIALIZER(devmir_stall_points[DEVMIR_STALL_EVICT].wq),
		.one = true,
	},
};

/* Serialises debugfs writes: rates, the seed, the static key. */
static DEFINE_MUTEX(devmir_inject_lock);
static u64 devmir_inject_seed;

/* splitmix64's finaliser: a bijective 64-bit mix. */
static u64 devmir_inject_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * __devmir_inject() - Decide whether an injection point fails this call.
 * @id: The point.
 * @draw: If not NULL and the call fails, receives 64 more random bits of the
 *	same stream (e.g. where in a batch to fail).
 *
 * Use devmir_inject(), which skips this while every point is off.
 *
 * Context: Any context; lock-free, never sleeps.
 * Return: True if the caller must behave as if the operation failed.
 */
bool __devmir_inject(enum devmir_inject_id id, u64 *draw)
{
	struct devmir_inject_point *pt = &devmir_inject_points[id];
	u32 rate = READ_ONCE(pt->rate);
	u64 n, r;
	int t;

	if (!rate)
		return false;
	n = atomic64_inc_return(&pt->calls);
	r = devmir_inject_mix(READ_ONCE(devmir_inject_seed) +
			      devmir_inject_mix(((u64)id << 56) ^ n));
	if (r % rate)
		return false;

	t = atomic_read(&pt->times);
	do {
		if (!t)
			return false;
		if (t < 0)
			break;
	} while (!atomic_try_cmpxchg(&pt->times, &t, t - 1));

	atomic64_inc(&pt->hits);
	if (draw)
		*draw = devmir_inject_mix(r ^ 0x9e3779b97f4a7c15ULL);
	return true;
}

/* The static key follows "some point is on"; devmir_inject_lock held. */
static void devmir_inject_update_key(void)
{
	bool on = false;
	int i;

	lockdep_assert_held(&devmir_inject_lock);
	for (i = 0; i < DEVMIR_INJECT_NR; i++)
		on |= devmir_inject_points[i].rate != 0;
	for (i = 0; i < DEVMIR_STALL_NR; i++)
		on |= !!READ_ONCE(devmir_stall_points[i].mm);
	if (on && !static_key_enabled(&devmir_inject_enabled))
		static_branch_enable(&devmir_inject_enabled);
	else if (!on && static_key_enabled(&devmir_inject_enabled))
		static_branch_disable(&devmir_inject_enabled);
}

static int devmir_inject_rate_get(void *data, u64 *val)
{
	struct devmir_inject_point *pt = data;

	*val = READ_ONCE(pt->rate);
	return 0;
}

static int devmir_inject_rate_set(void *data, u64 val)
{
	struct devmir_inject_point *pt = data;

	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&devmir_inject_lock);
	WRITE_ONCE(pt->rate, val);
	devmir_inject_update_key();
	mutex_unlock(&devmir_inject_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_inject_rate_fops, devmir_inject_rate_get,
			 devmir_inject_rate_set, "%llu\n");

static int devmir_inject_times_get(void *data, u64 *val)
{
	struct devmir_inject_point *pt = data;

	*val = (u64)(s64)atomic_read(&pt->times);
	return 0;
}

static int devmir_inject_times_set(void *data, u64 val)
{
	struct devmir_inject_point *pt = data;
	s64 times = (s64)val;

	if (times < -1 || times > INT_MAX)
		return -EINVAL;
	atomic_set(&pt->times, times);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(devmir_inject_times_fops, devmir_inject_times_get,
				devmir_inject_times_set, "%lld\n");

static int devmir_inject_hits_get(void *data, u64 *val)
{
	struct devmir_inject_point *pt = data;

	*val = atomic64_read(&pt->hits);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_inject_hits_fops, devmir_inject_hits_get, NULL,
			 "%llu\n");

static int devmir_inject_calls_get(void *data, u64 *val)
{
	struct devmir_inject_point *pt = data;

	*val = atomic64_read(&pt->calls);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_inject_calls_fops, devmir_inject_calls_get, NULL,
			 "%llu\n");

static int devmir_inject_seed_get(void *data, u64 *val)
{
	*val = READ_ONCE(devmir_inject_seed);
	return 0;
}

static int devmir_inject_seed_set(void *data, u64 val)
{
	int i;

	mutex_lock(&devmir_inject_lock);
	WRITE_ONCE(devmir_inject_seed, val);
	for (i = 0; i < DEVMIR_INJECT_NR; i++) {
		atomic64_set(&devmir_inject_points[i].calls, 0);
		atomic64_set(&devmir_inject_points[i].hits, 0);
	}
	mutex_unlock(&devmir_inject_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_inject_seed_fops, devmir_inject_seed_get,
			 devmir_inject_seed_set, "%llu\n");

int __devmir_inject_stall(enum devmir_stall_id id, struct mm_struct *mm)
{
	struct devmir_stall_point *st = &devmir_stall_points[id];
	int ret = 0;

	if (READ_ONCE(st->mm) != mm)
		return 0;
	if (st->one && atomic_cmpxchg(&st->held, 0, 1))
		return 0;
	atomic64_inc(&st->hits);
	if (wait_event_killable(st->wq, READ_ONCE(st->mm) != mm))
		ret = -EINTR;
	if (st->one)
		atomic_set(&st->held, 0);
	return ret;
}

/* <point>/pid: the process whose callers to hold; 0 releases them. */
static int devmir_stall_pid_set(void *data, u64 val)
{
	struct devmir_stall_point *st = data;
	struct mm_struct *mm = NULL;
	struct task_struct *task;
	struct pid *pid;

	if (val > PID_MAX_LIMIT)
		return -EINVAL;
	if (val) {
		pid = find_get_pid(val);
		task = get_pid_task(pid, PIDTYPE_PID);
		put_pid(pid);
		if (!task)
			return -ESRCH;
		mm = get_task_mm(task);
		put_task_struct(task);
		if (!mm)
			return -EINVAL;
		/* Only compared: the mm may go, the pointer stays a key. */
		mmput(mm);
	}
	mutex_lock(&devmir_inject_lock);
	WRITE_ONCE(st->mm, mm);
	devmir_inject_update_key();
	mutex_unlock(&devmir_inject_lock);
	wake_up_all(&st->wq);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_stall_pid_fops, NULL, devmir_stall_pid_set,
			 "%llu\n");

static int devmir_stall_hits_get(void *data, u64 *val)
{
	struct devmir_stall_point *st = data;

	*val = atomic64_read(&st->hits);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(devmir_stall_hits_fops, devmir_stall_hits_get, NULL,
			 "%llu\n");

/**
 * devmir_inject_init() - Create devmirror/inject/ in debugfs.
 * @root: The core's debugfs directory, or NULL (then nothing is created and
 *	every point stays off).
 *
 * Failures are ignored: debugfs is optional. The files go with @root when
 * the module removes it.
 *
 * Context: Process context (module init).
 */
void devmir_inject_init(struct dentry *root)
{
	struct devmir_stall_point *st;
	struct devmir_inject_point *pt;
	struct dentry *dir, *sub;
	int i;

	if (!root)
		return;
	dir = debugfs_create_dir("inject", root);
	if (IS_ERR(dir))
		return;
	debugfs_create_file_unsafe("seed", 0600, dir, NULL, &devmir_inject_seed_fops);
	for (i = 0; i < DEVMIR_STALL_NR; i++) {
		st = &devmir_stall_points[i];
		sub = debugfs_create_dir(st->name, dir);
		if (IS_ERR(sub))
			continue;
		debugfs_create_file_unsafe("pid", 0200, sub, st,
					   &devmir_stall_pid_fops);
		debugfs_create_file_unsafe("hits", 0400, sub, st,
					   &devmir_stall_hits_fops);
	}
	for (i = 0; i < DEVMIR_INJECT_NR; i++) {
		pt = &devmir_inject_points[i];
		sub = debugfs_create_dir(pt->name, dir);
		if (IS_ERR(sub))
			continue;
		debugfs_create_file_unsafe("rate", 0600, sub, pt, &devmir_inject_rate_fops);
		debugfs_create_file_unsafe("times", 0600, sub, pt, &devmir_inject_times_fops);
		debugfs_create_file_unsafe("hits", 0400, sub, pt, &devmir_inject_hits_fops);
		debugfs_create_file_unsafe("calls", 0400, sub, pt, &devmir_inject_calls_fops);
	}
}
