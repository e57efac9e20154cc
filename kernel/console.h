/*
 * The console: kernel output to every sink (serial, VGA), the in-memory
 * kernel log, kprintf, and the two facade devices the default process
 * descriptors use: "console" (write to every sink) and "keyboard" (read from
 * every input device).
 */
#ifndef KAIROS_CONSOLE_H
#define KAIROS_CONSOLE_H

#include <stddef.h>

#include "spinlock.h"

/* A place console output goes: writes len bytes, never fails, never sleeps. */
typedef void (*console_sink_t)(const char *buf, size_t len);

/* Add a sink (at most CONSOLE_MAX_SINKS); 0 or -ENOSPC. */
int console_add_sink(console_sink_t sink);
/* Write to the kernel log and every sink.  Takes console_lock unless panicking. */
void console_write(const char *buf, size_t len);
/* printf to the console. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copy the last len bytes of the kernel log (or all of it if shorter) into
 * buf, NUL-terminated; returns the bytes copied.
 */
size_t klog_tail(char *buf, size_t len);

/*
 * Register the "console" and "keyboard" devices.  "keyboard" reads from the
 * input devices named in inputs (those that exist), in order.  0 or -errno.
 */
int console_devices_init(const char *const *inputs, size_t ninputs);

/*
 * Guards "no input yet, so block": a reader takes it, reads again and
 * blocks with block_current_locked; console_input_ready takes it before
 * waking, so the wakeup cannot fall between the reader's test and its
 * block.  Lock order: input_lock before sched_lock.
 */
extern struct spinlock input_lock;
/*
 * Input devices' interrupt handlers call this after queuing bytes: wakes
 * every process blocked reading input (WAIT_EVENT_INPUT).  Takes input_lock.
 */
void console_input_ready(void);

#endif
