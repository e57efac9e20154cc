/*
 * rt_sigaction, rt_sigprocmask, rt_sigreturn (docs/signals.md): Linux's
 * raw calls, with the kernel's 8-byte sigset.
 */
#include "handlers.h"

#include "arch.h"
#include "kerrno.h"
#include "ksignal.h"
#include "proc.h"
#include "spinlock.h"
#include "uaccess.h"
#include "uvm.h"

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define KSA_KNOWN                                                              \
    (0x00000001U /* NOCLDSTOP */ | 0x00000002U /* NOCLDWAIT */ | KSA_SIGINFO | \
     KSA_RESTORER | KSA_ONSTACK | KSA_RESTART | KSA_NODEFER | KSA_RESETHAND)

#define BIT(s) (1ULL << ((s)-1))

/* rt_sigaction(sig, act, oact, sigsetsize). */
long sys_rt_sigaction(const long arg[6])
{
    struct process *p = proc_current();
    int sig = (int)arg[0];
    const void *actp = (const void *)arg[1];
    void *oactp = (void *)arg[2];
    struct ksigaction act, old;

    if (p->vm == NULL || arg[3] != 8 || sig < 1 || sig >= KNSIG ||
        (actp != NULL && (sig == SIGKILL || sig == SIGSTOP))) {
        return -EINVAL;
    }
    if (actp != NULL && copy_from_caller(&act, actp, sizeof(act)) != 0) {
        return -EFAULT;
    }
    if (actp != NULL && (act.flags & ~(uint64_t)KSA_KNOWN) != 0) {
        return -EINVAL;
    }
    if (oactp != NULL && check_caller_writable(oactp, sizeof(old)) != 0) {
        return -EFAULT;
    }
    spin_lock(&sched_lock);
    old = p->vm->sigact[sig - 1];
    if (actp != NULL) {
        act.mask &= ~(BIT(SIGKILL) | BIT(SIGSTOP));
        p->vm->sigact[sig - 1] = act;
        if (act.handler == KSIG_IGN) { /* what is pending goes */
            p->sig_pending &= ~BIT(sig);
            p->sig_held &= ~BIT(sig);
        }
    }
    spin_unlock(&sched_lock);
    return oactp != NULL ? copy_to_caller(oactp, &old, sizeof(old)) : 0;
}

/* rt_sigprocmask(how, set, oset, sigsetsize). */
long sys_rt_sigprocmask(const long arg[6])
{
    struct process *p = proc_current();
    const void *setp = (const void *)arg[1];
    void *osetp = (void *)arg[2];
    uint64_t set = 0, old;

    if (arg[3] != 8 ||
        (setp != NULL && (arg[0] < SIG_BLOCK || arg[0] > SIG_SETMASK))) {
        return -EINVAL;
    }
    if (setp != NULL && copy_from_caller(&set, setp, sizeof(set)) != 0) {
        return -EFAULT;
    }
    if (osetp != NULL && check_caller_writable(osetp, sizeof(old)) != 0) {
        return -EFAULT;
    }
    spin_lock(&sched_lock);
    old = p->sig_blocked;
    if (setp != NULL) {
        signal_set_blocked_locked(p, arg[0] == SIG_BLOCK     ? old | set
                                     : arg[0] == SIG_UNBLOCK ? old & ~set
                                                             : set);
    }
    spin_unlock(&sched_lock);
    return osetp != NULL ? copy_to_caller(osetp, &old, sizeof(old)) : 0;
}

/* rt_sigreturn(): back to where the signal found the process; a frame
 * that cannot be read ends it with SIGSEGV. */
long sys_rt_sigreturn(const long arg[6])
{
    struct process *p = proc_current();
    uint64_t blocked;
    long rax;

    (void)arg;
    if (p->vm == NULL) {
        return -EINVAL;
    }
    rax = arch_signal_return(&blocked);
    if (rax == -EFAULT) {
        signal_force(SIGSEGV);
        return -EFAULT;
    }
    spin_lock(&sched_lock);
    signal_set_blocked_locked(p, blocked);
    spin_unlock(&sched_lock);
    return rax;
}

/* rt_sigsuspend(mask, sigsetsize): -EINTR once a signal came. */
long sys_rt_sigsuspend(const long arg[6])
{
    uint64_t mask;

    if (proc_current()->vm == NULL || arg[1] != 8) {
        return -EINVAL;
    }
    if (copy_from_caller(&mask, (const void *)arg[0], sizeof(mask)) != 0) {
        return -EFAULT;
    }
    return signal_suspend(mask);
}
