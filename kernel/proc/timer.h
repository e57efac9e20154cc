/*
 * Time: the tick counter the periodic timer drives, uptime, the clocks,
 * and the timer queue behind sleep (docs/timers.md).
 *
 * A struct timer lives in its owner's structure (struct process has one
 * for sleeping), so arming never allocates and never fails.  Armed timers
 * wait in one pairing heap keyed by (expiry tick, arming order): arm is
 * O(1), cancel and each expiry O(log n) amortised, and a tick with nothing
 * due only compares the tick count with the earliest expiry.
 *
 * Locking: timer_lock guards the queue and every struct timer's fields.
 * It is taken in the timer interrupt and comes before sched_lock
 * (docs/locks.md): expiry functions run with it held and may wake
 * processes.
 */
#ifndef KAIROS_TIMER_H
#define KAIROS_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "pairing_heap.h"
#include "spinlock.h"

#define TIMER_NEVER UINT64_MAX /* an expiry the tick count never reaches */

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
    /* timer_lock must be held when using these: */
    union {
        struct ph_node node; /* far: in the heap */
        struct list link;    /* near: in its tick's wheel slot */
    };
    uint64_t expires; /* the tick it fires on */
    uint64_t seq;     /* arming order: equal expiries fire first-armed */
    timer_fn fn;      /* called at expiry, in the tick, timer_lock held */
    bool armed;       /* queued */
    bool near;        /* in the wheel (else in the heap) */
    uint16_t slot;    /* near: its wheel slot */
};

extern struct spinlock timer_lock;

/* Start the periodic timer at hz ticks per second (arch_timer_start) and
 * read the real-time clock once (arch_rtc_seconds). */
void timer_init(unsigned hz);
/* Called by the arch timer interrupt, interrupts off: count one tick, run
 * the timers due, then charge the running process (sched_tick). */
void timer_tick(void);
/* Ticks since timer_init (the host: simulated ticks). */
uint64_t timer_ticks(void);
/* The tick rate timer_init was given. */
unsigned timer_hz(void);
/* Nanoseconds since timer_init, with sub-tick resolution where available;
 * never less than a value it returned before. */
uint64_t uptime_ns(void);
/* Nanoseconds since 1970-01-01 UTC: the real-time clock read at
 * timer_init plus uptime. */
uint64_t realtime_ns(void);
/* The real-time clock at timer_init, in nanoseconds since 1970. */
uint64_t timer_boot_realtime_ns(void);
/* The first tick at or after uptime ns; TIMER_NEVER for UINT64_MAX, what
 * saturated sums of durations give. */
uint64_t timer_ns_to_tick(uint64_t ns);

/*
 * Arm t to call fn at tick expires (TIMER_NEVER: never); t must not be
 * armed.  An expiry at or before the current tick fires at the next tick.
 * Caller holds timer_lock.
 */
void timer_arm_locked(struct timer *t, uint64_t expires, timer_fn fn);
/* Disarm t: true if it was armed (it will not fire), false if it had
 * fired or was never armed.  Caller holds timer_lock. */
bool timer_cancel_locked(struct timer *t);
/* The earliest armed expiry, or TIMER_NEVER when none can fire. */
uint64_t timer_next_expiry(void);
/* Print every armed timer of the wheel and the earliest far one (where
 * it is, when it expires, its function): for tests and dumps.  Takes
 * timer_lock. */
void timer_dump(void);
/* Armed timers.  Takes timer_lock. */
size_t timer_armed_count(void);
/*
 * Block the current process until tick expires: 0 (at once if it has
 * passed), -EINVAL from idle or outside a process.  Never returns before
 * the tick count reaches expires.  sleep_ticks is this relative to now.
 */
int sleep_until_tick(uint64_t expires);

/* Check the queue: heap invariants, every node armed, the cached earliest
 * expiry right.  0, or -EINVAL after printing what is wrong. */
int timer_check(void);
/* Host port only: forget every timer and set the tick count to 0 at hz
 * ticks per second (power-on), and jump the tick count forward to tick
 * (idle with every process asleep: docs/host.md). */
void timer_reset(unsigned hz);
void timer_skip_to(uint64_t tick);

#endif
