// SPDX-License-Identifier: MIT
/* ndp.c - STUB */
#include "l2/ndp.h"
void ndp_init(const struct conf *c) { (void)c; }
bool ndp_from_tap(const struct pkt *p, const struct timespec *now) { (void)p; (void)now; return false; }
