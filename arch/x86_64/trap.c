/*
 * Trap dispatch: CPU exceptions, device interrupts and system calls.
 *
 * Every vector arrives in trap_dispatch with interrupts off.  An exception in
 * kernel code is fatal: the full report goes to the console and the machine
 * stops (a test kernel's panic hook makes QEMU exit with the failure code);
 * one on a kernel stack's guard page is first named a stack overflow.
 * IRQs go to the handler irq_install registered, then get their EOI.
 * int $0x80 goes to syscall_dispatch with the caller's interrupt state.
 * IRQs and system calls leave through sched_irq_exit, which switches to
 * another process when a reschedule is pending: that is where preemption
 * happens.
 *
 * The handler table is written only with interrupts off, before the line is
 * unmasked, so the dispatcher reads it without a lock.
 */
#include "arch.h"
#include "klog.h"
#include "cpu.h"
#include "panic.h"
#include "param.h"
#include "proc.h"
#include "syscall.h"
#include "ksignal.h"
#include "x86.h"

static const char *const exception_names[32] = {
    [0] = "#DE divide error",
    [1] = "#DB debug",
    [2] = "NMI",
    [3] = "#BP breakpoint",
    [4] = "#OF overflow",
    [5] = "#BR bound range",
    [6] = "#UD invalid opcode",
    [7] = "#NM device not available",
    [8] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",
    [11] = "#NP segment not present",
    [12] = "#SS stack fault",
    [13] = "#GP general protection",
    [14] = "#PF page fault",
    [16] = "#MF x87 floating point",
    [17] = "#AC alignment check",
    [18] = "#MC machine check",
    [19] = "#XM SIMD floating point",
    [20] = "#VE virtualization",
    [21] = "#CP control protection",
    [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",
    [30] = "#SX security",
};

static irq_handler_t irq_handlers[NUM_IRQS];
static uint64_t irq_counts[NUM_IRQS];
static uint64_t spurious;

/* Armed by trap_expect; cleared when it fires. */
static struct {
    bool armed;
    unsigned vector;
    uintptr_t resume;
    struct trap_record *rec;
} expect;

void irq_install(unsigned irq, irq_handler_t fn)
{
    if (irq < NUM_IRQS) {
        irq_handlers[irq] = fn;
        pic_unmask(irq);
    }
}

uint64_t irq_count(unsigned irq)
{
    return irq < NUM_IRQS ? irq_counts[irq] : 0;
}

uint64_t irq_spurious_count(void)
{
    return spurious;
}

void trap_expect(unsigned vector, uintptr_t resume, struct trap_record *rec)
{
    rec->hit = false;
    expect.vector = vector;
    expect.resume = resume;
    expect.rec = rec;
    expect.armed = true;
}

static void print_symbol(uintptr_t pc)
{
    uintptr_t off = 0;
    const char *name = arch_symbolize(pc, &off);

    if (name != NULL) {
        kprintf(" <%s+0x%lx>", name, (unsigned long)off);
    }
}

static void print_page_fault(uint64_t error, uint64_t cr2)
{
    kprintf("CR2=%016lx (%s %s, %s)\n", (unsigned long)cr2,
            error & 0x10  ? "instruction fetch"
            : error & 0x2 ? "write"
                          : "read",
            error & 0x1 ? "protection violation" : "page not present",
            error & 0x4 ? "user mode" : "kernel mode");
}

/*
 * A kernel fault on a stack's guard is an overflow: name the process.  A
 * push past the bottom cannot push the page fault's frame either, so it
 * arrives as a double fault (on its own stack, IST1), with CR2 still the
 * guard address; a write that jumps into the guard is a plain page fault.
 */
static void report_stack_overflow(const struct trap_frame *tf, uint64_t cr2)
{
    const struct process *p;

    if (tf->vector != 8 && tf->vector != 14) {
        return;
    }
    p = kstack_guard_owner(cr2);
    if (p != NULL) {
        kprintf("\nPANIC: kernel stack overflow in pid %d (%.*s): "
                "%016lx is in the guard page below its stack\n",
                p->pid, PROCESS_NAME_MAX - 1, p->name, (unsigned long)cr2);
    }
}

void trap_report(const struct trap_frame *tf, uint64_t cr2)
{
    const char *name = tf->vector < 32 ? exception_names[tf->vector] : NULL;

    kprintf("\nEXCEPTION %lu: %s, error code 0x%lx\n",
            (unsigned long)tf->vector, name ? name : "reserved",
            (unsigned long)tf->error);
    kprintf("RIP=%016lx", (unsigned long)tf->rip);
    print_symbol(tf->rip);
    kprintf("\n");
    if (tf->vector == 14) {
        print_page_fault(tf->error, cr2);
    } else if (tf->vector == 8) {
        kprintf("CR2=%016lx (the last page fault)\n", (unsigned long)cr2);
    }
    kprintf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", tf->rax, tf->rbx,
            tf->rcx, tf->rdx);
    kprintf("RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", tf->rsi, tf->rdi,
            tf->rbp, tf->rsp);
    kprintf("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", tf->r8, tf->r9,
            tf->r10, tf->r11);
    kprintf("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", tf->r12, tf->r13,
            tf->r14, tf->r15);
    kprintf("RFLAGS=%016lx CS=%04lx SS=%04lx CR3=%016lx\n", tf->rflags, tf->cs,
            tf->ss, (unsigned long)read_cr3());
    kprintf("backtrace:\n  #0 %016lx", (unsigned long)tf->rip);
    print_symbol(tf->rip);
    kprintf("\n");
    backtrace_print((const void *)tf->rbp, 1);
}

static void handle_exception(struct trap_frame *tf)
{
    uint64_t cr2 = read_cr2();

    if (tf->cs & 3) { /* ring 3: only that process ends */
        user_fault(tf, cr2);
        return;
    }
    if (tf->vector == 14 && user_copy_fixup(tf, cr2)) {
        return; /* a user copy touched a bad page: it returns -EFAULT */
    }

    if (expect.armed && expect.vector == tf->vector) {
        expect.armed = false;
        *expect.rec =
            (struct trap_record){true, tf->vector, tf->error, tf->rip, cr2};
        kprintf("(exception expected by a test; resuming)\n");
        trap_report(tf, cr2);
        tf->rip = expect.resume;
        return;
    }
    panicking = true;
    report_stack_overflow(tf, cr2);
    trap_report(tf, cr2);
    kprintf("kernel stopped.\n");
    panic_finish();
}

static inline __attribute__((always_inline)) void handle_irq(unsigned irq)
{
    if ((irq == 7 || irq == 15) && pic_spurious(irq)) {
        spurious++;
        return;
    }
    irq_counts[irq]++;
    if (irq_handlers[irq] != NULL) {
        irq_handlers[irq]();
    }
    pic_eoi(irq);
}

/*
 * The IRQ entry (vectors.S irq_entry): the handler, the EOI, then the way
 * out of the interrupt, where a pending preemption happens.
 */
void irq_trap(uint64_t vector);

void irq_trap(uint64_t vector)
{
    handle_irq((unsigned)(vector - IRQ_BASE));
    sched_irq_exit();
}

/*
 * The system call entry (vectors.S syscall_entry), with Linux's registers.
 * The gate turned interrupts off; the call runs with them as the caller had
 * them, so a long or blocking call does not hold off the timer.  A caller
 * with interrupts off keeps the CPU on the way out.
 */
void syscall_trap(struct syscall_frame *f);

void syscall_trap(struct syscall_frame *f)
{
    bool irq_on = (f->rflags & RFLAGS_IF) != 0;

    if (irq_on) {
        sti();
    }
    f->rax =
        (uint64_t)syscall_dispatch_args((long)f->rax, (const long *)f->arg);
    cli();
    if (irq_on) {
        sched_irq_exit();
    }
}

void trap_dispatch(struct trap_frame *tf);

void trap_dispatch(struct trap_frame *tf)
{
    if (tf->vector < 32) {
        handle_exception(tf);
    } else if (tf->vector >= IRQ_BASE && tf->vector < IRQ_BASE + NUM_IRQS) {
        irq_trap(tf->vector); /* from ring 3: the whole frame was saved */
        signal_return_to_user();
        user_return_check(tf);
    } else { /* system calls have their own entry */
        kprintf("trap: unexpected vector %lu ignored\n",
                (unsigned long)tf->vector);
    }
}
