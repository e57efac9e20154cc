/*
 * B6 memory: kernel heap bytes per live kernel process, from heap_stats()
 * before and after spawning N processes (N = 1 .. 100k, cumulative).  That
 * covers the record (descriptors embedded), the 16 KiB stack with its
 * region header, and the process table and wait-queue buckets, which grow
 * with the number of processes.  The processes are spawned and never run
 * (READY), so no descriptor or region is opened beyond spawn's own.
 *
 * First, 1,000 processes are spawned and run to completion, and what the
 * heap holds after they are reaped is printed (value "retained": the
 * process table and wait-queue buckets shrink back and idle trims the
 * record cache, so anything but 0 is a leak).
 *
 * Not timed; printed as value lines.  This program includes kernel/
 * headers (heap.h, proc.h) for heap_stats and the record's size.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "heap.h"
#include "host.h"
#include "proc.h"

#define MAX_SIZES 6

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

static void spawn_or_die(void)
{
    if (spawn_kernel_process("p", nothing, NULL) < 0) {
        fprintf(stderr, "b6: spawn failed\n");
        exit(1);
    }
}

int main(void)
{
    static const long sizes[MAX_SIZES] = {1, 10, 100, 1000, 10000, 100000};
    long max_n = 0, live = 0;
    struct heap_stats base, now;

    bench_init("b6_memory");
    for (int i = 0; i < MAX_SIZES && !(bench_smoke() && sizes[i] > 1000); i++) {
        max_n = sizes[i];
    }
    if (host_init((size_t)max_n * 24 * 1024 + (64 << 20)) != 0 ||
        process_init() != 0) {
        fprintf(stderr, "b6: cannot start the machine\n");
        return 1;
    }
    base = heap_stats();
    for (int i = 0; i < 1000; i++) {
        spawn_or_die();
    }
    start_scheduler(); /* they run, exit and are reaped by idle */
    now = heap_stats();
    bench_value("B6", "kairos", 1000, "retained",
                (double)now.bytes_in_use - (double)base.bytes_in_use);
    base = now;

    bench_value("B6", "kairos", 0, "record", (double)sizeof(struct process));
    bench_value("B6", "kairos", 0, "stack", (double)PROC_STACK_SIZE);
    for (int i = 0; i < MAX_SIZES && sizes[i] <= max_n; i++) {
        while (live < sizes[i]) {
            spawn_or_die();
            live++;
        }
        now = heap_stats();
        bench_value("B6", "kairos", live, "bytes",
                    ((double)now.bytes_in_use - (double)base.bytes_in_use) /
                        live);
        bench_value("B6", "kairos", live, "allocs",
                    ((double)now.live_allocs - (double)base.live_allocs) /
                        live);
    }
    start_scheduler();
    return 0;
}
