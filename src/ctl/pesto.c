// SPDX-License-Identifier: MIT
/* pesto.c - the pesto client: change and show a running tether's rules */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/fwd_spec.h"
#include "ctl/ctl.h"
#include "ctl/pesto.h"
#include "ctl/usock.h"
#include "lib/inany.h"

/*
 * DOC: run as "pesto", tether is the client of its own control socket
 * (-c PATH), with upstream pesto's command line:
 *	pesto [-d] [-s|--show] [-A|--add] [-D|--delete] [-C|--clear PIF]
 *	      [-t|--tcp-ports SPEC]... [-u|--udp-ports SPEC]... PATH
 * plus --flows, --stats and --json. SPEC is -t's grammar (ADDR/ with or
 * without brackets for IPv6, port ranges, :TARGET), explicit ports only.
 * Specs without --add or --delete replace every rule added at run time.
 * Each SPEC item becomes one request line (doc/control.md); the whole
 * request is applied by the server all or none. Exit status 0, or 1 with
 * one line on stderr.
 */

#define PESTO_REPLY_MAX	(USOCK_OUT_MAX + 1)
#define PESTO_REQ_MAX	USOCK_REQ_MAX

static void __attribute__((noreturn, format(printf, 1, 2)))
pesto_die(const char *fmt, ...)
{
	va_list ap;

	fputs("pesto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static const char pesto_usage[] =
"Usage: pesto [OPTION]... PATH\n"
"Change, and show, the forwarding rules of a running tether (pasta or\n"
"passt started with -c PATH), and list its flows and counters.\n\n"
"  -A, --add                Add the rules given with -t and -u\n"
"  -D, --delete             Delete them (rules added at run time only)\n"
"  -C, --clear PIF          Delete every rule added at run time (PIF: HOST)\n"
"  -s, --show               Show the rules\n"
"  -t, --tcp-ports SPEC     TCP ports, as pasta's -t: [ADDR/]PORT[-LAST]\n"
"                           [:TO[-TOLAST]], comma lists; repeatable\n"
"  -u, --udp-ports SPEC     UDP ports, the same way\n"
"                           Without -A or -D, the rules given replace\n"
"                           every rule added at run time\n"
"      --flows              List the live flows\n"
"      --stats              Show the counters\n"
"      --json               --flows and --stats as JSON\n"
"  -d, --debug              Print the request\n"
"  -h, --help               Show this help and exit\n"
"      --version            Show the version and exit\n";

enum { PO_FLOWS = 256, PO_STATS, PO_JSON, PO_VERSION };

static const struct option pesto_options[] = {
	{ "add", no_argument, NULL, 'A' },
	{ "delete", no_argument, NULL, 'D' },
	{ "clear", required_argument, NULL, 'C' },
	{ "show", no_argument, NULL, 's' },
	{ "tcp-ports", required_argument, NULL, 't' },
	{ "udp-ports", required_argument, NULL, 'u' },
	{ "flows", no_argument, NULL, PO_FLOWS },
	{ "stats", no_argument, NULL, PO_STATS },
	{ "json", no_argument, NULL, PO_JSON },
	{ "debug", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, PO_VERSION },
	{ NULL, 0, NULL, 0 },
};

/**
 * struct pesto_req - the request being built
 * @buf:	text
 * @len:	bytes used
 */
struct pesto_req {
	char buf[PESTO_REQ_MAX];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
req_printf(struct pesto_req *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->buf) - r->len)
		pesto_die("too many rules for one request");
	r->len += (size_t)n;
}

/**
 * pesto_spec() - one SPEC into "add"/"del" lines, a line per run of ports
 * whose targets follow on
 * @r:		request
 * @op:		"add" or "del"
 * @udp:	-u (else -t)
 * @spec:	the SPEC
 */
static void pesto_spec(struct pesto_req *r, const char *op, bool udp,
		       const char *spec)
{
	static struct fwd_spec fs;
	char msg[256], addr[INANY_STRLEN] = "*";
	unsigned port, first = 0, tfirst = 0, tidx = 0, lines = 0;

	if (fwd_spec_parse(&fs, spec, msg, sizeof(msg)))
		pesto_die("invalid %s spec '%s': %s", udp ? "-u" : "-t", spec,
			  msg);
	if (fs.mode != FWD_MODE_LIST)
		pesto_die("invalid %s spec '%s': only explicit ports can be "
			  "changed at run time (no none, auto, all, ~)",
			  udp ? "-u" : "-t", spec);
	if (fs.ifname[0])
		pesto_die("invalid %s spec '%s': %%IF can't be given at run "
			  "time", udp ? "-u" : "-t", spec);
	if (fs.has_addr)
		inany_ntop(&fs.addr, addr, sizeof(addr));

	for (port = 1; port <= FWD_PORTS; port++) {
		bool in = port < FWD_PORTS && fwd_spec_has(&fs, (uint16_t)port);
		unsigned t = in ? fwd_spec_target(&fs, (uint16_t)port) : 0;
		unsigned ti = in ? fs.tidx[port] : 0;

		if (first && (!in || t != tfirst + (port - first) ||
			      ti != tidx)) {
			req_printf(r, "%s %s %s %u %u", op, udp ? "udp" : "tcp",
				   addr, first, port - 1);
			if (!strcmp(op, "add"))
				req_printf(r, " %u", tfirst);
			if (!strcmp(op, "add") && tidx) {
				char ta[INANY_STRLEN];

				inany_ntop(&fs.taddr[tidx - 1], ta, sizeof(ta));
				req_printf(r, " %s", ta);
			}
			req_printf(r, "\n");
			lines++;
			first = 0;
		}
		if (in && !first) {
			first = port;
			tfirst = t;
			tidx = ti;
		}
	}
	if (!lines)
		pesto_die("invalid %s spec '%s': no ports", udp ? "-u" : "-t",
			  spec);
}

/* Send @r to the control socket at @path; the reply into @out */
static size_t pesto_send(const char *path, const struct pesto_req *r,
			 char *out, size_t outlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		pesto_die("socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		pesto_die("cannot make a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		pesto_die("cannot connect to %s: %s (is tether running with "
			  "-c %s?)", path, strerror(errno), path);
	for (size_t off = 0; off < r->len; off += (size_t)n) {
		n = send(fd, r->buf + off, r->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			pesto_die("cannot send to %s: %s", path,
				  strerror(errno));
	}
	shutdown(fd, SHUT_WR);
	while (len < outlen - 1 &&
	       (n = recv(fd, out + len, outlen - 1 - len, 0)) > 0)
		len += (size_t)n;
	close(fd);
	out[len] = '\0';
	return len;
}

/**
 * pesto_main() - the pesto personality (see pesto.h)
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: exit status
 */
int pesto_main(int argc, char **argv)
{
	static char reply[PESTO_REPLY_MAX];
	static struct pesto_req r;
	enum { M_NONE, M_ADD, M_DEL, M_CLEAR, M_SHOW, M_FLOWS, M_STATS } mode
		= M_NONE;
	const char *specs[128], *op, *line2;
	bool udp[128], debug = false, json = false;
	int opt, nspecs = 0, i;
	char hello[32];
	size_t n;

#define SET_MODE(m)							\
	do {								\
		if (mode && mode != (m))				\
			pesto_die("one of -A, -D, -C, -s, --flows, --stats " \
				  "at most");				\
		mode = (m);						\
	} while (0)
	argv[0] = "pesto";
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+AC:Ddhst:u:", pesto_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'A': SET_MODE(M_ADD); break;
		case 'D': SET_MODE(M_DEL); break;
		case 'C':
			SET_MODE(M_CLEAR);
			if (strcasecmp(optarg, "HOST"))
				pesto_die("can't clear '%s': rules are added "
					  "at run time for HOST only", optarg);
			break;
		case 's': SET_MODE(M_SHOW); break;
		case PO_FLOWS: SET_MODE(M_FLOWS); break;
		case PO_STATS: SET_MODE(M_STATS); break;
		case PO_JSON: json = true; break;
		case 't':
		case 'u':
			if (nspecs == 128)
				pesto_die("too many -t and -u options");
			udp[nspecs] = opt == 'u';
			specs[nspecs++] = optarg;
			break;
		case 'd': debug = true; break;
		case 'h':
			fputs(pesto_usage, stdout);
			return EXIT_SUCCESS;
		case PO_VERSION:
			printf("pesto (tether) %s\n", conf_version_str());
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;	/* getopt said why */
		}
	}
	if (optind != argc - 1)
		pesto_die(optind >= argc ? "missing PATH of the control socket "
			  "(tether's -c)" : "one PATH only: see --help");
	if ((mode == M_ADD || mode == M_DEL) && !nspecs)
		pesto_die("-A and -D need rules: -t or -u");
	if (nspecs && mode != M_NONE && mode != M_ADD && mode != M_DEL)
		pesto_die("-t and -u go with -A, -D, or alone (replace)");
	if (mode == M_NONE && !nspecs)
		mode = M_SHOW;
	if (json && mode != M_FLOWS && mode != M_STATS)
		pesto_die("--json goes with --flows or --stats");

	req_printf(&r, "%s %d\n", CTL_HELLO, CTL_PROTO_VERSION);
	if (mode == M_NONE || mode == M_CLEAR)
		req_printf(&r, "clear\n");		/* replace, or clear */
	op = mode == M_DEL ? "del" : "add";
	for (i = 0; i < nspecs; i++)
		pesto_spec(&r, op, udp[i], specs[i]);
	if (mode == M_SHOW)
		req_printf(&r, "show\n");
	else if (mode == M_FLOWS || mode == M_STATS)
		req_printf(&r, "%s%s\n", mode == M_FLOWS ? "flows" : "stats",
			   json ? " json" : "");
	if (debug)
		fprintf(stderr, "pesto: request:\n%.*s", (int)r.len, r.buf);

	n = pesto_send(argv[optind], &r, reply, sizeof(reply));
	snprintf(hello, sizeof(hello), "%s %d\n", CTL_HELLO,
		 CTL_PROTO_VERSION);
	if (strncmp(reply, hello, strlen(hello)))
		pesto_die("%s doesn't speak '%s %d': not tether's control "
			  "socket, or another version", argv[optind],
			  CTL_HELLO, CTL_PROTO_VERSION);
	line2 = reply + strlen(hello);
	if (!strncmp(line2, "error ", 6)) {
		fprintf(stderr, "pesto: %s", line2 + 6);
		return EXIT_FAILURE;
	}
	if (strncmp(line2, "ok\n", 3))
		pesto_die("unexpected reply from %s", argv[optind]);
	fwrite(line2 + 3, 1, n - (size_t)(line2 + 3 - reply), stdout);
	return EXIT_SUCCESS;
}
