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
/*
 * The file calls (docs/syscalls.md, "Files"), each the raw call: a
 * descriptor, a count or 0, or -errno.  Structures are sys_file.h's.
 */
long sys_open(const char *path, int flags, int mode);
long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_close(int fd);
long sys_stat(const char *path, void *st);
long sys_fstat(int fd, void *st);
long sys_newfstatat(int dirfd, const char *path, void *st, int flags);
long sys_lseek(int fd, long off, int whence);
long sys_ioctl(int fd, unsigned long cmd, void *arg);
long sys_readv(int fd, const void *iov, long cnt);
long sys_writev(int fd, const void *iov, long cnt);
long sys_getdents64(int fd, void *buf, unsigned count);
/* Pipes and descriptors (sys_pipe.h), each the raw call. */
long sys_pipe2(int fds[2], int flags);
long sys_dup(int fd);
long sys_dup2(int oldfd, int newfd);
long sys_dup3(int oldfd, int newfd, int flags);
long sys_fcntl(int fd, int cmd, long arg);
long sys_poll(void *fds, unsigned long nfds, int timeout);
long sys_ppoll(void *fds, unsigned long nfds, const void *tsp,
               const void *sigmask, unsigned long sigsetsize);
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
 * The priority calls (docs/syscalls.md, "Priorities"), Linux's raw ABI:
 * getpriority(2) returns 20 - nice (40 .. 1); setpriority(2) clamps the
 * nice to -20..19.  which is PRIO_PROCESS (PRIO_PGRP, PRIO_USER: -ESRCH),
 * who 0 the caller.  -EINVAL (bad which), -ESRCH (no such process).
 */
long sys_getpriority(int which, int who);
long sys_setpriority(int which, int who, int nice);
/* sched_setparam(2), sched_getparam(2): the base priority, keeping the
 * policy.  -EINVAL (param NULL, pid < 0, priority outside the policy's
 * range), -EFAULT (bad param), -ESRCH. */
long sys_sched_setparam(pid_t pid, const struct ksched_param *param);
long sys_sched_getparam(pid_t pid, struct ksched_param *param);
/* sched_setscheduler(2): SCHED_OTHER (priority 0), SCHED_FIFO or SCHED_RR
 * (1..99); anything else, SCHED_RESET_ON_FORK too, is -EINVAL.  A process
 * made more urgent than the caller runs before it returns.  0 or -errno
 * as sched_setparam. */
long sys_sched_setscheduler(pid_t pid, int policy,
                            const struct ksched_param *param);
/* sched_getscheduler(2): the base policy, or -EINVAL (pid < 0), -ESRCH. */
long sys_sched_getscheduler(pid_t pid);
/* sched_get_priority_max(2) / _min(2): 99 / 1 for FIFO and RR, 0 for
 * SCHED_OTHER; -EINVAL for any other policy. */
long sys_sched_get_priority_max(int policy);
long sys_sched_get_priority_min(int policy);
/* sched_rr_get_interval(2): pid's quantum into *tp (0 for SCHED_FIFO);
 * -EINVAL (pid < 0), -ESRCH, -EFAULT. */
long sys_sched_rr_get_interval(pid_t pid, struct ktimespec *tp);

/*
 * printf to descriptor fd through sys_write (kernel/lib/printf.h formats).
 * Returns the characters written, or the first error from sys_write.
 */
int fdprintf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
