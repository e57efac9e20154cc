/*
 * The host port's own controls: what a test or a program linked against
 * the host library uses to play the machine (docs/host.md).
 *
 * The host port runs the kernel core as an ordinary Linux process on one
 * thread.  Interrupts are simulated: the interrupt flag is a variable, and
 * the only interrupt is the timer tick, which happens when host_tick() is
 * called (or automatically, see host_tick_every).  A tick is delivered the
 * way x86_64 delivers IRQ 0: with the flag on at once, with it off as soon
 * as it comes back on; delivery runs timer_tick() and then the interrupt
 * exit path (sched_irq_exit), which may switch to another process.
 *
 * Everything here must be called from the kernel's own thread: from
 * main before or after start_scheduler, from a process, or from the idle
 * hook.  Nothing here is thread-safe, by design: there is one CPU.
 */
#ifndef KAIROS_HOST_H
#define KAIROS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Raise one timer interrupt now.  With the simulated flag on it is
 * delivered before host_tick returns (and may switch to another process,
 * which runs until something switches back).  With the flag off it stays
 * pending and is delivered the moment the flag comes back on; like a PIC
 * line, a second tick raised while one is pending is merged into it.
 */
void host_tick(void);

/*
 * Raise host_tick() automatically at every n-th counted call of the port's
 * hooks (n = 0 turns it off; setting n restarts the count).  Counted calls:
 * arch_irq_save, arch_irq_restore, arch_irq_enable, arch_irq_enabled,
 * arch_cpu_relax and arch_syscall; the tick is raised on entry to the call,
 * before it acts.  Not counted: any other arch_ call (arch_cpu_idle has its
 * own hook), and calls made from a tick's delivery until the flag is next
 * turned on (the interrupt handler and the tail of the switch it caused),
 * so every process runs n counted calls of its own between ticks.
 */
void host_tick_every(unsigned n);

/*
 * arch_cpu_idle (the idle task, when nothing is ready) calls hook with the
 * simulated flag on: true if it made something happen that may have
 * readied a process, false if it did nothing.  On false (or with no hook)
 * the simulated clock jumps to the earliest armed timer's expiry and that
 * tick is delivered, so sleepers wake at once and on their exact tick; with
 * no timer armed, arch_cpu_idle returns false, and when every live process
 * is blocked start_scheduler reports a deadlock and returns.  NULL removes
 * the hook.  The hook may call host_tick, wake_channel and spawn.
 */
void host_set_idle_hook(bool (*hook)(void));

/* What the simulated interrupt controller has done since host_reset. */
struct host_irq_stats {
    uint64_t raised;    /* host_tick calls, automatic ones included */
    uint64_t delivered; /* ticks that ran timer_tick and the exit path */
    uint64_t deferred;  /* raised with the flag off, so left pending */
    uint64_t merged;    /* raised while one was already pending: lost */
    uint64_t idles;     /* arch_cpu_idle calls */
    uint64_t jumps;     /* idle jumped the clock to a timer's expiry */
    bool pending;       /* a tick is waiting for the flag to come on */
};

/* The counters above.  No side effect (not a counted call). */
struct host_irq_stats host_irq_stats(void);

/*
 * Put the simulated CPU back to its power-on state: flag on, nothing
 * pending, automatic ticks off, no idle hook, counters zero, the timer at
 * HZ_DEFAULT with tick 0 and no timer armed.  Call it between tests, from
 * outside any process, after process_reset (which frees the records that
 * hold sleepers' timers).
 */
void host_reset(void);

/*
 * The memory process_init gives the machine when the program did not call
 * host_init first: 256 MiB (from aligned_alloc, committed by Linux only as
 * it is touched), room for about 12,000 processes alive at once.
 */
#define HOST_MEMORY_DEFAULT (256UL << 20)

/*
 * Set up a machine for a program linked against the host library: give
 * the kernel bytes of memory (from aligned_alloc; at least 1 MiB, and
 * about 20 KiB more per process alive at once), register the "console"
 * device (writing to stdout) and the "keyboard" device (no input on the
 * host), and host_reset.  Then call process_init.  Optional: process_init calls
 * host_init(HOST_MEMORY_DEFAULT) itself when no machine is set up, so call
 * it only to choose the size (or to reboot).  Calling it again
 * forgets every process, device and allocation first, like a reboot; it
 * must then be called from outside start_scheduler.  0, -EINVAL (bytes
 * too small) or -ENOMEM.
 */
int host_init(size_t bytes);

/*
 * Touch every page of the machine's memory now, keeping its contents, so
 * that Linux's first-touch page faults (zeroing a fresh page) are not paid
 * later inside something being measured: the frame allocator hands out
 * frames next-fit, so a long benchmark keeps reaching memory it never
 * touched.  For benchmarks; costs a pass over the memory.
 */
void host_prefault(void);

#endif
