/*
 * x86_64 types of the arch contract (arch/arch.h).
 */
#ifndef KAIROS_ARCH_TYPES_H
#define KAIROS_ARCH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A switched-out context.  The callee-saved registers live on the context's
 * own stack (pushed by arch_context_switch, see switch.S); only the stack
 * pointer is kept here, as in xv6's swtch.
 */
struct arch_context {
    uintptr_t rsp;
};

/* A user address space (arch.h): its top-level table and the frames of
 * all its tables. */
struct arch_aspace {
    uintptr_t root; /* physical address of the PML4, 0 when not set up */
    size_t tables;  /* page-table frames, the PML4 included */
};

#define ARCH_USER_END 0x0000800000000000UL /* the lower canonical half */
#define KERNEL_HALF   0xffff800000000000UL /* the upper canonical half */

/* Largest arch_kstack_alloc: half a 32 KiB stack slot (kstack.c). */
#define ARCH_KSTACK_MAX (16 * 1024UL)

/* A user process's registers as ring 3 left them (arch.h): x86_64's
 * struct trap_frame, 22 words, opaque to the core. */
struct arch_uregs {
    uint64_t words[22];
};

/* A user process's registers the kernel never uses (arch.h): the
 * x87/SSE state as fxsave writes it, and the FS base (TLS). */
struct arch_uctx {
    _Alignas(16) uint8_t fpu[512];
    uint64_t fs_base;
};

/* RFLAGS as saved by arch_irq_save; only IF (bit 9) matters. */
typedef uint64_t arch_irqstate_t;

#define ARCH_NAME "x86_64"

/* The running CPU (arch.h); Kairos is uniprocessor for now. */
static inline unsigned arch_cpu_id(void)
{
    return 0;
}

#define ARCH_RFLAGS_IF 0x200UL

/* Interrupt state (arch.h), inline: they are on every lock and switch. */
static inline arch_irqstate_t arch_irq_save(void)
{
    uint64_t flags;

    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags & ARCH_RFLAGS_IF;
}

static inline void arch_irq_restore(arch_irqstate_t state)
{
    if (state & ARCH_RFLAGS_IF) {
        __asm__ volatile("sti" : : : "memory");
    }
}

static inline void arch_irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline bool arch_irq_enabled(void)
{
    uint64_t flags;

    __asm__ volatile("pushfq; popq %0" : "=r"(flags) : : "memory");
    return (flags & ARCH_RFLAGS_IF) != 0;
}

/*
 * System call through int 0x80 with Linux's registers: number in rax,
 * arguments in rdi, rsi, rdx, r10, r8, r9, result in rax.  The entry stub
 * preserves every other register.  Inline, so a call with constant
 * arguments costs a few moves and the trap.
 */
static inline long arch_syscall(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;

    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "memory");
    return ret;
}

#endif
