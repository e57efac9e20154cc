/*
 * The run queue: the scheduling policy, as pure data-structure code.
 *
 * Round robin: ready processes wait in FIFO order on an intrusive list; the
 * one that has waited longest runs next.  Every operation is O(1) and none
 * knows about contexts, locks or the switch (Plan 9's queueproc/runproc
 * against sched).  They are inline because every switch runs two of them.
 * The caller holds sched_lock.
 */
#ifndef KAIROS_RUNQUEUE_H
#define KAIROS_RUNQUEUE_H

#include <stddef.h>

#include "list.h"
#include "proc.h"

struct runqueue {
    struct list ready; /* struct process, by queue_link, oldest first */
    size_t count;      /* processes on it */
};

static inline void runqueue_init(struct runqueue *rq)
{
    list_init(&rq->ready);
    rq->count = 0;
}

/* Add p at the tail. */
static inline void runqueue_enqueue(struct runqueue *rq, struct process *p)
{
    list_push_back(&rq->ready, &p->queue_link);
    rq->count++;
}

/* Remove and return the process to run next, or NULL when empty. */
static inline struct process *runqueue_pick_next(struct runqueue *rq)
{
    struct list *l = list_pop_front(&rq->ready);

    if (l == NULL) {
        return NULL;
    }
    rq->count--;
    return list_entry(l, struct process, queue_link);
}

#endif
