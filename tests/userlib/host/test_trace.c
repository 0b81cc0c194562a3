// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace - host tests of traces (docs/replay.md) without the driver:
 * the file format byte by byte and round trip, every error of the reader,
 * the checks of the writer, recording on the fake render node (fakedev.c),
 * the CSV converter's errors, the generators' output, and replay's
 * command line against the fake.
 *
 * usage: test_trace DEVMIRROR_CLI FAKEDEV_SO
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libdevmirror.h"
#include "fakedev.h"
#include "json.h"
#include "run.h"
#include "tap.h"

#define PAGE 4096ULL
#define HDR 96
#define ENTRY 48
#define REC 32

static const char *cli_path;
static char preload[4200];
static char tmpdir[] = "/tmp/test_trace.XXXXXX";

static const char *tmp(const char *name)
{
	static char path[4][256];
	static unsigned int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

/* Run the CLI with the arguments that follow (NULL-terminated). */
static int cli(struct run_result *res, bool fake, ...)
{
	char *argv[24], *env[] = { preload, NULL };
	va_list ap;
	int n = 0;

	argv[n++] = (char *)cli_path;
	va_start(ap, fake);
	while (n < 23 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_capture(res, fake ? env : NULL, argv);
}

static size_t file_read(const char *path, uint8_t *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, max);
	close(fd);
	return n < 0 ? 0 : n;
}

static void file_write(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		tap_note("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * The reference trace: two buffers, a policy, and one record of every op
 * and kind. Written to "ref.dmt".
 */
static const struct devmir_trace_record ref_recs[] = {
	{ 0, 0, 8192, 0, DEVMIR_TRACE_ACCESS, DEVMIR_OP_READ, 0 },
	{ 10, 4096, 100, 1, DEVMIR_TRACE_ACCESS, DEVMIR_OP_WRITE, 1 },
	{ 20, 64, 8, 0, DEVMIR_TRACE_ACCESS, DEVMIR_OP_ATOMIC_ADD, 0 },
	{ 20, 0, 8, 1, DEVMIR_TRACE_ACCESS, DEVMIR_OP_ATOMIC_CMPXCHG, 1 },
	{ 30, 0, 16384, 0, DEVMIR_TRACE_MIGRATE, DEVMIR_MIGDIR_TO_DEVICE, 0 },
	{ 40, 4096, 4096, 0, DEVMIR_TRACE_MIGRATE, DEVMIR_MIGDIR_TO_SYSTEM, 1 },
	{ 50, 1, 2, 1, DEVMIR_TRACE_CPU, DEVMIR_TRACE_CPU_READ, 0 },
	{ 0x1122334455667788ULL, 0, 16384, 0, DEVMIR_TRACE_CPU,
	  DEVMIR_TRACE_CPU_WRITE, 0 },
};

#define REF_RECS (sizeof(ref_recs) / sizeof(ref_recs[0]))

static struct devmir_trace *make_ref(void)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_trace *t;
	unsigned int i;

	c.devices = 2;
	c.engines = 2;
	c.fault_queue_entries = 64;
	c.device_memory = 1 << 30;
	c.has_policy = 1;
	c.fault_batch = 16;
	c.fault_window = 65536;
	c.migrate_mode = DEVMIR_MIGMODE_THRESHOLD;
	c.migrate_threshold = 4;
	c.ram_window = 4096;
	c.thrash_rounds = 3;
	c.thrash_hold_ms = 200;
	if (devmir_trace_create(&c, &t))
		return NULL;
	if (devmir_trace_add_buffer(t, "in", 16384) != 0 ||
	    devmir_trace_add_buffer(t, "out.b-2", 8192) != 1)
		goto err;
	for (i = 0; i < REF_RECS; i++)
		if (devmir_trace_append(t, &ref_recs[i], sizeof(ref_recs[i])))
			goto err;
	return t;
err:
	devmir_trace_destroy(t);
	return NULL;
}

static void test_round_trip(void *arg)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_trace_record r;
	struct devmir_trace *t = make_ref(), *back = NULL;
	uint8_t bytes[1024];
	const char *name;
	uint64_t records, size;
	unsigned int buffers, i;
	size_t len;
	const uint8_t *p;

	CHECK(t);
	if (!t)
		return;
	CHECK_EQ(0, devmir_trace_save(t, tmp("ref.dmt")));
	CHECK_EQ(0, devmir_trace_load(tmp("ref.dmt"), &back));
	if (!back) {
		tap_note("%s", devmir_last_error());
		devmir_trace_destroy(t);
		return;
	}
	CHECK_EQ(0, devmir_trace_get_config(back, &c));
	CHECK_EQ(2, c.devices);
	CHECK_EQ(2, c.engines);
	CHECK_EQ(64, c.fault_queue_entries);
	CHECK_EQ(1 << 30, c.device_memory);
	CHECK_EQ(1, c.has_policy);
	CHECK_EQ(16, c.fault_batch);
	CHECK_EQ(65536, c.fault_window);
	CHECK_EQ(DEVMIR_MIGMODE_THRESHOLD, c.migrate_mode);
	CHECK_EQ(4, c.migrate_threshold);
	CHECK_EQ(4096, c.ram_window);
	CHECK_EQ(3, c.thrash_rounds);
	CHECK_EQ(200, c.thrash_hold_ms);
	CHECK_EQ(0, devmir_trace_counts(back, &buffers, &records, NULL));
	CHECK_EQ(2, buffers);
	CHECK_EQ(REF_RECS, records);
	CHECK_EQ(0, devmir_trace_buffer(back, 1, &name, &size));
	CHECK(!strcmp(name, "out.b-2"));
	CHECK_EQ(8192, size);
	CHECK_EQ(-EINVAL, devmir_trace_buffer(back, 2, &name, &size));
	for (i = 0; i < REF_RECS; i++) {
		CHECK_EQ(0, devmir_trace_get(back, i, &r, sizeof(r)));
		CHECK(!memcmp(&r, &ref_recs[i], sizeof(r)));
	}
	CHECK_EQ(-EINVAL, devmir_trace_get(back, REF_RECS, &r, sizeof(r)));

	/* The bytes themselves, as docs/replay.md lays them out. */
	len = file_read(tmp("ref.dmt"), bytes, sizeof(bytes));
	CHECK_EQ(HDR + 2 * ENTRY + REF_RECS * REC, len);
	CHECK(!memcmp(bytes, "DMTRACE\0", 8));
	CHECK_EQ(0x0001, bytes[8] | bytes[9] << 8);
	CHECK_EQ(HDR, bytes[10]);
	CHECK_EQ(ENTRY, bytes[12]);
	CHECK_EQ(REC, bytes[14]);
	CHECK_EQ(2, bytes[16]);
	CHECK_EQ(2, bytes[20]);
	CHECK_EQ(REF_RECS, le64(bytes + 24));
	CHECK_EQ(1ULL << 30, le64(bytes + 40));
	CHECK_EQ(65536, le64(bytes + 56));
	CHECK(!memcmp(bytes + HDR + ENTRY, "out.b-2\0", 8));
	CHECK_EQ(8192, le64(bytes + HDR + ENTRY + 32));
	p = bytes + HDR + 2 * ENTRY + 7 * REC; /* the last record */
	CHECK_EQ(0x88, p[0]);
	CHECK_EQ(0x11, p[7]);
	CHECK_EQ(16384, le64(p + 16));
	p = bytes + HDR + 2 * ENTRY + 1 * REC;
	CHECK_EQ(4096, le64(p + 8));
	CHECK_EQ(1, p[24]);
	CHECK_EQ(DEVMIR_TRACE_ACCESS, p[28]);
	CHECK_EQ(DEVMIR_OP_WRITE, p[29]);
	CHECK_EQ(1, p[30]);
	devmir_trace_destroy(back);
	devmir_trace_destroy(t);
}

/**
 * struct bad_file - A reader error: the reference file changed.
 * @name: Test name.
 * @at: Byte to change (-1: none), relative to @base.
 * @base: 0: the file, 1: the first table entry, 2: the first record.
 * @width: Bytes of @value written little-endian at @at (1 to 8), or
 *	more bytes each set to @value.
 * @value: The new value.
 * @len: New length of the file; 0: unchanged; negative: shorter by so much.
 * @err: The errno expected.
 * @msg: Text the message must contain.
 */
struct bad_file {
	const char *name;
	int at;
	int base;
	int width;
	uint64_t value;
	long len;
	int err;
	const char *msg;
};

static const struct bad_file bad_files[] = {
	{ "bad_magic", 0, 0, 1, 'X', 0, -EPROTO, "magic" },
	{ "empty_file", -1, 0, 0, 0, 1, -EPROTO, "magic" },
	{ "unknown_version", 8, 0, 1, 2, 0, -EOPNOTSUPP, "version 2" },
	{ "truncated_header", -1, 0, 0, 0, 50, -EPROTO, "truncated header" },
	{ "other_record_size", 14, 0, 1, 40, 0, -EPROTO, "record size" },
	{ "zero_devices", 16, 0, 1, 0, 0, -EPROTO, "0 devices" },
	{ "too_many_buffers", 20, 0, 8, 5000, 0, -EPROTO, "5000 buffers" },
	{ "truncated_table", 20, 0, 8, 4000, 0, -EPROTO,
	  "truncated buffer table" },
	{ "huge_record_count", 24, 0, 8, 1ULL << 60, 0, -EPROTO,
	  "truncated records" },
	{ "truncated_record", -1, 0, 0, 0, -5, -EPROTO, "truncated records" },
	{ "stray_bytes", -1, 0, 0, 0, HDR + 2 * ENTRY + REF_RECS *REC + 3,
	  -EPROTO, "3 stray bytes" },
	{ "policy_flag", 48, 0, 1, 2, 0, -EPROTO, "policy flag" },
	{ "unknown_migrate_mode", 64, 0, 1, 7, 0, -EPROTO, "migrate mode" },
	{ "reserved_header", 88, 0, 1, 1, 0, -EPROTO, "reserved" },
	{ "name_not_terminated", 0, 1, 32, 'A', 0, -EPROTO,
	  "not NUL-terminated" },
	{ "name_padding", 24, 1, 8, 0x4141414141414141ULL, 0, -EPROTO,
	  "after the name's NUL" },
	{ "name_bad_character", 0, 1, 1, '/', 0, -EPROTO, "buffer 0" },
	{ "buffer_size_unaligned", 32, 1, 8, 1000, 0, -EPROTO, "buffer 0" },
	{ "buffer_size_zero", 32, 1, 8, 0, 0, -EPROTO, "buffer 0" },
	{ "unknown_op", 28, 2, 1, 9, 0, -EPROTO, "unknown op 9" },
	{ "unknown_kind", 29, 2, 1, 4, 0, -EPROTO, "unknown kind" },
	{ "unknown_buffer", 24, 2, 1, 2, 0, -EPROTO, "buffer 2" },
	{ "unknown_device", 30, 2, 1, 2, 0, -EPROTO, "device 2" },
	{ "reserved_record", 31, 2, 1, 1, 0, -EPROTO, "reserved" },
	{ "range_beyond_buffer", 8, 2, 8, 12288, 0, -EPROTO,
	  "beyond buffer 'in'" },
	{ "range_wraps", 8, 2, 8, ~0ULL - 4095, 0, -EPROTO, "beyond buffer" },
	{ "zero_size", 16, 2, 8, 0, 0, -EPROTO, "beyond buffer" },
	{ "time_goes_back", 2 * REC, 2, 8, 5, 0, -EPROTO,
	  "record 2: time 5 ns before the previous" },
	{ "migration_unaligned", 5 * REC + 8, 2, 8, 100, 0, -EPROTO,
	  "page-aligned" },
	{ "atomic_size", 2 * REC + 16, 2, 8, 16, 0, -EPROTO, "atomic" },
};

static void test_reader_errors(void)
{
	uint8_t ref[1024], bytes[2048];
	struct devmir_trace *t;
	size_t ref_len, len;
	unsigned int i, k;
	char name[64];
	bool ok;
	int ret;

	ref_len = file_read(tmp("ref.dmt"), ref, sizeof(ref));
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad_file *b = &bad_files[i];
		size_t base = b->base == 0 ? 0 :
			      b->base == 1 ? HDR :
					     HDR + 2 * ENTRY;

		memset(bytes, 0, sizeof(bytes));
		memcpy(bytes, ref, ref_len);
		len = ref_len;
		/* Up to 8 bytes little-endian; a wider field repeats a byte. */
		if (b->at >= 0)
			for (k = 0; k < (unsigned int)b->width; k++)
				bytes[base + b->at + k] =
					b->width > 8 ? b->value :
						       b->value >> (8 * k);
		if (b->len > 0)
			len = b->len == 1 ? 0 : (size_t)b->len;
		else if (b->len < 0)
			len = ref_len + b->len;
		file_write(tmp("bad.dmt"), bytes, len);
		t = NULL;
		ret = devmir_trace_load(tmp("bad.dmt"), &t);
		ok = ret == b->err && !t &&
		     strstr(devmir_last_error(), b->msg) &&
		     strstr(devmir_last_error(), "bad.dmt");
		snprintf(name, sizeof(name), "trace_reader_%s", b->name);
		tap_check(ok, name, "ret %d, '%s'", ret, devmir_last_error());
		devmir_trace_destroy(t);
	}
	ret = devmir_trace_load(tmp("missing.dmt"), &t);
	tap_check(ret == -ENOENT, "trace_reader_missing_file", "ret %d", ret);
	ret = devmir_trace_load(tmpdir, &t);
	tap_check(ret == -EISDIR, "trace_reader_directory", "ret %d", ret);
	/* A valid file with its policy and counts zeroed still loads. */
	memcpy(bytes, ref, ref_len);
	memset(bytes + 48, 0, 40);
	file_write(tmp("nopolicy.dmt"), bytes, ref_len);
	ret = devmir_trace_load(tmp("nopolicy.dmt"), &t);
	tap_check(!ret, "trace_reader_no_policy_loads", "%s",
		  devmir_last_error());
	if (!ret)
		devmir_trace_destroy(t);
	/* Policy values without the policy flag are not. */
	memcpy(bytes, ref, ref_len);
	bytes[48] = 0;
	file_write(tmp("nopolicy.dmt"), bytes, ref_len);
	ret = devmir_trace_load(tmp("nopolicy.dmt"), &t);
	tap_check(ret == -EPROTO, "trace_reader_policy_values_without_flag",
		  "ret %d", ret);
}

static void test_writer_checks(void *arg)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_trace_record r = {
		0, 0, 4096, 0, DEVMIR_TRACE_ACCESS, DEVMIR_OP_READ, 0
	};
	struct devmir_trace *t;
	char long_name[40];

	c.devices = 9;
	CHECK_EQ(-EINVAL, devmir_trace_create(&c, &t));
	c.devices = 1;
	c.has_policy = 2;
	CHECK_EQ(-EINVAL, devmir_trace_create(&c, &t));
	c.struct_size = 0;
	CHECK_EQ(-EINVAL, devmir_trace_create(&c, &t));
	CHECK_EQ(-EINVAL, devmir_trace_create(NULL, NULL));
	CHECK_EQ(0, devmir_trace_create(NULL, &t));
	CHECK_EQ(-EINVAL,
		 devmir_trace_append(t, &r, sizeof(r))); /* no buffer */
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, "", 4096));
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, "a b", 4096));
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, long_name, 4096));
	long_name[31] = 0;
	CHECK_EQ(0, devmir_trace_add_buffer(t, long_name, 4096));
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, "b", 4095));
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, "b", 0));
	CHECK_EQ(-EINVAL, devmir_trace_add_buffer(t, "b", (1ULL << 40) + 4096));
	CHECK_EQ(1, devmir_trace_add_buffer(t, "b", 1ULL << 40));
	CHECK_EQ(-EEXIST, devmir_trace_add_buffer(t, "b", 4096));
	CHECK_EQ(0, devmir_trace_append(t, &r, sizeof(r)));
	CHECK_EQ(-EINVAL, devmir_trace_append(t, &r, 8));
	r.device = 1;
	CHECK_EQ(-EINVAL, devmir_trace_append(t, &r, sizeof(r)));
	CHECK(strstr(devmir_last_error(), "record 1: device 1"));
	devmir_trace_destroy(t);
}

/* Recording on the fake render node, by call and by the environment. */
static void test_recording(void *arg)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_policy pol = DEVMIR_INIT(pol);
	struct devmir_trace_record r;
	struct devmir_trace *t;
	struct devmir_dev *dev = NULL, *dev2 = NULL;
	uint64_t records, dropped;
	unsigned int buffers;
	const char *name;
	uint8_t *buf, out[8192];

	fakedev_reset();
	CHECK_EQ(0, devmir_open_path("/dev/null", &dev));
	CHECK_EQ(0, devmir_open_path("/dev/null", &dev2));
	if (!dev || !dev2)
		return;
	buf = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED);
	CHECK_EQ(0, devmir_trace_create(NULL, &t));
	CHECK_EQ(-EINVAL, devmir_record_buffer(dev, "x", buf, PAGE));
	CHECK_EQ(0, devmir_record_start(dev, t));
	CHECK_EQ(-EBUSY, devmir_record_start(dev, t));
	CHECK_EQ(0, devmir_record_start(dev2, t));
	/* A policy set before the first record is the trace's. */
	pol.fault_window = 65536;
	CHECK_EQ(0, devmir_set_policy(dev, DEVMIR_POLICY_WINDOW, &pol));
	CHECK_EQ(0,
		 devmir_record_buffer(dev, "data", buf + 4 * PAGE, 4 * PAGE));
	CHECK_EQ(-EEXIST,
		 devmir_record_buffer(dev, "more", buf + 7 * PAGE, 2 * PAGE));
	CHECK_EQ(-EINVAL, devmir_record_buffer(dev, "odd", buf + 1, PAGE));
	CHECK_EQ(0, devmir_read(dev, buf + 5 * PAGE + 16, out, 100, NULL));
	CHECK_EQ(0, devmir_write(dev2, buf + 4 * PAGE, out, 8192, NULL));
	/* One set after the first record is not. */
	pol.fault_window = 1 << 21;
	CHECK_EQ(0, devmir_set_policy(dev, DEVMIR_POLICY_WINDOW, &pol));
	/* Outside "data": the mapping that holds it becomes "map0". */
	CHECK_EQ(0, devmir_read(dev, buf, out, 64, NULL));
	/* Not carried out: not recorded. */
	CHECK_EQ(-EINVAL, devmir_read(dev, buf, out, 0, NULL));
	CHECK_EQ(0, devmir_record_stop(dev));
	CHECK_EQ(-EINVAL, devmir_record_stop(dev));
	CHECK_EQ(0, devmir_read(dev, buf + 5 * PAGE, out, 100, NULL));
	CHECK_EQ(0, devmir_trace_get_config(t, &c));
	CHECK_EQ(2, c.devices);
	CHECK_EQ(1, c.has_policy);
	CHECK_EQ(65536, c.fault_window);
	CHECK_EQ(0, devmir_trace_counts(t, &buffers, &records, &dropped));
	CHECK_EQ(2, buffers);
	CHECK_EQ(3, records);
	CHECK_EQ(0, dropped);
	CHECK_EQ(0, devmir_trace_get(t, 0, &r, sizeof(r)));
	CHECK_EQ(PAGE + 16, r.offset);
	CHECK_EQ(100, r.size);
	CHECK_EQ(0, r.device);
	CHECK_EQ(DEVMIR_OP_READ, r.kind);
	CHECK_EQ(0, devmir_trace_get(t, 1, &r, sizeof(r)));
	CHECK_EQ(1, r.device);
	CHECK_EQ(DEVMIR_OP_WRITE, r.kind);
	CHECK_EQ(0, devmir_trace_get(t, 2, &r, sizeof(r)));
	CHECK_EQ(0, devmir_trace_buffer(t, r.buffer, &name, NULL));
	CHECK(!strcmp(name, "map0"));
	CHECK_EQ(0, devmir_trace_get(t, 2, &r, sizeof(r)));
	devmir_close(dev);
	devmir_close(dev2);
	devmir_trace_destroy(t);
	munmap(buf, 16 * PAGE);
}

static void test_csv(void)
{
	static const struct {
		const char *name, *text, *msg;
	} bad[] = {
		{ "no_header", "0,0,read,a,0,4096\n", "csv:1: the first line" },
		{ "empty", "", "csv:1: empty file" },
		{ "columns", "H\n0,0,read,a,0\n", "csv:2: not 6 columns" },
		{ "op", "H\n0,0,fetch,a,0,4096\n",
		  "csv:2: unknown op 'fetch'" },
		{ "number", "H\n0,0,read,a,0x,4096\n", "csv:2: bad offset" },
		{ "negative", "H\n-1,0,read,a,0,4096\n", "csv:2: bad time_ns" },
		{ "device", "H\n0,8,read,a,0,4096\n", "csv:2: bad device" },
		{ "size", "H\n0,0,read,a,0,0\n", "csv:2: bad size" },
		{ "name", "H\n0,0,read,a/b,0,4096\n",
		  "csv:2: bad buffer name 'a/b'" },
		{ "time", "H\n5,0,read,a,0,4096\n# c\n4,0,read,a,0,4096\n",
		  "csv:4: time 4 ns before" },
		{ "migration", "H\n0,0,to_device,a,100,4096\n",
		  "csv:2: migration not page-aligned" },
		{ "atomic", "H\n0,0,atomic_add,a,4,8\n", "csv:2: atomic" },
	};
	char text[256], name[64];
	struct devmir_trace_record r;
	struct devmir_trace *t;
	struct run_result res;
	uint64_t records, size;
	unsigned int i, buffers;
	const char *hdr = "time_ns,device,op,buffer,offset,size";
	const char *bname;
	bool ok;

	snprintf(
		text, sizeof(text),
		"%s\n0,0,read,in,0,10000\n# a comment\n\n5,1,write,out,4096,1\n"
		"5,0,to_system,in,4096,8192\n9,0,cpu_write,out,0,1\n",
		hdr);
	file_write(tmp("ok.csv"), text, strlen(text));
	cli(&res, false, "trace", "csv", tmp("ok.csv"), "-o", tmp("csv.dmt"),
	    NULL);
	ok = res.status == 0 && !devmir_trace_load(tmp("csv.dmt"), &t);
	if (ok) {
		devmir_trace_counts(t, &buffers, &records, NULL);
		devmir_trace_get(t, 1, &r, sizeof(r));
		devmir_trace_buffer(t, 0, &bname, &size);
		ok = buffers == 2 && records == 4 && r.device == 1 &&
		     r.op == DEVMIR_TRACE_ACCESS && r.kind == DEVMIR_OP_WRITE &&
		     r.offset == 4096 && r.buffer == 1 &&
		     !strcmp(bname, "in") && size == 12288;
		devmir_trace_destroy(t);
	}
	tap_check(ok, "trace_csv_converts", "status %d: %s", res.status,
		  res.err);
	run_free(&res);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *h = strstr(bad[i].text, "H\n");

		if (h == bad[i].text)
			snprintf(text, sizeof(text), "%s%s", hdr,
				 bad[i].text + 1);
		else
			snprintf(text, sizeof(text), "%s", bad[i].text);
		file_write(tmp("bad.csv"), text, strlen(text));
		unlink(tmp("bad-csv.dmt"));
		cli(&res, false, "trace", "csv", tmp("bad.csv"), "-o",
		    tmp("bad-csv.dmt"), NULL);
		ok = res.status == 1 && strstr(res.err, bad[i].msg) &&
		     access(tmp("bad-csv.dmt"), F_OK);
		snprintf(name, sizeof(name), "trace_csv_error_%s", bad[i].name);
		tap_check(ok, name, "status %d: %s", res.status, res.err);
		run_free(&res);
	}
}

/* Generate @kind with the options that follow into gen.dmt; load it. */
static struct devmir_trace *gen(const char *kind, const char *opt,
				const char *value)
{
	struct devmir_trace *t = NULL;
	struct run_result res;

	cli(&res, false, "trace", "gen", kind, "-o", tmp("gen.dmt"), opt, value,
	    NULL);
	if (res.status || devmir_trace_load(tmp("gen.dmt"), &t))
		tap_note("gen %s: status %d: %s %s", kind, res.status, res.err,
			 devmir_last_error());
	run_free(&res);
	return t;
}

static void test_generators(void *arg)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_trace_record r, prev;
	struct devmir_trace *t;
	uint8_t a[200000], b[200000];
	uint64_t records, i, next = 0, writes = 0, cpu = 0, halo = 0;
	unsigned int buffers;
	size_t la, lb;
	struct run_result res;

	t = gen("stream", "--size", "1M");
	CHECK(t);
	if (!t)
		return;
	devmir_trace_counts(t, &buffers, &records, NULL);
	CHECK_EQ(1, buffers);
	CHECK_EQ(16, records); /* 1 MiB in 64 KiB reads */
	for (i = 0; i < records; i++) {
		devmir_trace_get(t, i, &r, sizeof(r));
		CHECK_EQ(next, r.offset);
		CHECK_EQ(DEVMIR_OP_READ, r.kind);
		next += r.size;
	}
	CHECK_EQ(1 << 20, next);
	devmir_trace_destroy(t);

	t = gen("random4k", "--count", "300");
	CHECK(t);
	if (!t)
		return;
	devmir_trace_counts(t, &buffers, &records, NULL);
	CHECK_EQ(300, records);
	for (i = 0; i < records; i++) {
		devmir_trace_get(t, i, &r, sizeof(r));
		CHECK_EQ(0, r.offset % PAGE);
		CHECK_EQ(PAGE, r.size);
		writes += r.kind == DEVMIR_OP_WRITE;
		if (i)
			CHECK(r.time_ns > prev.time_ns);
		prev = r;
	}
	CHECK(writes > 30 && writes < 120); /* one in four */
	devmir_trace_destroy(t);
	/* The same seed, the same bytes; another seed, others. */
	cli(&res, false, "trace", "gen", "random4k", "-o", tmp("a.dmt"),
	    "--seed", "7", NULL);
	run_free(&res);
	cli(&res, false, "trace", "gen", "random4k", "-o", tmp("b.dmt"),
	    "--seed", "7", NULL);
	run_free(&res);
	la = file_read(tmp("a.dmt"), a, sizeof(a));
	lb = file_read(tmp("b.dmt"), b, sizeof(b));
	CHECK(la > HDR && la == lb && !memcmp(a, b, la));
	cli(&res, false, "trace", "gen", "random4k", "-o", tmp("b.dmt"),
	    "--seed", "8", NULL);
	run_free(&res);
	lb = file_read(tmp("b.dmt"), b, sizeof(b));
	CHECK(la == lb && memcmp(a, b, la));

	t = gen("pingpong", "--count", "3");
	CHECK(t);
	if (!t)
		return;
	devmir_trace_counts(t, &buffers, &records, NULL);
	CHECK_EQ(3 * (128 + 1),
		 records); /* 8 MiB in 64 KiB writes, a CPU pass */
	for (i = 0; i < records; i++) {
		devmir_trace_get(t, i, &r, sizeof(r));
		if (r.op == DEVMIR_TRACE_CPU) {
			cpu++;
			CHECK_EQ(128, i % 129);
			CHECK_EQ(8 << 20, r.size);
		}
	}
	CHECK_EQ(3, cpu);
	devmir_trace_destroy(t);

	t = gen("stencil2d", "--count", "2");
	CHECK(t);
	if (!t)
		return;
	devmir_trace_get_config(t, &c);
	devmir_trace_counts(t, &buffers, &records, NULL);
	CHECK_EQ(2, c.devices);
	CHECK_EQ(0, c.has_policy);
	CHECK_EQ(2, buffers);
	devmir_trace_get(t, 0, &r, sizeof(r));
	CHECK(r.op == DEVMIR_TRACE_MIGRATE && r.device == 0 && r.buffer == 0);
	devmir_trace_get(t, 1, &r, sizeof(r));
	CHECK(r.op == DEVMIR_TRACE_MIGRATE && r.device == 1 && r.buffer == 1);
	for (i = 2; i < records; i++) {
		devmir_trace_get(t, i, &r, sizeof(r));
		/* A device's access to the other's half is its halo row. */
		if (r.device != r.buffer) {
			halo++;
			CHECK_EQ(DEVMIR_OP_READ, r.kind);
			CHECK_EQ(r.device ? (8 << 20) - 65536 : 0, r.offset);
		}
	}
	CHECK_EQ(4, halo);
	devmir_trace_destroy(t);
	cli(&res, false, "trace", "gen", "stencil2d", "-o", tmp("g.dmt"),
	    "--size", "64K", NULL);
	CHECK_EQ(2, res.status); /* below two halves of two rows */
	run_free(&res);
	cli(&res, false, "trace", "gen", "lattice", "-o", tmp("g.dmt"), NULL);
	CHECK_EQ(2, res.status);
	run_free(&res);
}

/* replay's command line against the fake render node. */
static void test_replay_cli(void *arg)
{
	struct run_result res;
	struct json *j;
	char err[128];
	uint64_t v;

	cli(&res, true, "--json", "replay", tmp("ref.dmt"), "--device",
	    "/dev/null", NULL);
	/* ref.dmt needs two devices. */
	CHECK_EQ(2, res.status);
	run_free(&res);
	cli(&res, false, "trace", "gen", "stream", "-o", tmp("s.dmt"), "--size",
	    "1M", NULL);
	run_free(&res);
	cli(&res, true, "--json", "replay", tmp("s.dmt"), "--device",
	    "/dev/null", "--policy", "window=64K,batch=4", "--policy",
	    "default", NULL);
	j = json_parse(res.out, err, sizeof(err));
	CHECK(res.status == 0 && j);
	if (j) {
		CHECK(json_u64(j, "runs.1.ops", &v) && v == 16);
		CHECK(json_u64(j, "runs.0.errors", &v) && v == 0);
		CHECK(json_str(j, "runs.1.policy") &&
		      !strcmp(json_str(j, "runs.1.policy"), "default"));
		CHECK(json_u64(j, "runs.0.summary.faults", &v));
		CHECK(json_get(j, "runs.0.devices.0.stats.tlb_misses"));
		/* The fake's default window is 4096; the first run set 64K. */
		CHECK(json_u64(j, "runs.0.policy_in_force.fault_window", &v) &&
		      v == 65536);
		CHECK(json_u64(j, "runs.0.policy_in_force.fault_batch", &v) &&
		      v == 4);
		json_free(j);
	}
	run_free(&res);
	cli(&res, true, "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--policy", "window=huge", NULL);
	CHECK_EQ(2, res.status);
	CHECK(strstr(res.err, "bad --policy 'window=huge'"));
	run_free(&res);
	cli(&res, true, "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--policy", "window=3K", NULL);
	CHECK_EQ(1, res.status);
	CHECK(strstr(res.err, "window=3K: set the policy"));
	run_free(&res);
	/* --advise: applied in every run, listed in the document. */
	cli(&res, true, "--json", "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--advise", "buffer=0,preferred=device,granularity=64K",
	    "--advise", "buffer=0,offset=4K,size=8K,accessed-by,window=adaptive",
	    NULL);
	j = json_parse(res.out, err, sizeof(err));
	CHECK(res.status == 0 && j);
	if (j) {
		CHECK(json_str(j, "advise.1") &&
		      !strcmp(json_str(j, "advise.1"),
			      "buffer=0,offset=4K,size=8K,accessed-by,window=adaptive"));
		CHECK(json_u64(j, "runs.0.errors", &v) && v == 0);
		json_free(j);
	}
	run_free(&res);
	cli(&res, true, "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--advise", "buffer=0,colour=blue", NULL);
	CHECK_EQ(2, res.status);
	CHECK(strstr(res.err, "bad --advise"));
	run_free(&res);
	cli(&res, true, "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--advise", "buffer=9,accessed-by", NULL);
	CHECK_EQ(2, res.status);
	CHECK(strstr(res.err, "buffers"));
	run_free(&res);
	cli(&res, true, "replay", tmp("s.dmt"), "--device", "/dev/null",
	    "--advise", "buffer=0,granularity=3K", NULL);
	CHECK_EQ(1, res.status);
	CHECK(strstr(res.err, "apply --advise"));
	run_free(&res);
	cli(&res, true, "--json", "replay", tmp("bad.dmt"), NULL);
	CHECK_EQ(1, res.status);
	CHECK(strstr(res.out, "\"kind\":\"trace\""));
	run_free(&res);
	cli(&res, false, "record", "-o", tmp("r.dmt"), "--", "/bin/true", NULL);
	CHECK_EQ(1, res.status);
	CHECK(strstr(res.err, "opened no devmirror device"));
	run_free(&res);
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
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tap_run("trace_round_trip_byte_layout", test_round_trip, NULL);
	test_reader_errors();
	tap_run("trace_writer_checks", test_writer_checks, NULL);
	tap_run("trace_recording_on_fake", test_recording, NULL);
	test_csv();
	tap_run("trace_generators", test_generators, NULL);
	tap_run("trace_replay_cli_on_fake", test_replay_cli, NULL);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			tap_note("could not remove %s", tmpdir);
	}
	return tap_done();
}
