/*
 * Wait queues: blocked processes hashed by wait channel.
 *
 * A table of buckets, each an intrusive list of the processes blocked on
 * the channels that hash there, in the order they blocked.  Waking a
 * channel walks one bucket: its cost is the waiters on that channel plus
 * the (expected fewer than one) waiters on other channels sharing the
 * bucket.  The table grows with the process table, so there are never
 * more blocked channels than buckets and a bucket holds fewer than one
 * foreign waiter on average.  The caller holds sched_lock.
 */
#ifndef KAIROS_WAITQ_H
#define KAIROS_WAITQ_H

#include <stddef.h>

#include "list.h"
#include "process.h"

struct process;

struct waitq_table {
    struct list *buckets; /* nbuckets lists of struct process, by queue_link */
    size_t nbuckets;      /* a power of two */
    size_t waiters;       /* processes on all buckets */
};

/* Use buckets[0 .. n) (n a power of two) as an empty table. */
void waitq_init(struct waitq_table *t, struct list *buckets, size_t n);
/* Add p, blocked on p->channel, at the tail of its bucket. */
void waitq_add(struct waitq_table *t, struct process *p);
/* Remove p from its bucket. */
void waitq_remove(struct waitq_table *t, struct process *p);
/*
 * Remove every process blocked on channel, in the order they blocked,
 * passing each to wake(p).  Returns how many.
 */
size_t waitq_wake(struct waitq_table *t, wait_channel_t channel,
                  void (*wake)(struct process *p));
/* Move every waiter into buckets[0 .. n) and use those from now on.
 * Returns the old bucket array for the caller to free. */
struct list *waitq_rehash(struct waitq_table *t, struct list *buckets,
                          size_t n);

#endif
