/*
 * Process helpers for the kernel suites: a gate children wait at without
 * losing a wakeup, and bounded waits for another process to reach a state.
 * The suites run in init (pid 1), so the processes they spawn are its
 * children.
 */
#ifndef KAIROS_KPROC_H
#define KAIROS_KPROC_H

#include <stdbool.h>

#include "process.h"
#include "spinlock.h"

/* Closed until gate_open; gate_pass blocks until then (xv6 sleep style). */
struct gate {
    struct spinlock lock; /* guards open */
    bool open;
};

#define GATE_INIT(n)                            \
    {                                           \
        .lock = SPINLOCK_INIT(n), .open = false \
    }

/* Block the caller until g is open; returns at once if it already is. */
void gate_pass(struct gate *g);
/* Open g and wake everything waiting at it. */
void gate_open(struct gate *g);

/*
 * Yield until process pid is in state s, at most `tries` times.  True if it
 * got there.  The bound is a count, not a time: each yield lets every ready
 * process run.
 */
bool wait_state(pid_t pid, enum process_state s, int tries);

#endif
