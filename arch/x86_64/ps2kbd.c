/*
 * PS/2 keyboard on the i8042 controller: IRQ 1, scancode set 1 (the
 * controller translates), decoded to ASCII with shift, caps lock and ctrl,
 * into a ring buffer that the "ps2kbd" device reads (the interrupt wakes
 * blocked readers with input_ready).  Enter gives '\n',
 * backspace '\b', ctrl+letter the control code (ctrl-C = 3).  Keys with no
 * ASCII meaning (arrows, function keys) are ignored.
 */
#include "klog.h"
#include "input.h"
#include "cpu.h"
#include "driver.h"
#include "param.h"
#include "ringbuf.h"
#include "x86.h"

#define KBD_DATA        0x60
#define KBD_STATUS      0x64
#define KBD_CMD         0x64
#define STATUS_OUT_FULL 0x01
#define STATUS_IN_FULL  0x02

#define SC_LSHIFT   0x2A
#define SC_RSHIFT   0x36
#define SC_CTRL     0x1D
#define SC_CAPS     0x3A
#define SC_RELEASE  0x80
#define SC_EXTENDED 0xE0

/* Set 1 make codes to ASCII, without and with shift. */
static const char keymap[128] = {
    [0x01] = 27,   [0x02] = '1', [0x03] = '2',  [0x04] = '3',  [0x05] = '4',
    [0x06] = '5',  [0x07] = '6', [0x08] = '7',  [0x09] = '8',  [0x0A] = '9',
    [0x0B] = '0',  [0x0C] = '-', [0x0D] = '=',  [0x0E] = '\b', [0x0F] = '\t',
    [0x10] = 'q',  [0x11] = 'w', [0x12] = 'e',  [0x13] = 'r',  [0x14] = 't',
    [0x15] = 'y',  [0x16] = 'u', [0x17] = 'i',  [0x18] = 'o',  [0x19] = 'p',
    [0x1A] = '[',  [0x1B] = ']', [0x1C] = '\n', [0x1E] = 'a',  [0x1F] = 's',
    [0x20] = 'd',  [0x21] = 'f', [0x22] = 'g',  [0x23] = 'h',  [0x24] = 'j',
    [0x25] = 'k',  [0x26] = 'l', [0x27] = ';',  [0x28] = '\'', [0x29] = '`',
    [0x2B] = '\\', [0x2C] = 'z', [0x2D] = 'x',  [0x2E] = 'c',  [0x2F] = 'v',
    [0x30] = 'b',  [0x31] = 'n', [0x32] = 'm',  [0x33] = ',',  [0x34] = '.',
    [0x35] = '/',  [0x37] = '*', [0x39] = ' ',
};

static const char keymap_shift[128] = {
    [0x01] = 27,  [0x02] = '!', [0x03] = '@',  [0x04] = '#',  [0x05] = '$',
    [0x06] = '%', [0x07] = '^', [0x08] = '&',  [0x09] = '*',  [0x0A] = '(',
    [0x0B] = ')', [0x0C] = '_', [0x0D] = '+',  [0x0E] = '\b', [0x0F] = '\t',
    [0x10] = 'Q', [0x11] = 'W', [0x12] = 'E',  [0x13] = 'R',  [0x14] = 'T',
    [0x15] = 'Y', [0x16] = 'U', [0x17] = 'I',  [0x18] = 'O',  [0x19] = 'P',
    [0x1A] = '{', [0x1B] = '}', [0x1C] = '\n', [0x1E] = 'A',  [0x1F] = 'S',
    [0x20] = 'D', [0x21] = 'F', [0x22] = 'G',  [0x23] = 'H',  [0x24] = 'J',
    [0x25] = 'K', [0x26] = 'L', [0x27] = ':',  [0x28] = '"',  [0x29] = '~',
    [0x2B] = '|', [0x2C] = 'Z', [0x2D] = 'X',  [0x2E] = 'C',  [0x2F] = 'V',
    [0x30] = 'B', [0x31] = 'N', [0x32] = 'M',  [0x33] = '<',  [0x34] = '>',
    [0x35] = '?', [0x37] = '*', [0x39] = ' ',
};

/* Modifier state: touched only by kbd_irq. */
static bool shift, ctrl, caps, extended;
static struct ringbuf rx;
static uint8_t rx_storage[RX_RING_SIZE];

/* Decode one scancode; returns the character or 0. */
static char decode(uint8_t sc)
{
    bool release = sc & SC_RELEASE;
    uint8_t code = sc & ~SC_RELEASE;
    char c;

    if (sc == SC_EXTENDED) {
        extended = true;
        return 0;
    }
    if (extended) { /* right ctrl is E0 1D; other E0 keys have no ASCII */
        extended = false;
        if (code == SC_CTRL) {
            ctrl = !release;
        }
        return 0;
    }
    if (code == SC_LSHIFT || code == SC_RSHIFT) {
        shift = !release;
        return 0;
    }
    if (code == SC_CTRL) {
        ctrl = !release;
        return 0;
    }
    if (release) {
        return 0;
    }
    if (code == SC_CAPS) {
        caps = !caps;
        return 0;
    }
    c = shift ? keymap_shift[code] : keymap[code];
    if (caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        c ^= 0x20;
    }
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        c &= 0x1F;
    }
    return c;
}

/* Queue the characters that arrived, then wake readers blocked on input. */
static void kbd_irq(void)
{
    bool got = false;

    while (inb(KBD_STATUS) & STATUS_OUT_FULL) {
        char c = decode(inb(KBD_DATA));

        if (c != 0 && !input_interrupt_char((uint8_t)c)) {
            ringbuf_put(&rx, (uint8_t)c);
            got = true;
        }
    }
    if (got) {
        input_ready();
    }
}

static long kbd_read(struct chardev *dev, void *buf, size_t len)
{
    return input_ring_read(&rx, dev, buf, len);
}

static bool kbd_ready(struct chardev *dev)
{
    (void)dev;
    return ringbuf_count(&rx) > 0;
}

static const struct chardev_ops kbd_ops = {.read = kbd_read,
                                           .ready = kbd_ready};

/* Wait (bounded) until the controller can take a byte. */
static bool kbd_wait_input(void)
{
    for (int spin = 0; spin < 100000; spin++) {
        if (!(inb(KBD_STATUS) & STATUS_IN_FULL)) {
            return true;
        }
    }
    return false;
}

/* Turn on the first port's interrupt and scancode translation. */
static void kbd_controller_init(void)
{
    uint8_t config;

    while (inb(KBD_STATUS) & STATUS_OUT_FULL) {
        inb(KBD_DATA); /* drop stale bytes */
    }
    if (!kbd_wait_input()) {
        return;
    }
    outb(KBD_CMD, 0x20); /* read configuration byte */
    for (int spin = 0; spin < 100000; spin++) {
        if (inb(KBD_STATUS) & STATUS_OUT_FULL) {
            break;
        }
    }
    config = inb(KBD_DATA) | 0x01 | 0x40;
    if (kbd_wait_input()) {
        outb(KBD_CMD, 0x60); /* write configuration byte */
    }
    if (kbd_wait_input()) {
        outb(KBD_DATA, config);
    }
}

void ps2kbd_register(void)
{
    ringbuf_init(&rx, rx_storage, sizeof(rx_storage));
    if (driver_register("ps2kbd", &kbd_ops, NULL) != 0) {
        kprintf("ps2kbd: cannot register\n");
        return;
    }
    kbd_controller_init();
    irq_install(IRQ_KEYBOARD, kbd_irq);
}
