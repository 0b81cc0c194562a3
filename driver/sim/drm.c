// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - the DRM render node of a simulated device and its ioctls
 * (GET_INFO, ACCESS, SET/GET_POLICY, SNAPSHOT, STATS, RESET_STATS, MIGRATE,
 * QUERY).
 *
 * Each open file is bound to the mirror of the process that opened it; all
 * opens of one process share that mirror. Every ioctl validates its whole
 * argument (flags, pad, alignment, overflow, counts, user pointers) before
 * it changes anything, and refuses to run for another process than the one
 * that opened the file (-EBADF): a file inherited over fork() or passed
 * over a socket does not give access to the opener's address space.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>

#define DRM_DEVMIR_NO_DEPRECATED	/* the driver uses ABI 2 names only */
#include "devmirror_compat.h"
#include "devmirror_drm.h"
#include "devmirror_testing.h"
#include "sim.h"

#define SIM_SNAPSHOT_CHUNK	4096UL	/* pages per devmir_mirror_snapshot() */

static_assert(DRM_DEVMIR_SNAP_READ == DEVMIR_SNAP_READ);
static_assert(DRM_DEVMIR_SNAP_WRITE == DEVMIR_SNAP_WRITE);
static_assert(DRM_DEVMIR_SNAP_DEV_LOCAL == DEVMIR_SNAP_DEV_LOCAL);
static_assert(DRM_DEVMIR_SNAP_DEV_REMOTE == DEVMIR_SNAP_DEV_REMOTE);
static_assert(DRM_DEVMIR_SNAP_EXCLUSIVE == DEVMIR_SNAP_EXCLUSIVE);
static_assert(DRM_DEVMIR_SNAP_LEVEL_SHIFT == DEVMIR_SNAP_LEVEL_SHIFT);
static_assert(DRM_DEVMIR_MAX_LEVELS >= DMPT_MAX_LEVELS);
static_assert(DRM_DEVMIR_WINDOW_MIN == DEVMIR_WINDOW_MIN);
static_assert(DRM_DEVMIR_WINDOW_MAX == DEVMIR_WINDOW_MAX);
static_assert(DRM_DEVMIR_WINDOW_ADAPTIVE == DEVMIR_WINDOW_ADAPTIVE);
static_assert(DRM_DEVMIR_THRASH_ROUNDS_MAX == DEVMIR_THRASH_ROUNDS_MAX);
static_assert(DRM_DEVMIR_THRASH_HOLD_MAX_MS == DEVMIR_THRASH_HOLD_MAX_MS);
static_assert(DRM_DEVMIR_THRASH_WINDOW_MS == DEVMIR_THRASH_WINDOW_MS);
static_assert(DRM_DEVMIR_THRESHOLD_MAX == DEVMIR_THRESHOLD_MAX);
static_assert(DRM_DEVMIR_MIGMODE_OFF == DEVMIR_POLICY_OFF);
static_assert(DRM_DEVMIR_MIGMODE_FIRST_FAULT == DEVMIR_POLICY_FIRST_FAULT);
static_assert(DRM_DEVMIR_MIGMODE_THRESHOLD == DEVMIR_POLICY_THRESHOLD);
static_assert(DRM_DEVMIR_MIGDIR_TO_DEVICE == DEVMIR_MIGRATE_TO_DEVICE);
static_assert(DRM_DEVMIR_MIGDIR_TO_SYSTEM == DEVMIR_MIGRATE_TO_SYSTEM);
static_assert(DRM_DEVMIR_MIGFLAG_PREFETCH == DEVMIR_MIGRATE_PREFETCH);
static_assert(DRM_DEVMIR_MIGFAIL_VMA == DEVMIR_MIGRATE_FAIL_VMA);
static_assert(DRM_DEVMIR_MIGFAIL_FILE == DEVMIR_MIGRATE_FAIL_FILE);
static_assert(DRM_DEVMIR_MIGFAIL_BUSY == DEVMIR_MIGRATE_FAIL_BUSY);
static_assert(DRM_DEVMIR_MIGFAIL_NOMEM == DEVMIR_MIGRATE_FAIL_NOMEM);
static_assert(DRM_DEVMIR_MIGFAIL_SLOTS >= DEVMIR_MIGRATE_FAIL_NR);
static_assert(DRM_DEVMIR_STAT_NAME_LEN == DEVMIR_STAT_NAME_LEN);
static_assert(DRM_DEVMIR_STAT_COUNTER == DEVMIR_STAT_KIND_COUNTER);
static_assert(DRM_DEVMIR_STAT_GAUGE == DEVMIR_STAT_KIND_GAUGE);
static_assert(sizeof(struct drm_devmir_stat_desc) == 40);
static_assert(DRM_DEVMIR_LAT_BUCKETS == DEVMIR_LAT_BUCKETS);
static_assert(sizeof(struct drm_devmir_latency) == 312);
static_assert(sizeof(struct drm_devmir_query_latency) == 8);
static_assert(DRM_DEVMIR_ATTR_ALL == DEVMIR_ATTR_ALL);
static_assert(DRM_DEVMIR_ATTR_PREFERRED_LOC == DEVMIR_ATTR_PREFERRED_LOC);
static_assert(DRM_DEVMIR_ATTR_ACCESSED_BY == DEVMIR_ATTR_ACCESSED_BY);
static_assert(DRM_DEVMIR_ATTR_GRANULARITY == DEVMIR_ATTR_GRANULARITY);
static_assert(DRM_DEVMIR_ATTR_FAULT_WINDOW == DEVMIR_ATTR_FAULT_WINDOW);
static_assert(DRM_DEVMIR_ATTR_THRASH == DEVMIR_ATTR_THRASH);
static_assert(DRM_DEVMIR_LOC_SYSTEM == DEVMIR_LOC_SYSTEM);
static_assert(DRM_DEVMIR_LOC_DEVICE == DEVMIR_LOC_DEVICE);
static_assert(DRM_DEVMIR_ATTR_RANGES_MAX == DEVMIR_ATTR_RANGES_MAX);
static_assert(sizeof(struct drm_devmir_attr) == 40);
static_assert(sizeof(struct drm_devmir_advise) == 80);
static_assert(sizeof(struct drm_devmir_attr_range) == 56);
static_assert(sizeof(struct drm_devmir_advise_query) == 40);

/*
 * STATS (ABI 1) reports invalidations by the ABI's event numbering
 * (DRM_DEVMIR_INV_*): the core's counter for each.
 */
static const enum devmir_stat sim_stats_inv[DRM_DEVMIR_INV_EVENTS] = {
	[DRM_DEVMIR_INV_UNMAP] = DEVMIR_STAT_INV_UNMAP,
	[DRM_DEVMIR_INV_CLEAR] = DEVMIR_STAT_INV_CLEAR,
	[DRM_DEVMIR_INV_PROTECTION_VMA] = DEVMIR_STAT_INV_PROTECTION_VMA,
	[DRM_DEVMIR_INV_PROTECTION_PAGE] = DEVMIR_STAT_INV_PROTECTION_PAGE,
	[DRM_DEVMIR_INV_SOFT_DIRTY] = DEVMIR_STAT_INV_SOFT_DIRTY,
	[DRM_DEVMIR_INV_RELEASE] = DEVMIR_STAT_INV_RELEASE,
	[DRM_DEVMIR_INV_MIGRATE] = DEVMIR_STAT_INV_MIGRATE,
	[DRM_DEVMIR_INV_EXCLUSIVE] = DEVMIR_STAT_INV_EXCLUSIVE,
};

/* The caller's mirror, or -EBADF when the caller is not the opener. */
static struct devmir_mirror *sim_file_mirror(struct drm_file *file)
{
	struct devmir_mirror *mirror = file->driver_priv;

	if (devmir_mirror_mm(mirror) != current->mm)
		return ERR_PTR(-EBADF);
	return mirror;
}

/* A user range that must be accessible for the ioctl to work. */
static int sim_check_user(u64 ptr, u64 len, bool write)
{
	if (!access_ok(u64_to_user_ptr(ptr), len))
		return -EFAULT;
	return devmir_range_check(current->mm, ptr, ptr + len, write);
}

static int sim_ioctl_get_info(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	const struct dmpt_format *fmt = &sdev->format;
	struct drm_devmir_get_info *args = data;
	struct devmir_mirror *mirror;
	unsigned int l;

	if (args->flags || args->pad)
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	memset(args, 0, sizeof(*args));
	args->abi_version = DRM_DEVMIR_ABI_VERSION;
	args->device_index = sdev->index;
	args->asid = devmir_mirror_asid(mirror);
	args->levels = fmt->nlevels;
	args->leaf_levels = fmt->leaf_levels;
	args->va_bits = dmpt_va_bits(fmt);
	for (l = 0; l < fmt->nlevels; l++) {
		args->level_shift[l] = fmt->shift[l];
		args->level_bits[l] = fmt->bits[l];
		if (fmt->leaf_levels & BIT(l))
			args->page_sizes |= 1ULL << fmt->shift[l];
	}
	args->tlb_entries = sdev->tlb.nsets * sdev->tlb.ways;
	args->tlb_ways = sdev->tlb.ways;
	args->fault_queue_entries = sim_config.fault_queue;
	args->engines = sdev->nengines;
	args->txn_bytes = sim_config.txn_bytes;
	args->device_memory = devmir_device_devmem_size(sdev->core);
	args->memory_kind =
		devmir_device_memory_kind(sdev->core) == DEVMIR_MEMORY_COHERENT ?
		DRM_DEVMIR_MEMORY_COHERENT : DRM_DEVMIR_MEMORY_PRIVATE;
	args->window_min = DRM_DEVMIR_WINDOW_MIN;
	args->window_max = DRM_DEVMIR_WINDOW_MAX;
	return 0;
}

/* Check an ACCESS argument that does not depend on memory. */
static int sim_access_validate(struct sim_device *sdev,
			       const struct drm_devmir_access *args)
{
	u64 end;

	if (args->flags & ~DRM_DEVMIR_ACCESS_FLAGS || args->pad)
		return -EINVAL;
	/* A probe that must not fault cannot fault in first. */
	if ((args->flags & DRM_DEVMIR_ACCESS_NOFAULT) &&
	    (args->flags & DRM_DEVMIR_ACCESS_UNLOCKED))
		return -EINVAL;
	if (args->engine >= sdev->nengines)
		return -EINVAL;

	switch (args->op) {
	case DRM_DEVMIR_OP_READ:
	case DRM_DEVMIR_OP_WRITE:
		if (!args->size || args->size > DRM_DEVMIR_ACCESS_MAX_SIZE)
			return -EINVAL;
		if (args->operand || args->compare)
			return -EINVAL;
		if (check_add_overflow(args->buffer, args->size, &end))
			return -EINVAL;
		break;
	case DRM_DEVMIR_OP_ATOMIC_ADD:
		if (args->compare)
			return -EINVAL;
		fallthrough;
	case DRM_DEVMIR_OP_ATOMIC_CMPXCHG:
		if (args->size != sizeof(u64) || args->addr % sizeof(u64) ||
		    args->buffer)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(args->addr, args->size, &end))
		return -EINVAL;
	return 0;
}

static int sim_ioctl_access(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	struct drm_devmir_access *args = data;
	struct devmir_mirror *mirror;
	struct sim_cmd cmd = { };
	bool rw;
	int ret;

	ret = sim_access_validate(sdev, args);
	if (ret)
		return ret;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	rw = args->op == DRM_DEVMIR_OP_READ || args->op == DRM_DEVMIR_OP_WRITE;
	cmd.sdev = sdev;
	cmd.mirror = mirror;
	cmd.smirror = devmir_mirror_priv(mirror);
	cmd.op = args->op;
	cmd.write = args->op != DRM_DEVMIR_OP_READ;
	cmd.nofault = args->flags & DRM_DEVMIR_ACCESS_NOFAULT;
	cmd.addr = args->addr;
	cmd.size = args->size;
	cmd.ubuf = u64_to_user_ptr(args->buffer);
	cmd.operand = args->operand;
	cmd.compare = args->compare;
	cmd.batch = READ_ONCE(cmd.smirror->fault_batch);

	/* The device writes the buffer of a READ, reads that of a WRITE. */
	if (rw) {
		ret = sim_check_user(args->buffer, args->size,
				     args->op == DRM_DEVMIR_OP_READ);
		if (ret)
			return ret;
	}
	ret = devmir_range_check(current->mm, args->addr, args->addr + args->size,
				 cmd.write);
	if (ret)
		return ret;
	/*
	 * Memory whose CPU fault must drop the mmap lock (userfaultfd) cannot
	 * be faulted by the device's fault path: map the range first.
	 */
	if (args->flags & DRM_DEVMIR_ACCESS_UNLOCKED) {
		ret = devmir_fault_range_unlocked(mirror, args->addr & PAGE_MASK,
						  PAGE_ALIGN(args->addr + args->size),
						  cmd.write);
		/* Made read-only since the check: the render node's -EFAULT. */
		if (ret == -EPERM)
			ret = -EFAULT;
		if (ret)
			return ret;
	}

	ret = sim_engine_run(sdev, args->engine, &cmd);
	args->result = cmd.result;
	args->faults = cmd.faults;
	return ret;
}

static int sim_ioctl_set_policy(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct drm_devmir_set_policy *args = data;
	struct devmir_mirror *mirror;
	struct sim_mirror *smirror;

	if (!args->flags || args->flags & ~DRM_DEVMIR_POLICY_FLAGS)
		return -EINVAL;
	if (args->flags & DRM_DEVMIR_POLICY_WINDOW &&
	    args->fault_window != DRM_DEVMIR_WINDOW_ADAPTIVE &&
	    (!is_power_of_2(args->fault_window) ||
	     args->fault_window < DRM_DEVMIR_WINDOW_MIN ||
	     args->fault_window > DRM_DEVMIR_WINDOW_MAX))
		return -EINVAL;
	if (args->flags & DRM_DEVMIR_POLICY_BATCH &&
	    (!args->fault_batch || args->fault_batch > sim_config.fault_queue))
		return -EINVAL;
	if (args->flags & DRM_DEVMIR_POLICY_MIGRATE) {
		switch (args->migrate_mode) {
		case DRM_DEVMIR_MIGMODE_OFF:
		case DRM_DEVMIR_MIGMODE_FIRST_FAULT:
			if (args->migrate_threshold)
				return -EINVAL;
			break;
		case DRM_DEVMIR_MIGMODE_THRESHOLD:
			if (!args->migrate_threshold ||
			    args->migrate_threshold > DRM_DEVMIR_THRESHOLD_MAX)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (args->flags & DRM_DEVMIR_POLICY_RAM_WINDOW &&
	    (!is_power_of_2(args->ram_window) ||
	     args->ram_window < DRM_DEVMIR_WINDOW_MIN ||
	     args->ram_window > DRM_DEVMIR_WINDOW_MAX))
		return -EINVAL;
	if (args->flags & DRM_DEVMIR_POLICY_THRASH &&
	    (args->thrash_rounds > DRM_DEVMIR_THRASH_ROUNDS_MAX ||
	     args->thrash_hold_ms > DRM_DEVMIR_THRASH_HOLD_MAX_MS))
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	smirror = devmir_mirror_priv(mirror);
	if (args->flags & DRM_DEVMIR_POLICY_WINDOW)
		devmir_mirror_set_fault_window(mirror, args->fault_window);
	if (args->flags & DRM_DEVMIR_POLICY_BATCH)
		WRITE_ONCE(smirror->fault_batch, args->fault_batch);
	if (args->flags & DRM_DEVMIR_POLICY_MIGRATE)
		devmir_mirror_set_migrate_policy(mirror, args->migrate_mode,
						 args->migrate_threshold);
	if (args->flags & DRM_DEVMIR_POLICY_RAM_WINDOW)
		devmir_mirror_set_ram_window(mirror, args->ram_window);
	if (args->flags & DRM_DEVMIR_POLICY_THRASH)
		devmir_mirror_set_thrashing(mirror, args->thrash_rounds,
					    args->thrash_hold_ms);
	return 0;
}

static int sim_ioctl_get_policy(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct drm_devmir_get_policy *args = data;
	struct devmir_mirror *mirror;
	struct sim_mirror *smirror;

	if (args->flags)
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	smirror = devmir_mirror_priv(mirror);
	args->fault_batch = READ_ONCE(smirror->fault_batch);
	args->fault_window = devmir_mirror_fault_window(mirror);
	args->migrate_mode = devmir_mirror_migrate_policy(mirror,
							  &args->migrate_threshold);
	args->ram_window = devmir_mirror_ram_window(mirror);
	devmir_mirror_thrashing(mirror, &args->thrash_rounds, &args->thrash_hold_ms);
	return 0;
}

static int sim_ioctl_snapshot(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct drm_devmir_snapshot *args = data;
	struct devmir_mirror *mirror;
	unsigned long done, n, mapped;
	u64 len, end;
	u8 *kbuf;
	int ret = 0;

	if (args->flags || args->pad)
		return -EINVAL;
	if (args->addr & ~PAGE_MASK)
		return -EINVAL;
	if (!args->npages || args->npages > DRM_DEVMIR_SNAPSHOT_MAX_PAGES)
		return -EINVAL;
	len = args->npages << PAGE_SHIFT;
	if (check_add_overflow(args->addr, len, &end) ||
	    check_add_overflow(args->buffer, args->npages, &end))
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	if (args->addr + len > TASK_SIZE_MAX)
		return -EFAULT;
	ret = sim_check_user(args->buffer, args->npages, true);
	if (ret)
		return ret;

	kbuf = kvmalloc(min_t(u64, args->npages, SIM_SNAPSHOT_CHUNK), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	args->mapped = 0;
	for (done = 0; done < args->npages; done += n) {
		n = min_t(u64, args->npages - done, SIM_SNAPSHOT_CHUNK);
		ret = devmir_mirror_snapshot(mirror, args->addr + (done << PAGE_SHIFT),
					     n, kbuf, &mapped);
		if (ret)
			break;
		if (copy_to_user(u64_to_user_ptr(args->buffer + done), kbuf, n)) {
			ret = -EFAULT;
			break;
		}
		args->mapped += mapped;
	}
	kvfree(kbuf);
	return ret;
}

static int sim_ioctl_stats(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	struct drm_devmir_stats *args = data;
	struct devmir_mirror *mirror;
	struct devmir_stats *st;
	const u64 *c, *d;
	unsigned int i;
	u32 flags = args->flags;

	if (flags & ~DRM_DEVMIR_STATS_FLAGS || args->pad)
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	if (flags & DRM_DEVMIR_STATS_DEVICE)
		devmir_device_stats(sdev->core, st);
	else
		devmir_mirror_stats(mirror, st);

	c = st->counters;
	d = st->driver;
	memset(args, 0, sizeof(*args));
	args->flags = flags;
	args->faults_raised = d[SIM_STAT_FAULTS_RAISED];
	args->faults_coalesced = d[SIM_STAT_FAULTS_COALESCED];
	args->faults = c[DEVMIR_STAT_FAULTS];
	args->faults_resolved = c[DEVMIR_STAT_FAULTS_RESOLVED];
	args->fault_errors = c[DEVMIR_STAT_FAULT_ERRORS];
	args->fault_batches = c[DEVMIR_STAT_FAULT_BATCHES];
	args->hmm_calls = c[DEVMIR_STAT_HMM_CALLS];
	args->hmm_busy = c[DEVMIR_STAT_HMM_BUSY];
	args->hmm_retries = c[DEVMIR_STAT_HMM_RETRIES];
	args->pages_mapped = c[DEVMIR_STAT_PAGES_MAPPED];
	args->huge_mapped = c[DEVMIR_STAT_HUGE_MAPPED];
	args->tlb_hits = d[SIM_STAT_TLB_HITS];
	args->tlb_misses = d[SIM_STAT_TLB_MISSES];
	args->tlb_shootdowns = d[SIM_STAT_TLB_SHOOTDOWNS];
	args->tlb_flushed = d[SIM_STAT_TLB_FLUSHED];
	args->walks = d[SIM_STAT_WALKS];
	args->walk_levels = d[SIM_STAT_WALK_LEVELS];
	args->accesses = d[SIM_STAT_ACCESSES];
	for (i = 0; i < DRM_DEVMIR_INV_EVENTS; i++)
		args->invalidations[i] = c[sim_stats_inv[i]];
	args->inv_skipped = c[DEVMIR_STAT_INV_SKIPPED];
	args->inv_retry = c[DEVMIR_STAT_INV_RETRY];
	args->pages_invalidated = c[DEVMIR_STAT_PAGES_INVALIDATED];
	args->pages_protected = c[DEVMIR_STAT_PAGES_PROTECTED];
	for (i = 0; i < DMPT_MAX_LEVELS; i++) {
		args->table_entries[i] = st->table.entries[i];
		args->table_dirs[i] = st->table.dirs[i];
	}
	args->table_bytes = st->table.bytes;
	args->dirs_pruned = st->table.dirs_pruned;
	args->splits = st->table.splits;
	args->mirrors = st->mirrors;
	args->migrated_to_device = c[DEVMIR_STAT_MIGRATED_TO_DEVICE];
	args->migrated_to_system = c[DEVMIR_STAT_MIGRATED_TO_SYSTEM];
	args->migrate_bytes = c[DEVMIR_STAT_MIGRATE_BYTES];
	args->migrate_failed = c[DEVMIR_STAT_MIGRATE_FAILED];
	args->ram_faults = c[DEVMIR_STAT_RAM_FAULTS];
	args->evictions = c[DEVMIR_STAT_EVICTIONS];
	args->policy_migrations = c[DEVMIR_STAT_POLICY_MIGRATIONS];
	args->remote_faults = c[DEVMIR_STAT_REMOTE_FAULTS];
	args->exclusive_grants = c[DEVMIR_STAT_EXCLUSIVE_GRANTS];
	args->exclusive_fallbacks = d[SIM_STAT_EXCLUSIVE_FALLBACKS];
	args->devmem_pages = st->devmem_pages;
	args->devmem_used = st->devmem_used;
	kfree(st);
	return 0;
}

static int sim_ioctl_reset_stats(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	struct drm_devmir_reset_stats *args = data;
	struct devmir_mirror *mirror;

	if (args->flags & ~DRM_DEVMIR_STATS_FLAGS || args->pad)
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);

	if (args->flags & DRM_DEVMIR_STATS_DEVICE)
		devmir_device_reset_stats(sdev->core);
	else
		devmir_mirror_reset_stats(mirror);
	return 0;
}

static int sim_ioctl_migrate(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct drm_devmir_migrate *args = data;
	struct devmir_migrate_result res;
	struct devmir_mirror *mirror;
	unsigned int i;
	u64 end;
	int ret;

	if (args->flags & ~DRM_DEVMIR_MIGFLAG_ALL)
		return -EINVAL;
	if (args->direction != DRM_DEVMIR_MIGDIR_TO_DEVICE &&
	    args->direction != DRM_DEVMIR_MIGDIR_TO_SYSTEM)
		return -EINVAL;
	if (args->addr & ~PAGE_MASK || args->size & ~PAGE_MASK || !args->size ||
	    args->size > DRM_DEVMIR_MIGRATE_MAX_SIZE)
		return -EINVAL;
	if (check_add_overflow(args->addr, args->size, &end))
		return -EINVAL;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	if (end > TASK_SIZE_MAX)
		return -EFAULT;

	ret = devmir_migrate(mirror, args->addr, end, args->direction, args->flags,
			     &res);
	args->migrated = res.migrated;
	args->already = res.already;
	args->absent = res.absent;
	for (i = 0; i < DRM_DEVMIR_MIGFAIL_SLOTS; i++)
		args->failed[i] = i < DEVMIR_MIGRATE_FAIL_NR ? res.failed[i] : 0;
	args->evicted = res.evicted;
	args->bytes_copied = res.bytes;
	return ret;
}

/* STAT_DESC: the name, kind and origin of every statistic. */
static int sim_query_stat_desc(struct devmir_device *core, void __user *data,
			       u32 count)
{
	struct drm_devmir_query_stat_desc head = { .count = count };
	struct drm_devmir_stat_desc *out;
	struct devmir_stat_desc desc;
	unsigned int i;
	int ret = 0;

	out = kvcalloc(count, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		ret = devmir_stat_describe(core, i, &desc);
		if (ret)
			goto out;
		strscpy(out[i].name, desc.name, sizeof(out[i].name));
		out[i].kind = desc.kind;
		out[i].flags = desc.driver ? DRM_DEVMIR_STAT_DRIVER : 0;
	}
	if (copy_to_user(data, &head, sizeof(head)) ||
	    copy_to_user(data + sizeof(head), out, array_size(count, sizeof(*out))))
		ret = -EFAULT;
out:
	kvfree(out);
	return ret;
}

/* STAT_VALUES: every statistic of the caller's mirror or of the device. */
static int sim_query_stat_values(struct devmir_device *core,
				 struct devmir_mirror *mirror, bool device,
				 void __user *data, u32 count)
{
	struct drm_devmir_query_stat_values head = { .count = count };
	struct devmir_stats *st;
	u64 *values;
	int ret = 0;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	values = kvcalloc(count, sizeof(*values), GFP_KERNEL);
	if (!st || !values) {
		ret = -ENOMEM;
		goto out;
	}
	if (device)
		devmir_device_stats(core, st);
	else
		devmir_mirror_stats(mirror, st);
	devmir_stats_flatten(core, st, values, count);
	if (copy_to_user(data, &head, sizeof(head)) ||
	    copy_to_user(data + sizeof(head), values,
			 array_size(count, sizeof(*values))))
		ret = -EFAULT;
out:
	kvfree(values);
	kfree(st);
	return ret;
}

/* LATENCY: the latency histograms of the caller's mirror or of the device. */
static int sim_query_latency(struct devmir_device *core,
			     struct devmir_mirror *mirror, bool device,
			     void __user *data)
{
	struct drm_devmir_query_latency head = {
		.count = DEVMIR_LAT_NR,
		.nbuckets = DRM_DEVMIR_LAT_BUCKETS,
	};
	struct drm_devmir_latency *out;
	struct devmir_lat_hist *hists;
	unsigned int i;
	int ret = 0;

	hists = kcalloc(DEVMIR_LAT_NR, sizeof(*hists), GFP_KERNEL);
	out = kcalloc(DEVMIR_LAT_NR, sizeof(*out), GFP_KERNEL);
	if (!hists || !out) {
		ret = -ENOMEM;
		goto out;
	}
	if (device)
		devmir_device_latency(core, hists);
	else
		devmir_mirror_latency(mirror, hists);
	for (i = 0; i < DEVMIR_LAT_NR; i++) {
		strscpy(out[i].name, devmir_lat_name(i), sizeof(out[i].name));
		out[i].count = hists[i].count;
		out[i].sum_ns = hists[i].sum_ns;
		out[i].max_ns = hists[i].max_ns;
		memcpy(out[i].buckets, hists[i].buckets, sizeof(out[i].buckets));
	}
	if (copy_to_user(data, &head, sizeof(head)) ||
	    copy_to_user(data + sizeof(head), out, DEVMIR_LAT_NR * sizeof(*out)))
		ret = -EFAULT;
out:
	kfree(out);
	kfree(hists);
	return ret;
}

static int sim_ioctl_query(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	struct drm_devmir_query *args = data;
	u32 count = devmir_stat_count(sdev->core);
	struct devmir_mirror *mirror;
	void __user *user;
	size_t need;
	int ret;

	if (args->pad || args->reserved[0] || args->reserved[1] ||
	    args->flags & ~DRM_DEVMIR_QUERY_FLAGS)
		return -EINVAL;
	switch (args->query) {
	case DRM_DEVMIR_QUERY_STAT_DESC:
		if (args->flags)
			return -EINVAL;
		need = struct_size_t(struct drm_devmir_query_stat_desc, desc, count);
		break;
	case DRM_DEVMIR_QUERY_STAT_VALUES:
		need = struct_size_t(struct drm_devmir_query_stat_values, values,
				     count);
		break;
	case DRM_DEVMIR_QUERY_LATENCY:
		need = struct_size_t(struct drm_devmir_query_latency, hist,
				     DEVMIR_LAT_NR);
		break;
	default:
		return -EINVAL;
	}
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	if (!args->size) {
		args->size = need;
		return 0;
	}
	if (args->size < need)
		return -EINVAL;
	user = u64_to_user_ptr(args->data);
	if (!access_ok(user, need))
		return -EFAULT;

	if (args->query == DRM_DEVMIR_QUERY_STAT_DESC)
		ret = sim_query_stat_desc(sdev->core, user, count);
	else if (args->query == DRM_DEVMIR_QUERY_LATENCY)
		ret = sim_query_latency(sdev->core, mirror,
					args->flags & DRM_DEVMIR_QUERY_DEVICE, user);
	else
		ret = sim_query_stat_values(sdev->core, mirror,
					    args->flags & DRM_DEVMIR_QUERY_DEVICE,
					    user, count);
	if (!ret)
		args->size = need;
	return ret;
}

static void sim_attr_from_user(struct devmir_attr *to,
			       const struct drm_devmir_attr *from)
{
	to->mask = from->mask;
	to->preferred_loc = from->preferred_loc;
	to->accessed_by = from->accessed_by;
	to->thrash_rounds = from->thrash_rounds;
	to->thrash_hold_ms = from->thrash_hold_ms;
	to->pad = from->pad;
	to->granularity = from->granularity;
	to->fault_window = from->fault_window;
}

static void sim_attr_to_user(struct drm_devmir_attr *to,
			     const struct devmir_attr *from)
{
	memset(to, 0, sizeof(*to));
	to->mask = from->mask;
	to->preferred_loc = from->preferred_loc;
	to->accessed_by = from->accessed_by;
	to->thrash_rounds = from->thrash_rounds;
	to->thrash_hold_ms = from->thrash_hold_ms;
	to->granularity = from->granularity;
	to->fault_window = from->fault_window;
}

/* The range of ADVISE and ADVISE_QUERY: aligned, non-empty, no overflow. */
static int sim_attr_range_check(u64 addr, u64 size, u64 *end)
{
	if (addr & ~PAGE_MASK || size & ~PAGE_MASK || !size)
		return -EINVAL;
	if (check_add_overflow(addr, size, end))
		return -EINVAL;
	return 0;
}

static int sim_ioctl_advise(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct drm_devmir_advise *args = data;
	struct devmir_mirror *mirror;
	struct devmir_attr attr;
	u64 end;
	int ret;

	if (args->flags & ~DRM_DEVMIR_ADVISE_FLAGS || args->pad ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	ret = sim_attr_range_check(args->addr, args->size, &end);
	if (ret)
		return ret;
	sim_attr_from_user(&attr, &args->attr);
	ret = devmir_attr_check(&attr, args->flags & DRM_DEVMIR_ADVISE_CLEAR);
	if (ret)
		return ret;
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	return devmir_mirror_advise(mirror, args->addr, end, &attr,
				    args->flags & DRM_DEVMIR_ADVISE_CLEAR);
}

static int sim_ioctl_advise_query(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	struct drm_devmir_advise_query *args = data;
	struct drm_devmir_attr_range __user *uranges;
	struct drm_devmir_attr_range out;
	struct devmir_attr_range *ranges = NULL;
	struct devmir_mirror *mirror;
	unsigned int total, n, i;
	u64 end;
	int ret;

	if (args->flags || args->reserved ||
	    args->count > DRM_DEVMIR_ATTR_RANGES_MAX)
		return -EINVAL;
	ret = sim_attr_range_check(args->addr, args->size, &end);
	if (ret)
		return ret;
	uranges = u64_to_user_ptr(args->ranges);
	if (args->count) {
		ret = sim_check_user(args->ranges,
				     (u64)args->count * sizeof(*uranges), true);
		if (ret)
			return ret;
	}
	mirror = sim_file_mirror(file);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	if (args->count) {
		ranges = kvmalloc_array(args->count, sizeof(*ranges), GFP_KERNEL);
		if (!ranges)
			return -ENOMEM;
	}
	n = devmir_mirror_advice(mirror, args->addr, end, ranges, args->count,
				 &total);
	for (i = 0; i < n; i++) {
		out.addr = ranges[i].start;
		out.size = ranges[i].end - ranges[i].start;
		sim_attr_to_user(&out.attr, &ranges[i].attr);
		if (copy_to_user(&uranges[i], &out, sizeof(out))) {
			ret = -EFAULT;
			break;
		}
	}
	kvfree(ranges);
	if (!ret)
		args->count = total;
	return ret;
}

static const struct drm_ioctl_desc sim_ioctls[] = {
	DRM_IOCTL_DEF_DRV(DEVMIR_GET_INFO, sim_ioctl_get_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_ACCESS, sim_ioctl_access, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_SET_POLICY, sim_ioctl_set_policy, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_GET_POLICY, sim_ioctl_get_policy, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_SNAPSHOT, sim_ioctl_snapshot, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_STATS, sim_ioctl_stats, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_RESET_STATS, sim_ioctl_reset_stats, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_MIGRATE, sim_ioctl_migrate, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_QUERY, sim_ioctl_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_ADVISE, sim_ioctl_advise, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(DEVMIR_ADVISE_QUERY, sim_ioctl_advise_query,
			  DRM_RENDER_ALLOW),
};

static int sim_drm_open(struct drm_device *drm, struct drm_file *file)
{
	struct sim_device *sdev = to_sim_device(drm);
	struct devmir_mirror *mirror;

	/* The module is still loading and may yet fail: no file may stay. */
	if (!sim_is_live())
		return -ENODEV;
	mirror = devmir_mirror_get_or_create(sdev->core, current->mm);
	if (IS_ERR(mirror))
		return PTR_ERR(mirror);
	file->driver_priv = mirror;
	return 0;
}

static void sim_drm_postclose(struct drm_device *drm, struct drm_file *file)
{
	devmir_mirror_put(file->driver_priv);
	file->driver_priv = NULL;
}

/* The owner field pins devmirror_sim.ko while a render-node file is open. */
static const struct file_operations sim_drm_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	DEVMIR_DRM_FOP_FLAGS
};

const struct drm_driver sim_drm_driver = {
	.driver_features = DRIVER_RENDER,
	.open = sim_drm_open,
	.postclose = sim_drm_postclose,
	.ioctls = sim_ioctls,
	.num_ioctls = ARRAY_SIZE(sim_ioctls),
	.fops = &sim_drm_fops,
	.name = "devmirror",
	.desc = "devmirror simulated SVM device",
	DEVMIR_DRM_DATE("20260101")
	.major = 1,
	.minor = DRM_DEVMIR_ABI_VERSION,
};

/**
 * sim_drm_register() - Expose a device's render node to user space.
 * @sdev: The fully set-up device.
 *
 * Context: Process context (module load), once every device exists: the
 * node is visible from here on, opens wait for sim_is_live().
 * Return: 0 or the error of drm_dev_register().
 */
int sim_drm_register(struct sim_device *sdev)
{
	return drm_dev_register(&sdev->drm, 0);
}

/**
 * sim_drm_unregister() - Remove a device's render node.
 * @sdev: The device.
 *
 * Context: Process context; no file may be open (the module is pinned by
 * open files, so this runs only after the last close).
 */
void sim_drm_unregister(struct sim_device *sdev)
{
	drm_dev_unregister(&sdev->drm);
}
