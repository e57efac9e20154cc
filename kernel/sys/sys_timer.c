/*
 * alarm, setitimer, getitimer and pause (docs/timers.md, "Alarms"): the
 * real-time interval timer of itimer.h in Linux's units.  Only
 * ITIMER_REAL exists: the virtual and profiling timers (CPU time) are
 * -EINVAL.  Values are rounded up to whole ticks (never early) and
 * reported back in microseconds of those ticks.
 */
#include "handlers.h"

#include "itimer.h"
#include "kerrno.h"
#include "ksignal.h"
#include "proc.h"
#include "timer.h"
#include "uaccess.h"

#define ITIMER_REAL  0
#define USEC_PER_SEC 1000000ULL

struct ktimeval {
    int64_t tv_sec, tv_usec;
};

struct kitimerval {
    struct ktimeval interval, value;
};

static uint64_t usec_per_tick(void)
{
    return USEC_PER_SEC / timer_hz();
}

/* tv as ticks, rounded up: 0 or -EINVAL (negative, or tv_usec outside
 * 0..999,999, as Linux). */
static int to_ticks(const struct ktimeval *tv, uint64_t *ticks)
{
    uint64_t us, step = usec_per_tick();

    if (tv->tv_sec < 0 || tv->tv_usec < 0 ||
        tv->tv_usec >= (int64_t)USEC_PER_SEC) {
        return -EINVAL;
    }
    if ((uint64_t)tv->tv_sec > (UINT64_MAX - USEC_PER_SEC) / USEC_PER_SEC) {
        *ticks = TIMER_NEVER; /* centuries: never, in effect */
        return 0;
    }
    us = (uint64_t)tv->tv_sec * USEC_PER_SEC + (uint64_t)tv->tv_usec;
    *ticks = (us + step - 1) / step;
    return 0;
}

static struct ktimeval to_timeval(uint64_t ticks)
{
    uint64_t us = ticks * usec_per_tick();

    return (struct ktimeval){(int64_t)(us / USEC_PER_SEC),
                             (int64_t)(us % USEC_PER_SEC)};
}

/* alarm(seconds): SIGALRM in that many seconds (0: none); the seconds
 * the previous one had left, rounded to the nearest (at least 1 while it
 * was armed), as Linux. */
long sys_alarm(const long arg[6])
{
    struct ktimeval tv = {(int64_t)(unsigned)arg[0], 0};
    uint64_t ticks, left;
    struct ktimeval old;

    (void)to_ticks(&tv, &ticks); /* an unsigned count: always valid */
    if (itimer_set(ticks, 0, &left, NULL) != 0) {
        return -EINVAL;
    }
    old = to_timeval(left);
    if (left == 0) {
        return 0;
    }
    return old.tv_sec + (old.tv_usec >= 500000 || old.tv_sec == 0);
}

/* getitimer(which, curr): ITIMER_REAL only (else -EINVAL); -EFAULT. */
long sys_getitimer(const long arg[6])
{
    struct kitimerval cur;
    uint64_t value, interval;

    if ((int)arg[0] != ITIMER_REAL) {
        return -EINVAL;
    }
    if (itimer_get(&value, &interval) != 0) {
        return -EINVAL;
    }
    cur = (struct kitimerval){to_timeval(interval), to_timeval(value)};
    return copy_to_caller((void *)arg[1], &cur, sizeof(cur)) != 0 ? -EFAULT : 0;
}

/*
 * setitimer(which, new, old): ITIMER_REAL only; new NULL disarms (as
 * Linux, which warns about it); old, when not NULL, gets what was set.
 * Nothing changes on an error (-EINVAL, -EFAULT): old is checked
 * writable first.
 */
long sys_setitimer(const long arg[6])
{
    const void *newp = (const void *)arg[1];
    void *oldp = (void *)arg[2];
    struct kitimerval want = {{0, 0}, {0, 0}}, old;
    uint64_t value, interval, old_value, old_interval;
    int err;

    if ((int)arg[0] != ITIMER_REAL) {
        return -EINVAL;
    }
    if (newp != NULL && copy_from_caller(&want, newp, sizeof(want)) != 0) {
        return -EFAULT;
    }
    err = to_ticks(&want.value, &value);
    if (err == 0) {
        err = to_ticks(&want.interval, &interval);
    }
    if (err != 0) {
        return err;
    }
    if (oldp != NULL && check_caller_writable(oldp, sizeof(old)) != 0) {
        return -EFAULT;
    }
    if (itimer_set(value, value != 0 ? interval : 0, &old_value,
                   &old_interval) != 0) {
        return -EINVAL;
    }
    if (oldp != NULL) {
        old = (struct kitimerval){to_timeval(old_interval),
                                  to_timeval(old_value)};
        (void)copy_to_caller(oldp, &old, sizeof(old)); /* checked */
    }
    return 0;
}

/* pause(): sleep until a signal is delivered; always -EINTR (or the
 * process ends). */
long sys_pause(const long arg[6])
{
    (void)arg;
    return signal_suspend(proc_current()->sig_blocked);
}
