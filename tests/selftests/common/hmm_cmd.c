// SPDX-License-Identifier: GPL-2.0
/*
 * hmm_cmd() - the test_hmm ABI's one command wrapper, apart from
 * devmir_test.c because test_hmm's uAPI header comes from the kernel source
 * package (hmm_uapi.h), which the host build of the helpers does not have.
 */
#include <stdint.h>

#include "devmir_test.h"
#include "hmm_uapi.h"

int hmm_cmd(int fd, unsigned long cmd, const void *addr, uint64_t npages,
	    void *ptr, uint64_t *cpages)
{
	struct hmm_dmirror_cmd c = {
		.addr = (uintptr_t)addr, .ptr = (uintptr_t)ptr, .npages = npages,
	};
	int ret = dm_ioctl(fd, cmd, &c);

	if (cpages)
		*cpages = c.cpages;
	return ret;
}
