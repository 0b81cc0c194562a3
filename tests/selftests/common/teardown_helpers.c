// SPDX-License-Identifier: GPL-2.0
/*
 * teardown_helpers.c - helpers of devmirror_teardown's device-memory tests
 * (see the header).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devmir_test.h"
#include "stress.h"
#include "teardown_helpers.h"

uint64_t tdh_devmem_used(unsigned int ndev)
{
	uint64_t sum = 0, used;
	unsigned int d;
	int fd;

	for (d = 0; d < ndev; d++) {
		fd = dm_open(d);
		if (fd < 0)
			return ~0ULL;
		used = dm_devmem_used(fd);
		close(fd);
		if (used == ~0ULL)
			return used;
		sum += used;
	}
	return sum;
}

uint64_t tdh_wait_devmem_used(unsigned int ndev, uint64_t want, unsigned int timeout_s)
{
	uint64_t end = dm_now_ns() + timeout_s * 1000000000ULL, used;

	while ((used = tdh_devmem_used(ndev)) != want && dm_now_ns() < end)
		usleep(20000);
	return used;
}

static void answer(int rep, char c)
{
	if (write(rep, &c, 1) != 1)
		_exit(9);
}

void tdh_hold(int cmd, int rep, unsigned int ndev, size_t size)
{
	int fd[2] = { dm_open(0), ndev > 1 ? dm_open(1) : -1 };
	size_t half = size / 2;
	uint8_t *a, *b;
	char c;

	a = buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	b = buf_map(half, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (fd[0] < 0 || (ndev > 1 && fd[1] < 0) || a == MAP_FAILED || b == MAP_FAILED)
		answer(rep, 'e'), _exit(1);
	madvise(a, size, MADV_HUGEPAGE);
	buf_fill(a, size, 31);
	buf_fill(b, half, 32);
	if (dm_to_device(fd[0], a, size, NULL) ||
	    dm_to_device(fd[ndev > 1], b, half, NULL))
		answer(rep, 'e'), _exit(2);
	answer(rep, 'r');
	while (read(cmd, &c, 1) == 1) {
		switch (c) {
		case TDH_CLOSE:
			close(fd[0]);
			if (fd[1] >= 0)
				close(fd[1]);
			answer(rep, TDH_CLOSE);
			break;
		case TDH_VERIFY:
			/* CPU faults bring the pages back (or they already are). */
			_exit(buf_check(a, size, 31) == -1 && buf_check(b, half, 32) == -1 ?
			      0 : 3);
		default:
			_exit(0);
		}
	}
	_exit(4);
}

pid_t tdh_spawn_holder(unsigned int ndev, size_t size, int *cmd, int *rep)
{
	int c[2], r[2];
	char answer_c = 0;
	pid_t pid;

	if (pipe(c))
		return -1;
	if (pipe(r)) {
		close(c[0]);
		close(c[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(c[1]);
		close(r[0]);
		tdh_hold(c[0], r[1], ndev, size);
	}
	close(c[0]);
	close(r[1]);
	if (pid > 0 && (read(r[0], &answer_c, 1) != 1 || answer_c != 'r')) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	if (pid < 0) {
		close(c[1]);
		close(r[0]);
		return -1;
	}
	*cmd = c[1];
	*rep = r[0];
	return pid;
}

void tdh_migrate_forever(int ready, unsigned int ndev, size_t size, bool thp)
{
	int fd0 = dm_open(0), fd1 = ndev > 1 ? dm_open(1) : -1;
	uint8_t *buf = thp ? buf_map_aligned(size, HUGE_2M, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE) :
			     buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (fd0 < 0 || buf == MAP_FAILED)
		_exit(1);
	if (thp)
		buf_thp(buf, size, true);
	buf_fill(buf, size, 67);
	answer(ready, 'r');
	close(ready);
	for (;;) {
		dm_to_device(fd0, buf, size, NULL);
		if (fd1 >= 0)
			dm_to_device(fd1, buf, size, NULL);
		dm_to_system(fd0, buf, size, NULL);
		/* Migrations never change data (a wrong exit status shows it). */
		if (buf_check(buf, size, 67) != -1)
			_exit(5);
	}
}

/* A READ/WRITE round trip on device @index through a fresh file. */
int tdh_device_works(unsigned int index)
{
	size_t size = KIB(128);
	uint8_t *buf, *out;
	int fd = dm_open(index), ok;

	if (fd < 0)
		return 0;
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	ok = buf != MAP_FAILED && out;
	if (ok) {
		buf_fill(out, size, 99);
		ok = !dm_write(fd, buf, size, out) && buf_check(buf, size, 99) == -1 &&
		     !dm_read(fd, buf, size, out) && buf_check(out, size, 99) == -1;
	}
	close(fd);
	if (buf != MAP_FAILED)
		munmap(buf, size);
	free(out);
	return ok;
}

/*
 * A child (and @procs - 1 sibling processes) faulting fresh memory in as
 * fast as it can, page by page, until killed.
 */
void tdh_fault_forever(int ready, int procs, int writes)
{
	size_t size = MIB(8);
	unsigned int engine = 0;
	uint8_t *buf, *out;
	int fd;

	while (--procs > 0) {
		if (fork() == 0) {
			close(ready);	/* only the first process reports */
			ready = -1;
			break;
		}
	}
	fd = dm_open(0);
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	out = malloc(size);
	if (fd < 0 || buf == MAP_FAILED || !out || dm_set_window(fd, PAGE) ||
	    dm_set_batch(fd, 1))
		_exit(1);
	for (;;) {
		struct drm_devmir_access acc = {
			.op = writes ? DRM_DEVMIR_OP_WRITE : DRM_DEVMIR_OP_READ,
			.addr = (uintptr_t)buf,
			.size = size,
			.buffer = (uintptr_t)out,
			.engine = engine++ & 1,
		};

		if (ready >= 0) {
			if (write(ready, "r", 1) != 1)
				_exit(1);
			close(ready);
			ready = -1;
		}
		dm_access(fd, &acc);
		madvise(buf, size, MADV_DONTNEED);
	}
}
