// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - simulated SVM devices built on the devmirror core: module
 * parameters, device creation and the core callbacks.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>

#include "devmirror_testing.h"
#include "sim.h"

/**
 * DOC: Overview
 *
 * devmirror_sim.ko creates ``ndevices`` simulated devices, each a platform
 * device with a DRM render node (driver name "devmirror"). It is written
 * only against the devmirror core API, as a real GPU driver would be.
 *
 * Each device models an MMU: a set-associative TLB tagged by the mirror's
 * address-space id with 4 KiB and huge entries (tlb.c), a page walker over
 * the mirror table that counts walks and directories read (walker.c), and a
 * bounded fault queue that coalesces duplicate faults and is serviced in
 * batches through devmir_fault_batch() (fault_queue.c). Engines (engine.c)
 * execute READ, WRITE, ATOMIC_ADD and ATOMIC_CMPXCHG commands on process
 * virtual addresses, one memory transaction at a time, touching the real
 * pages through the translated frames: data is correct byte for byte or the
 * access fails.
 *
 * Each device has ``devmem_mb`` MiB of device memory: the core creates and
 * pools the device-private pages, this module backs each one with a kernel
 * page and copies data in and out for migrations (devmem.c). Device accesses
 * to pages in device memory use that memory. All devices of the module share
 * one pgmap owner: they are peers, see each other's device pages and migrate
 * them when they touch them.
 *
 * Each address of ``coherent_addr`` (reserved physical memory, e.g. a
 * ``memmap=`` range) adds one more device, after the ``ndevices`` ones,
 * whose ``coherent_mb`` MiB of memory is device-coherent: the core turns the
 * range into MEMORY_DEVICE_COHERENT pages, which hold their data
 * themselves; the CPU accesses them directly, so this module needs no
 * backing pages for them and copies with the CPU like for system pages.
 *
 * With ``hmm_compat=1`` devices 0 and 1 are also test_hmm's
 * /dev/hmm_dmirror0 and 1 (compat.c), the first two device-coherent devices
 * its /dev/hmm_dmirror2 and 3, and no device has peers, as in test_hmm.
 * Atomics on system memory take the page
 * exclusive first (devmir_exclusive_begin()).
 *
 * Unloading: every open render-node file pins the module (its
 * file_operations owner), so rmmod fails (delete_module() returns
 * -EWOULDBLOCK for a module in use) until the last file is closed. With no
 * file open, unload removes the render nodes, then the core
 * device contexts (which have no mirror left by then); destroying a context
 * evicts every page still in its device memory to system memory, so a
 * process that closed its files but still uses migrated memory keeps its
 * data. Then the backing pages are freed.
 */

struct sim_config sim_config;

/*
 * Test-only: the index of a device whose creation fails with -ENOMEM after
 * its device memory and core context exist, so the failed-load unwind can be
 * tested (devmirror-lifecycle). -1: never.
 */
static int fail_device = -1;
module_param(fail_device, int, 0444);
MODULE_PARM_DESC(fail_device, "test only: fail the load at this device index (-1: never)");

/*
 * Set once every device and every node exists and nothing can fail any
 * more. A node is user-visible from its registration on; until then an
 * open of it is refused, so a load that fails late never leaves a file
 * open on code that is about to be freed.
 */
static bool sim_live;

/**
 * sim_is_live() - Whether the module finished loading.
 *
 * Context: Any context.
 * Return: True once module init has succeeded; opens before that must fail
 * with -ENODEV.
 */
bool sim_is_live(void)
{
	/* Pairs with the release in sim_init(): the nodes are all there. */
	return smp_load_acquire(&sim_live);
}

static unsigned int ndevices = 2;
module_param(ndevices, uint, 0444);
MODULE_PARM_DESC(ndevices, "Number of simulated devices (1-16, default 2)");

static unsigned int tlb_entries = 64;
module_param(tlb_entries, uint, 0444);
MODULE_PARM_DESC(tlb_entries, "TLB entries per device (power of two, 4-65536, default 64)");

static unsigned int tlb_ways = 4;
module_param(tlb_ways, uint, 0444);
MODULE_PARM_DESC(tlb_ways, "TLB associativity (power of two <= tlb_entries, default 4)");

static unsigned int fault_queue = 64;
module_param(fault_queue, uint, 0444);
MODULE_PARM_DESC(fault_queue, "Fault queue entries per device (1-1024, default 64)");

static unsigned int fault_batch = 16;
module_param(fault_batch, uint, 0444);
MODULE_PARM_DESC(fault_batch, "Initial faults per batch (1-fault_queue, default 16)");

static unsigned int engines = 2;
module_param(engines, uint, 0444);
MODULE_PARM_DESC(engines, "Command engines per device (1-16, default 2)");

static unsigned int txn_bytes = PAGE_SIZE;
module_param(txn_bytes, uint, 0444);
MODULE_PARM_DESC(txn_bytes, "Bytes per memory transaction (power of two, 256-4096, default 4096)");

static unsigned int walk_line = 8;
module_param(walk_line, uint, 0444);
MODULE_PARM_DESC(walk_line, "Leaf entries a read walk fetches and caches, the one it looks for and those after it (1-16, default 8)");

static bool huge = true;
module_param(huge, bool, 0444);
MODULE_PARM_DESC(huge, "Device MMU maps 2 MiB and 1 GiB pages (default true)");

static unsigned int fault_window_kb;
module_param(fault_window_kb, uint, 0444);
MODULE_PARM_DESC(fault_window_kb, "Initial fault-ahead window in KiB (0: adaptive, the default; or a power of two, 4-2048)");

static unsigned int devmem_mb = 256;
module_param(devmem_mb, uint, 0444);
MODULE_PARM_DESC(devmem_mb, "Device memory per device in MiB (0 or an even number up to 16384, default 256)");

static unsigned int ram_window_kb = 64;
module_param(ram_window_kb, uint, 0444);
MODULE_PARM_DESC(ram_window_kb, "Initial window a CPU fault on device memory migrates back, KiB (power of two, 4-2048, default 64)");

static bool direct_read = true;
module_param(direct_read, bool, 0444);
MODULE_PARM_DESC(direct_read, "READ copies into the user buffer directly when its page is present, else through the bounce page (default true)");
static bool direct_write = true;
module_param(direct_write, bool, 0444);
MODULE_PARM_DESC(direct_write, "WRITE copies from the user buffer directly when its page is present, else through the bounce page (default true)");

static unsigned long coherent_addr[SIM_MAX_COHERENT];
static unsigned int ncoherent_addr;
module_param_array(coherent_addr, ulong, &ncoherent_addr, 0444);
MODULE_PARM_DESC(coherent_addr, "Physical addresses of reserved memory (e.g. memmap=256M$0x40000000), one device-coherent device each, after the ndevices device-private ones (2 MiB-aligned, at most 4)");

static unsigned int coherent_mb = 256;
module_param(coherent_mb, uint, 0444);
MODULE_PARM_DESC(coherent_mb, "Memory of each device-coherent device in MiB, from coherent_addr on (an even number up to 16384, default 256)");

static bool hmm_compat;
module_param(hmm_compat, bool, 0444);
MODULE_PARM_DESC(hmm_compat, "Also expose devices 0 and 1 as test_hmm's /dev/hmm_dmirror0 and 1; they are then not peers (default false)");

/*
 * The modelled round trip of a device TLB invalidation, from the request to
 * the device's acknowledgment (DOC: TLB shootdown). Writable at any time
 * through /sys/module/devmirror_sim/parameters/; each shootdown reads it
 * once.
 */
static int sim_set_tlb_inv_us(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, SIM_TLB_INV_US_MAX);
}

static const struct kernel_param_ops sim_tlb_inv_us_ops = {
	.set = sim_set_tlb_inv_us,
	.get = param_get_uint,
};

static unsigned int tlb_inv_us;
module_param_cb(tlb_inv_us, &sim_tlb_inv_us_ops, &tlb_inv_us, 0644);
MODULE_PARM_DESC(tlb_inv_us, "Modelled TLB invalidation round trip in microseconds (0-1000, default 0)");

/* The pgmap owner shared by every device of this module: they are peers. */
static int sim_peer_group;

/*
 * The device MMU's page-table format: x86-64-like 4 levels of 512 entries
 * over 48 bits, leaves at 4 KiB, 2 MiB and 1 GiB (level 0 = leaf).
 */
static const struct dmpt_format sim_format = {
	.nlevels = 4,
	.shift = { 12, 21, 30, 39 },
	.bits = { 9, 9, 9, 9 },
	.leaf_levels = BIT(0) | BIT(1) | BIT(2),
};

static struct sim_device *sim_devices[16];

static int sim_mirror_init(struct devmir_mirror *mirror)
{
	struct sim_mirror *smirror = devmir_mirror_priv(mirror);

	rwlock_init(&smirror->access_lock);
	smirror->fault_batch = sim_config.fault_batch;
	return sim_fq_init(&smirror->fq, sim_config.fault_queue);
}

static void sim_mirror_fini(struct devmir_mirror *mirror)
{
	struct sim_device *sdev = devmir_device_drvdata(devmir_mirror_device(mirror));
	struct sim_mirror *smirror = devmir_mirror_priv(mirror);

	sim_tlb_shootdown(&sdev->tlb, devmir_mirror_asid(mirror), 0, U64_MAX);
	sim_fq_fini(&smirror->fq);
}

/**
 * DOC: TLB shootdown
 *
 * The simulated TLB is software, so the shootdown itself is exact and at
 * once: under the mirror's access lock for write, it waits for the
 * transactions in flight, drops the range's entries, and no transaction
 * starts with a stale translation. A real device also takes a round trip
 * to acknowledge an invalidation; tlb_inv_us models it (0, the default:
 * none). Each shootdown moves the mirror's acknowledgment time to at
 * least now + tlb_inv_us, and sim_invalidate_wait() (the core's
 * &devmir_device_ops.invalidate_wait) waits until then: in the notifier's
 * second pass where the kernel has two, so the round trips of several
 * devices overlap (DOC: Two-pass invalidation).
 */
static void sim_invalidate(struct devmir_mirror *mirror, u64 start, u64 end,
			   bool blockable)
{
	struct sim_device *sdev = devmir_device_drvdata(devmir_mirror_device(mirror));
	struct sim_mirror *smirror = devmir_mirror_priv(mirror);
	s64 due, prev;
	unsigned int n;

	write_lock(&smirror->access_lock);
	n = sim_tlb_shootdown(&sdev->tlb, devmir_mirror_asid(mirror), start, end);
	write_unlock(&smirror->access_lock);
	devmir_driver_stat_add(mirror, SIM_STAT_TLB_SHOOTDOWNS, 1);
	devmir_driver_stat_add(mirror, SIM_STAT_TLB_FLUSHED, n);

	due = ktime_get_ns() + (s64)READ_ONCE(tlb_inv_us) * NSEC_PER_USEC;
	prev = atomic64_read(&smirror->inv_due);
	while (prev < due && !atomic64_try_cmpxchg(&smirror->inv_due, &prev, due))
		;
}

/* Wait for the acknowledgment of every shootdown issued so far. */
static void sim_invalidate_wait(struct devmir_mirror *mirror, bool blockable)
{
	struct sim_mirror *smirror = devmir_mirror_priv(mirror);
	s64 left = atomic64_read(&smirror->inv_due) - (s64)ktime_get_ns();

	if (left <= 0)
		return;
	if (blockable)
		fsleep(DIV_ROUND_UP(left, NSEC_PER_USEC));
	else
		udelay(DIV_ROUND_UP(left, NSEC_PER_USEC));
}

static const struct devmir_device_ops sim_core_ops = {
	.mirror_init = sim_mirror_init,
	.mirror_fini = sim_mirror_fini,
	.invalidate = sim_invalidate,
	.invalidate_wait = sim_invalidate_wait,
	.copy = sim_copy,
};

static int sim_config_check(void)
{
	struct sim_config *c = &sim_config;
	unsigned int i;

	c->ndevices = ndevices;
	c->tlb_entries = tlb_entries;
	c->tlb_ways = tlb_ways;
	c->fault_queue = fault_queue;
	c->fault_batch = fault_batch;
	c->engines = engines;
	c->txn_bytes = txn_bytes;
	c->walk_line = walk_line;
	c->huge = huge;
	c->fault_window = (u64)fault_window_kb << 10;
	c->max_asids = 4096;
	c->devmem = (u64)devmem_mb << 20;
	c->ram_window = (u64)ram_window_kb << 10;
	c->hmm_compat = hmm_compat;
	c->direct_read = direct_read;
	c->direct_write = direct_write;
	c->ncoherent = ncoherent_addr;
	c->coherent_size = (u64)coherent_mb << 20;
	for (i = 0; i < c->ncoherent; i++)
		c->coherent_base[i] = coherent_addr[i];

	if (!c->ndevices || c->ndevices + c->ncoherent > ARRAY_SIZE(sim_devices))
		return -EINVAL;
	if (c->ncoherent && (!c->coherent_size ||
			     !IS_ALIGNED(c->coherent_size, DEVMIR_DEVMEM_ALIGN) ||
			     c->coherent_size > DEVMIR_DEVMEM_MAX))
		return -EINVAL;
	for (i = 0; i < c->ncoherent; i++)
		if (!c->coherent_base[i] ||
		    !IS_ALIGNED(c->coherent_base[i], DEVMIR_DEVMEM_ALIGN))
			return -EINVAL;
	if (!is_power_of_2(c->tlb_entries) || c->tlb_entries < 4 ||
	    c->tlb_entries > 65536 || !is_power_of_2(c->tlb_ways) ||
	    c->tlb_ways > c->tlb_entries)
		return -EINVAL;
	if (!c->fault_queue || c->fault_queue > 1024 || !c->fault_batch ||
	    c->fault_batch > c->fault_queue)
		return -EINVAL;
	if (!c->engines || c->engines > 16)
		return -EINVAL;
	if (!is_power_of_2(c->txn_bytes) || c->txn_bytes < 256 ||
	    c->txn_bytes > PAGE_SIZE)
		return -EINVAL;
	if (!c->walk_line || c->walk_line > SIM_WALK_LINE_MAX)
		return -EINVAL;
	if (c->fault_window != DEVMIR_WINDOW_ADAPTIVE &&
	    (!is_power_of_2(c->fault_window) || c->fault_window < DEVMIR_WINDOW_MIN ||
	     c->fault_window > DEVMIR_WINDOW_MAX))
		return -EINVAL;
	if (!IS_ALIGNED(c->devmem, DEVMIR_DEVMEM_ALIGN) || c->devmem > DEVMIR_DEVMEM_MAX)
		return -EINVAL;
	if (!is_power_of_2(c->ram_window) || c->ram_window < DEVMIR_WINDOW_MIN ||
	    c->ram_window > DEVMIR_WINDOW_MAX)
		return -EINVAL;
	return 0;
}

static void sim_device_destroy(struct sim_device *sdev)
{
	struct platform_device *pdev = sdev->pdev;

	sim_compat_unregister(sdev);
	if (sdev->registered)
		sim_drm_unregister(sdev);
	/* Evicts what is left in device memory, with sim_copy(). */
	devmir_device_destroy(sdev->core);
	sim_devmem_fini(sdev);
	sim_engines_fini(sdev);
	sim_tlb_fini(&sdev->tlb);
	/* Releases the drm_device, and with it @sdev. */
	devres_release_group(&pdev->dev, NULL);
	platform_device_unregister(pdev);
}

static const char *const sim_stat_names[SIM_STAT_NR] = {
	[SIM_STAT_FAULTS_RAISED] = "faults_raised",
	[SIM_STAT_FAULTS_COALESCED] = "faults_coalesced",
	[SIM_STAT_TLB_HITS] = "tlb_hits",
	[SIM_STAT_TLB_MISSES] = "tlb_misses",
	[SIM_STAT_TLB_SHOOTDOWNS] = "tlb_shootdowns",
	[SIM_STAT_TLB_FLUSHED] = "tlb_flushed",
	[SIM_STAT_WALKS] = "walks",
	[SIM_STAT_WALK_LEVELS] = "walk_levels",
	[SIM_STAT_ACCESSES] = "accesses",
	[SIM_STAT_EXCLUSIVE_FALLBACKS] = "exclusive_fallbacks",
};

static struct sim_device *sim_device_create(unsigned int index)
{
	struct devmir_device_desc desc = { };
	struct platform_device *pdev;
	struct sim_device *sdev;
	char name[24];
	int ret;

	/*
	 * A distinct name per device: libdrm identifies a platform device by
	 * its modalias, which holds the name but not the id.
	 */
	snprintf(name, sizeof(name), "devmirror-sim%u", index);
	pdev = platform_device_register_simple(name, PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);
	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_unregister;
	}

	sdev = devm_drm_dev_alloc(&pdev->dev, &sim_drm_driver, struct sim_device, drm);
	if (IS_ERR(sdev)) {
		ret = PTR_ERR(sdev);
		goto err_devres;
	}
	sdev->pdev = pdev;
	sdev->index = index;
	sdev->coherent = index >= sim_config.ndevices;
	sdev->format = sim_format;
	if (!sim_config.huge)
		sdev->format.leaf_levels = BIT(0);

	ret = sim_tlb_init(&sdev->tlb, sim_config.tlb_entries, sim_config.tlb_ways);
	if (ret)
		goto err_devres;
	ret = sim_engines_init(sdev, sim_config.engines);
	if (ret)
		goto err_tlb;
	ret = sim_devmem_init(sdev, sdev->coherent ? 0 : sim_config.devmem);
	if (ret)
		goto err_engines;

	snprintf(name, sizeof(name), "sim%u", index);
	desc.name = name;
	desc.format = &sdev->format;
	/* test_hmm's devices each own their memory: no peers in compat mode. */
	desc.pgmap_owner = sim_config.hmm_compat ? (void *)sdev : &sim_peer_group;
	desc.ops = &sim_core_ops;
	desc.mirror_priv_size = sizeof(struct sim_mirror);
	desc.max_asids = sim_config.max_asids;
	desc.fault_window = sim_config.fault_window;
	if (sdev->coherent) {
		desc.memory_kind = DEVMIR_MEMORY_COHERENT;
		desc.coherent_base = sim_config.coherent_base[index - sim_config.ndevices];
		desc.devmem_size = sim_config.coherent_size;
	} else {
		desc.devmem_size = sim_config.devmem;
	}
	desc.ram_window = sim_config.ram_window;
	desc.drvdata = sdev;
	desc.driver_stats = sim_stat_names;
	desc.nr_driver_stats = SIM_STAT_NR;
	sdev->core = devmir_device_create(&desc);
	if (IS_ERR(sdev->core)) {
		ret = PTR_ERR(sdev->core);
		goto err_devmem;
	}
	if (index == fail_device) {
		ret = -ENOMEM;
		goto err_core;
	}
	/* The nodes come later, once every device exists (sim_init()). */
	return sdev;

err_core:
	devmir_device_destroy(sdev->core);
err_devmem:
	sim_devmem_fini(sdev);
err_engines:
	sim_engines_fini(sdev);
err_tlb:
	sim_tlb_fini(&sdev->tlb);
err_devres:
	devres_release_group(&pdev->dev, NULL);
err_unregister:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

static void sim_destroy_all(void)
{
	int i;

	for (i = ARRAY_SIZE(sim_devices) - 1; i >= 0; i--) {
		if (sim_devices[i])
			sim_device_destroy(sim_devices[i]);
		sim_devices[i] = NULL;
	}
}

/* Make a device's render node and test_hmm node visible. */
static int sim_device_register(struct sim_device *sdev)
{
	int ret;

	ret = sim_drm_register(sdev);
	if (ret)
		return ret;
	sdev->registered = true;
	if (sim_config.hmm_compat && !sdev->coherent && sdev->index < 2)
		return sim_compat_register(sdev, sdev->index);
	/* test_hmm's device-coherent devices are its devices 2 and 3. */
	if (sim_config.hmm_compat && sdev->coherent)
		return sim_compat_register(sdev, 2 + sdev->index - sim_config.ndevices);
	return 0;
}

/*
 * Load in two phases: every device with everything that can fail (device
 * memory, core context), then every user-visible node. A node registered
 * before a later one fails cannot have a file open on it: opens are refused
 * until sim_live is set, after the last registration.
 */
static int __init sim_init(void)
{
	unsigned int i;
	int ret;

	ret = sim_config_check();
	if (ret) {
		pr_err("devmirror_sim: invalid module parameters\n");
		return ret;
	}
	for (i = 0; i < sim_config.ndevices + sim_config.ncoherent; i++) {
		sim_devices[i] = sim_device_create(i);
		if (IS_ERR(sim_devices[i])) {
			ret = PTR_ERR(sim_devices[i]);
			sim_devices[i] = NULL;
			goto err_destroy;
		}
	}
	for (i = 0; i < sim_config.ndevices + sim_config.ncoherent; i++) {
		ret = sim_device_register(sim_devices[i]);
		if (ret)
			goto err_destroy;
	}
	/* Every device and node is set up before an open may succeed. */
	smp_store_release(&sim_live, true);
	pr_info("devmirror_sim: %u device(s), TLB %u x %u-way, fault queue %u, %u MiB device memory each\n",
		sim_config.ndevices, sim_config.tlb_entries / sim_config.tlb_ways,
		sim_config.tlb_ways, sim_config.fault_queue, devmem_mb);
	if (sim_config.ncoherent)
		pr_info("devmirror_sim: %u device-coherent device(s), %u MiB each\n",
			sim_config.ncoherent, coherent_mb);
	return 0;

err_destroy:
	pr_err("devmirror_sim: load failed (%d), every device removed\n", ret);
	sim_destroy_all();
	return ret;
}

static void __exit sim_exit(void)
{
	sim_destroy_all();
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_DESCRIPTION("devmirror: simulated SVM device with a DRM render node");
MODULE_LICENSE("GPL");
/* The SNAPSHOT ioctl and the test_hmm ABI use the core's test surface. */
MODULE_IMPORT_NS(DEVMIR_TESTING_NS);
