// SPDX-License-Identifier: MIT
/*
 * record.c - recording a program's device calls into a trace: the calls
 * of devmir_record_start(), the hooks devmir_access() and
 * devmir_migrate_range() call, and recording armed by the environment
 * (DEVMIR_TRACE_ENV, which devmirror record sets).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

#define DEVMIR_RECORD_PAGE 4096UL

static uint64_t devmir_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The policy members of a trace's configuration, from @policy. */
static void devmir_record_set_policy(struct devmir_trace_config *c,
				     const struct devmir_policy *policy)
{
	c->has_policy = 1;
	c->fault_batch = policy->fault_batch;
	c->fault_window = policy->fault_window;
	c->migrate_mode = policy->migrate_mode;
	c->migrate_threshold = policy->migrate_threshold;
	c->ram_window = policy->ram_window;
	c->thrash_rounds = policy->thrash_rounds;
	c->thrash_hold_ms = policy->thrash_hold_ms;
}

int devmir_record_start(struct devmir_dev *dev, struct devmir_trace *trace)
{
	struct devmir_policy policy = DEVMIR_INIT(policy);
	struct devmir_trace_config *c;
	int ret;

	if (!dev || !trace)
		return -EINVAL;
	if (dev->rec_trace)
		return -EBUSY;
	/* The policy in force, read before the trace is locked. */
	ret = devmir_get_policy(dev, &policy);
	if (ret)
		return ret;
	pthread_mutex_lock(&trace->lock);
	if (trace->attached == DEVMIR_TRACE_DEVICES_MAX) {
		pthread_mutex_unlock(&trace->lock);
		return -ENOSPC;
	}
	c = &trace->config;
	if (!trace->attached) {
		trace->start_ns = devmir_now_ns();
		c->engines = dev->info.engines;
		c->fault_queue_entries = dev->info.fault_queue_entries;
		c->device_memory = dev->info.device_memory;
		devmir_record_set_policy(c, &policy);
	}
	dev->rec_device = trace->attached++;
	if (c->devices < trace->attached)
		c->devices = trace->attached;
	dev->rec_trace = trace;
	pthread_mutex_unlock(&trace->lock);
	return 0;
}

int devmir_record_stop(struct devmir_dev *dev)
{
	if (!dev || !dev->rec_trace)
		return -EINVAL;
	dev->rec_trace = NULL;
	return 0;
}

/* The named buffer that holds [@addr, @addr + @size), or -1. */
static int devmir_record_find(const struct devmir_trace *t, uintptr_t addr,
			      uint64_t size)
{
	unsigned int i;

	for (i = 0; i < t->nbufs; i++) {
		const struct devmir_trace_buf *b = &t->bufs[i];

		if (b->addr && addr >= b->addr && addr - b->addr <= b->size &&
		    size <= b->size - (addr - b->addr))
			return i;
	}
	return -1;
}

/* Whether [@addr, @addr + @size) overlaps a named buffer. */
static bool devmir_record_overlaps(const struct devmir_trace *t, uintptr_t addr,
				   uint64_t size)
{
	unsigned int i;

	for (i = 0; i < t->nbufs; i++) {
		const struct devmir_trace_buf *b = &t->bufs[i];

		if (b->addr && addr < b->addr + b->size &&
		    b->addr < addr + size)
			return true;
	}
	return false;
}

/* A buffer named @name at @addr, with @t->lock held: its id or -errno. */
static int __devmir_record_buffer(struct devmir_trace *t, const char *name,
				  uintptr_t addr, uint64_t size)
{
	int id;

	if (devmir_record_overlaps(t, addr, size))
		return -EEXIST;
	id = __devmir_trace_add_buffer(t, name, size);
	if (id >= 0)
		t->bufs[id].addr = addr;
	return id;
}

int devmir_record_buffer(struct devmir_dev *dev, const char *name,
			 const void *addr, size_t size)
{
	struct devmir_trace *t;
	uintptr_t start = (uintptr_t)addr;
	int id;

	if (!dev || !name || !addr || !dev->rec_trace)
		return -EINVAL;
	if (start % DEVMIR_RECORD_PAGE || size % DEVMIR_RECORD_PAGE ||
	    start + size < start)
		return -EINVAL;
	t = dev->rec_trace;
	pthread_mutex_lock(&t->lock);
	id = __devmir_record_buffer(t, name, start, size);
	pthread_mutex_unlock(&t->lock);
	return id;
}

/*
 * A range of no named buffer: name the mapping that holds it after
 * /proc/self/maps ("map0", "map1", ...), less the named buffers around
 * it. The buffer id, or -1 (a range across mappings or buffers).
 */
static int devmir_record_mapping(struct devmir_trace *t, uintptr_t addr,
				 uint64_t size)
{
	unsigned long long lo, hi;
	char line[512], name[DEVMIR_TRACE_NAME_MAX];
	unsigned int i;
	FILE *maps;
	int id = -1;

	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%llx-%llx", &lo, &hi) != 2)
			continue;
		if (addr < lo || addr >= hi)
			continue;
		for (i = 0; i < t->nbufs; i++) {
			const struct devmir_trace_buf *b = &t->bufs[i];

			if (!b->addr)
				continue;
			if (b->addr + b->size <= addr && b->addr + b->size > lo)
				lo = b->addr + b->size;
			if (b->addr > addr && b->addr < hi)
				hi = b->addr;
		}
		if (size <= hi - addr) {
			snprintf(name, sizeof(name), "map%u", t->maps);
			id = __devmir_record_buffer(t, name, lo, hi - lo);
			if (id >= 0)
				t->maps++;
		}
		break;
	}
	fclose(maps);
	return id < 0 ? -1 : id;
}

/* Append one record of @dev's calls; what cannot be recorded is counted. */
static void devmir_record(struct devmir_dev *dev, uintptr_t addr, uint64_t size,
			  uint8_t op, uint8_t kind)
{
	struct devmir_trace *t = dev->rec_trace;
	struct devmir_trace_record rec;
	int id;

	pthread_mutex_lock(&t->lock);
	id = devmir_record_find(t, addr, size);
	if (id < 0)
		id = devmir_record_mapping(t, addr, size);
	if (id < 0) {
		t->dropped++;
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	rec.time_ns = devmir_now_ns() - t->start_ns;
	rec.offset = addr - t->bufs[id].addr;
	rec.size = size;
	rec.buffer = id;
	rec.op = op;
	rec.kind = kind;
	rec.device = dev->rec_device;
	/* Another thread's record may carry a later time: keep the order. */
	if (t->nrecs && rec.time_ns < t->recs[t->nrecs - 1].time_ns)
		rec.time_ns = t->recs[t->nrecs - 1].time_ns;
	if (__devmir_trace_append(t, &rec))
		t->dropped++;
out:
	pthread_mutex_unlock(&t->lock);
}

void devmir_record_policy(struct devmir_dev *dev)
{
	struct devmir_policy policy = DEVMIR_INIT(policy);
	struct devmir_trace *t = dev->rec_trace;

	/*
	 * The trace carries one policy: the first device's when its first
	 * record was made. A change after that is not in the trace.
	 */
	if (!t || dev->rec_device || devmir_get_policy(dev, &policy))
		return;
	pthread_mutex_lock(&t->lock);
	if (!t->nrecs)
		devmir_record_set_policy(&t->config, &policy);
	pthread_mutex_unlock(&t->lock);
}

void devmir_record_access(struct devmir_dev *dev,
			  const struct devmir_access *acc)
{
	if (dev->rec_trace)
		devmir_record(dev, (uintptr_t)acc->addr, acc->size,
			      DEVMIR_TRACE_ACCESS, acc->op);
}

void devmir_record_migrate(struct devmir_dev *dev, const void *addr,
			   size_t size, enum devmir_migdir dir)
{
	if (dev->rec_trace)
		devmir_record(dev, (uintptr_t)addr, size, DEVMIR_TRACE_MIGRATE,
			      dir);
}

/*
 * Recording armed by the environment: one trace for every handle the
 * program opens, saved at exit by the process that made it (not by a
 * fork()ed child, whose exit would overwrite it).
 */
static pthread_mutex_t devmir_env_lock = PTHREAD_MUTEX_INITIALIZER;
static struct devmir_trace *devmir_env_trace;
static pid_t devmir_env_pid;

static void devmir_record_env_save(void)
{
	const char *path = getenv(DEVMIR_TRACE_ENV);
	int ret;

	if (!devmir_env_trace || getpid() != devmir_env_pid || !path)
		return;
	ret = devmir_trace_save(devmir_env_trace, path);
	if (ret)
		fprintf(stderr, "libdevmirror: %s: %s\n", DEVMIR_TRACE_ENV,
			devmir_last_error());
}

void devmir_record_from_env(struct devmir_dev *dev)
{
	const char *path = getenv(DEVMIR_TRACE_ENV);

	if (!path || !*path)
		return;
	pthread_mutex_lock(&devmir_env_lock);
	if (!devmir_env_trace &&
	    !devmir_trace_create(NULL, &devmir_env_trace)) {
		devmir_env_pid = getpid();
		atexit(devmir_record_env_save);
	}
	if (devmir_env_trace && getpid() == devmir_env_pid)
		devmir_record_start(dev, devmir_env_trace);
	pthread_mutex_unlock(&devmir_env_lock);
}
