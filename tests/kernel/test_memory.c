/*
 * Frames and heap on the real memory map, with the kernel's page tables on.
 */
#include "arch.h"
#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "ktest.h"
#include "layout.h"
#include "param.h"
#include "x86.h"

static bool in_image(uintptr_t pa)
{
    return pa >= KERNEL_PHYS && pa < (uintptr_t)_image_end - KERNEL_VMA;
}

static void frames_counted(void)
{
    struct frame_stats fs = frame_stats();

    KT_ASSERT(fs.total > (100UL << 20) / PAGE_SIZE); /* QEMU has 128 MiB */
    KT_ASSERT(fs.free <= fs.total);
    KT_ASSERT(fs.free > 0);
}

static void frame_alloc_free(void)
{
    struct frame_stats before = frame_stats();
    uintptr_t pa = alloc_frame();
    uint64_t *p;

    KT_ASSERT(pa != 0);
    KT_EQ(pa % PAGE_SIZE, 0);
    KT_ASSERT(pa >= 0x100000); /* the first MiB is reserved */
    KT_ASSERT(!in_image(pa));
    KT_EQ(frame_stats().free, before.free - 1);
    p = arch_phys_to_virt(pa);
    p[0] = 0x1122334455667788ULL; /* the frame is mapped and writable */
    p[511] = p[0];
    KT_EQ(p[511], 0x1122334455667788ULL);
    KT_EQ(free_frame(pa), 0);
    KT_EQ(frame_stats().free, before.free);
}

static void frame_bad_frees(void)
{
    struct frame_stats before = frame_stats();
    uintptr_t pa = alloc_frame();

    KT_ASSERT(pa != 0);
    KT_EQ(free_frame(pa), 0);
    KT_EQ(free_frame(pa), -EALREADY);                    /* double free */
    KT_EQ(free_frame(KERNEL_PHYS + PAGE_SIZE), -EINVAL); /* kernel image */
    KT_EQ(free_frame(0), -EINVAL);                       /* never managed */
    KT_EQ(free_frame(pa + 8), -EINVAL);                  /* unaligned */
    KT_EQ(frame_stats().free, before.free);
}

/* Take every frame, chaining them through their own first word, check they
 * are distinct and usable, then give them all back. */
static void frame_exhaust_and_return(void)
{
    struct frame_stats before = frame_stats();
    uintptr_t head = 0;
    size_t n = 0;

    for (uintptr_t pa; (pa = alloc_frame()) != 0; n++) {
        *(uintptr_t *)arch_phys_to_virt(pa) = head;
        head = pa;
    }
    KT_EQ(n, before.free);
    KT_EQ(frame_stats().free, 0);
    while (head != 0) {
        uintptr_t next = *(uintptr_t *)arch_phys_to_virt(head);

        KT_EQ(free_frame(head), 0);
        head = next;
    }
    KT_EQ(frame_stats().free, before.free);
}

static void frame_contiguous(void)
{
    struct frame_stats before = frame_stats();
    uintptr_t pa = alloc_frames(16);

    KT_ASSERT(pa != 0);
    KT_EQ(frame_stats().free, before.free - 16);
    memset(arch_phys_to_virt(pa), 0xAB, 16 * PAGE_SIZE);
    KT_EQ(free_frames(pa, 16), 0);
    KT_EQ(frame_stats().free, before.free);
}

static const struct ktest_case memory_cases[] = {
    {"frames_counted", frames_counted},
    {"frame_alloc_free", frame_alloc_free},
    {"frame_bad_frees", frame_bad_frees},
    {"frame_exhaust_and_return", frame_exhaust_and_return},
    {"frame_contiguous", frame_contiguous},
};
KTEST_SUITE(suite_memory, "memory", memory_cases);

static void heap_alloc_free(void)
{
    struct heap_stats before = heap_stats();
    char *p = kmalloc(100);

    KT_ASSERT(p != NULL);
    KT_EQ((uintptr_t)p % 16, 0);
    memset(p, 'x', 100);
    KT_EQ(heap_stats().live_allocs, before.live_allocs + 1);
    kfree(p);
    KT_EQ(heap_stats().live_allocs, before.live_allocs);
    KT_EQ(heap_stats().bytes_in_use, before.bytes_in_use);
}

static void heap_alignment(void)
{
    for (size_t align = 16; align <= PAGE_SIZE; align *= 2) {
        void *p = kmalloc_aligned(align + 3, align);

        KT_ASSERT(p != NULL);
        KT_EQ((uintptr_t)p % align, 0);
        kfree(p);
    }
    KT_EQ(heap_check(), 0);
}

static void heap_calloc_realloc(void)
{
    unsigned char *p = kcalloc(64, 16);
    unsigned char *q;

    KT_ASSERT(p != NULL);
    for (int i = 0; i < 1024; i++) {
        KT_EQ(p[i], 0);
        p[i] = (unsigned char)i;
    }
    q = krealloc(p, 100000);
    KT_ASSERT(q != NULL);
    for (int i = 0; i < 1024; i++) {
        KT_EQ(q[i], (unsigned char)i);
    }
    kfree(q);
    KT_ASSERT(kcalloc((size_t)-1, 16) == NULL); /* overflow refused */
}

/* Many sizes at once, freed in another order: counters and frames return. */
static void heap_baseline(void)
{
    struct heap_stats hb = heap_stats();
    void *ptrs[200];

    for (int i = 0; i < 200; i++) {
        ptrs[i] = kmalloc((size_t)(i * 37 % 3000) + 1);
        KT_ASSERT(ptrs[i] != NULL);
    }
    for (int i = 0; i < 200; i += 2) {
        kfree(ptrs[i]);
    }
    for (int i = 1; i < 200; i += 2) {
        kfree(ptrs[i]);
    }
    KT_EQ(heap_check(), 0);
    KT_EQ(heap_stats().bytes_in_use, hb.bytes_in_use);
    KT_EQ(heap_stats().live_allocs, hb.live_allocs);
}

static void heap_big_allocation(void)
{
    struct frame_stats fb = frame_stats();
    size_t size = 1 << 20;
    char *p = kmalloc(size);

    KT_ASSERT(p != NULL);
    memset(p, 0x5A, size);
    KT_EQ(p[size - 1], 0x5A);
    KT_ASSERT(frame_stats().free < fb.free);
    kfree(p);
    KT_EQ(heap_check(), 0);
}

static void heap_bad_free(void)
{
    struct heap_stats before = heap_stats();
    char *p = kmalloc(32);
    static char not_heap[64];

    KT_ASSERT(p != NULL);
    kfree(p);
    kfree(p);        /* double free */
    kfree(not_heap); /* never from kmalloc */
    KT_EQ(heap_stats().bad_frees, before.bad_frees + 2);
    KT_EQ(heap_check(), 0);
    KT_ASSERT(ktest_log_contains("already free (double free)", 2048));
    KT_ASSERT(ktest_log_contains("not in any heap pool", 2048));
}

static void heap_oom_returns_null(void)
{
    struct heap_stats before = heap_stats();
    void *p = kmalloc((size_t)1 << 40); /* far more than the machine has */

    KT_ASSERT(p == NULL);
    KT_EQ(heap_stats().live_allocs, before.live_allocs);
    p = kmalloc(64); /* and the heap still works */
    KT_ASSERT(p != NULL);
    kfree(p);
}

/*
 * A burst over many pools, freed in a scrambled order, then heap_trim:
 * bytes, allocations, pools and free frames are exactly what they were.
 */
static void heap_burst_back_to_baseline(void)
{
    static void *ptrs[1200];
    struct heap_stats hb;
    struct frame_stats fb;

    heap_trim();
    hb = heap_stats();
    fb = frame_stats();
    for (int i = 0; i < 1200; i++) {
        ptrs[i] = kmalloc((size_t)(i * 37 % 1500) + 500);
        KT_ASSERT(ptrs[i] != NULL);
    }
    KT_ASSERT(heap_stats().pools > hb.pools + 10);
    for (int i = 0; i < 1200; i++) {
        kfree(ptrs[i * 7 % 1200]); /* 7 and 1200 are coprime */
    }
    KT_ASSERT(heap_stats().pools <= hb.pools + 1);
    heap_trim();
    KT_EQ(heap_check(), 0);
    KT_EQ(heap_stats().bytes_in_use, hb.bytes_in_use);
    KT_EQ(heap_stats().live_allocs, hb.live_allocs);
    KT_EQ(heap_stats().pools, hb.pools);
    KT_EQ(frame_stats().free, fb.free);
}

/* A heap block's frame reached through the image alias is not the heap's. */
static void heap_other_alias_is_foreign(void)
{
    struct heap_stats before = heap_stats();
    char *p = kmalloc(64);
    void *alias;

    KT_ASSERT(p != NULL);
    alias = (void *)(KERNEL_VMA + arch_virt_to_phys(p));
    kfree(alias); /* never read: it is not mapped */
    KT_EQ(heap_stats().bad_frees, before.bad_frees + 1);
    KT_ASSERT(ktest_log_contains("not in any heap pool", 2048));
    kfree(p);
    KT_EQ(heap_stats().live_allocs, before.live_allocs);
    KT_EQ(heap_check(), 0);
}

static const struct ktest_case heap_cases[] = {
    {"alloc_free", heap_alloc_free},
    {"alignment", heap_alignment},
    {"calloc_realloc", heap_calloc_realloc},
    {"baseline", heap_baseline},
    {"burst_back_to_baseline", heap_burst_back_to_baseline},
    {"other_alias_is_foreign", heap_other_alias_is_foreign},
    {"big_allocation", heap_big_allocation},
    {"bad_free", heap_bad_free},
    {"oom_returns_null", heap_oom_returns_null},
};
KTEST_SUITE(suite_heap, "heap", heap_cases);
