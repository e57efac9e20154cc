/*
 * Interrupt and exception entry stubs, one per vector.
 *
 * Each stub makes the stack look the same: an error code (the CPU pushes one
 * for vectors 8, 10-14, 17, 21, 29, 30; the stub pushes 0 for the rest),
 * then the vector number.  trap_common saves the general registers, giving
 * struct trap_frame (x86.h), and calls trap_dispatch(frame).  The CPU
 * aligned rsp to 16 before pushing its frame, and 22 quadwords follow, so
 * the call is 16-byte aligned as the ABI requires.
 */
#include "layout.h"
#include "regs.inc"

    .altmacro

.macro vector n
    .balign 16
vector\n:
    .if \n == 0x80
    jmp syscall_entry
    .exitm
    .endif
    .if (\n >= 32) && (\n < 48)
    pushq $0                         /* the error code's slot */
    pushq $\n
    jmp irq_entry
    .exitm
    .endif
    .if !((\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
    pushq $0
    .endif
    pushq $\n
    jmp trap_common
.endm

.macro vector_addr n
    .quad vector\n
.endm

    .text
    .set i, 0
    .rept 256
    vector %i
    .set i, i + 1
    .endr

/* From ring 3 (the saved CS's RPL), GS becomes the kernel's first and
 * the user's again last (user.S). */
trap_common:
    testb $3, 24(%rsp)               /* cs, above vector and error code */
    jz 1f
    swapgs
1:
    push_gprs
    cld
    movq %rsp, %rdi
    call trap_dispatch
    pop_gprs
    addq $16, %rsp                   /* vector and error code */
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:
    iretq

/*
 * IRQs and system calls take a shorter path: they save only the nine
 * registers the C ABI lets a callee clobber.  Everything they call is C,
 * which preserves the other six, and a switch away from the process (on
 * preemption) saves those in arch_context_switch.  Exceptions keep the full
 * frame above, which their report prints.
 */
.macro save_scratch
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
.endm

.macro restore_scratch
    popq %rdi
    popq %rsi
    popq %rdx
    popq %r10
    popq %r8
    popq %r9
    popq %rax
    popq %rcx
    popq %r11
.endm

/*
 * IRQ: the CPU aligned rsp to 16 and pushed 5 words, the stub an error
 * slot and the vector; with the 9 scratch registers that is 16 words, so
 * the call is aligned.  From ring 3 the IRQ takes trap_common instead, so
 * that every entry from user mode leaves a whole struct trap_frame at the
 * top of the kernel stack (user.c: a signal or fork reads it there).
 */
irq_entry:
    testb $3, 24(%rsp)               /* cs, above vector and error slot */
    jnz trap_common
    save_scratch
    movq 72(%rsp), %rdi              /* the vector */
    call irq_trap
    restore_scratch
    addq $16, %rsp                   /* vector and error slot */
    iretq

/* System call: the saved registers are struct syscall_frame (x86.h), the
 * six arguments first in Linux's order; 5 + 9 words keep the call aligned. */
syscall_entry:
    save_scratch
    movq %rsp, %rdi
    call syscall_trap
    restore_scratch
    iretq

    .section .rodata
    .balign 8
    .globl trap_vectors
trap_vectors:
    .set i, 0
    .rept 256
    vector_addr %i
    .set i, i + 1
    .endr

    .section .note.GNU-stack, "", @progbits
