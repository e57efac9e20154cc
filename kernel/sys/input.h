/*
 * Waiting for input: how a read that finds no bytes sleeps until an input
 * device's interrupt queues some.
 */
#ifndef KAIROS_INPUT_H
#define KAIROS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process.h"

#include "ringbuf.h"
#include "spinlock.h"

struct chardev;

/*
 * Guards "no input yet, so block": a reader takes it, reads again and
 * blocks with block_current_locked; input_ready takes it before waking,
 * so the wakeup cannot fall between the reader's test and its block.
 * Lock order: input_lock, then sched_lock.
 */
extern struct spinlock input_lock;
/*
 * Input devices' interrupt handlers call this after queuing bytes: wakes
 * every process blocked reading input (WAIT_EVENT_INPUT).  Takes input_lock.
 */
void input_ready(void);

#define INPUT_INTR_CHAR 0x03 /* ctrl-C */
/*
 * Input devices' interrupt handlers offer every received byte here first:
 * ctrl-C (0x03) is not queued (true) but sends SIGINT to the foreground
 * process, if one is set; any other byte is left to queue (false).
 */
bool input_interrupt_char(uint8_t c);
/* Make pid the process ctrl-C interrupts (0: none).  The shell sets it
 * around a foreground wait (docs/signals.md). */
void input_set_foreground(pid_t pid);
/*
 * An input device's read op: up to len bytes from its receive ring rb.
 * When an overflow episode has just ended (ringbuf_take_drops), says so
 * once in the kernel log: "input: N bytes dropped on NAME".  Consumer side
 * of rb; runs under input_lock like every read op.
 */
long input_ring_read(struct ringbuf *rb, struct chardev *dev, void *buf,
                     size_t len);

#endif
