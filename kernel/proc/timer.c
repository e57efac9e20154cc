/*
 * The tick counter, uptime, the clocks and the timer queue (timer.h,
 * docs/timers.md).
 *
 * ticks is written only by timer_tick (in the timer interrupt) and by the
 * host's timer_reset/timer_skip_to, and read anywhere: a 64-bit aligned
 * load is atomic on every port Kairos targets.
 *
 * The queue, under timer_lock, has two parts.  Timers due within the next
 * WHEEL_SLOTS ticks are near: each is on the list of the wheel slot of
 * its own tick (tick mod WHEEL_SLOTS; a slot holds one tick's timers at a
 * time, kept in (expiry, arming) order), and a bitmap marks the slots in
 * use, so arming is O(1) and so is each expiry.  Later ones are far: a
 * pairing heap (O(1) insert, O(log n) amortised removal) from which each
 * moves into the wheel, once, when its tick comes within reach.  The tick
 * compares the tick count with next_event (the first tick with a slot to
 * run or a far timer to move; TIMER_NEVER for none): one compare and no
 * lock when nothing is due.  On one CPU nothing can arm a timer while the
 * tick runs, since arming holds timer_lock with interrupts off.  (More
 * CPUs: read it under the lock, or arm through an IPI.)
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

#define WHEEL_SLOTS 256 /* ticks the wheel reaches ahead (a power of two) */
#define WHEEL_WORDS (WHEEL_SLOTS / 64)

/* timer_lock guards these: */
static struct pairing_heap far = {NULL, 0, timer_less}; /* far timers */
static struct list wheel[WHEEL_SLOTS];             /* near timers by tick */
static uint64_t used[WHEEL_WORDS];                 /* slots with a timer */
static size_t nnear;                               /* timers in the wheel */
static volatile uint64_t next_event = TIMER_NEVER; /* see the top */
static uint64_t next_seq;                          /* arming order */
static uint64_t last_uptime; /* uptime_ns's floor (interrupts off) */

#define TIMER_OF(n) ((struct timer *)((char *)(n)-offsetof(struct timer, node)))

/* Earlier expiry first; equal expiries in arming order (seq never repeats). */
static bool timer_less(const struct ph_node *a, const struct ph_node *b)
{
    const struct timer *x = TIMER_OF(a), *y = TIMER_OF(b);

    return x->expires != y->expires ? x->expires < y->expires : x->seq < y->seq;
}

/* Empty the wheel (its lists start unlinked: static storage). */
static void wheel_init_locked(void)
{
    for (size_t i = 0; i < WHEEL_SLOTS; i++) {
        list_init(&wheel[i]);
    }
    for (size_t i = 0; i < WHEEL_WORDS; i++) {
        used[i] = 0;
    }
    nnear = 0;
}

void timer_init(unsigned rate)
{
    spin_lock(&timer_lock);
    if (wheel[0].next == NULL) {
        wheel_init_locked();
    }
    spin_unlock(&timer_lock);
    hz = rate;
    boot_rtc_ns = arch_rtc_seconds() * 1000000000ULL;
    arch_timer_start(rate);
}

/* The first slot in use at or after tick from (within the wheel's reach),
 * as a tick; TIMER_NEVER if none.  O(WHEEL_WORDS). */
static uint64_t first_used_tick(uint64_t from)
{
    size_t s = from % WHEEL_SLOTS;

    for (size_t k = 0; k <= WHEEL_WORDS; k++) {
        size_t w = (s / 64 + k) % WHEEL_WORDS;
        uint64_t bits = used[w];

        if (k == 0) {
            bits &= ~0ULL << (s % 64); /* from s on */
        } else if (k == WHEEL_WORDS) {
            bits &= (s % 64) != 0 ? ~(~0ULL << (s % 64)) : 0; /* wrapped */
        }
        if (bits != 0) {
            size_t slot = w * 64 + (size_t)__builtin_ctzll(bits);

            return from + ((slot - s) & (WHEEL_SLOTS - 1));
        }
    }
    return TIMER_NEVER;
}

/* The tick a far timer moves into the wheel: when it comes within reach. */
static uint64_t move_tick(uint64_t expires)
{
    return expires >= WHEEL_SLOTS ? expires - (WHEEL_SLOTS - 1) : 0;
}

static void update_next_locked(void)
{
    struct ph_node *n = ph_min(&far);
    uint64_t e = nnear > 0 ? first_used_tick(ticks + 1) : TIMER_NEVER;

    if (n != NULL && move_tick(TIMER_OF(n)->expires) < e) {
        e = move_tick(TIMER_OF(n)->expires);
    }
    next_event = e;
}

/*
 * Into the wheel at the slot of its tick (a timer already due goes to the
 * next tick's), in (expiry, seq) order: from the tail, which is where a
 * new timer belongs unless it is already due, so O(1) but then.
 */
static void wheel_add_locked(struct timer *t, uint64_t now)
{
    uint64_t tick = t->expires > now ? t->expires : now + 1;
    size_t slot = tick % WHEEL_SLOTS;
    struct list *at = wheel[slot].prev;

    while (at != &wheel[slot] &&
           timer_less(&t->node, &list_entry(at, struct timer, link)->node)) {
        at = at->prev;
    }
    list_insert_between(&t->link, at, at->next);
    used[slot / 64] |= 1ULL << (slot % 64);
    t->slot = (uint16_t)slot;
    t->near = true;
    nnear++;
}

/* Far timers whose tick is within reach of now move into the wheel. */
static void move_near_locked(uint64_t now)
{
    struct ph_node *n;

    while ((n = ph_min(&far)) != NULL &&
           TIMER_OF(n)->expires < now + WHEEL_SLOTS) {
        wheel_add_locked(TIMER_OF(ph_pop_min(&far)), now - 1);
    }
}

/* Run every timer due at tick now, earliest (then first-armed) first.  Out
 * of line, so that a tick with nothing due needs no stack frame. */
__attribute__((noinline)) static void expire(uint64_t now)
{
    size_t slot = now % WHEEL_SLOTS;
    struct list *l;

    spin_lock(&timer_lock);
    move_near_locked(now);
    while ((l = list_pop_front(&wheel[slot])) != NULL) {
        struct timer *t = list_entry(l, struct timer, link);

        nnear--;
        t->armed = false;
        t->near = false;
        t->fn(t);
    }
    used[slot / 64] &= ~(1ULL << (slot % 64));
    update_next_locked();
    spin_unlock(&timer_lock);
}

void timer_tick(void)
{
    uint64_t now = ticks + 1;

    ticks = now;
    if (__builtin_expect(now >= next_event, 0)) {
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
    uint64_t now = ticks;

    KASSERT(holding(&timer_lock));
    KASSERT(!t->armed);
    t->expires = expires;
    t->seq = next_seq++;
    t->fn = fn;
    t->armed = true;
    if (expires < now + WHEEL_SLOTS) {
        wheel_add_locked(t, now);
        uint64_t tick = expires > now ? expires : now + 1;

        if (tick < next_event) {
            next_event = tick;
        }
    } else {
        t->near = false;
        ph_insert(&far, &t->node);
        if (move_tick(expires) < next_event) {
            next_event = move_tick(expires);
        }
    }
}

bool timer_cancel_locked(struct timer *t)
{
    KASSERT(holding(&timer_lock));
    if (!t->armed) {
        return false;
    }
    if (t->near) {
        list_remove(&t->link);
        nnear--;
        if (list_empty(&wheel[t->slot])) {
            used[t->slot / 64] &= ~(1ULL << (t->slot % 64));
        }
        t->near = false;
    } else {
        ph_remove(&far, &t->node);
    }
    t->armed = false;
    update_next_locked();
    return true;
}

uint64_t timer_next_expiry(void)
{
    uint64_t e = TIMER_NEVER;
    struct ph_node *n;

    spin_lock(&timer_lock);
    n = ph_min(&far);
    if (nnear > 0) {
        struct list *l = &wheel[first_used_tick(ticks + 1) % WHEEL_SLOTS];

        e = list_entry(l->next, struct timer, link)->expires;
        e = e > ticks ? e : ticks + 1;
    }
    if (n != NULL && TIMER_OF(n)->expires < e) {
        e = TIMER_OF(n)->expires;
    }
    spin_unlock(&timer_lock);
    return e;
}

size_t timer_armed_count(void)
{
    size_t n;

    spin_lock(&timer_lock);
    n = far.count + nnear;
    spin_unlock(&timer_lock);
    return n;
}

void timer_dump(void)
{
    struct ph_node *min;

    spin_lock(&timer_lock);
    kprintf("timers: %lu in the wheel, %lu far, tick %lu, next event %lu\n",
            (unsigned long)nnear, (unsigned long)far.count,
            (unsigned long)ticks, (unsigned long)next_event);
    for (size_t s = 0; s < WHEEL_SLOTS; s++) {
        struct list *l;

        list_for_each(l, &wheel[s])
        {
            const struct timer *t = list_entry(l, struct timer, link);

            kprintf("  wheel slot %lu: timer %p expires %lu fn %p\n",
                    (unsigned long)s, (const void *)t,
                    (unsigned long)t->expires, (void *)t->fn);
        }
    }
    min = ph_min(&far);
    if (min != NULL) {
        kprintf("  far, earliest: timer %p expires %lu fn %p\n",
                (void *)TIMER_OF(min), (unsigned long)TIMER_OF(min)->expires,
                (void *)TIMER_OF(min)->fn);
    }
    spin_unlock(&timer_lock);
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

/* Every wheel timer in its tick's slot, in order, armed and counted. */
static const char *check_wheel_locked(void)
{
    size_t n = 0;

    for (size_t s = 0; s < WHEEL_SLOTS; s++) {
        const struct timer *prev = NULL;
        struct list *l;

        if (!list_empty(&wheel[s]) != !!(used[s / 64] & (1ULL << (s % 64)))) {
            return "wheel bitmap does not match its slots";
        }
        list_for_each(l, &wheel[s])
        {
            const struct timer *t = list_entry(l, struct timer, link);

            if (!t->armed || !t->near || t->slot != s) {
                return "wheel timer not armed, or in another slot";
            }
            if (t->expires > ticks && t->expires % WHEEL_SLOTS != s) {
                return "wheel timer in another tick's slot";
            }
            if (t->expires >= ticks + WHEEL_SLOTS) {
                return "wheel timer out of reach";
            }
            if (prev != NULL && timer_less(&t->node, &prev->node)) {
                return "wheel slot out of order";
            }
            prev = t;
            n++;
        }
    }
    return n != nnear ? "wheel count wrong" : NULL;
}

int timer_check(void)
{
    const char *err = NULL;
    struct ph_node *min;
    uint64_t next_before;

    spin_lock(&timer_lock);
    min = ph_min(&far);
    next_before = next_event;
    if (ph_check(&far) != 0) {
        err = "heap invariant broken";
    } else if (min != NULL && !TIMER_OF(min)->armed) {
        err = "queued timer not armed";
    } else if (min != NULL && TIMER_OF(min)->expires < ticks + WHEEL_SLOTS &&
               move_tick(TIMER_OF(min)->expires) > ticks) {
        err = "far timer within reach not moved";
    } else {
        err = check_wheel_locked();
    }
    if (err == NULL) {
        update_next_locked();
        if (next_event > next_before) {
            err = "cached next event later than the earliest";
        }
        next_event = next_before;
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
    ph_init(&far, timer_less);
    wheel_init_locked();
    next_event = TIMER_NEVER;
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
