/*
 * The console: output sinks, the kernel log, kprintf, and the "console" and
 * "keyboard" facade devices.
 *
 * console_lock guards the sink list and the kernel log.  It is taken with
 * interrupts off like every spinlock, so an interrupt handler may print.
 * Once panicking is set the lock is skipped: a panic must print even when
 * the CPU that holds the lock is the one that panicked.
 *
 * input_lock orders "a reader found no input" against "an interrupt queued
 * a byte": readers test and block under it (kernel/syscall.c), input
 * interrupts wake under it (console_input_ready).  Taken before sched_lock.
 */
#include <stdarg.h>

#include "console.h"

#include "driver.h"
#include "kerrno.h"
#include "panic.h"
#include "param.h"
#include "printf.h"
#include "process.h"
#include "spinlock.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");

/* console_lock guards these: */
static console_sink_t sinks[CONSOLE_MAX_SINKS]; /* where output goes */
static size_t nsinks;                           /* sinks in use */
static char klog[KLOG_SIZE];                    /* the log, circular */
static size_t klog_written;                     /* bytes ever logged */

int console_add_sink(console_sink_t sink)
{
    int err = 0;

    spin_lock(&console_lock);
    if (nsinks == CONSOLE_MAX_SINKS) {
        err = -ENOSPC;
    } else {
        sinks[nsinks++] = sink;
    }
    spin_unlock(&console_lock);
    return err;
}

/* Caller holds console_lock (or is panicking). */
static void console_write_locked(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        klog[(klog_written + i) % KLOG_SIZE] = buf[i];
    }
    klog_written += len;
    for (size_t i = 0; i < nsinks; i++) {
        sinks[i](buf, len);
    }
}

void console_write(const char *buf, size_t len)
{
    if (panicking) {
        console_write_locked(buf, len);
        return;
    }
    spin_lock(&console_lock);
    console_write_locked(buf, len);
    spin_unlock(&console_lock);
}

size_t klog_tail(char *buf, size_t len)
{
    size_t n, start;

    if (len == 0) {
        return 0;
    }
    spin_lock(&console_lock);
    n = klog_written < KLOG_SIZE ? klog_written : KLOG_SIZE;
    if (n > len - 1) {
        n = len - 1;
    }
    start = klog_written - n;
    for (size_t i = 0; i < n; i++) {
        buf[i] = klog[(start + i) % KLOG_SIZE];
    }
    buf[n] = '\0';
    spin_unlock(&console_lock);
    return n;
}

/* kprintf collects output here and flushes it to the console in chunks. */
struct kprintf_buf {
    char data[128];
    size_t len;
};

static void kprintf_putc(char c, void *ctx)
{
    struct kprintf_buf *b = ctx;

    b->data[b->len++] = c;
    if (b->len == sizeof(b->data)) {
        console_write(b->data, b->len);
        b->len = 0;
    }
}

int kprintf(const char *fmt, ...)
{
    struct kprintf_buf b = {.len = 0};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvformat(kprintf_putc, &b, fmt, ap);
    va_end(ap);
    if (b.len > 0) {
        console_write(b.data, b.len);
    }
    return n;
}

/* ---- The facade devices ------------------------------------------------ */

#define MAX_INPUTS 4

/* Written once by console_devices_init, before interrupts are enabled. */
static struct chardev *inputs[MAX_INPUTS]; /* what "keyboard" reads from */
static size_t ninputs;

static long console_dev_write(struct chardev *dev, const void *buf, size_t len)
{
    (void)dev;
    console_write(buf, len);
    return (long)len;
}

/*
 * Read from the first input device that has data; never blocks.  A device
 * that fails does not hide the others: its error is returned only when no
 * other device has data.
 */
static long keyboard_dev_read(struct chardev *dev, void *buf, size_t len)
{
    long err = 0;

    (void)dev;
    for (size_t i = 0; i < ninputs; i++) {
        long n = dev_read(inputs[i], buf, len);

        if (n > 0) {
            return n;
        }
        if (n < 0) {
            err = n;
        }
    }
    return err;
}

static const struct chardev_ops console_ops = {.write = console_dev_write};
static const struct chardev_ops keyboard_ops = {.read = keyboard_dev_read};

int console_devices_init(const char *const *names, size_t nnames)
{
    int err;

    ninputs = 0;
    for (size_t i = 0; i < nnames && ninputs < MAX_INPUTS; i++) {
        struct chardev *d = driver_find(names[i]);

        if (d != NULL) {
            inputs[ninputs++] = d;
        }
    }
    err = driver_register("console", &console_ops, NULL);
    if (err == 0) {
        err = driver_register("keyboard", &keyboard_ops, NULL);
    }
    return err;
}

/* ---- Input wakeups ----------------------------------------------------- */

struct spinlock input_lock = SPINLOCK_INIT("input");

void console_input_ready(void)
{
    spin_lock(&input_lock);
    wake_channel(WAIT_EVENT_INPUT);
    spin_unlock(&input_lock);
}
