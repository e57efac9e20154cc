/*
 * Signals inside the kernel (docs/signals.md): delivery at safe points.
 * process_kill, the sending side, is in process.h.
 */
#ifndef KAIROS_KSIGNAL_H
#define KAIROS_KSIGNAL_H

#include <stdbool.h>
#include <stdint.h>

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

struct process;

/* Record sig on p (sched_lock held): discarded if p ignores it, held if
 * p blocks it, else pending (an interruptible wait of p ends). */
void signal_send_locked(struct process *p, int sig);
/* A fault's signal on the running process: it cannot be ignored or
 * blocked (either is undone), as Linux's force_sig. */
void signal_force(int sig);
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
/* execve: handlers reset to SIG_DFL (SIG_IGN stays). */
void signal_exec_reset(struct process *p);

#endif
