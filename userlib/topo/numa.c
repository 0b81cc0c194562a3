// SPDX-License-Identifier: MIT
/*
 * numa.c - NUMA placement through libnuma: buffers on a node, where pages
 * are, and move_pages(2), the CPU-only migration baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numa.h>
#include <numaif.h>

#include "libdevmirror_topo.h"

/* Pages per move_pages(2) call: bounds the library's arrays. */
#define DEVMIR_MOVE_BATCH 1024UL

static size_t devmir_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

int devmir_numa_nodes(void)
{
	if (numa_available() < 0)
		return -EOPNOTSUPP;
	return numa_max_node() + 1;
}

/* A node memory may be placed on: exists and is allowed to this process. */
static int devmir_numa_check_node(int node)
{
	int ret = devmir_numa_nodes();
	struct bitmask *allowed;
	bool ok;

	if (ret < 0)
		return ret;
	if (node < 0 || node >= ret)
		return -EINVAL;
	allowed = numa_get_mems_allowed();
	if (!allowed)
		return -ENOMEM;
	ok = numa_bitmask_isbitset(allowed, node);
	numa_bitmask_free(allowed);
	return ok ? 0 : -EINVAL;
}

int devmir_numa_alloc(size_t size, int node, void **bufp)
{
	size_t page = devmir_page_size();
	void *buf;
	int ret;

	if (!size || !bufp)
		return -EINVAL;
	ret = devmir_numa_check_node(node);
	if (ret)
		return ret;
	size = (size + page - 1) & ~(page - 1);
	buf = numa_alloc_onnode(size, node);
	if (!buf)
		return -ENOMEM;
	/* Fault every page in now, on @node, as the policy dictates. */
	memset(buf, 0, size);
	*bufp = buf;
	return 0;
}

void devmir_numa_free(void *buf, size_t size)
{
	size_t page = devmir_page_size();

	if (buf)
		numa_free(buf, (size + page - 1) & ~(page - 1));
}

/*
 * One move_pages(2) pass over @npages pages from @addr: query when @node is
 * negative, move to @node otherwise. @status receives the per-page result.
 */
static int devmir_move_batch(uintptr_t addr, size_t npages, int node,
			     int *status)
{
	void *pages[DEVMIR_MOVE_BATCH];
	int nodes[DEVMIR_MOVE_BATCH];
	size_t page = devmir_page_size(), i;
	long ret;

	for (i = 0; i < npages; i++) {
		pages[i] = (void *)(addr + i * page);
		nodes[i] = node;
	}
	ret = numa_move_pages(0, npages, pages, node < 0 ? NULL : nodes, status,
			      node < 0 ? 0 : MPOL_MF_MOVE);
	return ret < 0 ? -errno : 0;
}

int devmir_numa_where(const void *addr, size_t npages, int *nodes)
{
	uintptr_t start = (uintptr_t)addr;
	size_t page = devmir_page_size(), done, n;
	int ret;

	if (!npages || !nodes || start % page)
		return -EINVAL;
	if (numa_available() < 0)
		return -EOPNOTSUPP;
	for (done = 0; done < npages; done += n) {
		n = npages - done < DEVMIR_MOVE_BATCH ? npages - done :
							DEVMIR_MOVE_BATCH;
		ret = devmir_move_batch(start + done * page, n, -1,
					nodes + done);
		if (ret)
			return ret;
	}
	return 0;
}

int devmir_numa_move(void *addr, size_t size, int node, size_t *moved)
{
	uintptr_t start = (uintptr_t)addr;
	size_t page = devmir_page_size(), npages, done, n, i, on_node = 0;
	int status[DEVMIR_MOVE_BATCH];
	int ret;

	if (!size || start % page)
		return -EINVAL;
	ret = devmir_numa_check_node(node);
	if (ret)
		return ret;
	npages = (size + page - 1) / page;
	for (done = 0; done < npages; done += n) {
		n = npages - done < DEVMIR_MOVE_BATCH ? npages - done :
							DEVMIR_MOVE_BATCH;
		ret = devmir_move_batch(start + done * page, n, node, status);
		if (ret)
			return ret;
		for (i = 0; i < n; i++)
			on_node += status[i] == node;
	}
	if (moved)
		*moved = on_node;
	return 0;
}

/* @node exists in the kernel's node list. */
static int devmir_numa_exists(int node)
{
	int ret = devmir_numa_nodes();

	if (ret < 0)
		return ret;
	if (node < 0 || node >= ret ||
	    !numa_bitmask_isbitset(numa_nodes_ptr, node))
		return -ENOENT;
	return 0;
}

int devmir_numa_memory(int node, uint64_t *total, uint64_t *free)
{
	long long free_bytes = 0, size;
	int ret = devmir_numa_exists(node);

	if (ret)
		return ret;
	size = numa_node_size64(node, &free_bytes);
	if (size < 0)
		return -ENOENT;
	if (total)
		*total = size;
	if (free)
		*free = free_bytes;
	return 0;
}

int devmir_numa_distance(int from, int to)
{
	int ret = devmir_numa_exists(from);

	if (!ret)
		ret = devmir_numa_exists(to);
	if (ret)
		return ret;
	ret = numa_distance(from, to);
	return ret > 0 ? ret : -ENOENT;
}
