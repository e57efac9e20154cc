/*
 * The scheduling classes as named scenarios (docs/sched.md): real-time
 * FIFO and RR order, priorities, preemption on wake (process context,
 * a simulated interrupt, under a lock), priority changes, RT throttling,
 * fair shares by nice, placement by lag, lent priorities, and the API's
 * bad arguments.  Processes record what they did in a trace; the test
 * body compares it after start_scheduler returns.  Time is simulated
 * ticks (host_tick), so every run is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "kerrno.h"
#include "process.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char trace[4096];
static size_t ntrace;
static int chan;

static void mark(char c)
{
    if (ntrace + 1 < sizeof(trace)) {
        trace[ntrace++] = c;
        trace[ntrace] = '\0';
    }
}

static void reset(void)
{
    ntrace = 0;
    trace[0] = '\0';
}

static pid_t spawn(const char *name, process_entry_t fn, void *arg)
{
    pid_t pid = spawn_kernel_process(name, fn, arg);

    EXPECT(pid > 0);
    return pid;
}

static void run(process_entry_t controller)
{
    reset();
    spawn("controller", controller, NULL);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(sched_check(), 0);
}

static void reap_all(void)
{
    while (wait_for_child(-1, NULL) > 0) {
    }
}

static int effective_of(pid_t pid)
{
    struct process_info info;

    return get_process(pid, &info) == 0 ? info.effective_priority : -1;
}

/* ---- Real-time order ---------------------------------------------------- */

/* Marks its letter n times, a tick after each. */
static int ticker(void *arg)
{
    for (int i = 0; i < 6; i++) {
        mark((char)(intptr_t)arg);
        host_tick();
    }
    return 0;
}

static int yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        mark((char)(intptr_t)arg);
        yield_now();
    }
    return 0;
}

static int rt_pair(process_entry_t fn, int policy)
{
    EXPECT_EQ(process_setscheduler(0, policy, 10), 0);
    spawn("a", fn, (void *)(intptr_t)'A'); /* inherit policy 10: equal */
    spawn("b", fn, (void *)(intptr_t)'B');
    reap_all();
    return 0;
}

static int fifo_ticks(void *arg)
{
    (void)arg;
    return rt_pair(ticker, SCHED_FIFO);
}

static int rr_ticks(void *arg)
{
    (void)arg;
    return rt_pair(ticker, SCHED_RR);
}

static int fifo_yields(void *arg)
{
    (void)arg;
    return rt_pair(yielder, SCHED_FIFO);
}

/* FIFO keeps the CPU across ticks: equals wait for it to finish. */
static void test_fifo_among_equals_keeps_the_cpu(void **state)
{
    (void)state;
    sched_set_slice(2);
    run(fifo_ticks);
    assert_string_equal(trace, "AAAAAABBBBBB");
}

/* RR rotates equals every slice (2 ticks here). */
static void test_rr_rotates_every_slice(void **state)
{
    (void)state;
    sched_set_slice(2);
    run(rr_ticks);
    assert_string_equal(trace, "AABBAABBAABB");
}

/* A FIFO process that yields goes behind its equals. */
static void test_fifo_yield_goes_behind_equals(void **state)
{
    (void)state;
    run(fifo_yields);
    assert_string_equal(trace, "ABABAB");
}

static int mark_once(void *arg)
{
    mark((char)(intptr_t)arg);
    return 0;
}

/* Ready processes lowered below the controller run by priority; among
 * equals, one lowered later goes first (Linux: a lowered process goes to
 * the head of its new list). */
static int by_priority(void *arg)
{
    static const struct {
        char letter;
        int prio;
    } kids[] = {{'l', 10}, {'h', 30}, {'m', 20}, {'L', 10}};

    (void)arg;
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 90), 0);
    for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
        pid_t pid = spawn("kid", mark_once, (void *)(intptr_t)kids[i].letter);

        EXPECT_EQ(process_setscheduler(pid, SCHED_FIFO, kids[i].prio), 0);
    }
    mark('c'); /* nothing ran yet: all lower than 90 */
    reap_all();
    return 0;
}

static void test_higher_priority_first_fifo_among_equals(void **state)
{
    (void)state;
    run(by_priority);
    assert_string_equal(trace, "chmLl");
}

/* ---- Priority changes and preemption ------------------------------------- */

/* A ready SCHED_OTHER process made FIFO preempts the (fair) caller at
 * once; then EEVDF picks F, whose equal request was queued first. */
static int raise_ready(void *arg)
{
    pid_t r;

    (void)arg;
    spawn("fair", mark_once, (void *)(intptr_t)'F');
    r = spawn("rt", mark_once, (void *)(intptr_t)'R');
    mark('1');
    EXPECT_EQ(process_setscheduler(r, SCHED_FIFO, 1), 0);
    mark('2');
    reap_all();
    return 0;
}

static void test_raising_a_ready_process_preempts_at_once(void **state)
{
    (void)state;
    run(raise_ready);
    assert_string_equal(trace, "1RF2");
}

/* Lowering oneself below a ready process yields before the call returns;
 * lowering to a priority still above changes nothing. */
static int lower_self(void *arg)
{
    pid_t k;

    (void)arg;
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 50), 0);
    k = spawn("kid", mark_once, (void *)(intptr_t)'K');
    EXPECT_EQ(process_setscheduler(k, SCHED_FIFO, 20), 0);
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 30), 0);
    mark('a'); /* still above the kid */
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 10), 0);
    mark('b'); /* after the kid ran */
    EXPECT_EQ(process_setscheduler(0, SCHED_OTHER, 0), 0);
    mark('c');
    reap_all();
    return 0;
}

static void test_lowering_oneself_yields_at_once(void **state)
{
    (void)state;
    run(lower_self);
    assert_string_equal(trace, "aKbc");
}

static int rt_waiter(void *arg)
{
    (void)arg;
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 5), 0);
    block_current((wait_channel_t)&chan);
    mark('W');
    return 0;
}

/* A woken FIFO process runs before wake_channel returns. */
static int wake_from_process(void *arg)
{
    (void)arg;
    spawn("waiter", rt_waiter, NULL);
    yield_now(); /* it blocks */
    mark('1');
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    mark('2');
    reap_all();
    return 0;
}

static void test_wake_preempts_from_process_context(void **state)
{
    (void)state;
    run(wake_from_process);
    assert_string_equal(trace, "1W2");
}

/* From an interrupt (interrupts off, as the gate leaves them), the woken
 * process runs on the way out, in sched_irq_exit, not in the handler. */
static int wake_from_irq(void *arg)
{
    arch_irqstate_t s;

    (void)arg;
    spawn("waiter", rt_waiter, NULL);
    yield_now();
    s = arch_irq_save(); /* the interrupt gate */
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    mark('h'); /* still in the handler */
    sched_irq_exit();
    mark('r'); /* back from the interrupt */
    arch_irq_restore(s);
    reap_all();
    return 0;
}

static void test_wake_preempts_on_the_way_out_of_an_interrupt(void **state)
{
    (void)state;
    run(wake_from_irq);
    assert_string_equal(trace, "hWr");
}

/* A waker holding its own lock: the switch waits for the outermost unlock. */
static struct spinlock gate = SPINLOCK_INIT("gate");
static struct spinlock inner = SPINLOCK_INIT("inner");

static int wake_under_lock(void *arg)
{
    (void)arg;
    spawn("waiter", rt_waiter, NULL);
    yield_now();
    spin_lock(&gate);
    spin_lock(&inner);
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    mark('a');
    spin_unlock(&inner);
    mark('b'); /* gate still held */
    spin_unlock(&gate);
    mark('c');
    reap_all();
    return 0;
}

static void test_wake_under_a_lock_switches_at_the_outermost_unlock(void **st)
{
    (void)st;
    run(wake_under_lock);
    assert_string_equal(trace, "abWc");
}

/* A fair waker does not preempt for a woken fair process (run to parity). */
static int fair_waiter(void *arg)
{
    (void)arg;
    block_current((wait_channel_t)&chan);
    mark('W');
    return 0;
}

static int fair_wake(void *arg)
{
    (void)arg;
    spawn("waiter", fair_waiter, NULL);
    yield_now();
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    mark('1');
    reap_all();
    return 0;
}

static void test_fair_wake_waits_for_the_running_request(void **state)
{
    (void)state;
    run(fair_wake);
    assert_string_equal(trace, "1W");
}

/* ---- Lent priorities (the hook for priority inheritance) ----------------- */

static void lend(pid_t pid, int prio)
{
    spin_lock(&sched_lock);
    sched_set_lent_prio_locked(proc_lookup_locked(pid), prio);
    spin_unlock(&sched_lock);
}

static int lent_prio(void *arg)
{
    pid_t w, r;

    (void)arg;
    w = spawn("blocked", fair_waiter, NULL);
    yield_now(); /* w blocks */
    lend(w, 40); /* while blocked: only its fields */
    EXPECT_EQ(effective_of(w), 40);
    EXPECT_EQ(sched_check(), 0);
    mark('1');
    wake_channel((wait_channel_t)&chan); /* RT now: runs at once */
    mark('2');
    r = spawn("ready", mark_once, (void *)(intptr_t)'R');
    lend(r, 0); /* no change */
    mark('3');
    lend(r, 7); /* a fair ready process lent RT: runs at once */
    mark('4');
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 20), 0);
    lend(current_pid(), 60);
    EXPECT_EQ(effective_of(current_pid()), 60);
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 10), 0); /* base only */
    EXPECT_EQ(effective_of(current_pid()), 60);
    lend(current_pid(), 0);
    EXPECT_EQ(effective_of(current_pid()), 10);
    EXPECT_EQ(sched_check(), 0);
    reap_all();
    return 0;
}

static void test_lent_priority_requeues_ready_blocked_running(void **state)
{
    (void)state;
    run(lent_prio);
    assert_string_equal(trace, "1W23R4");
}

/* ---- RT throttling --------------------------------------------------------- */

#define THROTTLE_TICKS 200
static int ticks_done;
static int got[2]; /* ticks taken by the spinner [0] and the fair one [1] */

static int tick_spinner(void *arg)
{
    int who = (int)(intptr_t)arg;

    while (ticks_done < THROTTLE_TICKS) {
        got[who]++;
        ticks_done++;
        host_tick();
    }
    return 0;
}

static int throttle_controller(void *arg)
{
    pid_t s;

    (void)arg;
    spawn("fair", tick_spinner, (void *)(intptr_t)1);
    s = spawn("fifo", tick_spinner, (void *)(intptr_t)0);
    EXPECT_EQ(process_setscheduler(s, SCHED_FIFO, 50), 0); /* runs now */
    reap_all();
    return 0;
}

static void run_throttle(long runtime, unsigned period)
{
    ticks_done = got[0] = got[1] = 0;
    sched_set_rt_runtime(runtime, period);
    run(throttle_controller);
}

/* 5 of every 10 ticks: the spinner gets 100 of 200, the fair one the rest. */
static void test_rt_throttling_leaves_the_rest_to_fair(void **state)
{
    (void)state;
    run_throttle(5, 10);
    assert_true(got[0] <= THROTTLE_TICKS / 2 + 5);
    assert_true(got[1] >= THROTTLE_TICKS / 2 - 5);
}

/* Without a limit the FIFO spinner takes every tick until it is done. */
static void test_no_throttling_locks_fair_out(void **state)
{
    (void)state;
    run_throttle(-1, 10);
    assert_int_equal(got[0], THROTTLE_TICKS);
    assert_int_equal(got[1], 0);
}

static int lone_rt_controller(void *arg)
{
    pid_t s;

    (void)arg;
    s = spawn("fifo", tick_spinner, (void *)(intptr_t)0);
    EXPECT_EQ(process_setscheduler(s, SCHED_FIFO, 50), 0);
    reap_all(); /* blocked: no fair process is ready */
    return 0;
}

/* Throttling leaves the CPU to fair processes only when one is ready: a
 * lone FIFO spinner keeps every tick (it does not idle the CPU). */
static void test_throttled_rt_runs_when_no_fair_is_ready(void **state)
{
    (void)state;
    ticks_done = got[0] = got[1] = 0;
    sched_set_rt_runtime(5, 10);
    run(lone_rt_controller);
    assert_int_equal(got[0], THROTTLE_TICKS);
}

/* ---- The fair class ------------------------------------------------------------ */

#define SHARE_TICKS 10000
static const int nices[] = {0, 5, -5, 10, 0, 3};
static const int weights[] = {1024, 335, 3121, 110, 1024, 526};
static int share[ARRAY_SIZE(nices)];

static int share_spinner(void *arg)
{
    int i = (int)(intptr_t)arg;

    while (ticks_done < SHARE_TICKS) {
        share[i]++;
        ticks_done++;
        host_tick();
    }
    return 0;
}

static int share_controller(void *arg)
{
    (void)arg;
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 1), 0); /* spawn them all */
    for (size_t i = 0; i < ARRAY_SIZE(nices); i++) {
        pid_t pid = spawn("spin", share_spinner, (void *)(intptr_t)i);

        EXPECT_EQ(process_setscheduler(pid, SCHED_OTHER, 0), 0);
        EXPECT_EQ(process_setnice(pid, nices[i]), 0);
    }
    reap_all();
    return 0;
}

/* Over 10,000 ticks each gets its weight's share, within 5%. */
static void test_fair_shares_follow_nice_weights(void **state)
{
    int total = 0;

    (void)state;
    ticks_done = 0;
    memset(share, 0, sizeof(share));
    run(share_controller);
    for (size_t i = 0; i < ARRAY_SIZE(weights); i++) {
        total += weights[i];
    }
    for (size_t i = 0; i < ARRAY_SIZE(nices); i++) {
        double want = (double)SHARE_TICKS * weights[i] / total;

        print_message("nice %3d: %5d ticks, weight share %7.1f\n", nices[i],
                      share[i], want);
        assert_true(share[i] >= want * 0.95 && share[i] <= want * 1.05);
    }
}

/* Placement by lag: a process woken after a long sleep runs within a slice
 * (no starvation) and takes at most its bounded lag as a bonus. */
#define LAG_TICKS 2000
static pid_t who[LAG_TICKS];

static int lag_spinner(void *arg)
{
    (void)arg;
    while (ticks_done < LAG_TICKS) {
        if (ticks_done == LAG_TICKS / 2) {
            wake_channel((wait_channel_t)&chan); /* after 1,000 ticks */
        }
        who[ticks_done++] = current_pid();
        host_tick();
    }
    return 0;
}

static int lag_sleeper(void *arg)
{
    (void)arg;
    block_current((wait_channel_t)&chan);
    return lag_spinner(NULL);
}

static int lag_controller(void *arg)
{
    (void)arg;
    spawn("sleeper", lag_sleeper, NULL);
    yield_now(); /* it blocks */
    spawn("spinner", lag_spinner, NULL);
    reap_all();
    return 0;
}

/*
 * Placement by lag: a process woken after sleeping 1,000 ticks runs
 * within a slice (it is not put behind: no starvation) and then shares
 * the CPU, never more than its bounded lag plus one request in a row (a
 * placement by its old vruntime would give it about 1,000 ticks at once).
 */
static void test_woken_process_placed_by_bounded_lag(void **state)
{
    int first = -1, run_len = 0, best = 0, mine = 0;
    pid_t sleeper = 2;

    (void)state;
    ticks_done = 0;
    run(lag_controller);
    for (int t = LAG_TICKS / 2; t < LAG_TICKS; t++) {
        if (who[t] == sleeper) {
            first = first < 0 ? t : first;
            run_len++;
            mine++;
            best = run_len > best ? run_len : best;
        } else {
            run_len = 0;
        }
    }
    assert_true(first >= 0 && first <= LAG_TICKS / 2 + SLICE_DEFAULT);
    assert_true(best <= 3 * SLICE_DEFAULT);
    assert_true(mine >= LAG_TICKS / 4 - 3 * SLICE_DEFAULT); /* half of it */
}

/* ---- The API's arguments ------------------------------------------------------ */

static int bad_arguments(void *arg)
{
    static const struct {
        const char *what;
        int policy, priority, want;
    } sched_cases[] = {
        {"OTHER with a priority", SCHED_OTHER, 1, -EINVAL},
        {"FIFO 0", SCHED_FIFO, 0, -EINVAL},
        {"FIFO 100", SCHED_FIFO, 100, -EINVAL},
        {"RR -1", SCHED_RR, -1, -EINVAL},
        {"policy 3", 3, 1, -EINVAL},
        {"policy -1", -1, 0, -EINVAL},
        {"FIFO 99", SCHED_FIFO, 99, 0},
        {"RR 1", SCHED_RR, 1, 0},
        {"OTHER 0", SCHED_OTHER, 0, 0},
    };
    int policy = -1, prio = -1, nice = 99;

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(sched_cases); i++) {
        if (!EXPECT_EQ(process_setscheduler(0, sched_cases[i].policy,
                                            sched_cases[i].priority),
                       sched_cases[i].want)) {
            print_message("case: %s\n", sched_cases[i].what);
        }
    }
    EXPECT_EQ(process_getscheduler(0, &policy, &prio), 0);
    EXPECT(policy == SCHED_OTHER && prio == 0);
    EXPECT_EQ(process_setscheduler(99999, SCHED_FIFO, 1), -ESRCH);
    EXPECT_EQ(process_setscheduler(-1, SCHED_FIFO, 1), -EINVAL);
    EXPECT_EQ(process_getscheduler(99999, &policy, &prio), -ESRCH);
    EXPECT_EQ(process_getscheduler(0, NULL, &prio), -EINVAL);
    EXPECT_EQ(process_getscheduler(0, &policy, NULL), -EINVAL);
    EXPECT_EQ(process_setnice(0, -21), -EINVAL);
    EXPECT_EQ(process_setnice(0, 20), -EINVAL);
    EXPECT_EQ(process_setnice(99999, 0), -ESRCH);
    EXPECT_EQ(process_setnice(0, -20), 0);
    EXPECT_EQ(process_setnice(0, 19), 0);
    EXPECT_EQ(process_getnice(0, &nice), 0);
    EXPECT_EQ(nice, 19);
    EXPECT_EQ(process_getnice(99999, &nice), -ESRCH);
    EXPECT_EQ(process_getnice(0, NULL), -EINVAL);
    /* Children inherit policy, priority and nice. */
    EXPECT_EQ(process_setscheduler(0, SCHED_RR, 3), 0);
    {
        pid_t k = spawn("kid", mark_once, (void *)(intptr_t)'k');
        struct process_info info;

        EXPECT_EQ(get_process(k, &info), 0);
        EXPECT(info.policy == SCHED_RR && info.priority == 3 &&
               info.effective_priority == 3 && info.nice == 19);
    }
    reap_all();
    return 0;
}

static void test_api_bad_arguments_and_inheritance(void **state)
{
    (void)state;
    run(bad_arguments);
    /* Idle's policy is fixed. */
    assert_int_equal(process_setscheduler(0, SCHED_FIFO, 1), -EINVAL);
    assert_int_equal(process_setnice(0, 1), -EINVAL);
}

#define T(fn) \
    cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fifo_among_equals_keeps_the_cpu),
        T(test_rr_rotates_every_slice),
        T(test_fifo_yield_goes_behind_equals),
        T(test_higher_priority_first_fifo_among_equals),
        T(test_raising_a_ready_process_preempts_at_once),
        T(test_lowering_oneself_yields_at_once),
        T(test_wake_preempts_from_process_context),
        T(test_wake_preempts_on_the_way_out_of_an_interrupt),
        T(test_wake_under_a_lock_switches_at_the_outermost_unlock),
        T(test_fair_wake_waits_for_the_running_request),
        T(test_lent_priority_requeues_ready_blocked_running),
        T(test_rt_throttling_leaves_the_rest_to_fair),
        T(test_throttled_rt_runs_when_no_fair_is_ready),
        T(test_no_throttling_locks_fair_out),
        T(test_fair_shares_follow_nice_weights),
        T(test_woken_process_placed_by_bounded_lag),
        T(test_api_bad_arguments_and_inheritance),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
