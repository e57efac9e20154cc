/*
 * The tick counter, uptime, the clocks and the timer queue (timer.h,
 * docs/timers.md).
 *
 * ticks is written only by timer_tick (in the timer interrupt) and by the
 * host's timer_reset/timer_skip_to, and read anywhere: a 64-bit aligned
 * load is atomic on every port Kairos targets.
 *
 * The queue is a pairing heap under timer_lock.  next_expiry mirrors its
 * root's expiry (TIMER_NEVER when empty) so that the tick, which runs with
 * interrupts off, decides with one compare and no lock whether anything is
 * due; on one CPU nothing can arm a timer while the tick runs, since
 * arming holds timer_lock with interrupts off.  (More CPUs: read it under
 * the lock, or arm through an IPI.)
 */
#include "timer.h"

#include "arch.h"
#include "klog.h"
#include "kerrno.h"
#include "panic.h"
#include "proc.h"

struct spinlock timer_lock = SPINLOCK_INIT("timer");

static volatile uint64_t ticks; /* timer interrupts since timer_init */
static unsigned hz;             /* set once by timer_init */
static uint64_t boot_rtc_ns;    /* the real-time clock at timer_init */

static bool timer_less(const struct ph_node *a, const struct ph_node *b);

/* timer_lock guards these: */
static struct pairing_heap queue = {NULL, 0, timer_less};
static volatile uint64_t next_expiry = TIMER_NEVER; /* queue's least */
static uint64_t next_seq;                           /* arming order */
static uint64_t last_uptime; /* uptime_ns's floor (interrupts off) */

#define TIMER_OF(n) ((struct timer *)((char *)(n)-offsetof(struct timer, node)))

/* Earlier expiry first; equal expiries in arming order (seq never repeats). */
static bool timer_less(const struct ph_node *a, const struct ph_node *b)
{
    const struct timer *x = TIMER_OF(a), *y = TIMER_OF(b);

    return x->expires != y->expires ? x->expires < y->expires : x->seq < y->seq;
}

void timer_init(unsigned rate)
{
    hz = rate;
    boot_rtc_ns = arch_rtc_seconds() * 1000000000ULL;
    arch_timer_start(rate);
}

static void update_next_locked(void)
{
    struct ph_node *n = ph_min(&queue);

    next_expiry = n != NULL ? TIMER_OF(n)->expires : TIMER_NEVER;
}

/* Run every timer due at tick now, earliest (then first-armed) first.  Out
 * of line, so that a tick with nothing due needs no stack frame. */
__attribute__((noinline)) static void expire(uint64_t now)
{
    struct ph_node *n;

    spin_lock(&timer_lock);
    while ((n = ph_min(&queue)) != NULL && TIMER_OF(n)->expires <= now) {
        struct timer *t = TIMER_OF(ph_pop_min(&queue));

        t->armed = false;
        t->fn(t);
    }
    update_next_locked();
    spin_unlock(&timer_lock);
}

void timer_tick(void)
{
    uint64_t now = ticks + 1;

    ticks = now;
    if (__builtin_expect(now >= next_expiry, 0)) {
        expire(now);
    }
    sched_tick();
}

uint64_t timer_ticks(void)
{
    return ticks;
}

unsigned timer_hz(void)
{
    return hz;
}

uint64_t uptime_ns(void)
{
    uint64_t t, sub, ns;
    arch_irqstate_t s;

    if (hz == 0) {
        return 0;
    }
    s = arch_irq_save();
    /* Read ticks around the sub-tick count so the two agree. */
    do {
        t = ticks;
        sub = arch_timer_subtick_ns();
    } while (t != ticks);
    ns = t * (1000000000ULL / hz) + sub;
    /* The counter may wrap before its interrupt is taken (interrupts off,
     * or the tick pending), reading as the start of the old tick: never
     * let the clock run backwards. */
    if (ns < last_uptime) {
        ns = last_uptime;
    }
    last_uptime = ns;
    arch_irq_restore(s);
    return ns;
}

uint64_t realtime_ns(void)
{
    return boot_rtc_ns + uptime_ns();
}

uint64_t timer_boot_realtime_ns(void)
{
    return boot_rtc_ns;
}

uint64_t timer_ns_to_tick(uint64_t ns)
{
    uint64_t tick_ns = hz != 0 ? 1000000000ULL / hz : 1;

    if (ns == UINT64_MAX) {
        return TIMER_NEVER; /* the end of the clock (584 years): never */
    }
    return ns / tick_ns + (ns % tick_ns != 0 ? 1 : 0);
}

void timer_arm_locked(struct timer *t, uint64_t expires, timer_fn fn)
{
    KASSERT(holding(&timer_lock));
    KASSERT(!t->armed);
    t->expires = expires;
    t->seq = next_seq++;
    t->fn = fn;
    t->armed = true;
    ph_insert(&queue, &t->node);
    if (expires < next_expiry) {
        next_expiry = expires;
    }
}

bool timer_cancel_locked(struct timer *t)
{
    KASSERT(holding(&timer_lock));
    if (!t->armed) {
        return false;
    }
    ph_remove(&queue, &t->node);
    t->armed = false;
    update_next_locked();
    return true;
}

uint64_t timer_next_expiry(void)
{
    return next_expiry;
}

size_t timer_armed_count(void)
{
    size_t n;

    spin_lock(&timer_lock);
    n = queue.count;
    spin_unlock(&timer_lock);
    return n;
}

/* The sleeper's timer fired: its owner waits on the timer's address. */
static void sleep_expired(struct timer *t)
{
    wake_channel((wait_channel_t)t);
}

int sleep_until_tick(uint64_t expires)
{
    struct process *p = proc_current();
    struct timer *t;
    int err = 0;

    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    t = &p->sleep_timer;
    spin_lock(&timer_lock);
    if (expires > ticks) {
        timer_arm_locked(t, expires, sleep_expired);
    }
    /*
     * Woken by the expiry, which disarms first, or by kill (-EINTR: the
     * timer is still armed and must not fire for a sleep that is over).
     */
    while (t->armed && err == 0) {
        err = block_current_locked((wait_channel_t)t, &timer_lock);
    }
    if (err != 0) {
        timer_cancel_locked(t);
    }
    spin_unlock(&timer_lock);
    return err;
}

int sleep_ticks(uint64_t n)
{
    uint64_t now = ticks;

    if (proc_current() == NULL || proc_current()->idle) {
        return -EINVAL;
    }
    if (n > (uint64_t)INT64_MAX) {
        return -EINVAL; /* a negative count, converted */
    }
    if (n == 0) {
        yield_now();
        return 0;
    }
    return sleep_until_tick(now + n); /* now < 2^63 too: no overflow */
}

int timer_check(void)
{
    const char *err = NULL;
    struct ph_node *min;

    spin_lock(&timer_lock);
    min = ph_min(&queue);
    if (ph_check(&queue) != 0) {
        err = "heap invariant broken";
    } else if (next_expiry !=
               (min != NULL ? TIMER_OF(min)->expires : TIMER_NEVER)) {
        err = "cached next expiry is not the earliest";
    } else if (min != NULL && !TIMER_OF(min)->armed) {
        err = "queued timer not armed";
    }
    spin_unlock(&timer_lock);
    if (err != NULL) {
        kprintf("timer_check: %s\n", err);
        return -EINVAL;
    }
    return 0;
}

void timer_reset(unsigned rate)
{
    spin_lock(&timer_lock);
    ph_init(&queue, timer_less);
    next_expiry = TIMER_NEVER;
    next_seq = 0;
    last_uptime = 0;
    ticks = 0;
    spin_unlock(&timer_lock);
    timer_init(rate);
}

void timer_skip_to(uint64_t tick)
{
    KASSERT(tick >= ticks);
    ticks = tick;
}
