/*
 * The kernel's page tables (x86_64, 4-level).
 *
 * Two mappings, built once by arch_mm_init:
 *   PHYSMAP_BASE + pa -> pa  for all of RAM, 2 MiB pages, read-write, NX;
 *   KERNEL_VMA + pa   -> pa  for the image, 4 KiB pages: text read-only and
 *                            executable, rodata read-only, data and bss
 *                            read-write; everything but text NX.
 * Nothing is mapped at low addresses any more, so a NULL dereference faults.
 * CR0.WP makes read-only pages read-only for the kernel too; EFER.NXE is set
 * when the CPU has NX.  Page-table frames come from the frame allocator and
 * are never freed (the kernel's tables live as long as the kernel).
 */
#include "arch.h"
#include "cpu.h"
#include "frame.h"
#include "kerrno.h"
#include "kstring.h"
#include "layout.h"
#include "param.h"
#include "x86.h"

#define PTE_P    (1UL << 0)
#define PTE_W    (1UL << 1)
#define PTE_PS   (1UL << 7)
#define PTE_G    (1UL << 8)
#define PTE_NX   (1UL << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000UL

#define PAGE_2M (2UL << 20)

static uint64_t nx_bit;       /* PTE_NX when the CPU supports it, else 0 */
static uintptr_t physmap_end; /* bytes of physical memory mapped */
static bool own_tables;       /* arch_mm_init has loaded our tables */

void *arch_phys_to_virt(uintptr_t pa)
{
    return (void *)(PHYSMAP_BASE + pa);
}

uintptr_t arch_virt_to_phys(const void *va)
{
    uintptr_t v = (uintptr_t)va;

    if (v >= KERNEL_VMA) {
        return v - KERNEL_VMA;
    }
    return v - PHYSMAP_BASE;
}

bool arch_kernel_mapped(uintptr_t va, size_t len)
{
    uintptr_t limit = own_tables ? physmap_end : (4UL << 30);

    if (va >= (uintptr_t)KERNEL_VMA + KERNEL_PHYS &&
        va + len <= (uintptr_t)_image_end) {
        return true;
    }
    return va >= PHYSMAP_BASE && va + len <= PHYSMAP_BASE + limit &&
           va + len > va;
}

/* The entry for va at a table level, allocating the next table if asked. */
static uint64_t *next_table(uint64_t *table, unsigned index)
{
    uintptr_t frame;

    if (table[index] & PTE_P) {
        return arch_phys_to_virt(table[index] & PTE_ADDR);
    }
    frame = alloc_frame();
    if (frame == 0) {
        return NULL;
    }
    memset(arch_phys_to_virt(frame), 0, PAGE_SIZE);
    table[index] = frame | PTE_P | PTE_W;
    return arch_phys_to_virt(frame);
}

/* Map one page of size 4 KiB or 2 MiB (large).  0 or -ENOMEM. */
static int map_page(uint64_t *pml4, uintptr_t va, uintptr_t pa, uint64_t flags,
                    bool large)
{
    uint64_t *pdpt, *pd, *pt;

    pdpt = next_table(pml4, (va >> 39) & 511);
    pd = pdpt ? next_table(pdpt, (va >> 30) & 511) : NULL;
    if (pd == NULL) {
        return -ENOMEM;
    }
    if (large) {
        pd[(va >> 21) & 511] = pa | flags | PTE_P | PTE_PS;
        return 0;
    }
    pt = next_table(pd, (va >> 21) & 511);
    if (pt == NULL) {
        return -ENOMEM;
    }
    pt[(va >> 12) & 511] = pa | flags | PTE_P;
    return 0;
}

/* The permissions of one page of the kernel image. */
static uint64_t image_flags(uintptr_t va)
{
    if (va >= (uintptr_t)_text_start && va < (uintptr_t)_text_end) {
        return PTE_G;
    }
    if (va >= (uintptr_t)_rodata_start && va < (uintptr_t)_data_start) {
        return PTE_G | nx_bit;
    }
    if (va >= (uintptr_t)_data_start) {
        return PTE_G | PTE_W | nx_bit;
    }
    return PTE_G | nx_bit; /* the Multiboot header and 32-bit boot code */
}

static int map_image(uint64_t *pml4)
{
    uintptr_t va = KERNEL_VMA + KERNEL_PHYS;

    for (; va < (uintptr_t)_image_end; va += PAGE_SIZE) {
        int err = map_page(pml4, va, va - KERNEL_VMA, image_flags(va), false);

        if (err != 0) {
            return err;
        }
    }
    return 0;
}

static int map_physmap(uint64_t *pml4, uintptr_t end)
{
    for (uintptr_t pa = 0; pa < end; pa += PAGE_2M) {
        int err =
            map_page(pml4, PHYSMAP_BASE + pa, pa, PTE_W | PTE_G | nx_bit, true);

        if (err != 0) {
            return err;
        }
    }
    return 0;
}

static void enable_nx(void)
{
    uint32_t a, b, c, d;

    cpuid(0x80000001, &a, &b, &c, &d);
    if (d & (1U << 20)) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        nx_bit = PTE_NX;
    }
}

static uintptr_t mem_top;

void paging_set_mem_top(uintptr_t top)
{
    mem_top = top;
}

int arch_mm_init(void)
{
    uintptr_t root = alloc_frame();
    uint64_t *pml4;
    uintptr_t end = (mem_top + PAGE_2M - 1) & ~(PAGE_2M - 1);
    int err;

    if (root == 0) {
        return -ENOMEM;
    }
    pml4 = arch_phys_to_virt(root);
    memset(pml4, 0, PAGE_SIZE);
    enable_nx();
    err = map_physmap(pml4, end);
    if (err == 0) {
        err = map_image(pml4);
    }
    if (err != 0) {
        return err; /* the boot tables stay; the frames used are lost */
    }
    write_cr0(read_cr0() | CR0_WP);
    write_cr3(root);
    physmap_end = end;
    own_tables = true;
    return 0;
}

bool arch_has_nx(void)
{
    return nx_bit != 0;
}
