/*
 * The kernel heap: TLSF (two-level segregated fit) over pools of frames.
 * See heap.h for the API and docs/memory.md for the design and its costs.
 *
 * A pool is a run of frames from alloc_frames, laid out as
 *
 *   [struct heap_pool][block][block]...[sentinel][start bitmap]
 *
 * Every block has a 16-byte header and a payload that is a multiple of 16
 * bytes; blocks tile the space between the pool header and the sentinel (a
 * zero-size used block).  A free block's payload holds its free-list links.
 * Free blocks are never adjacent: freeing merges with free neighbours.  The
 * start bitmap has one bit per 16-byte granule, set exactly where a block
 * other than the sentinel begins, so kfree can tell a block start from any
 * other address in O(1) without trusting the memory it points at.
 *
 * Free blocks hang on FL_COUNT x SL_COUNT lists indexed by size class (first
 * level: power of two; second level: SL_COUNT equal slices of it), with a
 * bitmap per level, so a fitting list is found with two find-first-set
 * instructions.
 *
 * heap_lock guards everything here.  Lock order: heap_lock, then frame_lock
 * (the heap calls alloc_frames/free_frames with heap_lock held).  Reports
 * are printed after heap_lock is released.
 */
#include "heap.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "klog.h"
#include "frame.h"
#include "kerrno.h"
#include "kstring.h"
#include "list.h"
#include "panic.h"
#include "param.h"
#include "printf.h"
#include "spinlock.h"

#define ALIGN_LOG2 4
#define ALIGN      (1UL << ALIGN_LOG2) /* payload alignment and granule */
#define SL_LOG2    4
#define SL_COUNT   (1U << SL_LOG2) /* second-level lists per first level */
#define FL_SHIFT   (SL_LOG2 + ALIGN_LOG2)
#define SMALL_SIZE (1UL << FL_SHIFT) /* below this, lists are 16 bytes apart */
#define FL_MAX     34                /* every block is smaller than 2^FL_MAX */
#define FL_COUNT   (FL_MAX - FL_SHIFT + 1)

#define BLOCK_HDR   16UL /* header bytes before a payload */
#define MIN_PAYLOAD 16UL /* room for the free-list links */
#define BLOCK_FREE  1U   /* flag in block.info */
/* Smallest block, header included: a split leaves at least this much. */
#define MIN_BLOCK (BLOCK_HDR + MIN_PAYLOAD)

/* The biggest pool's block (request, alignment gap, start bitmap) fits. */
_Static_assert(2 * (HEAP_ALLOC_MAX + HEAP_MAX_ALIGN + MIN_BLOCK) <
                   (1UL << FL_MAX),
               "HEAP_ALLOC_MAX is too big for the size classes");
/* block.info holds size / 16 << 1 in 32 bits. */
_Static_assert(FL_MAX <= 35, "block sizes must fit block.info");

struct block {
    struct block *prev_phys; /* block just below in the pool; NULL if first */
    uint32_t info;           /* payload size / 16, << 1, | BLOCK_FREE */
    uint32_t offset;         /* granules from the pool's first block */
    /* Free blocks only (these overlay the payload): */
    struct block *next_free; /* next in this block's free list */
    struct block *prev_free; /* previous in it, NULL for the head */
};

_Static_assert(sizeof(struct block) == BLOCK_HDR + MIN_PAYLOAD, "header");

struct heap_pool {
    struct list link;       /* in heap.pools */
    uintptr_t pa;           /* physical address of the first frame */
    size_t nframes;         /* frames the pool holds */
    struct block *first;    /* first block, just after this header */
    struct block *sentinel; /* zero-size used block ending the chain */
    uint64_t *starts;       /* bit i: a block begins at granule i */
    size_t nwords;          /* words in starts */
};

#define POOL_HDR 64UL /* sizeof(struct heap_pool) rounded up to 16 */
_Static_assert(sizeof(struct heap_pool) <= POOL_HDR, "pool header");

static struct spinlock heap_lock = SPINLOCK_INIT("heap_lock");

/* heap_lock guards every field. */
static struct heap {
    uint32_t fl_bitmap;                     /* bit f: a list of f non-empty */
    uint32_t sl_bitmap[FL_COUNT];           /* bit s: list [f][s] non-empty */
    struct block *free[FL_COUNT][SL_COUNT]; /* free-list heads */
    struct list pools;                      /* every pool, newest first */
    size_t empty_pools;                     /* pools that are one free block */
    struct heap_stats stats; /* the counters heap_stats reports */
} heap = {.pools = LIST_INIT(heap.pools)};

/* ---- Blocks (caller holds heap_lock) ------------------------------------- */

static size_t block_size(const struct block *b)
{
    return (size_t)(b->info >> 1) << ALIGN_LOG2;
}

static bool block_is_free(const struct block *b)
{
    return (b->info & BLOCK_FREE) != 0;
}

static void block_set(struct block *b, size_t size, bool is_free)
{
    b->info =
        (uint32_t)((size >> ALIGN_LOG2) << 1) | (is_free ? BLOCK_FREE : 0);
}

static struct block *block_next(const struct block *b)
{
    return (struct block *)((char *)b + BLOCK_HDR + block_size(b));
}

static void *block_payload(struct block *b)
{
    return (char *)b + BLOCK_HDR;
}

static struct heap_pool *block_pool(const struct block *b)
{
    return (struct heap_pool *)((char *)b - ((size_t)b->offset << ALIGN_LOG2) -
                                POOL_HDR);
}

/* The block is a whole pool: first in it and followed by the sentinel. */
static bool block_is_whole(const struct block *b)
{
    return b->prev_phys == NULL && block_next(b)->info == 0;
}

static void start_mark(const struct block *b, bool on)
{
    uint64_t *w = &block_pool(b)->starts[b->offset / 64];
    uint64_t mask = 1ULL << (b->offset % 64);

    *w = on ? (*w | mask) : (*w & ~mask);
}

static bool start_marked(const struct heap_pool *p, size_t granule)
{
    return (p->starts[granule / 64] >> (granule % 64)) & 1;
}

/* ---- Size classes and free lists ----------------------------------------- */

static unsigned fls_size(size_t x)
{
    return 63U - (unsigned)__builtin_clzl(x);
}

/* The list a free block of this size belongs on. */
static void mapping_insert(size_t size, unsigned *fl, unsigned *sl)
{
    unsigned f;

    if (size < SMALL_SIZE) {
        *fl = 0;
        *sl = (unsigned)(size / (SMALL_SIZE / SL_COUNT));
        return;
    }
    f = fls_size(size);
    *sl = (unsigned)(size >> (f - SL_LOG2)) ^ SL_COUNT;
    *fl = f - (FL_SHIFT - 1);
    KASSERT(*fl < FL_COUNT);
}

/*
 * A free block of at least size bytes, from the first non-empty list whose
 * every block is big enough (size rounded up to the next list), or NULL.
 */
static struct block *freelist_find_locked(size_t size)
{
    unsigned fl, sl;
    uint32_t slmap, flmap;

    if (size >= SMALL_SIZE) {
        size += (1UL << (fls_size(size) - SL_LOG2)) - 1;
    }
    mapping_insert(size, &fl, &sl);
    slmap = heap.sl_bitmap[fl] & (~0U << sl);
    if (slmap == 0) {
        flmap = heap.fl_bitmap & (~0U << (fl + 1));
        if (flmap == 0) {
            return NULL;
        }
        fl = (unsigned)__builtin_ctz(flmap);
        slmap = heap.sl_bitmap[fl];
    }
    sl = (unsigned)__builtin_ctz(slmap);
    return heap.free[fl][sl];
}

static void freelist_insert_locked(struct block *b)
{
    unsigned fl, sl;

    mapping_insert(block_size(b), &fl, &sl);
    b->prev_free = NULL;
    b->next_free = heap.free[fl][sl];
    if (b->next_free != NULL) {
        b->next_free->prev_free = b;
    }
    heap.free[fl][sl] = b;
    heap.fl_bitmap |= 1U << fl;
    heap.sl_bitmap[fl] |= 1U << sl;
    if (block_is_whole(b)) {
        heap.empty_pools++;
    }
}

static void freelist_remove_locked(struct block *b)
{
    unsigned fl, sl;

    mapping_insert(block_size(b), &fl, &sl);
    if (b->prev_free != NULL) {
        b->prev_free->next_free = b->next_free;
    } else {
        heap.free[fl][sl] = b->next_free;
    }
    if (b->next_free != NULL) {
        b->next_free->prev_free = b->prev_free;
    }
    if (heap.free[fl][sl] == NULL) {
        heap.sl_bitmap[fl] &= ~(1U << sl);
        if (heap.sl_bitmap[fl] == 0) {
            heap.fl_bitmap &= ~(1U << fl);
        }
    }
    if (block_is_whole(b)) {
        heap.empty_pools--;
    }
}

/* ---- Pools --------------------------------------------------------------- */

/* Bytes of start bitmap for a pool of the given size (rounded to 16). */
static size_t pool_bitmap_bytes(size_t bytes)
{
    size_t granules = (bytes - POOL_HDR) / ALIGN;

    return ((granules + 63) / 64 * 8 + ALIGN - 1) & ~(ALIGN - 1);
}

/* Payload of the first block of a fresh pool of the given size. */
static size_t pool_first_payload(size_t bytes)
{
    return bytes - POOL_HDR - pool_bitmap_bytes(bytes) - 2 * BLOCK_HDR;
}

/*
 * Bytes of the smallest pool whose first block holds need bytes.  The start
 * value is a lower bound (the start bitmap is at least need / 128 bytes), so
 * the loop runs at most a couple of times.
 */
static size_t pool_bytes_for(size_t need)
{
    size_t bytes = need + need / 128 + POOL_HDR + 2 * BLOCK_HDR;

    bytes = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (bytes < HEAP_POOL_MIN) {
        bytes = HEAP_POOL_MIN;
    }
    while (pool_first_payload(bytes) < need) {
        bytes += PAGE_SIZE;
    }
    return bytes;
}

/*
 * Add a pool whose first block holds at least need bytes and return that
 * block, on the free lists; NULL when the frame allocator has no such run.
 */
static struct block *pool_grow_locked(size_t need)
{
    size_t bytes = pool_bytes_for(need);
    uintptr_t pa = alloc_frames(bytes / PAGE_SIZE);
    struct heap_pool *p;
    struct block *b;

    if (pa == 0) {
        return NULL;
    }
    p = arch_phys_to_virt(pa);
    p->pa = pa;
    p->nframes = bytes / PAGE_SIZE;
    p->first = (struct block *)((char *)p + POOL_HDR);
    p->starts = (uint64_t *)((char *)p + bytes - pool_bitmap_bytes(bytes));
    p->nwords = pool_bitmap_bytes(bytes) / sizeof(uint64_t);
    p->sentinel = (struct block *)((char *)p->starts - BLOCK_HDR);
    memset(p->starts, 0, p->nwords * sizeof(uint64_t));
    b = p->first;
    b->prev_phys = NULL;
    b->offset = 0;
    block_set(b, pool_first_payload(bytes), true);
    p->sentinel->prev_phys = b;
    p->sentinel->offset = (uint32_t)(pool_first_payload(bytes) / ALIGN + 1);
    p->sentinel->info = 0;
    KASSERT(block_next(b) == p->sentinel);
    start_mark(b, true);
    list_push_front(&heap.pools, &p->link);
    heap.stats.pools++;
    heap.stats.pool_bytes += bytes;
    freelist_insert_locked(b);
    return b;
}

/* Give a pool that is one free block (not on the lists) back to frames. */
static void pool_release_locked(struct heap_pool *p)
{
    list_remove(&p->link);
    heap.stats.pools--;
    heap.stats.pool_bytes -= p->nframes * PAGE_SIZE;
    if (free_frames(p->pa, p->nframes) != 0) {
        panic("heap: pool at 0x%lx refused by the frame allocator",
              (unsigned long)p->pa);
    }
}

/*
 * Keep at most one empty pool, and only a minimum-size one: it absorbs the
 * next small allocation without a trip to the frame allocator.
 */
static bool pool_should_release_locked(const struct heap_pool *p)
{
    return heap.empty_pools > 0 || p->nframes * PAGE_SIZE > HEAP_POOL_MIN;
}

/* The pool whose frames hold address a, or NULL. */
/*
 * The pool holding address a, or NULL.  A walk of the pool list, which is
 * kept in most-recently-found order: frees cluster in time and space, so
 * the pool wanted is usually at the front.  Worst case O(pools).
 */
static struct heap_pool *pool_find_locked(uintptr_t a)
{
    struct list *l;

    list_for_each(l, &heap.pools)
    {
        struct heap_pool *p = list_entry(l, struct heap_pool, link);
        uintptr_t lo = (uintptr_t)p;

        if (a >= lo && a - lo < p->nframes * PAGE_SIZE) {
            if (l != heap.pools.next) {
                list_remove(l);
                list_push_front(&heap.pools, l);
            }
            return p;
        }
    }
    return NULL;
}

/* ---- Splitting and merging ----------------------------------------------- */

/*
 * Make used block b (not on the lists) free, merge it with free neighbours
 * and put the result on the lists, or give its pool back if that leaves the
 * pool empty and one is already cached.
 */
static void block_release_locked(struct block *b)
{
    struct block *next = block_next(b), *prev = b->prev_phys;

    KASSERT(holding(&heap_lock));
    block_set(b, block_size(b), true);
    if (block_is_free(next)) {
        freelist_remove_locked(next);
        start_mark(next, false);
        block_set(b, block_size(b) + BLOCK_HDR + block_size(next), true);
        block_next(b)->prev_phys = b;
    }
    if (prev != NULL && block_is_free(prev)) {
        freelist_remove_locked(prev);
        start_mark(b, false);
        block_set(prev, block_size(prev) + BLOCK_HDR + block_size(b), true);
        block_next(prev)->prev_phys = prev;
        b = prev;
    }
    if (block_is_whole(b) && pool_should_release_locked(block_pool(b))) {
        pool_release_locked(block_pool(b));
        return;
    }
    freelist_insert_locked(b);
}

/*
 * Cut used block b down to size bytes; the tail, if it can be a block,
 * becomes free (merging with a free block after it).
 */
static void block_trim_locked(struct block *b, size_t size)
{
    size_t have = block_size(b);
    struct block *rest;

    if (have - size < MIN_BLOCK) {
        return;
    }
    rest = (struct block *)((char *)b + BLOCK_HDR + size);
    block_set(rest, have - size - BLOCK_HDR, false);
    rest->prev_phys = b;
    rest->offset = b->offset + (uint32_t)((BLOCK_HDR + size) / ALIGN);
    block_next(rest)->prev_phys = rest;
    block_set(b, size, false);
    start_mark(rest, true);
    block_release_locked(rest);
}

/*
 * Split the first gap bytes of used block b off as a free block; returns the
 * used block that now starts gap bytes later.  gap >= MIN_BLOCK.
 */
static struct block *block_cut_front_locked(struct block *b, size_t gap)
{
    struct block *c = (struct block *)((char *)b + gap);

    block_set(c, block_size(b) - gap, false);
    c->prev_phys = b;
    c->offset = b->offset + (uint32_t)(gap / ALIGN);
    block_next(c)->prev_phys = c;
    block_set(b, gap - BLOCK_HDR, false);
    start_mark(c, true);
    block_release_locked(b);
    return c;
}

static void account_locked(size_t add, size_t sub)
{
    heap.stats.bytes_in_use += add;
    heap.stats.bytes_in_use -= sub;
    if (heap.stats.bytes_in_use > heap.stats.peak_bytes) {
        heap.stats.peak_bytes = heap.stats.bytes_in_use;
    }
}

/* Take a free block of at least size bytes off the lists; grow if need be. */
static struct block *block_take_locked(size_t size)
{
    struct block *b = freelist_find_locked(size);

    KASSERT(holding(&heap_lock));
    if (b == NULL) {
        b = pool_grow_locked(size);
        if (b == NULL) {
            return NULL;
        }
    }
    freelist_remove_locked(b);
    block_set(b, block_size(b), false);
    return b;
}

/* ---- The API ------------------------------------------------------------- */

/* Payload size for a request: a multiple of 16, at least MIN_PAYLOAD. */
static size_t adjust_size(size_t size)
{
    size = (size + ALIGN - 1) & ~(ALIGN - 1);
    return size < MIN_PAYLOAD ? MIN_PAYLOAD : size;
}

void *kmalloc(size_t size)
{
    struct block *b;

    if (size == 0 || size > HEAP_ALLOC_MAX) {
        return NULL;
    }
    size = adjust_size(size);
    spin_lock(&heap_lock);
    b = block_take_locked(size);
    if (b != NULL) {
        block_trim_locked(b, size);
        heap.stats.live_allocs++;
        account_locked(block_size(b), 0);
    }
    spin_unlock(&heap_lock);
    return b != NULL ? block_payload(b) : NULL;
}

void *kmalloc_aligned(size_t size, size_t align)
{
    struct block *b;
    uintptr_t p;
    size_t gap;

    if (align == 0 || (align & (align - 1)) != 0 || align > HEAP_MAX_ALIGN) {
        return NULL;
    }
    if (align <= ALIGN) {
        return kmalloc(size);
    }
    if (size == 0 || size > HEAP_ALLOC_MAX) {
        return NULL;
    }
    size = adjust_size(size);
    spin_lock(&heap_lock);
    /* Room for the size, the worst gap and a free block in front of it. */
    b = block_take_locked(size + align + MIN_BLOCK);
    if (b != NULL) {
        p = (uintptr_t)block_payload(b);
        gap = ((p + align - 1) & ~(align - 1)) - p;
        if (gap != 0 && gap < MIN_BLOCK) {
            gap += align;
        }
        if (gap != 0) {
            b = block_cut_front_locked(b, gap);
        }
        block_trim_locked(b, size);
        heap.stats.live_allocs++;
        account_locked(block_size(b), 0);
    }
    spin_unlock(&heap_lock);
    return b != NULL ? block_payload(b) : NULL;
}

void *kcalloc(size_t n, size_t size)
{
    size_t total;
    void *p;

    if (__builtin_mul_overflow(n, size, &total)) {
        return NULL;
    }
    p = kmalloc(total);
    if (p != NULL) {
        memset(p, 0, total);
    }
    return p;
}

enum bad_ptr {
    PTR_LIVE,
    PTR_FOREIGN,
    PTR_INTERIOR,
    PTR_DOUBLE,
};

static const char *const bad_ptr_text[] = {
    [PTR_LIVE] = "live",
    [PTR_FOREIGN] = "not in any heap pool",
    [PTR_INTERIOR] =
        "not a block start (interior pointer, or freed and merged)",
    [PTR_DOUBLE] = "already free (double free)",
};

/*
 * Find the live block whose payload is ptr, reading heap memory only once
 * ptr is known to lie in a pool and to start a block.
 */
static enum bad_ptr lookup_live_locked(const void *ptr, struct block **out)
{
    uintptr_t a = (uintptr_t)ptr;
    struct heap_pool *p = pool_find_locked(a);
    uintptr_t first, hdr;

    KASSERT(holding(&heap_lock));
    if (p == NULL) {
        return PTR_FOREIGN;
    }
    first = (uintptr_t)p->first;
    hdr = a - BLOCK_HDR;
    if (a < first + BLOCK_HDR || hdr >= (uintptr_t)p->sentinel ||
        (hdr - first) % ALIGN != 0 || !start_marked(p, (hdr - first) / ALIGN)) {
        return PTR_INTERIOR;
    }
    *out = (struct block *)hdr;
    return block_is_free(*out) ? PTR_DOUBLE : PTR_LIVE;
}

static void report_bad(const char *what, const void *ptr, enum bad_ptr why)
{
    kprintf("heap: bad %s of %p: %s\n", what, ptr, bad_ptr_text[why]);
}

void kfree(void *ptr)
{
    struct block *b = NULL;
    enum bad_ptr why;

    if (ptr == NULL) {
        return;
    }
    spin_lock(&heap_lock);
    why = lookup_live_locked(ptr, &b);
    if (why == PTR_LIVE) {
        heap.stats.live_allocs--;
        account_locked(0, block_size(b));
        block_release_locked(b);
    } else {
        heap.stats.bad_frees++;
    }
    spin_unlock(&heap_lock);
    if (why != PTR_LIVE) {
        report_bad("free", ptr, why);
    }
}

size_t ksize(const void *ptr)
{
    struct block *b = NULL;
    enum bad_ptr why;
    size_t size = 0;

    if (ptr == NULL) {
        return 0;
    }
    spin_lock(&heap_lock);
    why = lookup_live_locked(ptr, &b);
    if (why == PTR_LIVE) {
        size = block_size(b);
    }
    spin_unlock(&heap_lock);
    if (why != PTR_LIVE) {
        report_bad("ksize", ptr, why);
    }
    return size;
}

/*
 * Resize live block b to size bytes without moving it: shrink by trimming,
 * grow by absorbing a free block after it.  False if it cannot.
 */
static bool resize_in_place_locked(struct block *b, size_t size)
{
    size_t old = block_size(b);
    struct block *next = block_next(b);

    if (size > old) {
        if (!block_is_free(next) || old + BLOCK_HDR + block_size(next) < size) {
            return false;
        }
        freelist_remove_locked(next);
        start_mark(next, false);
        block_set(b, old + BLOCK_HDR + block_size(next), false);
        block_next(b)->prev_phys = b;
    }
    block_trim_locked(b, size);
    account_locked(block_size(b), old);
    return true;
}

void *krealloc(void *ptr, size_t size)
{
    struct block *b = NULL;
    enum bad_ptr why;
    size_t old = 0;
    bool done = false;
    void *q;

    if (ptr == NULL) {
        return kmalloc(size);
    }
    if (size == 0) {
        kfree(ptr);
        return NULL;
    }
    spin_lock(&heap_lock);
    why = lookup_live_locked(ptr, &b);
    if (why == PTR_LIVE) {
        old = block_size(b);
        done = size <= HEAP_ALLOC_MAX &&
               resize_in_place_locked(b, adjust_size(size));
    } else {
        heap.stats.bad_frees++;
    }
    spin_unlock(&heap_lock);
    if (why != PTR_LIVE) {
        report_bad("krealloc", ptr, why);
        return NULL;
    }
    if (done) {
        return ptr;
    }
    /* Move: the caller owns ptr, so it stays live while we copy. */
    q = kmalloc(size);
    if (q != NULL) {
        memcpy(q, ptr, old < size ? old : size);
        kfree(ptr);
    }
    return q;
}

struct heap_stats heap_stats(void)
{
    struct heap_stats s;

    spin_lock(&heap_lock);
    s = heap.stats;
    spin_unlock(&heap_lock);
    return s;
}

void heap_reset(void)
{
    spin_lock(&heap_lock);
    memset(&heap, 0, sizeof(heap));
    list_init(&heap.pools);
    spin_unlock(&heap_lock);
}

/* ---- heap_check ---------------------------------------------------------- */

/* What heap_check sums while walking the pools. */
struct heap_tally {
    size_t used_bytes;  /* payload bytes of used blocks */
    size_t used_blocks; /* used blocks */
    size_t free_blocks; /* free blocks */
    size_t empty_pools; /* pools that are a single free block */
    size_t pool_bytes;  /* bytes of all pools */
    size_t pools;       /* pools */
};

/*
 * In the heap_check helpers only: on a broken invariant, describe it in the
 * caller's msg[msglen] and return -EINVAL from the helper.
 */
#define CHECK(cond, ...)                         \
    do {                                         \
        if (!(cond)) {                           \
            ksnprintf(msg, msglen, __VA_ARGS__); \
            return -EINVAL;                      \
        }                                        \
    } while (0)

/* Check one pool's block chain and start bitmap; add it to t. */
static int check_pool_locked(const struct heap_pool *p, struct heap_tally *t,
                             char *msg, size_t msglen)
{
    const struct block *b = p->first, *prev = NULL;
    size_t nblocks = 0, marked = 0;

    CHECK(p->first == (const struct block *)((const char *)p + POOL_HDR),
          "pool %p: first block misplaced", (const void *)p);
    CHECK(p->sentinel->info == 0, "pool %p: sentinel overwritten",
          (const void *)p);
    while (b != p->sentinel) {
        size_t off = (size_t)((const char *)b - (const char *)p->first);

        CHECK(b < p->sentinel && block_size(b) >= MIN_PAYLOAD,
              "block %p: bad size %zu", (const void *)b, block_size(b));
        CHECK(b->prev_phys == prev && b->offset == off / ALIGN,
              "block %p: bad prev/offset", (const void *)b);
        CHECK(start_marked(p, b->offset), "block %p: start not marked",
              (const void *)b);
        CHECK(!(block_is_free(b) && prev != NULL && block_is_free(prev)),
              "block %p: two free neighbours not merged", (const void *)b);
        if (block_is_free(b)) {
            CHECK(!block_is_whole(b) || p->nframes * PAGE_SIZE == HEAP_POOL_MIN,
                  "pool %p: empty but bigger than a minimum pool",
                  (const void *)p);
            t->free_blocks++;
            t->empty_pools += block_is_whole(b);
        } else {
            t->used_blocks++;
            t->used_bytes += block_size(b);
        }
        nblocks++;
        prev = b;
        b = block_next(b);
    }
    CHECK(p->sentinel->prev_phys == prev, "pool %p: sentinel prev wrong",
          (const void *)p);
    for (size_t i = 0; i < p->nwords; i++) {
        /* No __builtin_popcountll: without -mpopcnt it calls libgcc. */
        for (uint64_t w = p->starts[i]; w != 0; w &= w - 1) {
            marked++;
        }
    }
    CHECK(marked == nblocks, "pool %p: %zu starts marked for %zu blocks",
          (const void *)p, marked, nblocks);
    t->pools++;
    t->pool_bytes += p->nframes * PAGE_SIZE;
    return 0;
}

/* Check every free list against the bitmaps and the blocks on it. */
static int check_lists_locked(size_t free_blocks, char *msg, size_t msglen)
{
    size_t listed = 0;

    for (unsigned f = 0; f < FL_COUNT; f++) {
        CHECK(((heap.fl_bitmap >> f) & 1) == (heap.sl_bitmap[f] != 0),
              "fl bitmap bit %u wrong", f);
        for (unsigned s = 0; s < SL_COUNT; s++) {
            const struct block *prev = NULL;

            CHECK(((heap.sl_bitmap[f] >> s) & 1) == (heap.free[f][s] != NULL),
                  "sl bitmap bit %u/%u wrong", f, s);
            for (const struct block *b = heap.free[f][s]; b != NULL;
                 b = b->next_free) {
                unsigned bf, bs;

                CHECK(listed++ < free_blocks, "free lists hold extra blocks");
                CHECK(pool_find_locked((uintptr_t)b) != NULL &&
                          block_is_free(b),
                      "list %u/%u: %p is not a free heap block", f, s,
                      (const void *)b);
                mapping_insert(block_size(b), &bf, &bs);
                CHECK(bf == f && bs == s && b->prev_free == prev,
                      "list %u/%u: block %p misfiled", f, s, (const void *)b);
                prev = b;
            }
        }
    }
    CHECK(listed == free_blocks, "%zu free blocks but %zu listed", free_blocks,
          listed);
    return 0;
}

static int check_locked(char *msg, size_t msglen)
{
    struct heap_tally t = {0};
    const struct heap_stats *s = &heap.stats;
    struct list *l;
    int err;

    list_for_each(l, &heap.pools)
    {
        err = check_pool_locked(list_entry(l, struct heap_pool, link), &t, msg,
                                msglen);
        if (err != 0) {
            return err;
        }
    }
    err = check_lists_locked(t.free_blocks, msg, msglen);
    if (err != 0) {
        return err;
    }
    CHECK(t.used_bytes == s->bytes_in_use && t.used_blocks == s->live_allocs,
          "counters say %zu bytes in %zu allocations, blocks %zu in %zu",
          s->bytes_in_use, s->live_allocs, t.used_bytes, t.used_blocks);
    CHECK(t.pools == s->pools && t.pool_bytes == s->pool_bytes,
          "pool counters wrong");
    CHECK(t.empty_pools == heap.empty_pools && t.empty_pools <= 1,
          "%zu empty pools (counted %zu)", t.empty_pools, heap.empty_pools);
    CHECK(s->peak_bytes >= s->bytes_in_use, "peak below bytes in use");
    return 0;
}

int heap_check(void)
{
    char msg[160];
    int err;

    spin_lock(&heap_lock);
    err = check_locked(msg, sizeof(msg));
    spin_unlock(&heap_lock);
    if (err != 0) {
        kprintf("heap_check: %s\n", msg);
    }
    return err;
}
