// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - debugfs: per-device and per-mirror statistics, mirror-table
 * dumps and self-checks.
 *
 *   devmirror/<device>/stats                 device-wide statistics
 *   devmirror/<device>/mirrors               live mirrors, one per line
 *   devmirror/<device>/devmem                device memory: size, use, LRU
 *   devmirror/<device>/devmem_pages          each device page not free: state,
 *                                            references, mapped, lock
 *   devmirror/<device>/latency               device-wide latency histograms
 *   devmirror/<device>/mirror-<asid>/stats   one mirror's statistics
 *   devmirror/<device>/mirror-<asid>/latency its latency histograms
 *   devmirror/<device>/mirror-<asid>/table   its table, one line per run
 *   devmirror/<device>/mirror-<asid>/check   "ok" or "corrupt" (dmpt_check)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "devmirror_testing.h"
#include "internal.h"

/* One "name value" line per statistic, the names of the query ioctl's. */
static int devmir_stats_show(struct seq_file *m, struct devmir_device *dev,
			     struct devmir_mirror *mirror)
{
	unsigned int i, n = devmir_stat_count(dev);
	struct devmir_stat_desc desc;
	struct devmir_stats *st;
	u64 *values;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	values = kmalloc_array(n, sizeof(*values), GFP_KERNEL);
	if (!st || !values) {
		kfree(values);
		kfree(st);
		return -ENOMEM;
	}
	if (mirror)
		devmir_mirror_stats(mirror, st);
	else
		devmir_device_stats(dev, st);
	n = devmir_stats_flatten(dev, st, values, n);
	for (i = 0; i < n; i++)
		if (!devmir_stat_describe(dev, i, &desc))
			seq_printf(m, "%-24s %llu\n", desc.name, values[i]);
	kfree(values);
	kfree(st);
	return 0;
}

static int devmir_device_stats_show(struct seq_file *m, void *unused)
{
	return devmir_stats_show(m, m->private, NULL);
}
DEFINE_SHOW_ATTRIBUTE(devmir_device_stats);

/*
 * One line per latency histogram (DOC: Latency histograms): its name, the
 * sample count, sum and largest sample in nanoseconds, then the
 * %DEVMIR_LAT_BUCKETS log2 buckets from 2^0 ns up.
 */
static int devmir_latency_show(struct seq_file *m, struct devmir_device *dev,
			       struct devmir_mirror *mirror)
{
	struct devmir_lat_hist *hists;
	int i, b;

	hists = kcalloc(DEVMIR_LAT_NR, sizeof(*hists), GFP_KERNEL);
	if (!hists)
		return -ENOMEM;
	if (mirror)
		devmir_mirror_latency(mirror, hists);
	else
		devmir_device_latency(dev, hists);
	seq_puts(m, "# name count sum_ns max_ns buckets[log2 ns 0..31]\n");
	for (i = 0; i < DEVMIR_LAT_NR; i++) {
		seq_printf(m, "%s %llu %llu %llu", devmir_lat_name(i),
			   hists[i].count, hists[i].sum_ns, hists[i].max_ns);
		for (b = 0; b < DEVMIR_LAT_BUCKETS; b++)
			seq_printf(m, " %llu", hists[i].buckets[b]);
		seq_putc(m, '\n');
	}
	kfree(hists);
	return 0;
}

static int devmir_device_latency_show(struct seq_file *m, void *unused)
{
	return devmir_latency_show(m, m->private, NULL);
}
DEFINE_SHOW_ATTRIBUTE(devmir_device_latency);

static int devmir_mirror_latency_show(struct seq_file *m, void *unused)
{
	struct devmir_mirror *mirror = m->private;

	return devmir_latency_show(m, mirror->dev, mirror);
}
DEFINE_SHOW_ATTRIBUTE(devmir_mirror_latency);

static int devmir_mirrors_show(struct seq_file *m, void *unused)
{
	struct devmir_device *dev = m->private;
	struct devmir_mirror *mirror;
	struct dmpt_stats st;
	u64 entries;
	int l;

	seq_puts(m, "asid refs entries table_bytes\n");
	spin_lock(&dev->mirrors_lock);
	list_for_each_entry(mirror, &dev->mirrors, node) {
		dmpt_get_stats(&mirror->pt, &st);
		for (entries = 0, l = 0; l < DMPT_MAX_LEVELS; l++)
			entries += st.entries[l];
		seq_printf(m, "%u %u %llu %llu\n", mirror->asid,
			   kref_read(&mirror->kref), entries, st.bytes);
	}
	spin_unlock(&dev->mirrors_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_mirrors);

static int devmir_devmem_show(struct seq_file *m, void *unused)
{
	struct devmir_device *dev = m->private;
	struct devmir_devmem *dm = dev->devmem;
	unsigned long state[DEVMIR_DP_TAIL + 1] = { };
	unsigned long i, referenced = 0;

	if (!dm) {
		seq_puts(m, "pages 0\n");
		return 0;
	}
	spin_lock(&dm->lock);
	for (i = 0; i < dm->npages; i++) {
		state[dm->pages[i].state]++;
		referenced += READ_ONCE(dm->pages[i].referenced);
	}
	spin_unlock(&dm->lock);
	seq_printf(m, "pages %lu\nused %lu\nfree %lu\nallocated %lu\nin_use %lu\n"
		   "isolated %lu\nreferenced %lu\npfns %#lx-%#lx\ntail %lu\n"
		   "device_thp %d\n",
		   dm->npages, devmir_devmem_used(dm), state[DEVMIR_DP_FREE],
		   state[DEVMIR_DP_ALLOCATED], state[DEVMIR_DP_IN_USE],
		   state[DEVMIR_DP_ISOLATED], referenced, dm->base_pfn,
		   dm->base_pfn + dm->npages - 1, state[DEVMIR_DP_TAIL],
		   DEVMIR_DEVICE_THP);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_devmem);

/*
 * One line per device page that is not free: its index, pool state, the
 * struct page's reference count, whether it is mapped, anonymous and
 * locked. A page left in use after every process is gone shows here with
 * what still holds it (locked: an eviction or a migration has it). Read
 * without the page lock: a snapshot.
 */
static int devmir_devmem_pages_show(struct seq_file *m, void *unused)
{
	static const char * const names[] = {
		[DEVMIR_DP_FREE] = "free", [DEVMIR_DP_ALLOCATED] = "allocated",
		[DEVMIR_DP_IN_USE] = "in_use", [DEVMIR_DP_ISOLATED] = "isolated",
		[DEVMIR_DP_TAIL] = "tail",
	};
	struct devmir_device *dev = m->private;
	struct devmir_devmem *dm = dev->devmem;
	unsigned long i;

	for (i = 0; dm && i < dm->npages; i++) {
		unsigned int state = READ_ONCE(dm->pages[i].state);
		struct page *page = pfn_to_page(dm->base_pfn + i);

		if (state == DEVMIR_DP_FREE)
			continue;
		seq_printf(m, "%lu %s ref %d mapped %d anon %d locked %d\n", i,
			   state < ARRAY_SIZE(names) ? names[state] : "?",
			   page_ref_count(page), folio_mapped(page_folio(page)),
			   PageAnon(page), PageLocked(page));
		cond_resched();
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_devmem_pages);

static int devmir_mirror_stats_show(struct seq_file *m, void *unused)
{
	struct devmir_mirror *mirror = m->private;

	return devmir_stats_show(m, mirror->dev, mirror);
}
DEFINE_SHOW_ATTRIBUTE(devmir_mirror_stats);

struct devmir_dump_ctx {
	struct seq_file *m;
	const struct dmpt_format *fmt;
};

static int devmir_dump_run(const struct dmpt_run *run, void *arg)
{
	struct devmir_dump_ctx *ctx = arg;
	u64 flags = dmpt_entry_flags(run->first);
	u64 size = dmpt_level_size(ctx->fmt, run->level);

	seq_printf(ctx->m, "%#014llx %6lu x L%u(%lluK) pfn %#llx %c%c%c%c%c\n",
		   run->start, run->count, run->level, size >> 10,
		   dmpt_entry_pfn(run->first),
		   'r', flags & DMPT_WRITE ? 'w' : '-',
		   flags & DMPT_DEVICE_PRIVATE ? 'd' : '-',
		   flags & DMPT_EXCLUSIVE ? 'x' : '-',
		   flags & DMPT_DIRTY ? 'D' : '-');
	return 0;
}

static int devmir_table_show(struct seq_file *m, void *unused)
{
	struct devmir_mirror *mirror = m->private;
	struct devmir_dump_ctx ctx = { .m = m, .fmt = mirror->dev->format };

	seq_puts(m, "start          leaves level     frame flags\n");
	mutex_lock(&mirror->update_lock);
	dmpt_walk(&mirror->pt, 0, devmir_va_end(mirror->dev), devmir_dump_run, &ctx);
	mutex_unlock(&mirror->update_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_table);

static int devmir_thrashing_show(struct seq_file *m, void *unused)
{
	devmir_thrash_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_thrashing);

static int devmir_check_show(struct seq_file *m, void *unused)
{
	seq_puts(m, devmir_mirror_check(m->private) ? "corrupt\n" : "ok\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_check);

/* What the kernel the core was built for offers (tests read it). */
static int devmir_features_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "device_thp %d\ntwo_pass_invalidation %d\n",
		   DEVMIR_DEVICE_THP, DEVMIR_TWO_PASS_INVALIDATION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmir_features);

/**
 * devmir_debugfs_init() - Create the core's files in its debugfs root.
 * @root: The root directory, or NULL (debugfs is optional).
 *
 * Context: Process context (module init).
 */
void devmir_debugfs_init(struct dentry *root)
{
	if (root)
		debugfs_create_file("features", 0444, root, NULL,
				    &devmir_features_fops);
}

/**
 * devmir_debugfs_device_init() - Create a device's debugfs directory.
 * @dev: The device context.
 *
 * Failures are ignored: debugfs is optional.
 *
 * Context: Process context.
 */
void devmir_debugfs_device_init(struct devmir_device *dev)
{
	struct dentry *dir;

	if (!devmir_debugfs_root)
		return;
	dir = debugfs_create_dir(dev->name, devmir_debugfs_root);
	if (IS_ERR(dir))
		return;
	dev->debugfs = dir;
	debugfs_create_file("stats", 0444, dir, dev, &devmir_device_stats_fops);
	debugfs_create_file("mirrors", 0444, dir, dev, &devmir_mirrors_fops);
	debugfs_create_file("devmem", 0444, dir, dev, &devmir_devmem_fops);
	debugfs_create_file("devmem_pages", 0444, dir, dev,
			    &devmir_devmem_pages_fops);
	debugfs_create_file("latency", 0444, dir, dev, &devmir_device_latency_fops);
}

/**
 * devmir_debugfs_device_fini() - Remove a device's debugfs directory.
 * @dev: The device context.
 *
 * Context: Process context; waits for readers of its files.
 */
void devmir_debugfs_device_fini(struct devmir_device *dev)
{
	debugfs_remove_recursive(dev->debugfs);
	dev->debugfs = NULL;
}

/**
 * devmir_debugfs_mirror_init() - Create a mirror's debugfs directory.
 * @mirror: The mirror.
 *
 * Context: Process context.
 */
void devmir_debugfs_mirror_init(struct devmir_mirror *mirror)
{
	struct dentry *dir;
	char name[24];

	if (!mirror->dev->debugfs)
		return;
	snprintf(name, sizeof(name), "mirror-%u", mirror->asid);
	dir = debugfs_create_dir(name, mirror->dev->debugfs);
	if (IS_ERR(dir))
		return;
	mirror->debugfs = dir;
	debugfs_create_file("stats", 0444, dir, mirror, &devmir_mirror_stats_fops);
	debugfs_create_file("table", 0444, dir, mirror, &devmir_table_fops);
	debugfs_create_file("check", 0444, dir, mirror, &devmir_check_fops);
	debugfs_create_file("thrashing", 0444, dir, mirror, &devmir_thrashing_fops);
	debugfs_create_file("latency", 0444, dir, mirror, &devmir_mirror_latency_fops);
}

/**
 * devmir_debugfs_mirror_fini() - Remove a mirror's debugfs directory.
 * @mirror: The mirror.
 *
 * Context: Process context; waits for readers of its files, so it must run
 * before the mirror is freed.
 */
void devmir_debugfs_mirror_fini(struct devmir_mirror *mirror)
{
	debugfs_remove_recursive(mirror->debugfs);
	mirror->debugfs = NULL;
}
