/*
 * The run queue: the scheduling policy, as pure data-structure code.
 *
 * Round robin: ready processes wait in FIFO order on an intrusive list; the
 * one that has waited longest runs next.  Every operation is O(1) and none
 * knows about contexts, locks or the switch (Plan 9's queueproc/runproc
 * against sched).  The caller holds sched_lock.
 */
#ifndef KAIROS_RUNQUEUE_H
#define KAIROS_RUNQUEUE_H

#include <stddef.h>

#include "list.h"

struct process;

struct runqueue {
    struct list ready; /* struct process, by queue_link, oldest first */
    size_t count;      /* processes on it */
};

void runqueue_init(struct runqueue *rq);
/* Add p at the tail. */
void runqueue_enqueue(struct runqueue *rq, struct process *p);
/* Remove p, which must be on rq. */
void runqueue_remove(struct runqueue *rq, struct process *p);
/* Remove and return the process to run next, or NULL when empty. */
struct process *runqueue_pick_next(struct runqueue *rq);

#endif
