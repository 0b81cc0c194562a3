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

/* Run the CLI with the arguments that follow (NULL-terminated). */
static int cli(struct run_result *res, char *const env[], ...)
{
	char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)cli_path;
	va_start(ap, env);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_capture(res, env, argv);
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

	cli(&r, NULL, "info", "--frob", NULL);
	ok = r.status == 2 && strstr(r.err, "devmirror info:");
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
	     json_u64(j, "abi_version", &v) && v == 2 &&
	     json_u64(j, "asid", &v) && v == 7 &&
	     json_is(j, "numa_node", JSON_NULL) &&
	     json_u64(j, "tlb_entries", &v) && v == 64 &&
	     json_u64(j, "engines", &v) && v == 2 &&
	     json_u64(j, "policy.fault_window", &v) && v == 4096 &&
	     json_u64(j, "policy.fault_batch", &v) && v == 16 &&
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
	     strstr(r.out, "none (no affinity)");
	tap_check(ok, "cli_info_text_fake_device", "status %d", r.status);
	run_free(&r);
}

static void test_fake_abi(void)
{
	bool ok;
	char abi[] = "FAKEDEV_ABI=3";
	char *const env[] = { preload, abi, NULL };
	struct run_result r;
	struct json *j;

	cli(&r, env, "info", FAKE_PATH, "--json", NULL);
	j = parse(&r);
	ok = r.status == 69 && j && json_str(j, "error.detail") &&
	     strstr(json_str(j, "error.detail"), "ABI 3") &&
	     strstr(r.err, "ABI 3");
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
	test_fake_migrate();
	return tap_done();
}
