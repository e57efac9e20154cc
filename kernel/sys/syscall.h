/*
 * System calls: Linux x86_64 numbers, calling convention and negative
 * errno values.  Every caller, a kernel process today and a user process
 * later, enters through the arch port's trap path (arch_syscall), which
 * calls syscall_dispatch.  docs/syscalls.md has the table and every error.
 */
#ifndef KAIROS_SYSCALL_H
#define KAIROS_SYSCALL_H

/* The numbers Linux uses on x86_64 (asm/unistd_64.h). */
#define SYS_read        0
#define SYS_write       1
#define SYS_sched_yield 24
#define SYS_getpid      39
#define SYS_exit        60
#define SYS_wait4       61
#define SYS_getppid     110
#define SYS_exit_group  231

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
