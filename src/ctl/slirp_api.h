/* SPDX-License-Identifier: MIT */
/* slirp_api.h - slirp4netns's API socket: port forwarding while running */
#ifndef TETHER_SLIRP_API_H
#define TETHER_SLIRP_API_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "loop.h"

#define SLIRP_API_REQ_MAX	4096	/* a request, as slirp4netns reads */
#define SLIRP_API_REPLY_MAX	16384	/* a list of every rule fits */

enum slirp_api_cmd {
	SLIRP_API_UNKNOWN,
	SLIRP_API_ADD,		/* add_hostfwd */
	SLIRP_API_LIST,		/* list_hostfwd */
	SLIRP_API_REMOVE,	/* remove_hostfwd */
};

/**
 * struct slirp_api_req - one request, checked
 * @cmd:	what "execute" asked for
 * @udp:	add: "proto" is "udp" (else "tcp")
 * @host_addr:	add: listening address (INADDR_ANY: every address)
 * @host_port:	add: listening port
 * @guest_port:	add: port in the namespace
 * @id:		remove: the rule
 */
struct slirp_api_req {
	enum slirp_api_cmd cmd;
	bool udp;
	struct in_addr host_addr;
	uint16_t host_port;
	uint16_t guest_port;
	uint32_t id;
};

/*
 * slirp_api_parse() - check one request; @guest is the namespace's
 * address (the only "guest_addr" accepted besides "" and 0.0.0.0)
 * Return: 0, or -EINVAL with @why set to slirp4netns's description
 * ("bad request: add_hostfwd: bad arguments.host_port", ...)
 */
int slirp_api_parse(const char *buf, size_t len, struct in_addr guest,
		    struct slirp_api_req *q, const char **why);

/* slirp_api_error() - the reply for an error; Return: its length */
size_t slirp_api_error(char *out, size_t outlen, const char *desc);

/*
 * slirp_api_init() - listen on @path (owner-only), if not empty; each
 * connection carries one request, answered once the client has shut its
 * side down. Dies with one line if the socket can't be made.
 */
void slirp_api_init(struct loop *lp, const char *path,
		    const struct conf_ip4 *ip4);

#endif /* TETHER_SLIRP_API_H */
