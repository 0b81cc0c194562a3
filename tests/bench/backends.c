// SPDX-License-Identifier: GPL-2.0
/*
 * backends.c - the two ways dm_bench drives a device: devmirror's render
 * node (native uAPI) and test_hmm's character-device ABI, spoken both by
 * test_hmm.ko and by devmirror_sim.ko hmm_compat=1.
 *
 * test_hmm_uapi.h comes from the kernel source tree at build time (the
 * Makefile adds its lib/ directory), as for the compat front end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <test_hmm_uapi.h>

#include "devmir_test.h"
#include "dm_bench.h"

static int native_open(struct bench_dev *dev, unsigned int index)
{
	dev->fd = dm_open(index);
	dev->index = index;
	return dev->fd < 0 ? -errno : 0;
}

static void bench_close(struct bench_dev *dev)
{
	close(dev->fd);
	dev->fd = -1;
}

static int native_read(struct bench_dev *dev, void *addr, size_t size, void *out)
{
	return dm_read(dev->fd, addr, size, out);
}

static int native_migrate(struct bench_dev *dev, void *addr, size_t size,
			  bool to_device, void *scratch, uint64_t *moved)
{
	struct drm_devmir_migrate m;
	int ret;

	(void)scratch;	/* the render node never copies the data out */
	ret = to_device ? dm_to_device(dev->fd, addr, size, &m) :
			  dm_to_system(dev->fd, addr, size, &m);
	*moved = m.migrated;
	return ret;
}

static int native_set_window(struct bench_dev *dev, uint64_t bytes)
{
	return dm_set_window(dev->fd, bytes);
}

static long long native_table_bytes(struct bench_dev *dev)
{
	struct drm_devmir_stats st;

	if (dm_stats(dev->fd, 0, &st))
		return -1;
	return st.table_bytes;
}

const struct bench_backend bench_native = {
	.name = "native",
	.max_chunk = DRM_DEVMIR_ACCESS_MAX_SIZE,
	.open = native_open,
	.close = bench_close,
	.read = native_read,
	.migrate = native_migrate,
	.set_window = native_set_window,
	.table_bytes = native_table_bytes,
};

static int hmm_open(struct bench_dev *dev, unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/hmm_dmirror%u", index);
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	dev->index = index;
	return dev->fd < 0 ? -errno : 0;
}

static int hmm_read(struct bench_dev *dev, void *addr, size_t size, void *out)
{
	uint64_t cpages;
	int ret;

	ret = hmm_cmd(dev->fd, HMM_DMIRROR_READ, addr, size / PAGE, out, &cpages);
	if (!ret && cpages != size / PAGE)
		ret = -EIO;
	return ret;
}

/*
 * test_hmm's MIGRATE_TO_DEV reads what it migrated back into cmd.ptr for
 * verification (part of the peer's cost, as its users pay it), so the
 * command carries the caller's scratch buffer; the range itself would not
 * do: the copy would fault its pages straight back to system memory.
 */
static int hmm_migrate(struct bench_dev *dev, void *addr, size_t size,
		       bool to_device, void *scratch, uint64_t *moved)
{
	return hmm_cmd(dev->fd, to_device ? HMM_DMIRROR_MIGRATE_TO_DEV :
				HMM_DMIRROR_MIGRATE_TO_SYS, addr, size / PAGE,
		       scratch, moved);
}

static long long hmm_table_bytes(struct bench_dev *dev)
{
	(void)dev;	/* no way to ask: the caller measures the slab */
	return -1;
}

const struct bench_backend bench_hmm = {
	.name = "hmm",
	/* devmirror's compat devices cap one command at 64 MiB; test_hmm does not. */
	.max_chunk = 64UL << 20,
	.open = hmm_open,
	.close = bench_close,
	.read = hmm_read,
	.migrate = hmm_migrate,
	.set_window = NULL,
	.table_bytes = hmm_table_bytes,
};

long long bench_xa_node_bytes(void)
{
	unsigned long active, total, objsize;
	long long bytes = -1;
	char line[512];
	FILE *f;

	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "radix_tree_node %lu %lu %lu", &active, &total,
			   &objsize) == 3) {
			bytes = (long long)active * objsize;
			break;
		}
	}
	fclose(f);
	return bytes;
}
