/*
 * Time: the tick counter the periodic timer drives, and uptime.
 */
#ifndef KAIROS_TIMER_H
#define KAIROS_TIMER_H

#include <stdint.h>

/* Start the periodic timer at hz ticks per second (arch_timer_start). */
void timer_init(unsigned hz);
/* Called by the arch timer interrupt, interrupts off: count one tick. */
void timer_tick(void);
/* Ticks since timer_init. */
uint64_t timer_ticks(void);
/* The tick rate timer_init was given. */
unsigned timer_hz(void);
/* Nanoseconds since timer_init, with sub-tick resolution where available. */
uint64_t uptime_ns(void);

#endif
