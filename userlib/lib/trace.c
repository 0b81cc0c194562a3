// SPDX-License-Identifier: MIT
/*
 * trace.c - device access traces: the object in memory, its checks, and
 * the file format (docs/replay.md): a 96-byte header, a table of 48-byte
 * buffer entries, 32-byte records, every field little-endian.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#define DEVMIR_TRACE_PAGE 4096ULL
/* A file larger than this is not read at all (4096 buffers, 2^29 records). */
#define DEVMIR_TRACE_FILE_MAX (16ULL << 30)

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, v);
	put_le32(p + 4, v >> 32);
}

static uint16_t get_le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

int devmir_trace_create(const struct devmir_trace_config *user,
			struct devmir_trace **tracep)
{
	struct devmir_trace_config config = DEVMIR_INIT(config);
	struct devmir_trace *trace;
	int ret;

	if (!tracep)
		return -EINVAL;
	config.devices = 1;
	if (user) {
		ret = devmir_struct_in(&config, user, sizeof(config),
				       DEVMIR_TRACE_CONFIG_SIZE_3_2);
		if (ret)
			return ret;
		config.struct_size = sizeof(config);
	}
	if (!config.devices || config.devices > DEVMIR_TRACE_DEVICES_MAX ||
	    config.has_policy > 1)
		return -EINVAL;
	trace = calloc(1, sizeof(*trace));
	if (!trace)
		return -ENOMEM;
	pthread_mutex_init(&trace->lock, NULL);
	trace->config = config;
	*tracep = trace;
	return 0;
}

void devmir_trace_destroy(struct devmir_trace *trace)
{
	if (!trace)
		return;
	pthread_mutex_destroy(&trace->lock);
	free(trace->bufs);
	free(trace->recs);
	free(trace);
}

/* 1 to 31 characters of [A-Za-z0-9_.-] before a NUL. */
static bool devmir_trace_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= DEVMIR_TRACE_NAME_MAX - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return i > 0;
}

int __devmir_trace_add_buffer(struct devmir_trace *trace, const char *name,
			      uint64_t size)
{
	struct devmir_trace_buf *bufs;
	unsigned int i;

	if (!devmir_trace_name_ok(name))
		return devmir_set_error(
			-EINVAL,
			"bad buffer name (1 to %d of A-Z a-z 0-9 _ . -)",
			DEVMIR_TRACE_NAME_MAX - 1);
	if (!size || size % DEVMIR_TRACE_PAGE || size > DEVMIR_TRACE_BUFFER_MAX)
		return devmir_set_error(
			-EINVAL,
			"buffer '%s': size %llu is not a multiple of 4096 from 4096 to 1 TiB",
			name, (unsigned long long)size);
	for (i = 0; i < trace->nbufs; i++)
		if (!strcmp(trace->bufs[i].name, name))
			return devmir_set_error(
				-EEXIST, "buffer '%s' named twice", name);
	if (trace->nbufs == DEVMIR_TRACE_BUFFERS_MAX)
		return devmir_set_error(-ENOSPC, "more than %d buffers",
					DEVMIR_TRACE_BUFFERS_MAX);
	if (trace->nbufs == trace->bufs_cap) {
		unsigned int cap = trace->bufs_cap ? trace->bufs_cap * 2 : 8;

		bufs = reallocarray(trace->bufs, cap, sizeof(*bufs));
		if (!bufs)
			return -ENOMEM;
		trace->bufs = bufs;
		trace->bufs_cap = cap;
	}
	memset(&trace->bufs[trace->nbufs], 0, sizeof(trace->bufs[0]));
	strcpy(trace->bufs[trace->nbufs].name, name);
	trace->bufs[trace->nbufs].size = size;
	return trace->nbufs++;
}

int devmir_trace_add_buffer(struct devmir_trace *trace, const char *name,
			    uint64_t size)
{
	int ret;

	if (!trace || !name)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	ret = __devmir_trace_add_buffer(trace, name, size);
	pthread_mutex_unlock(&trace->lock);
	return ret;
}

/* The kinds each op has (enum devmir_op, devmir_migdir, CPU read/write). */
static unsigned int devmir_trace_kinds(unsigned int op)
{
	switch (op) {
	case DEVMIR_TRACE_ACCESS:
		return 4;
	case DEVMIR_TRACE_MIGRATE:
	case DEVMIR_TRACE_CPU:
		return 2;
	}
	return 0;
}

/*
 * Check a record against the trace it is to join. -EINVAL with the reason
 * in devmir_last_error(), prefixed by "record N: ".
 */
static int devmir_trace_check(const struct devmir_trace *trace,
			      const struct devmir_trace_record *rec)
{
	unsigned long long n = trace->nrecs;
	const struct devmir_trace_buf *buf;

	if (!devmir_trace_kinds(rec->op))
		return devmir_set_error(-EINVAL, "record %llu: unknown op %u",
					n, rec->op);
	if (rec->kind >= devmir_trace_kinds(rec->op))
		return devmir_set_error(-EINVAL,
					"record %llu: unknown kind %u of op %u",
					n, rec->kind, rec->op);
	if (rec->device >= trace->config.devices ||
	    (rec->op == DEVMIR_TRACE_CPU && rec->device))
		return devmir_set_error(
			-EINVAL, "record %llu: device %u of a trace of %u", n,
			rec->device, trace->config.devices);
	if (rec->buffer >= trace->nbufs)
		return devmir_set_error(
			-EINVAL, "record %llu: buffer %u of a table of %u", n,
			rec->buffer, trace->nbufs);
	buf = &trace->bufs[rec->buffer];
	if (!rec->size || rec->offset > buf->size ||
	    rec->size > buf->size - rec->offset)
		return devmir_set_error(
			-EINVAL,
			"record %llu: offset %llu + size %llu beyond buffer '%s' of %llu bytes",
			n, (unsigned long long)rec->offset,
			(unsigned long long)rec->size, buf->name,
			(unsigned long long)buf->size);
	if (rec->op == DEVMIR_TRACE_MIGRATE &&
	    (rec->offset % DEVMIR_TRACE_PAGE || rec->size % DEVMIR_TRACE_PAGE))
		return devmir_set_error(
			-EINVAL, "record %llu: migration not page-aligned", n);
	if (rec->op == DEVMIR_TRACE_ACCESS &&
	    rec->kind >= DEVMIR_OP_ATOMIC_ADD &&
	    (rec->size != 8 || rec->offset % 8))
		return devmir_set_error(
			-EINVAL, "record %llu: atomic not 8 aligned bytes", n);
	if (n && rec->time_ns < trace->recs[n - 1].time_ns)
		return devmir_set_error(
			-EINVAL,
			"record %llu: time %llu ns before the previous record's",
			n, (unsigned long long)rec->time_ns);
	return 0;
}

int __devmir_trace_append(struct devmir_trace *trace,
			  const struct devmir_trace_record *rec)
{
	struct devmir_trace_record *recs;
	int ret;

	ret = devmir_trace_check(trace, rec);
	if (ret)
		return ret;
	if (trace->nrecs == trace->recs_cap) {
		uint64_t cap = trace->recs_cap ? trace->recs_cap * 2 : 256;

		recs = reallocarray(trace->recs, cap, sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		trace->recs = recs;
		trace->recs_cap = cap;
	}
	trace->recs[trace->nrecs++] = *rec;
	return 0;
}

int devmir_trace_append(struct devmir_trace *trace,
			const struct devmir_trace_record *user, size_t rec_size)
{
	struct devmir_trace_record rec;
	int ret;

	if (!trace || !user || rec_size < DEVMIR_TRACE_RECORD_SIZE_3_2)
		return -EINVAL;
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, user, rec_size < sizeof(rec) ? rec_size : sizeof(rec));
	pthread_mutex_lock(&trace->lock);
	ret = __devmir_trace_append(trace, &rec);
	pthread_mutex_unlock(&trace->lock);
	return ret;
}

int devmir_trace_get_config(struct devmir_trace *trace,
			    struct devmir_trace_config *config)
{
	struct devmir_trace_config copy;

	if (!trace || !config)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	copy = trace->config;
	pthread_mutex_unlock(&trace->lock);
	return devmir_struct_out(config, &copy, sizeof(copy),
				 DEVMIR_TRACE_CONFIG_SIZE_3_2);
}

int devmir_trace_counts(struct devmir_trace *trace, unsigned int *buffers,
			uint64_t *records, uint64_t *dropped)
{
	if (!trace)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	if (buffers)
		*buffers = trace->nbufs;
	if (records)
		*records = trace->nrecs;
	if (dropped)
		*dropped = trace->dropped;
	pthread_mutex_unlock(&trace->lock);
	return 0;
}

int devmir_trace_buffer(struct devmir_trace *trace, unsigned int id,
			const char **name, uint64_t *size)
{
	int ret = -EINVAL;

	if (!trace)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	if (id < trace->nbufs) {
		if (name)
			*name = trace->bufs[id].name;
		if (size)
			*size = trace->bufs[id].size;
		ret = 0;
	}
	pthread_mutex_unlock(&trace->lock);
	return ret;
}

int devmir_trace_get(struct devmir_trace *trace, uint64_t index,
		     struct devmir_trace_record *rec, size_t rec_size)
{
	int ret = -EINVAL;

	if (!trace || !rec || rec_size < DEVMIR_TRACE_RECORD_SIZE_3_2)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	if (index < trace->nrecs) {
		devmir_entry_out(rec, rec_size, &trace->recs[index],
				 sizeof(*rec));
		ret = 0;
	}
	pthread_mutex_unlock(&trace->lock);
	return ret;
}

/* The header, from a trace's configuration and counts. */
static void devmir_trace_put_header(uint8_t *h, const struct devmir_trace *t)
{
	const struct devmir_trace_config *c = &t->config;

	memset(h, 0, DEVMIR_TRACE_HEADER_SIZE);
	memcpy(h, DEVMIR_TRACE_MAGIC, sizeof(DEVMIR_TRACE_MAGIC));
	put_le16(h + 8, DEVMIR_TRACE_FORMAT);
	put_le16(h + 10, DEVMIR_TRACE_HEADER_SIZE);
	put_le16(h + 12, DEVMIR_TRACE_ENTRY_SIZE);
	put_le16(h + 14, DEVMIR_TRACE_RECORD_SIZE);
	put_le32(h + 16, c->devices);
	put_le32(h + 20, t->nbufs);
	put_le64(h + 24, t->nrecs);
	put_le32(h + 32, c->engines);
	put_le32(h + 36, c->fault_queue_entries);
	put_le64(h + 40, c->device_memory);
	put_le32(h + 48, c->has_policy);
	put_le32(h + 52, c->fault_batch);
	put_le64(h + 56, c->fault_window);
	put_le32(h + 64, c->migrate_mode);
	put_le32(h + 68, c->migrate_threshold);
	put_le64(h + 72, c->ram_window);
	put_le32(h + 80, c->thrash_rounds);
	put_le32(h + 84, c->thrash_hold_ms);
	/* 88..95: reserved, zero. */
}

static void devmir_trace_put_record(uint8_t *p,
				    const struct devmir_trace_record *rec)
{
	put_le64(p, rec->time_ns);
	put_le64(p + 8, rec->offset);
	put_le64(p + 16, rec->size);
	put_le32(p + 24, rec->buffer);
	p[28] = rec->op;
	p[29] = rec->kind;
	p[30] = rec->device;
	p[31] = 0;
}

/* Write all of @len bytes; 0 or a negative errno. */
static int devmir_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -(errno ? errno : EIO);
		p += n;
		len -= n;
	}
	return 0;
}

/* Records are written this many at a time. */
#define DEVMIR_TRACE_CHUNK 1024

static int __devmir_trace_save(struct devmir_trace *t, int fd)
{
	uint8_t chunk[DEVMIR_TRACE_CHUNK * DEVMIR_TRACE_RECORD_SIZE];
	uint64_t i, n;
	unsigned int b;
	uint8_t *p;
	int ret;

	devmir_trace_put_header(chunk, t);
	ret = devmir_write_all(fd, chunk, DEVMIR_TRACE_HEADER_SIZE);
	for (b = 0; !ret && b < t->nbufs; b++) {
		memset(chunk, 0, DEVMIR_TRACE_ENTRY_SIZE);
		memcpy(chunk, t->bufs[b].name, strlen(t->bufs[b].name));
		put_le64(chunk + 32, t->bufs[b].size);
		ret = devmir_write_all(fd, chunk, DEVMIR_TRACE_ENTRY_SIZE);
	}
	for (i = 0; !ret && i < t->nrecs; i += n) {
		n = t->nrecs - i < DEVMIR_TRACE_CHUNK ? t->nrecs - i :
							DEVMIR_TRACE_CHUNK;
		for (p = chunk, b = 0; b < n;
		     b++, p += DEVMIR_TRACE_RECORD_SIZE)
			devmir_trace_put_record(p, &t->recs[i + b]);
		ret = devmir_write_all(fd, chunk, n * DEVMIR_TRACE_RECORD_SIZE);
	}
	return ret;
}

int devmir_trace_save(struct devmir_trace *trace, const char *path)
{
	int fd, ret;

	if (!trace || !path)
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return devmir_set_error(-(errno ? errno : EIO), "%s: %s", path,
					strerror(errno));
	pthread_mutex_lock(&trace->lock);
	ret = __devmir_trace_save(trace, fd);
	pthread_mutex_unlock(&trace->lock);
	if (close(fd) && !ret)
		ret = -(errno ? errno : EIO);
	if (ret)
		devmir_set_error(ret, "%s: %s", path, strerror(-ret));
	return ret;
}

/*
 * Read the whole file: its real length is what every count of the header
 * is checked against. 0 or a negative errno.
 */
static int devmir_read_file(const char *path, uint8_t **datap, size_t *lenp)
{
	size_t len = 0, cap = 0;
	uint8_t *data = NULL, *bigger;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return devmir_set_error(-(errno ? errno : EIO), "%s: %s", path,
					strerror(errno));
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > DEVMIR_TRACE_FILE_MAX) {
				n = -1;
				errno = EFBIG;
				break;
			}
			bigger = realloc(data, cap);
			if (!bigger) {
				n = -1;
				errno = ENOMEM;
				break;
			}
			data = bigger;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (n < 0) {
		free(data);
		if (errno == ENOMEM)
			return -ENOMEM;
		if (errno == EFBIG)
			return devmir_set_error(
				-EPROTO, "%s: larger than any trace", path);
		return devmir_set_error(-(errno ? errno : EIO), "%s: %s", path,
					strerror(errno));
	}
	*datap = data;
	*lenp = len;
	return 0;
}

/* Parse a file's bytes; -EPROTO or -EOPNOTSUPP with the reason set. */
static int devmir_trace_parse(struct devmir_trace *t, const uint8_t *d,
			      size_t len)
{
	struct devmir_trace_config *c = &t->config;
	struct devmir_trace_record rec;
	uint64_t nrecs, need, i;
	unsigned int nbufs, b;
	const uint8_t *p;
	char name[DEVMIR_TRACE_NAME_MAX];
	int ret;

	if (len < 8 || memcmp(d, DEVMIR_TRACE_MAGIC, 8))
		return devmir_set_error(-EPROTO,
					"not a devmirror trace (bad magic)");
	if (len < DEVMIR_TRACE_HEADER_SIZE)
		return devmir_set_error(-EPROTO,
					"truncated header: %zu of %d bytes",
					len, DEVMIR_TRACE_HEADER_SIZE);
	if (get_le16(d + 8) != DEVMIR_TRACE_FORMAT)
		return devmir_set_error(
			-EOPNOTSUPP,
			"trace format version %u, this library reads %d",
			get_le16(d + 8), DEVMIR_TRACE_FORMAT);
	if (get_le16(d + 10) != DEVMIR_TRACE_HEADER_SIZE ||
	    get_le16(d + 12) != DEVMIR_TRACE_ENTRY_SIZE ||
	    get_le16(d + 14) != DEVMIR_TRACE_RECORD_SIZE)
		return devmir_set_error(
			-EPROTO, "header, entry or record size not %d, %d, %d",
			DEVMIR_TRACE_HEADER_SIZE, DEVMIR_TRACE_ENTRY_SIZE,
			DEVMIR_TRACE_RECORD_SIZE);
	c->devices = get_le32(d + 16);
	nbufs = get_le32(d + 20);
	nrecs = get_le64(d + 24);
	c->engines = get_le32(d + 32);
	c->fault_queue_entries = get_le32(d + 36);
	c->device_memory = get_le64(d + 40);
	c->has_policy = get_le32(d + 48);
	c->fault_batch = get_le32(d + 52);
	c->fault_window = get_le64(d + 56);
	c->migrate_mode = get_le32(d + 64);
	c->migrate_threshold = get_le32(d + 68);
	c->ram_window = get_le64(d + 72);
	c->thrash_rounds = get_le32(d + 80);
	c->thrash_hold_ms = get_le32(d + 84);
	if (!c->devices || c->devices > DEVMIR_TRACE_DEVICES_MAX)
		return devmir_set_error(-EPROTO, "%u devices (1 to %d)",
					c->devices, DEVMIR_TRACE_DEVICES_MAX);
	if (c->has_policy > 1 || get_le64(d + 88))
		return devmir_set_error(
			-EPROTO,
			"policy flag %u or reserved header bytes not 0",
			c->has_policy);
	if (!c->has_policy &&
	    (c->fault_batch || c->fault_window || c->migrate_mode ||
	     c->migrate_threshold || c->ram_window || c->thrash_rounds ||
	     c->thrash_hold_ms))
		return devmir_set_error(
			-EPROTO, "policy values in a trace without a policy");
	if (c->has_policy && c->migrate_mode > DEVMIR_MIGMODE_THRESHOLD)
		return devmir_set_error(-EPROTO, "unknown migrate mode %u",
					c->migrate_mode);
	if (nbufs > DEVMIR_TRACE_BUFFERS_MAX)
		return devmir_set_error(-EPROTO, "%u buffers (at most %d)",
					nbufs, DEVMIR_TRACE_BUFFERS_MAX);
	/* Every count is proved by the file's length before it is used. */
	need = DEVMIR_TRACE_HEADER_SIZE +
	       (uint64_t)nbufs * DEVMIR_TRACE_ENTRY_SIZE;
	if (len < need)
		return devmir_set_error(
			-EPROTO,
			"truncated buffer table: %u entries need %llu bytes, the file has %zu",
			nbufs, (unsigned long long)need, len);
	if (nrecs > (len - need) / DEVMIR_TRACE_RECORD_SIZE)
		return devmir_set_error(
			-EPROTO,
			"truncated records: the header says %llu, the file holds %llu",
			(unsigned long long)nrecs,
			(unsigned long long)((len - need) /
					     DEVMIR_TRACE_RECORD_SIZE));
	need += nrecs * DEVMIR_TRACE_RECORD_SIZE;
	if (len != need)
		return devmir_set_error(
			-EPROTO, "%llu stray bytes after the last record",
			(unsigned long long)(len - need));

	p = d + DEVMIR_TRACE_HEADER_SIZE;
	for (b = 0; b < nbufs; b++, p += DEVMIR_TRACE_ENTRY_SIZE) {
		size_t nl = strnlen((const char *)p, DEVMIR_TRACE_NAME_MAX);

		if (nl == DEVMIR_TRACE_NAME_MAX)
			return devmir_set_error(
				-EPROTO, "buffer %u: name not NUL-terminated",
				b);
		for (i = nl; i < DEVMIR_TRACE_NAME_MAX; i++)
			if (p[i])
				return devmir_set_error(
					-EPROTO,
					"buffer %u: bytes after the name's NUL",
					b);
		if (get_le64(p + 40))
			return devmir_set_error(
				-EPROTO, "buffer %u: reserved bytes not 0", b);
		memcpy(name, p, DEVMIR_TRACE_NAME_MAX);
		ret = __devmir_trace_add_buffer(t, name, get_le64(p + 32));
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			snprintf(name, sizeof(name), "buffer %u: ", b);
			return devmir_prefix_error(-EPROTO, name);
		}
	}
	if (nrecs && !t->nbufs)
		return devmir_set_error(-EPROTO, "records without buffers");
	t->recs = calloc(nrecs ? nrecs : 1, sizeof(*t->recs));
	if (!t->recs)
		return -ENOMEM;
	t->recs_cap = nrecs ? nrecs : 1;
	for (i = 0; i < nrecs; i++, p += DEVMIR_TRACE_RECORD_SIZE) {
		rec.time_ns = get_le64(p);
		rec.offset = get_le64(p + 8);
		rec.size = get_le64(p + 16);
		rec.buffer = get_le32(p + 24);
		rec.op = p[28];
		rec.kind = p[29];
		rec.device = p[30];
		if (p[31])
			return devmir_set_error(
				-EPROTO, "record %llu: reserved byte not 0",
				(unsigned long long)i);
		ret = __devmir_trace_append(t, &rec);
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return -EPROTO; /* the reason is set */
	}
	return 0;
}

int devmir_trace_load(const char *path, struct devmir_trace **tracep)
{
	struct devmir_trace *trace;
	uint8_t *data = NULL;
	size_t len = 0;
	char *prefix;
	int ret;

	if (!path || !tracep)
		return -EINVAL;
	ret = devmir_read_file(path, &data, &len);
	if (ret)
		return ret;
	ret = devmir_trace_create(NULL, &trace);
	if (ret) {
		free(data);
		return ret;
	}
	ret = devmir_trace_parse(trace, data, len);
	free(data);
	if (ret) {
		if (ret == -ENOMEM)
			devmir_set_error(ret, "out of memory");
		prefix = malloc(strlen(path) + 3);
		if (prefix) {
			sprintf(prefix, "%s: ", path);
			devmir_prefix_error(ret, prefix);
			free(prefix);
		}
		devmir_trace_destroy(trace);
		return ret;
	}
	*tracep = trace;
	return 0;
}
