/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmirror_testing.h - The core's test surface: views of the mirror table
 * and of the CPU page tables, the table's self-check and a range check, for
 * front ends that hand them to test programs (devmirror_sim's SNAPSHOT
 * ioctl and its test_hmm ABI). A device driver needs none of it: its API
 * is devmirror.h alone.
 *
 * The symbols are exported in the DEVMIRROR_TESTING namespace; a module
 * that uses them says so with
 * MODULE_IMPORT_NS(DEVMIR_TESTING_NS).
 */
#ifndef _DEVMIRROR_TESTING_H
#define _DEVMIRROR_TESTING_H

#include <linux/types.h>

#include "devmirror_compat.h"

struct devmir_mirror;
struct mm_struct;

/* An identifier or a string literal, as the kernel wants (devmirror_compat.h). */
#define DEVMIR_TESTING_NS	DEVMIR_NS(DEVMIRROR_TESTING)

/* Per-page bytes produced by devmir_mirror_snapshot(). */
#define DEVMIR_SNAP_READ	0x01	/* mapped */
#define DEVMIR_SNAP_WRITE	0x02	/* writable */
#define DEVMIR_SNAP_DEV_LOCAL	0x04	/* mapped from this device's private memory */
#define DEVMIR_SNAP_DEV_REMOTE	0x08	/* not mapped: in a peer device's memory */
#define DEVMIR_SNAP_EXCLUSIVE	0x10	/* exclusive access */
#define DEVMIR_SNAP_LEVEL_SHIFT	5	/* bits 5-7: leaf level (level 0 = leaf) */

/* driver/core/testing.c */
int devmir_mirror_snapshot(struct devmir_mirror *mirror, u64 start,
			   unsigned long npages, u8 *out, unsigned long *mapped);
int devmir_mirror_check(struct devmir_mirror *mirror);
int devmir_range_check(struct mm_struct *mm, u64 start, u64 end, bool write);
int devmir_cpu_snapshot(struct devmir_mirror *mirror, u64 start,
			unsigned long npages, unsigned long *hmm_pfns);

#endif /* _DEVMIRROR_TESTING_H */
