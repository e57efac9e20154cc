/*
 * Sleeping locks: kmutex with priority inheritance, ksem, kcond
 * (docs/sync.md).
 *
 * Each primitive keeps its own queue of waiter records, which live on the
 * waiters' stacks: sorted by the waiter's effective priority, first come
 * first served among equals, so a waker takes the head.  A waiter blocks on
 * its own record's address as the wait channel, so waking it wakes nobody
 * else.  Locking: sched_lock guards every field here and the fields of
 * struct process they touch (held, waiting); one lock for all of it
 * keeps lending, requeueing and waking atomic with respect to each other.
 */
#include "kerrno.h"
#include "ksignal.h"
#include "panic.h"
#include "proc.h"
#include "sched.h"
#include "spinlock.h"

/* One blocked process in one queue (on its own stack while it waits). */
struct kwaiter {
    struct list link;     /* in queue, by priority then arrival */
    struct process *proc; /* the waiter */
    struct list *queue;   /* the primitive's waiter list it is on */
    struct kmutex *mutex; /* the mutex it waits for (the chain), or NULL */
    bool granted;         /* the waker gave it what it waited for */
};

/* Sleeping is for processes with no spinlock held, interrupts on. */
static struct process *check_context(const char *what)
{
    struct process *p = proc_current();

    if (p == NULL || p->idle) {
        panic("%s outside a process", what);
    }
    if (irq_off_depth() != 0 || !arch_irq_enabled()) {
        panic("%s from an interrupt or under a spinlock", what);
    }
    return p;
}

static struct kwaiter *top_locked(struct list *q)
{
    return list_empty(q) ? NULL : list_entry(q->next, struct kwaiter, link);
}

/* p owns m. */
static void own_locked(struct kmutex *m, struct process *p)
{
    m->owner = p;
    m->held_next = p->held;
    p->held = m;
}

/* m's owner lets go of it: O(mutexes it holds), as the donation is. */
static void disown_locked(struct kmutex *m)
{
    struct kmutex **pp = &m->owner->held;

    while (*pp != m) {
        pp = &(*pp)->held_next;
    }
    *pp = m->held_next;
    m->held_next = NULL;
    m->owner = NULL;
}

/* Insert after the last waiter of at least w's priority: FIFO among
 * equals.  Walks from the tail, so arriving at the lowest priority is
 * O(1). */
static void enqueue_locked(struct kwaiter *w)
{
    struct list *pos = w->queue->prev;

    while (pos != w->queue &&
           list_entry(pos, struct kwaiter, link)->proc->prio < w->proc->prio) {
        pos = pos->prev;
    }
    list_insert_between(&w->link, pos, pos->next);
}

/* The highest priority lent to p: the top waiter of each inheriting
 * mutex it owns. */
static int donation_locked(struct process *p)
{
    int lent = 0;

    for (struct kmutex *m = p->held; m != NULL; m = m->held_next) {
        struct kwaiter *top = top_locked(&m->waiters);

        if (m->inherit && top != NULL && top->proc->prio > lent) {
            lent = top->proc->prio;
        }
    }
    return lent;
}

/*
 * Recompute the lending to owner and, while its effective priority
 * changes and it waits for an inheriting mutex, re-sort it there and go on
 * to that mutex's owner: at most KMUTEX_PI_DEPTH owners (a cycle, i.e. a
 * deadlock, ends there too).
 */
static void propagate_locked(struct process *owner)
{
    for (int depth = 0; owner != NULL && depth < KMUTEX_PI_DEPTH; depth++) {
        int lent = donation_locked(owner), old = owner->prio;
        struct kwaiter *w = owner->waiting;

        if (lent == owner->lent_prio) {
            return;
        }
        sched_set_lent_prio_locked(owner, lent);
        if (owner->prio == old || w == NULL) {
            return;
        }
        list_remove(&w->link);
        enqueue_locked(w);
        if (w->mutex == NULL || !w->mutex->inherit) {
            return;
        }
        owner = w->mutex->owner;
    }
}

void sync_prio_changed_locked(struct process *p)
{
    struct kwaiter *w = p->waiting;

    KASSERT(holding(&sched_lock));
    if (w == NULL) {
        return;
    }
    list_remove(&w->link);
    enqueue_locked(w);
    if (w->mutex != NULL && w->mutex->inherit) {
        propagate_locked(w->mutex->owner);
    }
}

/* Queue the caller on q (waiting for m, if a mutex) and sleep until a
 * waker grants it.  Not interruptible. */
static void wait_locked(struct list *q, struct kmutex *m)
{
    struct process *p = proc_current();
    struct kwaiter w = {.proc = p, .queue = q, .mutex = m};

    enqueue_locked(&w);
    p->waiting = &w;
    if (m != NULL && m->inherit) {
        propagate_locked(m->owner);
    }
    while (!w.granted) {
        block_current_noint_locked((wait_channel_t)&w, &sched_lock);
    }
}

/* Take w off its queue and wake it; a mutex becomes its own first, while
 * it is still blocked, so it is enqueued at its lent priority. */
static void grant_locked(struct kwaiter *w, struct kmutex *m)
{
    list_remove(&w->link);
    w->proc->waiting = NULL;
    if (m != NULL) {
        own_locked(m, w->proc);
        propagate_locked(w->proc); /* the remaining waiters lend to it */
    }
    w->granted = true;
    wake_channel_locked((wait_channel_t)w);
}

static void mutex_init(struct kmutex *m, bool inherit)
{
    m->owner = NULL;
    list_init(&m->waiters);
    m->held_next = NULL;
    m->inherit = inherit;
}

void kmutex_init(struct kmutex *m)
{
    mutex_init(m, true);
}

void kmutex_init_noinherit(struct kmutex *m)
{
    mutex_init(m, false);
}

static void lock_locked(struct kmutex *m, struct process *p)
{
    if (m->owner == p) {
        panic("kmutex_lock: pid %d already owns the mutex", p->pid);
    }
    if (m->owner == NULL) {
        own_locked(m, p);
    } else {
        wait_locked(&m->waiters, m);
    }
}

void kmutex_lock(struct kmutex *m)
{
    struct process *p = check_context("kmutex_lock");

    spin_lock(&sched_lock);
    lock_locked(m, p);
    spin_unlock(&sched_lock);
}

bool kmutex_trylock(struct kmutex *m)
{
    struct process *p = check_context("kmutex_trylock");
    bool took;

    spin_lock(&sched_lock);
    took = m->owner == NULL;
    if (took) {
        own_locked(m, p);
    }
    spin_unlock(&sched_lock);
    return took;
}

/* Release m: hand it to the top waiter, then drop what m's waiters lent
 * the caller (it may yield at the outermost unlock). */
static void unlock_locked(struct kmutex *m, struct process *p)
{
    struct kwaiter *top = top_locked(&m->waiters);

    if (m->owner != p) {
        panic("kmutex_unlock: pid %d does not own the mutex (owner %d)", p->pid,
              m->owner == NULL ? 0 : m->owner->pid);
    }
    disown_locked(m);
    if (top != NULL) {
        grant_locked(top, m);
    }
    propagate_locked(p);
}

void kmutex_unlock(struct kmutex *m)
{
    struct process *p = check_context("kmutex_unlock");

    spin_lock(&sched_lock);
    unlock_locked(m, p);
    spin_unlock(&sched_lock); /* a woken higher priority runs here */
    if (p->held == NULL && p->sig_pending != 0) {
        signal_deliver(); /* its last mutex: a safe point (signals.md) */
    }
}

void ksem_init(struct ksem *s, unsigned value)
{
    s->value = value;
    list_init(&s->waiters);
}

void ksem_down(struct ksem *s)
{
    check_context("ksem_down");
    spin_lock(&sched_lock);
    if (s->value > 0) {
        s->value--;
    } else {
        wait_locked(&s->waiters, NULL);
    }
    spin_unlock(&sched_lock);
}

bool ksem_trydown(struct ksem *s)
{
    bool took;

    check_context("ksem_trydown");
    spin_lock(&sched_lock);
    took = s->value > 0;
    if (took) {
        s->value--;
    }
    spin_unlock(&sched_lock);
    return took;
}

void ksem_up(struct ksem *s)
{
    struct kwaiter *top;

    check_context("ksem_up");
    spin_lock(&sched_lock);
    top = top_locked(&s->waiters);
    if (top != NULL) {
        grant_locked(top, NULL); /* the unit goes straight to it */
    } else {
        KASSERT(s->value < (unsigned)-1);
        s->value++;
    }
    spin_unlock(&sched_lock);
}

void kcond_init(struct kcond *c)
{
    list_init(&c->waiters);
}

/* Queued on c before m is released, all under sched_lock: a signal after
 * the release finds the caller queued, so none is lost. */
void kcond_wait(struct kcond *c, struct kmutex *m)
{
    struct process *p = check_context("kcond_wait");
    struct kwaiter w = {.proc = p, .queue = &c->waiters};

    spin_lock(&sched_lock);
    if (m->owner != p) {
        panic("kcond_wait: pid %d does not own the mutex", p->pid);
    }
    enqueue_locked(&w);
    p->waiting = &w;
    unlock_locked(m, p);
    while (!w.granted) {
        block_current_noint_locked((wait_channel_t)&w, &sched_lock);
    }
    lock_locked(m, p);
    spin_unlock(&sched_lock);
}

void kcond_signal(struct kcond *c)
{
    struct kwaiter *top;

    check_context("kcond_signal");
    spin_lock(&sched_lock);
    top = top_locked(&c->waiters);
    if (top != NULL) {
        grant_locked(top, NULL);
    }
    spin_unlock(&sched_lock);
}

void kcond_broadcast(struct kcond *c)
{
    check_context("kcond_broadcast");
    spin_lock(&sched_lock);
    while (!list_empty(&c->waiters)) {
        grant_locked(top_locked(&c->waiters), NULL);
    }
    spin_unlock(&sched_lock);
}
