// SPDX-License-Identifier: GPL-2.0
/*
 * torture_migrate.c - MIGRATE in devmirror_torture (see the header).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "torture_migrate.h"

void tmig_run(struct tm_slot *s, int fd, int fi_fd, struct tmig_call *c)
{
	memset(&c->out, 0, sizeof(c->out));
	dm_fi_thread_set(fi_fd, 1);
	c->ret = dm_migrate(fd, s->addr + c->p0 * PAGE, c->n * PAGE, c->direction,
			    c->flags, &c->out);
	dm_fi_thread_set(fi_fd, 0);
}

static enum tmig_verdict check_counts(const struct tmig_call *c, char *why, size_t len)
{
	const struct drm_devmir_migrate *m = &c->out;
	unsigned int i;

	if (dm_migrate_total(m) != c->n) {
		snprintf(why, len, "migrated %llu + already %llu + absent %llu + failed %llu != %u",
			 (unsigned long long)m->migrated, (unsigned long long)m->already,
			 (unsigned long long)m->absent,
			 (unsigned long long)dm_migrate_failed(m), c->n);
		return TMIG_BAD_COUNTS;
	}
	for (i = DRM_DEVMIR_MIGFAIL_NOMEM + 1; i < DRM_DEVMIR_MIGFAIL_SLOTS; i++)
		if (m->failed[i]) {
			snprintf(why, len, "failed[%u] = %llu (reserved)", i,
				 (unsigned long long)m->failed[i]);
			return TMIG_BAD_COUNTS;
		}
	if (m->failed[DRM_DEVMIR_MIGFAIL_VMA] || m->failed[DRM_DEVMIR_MIGFAIL_FILE]) {
		snprintf(why, len, "private anonymous pages failed as VMA %llu / FILE %llu",
			 (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_VMA],
			 (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_FILE]);
		return TMIG_BAD_COUNTS;
	}
	if (c->direction == DRM_DEVMIR_MIGDIR_TO_DEVICE && m->absent) {
		snprintf(why, len, "TO_DEVICE counted %llu pages absent",
			 (unsigned long long)m->absent);
		return TMIG_BAD_COUNTS;
	}
	if (!c->ret && !c->flags && dm_migrate_failed(m)) {
		snprintf(why, len, "returned 0 without PREFETCH with %llu pages failed",
			 (unsigned long long)dm_migrate_failed(m));
		return TMIG_BAD_COUNTS;
	}
	return TMIG_OK;
}

enum tmig_verdict tmig_check(const struct tmig_call *c, const struct tm_page *a,
			     int quiet, int fi, char *why, size_t len)
{
	const struct drm_devmir_migrate *m = &c->out;
	int covered = tm_all_prot(a, c->n, TM_NONE);

	switch (c->ret) {
	case 0:
		break;
	case -EFAULT:
		/* Only for a hole in the range, which a racing munmap may make. */
		if (quiet && covered && !fi) {
			snprintf(why, len, "-EFAULT on a range covered by VMAs, nothing raced");
			return TMIG_BAD_ERRNO;
		}
		return TMIG_OK;
	case -EBUSY:
		if (c->flags || !m->failed[DRM_DEVMIR_MIGFAIL_BUSY] ||
		    m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]) {
			snprintf(why, len, "-EBUSY with flags %#x, %llu busy, %llu nomem",
				 c->flags,
				 (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_BUSY],
				 (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]);
			return TMIG_BAD_ERRNO;
		}
		break;
	case -ENOMEM:
		/* Under injection, no memory for the scratch space: no counts. */
		if (fi && !dm_migrate_total(m))
			return TMIG_OK;
		/* Else a page found no destination (device memory full). */
		if (c->flags || !m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]) {
			snprintf(why, len, "-ENOMEM with flags %#x, %llu nomem", c->flags,
				 (unsigned long long)m->failed[DRM_DEVMIR_MIGFAIL_NOMEM]);
			return TMIG_BAD_ERRNO;
		}
		break;
	default:
		/* -EOPNOTSUPP included: no page of a slot can never move. */
		snprintf(why, len, "%s", strerror(-c->ret));
		return TMIG_BAD_ERRNO;
	}
	if (quiet && !covered) {
		snprintf(why, len, "%d on a range with a hole, nothing raced", c->ret);
		return TMIG_BAD_ERRNO;
	}
	return check_counts(c, why, len);
}

int tmig_sample(unsigned int ndev, struct tmig_sample *out)
{
	struct drm_devmir_get_info info;
	struct drm_devmir_stats st;
	unsigned int d;
	uint64_t thp, thp_fb;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	for (d = 0; d < ndev; d++) {
		fd = dm_open(d);
		if (fd < 0)
			return -errno;
		ret = dm_stats(fd, DRM_DEVMIR_STATS_DEVICE, &st);
		if (!ret)
			ret = dm_info(fd, &info);
		if (!ret)
			ret = dm_stat(fd, DRM_DEVMIR_QUERY_DEVICE, "thp_migrated",
				      &thp);
		if (!ret)
			ret = dm_stat(fd, DRM_DEVMIR_QUERY_DEVICE, "thp_fallbacks",
				      &thp_fb);
		close(fd);
		if (ret)
			return ret;
		if (info.memory_kind == DRM_DEVMIR_MEMORY_COHERENT) {
			out->ncoherent++;
			out->coherent_to_device += st.migrated_to_device;
		}
		out->devmem_used += st.devmem_used;
		out->to_device += st.migrated_to_device;
		out->to_system += st.migrated_to_system;
		out->ram_faults += st.ram_faults;
		out->evictions += st.evictions;
		out->thp_migrated += thp;
		out->thp_fallbacks += thp_fb;
	}
	return 0;
}

void tmig_verdict(unsigned int ndev, const struct tmig_sample *before,
		  uint64_t bad_counts, int both_ways, int expect_thp)
{
	struct tmig_sample after;
	unsigned int i;
	int ret = -ENODATA;

	dm_tap(!bad_counts, "torture_migrate_counts_add_up (%llu bad)",
	       (unsigned long long)bad_counts);
	for (i = 0; before && i < 100; i++) {
		ret = tmig_sample(ndev, &after);
		if (ret || after.devmem_used == before->devmem_used)
			break;
		usleep(100000);
	}
	if (ret) {
		dm_tap(0, "torture_devmem_returned (STATS: %d)", ret);
		return;
	}
	dm_note("device memory: %llu pages migrated to devices, %llu back, %llu CPU faults on device pages, %llu evictions",
		(unsigned long long)(after.to_device - before->to_device),
		(unsigned long long)(after.to_system - before->to_system),
		(unsigned long long)(after.ram_faults - before->ram_faults),
		(unsigned long long)(after.evictions - before->evictions));
	dm_tap(after.devmem_used == before->devmem_used,
	       "torture_devmem_returned (%llu pages in use, %llu before)",
	       (unsigned long long)after.devmem_used,
	       (unsigned long long)before->devmem_used);
	if (!both_ways)
		dm_tap_skip("migrations or refills off, or fault injection",
			    "torture_migrated_both_ways");
	else
		dm_tap(after.to_device > before->to_device &&
		       after.to_system > before->to_system &&
		       after.ram_faults > before->ram_faults, "torture_migrated_both_ways");
	if (both_ways && after.ncoherent)
		dm_tap(after.coherent_to_device > before->coherent_to_device,
		       "torture_coherent_memory_used (%llu pages into the %u coherent devices)",
		       (unsigned long long)(after.coherent_to_device -
					    before->coherent_to_device), after.ncoherent);
	if (!expect_thp)
		return;
	if (dm_devmem_field(0, "device_thp") != 1)
		dm_tap_skip("kernel without device-private THP (HAVE_DEVICE_PRIVATE_THP)",
			    "torture_device_thp_used");
	else
		dm_tap(after.thp_migrated + after.thp_fallbacks >
		       before->thp_migrated + before->thp_fallbacks,
		       "torture_device_thp_used (2 MiB entries: %llu moved whole, %llu as 4 KiB pages)",
		       (unsigned long long)(after.thp_migrated - before->thp_migrated),
		       (unsigned long long)(after.thp_fallbacks - before->thp_fallbacks));
}
