/*
 * Round-robin run queue (see runqueue.h).
 */
#include "runqueue.h"

#include "proc.h"

void runqueue_init(struct runqueue *rq)
{
    list_init(&rq->ready);
    rq->count = 0;
}

void runqueue_enqueue(struct runqueue *rq, struct process *p)
{
    list_push_back(&rq->ready, &p->queue_link);
    rq->count++;
}

void runqueue_remove(struct runqueue *rq, struct process *p)
{
    list_remove(&p->queue_link);
    rq->count--;
}

struct process *runqueue_pick_next(struct runqueue *rq)
{
    struct list *l = list_pop_front(&rq->ready);

    if (l == NULL) {
        return NULL;
    }
    rq->count--;
    return list_entry(l, struct process, queue_link);
}
