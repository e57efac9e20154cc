/*
 * Input wakeups and device receive rings (input.h).  The blocking read
 * side is read_blocking in syscall.c.
 */
#include "input.h"

#include "driver.h"
#include "klog.h"
#include "ksignal.h"
#include "poll.h"
#include "process.h"

struct spinlock input_lock = SPINLOCK_INIT("input");
struct list input_polls = LIST_INIT(input_polls);

/* Who gets ctrl-C's SIGINT; 0 none.  A plain store: one writer, the shell,
 * and the reader (an interrupt) needs only some recent value. */
static volatile pid_t foreground;

void input_set_foreground(pid_t pid)
{
    foreground = pid;
}

bool input_interrupt_char(uint8_t c)
{
    pid_t fg = foreground;

    if (c != INPUT_INTR_CHAR) {
        return false;
    }
    if (fg > 0) {
        signal_send_kernel(fg, SIGINT); /* SI_KERNEL, as a tty's */
    }
    return true;
}

void input_ready(void)
{
    spin_lock(&input_lock);
    wake_channel(WAIT_EVENT_INPUT);
    poll_wake_locked(&input_polls);
    spin_unlock(&input_lock);
}

long input_ring_read(struct ringbuf *rb, struct chardev *dev, void *buf,
                     size_t len)
{
    size_t n = ringbuf_read(rb, buf, len);
    size_t lost = ringbuf_take_drops(rb);

    if (lost != 0) {
        kprintf("input: %lu bytes dropped on %s\n", (unsigned long)lost,
                dev->name);
    }
    return (long)n;
}
