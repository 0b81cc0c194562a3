/* SPDX-License-Identifier: GPL-2.0 */
/*
 * torture_model.h - the page model of devmirror_torture.
 *
 * A slot is a range of pages whose every 8-byte word holds a pattern word:
 * its own virtual address and the generation of the write that stored it.
 * Per page the model says what may be read there: which protection the CPU
 * mapping has, which generations (a modular range lo..hi), and whether
 * zeros (pages replaced or dropped). A reader snapshots the model before
 * and after its access; if the slot's sequence number did not move (and is
 * even), no mapping change overlapped the access and the model is exact.
 *
 * Locking protocol of a slot: mapping changes hold map_lock; content
 * writers (device WRITE, CPU refill) hold content_lock for write, device
 * reads and atomics for read, so a device read races mapping changes but
 * never a store to the same slot. Model fields change under state_lock
 * only; seq is odd while a mapping change is under way.
 */
#ifndef _DEVMIR_TORTURE_MODEL_H
#define _DEVMIR_TORTURE_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "stress.h"

#define TM_MAX_PAGES	512

/*
 * A pattern word: bits 0-46 its own virtual address, bits 47-62 the
 * generation of the write, bit 63 set only by forked children.
 */
#define TM_ADDR_MASK	((1ULL << 47) - 1)
#define TM_GEN_SHIFT	47
#define TM_CHILD	(1ULL << 63)

static inline uint64_t tm_pat(uint64_t va, uint16_t gen)
{
	return (va & TM_ADDR_MASK) | (uint64_t)gen << TM_GEN_SHIFT;
}

/* Protection of a page, in increasing order of what the device may do. */
enum tm_prot { TM_UNMAPPED, TM_NONE, TM_RO, TM_RW };
extern const char *const tm_prot_names[];
extern const int tm_prot_bits[];	/* PROT_* of each */

/**
 * struct tm_page - What one page of a slot may hold.
 * @prot: Its CPU mapping, an &enum tm_prot.
 * @zero_ok: It may read as zeros (replaced by a fresh mapping or dropped).
 * @has_gen: It may hold pattern words of generations @lo..@hi.
 * @pad: Zero.
 * @lo: Oldest allowed generation (modulo 2^16).
 * @hi: Newest allowed generation (modulo 2^16).
 */
struct tm_page {
	uint8_t prot;
	uint8_t zero_ok;
	uint8_t has_gen;
	uint8_t pad;
	uint16_t lo, hi;
};

/**
 * struct tm_slot - A slot of the arena and its model.
 * @addr: First byte.
 * @npages: Pages, at most %TM_MAX_PAGES.
 * @huge: Advised MADV_HUGEPAGE.
 * @map_lock: Held by mapping changes and CPU refills.
 * @content_lock: Read: device reads and atomics; write: content writers.
 * @state_lock: Protects every field below.
 * @seq: Bumped at the start and end of each mapping change.
 * @wepoch: Content writers started.
 * @writing: A content writer is running.
 * @next_gen: Generation of the next write.
 * @pm: The model of each page.
 */
struct tm_slot {
	uint8_t *addr;
	unsigned int npages;
	int huge;
	pthread_mutex_t map_lock;
	pthread_rwlock_t content_lock;
	pthread_mutex_t state_lock;
	uint64_t seq;
	uint64_t wepoch;
	int writing;
	uint16_t next_gen;
	struct tm_page pm[TM_MAX_PAGES];
};

/* Locks initialised (writers preferred), every page unmapped. */
void tm_slot_init(struct tm_slot *s, uint8_t *addr, unsigned int npages, int huge);

/* Whether word @w may be read at @va of a page modelled by @a or @b. */
int tm_word_ok(const struct tm_page *a, const struct tm_page *b, uint64_t va,
	       uint64_t w);
/*
 * Check the words of [@va, @va + @len) of slot @s, read into @buf, against
 * the models @a and @b (arrays indexed from page @p0 of the slot). Returns
 * the mismatches; *@first is the index of the first bad word.
 */
unsigned long tm_verify(const struct tm_slot *s, uint64_t va, uint64_t len,
			const uint64_t *buf, const struct tm_page *a,
			const struct tm_page *b, unsigned int p0, uint64_t *first);
/* Whether pages @m[0..@n) all have at least protection @min. */
int tm_all_prot(const struct tm_page *m, unsigned int n, int min);

/* A random run of pages: the whole slot (30 %) or up to 64 pages. */
void tm_pick_run(const struct tm_slot *s, struct dm_rng *rng, unsigned int *p0,
		 unsigned int *n);
/* A random run of up to 64 mapped pages (map_lock held); 0 if none. */
int tm_pick_mapped(const struct tm_slot *s, struct dm_rng *rng, unsigned int *p0,
		   unsigned int *n);

/*
 * In a forked child (only the forking thread survives): copy the model to
 * @out and return 1 if no mapping change or content write was under way at
 * fork time, else 0. Stores to the model after fork() started had to wait
 * for it, so the copy matches the child's memory.
 */
int tm_fork_snap(struct tm_slot *s, struct tm_page *out);

/* Copy pages [@p0, @p0 + @n) of the model and the sequence number. */
void tm_snap(struct tm_slot *s, unsigned int p0, unsigned int n,
	     struct tm_page *out, uint64_t *seq);
/* Whether snapshots with sequence numbers @a and @b bracket no change. */
static inline int tm_quiet(uint64_t a, uint64_t b)
{
	return a == b && !(a & 1);
}

/*
 * Mapping changes of pages [@p0, @p0 + @n) that keep the model in step;
 * map_lock held. A fresh mapping of a THP slot is advised MADV_HUGEPAGE
 * again. Each returns 0 or the -errno of its system call.
 */
int tm_munmap(struct tm_slot *s, unsigned int p0, unsigned int n);
int tm_mmap_fresh(struct tm_slot *s, unsigned int p0, unsigned int n);
int tm_mprotect(struct tm_slot *s, unsigned int p0, unsigned int n, int prot);
int tm_dontneed(struct tm_slot *s, unsigned int p0, unsigned int n);

/*
 * A device WRITE of pages [@p0, @p0 + @n), content_lock held for write:
 * begin allows the new generation (returned) and saves the model in
 * @saved; end narrows the pages to it if the write succeeded with nothing
 * racing, restores @saved if it was refused before any work, and keeps the
 * wider model otherwise. End returns whether nothing raced.
 */
uint16_t tm_write_begin(struct tm_slot *s, unsigned int p0, unsigned int n,
			struct tm_page *saved, uint64_t *seq);
int tm_write_end(struct tm_slot *s, unsigned int p0, unsigned int n, uint16_t gen,
		 const struct tm_page *saved, uint64_t seq, int ret);

/*
 * A CPU refill, map_lock and content_lock (write) held, or nothing else
 * running: tm_refill_map() maps the holes afresh and the whole slot
 * read-write (the caller may then check every word against the model from
 * the CPU), tm_refill_store() stores a new generation in every word.
 */
int tm_refill_map(struct tm_slot *s);
void tm_refill_store(struct tm_slot *s);

#endif /* _DEVMIR_TORTURE_MODEL_H */
