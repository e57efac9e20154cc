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

/* A place log output goes: writes len bytes, never fails, never sleeps. */
typedef void (*klog_sink_t)(const char *buf, size_t len);

/* Add a sink (at most CONSOLE_MAX_SINKS); 0 or -ENOSPC. */
int klog_add_sink(klog_sink_t sink);
/*
 * Append to the log and write to every sink.  Any context may call it;
 * interrupts are off while it runs.  Skips its lock once panicking is set.
 */
void klog_write(const char *buf, size_t len);
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
