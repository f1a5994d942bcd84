/* SPDX-License-Identifier: MIT */
/* prepare.h - host sockets as the configuration wants them: the outbound
 * interface and address of -o / --outbound-if4/6 */
#ifndef TETHER_SOCK_PREPARE_H
#define TETHER_SOCK_PREPARE_H

#include <stdint.h>

#include "conf/conf.h"

/* sock_prepare_init() - keep what sock_prepare() needs of @c */
void sock_prepare_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6);

/*
 * sock_prepare() - SO_BINDTODEVICE to --outbound-if4/6 if set, then bind
 * to the --outbound address (or the wildcard) and @port, when either is
 * set (port 0 and no --outbound: no bind, the kernel picks).
 * Return: 0 or -errno
 */
int sock_prepare(int fd, int af, uint16_t port);

#endif /* TETHER_SOCK_PREPARE_H */
