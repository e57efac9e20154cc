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
 * instructions.  There is one such set of lists per tier: a pool's tier
 * grows with the number of pools when it was made (TIER_COUNT of them), and
 * kmalloc takes a block from the lowest tier that has one, so memory made
 * for a burst is not pinned by what is allocated while it drains.
 *
 * Every frame of a pool is tagged with the pool in the frame allocator's
 * per-frame metadata (frame_set_owner), so a pointer's pool is found in
 * O(1) without reading the pointer's memory.  A pool that becomes empty is
 * given back, except one minimum-size pool kept as the spare: off the free
 * lists (so it is used only when no other pool can serve a request) until
 * kmalloc needs it or heap_trim releases it.
 *
 * heap_lock guards everything here.  Lock order: heap_lock, then frame_lock
 * (the heap calls the frame allocator with heap_lock held); frame_lock is
 * innermost.  Reports are printed after heap_lock is released.
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
#define TIER_COUNT 16 /* a pool's tier: 1 + log2(pools before it), capped */

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
    uint32_t nframes;       /* frames the pool holds */
    uint32_t tier;          /* which free lists its blocks go on */
    struct block *first;    /* first block, just after this header */
    struct block *sentinel; /* zero-size used block ending the chain */
    uint64_t *starts;       /* bit i: a block begins at granule i */
    size_t nwords;          /* words in starts */
};

#define POOL_HDR 64UL /* sizeof(struct heap_pool) rounded up to 16 */
_Static_assert(sizeof(struct heap_pool) <= POOL_HDR, "pool header");

static struct spinlock heap_lock = SPINLOCK_INIT("heap_lock");

/* The free lists of one tier. */
struct heap_tier {
    uint32_t fl_bitmap;                     /* bit f: a list of f non-empty */
    uint32_t sl_bitmap[FL_COUNT];           /* bit s: list [f][s] non-empty */
    struct block *free[FL_COUNT][SL_COUNT]; /* free-list heads */
};

/* heap_lock guards every field. */
static struct heap {
    uint32_t tier_bitmap;               /* bit t: tier t has a free block */
    struct heap_tier tiers[TIER_COUNT]; /* free lists, lowest tier first */
    struct list pools;                  /* every pool, newest first */
    struct heap_pool *spare;            /* the cached empty pool, or NULL */
    struct heap_stats stats;            /* the counters heap_stats reports */
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

/* The head of tier t's first non-empty list at or above [fl][sl], or NULL. */
static struct block *tier_find(const struct heap_tier *t, unsigned fl,
                               unsigned sl)
{
    uint32_t slmap = t->sl_bitmap[fl] & (~0U << sl), flmap;

    if (slmap == 0) {
        flmap = t->fl_bitmap & (~0U << (fl + 1));
        if (flmap == 0) {
            return NULL;
        }
        fl = (unsigned)__builtin_ctz(flmap);
        slmap = t->sl_bitmap[fl];
    }
    return t->free[fl][(unsigned)__builtin_ctz(slmap)];
}

/*
 * A free block of at least size bytes from the lowest tier that has one, or
 * NULL.  In each tier: the first non-empty list whose every block is big
 * enough (size rounded up to the next list), else the head of size's own
 * list if it is big enough, so a hole of exactly the size is not passed
 * over for a later pool.  O(TIER_COUNT).
 */
static struct block *freelist_find_locked(size_t size)
{
    size_t up = size;
    unsigned fl, sl, efl, esl;

    if (size >= SMALL_SIZE) {
        up += (1UL << (fls_size(size) - SL_LOG2)) - 1;
    }
    mapping_insert(up, &fl, &sl);
    mapping_insert(size, &efl, &esl);
    for (uint32_t m = heap.tier_bitmap; m != 0; m &= m - 1) {
        struct heap_tier *t = &heap.tiers[__builtin_ctz(m)];
        struct block *b = tier_find(t, fl, sl);

        if (b == NULL) {
            b = t->free[efl][esl];
        }
        if (b != NULL && block_size(b) >= size) {
            return b;
        }
    }
    return NULL;
}

static void freelist_insert_locked(struct block *b)
{
    uint32_t tier = block_pool(b)->tier;
    struct heap_tier *t = &heap.tiers[tier];
    unsigned fl, sl;

    mapping_insert(block_size(b), &fl, &sl);
    b->prev_free = NULL;
    b->next_free = t->free[fl][sl];
    if (b->next_free != NULL) {
        b->next_free->prev_free = b;
    }
    t->free[fl][sl] = b;
    t->fl_bitmap |= 1U << fl;
    t->sl_bitmap[fl] |= 1U << sl;
    heap.tier_bitmap |= 1U << tier;
}

static void freelist_remove_locked(struct block *b)
{
    uint32_t tier = block_pool(b)->tier;
    struct heap_tier *t = &heap.tiers[tier];
    unsigned fl, sl;

    mapping_insert(block_size(b), &fl, &sl);
    if (b->prev_free != NULL) {
        b->prev_free->next_free = b->next_free;
    } else {
        t->free[fl][sl] = b->next_free;
    }
    if (b->next_free != NULL) {
        b->next_free->prev_free = b->prev_free;
    }
    if (t->free[fl][sl] == NULL) {
        t->sl_bitmap[fl] &= ~(1U << sl);
        if (t->sl_bitmap[fl] == 0) {
            t->fl_bitmap &= ~(1U << fl);
            if (t->fl_bitmap == 0) {
                heap.tier_bitmap &= ~(1U << tier);
            }
        }
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
 * The tier for a pool made (or reused) while `others` other pools exist:
 * the earlier a pool comes, the lower its tier and the sooner it is used.
 */
static uint32_t pool_tier(size_t others)
{
    uint32_t t = others == 0 ? 0 : 1 + fls_size(others);

    return t < TIER_COUNT ? t : TIER_COUNT - 1;
}

/*
 * Add a pool whose first block holds at least need bytes and return that
 * block, free but not on the lists; NULL when the frame allocator has no
 * such run.  Its frames are tagged with the pool.
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
    if (frame_set_owner(pa, bytes / PAGE_SIZE, FRAME_HEAP, p) != 0) {
        panic("heap: cannot tag the pool at 0x%lx", (unsigned long)pa);
    }
    p->pa = pa;
    p->nframes = (uint32_t)(bytes / PAGE_SIZE);
    p->tier = pool_tier(heap.stats.pools);
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
    return b;
}

/*
 * Give a pool that is one free block (not on the lists) back to the frame
 * allocator, which clears the frames' owner tags.
 */
static void pool_release_locked(struct heap_pool *p)
{
    list_remove(&p->link);
    heap.stats.pools--;
    heap.stats.pool_bytes -= (size_t)p->nframes * PAGE_SIZE;
    if (free_frames(p->pa, p->nframes) != 0) {
        panic("heap: pool at 0x%lx refused by the frame allocator",
              (unsigned long)p->pa);
    }
}

/*
 * Pool p has just become one free block (not on the lists): keep it as the
 * spare if there is none and it is minimum-size (it absorbs the next growth
 * without a trip to the frame allocator), else give it back.
 */
static void pool_empty_locked(struct heap_pool *p)
{
    if (heap.spare == NULL && (size_t)p->nframes * PAGE_SIZE == HEAP_POOL_MIN) {
        heap.spare = p;
        return;
    }
    pool_release_locked(p);
}

/*
 * The pool holding address a, or NULL, from the owner tag of a's frame:
 * O(log zones) whatever the number of pools, and a is never read.  A tag
 * reached through another alias of the frame is refused.  Caller holds
 * heap_lock, under which every FRAME_HEAP tag is set and cleared.
 */
static struct heap_pool *pool_find_locked(uintptr_t a)
{
    struct heap_pool *p =
        frame_owner(arch_virt_to_phys((const void *)a), FRAME_HEAP);

    if (p == NULL || a - (uintptr_t)p >= (size_t)p->nframes * PAGE_SIZE) {
        return NULL;
    }
    return p;
}

/* ---- Splitting and merging ----------------------------------------------- */

/*
 * Make used block b (not on the lists) free, merge it with free neighbours
 * and put the result on the lists, unless that leaves its pool empty
 * (pool_empty_locked).
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
    if (block_is_whole(b)) {
        pool_empty_locked(block_pool(b));
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

/*
 * Take a free block of at least size bytes and mark it used: from the
 * lists, else the spare pool, else a new pool; NULL when none can be had.
 */
static struct block *block_take_locked(size_t size)
{
    struct block *b = freelist_find_locked(size);

    KASSERT(holding(&heap_lock));
    if (b != NULL) {
        freelist_remove_locked(b);
    } else if (heap.spare != NULL && block_size(heap.spare->first) >= size) {
        b = heap.spare->first;
        heap.spare->tier = pool_tier(heap.stats.pools - 1);
        heap.spare = NULL;
    } else {
        b = pool_grow_locked(size);
        if (b == NULL) {
            return NULL;
        }
    }
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

size_t heap_trim(void)
{
    size_t frames = 0;

    spin_lock(&heap_lock);
    if (heap.spare != NULL) {
        frames = heap.spare->nframes;
        pool_release_locked(heap.spare);
        heap.spare = NULL;
    }
    spin_unlock(&heap_lock);
    return frames;
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
    size_t spare;       /* pools that are heap.spare */
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

/* Check that every frame of pool p, and only those, is tagged with p. */
static int check_pool_frames_locked(const struct heap_pool *p, char *msg,
                                    size_t msglen)
{
    CHECK(arch_phys_to_virt(p->pa) == (const void *)p,
          "pool %p: physical address wrong", (const void *)p);
    for (size_t k = 0; k < p->nframes; k++) {
        CHECK(frame_owner(p->pa + k * PAGE_SIZE, FRAME_HEAP) == p,
              "pool %p: frame %zu not tagged with it", (const void *)p, k);
    }
    return 0;
}

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
    CHECK(p->tier < TIER_COUNT, "pool %p: bad tier %u", (const void *)p,
          p->tier);
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
            CHECK(!block_is_whole(b) || p == heap.spare,
                  "pool %p: empty but not the spare", (const void *)p);
            t->free_blocks++;
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
    t->spare += p == heap.spare;
    t->pool_bytes += (size_t)p->nframes * PAGE_SIZE;
    return check_pool_frames_locked(p, msg, msglen);
}

/* Check tier ti's lists against its bitmaps and the blocks on them. */
static int check_tier_locked(unsigned ti, size_t *listed, size_t free_blocks,
                             char *msg, size_t msglen)
{
    const struct heap_tier *t = &heap.tiers[ti];

    CHECK(((heap.tier_bitmap >> ti) & 1) == (t->fl_bitmap != 0),
          "tier bitmap bit %u wrong", ti);
    for (unsigned f = 0; f < FL_COUNT; f++) {
        CHECK(((t->fl_bitmap >> f) & 1) == (t->sl_bitmap[f] != 0),
              "tier %u: fl bitmap bit %u wrong", ti, f);
        for (unsigned s = 0; s < SL_COUNT; s++) {
            const struct block *prev = NULL;

            CHECK(((t->sl_bitmap[f] >> s) & 1) == (t->free[f][s] != NULL),
                  "tier %u: sl bitmap bit %u/%u wrong", ti, f, s);
            for (const struct block *b = t->free[f][s]; b != NULL;
                 b = b->next_free) {
                const struct heap_pool *p = pool_find_locked((uintptr_t)b);
                unsigned bf, bs;

                CHECK((*listed)++ < free_blocks,
                      "free lists hold extra blocks");
                CHECK(p != NULL && block_is_free(b) && !block_is_whole(b),
                      "list %u/%u: %p is not a free heap block", f, s,
                      (const void *)b);
                mapping_insert(block_size(b), &bf, &bs);
                CHECK(bf == f && bs == s && b->prev_free == prev &&
                          p->tier == ti,
                      "list %u/%u: block %p misfiled", f, s, (const void *)b);
                prev = b;
            }
        }
    }
    return 0;
}

/* Check every tier's free lists; the spare's block is on none. */
static int check_lists_locked(size_t free_blocks, char *msg, size_t msglen)
{
    size_t listed = 0;
    int err;

    for (unsigned ti = 0; ti < TIER_COUNT; ti++) {
        err = check_tier_locked(ti, &listed, free_blocks, msg, msglen);
        if (err != 0) {
            return err;
        }
    }
    CHECK(listed + (heap.spare != NULL) == free_blocks,
          "%zu free blocks but %zu listed", free_blocks, listed);
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
    CHECK(frame_count_owned(FRAME_HEAP) == t.pool_bytes / PAGE_SIZE,
          "%zu frames tagged for the heap, pools hold %zu",
          frame_count_owned(FRAME_HEAP), t.pool_bytes / PAGE_SIZE);
    CHECK(t.spare == (heap.spare != NULL),
          "the spare pool is not on the pool list");
    CHECK(heap.spare == NULL ||
              ((size_t)heap.spare->nframes * PAGE_SIZE == HEAP_POOL_MIN &&
               block_is_free(heap.spare->first) &&
               block_is_whole(heap.spare->first)),
          "the spare pool is not one free minimum pool");
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
