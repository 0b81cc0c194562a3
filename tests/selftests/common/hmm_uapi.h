/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmm_uapi.h - the ioctl ABI of the kernel's test_hmm (lib/test_hmm_uapi.h),
 * which devmirror_sim.ko hmm_compat=1 speaks on /dev/hmm_dmirror0..1.
 *
 * Taken from the target kernel's source package, never retyped: the guest
 * programs' PROG_CFLAGS have -idirafter $(KSRC)/lib, so a newer kernel's
 * additions (7.x: HMM_DMIRROR_FLAGS) are seen where that kernel has them.
 */
#ifndef _DEVMIR_HMM_UAPI_H
#define _DEVMIR_HMM_UAPI_H

#include <test_hmm_uapi.h>

#endif /* _DEVMIR_HMM_UAPI_H */
