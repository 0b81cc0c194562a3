// SPDX-License-Identifier: GPL-2.0
/*
 * buf.c - the one set of buffer helpers of the test programs (see buf.h).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

#include "buf.h"

void *buf_map(size_t size, int prot, int flags)
{
	return mmap(NULL, size, prot, flags | MAP_ANONYMOUS, -1, 0);
}

void *buf_map_aligned(size_t size, size_t align, int prot, int flags)
{
	size_t len = size + align;
	uintptr_t p, a;

	p = (uintptr_t)mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
	if ((void *)p == MAP_FAILED)
		return MAP_FAILED;
	a = (p + align - 1) & ~(align - 1);
	if (a > p)
		munmap((void *)p, a - p);
	if (a + size < p + len)
		munmap((void *)(a + size), p + len - (a + size));
	return (void *)a;
}

int buf_unmap(void *p, size_t size)
{
	return munmap(p, size);
}

int buf_thp(void *p, size_t size, bool huge)
{
	return madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
}

/* Byte @i of pattern @seed: odd multipliers, so seeds differ everywhere. */
static uint8_t buf_pattern(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 131 + seed * 7 + (i >> 12) * 29 + 1);
}

void buf_fill_range(void *p, size_t offset, size_t size, unsigned int seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = buf_pattern(offset + i, seed);
}

void buf_fill(void *p, size_t size, unsigned int seed)
{
	buf_fill_range(p, 0, size, seed);
}

long buf_check_range(const void *p, size_t offset, size_t size,
		     unsigned int seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != buf_pattern(offset + i, seed))
			return (long)i;
	return -1;
}

long buf_check(const void *p, size_t size, unsigned int seed)
{
	return buf_check_range(p, 0, size, seed);
}

long buf_check_byte(const void *p, size_t size, uint8_t value)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != value)
			return (long)i;
	return -1;
}
