/*
 * The frame allocator against a reference model of the memory map.
 *
 * Each test gets 16 MiB of "physical memory" from aligned_alloc (on the host
 * arch_phys_to_virt is the identity) and describes maps relative to it.  The
 * model says which frames a map makes manageable: whole frames inside some
 * usable entry, touching no reserved entry, not frame 0, below
 * FRAME_PHYS_LIMIT.  Every frame handed out must be one of those, distinct,
 * and writable without corrupting the allocator; the few model frames never
 * handed out are the allocator's own bitmap, which must refuse a free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "klog.h"
#include "frame.h"
#include "kerrno.h"
#include "param.h"

#define MEM_SIZE   (16UL << 20)
#define MEM_FRAMES (MEM_SIZE / PAGE_SIZE)
#define KiB        1024UL
#define MiB        (1024UL * 1024)
#define MAX_OUT    16 /* managed frames outside the buffer a case may have */

static uint8_t *mem;   /* the test's physical memory */
static uintptr_t base; /* its address */

/* One entry of a case's map: offset into mem, or an absolute address. */
struct entry {
    uint64_t at;
    uint64_t len;
    enum mem_type type;
    bool abs;
};

/* clang-format off */
#define U(o, l)  {(o), (l), MEM_USABLE, false}
#define R(o, l)  {(o), (l), MEM_RESERVED, false}
#define UA(a, l) {(a), (l), MEM_USABLE, true}
#define NONE     {U(0, 0)} /* no entries: map_load skips all-zero ones */
#define MAXE     8         /* entries per list in a case */
/* clang-format on */

struct map_case {
    const char *name;
    struct entry ranges[MAXE];
    struct entry reserved[MAXE];
    int err;        /* what frame_init must return */
    size_t outside; /* model frames outside mem (handed out, never touched) */
};

/* The map being tested, as frame_init sees it. */
static struct mem_range ranges[512], reserved[512];
static size_t nranges, nreserved;

static struct mem_range to_range(const struct entry *e)
{
    struct mem_range r = {e->abs ? e->at : base + e->at, e->len, e->type};

    return r;
}

static void map_load(const struct map_case *c)
{
    nranges = nreserved = 0;
    for (size_t i = 0; i < MAXE; i++) {
        if (c->ranges[i].len != 0 || c->ranges[i].at != 0) {
            ranges[nranges++] = to_range(&c->ranges[i]);
        }
        if (c->reserved[i].len != 0 || c->reserved[i].at != 0) {
            reserved[nreserved++] = to_range(&c->reserved[i]);
        }
    }
}

/* [r.base, r.base + r.length), the end clamped at UINT64_MAX. */
static uint64_t range_end(const struct mem_range *r)
{
    return r->length > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->length;
}

/* The reference model: may the allocator manage the frame at pa? */
static bool model_managed(uint64_t pa)
{
    bool usable = false;

    if (pa == 0 || pa + PAGE_SIZE > FRAME_PHYS_LIMIT) {
        return false;
    }
    for (size_t i = 0; i < nranges + nreserved; i++) {
        const struct mem_range *r =
            i < nranges ? &ranges[i] : &reserved[i - nranges];
        bool res = i >= nranges || r->type != MEM_USABLE;

        if (r->length == 0) {
            continue;
        }
        if (res && r->base < pa + PAGE_SIZE && range_end(r) > pa) {
            return false;
        }
        if (!res && r->base <= pa && range_end(r) >= pa + PAGE_SIZE) {
            usable = true;
        }
    }
    return usable;
}

static bool in_mem(uintptr_t pa)
{
    return pa >= base && pa - base < MEM_SIZE;
}

static size_t model_count_in_mem(void)
{
    size_t n = 0;

    for (size_t f = 0; f < MEM_FRAMES; f++) {
        n += model_managed(base + f * PAGE_SIZE);
    }
    return n;
}

static bool klog_has(const char *needle)
{
    static char buf[KLOG_SIZE];

    klog_tail(buf, sizeof(buf));
    return strstr(buf, needle) != NULL;
}

static bool klog_has_addr(uintptr_t pa)
{
    char s[32];

    snprintf(s, sizeof(s), "0x%lx", (unsigned long)pa);
    return klog_has(s);
}

static void init_ok(const struct map_case *c)
{
    map_load(c);
    assert_int_equal(frame_init(ranges, nranges, reserved, nreserved), 0);
}

static int mem_setup(void **state)
{
    (void)state;
    mem = aligned_alloc(PAGE_SIZE, MEM_SIZE);
    if (mem == NULL) {
        return -1;
    }
    base = (uintptr_t)mem;
    return 0;
}

static int mem_teardown(void **state)
{
    (void)state;
    free(mem);
    return 0;
}

/* ---- Odd maps ------------------------------------------------------------ */

/* Every frame the allocator handed out, so the case can give them back. */
struct handed {
    bool in[MEM_FRAMES];    /* frames of mem handed out */
    uintptr_t out[MAX_OUT]; /* frames outside mem handed out */
    size_t nout;
};

static void handed_add(struct handed *h, uintptr_t pa)
{
    assert_true(pa != 0 && pa % PAGE_SIZE == 0);
    assert_true(model_managed(pa));
    if (in_mem(pa)) {
        size_t f = (pa - base) / PAGE_SIZE;

        assert_false(h->in[f]);
        h->in[f] = true;
        memset(mem + f * PAGE_SIZE, 0xa5, PAGE_SIZE);
        return;
    }
    for (size_t i = 0; i < h->nout; i++) {
        assert_true(h->out[i] != pa);
    }
    assert_true(h->nout < MAX_OUT);
    h->out[h->nout++] = pa;
}

static void handed_free_all(struct handed *h)
{
    for (size_t f = 0; f < MEM_FRAMES; f++) {
        if (h->in[f]) {
            assert_int_equal(free_frame(base + f * PAGE_SIZE), 0);
            h->in[f] = false;
        }
    }
    for (size_t i = 0; i < h->nout; i++) {
        assert_int_equal(free_frame(h->out[i]), 0);
    }
    h->nout = 0;
}

/* Managed model frames of mem never handed out: the allocator's bitmap. */
static size_t check_metadata_refused(const struct handed *h)
{
    size_t meta = 0;

    for (size_t f = 0; f < MEM_FRAMES; f++) {
        uintptr_t pa = base + f * PAGE_SIZE;

        if (model_managed(pa) && !h->in[f]) {
            assert_int_equal(free_frame(pa), -EINVAL);
            meta++;
        }
    }
    return meta;
}

static void check_map(const struct map_case *c)
{
    static struct handed h;
    struct frame_stats s;
    size_t model, meta, runs = 0;
    uintptr_t r;

    memset(&h, 0, sizeof(h));
    map_load(c);
    assert_int_equal(frame_init(ranges, nranges, reserved, nreserved), c->err);
    s = frame_stats();
    if (c->err != 0) {
        assert_int_equal(s.total, 0);
        assert_int_equal(alloc_frame(), 0);
        assert_int_equal(free_frame(base), -EINVAL);
        return;
    }
    model = model_count_in_mem() + c->outside;
    assert_int_equal(s.free, s.total);
    assert_true(s.total < model); /* the bitmap took at least a frame */
    assert_true(s.total + 1 + (model / 64 + 2 * MAXE) * 8 / PAGE_SIZE >= model);

    for (size_t i = 0; i < s.total; i++) {
        handed_add(&h, alloc_frame());
    }
    assert_int_equal(alloc_frame(), 0);
    assert_int_equal(frame_stats().free, 0);
    meta = check_metadata_refused(&h);
    assert_int_equal(h.nout, c->outside);
    assert_int_equal(meta, model - s.total);
    handed_free_all(&h);
    assert_int_equal(frame_stats().free, s.total);

    /* Runs of 5 frames: each frame managed, none shared, none lost. */
    while ((r = alloc_frames(5)) != 0) {
        for (size_t k = 0; k < 5; k++) {
            handed_add(&h, r + k * PAGE_SIZE);
        }
        runs++;
    }
    assert_true(runs * 5 <= s.total && runs > 0);
    assert_int_equal(frame_stats().free, s.total - runs * 5);
    handed_free_all(&h);
    assert_int_equal(frame_stats().free, s.total);
    assert_int_equal(frame_stats().total, s.total);
}

/* clang-format off */
static const struct map_case map_cases[] = {
    {"whole_buffer",
     {U(0, MEM_SIZE)},
     NONE, 0, 0},
    {"unaligned_edges",
     {U(100, 1 * MiB + 5), U(2 * MiB + 4095, 8 * MiB + 1)},
     NONE, 0, 0},
    {"zero_length_entries",
     {U(0, 0), U(64 * KiB, 0), U(0, 4 * MiB), U(5 * MiB, 0)},
     {R(1 * MiB, 0), R(0, 0)}, 0, 0},
    {"overlapping_usable",
     {U(0, 8 * MiB), U(4 * MiB, 8 * MiB), U(2 * MiB, MiB)},
     NONE, 0, 0},
    {"adjacent_usable",
     {U(0, 4 * MiB), U(4 * MiB, 4 * MiB)},
     NONE, 0, 0},
    {"reserved_inside_usable",
     {U(0, MEM_SIZE)},
     {R(1 * MiB + 1, 1 * MiB - 2), R(8 * MiB, 4096), R(15 * MiB, 2 * MiB)},
     0, 0},
    {"reserved_unaligned_touches_two_frames",
     {U(0, 4 * MiB)},
     {R(64 * KiB + 4095, 2)}, 0, 0},
    {"firmware_reserved_wins_in_any_order",
     {R(2 * MiB, MiB), U(0, MEM_SIZE), R(10 * MiB + 100, 1)},
     NONE, 0, 0},
    {"usable_inside_reserved",
     {R(0, 8 * MiB), U(1 * MiB, 2 * MiB), U(8 * MiB, 8 * MiB)},
     NONE, 0, 0},
    {"kernel_like",
     {U(0, 640 * KiB), R(640 * KiB, 384 * KiB), U(1 * MiB, 15 * MiB)},
     {R(1 * MiB, 300 * KiB + 17), R(2 * MiB + 5, 40 * KiB)}, 0, 0},
    {"frame_zero_never_managed",
     {UA(0, 2 * PAGE_SIZE), U(0, MEM_SIZE)},
     NONE, 0, 1},
    {"ranges_beyond_limit",
     {U(0, MEM_SIZE), UA(FRAME_PHYS_LIMIT, 1UL << 30),
      UA(UINT64_MAX - 8191, 1 * MiB),
      UA(FRAME_PHYS_LIMIT - 2 * PAGE_SIZE, 4 * PAGE_SIZE)},
     NONE, 0, 2},
    {"all_reserved",
     {U(0, 1 * MiB)},
     {R(0, 1 * MiB)}, -ENOMEM, 0},
    {"no_usable_entry",
     {R(0, MEM_SIZE)},
     NONE, -ENOMEM, 0},
    {"only_partial_frames",
     {U(100, 4000), U(8192 + 1, 4094)},
     NONE, -ENOMEM, 0},
    {"empty_map",
     NONE,
     NONE, -ENOMEM, 0},
};
/* clang-format on */

static void test_map_case(void **state)
{
    check_map(*state);
}

/* ---- Counters, exhaustion, re-init --------------------------------------- */

static const struct map_case whole = {"whole", {U(0, MEM_SIZE)}, NONE, 0, 0};
static const struct map_case small = {"small", {U(0, MiB)}, NONE, 0, 0};

static void test_counters_follow_alloc_and_free(void **state)
{
    uintptr_t pa[10];
    struct frame_stats s0, s;

    (void)state;
    init_ok(&whole);
    s0 = frame_stats();
    assert_int_equal(s0.free, s0.total);
    for (size_t i = 0; i < 10; i++) {
        pa[i] = alloc_frame();
        assert_true(pa[i] != 0);
        s = frame_stats();
        assert_int_equal(s.free, s0.free - i - 1);
        assert_int_equal(s.total, s0.total);
    }
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(free_frame(pa[i]), 0);
    }
    s = frame_stats();
    assert_int_equal(s.free, s0.free);
    assert_int_equal(s.total, s0.total);
}

static void test_exhaustion_returns_zero_then_recovers(void **state)
{
    static uintptr_t got[MEM_FRAMES];
    struct frame_stats s0 = {0};
    size_t n;

    (void)state;
    init_ok(&small);
    s0 = frame_stats();
    for (int round = 0; round < 2; round++) {
        for (n = 0; (got[n] = alloc_frame()) != 0; n++) {
            assert_true(n < s0.total);
        }
        assert_int_equal(n, s0.total);
        assert_int_equal(frame_stats().free, 0);
        assert_int_equal(alloc_frame(), 0);
        assert_int_equal(alloc_frames(1), 0);
        assert_int_equal(alloc_frames(2), 0);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(free_frame(got[i]), 0);
        }
        assert_int_equal(frame_stats().free, s0.total);
    }
}

static void test_reinit_replaces_the_map(void **state)
{
    uintptr_t pa;

    (void)state;
    init_ok(&whole);
    assert_true(alloc_frame() != 0);
    assert_true(alloc_frames(7) != 0);
    init_ok(&small);
    assert_int_equal(frame_stats().free, frame_stats().total);
    assert_true(frame_stats().total < MiB / PAGE_SIZE);
    while ((pa = alloc_frame()) != 0) {
        assert_true(pa >= base && pa < base + MiB);
    }
    assert_int_equal(free_frame(base + 2 * MiB), -EINVAL);
}

static void test_zone_table_overflow_drops_memory(void **state)
{
    struct handed *h = calloc(1, sizeof(*h));
    struct frame_stats s;
    uintptr_t pa;

    (void)state;
    /* One-frame zones, then one big one: the smallest runs are dropped. */
    nranges = nreserved = 0;
    ranges[nranges++] = (struct mem_range){base, MEM_SIZE, MEM_USABLE};
    for (size_t f = 1; f < 2 * FRAME_MAX_ZONES + 40; f += 2) {
        reserved[nreserved++] =
            (struct mem_range){base + f * PAGE_SIZE, PAGE_SIZE, MEM_RESERVED};
    }
    assert_int_equal(frame_init(ranges, nranges, reserved, nreserved), 0);
    assert_true(klog_has("zone table full"));
    s = frame_stats();
    assert_true(s.total < model_count_in_mem());
    assert_true(s.total >= MEM_FRAMES - 2 * FRAME_MAX_ZONES - 40);
    while ((pa = alloc_frame()) != 0) {
        handed_add(h, pa);
    }
    handed_free_all(h);
    assert_int_equal(frame_stats().free, s.total);
    free(h);
}

/* ---- Refused frees ------------------------------------------------------- */

/*
 * Fixture for the refusal cases: mem[0, 4 MiB) usable with 64 KiB reserved
 * at 1 MiB; `held` is allocated, `run` is 4 allocated frames.
 */
static uintptr_t held, run;
static const struct map_case refusal_map = {
    "refusal", {U(0, 4 * MiB)}, {R(1 * MiB, 64 * KiB)}, 0, 0};

struct refusal_case {
    const char *name;
    uintptr_t (*target)(void); /* address to free (may change state) */
    size_t n;                  /* frames to free */
    int err;                   /* expected result */
};

static uintptr_t t_double_free(void)
{
    assert_int_equal(free_frame(held), 0);
    return held;
}
static uintptr_t t_never_handed_out(void)
{
    return base + 4 * MiB - PAGE_SIZE; /* the allocator starts low */
}
static uintptr_t t_unaligned(void)
{
    return held + 1;
}
static uintptr_t t_half_frame(void)
{
    return held + PAGE_SIZE / 2;
}
static uintptr_t t_reserved(void)
{
    return base + 1 * MiB + PAGE_SIZE;
}
static uintptr_t t_outside_map(void)
{
    return base + 8 * MiB;
}
static uintptr_t t_frame_zero(void)
{
    return 0;
}
static uintptr_t t_above_limit(void)
{
    return (uintptr_t)FRAME_PHYS_LIMIT;
}
static uintptr_t t_top_of_memory(void)
{
    return UINTPTR_MAX & ~(uintptr_t)(PAGE_SIZE - 1);
}
static uintptr_t t_held(void)
{
    return held;
}
static uintptr_t t_run_partly_free(void)
{
    assert_int_equal(free_frame(run + 2 * PAGE_SIZE), 0);
    return run;
}
static uintptr_t t_run_past_zone(void)
{
    return run;
}

/* clang-format off */
static const struct refusal_case refusal_cases[] = {
    {"double_free", t_double_free, 1, -EALREADY},
    {"free_never_handed_out", t_never_handed_out, 1, -EALREADY},
    {"unaligned_by_one", t_unaligned, 1, -EINVAL},
    {"unaligned_half_frame", t_half_frame, 1, -EINVAL},
    {"reserved_frame", t_reserved, 1, -EINVAL},
    {"outside_the_map", t_outside_map, 1, -EINVAL},
    {"frame_zero", t_frame_zero, 1, -EINVAL},
    {"above_phys_limit", t_above_limit, 1, -EINVAL},
    {"top_of_address_space", t_top_of_memory, 1, -EINVAL},
    {"run_of_zero_frames", t_held, 0, -EINVAL},
    {"run_partly_free", t_run_partly_free, 4, -EALREADY},
    {"run_past_zone_end", t_run_past_zone, 4 * MiB / PAGE_SIZE, -EINVAL},
};
/* clang-format on */

static void test_refusal_case(void **state)
{
    const struct refusal_case *c = *state;
    struct frame_stats before, after;
    uintptr_t pa;

    init_ok(&refusal_map);
    held = alloc_frame();
    run = alloc_frames(4);
    assert_true(held != 0 && run != 0);
    pa = c->target();
    before = frame_stats();
    assert_int_equal(free_frames(pa, c->n), c->err);
    after = frame_stats();
    assert_int_equal(after.free, before.free);
    assert_int_equal(after.total, before.total);
    assert_true(klog_has_addr(pa));
    assert_true(klog_has("frame: refused free"));
    /* Nothing changed: what was held is still held, exactly once. */
    if (c->target != t_double_free) {
        assert_int_equal(free_frame(held), 0);
    }
    assert_int_equal(free_frame(held), -EALREADY);
    for (size_t k = 0; k < 4; k++) {
        if (c->target != t_run_partly_free || k != 2) {
            assert_int_equal(free_frame(run + k * PAGE_SIZE), 0);
        }
    }
    assert_int_equal(frame_stats().free, frame_stats().total);
}

/* ---- Contiguous runs ----------------------------------------------------- */

static void test_run_is_contiguous_and_counted(void **state)
{
    struct frame_stats s0;
    uintptr_t r, pa;

    (void)state;
    init_ok(&whole);
    s0 = frame_stats();
    r = alloc_frames(16);
    assert_true(r != 0 && r % PAGE_SIZE == 0 && in_mem(r));
    assert_true(in_mem(r + 16 * PAGE_SIZE - 1));
    assert_int_equal(frame_stats().free, s0.free - 16);
    memset((void *)r, 0x5a, 16 * PAGE_SIZE);
    for (int i = 0; i < 100; i++) {
        pa = alloc_frame();
        assert_true(pa < r || pa >= r + 16 * PAGE_SIZE);
    }
    assert_int_equal(free_frames(r, 16), 0);
    assert_int_equal(free_frames(r, 16), -EALREADY);
    assert_int_equal(frame_stats().free, s0.free - 100);
}

static void test_run_of_zero_frames_is_refused(void **state)
{
    (void)state;
    init_ok(&whole);
    assert_int_equal(alloc_frames(0), 0);
    assert_int_equal(frame_stats().free, frame_stats().total);
}

static void test_run_of_everything(void **state)
{
    struct frame_stats s0;
    uintptr_t r;

    (void)state;
    init_ok(&small); /* one zone: the bitmap is cut from its start */
    s0 = frame_stats();
    assert_int_equal(alloc_frames(s0.total + 1), 0);
    r = alloc_frames(s0.total);
    assert_true(r != 0);
    assert_int_equal(frame_stats().free, 0);
    assert_int_equal(alloc_frame(), 0);
    assert_int_equal(free_frames(r, s0.total), 0);
    assert_int_equal(frame_stats().free, s0.total);
}

static void test_run_needs_contiguous_free_frames(void **state)
{
    static uintptr_t got[MEM_FRAMES];
    size_t n = 0;
    uintptr_t pair;

    (void)state;
    init_ok(&small);
    while ((got[n] = alloc_frame()) != 0) {
        n++;
    }
    /* Free every other frame (by address): half the memory, no pair. */
    for (size_t i = 0; i < n; i++) {
        if (((got[i] - base) / PAGE_SIZE) % 2 == 0) {
            assert_int_equal(free_frame(got[i]), 0);
        }
    }
    assert_true(frame_stats().free >= n / 2 - 1);
    assert_int_equal(alloc_frames(2), 0);
    /* Free one neighbour: exactly that pair becomes available. */
    pair = base + 10 * PAGE_SIZE;
    assert_int_equal(free_frame(pair + PAGE_SIZE), 0);
    assert_int_equal(alloc_frames(2), pair);
    assert_int_equal(alloc_frames(2), 0);
}

int main(void)
{
    enum { NMAP = sizeof(map_cases) / sizeof(map_cases[0]) };
    enum { NREF = sizeof(refusal_cases) / sizeof(refusal_cases[0]) };
    struct CMUnitTest tests[NMAP + NREF + 9];
    size_t n = 0;

    for (size_t i = 0; i < NMAP; i++) {
        tests[n++] =
            (struct CMUnitTest){map_cases[i].name, test_map_case, mem_setup,
                                mem_teardown, (void *)&map_cases[i]};
    }
    for (size_t i = 0; i < NREF; i++) {
        tests[n++] = (struct CMUnitTest){
            refusal_cases[i].name, test_refusal_case, mem_setup, mem_teardown,
            (void *)&refusal_cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_counters_follow_alloc_and_free, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_exhaustion_returns_zero_then_recovers, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_reinit_replaces_the_map, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_zone_table_overflow_drops_memory, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_is_contiguous_and_counted, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_of_zero_frames_is_refused, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_of_everything, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_needs_contiguous_free_frames, mem_setup, mem_teardown);
    return _cmocka_run_group_tests("frame", tests, n, NULL, NULL);
}
