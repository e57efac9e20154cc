/*
 * Host (Linux user space) types of the arch contract (arch/arch.h).
 */
#ifndef KAIROS_ARCH_TYPES_H
#define KAIROS_ARCH_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* Same layout as x86_64: callee-saved registers on the stack, rsp here. */
struct arch_context {
    uintptr_t rsp;
};

/* The simulated interrupt flag ("interrupts off" is a flag on the host). */
typedef bool arch_irqstate_t;

#define ARCH_NAME "host"

#endif
