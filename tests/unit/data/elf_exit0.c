/*
 * The smallest static program: exits 0 at once.  The kernel's K6 and K8
 * benchmarks spawn it (docs/bench-kernel.md), so what they count is the
 * kernel's work, not the program's.
 */
__asm__(".globl _start\n"
        "_start:\n"
        "    mov $60, %eax\n" /* exit */
        "    xor %edi, %edi\n"
        "    syscall\n"
        "    hlt\n");
