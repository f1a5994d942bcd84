// SPDX-License-Identifier: MIT
/* tcp.c - STUB */
#include "l4/tcp.h"
void tcp_init(const struct conf *c) { (void)c; }
void tcp_from_tap(const struct pkt *p, int n, const struct timespec *now) { (void)p; (void)n; (void)now; }
