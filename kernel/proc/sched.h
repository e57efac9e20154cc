/*
 * The scheduler's interface to the rest of the process core (proc.c).
 * Not for other subsystems: they use process.h and proc.h.  Every function
 * here requires sched_lock.
 */
#ifndef KAIROS_SCHED_H
#define KAIROS_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "proc.h"

/* Install idle as the running process and set up the queues. */
void sched_init_locked(struct process *idle, struct list *buckets,
                       size_t nbuckets);
/* The idle task's record. */
struct process *sched_idle_locked(void);
/* Count a new process and put it on the run queue. */
void sched_admit_locked(struct process *p);
/* Forget a zombie that is being reaped (uncount it). */
void sched_forget_locked(struct process *p);
/* The running process becomes a zombie; the caller then switches away. */
void sched_zombie_locked(struct process *p);
/*
 * Switch to the next ready process, or idle.  The caller has left RUNNING
 * (BLOCKED and queued, or ZOMBIE) and holds sched_lock and no other lock,
 * with interrupts off; otherwise it panics, naming the lock.  True if a
 * switch happened.
 */
bool schedule_locked(void);
/* Set p's nice (-20..19; p not idle), preempting as process_setnice
 * does (pgrp.c: a whole group's). */
void sched_setnice_locked(struct process *p, int nice);
/* wake_channel for a caller already holding sched_lock. */
size_t wake_channel_locked(wait_channel_t channel);
/* Implemented in proc.c for the idle loop: reap zombies whose parent is
 * idle, and report a deadlock (every live process blocked for good). */
void proc_reap_idle_children_locked(void);
void proc_report_deadlock(void);
/* Forget everything (process_reset, host tests); returns the wait-queue
 * bucket array for the caller to free. */
struct list *sched_reset_locked(void);
/* Print the scheduler's counters without taking any lock (dumps). */
void sched_dump(void);
/* Use buckets[0 .. n) for the wait queues; returns the old array. */
struct list *sched_rehash_locked(struct list *buckets, size_t n);

#endif
