/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_args.h - the argument generator of devmirror_fuzz: one ioctl call
 * (request number and argument) at a time, from a seeded stream.
 *
 * Typed calls start valid (targets and buffers inside real regions, sizes
 * that fit, a valid engine) and get zero to three fields replaced by
 * boundary values (0, 1, powers of two and their neighbours, the documented
 * limits and one past them, the user/kernel boundary, kernel addresses, all
 * ones) or random ones; 5 % get a random bit flipped anywhere. Pointers aim
 * at a set of regions, each between PROT_NONE guards so that no pointer a
 * little past a region lands in the program's own memory, at constants, or
 * anywhere. The argument pointer itself is sometimes NULL, a kernel address,
 * unmapped, read-only, or straddles into a PROT_NONE page.
 *
 * Two call sets: the render node's (fz_build_call()) and the test_hmm
 * compatible devices' (fz_build_hmm_call(), struct hmm_dmirror_cmd of the
 * kernel's lib/test_hmm_uapi.h), whose targets may also be a mapping of the
 * device file itself (VM_MIXEDMAP, fz_setup_regions()).
 */
#ifndef _DEVMIR_FUZZ_ARGS_H
#define _DEVMIR_FUZZ_ARGS_H

#include <stdint.h>

#include "stress.h"

/* Argument area: FZ_ARG_PAGES read-write pages, then one PROT_NONE page. */
#define FZ_ARG_PAGES	4

/* What a call is. */
enum fz_kind {
	FZ_GET_INFO, FZ_ACCESS, FZ_SET_POLICY, FZ_GET_POLICY, FZ_SNAPSHOT, FZ_STATS,
	FZ_RESET_STATS, FZ_MIGRATE, FZ_QUERY,
	FZ_RAW,		/* DRM_COMMAND_BASE + 0..0x5f, any direction and size */
	FZ_VERSION,	/* DRM_IOCTL_VERSION, random lengths and pointers */
	/* test_hmm compatible devices: HMM_DMIRROR_* */
	FZ_HMM_READ, FZ_HMM_WRITE, FZ_HMM_TO_DEV, FZ_HMM_TO_SYS, FZ_HMM_SNAPSHOT,
	FZ_HMM_EXCLUSIVE, FZ_HMM_CHECK_EXCLUSIVE, FZ_HMM_RELEASE,
	FZ_HMM_RAW,	/* 'H' 0..0x1f, any direction and size */
	FZ_NR
};

extern const char *const fz_kind_names[FZ_NR];

/**
 * struct fz_device - What the generator needs to know of a device.
 * @engines: &drm_devmir_get_info.engines.
 * @queue: &drm_devmir_get_info.fault_queue_entries.
 */
struct fz_device {
	uint32_t engines;
	uint32_t queue;
};

/*
 * Map the regions arguments point at; 0 or -1. Once, before any call.
 * @mixed_fd >= 0: a test_hmm compatible device file, of which 64 KiB are
 * mapped as one more target region (for fz_build_hmm_call() only).
 */
int fz_setup_regions(int mixed_fd);
/*
 * Replace the 2 MiB arena (2 MiB-aligned, MADV_HUGEPAGE) by fresh memory
 * and write it whole, so that it is one THP again however calls split or
 * moved it; *@arena is its address. 0 or -errno. Calls may race it.
 */
int fz_refresh_arena(void **arena);
/* Unmap the device-file region (it holds the file open); 0 or -1. */
int fz_drop_mixed_region(void);
/*
 * Build the next call of the stream @rng for device @dev in the argument
 * area @args: returns the request, sets *@kind and the argument pointer
 * *@argp (usually inside @args).
 */
unsigned long fz_build_call(struct dm_rng *rng, uint8_t *args,
			    const struct fz_device *dev, unsigned int *kind, void **argp);

/*
 * The same for a test_hmm compatible device: one of the eight commands or
 * a raw 'H' number, its struct hmm_dmirror_cmd mostly valid (page-aligned
 * target in a region, bounce buffer that fits) with fields replaced.
 */
unsigned long fz_build_hmm_call(struct dm_rng *rng, uint8_t *args, unsigned int *kind,
				void **argp);

#endif /* _DEVMIR_FUZZ_ARGS_H */
