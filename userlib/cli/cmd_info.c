// SPDX-License-Identifier: MIT
/*
 * cmd_info.c - the commands that describe: list, info and topo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libdevmirror_topo.h"

#define CLI_MAX_DEVICES 64

static const struct option cli_plain_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/*
 * Parse a command that takes only the common options and at most @maxargs
 * operands; *@operand receives the first one (or NULL). Return: -1 to go on,
 * or an exit status.
 */
static int cli_parse_plain(struct cli_ctx *ctx, const struct cli_command *cmd,
			   int argc, char **argv, int maxargs,
			   const char **operand)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", cli_plain_options, NULL)) !=
	       -1) {
		ret = cli_common_opt(ctx, cmd, opt);
		if (ret >= 0 && (opt == CLI_OPT_HELP || opt == '?'))
			return ret;
	}
	if (argc - optind > maxargs)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + maxargs]);
	*operand = optind < argc ? argv[optind] : NULL;
	return -1;
}

static void cli_json_node(struct cli_json *j, const char *key, int node)
{
	if (node < 0)
		cli_json_null(j, key);
	else
		cli_json_i64(j, key, node);
}

static const char *cli_migrate_mode(enum devmir_migmode mode)
{
	switch (mode) {
	case DEVMIR_MIGMODE_OFF:
		return "off";
	case DEVMIR_MIGMODE_FIRST_FAULT:
		return "first-fault";
	case DEVMIR_MIGMODE_THRESHOLD:
		return "threshold";
	}
	return "unknown";
}

static const char *cli_node_text(char *buf, size_t len, int node)
{
	if (node < 0)
		snprintf(buf, len, "none (no affinity)");
	else
		snprintf(buf, len, "%d", node);
	return buf;
}

static int cli_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct devmir_enum_entry devs[CLI_MAX_DEVICES];
	const char *operand;
	struct cli_json j;
	char node[32];
	int n, i, ret;

	ret = cli_parse_plain(ctx, &cli_cmd_list, argc, argv, 0, &operand);
	if (ret >= 0)
		return ret;
	n = devmir_enumerate(devs, CLI_MAX_DEVICES, sizeof(devs[0]));
	if (n < 0)
		return cli_fail(ctx, n, "list devices");
	if (n > CLI_MAX_DEVICES)
		n = CLI_MAX_DEVICES;

	if (ctx->json) {
		cli_json_begin(&j, ctx);
		if (!n)
			cli_json_str(&j, "reason",
				     *devmir_last_error() ?
					     devmir_last_error() :
					     "no devmirror device");
		cli_json_array(&j, "devices");
		for (i = 0; i < n; i++) {
			cli_json_object(&j, NULL);
			cli_json_u64(&j, "index", devs[i].index);
			cli_json_str(&j, "path", devs[i].path);
			cli_json_u64(&j, "abi_version", devs[i].abi_version);
			snprintf(node, sizeof(node), "%d.%d.%d",
				 devs[i].drv_major, devs[i].drv_minor,
				 devs[i].drv_patchlevel);
			cli_json_str(&j, "driver_version", node);
			cli_json_node(&j, "numa_node", devs[i].numa_node);
			cli_json_bool(&j, "usable", devs[i].usable);
			cli_json_close_object(&j);
		}
		cli_json_close_array(&j);
		cli_json_end(&j);
		return CLI_EXIT_OK;
	}
	if (!n) {
		/* Empty is an answer, not a failure: say why it is empty. */
		fprintf(stderr, "devmirror: list: no devmirror device: %s\n",
			*devmir_last_error() ? devmir_last_error() :
					       "none found");
		return CLI_EXIT_OK;
	}
	printf("%-5s %-22s %-4s %-8s %-18s %s\n", "INDEX", "PATH", "ABI",
	       "DRIVER", "NUMA NODE", "STATUS");
	for (i = 0; i < n; i++) {
		char drv[32];

		snprintf(drv, sizeof(drv), "%d.%d.%d", devs[i].drv_major,
			 devs[i].drv_minor, devs[i].drv_patchlevel);
		printf("%-5u %-22s %-4u %-8s %-18s %s\n", devs[i].index,
		       devs[i].path, devs[i].abi_version, drv,
		       cli_node_text(node, sizeof(node), devs[i].numa_node),
		       devs[i].usable ? "ok" : "other ABI: not usable");
	}
	return CLI_EXIT_OK;
}

static void cli_info_json(struct cli_ctx *ctx, struct devmir_dev *dev,
			  const struct devmir_info *in,
			  const struct devmir_policy *pol, int node)
{
	struct cli_json j;
	unsigned int l;

	cli_json_begin(&j, ctx);
	cli_json_u64(&j, "index", in->index);
	cli_json_str(&j, "path", devmir_path(dev));
	cli_json_u64(&j, "abi_version", in->abi_version);
	cli_json_u64(&j, "asid", in->asid);
	cli_json_node(&j, "numa_node", node);
	cli_json_u64(&j, "va_bits", in->va_bits);
	cli_json_array(&j, "levels");
	for (l = 0; l < in->levels && l < DEVMIR_MAX_LEVELS; l++) {
		cli_json_object(&j, NULL);
		cli_json_u64(&j, "level", l);
		cli_json_u64(&j, "shift", in->level_shift[l]);
		cli_json_u64(&j, "bits", in->level_bits[l]);
		cli_json_bool(&j, "leaf", in->leaf_levels & (1U << l));
		cli_json_close_object(&j);
	}
	cli_json_close_array(&j);
	cli_json_array(&j, "page_sizes");
	for (l = 0; l < 64; l++)
		if (in->page_sizes & (1ULL << l))
			cli_json_u64(&j, NULL, 1ULL << l);
	cli_json_close_array(&j);
	cli_json_u64(&j, "tlb_entries", in->tlb_entries);
	cli_json_u64(&j, "tlb_ways", in->tlb_ways);
	cli_json_u64(&j, "fault_queue_entries", in->fault_queue_entries);
	cli_json_u64(&j, "engines", in->engines);
	cli_json_u64(&j, "txn_bytes", in->txn_bytes);
	cli_json_u64(&j, "device_memory", in->device_memory);
	cli_json_str(&j, "memory_kind", devmir_mem_kind_name(in->memory_kind));
	cli_json_u64(&j, "window_min", in->window_min);
	cli_json_u64(&j, "window_max", in->window_max);
	cli_json_object(&j, "policy");
	cli_json_u64(&j, "fault_batch", pol->fault_batch);
	cli_json_u64(&j, "fault_window", pol->fault_window);
	cli_json_str(&j, "migrate_mode", cli_migrate_mode(pol->migrate_mode));
	cli_json_u64(&j, "migrate_threshold", pol->migrate_threshold);
	cli_json_u64(&j, "ram_window", pol->ram_window);
	cli_json_u64(&j, "thrash_rounds", pol->thrash_rounds);
	cli_json_u64(&j, "thrash_hold_ms", pol->thrash_hold_ms);
	cli_json_close_object(&j);
	cli_json_end(&j);
}

static void cli_info_text(struct devmir_dev *dev, const struct devmir_info *in,
			  const struct devmir_policy *pol, int node)
{
	char a[32], b[32];
	unsigned int l;
	bool first = true;

	printf("devmirror device %u (%s), ABI %u\n", in->index,
	       devmir_path(dev), in->abi_version);
	printf("  NUMA node        %s\n", cli_node_text(a, sizeof(a), node));
	if (in->device_memory)
		printf("  device memory    %s, %s\n",
		       cli_human_bytes(a, sizeof(a), in->device_memory),
		       in->memory_kind == DEVMIR_MEM_COHERENT ?
			       "device-coherent (the CPU accesses it in place)" :
			       "device-private (a CPU access migrates back)");
	else
		printf("  device memory    none (system memory only)\n");
	printf("  mirror table     %u levels over %u VA bits (level 0 = leaf):\n",
	       in->levels, in->va_bits);
	for (l = in->levels < DEVMIR_MAX_LEVELS ? in->levels :
						  DEVMIR_MAX_LEVELS;
	     l-- > 0;)
		printf("    level %u        %u entries of %s%s\n", l,
		       1U << in->level_bits[l],
		       cli_human_bytes(a, sizeof(a),
				       1ULL << in->level_shift[l]),
		       in->leaf_levels & (1U << l) ? ", may be a leaf" : "");
	printf("  page sizes      ");
	for (l = 0; l < 64; l++) {
		if (!(in->page_sizes & (1ULL << l)))
			continue;
		printf("%s %s", first ? "" : ",",
		       cli_human_bytes(a, sizeof(a), 1ULL << l));
		first = false;
	}
	printf("\n  TLB              %u entries, %u-way\n", in->tlb_entries,
	       in->tlb_ways);
	printf("  fault queue      %u entries; %u engine(s); %u-byte transactions\n",
	       in->fault_queue_entries, in->engines, in->txn_bytes);
	printf("  fault-ahead      %s .. %s\n",
	       cli_human_bytes(a, sizeof(a), in->window_min),
	       cli_human_bytes(b, sizeof(b), in->window_max));
	printf("  policy           batch %u faults, window %s (this process's mirror, asid %u)\n",
	       pol->fault_batch,
	       pol->fault_window ? cli_human_bytes(a, sizeof(a), pol->fault_window) :
	       "adaptive", in->asid);
	printf("  migration        on device faults: %s",
	       cli_migrate_mode(pol->migrate_mode));
	if (pol->migrate_mode == DEVMIR_MIGMODE_THRESHOLD)
		printf(" (%u faults per 2 MiB)", pol->migrate_threshold);
	printf("; CPU faults bring back %s\n",
	       cli_human_bytes(a, sizeof(a), pol->ram_window));
	if (pol->thrash_rounds)
		printf("  thrashing        %u round trips within 1 s; then held in system memory for %u ms\n",
		       pol->thrash_rounds, pol->thrash_hold_ms);
	else
		printf("  thrashing        not watched\n");
}

static int cli_info(struct cli_ctx *ctx, int argc, char **argv)
{
	struct devmir_policy pol = DEVMIR_INIT(pol);
	struct devmir_info info = DEVMIR_INIT(info);
	struct devmir_dev *dev;
	const char *operand;
	int ret, node;

	ret = cli_parse_plain(ctx, &cli_cmd_info, argc, argv, 1, &operand);
	if (ret >= 0)
		return ret;
	ret = cli_open(ctx, operand, &dev);
	if (ret)
		return ret;
	ret = devmir_get_info(dev, &info);
	if (ret) {
		ret = cli_fail(ctx, ret, "get info");
		goto out;
	}
	ret = devmir_get_policy(dev, &pol);
	if (ret) {
		ret = cli_fail(ctx, ret, "get policy");
		goto out;
	}
	devmir_device_numa_node(dev, &node);
	if (ctx->json)
		cli_info_json(ctx, dev, &info, &pol, node);
	else
		cli_info_text(dev, &info, &pol, node);
	ret = CLI_EXIT_OK;
out:
	devmir_close(dev);
	return ret;
}

/* Device memory of a listed device, or 0 if it cannot be opened. */
static uint64_t cli_device_memory(const struct devmir_enum_entry *d)
{
	struct devmir_dev *dev;
	struct devmir_info info = DEVMIR_INIT(info);
	uint64_t bytes = 0;

	if (!d->usable || devmir_open_path(d->path, &dev))
		return 0;
	if (!devmir_get_info(dev, &info))
		bytes = info.device_memory;
	devmir_close(dev);
	return bytes;
}

/* The CPUs the kernel lists for @node ("0-3,8"), "" when none. */
static void cli_node_cpulist(int node, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	*buf = '\0';
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * The kernel's NUMA nodes as numactl --hardware shows them: CPUs, size,
 * free memory and the distance table. Return: the number of nodes shown.
 */
static int cli_topo_kernel_nodes(struct cli_json *j, bool json)
{
	int max = devmir_numa_nodes(), from, to, shown = 0;
	uint64_t total, free;
	char cpus[256], a[32];

	if (max <= 0) {
		if (json)
			cli_json_str(j, "kernel_nodes_skipped",
				     "no NUMA support in the kernel");
		else
			printf("kernel NUMA nodes: skipped: no NUMA support in the kernel\n");
		return 0;
	}
	if (json)
		cli_json_array(j, "kernel_nodes");
	for (from = 0; from < max; from++) {
		if (devmir_numa_memory(from, &total, &free))
			continue;
		shown++;
		cli_node_cpulist(from, cpus, sizeof(cpus));
		if (json) {
			cli_json_object(j, NULL);
			cli_json_i64(j, "node", from);
			cli_json_str(j, "cpus", cpus);
			cli_json_u64(j, "size", total);
			cli_json_u64(j, "free", free);
			cli_json_array(j, "distances");
			for (to = 0; to < max; to++)
				if (!devmir_numa_memory(to, NULL, NULL))
					cli_json_i64(j, NULL,
						     devmir_numa_distance(from,
									  to));
			cli_json_close_array(j);
			cli_json_close_object(j);
			continue;
		}
		printf("node %d cpus: %s\n", from, *cpus ? cpus : "none");
		printf("node %d size: %s\n", from,
		       cli_human_bytes(a, sizeof(a), total));
		printf("node %d free: %s\n", from,
		       cli_human_bytes(a, sizeof(a), free));
	}
	if (json) {
		cli_json_close_array(j);
		return shown;
	}
	printf("node distances:\nnode");
	for (to = 0; to < max; to++)
		if (!devmir_numa_memory(to, NULL, NULL))
			printf(" %3d", to);
	printf("\n");
	for (from = 0; from < max; from++) {
		if (devmir_numa_memory(from, NULL, NULL))
			continue;
		printf("%3d:", from);
		for (to = 0; to < max; to++)
			if (!devmir_numa_memory(to, NULL, NULL))
				printf(" %3d", devmir_numa_distance(from, to));
		printf("\n");
	}
	return shown;
}

static int cli_topo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct devmir_enum_entry devs[CLI_MAX_DEVICES];
	struct devmir_topo_summary sum = DEVMIR_INIT(sum);
	struct devmir_numa_node node = DEVMIR_INIT(node);
	struct devmir_topo *topo;
	const char *operand;
	struct cli_json j;
	char a[32], b[32];
	int ret, ndevs;
	unsigned int i;

	ret = cli_parse_plain(ctx, &cli_cmd_topo, argc, argv, 0, &operand);
	if (ret >= 0)
		return ret;
	ret = devmir_topo_load(&topo);
	if (ret)
		return cli_fail(ctx, ret, "load topology");
	devmir_topo_summary(topo, &sum);
	ndevs = devmir_enumerate(devs, CLI_MAX_DEVICES, sizeof(devs[0]));
	if (ndevs < 0)
		ndevs = 0;
	if (ndevs > CLI_MAX_DEVICES)
		ndevs = CLI_MAX_DEVICES;

	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_u64(&j, "numa_nodes", sum.numa_nodes);
		cli_json_u64(&j, "kernel_numa_nodes", sum.kernel_nodes);
		cli_json_u64(&j, "packages", sum.packages);
		cli_json_u64(&j, "cores", sum.cores);
		cli_json_u64(&j, "pus", sum.pus);
		cli_json_u64(&j, "memory", sum.memory);
		cli_json_array(&j, "nodes");
		for (i = 0; !devmir_topo_node(topo, i, &node); i++) {
			cli_json_object(&j, NULL);
			cli_json_i64(&j, "node", node.node);
			cli_json_u64(&j, "cores", node.cores);
			cli_json_u64(&j, "pus", node.pus);
			cli_json_u64(&j, "memory", node.memory);
			cli_json_str(&j, "cpus", node.cpulist);
			cli_json_close_object(&j);
		}
		cli_json_close_array(&j);
		cli_topo_kernel_nodes(&j, true);
		cli_json_array(&j, "devices");
		for (i = 0; i < (unsigned int)ndevs; i++) {
			cli_json_object(&j, NULL);
			cli_json_u64(&j, "index", devs[i].index);
			cli_json_str(&j, "path", devs[i].path);
			cli_json_node(&j, "numa_node", devs[i].numa_node);
			cli_json_u64(&j, "device_memory",
				     cli_device_memory(&devs[i]));
			cli_json_close_object(&j);
		}
		cli_json_close_array(&j);
		cli_json_end(&j);
		goto out;
	}

	printf("machine: %u NUMA node(s), %u package(s), %u core(s), %u PU(s), %s\n",
	       sum.numa_nodes, sum.packages, sum.cores, sum.pus,
	       cli_human_bytes(a, sizeof(a), sum.memory));
	for (i = 0; !devmir_topo_node(topo, i, &node); i++)
		printf("  node %-3d %s, CPUs %s (%u core(s), %u PU(s))\n",
		       node.node, cli_human_bytes(a, sizeof(a), node.memory),
		       *node.cpulist ? node.cpulist : "none", node.cores,
		       node.pus);
	if (sum.kernel_nodes > sum.numa_nodes)
		printf("  (the kernel has %u NUMA nodes; hwloc ignores those whose CPUs overlap\n"
		       "   another node's, as under NUMA emulation; memory placement still uses them)\n",
		       sum.kernel_nodes);
	cli_topo_kernel_nodes(NULL, false);
	if (!ndevs)
		printf("devices: none (%s)\n",
		       *devmir_last_error() ? devmir_last_error() :
					      "no devmirror device");
	for (i = 0; i < (unsigned int)ndevs; i++) {
		uint64_t mem = cli_device_memory(&devs[i]);

		printf("device %u (%s): NUMA node %s, device memory %s\n",
		       devs[i].index, devs[i].path,
		       cli_node_text(a, sizeof(a), devs[i].numa_node),
		       mem ? cli_human_bytes(b, sizeof(b), mem) : "none");
	}
out:
	devmir_topo_free(topo);
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_list = {
	.name = "list",
	.args = "",
	.summary = "list the devmirror devices",
	.run = cli_list,
};

const struct cli_command cli_cmd_info = {
	.name = "info",
	.args = "[DEV]",
	.summary = "show what a device reports about itself",
	.run = cli_info,
};

const struct cli_command cli_cmd_topo = {
	.name = "topo",
	.args = "",
	.summary = "NUMA nodes, cores, and where each device sits",
	.run = cli_topo,
};
