// SPDX-License-Identifier: MIT
/* procnet.c - read bound ports from /proc/net/{tcp,tcp6,udp,udp6} */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fwd/procnet.h"

/*
 * DOC: proc(5) describes the format: a header line, then one line per
 * socket of whitespace-separated columns
 *
 *   sl  local_address rem_address st tx_queue:rx_queue tr:tm->when
 *       retrnsmt uid timeout inode ...
 *
 * where local_address is ADDR:PORT in hex (8 digits of address for IPv4,
 * 32 for IPv6, 4 of port), st the socket state in hex, and inode the
 * socket's inode number in decimal. The same layout serves TCP and UDP.
 * The files are opened once and read again from the start for each scan
 * (lseek to 0; the kernel regenerates them), so a scan opens nothing.
 */

#define PROCNET_COL_LOCAL	1
#define PROCNET_COL_STATE	3
#define PROCNET_COL_INODE	9

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex number of exactly @n digits at @s; Return: value, or -1 */
static long hexn(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/**
 * procnet_line() - parse one socket line
 * @line:	the line, without its newline, not necessarily terminated
 * @len:	its length
 * @port:	local port
 * @state:	socket state (the "st" column)
 * @ino:	socket inode
 *
 * Return: true if the line has the expected columns
 */
bool procnet_line(const char *line, size_t len, uint16_t *port,
		  unsigned *state, uint32_t *ino)
{
	bool got_port = false, got_state = false, got_ino = false;
	size_t i = 0, col = 0;

	while (i < len && col <= PROCNET_COL_INODE) {
		size_t start, n;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		n = i - start;
		if (!n)
			break;

		if (col == PROCNET_COL_LOCAL) {
			const char *colon = memchr(line + start, ':', n);
			long v;

			if (!colon || (size_t)(line + i - colon) != 5)
				return false;
			v = hexn(colon + 1, 4);
			if (v < 0)
				return false;
			*port = (uint16_t)v;
			got_port = true;
		} else if (col == PROCNET_COL_STATE) {
			long v = n == 2 ? hexn(line + start, 2) : -1;

			if (v < 0)
				return false;
			*state = (unsigned)v;
			got_state = true;
		} else if (col == PROCNET_COL_INODE) {
			uint64_t v = 0;
			size_t k;

			if (n > 10)
				return false;
			for (k = 0; k < n; k++) {
				char c = line[start + k];

				if (c < '0' || c > '9')
					return false;
				v = v * 10 + (uint64_t)(c - '0');
			}
			if (v > UINT32_MAX)
				return false;
			*ino = (uint32_t)v;
			got_ino = true;
		}
		col++;
	}
	return got_port && got_state && got_ino;
}

/* A complete line: every line but the header, in the right state */
static void procnet_done(struct procnet_parser *p, unsigned state,
			 procnet_fn fn, void *arg)
{
	uint16_t port;
	unsigned st;
	uint32_t ino;

	if (p->lineno++ && !p->overflow &&
	    procnet_line(p->line, p->len, &port, &st, &ino) && st == state &&
	    port)
		fn(port, ino, arg);
	p->len = 0;
	p->overflow = false;
}

/**
 * procnet_feed() - parse a piece of a file; lines may span pieces
 * @p:		parser state, zeroed before the first piece
 * @buf:	bytes read
 * @n:		how many
 * @state:	socket state to report (PROCNET_TCP_LISTEN...)
 * @fn:		called for each socket in @state
 * @arg:	for @fn
 */
void procnet_feed(struct procnet_parser *p, const char *buf, size_t n,
		  unsigned state, procnet_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			procnet_done(p, state, fn, arg);
			continue;
		}
		if (p->len < sizeof(p->line))
			p->line[p->len++] = buf[i];
		else
			p->overflow = true;
	}
}

/**
 * procnet_scan() - read a whole /proc/net file again, from the start
 * @fd:		the open file
 * @state:	socket state to report
 * @fn:		called for each socket in @state
 * @arg:	for @fn
 *
 * Return: 0 or -errno
 */
int procnet_scan(int fd, unsigned state, procnet_fn fn, void *arg)
{
	struct procnet_parser p = { .len = 0 };
	char buf[16384];
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		procnet_feed(&p, buf, (size_t)r, state, fn, arg);
	}
	if (p.len)
		procnet_done(&p, state, fn, arg);
	return 0;
}
