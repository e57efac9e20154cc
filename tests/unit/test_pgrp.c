/*
 * Process groups and sessions (docs/process.md, "Groups and sessions") on
 * the host, through the system calls: what a spawn inherits, setsid and
 * setpgid with each of Linux's refusals, kill to a group, to the caller's
 * group and to everyone (who is spared), wait4 for a group, the caller's
 * group and WNOHANG, a group's id kept from new pids while it lives, and
 * hundreds of groups (the hash grows and shrinks) leaving the heap as it
 * was.  sched_check (run after every test) checks every group's list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "heap.h"
#include "kerrno.h"
#include "pgrp.h"
#include "proc.h"
#include "process.h"
#include "syscall.h"

#define WNOHANG 1

static int chan;
static volatile bool release;

static long sc(long nr, long a, long b, long c, long d)
{
    return syscall_dispatch(nr, a, b, c, d, 0, 0);
}

/* A member that waits for release (or a signal), then exits with 5. */
static int parked(void *arg)
{
    (void)arg;
    while (!release) {
        if (block_current((wait_channel_t)&chan) != 0) {
            yield_now(); /* killed: the safe point */
        }
    }
    return 5;
}

/* The same after leading a session of its own. */
static int parked_leader(void *arg)
{
    EXPECT_EQ(sc(SYS_setsid, 0, 0, 0, 0), current_pid());
    return parked(arg);
}

static bool group_exists(pid_t pgid)
{
    bool yes;

    spin_lock(&sched_lock);
    yes = pgrp_exists_locked(pgid);
    spin_unlock(&sched_lock);
    return yes;
}

static pid_t spawn(process_entry_t fn)
{
    pid_t pid = spawn_kernel_process("member", fn, NULL);

    EXPECT(pid > 0);
    yield_now(); /* let it run to its block */
    return pid;
}

static void let_go(void)
{
    release = true;
    wake_channel((wait_channel_t)&chan);
}

/* Reap pid; its wait4 status. */
static int reap(pid_t pid)
{
    int status = -1;

    EXPECT_EQ(sc(SYS_wait4, pid, (long)&status, 0, 0), pid);
    return status;
}

static void run(process_entry_t controller)
{
    release = false;
    spawn_kernel_process("init", controller, NULL);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(sched_check(), 0);
}

#define T(fn)                           \
    static void test_##fn(void **state) \
    {                                   \
        (void)state;                    \
        run(fn);                        \
    }

/* ---- Inheritance and setsid -------------------------------------------- */

static int inherit(void *arg)
{
    pid_t c, l;

    (void)arg;
    EXPECT_EQ(sc(SYS_getpgrp, 0, 0, 0, 0), 1); /* init leads 1 in session 1 */
    EXPECT_EQ(sc(SYS_getsid, 0, 0, 0, 0), 1);
    EXPECT_EQ(sc(SYS_setsid, 0, 0, 0, 0), -EPERM); /* a group leader */
    c = spawn(parked);
    EXPECT_EQ(sc(SYS_getpgid, c, 0, 0, 0), 1);
    EXPECT_EQ(sc(SYS_getsid, c, 0, 0, 0), 1);
    l = spawn(parked_leader);
    EXPECT_EQ(sc(SYS_getpgid, l, 0, 0, 0), l);
    EXPECT_EQ(sc(SYS_getsid, l, 0, 0, 0), l);
    EXPECT_EQ(sc(SYS_getpgid, 99999, 0, 0, 0), -ESRCH);
    EXPECT_EQ(sc(SYS_getsid, -1, 0, 0, 0), -ESRCH);
    EXPECT_EQ(sc(SYS_getpgid, 0, 0, 0, 0), 1); /* unchanged by the child */
    let_go();
    EXPECT_EQ(reap(c), 5 << 8);
    EXPECT_EQ(reap(l), 5 << 8);
    EXPECT(!group_exists(l)); /* freed with its last member */
    return 0;
}
T(inherit)

/* ---- setpgid ----------------------------------------------------------- */

static int setpgid_rules(void *arg)
{
    pid_t a, b, l;

    (void)arg;
    a = spawn(parked);
    b = spawn(parked);
    l = spawn(parked_leader);
    EXPECT_EQ(sc(SYS_setpgid, a, -1, 0, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_setpgid, 99999, 0, 0, 0), -ESRCH);
    EXPECT_EQ(sc(SYS_setpgid, 0, 0, 0, 0), -EPERM); /* init leads session 1 */
    EXPECT_EQ(sc(SYS_setpgid, l, l, 0, 0), -EPERM); /* another session */
    EXPECT_EQ(sc(SYS_setpgid, a, b, 0, 0), -EPERM); /* no group b yet */
    EXPECT_EQ(sc(SYS_setpgid, a, l, 0, 0), -EPERM); /* l's: another session */
    EXPECT_EQ(sc(SYS_setpgid, a, 0, 0, 0), 0);      /* a leads group a */
    EXPECT_EQ(sc(SYS_getpgid, a, 0, 0, 0), a);
    EXPECT_EQ(sc(SYS_getsid, a, 0, 0, 0), 1);  /* still session 1 */
    EXPECT_EQ(sc(SYS_setpgid, b, a, 0, 0), 0); /* b joins it */
    EXPECT_EQ(sc(SYS_getpgid, b, 0, 0, 0), a);
    EXPECT_EQ(sc(SYS_setpgid, b, a, 0, 0), 0); /* already there */
    EXPECT_EQ(sc(SYS_setpgid, b, 1, 0, 0), 0); /* and back */
    EXPECT_EQ(sc(SYS_getpgid, b, 0, 0, 0), 1);
    let_go();
    EXPECT_EQ(reap(a), 5 << 8);
    EXPECT_EQ(reap(b), 5 << 8);
    EXPECT_EQ(reap(l), 5 << 8);
    return 0;
}
T(setpgid_rules)

/* Only the caller and its children: a grandchild is -ESRCH. */
static int spawns_one(void *arg)
{
    pid_t *out = arg;

    *out = spawn(parked);
    return parked(NULL);
}

static int setpgid_grandchild(void *arg)
{
    static pid_t grandchild;
    pid_t c = spawn_kernel_process("middle", spawns_one, &grandchild);

    (void)arg;
    yield_now();
    yield_now();
    EXPECT(grandchild > 0);
    EXPECT_EQ(sc(SYS_setpgid, grandchild, 0, 0, 0), -ESRCH);
    EXPECT_EQ(sc(SYS_getpgid, grandchild, 0, 0, 0), 1); /* any may ask */
    let_go();
    EXPECT_EQ(reap(c), 5 << 8);
    return 0; /* init reaps the orphaned grandchild with the rest */
}
T(setpgid_grandchild)

/* ---- kill ---------------------------------------------------------------- */

static int kill_group(void *arg)
{
    pid_t a, b, c;

    (void)arg;
    EXPECT_EQ(sc(SYS_kill, 0, SIGTERM, 0, 0), -EPERM); /* init alone */
    a = spawn(parked);
    b = spawn(parked);
    c = spawn(parked);
    EXPECT_EQ(sc(SYS_setpgid, a, a, 0, 0), 0);
    EXPECT_EQ(sc(SYS_setpgid, b, a, 0, 0), 0);
    EXPECT_EQ(sc(SYS_kill, -a, SIGTERM, 0, 0), 0);
    EXPECT_EQ(reap(a), SIGTERM);
    EXPECT_EQ(reap(b), SIGTERM);
    EXPECT_EQ(sc(SYS_kill, -a, SIGTERM, 0, 0), -ESRCH); /* gone with them */
    EXPECT_EQ(sc(SYS_wait4, c, 0, WNOHANG, 0), 0);      /* c was spared */
    EXPECT_EQ(sc(SYS_kill, 0, SIGINT, 0, 0), 0); /* init's group: c, not init */
    EXPECT_EQ(reap(c), SIGINT);
    return 0;
}
T(kill_group)

/* A zombie member counts: the group still exists until it is reaped. */
static int kill_zombie_group(void *arg)
{
    pid_t a;

    (void)arg;
    a = spawn(parked);
    EXPECT_EQ(sc(SYS_setpgid, a, a, 0, 0), 0);
    let_go();
    yield_now(); /* a exits */
    EXPECT_EQ(sc(SYS_kill, -a, SIGTERM, 0, 0), 0);
    EXPECT_EQ(reap(a), 5 << 8); /* it had exited: the signal changed nothing */
    EXPECT_EQ(sc(SYS_kill, -a, 0, 0, 0), -ESRCH);
    return 0;
}
T(kill_zombie_group)

static pid_t everyone_victims[3];

/* kill(-1) from a child: its siblings die; it and init do not.  arg:
 * what the call must return. */
static int kills_everyone(void *arg)
{
    EXPECT_EQ(sc(SYS_kill, -1, SIGTERM, 0, 0), (long)(intptr_t)arg);
    yield_now(); /* the victims end */
    return 3;
}

static int kill_everyone(void *arg)
{
    pid_t k, other;

    (void)arg;
    for (int i = 0; i < 3; i++) {
        everyone_victims[i] = spawn(i == 2 ? parked_leader : parked);
    }
    k = spawn_kernel_process("killer", kills_everyone, (void *)0);
    EXPECT_EQ(reap(k), 3 << 8);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(reap(everyone_victims[i]), SIGTERM);
    }
    /* Alone with init and idle: nobody to signal. */
    other = spawn_kernel_process("killer", kills_everyone, (void *)-ESRCH);
    EXPECT_EQ(reap(other), 3 << 8);
    EXPECT_EQ(sc(SYS_kill, -1, 0, 0, 0), -ESRCH); /* init alone */
    return 0;
}
T(kill_everyone)

/* ---- wait4 ---------------------------------------------------------------- */

static int wait_groups(void *arg)
{
    pid_t a, b;
    int status = -1;

    (void)arg;
    a = spawn(parked);
    b = spawn(parked);
    EXPECT_EQ(sc(SYS_setpgid, a, a, 0, 0), 0);
    EXPECT_EQ(sc(SYS_wait4, -a, (long)&status, WNOHANG, 0), 0);
    EXPECT_EQ(status, -1); /* untouched */
    EXPECT_EQ(sc(SYS_wait4, 0, 0, WNOHANG, 0), 0);
    EXPECT_EQ(sc(SYS_wait4, -1, 0, WNOHANG, 0), 0);
    EXPECT_EQ(sc(SYS_wait4, -99999, 0, WNOHANG, 0), -ECHILD);
    let_go();
    EXPECT_EQ(sc(SYS_wait4, 0, (long)&status, 0, 0), b); /* init's group */
    EXPECT_EQ(sc(SYS_wait4, 0, 0, WNOHANG, 0), -ECHILD); /* none left in it */
    EXPECT_EQ(sc(SYS_wait4, -a, (long)&status, 0, 0), a);
    EXPECT_EQ(status, 5 << 8);
    EXPECT_EQ(sc(SYS_wait4, -1, 0, WNOHANG, 0), -ECHILD);
    return 0;
}
T(wait_groups)

/* A blocked group wait wakes when a member exits, not for another child. */
static int exits_now(void *arg)
{
    (void)arg;
    return 9;
}

static int wait_group_blocks(void *arg)
{
    pid_t a, other;

    (void)arg;
    a = spawn(parked);
    EXPECT_EQ(sc(SYS_setpgid, a, a, 0, 0), 0);
    other = spawn_kernel_process("other", exits_now, NULL);
    EXPECT(other > 0);
    let_go(); /* a runs after other, both exit while init waits */
    EXPECT_EQ(sc(SYS_wait4, -a, 0, 0, 0), a);
    EXPECT_EQ(reap(other), 9 << 8);
    return 0;
}
T(wait_group_blocks)

/* ---- Ids and the hash ------------------------------------------------------ */

/* While group a lives (a member left in it), pid a is not given out. */
static int pgid_reserved(void *arg)
{
    pid_t a, b, n;

    (void)arg;
    a = spawn(parked);
    b = spawn(parked);
    EXPECT_EQ(sc(SYS_setpgid, a, a, 0, 0), 0);
    EXPECT_EQ(sc(SYS_setpgid, b, a, 0, 0), 0);
    EXPECT_EQ(sc(SYS_setpgid, a, 1, 0, 0), 0); /* a leaves; b keeps group a */
    EXPECT_EQ(process_kill(a, SIGKILL), 0);
    EXPECT_EQ(reap(a), SIGKILL);
    proc_set_next_pid(a);
    n = spawn(parked);
    EXPECT(n != a);
    EXPECT_EQ(sc(SYS_getpgid, b, 0, 0, 0), a);
    EXPECT_EQ(sc(SYS_setpgid, n, a, 0, 0), 0); /* a group without its leader */
    let_go();
    EXPECT_EQ(reap(b), 5 << 8);
    EXPECT_EQ(reap(n), 5 << 8);
    return 0;
}
T(pgid_reserved)

#define MANY 300

static int many_groups(void *arg)
{
    static pid_t pids[MANY];
    size_t before = heap_stats().bytes_in_use;

    (void)arg;
    for (int i = 0; i < MANY; i++) {
        pids[i] = spawn(parked_leader);
    }
    EXPECT_EQ(sched_check(), 0);
    for (int i = 0; i < MANY; i++) {
        EXPECT_EQ(sc(SYS_getpgid, pids[i], 0, 0, 0), pids[i]);
    }
    let_go();
    for (int i = 0; i < MANY; i++) {
        EXPECT_EQ(reap(pids[i]), 5 << 8);
    }
    proc_cache_trim();
    EXPECT_EQ(heap_stats().bytes_in_use, before);
    return 0;
}
T(many_groups)

#define TEST(fn) \
    cmocka_unit_test_setup_teardown(test_##fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(inherit),     TEST(setpgid_rules),     TEST(setpgid_grandchild),
        TEST(kill_group),  TEST(kill_zombie_group), TEST(kill_everyone),
        TEST(wait_groups), TEST(wait_group_blocks), TEST(pgid_reserved),
        TEST(many_groups),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
