// SPDX-License-Identifier: GPL-2.0
/* make_device_exclusive(): one page, returned locked with its folio. */
#include <linux/mm.h>
#include <linux/rmap.h>

struct page *probe(struct mm_struct *mm, void *owner, struct folio **foliop)
{
	return make_device_exclusive(mm, 0, owner, foliop);
}
