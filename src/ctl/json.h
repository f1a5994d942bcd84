/* SPDX-License-Identifier: MIT */
/* json.h - just enough JSON to read one small request object */
#ifndef TETHER_JSON_H
#define TETHER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH_MAX	4	/* objects within objects */
#define JSON_STR_MAX	256	/* a string value, decoded, with its NUL */
#define JSON_PATH_MAX	128	/* "arguments.proto" */

enum json_type {
	JSON_STRING,
	JSON_INT,
	JSON_BOOL,
	JSON_NULL,
};

/**
 * struct json_val - one scalar member of the object
 * @type:	what it is
 * @s:		JSON_STRING: decoded, NUL-terminated (no NUL inside)
 * @n:		JSON_INT: the value; JSON_BOOL: 0 or 1
 */
struct json_val {
	enum json_type type;
	char s[JSON_STR_MAX];
	int64_t n;
};

/* Called for each scalar member, @path its keys joined with '.';
 * Return: 0 to go on, anything else stops the walk with that value */
typedef int (*json_member_fn)(void *opaque, const char *path,
			      const struct json_val *v);

/*
 * json_walk() - parse @len bytes holding one JSON object (RFC 8259, with
 * whitespace around it), calling @fn for every scalar member at any depth
 * up to JSON_DEPTH_MAX. Integers only (no fraction or exponent, within
 * int64); strings up to JSON_STR_MAX - 1 bytes decoded, \u escapes of the
 * Basic Multilingual Plane (surrogates refused) as UTF-8; arrays refused.
 * Return: 0, -EINVAL for anything else, or what @fn returned
 */
int json_walk(const char *buf, size_t len, json_member_fn fn, void *opaque);

/*
 * json_str() - @s as a JSON string into @out (quotes included)
 * Return: bytes written, without the NUL; @outlen bounds it (truncated
 * output is still NUL-terminated, and the return is then @outlen - 1)
 */
size_t json_str(char *out, size_t outlen, const char *s);

#endif /* TETHER_JSON_H */
