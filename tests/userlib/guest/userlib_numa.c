// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_numa - the topology (hwloc) and placement (libnuma) helpers on
 * the test VM's two NUMA nodes, and where the devices sit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "libdevmirror.h"
#include "stats_util.h"
#include "libdevmirror_topo.h"

FIXTURE(topo)
{
	struct devmir_topo *topo;
	struct devmir_topo_summary sum;
};

FIXTURE_SETUP(topo)
{
	ASSERT_EQ(0, devmir_topo_load(&self->topo));
	self->sum.struct_size = sizeof(self->sum);
	ASSERT_EQ(0, devmir_topo_summary(self->topo, &self->sum));
}

FIXTURE_TEARDOWN(topo)
{
	devmir_topo_free(self->topo);
}

/* The CPUs sysfs lists for kernel node @node, into @set; -1 if none. */
static int node_cpus(int node, cpu_set_t *set)
{
	char path[64], text[256], *p = text, *end;
	unsigned long a, b;
	FILE *f;

	CPU_ZERO(set);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < CPU_SETSIZE; a++)
			CPU_SET(a, set);
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/*
 * hwloc's nodes are the kernel's minus those whose CPUs overlap an earlier
 * node's (NUMA emulation puts every CPU in every node); the VM's kernel has
 * two nodes.
 */
TEST_F(topo, topo_nodes_match_kernel)
{
	struct devmir_numa_node node = DEVMIR_INIT(node);
	cpu_set_t seen, cpus, both;
	unsigned int i, expect = 0;
	uint64_t memory = 0;
	int n, nodes = devmir_numa_nodes();

	EXPECT_EQ(2, nodes);
	EXPECT_EQ((unsigned int)nodes, self->sum.kernel_nodes);
	CPU_ZERO(&seen);
	for (n = 0; n < nodes; n++) {
		ASSERT_EQ(0, node_cpus(n, &cpus));
		CPU_AND(&both, &seen, &cpus);
		if (CPU_COUNT(&both))
			continue;
		CPU_OR(&seen, &seen, &cpus);
		expect++;
	}
	EXPECT_EQ(expect, self->sum.numa_nodes);
	EXPECT_LE(1, self->sum.cores);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), self->sum.pus);
	for (i = 0; i < self->sum.numa_nodes; i++) {
		ASSERT_EQ(0, devmir_topo_node(self->topo, i, &node));
		EXPECT_LT(0, node.memory);
		EXPECT_GT(nodes, node.node);
		memory += node.memory;
	}
	EXPECT_EQ(self->sum.memory, memory);
	EXPECT_EQ(-ENOENT, devmir_topo_node(self->topo, i, &node));
}

/* Binding to any kernel node, known to hwloc or not, uses its CPUs. */
TEST_F(topo, topo_bind_kernel_nodes)
{
	cpu_set_t want, set;
	int n, nodes = devmir_numa_nodes();

	for (n = 0; n < nodes; n++) {
		ASSERT_EQ(0, node_cpus(n, &want));
		if (!CPU_COUNT(&want))
			continue;
		ASSERT_EQ(0, devmir_topo_bind_node(self->topo, n))
		TH_LOG("node %d", n);
		ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
		EXPECT_TRUE(CPU_EQUAL(&want, &set)) TH_LOG("node %d", n);
	}
}

/* Binding to a node leaves the thread on that node's CPUs only. */
TEST_F(topo, topo_bind_node_sets_affinity)
{
	struct devmir_numa_node node = DEVMIR_INIT(node);
	cpu_set_t set;
	unsigned int i;
	int cpu;

	for (i = 0; i < self->sum.numa_nodes; i++) {
		ASSERT_EQ(0, devmir_topo_node(self->topo, i, &node));
		if (!node.pus)
			continue;
		ASSERT_EQ(0, devmir_topo_bind_node(self->topo, node.node));
		ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
		EXPECT_EQ(node.pus, (unsigned int)CPU_COUNT(&set));
		cpu = sched_getcpu();
		EXPECT_TRUE(CPU_ISSET(cpu, &set));
	}
	ASSERT_EQ(0, devmir_topo_bind_node(self->topo, -1));
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	EXPECT_EQ(self->sum.pus, (unsigned int)CPU_COUNT(&set));
	EXPECT_EQ(-ENOENT, devmir_topo_bind_node(self->topo, 64));
}

/* A device without affinity: binding near it allows every CPU. */
TEST_F(topo, topo_bind_near_device)
{
	struct devmir_dev *dev;
	cpu_set_t set;
	int node = 99;

	ASSERT_EQ(0, devmir_open(0, &dev)) TH_LOG("%s", devmir_last_error());
	ASSERT_EQ(0, devmir_topo_bind_node(self->topo, 0));
	ASSERT_EQ(0, devmir_topo_bind_device(self->topo, dev, &node));
	EXPECT_EQ(-1, node); /* a platform device: no NUMA node */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	EXPECT_EQ(self->sum.pus, (unsigned int)CPU_COUNT(&set));
	devmir_close(dev);
}

/* A buffer allocated on each node is there, page by page. */
TEST(numa_alloc_on_each_node)
{
	size_t size = 128 * PAGE_SIZE_4K, i;
	int nodes = devmir_numa_nodes(), n, where[128];
	void *buf;

	ASSERT_LE(2, nodes);
	for (n = 0; n < nodes; n++) {
		ASSERT_EQ(0, devmir_numa_alloc(size, n, &buf))
		TH_LOG("node %d", n);
		ASSERT_EQ(0, devmir_numa_where(buf, 128, where));
		for (i = 0; i < 128; i++)
			ASSERT_EQ(n, where[i]) TH_LOG("page %zu", i);
		devmir_numa_free(buf, size);
	}
	EXPECT_EQ(-EINVAL, devmir_numa_alloc(size, nodes, &buf));
}

/* move_pages: every page moves, the data with it, and back again. */
TEST(numa_move_round_trip)
{
	size_t size = 256 * PAGE_SIZE_4K, moved = 0, i;
	int where[256];
	void *buf;

	ASSERT_EQ(0, devmir_numa_alloc(size, 0, &buf));
	buf_fill(buf, size, 9);
	ASSERT_EQ(0, devmir_numa_move(buf, size, 1, &moved));
	EXPECT_EQ(256, moved);
	ASSERT_EQ(0, devmir_numa_where(buf, 256, where));
	for (i = 0; i < 256; i++)
		ASSERT_EQ(1, where[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(-1, buf_check(buf, size, 9));
	ASSERT_EQ(0, devmir_numa_move(buf, size, 0, &moved));
	EXPECT_EQ(256, moved);
	ASSERT_EQ(0, devmir_numa_where(buf, 256, where));
	EXPECT_EQ(0, where[0]);
	EXPECT_EQ(0, where[255]);
	EXPECT_EQ(-1, buf_check(buf, size, 9));
	devmir_numa_free(buf, size);
}

/*
 * The device reads a buffer correctly wherever its pages are, and a move
 * invalidates the device's mirror of it (try_to_migrate() clears the PTEs:
 * an MMU_NOTIFY_CLEAR event).
 */
TEST(numa_move_invalidates_mirror)
{
	size_t size = 64 * PAGE_SIZE_4K, mapped = 0, moved = 0;
	struct stat_reading before, after;
	struct devmir_page pages[64];
	struct devmir_dev *dev;
	uint8_t *out;
	void *buf;

	ASSERT_EQ(0, devmir_open(0, &dev));
	out = malloc(size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, devmir_numa_alloc(size, 0, &buf));
	buf_fill(buf, size, 11);
	ASSERT_EQ(0, devmir_read(dev, buf, out, size, NULL));
	EXPECT_EQ(-1, buf_check(out, size, 11));
	ASSERT_EQ(0, stat_read(dev, DEVMIR_STATS_MIRROR, &before));
	ASSERT_EQ(0, devmir_numa_move(buf, size, 1, &moved));
	EXPECT_EQ(64, moved);
	ASSERT_EQ(0, stat_read(dev, DEVMIR_STATS_MIRROR, &after));
	EXPECT_LE(1, SV(after, inv_clear) -
			     SV(before, inv_clear));
	EXPECT_EQ(64, SV(after, pages_invalidated) - SV(before, pages_invalidated));
	ASSERT_EQ(0, devmir_snapshot(dev, buf, 64, pages, sizeof(pages[0]),
				     &mapped));
	EXPECT_EQ(0, mapped);
	memset(out, 0, size);
	ASSERT_EQ(0, devmir_read(dev, buf, out, size, NULL));
	EXPECT_EQ(-1, buf_check(out, size, 11));
	devmir_numa_free(buf, size);
	free(out);
	devmir_close(dev);
}

TEST_HARNESS_MAIN
