/* SPDX-License-Identifier: MIT */
/* fwd.h - port forwarding: rules to listening sockets, both directions */
#ifndef TETHER_FWD_H
#define TETHER_FWD_H

#include <stdint.h>

#include "conf/conf.h"
#include "loop.h"

/*
 * fwd_init() - open the listening sockets of every -t/-u (host side) and
 * -T/-U (namespace side) rule, start the "auto" scanner, set up the
 * loopback fast path. An explicit port that can't be bound is fatal:
 * call before the parent of a daemon exits (proc_ready()).
 */
void fwd_init(struct loop *lp, const struct conf *c);

/* fwd_listeners() - listening sockets open now, for logs and tests */
unsigned fwd_listeners(void);

#endif /* TETHER_FWD_H */
