/* SPDX-License-Identifier: MIT */
/* loop_poll.h - adaptive polling before the loop sleeps
 *
 * Waking a sleeping thread costs an inter-processor interrupt and a trip
 * through the scheduler; inside a virtual machine (where these tools often
 * run) that is tens of microseconds, more than the work of a small TCP
 * exchange. When events come back soon after the loop went to sleep, it
 * pays to poll the epoll set for a short while instead of sleeping.
 *
 * The window adapts like the kernel's KVM halt-polling (see
 * Documentation/virt/kvm/halt-polling.rst): it grows when a sleep ended
 * sooner than the maximum window (polling would have caught the event),
 * and shrinks when a sleep outlasted it (polling was wasted). Idle, the
 * window falls to zero within a few sleeps and costs nothing.
 */
#ifndef TETHER_LOOP_POLL_H
#define TETHER_LOOP_POLL_H

#include <stdint.h>

#define LOOP_POLL_START_NS	10000	/* first window after a short sleep */

/**
 * struct loop_poll - adaptive polling window
 * @ns:		current window, nanoseconds, 0 = don't poll
 * @max_ns:	largest window, 0 disables polling
 */
struct loop_poll {
	int64_t ns;
	int64_t max_ns;
};

/**
 * loop_poll_update() - Adapt the window after a sleep in epoll_wait()
 * @p:		Window
 * @slept_ns:	How long the wait took, polling included
 * @woken:	The sleep ended with events (not a timeout)
 */
static inline void loop_poll_update(struct loop_poll *p, int64_t slept_ns,
				    int woken)
{
	if (!p->max_ns)
		return;
	if (!woken || slept_ns > p->max_ns) {
		p->ns /= 2;
		if (p->ns < LOOP_POLL_START_NS)
			p->ns = 0;
	} else if (slept_ns > p->ns) {
		p->ns = p->ns ? p->ns * 2 : LOOP_POLL_START_NS;
		if (p->ns > p->max_ns)
			p->ns = p->max_ns;
	}
}

#endif /* TETHER_LOOP_POLL_H */
