/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buf.h - the one set of buffer helpers of the guest and host test
 * programs (selftests, userlib tests): anonymous mappings and byte
 * patterns that can be checked afterwards. One signature per name.
 */
#ifndef _TESTS_BUF_H
#define _TESTS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE_4K 4096UL
#define SIZE_2M (2UL << 20)

/**
 * buf_map() - Map anonymous memory.
 * @size: Bytes.
 * @prot: PROT_* flags.
 * @flags: MAP_PRIVATE or MAP_SHARED, and other MAP_* flags (MAP_ANONYMOUS
 *	is added).
 *
 * Return: The mapping, or MAP_FAILED (errno set).
 */
void *buf_map(size_t size, int prot, int flags);

/**
 * buf_map_aligned() - Map anonymous memory at an aligned address.
 * @size: Bytes.
 * @align: Power-of-two alignment of the result (4096 or more).
 * @prot: PROT_* flags.
 * @flags: As for buf_map().
 *
 * Return: The mapping, or MAP_FAILED (errno set).
 */
void *buf_map_aligned(size_t size, size_t align, int prot, int flags);

/**
 * buf_unmap() - Unmap a buffer of buf_map() or buf_map_aligned().
 * @p: The buffer.
 * @size: Its size.
 *
 * Return: 0 or -1 (errno set).
 */
int buf_unmap(void *p, size_t size);

/**
 * buf_thp() - Ask for transparent huge pages, or forbid them.
 * @p: The buffer.
 * @size: Its size.
 * @huge: MADV_HUGEPAGE when true, MADV_NOHUGEPAGE when false.
 *
 * Return: 0 or -1 (errno set).
 */
int buf_thp(void *p, size_t size, bool huge);

/**
 * buf_fill() - Write pattern @seed to @p (offset 0 of the pattern).
 * @p: Where.
 * @size: Bytes.
 * @seed: Pattern; two seeds (mod 256) differ at every byte.
 */
void buf_fill(void *p, size_t size, unsigned int seed);

/**
 * buf_fill_range() - Write bytes @offset.. of pattern @seed to @p.
 * @p: Where.
 * @offset: Offset of @p in the pattern.
 * @size: Bytes.
 * @seed: Pattern.
 */
void buf_fill_range(void *p, size_t offset, size_t size, unsigned int seed);

/**
 * buf_check() - Compare @p with pattern @seed (offset 0 of the pattern).
 * @p: What to check.
 * @size: Bytes.
 * @seed: Pattern.
 *
 * Return: The offset of the first wrong byte, or -1.
 */
long buf_check(const void *p, size_t size, unsigned int seed);

/**
 * buf_check_range() - Compare @p with bytes @offset.. of pattern @seed.
 * @p: What to check.
 * @offset: Offset of @p in the pattern.
 * @size: Bytes.
 * @seed: Pattern.
 *
 * Return: The offset (from @p) of the first wrong byte, or -1.
 */
long buf_check_range(const void *p, size_t offset, size_t size,
		     unsigned int seed);

/**
 * buf_check_byte() - Check that every byte equals @value.
 * @p: What to check.
 * @size: Bytes.
 * @value: The byte.
 *
 * Return: The offset of the first other byte, or -1.
 */
long buf_check_byte(const void *p, size_t size, uint8_t value);

#endif /* _TESTS_BUF_H */
