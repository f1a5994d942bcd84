// SPDX-License-Identifier: MIT
/* json.c - just enough JSON to read one small request object */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/json.h"

/**
 * struct json_in - parse state
 * @p:		next byte
 * @end:	end of input
 * @fn:		member callback
 * @opaque:	its argument
 * @path:	keys of the enclosing objects, '.'-joined
 * @val:	scratch for the member being read
 */
struct json_in {
	const char *p;
	const char *end;
	json_member_fn fn;
	void *opaque;
	char path[JSON_PATH_MAX];
	struct json_val val;
};

static void json_ws(struct json_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' ||
				   *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int json_hex4(struct json_in *in, unsigned *u)
{
	int i;

	*u = 0;
	if (in->end - in->p < 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		char c = *in->p++;

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*u |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*u |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

/* Append @u as UTF-8 to @out at *@n, within JSON_STR_MAX - 1 */
static int json_utf8(char *out, size_t *n, unsigned u)
{
	unsigned char b[3];
	size_t k;

	if (!u || (u >= 0xd800 && u <= 0xdfff))
		return -EINVAL;		/* NUL, surrogate halves */
	if (u < 0x80) {
		b[0] = (unsigned char)u;
		k = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xc0 | u >> 6);
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		k = 2;
	} else {
		b[0] = (unsigned char)(0xe0 | u >> 12);
		b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (u & 0x3f));
		k = 3;
	}
	if (*n + k > JSON_STR_MAX - 1)
		return -EINVAL;
	memcpy(out + *n, b, k);
	*n += k;
	return 0;
}

/* A string, the opening quote next, into @out (JSON_STR_MAX bytes) */
static int json_string(struct json_in *in, char *out)
{
	size_t n = 0;

	if (in->p >= in->end || *in->p++ != '"')
		return -EINVAL;
	while (in->p < in->end) {
		unsigned char c = (unsigned char)*in->p++;
		unsigned u;

		if (c == '"') {
			out[n] = '\0';
			return 0;
		}
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			if (n >= JSON_STR_MAX - 1)
				return -EINVAL;
			out[n++] = (char)c;
			continue;
		}
		if (in->p >= in->end)
			return -EINVAL;
		switch (*in->p++) {
		case '"': u = '"'; break;
		case '\\': u = '\\'; break;
		case '/': u = '/'; break;
		case 'b': u = '\b'; break;
		case 'f': u = '\f'; break;
		case 'n': u = '\n'; break;
		case 'r': u = '\r'; break;
		case 't': u = '\t'; break;
		case 'u':
			if (json_hex4(in, &u))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		if (json_utf8(out, &n, u))
			return -EINVAL;
	}
	return -EINVAL;
}

static bool json_lit(struct json_in *in, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, lit, n))
		return false;
	in->p += n;
	return true;
}

/* An integer: -?(0|[1-9][0-9]*), at most 18 digits (within int64) */
static int json_int(struct json_in *in, int64_t *v)
{
	bool neg = false;
	int64_t n = 0;
	int digits = 0;

	if (in->p < in->end && *in->p == '-') {
		neg = true;
		in->p++;
	}
	if (in->p >= in->end || *in->p < '0' || *in->p > '9')
		return -EINVAL;
	if (*in->p == '0' && in->end - in->p > 1 && in->p[1] >= '0' &&
	    in->p[1] <= '9')
		return -EINVAL;
	while (in->p < in->end && *in->p >= '0' && *in->p <= '9') {
		if (++digits > 18)
			return -EINVAL;
		n = n * 10 + (*in->p++ - '0');
	}
	if (in->p < in->end && (*in->p == '.' || *in->p == 'e' ||
				*in->p == 'E'))
		return -EINVAL;
	*v = neg ? -n : n;
	return 0;
}

static int json_object(struct json_in *in, int depth);

/* The value of member @path (in->path), after its ':' */
static int json_value(struct json_in *in, int depth)
{
	struct json_val *v = &in->val;
	int rc;

	json_ws(in);
	if (in->p >= in->end)
		return -EINVAL;
	if (*in->p == '{')
		return json_object(in, depth + 1);
	if (*in->p == '"') {
		v->type = JSON_STRING;
		rc = json_string(in, v->s);
	} else if (json_lit(in, "true")) {
		v->type = JSON_BOOL;
		v->n = 1;
		rc = 0;
	} else if (json_lit(in, "false")) {
		v->type = JSON_BOOL;
		v->n = 0;
		rc = 0;
	} else if (json_lit(in, "null")) {
		v->type = JSON_NULL;
		rc = 0;
	} else {
		v->type = JSON_INT;
		rc = json_int(in, &v->n);
	}
	if (rc)
		return rc;
	return in->fn(in->opaque, in->path, v);
}

/* An object, '{' next, at @depth (1: the top one) */
static int json_object(struct json_in *in, int depth)
{
	size_t base = strlen(in->path), klen;
	char key[JSON_STR_MAX];
	int rc;

	if (depth > JSON_DEPTH_MAX || in->p >= in->end || *in->p++ != '{')
		return -EINVAL;
	json_ws(in);
	if (in->p < in->end && *in->p == '}') {
		in->p++;
		return 0;
	}
	for (;;) {
		json_ws(in);
		if ((rc = json_string(in, key)))
			return rc;
		klen = strlen(key);
		if (klen + base + 2 > sizeof(in->path))
			return -EINVAL;
		if (base)
			in->path[base] = '.';
		memcpy(in->path + base + !!base, key, klen + 1);
		json_ws(in);
		if (in->p >= in->end || *in->p++ != ':')
			return -EINVAL;
		if ((rc = json_value(in, depth)))
			return rc;
		in->path[base] = '\0';
		json_ws(in);
		if (in->p >= in->end)
			return -EINVAL;
		if (*in->p == '}') {
			in->p++;
			return 0;
		}
		if (*in->p++ != ',')
			return -EINVAL;
	}
}

/**
 * json_walk() - every scalar member of one JSON object (see json.h)
 * @buf:	input, need not be NUL-terminated
 * @len:	its length
 * @fn:		called per member
 * @opaque:	its first argument
 *
 * Return: 0, -EINVAL if @buf is not such an object, or @fn's non-zero
 */
int json_walk(const char *buf, size_t len, json_member_fn fn, void *opaque)
{
	static _Thread_local struct json_in in;
	int rc;

	memset(&in, 0, sizeof(in));
	in.p = buf;
	in.end = buf + len;
	in.fn = fn;
	in.opaque = opaque;
	json_ws(&in);
	if ((rc = json_object(&in, 1)))
		return rc;
	json_ws(&in);
	return in.p == in.end ? 0 : -EINVAL;
}

/**
 * json_str() - write @s as a JSON string
 * @out:	output
 * @outlen:	its size (at least 1)
 * @s:		NUL-terminated text
 *
 * Return: bytes written, without the terminating NUL
 */
size_t json_str(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

#define PUT(c)	do { if (n + 1 < outlen) out[n++] = (c); } while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			char esc[8];
			int i;

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (i = 0; esc[i]; i++)
				PUT(esc[i]);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	out[n] = '\0';
	return n;
}
