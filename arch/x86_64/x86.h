/*
 * Interfaces between the files of the x86_64 port (not the core's business).
 */
#ifndef KAIROS_X86_H
#define KAIROS_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "cpu.h"

/* Registers saved on every trap, in the order vectors.S pushes them. */
struct trap_frame {
    /* the six argument registers first, in Linux's order: &rdi is a
     * system call's arg[6] */
    uint64_t rdi, rsi, rdx, r10, r8, r9;
    uint64_t rax, rcx, r11, rbx, rbp, r12, r13, r14, r15;
    uint64_t vector;                   /* pushed by the stub */
    uint64_t error;                    /* CPU error code, or 0 */
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Registers the system call entry saves (vectors.S), then the CPU's frame. */
struct syscall_frame {
    uint64_t arg[6]; /* rdi, rsi, rdx, r10, r8, r9: Linux's argument order */
    uint64_t rax;    /* the number in, the result out */
    uint64_t rcx, r11;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define IST_DOUBLE_FAULT 1

#define IRQ_BASE     32 /* PIC IRQ n arrives as vector IRQ_BASE + n */
#define IRQ_TIMER    0
#define IRQ_KEYBOARD 1
#define IRQ_COM1     4
#define NUM_IRQS     16

#define SYSCALL_VECTOR 0x80 /* int $0x80: system calls (syscall.c) */

/* gdt.c */
void gdt_init(void);
/* The stack an interrupt or exception from ring 3 starts on. */
void gdt_set_kernel_stack(uintptr_t top);
/* user.c: the per-CPU area, syscall/sysret, the user half's faults. */
void user_init(void);
/* The running user process's registers as ring 3 left them: every entry
 * from ring 3 saves a struct trap_frame at the top of its kernel stack. */
struct trap_frame *user_frame(void);
/* The current system call returns to ring 3 through iretq. */
void user_return_by_iret(void);
/* Load the FPU/SSE reset state (fninit's, MXCSR 0x1f80): a signal
 * handler starts with it, as on Linux. */
void user_fpu_reset(void);
/* An exception in ring 3: log it, signal the process (it ends on the way
 * out). */
void user_fault(struct trap_frame *tf, uint64_t cr2);
/*
 * The frame is about to return to ring 3 at f->rip.  A non-canonical rip
 * would fault in ring 0 (iretq and sysret on Intel): the process gets the
 * SIGSEGV a #GP gives (SI_KERNEL), that is its handler's frame, or it
 * ends.  A canonical kernel address is left alone: its fetch faults in
 * ring 3 (SEGV_MAPERR at it, as Linux).
 */
void user_return_check(struct trap_frame *f);
/* A fault in the kernel at a user-copy instruction: a user page not yet
 * present is mapped if its area allows (the copy goes on), else resume at
 * the fixup (the copy returns -EFAULT).  True if tf->rip was one. */
bool user_copy_fixup(struct trap_frame *tf, uint64_t cr2);

/* idt.c */
void idt_init(void);

/* trap.c */
typedef void (*irq_handler_t)(void);
/* Route PIC line irq to fn and unmask it.  Call with interrupts off. */
void irq_install(unsigned irq, irq_handler_t fn);
/* Interrupts seen per IRQ line, and spurious ones (IRQ 7/15 with ISR clear). */
uint64_t irq_count(unsigned irq);
uint64_t irq_spurious_count(void);
/* Print the full register report for a trap frame. */
void trap_report(const struct trap_frame *tf, uint64_t cr2);

/*
 * What a test saw when it provoked an exception on purpose (trap_expect).
 */
struct trap_record {
    bool hit;        /* the expected exception happened */
    uint64_t vector; /* its vector */
    uint64_t error;  /* its error code */
    uint64_t rip;    /* where it happened */
    uint64_t cr2;    /* the faulting address, for page faults */
};
/*
 * Test kernels: the next exception with this vector is reported, recorded in
 * *rec, and execution resumes at resume instead of halting.  One shot.
 */
void trap_expect(unsigned vector, uintptr_t resume, struct trap_record *rec);

/* pic.c */
void pic_init(void);
void pic_unmask(unsigned irq);
#define PIC1_CMD 0x20
#define PIC2_CMD 0xA0
#define PIC_EOI  0x20
/* End of interrupt irq (inline: every tick takes it). */
static inline void pic_eoi(unsigned irq)
{
    if (irq >= 8) {
        outb(PIC2_CMD, PIC_EOI);
    }
    outb(PIC1_CMD, PIC_EOI);
}
/* True when irq (7 or 15) fired without being in service: spurious. */
bool pic_spurious(unsigned irq);

/* pit.c */
void pit_start(unsigned hz);
uint64_t pit_subtick_ns(void);

/* multiboot.c: fill bi from the Multiboot information at physical mbi. */
void multiboot_parse(uint32_t magic, uint32_t mbi, struct boot_info *bi);

/* serial.c */
void serial_early_init(void);
void serial_register(void);
/*
 * Queue bytes on serial0 exactly as its receive interrupt would (ring,
 * drop counting, input_ready), for tests: the device path without a UART.
 * Not from an interrupt handler (it takes input_lock).
 */
void serial_inject(const void *buf, size_t len);
/* vga.c */
void vga_early_init(void);
void vga_register(void);
/* ps2kbd.c */
void ps2kbd_register(void);

/* paging.c */
/* Page-table entry bits. */
#define PTE_P    (1UL << 0)
#define PTE_W    (1UL << 1)
#define PTE_U    (1UL << 2)
#define PTE_PS   (1UL << 7)
#define PTE_G    (1UL << 8)
#define PTE_NX   (1UL << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000UL
/* Set the end of physical RAM to map (from the memory map, before mm init). */
void paging_set_mem_top(uintptr_t top);
/* True when [va, va + len) is mapped kernel memory: the image, the
 * physmap, or the mapped pages of a kernel stack (never a guard). */
bool arch_kernel_mapped(uintptr_t va, size_t len);
/*
 * True when the loaded page tables map every byte of [va, va + len), len
 * > 0 and not wrapping, and allow writes to all of them if write is true:
 * the same answer the CPU would give, for every alias of a page.
 */
bool paging_range_allows(uintptr_t va, size_t len, bool write);
/* True when pages can be marked no-execute. */
bool arch_has_nx(void);
/* The kernel's own PML4 (physical), 0 before arch_mm_init: its upper half
 * is every user address space's upper half. */
uintptr_t paging_kernel_root(void);

/* kstack.c (arch_kstack_alloc and arch_kstack_free are in arch.h) */
/* Make the stack area's PDPT and page directory under pml4 (arch_mm_init,
 * before any address space copies the upper half).  0 or -ENOMEM. */
int kstack_init(uint64_t *pml4);
/* The owner of the stack whose guard holds va, or NULL if va is in no
 * live stack's guard.  No lock: for fault handlers. */
void *kstack_guard_owner(uintptr_t va);
/* True when [va, va + len) lies in the stack area (mapped or not). */
bool kstack_area_contains(uintptr_t va, size_t len);
/* Page tables the stack area holds now (one per 64 slots in use). */
size_t kstack_table_frames(void);

/* qemu.c: leave QEMU through the isa-debug-exit device (exit status 2c+1). */
void qemu_debug_exit(uint8_t code);

/* Symbols from the linker script and boot.S. */
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _bss_end[], _image_end[];
extern char boot_stack[], boot_stack_top[], boot_pml4[];

#endif
