/*
 * alarm, setitimer/getitimer (ITIMER_REAL) and pause: SIGALRM on time,
 * what the calls report back, the default action, and fork's child
 * starting without the parent's timer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

static volatile sig_atomic_t alarms, alarm_code_kernel;

static void on_alrm(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    alarms += sig == SIGALRM;
    alarm_code_kernel = info->si_code == SI_KERNEL;
}

static void catch_alrm(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_alrm;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGALRM, &sa, NULL) != 0) {
        ut_fail("sigaction(SIGALRM)");
    }
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* alarm(1) then pause: the handler runs (SI_KERNEL, as Linux), pause
 * returns -EINTR, and not before the second has passed. */
void t_alarm_fires(void)
{
    long t0;

    catch_alrm();
    t0 = now_ms();
    ut_expect(SCN(SYS_alarm, 1), 0, "alarm(1) with none armed");
    ut_expect(SCN(SYS_pause), -EINTR, "pause until SIGALRM");
    ut_expect(alarms, 1, "SIGALRM handlers run");
    ut_expect(alarm_code_kernel, 1, "si_code SI_KERNEL");
    if (now_ms() - t0 < 1000) {
        ut_fail("SIGALRM after %ld ms, before the second", now_ms() - t0);
    }
    ut_expect(SCN(SYS_alarm, 0), 0, "alarm(0) after it fired");
}

/* alarm returns the seconds the previous one had left; alarm(0) cancels,
 * so no SIGALRM comes (getitimer shows none armed). */
void t_alarm_remaining(void)
{
    struct itimerval cur;

    catch_alrm();
    ut_expect(SCN(SYS_alarm, 50), 0, "the first alarm");
    ut_expect(SCN(SYS_alarm, 30), 50, "the second: the first's 50 s left");
    ut_expect(SCN(SYS_getitimer, ITIMER_REAL, &cur), 0, "getitimer");
    if (cur.it_value.tv_sec < 29 || cur.it_value.tv_sec > 30 ||
        cur.it_interval.tv_sec != 0 || cur.it_interval.tv_usec != 0) {
        ut_fail("getitimer: %ld.%06ld s left, interval %ld.%06ld",
                (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec,
                (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
    }
    ut_expect(SCN(SYS_alarm, 0), 30, "alarm(0): 30 s were left");
    ut_expect(SCN(SYS_getitimer, ITIMER_REAL, &cur), 0, "getitimer");
    ut_expect(cur.it_value.tv_sec | cur.it_value.tv_usec, 0,
              "nothing armed after alarm(0)");
    ut_expect(alarms, 0, "no SIGALRM from a cancelled alarm");
}

/* An interval timer fires again and again; setitimer's old value is the
 * timer it replaced; a zero value disarms it. */
void t_setitimer_interval(void)
{
    struct itimerval every = {{0, 20000}, {0, 20000}}, old, off = {0};
    sigset_t none;

    catch_alrm();
    sigemptyset(&none);
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, &every, &old), 0, "setitimer");
    ut_expect(old.it_value.tv_sec | old.it_value.tv_usec, 0,
              "the old value: none armed");
    while (alarms < 3) {
        sigsuspend(&none); /* each SIGALRM ends one */
    }
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, &off, &old), 0,
              "setitimer(0) disarms");
    ut_expect(old.it_interval.tv_sec, 0, "the old interval's seconds");
    ut_expect(old.it_interval.tv_usec, 20000, "the old interval: 20 ms");
    if (old.it_value.tv_sec != 0 || old.it_value.tv_usec <= 0 ||
        old.it_value.tv_usec > 20000) {
        ut_fail("the old value %ld.%06ld, not within one interval",
                (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
    }
}

/* Bad which, bad times, bad pointers: refused, nothing armed. */
void t_itimer_errors(void)
{
    struct itimerval bad = {{0, 0}, {0, 1000000}}, neg = {{0, 0}, {-1, 0}};
    struct itimerval ok = {{0, 0}, {5, 0}}, cur;

    ut_expect(SCN(SYS_setitimer, 7, &ok, NULL), -EINVAL, "which 7");
    ut_expect(SCN(SYS_getitimer, 7, &cur), -EINVAL, "getitimer(7)");
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, &bad, NULL), -EINVAL,
              "tv_usec 1000000");
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, &neg, NULL), -EINVAL,
              "a negative time");
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, (void *)8, NULL), -EFAULT,
              "a bad new pointer");
    ut_expect(SCN(SYS_setitimer, ITIMER_REAL, &ok, (void *)8), -EFAULT,
              "a bad old pointer");
    ut_expect(SCN(SYS_getitimer, ITIMER_REAL, (void *)8), -EFAULT,
              "getitimer to a bad pointer");
    ut_expect(SCN(SYS_getitimer, ITIMER_REAL, &cur), 0, "getitimer");
    if (ut_on_kairos) { /* Linux arms the timer, then fails on old */
        ut_expect(cur.it_value.tv_sec | cur.it_value.tv_usec, 0,
                  "nothing armed by the refused calls");
    }
}

/* SIGALRM's default action ends the process (the case expects it). */
void t_alarm_default_kills(void)
{
    SCN(SYS_alarm, 1);
    for (;;) {
        SCN(SYS_pause);
    }
}

/* fork's child has no timer; the parent's goes on. */
void t_alarm_not_inherited(void)
{
    long pid;

    ut_expect(SCN(SYS_alarm, 40), 0, "the parent's alarm");
    pid = SCN(SYS_fork);
    if (pid == 0) {
        struct itimerval cur;

        SC(SYS_getitimer, ITIMER_REAL, &cur);
        _exit(cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the child: no timer armed");
    if (SCN(SYS_alarm, 0) < 39) {
        ut_fail("the parent's alarm was lost");
    }
}
