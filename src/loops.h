/* SPDX-License-Identifier: MIT */
/* loops.h - more than one loop: one per thread, messages between them,
 * and a pause for what changes state they all read */
#ifndef TETHER_LOOPS_H
#define TETHER_LOOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define LOOPS_MAX	64	/* loops (threads) at most */

/*
 * DOC: one loop per core. Loop 0 runs in the main thread and owns what
 * there is one of: the link's services (ARP, NDP, DHCP), forwarded ports
 * and their listeners, the control plane, following the host, signals.
 * Loops 1... run in threads of their own and only carry flows: each owns
 * the flows it opened (its flow table, its host sockets in its epoll set,
 * its tap queue). Nothing on the per-packet path is shared or locked.
 *
 * What crosses loops goes as a message into the other loop's inbox: a
 * fixed ring of fixed slots behind a mutex, and an eventfd to wake it. A
 * full inbox refuses the message (the sender drops the frame: TCP sends
 * it again); nothing grows. Messages are rare by design: frames that
 * arrived on the wrong queue, and the services' frames.
 *
 * loops_pause() stops every other loop at the end of its batch until
 * loops_resume(): loop 0 changes what they all read (the configuration,
 * when the host's network changed) or reads their tables (the flow list)
 * while they stand still.
 */

/* enum loop_msg_type - what an inbox message carries */
enum loop_msg_type {
	LOOP_MSG_FRAME,		/* a frame for this loop's ingress */
	LOOP_MSG_STOP,		/* a loop ended: loop 0 stops (arg: status) */
	LOOP_MSG_TYPE_NUM_,
};

/**
 * struct loop_msg - one message, as the receiver's handler sees it
 * @type:	enum loop_msg_type
 * @hops:	loops the frame went through before this one
 * @flags:	the sender's (a frame: LOOP_MSG_F_*)
 * @arg:	the sender's
 * @len:	bytes at @data
 * @data:	payload, valid during the handler's call
 */
struct loop_msg {
	uint8_t type;
	uint8_t hops;
	uint16_t flags;
	uint32_t arg;
	uint32_t len;
	const uint8_t *data;
};

#define LOOP_MSG_F_CSUM_OK	1	/* a frame: L4 checksum checked */

#define LOOP_MSG_MAX	(65535 + 64)	/* payload bytes at most */

typedef void loop_msg_fn(struct loop *lp, const struct loop_msg *m);

/* loops_new() - @n loops (1 <= @n <= LOOPS_MAX), each loop_init()ed,
 * with its id and inbox; dies if it can't. Return: loop 0 */
struct loop *loops_new(unsigned n);
/* loops_n() - how many loops @lp's set has (1 if none) */
unsigned loops_n(const struct loop *lp);
/* loops_at() - loop @i of @lp's set (@lp itself if it has none) */
struct loop *loops_at(const struct loop *lp, unsigned i);
/* loops_msg_handler() - @fn handles messages of @type in @lp */
void loops_msg_handler(struct loop *lp, enum loop_msg_type type,
		       loop_msg_fn *fn);
/*
 * loops_send() - a message from @from to loop @to: @type, @hops, @flags,
 * @arg and @len bytes of @data copied into its inbox.
 * Return: 0, or -ENOBUFS (inbox full), -EMSGSIZE, -EINVAL (no such loop)
 */
int loops_send(struct loop *from, unsigned to, enum loop_msg_type type,
	       unsigned hops, unsigned flags, uint32_t arg, const void *data,
	       size_t len);

/* loops_start() - run loops 1... in threads of their own (they wait
 * nothing: their fds are ready); dies if a thread can't be made */
void loops_start(struct loop *lp0);
/* loops_pause(), loops_resume() - from loop 0: hold every other loop at
 * the end of its batch, and let them go again. With one loop: nothing */
void loops_pause(struct loop *lp0);
void loops_resume(struct loop *lp0);
/* loops_stop() - from loop 0, before exiting: hold the others for good */
void loops_stop(struct loop *lp0);

#endif /* TETHER_LOOPS_H */
