/*
 * B2 round robin: N runnable Kairos processes, each calling yield_now in a
 * loop, so the CPU goes round all of them; the cost of one switch against
 * N = 2 .. 100k.  The design says picking the next process is O(1), so the
 * cost should not grow with N; what does grow is the memory touched: every
 * switch lands on another 16 KiB stack and another record.
 *
 * The processes are spawned once, the largest N of them, and wait blocked,
 * each on its own channel.  One process, the controller, runs the harness:
 * a run with N processes wakes N - 1 of them and yields in a loop; each of
 * its yields returns after the N - 1 others have run once (N switches).
 * Then it tells them to block again.  So all sizes are measured
 * interleaved, run by run, and their ratios to N = 2 come from the same
 * runs.  The blocked ones cost the round robin nothing (they are on no run
 * queue), which is the design's point too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "host.h"
#include "process.h"

#define MAX_SIZES 6

static long population;   /* members spawned (the largest N - 1) */
static char *gates;       /* member i blocks on &gates[i] */
static volatile int turn; /* members yield while set, block once clear */
static volatile int quit; /* members return */
static long rounds;

static int member(void *arg)
{
    wait_channel_t gate = (wait_channel_t)arg;

    while (!quit) {
        block_current(gate);
        while (turn) {
            yield_now();
        }
    }
    return 0;
}

static long run_rr(long ops, void *ctx)
{
    long n = (long)(size_t)ctx;

    rounds = ops / n > 0 ? ops / n : 1;
    turn = 1;
    for (long i = 0; i < n - 1; i++) {
        wake_channel((wait_channel_t)&gates[i]);
    }
    yield_now(); /* one round to warm up */
    bench_region_begin();
    for (long i = 0; i < rounds; i++) {
        yield_now();
    }
    bench_region_end();
    turn = 0;
    yield_now(); /* each member sees it and blocks */
    return rounds * n;
}

static struct bench_case cases[MAX_SIZES];
static int ncases;

static int controller(void *arg)
{
    (void)arg;
    yield_now(); /* every member runs and blocks */
    bench_compare("B2", cases, ncases);
    quit = 1;
    for (long i = 0; i < population; i++) {
        wake_channel((wait_channel_t)&gates[i]);
    }
    return 0;
}

int main(void)
{
    static const long sizes[MAX_SIZES] = {2, 10, 100, 1000, 10000, 100000};
    long max_n = 0;

    bench_init("b2_round_robin");
    for (int i = 0; i < MAX_SIZES; i++) {
        long n = sizes[i];

        if ((bench_smoke() && n > 1000) || (bench_counting() && n > 10000)) {
            break; /* counts do not depend on N, and valgrind is slow */
        }
        cases[ncases++] = (struct bench_case){
            "kairos", n, run_rr, (void *)(size_t)n, n, 20000 + 10 * n, true};
        max_n = n;
    }
    population = max_n - 1;
    gates = calloc((size_t)population, 1);
    /* About 20 KiB per process (docs/host.md), and some to spare. */
    if (gates == NULL || host_init((size_t)max_n * 24 * 1024 + (64 << 20)) ||
        process_init() != 0) {
        fprintf(stderr, "b2: cannot start the machine\n");
        return 1;
    }
    for (long i = 0; i < population; i++) {
        if (spawn_kernel_process("member", member, &gates[i]) < 0) {
            fprintf(stderr, "b2: spawn failed at %ld\n", i);
            return 1;
        }
    }
    if (spawn_kernel_process("controller", controller, NULL) < 0) {
        return 1;
    }
    start_scheduler();
    return 0;
}
