/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm_bench.h - the guest side of `make bench`: one program measuring a
 * device-mirroring driver through one of its front ends, or the CPU-only
 * baselines, and printing one row per repetition for tests/bench/report.
 */
#ifndef _DM_BENCH_H
#define _DM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct bench_dev - An open device of some backend.
 * @fd: The open file.
 * @index: Device index of the backend.
 */
struct bench_dev {
	int fd;
	unsigned int index;
};

/**
 * struct bench_backend - How one front end does the measured operations.
 * @name: "native" (devmirror render node) or "hmm" (test_hmm's ABI:
 *	test_hmm.ko or devmirror_sim.ko hmm_compat=1).
 * @max_chunk: Largest byte count one READ or MIGRATE command may carry.
 * @open: Open device @index (a fresh file: a fresh, empty mirror).
 * @close: Close it.
 * @read: Device read of [@addr, @addr + @size) into @out; 0 or -errno.
 * @migrate: Move [@addr, @addr + @size) to device memory (@to_device) or
 *	back, with @scratch (@size bytes) for backends that copy the data out;
 *	@moved receives the pages moved. 0 or -errno.
 * @set_window: Set the fault-ahead window (NULL: the backend has none).
 * @table_bytes: Bytes of mirror page table of @dev's mirror, or -1 when
 *	the backend cannot say (the caller measures the slab instead).
 */
struct bench_backend {
	const char *name;
	size_t max_chunk;
	int (*open)(struct bench_dev *dev, unsigned int index);
	void (*close)(struct bench_dev *dev);
	int (*read)(struct bench_dev *dev, void *addr, size_t size, void *out);
	int (*migrate)(struct bench_dev *dev, void *addr, size_t size,
		       bool to_device, void *scratch, uint64_t *moved);
	int (*set_window)(struct bench_dev *dev, uint64_t bytes);
	long long (*table_bytes)(struct bench_dev *dev);
};

extern const struct bench_backend bench_native;
extern const struct bench_backend bench_hmm;

/* Bytes the kernel's xarray/radix-tree nodes use now (/proc/slabinfo), or -1. */
long long bench_xa_node_bytes(void);

#endif /* _DM_BENCH_H */
