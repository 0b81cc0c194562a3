// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_args.c - the argument generator of devmirror_fuzz (see the header).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devmir_test.h"
#include "fuzz_args.h"
#include "hmm_uapi.h"

const char *const fz_kind_names[FZ_NR] = {
	"get_info", "access", "set_policy", "get_policy", "snapshot", "stats",
	"reset_stats", "migrate", "query", "raw", "version",
	"hmm_read", "hmm_write", "hmm_to_dev", "hmm_to_sys", "hmm_snapshot",
	"hmm_exclusive", "hmm_check_excl", "hmm_release", "hmm_raw",
};

/* Relative frequency of each kind (render node, then test_hmm). */
static const unsigned int fz_kind_weight[FZ_NR] = {
	4, 40, 8, 4, 15, 5, 3, 2, 6, 16, 5,
	20, 20, 12, 8, 10, 8, 5, 4, 10,
};

/*
 * The memory arguments may point at; RG_MIXED is a mapping of a test_hmm
 * compatible device file, or PROT_NONE without one.
 */
enum { RG_ARENA, RG_SMALL, RG_RO, RG_NONE, RG_SHM, RG_HOLE, RG_MIXED, RG_NR };
static struct {
	uint8_t *addr;
	size_t len;
} regions[RG_NR];

/*
 * The regions sit in one reservation, each between 64 KiB PROT_NONE
 * guards: a pointer a little past a region (near()) lands in a guard, never
 * in the program's own memory.
 */
int fz_setup_regions(int mixed_fd)
{
	size_t small = KIB(64), guard = KIB(64), total;
	uint8_t *p, *base;
	unsigned int i;
	int memfd;

	total = HUGE_2M + guard;
	for (i = RG_SMALL; i < RG_NR; i++)
		total += small + guard;
	base = buf_map_aligned(total + HUGE_2M, HUGE_2M, PROT_NONE, MAP_PRIVATE);
	if (base == MAP_FAILED)
		return -1;
	p = base + HUGE_2M;
	regions[RG_ARENA].addr = p;
	regions[RG_ARENA].len = HUGE_2M;
	p += HUGE_2M + guard;
	for (i = RG_SMALL; i < RG_NR; i++, p += small + guard) {
		regions[i].addr = p;
		regions[i].len = small;
	}
	for (i = RG_ARENA; i <= RG_RO; i++)
		if (mprotect(regions[i].addr, regions[i].len, PROT_READ | PROT_WRITE))
			return -1;
	madvise(regions[RG_ARENA].addr, HUGE_2M, MADV_HUGEPAGE);
	buf_fill(regions[RG_ARENA].addr, HUGE_2M, 1);
	buf_fill(regions[RG_SMALL].addr, small, 2);
	buf_fill(regions[RG_RO].addr, small, 3);
	mprotect(regions[RG_RO].addr, small, PROT_READ);
	memfd = memfd_create("devmirror_fuzz", 0);
	if (memfd < 0 || ftruncate(memfd, small) ||
	    mmap(regions[RG_SHM].addr, small, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, memfd, 0) == MAP_FAILED)
		return -1;
	close(memfd);
	munmap(regions[RG_HOLE].addr, small);
	if (mixed_fd >= 0 &&
	    mmap(regions[RG_MIXED].addr, small, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, mixed_fd, 0) == MAP_FAILED)
		return -1;
	return 0;
}

int fz_refresh_arena(void **arena)
{
	uint8_t *a = regions[RG_ARENA].addr;

	if (mmap(a, HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -errno;
	madvise(a, HUGE_2M, MADV_HUGEPAGE);
	buf_fill(a, HUGE_2M, 1);
	*arena = a;
	return 0;
}

int fz_drop_mixed_region(void)
{
	/* A PROT_NONE guard again, as without a device file. */
	return mmap(regions[RG_MIXED].addr, regions[RG_MIXED].len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0;
}

static uint64_t pick_u64(struct dm_rng *rng);

/* One of a few boundary values around @v. */
static uint64_t near(struct dm_rng *rng, uint64_t v)
{
	static const int64_t delta[] = { 0, 0, 0, 1, -1, 8, -8, 4096, -4096 };

	return v + delta[dm_rng_below(rng, ARRAY_SIZE(delta))];
}

static uint64_t pick_addr(struct dm_rng *rng)
{
	static const uint64_t consts[] = {
		0, 1, 8, 4095, 4096, 0x10000, 0x7ffffffff000ULL, 0x7fffffffffffULL,
		0x7ffffffffff8ULL, 0x800000000000ULL, 0xffff800000000000ULL,
		DM_KERNEL_ADDR, 0xffffffff81000000ULL, ~0ULL, ~0ULL - 4095,
		1ULL << 63, (1ULL << 63) - 4096,
	};
	unsigned int r = dm_rng_below(rng, RG_NR);
	uint64_t base = (uintptr_t)regions[r].addr, len = regions[r].len;

	switch (dm_rng_below(rng, 8)) {
	case 0:
		return consts[dm_rng_below(rng, ARRAY_SIZE(consts))];
	case 1:
		return dm_rng_next(rng);
	case 2:
		return near(rng, base + len);
	case 3:
		return base + dm_rng_below(rng, len);
	default:
		return near(rng, base + (dm_rng_below(rng, len) & ~(uint64_t)4095));
	}
}

static uint64_t pick_size(struct dm_rng *rng)
{
	static const uint64_t sizes[] = {
		0, 1, 7, 8, 9, 255, 256, 1023, 1024, 4095, 4096, 4097, 8192,
		65536, HUGE_2M - 1, HUGE_2M, HUGE_2M + 1, DRM_DEVMIR_ACCESS_MAX_SIZE - 1,
		DRM_DEVMIR_ACCESS_MAX_SIZE, DRM_DEVMIR_ACCESS_MAX_SIZE + 1,
		DRM_DEVMIR_MIGRATE_MAX_SIZE - 4096, DRM_DEVMIR_MIGRATE_MAX_SIZE,
		DRM_DEVMIR_MIGRATE_MAX_SIZE + 1, DRM_DEVMIR_MIGRATE_MAX_SIZE + 4096, ~0ULL,
		~0ULL - 4095, 1ULL << 63, 1ULL << 32,
	};

	switch (dm_rng_below(rng, 4)) {
	case 0:
		return dm_rng_below(rng, 65536);
	case 1:
		return pick_u64(rng);
	default:
		return sizes[dm_rng_below(rng, ARRAY_SIZE(sizes))];
	}
}

/* A 64-bit value: mostly small or boundary, sometimes anything. */
static uint64_t pick_u64(struct dm_rng *rng)
{
	switch (dm_rng_below(rng, 6)) {
	case 0:
		return 0;
	case 1:
		return dm_rng_below(rng, 16);
	case 2:
		return 1ULL << dm_rng_below(rng, 64);
	case 3:
		return (1ULL << dm_rng_below(rng, 64)) - 1;
	case 4:
		return ~0ULL;
	default:
		return dm_rng_next(rng);
	}
}

/* A field that must be 0 (pad, reserved flags): 0 most of the time. */
static uint32_t pick_zero32(struct dm_rng *rng)
{
	return dm_rng_percent(rng, 85) ? 0 : (uint32_t)pick_u64(rng);
}

/* A field of an argument structure, for mutations. */
struct field {
	unsigned short off, size;
};

#define FIELD(type, m)	{ offsetof(type, m), sizeof(((type *)0)->m) }

static const struct field access_fields[] = {
	FIELD(struct drm_devmir_access, addr), FIELD(struct drm_devmir_access, size),
	FIELD(struct drm_devmir_access, buffer), FIELD(struct drm_devmir_access, operand),
	FIELD(struct drm_devmir_access, compare), FIELD(struct drm_devmir_access, result),
	FIELD(struct drm_devmir_access, op), FIELD(struct drm_devmir_access, flags),
	FIELD(struct drm_devmir_access, engine), FIELD(struct drm_devmir_access, pad),
};

static const struct field policy_fields[] = {
	FIELD(struct drm_devmir_set_policy, flags),
	FIELD(struct drm_devmir_set_policy, fault_batch),
	FIELD(struct drm_devmir_set_policy, fault_window),
	FIELD(struct drm_devmir_set_policy, thrash_rounds),
	FIELD(struct drm_devmir_set_policy, thrash_hold_ms),
};

static const struct field snapshot_fields[] = {
	FIELD(struct drm_devmir_snapshot, addr), FIELD(struct drm_devmir_snapshot, npages),
	FIELD(struct drm_devmir_snapshot, buffer), FIELD(struct drm_devmir_snapshot, mapped),
	FIELD(struct drm_devmir_snapshot, flags), FIELD(struct drm_devmir_snapshot, pad),
};

static const struct field migrate_fields[] = {
	FIELD(struct drm_devmir_migrate, addr), FIELD(struct drm_devmir_migrate, size),
	FIELD(struct drm_devmir_migrate, migrated), FIELD(struct drm_devmir_migrate, already),
	FIELD(struct drm_devmir_migrate, absent), FIELD(struct drm_devmir_migrate, failed[0]),
	FIELD(struct drm_devmir_migrate, failed[7]), FIELD(struct drm_devmir_migrate, evicted),
	FIELD(struct drm_devmir_migrate, bytes_copied),
	FIELD(struct drm_devmir_migrate, direction), FIELD(struct drm_devmir_migrate, flags),
};

static const struct field hmm_fields[] = {
	FIELD(struct hmm_dmirror_cmd, addr), FIELD(struct hmm_dmirror_cmd, ptr),
	FIELD(struct hmm_dmirror_cmd, npages), FIELD(struct hmm_dmirror_cmd, cpages),
	FIELD(struct hmm_dmirror_cmd, faults),
};

/*
 * Most calls start valid and get one to three fields replaced by boundary
 * or random values; the rest keep their valid arguments and get deep.
 */
static void mutate(struct dm_rng *rng, void *arg, const struct field *fields,
		   unsigned int nfields)
{
	unsigned int i, n = dm_rng_percent(rng, 40) ? 0 : 1 + dm_rng_below(rng, 3);
	const struct field *fd;
	uint64_t v;

	for (i = 0; i < n; i++) {
		fd = &fields[dm_rng_below(rng, nfields)];
		switch (dm_rng_below(rng, 3)) {
		case 0:
			v = pick_u64(rng);
			break;
		case 1:
			v = pick_addr(rng);
			break;
		default:
			v = pick_size(rng);
			break;
		}
		memcpy((uint8_t *)arg + fd->off, &v, fd->size);
	}
}

/* A valid target: mostly read-write memory, sometimes RO/NONE/unmapped. */
static unsigned int pick_region(struct dm_rng *rng)
{
	static const unsigned int usable[] = { RG_ARENA, RG_ARENA, RG_SMALL, RG_SHM };

	if (dm_rng_percent(rng, 15))
		return RG_RO + dm_rng_below(rng, 3);
	return usable[dm_rng_below(rng, 4)];
}

/* A valid range inside region @r: [*addr, *addr + *len), len >= 1. */
static void pick_range(struct dm_rng *rng, unsigned int r, uint64_t align,
		       uint64_t *addr, uint64_t *len)
{
	uint64_t size = regions[r].len, off, max;

	off = dm_rng_below(rng, size) & ~(align - 1);
	max = size - off;
	*len = dm_rng_percent(rng, 70) ? 1 + dm_rng_below(rng, max < KIB(64) ? max : KIB(64)) :
	       dm_rng_percent(rng, 50) ? max : 1 + dm_rng_below(rng, max);
	*addr = (uintptr_t)regions[r].addr + off;
}

static void fill_access(struct dm_rng *rng, struct drm_devmir_access *a,
			const struct fz_device *dev)
{
	uint64_t addr, len, buf, blen;

	a->op = dm_rng_below(rng, 4);
	a->engine = dm_rng_below(rng, dev->engines);
	a->flags = dm_rng_percent(rng, 10) ? DRM_DEVMIR_ACCESS_NOFAULT :
		   dm_rng_percent(rng, 5) ? DRM_DEVMIR_ACCESS_UNLOCKED : 0;
	if (a->op <= DRM_DEVMIR_OP_WRITE) {
		pick_range(rng, pick_region(rng), 1, &addr, &len);
		pick_range(rng, pick_region(rng), 1, &buf, &blen);
		a->addr = addr;
		a->size = len < blen ? len : blen;
		a->buffer = buf;
	} else {
		pick_range(rng, pick_region(rng), 8, &addr, &len);
		a->addr = addr;
		a->size = 8;
		a->operand = pick_u64(rng);
		if (a->op == DRM_DEVMIR_OP_ATOMIC_CMPXCHG)
			a->compare = dm_rng_percent(rng, 50) ? *(uint64_t *)regions[RG_ARENA].addr :
				     pick_u64(rng);
	}
	mutate(rng, a, access_fields, ARRAY_SIZE(access_fields));
}

static void fill_policy(struct dm_rng *rng, struct drm_devmir_set_policy *p,
			const struct fz_device *dev)
{
	p->flags = 1 + dm_rng_below(rng, DRM_DEVMIR_POLICY_FLAGS);
	p->fault_batch = 1 + dm_rng_below(rng, dev->queue);
	p->fault_window = DRM_DEVMIR_WINDOW_MIN << dm_rng_below(rng, 10);
	p->thrash_rounds = dm_rng_below(rng, DRM_DEVMIR_THRASH_ROUNDS_MAX + 1);
	p->thrash_hold_ms = dm_rng_below(rng, DRM_DEVMIR_THRASH_HOLD_MAX_MS + 1);
	mutate(rng, p, policy_fields, ARRAY_SIZE(policy_fields));
}

static void fill_snapshot(struct dm_rng *rng, struct drm_devmir_snapshot *s)
{
	uint64_t addr, len, buf, blen;

	pick_range(rng, pick_region(rng), PAGE, &addr, &len);
	pick_range(rng, pick_region(rng), 1, &buf, &blen);
	s->addr = addr;
	s->npages = dm_rng_percent(rng, 70) ? (len + PAGE - 1) / PAGE : blen;
	s->buffer = buf;
	if (s->npages > blen)
		s->npages = blen;
	mutate(rng, s, snapshot_fields, ARRAY_SIZE(snapshot_fields));
}

/*
 * MIGRATE: a page-aligned run of a region (private, THP, shared memfd,
 * read-only, PROT_NONE or the hole), either direction, half PREFETCH;
 * output fields start as zeros and are mutated like the others. Runs are
 * mostly short (up to 16 pages): a migration costs far more than the other
 * calls, and big ones are the torture's business. One in fifty of the
 * arena's is the whole arena, a 2 MiB folio on either side where the
 * calls before have not split it.
 */
static void fill_migrate(struct dm_rng *rng, struct drm_devmir_migrate *m)
{
	unsigned int r = pick_region(rng);
	uint64_t addr, len;

	if (r == RG_ARENA && dm_rng_percent(rng, 2)) {
		addr = (uintptr_t)regions[RG_ARENA].addr;
		len = HUGE_2M;
	} else {
		pick_range(rng, r, PAGE, &addr, &len);
		if (len > 16 * PAGE && dm_rng_percent(rng, 90))
			len = 1 + dm_rng_below(rng, 16 * PAGE);
	}
	m->addr = addr;
	m->size = (len + PAGE - 1) & ~(PAGE - 1);
	m->direction = dm_rng_below(rng, 2);
	m->flags = dm_rng_percent(rng, 50) ? DRM_DEVMIR_MIGFLAG_PREFETCH : 0;
	mutate(rng, m, migrate_fields, ARRAY_SIZE(migrate_fields));
}

/* A kind in [@first, @last] by fz_kind_weight. */
static unsigned int pick_kind(struct dm_rng *rng, unsigned int first, unsigned int last)
{
	unsigned int total = 0, k;
	uint64_t r;

	for (k = first; k <= last; k++)
		total += fz_kind_weight[k];
	r = dm_rng_below(rng, total);
	for (k = first; r >= fz_kind_weight[k]; k++)
		r -= fz_kind_weight[k];
	return k;
}

/* Mostly at the start of the argument pages, sometimes straddling. */
static uint8_t *start_arg(struct dm_rng *rng, uint8_t *args)
{
	uint8_t *arg = args;

	if (dm_rng_percent(rng, 5))
		arg = args + FZ_ARG_PAGES * PAGE - 8 * (1 + dm_rng_below(rng, 32));
	memset(args, 0, FZ_ARG_PAGES * PAGE);
	return arg;
}

/*
 * A random bit of a typed argument flipped (5 %), the argument moved to
 * @arg, and 8 % of the time the pointer replaced: NULL, a kernel address,
 * unmapped or read-only.
 */
static void *finish_arg(struct dm_rng *rng, uint8_t *args, uint8_t *arg, size_t len,
			int typed)
{
	if (typed && dm_rng_percent(rng, 5))
		args[dm_rng_below(rng, len)] ^= 1 << dm_rng_below(rng, 8);
	if (arg != args)
		memmove(arg, args, len < (size_t)(args + FZ_ARG_PAGES * PAGE - arg) ?
			len : (size_t)(args + FZ_ARG_PAGES * PAGE - arg));

	switch (dm_rng_below(rng, 50)) {
	case 0:
		return NULL;
	case 1:
		return (uint8_t *)(uintptr_t)DM_KERNEL_ADDR;
	case 2:
		return regions[RG_HOLE].addr;
	case 3:
		return regions[RG_RO].addr;
	}
	return arg;
}

/* Random bytes, mostly zero words, in the first @len bytes of @args. */
static void fill_raw(struct dm_rng *rng, uint8_t *args, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = dm_rng_percent(rng, 70) ? 0 : pick_u64(rng);

		memcpy(args + i, &v, len - i < 8 ? len - i : 8);
	}
}

unsigned long fz_build_call(struct dm_rng *rng, uint8_t *args,
			    const struct fz_device *dev, unsigned int *kind, void **argp)
{
	unsigned long cmd = 0;
	unsigned int k;
	uint8_t *arg;
	size_t len;

	k = pick_kind(rng, FZ_GET_INFO, FZ_VERSION);
	*kind = k;
	arg = start_arg(rng, args);

	switch (k) {
	case FZ_GET_INFO:
		{;
		struct drm_devmir_get_info *a = (void *)args;

		a->flags = pick_zero32(rng);
		a->pad = pick_zero32(rng);
		cmd = DRM_IOCTL_DEVMIR_GET_INFO;
		len = sizeof(*a);
		break;
	}
	case FZ_ACCESS:
		fill_access(rng, (void *)args, dev);
		cmd = DRM_IOCTL_DEVMIR_ACCESS;
		len = sizeof(struct drm_devmir_access);
		break;
	case FZ_SET_POLICY:
		fill_policy(rng, (void *)args, dev);
		cmd = DRM_IOCTL_DEVMIR_SET_POLICY;
		len = sizeof(struct drm_devmir_set_policy);
		break;
	case FZ_GET_POLICY:
		{;
		struct drm_devmir_get_policy *a = (void *)args;

		a->flags = pick_zero32(rng);
		cmd = DRM_IOCTL_DEVMIR_GET_POLICY;
		len = sizeof(*a);
		break;
	}
	case FZ_SNAPSHOT:
		fill_snapshot(rng, (void *)args);
		cmd = DRM_IOCTL_DEVMIR_SNAPSHOT;
		len = sizeof(struct drm_devmir_snapshot);
		break;
	case FZ_MIGRATE:
		fill_migrate(rng, (void *)args);
		cmd = DRM_IOCTL_DEVMIR_MIGRATE;
		len = sizeof(struct drm_devmir_migrate);
		break;
	case FZ_STATS:
	case FZ_RESET_STATS:
		{;
		struct drm_devmir_reset_stats *a = (void *)args;

		a->flags = dm_rng_percent(rng, 80) ? dm_rng_below(rng, 3) :
			   (uint32_t)pick_u64(rng);
		a->pad = pick_zero32(rng);
		cmd = k == FZ_STATS ? DRM_IOCTL_DEVMIR_STATS : DRM_IOCTL_DEVMIR_RESET_STATS;
		len = k == FZ_STATS ? sizeof(struct drm_devmir_stats) : sizeof(*a);
		break;
	}
	case FZ_QUERY:
		{;
		struct drm_devmir_query *a = (void *)args;

		/* Mostly valid queries and sizes, so that answers get written. */
		a->query = dm_rng_percent(rng, 90) ? dm_rng_below(rng, 2) :
			   (uint32_t)pick_u64(rng);
		a->flags = dm_rng_percent(rng, 80) ? dm_rng_below(rng, 2) :
			   (uint32_t)pick_u64(rng);
		a->size = dm_rng_percent(rng, 30) ? 0 :
			  dm_rng_percent(rng, 70) ? dm_rng_below(rng, 4096) :
			  (uint32_t)pick_size(rng);
		a->pad = pick_zero32(rng);
		a->data = pick_addr(rng);
		a->reserved[0] = pick_zero32(rng);
		a->reserved[1] = (uint64_t)pick_zero32(rng) << 32;
		cmd = DRM_IOCTL_DEVMIR_QUERY;
		len = sizeof(*a);
		break;
	}
	case FZ_VERSION:
		{;
		struct drm_version *v = (void *)args;

		v->name_len = dm_rng_percent(rng, 50) ? dm_rng_below(rng, 64) : pick_size(rng);
		v->name = (char *)(uintptr_t)pick_addr(rng);
		v->date_len = dm_rng_percent(rng, 50) ? dm_rng_below(rng, 64) : pick_size(rng);
		v->date = (char *)(uintptr_t)pick_addr(rng);
		v->desc_len = dm_rng_percent(rng, 50) ? dm_rng_below(rng, 64) : pick_size(rng);
		v->desc = (char *)(uintptr_t)pick_addr(rng);
		cmd = DRM_IOCTL_VERSION;
		len = sizeof(*v);
		break;
	}
	default:
		{;
		/* Driver-range number, any direction and size, random bytes. */
		unsigned int nr = DRM_COMMAND_BASE + (dm_rng_percent(rng, 50) ?
			dm_rng_below(rng, 10) : dm_rng_below(rng, 0xa0 - DRM_COMMAND_BASE));
		unsigned int size = dm_rng_percent(rng, 50) ? dm_rng_below(rng, 512) :
				    dm_rng_below(rng, 1 << 14);

		cmd = _IOC(dm_rng_below(rng, 4), DRM_IOCTL_BASE, nr, size);
		len = size < FZ_ARG_PAGES * PAGE ? size : FZ_ARG_PAGES * PAGE;
		fill_raw(rng, args, len);
		break;
	}
	}
	*argp = finish_arg(rng, args, arg, len, k != FZ_RAW);
	return cmd;
}

/*
 * A test_hmm command: target pages in a region (the device-file mapping
 * 15 % of the time), bounce buffer @ptr in a region with room for the
 * pages (bytes per page: 1 for SNAPSHOT, 4096 for the commands that copy
 * data), then fields replaced.
 */
static void fill_hmm(struct dm_rng *rng, struct hmm_dmirror_cmd *c, unsigned int kind)
{
	unsigned int r = dm_rng_percent(rng, 15) ? RG_MIXED : pick_region(rng);
	uint64_t addr, len, buf, blen, per = kind == FZ_HMM_SNAPSHOT ? 1 : PAGE;

	pick_range(rng, r, PAGE, &addr, &len);
	pick_range(rng, pick_region(rng), 1, &buf, &blen);
	c->addr = addr;
	c->npages = (len + PAGE - 1) / PAGE;
	if (blen / per && c->npages > blen / per && dm_rng_percent(rng, 80))
		c->npages = blen / per;
	c->ptr = buf;
	mutate(rng, c, hmm_fields, ARRAY_SIZE(hmm_fields));
}

unsigned long fz_build_hmm_call(struct dm_rng *rng, uint8_t *args, unsigned int *kind,
				void **argp)
{
	static const unsigned long cmds[] = {
		HMM_DMIRROR_READ, HMM_DMIRROR_WRITE, HMM_DMIRROR_MIGRATE_TO_DEV,
		HMM_DMIRROR_MIGRATE_TO_SYS, HMM_DMIRROR_SNAPSHOT, HMM_DMIRROR_EXCLUSIVE,
		HMM_DMIRROR_CHECK_EXCLUSIVE, HMM_DMIRROR_RELEASE,
	};
	unsigned int k = pick_kind(rng, FZ_HMM_READ, FZ_HMM_RAW), size;
	unsigned long cmd;
	uint8_t *arg;
	size_t len;

	*kind = k;
	arg = start_arg(rng, args);
	if (k == FZ_HMM_RAW) {
		size = dm_rng_percent(rng, 50) ? dm_rng_below(rng, 64) :
		       dm_rng_below(rng, 1 << 14);
		cmd = _IOC(dm_rng_below(rng, 4), 'H', dm_rng_below(rng, 0x20), size);
		len = size < FZ_ARG_PAGES * PAGE ? size : FZ_ARG_PAGES * PAGE;
		fill_raw(rng, args, len);
	} else {
		fill_hmm(rng, (void *)args, k);
		cmd = cmds[k - FZ_HMM_READ];
		len = sizeof(struct hmm_dmirror_cmd);
	}
	*argp = finish_arg(rng, args, arg, len, k != FZ_HMM_RAW);
	return cmd;
}

