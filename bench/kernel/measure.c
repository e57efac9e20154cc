/*
 * The kernel measurements (bench.h).  Each sample is a TSC delta, which
 * under -icount is an instruction count, less bench_overhead() where the
 * sample brackets the operation with two arch_cycles() calls.  The bench
 * process is init (pid 1); while these run it is the only process besides
 * idle and the children a measurement spawns, so no other code runs in a
 * sample except a timer tick, which the median discards.
 */
#include "bench.h"

#include "arch.h"
#include "klog.h"
#include "heap.h"
#include "kerrno.h"
#include "process.h"
#include "timer.h"
#include "usys.h"

/* ---- Null system call ------------------------------------------------------ */

__attribute__((noinline)) static uint64_t time_getpid(void)
{
    uint64_t t0 = arch_cycles();

    sys_getpid();
    return arch_cycles() - t0;
}

int bench_null_syscall(struct samples *s)
{
    uint64_t o = bench_overhead();

    while (samples_add(s, time_getpid() - o)) {
    }
    return 0;
}

/* ---- Yield switch ---------------------------------------------------------- */

/* Two partners yield to each other; written by whichever runs. */
static struct {
    struct samples *s;
    void (*yield)(void);
    uint64_t overhead;
    uint64_t stamp; /* TSC just before the last yield; 0 before the first */
    bool done;      /* enough samples: both partners return */
} yb;

/*
 * Each pass: the time since the other partner's stamp is one switch (its
 * yield call, the switch, and our return from our own yield), then stamp
 * and yield back.  The first samples (a partner's first run starts in
 * process_start, not in a yield) fall in the warm-up.
 */
static int yield_partner(void *arg)
{
    (void)arg;
    while (!yb.done) {
        uint64_t now = arch_cycles();

        if (yb.stamp != 0 && !samples_add(yb.s, now - yb.stamp - yb.overhead)) {
            yb.done = true;
        }
        yb.stamp = arch_cycles();
        yb.yield();
    }
    return 0;
}

static int run_partners(struct samples *s, void (*yield)(void))
{
    pid_t a, b;
    int code;

    yb.s = s;
    yb.yield = yield;
    yb.overhead = bench_overhead();
    yb.stamp = 0;
    yb.done = false;
    a = spawn_kernel_process("yield-a", yield_partner, NULL);
    b = spawn_kernel_process("yield-b", yield_partner, NULL);
    if (a < 0 || b < 0) {
        kprintf("# yield: cannot spawn the partners (%d, %d)\n", a, b);
        return a < 0 ? a : b;
    }
    wait_for_child(a, &code);
    wait_for_child(b, &code);
    return 0;
}

static void yield_syscall(void)
{
    sys_sched_yield();
}

int bench_yield_switch(struct samples *s)
{
    return run_partners(s, yield_now);
}

int bench_yield_switch_syscall(struct samples *s)
{
    return run_partners(s, yield_syscall);
}

/* ---- Timer tick ------------------------------------------------------------- */

#define TICK_WINDOW (1u << 18) /* TSC gaps recorded per window */

/*
 * Read the TSC n times in a loop of fixed length, storing the gaps.  A
 * gap is the loop's own length, or that plus a whole interrupt; all but
 * gaps[0], which starts before the loop.
 */
__attribute__((noinline)) static void record_gaps(uint32_t *gaps, size_t n)
{
    uint64_t prev = arch_cycles();

    for (size_t i = 0; i < n; i++) {
        uint64_t t = arch_cycles();

        gaps[i] = (uint32_t)(t - prev);
        prev = t;
    }
}

/*
 * One window: every gap longer than the loop's (the shortest) is a tick,
 * and must be one of the ticks the counter saw; less than that would mean
 * another interrupt ran.  Returns 0, or -EIO for an unexplained gap.
 */
static int tick_window(struct samples *s, uint32_t *gaps)
{
    uint64_t ticks = timer_ticks();
    uint32_t loop = UINT32_MAX;
    unsigned long seen = 0;

    record_gaps(gaps, TICK_WINDOW);
    ticks = timer_ticks() - ticks;
    for (size_t i = 1; i < TICK_WINDOW; i++) {
        loop = gaps[i] < loop ? gaps[i] : loop;
    }
    for (size_t i = 1; i < TICK_WINDOW; i++) {
        if (gaps[i] != loop) {
            seen++;
            samples_add(s, gaps[i] - loop);
        }
    }
    if (seen > ticks) {
        kprintf("# tick: %lu long gaps but %lu ticks in a window\n", seen,
                (unsigned long)ticks);
        return -EIO;
    }
    return 0;
}

int bench_tick(struct samples *s)
{
    uint32_t *gaps = kmalloc(TICK_WINDOW * sizeof(*gaps));
    int err = 0;

    if (gaps == NULL) {
        return -ENOMEM;
    }
    while (err == 0 && s->n < s->want) {
        err = tick_window(s, gaps);
    }
    kfree(gaps);
    return err;
}

/* ---- Sleep and wake ---------------------------------------------------------- */

/*
 * A sleeper sleeps one tick at a time while init spins in a loop that
 * yields each time round, so the CPU never idles (a halt would jump the
 * TSC) and the woken sleeper runs at the spinner's next yield.  Every
 * spinner iteration costs the loop's own length (the shortest gap: a
 * yield with nobody else ready) except those that a tick or the sleeper
 * interrupted; their excess, summed from one run of the sleeper to the
 * next, is one whole sleep+wake cycle: the tick that expires the timer and
 * wakes the sleeper, the switch to it, its return from sleep_ticks, its
 * next sleep_ticks(1) (arming, blocking) and the switch back.
 */
static struct {
    volatile uint64_t wakes; /* the sleeper's returns from sleep_ticks */
    volatile bool stop;
} sw;

static int sleep_loop(void *arg)
{
    (void)arg;
    while (!sw.stop) {
        sleep_ticks(1);
        sw.wakes++;
    }
    return 0;
}

/*
 * Spin until s is full.  Between two runs of the sleeper, k iterations
 * took sum instructions: the sample is sum - k * loop, loop being the
 * shortest gap seen (reached in the first cycle, which the warm-up drops).
 */
__attribute__((noinline)) static uint64_t spin_yield(struct samples *s)
{
    uint64_t prev = arch_cycles(), loop = UINT64_MAX, sum = 0, k = 0;
    uint64_t seen = sw.wakes;

    while (s->n < s->want) {
        uint64_t t, gap;

        yield_now();
        t = arch_cycles();
        gap = t - prev;
        prev = t;
        loop = gap < loop ? gap : loop;
        sum += gap;
        k++;
        if (sw.wakes != seen) {
            seen = sw.wakes;
            samples_add(s, sum - k * loop);
            sum = k = 0;
        }
    }
    return loop;
}

int bench_sleep_wake(struct samples *s)
{
    uint64_t loop;
    pid_t pid;
    int code;

    sw.wakes = 0;
    sw.stop = false;
    pid = spawn_kernel_process("sleeper", sleep_loop, NULL);
    if (pid < 0) {
        kprintf("# sleep: cannot spawn the sleeper (%d)\n", pid);
        return pid;
    }
    loop = spin_yield(s);
    sw.stop = true;
    wait_for_child(pid, &code);
    kprintf("# sleep: the spinner's loop is %lu instructions\n",
            (unsigned long)loop);
    return 0;
}

/* ---- Spawn, exit, wait ------------------------------------------------------ */

static int child_exit(void *arg)
{
    (void)arg;
    return 0;
}

/* One cycle; the child's pid goes to *pid (negative: spawn failed). */
__attribute__((noinline)) static uint64_t time_spawn_cycle(pid_t *pid)
{
    uint64_t t0 = arch_cycles();
    int code;

    *pid = spawn_kernel_process("child", child_exit, NULL);
    if (*pid > 0) {
        *pid = wait_for_child(*pid, &code);
    }
    return arch_cycles() - t0;
}

int bench_spawn_exit_wait(struct samples *s)
{
    uint64_t o = bench_overhead();
    bool more = true;

    while (more) {
        pid_t pid;
        uint64_t d = time_spawn_cycle(&pid);

        if (pid < 0) {
            kprintf("# spawn: %d\n", pid);
            return pid;
        }
        more = samples_add(s, d - o);
    }
    return 0;
}

/* ---- Wakeup latency (B7) ------------------------------------------------------ */

/*
 * A sleeper loops on sleep_until_tick(now + WAKE_PERIOD) among n CPU-bound
 * SCHED_OTHER spinners.  Each spinner reads the TSC, then the tick count,
 * and while the count is below the sleeper's expiry stores the TSC in
 * wk.before: the last store before the expiring tick is at most one
 * spinner iteration before that tick's interrupt.  The sleeper, back from
 * sleep, reads the TSC (less wk.before: instructions from the expiring
 * tick to it running) and the tick count (less its expiry: ticks late).
 */
#define WAKE_PERIOD 3

static struct {
    struct samples *instr, *ticks;
    volatile uint64_t expiry; /* the sleeper's; 0 while it is awake */
    volatile uint64_t before; /* TSC a spinner read while ticks < expiry */
    volatile bool stop;       /* the spinners return */
    int err;
} wk;

static int wake_spinner(void *arg)
{
    (void)arg;
    while (!wk.stop) {
        uint64_t t = arch_cycles();

        if (timer_ticks() < wk.expiry) {
            wk.before = t;
        }
    }
    return 0;
}

static int wake_sleeper(void *arg)
{
    bool more = true;

    (void)arg;
    while (more) {
        uint64_t t, late, kept = wk.instr->n;

        wk.before = 0;
        wk.expiry = timer_ticks() + WAKE_PERIOD;
        if (sleep_until_tick(wk.expiry) != 0 || wk.before == 0) {
            wk.err = -EIO; /* woke early, or no spinner ran before it */
            break;
        }
        t = arch_cycles();
        late = timer_ticks() - wk.expiry;
        wk.expiry = 0;
        more = samples_add(wk.instr, t - wk.before);
        if (wk.instr->n != kept) { /* the same samples as instr keeps */
            wk.ticks->v[wk.ticks->n++] = late;
        }
    }
    return 0;
}

int bench_wakeup(struct samples *instr, struct samples *ticks, int policy,
                 int n)
{
    pid_t sleeper;
    int code, err;

    wk.instr = instr;
    wk.ticks = ticks;
    wk.expiry = 0;
    wk.stop = false;
    wk.err = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = spawn_kernel_process("spinner", wake_spinner, NULL);

        if (pid < 0 || process_setscheduler(pid, SCHED_OTHER, 0) != 0) {
            kprintf("# wakeup: cannot spawn spinner %d (%d)\n", i, pid);
            wk.stop = true;
            while (wait_for_child(-1, &code) > 0) {
            }
            return pid < 0 ? pid : -EINVAL;
        }
    }
    sleeper = spawn_kernel_process("sleeper", wake_sleeper, NULL);
    err = sleeper < 0 ? sleeper
                      : process_setscheduler(sleeper, policy,
                                             policy == SCHED_FIFO ? 50 : 0);
    if (err == 0) {
        wait_for_child(sleeper, &code);
    }
    wk.stop = true;
    while (wait_for_child(-1, &code) > 0) {
    }
    return err != 0 ? err : wk.err;
}
