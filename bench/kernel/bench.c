/*
 * The benchmark image's kernel_run (in place of progs/run.c): check that
 * the TSC counts instructions, run every measurement in bench.h, print one
 * "name,median,instructions" line each on the console, and leave QEMU
 * through isa-debug-exit: BENCH_EXIT_PASS, or BENCH_EXIT_FAIL when a check
 * or a measurement failed (QEMU's exit status is then 33 or 35).  A panic
 * also exits with the failure code.  bench/kernel/run.sh boots it.
 */
#include "bench.h"

#include "exec.h"

#include "arch.h"
#include "boot.h"
#include "demos.h"
#include "klog.h"
#include "panic.h"
#include "timer.h"
#include "x86.h"

const bool kernel_run_reads_test_options = false;

#define BENCH_EXIT_PASS 0x10
#define BENCH_EXIT_FAIL 0x11

static const struct {
    const char *name; /* the CSV line's first field */
    bench_fn fn;
    size_t want; /* samples */
    const char *what;
} benches[] = {
    {"kernel_null_syscall", bench_null_syscall, BENCH_SAMPLES,
     "sys_getpid() through int 0x80, call to return"},
    {"kernel_yield_switch", bench_yield_switch, BENCH_SAMPLES,
     "yield_now() from one process to the other's return"},
    {"kernel_yield_switch_syscall", bench_yield_switch_syscall, BENCH_SAMPLES,
     "sys_sched_yield() from one process to the other's return"},
    {"kernel_tick", bench_tick, BENCH_TICK_SAMPLES,
     "timer interrupt that does not switch, delivery to iretq"},
    {"kernel_spawn_exit_wait", bench_spawn_exit_wait, BENCH_SAMPLES,
     "spawn_kernel_process + child returns 0 + wait_for_child"},
    {"kernel_sleep_wake", bench_sleep_wake, BENCH_SAMPLES,
     "sleep_ticks(1) to the next one, with its tick and both switches"},
    {"kernel_user_null_syscall", bench_user_null_syscall, BENCH_SAMPLES,
     "K4: getpid from ring 3 through syscall, rdtsc to rdtsc"},
    {"kernel_user_yield_switch", bench_user_yield_switch, BENCH_SAMPLES,
     "K5: sched_yield between two user processes (address spaces), per "
     "switch"},
    {"kernel_user_spawn_exit_wait", bench_user_spawn_exit_wait, BENCH_SAMPLES,
     "K6: spawn_user_process(/ktest/bin/exit0) + exit + wait_for_child"},
};

#define NBENCHES (sizeof(benches) / sizeof(benches[0]))

static struct samples samples; /* one measurement's, reused */
static struct samples ticks;   /* B7's ticks late, beside samples */

/* B7: the sleeper's policies, and the spinner counts (the CPU must never
 * halt in a sample, so at least one spinner; the host measures N = 0). */
static const struct {
    const char *name;
    int policy;
} wake_policies[] = {{"other", SCHED_OTHER}, {"fifo", SCHED_FIFO}};
static const int wake_spinners[] = {1, 4, 16, 64};

void samples_init(struct samples *s, size_t want)
{
    s->want = want < BENCH_SAMPLES ? want : BENCH_SAMPLES;
    s->n = 0;
    s->skipped = 0;
}

bool samples_add(struct samples *s, uint64_t v)
{
    if (s->skipped < BENCH_WARMUP) {
        s->skipped++;
    } else if (s->n < s->want) {
        s->v[s->n++] = v;
    }
    return s->n < s->want;
}

uint64_t samples_median(struct samples *s)
{
    for (size_t i = 1; i < s->n; i++) { /* insertion sort: n is small */
        uint64_t v = s->v[i];
        size_t j = i;

        for (; j > 0 && s->v[j - 1] > v; j--) {
            s->v[j] = s->v[j - 1];
        }
        s->v[j] = v;
    }
    return s->n > 0 ? s->v[s->n / 2] : 0;
}

/* Two back-to-back reads, shaped like every "t0; op; t1" sample. */
__attribute__((noinline)) static uint64_t cycles_pair(void)
{
    uint64_t t0 = arch_cycles();

    return arch_cycles() - t0;
}

uint64_t bench_overhead(void)
{
    uint64_t best = UINT64_MAX;

    for (int i = 0; i < 16; i++) { /* the least: a tick only adds */
        uint64_t d = cycles_pair();

        best = d < best ? d : best;
    }
    return best;
}

/* Run one measurement and print its line; false if it failed. */
static bool run_one(size_t i)
{
    struct samples *s = &samples;
    uint64_t median;
    int err;

    samples_init(s, benches[i].want);
    err = benches[i].fn(s);
    if (err != 0 || s->n < s->want) {
        kprintf("# %s: failed (%d, %lu of %lu samples)\n", benches[i].name, err,
                (unsigned long)s->n, (unsigned long)s->want);
        return false;
    }
    median = samples_median(s);
    kprintf("# %s: %s; %lu samples, min %lu, median %lu, max %lu\n",
            benches[i].name, benches[i].what, (unsigned long)s->n,
            (unsigned long)s->v[0], (unsigned long)median,
            (unsigned long)s->v[s->n - 1]);
    kprintf("%s,%lu,instructions\n", benches[i].name, (unsigned long)median);
    return true;
}

/* One B7 case: its "# " line and three CSV lines; false if it failed. */
static bool run_wakeup(size_t pi, int n)
{
    const char *name = wake_policies[pi].name;
    uint64_t med, tmed;
    int err;

    samples_init(&samples, BENCH_WAKE_SAMPLES);
    samples_init(&ticks, BENCH_WAKE_SAMPLES);
    err = bench_wakeup(&samples, &ticks, wake_policies[pi].policy, n);
    if (err != 0 || samples.n < samples.want) {
        kprintf("# kernel_wakeup_%s_n%d: failed (%d, %lu samples)\n", name, n,
                err, (unsigned long)samples.n);
        return false;
    }
    med = samples_median(&samples);
    tmed = samples_median(&ticks);
    kprintf("# kernel_wakeup_%s_n%d: sleeper (%s) among %d spinners, timer "
            "expiry to running; %lu samples: instructions min %lu, median "
            "%lu, max %lu; ticks late min %lu, median %lu, max %lu\n",
            name, n, name, n, (unsigned long)samples.n,
            (unsigned long)samples.v[0], (unsigned long)med,
            (unsigned long)samples.v[samples.n - 1], (unsigned long)ticks.v[0],
            (unsigned long)tmed, (unsigned long)ticks.v[ticks.n - 1]);
    kprintf("kernel_wakeup_%s_n%d,%lu,instructions\n", name, n,
            (unsigned long)med);
    kprintf("kernel_wakeup_%s_n%d_ticks,%lu,ticks\n", name, n,
            (unsigned long)tmed);
    kprintf("kernel_wakeup_%s_n%d_ticks_max,%lu,ticks\n", name, n,
            (unsigned long)ticks.v[ticks.n - 1]);
    return true;
}

/*
 * The shell's inversion demo (progs/demos.c), as the shell would spawn
 * it: n = 1 inheritance on, 0 off.  It prints its own line (high's wait
 * in ticks), which bench/kernel/run.sh reads from the console.
 */
static bool run_inversion(uintptr_t inherit)
{
    const struct demo *d = demo_find("inversion");
    pid_t pid;
    int code = -1;

    if (d == NULL) {
        kprintf("# inversion: no such demo\n");
        return false;
    }
    pid = spawn_kernel_process(d->name, d->entry, (void *)inherit);
    if (pid < 0 || wait_for_child(pid, &code) != pid || code != 0) {
        kprintf("# inversion %lu: failed (%d, exit %d)\n",
                (unsigned long)inherit, pid, code);
        return false;
    }
    return true;
}

/*
 * K7-K9 are measured by a user program, /bin/kbench (user/kbench.c), which
 * prints its own CSV line: fork + exit + wait, fork + execve + exit +
 * wait, a pipe round trip.
 */
static bool run_kbench(const char *what)
{
    const char *argv[] = {"kbench", what, NULL};
    pid_t pid = spawn_user_process("/bin/kbench", argv, NULL);
    int code = -1;

    if (pid < 0 || wait_for_child(pid, &code) != pid || code != 0) {
        kprintf("# kbench %s: failed (%d, exit %d)\n", what, pid, code);
        return false;
    }
    return true;
}

static void exit_fail(void)
{
    qemu_debug_exit(BENCH_EXIT_FAIL);
}

int kernel_run(void *arg)
{
    uint64_t start = arch_cycles(); /* the first read of this boot */
    bool ok;

    (void)arg;
    panic_set_hook(exit_fail);
    kprintf("# kernel benchmarks: TSC %lu when init started, timer %u Hz, "
            "overhead of a TSC read pair %lu instructions (subtracted)\n",
            (unsigned long)start, timer_hz(), (unsigned long)bench_overhead());
    ok = bench_icount_check();
    for (size_t i = 0; ok && i < NBENCHES; i++) {
        ok = run_one(i);
    }
    for (size_t p = 0; ok && p < 2; p++) {
        for (size_t i = 0; ok && i < sizeof(wake_spinners) / sizeof(int); i++) {
            ok = run_wakeup(p, wake_spinners[i]);
        }
    }
    ok = ok && run_inversion(1) && run_inversion(0);
    ok = ok && run_kbench("fork") && run_kbench("exec") && run_kbench("pipe");
    kprintf("# kernel benchmarks: %s\n", ok ? "done" : "FAILED");
    qemu_debug_exit(ok ? BENCH_EXIT_PASS : BENCH_EXIT_FAIL);
    return ok ? 0 : 1;
}
