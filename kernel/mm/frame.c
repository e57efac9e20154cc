/*
 * Physical frame allocator (see frame.h and docs/memory.md).
 *
 * Managed memory is a table of zones: maximal runs of whole frames that some
 * usable map entry covers and no reserved entry touches, sorted by address
 * and never adjacent.  One bitmap holds a bit per managed frame (1 =
 * allocated); each zone's bits start on a fresh 64-bit word and the pad bits
 * after its last frame are set, so a word scan never returns them.  A frame
 * is managed iff it lies in a zone; so "free" is "in a zone and bit clear",
 * and a free of anything outside every zone is refused as foreign.
 *
 * Beside the bitmap lies the per-frame metadata: one struct frame_meta per
 * managed frame, each zone's entries contiguous from its first_meta.  Both
 * live in the first frames of a zone (the lowest one above 1 MiB that can
 * hold them), which are then cut off the zone: they are never managed, so
 * they can never be handed out or freed.  Nothing here uses the heap.
 *
 * frame_lock guards everything below, with one exception: frame_owner
 * reads a tag without it (kfree calls it on every free).  That is sound
 * because the zone table changes only in frame_init, before any other call,
 * and a tag is one word, stored and loaded atomically; a caller that needs
 * a stable answer holds the lock under which it sets its own tags (the
 * heap: heap_lock).  Lock order: heap_lock, then frame_lock (the heap grows
 * and shrinks under its own lock); nothing else is taken while frame_lock
 * is held, and refusals are printed after it is released.
 */
#include "frame.h"

#include "arch.h"
#include "klog.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "param.h"
#include "spinlock.h"

#define WORD_BITS     64
#define META_MIN_ADDR (1UL << 20) /* the metadata goes above this if it can */
#define TAG_USE_MASK  15UL        /* frame_meta.tag: low bits are the use */

_Static_assert(FRAME_USES <= TAG_USE_MASK + 1, "frame uses fit the tag");

struct frame_zone {
    uintptr_t base;    /* physical address of the zone's first frame */
    size_t nframes;    /* frames in the zone, at least one */
    size_t first_word; /* the zone's first word in bitmap */
    size_t first_meta; /* the zone's first entry in meta */
};

/*
 * What the allocator knows about one managed frame besides its bit.  Keep
 * it small: it costs 8 bytes of every 4096.  Copy-on-write (a later issue)
 * adds the page reference count here.
 */
struct frame_meta {
    uintptr_t tag; /* owner | use (enum frame_use); 0 when untagged; for
                      FRAME_SHARED the owner bits hold holders - 1 */
};

#define SHARE_ONE (TAG_USE_MASK + 1) /* one extra holder in a shared tag */

static struct spinlock frame_lock = SPINLOCK_INIT("frame_lock");

/* frame_lock guards these: */
static struct frame_zone zones[FRAME_MAX_ZONES]; /* sorted by base */
static size_t nzones;                            /* zones in use */
static uint64_t *bitmap;         /* bit per managed frame: 1 = allocated */
static size_t nwords;            /* words in bitmap */
static struct frame_meta *meta;  /* entry per managed frame */
static size_t owned[FRAME_USES]; /* frames tagged with each use */
static size_t hint;       /* word where the next alloc_frame scan starts */
static size_t rover_zone; /* where the next alloc_frames search starts: */
static size_t rover;      /* a zone and a frame index in it */
static struct frame_stats stats; /* total and free frames */

/* ---- Building the zone table ------------------------------------------- */

/* The memory map as frame_init received it. */
struct memmap {
    const struct mem_range *ranges;
    size_t nranges;
    const struct mem_range *reserved;
    size_t nreserved;
};

/*
 * Entry i of the combined map (ranges, then reserved) as frame boundaries
 * below FRAME_PHYS_LIMIT: a usable entry shrinks to the whole frames inside
 * it and never covers frame 0; a reserved one grows to every frame it
 * touches.  False when nothing is left of it.
 */
static bool map_span(const struct memmap *m, size_t i, uint64_t *start,
                     uint64_t *end, bool *usable)
{
    const struct mem_range *r;
    uint64_t lo, hi;

    if (i < m->nranges) {
        r = &m->ranges[i];
        *usable = r->type == MEM_USABLE;
    } else {
        r = &m->reserved[i - m->nranges];
        *usable = false;
    }
    if (r->length == 0 || r->base >= FRAME_PHYS_LIMIT) {
        return false;
    }
    lo = r->base;
    hi = r->length > FRAME_PHYS_LIMIT - lo ? FRAME_PHYS_LIMIT : lo + r->length;
    if (*usable) {
        lo = (lo + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        hi &= ~(uint64_t)(PAGE_SIZE - 1);
        if (lo < PAGE_SIZE) {
            lo = PAGE_SIZE;
        }
    } else {
        lo &= ~(uint64_t)(PAGE_SIZE - 1);
        hi = (hi + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    }
    *start = lo;
    *end = hi;
    return lo < hi;
}

/* Smallest span boundary above a, or FRAME_PHYS_LIMIT when there is none. */
static uint64_t map_next_boundary(const struct memmap *m, uint64_t a)
{
    uint64_t next = FRAME_PHYS_LIMIT, s, e;
    bool usable;

    for (size_t i = 0; i < m->nranges + m->nreserved; i++) {
        if (!map_span(m, i, &s, &e, &usable)) {
            continue;
        }
        if (s > a && s < next) {
            next = s;
        }
        if (e > a && e < next) {
            next = e;
        }
    }
    return next;
}

/* True if frame a is covered by a usable span and by no reserved span. */
static bool map_managed_at(const struct memmap *m, uint64_t a)
{
    bool in_usable = false, usable;
    uint64_t s, e;

    for (size_t i = 0; i < m->nranges + m->nreserved; i++) {
        if (!map_span(m, i, &s, &e, &usable) || a < s || a >= e) {
            continue;
        }
        if (!usable) {
            return false;
        }
        in_usable = true;
    }
    return in_usable;
}

/*
 * Append the run [start, end) (above every zone so far) to the table.  When
 * the table is full the smallest run loses, so a map with too many pieces
 * costs the least memory.  Returns the frames dropped.
 */
static uint64_t zone_add_locked(uint64_t start, uint64_t end)
{
    size_t n = (end - start) / PAGE_SIZE, small = 0;

    if (nzones == FRAME_MAX_ZONES) {
        for (size_t i = 1; i < nzones; i++) {
            if (zones[i].nframes < zones[small].nframes) {
                small = i;
            }
        }
        if (zones[small].nframes >= n) {
            return n;
        }
        n = zones[small].nframes;
        memmove(&zones[small], &zones[small + 1],
                (nzones - small - 1) * sizeof(zones[0]));
        nzones--;
        zones[nzones].base = start;
        zones[nzones].nframes = (end - start) / PAGE_SIZE;
        nzones++;
        return n;
    }
    zones[nzones].base = start;
    zones[nzones].nframes = n;
    nzones++;
    return 0;
}

/*
 * Fill zones from the map: sweep the span boundaries in address order (the
 * coverage between two neighbouring boundaries is uniform) and add each
 * maximal managed run.  O((n + m)^2) for n ranges and m reserved entries,
 * done once at boot.  Returns the frames dropped for want of zone slots.
 */
static uint64_t zones_build_locked(const struct memmap *m)
{
    uint64_t a = 0, b, run = 0, run_end = 0, dropped = 0;

    nzones = 0;
    while (a < FRAME_PHYS_LIMIT) {
        b = map_next_boundary(m, a);
        if (map_managed_at(m, a)) {
            if (run_end != a) {
                if (run_end != 0) {
                    dropped += zone_add_locked(run, run_end);
                }
                run = a;
            }
            run_end = b;
        }
        a = b;
    }
    if (run_end != 0) {
        dropped += zone_add_locked(run, run_end);
    }
    return dropped;
}

static size_t words_for(size_t nframes)
{
    return (nframes + WORD_BITS - 1) / WORD_BITS;
}

/*
 * The zone to carve the bitmap from: the lowest one at or above 1 MiB that
 * can hold it (low, so the boot page tables map it; not below 1 MiB, which
 * firmware, DMA and AP start-up code want), else the largest that can.
 */
static size_t bitmap_zone_locked(size_t meta)
{
    size_t big = 0;

    for (size_t i = 0; i < nzones; i++) {
        if (zones[i].base >= META_MIN_ADDR && zones[i].nframes >= meta) {
            return i;
        }
        if (zones[i].nframes > zones[big].nframes) {
            big = i;
        }
    }
    return big;
}

/*
 * Carve the bitmap and the frame metadata (sized for the zones before the
 * cut, so a little too big) out of the start of a zone (bitmap_zone_locked)
 * and lay the zones out in them.  -ENOMEM when no zone can hold them or
 * nothing is left.
 */
static int bitmap_place_locked(void)
{
    size_t words = 0, frames = 0, nmeta, home;

    for (size_t i = 0; i < nzones; i++) {
        words += words_for(zones[i].nframes);
        frames += zones[i].nframes;
    }
    nmeta = (words * sizeof(uint64_t) + frames * sizeof(struct frame_meta) +
             PAGE_SIZE - 1) /
            PAGE_SIZE;
    if (nzones == 0) {
        return -ENOMEM;
    }
    home = bitmap_zone_locked(nmeta);
    if (zones[home].nframes < nmeta) {
        return -ENOMEM;
    }
    bitmap = arch_phys_to_virt(zones[home].base);
    meta = (struct frame_meta *)(bitmap + words);
    zones[home].base += nmeta * PAGE_SIZE;
    zones[home].nframes -= nmeta;
    if (zones[home].nframes == 0) {
        memmove(&zones[home], &zones[home + 1],
                (nzones - home - 1) * sizeof(zones[0]));
        nzones--;
    }
    if (nzones == 0) {
        return -ENOMEM;
    }
    nwords = 0;
    stats.total = 0;
    for (size_t i = 0; i < nzones; i++) {
        size_t n = zones[i].nframes, w = words_for(n);

        zones[i].first_word = nwords;
        zones[i].first_meta = stats.total;
        memset(&bitmap[nwords], 0, w * sizeof(uint64_t));
        if (n % WORD_BITS != 0) {
            bitmap[nwords + w - 1] = ~0ULL << (n % WORD_BITS);
        }
        nwords += w;
        stats.total += n;
    }
    memset(meta, 0, stats.total * sizeof(struct frame_meta));
    memset(owned, 0, sizeof(owned));
    owned[FRAME_UNTAGGED] = stats.total;
    stats.free = stats.total;
    hint = rover_zone = rover = 0;
    return 0;
}

int frame_init(const struct mem_range *ranges, size_t nranges,
               const struct mem_range *reserved, size_t nreserved)
{
    struct memmap m = {ranges, nranges, reserved, nreserved};
    uint64_t dropped;
    int err;

    spin_lock(&frame_lock);
    bitmap = NULL;
    nwords = 0;
    stats.total = stats.free = 0;
    dropped = zones_build_locked(&m);
    err = bitmap_place_locked();
    if (err != 0) {
        nzones = 0;
    }
    spin_unlock(&frame_lock);
    if (dropped != 0) {
        kprintf("frame: zone table full (%d), %lu frames ignored\n",
                FRAME_MAX_ZONES, (unsigned long)dropped);
    }
    return err;
}

/* ---- Bitmap helpers (caller holds frame_lock) --------------------------- */

/*
 * Zone holding physical address pa, or NULL if pa is not managed.  Reads
 * only the zone table, which frame_init alone writes.
 */
static struct frame_zone *zone_of_addr(uintptr_t pa)
{
    size_t lo = 0, hi = nzones;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct frame_zone *z = &zones[mid];

        if (pa < z->base) {
            hi = mid;
        } else if ((pa - z->base) / PAGE_SIZE >= z->nframes) {
            lo = mid + 1;
        } else {
            return z;
        }
    }
    return NULL;
}

/* Zone whose bits include bitmap word w (w < nwords). */
static struct frame_zone *zone_of_word(size_t w)
{
    size_t lo = 0, hi = nzones;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (zones[mid].first_word <= w) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return &zones[lo];
}

/* Give frames [i, i + n) of zone z the tag, keeping the counts. */
static void meta_tag(const struct frame_zone *z, size_t i, size_t n,
                     uintptr_t tag)
{
    for (size_t k = i; k < i + n; k++) {
        struct frame_meta *m = &meta[z->first_meta + k];

        owned[m->tag & TAG_USE_MASK]--;
        owned[tag & TAG_USE_MASK]++;
        __atomic_store_n(&m->tag, tag, __ATOMIC_RELAXED);
    }
}

/* Set (on) or clear bits [i, i + n) of zone z. */
static void bits_set(const struct frame_zone *z, size_t i, size_t n, bool on)
{
    for (size_t k = i; k < i + n; k++) {
        uint64_t mask = 1ULL << (k % WORD_BITS);
        uint64_t *w = &bitmap[z->first_word + k / WORD_BITS];

        *w = on ? (*w | mask) : (*w & ~mask);
    }
}

/*
 * First index in [i, limit) of zone z whose bit equals want, or limit
 * (limit <= z->nframes).  Whole words that cannot match are skipped, so a
 * scan costs O((limit - i) / 64 + 1).
 */
static size_t bit_find(const struct frame_zone *z, size_t i, size_t limit,
                       bool want)
{
    while (i < limit) {
        uint64_t w = bitmap[z->first_word + i / WORD_BITS];

        w = (want ? w : ~w) >> (i % WORD_BITS);
        if (w != 0) {
            i += (size_t)__builtin_ctzll(w);
            return i < limit ? i : limit;
        }
        i = (i / WORD_BITS + 1) * WORD_BITS;
    }
    return limit;
}

/* ---- Allocation ---------------------------------------------------------- */

/* Take the first free frame at or after the hint word, wrapping once. */
static uintptr_t alloc_one_locked(void)
{
    KASSERT(holding(&frame_lock));
    for (size_t k = 0; k < nwords; k++) {
        size_t w = hint + k < nwords ? hint + k : hint + k - nwords;
        struct frame_zone *z;
        size_t bit;

        if (bitmap[w] == ~0ULL) {
            continue;
        }
        bit = (size_t)__builtin_ctzll(~bitmap[w]);
        bitmap[w] |= 1ULL << bit;
        hint = w;
        stats.free--;
        z = zone_of_word(w);
        return z->base + ((w - z->first_word) * WORD_BITS + bit) * PAGE_SIZE;
    }
    panic("frame: %zu frames counted free but none in the bitmap", stats.free);
}

uintptr_t alloc_frame(void)
{
    uintptr_t pa = 0;

    spin_lock(&frame_lock);
    if (stats.free > 0) {
        pa = alloc_one_locked();
    }
    spin_unlock(&frame_lock);
    return pa;
}

/*
 * First index in [from, limit) of zone z (limit <= nframes) that starts a
 * run of n free frames inside the zone, or SIZE_MAX.
 */
static size_t run_find(const struct frame_zone *z, size_t from, size_t limit,
                       size_t n)
{
    size_t i = from;

    while (i < limit && z->nframes - i >= n) {
        size_t start = bit_find(z, i, limit, false), end;

        if (start == limit || z->nframes - start < n) {
            break;
        }
        end = bit_find(z, start, start + n, true);
        if (end == start + n) {
            return start;
        }
        i = end;
    }
    return SIZE_MAX;
}

/*
 * Next fit for a run of n free frames; 0 when none.  Every start index is
 * tried once: from the rover to the end of the zones, then from the first
 * zone back to the rover (that last zone's runs may extend past it).
 */
static uintptr_t alloc_run_locked(size_t n)
{
    KASSERT(holding(&frame_lock));
    for (size_t k = 0; k <= nzones; k++) {
        size_t zi = (rover_zone + k) % nzones;
        struct frame_zone *z = &zones[zi];
        size_t from = k == 0 ? rover : 0;
        size_t limit = k == nzones ? rover : z->nframes;
        size_t start = run_find(z, from, limit, n);

        if (start != SIZE_MAX) {
            bits_set(z, start, n, true);
            stats.free -= n;
            rover_zone = zi;
            rover = start + n;
            return z->base + start * PAGE_SIZE;
        }
    }
    return 0;
}

uintptr_t alloc_frames(size_t n)
{
    uintptr_t pa = 0;

    if (n == 1) {
        return alloc_frame();
    }
    spin_lock(&frame_lock);
    if (n > 0 && n <= stats.free) {
        pa = alloc_run_locked(n);
    }
    spin_unlock(&frame_lock);
    return pa;
}

/* ---- Freeing ------------------------------------------------------------- */

enum free_refusal {
    FREE_OK,
    FREE_EMPTY,
    FREE_UNALIGNED,
    FREE_FOREIGN,
    FREE_DOUBLE,
    FREE_SHARED,
};

static const char *const refusal_text[] = {
    [FREE_OK] = "ok",
    [FREE_EMPTY] = "starts an empty run (n == 0)",
    [FREE_UNALIGNED] = "is not frame-aligned",
    [FREE_FOREIGN] = "is not managed (reserved, metadata or unmapped)",
    [FREE_DOUBLE] = "is already free (double free)",
    [FREE_SHARED] = "is shared (release it instead)",
};

/* Is one of frames [i, i + n) of zone z shared? */
static bool any_shared(const struct frame_zone *z, size_t i, size_t n)
{
    for (size_t k = i; k < i + n; k++) {
        if ((meta[z->first_meta + k].tag & TAG_USE_MASK) == FRAME_SHARED) {
            return true;
        }
    }
    return false;
}

/*
 * Check that [pa, pa + n frames) is allocated managed memory in one zone,
 * and free it if so; otherwise change nothing.  *bad is the first frame
 * found already free.
 */
static enum free_refusal free_run_locked(uintptr_t pa, size_t n, uintptr_t *bad)
{
    struct frame_zone *z;
    size_t i, hole;

    KASSERT(holding(&frame_lock));
    if (n == 0) {
        return FREE_EMPTY;
    }
    if (pa % PAGE_SIZE != 0) {
        return FREE_UNALIGNED;
    }
    z = zone_of_addr(pa);
    if (z == NULL) {
        return FREE_FOREIGN;
    }
    i = (pa - z->base) / PAGE_SIZE;
    if (n > z->nframes - i) {
        return FREE_FOREIGN;
    }
    hole = bit_find(z, i, i + n, false);
    if (hole < i + n) {
        *bad = z->base + hole * PAGE_SIZE;
        return FREE_DOUBLE;
    }
    if (any_shared(z, i, n)) {
        return FREE_SHARED; /* others hold it: frame_release */
    }
    bits_set(z, i, n, false);
    meta_tag(z, i, n, 0);
    stats.free += n;
    return FREE_OK;
}

int free_frames(uintptr_t pa, size_t n)
{
    enum free_refusal why;
    uintptr_t bad = pa;

    spin_lock(&frame_lock);
    why = free_run_locked(pa, n, &bad);
    spin_unlock(&frame_lock);
    if (why == FREE_OK) {
        return 0;
    }
    kprintf("frame: refused free of 0x%lx (%zu frames): frame 0x%lx %s\n",
            (unsigned long)pa, n, (unsigned long)bad, refusal_text[why]);
    return why == FREE_DOUBLE   ? -EALREADY
           : why == FREE_SHARED ? -EBUSY
                                : -EINVAL;
}

int free_frame(uintptr_t pa)
{
    return free_frames(pa, 1);
}

struct frame_stats frame_stats(void)
{
    struct frame_stats s;

    spin_lock(&frame_lock);
    s = stats;
    spin_unlock(&frame_lock);
    return s;
}

int frame_set_owner(uintptr_t pa, size_t n, enum frame_use use, void *owner)
{
    uintptr_t tag = (uintptr_t)owner | (uintptr_t)use;
    struct frame_zone *z;
    int err = -EINVAL;
    size_t i;

    if ((uintptr_t)owner & TAG_USE_MASK || (unsigned)use >= FRAME_USES ||
        use == FRAME_SHARED || pa % PAGE_SIZE != 0 || n == 0) {
        return -EINVAL; /* FRAME_SHARED only through frame_share */
    }
    if (use == FRAME_UNTAGGED) {
        tag = 0;
    }
    spin_lock(&frame_lock);
    z = zone_of_addr(pa);
    i = z != NULL ? (pa - z->base) / PAGE_SIZE : 0;
    if (z != NULL && n <= z->nframes - i &&
        bit_find(z, i, i + n, false) == i + n && !any_shared(z, i, n)) {
        meta_tag(z, i, n, tag);
        err = 0;
    }
    spin_unlock(&frame_lock);
    return err;
}

void *frame_owner(uintptr_t pa, enum frame_use use)
{
    struct frame_zone *z = zone_of_addr(pa); /* no lock: see the top */
    uintptr_t tag = 0;

    if (z != NULL) {
        tag = __atomic_load_n(
            &meta[z->first_meta + (pa - z->base) / PAGE_SIZE].tag,
            __ATOMIC_RELAXED);
    }
    if (use == FRAME_UNTAGGED || (tag & TAG_USE_MASK) != (uintptr_t)use) {
        return NULL;
    }
    return (void *)(tag & ~TAG_USE_MASK);
}

size_t frame_count_owned(enum frame_use use)
{
    size_t n = 0;

    spin_lock(&frame_lock);
    if ((unsigned)use < FRAME_USES) {
        n = owned[use];
    }
    spin_unlock(&frame_lock);
    return n;
}

/* ---- Sharing (copy-on-write) -------------------------------------------- */

/* The metadata of allocated managed frame pa, or NULL.  frame_lock. */
static struct frame_meta *held_meta_locked(uintptr_t pa)
{
    struct frame_zone *z = pa % PAGE_SIZE == 0 ? zone_of_addr(pa) : NULL;
    size_t i = z != NULL ? (pa - z->base) / PAGE_SIZE : 0;

    if (z == NULL || bit_find(z, i, i + 1, false) == i) {
        return NULL; /* unmanaged, or free */
    }
    return &meta[z->first_meta + i];
}

int frame_share(uintptr_t pa)
{
    struct frame_meta *m;
    int err = -EINVAL;

    spin_lock(&frame_lock);
    m = held_meta_locked(pa);
    if (m != NULL && m->tag == 0) {
        owned[FRAME_UNTAGGED]--;
        owned[FRAME_SHARED]++;
        __atomic_store_n(&m->tag, SHARE_ONE | FRAME_SHARED, __ATOMIC_RELAXED);
        err = 0;
    } else if (m != NULL && (m->tag & TAG_USE_MASK) == FRAME_SHARED) {
        __atomic_store_n(&m->tag, m->tag + SHARE_ONE, __ATOMIC_RELAXED);
        err = 0;
    }
    spin_unlock(&frame_lock);
    return err;
}

int frame_release(uintptr_t pa)
{
    struct frame_meta *m;

    spin_lock(&frame_lock);
    m = held_meta_locked(pa);
    if (m != NULL && (m->tag & TAG_USE_MASK) == FRAME_SHARED) {
        uintptr_t tag = m->tag - SHARE_ONE;

        if (tag == FRAME_SHARED) { /* one holder left: plain again */
            tag = 0;
            owned[FRAME_SHARED]--;
            owned[FRAME_UNTAGGED]++;
        }
        __atomic_store_n(&m->tag, tag, __ATOMIC_RELAXED);
        spin_unlock(&frame_lock);
        return 1;
    }
    spin_unlock(&frame_lock);
    return free_frame(pa);
}

size_t frame_holders(uintptr_t pa)
{
    struct frame_meta *m;
    size_t n = 0;

    spin_lock(&frame_lock);
    m = held_meta_locked(pa & ~(uintptr_t)(PAGE_SIZE - 1));
    if (m != NULL) {
        n = (m->tag & TAG_USE_MASK) == FRAME_SHARED ? m->tag / SHARE_ONE + 1
                                                    : 1;
    }
    spin_unlock(&frame_lock);
    return n;
}
