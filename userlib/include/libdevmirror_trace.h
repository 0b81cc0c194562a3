/* SPDX-License-Identifier: MIT */
/*
 * libdevmirror_trace.h - libdevmirror: device access traces, recorded from
 * a program's own calls and read back for replay (since 3.2). Included by
 * libdevmirror.h. The file format is docs/replay.md's.
 */
#ifndef _LIBDEVMIRROR_TRACE_H
#define _LIBDEVMIRROR_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "libdevmirror.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the trace file format this library reads and writes. */
#define DEVMIR_TRACE_FORMAT 1

/* A buffer name's bytes, NUL included: 1 to 31 of [A-Za-z0-9_.-]. */
#define DEVMIR_TRACE_NAME_MAX 32

/* Most devices and buffers one trace may name. */
#define DEVMIR_TRACE_DEVICES_MAX 8
#define DEVMIR_TRACE_BUFFERS_MAX 4096

/* Largest buffer of a trace, bytes (a multiple of 4096). */
#define DEVMIR_TRACE_BUFFER_MAX (1ULL << 40)

/*
 * The environment variable that makes every devmir_open() of a program
 * record into the file it names, saved when the program exits
 * (devmirror record).
 */
#define DEVMIR_TRACE_ENV "DEVMIRROR_RECORD"

/**
 * enum devmir_trace_op - What a record did.
 * @DEVMIR_TRACE_ACCESS: A device access; the record's kind is an
 *	&enum devmir_op (read, write, atomic add, atomic cmpxchg).
 * @DEVMIR_TRACE_MIGRATE: A migration; the kind is an &enum devmir_migdir
 *	(to the device, to system memory). Offset and size are multiples of
 *	4096.
 * @DEVMIR_TRACE_CPU: The CPU touched the range, one byte per 4 KiB page;
 *	the kind is %DEVMIR_TRACE_CPU_READ or %DEVMIR_TRACE_CPU_WRITE. Written
 *	by generators and converters; recording sees only device calls.
 */
enum devmir_trace_op {
	DEVMIR_TRACE_ACCESS = 1,
	DEVMIR_TRACE_MIGRATE = 2,
	DEVMIR_TRACE_CPU = 3,
};

/* Kinds of a %DEVMIR_TRACE_CPU record. */
#define DEVMIR_TRACE_CPU_READ 0
#define DEVMIR_TRACE_CPU_WRITE 1

/**
 * struct devmir_trace_record - One operation of a trace.
 * @time_ns: Nanoseconds since the recording started; never decreasing
 *	from one record to the next.
 * @offset: Byte offset of the range inside its buffer.
 * @size: Bytes, at least 1; @offset + @size within the buffer. 8 for the
 *	atomics, at an 8-byte aligned offset.
 * @buffer: The buffer's id: its place in the trace's buffer table.
 * @op: An &enum devmir_trace_op.
 * @kind: What kind of @op (see &enum devmir_trace_op).
 * @device: Which of the trace's devices did it (0 for %DEVMIR_TRACE_CPU).
 *
 * Passed to devmir_trace_append() and filled by devmir_trace_get() with
 * the element size the caller was compiled with.
 */
struct devmir_trace_record {
	uint64_t time_ns;
	uint64_t offset;
	uint64_t size;
	uint32_t buffer;
	uint8_t op;
	uint8_t kind;
	uint8_t device;
};

/**
 * struct devmir_trace_config - What a trace says about where it was made.
 * @struct_size: (in) sizeof(struct devmir_trace_config) as the caller
 *	compiled it.
 * @devices: Devices the records name, 1 .. %DEVMIR_TRACE_DEVICES_MAX.
 * @engines: Engines of the first device (0: unknown).
 * @fault_queue_entries: Its fault-queue capacity (0: unknown).
 * @device_memory: Its memory, bytes (0: none or unknown).
 * @has_policy: 1 when the policy members below are the policy that was in
 *	force; 0 when the trace has none (a generated trace: replay with the
 *	device's defaults or a --policy).
 * @fault_batch: &devmir_policy.fault_batch.
 * @fault_window: &devmir_policy.fault_window (0: adaptive).
 * @migrate_mode: &devmir_policy.migrate_mode.
 * @migrate_threshold: &devmir_policy.migrate_threshold.
 * @ram_window: &devmir_policy.ram_window.
 * @thrash_rounds: &devmir_policy.thrash_rounds.
 * @thrash_hold_ms: &devmir_policy.thrash_hold_ms.
 */
struct devmir_trace_config {
	uint32_t struct_size;
	uint32_t devices;
	uint32_t engines;
	uint32_t fault_queue_entries;
	uint64_t device_memory;
	uint32_t has_policy;
	uint32_t fault_batch;
	uint64_t fault_window;
	uint32_t migrate_mode;
	uint32_t migrate_threshold;
	uint64_t ram_window;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
};

struct devmir_trace;

/**
 * devmir_trace_create() - A new, empty trace in memory.
 * @config: Its configuration, or NULL for one device and no policy.
 * @tracep: Receives the trace; devmir_trace_destroy() frees it.
 *
 * Context: Any.
 * Return: 0, or a negative errno:
 * -EINVAL: @tracep is NULL, @config->devices is 0 or above
 * %DEVMIR_TRACE_DEVICES_MAX, or @config->has_policy is neither 0 nor 1.
 * -EINVAL: @config->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -E2BIG: @config->struct_size is larger than this library's structure
 * and a member this library does not know is set.
 * -ENOMEM: Out of memory.
 */
int devmir_trace_create(const struct devmir_trace_config *config,
			struct devmir_trace **tracep);

/**
 * devmir_trace_destroy() - Free a trace.
 * @trace: The trace, or NULL. No handle may still record into it.
 *
 * Context: Any.
 */
void devmir_trace_destroy(struct devmir_trace *trace);

/**
 * devmir_trace_add_buffer() - Add a named buffer to a trace's table.
 * @trace: The trace.
 * @name: 1 to 31 characters of [A-Za-z0-9_.-], unique in the trace.
 * @size: Bytes, a non-zero multiple of 4096 up to %DEVMIR_TRACE_BUFFER_MAX.
 *
 * Context: Any; serialised with the trace's other calls.
 * Return: The buffer's id (0, 1, ... in the order added), or a negative
 * errno:
 * -EINVAL: @trace or @name is NULL, or a bad name or size.
 * -EEXIST: The trace already has a buffer of that name.
 * -ENOSPC: The trace has %DEVMIR_TRACE_BUFFERS_MAX buffers.
 * -ENOMEM: Out of memory.
 */
int devmir_trace_add_buffer(struct devmir_trace *trace, const char *name,
			    uint64_t size);

/**
 * devmir_trace_append() - Append a record.
 * @trace: The trace.
 * @rec: The record, checked as devmir_trace_load() checks a file's.
 * @rec_size: sizeof(struct devmir_trace_record) as the caller compiled it.
 *
 * Context: Any; serialised with the trace's other calls.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL, @rec_size is smaller than the first
 * version of the structure, or the record is invalid: an unknown op or
 * kind, an unknown buffer or device, a size of 0, a range beyond its
 * buffer, a misaligned migration or atomic, a time before the previous
 * record's (devmir_last_error() says which).
 * -ENOMEM: Out of memory.
 */
int devmir_trace_append(struct devmir_trace *trace,
			const struct devmir_trace_record *rec, size_t rec_size);

/**
 * devmir_trace_load() - Read and check a trace file.
 * @path: The file.
 * @tracep: Receives the trace; devmir_trace_destroy() frees it.
 *
 * Every field is checked before it is used: the magic, the version, the
 * sizes the header states against the file's real size, every buffer
 * name and size, every record (as devmir_trace_append()). Nothing is
 * allocated from a count the file has not proved by its length.
 *
 * Context: Process context (reads the file).
 * Return: 0, or a negative errno; devmir_last_error() says what was wrong
 * and where ("record 12: offset 4096 + size 8192 beyond buffer 'in' of
 * 8192 bytes"):
 * -EINVAL: @path or @tracep is NULL.
 * -EPROTO: Not a valid trace: bad magic, a header, table or record that
 * is malformed, truncated or followed by stray bytes.
 * -EOPNOTSUPP: A trace of a format version this library does not read.
 * -ENOENT, -EACCES, -EISDIR, -EIO ...: The file cannot be opened or read
 * (the errno of open(2) or read(2)).
 * -ENOMEM: Out of memory.
 */
int devmir_trace_load(const char *path, struct devmir_trace **tracep);

/**
 * devmir_trace_save() - Write a trace to a file.
 * @trace: The trace.
 * @path: The file, created or truncated.
 *
 * Context: Process context; serialised with the trace's other calls.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL.
 * -ENOENT, -EACCES, -ENOSPC, -EIO ...: The file cannot be created or
 * written (the errno of open(2), write(2) or close(2)).
 */
int devmir_trace_save(struct devmir_trace *trace, const char *path);

/**
 * devmir_trace_get_config() - A trace's configuration.
 * @trace: The trace.
 * @config: Receives it.
 *
 * Context: Any.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL.
 * -EINVAL: @config->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 */
int devmir_trace_get_config(struct devmir_trace *trace,
			    struct devmir_trace_config *config);

/**
 * devmir_trace_counts() - How many buffers and records a trace holds.
 * @trace: The trace.
 * @buffers: If not NULL, receives the number of buffers.
 * @records: If not NULL, receives the number of records.
 * @dropped: If not NULL, receives the device calls a recording could not
 *	turn into a record (an access outside every buffer, out of memory);
 *	always 0 for a loaded trace.
 *
 * Context: Any.
 * Return: 0, or -EINVAL for a NULL @trace.
 */
int devmir_trace_counts(struct devmir_trace *trace, unsigned int *buffers,
			uint64_t *records, uint64_t *dropped);

/**
 * devmir_trace_buffer() - One buffer of a trace's table.
 * @trace: The trace.
 * @id: The buffer's id.
 * @name: If not NULL, receives its name, valid until the trace is freed.
 * @size: If not NULL, receives its size in bytes.
 *
 * Context: Any.
 * Return: 0, or -EINVAL for a NULL @trace or an unknown @id.
 */
int devmir_trace_buffer(struct devmir_trace *trace, unsigned int id,
			const char **name, uint64_t *size);

/**
 * devmir_trace_get() - One record of a trace.
 * @trace: The trace.
 * @index: The record's place, from 0.
 * @rec: Receives it.
 * @rec_size: sizeof(struct devmir_trace_record) as the caller compiled it.
 *
 * Context: Any.
 * Return: 0, or -EINVAL for a NULL argument, an @index past the last
 * record, or a @rec_size smaller than the first version of the structure.
 */
int devmir_trace_get(struct devmir_trace *trace, uint64_t index,
		     struct devmir_trace_record *rec, size_t rec_size);

/**
 * devmir_record_start() - Record a handle's device calls into a trace.
 * @dev: The handle.
 * @trace: The trace. Several handles may record into one trace: each
 *	becomes the trace's next device number (the first also stamps the
 *	trace with its device's configuration and the policy in force; its
 *	devmir_set_policy() calls before the first record update that
 *	policy).
 *
 * From now on every devmir_access() (devmir_read(), devmir_write(), the
 * atomics) and devmir_migrate_range() (devmir_prefetch()) of @dev that
 * the device carried out appends a record: its buffer and offset (see
 * devmir_record_buffer(); a range of no named buffer is named after the
 * mapping that holds it, "map0", "map1", ...), size, kind, and the time
 * since the trace's first recording began.
 *
 * Context: Process context; must not race other calls on @dev.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL.
 * -EBUSY: @dev is already recording.
 * -ENOSPC: The trace already has %DEVMIR_TRACE_DEVICES_MAX devices.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: Out of memory.
 */
int devmir_record_start(struct devmir_dev *dev, struct devmir_trace *trace);

/**
 * devmir_record_buffer() - Name a range of memory in the recording.
 * @dev: A handle that records (devmir_record_start()).
 * @name: The buffer's name, as devmir_trace_add_buffer().
 * @addr: Page-aligned address of the buffer.
 * @size: Bytes, a non-zero multiple of 4096.
 *
 * Accesses and migrations inside [@addr, @addr + @size) are recorded as
 * offsets into @name, on every handle that records into the same trace.
 *
 * Context: Process context; serialised with the trace's other calls.
 * Return: The buffer's id, or a negative errno:
 * -EINVAL: An argument is NULL, @dev does not record, @addr or @size is
 * not page-aligned, or a bad name or size.
 * -EEXIST: The name is taken, or the range overlaps a named buffer.
 * -ENOSPC: The trace has %DEVMIR_TRACE_BUFFERS_MAX buffers.
 * -ENOMEM: Out of memory.
 */
int devmir_record_buffer(struct devmir_dev *dev, const char *name,
			 const void *addr, size_t size);

/**
 * devmir_record_stop() - Stop recording a handle's calls.
 * @dev: The handle.
 *
 * The trace keeps what was recorded; save it with devmir_trace_save().
 * devmir_close() stops a recording handle by itself.
 *
 * Context: Process context; must not race other calls on @dev.
 * Return: 0, or -EINVAL when @dev is NULL or does not record.
 */
int devmir_record_stop(struct devmir_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* _LIBDEVMIRROR_TRACE_H */
