/*
 * Kernel stacks and their guard pages (arch/x86_64/kstack.c): the page
 * below every stack is unmapped in every address space and names the
 * stack's owner; two stacks never touch; a write below the bottom faults
 * at once; frames and page tables come back exactly; bad arguments and
 * running out of frames harm nothing.  The overflow itself ends the
 * machine, so the crash=stack run tests it (tests/kernel/run.sh).
 */
#include "arch.h"
#include "frame.h"
#include "heap.h"
#include "kproc.h"
#include "ktest.h"
#include "layout.h"
#include "param.h"
#include "proc.h"
#include "x86.h"

void fault_write(uintptr_t addr);
extern char fault_write_ip[], fault_write_resume[];

#define GUARD_BYTES (KSTACK_SLOT - PROC_STACK_SIZE)

/* True when no byte of [lo, hi) is mapped, page by page. */
static bool unmapped(uintptr_t lo, uintptr_t hi)
{
    for (uintptr_t va = lo; va < hi; va += PAGE_SIZE) {
        if (paging_range_allows(va, 1, false)) {
            return false;
        }
    }
    return true;
}

/* The stack of p is mapped and writable, every page of its guard is
 * not, and the guard names p. */
static bool guarded(const struct process *p)
{
    uintptr_t s = (uintptr_t)p->stack;

    return paging_range_allows(s, PROC_STACK_SIZE, true) &&
           unmapped(s - GUARD_BYTES, s) && kstack_guard_owner(s - 1) == p &&
           kstack_guard_owner(s - GUARD_BYTES) == p &&
           kstack_guard_owner(s) == NULL &&
           kstack_guard_owner(s + PROC_STACK_SIZE - 1) == NULL;
}

/* Our own stack: in the stack area, guarded, refused to system calls and
 * backtraces below its bottom, accepted inside it. */
static void own_stack_guarded(void)
{
    struct process *me = proc_current();
    uintptr_t s = (uintptr_t)me->stack;

    KT_ASSERT(s >= KSTACK_BASE && s + PROC_STACK_SIZE <= KSTACK_END);
    KT_EQ((s + PROC_STACK_SIZE) % KSTACK_SLOT, 0);
    KT_ASSERT(guarded(me));
    KT_ASSERT(arch_access_ok((void *)s, 64, true));
    KT_ASSERT(!arch_access_ok((void *)(s - 8), 8, false));
    KT_ASSERT(!arch_access_ok((void *)(s - 8), 16, true)); /* straddles */
    KT_ASSERT(arch_kernel_mapped(s, 16));
    KT_ASSERT(!arch_kernel_mapped(s - 16, 16));
}

/* The guard is the same in a user address space: the stack area's tables
 * are shared below the top level. */
static void guard_in_user_address_space(void)
{
    struct arch_aspace as;
    bool ok;

    KT_EQ(arch_aspace_init(&as), 0);
    arch_aspace_activate(&as);
    ok = guarded(proc_current());
    arch_aspace_activate(NULL);
    arch_aspace_fini(&as, NULL, NULL);
    KT_ASSERT(ok);
}

static struct gate gate = GATE_INIT("kstack gate");

static int wait_at_gate(void *arg)
{
    (void)arg;
    gate_pass(&gate);
    return 0;
}

/* Two live processes' stacks: each guarded and named, and between the top
 * of the lower one and the bottom of the upper one a whole guard lies. */
static void neighbours_apart(void)
{
    pid_t a, b;
    struct process *pa, *pb, *lo, *hi;
    int code;

    gate = (struct gate)GATE_INIT("kstack gate");
    a = spawn_kernel_process("kstack-a", wait_at_gate, NULL);
    b = spawn_kernel_process("kstack-b", wait_at_gate, NULL);
    KT_ASSERT(a > 0 && b > 0);
    KT_ASSERT(wait_state(b, PROCESS_BLOCKED, 100));
    spin_lock(&sched_lock);
    pa = proc_lookup_locked(a);
    pb = proc_lookup_locked(b);
    spin_unlock(&sched_lock);
    KT_ASSERT(pa != NULL && pb != NULL);
    lo = pa->stack < pb->stack ? pa : pb;
    hi = lo == pa ? pb : pa;
    KT_ASSERT(guarded(pa) && guarded(pb));
    KT_ASSERT((uintptr_t)hi->stack - (uintptr_t)(lo->stack + PROC_STACK_SIZE) >=
              GUARD_BYTES);
    KT_ASSERT(
        unmapped((uintptr_t)hi->stack - GUARD_BYTES, (uintptr_t)hi->stack));
    gate_open(&gate);
    KT_EQ(wait_for_child(a, &code), a);
    KT_EQ(wait_for_child(b, &code), b);
}

/* A write just below the bottom of our stack faults at once, on that
 * address, and the address names us: what the overflow report reads. */
static void write_below_bottom_faults(void)
{
    struct trap_record rec;
    uintptr_t below = (uintptr_t)proc_current()->stack - 8;

    trap_expect(14, (uintptr_t)fault_write_resume, &rec);
    fault_write(below);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.rip, (uintptr_t)fault_write_ip);
    KT_EQ(rec.cr2, below);
    KT_EQ(rec.error & 1, 0); /* not present */
    KT_ASSERT(kstack_guard_owner(rec.cr2) == proc_current());
}

/* One stack costs its pages, plus a page table for the first slot of 64;
 * freeing gives both back, and the freed pages are unmapped. */
static void frames_exact(void)
{
    static char owner_a[16] __attribute__((aligned(16)));
    size_t before = frame_stats().free, tables = kstack_table_frames();
    static void *s[65];

    for (int i = 0; i < 65; i++) {
        s[i] = arch_kstack_alloc(PROC_STACK_SIZE, owner_a);
        KT_ASSERT(s[i] != NULL);
    }
    KT_ASSERT(kstack_table_frames() > tables); /* 65 slots need a new one */
    KT_EQ(frame_stats().free, before - 65 * (PROC_STACK_SIZE / PAGE_SIZE) -
                                  (kstack_table_frames() - tables));
    KT_ASSERT(kstack_guard_owner((uintptr_t)s[64] - 1) == owner_a);
    for (int i = 0; i < 65; i++) {
        arch_kstack_free(s[i], PROC_STACK_SIZE);
    }
    KT_EQ(kstack_table_frames(), tables);
    KT_EQ(frame_stats().free, before);
    KT_ASSERT(!paging_range_allows((uintptr_t)s[0], 1, false));
    KT_ASSERT(kstack_guard_owner((uintptr_t)s[0] - 1) == NULL);
}

static void bad_arguments(void)
{
    static char owner[16] __attribute__((aligned(16)));
    size_t before = frame_stats().free;
    void *s;

    KT_ASSERT(arch_kstack_alloc(0, owner) == NULL);
    KT_ASSERT(arch_kstack_alloc(PROC_STACK_SIZE + 1, owner) == NULL);
    KT_ASSERT(arch_kstack_alloc(ARCH_KSTACK_MAX + PAGE_SIZE, owner) == NULL);
    KT_ASSERT(arch_kstack_alloc(PROC_STACK_SIZE, owner + 1) == NULL);
    KT_EQ(frame_stats().free, before);
    s = arch_kstack_alloc(PROC_STACK_SIZE, owner);
    KT_ASSERT(s != NULL);
    arch_kstack_free(s, PROC_STACK_SIZE);
    arch_kstack_free(s, PROC_STACK_SIZE); /* double free: refused */
    KT_ASSERT(ktest_log_contains("already free", 128));
    arch_kstack_free(owner, PROC_STACK_SIZE); /* not a stack */
    KT_ASSERT(ktest_log_contains("not a stack", 128));
    KT_EQ(frame_stats().free, before);
}

/* With two frames left a stack cannot be had: NULL, and the two frames it
 * took are back. */
static void out_of_frames(void)
{
    static char owner[16] __attribute__((aligned(16)));
    uintptr_t hoard = 0, pa;
    size_t before = frame_stats().free;

    while ((pa = alloc_frame()) != 0) { /* a list through the frames */
        *(uintptr_t *)arch_phys_to_virt(pa) = hoard;
        hoard = pa;
    }
    for (int i = 0; i < 2; i++) {
        pa = *(uintptr_t *)arch_phys_to_virt(hoard);
        KT_EQ(free_frame(hoard), 0);
        hoard = pa;
    }
    KT_ASSERT(arch_kstack_alloc(PROC_STACK_SIZE, owner) == NULL);
    KT_EQ(frame_stats().free, 2);
    while (hoard != 0) {
        pa = *(uintptr_t *)arch_phys_to_virt(hoard);
        KT_EQ(free_frame(hoard), 0);
        hoard = pa;
    }
    KT_EQ(frame_stats().free, before);
}

static int child_exit(void *arg)
{
    return (int)(intptr_t)arg;
}

/* 1,000 processes one after another, each on a fresh stack (the record
 * cache emptied after every reap): frames, page tables and heap exactly as
 * before. */
static void fresh_stacks_back_to_baseline(void)
{
    struct heap_stats h0;
    size_t f0, t0;
    int ok = 0, code;

    proc_cache_trim();
    heap_trim();
    h0 = heap_stats();
    f0 = frame_stats().free;
    t0 = kstack_table_frames();
    for (int i = 0; i < 1000; i++) {
        pid_t pid = spawn_kernel_process("fresh", child_exit,
                                         (void *)(intptr_t)(i & 0x7f));

        ok +=
            pid > 1 && wait_for_child(pid, &code) == pid && code == (i & 0x7f);
        proc_cache_trim();
    }
    heap_trim();
    KT_EQ(ok, 1000);
    KT_EQ(kstack_table_frames(), t0);
    KT_EQ(frame_stats().free, f0);
    KT_EQ(heap_stats().bytes_in_use, h0.bytes_in_use);
    KT_EQ(heap_stats().live_allocs, h0.live_allocs);
}

static const struct ktest_case kstack_cases[] = {
    {"own_stack_guarded", own_stack_guarded},
    {"guard_in_user_address_space", guard_in_user_address_space},
    {"neighbours_apart", neighbours_apart},
    {"write_below_bottom_faults", write_below_bottom_faults},
    {"frames_exact", frames_exact},
    {"bad_arguments", bad_arguments},
    {"out_of_frames", out_of_frames},
    {"fresh_stacks_back_to_baseline", fresh_stacks_back_to_baseline},
};
KTEST_SUITE(suite_kstack, "kstack", kstack_cases);
