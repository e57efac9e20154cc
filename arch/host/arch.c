/*
 * The arch contract in Linux user space (the host port).
 *
 * The unchanged core runs as an ordinary process for unit tests, simulation
 * and benchmarks.  "Interrupts" are a flag; the timer ticks only when a test
 * calls timer_tick(); physical addresses are virtual addresses; contexts use
 * the x86_64 switch.S, since the ABI is the same.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch.h"
#include "context.h"

static bool irq_on = true; /* the simulated interrupt flag */

arch_irqstate_t arch_irq_save(void)
{
    bool was = irq_on;

    irq_on = false;
    return was;
}

void arch_irq_restore(arch_irqstate_t state)
{
    irq_on = state;
}

void arch_irq_enable(void)
{
    irq_on = true;
}

bool arch_irq_enabled(void)
{
    return irq_on;
}

void arch_cpu_idle(void)
{
}

void arch_cpu_relax(void)
{
    __builtin_ia32_pause();
}

unsigned arch_cpu_id(void)
{
    return 0;
}

_Noreturn void arch_halt(void)
{
    fflush(stdout);
    abort();
}

void arch_poweroff(void)
{
    exit(0);
}

void arch_context_init(struct arch_context *ctx, void *stack, size_t size,
                       void (*entry)(void *), void *arg)
{
    context_stack_init(ctx, stack, size, entry, arg);
}

_Noreturn void context_entry(void (*entry)(void *), void *arg)
{
    arch_irq_enable();
    entry(arg);
    fprintf(stderr, "host: context entry returned\n");
    abort();
}

uintptr_t arch_context_sp(const struct arch_context *ctx)
{
    return ctx->rsp;
}

static unsigned timer_rate;

void arch_timer_start(unsigned hz)
{
    timer_rate = hz; /* ticks come from tests calling timer_tick() */
}

uint64_t arch_timer_subtick_ns(void)
{
    return 0;
}

void *arch_phys_to_virt(uintptr_t pa)
{
    return (void *)pa;
}

uintptr_t arch_virt_to_phys(const void *va)
{
    return (uintptr_t)va;
}

int arch_mm_init(void)
{
    return 0;
}

void arch_devices_init(void)
{
}

int arch_backtrace(const void *frame, uintptr_t *pcs, int max)
{
    void *buf[64];
    int n;

    (void)frame;
    n = backtrace(buf, max < 64 ? max : 64);
    for (int i = 0; i < n; i++) {
        pcs[i] = (uintptr_t)buf[i];
    }
    return n;
}

const char *arch_symbolize(uintptr_t pc, uintptr_t *offset)
{
    Dl_info info;

    if (dladdr((void *)pc, &info) == 0 || info.dli_sname == NULL) {
        return NULL;
    }
    *offset = pc - (uintptr_t)info.dli_saddr;
    return info.dli_sname;
}
