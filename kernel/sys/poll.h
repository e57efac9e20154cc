/*
 * Waiting on several files at once (poll, ppoll: docs/fs.md, "poll").
 *
 * A poll call owns one poll_waiter, on its stack, and puts one poll_entry
 * per watched file on that file's object's list (a pipe's polls, the
 * console's input_polls), each under the object's own lock.  Whatever
 * changes an object's state wakes every entry on its list
 * (poll_wake_locked): it sets the waiter's woken and wakes its channel.
 * The poller clears woken before it scans and blocks only while woken is
 * still false, under w->lock, so a change during the scan is not lost.
 * A wakeup costs one step per entry on the object's list.
 *
 * Locking: w->lock guards woken and expired.  It is taken inside an
 * object's lock (a pipe's, input_lock) and inside timer_lock (the
 * timeout's expiry), and takes sched_lock inside (docs/locks.md).
 */
#ifndef KAIROS_POLL_H
#define KAIROS_POLL_H

#include <stdbool.h>

#include "list.h"
#include "spinlock.h"
#include "timer.h"

/* poll's event bits, Linux's values. */
#define KPOLLIN     0x001
#define KPOLLPRI    0x002
#define KPOLLOUT    0x004
#define KPOLLERR    0x008
#define KPOLLHUP    0x010
#define KPOLLNVAL   0x020
#define KPOLLRDNORM 0x040
#define KPOLLWRNORM 0x100

struct poll_waiter {
    struct spinlock lock;
    /* lock must be held when using these: */
    bool woken;   /* something watched changed since the poller cleared it */
    bool expired; /* the timeout passed */
    /* timer_lock must be held when using this: */
    struct timer timer; /* the timeout, when there is one */
};

struct poll_entry {
    struct list link;      /* in the object's list, under *lock */
    struct poll_waiter *w; /* whom to wake */
    struct spinlock *lock; /* the object's lock: to take it off */
};

/* Wake every poller whose entry is on list (the object's state changed).
 * Caller holds the object's lock, which guards list. */
void poll_wake_locked(struct list *list);
/* Put e (for w) on list, guarded by lock, which the caller holds. */
void poll_add_locked(struct list *list, struct poll_entry *e,
                     struct poll_waiter *w, struct spinlock *lock);

/* The console's pollers (guarded by input_lock; input_ready wakes them). */
extern struct list input_polls;

#endif
