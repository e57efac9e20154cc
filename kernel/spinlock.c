/*
 * Spinlocks (see spinlock.h for the interrupt rule).
 *
 * Per-CPU state: how deeply interrupts have been pushed off, and whether
 * they were on before the outermost push (xv6's noff and intena).
 */
#include "spinlock.h"

#include "panic.h"

struct cpu_irq cpu_irq[MAX_CPUS];

void spin_init(struct spinlock *lk, const char *name)
{
    lk->locked = 0;
    lk->name = name;
    lk->cpu = -1;
}

/* Inline bodies of push_irq_off/pop_irq_off, for the lock's fast path. */
static inline __attribute__((always_inline)) void push_off(void)
{
    arch_irqstate_t state = arch_irq_save();
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    if (c->depth == 0) {
        c->was_on = state;
    }
    c->depth++;
}

static inline __attribute__((always_inline)) void pop_off(void)
{
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    KASSERT(!arch_irq_enabled());
    KASSERT(c->depth > 0);
    c->depth--;
    if (c->depth == 0 && c->was_on) {
        arch_irq_enable();
    }
}

void push_irq_off(void)
{
    push_off();
}

void pop_irq_off(void)
{
    pop_off();
}

bool spin_trylock(struct spinlock *lk)
{
    push_irq_off();
    if (holding(lk)) {
        panic("spin_trylock: already holding %s", lk->name);
    }
    if (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        pop_irq_off();
        return false;
    }
    lk->cpu = (int)arch_cpu_id();
    return true;
}

/* The contended case, out of line so the common path saves no registers. */
__attribute__((noinline, cold)) static void spin_wait(struct spinlock *lk)
{
    while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        arch_cpu_relax();
    }
}

void spin_lock(struct spinlock *lk)
{
    push_off();
    if (holding(lk)) {
        panic("spin_lock: already holding %s", lk->name);
    }
    if (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        spin_wait(lk);
    }
    lk->cpu = (int)arch_cpu_id();
}

void spin_unlock(struct spinlock *lk)
{
    if (!holding(lk)) {
        panic("spin_unlock: not holding %s", lk->name);
    }
    lk->cpu = -1;
    __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
    pop_off();
}
