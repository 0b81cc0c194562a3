// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_hold - helper of the devmirror-devmem suite: a process that puts
 * 1 MiB into device 0's memory, then waits (with its render-node file closed,
 * or open with "keep-fd") until SIGUSR1, and checks its data byte for byte.
 * With "fork-unmap" it forks first and unmaps its own copy: the child alone
 * maps the pages (shared copy-on-write) and checks them, their owner no
 * longer does. The suite unloads the driver in between.
 *
 * usage: devmirror_hold READY_FILE [keep-fd|fork-unmap]
 * Creates READY_FILE when the pages are in device memory; exits 0 when the
 * data are intact after SIGUSR1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devmir_test.h"

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	size_t size = MIB(1), n = size / PAGE;
	struct drm_devmir_migrate m;
	bool keep = argc > 2 && !strcmp(argv[2], "keep-fd");
	bool forked = argc > 2 && !strcmp(argv[2], "fork-unmap");
	int fd, ready, status;
	sigset_t block, old;
	uint8_t *buf, *snap;
	pid_t child = 0;
	long bad;

	if (argc < 2) {
		fprintf(stderr, "usage: %s READY_FILE [keep-fd|fork-unmap]\n", argv[0]);
		return 2;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR1, on_usr1);

	fd = dm_open(0);
	buf = buf_map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (fd < 0 || buf == MAP_FAILED) {
		perror("devmirror_hold: setup");
		return 1;
	}
	buf_fill(buf, size, 99);
	if (dm_to_device(fd, buf, size, &m) || m.migrated != n) {
		fprintf(stderr, "devmirror_hold: migrated %llu of %zu pages\n",
			(unsigned long long)m.migrated, n);
		return 1;
	}
	snap = dm_snap(fd, buf, n);
	if (!snap || dm_snap_with(snap, n, DRM_DEVMIR_SNAP_DEV_LOCAL) != n) {
		fprintf(stderr, "devmirror_hold: pages not in device memory\n");
		return 1;
	}
	if (!keep)
		close(fd);
	if (forked) {
		child = fork();
		if (child < 0) {
			perror("devmirror_hold: fork");
			return 1;
		}
		/* The child waits below; the parent gives up its mapping. */
		if (child && munmap(buf, size)) {
			perror("devmirror_hold: munmap");
			return 1;
		}
	}

	/* The suite talks to the first process; a forked child waits too. */
	if (!forked || child) {
		ready = open(argv[1], O_CREAT | O_WRONLY, 0644);
		if (ready < 0)
			return 1;
		close(ready);
	}
	while (!go)
		sigsuspend(&old);
	if (child) {
		kill(child, SIGUSR1);
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
			return 1;
		return WEXITSTATUS(status);
	}

	bad = buf_check(buf, size, 99);
	if (bad != -1) {
		fprintf(stderr, "devmirror_hold: data differ at byte %ld\n", bad);
		return 1;
	}
	if (keep)
		close(fd);
	printf("devmirror_hold: %zu pages intact\n", n);
	return 0;
}
