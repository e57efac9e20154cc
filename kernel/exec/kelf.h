/*
 * The ELF64 loader's portable half (docs/exec.md): check a static x86_64
 * executable held in memory and describe how to load it.  Mapping the
 * pages is the caller's job; the plan is its input.
 *
 * Named kelf.h, not elf.h, so that -Ikernel/exec never hides the C
 * library's <elf.h> on the host (as kstring.h, kerrno.h).
 */
#ifndef KAIROS_KELF_H
#define KAIROS_KELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "param.h"

/* The file format (System V gABI, "ELF-64 Object File Format"). */
#define ELF_EI_NIDENT    16
#define ELF_CLASS64      2  /* e_ident[EI_CLASS] */
#define ELF_DATA2LSB     1  /* e_ident[EI_DATA]: little-endian */
#define ELF_EV_CURRENT   1  /* e_ident[EI_VERSION] and e_version */
#define ELF_OSABI_SYSV   0  /* e_ident[EI_OSABI] */
#define ELF_OSABI_GNU    3  /* what GNU ld writes for some GNU extensions */
#define ELF_ET_EXEC      2  /* e_type: fixed addresses */
#define ELF_ET_DYN       3  /* e_type: position independent (static-PIE) */
#define ELF_EM_X86_64    62 /* e_machine */
#define ELF_PT_LOAD      1
#define ELF_PT_DYNAMIC   2
#define ELF_PT_INTERP    3
#define ELF_PT_GNU_STACK 0x6474e551
#define ELF_PF_X         1 /* p_flags */
#define ELF_PF_W         2
#define ELF_PF_R         4
#define ELF_EHDR_SIZE    64 /* sizeof(struct elf64_ehdr) */
#define ELF_PHDR_SIZE    56 /* sizeof(struct elf64_phdr), e_phentsize */

struct elf64_ehdr {
    uint8_t e_ident[ELF_EI_NIDENT]; /* magic, class, data, version, OS ABI */
    uint16_t e_type;                /* ET_EXEC or ET_DYN */
    uint16_t e_machine;             /* EM_X86_64 */
    uint32_t e_version;             /* EV_CURRENT */
    uint64_t e_entry;               /* first instruction (before the bias) */
    uint64_t e_phoff;               /* file offset of the program headers */
    uint64_t e_shoff;               /* section headers: unused */
    uint32_t e_flags;               /* none defined for x86_64 */
    uint16_t e_ehsize;              /* this header's size */
    uint16_t e_phentsize;           /* one program header's size */
    uint16_t e_phnum;               /* program headers */
    uint16_t e_shentsize;           /* section headers: unused */
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;   /* PT_LOAD, PT_INTERP, PT_GNU_STACK, ... */
    uint32_t p_flags;  /* PF_R | PF_W | PF_X */
    uint64_t p_offset; /* file offset of the segment's bytes */
    uint64_t p_vaddr;  /* where they go (before the bias) */
    uint64_t p_paddr;  /* unused */
    uint64_t p_filesz; /* bytes in the file */
    uint64_t p_memsz;  /* bytes in memory; the rest is zero (bss) */
    uint64_t p_align;  /* 0, 1 or a power of two: vaddr = offset mod it */
};

/* A segment's permissions, as mmap's PROT_* (no EXEC means no-execute). */
#define ELF_PROT_READ  1
#define ELF_PROT_WRITE 2
#define ELF_PROT_EXEC  4

/*
 * One PT_LOAD, biased: map [map_start, map_end) with prot, copy filesz
 * bytes from image + offset to vaddr, and zero every other byte of the
 * range: [map_start, vaddr) and [zero_start, map_end) (the bss and the
 * tail of the last file page).
 */
struct elf_segment {
    uint64_t vaddr;      /* first byte of the segment in user memory */
    uint64_t memsz;      /* bytes it occupies there (> 0) */
    uint64_t offset;     /* where its file bytes start in the image */
    uint64_t filesz;     /* file bytes (<= memsz) */
    uint64_t map_start;  /* vaddr rounded down to a page */
    uint64_t map_end;    /* vaddr + memsz rounded up to a page */
    uint64_t zero_start; /* vaddr + filesz: zero from here to map_end */
    unsigned prot;       /* ELF_PROT_* from p_flags */
};

/* What elf_load_plan found: everything exec needs, no pointers into it. */
struct elf_plan {
    uint64_t entry;     /* biased e_entry: inside an executable segment */
    uint64_t load_bias; /* added to every p_vaddr (0 for ET_EXEC) */
    uint64_t phdr_addr; /* AT_PHDR: the program headers in user memory */
    uint64_t phnum;     /* AT_PHNUM */
    uint64_t phent;     /* AT_PHENT (ELF_PHDR_SIZE) */
    uint64_t image_end; /* the last segment's map_end: where brk may start */
    bool pie;           /* ET_DYN: loaded at ELF_PIE_BASE */
    bool exec_stack;    /* PT_GNU_STACK has PF_X */
    unsigned nsegs;     /* segs[0..nsegs), ascending, pages disjoint */
    struct elf_segment segs[ELF_MAX_LOADS];
};

/*
 * Check the static x86_64 executable image[0..len) and fill *plan.  Pure:
 * reads only inside the image (any alignment), allocates nothing.  0, or
 * -ENOEXEC for anything malformed, dynamic, hostile or over the limits in
 * param.h (docs/exec.md lists each check); *plan is then unspecified.
 */
int elf_load_plan(const void *image, size_t len, struct elf_plan *plan);

#endif
