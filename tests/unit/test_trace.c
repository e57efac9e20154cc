/*
 * The scheduler's trace (kernel/proc/trace.h) on the host, under ASan and
 * UBSan: the ring (wrap, overwrite, sequence numbers), the lock-free
 * reader's detection of records overwritten under it, the dump's format,
 * and the hooks' events when real processes spawn, block, wake, yield, are
 * preempted and exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "process.h"
#include "timer.h"
#include "trace.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int trace_setup(void **state)
{
    trace_reset();
    return machine_setup(state);
}

static int trace_teardown(void **state)
{
    trace_reset();
    return machine_teardown(state);
}

/* Record one boost event with a = i, as a hook would (under sched_lock). */
static void emit(int32_t i)
{
    spin_lock(&sched_lock);
    trace_emit_locked(TRACE_BOOST, i, 1, 2, 0);
    spin_unlock(&sched_lock);
}

/* ---- The ring ------------------------------------------------------------------ */

static void test_ring_wraps_and_overwrites_the_oldest(void **state)
{
    struct trace_record r;
    struct trace_stats st;

    (void)state;
    trace_set(true);
    for (int32_t i = 0; i < TRACE_RECORDS + 10; i++) {
        emit(i);
    }
    st = trace_stats();
    assert_true(st.on);
    assert_int_equal(st.recorded, TRACE_RECORDS + 10);
    assert_int_equal(st.overwritten, 10);
    assert_int_equal(st.first, 10);
    assert_int_equal(st.next, TRACE_RECORDS + 10);
    for (uint64_t seq = 0; seq < 10; seq++) {
        assert_false(trace_read(seq, &r)); /* overwritten */
    }
    for (uint64_t seq = 10; seq < st.next; seq++) {
        assert_true(trace_read(seq, &r));
        assert_int_equal(r.a, (int32_t)seq);
        assert_int_equal(r.type, TRACE_BOOST);
        assert_int_equal(r.stamp, seq + 1);
    }
    assert_false(trace_read(st.next, &r)); /* not written yet */
}

static void test_on_starts_a_new_recording(void **state)
{
    struct trace_stats st;

    (void)state;
    trace_set(true);
    emit(1);
    emit(2);
    trace_set(false);
    trace_set(true);
    emit(3);
    st = trace_stats();
    assert_int_equal(st.recorded, 1);
    assert_int_equal(st.first, 2);
    assert_int_equal(st.next, 3);
    assert_int_equal(st.overwritten, 0);
}

/* A copy taken before the writer laps the ring is reported as not intact. */
static void test_record_overwritten_while_read_is_detected(void **state)
{
    struct trace_record r;

    (void)state;
    trace_set(true);
    for (int32_t i = 0; i < 8; i++) {
        emit(i);
    }
    assert_true(trace_copy(5, &r));
    assert_int_equal(r.a, 5);
    assert_true(trace_intact(5));
    for (int32_t i = 0; i < TRACE_RECORDS; i++) {
        emit(100 + i); /* seq 8 + TRACE_RECORDS - 1 lands on 5's slot too */
    }
    assert_false(trace_intact(5)); /* the copy above is now stale */
    assert_false(trace_read(5, &r));
    assert_false(trace_copy(5, &r));
}

static void test_hooks_record_nothing_when_off(void **state)
{
    struct process p = {.pid = 7, .state = PROCESS_BLOCKED, .channel = 0x40};

    (void)state;
    spin_lock(&sched_lock);
    trace_preempt(&p, &p);
    trace_wake(&p);
    trace_block(&p);
    trace_exit(&p, 3);
    trace_boost(&p, 1, 2);
    spin_unlock(&sched_lock);
    assert_int_equal(trace_stats().next, 0);
    assert_false(trace_stats().on);
}

/* The last occurrence of needle in log (the log outlives tests). */
static const char *last_of(const char *log, const char *needle)
{
    const char *last = NULL;

    for (const char *p = strstr(log, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        last = p;
    }
    return last;
}

/* ---- The text format ------------------------------------------------------------ */

static void test_each_hook_formats_its_arguments(void **state)
{
    struct process a = {.pid = 3, .state = PROCESS_BLOCKED, .channel = 0xd0d0};
    struct process b = {.pid = 4, .state = PROCESS_RUNNING};
    static const char *const want[] = {
        "preempt pid=4 next=3",
        "switch prev=4 next=3 state=ready",
        "block pid=3 chan=0xd0d0",
        "wake pid=3 by=0 chan=0xd0d0",
        "exit pid=4 code=-5 name=long?nam",
        "boost pid=3 from=10 to=50",
    };
    struct trace_record r;
    char line[128];

    (void)state;
    strcpy(b.name, "long name here");
    trace_set(true);
    spin_lock(&sched_lock);
    b.state = PROCESS_READY;
    trace_preempt(&b, &a);
    /* What trace_context_switch records before it switches: */
    trace_emit_locked(TRACE_SWITCH, b.pid, a.pid, (int32_t)b.state, 0);
    trace_block(&a);
    trace_wake(&a);
    trace_exit(&b, -5);
    trace_boost(&a, 10, 50);
    spin_unlock(&sched_lock);
    assert_int_equal(trace_stats().next, ARRAY_SIZE(want));
    for (uint64_t seq = 0; seq < ARRAY_SIZE(want); seq++) {
        unsigned long s, ticks, cycles;
        int used = 0;

        assert_true(trace_read(seq, &r));
        trace_format(seq, &r, line, sizeof(line));
        assert_int_equal(
            sscanf(line, "%lu %lu %lu %n", &s, &ticks, &cycles, &used), 3);
        assert_int_equal(s, seq);
        assert_int_equal(ticks, r.ticks);
        assert_int_equal(cycles, r.cycles);
        assert_string_equal(line + used, want[seq]);
    }
}

static void test_format_truncates_like_snprintf(void **state)
{
    struct trace_record r = {.type = TRACE_WAKE, .a = 1, .b = 2, .arg = 3};
    char full[128], small[16];
    int n;

    (void)state;
    n = trace_format(9, &r, full, sizeof(full));
    assert_int_equal(n, (int)strlen(full));
    assert_int_equal(trace_format(9, &r, small, sizeof(small)), n);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, full, sizeof(small) - 1);
    r.type = 99; /* a bad type from a torn or foreign record: named "?" */
    trace_format(9, &r, full, sizeof(full));
    assert_non_null(strstr(full, " ?"));
}

/* The dump between its markers: header, one line per event, names, end. */
static void test_dump_format(void **state)
{
    static char log[KLOG_SIZE];
    char want[160];
    const char *begin, *end;

    (void)state;
    trace_set(true);
    emit(11);
    emit(12);
    trace_dump();
    klog_tail(log, sizeof(log));
    begin = last_of(log, "trace-begin version=1 ");
    assert_non_null(begin);
    end = strstr(begin, "trace-end printed=2 lost=0\n");
    assert_non_null(end);
    assert_non_null(strstr(begin, " records=4096 recorded=2 overwritten=0 "
                                  "first=0 next=2 state=on\n"));
    snprintf(want, sizeof(want), "\n0 %lu ", (unsigned long)timer_ticks());
    assert_non_null(strstr(begin, want));
    assert_non_null(strstr(begin, " boost pid=11 from=1 to=2\n1 "));
    assert_non_null(strstr(begin, " boost pid=12 from=1 to=2\n"));
    assert_true(strstr(begin, "\nproc pid=0 name=idle\n") < end);
}

/* ---- A dump while tracing goes on --------------------------------------------------------- */

static struct {
    volatile bool flooded;
    struct trace_stats before; /* when the dump began */
} flood;

/* Laps the whole ring in one go (no tick can come in), then exits. */
static int flooder(void *arg)
{
    (void)arg;
    spin_lock(&sched_lock);
    for (int32_t i = 0; i < TRACE_RECORDS; i++) {
        trace_emit_locked(TRACE_BOOST, -1, 1, 2, 0);
    }
    spin_unlock(&sched_lock);
    flood.flooded = true;
    return 0;
}

/* Dumps with ticks coming; the first preemption runs the flooder. */
static int dumper(void *arg)
{
    (void)arg;
    for (int32_t i = 0; i < 1000; i++) {
        emit(i);
    }
    flood.before = trace_stats();
    spawn_kernel_process("flooder", flooder, NULL);
    host_tick_every(40);
    trace_dump();
    host_tick_every(0);
    EXPECT(flood.flooded);
    return 0;
}

static void test_dump_counts_records_overwritten_under_it(void **state)
{
    static char log[KLOG_SIZE];
    unsigned long first, next, printed, lost;
    const char *begin, *end, *torn;

    (void)state;
    sched_set_slice(1);
    trace_set(true);
    spawn_kernel_process("dumper", dumper, NULL);
    start_scheduler();
    machine_expect_none();
    klog_tail(log, sizeof(log));
    begin = last_of(log, "trace-begin");
    end = last_of(log, "trace-end printed=");
    assert_non_null(begin);
    assert_non_null(end);
    assert_non_null(strstr(begin, "first="));
    assert_int_equal(
        sscanf(strstr(begin, "first="), "first=%lu next=%lu", &first, &next),
        2);
    assert_int_equal(first, flood.before.first);
    assert_int_equal(
        sscanf(end, "trace-end printed=%lu lost=%lu", &printed, &lost), 2);
    assert_true(printed > 0); /* some before the first tick */
    assert_true(lost > 0);    /* the rest overwritten by the flooder */
    assert_int_equal(printed + lost, next - first);
    /* No slot the flooder rewrote is printed under its old number. */
    torn = strstr(begin, " boost pid=-1 ");
    assert_true(torn == NULL || torn > end);
}

/* ---- The hooks, driving real processes ------------------------------------------------- */

#define CHAN 0xc4a7

/* Blocks until the waker wakes it, yields once, exits with 3. */
static int sleeper(void *arg)
{
    (void)arg;
    EXPECT_EQ(block_current(CHAN), 0);
    yield_now();
    return 3;
}

/* Wakes the sleeper, yields once, exits with 7. */
static int waker(void *arg)
{
    (void)arg;
    EXPECT_EQ(wake_channel(CHAN), 1);
    yield_now();
    return 7;
}

/* Every event from seq 0, formatted without the timestamps, into lines. */
static size_t events(char lines[][96], size_t max)
{
    struct trace_stats st = trace_stats();
    uint64_t ticks = 0, cycles = 0;
    size_t n = 0;

    for (uint64_t seq = st.first; seq < st.next && n < max; seq++, n++) {
        struct trace_record r;
        char line[128];
        int used = 0;

        assert_true(trace_read(seq, &r));
        assert_true(r.ticks >= ticks && r.cycles >= cycles); /* in order */
        ticks = r.ticks;
        cycles = r.cycles;
        trace_format(seq, &r, line, sizeof(line));
        sscanf(line, "%*u %*u %*u %n", &used);
        snprintf(lines[n], sizeof(lines[n]), "%s", line + used);
    }
    return n;
}

static void test_hooks_record_block_wake_yield_and_exit(void **state)
{
    static const char *const want[] = {
        "switch prev=0 next=1 state=ready",   /* idle runs the sleeper */
        "block pid=1 chan=0xc4a7",            /* which blocks */
        "switch prev=1 next=2 state=blocked", /* so the waker runs */
        "wake pid=1 by=2 chan=0xc4a7",        /* and wakes it */
        "switch prev=2 next=1 state=ready",   /* the waker yields */
        "switch prev=1 next=2 state=ready",   /* the sleeper yields */
        "exit pid=2 code=7 name=waker",
        "switch prev=2 next=1 state=zombie",
        "exit pid=1 code=3 name=sleeper",
        "switch prev=1 next=0 state=zombie", /* back to idle */
    };
    char got[ARRAY_SIZE(want) + 4][96];
    size_t n;

    (void)state;
    trace_set(true);
    spawn_kernel_process("sleeper", sleeper, NULL);
    spawn_kernel_process("waker", waker, NULL);
    start_scheduler();
    machine_expect_none();
    n = events(got, ARRAY_SIZE(got));
    for (size_t i = 0; i < n && i < ARRAY_SIZE(want); i++) {
        assert_string_equal(got[i], want[i]);
    }
    assert_int_equal(n, ARRAY_SIZE(want));
}

/* The same run with tracing off leaves the ring untouched. */
static void test_off_records_nothing_from_real_processes(void **state)
{
    (void)state;
    spawn_kernel_process("sleeper", sleeper, NULL);
    spawn_kernel_process("waker", waker, NULL);
    start_scheduler();
    machine_expect_none();
    assert_true(scheduler_stats().switches >= 5);
    assert_int_equal(trace_stats().next, 0);
}

static volatile bool stop;

static int spinner(void *arg)
{
    (void)arg;
    host_tick_every(7); /* the ticks come while I spin */
    while (!stop) {
        arch_cpu_relax();
    }
    return 0;
}

static int stopper(void *arg)
{
    (void)arg;
    host_tick_every(0);
    stop = true;
    return 0;
}

/* A simulated tick ends the spinner's slice: preempt, then the switch. */
static void test_preemption_is_recorded_before_its_switch(void **state)
{
    char got[16][96];
    size_t n, i;

    (void)state;
    stop = false;
    sched_set_slice(1);
    trace_set(true);
    spawn_kernel_process("spinner", spinner, NULL);
    spawn_kernel_process("stopper", stopper, NULL);
    start_scheduler();
    machine_expect_none();
    assert_int_equal(scheduler_stats().preemptions, 1);
    n = events(got, ARRAY_SIZE(got));
    for (i = 0; i < n && strncmp(got[i], "preempt", 7) != 0; i++) {
    }
    assert_true(i + 1 < n);
    assert_string_equal(got[i], "preempt pid=1 next=2");
    assert_string_equal(got[i + 1], "switch prev=1 next=2 state=ready");
    for (size_t j = i + 1; j < n; j++) {
        assert_null(strstr(got[j], "preempt")); /* exactly one */
    }
}

/* ---- Main ------------------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, trace_setup, trace_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ring_wraps_and_overwrites_the_oldest),
        T(test_on_starts_a_new_recording),
        T(test_record_overwritten_while_read_is_detected),
        T(test_hooks_record_nothing_when_off),
        T(test_each_hook_formats_its_arguments),
        T(test_format_truncates_like_snprintf),
        T(test_dump_format),
        T(test_dump_counts_records_overwritten_under_it),
        T(test_hooks_record_block_wake_yield_and_exit),
        T(test_off_records_nothing_from_real_processes),
        T(test_preemption_is_recorded_before_its_switch),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
