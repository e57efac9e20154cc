/*
 * User address spaces (arch/x86_64/vm.c): exact frame counts through
 * create, map and destroy; the argument checks; permissions as the page
 * tables hold them; activation; running out of frames harms nothing.
 */
#include "arch.h"
#include "cpu.h"
#include "frame.h"
#include "kerrno.h"
#include "ktest.h"
#include "param.h"
#include "x86.h"

#define UVA 0x400000UL /* an ordinary user address */

static size_t released;

static void count_release(uintptr_t pa, void *ctx)
{
    (void)ctx;
    KT_EQ(free_frame(pa), 0); /* the test owns the mapped frames */
    released++;
}

/* Create, map three pages (two sharing a page table, one far away),
 * destroy: every frame comes back, the tables' counted exactly. */
static void aspace_frames_exact(void)
{
    size_t before = frame_stats().free;
    struct arch_aspace as;

    KT_EQ(arch_aspace_init(&as), 0);
    KT_EQ(arch_aspace_table_frames(&as), 1);
    KT_EQ(frame_stats().free, before - 1);
    KT_EQ(arch_aspace_map(&as, UVA, alloc_frame(), ARCH_PROT_READ), 0);
    KT_EQ(arch_aspace_table_frames(&as), 4); /* + PDPT, PD, PT */
    KT_EQ(arch_aspace_map(&as, UVA + PAGE_SIZE, alloc_frame(),
                          ARCH_PROT_READ | ARCH_PROT_WRITE),
          0);
    KT_EQ(arch_aspace_table_frames(&as), 4); /* the same PT */
    KT_EQ(arch_aspace_map(&as, ARCH_USER_END - PAGE_SIZE, alloc_frame(),
                          ARCH_PROT_READ),
          0);
    KT_EQ(arch_aspace_table_frames(&as), 7); /* another PDPT, PD, PT */
    KT_EQ(frame_stats().free, before - 7 - 3);
    released = 0;
    arch_aspace_fini(&as, count_release, NULL);
    KT_EQ(released, 3);
    KT_EQ(as.root, 0);
    KT_EQ(frame_stats().free, before);
}

static void aspace_bad_arguments(void)
{
    size_t before = frame_stats().free;
    struct arch_aspace as;
    uintptr_t pa = alloc_frame();

    KT_EQ(arch_aspace_init(&as), 0);
    KT_EQ(arch_aspace_map(&as, UVA + 1, pa, ARCH_PROT_READ), -EINVAL);
    KT_EQ(arch_aspace_map(&as, UVA, pa + 8, ARCH_PROT_READ), -EINVAL);
    KT_EQ(arch_aspace_map(&as, UVA, 0, ARCH_PROT_READ), -EINVAL);
    KT_EQ(arch_aspace_map(&as, ARCH_USER_END, pa, ARCH_PROT_READ), -EINVAL);
    KT_EQ(arch_aspace_map(&as, 0xFFFFFFFF80000000UL, pa, ARCH_PROT_READ),
          -EINVAL); /* the kernel half */
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_EXEC), -EINVAL);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_WRITE), -EINVAL);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ | 8), -EINVAL);
    KT_EQ(arch_aspace_table_frames(&as), 1); /* nothing was built */
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ), 0);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ), -EEXIST);
    KT_EQ(arch_aspace_protect(&as, UVA + PAGE_SIZE, ARCH_PROT_READ), -ENOENT);
    KT_EQ(arch_aspace_protect(&as, UVA, ARCH_PROT_WRITE), -EINVAL);
    KT_EQ(arch_aspace_unmap(&as, UVA + PAGE_SIZE), 0);
    KT_EQ(arch_aspace_unmap(&as, ARCH_USER_END), 0);
    KT_EQ(arch_aspace_unmap(&as, UVA), pa);
    KT_EQ(arch_aspace_unmap(&as, UVA), 0); /* already gone */
    released = 0;
    arch_aspace_fini(&as, count_release, NULL);
    KT_EQ(released, 0);
    KT_EQ(free_frame(pa), 0);
    KT_EQ(frame_stats().free, before);
}

/* What lookup reports is what the entry holds, after map and protect. */
static void aspace_permissions(void)
{
    struct arch_aspace as;
    uintptr_t pa = alloc_frame();
    unsigned prot = 0;

    KT_EQ(arch_aspace_init(&as), 0);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ | ARCH_PROT_EXEC), 0);
    KT_EQ(arch_aspace_lookup(&as, UVA + 123, &prot), pa);
    KT_EQ(prot, ARCH_PROT_READ | ARCH_PROT_EXEC);
    KT_EQ(arch_aspace_protect(&as, UVA, ARCH_PROT_READ | ARCH_PROT_WRITE), 0);
    KT_EQ(arch_aspace_lookup(&as, UVA, &prot), pa);
    KT_EQ(prot, arch_has_nx()
                    ? ARCH_PROT_READ | ARCH_PROT_WRITE
                    : ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC);
    KT_EQ(arch_aspace_protect(&as, UVA, ARCH_PROT_NONE), 0);
    KT_EQ(arch_aspace_lookup(&as, UVA, &prot), pa); /* kept, inaccessible */
    KT_EQ(prot, ARCH_PROT_NONE);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ), -EEXIST);
    KT_EQ(arch_aspace_lookup(&as, UVA + PAGE_SIZE, &prot), 0);
    KT_EQ(arch_aspace_lookup(&as, ARCH_USER_END, &prot), 0);
    released = 0;
    arch_aspace_fini(&as, count_release, NULL);
    KT_EQ(released, 1);
}

/*
 * Activated, the user page is reachable at its user address (ring 0 may
 * touch user pages: no SMAP yet) and the kernel half keeps working;
 * unmapped while active, the TLB forgets it; back on the kernel's tables
 * CR3 is the kernel's again.
 */
static void aspace_activate(void)
{
    struct arch_aspace as;
    uintptr_t pa = alloc_frame();
    volatile uint64_t *user = (volatile uint64_t *)UVA;
    uint64_t *phys = arch_phys_to_virt(pa);
    uintptr_t kernel_cr3 = read_cr3() & PTE_ADDR;

    KT_EQ(arch_aspace_init(&as), 0);
    KT_EQ(arch_aspace_map(&as, UVA, pa, ARCH_PROT_READ | ARCH_PROT_WRITE), 0);
    phys[0] = 0;
    arch_aspace_activate(&as);
    KT_EQ(read_cr3() & PTE_ADDR, as.root);
    user[0] = 0x5eedULL;
    KT_EQ(phys[0], 0x5eedULL); /* the same frame */
    KT_ASSERT(paging_range_allows(UVA, 8, true));
    KT_EQ(arch_aspace_unmap(&as, UVA), pa);
    KT_ASSERT(!paging_range_allows(UVA, 8, false));
    arch_aspace_activate(NULL);
    KT_EQ(read_cr3() & PTE_ADDR, kernel_cr3);
    arch_aspace_fini(&as, count_release, NULL);
    KT_EQ(free_frame(pa), 0);
}

/* Out of frames: map says -ENOMEM, nothing leaks, all works after. */
static void aspace_out_of_frames(void)
{
    size_t before = frame_stats().free;
    struct arch_aspace as;
    uintptr_t hoard = 0, pa, data;
    size_t n = 0;

    KT_EQ(arch_aspace_init(&as), 0);
    data = alloc_frame();
    while ((pa = alloc_frame()) != 0) { /* a list through the frames */
        *(uintptr_t *)arch_phys_to_virt(pa) = hoard;
        hoard = pa;
        n++;
    }
    KT_ASSERT(n > 1000);
    KT_EQ(arch_aspace_map(&as, UVA, data, ARCH_PROT_READ), -ENOMEM);
    KT_EQ(arch_aspace_lookup(&as, UVA, NULL), 0);
    while (hoard != 0) {
        pa = *(uintptr_t *)arch_phys_to_virt(hoard);
        KT_EQ(free_frame(hoard), 0);
        hoard = pa;
    }
    KT_EQ(arch_aspace_map(&as, UVA, data, ARCH_PROT_READ), 0);
    released = 0;
    arch_aspace_fini(&as, count_release, NULL);
    KT_EQ(released, 1);
    KT_EQ(frame_stats().free, before);
}

static const struct ktest_case aspace_cases[] = {
    {"frames_exact", aspace_frames_exact},
    {"bad_arguments", aspace_bad_arguments},
    {"permissions", aspace_permissions},
    {"activate", aspace_activate},
    {"out_of_frames", aspace_out_of_frames},
};
KTEST_SUITE(suite_aspace, "aspace", aspace_cases);
