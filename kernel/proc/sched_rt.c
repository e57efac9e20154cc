/*
 * The real-time class: SCHED_FIFO and SCHED_RR, priorities 1..99.
 *
 * One FIFO list per priority and a bitmap of the non-empty ones: enqueue,
 * dequeue and pick-next are O(1) (the highest set bit of two words).
 * Higher priority first; among equals the one that waited longest.  A
 * process preempted by a higher one goes back to the head of its list
 * (POSIX), one that yields, or an RR process whose slice is used up, to
 * the tail.  Throttling (sched.c) can make the whole class wait.
 * sched_lock guards everything here.
 */
#include "panic.h"
#include "sched_class.h"

#define RT_NPRIO (SCHED_PRIO_MAX + 1) /* lists 1..99; 0 unused */

static struct {
    struct list queue[RT_NPRIO]; /* struct process by queue_link */
    uint64_t bitmap[2];          /* bit prio set: queue[prio] non-empty */
} rt;

size_t sched_rt_nr; /* processes queued (sched_class.h) */

static bool rt_ready(int prio)
{
    return (rt.bitmap[prio >> 6] >> (prio & 63)) & 1;
}

/* The highest priority with a process queued, or 0. */
static int rt_top(void)
{
    if (rt.bitmap[1] != 0) {
        return 64 + 63 - __builtin_clzll(rt.bitmap[1]);
    }
    if (rt.bitmap[0] != 0) {
        return 63 - __builtin_clzll(rt.bitmap[0]);
    }
    return 0;
}

static void rt_init(void)
{
    for (int i = 0; i < RT_NPRIO; i++) {
        list_init(&rt.queue[i]);
    }
    rt.bitmap[0] = rt.bitmap[1] = 0;
    sched_rt_nr = 0;
}

static void rt_add(struct process *p, bool head)
{
    if (head) {
        list_push_front(&rt.queue[p->prio], &p->queue_link);
    } else {
        list_push_back(&rt.queue[p->prio], &p->queue_link);
    }
    rt.bitmap[p->prio >> 6] |= 1ULL << (p->prio & 63);
    sched_rt_nr++;
}

static void rt_unlink(struct process *p)
{
    list_remove(&p->queue_link);
    if (list_empty(&rt.queue[p->prio])) {
        rt.bitmap[p->prio >> 6] &= ~(1ULL << (p->prio & 63));
    }
    sched_rt_nr--;
}

static void rt_enqueue(struct process *p, enum sched_enqueue why)
{
    rt_add(p, why == ENQ_LOWERED);
}

static void rt_dequeue(struct process *p, bool queued)
{
    if (queued) {
        rt_unlink(p);
    }
}

static struct process *rt_peek(void)
{
    int top;

    if (sched_rt_nr == 0 || !sched_rt_allowed()) {
        return NULL;
    }
    top = rt_top();
    return list_entry(rt.queue[top].next, struct process, queue_link);
}

static struct process *rt_pick_next(void)
{
    struct process *p = rt_peek();

    if (p != NULL) {
        rt_unlink(p);
        if (p->slice_left == 0) {
            p->slice_left =
                (uint16_t)sched_slice_ticks; /* a fresh RR quantum */
        }
    }
    return p;
}

static void rt_put_prev(struct process *p, enum sched_put why)
{
    /* Preempted with quantum left: first among its equals again. */
    rt_add(p, why == PUT_PREEMPT && p->slice_left > 0);
}

static void rt_set_curr(struct process *p)
{
    if (p->slice_left == 0) {
        p->slice_left = (uint16_t)sched_slice_ticks;
    }
}

/* RR: one tick of the quantum; at its end, behind the equals waiting. */
static bool rt_tick(struct process *p)
{
    if (p->policy != SCHED_RR || --p->slice_left > 0) {
        return false;
    }
    if (!rt_ready(p->prio)) {
        p->slice_left =
            (uint16_t)sched_slice_ticks; /* nobody equal waits: go on */
        return false;
    }
    return true; /* slice_left 0: put_prev puts it at the tail */
}

static bool rt_preempts(const struct process *p, const struct process *curr)
{
    return sched_rt_allowed() &&
           (curr->sclass != &sched_rt_class || p->prio > curr->prio);
}

static const char *rt_check(void (*visit)(struct process *p, void *ctx),
                            void *ctx)
{
    size_t n = 0;

    for (int prio = 0; prio < RT_NPRIO; prio++) {
        struct list *l;

        if (rt_ready(prio) == list_empty(&rt.queue[prio])) {
            return "rt bitmap disagrees with its lists";
        }
        list_for_each(l, &rt.queue[prio])
        {
            struct process *p = list_entry(l, struct process, queue_link);

            if (p->prio != prio || p->sclass != &sched_rt_class) {
                return "rt process on the wrong list";
            }
            visit(p, ctx);
            n++;
        }
    }
    return n == sched_rt_nr ? NULL : "rt count wrong";
}

const struct sched_class sched_rt_class = {
    .name = "rt",
    .rank = 0,
    .init = rt_init,
    .enqueue = rt_enqueue,
    .dequeue = rt_dequeue,
    .pick_next = rt_pick_next,
    .peek = rt_peek,
    .put_prev = rt_put_prev,
    .set_curr = rt_set_curr,
    .tick = rt_tick,
    .preempts = rt_preempts,
    .check = rt_check,
};
