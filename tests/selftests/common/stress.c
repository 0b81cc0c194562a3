// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c - shared helpers of the reliability programs: random numbers,
 * TAP, knobs, mirror accounting, fault injection, module loading.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"
#include "tap.h"

#define DEBUGFS		"/sys/kernel/debug"

void dm_rng_init(struct dm_rng *rng, uint64_t seed, uint64_t stream)
{
	rng->state = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	dm_rng_next(rng);
}

uint64_t dm_rng_next(struct dm_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t dm_rng_below(struct dm_rng *rng, uint64_t n)
{
	return n ? dm_rng_next(rng) % n : 0;
}

int dm_rng_percent(struct dm_rng *rng, unsigned int pct)
{
	return dm_rng_below(rng, 100) < pct;
}

uint64_t dm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void dump_stacks(int pid)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "for t in /proc/%d/task/*; do echo \"# $t\"; "
		 "sed 's/^/#   /' $t/stack; done >&2", pid);
	if (system(cmd))
		dm_note("could not read the stacks of %d", pid);
}

unsigned int dm_wait_children(const int *pids, unsigned int n, uint64_t limit,
			      unsigned int *bad)
{
	unsigned int exited = 0, i;
	int status, pid;

	while (exited < n && dm_now_ns() <= limit) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			usleep(50000);
			continue;
		}
		exited++;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			dm_note("process %d ended with %s %d", pid,
				WIFEXITED(status) ? "status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			(*bad)++;
		}
	}
	if (exited < n) {
		dm_note("processes did not finish; their kernel stacks:");
		for (i = 0; i < n; i++)
			dump_stacks(pids[i]);
		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
	}
	return exited;
}

uint64_t dm_seed_from_clock(void)
{
	struct dm_rng rng;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	dm_rng_init(&rng, (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec, getpid());
	/* Printed and typed back by people: keep it to 32 bits. */
	return dm_rng_next(&rng) & 0xffffffffULL;
}

/* The dm_tap_* calls print through the shared TAP library (tap.h). */
void dm_tap_set_prefix(const char *prefix)
{
	tap_set_prefix(prefix);
}

int dm_tap(int ok, const char *fmt, ...)
{
	char name[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return tap_check(ok, name, NULL);
}

void dm_tap_skip(const char *why, const char *fmt, ...)
{
	char name[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	tap_skip(name, why);
}

int dm_tap_done(void)
{
	tap_plan();
	return tap_done();
}

void dm_note(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	line[0] = '#';
	line[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof(line) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 2;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

int dm_debug_kernel(void)
{
	const char *v = getenv("DM_KERNEL_VARIANT");

	return v && strcmp(v, "debug") == 0;
}

unsigned long dm_knob(const char *name, unsigned long base, unsigned long debug)
{
	const char *v = getenv(name);

	if (v && *v)
		return strtoul(v, NULL, 0);
	return dm_debug_kernel() ? debug : base;
}

int dm_mirror_objects(void)
{
	glob_t g;
	int ret, n;

	if (access(DEBUGFS "/devmirror", F_OK))
		return -errno;
	ret = glob(DEBUGFS "/devmirror/*/mirror-*", GLOB_ONLYDIR, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return 0;
	if (ret)
		return -EIO;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

int dm_wait_mirror_objects(int want, unsigned int timeout_s)
{
	uint64_t end = dm_now_ns() + timeout_s * 1000000000ULL;
	int n;

	for (;;) {
		n = dm_mirror_objects();
		if (n == want || n < 0 || dm_now_ns() > end)
			return n;
		usleep(20000);
	}
}

int dm_mirror_check_failures(void)
{
	char out[32];
	size_t i;
	glob_t g;
	int fd, bad = 0;
	ssize_t n;

	if (glob(DEBUGFS "/devmirror/*/mirror-*/check", 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		fd = open(g.gl_pathv[i], O_RDONLY);
		if (fd < 0)
			continue;	/* freed meanwhile */
		n = read(fd, out, sizeof(out) - 1);
		close(fd);
		if (n <= 0)
			continue;
		out[n] = '\0';
		if (strcmp(out, "ok\n")) {
			dm_note("%s: %s", g.gl_pathv[i], out);
			bad++;
		}
	}
	globfree(&g);
	return bad;
}

static int write_file(const char *path, const char *value)
{
	ssize_t len = strlen(value), n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	close(fd);
	if (n != len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

static int fi_set(enum dm_fi_kind kind, const char *attr, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "/%s/%s",
		 kind == DM_FI_SLAB ? "failslab" : "fail_page_alloc", attr);
	return write_file(path, value);
}

int dm_fi_arm(enum dm_fi_kind kind, unsigned int probability, unsigned int verbose)
{
	char num[16];
	int ret;

	ret = fi_set(kind, "task-filter", "Y");
	if (!ret)
		ret = fi_set(kind, "ignore-gfp-wait", "N");
	if (!ret && kind == DM_FI_PAGE) {
		ret = fi_set(kind, "ignore-gfp-highmem", "N");
		if (!ret)
			ret = fi_set(kind, "min-order", "0");
	}
	if (!ret)
		ret = fi_set(kind, "interval", "1");
	snprintf(num, sizeof(num), "%d", DM_FI_BUDGET);
	if (!ret)
		ret = fi_set(kind, "times", num);
	if (!ret)
		ret = fi_set(kind, "space", "0");
	snprintf(num, sizeof(num), "%u", verbose > 1 ? 1 : verbose);
	if (!ret)
		ret = fi_set(kind, "verbose", num);
	snprintf(num, sizeof(num), "%u", probability);
	if (!ret)
		ret = fi_set(kind, "probability", num);
	if (ret)
		dm_note("%s: arming failed: %s",
			kind == DM_FI_SLAB ? "failslab" : "fail_page_alloc", strerror(-ret));
	return ret;
}

/* The number in file @path: 0 with *@val set, or -errno. */
static int read_number(const char *path, long long *val)
{
	char num[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, num, sizeof(num) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	num[n] = '\0';
	*val = strtoll(num, NULL, 0);
	return 0;
}

long dm_fi_injected(enum dm_fi_kind kind)
{
	char path[128];
	long long times;
	int ret;

	snprintf(path, sizeof(path), DEBUGFS "/%s/times",
		 kind == DM_FI_SLAB ? "failslab" : "fail_page_alloc");
	ret = read_number(path, &times);
	return ret ? ret : DM_FI_BUDGET - times;
}

int dm_fi_disarm(enum dm_fi_kind kind)
{
	int ret = fi_set(kind, "probability", "0");

	fi_set(kind, "ignore-gfp-wait", "Y");
	if (kind == DM_FI_PAGE) {
		fi_set(kind, "ignore-gfp-highmem", "Y");
		fi_set(kind, "min-order", "1");
	}
	fi_set(kind, "times", "1");
	fi_set(kind, "verbose", "2");
	return ret;
}

int dm_fi_thread_open(void)
{
	int fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		dm_note("make-it-fail: open: %s", strerror(errno));
	return fd;
}

int dm_fi_thread_set(int fd, int on)
{
	if (fd < 0)
		return 0;
	if (pwrite(fd, on ? "1" : "0", 1, 0) != 1) {
		int err = errno;

		dm_note("make-it-fail: %s", strerror(err));
		return -err;
	}
	return 0;
}

int dm_fi_nth_open(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
}

int dm_fi_nth_arm(int fd, unsigned int n)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", n);

	return pwrite(fd, num, len, 0) == len ? 0 : -errno;
}

int dm_fi_nth_disarm(int fd)
{
	char num[16] = "";
	ssize_t n = pread(fd, num, sizeof(num) - 1, 0);
	int fired = n > 0 && atoi(num) == 0;

	if (pwrite(fd, "0", 1, 0) != 1)
		dm_note("fail-nth: %s", strerror(errno));
	return fired;
}

const char *const dm_inject_points[5] = {
	"hmm_busy", "seq_bump", "pool_exhaust", "copy_fail", "page_busy",
};

#define INJECT_DIR	DEBUGFS "/devmirror/inject"

int dm_inject_seed(uint64_t seed)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)seed);
	return write_file(INJECT_DIR "/seed", num);
}

int dm_wait_bounded(pid_t pid, int *status, double seconds)
{
	struct timespec now, end;
	pid_t r;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	end.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		usleep(10000);
	}
}

int dm_inject_set(const char *point, const char *attr, long long value)
{
	char path[160], num[24];

	snprintf(path, sizeof(path), INJECT_DIR "/%s/%s", point, attr);
	snprintf(num, sizeof(num), "%lld", value);
	return write_file(path, num);
}

long long dm_inject_get(const char *point, const char *attr)
{
	char path[160];
	long long val;
	int ret;

	snprintf(path, sizeof(path), INJECT_DIR "/%s/%s", point, attr);
	ret = read_number(path, &val);
	return ret ? ret : val;
}

int dm_inject_off(void)
{
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < ARRAY_SIZE(dm_inject_points); i++) {
		r = dm_inject_set(dm_inject_points[i], "rate", 0);
		if (!r)
			r = dm_inject_set(dm_inject_points[i], "times", -1);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

int dm_module_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int dm_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int dm_module_loaded(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	int found = 0;
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, len) && line[len] == ' ';
	fclose(f);
	return found;
}

static double churn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *churn_thread(void *arg)
{
	struct dm_churn *c = arg;
	double next = churn_now();

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		char *p = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		double wait;

		if (p == MAP_FAILED) {
			__atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
			break;
		}
		p[0] = 1;
		munmap(p, 64 << 10);
		__atomic_add_fetch(&c->cycles, 1, __ATOMIC_RELAXED);
		if (!c->period_us)
			continue;
		next += c->period_us * 1e-6;
		wait = next - churn_now();
		if (wait > 0) {
			struct timespec ts = { 0, (long)(wait * 1e9) };

			nanosleep(&ts, NULL);
		} else {
			next = churn_now();
		}
	}
	return NULL;
}

int dm_churn_start(struct dm_churn *c, unsigned int period_us)
{
	memset(c, 0, sizeof(*c));
	c->period_us = period_us;
	return -pthread_create(&c->thread, NULL, churn_thread, c);
}

unsigned long dm_churn_cycles(struct dm_churn *c)
{
	return __atomic_load_n(&c->cycles, __ATOMIC_RELAXED);
}

int dm_churn_stop(struct dm_churn *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	pthread_join(c->thread, NULL);
	return c->failed ? -EIO : 0;
}

/*
 * The child of dm_churn_start_apart() runs the caller's program again, with
 * the shared struct dm_churn as a memfd, started by posix_spawn(), which
 * shares the caller's mm until the exec instead of copying it: a fork()
 * would write-protect every private page of the caller for copy-on-write,
 * and the caller's next write to each, a device's among them, would take a
 * fault long after the child had gone.
 */
#define DM_CHURN_CHILD_ARG	"--dm-churn-child"

int dm_churn_child(int argc, char **argv)
{
	struct dm_churn *c;
	pthread_t t;

	if (argc != 3 || strcmp(argv[1], DM_CHURN_CHILD_ARG))
		return -1;
	/* Never outlive the caller, whatever becomes of it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(3);
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED,
		 atoi(argv[2]), 0);
	if (c == MAP_FAILED || pthread_create(&t, NULL, churn_thread, c))
		_exit(2);
	pthread_join(t, NULL);
	_exit(c->failed ? 1 : 0);
}

int dm_churn_start_apart(struct dm_churn **cp, unsigned int period_us)
{
	char *argv[] = { "dm_churn", DM_CHURN_CHILD_ARG, NULL, NULL };
	struct timespec tick = { 0, 1000000 };
	struct dm_churn *c;
	char fdarg[16];
	pid_t pid;
	int fd, err;

	fd = memfd_create("dm_churn", 0);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, sizeof(*c))) {
		err = -errno;
		close(fd);
		return err;
	}
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	c->period_us = period_us;
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	argv[2] = fdarg;
	err = -posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
	close(fd);
	if (err) {
		munmap(c, sizeof(*c));
		return err;
	}
	c->pid = pid;
	/* Under way before the caller measures. */
	while (!dm_churn_cycles(c)) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			munmap(c, sizeof(*c));
			return -EIO;
		}
		nanosleep(&tick, NULL);
	}
	*cp = c;
	return 0;
}

int dm_churn_stop_apart(struct dm_churn *c)
{
	int ret;

	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	ret = dm_wait_child(c->pid) ? -EIO : 0;
	munmap(c, sizeof(*c));
	return ret;
}

int dm_wait_child(int pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
