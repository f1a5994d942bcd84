/* SPDX-License-Identifier: MIT */
/* tloop.h - the loop a test runs the modules in (a test's global: the
 * modules take it as their per-loop context, as main() hands its own) */
#ifndef TETHER_TLOOP_H
#define TETHER_TLOOP_H

#include "loop.h"

static struct loop t_loop;
static struct loop *const lp = &t_loop;

#endif /* TETHER_TLOOP_H */
