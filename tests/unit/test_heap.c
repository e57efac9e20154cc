/*
 * The kernel heap over the frame allocator, on the host.
 *
 * Each test gets 64 MiB of "physical memory" from aligned_alloc, hands it to
 * frame_init and starts from an empty heap (heap_reset).  The randomised
 * tests keep a shadow model of every live block (pointer, size, alignment,
 * fill pattern) and check it and heap_check() after every operation.
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
#include "heap.h"
#include "kerrno.h"
#include "param.h"
#include "printf.h"

#define MEM_SIZE (64UL << 20)

static uint8_t *mem; /* the test's physical memory */

static void frames_init(size_t bytes)
{
    struct mem_range r = {(uintptr_t)mem, bytes, MEM_USABLE};

    assert_int_equal(frame_init(&r, 1, NULL, 0), 0);
    heap_reset();
}

static int mem_setup(void **state)
{
    (void)state;
    mem = aligned_alloc(PAGE_SIZE, MEM_SIZE);
    if (mem == NULL) {
        return -1;
    }
    frames_init(MEM_SIZE);
    return 0;
}

static int mem_teardown(void **state)
{
    (void)state;
    heap_reset();
    free(mem);
    return 0;
}

/* ---- Helpers ------------------------------------------------------------- */

/* Counters that must come back exactly once everything is freed. */
struct baseline {
    struct heap_stats heap;
    struct frame_stats frames;
};

/* Leave the one cached empty pool in place, then record the counters. */
static struct baseline baseline_take(void)
{
    struct baseline b;

    kfree(kmalloc(1));
    b.heap = heap_stats();
    b.frames = frame_stats();
    return b;
}

static void baseline_check(const struct baseline *b)
{
    struct heap_stats h = heap_stats();
    struct frame_stats f = frame_stats();

    assert_int_equal(heap_check(), 0);
    assert_int_equal(h.bytes_in_use, b->heap.bytes_in_use);
    assert_int_equal(h.live_allocs, b->heap.live_allocs);
    assert_int_equal(h.pool_bytes, b->heap.pool_bytes);
    assert_int_equal(h.pools, b->heap.pools);
    assert_int_equal(h.bad_frees, b->heap.bad_frees);
    assert_int_equal(f.total, b->frames.total);
    assert_int_equal(f.free, b->frames.free);
}

static uint8_t pattern(uint8_t tag, size_t i)
{
    return (uint8_t)(tag + i * 7 + (i >> 8));
}

static void fill(void *p, size_t n, uint8_t tag)
{
    for (size_t i = 0; i < n; i++) {
        ((uint8_t *)p)[i] = pattern(tag, i);
    }
}

/* Bytes [from, to) of p still hold the fill pattern. */
static bool holds(const void *p, size_t from, size_t to, uint8_t tag)
{
    for (size_t i = from; i < to; i++) {
        if (((const uint8_t *)p)[i] != pattern(tag, i)) {
            return false;
        }
    }
    return true;
}

static bool klog_has(const char *needle)
{
    static char buf[KLOG_SIZE];

    klog_tail(buf, sizeof(buf));
    return strstr(buf, needle) != NULL;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Mostly small sizes, some page-sized, a few bigger than a pool. */
static size_t rnd_size(void)
{
    unsigned r = rnd() % 100;

    if (r < 60) {
        return 1 + rnd() % 256;
    }
    if (r < 85) {
        return 257 + rnd() % 4096;
    }
    if (r < 97) {
        return 4097 + rnd() % 40000;
    }
    return 40001 + rnd() % 160000;
}

/* ---- Randomised sequences against a shadow model ------------------------- */

#define SLOTS 64

struct shadow {
    uint8_t *p;   /* NULL: slot empty */
    size_t size;  /* bytes asked for */
    size_t align; /* alignment p must have */
    uint8_t tag;  /* fill pattern */
};

struct span {
    uintptr_t lo, hi;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The heap and the shadow agree; full says: compare every byte too. */
static void shadow_check(const struct shadow *s, bool full)
{
    struct span sp[SLOTS];
    size_t n = 0, bytes = 0;
    struct heap_stats h = heap_stats();

    assert_int_equal(heap_check(), 0);
    for (size_t i = 0; i < SLOTS; i++) {
        size_t usable, edge;

        if (s[i].p == NULL) {
            continue;
        }
        usable = ksize(s[i].p);
        assert_true(usable >= s[i].size);
        assert_int_equal((uintptr_t)s[i].p % s[i].align, 0);
        edge = s[i].size < 16 ? s[i].size : 16;
        assert_true(holds(s[i].p, 0, edge, s[i].tag));
        assert_true(holds(s[i].p, s[i].size - edge, s[i].size, s[i].tag));
        if (full) {
            assert_true(holds(s[i].p, 0, s[i].size, s[i].tag));
        }
        sp[n++] = (struct span){(uintptr_t)s[i].p, (uintptr_t)s[i].p + usable};
        bytes += usable;
    }
    qsort(sp, n, sizeof(sp[0]), span_cmp);
    for (size_t i = 1; i < n; i++) {
        assert_true(sp[i - 1].hi <= sp[i].lo);
    }
    assert_int_equal(h.live_allocs, n);
    assert_int_equal(h.bytes_in_use, bytes);
    assert_true(h.peak_bytes >= bytes);
}

static void op_alloc(struct shadow *e)
{
    unsigned kind = rnd() % 10;
    size_t size = rnd_size();

    e->align = 16;
    if (kind == 0) {
        size_t n = 1 + rnd() % 8;

        size = (size + n - 1) / n;
        e->p = kcalloc(n, size);
        size *= n;
        assert_non_null(e->p);
        for (size_t i = 0; i < size; i++) {
            assert_int_equal(e->p[i], 0);
        }
    } else if (kind == 1) {
        e->align = 1UL << (4 + rnd() % 9);
        e->p = kmalloc_aligned(size, e->align);
    } else if (kind == 2) {
        e->p = krealloc(NULL, size);
    } else {
        e->p = kmalloc(size);
    }
    assert_non_null(e->p);
    e->size = size;
    e->tag = (uint8_t)rnd();
    fill(e->p, size, e->tag);
}

static void op_free(struct shadow *e)
{
    assert_true(holds(e->p, 0, e->size, e->tag));
    if (rnd() % 8 == 0) {
        assert_null(krealloc(e->p, 0));
    } else {
        kfree(e->p);
    }
    e->p = NULL;
}

static void op_realloc(struct shadow *e)
{
    size_t size = rnd() % 4 == 0 ? 1 + rnd() % (e->size + 1) : rnd_size();
    size_t keep = size < e->size ? size : e->size;
    uint8_t *q = krealloc(e->p, size);

    assert_non_null(q);
    assert_true(holds(q, 0, keep, e->tag));
    if (q != e->p) {
        e->align = 16; /* a moved block is only 16-byte aligned */
    }
    e->p = q;
    e->size = size;
    e->tag = (uint8_t)rnd();
    fill(q, size, e->tag);
}

struct seed_case {
    const char *name;
    uint64_t seed;
    int ops;
};

static const struct seed_case seed_cases[] = {
    {"random_seed_1", 1, 4000},
    {"random_seed_2", 2, 4000},
    {"random_seed_42", 42, 4000},
    {"random_seed_1997", 1997, 4000},
    {"random_seed_deadbeef", 0xdeadbeef, 4000},
    {"random_seed_long_run", 0x5eed, 20000},
};

static void test_random_sequence(void **state)
{
    const struct seed_case *c = *state;
    static struct shadow live[SLOTS];
    struct baseline b = baseline_take();

    memset(live, 0, sizeof(live));
    rng_state = c->seed;
    for (int op = 0; op < c->ops; op++) {
        struct shadow *e = &live[rnd() % SLOTS];
        unsigned r = rnd() % 100;

        if (e->p == NULL) {
            op_alloc(e);
        } else if (r < 55) {
            op_free(e);
        } else {
            op_realloc(e);
        }
        shadow_check(live, op % 64 == 0);
    }
    shadow_check(live, true);
    for (size_t i = 0; i < SLOTS; i++) {
        if (live[i].p != NULL) {
            op_free(&live[i]);
            shadow_check(live, false);
        }
    }
    baseline_check(&b);
}

/* ---- Alignment ----------------------------------------------------------- */

static void test_every_alignment(void **state)
{
    static const size_t sizes[] = {1, 16, 17, 100, 4096, 5000, 70000};
    void *p[13][7];
    struct baseline b = baseline_take();

    (void)state;
    for (size_t a = 0; a <= 12; a++) {
        size_t align = 1UL << a;

        for (size_t s = 0; s < 7; s++) {
            p[a][s] = kmalloc_aligned(sizes[s], align);
            assert_non_null(p[a][s]);
            assert_int_equal((uintptr_t)p[a][s] % (align < 16 ? 16 : align), 0);
            assert_true(ksize(p[a][s]) >= sizes[s]);
            fill(p[a][s], sizes[s], (uint8_t)(a * 7 + s));
            assert_int_equal(heap_check(), 0);
        }
    }
    for (size_t a = 0; a <= 12; a++) {
        for (size_t s = 0; s < 7; s++) {
            assert_true(holds(p[a][s], 0, sizes[s], (uint8_t)(a * 7 + s)));
        }
    }
    for (size_t a = 0; a <= 12; a++) {
        for (size_t s = 0; s < 7; s++) {
            kfree(p[(a * 5) % 13][s]); /* out of allocation order */
            assert_int_equal(heap_check(), 0);
        }
    }
    baseline_check(&b);
}

static void test_bad_alignment_is_refused(void **state)
{
    static const size_t bad[] = {0, 3, 24, 48, 4095, 8192, 1UL << 20};
    struct baseline b = baseline_take();

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(kmalloc_aligned(64, bad[i]));
    }
    assert_null(kmalloc_aligned(0, 64));
    baseline_check(&b);
}

/* ---- Coalescing ---------------------------------------------------------- */

#define FILL_MAX 2048

/*
 * Fill the first pool with 64-byte blocks (those that land in it go to
 * blocks[], in address order) and leave the second pool with less than
 * 60000 free bytes.  Returns the number of blocks in the first pool.
 */
static size_t fill_first_pool(void **blocks, void **extra)
{
    size_t n = 0;
    void *p;

    while ((p = kmalloc(64)) != NULL && heap_stats().pools == 1) {
        assert_true(n < FILL_MAX);
        assert_true(n == 0 || p > blocks[n - 1]);
        blocks[n++] = p;
    }
    assert_non_null(p);
    extra[0] = p;
    extra[1] = kmalloc(30000);
    assert_non_null(extra[1]);
    assert_int_equal(heap_stats().pools, 2);
    return n;
}

struct merge_case {
    const char *name;
    int order[3]; /* which of three neighbours to free first, second, third */
};

static const struct merge_case merge_cases[] = {
    {"merge_with_next", {2, 1, 0}},
    {"merge_with_previous", {0, 1, 2}},
    {"merge_both_sides", {0, 2, 1}},
    {"merge_outer_last", {1, 0, 2}},
};

static void test_merge_neighbours(void **state)
{
    const struct merge_case *c = *state;
    static void *blocks[FILL_MAX];
    void *extra[2], *q;
    size_t n = fill_first_pool(blocks, extra);
    struct heap_stats before;
    size_t span;

    assert_true(n > 100);
    for (int i = 0; i < 3; i++) {
        kfree(blocks[100 + c->order[i]]);
        assert_int_equal(heap_check(), 0);
    }
    span = (size_t)((char *)blocks[102] + 64 - (char *)blocks[100]);
    before = heap_stats();
    q = kmalloc(span); /* only the merged block can hold this without growing */
    assert_ptr_equal(q, blocks[100]);
    assert_int_equal(heap_stats().pools, before.pools);
    assert_int_equal(heap_check(), 0);
}

struct drain_case {
    const char *name;
    int order; /* 0 ascending, 1 descending, 2 shuffled */
};

static const struct drain_case drain_cases[] = {
    {"drain_pool_ascending", 0},
    {"drain_pool_descending", 1},
    {"drain_pool_shuffled", 2},
};

static void test_drained_pool_holds_big_block(void **state)
{
    const struct drain_case *c = *state;
    static void *blocks[FILL_MAX];
    void *extra[2], *q;
    size_t n = fill_first_pool(blocks, extra);
    struct heap_stats before;

    rng_state = 77;
    for (size_t i = n; c->order == 2 && i > 1; i--) {
        size_t j = rnd() % i;
        void *t = blocks[i - 1];

        blocks[i - 1] = blocks[j];
        blocks[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        kfree(blocks[c->order == 1 ? n - 1 - i : i]);
    }
    assert_int_equal(heap_check(), 0);
    before = heap_stats();
    q = kmalloc(60000);
    assert_non_null(q);
    assert_int_equal(heap_stats().pools, before.pools);
    assert_int_equal(heap_stats().pool_bytes, before.pool_bytes);
    kfree(q);
    kfree(extra[0]);
    kfree(extra[1]);
    assert_int_equal(heap_stats().pools, 1);
    assert_int_equal(heap_check(), 0);
}

/* ---- Pools come and go --------------------------------------------------- */

static void test_empty_pools_return_to_frames(void **state)
{
    struct frame_stats f0 = frame_stats();
    void *p[3];

    (void)state;
    for (int i = 0; i < 3; i++) {
        p[i] = kmalloc(40000); /* two do not fit in one minimum pool */
        assert_non_null(p[i]);
    }
    assert_int_equal(heap_stats().pools, 3);
    assert_int_equal(frame_stats().free,
                     f0.free - 3 * HEAP_POOL_MIN / PAGE_SIZE);
    for (int i = 0; i < 3; i++) {
        kfree(p[i]);
    }
    /* One empty pool stays cached; the others went back. */
    assert_int_equal(heap_stats().pools, 1);
    assert_int_equal(heap_stats().pool_bytes, HEAP_POOL_MIN);
    assert_int_equal(frame_stats().free, f0.free - HEAP_POOL_MIN / PAGE_SIZE);
    assert_int_equal(heap_check(), 0);
}

static void test_oversize_pool_returned_at_once(void **state)
{
    struct baseline b = baseline_take();
    void *p;

    (void)state;
    p = kmalloc(300000);
    assert_non_null(p);
    assert_int_equal(heap_stats().pools, b.heap.pools + 1);
    assert_true(heap_stats().pool_bytes >= b.heap.pool_bytes + 300000);
    fill(p, 300000, 9);
    kfree(p);
    baseline_check(&b);
}

static void test_cached_pool_needs_no_frames(void **state)
{
    struct baseline b = baseline_take();
    void *p;

    (void)state;
    p = kmalloc(1000);
    assert_non_null(p);
    assert_int_equal(frame_stats().free, b.frames.free);
    assert_int_equal(heap_stats().pools, b.heap.pools);
    kfree(p);
    baseline_check(&b);
}

/* ---- Bad frees ----------------------------------------------------------- */

/* Fixture: three neighbouring live blocks a, b, c in a fresh pool. */
static char *fa, *fb, *fc;
static char static_var[64] __attribute__((aligned(16)));

struct bad_case {
    const char *name;
    void *(*target)(void); /* the pointer to free (may change state) */
    const char *reason;    /* what the report must say */
};

static void *t_double_free(void)
{
    kfree(fb);
    return fb;
}
static void *t_double_free_merged(void)
{
    kfree(fb);
    kfree(fc); /* c merges into b before it: c no longer starts a block */
    return fc;
}
static void *t_interior_16(void)
{
    return fb + 16;
}
static void *t_interior_1(void)
{
    return fb + 1;
}
static void *t_interior_last(void)
{
    return fb + ksize(fb) - 16;
}
static void *t_pool_header(void)
{
    return (void *)((uintptr_t)fa & ~(PAGE_SIZE - 1));
}
static void *t_pool_tail(void)
{
    return (char *)((uintptr_t)fa & ~(PAGE_SIZE - 1)) + HEAP_POOL_MIN - 16;
}
static void *t_past_pool(void)
{
    return (char *)((uintptr_t)fa & ~(PAGE_SIZE - 1)) + HEAP_POOL_MIN + 16;
}
static void *t_stack(void)
{
    static volatile uintptr_t addr;
    char local[32];

    addr = (uintptr_t)local;
    return (void *)addr;
}
static void *t_static(void)
{
    return static_var;
}
static void *t_host_malloc(void)
{
    static void *p;

    free(p);
    p = malloc(64);
    return p;
}
static void *t_frame(void)
{
    return (void *)alloc_frame();
}

static const struct bad_case bad_cases[] = {
    {"bad_free_double", t_double_free, "double free"},
    {"bad_free_double_after_merge", t_double_free_merged, "not a block start"},
    {"bad_free_interior_16", t_interior_16, "not a block start"},
    {"bad_free_interior_1", t_interior_1, "not a block start"},
    {"bad_free_interior_last", t_interior_last, "not a block start"},
    {"bad_free_pool_header", t_pool_header, "not a block start"},
    {"bad_free_pool_tail", t_pool_tail, "not a block start"},
    {"bad_free_past_pool", t_past_pool, "not in any heap pool"},
    {"bad_free_stack", t_stack, "not in any heap pool"},
    {"bad_free_static", t_static, "not in any heap pool"},
    {"bad_free_host_malloc", t_host_malloc, "not in any heap pool"},
    {"bad_free_frame", t_frame, "not in any heap pool"},
};

static void test_bad_free(void **state)
{
    const struct bad_case *c = *state;
    struct heap_stats before, after;
    char text[64];
    void *p;

    fa = kmalloc(100);
    fb = kmalloc(100);
    fc = kmalloc(100);
    fill(fa, 100, 1);
    fill(fb, 100, 2);
    fill(fc, 100, 3);
    p = c->target();
    before = heap_stats();
    kfree(p);
    after = heap_stats();
    assert_int_equal(after.bad_frees, before.bad_frees + 1);
    assert_int_equal(after.live_allocs, before.live_allocs);
    assert_int_equal(after.bytes_in_use, before.bytes_in_use);
    assert_int_equal(after.pools, before.pools);
    assert_int_equal(heap_check(), 0);
    ksnprintf(text, sizeof(text), "heap: bad free of %p", p);
    assert_true(klog_has(text));
    assert_true(klog_has(c->reason));
    /* The same pointer is refused by krealloc and ksize too. */
    assert_null(krealloc(p, 10));
    assert_int_equal(heap_stats().bad_frees, before.bad_frees + 2);
    assert_int_equal(ksize(p), 0);
    assert_int_equal(heap_stats().bad_frees, before.bad_frees + 2);
    /* The live blocks are intact and free normally. */
    assert_true(holds(fa, 0, 100, 1));
    kfree(fa);
    if (c->target != t_double_free && c->target != t_double_free_merged) {
        assert_true(holds(fb, 0, 100, 2));
        kfree(fb);
    }
    if (c->target != t_double_free_merged) {
        assert_true(holds(fc, 0, 100, 3));
        kfree(fc);
    }
    assert_int_equal(heap_stats().live_allocs, 0);
    assert_int_equal(heap_check(), 0);
}

static void test_free_null_is_ignored(void **state)
{
    struct baseline b = baseline_take();

    (void)state;
    kfree(NULL);
    assert_int_equal(ksize(NULL), 0);
    baseline_check(&b);
}

/* ---- Out of memory and limits -------------------------------------------- */

static void test_oom_returns_null_and_recovers(void **state)
{
    static void *p[256];
    struct heap_stats h;
    struct frame_stats f;
    size_t n = 0;
    char *keep;

    (void)state;
    frames_init(128 * 1024); /* 32 frames: room for one minimum pool */
    keep = kmalloc(100);
    assert_non_null(keep);
    fill(keep, 100, 5);
    h = heap_stats();
    f = frame_stats();
    assert_null(kmalloc(100000));
    assert_null(kmalloc_aligned(70000, 4096));
    assert_null(kcalloc(1000, 100));
    assert_null(krealloc(keep, 100000)); /* keep survives a failed move */
    assert_true(holds(keep, 0, 100, 5));
    assert_int_equal(heap_stats().pools, h.pools);
    assert_int_equal(heap_stats().live_allocs, h.live_allocs);
    assert_int_equal(frame_stats().free, f.free);
    while ((p[n] = kmalloc(1000)) != NULL) {
        n++;
        assert_true(n < 256);
    }
    assert_true(n > 50);
    assert_int_equal(heap_check(), 0);
    for (size_t i = 0; i < n; i++) {
        kfree(p[i]);
    }
    assert_int_equal(heap_check(), 0);
    p[0] = kmalloc(30000);
    assert_non_null(p[0]);
    fill(p[0], 30000, 6);
    assert_true(holds(keep, 0, 100, 5));
    kfree(p[0]);
    kfree(keep);
    assert_int_equal(heap_stats().live_allocs, 0);
    assert_int_equal(heap_check(), 0);
}

static void test_size_limits(void **state)
{
    struct baseline b = baseline_take();

    (void)state;
    assert_null(kmalloc(0));
    assert_null(kmalloc(SIZE_MAX));
    assert_null(kmalloc(HEAP_ALLOC_MAX + 1));
    assert_null(kmalloc_aligned(SIZE_MAX - 100, 4096));
    assert_null(kcalloc(SIZE_MAX / 2 + 1, 2));
    assert_null(kcalloc(2, SIZE_MAX / 2 + 1));
    assert_null(kcalloc(SIZE_MAX / 2 + 2, 2)); /* wraps to 2 */
    assert_null(kcalloc(0, 16));
    baseline_check(&b);
}

/* ---- realloc, calloc, counters ------------------------------------------- */

static void test_realloc_in_place(void **state)
{
    struct baseline b = baseline_take();
    char *p, *q;

    (void)state;
    p = kmalloc(100); /* the pool's first block: free space follows it */
    fill(p, 100, 11);
    q = krealloc(p, 5000);
    assert_ptr_equal(q, p);
    assert_true(ksize(q) >= 5000);
    assert_true(holds(q, 0, 100, 11));
    fill(q, 5000, 12);
    q = krealloc(q, 32);
    assert_ptr_equal(q, p);
    assert_true(ksize(q) < 5000);
    assert_int_equal(heap_stats().bytes_in_use, ksize(q));
    assert_true(holds(q, 0, 32, 12));
    assert_int_equal(heap_check(), 0);
    kfree(q);
    baseline_check(&b);
}

static void test_realloc_moves_when_blocked(void **state)
{
    struct baseline b = baseline_take();
    char *a, *c, *q;

    (void)state;
    a = kmalloc(100);
    c = kmalloc(100); /* right after a */
    fill(a, 100, 21);
    q = krealloc(a, 5000);
    assert_non_null(q);
    assert_true(q != a);
    assert_true(holds(q, 0, 100, 21));
    assert_int_equal(heap_stats().live_allocs, 2);
    assert_int_equal(heap_check(), 0);
    assert_null(krealloc(q, 0)); /* size 0 frees */
    assert_int_equal(heap_stats().live_allocs, 1);
    kfree(c);
    baseline_check(&b);
}

static void test_calloc_zeroes_reused_memory(void **state)
{
    unsigned char *p, *q;

    (void)state;
    p = kmalloc(512);
    memset(p, 0xff, 512);
    kfree(p);
    q = kcalloc(8, 64);
    assert_ptr_equal(q, p); /* the same block, so zeroing is what we see */
    for (size_t i = 0; i < 512; i++) {
        assert_int_equal(q[i], 0);
    }
    kfree(q);
}

static void test_counters(void **state)
{
    struct baseline b = baseline_take();
    void *p[3];
    size_t bytes = 0, peak;

    (void)state;
    for (int i = 0; i < 3; i++) {
        p[i] = kmalloc(1000 * (size_t)(i + 1));
        bytes += ksize(p[i]);
        assert_int_equal(heap_stats().live_allocs, (size_t)i + 1);
        assert_int_equal(heap_stats().bytes_in_use, bytes);
    }
    peak = heap_stats().peak_bytes;
    assert_true(peak >= bytes);
    kfree(p[2]);
    assert_int_equal(heap_stats().peak_bytes, peak);
    assert_int_equal(heap_stats().bytes_in_use, ksize(p[0]) + ksize(p[1]));
    kfree(p[0]);
    kfree(p[1]);
    baseline_check(&b);
}

/* ---- Back to baseline ---------------------------------------------------- */

#define BURST 3000 /* blocks in a burst: about 50 minimum pools */

struct burst_case {
    const char *name;
    int order; /* 0 ascending, 1 descending, 2 shuffled */
};

static const struct burst_case burst_cases[] = {
    {"burst_freed_ascending_then_trim", 0},
    {"burst_freed_descending_then_trim", 1},
    {"burst_freed_shuffled_then_trim", 2},
};

static void shuffle(void **p, size_t n, uint64_t seed)
{
    rng_state = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd() % i;
        void *t = p[i - 1];

        p[i - 1] = p[j];
        p[j] = t;
    }
}

/* A few long-lived blocks, as at boot; no empty pool cached. */
static void boot_like(void **keep, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        keep[i] = kmalloc(100 + 50 * i);
        assert_non_null(keep[i]);
    }
    assert_int_equal(heap_trim(), 0);
}

static void test_burst_back_to_baseline(void **state)
{
    const struct burst_case *c = *state;
    static void *p[BURST];
    void *keep[8];
    struct baseline b;

    boot_like(keep, 8);
    b.heap = heap_stats();
    b.frames = frame_stats();
    for (int round = 0; round < 2; round++) {
        rng_state = 1234 + round;
        for (size_t i = 0; i < BURST; i++) {
            p[i] = kmalloc(500 + rnd() % 1500);
            assert_non_null(p[i]);
        }
        assert_true(heap_stats().pools > b.heap.pools + 40);
        if (c->order == 2) {
            shuffle(p, BURST, 99 + round);
        }
        for (size_t i = 0; i < BURST; i++) {
            kfree(p[c->order == 1 ? BURST - 1 - i : i]);
        }
        /* At most the one cached empty pool is left over, then none. */
        assert_int_equal(heap_check(), 0);
        assert_true(heap_stats().pools <= b.heap.pools + 1);
        assert_int_equal(heap_trim(), (heap_stats().pools - b.heap.pools) *
                                          HEAP_POOL_MIN / PAGE_SIZE);
        assert_int_equal(heap_trim(), 0);
        baseline_check(&b);
    }
    for (size_t i = 0; i < 8; i++) {
        kfree(keep[i]);
    }
}

/*
 * Blocks allocated while a burst drains go to the oldest pool that can
 * hold them, not into the burst's pools: holes in the burst's pools are
 * exactly the size asked for, the first pool only has a big free block.
 */
static void test_allocation_during_drain_does_not_pin(void **state)
{
    static void *p[BURST];
    void *keep[8], *late[16];
    struct baseline b;
    size_t n = 0;

    (void)state;
    boot_like(keep, 8);
    b.heap = heap_stats();
    b.frames = frame_stats();
    /* Fill the first pool to about 32 KiB free, then a burst of pools. */
    keep[7] = krealloc(keep[7], 30000);
    assert_int_equal(heap_stats().pools, b.heap.pools);
    while (n < BURST && heap_stats().pools < b.heap.pools + 20) {
        p[n] = kmalloc(1008);
        assert_non_null(p[n++]);
    }
    /* Free every other burst block, the newest last. */
    for (size_t i = 0; i < n; i += 2) {
        kfree(p[i]);
        p[i] = NULL;
    }
    for (size_t i = 0; i < 16; i++) {
        late[i] = kmalloc(1008);
        assert_non_null(late[i]);
    }
    for (size_t i = 0; i < n; i++) {
        kfree(p[i]);
    }
    heap_trim();
    assert_int_equal(heap_check(), 0);
    assert_int_equal(heap_stats().pools, b.heap.pools);
    assert_int_equal(frame_stats().free, b.frames.free);
    for (size_t i = 0; i < 16; i++) {
        kfree(late[i]);
    }
    keep[7] = krealloc(keep[7], 100 + 50 * 7);
    heap_trim();
    baseline_check(&b);
    for (size_t i = 0; i < 8; i++) {
        kfree(keep[i]);
    }
}

/*
 * The cached empty pool is used only when no other pool can serve: a
 * request that fits a later pool leaves it empty, so heap_trim frees it.
 */
static void test_spare_pool_used_last(void **state)
{
    void *a, *b, *c, *q;

    (void)state;
    a = kmalloc(60000); /* pool 1, about 4.9 KiB left */
    b = kmalloc(60000); /* pool 2 */
    c = kmalloc(40000); /* pool 3, about 24 KiB left */
    assert_int_equal(heap_stats().pools, 3);
    kfree(b); /* pool 2 is now the spare */
    assert_int_equal(heap_stats().pools, 3);
    q = kmalloc(10000);
    assert_true((char *)q > (char *)c && (char *)q < (char *)c + 64 * 1024);
    assert_int_equal(heap_trim(), HEAP_POOL_MIN / PAGE_SIZE);
    assert_int_equal(heap_stats().pools, 2);
    assert_int_equal(heap_check(), 0);
    /* With the spare gone, a request that fits nowhere grows the heap. */
    b = kmalloc(30000);
    assert_int_equal(heap_stats().pools, 3);
    kfree(q);
    kfree(c); /* pool 3 empty: the new spare */
    assert_int_equal(heap_stats().pools, 3);
    kfree(b); /* pool 4 empty too: a spare exists, so it goes back */
    assert_int_equal(heap_stats().pools, 2);
    kfree(a); /* pool 1 empty: goes back */
    assert_int_equal(heap_stats().pools, 1);
    assert_int_equal(heap_trim(), HEAP_POOL_MIN / PAGE_SIZE);
    assert_int_equal(heap_stats().pools, 0);
    assert_int_equal(frame_stats().free, frame_stats().total);
    assert_int_equal(heap_check(), 0);
}

/* ---- The frame-to-pool map ----------------------------------------------- */

/* A heap pointer in a frame that is not tagged is foreign, never read. */
static void test_untagged_frame_is_foreign(void **state)
{
    char *x = kmalloc(100);
    uintptr_t pa = (uintptr_t)x & ~(PAGE_SIZE - 1);
    void *pool = frame_owner(pa, FRAME_HEAP);
    struct heap_stats before;

    (void)state;
    assert_non_null(pool);
    assert_int_equal(heap_check(), 0);
    assert_int_equal(frame_set_owner(pa, 1, FRAME_UNTAGGED, NULL), 0);
    assert_int_equal(heap_check(), -EINVAL);
    assert_true(klog_has("not tagged with it"));
    before = heap_stats();
    kfree(x);
    assert_int_equal(heap_stats().bad_frees, before.bad_frees + 1);
    assert_int_equal(heap_stats().live_allocs, before.live_allocs);
    assert_true(klog_has("not in any heap pool"));
    assert_int_equal(frame_set_owner(pa, 1, FRAME_HEAP, pool), 0);
    assert_int_equal(heap_check(), 0);
    kfree(x);
    assert_int_equal(heap_stats().live_allocs, 0);
}

/* A frame tagged with a pool it is not part of is caught by heap_check. */
static void test_stray_tag_is_caught(void **state)
{
    char *x = kmalloc(100);
    void *pool = frame_owner((uintptr_t)x, FRAME_HEAP);
    uintptr_t other = alloc_frame();
    struct heap_stats before;

    (void)state;
    assert_int_equal(frame_set_owner(other, 1, FRAME_HEAP, pool), 0);
    assert_int_equal(heap_check(), -EINVAL);
    assert_true(klog_has("frames tagged for the heap"));
    /* A pointer into the stray frame lies outside the pool: foreign. */
    before = heap_stats();
    kfree((char *)other + 64);
    assert_int_equal(heap_stats().bad_frees, before.bad_frees + 1);
    assert_int_equal(free_frame(other), 0); /* and untags it */
    assert_int_equal(heap_check(), 0);
    kfree(x);
}

#define TABLE(cases, fn)                                                   \
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {        \
        tests[n++] = (struct CMUnitTest){cases[i].name, fn, mem_setup,     \
                                         mem_teardown, (void *)&cases[i]}; \
    }
#define ONE(fn)                                                      \
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown( \
        fn, mem_setup, mem_teardown)

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;

    TABLE(seed_cases, test_random_sequence);
    TABLE(merge_cases, test_merge_neighbours);
    TABLE(drain_cases, test_drained_pool_holds_big_block);
    TABLE(bad_cases, test_bad_free);
    TABLE(burst_cases, test_burst_back_to_baseline);
    ONE(test_every_alignment);
    ONE(test_bad_alignment_is_refused);
    ONE(test_empty_pools_return_to_frames);
    ONE(test_oversize_pool_returned_at_once);
    ONE(test_cached_pool_needs_no_frames);
    ONE(test_free_null_is_ignored);
    ONE(test_oom_returns_null_and_recovers);
    ONE(test_size_limits);
    ONE(test_realloc_in_place);
    ONE(test_realloc_moves_when_blocked);
    ONE(test_calloc_zeroes_reused_memory);
    ONE(test_counters);
    ONE(test_allocation_during_drain_does_not_pin);
    ONE(test_spare_pool_used_last);
    ONE(test_untagged_frame_is_foreign);
    ONE(test_stray_tag_is_caught);
    return _cmocka_run_group_tests("heap", tests, n, NULL, NULL);
}
