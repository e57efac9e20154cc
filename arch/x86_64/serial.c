/*
 * COM1, a 16550 UART: console output (polled) and the "serial0" device
 * (interrupt-driven receive into a ring buffer).
 *
 * The receive ring has one producer (serial_irq) and one consumer (readers
 * of serial0), so it needs no lock; serial_irq wakes blocked readers with
 * input_ready once the bytes are queued.  Output is polled with a bounded wait so
 * a missing or wedged UART slows output instead of hanging the kernel.
 */
#include "arch.h"
#include "klog.h"
#include "input.h"
#include "cpu.h"
#include "driver.h"
#include "panic.h"
#include "param.h"
#include "ringbuf.h"
#include "x86.h"

#define COM1           0x3F8
#define REG_DATA       0
#define REG_IER        1 /* interrupt enable */
#define REG_FCR        2 /* FIFO control */
#define REG_LCR        3 /* line control */
#define REG_MCR        4 /* modem control */
#define REG_LSR        5 /* line status */
#define REG_SCRATCH    7
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

static bool present;      /* a UART answered at COM1 */
static struct ringbuf rx; /* received bytes, filled by serial_irq */
static uint8_t rx_storage[RX_RING_SIZE];

static void serial_putc(char c)
{
    for (int spin = 0; spin < 100000; spin++) {
        if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY) {
            break;
        }
    }
    outb(COM1 + REG_DATA, (uint8_t)c);
}

static void serial_sink(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            serial_putc('\r');
        }
        serial_putc(buf[i]);
    }
}

/* 115200 baud, 8N1, FIFOs on; the scratch register tells if a UART is there. */
void serial_early_init(void)
{
    outb(COM1 + REG_SCRATCH, 0x5A);
    if (inb(COM1 + REG_SCRATCH) != 0x5A) {
        return;
    }
    present = true;
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor follows */
    outb(COM1 + REG_DATA, 1);   /* 115200 = 115200 / 1 */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, 0x03); /* 8 bits, no parity, one stop bit */
    outb(COM1 + REG_FCR, 0xC7); /* enable and clear FIFOs, 14-byte trigger */
    outb(COM1 + REG_MCR, 0x0B); /* DTR, RTS, OUT2 (routes the IRQ) */
    ringbuf_init(&rx, rx_storage, sizeof(rx_storage));
    klog_add_sink(serial_sink);
}

/* Queue what arrived, then wake readers blocked on input. */
static void serial_irq(void)
{
    bool got = false;

    while (inb(COM1 + REG_LSR) & LSR_DATA_READY) {
        uint8_t c = inb(COM1 + REG_DATA);

        if (!input_interrupt_char(c)) {
            ringbuf_put(&rx, c);
            got = true;
        }
    }
    if (got) {
        input_ready();
    }
}

/* The interrupt handler's work for bytes that did not come from the UART;
 * interrupts off, so serial_irq cannot run at the same time. */
void serial_inject(const void *buf, size_t len)
{
    arch_irqstate_t s = arch_irq_save();
    const uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        if (!input_interrupt_char(p[i])) {
            ringbuf_put(&rx, p[i]);
        }
    }
    arch_irq_restore(s);
    if (len > 0) {
        input_ready();
    }
}

static long serial_read(struct chardev *dev, void *buf, size_t len)
{
    return input_ring_read(&rx, dev, buf, len);
}

/* Interrupts off for one KLOG_CHUNK at a time, as for the log (klog.h). */
static long serial_write(struct chardev *dev, const void *buf, size_t len)
{
    (void)dev;
    klog_sink_write(serial_sink, buf, len);
    return (long)len;
}

static bool serial_ready(struct chardev *dev)
{
    (void)dev;
    return ringbuf_count(&rx) > 0;
}

static const struct chardev_ops serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .ready = serial_ready,
};

void serial_register(void)
{
    if (!present) {
        return;
    }
    if (driver_register("serial0", &serial_ops, NULL) != 0) {
        kprintf("serial: cannot register serial0\n");
        return;
    }
    irq_install(IRQ_COM1, serial_irq);
    outb(COM1 + REG_IER, 0x01); /* interrupt on received data */
}
