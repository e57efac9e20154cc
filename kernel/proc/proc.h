/*
 * Process internals shared by the core's process, scheduler, syscall and
 * shell code.  Programs use kernel/proc/process.h; this header is the kernel's.
 *
 * Locking: one lock, sched_lock (kernel/proc/sched.c), guards the process
 * table, the run queue, the wait queues, every process's scheduling state
 * and its family links.  The order of every lock in the tree is in
 * docs/locks.md.
 */
#ifndef KAIROS_PROC_H
#define KAIROS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "ksignal.h"
#include "list.h"
#include "process.h"
#include "rbtree.h"
#include "spinlock.h"
#include "timer.h"
#include "vfs.h"

#define PROC_STACK_SIZE         (16 * 1024) /* kernel stack per process */
#define PROC_STACK_FILL         0xCD /* never-used stack bytes hold this */
#define PROC_STACK_CANARY_WORDS 8    /* words at the stack's bottom, checked */
#define PROC_STACK_CANARY       0x57ACC0DE57ACC0DEULL /* their value */
#define PROC_RECORD_ALIGN       64 /* a cache line: see struct process */
#define PROC_STACK_COLOURS      32 /* initial stack tops: this many offsets */
#define PROC_STACK_COLOUR_STEP  64 /* bytes between them: a cache line */

enum region_kind {
    REGION_STACK, /* reserved: the kernel stack is not a region */
    REGION_HEAP,  /* proc_alloc(..., REGION_HEAP) */
    REGION_OTHER, /* anything else a process owns */
};
#define REGION_NKINDS 3

/* One tracked allocation; the header sits just before the memory. */
struct region {
    struct list link; /* in the owner's regions list */
    size_t size;      /* bytes usable after the header */
    enum region_kind kind;
};

struct sched_class;
struct uvm;
struct file;

struct process {
    /*
     * sched_lock must be held when using these, the fields every switch
     * reads or writes.  They come first so that they share one cache line
     * (records are PROC_RECORD_ALIGN-aligned, asserted in proc_mem.c): with
     * thousands of processes each switch then misses on one line of the
     * record instead of two or three.  idle sits here too, constant.
     */
    struct arch_context context; /* saved registers while not running */
    enum process_state state;
    uint16_t slice_left; /* RR: ticks left in its quantum (<= SLICE_MAX) */
    bool idle;           /* the idle task (pid 0); constant */
    uint8_t prio; /* effective: 0 fair, 1..99 real time (max(base, lent)) */
    const struct sched_class *sclass; /* of prio; idle's is the idle class */
    struct list queue_link;           /* in an RT run list or a wait bucket */

    /* sched_lock must be held when using these, the fair class's (EEVDF,
     * in virtual time: sched_fair.c): */
    struct rb_node run_node; /* in the fair tree, by deadline */
    uint64_t vruntime;       /* virtual time received */
    uint64_t deadline;       /* virtual deadline of the current request */
    uint64_t min_vruntime;   /* the least vruntime in its subtree */
    int64_t vlag;            /* lag kept while not queued (bounded) */
    uint32_t weight;         /* from nice (Linux's sched_prio_to_weight) */
    uint32_t vtick;          /* virtual time of one tick: 2^26 / weight */

    /* sched_lock must be held when using these: */
    wait_channel_t channel; /* while BLOCKED */
    pid_t waits_for;        /* blocked in wait_child: its target (-1 any) */
    /* The policy (docs/sched.md), small, in the record's holes: */
    int8_t policy;          /* base: SCHED_OTHER, SCHED_FIFO or SCHED_RR */
    uint8_t rt_priority;    /* base priority: 0 for SCHED_OTHER, else 1..99 */
    int8_t nice;            /* -20..19: the fair class's weight */
    uint8_t lent_prio;      /* highest priority lent (inheritance), 0 none */
    uint64_t slices;        /* ticks charged, ever */
    uint64_t preemptions;   /* times the timer took the CPU from it */
    int exit_code;          /* once ZOMBIE */
    unsigned check_mark;    /* sched_check's visit stamp */
    uint64_t sig_pending;   /* bit s-1: signal s recorded, deliverable */
    uint64_t sig_held;      /* bit s-1: recorded but blocked */
    uint64_t sig_blocked;   /* bit s-1: blocked (rt_sigprocmask) */
    uint64_t sig_saved;     /* rt_sigsuspend: the mask to go back to */
    bool sig_has_saved;     /* ... once a handler ran (or at return) */
    uint8_t exit_signal;    /* once ZOMBIE: the signal that ended it, or 0 */
    bool wait_intr;         /* BLOCKED in an interruptible wait */
    bool execed;            /* called execve since its fork (setpgid) */
    struct process *parent; /* idle's record for orphans of a dead init */
    struct list children;   /* live children, by sibling */
    struct list zombies;    /* exited children not yet reaped, by sibling */
    struct list sibling;    /* in parent->children or parent->zombies */
    uint64_t serial;        /* spawn order, never reused (process_next) */
    struct list all_link;   /* in the list of every record (proc.c) */
    struct process *hash_next; /* next in its table slot's chain */
    struct kmutex *held;       /* mutexes it owns, by held_next */
    struct kwaiter *waiting;   /* in a sleeping lock's queue, or NULL */
    struct pgrp *pgrp;         /* its process group (pgrp.h); NULL: idle */
    struct list pgrp_link;     /* in pgrp->members, until reaped */

    /* timer_lock must be held when using these: */
    struct timer
        sleep_timer;         /* sleep_ticks's alarm; its channel while asleep */
    struct timer alarm;      /* alarm/setitimer's SIGALRM (itimer.h) */
    uint64_t alarm_interval; /* its period in ticks; 0: fires once */
    bool alarm_used;         /* no lock (the process's own): it ever set one */

    /*
     * No lock: set at spawn before the record is published under
     * sched_lock, then constant while the record lives.
     */
    pid_t pid;
    char name[PROCESS_NAME_MAX]; /* changed by execve, under sched_lock */
    uint32_t start_tick;   /* timer_ticks() at spawn, low 32 bits (a hole) */
    process_entry_t entry; /* what the process runs, and its argument */
    void *arg;
    uint8_t *stack; /* arch_kstack_alloc'd, PROC_STACK_SIZE; NULL: idle */

    /*
     * The descriptor table (fd.h): changed only by the process itself,
     * under sched_lock; read by it without a lock, by others under
     * sched_lock (process_descriptor).  Emptied at exit.
     */
    struct file *fds[MAX_FDS]; /* NULL, or a reference to an open file */
    uint64_t fd_open;          /* bit fd: fds[fd] is not NULL */
    uint64_t fd_cloexec;       /* bit fd: close fd on exec */

    /*
     * No lock: used only by the process itself while it runs, then by
     * whoever reaps it.
     */
    struct list regions; /* struct region, newest first */
    size_t region_bytes; /* sum of their sizes */
    int kill_deferred;   /* kill_defer_begin's depth: > 0, no safe point */
    /* The working directory (cwd.h): the parent's at spawn, then changed
     * only by chdir/fchdir.  A vnode is a plain value (vfs.h). */
    struct vnode cwd;

    /*
     * A user process's address space and user context (uvm.h), NULL for a
     * kernel process.  Set and cleared by the process itself under
     * sched_lock; the switch reads it (under sched_lock).
     */
    struct uvm *vm;
    /* A vfork child (CLONE_VFORK): its parent, asleep until this process
     * execs or exits; NULL otherwise.  sched_lock. */
    struct process *vfork_parent;

    /*
     * sched_lock: signal s's siginfo, how the one recorded in sig_pending
     * or sig_held came.  Written whenever s becomes pending, read only
     * while it is, so spawn does not clear it (record_clear stops here:
     * keep it last).
     */
    struct sig_info sig_info[KNSIG - 1];
};

extern struct spinlock sched_lock;

/*
 * The devices every new process gets as descriptor 0 (input) and 1 and 2
 * (output); NULL leaves them closed.  Boot calls it once the console
 * devices exist; spawns after it use them.
 */
void proc_set_std_devices(struct chardev *input, struct chardev *output);

/*
 * spawn_kernel_process, and for a user process vm: the new process owns
 * it from the start (a kill before it first runs frees it with the rest),
 * and runs entry(arg) on it in kernel mode first (entry then leaves for
 * ring 3).  On failure vm is still the caller's.
 */
pid_t proc_spawn(const char *name, process_entry_t entry, void *arg,
                 struct uvm *vm);
/* proc_spawn for fork: the child gets every descriptor of the caller
 * (fd_fork) and runs entry(NULL) on vm first; with vfork it is marked as
 * the caller's vfork child (proc_vfork_wait). */
pid_t proc_fork(const char *name, process_entry_t entry, struct uvm *vm,
                bool vfork);
/* The running user process becomes vm's program named name (execve):
 * the new address space loaded, the old freed, close-on-exec descriptors
 * closed, a vfork parent released. */
void proc_exec(struct uvm *vm, const char *name);
/* Sleep until vfork child child execs or exits (or we are killed). */
void proc_vfork_wait(pid_t child);
/* p execs or exits: its vfork parent, if any, goes on. */
void proc_vfork_release(struct process *p);

/* The running process (idle between processes; NULL before process_init). */
struct process *proc_current(void);
/* The process with this pid, or NULL.  Caller holds sched_lock. */
struct process *proc_lookup_locked(pid_t pid);
/* The same without the lock, for dumps on a wedged machine: bounded, may
 * miss or return a record being torn down, never faults on a sane table. */
struct process *proc_lookup_nolock(pid_t pid);

/*
 * How far below the top of its stack process pid starts (its colour): one
 * of PROC_STACK_COLOURS cache lines, so that stacks at the same offset in
 * their heap pools do not all fall into the same few cache sets.  pid * 5
 * is a permutation of the colours over any 32 consecutive pids.
 */
static inline size_t proc_stack_colour(pid_t pid)
{
    return ((size_t)pid * 5 & (PROC_STACK_COLOURS - 1)) *
           PROC_STACK_COLOUR_STEP;
}

/* "ready", "running", "blocked", "zombie" ("?" if out of range). */
const char *proc_state_name(enum process_state s);
/* False if the canary at the bottom of p's kernel stack was overwritten. */
bool proc_stack_intact(const struct process *p);
/* Call fn on every process in the table, in spawn order.  Caller holds
 * sched_lock. */
void proc_foreach_locked(void (*fn)(struct process *p, void *ctx), void *ctx);
/* The same without the lock, for dumps: bounded by PROC_TABLE_MAX records
 * and stops at a NULL link, so a torn list cannot make it loop or fault. */
void proc_foreach_nolock(void (*fn)(struct process *p, void *ctx), void *ctx);

/*
 * The most processes that may exist at once, zombies included and idle
 * not counted (clamped to 1..PROC_LIMIT_MAX); a spawn or fork beyond
 * it gets -EAGAIN.  Lowering it below the count now ends nothing: new
 * ones wait for room.  Takes sched_lock.  main.c sets it from procs=.
 */
void proc_set_limit(size_t n);
/* The limit in effect (RLIMIT_NPROC, /proc-less "ps" totals). */
size_t proc_get_limit(void);

/* Tests: make pid the next one to try (at least 2), to reach the
 * wrap-around past INT32_MAX quickly.  Takes sched_lock. */
void proc_set_next_pid(pid_t pid);

/*
 * wait_for_child with a choice: block until a child is a zombie, or (block
 * false) return 0 at once when none is yet.  Same errors.
 */
pid_t wait_child(pid_t target, int *exit_code, bool block);
/* wait_child that also stores the signal that ended the child (0: it
 * exited) in *signal when not NULL: wait4's status (docs/signals.md). */
pid_t wait_child_sig(pid_t target, int *exit_code, int *signal, bool block);
/* End the caller as killed by sig: exit code 128 + sig, exit_signal sig. */
_Noreturn void proc_exit_signalled(int sig);
/*
 * block_current_locked's uninterruptible form, for waits that must not be
 * cut short (kmutex_lock, ksem_down: docs/signals.md): a pending signal
 * neither prevents nor ends the wait; only a wakeup does.  Always 0
 * (-EINVAL from idle).
 */
int block_current_noint_locked(wait_channel_t channel, struct spinlock *lk);
/* Kill's wakeup: if p is BLOCKED in an interruptible wait, make it READY
 * (its wait then returns -EINTR).  Caller holds sched_lock. */
void sched_interrupt_locked(struct process *p);

/* Allocate size bytes owned by the current process, tracked as a region of
 * this kind; freed at the latest when the process is reaped.  NULL if out
 * of memory or called outside a process. */
void *proc_alloc(size_t size, enum region_kind kind);
/* Free a region of the current process: 0, or -EINVAL if ptr is not one. */
int proc_free(void *ptr);

/* Timer tick: charge the running process and set NEED_RESCHED when its
 * slice is used up.  Called by timer_tick with interrupts off. */
void sched_tick(void);
/* The way out of every interrupt: switch if NEED_RESCHED is set and the
 * interrupted code held no lock.  Called by the arch port, interrupts off. */
void sched_irq_exit(void);
/* Ticks per slice (slice= on the command line; default SLICE_DEFAULT):
 * the RR quantum and the fair class's request. */
void sched_set_slice(unsigned ticks);
unsigned sched_slice(void);
/*
 * RT throttling: real-time processes run at most runtime ticks of every
 * period ticks while a SCHED_OTHER process is ready (runtime < 0: no
 * limit).  Defaults: 95 of RT_PERIOD_DEFAULT.  Starts a new period.
 */
void sched_set_rt_runtime(long runtime, unsigned period);
long sched_rt_runtime(void);
unsigned sched_rt_period(void);
/*
 * Priority inheritance's hook (docs/sched.md): lent is the highest priority
 * lent to p (0 none); p's effective priority becomes max(base, lent) and
 * p moves to the class and place of it, whether ready, blocked or running,
 * with the preemption that implies.  Caller holds sched_lock.
 */
void sched_set_lent_prio_locked(struct process *p, int lent);

/*
 * The sleeping locks' hook (sync.c): p's effective priority changed while
 * it waits in a kmutex, ksem or kcond queue; re-sort it there and pass the
 * change along the mutex chain.  Caller holds sched_lock.
 */
void sync_prio_changed_locked(struct process *p);

/*
 * Check every scheduler invariant: each live process in exactly the queue
 * its state says, counts matching the table, family links consistent.
 * 0, or -EINVAL after printing the first violation.  Takes sched_lock.
 */
int sched_check(void);
/* Free the records kept for reuse by spawn (the idle loop does this
 * whenever the CPU has nothing to do).  Takes sched_lock. */
void proc_cache_trim(void);
/* Host tests: forget every process and free everything, the process
 * limit back to PROC_LIMIT_MAX (no process may be running; call from
 * outside start_scheduler). */
void process_reset(void);
/* Host: true if the last start_scheduler ended in a deadlock. */
bool sched_deadlocked(void);

#endif
