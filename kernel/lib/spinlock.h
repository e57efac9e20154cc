/*
 * Spinlocks that save and disable interrupts (xv6's spinlock).
 *
 * Every spinlock is taken with interrupts disabled on this CPU: an interrupt
 * handler that takes the same lock could otherwise spin forever on the CPU
 * that holds it.  Interrupts are restored by the matching release, so
 * acquires nest: interrupts come back on only when the outermost lock a CPU
 * holds is released, and only if they were on before it was taken.
 */
#ifndef KAIROS_SPINLOCK_H
#define KAIROS_SPINLOCK_H

#include <stdbool.h>

#include "arch.h"
#include "param.h"

struct spinlock {
    volatile int locked; /* 0 free, 1 held (changed atomically) */
    const char *name;    /* for panics and dumps */
    /* The holder's CPU id + 1, 0 when free: set by the holder after it
     * takes the lock and cleared before it frees it, so a one-word compare
     * tells whether this CPU holds it (a zeroed lock is free). */
    int owner;
};

#define SPINLOCK_INIT(n)                     \
    {                                        \
        .locked = 0, .name = (n), .owner = 0 \
    }

/* Initialise a lock at run time; equivalent to SPINLOCK_INIT. */
void spin_init(struct spinlock *lk, const char *name);

#define SPIN_HELD_MAX 8 /* nesting levels whose lock is recorded */

/* Per-CPU interrupt nesting (xv6's noff and intena); only this header and
 * spinlock.c touch it. */
struct cpu_irq {
    int depth;    /* push_irq_off nesting on this CPU */
    bool was_on;  /* interrupts were enabled before the outermost push */
    bool preempt; /* call the preempt hook when the outermost pop
                     turns interrupts back on */
    /* The lock taken at each level, for panics that name it (NULL: a bare
     * push_irq_off); levels past SPIN_HELD_MAX are not recorded. */
    const struct spinlock *held[SPIN_HELD_MAX];
};
extern struct cpu_irq cpu_irq[MAX_CPUS];

/* The rare paths, out of line: a lock that is taken, and misuse. */
void spin_wait(struct spinlock *lk);
_Noreturn void spin_misuse(const struct spinlock *lk, const char *what);
/* The outermost pop with a preemption requested: run the hook with
 * interrupts still off and nothing held, then turn them on. */
void spin_preempt(void);

/*
 * Preemption at unlock (Linux's preempt_enable): the scheduler registers a
 * hook and requests it when a process it readied should run at once; the
 * outermost release that turns interrupts back on (process context, not
 * an interrupt handler) calls it.  The layers stay apart: this header
 * knows nothing of processes.
 */
void spin_set_preempt_hook(void (*hook)(void));

static inline void spin_request_preempt(void)
{
    cpu_irq[arch_cpu_id()].preempt = true;
}

static inline void spin_clear_preempt(void)
{
    cpu_irq[arch_cpu_id()].preempt = false;
}

/* True if this CPU holds lk. */
static inline bool holding(const struct spinlock *lk)
{
    return lk->owner == (int)arch_cpu_id() + 1;
}

/* push_irq_off, recording lk (or NULL) as what this level holds. */
static inline void push_irq_off_for(const struct spinlock *lk)
{
    arch_irqstate_t state = arch_irq_save();
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    if (c->depth == 0) {
        c->was_on = state;
    }
    if ((unsigned)c->depth < SPIN_HELD_MAX) {
        c->held[c->depth] = lk;
    }
    c->depth++;
}

/*
 * push_irq_off/pop_irq_off: the nesting counter under spinlocks, also usable
 * on its own.  They pair like brackets; pop with nothing pushed panics.
 */
static inline void push_irq_off(void)
{
    push_irq_off_for(NULL);
}

static inline void pop_irq_off(void)
{
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    if (__builtin_expect(arch_irq_enabled(), 0)) {
        spin_misuse(NULL, "pop_irq_off: interrupts are on");
    }
    if (__builtin_expect(c->depth <= 0, 0)) {
        spin_misuse(NULL, "pop_irq_off: nothing pushed");
    }
    c->depth--;
    if (c->depth == 0 && c->was_on) {
        if (__builtin_expect(c->preempt, 0)) {
            spin_preempt();
            return;
        }
        arch_irq_enable();
    }
}

/*
 * Disable interrupts, then spin until lk is ours.  Panics if already ours.
 * Inline, like the release: every switch takes and releases sched_lock,
 * and the uncontended case is a handful of instructions.
 */
static inline void spin_lock(struct spinlock *lk)
{
    push_irq_off_for(lk);
    if (__builtin_expect(holding(lk), 0)) {
        spin_misuse(lk, "spin_lock: already holding");
    }
    if (__builtin_expect(__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE),
                         0)) {
        spin_wait(lk);
    }
    lk->owner = (int)arch_cpu_id() + 1;
}

/* Release lk and restore interrupts if this was the outermost lock held. */
static inline void spin_unlock(struct spinlock *lk)
{
    if (__builtin_expect(!holding(lk), 0)) {
        spin_misuse(lk, "spin_unlock: not holding");
    }
    lk->owner = 0;
    __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
    pop_irq_off();
}

/* Try once to take lk; true on success (interrupts stay off only then). */
bool spin_trylock(struct spinlock *lk);

/*
 * The innermost spinlock this CPU holds other than except, or NULL if none
 * is recorded (only bare push_irq_off levels, or nesting too deep).  For
 * panics that name a lock held where none may be.
 */
const struct spinlock *spin_held_other(const struct spinlock *except);

/* Depth of push_irq_off on this CPU (locks held plus explicit pushes). */
static inline int irq_off_depth(void)
{
    return cpu_irq[arch_cpu_id()].depth;
}
/*
 * Whether interrupts were on before the outermost push (xv6's intena).  It
 * belongs to the code running, not the CPU, so the scheduler saves it
 * around a context switch and restores it after.
 */
static inline bool cpu_intena(void)
{
    return cpu_irq[arch_cpu_id()].was_on;
}

static inline void cpu_set_intena(bool on)
{
    cpu_irq[arch_cpu_id()].was_on = on;
}

#endif
