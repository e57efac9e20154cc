/*
 * The per-process real-time interval timer: itimer.h.
 */
#include "itimer.h"

#include "kerrno.h"
#include "ksignal.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"

static struct process *owner(struct timer *t)
{
    return (struct process *)((char *)t -
                              __builtin_offsetof(struct process, alarm));
}

/* In the tick, timer_lock held: SIGALRM, and the next period. */
static void alarm_expired(struct timer *t)
{
    struct process *p = owner(t);
    struct sig_info info = {.code = KSI_KERNEL};

    if (p->alarm_interval != 0) {
        uint64_t next = t->expires > TIMER_NEVER - p->alarm_interval
                            ? TIMER_NEVER
                            : t->expires + p->alarm_interval;

        timer_arm_locked(t, next, alarm_expired);
    }
    spin_lock(&sched_lock);
    signal_send_info_locked(p, SIGALRM, &info);
    spin_unlock(&sched_lock);
}

/* The first tick at least n ticks' time from now (not the tick n ticks
 * on: that one is less than n ticks away, part of this tick has gone). */
static uint64_t first_tick_after(uint64_t n)
{
    uint64_t tick_ns = 1000000000ULL / timer_hz(), now = uptime_ns();

    if (n > (UINT64_MAX - now) / tick_ns) {
        return TIMER_NEVER;
    }
    return timer_ns_to_tick(now + n * tick_ns);
}

static uint64_t left_locked(const struct process *p)
{
    uint64_t now = timer_ticks();

    if (!p->alarm.armed) {
        return 0;
    }
    return p->alarm.expires > now ? p->alarm.expires - now : 1;
}

int itimer_set(uint64_t value, uint64_t interval, uint64_t *old_value,
               uint64_t *old_interval)
{
    struct process *p = proc_current();
    uint64_t left;

    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    p->alarm_used = true;
    spin_lock(&timer_lock);
    left = left_locked(p);
    if (old_interval != NULL) {
        *old_interval = left != 0 ? p->alarm_interval : 0;
    }
    (void)timer_cancel_locked(&p->alarm);
    p->alarm_interval = interval;
    if (value != 0) {
        timer_arm_locked(&p->alarm, first_tick_after(value), alarm_expired);
    }
    spin_unlock(&timer_lock);
    if (old_value != NULL) {
        *old_value = left;
    }
    return 0;
}

int itimer_get(uint64_t *value, uint64_t *interval)
{
    struct process *p = proc_current();

    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    spin_lock(&timer_lock);
    *value = left_locked(p);
    *interval = *value != 0 ? p->alarm_interval : 0;
    spin_unlock(&timer_lock);
    return 0;
}

void itimer_exit(struct process *p)
{
    if (!p->alarm_used) {
        return; /* the common case: never armed, no lock to take */
    }
    spin_lock(&timer_lock);
    (void)timer_cancel_locked(&p->alarm);
    p->alarm_interval = 0;
    spin_unlock(&timer_lock);
}
