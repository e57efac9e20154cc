/*
 * Multiboot entry: from 32-bit protected mode to 64-bit long mode.
 *
 * The loader (QEMU -kernel, GRUB) jumps to _start32 in 32-bit protected
 * mode with paging off, EAX = Multiboot magic and EBX = the physical address
 * of the Multiboot information.  We check for long mode, map physical
 * memory with 2 MiB pages (the first 4 GiB at 0 for the jump and at
 * PHYSMAP_BASE for early physical access, the first GiB at KERNEL_VMA where
 * the kernel is linked), enable PAE, long mode and paging, and call arch_start(magic, info) on the boot stack.
 * paging.c replaces these tables with the kernel's own.
 *
 * The header uses the Multiboot "address fields" (flag 16), so loaders take
 * the load addresses from it instead of from ELF headers: the image is a
 * flat binary that QEMU's -kernel (which rejects 64-bit ELF) and GRUB boot.
 */
#include "layout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* align, mem map, addresses */
#define PHYS(sym) ((sym) - KERNEL_VMA)

#define PTE_P  0x1
#define PTE_W  0x2
#define PTE_PS 0x80

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header          /* header_addr */
    .long _image_start_phys  /* load_addr */
    .long _load_end_phys     /* load_end_addr */
    .long _bss_end_phys      /* bss_end_addr: the loader zeroes the bss */
    .long _start32           /* entry_addr */

    .section .boot.text, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    movl %eax, %edi                  /* keep magic and info for arch_start */
    movl %ebx, %esi
    movl $PHYS(boot_stack_top), %esp

    /* Long mode present?  CPUID 0x80000001 EDX bit 29. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    btl $29, %edx
    jnc no_long_mode

    /* Four PDs: 2048 x 2 MiB pages covering physical 0 .. 4 GiB. */
    movl $PHYS(boot_pd), %ebx
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PTE_P | PTE_W | PTE_PS), %eax
    movl %eax, (%ebx, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jne 1b

    /* PDPTs: low maps 4 GiB, high maps the first GiB at -2 GiB. */
    movl $PHYS(boot_pdpt_low), %ebx
    movl $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
    movl %eax, PHYS(boot_pdpt_high) + 510 * 8
    xorl %ecx, %ecx
2:  movl %eax, (%ebx, %ecx, 8)
    addl $4096, %eax
    incl %ecx
    cmpl $4, %ecx
    jne 2b

    /* PML4. */
    movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
    movl %eax, PHYS(boot_pml4)                 /* identity */
    movl %eax, PHYS(boot_pml4) + 256 * 8       /* PHYSMAP_BASE */
    movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8       /* KERNEL_VMA */

    /* PAE on, CR3, EFER.LME, then paging. */
    movl %cr4, %eax
    orl $(1 << 5), %eax
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $(1 << 8), %eax
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 0)), %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $SEL_KCODE, $start64_low

no_long_mode:
    movl $no_lm_msg, %esi
    movl $0xB8000, %edi
3:  lodsb
    testb %al, %al
    jz 4f
    movb %al, (%edi)
    movb $0x4F, 1(%edi)              /* white on red */
    addl $2, %edi
    jmp 3b
4:  hlt
    jmp 4b

    .code64
start64_low:
    movabsq $start64, %rax           /* leave the identity map */
    jmp *%rax

    .section .boot.data, "a"
    .align 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit kernel code */
    .quad 0x00CF92000000FFFF         /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
no_lm_msg:
    .asciz "Kairos needs a 64-bit (x86_64) CPU; this one has no long mode."

    .text
    .code64
    /*
     * The outermost frame: rbp = 0 ends the kernel's frame-pointer walk,
     * and CFI saying rip is undefined ends gdb's (without it, gdb's `bt`
     * reads the multiboot data above the stack as return addresses).
     */
    .cfi_sections .debug_frame
start64:
    .cfi_startproc
    .cfi_undefined rip
    movw $SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp                  /* backtraces end here */
    movl %edi, %edi                  /* zero-extend magic and info */
    movl %esi, %esi
    call arch_start
5:  cli
    hlt
    jmp 5b
    .cfi_endproc

    .bss
    .align 4096
    .globl boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4 * 4096
    .globl boot_stack, boot_stack_top
boot_stack:
    .skip BOOT_STACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
