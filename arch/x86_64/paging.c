/*
 * The kernel's page tables (x86_64, 4-level).
 *
 * Two mappings, built once by arch_mm_init:
 *   PHYSMAP_BASE + pa -> pa  for all of RAM, NX; 2 MiB pages, read-write,
 *                            except that the 2 MiB pages holding the
 *                            image's read-only part (the boot page, text,
 *                            rodata) are split into 4 KiB pages so that
 *                            part is read-only here too;
 *   KERNEL_VMA + pa   -> pa  for the image, 4 KiB pages: text read-only and
 *                            executable, rodata read-only, data and bss
 *                            read-write; everything but text NX;
 *   KSTACK_BASE ..           the kernel stacks (kstack.c): only the
 *                            directory here, the stacks come and go.
 * So every alias of text and rodata is read-only, and a write through the
 * physmap cannot change them.  Nothing is mapped at low addresses any more,
 * so a NULL dereference faults.
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

#define PAGE_2M (2UL << 20)

static uint64_t nx_bit;       /* PTE_NX when the CPU supports it, else 0 */
static uintptr_t physmap_end; /* bytes of physical memory mapped */
static bool own_tables;       /* arch_mm_init has loaded our tables */
static uintptr_t kernel_root; /* their PML4 */

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

    if (kstack_area_contains(va, len)) { /* a stack, never its guard */
        return own_tables && paging_range_allows(va, len, false);
    }
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

/* Physical [KERNEL_PHYS, this) is the image's read-only part. */
static uintptr_t read_only_end_phys(void)
{
    return (uintptr_t)_data_start - KERNEL_VMA;
}

/* True when [pa, pa + len) overlaps the image's read-only part. */
static bool overlaps_image_read_only(uintptr_t pa, size_t len)
{
    return pa < read_only_end_phys() && pa + len > KERNEL_PHYS;
}

/* The 4 KiB pages of one split 2 MiB physmap page. */
static int map_physmap_split(uint64_t *pml4, uintptr_t base)
{
    for (uintptr_t pa = base; pa < base + PAGE_2M; pa += PAGE_SIZE) {
        uint64_t w = overlaps_image_read_only(pa, PAGE_SIZE) ? 0 : PTE_W;
        int err =
            map_page(pml4, PHYSMAP_BASE + pa, pa, w | PTE_G | nx_bit, false);

        if (err != 0) {
            return err;
        }
    }
    return 0;
}

static int map_physmap(uint64_t *pml4, uintptr_t end)
{
    for (uintptr_t pa = 0; pa < end; pa += PAGE_2M) {
        int err;

        if (overlaps_image_read_only(pa, PAGE_2M)) {
            err = map_physmap_split(pml4, pa);
        } else {
            err = map_page(pml4, PHYSMAP_BASE + pa, pa, PTE_W | PTE_G | nx_bit,
                           true);
        }
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
    if (err == 0) {
        err = kstack_init(pml4);
    }
    if (err != 0) {
        return err; /* the boot tables stay; the frames used are lost */
    }
    write_cr0(read_cr0() | CR0_WP);
    write_cr3(root);
    kernel_root = root;
    physmap_end = end;
    own_tables = true;
    return 0;
}

/*
 * The entry that maps va in the loaded tables (0: none), its page size in
 * *size, and in *writable whether every level allows writes (the CPU ANDs
 * R/W down the walk).  Handles 1 GiB and 2 MiB pages, as the boot tables
 * use them.
 */
static uint64_t walk(uintptr_t va, uintptr_t *size, bool *writable)
{
    const uint64_t *table = arch_phys_to_virt(read_cr3() & PTE_ADDR);

    *writable = true;
    for (unsigned shift = 39;; shift -= 9) {
        uint64_t e = table[(va >> shift) & 511];

        if (!(e & PTE_P)) {
            return 0;
        }
        *writable = *writable && (e & PTE_W);
        if (shift == 12 || (shift <= 30 && (e & PTE_PS))) {
            *size = 1UL << shift;
            return e;
        }
        table = arch_phys_to_virt(e & PTE_ADDR);
    }
}

bool paging_range_allows(uintptr_t va, size_t len, bool write)
{
    uintptr_t last = va + len - 1;

    if (len == 0) {
        return true;
    }
    for (;;) {
        uintptr_t size, next;
        bool writable;

        if (walk(va, &size, &writable) == 0 || (write && !writable)) {
            return false;
        }
        next = (va & ~(size - 1)) + size;
        if (next == 0 || next > last) {
            return true; /* the page holds the rest (or ends the space) */
        }
        va = next;
    }
}

bool arch_has_nx(void)
{
    return nx_bit != 0;
}

uintptr_t paging_kernel_root(void)
{
    return kernel_root;
}
