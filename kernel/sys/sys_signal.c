/*
 * rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigsuspend, sigaltstack,
 * tkill, tgkill (docs/signals.md): Linux's raw calls, with the kernel's
 * 8-byte sigset.
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

/*
 * Change vm's alternate stack to ss for a process at sp (Linux's
 * do_sigaltstack): -EPERM while sp is on the current one, -EINVAL for a
 * mode but 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM may be added),
 * -ENOMEM for a size below MINSIGSTKSZ.
 */
static int set_sigstack(struct uvm *vm, const struct arch_sigstack *ss,
                        uint64_t sp)
{
    uint32_t mode = ss->flags & ~KSS_AUTODISARM;

    if (sigstack_on(&vm->sigstack, sp)) {
        return -EPERM;
    }
    if (mode != 0 && mode != KSS_ONSTACK && mode != KSS_DISABLE) {
        return -EINVAL;
    }
    if (mode == KSS_DISABLE) {
        vm->sigstack = (struct arch_sigstack){0, 0, ss->flags};
        return 0;
    }
    if (ss->size < KMINSIGSTKSZ) {
        return -ENOMEM;
    }
    vm->sigstack = *ss;
    return 0;
}

/* rt_sigreturn(): back to where the signal found the process, with the
 * alternate stack uc_stack holds (unless the handler ran on the one in
 * effect: -EPERM, ignored, as Linux); a frame that cannot be read ends it
 * with SIGSEGV. */
long sys_rt_sigreturn(const long arg[6])
{
    struct process *p = proc_current();
    struct arch_sigstack stack;
    uint64_t blocked, sp;
    long rax;

    (void)arg;
    if (p->vm == NULL) {
        return -EINVAL;
    }
    sp = arch_user_sp(); /* the handler's: Linux checks this one */
    rax = arch_signal_return(&blocked, &stack);
    if (rax == -EFAULT) {
        signal_force(SIGSEGV, KSI_KERNEL, 0);
        return -EFAULT;
    }
    spin_lock(&sched_lock);
    signal_set_blocked_locked(p, blocked);
    spin_unlock(&sched_lock);
    (void)set_sigstack(p->vm, &stack, sp); /* errors ignored, as Linux */
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

/* Linux's stack_t. */
struct kstack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

/* sigaltstack(ss, old_ss): old_ss gets the stack in effect before (its
 * flags SS_DISABLE, SS_ONSTACK or 0, with SS_AUTODISARM if set). */
long sys_sigaltstack(const long arg[6])
{
    struct uvm *vm = proc_current()->vm;
    const void *ssp = (const void *)arg[0];
    void *oldp = (void *)arg[1];
    uint64_t sp = arch_user_sp();
    struct kstack ss, old;
    int err = 0;

    if (vm == NULL) {
        return -EINVAL;
    }
    if (ssp != NULL && copy_from_caller(&ss, ssp, sizeof(ss)) != 0) {
        return -EFAULT;
    }
    old = (struct kstack){
        .ss_sp = vm->sigstack.sp,
        .ss_flags = (int32_t)(sigstack_mode(&vm->sigstack, sp) |
                              (vm->sigstack.flags & KSS_AUTODISARM)),
        .ss_size = vm->sigstack.size,
    };
    if (ssp != NULL) {
        struct arch_sigstack want = {ss.ss_sp, ss.ss_size,
                                     (uint32_t)ss.ss_flags};

        err = set_sigstack(vm, &want, sp);
    }
    if (err == 0 && oldp != NULL &&
        copy_to_caller(oldp, &old, sizeof(old)) != 0) {
        err = -EFAULT;
    }
    return err;
}

/* tkill(tid, sig): one thread per process, so tid is a pid. */
long sys_tkill(const long arg[6])
{
    if ((int)arg[0] <= 0) {
        return -EINVAL;
    }
    return signal_tkill(0, (pid_t)arg[0], (int)arg[1]);
}

/* tgkill(tgid, tid, sig): -ESRCH unless tid is in tgid (tid == tgid). */
long sys_tgkill(const long arg[6])
{
    if ((int)arg[0] <= 0 || (int)arg[1] <= 0) {
        return -EINVAL;
    }
    return signal_tkill((pid_t)arg[0], (pid_t)arg[1], (int)arg[2]);
}
