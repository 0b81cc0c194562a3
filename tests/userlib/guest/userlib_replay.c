// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_replay - record and replay on the simulated devices: a program
 * records its own device calls, the trace file holds exactly them, the
 * CLI records an unmodified program, two replays of one trace on one
 * configuration count the same (every counter but the times), and
 * several --policy options compare. The CLI is the "devmirror" program
 * beside this one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libdevmirror.h"
#include "json.h"
#include "run.h"

#define PAGE 4096UL
#define BUF_SIZE (4UL << 20)
#define ATOMIC_AT (3UL << 20)

/* A 2 MiB-aligned private anonymous buffer of @size bytes, filled. */
static uint8_t *map_buffer(size_t size)
{
	size_t span = size + (2UL << 20);
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1);
	/* Base pages: a huge page would have to split to migrate. */
	madvise((void *)a, size, MADV_NOHUGEPAGE);
	memset((void *)a, 0x5a, size);
	return (uint8_t *)a;
}

/*
 * Every counter of run @a's device @d equals run @b's, times (*_ns)
 * aside; the names that differ are printed. Return: how many differ.
 */
static int compare_runs(const struct json *ja, unsigned int a,
			const struct json *jb, unsigned int b, unsigned int d)
{
	char path[64];
	const struct json *sa, *sb;
	uint64_t va, vb;
	unsigned int i;
	int differ = 0;

	snprintf(path, sizeof(path), "runs.%u.devices.%u.stats", a, d);
	sa = json_get(ja, path);
	snprintf(path, sizeof(path), "runs.%u.devices.%u.stats", b, d);
	sb = json_get(jb, path);
	if (!sa || !sb || sa->type != JSON_OBJECT || sa->n != sb->n || !sa->n)
		return -1;
	for (i = 0; i < sa->n; i++) {
		const char *name = sa->items[i].key;
		size_t len = strlen(name);

		if (len > 3 && !strcmp(name + len - 3, "_ns"))
			continue;
		if (!json_u64(&sa->items[i], "", &va) ||
		    !json_u64(json_member(sb, name), "", &vb) || va != vb) {
			fprintf(stderr, "# %s: %s run %u, %s run %u\n", name,
				sa->items[i].text, a,
				json_member(sb, name) ?
					json_member(sb, name)->text :
					"none",
				b);
			differ++;
		}
	}
	return differ;
}

FIXTURE(rec)
{
	struct devmir_dev *dev;
	struct devmir_info info;
	char trace[64];
};

FIXTURE_SETUP(rec)
{
	ASSERT_EQ(0, devmir_open(0, &self->dev))
	TH_LOG("%s", devmir_last_error());
	self->info.struct_size = sizeof(self->info);
	ASSERT_EQ(0, devmir_get_info(self->dev, &self->info));
	snprintf(self->trace, sizeof(self->trace), "/tmp/replay-%d.dmt",
		 getpid());
}

FIXTURE_TEARDOWN(rec)
{
	devmir_close(self->dev);
	unlink(self->trace);
}

/*
 * A program records its own calls; the file holds exactly them, in order,
 * with the policy in force; replaying it does them all without an error.
 */
TEST_F(rec, record_in_program_then_replay)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_policy pol = DEVMIR_INIT(pol);
	struct devmir_trace_record r;
	struct devmir_trace *t, *back;
	uint8_t *buf, *out, *other;
	uint64_t records, dropped, word_old;
	unsigned int buffers, n = 0;
	struct run_result res;
	const char *name;
	struct json *j;
	uint64_t size;

	buf = map_buffer(BUF_SIZE);
	other = map_buffer(PAGE);
	out = malloc(BUF_SIZE);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, other);
	ASSERT_NE(NULL, out);
	pol.fault_window = 64 << 10;
	ASSERT_EQ(0, devmir_set_policy(self->dev, DEVMIR_POLICY_WINDOW, &pol));

	ASSERT_EQ(0, devmir_trace_create(NULL, &t));
	ASSERT_EQ(0, devmir_record_start(self->dev, t));
	ASSERT_EQ(-EBUSY, devmir_record_start(self->dev, t));
	ASSERT_EQ(0, devmir_record_buffer(self->dev, "grid", buf, BUF_SIZE));
	ASSERT_EQ(-EEXIST, devmir_record_buffer(self->dev, "again", buf, PAGE));
	ASSERT_EQ(0, devmir_write(self->dev, buf + PAGE, out, 1 << 20, NULL));
	n++;
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, BUF_SIZE, NULL));
	n++;
	/*
	 * Outside the range that migrates below: an exclusive entry keeps
	 * its page busy for migration.
	 */
	ASSERT_EQ(0, devmir_atomic_add(self->dev, (uint64_t *)(buf + ATOMIC_AT),
				       1, &word_old));
	n++;
	/* Outside every named buffer: named after its mapping. */
	ASSERT_EQ(0, devmir_read(self->dev, other, out, PAGE, NULL));
	n++;
	if (self->info.device_memory) {
		ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, 2 << 20,
						  DEVMIR_MIGDIR_TO_DEVICE, 0,
						  NULL));
		n++;
		ASSERT_EQ(0, devmir_read(self->dev, buf, out, 2 << 20, NULL));
		n++;
		ASSERT_EQ(0, devmir_migrate_range(self->dev, buf, 2 << 20,
						  DEVMIR_MIGDIR_TO_SYSTEM, 0,
						  NULL));
		n++;
	}
	ASSERT_EQ(0, devmir_record_stop(self->dev));
	/* Not recorded any more. */
	ASSERT_EQ(0, devmir_read(self->dev, buf, out, PAGE, NULL));

	ASSERT_EQ(0, devmir_trace_counts(t, &buffers, &records, &dropped));
	EXPECT_EQ(2, buffers);
	EXPECT_EQ(n, records);
	EXPECT_EQ(0, dropped);
	ASSERT_EQ(0, devmir_trace_get_config(t, &c));
	EXPECT_EQ(1, c.devices);
	EXPECT_EQ(1, c.has_policy);
	EXPECT_EQ(64 << 10, c.fault_window);
	EXPECT_EQ(self->info.engines, c.engines);
	ASSERT_EQ(0, devmir_trace_get(t, 0, &r, sizeof(r)));
	EXPECT_EQ(DEVMIR_TRACE_ACCESS, r.op);
	EXPECT_EQ(DEVMIR_OP_WRITE, r.kind);
	EXPECT_EQ(PAGE, r.offset);
	EXPECT_EQ(1 << 20, r.size);
	ASSERT_EQ(0, devmir_trace_get(t, 2, &r, sizeof(r)));
	EXPECT_EQ(DEVMIR_OP_ATOMIC_ADD, r.kind);
	EXPECT_EQ(ATOMIC_AT, r.offset);
	ASSERT_EQ(0, devmir_trace_get(t, 3, &r, sizeof(r)));
	ASSERT_EQ(0, devmir_trace_buffer(t, r.buffer, &name, &size));
	EXPECT_STREQ("map0", name);
	if (self->info.device_memory) {
		ASSERT_EQ(0, devmir_trace_get(t, 4, &r, sizeof(r)));
		EXPECT_EQ(DEVMIR_TRACE_MIGRATE, r.op);
		EXPECT_EQ(DEVMIR_MIGDIR_TO_DEVICE, r.kind);
		EXPECT_EQ(2 << 20, r.size);
	}

	ASSERT_EQ(0, devmir_trace_save(t, self->trace));
	ASSERT_EQ(0, devmir_trace_load(self->trace, &back))
	TH_LOG("%s", devmir_last_error());
	ASSERT_EQ(0, devmir_trace_counts(back, &buffers, &records, NULL));
	EXPECT_EQ(n, records);
	devmir_trace_destroy(back);
	devmir_trace_destroy(t);

	ASSERT_EQ(0, run_cli(&res, &j, "--json", "replay", self->trace, NULL));
	EXPECT_EQ(0, res.status) TH_LOG("%s", res.err);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(n, run_json_u64(j, "runs.0.ops"));
	EXPECT_EQ(0, run_json_u64(j, "runs.0.errors"));
	EXPECT_LT(0, run_json_u64(j, "runs.0.summary.faults"));
	json_free(j);
	run_free(&res);
	free(out);
}

/* devmirror record: an unmodified program's calls, then replayed. */
TEST_F(rec, record_cli_unmodified_program)
{
	char example[PATH_MAX];
	struct devmir_trace *t;
	struct run_result res;
	uint64_t records;
	struct json *j;

	if (strlen(run_prog_dir()) + 32 > sizeof(example))
		SKIP(return, "path too long");
	strcpy(example, run_prog_dir());
	strcat(example, "/example_discover_read");
	if (access(example, X_OK))
		SKIP(return, "%s is missing", example);
	ASSERT_EQ(0, run_cli(&res, NULL, "record", "-o", self->trace, "--", example,
			 NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	run_free(&res);
	ASSERT_EQ(0, devmir_trace_load(self->trace, &t))
	TH_LOG("%s", devmir_last_error());
	ASSERT_EQ(0, devmir_trace_counts(t, NULL, &records, NULL));
	EXPECT_LE(2, records);
	devmir_trace_destroy(t);
	ASSERT_EQ(0, run_cli(&res, &j, "--json", "replay", self->trace, NULL));
	EXPECT_EQ(0, res.status) TH_LOG("%s", res.err);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(records, run_json_u64(j, "runs.0.ops"));
	EXPECT_EQ(0, run_json_u64(j, "runs.0.errors"));
	json_free(j);
	run_free(&res);
}

/*
 * Generate @kind into @trace (extra generator options follow), then
 * replay it twice under @policy in one command and once more in another:
 * every counter of every run must be equal.
 */
static void check_deterministic(struct __test_metadata *_metadata,
				const char *trace, const char *policy,
				const char *kind, const char *opt,
				const char *value)
{
	const struct json *devices;
	struct run_result res;
	struct json *j1, *j2;
	unsigned int d;

	ASSERT_EQ(0, run_cli(&res, NULL, "trace", "gen", kind, "-o", trace, opt,
			 value, NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	run_free(&res);
	ASSERT_EQ(0, run_cli(&res, &j1, "--json", "replay", trace, "--policy",
			 policy, "--policy", policy, NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	ASSERT_NE(NULL, j1);
	run_free(&res);
	ASSERT_EQ(0, run_cli(&res, &j2, "--json", "replay", trace, "--policy",
			 policy, NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	ASSERT_NE(NULL, j2);
	run_free(&res);
	EXPECT_EQ(1, json_is(j1, "runs.0.layout_fixed", JSON_BOOL) &&
			     json_get(j1, "runs.0.layout_fixed")->boolean);
	EXPECT_LT(0, run_json_u64(j1, "runs.0.summary.faults"));
	devices = json_get(j1, "runs.0.devices");
	ASSERT_NE(NULL, devices);
	for (d = 0; d < devices->n; d++) {
		EXPECT_EQ(0, compare_runs(j1, 0, j1, 1, d))
		TH_LOG("%s %s device %u", kind, policy, d);
		EXPECT_EQ(0, compare_runs(j1, 0, j2, 0, d))
		TH_LOG("%s %s device %u", kind, policy, d);
	}
	json_free(j1);
	json_free(j2);
}

/* The determinism test: two replays of one trace, the same counters. */
TEST_F(rec, replay_twice_identical_counters)
{
	check_deterministic(_metadata, self->trace, "recorded", "random4k",
			    "--count", "512");
	check_deterministic(_metadata, self->trace, "window=adaptive,batch=8",
			    "stream", "--size", "16M");
	if (!self->info.device_memory)
		SKIP(return, "device 0 has no device memory");
	/* Fault-driven migration both ways; thrashing is timed: off. */
	check_deterministic(_metadata, self->trace,
			    "migrate=first,thrash=0:0,window=64K", "pingpong",
			    "--size", "2M");
	/* Two devices: explicit migrations and halo reads between them. */
	if (devmir_enumerate(NULL, 0, sizeof(struct devmir_enum_entry)) < 2)
		SKIP(return, "one device only");
	check_deterministic(_metadata, self->trace, "window=64K", "stencil2d",
			    "--size", "4M");
}

/* Two --policy options: a row each, and the difference shows. */
TEST_F(rec, replay_compares_policies)
{
	struct run_result res;
	struct json *j;
	char *line;

	ASSERT_EQ(0, run_cli(&res, NULL, "trace", "gen", "stream", "-o",
			 self->trace, "--size", "8M", NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	run_free(&res);
	ASSERT_EQ(0, run_cli(&res, NULL, "replay", self->trace, "--policy",
			 "window=4K", "--policy", "window=2M", NULL));
	ASSERT_EQ(0, res.status) TH_LOG("%s", res.err);
	line = strstr(res.out, "\npolicy ");
	ASSERT_NE(NULL, line) TH_LOG("%s", res.out);
	EXPECT_NE(NULL, strstr(line, "faults"));
	EXPECT_NE(NULL, strstr(line, "to_device"));
	EXPECT_NE(NULL, strstr(line, "\nwindow=4K "));
	EXPECT_NE(NULL, strstr(line, "\nwindow=2M "));
	fprintf(stderr, "%s", res.out);
	run_free(&res);

	ASSERT_EQ(0, run_cli(&res, &j, "--json", "replay", self->trace, "--policy",
			 "window=4K", "--policy", "window=2M", NULL));
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("window=4K", json_str(j, "runs.0.policy"));
	EXPECT_STREQ("window=2M", json_str(j, "runs.1.policy"));
	/* 8 MiB read: a fault per 4 KiB page, against one per 2 MiB. */
	EXPECT_LT(run_json_u64(j, "runs.1.summary.faults") * 4,
		  run_json_u64(j, "runs.0.summary.faults"));
	json_free(j);
	run_free(&res);
}

TEST_HARNESS_MAIN
