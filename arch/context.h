/*
 * Stack layout shared by the ports that use arch/x86_64/switch.S (x86_64
 * and the host).  Not part of the contract: only ports include it.
 */
#ifndef KAIROS_ARCH_CONTEXT_H
#define KAIROS_ARCH_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

void context_trampoline(void);
/* Called by context_trampoline; each port defines it. Never returns. */
_Noreturn void context_entry(void (*entry)(void *), void *arg);

/*
 * Lay out a new stack for switch.S: return address context_trampoline at
 * the top, then rbp, rbx = entry, r12 = arg, r13-r15 zero.
 */
static inline void context_stack_init(struct arch_context *ctx, void *stack,
                                      size_t size, void (*entry)(void *),
                                      void *arg)
{
    uintptr_t *sp = (uintptr_t *)(((uintptr_t)stack + size) & ~(uintptr_t)15);

    *--sp = (uintptr_t)context_trampoline;
    *--sp = 0;                /* rbp: ends backtraces */
    *--sp = (uintptr_t)entry; /* rbx */
    *--sp = (uintptr_t)arg;   /* r12 */
    *--sp = 0;                /* r13 */
    *--sp = 0;                /* r14 */
    *--sp = 0;                /* r15 */
    ctx->rsp = (uintptr_t)sp;
}

#endif
