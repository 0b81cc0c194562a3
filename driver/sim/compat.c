// SPDX-License-Identifier: GPL-2.0
/*
 * compat.c - the test_hmm front end: /dev/hmm_dmirrorN speaking the ioctl
 * ABI of the kernel's lib/test_hmm_uapi.h on top of the simulated devices.
 */
#include <linux/fs.h>
#include <linux/hmm.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "devmirror_drm.h"
#include "devmirror_testing.h"
#include "sim.h"
#include "test_hmm_uapi.h"

/**
 * DOC: test_hmm compatibility
 *
 * With ``hmm_compat=1`` devmirror_sim.ko exposes its devices 0 and 1 also as
 * ``/dev/hmm_dmirror0`` and ``/dev/hmm_dmirror1``, misc character devices
 * that accept the ioctls of the kernel's lib/test_hmm_uapi.h (the eight of
 * every kernel, and HMM_DMIRROR_READ_UNLOCKED and HMM_DMIRROR_FLAGS where
 * the header has them) with
 * test_hmm's semantics, so that programs written for test_hmm.ko (the
 * kernel's own hmm-tests among them) run unchanged. Devices 2 and 3, which
 * are device-coherent in test_hmm (given spm_addr_dev0/1), are the first
 * two device-coherent devices of the module (given ``coherent_addr=``);
 * without those they do not exist: opening them fails with ENOENT and
 * hmm-tests skips those variants. On a coherent device, migrations to the
 * device land in device-coherent memory, which the CPU keeps accessing
 * directly, MIGRATE_TO_SYS and RELEASE move the pages back, and SNAPSHOT
 * reports them as DEV_COHERENT_LOCAL or _REMOTE, as test_hmm does.
 *
 * Every open file holds a reference on the mirror of its device and the
 * opener's mm (all opens of one process on one device share it); commands
 * act on the opener's address space and are refused with EBADF from any
 * other process. READ and WRITE run on the device's engine 0 through its
 * TLB and page walker, which raises device faults for pages the mirror
 * lacks (or holds read-only for a WRITE) and has the core service them
 * with its default fault-ahead, as an access through the render node
 * does; a command that took any fault counts one in ``faults``, the one
 * round test_hmm counts when it faults a range in. READ_UNLOCKED (where
 * the kernel's header has it) is READ with the range faulted in first, in
 * one round, by devmir_fault_range_unlocked(), whose CPU faults
 * may drop the mmap lock, so userfaultfd-backed memory can be read; on a
 * kernel without hmm_range_fault_unlocked_timeout() it fails with
 * -EOPNOTSUPP. SNAPSHOT reports the CPU page tables as the device sees
 * them (devmir_cpu_snapshot()), with test_hmm's PROT byte values. Like
 * test_hmm's, the file can be mapped: each page is a zeroed kernel page.
 */

/* Bytes one READ, WRITE, EXCLUSIVE or SNAPSHOT command may cover. */
#define SIM_COMPAT_MAX_BYTES	(64ULL << 20)
/*
 * Bytes one migration command may cover: more, since a migration goes 2 MiB
 * window by window with no buffer of the command's size, rescheduling and
 * stopping at a fatal signal between windows (test_hmm has no limit;
 * 7.x's hmm-tests migrates 256 MiB in one command).
 */
#define SIM_COMPAT_MAX_MIGRATE_BYTES	SZ_1G
/* Pages per devmir_cpu_snapshot() call. */
#define SIM_COMPAT_SNAP_CHUNK	512UL

/**
 * struct sim_compat - The test_hmm front end of one device.
 * @misc: The character device /dev/hmm_dmirrorN.
 * @sdev: The device.
 * @name: Name of @misc.
 */
struct sim_compat {
	struct miscdevice misc;
	struct sim_device *sdev;
	char name[16];
};

/*
 * State of one open file. @flags: test_hmm's HMM_DMIRROR_FLAG_* bits set by
 * HMM_DMIRROR_FLAGS (where the kernel's header has it); a migration consumes
 * FAIL_ALLOC.
 */
struct sim_compat_file {
	struct sim_device *sdev;
	struct devmir_mirror *mirror;
	u64 flags;
};

static int sim_compat_open(struct inode *inode, struct file *filp)
{
	struct sim_compat *compat =
		container_of(filp->private_data, struct sim_compat, misc);
	struct sim_compat_file *cf;

	/* The module is still loading and may yet fail: no file may stay. */
	if (!sim_is_live())
		return -ENODEV;
	if (!current->mm)
		return -EINVAL;
	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	cf->sdev = compat->sdev;
	cf->mirror = devmir_mirror_get_or_create(cf->sdev->core, current->mm);
	if (IS_ERR(cf->mirror)) {
		int ret = PTR_ERR(cf->mirror);

		kfree(cf);
		return ret;
	}
	filp->private_data = cf;
	return 0;
}

static int sim_compat_release(struct inode *inode, struct file *filp)
{
	struct sim_compat_file *cf = filp->private_data;

	devmir_mirror_put(cf->mirror);
	kfree(cf);
	return 0;
}

/*
 * test_hmm lets a program map the device file: every page of the mapping
 * is a fresh zeroed kernel page inserted into the VMA (which makes it
 * VM_MIXEDMAP); the mapping holds the only reference.
 */
static int sim_compat_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct page *page;
	unsigned long va;
	int ret;

	for (va = vma->vm_start; va < vma->vm_end; va += PAGE_SIZE) {
		page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
		ret = vm_insert_page(vma, va, page);
		/* The page table holds its own reference on success. */
		put_page(page);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether the mirror maps every page of [@start, @end) (writable). */
static bool sim_compat_mapped(struct devmir_mirror *mirror, u64 start, u64 end,
			      bool write)
{
	unsigned int level;
	u64 addr, flags;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		flags = dmpt_entry_flags(devmir_mirror_lookup(mirror, addr, &level));
		if (!(flags & DMPT_VALID) || (write && !(flags & DMPT_WRITE)))
			return false;
	}
	return true;
}

/*
 * Errors as test_hmm reports them: a write to memory the process may read
 * but not write is -EPERM, anything else not mirrorable -EFAULT.
 */
static int sim_compat_range_check(struct mm_struct *mm, u64 start, u64 end,
				  bool write)
{
	int ret = devmir_range_check(mm, start, end, write);

	if (ret == -EFAULT && write && !devmir_range_check(mm, start, end, false))
		return -EPERM;
	return ret;
}

/*
 * How a READ or WRITE faults a range in: through the device's fault path as
 * the engine meets missing pages (counted in test_hmm's ``faults``, or not
 * for the verification read of a migration), or (READ_UNLOCKED) first with
 * the core's unlocked fault, whose CPU faults may drop the mmap lock
 * (userfaultfd-backed memory).
 */
enum sim_compat_faults {
	SIM_COMPAT_NO_FAULT,
	SIM_COMPAT_FAULT,
	SIM_COMPAT_FAULT_UNLOCKED,
};

/* A device access through engine 0: the READ, WRITE and verify paths. */
static int sim_compat_access(struct sim_compat_file *cf, struct hmm_dmirror_cmd *cmd,
			     bool write, enum sim_compat_faults faults)
{
	u64 start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	struct sim_cmd sc = { };
	int ret;

	ret = sim_compat_range_check(current->mm, start, end, write);
	if (ret)
		return ret;
	if (!access_ok(u64_to_user_ptr(cmd->ptr), end - start))
		return -EFAULT;
	if (faults == SIM_COMPAT_FAULT_UNLOCKED &&
	    !sim_compat_mapped(cf->mirror, start, end, write)) {
		cmd->faults++;
		ret = devmir_fault_range_unlocked(cf->mirror, start, end, write);
		if (ret)
			return ret;
		faults = SIM_COMPAT_NO_FAULT;
	}

	sc.sdev = cf->sdev;
	sc.mirror = cf->mirror;
	sc.smirror = devmir_mirror_priv(cf->mirror);
	sc.op = write ? DRM_DEVMIR_OP_WRITE : DRM_DEVMIR_OP_READ;
	sc.write = write;
	sc.addr = start;
	sc.size = end - start;
	sc.ubuf = u64_to_user_ptr(cmd->ptr);
	sc.batch = READ_ONCE(sc.smirror->fault_batch);
	ret = sim_engine_run(cf->sdev, 0, &sc);
	if (sc.faults && faults != SIM_COMPAT_NO_FAULT)
		cmd->faults++;
	if (ret)
		return ret;
	cmd->cpages = cmd->npages;
	return 0;
}

/* Whether the mirror holds every page of the range in this device's memory. */
static bool sim_compat_on_device(struct devmir_mirror *mirror, u64 start, u64 end)
{
	unsigned int level;
	u64 addr, flags;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		flags = dmpt_entry_flags(devmir_mirror_lookup(mirror, addr, &level));
		if (!(flags & DMPT_VALID) || !(flags & DMPT_DEVICE_PRIVATE))
			return false;
	}
	return true;
}

/*
 * The flags of a migration: test_hmm's FAIL_ALLOC fails the next 2 MiB
 * allocation, which makes that migration fall back to 4 KiB pages; here it
 * makes the next migration use 4 KiB pages only.
 */
static unsigned int sim_compat_migrate_flags(struct sim_compat_file *cf)
{
	unsigned int flags = DEVMIR_MIGRATE_PREFETCH;

#ifdef HMM_DMIRROR_FLAGS
	if (cf->flags & HMM_DMIRROR_FLAG_FAIL_ALLOC) {
		cf->flags &= ~HMM_DMIRROR_FLAG_FAIL_ALLOC;
		flags |= DEVMIR_MIGRATE_SMALL;
	}
#endif
	return flags;
}

static int sim_compat_migrate_to_dev(struct sim_compat_file *cf,
				     struct hmm_dmirror_cmd *cmd)
{
	u64 start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	struct devmir_migrate_result res = { };
	int ret;

	/* test_hmm: a range not covered by readable VMAs is -EINVAL. */
	if (devmir_range_check(current->mm, start, end, false))
		return -EINVAL;
	ret = devmir_migrate(cf->mirror, start, end, DEVMIR_MIGRATE_TO_DEVICE,
			     sim_compat_migrate_flags(cf), &res);
	if (ret)
		return ret;
	/* Like test_hmm, return the data through the device for verification. */
	ret = sim_compat_access(cf, cmd, false, SIM_COMPAT_NO_FAULT);
	if (ret)
		return ret;
	/* Pages that did not land in this device's memory: -ENOENT. */
	if (!sim_compat_on_device(cf->mirror, start, end))
		return -ENOENT;
	return 0;
}

static int sim_compat_migrate_to_sys(struct sim_compat_file *cf,
				     struct hmm_dmirror_cmd *cmd)
{
	u64 start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	struct devmir_migrate_result res = { };
	int ret;

	if (devmir_range_check(current->mm, start, end, false))
		return -EINVAL;
	ret = devmir_migrate(cf->mirror, start, end, DEVMIR_MIGRATE_TO_SYSTEM,
			     sim_compat_migrate_flags(cf), &res);
	cmd->cpages = res.migrated;
	return ret;
}

static int sim_compat_exclusive(struct sim_compat_file *cf,
				struct hmm_dmirror_cmd *cmd)
{
	u64 start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	struct devmir_exclusive ex;
	u64 addr;
	int ret;

	/*
	 * test_hmm answers -EBUSY for every page make_device_exclusive_range()
	 * does not hand back: unmapped, read-only, or not exclusive-capable.
	 */
	ret = devmir_range_check(current->mm, start, end, true);
	if (ret)
		return ret == -EFAULT ? -EBUSY : ret;
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		ret = devmir_exclusive_begin(cf->mirror, addr, &ex);
		if (ret)
			return ret == -EOPNOTSUPP || ret == -EFAULT ? -EBUSY : ret;
		devmir_exclusive_end(&ex);
	}
	/* Return the data through the device for verification. */
	return sim_compat_access(cf, cmd, false, SIM_COMPAT_NO_FAULT);
}

static int sim_compat_check_exclusive(struct sim_compat_file *cf,
				      struct hmm_dmirror_cmd *cmd)
{
	u64 start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	unsigned int level;
	u64 addr, flags;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		flags = dmpt_entry_flags(devmir_mirror_lookup(cf->mirror, addr, &level));
		if ((flags & DMPT_VALID) && (flags & DMPT_EXCLUSIVE))
			return -EPERM;
	}
	return 0;
}

/* test_hmm's PROT byte of one hmm_range_fault() entry. */
static u8 sim_compat_prot(struct sim_device *sdev, unsigned long entry)
{
	struct page *page;
	unsigned int order;
	u8 prot;

	if (entry & HMM_PFN_ERROR)
		return HMM_DMIRROR_PROT_ERROR;
	if (!(entry & HMM_PFN_VALID))
		return HMM_DMIRROR_PROT_NONE;

	page = hmm_pfn_to_page(entry);
	if (is_device_private_page(page))
		prot = devmir_page_device(page) == sdev->core ?
			HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL :
			HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE;
	else if (is_device_coherent_page(page))
		prot = devmir_page_device(page) == sdev->core ?
			HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL :
			HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE;
	else if (is_zero_pfn(page_to_pfn(page)))
		prot = HMM_DMIRROR_PROT_ZERO;
	else
		prot = HMM_DMIRROR_PROT_NONE;
	prot |= entry & HMM_PFN_WRITE ? HMM_DMIRROR_PROT_WRITE : HMM_DMIRROR_PROT_READ;

	order = hmm_pfn_to_map_order(entry);
	if (order + PAGE_SHIFT == PMD_SHIFT)
		prot |= HMM_DMIRROR_PROT_PMD;
	else if (order + PAGE_SHIFT == PUD_SHIFT)
		prot |= HMM_DMIRROR_PROT_PUD;
	return prot;
}

static int sim_compat_snapshot(struct sim_compat_file *cf,
			       struct hmm_dmirror_cmd *cmd)
{
	u8 __user *uptr = u64_to_user_ptr(cmd->ptr);
	unsigned long *pfns, done, n, i;
	u8 *prot;
	int ret = 0;

	if (!access_ok(uptr, cmd->npages))
		return -EFAULT;
	pfns = kmalloc_array(SIM_COMPAT_SNAP_CHUNK, sizeof(*pfns), GFP_KERNEL);
	prot = kmalloc(SIM_COMPAT_SNAP_CHUNK, GFP_KERNEL);
	if (!pfns || !prot) {
		ret = -ENOMEM;
		goto out;
	}
	for (done = 0; done < cmd->npages; done += n) {
		n = min_t(u64, cmd->npages - done, SIM_COMPAT_SNAP_CHUNK);
		ret = devmir_cpu_snapshot(cf->mirror, cmd->addr + (done << PAGE_SHIFT),
					  n, pfns);
		if (ret)
			break;
		for (i = 0; i < n; i++)
			prot[i] = sim_compat_prot(cf->sdev, pfns[i]);
		if (copy_to_user(uptr + done, prot, n)) {
			ret = -EFAULT;
			break;
		}
		cmd->cpages += n;
	}
out:
	kfree(prot);
	kfree(pfns);
	return ret;
}

/* Checks common to every command @op, before any work. */
static int sim_compat_validate(unsigned int op, const struct hmm_dmirror_cmd *cmd)
{
	bool migrate = op == HMM_DMIRROR_MIGRATE_TO_DEV ||
		       op == HMM_DMIRROR_MIGRATE_TO_SYS;
	u64 len, end;

	if (!cmd->npages || cmd->addr & ~PAGE_MASK)
		return -EINVAL;
	if (check_shl_overflow(cmd->npages, PAGE_SHIFT, &len) ||
	    check_add_overflow(cmd->addr, len, &end) || end > TASK_SIZE_MAX)
		return -EINVAL;
	if (len > (migrate ? SIM_COMPAT_MAX_MIGRATE_BYTES : SIM_COMPAT_MAX_BYTES))
		return -EINVAL;
	return 0;
}

static long sim_compat_ioctl(struct file *filp, unsigned int op,
			     unsigned long arg)
{
	struct sim_compat_file *cf = filp->private_data;
	void __user *uarg = (void __user *)arg;
	struct hmm_dmirror_cmd cmd;
	int ret;

	switch (op) {
	case HMM_DMIRROR_READ:
	case HMM_DMIRROR_WRITE:
	case HMM_DMIRROR_MIGRATE_TO_DEV:
	case HMM_DMIRROR_MIGRATE_TO_SYS:
	case HMM_DMIRROR_SNAPSHOT:
	case HMM_DMIRROR_EXCLUSIVE:
	case HMM_DMIRROR_CHECK_EXCLUSIVE:
	case HMM_DMIRROR_RELEASE:
#ifdef HMM_DMIRROR_READ_UNLOCKED
	case HMM_DMIRROR_READ_UNLOCKED:
#endif
#ifdef HMM_DMIRROR_FLAGS
	case HMM_DMIRROR_FLAGS:
#endif
		break;
	default:
		return -EINVAL;
	}
	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	ret = sim_compat_validate(op, &cmd);
	if (ret)
		return ret;
	if (devmir_mirror_mm(cf->mirror) != current->mm)
		return -EBADF;
	cmd.cpages = 0;
	cmd.faults = 0;

	switch (op) {
	case HMM_DMIRROR_READ:
		ret = sim_compat_access(cf, &cmd, false, SIM_COMPAT_FAULT);
		break;
#ifdef HMM_DMIRROR_READ_UNLOCKED
	case HMM_DMIRROR_READ_UNLOCKED:
		ret = sim_compat_access(cf, &cmd, false,
					SIM_COMPAT_FAULT_UNLOCKED);
		break;
#endif
	case HMM_DMIRROR_WRITE:
		ret = sim_compat_access(cf, &cmd, true, SIM_COMPAT_FAULT);
		break;
	case HMM_DMIRROR_MIGRATE_TO_DEV:
		ret = sim_compat_migrate_to_dev(cf, &cmd);
		break;
	case HMM_DMIRROR_MIGRATE_TO_SYS:
	case HMM_DMIRROR_RELEASE:
		ret = sim_compat_migrate_to_sys(cf, &cmd);
		break;
	case HMM_DMIRROR_SNAPSHOT:
		ret = sim_compat_snapshot(cf, &cmd);
		break;
	case HMM_DMIRROR_EXCLUSIVE:
		ret = sim_compat_exclusive(cf, &cmd);
		break;
	case HMM_DMIRROR_CHECK_EXCLUSIVE:
		ret = sim_compat_check_exclusive(cf, &cmd);
		break;
#ifdef HMM_DMIRROR_FLAGS
	case HMM_DMIRROR_FLAGS:
		/* The flags are in npages; bits test_hmm does not define: -EINVAL. */
		if (cmd.npages & ~HMM_DMIRROR_FLAG_FAIL_ALLOC)
			return -EINVAL;
		cf->flags = cmd.npages;
		break;
#endif
	}
	if (ret)
		return ret;
	if (copy_to_user(uarg, &cmd, sizeof(cmd)))
		return -EFAULT;
	return 0;
}

static const struct file_operations sim_compat_fops = {
	.owner = THIS_MODULE,
	.open = sim_compat_open,
	.release = sim_compat_release,
	.unlocked_ioctl = sim_compat_ioctl,
	.mmap = sim_compat_mmap,
	.llseek = noop_llseek,
};

/**
 * sim_compat_register() - Create /dev/hmm_dmirrorN for a device.
 * @sdev: The device; its core context exists.
 * @id: N: test_hmm's device number (0 and 1 device-private, 2 and 3
 *	device-coherent).
 *
 * Context: Process context (module load).
 * Return: 0, -ENOMEM, or the error of misc_register() (-EBUSY if the name
 * is taken, e.g. by test_hmm.ko).
 */
int sim_compat_register(struct sim_device *sdev, unsigned int id)
{
	struct sim_compat *compat;
	int ret;

	compat = kzalloc(sizeof(*compat), GFP_KERNEL);
	if (!compat)
		return -ENOMEM;
	compat->sdev = sdev;
	snprintf(compat->name, sizeof(compat->name), "hmm_dmirror%u", id);
	compat->misc.minor = MISC_DYNAMIC_MINOR;
	compat->misc.name = compat->name;
	compat->misc.fops = &sim_compat_fops;
	compat->misc.mode = 0666;
	ret = misc_register(&compat->misc);
	if (ret)
		goto err_free;
	sdev->compat = compat;
	return 0;

err_free:
	kfree(compat);
	return ret;
}

/**
 * sim_compat_unregister() - Remove /dev/hmm_dmirrorN of a device, if any.
 * @sdev: The device.
 *
 * No file of it is open: each one pins the module.
 *
 * Context: Process context (module unload or failed load).
 */
void sim_compat_unregister(struct sim_device *sdev)
{
	if (!sdev->compat)
		return;
	misc_deregister(&sdev->compat->misc);
	kfree(sdev->compat);
	sdev->compat = NULL;
}
