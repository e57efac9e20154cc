/*
 * Signals (docs/signals.md).  A signal is a bit in the target's
 * sig_pending, set under sched_lock.  Kernel processes have no handlers,
 * so every signal terminates; the only question is when: at the target's
 * next safe point (signal_deliver), never while it holds a lock.  An
 * interruptible wait it is in is cut short first (sched_interrupt_locked),
 * so the target reaches a safe point soon.
 */
#include "ksignal.h"

#include "kerrno.h"
#include "proc.h"
#include "sched.h"

int process_kill(pid_t pid, int sig)
{
    struct process *p;
    int err = 0;

    if (sig < 0 || sig >= KNSIG) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    if (p == NULL) {
        err = -ESRCH;
    } else if (p->idle || p->pid == 1) {
        err = -EPERM; /* the machine needs both, and neither can be reaped */
    } else if (sig != 0 && p->state != PROCESS_ZOMBIE) {
        p->sig_pending |= 1u << sig;
        sched_interrupt_locked(p);
    }
    /* Not a safe point itself: interrupt handlers call it (ctrl-C).  A
     * caller that killed itself ends at its next one. */
    spin_unlock(&sched_lock);
    return err;
}

bool signal_pending(void)
{
    struct process *p = proc_current();

    return p != NULL && __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED);
}

/* SIGKILL first, then the lowest-numbered pending signal. */
static int signal_pick(uint32_t pending)
{
    if (pending & (1u << SIGKILL)) {
        return SIGKILL;
    }
    return __builtin_ctz(pending);
}

void signal_deliver(void)
{
    struct process *p = proc_current();
    uint32_t pending;

    if (p == NULL || p->idle || irq_off_depth() != 0 || p->held != NULL) {
        return;
    }
    pending = __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED);
    if (pending != 0) {
        proc_exit_signalled(signal_pick(pending));
    }
}
