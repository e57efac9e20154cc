/*
 * The system call layer on the host (kernel/sys/syscall.c), under
 * AddressSanitizer and UBSan: wait4 stores a status through any pointer
 * the caller passes, misaligned ones too, and the idle task, which has no
 * descriptors, gets -EBADF from read and write instead of blocking.  The
 * priority calls (140-148): each call's results, a table of every error,
 * misaligned parameters, and preemption by sched_setscheduler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine.h"
#include "newc.h"

#include "file.h"
#include "kerrno.h"
#include "ramfs.h"
#include "sys_file.h"
#include "vfs.h"
#include "process.h"
#include "syscall.h"
#include "timer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int exit_with(void *arg)
{
    return (int)(intptr_t)arg;
}

static unsigned char status_buf[16]; /* the status lands at an odd offset */

/* wait4 with a status pointer at every misalignment 1..3 of an int. */
static int wait_misaligned(void *arg)
{
    (void)arg;
    for (int off = 1; off < 4; off++) {
        pid_t child = spawn_kernel_process("child", exit_with,
                                           (void *)(intptr_t)(off + 40));
        int want = (off + 40) << 8, got;

        memset(status_buf, 0xAA, sizeof(status_buf));
        EXPECT_EQ(arch_syscall(SYS_wait4, child, (long)(status_buf + off), 0, 0,
                               0, 0),
                  child);
        memcpy(&got, status_buf + off, sizeof(got));
        EXPECT_EQ(got, want);
        EXPECT_EQ(status_buf[off - 1], 0xAA); /* neighbours untouched */
        EXPECT_EQ(status_buf[off + sizeof(int)], 0xAA);
    }
    return 0;
}

static void test_wait4_misaligned_status(void **state)
{
    (void)state;
    assert_true(spawn_kernel_process("waiter", wait_misaligned, NULL) > 0);
    start_scheduler();
    machine_expect_none();
}

/* The test body is the idle task. */
static void test_read_from_idle_is_ebadf(void **state)
{
    char buf[4] = "abc";

    (void)state;
    assert_int_equal(current_pid(), 0);
    for (int fd = 0; fd < 3; fd++) {
        assert_int_equal(arch_syscall(SYS_read, fd, (long)buf, 1, 0, 0, 0),
                         -EBADF);
        assert_int_equal(arch_syscall(SYS_write, fd, (long)buf, 1, 0, 0, 0),
                         -EBADF);
    }
    assert_string_equal(buf, "abc");
}

/* ---- Priorities: 140-148 ---------------------------------------------------- */

/* A system call with up to three arguments, through the host's trap. */
static long sc(long nr, long a0, long a1, long a2)
{
    return arch_syscall(nr, a0, a1, a2, 0, 0, 0);
}

static void spawn_and_run(process_entry_t fn)
{
    assert_true(spawn_kernel_process("caller", fn, NULL) > 0);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(sched_check(), 0);
}

static int block_until_killed(void *arg)
{
    static int chan;

    (void)arg;
    return block_current((wait_channel_t)&chan);
}

/* The quantum rr_get_interval reports for slice ticks, in nanoseconds. */
static uint64_t slice_ns(void)
{
    return (uint64_t)sched_slice() * 1000000000ULL / timer_hz();
}

static uint64_t interval_of(pid_t pid)
{
    struct ktimespec ts = {-1, -1};

    EXPECT_EQ(sc(SYS_sched_rr_get_interval, pid, (long)&ts, 0), 0);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* getpriority is 20 - nice; setpriority clamps; who is the caller or a
 * pid; the nice is process_getnice's. */
static int nice_calls(void *arg)
{
    static const struct {
        int set, nice;
    } cases[] = {{5, 5},    {-20, -20}, {19, 19}, {-100, -20},
                 {100, 19}, {-21, -20}, {20, 19}, {0, 0}};
    pid_t kid = spawn_kernel_process("kid", block_until_killed, NULL);
    int nice = 99;

    (void)arg;
    EXPECT_EQ(sc(SYS_getpriority, PRIO_PROCESS, 0, 0), 20); /* nice 0 */
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        EXPECT_EQ(sc(SYS_setpriority, PRIO_PROCESS, 0, cases[i].set), 0);
        EXPECT_EQ(process_getnice(0, &nice), 0);
        EXPECT_EQ(nice, cases[i].nice);
        EXPECT_EQ(sc(SYS_getpriority, PRIO_PROCESS, 0, 0), 20 - cases[i].nice);
    }
    EXPECT_EQ(sc(SYS_setpriority, PRIO_PROCESS, kid, 7), 0);
    EXPECT_EQ(process_getnice(kid, &nice), 0);
    EXPECT_EQ(nice, 7);
    EXPECT_EQ(sc(SYS_getpriority, PRIO_PROCESS, kid, 0), 13);
    EXPECT_EQ(sc(SYS_getpriority, PRIO_PROCESS, current_pid(), 0), 20);
    EXPECT_EQ(process_kill(kid, SIGTERM), 0);
    EXPECT_EQ(wait_for_child(kid, NULL), kid);
    return 0;
}

static void test_getpriority_setpriority(void **state)
{
    (void)state;
    spawn_and_run(nice_calls);
}

/* The policy and priority calls agree with process_getscheduler, and the
 * quantum follows the policy. */
static int policy_calls(void *arg)
{
    struct ksched_param p = {-1};
    int policy = -1, prio = -1;

    (void)arg;
    EXPECT_EQ(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_OTHER);
    EXPECT_EQ(sc(SYS_sched_getparam, 0, (long)&p, 0), 0);
    EXPECT_EQ(p.sched_priority, 0);
    EXPECT_EQ(interval_of(0), slice_ns()); /* one EEVDF request */
    p.sched_priority = 10;
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, (long)&p), 0);
    EXPECT_EQ(process_getscheduler(0, &policy, &prio), 0);
    EXPECT(policy == SCHED_FIFO && prio == 10);
    EXPECT_EQ(sc(SYS_sched_getscheduler, current_pid(), 0, 0), SCHED_FIFO);
    EXPECT_EQ(interval_of(0), 0); /* FIFO has no quantum */
    p.sched_priority = 20;
    EXPECT_EQ(sc(SYS_sched_setparam, 0, (long)&p, 0), 0); /* policy kept */
    EXPECT_EQ(process_getscheduler(0, &policy, &prio), 0);
    EXPECT(policy == SCHED_FIFO && prio == 20);
    p.sched_priority = 3;
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_RR, (long)&p), 0);
    EXPECT_EQ(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_RR);
    p.sched_priority = -1;
    EXPECT_EQ(sc(SYS_sched_getparam, 0, (long)&p, 0), 0);
    EXPECT_EQ(p.sched_priority, 3);
    EXPECT_EQ(interval_of(0), slice_ns());
    EXPECT(slice_ns() > 0);
    p.sched_priority = 0;
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&p), 0);
    EXPECT_EQ(sc(SYS_sched_setparam, 0, (long)&p, 0), 0); /* OTHER, 0 */
    EXPECT_EQ(process_getscheduler(0, &policy, &prio), 0);
    EXPECT(policy == SCHED_OTHER && prio == 0);
    return 0;
}

static void test_sched_policy_calls(void **state)
{
    (void)state;
    spawn_and_run(policy_calls);
}

/* The quantum is slice= ticks at the tick rate, whatever slice= is. */
static int rr_quantum(void *arg)
{
    struct ksched_param p = {1};

    (void)arg;
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_RR, (long)&p), 0);
    EXPECT_EQ(interval_of(0), 7 * (1000000000ULL / HZ_DEFAULT));
    return 0;
}

static void test_rr_interval_follows_slice(void **state)
{
    (void)state;
    sched_set_slice(7);
    assert_int_equal(timer_hz(), HZ_DEFAULT);
    spawn_and_run(rr_quantum);
}

static void test_priority_ranges(void **state)
{
    static const struct {
        int policy;
        long min, max;
    } cases[] = {
        {SCHED_OTHER, 0, 0},
        {SCHED_FIFO, 1, 99},
        {SCHED_RR, 1, 99},
        {SCHED_BATCH, -EINVAL, -EINVAL},
        {SCHED_IDLE, -EINVAL, -EINVAL},
        {SCHED_DEADLINE, -EINVAL, -EINVAL},
        {4, -EINVAL, -EINVAL},
        {-1, -EINVAL, -EINVAL},
        {SCHED_FIFO | SCHED_RESET_ON_FORK, -EINVAL, -EINVAL},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_int_equal(sc(SYS_sched_get_priority_min, cases[i].policy, 0, 0),
                         cases[i].min);
        assert_int_equal(sc(SYS_sched_get_priority_max, cases[i].policy, 0, 0),
                         cases[i].max);
    }
    /* Only the low 32 bits of the policy count, as on Linux. */
    assert_int_equal(
        sc(SYS_sched_get_priority_max, (1L << 32) | SCHED_FIFO, 0, 0), 99);
}

/* Bad arguments: each gives its error, and the caller's policy, priority
 * and nice are still SCHED_OTHER, 0 and 0 after all of them. */
static int bad_priority_arguments(void *arg)
{
    static struct ksched_param zero = {0}, one = {1}, hundred = {100},
                               minus = {-1}, out;
    static struct ktimespec ts;
    const long bad[] = {0x0000800000000000L, (long)0xfffffffffffffff0UL,
                        0x00007ffffffffffeL}; /* runs past the top */
    const struct {
        const char *what;
        long nr, a0, a1, a2, want;
    } cases[] = {
        {"getpriority which 3", SYS_getpriority, 3, 0, 0, -EINVAL},
        {"getpriority which -1", SYS_getpriority, -1, 0, 0, -EINVAL},
        {"getpriority no group", SYS_getpriority, PRIO_PGRP, 99999, 0, -ESRCH},
        {"getpriority group -1", SYS_getpriority, PRIO_PGRP, -1, 0, -ESRCH},
        {"getpriority uid 5", SYS_getpriority, PRIO_USER, 5, 0, -ESRCH},
        {"getpriority no pid", SYS_getpriority, PRIO_PROCESS, 99999, 0, -ESRCH},
        {"getpriority who -1", SYS_getpriority, PRIO_PROCESS, -1, 0, -ESRCH},
        {"setpriority which 3", SYS_setpriority, 3, 0, -5, -EINVAL},
        {"setpriority no group", SYS_setpriority, PRIO_PGRP, 99999, -5, -ESRCH},
        {"setpriority uid 5", SYS_setpriority, PRIO_USER, 5, -5, -ESRCH},
        {"setpriority no pid", SYS_setpriority, PRIO_PROCESS, 99999, 1, -ESRCH},
        {"setpriority who -1", SYS_setpriority, PRIO_PROCESS, -1, 1, -ESRCH},
        {"setparam NULL", SYS_sched_setparam, 0, 0, 0, -EINVAL},
        {"setparam pid -1", SYS_sched_setparam, -1, (long)&zero, 0, -EINVAL},
        {"setparam no pid", SYS_sched_setparam, 99999, (long)&zero, 0, -ESRCH},
        {"setparam OTHER 1", SYS_sched_setparam, 0, (long)&one, 0, -EINVAL},
        {"setparam no pid, bad", SYS_sched_setparam, 99999, (long)&one, 0,
         -ESRCH},
        {"getparam NULL", SYS_sched_getparam, 0, 0, 0, -EINVAL},
        {"getparam pid -1", SYS_sched_getparam, -1, (long)&out, 0, -EINVAL},
        {"getparam no pid", SYS_sched_getparam, 99999, (long)&out, 0, -ESRCH},
        {"setscheduler -1", SYS_sched_setscheduler, 0, -1, (long)&zero,
         -EINVAL},
        {"setscheduler BATCH", SYS_sched_setscheduler, 0, SCHED_BATCH,
         (long)&zero, -EINVAL},
        {"setscheduler IDLE", SYS_sched_setscheduler, 0, SCHED_IDLE,
         (long)&zero, -EINVAL},
        {"setscheduler DEADLINE", SYS_sched_setscheduler, 0, SCHED_DEADLINE,
         (long)&zero, -EINVAL},
        {"setscheduler 4", SYS_sched_setscheduler, 0, 4, (long)&one, -EINVAL},
        {"setscheduler RESET_ON_FORK", SYS_sched_setscheduler, 0,
         SCHED_FIFO | SCHED_RESET_ON_FORK, (long)&one, -EINVAL},
        {"setscheduler OTHER|RESET", SYS_sched_setscheduler, 0,
         SCHED_OTHER | SCHED_RESET_ON_FORK, (long)&zero, -EINVAL},
        {"setscheduler FIFO 0", SYS_sched_setscheduler, 0, SCHED_FIFO,
         (long)&zero, -EINVAL},
        {"setscheduler FIFO 100", SYS_sched_setscheduler, 0, SCHED_FIFO,
         (long)&hundred, -EINVAL},
        {"setscheduler RR -1", SYS_sched_setscheduler, 0, SCHED_RR,
         (long)&minus, -EINVAL},
        {"setscheduler OTHER 1", SYS_sched_setscheduler, 0, SCHED_OTHER,
         (long)&one, -EINVAL},
        {"setscheduler pid -1", SYS_sched_setscheduler, -1, SCHED_FIFO,
         (long)&one, -EINVAL},
        {"setscheduler NULL", SYS_sched_setscheduler, 0, SCHED_FIFO, 0,
         -EINVAL},
        {"setscheduler no pid", SYS_sched_setscheduler, 99999, SCHED_FIFO,
         (long)&one, -ESRCH},
        {"setscheduler no pid, bad policy", SYS_sched_setscheduler, 99999, 7,
         (long)&one, -ESRCH},
        {"getscheduler pid -1", SYS_sched_getscheduler, -1, 0, 0, -EINVAL},
        {"getscheduler no pid", SYS_sched_getscheduler, 99999, 0, 0, -ESRCH},
        {"rr_get_interval pid -1", SYS_sched_rr_get_interval, -1, (long)&ts, 0,
         -EINVAL},
        {"rr_get_interval no pid", SYS_sched_rr_get_interval, 99999, (long)&ts,
         0, -ESRCH},
        {"rr_get_interval NULL", SYS_sched_rr_get_interval, 0, 0, 0, -EFAULT},
    };
    int policy = -1, prio = -1, nice = 99;

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        long got = sc(cases[i].nr, cases[i].a0, cases[i].a1, cases[i].a2);

        if (!EXPECT_EQ(got, cases[i].want)) {
            print_message("case: %s\n", cases[i].what);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        EXPECT_EQ(sc(SYS_sched_setparam, 0, bad[i], 0), -EFAULT);
        EXPECT_EQ(sc(SYS_sched_getparam, 0, bad[i], 0), -EFAULT);
        EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, bad[i]), -EFAULT);
        EXPECT_EQ(sc(SYS_sched_rr_get_interval, 0, bad[i], 0), -EFAULT);
    }
    EXPECT_EQ(process_getscheduler(0, &policy, &prio), 0);
    EXPECT(policy == SCHED_OTHER && prio == 0);
    EXPECT_EQ(process_getnice(0, &nice), 0);
    EXPECT_EQ(nice, 0);
    EXPECT_EQ(out.sched_priority, 0); /* never written */
    EXPECT(ts.tv_sec == 0 && ts.tv_nsec == 0);
    return 0;
}

static void test_priority_calls_bad_arguments(void **state)
{
    (void)state;
    spawn_and_run(bad_priority_arguments);
}

static unsigned char param_buf[16]; /* a sched_param at an odd offset */

/* setparam reads, getparam writes a sched_param at any alignment, and
 * only its four bytes. */
static int misaligned_params(void *arg)
{
    (void)arg;
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 1), 0);
    for (int off = 1; off < 4; off++) {
        int prio = 40 + off, got;

        memset(param_buf, 0xAA, sizeof(param_buf));
        memcpy(param_buf + off, &prio, sizeof(prio));
        EXPECT_EQ(sc(SYS_sched_setparam, 0, (long)(param_buf + off), 0), 0);
        memset(param_buf, 0xAA, sizeof(param_buf));
        EXPECT_EQ(sc(SYS_sched_getparam, 0, (long)(param_buf + off), 0), 0);
        memcpy(&got, param_buf + off, sizeof(got));
        EXPECT_EQ(got, prio);
        EXPECT_EQ(param_buf[off - 1], 0xAA);
        EXPECT_EQ(param_buf[off + sizeof(int)], 0xAA);
    }
    return 0;
}

static void test_sched_param_misaligned(void **state)
{
    (void)state;
    spawn_and_run(misaligned_params);
}

static struct kmutex pi_lock;

static int lock_and_unlock(void *arg)
{
    (void)arg;
    kmutex_lock(&pi_lock);
    kmutex_unlock(&pi_lock);
    return 0;
}

/* A priority lent by inheritance is not the base: sched_getparam and
 * sched_getscheduler report the base, get_process the effective one. */
static int lent_not_reported(void *arg)
{
    struct ksched_param p = {10};
    struct process_info info;
    pid_t h;

    (void)arg;
    kmutex_init(&pi_lock);
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, (long)&p), 0);
    kmutex_lock(&pi_lock);
    h = spawn_kernel_process("high", lock_and_unlock, NULL);
    EXPECT_EQ(process_setscheduler(h, SCHED_FIFO, 30), 0); /* blocks, lends */
    EXPECT_EQ(get_process(current_pid(), &info), 0);
    EXPECT_EQ(info.effective_priority, 30);
    p.sched_priority = -1;
    EXPECT_EQ(sc(SYS_sched_getparam, 0, (long)&p, 0), 0);
    EXPECT_EQ(p.sched_priority, 10);
    EXPECT_EQ(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_FIFO);
    kmutex_unlock(&pi_lock);
    EXPECT_EQ(wait_for_child(h, NULL), h);
    return 0;
}

static void test_getparam_reports_the_base_priority(void **state)
{
    (void)state;
    spawn_and_run(lent_not_reported);
}

static volatile int phase;      /* the caller's: 1 inside the call, 2 after */
static volatile int phase_seen; /* what the child saw when it ran */

static int record_phase(void *arg)
{
    (void)arg;
    phase_seen = phase;
    return 0;
}

/*
 * Raising an equal FIFO child above the caller runs it inside the call;
 * lowering oneself below a ready one yields inside it.  Equal FIFO
 * processes never preempt each other, so nothing else could run it.
 */
static int setscheduler_preempts(void *arg)
{
    struct ksched_param p = {5};
    struct process_info info;
    pid_t kid;

    (void)arg;
    EXPECT_EQ(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, (long)&p), 0);
    for (int lower = 0; lower < 2; lower++) {
        phase = phase_seen = 0;
        kid = spawn_kernel_process("kid", record_phase, NULL); /* FIFO 5 */
        host_tick();
        EXPECT_EQ(get_process(kid, &info), 0);
        EXPECT_EQ(info.state, PROCESS_READY); /* an equal: not run */
        phase = 1;
        if (lower) {
            p.sched_priority = 4;
            EXPECT_EQ(sc(SYS_sched_setparam, 0, (long)&p, 0), 0);
        } else {
            p.sched_priority = 6;
            EXPECT_EQ(sc(SYS_sched_setscheduler, kid, SCHED_FIFO, (long)&p), 0);
        }
        phase = 2;
        EXPECT_EQ(phase_seen, 1);
        EXPECT_EQ(wait_for_child(kid, NULL), kid);
        p.sched_priority = 5;
        EXPECT_EQ(sc(SYS_sched_setparam, 0, (long)&p, 0), 0);
    }
    return 0;
}

static void test_setscheduler_preempts_at_once(void **state)
{
    (void)state;
    spawn_and_run(setscheduler_preempts);
}

/* The test body is idle: its nice and policy are fixed, it has no
 * quantum, and it reads as nice 0, SCHED_OTHER. */
static void test_priority_calls_from_idle(void **state)
{
    struct ksched_param p = {1};

    (void)state;
    assert_int_equal(current_pid(), 0);
    assert_int_equal(sc(SYS_getpriority, PRIO_PROCESS, 0, 0), 20);
    assert_int_equal(sc(SYS_setpriority, PRIO_PROCESS, 0, 5), -EINVAL);
    assert_int_equal(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, (long)&p),
                     -EINVAL);
    p.sched_priority = 0;
    assert_int_equal(sc(SYS_sched_setparam, 0, (long)&p, 0), -EINVAL);
    assert_int_equal(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_OTHER);
    assert_int_equal(interval_of(0), 0);
    assert_int_equal(sc(SYS_getpriority, PRIO_PROCESS, 0, 0), 20);
    machine_expect_none();
}

/* ---- The I/O cap: counts over SYSCALL_IO_MAX are capped, not refused ------ */

#define BIG_SIZE (SYSCALL_IO_MAX + 4096) /* /big: more than one capped read */

static struct newc arc;
static struct ramfs bigfs;
static unsigned char big_data[BIG_SIZE];

static unsigned char big_byte(long i)
{
    return (unsigned char)(i * 7 + (i >> 12));
}

/* "/" with /big (BIG_SIZE patterned bytes) for the cap tests. */
static int big_setup(void **state)
{
    if (machine_setup(state) != 0) {
        return -1;
    }
    for (long i = 0; i < BIG_SIZE; i++) {
        big_data[i] = big_byte(i);
    }
    memset(&arc, 0, sizeof(arc));
    memset(&bigfs, 0, sizeof(bigfs));
    newc_add(&arc, "big", 0100644, big_data, sizeof(big_data));
    newc_add(&arc, "dev", 0040755, "", 0);
    newc_trailer(&arc);
    if (ramfs_unpack(&bigfs, arc.buf, arc.len) != 0) {
        return -1;
    }
    vfs_set_root(&bigfs);
    return 0;
}

static int big_teardown(void **state)
{
    vfs_set_root(NULL);
    ramfs_release(&bigfs);
    return machine_teardown(state);
}

/* A 2 MiB read of /big moves SYSCALL_IO_MAX bytes, the right ones; the
 * next read the rest; readv's total and sendfile's count are capped too. */
static int capped_reads(void *arg)
{
    unsigned char *buf = malloc(2 * SYSCALL_IO_MAX);
    struct kiovec iov[2] = {{buf, SYSCALL_IO_MAX}, {buf, SYSCALL_IO_MAX}};
    long fd = sc(SYS_open, (long)"/big", O_RDONLY, 0), null;
    long bad = 0;

    (void)arg;
    EXPECT(buf != NULL && fd == 3);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, 2 * SYSCALL_IO_MAX), SYSCALL_IO_MAX);
    for (long i = 0; i < SYSCALL_IO_MAX; i++) {
        bad += buf[i] != big_byte(i);
    }
    EXPECT_EQ(bad, 0);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, 2 * SYSCALL_IO_MAX), 4096);
    EXPECT_EQ(buf[0], big_byte(SYSCALL_IO_MAX));
    EXPECT_EQ(sc(SYS_lseek, fd, 0, 0), 0);
    EXPECT_EQ(sc(SYS_readv, fd, (long)iov, 2), SYSCALL_IO_MAX);
    EXPECT_EQ(sc(SYS_lseek, fd, 0, 1), SYSCALL_IO_MAX); /* SEEK_CUR */
    null = sc(SYS_open, (long)"/dev/null", O_WRONLY, 0);
    EXPECT_EQ(null, 4);
    EXPECT_EQ(arch_syscall(SYS_sendfile, null, fd, 0, 2 * SYSCALL_IO_MAX, 0, 0),
              4096); /* what is left: the offset moved */
    EXPECT_EQ(sc(SYS_close, fd, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, null, 0, 0), 0);
    free(buf);
    return 0;
}

static void test_read_over_the_cap_is_short(void **state)
{
    (void)state;
    spawn_and_run(capped_reads);
}

/* 2 MiB written to /dev/null: SYSCALL_IO_MAX; to an empty non-blocking
 * pipe: what fits (64 KiB), not -EINVAL. */
static int capped_writes(void *arg)
{
    char *buf = calloc(1, 2 * SYSCALL_IO_MAX);
    int p[2];
    long null = sc(SYS_open, (long)"/dev/null", O_WRONLY, 0);

    (void)arg;
    EXPECT(buf != NULL && null == 3);
    EXPECT_EQ(sc(SYS_write, null, (long)buf, 2 * SYSCALL_IO_MAX),
              SYSCALL_IO_MAX);
    EXPECT_EQ(sc(SYS_write, null, (long)buf, (long)(SIZE_MAX / 2)),
              SYSCALL_IO_MAX); /* a kernel caller's range: as far as used */
    EXPECT_EQ(sc(SYS_pipe2, (long)p, O_NONBLOCK, 0), 0);
    EXPECT_EQ(sc(SYS_write, p[1], (long)buf, 2 * SYSCALL_IO_MAX), 65536);
    EXPECT_EQ(sc(SYS_close, p[0], 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, p[1], 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, null, 0, 0), 0);
    free(buf);
    return 0;
}

static void test_write_over_the_cap_is_short(void **state)
{
    (void)state;
    spawn_and_run(capped_writes);
}

/* ---- Affinity: one CPU ------------------------------------------------------ */

static int affinity_calls(void *arg)
{
    unsigned long mask[4] = {0, 0x55, 0x55, 0x55};

    (void)arg;
    EXPECT_EQ(sc(SYS_sched_getaffinity, 0, sizeof(mask), (long)mask), 8);
    EXPECT(mask[0] == 1 && mask[1] == 0x55); /* CPU 0; 8 bytes written */
    EXPECT_EQ(sc(SYS_sched_getaffinity, current_pid(), 8, (long)mask), 8);
    EXPECT_EQ(sc(SYS_sched_getaffinity, 0, 7, (long)mask), -EINVAL);
    EXPECT_EQ(sc(SYS_sched_getaffinity, 0, 0, (long)mask), -EINVAL);
    EXPECT_EQ(sc(SYS_sched_getaffinity, 999, 8, (long)mask), -ESRCH);
    EXPECT_EQ(sc(SYS_sched_getaffinity, 0, 8, 0), -EFAULT);
    EXPECT_EQ(sc(SYS_sched_setaffinity, 0, 8, (long)mask), 0);
    mask[0] = 6; /* CPUs 1 and 2: none exists */
    EXPECT_EQ(sc(SYS_sched_setaffinity, 0, 8, (long)mask), -EINVAL);
    EXPECT_EQ(sc(SYS_sched_setaffinity, 999, 8, (long)mask), -ESRCH);
    EXPECT_EQ(sc(SYS_sched_setaffinity, 0, 8, 0), -EFAULT);
    EXPECT_EQ(sc(SYS_sched_setaffinity, 0, 0, 0), -EINVAL); /* no CPU */
    return 0;
}

static void test_affinity_one_cpu(void **state)
{
    (void)state;
    spawn_and_run(affinity_calls);
}

#define T(f) cmocka_unit_test_setup_teardown(f, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_wait4_misaligned_status),
        T(test_read_from_idle_is_ebadf),
        T(test_getpriority_setpriority),
        T(test_sched_policy_calls),
        T(test_rr_interval_follows_slice),
        T(test_priority_ranges),
        T(test_priority_calls_bad_arguments),
        T(test_sched_param_misaligned),
        T(test_getparam_reports_the_base_priority),
        T(test_setscheduler_preempts_at_once),
        T(test_priority_calls_from_idle),
        cmocka_unit_test_setup_teardown(test_read_over_the_cap_is_short,
                                        big_setup, big_teardown),
        cmocka_unit_test_setup_teardown(test_write_over_the_cap_is_short,
                                        big_setup, big_teardown),
        T(test_affinity_one_cpu),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
