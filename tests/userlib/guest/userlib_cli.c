// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_cli - the devmirror CLI on real devices: its --json output parsed
 * and checked against what the library reports, and the demo's results.
 * The CLI is the "devmirror" program beside this one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "buf.h"
#include "libdevmirror.h"
#include "json.h"
#include "run.h"

#define MAX_DEVS 16

TEST(cli_list_json_matches_library)
{
	struct devmir_enum_entry devs[MAX_DEVS];
	struct run_result r;
	struct json *j;
	char path[32];
	int n, i;

	n = devmir_enumerate(devs, MAX_DEVS, sizeof(devs[0]));
	ASSERT_LE(1, n);
	ASSERT_EQ(0, run_cli(&r, &j, "list", "--json", NULL));
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, j);
	ASSERT_TRUE(json_is(j, "devices", JSON_ARRAY));
	ASSERT_EQ((size_t)n, json_get(j, "devices")->n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "devices.%d.index", i);
		EXPECT_EQ(devs[i].index, run_json_u64(j, path));
		snprintf(path, sizeof(path), "devices.%d.path", i);
		EXPECT_STREQ(devs[i].path, json_str(j, path));
		snprintf(path, sizeof(path), "devices.%d.abi_version", i);
		EXPECT_EQ(devs[i].abi_version, run_json_u64(j, path));
		snprintf(path, sizeof(path), "devices.%d.usable", i);
		EXPECT_TRUE(json_is(j, path, JSON_BOOL) &&
			    json_get(j, path)->boolean);
	}
	json_free(j);
	run_free(&r);
}

TEST(cli_info_json_matches_library)
{
	struct devmir_info info = DEVMIR_INIT(info);
	struct devmir_dev *dev;
	struct run_result r;
	struct json *j;
	char idx[8], path[32];
	unsigned int d, l;

	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, devmir_open(d, &dev));
		ASSERT_EQ(0, devmir_get_info(dev, &info));
		snprintf(idx, sizeof(idx), "%u", d);
		ASSERT_EQ(0, run_cli(&r, &j, "info", idx, "--json", NULL));
		ASSERT_EQ(0, r.status);
		ASSERT_NE(NULL, j);
		EXPECT_EQ(d, run_json_u64(j, "index"));
		EXPECT_STREQ(devmir_path(dev), json_str(j, "path"));
		EXPECT_EQ(info.abi_version, run_json_u64(j, "abi_version"));
		EXPECT_EQ(info.va_bits, run_json_u64(j, "va_bits"));
		EXPECT_EQ(info.tlb_entries, run_json_u64(j, "tlb_entries"));
		EXPECT_EQ(info.tlb_ways, run_json_u64(j, "tlb_ways"));
		EXPECT_EQ(info.fault_queue_entries,
			  run_json_u64(j, "fault_queue_entries"));
		EXPECT_EQ(info.engines, run_json_u64(j, "engines"));
		EXPECT_EQ(info.txn_bytes, run_json_u64(j, "txn_bytes"));
		EXPECT_EQ(info.device_memory, run_json_u64(j, "device_memory"));
		EXPECT_EQ(info.window_min, run_json_u64(j, "window_min"));
		EXPECT_EQ(info.window_max, run_json_u64(j, "window_max"));
		EXPECT_TRUE(json_is(j, "numa_node", JSON_NULL));
		ASSERT_TRUE(json_is(j, "levels", JSON_ARRAY));
		ASSERT_EQ(info.levels, json_get(j, "levels")->n);
		for (l = 0; l < info.levels; l++) {
			snprintf(path, sizeof(path), "levels.%u.shift", l);
			EXPECT_EQ(info.level_shift[l], run_json_u64(j, path));
			snprintf(path, sizeof(path), "levels.%u.bits", l);
			EXPECT_EQ(info.level_bits[l], run_json_u64(j, path));
		}
		EXPECT_LE(1, run_json_u64(j, "policy.fault_batch"));
		json_free(j);
		run_free(&r);
		devmir_close(dev);
	}
}

/* Device-wide counters seen by the CLI include this process's accesses. */
TEST(cli_stat_json_counts_accesses)
{
	const struct devmir_stat_field *f;
	struct run_result r;
	struct json *j1, *j2;
	struct devmir_dev *dev;
	uint8_t *buf, out[64];
	unsigned int n, i;
	uint64_t a1 = 0, a2 = 0;

	ASSERT_EQ(0, devmir_open(1, &dev));
	buf = buf_map_aligned(PAGE_SIZE_4K, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 3, PAGE_SIZE_4K);

	ASSERT_EQ(0, run_cli(&r, &j1, "stat", "1", "--json", NULL));
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, j1);
	run_free(&r);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, devmir_read(dev, buf, out, sizeof(out), NULL));
	ASSERT_EQ(0, run_cli(&r, &j2, "--json", "stat", "1", NULL));
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, j2);

	EXPECT_STREQ("device", json_str(j2, "scope"));
	ASSERT_EQ(0, devmir_stat_fields(dev, &f, &n));
	ASSERT_TRUE(json_is(j2, "stats", JSON_OBJECT));
	EXPECT_EQ(n, json_get(j2, "stats")->n);
	for (i = 0; i < n; i++)
		EXPECT_NE(NULL, json_member(json_get(j2, "stats"), f[i].name))
	TH_LOG("missing %s", f[i].name);
	ASSERT_TRUE(json_u64(json_get(j1, "stats"), "accesses", &a1));
	ASSERT_TRUE(json_u64(json_get(j2, "stats"), "accesses", &a2));
	EXPECT_EQ(5, a2 - a1);
	json_free(j1);
	json_free(j2);
	run_free(&r);
	buf_unmap(buf, PAGE_SIZE_4K);
	devmir_close(dev);
}

TEST(cli_stat_reset_and_watch)
{
	struct run_result r;
	struct json *j;
	char *line, *next;
	uint64_t sample, expect = 0;

	ASSERT_EQ(0, run_cli(&r, &j, "stat", "0", "--reset", "--json", NULL));
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, run_json_u64(json_get(j, "stats"), "accesses"));
	EXPECT_EQ(0, run_json_u64(json_get(j, "stats"), "faults_raised"));
	json_free(j);
	run_free(&r);

	ASSERT_EQ(0, run_cli(&r, NULL, "stat", "--watch=0.05", "--count", "3",
			 "--json", NULL));
	ASSERT_EQ(0, r.status);
	for (line = r.out; *line; line = next) {
		char err[64];

		next = strchr(line, '\n');
		ASSERT_NE(NULL, next);
		*next++ = '\0';
		j = json_parse(line, err, sizeof(err));
		ASSERT_NE(NULL, j) TH_LOG("%s: %s", err, line);
		ASSERT_TRUE(json_u64(j, "sample", &sample));
		EXPECT_EQ(expect, sample);
		EXPECT_TRUE(json_is(j, "stats", JSON_OBJECT));
		json_free(j);
		expect++;
	}
	EXPECT_EQ(3, expect);
	run_free(&r);
}

/* The demo's steps, their faults, migrations and data checks, from its JSON. */
TEST(cli_demo_json_steps)
{
	static const char *const steps[] = {
		"map",
		"device_read_cold",
		"device_read_warm",
		"cpu_replace",
		"device_read_back",
		"migrate",
		"device_read_local",
		"cpu_read",
		"device_write",
		"device_atomic",
		"unmap",
	};
	size_t pages = (4 << 20) / 4096, i;
	struct run_result r;
	struct json *j;
	char path[48];

	ASSERT_EQ(0, run_cli(&r, &j, "demo", "--size", "4M", "--json", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(json_is(j, "ok", JSON_BOOL) && json_get(j, "ok")->boolean);
	EXPECT_EQ(4 << 20, run_json_u64(j, "size"));
	ASSERT_TRUE(json_is(j, "steps", JSON_ARRAY));
	ASSERT_EQ(ARRAY_SIZE(steps), json_get(j, "steps")->n);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		snprintf(path, sizeof(path), "steps.%zu.step", i);
		EXPECT_STREQ(steps[i], json_str(j, path));
		snprintf(path, sizeof(path), "steps.%zu.ok", i);
		EXPECT_TRUE(json_is(j, path, JSON_BOOL) &&
			    json_get(j, path)->boolean)
		TH_LOG("step %s", steps[i]);
	}
	/* With the default 4 KiB window, one fault per page when cold... */
	if (run_json_u64(j, "fault_window") == 4096)
		EXPECT_EQ(pages, run_json_u64(j, "steps.1.faults"));
	EXPECT_EQ(pages, run_json_u64(j, "steps.1.mapped"));
	/* ...none when warm, and the CPU's half comes back with faults. */
	EXPECT_EQ(0, run_json_u64(j, "steps.2.faults"));
	EXPECT_EQ(pages / 2, run_json_u64(j, "steps.3.pages.unmapped"));
	EXPECT_LE(1, run_json_u64(j, "steps.4.faults"));
	EXPECT_EQ(pages, run_json_u64(j, "steps.4.mapped"));
	/* The whole buffer moves to device memory, mapped there at once. */
	EXPECT_LT(0, run_json_u64(j, "device_memory"));
	EXPECT_FALSE(json_is(j, "steps.5.skipped", JSON_BOOL));
	EXPECT_EQ(pages, run_json_u64(j, "steps.5.migrated"));
	EXPECT_EQ(0, run_json_u64(j, "steps.5.failed"));
	EXPECT_EQ(4 << 20, run_json_u64(j, "steps.5.bytes_copied"));
	EXPECT_EQ(pages, run_json_u64(j, "steps.5.pages.device"));
	EXPECT_EQ(0, run_json_u64(j, "steps.6.faults"));
	EXPECT_EQ(pages, run_json_u64(j, "steps.6.pages.device"));
	EXPECT_TRUE(json_is(j, "steps.6.data_ok", JSON_BOOL) &&
		    json_get(j, "steps.6.data_ok")->boolean);
	/* The CPU's reads fault it back, ram_window at a time. */
	EXPECT_EQ(pages, run_json_u64(j, "steps.7.migrated_to_system"));
	EXPECT_EQ(pages * 4096 / run_json_u64(j, "ram_window"),
		  run_json_u64(j, "steps.7.ram_faults"));
	EXPECT_EQ(0, run_json_u64(j, "steps.7.pages.device"));
	EXPECT_TRUE(json_is(j, "steps.7.data_ok", JSON_BOOL) &&
		    json_get(j, "steps.7.data_ok")->boolean);
	EXPECT_EQ(0, run_json_u64(j, "steps.10.entries"));
	EXPECT_LE(1, run_json_u64(j, "stats.accesses"));
	EXPECT_LE(pages, run_json_u64(j, "stats.migrated_to_device"));
	json_free(j);
	run_free(&r);
}

TEST(cli_demo_text_thp)
{
	struct run_result r;

	ASSERT_EQ(0, run_cli(&r, NULL, "demo", "1", "--size", "4M", "--thp", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "demo ok"));
	EXPECT_NE(NULL, strstr(r.out, "device reads it (cold)"));
	EXPECT_NE(NULL, strstr(r.out, "a 4 MiB buffer"));
	EXPECT_NE(NULL, strstr(r.out, "fault-ahead window adaptive"));
	EXPECT_NE(NULL, strstr(r.out, "migrate it to device memory"));
	EXPECT_NE(NULL, strstr(r.out, "CPU reads it (comes back)"));
	run_free(&r);
}

/* A migration round trip: every page goes there and back, data intact. */
TEST(cli_migrate_json_round_trip)
{
	size_t pages = (4 << 20) / 4096;
	struct run_result r;
	struct json *j;

	ASSERT_EQ(0,
		  run_cli(&r, &j, "migrate", "1", "--size", "4M", "--json", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(1, run_json_u64(j, "index"));
	EXPECT_TRUE(json_is(j, "to_device.error", JSON_NULL));
	EXPECT_EQ(pages, run_json_u64(j, "to_device.migrated"));
	EXPECT_EQ(0, run_json_u64(j, "to_device.failed.busy"));
	EXPECT_EQ(4 << 20, run_json_u64(j, "to_device.bytes_copied"));
	EXPECT_EQ(pages, run_json_u64(j, "device_pages"));
	EXPECT_EQ(0, run_json_u64(j, "device_read.faults"));
	EXPECT_TRUE(json_is(j, "device_read.data_ok", JSON_BOOL) &&
		    json_get(j, "device_read.data_ok")->boolean);
	EXPECT_EQ(pages, run_json_u64(j, "to_system.migrated"));
	EXPECT_TRUE(json_is(j, "data_ok", JSON_BOOL) &&
		    json_get(j, "data_ok")->boolean);
	EXPECT_TRUE(json_is(j, "ok", JSON_BOOL) && json_get(j, "ok")->boolean);
	json_free(j);
	run_free(&r);
}

/* Shared memory cannot move: a failure with its reason, unless a hint. */
TEST(cli_migrate_shared_reasons)
{
	size_t pages = (1 << 20) / 4096;
	struct run_result r;
	struct json *j;

	ASSERT_EQ(0, run_cli(&r, &j, "migrate", "--size", "1M", "--shared",
			 "--json", NULL));
	EXPECT_EQ(1, r.status);
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("EOPNOTSUPP", json_str(j, "to_device.error"));
	EXPECT_EQ(pages, run_json_u64(j, "to_device.failed.file"));
	EXPECT_EQ(0, run_json_u64(j, "to_device.migrated"));
	EXPECT_NE(NULL, strstr(r.err, "to device"));
	json_free(j);
	run_free(&r);

	ASSERT_EQ(0, run_cli(&r, &j, "migrate", "--size", "1M", "--shared",
			 "--prefetch", "--json", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(json_is(j, "to_device.error", JSON_NULL));
	EXPECT_EQ(pages, run_json_u64(j, "to_device.failed.file"));
	EXPECT_EQ(0, run_json_u64(j, "device_pages"));
	EXPECT_TRUE(json_is(j, "data_ok", JSON_BOOL) &&
		    json_get(j, "data_ok")->boolean);
	json_free(j);
	run_free(&r);
}

TEST(cli_bench_json_results)
{
	static const char *const names[] = {
		"device_read_cold",
		"device_read_warm",
		"device_write_warm",
		"numa_move_pages",
	};
	struct run_result r;
	struct json *j;
	const struct json *res;
	char path[48];
	size_t i;

	ASSERT_EQ(0, run_cli(&r, &j, "bench", "--size", "1M", "--reps", "2",
			 "--json", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(json_is(j, "ok", JSON_BOOL) && json_get(j, "ok")->boolean);
	res = json_get(j, "results");
	ASSERT_NE(NULL, res);
	ASSERT_EQ(ARRAY_SIZE(names), res->n);
	for (i = 0; i < res->n; i++) {
		snprintf(path, sizeof(path), "%zu.name", i);
		EXPECT_STREQ(names[i], json_str(res, path));
		/* Two NUMA nodes in the VM: the baseline runs too. */
		snprintf(path, sizeof(path), "%zu.reps", i);
		EXPECT_EQ(2, run_json_u64(res, path));
		snprintf(path, sizeof(path), "%zu.samples", i);
		EXPECT_TRUE(json_is(res, path, JSON_ARRAY) &&
			    json_get(res, path)->n == 2);
		snprintf(path, sizeof(path), "%zu.median_seconds", i);
		EXPECT_TRUE(json_is(res, path, JSON_NUMBER));
		snprintf(path, sizeof(path), "%zu.spread_pct", i);
		EXPECT_TRUE(json_is(res, path, JSON_NUMBER));
	}
	/* Faults of a cold 1 MiB read: at least one, at most one per page. */
	EXPECT_LE(1, run_json_u64(res, "0.samples.1.events"));
	EXPECT_GE(256, run_json_u64(res, "0.samples.1.events"));
	json_free(j);
	run_free(&r);
}

/*
 * The knobs reach the device: a 4 KiB window faults once per page of a
 * cold read, THP-backed buffers with a 2 MiB window fault once per 2 MiB,
 * and --node puts the baseline's source on that node.
 */
TEST(cli_bench_knobs)
{
	struct run_result r;
	struct json *j;

	ASSERT_EQ(0, run_cli(&r, &j, "bench", "--size", "2M", "--reps", "1",
			 "--window", "4K", "--batch", "4", "--json", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(512, run_json_u64(j, "results.0.samples.0.events"));
	EXPECT_EQ(4096, run_json_u64(j, "parameters.window"));
	EXPECT_EQ(4, run_json_u64(j, "parameters.batch"));
	json_free(j);
	run_free(&r);

	ASSERT_EQ(0, run_cli(&r, &j, "bench", "--size", "4M", "--reps", "1",
			 "--thp", "--window", "2M", "--node", "1", "--json",
			 NULL));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(json_is(j, "parameters.thp", JSON_BOOL) &&
		    json_get(j, "parameters.thp")->boolean);
	EXPECT_EQ(1, run_json_u64(j, "parameters.node"));
	/* Huge pages where the kernel gave them: 2 faults, else at most 1024. */
	EXPECT_LE(2, run_json_u64(j, "results.0.samples.0.events"));
	EXPECT_GE(1024, run_json_u64(j, "results.0.samples.0.events"));
	json_free(j);
	run_free(&r);

	ASSERT_EQ(0, run_cli(&r, NULL, "bench", "--size", "1M", "--reps", "2",
			 "--csv", NULL));
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "name,rep,bytes,seconds", 22));
	EXPECT_NE(NULL, strstr(r.out, "\nnuma_move_pages,2,"));
	run_free(&r);
}

TEST(cli_topo_json_devices)
{
	struct run_result r;
	struct json *j;

	ASSERT_EQ(0, run_cli(&r, &j, "topo", "--json", NULL));
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(2, run_json_u64(j, "kernel_numa_nodes"));
	EXPECT_LE(1, run_json_u64(j, "numa_nodes"));
	ASSERT_TRUE(json_is(j, "devices", JSON_ARRAY));
	EXPECT_EQ(2, json_get(j, "devices")->n);
	EXPECT_TRUE(json_is(j, "devices.0.numa_node", JSON_NULL));
	EXPECT_EQ(1, run_json_u64(j, "devices.1.index"));
	/*
	 * numactl --hardware's view: two nodes, distances both ways (NUMA
	 * emulation reports 10 between its nodes too), free memory.
	 */
	ASSERT_TRUE(json_is(j, "kernel_nodes", JSON_ARRAY));
	EXPECT_EQ(2, json_get(j, "kernel_nodes")->n);
	EXPECT_EQ(2, json_get(j, "kernel_nodes.0.distances")->n);
	EXPECT_EQ(10, run_json_u64(j, "kernel_nodes.1.distances.1"));
	EXPECT_LE(10, run_json_u64(j, "kernel_nodes.0.distances.1"));
	EXPECT_EQ(run_json_u64(j, "kernel_nodes.0.distances.1"),
		  run_json_u64(j, "kernel_nodes.1.distances.0"));
	EXPECT_LT(0, run_json_u64(j, "kernel_nodes.1.free"));
	EXPECT_GE(run_json_u64(j, "kernel_nodes.1.size"),
		  run_json_u64(j, "kernel_nodes.1.free"));
	json_free(j);
	run_free(&r);
}

TEST(cli_missing_device_exit_69)
{
	struct run_result r;
	struct json *j;

	ASSERT_EQ(0, run_cli(&r, &j, "info", "7", "--json", NULL));
	EXPECT_EQ(69, r.status);
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("ENODEV", json_str(j, "error.name"));
	EXPECT_NE(NULL, strstr(json_str(j, "error.detail") ?: "",
			       "no devmirror device 7"));
	EXPECT_NE(NULL, strstr(r.err, "no devmirror device 7"));
	json_free(j);
	run_free(&r);
}

TEST_HARNESS_MAIN
