/*
 * Processes and the scheduler on the host (kernel/proc/process.h, kernel/proc/proc.h,
 * arch/host/host.h), under AddressSanitizer and UBSan.
 *
 * Every test boots a fresh machine (machine.h): 256 MiB of frames, an
 * empty heap, the "console" and "keyboard" devices, and process_init, so
 * the test body is the idle task.  It spawns processes and runs them with
 * start_scheduler(), which returns when only idle is left (or on a
 * deadlock).  Code inside processes checks with EXPECT; the body asserts
 * afterwards.  Timer interrupts are simulated by the host port: host_tick()
 * for one tick now, host_tick_every(n) for one at every n-th port call.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "death.h"
#include "machine.h"

#include "klog.h"
#include "kerrno.h"
#include "process.h"
#include "syscall.h"
#include "timer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Helpers ------------------------------------------------------------------ */

static char trace[1024]; /* what processes did, one letter per step */
static size_t ntrace;

static void trace_reset(void)
{
    ntrace = 0;
    trace[0] = '\0';
}

static void trace_add(char c)
{
    if (ntrace < sizeof(trace) - 1) {
        trace[ntrace++] = c;
        trace[ntrace] = '\0';
    }
}

/* The state of pid, or -1 if there is no such process. */
static int state_of(pid_t pid)
{
    struct process_info info;

    if (get_process(pid, &info) != 0) {
        return -1;
    }
    return (int)info.state;
}

static pid_t parent_of(pid_t pid)
{
    struct process_info info;

    return get_process(pid, &info) == 0 ? info.ppid : -ESRCH;
}

static pid_t spawn(const char *name, process_entry_t entry, void *arg)
{
    pid_t pid = spawn_kernel_process(name, entry, arg);

    EXPECT(pid > 0);
    return pid;
}

/* The counters agree with themselves and with a listing of every process. */
static bool stats_add_up(void)
{
    struct scheduler_stats st = scheduler_stats();
    size_t seen[PROCESS_NSTATES] = {0}, sum = 0, records = 0;
    bool ok = true;

    struct process_info pi;

    for (int err = process_next(NULL, &pi); err == 0;
         err = process_next(&pi, &pi)) {
        ok &= EXPECT_EQ(state_of(pi.pid), pi.state); /* the same record */
        seen[pi.state]++;
        records++;
    }
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        sum += st.by_state[s];
        ok &= EXPECT_EQ(st.by_state[s], seen[s]);
    }
    ok &= EXPECT_EQ(sum, st.processes);
    ok &= EXPECT_EQ(records, st.processes);
    ok &= EXPECT_EQ(st.by_state[PROCESS_RUNNING], 1);
    ok &= EXPECT_EQ(st.slices, host_irq_stats().delivered);
    ok &= EXPECT(st.preemptions <= st.switches);
    ok &= EXPECT_EQ(sched_check(), 0);
    return ok;
}

/* Run everything; the body is idle again afterwards. */
static void run(void)
{
    start_scheduler();
    assert_int_equal(current_pid(), 0);
}

static void run_expect_done(void)
{
    run();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(scheduler_stats().processes, 1);
    assert_int_equal(sched_check(), 0);
}

/* No test spawns this many processes. */
#define NEVER_USED_PID (1 << 30)

/* The serial of the newest process: what a spawn would change. */
static uint64_t newest_serial(void)
{
    struct process_info pi;
    uint64_t serial = 0;

    for (int err = process_next(NULL, &pi); err == 0;
         err = process_next(&pi, &pi)) {
        serial = pi.serial;
    }
    return serial;
}

/* A process that returns its argument as its exit code. */
static int exit_with(void *arg)
{
    return (int)(intptr_t)arg;
}

/* A process that blocks once on the channel in arg, then exits with 0. */
static int block_once(void *arg)
{
    EXPECT_EQ(block_current((wait_channel_t)arg), 0);
    return 0;
}

/* ---- The host port ------------------------------------------------------------------- */

static void test_tick_with_interrupts_on_is_taken_at_once(void **state)
{
    uint64_t t0 = timer_ticks();

    (void)state;
    assert_true(arch_irq_enabled());
    host_tick();
    assert_int_equal(timer_ticks(), t0 + 1);
    assert_int_equal(scheduler_stats().slices, 1); /* charged to idle */
    assert_int_equal(host_irq_stats().delivered, 1);
    assert_false(host_irq_stats().pending);
    assert_true(arch_irq_enabled());
}

/* Off: pending, merged like a PIC line, taken when the flag comes back. */
static void test_tick_with_interrupts_off_waits(void **state)
{
    uint64_t t0 = timer_ticks();
    arch_irqstate_t s;

    (void)state;
    s = arch_irq_save();
    host_tick();
    host_tick();
    assert_int_equal(timer_ticks(), t0);
    assert_true(host_irq_stats().pending);
    assert_int_equal(host_irq_stats().deferred, 1);
    assert_int_equal(host_irq_stats().merged, 1);
    arch_irq_restore(s);
    assert_int_equal(timer_ticks(), t0 + 1);
    assert_false(host_irq_stats().pending);
    assert_true(arch_irq_enabled());
}

/* Nested spinlocks: the tick waits for the outermost release. */
static void test_tick_waits_for_the_outermost_lock(void **state)
{
    struct spinlock a = SPINLOCK_INIT("a"), b = SPINLOCK_INIT("b");
    uint64_t t0 = timer_ticks();

    (void)state;
    spin_lock(&a);
    spin_lock(&b);
    host_tick();
    spin_unlock(&b);
    assert_int_equal(timer_ticks(), t0);
    spin_unlock(&a);
    assert_int_equal(timer_ticks(), t0 + 1);
}

static void test_tick_every_counts_port_calls(void **state)
{
    static const struct {
        const char *name;
        unsigned every, calls, ticks;
    } cases[] = {
        {"off", 0, 10, 0},
        {"every call", 1, 10, 10},
        {"every third", 3, 10, 3},
        {"more than made", 11, 10, 0},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t t0 = timer_ticks();

        host_tick_every(cases[i].every);
        for (unsigned c = 0; c < cases[i].calls; c++) {
            arch_irq_enabled();
        }
        host_tick_every(0);
        if (timer_ticks() - t0 != cases[i].ticks) {
            fail_msg("%s: %lu ticks, want %u", cases[i].name,
                     (unsigned long)(timer_ticks() - t0), cases[i].ticks);
        }
    }
}

static int idle_hook_calls;
static bool idle_hook_irq_on;

static bool hook_says_yes(void)
{
    idle_hook_calls++;
    idle_hook_irq_on = arch_irq_enabled();
    return true;
}

static void test_cpu_idle_asks_the_hook(void **state)
{
    arch_irqstate_t s;

    (void)state;
    assert_false(arch_cpu_idle()); /* no hook: nothing can ever come */
    host_set_idle_hook(hook_says_yes);
    idle_hook_calls = 0;
    s = arch_irq_save();
    assert_true(arch_cpu_idle());
    assert_int_equal(idle_hook_calls, 1);
    assert_true(idle_hook_irq_on);    /* "sti; hlt" */
    assert_false(arch_irq_enabled()); /* and back as it was */
    arch_irq_restore(s);
    host_set_idle_hook(NULL);
}

static void test_access_ok(void **state)
{
    static char buf[16];
    static const struct {
        const char *name;
        uintptr_t p;
        size_t len;
        bool ok;
    } cases[] = {
        {"buffer", (uintptr_t)buf, sizeof(buf), true},
        {"empty buffer", (uintptr_t)buf, 0, true},
        {"NULL", 0, 1, false},
        {"NULL, empty", 0, 0, false},
        {"last user byte", 0x00007fffffffffffULL, 1, true},
        {"runs past the user half", 0x00007fffffffffffULL, 2, false},
        {"kernel half", 0xffff800000000000ULL, 1, false},
        {"non-canonical", 0x0000800000000000ULL, 0, false},
        {"wraps around", 0x1000, SIZE_MAX, false},
        {"absurd length", 0x1000, SIZE_MAX / 2, false},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        if (arch_access_ok((const void *)cases[i].p, cases[i].len, false) !=
                cases[i].ok ||
            arch_access_ok((const void *)cases[i].p, cases[i].len, true) !=
                cases[i].ok) {
            fail_msg("%s: want %d", cases[i].name, cases[i].ok);
        }
    }
}

static long sys(long nr, long a1, long a2, long a3)
{
    return arch_syscall(nr, a1, a2, a3, 0, 0, 0);
}

/* Calls through the host's trap path, a blocking one included. */
static int syscall_proc(void *arg)
{
    struct spinlock lk = SPINLOCK_INIT("syscall test");
    int status = 0;
    pid_t child;

    (void)arg;
    EXPECT_EQ(sys(SYS_getpid, 0, 0, 0), current_pid());
    EXPECT_EQ(sys(SYS_getppid, 0, 0, 0), 0);
    EXPECT_EQ(sys(100000, 0, 0, 0), -ENOSYS);
    EXPECT_EQ(sys(SYS_write, 1, (long)"via trap\n", 9), 9);
    EXPECT_EQ(sys(SYS_write, 1, 0, 1), -EFAULT);
    EXPECT_EQ(sys(SYS_write, 1, (long)0xffff800000001000ULL, 1), -EFAULT);
    child = spawn("child", exit_with, (void *)(intptr_t)3);
    EXPECT_EQ(sys(SYS_wait4, child, (long)&status, 0), child); /* blocks */
    EXPECT_EQ(status, 3 << 8);
    EXPECT(arch_irq_enabled());
    spin_lock(&lk); /* the trap path gives the caller's flag back */
    EXPECT_EQ(sys(SYS_getpid, 0, 0, 0), current_pid());
    EXPECT(!arch_irq_enabled());
    spin_unlock(&lk);
    return (int)sys(SYS_sched_yield, 0, 0, 0);
}

static void test_syscall_through_the_trap_path(void **state)
{
    char log[256];

    (void)state;
    spawn("sys", syscall_proc, NULL);
    run_expect_done();
    klog_tail(log, sizeof(log));
    assert_non_null(strstr(log, "via trap\n"));
}

/* ---- Round robin --------------------------------------------------------------------- */

struct rr_proc {
    char letter;
    int rounds;
    int child_rounds; /* > 0: spawn a child in the first round */
    struct rr_proc *child;
};

/* Append my letter, yield, rounds times; states are right while I run. */
static int rr_entry(void *arg)
{
    struct rr_proc *me = arg;

    for (int i = 0; i < me->rounds; i++) {
        trace_add(me->letter);
        EXPECT_EQ(state_of(current_pid()), PROCESS_RUNNING);
        EXPECT(stats_add_up());
        if (i == 0 && me->child != NULL) {
            spawn("rr child", rr_entry, me->child);
        }
        yield_now();
    }
    return 0;
}

static void test_round_robin_interleavings(void **state)
{
    static const struct {
        const char *name;
        int rounds[3];
        int child_rounds; /* of a child 'd' spawned by 'a' */
        const char *want;
    } cases[] = {
        {"three equal", {3, 3, 3}, 0, "abcabcabc"},
        {"one alone", {4, 0, 0}, 0, "aaaa"},
        {"unequal lengths", {3, 1, 2}, 0, "abcaca"},
        {"a new child joins the tail", {2, 2, 2}, 2, "abcdabcd"},
        {"a short child", {3, 3, 3}, 1, "abcdabcabc"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct rr_proc p[3], child = {'d', cases[i].child_rounds, 0, NULL};

        assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
        trace_reset();
        for (int k = 0; k < 3; k++) {
            p[k] =
                (struct rr_proc){(char)('a' + k), cases[i].rounds[k], 0, NULL};
            if (p[k].rounds > 0) {
                spawn("rr", rr_entry, &p[k]);
            }
        }
        p[0].child = cases[i].child_rounds > 0 ? &child : NULL;
        run_expect_done();
        if (strcmp(trace, cases[i].want) != 0) {
            fail_msg("%s: ran \"%s\", want \"%s\"", cases[i].name, trace,
                     cases[i].want);
        }
    }
}

/* reschedule: a switch only when one is pending. */
static int rescheduler(void *arg)
{
    uint64_t switches = scheduler_stats().switches;

    (void)arg;
    EXPECT(!scheduler_stats().reschedule_pending);
    for (int i = 0; i < 100; i++) {
        reschedule(); /* the other process is ready, but nothing pends */
    }
    EXPECT_EQ(scheduler_stats().switches, switches);
    trace_add('r');
    yield_now();
    trace_add('r');
    block_current((wait_channel_t)&switches);
    trace_add('w');
    return 0;
}

static int other_letter(void *arg)
{
    trace_add((char)(intptr_t)arg);
    return 0;
}

/* In idle, a wakeup sets NEED_RESCHED and reschedule acts on it at once. */
static bool hook_wakes_and_reschedules(void)
{
    bool pending;

    struct process_info info;

    for (int err = process_next(NULL, &info); err == 0;
         err = process_next(&info, &info)) {
        if (info.state == PROCESS_BLOCKED) {
            wake_channel(info.wait_channel);
        }
    }
    pending = scheduler_stats().reschedule_pending;
    EXPECT(pending);
    trace_add('i');
    reschedule();
    trace_add('i');
    return pending;
}

static void test_reschedule_only_when_pending(void **state)
{
    (void)state;
    trace_reset();
    host_set_idle_hook(hook_wakes_and_reschedules);
    spawn("resched", rescheduler, NULL);
    spawn("other", other_letter, (void *)'o');
    run_expect_done();
    assert_string_equal(trace, "roriwi");
}

/* ---- Idle ------------------------------------------------------------------------------ */

static struct {
    int calls;
    int yielders_done; /* yielders that finished, seen by the hook */
    wait_channel_t wake;
} idle_seen;
static int yielders_finished;

static bool idle_hook_wakes(void)
{
    struct scheduler_stats st = scheduler_stats();

    idle_seen.calls++;
    EXPECT_EQ(current_pid(), 0);
    EXPECT_EQ(st.by_state[PROCESS_READY], 0);
    EXPECT_EQ(state_of(0), PROCESS_RUNNING);
    idle_seen.yielders_done = yielders_finished;
    return wake_channel(idle_seen.wake) > 0;
}

static int yielder(void *arg)
{
    for (int i = 0; i < (int)(intptr_t)arg; i++) {
        EXPECT(state_of(0) != PROCESS_RUNNING);
        yield_now();
    }
    yielders_finished++;
    return 0;
}

/* Idle runs only when nothing is ready, and then halts until woken. */
static void test_idle_runs_only_when_nothing_is_ready(void **state)
{
    static int chan;

    (void)state;
    idle_seen = (typeof(idle_seen)){0, 0, (wait_channel_t)&chan};
    yielders_finished = 0;
    host_set_idle_hook(idle_hook_wakes);
    spawn("blocker", block_once, &chan);
    for (int i = 0; i < 3; i++) {
        spawn("yielder", yielder, (void *)(intptr_t)50);
    }
    spawn("blocker", block_once, &chan);
    run_expect_done();
    assert_int_equal(idle_seen.calls, 1);
    assert_int_equal(idle_seen.yielders_done, 3);
}

/* ---- PID lookup ------------------------------------------------------------------------ */

static int lookup_chan;

static int lookup_controller(void *arg)
{
    pid_t zombie, blocked, ready, reaped;
    int code;
    struct process_info info;

    (void)arg;
    zombie = spawn("zombie", exit_with, (void *)(intptr_t)7);
    blocked = spawn("blocked", block_once, &lookup_chan);
    reaped = spawn("reaped", exit_with, (void *)(intptr_t)8);
    yield_now(); /* all three run: two exit, one blocks */
    EXPECT_EQ(wait_for_child(reaped, &code), reaped);
    ready = spawn("ready", exit_with, (void *)(intptr_t)9);

    const struct {
        const char *name;
        pid_t pid;
        int err;
        enum process_state state;
        pid_t ppid;
    } cases[] = {
        {"idle", 0, 0, PROCESS_READY, 0},
        {"me, init", current_pid(), 0, PROCESS_RUNNING, 0},
        {"zombie", zombie, 0, PROCESS_ZOMBIE, 1},
        {"blocked", blocked, 0, PROCESS_BLOCKED, 1},
        {"ready", ready, 0, PROCESS_READY, 1},
        {"reaped", reaped, -ESRCH, 0, 0},
        {"never used", NEVER_USED_PID, -ESRCH, 0, 0},
        {"huge", INT_MAX, -ESRCH, 0, 0},
        {"negative", -1, -ESRCH, 0, 0},
        {"very negative", INT_MIN, -ESRCH, 0, 0},
    };
    EXPECT_EQ(current_pid(), 1);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int err = get_process(cases[i].pid, &info);

        if (!EXPECT_EQ(err, cases[i].err) || err != 0) {
            continue;
        }
        EXPECT_EQ(info.pid, cases[i].pid);
        EXPECT_EQ(info.state, cases[i].state);
        EXPECT_EQ(info.ppid, cases[i].ppid);
        EXPECT_EQ(info.idle, cases[i].pid == 0);
    }
    EXPECT(get_process(zombie, &info) == 0 && info.exit_code == 7 &&
           strcmp(info.name, "zombie") == 0);
    EXPECT(get_process(blocked, &info) == 0 &&
           info.wait_channel == (wait_channel_t)&lookup_chan);
    /* No place to put the answer: refused, for live and unknown pids. */
    EXPECT_EQ(get_process(blocked, NULL), -EINVAL);
    EXPECT_EQ(get_process(INT_MAX, NULL), -EINVAL);
    EXPECT_EQ(process_descriptor(blocked, 0, NULL), -EINVAL);
    wake_channel((wait_channel_t)&lookup_chan);
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

static void test_pid_lookup(void **state)
{
    (void)state;
    spawn("init", lookup_controller, NULL);
    run_expect_done();
}

/*
 * Listing by process_next after the pids wrapped past INT32_MAX: every
 * live process once, in spawn order, and the loop ends; also when the
 * process the cursor points at is reaped between two calls.
 */
#define WRAP_KIDS 8

static int wrap_chans[WRAP_KIDS];

static int wrap_controller(void *arg)
{
    pid_t pids[WRAP_KIDS], want[WRAP_KIDS + 2] = {0, 1};
    struct process_info pi;
    int n = 0, err;

    (void)arg;
    proc_set_next_pid(INT32_MAX - WRAP_KIDS / 2 + 1);
    for (int i = 0; i < WRAP_KIDS; i++) {
        pids[i] = spawn("wrap", block_once, &wrap_chans[i]);
        want[i + 2] = pids[i];
    }
    EXPECT_EQ(pids[WRAP_KIDS / 2 - 1], INT32_MAX);
    EXPECT_EQ(pids[WRAP_KIDS / 2], 2); /* wrapped; 1 is me */
    yield_now();                       /* all block */
    for (err = process_next(NULL, &pi); err == 0 && n < WRAP_KIDS + 2;
         err = process_next(&pi, &pi)) {
        EXPECT_EQ(pi.pid, want[n++]);
    }
    EXPECT_EQ(err, -ESRCH);
    EXPECT_EQ(n, WRAP_KIDS + 2);
    /* The cursor's process is reaped between two calls. */
    n = 0;
    for (err = process_next(NULL, &pi); err == 0 && n < WRAP_KIDS + 2;
         err = process_next(&pi, &pi)) {
        EXPECT_EQ(pi.pid, want[n++]);
        if (pi.pid == pids[WRAP_KIDS / 2]) {
            wake_channel((wait_channel_t)&wrap_chans[WRAP_KIDS / 2]);
            EXPECT_EQ(wait_for_child(pi.pid, NULL), pi.pid);
            EXPECT_EQ(get_process(pi.pid, NULL), -EINVAL);
        }
    }
    EXPECT_EQ(err, -ESRCH);
    EXPECT_EQ(n, WRAP_KIDS + 2);
    EXPECT_EQ(process_next(NULL, NULL), -EINVAL);
    for (int i = 0; i < WRAP_KIDS; i++) {
        wake_channel((wait_channel_t)&wrap_chans[i]);
    }
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

static void test_listing_after_pid_wrap(void **state)
{
    (void)state;
    spawn("init", wrap_controller, NULL);
    run_expect_done();
}

/* ---- Block and wake ---------------------------------------------------------------------- */

#define OTHER_WAITERS 200 /* on their own channels: many share a hash bucket */

static struct {
    int chan;                  /* the shared channel's address */
    int others[OTHER_WAITERS]; /* one channel each */
    int returned;              /* shared-channel waiters that came back */
} bw;

static int shared_waiter(void *arg)
{
    (void)arg;
    EXPECT_EQ(block_current((wait_channel_t)&bw.chan), 0);
    bw.returned++;
    return 0;
}

static bool others_untouched(int woken_upto)
{
    bool ok = true;

    for (int k = 0; k < OTHER_WAITERS; k++) {
        struct process_info info;
        pid_t pid = 5 + k; /* init is 1, the shared waiters 2..4 */

        ok &= EXPECT_EQ(get_process(pid, &info), 0);
        if (k < woken_upto) {
            continue;
        }
        ok &= EXPECT_EQ(info.state, PROCESS_BLOCKED);
        ok &= EXPECT_EQ(info.wait_channel, (wait_channel_t)&bw.others[k]);
    }
    return ok;
}

static int block_wake_controller(void *arg)
{
    (void)arg;
    EXPECT_EQ(wake_channel((wait_channel_t)&bw.chan), 0); /* no waiter */
    for (int i = 0; i < 3; i++) {
        spawn("shared", shared_waiter, NULL);
    }
    for (int k = 0; k < OTHER_WAITERS; k++) {
        EXPECT_EQ(spawn("other", block_once, &bw.others[k]), 5 + k);
    }
    yield_now(); /* every child runs once and blocks */
    EXPECT_EQ(scheduler_stats().by_state[PROCESS_BLOCKED], 3 + OTHER_WAITERS);
    EXPECT_EQ(wake_channel((wait_channel_t)&bw.chan), 3);
    for (pid_t pid = 2; pid <= 4; pid++) {
        EXPECT_EQ(state_of(pid), PROCESS_READY);
    }
    EXPECT(others_untouched(0));
    yield_now();
    EXPECT_EQ(bw.returned, 3);
    EXPECT_EQ(wake_channel((wait_channel_t)&bw.chan), 0);
    EXPECT(others_untouched(0));
    for (int k = 0; k < OTHER_WAITERS; k++) {
        EXPECT_EQ(wake_channel((wait_channel_t)&bw.others[k]), 1);
        EXPECT_EQ(state_of(5 + k), PROCESS_READY);
        if (k % 50 == 0) {
            EXPECT(others_untouched(k + 1));
        }
    }
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

static void test_block_and_wake(void **state)
{
    (void)state;
    memset(&bw, 0, sizeof(bw));
    spawn("init", block_wake_controller, NULL);
    run_expect_done();
}

/* block_current_locked gives the caller's lock back, held, on return. */
static struct {
    struct spinlock lk;
    bool flag;
} cond = {SPINLOCK_INIT("cond"), false};

static int cond_waiter(void *arg)
{
    (void)arg;
    spin_lock(&cond.lk);
    while (!cond.flag) {
        EXPECT_EQ(block_current_locked((wait_channel_t)&cond, &cond.lk), 0);
        EXPECT(holding(&cond.lk));
        EXPECT(!arch_irq_enabled());
    }
    spin_unlock(&cond.lk);
    EXPECT(arch_irq_enabled());
    return 0;
}

static int cond_setter(void *arg)
{
    (void)arg;
    EXPECT_EQ(state_of(1), PROCESS_BLOCKED); /* its lock was released */
    spin_lock(&cond.lk);
    cond.flag = true;
    EXPECT_EQ(wake_channel((wait_channel_t)&cond), 1);
    spin_unlock(&cond.lk);
    return 0;
}

static void test_block_locked_releases_and_retakes(void **state)
{
    (void)state;
    cond.flag = false;
    spawn("waiter", cond_waiter, NULL);
    spawn("setter", cond_setter, NULL);
    run_expect_done();
}

/* ---- No lost wakeup, with a tick at every point ---------------------------------------- */

#define PINGPONG_ROUNDS 12
#define SWEEP_MAX       400 /* more port calls than one round makes */

static struct {
    struct spinlock lk;
    int turn;     /* whose move: 0 or 1 */
    int moves[2]; /* moves made by each side */
    bool racy;    /* test the condition without the lock (a broken protocol) */
} pp = {.lk = SPINLOCK_INIT("pingpong")};

/* Wait for my turn, move, hand the turn over and wake the other side. */
static void pp_move(int me)
{
    wait_channel_t mine = (wait_channel_t)&pp.moves[me];
    wait_channel_t theirs = (wait_channel_t)&pp.moves[1 - me];

    if (pp.racy) {
        while (pp.turn != me) {
            block_current(mine); /* a wakeup in between is lost */
        }
    } else {
        spin_lock(&pp.lk);
        while (pp.turn != me) {
            block_current_locked(mine, &pp.lk);
        }
        spin_unlock(&pp.lk);
    }
    pp.moves[me]++;
    spin_lock(&pp.lk);
    pp.turn = 1 - me;
    wake_channel(theirs);
    spin_unlock(&pp.lk);
}

static int pp_entry(void *arg)
{
    for (int i = 0; i < PINGPONG_ROUNDS; i++) {
        pp_move((int)(intptr_t)arg);
    }
    return 0;
}

/* One ping-pong with a tick at every n-th port call; false on deadlock. */
static bool pingpong(unsigned n, bool racy)
{
    assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
    pp.turn = 0;
    pp.moves[0] = pp.moves[1] = 0;
    pp.racy = racy;
    sched_set_slice(1); /* every tick preempts */
    spawn("ping", pp_entry, (void *)0);
    spawn("pong", pp_entry, (void *)1);
    host_tick_every(n);
    start_scheduler();
    host_tick_every(0);
    return !sched_deadlocked();
}

static void test_no_lost_wakeup_with_ticks_everywhere(void **state)
{
    uint64_t preemptions = 0, deferred = 0;

    (void)state;
    for (unsigned n = 1; n <= SWEEP_MAX; n++) {
        if (!pingpong(n, false)) {
            fail_msg("tick every %u port calls: deadlock", n);
        }
        machine_expect_none();
        assert_int_equal(pp.moves[0], PINGPONG_ROUNDS);
        assert_int_equal(pp.moves[1], PINGPONG_ROUNDS);
        assert_int_equal(scheduler_stats().processes, 1);
        assert_int_equal(sched_check(), 0);
        preemptions += scheduler_stats().preemptions;
        deferred += host_irq_stats().deferred;
    }
    assert_true(preemptions > 0); /* ticks did switch processes */
    assert_true(deferred > 0);    /* and some landed in critical sections */
}

/* The sweep has teeth: testing without the lock loses a wakeup somewhere. */
static void test_sweep_catches_a_racy_protocol(void **state)
{
    unsigned lost = 0;

    (void)state;
    for (unsigned n = 1; n <= SWEEP_MAX; n++) {
        lost += !pingpong(n, true);
    }
    assert_true(lost > 0);
    assert_true(pingpong(0, true)); /* without ticks the race never shows */
}

/* ---- Exit and wait --------------------------------------------------------------------------- */

static int exit_midway(void *arg)
{
    exit_current((int)(intptr_t)arg);
}

static int exit_wait_controller(void *arg)
{
    static const int codes[] = {11, -1, INT_MIN, INT_MAX, 0};
    pid_t pids[ARRAY_SIZE(codes)];
    bool seen[ARRAY_SIZE(codes)] = {false};
    int code = 12345;

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
        pids[i] = spawn("child", i % 2 ? exit_with : exit_midway,
                        (void *)(intptr_t)codes[i]);
    }
    /* By pid, before it has even run: blocks until it exits. */
    EXPECT_EQ(wait_for_child(pids[2], &code), pids[2]);
    EXPECT_EQ(code, INT_MIN);
    /* The others exited meanwhile; by pid, already a zombie. */
    EXPECT_EQ(state_of(pids[3]), PROCESS_ZOMBIE);
    EXPECT_EQ(wait_for_child(pids[3], &code), pids[3]);
    EXPECT_EQ(code, INT_MAX);
    seen[2] = seen[3] = true;
    /* By any: each remaining child once, with its own code. */
    for (int k = 0; k < 3; k++) {
        pid_t pid = wait_for_child(-1, &code);

        for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
            if (pids[i] == pid) {
                EXPECT(!seen[i]);
                EXPECT_EQ(code, codes[i]);
                seen[i] = true;
            }
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
        EXPECT(seen[i]);
        EXPECT_EQ(state_of(pids[i]), -1);
    }
    EXPECT_EQ(wait_for_child(-1, &code), -ECHILD);
    return 0;
}

static void test_exit_and_wait_by_pid_and_any(void **state)
{
    (void)state;
    spawn("init", exit_wait_controller, NULL);
    run_expect_done();
}

/* wait_child without blocking: 0 while the child lives. */
static int nonblocking_controller(void *arg)
{
    pid_t c;
    int code;

    (void)arg;
    c = spawn("child", exit_with, (void *)(intptr_t)3);
    EXPECT_EQ(wait_child(c, &code, false), 0);
    EXPECT_EQ(wait_child(-1, &code, false), 0);
    yield_now();
    EXPECT_EQ(wait_child(-1, &code, false), c);
    EXPECT_EQ(code, 3);
    EXPECT_EQ(wait_child(-1, &code, false), -ECHILD);
    return 0;
}

static void test_wait_without_blocking(void **state)
{
    (void)state;
    spawn("init", nonblocking_controller, NULL);
    run_expect_done();
}

static struct {
    pid_t grandchild;
    pid_t sibling; /* a child of idle */
} fam;

static int parent_of_grandchild(void *arg)
{
    (void)arg;
    fam.grandchild = spawn("grandchild", exit_with, (void *)(intptr_t)4);
    EXPECT_EQ(wait_for_child(fam.grandchild, NULL), fam.grandchild);
    return 0;
}

static int echild_controller(void *arg)
{
    pid_t child;

    (void)arg;
    EXPECT_EQ(wait_for_child(-1, NULL), -ECHILD); /* no children at all */
    child = spawn("child", parent_of_grandchild, NULL);
    yield_now(); /* the child spawns the grandchild and waits for it */
    const struct {
        const char *name;
        pid_t target;
        int err;
    } cases[] = {
        {"a grandchild", fam.grandchild, -ECHILD},
        {"a sibling (idle's child)", fam.sibling, -ECHILD},
        {"myself", current_pid(), -ECHILD},
        {"never used", NEVER_USED_PID, -ECHILD},
        {"huge", INT_MAX, -ECHILD},
        {"a group with no child in it", -NEVER_USED_PID, -ECHILD},
        {"INT_MIN", INT_MIN, -ESRCH},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        if (!EXPECT_EQ(wait_for_child(cases[i].target, NULL), cases[i].err)) {
            expect_fail_at(__FILE__, __LINE__, cases[i].name);
        }
    }
    EXPECT_EQ(wait_for_child(child, NULL), child);
    EXPECT_EQ(wait_for_child(child, NULL), -ECHILD); /* a second wait */
    EXPECT_EQ(wait_for_child(-1, NULL), -ECHILD);    /* none left */
    return 0;
}

static void test_wait_errors(void **state)
{
    int code;

    (void)state;
    spawn("init", echild_controller, NULL);
    fam.sibling = spawn("sibling", exit_with, NULL);
    assert_int_equal(wait_for_child(-1, &code), -EINVAL); /* from idle */
    assert_int_equal(block_current(1), -EINVAL);
    run_expect_done();
}

static int second_wait_controller(void *arg)
{
    pid_t a, b;
    int code = 0;

    (void)arg;
    a = spawn("a", exit_with, (void *)(intptr_t)1);
    b = spawn("b", exit_with, (void *)(intptr_t)2);
    EXPECT_EQ(wait_for_child(a, &code), a);
    EXPECT_EQ(wait_for_child(a, &code), -ECHILD);
    EXPECT_EQ(wait_for_child(-1, &code), b);      /* reaped by any ... */
    EXPECT_EQ(wait_for_child(b, &code), -ECHILD); /* ... then by pid */
    EXPECT_EQ(code, 2); /* a failed wait leaves the code alone */
    return 0;
}

static void test_second_wait_fails(void **state)
{
    (void)state;
    spawn("init", second_wait_controller, NULL);
    run_expect_done();
}

/* ---- The process limit (procs=, RLIMIT_NPROC) ------------------------------------------ */

static int limit_hold; /* channel the limit's children block on */

/* With room for 5 processes, init spawns 4 children (zombies count
 * too), the next gets -EAGAIN; after one is reaped a spawn works again;
 * raising the limit lets more in. */
static int limit_controller(void *arg)
{
    pid_t kids[4], extra;

    (void)arg;
    for (int i = 0; i < 4; i++) {
        kids[i] = spawn_kernel_process("kid", block_once, &limit_hold);
        EXPECT(kids[i] > 1);
    }
    EXPECT_EQ(spawn_kernel_process("over", exit_with, NULL), -EAGAIN);
    while (state_of(kids[3]) != PROCESS_BLOCKED) {
        yield_now(); /* the kids run and block, in spawn order */
    }
    EXPECT_EQ(wake_channel((wait_channel_t)&limit_hold), 4);
    EXPECT_EQ(wait_for_child(kids[0], NULL), kids[0]);
    /* three zombies and init: room for one */
    extra = spawn_kernel_process("again", exit_with, NULL);
    EXPECT(extra > 1);
    EXPECT_EQ(spawn_kernel_process("over", exit_with, NULL), -EAGAIN);
    proc_set_limit(7);
    EXPECT(spawn_kernel_process("more", exit_with, NULL) > 1);
    EXPECT(spawn_kernel_process("more", exit_with, NULL) > 1);
    EXPECT_EQ(spawn_kernel_process("over", exit_with, NULL), -EAGAIN);
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

static void test_process_limit_gives_eagain(void **state)
{
    (void)state;
    assert_int_equal(proc_get_limit(), PROC_LIMIT_MAX); /* the default */
    proc_set_limit(0);
    assert_int_equal(proc_get_limit(), 1); /* clamped */
    proc_set_limit(5);
    spawn("init", limit_controller, NULL);
    run_expect_done();
}

/* ---- Orphans: to init while it lives, to idle after --------------------------------------- */

static struct {
    int hold;      /* channel the long-lived processes block on */
    pid_t blocked; /* orphan that is still alive when adopted */
    pid_t zombie;  /* orphan that is already a zombie when adopted */
    pid_t middle;  /* their parent, which exits without waiting */
    int reaped;    /* processes init reaped */
} orph;

static int orphan_parent(void *arg)
{
    (void)arg;
    orph.blocked = spawn("blocked orphan", block_once, &orph.hold);
    orph.zombie = spawn("zombie orphan", exit_with, (void *)(intptr_t)22);
    yield_now(); /* both run: one blocks, one exits */
    EXPECT_EQ(state_of(orph.zombie), PROCESS_ZOMBIE);
    return 5; /* exit without waiting for either */
}

/* init: wait for any child until none are left, counting them. */
static int init_reaper(void *arg)
{
    pid_t pid;
    int code;

    (void)arg;
    orph.middle = spawn("middle", orphan_parent, NULL);
    EXPECT_EQ(wait_for_child(orph.middle, &code), orph.middle);
    EXPECT_EQ(code, 5);
    EXPECT_EQ(parent_of(orph.blocked), 1);
    EXPECT_EQ(parent_of(orph.zombie), 1);
    EXPECT_EQ(state_of(orph.zombie), PROCESS_ZOMBIE);
    EXPECT_EQ(wake_channel((wait_channel_t)&orph.hold), 1);
    while ((pid = wait_for_child(-1, &code)) > 0) {
        EXPECT(pid == orph.blocked || (pid == orph.zombie && code == 22));
        orph.reaped++;
    }
    EXPECT_EQ(pid, -ECHILD);
    return 0;
}

static void test_orphans_go_to_init_which_reaps_them(void **state)
{
    (void)state;
    memset(&orph, 0, sizeof(orph));
    assert_int_equal(spawn("init", init_reaper, NULL), 1);
    run_expect_done();
    assert_int_equal(orph.reaped, 2);
}

/* A zombie orphan wakes init even when init waits for another child. */
static int grandparent_not_init(void *arg)
{
    (void)arg;
    orph.zombie = spawn("zombie orphan", exit_with, (void *)(intptr_t)33);
    yield_now();
    return 0; /* its zombie child goes to init */
}

static int init_waiting(void *arg)
{
    pid_t lingering, pid;
    int code;

    (void)arg;
    lingering = spawn("lingering", block_once, &orph.hold);
    pid = wait_for_child(-1, &code); /* woken by the adoption */
    EXPECT_EQ(pid, orph.zombie);
    EXPECT_EQ(code, 33);
    wake_channel((wait_channel_t)&orph.hold);
    EXPECT_EQ(wait_for_child(-1, &code), lingering);
    return 0;
}

static void test_adopted_zombie_wakes_init(void **state)
{
    (void)state;
    memset(&orph, 0, sizeof(orph));
    spawn("init", init_waiting, NULL);
    orph.middle = spawn("not init's", grandparent_not_init, NULL);
    run_expect_done();
    assert_int_equal(get_process(orph.middle, &(struct process_info){0}),
                     -ESRCH); /* idle reaped its own child */
}

static int short_lived_init(void *arg)
{
    (void)arg;
    orph.blocked = spawn("orphan", block_once, &orph.hold);
    return 0; /* init exits; its child goes to idle */
}

static bool hook_checks_orphan_and_wakes(void)
{
    EXPECT_EQ(parent_of(orph.blocked), 0);
    EXPECT_EQ(state_of(1), -1); /* init reaped by idle, its parent */
    return wake_channel((wait_channel_t)&orph.hold) > 0;
}

static void test_after_init_exits_idle_adopts_and_reaps(void **state)
{
    char log[512];

    (void)state;
    memset(&orph, 0, sizeof(orph));
    host_set_idle_hook(hook_checks_orphan_and_wakes);
    spawn("init", short_lived_init, NULL);
    run_expect_done();
    assert_int_equal(state_of(orph.blocked), -1);
    klog_tail(log, sizeof(log));
    assert_non_null(strstr(log, "init (pid 1) exited"));
}

/* Idle cannot block or wait; it has no regions either. */
static bool hook_tries_to_block(void)
{
    struct spinlock lk = SPINLOCK_INIT("idle test");

    EXPECT_EQ(block_current(42), -EINVAL);
    EXPECT_EQ(wait_for_child(-1, NULL), -EINVAL);
    spin_lock(&lk);
    EXPECT_EQ(block_current_locked(42, &lk), -EINVAL);
    EXPECT(holding(&lk));
    spin_unlock(&lk);
    EXPECT(proc_alloc(16, REGION_HEAP) == NULL);
    return wake_channel(43) > 0;
}

static void test_idle_cannot_block_or_wait(void **state)
{
    (void)state;
    host_set_idle_hook(hook_tries_to_block);
    assert_int_equal(block_current(42), -EINVAL);
    assert_int_equal(wait_for_child(-1, NULL), -EINVAL);
    assert_null(proc_alloc(16, REGION_HEAP));
    spawn("waiter", block_once, (void *)43);
    run_expect_done();
}

/*
 * Death tests: a broken invariant panics (expect_death, death.h).
 */
static void idle_exits(void)
{
    exit_current(3); /* from idle */
}

static void test_idle_exit_panics(void **state)
{
    (void)state;
    expect_death(idle_exits, "the idle task cannot exit", NULL);
}

/*
 * Every switch is checked (xv6's sched()): yielding, blocking or exiting
 * with a spinlock held panics at once, naming the lock, before another
 * process runs with it held.  A second process would print "ran".
 */
static struct spinlock switch_lock = SPINLOCK_INIT("held-lock");

static int print_ran(void *arg)
{
    (void)arg;
    kprintf("ran\n");
    return 0;
}

static int yield_holding(void *arg)
{
    (void)arg;
    spin_lock(&switch_lock);
    yield_now();
    return 0;
}

static int block_holding(void *arg)
{
    (void)arg;
    spin_lock(&switch_lock);
    block_current(7);
    return 0;
}

static int exit_holding(void *arg)
{
    (void)arg;
    spin_lock(&switch_lock);
    exit_current(0);
}

static int irq_off_yield(void *arg)
{
    (void)arg;
    push_irq_off();
    yield_now();
    return 0;
}

static process_entry_t holding_entry;

static void run_holding(void)
{
    spawn("holder", holding_entry, NULL);
    spawn("other", print_ran, NULL);
    start_scheduler();
    kprintf("survived\n");
}

static void test_switch_holding_a_lock_panics(void **state)
{
    static const struct {
        process_entry_t entry;
        const char *want;
    } cases[] = {
        {yield_holding, "pid 1 (holder) switches holding lock held-lock"},
        {block_holding, "pid 1 (holder) switches holding lock held-lock"},
        {exit_holding, "pid 1 (holder) switches holding lock held-lock"},
        {irq_off_yield, "pid 1 switches with interrupts pushed off 2 deep"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        holding_entry = cases[i].entry;
        expect_death(run_holding, cases[i].want, "ran");
    }
}

/* ---- Preemption --------------------------------------------------------------------------------- */

static struct {
    volatile bool stop;
    pid_t spinner;
    uint64_t spinner_slices; /* when the other process first ran */
    long counts[2];
} spin;

static int spinner(void *arg)
{
    (void)arg;
    host_tick_every(7); /* ticks from here on, so all are charged to me */
    while (!spin.stop) {
        arch_cpu_relax(); /* never yields, never blocks */
    }
    return 0;
}

static int stopper(void *arg)
{
    struct process_info info;

    (void)arg;
    EXPECT_EQ(get_process(spin.spinner, &info), 0);
    host_tick_every(0);
    spin.spinner_slices = info.slices;
    EXPECT_EQ(info.state, PROCESS_READY);
    spin.stop = true;
    return 0;
}

/* The spinner gets exactly one slice, then the stopper runs. */
static void test_spinner_is_preempted_after_its_slice(void **state)
{
    static const unsigned slices[] = {1, 2, 5, 17};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(slices); i++) {
        assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
        sched_set_slice(slices[i]);
        spin.stop = false;
        spin.spinner = spawn("spinner", spinner, NULL);
        spawn("stopper", stopper, NULL);
        run_expect_done();
        assert_int_equal(spin.spinner_slices, slices[i]);
        assert_int_equal(scheduler_stats().preemptions, 1);
    }
}

/* Two spinners that each wait for the other to make progress. */
static int mutual_spinner(void *arg)
{
    int me = (int)(intptr_t)arg;

    while (spin.counts[me] < 1000 || spin.counts[1 - me] < 1000) {
        spin.counts[me]++;
        arch_cpu_relax();
    }
    return 0;
}

static void test_two_spinners_both_progress(void **state)
{
    (void)state;
    spin.counts[0] = spin.counts[1] = 0;
    sched_set_slice(2);
    spawn("spin0", mutual_spinner, (void *)0);
    spawn("spin1", mutual_spinner, (void *)1);
    host_tick_every(50);
    run_expect_done();
    host_tick_every(0);
    assert_true(spin.counts[0] >= 1000 && spin.counts[1] >= 1000);
    assert_true(scheduler_stats().preemptions >= 2);
}

/* No switch while a spinlock is held: the tick waits for the release. */
static struct spinlock held_lock = SPINLOCK_INIT("held");
static volatile bool other_ran;

static int spin_with_lock(void *arg)
{
    (void)arg;
    spin_lock(&held_lock);
    host_tick_every(10);
    for (int i = 0; i < 100; i++) {
        arch_cpu_relax(); /* ticks are raised here, and deferred */
    }
    EXPECT(!other_ran);
    EXPECT(host_irq_stats().pending);
    spin_unlock(&held_lock); /* the tick is taken here: switch */
    EXPECT(other_ran);
    host_tick_every(0);
    return 0;
}

static int mark_ran(void *arg)
{
    (void)arg;
    other_ran = true;
    return 0;
}

static void test_no_switch_while_a_lock_is_held(void **state)
{
    (void)state;
    other_ran = false;
    sched_set_slice(1);
    spawn("locker", spin_with_lock, NULL);
    spawn("other", mark_ran, NULL);
    run_expect_done();
    assert_true(host_irq_stats().merged > 0);
    assert_int_equal(scheduler_stats().preemptions, 1);
}

/* ---- Descriptors ---------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int fd;
    int err;
    const char *dev; /* the device's name when err == 0 */
} fd_cases[] = {
    {"stdin", 0, 0, "keyboard"},
    {"stdout", 1, 0, "console"},
    {"stderr", 2, 0, "console"},
    {"first empty", 3, -EBADF, NULL},
    {"last empty", MAX_FDS - 1, -EBADF, NULL},
    {"one past the end", MAX_FDS, -EBADF, NULL},
    {"negative", -1, -EBADF, NULL},
    {"INT_MAX", INT_MAX, -EBADF, NULL},
    {"INT_MIN", INT_MIN, -EBADF, NULL},
};

static void check_fds(pid_t pid, bool released)
{
    for (size_t i = 0; i < ARRAY_SIZE(fd_cases); i++) {
        struct file_descriptor d = {.kind = FD_NONE};
        int want = released ? -EBADF : fd_cases[i].err;
        int err = process_descriptor(pid, fd_cases[i].fd, &d);

        if (err != want) {
            fail_msg("pid %d %s: %d, want %d", pid, fd_cases[i].name, err,
                     want);
        }
        if (err == 0) {
            assert_int_equal(d.kind, FD_CHAR);
            assert_string_equal(d.dev->name, fd_cases[i].dev);
        }
    }
    for (int fd = 3; fd < MAX_FDS; fd++) {
        struct file_descriptor d;

        assert_int_equal(process_descriptor(pid, fd, &d), -EBADF);
    }
}

static void test_default_descriptors_and_bounds(void **state)
{
    struct file_descriptor d;
    pid_t pid;

    (void)state;
    pid = spawn("fds", exit_with, NULL);
    check_fds(pid, false);
    assert_int_equal(process_descriptor(pid + 1, 1, &d), -ESRCH);
    assert_int_equal(process_descriptor(-1, 1, &d), -ESRCH);
    assert_int_equal(process_descriptor(INT_MAX, 0, &d), -ESRCH);
    run_expect_done();
}

/* Without the devices registered, a new process has no descriptors. */
static void test_descriptors_without_devices(void **state)
{
    pid_t pid;

    (void)state;
    assert_int_equal(machine_boot(MACHINE_BYTES, false), 0);
    pid = spawn("fds", exit_with, NULL);
    check_fds(pid, true);
    run_expect_done();
}

/* A zombie holds no descriptors (released at exit); a reaped pid is gone. */
static int descriptors_after_exit(void *arg)
{
    struct file_descriptor d;
    pid_t child;

    (void)arg;
    child = spawn("child", exit_with, NULL);
    EXPECT_EQ(process_descriptor(child, 1, &d), 0);
    yield_now();
    EXPECT_EQ(state_of(child), PROCESS_ZOMBIE);
    for (int fd = 0; fd < MAX_FDS; fd++) {
        EXPECT_EQ(process_descriptor(child, fd, &d), -EBADF);
    }
    EXPECT_EQ(process_descriptor(child, -1, &d), -EBADF);
    EXPECT_EQ(wait_for_child(child, NULL), child);
    for (int fd = -1; fd <= MAX_FDS; fd++) {
        EXPECT_EQ(process_descriptor(child, fd, &d), -ESRCH);
    }
    return 0;
}

static void test_descriptor_after_exit(void **state)
{
    (void)state;
    spawn("parent", descriptors_after_exit, NULL);
    run_expect_done();
}

/* ---- Counters that add up at every step --------------------------------------------------- */

static int stats_chan;
static int stats_blocked;

static int stats_grandchild(void *arg)
{
    (void)arg;
    EXPECT(stats_add_up());
    host_tick();
    EXPECT(stats_add_up());
    return 1;
}

static int stats_child(void *arg)
{
    pid_t g;

    (void)arg;
    EXPECT(stats_add_up());
    yield_now();
    EXPECT(stats_add_up());
    stats_blocked++;
    block_current((wait_channel_t)&stats_chan);
    EXPECT(stats_add_up());
    g = spawn("grandchild", stats_grandchild, NULL);
    EXPECT(stats_add_up());
    host_tick();
    EXPECT(stats_add_up());
    EXPECT_EQ(wait_for_child(g, NULL), g);
    EXPECT(stats_add_up());
    return 0;
}

static int stats_init(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        spawn("child", stats_child, NULL);
        EXPECT(stats_add_up());
    }
    while (stats_blocked < 5) {
        yield_now();
        EXPECT(stats_add_up());
    }
    EXPECT_EQ(wake_channel((wait_channel_t)&stats_chan), 5);
    EXPECT(stats_add_up());
    while (wait_for_child(-1, NULL) > 0) {
        EXPECT(stats_add_up());
    }
    return 0;
}

static bool hook_checks_stats(void)
{
    EXPECT(stats_add_up());
    return false;
}

static void test_stats_add_up_at_every_step(void **state)
{
    struct scheduler_stats st;

    (void)state;
    stats_blocked = 0;
    sched_set_slice(1);
    host_set_idle_hook(hook_checks_stats);
    assert_true(stats_add_up());
    spawn("init", stats_init, NULL);
    assert_true(stats_add_up());
    run_expect_done();
    assert_true(stats_add_up());
    st = scheduler_stats();
    assert_int_equal(st.slices, 10); /* five children, five grandchildren */
    assert_true(st.switches >= 11);  /* each of the 11 was switched to */
}

/* ---- Memory: everything comes back ----------------------------------------------------------- */

#define CYCLES 1000

/* Allocate regions, free some, keep the rest for the reaper. */
static int region_user(void *arg)
{
    int n = 1 + (int)(intptr_t)arg % 7;
    void *keep[8];

    EXPECT(proc_alloc(0, REGION_HEAP) == NULL);
    EXPECT(proc_alloc(64, REGION_STACK) == NULL);
    EXPECT(proc_alloc(64, (enum region_kind)REGION_NKINDS) == NULL);
    for (int i = 0; i < n; i++) {
        size_t size = 16 + (size_t)i * 1000 + (size_t)(intptr_t)arg;

        keep[i] = proc_alloc(size, i % 2 ? REGION_OTHER : REGION_HEAP);
        if (EXPECT(keep[i] != NULL)) {
            memset(keep[i], 0x5A, size);
        }
    }
    for (int i = 0; i < n; i += 3) { /* both kinds stay for exit */
        EXPECT_EQ(proc_free(keep[i]), 0);
    }
    EXPECT_EQ(proc_free(keep[0]), -EINVAL); /* twice */
    EXPECT_EQ(proc_free(NULL), -EINVAL);
    EXPECT_EQ(proc_free(&n), -EINVAL);
    return n;
}

static int cycle_controller(void *arg)
{
    int code;

    (void)arg;
    for (int c = 0; c < CYCLES; c++) {
        pid_t pid = spawn("cycle", region_user, (void *)(intptr_t)c);
        struct heap_stats before = heap_stats();

        yield_now(); /* it runs and exits: heap regions go at exit */
        EXPECT_EQ(state_of(pid), PROCESS_ZOMBIE);
        EXPECT_EQ(heap_stats().bytes_in_use, before.bytes_in_use);
        EXPECT_EQ(heap_stats().live_allocs, before.live_allocs);
        EXPECT_EQ(wait_for_child(pid, &code), pid);
        EXPECT_EQ(code, 1 + c % 7);
    }
    return 0;
}

/*
 * Bytes and allocations come back to what they were before any process
 * ran; frames, counting those the heap holds as pools (it may keep one
 * empty pool for reuse), to what they were after one warm-up process.
 */
static void test_heap_baseline_after_1000_cycles(void **state)
{
    struct heap_stats h0 = heap_stats(), h1;
    size_t f0;

    (void)state;
    spawn("warm-up", region_user, NULL);
    run_expect_done();
    f0 = frame_stats().free + heap_stats().pool_bytes / PAGE_SIZE;
    spawn("init", cycle_controller, NULL);
    run_expect_done();
    h1 = heap_stats();
    assert_int_equal(h1.bytes_in_use, h0.bytes_in_use);
    assert_int_equal(h1.live_allocs, h0.live_allocs);
    assert_int_equal(frame_stats().free + h1.pool_bytes / PAGE_SIZE, f0);
    assert_int_equal(h1.bad_frees, 0);
    assert_int_equal(heap_check(), 0);
}

/* 10,000 live at once, records that never move, then all gone again. */
#define MANY 10000

static int many_chan;

static int many_controller(void *arg)
{
    static pid_t pids[MANY];
    struct process *first = NULL;
    struct process_info info;

    (void)arg;
    for (int i = 0; i < MANY; i++) {
        pids[i] = spawn("many", block_once, &many_chan);
        EXPECT(i == 0 || pids[i] > pids[i - 1]); /* pids increase */
        if (i == 0) {
            spin_lock(&sched_lock);
            first = proc_lookup_locked(pids[0]);
            spin_unlock(&sched_lock);
        }
    }
    EXPECT_EQ(scheduler_stats().processes, MANY + 2);
    spin_lock(&sched_lock);
    EXPECT(proc_lookup_locked(pids[0]) == first); /* the table grew around it */
    spin_unlock(&sched_lock);
    yield_now(); /* all of them run and block */
    EXPECT_EQ(scheduler_stats().by_state[PROCESS_BLOCKED], MANY);
    for (int i = 0; i < MANY; i++) {
        EXPECT(get_process(pids[i], &info) == 0 && info.ppid == current_pid() &&
               info.state == PROCESS_BLOCKED);
    }
    EXPECT_EQ(wake_channel((wait_channel_t)&many_chan), MANY);
    for (int i = 0; i < MANY; i++) {
        EXPECT(wait_for_child(-1, NULL) > 0);
    }
    EXPECT_EQ(wait_for_child(-1, NULL), -ECHILD);
    EXPECT_EQ(scheduler_stats().processes, 2);
    return 0;
}

/*
 * Back to the boot baseline, exactly: after 10,000 live processes are
 * reaped, the table and the wait buckets have shrunk back to
 * PROC_TABLE_INITIAL, and once the record cache and the heap's spare pool
 * are trimmed, heap bytes, live allocations and free frames are what they
 * were right after process_init.  Twice, so nothing the first burst left
 * behind is needed by the second.
 */
static void test_10000_live_back_to_boot_baseline(void **state)
{
    struct heap_stats h0 = heap_stats();
    struct frame_stats f0 = frame_stats();

    (void)state;
    for (int round = 0; round < 2; round++) {
        spawn("init", many_controller, NULL);
        run_expect_done();
        proc_cache_trim();
        heap_trim();
        assert_int_equal(heap_stats().bytes_in_use, h0.bytes_in_use);
        assert_int_equal(heap_stats().live_allocs, h0.live_allocs);
        assert_int_equal(frame_stats().free, f0.free);
        assert_int_equal(heap_check(), 0);
    }
}

/* ---- Deadlock ---------------------------------------------------------------------------------- */

static int deadlock_parent(void *arg)
{
    (void)arg;
    spawn("stuck child", block_once, (void *)0x1234);
    return wait_for_child(-1, NULL); /* the child never exits */
}

static int deadlock_hook_wakes;

static bool hook_maybe_wakes(void)
{
    return deadlock_hook_wakes-- > 0 && wake_channel(0x1234) > 0;
}

static void test_deadlock_is_reported(void **state)
{
    char log[1024];
    pid_t parent;

    (void)state;
    parent = spawn("parent", deadlock_parent, NULL);
    spawn("stuck", block_once, (void *)0x1234);
    run();
    assert_true(sched_deadlocked());
    assert_int_equal(scheduler_stats().by_state[PROCESS_BLOCKED], 3);
    assert_int_equal(state_of(parent), PROCESS_BLOCKED);
    klog_tail(log, sizeof(log));
    assert_non_null(strstr(log, "deadlock"));
    assert_non_null(strstr(log, "(stuck child) blocked on channel 0x1234"));
    /* Something that can wake them: the same processes finish. */
    deadlock_hook_wakes = 1;
    host_set_idle_hook(hook_maybe_wakes);
    run_expect_done();
}

/* ---- Spawn errors --------------------------------------------------------------------------------- */

/* Everything a failed spawn must leave as it was. */
struct snapshot {
    struct scheduler_stats st;
    struct heap_stats heap;
    uint64_t newest; /* serial of the newest record */
};

static struct snapshot snap(void)
{
    return (struct snapshot){scheduler_stats(), heap_stats(), newest_serial()};
}

static bool same_stats(const struct scheduler_stats *a,
                       const struct scheduler_stats *b)
{
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        if (a->by_state[s] != b->by_state[s]) {
            return false;
        }
    }
    return a->processes == b->processes && a->slices == b->slices &&
           a->switches == b->switches && a->preemptions == b->preemptions &&
           a->reschedule_pending == b->reschedule_pending;
}

static void assert_unchanged(const struct snapshot *a, const char *what)
{
    struct snapshot b = snap();

    if (!same_stats(&a->st, &b.st) ||
        a->heap.bytes_in_use != b.heap.bytes_in_use ||
        a->heap.live_allocs != b.heap.live_allocs || a->newest != b.newest ||
        sched_check() != 0) {
        fail_msg("%s changed something", what);
    }
}

static void test_spawn_rejects_bad_arguments(void **state)
{
    static const struct {
        const char *name;
        const char *pname;
        process_entry_t entry;
        int err;
    } cases[] = {
        {"no entry", "x", NULL, -EINVAL},
        {"no name", NULL, exit_with, -EINVAL},
        {"empty name", "", exit_with, -EINVAL},
        {"name too long", "0123456789abcdef", exit_with, -EINVAL},
        {"longest name", "0123456789abcde", exit_with, 1},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct snapshot s = snap();
        pid_t pid = spawn_kernel_process(cases[i].pname, cases[i].entry, NULL);

        if (pid != cases[i].err) {
            fail_msg("%s: %d, want %d", cases[i].name, pid, cases[i].err);
        }
        if (pid < 0) {
            assert_unchanged(&s, cases[i].name);
        }
    }
    run_expect_done();
    process_reset(); /* no process_init: nobody to be the parent */
    assert_int_equal(spawn_kernel_process("x", exit_with, NULL), -EINVAL);
}

/* Heap blocks held to starve the spawn path, freed a few at a time. */
#define HOG_MAX 100000

static struct {
    void *p[HOG_MAX];
    size_t n;
} hog;

static void hog_all(size_t size)
{
    void *p;

    while (hog.n < HOG_MAX && (p = kmalloc(size)) != NULL) {
        hog.p[hog.n++] = p;
    }
}

/*
 * Out of memory at every point of spawn: with the heap full, free one
 * small block at a time and retry.  Every failure is -ENOMEM and changes
 * nothing; the first success is an ordinary process.  The table is full
 * first, so growing it is one of the points.
 */
static void test_spawn_out_of_memory_changes_nothing(void **state)
{
    int failures = 0;
    pid_t pid = -ENOMEM;

    (void)state;
    assert_int_equal(machine_boot(8UL << 20, true), 0);
    for (int i = 1; i < PROC_TABLE_INITIAL / 2; i++) {
        spawn("filler", exit_with, NULL); /* the next spawn grows the table */
    }
    hog.n = 0;
    hog_all(64 * 1024);
    hog_all(256);
    hog_all(16);
    while (pid == -ENOMEM && hog.n > 0) {
        struct snapshot s = snap();

        pid = spawn_kernel_process("late", exit_with, NULL);
        if (pid == -ENOMEM) {
            assert_unchanged(&s, "a failed spawn");
            failures++;
            kfree(hog.p[--hog.n]);
        }
    }
    assert_int_equal(pid, PROC_TABLE_INITIAL / 2);
    assert_true(failures > 10); /* it failed at several points */
    assert_int_equal(heap_stats().bad_frees, 0);
    while (hog.n > 0) {
        kfree(hog.p[--hog.n]);
    }
    run_expect_done();
    assert_int_equal(heap_check(), 0);
}

/* ---- Dumps ---------------------------------------------------------------------------------------------- */

static int dumped_child(void *arg)
{
    (void)arg;
    EXPECT(proc_alloc(100, REGION_HEAP) != NULL);
    block_current((wait_channel_t)0xD0D0);
    return 0;
}

static int dumper(void *arg)
{
    pid_t c;

    (void)arg;
    c = spawn("dumped", dumped_child, NULL);
    yield_now();
    dump_process(c);
    dump_process(99999);
    dump_all_processes();
    wake_channel(0xD0D0);
    dump_process(c); /* ready now: its old channel is not shown */
    return wait_for_child(c, NULL) == c ? 0 : 1;
}

/*
 * A reused stack is filled again where its last owner wrote, so the next
 * owner's high-water mark is its own: a deep child's record goes to the
 * cache, a shallow one (another pid, another colour) gets it and dumps
 * itself.
 */
static int deep_child(void *arg)
{
    volatile char buf[6000];

    (void)arg;
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (char)i;
    }
    return buf[100];
}

static int shallow_child(void *arg)
{
    (void)arg;
    dump_process(current_pid());
    return 0;
}

static int reuser(void *arg)
{
    pid_t c;

    (void)arg;
    c = spawn("deep", deep_child, NULL);
    EXPECT(wait_for_child(c, NULL) == c);
    c = spawn("shallow", shallow_child, NULL);
    EXPECT(proc_stack_colour(c) != proc_stack_colour(c - 1));
    return wait_for_child(c, NULL) == c ? 0 : 1;
}

static void test_reused_stack_is_filled_again(void **state)
{
    static char log[KLOG_SIZE];
    const char *at;
    unsigned long hw = 0;

    (void)state;
    spawn("reuser", reuser, NULL);
    run_expect_done();
    klog_tail(log, sizeof(log));
    at = strstr(log, "name shallow");
    assert_non_null(at);
    at = strstr(at, "high-water ");
    assert_non_null(at);
    hw = strtoul(at + strlen("high-water "), NULL, 10);
    assert_true(hw > 0);
    assert_true(hw < 4000); /* the deep child's 6000 bytes are gone */
}

/* The dump names the process, its state, channel, descriptors, regions. */
static void test_dump_holds_its_fields(void **state)
{
    static char log[KLOG_SIZE];
    static const char *const want[] = {
        "pid 2 ppid 1 name dumped state blocked channel 0xd0d0",
        "keyboard",
        "console",
        "heap 100 bytes",
        "no process 99999",
        "pid 0 ppid 0 name idle",
        "scheduler:",
        "pid 2 ppid 1 name dumped state ready slices",
        "canary intact, starts 640 below the top", /* pid 2's colour */
    };

    (void)state;
    spawn("dumper", dumper, NULL);
    run_expect_done();
    klog_tail(log, sizeof(log));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        if (strstr(log, want[i]) == NULL) {
            fail_msg("dump lacks \"%s\"", want[i]);
        }
    }
}

/* ---- Main ------------------------------------------------------------------------------------------------- */

#define T(fn) \
    cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tick_with_interrupts_on_is_taken_at_once),
        T(test_tick_with_interrupts_off_waits),
        T(test_tick_waits_for_the_outermost_lock),
        T(test_tick_every_counts_port_calls),
        T(test_cpu_idle_asks_the_hook),
        T(test_access_ok),
        T(test_syscall_through_the_trap_path),
        T(test_round_robin_interleavings),
        T(test_reschedule_only_when_pending),
        T(test_idle_runs_only_when_nothing_is_ready),
        T(test_pid_lookup),
        T(test_listing_after_pid_wrap),
        T(test_block_and_wake),
        T(test_block_locked_releases_and_retakes),
        T(test_no_lost_wakeup_with_ticks_everywhere),
        T(test_sweep_catches_a_racy_protocol),
        T(test_exit_and_wait_by_pid_and_any),
        T(test_wait_without_blocking),
        T(test_wait_errors),
        T(test_process_limit_gives_eagain),
        T(test_second_wait_fails),
        T(test_orphans_go_to_init_which_reaps_them),
        T(test_adopted_zombie_wakes_init),
        T(test_after_init_exits_idle_adopts_and_reaps),
        T(test_idle_exit_panics),
        T(test_switch_holding_a_lock_panics),
        T(test_idle_cannot_block_or_wait),
        T(test_spinner_is_preempted_after_its_slice),
        T(test_two_spinners_both_progress),
        T(test_no_switch_while_a_lock_is_held),
        T(test_default_descriptors_and_bounds),
        T(test_descriptors_without_devices),
        T(test_descriptor_after_exit),
        T(test_stats_add_up_at_every_step),
        T(test_heap_baseline_after_1000_cycles),
        T(test_10000_live_back_to_boot_baseline),
        T(test_deadlock_is_reported),
        T(test_spawn_rejects_bad_arguments),
        T(test_spawn_out_of_memory_changes_nothing),
        T(test_dump_holds_its_fields),
        T(test_reused_stack_is_filled_again),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S); /* a scheduler bug may hang: fail instead */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
