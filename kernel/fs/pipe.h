/*
 * Pipes (docs/fs.md, "Pipes"): the object both ends of a pipe share, a
 * ring of PIPE_SIZE bytes and the count of open files on each end.  This
 * is the data structure only; blocking, wakeups and poll are the system
 * calls' (kernel/sys/sys_pipe.c), which sit above the scheduler.
 *
 * Locking: p->lock guards every field but ino.  It comes before a poll
 * waiter's lock and sched_lock (docs/locks.md), and nothing else is
 * taken inside it.
 */
#ifndef KAIROS_PIPE_H
#define KAIROS_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "param.h"
#include "spinlock.h"

struct pipe {
    struct spinlock lock;
    /* lock must be held when using these: */
    uint8_t *buf;      /* PIPE_SIZE bytes, from the heap */
    size_t head;       /* index of the oldest byte */
    size_t count;      /* bytes held */
    unsigned readers;  /* open files on the read end (not descriptors) */
    unsigned writers;  /* open files on the write end */
    bool reading;      /* a read is copying out: the bytes at head are its */
    bool writing;      /* a write is copying in: the tail is its */
    unsigned rwaiters; /* processes blocked to read (wake only if any) */
    unsigned wwaiters; /* processes blocked to write */
    struct list polls; /* poll entries watching it (sys_poll.c) */

    /* Constant: */
    uint64_t ino; /* fstat's st_ino: creation order */
};

struct pipe_stats {
    size_t open;   /* pipes alive */
    size_t opened; /* ever created */
};

/* A new pipe, empty, with one reader and one writer.  NULL when out of
 * memory. */
struct pipe *pipe_alloc(void);
/* Drop one open file of the read (writer false) or write end; true when
 * both ends are now closed, and the caller then pipe_free()s p after
 * releasing p->lock.  Caller holds p->lock. */
bool pipe_close_end_locked(struct pipe *p, bool writer);
/* Free a pipe whose ends are both closed. */
void pipe_free(struct pipe *p);
/* Bytes that fit before the ring is full.  Caller holds p->lock. */
size_t pipe_room_locked(const struct pipe *p);
/* Copy up to n of the oldest bytes to dst without taking them: how many.
 * Caller holds p->lock. */
size_t pipe_peek_locked(const struct pipe *p, void *dst, size_t n);
/* Take the n oldest bytes (n <= count).  Caller holds p->lock. */
void pipe_consume_locked(struct pipe *p, size_t n);
/* Append n bytes (n <= room).  Caller holds p->lock. */
void pipe_append_locked(struct pipe *p, const void *src, size_t n);
/* Counters (tests: every pipe freed). */
struct pipe_stats pipe_stats(void);

#endif
