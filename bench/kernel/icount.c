/*
 * Does the TSC count instructions?  Under QEMU's -icount shift=0 the
 * virtual clock advances 1 ns per guest instruction and the x86 TSC reads
 * that clock, so a TSC delta should be exactly the instructions executed
 * between the two reads (docs/bench-kernel.md).  This checks it on a loop
 * whose instruction count is known, and shows what a halt reads as.
 */
#include "bench.h"

#include "arch.h"
#include "klog.h"

/*
 * TSC delta across "shl; or; mov; n x (dec; jnz)": 3 + 2n instructions
 * between the two rdtsc, plus the second rdtsc if it counts itself.
 */
static uint64_t timed_loop(uint64_t n)
{
    uint64_t d;

    __asm__ volatile("rdtsc\n\t"
                     "shl $32, %%rdx\n\t"
                     "or %%rdx, %%rax\n\t"
                     "mov %%rax, %%r8\n\t"
                     "1: dec %%rcx\n\t"
                     "jnz 1b\n\t"
                     "rdtsc\n\t"
                     "shl $32, %%rdx\n\t"
                     "or %%rdx, %%rax\n\t"
                     "sub %%r8, %%rax"
                     : "=a"(d), "+c"(n)
                     :
                     : "rdx", "r8", "cc");
    return d;
}

bool bench_icount_check(void)
{
    static const uint64_t ns[] = {1, 1000, 100000};
    arch_irqstate_t s = arch_irq_save(); /* no tick inside the loops */
    uint64_t d[3], idle_t0, idle_d;
    bool exact = true;

    for (int i = 0; i < 3; i++) {
        d[i] = timed_loop(ns[i]);
    }
    arch_irq_restore(s);
    for (int i = 1; i < 3; i++) {
        exact = exact && d[i] - d[0] == 2 * (ns[i] - ns[0]);
    }
    kprintf("# icount check: a loop of 3 + 2n instructions reads as "
            "%lu, %lu, %lu for n = 1, 1000, 100000: %s\n",
            (unsigned long)d[0], (unsigned long)d[1], (unsigned long)d[2],
            exact ? "exact (1 TSC tick per instruction)"
                  : "NOT instruction-exact: boot under -icount "
                    "shift=0,sleep=off");
    idle_t0 = arch_cycles();
    arch_cpu_idle(); /* until the next tick */
    idle_d = arch_cycles() - idle_t0;
    kprintf("# icount check: one halt until the next tick reads as %lu: "
            "halted time counts too, so no measurement may idle\n",
            (unsigned long)idle_d);
    return exact;
}
