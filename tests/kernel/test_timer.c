/*
 * Sleep and the clocks in QEMU (suite "sleep"): sleep_ticks against the
 * tick counter, nanosleep and clock_nanosleep rounding and every bad
 * pointer and value, clock_gettime's monotonic and real-time clocks.  The
 * suites run in init; nothing else is ready, so a sleeper's wake makes idle
 * switch to it on the way out of the very tick that expired its timer.
 */
#include "arch.h"
#include "klog.h"
#include "kerrno.h"
#include "ktest.h"
#include "layout.h"
#include "itimer.h"
#include "proc.h"
#include "process.h"
#include "syscall.h"
#include "timer.h"
#include "usys.h"

#define NS_PER_TICK (1000000000ULL / timer_hz())

/* No timer is armed: none of this suite's, and no other process's.  A
 * failure lists every process, to show whose timer it is. */
static void no_timer_armed(void)
{
    size_t n = timer_armed_count();

    if (n != 0) {
        dump_all_processes();
        timer_dump();
    }
    KT_EQ(n, 0);
}
#define UNIX_2020 1577836800ULL /* 2020-01-01 00:00:00 UTC */
#define UNIX_2100 4102444800ULL

/*
 * sleep_ticks(n) returns when the counter has reached start + n, never
 * before; and (nothing else ready) on that tick or, if QEMU delivered two
 * ticks back to back before the sleeper read the counter, the next.
 */
static void sleep_ticks_accuracy(void)
{
    static const uint64_t ns[] = {1, 2, 3, 5, 10, 1, 1, 7};
    uint64_t late = 0;

    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        uint64_t start = timer_ticks(), end;

        KT_EQ(sleep_ticks(ns[i]), 0);
        end = timer_ticks();
        KT_ASSERT(end >= start + ns[i]);
        KT_ASSERT(end <= start + ns[i] + 1);
        late += end - start - ns[i];
    }
    no_timer_armed();
    kprintf("# sleep_ticks: %lu of 8 sleeps read the counter a tick late\n",
            (unsigned long)late);
}

/* Wait for the next tick to start, so a sleep begins mid-tick at a known
 * place; returns the uptime just after it. */
static uint64_t on_a_tick(void)
{
    sleep_ticks(1); /* its result is checked in sleep_ticks_accuracy */
    return uptime_ns();
}

/* nanosleep sleeps at least what was asked, in whole ticks (rounded up),
 * and no more than one tick beyond. */
static void nanosleep_never_short(void)
{
    static const int64_t reqs[] = {1, 2500000, 10000000, 25000000, 40000001};

    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        struct ktimespec req = {0, reqs[i]}, rem = {7, 7};
        uint64_t t0, t1;

        on_a_tick();
        t0 = uptime_ns();
        KT_EQ(sys_nanosleep(&req, &rem), 0);
        t1 = uptime_ns();
        KT_ASSERT(t1 - t0 >= (uint64_t)reqs[i]);
        KT_ASSERT(t1 - t0 < (uint64_t)reqs[i] + 2 * NS_PER_TICK);
        KT_EQ(rem.tv_sec, 7); /* not interrupted: rem untouched */
    }
}

/* A second as sec = 1: at least timer_hz() ticks. */
static void nanosleep_one_second(void)
{
    struct ktimespec req = {1, 0};
    uint64_t t0 = timer_ticks();

    KT_EQ(sys_nanosleep(&req, NULL), 0);
    KT_ASSERT(timer_ticks() - t0 >= timer_hz());
    KT_ASSERT(timer_ticks() - t0 <= timer_hz() + 2);
}

static const struct {
    uintptr_t addr;
    const char *what;
} bad_ptrs[] = {
    {0, "NULL"},
    {0x8000000000000000UL, "non-canonical"},
    {0x00007ffffffffff8UL, "runs off the lower half"},
    {0xdead0000UL, "not mapped"},
    {PHYSMAP_BASE + (1UL << 36), "past the end of RAM"},
    {0xfffffffffffffff8UL, "wraps around"},
};
#define NBAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

static const struct ktimespec ro_ts = {0, 1000}; /* rodata: read-only */

/* Every bad req and rem is -EFAULT, at once (no tick passes), and the
 * read-only timespec is refused where the call would write it. */
static void nanosleep_bad_pointers(void)
{
    struct ktimespec ok = {0, 1000};
    uint64_t t0 = timer_ticks();

    for (size_t i = 0; i < NBAD; i++) {
        long p = (long)bad_ptrs[i].addr;

        KT_EQ(arch_syscall(SYS_nanosleep, p, 0, 0, 0, 0, 0), -EFAULT);
        KT_EQ(arch_syscall(SYS_nanosleep, (long)&ok, p ? p : 1, 0, 0, 0, 0),
              -EFAULT);
        KT_EQ(arch_syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, 0, 0, 0),
              -EFAULT);
        KT_EQ(arch_syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ok,
                           p ? p : 1, 0, 0),
              -EFAULT);
        KT_EQ(arch_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p, 0, 0, 0, 0),
              -EFAULT);
        KT_EQ(arch_syscall(SYS_clock_gettime, CLOCK_REALTIME, p, 0, 0, 0, 0),
              -EFAULT);
    }
    KT_EQ(sys_nanosleep(&ro_ts, (struct ktimespec *)(uintptr_t)&ro_ts),
          -EFAULT);
    KT_EQ(sys_clock_gettime(CLOCK_MONOTONIC,
                            (struct ktimespec *)(uintptr_t)&ro_ts),
          -EFAULT);
    KT_EQ(ro_ts.tv_nsec, 1000);
    KT_ASSERT(timer_ticks() <= t0 + 1); /* none of them slept */
    no_timer_armed();
    KT_EQ(sys_nanosleep(&ro_ts, NULL), 0); /* reading rodata is fine */
}

/* tv_nsec outside 0..999,999,999 or tv_sec negative: -EINVAL, no sleep. */
static void nanosleep_bad_values(void)
{
    static const struct ktimespec bad[] = {
        {0, -1},  {0, 1000000000}, {-1, 0},
        {-1, -1}, {0, INT64_MAX},  {INT64_MIN, 0},
    };
    uint64_t t0 = timer_ticks();

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        KT_EQ(sys_nanosleep(&bad[i], NULL), -EINVAL);
        KT_EQ(sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &bad[i], NULL), -EINVAL);
        KT_EQ(sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &bad[i], NULL),
              -EINVAL);
    }
    KT_ASSERT(timer_ticks() <= t0 + 1);
    no_timer_armed();
}

/* Clocks other than 0 and 1, and flags other than TIMER_ABSTIME. */
static void clock_bad_ids_and_flags(void)
{
    static const int clocks[] = {-1, 2, 3, 4, 7, 1000};
    struct ktimespec ts = {0, 1000};

    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        KT_EQ(sys_clock_gettime(clocks[i], &ts), -EINVAL);
        KT_EQ(sys_clock_nanosleep(clocks[i], 0, &ts, NULL), -EINVAL);
    }
    KT_EQ(sys_clock_nanosleep(CLOCK_MONOTONIC, 2, &ts, NULL), -EINVAL);
    KT_EQ(sys_clock_nanosleep(CLOCK_MONOTONIC, -1, &ts, NULL), -EINVAL);
}

/* clock_gettime(CLOCK_MONOTONIC) never goes back, across several ticks and
 * sub-tick reads, and agrees with uptime. */
static void monotonic_non_decreasing(void)
{
    uint64_t t_end = timer_ticks() + 3, prev = 0;
    long reads = 0;

    while (timer_ticks() < t_end && reads < 10000000) {
        struct ktimespec ts;
        uint64_t before = uptime_ns(), now;

        KT_EQ(sys_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
        KT_ASSERT(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
        now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
        KT_ASSERT(now >= prev);
        KT_ASSERT(now >= before && now <= uptime_ns());
        prev = now;
        reads++;
    }
    KT_ASSERT(timer_ticks() >= t_end);
    kprintf("# clock_gettime: %ld monotonic reads over 3 ticks\n", reads);
}

/* CLOCK_REALTIME: a date from the CMOS clock after 2020 and before 2100,
 * moving with the monotonic clock. */
static void realtime_plausible(void)
{
    struct ktimespec rt0, rt1, m0, m1;
    int64_t drt, dm;

    KT_EQ(sys_clock_gettime(CLOCK_REALTIME, &rt0), 0);
    KT_EQ(sys_clock_gettime(CLOCK_MONOTONIC, &m0), 0);
    KT_ASSERT((uint64_t)rt0.tv_sec >= UNIX_2020);
    KT_ASSERT((uint64_t)rt0.tv_sec < UNIX_2100);
    KT_EQ(sleep_ticks(3), 0);
    KT_EQ(sys_clock_gettime(CLOCK_MONOTONIC, &m1), 0);
    KT_EQ(sys_clock_gettime(CLOCK_REALTIME, &rt1), 0);
    drt = (rt1.tv_sec - rt0.tv_sec) * 1000000000LL + rt1.tv_nsec - rt0.tv_nsec;
    dm = (m1.tv_sec - m0.tv_sec) * 1000000000LL + m1.tv_nsec - m0.tv_nsec;
    KT_ASSERT(drt >= dm); /* realtime read outside the monotonic pair */
    KT_ASSERT(drt - dm < (int64_t)NS_PER_TICK);
    kprintf("# clock_gettime: realtime %ld s since 1970\n", (long)rt0.tv_sec);
}

/* TIMER_ABSTIME on either clock: returns once that clock has reached the
 * time, at once for a time already past. */
static void clock_nanosleep_absolute(void)
{
    static const int clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};

    for (size_t i = 0; i < 2; i++) {
        struct ktimespec now, until, after, past = {0, 5};
        uint64_t t0, target, got;

        KT_EQ(sys_clock_gettime(clocks[i], &now), 0);
        target = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec +
                 35000000; /* 35 ms on */
        until = (struct ktimespec){(int64_t)(target / 1000000000ULL),
                                   (int64_t)(target % 1000000000ULL)};
        KT_EQ(sys_clock_nanosleep(clocks[i], TIMER_ABSTIME, &until, NULL), 0);
        KT_EQ(sys_clock_gettime(clocks[i], &after), 0);
        got = (uint64_t)after.tv_sec * 1000000000ULL + (uint64_t)after.tv_nsec;
        KT_ASSERT(got >= target);
        KT_ASSERT(got < target + 2 * NS_PER_TICK);
        t0 = timer_ticks();
        KT_EQ(sys_clock_nanosleep(clocks[i], TIMER_ABSTIME, &past, NULL), 0);
        KT_ASSERT(timer_ticks() <= t0 + 1); /* the past: no sleep */
    }
}

/* Relative clock_nanosleep, either clock: at least the duration. */
static void clock_nanosleep_relative(void)
{
    struct ktimespec req = {0, 15000000};

    for (int clock = 0; clock <= 1; clock++) {
        uint64_t t0 = on_a_tick(), t1;

        KT_EQ(sys_clock_nanosleep(clock, 0, &req, NULL), 0);
        t1 = uptime_ns();
        KT_ASSERT(t1 - t0 >= 15000000);
        KT_ASSERT(t1 - t0 < 15000000 + 2 * NS_PER_TICK);
    }
}

static int arm_then_exit(void *arg)
{
    uint64_t left = 7;

    (void)arg;
    return itimer_set(1000, 10, &left, NULL) == 0 && left == 0 ? 0 : 1;
}

static int arm_then_wait(void *arg)
{
    uint64_t left, interval;

    (void)arg;
    if (itimer_set(2, 0, NULL, NULL) != 0 ||
        itimer_get(&left, &interval) != 0 || left == 0 || interval != 0) {
        return 1;
    }
    sleep_ticks(3); /* SIGALRM ends it (a kernel process: default action) */
    return 2;
}

/* A process that exits with its interval timer armed leaves no timer
 * behind (it would fire into a reaped record); one whose alarm fires is
 * ended by SIGALRM's default action, in time. */
static void alarm_cancelled_at_exit(void)
{
    pid_t pid = spawn_kernel_process("alarmed", arm_then_exit, NULL);
    int code = -1, sig = -1;

    KT_ASSERT(pid > 1);
    KT_EQ(wait_child_sig(pid, &code, &sig, true), pid);
    KT_EQ(code, 0);
    no_timer_armed();
    pid = spawn_kernel_process("alarmed", arm_then_wait, NULL);
    KT_EQ(wait_child_sig(pid, &code, &sig, true), pid);
    KT_EQ(sig, SIGALRM);
    no_timer_armed();
}

static const struct ktest_case sleep_cases[] = {
    {"sleep_ticks_accuracy", sleep_ticks_accuracy},
    {"nanosleep_never_short", nanosleep_never_short},
    {"nanosleep_one_second", nanosleep_one_second},
    {"nanosleep_bad_pointers", nanosleep_bad_pointers},
    {"nanosleep_bad_values", nanosleep_bad_values},
    {"clock_bad_ids_and_flags", clock_bad_ids_and_flags},
    {"monotonic_non_decreasing", monotonic_non_decreasing},
    {"realtime_plausible", realtime_plausible},
    {"clock_nanosleep_absolute", clock_nanosleep_absolute},
    {"clock_nanosleep_relative", clock_nanosleep_relative},
    {"alarm_cancelled_at_exit", alarm_cancelled_at_exit},
};
KTEST_SUITE(suite_sleep, "sleep", sleep_cases);
