/*
 * Input wakeups and device receive rings (input.h).  The blocking read
 * side is read_blocking in syscall.c.
 */
#include "input.h"

#include "driver.h"
#include "klog.h"
#include "process.h"

struct spinlock input_lock = SPINLOCK_INIT("input");

void input_ready(void)
{
    spin_lock(&input_lock);
    wake_channel(WAIT_EVENT_INPUT);
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
