// SPDX-License-Identifier: MIT
/*
 * cmd_replay.c - devmirror replay: a trace's operations, in order, against
 * freshly allocated buffers, once per --policy, with the counters of each
 * run side by side (docs/replay.md).
 *
 * Each run is deterministic: it happens in a child process of its own, so
 * on a fresh mirror (no table, no fault-ahead or thrashing history), with
 * the buffers at fixed addresses (the same table directories every time),
 * without transparent huge pages, and with the policy set in full; the
 * simulator's engine runs the commands in the caller's context, one at a
 * time, batching faults by the policy's fault_batch alone. What stays
 * time-dependent is the thrashing detector's one-second window and hold
 * (docs/replay.md, "Determinism").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CLI_OPT_DEVICE 0x600
#define CLI_OPT_POLICY 0x601
#define CLI_OPT_ADVISE 0x602

#define REPLAY_PAGE 4096ULL
#define REPLAY_ALIGN (2ULL << 20)
/* The fixed place of the buffers: 96 TiB, a 512 GiB boundary. */
#define REPLAY_BASE 0x600000000000ULL
#define REPLAY_MAX_SETTINGS 16
#define REPLAY_SCRATCH_MAX (64ULL << 20)
#define REPLAY_MAX_ADVICE 16

static const struct option cli_replay_options[] = {
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "device", required_argument, NULL, CLI_OPT_DEVICE },
	{ "policy", required_argument, NULL, CLI_OPT_POLICY },
	{ "advise", required_argument, NULL, CLI_OPT_ADVISE },
	{ NULL, 0, NULL, 0 }
};

/**
 * struct replay_setting - One --policy.
 * @label: The SPEC as given ("recorded" when there was none).
 * @recorded: Start from the trace's policy (when it has one); "default"
 *	starts from the device's defaults instead.
 * @fields: ``DEVMIR_POLICY_*`` the SPEC sets on top.
 * @policy: Their values.
 */
struct replay_setting {
	const char *label;
	bool recorded;
	unsigned int fields;
	struct devmir_policy policy;
};

/**
 * struct replay_result - What one run did; sent by the child through a pipe.
 * @elapsed_ns: Wall time of the operations.
 * @ops: Operations carried out.
 * @errors: Operations that failed (a migration whose pages could not all
 *	move is not one).
 * @first_err: The first failure's negative errno, 0 for none.
 * @first_rec: Its record.
 * @layout_fixed: The buffers got their fixed addresses.
 * @setup_err: The run could not start (open, policy, buffers): -errno.
 * @setup_what: What could not be done then.
 * @policy: The policy in force on the first device during the run.
 */
struct replay_result {
	uint64_t elapsed_ns;
	uint64_t ops;
	uint64_t errors;
	int32_t first_err;
	uint64_t first_rec;
	uint32_t layout_fixed;
	int32_t setup_err;
	char setup_what[64];
	struct devmir_policy policy;
};

/**
 * struct replay_ctx - A replay.
 * @trace: The trace.
 * @config: Its configuration.
 * @ndev: Devices it needs (@config.devices).
 * @dev_args: The DEV of each (index or path).
 * @devs: The parent's handles: names of the statistics, and the check
 *	that the devices exist before anything runs.
 * @buffers: Buffers of the trace.
 * @records: Records of the trace.
 */
struct replay_ctx {
	struct devmir_trace *trace;
	struct devmir_trace_config config;
	unsigned int ndev;
	char *dev_args[DEVMIR_TRACE_DEVICES_MAX];
	struct devmir_dev *devs[DEVMIR_TRACE_DEVICES_MAX];
	unsigned int buffers;
	uint64_t records;
};

static uint64_t replay_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A size, or "adaptive" (0) for the fault window. */
static bool replay_window(const char *s, uint64_t *out, bool adaptive_ok)
{
	if (adaptive_ok && !strcmp(s, "adaptive")) {
		*out = 0;
		return true;
	}
	return !cli_parse_size(s, out);
}

static bool replay_uint(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = v;
	return true;
}

/*
 * SPEC: "recorded", "default", or KEY=VALUE[,KEY=VALUE...] with window=
 * SIZE|adaptive, batch=N, migrate=off|first|threshold:N, ram_window=SIZE,
 * thrash=ROUNDS:HOLD_MS. Values are checked by the device (-EINVAL).
 */
static int replay_parse_policy(struct cli_ctx *ctx, char *spec,
			       struct replay_setting *set)
{
	char *copy, *item, *save = NULL, *value, *colon;
	struct devmir_policy *p = &set->policy;

	memset(set, 0, sizeof(*set));
	set->label = spec;
	set->recorded = true;
	p->struct_size = sizeof(*p);
	if (!strcmp(spec, "recorded"))
		return 0;
	if (!strcmp(spec, "default")) {
		set->recorded = false;
		return 0;
	}
	copy = strdup(spec);
	if (!copy)
		return cli_fail(ctx, -ENOMEM, "parse --policy");
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		value = strchr(item, '=');
		if (!value)
			goto bad;
		*value++ = 0;
		if (!strcmp(item, "window")) {
			if (!replay_window(value, &p->fault_window, true))
				goto bad;
			set->fields |= DEVMIR_POLICY_WINDOW;
		} else if (!strcmp(item, "batch")) {
			if (!replay_uint(value, &p->fault_batch))
				goto bad;
			set->fields |= DEVMIR_POLICY_BATCH;
		} else if (!strcmp(item, "ram_window")) {
			if (!replay_window(value, &p->ram_window, false))
				goto bad;
			set->fields |= DEVMIR_POLICY_RAM_WINDOW;
		} else if (!strcmp(item, "migrate")) {
			if (!strcmp(value, "off")) {
				p->migrate_mode = DEVMIR_MIGMODE_OFF;
			} else if (!strcmp(value, "first")) {
				p->migrate_mode = DEVMIR_MIGMODE_FIRST_FAULT;
			} else if (!strncmp(value, "threshold:", 10) &&
				   replay_uint(value + 10,
					       &p->migrate_threshold)) {
				p->migrate_mode = DEVMIR_MIGMODE_THRESHOLD;
			} else {
				goto bad;
			}
			set->fields |= DEVMIR_POLICY_MIGRATE;
		} else if (!strcmp(item, "thrash")) {
			colon = strchr(value, ':');
			if (!colon)
				goto bad;
			*colon = 0;
			if (!replay_uint(value, &p->thrash_rounds) ||
			    !replay_uint(colon + 1, &p->thrash_hold_ms))
				goto bad;
			set->fields |= DEVMIR_POLICY_THRASH;
		} else {
			goto bad;
		}
	}
	free(copy);
	return 0;
bad:
	free(copy);
	return cli_usage_error(
		ctx,
		"bad --policy '%s' (recorded, default, or window=SIZE|adaptive,batch=N,migrate=off|first|threshold:N,ram_window=SIZE,thrash=ROUNDS:MS)",
		spec);
}

/* The trace's policy, then the setting's, on @dev. */
static int replay_set_policy(struct devmir_dev *dev,
			     const struct devmir_trace_config *c,
			     const struct replay_setting *set)
{
	struct devmir_policy p = DEVMIR_INIT(p);
	int ret;

	if (set->recorded && c->has_policy) {
		p.fault_batch = c->fault_batch;
		p.fault_window = c->fault_window;
		p.migrate_mode = c->migrate_mode;
		p.migrate_threshold = c->migrate_threshold;
		p.ram_window = c->ram_window;
		p.thrash_rounds = c->thrash_rounds;
		p.thrash_hold_ms = c->thrash_hold_ms;
		ret = devmir_set_policy(
			dev,
			DEVMIR_POLICY_WINDOW | DEVMIR_POLICY_BATCH |
				DEVMIR_POLICY_MIGRATE |
				DEVMIR_POLICY_RAM_WINDOW | DEVMIR_POLICY_THRASH,
			&p);
		if (ret)
			return ret;
	}
	return set->fields ? devmir_set_policy(dev, set->fields, &set->policy) :
			     0;
}

/*
 * Map the buffers: each 2 MiB aligned, a 2 MiB hole after each, from
 * REPLAY_BASE when that is free (the same addresses every run), else
 * wherever the kernel puts them. No THP: khugepaged must not change the
 * table between two runs.
 */
/**
 * struct replay_advice - One --advise: range attributes every run sets on
 * a range of a buffer, on every device, before the first record.
 * @spec: The SPEC as given.
 * @buffer: Index of the buffer in the trace.
 * @offset: First byte in the buffer (page-aligned).
 * @size: Bytes (0: to the end of the buffer).
 * @advice: The attributes.
 */
struct replay_advice {
	const char *spec;
	unsigned int buffer;
	uint64_t offset;
	uint64_t size;
	struct devmir_advice advice;
};

static struct replay_advice replay_advices[REPLAY_MAX_ADVICE];
static unsigned int replay_nadvice;

/*
 * SPEC: buffer=N[,offset=SIZE][,size=SIZE] and at least one of
 * preferred=system|device, accessed-by, granularity=SIZE,
 * window=SIZE|adaptive, thrash=ROUNDS:HOLD_MS. The device checks the
 * values (-EINVAL).
 */
static int replay_parse_advice(struct cli_ctx *ctx, char *spec,
			       struct replay_advice *a)
{
	struct devmir_advice *adv = &a->advice;
	char *copy = strdup(spec), *tok, *save = NULL, *val, *colon;
	bool have_buffer = false, ok = true;
	uint32_t n;

	memset(a, 0, sizeof(*a));
	a->spec = spec;
	adv->struct_size = sizeof(*adv);
	if (!copy)
		return cli_fail(ctx, -ENOMEM, "parse --advise");
	for (tok = strtok_r(copy, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val)
			*val++ = '\0';
		if (!strcmp(tok, "accessed-by") && !val) {
			adv->fields |= DEVMIR_ADVISE_ACCESSED_BY;
			adv->accessed_by = 1;
		} else if (!val) {
			ok = false;
		} else if (!strcmp(tok, "buffer")) {
			ok = replay_uint(val, &n);
			a->buffer = n;
			have_buffer = true;
		} else if (!strcmp(tok, "offset")) {
			ok = !strcmp(val, "0") || !cli_parse_size(val, &a->offset);
		} else if (!strcmp(tok, "size")) {
			ok = !cli_parse_size(val, &a->size);
		} else if (!strcmp(tok, "preferred")) {
			adv->fields |= DEVMIR_ADVISE_PREFERRED;
			if (!strcmp(val, "device"))
				adv->preferred = DEVMIR_PREFER_DEVICE;
			else
				ok = !strcmp(val, "system");
		} else if (!strcmp(tok, "granularity")) {
			adv->fields |= DEVMIR_ADVISE_GRANULARITY;
			ok = replay_window(val, &adv->granularity, false);
		} else if (!strcmp(tok, "window")) {
			adv->fields |= DEVMIR_ADVISE_FAULT_WINDOW;
			ok = replay_window(val, &adv->fault_window, true);
		} else if (!strcmp(tok, "thrash")) {
			adv->fields |= DEVMIR_ADVISE_THRASH;
			colon = strchr(val, ':');
			if (colon)
				*colon++ = '\0';
			ok = colon && replay_uint(val, &adv->thrash_rounds) &&
			     replay_uint(colon, &adv->thrash_hold_ms);
		} else {
			ok = false;
		}
	}
	free(copy);
	if (ok && have_buffer && adv->fields && !(a->offset % REPLAY_PAGE))
		return 0;
	return cli_usage_error(ctx,
		"bad --advise '%s' (buffer=N[,offset=SIZE][,size=SIZE] and preferred=system|device, accessed-by, granularity=SIZE, window=SIZE|adaptive, thrash=ROUNDS:MS)",
		spec);
}

/* Every --advise on every device of a run; 0 or the first -errno. */
static int replay_advise(struct replay_ctx *r, struct devmir_dev **devs,
			 uint8_t **bufs)
{
	const struct replay_advice *a;
	uint64_t bsize, size;
	unsigned int i, d;
	int ret;

	for (i = 0; i < replay_nadvice; i++) {
		a = &replay_advices[i];
		devmir_trace_buffer(r->trace, a->buffer, NULL, &bsize);
		if (a->offset >= bsize)
			return -EINVAL;
		size = a->size ? a->size : bsize - a->offset;
		if (size > bsize - a->offset)
			size = bsize - a->offset;
		size = (size + REPLAY_PAGE - 1) / REPLAY_PAGE * REPLAY_PAGE;
		for (d = 0; d < r->ndev; d++) {
			ret = devmir_advise(devs[d], bufs[a->buffer] + a->offset,
					    size, &a->advice);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int replay_map(struct replay_ctx *r, uint8_t **bufs, bool *fixed)
{
	uint64_t cursor = REPLAY_BASE, size, span;
	unsigned int b;
	void *p;

	*fixed = true;
	for (b = 0; b < r->buffers; b++) {
		devmir_trace_buffer(r->trace, b, NULL, &size);
		span = (size + REPLAY_ALIGN - 1) / REPLAY_ALIGN * REPLAY_ALIGN;
		p = mmap((void *)(uintptr_t)cursor, size,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
		if (p == MAP_FAILED || p != (void *)(uintptr_t)cursor) {
			if (p != MAP_FAILED)
				munmap(p, size);
			*fixed = false;
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return -errno;
		}
		madvise(p, size, MADV_NOHUGEPAGE);
		bufs[b] = p;
		cursor += span + REPLAY_ALIGN;
	}
	/* The CPU first writes every page, as a program fills its buffers. */
	for (b = 0; b < r->buffers; b++) {
		devmir_trace_buffer(r->trace, b, NULL, &size);
		for (span = 0; span < size; span += REPLAY_PAGE)
			bufs[b][span] = (uint8_t)(b + 1);
	}
	return 0;
}

/* One record; 0 or the negative errno of the failed call. */
static int replay_one(struct devmir_dev **devs, uint8_t **bufs,
		      const struct devmir_trace_record *rec, uint8_t *scratch)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	struct devmir_dev *dev = devs[rec->device];
	uint8_t *addr = bufs[rec->buffer] + rec->offset;
	volatile uint8_t *cpu;
	uint64_t done, n;
	int ret = 0;

	switch (rec->op) {
	case DEVMIR_TRACE_ACCESS:
		if (rec->kind == DEVMIR_OP_ATOMIC_ADD)
			return devmir_atomic_add(dev, (uint64_t *)addr, 1,
						 NULL);
		if (rec->kind == DEVMIR_OP_ATOMIC_CMPXCHG)
			return devmir_atomic_cmpxchg(dev, (uint64_t *)addr, 0,
						     0, NULL);
		for (done = 0; !ret && done < rec->size; done += n) {
			n = rec->size - done;
			if (n > REPLAY_SCRATCH_MAX)
				n = REPLAY_SCRATCH_MAX;
			ret = rec->kind == DEVMIR_OP_READ ?
				      devmir_read(dev, addr + done, scratch, n,
						  NULL) :
				      devmir_write(dev, addr + done, scratch, n,
						   NULL);
		}
		return ret;
	case DEVMIR_TRACE_MIGRATE:
		ret = devmir_migrate_range(dev, addr, rec->size, rec->kind, 0,
					   &res);
		/* Pages that could not move are the policy's business. */
		if (ret == -ENOMEM || ret == -EBUSY || ret == -EOPNOTSUPP)
			ret = 0;
		return ret;
	case DEVMIR_TRACE_CPU:
		cpu = addr;
		for (done = 0; done < rec->size; done += REPLAY_PAGE) {
			if (rec->kind == DEVMIR_TRACE_CPU_WRITE)
				cpu[done]++;
			else
				(void)cpu[done];
		}
		return 0;
	}
	return -EINVAL;
}

static int replay_setup_fail(struct replay_result *res, int err,
			     const char *what)
{
	res->setup_err = err;
	snprintf(res->setup_what, sizeof(res->setup_what), "%s", what);
	return err;
}

/*
 * The child's part: open, set the policy, map, replay, read the mirror's
 * counters of each device into @stats (ndev * nstats values).
 */
static void replay_child(struct replay_ctx *r, const struct replay_setting *set,
			 struct replay_result *res, uint64_t *stats,
			 unsigned int nstats)
{
	struct devmir_dev *devs[DEVMIR_TRACE_DEVICES_MAX] = { 0 };
	uint8_t *bufs[DEVMIR_TRACE_BUFFERS_MAX];
	struct devmir_trace_record rec;
	uint64_t i, t0, scratch_size = 0;
	uint8_t *scratch = NULL;
	unsigned int d;
	bool fixed;
	int ret;

	for (i = 0; i < r->records; i++) {
		devmir_trace_get(r->trace, i, &rec, sizeof(rec));
		if (rec.op == DEVMIR_TRACE_ACCESS && rec.size > scratch_size)
			scratch_size = rec.size;
	}
	if (scratch_size > REPLAY_SCRATCH_MAX)
		scratch_size = REPLAY_SCRATCH_MAX;
	scratch = calloc(1, scratch_size ? scratch_size : 1);
	if (!scratch) {
		replay_setup_fail(res, -ENOMEM, "allocate");
		goto out;
	}
	for (d = 0; d < r->ndev; d++) {
		/* Children open their own handles (none crosses fork()). */
		ret = strchr(r->dev_args[d], '/') ?
			      devmir_open_path(r->dev_args[d], &devs[d]) :
			      devmir_open(strtoul(r->dev_args[d], NULL, 10),
					  &devs[d]);
		if (ret) {
			replay_setup_fail(res, ret, "open the device");
			goto out;
		}
		ret = replay_set_policy(devs[d], &r->config, set);
		if (!ret && !d) {
			res->policy.struct_size = sizeof(res->policy);
			ret = devmir_get_policy(devs[d], &res->policy);
		}
		if (ret) {
			replay_setup_fail(res, ret, "set the policy");
			goto out;
		}
	}
	ret = replay_map(r, bufs, &fixed);
	if (ret) {
		replay_setup_fail(res, ret, "map the buffers");
		goto out;
	}
	res->layout_fixed = fixed;
	ret = replay_advise(r, devs, bufs);
	if (ret) {
		replay_setup_fail(res, ret, "apply --advise");
		goto out;
	}
	/* The fill is the CPU's: counters start after it. */
	for (d = 0; d < r->ndev; d++)
		devmir_reset_stats(devs[d], DEVMIR_STATS_MIRROR);
	t0 = replay_now_ns();
	for (i = 0; i < r->records; i++) {
		devmir_trace_get(r->trace, i, &rec, sizeof(rec));
		ret = replay_one(devs, bufs, &rec, scratch);
		res->ops++;
		if (ret) {
			if (!res->errors) {
				res->first_err = ret;
				res->first_rec = i;
			}
			res->errors++;
		}
	}
	res->elapsed_ns = replay_now_ns() - t0;
	for (d = 0; d < r->ndev; d++) {
		ret = devmir_stat_read(devs[d], DEVMIR_STATS_MIRROR,
				       stats + (uint64_t)d * nstats, nstats);
		if (ret) {
			replay_setup_fail(res, ret, "read the statistics");
			goto out;
		}
	}
out:
	for (d = 0; d < r->ndev; d++)
		devmir_close(devs[d]);
	free(scratch);
}

/* Read all of @len bytes from @fd; false on a short read. */
static bool replay_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static void replay_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

/* One run in a child process; 0, or -EIO when the child did not report. */
static int replay_run(struct replay_ctx *r, const struct replay_setting *set,
		      struct replay_result *res, uint64_t *stats,
		      unsigned int nstats)
{
	size_t stats_len = (size_t)r->ndev * nstats * sizeof(*stats);
	int fds[2], status;
	bool ok;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	memset(stats, 0, stats_len);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!pid) {
		close(fds[0]);
		replay_child(r, set, res, stats, nstats);
		replay_write_all(fds[1], res, sizeof(*res));
		replay_write_all(fds[1], stats, stats_len);
		_exit(0);
	}
	close(fds[1]);
	ok = replay_read_all(fds[0], res, sizeof(*res)) &&
	     replay_read_all(fds[0], stats, stats_len);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return ok ? 0 : -EIO;
}

/* The summary columns: a name each, and the statistic it shows. */
static const char *const replay_columns[][2] = {
	{ "faults", "faults_raised" },
	{ "serviced", "faults" },
	{ "to_device", "migrated_to_device" },
	{ "to_system", "migrated_to_system" },
	{ "evictions", "evictions" },
	{ "thrashing", "thrash_detected" },
	{ "mirror_bytes", "table_bytes" },
};

#define REPLAY_COLUMNS ARRAY_SIZE(replay_columns)

/* Width of the policy column: the longest --policy, at least 28. */
static int replay_label_width = 28;

/* A summary column summed over the devices. */
static uint64_t replay_sum(const struct replay_ctx *r, const uint64_t *stats,
			   unsigned int nstats, const char *name)
{
	uint64_t sum = 0;
	unsigned int d;

	for (d = 0; d < r->ndev; d++)
		sum += devmir_stat_value(r->devs[0],
					 stats + (uint64_t)d * nstats, name);
	return sum;
}

static void replay_json_run(struct cli_json *j, const struct replay_ctx *r,
			    const struct replay_setting *set,
			    const struct replay_result *res,
			    const uint64_t *stats, unsigned int nstats)
{
	const struct devmir_stat_field *f;
	unsigned int c, d, k;

	devmir_stat_fields(r->devs[0], &f, NULL);
	cli_json_object(j, NULL);
	cli_json_str(j, "policy", set->label);
	cli_json_u64(j, "ops", res->ops);
	cli_json_u64(j, "errors", res->errors);
	if (res->errors) {
		cli_json_object(j, "first_error");
		cli_json_u64(j, "record", res->first_rec);
		cli_json_str(j, "message", devmir_strerror(res->first_err));
		cli_json_close_object(j);
	}
	cli_json_object(j, "policy_in_force");
	cli_json_u64(j, "fault_batch", res->policy.fault_batch);
	cli_json_u64(j, "fault_window", res->policy.fault_window);
	cli_json_str(j, "migrate_mode",
		     res->policy.migrate_mode == DEVMIR_MIGMODE_FIRST_FAULT ?
			     "first_fault" :
		     res->policy.migrate_mode == DEVMIR_MIGMODE_THRESHOLD ?
			     "threshold" :
			     "off");
	cli_json_u64(j, "migrate_threshold", res->policy.migrate_threshold);
	cli_json_u64(j, "ram_window", res->policy.ram_window);
	cli_json_u64(j, "thrash_rounds", res->policy.thrash_rounds);
	cli_json_u64(j, "thrash_hold_ms", res->policy.thrash_hold_ms);
	cli_json_close_object(j);
	cli_json_bool(j, "layout_fixed", res->layout_fixed);
	cli_json_u64(j, "elapsed_ns", res->elapsed_ns);
	cli_json_object(j, "summary");
	for (c = 0; c < REPLAY_COLUMNS; c++)
		cli_json_u64(j, replay_columns[c][0],
			     replay_sum(r, stats, nstats,
					replay_columns[c][1]));
	cli_json_close_object(j);
	cli_json_array(j, "devices");
	for (d = 0; d < r->ndev; d++) {
		cli_json_object(j, NULL);
		cli_json_str(j, "device", devmir_path(r->devs[d]));
		cli_json_object(j, "stats");
		for (k = 0; k < nstats; k++)
			cli_json_u64(j, f[k].name,
				     stats[(uint64_t)d * nstats + k]);
		cli_json_close_object(j);
		cli_json_close_object(j);
	}
	cli_json_close_array(j);
	cli_json_close_object(j);
}

static void replay_print_header(const struct replay_ctx *r, const char *path)
{
	uint64_t size, total = 0;
	char human[32];
	unsigned int b, d;

	for (b = 0; b < r->buffers; b++) {
		devmir_trace_buffer(r->trace, b, NULL, &size);
		total += size;
	}
	printf("replay of %s: %" PRIu64 " records, %u buffers (%s), on", path,
	       r->records, r->buffers,
	       cli_human_bytes(human, sizeof(human), total));
	for (d = 0; d < r->ndev; d++)
		printf(" %s", devmir_path(r->devs[d]));
	for (b = 0; b < replay_nadvice; b++)
		printf("\nadvise: %s", replay_advices[b].spec);
	printf("\n%-*s %8s %6s", replay_label_width, "policy", "ops", "errors");
	for (b = 0; b < REPLAY_COLUMNS; b++)
		printf(" %*s", b == REPLAY_COLUMNS - 1 ? 12 : 9,
		       replay_columns[b][0]);
	printf(" %10s\n", "time_ms");
}

static void replay_print_run(const struct replay_ctx *r,
			     const struct replay_setting *set,
			     const struct replay_result *res,
			     const uint64_t *stats, unsigned int nstats)
{
	unsigned int c;

	printf("%-*s %8" PRIu64 " %6" PRIu64, replay_label_width, set->label,
	       res->ops, res->errors);
	for (c = 0; c < REPLAY_COLUMNS; c++)
		printf(" %*" PRIu64, c == REPLAY_COLUMNS - 1 ? 12 : 9,
		       replay_sum(r, stats, nstats, replay_columns[c][1]));
	printf(" %10.1f\n", res->elapsed_ns / 1e6);
	if (res->errors)
		fprintf(stderr,
			"devmirror: replay: %s: %" PRIu64
			" operations failed, the first (record %" PRIu64
			"): %s\n",
			set->label, res->errors, res->first_rec,
			devmir_strerror(res->first_err));
}

/* --device N or N,M,...: the DEV of each of the trace's devices. */
static int replay_devices(struct cli_ctx *ctx, struct replay_ctx *r, char *arg)
{
	static char names[DEVMIR_TRACE_DEVICES_MAX][16];
	char *save = NULL, *tok;
	unsigned long first;
	unsigned int n = 0, d;
	char *end;

	if (!arg)
		arg = "0";
	if (!strchr(arg, ',') && !strchr(arg, '/')) {
		errno = 0;
		first = strtoul(arg, &end, 10);
		if (errno || *end || *arg < '0' || *arg > '9' || first > 255)
			return cli_usage_error(ctx, "bad --device '%s'", arg);
		for (d = 0; d < r->ndev; d++) {
			snprintf(names[d], sizeof(names[d]), "%lu", first + d);
			r->dev_args[d] = names[d];
		}
		return 0;
	}
	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == DEVMIR_TRACE_DEVICES_MAX)
			return cli_usage_error(ctx,
					       "too many --device entries");
		r->dev_args[n++] = tok;
	}
	if (n != r->ndev)
		return cli_usage_error(
			ctx, "the trace uses %u devices, --device names %u",
			r->ndev, n);
	return 0;
}

static int cli_replay(struct cli_ctx *ctx, int argc, char **argv)
{
	struct replay_setting sets[REPLAY_MAX_SETTINGS];
	struct replay_result *results = NULL;
	struct replay_ctx r = { .config = DEVMIR_INIT(r.config) };
	unsigned int nsets = 0, nstats = 0, s, d;
	char *device = NULL, *policies[REPLAY_MAX_SETTINGS];
	uint64_t *stats = NULL;
	const char *path;
	struct cli_json j;
	int opt, ret, status = CLI_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "h", cli_replay_options, NULL)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_DEVICE:
			device = optarg;
			break;
		case CLI_OPT_ADVISE:
			if (replay_nadvice == REPLAY_MAX_ADVICE)
				return cli_usage_error(
					ctx, "at most %d --advise options",
					REPLAY_MAX_ADVICE);
			ret = replay_parse_advice(ctx, optarg,
						  &replay_advices[replay_nadvice]);
			if (ret)
				return ret;
			replay_nadvice++;
			break;
		case CLI_OPT_POLICY:
			if (nsets == REPLAY_MAX_SETTINGS)
				return cli_usage_error(
					ctx, "at most %d --policy options",
					REPLAY_MAX_SETTINGS);
			policies[nsets++] = optarg;
			break;
		default:
			ret = cli_common_opt(ctx, &cli_cmd_replay, opt);
			if (ret > 0 || opt == CLI_OPT_HELP)
				return ret;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "no trace file");
	if (optind + 1 < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	path = argv[optind];
	if (!nsets)
		policies[nsets++] = "recorded";
	for (s = 0; s < nsets; s++) {
		ret = replay_parse_policy(ctx, policies[s], &sets[s]);
		if (ret)
			return ret;
		if ((int)strlen(policies[s]) > replay_label_width)
			replay_label_width = strlen(policies[s]);
	}

	ret = devmir_trace_load(path, &r.trace);
	if (ret)
		return cli_trace_fail(ctx, ret, "read the trace");
	devmir_trace_get_config(r.trace, &r.config);
	devmir_trace_counts(r.trace, &r.buffers, &r.records, NULL);
	r.ndev = r.config.devices;
	for (s = 0; s < replay_nadvice; s++) {
		if (replay_advices[s].buffer >= r.buffers) {
			ret = cli_usage_error(ctx,
					      "--advise '%s': the trace has %u buffers",
					      replay_advices[s].spec, r.buffers);
			goto out;
		}
	}
	ret = replay_devices(ctx, &r, device);
	if (ret)
		goto out;
	for (d = 0; d < r.ndev; d++) {
		ret = cli_open(ctx, r.dev_args[d], &r.devs[d]);
		if (ret)
			goto out;
	}
	ctx->device = devmir_path(r.devs[0]);
	devmir_stat_fields(r.devs[0], NULL, &nstats);
	results = calloc(nsets, sizeof(*results));
	stats = calloc((size_t)nsets * r.ndev * nstats, sizeof(*stats));
	if (!results || !stats) {
		ret = cli_fail(ctx, -ENOMEM, "allocate");
		goto out;
	}
	if (!ctx->json)
		replay_print_header(&r, path);
	for (s = 0; s < nsets; s++) {
		uint64_t *run_stats = stats + (size_t)s * r.ndev * nstats;

		ret = replay_run(&r, &sets[s], &results[s], run_stats, nstats);
		if (!ret && results[s].setup_err) {
			char what[96];

			snprintf(what, sizeof(what), "%s: %s", sets[s].label,
				 results[s].setup_what);
			ret = cli_fail(ctx, results[s].setup_err, what);
			goto out;
		}
		if (ret) {
			ret = cli_fail(ctx, ret, "run the replay");
			goto out;
		}
		if (results[s].errors)
			status = CLI_EXIT_FAIL;
		if (!ctx->json)
			replay_print_run(&r, &sets[s], &results[s], run_stats,
					 nstats);
	}
	if (ctx->json) {
		cli_json_begin(&j, ctx);
		cli_json_str(&j, "trace", path);
		cli_json_u64(&j, "records", r.records);
		cli_json_u64(&j, "buffers", r.buffers);
		cli_json_array(&j, "devices");
		for (d = 0; d < r.ndev; d++)
			cli_json_str(&j, NULL, devmir_path(r.devs[d]));
		cli_json_close_array(&j);
		cli_json_array(&j, "advise");
		for (s = 0; s < replay_nadvice; s++)
			cli_json_str(&j, NULL, replay_advices[s].spec);
		cli_json_close_array(&j);
		cli_json_array(&j, "runs");
		for (s = 0; s < nsets; s++)
			replay_json_run(&j, &r, &sets[s], &results[s],
					stats + (size_t)s * r.ndev * nstats,
					nstats);
		cli_json_close_array(&j);
		cli_json_end(&j);
	} else if (!results[0].layout_fixed) {
		printf("note: the buffers could not be placed at their fixed addresses\n");
	}
	ret = status;
out:
	for (d = 0; d < r.ndev; d++)
		devmir_close(r.devs[d]);
	devmir_trace_destroy(r.trace);
	free(results);
	free(stats);
	return ret;
}

const struct cli_command cli_cmd_replay = {
	.name = "replay",
	.args = "TRACE [--device N|DEV,DEV...] [--policy SPEC]... [--advise SPEC]...",
	.summary =
		"replay a trace, once per --policy, and compare the counters",
	.run = cli_replay,
};
