/*
 * Where Kairos lives in physical and virtual memory (x86_64).
 * Shared by C, assembly and the linker script.
 */
#ifndef KAIROS_LAYOUT_H
#define KAIROS_LAYOUT_H

/* The image is loaded at 1 MiB physical and runs at KERNEL_VMA + physical. */
#define KERNEL_PHYS 0x100000
#define KERNEL_VMA  0xFFFFFFFF80000000
/* Every physical address pa is also mapped at PHYSMAP_BASE + pa. */
#define PHYSMAP_BASE 0xFFFF800000000000
/*
 * Kernel stacks (kstack.c): one GiB of the upper half under a PML4 entry of
 * its own (508), cut into slots; each stack fills the top of its slot and
 * the rest of the slot, below it, is never mapped (the guard).
 */
#define KSTACK_BASE  0xFFFFFE0000000000
#define KSTACK_SLOT  0x8000 /* 32 KiB: a 16 KiB stack and 16 KiB of guard */
#define KSTACK_SLOTS 32768  /* KSTACK_SLOT * KSTACK_SLOTS = 1 GiB */
#define KSTACK_END   (KSTACK_BASE + KSTACK_SLOT * KSTACK_SLOTS)

#define BOOT_STACK_SIZE 16384

/* Segment selectors (gdt.c builds the table). */
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_USER32 0x18 /* STAR's user base: sysret takes +8 and +16 */
#define SEL_UDATA  0x20 /* used with RPL 3 */
#define SEL_UCODE  0x28 /* 64-bit, used with RPL 3 */
#define SEL_TSS    0x30

/* The per-CPU area (user.c's struct x86_cpu) as the entry code sees it
 * through GS. */
#define CPU_KSTACK  0 /* top of the running process's kernel stack */
#define CPU_SCRATCH 8 /* the user rsp while the entry switches stacks */

#endif
