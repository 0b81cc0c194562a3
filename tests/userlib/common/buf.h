/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buf.h - buffers with verifiable contents for the userlib tests.
 */
#ifndef _USERLIB_BUF_H
#define _USERLIB_BUF_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE_4K 4096UL
#define SIZE_2M (2UL << 20)

/**
 * buf_map() - Map anonymous private memory.
 * @size: Bytes.
 * @prot: PROT_* flags.
 * @align: Power-of-two alignment of the result (4096 or more).
 * @huge: Ask for transparent huge pages (MADV_HUGEPAGE) instead of
 *	forbidding them (MADV_NOHUGEPAGE).
 *
 * Context: Test program. Release with buf_unmap().
 * Return: The buffer, or NULL.
 */
void *buf_map(size_t size, int prot, size_t align, int huge);

/**
 * buf_unmap() - Unmap a buffer of buf_map().
 * @p: The buffer.
 * @size: Its size.
 *
 * Context: Test program.
 * Return: 0 or -1 (errno set).
 */
int buf_unmap(void *p, size_t size);

/**
 * buf_fill() - Write pattern @seed, as seen from @offset, to @p.
 * @p: Where.
 * @offset: Offset of @p in the pattern.
 * @size: Bytes.
 * @seed: Pattern; two seeds differ at every byte.
 *
 * Context: Test program.
 */
void buf_fill(void *p, size_t offset, size_t size, unsigned int seed);

/**
 * buf_check() - Compare @p with pattern @seed from @offset.
 * @p: What to check.
 * @offset: Offset of @p in the pattern.
 * @size: Bytes.
 * @seed: Pattern.
 *
 * Context: Test program.
 * Return: The offset (from @p) of the first wrong byte, or -1.
 */
long buf_check(const void *p, size_t offset, size_t size, unsigned int seed);

#endif /* _USERLIB_BUF_H */
