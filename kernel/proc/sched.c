/*
 * The scheduler: run queue, wait queues, the switch, preemption, blocking,
 * waking, and the idle loop.
 *
 * Locks: the order of every lock in the tree, and what each guards, is
 * the one table in docs/locks.md.  Here:
 *  - sched_lock guards the process table and pid allocation (proc.c), the
 *    run queue, the wait queues, the counters in `sched` below, and the
 *    fields of struct process grouped under it (proc.h).
 *  - Every context switch goes through switch_checked_locked (xv6's
 *    sched()), which panics unless sched_lock and no other lock is held,
 *    interrupts are off and the caller has left RUNNING.  The lock is
 *    handed over: the process switched to releases it, after its own
 *    switch returns, or in process_start when it is new.
 *  - Preemption: the tick only sets need_resched; the switch happens in
 *    sched_irq_exit on the way out of the interrupt, never while the
 *    interrupted code holds a lock.
 */
#include "sched.h"

#include "klog.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "param.h"
#include "proc_mem.h"
#include "runqueue.h"
#include "trace.h"
#include "waitq.h"

struct spinlock sched_lock = SPINLOCK_INIT("sched");

/* sched_lock guards all of it (the flags are also read without it where a
 * stale value is harmless: the fast path of sched_irq_exit and reschedule). */
static struct {
    struct process *current;    /* on the CPU */
    struct process *idle;       /* the idle task, pid 0 */
    volatile bool need_resched; /* NEED_RESCHED */
    unsigned slice_ticks;       /* ticks per slice */
    struct runqueue rq;         /* ready processes but idle */
    struct waitq_table wq;      /* blocked processes */
    size_t processes;           /* records in the table */
    size_t zombies;             /* of them ZOMBIE (see count_states) */
    uint64_t slices;            /* ticks charged */
    uint64_t switches;
    uint64_t preemptions;
    bool deadlocked; /* the last start_scheduler ended in deadlock */
} sched = {.slice_ticks = SLICE_DEFAULT};

struct process *proc_current(void)
{
    return sched.current;
}

pid_t current_pid(void)
{
    struct process *p = sched.current;

    return p != NULL ? p->pid : 0;
}

void sched_set_slice(unsigned ticks)
{
    sched.slice_ticks = ticks > 0 ? ticks : 1;
}

unsigned sched_slice(void)
{
    return sched.slice_ticks;
}

bool sched_deadlocked(void)
{
    return sched.deadlocked;
}

void sched_init_locked(struct process *idle, struct list *buckets,
                       size_t nbuckets)
{
    KASSERT(holding(&sched_lock));
    runqueue_init(&sched.rq);
    waitq_init(&sched.wq, buckets, nbuckets);
    sched.zombies = 0;
    sched.slices = sched.switches = sched.preemptions = 0;
    sched.need_resched = false;
    sched.deadlocked = false;
    sched.idle = idle;
    sched.current = idle;
    idle->state = PROCESS_RUNNING;
    sched.processes = 1;
}

struct list *sched_reset_locked(void)
{
    struct list *buckets = sched.wq.buckets;

    KASSERT(holding(&sched_lock));
    runqueue_init(&sched.rq);
    sched.wq = (struct waitq_table){NULL, 0, 0};
    sched.current = NULL;
    sched.idle = NULL;
    sched.processes = 0;
    sched.need_resched = false;
    sched.zombies = 0;
    return buckets;
}

/*
 * Processes per state.  Only zombies are counted as they come and go; the
 * rest follow from the queues, which keeps the switch free of bookkeeping:
 * one process runs (idle included), the others that are ready are on the
 * run queue (and idle, when it is not the one running), the blocked ones
 * are in the wait queues.  sched_check compares this with the table.
 */
static void count_states(size_t by_state[PROCESS_NSTATES])
{
    bool idle_waits = sched.current != NULL && sched.current != sched.idle;

    by_state[PROCESS_READY] = sched.rq.count + (idle_waits ? 1 : 0);
    by_state[PROCESS_RUNNING] = sched.current != NULL ? 1 : 0;
    by_state[PROCESS_BLOCKED] = sched.wq.waiters;
    by_state[PROCESS_ZOMBIE] = sched.zombies;
}

void sched_dump(void)
{
    size_t n[PROCESS_NSTATES];

    count_states(n);
    kprintf("scheduler: %lu processes (%lu ready, %lu running, %lu blocked, "
            "%lu zombie); %lu slices, %lu switches, %lu preemptions; "
            "reschedule %s\n",
            (unsigned long)sched.processes, (unsigned long)n[PROCESS_READY],
            (unsigned long)n[PROCESS_RUNNING],
            (unsigned long)n[PROCESS_BLOCKED], (unsigned long)n[PROCESS_ZOMBIE],
            (unsigned long)sched.slices, (unsigned long)sched.switches,
            (unsigned long)sched.preemptions,
            sched.need_resched ? "pending" : "not pending");
}

struct process *sched_idle_locked(void)
{
    KASSERT(holding(&sched_lock));
    return sched.idle;
}

struct list *sched_rehash_locked(struct list *buckets, size_t n)
{
    KASSERT(holding(&sched_lock));
    return waitq_rehash(&sched.wq, buckets, n);
}

/* Not asserted here, being on the switch path: its callers are the
 * switch (checked) and wake_channel_locked (asserted). */
static inline void make_ready_locked(struct process *p)
{
    p->state = PROCESS_READY;
    if (!p->idle) {
        runqueue_enqueue(&sched.rq, p);
    }
}

void sched_admit_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    p->state = PROCESS_READY;
    sched.processes++;
    runqueue_enqueue(&sched.rq, p);
}

void sched_forget_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    KASSERT(p->state == PROCESS_ZOMBIE);
    sched.zombies--;
    sched.processes--;
}

void sched_zombie_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    KASSERT(p == sched.current);
    p->state = PROCESS_ZOMBIE;
    sched.zombies++;
}

/*
 * The canary word an overflow reaches first (the highest of them).  The
 * tick checks the running process's, reaping checks all of them, and so do
 * dumps; the switch does not, because at large N that word is a cache line
 * nothing else on the switch path touches.
 */
static void check_stack_canary(const struct process *p)
{
    const uint64_t *bottom = (const uint64_t *)p->stack;

    if (bottom != NULL &&
        bottom[PROC_STACK_CANARY_WORDS - 1] != PROC_STACK_CANARY) {
        panic("kernel stack overflow in pid %d (%s)", p->pid, p->name);
    }
}

/* Switch from prev to next; returns when something switches back to prev. */
static void switch_locked(struct process *prev, struct process *next)
{
    bool intena;

    sched.current = next;
    sched.switches++;
    intena = cpu_intena(); /* belongs to prev's code, not to the CPU */
    trace_context_switch(prev, next); /* arch_context_switch, recorded */
    cpu_set_intena(intena);
}

/* Why a switch was refused; never returns.  Out of line: never taken. */
__attribute__((noinline, cold)) static _Noreturn void
switch_misuse(const struct process *prev)
{
    const struct spinlock *other = spin_held_other(&sched_lock);

    if (!holding(&sched_lock)) {
        panic("sched: pid %d switches without sched_lock", prev->pid);
    }
    if (irq_off_depth() != 1 && other != NULL) {
        panic("sched: pid %d (%s) switches holding lock %s", prev->pid,
              prev->name, other->name);
    }
    if (irq_off_depth() != 1) {
        panic("sched: pid %d switches with interrupts pushed off %d deep",
              prev->pid, irq_off_depth());
    }
    if (arch_irq_enabled()) {
        panic("sched: pid %d switches with interrupts on", prev->pid);
    }
    panic("sched: pid %d switches away while RUNNING", prev->pid);
}

/*
 * The one path to a switch (xv6's sched()): checks that sched_lock and no
 * other lock is held, interrupts are off and the caller has already left
 * RUNNING (READY and queued, BLOCKED or ZOMBIE), then runs the next ready
 * process, or idle.  preempt says the timer forced it.
 */
static inline __attribute__((always_inline)) bool
switch_checked_locked(bool preempt)
{
    struct process *prev = sched.current;
    struct process *next;

    if (__builtin_expect(!holding(&sched_lock) || irq_off_depth() != 1 ||
                             arch_irq_enabled() ||
                             prev->state == PROCESS_RUNNING,
                         0)) {
        switch_misuse(prev);
    }
    next = runqueue_pick_next(&sched.rq);
    if (next == NULL) {
        next = sched.idle;
    }
    sched.need_resched = false;
    next->state = PROCESS_RUNNING;
    next->slice_left = sched.slice_ticks;
    if (next == prev) {
        return false;
    }
    if (preempt) {
        trace_preempt(prev, next);
        prev->preemptions++;
        sched.preemptions++;
    }
    switch_locked(prev, next);
    return true;
}

bool schedule_locked(void)
{
    return switch_checked_locked(false);
}

/* Give up the CPU while still runnable: back on the run queue, then switch. */
static inline __attribute__((always_inline)) bool
requeue_and_switch_locked(bool preempt)
{
    make_ready_locked(sched.current);
    return switch_checked_locked(preempt);
}

void yield_now(void)
{
    if (sched.current == NULL) {
        return;
    }
    spin_lock(&sched_lock);
    requeue_and_switch_locked(false);
    spin_unlock(&sched_lock);
}

void reschedule(void)
{
    if (sched.current == NULL || !sched.need_resched) {
        return;
    }
    spin_lock(&sched_lock);
    if (sched.need_resched) {
        requeue_and_switch_locked(false);
    }
    spin_unlock(&sched_lock);
}

void sched_tick(void)
{
    struct process *p;

    spin_lock(&sched_lock);
    p = sched.current;
    if (p != NULL) {
        check_stack_canary(p);
        p->slices++;
        sched.slices++;
        if (!p->idle && p->slice_left > 1) {
            p->slice_left--;
        } else if (sched.rq.count > 0) {
            sched.need_resched = true; /* slice used up (idle: always) */
        } else {
            p->slice_left = sched.slice_ticks; /* nobody waits: go on */
        }
    }
    spin_unlock(&sched_lock);
}

void sched_irq_exit(void)
{
    if (!sched.need_resched || sched.current == NULL || irq_off_depth() != 0) {
        return;
    }
    spin_lock(&sched_lock);
    if (sched.need_resched) {
        requeue_and_switch_locked(true);
    }
    spin_unlock(&sched_lock);
}

int block_current_locked(wait_channel_t channel, struct spinlock *lk)
{
    struct process *p = sched.current;

    KASSERT(holding(lk));
    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    /*
     * lk may be sched_lock itself: block_current and wait_child test their
     * condition under it.  Then there is nothing to hand over; the switch
     * requires sched_lock alone, so any other lk is released, but only
     * once sched_lock is held: a waker that changes the condition under lk
     * and then calls wake_channel (which takes sched_lock) finds this
     * process on its wait queue, so no wakeup is lost.
     */
    if (lk != &sched_lock) {
        spin_lock(&sched_lock);
        spin_unlock(lk);
    }
    p->channel = channel;
    p->state = PROCESS_BLOCKED;
    trace_block(p);
    waitq_add(&sched.wq, p);
    schedule_locked();
    p->channel = 0;
    if (lk != &sched_lock) {
        spin_unlock(&sched_lock);
        spin_lock(lk);
    }
    return 0;
}

int block_current(wait_channel_t channel)
{
    int err;

    if (sched.current == NULL || sched.current->idle) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    err = block_current_locked(channel, &sched_lock);
    spin_unlock(&sched_lock);
    return err;
}

size_t wake_channel_locked(wait_channel_t channel)
{
    size_t n;

    KASSERT(holding(&sched_lock));
    if (sched.idle == NULL) {
        return 0;
    }
    n = waitq_wake(&sched.wq, channel, make_ready_locked);
    if (n > 0 && sched.current->idle) {
        sched.need_resched = true; /* leave idle on the way out of an IRQ */
    }
    return n;
}

size_t wake_channel(wait_channel_t channel)
{
    size_t n;

    spin_lock(&sched_lock);
    n = wake_channel_locked(channel);
    spin_unlock(&sched_lock);
    return n;
}

struct scheduler_stats scheduler_stats(void)
{
    struct scheduler_stats st;

    spin_lock(&sched_lock);
    st.processes = sched.processes;
    count_states(st.by_state);
    st.slices = sched.slices;
    st.switches = sched.switches;
    st.preemptions = sched.preemptions;
    st.reschedule_pending = sched.need_resched;
    spin_unlock(&sched_lock);
    return st;
}

/*
 * The idle loop.  With the lock held and interrupts off it reaps idle's
 * zombie children, returns when no other process is alive, and runs the
 * next ready process; with nothing ready it waits for an interrupt, with
 * the check and the wait atomic (interrupts stay off between them).
 */
void start_scheduler(void)
{
    KASSERT(sched.current != NULL && sched.current == sched.idle);
    sched.deadlocked = false;
    for (;;) {
        arch_irqstate_t s = arch_irq_save();
        bool ran = false, woken;

        spin_lock(&sched_lock);
        proc_reap_idle_children_locked();
        if (sched.rq.count == 0) {
            /* Nothing to do: memory back to its baseline. */
            proc_cache_trim_locked();
            heap_trim();
        }
        if (sched.processes == 1) {
            spin_unlock(&sched_lock);
            arch_irq_restore(s);
            return;
        }
        if (sched.rq.count > 0) {
            ran = requeue_and_switch_locked(false); /* idle is never queued */
        }
        spin_unlock(&sched_lock);
        woken = ran || arch_cpu_idle();
        arch_irq_restore(s);
        if (!woken && sched.rq.count == 0) {
            proc_report_deadlock();
            sched.deadlocked = true;
            return;
        }
    }
}

/* ---- Invariant check ------------------------------------------------------ */

struct check {
    unsigned mark; /* this check's stamp */
    size_t seen[PROCESS_NSTATES];
    size_t records;
    const char *err; /* first violation */
    pid_t err_pid;
};

static void check_fail(struct check *c, const char *what, pid_t pid)
{
    if (c->err == NULL) {
        c->err = what;
        c->err_pid = pid;
    }
}

/* Every process on a queue list: in the state the list stands for, once. */
static void check_list(struct check *c, struct list *head,
                       enum process_state want, size_t *count)
{
    struct list *l;

    list_for_each(l, head)
    {
        struct process *p = list_entry(l, struct process, queue_link);

        if (p->state != want || p->idle) {
            check_fail(c, "queued process in the wrong state", p->pid);
        }
        if (p->check_mark == c->mark) {
            check_fail(c, "process on two queues", p->pid);
        }
        p->check_mark = c->mark;
        (*count)++;
    }
}

/* Per record: counted, queued iff ready or blocked, family consistent. */
static void check_process(struct process *p, void *ctx)
{
    struct check *c = ctx;
    bool queued = p->check_mark == c->mark;
    bool should =
        !p->idle && (p->state == PROCESS_READY || p->state == PROCESS_BLOCKED);
    struct list *l;

    c->records++;
    c->seen[p->state]++;
    if (queued != should) {
        check_fail(c,
                   queued ? "queued but not ready or blocked"
                          : "ready or blocked but on no queue",
                   p->pid);
    }
    if ((p->state == PROCESS_RUNNING) != (p == sched.current)) {
        check_fail(c, "running is not current", p->pid);
    }
    list_for_each(l, &p->children)
    {
        struct process *k = list_entry(l, struct process, sibling);

        if (k->parent != p || k->state == PROCESS_ZOMBIE) {
            check_fail(c, "bad entry on a children list", k->pid);
        }
    }
    list_for_each(l, &p->zombies)
    {
        struct process *k = list_entry(l, struct process, sibling);

        if (k->parent != p || k->state != PROCESS_ZOMBIE) {
            check_fail(c, "bad entry on a zombies list", k->pid);
        }
    }
}

int sched_check(void)
{
    static unsigned stamp;
    struct check c = {.mark = ++stamp};
    size_t ready = 0, blocked = 0, counted[PROCESS_NSTATES];

    spin_lock(&sched_lock);
    check_list(&c, &sched.rq.ready, PROCESS_READY, &ready);
    for (size_t i = 0; i < sched.wq.nbuckets; i++) {
        check_list(&c, &sched.wq.buckets[i], PROCESS_BLOCKED, &blocked);
    }
    proc_foreach_locked(check_process, &c);
    if (ready != sched.rq.count || blocked != sched.wq.waiters) {
        check_fail(&c, "queue length counters wrong", 0);
    }
    if (c.records != sched.processes) {
        check_fail(&c, "process count wrong", 0);
    }
    count_states(counted);
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        if (c.seen[s] != counted[s]) {
            check_fail(&c, "per-state count wrong", s);
        }
    }
    spin_unlock(&sched_lock);
    if (c.err != NULL) {
        kprintf("sched_check: %s (pid/state %d)\n", c.err, c.err_pid);
        return -EINVAL;
    }
    return 0;
}
