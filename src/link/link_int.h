/* SPDX-License-Identifier: MIT */
/* link_int.h - what the passt back-ends (stream, vhost-user) share */
#ifndef TETHER_LINK_INT_H
#define TETHER_LINK_INT_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * link_unix_listen() - listen on -s PATH, or on the first free
 * /tmp/passt_N.socket (N = 1..99; a path where a live server answers is
 * in use, a dead one's is taken over). The path goes to @path. Dies with
 * a line naming the cause. Return: the listening socket (non-blocking)
 */
int link_unix_listen(const struct conf *c, char *path, size_t size);

#endif /* TETHER_LINK_INT_H */
