// SPDX-License-Identifier: MIT
/* proc.c - STUB */
#include "ns/proc.h"
int proc_pidfile_open(const struct conf_proc *p) { (void)p; return -1; }
void proc_daemonize(void) {}
void proc_ready(int fd) { (void)fd; }
void proc_runas(const struct conf_proc *p) { (void)p; }
