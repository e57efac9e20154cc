/*
 * panic and KASSERT: for broken invariants, never for bad input.
 *
 * panic prints the message, file:line and a backtrace, then stops the
 * machine.  A test kernel installs a hook that makes QEMU exit with the
 * failure code instead, so a panic never leaves a test run hanging.
 */
#ifndef KAIROS_PANIC_H
#define KAIROS_PANIC_H

#include <stdbool.h>

#include "klog.h" /* panicking */

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Check an invariant; on failure panic with the expression text. */
#define KASSERT(cond)                                                    \
    do {                                                                 \
        if (__builtin_expect(!(cond), 0)) {                              \
            panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond); \
        }                                                                \
    } while (0)

_Noreturn void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Called by panic (and by the fatal-exception report) after printing and
 * before halting.  NULL by default; the test kernel sets one that exits QEMU.
 * The hook must not return if it can help it; if it does, the CPU halts.
 */
typedef void (*panic_hook_t)(void);
void panic_set_hook(panic_hook_t hook);
/* Stop the machine after a fatal report: run the hook, then arch_halt. */
_Noreturn void panic_finish(void);
/*
 * Print the frame-pointer chain starting at frame (NULL: the caller's), one
 * symbolised return address per line, numbered from first.
 */
void backtrace_print(const void *frame, int first);

#endif
