/*
 * System calls for kernel processes: each wrapper goes through the arch
 * port's real trap path (arch_syscall, int $0x80 on x86_64) into
 * syscall_dispatch, exactly as a user program's call will.  Results and
 * errors are the system call's own (negative errno); docs/syscalls.md.
 */
#ifndef KAIROS_USYS_H
#define KAIROS_USYS_H

#include <stddef.h>

#include "process.h"
#include "syscall.h"

/* read(2): bytes read, blocking until input arrives; or -errno. */
long sys_read(int fd, void *buf, size_t len);
/* write(2): bytes written, or -errno. */
long sys_write(int fd, const void *buf, size_t len);
/* sched_yield(2): let the next ready process run; 0. */
long sys_sched_yield(void);
/* getpid(2), getppid(2). */
pid_t sys_getpid(void);
pid_t sys_getppid(void);
/* exit(2), exit_group(2): end the caller with this code. */
_Noreturn void sys_exit(int code);
_Noreturn void sys_exit_group(int code);
/*
 * wait4(2): reap child pid (-1: any) and store its status as Linux encodes
 * it: an exit as (code & 0xff) << 8, a kill as the signal (KWIFSIGNALED
 * below); status may be NULL.  options must be
 * 0 and rusage NULL.  The child's pid, or -ECHILD, -EINVAL, -EFAULT, -EINTR.
 */
pid_t sys_wait4(pid_t pid, int *status, int options, void *rusage);
/* Status words, as Linux encodes them: killed by a signal, or exited. */
#define KWIFSIGNALED(s) (((s)&0x7f) != 0)
#define KWTERMSIG(s)    ((s)&0x7f)
#define KWEXITSTATUS(s) (((s) >> 8) & 0xff)
/* kill(2): send sig to pid (> 0; else -ESRCH): 0, -ESRCH, -EINVAL, -EPERM
 * (idle, init).  docs/signals.md. */
long sys_kill(pid_t pid, int sig);

/*
 * nanosleep(2): sleep for *req (rounded up to whole ticks: never short);
 * 0, -EINVAL (tv_sec < 0, tv_nsec outside 0..999999999), -EFAULT (bad req,
 * or bad rem when not NULL).  rem gets the time left if a signal ends it.
 */
long sys_nanosleep(const struct ktimespec *req, struct ktimespec *rem);
/* clock_gettime(2): CLOCK_REALTIME or CLOCK_MONOTONIC into *tp; 0, -EINVAL
 * (other clocks), -EFAULT. */
long sys_clock_gettime(int clock, struct ktimespec *tp);
/* clock_nanosleep(2): as nanosleep on clock, or until the time *req when
 * flags is TIMER_ABSTIME; 0 or -errno (not the libc's positive errno). */
long sys_clock_nanosleep(int clock, int flags, const struct ktimespec *req,
                         struct ktimespec *rem);

/*
 * printf to descriptor fd through sys_write (kernel/lib/printf.h formats).
 * Returns the characters written, or the first error from sys_write.
 */
int fdprintf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
