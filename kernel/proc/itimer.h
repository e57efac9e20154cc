/*
 * The real-time interval timer (docs/timers.md, "Alarms"): alarm(2) and
 * setitimer(ITIMER_REAL).  Each process has one timer in its record; at
 * expiry it sends the process SIGALRM (si_code SI_KERNEL, as Linux) and,
 * with an interval, arms itself again for one interval after the expiry
 * it served, so a late tick does not shift the later ones.  Times are in
 * ticks; the system calls convert (rounding up: never early).
 *
 * Lock rule: the timer and its interval are guarded by timer_lock, taken
 * before sched_lock (the expiry sends the signal under both).  fork
 * starts the child with none (its record is zeroed); execve keeps it;
 * exit cancels it before the record can be reaped.
 */
#ifndef KAIROS_ITIMER_H
#define KAIROS_ITIMER_H

#include <stdint.h>

struct process;

/*
 * Arm the caller's timer to fire in value ticks (0: disarm), then every
 * interval ticks (0: once).  *old_value gets the ticks left before this
 * call (0: it was not armed) and *old_interval its interval, each when
 * not NULL.  -EINVAL outside a process or from idle, else 0.
 */
int itimer_set(uint64_t value, uint64_t interval, uint64_t *old_value,
               uint64_t *old_interval);
/* The caller's ticks left and interval, as itimer_set reports them. */
int itimer_get(uint64_t *value, uint64_t *interval);
/* p (the caller) exits: its timer will not fire again.  Takes
 * timer_lock, if p ever set a timer; call without sched_lock. */
void itimer_exit(struct process *p);

#endif
