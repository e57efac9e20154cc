/*
 * Timer, spinlocks, the driver registry and the kernel-built library.
 */
#include "arch.h"
#include "klog.h"
#include "driver.h"
#include "input.h"
#include "kerrno.h"
#include "kstring.h"
#include "ktest.h"
#include "param.h"
#include "printf.h"
#include "spinlock.h"
#include "timer.h"
#include "x86.h"

/* Wait (in hlt, bounded by a number of wake-ups, not by time) for ticks. */
static bool wait_ticks(uint64_t n)
{
    uint64_t start = timer_ticks();

    for (int wakeups = 0; wakeups < 10000; wakeups++) {
        if (timer_ticks() >= start + n) {
            return true;
        }
        arch_cpu_idle();
    }
    return false;
}

static void ticks_advance(void)
{
    uint64_t irq0 = irq_count(IRQ_TIMER);
    uint64_t t0 = timer_ticks();

    KT_ASSERT(arch_irq_enabled());
    KT_ASSERT(wait_ticks(3));
    KT_ASSERT(timer_ticks() >= t0 + 3);
    KT_ASSERT(irq_count(IRQ_TIMER) >= irq0 + 3);
}

static void uptime_follows_ticks(void)
{
    uint64_t period = 1000000000ULL / timer_hz();
    uint64_t a, b, t;

    KT_ASSERT(wait_ticks(1));
    a = uptime_ns();
    t = timer_ticks();
    b = uptime_ns();
    KT_ASSERT(b >= a);
    KT_ASSERT(a >= (t - 1) * period);
    KT_ASSERT(b < (t + 2) * period);
}

/* With interrupts off, watch the PIT count wrap twice (two periods, each
 * raising IRQ 0): the tick count must not move until they are back on. */
static void ticks_stop_with_irqs_off(void)
{
    arch_irqstate_t s = arch_irq_save();
    uint64_t t0 = timer_ticks();
    uint64_t prev = arch_timer_subtick_ns();
    int wraps = 0;

    for (long i = 0; i < 10000000 && wraps < 2; i++) {
        uint64_t now = arch_timer_subtick_ns();

        wraps += now < prev;
        prev = now;
    }
    KT_EQ(wraps, 2);
    KT_EQ(timer_ticks(), t0);
    arch_irq_restore(s);
    KT_ASSERT(wait_ticks(1)); /* the pending tick arrives */
}

static const struct ktest_case timer_cases[] = {
    {"ticks_advance", ticks_advance},
    {"uptime_follows_ticks", uptime_follows_ticks},
    {"ticks_stop_with_irqs_off", ticks_stop_with_irqs_off},
};
KTEST_SUITE(suite_timer, "timer", timer_cases);

static void lock_disables_interrupts(void)
{
    struct spinlock a = SPINLOCK_INIT("a");
    struct spinlock b = SPINLOCK_INIT("b");

    KT_ASSERT(arch_irq_enabled());
    spin_lock(&a);
    KT_ASSERT(!arch_irq_enabled());
    KT_ASSERT(holding(&a));
    spin_lock(&b);
    spin_unlock(&b);
    KT_ASSERT(!arch_irq_enabled()); /* still inside a */
    KT_ASSERT(!holding(&b));
    spin_unlock(&a);
    KT_ASSERT(arch_irq_enabled());
    KT_EQ(irq_off_depth(), 0);
}

static void lock_keeps_interrupts_off(void)
{
    struct spinlock a = SPINLOCK_INIT("a");
    arch_irqstate_t s = arch_irq_save();

    spin_lock(&a);
    spin_unlock(&a);
    KT_ASSERT(!arch_irq_enabled()); /* they were off before: stay off */
    arch_irq_restore(s);
    KT_ASSERT(arch_irq_enabled());
}

static void trylock_on_held_lock(void)
{
    struct spinlock a = SPINLOCK_INIT("a");

    a.locked = 1; /* as if another CPU held it */
    a.owner = 2;  /* CPU 1 */
    KT_ASSERT(!spin_trylock(&a));
    KT_ASSERT(arch_irq_enabled());
    a.locked = 0;
    a.owner = 0;
    KT_ASSERT(spin_trylock(&a));
    KT_ASSERT(holding(&a));
    spin_unlock(&a);
}

static const struct ktest_case spinlock_cases[] = {
    {"lock_disables_interrupts", lock_disables_interrupts},
    {"lock_keeps_interrupts_off", lock_keeps_interrupts_off},
    {"trylock_on_held_lock", trylock_on_held_lock},
};
KTEST_SUITE(suite_spinlock, "spinlock", spinlock_cases);

static void devices_registered(void)
{
    static const char *const names[] = {"serial0", "vga", "ps2kbd", "console",
                                        "keyboard"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        KT_ASSERT(driver_find(names[i]) != NULL);
    }
    KT_ASSERT(driver_find("nosuch") == NULL);
}

static void console_device_writes(void)
{
    struct chardev *con = driver_find("console");
    static const char msg[] = "# console device says hello\n";

    KT_ASSERT(con != NULL);
    KT_EQ(dev_write(con, msg, sizeof(msg) - 1), sizeof(msg) - 1);
    KT_ASSERT(ktest_log_contains("console device says hello", 256));
    KT_EQ(dev_read(con, NULL, 0), -EINVAL); /* write-only */
}

static void keyboard_reads_nothing_yet(void)
{
    struct chardev *kbd = driver_find("keyboard");
    char c;

    KT_ASSERT(kbd != NULL);
    KT_EQ(dev_read(kbd, &c, 1), 0); /* non-blocking, no input */
}

static void duplicate_name_refused(void)
{
    struct chardev *con = driver_find("console");

    KT_EQ(driver_register("console", con->ops, NULL), -EEXIST);
}

/* ---- serial0's receive ring, fed through its interrupt path ------------- */

static char rx_in[RX_RING_SIZE + 256], rx_out[RX_RING_SIZE + 256];

/* Read dev until it has nothing; the bytes read. */
static size_t drain(struct chardev *dev, char *buf, size_t cap)
{
    size_t got = 0;
    long n;

    while (got < cap && (n = dev_read(dev, buf + got, cap - got)) > 0) {
        got += (size_t)n;
    }
    return got;
}

/* How often s occurs in the last KLOG_SIZE bytes of the log. */
static int log_count(const char *s)
{
    static char tail[KLOG_SIZE];
    size_t len = strlen(s);
    int n = 0;

    klog_tail(tail, sizeof(tail));
    for (const char *p = tail; (p = strchr(p, s[0])) != NULL; p++) {
        n += strncmp(p, s, len) == 0;
    }
    return n;
}

/* 80 short lines pasted at once (the 36-of-80 case) all arrive. */
static void serial_paste_fits(void)
{
    struct chardev *dev = driver_find("serial0");
    size_t len = 0;

    KT_ASSERT(dev != NULL);
    drain(dev, rx_out, sizeof(rx_out));
    for (int i = 0; i < 80; i++) {
        len += ksnprintf(rx_in + len, sizeof(rx_in) - len, "uptime %02d\n", i);
    }
    serial_inject(rx_in, len);
    KT_EQ(drain(dev, rx_out, sizeof(rx_out)), len);
    KT_EQ(memcmp(rx_out, rx_in, len), 0);
    KT_EQ(log_count("bytes dropped on serial0"), 0);
}

/* Overflow bytes of one episode more than the ring holds; the ring keeps
 * the oldest bytes, and the log says so once, when the reader has caught
 * up. */
static void overflow_episode(struct chardev *dev, size_t overflow,
                             const char *msg)
{
    size_t half, got;

    for (size_t i = 0; i < sizeof(rx_in); i++) {
        rx_in[i] = (char)(i % 251);
        if (rx_in[i] == INPUT_INTR_CHAR) {
            rx_in[i] = 'c'; /* ctrl-C is taken, not queued */
        }
    }
    serial_inject(rx_in, RX_RING_SIZE + overflow);
    half = (size_t)dev_read(dev, rx_out, RX_RING_SIZE / 2);
    KT_EQ(log_count(msg), 0); /* not caught up yet: not over */
    got = half + drain(dev, rx_out + half, sizeof(rx_out) - half);
    KT_EQ(got, RX_RING_SIZE);
    KT_EQ(memcmp(rx_out, rx_in, RX_RING_SIZE), 0);
    KT_EQ(log_count(msg), 1);
    KT_EQ(dev_read(dev, rx_out, 1), 0);
    KT_EQ(log_count(msg), 1); /* once */
}

static void serial_overflow_reported_once(void)
{
    struct chardev *dev = driver_find("serial0");

    KT_ASSERT(dev != NULL);
    drain(dev, rx_out, sizeof(rx_out));
    overflow_episode(dev, 123, "input: 123 bytes dropped on serial0\n");
    overflow_episode(dev, 7, "input: 7 bytes dropped on serial0\n");
    KT_EQ(log_count("input: 123 bytes dropped on serial0\n"), 1);
}

static const struct ktest_case drivers_cases[] = {
    {"devices_registered", devices_registered},
    {"console_device_writes", console_device_writes},
    {"keyboard_reads_nothing_yet", keyboard_reads_nothing_yet},
    {"duplicate_name_refused", duplicate_name_refused},
    {"serial_paste_fits", serial_paste_fits},
    {"serial_overflow_reported_once", serial_overflow_reported_once},
};
KTEST_SUITE(suite_drivers, "drivers", drivers_cases);

static void printf_in_kernel_build(void)
{
    char buf[64];

    ksnprintf(buf, sizeof(buf), "%d|%5x|%-3s|%c|%lu", -42, 0xbeef, "ab", 'z',
              123456789012UL);
    KT_ASSERT(strcmp(buf, "-42| beef|ab |z|123456789012") == 0);
}

static const struct ktest_case lib_cases[] = {
    {"printf_in_kernel_build", printf_in_kernel_build},
};
KTEST_SUITE(suite_lib, "lib", lib_cases);
