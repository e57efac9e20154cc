/*
 * Kill (docs/signals.md) as named scenarios on the host: a signal sent to
 * a ready, running, sleeping and blocked process, with the exit status
 * each gets; -EINTR from every interruptible wait; the refusals (init,
 * idle, bad signals, no such pid) and the probe; the safe points (never
 * inside a spinlock; a spinner that never calls the kernel dies at a
 * simulated tick); wait4's status word for a killed child; kill 62.
 * Processes leave a trace of letters the test body compares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "host.h"
#include "kerrno.h"
#include "ksignal.h"
#include "proc.h"
#include "process.h"
#include "spinlock.h"
#include "syscall.h"
#include "timer.h"

static char trace[256];
static size_t ntrace;
static int chan;
static int wait_ret; /* what a killed process's wait returned */

static void mark(char c)
{
    if (ntrace + 1 < sizeof(trace)) {
        trace[ntrace++] = c;
        trace[ntrace] = '\0';
    }
}

static pid_t spawn(const char *name, process_entry_t fn, void *arg)
{
    pid_t pid = spawn_kernel_process(name, fn, arg);

    EXPECT(pid > 0);
    return pid;
}

/* The controller is the first process spawned: init (pid 1). */
static void run(process_entry_t controller)
{
    ntrace = 0;
    trace[0] = '\0';
    wait_ret = 1;
    spawn("init", controller, NULL);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(sched_check(), 0);
}

/* Reap pid: its exit code, and the signal that ended it in *sig. */
static int reap(pid_t pid, int *sig)
{
    int code = -1;

    EXPECT_EQ(wait_child_sig(pid, &code, sig, true), pid);
    return code;
}

static int marker(void *arg)
{
    mark((char)(intptr_t)arg);
    return 0;
}

/* ---- Each state ------------------------------------------------------------ */

/* Killed before it first ran: it never runs its entry. */
static int kill_ready(void *arg)
{
    pid_t c = spawn("child", marker, (void *)'c');
    int sig = -1;

    (void)arg;
    EXPECT_EQ(process_kill(c, SIGTERM), 0);
    EXPECT_EQ(reap(c, &sig), 128 + SIGTERM);
    EXPECT_EQ(sig, SIGTERM);
    return 0;
}

static void test_kill_ready_process(void **state)
{
    (void)state;
    run(kill_ready);
    assert_string_equal(trace, "");
}

/* The running process kills itself: it goes on to its next safe point
 * (the yield), no further. */
static int self_killer(void *arg)
{
    (void)arg;
    EXPECT_EQ(process_kill(current_pid(), SIGKILL), 0);
    mark('a'); /* process_kill is not a safe point */
    yield_now();
    mark('b');
    return 0;
}

static int kill_running(void *arg)
{
    pid_t c = spawn("child", self_killer, NULL);
    int sig = -1;

    (void)arg;
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    EXPECT_EQ(sig, SIGKILL);
    return 0;
}

static void test_kill_running_process(void **state)
{
    (void)state;
    run(kill_running);
    assert_string_equal(trace, "a");
}

/* Sleeps a long time; records what sleep_ticks returned, then yields. */
static int sleeper(void *arg)
{
    (void)arg;
    wait_ret = sleep_ticks(1000000);
    mark('s');
    yield_now(); /* the safe point: ends here */
    mark('x');
    return 0;
}

static int kill_sleeping(void *arg)
{
    pid_t c = spawn("sleeper", sleeper, NULL);
    struct process_info info;
    int sig = -1;

    (void)arg;
    yield_now(); /* it runs and sleeps */
    EXPECT(get_process(c, &info) == 0 && info.state == PROCESS_BLOCKED);
    EXPECT_EQ(timer_armed_count(), 1);
    EXPECT_EQ(process_kill(c, SIGINT), 0);
    EXPECT_EQ(reap(c, &sig), 128 + SIGINT);
    EXPECT_EQ(sig, SIGINT);
    EXPECT_EQ(timer_armed_count(), 0); /* its timer was cancelled */
    EXPECT(timer_ticks() < 1000000);   /* nobody waited for it */
    return 0;
}

static void test_kill_sleeping_process_sleep_ticks_eintr(void **state)
{
    (void)state;
    run(kill_sleeping);
    assert_int_equal(wait_ret, -EINTR);
    assert_string_equal(trace, "s");
}

static struct spinlock cond_lock = SPINLOCK_INIT("cond");

/* block_current_locked: -EINTR, with its lock held again. */
static int blocker_locked(void *arg)
{
    (void)arg;
    spin_lock(&cond_lock);
    wait_ret = block_current_locked((wait_channel_t)&chan, &cond_lock);
    mark(holding(&cond_lock) ? 'h' : '-');
    spin_unlock(&cond_lock);
    mark('u');
    yield_now();
    mark('x');
    return 0;
}

static int kill_blocked(void *arg)
{
    pid_t c = spawn("blocker", blocker_locked, NULL);
    struct process_info info;
    int sig = -1;

    (void)arg;
    yield_now();
    EXPECT(get_process(c, &info) == 0 && info.state == PROCESS_BLOCKED);
    EXPECT_EQ(process_kill(c, SIGTERM), 0);
    EXPECT(get_process(c, &info) == 0 && info.state == PROCESS_READY);
    EXPECT_EQ(reap(c, &sig), 128 + SIGTERM);
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 0); /* off the queue */
    return 0;
}

static void test_kill_blocked_process_block_current_eintr(void **state)
{
    (void)state;
    run(kill_blocked);
    assert_int_equal(wait_ret, -EINTR);
    assert_string_equal(trace, "hu");
}

/* A signal already pending: the wait does not start. */
static int pending_then_block(void *arg)
{
    (void)arg;
    process_kill(current_pid(), SIGTERM);
    wait_ret = block_current((wait_channel_t)&chan);
    mark('r');
    return 0; /* returning from the entry is a safe point too */
}

static int kill_before_block(void *arg)
{
    pid_t c = spawn("child", pending_then_block, NULL);
    int sig = -1;

    (void)arg;
    EXPECT_EQ(reap(c, &sig), 128 + SIGTERM);
    EXPECT_EQ(sig, SIGTERM);
    return 0;
}

static void test_pending_signal_refuses_to_block(void **state)
{
    (void)state;
    run(kill_before_block);
    assert_int_equal(wait_ret, -EINTR);
    assert_string_equal(trace, "r");
}

/* An uninterruptible wait (kmutex/ksem's kind) ignores the signal until
 * it is woken, then the process ends at its next safe point. */
static int noint_blocker(void *arg)
{
    (void)arg;
    spin_lock(&cond_lock);
    wait_ret = block_current_noint_locked((wait_channel_t)&chan, &cond_lock);
    spin_unlock(&cond_lock);
    mark('w');
    yield_now();
    mark('x');
    return 0;
}

static int kill_noint(void *arg)
{
    pid_t c = spawn("noint", noint_blocker, NULL);
    struct process_info info;
    int sig = -1;

    (void)arg;
    yield_now();
    EXPECT_EQ(process_kill(c, SIGKILL), 0);
    yield_now();
    EXPECT(get_process(c, &info) == 0 && info.state == PROCESS_BLOCKED);
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    return 0;
}

static void test_uninterruptible_wait_ends_on_wake_then_dies(void **state)
{
    (void)state;
    run(kill_noint);
    assert_int_equal(wait_ret, 0);
    assert_string_equal(trace, "w");
}

/* wait_for_child: -EINTR, nothing reaped; the grandchild survives. */
static int forever(void *arg)
{
    (void)arg;
    block_current_noint_locked((wait_channel_t)&chan, &sched_lock);
    mark('g');
    return 7;
}

static int forever_locked(void *arg)
{
    int r;

    spin_lock(&sched_lock);
    r = forever(arg);
    spin_unlock(&sched_lock);
    return r;
}

static int waiter(void *arg)
{
    pid_t g = spawn("grandchild", forever_locked, NULL);

    (void)arg;
    wait_ret = wait_for_child(g, NULL);
    mark('i');
    yield_now();
    mark('x');
    return 0;
}

static int kill_waiter(void *arg)
{
    pid_t c = spawn("waiter", waiter, NULL);
    int sig = -1, code = 0;

    (void)arg;
    yield_now(); /* waiter waits; grandchild blocks */
    yield_now();
    EXPECT_EQ(process_kill(c, SIGTERM), 0);
    EXPECT_EQ(reap(c, &sig), 128 + SIGTERM);
    EXPECT_EQ(wake_channel((wait_channel_t)&chan), 1);
    EXPECT(wait_for_child(-1, &code) > 0); /* adopted by init */
    EXPECT_EQ(code, 7);
    return 0;
}

static void test_wait_for_child_eintr(void **state)
{
    (void)state;
    run(kill_waiter);
    assert_int_equal(wait_ret, -EINTR);
    assert_string_equal(trace, "ig");
}

/* ---- Refusals and the probe ------------------------------------------------- */

static int refusals(void *arg)
{
    pid_t c = spawn("child", marker, (void *)'c');
    int sig = -1;

    (void)arg;
    EXPECT_EQ(process_kill(1, SIGKILL), -EPERM); /* init: this process */
    EXPECT_EQ(process_kill(0, SIGKILL), -EPERM); /* idle */
    EXPECT_EQ(process_kill(1, 0), -EPERM);
    EXPECT_EQ(process_kill(c, -1), -EINVAL);
    EXPECT_EQ(process_kill(c, KNSIG), -EINVAL);
    EXPECT_EQ(process_kill(-5, SIGTERM), -ESRCH);
    EXPECT_EQ(process_kill(c + 100, SIGTERM), -ESRCH);
    EXPECT_EQ(process_kill(c, 0), 0); /* probe: it exists, and lives on */
    yield_now();                      /* it runs and exits */
    EXPECT_EQ(process_kill(c, 0), 0); /* a zombie: 0, as Linux */
    EXPECT_EQ(process_kill(c, SIGKILL), 0);
    EXPECT_EQ(reap(c, &sig), 0); /* it had exited: the kill changes nothing */
    EXPECT_EQ(sig, 0);
    EXPECT_EQ(process_kill(c, 0), -ESRCH); /* reaped */
    return 0;
}

static void test_refusals_probe_and_zombie(void **state)
{
    (void)state;
    run(refusals);
    assert_string_equal(trace, "c");
    assert_int_equal(process_kill(0, SIGKILL), -EPERM);
}

/* ---- Safe points ------------------------------------------------------------ */

static struct spinlock held = SPINLOCK_INIT("held");

/* Killed while holding a spinlock: lives until it has released it. */
static int lock_holder(void *arg)
{
    (void)arg;
    spin_lock(&held);
    process_kill(current_pid(), SIGKILL);
    signal_deliver(); /* not a safe point with a lock held */
    host_tick();      /* interrupts off: delivered at the unlock */
    mark('l');
    spin_unlock(&held); /* the tick's exit: a safe point, it ends here */
    mark('x');
    return 0;
}

static int kill_lock_holder(void *arg)
{
    pid_t c = spawn("holder", lock_holder, NULL);
    int sig = -1;

    (void)arg;
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    spin_lock(&held); /* it was released */
    spin_unlock(&held);
    return 0;
}

static void test_killed_lock_holder_dies_after_release(void **state)
{
    (void)state;
    run(kill_lock_holder);
    assert_string_equal(trace, "l");
}

/* Owning a kmutex: no safe point until the last one is released, and
 * the release is one. */
static struct kmutex owned;

static int mutex_owner(void *arg)
{
    (void)arg;
    kmutex_lock(&owned);
    process_kill(current_pid(), SIGTERM);
    yield_now(); /* not a safe point while it owns the mutex */
    host_tick();
    mark('m');
    kmutex_unlock(&owned); /* ends here */
    mark('x');
    return 0;
}

static int kill_mutex_owner(void *arg)
{
    pid_t c;
    int sig = -1;

    (void)arg;
    kmutex_init(&owned);
    c = spawn("owner", mutex_owner, NULL);
    EXPECT_EQ(reap(c, &sig), 128 + SIGTERM);
    EXPECT(kmutex_trylock(&owned)); /* it was released */
    kmutex_unlock(&owned);
    return 0;
}

static void test_kmutex_owner_dies_after_releasing(void **state)
{
    (void)state;
    run(kill_mutex_owner);
    assert_string_equal(trace, "m");
}

/* Waiting for a kmutex is not interruptible: the killed waiter gets the
 * mutex in its turn, and ends when it releases it. */
static int mutex_waiter(void *arg)
{
    (void)arg;
    kmutex_lock(&owned);
    mark('g');
    kmutex_unlock(&owned);
    mark('x');
    return 0;
}

static int kill_mutex_waiter(void *arg)
{
    struct process_info info;
    pid_t c;
    int sig = -1;

    (void)arg;
    kmutex_init(&owned);
    kmutex_lock(&owned);
    c = spawn("waiter", mutex_waiter, NULL);
    yield_now(); /* it blocks on the mutex */
    EXPECT_EQ(process_kill(c, SIGKILL), 0);
    yield_now();
    EXPECT(get_process(c, &info) == 0 && info.state == PROCESS_BLOCKED);
    kmutex_unlock(&owned);
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    EXPECT(kmutex_trylock(&owned));
    kmutex_unlock(&owned);
    return 0;
}

static void test_kmutex_waiter_not_interrupted(void **state)
{
    (void)state;
    run(kill_mutex_waiter);
    assert_string_equal(trace, "g");
}

static volatile unsigned long spins;

/* Never calls the kernel but for the simulated timer interrupt. */
static int spinner(void *arg)
{
    (void)arg;
    for (spins = 0; spins < 100000; spins++) {
        if (spins % 100 == 0) {
            host_tick();
        }
    }
    mark('x');
    return 0;
}

static int kill_spinner(void *arg)
{
    pid_t c = spawn("spinner", spinner, NULL);
    int sig = -1;

    (void)arg;
    yield_now(); /* the spinner runs until its slice ends */
    mark(spins > 0 ? 'r' : '-');
    EXPECT_EQ(process_kill(c, SIGKILL), 0);
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    EXPECT(spins < 100000);
    return 0;
}

static void test_sigkill_spinner_at_a_tick(void **state)
{
    (void)state;
    run(kill_spinner);
    assert_string_equal(trace, "r");
}

/* A spinner inside kill_defer_begin/end: killed, it spins on through
 * many ticks (each a safe point but for the bracket), and dies at
 * kill_defer_end, having done what it deferred for. */
static volatile bool defer_cleaned;

static int deferring_spinner(void *arg)
{
    (void)arg;
    kill_defer_begin();
    kill_defer_begin(); /* nests */
    for (spins = 0; spins < 20000; spins++) {
        if (spins % 100 == 0) {
            host_tick();
        }
    }
    kill_defer_end(); /* still inside the outer one: lives */
    mark('i');
    defer_cleaned = true;
    kill_defer_end(); /* ends here */
    mark('x');
    return 0;
}

static int kill_deferring_spinner(void *arg)
{
    pid_t c = spawn("deferrer", deferring_spinner, NULL);
    int sig = -1;

    (void)arg;
    defer_cleaned = false;
    yield_now(); /* the spinner runs until its slice ends */
    mark(spins > 0 && spins < 20000 ? 'r' : '-');
    EXPECT_EQ(process_kill(c, SIGKILL), 0);
    EXPECT_EQ(reap(c, &sig), 128 + SIGKILL);
    EXPECT_EQ(spins, 20000); /* no tick ended it early */
    EXPECT(defer_cleaned);
    return 0;
}

static void test_kill_deferred_until_kill_defer_end(void **state)
{
    (void)state;
    run(kill_deferring_spinner);
    assert_string_equal(trace, "ri");
}

/* ---- The system calls --------------------------------------------------------- */

static int syscalls(void *arg)
{
    pid_t c = spawn("child", sleeper, NULL);
    int status = -1;

    (void)arg;
    yield_now();
    EXPECT_EQ(syscall_dispatch(SYS_kill, 0, 0, 0, 0, 0, 0), 0); /* probes */
    EXPECT_EQ(syscall_dispatch(SYS_kill, -1, 0, 0, 0, 0, 0), 0);
    /* c is in init's group, so no group c exists. */
    EXPECT_EQ(syscall_dispatch(SYS_kill, -c, SIGTERM, 0, 0, 0, 0), -ESRCH);
    EXPECT_EQ(syscall_dispatch(SYS_kill, c, 99, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ(syscall_dispatch(SYS_kill, 1, SIGKILL, 0, 0, 0, 0), -EPERM);
    EXPECT_EQ(syscall_dispatch(SYS_kill, c, SIGKILL, 0, 0, 0, 0), 0);
    EXPECT_EQ(syscall_dispatch(SYS_wait4, c, (long)&status, 0, 0, 0, 0), c);
    EXPECT_EQ(status, SIGKILL); /* WIFSIGNALED, WTERMSIG 9 */
    c = spawn("child", marker, (void *)'e');
    EXPECT_EQ(syscall_dispatch(SYS_wait4, c, (long)&status, 0, 0, 0, 0), c);
    EXPECT_EQ(status, 0); /* exited 0: WIFEXITED */
    return 0;
}

static void test_kill_and_wait4_syscalls(void **state)
{
    (void)state;
    run(syscalls);
    assert_string_equal(trace, "se");
}

#define T(fn) \
    cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_kill_ready_process),
        T(test_kill_running_process),
        T(test_kill_sleeping_process_sleep_ticks_eintr),
        T(test_kill_blocked_process_block_current_eintr),
        T(test_pending_signal_refuses_to_block),
        T(test_uninterruptible_wait_ends_on_wake_then_dies),
        T(test_wait_for_child_eintr),
        T(test_refusals_probe_and_zombie),
        T(test_killed_lock_holder_dies_after_release),
        T(test_sigkill_spinner_at_a_tick),
        T(test_kill_deferred_until_kill_defer_end),
        T(test_kmutex_owner_dies_after_releasing),
        T(test_kmutex_waiter_not_interrupted),
        T(test_kill_and_wait4_syscalls),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
