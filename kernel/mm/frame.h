/*
 * Physical frame allocator: 4 KiB frames from the firmware memory map.
 *
 * Built once from the boot memory map minus the reserved ranges (kernel
 * image, boot modules, the allocator's own bitmap).  Every call takes
 * frame_lock, so frames may be allocated and freed from any context.
 */
#ifndef KAIROS_FRAME_H
#define KAIROS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"

struct frame_stats {
    size_t total; /* frames the allocator manages */
    size_t free;  /* of those, frames not handed out */
};

/*
 * Build the allocator from a memory map: usable ranges, minus reserved ones,
 * trimmed to whole frames; physical frame 0 is never handed out.  Entries may
 * overlap, be unaligned or empty; reserved wins over usable.  Returns 0, or
 * -ENOMEM when no usable memory remains.  The bitmap goes in the first
 * usable frames above 1 MiB that can hold it, so arch_phys_to_virt must
 * already map low memory.  Calling it again forgets everything handed out.
 */
int frame_init(const struct mem_range *ranges, size_t nranges,
               const struct mem_range *reserved, size_t nreserved);
/* One frame's physical address, or 0 when memory is exhausted. */
uintptr_t alloc_frame(void);
/* n physically contiguous frames (first address), or 0 (also for n == 0). */
uintptr_t alloc_frames(size_t n);
/*
 * Return a frame.  0, or -EINVAL (not a frame the allocator manages, or not
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

#endif
