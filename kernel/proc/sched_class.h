/*
 * Scheduling classes (Linux's sched_class): each policy is a table of
 * operations over its own run-queue structure.  The core (sched.c) asks
 * the classes in order — real time, fair, idle — and knows nothing of
 * their insides.  docs/sched.md.
 *
 * The running process is on no class's queue: pick_next takes it off,
 * put_prev puts it back, dequeue takes a process off for good (it blocks,
 * exits, or changes class).  Every operation requires sched_lock (the
 * caller holds it; they are on the switch path, so they do not assert).
 */
#ifndef KAIROS_SCHED_CLASS_H
#define KAIROS_SCHED_CLASS_H

#include <stdbool.h>
#include <stddef.h>

#include "proc.h"

/* Why a process is enqueued. */
enum sched_enqueue {
    ENQ_NEW,     /* spawned */
    ENQ_WAKE,    /* woken, or moved in from another class */
    ENQ_RAISED,  /* priority raised while ready: RT tail */
    ENQ_LOWERED, /* priority lowered while ready: RT head */
    ENQ_RESTORE, /* requeued after a change within its class */
};

/* Why the running process goes back to its queue. */
enum sched_put {
    PUT_YIELD,   /* yield_now: behind its equals */
    PUT_PREEMPT, /* the timer or a wakeup took the CPU */
};

struct sched_class {
    const char *name;
    int rank; /* 0 asked first */
    /* Empty the queue (boot, process_reset). */
    void (*init)(void);
    /* p (READY, not running) joins the queue. */
    void (*enqueue)(struct process *p, enum sched_enqueue why);
    /* p leaves the class: queued (READY), or not (the running one, which
     * blocks, exits or changes class).  The fair class keeps its lag. */
    void (*dequeue)(struct process *p, bool queued);
    /* The process to run next, taken off the queue; NULL if none. */
    struct process *(*pick_next)(void);
    /* Who pick_next would return, left queued; NULL if none. */
    struct process *(*peek)(void);
    /* The running process p goes back onto the queue. */
    void (*put_prev)(struct process *p, enum sched_put why);
    /* The running process p may start running in this class without a
     * pick (its class changed while it ran). */
    void (*set_curr)(struct process *p);
    /* One timer tick charged to the running p; true: reschedule. */
    bool (*tick)(struct process *p);
    /* Does p (READY, of this class) preempt curr (of this class or a
     * later one, not idle)? */
    bool (*preempts)(const struct process *p, const struct process *curr);
    /* Check the queue's invariants, calling visit on every queued
     * process; NULL, or what is wrong. */
    const char *(*check)(void (*visit)(struct process *p, void *ctx),
                         void *ctx);
};

extern const struct sched_class sched_rt_class, sched_fair_class,
    sched_idle_class;

/* The class that runs a process of effective priority prio (0 fair). */
static inline const struct sched_class *sched_class_of(int prio)
{
    return prio > 0 ? &sched_rt_class : &sched_fair_class;
}

/* Class internals shared with the core: */
/* Ticks per slice (RR quantum; fair request size): what sched_slice()
 * returns, read directly on the switch path.  Never 0. */
extern unsigned sched_slice_ticks;
/* Ask for a switch at the next chance (interrupt exit, outermost unlock). */
void sched_need_resched_locked(void);
/* RT throttling: the RT class may run now (not throttled, or no fair
 * process is ready to take its place). */
bool sched_rt_allowed(void);
/* RT: processes queued in the class (its peek is NULL at 0), read by the
 * core so that a yield among fair processes makes no call to ask. */
extern size_t sched_rt_nr;
/* Fair: the running fair p goes back and the next fair process is taken,
 * as put_prev then pick_next but cheaper (p itself if it still comes
 * first); only when no real-time process can run. */
struct process *sched_fair_put_prev_pick_locked(struct process *p,
                                                enum sched_put why);
/* Fair: its tick operation, called directly by the core. */
bool sched_fair_tick_locked(struct process *p);
/* Fair: p, in no class's queue (new, idle), gets nice and its weight. */
void sched_fair_set_nice(struct process *p, int nice);
/* Fair: p's nice changes to nice (queued or running): reweight it. */
void sched_fair_renice_locked(struct process *p, int nice);

#endif
