/*
 * System calls: Linux x86_64 numbers, calling convention and negative
 * errno values.  Every caller, a kernel process today and a user process
 * later, enters through the arch port's trap path (arch_syscall), which
 * calls syscall_dispatch.  docs/syscalls.md has the table and every error.
 */
#ifndef KAIROS_SYSCALL_H
#define KAIROS_SYSCALL_H

/* The numbers Linux uses on x86_64 (asm/unistd_64.h). */
#define SYS_read                   0
#define SYS_write                  1
#define SYS_open                   2
#define SYS_close                  3
#define SYS_stat                   4
#define SYS_fstat                  5
#define SYS_poll                   7
#define SYS_lseek                  8
#define SYS_mmap                   9
#define SYS_mprotect               10
#define SYS_munmap                 11
#define SYS_brk                    12
#define SYS_rt_sigaction           13
#define SYS_rt_sigprocmask         14
#define SYS_rt_sigreturn           15
#define SYS_ioctl                  16
#define SYS_pread64                17
#define SYS_pwrite64               18
#define SYS_readv                  19
#define SYS_writev                 20
#define SYS_access                 21
#define SYS_pipe                   22
#define SYS_sched_yield            24
#define SYS_dup                    32
#define SYS_dup2                   33
#define SYS_pause                  34
#define SYS_nanosleep              35
#define SYS_getitimer              36
#define SYS_alarm                  37
#define SYS_setitimer              38
#define SYS_getpid                 39
#define SYS_sendfile               40
#define SYS_clone                  56
#define SYS_fork                   57
#define SYS_vfork                  58
#define SYS_execve                 59
#define SYS_exit                   60
#define SYS_wait4                  61
#define SYS_kill                   62
#define SYS_uname                  63
#define SYS_fcntl                  72
#define SYS_truncate               76
#define SYS_ftruncate              77
#define SYS_getcwd                 79
#define SYS_chdir                  80
#define SYS_fchdir                 81
#define SYS_rename                 82
#define SYS_mkdir                  83
#define SYS_rmdir                  84
#define SYS_creat                  85
#define SYS_link                   86
#define SYS_unlink                 87
#define SYS_symlink                88
#define SYS_readlink               89
#define SYS_chmod                  90
#define SYS_fchmod                 91
#define SYS_chown                  92
#define SYS_fchown                 93
#define SYS_lchown                 94
#define SYS_umask                  95
#define SYS_gettimeofday           96
#define SYS_getrlimit              97
#define SYS_sysinfo                99
#define SYS_getuid                 102
#define SYS_getgid                 104
#define SYS_geteuid                107
#define SYS_getegid                108
#define SYS_setpgid                109
#define SYS_getppid                110
#define SYS_getpgrp                111
#define SYS_setsid                 112
#define SYS_getgroups              115
#define SYS_getpgid                121
#define SYS_getsid                 124
#define SYS_rt_sigsuspend          130
#define SYS_sigaltstack            131
#define SYS_mknod                  133
#define SYS_getpriority            140
#define SYS_setpriority            141
#define SYS_sched_setparam         142
#define SYS_sched_getparam         143
#define SYS_sched_setscheduler     144
#define SYS_sched_getscheduler     145
#define SYS_sched_get_priority_max 146
#define SYS_sched_get_priority_min 147
#define SYS_sched_rr_get_interval  148
#define SYS_prctl                  157
#define SYS_arch_prctl             158
#define SYS_setrlimit              160
#define SYS_sync                   162
#define SYS_gettid                 186
#define SYS_tkill                  200
#define SYS_time                   201
#define SYS_futex                  202
#define SYS_sched_setaffinity      203
#define SYS_sched_getaffinity      204
#define SYS_getdents64             217
#define SYS_set_tid_address        218
#define SYS_clock_gettime          228
#define SYS_clock_nanosleep        230
#define SYS_exit_group             231
#define SYS_tgkill                 234
#define SYS_openat                 257
#define SYS_mkdirat                258
#define SYS_mknodat                259
#define SYS_fchownat               260
#define SYS_newfstatat             262
#define SYS_unlinkat               263
#define SYS_renameat               264
#define SYS_linkat                 265
#define SYS_symlinkat              266
#define SYS_readlinkat             267
#define SYS_fchmodat               268
#define SYS_faccessat              269
#define SYS_ppoll                  271
#define SYS_set_robust_list        273
#define SYS_utimensat              280
#define SYS_dup3                   292
#define SYS_pipe2                  293
#define SYS_prlimit64              302
#define SYS_renameat2              316
#define SYS_getrandom              318
#define SYS_rseq                   334
#define SYS_fchmodat2              452
/* Kairos's own (no Linux call has it): spawn_user_process(path, argv,
 * envp) for user programs until fork and execve exist (docs/user.md). */
#define SYS_kairos_spawn 500

#include <stdint.h>

/* Linux's struct timespec on x86_64 (__kernel_timespec): two 64-bit
 * fields.  Named apart from the host's <time.h> one. */
struct ktimespec {
    int64_t tv_sec;
    int64_t tv_nsec; /* 0 .. 999,999,999 */
};

/* Clocks and flags, Linux's numbers (the host's <time.h> has the same). */
#ifndef CLOCK_REALTIME
#define CLOCK_REALTIME 0 /* the CMOS clock at boot plus uptime */
#endif
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1 /* uptime */
#endif
#ifndef TIMER_ABSTIME
#define TIMER_ABSTIME 1 /* clock_nanosleep: req is a time, not a duration */
#endif

/* Linux's struct sched_param: the priority alone.  Named apart from the
 * host's <sched.h> one. */
struct ksched_param {
    int sched_priority; /* 0 for SCHED_OTHER, 1..99 for FIFO and RR */
};

/* getpriority and setpriority's `which`, Linux's numbers (the host's
 * <sys/resource.h> has the same). */
#ifndef PRIO_PROCESS
#define PRIO_PROCESS 0 /* who is a pid (0: the caller) */
#endif
#ifndef PRIO_PGRP
#define PRIO_PGRP 1 /* who is a process group (0: the caller's) */
#endif
#ifndef PRIO_USER
#define PRIO_USER 2 /* who is a uid: 0 (everyone's) is every process */
#endif

/* Linux policies Kairos does not implement: -EINVAL (docs/syscalls.md). */
#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000 /* a flag or-ed into the policy */
#endif

#include "param.h" /* SYSCALL_IO_MAX: the largest read or write */

/*
 * Run system call nr with its six arguments (rdi, rsi, rdx, r10, r8, r9 on
 * x86_64) for the current process.  Returns the call's result, or -ENOSYS
 * for a number with no call.  Called by the arch trap path with interrupts
 * as the caller had them and no lock held; read and wait4 may block.
 */
long syscall_dispatch(long nr, long a1, long a2, long a3, long a4, long a5,
                      long a6);
/* The same with the arguments in an array (rdi, rsi, rdx, r10, r8, r9), as
 * an entry stub that saved them in that order has them. */
long syscall_dispatch_args(long nr, const long arg[6]);

#endif
