/*
 * Kairos processes and the scheduler: the public API.
 *
 * This header is all a program needs, in the kernel or linked against the
 * host library (build/host/libkairos.a): spawn processes, run the
 * scheduler, block and wake, exit and wait.  Every call is safe from any
 * process; the lock rules are in kernel/proc/sched.c.  Errors are negative errno
 * values (kernel/lib/kerrno.h, the same numbers as Linux).
 */
#ifndef KAIROS_PROCESS_H
#define KAIROS_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"

typedef int pid_t; /* the same type as the host's <sys/types.h> */

#define MAX_FDS          64 /* descriptors per process (RLIMIT_NOFILE) */
#define PROCESS_NAME_MAX 16 /* bytes in a process name, with the NUL */

enum process_state {
    PROCESS_READY,   /* runnable, on the run queue */
    PROCESS_RUNNING, /* on the CPU */
    PROCESS_BLOCKED, /* on a wait queue until its channel is woken */
    PROCESS_ZOMBIE,  /* exited, holding its pid and exit code for wait */
};
#define PROCESS_NSTATES 4

/* Scheduling policies, with Linux's numbers (docs/sched.md). */
#define SCHED_OTHER    0  /* fair share, weighted by nice (the default) */
#define SCHED_FIFO     1  /* real time, 1..99: runs until it blocks or yields */
#define SCHED_RR       2  /* real time with a time slice among equals */
#define SCHED_PRIO_MIN 1  /* real-time priorities: 1 lowest */
#define SCHED_PRIO_MAX 99 /* 99 highest */
#define NICE_MIN       (-20)
#define NICE_MAX       19

/*
 * Signals (docs/signals.md), Linux's numbers 1..64.  Kernel processes have
 * no handlers: every signal whose default action is to terminate ends
 * them at their next safe point, with exit code 128 + signal; those whose
 * default is to be ignored (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) are
 * discarded when sent.  User processes may catch, ignore or block them
 * (rt_sigaction, rt_sigprocmask), except SIGKILL and SIGSTOP.
 */
#define SIGHUP   1
#define SIGINT   2
#define SIGQUIT  3
#define SIGILL   4 /* a user process's invalid instruction (#UD) */
#define SIGTRAP  5 /* a user process's breakpoint (#BP, #DB) */
#define SIGBUS   7 /* a user process's alignment or segment fault */
#define SIGFPE   8 /* a user process's arithmetic fault (#DE, x87, SIMD) */
#define SIGKILL  9
#define SIGSEGV  11 /* a user process's page or protection fault */
#define SIGUSR1  10
#define SIGUSR2  12
#define SIGPIPE  13
#define SIGALRM  14
#define SIGTERM  15
#define SIGCHLD  17 /* to the parent when a child ends (default: ignored) */
#define SIGCONT  18
#define SIGSTOP  19
#define SIGURG   23
#define SIGWINCH 28
#define KNSIG    65 /* valid signals are 1 .. KNSIG - 1; 0 probes */

/* Any kernel address, or a named event constant (WAIT_EVENT_*). */
typedef uintptr_t wait_channel_t;

/* Named events: small numbers, never the address of anything. */
#define WAIT_EVENT_INPUT 1 /* a byte arrived on an input device */

/* Returning from it is exit_current(return value). */
typedef int (*process_entry_t)(void *arg);

struct chardev;

/* What a descriptor refers to (process_descriptor's snapshot). */
enum fd_kind {
    FD_NONE, /* not open */
    FD_CHAR, /* a character device */
    FD_FILE, /* a regular file of the initramfs */
    FD_DIR,  /* a directory */
    FD_PIPE, /* one end of a pipe */
};

/* A snapshot of one descriptor, taken under the scheduler lock. */
struct file_descriptor {
    enum fd_kind kind;
    struct chardev *dev; /* FD_CHAR: the device it reads, else writes */
    int flags;           /* O_ACCMODE, O_APPEND, O_NONBLOCK; O_CLOEXEC if
                            set on this descriptor */
    uint64_t offset;     /* FD_FILE: bytes; FD_DIR: the readdir cursor */
    unsigned refs;       /* references to the open file (descriptors in
                            any process, and calls using it) */
    const void *file;    /* the open file's identity: equal for two
                            descriptors sharing it; never dereference */
};

/* A snapshot of one process, taken under the scheduler lock. */
struct process_info {
    pid_t pid;
    pid_t ppid; /* 0 when the parent is idle */
    char name[PROCESS_NAME_MAX];
    enum process_state state;
    bool idle;                   /* the idle task */
    int exit_code;               /* valid once a zombie */
    wait_channel_t wait_channel; /* valid while blocked */
    pid_t waits_for; /* blocked in wait_for_child: the child (-1 any); or 0 */
    uint64_t slices; /* timer ticks charged to it */
    uint64_t serial; /* spawn order, never reused: process_next's cursor */
    int policy;      /* SCHED_OTHER, SCHED_FIFO or SCHED_RR (base) */
    int priority;    /* base: 0 for SCHED_OTHER, else 1..99 */
    int effective_priority; /* max(priority, lent by inheritance) */
    int nice;               /* -20..19 */
    size_t resident;        /* bytes of user memory mapped (0: kernel) */
    uint64_t start_tick;    /* timer_ticks() at spawn (idle: 0); exact for
                               a process younger than 2^32 ticks */
};

/* Scheduler counters.  The per-state counts add up to processes. */
struct scheduler_stats {
    size_t processes; /* live records, idle and zombies included */
    size_t by_state[PROCESS_NSTATES]; /* indexed by enum process_state */
    uint64_t slices;                  /* ticks charged, all processes, ever */
    uint64_t switches;                /* context switches */
    uint64_t preemptions;             /* switches forced by the timer */
    bool reschedule_pending;          /* NEED_RESCHED is set */
};

/*
 * Where a program starts: make the machine ready through the port
 * (arch_machine_init: on the host a default machine, docs/host.md, unless
 * host_init chose one), then create the idle task (pid 0) from the
 * caller's context.  Idempotent.  0 or -ENOMEM.
 */
int process_init(void);
/*
 * Start entry(arg) in a new process with a 16 KiB stack and descriptors
 * 0 = keyboard, 1 and 2 = console; the caller is its parent.  The first one
 * spawned is init (pid 1).  Returns the pid, or -EINVAL (no entry, bad name,
 * process_init not done) or -ENOMEM / -EAGAIN (no memory, table full).
 */
pid_t spawn_kernel_process(const char *name, process_entry_t entry, void *arg);
/*
 * Run processes.  Kernel: never returns; the caller becomes the idle task.
 * Host: returns when no process but idle is alive, or when every live
 * process is blocked and nothing can wake them (a deadlock, reported).
 */
void start_scheduler(void);
/* Give the CPU to the next ready process, if any (no switch if none). */
void yield_now(void);
/* Switch if a reschedule is pending (NEED_RESCHED); otherwise nothing. */
void reschedule(void);
/* Block the caller until channel is woken: 0; -EINTR when a signal is
 * pending on entry or arrives meanwhile (docs/signals.md); -EINVAL from
 * idle or outside a process. */
int block_current(wait_channel_t channel);
struct spinlock;
/*
 * Block like block_current, but the caller holds lk (a spinlock guarding
 * the condition it just tested): lk is released atomically with blocking and
 * taken again before returning, so no wakeup between test and block is lost
 * (xv6's sleep(chan, lk)).  Callers re-test their condition in a loop and
 * leave it on -EINTR (a signal pending on entry or arriving meanwhile; lk
 * is held again then too).  0, -EINTR, or -EINVAL from idle or outside a
 * process.
 */
int block_current_locked(wait_channel_t channel, struct spinlock *lk);
/* Wake every process blocked on channel; returns how many. */
size_t wake_channel(wait_channel_t channel);
/* End the caller: a zombie with this code until its parent waits. */
_Noreturn void exit_current(int code);
/*
 * Wait for child target to exit (target as wait4's pid: -1 any child, 0
 * one in the caller's process group, < -1 one in group -target), reap it,
 * and store its exit code.  Returns its pid, -ECHILD (no such child, or no
 * children at all), -EINTR (a signal ended the wait: nothing reaped),
 * -ESRCH (INT_MIN, which names no group), or -EINVAL (called from idle).
 * A child ended by signal s has exit code 128 + s.
 */
pid_t wait_for_child(pid_t target, int *exit_code);
/*
 * Send signal sig to process pid: recorded on it; an interruptible wait it
 * is in returns -EINTR, and it ends at its next safe point (docs/signals.md).
 * sig 0 only checks.  0 (a zombie too, as Linux), -ESRCH (no such pid),
 * -EINVAL (sig < 0 or >= KNSIG), -EPERM (idle, init).
 */
int process_kill(pid_t pid, int sig);
/* The caller's pid (0 for idle or outside any process). */
pid_t current_pid(void);
/* Snapshot of process pid: 0, -ESRCH, or -EINVAL (out NULL). */
int get_process(pid_t pid, struct process_info *out);
/*
 * List the live processes: the one spawned next after the one prev
 * describes (prev NULL: the first, idle), in *out (out may be prev).
 * Spawn order, so wrapped pids do not matter; each call is O(1) unless
 * prev's process was reaped since (then O(live)).  A loop from NULL
 * until it fails visits every process alive throughout once.  0, -ESRCH
 * after the last, or -EINVAL (out NULL).
 */
int process_next(const struct process_info *prev, struct process_info *out);
/*
 * Set process pid's (0: the caller's) policy and base priority: SCHED_OTHER
 * with priority 0, or SCHED_FIFO / SCHED_RR with 1..99.  A process made
 * more urgent than the running one runs before this returns; the caller
 * lowered below a ready process yields at once.  0, -EINVAL, -ESRCH.
 */
int process_setscheduler(pid_t pid, int policy, int priority);
/* The base policy and priority of pid (0: the caller).  0 or -ESRCH
 * (-EINVAL if a pointer is NULL). */
int process_getscheduler(pid_t pid, int *policy, int *priority);
/* Set pid's (0: the caller's) nice, -20..19 (else -EINVAL): its weight in
 * the fair class.  0 or -ESRCH. */
int process_setnice(pid_t pid, int nice);
/* The nice of pid (0: the caller).  0 or -ESRCH (-EINVAL: nice NULL). */
int process_getnice(pid_t pid, int *nice);
/* Log everything about one process / all of them.  Lock-free. */
void dump_process(pid_t pid);
void dump_all_processes(void);

/*
 * For kernel code that holds what dying at an arbitrary safe point would
 * lose (a heap object it shares, a count others wait on): between
 * kill_defer_begin and the matching kill_defer_end no safe point ends the
 * caller, and kill_defer_end is one.  Interruptible waits still return
 * -EINTR, so the code sees the signal and unwinds.  Nests; only the
 * process itself touches the depth.  docs/signals.md, "Safe points".
 */
void kill_defer_begin(void);
void kill_defer_end(void);
/* Current counters. */
struct scheduler_stats scheduler_stats(void);
/* Timer ticks since boot (the host: simulated ticks). */
uint64_t timer_ticks(void);
/*
 * Sleep for ticks timer ticks: the caller runs again no earlier than when
 * timer_ticks() reaches its value at the call plus ticks.  0 ticks yields.
 * 0; -EINVAL from idle, outside a process, or for a count of 2^63 or more
 * (a negative number converted); -EINTR when a signal ends it early (the
 * timer is cancelled).
 */
int sleep_ticks(uint64_t ticks);
/* Copy descriptor fd of process pid: 0, -EBADF (fd < 0, >= MAX_FDS, or
 * empty), -ESRCH (no such process) or -EINVAL (out NULL). */
int process_descriptor(pid_t pid, int fd, struct file_descriptor *out);

/*
 * Sleeping locks for processes (docs/sync.md): never from interrupts or
 * with a spinlock held (asserted).  Wakers pick the waiter of highest
 * effective priority, first come first served among equals.  Every field
 * is guarded by sched_lock; callers only embed the structs.
 */
struct process;

struct kmutex {
    struct process *owner; /* NULL when free */
    struct list waiters;   /* struct kwaiter, by priority, FIFO among equals */
    struct kmutex *held_next; /* the owner's next held mutex */
    bool inherit;             /* waiters lend their priority to the owner */
};

struct ksem {
    unsigned value;      /* units left; 0 while anyone waits */
    struct list waiters; /* as kmutex's */
};

struct kcond {
    struct list waiters; /* as kmutex's */
};

#define KMUTEX_PI_DEPTH 16 /* mutexes followed when lending along a chain */

/* A free mutex with priority inheritance. */
void kmutex_init(struct kmutex *m);
/* A free mutex without it (the inversion demo's "off"); order kept. */
void kmutex_init_noinherit(struct kmutex *m);
/* Take m, blocking (uninterruptibly) while another process owns it; the
 * owner runs at least at the caller's effective priority meanwhile. */
void kmutex_lock(struct kmutex *m);
/* Take m if it is free: true, else false at once. */
bool kmutex_trylock(struct kmutex *m);
/* Release m, handing it to its top waiter (no barging).  Panics unless
 * the caller owns it. */
void kmutex_unlock(struct kmutex *m);
/* A semaphore holding value units (no owner: nothing is lent). */
void ksem_init(struct ksem *s, unsigned value);
/* Take a unit, blocking (uninterruptibly) until one is handed over. */
void ksem_down(struct ksem *s);
/* Take a unit if one is left: true, else false at once. */
bool ksem_trydown(struct ksem *s);
/* Hand a unit to the top waiter, or keep it if nobody waits. */
void ksem_up(struct ksem *s);
/* A condition variable with no waiters. */
void kcond_init(struct kcond *c);
/* Release m (the caller owns it), wait for a signal, take m again. */
void kcond_wait(struct kcond *c, struct kmutex *m);
/* Wake the top waiter, if any. */
void kcond_signal(struct kcond *c);
/* Wake every waiter. */
void kcond_broadcast(struct kcond *c);

#endif
