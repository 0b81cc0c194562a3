/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - shared helpers of the reliability programs (devmirror_torture,
 * devmirror_fuzz, devmirror_teardown): a seeded random generator, TAP lines,
 * run lengths scaled by kernel variant, mirror accounting through debugfs,
 * the kernel's fault injection (failslab, fail_page_alloc, fail-nth),
 * module loading, and a thread churning unrelated mappings.
 *
 * Functions returning int return 0 (or a count) on success and a negative
 * errno on failure unless stated otherwise.
 */
#ifndef _DEVMIR_STRESS_H
#define _DEVMIR_STRESS_H

#include <pthread.h>
#include <stdint.h>

#include "kselftest.h"		/* ARRAY_SIZE(), __printf() */

/**
 * struct dm_rng - A splitmix64 generator: one 64-bit state, reproducible
 * from its seed, cheap enough to call per field.
 * @state: Current state.
 */
struct dm_rng {
	uint64_t state;
};

/* Seed @rng from @seed and a stream number (thread, process, ...). */
void dm_rng_init(struct dm_rng *rng, uint64_t seed, uint64_t stream);
uint64_t dm_rng_next(struct dm_rng *rng);
/* Uniform in [0, @n); 0 when @n is 0. */
uint64_t dm_rng_below(struct dm_rng *rng, uint64_t n);
/* True with probability @pct percent. */
int dm_rng_percent(struct dm_rng *rng, unsigned int pct);
/* A seed for runs that were not given one: time and pid mixed. */
uint64_t dm_seed_from_clock(void);

/*
 * TAP through the shared library (tests/common/tap.h): "ok N - name" /
 * "not ok N - name" on stdout, numbered from 1; the plan
 * line "1..N" comes last (dm_tap_done()).
 */
int dm_tap(int ok, const char *fmt, ...) __printf(2, 3);
/* Prepended to every following test name (e.g. "tiny_"). */
void dm_tap_set_prefix(const char *prefix);
void dm_tap_skip(const char *why, const char *fmt, ...) __printf(2, 3);
/* Print the plan; returns 0 if every line was ok, 1 otherwise. */
int dm_tap_done(void);
/* Async-signal-safe diagnostic "# ..." line on stderr (usable after fork). */
void dm_note(const char *fmt, ...) __printf(1, 2);

/* Whether the guest runs the debug (KASAN/kmemleak) kernel variant. */
int dm_debug_kernel(void);
/*
 * Run-length knob: environment variable @name if set, else @debug on the
 * debug kernel, else @base.
 */
unsigned long dm_knob(const char *name, unsigned long base, unsigned long debug);
/* Monotonic clock in nanoseconds. */
uint64_t dm_now_ns(void);
/*
 * Wait for the @n child processes @pids until the dm_now_ns() time @limit;
 * past it, print their kernel stacks (/proc/PID/task/TID/stack) and kill
 * them. Returns how many ended; *@bad counts those that did not exit 0.
 */
unsigned int dm_wait_children(const int *pids, unsigned int n, uint64_t limit,
			      unsigned int *bad);

/*
 * Wait for child @pid: its exit status, 1000 + the signal that killed it,
 * or -1 if it could not be waited for.
 */
int dm_wait_child(int pid);

/*
 * Mirror objects alive on every devmirror device: the number of
 * debugfs devmirror/<dev>/mirror-<asid> directories, which exist from a
 * mirror's creation until it is freed. -errno if debugfs is not there.
 */
int dm_mirror_objects(void);
/*
 * Poll dm_mirror_objects() until it equals @want or @timeout_s seconds
 * passed (deferred file release may lag a moment); returns the last count.
 */
int dm_wait_mirror_objects(int want, unsigned int timeout_s);
/* Mirrors whose debugfs self-check does not say "ok" (0: all fine). */
int dm_mirror_check_failures(void);

/* Kernel fault-injection attributes in debugfs. */
enum dm_fi_kind {
	DM_FI_SLAB,	/* /sys/kernel/debug/failslab */
	DM_FI_PAGE,	/* /sys/kernel/debug/fail_page_alloc */
};

/*
 * Failures an armed attribute may inject: its "times" counts down from
 * here, so that dm_fi_injected() can tell how many were injected.
 */
#define DM_FI_BUDGET	1000000000

/*
 * Arm @kind for tasks that set make-it-fail: @probability percent of the
 * calls, up to DM_FI_BUDGET times, task filter on, sleeping allocations
 * included (order 0 too for pages), @verbose 0 or 1 (1: one line per
 * failure, never a stack dump). 0, or the first error of any attribute
 * write (-ENOENT without fault injection), noted on stderr.
 */
int dm_fi_arm(enum dm_fi_kind kind, unsigned int probability, unsigned int verbose);
/* Failures @kind injected since dm_fi_arm(), or a negative errno. */
long dm_fi_injected(enum dm_fi_kind kind);
/* Probability 0 and the kernel's defaults back. */
int dm_fi_disarm(enum dm_fi_kind kind);
/*
 * Per-thread switch (/proc/thread-self/make-it-fail): dm_fi_thread_open()
 * once per thread (-1 and a note on stderr when it fails), then
 * dm_fi_thread_set(fd, 1) around the calls that may fail: 0, or -errno
 * (noted) when the switch could not be written; fd < 0 is a no-op
 * returning 0, so callers that run without injection pass -1. A caller
 * that asked for injection counts every failure of either.
 */
int dm_fi_thread_open(void);
int dm_fi_thread_set(int fd, int on);
/*
 * Systematic injection (/proc/thread-self/fail-nth): dm_fi_nth_arm(fd, n)
 * makes the n-th fault-injection site this thread reaches fail;
 * dm_fi_nth_disarm() returns 1 if that fault was injected and 0 if the
 * thread never got that far (and disarms it).
 */
int dm_fi_nth_open(void);
int dm_fi_nth_arm(int fd, unsigned int n);
int dm_fi_nth_disarm(int fd);

/*
 * devmirror's own injection points (debugfs devmirror/inject/, see
 * driver/core/inject.c): @point is "hmm_busy", "seq_bump", "pool_exhaust"
 * or "copy_fail"; @attr "rate", "times", "hits" or "calls". The
 * "fault_stall" point has "pid" (write only: hold that process's device
 * faults; 0 releases them) and "hits".
 * dm_inject_seed() restarts every point's stream and clears its counters.
 * dm_inject_get() returns the value (>= 0, "times" may be -1) or -errno
 * below -1; dm_inject_off() sets every rate to 0 and times to -1.
 * -ENOENT when the core has no injection points (no debugfs).
 */
extern const char *const dm_inject_points[5];
int dm_inject_seed(uint64_t seed);
int dm_inject_set(const char *point, const char *attr, long long value);
long long dm_inject_get(const char *point, const char *attr);
int dm_inject_off(void);

/*
 * dm_wait_bounded() - waitpid() with a bound: 1 if @pid exited within
 * @seconds (its status in *@status), else 0 (still running, or no such
 * child).
 */
int dm_wait_bounded(pid_t pid, int *status, double seconds);

/* Kernel modules: finit_module of @path with @params ("" for none). */
int dm_module_load(const char *path, const char *params);
/* delete_module(@name, O_NONBLOCK): -EWOULDBLOCK while in use. */
int dm_module_unload(const char *name);
/* 1 if /proc/modules lists @name, else 0. */
int dm_module_loaded(const char *name);

/**
 * struct dm_churn - Another thread of the process mapping, touching and
 * unmapping a 64 KiB buffer wherever the kernel puts it: invalidations
 * that have nothing to do with what the device is using.
 * @thread: The thread.
 * @period_us: One cycle per this many microseconds at most; 0: back to back.
 * @stop: Set by dm_churn_stop(); __atomic accesses.
 * @failed: Set by the thread when an mmap() failed.
 * @cycles: Completed cycles; read with dm_churn_cycles().
 * @pid: The child process of dm_churn_start_apart().
 */
struct dm_churn {
	pthread_t thread;
	unsigned int period_us;
	int stop;
	int failed;
	unsigned long cycles;
	int pid;
};

/* Start the thread; 0 or -errno. */
int dm_churn_start(struct dm_churn *c, unsigned int period_us);
unsigned long dm_churn_cycles(struct dm_churn *c);
/* Stop and join the thread; 0, or -EIO if an mmap() failed. */
int dm_churn_stop(struct dm_churn *c);
/*
 * The same churn in a process of its own (the control: the same load on
 * the machine, none of its invalidations in the caller's mm): the caller's
 * program runs again as that process, so its main() must start with
 * dm_churn_child(). *@cp is shared with it; dm_churn_cycles() reads it;
 * dm_churn_stop_apart() stops the process, reaps it and unmaps *@cp: 0, or
 * -EIO.
 */
int dm_churn_start_apart(struct dm_churn **cp, unsigned int period_us);
int dm_churn_stop_apart(struct dm_churn *c);
/* In main(), first: -1 unless this is that process, which it then runs. */
int dm_churn_child(int argc, char **argv);

#endif /* _DEVMIR_STRESS_H */
