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

#define EFAULT 14

    .text

/*
 * syscall from ring 3: rcx = user rip, r11 = user rflags, interrupts off
 * (FMASK), rsp still the user's.  Build the CPU's frame by hand (ss, rsp,
 * rflags, cs, rip) and below it the registers of struct syscall_frame,
 * exactly as int $0x80 would, so one C dispatcher serves both; 14 words
 * keep the call 16-byte aligned.
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
    pushq %r11
    pushq %rcx
    pushq %rax
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
    cld
    movq %rsp, %rdi
    call user_syscall_trap       /* returns with interrupts off */
    popq %rdi
    popq %rsi
    popq %rdx
    popq %r10
    popq %r8
    popq %r9
    popq %rax
    addq $16, %rsp               /* rcx, r11: sysret takes them below */
    popq %rcx                    /* rip */
    addq $8, %rsp                /* cs */
    popq %r11                    /* rflags */
    popq %rsp                    /* the user stack: nothing after uses it */
    swapgs
    sysretq

/*
 * arch_enter_user(rip, rsp): leave for ring 3 for the first time, with
 * interrupts on and every other register zero (no kernel value leaks).
 */
    .globl arch_enter_user
arch_enter_user:
    cli
    pushq $(SEL_UDATA | 3)
    pushq %rsi
    pushq $0x202                 /* IF, and the reserved bit 1 */
    pushq $(SEL_UCODE | 3)
    pushq %rdi
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
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
