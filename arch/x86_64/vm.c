/*
 * User address spaces (arch.h, docs/arch.md): 4-level page tables whose
 * lower half (PML4 entries 0..255) belongs to one process and whose upper
 * half (256..511) is copied from the kernel's tables when the space is
 * created.  The kernel never adds a top-level entry after arch_mm_init
 * (its physmap, image and stacks sit under entries made then), so the
 * copies stay the kernel's: below the top level the tables are shared,
 * not copied.
 *
 * Leaves are 4 KiB, user-accessible, writable only with ARCH_PROT_WRITE,
 * no-execute unless ARCH_PROT_EXEC (when the CPU has NX), never global
 * (a CR3 load forgets them).  Intermediate entries allow everything: the
 * leaf decides.  Page tables are freed only by arch_aspace_fini.
 */
#include "arch.h"
#include "cpu.h"
#include "frame.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "x86.h"

#define USER_ENTRIES 256 /* PML4 entries of the lower half */
/* A software bit of a not-present leaf: a page mapped with no access
 * (ARCH_PROT_NONE): the frame stays the space's, any touch faults. */
#define PTE_NONE (1UL << 9)

/* A leaf that holds a frame, accessible or not. */
static bool mapped(uint64_t e)
{
    return (e & (PTE_P | PTE_NONE)) != 0;
}

static uintptr_t loaded_root[MAX_CPUS]; /* 0: the kernel's own */

void arch_page_zero(void *page)
{
    void *d = page;
    size_t n = PAGE_SIZE / 8;

    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0UL) : "memory");
}

static uint64_t *table_at(uintptr_t pa)
{
    return arch_phys_to_virt(pa);
}

int arch_aspace_init(struct arch_aspace *as)
{
    uintptr_t root = alloc_frame();
    uint64_t *pml4, *kernel = table_at(paging_kernel_root());

    as->root = 0;
    as->tables = 0;
    if (root == 0) {
        return -ENOMEM;
    }
    pml4 = table_at(root);
    memset(pml4, 0, USER_ENTRIES * sizeof(uint64_t));
    memcpy(pml4 + USER_ENTRIES, kernel + USER_ENTRIES,
           USER_ENTRIES * sizeof(uint64_t));
    as->root = root;
    as->tables = 1;
    return 0;
}

/* The index of the first non-zero entry of table at or after i (512:
 * none).  Tables are mostly empty: eight entries (a cache line) are
 * tested at once, so an empty table costs 64 steps, not 512. */
static unsigned next_used(const uint64_t *table, unsigned i)
{
    for (; i < 512 && (i & 7) != 0; i++) {
        if (table[i] != 0) {
            return i;
        }
    }
    for (; i < 512; i += 8) {
        const uint64_t *e = table + i;

        if ((e[0] | e[1] | e[2] | e[3] | e[4] | e[5] | e[6] | e[7]) != 0) {
            while (*e == 0) {
                e++;
            }
            return (unsigned)(e - table);
        }
    }
    return 512;
}

/* Everything under one table entry at level shift (39, 30 or 21). */
static void free_level(struct arch_aspace *as, uint64_t *table, unsigned shift,
                       void (*release)(uintptr_t pa, void *ctx), void *ctx)
{
    for (unsigned i = next_used(table, 0); i < 512;
         i = next_used(table, i + 1)) {
        uint64_t e = table[i];

        if (shift == 12) {
            if (mapped(e)) {
                release(e & PTE_ADDR, ctx);
            }
            continue;
        }
        if (!(e & PTE_P)) {
            continue;
        }
        free_level(as, table_at(e & PTE_ADDR), shift - 9, release, ctx);
        free_frame(e & PTE_ADDR);
        as->tables--;
    }
}

void arch_aspace_fini(struct arch_aspace *as,
                      void (*release)(uintptr_t pa, void *ctx), void *ctx)
{
    uint64_t *pml4;

    if (as->root == 0) {
        return;
    }
    if (loaded_root[arch_cpu_id()] == as->root) {
        arch_aspace_activate(NULL); /* never free the tables in use */
    }
    pml4 = table_at(as->root);
    for (unsigned i = 0; i < USER_ENTRIES; i++) {
        if (pml4[i] & PTE_P) {
            free_level(as, table_at(pml4[i] & PTE_ADDR), 30, release, ctx);
            free_frame(pml4[i] & PTE_ADDR);
            as->tables--;
        }
    }
    free_frame(as->root);
    as->root = 0;
    as->tables = 0;
}

static bool user_page(uintptr_t va)
{
    return va % PAGE_SIZE == 0 && va < ARCH_USER_END;
}

static bool prot_ok(unsigned prot)
{
    return prot == ARCH_PROT_NONE ||
           ((prot & ARCH_PROT_READ) &&
            (prot & ~(ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC)) == 0);
}

static uint64_t leaf_bits(unsigned prot)
{
    uint64_t bits = PTE_P | PTE_U;

    if (prot == ARCH_PROT_NONE) {
        return PTE_NONE | PTE_U;
    }
    if (prot & ARCH_PROT_WRITE) {
        bits |= PTE_W;
    }
    if (!(prot & ARCH_PROT_EXEC) && arch_has_nx()) {
        bits |= PTE_NX;
    }
    return bits;
}

/*
 * The leaf entry for va, or NULL.  With create, missing tables are made
 * (the walk stops at the first that cannot be: nothing is undone, an empty
 * table is harmless and freed by fini).
 */
static uint64_t *leaf(struct arch_aspace *as, uintptr_t va, bool create)
{
    uint64_t *table = table_at(as->root);

    for (unsigned shift = 39; shift > 12; shift -= 9) {
        uint64_t *e = &table[(va >> shift) & 511];

        if (!(*e & PTE_P)) {
            uintptr_t frame = create ? alloc_frame() : 0;

            if (frame == 0) {
                return NULL;
            }
            arch_page_zero(table_at(frame));
            *e = frame | PTE_P | PTE_W | PTE_U;
            as->tables++;
        }
        table = table_at(*e & PTE_ADDR);
    }
    return &table[(va >> 12) & 511];
}

/* The TLB entry for va, when as is the loaded space. */
static void forget(const struct arch_aspace *as, uintptr_t va)
{
    if (loaded_root[arch_cpu_id()] == as->root) {
        invlpg(va);
    }
}

int arch_aspace_map(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                    unsigned prot)
{
    uint64_t *e;

    if (!user_page(va) || pa % PAGE_SIZE != 0 || pa == 0 || !prot_ok(prot)) {
        return -EINVAL;
    }
    e = leaf(as, va, true);
    if (e == NULL) {
        return -ENOMEM;
    }
    if (mapped(*e)) {
        return -EEXIST;
    }
    *e = pa | leaf_bits(prot); /* was not present: nothing cached */
    return 0;
}

uintptr_t arch_aspace_unmap(struct arch_aspace *as, uintptr_t va)
{
    uint64_t *e = user_page(va) ? leaf(as, va, false) : NULL;
    uintptr_t pa;

    if (e == NULL || !mapped(*e)) {
        return 0;
    }
    pa = *e & PTE_ADDR;
    *e = 0;
    forget(as, va);
    return pa;
}

int arch_aspace_protect(struct arch_aspace *as, uintptr_t va, unsigned prot)
{
    uint64_t *e;

    if (!user_page(va) || !prot_ok(prot)) {
        return -EINVAL;
    }
    e = leaf(as, va, false);
    if (e == NULL || !mapped(*e)) {
        return -ENOENT;
    }
    *e = (*e & PTE_ADDR) | leaf_bits(prot);
    forget(as, va);
    return 0;
}

/* What a mapped leaf allows. */
static unsigned prot_of(uint64_t e)
{
    if (!(e & PTE_P)) {
        return ARCH_PROT_NONE;
    }
    return ARCH_PROT_READ | ((e & PTE_W) ? ARCH_PROT_WRITE : 0) |
           (arch_has_nx() && (e & PTE_NX) ? 0 : ARCH_PROT_EXEC);
}

uintptr_t arch_aspace_next(const struct arch_aspace *as, uintptr_t va,
                           uintptr_t end, uintptr_t *pa, unsigned *prot)
{
    va &= ~(uintptr_t)(PAGE_SIZE - 1);
    end = end < ARCH_USER_END ? end : ARCH_USER_END;
    while (va < end) {
        const uint64_t *table = table_at(as->root);
        unsigned shift = 39;
        uintptr_t step;

        for (; shift > 12; shift -= 9) {
            uint64_t e = table[(va >> shift) & 511];

            if (!(e & PTE_P)) {
                break; /* nothing below: skip this entry's range */
            }
            table = table_at(e & PTE_ADDR);
        }
        if (shift == 12) { /* a page table: scan its entries */
            for (unsigned i = (va >> 12) & 511; i < 512 && va < end;
                 i++, va += PAGE_SIZE) {
                if (mapped(table[i])) {
                    *pa = table[i] & PTE_ADDR;
                    *prot = prot_of(table[i]);
                    return va;
                }
            }
            continue; /* va is at the next table's start */
        }
        step = 1UL << shift;
        va = (va & ~(step - 1)) + step;
    }
    return end;
}

int arch_aspace_replace(struct arch_aspace *as, uintptr_t va, uintptr_t pa,
                        unsigned prot)
{
    uint64_t *e;

    if (!user_page(va) || pa % PAGE_SIZE != 0 || pa == 0 || !prot_ok(prot)) {
        return -EINVAL;
    }
    e = leaf(as, va, false);
    if (e == NULL || !mapped(*e)) {
        return -ENOENT;
    }
    *e = pa | leaf_bits(prot);
    forget(as, va);
    return 0;
}

uintptr_t arch_aspace_lookup(const struct arch_aspace *as, uintptr_t va,
                             unsigned *prot)
{
    const uint64_t *e;

    if (va >= ARCH_USER_END) {
        return 0;
    }
    /* leaf() creates nothing without create; the cast is for its type. */
    e = leaf((struct arch_aspace *)as, va & ~(uintptr_t)(PAGE_SIZE - 1), false);
    if (e == NULL || !mapped(*e)) {
        return 0;
    }
    if (prot != NULL) {
        *prot = prot_of(*e);
    }
    return *e & PTE_ADDR;
}

size_t arch_aspace_table_frames(const struct arch_aspace *as)
{
    return as->tables;
}

void arch_aspace_activate(struct arch_aspace *as)
{
    uintptr_t root = as != NULL ? as->root : 0;
    unsigned cpu = arch_cpu_id();

    if (loaded_root[cpu] != root) {
        write_cr3(root != 0 ? root : paging_kernel_root());
        loaded_root[cpu] = root;
    }
}
