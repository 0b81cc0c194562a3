// SPDX-License-Identifier: GPL-2.0
/*
 * test_cli - host tests of the devmirror CLI: exit statuses, messages, the
 * shape of --json output, and info/stat against a fake render node
 * (fakedev.so, LD_PRELOADed) whose answers are known.
 *
 * usage: test_cli PATH/TO/devmirror PATH/TO/fakedev.so
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdevmirror.h"
#include "libdevmirror_topo.h"
#include "fakedev.h"
#include "json.h"
#include "run.h"
#include "tap.h"

#define FAKE_PATH "/dev/null"

static const char *cli_path;
static char preload[4200];

/*
 * Run @prefix (NULL-terminated; may be empty), the CLI, then the arguments
 * in @ap (NULL-terminated).
 */
static int cli_run(struct run_result *res, char *const env[],
		   const char *const *prefix, va_list ap)
{
	char *argv[24];
	int n = 0;

	while (*prefix)
		argv[n++] = (char *)*prefix++;
	argv[n++] = (char *)cli_path;
	while (n < 23 && (argv[n] = va_arg(ap, char *)))
		n++;
	argv[n] = NULL;
	return run_capture(res, env, argv);
}

/* Run the CLI with the arguments that follow (NULL-terminated). */
static int cli(struct run_result *res, char *const env[], ...)
{
	static const char *const none[] = { NULL };
	va_list ap;
	int ret;

	va_start(ap, env);
	ret = cli_run(res, env, none, ap);
	va_end(ap);
	return ret;
}

/* Parse stdout as one JSON document; NULL (and a note) if it is not. */
static struct json *parse(const struct run_result *res)
{
	char err[128];
	struct json *j = json_parse(res->out, err, sizeof(err));

	if (!j)
		tap_note("bad JSON (%s): %.200s", err, res->out);
	return j;
}

static void test_basics(void)
{
	bool ok;
	struct run_result r;
	char want[64];

	cli(&r, NULL, "--version", NULL);
	snprintf(want, sizeof(want), "devmirror %s", devmir_version());
	ok = r.status == 0 && strstr(r.out, want);
	tap_check(ok, "cli_version", "status %d out '%s'", r.status, r.out);
	run_free(&r);

	cli(&r, NULL, NULL);
	ok = r.status == 2 && !*r.out && strstr(r.err, "usage:");
	tap_check(ok, "cli_no_command_usage", "status %d", r.status);
	run_free(&r);

	cli(&r, NULL, "--help", NULL);
	ok = r.status == 0 && strstr(r.out, "list") && strstr(r.out, "info") &&
	     strstr(r.out, "stat") && strstr(r.out, "demo") &&
	     strstr(r.out, "bench") && strstr(r.out, "topo");
	tap_check(ok, "cli_help_lists_commands", "status %d", r.status);
	run_free(&r);

	cli(&r, NULL, "frobnicate", NULL);
	ok = r.status == 2 && strstr(r.err, "unknown command 'frobnicate'");
	tap_check(ok, "cli_unknown_command", "status %d err '%s'", r.status,
		  r.err);
	run_free(&r);

	cli(&r, NULL, "--frob", "list", NULL);
	ok = r.status == 2 && strstr(r.err, "unknown option");
	tap_check(ok, "cli_unknown_global_option", "status %d", r.status);
	run_free(&r);

	/* One prefix style for every message: "devmirror: CMD: ...". */
	cli(&r, NULL, "info", "--frob", NULL);
	ok = r.status == 2 && strstr(r.err, "devmirror: info: ") &&
	     strstr(r.err, "'--frob'") && !strstr(r.err, "devmirror info:");
	tap_check(ok, "cli_unknown_command_option", "status %d err '%s'",
		  r.status, r.err);
	run_free(&r);

	cli(&r, NULL, "stat", "--help", NULL);
	ok = r.status == 0 && strstr(r.out, "devmirror stat");
	tap_check(ok, "cli_command_help", "status %d", r.status);
	run_free(&r);
}

static void test_bad_arguments(void)
{
	static const char *const args[][4] = {
		{ "stat", "--watch=0", NULL }, { "stat", "--watch=abc", NULL },
		{ "stat", "--count", "3" },    { "demo", "--size", "3M" },
		{ "demo", "--size", "lots" },  { "bench", "--repeat", "0" },
		{ "info", "1", "2" },	       { "info", "12abc", NULL },
		{ "list", "extra", NULL },     { "migrate", "--size", "3000" },
		{ "migrate", "--size", "8G" }, { "migrate", "--bogus", NULL },
		/* A stray word is not a path (a path has a '/'). */
		{ "info", "foo", NULL },       { "stat", "renderD128", NULL },
		{ "bench", "--reps", "101" },  { "bench", "--window", "3000" },
		{ "bench", "--window", "4M" }, { "bench", "--batch", "0" },
		{ "bench", "--node", "x" },    { "bench", "--thp", "--size" },
	};
	struct run_result r;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		cli(&r, NULL, args[i][0], args[i][1], args[i][2], NULL);
		if (r.status != 2 || *r.out || !*r.err) {
			tap_note("'%s %s %s': status %d", args[i][0],
				 args[i][1], args[i][2] ? args[i][2] : "",
				 r.status);
			ok = false;
		}
		run_free(&r);
	}
	tap_check(ok, "cli_bad_arguments_exit_2", NULL);
}

static void test_no_device(void)
{
	static const char *const cmds[] = { "info", "stat", "demo", "migrate",
					    "bench" };
	struct run_result r;
	struct json *j;
	uint64_t n = 1;
	unsigned int i;
	bool ok = true;

	if (devmir_enumerate(NULL, 0, 0) > 0) {
		tap_skip("cli_nodev_exit_69", "a devmirror device is present");
		tap_skip("cli_nodev_json_error",
			 "a devmirror device is present");
		tap_skip("cli_nodev_list_empty",
			 "a devmirror device is present");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		cli(&r, NULL, cmds[i], NULL);
		if (r.status != 69 || *r.out || !strstr(r.err, "devmirror")) {
			tap_note("%s: status %d out '%s'", cmds[i], r.status,
				 r.out);
			ok = false;
		}
		run_free(&r);
	}
	tap_check(ok, "cli_nodev_exit_69", NULL);

	cli(&r, NULL, "info", "--json", NULL);
	j = parse(&r);
	ok = r.status == 69 && j && json_str(j, "error.name") &&
	     !strcmp(json_str(j, "error.name"), "ENODEV") &&
	     json_u64(j, "error.errno", &n) && n == ENODEV &&
	     json_str(j, "error.detail") && *json_str(j, "error.detail");
	tap_check(ok, "cli_nodev_json_error", "status %d", r.status);
	json_free(j);
	run_free(&r);

	cli(&r, NULL, "--json", "list", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_is(j, "devices", JSON_ARRAY) &&
	     json_get(j, "devices")->n == 0;
	tap_check(ok, "cli_nodev_list_empty", "status %d", r.status);
	json_free(j);
	run_free(&r);
}

static void test_topo(void)
{
	struct devmir_topo_summary sum = DEVMIR_INIT(sum);
	struct devmir_topo *topo;
	uint64_t nodes = 0, knodes = 0, cores = 0, pus = 0;
	struct run_result r;
	struct json *j;
	bool ok;

	if (devmir_topo_load(&topo)) {
		tap_check(false, "cli_topo_json_matches_library", "topology");
		return;
	}
	devmir_topo_summary(topo, &sum);
	devmir_topo_free(topo);
	cli(&r, NULL, "topo", "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_u64(j, "numa_nodes", &nodes) &&
	     json_u64(j, "cores", &cores) && json_u64(j, "pus", &pus) &&
	     json_u64(j, "kernel_numa_nodes", &knodes) &&
	     knodes == sum.kernel_nodes && nodes == sum.numa_nodes &&
	     cores == sum.cores && pus == sum.pus &&
	     json_is(j, "nodes", JSON_ARRAY) &&
	     json_get(j, "nodes")->n == nodes &&
	     json_is(j, "nodes.0.cpus", JSON_STRING) &&
	     json_is(j, "devices", JSON_ARRAY);
	tap_check(ok, "cli_topo_json_matches_library", "status %d", r.status);
	json_free(j);
	run_free(&r);
}

static void test_fake_info(void)
{
	char *const env[] = { preload, NULL };
	uint64_t v, levels_ok = 0, l;
	const struct json *lv;
	struct run_result r;
	struct json *j;
	char path[32];
	bool ok;

	cli(&r, env, "info", FAKE_PATH, "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_u64(j, "index", &v) && v == 0 &&
	     json_u64(j, "abi_version", &v) && v == 3 &&
	     json_u64(j, "asid", &v) && v == 7 &&
	     json_is(j, "numa_node", JSON_NULL) &&
	     json_u64(j, "tlb_entries", &v) && v == 64 &&
	     json_u64(j, "engines", &v) && v == 2 &&
	     json_u64(j, "policy.fault_window", &v) && v == 4096 &&
	     json_u64(j, "policy.fault_batch", &v) && v == 16 &&
	     json_u64(j, "policy.thrash_rounds", &v) && v == 3 &&
	     json_u64(j, "policy.thrash_hold_ms", &v) && v == 200 &&
	     json_is(j, "levels", JSON_ARRAY) &&
	     json_get(j, "levels")->n == 4 &&
	     json_is(j, "page_sizes", JSON_ARRAY) &&
	     json_u64(j, "page_sizes.1", &v) && v == (2 << 20) &&
	     !strcmp(json_str(j, "path") ? json_str(j, "path") : "", FAKE_PATH);
	for (l = 0; ok && l < 4; l++) {
		snprintf(path, sizeof(path), "levels.%llu",
			 (unsigned long long)l);
		lv = json_get(j, path);
		levels_ok += json_u64(lv, "shift", &v) && v == 12 + 9 * l &&
			     json_u64(lv, "bits", &v) && v == 9 &&
			     json_is(lv, "leaf", JSON_BOOL) &&
			     json_get(lv, "leaf")->boolean == (l < 3);
	}
	ok = ok && levels_ok == 4;
	tap_check(ok, "cli_info_json_fake_device", "status %d err '%s'",
		  r.status, r.err);
	json_free(j);
	run_free(&r);

	cli(&r, env, "info", FAKE_PATH, NULL);
	ok = r.status == 0 && strstr(r.out, "4 levels over 48 VA bits") &&
	     strstr(r.out, "none (no affinity)") &&
	     strstr(r.out, "3 round trips within 1 s; then held in system memory for 200 ms");
	tap_check(ok, "cli_info_text_fake_device", "status %d", r.status);
	run_free(&r);
}

static void test_fake_abi(void)
{
	bool ok;
	char abi[] = "FAKEDEV_ABI=4";
	char *const env[] = { preload, abi, NULL };
	struct run_result r;
	struct json *j;

	cli(&r, env, "info", FAKE_PATH, "--json", NULL);
	j = parse(&r);
	ok = r.status == 69 && j && json_str(j, "error.detail") &&
	     strstr(json_str(j, "error.detail"), "ABI 4") &&
	     strstr(r.err, "ABI 4");
	tap_check(ok, "cli_abi_mismatch_exit_69", "status %d err '%s'",
		  r.status, r.err);
	json_free(j);
	run_free(&r);
}

/* Every statistics field is present with the value the fake reports. */
/* Every statistic the fake describes, by name, with its value. */
static bool stats_match(const struct json *stats, bool device, bool delta)
{
	const struct fakedev_stat *f = fakedev_stat_desc;
	unsigned int n = FAKEDEV_NSTATS, i;
	const struct json *v;
	uint64_t x, want;
	char text[32];

	if (!stats || stats->type != JSON_OBJECT || stats->n != n)
		return false;
	for (i = 0; i < n; i++) {
		want = delta && !f[i].gauge ? 0 : FAKEDEV_STAT(i, device);
		v = json_member(stats, f[i].name);
		snprintf(text, sizeof(text), "%llu", (unsigned long long)want);
		if (!v || v->type != JSON_NUMBER || !json_u64(v, "", &x) ||
		    x != want) {
			tap_note("%s: want %s", f[i].name, text);
			return false;
		}
	}
	return true;
}

static void test_fake_stat(void)
{
	char *const env[] = { preload, NULL };
	struct run_result r;
	struct json *j, *j2;
	char *nl, err[64];
	uint64_t s0 = 9, s1 = 9;
	bool ok;

	cli(&r, env, "stat", FAKE_PATH, "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_str(j, "scope") &&
	     !strcmp(json_str(j, "scope"), "device") &&
	     stats_match(json_get(j, "stats"), true, false);
	tap_check(ok, "cli_stat_json_device_scope", "status %d", r.status);
	json_free(j);
	run_free(&r);

	cli(&r, env, "stat", FAKE_PATH, "--mirror", "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_str(j, "scope") &&
	     !strcmp(json_str(j, "scope"), "mirror") &&
	     stats_match(json_get(j, "stats"), false, false);
	tap_check(ok, "cli_stat_json_mirror_scope", "status %d", r.status);
	json_free(j);
	run_free(&r);

	/* Two samples, one JSON document per line, counters as deltas. */
	cli(&r, env, "stat", FAKE_PATH, "--watch=0.01", "--count", "2",
	    "--json", NULL);
	nl = strchr(r.out, '\n');
	j = NULL;
	j2 = NULL;
	if (nl) {
		*nl = '\0';
		j = json_parse(r.out, err, sizeof(err));
		j2 = json_parse(nl + 1, err, sizeof(err));
	}
	ok = r.status == 0 && j && j2 && json_u64(j, "sample", &s0) &&
	     s0 == 0 && json_u64(j2, "sample", &s1) && s1 == 1 &&
	     stats_match(json_get(j, "stats"), true, true) &&
	     stats_match(json_get(j2, "stats"), true, true);
	tap_check(ok, "cli_stat_watch_json_lines", "status %d out '%.300s'",
		  r.status, r.out);
	json_free(j);
	json_free(j2);
	run_free(&r);

	cli(&r, env, "stat", FAKE_PATH, NULL);
	ok = r.status == 0 && strstr(r.out, "device statistics") &&
	     strstr(r.out, "TLB");
	tap_check(ok, "cli_stat_text", "status %d", r.status);
	run_free(&r);
}

static bool envelope_ok(const struct json *j, const char *command,
			const char *device);

/* stat --latency: the histograms as a table and as JSON. */
static void test_fake_latency(void)
{
	char old_env[] = "FAKEDEV_NO_LATENCY=1";
	char *const env[] = { preload, NULL };
	char *const env_old[] = { preload, old_env, NULL };
	struct run_result r;
	struct json *j;
	uint64_t v = 0, b = 0;
	bool ok;

	cli(&r, env, "stat", FAKE_PATH, "--latency", NULL);
	/* fault_4k: 10 samples of 1024 ns, bucket top 2047 ns. */
	ok = r.status == 0 && strstr(r.out, "device latency") &&
	     strstr(r.out, "to_device_2m") &&
	     strstr(r.out, "fault_4k                 17        1.0        2.0        2.0        2.0");
	tap_check(ok, "cli_stat_latency_text", "status %d out '%.400s'", r.status,
		  r.out);
	run_free(&r);

	cli(&r, env, "--json", "stat", FAKE_PATH, "--latency", "--mirror", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && envelope_ok(j, "stat", FAKE_PATH) &&
	     !strcmp(json_str(j, "scope") ?: "", "mirror") &&
	     !strcmp(json_str(j, "latency.2.name") ?: "", "invalidate") &&
	     json_u64(j, "latency.2.count", &v) && v == FAKEDEV_LAT_COUNT(2, 0) &&
	     json_u64(j, "latency.2.buckets.12", &b) && b == v &&
	     json_u64(j, "latency.2.p99_ns", &v) && v == (2ULL << 12) - 1 &&
	     json_u64(j, "latency.0.sum_ns", &v) && v == 10ULL << 10 &&
	     json_u64(j, "latency.1.buckets.31", &v) && v == 0 &&
	     !json_get(j, "latency.1.buckets.32") && !json_get(j, "latency.3");
	tap_check(ok, "cli_stat_latency_json", "status %d out '%.300s'", r.status,
		  r.out);
	json_free(j);
	run_free(&r);

	cli(&r, env, "stat", FAKE_PATH, "--latency", "--watch=1", NULL);
	ok = r.status == 2 && !*r.out && strstr(r.err, "--latency");
	tap_check(ok, "cli_stat_latency_no_watch", "status %d", r.status);
	run_free(&r);

	cli(&r, env_old, "stat", FAKE_PATH, "--latency", NULL);
	ok = r.status == 1 && !*r.out && strstr(r.err, "latency");
	tap_check(ok, "cli_stat_latency_older_driver", "status %d err '%s'",
		  r.status, r.err);
	run_free(&r);
}

/* A migration round trip on the fake: its results, exit statuses. */
static void test_fake_migrate(void)
{
	char busy_env[] = "FAKEDEV_MIGRATE_BUSY=1";
	char *const env[] = { preload, NULL };
	char *const env_busy[] = { preload, busy_env, NULL };
	struct run_result r;
	struct json *j;
	uint64_t v;
	bool ok;

	cli(&r, env, "migrate", FAKE_PATH, "--size", "1M", "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_u64(j, "size", &v) && v == 1 << 20 &&
	     json_u64(j, "to_device.migrated", &v) && v == 256 &&
	     json_u64(j, "to_device.bytes_copied", &v) && v == 1 << 20 &&
	     json_u64(j, "to_device.failed.busy", &v) && v == 0 &&
	     json_is(j, "to_device.error", JSON_NULL) &&
	     json_u64(j, "to_system.migrated", &v) && v == 256 &&
	     json_u64(j, "device_read.faults", &v) && v == 256 &&
	     json_is(j, "device_read.data_ok", JSON_BOOL) &&
	     json_get(j, "device_read.data_ok")->boolean &&
	     json_is(j, "ok", JSON_BOOL) && json_get(j, "ok")->boolean;
	tap_check(ok, "cli_migrate_json_fake_device", "status %d err '%s'",
		  r.status, r.err);
	json_free(j);
	run_free(&r);

	cli(&r, env_busy, "migrate", FAKE_PATH, "--size", "64K", "--json",
	    NULL);
	j = parse(&r);
	ok = r.status == 1 && j &&
	     !strcmp(json_str(j, "to_device.error") ?: "", "EBUSY") &&
	     json_u64(j, "to_device.failed.busy", &v) && v == 16 &&
	     json_u64(j, "to_device.migrated", &v) && v == 0 &&
	     strstr(r.err, "to device");
	tap_check(ok, "cli_migrate_busy_exit_1", "status %d err '%s'", r.status,
		  r.err);
	json_free(j);
	run_free(&r);

	cli(&r, env_busy, "migrate", FAKE_PATH, "--size", "64K", "--prefetch",
	    NULL);
	ok = r.status == 0 && strstr(r.out, "16 failed (16 busy)") &&
	     strstr(r.out, "migrate ok");
	tap_check(ok, "cli_migrate_prefetch_text", "status %d out '%s'",
		  r.status, r.out);
	run_free(&r);
}

/* The members every --json document carries (devmirror(1), --json). */
static bool envelope_ok(const struct json *j, const char *command,
			const char *device)
{
	const char *ts = json_str(j, "timestamp");
	uint64_t schema = 0;
	unsigned int y, mo, d, h, mi, sec, ms;
	char z = 0;

	if (!j || !json_u64(j, "schema_version", &schema) || schema != 1 ||
	    strcmp(json_str(j, "tool") ?: "", "devmirror") ||
	    strcmp(json_str(j, "tool_version") ?: "", devmir_version()) ||
	    strcmp(json_str(j, "library_version") ?: "", devmir_version()) ||
	    strcmp(json_str(j, "command") ?: "", command)) {
		tap_note("%s: envelope members missing or wrong", command);
		return false;
	}
	if (device ? strcmp(json_str(j, "device") ?: "", device) :
		     !json_is(j, "device", JSON_NULL)) {
		tap_note("%s: device '%s', want '%s'", command,
			 json_str(j, "device") ?: "(null)", device ?: "null");
		return false;
	}
	if (!ts || sscanf(ts, "%4u-%2u-%2uT%2u:%2u:%2u.%3u%c", &y, &mo, &d, &h,
			  &mi, &sec, &ms, &z) != 8 || z != 'Z' || y < 2020 ||
	    strlen(ts) != 24) {
		tap_note("%s: timestamp '%s'", command, ts ?: "(none)");
		return false;
	}
	return true;
}

/* Every command's document, errors included, carries the envelope. */
/* devmirror advise on the fake: what it sets, what --show reports. */
static void test_fake_advise(void)
{
	char abi2[] = "FAKEDEV_ABI=2";
	char *const env[] = { preload, NULL };
	char *const env_abi2[] = { preload, abi2, NULL };
	struct run_result r;
	struct json *j;
	uint64_t v;
	bool ok;

	cli(&r, env, "advise", FAKE_PATH, "64K", "128K", "--preferred", "device",
	    "--granularity", "64K", "--thrash", "4,50", "--show", "--json", NULL);
	j = parse(&r);
	ok = r.status == 0 && j && json_u64(j, "offset", &v) && v == 65536 &&
	     json_u64(j, "count", &v) && v == 1 &&
	     json_u64(j, "ranges.0.offset", &v) && v == 65536 &&
	     json_u64(j, "ranges.0.size", &v) && v == 131072 &&
	     !strcmp(json_str(j, "ranges.0.preferred") ?: "", "device") &&
	     json_u64(j, "ranges.0.granularity", &v) && v == 65536 &&
	     json_u64(j, "ranges.0.thrash_rounds", &v) && v == 4 &&
	     json_u64(j, "ranges.0.thrash_hold_ms", &v) && v == 50 &&
	     !json_get(j, "ranges.0.fault_window");
	tap_check(ok, "cli_advise_json_fake_device", "status %d err '%s'",
		  r.status, r.err);
	json_free(j);
	run_free(&r);

	cli(&r, env, "advise", FAKE_PATH, "0", "16K", "--window", "adaptive",
	    "--accessed-by", "--show", NULL);
	ok = r.status == 0 && strstr(r.out, "window=adaptive") &&
	     strstr(r.out, "accessed-by") && strstr(r.out, "(1 ranges)");
	tap_check(ok, "cli_advise_text_fake_device", "status %d out '%s'",
		  r.status, r.out);
	run_free(&r);

	/* Bad values: usage (2) for the command line, 1 for the device's. */
	cli(&r, env, "advise", FAKE_PATH, "1K", "4K", "--accessed-by", NULL);
	ok = r.status == 2;
	run_free(&r);
	cli(&r, env, "advise", FAKE_PATH, "0", "4K", NULL);
	ok &= r.status == 2;
	run_free(&r);
	cli(&r, env, "advise", FAKE_PATH, "0", "4K", "--clear", "nosuch", NULL);
	ok &= r.status == 2;
	run_free(&r);
	cli(&r, env, "advise", FAKE_PATH, "0", "4K", "--preferred", "moon", NULL);
	ok &= r.status == 2;
	run_free(&r);
	cli(&r, env, "advise", FAKE_PATH, "0", "4K", "--granularity", "3K", NULL);
	ok &= r.status == 1 && strstr(r.err, "set attributes");
	run_free(&r);
	cli(&r, env_abi2, "advise", FAKE_PATH, "--show", NULL);
	ok &= r.status == 1 && strstr(r.err, "query attributes");
	tap_check(ok, "cli_advise_bad_arguments", "status %d err '%s'",
		  r.status, r.err);
	run_free(&r);
}

static void test_json_envelope(void)
{
	char *const env[] = { preload, NULL };
	static const char *const cmds[][6] = {
		{ "info", FAKE_PATH },
		{ "stat", FAKE_PATH },
		{ "migrate", FAKE_PATH, "--size", "64K" },
		{ "advise", FAKE_PATH, "0", "64K", "--accessed-by" },
		{ "bench", FAKE_PATH, "--size", "64K", "--reps", "1" },
	};
	struct run_result r;
	struct json *j;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		cli(&r, env, "--json", cmds[i][0], cmds[i][1], cmds[i][2],
		    cmds[i][3], cmds[i][4], cmds[i][5], NULL);
		j = parse(&r);
		if (r.status || !envelope_ok(j, cmds[i][0], FAKE_PATH)) {
			tap_note("%s: status %d", cmds[i][0], r.status);
			ok = false;
		}
		json_free(j);
		run_free(&r);
	}
	cli(&r, NULL, "--json", "topo", NULL);
	j = parse(&r);
	ok &= r.status == 0 && envelope_ok(j, "topo", NULL);
	json_free(j);
	run_free(&r);
	cli(&r, NULL, "--json", "list", NULL);
	j = parse(&r);
	ok &= r.status == 0 && envelope_ok(j, "list", NULL);
	json_free(j);
	run_free(&r);
	/* An operation's error document: the device it was about. */
	cli(&r, NULL, "--json", "info", "/nonexistent/renderD200", NULL);
	j = parse(&r);
	ok &= r.status == 69 &&
	      envelope_ok(j, "info", "/nonexistent/renderD200") &&
	      !strcmp(json_str(j, "error.kind") ?: "", "operation") &&
	      json_u64(j, "exit_status", &(uint64_t){ 0 });
	json_free(j);
	run_free(&r);
	tap_check(ok, "cli_json_envelope_every_document", NULL);
}

/* Usage errors under --json are JSON documents too, wherever --json is. */
static void test_json_usage_errors(void)
{
	static const char *const args[][4] = {
		{ "--json", "info", "foo" },
		{ "--json", "frobnicate" },
		{ "info", "--bogus", "--json" },
		{ "bench", "--reps", "0", "--json" },
		{ "--json", "stat", "--count", "3" },
		{ "--json", "--frob", "list" },
	};
	struct run_result r;
	struct json *j;
	uint64_t status;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		cli(&r, NULL, args[i][0], args[i][1], args[i][2], args[i][3],
		    NULL);
		j = parse(&r);
		if (r.status != 2 || !j ||
		    strcmp(json_str(j, "error.kind") ?: "", "usage") ||
		    !json_str(j, "error.message") ||
		    !json_u64(j, "exit_status", &status) || status != 2 ||
		    !json_u64(j, "schema_version", &status)) {
			tap_note("'%s %s %s': status %d out '%.200s'",
				 args[i][0], args[i][1], args[i][2] ?: "",
				 r.status, r.out);
			ok = false;
		}
		json_free(j);
		run_free(&r);
	}
	tap_check(ok, "cli_json_usage_error_object", NULL);
}

/*
 * Exit statuses as devmirror(1) documents them: a node path that does not
 * exist is "no usable device" (69), a node the user may not open is 77 and
 * the message names the render group.
 */
static void test_exit_statuses(void)
{
	char deny[] = "FAKEDEV_DENY=" FAKE_PATH;
	char *const env_deny[] = { preload, deny, NULL };
	struct run_result r;
	struct json *j;
	bool ok;

	cli(&r, NULL, "info", "/dev/dri/renderD299", NULL);
	ok = r.status == 69 && strstr(r.err, "devmirror: info: ") &&
	     strstr(r.err, "renderD299");
	tap_check(ok, "cli_missing_node_exit_69", "status %d err '%s'",
		  r.status, r.err);
	run_free(&r);

	cli(&r, env_deny, "info", FAKE_PATH, NULL);
	ok = r.status == 77 && strstr(r.err, "\"render\" group");
	tap_check(ok, "cli_eacces_exit_77_names_render_group",
		  "status %d err '%s'", r.status, r.err);
	run_free(&r);

	cli(&r, env_deny, "--json", "stat", FAKE_PATH, NULL);
	j = parse(&r);
	ok = r.status == 77 && j &&
	     !strcmp(json_str(j, "error.name") ?: "", "EACCES") &&
	     (strstr(json_str(j, "error.detail") ?: "", "render") ||
	      strstr(json_str(j, "error.hint") ?: "", "render"));
	tap_check(ok, "cli_eacces_json_names_render_group", "status %d",
		  r.status);
	json_free(j);
	run_free(&r);
}

/* The empty list says why it is empty, in text and in JSON. */
static void test_list_empty_reason(void)
{
	struct run_result r;
	struct json *j;
	bool ok;

	if (devmir_enumerate(NULL, 0, 0) > 0) {
		tap_skip("cli_list_empty_says_why",
			 "a devmirror device is present");
		return;
	}
	cli(&r, NULL, "list", NULL);
	ok = r.status == 0 && !*r.out &&
	     strstr(r.err, "devmirror: list: no devmirror device: ") &&
	     strstr(r.err, "devmirror_sim");
	run_free(&r);
	cli(&r, NULL, "--json", "list", NULL);
	j = parse(&r);
	ok &= r.status == 0 && j &&
	      strstr(json_str(j, "reason") ?: "", "devmirror_sim") &&
	      json_get(j, "devices") && json_get(j, "devices")->n == 0;
	tap_check(ok, "cli_list_empty_says_why", "status %d out '%s'",
		  r.status, r.out);
	json_free(j);
	run_free(&r);
}

/*
 * Run the CLI with stdout on /dev/full, under timeout(1): a write error must
 * end any command, a watch included, with status 74.
 */
static int cli_full(char *const env[], struct run_result *r, ...)
{
	static const char *const full[] = {
		"/usr/bin/timeout", "20", "/bin/sh", "-c",
		"exec \"$0\" \"$@\" >/dev/full", NULL
	};
	va_list ap;
	int ret;

	va_start(ap, r);
	ret = cli_run(r, env, full, ap);
	va_end(ap);
	return ret;
}

static void test_write_errors(void)
{
	char *const env[] = { preload, NULL };
	static const char *const cmds[][8] = {
		{ "--json", "info", FAKE_PATH },
		{ "info", FAKE_PATH },
		{ "stat", FAKE_PATH },
		{ "--json", "stat", FAKE_PATH },
		{ "stat", FAKE_PATH, "--watch=0.01" },
		{ "--json", "stat", FAKE_PATH, "--watch=0.01" },
		{ "migrate", FAKE_PATH, "--size", "64K" },
		{ "bench", FAKE_PATH, "--size", "64K", "--reps", "1", "--csv" },
		{ "--json", "topo" },
		{ "--help" },
		{ "--version" },
	};
	struct run_result r;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		cli_full(env, &r, cmds[i][0], cmds[i][1], cmds[i][2],
			 cmds[i][3], cmds[i][4], cmds[i][5], cmds[i][6],
			 cmds[i][7], NULL);
		if (r.status != 74 ||
		    !strstr(r.err, "write error on standard output")) {
			tap_note("'%s %s %s': status %d (124: still running "
				 "after 20 s) err '%.200s'",
				 cmds[i][0], cmds[i][1] ?: "",
				 cmds[i][2] ?: "", r.status, r.err);
			ok = false;
		}
		run_free(&r);
	}
	tap_check(ok, "cli_write_error_exit_74", NULL);
}

/* stat --watch: the time and the rates, in text and JSON. */
static void test_watch_rates(void)
{
	char *const env[] = { preload, NULL };
	struct run_result r;
	unsigned int h, m, sec, ms;
	const struct json *rates;
	struct json *j;
	char *line;
	double rate;
	bool ok;

	cli(&r, env, "stat", FAKE_PATH, "--watch=0.01", "--count", "1", NULL);
	line = strchr(r.out, '\n');
	ok = r.status == 0 && strstr(r.out, "time(UTC)") &&
	     strstr(r.out, "migr/s") && strstr(r.out, "cpuflt/s") &&
	     strstr(r.out, "evict/s") && line &&
	     sscanf(line + 1, "%2u:%2u:%2u.%3u", &h, &m, &sec, &ms) == 4;
	tap_check(ok, "cli_stat_watch_text_time_and_rates",
		  "status %d out '%s'", r.status, r.out);
	run_free(&r);

	cli(&r, env, "--json", "stat", FAKE_PATH, "--watch=0.01", "--count",
	    "1", NULL);
	j = parse(&r);
	rates = json_get(j, "rates");
	/* The fake's counters do not move: every rate is 0, gauges absent. */
	ok = r.status == 0 && envelope_ok(j, "stat", FAKE_PATH) && rates &&
	     rates->type == JSON_OBJECT && json_member(rates, "faults") &&
	     json_member(rates, "faults")->type == JSON_NUMBER &&
	     !json_member(rates, "table_bytes") &&
	     sscanf(json_str(j, "timestamp") ?: "", "%*10sT%2u", &h) == 1;
	if (ok) {
		rate = strtod(json_member(rates, "faults")->text, NULL);
		ok = rate == 0;
	}
	tap_check(ok, "cli_stat_watch_json_rates", "status %d out '%.300s'",
		  r.status, r.out);
	json_free(j);
	run_free(&r);
}

/* bench: the knobs, per-repetition samples and spread, JSON and CSV. */
static void test_bench(void)
{
	char *const env[] = { preload, NULL };
	const struct json *res, *cold = NULL, *numa = NULL;
	struct run_result r;
	struct json *j;
	char *line, *save;
	unsigned int i, rows = 0, bad = 0, commas;
	uint64_t v;
	bool ok;

	cli(&r, env, "--json", "bench", FAKE_PATH, "--size", "64K", "--reps",
	    "3", "--window", "adaptive", "--batch", "8", NULL);
	j = parse(&r);
	res = json_get(j, "results");
	for (i = 0; res && i < res->n; i++) {
		if (!strcmp(json_str(&res->items[i], "name") ?: "",
			    "device_read_cold"))
			cold = &res->items[i];
		if (!strcmp(json_str(&res->items[i], "name") ?: "",
			    "numa_move_pages"))
			numa = &res->items[i];
	}
	ok = r.status == 0 && res && res->n == 4 && cold &&
	     json_u64(cold, "reps", &v) && v == 3 &&
	     json_get(cold, "samples") && json_get(cold, "samples")->n == 3 &&
	     json_u64(cold, "samples.2.events", &v) && v == 16 &&
	     json_is(cold, "median_seconds", JSON_NUMBER) &&
	     json_is(cold, "stddev_seconds", JSON_NUMBER) &&
	     json_is(cold, "spread_pct", JSON_NUMBER) &&
	     json_is(cold, "min_seconds", JSON_NUMBER) &&
	     json_is(cold, "max_seconds", JSON_NUMBER) &&
	     !strcmp(json_str(j, "parameters.window") ?: "", "adaptive") &&
	     json_u64(j, "parameters.batch", &v) && v == 8 &&
	     json_u64(j, "parameters.reps", &v) && v == 3 &&
	     /* The baseline is there, or says why it is not. */
	     numa && json_is(numa, "skipped", JSON_BOOL) &&
	     (json_get(numa, "skipped")->boolean ?
		      json_str(numa, "reason") && *json_str(numa, "reason") :
		      json_get(numa, "samples") != NULL);
	tap_check(ok, "cli_bench_json_samples_spread_knobs",
		  "status %d err '%s' out '%.300s'", r.status, r.err, r.out);
	json_free(j);
	run_free(&r);

	cli(&r, env, "bench", FAKE_PATH, "--size", "64K", "--reps", "2",
	    "--csv", NULL);
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), rows++) {
		for (commas = 0, i = 0; line[i]; i++)
			commas += line[i] == ',';
		bad += commas != 10;
		if (!rows)
			bad += strncmp(line, "name,rep,bytes,seconds", 22) != 0;
	}
	/* Header, 2 rows for each of 3 device measurements, the baseline. */
	ok = r.status == 0 && !bad && (rows == 1 + 6 + 1 || rows == 1 + 6 + 2);
	tap_check(ok, "cli_bench_csv_rows", "status %d, %u rows, %u bad",
		  r.status, rows, bad);
	run_free(&r);

	cli(&r, env, "bench", FAKE_PATH, "--size", "2M", "--reps", "1", "--thp",
	    "--window", "64K", NULL);
	ok = r.status == 0 && strstr(r.out, "huge pages") &&
	     strstr(r.out, "samples (ms)");
	tap_check(ok, "cli_bench_thp_window_text", "status %d err '%s'",
		  r.status, r.err);
	run_free(&r);
}

/* topo shows the kernel's nodes as numactl --hardware does. */
static void test_topo_numactl(void)
{
	const struct json *nodes, *dist;
	struct run_result r;
	struct json *j;
	uint64_t size, free, self;
	bool ok;

	cli(&r, NULL, "--json", "topo", NULL);
	j = parse(&r);
	nodes = json_get(j, "kernel_nodes");
	dist = json_get(j, "kernel_nodes.0.distances");
	ok = r.status == 0 && nodes && nodes->type == JSON_ARRAY &&
	     nodes->n >= 1 && dist && dist->n == nodes->n &&
	     json_u64(j, "kernel_nodes.0.size", &size) &&
	     json_u64(j, "kernel_nodes.0.free", &free) && size > 0 &&
	     free <= size && json_u64(j, "kernel_nodes.0.distances.0", &self) &&
	     self == 10;
	tap_check(ok, "cli_topo_json_distances_free_memory",
		  "status %d out '%.300s'", r.status, r.out);
	json_free(j);
	run_free(&r);

	cli(&r, NULL, "topo", NULL);
	ok = r.status == 0 && strstr(r.out, "node distances:") &&
	     strstr(r.out, "node 0 free: ") && strstr(r.out, "node 0 size: ");
	tap_check(ok, "cli_topo_text_numactl_hardware", "status %d",
		  r.status);
	run_free(&r);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVMIRROR_CLI FAKEDEV_SO\n",
			argv[0]);
		return 2;
	}
	tap_init(1, argv, "userlib.");
	cli_path = argv[1];
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[2]);

	test_basics();
	test_bad_arguments();
	test_no_device();
	test_topo();
	test_fake_info();
	test_fake_abi();
	test_fake_stat();
	test_fake_latency();
	test_fake_migrate();
	test_fake_advise();
	test_json_envelope();
	test_json_usage_errors();
	test_exit_statuses();
	test_list_empty_reason();
	test_write_errors();
	test_watch_rates();
	test_bench();
	test_topo_numactl();
	return tap_done();
}
