/*
 * long syscall_clobbers(long nr)
 *
 * Make system call nr (one that takes no arguments) through int $0x80 with
 * every general register but rax set to a known value, then check them.
 * Returns 0 when all came back unchanged, else the number of the first
 * register that changed (1 = rbx ... 14 = r15, in the order below).  The
 * values are negative 32-bit immediates, so the upper halves are all ones
 * and a clobbered upper half shows too.
 */
    .text
    .globl syscall_clobbers
    .type syscall_clobbers, @function
syscall_clobbers:
    pushq %rbp
    movq %rsp, %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rdi, %rax
    movq $-0x1001, %rbx
    movq $-0x1002, %rcx
    movq $-0x1003, %rdx
    movq $-0x1004, %rsi
    movq $-0x1005, %rdi
    movq $-0x1006, %rbp
    movq $-0x1007, %r8
    movq $-0x1008, %r9
    movq $-0x1009, %r10
    movq $-0x100a, %r11
    movq $-0x100b, %r12
    movq $-0x100c, %r13
    movq $-0x100d, %r14
    movq $-0x100e, %r15
    int $0x80
    .macro same reg, value, number
    movl $\number, %eax
    cmpq $\value, \reg
    jne 1f
    .endm
    same %rbx, -0x1001, 1
    same %rcx, -0x1002, 2
    same %rdx, -0x1003, 3
    same %rsi, -0x1004, 4
    same %rdi, -0x1005, 5
    same %rbp, -0x1006, 6
    same %r8, -0x1007, 7
    same %r9, -0x1008, 8
    same %r10, -0x1009, 9
    same %r11, -0x100a, 10
    same %r12, -0x100b, 11
    same %r13, -0x100c, 12
    same %r14, -0x100d, 13
    same %r15, -0x100e, 14
    xorl %eax, %eax
1:
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size syscall_clobbers, . - syscall_clobbers

    .section .note.GNU-stack, "", @progbits
