/*
 * The kernel heap: kmalloc and friends over frames from the frame allocator.
 *
 * Any context may call these (heap_lock is an interrupt-safe spinlock).  Out
 * of memory returns NULL; a bad free (double free, or a pointer kmalloc never
 * returned) is reported on the console, counted, and otherwise ignored.
 */
#ifndef KAIROS_HEAP_H
#define KAIROS_HEAP_H

#include <stddef.h>

struct heap_stats {
    size_t bytes_in_use; /* sum of the usable sizes of live allocations */
    size_t live_allocs;  /* allocations not yet freed */
    size_t peak_bytes;   /* highest bytes_in_use seen */
    size_t pool_bytes;   /* bytes of frames the heap holds */
    size_t pools;        /* separate frame runs the heap holds */
    size_t bad_frees;    /* frees refused as invalid */
};

/* size bytes aligned to 16, or NULL (also for size 0). */
void *kmalloc(size_t size);
/* n * size zeroed bytes, or NULL (also on overflow). */
void *kcalloc(size_t n, size_t size);
/*
 * Resize p (NULL acts as kmalloc; size 0 frees and returns NULL).  In place
 * when it can (shrinking, or a free block follows); when it moves, the new
 * block is only 16-byte aligned.  On failure returns NULL and p is
 * untouched; a p kmalloc never returned is reported and counted as a bad
 * free.
 */
void *krealloc(void *p, size_t size);
/* size bytes aligned to align (a power of two up to PAGE_SIZE), or NULL. */
void *kmalloc_aligned(size_t size, size_t align);
/* Free p (NULL is ignored). */
void kfree(void *p);
/*
 * Usable size of a live allocation (>= the size asked for); 0 for NULL, or
 * for a pointer that is not a live allocation (reported).
 */
size_t ksize(const void *p);

/* Current counters. */
struct heap_stats heap_stats(void);
/*
 * Walk every pool and check the heap's invariants (block chain, free lists,
 * counters, the frames' owner tags).  0 when sound, -EINVAL after printing
 * the first violation.
 */
int heap_check(void);
/*
 * Give the cached empty pool (the heap keeps at most one) back to the frame
 * allocator, so that once every allocation since boot is freed the heap
 * holds exactly the frames it held at boot.  Returns the frames released.
 */
size_t heap_trim(void);

/*
 * Host tests only: forget every pool and zero the counters without touching
 * the frames, after frame_init has been called again with a fresh map.
 * Never call it in the kernel: live allocations would be handed out again.
 */
void heap_reset(void);

#endif
