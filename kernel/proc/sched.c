/*
 * The scheduler's core: the classes' dispatcher, wait queues, the switch,
 * preemption, blocking, waking, RT throttling, the policy API and the idle
 * loop.  The policies live in the classes (sched_class.h: sched_rt.c,
 * sched_fair.c); this file asks them in order and never looks inside.
 *
 * Locks: the order of every lock in the tree, and what each guards, is
 * the one table in docs/locks.md.  Here:
 *  - sched_lock guards the process table and pid allocation (proc.c), the
 *    run queue, the wait queues, the counters in `sched` below, and the
 *    fields of struct process grouped under it (proc.h).
 *  - Every context switch is checked by check_switch_locked (xv6's
 *    sched()), which panics unless sched_lock and no other lock is held,
 *    interrupts are off and the caller has left RUNNING.  The lock is
 *    handed over: the process switched to releases it, after its own
 *    switch returns, or in process_start when it is new.
 *  - Preemption: the tick and wakeups only set need_resched.  The switch
 *    happens in sched_irq_exit on the way out of an interrupt, never while
 *    the interrupted code holds a lock; in process context, when the
 *    outermost spinlock is released (spinlock.h calls preempt_hook).
 */
#include "sched.h"
#include "pgrp.h"
#include "uvm.h"

#include "klog.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "param.h"
#include "proc_mem.h"
#include "sched_class.h"
#include "ksignal.h"
#include "trace.h"
#include "waitq.h"

struct spinlock sched_lock = SPINLOCK_INIT("sched");

/* sched_lock guards all of it (the flags are also read without it where a
 * stale value is harmless: the fast path of sched_irq_exit and reschedule). */
static struct {
    struct process *current;    /* on the CPU */
    struct process *idle;       /* the idle task, pid 0 */
    volatile bool need_resched; /* NEED_RESCHED */
    size_t nr_ready;            /* queued in the classes (idle never is) */
    struct waitq_table wq;      /* blocked processes */
    size_t processes;           /* records in the table */
    size_t zombies;             /* of them ZOMBIE (see count_states) */
    uint64_t slices;            /* ticks charged */
    uint64_t switches;
    uint64_t preemptions;
    bool deadlocked; /* the last start_scheduler ended in deadlock */
    /* RT throttling: RT may run rt_runtime of every rt_period ticks. */
    long rt_runtime;      /* ticks; < 0: no throttling */
    unsigned rt_period;   /* ticks */
    unsigned period_tick; /* ticks into the current period */
    long rt_used;         /* ticks RT ran in it */
    bool rt_throttled;    /* rt_used reached rt_runtime: RT waits */
} sched = {.rt_runtime = RT_PERIOD_DEFAULT * 95 / 100,
           .rt_period = RT_PERIOD_DEFAULT};

unsigned sched_slice_ticks = SLICE_DEFAULT; /* sched_class.h */

static void preempt_hook(void);

/* In the order schedule asks them. */
static const struct sched_class *const classes[] = {
    &sched_rt_class, &sched_fair_class, &sched_idle_class};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

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
    sched_slice_ticks = ticks > 0 ? ticks : 1;
}

unsigned sched_slice(void)
{
    return sched_slice_ticks;
}

void sched_set_rt_runtime(long runtime, unsigned period)
{
    spin_lock(&sched_lock);
    sched.rt_period = period > 0 ? period : 1;
    sched.rt_runtime = runtime < 0                       ? -1
                       : runtime > (long)sched.rt_period ? (long)sched.rt_period
                                                         : runtime;
    sched.period_tick = 0;
    sched.rt_used = 0;
    sched.rt_throttled = false;
    spin_unlock(&sched_lock);
}

long sched_rt_runtime(void)
{
    return sched.rt_runtime;
}

unsigned sched_rt_period(void)
{
    return sched.rt_period;
}

bool sched_rt_allowed(void)
{
    /* Throttled RT gives way to fair processes, not to idle. */
    return !sched.rt_throttled || sched_fair_class.peek() == NULL;
}

void sched_need_resched_locked(void)
{
    sched.need_resched = true;
}

bool sched_deadlocked(void)
{
    return sched.deadlocked;
}

void sched_init_locked(struct process *idle, struct list *buckets,
                       size_t nbuckets)
{
    KASSERT(holding(&sched_lock));
    for (size_t i = 0; i < NCLASSES; i++) {
        classes[i]->init();
    }
    sched.nr_ready = 0;
    sched.period_tick = 0;
    sched.rt_used = 0;
    sched.rt_throttled = false;
    waitq_init(&sched.wq, buckets, nbuckets);
    sched.zombies = 0;
    sched.slices = sched.switches = sched.preemptions = 0;
    sched.need_resched = false;
    sched.deadlocked = false;
    sched.idle = idle;
    sched.current = idle;
    idle->state = PROCESS_RUNNING;
    idle->sclass = &sched_idle_class;
    idle->policy = SCHED_OTHER;
    sched_fair_set_nice(idle, 0); /* what its children inherit */
    sched.processes = 1;
    spin_set_preempt_hook(preempt_hook);
}

struct list *sched_reset_locked(void)
{
    struct list *buckets = sched.wq.buckets;

    KASSERT(holding(&sched_lock));
    for (size_t i = 0; i < NCLASSES; i++) {
        classes[i]->init();
    }
    sched.nr_ready = 0;
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

    by_state[PROCESS_READY] = sched.nr_ready + (idle_waits ? 1 : 0);
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

/*
 * Does p, just made ready, run before the running process?  Then ask for
 * a switch: at once from process context (the outermost unlock), on the
 * way out otherwise.  Idle is left only from its loop or an interrupt
 * exit, so waking from idle (host programs' main) just sets need_resched.
 */
static void check_preempt_locked(struct process *p)
{
    struct process *curr = sched.current;

    if (curr->idle) {
        sched.need_resched = true; /* leave idle on the way out of an IRQ */
        return;
    }
    if (p->sclass->rank <= curr->sclass->rank && p->sclass->preempts(p, curr)) {
        sched.need_resched = true;
        spin_request_preempt();
    }
}

/* Not asserted here, being on the wake path: its callers are
 * wake_channel_locked (asserted) and sched_admit_locked. */
static void make_ready_locked(struct process *p, enum sched_enqueue why)
{
    p->state = PROCESS_READY;
    p->sclass->enqueue(p, why);
    sched.nr_ready++;
    check_preempt_locked(p);
}

static void wake_one_locked(struct process *p)
{
    make_ready_locked(p, ENQ_WAKE);
}

void sched_admit_locked(struct process *p)
{
    struct process *parent = sched.current;

    KASSERT(holding(&sched_lock));
    /* A new process inherits its parent's policy (as after fork). */
    p->policy = parent->policy;
    p->rt_priority = parent->rt_priority;
    sched_fair_set_nice(p, parent->nice);
    p->lent_prio = 0;
    p->held = NULL;
    p->waiting = NULL;
    p->prio = p->rt_priority;
    p->sclass = sched_class_of(p->prio);
    p->slice_left = 0;
    p->vlag = 0;
    sched.processes++;
    make_ready_locked(p, ENQ_NEW);
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
    p->sclass->dequeue(p, false);
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

/* Switch from prev to next; returns when something switches back to prev.
 * Inline: every switch path is a few calls deep already. */
static inline __attribute__((always_inline)) void
switch_locked(struct process *prev, struct process *next)
{
    bool intena;

    if (__builtin_expect(prev->vm != NULL || next->vm != NULL, 0)) {
        uvm_switch(prev, next); /* user state and address space */
    }
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

/* Ask the classes in order; the idle class always has idle. */
static inline struct process *pick_next_locked(void)
{
    for (size_t i = 0;; i++) {
        struct process *p = classes[i]->pick_next();

        if (p != NULL) {
            sched.nr_ready -= !p->idle;
            return p;
        }
    }
}

/*
 * The one path to a switch (xv6's sched()): checks that sched_lock and no
 * other lock is held, interrupts are off and the caller has already left
 * RUNNING (READY and queued, BLOCKED or ZOMBIE).
 */
static inline __attribute__((always_inline)) void
check_switch_locked(struct process *prev)
{
    if (__builtin_expect(!holding(&sched_lock) || irq_off_depth() != 1 ||
                             arch_irq_enabled() ||
                             prev->state == PROCESS_RUNNING,
                         0)) {
        switch_misuse(prev);
    }
}

/* Run next (perhaps prev itself).  preempt says the timer forced it. */
static inline __attribute__((always_inline)) bool
switch_to_locked(struct process *prev, struct process *next, bool preempt)
{
    sched.need_resched = false;
    spin_clear_preempt();
    next->state = PROCESS_RUNNING;
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

/* The caller left RUNNING for good (blocked, exited): run the next
 * ready process, or idle. */
bool schedule_locked(void)
{
    struct process *prev = sched.current;

    check_switch_locked(prev);
    return switch_to_locked(prev, pick_next_locked(), false);
}

/*
 * Back on its queue and the next one picked.  A fair process with no
 * real-time one able to run (the common case) is put back and replaced in
 * one step of its class, by a direct call.
 */
static inline __attribute__((always_inline)) struct process *
requeue_pick_locked(struct process *p, enum sched_put why)
{
    if (p->sclass == &sched_fair_class && /* never idle's class */
        (sched_rt_nr == 0 || sched_rt_class.peek() == NULL)) {
        return sched_fair_put_prev_pick_locked(p, why);
    }
    if (p->idle) {
        return pick_next_locked();
    }
    p->sclass->put_prev(p, why);
    sched.nr_ready++;
    return pick_next_locked();
}

/* Give up the CPU while still runnable: back on its queue, then switch. */
static inline __attribute__((always_inline)) bool
requeue_and_switch_locked(bool preempt, enum sched_put why)
{
    struct process *p = sched.current;

    p->state = PROCESS_READY;
    check_switch_locked(p);
    return switch_to_locked(p, requeue_pick_locked(p, why), preempt);
}

void yield_now(void)
{
    if (sched.current == NULL) {
        return;
    }
    spin_lock(&sched_lock);
    requeue_and_switch_locked(false, PUT_YIELD);
    spin_unlock(&sched_lock);
    if (__builtin_expect(sched.current->sig_pending != 0, 0)) {
        signal_deliver(); /* a safe point when no lock is held */
    }
}

void reschedule(void)
{
    if (sched.current == NULL || !sched.need_resched) {
        return;
    }
    spin_lock(&sched_lock);
    if (sched.need_resched) {
        requeue_and_switch_locked(false, PUT_PREEMPT);
    }
    spin_unlock(&sched_lock);
}

/*
 * Called by spinlock.h when the outermost lock is released in process
 * context with a preemption requested: interrupts are still off and no
 * lock is held.  Switch if the request stands (not from idle, which
 * leaves only from its loop).
 */
static void preempt_hook(void)
{
    struct process *p = sched.current;

    if (p == NULL || p->idle || !sched.need_resched) {
        return;
    }
    spin_lock(&sched_lock);
    if (sched.need_resched) {
        requeue_and_switch_locked(false, PUT_PREEMPT);
    }
    spin_unlock(&sched_lock);
}

/* RT throttling: count the tick; true if RT must stop or may run again.
 * Nothing to count before an RT process runs: a period starts at the
 * first tick charged to one (throttled implies rt_used > 0). */
static bool rt_throttle_tick_locked(const struct process *p)
{
    bool changed = false;

    if (sched.rt_runtime < 0) {
        return false; /* rt_runtime=-1: no throttling */
    }
    if (p->sclass == &sched_rt_class && ++sched.rt_used >= sched.rt_runtime &&
        !sched.rt_throttled) {
        sched.rt_throttled = true; /* RT waits until the period ends */
        changed = true;
    }
    if (++sched.period_tick >= sched.rt_period) {
        sched.period_tick = 0;
        sched.rt_used = 0;
        if (sched.rt_throttled) {
            sched.rt_throttled = false;
            changed = sched_rt_class.peek() != NULL; /* RT runs again */
        }
    }
    return changed;
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
        /* Both run every tick: throttling counts whatever the class says
         * (while there is anything to count).  The fair class by a direct
         * call: it is the common one. */
        bool resched = p->sclass == &sched_fair_class
                           ? sched_fair_tick_locked(p)
                           : p->sclass->tick(p);
        bool counting = p->sclass == &sched_rt_class || sched.rt_used != 0;

        if ((counting && rt_throttle_tick_locked(p)) || resched) {
            sched.need_resched = true;
        }
    }
    spin_unlock(&sched_lock);
}

/* Also a safe point for signals: the interrupted code held no lock, so a
 * pending signal ends it here, a spinner that never calls the kernel too. */
void sched_irq_exit(void)
{
    struct process *p = sched.current;

    if (__builtin_expect(p == NULL ||
                             (!sched.need_resched && p->sig_pending == 0) ||
                             irq_off_depth() != 0,
                         1)) {
        return;
    }
    if (sched.need_resched) {
        spin_lock(&sched_lock);
        if (sched.need_resched) {
            requeue_and_switch_locked(true, PUT_PREEMPT);
        }
        spin_unlock(&sched_lock);
    }
    if (sched.current->sig_pending != 0) {
        signal_deliver();
    }
}

/*
 * Block on channel, handing lk over (below).  An interruptible wait does
 * not start with a signal pending and ends early when kill makes the
 * process ready (sched_interrupt_locked): -EINTR either way.
 */
static int block_on_locked(wait_channel_t channel, struct spinlock *lk,
                           bool intr)
{
    struct process *p = sched.current;

    KASSERT(holding(lk));
    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    if (intr && p->sig_pending != 0) {
        return -EINTR;
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
    p->wait_intr = intr;
    p->state = PROCESS_BLOCKED;
    trace_block(p);
    p->sclass->dequeue(p, false);
    waitq_add(&sched.wq, p);
    schedule_locked();
    p->channel = 0;
    p->wait_intr = false;
    intr = intr && p->sig_pending != 0;
    if (lk != &sched_lock) {
        spin_unlock(&sched_lock);
        spin_lock(lk);
    }
    return intr ? -EINTR : 0;
}

int block_current_locked(wait_channel_t channel, struct spinlock *lk)
{
    return block_on_locked(channel, lk, true);
}

int block_current_noint_locked(wait_channel_t channel, struct spinlock *lk)
{
    return block_on_locked(channel, lk, false);
}

void sched_interrupt_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    if (p->state == PROCESS_BLOCKED && p->wait_intr) {
        waitq_remove(&sched.wq, p);
        wake_one_locked(p);
    }
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
    n = waitq_wake(&sched.wq, channel, wake_one_locked);
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
        if (sched.nr_ready == 0) {
            /* Nothing to do: memory back to its baseline. */
            proc_cache_trim_locked();
            heap_trim();
        }
        if (sched.processes == 1) {
            spin_unlock(&sched_lock);
            arch_irq_restore(s);
            return;
        }
        if (sched.nr_ready > 0) {
            ran = requeue_and_switch_locked(false, PUT_YIELD);
        }
        spin_unlock(&sched_lock);
        woken = ran || arch_cpu_idle();
        arch_irq_restore(s);
        if (!woken && sched.nr_ready == 0) {
            proc_report_deadlock();
            sched.deadlocked = true;
            return;
        }
    }
}

/* ---- The idle class ------------------------------------------------------ */

/* Idle is never queued: it is what runs when no other class has anyone. */
static void idle_nop(void)
{
}

static void idle_enqueue(struct process *p, enum sched_enqueue why)
{
    (void)p;
    (void)why;
}

static void idle_dequeue(struct process *p, bool queued)
{
    (void)p;
    (void)queued;
}

static struct process *idle_pick_next(void)
{
    return sched.idle;
}

static struct process *idle_peek(void)
{
    return NULL; /* never beats anyone */
}

static void idle_put_prev(struct process *p, enum sched_put why)
{
    (void)p;
    (void)why;
}

static void idle_set_curr(struct process *p)
{
    (void)p;
}

/* Idle leaves at the first tick with anything ready. */
static bool idle_tick(struct process *p)
{
    (void)p;
    return sched.nr_ready > 0;
}

static bool idle_preempts(const struct process *p, const struct process *curr)
{
    (void)p;
    (void)curr;
    return false;
}

static const char *idle_check(void (*visit)(struct process *p, void *ctx),
                              void *ctx)
{
    (void)visit;
    (void)ctx;
    return NULL;
}

const struct sched_class sched_idle_class = {
    .name = "idle",
    .rank = 2,
    .init = idle_nop,
    .enqueue = idle_enqueue,
    .dequeue = idle_dequeue,
    .pick_next = idle_pick_next,
    .peek = idle_peek,
    .put_prev = idle_put_prev,
    .set_curr = idle_set_curr,
    .tick = idle_tick,
    .preempts = idle_preempts,
    .check = idle_check,
};

/* ---- Priorities and the policy API ---------------------------------------- */

/* Would any queued process run before the running one? */
static bool current_beaten_locked(void)
{
    struct process *curr = sched.current;

    for (size_t i = 0; i < NCLASSES && classes[i]->rank <= curr->sclass->rank;
         i++) {
        struct process *q = classes[i]->peek();

        if (q != NULL && classes[i]->preempts(q, curr)) {
            return true;
        }
    }
    return false;
}

/*
 * Give p effective priority prio, in the class of it, requeued as Linux
 * does for a ready real-time process: raised, at the tail of its new
 * list; lowered, at the head.  The running process yields at once if a
 * queued one now beats it; a ready one that now beats the running one
 * runs at once.  A blocked one just changes (wait queues are FIFO).
 */
static void set_prio_locked(struct process *p, int prio)
{
    const struct sched_class *from = p->sclass, *to = sched_class_of(prio);
    bool queued = p->state == PROCESS_READY;
    bool running = p == sched.current;
    int old = p->prio;

    if (prio == old) {
        return;
    }
    if (queued) {
        from->dequeue(p, true);
        sched.nr_ready--;
    } else if (running && from != to) {
        from->dequeue(p, false);
    }
    p->prio = (uint8_t)prio;
    p->sclass = to;
    if (queued) {
        make_ready_locked(p, from != to   ? ENQ_WAKE
                             : prio > old ? ENQ_RAISED
                                          : ENQ_LOWERED);
    } else if (running) {
        if (from != to) {
            to->set_curr(p);
        }
        if (current_beaten_locked()) {
            sched.need_resched = true;
            spin_request_preempt();
        }
    }
}

void sched_set_lent_prio_locked(struct process *p, int lent)
{
    KASSERT(holding(&sched_lock));
    KASSERT(!p->idle && lent >= 0 && lent <= SCHED_PRIO_MAX);
    p->lent_prio = (uint8_t)lent;
    set_prio_locked(p, p->rt_priority > lent ? p->rt_priority : lent);
}

/* pid 0 is the caller; idle's policy cannot change (NULL as for none). */
static struct process *target_locked(pid_t pid, int *err)
{
    struct process *p = pid == 0 ? sched.current : proc_lookup_locked(pid);

    KASSERT(holding(&sched_lock));
    *err = p == NULL ? -ESRCH : 0;
    return p;
}

int process_setscheduler(pid_t pid, int policy, int priority)
{
    struct process *p;
    int err;

    if (pid < 0 ||
        (policy == SCHED_OTHER
             ? priority != 0
             : (policy != SCHED_FIFO && policy != SCHED_RR) ||
                   priority < SCHED_PRIO_MIN || priority > SCHED_PRIO_MAX)) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = target_locked(pid, &err);
    if (p != NULL && p->idle) {
        err = -EINVAL;
    } else if (p != NULL) {
        p->policy = (int8_t)policy;
        p->rt_priority = (uint8_t)priority;
        int old = p->prio;

        set_prio_locked(p, priority > p->lent_prio ? priority : p->lent_prio);
        if (p->prio != old) {
            sync_prio_changed_locked(p); /* re-sort it if it waits */
        }
    }
    spin_unlock(&sched_lock); /* a switch asked for happens here */
    return err;
}

int process_getscheduler(pid_t pid, int *policy, int *priority)
{
    struct process *p;
    int err;

    if (pid < 0 || policy == NULL || priority == NULL) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = target_locked(pid, &err);
    if (p != NULL) {
        *policy = p->policy;
        *priority = p->rt_priority;
    }
    spin_unlock(&sched_lock);
    return err;
}

void sched_setnice_locked(struct process *p, int nice)
{
    KASSERT(holding(&sched_lock) && !p->idle);
    if (p->nice == nice) {
        return;
    }
    sched_fair_renice_locked(p, nice);
    if (p == sched.current ? current_beaten_locked()
                           : p->state == PROCESS_READY) {
        if (p == sched.current) {
            sched.need_resched = true;
            spin_request_preempt();
        } else {
            check_preempt_locked(p);
        }
    }
}

int process_setnice(pid_t pid, int nice)
{
    struct process *p;
    int err;

    if (pid < 0 || nice < NICE_MIN || nice > NICE_MAX) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = target_locked(pid, &err);
    if (p != NULL && p->idle) {
        err = -EINVAL;
    } else if (p != NULL) {
        sched_setnice_locked(p, nice);
    }
    spin_unlock(&sched_lock);
    return err;
}

int process_getnice(pid_t pid, int *nice)
{
    struct process *p;
    int err;

    if (pid < 0 || nice == NULL) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = target_locked(pid, &err);
    if (p != NULL) {
        *nice = p->nice;
    }
    spin_unlock(&sched_lock);
    return err;
}

/* ---- Invariant check ------------------------------------------------------ */

struct check {
    unsigned mark;                  /* this check's stamp */
    size_t queued[PROCESS_NSTATES]; /* found on the queues */
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

/* One process found on a queue: in the state it stands for, once. */
static void check_queued(struct check *c, struct process *p,
                         enum process_state want)
{
    if (p->state != want || p->idle) {
        check_fail(c, "queued process in the wrong state", p->pid);
    }
    if (p->check_mark == c->mark) {
        check_fail(c, "process on two queues", p->pid);
    }
    p->check_mark = c->mark;
    c->queued[want]++;
}

static void visit_ready(struct process *p, void *ctx)
{
    check_queued(ctx, p, PROCESS_READY);
}

static void check_list(struct check *c, struct list *head,
                       enum process_state want)
{
    struct list *l;

    list_for_each(l, head)
    {
        check_queued(c, list_entry(l, struct process, queue_link), want);
    }
}

/* The policy fields agree: effective = max(base, lent), class of it. */
static void check_policy(struct check *c, const struct process *p)
{
    int want = p->rt_priority > p->lent_prio ? p->rt_priority : p->lent_prio;
    bool rt = p->policy == SCHED_FIFO || p->policy == SCHED_RR;

    if (p->idle) {
        if (p->sclass != &sched_idle_class) {
            check_fail(c, "idle is not in the idle class", p->pid);
        }
        return;
    }
    if (p->prio != want || p->sclass != sched_class_of(p->prio)) {
        check_fail(c, "effective priority or class wrong", p->pid);
    }
    if ((rt && (p->rt_priority < SCHED_PRIO_MIN ||
                p->rt_priority > SCHED_PRIO_MAX)) ||
        (!rt && (p->policy != SCHED_OTHER || p->rt_priority != 0)) ||
        p->nice < NICE_MIN || p->nice > NICE_MAX) {
        check_fail(c, "base policy, priority or nice out of range", p->pid);
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
    check_policy(c, p);
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
    size_t counted[PROCESS_NSTATES];

    spin_lock(&sched_lock);
    for (size_t i = 0; i < NCLASSES; i++) {
        const char *err = classes[i]->check(visit_ready, &c);

        if (err != NULL) {
            check_fail(&c, err, 0);
        }
    }
    for (size_t i = 0; i < sched.wq.nbuckets; i++) {
        check_list(&c, &sched.wq.buckets[i], PROCESS_BLOCKED);
    }
    proc_foreach_locked(check_process, &c);
    if (c.queued[PROCESS_READY] != sched.nr_ready ||
        c.queued[PROCESS_BLOCKED] != sched.wq.waiters) {
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
    if (pgrp_check_locked() != 0) {
        check_fail(&c, "process groups inconsistent", 0);
    }
    spin_unlock(&sched_lock);
    if (c.err != NULL) {
        kprintf("sched_check: %s (pid/state %d)\n", c.err, c.err_pid);
        return -EINVAL;
    }
    return 0;
}
