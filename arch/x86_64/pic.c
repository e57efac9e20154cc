/*
 * The two 8259A PICs, remapped so IRQ 0-15 arrive as vectors 32-47 (the
 * CPU's exceptions own 0-31).  Every line starts masked; irq_install
 * unmasks the lines that have a handler.
 */
#include "cpu.h"
#include "x86.h"

#define PIC1_DATA    0x21
#define PIC2_DATA    0xA1
#define PIC_READ_ISR 0x0B

void pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
    io_wait();
    outb(PIC2_CMD, 0x11);
    io_wait();
    outb(PIC1_DATA, IRQ_BASE); /* ICW2: vector offsets */
    io_wait();
    outb(PIC2_DATA, IRQ_BASE + 8);
    io_wait();
    outb(PIC1_DATA, 1 << 2); /* ICW3: slave on IRQ 2 */
    io_wait();
    outb(PIC2_DATA, 2);
    io_wait();
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    io_wait();
    outb(PIC2_DATA, 0x01);
    io_wait();
    outb(PIC1_DATA, 0xFF & ~(1 << 2)); /* all masked but the cascade */
    outb(PIC2_DATA, 0xFF);
}

void pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;

    outb(port, inb(port) & ~(1 << (irq % 8)));
}

/*
 * A spurious IRQ 7 or 15 is one the PIC raised and then withdrew: its bit
 * is clear in the in-service register.  It gets no EOI, except that a
 * spurious IRQ 15 still needs one on the master, which did see the cascade.
 */
bool pic_spurious(unsigned irq)
{
    uint16_t cmd = irq < 8 ? PIC1_CMD : PIC2_CMD;

    outb(cmd, PIC_READ_ISR);
    if (inb(cmd) & (1 << (irq % 8))) {
        return false;
    }
    if (irq >= 8) {
        outb(PIC1_CMD, PIC_EOI);
    }
    return true;
}
