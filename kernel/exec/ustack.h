/*
 * The initial user stack of the System V x86_64 ABI (docs/exec.md): argc,
 * argv, envp, the auxiliary vector and the strings, built into a kernel
 * buffer that stands for the top of the user stack.
 */
#ifndef KAIROS_USTACK_H
#define KAIROS_USTACK_H

#include <stddef.h>
#include <stdint.h>

/* Auxiliary vector types (Linux's <elf.h> numbers). */
#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE   7
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_HWCAP  16
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

#define USTACK_RANDOM_BYTES 16 /* AT_RANDOM's bytes */

/* What goes on the stack; the strings are kernel copies. */
struct ustack_info {
    const char *const *argv; /* NULL-terminated; NULL: none */
    const char *const *envp; /* NULL-terminated; NULL: none */
    const char *execfn;      /* AT_EXECFN: the path run */
    const uint8_t *random;   /* USTACK_RANDOM_BYTES for AT_RANDOM */
    uint64_t phdr;           /* AT_PHDR, AT_PHENT, AT_PHNUM, AT_ENTRY: */
    uint64_t phent;          /* from the elf_plan */
    uint64_t phnum;
    uint64_t entry;
    uint64_t hwcap; /* AT_HWCAP: CPUID.1:EDX on x86_64 */
};

/*
 * Build the stack image for *in into buf[0..size), which stands for user
 * addresses [top - size, top), and set *rsp: the user rsp at entry, 16-byte
 * aligned; the image is [rsp, top), pointers in it are user addresses.
 * -E2BIG: a string over USTACK_STRLEN_MAX, argv + envp over USTACK_ARG_MAX,
 * or the image over size.  -EINVAL: top not 16-aligned, above USER_TOP or
 * below size.  Nothing outside buf[size - (top - rsp), size) is written.
 */
int ustack_build(void *buf, size_t size, uint64_t top,
                 const struct ustack_info *in, uint64_t *rsp);

#endif
