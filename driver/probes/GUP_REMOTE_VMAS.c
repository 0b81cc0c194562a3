// SPDX-License-Identifier: GPL-2.0
/* get_user_pages_remote() still takes a vmas array. */
#include <linux/mm.h>

long probe(struct mm_struct *mm, struct page **pages)
{
	return get_user_pages_remote(mm, 0, 1, 0, pages, NULL, NULL);
}
