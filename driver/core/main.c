// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror - device memory mirroring framework, module entry points.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init devmir_init(void)
{
	pr_info("devmirror: framework core loaded\n");
	return 0;
}

static void __exit devmir_exit(void)
{
	pr_info("devmirror: framework core unloaded\n");
}

module_init(devmir_init);
module_exit(devmir_exit);

MODULE_DESCRIPTION("devmirror: HMM-based device memory mirroring framework");
MODULE_LICENSE("GPL");
