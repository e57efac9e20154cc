/*
 * The kernel log: kprintf, the in-memory log, and the sinks output goes to.
 *
 * It sits below every other subsystem, so that any of them may print:
 * it knows no device and no process.  Devices register as sinks (the
 * serial port, the VGA screen, the host's stdout); the console facade
 * device (kernel/dev/console.c) writes here.
 */
#ifndef KAIROS_KLOG_H
#define KAIROS_KLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "param.h"

/*
 * KLOG_CHUNK (param.h) is the most bytes any sink is given with interrupts
 * off.  The slowest sink,
 * the serial port at 115200 baud (86.8 us a byte), polls: KLOG_CHUNK bytes
 * are at most 2 * KLOG_CHUNK on the wire (each '\n' goes out as "\r\n"),
 * 5.6 ms, under the 10 ms between ticks at the default 100 Hz, so a long
 * write loses no tick (docs/drivers.md).
 */

/* A place log output goes: writes len bytes, never fails, never sleeps. */
typedef void (*klog_sink_t)(const char *buf, size_t len);

/* Add a sink (at most CONSOLE_MAX_SINKS); 0 or -ENOSPC. */
int klog_add_sink(klog_sink_t sink);
/*
 * Append to the log and write to every sink.  Any context may call it.
 * Works in chunks of at most KLOG_CHUNK bytes, each with interrupts off
 * and the log lock held; between chunks interrupts return to the caller's
 * state, so output of an interrupt handler may fall between two chunks.
 * Once panicking is set it skips its lock and writes in one piece (the
 * panic has turned interrupts off for good).
 */
void klog_write(const char *buf, size_t len);
/*
 * Write len bytes through one sink alone, KLOG_CHUNK at a time with
 * interrupts off for each chunk (a device's own write, not the log's).
 */
void klog_sink_write(klog_sink_t sink, const char *buf, size_t len);
/* printf to the log. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Copy the last len - 1 bytes of the log (or all of it if shorter) into
 * buf, NUL-terminated; returns the bytes copied.
 */
size_t klog_tail(char *buf, size_t len);

/* True once a panic has started (panic.c sets it): output paths then skip
 * their locks, since the CPU that holds one may be the one panicking. */
extern volatile bool panicking;

#endif
