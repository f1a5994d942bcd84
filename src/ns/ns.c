// SPDX-License-Identifier: MIT
/* ns.c - STUB */
#include "ns/ns.h"
void ns_setup(const struct conf *c) { (void)c; }
int ns_call(int (*fn)(void *arg), void *arg) { return fn(arg); }
int ns_tap_open(const struct conf *c) { (void)c; return -1; }
void ns_release_child(void) {}
void ns_quit_watch(const struct conf *c) { (void)c; }
pid_t ns_child_pid(void) { return 0; }
