/* SPDX-License-Identifier: MIT */
/*
 * struct_size.h - reading and writing the caller-allocated structures whose
 * first member is their size (libdevmirror.h, "ABI of this library").
 * Private to libdevmirror and libdevmirror-topo; never installed.
 */
#ifndef _DEVMIR_STRUCT_SIZE_H
#define _DEVMIR_STRUCT_SIZE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes up to the end of @member: the size of the first version of a type. */
#define devmir_offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/*
 * No structure of the library will ever be this large: a struct_size above
 * it is an uninitialised member, not a newer caller.
 */
#define DEVMIR_STRUCT_SIZE_MAX 4096

/**
 * devmir_struct_out() - Give a filled structure to a caller.
 * @user: The caller's structure; its first member, a uint32_t, says its size.
 * @lib: The library's filled copy, of @lib_size bytes.
 * @lib_size: sizeof() of the type as this library knows it.
 * @min_size: Size of the type's first version.
 *
 * Copies the members both know; members of a newer caller that this library
 * does not know are zeroed. @user's size member is left alone.
 *
 * Context: Any.
 * Return: 0; -EINVAL if the size member is below @min_size or implausible
 * (nothing written).
 */
static inline int devmir_struct_out(void *user, const void *lib,
				    size_t lib_size, size_t min_size)
{
	uint32_t size;

	memcpy(&size, user, sizeof(size));
	if (size < min_size || size > DEVMIR_STRUCT_SIZE_MAX)
		return -EINVAL;
	if (size > lib_size)
		memset((char *)user + lib_size, 0, size - lib_size);
	memcpy((char *)user + sizeof(size), (const char *)lib + sizeof(size),
	       (size < lib_size ? size : lib_size) - sizeof(size));
	return 0;
}

/**
 * devmir_struct_in() - Take a structure from a caller.
 * @lib: Receives the library's copy, @lib_size bytes; members the caller
 *	does not have (an older caller) are zero.
 * @user: The caller's structure; its first member, a uint32_t, says its size.
 * @lib_size: sizeof() of the type as this library knows it.
 * @min_size: Size of the type's first version.
 *
 * Context: Any.
 * Return: 0; -EINVAL if the size member is below @min_size or implausible;
 * -E2BIG if a newer caller set a member this library does not know.
 */
static inline int devmir_struct_in(void *lib, const void *user, size_t lib_size,
				   size_t min_size)
{
	const unsigned char *tail;
	uint32_t size;
	size_t i;

	memcpy(&size, user, sizeof(size));
	if (size < min_size || size > DEVMIR_STRUCT_SIZE_MAX)
		return -EINVAL;
	tail = (const unsigned char *)user;
	for (i = lib_size; i < size; i++)
		if (tail[i])
			return -E2BIG;
	memset(lib, 0, lib_size);
	memcpy(lib, user, size < lib_size ? size : lib_size);
	return 0;
}

/**
 * devmir_entry_out() - Give one element of an array to a caller.
 * @user: The caller's element, @entry_size bytes (checked by the caller
 *	against the type's first version).
 * @entry_size: Size of one element as the caller compiled it.
 * @lib: The library's element.
 * @lib_size: sizeof() of the type as this library knows it.
 *
 * Array elements carry no size member: the call takes the element size.
 *
 * Context: Any.
 */
static inline void devmir_entry_out(void *user, size_t entry_size,
				    const void *lib, size_t lib_size)
{
	if (entry_size > lib_size)
		memset((char *)user + lib_size, 0, entry_size - lib_size);
	memcpy(user, lib, entry_size < lib_size ? entry_size : lib_size);
}

#endif /* _DEVMIR_STRUCT_SIZE_H */
