/*
 * The benchmark harness (see harness.h).
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_* */
#include "harness.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#define MAX_CASES 64
#define MAX_RUNS  101

static struct {
    const char *program;
    bool smoke;          /* BENCH_SMOKE=1 */
    bool counting;       /* under valgrind */
    int runs;            /* BENCH_RUNS */
    double target_ns;    /* one run of one case lasts about this long */
    bool in_region;      /* between bench_region_begin and _end */
    double region_start; /* when the open bracket began */
    double region_ns;    /* brackets of the current run, added up */
} h;

/* Every sample of the current bench_compare, by case then run. */
static double samples[MAX_CASES][MAX_RUNS];

double bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long env_long(const char *name, long fallback)
{
    const char *s = getenv(name);

    return s != NULL && *s != '\0' ? strtol(s, NULL, 10) : fallback;
}

/* Pin to BENCH_CPU, or else the highest CPU this process may use. */
static void pin(void)
{
    cpu_set_t set;
    long cpu = env_long("BENCH_CPU", -1);

    if (cpu < 0 && sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (int i = CPU_SETSIZE - 1; i >= 0 && cpu < 0; i--) {
            if (CPU_ISSET(i, &set)) {
                cpu = i;
            }
        }
    }
    CPU_ZERO(&set);
    CPU_SET((int)(cpu < 0 ? 0 : cpu), &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        perror("bench: sched_setaffinity");
        exit(1);
    }
    printf("info,cpu,%ld\n", cpu < 0 ? 0 : cpu);
}

void bench_init(const char *program)
{
    h.program = program;
    h.smoke = env_long("BENCH_SMOKE", 0) != 0;
    h.counting = RUNNING_ON_VALGRIND != 0;
    h.runs = (int)env_long("BENCH_RUNS", 11);
    if (h.runs < 1 || h.smoke) {
        h.runs = 1;
    } else if (h.runs > MAX_RUNS) {
        h.runs = MAX_RUNS;
    }
    h.target_ns = (double)env_long("BENCH_TARGET_MS", 20) * 1e6;
    if (h.smoke) {
        h.target_ns = 0.5e6;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("info,program,%s\n", program);
    printf("info,runs,%d\n", h.runs);
    pin();
}

bool bench_smoke(void)
{
    return h.smoke;
}

bool bench_counting(void)
{
    return h.counting;
}

void bench_region_begin(void)
{
    if (h.in_region) {
        fprintf(stderr, "%s: nested bench_region_begin\n", h.program);
        abort();
    }
    h.in_region = true;
    if (h.counting) {
        CALLGRIND_TOGGLE_COLLECT;
        return;
    }
    h.region_start = bench_now_ns();
}

void bench_region_end(void)
{
    if (h.counting) {
        CALLGRIND_TOGGLE_COLLECT;
    } else {
        h.region_ns += bench_now_ns() - h.region_start;
    }
    h.in_region = false;
}

/* One run of c with about ops operations; *done gets how many it did. */
static double run_once(const struct bench_case *c, long ops, long *done)
{
    h.region_ns = 0;
    *done = c->run(ops, c->ctx);
    if (h.in_region || *done <= 0) {
        fprintf(stderr, "%s: case %s did not bracket its work\n", h.program,
                c->name);
        abort();
    }
    return h.region_ns;
}

/* Ops for one run of about the target time; the runs on the way warm up. */
static long calibrate(const struct bench_case *c)
{
    long ops = c->min_ops > 0 ? c->min_ops : 1, done;
    double t;

    for (;;) {
        t = run_once(c, ops, &done);
        if (t >= h.target_ns / 4 || ops > (1L << 40)) {
            break;
        }
        ops *= t > 0 && h.target_ns / t < 16 ? 4 : 16;
    }
    /* Scale to the target, then once more from a run of that size (a
     * single short run is easily disturbed on a noisy machine). */
    for (int pass = 0; pass < 2; pass++) {
        ops = (long)((double)done * h.target_ns / (t > 0 ? t : 1));
        ops = ops < c->min_ops ? c->min_ops : (ops > 0 ? ops : 1);
        if (pass == 0 && !h.smoke) {
            t = run_once(c, ops, &done);
        }
    }
    return ops;
}

/* Under callgrind: ops and 2 * ops, one dump each (see harness.h). */
static void count_case(const char *bench, const struct bench_case *c)
{
    long ops = c->cg_ops > 0 ? c->cg_ops : 20000, done;
    char label[160];

    for (int i = 1; i <= 2; i++) {
        CALLGRIND_ZERO_STATS;
        run_once(c, ops * i, &done);
        snprintf(label, sizeof(label), "%s|%s|%ld|%ld", bench, c->name, c->n,
                 done);
        CALLGRIND_DUMP_STATS_AT(label);
    }
}

void bench_compare(const char *bench, const struct bench_case *cases, int count)
{
    long ops[MAX_CASES], done;

    if (count > MAX_CASES) {
        fprintf(stderr, "%s: too many cases\n", h.program);
        abort();
    }
    if (h.counting) {
        for (int i = 0; i < count; i++) {
            if (cases[i].user_only) {
                count_case(bench, &cases[i]);
            }
        }
        return;
    }
    printf("compare,%s,%d\n", bench, count);
    for (int i = 0; i < count; i++) {
        ops[i] = calibrate(&cases[i]);
        if (!h.smoke) {
            run_once(&cases[i], ops[i], &done); /* warm-up, discarded */
        }
    }
    for (int r = 0; r < h.runs; r++) {
        for (int k = 0; k < count; k++) {
            int i = r % 2 == 0 ? k : count - 1 - k;
            double t = run_once(&cases[i], ops[i], &done);

            samples[i][r] = t / (double)done;
            printf("sample,%s,%s,%ld,%d,%.3f\n", bench, cases[i].name,
                   cases[i].n, r, samples[i][r]);
        }
    }
    for (int i = 0; i < count; i++) {
        printf("median,%s,%s,%ld,%.3f,%ld\n", bench, cases[i].name, cases[i].n,
               bench_median(samples[i], h.runs), ops[i]);
    }
}

void bench_value(const char *bench, const char *name, long n,
                 const char *metric, double value)
{
    printf("value,%s,%s,%ld,%s,%.3f\n", bench, name, n, metric, value);
}
