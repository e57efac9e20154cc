/*
 * Spinlocks (see spinlock.h for the interrupt rule and the inline fast
 * paths).  Here: the per-CPU nesting state, and the paths that are rare.
 */
#include "spinlock.h"

#include "panic.h"

struct cpu_irq cpu_irq[MAX_CPUS];
static void (*preempt_hook)(void); /* the scheduler's */

void spin_set_preempt_hook(void (*hook)(void))
{
    preempt_hook = hook;
}

__attribute__((noinline)) void spin_preempt(void)
{
    cpu_irq[arch_cpu_id()].preempt = false;
    if (preempt_hook != NULL) {
        preempt_hook();
    }
    arch_irq_enable();
}

void spin_init(struct spinlock *lk, const char *name)
{
    lk->locked = 0;
    lk->name = name;
    lk->owner = 0;
}

bool spin_trylock(struct spinlock *lk)
{
    push_irq_off_for(lk);
    if (holding(lk)) {
        spin_misuse(lk, "spin_trylock: already holding");
    }
    if (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        pop_irq_off();
        return false;
    }
    lk->owner = (int)arch_cpu_id() + 1;
    return true;
}

const struct spinlock *spin_held_other(const struct spinlock *except)
{
    const struct cpu_irq *c = &cpu_irq[arch_cpu_id()];
    int top = c->depth < SPIN_HELD_MAX ? c->depth : SPIN_HELD_MAX;

    for (int i = top - 1; i >= 0; i--) {
        if (c->held[i] != NULL && c->held[i] != except && holding(c->held[i])) {
            return c->held[i];
        }
    }
    return NULL;
}

/* The contended case: another CPU holds lk (never on one CPU). */
__attribute__((noinline, cold)) void spin_wait(struct spinlock *lk)
{
    while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        arch_cpu_relax();
    }
}

__attribute__((noinline, cold)) _Noreturn void
spin_misuse(const struct spinlock *lk, const char *what)
{
    if (lk != NULL) {
        panic("%s %s", what, lk->name);
    }
    panic("%s", what);
}
