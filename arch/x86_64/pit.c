/*
 * The 8253/8254 PIT, channel 0, as the periodic timer (IRQ 0).
 *
 * The PIT counts down at 1.193182 MHz from a 16-bit divisor, so the real
 * rate is 1193182 / divisor: hz=100 gives 99.998 Hz.  Reading the current
 * count back gives time within the tick to about a microsecond.
 */
#include "arch.h"
#include "cpu.h"
#include "timer.h"
#include "x86.h"

#define PIT_HZ  1193182ULL
#define PIT_CH0 0x40
#define PIT_CMD 0x43

static uint16_t divisor; /* set once by pit_start */

void pit_start(unsigned hz)
{
    uint64_t d = (PIT_HZ + hz / 2) / hz;

    divisor = d > 0xFFFF ? 0xFFFF : (uint16_t)d;
    outb(PIT_CMD, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate) */
    outb(PIT_CH0, divisor & 0xFF);
    outb(PIT_CH0, divisor >> 8);
    irq_install(IRQ_TIMER, timer_tick); /* the core's tick, directly */
}

/* Caller has interrupts off or tolerates a reading from either side of a tick. */
uint64_t pit_subtick_ns(void)
{
    arch_irqstate_t s = arch_irq_save();
    uint16_t count;

    outb(PIT_CMD, 0x00); /* latch channel 0 */
    count = inb(PIT_CH0);
    count |= (uint16_t)inb(PIT_CH0) << 8;
    arch_irq_restore(s);
    if (count > divisor) {
        count = divisor;
    }
    return (uint64_t)(divisor - count) * 1000000000ULL / PIT_HZ;
}
