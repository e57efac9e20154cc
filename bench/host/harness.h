/*
 * The host benchmarks' common harness: pin to one CPU, calibrate, warm up,
 * run every case of a benchmark interleaved run by run, and print one line
 * per measurement for bench/run.py to collect.
 *
 * A benchmark is a list of cases (Kairos and its peers, or one design at
 * several sizes N).  Each case's run function performs about `ops`
 * operations and brackets the part to be measured with
 * bench_region_begin/end (several brackets add up); it returns how many
 * operations the brackets covered.  bench_compare then:
 *
 *  - calibrates each case's ops so that one run takes about the target
 *    time (BENCH_TARGET_MS, default 20 ms), which also warms it up;
 *  - runs every case once more, discarded (warm-up);
 *  - runs all cases BENCH_RUNS times (default 11, at least 11 outside
 *    smoke mode), interleaved: run r measures every case, in forward order
 *    for even r and reverse order for odd r, so slow drift hits all alike;
 *  - prints every run's ns per operation ("sample" lines, in run order, so
 *    ratios between cases can be paired run by run) and each case's median.
 *
 * Under valgrind (bench/run.py runs each program under
 * `valgrind --tool=callgrind --collect-atstart=no`) it instead runs every
 * case marked user_only twice, with ops and 2 * ops, and collection on only
 * inside the brackets; each run ends in a callgrind dump named
 * "bench|case|n|ops".  Instructions per operation are the difference of
 * the two dumps over the difference of ops, so fixed costs cancel.
 *
 * Output lines (CSV, first field says which):
 *   compare,BENCH,CASES                   (a bench_compare starts)
 *   sample,BENCH,CASE,N,RUN,NS_PER_OP
 *   median,BENCH,CASE,N,NS_PER_OP,OPS_PER_RUN
 *   value,BENCH,CASE,N,METRIC,VALUE       (anything else, e.g. bytes)
 *   info,KEY,VALUE
 */
#ifndef KAIROS_BENCH_HARNESS_H
#define KAIROS_BENCH_HARNESS_H

#include <stdbool.h>

struct bench_case {
    const char *name; /* "kairos", "fcontext", "xv6-scan", ... */
    long n;           /* the size parameter (processes), 0 if none */
    /* Do about ops operations, bracketed; return how many were bracketed. */
    long (*run)(long ops, void *ctx);
    void *ctx;
    long min_ops;   /* calibration starts here (e.g. one round of n) */
    long cg_ops;    /* ops for the callgrind count; 0: a default */
    bool user_only; /* all its work is user code: callgrind sees it all */
};

/* Parse the environment, pin this process (and so every thread and child
 * it creates later) to one CPU, print info lines.  Call first. */
void bench_init(const char *program);
/* True in smoke mode (BENCH_SMOKE=1): one short run per case. */
bool bench_smoke(void);
/* True when running under valgrind: count instructions, do not time. */
bool bench_counting(void);

/* Bracket the measured part of a run; pairs may repeat and add up. */
void bench_region_begin(void);
void bench_region_end(void);

/* Measure cases[0 .. count) interleaved and print their lines. */
void bench_compare(const char *bench, const struct bench_case *cases,
                   int count);
/* Print one value line. */
void bench_value(const char *bench, const char *name, long n,
                 const char *metric, double value);

/* Nanoseconds on CLOCK_MONOTONIC. */
double bench_now_ns(void);
/* The median of v[0 .. n) (sorts v). */
double bench_median(double *v, int n);

#endif
