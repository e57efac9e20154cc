/*
 * Process memory: records, kernel stacks, regions, and the record cache.
 *
 * Every kernel stack is PROC_STACK_SIZE bytes from arch_kstack_alloc, which
 * puts an unmapped guard page below it where the port can (x86_64: an
 * overflow faults at once and is reported with the owner's pid and name;
 * docs/memory.md, "Kernel stacks").  The stack is not a region: it belongs
 * to the record, and goes with it.  A fresh one is filled with
 * PROC_STACK_FILL, so a dump can tell how deep the stack ever went (the
 * high-water mark), and its lowest words hold a canary, the second line of
 * defence: the only one on a port without guard pages (the host), and on
 * x86_64 a check that nothing wrote the bottom of the stack by a stray
 * pointer.  The timer tick checks the running process's canary
 * (sched_tick), reaping checks all of it (proc_record_put_locked), and so
 * do dumps; the switch does not (sched.c says why).
 *
 * Reaped records keep their stack and wait in a small cache (sched_lock
 * guards it) for the next spawn, which then costs no allocation and no
 * 16 KiB fill: only the part of the stack the last owner used is filled
 * again.  That part is found by looking at one word per 1 KiB band, from the
 * bottom up: the first band whose word was written, and everything above
 * it up to where the last owner's stack began (its colour: proc.h), is
 * refilled, with one band of margin below for writes that skipped a band's
 * first word.  The idle loop empties the cache whenever the CPU has
 * nothing to do (proc_cache_trim), so at rest every stack is given back.
 */
#include "proc_mem.h"

#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "param.h"

#define STACK_FILL_WORD  (0x0101010101010101ULL * PROC_STACK_FILL)
#define STACK_BAND       1024 /* refill granularity */
#define STACK_FIRST_FILL (PROC_STACK_CANARY_WORDS * sizeof(uint64_t))

_Static_assert(PROC_STACK_SIZE % PAGE_SIZE == 0 &&
                   PROC_STACK_SIZE <= ARCH_KSTACK_MAX,
               "kernel stacks are whole pages the port can give");

/* The switch's fields of a record fit in its first cache line (proc.h). */
_Static_assert(offsetof(struct process, queue_link) + sizeof(struct list) <=
                   PROC_RECORD_ALIGN,
               "struct process: the switch's fields span two cache lines");

/* Regions carry their header in front; 32 bytes keeps the memory 16-aligned. */
#define REGION_HDR ((sizeof(struct region) + 15) & ~(size_t)15)

/* sched_lock guards these: */
static struct list cache = LIST_INIT(cache); /* records, by sibling */
static size_t ncached;

/* ---- Regions ------------------------------------------------------------ */

static void *region_alloc(struct process *p, size_t size, enum region_kind kind)
{
    struct region *r;

    if (size == 0 || size > HEAP_ALLOC_MAX - REGION_HDR) {
        return NULL;
    }
    r = kmalloc(REGION_HDR + size);
    if (r == NULL) {
        return NULL;
    }
    r->size = size;
    r->kind = kind;
    list_push_front(&p->regions, &r->link);
    p->region_bytes += size;
    return (char *)r + REGION_HDR;
}

static void region_free(struct process *p, struct region *r)
{
    list_remove(&r->link);
    p->region_bytes -= r->size;
    kfree(r);
}

void proc_release_regions(struct process *p)
{
    struct list *l = p->regions.next;

    while (l != &p->regions) {
        struct region *r = list_entry(l, struct region, link);

        l = l->next;
        region_free(p, r);
    }
}

void *proc_alloc(size_t size, enum region_kind kind)
{
    struct process *p = proc_current();

    if (p == NULL || p->idle || kind == REGION_STACK || /* not a region */
        (unsigned)kind >= REGION_NKINDS) {
        return NULL;
    }
    return region_alloc(p, size, kind);
}

int proc_free(void *ptr)
{
    struct process *p = proc_current();
    struct list *l;

    if (p == NULL || ptr == NULL) {
        return -EINVAL;
    }
    list_for_each(l, &p->regions)
    {
        struct region *r = list_entry(l, struct region, link);

        if ((char *)r + REGION_HDR == ptr) {
            region_free(p, r);
            return 0;
        }
    }
    return -EINVAL;
}

/* ---- Stacks -------------------------------------------------------------- */

bool proc_stack_intact(const struct process *p)
{
    if (p->stack == NULL) {
        return true; /* idle runs on the boot stack */
    }
    const uint64_t *w = (const uint64_t *)p->stack;
    uint64_t diff = 0;

    for (int i = 0; i < PROC_STACK_CANARY_WORDS; i++) {
        diff |= w[i] ^ PROC_STACK_CANARY; /* no branch per word */
    }
    return diff == 0;
}

static void stack_fill(uint8_t *stack)
{
    memset(stack + STACK_FIRST_FILL, PROC_STACK_FILL,
           PROC_STACK_SIZE - STACK_FIRST_FILL);
    for (int i = 0; i < PROC_STACK_CANARY_WORDS; i++) {
        ((uint64_t *)stack)[i] = PROC_STACK_CANARY;
    }
}

/*
 * Fill again what the last owner of a cached stack wrote (see the top):
 * nothing above top, where it started (its colour below the stack's end).
 */
static void stack_refill(uint8_t *stack, size_t top)
{
    size_t b = STACK_BAND;

    while (b < PROC_STACK_SIZE &&
           *(const uint64_t *)(stack + b) == STACK_FILL_WORD) {
        b += STACK_BAND;
    }
    b = b - STACK_BAND > STACK_FIRST_FILL ? b - STACK_BAND : STACK_FIRST_FILL;
    if (b < top) {
        memset(stack + b, PROC_STACK_FILL, top - b);
    }
}

/* ---- Records ---------------------------------------------------------------- */

/* Zero p up to its siginfo (proc.h) and make its lists empty; name it. */
static void record_clear(struct process *p, const char *name)
{
    memset(p, 0, offsetof(struct process, sig_info));
    kstrlcpy(p->name, name, sizeof(p->name));
    list_init(&p->queue_link);
    list_init(&p->children);
    list_init(&p->zombies);
    list_init(&p->sibling);
    list_init(&p->regions);
    list_init(&p->all_link);
}

struct process *proc_record_new(const char *name)
{
    struct process *p = kmalloc_aligned(sizeof(*p), PROC_RECORD_ALIGN);

    if (p != NULL) {
        record_clear(p, name);
    }
    return p;
}

/* A cached record, reset but for its stack, or NULL. */
static struct process *cache_take(const char *name)
{
    struct process *p = NULL;
    struct list *l;
    uint8_t *stack;

    spin_lock(&sched_lock);
    if ((l = list_pop_front(&cache)) != NULL) {
        ncached--;
        p = list_entry(l, struct process, sibling);
    }
    spin_unlock(&sched_lock);
    if (p == NULL) {
        return NULL;
    }
    stack = p->stack;
    stack_refill(stack, PROC_STACK_SIZE - proc_stack_colour(p->pid));
    record_clear(p, name);
    p->stack = stack; /* it still names p as its owner: p did not move */
    return p;
}

struct process *proc_record_get(const char *name)
{
    struct process *p = cache_take(name);

    if (p != NULL) {
        return p;
    }
    p = proc_record_new(name);
    if (p == NULL) {
        return NULL;
    }
    p->stack = arch_kstack_alloc(PROC_STACK_SIZE, p);
    if (p->stack == NULL) {
        kfree(p);
        return NULL;
    }
    stack_fill(p->stack);
    return p;
}

void proc_record_destroy(struct process *p)
{
    proc_release_regions(p);
    if (p->stack != NULL) {
        arch_kstack_free(p->stack, PROC_STACK_SIZE);
    }
    kfree(p);
}

void proc_record_put_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    if (!proc_stack_intact(p)) {
        panic("kernel stack overflow in pid %d (%s), found at reaping", p->pid,
              p->name);
    }
    proc_release_regions(p); /* normally none left: exit freed them */
    if (ncached < PROC_CACHE_MAX && p->stack != NULL) {
        list_push_front(&cache, &p->sibling);
        ncached++;
        return;
    }
    proc_record_destroy(p); /* heap_lock nests inside sched_lock */
}

void proc_cache_trim(void)
{
    spin_lock(&sched_lock);
    proc_cache_trim_locked();
    spin_unlock(&sched_lock);
}

void proc_cache_trim_locked(void)
{
    struct list *l;

    KASSERT(holding(&sched_lock));
    while ((l = list_pop_front(&cache)) != NULL) {
        proc_record_destroy(list_entry(l, struct process, sibling));
    }
    ncached = 0;
}
