/*
 * B7 wakeup latency: a periodic sleeper (sleep_ticks(K) in a loop) among N
 * CPU-bound spinners, N = 0 .. 64; from the tick that expires its timer to
 * the sleeper running again, for the sleeper under SCHED_OTHER and under
 * SCHED_FIFO 50.  The spinners are SCHED_OTHER at nice 0.
 *
 * The host has no clock: the spinners are the timer.  Each spinner runs
 * SPIN_PER_TICK iterations of a loop, then raises host_tick() with
 * interrupts on, as if the tick had interrupted it there; so a simulated
 * tick lasts SPIN_PER_TICK spinner iterations, plus the tick itself.  The
 * spinner about to raise the tick that fires the sleeper's timer opens the
 * bracket first (bench_region_begin); the sleeper closes it on return from
 * sleep_ticks, and reads the tick count: latency in ticks is that count
 * less its timer's expiry (0: it ran in the expiring tick's interrupt
 * exit).  With N = 0 the CPU idles, and the idle hook opens the bracket
 * before idle jumps the clock to the expiry (docs/host.md).
 *
 * The bracket's ns and instructions (callgrind) are one wakeup's latency:
 * the tick, the wake, the switch to the sleeper and its return from
 * sleep_ticks, and under SCHED_OTHER every tick of spinning before the
 * sleeper is picked.  The ticks come out as value lines, mean and max over
 * every wakeup of the run (the calibration's included).  The sleeper is
 * the controller: it runs the harness, and sets its own policy per case,
 * so both classes are measured interleaved at each N.  The spinners are
 * spawned once per size, in increasing order, as in B4.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "host.h"
#include "process.h"

#define MAX_SIZES     5
#define PERIOD        3   /* the sleeper's sleep_ticks(PERIOD) */
#define SPIN_PER_TICK 200 /* spinner iterations per simulated tick */
#define FIFO_PRIO     50
#define STARVED       100000 /* ticks late: the sleeper is starved */

static struct {
    volatile bool quit;  /* spinners return */
    volatile bool armed; /* the sleeper sleeps until expiry */
    volatile bool open;  /* the bracket is open (a tick is firing it) */
    volatile uint64_t expiry;
    volatile unsigned long work;
} b7;

/* Per case (0 SCHED_OTHER, 1 SCHED_FIFO): latency in ticks. */
struct lat {
    int policy;
    uint64_t wakeups, sum, max;
};
static struct lat lats[2] = {{SCHED_OTHER, 0, 0, 0}, {SCHED_FIFO, 0, 0, 0}};

/* Open the bracket once, before the tick that fires the sleeper. */
static void open_if_due(void)
{
    if (b7.armed && !b7.open && timer_ticks() + 1 >= b7.expiry) {
        b7.open = true;
        bench_region_begin();
    }
}

static int spinner(void *arg)
{
    (void)arg;
    while (!b7.quit) {
        for (unsigned i = 0; i < SPIN_PER_TICK; i++) {
            b7.work++;
        }
        open_if_due();
        if (b7.open && timer_ticks() > b7.expiry + STARVED) {
            fprintf(stderr, "b7: the sleeper has not run for %d ticks\n",
                    STARVED);
            exit(1); /* a failed run, not a hung one */
        }
        host_tick();
    }
    return 0;
}

/* Idle with nothing ready: idle jumps the clock to the earliest expiry,
 * the sleeper's (the only timer); open the bracket first. */
static bool idle_hook(void)
{
    if (b7.armed && !b7.open) {
        b7.open = true;
        bench_region_begin();
    }
    return false;
}

static long run_sleeper(long ops, void *ctx)
{
    struct lat *l = ctx;
    int err = l->policy == SCHED_FIFO
                  ? process_setscheduler(0, SCHED_FIFO, FIFO_PRIO)
                  : process_setscheduler(0, SCHED_OTHER, 0);

    if (err != 0) {
        fprintf(stderr, "b7: setscheduler: %d\n", err);
        exit(1);
    }
    for (long i = 0; i < ops; i++) {
        uint64_t late;

        b7.expiry = timer_ticks() + PERIOD;
        b7.armed = true;
        if (sleep_ticks(PERIOD) != 0 || !b7.open) {
            fprintf(stderr, "b7: woke without its tick\n");
            exit(1);
        }
        bench_region_end();
        late = timer_ticks() - b7.expiry;
        b7.armed = false;
        b7.open = false;
        l->wakeups++;
        l->sum += late;
        l->max = late > l->max ? late : l->max;
    }
    return ops;
}

static long sizes[MAX_SIZES] = {0, 1, 4, 16, 64};

static int controller(void *arg)
{
    long spinners = 0;

    (void)arg;
    for (int s = 0; s < MAX_SIZES; s++) {
        struct bench_case cases[2] = {
            {"other", sizes[s], run_sleeper, &lats[0], 1, 400, true},
            {"fifo", sizes[s], run_sleeper, &lats[1], 1, 400, true},
        };

        for (; spinners < sizes[s]; spinners++) {
            pid_t pid = spawn_kernel_process("spinner", spinner, NULL);

            /* SCHED_OTHER: a child inherits the caller's FIFO otherwise. */
            if (pid < 0 || process_setscheduler(pid, SCHED_OTHER, 0) != 0) {
                fprintf(stderr, "b7: spawn failed\n");
                exit(1);
            }
        }
        for (int c = 0; c < 2; c++) {
            lats[c].wakeups = lats[c].sum = lats[c].max = 0;
        }
        bench_compare("B7", cases, 2);
        for (int c = 0; c < 2 && !bench_counting(); c++) {
            bench_value("B7", cases[c].name, sizes[s], "ticks_mean",
                        (double)lats[c].sum / (double)lats[c].wakeups);
            bench_value("B7", cases[c].name, sizes[s], "ticks_max",
                        (double)lats[c].max);
        }
    }
    process_setscheduler(0, SCHED_OTHER, 0);
    b7.quit = true;
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

int main(void)
{
    bench_init("b7_wakeup");
    if (process_init() != 0 ||
        spawn_kernel_process("sleeper", controller, NULL) < 0) {
        fprintf(stderr, "b7: cannot start the machine\n");
        return 1;
    }
    host_set_idle_hook(idle_hook);
    start_scheduler();
    return 0;
}
