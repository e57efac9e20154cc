/*
 * Signals (docs/signals.md).  A signal is a bit (s - 1) in the target's
 * sig_pending, set under sched_lock, or in sig_held while the target
 * blocks it.  Kernel processes have no handlers: a signal whose default
 * is to terminate ends them at their next safe point (signal_deliver),
 * never while they hold a lock.  User processes may also catch it: the
 * handler runs when the process next returns to ring 3
 * (signal_return_to_user, which the port calls on that way out).  A
 * signal the target ignores (SIG_IGN, or a default of "ignore") is
 * discarded when sent, so it never cuts a wait short.
 */
#include "ksignal.h"

#include "kerrno.h"
#include "panic.h"
#include "proc.h"
#include "sched.h"
#include "uvm.h"
#include "arch.h"

#define BIT(s)      (1ULL << ((s)-1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

/* Signals whose default action is to be ignored.  Kairos has no job
 * control: the stop signals (19-22) are ignored too (docs/signals.md). */
static bool default_ignored(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
           sig == SIGWINCH || (sig >= SIGSTOP && sig <= 22);
}

/* p's handler for sig (KSIG_DFL for kernel processes).  sched_lock, or p
 * itself. */
static uint64_t handler_of(const struct process *p, int sig)
{
    return p->vm != NULL ? p->vm->sigact[sig - 1].handler : KSIG_DFL;
}

static bool ignored(const struct process *p, int sig)
{
    uint64_t h = handler_of(p, sig);

    if (sig == SIGKILL || sig == SIGSTOP) {
        return sig == SIGSTOP; /* SIGKILL always acts; no stopping */
    }
    return h == KSIG_IGN || (h == KSIG_DFL && default_ignored(sig));
}

void signal_send_locked(struct process *p, int sig)
{
    KASSERT(holding(&sched_lock));
    if (p->state == PROCESS_ZOMBIE || ignored(p, sig)) {
        return;
    }
    if ((p->sig_blocked & BIT(sig)) && !(BIT(sig) & UNBLOCKABLE)) {
        p->sig_held |= BIT(sig); /* delivered when unblocked */
        return;
    }
    p->sig_pending |= BIT(sig);
    sched_interrupt_locked(p);
}

void signal_force(int sig)
{
    struct process *p = proc_current();

    spin_lock(&sched_lock);
    if (p->vm != NULL && (p->vm->sigact[sig - 1].handler == KSIG_IGN ||
                          (p->sig_blocked & BIT(sig)))) {
        p->vm->sigact[sig - 1].handler = KSIG_DFL;
        signal_set_blocked_locked(p, p->sig_blocked & ~BIT(sig));
    }
    signal_send_locked(p, sig);
    spin_unlock(&sched_lock);
}

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
    } else if (sig != 0) {
        signal_send_locked(p, sig);
    }
    /* Not a safe point itself: interrupt handlers call it (ctrl-C).  A
     * caller that killed itself ends at its next one. */
    spin_unlock(&sched_lock);
    return err;
}

void signal_set_blocked_locked(struct process *p, uint64_t mask)
{
    uint64_t all = p->sig_pending | p->sig_held;

    KASSERT(holding(&sched_lock));
    p->sig_blocked = mask & ~UNBLOCKABLE;
    p->sig_pending = all & ~p->sig_blocked;
    p->sig_held = all & p->sig_blocked;
}

bool signal_pending(void)
{
    struct process *p = proc_current();

    return p != NULL && __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED);
}

/* SIGKILL first, then the lowest-numbered pending signal. */
static int signal_pick(uint64_t pending)
{
    if (pending & BIT(SIGKILL)) {
        return SIGKILL;
    }
    return __builtin_ctzll(pending) + 1;
}

/*
 * The next pending signal of p that is not caught (handled ones stay for
 * signal_return_to_user): taken off, or 0.  Ignored ones are dropped on
 * the way (a handler may have been set to SIG_IGN since they were sent).
 */
static int take_uncaught(struct process *p)
{
    int sig = 0;

    spin_lock(&sched_lock);
    for (uint64_t left = p->sig_pending; left != 0;) {
        int s = signal_pick(left);
        uint64_t h = handler_of(p, s);

        left &= ~BIT(s);
        if (s != SIGKILL && h != KSIG_DFL && h != KSIG_IGN) {
            continue; /* caught: on the way to ring 3 */
        }
        p->sig_pending &= ~BIT(s);
        if (!ignored(p, s)) {
            sig = s;
            break;
        }
    }
    spin_unlock(&sched_lock);
    return sig;
}

void signal_deliver(void)
{
    struct process *p = proc_current();
    int sig;

    if (p == NULL || p->idle || irq_off_depth() != 0 || p->held != NULL ||
        __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED) == 0) {
        return;
    }
    sig = take_uncaught(p);
    if (sig != 0) {
        proc_exit_signalled(sig);
    }
}

void signal_return_to_user(void)
{
    struct process *p = proc_current();
    struct ksigaction act;
    uint64_t old;
    int sig = 0;

    if (p == NULL || p->vm == NULL) {
        return;
    }
    if (p->sig_pending == 0) {
        spin_lock(&sched_lock);
        if (p->sig_has_saved) { /* sigsuspend woke without a handler */
            p->sig_has_saved = false;
            signal_set_blocked_locked(p, p->sig_saved);
        }
        spin_unlock(&sched_lock);
        return;
    }
    sig = take_uncaught(p);
    if (sig != 0) {
        proc_exit_signalled(sig); /* interrupts may be off: no lock held */
    }
    spin_lock(&sched_lock);
    if (p->sig_pending != 0) {
        sig = signal_pick(p->sig_pending);
        p->sig_pending &= ~BIT(sig);
        act = p->vm->sigact[sig - 1];
        old = p->sig_has_saved ? p->sig_saved : p->sig_blocked;
        p->sig_has_saved = false; /* the frame restores the saved mask */
        signal_set_blocked_locked(
            p, old | act.mask | (act.flags & KSA_NODEFER ? 0 : BIT(sig)));
        if (act.flags & KSA_RESETHAND) {
            p->vm->sigact[sig - 1].handler = KSIG_DFL;
        }
    } else {
        sig = 0;
        if (p->sig_has_saved) { /* sigsuspend's wake was dropped */
            p->sig_has_saved = false;
            signal_set_blocked_locked(p, p->sig_saved);
        }
    }
    spin_unlock(&sched_lock);
    if (sig != 0 && arch_signal_setup(sig, act.handler, act.flags, act.restorer,
                                      old) != 0) {
        proc_exit_signalled(SIGSEGV); /* no room for the frame */
    }
}

int signal_suspend(uint64_t mask)
{
    struct process *p = proc_current();
    int err;

    spin_lock(&sched_lock);
    p->sig_saved = p->sig_blocked;
    p->sig_has_saved = true;
    signal_set_blocked_locked(p, mask);
    do { /* nothing wakes this channel: only a signal ends the wait */
        err = block_current_locked((wait_channel_t)&p->sig_saved, &sched_lock);
    } while (err == 0);
    spin_unlock(&sched_lock);
    return -EINTR;
}

void signal_exec_reset(struct process *p)
{
    spin_lock(&sched_lock); /* senders read sigact */
    for (int s = 1; s < KNSIG; s++) {
        struct ksigaction *a = &p->vm->sigact[s - 1];

        if (a->handler != KSIG_IGN) {
            *a = (struct ksigaction){0}; /* handlers are in the old image */
        }
    }
    spin_unlock(&sched_lock);
}
