/*
 * System call argument checks (x86_64): arch_access_ok.
 *
 * The call itself is arch_syscall (inline in arch_types.h: int $0x80 with
 * Linux's registers); vectors.S syscall_entry saves the nine scratch
 * registers, C preserves the rest, and trap.c's syscall_trap turns
 * interrupts back on for the call if the caller had them on.  Vector 0x80
 * is an interrupt gate with DPL 3 (idt.c), so ring 3 may use it once user
 * space exists.
 */
#include "arch.h"
#include "layout.h"
#include "x86.h"

/* Bits 63..47 all equal: an address the CPU accepts at all. */
static bool canonical(uintptr_t va)
{
    uintptr_t top = va >> 47;

    return top == 0 || top == (UINTPTR_MAX >> 47);
}

/* True when [va, va + len) and [lo, hi) share a byte (len > 0, no wrap). */
static bool overlaps(uintptr_t va, size_t len, uintptr_t lo, uintptr_t hi)
{
    return va < hi && va + len - 1 >= lo;
}

/*
 * True when [va, va + len) touches the image's read-only part (the boot
 * page, text, rodata: physical KERNEL_PHYS up to data) through either of
 * its aliases, the image mapping or the physmap.
 */
static bool overlaps_read_only(uintptr_t va, size_t len)
{
    uintptr_t lo = KERNEL_PHYS, hi = (uintptr_t)_data_start - KERNEL_VMA;

    return overlaps(va, len, KERNEL_VMA + lo, KERNEL_VMA + hi) ||
           overlaps(va, len, PHYSMAP_BASE + lo, PHYSMAP_BASE + hi);
}

/*
 * Kernel processes pass kernel buffers, so "mapped" means the kernel image
 * or the physical-memory map (arch_kernel_mapped), as the loaded page
 * tables say (paging_range_allows: present, and writable for a write, on
 * every page).  A write must also stay out of the read-only part of the
 * image through every alias; paging.c maps it read-only in both, and this
 * check holds even if a table did not.  A zero-length range needs only a
 * plausible pointer.
 */
bool arch_access_ok(const void *p, size_t len, bool write)
{
    uintptr_t va = (uintptr_t)p;

    if (va == 0 || !canonical(va)) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    if (va + len - 1 < va || !canonical(va + len - 1)) {
        return false; /* wraps, or runs off the canonical half */
    }
    if (write && overlaps_read_only(va, len)) {
        return false;
    }
    return arch_kernel_mapped(va, len) && paging_range_allows(va, len, write);
}
