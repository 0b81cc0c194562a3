// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_isolation - one process never stalls another's device.
 *
 * Process A's device faults are held by the core's fault_stall injection
 * point (debugfs devmirror/inject/fault_stall/), as a CPU fault on a stuck
 * FUSE or NFS file or an unanswered userfaultfd would hold them: inside the
 * fault, with A's mmap lock held. Meanwhile process B, on the same device,
 * faults and reads buffer after buffer: every access must complete, with
 * the right data and no error. Then A is killed with SIGKILL: its wait must
 * end (waits are killable) and nothing of it may stay behind.
 *
 * The limits below are liveness bounds, not timings: a process that does
 * not finish in them is stuck.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "devmir_test.h"
#include "stress.h"

/* Seconds a process gets before it counts as stuck (each test: 120 s). */
#define STUCK_SECONDS	30

/* Process A: open, report ready, wait for go, read (held by the point). */
static void process_a(int ready_fd, int go_fd)
{
	size_t size = MIB(1);
	uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *out = malloc(size);
	int fd = dm_open(0);
	char c = 'r';

	if (fd < 0 || buf == MAP_FAILED || !out)
		_exit(2);
	buf_fill(buf, size, 5);
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		_exit(3);
	_exit(dm_read(fd, buf, size, out) ? 4 : 0);
}

/* Process B: many faulting reads of fresh buffers; 0 if all were right. */
static int process_b(void)
{
	size_t size = KIB(256);
	uint8_t *out = malloc(size);
	int fd = dm_open(0), i, ret;

	if (fd < 0 || !out)
		return 2;
	for (i = 0; i < 64; i++) {
		uint8_t *buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);

		if (buf == MAP_FAILED)
			return 3;
		buf_fill(buf, size, i);
		ret = dm_read(fd, buf, size, out);
		if (ret) {
			fprintf(stderr, "# B: read %d failed: %s\n", i, strerror(-ret));
			return 4;
		}
		if (buf_check(out, size, i) != -1)
			return 5;
		/* And a write through a fault, read back by the CPU. */
		buf_fill(out, size, i + 100);
		if (dm_write(fd, buf, size, out) || buf_check(buf, size, i + 100) != -1)
			return 6;
		munmap(buf, size);
	}
	return 0;
}

FIXTURE(iso) {
	pid_t a;
};

FIXTURE_SETUP(iso)
{
	int fd = dm_open(0);

	self->a = 0;
	ASSERT_LE(0, fd) TH_LOG("no devmirror render node");
	close(fd);
	ASSERT_LE(0, dm_inject_get("fault_stall", "hits"))
		TH_LOG("no devmirror/inject/fault_stall in debugfs");
}

FIXTURE_TEARDOWN(iso)
{
	dm_inject_set("fault_stall", "pid", 0);
	if (self->a > 0) {
		kill(self->a, SIGKILL);
		waitpid(self->a, NULL, 0);
	}
}

/*
 * Start process A with the fault_stall point on it, and wait until its
 * device fault is held there: 0, or -1 if it never got there.
 */
static int start_held_a(FIXTURE_DATA(iso) *self)
{
	int ready[2], go[2];
	long long hits0, hits;
	double end;
	char c = 'g';

	if (pipe(ready) || pipe(go))
		return -1;
	hits0 = dm_inject_get("fault_stall", "hits");
	self->a = fork();
	if (self->a < 0)
		return -1;
	if (self->a == 0)
		process_a(ready[1], go[0]);
	if (read(ready[0], &c, 1) != 1 ||
	    dm_inject_set("fault_stall", "pid", self->a) ||
	    write(go[1], &c, 1) != 1)
		return -1;
	end = dm_now() + STUCK_SECONDS;
	while ((hits = dm_inject_get("fault_stall", "hits")) <= hits0 && dm_now() < end)
		usleep(20000);
	return hits > hits0 ? 0 : -1;
}

/* B runs while A's fault is held; then SIGKILL ends A's wait. */
TEST_F_TIMEOUT(iso, held_fault_stalls_only_its_process, 120)
{
	int status = 0;
	pid_t b;

	ASSERT_EQ(0, start_held_a(self)) TH_LOG("A's fault never reached the stall point");

	b = fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(process_b());
	if (!dm_wait_bounded(b, &status, STUCK_SECONDS)) {
		kill(b, SIGKILL);
		dm_inject_set("fault_stall", "pid", 0);
		waitpid(b, NULL, 0);
		ASSERT_TRUE(0) TH_LOG("B's accesses waited for A's held fault");
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("B failed (exit status %d)", WEXITSTATUS(status));

	/* A is still held... */
	EXPECT_EQ(0, waitpid(self->a, &status, WNOHANG));
	/* ...until it is killed: the wait is killable. */
	ASSERT_EQ(0, kill(self->a, SIGKILL));
	EXPECT_TRUE(dm_wait_bounded(self->a, &status, STUCK_SECONDS))
		TH_LOG("SIGKILL did not end A's held fault");
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	self->a = 0;
	EXPECT_EQ(0, dm_inject_set("fault_stall", "pid", 0));
}

/* Released, the held fault completes normally. */
TEST_F_TIMEOUT(iso, released_fault_completes, 120)
{
	int status = 0;

	ASSERT_EQ(0, start_held_a(self)) TH_LOG("A's fault never reached the stall point");
	ASSERT_EQ(0, dm_inject_set("fault_stall", "pid", 0));
	ASSERT_TRUE(dm_wait_bounded(self->a, &status, STUCK_SECONDS));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("A's read failed after the release (exit status %d)",
		       WEXITSTATUS(status));
	self->a = 0;
}

TEST_HARNESS_MAIN
