/*
 * Input wakeups (input.h).  The read side is read_blocking in syscall.c.
 */
#include "input.h"

#include "process.h"

struct spinlock input_lock = SPINLOCK_INIT("input");

void input_ready(void)
{
    spin_lock(&input_lock);
    wake_channel(WAIT_EVENT_INPUT);
    spin_unlock(&input_lock);
}
