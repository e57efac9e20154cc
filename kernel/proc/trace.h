/*
 * The scheduler's trace: a fixed ring of TRACE_RECORDS events, written at a
 * few named points of the scheduler and read without a lock (docs/trace.md).
 *
 * Writers: the hooks below, called with sched_lock held (so with
 * interrupts off): one at a time, no lock of their own.  With tracing off a
 * hook is one load and one branch.  Each record holds a stamp, 0 while it
 * is being written and 1 + its sequence number once complete, so a reader
 * (trace_read, the dump) detects a record overwritten under it: it checks
 * the stamp before and after copying (a per-record seqlock).
 *
 * Points: trace_context_switch in place of the one arch_context_switch
 * (switch_locked, under switch_to_locked), trace_preempt where that
 * switch is a preemption (just before it), trace_wake where a blocked
 * process leaves its wait queue (waitq_wake), trace_block where the caller becomes BLOCKED,
 * trace_exit where it becomes a ZOMBIE, trace_boost where priority
 * inheritance raises or restores an effective priority.
 */
#ifndef KAIROS_TRACE_H
#define KAIROS_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "param.h"
#include "proc.h"

enum trace_event {
    TRACE_NONE,    /* never recorded */
    TRACE_SWITCH,  /* a: prev pid, b: next pid, c: prev's state after */
    TRACE_WAKE,    /* a: woken pid, b: pid on the CPU, arg: channel */
    TRACE_BLOCK,   /* a: pid, arg: channel */
    TRACE_EXIT,    /* a: pid, b: exit code, arg: first 8 bytes of the name */
    TRACE_PREEMPT, /* a: pid the timer took the CPU from, b: next pid */
    TRACE_BOOST,   /* a: pid, b: effective priority from, c: to */
};
#define TRACE_NEVENTS 7

/* One event.  stamp: 0 while written, else 1 + its sequence number. */
struct trace_record {
    uint64_t stamp;
    uint64_t cycles; /* arch_cycles() */
    uint64_t ticks;  /* timer_ticks() */
    uint64_t arg;
    int32_t a, b, c;
    uint32_t type; /* enum trace_event */
};

/* Written under sched_lock; read anywhere (a stale value is harmless). */
struct trace_state {
    bool on;        /* the hooks record (read under sched_lock by them) */
    uint64_t next;  /* sequence number of the next event */
    uint64_t start; /* sequence number of the first since trace_set(true) */
};
extern struct trace_state trace_state;

/* What trace_stats reports. */
struct trace_stats {
    bool on;
    uint64_t recorded;    /* events since trace_set(true) */
    uint64_t overwritten; /* of them, lost to newer ones (the ring wrapped) */
    uint64_t first, next; /* sequence numbers still held: [first, next) */
};

/* Record one event; caller holds sched_lock.  Hooks call it when on. */
void trace_emit_locked(enum trace_event type, int32_t a, int32_t b, int32_t c,
                       uint64_t arg);

/* Turn recording on (a new recording: the dump starts here) or off.
 * Takes sched_lock. */
void trace_set(bool on);
/* The counters; takes no lock. */
struct trace_stats trace_stats(void);
/* Copy event seq into *out without a lock; false if it is not in the ring
 * (not yet written, overwritten, or being written). */
bool trace_copy(uint64_t seq, struct trace_record *out);
/* After trace_copy: true if event seq is still intact, so the copy is. */
bool trace_intact(uint64_t seq);
/* trace_copy then trace_intact: a consistent copy, or false. */
bool trace_read(uint64_t seq, struct trace_record *out);
/* One record as a dump line (no newline) into buf; returns its length,
 * truncated to size - 1 like ksnprintf. */
int trace_format(uint64_t seq, const struct trace_record *r, char *buf,
                 size_t size);
/* Log the recording between trace-begin and trace-end lines; no lock. */
void trace_dump(void);
/* Forget every event and turn tracing off (host tests, process_reset). */
void trace_reset(void);
/* The name of an event type ("?" for none). */
const char *trace_event_name(uint32_t type);

/* ---- The hooks: caller holds sched_lock ---------------------------------- */

#define TRACE_ON() __builtin_expect(trace_state.on, 0)

/* The timer takes the CPU from prev for next (a switch follows). */
static inline void trace_preempt(const struct process *prev,
                                 const struct process *next)
{
    if (TRACE_ON()) {
        trace_emit_locked(TRACE_PREEMPT, prev->pid, next->pid, 0, 0);
    }
}

/* Record the switch, then arch_context_switch (in it, when on).  Out of
 * line, so the off path is the flag test and the call it replaces: the
 * caller keeps nothing extra live across a second call. */
void trace_switch_locked(struct process *prev, struct process *next);

/* arch_context_switch(prev, next), recorded when tracing is on. */
static inline void trace_context_switch(struct process *prev,
                                        struct process *next)
{
    if (TRACE_ON()) {
        trace_switch_locked(prev, next);
    } else {
        arch_context_switch(&prev->context, &next->context);
    }
}

/* p, BLOCKED on p->channel, is made ready (by whoever is on the CPU). */
static inline void trace_wake(const struct process *p)
{
    if (TRACE_ON()) {
        trace_emit_locked(TRACE_WAKE, p->pid, current_pid(), 0, p->channel);
    }
}

/* p blocks on p->channel. */
static inline void trace_block(const struct process *p)
{
    if (TRACE_ON()) {
        trace_emit_locked(TRACE_BLOCK, p->pid, 0, 0, p->channel);
    }
}

/* p exits with code. */
static inline void trace_exit(const struct process *p, int code)
{
    if (TRACE_ON()) {
        uint64_t name = 0;

        __builtin_memcpy(&name, p->name, sizeof(name));
        trace_emit_locked(TRACE_EXIT, p->pid, code, 0, name);
    }
}

/* p's effective priority goes from one value to another (inheritance). */
static inline void trace_boost(const struct process *p, int from, int to)
{
    if (TRACE_ON()) {
        trace_emit_locked(TRACE_BOOST, p->pid, from, to, 0);
    }
}

#endif
