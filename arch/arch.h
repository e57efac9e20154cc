/*
 * The arch contract: everything the portable core needs from a CPU port.
 *
 * The core (kernel/) includes this header and nothing else from arch/.  Each
 * port (arch/x86_64, arch/host) provides "arch_types.h" with the types the
 * prototypes use and the definitions of the functions declared static
 * inline here, and implements every other function declared here: each
 * function the core calls has its prototype below, none lives only in a
 * comment.  Each comment states what the core relies on; a port that meets
 * it can run the core unchanged.
 */
#ifndef KAIROS_ARCH_H
#define KAIROS_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct arch_context, arch_irqstate_t, and the static inline functions
 * declared below */
#include "arch_types.h"

/* ---- Interrupt state ------------------------------------------------- */

/*
 * These are on every lock and switch, so they are static inline: each
 * port defines them in its arch_types.h (included above), and the
 * compiler checks each definition against the declaration here.
 */

/* Disable interrupts on this CPU and return the previous state. */
static inline arch_irqstate_t arch_irq_save(void);
/* Restore a state from arch_irq_save (re-enables only if it was on). */
static inline void arch_irq_restore(arch_irqstate_t state);
/* Enable interrupts on this CPU. */
static inline void arch_irq_enable(void);
/* True when interrupts are enabled on this CPU. */
static inline bool arch_irq_enabled(void);

/* ---- CPU --------------------------------------------------------------- */

/*
 * Wait for the next interrupt with interrupts enabled, then return with them
 * in the state they were in.  Enabling and waiting are one atomic step, so an
 * interrupt that arrives between a check and the call is not missed.
 * Returns false when no interrupt can ever come (the host, with nothing
 * scheduled to happen): the idle task then knows blocked processes will
 * stay blocked.
 */
bool arch_cpu_idle(void);
/* Spin-wait hint (x86 PAUSE); no other effect. */
void arch_cpu_relax(void);
/*
 * Index of the running CPU, 0 .. MAX_CPUS-1 (always 0 while Kairos is
 * uniprocessor).  On every hot path, so each port defines it static inline
 * in arch_types.h.
 */
static inline unsigned arch_cpu_id(void);
/*
 * Make the machine ready for the process core; process_init calls it
 * first and fails with its error.  After it returns 0, the frame
 * allocator and the heap have memory and the standard devices are
 * registered, if the port has any.  A port whose boot code has done all
 * that (x86_64) returns 0; the host sets up a default machine
 * (arch/host/host.h) unless the program already did.  0 or -ENOMEM.
 */
int arch_machine_init(void);
/* Stop this CPU for good with interrupts off; used after a panic. */
_Noreturn void arch_halt(void);
/*
 * Power the machine off (ACPI S5 on x86_64, exit() on the host).  Returns
 * only if the machine could not be switched off.
 */
void arch_poweroff(void);

/* ---- Contexts and the switch ------------------------------------------- */

/*
 * Prepare ctx so that the first arch_context_switch to it calls entry(arg)
 * on the stack [stack, stack + size), with interrupts as the switch left
 * them (off: the core switches with interrupts off, and entry turns them
 * on once it has released the scheduler lock).  entry must never return.
 * The stack must be 16-byte aligned and at least 1 KiB.
 */
void arch_context_init(struct arch_context *ctx, void *stack, size_t size,
                       void (*entry)(void *), void *arg);
/*
 * Save the callee-saved state of the caller in *from and resume *to.  Returns
 * when something later switches back to *from.  Interrupt state is whatever
 * the code switching back had: the core switches with interrupts disabled.
 */
void arch_context_switch(struct arch_context *from, struct arch_context *to);
/* Saved stack pointer of a switched-out context (for dumps). */
uintptr_t arch_context_sp(const struct arch_context *ctx);
/* Print the registers saved in a switched-out context (for dumps); reads
 * only the context's own stack, bounds-checked by the caller. */
void arch_context_print(const struct arch_context *ctx);

/* ---- System calls -------------------------------------------------------- */

/*
 * Make system call nr through the port's real trap path (x86_64: int 0x80)
 * into syscall_dispatch (kernel/sys/syscall.h); returns its result.  A
 * port may define it static inline in arch_types.h (x86_64 does, so a call
 * costs a few moves and the trap); this declaration then keeps the
 * definition's internal linkage (C11 6.2.2p4).  The host defines it in C.
 */
long arch_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
                  long a6);
/*
 * True when [p, p + len) is memory a system call may read (write false) or
 * write (write true) for the caller: non-NULL, canonical, not wrapping,
 * mapped, and writable when write is true.  len 0 is allowed.
 */
bool arch_access_ok(const void *p, size_t len, bool write);

/* ---- Time -------------------------------------------------------------- */

/*
 * Start the periodic timer at hz interrupts per second.  Each interrupt
 * calls timer_tick() (kernel/proc/timer.h) with interrupts disabled.
 */
void arch_timer_start(unsigned hz);
/* Nanoseconds elapsed within the current tick, for sub-tick uptime. */
uint64_t arch_timer_subtick_ns(void);
/*
 * The real-time clock now, in seconds since 1970-01-01 00:00 UTC (x86_64:
 * the CMOS clock, taken as UTC; the host: the host's clock).  Slow (port
 * I/O): the core reads it once, at timer_init.
 */
uint64_t arch_rtc_seconds(void);
/*
 * A free-running cycle counter (x86_64: the TSC, which counts from reset;
 * under QEMU's -icount it counts instructions).  For benchmarks only.
 */
uint64_t arch_cycles(void);

/* ---- Memory ------------------------------------------------------------ */

/*
 * Kernel virtual address at which physical address pa can be read and
 * written.  Valid for every address the frame allocator manages.
 */
void *arch_phys_to_virt(uintptr_t pa);
/*
 * Inverse of arch_phys_to_virt for addresses it returned.  Any other
 * address gives some value without faulting or reading memory: kfree maps
 * a pointer it has not yet validated and checks the answer.
 */
uintptr_t arch_virt_to_phys(const void *va);
/*
 * Build and load the kernel's own page tables once frame_init has run:
 * kernel text read-only, data non-executable, all managed memory mapped.
 * Returns 0 or -ENOMEM.
 */
int arch_mm_init(void);

/* ---- Kernel stacks (docs/memory.md, "Kernel stacks") ---------------------
 *
 * Every process's kernel stack comes from here, so a port can put an
 * unmapped guard below each one: x86_64 does (a push past the bottom
 * faults at once, and the fault handler names the owner); the host has
 * none (its stacks are plain heap blocks: the core's canary is all it has).
 */
/*
 * A kernel stack of size bytes (a multiple of PAGE_SIZE, at most
 * ARCH_KSTACK_MAX), 16-byte aligned, contents undefined, that names owner
 * (a 2-byte-aligned pointer) in the port's overflow report.  Its lowest
 * byte, or NULL when out of memory or stack slots.  O(1); any context but
 * an interrupt handler.
 */
void *arch_kstack_alloc(size_t size, void *owner);
/* Give back a stack from arch_kstack_alloc with its size.  Nothing may run
 * on it; its memory is gone (unmapped) when this returns. */
void arch_kstack_free(void *stack, size_t size);

/* ---- User address spaces (docs/arch.md) -----------------------------------
 *
 * The lower half, [0, ARCH_USER_END), of an address space belongs to one
 * process; the upper half is the kernel's and the same in every address
 * space.  The core decides what to map (its regions); the port keeps the
 * page tables, a cache of that decision.  struct arch_aspace (arch_types.h)
 * is embedded by the caller.  Every call requires that nothing else uses
 * the address space at the same time (the owner's lock, or its only user).
 * A port without user mode (the host) refuses arch_aspace_init with
 * -ENOSYS; the rest are then never called.
 */
#define ARCH_PROT_NONE  0U /* the frame stays mapped, any access faults */
#define ARCH_PROT_READ  1U /* every accessible mapping is readable */
#define ARCH_PROT_WRITE 2U
#define ARCH_PROT_EXEC  4U /* without it the page is no-execute (NX) */

/* An empty user half and the shared kernel half.  0, -ENOMEM, -ENOSYS. */
int arch_aspace_init(struct arch_aspace *as);
/*
 * Tear as down: release(pa, ctx) is called for the frame of every page
 * still mapped (the caller owns those frames), then the page-table frames
 * are freed.  as must not be active; it may be initialised again after.
 */
void arch_aspace_fini(struct arch_aspace *as,
                      void (*release)(uintptr_t pa, void *ctx), void *ctx);
/*
 * Map the frame pa at the page va with prot (ARCH_PROT_NONE, or READ at
 * least).  0; -EINVAL (va or pa not page-aligned, va outside the user
 * half, prot with WRITE or EXEC but not READ, or unknown bits); -EEXIST
 * (va already mapped);
 * -ENOMEM (no frame for a page table: nothing changed).
 */
int arch_aspace_map(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                    unsigned prot);
/* Unmap the page va; the frame it mapped, or 0 if none (or va bad).  The
 * TLB forgets it when as is active.  Page tables stay until fini. */
uintptr_t arch_aspace_unmap(struct arch_aspace *as, uintptr_t va);
/* Change the mapped page va's prot.  0, -EINVAL, -ENOENT (not mapped). */
int arch_aspace_protect(struct arch_aspace *as, uintptr_t va, unsigned prot);
/* The frame mapped at the page holding va and its prot in *prot (if not
 * NULL), or 0 if none. */
uintptr_t arch_aspace_lookup(const struct arch_aspace *as, uintptr_t va,
                             unsigned *prot);
/*
 * The first page at or after va, below end, that as maps (accessible or
 * not): its address, its frame in *pa and prot in *prot; end if none.
 * Skips unmapped tables whole, so a walk costs the pages and tables in
 * use, not the range.
 */
uintptr_t arch_aspace_next(const struct arch_aspace *as, uintptr_t va,
                           uintptr_t end, uintptr_t *pa, unsigned *prot);
/* Put frame pa at the mapped page va (its prot kept): what a copy-on-
 * write break does.  0, -EINVAL, -ENOENT. */
int arch_aspace_replace(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                        unsigned prot);
/* Frames used by as's page tables (its top level included). */
size_t arch_aspace_table_frames(const struct arch_aspace *as);
/* Run on as's tables from now on (NULL: the kernel's own); the tables are
 * reloaded only if they are not the ones loaded. */
void arch_aspace_activate(struct arch_aspace *as);

/* Zero one page (PAGE_SIZE bytes, page-aligned) as fast as the CPU can:
 * x86_64 uses rep stosq. */
void arch_page_zero(void *page);

/* 64 bits from the CPU's random number generator (x86_64: RDSEED, else
 * RDRAND) in *v: false when it has none (or it failed: callers fall back). */
bool arch_random_u64(uint64_t *v);

/* The CPU's feature word for AT_HWCAP (x86_64: CPUID.1:EDX; host: 0). */
uint64_t arch_hwcap(void);

/* ---- Ring 3 (docs/user.md) -------------------------------------------------
 *
 * A user process is a process with an address space and a struct
 * arch_uctx (arch_types.h: the registers the kernel itself never uses, the
 * FPU/SSE state and the TLS base).  It enters ring 3 once through
 * arch_enter_user and comes back only through system calls (Linux's
 * convention: the `syscall` instruction, dispatched like arch_syscall),
 * interrupts and faults; a fault in ring 3 ends only that process, with the
 * signal Linux would send.  The host port has no ring 3.
 */
/* A fresh user context: FPU in its reset state, TLS base 0. */
void arch_uctx_init(struct arch_uctx *u);
/*
 * A switch involves a user process: save prev's user state (NULL: prev is
 * a kernel process), load next's (NULL: a kernel process, which runs on
 * whatever address space is loaded), with as its address space and
 * kstack_top the stack ring 3 enters on.  Called by the core's switch.
 */
void arch_user_switch(struct arch_uctx *prev, struct arch_uctx *next,
                      struct arch_aspace *as, uintptr_t kstack_top);
/* Leave for ring 3 at rip with stack rsp (interrupts on, every other
 * register zero); the running process's state must be loaded. */
_Noreturn void arch_enter_user(uintptr_t rip, uintptr_t rsp);
/* The running user process's registers as ring 3 left them, into *out
 * (in a system call or exception from ring 3 only). */
void arch_uregs_get(struct arch_uregs *out);
/* The value a system call returns in r (a forked child's 0). */
void arch_uregs_set_return(struct arch_uregs *r, long value);
/* r's stack pointer (a clone's child stack). */
void arch_uregs_set_sp(struct arch_uregs *r, uintptr_t sp);
/* Back to ring 3 with every register from r; the running process's state
 * must be loaded (a forked child's first code). */
_Noreturn void arch_return_to_user(const struct arch_uregs *r);
/* A user process's alternate signal stack (sigaltstack): size 0 is none;
 * flags are the ss_flags the process set (SS_AUTODISARM is 1 << 31). */
struct arch_sigstack {
    uint64_t sp;
    uint64_t size;
    uint32_t flags;
};
/* What a caught signal's handler frame is built from. */
struct arch_signal {
    int sig;
    uint64_t handler, flags, restorer; /* its sigaction (flags: SA_*) */
    uint64_t old_blocked;              /* the mask rt_sigreturn restores */
    int32_t code;                      /* siginfo's si_code (Linux's) */
    int32_t pid;                       /* si_pid: the sender, or the child */
    int32_t status;                    /* si_status (SIGCHLD) */
    uint64_t addr;                     /* si_addr (a fault's signals) */
    struct arch_sigstack stack;        /* the alternate stack (uc_stack) */
};
/*
 * Run a signal handler when the running user process returns to ring 3:
 * a Linux rt_sigframe holding its registers and FPU state as they were,
 * old_blocked, the alternate stack (uc_stack) and a siginfo laid out as
 * Linux does for sig and code; on the alternate stack if flags has
 * SA_ONSTACK and the process is not on it already, else on its stack
 * below the red zone; then rip = handler, rdi = sig, rsi = &siginfo, rdx
 * = &ucontext, the return address restorer.  0, or -EFAULT if the stack
 * cannot hold the frame (the caller then kills it with SIGSEGV).
 */
int arch_signal_setup(const struct arch_signal *s);
/*
 * rt_sigreturn: the registers and FPU state back from the frame the
 * handler returned over (at the user rsp - 8), its saved blocked set in
 * *blocked and its uc_stack in *stack.  The value the call must return
 * (the restored rax), or -EFAULT for a frame that cannot be read or is
 * hostile (then SIGSEGV).
 */
long arch_signal_return(uint64_t *blocked, struct arch_sigstack *stack);
/* The running user process's stack pointer as ring 3 left it (in a system
 * call or exception from ring 3 only; the host: 0). */
uintptr_t arch_user_sp(void);

/* Set the running user process's TLS base (arch_prctl ARCH_SET_FS);
 * -EINVAL if not a canonical user address. */
int arch_set_tls(struct arch_uctx *u, uintptr_t base);
uintptr_t arch_get_tls(const struct arch_uctx *u);
/*
 * Copy between the kernel and the loaded user half, never faulting the
 * kernel: 0, or -EFAULT if any byte of the user range is outside the user
 * half, not mapped, or (to user) not writable.  A partial copy may have
 * happened when -EFAULT is returned.
 */
int arch_copy_from_user(void *dst, const void *usrc, size_t n);
int arch_copy_to_user(void *udst, const void *src, size_t n);
/* The length of the user string at us if a NUL is within max bytes, max
 * if not; -EFAULT as above. */
long arch_user_strnlen(const void *us, size_t max);

/* ---- Devices and diagnostics -------------------------------------------- */

/* Register this machine's character devices with the driver registry. */
void arch_devices_init(void);
/*
 * Walk the frame-pointer chain starting at frame (NULL: the caller's) and
 * store up to max return addresses in pcs.  Returns how many were stored.
 * Never faults on a corrupt chain.
 */
int arch_backtrace(const void *frame, uintptr_t *pcs, int max);
/* Name of the function containing pc and the offset into it, or NULL. */
const char *arch_symbolize(uintptr_t pc, uintptr_t *offset);

#endif
