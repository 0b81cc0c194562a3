/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teardown_helpers.h - helpers of devmirror_teardown: a device round trip,
 * the device-memory pool in use over all devices, and the bodies of its
 * child processes (faulting or migrating until killed, holding device
 * pages and obeying commands).
 */
#ifndef _DEVMIR_TEARDOWN_HELPERS_H
#define _DEVMIR_TEARDOWN_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Device-memory pages in use, summed over render nodes 0..@ndev-1, read
 * through fresh files (their mirrors go again when closed); ~0 on error.
 */
uint64_t tdh_devmem_used(unsigned int ndev);
/* Poll tdh_devmem_used() until it is @want or @timeout_s passed; the last value. */
uint64_t tdh_wait_devmem_used(unsigned int ndev, uint64_t want, unsigned int timeout_s);

/* Commands to a tdh_hold() child, one byte each on its command pipe. */
#define TDH_CLOSE	'c'	/* close every file; answers 'c' */
#define TDH_VERIFY	'v'	/* check the data from the CPU, exit 0 if exact */
#define TDH_EXIT	'x'	/* exit at once, files as they are */

/*
 * In a child: open devices 0..@ndev-1 (at most 2), migrate @size bytes of
 * filled private anonymous memory (a 2 MiB-aligned THP-advised buffer) to
 * device 0 and @size / 2 to the last device, then answer 'r' (or 'e' on any
 * failure) on @rep and obey commands read from @cmd. Never returns.
 */
void tdh_hold(int cmd, int rep, unsigned int ndev, size_t size);

/*
 * Fork a tdh_hold() child and wait for its 'r': returns its pid with
 * *@cmd the write end of its command pipe and *@rep the read end of its
 * answers (the caller closes both), or -1 (nothing left open, no child
 * running) if the fork failed or the child did not answer 'r'.
 */
pid_t tdh_spawn_holder(unsigned int ndev, size_t size, int *cmd, int *rep);

/*
 * In a child: open device 0 (and 1), fill @size bytes, answer 'r' on
 * @ready, then migrate them to device 0, device 1 (device to device) and
 * back to system memory forever, checking the data from the CPU after each
 * round (exit status 5 if wrong), until killed. @thp: the buffer is 2 MiB
 * aligned and THP-advised (device THP where the kernel has it). Never
 * returns.
 */
void tdh_migrate_forever(int ready, unsigned int ndev, size_t size, bool thp);

/* A READ/WRITE round trip on device @index through a fresh file; 1 if exact. */
int tdh_device_works(unsigned int index);

/*
 * In a child (and @procs - 1 sibling processes it forks): fault 8 MiB of
 * fresh memory in as fast as possible, page by page (window 4 KiB, batch
 * 1), device READs or, if @writes, WRITEs, dropping it after each pass;
 * the first process answers 'r' on @ready. Never returns (until killed).
 */
void tdh_fault_forever(int ready, int procs, int writes);

#endif /* _DEVMIR_TEARDOWN_HELPERS_H */
