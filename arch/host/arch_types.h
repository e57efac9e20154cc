/*
 * Host (Linux user space) types of the arch contract (arch/arch.h).
 */
#ifndef KAIROS_ARCH_TYPES_H
#define KAIROS_ARCH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Same layout as x86_64: callee-saved registers on the stack, rsp here.
 * The stack's bounds are kept for AddressSanitizer's fiber annotations
 * (arch/host/fiber.c); NULL until known for the context that was running
 * before the first switch (the idle task's).
 */
struct arch_context {
    uintptr_t rsp;
    const void *stack; /* lowest address of the context's stack */
    size_t stack_size;
    void *fake_stack; /* ASan's saved fake stack while switched out */
};

/* The simulated interrupt flag ("interrupts off" is a flag on the host). */
typedef bool arch_irqstate_t;

#define ARCH_NAME "host"

/* The running CPU (arch.h); Kairos is uniprocessor for now. */
static inline unsigned arch_cpu_id(void)
{
    return 0;
}

/* Out of line on the host (arch/host/arch.c): each call is a point where
 * host_tick_every may deliver a simulated tick. */
arch_irqstate_t arch_irq_save(void);
void arch_irq_restore(arch_irqstate_t state);
void arch_irq_enable(void);
bool arch_irq_enabled(void);
long arch_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
                  long a6);

#endif
