/*
 * Instructions that fault on purpose, for the trap tests.  Each has a label
 * on the faulting instruction (what the report's RIP must be) and one after
 * it (where trap_expect resumes).  They keep frame pointers like compiled C,
 * so backtraces through them are complete.
 */
    .text
    .globl fault_div0, fault_div0_ip, fault_div0_resume
fault_div0:
    pushq %rbp
    movq %rsp, %rbp
    xorl %ecx, %ecx
    movl $1, %eax
    xorl %edx, %edx
fault_div0_ip:
    divl %ecx
fault_div0_resume:
    popq %rbp
    ret

    /* void fault_read(uintptr_t addr) */
    .globl fault_read, fault_read_ip, fault_read_resume
fault_read:
    pushq %rbp
    movq %rsp, %rbp
fault_read_ip:
    movq (%rdi), %rax
fault_read_resume:
    popq %rbp
    ret

    /* void fault_write(uintptr_t addr) */
    .globl fault_write, fault_write_ip, fault_write_resume
fault_write:
    pushq %rbp
    movq %rsp, %rbp
fault_write_ip:
    movq $0x1234, (%rdi)
fault_write_resume:
    popq %rbp
    ret

    /* void fault_exec(uintptr_t addr): call addr; resume drops that call */
    .globl fault_exec, fault_exec_resume
fault_exec:
    pushq %rbp
    movq %rsp, %rbp
    call *%rdi
    popq %rbp
    ret
fault_exec_resume:
    addq $8, %rsp
    popq %rbp
    ret

    /* void fault_ud(void) */
    .globl fault_ud, fault_ud_ip, fault_ud_resume
fault_ud:
    pushq %rbp
    movq %rsp, %rbp
fault_ud_ip:
    ud2
fault_ud_resume:
    popq %rbp
    ret

    .section .note.GNU-stack, "", @progbits
