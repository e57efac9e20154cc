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

void signal_send_info_locked(struct process *p, int sig,
                             const struct sig_info *info)
{
    KASSERT(holding(&sched_lock));
    if (p->state == PROCESS_ZOMBIE || ignored(p, sig)) {
        return;
    }
    if (!((p->sig_pending | p->sig_held) & BIT(sig))) {
        p->sig_info[sig - 1] = *info; /* a second one merges into it */
    }
    if ((p->sig_blocked & BIT(sig)) && !(BIT(sig) & UNBLOCKABLE)) {
        p->sig_held |= BIT(sig); /* delivered when unblocked */
        return;
    }
    p->sig_pending |= BIT(sig);
    sched_interrupt_locked(p);
}

void signal_send_locked(struct process *p, int sig)
{
    struct sig_info info = {.code = KSI_USER, .pid = current_pid()};

    signal_send_info_locked(p, sig, &info);
}

void signal_child_exit_locked(struct process *child)
{
    struct sig_info info = {
        .code = child->exit_signal != 0 ? KCLD_KILLED : KCLD_EXITED,
        .pid = child->pid,
        .status = child->exit_signal != 0 ? child->exit_signal
                                          : child->exit_code & 0xff,
    };

    signal_send_info_locked(child->parent, SIGCHLD, &info);
}

void signal_force(int sig, int code, uint64_t addr)
{
    struct process *p = proc_current();
    struct sig_info info = {.code = code, .addr = addr};

    spin_lock(&sched_lock);
    if (p->vm != NULL && (p->vm->sigact[sig - 1].handler == KSIG_IGN ||
                          (p->sig_blocked & BIT(sig)))) {
        p->vm->sigact[sig - 1].handler = KSIG_DFL;
        signal_set_blocked_locked(p, p->sig_blocked & ~BIT(sig));
    }
    signal_send_info_locked(p, sig, &info);
    spin_unlock(&sched_lock);
}

/* process_kill with a code: tgid, if not 0, must be the target's pid. */
static int kill_one(pid_t tgid, pid_t pid, int sig, int code)
{
    struct sig_info info = {.code = code,
                            .pid = code == KSI_KERNEL ? 0 : current_pid()};
    struct process *p;
    int err = 0;

    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    if (p == NULL || (tgid != 0 && tgid != pid)) {
        err = -ESRCH; /* one thread per process: tid == pid */
    } else if (sig < 0 || sig >= KNSIG) {
        err = -EINVAL; /* Linux's order: the target, then the signal */
    } else if (p->idle || p->pid == 1) {
        err = -EPERM; /* the machine needs both, and neither can be reaped */
    } else if (sig != 0) {
        signal_send_info_locked(p, sig, &info);
    }
    /* Not a safe point itself: interrupt handlers call it (ctrl-C).  A
     * caller that killed itself ends at its next one. */
    spin_unlock(&sched_lock);
    return err;
}

int process_kill(pid_t pid, int sig)
{
    return kill_one(0, pid, sig, KSI_USER);
}

int signal_send_kernel(pid_t pid, int sig)
{
    return kill_one(0, pid, sig, KSI_KERNEL);
}

int signal_tkill(pid_t tgid, pid_t tid, int sig)
{
    return kill_one(tgid, tid, sig, KSI_TKILL);
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
        p->kill_deferred != 0 ||
        __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED) == 0) {
        return;
    }
    sig = take_uncaught(p);
    if (sig != 0) {
        proc_exit_signalled(sig);
    }
}

void kill_defer_begin(void)
{
    struct process *p = proc_current();

    KASSERT(p != NULL && !p->idle);
    p->kill_deferred++;
}

void kill_defer_end(void)
{
    struct process *p = proc_current();

    KASSERT(p != NULL && p->kill_deferred > 0);
    if (--p->kill_deferred == 0) {
        signal_deliver(); /* the safe point the bracket put off */
    }
}

/* Restore sigsuspend's or ppoll's mask if it is still in effect. */
static void restore_saved_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    if (p->sig_has_saved) {
        p->sig_has_saved = false;
        signal_set_blocked_locked(p, p->sig_saved);
    }
}

/*
 * Take the next caught signal off p's pending set and describe its frame
 * in *s; the handler's mask takes effect.  Its number, or 0 when none is
 * pending (then a mask sigsuspend or ppoll saved is back).  sched_lock.
 */
static int take_caught_locked(struct process *p, struct arch_signal *s)
{
    struct ksigaction act;
    int sig;

    KASSERT(holding(&sched_lock));
    if (p->sig_pending == 0) {
        restore_saved_locked(p); /* the wake was dropped, or none came */
        return 0;
    }
    sig = signal_pick(p->sig_pending);
    p->sig_pending &= ~BIT(sig);
    act = p->vm->sigact[sig - 1];
    *s = (struct arch_signal){
        .sig = sig,
        .handler = act.handler,
        .flags = act.flags,
        .restorer = act.restorer,
        .old_blocked = p->sig_has_saved ? p->sig_saved : p->sig_blocked,
        .code = p->sig_info[sig - 1].code,
        .pid = p->sig_info[sig - 1].pid,
        .stack = p->vm->sigstack,
    };
    s->status = p->sig_info[sig - 1].status;
    s->addr = p->sig_info[sig - 1].addr;
    p->sig_has_saved = false; /* the frame restores the saved mask */
    /* the handler runs under the mask in effect (a temporary one too) */
    signal_set_blocked_locked(p, p->sig_blocked | act.mask |
                                     (act.flags & KSA_NODEFER ? 0 : BIT(sig)));
    if (act.flags & KSA_RESETHAND) {
        p->vm->sigact[sig - 1].handler = KSIG_DFL;
    }
    return sig;
}

void signal_return_to_user(void)
{
    struct process *p = proc_current();
    struct arch_signal s;
    int sig = 0;

    if (p == NULL || p->vm == NULL ||
        (p->sig_pending == 0 && !p->sig_has_saved)) {
        return; /* the common case: nothing to do, no lock taken */
    }
    if (p->sig_pending != 0) {
        sig = take_uncaught(p);
        if (sig != 0) {
            proc_exit_signalled(sig); /* interrupts may be off: no lock */
        }
    }
    spin_lock(&sched_lock);
    sig = take_caught_locked(p, &s);
    spin_unlock(&sched_lock);
    if (sig == 0) {
        return;
    }
    if (arch_signal_setup(&s) != 0) {
        proc_exit_signalled(SIGSEGV); /* no room for the frame */
    }
    if (s.stack.flags & KSS_AUTODISARM) {
        p->vm->sigstack = (struct arch_sigstack){0}; /* uc_stack has it */
    }
}

void signal_mask_begin(uint64_t mask)
{
    struct process *p = proc_current();

    spin_lock(&sched_lock);
    p->sig_saved = p->sig_blocked;
    p->sig_has_saved = true;
    signal_set_blocked_locked(p, mask);
    spin_unlock(&sched_lock);
}

void signal_mask_end(long ret)
{
    struct process *p = proc_current();

    spin_lock(&sched_lock);
    if (ret != -EINTR || p->sig_pending == 0) {
        restore_saved_locked(p); /* else after the handler's frame */
    }
    spin_unlock(&sched_lock);
}

int signal_suspend(uint64_t mask)
{
    struct process *p = proc_current();
    int err;

    signal_mask_begin(mask);
    spin_lock(&sched_lock);
    do { /* nothing wakes this channel: only a signal ends the wait */
        err = block_current_locked((wait_channel_t)&p->sig_saved, &sched_lock);
    } while (err == 0);
    spin_unlock(&sched_lock);
    return -EINTR;
}

void signal_exec_inherit(struct uvm *vm, const struct process *p)
{
    /* vm is no one's yet, and only p itself changes p's sigact: no lock */
    for (int s = 1; s < KNSIG; s++) {
        vm->sigact[s - 1] = p->vm->sigact[s - 1].handler == KSIG_IGN
                                ? (struct ksigaction){.handler = KSIG_IGN}
                                : (struct ksigaction){0};
    }
    vm->sigstack = (struct arch_sigstack){0};
}
