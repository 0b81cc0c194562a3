/* SPDX-License-Identifier: MIT */
/*
 * trace.h - libdevmirror's private view of a trace: the in-memory object
 * shared by the file format (trace.c) and recording (record.c). Never
 * installed.
 */
#ifndef _DEVMIR_TRACE_H
#define _DEVMIR_TRACE_H

#include <pthread.h>
#include <stdint.h>

#include "internal.h"

/* The file format, docs/replay.md: little-endian, fixed sizes. */
#define DEVMIR_TRACE_MAGIC "DMTRACE" /* and a NUL: 8 bytes */
#define DEVMIR_TRACE_HEADER_SIZE 96
#define DEVMIR_TRACE_ENTRY_SIZE 48
#define DEVMIR_TRACE_RECORD_SIZE 32

/* Size of the first version (3.2) of the caller-allocated structures. */
#define DEVMIR_TRACE_CONFIG_SIZE_3_2 \
	devmir_offsetofend(struct devmir_trace_config, thrash_hold_ms)
#define DEVMIR_TRACE_RECORD_SIZE_3_2 \
	devmir_offsetofend(struct devmir_trace_record, device)

/**
 * struct devmir_trace_buf - One buffer of the table.
 * @name: Its name, NUL-terminated.
 * @size: Bytes.
 * @addr: While recording: the process address it was named at
 *	(devmir_record_buffer()), 0 when it has none.
 */
struct devmir_trace_buf {
	char name[DEVMIR_TRACE_NAME_MAX];
	uint64_t size;
	uintptr_t addr;
};

/**
 * struct devmir_trace - A trace in memory.
 * @lock: Serialises every call on the trace (recording threads).
 * @config: The configuration; @config.devices grows as handles attach.
 * @bufs: The buffer table, @nbufs entries (@bufs_cap allocated).
 * @nbufs: Entries of @bufs.
 * @bufs_cap: Allocated entries of @bufs.
 * @recs: The records, @nrecs entries (@recs_cap allocated).
 * @nrecs: Entries of @recs.
 * @recs_cap: Allocated entries of @recs.
 * @dropped: Device calls a recording could not turn into a record.
 * @attached: Handles that ever started recording: the next device number.
 * @start_ns: CLOCK_MONOTONIC of the first devmir_record_start().
 * @maps: Buffers named after their mapping so far ("map0", ...).
 */
struct devmir_trace {
	pthread_mutex_t lock;
	struct devmir_trace_config config;
	struct devmir_trace_buf *bufs;
	unsigned int nbufs;
	unsigned int bufs_cap;
	struct devmir_trace_record *recs;
	uint64_t nrecs;
	uint64_t recs_cap;
	uint64_t dropped;
	unsigned int attached;
	uint64_t start_ns;
	unsigned int maps;
};

/* devmir_trace_add_buffer() and devmir_trace_append() with @trace->lock held. */
int __devmir_trace_add_buffer(struct devmir_trace *trace, const char *name,
			      uint64_t size);
int __devmir_trace_append(struct devmir_trace *trace,
			  const struct devmir_trace_record *rec);

/* The recording hooks of devmir_access() and devmir_migrate_range(). */
void devmir_record_access(struct devmir_dev *dev,
			  const struct devmir_access *acc);
void devmir_record_migrate(struct devmir_dev *dev, const void *addr,
			   size_t size, enum devmir_migdir dir);
/* devmir_set_policy(): the policy before the first record is the trace's. */
void devmir_record_policy(struct devmir_dev *dev);
/* devmir_open_path(): record when DEVMIR_TRACE_ENV is set. */
void devmir_record_from_env(struct devmir_dev *dev);

#endif /* _DEVMIR_TRACE_H */
