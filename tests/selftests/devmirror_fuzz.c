// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_fuzz - random and boundary arguments to every ioctl of the
 * devmirror render node, plus raw ioctl numbers of the driver range with
 * random directions and sizes, and DRM_IOCTL_VERSION.
 *
 * Arguments come from fuzz_args.c: mostly valid calls with a few fields
 * replaced by boundary or random values, pointers into guarded regions, at
 * constants or anywhere, and argument pointers that are NULL, kernel
 * addresses or straddle into a PROT_NONE page. Every call must return,
 * with 0 or one of the documented errnos; every 1,000 calls a known-good
 * READ of a control page must return the right bytes, and six times a
 * run (render nodes only) the first thread renews its 2 MiB arena as a
 * THP and moves it whole to a device (fuzz_device_thp_used: where the
 * kernel has device-private THP, 2 MiB entries must have migrated), for
 * the calls to split, evict and bring back while the others race them. A
 * forked child fuzzes the parent's inherited files: nothing may succeed
 * there. Afterwards the device must still work, every mirror must pass its
 * debugfs self-check, and closing the files must free them all.
 *
 * With -C the same is done to the test_hmm compatible devices
 * /dev/hmm_dmirror0..1 (devmirror_sim.ko hmm_compat=1): the eight commands
 * of the kernel's lib/test_hmm_uapi.h and raw 'H' numbers, with targets
 * that include a mapping of the device file itself; afterwards both the
 * compat devices and the render nodes must work.
 *
 * usage: devmirror_fuzz [-C] [-n CALLS] [-s SEED] [-j THREADS] [-F slab|page]
 *                       [-P PERCENT] [-p PREFIX] [-v]
 *   -C  fuzz /dev/hmm_dmirror0..1 instead of the render nodes
 *   -n  ioctl calls in total (default $DM_FUZZ_CALLS, else 20000; 100000
 *       on the debug kernel; with -C $DM_FUZZ_COMPAT_CALLS, else 20000 on
 *       either kernel)
 *   -s  seed (default 1; printed). With -j 1 a run replays exactly; with
 *       more threads each thread's stream replays, their interleaving not.
 *   -j  fuzzing threads (2), each with its own files and stream
 *   -F  calls under failslab or fail_page_alloc (task filter); -P percent
 *   -p  prefix of the TAP test names
 *   -v  print every call before making it (for replaying a failure)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devmir_test.h"
#include "stress.h"
#include "fuzz_args.h"
#include "hmm_uapi.h"

#define MAX_THREADS	8
#define MAX_DEVS	4
#define CONTROL_EVERY	1000		/* calls between control READs */
#define THP_ROUNDS	6		/* thp_round()s per run, at most */
#define STALL_SECONDS	120

enum {
	RES_OK, RES_EINVAL, RES_EFAULT, RES_EBUSY, RES_ENOMEM, RES_EBADF, RES_EOPNOTSUPP,
	RES_EPERM, RES_ENOENT, RES_OTHER, RES_NR
};

static const char *const result_names[RES_NR] = {
	"ok", "einval", "efault", "ebusy", "enomem", "ebadf", "eopnotsup", "eperm",
	"enoent", "other",
};

static uint8_t *control;	/* never a fuzz target: control READs only */

static struct {
	unsigned long calls;
	unsigned int threads, fi, fi_percent, verbose, compat;
	uint64_t seed;
	unsigned int ndev;
} cfg = { .threads = 2, .fi_percent = 10, .seed = 1 };

static struct fz_device devices[MAX_DEVS];

struct fuzzer {
	unsigned int index;
	struct dm_rng rng;
	int fds[MAX_DEVS];
	int fi_fd;
	int foreign;			/* a child using the parent's files */
	uint8_t *args;			/* FZ_ARG_PAGES + 1 pages */
	uint8_t *control_out;		/* never a fuzz target */
	unsigned long done, limit;
	unsigned long count[FZ_NR][RES_NR];
	unsigned long unexpected, control_ok, control_bad, reopen, bad_counts;
	unsigned long fi_errors;	/* make-it-fail could not be opened or set */
	unsigned long thp_moved, thp_missed;	/* thp_round()s */
	/* The call in flight, for the stall report. */
	unsigned long cur_index;
	unsigned long cur_cmd;
	void *cur_arg;
	pthread_t tid;
	pid_t tid_nr;
};

static struct fuzzer fuzzers[MAX_THREADS];

/* Device @index: its render node, or with -C /dev/hmm_dmirror@index. */
static int open_dev(unsigned int index)
{
	char path[32];

	if (!cfg.compat)
		return dm_open(index);
	snprintf(path, sizeof(path), "/dev/hmm_dmirror%u", index);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int result_of(int ret)
{
	switch (ret) {
	case 0:
		return RES_OK;
	case -EINVAL:
		return RES_EINVAL;
	case -EFAULT:
		return RES_EFAULT;
	case -EBUSY:
		return RES_EBUSY;
	case -ENOMEM:
		return RES_ENOMEM;
	case -EBADF:
		return RES_EBADF;
	case -EOPNOTSUPP:
		return RES_EOPNOTSUPP;
	case -EPERM:
		return RES_EPERM;
	case -ENOENT:
		return RES_ENOENT;
	default:
		return RES_OTHER;
	}
}

/*
 * Whether @ret is a documented outcome of a call of @kind: docs/uapi.md for
 * the render node, docs/compat.md (test_hmm's errors) for the compat
 * devices. A raw number may reach any command of its device.
 */
static int expected(const struct fuzzer *f, unsigned int kind, int ret)
{
	switch (ret) {
	case 0:
		/* A file used by another process never works (VERSION is DRM's). */
		return !f->foreign || kind == FZ_VERSION;
	case -EINVAL:
	case -EFAULT:
		return 1;
	case -EBUSY:
		/* ACCESS and MIGRATE; test_hmm: engine retries, EXCLUSIVE refused. */
		return kind == FZ_ACCESS || kind == FZ_MIGRATE || kind == FZ_RAW ||
		       kind == FZ_HMM_READ || kind == FZ_HMM_WRITE || kind == FZ_HMM_TO_DEV ||
		       kind == FZ_HMM_SNAPSHOT || kind == FZ_HMM_EXCLUSIVE ||
		       kind == FZ_HMM_RAW;
	case -ENOMEM:
		return cfg.fi || kind == FZ_SNAPSHOT || kind == FZ_MIGRATE;
	case -EOPNOTSUPP:
		/*
		 * MIGRATE of pages that can never move (shared, file); ACCESS
		 * with UNLOCKED on a kernel without hmm_range_fault_unlocked_timeout().
		 */
		return kind == FZ_MIGRATE || kind == FZ_ACCESS || kind == FZ_RAW;
	case -EPERM:
		/* test_hmm: WRITE to read-only memory, CHECK_EXCLUSIVE still held. */
		return kind == FZ_HMM_WRITE || kind == FZ_HMM_CHECK_EXCLUSIVE ||
		       kind == FZ_HMM_RAW;
	case -ENOENT:
		/* test_hmm: MIGRATE_TO_DEV left pages outside this device. */
		return kind == FZ_HMM_TO_DEV || kind == FZ_HMM_RAW;
	case -EBADF:
		return f->foreign && kind != FZ_VERSION;
	default:
		return 0;
	}
}

/*
 * A MIGRATE that returned 0, -ENOMEM, -EBUSY or -EOPNOTSUPP accounts for
 * every page it was asked for (docs/uapi.md); checked when the argument
 * lies whole in the argument pages (else it may not be readable).
 * -ENOMEM with no counts: no memory for the scratch space.
 */
static int migrate_counts_ok(const struct fuzzer *f, const void *arg, int ret)
{
	const struct drm_devmir_migrate *m = arg;
	uint64_t total;

	if ((const uint8_t *)arg < f->args ||
	    (const uint8_t *)arg + sizeof(*m) > f->args + FZ_ARG_PAGES * PAGE)
		return 1;
	if (ret != 0 && ret != -ENOMEM && ret != -EBUSY && ret != -EOPNOTSUPP)
		return 1;
	total = dm_migrate_total(m);
	if (ret == -ENOMEM && !total)
		return 1;
	return !(m->size % PAGE) && total == m->size / PAGE;
}

static void describe(const struct fuzzer *f, const char *what, unsigned long cmd,
		     const void *arg, int ret)
{
	const uint64_t *w = arg;
	int readable = arg && (uintptr_t)arg < 0x800000000000ULL &&
		       (uint8_t *)arg >= f->args && (uint8_t *)arg < f->args + FZ_ARG_PAGES * PAGE;

	dm_note("%s: thread %u call %lu: ioctl(%#lx, %p) = %d%s", what, f->index,
		f->cur_index, cmd, arg, ret, readable ? ", argument:" : "");
	if (readable && (uint8_t *)arg + 64 <= f->args + FZ_ARG_PAGES * PAGE)
		dm_note("  %016llx %016llx %016llx %016llx %016llx %016llx %016llx %016llx",
			(unsigned long long)w[0], (unsigned long long)w[1],
			(unsigned long long)w[2], (unsigned long long)w[3],
			(unsigned long long)w[4], (unsigned long long)w[5],
			(unsigned long long)w[6], (unsigned long long)w[7]);
}

/* A known-good READ of the control page must keep working, byte for byte. */
static void control_read(struct fuzzer *f, unsigned int dev)
{
	uint8_t *out = f->control_out;
	int ret = cfg.compat ? hmm_cmd(f->fds[dev], HMM_DMIRROR_READ, control, 1, out, NULL) :
		  dm_read(f->fds[dev], control, PAGE, out);

	if (!ret && buf_check(out, PAGE, 77) == -1) {
		f->control_ok++;
	} else if (ret != -EBUSY && !(cfg.fi && ret == -ENOMEM)) {
		f->control_bad++;
		dm_note("control READ on device %u after call %lu: %d%s", dev,
			f->done, ret, ret ? "" : " with wrong bytes");
	}
}

/* Device @dev's 2 MiB entries migrated so far, whole or as 4 KiB pages. */
static uint64_t thp_moves(int fd)
{
	uint64_t whole = 0, split = 0;

	dm_stat(fd, DRM_DEVMIR_QUERY_DEVICE, "thp_migrated", &whole);
	dm_stat(fd, DRM_DEVMIR_QUERY_DEVICE, "thp_fallbacks", &split);
	return whole + split;
}

/*
 * Thread 0, THP_ROUNDS times a run: the arena fresh as one THP and moved
 * whole into device @dev's memory (a device-private 2 MiB folio where the
 * kernel has them), for the calls that follow, this thread's and the
 * others', to split, read, evict and bring back.
 */
static void thp_round(struct fuzzer *f, unsigned int dev)
{
	unsigned int attempt;
	uint64_t before;
	void *arena;

	/*
	 * The other threads' calls may split the fresh THP first or keep a
	 * page busy: a few attempts. The device's counters tell whether 2 MiB
	 * entries moved (a racing RESET_STATS only makes an attempt miss).
	 */
	for (attempt = 0; attempt < 4; attempt++) {
		before = thp_moves(f->fds[dev]);
		if (!fz_refresh_arena(&arena) &&
		    !dm_to_device(f->fds[dev], arena, HUGE_2M, NULL) &&
		    thp_moves(f->fds[dev]) > before) {
			f->thp_moved++;
			return;
		}
	}
	f->thp_missed++;
}

static void fuzz_loop(struct fuzzer *f)
{
	unsigned long thp_every = f->limit / THP_ROUNDS > CONTROL_EVERY ?
				  f->limit / THP_ROUNDS : CONTROL_EVERY;
	unsigned int kind, dev;
	unsigned long cmd;
	void *arg;
	int ret;

	for (; f->done < f->limit; f->done++) {
		dev = f->index % cfg.ndev;
		if (dm_rng_percent(&f->rng, 10))
			dev = dm_rng_below(&f->rng, cfg.ndev);
		if (!f->foreign && dm_rng_below(&f->rng, 2000) == 0) {
			/* Close and reopen while other threads use the mirror. */
			close(f->fds[dev]);
			f->fds[dev] = open_dev(dev);
			f->reopen++;
		}
		if (cfg.compat)
			cmd = fz_build_hmm_call(&f->rng, f->args, &kind, &arg);
		else
			cmd = fz_build_call(&f->rng, f->args, &devices[dev], &kind, &arg);
		__atomic_store_n(&f->cur_cmd, cmd, __ATOMIC_RELAXED);
		f->cur_arg = arg;
		__atomic_store_n(&f->cur_index, f->done, __ATOMIC_RELEASE);
		if (cfg.verbose)
			describe(f, fz_kind_names[kind], cmd, arg, 0);

		if (dm_fi_thread_set(f->fi_fd, 1))
			f->fi_errors++;
		ret = ioctl(f->fds[dev], cmd, arg);
		ret = ret == -1 ? -errno : ret;
		if (dm_fi_thread_set(f->fi_fd, 0))
			f->fi_errors++;

		f->count[kind][result_of(ret)]++;
		if (!expected(f, kind, ret)) {
			if (f->unexpected++ < 10)
				describe(f, "UNEXPECTED", cmd, arg, ret);
		} else if (kind == FZ_MIGRATE && !migrate_counts_ok(f, arg, ret)) {
			if (f->bad_counts++ < 10)
				describe(f, "MIGRATE COUNTS", cmd, arg, ret);
		}
		if (!f->foreign && f->done % CONTROL_EVERY == CONTROL_EVERY - 1)
			control_read(f, dev);
		if (!cfg.compat && !f->foreign && f->index == 0 &&
		    f->done % thp_every == thp_every - 1)
			thp_round(f, 0);
	}
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;

	f->tid_nr = syscall(SYS_gettid);
	f->fi_fd = cfg.fi ? dm_fi_thread_open() : -1;
	if (cfg.fi && f->fi_fd < 0)
		f->fi_errors++;
	fuzz_loop(f);
	if (f->fi_fd >= 0)
		close(f->fi_fd);
	f->fi_fd = -1;
	return NULL;
}

static int setup_fuzzer(struct fuzzer *f, unsigned int index, unsigned long limit)
{
	unsigned int d;

	f->index = index;
	f->limit = limit;
	dm_rng_init(&f->rng, cfg.seed, index);
	f->fi_fd = -1;
	f->args = mmap(NULL, (FZ_ARG_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->control_out = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (f->args == MAP_FAILED || f->control_out == MAP_FAILED ||
	    mprotect(f->args + FZ_ARG_PAGES * PAGE, PAGE, PROT_NONE))
		return -1;
	for (d = 0; d < cfg.ndev; d++) {
		f->fds[d] = open_dev(d);
		if (f->fds[d] < 0)
			return -1;
	}
	return 0;
}

/* Wait for the threads; report a call that never returns. */
static int watch(void)
{
	unsigned long last = ~0UL, sum;
	uint64_t since = dm_now_ns();
	unsigned int t, running;
	char cmd[128];

	for (;;) {
		for (t = 0, sum = 0, running = 0; t < cfg.threads; t++) {
			sum += __atomic_load_n(&fuzzers[t].cur_index, __ATOMIC_ACQUIRE);
			running += __atomic_load_n(&fuzzers[t].done, __ATOMIC_RELAXED) <
				   fuzzers[t].limit;
		}
		if (!running)
			return 0;
		if (sum != last) {
			last = sum;
			since = dm_now_ns();
		} else if (dm_now_ns() - since > STALL_SECONDS * 1000000000ULL) {
			for (t = 0; t < cfg.threads; t++) {
				struct fuzzer *f = &fuzzers[t];

				if (f->done >= f->limit)
					continue;
				describe(f, "STALLED", f->cur_cmd, f->cur_arg, 0);
				snprintf(cmd, sizeof(cmd),
					 "sed 's/^/#   /' /proc/%d/task/%d/stack >&2",
					 (int)getpid(), f->tid_nr);
				if (system(cmd))
					dm_note("no kernel stack of thread %u", t);
			}
			return -1;
		}
		usleep(200000);
	}
}

/* A child fuzzes the parent's files: every devmirror ioctl must fail. */
static int foreign_child(unsigned long calls)
{
	struct fuzzer *f = &fuzzers[0];
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		f->foreign = 1;
		f->done = 0;
		f->limit = calls;
		f->unexpected = 0;
		dm_rng_init(&f->rng, cfg.seed, 1000);
		fuzz_loop(f);
		_exit(f->unexpected ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* The device after the storm: info, policy, a write/read round trip. */
static int device_works(unsigned int dev)
{
	size_t size = KIB(256), npages = size / PAGE;
	struct drm_devmir_get_info info;
	struct drm_devmir_stats st;
	uint8_t *buf, *out, *snap;
	uint64_t mapped = 0;
	int fd = dm_open(dev), ok;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	snap = malloc(npages);
	if (fd < 0 || buf == MAP_FAILED || !out || !snap)
		return 0;
	buf_fill(out, size, 42);
	ok = !dm_info(fd, &info) && info.abi_version == DRM_DEVMIR_ABI_VERSION &&
	     !dm_set_window(fd, KIB(64)) && !dm_set_batch(fd, 1) &&
	     !dm_write(fd, buf, size, out) && buf_check(buf, size, 42) == -1 &&
	     !dm_read(fd, buf, size, out) && buf_check(out, size, 42) == -1 &&
	     !dm_snapshot(fd, buf, npages, snap, &mapped) && mapped == npages &&
	     !dm_stats(fd, 0, &st) && st.accesses >= 2;
	close(fd);
	munmap(buf, size);
	free(out);
	free(snap);
	return ok;
}

/*
 * A compat device after the storm: WRITE/READ round trip, the pages to the
 * device (all of them, else -ENOENT) and back, SNAPSHOT, all exact.
 */
static int hmm_device_works(unsigned int dev)
{
	size_t size = KIB(256), npages = size / PAGE;
	uint8_t *buf, *out;
	int fd = open_dev(dev), ok;

	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	if (fd < 0 || buf == MAP_FAILED || !out)
		return 0;
	buf_fill(out, size, 43);
	ok = !hmm_cmd(fd, HMM_DMIRROR_WRITE, buf, npages, out, NULL) && buf_check(buf, size, 43) == -1 &&
	     !hmm_cmd(fd, HMM_DMIRROR_READ, buf, npages, out, NULL) && buf_check(out, size, 43) == -1 &&
	     !hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, npages, out, NULL) &&
	     buf_check(out, size, 43) == -1 &&
	     !hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT, buf, npages, out, NULL) &&
	     buf_check_byte(out, npages, HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL |
			    HMM_DMIRROR_PROT_WRITE) == -1 &&
	     !hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS, buf, npages, out, NULL) &&
	     buf_check(buf, size, 43) == -1;
	close(fd);
	munmap(buf, size);
	free(out);
	return ok;
}

static int bad_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-C] [-n CALLS] [-s SEED] [-j THREADS] [-F slab|page] [-P PERCENT]\n"
		"       [-p PREFIX] [-v]\n",
		prog);
	return 2;
}

static void print_counts(unsigned long total, uint64_t ns)
{
	unsigned int k, r, t;
	unsigned long sum[RES_NR];

	unsigned long any;

	dm_note("%-14s %8s %8s %8s %8s %8s %8s %9s %8s %8s %8s", "ioctl", result_names[0],
		result_names[1], result_names[2], result_names[3], result_names[4],
		result_names[5], result_names[6], result_names[7], result_names[8],
		result_names[9]);
	for (k = 0; k < FZ_NR; k++) {
		for (r = 0, any = 0; r < RES_NR; r++) {
			for (t = 0, sum[r] = 0; t < cfg.threads; t++)
				sum[r] += fuzzers[t].count[k][r];
			any += sum[r];
		}
		if (any)
			dm_note("%-14s %8lu %8lu %8lu %8lu %8lu %8lu %9lu %8lu %8lu %8lu",
				fz_kind_names[k], sum[0], sum[1], sum[2], sum[3], sum[4],
				sum[5], sum[6], sum[7], sum[8], sum[9]);
	}
	dm_note("%lu calls in %.1f s (%.0f calls/s)", total, ns / 1e9,
		total / (ns / 1e9));
}

int main(int argc, char **argv)
{
	unsigned long total = 0, unexpected = 0, control_ok = 0, control_bad = 0, bad_counts = 0;
	unsigned long fi_errors = 0;
	long injected = 0;
	int calls_given = 0;
	int opt, base_objects, objects, stalled, foreign;
	unsigned int t, d;
	uint64_t start;
	unsigned long thp_moved = 0, thp_missed = 0;

	cfg.calls = dm_knob("DM_FUZZ_CALLS", 20000, 100000);
	while ((opt = getopt(argc, argv, "Cn:s:j:F:P:p:v")) != -1) {
		switch (opt) {
		case 'C':
			cfg.compat = 1;
			break;
		case 'n':
			cfg.calls = strtoul(optarg, NULL, 0);
			calls_given = 1;
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			cfg.threads = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			cfg.fi_percent = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'p':
			dm_tap_set_prefix(optarg);
			break;
		case 'F':
			cfg.fi = !strcmp(optarg, "slab") ? 1 + DM_FI_SLAB :
				 !strcmp(optarg, "page") ? 1 + DM_FI_PAGE : 0;
			if (!cfg.fi)
				return bad_usage(argv[0]);
			break;
		default:
			return bad_usage(argv[0]);
		}
	}
	if (!cfg.threads || cfg.threads > MAX_THREADS)
		return 2;
	if (cfg.compat && !calls_given)
		cfg.calls = dm_knob("DM_FUZZ_COMPAT_CALLS", 20000, 20000);
	cfg.ndev = dm_count();
	if (cfg.ndev > MAX_DEVS)
		cfg.ndev = MAX_DEVS;
	if (!cfg.ndev) {
		dm_tap_skip("no devmirror render node (is devmirror_sim loaded?)", "fuzz");
		return dm_tap_done();
	}
	if (cfg.compat) {
		/* Devices 0 and 1 only; each must be there. */
		cfg.ndev = cfg.ndev < 2 ? cfg.ndev : 2;
		for (d = 0; d < cfg.ndev; d++) {
			int fd = open_dev(d);

			if (fd < 0) {
				dm_tap_skip("no /dev/hmm_dmirror (hmm_compat=1?)", "fuzz");
				return dm_tap_done();
			}
			close(fd);
		}
	}
	base_objects = dm_mirror_objects();
	for (d = 0; d < cfg.ndev; d++) {
		struct drm_devmir_get_info info;
		int fd = dm_open(d);

		if (fd < 0 || dm_info(fd, &info))
			return 1;
		devices[d].engines = info.engines;
		devices[d].queue = info.fault_queue_entries;
		close(fd);
	}
	control = buf_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (control == MAP_FAILED)
		return 1;
	/* With -C, one more target region: a mapping of device 0's file. */
	t = cfg.compat ? open_dev(0) : -1;
	if (fz_setup_regions(t))
		return 1;
	if (cfg.compat)
		close(t);
	buf_fill(control, PAGE, 77);
	for (t = 0; t < cfg.threads; t++)
		if (setup_fuzzer(&fuzzers[t], t, cfg.calls / cfg.threads +
				 (t < cfg.calls % cfg.threads)))
			return 1;
	if (cfg.fi && dm_fi_arm(cfg.fi - 1, cfg.fi_percent, 0)) {
		dm_tap(0, "fuzz_fault_injection_armed (debugfs %s)",
		       cfg.fi == 1 + DM_FI_SLAB ? "failslab" : "fail_page_alloc");
		return dm_tap_done();
	}
	dm_note("seed %llu, %lu calls, %u threads, %u %s%s (replay: %s-s %llu -j 1 -n N -v)",
		(unsigned long long)cfg.seed, cfg.calls, cfg.threads, cfg.ndev,
		cfg.compat ? "test_hmm compatible devices" : "devices",
		cfg.fi ? " under fault injection" : "", cfg.compat ? "-C " : "",
		(unsigned long long)cfg.seed);

	start = dm_now_ns();
	for (t = 0; t < cfg.threads; t++)
		if (pthread_create(&fuzzers[t].tid, NULL, fuzz_thread, &fuzzers[t]))
			return 1;
	stalled = watch();
	if (stalled) {
		/* A call never returned: report and leave without joining. */
		dm_tap(0, "fuzz_every_call_returns");
		dm_tap_done();
		_exit(1);
	}
	for (t = 0; t < cfg.threads; t++)
		pthread_join(fuzzers[t].tid, NULL);
	for (t = 0; t < cfg.threads; t++) {
		total += fuzzers[t].done;
		unexpected += fuzzers[t].unexpected;
		control_ok += fuzzers[t].control_ok;
		control_bad += fuzzers[t].control_bad;
		bad_counts += fuzzers[t].bad_counts;
		fi_errors += fuzzers[t].fi_errors;
		thp_moved += fuzzers[t].thp_moved;
		thp_missed += fuzzers[t].thp_missed;
	}
	print_counts(total, dm_now_ns() - start);
	if (cfg.fi) {
		injected = dm_fi_injected(cfg.fi - 1);
		dm_fi_disarm(cfg.fi - 1);
	}

	dm_tap(total == cfg.calls, "fuzz_every_call_returns (%lu calls)", total);
	dm_tap(!unexpected, "fuzz_errnos_documented (%lu unexpected)", unexpected);
	/* Under injection: it was on in every thread, and failures happened. */
	if (cfg.fi) {
		dm_tap(!fi_errors, "fuzz_fault_injection_armed (%lu make-it-fail errors)", fi_errors);
		if (cfg.fi_percent)
			dm_tap(injected > 0, "fuzz_failures_injected (%ld)", injected);
	}
	if (!cfg.compat)
		dm_tap(!bad_counts, "fuzz_migrate_counts_add_up (%lu bad)", bad_counts);
	dm_tap(!control_bad && (control_ok || cfg.calls < CONTROL_EVERY * cfg.threads),
	       "fuzz_control_reads_exact (%lu)", control_ok);
	/* The calls met device THP: the fresh arena moved as 2 MiB entries. */
	if (!cfg.fi && !cfg.compat && cfg.calls / cfg.threads >= CONTROL_EVERY) {
		if (dm_devmem_field(0, "device_thp") != 1)
			dm_tap_skip("kernel without device-private THP (HAVE_DEVICE_PRIVATE_THP)",
				    "fuzz_device_thp_used");
		else
			dm_tap(thp_moved > 0,
			       "fuzz_device_thp_used (%lu of %lu arena rounds moved 2 MiB entries)",
			       thp_moved, thp_moved + thp_missed);
	}
	foreign = foreign_child(cfg.calls / 20 < 5000 ? cfg.calls / 20 : 5000);
	dm_tap(!foreign, "fuzz_foreign_process_refused");
	for (d = 0; d < cfg.ndev; d++) {
		if (cfg.compat)
			dm_tap(hmm_device_works(d), "fuzz_hmm_dmirror%u_works_after", d);
		dm_tap(device_works(d), "fuzz_device_%u_works_after", d);
	}
	dm_tap(!dm_mirror_check_failures(), "fuzz_mirror_self_check");
	for (t = 0; t < cfg.threads; t++)
		for (d = 0; d < cfg.ndev; d++)
			close(fuzzers[t].fds[d]);
	if (cfg.compat && fz_drop_mixed_region())
		dm_note("munmap of the device-file region: %s", strerror(errno));
	objects = dm_wait_mirror_objects(base_objects, 10);
	if (base_objects < 0)
		dm_tap_skip("no debugfs", "fuzz_mirrors_freed");
	else
		dm_tap(objects == base_objects, "fuzz_mirrors_freed (%d, %d before)",
		       objects, base_objects);
	return dm_tap_done();
}
