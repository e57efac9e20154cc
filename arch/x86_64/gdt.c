/*
 * GDT and TSS.
 *
 * Long mode ignores segment bases and limits, but still needs a code
 * segment, a data segment and a TSS.  The TSS gives the CPU known-good
 * stacks: IST1 for double faults, so a kernel stack overflow (which faults
 * again while pushing the page-fault frame) still gets a report.
 */
#include <stdint.h>

#include "layout.h"
#include "x86.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3]; /* stacks for privilege changes: rsp[0] from ring 3 */
    uint64_t reserved1;
    uint64_t ist[7]; /* interrupt stack table; IDT entries select one */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

static struct tss tss;
static uint8_t ist_df_stack[8192] __attribute__((aligned(16)));

/*
 * null, kernel code, kernel data, then the user segments in the order
 * sysret needs (STAR's user base + 8 is the stack segment, + 16 the
 * 64-bit code segment), then the TSS (two slots).
 */
static uint64_t gdt[8] = {
    0,
    0x00AF9A000000FFFF, /* 0x08 kernel code: 64-bit, present, ring 0 */
    0x00CF92000000FFFF, /* 0x10 kernel data */
    0x00CFFA000000FFFF, /* 0x18 user code, 32-bit (unused: STAR's base) */
    0x00CFF2000000FFFF, /* 0x20 user data, ring 3 */
    0x00AFFA000000FFFF, /* 0x28 user code, 64-bit, ring 3 */
    0,                  /* 0x30 TSS, low half */
    0,                  /* TSS, high half */
};

static void set_tss_descriptor(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;

    gdt[6] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
             (0x89UL << 40) | /* present, 64-bit available TSS */
             (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[7] = base >> 32;
}

void gdt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(gdt) - 1, (uint64_t)gdt};

    tss.ist[IST_DOUBLE_FAULT - 1] =
        (uint64_t)(ist_df_stack + sizeof(ist_df_stack));
    tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
    set_tss_descriptor();

    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
                     : "rax", "memory");
}

void gdt_set_kernel_stack(uintptr_t top)
{
    tss.rsp[0] = top;
}
