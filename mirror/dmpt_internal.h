/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel headers the mirror/ sources need, and nothing else.
 *
 * The userspace unit-test build (tests/unit/) force-includes a shim with the
 * same include guard that provides the same names on top of libc and
 * liburcu, so these sources compile unchanged in both worlds. Definitions
 * private to mirror/ live in dmpt_priv.h, never here.
 */
#ifndef _DMPT_INTERNAL_H
#define _DMPT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#endif /* _DMPT_INTERNAL_H */
