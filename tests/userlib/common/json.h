/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small JSON reader for checking the devmirror CLI's --json
 * output in tests. Strict: one value, nothing but whitespace after it.
 */
#ifndef _USERLIB_JSON_H
#define _USERLIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/**
 * struct json - A parsed value.
 * @type: Its type.
 * @key: Member name when the value is inside an object, else NULL.
 * @text: JSON_NUMBER: the number's text; JSON_STRING: the unescaped string.
 * @boolean: JSON_BOOL: the value.
 * @items: JSON_ARRAY and JSON_OBJECT: the elements or members, in order.
 * @n: Number of @items.
 */
struct json {
	enum json_type type;
	char *key;
	char *text;
	bool boolean;
	struct json *items;
	size_t n;
};

/**
 * json_parse() - Parse a document.
 * @text: NUL-terminated JSON text.
 * @err: Receives a message on failure.
 * @errlen: Size of @err.
 *
 * Context: Test program.
 * Return: The value (free with json_free()), or NULL with @err set.
 */
struct json *json_parse(const char *text, char *err, size_t errlen);

/**
 * json_free() - Free a parsed document.
 * @v: The root returned by json_parse(), or NULL.
 *
 * Context: Test program.
 */
void json_free(struct json *v);

/**
 * json_get() - Look a value up by path.
 * @v: Where to start.
 * @path: Dot-separated member names and array indexes ("devices.0.index");
 *	"" is @v itself.
 *
 * Context: Test program.
 * Return: The value or NULL.
 */
const struct json *json_get(const struct json *v, const char *path);

/**
 * json_member() - Look a member up by its exact name (which may contain
 * dots).
 * @v: The object.
 * @key: The member name.
 *
 * Context: Test program.
 * Return: The value, or NULL if @v is not an object or has no such member.
 */
const struct json *json_member(const struct json *v, const char *key);

/**
 * json_u64() - Read a non-negative integer.
 * @v: Where to start.
 * @path: As for json_get().
 * @out: Receives the value.
 *
 * Context: Test program.
 * Return: true if @path is an integer number that fits in 64 bits.
 */
bool json_u64(const struct json *v, const char *path, uint64_t *out);

/**
 * json_str() - Read a string.
 * @v: Where to start.
 * @path: As for json_get().
 *
 * Context: Test program.
 * Return: The string, or NULL if @path is not a string.
 */
const char *json_str(const struct json *v, const char *path);

/**
 * json_is() - Check the type of a value.
 * @v: Where to start.
 * @path: As for json_get().
 * @type: The type expected.
 *
 * Context: Test program.
 * Return: true if @path exists and has @type.
 */
bool json_is(const struct json *v, const char *path, enum json_type type);

#endif /* _USERLIB_JSON_H */
