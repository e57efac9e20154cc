/*
 * The arch contract in Linux user space (the host port).
 *
 * The unchanged core runs as an ordinary process for unit tests, simulation
 * and benchmarks.  Physical addresses are virtual addresses, and contexts
 * use the x86_64 switch.S, since the ABI is the same.
 *
 * Interrupts are simulated on the one thread the kernel runs on.  The
 * interrupt flag is host_irq.on; the only interrupt is the timer tick
 * (host_tick, host.h), which behaves like IRQ 0 through an x86_64
 * interrupt gate: taken at once when the flag is on, otherwise left
 * pending (one pending tick, like a PIC line) until the flag comes back on
 * in arch_irq_restore, arch_irq_enable, arch_cpu_idle or an interrupt
 * return.  Taking it clears the flag, runs timer_tick() and then
 * sched_irq_exit(), which may switch to another process on this same
 * thread, and sets the flag again, as iretq would.  docs/host.md.
 *
 * The flag itself is host_irq.on, read and written by the inline
 * arch_irq_* in arch_types.h as long as host_irq.slow is clear: no tick
 * pending, none being delivered, no counting for host_tick_every.  Then
 * flipping the flag is all there is to do, as cli/sti are on x86_64.
 * Otherwise they call the *_slow functions here.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch.h"
#include "kerrno.h"
#include "klog.h"
#include "param.h"
#include "context.h"
#include "fiber.h"
#include "heap.h"
#include "host.h"
#include "proc.h"
#include "syscall.h"
#include "timer.h"

struct host_irq host_irq = {.on = true};

/* The rest of the simulated CPU.  Only the kernel's thread touches it. */
static struct {
    bool pending; /* a tick waits for the flag to come on */
    /* Delivering a tick, or running the tail of the switch it caused:
     * automatic ticks are not counted until the flag is next turned on. */
    bool quiet;
    unsigned every;          /* host_tick_every's n; 0: off */
    unsigned calls;          /* counted calls since the last automatic tick */
    bool (*idle_hook)(void); /* arch_cpu_idle asks it; NULL: nothing comes */
    struct host_irq_stats stats;
} cpu;

/* Whether the inline arch_irq_* must call in: after any change above. */
static void update_slow(void)
{
    host_irq.slow = cpu.pending || cpu.quiet || cpu.every != 0;
}

/* ---- Simulated interrupts ------------------------------------------------ */

/* Take the pending tick: the gate, the handler, the interrupt exit, iretq. */
static void deliver_tick(void)
{
    cpu.pending = false;
    host_irq.on = false;
    cpu.quiet = true;
    update_slow();
    cpu.stats.delivered++;
    timer_tick();
    sched_irq_exit(); /* may run other processes before returning here */
    cpu.quiet = false;
    update_slow();
    host_irq.on = true;
}

/* Set the flag; turning it on takes a pending tick (perhaps more). */
static void irq_set(bool on)
{
    if (on && !host_irq.on) {
        cpu.quiet = false;
        update_slow();
    }
    host_irq.on = on;
    while (host_irq.on && cpu.pending) {
        deliver_tick();
    }
}

/* A counted call (host.h lists them): maybe raise the automatic tick. */
static void count_call(void)
{
    if (cpu.every == 0 || cpu.quiet) {
        return;
    }
    if (++cpu.calls >= cpu.every) {
        cpu.calls = 0;
        host_tick();
    }
}

void host_tick(void)
{
    cpu.stats.raised++;
    if (cpu.pending) {
        cpu.stats.merged++;
    } else if (!host_irq.on) {
        cpu.stats.deferred++;
    }
    cpu.pending = true;
    update_slow();
    irq_set(host_irq.on);
}

void host_tick_every(unsigned n)
{
    cpu.every = n;
    cpu.calls = 0;
    update_slow();
}

void host_set_idle_hook(bool (*hook)(void))
{
    cpu.idle_hook = hook;
}

struct host_irq_stats host_irq_stats(void)
{
    struct host_irq_stats s = cpu.stats;

    s.pending = cpu.pending;
    return s;
}

void host_reset(void)
{
    host_irq.on = true;
    cpu.pending = false;
    cpu.quiet = false;
    cpu.every = 0;
    cpu.calls = 0;
    cpu.idle_hook = NULL;
    cpu.stats = (struct host_irq_stats){0};
    update_slow();
    timer_reset(HZ_DEFAULT); /* no timers, tick 0 */
}

/* ---- Interrupt state and the CPU ------------------------------------------ */

arch_irqstate_t host_irq_save_slow(void)
{
    bool was;

    count_call();
    was = host_irq.on;
    host_irq.on = false;
    return was;
}

void host_irq_set_slow(bool on)
{
    count_call();
    irq_set(on);
}

bool host_irq_enabled_slow(void)
{
    count_call();
    return host_irq.on;
}

/*
 * Nothing is ready and the idle hook did nothing: if a timer is armed, the
 * clock jumps to its expiry and that tick is delivered, which wakes what
 * was waiting for it (and may switch to it).  False when no timer can
 * fire: then nothing ever will happen.
 */
static bool jump_to_next_expiry(void)
{
    uint64_t next = timer_next_expiry();

    if (next == TIMER_NEVER) {
        return false;
    }
    if (next > timer_ticks() + 1) {
        timer_skip_to(next - 1);
    }
    cpu.stats.jumps++;
    host_tick();
    return true;
}

/*
 * "sti; hlt" on the host: take a pending tick, then ask the idle hook
 * whether anything can happen, and if not, jump the clock to the next
 * timer expiry.  A tick that fires no timer does not count as a wakeup:
 * counting it would turn every deadlock into an endless idle loop.
 */
bool arch_cpu_idle(void)
{
    bool was = host_irq.on;
    bool woken = false;

    cpu.stats.idles++;
    irq_set(true);
    if (cpu.idle_hook != NULL) {
        woken = cpu.idle_hook();
    }
    if (!woken) {
        woken = jump_to_next_expiry();
    }
    irq_set(was);
    return woken;
}

void arch_cpu_relax(void)
{
    count_call();
    __builtin_ia32_pause();
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

/* ---- Contexts ------------------------------------------------------------------ */

void arch_context_init(struct arch_context *ctx, void *stack, size_t size,
                       void (*entry)(void *), void *arg)
{
    context_stack_init(ctx, stack, size, entry, arg);
    ctx->stack = stack;
    ctx->stack_size = size;
    ctx->fake_stack = NULL;
}

/* Interrupts stay as the switch left them: entry turns them on. */
_Noreturn void context_entry(void (*entry)(void *), void *arg)
{
    fiber_entered();
    entry(arg);
    fprintf(stderr, "host: context entry returned\n");
    abort();
}

uintptr_t arch_context_sp(const struct arch_context *ctx)
{
    return ctx->rsp;
}

/* The layout switch.S leaves: r15, r14, r13, r12, rbx, rbp, return address. */
void arch_context_print(const struct arch_context *ctx)
{
    const uint64_t *s = (const uint64_t *)ctx->rsp;

    kprintf("  rsp=%016lx rip=%016lx rbx=%016lx rbp=%016lx\n",
            (unsigned long)ctx->rsp, (unsigned long)s[6], (unsigned long)s[4],
            (unsigned long)s[5]);
}

/* ---- System calls ----------------------------------------------------------------- */

/*
 * int $0x80 as the x86_64 port takes it (arch/x86_64/trap.c): the gate
 * turns the flag off, the call runs with the caller's flag, then the flag
 * goes off for the interrupt exit and iretq restores the caller's.
 */
long arch_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    bool was;
    long ret;

    count_call();
    was = host_irq.on;
    host_irq.on = false;
    irq_set(was);
    ret = syscall_dispatch(nr, a1, a2, a3, a4, a5, a6);
    host_irq.on = false;
    sched_irq_exit();
    irq_set(was);
    return ret;
}

/* Host pointers live in the lower canonical half. */
#define HOST_USER_TOP 0x0000800000000000ULL

/*
 * Non-NULL, below HOST_USER_TOP, no wrap-around; as on x86_64, a NULL
 * pointer is refused even with len 0.  Whether the bytes are mapped is not
 * checked on the host (AddressSanitizer catches a bad access).
 */
bool arch_access_ok(const void *p, size_t len, bool write)
{
    uintptr_t va = (uintptr_t)p;

    (void)write; /* the host cannot tell; ASan catches a bad write */
    if (va == 0 || va >= HOST_USER_TOP) {
        return false;
    }
    return len == 0 || len - 1 < HOST_USER_TOP - va;
}

/* ---- Time, memory, devices, diagnostics --------------------------------------------- */

static unsigned timer_rate;

void arch_timer_start(unsigned hz)
{
    timer_rate = hz; /* ticks come from host_tick */
}

uint64_t arch_timer_subtick_ns(void)
{
    return 0;
}

uint64_t arch_rtc_seconds(void)
{
    return (uint64_t)time(NULL);
}

uint64_t arch_cycles(void)
{
    return __builtin_ia32_rdtsc();
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

/*
 * Kernel stacks are plain heap blocks on the host: no guard page (a
 * heap block shares its pages with its neighbours, so none can be made
 * without a page of its own and an mprotect per stack, which the unit
 * tests' 10,000-process bursts and B8 would pay for).  The core's canary
 * is the host's only overflow check; ASan does not see these stacks.
 */
void *arch_kstack_alloc(size_t size, void *owner)
{
    (void)owner;
    if (size == 0 || size % PAGE_SIZE != 0 || size > ARCH_KSTACK_MAX) {
        return NULL;
    }
    return kmalloc(size);
}

void arch_kstack_free(void *stack, size_t size)
{
    (void)size;
    kfree(stack);
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

/* ---- User address spaces: none on the host (arch.h) ---------------------- */

int arch_aspace_init(struct arch_aspace *as)
{
    as->root = 0;
    as->tables = 0;
    return -ENOSYS;
}

void arch_aspace_fini(struct arch_aspace *as,
                      void (*release)(uintptr_t pa, void *ctx), void *ctx)
{
    (void)as;
    (void)release;
    (void)ctx;
}

int arch_aspace_map(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                    unsigned prot)
{
    (void)as;
    (void)va;
    (void)pa;
    (void)prot;
    return -ENOSYS;
}

uintptr_t arch_aspace_unmap(struct arch_aspace *as, uintptr_t va)
{
    (void)as;
    (void)va;
    return 0;
}

int arch_aspace_protect(struct arch_aspace *as, uintptr_t va, unsigned prot)
{
    (void)as;
    (void)va;
    (void)prot;
    return -ENOSYS;
}

uintptr_t arch_aspace_lookup(const struct arch_aspace *as, uintptr_t va,
                             unsigned *prot)
{
    (void)as;
    (void)va;
    (void)prot;
    return 0;
}

size_t arch_aspace_table_frames(const struct arch_aspace *as)
{
    return as->tables;
}

void arch_aspace_activate(struct arch_aspace *as)
{
    (void)as;
}

/* ---- Ring 3: none on the host (arch.h) ----------------------------------- */

uint64_t arch_hwcap(void)
{
    return 0;
}

bool arch_random_u64(uint64_t *v)
{
    (void)v;
    return false; /* the host's tests want the fallback path */
}

void arch_page_zero(void *page)
{
    memset(page, 0, PAGE_SIZE);
}

void arch_uctx_init(struct arch_uctx *u)
{
    u->fs_base = 0;
}

void arch_user_switch(struct arch_uctx *prev, struct arch_uctx *next,
                      struct arch_aspace *as, uintptr_t kstack_top)
{
    (void)prev;
    (void)next;
    (void)as;
    (void)kstack_top;
}

_Noreturn void arch_enter_user(uintptr_t rip, uintptr_t rsp)
{
    (void)rip;
    (void)rsp;
    fprintf(stderr, "host: no user mode (arch_enter_user)\n");
    abort();
}

int arch_set_tls(struct arch_uctx *u, uintptr_t base)
{
    (void)u;
    (void)base;
    return -ENOSYS;
}

uintptr_t arch_get_tls(const struct arch_uctx *u)
{
    return u->fs_base;
}

int arch_copy_from_user(void *dst, const void *usrc, size_t n)
{
    (void)dst;
    (void)usrc;
    (void)n;
    return -EFAULT;
}

int arch_copy_to_user(void *udst, const void *src, size_t n)
{
    (void)udst;
    (void)src;
    (void)n;
    return -EFAULT;
}

long arch_user_strnlen(const void *us, size_t max)
{
    (void)us;
    (void)max;
    return -EFAULT;
}

uintptr_t arch_aspace_next(const struct arch_aspace *as, uintptr_t va,
                           uintptr_t end, uintptr_t *pa, unsigned *prot)
{
    (void)as;
    (void)va;
    (void)pa;
    (void)prot;
    return end;
}

int arch_aspace_replace(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                        unsigned prot)
{
    (void)as;
    (void)va;
    (void)pa;
    (void)prot;
    return -ENOSYS;
}

void arch_uregs_get(struct arch_uregs *out)
{
    memset(out, 0, sizeof(*out));
}

void arch_uregs_set_return(struct arch_uregs *r, long value)
{
    r->words[6] = (uint64_t)value; /* rax */
}

_Noreturn void arch_return_to_user(const struct arch_uregs *r)
{
    (void)r;
    fprintf(stderr, "host: no user mode (arch_return_to_user)\n");
    abort();
}

void arch_uregs_set_sp(struct arch_uregs *r, uintptr_t sp)
{
    r->words[20] = sp;
}

int arch_signal_setup(const struct arch_signal *s)
{
    (void)s;
    return -EFAULT; /* no user processes on the host */
}

long arch_signal_return(uint64_t *blocked, struct arch_sigstack *stack)
{
    (void)blocked;
    (void)stack;
    return -EFAULT;
}

uintptr_t arch_user_sp(void)
{
    return 0;
}
