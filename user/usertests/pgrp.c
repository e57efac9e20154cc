/*
 * Process groups and sessions, kill to a group, wait4 for a group and
 * with WNOHANG (docs/process.md, docs/signals.md).  Children put
 * themselves in groups (setpgid from the parent would be -EACCES on Linux
 * once the child has exec'd, which posix_spawn's has), and the parent
 * polls getpgid until they have: a bounded wait for a condition.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "ut.h"

extern char **environ;

#define POLL_MS  10
#define POLL_MAX 500 /* 5 s: far more than a spawn takes */
#define LONG_NAP 30  /* seconds a member sleeps unless killed */

static void nap_ms(long ms)
{
    struct timespec t = {0, ms * 1000 * 1000};

    SCN(SYS_nanosleep, &t, 0);
}

static void nap_long(void)
{
    struct timespec t = {LONG_NAP, 0};

    SCN(SYS_nanosleep, &t, 0);
}

/* Helpers: lead a new group, or join group argv[2], then sleep. */
void t_pgrp_leader(void)
{
    ut_expect(SCN(SYS_setpgid, 0, 0), 0, "setpgid(0, 0)");
    nap_long();
}

void t_pgrp_join(void)
{
    long pgid = ut_argc > 2 ? atol(ut_argv[2]) : -1;

    ut_expect(SCN(SYS_setpgid, 0, pgid), 0, "setpgid(0, pgid)");
    nap_long();
}

void t_sleeper(void)
{
    nap_long();
}

/* Wait (bounded) until pid is in group pgid. */
static void await_group(long pid, long pgid)
{
    for (int i = 0; i < POLL_MAX; i++) {
        if (SCN(SYS_getpgid, pid) == pgid) {
            return;
        }
        nap_ms(POLL_MS);
    }
    ut_fail("pid %ld never joined group %ld", pid, pgid);
}

static long spawn(const char *name, char *const extra[])
{
    long pid = ut_spawn_self(name, extra, environ);

    if (pid <= 0) {
        ut_fail("spawn(%s) gave %ld", name, pid);
    }
    return pid;
}

static void expect_killed(long pid, int sig)
{
    int status = ut_wait(pid);

    if (!WIFSIGNALED(status) || WTERMSIG(status) != sig) {
        ut_fail("pid %ld ended with status %#x, expected signal %d", pid,
                status, sig);
    }
}

/* Ids, and setpgid/setsid's refusals. */
void t_groups(void)
{
    long pg = SCN(SYS_getpgid, 0), self = SCN(SYS_getpid);

    if (pg <= 0 || SCN(SYS_getsid, 0) <= 0) {
        ut_fail("getpgid(0) %ld, getsid(0) %ld", pg, SC(SYS_getsid, 0));
    }
    ut_expect(SCN(SYS_getpgrp), pg, "getpgrp()");
    ut_expect(SCN(SYS_getpgid, self), pg, "getpgid(getpid())");
    ut_expect(SCN(SYS_getpgid, -1), -ESRCH, "getpgid(-1)");
    ut_expect(SCN(SYS_getsid, -1), -ESRCH, "getsid(-1)");
    ut_expect(SCN(SYS_getpgid, 0x7ffffff0), -ESRCH, "getpgid(unused pid)");
    ut_expect(SCN(SYS_setpgid, 0, -1), -EINVAL, "setpgid(0, -1)");
    ut_expect(SCN(SYS_setpgid, 0x7ffffff0, 0), -ESRCH, "setpgid(unused pid)");
    ut_expect(SCN(SYS_setpgid, 0, 0x7ffffff0), -EPERM,
              "setpgid(0, a group that does not exist)");
    ut_expect(SCN(SYS_setpgid, 0, 0), 0, "setpgid(0, 0)");
    ut_expect(SCN(SYS_getpgid, 0), self, "getpgid(0) after setpgid(0, 0)");
    ut_expect(SCN(SYS_setsid), -EPERM, "setsid() as a group leader");
    ut_expect(SCN(SYS_setpgid, 0, pg), 0, "setpgid back to the old group");
    ut_expect(SCN(SYS_getpgid, 0), pg, "getpgid(0) back");
}

/* Helper: a new session; its ids; what a session leader may not do. */
void t_setsid_child(void)
{
    long self = SCN(SYS_getpid);

    ut_expect(SCN(SYS_setsid), self, "setsid()");
    ut_expect(SCN(SYS_getsid, 0), self, "getsid(0)");
    ut_expect(SCN(SYS_getpgid, 0), self, "getpgid(0)");
    ut_expect(SCN(SYS_setsid), -EPERM, "a second setsid()");
    ut_expect(SCN(SYS_setpgid, 0, 0), -EPERM, "setpgid by a session leader");
}

void t_setsid(void)
{
    long pid = spawn("setsid_child", NULL);

    ut_expect(ut_wait(pid), 0, "the setsid child's status");
}

/* kill(-pgid) ends both members of a group and spares the rest. */
void t_kill_group(void)
{
    char arg[24];
    char *extra[] = {arg, NULL};
    long a, b, c;
    int status = -1;

    a = spawn("pgrp_leader", NULL);
    await_group(a, a);
    snprintf(arg, sizeof(arg), "%ld", a);
    b = spawn("pgrp_join", extra);
    await_group(b, a);
    c = spawn("sleeper", NULL);
    ut_expect(SCN(SYS_kill, -a, 0), 0, "kill(-pgid, 0): the group exists");
    ut_expect(SCN(SYS_kill, -a, SIGTERM), 0, "kill(-pgid, SIGTERM)");
    expect_killed(a, SIGTERM);
    expect_killed(b, SIGTERM);
    ut_expect(SCN(SYS_kill, -a, 0), -ESRCH, "kill(-pgid) once it is gone");
    ut_expect(SCN(SYS_wait4, c, &status, WNOHANG, 0), 0,
              "wait4(other child, WNOHANG): spared");
    ut_expect(SCN(SYS_kill, c, SIGKILL), 0, "kill(other child)");
    expect_killed(c, SIGKILL);
    ut_expect(SCN(SYS_kill, 0x7ffffff0, 0), -ESRCH, "kill(unused pid)");
    ut_expect(SCN(SYS_kill, -0x7ffffff0, 0), -ESRCH, "kill(-unused group)");
}

/* WNOHANG: 0 while a child runs, by pid, group and -1; then its status. */
void t_wait_nohang(void)
{
    long rusage[18];
    long pid = spawn("sleeper", NULL), r = 0;
    int status = 12345;

    ut_expect(SCN(SYS_wait4, pid, &status, WNOHANG, 0), 0, "WNOHANG by pid");
    ut_expect(status, 12345, "status untouched by a 0 return");
    ut_expect(SCN(SYS_wait4, 0, &status, WNOHANG, 0), 0, "WNOHANG, group 0");
    ut_expect(SCN(SYS_wait4, -1, &status, WNOHANG, 0), 0, "WNOHANG, any");
    ut_expect(SCN(SYS_wait4, -0x7ffffff0, &status, WNOHANG, 0), -ECHILD,
              "WNOHANG, a group with no child");
    ut_expect(SCN(SYS_wait4, pid, &status, 4, 0), -EINVAL, "options 4");
    ut_expect(SCN(SYS_kill, pid, SIGKILL), 0, "kill(sleeper)");
    expect_killed(pid, SIGKILL);
    pid = spawn("exit0", NULL);
    for (int i = 0; i < POLL_MAX && r == 0; i++) {
        memset(rusage, 0x55, sizeof(rusage));
        r = SCN(SYS_wait4, pid, &status, WNOHANG, rusage);
        if (r == 0) {
            nap_ms(POLL_MS);
        }
    }
    ut_expect(r, pid, "WNOHANG once it has exited");
    ut_expect(status, 0, "its status");
    for (size_t i = 0; ut_on_kairos && i < 18; i++) {
        ut_expect(rusage[i], 0, "rusage (Kairos keeps none: zeroed)");
    }
    ut_expect(SCN(SYS_wait4, -1, &status, WNOHANG, 0), -ECHILD,
              "WNOHANG with no children");
}

/* wait4(-pgid) reaps only that group's child; wait4(0) only ours. */
void t_wait_group(void)
{
    long g = spawn("pgrp_leader", NULL), o;
    int status;

    await_group(g, g);
    o = spawn("exit0", NULL);
    ut_expect(SCN(SYS_wait4, 0, &status, 0, 0), o, "wait4(0): our group's");
    ut_expect(SCN(SYS_wait4, 0, &status, WNOHANG, 0), -ECHILD,
              "wait4(0) with only another group's child");
    ut_expect(SCN(SYS_wait4, -g, &status, WNOHANG, 0), 0,
              "wait4(-pgid, WNOHANG) while it sleeps");
    ut_expect(SCN(SYS_kill, g, SIGTERM), 0, "kill(member)");
    ut_expect(SCN(SYS_wait4, -g, &status, 0, 0), g, "wait4(-pgid)");
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM) {
        ut_fail("the member's status is %#x", status);
    }
}

/* setpgid on a child: allowed until it calls execve, then -EACCES (a
 * spawned child has exec'd, as posix_spawn's has). */
void t_setpgid_exec(void)
{
    char *argv[] = {(char *)ut_self, "sleeper", NULL};
    long pid = SCN(SYS_fork);

    if (pid == 0) {
        nap_long();
        SC(SYS_exit, 0);
    }
    ut_expect(pid > 0, 1, "fork");
    ut_expect(SCN(SYS_setpgid, pid, pid), 0, "setpgid(forked child)");
    ut_expect(SCN(SYS_getpgid, pid), pid, "its new group");
    ut_expect(SCN(SYS_kill, pid, SIGKILL), 0, "kill(forked child)");
    expect_killed(pid, SIGKILL);
    pid = SCN(SYS_vfork); /* back here once the child has exec'd */
    if (pid == 0) {
        SC(SYS_execve, ut_self, argv, environ);
        SC(SYS_exit, 99);
    }
    ut_expect(SCN(SYS_setpgid, pid, pid), -EACCES, "setpgid(exec'd child)");
    ut_expect(SCN(SYS_getpgid, pid), SCN(SYS_getpgid, 0), "its group kept");
    ut_expect(SCN(SYS_kill, pid, SIGKILL), 0, "kill(exec'd child)");
    expect_killed(pid, SIGKILL);
    pid = spawn("sleeper", NULL);
    ut_expect(SCN(SYS_setpgid, pid, pid), -EACCES, "setpgid(spawned child)");
    ut_expect(SCN(SYS_kill, pid, SIGKILL), 0, "kill(spawned child)");
    expect_killed(pid, SIGKILL);
}

/* getpriority's raw value: 20 - nice. */
static long prio(int which, long who)
{
    return SCN(SYS_getpriority, which, who);
}

/* PRIO_PGRP: the group's highest priority (lowest nice); setting reaches
 * every member and no one else.  Nices only rise from ours (n), which
 * Linux allows any user. */
void t_prio_pgrp(void)
{
    char arg[24];
    char *extra[] = {arg, NULL};
    long a, b, self, n;

    ut_expect(SCN(SYS_setpgid, 0, 0), 0, "setpgid(0, 0): a group of one");
    ut_expect(prio(PRIO_PGRP, 0), prio(PRIO_PROCESS, 0), "our group's = ours");
    self = prio(PRIO_PROCESS, 0);
    n = 20 - self;
    if (n > 8) {
        ut_fail("our nice is %ld: no room to raise it by 11", n);
    }
    a = spawn("pgrp_leader", NULL);
    await_group(a, a);
    snprintf(arg, sizeof(arg), "%ld", a);
    b = spawn("pgrp_join", extra);
    await_group(b, a);
    ut_expect(SCN(SYS_setpriority, PRIO_PROCESS, a, n + 5), 0, "nice(a) n+5");
    ut_expect(SCN(SYS_setpriority, PRIO_PROCESS, b, n + 7), 0, "nice(b) n+7");
    ut_expect(prio(PRIO_PGRP, a), self - 5, "the group's: a's, the lowest");
    ut_expect(SCN(SYS_setpriority, PRIO_PGRP, a, n + 9), 0,
              "setpriority(group, n+9)");
    ut_expect(prio(PRIO_PROCESS, a), self - 9, "a's after it");
    ut_expect(prio(PRIO_PROCESS, b), self - 9, "b's after it");
    ut_expect(prio(PRIO_PROCESS, 0), self, "ours untouched");
    ut_expect(SCN(SYS_setpriority, PRIO_PROCESS, b, n + 11), 0, "nice(b) n+11");
    ut_expect(prio(PRIO_PGRP, a), self - 9, "the group's: a's again");
    ut_expect(prio(PRIO_PGRP, 0x7ffffff0), -ESRCH, "an unused group");
    ut_expect(prio(PRIO_PGRP, -1), -ESRCH, "group -1");
    ut_expect(SCN(SYS_setpriority, PRIO_PGRP, 0x7ffffff0, 12), -ESRCH,
              "setpriority(unused group)");
    ut_expect(prio(3, 0), -EINVAL, "which 3");
    ut_expect(SCN(SYS_setpriority, 3, 0, 12), -EINVAL, "setpriority(which 3)");
    if (prio(PRIO_USER, 0) < self) {
        ut_fail("PRIO_USER 0 (ours) gave %ld, below our own %ld",
                prio(PRIO_USER, 0), self);
    }
    ut_expect(prio(PRIO_USER, 12345), -ESRCH, "a uid with no processes");
    ut_expect(SCN(SYS_setpriority, PRIO_USER, 12345, 12), -ESRCH,
              "setpriority(a uid with no processes)");
    ut_expect(SCN(SYS_kill, -a, SIGKILL), 0, "kill(-group)");
    expect_killed(a, SIGKILL);
    expect_killed(b, SIGKILL);
}
