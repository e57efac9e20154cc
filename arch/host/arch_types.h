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
/* The host has no user mode: arch_aspace_init refuses (-ENOSYS). */
struct arch_aspace {
    uintptr_t root;
    size_t tables;
};

#define ARCH_USER_END 0x0000800000000000UL

/* Largest arch_kstack_alloc (a heap block: any size the core uses). */
#define ARCH_KSTACK_MAX (1024 * 1024UL)

struct arch_uctx {
    uint64_t fs_base;
};

struct arch_uregs {
    uint64_t words[22];
};

typedef bool arch_irqstate_t;

#define ARCH_NAME "host"

/* The running CPU (arch.h); Kairos is uniprocessor for now. */
static inline unsigned arch_cpu_id(void)
{
    return 0;
}

/*
 * The simulated interrupt flag (arch/host/arch.c).  While slow is clear
 * the inline functions below just flip it, as cli/sti would; when a tick
 * is pending or being delivered, or host_tick_every counts calls (each
 * call is then a point where a tick may come), they call in.
 */
struct host_irq {
    bool on;   /* the interrupt flag */
    bool slow; /* take the *_slow paths */
};
extern struct host_irq host_irq;

arch_irqstate_t host_irq_save_slow(void);
void host_irq_set_slow(bool on);
bool host_irq_enabled_slow(void);

static inline arch_irqstate_t arch_irq_save(void)
{
    bool was = host_irq.on;

    if (__builtin_expect(host_irq.slow, 0)) {
        return host_irq_save_slow();
    }
    host_irq.on = false;
    return was;
}

static inline void arch_irq_restore(arch_irqstate_t state)
{
    if (__builtin_expect(host_irq.slow, 0)) {
        host_irq_set_slow(state);
    } else {
        host_irq.on = state;
    }
}

static inline void arch_irq_enable(void)
{
    arch_irq_restore(true);
}

static inline bool arch_irq_enabled(void)
{
    if (__builtin_expect(host_irq.slow, 0)) {
        return host_irq_enabled_slow();
    }
    return host_irq.on;
}

long arch_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
                  long a6);

#endif
