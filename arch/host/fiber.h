/*
 * Stack switches told to AddressSanitizer (arch/host/fiber.c).  Without
 * ASan both are nothing and arch_context_switch is switch.S itself.
 */
#ifndef KAIROS_HOST_FIBER_H
#define KAIROS_HOST_FIBER_H

#ifdef __SANITIZE_ADDRESS__
/* First code of a new context: finish the switch that started it. */
void fiber_entered(void);
#else
static inline void fiber_entered(void)
{
}
#endif

#endif
