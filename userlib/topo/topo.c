// SPDX-License-Identifier: MIT
/*
 * topo.c - machine topology through hwloc, device locality and thread
 * binding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#include <numa.h>

#include "libdevmirror_topo.h"
#include "struct_size.h"

/**
 * DOC: Overview
 *
 * A struct devmir_topo wraps one loaded hwloc topology with hwloc's default
 * filters (CPUs, caches and NUMA nodes; no I/O objects, which devmirror's
 * locality does not need). Device locality comes from sysfs, the source
 * hwloc itself reads for PCI devices; thread binding goes through
 * hwloc_set_cpubind() on the calling thread only.
 *
 * hwloc drops a NUMA node whose CPU set intersects an earlier node's, which
 * is what the kernel's NUMA emulation produces (every CPU in every node).
 * The summary therefore also counts the kernel's nodes (libnuma), and
 * binding to a node hwloc dropped uses the kernel's CPU list for it.
 */

/**
 * struct devmir_topo - A loaded topology.
 * @topology: The hwloc topology; read-only once loaded.
 */
struct devmir_topo {
	hwloc_topology_t topology;
};

int devmir_topo_load(struct devmir_topo **topop)
{
	struct devmir_topo *topo;
	int ret;

	if (!topop)
		return -EINVAL;
	topo = calloc(1, sizeof(*topo));
	if (!topo)
		return -ENOMEM;
	errno = 0;
	if (hwloc_topology_init(&topo->topology)) {
		ret = -(errno ? errno : ENOMEM);
		goto err_free;
	}
	if (hwloc_topology_load(topo->topology)) {
		ret = -(errno ? errno : EIO);
		goto err_destroy;
	}
	*topop = topo;
	return 0;

err_destroy:
	hwloc_topology_destroy(topo->topology);
err_free:
	free(topo);
	return ret;
}

void devmir_topo_free(struct devmir_topo *topo)
{
	if (!topo)
		return;
	hwloc_topology_destroy(topo->topology);
	free(topo);
}

static unsigned int devmir_topo_count(const struct devmir_topo *topo,
				      hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(topo->topology, type);

	return n > 0 ? n : 0;
}

/* Sizes of the first version (1.0) of the caller-allocated structures. */
#define DEVMIR_SUMMARY_SIZE_1_0 \
	devmir_offsetofend(struct devmir_topo_summary, memory)
#define DEVMIR_NODE_SIZE_1_0 \
	devmir_offsetofend(struct devmir_numa_node, cpulist)

int devmir_topo_summary(const struct devmir_topo *topo,
			struct devmir_topo_summary *user)
{
	struct devmir_topo_summary out = { .struct_size = sizeof(out) },
				   *sum = &out;
	hwloc_obj_t node = NULL;

	if (!topo || !user)
		return -EINVAL;
	sum->numa_nodes = devmir_topo_count(topo, HWLOC_OBJ_NUMANODE);
	sum->packages = devmir_topo_count(topo, HWLOC_OBJ_PACKAGE);
	sum->cores = devmir_topo_count(topo, HWLOC_OBJ_CORE);
	sum->pus = devmir_topo_count(topo, HWLOC_OBJ_PU);
	sum->kernel_nodes = numa_available() < 0 ?
				    sum->numa_nodes :
				    (unsigned int)numa_num_configured_nodes();
	while ((node = hwloc_get_next_obj_by_type(topo->topology,
						  HWLOC_OBJ_NUMANODE, node)))
		sum->memory += node->attr->numanode.local_memory;
	return devmir_struct_out(user, &out, sizeof(out),
				 DEVMIR_SUMMARY_SIZE_1_0);
}

int devmir_topo_node(const struct devmir_topo *topo, unsigned int i,
		     struct devmir_numa_node *user)
{
	struct devmir_numa_node out = { .struct_size = sizeof(out) },
				*node = &out;
	hwloc_topology_t t;
	hwloc_obj_t obj;
	int n;

	if (!topo || !user)
		return -EINVAL;
	t = topo->topology;
	obj = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, i);
	if (!obj)
		return -ENOENT;

	node->node = obj->os_index;
	node->memory = obj->attr->numanode.local_memory;
	if (obj->cpuset && !hwloc_bitmap_iszero(obj->cpuset)) {
		n = hwloc_get_nbobjs_inside_cpuset_by_type(t, obj->cpuset,
							   HWLOC_OBJ_CORE);
		node->cores = n > 0 ? n : 0;
		n = hwloc_get_nbobjs_inside_cpuset_by_type(t, obj->cpuset,
							   HWLOC_OBJ_PU);
		node->pus = n > 0 ? n : 0;
		hwloc_bitmap_list_snprintf(node->cpulist, sizeof(node->cpulist),
					   obj->cpuset);
	}
	return devmir_struct_out(user, &out, sizeof(out), DEVMIR_NODE_SIZE_1_0);
}

/* The CPUs the kernel lists for @node, into @set; -ENOENT if none. */
static int devmir_kernel_node_cpus(int node, hwloc_bitmap_t set)
{
	struct bitmask *cpus;
	unsigned int cpu;
	int ret = -ENOENT;

	if (numa_available() < 0 || node > numa_max_node())
		return -ENOENT;
	cpus = numa_allocate_cpumask();
	if (!cpus)
		return -ENOMEM;
	if (!numa_node_to_cpus(node, cpus)) {
		for (cpu = 0; cpu < cpus->size; cpu++) {
			if (!numa_bitmask_isbitset(cpus, cpu))
				continue;
			hwloc_bitmap_set(set, cpu);
			ret = 0;
		}
	}
	numa_free_cpumask(cpus);
	return ret;
}

int devmir_topo_bind_node(struct devmir_topo *topo, int node)
{
	hwloc_const_cpuset_t allowed;
	hwloc_bitmap_t set;
	hwloc_obj_t obj;
	int ret = 0;

	if (!topo)
		return -EINVAL;
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	if (node < 0) {
		allowed = hwloc_topology_get_allowed_cpuset(topo->topology);
		hwloc_bitmap_copy(set, allowed);
	} else {
		obj = hwloc_get_numanode_obj_by_os_index(topo->topology, node);
		if (obj && obj->cpuset)
			hwloc_bitmap_copy(set, obj->cpuset);
		else
			ret = devmir_kernel_node_cpus(node, set);
	}
	if (!ret && hwloc_bitmap_iszero(set))
		ret = -ENOENT;
	if (!ret) {
		errno = 0;
		if (hwloc_set_cpubind(topo->topology, set,
				      HWLOC_CPUBIND_THREAD))
			ret = -(errno ? errno : EINVAL);
	}
	hwloc_bitmap_free(set);
	return ret;
}

int devmir_topo_bind_device(struct devmir_topo *topo,
			    const struct devmir_dev *dev, int *node)
{
	int where, ret;

	if (!topo)
		return -EINVAL;
	ret = devmir_device_numa_node(dev, &where);
	if (ret)
		return ret;
	ret = devmir_topo_bind_node(topo, where);
	if (!ret && node)
		*node = where;
	return ret;
}
