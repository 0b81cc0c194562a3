// SPDX-License-Identifier: GPL-2.0
/* Interval notifiers may invalidate in two passes (invalidate_finish). */
#include <linux/mmu_notifier.h>

static void probe_finish(struct mmu_interval_notifier_finish *finish)
{
}

const struct mmu_interval_notifier_ops probe_ops = {
	.invalidate_finish = probe_finish,
};
