/*
 * The kernel log (see klog.h).
 *
 * log_lock guards the sink list and the log.  It is held for one chunk of
 * at most KLOG_CHUNK bytes at a time (klog.h).  It is not a struct spinlock:
 * spinlocks panic on misuse and a panic prints, so the log must sit below
 * them.  It is the same discipline by hand: interrupts saved and disabled,
 * then an atomic flag, so an interrupt handler may print.  Nothing else is
 * taken while it is held, and it is never held across a switch.  Once
 * panicking is set the flag is skipped.
 */
#include <stdarg.h>

#include "klog.h"

#include "arch.h"
#include "kerrno.h"
#include "param.h"
#include "printf.h"

volatile bool panicking;

static volatile int log_lock; /* 1 while held */

/* log_lock guards these: */
static klog_sink_t sinks[CONSOLE_MAX_SINKS]; /* where output goes */
static size_t nsinks;                        /* sinks in use */
static char klog[KLOG_SIZE];                 /* the log, circular */
static size_t klog_written;                  /* bytes ever logged */

static arch_irqstate_t log_lock_take(void)
{
    arch_irqstate_t s = arch_irq_save();

    if (!panicking) {
        while (__atomic_exchange_n(&log_lock, 1, __ATOMIC_ACQUIRE) != 0) {
            arch_cpu_relax();
        }
    }
    return s;
}

static void log_lock_drop(arch_irqstate_t s)
{
    if (!panicking) {
        __atomic_store_n(&log_lock, 0, __ATOMIC_RELEASE);
    }
    arch_irq_restore(s);
}

int klog_add_sink(klog_sink_t sink)
{
    arch_irqstate_t s = log_lock_take();
    int err = 0;

    if (nsinks == CONSOLE_MAX_SINKS) {
        err = -ENOSPC;
    } else {
        sinks[nsinks++] = sink;
    }
    log_lock_drop(s);
    return err;
}

/* One chunk: the lock, and so interrupts off, for at most KLOG_CHUNK bytes. */
static void klog_write_chunk(const char *buf, size_t len)
{
    arch_irqstate_t s = log_lock_take();

    for (size_t i = 0; i < len; i++) {
        klog[(klog_written + i) % KLOG_SIZE] = buf[i];
    }
    klog_written += len;
    for (size_t i = 0; i < nsinks; i++) {
        sinks[i](buf, len);
    }
    log_lock_drop(s);
}

/* A panic has turned interrupts off for good: it writes in one piece. */
void klog_write(const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < KLOG_CHUNK || panicking ? len : KLOG_CHUNK;

        klog_write_chunk(buf, n);
        buf += n;
        len -= n;
    }
}

void klog_sink_write(klog_sink_t sink, const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < KLOG_CHUNK ? len : KLOG_CHUNK;
        arch_irqstate_t s = arch_irq_save();

        sink(buf, n);
        arch_irq_restore(s);
        buf += n;
        len -= n;
    }
}

size_t klog_tail(char *buf, size_t len)
{
    arch_irqstate_t s;
    size_t n, start;

    if (len == 0) {
        return 0;
    }
    s = log_lock_take();
    n = klog_written < KLOG_SIZE ? klog_written : KLOG_SIZE;
    if (n > len - 1) {
        n = len - 1;
    }
    start = klog_written - n;
    for (size_t i = 0; i < n; i++) {
        buf[i] = klog[(start + i) % KLOG_SIZE];
    }
    buf[n] = '\0';
    log_lock_drop(s);
    return n;
}

/* kprintf collects output here and writes it to the log in chunks. */
struct kprintf_buf {
    char data[128];
    size_t len;
};

static void kprintf_putc(char c, void *ctx)
{
    struct kprintf_buf *b = ctx;

    b->data[b->len++] = c;
    if (b->len == sizeof(b->data)) {
        klog_write(b->data, b->len);
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
        klog_write(b.data, b.len);
    }
    return n;
}
