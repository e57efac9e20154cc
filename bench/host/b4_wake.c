/*
 * B4 wake: wake_channel on a channel with one waiter while N other
 * processes are blocked on other channels, N = 1 .. 100k; beside an
 * xv6-style wakeup that scans the whole process table.
 *
 *   kairos    wake_channel() through the public API (sched_lock, the hashed
 *             wait-queue bucket, the run queue): real processes
 *   xv6-scan  for every entry of a table of N + K records (each the size
 *             of a struct process): SLEEPING on this channel? RUNNABLE.
 *             No per-entry lock, which favours the scan (xv6 takes one)
 *
 * A controller process keeps K target processes, each blocked on its own
 * channel, and brackets K wakes in a row (one waiter each); then it yields
 * so the woken targets run and block again, outside the bracket.  The N
 * sleepers are spawned once per size, the sizes in increasing order (a
 * blocked process cannot be un-spawned cheaply), so each size is a phase:
 * within it Kairos and the scan are interleaved run by run; the ratio of
 * one size to another compares phases.  This program includes kernel/
 * headers (proc.h) for sizeof(struct process), an internal.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "host.h"
#include "proc.h"

#define MAX_SIZES 6
#define K         16 /* targets, woken one after another in a bracket */

static volatile int quit;
static char *chans;    /* sleeper i blocks on &chans[i] */
static char tchans[K]; /* target j blocks on &tchans[j] */
static long nsleepers; /* spawned so far */
static long cur_n;     /* the size being measured */

enum xv6_state { XV6_UNUSED, XV6_SLEEPING, XV6_RUNNABLE };
struct xv6_proc {
    enum xv6_state state;
    uintptr_t chan;
    char rest[sizeof(struct process) - sizeof(enum xv6_state) -
              sizeof(uintptr_t)];
};
static struct xv6_proc *table; /* the sleepers, then the K targets */

static int sleeper(void *arg)
{
    while (!quit) {
        block_current((wait_channel_t)arg);
    }
    return 0;
}

/* ---- Kairos: wake_channel ------------------------------------------------------ */

static long run_kairos(long ops, void *ctx)
{
    long iters = ops / K > 0 ? ops / K : 1;
    size_t woken = 0;

    (void)ctx;
    for (long i = 0; i < iters; i++) {
        bench_region_begin();
        for (int j = 0; j < K; j++) {
            woken += wake_channel((wait_channel_t)&tchans[j]);
        }
        bench_region_end();
        yield_now(); /* the targets run and block again */
    }
    if (woken != (size_t)(iters * K)) {
        fprintf(stderr, "b4: woke %zu, expected %ld\n", woken, iters * K);
        exit(1);
    }
    return iters * K;
}

/* ---- xv6: scan every entry ------------------------------------------------------- */

static __attribute__((noinline)) void xv6_wakeup(struct xv6_proc *t, long n,
                                                 uintptr_t chan)
{
    for (long i = 0; i < n; i++) {
        if (t[i].state == XV6_SLEEPING && t[i].chan == chan) {
            t[i].state = XV6_RUNNABLE;
        }
    }
}

static long run_scan(long ops, void *ctx)
{
    long iters = ops / K > 0 ? ops / K : 1;
    long n = cur_n + K;

    (void)ctx;
    for (long i = 0; i < n; i++) {
        table[i].state = XV6_SLEEPING;
        table[i].chan =
            i < cur_n ? (uintptr_t)&chans[i] : (uintptr_t)&tchans[i - cur_n];
    }
    for (long i = 0; i < iters; i++) {
        bench_region_begin();
        for (int j = 0; j < K; j++) {
            xv6_wakeup(table, n, (uintptr_t)&tchans[j]);
        }
        bench_region_end();
        for (int j = 0; j < K; j++) { /* they run and sleep again */
            table[cur_n + j].state = XV6_SLEEPING;
        }
    }
    return iters * K;
}

/* ---- The program --------------------------------------------------------------------- */

static long sizes[MAX_SIZES] = {1, 10, 100, 1000, 10000, 100000};
static int nsizes;

static void spawn_or_die(wait_channel_t ch)
{
    if (spawn_kernel_process("sleeper", sleeper, (void *)ch) < 0) {
        fprintf(stderr, "b4: spawn failed\n");
        exit(1);
    }
}

static int controller(void *arg)
{
    (void)arg;
    for (int j = 0; j < K; j++) {
        spawn_or_die((wait_channel_t)&tchans[j]);
    }
    for (int s = 0; s < nsizes; s++) {
        struct bench_case cases[2] = {
            {"kairos", sizes[s], run_kairos, NULL, 10 * K, 20000, true},
            {"xv6-scan", sizes[s], run_scan, NULL, K,
             sizes[s] > 1000 ? 10 * K : 2000, true},
        };

        while (nsleepers < sizes[s]) {
            spawn_or_die((wait_channel_t)&chans[nsleepers++]);
        }
        yield_now(); /* the new ones run and block */
        cur_n = sizes[s];
        bench_compare("B4", cases, 2);
    }
    quit = 1;
    for (long i = 0; i < nsleepers; i++) {
        wake_channel((wait_channel_t)&chans[i]);
    }
    for (int j = 0; j < K; j++) {
        wake_channel((wait_channel_t)&tchans[j]);
    }
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

int main(void)
{
    long max_n;

    bench_init("b4_wake");
    for (nsizes = 0; nsizes < MAX_SIZES; nsizes++) {
        if ((bench_smoke() && sizes[nsizes] > 1000) ||
            (bench_counting() && sizes[nsizes] > 10000)) {
            break; /* the counts' trend is plain by 10k; valgrind is slow */
        }
    }
    max_n = sizes[nsizes - 1];
    chans = calloc((size_t)max_n, 1);
    table = calloc((size_t)max_n + K, sizeof(*table));
    if (chans == NULL || table == NULL ||
        host_init((size_t)max_n * 24 * 1024 + (64 << 20)) != 0 ||
        process_init() != 0 ||
        spawn_kernel_process("controller", controller, NULL) < 0) {
        fprintf(stderr, "b4: cannot start the machine\n");
        return 1;
    }
    start_scheduler();
    return 0;
}
