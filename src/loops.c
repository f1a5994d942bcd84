// SPDX-License-Identifier: MIT
/* loops.c - more than one loop: threads, inboxes, pauses (see loops.h) */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "loops.h"

#define INBOX_SLOTS	32		/* messages waiting, per loop */
#define LOOPS_STACK	(8 << 20)	/* a loop thread's stack, as main's */

/**
 * struct inbox_slot - one message in an inbox
 * @m:		its header (@m.data points at @data when handed over)
 * @data:	payload
 */
struct inbox_slot {
	struct loop_msg m;
	uint8_t data[LOOP_MSG_MAX];
};

/**
 * struct loop_inbox - a loop's inbox: a ring of slots, one consumer (the
 * loop), any producers
 * @mu:		guards @head, @tail and the slots between them
 * @head:	next slot to read (free-running)
 * @tail:	next slot to write (free-running)
 * @efd:	eventfd, readable while messages wait
 * @fn:		handler per enum loop_msg_type
 * @dropped:	messages refused, inbox full
 * @slot:	the ring
 */
struct loop_inbox {
	pthread_mutex_t mu;
	uint32_t head;
	uint32_t tail;
	int efd;
	loop_msg_fn *fn[LOOP_MSG_TYPE_NUM_];
	uint64_t dropped;
	struct inbox_slot slot[INBOX_SLOTS];
};

/**
 * struct loops_set - the loops of one process
 * @n:		how many
 * @lp:		each of them (loop 0 is the caller's)
 * @th:		their threads (not loop 0's)
 * @stack:	their stacks, mapped at start-up (none made in the sandbox)
 * @mu:		guards @paused, with @cv
 * @cv:		signalled as loops park and when they may go on
 * @pause:	loop 0 wants the others parked (read every batch)
 * @paused:	how many are parked
 * @ended:	how many ended (their link went away): parked for good
 */
struct loops_set {
	unsigned n;
	struct loop *lp[LOOPS_MAX];
	pthread_t th[LOOPS_MAX];
	void *stack[LOOPS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pause;
	unsigned paused;
	unsigned ended;
};

/* ---- inbox ------------------------------------------------------------ */

static void inbox_wake(struct loop_inbox *ib)
{
	uint64_t one = 1;

	if (write(ib->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		debug_rl("loops: inbox wake-up: %s", strerror(errno));
}

int loops_send(struct loop *from, unsigned to, enum loop_msg_type type,
	       unsigned hops, unsigned flags, uint32_t arg, const void *data,
	       size_t len)
{
	struct loops_set *s = from->set;
	struct loop_inbox *ib;
	struct inbox_slot *sl;
	bool was_empty;

	if (!s || to >= s->n || type >= LOOP_MSG_TYPE_NUM_)
		return -EINVAL;
	if (len > LOOP_MSG_MAX)
		return -EMSGSIZE;
	ib = s->lp[to]->inbox;
	pthread_mutex_lock(&ib->mu);
	if (ib->tail - ib->head >= INBOX_SLOTS) {
		ib->dropped++;
		pthread_mutex_unlock(&ib->mu);
		return -ENOBUFS;
	}
	sl = &ib->slot[ib->tail % INBOX_SLOTS];
	sl->m = (struct loop_msg){ .type = (uint8_t)type,
				   .hops = (uint8_t)MIN(hops, 255U),
				   .flags = (uint16_t)flags, .arg = arg,
				   .len = (uint32_t)len };
	if (len)
		memcpy(sl->data, data, len);
	was_empty = ib->tail == ib->head;
	ib->tail++;
	pthread_mutex_unlock(&ib->mu);
	/* The reader empties the ring before it sleeps again: a message
	 * into a ring that held some needs no wake-up of its own */
	if (was_empty)
		inbox_wake(ib);
	return 0;
}

/* The eventfd: handle what waits, until the ring is empty */
static void inbox_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	struct loop_inbox *ib = lp->inbox;
	uint64_t v;
	uint32_t h, t;

	if (read(ib->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		debug_rl("loops: inbox read: %s", strerror(errno));
	pthread_mutex_lock(&ib->mu);
	for (;;) {
		h = ib->head;
		t = ib->tail;
		if (h == t)
			break;
		/* slots h..t are ours until head moves: no lock while
		 * their messages are handled */
		pthread_mutex_unlock(&ib->mu);
		for (; h != t; h++) {
			struct inbox_slot *sl = &ib->slot[h % INBOX_SLOTS];
			loop_msg_fn *fn = ib->fn[sl->m.type];

			sl->m.data = sl->data;
			if (fn)
				fn(lp, &sl->m);
		}
		pthread_mutex_lock(&ib->mu);
		ib->head = t;
	}
	pthread_mutex_unlock(&ib->mu);
}

void loops_msg_handler(struct loop *lp, enum loop_msg_type type,
		       loop_msg_fn *fn)
{
	ASSERT(type < LOOP_MSG_TYPE_NUM_ && lp->inbox);
	lp->inbox->fn[type] = fn;
}

/* ---- the set ---------------------------------------------------------- */

/* A loop other than 0 ended (its link went away): the process ends */
static void loops_stop_msg(struct loop *lp, const struct loop_msg *m)
{
	loop_stop(lp, (int)m->arg);
}

/* After every batch of a loop but 0: park while loop 0 asks */
static void loops_park(struct loop *lp)
{
	struct loops_set *s = lp->set;

	if (likely(!__atomic_load_n(&s->pause, __ATOMIC_ACQUIRE)))
		return;
	pthread_mutex_lock(&s->mu);
	s->paused++;
	pthread_cond_broadcast(&s->cv);
	while (s->pause)
		pthread_cond_wait(&s->cv, &s->mu);
	s->paused--;
	pthread_mutex_unlock(&s->mu);
}

struct loop *loops_new(unsigned n)
{
	struct loops_set *s;
	unsigned i;

	ASSERT(n >= 1 && n <= LOOPS_MAX);
	/* libc's own few allocations (stdio's buffers for a log line) come
	 * from the main arena in every thread: a thread's first malloc()
	 * would otherwise map an arena of its own, in the sandbox. (A
	 * sanitizer's allocator refuses: it maps, and may, in its builds) */
	if (n > 1 && !mallopt(M_ARENA_MAX, 1))	/* ASan's allocator */
		debug("loops: malloc arenas left as they are (mallopt)");
	s = loop_alloc(sizeof(*s), "loop set");
	s->n = n;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	for (i = 0; i < n; i++) {
		struct loop *lp = loop_alloc(sizeof(*lp), "loop");
		struct loop_inbox *ib;
		int rc;

		loop_init(lp);
		lp->id = i;
		lp->set = s;
		s->lp[i] = lp;
		if (n == 1)
			continue;	/* alone: no inbox, no thread */

		ib = loop_alloc(sizeof(*ib), "loop inbox");
		pthread_mutex_init(&ib->mu, NULL);
		ib->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ib->efd < 0)
			die_perror("eventfd for loop %u", i);
		lp->inbox = ib;
		loop_handler_set(lp, EP_INBOX, inbox_handler);
		rc = loop_add(lp, ib->efd, EPOLLIN,
			      ep_ref_make(EP_INBOX, ib->efd, i));
		if (rc)
			die("cannot watch loop %u's inbox: %s", i,
			    strerror(-rc));
		if (i) {
			/* the stack now, while mmap() is allowed; its
			 * lowest page a guard */
			s->stack[i] = loop_alloc(LOOPS_STACK, "loop stack");
			if (mprotect(s->stack[i], 4096, PROT_NONE))
				die_perror("loop stack guard page");
		} else {
			loops_msg_handler(lp, LOOP_MSG_STOP, loops_stop_msg);
		}
	}
	return s->lp[0];
}

unsigned loops_n(const struct loop *lp)
{
	return lp->set ? lp->set->n : 1;
}

struct loop *loops_at(const struct loop *lp, unsigned i)
{
	if (!lp->set) {		/* a loop of its own (unit tests) */
		ASSERT(!i);
		return (struct loop *)lp;
	}
	ASSERT(i < lp->set->n);
	return lp->set->lp[i];
}

/* A loop's thread: its loop, then loop 0 is told */
static void *loops_thread(void *arg)
{
	struct loop *lp = arg;

	struct loops_set *s = lp->set;

	loop_run(lp);
	debug("loop %u ended (status %d)", lp->id, lp->status);
	pthread_mutex_lock(&s->mu);
	s->ended++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	while (loops_send(lp, 0, LOOP_MSG_STOP, 0, 0, (uint32_t)lp->status,
			  NULL, 0) == -ENOBUFS)
		sched_yield();
	for (;;)	/* the process ends from loop 0 */
		pause();
	return NULL;
}

void loops_start(struct loop *lp0)
{
	struct loops_set *s = lp0->set;
	sigset_t all, old;
	unsigned i;

	if (!s || s->n < 2)
		return;
	/* Signals are loop 0's (its signalfd): the threads block them all,
	 * from their first instruction on */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < s->n; i++) {
		pthread_attr_t at;
		int rc;

		loop_post_add(s->lp[i], loops_park);	/* after every other */
		pthread_attr_init(&at);
		pthread_attr_setstack(&at, (uint8_t *)s->stack[i] + 4096,
				      LOOPS_STACK - 4096);
		rc = pthread_create(&s->th[i], &at, loops_thread, s->lp[i]);
		pthread_attr_destroy(&at);
		if (rc)
			die("cannot start loop %u's thread: %s", i,
			    strerror(rc));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	debug("%u loops running", s->n);
}

void loops_pause(struct loop *lp0)
{
	struct loops_set *s = lp0->set;
	unsigned i;

	if (!s || s->n < 2)
		return;
	ASSERT(lp0->id == 0);
	pthread_mutex_lock(&s->mu);
	__atomic_store_n(&s->pause, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->mu);
	for (i = 1; i < s->n; i++)	/* out of epoll_wait(), if asleep */
		inbox_wake(s->lp[i]->inbox);
	pthread_mutex_lock(&s->mu);
	while (s->paused + s->ended < s->n - 1)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void loops_resume(struct loop *lp0)
{
	struct loops_set *s = lp0->set;

	if (!s || s->n < 2)
		return;
	pthread_mutex_lock(&s->mu);
	__atomic_store_n(&s->pause, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void loops_stop(struct loop *lp0)
{
	loops_pause(lp0);	/* and never resumed: exit() ends them */
}
