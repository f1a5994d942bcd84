/* SPDX-License-Identifier: MIT */
/* proc.h - process life: daemonizing, pid file, dropping to --runas */
#ifndef TETHER_PROC_H
#define TETHER_PROC_H

#include "conf/conf.h"
#include "loop.h"

/* proc_pidfile_open() - open (create) -P's file early, before sandboxing;
 * Return: fd or -1 if none requested */
int proc_pidfile_open(const struct conf_proc *p);
/*
 * proc_daemonize() - fork; the parent waits until the child reports it is
 * ready (proc_ready()) and exits 0 (or 1 if it died), the child starts a
 * new session and points fds 0-2 at /dev/null.
 */
void proc_daemonize(void);
/* proc_ready() - write our pid to the pid file, tell a waiting parent */
void proc_ready(int pidfile_fd);
/* proc_exit_fd_watch() - exit 0 once @p's exit fd (slirp4netns -e) is
 * readable or hung up; nothing if there is none */
void proc_exit_fd_watch(struct loop *lp, const struct conf_proc *p);
/* proc_ready_tell() - write "1" to @p's ready fd (slirp4netns -r), close it */
void proc_ready_tell(const struct conf_proc *p);
/* proc_runas() - drop to --runas (or nobody when root) if configured */
void proc_runas(const struct conf_proc *p);

#endif /* TETHER_PROC_H */
