/*
 * B8 spawn and reap N live processes: microseconds per process against
 * N = 1k, 10k, 100k.  Nothing may cost more per process as N grows; the
 * target is 100k within 2x of 1k.
 *
 * One cycle: a controller spawns N children, all live at once (READY: it
 * does not yield while spawning), yields so that each runs and exits (a
 * zombie), then reaps every one with wait_for_child(pid), either oldest
 * first (the order they were spawned) or newest first.  The two orders
 * free the heap in opposite orders, so a free whose cost depends on where
 * the block sits shows up in one of them.  Each cycle starts from the
 * state the last one left: after the reaps the process table has shrunk
 * back, so its growth is part of what is measured.
 *
 * Timed with the clock around whole phases (not through bench_compare:
 * one 100k cycle is far longer than a calibrated run).  Printed as value
 * lines, the median of the runs:
 *   value,B8,ORDER,N,cycle_us,V   spawn + run + reap, per process
 *   value,B8,ORDER,N,spawn_us,V   spawn alone, per process
 *   value,B8,ORDER,N,reap_us,V    the wait_for_child loop, per process
 * ORDER is oldest-first or newest-first.  Smoke mode: N = 1k, one run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "host.h"
#include "process.h"

#define NSIZES   3
#define MAX_RUNS 15

static const long sizes[NSIZES] = {1000, 10000, 100000};
static const char *const orders[2] = {"oldest-first", "newest-first"};
static pid_t *pids;

static int child(void *arg)
{
    (void)arg;
    return 0;
}

static void die(const char *what, long i)
{
    fprintf(stderr, "b8: %s failed at %ld\n", what, i);
    exit(1);
}

/* One cycle of n processes; adds the phases' nanoseconds to t[0..1]. */
static void cycle(long n, int newest_first, double t[2])
{
    double t0 = bench_now_ns(), t1;

    for (long i = 0; i < n; i++) {
        pids[i] = spawn_kernel_process("child", child, NULL);
        if (pids[i] < 0) {
            die("spawn", i);
        }
    }
    t1 = bench_now_ns();
    t[0] += t1 - t0;
    yield_now(); /* every child runs once and exits */
    for (long i = 0; i < n; i++) {
        pid_t pid = pids[newest_first ? n - 1 - i : i];
        int code = -1;

        if (wait_for_child(pid, &code) != pid || code != 0) {
            die("wait", i);
        }
    }
    t[1] += bench_now_ns() - t1;
}

static int runs_for(long n)
{
    if (bench_smoke()) {
        return 1;
    }
    return n >= 100000 ? 5 : MAX_RUNS;
}

static void measure(long n)
{
    double cyc[2][MAX_RUNS], spawn[2][MAX_RUNS], reap[2][MAX_RUNS];
    int runs = runs_for(n);

    for (int o = 0; o < 2; o++) { /* warm-up: grow the heap once */
        double t[2] = {0, 0};

        cycle(n, o, t);
    }
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < 2; k++) {
            int o = (r & 1) ? 1 - k : k; /* alternate which order goes first */
            double t[2] = {0, 0};

            cycle(n, o, t);
            spawn[o][r] = t[0] / 1000.0 / n;
            reap[o][r] = t[1] / 1000.0 / n;
            cyc[o][r] = (t[0] + t[1]) / 1000.0 / n;
        }
    }
    for (int o = 0; o < 2; o++) {
        bench_value("B8", orders[o], n, "cycle_us", bench_median(cyc[o], runs));
        bench_value("B8", orders[o], n, "spawn_us",
                    bench_median(spawn[o], runs));
        bench_value("B8", orders[o], n, "reap_us", bench_median(reap[o], runs));
    }
}

static int controller(void *arg)
{
    (void)arg;
    for (int i = 0; i < NSIZES; i++) {
        if (bench_smoke() && sizes[i] > 1000) {
            break;
        }
        measure(sizes[i]);
    }
    return 0;
}

int main(void)
{
    long max_n;

    bench_init("b8_reap");
    max_n = bench_smoke() ? 1000 : sizes[NSIZES - 1];
    if (bench_counting()) {
        return 0; /* timed only: instruction counts would take hours */
    }
    pids = calloc((size_t)max_n, sizeof(*pids));
    /* About 20 KiB per process (docs/host.md), and some to spare. */
    if (pids == NULL || host_init((size_t)max_n * 24 * 1024 + (64 << 20)) ||
        process_init() != 0) {
        fprintf(stderr, "b8: cannot start the machine\n");
        return 1;
    }
    host_prefault(); /* or each cycle pays Linux's first touch of frames */
    if (spawn_kernel_process("controller", controller, NULL) < 0) {
        return 1;
    }
    start_scheduler();
    return 0;
}
