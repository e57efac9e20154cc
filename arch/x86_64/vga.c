/*
 * The VGA text console: 80x25 cells at physical 0xB8000, scrolling, with
 * the hardware cursor following the output.  It is a console sink (called
 * under log_lock or while panicking) and the "vga" device.
 */
#include "arch.h"
#include "klog.h"
#include "cpu.h"
#include "driver.h"
#include "kstring.h"
#include "x86.h"

#define VGA_PHYS   0xB8000
#define COLS       80
#define ROWS       25
#define ATTR       0x07 /* light grey on black */
#define CRTC_INDEX 0x3D4
#define CRTC_DATA  0x3D5

static volatile uint16_t *screen;
static unsigned row, col;

static void move_cursor(void)
{
    unsigned pos = row * COLS + col;

    outb(CRTC_INDEX, 0x0F);
    outb(CRTC_DATA, pos & 0xFF);
    outb(CRTC_INDEX, 0x0E);
    outb(CRTC_DATA, (pos >> 8) & 0xFF);
}

static void clear_row(unsigned r)
{
    for (unsigned c = 0; c < COLS; c++) {
        screen[r * COLS + c] = (ATTR << 8) | ' ';
    }
}

static void scroll(void)
{
    for (unsigned i = 0; i < (ROWS - 1) * COLS; i++) {
        screen[i] = screen[i + COLS];
    }
    clear_row(ROWS - 1);
    row = ROWS - 1;
}

static void vga_putc(char c)
{
    switch (c) {
    case '\n':
        col = 0;
        row++;
        break;
    case '\r':
        col = 0;
        break;
    case '\b':
        if (col > 0) {
            col--;
        }
        break;
    case '\t':
        col = (col + 8) & ~7U;
        break;
    default:
        screen[row * COLS + col] = (ATTR << 8) | (uint8_t)c;
        col++;
    }
    if (col >= COLS) {
        col = 0;
        row++;
    }
    if (row >= ROWS) {
        scroll();
    }
}

static void vga_sink(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        vga_putc(buf[i]);
    }
    move_cursor();
}

void vga_early_init(void)
{
    screen = arch_phys_to_virt(VGA_PHYS);
    for (unsigned r = 0; r < ROWS; r++) {
        clear_row(r);
    }
    row = col = 0;
    move_cursor();
    klog_add_sink(vga_sink);
}

/* The "vga" device: the screen alone, with interrupts off for one
 * KLOG_CHUNK at a time (klog.h), so an interrupt handler's output cannot
 * land in the middle of a character. */
static long vga_write(struct chardev *dev, const void *buf, size_t len)
{
    (void)dev;
    klog_sink_write(vga_sink, buf, len);
    return (long)len;
}

static const struct chardev_ops vga_ops = {.write = vga_write};

void vga_register(void)
{
    if (driver_register("vga", &vga_ops, NULL) != 0) {
        kprintf("vga: cannot register\n");
    }
}
