/*
 * Physical frame allocator: 4 KiB frames from the firmware memory map.
 *
 * Built once from the boot memory map minus the reserved ranges (kernel
 * image, boot modules, the allocator's own metadata).  Every call takes
 * frame_lock, so frames may be allocated and freed from any context.
 *
 * Each managed frame has a metadata entry (struct frame_meta in frame.c):
 * an owner tag, so a subsystem can map an address to its own object in
 * O(1) (the heap: pointer to pool), or, for a frame several address
 * spaces share (copy-on-write after fork), how many hold it.
 */
#ifndef KAIROS_FRAME_H
#define KAIROS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"

/* What a tagged frame is used for (at most 16 uses: the tag's low bits). */
enum frame_use {
    FRAME_UNTAGGED = 0, /* no owner: every frame starts and ends so */
    FRAME_HEAP = 1,     /* a heap pool's frame; the owner is its pool */
    FRAME_SHARED = 2,   /* held by 2 or more: the "owner" field counts them */
    FRAME_USES,
};

struct frame_stats {
    size_t total; /* frames the allocator manages */
    size_t free;  /* of those, frames not handed out */
};

/*
 * Build the allocator from a memory map: usable ranges, minus reserved ones,
 * trimmed to whole frames; physical frame 0 is never handed out.  Entries may
 * overlap, be unaligned or empty; reserved wins over usable.  Returns 0, or
 * -ENOMEM when no usable memory remains.  The bitmap goes in the first
 * usable frames above 1 MiB that can hold it, and with it the per-frame
 * metadata (8 bytes a frame), so arch_phys_to_virt must already map low
 * memory.  Calling it again forgets everything handed out.
 */
int frame_init(const struct mem_range *ranges, size_t nranges,
               const struct mem_range *reserved, size_t nreserved);
/* One frame's physical address, or 0 when memory is exhausted. */
uintptr_t alloc_frame(void);
/*
 * n physically contiguous frames (first address), or 0 (also for n == 0).
 * Next fit: the search resumes where the last one ended and wraps once.
 */
uintptr_t alloc_frames(size_t n);
/*
 * Return a frame (its owner tag is cleared).  0, or -EINVAL (not a frame the allocator manages, or not
 * frame-aligned) or -EALREADY (already free: a double free), each reported
 * on the console.  A refused free changes nothing.
 */
int free_frame(uintptr_t pa);
/*
 * Return n frames from alloc_frames; all are checked before any is freed.
 * Errors as free_frame; n == 0 is -EINVAL.
 */
int free_frames(uintptr_t pa, size_t n);
/* Current counters. */
struct frame_stats frame_stats(void);
/*
 * Tag the n allocated frames from pa with use and owner (16-byte aligned;
 * FRAME_UNTAGGED clears).  0, or -EINVAL changing nothing when a frame is
 * not allocated managed memory, the owner is misaligned or use is unknown.
 */
int frame_set_owner(uintptr_t pa, size_t n, enum frame_use use, void *owner);
/*
 * Owner of the frame holding physical address pa (any byte of it) when its
 * tag is use, else NULL; NULL too for an unmanaged pa.  O(log zones), no
 * lock: the answer is stable only under the lock its tagger holds.
 */
void *frame_owner(uintptr_t pa, enum frame_use use);
/* Frames whose tag is use (a check for the subsystem that tags them). */
size_t frame_count_owned(enum frame_use use);

/*
 * Holders of a frame, for copy-on-write: an allocated untagged frame has
 * one (its allocator); frame_share adds one, frame_release drops one and
 * frees the frame with the last.  A shared frame is tagged FRAME_SHARED and
 * may not be freed or tagged otherwise until one holder is left.
 */
/* One more holder of the allocated frame pa.  0, or -EINVAL (free,
 * unmanaged, unaligned, or tagged for another use: heap frames are never
 * shared). */
int frame_share(uintptr_t pa);
/* One holder fewer: 1 if others still hold pa, 0 if it was the last (pa is
 * then free), or free_frame's errors. */
int frame_release(uintptr_t pa);
/* How many hold the frame holding pa (any byte of it): 0 when free or
 * unmanaged. */
size_t frame_holders(uintptr_t pa);

#endif
