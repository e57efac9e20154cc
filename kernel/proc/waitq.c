/*
 * Hashed wait queues (see waitq.h).
 */
#include "waitq.h"

#include "proc.h"
#include "trace.h"

/* Fibonacci hashing: the top bits of channel * 2^64/phi pick the bucket,
 * so aligned addresses and small event numbers both spread. */
static size_t bucket_of(const struct waitq_table *t, wait_channel_t ch)
{
    uint64_t h = (uint64_t)ch * 0x9E3779B97F4A7C15ULL;

    return (size_t)(h >> 32) & (t->nbuckets - 1);
}

void waitq_init(struct waitq_table *t, struct list *buckets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        list_init(&buckets[i]);
    }
    t->buckets = buckets;
    t->nbuckets = n;
    t->waiters = 0;
}

void waitq_add(struct waitq_table *t, struct process *p)
{
    list_push_back(&t->buckets[bucket_of(t, p->channel)], &p->queue_link);
    t->waiters++;
}

void waitq_remove(struct waitq_table *t, struct process *p)
{
    list_remove(&p->queue_link);
    t->waiters--;
}

size_t waitq_wake(struct waitq_table *t, wait_channel_t channel,
                  void (*wake)(struct process *p))
{
    struct list *head = &t->buckets[bucket_of(t, channel)];
    struct list *l = head->next;
    size_t n = 0;

    while (l != head) {
        struct process *p = list_entry(l, struct process, queue_link);

        l = l->next; /* waitq_remove unlinks p */
        if (p->channel == channel) {
            waitq_remove(t, p);
            trace_wake(p);
            wake(p);
            n++;
        }
    }
    return n;
}

struct list *waitq_rehash(struct waitq_table *t, struct list *buckets, size_t n)
{
    struct waitq_table old = *t;

    waitq_init(t, buckets, n);
    for (size_t i = 0; i < old.nbuckets; i++) {
        struct list *l;

        while ((l = list_pop_front(&old.buckets[i])) != NULL) {
            waitq_add(t, list_entry(l, struct process, queue_link));
        }
    }
    return old.buckets;
}
