/*
 * A static program without libc, built by the Makefile for test_elf, which
 * loads it through elf_load_plan and ustack_build in a child process.  It
 * checks what the loader promises and exits with a bit per failure: 0 when
 * rsp is 16-aligned at entry, the bss is zero, the data arrived, and argv
 * is {"tiny", "ok"}.  No relocations, so it runs as ET_EXEC and static-PIE.
 */
__asm__(".globl _start\n"
        "_start:\n"
        "    mov %rsp, %rdi\n"
        "    call tiny_main\n"
        "    hlt\n");

static volatile long data_word = 42;
static volatile char bss[10000];

void tiny_main(long *sp);

static void sys_exit(long code)
{
    __asm__ volatile("syscall" : : "a"(231L), "D"(code) : "rcx", "r11");
    for (;;) {
    }
}

static int same(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

void tiny_main(long *sp)
{
    char **argv = (char **)(sp + 1);
    long status = 0;

    if (((unsigned long)sp & 15) != 0) {
        status |= 1;
    }
    for (unsigned long i = 0; i < sizeof(bss); i++) {
        if (bss[i] != 0) {
            status |= 2;
        }
    }
    if (data_word != 42) {
        status |= 4;
    }
    if (sp[0] != 2 || !same(argv[0], "tiny") || !same(argv[1], "ok") ||
        argv[2] != 0) {
        status |= 8;
    }
    sys_exit(status);
}
