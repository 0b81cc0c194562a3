// SPDX-License-Identifier: GPL-2.0
/* file_operations.fop_flags, and FOP_UNSIGNED_OFFSET in it. */
#include <linux/fs.h>

const struct file_operations probe_fops = { .fop_flags = FOP_UNSIGNED_OFFSET };
