/* SPDX-License-Identifier: GPL-2.0 */
/*
 * torture_migrate.h - MIGRATE in devmirror_torture: the call on a run of
 * pages of a slot, the check of its outcome, and the device-memory figures
 * sampled before and after a run.
 *
 * A migration never changes content, so the page model (torture_model.h)
 * does not change either: every read after it, from the device or the CPU,
 * is checked against the same model. What a call itself must satisfy:
 * migrated + already + absent + the failed counts is the pages asked for
 * (when it returns 0, -EBUSY, -ENOMEM or -EOPNOTSUPP), no count for the
 * reserved reasons 4..7, nothing for TO_DEVICE in absent, and - the slots
 * being private anonymous memory - nothing for the VMA or FILE reasons.
 */
#ifndef _DEVMIR_TORTURE_MIGRATE_H
#define _DEVMIR_TORTURE_MIGRATE_H

#include <stdint.h>

#include "devmir_test.h"
#include "torture_model.h"

/* Verdicts of tmig_check(). */
enum tmig_verdict {
	TMIG_OK,
	TMIG_BAD_ERRNO,		/* not an errno this call may return */
	TMIG_BAD_COUNTS,	/* the counts do not add up or name a wrong reason */
};

/**
 * struct tmig_call - One MIGRATE of a run of pages of a slot.
 * @p0: First page of the run in the slot.
 * @n: Pages.
 * @direction: %DRM_DEVMIR_MIGDIR_TO_DEVICE or _TO_SYSTEM.
 * @flags: 0 or %DRM_DEVMIR_MIGFLAG_PREFETCH.
 * @out: The argument as the driver returned it.
 * @ret: 0 or the -errno of the call.
 */
struct tmig_call {
	unsigned int p0, n;
	uint32_t direction, flags;
	struct drm_devmir_migrate out;
	int ret;
};

/*
 * Migrate pages [@c->p0, @c->p0 + @c->n) of @s through the file @fd; the
 * make-it-fail switch @fi_fd (< 0: none) is on around the call only.
 */
void tmig_run(struct tm_slot *s, int fd, int fi_fd, struct tmig_call *c);

/*
 * Check @c against the model @a of its pages when it started; @quiet: no
 * mapping change of the slot overlapped it; @fi: under fault injection.
 * Writes a one-line reason into @why (@len bytes) unless TMIG_OK.
 */
enum tmig_verdict tmig_check(const struct tmig_call *c, const struct tm_page *a,
			     int quiet, int fi, char *why, size_t len);

/**
 * struct tmig_sample - Device-memory figures summed over devices 0..n-1.
 * @devmem_used: Pages of device memory in use now.
 * @to_device: Pages migrated into device memory so far.
 * @to_system: Pages migrated out of device memory so far.
 * @ram_faults: CPU faults on device pages so far.
 * @evictions: Device pages evicted to make room so far.
 * @coherent_to_device: Of @to_device, the pages migrated into the memory
 *	of devices with device-coherent memory.
 * @ncoherent: Devices with device-coherent memory among those sampled.
 * @thp_migrated: 2 MiB folios migrated whole, either way (device THP).
 * @thp_fallbacks: 2 MiB entries migrated as 4 KiB pages instead.
 */
struct tmig_sample {
	uint64_t devmem_used, to_device, to_system, ram_faults, evictions;
	uint64_t coherent_to_device, thp_migrated, thp_fallbacks;
	unsigned int ncoherent;
};

/*
 * Device-scope STATS of render nodes 0..@ndev-1 through fresh files.
 * 0 or -errno. Opening creates a mirror of the caller: sample before
 * counting mirror objects, or after waiting for them.
 */
int tmig_sample(unsigned int ndev, struct tmig_sample *out);

/*
 * The device-memory part of the verdict, after the workers exited:
 * TAP torture_migrate_counts_add_up (@bad_counts, the calls tmig_check()
 * found TMIG_BAD_COUNTS, is 0), torture_devmem_returned (devmem_used is
 * back to @before's within 10 s: the workers' device pages were freed with
 * their address spaces) and, if @both_ways, torture_migrated_both_ways
 * (pages moved to the devices and back, and the CPU faulted device pages
 * back). With @expect_thp, torture_device_thp_used: where the kernel has
 * device-private THP (the pool's debugfs: device_thp 1) migrations took
 * 2 MiB entries, as one folio or, without a free 2 MiB block, as 4 KiB
 * pages (both counted, both printed); a SKIP elsewhere. @before NULL: it could not be sampled.
 */
void tmig_verdict(unsigned int ndev, const struct tmig_sample *before,
		  uint64_t bad_counts, int both_ways, int expect_thp);

#endif /* _DEVMIR_TORTURE_MIGRATE_H */
