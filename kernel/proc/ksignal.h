/*
 * Signals inside the kernel (docs/signals.md): delivery at safe points.
 * process_kill, the sending side, is in process.h.
 */
#ifndef KAIROS_KSIGNAL_H
#define KAIROS_KSIGNAL_H

#include <stdbool.h>

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

#endif
