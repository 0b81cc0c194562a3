// SPDX-License-Identifier: MIT
/*
 * cmd_trace.c - devmirror record (a program's device calls into a trace
 * file) and devmirror trace: show a trace, generate the synthetic ones,
 * convert a CSV file (docs/replay.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define CLI_OPT_OUTPUT 'o'
#define CLI_OPT_SIZE 0x500
#define CLI_OPT_COUNT 0x501
#define CLI_OPT_SEED 0x502
#define CLI_OPT_RECORDS 0x503
#define CLI_OPT_ROW 0x504

#define TRACE_PAGE 4096ULL
#define TRACE_CHUNK (64ULL << 10) /* bytes per generated device access */
#define TRACE_STEP_NS 1000 /* time between generated records */
#define TRACE_CSV_LINE 1024

static const struct option cli_trace_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "output", required_argument, NULL, CLI_OPT_OUTPUT },
	{ "size", required_argument, NULL, CLI_OPT_SIZE },
	{ "count", required_argument, NULL, CLI_OPT_COUNT },
	{ "seed", required_argument, NULL, CLI_OPT_SEED },
	{ "records", required_argument, NULL, CLI_OPT_RECORDS },
	{ "row", required_argument, NULL, CLI_OPT_ROW },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct trace_opts - The options of devmirror record and trace.
 * @output: -o FILE.
 * @size: --size: the generator's buffer bytes (0: its default).
 * @row: --row: the stencil's row bytes (0: its default).
 * @count: --count: passes, rounds, iterations or accesses (0: default).
 * @seed: --seed of random4k.
 * @records: --records: how many records show prints.
 */
struct trace_opts {
	const char *output;
	uint64_t size;
	uint64_t row;
	uint64_t count;
	uint64_t seed;
	uint64_t records;
};

static int trace_parse_u64(struct cli_ctx *ctx, const char *opt, const char *s,
			   uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return cli_usage_error(ctx, "bad %s '%s'", opt, s);
	return 0;
}

/* Options; *@first receives the index of the first operand. */
static int trace_parse(struct cli_ctx *ctx, const struct cli_command *cmd,
		       int argc, char **argv, struct trace_opts *o, int *first)
{
	/* record: options end at PROGRAM ("+"); trace: anywhere. */
	const char *optstring = cmd == &cli_cmd_record ? "+ho:" : "ho:";
	int opt, ret;

	memset(o, 0, sizeof(*o));
	o->records = 20;
	while ((opt = getopt_long(argc, argv, optstring, cli_trace_options,
				  NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_OUTPUT:
			o->output = optarg;
			break;
		case CLI_OPT_SIZE:
		case CLI_OPT_ROW:
			if (cli_parse_size(optarg, opt == CLI_OPT_SIZE ?
							   &o->size :
							   &o->row) ||
			    (opt == CLI_OPT_SIZE ? o->size : o->row) %
				    TRACE_PAGE)
				return cli_usage_error(
					ctx, "bad --%s '%s' (a multiple of 4K)",
					opt == CLI_OPT_SIZE ? "size" : "row",
					optarg);
			break;
		case CLI_OPT_COUNT:
			if (trace_parse_u64(ctx, "--count", optarg,
					    &o->count) ||
			    !o->count || o->count > 1000000)
				return cli_usage_error(
					ctx, "bad --count '%s' (1 to 1000000)",
					optarg);
			break;
		case CLI_OPT_SEED:
			if (trace_parse_u64(ctx, "--seed", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case CLI_OPT_RECORDS:
			if (trace_parse_u64(ctx, "--records", optarg,
					    &o->records))
				return CLI_EXIT_USAGE;
			break;
		default:
			ret = cli_common_opt(ctx, cmd, opt);
			if (ret > 0 || opt == CLI_OPT_HELP)
				return ret;
		}
	}
	*first = optind;
	return -1;
}

int cli_trace_fail(struct cli_ctx *ctx, int err, const char *what)
{
	const char *detail = devmir_last_error();
	const char *name = strerrorname_np(-err);
	struct cli_json j;

	if (err == -ENOMEM || !*detail)
		detail = devmir_strerror(err);
	fprintf(stderr, "devmirror: %s: %s: %s\n", ctx->cmd, what, detail);
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_object(&j, "error");
		cli_json_str(&j, "kind", "trace");
		cli_json_i64(&j, "errno", -err);
		cli_json_str(&j, "name", name ? name : "");
		cli_json_str(&j, "operation", what);
		cli_json_str(&j, "message", detail);
		cli_json_close_object(&j);
		cli_json_u64(&j, "exit_status", CLI_EXIT_FAIL);
		cli_json_end(&j);
	}
	return CLI_EXIT_FAIL;
}

/* ---- devmirror record ---- */

static int cli_record(struct cli_ctx *ctx, int argc, char **argv)
{
	struct devmir_trace *trace;
	struct trace_opts o;
	uint64_t records;
	unsigned int buffers;
	struct cli_json j;
	int first, ret, status;
	pid_t pid;

	ret = trace_parse(ctx, &cli_cmd_record, argc, argv, &o, &first);
	if (ret >= 0)
		return ret;
	if (!o.output)
		return cli_usage_error(ctx, "no trace file (-o TRACE)");
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc)
		return cli_usage_error(ctx, "no program to record");
	unlink(o.output);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return cli_fail(ctx, -errno, "fork");
	if (!pid) {
		setenv(DEVMIR_TRACE_ENV, o.output, 1);
		execvp(argv[first], argv + first);
		fprintf(stderr, "devmirror: record: %s: %s\n", argv[first],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_fail(ctx, -errno, "wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "devmirror: record: %s %s %d\n", argv[first],
			WIFEXITED(status) ? "exited with status" :
					    "was killed by signal",
			WIFEXITED(status) ? WEXITSTATUS(status) :
					    WTERMSIG(status));
		return CLI_EXIT_FAIL;
	}
	ret = devmir_trace_load(o.output, &trace);
	if (ret == -ENOENT) {
		fprintf(stderr,
			"devmirror: record: %s opened no devmirror device (is it linked with libdevmirror 3.2 or later?)\n",
			argv[first]);
		return CLI_EXIT_FAIL;
	}
	if (ret)
		return cli_trace_fail(ctx, ret, "read the trace");
	devmir_trace_counts(trace, &buffers, &records, NULL);
	devmir_trace_destroy(trace);
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_str(&j, "trace", o.output);
		cli_json_u64(&j, "buffers", buffers);
		cli_json_u64(&j, "records", records);
		cli_json_end(&j);
	} else {
		printf("%s: %" PRIu64 " records, %u buffers\n", o.output,
		       records, buffers);
	}
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_record = {
	.name = "record",
	.args = "-o TRACE [--] PROGRAM [ARGS...]",
	.summary = "record a program's device calls into a trace file",
	.run = cli_record,
};

/* ---- devmirror trace show ---- */

static const char *trace_op_name(unsigned int op, unsigned int kind)
{
	static const char *const names[3][4] = {
		{ "read", "write", "atomic_add", "atomic_cmpxchg" },
		{ "to_device", "to_system" },
		{ "cpu_read", "cpu_write" },
	};

	if (op < DEVMIR_TRACE_ACCESS || op > DEVMIR_TRACE_CPU || kind > 3 ||
	    !names[op - 1][kind])
		return "?";
	return names[op - 1][kind];
}

static int trace_show(struct cli_ctx *ctx, const struct trace_opts *o,
		      const char *path)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct devmir_trace_record rec;
	struct devmir_trace *trace;
	unsigned int buffers, b;
	uint64_t records, i, size;
	const char *name;
	struct cli_json j;
	int ret;

	ret = devmir_trace_load(path, &trace);
	if (ret)
		return cli_trace_fail(ctx, ret, "read the trace");
	devmir_trace_get_config(trace, &c);
	devmir_trace_counts(trace, &buffers, &records, NULL);
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_str(&j, "trace", path);
		cli_json_u64(&j, "format", DEVMIR_TRACE_FORMAT);
		cli_json_u64(&j, "devices", c.devices);
		cli_json_u64(&j, "device_memory", c.device_memory);
		cli_json_bool(&j, "has_policy", c.has_policy);
		cli_json_array(&j, "buffers");
		for (b = 0; b < buffers; b++) {
			devmir_trace_buffer(trace, b, &name, &size);
			cli_json_object(&j, NULL);
			cli_json_str(&j, "name", name);
			cli_json_u64(&j, "size", size);
			cli_json_close_object(&j);
		}
		cli_json_close_array(&j);
		cli_json_u64(&j, "records", records);
		cli_json_array(&j, "first_records");
	} else {
		printf("%s: format %d, %u device(s), %" PRIu64 " records\n",
		       path, DEVMIR_TRACE_FORMAT, c.devices, records);
		printf("recorded on: %u engines, %u fault-queue entries, %" PRIu64
		       " bytes of device memory\n",
		       c.engines, c.fault_queue_entries, c.device_memory);
		if (c.has_policy)
			printf("policy: batch %u, window %" PRIu64
			       ", migrate mode %u threshold %u, ram_window %" PRIu64
			       ", thrash %u rounds %u ms\n",
			       c.fault_batch, c.fault_window, c.migrate_mode,
			       c.migrate_threshold, c.ram_window,
			       c.thrash_rounds, c.thrash_hold_ms);
		else
			printf("policy: none recorded\n");
		for (b = 0; b < buffers; b++) {
			devmir_trace_buffer(trace, b, &name, &size);
			printf("buffer %u: %s, %" PRIu64 " bytes\n", b, name,
			       size);
		}
		printf("%14s %6s %-14s %-10s %12s %10s\n", "time_ns", "device",
		       "op", "buffer", "offset", "size");
	}
	for (i = 0; i < records && i < o->records; i++) {
		devmir_trace_get(trace, i, &rec, sizeof(rec));
		devmir_trace_buffer(trace, rec.buffer, &name, NULL);
		if (ctx->json) {
			cli_json_object(&j, NULL);
			cli_json_u64(&j, "time_ns", rec.time_ns);
			cli_json_u64(&j, "device", rec.device);
			cli_json_str(&j, "op", trace_op_name(rec.op, rec.kind));
			cli_json_str(&j, "buffer", name);
			cli_json_u64(&j, "offset", rec.offset);
			cli_json_u64(&j, "size", rec.size);
			cli_json_close_object(&j);
		} else {
			printf("%14" PRIu64 " %6u %-14s %-10s %12" PRIu64
			       " %10" PRIu64 "\n",
			       rec.time_ns, rec.device,
			       trace_op_name(rec.op, rec.kind), name,
			       rec.offset, rec.size);
		}
	}
	if (ctx->json) {
		cli_json_close_array(&j);
		cli_json_end(&j);
	} else if (records > o->records) {
		printf("... %" PRIu64 " more (--records N)\n",
		       records - o->records);
	}
	devmir_trace_destroy(trace);
	return CLI_EXIT_OK;
}

/* ---- devmirror trace gen ---- */

/**
 * struct trace_gen - A generator's state.
 * @trace: The trace being written.
 * @time_ns: Time of the next record.
 * @ret: The first failure, 0 so far.
 */
struct trace_gen {
	struct devmir_trace *trace;
	uint64_t time_ns;
	int ret;
};

static void gen_rec(struct trace_gen *g, unsigned int device, unsigned int op,
		    unsigned int kind, int buffer, uint64_t offset,
		    uint64_t size)
{
	struct devmir_trace_record rec = {
		.time_ns = g->time_ns,
		.offset = offset,
		.size = size,
		.buffer = buffer,
		.op = op,
		.kind = kind,
		.device = device,
	};
	int ret;

	g->time_ns += TRACE_STEP_NS;
	ret = devmir_trace_append(g->trace, &rec, sizeof(rec));
	if (ret && !g->ret)
		g->ret = ret;
}

/* The device reads or writes [@offset, @offset + @size) in 64 KiB pieces. */
static void gen_sweep(struct trace_gen *g, unsigned int device,
		      enum devmir_op op, int buffer, uint64_t offset,
		      uint64_t size)
{
	uint64_t done, n;

	for (done = 0; done < size; done += n) {
		n = size - done < TRACE_CHUNK ? size - done : TRACE_CHUNK;
		gen_rec(g, device, DEVMIR_TRACE_ACCESS, op, buffer,
			offset + done, n);
	}
}

/* xorshift64: the same --seed gives the same trace everywhere. */
static uint64_t gen_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static int gen_buffer(struct trace_gen *g, const char *name, uint64_t size)
{
	int id = devmir_trace_add_buffer(g->trace, name, size);

	if (id < 0 && !g->ret)
		g->ret = id;
	return id;
}

/* stream: the device reads one buffer front to back, --count passes. */
static void gen_stream(struct trace_gen *g, const struct trace_opts *o)
{
	uint64_t size = o->size ? o->size : 64ULL << 20, pass;
	int in = gen_buffer(g, "in", size);

	for (pass = 0; !g->ret && pass < (o->count ? o->count : 1); pass++)
		gen_sweep(g, 0, DEVMIR_OP_READ, in, 0, size);
}

/* random4k: --count 4 KiB accesses at random pages, one write in four. */
static void gen_random4k(struct trace_gen *g, const struct trace_opts *o)
{
	uint64_t size = o->size ? o->size : 64ULL << 20, i, r;
	uint64_t state = o->seed ? o->seed : 1;
	int data = gen_buffer(g, "data", size);

	for (i = 0; !g->ret && i < (o->count ? o->count : 4096); i++) {
		r = gen_random(&state);
		gen_rec(g, 0, DEVMIR_TRACE_ACCESS,
			r % 4 ? DEVMIR_OP_READ : DEVMIR_OP_WRITE, data,
			(r >> 8) % (size / TRACE_PAGE) * TRACE_PAGE,
			TRACE_PAGE);
	}
}

/*
 * pingpong: --count rounds of the device writing a shared buffer, then the
 * CPU writing it: under a fault-driven policy every round migrates it
 * both ways (the thrashing detector's case).
 */
static void gen_pingpong(struct trace_gen *g, const struct trace_opts *o)
{
	uint64_t size = o->size ? o->size : 8ULL << 20, round;
	int shared = gen_buffer(g, "shared", size);

	for (round = 0; !g->ret && round < (o->count ? o->count : 8); round++) {
		gen_sweep(g, 0, DEVMIR_OP_WRITE, shared, 0, size);
		gen_rec(g, 0, DEVMIR_TRACE_CPU, DEVMIR_TRACE_CPU_WRITE, shared,
			0, size);
	}
}

/*
 * stencil2d: a grid of --size bytes in rows of --row bytes, split into
 * two halves, one per device, each first migrated to its device. Every
 * iteration each device reads its half and the neighbour's boundary row
 * (the halo), then writes its half.
 */
static int gen_stencil2d(struct cli_ctx *ctx, struct trace_gen *g,
			 const struct trace_opts *o)
{
	uint64_t size = o->size ? o->size : 16ULL << 20, it;
	uint64_t row = o->row ? o->row : 64ULL << 10, half = size / 2;
	int top, bottom;

	if (half % row || half < 2 * row)
		return cli_usage_error(
			ctx,
			"--size must hold two halves of at least two --row rows each");
	top = gen_buffer(g, "top", half);
	bottom = gen_buffer(g, "bottom", half);
	if (g->ret)
		return 0;
	gen_rec(g, 0, DEVMIR_TRACE_MIGRATE, DEVMIR_MIGDIR_TO_DEVICE, top, 0,
		half);
	gen_rec(g, 1, DEVMIR_TRACE_MIGRATE, DEVMIR_MIGDIR_TO_DEVICE, bottom, 0,
		half);
	for (it = 0; !g->ret && it < (o->count ? o->count : 4); it++) {
		gen_sweep(g, 0, DEVMIR_OP_READ, top, 0, half);
		gen_sweep(g, 0, DEVMIR_OP_READ, bottom, 0, row);
		gen_sweep(g, 1, DEVMIR_OP_READ, bottom, 0, half);
		gen_sweep(g, 1, DEVMIR_OP_READ, top, half - row, row);
		gen_sweep(g, 0, DEVMIR_OP_WRITE, top, 0, half);
		gen_sweep(g, 1, DEVMIR_OP_WRITE, bottom, 0, half);
	}
	return 0;
}

static int trace_finish(struct cli_ctx *ctx, struct devmir_trace *trace,
			const char *path)
{
	unsigned int buffers;
	uint64_t records;
	struct cli_json j;
	int ret;

	ret = devmir_trace_save(trace, path);
	if (ret)
		return cli_trace_fail(ctx, ret, "write the trace");
	devmir_trace_counts(trace, &buffers, &records, NULL);
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_str(&j, "trace", path);
		cli_json_u64(&j, "buffers", buffers);
		cli_json_u64(&j, "records", records);
		cli_json_end(&j);
	} else {
		printf("%s: %" PRIu64 " records, %u buffers\n", path, records,
		       buffers);
	}
	return CLI_EXIT_OK;
}

static int trace_gen(struct cli_ctx *ctx, const struct trace_opts *o,
		     const char *kind)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	struct trace_gen g = { 0 };
	int ret;

	c.devices = !strcmp(kind, "stencil2d") ? 2 : 1;
	if (strcmp(kind, "stream") && strcmp(kind, "random4k") &&
	    strcmp(kind, "pingpong") && strcmp(kind, "stencil2d"))
		return cli_usage_error(
			ctx,
			"unknown trace kind '%s' (stream, random4k, pingpong, stencil2d)",
			kind);
	ret = devmir_trace_create(&c, &g.trace);
	if (ret)
		return cli_trace_fail(ctx, ret, "create a trace");
	if (!strcmp(kind, "stream"))
		gen_stream(&g, o);
	else if (!strcmp(kind, "random4k"))
		gen_random4k(&g, o);
	else if (!strcmp(kind, "pingpong"))
		gen_pingpong(&g, o);
	else if ((ret = gen_stencil2d(ctx, &g, o)))
		goto out;
	if (g.ret)
		ret = cli_trace_fail(ctx, g.ret, "generate the trace");
	else
		ret = trace_finish(ctx, g.trace, o->output);
out:
	devmir_trace_destroy(g.trace);
	return ret;
}

/* ---- devmirror trace csv ---- */

/**
 * struct csv_row - One data line of a CSV trace.
 * @rec: The record (buffer: the index into the names).
 * @line: Its line number, for messages.
 */
struct csv_row {
	struct devmir_trace_record rec;
	unsigned long line;
};

#define CSV_HEADER "time_ns,device,op,buffer,offset,size"
#define CSV_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

static const char *const csv_ops[] = {
	"read",	     "write",	  "atomic_add", "atomic_cmpxchg",
	"to_device", "to_system", "cpu_read",	"cpu_write",
};

static int csv_error(struct cli_ctx *ctx, const char *path, unsigned long line,
		     const char *what, const char *text)
{
	fprintf(stderr, "devmirror: trace: %s:%lu: %s '%s'\n", path, line, what,
		text);
	return CLI_EXIT_FAIL;
}

static bool csv_number(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

/*
 * Parse one data line into @row; the buffer name goes into @names
 * (@nnames of them so far, sizes in @sizes grown to cover the row).
 */
static int csv_line(struct cli_ctx *ctx, const char *path, unsigned long ln,
		    char *line, struct csv_row *row,
		    char (*names)[DEVMIR_TRACE_NAME_MAX], uint64_t *sizes,
		    unsigned int *nnames)
{
	char *field[7], *save = NULL, *tok;
	uint64_t v[6], end;
	unsigned int n = 0, op, b;

	for (tok = strtok_r(line, ",", &save); tok && n < 7;
	     tok = strtok_r(NULL, ",", &save))
		field[n++] = tok;
	if (n != 6)
		return csv_error(ctx, path, ln,
				 "not 6 columns (" CSV_HEADER "):", line);
	if (!csv_number(field[0], &v[0]))
		return csv_error(ctx, path, ln, "bad time_ns", field[0]);
	if (!csv_number(field[1], &v[1]) || v[1] >= DEVMIR_TRACE_DEVICES_MAX)
		return csv_error(ctx, path, ln, "bad device (0 to 7)",
				 field[1]);
	for (op = 0; op < ARRAY_SIZE(csv_ops); op++)
		if (!strcmp(field[2], csv_ops[op]))
			break;
	if (op == ARRAY_SIZE(csv_ops))
		return csv_error(ctx, path, ln, "unknown op", field[2]);
	if (!csv_number(field[4], &v[4]))
		return csv_error(ctx, path, ln, "bad offset", field[4]);
	if (!csv_number(field[5], &v[5]) || !v[5] || v[4] + v[5] < v[4] ||
	    v[4] + v[5] > DEVMIR_TRACE_BUFFER_MAX)
		return csv_error(ctx, path, ln, "bad size", field[5]);
	if (!*field[3] || strlen(field[3]) >= DEVMIR_TRACE_NAME_MAX ||
	    strspn(field[3], CSV_NAME_CHARS) != strlen(field[3]))
		return csv_error(ctx, path, ln, "bad buffer name", field[3]);
	for (b = 0; b < *nnames; b++)
		if (!strcmp(names[b], field[3]))
			break;
	if (b == *nnames) {
		if (b == DEVMIR_TRACE_BUFFERS_MAX)
			return csv_error(ctx, path, ln, "too many buffers at",
					 field[3]);
		strcpy(names[b], field[3]);
		sizes[b] = 0;
		(*nnames)++;
	}
	end = (v[4] + v[5] + TRACE_PAGE - 1) / TRACE_PAGE * TRACE_PAGE;
	if (end > sizes[b])
		sizes[b] = end;
	memset(row, 0, sizeof(*row));
	row->line = ln;
	row->rec.time_ns = v[0];
	row->rec.device = v[1];
	row->rec.op = op < 4 ? DEVMIR_TRACE_ACCESS :
		      op < 6 ? DEVMIR_TRACE_MIGRATE :
			       DEVMIR_TRACE_CPU;
	row->rec.kind = op < 4 ? op : op < 6 ? op - 4 : op - 6;
	row->rec.buffer = b;
	row->rec.offset = v[4];
	row->rec.size = v[5];
	return 0;
}

static int trace_csv(struct cli_ctx *ctx, const struct trace_opts *o,
		     const char *path)
{
	struct devmir_trace_config c = DEVMIR_INIT(c);
	char(*names)[DEVMIR_TRACE_NAME_MAX] = NULL;
	struct devmir_trace *trace = NULL;
	struct csv_row *rows = NULL, *more;
	size_t nrows = 0, cap = 0, i, len;
	unsigned int nnames = 0, b;
	char line[TRACE_CSV_LINE];
	uint64_t *sizes = NULL;
	unsigned long ln = 0;
	int ret = CLI_EXIT_FAIL;
	FILE *in;

	in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!in) {
		fprintf(stderr, "devmirror: trace: %s: %s\n", path,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	names = calloc(DEVMIR_TRACE_BUFFERS_MAX, sizeof(*names));
	sizes = calloc(DEVMIR_TRACE_BUFFERS_MAX, sizeof(*sizes));
	if (!names || !sizes)
		goto out;
	c.devices = 1;
	while (fgets(line, sizeof(line), in)) {
		ln++;
		len = strlen(line);
		if (len && line[len - 1] != '\n' && !feof(in)) {
			csv_error(ctx, path, ln, "line longer than",
				  "1023 bytes");
			goto out;
		}
		line[strcspn(line, "\r\n")] = 0;
		if (ln == 1) {
			if (strcmp(line, CSV_HEADER)) {
				csv_error(ctx, path, ln,
					  "the first line is not " CSV_HEADER
					  ":",
					  line);
				goto out;
			}
			continue;
		}
		if (!*line || *line == '#')
			continue;
		if (nrows == cap) {
			cap = cap ? cap * 2 : 1024;
			more = reallocarray(rows, cap, sizeof(*rows));
			if (!more)
				goto out;
			rows = more;
		}
		if (csv_line(ctx, path, ln, line, &rows[nrows], names, sizes,
			     &nnames))
			goto out;
		if (rows[nrows].rec.device >= c.devices)
			c.devices = rows[nrows].rec.device + 1;
		nrows++;
	}
	if (ln == 0) {
		csv_error(ctx, path, 1, "empty file, no header", CSV_HEADER);
		goto out;
	}
	ret = devmir_trace_create(&c, &trace);
	for (b = 0; !ret && b < nnames; b++) {
		ret = devmir_trace_add_buffer(trace, names[b], sizes[b]);
		if (ret >= 0)
			ret = 0;
		else
			fprintf(stderr,
				"devmirror: trace: %s: buffer '%s': %s\n", path,
				names[b], devmir_last_error());
	}
	for (i = 0; !ret && i < nrows; i++) {
		ret = devmir_trace_append(trace, &rows[i].rec,
					  sizeof(rows[i].rec));
		/* "record N: reason": the reason, on the CSV line. */
		if (ret)
			fprintf(stderr, "devmirror: trace: %s:%lu: %s\n", path,
				rows[i].line,
				strchr(devmir_last_error(), ':') ?
					strchr(devmir_last_error(), ':') + 2 :
					devmir_last_error());
	}
	ret = ret ? CLI_EXIT_FAIL : trace_finish(ctx, trace, o->output);
out:
	if (ret == CLI_EXIT_FAIL && !names)
		fprintf(stderr, "devmirror: trace: out of memory\n");
	if (in != stdin)
		fclose(in);
	devmir_trace_destroy(trace);
	free(rows);
	free(names);
	free(sizes);
	return ret;
}

static int cli_trace(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub, *operand;
	struct trace_opts o;
	int first, ret;

	ret = trace_parse(ctx, &cli_cmd_trace, argc, argv, &o, &first);
	if (ret >= 0)
		return ret;
	if (first >= argc)
		return cli_usage_error(ctx, "no subcommand (show, gen, csv)");
	sub = argv[first];
	if (strcmp(sub, "show") && strcmp(sub, "gen") && strcmp(sub, "csv"))
		return cli_usage_error(
			ctx, "unknown subcommand '%s' (show, gen, csv)", sub);
	if (first + 1 >= argc)
		return cli_usage_error(ctx, "%s: missing operand", sub);
	if (first + 2 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[first + 2]);
	operand = argv[first + 1];
	if (!strcmp(sub, "show"))
		return trace_show(ctx, &o, operand);
	if (!o.output)
		return cli_usage_error(ctx, "no output file (-o TRACE)");
	if (!strcmp(sub, "gen"))
		return trace_gen(ctx, &o, operand);
	return trace_csv(ctx, &o, operand);
}

const struct cli_command cli_cmd_trace = {
	.name = "trace",
	.args = "show TRACE [--records N] | gen KIND -o TRACE [--size S] [--count N] [--seed N] [--row S] | csv FILE -o TRACE",
	.summary =
		"show a trace; generate stream, random4k, pingpong, stencil2d; convert CSV",
	.run = cli_trace,
};
