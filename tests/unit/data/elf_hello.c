/*
 * A static glibc program, built by the Makefile for test_elf, which runs
 * it through elf_load_plan and ustack_build in a child process and compares
 * what it prints: its arguments, an environment variable, the auxiliary
 * vector as the C library saw it, and that its bss and data are intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static char bss[100000];
static int data_word = 42;

int main(int argc, char **argv)
{
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    char *heap = malloc(100);
    size_t zero = 0;

    for (size_t i = 0; i < sizeof(bss); i++) {
        zero += bss[i] == 0;
    }
    printf("argc=%d", argc);
    for (int i = 0; i < argc; i++) {
        printf(" [%s]", argv[i]);
    }
    printf("\nKAIROS=%s\n", getenv("KAIROS") ? getenv("KAIROS") : "(none)");
    printf("execfn=%s\n", (const char *)getauxval(AT_EXECFN));
    printf("random=%02x%02x..%02x\n", rnd[0], rnd[1], rnd[15]);
    printf("bss=%s data=%d heap=%s\n", zero == sizeof(bss) ? "zero" : "dirty",
           data_word, heap ? "ok" : "none");
    return argc;
}
