/*
 * host_init: a machine for programs linked against the host library
 * (host.h).  Memory comes from aligned_alloc, the console goes to stdout.
 * arch_machine_init (arch.h) calls it with HOST_MEMORY_DEFAULT when
 * process_init finds no machine set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "boot.h"
#include "klog.h"
#include "console.h"
#include "driver.h"
#include "frame.h"
#include "heap.h"
#include "host.h"
#include "kerrno.h"
#include "param.h"
#include "proc.h"

#define HOST_MEMORY_MIN (1UL << 20)

#define HOST_HUGE_PAGE (2UL << 20) /* the physmap's page size */

static void *arena;        /* the machine's memory, from the last host_init */
static size_t arena_bytes; /* its size */

static void stdout_sink(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
}

/* Forget the previous machine: processes and devices first, then memory. */
static void forget_machine(void)
{
    process_reset();
    driver_reset();
    heap_reset();
    free(arena);
    arena = NULL;
    arena_bytes = 0;
}

int arch_machine_init(void)
{
    if (frame_stats().total > 0) {
        return 0; /* host_init, or a test's own frame_init, came first */
    }
    return host_init(HOST_MEMORY_DEFAULT);
}

void host_prefault(void)
{
    volatile uint8_t *m = arena;

    for (size_t i = 0; m != NULL && i < arena_bytes; i += PAGE_SIZE) {
        m[i] = m[i]; /* keeps what the kernel wrote (the frame map) */
    }
}

int host_init(size_t bytes)
{
    static bool sink_added;
    struct mem_range r;
    int err;

    if (bytes < HOST_MEMORY_MIN) {
        return -EINVAL;
    }
    if (arena != NULL) {
        forget_machine();
    }
    host_reset();
    bytes &= ~(PAGE_SIZE - 1);
    arena = aligned_alloc(HOST_HUGE_PAGE,
                          (bytes + HOST_HUGE_PAGE - 1) & ~(HOST_HUGE_PAGE - 1));
    if (arena == NULL) {
        return -ENOMEM;
    }
    /* The kernel maps RAM with 2 MiB pages (the physmap); ask Linux for
     * the same, so the host's TLB behaviour is the kernel's.  Advice only. */
    madvise(arena, bytes, MADV_HUGEPAGE);
    arena_bytes = bytes;
    r = (struct mem_range){(uintptr_t)arena, bytes, MEM_USABLE};
    if (frame_init(&r, 1, NULL, 0) != 0) {
        return -ENOMEM;
    }
    heap_reset();
    if (!sink_added && klog_add_sink(stdout_sink) == 0) {
        sink_added = true;
    }
    err = console_devices_init(NULL, 0);
    proc_set_std_devices(driver_find("keyboard"), driver_find("console"));
    return err;
}
