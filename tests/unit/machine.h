/*
 * A fresh simulated machine for the process tests: memory, devices, the
 * host port's interrupt state and the process core, all reset, and a way
 * for code running inside a process to report a failure.
 *
 * Processes run on their own stacks, so a failing cmocka assertion there
 * would longjmp across stacks with the scheduler mid-switch.  Code that
 * runs in a process (or in the idle hook) uses EXPECT instead: it records
 * the first failure and carries on; the test body asserts after
 * start_scheduler returns (machine_expect_none).
 */
#ifndef KAIROS_TEST_MACHINE_H
#define KAIROS_TEST_MACHINE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "boot.h"
#include "klog.h"
#include "console.h"
#include "driver.h"
#include "frame.h"
#include "heap.h"
#include "host.h"
#include "param.h"
#include "proc.h"

#define MACHINE_BYTES  (256UL << 20) /* 10,000 processes x 16 KiB, and more */
#define TEST_TIMEOUT_S 300 /* alarm(): a hung scheduler kills the binary */

static uint8_t
    *machine_mem; /* allocated once, handed to frame_init each test */

static struct {
    int failures;    /* EXPECTs that failed */
    char first[512]; /* the first one, with where it happened */
} expect_log;

static inline void expect_fail_at(const char *file, int line, const char *what)
{
    if (expect_log.failures++ == 0) {
        snprintf(expect_log.first, sizeof(expect_log.first), "%s:%d: %s", file,
                 line, what);
    }
}

static inline bool expect_at(bool ok, const char *what, const char *file,
                             int line)
{
    if (!ok) {
        expect_fail_at(file, line, what);
    }
    return ok;
}

/* Not inlined: each inlined copy's msg[] would take its own stack slot
 * under ASan, and a process's 16 KiB stack overflows after ~50 EXPECTs. */
static __attribute__((noinline, unused)) bool
expect_eq_at(long a, long b, const char *what, const char *file, int line)
{
    char msg[256];

    if (a != b) {
        snprintf(msg, sizeof(msg), "%s (%ld != %ld)", what, a, b);
        expect_fail_at(file, line, msg);
    }
    return a == b;
}

/* Check in a process or the idle hook; true when it held. */
#define EXPECT(c) expect_at((c), #c, __FILE__, __LINE__)
#define EXPECT_EQ(a, b) \
    expect_eq_at((long)(a), (long)(b), #a " == " #b, __FILE__, __LINE__)

/* In the test body: fail with the first EXPECT that failed, if any. */
#define machine_expect_none()                                                  \
    do {                                                                       \
        if (expect_log.failures > 0) {                                         \
            fail_msg("%d failed expectations; first: %s", expect_log.failures, \
                     expect_log.first);                                        \
        }                                                                      \
    } while (0)

/*
 * Power on with bytes of memory (at most MACHINE_BYTES): frames and heap
 * empty, no devices, the host CPU reset, then "console" and "keyboard" if
 * devices is true, then process_init (the caller becomes idle).  0 or -1.
 */
static inline int machine_boot(size_t bytes, bool devices)
{
    struct mem_range r = {(uintptr_t)machine_mem, bytes, MEM_USABLE};

    process_reset(); /* frees into the old heap, so before it goes */
    driver_reset();
    host_reset();
    /* Power-on memory: forget the redzones of stacks that were abandoned
     * (processes still blocked when the last test ended). */
    ASAN_UNPOISON_MEMORY_REGION(machine_mem, MACHINE_BYTES);
    if (frame_init(&r, 1, NULL, 0) != 0) {
        return -1;
    }
    heap_reset();
    if (devices && console_devices_init(NULL, 0) != 0) {
        return -1;
    }
    proc_set_std_devices(driver_find("keyboard"), driver_find("console"));
    sched_set_slice(SLICE_DEFAULT);
    sched_set_rt_runtime(RT_PERIOD_DEFAULT * RT_RUNTIME_MS / 1000,
                         RT_PERIOD_DEFAULT);
    expect_log.failures = 0;
    expect_log.first[0] = '\0';
    return process_init() == 0 ? 0 : -1;
}

/* cmocka setup/teardown: the full machine with devices. */
static inline int machine_setup(void **state)
{
    (void)state;
    return machine_boot(MACHINE_BYTES, true);
}

static inline int machine_teardown(void **state)
{
    (void)state;
    process_reset();
    driver_reset();
    host_reset();
    return 0;
}

/* Call once from main before running the tests.  0 or -1. */
static inline int machine_alloc(void)
{
    machine_mem = aligned_alloc(PAGE_SIZE, MACHINE_BYTES);
    return machine_mem != NULL ? 0 : -1;
}

#endif
