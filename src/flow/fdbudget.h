/* SPDX-License-Identifier: MIT */
/* fdbudget.h - one count of the sockets flows hold, against the fd limit */
#ifndef TETHER_FDBUDGET_H
#define TETHER_FDBUDGET_H

#include <stdbool.h>

/*
 * DOC: the translators' tables (65536 TCP connections) can hold more
 * sockets than RLIMIT_NOFILE allows. Every socket a flow holds (TCP
 * connections either way, UDP bindings, ping sockets, spliced
 * connections with their pipes) is taken from one
 * budget, fixed at start-up: the limit, less the fds open once set up
 * (link, epoll, listeners, pools), less FDBUDGET_RESERVE for the control
 * paths that open fds later (namespace socket pools refilled, listeners
 * of automatic forwarding, accepted clients, splice pipes). Past the
 * budget, a new flow is refused (TCP: RST to the guest; UDP and ICMP:
 * dropped), counted, and logged at a limited rate, before any socket()
 * could fail with EMFILE in a control path.
 */

#define FDBUDGET_RESERVE	128	/* fds kept out of the budget */

void fdbudget_init(void);
bool fdbudget_take_n(unsigned n, const char *what);
void fdbudget_put_n(unsigned n);
bool fdbudget_take(const char *what);
void fdbudget_put(void);
int fdbudget_socket(int af, int type, int proto, const char *what);
void fdbudget_close(int fd);
unsigned fdbudget_size(void);
unsigned fdbudget_used(void);
unsigned long fdbudget_refused(void);

#endif /* TETHER_FDBUDGET_H */
