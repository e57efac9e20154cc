/*
 * Timers and sleep on the host (kernel/proc/timer.h, sleep_ticks in
 * kernel/proc/process.h, the clock jump in arch/host/arch.c), under
 * AddressSanitizer and UBSan.
 *
 * The alarm scenarios of the classic teaching-kernel suites (Pintos'
 * alarm-single, alarm-multiple, alarm-simultaneous, alarm-zero,
 * alarm-negative, alarm-priority), plus cancel, never early, the host's
 * clock jump and the queue's invariants after randomised operations.
 * Wake order is by expiry, then first come first served; by priority once
 * the scheduling classes land (issue 9).
 *
 * Unless a test installs an idle hook, time passes only by the host's
 * clock jump: when every process sleeps, idle moves the tick count to the
 * next expiry, so each sleeper should run on its exact tick.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "kerrno.h"
#include "process.h"
#include "syscall.h"
#include "usys.h"
#include "timer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_WAKES     64

/* Who woke when, in the order they ran again. */
static struct {
    int who[MAX_WAKES];
    uint64_t at[MAX_WAKES];
    size_t n;
} wakes;

static void wakes_reset(void)
{
    memset(&wakes, 0, sizeof(wakes));
}

static void wake_record(int who, uint64_t at)
{
    if (wakes.n < MAX_WAKES) {
        wakes.who[wakes.n] = who;
        wakes.at[wakes.n++] = at;
    }
}

/* What a sleeper does: sleep dur ticks `times` times, never early. */
struct sleeper {
    int id;
    uint64_t dur;
    int times;
};

static int sleeper(void *arg)
{
    const struct sleeper *s = arg;

    for (int i = 0; i < s->times; i++) {
        uint64_t start = timer_ticks();

        EXPECT_EQ(sleep_ticks(s->dur), 0);
        EXPECT(timer_ticks() >= start + s->dur); /* never early */
        wake_record(s->id, timer_ticks());
    }
    return 0;
}

static void spawn_sleeper(struct sleeper *s)
{
    EXPECT(spawn_kernel_process("sleeper", sleeper, s) > 0);
}

static void run_to_end(void)
{
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(scheduler_stats().processes, 1);
    assert_int_equal(timer_armed_count(), 0);
    assert_int_equal(timer_check(), 0);
}

/* alarm-single: one sleeper wakes on its exact tick. */
static void test_alarm_single(void **state)
{
    static struct sleeper s = {1, 10, 1};

    (void)state;
    wakes_reset();
    spawn_sleeper(&s);
    run_to_end();
    assert_int_equal(wakes.n, 1);
    assert_int_equal(wakes.at[0], 10);
    assert_int_equal(timer_ticks(), 10);
}

/* alarm-multiple: five sleepers, each seven times, durations 10..50: every
 * wake on the exact multiple of its duration, in time order. */
static void test_alarm_multiple(void **state)
{
    static struct sleeper s[5];

    (void)state;
    wakes_reset();
    for (int i = 0; i < 5; i++) {
        s[i] = (struct sleeper){i + 1, (uint64_t)(i + 1) * 10, 7};
        spawn_sleeper(&s[i]);
    }
    run_to_end();
    assert_int_equal(wakes.n, 35);
    for (size_t i = 0; i < wakes.n; i++) {
        int id = wakes.who[i];

        assert_int_equal(wakes.at[i] % ((uint64_t)id * 10), 0);
        if (i > 0) {
            assert_true(wakes.at[i] >= wakes.at[i - 1]);
        }
    }
    assert_int_equal(timer_ticks(), 350); /* the last: 7 x 50 */
}

/* alarm-simultaneous: ten sleepers armed for the same tick all wake on it,
 * in the order they went to sleep. */
static void test_alarm_simultaneous(void **state)
{
    static struct sleeper s[10];

    (void)state;
    wakes_reset();
    for (int i = 0; i < 10; i++) {
        s[i] = (struct sleeper){i, 5, 1};
        spawn_sleeper(&s[i]);
    }
    run_to_end();
    assert_int_equal(wakes.n, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(wakes.who[i], i);
        assert_int_equal(wakes.at[i], 5);
    }
    assert_int_equal(host_irq_stats().jumps, 1); /* one tick woke them all */
}

static char trace[64];
static size_t ntrace;

static int zero_sleeper(void *arg)
{
    (void)arg;
    trace[ntrace++] = 'a';
    EXPECT_EQ(sleep_ticks(0), 0);
    EXPECT_EQ(timer_armed_count(), 0);
    trace[ntrace++] = 'c';
    return 0;
}

static int other(void *arg)
{
    (void)arg;
    trace[ntrace++] = 'b';
    return 0;
}

/* alarm-zero: 0 ticks arms nothing, takes no time and yields. */
static void test_alarm_zero(void **state)
{
    (void)state;
    ntrace = 0;
    memset(trace, 0, sizeof(trace));
    spawn_kernel_process("zero", zero_sleeper, NULL);
    spawn_kernel_process("other", other, NULL);
    run_to_end();
    assert_string_equal(trace, "abc");
    assert_int_equal(timer_ticks(), 0);
    assert_int_equal(host_irq_stats().jumps, 0);
}

static volatile int woke;

static int huge_sleeper(void *arg)
{
    EXPECT_EQ(sleep_ticks((uint64_t)(uintptr_t)arg), 0);
    woke++;
    return 0;
}

static int negative_sleeper(void *arg)
{
    uint64_t t0 = timer_ticks();

    (void)arg;
    EXPECT_EQ(sleep_ticks((uint64_t)-5), -EINVAL);
    EXPECT_EQ(sleep_ticks((uint64_t)INT64_MAX + 1), -EINVAL);
    EXPECT_EQ(sleep_ticks(UINT64_MAX), -EINVAL);
    EXPECT_EQ(timer_armed_count(), 0);
    EXPECT_EQ(timer_ticks(), t0);
    woke++;
    return 0;
}

/*
 * alarm-negative: sleep_ticks takes a uint64_t, so a negative count arrives
 * as 2^63 or more; it is refused with -EINVAL at once (like nanosleep's
 * negative tv_sec), arming nothing and taking no time.
 */
static void test_alarm_negative(void **state)
{
    (void)state;
    woke = 0;
    spawn_kernel_process("neg", negative_sleeper, NULL);
    run_to_end();
    assert_int_equal(woke, 1);
    assert_int_equal(timer_ticks(), 0);
    assert_int_equal(host_irq_stats().jumps, 0);
}

/* Wake order: by expiry whatever the order of arming; equal expiries in
 * the order armed (among equal priorities: test_alarm_wakes_by_priority). */
static void test_wake_order_by_expiry_then_fifo(void **state)
{
    static struct sleeper s[] = {{0, 30, 1}, {1, 20, 1}, {2, 30, 1},
                                 {3, 10, 1}, {4, 20, 1}, {5, 10, 1}};
    static const int want[] = {3, 5, 1, 4, 0, 2};

    (void)state;
    wakes_reset();
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        spawn_sleeper(&s[i]);
    }
    run_to_end();
    assert_int_equal(wakes.n, ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_int_equal(wakes.who[i], want[i]);
        assert_int_equal(wakes.at[i], s[want[i]].dur);
    }
}

/* A FIFO sleeper at priority id (set before it sleeps). */
static int prio_sleeper(void *arg)
{
    const struct sleeper *s = arg;

    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, s->id), 0);
    EXPECT_EQ(sleep_ticks(s->dur), 0);
    wake_record(s->id, timer_ticks());
    return 0;
}

/* alarm-priority (Pintos): sleepers of different priorities, armed in no
 * order of priority, all expiring on the same tick, run highest first. */
static void test_alarm_wakes_by_priority(void **state)
{
    static struct sleeper s[] = {{20, 10, 1}, {50, 10, 1}, {5, 10, 1},
                                 {90, 10, 1}, {30, 10, 1}, {70, 10, 1}};
    static const int want[] = {90, 70, 50, 30, 20, 5};

    (void)state;
    wakes_reset();
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        EXPECT(spawn_kernel_process("sleeper", prio_sleeper, &s[i]) > 0);
    }
    run_to_end();
    assert_int_equal(wakes.n, ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_int_equal(wakes.who[i], want[i]);
        assert_int_equal(wakes.at[i], 10);
    }
}

/* Far timers (past the wheel's 256 ticks) move into it and fire on their
 * exact tick, in (expiry, arming) order with near ones of the same tick;
 * cancelling either kind works. */
static struct {
    struct timer t[6];
    uint64_t at[6];
    int order[6], n;
} ft;

static void far_fire(struct timer *t)
{
    int i = (int)(t - ft.t);

    ft.at[i] = timer_ticks();
    ft.order[ft.n++] = i;
}

static void test_far_timers_fire_exactly(void **state)
{
    (void)state;
    memset(&ft, 0, sizeof(ft));
    spin_lock(&timer_lock);
    timer_arm_locked(&ft.t[0], 300, far_fire);   /* far */
    timer_arm_locked(&ft.t[1], 10000, far_fire); /* far */
    timer_arm_locked(&ft.t[2], 255, far_fire);   /* the wheel's last tick */
    timer_arm_locked(&ft.t[3], 256, far_fire);   /* the heap's first */
    timer_arm_locked(&ft.t[4], 5000, far_fire);  /* cancelled while far */
    spin_unlock(&timer_lock);
    assert_int_equal(timer_next_expiry(), 255);
    for (int i = 0; i < 100; i++) {
        host_tick();
    }
    spin_lock(&timer_lock);
    timer_arm_locked(&ft.t[5], 300, far_fire); /* near, same tick as t[0] */
    assert_true(timer_cancel_locked(&ft.t[4]));
    spin_unlock(&timer_lock);
    assert_int_equal(timer_check(), 0);
    while (timer_ticks() < 10000) {
        host_tick();
        assert_int_equal(timer_check(), 0);
    }
    assert_int_equal(ft.n, 5);
    assert_int_equal(ft.order[0], 2);
    assert_int_equal(ft.order[1], 3);
    assert_int_equal(ft.order[2], 0); /* armed first, though far */
    assert_int_equal(ft.order[3], 5);
    assert_int_equal(ft.order[4], 1);
    assert_int_equal(ft.at[2], 255);
    assert_int_equal(ft.at[3], 256);
    assert_int_equal(ft.at[0], 300);
    assert_int_equal(ft.at[5], 300);
    assert_int_equal(ft.at[1], 10000);
    assert_int_equal(ft.at[4], 0);
    assert_int_equal(timer_armed_count(), 0);
    assert_int_equal(timer_next_expiry(), TIMER_NEVER);
}

static int fired;

static void count_fire(struct timer *t)
{
    (void)t;
    fired++;
}

/* Cancel: an armed timer that is cancelled never fires; cancelling a
 * fired or idle timer says so; the queue stays consistent. */
static void test_cancel_armed_timer(void **state)
{
    static struct timer a, b, c;

    (void)state;
    fired = 0;
    spin_lock(&timer_lock);
    timer_arm_locked(&a, 3, count_fire);
    timer_arm_locked(&b, 2, count_fire);
    timer_arm_locked(&c, 5, count_fire);
    assert_true(timer_cancel_locked(&b)); /* the earliest: the root */
    assert_true(timer_cancel_locked(&c));
    assert_false(timer_cancel_locked(&c));
    spin_unlock(&timer_lock);
    assert_int_equal(timer_next_expiry(), 3);
    assert_int_equal(timer_check(), 0);
    for (int i = 0; i < 10; i++) {
        host_tick();
    }
    assert_int_equal(fired, 1); /* a alone */
    spin_lock(&timer_lock);
    assert_false(timer_cancel_locked(&a)); /* fired already */
    spin_unlock(&timer_lock);
    assert_int_equal(timer_next_expiry(), TIMER_NEVER);
    assert_int_equal(timer_armed_count(), 0);
}

static pid_t victim;
static int canceller_saw;

/* What kill will do to a sleeper, minus the signal: cancel its timer. */
static int canceller(void *arg)
{
    struct process_info info;

    (void)arg;
    EXPECT_EQ(get_process(victim, &info), 0);
    EXPECT_EQ(info.state, PROCESS_BLOCKED);
    spin_lock(&timer_lock);
    canceller_saw =
        timer_cancel_locked(&proc_lookup_nolock(victim)->sleep_timer);
    spin_unlock(&timer_lock);
    EXPECT_EQ(timer_armed_count(), 0);
    return 0;
}

/* A sleeper's timer can be cancelled while it sleeps (the hook kill needs):
 * nothing fires and no clock jump can wake it. */
static void test_cancel_a_sleepers_timer(void **state)
{
    (void)state;
    woke = 0;
    victim = spawn_kernel_process("victim", huge_sleeper, (void *)100);
    spawn_kernel_process("canceller", canceller, NULL);
    start_scheduler();
    assert_true(canceller_saw);
    assert_true(sched_deadlocked()); /* nothing will ever wake it now */
    assert_int_equal(woke, 0);
    assert_int_equal(timer_ticks(), 0);
}

static uint64_t seed_state;

static uint64_t rnd(void)
{
    seed_state = seed_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed_state >> 33;
}

static int random_sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        uint64_t dur = rnd() % 7, start = timer_ticks();

        EXPECT_EQ(sleep_ticks(dur), 0);
        EXPECT(timer_ticks() >= start + dur);
    }
    return 0;
}

/*
 * Never early, with the timer interrupt at arbitrary points: ticks at every
 * n-th port call (inside sleep_ticks, between reading the clock and arming,
 * mid-switch) and an idle hook that ticks too, so sleepers often wake late
 * behind others; each checks the tick count when it runs again.
 */
static bool tick_hook(void)
{
    host_tick();
    return true;
}

static void test_never_early(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= 9; n += 2) {
        assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
        seed_state = n;
        host_tick_every(n);
        host_set_idle_hook(n % 4 == 1 ? tick_hook : NULL);
        for (int i = 0; i < 6; i++) {
            spawn_kernel_process("rnd", random_sleeper, NULL);
        }
        run_to_end();
    }
}

/*
 * The host's clock jump: a program of sleepers with far-apart expiries
 * (up to 10^9 ticks, 115 days at 100 Hz) finishes at once, with no
 * deadlock, one delivered tick per distinct expiry, and the clock on the
 * last expiry.
 */
static void test_host_clock_jump(void **state)
{
    static struct sleeper s[] = {
        {0, 1000000000, 1}, {1, 7, 3}, {2, 100000, 1}, {3, 100000, 1}};

    (void)state;
    wakes_reset();
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        spawn_sleeper(&s[i]);
    }
    run_to_end();
    assert_int_equal(timer_ticks(), 1000000000);
    assert_int_equal(wakes.n, 6);
    assert_int_equal(host_irq_stats().jumps, 5); /* 7, 14, 21, 1e5, 1e9 */
    assert_int_equal(host_irq_stats().delivered, 5);
}

/* No timer armed and everyone blocked: still a deadlock, clock untouched. */
static int block_on_arg(void *arg)
{
    return block_current((wait_channel_t)arg);
}

static void test_no_timer_is_still_a_deadlock(void **state)
{
    static int chan;

    (void)state;
    spawn_kernel_process("stuck", block_on_arg, &chan);
    start_scheduler();
    assert_true(sched_deadlocked());
    assert_int_equal(timer_ticks(), 0);
    assert_int_equal(host_irq_stats().jumps, 0);
}

/* sleep_ticks from idle (the test body) cannot block. */
static void test_sleep_from_idle_is_einval(void **state)
{
    (void)state;
    assert_int_equal(sleep_ticks(5), -EINVAL);
    assert_int_equal(sleep_ticks(0), -EINVAL);
    assert_int_equal(sleep_until_tick(5), -EINVAL);
    assert_int_equal(timer_armed_count(), 0);
}

static int nanosleeper(void *arg)
{
    const struct ktimespec *req = arg;

    EXPECT_EQ(sys_nanosleep(req, NULL), 0);
    wake_record(0, timer_ticks());
    return 0;
}

/* nanosleep through the trap path rounds up to whole ticks: at 100 Hz,
 * 25 ms from tick 0 ends on tick 3, 1 ns on tick 1, 30 ms on tick 3. */
static void test_nanosleep_rounds_up(void **state)
{
    static const struct {
        struct ktimespec req;
        uint64_t tick;
    } cases[] = {
        {{0, 25000000}, 3}, {{0, 1}, 1}, {{0, 30000000}, 3}, {{2, 5}, 201}};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
        wakes_reset();
        spawn_kernel_process("ns", nanosleeper, (void *)&cases[i].req);
        run_to_end();
        assert_int_equal(wakes.n, 1);
        assert_int_equal(wakes.at[0], cases[i].tick);
    }
}

/* A duration past the last tick (INT64_MAX seconds) sleeps for good: the
 * timer is armed at TIMER_NEVER, which the host does not jump to. */
static void test_nanosleep_forever(void **state)
{
    static const struct ktimespec forever = {INT64_MAX, 999999999};

    (void)state;
    wakes_reset();
    spawn_kernel_process("ns", nanosleeper, (void *)&forever);
    start_scheduler();
    assert_true(sched_deadlocked());
    assert_int_equal(wakes.n, 0);
    assert_int_equal(timer_armed_count(), 1);
    assert_int_equal(timer_next_expiry(), TIMER_NEVER);
    assert_int_equal(timer_ticks(), 0);
}

#define RT_N 64

static struct {
    struct timer t[RT_N];
    uint64_t fired_at[RT_N];             /* tick it fired on, 0 if not */
    uint64_t last_key_exp, last_key_seq; /* the last fired, to check order */
    bool order_ok;
} rt;

static void rt_fire(struct timer *t)
{
    size_t i = (size_t)(t - rt.t);

    rt.fired_at[i] = timer_ticks();
    if (t->expires < rt.last_key_exp ||
        (t->expires == rt.last_key_exp && t->seq < rt.last_key_seq) ||
        t->expires > timer_ticks()) {
        rt.order_ok = false;
    }
    rt.last_key_exp = t->expires;
    rt.last_key_seq = t->seq;
}

/*
 * Arm, cancel and tick at random with a fixed seed, checking after every
 * step: the heap's invariants and cached earliest expiry (timer_check),
 * the armed count against a model, that timers fire in (expiry, arming)
 * order never before their tick, and that a cancelled timer never fires.
 */
static void test_queue_invariants_randomised(void **state)
{
    bool armed[RT_N] = {false};
    size_t narmed = 0;

    (void)state;
    memset(&rt, 0, sizeof(rt));
    rt.order_ok = true;
    seed_state = 42;
    for (int step = 0; step < 20000; step++) {
        size_t i = rnd() % RT_N;
        unsigned op = rnd() % 4;

        spin_lock(&timer_lock);
        if (op < 2 && !rt.t[i].armed) {
            /* mostly near (the wheel), a quarter far (the heap) */
            uint64_t exp =
                timer_ticks() + (rnd() % 4 == 0 ? rnd() % 2000 : rnd() % 20);

            timer_arm_locked(&rt.t[i], exp, rt_fire);
            rt.fired_at[i] = 0;
            armed[i] = true;
            narmed++;
        } else if (op == 2 && armed[i]) {
            assert_true(timer_cancel_locked(&rt.t[i]));
            armed[i] = false;
            narmed--;
        }
        spin_unlock(&timer_lock);
        if (op == 3) {
            host_tick();
            for (size_t j = 0; j < RT_N; j++) {
                if (armed[j] && !rt.t[j].armed) { /* fired */
                    assert_true(rt.fired_at[j] >= rt.t[j].expires);
                    armed[j] = false;
                    narmed--;
                }
            }
        }
        assert_int_equal(timer_check(), 0);
        assert_int_equal(timer_armed_count(), narmed);
        for (size_t j = 0; j < RT_N; j++) {
            assert_int_equal(rt.t[j].armed, armed[j]);
        }
    }
    assert_true(rt.order_ok);
}

#define T(fn) \
    cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_alarm_single),
        T(test_alarm_multiple),
        T(test_alarm_simultaneous),
        T(test_alarm_wakes_by_priority),
        T(test_far_timers_fire_exactly),
        T(test_alarm_zero),
        T(test_alarm_negative),
        T(test_wake_order_by_expiry_then_fifo),
        T(test_cancel_armed_timer),
        T(test_cancel_a_sleepers_timer),
        T(test_never_early),
        T(test_host_clock_jump),
        T(test_no_timer_is_still_a_deadlock),
        T(test_sleep_from_idle_is_einval),
        T(test_nanosleep_rounds_up),
        T(test_nanosleep_forever),
        T(test_queue_invariants_randomised),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
