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
    int cpu;             /* holder's CPU id, -1 when free */
};

#define SPINLOCK_INIT(n)                    \
    {                                       \
        .locked = 0, .name = (n), .cpu = -1 \
    }

/* Initialise a lock at run time; equivalent to SPINLOCK_INIT. */
void spin_init(struct spinlock *lk, const char *name);
/* Disable interrupts, then spin until lk is ours.  Panics if already ours. */
void spin_lock(struct spinlock *lk);
/* Release lk and restore interrupts if this was the outermost lock held. */
void spin_unlock(struct spinlock *lk);
/* Per-CPU interrupt nesting (xv6's noff and intena); only spinlock.c and
 * the inline accessors below touch it. */
struct cpu_irq {
    int depth;   /* push_irq_off nesting on this CPU */
    bool was_on; /* interrupts were enabled before the outermost push */
};
extern struct cpu_irq cpu_irq[MAX_CPUS];

/* True if this CPU holds lk. */
static inline bool holding(const struct spinlock *lk)
{
    return lk->locked && lk->cpu == (int)arch_cpu_id();
}
/* Try once to take lk; true on success (interrupts stay off only then). */
bool spin_trylock(struct spinlock *lk);

/*
 * push_irq_off/pop_irq_off: the nesting counter under spinlocks, also usable
 * on its own.  They pair like brackets; pop with nothing pushed panics.
 */
void push_irq_off(void);
void pop_irq_off(void);
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
