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

void push_irq_off(void)
{
    arch_irqstate_t state = arch_irq_save();
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    if (c->depth == 0) {
        c->was_on = state;
    }
    c->depth++;
}

void pop_irq_off(void)
{
    struct cpu_irq *c = &cpu_irq[arch_cpu_id()];

    KASSERT(!arch_irq_enabled());
    KASSERT(c->depth > 0);
    c->depth--;
    if (c->depth == 0 && c->was_on) {
        arch_irq_enable();
    }
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

void spin_lock(struct spinlock *lk)
{
    push_irq_off();
    if (holding(lk)) {
        panic("spin_lock: already holding %s", lk->name);
    }
    while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        arch_cpu_relax();
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
    pop_irq_off();
}
