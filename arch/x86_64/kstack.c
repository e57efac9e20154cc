/*
 * Kernel stacks with guard pages (arch.h; docs/memory.md, "Kernel stacks").
 *
 * The stacks live in a gigabyte of their own in the upper half,
 * [KSTACK_BASE, KSTACK_END), cut into KSTACK_SLOTS slots of KSTACK_SLOT
 * (32 KiB).  A stack fills the top of its slot; the rest of the slot, below
 * it, is never mapped.  So the first byte below a stack faults, so does a
 * frame that jumps up to 16 KiB past the bottom, and no overflow can reach
 * the stack of the slot below.  kstack_init (from arch_mm_init, before any
 * user address space copies the kernel's upper PML4 entries) makes the
 * area's PML4 entry, its PDPT and its page directory, which stay for good;
 * the page tables under that directory are therefore shared by every
 * address space, and a stack mapped here is mapped everywhere.
 *
 * Slots: one bit each (1 = in use) in NWORDS words, and one summary bit per
 * word (1 = all 64 taken), so the lowest free slot is two find-first-set
 * steps over at most NSUMMARY + 1 words: O(1).  The 64 slots of one word
 * are exactly the 2 MiB one page table maps: the table is allocated when
 * the word's first slot is taken and freed when its last one is given
 * back, so frames in use return exactly to their baseline.  Lowest first
 * keeps the live stacks in as few tables as possible.
 *
 * A stack's pages are single frames (no run needed), writable, no-execute,
 * global (the same in every address space), not zeroed: the core fills
 * them.  The slot's owner (arch_kstack_alloc) is kept in the first entry of
 * its guard, which is never present: the CPU ignores every other bit of
 * such an entry, so the fault handler finds whose guard an address is in
 * in O(1), with no table of its own.  Freeing clears the entries and
 * invlpg's each page (global entries survive a CR3 load; one CPU, so no
 * shootdown yet); invlpg also drops the cached walk through a freed table.
 *
 * kstack_lock guards the bitmaps and the area's page tables.  Order:
 * sched_lock (reaping frees a stack), then kstack_lock, then frame_lock.
 * kstack_guard_owner takes no lock: it runs in a fault handler, reads only,
 * and a stale answer there is at worst a report without a name.
 */
#include "arch.h"
#include "cpu.h"
#include "frame.h"
#include "kerrno.h"
#include "klog.h"
#include "kstring.h"
#include "layout.h"
#include "param.h"
#include "spinlock.h"
#include "x86.h"

#define SLOT_PAGES      (KSTACK_SLOT / PAGE_SIZE)        /* 8 */
#define SLOTS_PER_TABLE (512 / SLOT_PAGES)               /* 64 */
#define NWORDS          (KSTACK_SLOTS / SLOTS_PER_TABLE) /* 512 tables */
#define NSUMMARY        (NWORDS / 64)                    /* 8 */
#define FULL            (~0ULL)

_Static_assert(SLOTS_PER_TABLE == 64, "one table's slots are one word");
_Static_assert(NWORDS == 512, "the area is one page directory");
_Static_assert(ARCH_KSTACK_MAX <= KSTACK_SLOT - PAGE_SIZE,
               "every stack keeps a guard page below it");
_Static_assert((KSTACK_BASE & ((1UL << 39) - 1)) == 0,
               "the area starts a PML4 entry of its own");

static struct spinlock kstack_lock = SPINLOCK_INIT("kstack_lock");

/* kstack_lock guards these and the page tables under pd: */
static uint64_t used[NWORDS];   /* a bit per slot: 1 = in use */
static uint64_t full[NSUMMARY]; /* a bit per used word: 1 = all taken */
static uint64_t *pd;            /* the area's page directory */
static size_t ntables;          /* page tables under pd */

static uintptr_t slot_va(size_t slot)
{
    return KSTACK_BASE + slot * KSTACK_SLOT;
}

static bool slot_in_use(size_t slot)
{
    return (used[slot / 64] >> (slot % 64)) & 1;
}

/* A zeroed frame for a page table, or 0. */
static uintptr_t table_frame(void)
{
    uintptr_t pa = alloc_frame();

    if (pa != 0) {
        memset(arch_phys_to_virt(pa), 0, PAGE_SIZE);
    }
    return pa;
}

int kstack_init(uint64_t *pml4)
{
    uintptr_t pdpt = table_frame(), dir = table_frame();

    if (pdpt == 0 || dir == 0) {
        return -ENOMEM; /* the boot tables stay: as arch_mm_init */
    }
    pml4[(KSTACK_BASE >> 39) & 511] = pdpt | PTE_P | PTE_W;
    ((uint64_t *)arch_phys_to_virt(pdpt))[(KSTACK_BASE >> 30) & 511] =
        dir | PTE_P | PTE_W;
    pd = arch_phys_to_virt(dir);
    return 0;
}

/* The page table holding slot's entries (NULL: none yet). */
static uint64_t *slot_table(size_t slot)
{
    uint64_t e = pd[slot / SLOTS_PER_TABLE];

    return (e & PTE_P) ? arch_phys_to_virt(e & PTE_ADDR) : NULL;
}

/* The lowest free slot, now taken, or -1 when all are. */
static long slot_take(void)
{
    for (size_t s = 0; s < NSUMMARY; s++) {
        if (full[s] != FULL) {
            size_t w = s * 64 + (size_t)__builtin_ctzll(~full[s]);
            size_t b = (size_t)__builtin_ctzll(~used[w]);

            used[w] |= 1ULL << b;
            if (used[w] == FULL) {
                full[s] |= 1ULL << (w % 64);
            }
            return (long)(w * 64 + b);
        }
    }
    return -1;
}

/* Give slot back; its table goes with the last slot in it. */
static void slot_give(size_t slot)
{
    size_t w = slot / 64;
    uint64_t e = pd[w];

    used[w] &= ~(1ULL << (slot % 64));
    full[w / 64] &= ~(1ULL << (w % 64));
    if (used[w] == 0 && (e & PTE_P)) {
        pd[w] = 0;
        invlpg(slot_va(slot)); /* forget the walk through the table */
        free_frame(e & PTE_ADDR);
        ntables--;
    }
}

/* Unmap every page of slot and free its frames; the owner entry too. */
static void slot_clear(size_t slot)
{
    uint64_t *pte = slot_table(slot);
    size_t first = (slot % SLOTS_PER_TABLE) * SLOT_PAGES;

    if (pte == NULL) {
        return;
    }
    for (size_t i = 0; i < SLOT_PAGES; i++) {
        uint64_t e = pte[first + i];

        pte[first + i] = 0;
        if (e & PTE_P) {
            invlpg(slot_va(slot) + i * PAGE_SIZE);
            free_frame(e & PTE_ADDR);
        }
    }
}

/* Map the top size bytes of slot and name owner.  0 or -ENOMEM (the slot
 * is then left for the caller to clear). */
static int slot_fill(size_t slot, size_t size, void *owner)
{
    uint64_t *pte = slot_table(slot);
    size_t first = (slot % SLOTS_PER_TABLE) * SLOT_PAGES;
    uint64_t flags = PTE_P | PTE_W | PTE_G | (arch_has_nx() ? PTE_NX : 0);

    if (pte == NULL) {
        uintptr_t pa = table_frame();

        if (pa == 0) {
            return -ENOMEM;
        }
        pd[slot / SLOTS_PER_TABLE] = pa | PTE_P | PTE_W;
        ntables++;
        pte = arch_phys_to_virt(pa);
    }
    pte[first] = (uint64_t)(uintptr_t)owner; /* bit 0 (P) is clear */
    for (size_t i = SLOT_PAGES - size / PAGE_SIZE; i < SLOT_PAGES; i++) {
        uintptr_t pa = alloc_frame();

        if (pa == 0) {
            return -ENOMEM;
        }
        pte[first + i] = pa | flags;
    }
    return 0;
}

void *arch_kstack_alloc(size_t size, void *owner)
{
    long slot;
    int err = -ENOMEM;

    if (size == 0 || size % PAGE_SIZE != 0 || size > ARCH_KSTACK_MAX ||
        ((uintptr_t)owner & PTE_P) || pd == NULL) {
        return NULL;
    }
    spin_lock(&kstack_lock);
    slot = slot_take();
    if (slot >= 0 && (err = slot_fill((size_t)slot, size, owner)) != 0) {
        slot_clear((size_t)slot);
        slot_give((size_t)slot);
    }
    spin_unlock(&kstack_lock);
    if (err != 0) {
        return NULL;
    }
    return (void *)(slot_va((size_t)slot) + KSTACK_SLOT - size);
}

void arch_kstack_free(void *stack, size_t size)
{
    uintptr_t top = (uintptr_t)stack + size;
    size_t slot = (top - KSTACK_BASE) / KSTACK_SLOT - 1;

    if ((uintptr_t)stack < KSTACK_BASE || top > KSTACK_END ||
        (top - KSTACK_BASE) % KSTACK_SLOT != 0 || size == 0 ||
        size > ARCH_KSTACK_MAX) {
        kprintf("kstack: refused free of %p (%lu bytes): not a stack\n", stack,
                (unsigned long)size);
        return;
    }
    spin_lock(&kstack_lock);
    if (slot_in_use(slot)) {
        slot_clear(slot);
        slot_give(slot);
        stack = NULL;
    }
    spin_unlock(&kstack_lock);
    if (stack != NULL) {
        kprintf("kstack: refused free of %p: already free\n", stack);
    }
}

void *kstack_guard_owner(uintptr_t va)
{
    size_t slot, page;
    const uint64_t *pte;

    if (va < KSTACK_BASE || va >= KSTACK_END || pd == NULL) {
        return NULL;
    }
    slot = (va - KSTACK_BASE) / KSTACK_SLOT;
    pte = slot_in_use(slot) ? slot_table(slot) : NULL;
    if (pte == NULL) {
        return NULL;
    }
    pte += (slot % SLOTS_PER_TABLE) * SLOT_PAGES;
    page = (va - slot_va(slot)) / PAGE_SIZE;
    return (pte[page] & PTE_P) ? NULL : (void *)(uintptr_t)pte[0];
}

bool kstack_area_contains(uintptr_t va, size_t len)
{
    return va >= KSTACK_BASE && va < KSTACK_END && len <= KSTACK_END - va;
}

size_t kstack_table_frames(void)
{
    return ntables;
}
