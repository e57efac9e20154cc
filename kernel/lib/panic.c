/*
 * panic: report a broken invariant and stop.
 */
#include <stdarg.h>

#include "panic.h"

#include "arch.h"
#include "klog.h"
#include "param.h"
#include "printf.h"

static panic_hook_t hook;

void panic_set_hook(panic_hook_t h)
{
    hook = h;
}

/*
 * Return addresses point after their call, which may be past the end of a
 * function that never returns, so each is looked up at pc - 1.
 */
void backtrace_print(const void *frame, int first)
{
    uintptr_t pcs[BACKTRACE_MAX];
    int n = arch_backtrace(frame, pcs, BACKTRACE_MAX);

    for (int i = 0; i < n; i++) {
        uintptr_t off = 0;
        const char *name = arch_symbolize(pcs[i] - 1, &off);

        kprintf("  #%d %016lx <%s+0x%lx>\n", first + i, (unsigned long)pcs[i],
                name ? name : "?", (unsigned long)(off + 1));
    }
}

_Noreturn void panic_finish(void)
{
    if (hook != NULL) {
        hook();
    }
    arch_halt();
}

_Noreturn void panic_at(const char *file, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    arch_irq_save();
    panicking = true;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kprintf("\nPANIC: %s\n  at %s:%d\n", msg, file, line);
    kprintf("backtrace:\n");
    backtrace_print(NULL, 0);
    panic_finish();
}
