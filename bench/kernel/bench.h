/*
 * The kernel benchmark image (build/kairos-bench.bin, docs/bench-kernel.md).
 *
 * Booted under QEMU's -icount shift=0,sleep=off, where the TSC advances by
 * one per guest instruction: an arch_cycles() delta is an instruction
 * count, the same on every run.  Each measurement collects samples of one
 * operation and reports their median.
 */
#ifndef KAIROS_BENCH_H
#define KAIROS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_SAMPLES      101 /* samples kept per measurement */
#define BENCH_WARMUP       8   /* first samples dropped (cold paths) */
#define BENCH_TICK_SAMPLES 31  /* timer ticks measured */
#define BENCH_WAKE_SAMPLES 31  /* wakeups measured per policy and N */

/* The samples of one measurement, in instructions. */
struct samples {
    uint64_t v[BENCH_SAMPLES];
    size_t want;    /* samples to keep, at most BENCH_SAMPLES */
    size_t n;       /* kept so far */
    size_t skipped; /* warm-up samples dropped so far */
};

/* Empty s, to keep want samples (clamped to BENCH_SAMPLES). */
void samples_init(struct samples *s, size_t want);
/* Keep v unless still warming up or full.  True while more are wanted. */
bool samples_add(struct samples *s, uint64_t v);
/* Sort the samples and return the median (0 if there are none). */
uint64_t samples_median(struct samples *s);

/*
 * Instructions between the TSC reads of two back-to-back arch_cycles()
 * calls: what a "t1 - t0" sample holds besides the operation itself.
 */
uint64_t bench_overhead(void);

/*
 * One measurement: fills s with instructions per operation, or returns a
 * negative errno (and prints why in a "# " line) if it could not run.
 */
typedef int (*bench_fn)(struct samples *s);

int bench_null_syscall(struct samples *s);
int bench_yield_switch(struct samples *s);
int bench_yield_switch_syscall(struct samples *s);
int bench_tick(struct samples *s);
int bench_spawn_exit_wait(struct samples *s);
int bench_sleep_wake(struct samples *s);
/* K4-K6 (user.c): ring 3's null system call, yield between two user
 * processes, spawn_user_process + exit + wait. */
int bench_user_null_syscall(struct samples *s);
int bench_user_yield_switch(struct samples *s);
int bench_user_spawn_exit_wait(struct samples *s);

/*
 * B7 wakeup latency: a sleeper under policy (SCHED_OTHER, or SCHED_FIFO
 * 50) loops on a 3-tick sleep among n >= 1 CPU-bound SCHED_OTHER
 * spinners.  Fills instr with instructions from the tick that expires its
 * timer to it running, and ticks (the same samples) with how many ticks
 * late it ran.  0, or a negative errno.
 */
int bench_wakeup(struct samples *instr, struct samples *ticks, int policy,
                 int n);

/*
 * Check that the TSC counts instructions: a loop of 2n instructions, timed
 * for two values of n, must differ by exactly the added instructions.
 * Prints what it found; false if the TSC is not instruction-exact.
 */
bool bench_icount_check(void);

#endif
