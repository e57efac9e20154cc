/*
 * The system call table and its handlers (docs/syscalls.md).
 *
 * The file calls (read, write, open ...) are in sys_file.c.  Handlers
 * check every argument before acting on it: descriptors (-EBADF), the
 * caller's memory only through uaccess.h (-EFAULT), which serves
 * kernel processes (kernel buffers) and user processes (user addresses,
 * copied with fault recovery) alike.  Arguments Linux declares as int
 * (descriptors, pids, exit codes, options) use the low 32 bits of the
 * register, as on Linux.
 *
 * Locking: no lock is held on entry (blocking reads: sys_file.c).  Every call leaves through the port's
 * interrupt exit, sched_irq_exit: a signal safe point (docs/signals.md).
 */
#include "syscall.h"

#include "arch.h"
#include "klog.h"
#include "kerrno.h"
#include "kstring.h"
#include "pgrp.h"
#include "proc.h"
#include "process.h"
#include "spinlock.h"
#include "handlers.h"
#include "timer.h"
#include "sys_file.h"
#include "sys_pipe.h"
#include "uaccess.h"

/* A handler gets the six argument registers, rdi first. */
typedef long (*syscall_fn)(const long arg[6]);

static long do_sched_yield(const long arg[6])
{
    (void)arg;
    yield_now();
    return 0;
}

static long do_getpid(const long arg[6])
{
    (void)arg;
    return current_pid();
}

static long do_getppid(const long arg[6])
{
    struct process_info info;

    (void)arg;
    if (get_process(current_pid(), &info) != 0) {
        return 0; /* outside any process: no parent */
    }
    return info.ppid;
}

/* exit(status): the parent sees status & 0xff, as on Linux. */
static long do_exit(const long arg[6])
{
    exit_current((int)arg[0] & 0xff);
}

/* ---- Time ---------------------------------------------------------------- */

#define NSEC_PER_SEC 1000000000ULL

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/*
 * The caller's timespec at p as nanoseconds (UINT64_MAX if more, which no
 * clock reaches): 0, -EFAULT (bad p), or -EINVAL (tv_sec negative, or
 * tv_nsec outside 0 .. 999,999,999).  Copied bytewise: p may be misaligned.
 */
long get_timespec(const void *p, uint64_t *ns)
{
    struct ktimespec ts;

    if (copy_from_caller(&ts, p, sizeof(ts)) != 0) {
        return -EFAULT;
    }
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
        ts.tv_nsec >= (int64_t)NSEC_PER_SEC) {
        return -EINVAL;
    }
    *ns =
        (uint64_t)ts.tv_sec > (UINT64_MAX - (uint64_t)ts.tv_nsec) / NSEC_PER_SEC
            ? UINT64_MAX
            : (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
    return 0;
}

/* Store ns at p, already checked writable, bytewise. */
/* The caller checked p with check_caller_writable: 0 or -EFAULT. */
static long put_timespec(void *p, uint64_t ns)
{
    struct ktimespec ts = {(int64_t)(ns / NSEC_PER_SEC),
                           (int64_t)(ns % NSEC_PER_SEC)};

    return copy_to_caller(p, &ts, sizeof(ts));
}

/*
 * Sleep until uptime reaches deadline (ns): until the first tick at or
 * after it, so a sleep is never short.  A deadline already passed returns
 * at once.  When a signal ends the sleep early (-EINTR, once signals
 * exist) the time left goes to rem, if not NULL.
 */
static long sleep_until_ns(uint64_t deadline, void *rem)
{
    uint64_t now = uptime_ns();
    int err;

    if (deadline <= now) {
        return 0;
    }
    err = sleep_until_tick(timer_ns_to_tick(deadline));
    if (err == -EINTR && rem != NULL) {
        now = uptime_ns();
        (void)put_timespec(rem,
                           deadline > now ? deadline - now : 0); /* checked */
    }
    return err;
}

/* nanosleep(req, rem): rem is checked before sleeping, not only when a
 * signal makes it needed (Linux's order), so a bad rem fails at once. */
static long do_nanosleep(const long arg[6])
{
    void *rem = (void *)arg[1];
    uint64_t dur;
    long err = get_timespec((const void *)arg[0], &dur);

    if (err != 0) {
        return err;
    }
    if (rem != NULL && check_caller_writable(rem, sizeof(struct ktimespec))) {
        return -EFAULT;
    }
    return sleep_until_ns(add_saturating(uptime_ns(), dur), rem);
}

/* clock_gettime(clock, tp): CLOCK_REALTIME or CLOCK_MONOTONIC. */
static long do_clock_gettime(const long arg[6])
{
    int clock = (int)arg[0];
    void *tp = (void *)arg[1];

    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        return -EINVAL;
    }
    return put_timespec(tp,
                        clock == CLOCK_REALTIME ? realtime_ns() : uptime_ns());
}

/*
 * clock_nanosleep(clock, flags, req, rem): a duration (flags 0) or, with
 * TIMER_ABSTIME, a time on that clock (rem is then unused, as on Linux).
 * CLOCK_REALTIME is boot's CMOS reading plus uptime and is never set, so a
 * real time converts to an uptime exactly.  Returns -errno like every
 * call here (the libc function returns the errno positive).
 */
static long do_clock_nanosleep(const long arg[6])
{
    int clock = (int)arg[0], flags = (int)arg[1];
    void *rem = (void *)arg[3];
    uint64_t t, base;
    long err;

    if ((clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) ||
        (flags & ~TIMER_ABSTIME) != 0) {
        return -EINVAL;
    }
    err = get_timespec((const void *)arg[2], &t);
    if (err != 0) {
        return err;
    }
    if (flags & TIMER_ABSTIME) {
        base = clock == CLOCK_REALTIME ? timer_boot_realtime_ns() : 0;
        return sleep_until_ns(t > base ? t - base : 0, NULL);
    }
    if (rem != NULL && check_caller_writable(rem, sizeof(struct ktimespec))) {
        return -EFAULT;
    }
    return sleep_until_ns(add_saturating(uptime_ns(), t), rem);
}

/* ---- Priorities ------------------------------------------------------------ */

/*
 * getpriority(which, who): the raw Linux call, which returns 20 - nice
 * (40 .. 1) so that no success is negative; the C library turns it back.
 * PRIO_PROCESS: pid who; PRIO_PGRP: group who, the lowest nice of its
 * members; PRIO_USER: every process is uid 0's, so who 0 is everyone
 * (idle aside) and any other uid matches nobody.  0 means the caller's
 * own; nothing matching (a negative who among it) is -ESRCH.
 */
static long do_getpriority(const long arg[6])
{
    int which = (int)arg[0], who = (int)arg[1], nice;
    int err;

    if (which == PRIO_PROCESS) {
        err = who < 0 ? -ESRCH : process_getnice(who, &nice);
    } else if (which == PRIO_PGRP || which == PRIO_USER) {
        err = which == PRIO_USER && who != 0
                  ? -ESRCH
                  : process_getnice_group(who, which == PRIO_USER, &nice);
    } else {
        return -EINVAL;
    }
    return err != 0 ? err : 20 - nice;
}

/* setpriority(which, who, nice): which and who as getpriority, every
 * matching process set; the nice is clamped to -20..19, as Linux does.
 * The idle task's is fixed (PRIO_PROCESS 0 from idle: -EINVAL). */
static long do_setpriority(const long arg[6])
{
    int which = (int)arg[0], who = (int)arg[1], nice = (int)arg[2];

    nice = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice;
    if (which == PRIO_PROCESS) {
        return who < 0 ? -ESRCH : process_setnice(who, nice);
    }
    if (which == PRIO_PGRP || which == PRIO_USER) {
        return which == PRIO_USER && who != 0
                   ? -ESRCH
                   : process_setnice_group(who, which == PRIO_USER, nice);
    }
    return -EINVAL;
}

/*
 * The priority in the caller's struct sched_param at p, copied bytewise (p
 * may be misaligned): 0, -EINVAL for NULL or a negative pid (Linux's test,
 * before the copy), -EFAULT for a bad p.
 */
static long get_sched_param(pid_t pid, const void *p, int *prio)
{
    struct ksched_param sp;

    if (p == NULL || pid < 0) {
        return -EINVAL;
    }
    if (copy_from_caller(&sp, p, sizeof(sp)) != 0) {
        return -EFAULT;
    }
    *prio = sp.sched_priority;
    return 0;
}

/*
 * Set pid's policy and priority, in Linux's order: the pid (-ESRCH)
 * before the values (-EINVAL, from process_setscheduler: a policy other
 * than 0, 1, 2, SCHED_RESET_ON_FORK among them, or a priority outside
 * the policy's range).  policy < 0 keeps the current one (setparam).
 */
static long set_scheduler(pid_t pid, int policy, int prio)
{
    int cur, old;
    int err = process_getscheduler(pid, &cur, &old);

    if (err != 0) {
        return err;
    }
    return process_setscheduler(pid, policy < 0 ? cur : policy, prio);
}

/* sched_setparam(pid, param): the priority, keeping the policy. */
static long do_sched_setparam(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    int prio;
    long err = get_sched_param(pid, (const void *)arg[1], &prio);

    return err != 0 ? err : set_scheduler(pid, -1, prio);
}

/* sched_getparam(pid, param): the base priority (not what inheritance
 * lends), 0 for SCHED_OTHER.  -EINVAL, -ESRCH, -EFAULT in Linux's order. */
static long do_sched_getparam(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    void *p = (void *)arg[1];
    struct ksched_param sp;
    int policy, err;

    if (p == NULL || pid < 0) {
        return -EINVAL;
    }
    err = process_getscheduler(pid, &policy, &sp.sched_priority);
    if (err != 0) {
        return err;
    }
    return copy_to_caller(p, &sp, sizeof(sp));
}

/* sched_setscheduler(pid, policy, param).  A process made more urgent
 * than the caller runs before this returns (process_setscheduler). */
static long do_sched_setscheduler(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    int policy = (int)arg[1], prio;
    long err;

    if (policy < 0) {
        return -EINVAL;
    }
    err = get_sched_param(pid, (const void *)arg[2], &prio);
    return err != 0 ? err : set_scheduler(pid, policy, prio);
}

/* sched_getscheduler(pid): the base policy. */
static long do_sched_getscheduler(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    int policy, prio;
    int err;

    if (pid < 0) {
        return -EINVAL;
    }
    err = process_getscheduler(pid, &policy, &prio);
    return err != 0 ? err : policy;
}

/* The priority range of a policy Kairos has: true with *lo, *hi set. */
static bool prio_range(int policy, int *lo, int *hi)
{
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        *lo = SCHED_PRIO_MIN;
        *hi = SCHED_PRIO_MAX;
        return true;
    }
    *lo = *hi = 0;
    return policy == SCHED_OTHER;
}

static long do_sched_get_priority_max(const long arg[6])
{
    int lo, hi;

    return prio_range((int)arg[0], &lo, &hi) ? hi : -EINVAL;
}

static long do_sched_get_priority_min(const long arg[6])
{
    int lo, hi;

    return prio_range((int)arg[0], &lo, &hi) ? lo : -EINVAL;
}

/*
 * sched_rr_get_interval(pid, tp): the RR quantum, slice= ticks; 0 for
 * SCHED_FIFO (no quantum) and for idle, as Linux.  SCHED_OTHER gets the
 * length of one EEVDF request, also slice= ticks of its own running at any
 * nice (Linux 6.6+ returns its request size, se->slice).
 */
static long do_sched_rr_get_interval(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    void *tp = (void *)arg[1];
    unsigned hz = timer_hz();
    uint64_t ticks;
    int policy, prio;
    int err;

    if (pid < 0) {
        return -EINVAL;
    }
    err = process_getscheduler(pid, &policy, &prio);
    if (err != 0) {
        return err;
    }
    ticks = policy == SCHED_FIFO || (pid == 0 && current_pid() == 0)
                ? 0
                : sched_slice();
    return put_timespec(tp, hz != 0 ? ticks * NSEC_PER_SEC / hz : 0);
}

/* ---- Affinity: one CPU ------------------------------------------------------ */

#define CPUMASK_BYTES sizeof(unsigned long) /* Linux's cpumask_size(), 1 CPU */

/* 0 if pid names a process (0: the caller), else -ESRCH (a negative pid
 * too, as Linux's find_process_by_pid). */
static long affinity_pid(pid_t pid)
{
    int policy, prio;

    return pid < 0 ? -ESRCH : process_getscheduler(pid, &policy, &prio);
}

/*
 * sched_getaffinity(pid, len, mask): CPU 0 alone.  As Linux: len (an
 * unsigned int) must hold a bit per CPU and be a multiple of
 * sizeof(long) (-EINVAL), then the pid (-ESRCH), then the copy (-EFAULT);
 * the bytes written, 8.
 */
static long do_sched_getaffinity(const long arg[6])
{
    unsigned len = (unsigned)arg[1];
    unsigned long mask = 1;
    long err;

    if (len == 0 || (len & (sizeof(unsigned long) - 1)) != 0) {
        return -EINVAL;
    }
    err = affinity_pid((pid_t)arg[0]);
    if (err == 0) {
        err = copy_to_caller((void *)arg[2], &mask, CPUMASK_BYTES);
    }
    return err != 0 ? err : (long)CPUMASK_BYTES;
}

/*
 * sched_setaffinity(pid, len, mask): accepted when the mask has CPU 0
 * (nothing to change: one CPU), -EINVAL when it has no CPU that exists.
 * As Linux: the first min(len, 8) bytes are read (-EFAULT), the rest
 * taken as zero; then the pid (-ESRCH); then the mask.
 */
static long do_sched_setaffinity(const long arg[6])
{
    size_t n =
        (unsigned)arg[1] < CPUMASK_BYTES ? (unsigned)arg[1] : CPUMASK_BYTES;
    unsigned long mask = 0;
    long err = n > 0 ? copy_from_caller(&mask, (const void *)arg[2], n) : 0;

    if (err == 0) {
        err = affinity_pid((pid_t)arg[0]);
    }
    if (err == 0 && (mask & 1) == 0) {
        err = -EINVAL;
    }
    return err;
}

static const syscall_fn syscalls[] = {
    [SYS_read] = do_read,
    [SYS_write] = do_write,
    [SYS_open] = do_open,
    [SYS_close] = do_close,
    [SYS_stat] = do_stat,
    [SYS_fstat] = do_fstat,
    [SYS_lseek] = do_lseek,
    [SYS_ioctl] = do_ioctl,
    [SYS_pread64] = do_pread64,
    [SYS_pwrite64] = do_pwrite64,
    [SYS_readv] = do_readv,
    [SYS_writev] = do_writev,
    [SYS_sendfile] = do_sendfile,
    [SYS_sched_yield] = do_sched_yield,
    [SYS_pause] = sys_pause,
    [SYS_nanosleep] = do_nanosleep,
    [SYS_getitimer] = sys_getitimer,
    [SYS_alarm] = sys_alarm,
    [SYS_setitimer] = sys_setitimer,
    [SYS_getpid] = do_getpid,
    [SYS_exit] = do_exit,
    [SYS_kill] = do_kill,
    [SYS_tkill] = sys_tkill,
    [SYS_tgkill] = sys_tgkill,
    [SYS_futex] = sys_futex,
    [SYS_getgroups] = sys_getgroups,
    [SYS_sync] = sys_sync,
    [SYS_wait4] = do_wait4,
    [SYS_getppid] = do_getppid,
    [SYS_getpriority] = do_getpriority,
    [SYS_setpriority] = do_setpriority,
    [SYS_sched_setparam] = do_sched_setparam,
    [SYS_sched_getparam] = do_sched_getparam,
    [SYS_sched_setscheduler] = do_sched_setscheduler,
    [SYS_sched_getscheduler] = do_sched_getscheduler,
    [SYS_sched_get_priority_max] = do_sched_get_priority_max,
    [SYS_sched_get_priority_min] = do_sched_get_priority_min,
    [SYS_sched_rr_get_interval] = do_sched_rr_get_interval,
    [SYS_sched_setaffinity] = do_sched_setaffinity,
    [SYS_sched_getaffinity] = do_sched_getaffinity,
    [SYS_clock_gettime] = do_clock_gettime,
    [SYS_clock_nanosleep] = do_clock_nanosleep,
    [SYS_exit_group] = do_exit, /* one thread per process */
    [SYS_brk] = sys_brk,
    [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,
    [SYS_mprotect] = sys_mprotect,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_uname] = sys_uname,
    [SYS_getuid] = sys_getuid,
    [SYS_geteuid] = sys_getuid,
    [SYS_getgid] = sys_getuid,
    [SYS_getegid] = sys_getuid,
    [SYS_gettid] = sys_gettid,
    [SYS_kairos_spawn] = sys_kairos_spawn,
    [SYS_clone] = sys_clone,
    [SYS_fork] = sys_fork,
    [SYS_vfork] = sys_vfork,
    [SYS_execve] = sys_execve,
    [SYS_set_robust_list] = sys_set_robust_list,
    [SYS_rseq] = sys_rseq,
    [SYS_prctl] = sys_prctl,
    [SYS_rt_sigaction] = sys_rt_sigaction,
    [SYS_rt_sigprocmask] = sys_rt_sigprocmask,
    [SYS_rt_sigreturn] = sys_rt_sigreturn,
    [SYS_rt_sigsuspend] = sys_rt_sigsuspend,
    [SYS_sigaltstack] = sys_sigaltstack,
    [SYS_getrandom] = sys_getrandom,
    [SYS_time] = sys_time,
    [SYS_gettimeofday] = sys_gettimeofday,
    [SYS_sysinfo] = sys_sysinfo,
    [SYS_prlimit64] = sys_prlimit64,
    [SYS_getrlimit] = sys_getrlimit,
    [SYS_setrlimit] = sys_setrlimit,
    [SYS_umask] = sys_umask,
    [SYS_getdents64] = do_getdents64,
    [SYS_openat] = do_openat,
    [SYS_newfstatat] = do_newfstatat,
    [SYS_poll] = do_poll,
    [SYS_ppoll] = do_ppoll,
    [SYS_pipe] = do_pipe,
    [SYS_pipe2] = do_pipe2,
    [SYS_dup] = do_dup,
    [SYS_dup2] = do_dup2,
    [SYS_dup3] = do_dup3,
    [SYS_fcntl] = do_fcntl,
    [SYS_getpgid] = sys_getpgid,
    [SYS_getpgrp] = sys_getpgrp,
    [SYS_getsid] = sys_getsid,
    [SYS_setpgid] = sys_setpgid,
    [SYS_setsid] = sys_setsid,
    [SYS_getcwd] = sys_getcwd,
    [SYS_chdir] = sys_chdir,
    [SYS_fchdir] = sys_fchdir,
    [SYS_access] = sys_access,
    [SYS_faccessat] = sys_faccessat,
    [SYS_readlink] = sys_readlink,
    [SYS_readlinkat] = sys_readlinkat,
    [SYS_truncate] = sys_truncate,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_rename] = sys_rename,
    [SYS_mkdir] = sys_mkdir,
    [SYS_rmdir] = sys_rmdir,
    [SYS_creat] = do_creat,
    [SYS_link] = sys_link,
    [SYS_unlink] = sys_unlink,
    [SYS_symlink] = sys_symlink,
    [SYS_chmod] = sys_chmod,
    [SYS_fchmod] = sys_fchmod,
    [SYS_chown] = sys_chown,
    [SYS_fchown] = sys_fchown,
    [SYS_lchown] = sys_lchown,
    [SYS_mknod] = sys_mknod,
    [SYS_mkdirat] = sys_mkdirat,
    [SYS_mknodat] = sys_mknodat,
    [SYS_fchownat] = sys_fchownat,
    [SYS_unlinkat] = sys_unlinkat,
    [SYS_renameat] = sys_renameat,
    [SYS_linkat] = sys_linkat,
    [SYS_symlinkat] = sys_symlinkat,
    [SYS_fchmodat] = sys_fchmodat,
    [SYS_utimensat] = sys_utimensat,
    [SYS_renameat2] = sys_renameat2,
    [SYS_fchmodat2] = sys_fchmodat2,
};

#define NSYSCALLS (sizeof(syscalls) / sizeof(syscalls[0]))

long syscall_dispatch_args(long nr, const long arg[6])
{
    if ((unsigned long)nr >= NSYSCALLS || syscalls[nr] == NULL) {
        sys_log_unknown(nr); /* once per number and user process */
        return -ENOSYS;
    }
    /* The safe point after it is the ports' sched_irq_exit (signals.md). */
    return syscalls[nr](arg);
}

long syscall_dispatch(long nr, long a1, long a2, long a3, long a4, long a5,
                      long a6)
{
    const long arg[6] = {a1, a2, a3, a4, a5, a6};

    return syscall_dispatch_args(nr, arg);
}
