// SPDX-License-Identifier: GPL-2.0
/*
 * buf.c - buffers with verifiable contents for the userlib tests.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

#include "buf.h"

/*
 * The mapping is over-allocated by @align; the unused head and tail are
 * unmapped so that only [p, p + size) stays and buf_unmap() is a plain
 * munmap().
 */
void *buf_map(size_t size, int prot, size_t align, int huge)
{
	size_t total = size + align;
	uintptr_t base, start;
	void *m;

	m = mmap(NULL, total, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	base = (uintptr_t)m;
	start = (base + align - 1) & ~(uintptr_t)(align - 1);
	if (start > base)
		munmap(m, start - base);
	if (base + total > start + size)
		munmap((void *)(start + size), base + total - start - size);
	madvise((void *)start, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return (void *)start;
}

int buf_unmap(void *p, size_t size)
{
	return munmap(p, size);
}

static uint8_t buf_byte(size_t offset, unsigned int seed)
{
	return (uint8_t)(offset * 131 + (offset >> 10) * 17 + seed * 59 + 1);
}

void buf_fill(void *p, size_t offset, size_t size, unsigned int seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = buf_byte(offset + i, seed);
}

long buf_check(const void *p, size_t offset, size_t size, unsigned int seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != buf_byte(offset + i, seed))
			return (long)i;
	return -1;
}
