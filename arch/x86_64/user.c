/*
 * Ring 3 on x86_64 (arch.h, docs/user.md): the per-CPU area reached
 * through GS, syscall/sysret set-up, the switch of user state, faults in
 * ring 3, and the checked user copies.
 *
 * Entry: `syscall` lands in user.S's syscall64_entry, which swaps GS to
 * this CPU's area, takes the kernel stack from it and builds the same
 * frame int $0x80 does; interrupts and exceptions from ring 3 arrive on
 * the TSS's rsp0 (the same stack top) and swap GS in vectors.S.  Every way
 * back to ring 3 passes sched_irq_exit, where a pending reschedule and a
 * pending signal are taken.
 */
#include "arch.h"
#include "cpu.h"
#include "kerrno.h"
#include "klog.h"
#include "kstring.h"
#include "layout.h"
#include "param.h"
#include "proc.h"
#include "syscall.h"
#include "uvm.h"
#include "ksignal.h"
#include "x86.h"

/* The per-CPU area (layout.h's CPU_* offsets). */
struct x86_cpu {
    uint64_t kstack;  /* CPU_KSTACK: the running process's stack top */
    uint64_t scratch; /* CPU_SCRATCH: the user rsp during entry */
};

static struct x86_cpu cpus[MAX_CPUS];

_Static_assert(__builtin_offsetof(struct x86_cpu, kstack) == CPU_KSTACK,
               "CPU_KSTACK");
_Static_assert(__builtin_offsetof(struct x86_cpu, scratch) == CPU_SCRATCH,
               "CPU_SCRATCH");

void syscall64_entry(void);
long x86_user_copy(void *dst, const void *src, size_t n);
long x86_user_strnlen(const char *s, size_t max);
extern const uint64_t _ex_table_start[], _ex_table_end[];

static _Alignas(16) uint8_t fpu_reset[512]; /* the state after fninit */

#define CR0_MP     (1UL << 1)
#define CR0_EM     (1UL << 2)
#define CR0_NE     (1UL << 5)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMM  (1UL << 10)
#define RFLAGS_DF  (1UL << 10)
#define RFLAGS_TF  (1UL << 8)
#define RFLAGS_AC  (1UL << 18)

void user_init(void)
{
    /* SSE on (musl's memcpy and printf use it), x87 native: its
     * unmasked exceptions raise #MF (NE), so SIGFPE, as on Linux. */
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMM);
    __asm__ volatile("fninit; fxsave %0" : "=m"(fpu_reset));
    /* syscall: kernel CS from STAR[47:32]; sysret: the user base. */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((uint64_t)SEL_USER32 << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall64_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
    /* In the kernel GS is the per-CPU area; the user's comes from swapgs. */
    wrmsr(MSR_GS_BASE, (uint64_t)&cpus[0]);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void arch_uctx_init(struct arch_uctx *u)
{
    memcpy(u->fpu, fpu_reset, sizeof(u->fpu));
    u->fs_base = 0;
}

void user_fpu_reset(void)
{
    __asm__ volatile("fxrstor %0" : : "m"(fpu_reset));
}

void arch_user_switch(struct arch_uctx *prev, struct arch_uctx *next,
                      struct arch_aspace *as, uintptr_t kstack_top)
{
    if (prev != NULL) {
        __asm__ volatile("fxsave %0" : "=m"(prev->fpu));
    }
    if (next == NULL) {
        return;
    }
    __asm__ volatile("fxrstor %0" : : "m"(next->fpu));
    if (prev == NULL || prev->fs_base != next->fs_base) {
        wrmsr(MSR_FS_BASE, next->fs_base);
    }
    arch_aspace_activate(as);
    cpus[arch_cpu_id()].kstack = kstack_top;
    gdt_set_kernel_stack(kstack_top);
}

bool arch_random_u64(uint64_t *v)
{
    static int has = -1; /* 0 none, 1 RDRAND, 2 RDSEED */
    uint32_t a, b, c, d;
    unsigned char ok = 0;

    if (has < 0) {
        cpuid(7, &a, &b, &c, &d);
        has = (b & (1U << 18)) ? 2 : 0;
        if (has == 0) {
            cpuid(1, &a, &b, &c, &d);
            has = (c & (1U << 30)) ? 1 : 0;
        }
    }
    for (int tries = 0; has != 0 && !ok && tries < 10; tries++) {
        if (has == 2) {
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        } else {
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        }
    }
    return ok != 0;
}

uint64_t arch_hwcap(void)
{
    uint32_t a, b, c, d;

    cpuid(1, &a, &b, &c, &d);
    return d;
}

int arch_set_tls(struct arch_uctx *u, uintptr_t base)
{
    if (base >= ARCH_USER_END) {
        return -EINVAL;
    }
    u->fs_base = base;
    wrmsr(MSR_FS_BASE, base); /* u is the running process's */
    return 0;
}

uintptr_t arch_get_tls(const struct arch_uctx *u)
{
    return u->fs_base;
}

/* ---- System calls from ring 3 ------------------------------------------ */

int user_syscall_trap(struct trap_frame *f);

static bool iret_next[MAX_CPUS]; /* rt_sigreturn: rcx and r11 matter */

/*
 * Interrupts on for the call; the way out takes a pending reschedule or
 * signal.  Returns with interrupts off, for sysret, which must not see a
 * non-canonical rip (a #GP in ring 0): a frame whose rip left the user
 * half (a bad signal handler, for instance) leaves by iretq, after
 * user_return_check.
 */
_Static_assert(__builtin_offsetof(struct trap_frame, r9) ==
                   5 * sizeof(uint64_t),
               "the arguments lead the frame");

void user_return_check(struct trap_frame *f)
{
    struct process *p = proc_current();

    if (__builtin_expect(f->rip < ARCH_USER_END || f->rip >= KERNEL_HALF, 1)) {
        return; /* a user address, or a kernel one: its fetch faults */
    }
    kprintf("pid %d (%s): return to a non-canonical rip 0x%lx\n", p->pid,
            p->name, (unsigned long)f->rip);
    signal_force(SIGSEGV, KSI_KERNEL, 0);
    signal_return_to_user(); /* a handler: the frame now leads there */
    if (f->rip >= ARCH_USER_END && f->rip < KERNEL_HALF) {
        proc_exit_signalled(SIGSEGV); /* that handler is no better */
    }
}

int user_syscall_trap(struct trap_frame *f)
{
    const long *arg = (const long *)(void *)f; /* rdi, rsi, rdx, r10, r8, r9 */
    unsigned cpu = arch_cpu_id();
    bool iret;

    sti();
    f->rax = (uint64_t)syscall_dispatch_args((long)f->vector, arg);
    cli();
    sched_irq_exit();
    if (__builtin_expect(proc_current()->sig_pending != 0, 0)) {
        signal_return_to_user(); /* a handler to run */
    }
    iret = iret_next[cpu];
    iret_next[cpu] = false;
    if (__builtin_expect(f->rip >= ARCH_USER_END, 0)) {
        user_return_check(f); /* sysret must not see it: iretq */
        iret = true;
    }
    return iret;
}

/* rt_sigreturn restored every register: go back with iretq (sysret would
 * lose rcx and r11). */
void user_return_by_iret(void)
{
    iret_next[arch_cpu_id()] = true;
}

_Static_assert(sizeof(struct trap_frame) == sizeof(struct arch_uregs),
               "arch_uregs is a trap frame");

void arch_uregs_get(struct arch_uregs *out)
{
    memcpy(out, user_frame(), sizeof(*out));
}

void arch_uregs_set_return(struct arch_uregs *r, long value)
{
    ((struct trap_frame *)r)->rax = (uint64_t)value;
}

void arch_uregs_set_sp(struct arch_uregs *r, uintptr_t sp)
{
    ((struct trap_frame *)r)->rsp = sp;
}

struct trap_frame *user_frame(void)
{
    return (struct trap_frame *)(cpus[arch_cpu_id()].kstack -
                                 sizeof(struct trap_frame));
}

/* ---- Faults in ring 3 --------------------------------------------------- */

/* The signal Linux sends for an exception in user mode. */
static int fault_signal(uint64_t vector)
{
    switch (vector) {
    case 0:  /* #DE */
    case 16: /* #MF */
    case 19: /* #XM */
        return SIGFPE;
    case 1: /* #DB */
    case 3: /* #BP */
        return SIGTRAP;
    case 6: /* #UD */
        return SIGILL;
    case 11: /* #NP */
    case 12: /* #SS */
    case 17: /* #AC */
        return SIGBUS;
    default: /* #GP (privileged instructions), #PF, the rest */
        return SIGSEGV;
    }
}

static const char *fault_name(uint64_t vector)
{
    static const char *const names[32] = {
        [0] = "divide error",         [1] = "debug",
        [3] = "breakpoint",           [4] = "overflow",
        [5] = "bound range",          [6] = "invalid opcode",
        [7] = "device not available", [11] = "segment not present",
        [12] = "stack fault",         [13] = "general protection",
        [14] = "page fault",          [16] = "x87 floating point",
        [17] = "alignment check",     [19] = "SIMD floating point",
    };

    return vector < 32 && names[vector] != NULL ? names[vector] : "exception";
}

/*
 * A page fault on a user page not present: the core maps it if an area of
 * the process allows the access (demand-zero memory: the heap, the stack,
 * mmap).  True if the faulting instruction can run again.
 */
static bool demand_page(const struct trap_frame *tf, uint64_t cr2)
{
    struct process *p = proc_current();
    unsigned access = (tf->error & 0x2    ? ARCH_PROT_WRITE
                       : tf->error & 0x10 ? ARCH_PROT_EXEC
                                          : 0) |
                      ARCH_PROT_READ;

    /* not present, or a write to a present page (copy-on-write) */
    bool fixable = !(tf->error & 0x1) || (tf->error & 0x2);

    return tf->vector == 14 && fixable && cr2 < ARCH_USER_END && p != NULL &&
           p->vm != NULL && uvm_fault(p->vm, cr2, access) == 0;
}

/* Linux's si_code for an x87 / SSE exception: the first unmasked one
 * raised (err: status bits with the masked ones cleared). */
static int fpe_code(unsigned err)
{
    if (err & 0x001) {
        return KFPE_FLTINV;
    }
    if (err & 0x004) {
        return KFPE_FLTDIV;
    }
    if (err & 0x008) {
        return KFPE_FLTOVF;
    }
    if (err & 0x012) {
        return KFPE_FLTUND;
    }
    return err & 0x020 ? KFPE_FLTRES : KSI_KERNEL;
}

/* The unmasked exceptions the user's (still live) FPU state raised. */
static unsigned fpu_raised(uint64_t vector)
{
    uint32_t mxcsr;
    uint16_t sw, cw;

    if (vector == 19) {
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        return ~(mxcsr >> 7) & mxcsr & 0x3f;
    }
    __asm__ volatile("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
    return sw & ~cw & 0x3f;
}

/* The si_code and si_addr Linux gives a fault's signal (arch/x86's
 * traps.c and fault.c); the kernel's own code for the rest. */
static int fault_code(const struct trap_frame *tf, uint64_t cr2, uint64_t *addr)
{
    struct process *p = proc_current();

    *addr = tf->rip;
    switch (tf->vector) {
    case 0: /* #DE */
        return KFPE_INTDIV;
    case 1: /* #DB: Kairos sets no breakpoints, so a single step */
        return KTRAP_TRACE;
    case 6: /* #UD */
        return KILL_ILLOPN;
    case 16: /* #MF */
    case 19: /* #XM */
        return fpe_code(fpu_raised(tf->vector));
    case 14: /* #PF: an area there forbids the access, or none holds it */
        *addr = cr2;
        return cr2 < ARCH_USER_END && p->vm != NULL && uvm_has_area(p->vm, cr2)
                   ? KSEGV_ACCERR
                   : KSEGV_MAPERR;
    case 17: /* #AC */
        *addr = 0;
        return KBUS_ADRALN;
    default: /* #BP, #GP, #NP, #SS, ...: no address */
        *addr = 0;
        return KSI_KERNEL;
    }
}

void user_fault(struct trap_frame *tf, uint64_t cr2)
{
    struct process *p = proc_current();
    int sig = fault_signal(tf->vector), code;
    uint64_t addr;

    if (demand_page(tf, cr2)) {
        sched_irq_exit(); /* the way back to ring 3 */
        signal_return_to_user();
        user_return_check(tf);
        return;
    }

    if (tf->vector == 14) {
        kprintf("pid %d (%s): %s at rip 0x%lx: %s of 0x%lx\n", p->pid, p->name,
                fault_name(14), (unsigned long)tf->rip,
                tf->error & 0x10  ? "fetch"
                : tf->error & 0x2 ? "write"
                                  : "read",
                (unsigned long)cr2);
    } else {
        kprintf("pid %d (%s): %s at rip 0x%lx\n", p->pid, p->name,
                fault_name(tf->vector), (unsigned long)tf->rip);
    }
    code = fault_code(tf, cr2, &addr);
    signal_force(sig, code, addr);
    sched_irq_exit(); /* ends it, unless it has a handler: */
    signal_return_to_user();
    user_return_check(tf);
}

/* ---- User copies ------------------------------------------------------- */

bool user_copy_fixup(struct trap_frame *tf, uint64_t cr2)
{
    for (const uint64_t *e = _ex_table_start; e < _ex_table_end; e += 2) {
        if (tf->rip == e[0]) {
            if (!demand_page(tf, cr2)) {
                tf->rip = e[1]; /* else the copy goes on */
            }
            return true;
        }
    }
    return false;
}

/* [va, va + n) lies in the user half (n may be 0). */
static bool user_range(const void *p, size_t n)
{
    uintptr_t va = (uintptr_t)p;

    return va < ARCH_USER_END && n <= ARCH_USER_END - va;
}

int arch_copy_from_user(void *dst, const void *usrc, size_t n)
{
    if (!user_range(usrc, n)) {
        return -EFAULT;
    }
    return (int)x86_user_copy(dst, usrc, n);
}

int arch_copy_to_user(void *udst, const void *src, size_t n)
{
    if (!user_range(udst, n)) {
        return -EFAULT;
    }
    return (int)x86_user_copy(udst, src, n);
}

long arch_user_strnlen(const void *us, size_t max)
{
    uintptr_t va = (uintptr_t)us;

    if (va >= ARCH_USER_END) {
        return -EFAULT;
    }
    if (max > ARCH_USER_END - va) {
        max = ARCH_USER_END - va; /* stop at the end of the user half */
    }
    return x86_user_strnlen(us, max);
}
