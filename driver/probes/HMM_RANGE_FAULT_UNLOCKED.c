// SPDX-License-Identifier: GPL-2.0
/* hmm_range_fault_unlocked_timeout(): takes the mmap lock, may drop it. */
#include <linux/hmm.h>

int probe(struct hmm_range *range)
{
	return hmm_range_fault_unlocked_timeout(range, 0);
}
