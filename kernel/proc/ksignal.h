/*
 * Signals inside the kernel (docs/signals.md): delivery at safe points.
 * process_kill, the sending side, is in process.h.
 */
#ifndef KAIROS_KSIGNAL_H
#define KAIROS_KSIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "process.h"

/* True if a signal is recorded on the running process (lock-free read). */
bool signal_pending(void);
/*
 * A safe point: if a signal is pending on the running process and it holds
 * no lock (irq_off_depth() == 0) and owns no kmutex (p->held NULL), end
 * it (proc_exit_signalled, never returns); otherwise nothing.  Idle and
 * code outside a process: nothing.  kmutex_unlock calls it when it has
 * released the caller's last mutex.
 */
void signal_deliver(void);

/* sigaction flags (Linux's). */
#define KSA_SIGINFO   0x00000004U
#define KSA_RESTORER  0x04000000U
#define KSA_ONSTACK   0x08000000U
#define KSA_RESTART   0x10000000U
#define KSA_NODEFER   0x40000000U
#define KSA_RESETHAND 0x80000000U

/* si_code values (Linux's). */
#define KSI_USER     0    /* kill, and signals the kernel sends for one */
#define KSI_KERNEL   0x80 /* the kernel's own (#GP, int3, a bad frame) */
#define KSI_TKILL    (-6) /* tkill, tgkill */
#define KILL_ILLOPN  2    /* SIGILL: illegal operand (#UD) */
#define KFPE_INTDIV  1    /* SIGFPE: integer divide (#DE) */
#define KFPE_FLTDIV  3    /* SIGFPE: the x87 / SSE exceptions */
#define KFPE_FLTOVF  4
#define KFPE_FLTUND  5
#define KFPE_FLTRES  6
#define KFPE_FLTINV  7
#define KSEGV_MAPERR 1 /* SIGSEGV: no mapping at the address */
#define KSEGV_ACCERR 2 /* SIGSEGV: a mapping that forbids the access */
#define KBUS_ADRALN  1 /* SIGBUS: misaligned (#AC) */
#define KTRAP_TRACE  2 /* SIGTRAP: single step (#DB) */
#define KCLD_EXITED  1 /* SIGCHLD: the child exited */
#define KCLD_KILLED  2 /* SIGCHLD: a signal ended it */

/* How a signal came: what its handler's siginfo says. */
struct sig_info {
    int32_t code; /* a KSI_ / K*_ code above */
    int32_t pid;  /* the sender (KSI_USER, KSI_TKILL) or the child */
    union {
        int32_t status; /* SIGCHLD: exit status, or the signal */
        uint64_t addr;  /* a fault's: si_addr */
    };
};

/* sigaltstack's ss_flags (Linux's). */
#define KSS_ONSTACK    1
#define KSS_DISABLE    2
#define KSS_AUTODISARM (1U << 31)
#define KMINSIGSTKSZ   2048

/* sp is on ss (Linux's on_sig_stack: never with SS_AUTODISARM). */
static inline bool sigstack_on(const struct arch_sigstack *ss, uint64_t sp)
{
    return !(ss->flags & KSS_AUTODISARM) && sp > ss->sp &&
           sp - ss->sp <= ss->size;
}

/* The stack's mode for a process at sp (Linux's sas_ss_flags):
 * SS_DISABLE, SS_ONSTACK or 0; sigaltstack adds SS_AUTODISARM if set. */
static inline uint32_t sigstack_mode(const struct arch_sigstack *ss,
                                     uint64_t sp)
{
    return ss->size == 0 ? KSS_DISABLE : sigstack_on(ss, sp) ? KSS_ONSTACK : 0;
}

struct process;

/* Record sig on p (sched_lock held) as sent by the running process
 * (KSI_USER): signal_send_info_locked. */
void signal_send_locked(struct process *p, int sig);
/* Record sig on p with info (sched_lock held): discarded if p ignores
 * it, held if p blocks it, else pending (an interruptible wait of p
 * ends).  A signal already recorded keeps its first info (no queue). */
void signal_send_info_locked(struct process *p, int sig,
                             const struct sig_info *info);
/* SIGCHLD to child's parent, CLD_EXITED or CLD_KILLED (sched_lock; the
 * child's exit_code and exit_signal set). */
void signal_child_exit_locked(struct process *child);
/* A fault's signal on the running process, with its si_code and
 * si_addr: it cannot be ignored or blocked (either is undone), as
 * Linux's force_sig. */
void signal_force(int sig, int code, uint64_t addr);
/* process_kill for a signal the kernel sends on its own (ctrl-C's
 * SIGINT): si_code KSI_KERNEL, no sender pid, as Linux's tty. */
int signal_send_kernel(pid_t pid, int sig);
/* tkill and tgkill (tgid 0: any): kill as process_kill, si_code
 * KSI_TKILL; -ESRCH also when tid is not in tgid. */
int signal_tkill(pid_t tgid, pid_t tid, int sig);
/* p's blocked set becomes mask (SIGKILL, SIGSTOP never); held signals
 * now unblocked become pending.  sched_lock. */
void signal_set_blocked_locked(struct process *p, uint64_t mask);
/* The way back to ring 3 (the port calls it last): a pending signal the
 * user process catches gets its handler's frame (arch_signal_setup);
 * an uncaught one acts as in signal_deliver. */
void signal_return_to_user(void);
/* rt_sigsuspend: wait with mask until a signal is delivered: -EINTR; the
 * mask before it comes back once the handler's frame is made (the frame
 * holds it) or, with no handler, on the way back to ring 3. */
int signal_suspend(uint64_t mask);
/* ppoll's temporary mask: the blocked set becomes mask until
 * signal_mask_end. */
void signal_mask_begin(uint64_t mask);
/* The call with a temporary mask returns ret: with -EINTR and a signal
 * pending the old mask comes back after its handler, as in
 * rt_sigsuspend; otherwise now. */
void signal_mask_end(long ret);

struct uvm;
/* execve: the new image vm (not yet the caller's) takes the caller's
 * ignored signals; every other disposition is SIG_DFL (the handlers were
 * in the old image), and there is no alternate stack. */
void signal_exec_inherit(struct uvm *vm, const struct process *p);

#endif
