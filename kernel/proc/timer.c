/*
 * The tick counter and uptime.
 *
 * ticks is written only by timer_tick, in the timer interrupt, and read
 * anywhere: a 64-bit aligned load is atomic on every port Kairos targets.
 */
#include "timer.h"

#include "arch.h"
#include "proc.h"

static volatile uint64_t ticks; /* timer interrupts since timer_init */
static unsigned hz;             /* set once by timer_init */

void timer_init(unsigned rate)
{
    hz = rate;
    arch_timer_start(rate);
}

void timer_tick(void)
{
    ticks++;
    sched_tick();
}

uint64_t timer_ticks(void)
{
    return ticks;
}

unsigned timer_hz(void)
{
    return hz;
}

uint64_t uptime_ns(void)
{
    uint64_t t, sub;

    if (hz == 0) {
        return 0;
    }
    /* Read ticks around the sub-tick count so the two agree. */
    do {
        t = ticks;
        sub = arch_timer_subtick_ns();
    } while (t != ticks);
    return t * (1000000000ULL / hz) + sub;
}
