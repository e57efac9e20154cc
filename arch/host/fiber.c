/*
 * AddressSanitizer and the host port's stack switches.
 *
 * ASan tracks one stack per thread.  Processes run on their own stacks on
 * the same thread, so without help it cannot tell where the current stack
 * ends: it refuses __asan_handle_no_return, and the poisoned redzones of a
 * process that exits (exit_current never returns) stay in shadow memory,
 * so the next allocation that reuses that memory is reported as a stack
 * overflow.  The fiber annotations below tell ASan about every switch.
 *
 * The sanitised host build assembles switch.S under the name
 * host_context_switch (Makefile); this file's arch_context_switch wraps
 * it.  Without ASan this file is empty and switch.S is the switch.  No
 * local here has its address taken, so these frames carry no redzones of
 * their own on a stack that is abandoned.
 */
#ifdef __SANITIZE_ADDRESS__

#include <sanitizer/common_interface_defs.h>

#include "arch.h"
#include "fiber.h"

void host_context_switch(struct arch_context *from, struct arch_context *to);

static struct arch_context *switching_from; /* the context being left */

/* The switch into the current stack is done: learn the old stack's bounds. */
static void finish(void *fake_stack)
{
    struct arch_context *prev = switching_from;

    __sanitizer_finish_switch_fiber(fake_stack, &prev->stack,
                                    &prev->stack_size);
}

void fiber_entered(void)
{
    finish(NULL);
}

void arch_context_switch(struct arch_context *from, struct arch_context *to)
{
    switching_from = from;
    __sanitizer_start_switch_fiber(&from->fake_stack, to->stack,
                                   to->stack_size);
    host_context_switch(from, to);
    finish(from->fake_stack);
}

#endif
