/*
 * void arch_context_switch(struct arch_context *from, struct arch_context *to)
 *
 * Save the callee-saved registers of the System V AMD64 ABI (rbx, rbp,
 * r12-r15) on the current stack, store the stack pointer in from->rsp, load
 * to->rsp and pop the same registers from the new stack.  The return address
 * is already on the stack, so `ret` resumes `to` where it called this.
 * Caller-saved registers are the caller's business, RFLAGS is not switched
 * (the core switches with interrupts off), and kernel code uses no x87/SSE
 * state.  The host port uses this same file: the ABI is the same.
 *
 * A new context (arch_context_init) is a stack laid out as if it had called
 * this function from context_trampoline, with rbx = entry, r12 = arg, rbp = 0.
 */
    .text
    .globl arch_context_switch
    .type arch_context_switch, @function
arch_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size arch_context_switch, . - arch_context_switch

/*
 * First code a new context runs: context_entry(entry, arg), which the port
 * writes in C.  It calls entry with interrupts still off, as the switch
 * left them; entry turns them on once it has released the scheduler lock.
 * rsp is 16-byte aligned here.
 */
    .globl context_trampoline
    .type context_trampoline, @function
context_trampoline:
    movq %rbx, %rdi
    movq %r12, %rsi
    call context_entry
    ud2
    .size context_trampoline, . - context_trampoline

    .section .note.GNU-stack, "", @progbits
