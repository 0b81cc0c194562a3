// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a small strict JSON reader for the userlib tests.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH 32

struct json_parser {
	const char *p;
	char *err;
	size_t errlen;
	bool failed;
};

static bool json_fail(struct json_parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->failed) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	ps->failed = true;
	return false;
}

static void json_skip_ws(struct json_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static bool json_value(struct json_parser *ps, struct json *v, int depth);

/* Parse a string at ps->p (the opening quote) into a malloc()ed buffer. */
static char *json_string(struct json_parser *ps)
{
	size_t len = 0, cap = 16;
	char *s = malloc(cap), *t;
	unsigned int cp;
	char c;

	if (!s)
		return NULL;
	ps->p++;
	for (;;) {
		c = *ps->p++;
		if (c == '"')
			break;
		if (c == '\0' || (unsigned char)c < 0x20) {
			json_fail(ps, "bad character in string");
			free(s);
			return NULL;
		}
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				if (sscanf(ps->p, "%4x", &cp) != 1 ||
				    cp > 0x7f) {
					json_fail(ps, "unsupported \\u escape");
					free(s);
					return NULL;
				}
				ps->p += 4;
				c = (char)cp;
				break;
			default:
				json_fail(ps, "bad escape \\%c", c);
				free(s);
				return NULL;
			}
		}
		if (len + 2 > cap) {
			cap *= 2;
			t = realloc(s, cap);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		s[len++] = c;
	}
	s[len] = '\0';
	return s;
}

static bool json_number(struct json_parser *ps, struct json *v)
{
	const char *start = ps->p;

	if (*ps->p == '-')
		ps->p++;
	if (!isdigit((unsigned char)*ps->p))
		return json_fail(ps, "bad number");
	if (*ps->p == '0' && isdigit((unsigned char)ps->p[1]))
		return json_fail(ps, "leading zero");
	while (isdigit((unsigned char)*ps->p))
		ps->p++;
	if (*ps->p == '.') {
		ps->p++;
		if (!isdigit((unsigned char)*ps->p))
			return json_fail(ps, "bad fraction");
		while (isdigit((unsigned char)*ps->p))
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (!isdigit((unsigned char)*ps->p))
			return json_fail(ps, "bad exponent");
		while (isdigit((unsigned char)*ps->p))
			ps->p++;
	}
	v->type = JSON_NUMBER;
	v->text = strndup(start, ps->p - start);
	return !!v->text;
}

/* Elements of an array or members of an object, up to @close. */
static bool json_items(struct json_parser *ps, struct json *v, char close,
		       int depth)
{
	struct json *items;
	bool object = close == '}';
	char *key = NULL;

	ps->p++;
	json_skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		json_skip_ws(ps);
		if (object) {
			if (*ps->p != '"')
				return json_fail(ps, "expected a member name");
			key = json_string(ps);
			if (!key)
				return json_fail(ps, "bad member name");
			json_skip_ws(ps);
			if (*ps->p++ != ':') {
				free(key);
				return json_fail(ps, "expected ':'");
			}
		}
		items = realloc(v->items, (v->n + 1) * sizeof(*items));
		if (!items) {
			free(key);
			return json_fail(ps, "out of memory");
		}
		v->items = items;
		memset(&items[v->n], 0, sizeof(*items));
		items[v->n].key = key;
		key = NULL;
		if (!json_value(ps, &items[v->n++], depth + 1))
			return false;
		json_skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ == close)
			return true;
		return json_fail(ps, "expected ',' or '%c'", close);
	}
}

static bool json_value(struct json_parser *ps, struct json *v, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return json_fail(ps, "nested too deeply");
	json_skip_ws(ps);
	switch (*ps->p) {
	case '{':
		v->type = JSON_OBJECT;
		return json_items(ps, v, '}', depth);
	case '[':
		v->type = JSON_ARRAY;
		return json_items(ps, v, ']', depth);
	case '"':
		v->type = JSON_STRING;
		v->text = json_string(ps);
		return v->text || json_fail(ps, "bad string");
	case 't':
		if (strncmp(ps->p, "true", 4))
			break;
		ps->p += 4;
		v->type = JSON_BOOL;
		v->boolean = true;
		return true;
	case 'f':
		if (strncmp(ps->p, "false", 5))
			break;
		ps->p += 5;
		v->type = JSON_BOOL;
		return true;
	case 'n':
		if (strncmp(ps->p, "null", 4))
			break;
		ps->p += 4;
		v->type = JSON_NULL;
		return true;
	default:
		return json_number(ps, v);
	}
	return json_fail(ps, "unexpected '%.10s'", ps->p);
}

static void json_free_items(struct json *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		json_free_items(&v->items[i]);
	free(v->items);
	free(v->key);
	free(v->text);
}

void json_free(struct json *v)
{
	if (!v)
		return;
	json_free_items(v);
	free(v);
}

struct json *json_parse(const char *text, char *err, size_t errlen)
{
	struct json_parser ps = { .p = text, .err = err, .errlen = errlen };
	struct json *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (json_value(&ps, v, 0)) {
		json_skip_ws(&ps);
		if (*ps.p == '\0')
			return v;
		json_fail(&ps, "trailing text '%.10s'", ps.p);
	}
	json_free(v);
	return NULL;
}

const struct json *json_get(const struct json *v, const char *path)
{
	const char *dot;
	size_t len, i;
	char *end;
	unsigned long idx;

	while (v && *path) {
		dot = strchr(path, '.');
		len = dot ? (size_t)(dot - path) : strlen(path);
		if (v->type == JSON_ARRAY) {
			errno = 0;
			idx = strtoul(path, &end, 10);
			if (errno || end != path + len || idx >= v->n)
				return NULL;
			v = &v->items[idx];
		} else if (v->type == JSON_OBJECT) {
			for (i = 0; i < v->n; i++)
				if (strlen(v->items[i].key) == len &&
				    !strncmp(v->items[i].key, path, len))
					break;
			if (i == v->n)
				return NULL;
			v = &v->items[i];
		} else {
			return NULL;
		}
		path += len + (dot ? 1 : 0);
	}
	return v;
}

const struct json *json_member(const struct json *v, const char *key)
{
	size_t i;

	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->items[i].key, key))
			return &v->items[i];
	return NULL;
}

bool json_u64(const struct json *v, const char *path, uint64_t *out)
{
	const struct json *n = json_get(v, path);
	unsigned long long x;
	char *end;

	if (!n || n->type != JSON_NUMBER || n->text[0] == '-')
		return false;
	errno = 0;
	x = strtoull(n->text, &end, 10);
	if (errno || *end)
		return false;
	*out = x;
	return true;
}

const char *json_str(const struct json *v, const char *path)
{
	const struct json *s = json_get(v, path);

	return s && s->type == JSON_STRING ? s->text : NULL;
}

bool json_is(const struct json *v, const char *path, enum json_type type)
{
	const struct json *x = json_get(v, path);

	return x && x->type == type;
}
