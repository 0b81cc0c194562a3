/* SPDX-License-Identifier: MIT */
/*
 * libdevmirror_topo.h - libdevmirror-topo: machine topology (hwloc), device
 * locality and NUMA placement (libnuma). A library of its own,
 * libdevmirror-topo.so.1 (pkg-config devmirror-topo), so that libdevmirror
 * itself depends on libdrm alone.
 *
 * The topology part answers "how many NUMA nodes and cores does this
 * machine have, and near which of them does a devmirror device sit", and
 * binds threads there. Device locality is what sysfs says about the
 * device's parent (its numa_node attribute); a device without one (the
 * simulated platform devices, most virtual devices) has no affinity, which
 * these calls report as node -1 rather than inventing one.
 *
 * The NUMA part allocates buffers on a chosen node and moves pages between
 * nodes with move_pages(2): the CPU-only migration baseline devmirror's
 * migration benchmarks compare against.
 *
 * Node numbers are the kernel's (hwloc OS indexes, libnuma node numbers).
 * Every function returns 0 (or a count) or a negative errno.
 */
#ifndef _LIBDEVMIRROR_TOPO_H
#define _LIBDEVMIRROR_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "libdevmirror.h"

#ifdef __cplusplus
extern "C" {
#endif

struct devmir_topo;

/**
 * struct devmir_topo_summary - Size of the machine.
 * @struct_size: (in) sizeof(struct devmir_topo_summary) as the caller
 *	compiled it.
 * @numa_nodes: NUMA nodes in hwloc's topology (1 on a machine without
 *	NUMA); devmir_topo_node() describes them.
 * @kernel_nodes: NUMA nodes the kernel has (libnuma). More than
 *	@numa_nodes when hwloc ignored nodes whose CPU sets overlap earlier
 *	nodes', as with the kernel's NUMA emulation (numa=fake=N), which puts
 *	every CPU in every emulated node.
 * @packages: Processor packages (sockets).
 * @cores: Cores.
 * @pus: Processing units (hardware threads).
 * @memory: Bytes of memory in hwloc's NUMA nodes.
 */
struct devmir_topo_summary {
	uint32_t struct_size;
	unsigned int numa_nodes;
	unsigned int kernel_nodes;
	unsigned int packages;
	unsigned int cores;
	unsigned int pus;
	uint64_t memory;
};

/**
 * struct devmir_numa_node - One NUMA node.
 * @struct_size: (in) sizeof(struct devmir_numa_node) as the caller compiled
 *	it.
 * @node: Kernel node number.
 * @cores: Cores local to the node. hwloc attaches a node without CPUs of
 *	its own (memory only) to a part of the machine, and that part's
 *	cores count here.
 * @pus: Processing units local to the node, likewise.
 * @memory: Bytes of memory in the node.
 * @cpulist: The local CPUs in kernel list format ("0-3,8"); "" for none.
 */
struct devmir_numa_node {
	uint32_t struct_size;
	int node;
	unsigned int cores;
	unsigned int pus;
	uint64_t memory;
	char cpulist[128];
};

/**
 * devmir_topo_load() - Discover the machine's topology.
 * @topop: Receives the topology; untouched on failure.
 *
 * Context: Process context; reads sysfs and procfs (hwloc). Pair with
 * devmir_topo_free(). A topology may be shared by threads for reading;
 * the bind calls are safe from any thread.
 * Return: 0, or a negative errno:
 * -EINVAL: @topop is NULL.
 * -ENOMEM: Out of memory.
 * -EIO: hwloc could not read the topology (or the errno it set).
 */
int devmir_topo_load(struct devmir_topo **topop);

/**
 * devmir_topo_free() - Release a topology.
 * @topo: The topology, or NULL.
 *
 * Context: No other call on @topo may be running or follow.
 */
void devmir_topo_free(struct devmir_topo *topo);

/**
 * devmir_topo_summary() - Count NUMA nodes, packages, cores and PUs.
 * @topo: The topology.
 * @sum: Receives the counts.
 *
 * Context: Any.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL, or @sum->struct_size is smaller than the
 * first version of the structure or implausibly large.
 */
int devmir_topo_summary(const struct devmir_topo *topo,
			struct devmir_topo_summary *sum);

/**
 * devmir_topo_node() - Describe the @i-th NUMA node.
 * @topo: The topology.
 * @i: 0 .. &devmir_topo_summary.numa_nodes - 1 (logical order, which is
 *	not necessarily the kernel's node numbering).
 * @node: Receives the description.
 *
 * Context: Any.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL, or @node->struct_size is smaller than the
 * first version of the structure or implausibly large.
 * -ENOENT: @i is out of range.
 */
int devmir_topo_node(const struct devmir_topo *topo, unsigned int i,
		     struct devmir_numa_node *node);

/**
 * devmir_topo_bind_node() - Bind the calling thread to a node's CPUs.
 * @topo: The topology.
 * @node: Kernel node number, or -1 to allow every CPU of the machine
 *	again.
 *
 * A node without CPUs of its own (memory only) binds to the CPUs hwloc
 * considers local to it, which is its parent's set (often every CPU). A
 * kernel node hwloc ignored (see &devmir_topo_summary.kernel_nodes) binds
 * to the CPUs the kernel lists for it.
 *
 * Context: Process context; changes the calling thread's CPU affinity only.
 * Return: 0, or a negative errno:
 * -EINVAL: @topo is NULL, or the kernel refused the CPU set.
 * -ENOENT: There is no such node, or it has no CPU to bind to.
 * -ENOMEM: Out of memory.
 * -ENOSYS: hwloc cannot bind threads on this system.
 * -EXDEV: hwloc cannot enforce this binding.
 */
int devmir_topo_bind_node(struct devmir_topo *topo, int node);

/**
 * devmir_topo_bind_device() - Bind the calling thread near a device.
 * @topo: The topology.
 * @dev: The handle.
 * @node: If not NULL, receives the node bound to, or -1 when the device has
 *	no affinity.
 *
 * With no affinity every CPU is as near as any other: the thread is allowed
 * on every CPU of the machine, which is reported, not an error.
 *
 * Context: Process context; changes the calling thread's CPU affinity only.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL, or the kernel refused the CPU set.
 * -ENOENT: The device's node has no CPU to bind to.
 * -ENOMEM: Out of memory.
 * -ENOSYS: hwloc cannot bind threads on this system.
 * -EXDEV: hwloc cannot enforce this binding.
 */
int devmir_topo_bind_device(struct devmir_topo *topo,
			    const struct devmir_dev *dev, int *node);

/**
 * devmir_numa_nodes() - Number of NUMA nodes libnuma can place memory on.
 *
 * Context: Any.
 * Return: The highest node number plus one (>= 1), or a negative errno:
 * -EOPNOTSUPP: The kernel has no NUMA support (libnuma's
 * numa_available() fails).
 */
int devmir_numa_nodes(void);

/**
 * devmir_numa_alloc() - Allocate a buffer on a NUMA node.
 * @size: Bytes, at least 1; rounded up to whole pages.
 * @node: Kernel node number.
 * @bufp: Receives the page-aligned buffer; untouched on failure.
 *
 * The buffer is bound to @node (MPOL_BIND via libnuma) and its pages are
 * faulted in there before returning, so devmir_numa_where() reports @node
 * for every page. Free it with devmir_numa_free().
 *
 * Context: Process context.
 * Return: 0, or a negative errno:
 * -EINVAL: @size is 0, @bufp is NULL, or @node does not exist or is not
 * allowed to this process.
 * -EOPNOTSUPP: No NUMA support.
 * -ENOMEM: Out of memory (on that node).
 */
int devmir_numa_alloc(size_t size, int node, void **bufp);

/**
 * devmir_numa_free() - Free a buffer of devmir_numa_alloc().
 * @buf: The buffer, or NULL.
 * @size: The @size it was allocated with.
 *
 * Context: Process context.
 */
void devmir_numa_free(void *buf, size_t size);

/**
 * devmir_numa_where() - Report the NUMA node of each page of a range.
 * @addr: Page-aligned address.
 * @npages: Number of pages.
 * @nodes: Receives @npages entries: the node of the page, or a negative
 *	errno for a page that is not present (-ENOENT) or cannot be queried.
 *
 * Context: Process context; does not fault anything in.
 * Return: 0, or a negative errno:
 * -EINVAL: @addr is misaligned, @npages is 0 or @nodes is NULL.
 * -EOPNOTSUPP: No NUMA support.
 * -ENOMEM: The kernel ran out of memory (move_pages(2)).
 */
int devmir_numa_where(const void *addr, size_t npages, int *nodes);

/**
 * devmir_numa_move() - Move the pages of a range to a NUMA node.
 * @addr: Page-aligned address.
 * @size: Bytes, at least 1; whole pages are moved.
 * @node: Destination node.
 * @moved: If not NULL, receives the number of pages that are on @node
 *	afterwards (moved now or already there).
 *
 * The NUMA-migration baseline: move_pages(2) with MPOL_MF_MOVE on the
 * calling process, in batches. Pages that cannot move (not present,
 * pinned, shared) are left where they are and not counted in @moved.
 *
 * Context: Process context; sleeps while the kernel copies pages.
 * Return: 0 (even if some pages did not move: compare @moved), or a
 * negative errno:
 * -EINVAL: @addr is misaligned, @size is 0, or @node does not exist or is
 * not allowed to this process.
 * -EOPNOTSUPP: No NUMA support.
 * -ENOMEM: The kernel ran out of memory (move_pages(2)).
 * -ENODEV: @node went offline.
 */
int devmir_numa_move(void *addr, size_t size, int node, size_t *moved);

/**
 * devmir_numa_memory() - Memory of a kernel NUMA node.
 * @node: Kernel node number.
 * @total: If not NULL, receives the node's memory in bytes.
 * @free: If not NULL, receives its free memory in bytes.
 *
 * The figures numactl --hardware prints ("node N size", "node N free"),
 * read by libnuma from /sys/devices/system/node/nodeN/meminfo.
 *
 * Context: Process context.
 * Return: 0; -EOPNOTSUPP without NUMA support; -ENOENT if @node does not
 * exist.
 */
int devmir_numa_memory(int node, uint64_t *total, uint64_t *free);

/**
 * devmir_numa_distance() - Distance between two kernel NUMA nodes.
 * @from: Kernel node number.
 * @to: Kernel node number.
 *
 * The ACPI SLIT figure numactl --hardware prints: 10 for a node to itself,
 * larger for farther nodes.
 *
 * Context: Process context.
 * Return: The distance (positive); -EOPNOTSUPP without NUMA support;
 * -ENOENT if either node does not exist or the kernel reports no distance.
 */
int devmir_numa_distance(int from, int to);

#ifdef __cplusplus
}
#endif

#endif /* _LIBDEVMIRROR_TOPO_H */
