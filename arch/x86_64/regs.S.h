/*
 * Assembly only (vectors.S, user.S): save and restore every general
 * register as struct trap_frame (x86.h) lays them out, rdi lowest, so that
 * every entry from ring 3 leaves the same frame at the top of the stack.
 */
#ifndef KAIROS_REGS_S_H
#define KAIROS_REGS_S_H

.macro push_gprs
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %rbp
    pushq %rbx
    pushq %r11
    pushq %rcx
    pushq %rax
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
.endm

.macro pop_gprs
    popq %rdi
    popq %rsi
    popq %rdx
    popq %r10
    popq %r8
    popq %r9
    popq %rax
    popq %rcx
    popq %r11
    popq %rbx
    popq %rbp
    popq %r12
    popq %r13
    popq %r14
    popq %r15
.endm

#endif
