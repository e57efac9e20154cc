/*
 * x86_64 types of the arch contract (arch/arch.h).
 */
#ifndef KAIROS_ARCH_TYPES_H
#define KAIROS_ARCH_TYPES_H

#include <stdint.h>

/*
 * A switched-out context.  The callee-saved registers live on the context's
 * own stack (pushed by arch_context_switch, see switch.S); only the stack
 * pointer is kept here, as in xv6's swtch.
 */
struct arch_context {
    uintptr_t rsp;
};

/* RFLAGS as saved by arch_irq_save; only IF (bit 9) matters. */
typedef uint64_t arch_irqstate_t;

#define ARCH_NAME "x86_64"

/* The running CPU (arch.h); Kairos is uniprocessor for now. */
static inline unsigned arch_cpu_id(void)
{
    return 0;
}

#endif
