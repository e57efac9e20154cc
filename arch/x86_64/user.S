/*
 * Ring 3 (user.c, docs/user.md): the syscall entry, the first entry into
 * user mode, and the user-copy routines whose faults resume at a fixup.
 *
 * In the kernel GS's base is always the per-CPU area: every way in from
 * ring 3 does swapgs first and every way out does it last (syscall here,
 * interrupts and exceptions in vectors.S), so the rule holds whichever
 * way a process left and came back.
 */
#include "layout.h"
#include "regs.inc"

#define EFAULT 14

    .text


/*
 * syscall from ring 3: rcx = user rip, r11 = user rflags, interrupts off
 * (FMASK), rsp still the user's.  Build a whole struct trap_frame at the
 * top of the kernel stack, as an exception from ring 3 leaves one: the
 * CPU's part by hand (ss, rsp, rflags, cs, rip), an error slot of 0, the
 * number in the vector slot (Linux's orig_rax), then every register.  22
 * words keep the call 16-byte aligned.  The way back is sysretq: rcx and
 * r11 come from the frame's rip and rflags, which a handler may have
 * changed (user_syscall_trap has checked rip).
 */
    .globl syscall64_entry
syscall64_entry:
    swapgs
    movq %rsp, %gs:CPU_SCRATCH
    movq %gs:CPU_KSTACK, %rsp
    pushq $(SEL_UDATA | 3)
    pushq %gs:CPU_SCRATCH
    pushq %r11
    pushq $(SEL_UCODE | 3)
    pushq %rcx
    pushq $-1                    /* error slot: -1 marks a system call */
    pushq %rax
    push_gprs
    cld
    movq %rsp, %rdi
    call user_syscall_trap       /* returns with interrupts off */
    testl %eax, %eax
    jnz user_iret                /* every register restored: iretq */
    pop_gprs
    addq $16, %rsp               /* vector and error slots */
    popq %rcx                    /* rip */
    addq $8, %rsp                /* cs */
    popq %r11                    /* rflags */
    popq %rsp                    /* the user stack: nothing after uses it */
    swapgs
    sysretq

/*
 * arch_enter_user(rip, rsp): leave for ring 3 with interrupts on and
 * every other register zero (no kernel value leaks), from a fresh frame at
 * the top of this process's kernel stack (the per-CPU area holds it).
 */
    .globl arch_enter_user
arch_enter_user:
    cli
    movq %gs:CPU_KSTACK, %rsp
    pushq $(SEL_UDATA | 3)
    pushq %rsi
    pushq $0x202                 /* IF, and the reserved bit 1 */
    pushq $(SEL_UCODE | 3)
    pushq %rdi
    xorl %eax, %eax
    pushq %rax                   /* error */
    pushq %rax                   /* vector */
    movq %rsp, %rdi
    subq $(15 * 8), %rdi         /* the registers' slots, zeroed */
    movq %rdi, %rsp
    movl $15, %ecx
    rep stosq
    jmp user_iret

/*
 * arch_return_to_user(regs): ring 3 again with every register from regs
 * (a struct trap_frame: a forked child's copy of its parent's), copied to
 * the top of this process's kernel stack.
 */
    .globl arch_return_to_user
arch_return_to_user:
    cli
    movq %rdi, %rsi
    movq %gs:CPU_KSTACK, %rsp
    subq $(22 * 8), %rsp
    movq %rsp, %rdi
    movl $22, %ecx
    rep movsq
    /* fall through */

/* The frame at rsp back to ring 3 through iretq. */
    .globl user_iret
user_iret:
    pop_gprs
    addq $16, %rsp
    swapgs
    iretq

/* An entry of the exception table: a fault at insn resumes at fixup. */
.macro ex_entry insn, fixup
    .pushsection .ex_table, "a"
    .balign 8
    .quad \insn, \fixup
    .popsection
.endm

/*
 * long x86_user_copy(void *dst, const void *src, size_t n): 0, or -EFAULT
 * if a byte faulted (the range was checked against the user half first:
 * user.c).
 */
    .globl x86_user_copy
x86_user_copy:
    movq %rdx, %rcx
1:  rep movsb
    xorl %eax, %eax
    ret
2:  movq $-EFAULT, %rax
    ret
    ex_entry 1b, 2b

/*
 * long x86_user_strnlen(const char *s, size_t max): the length of s if a
 * NUL is within max bytes, max if not, -EFAULT if a byte faulted.
 */
    .globl x86_user_strnlen
x86_user_strnlen:
    xorl %eax, %eax
3:  cmpq %rsi, %rax
    je 5f
4:  cmpb $0, (%rdi, %rax)
    je 5f
    incq %rax
    jmp 3b
5:  ret
6:  movq $-EFAULT, %rax
    ret
    ex_entry 4b, 6b

    .section .note.GNU-stack, "", @progbits
