// SPDX-License-Identifier: MIT
/* parse.c - option value parsers: numbers, sizes, MACs, addresses, users */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"

/**
 * conf_parse_uint() - strict decimal number: digits only, no sign or space
 * @s:		text
 * @max:	largest accepted value
 * @v:		result
 *
 * Return: 0, -EINVAL if not a number, -ERANGE if above @max
 */
int conf_parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	unsigned long n = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (n > (max - (unsigned long)(*p - '0')) / 10)
			return -ERANGE;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	*v = n;
	return 0;
}

/**
 * conf_parse_size() - byte count with an optional k, M or G suffix (1024)
 * @s:		text, e.g. "1048576", "512k", "4M"
 * @v:		result in bytes
 *
 * Return: 0, -EINVAL or -ERANGE
 */
int conf_parse_size(const char *s, size_t *v)
{
	char num[32], *end;
	unsigned long n, mult = 1;
	size_t len = strlen(s);
	int rc;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	strcpy(num, s);
	end = num + len - 1;
	switch (*end) {
	case 'k': case 'K': mult = 1UL << 10; break;
	case 'm': case 'M': mult = 1UL << 20; break;
	case 'g': case 'G': mult = 1UL << 30; break;
	}
	if (mult > 1)
		*end = '\0';
	if ((rc = conf_parse_uint(num, (unsigned long)-1 / mult, &n)))
		return rc;
	*v = (size_t)(n * mult);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/**
 * conf_parse_mac() - "xx:xx:xx:xx:xx:xx", one or two hex digits per byte
 * @s:		text
 * @mac:	result
 *
 * Return: 0 or -EINVAL (also for multicast and all-zero addresses)
 */
int conf_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	int i;

	for (i = 0; i < 6; i++) {
		int hi = hexval(*s), lo;

		if (hi < 0)
			return -EINVAL;
		s++;
		lo = hexval(*s);
		if (lo >= 0) {
			hi = hi << 4 | lo;
			s++;
		}
		m[i] = (uint8_t)hi;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	if (*s || (m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return -EINVAL;
	memcpy(mac, m, 6);
	return 0;
}

/**
 * conf_parse_addr() - IPv4 or IPv6 address, with "/PLEN" if allowed
 * @s:		text
 * @a:		result (IPv4 as IPv4-mapped)
 * @prefix_len:	NULL if no prefix is allowed, else set to the prefix
 *		length (0..32 or 0..128), or -1 if none was given
 *
 * Return: 0 or -EINVAL
 */
int conf_parse_addr(const char *s, union inany *a, int *prefix_len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long plen;
	struct in6_addr a6;
	struct in_addr a4;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!prefix_len)
			return -EINVAL;
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, &a4) == 1)
		inany_from_v4(a, a4);
	else if (inet_pton(AF_INET6, buf, &a6) == 1)
		inany_from_v6(a, &a6);
	else
		return -EINVAL;

	if (!prefix_len)
		return 0;
	*prefix_len = -1;
	if (slash) {
		if (conf_parse_uint(slash, inany_is_v4(a) ? 32 : 128, &plen))
			return -EINVAL;
		*prefix_len = (int)plen;
	}
	return 0;
}

/**
 * conf_parse_netmask() - IPv4 netmask: prefix length or contiguous mask
 * @s:		text, "24" or "255.255.255.0"
 * @prefix_len:	result, 1..32
 *
 * Return: 0 or -EINVAL
 */
int conf_parse_netmask(const char *s, int *prefix_len)
{
	unsigned long plen;
	struct in_addr m;
	uint32_t mask;

	if (!conf_parse_uint(s, 32, &plen)) {
		if (!plen)
			return -EINVAL;
		*prefix_len = (int)plen;
		return 0;
	}
	if (inet_pton(AF_INET, s, &m) != 1)
		return -EINVAL;
	mask = ntohl(m.s_addr);
	if (!mask || (~mask & (~mask + 1)))	/* ones, then zeroes only */
		return -EINVAL;
	*prefix_len = 32 - __builtin_ctz(mask);
	return 0;
}

/*
 * A numeric id, or a user (@group false) or group name; for users, also
 * their primary group in @pw_gid. Return: 0 or -errno
 */
static int parse_id(const char *s, bool group, unsigned *id, gid_t *pw_gid)
{
	unsigned long n;
	struct passwd *pw;
	struct group *gr;

	if (!*s)
		return -EINVAL;
	if (!conf_parse_uint(s, (unsigned)-2, &n)) {
		*id = (unsigned)n;
		if (!group && pw_gid) {
			pw = getpwuid((uid_t)n);
			*pw_gid = pw ? pw->pw_gid : (gid_t)n;
		}
		return 0;
	}
	if (group) {
		gr = getgrnam(s);
		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*id = pw->pw_uid;
	if (pw_gid)
		*pw_gid = pw->pw_gid;
	return 0;
}

/**
 * conf_parse_runas() - UID, UID:GID, LOGIN or LOGIN:GROUP
 * @s:		text
 * @uid:	result
 * @gid:	result: GID or GROUP if given, else the user's primary group
 *		(for an unknown numeric UID: the same number)
 *
 * Return: 0, -EINVAL if malformed, -ENOENT for an unknown name
 */
int conf_parse_runas(const char *s, uid_t *uid, gid_t *gid)
{
	char buf[256], *colon;
	gid_t pw_gid = 0;
	unsigned u, g;
	int rc;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	if ((rc = parse_id(buf, false, &u, &pw_gid)))
		return rc;
	g = pw_gid;
	if (colon && (rc = parse_id(colon, true, &g, NULL)))
		return rc;
	*uid = u;
	*gid = g;
	return 0;
}

/**
 * conf_addr_is_special() - unusable as a guest address or gateway?
 * @a:		address
 *
 * Return: true for unspecified, loopback, multicast and broadcast
 */
bool conf_addr_is_special(const union inany *a)
{
	return inany_is_unspec(a) || inany_is_loopback(a) ||
	       inany_is_multicast(a);
}
