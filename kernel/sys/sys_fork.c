/*
 * fork, vfork, clone (docs/linux-abi.md): a child with a copy-on-write
 * copy of the caller's memory (uvm_fork), every descriptor shared, the
 * caller's registers with the system call returning 0.
 *
 * clone takes exactly the flag sets C libraries use for fork and
 * posix_spawn: SIGCHLD (fork), CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
 * SIGCHLD (glibc's fork; the tid is written, and clearing it at exit is
 * moot: the memory goes with the process), and CLONE_VM | CLONE_VFORK |
 * SIGCHLD (posix_spawn, vfork).  Anything else is -EINVAL: there are no
 * threads.  CLONE_VM is served by a copy, not a shared address space: a
 * vfork child runs on its own copy (on the stack the caller gave it),
 * and the caller sleeps until the child execs or exits, which is all
 * posix_spawn and vfork's users rely on.
 */
#include "handlers.h"

#include "kerrno.h"
#include "proc.h"
#include "process.h"
#include "sched.h"
#include "spinlock.h"
#include "uvm.h"

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_VFORK          0x00004000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define SIGCHLD_NR           17

static int fork_start(void *arg)
{
    (void)arg;
    uvm_start_forked();
}

/*
 * The child of the caller: its pid, or -EAGAIN (table full), -ENOMEM,
 * -EINVAL (a kernel process).  newsp: the child's stack (0: the caller's);
 * ctid: where CLONE_CHILD_SETTID puts the tid (0: nowhere).
 */
static long do_fork(uintptr_t newsp, uintptr_t ctid, bool vfork)
{
    struct process *self = proc_current();
    struct uvm *vm;
    pid_t pid;
    int err;

    if (self->vm == NULL) {
        return -EINVAL; /* kernel processes spawn, they do not fork */
    }
    vm = uvm_fork(self->vm, &err);
    if (vm == NULL) {
        return err;
    }
    arch_uregs_get(&vm->regs);
    arch_uregs_set_return(&vm->regs, 0);
    if (newsp != 0) {
        arch_uregs_set_sp(&vm->regs, newsp);
    }
    vm->child_tid = ctid;
    pid = proc_fork(self->name, fork_start, vm, vfork);
    if (pid < 0) {
        uvm_destroy(vm);
        return pid;
    }
    if (vfork) {
        proc_vfork_wait(pid);
    }
    return pid;
}

long sys_fork(const long arg[6])
{
    (void)arg;
    return do_fork(0, 0, false);
}

long sys_vfork(const long arg[6])
{
    (void)arg;
    return do_fork(0, 0, true);
}

/* clone(flags, newsp, parent_tid, child_tid, tls): the three flag sets
 * above. */
long sys_clone(const long arg[6])
{
    unsigned long flags = (unsigned long)arg[0];
    uintptr_t newsp = (uintptr_t)arg[1], ctid = (uintptr_t)arg[3];

    if ((flags & CSIGNAL) != SIGCHLD_NR) {
        return -EINVAL;
    }
    switch (flags & ~(unsigned long)CSIGNAL) {
    case 0:
        return do_fork(newsp, 0, false);
    case CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID:
        return do_fork(newsp, ctid, false);
    case CLONE_VM | CLONE_VFORK:
        return do_fork(newsp, 0, true);
    default:
        return -EINVAL; /* threads and namespaces: not in Kairos */
    }
}
