/*
 * The frame allocator against a reference model of the memory map.
 *
 * Each test gets 16 MiB of "physical memory" from aligned_alloc (on the host
 * arch_phys_to_virt is the identity) and describes maps relative to it.  The
 * model says which frames a map makes manageable: whole frames inside some
 * usable entry, touching no reserved entry, not frame 0, below
 * FRAME_PHYS_LIMIT.  Every frame handed out must be one of those, distinct,
 * and writable without corrupting the allocator; the few model frames never
 * handed out are the allocator's own bitmap and per-frame metadata, which
 * must refuse a free.
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
#define META_BYTES 8  /* per-frame metadata (frame.h) */

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
    assert_true(s.total < model); /* the metadata took at least a frame */
    assert_true(s.total + 1 +
                    ((model / 64 + 2 * MAXE) * 8 + model * META_BYTES) /
                        PAGE_SIZE >=
                model);

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

/* ---- Next fit ------------------------------------------------------------ */

static void test_run_search_resumes_after_last_run(void **state)
{
    uintptr_t a, b, c;

    (void)state;
    init_ok(&whole);
    a = alloc_frames(4);
    b = alloc_frames(4);
    assert_true(a != 0 && b == a + 4 * PAGE_SIZE);
    assert_int_equal(free_frames(a, 4), 0);
    /* First fit would hand the hole at a back; next fit goes on from b. */
    c = alloc_frames(4);
    assert_int_equal(c, b + 4 * PAGE_SIZE);
    assert_int_equal(free_frames(b, 4), 0);
    assert_int_equal(free_frames(c, 4), 0);
    assert_int_equal(frame_stats().free, frame_stats().total);
}

/* Take every free frame one at a time (they come lowest first). */
static size_t take_all(uintptr_t *got)
{
    size_t n = 0;

    while ((got[n] = alloc_frame()) != 0) {
        n++;
    }
    return n;
}

static void test_run_wraps_to_a_run_across_the_rover(void **state)
{
    static uintptr_t got[MEM_FRAMES];
    uintptr_t a;

    (void)state;
    init_ok(&small);
    a = alloc_frames(12); /* the rover is now at a + 12 frames */
    assert_true(a != 0);
    take_all(got);
    assert_int_equal(alloc_frames(2), 0);
    /* The only run of 4 starts before the rover and ends after it. */
    assert_int_equal(free_frames(a + 10 * PAGE_SIZE, 2), 0);
    assert_int_equal(free_frames(a + 12 * PAGE_SIZE, 2), 0);
    assert_int_equal(alloc_frames(4), a + 10 * PAGE_SIZE);
    assert_int_equal(frame_stats().free, 0);
}

static const struct map_case two_zones = {
    "two_zones", {U(0, 2 * MiB)}, {R(1 * MiB, 64 * KiB)}, 0, 0};

static void test_run_wraps_to_an_earlier_zone(void **state)
{
    static uintptr_t got[MEM_FRAMES];
    size_t n;

    (void)state;
    init_ok(&two_zones);
    n = take_all(got);
    assert_true(got[0] < base + 1 * MiB && got[n - 1] > base + 1 * MiB);
    /* Move the rover to the end of the second zone ... */
    assert_int_equal(free_frames(got[n - 2], 2), 0);
    assert_int_equal(alloc_frames(2), got[n - 2]);
    /* ... so a run in the first zone is found only by wrapping. */
    assert_int_equal(free_frames(got[5], 3), 0);
    assert_int_equal(alloc_frames(3), got[5]);
    assert_int_equal(alloc_frames(1), 0);
    assert_int_equal(frame_stats().free, 0);
}

static void test_run_exhaustion_and_fragments(void **state)
{
    static uintptr_t got[MEM_FRAMES];
    size_t n, runs = 0;
    uintptr_t r;

    (void)state;
    init_ok(&small);
    n = take_all(got);
    /* Free runs of 3 with one frame kept between them: no run of 4. */
    for (size_t i = 0; i + 3 <= n; i += 4) {
        assert_int_equal(free_frames(got[i], 3), 0);
    }
    assert_int_equal(alloc_frames(4), 0);
    while ((r = alloc_frames(3)) != 0) {
        assert_int_equal((r - got[0]) / PAGE_SIZE % 4, 0);
        runs++;
    }
    assert_int_equal(runs, (n + 1) / 4);
    assert_int_equal(frame_stats().free, 0);
    assert_int_equal(alloc_frames(2), 0);
}

/* ---- Owner tags ---------------------------------------------------------- */

/* Two owners to tell apart (only their addresses matter). */
static _Alignas(16) char owner_a[16], owner_b[16];

static void test_owner_tags(void **state)
{
    uintptr_t r, one;

    (void)state;
    init_ok(&whole);
    r = alloc_frames(3);
    one = alloc_frame();
    assert_int_equal(frame_count_owned(FRAME_HEAP), 0);
    assert_int_equal(frame_set_owner(r, 3, FRAME_HEAP, owner_a), 0);
    assert_int_equal(frame_set_owner(one, 1, FRAME_HEAP, owner_b), 0);
    assert_int_equal(frame_count_owned(FRAME_HEAP), 4);
    assert_ptr_equal(frame_owner(r, FRAME_HEAP), owner_a);
    assert_ptr_equal(frame_owner(r + 3 * PAGE_SIZE - 1, FRAME_HEAP), owner_a);
    assert_ptr_equal(frame_owner(one + 17, FRAME_HEAP), owner_b);
    assert_null(frame_owner(r, FRAME_UNTAGGED));
    assert_null(frame_owner(base + MEM_SIZE, FRAME_HEAP)); /* unmanaged */
    assert_null(frame_owner(base, FRAME_HEAP));            /* metadata */
    /* Untag one frame, free the others: freeing clears their tags. */
    assert_int_equal(frame_set_owner(r + PAGE_SIZE, 1, FRAME_UNTAGGED, NULL),
                     0);
    assert_null(frame_owner(r + PAGE_SIZE, FRAME_HEAP));
    assert_int_equal(frame_count_owned(FRAME_HEAP), 3);
    assert_int_equal(free_frames(r, 3), 0);
    assert_null(frame_owner(r, FRAME_HEAP));
    assert_null(frame_owner(r + 2 * PAGE_SIZE, FRAME_HEAP));
    assert_int_equal(frame_count_owned(FRAME_HEAP), 1);
    assert_int_equal(frame_count_owned(FRAME_UNTAGGED),
                     frame_stats().total - 1);
    assert_int_equal(free_frame(one), 0);
    assert_int_equal(frame_count_owned(FRAME_HEAP), 0);
}

struct tag_refusal {
    const char *name;
    size_t frame; /* first frame to tag, counted from the held run of 2 */
    size_t n;     /* frames to tag */
    enum frame_use use;
    size_t misalign; /* bytes added to the owner */
};

static const struct tag_refusal tag_refusals[] = {
    {"tag_free_frame", 2, 1, FRAME_HEAP, 0},
    {"tag_run_partly_free", 0, 3, FRAME_HEAP, 0},
    {"tag_misaligned_owner", 0, 1, FRAME_HEAP, 8},
    {"tag_unknown_use", 0, 1, FRAME_USES, 0},
    {"tag_zero_frames", 0, 0, FRAME_HEAP, 0},
};

static void test_tag_refused(void **state)
{
    const struct tag_refusal *c = *state;
    uintptr_t r;

    init_ok(&whole);
    r = alloc_frames(2);
    assert_int_equal(frame_set_owner(r, 2, FRAME_HEAP, owner_a), 0);
    assert_int_equal(frame_set_owner(r + c->frame * PAGE_SIZE, c->n, c->use,
                                     owner_b + c->misalign),
                     -EINVAL);
    /* Nothing changed. */
    assert_int_equal(frame_count_owned(FRAME_HEAP), 2);
    assert_ptr_equal(frame_owner(r, FRAME_HEAP), owner_a);
    assert_ptr_equal(frame_owner(r + PAGE_SIZE, FRAME_HEAP), owner_a);
    assert_null(frame_owner(r + 2 * PAGE_SIZE, FRAME_HEAP));
}

/* ---- Sharing (copy-on-write holders) ---------------------------------------- */

static void test_share_and_release(void **state)
{
    size_t free0;
    uintptr_t f;

    (void)state;
    init_ok(&whole);
    f = alloc_frame();
    free0 = frame_stats().free;
    assert_int_equal(frame_holders(f), 1);
    assert_int_equal(frame_share(f), 0);
    assert_int_equal(frame_share(f), 0);
    assert_int_equal(frame_holders(f + 100), 3); /* any byte of it */
    assert_int_equal(frame_count_owned(FRAME_SHARED), 1);
    /* A shared frame is not freed or retagged behind its holders' backs. */
    assert_int_equal(free_frame(f), -EBUSY);
    assert_int_equal(frame_set_owner(f, 1, FRAME_HEAP, owner_a), -EINVAL);
    assert_int_equal(frame_release(f), 1);
    assert_int_equal(frame_holders(f), 2);
    assert_int_equal(frame_release(f), 1);
    assert_int_equal(frame_holders(f), 1); /* plain again */
    assert_int_equal(frame_count_owned(FRAME_SHARED), 0);
    assert_int_equal(frame_stats().free, free0);
    assert_int_equal(frame_release(f), 0); /* the last holder frees it */
    assert_int_equal(frame_holders(f), 0);
    assert_int_equal(frame_stats().free, free0 + 1);
    assert_int_equal(frame_count_owned(FRAME_UNTAGGED), frame_stats().total);
}

static void test_share_refused(void **state)
{
    uintptr_t f, h;

    (void)state;
    init_ok(&whole);
    f = alloc_frame();
    h = alloc_frame();
    assert_int_equal(free_frame(f), 0);
    assert_int_equal(frame_share(f), -EINVAL);               /* free */
    assert_int_equal(frame_share(h + 8), -EINVAL);           /* unaligned */
    assert_int_equal(frame_share(base + MEM_SIZE), -EINVAL); /* unmanaged */
    assert_int_equal(frame_set_owner(h, 1, FRAME_HEAP, owner_a), 0);
    assert_int_equal(frame_share(h),
                     -EINVAL); /* heap frames are never shared */
    assert_int_equal(frame_set_owner(h, 1, FRAME_SHARED, NULL), -EINVAL);
    assert_int_equal(frame_release(f), -EALREADY); /* free: as free_frame */
    assert_int_equal(frame_holders(f), 0);
    assert_int_equal(frame_holders(h), 1);
}

int main(void)
{
    enum { NMAP = sizeof(map_cases) / sizeof(map_cases[0]) };
    enum { NREF = sizeof(refusal_cases) / sizeof(refusal_cases[0]) };
    enum { NTAG = sizeof(tag_refusals) / sizeof(tag_refusals[0]) };
    struct CMUnitTest tests[NMAP + NREF + NTAG + 17];
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
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_search_resumes_after_last_run, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_wraps_to_a_run_across_the_rover, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_wraps_to_an_earlier_zone, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_run_exhaustion_and_fragments, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_owner_tags, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_share_and_release, mem_setup, mem_teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_share_refused, mem_setup, mem_teardown);
    for (size_t i = 0; i < NTAG; i++) {
        tests[n++] = (struct CMUnitTest){tag_refusals[i].name, test_tag_refused,
                                         mem_setup, mem_teardown,
                                         (void *)&tag_refusals[i]};
    }
    return _cmocka_run_group_tests("frame", tests, n, NULL, NULL);
}
