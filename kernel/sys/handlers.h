/*
 * System call handlers kept outside syscall.c, for its table (one file
 * per family; docs/syscalls.md lists them all).  Each gets the six
 * argument registers, rdi first, and returns the result or -errno.
 */
#ifndef KAIROS_HANDLERS_H
#define KAIROS_HANDLERS_H

#include <stdint.h>

typedef long (*syscall_fn)(const long arg[6]);

/* sys_user.c: user memory, TLS and identity (docs/user.md). */
long sys_brk(const long arg[6]);
long sys_mmap(const long arg[6]);
long sys_munmap(const long arg[6]);
long sys_mprotect(const long arg[6]);
long sys_arch_prctl(const long arg[6]);
long sys_set_tid_address(const long arg[6]);
long sys_uname(const long arg[6]);
long sys_getuid(const long arg[6]);
long sys_gettid(const long arg[6]);
long sys_kairos_spawn(const long arg[6]);
long sys_execve(const long arg[6]);
long sys_set_robust_list(const long arg[6]);
long sys_rseq(const long arg[6]);
long sys_prctl(const long arg[6]);
/* sys_info.c: randomness, clocks, the system, limits (docs/user.md). */
long sys_getrandom(const long arg[6]);
long sys_time(const long arg[6]);
long sys_gettimeofday(const long arg[6]);
long sys_sysinfo(const long arg[6]);
long sys_prlimit64(const long arg[6]);
long sys_getrlimit(const long arg[6]);
long sys_setrlimit(const long arg[6]);
long sys_umask(const long arg[6]);
/* sys_fork.c: fork, vfork, clone (docs/linux-abi.md). */
long sys_fork(const long arg[6]);
long sys_vfork(const long arg[6]);
long sys_clone(const long arg[6]);
/* sys_timer.c: alarm, the interval timer, pause (docs/timers.md). */
long sys_pause(const long arg[6]);
long sys_getitimer(const long arg[6]);
long sys_alarm(const long arg[6]);
long sys_setitimer(const long arg[6]);
/* sys_signal.c: handlers and masks (docs/signals.md). */
long sys_rt_sigaction(const long arg[6]);
long sys_rt_sigprocmask(const long arg[6]);
long sys_rt_sigreturn(const long arg[6]);
long sys_rt_sigsuspend(const long arg[6]);
long sys_sigaltstack(const long arg[6]);
long sys_tkill(const long arg[6]);
long sys_tgkill(const long arg[6]);
/* sys_proc.c: groups, sessions, kill and wait4 (docs/syscalls.md). */
long sys_getpgid(const long arg[6]);
long sys_getpgrp(const long arg[6]);
long sys_getsid(const long arg[6]);
long sys_setpgid(const long arg[6]);
long sys_setsid(const long arg[6]);
long do_kill(const long arg[6]);
long do_wait4(const long arg[6]);
/* sys_path.c: the working directory, access, readlink. */
long sys_getcwd(const long arg[6]);
long sys_chdir(const long arg[6]);
long sys_fchdir(const long arg[6]);
long sys_access(const long arg[6]);
long sys_faccessat(const long arg[6]);
long sys_readlink(const long arg[6]);
long sys_readlinkat(const long arg[6]);
/* sys_fswrite.c: the calls that would write the read-only file system:
 * Linux's path errors, then -EROFS (docs/linux-abi.md, "Writing files"). */
long sys_mkdir(const long arg[6]);
long sys_mkdirat(const long arg[6]);
long sys_mknod(const long arg[6]);
long sys_mknodat(const long arg[6]);
long sys_symlink(const long arg[6]);
long sys_symlinkat(const long arg[6]);
long sys_link(const long arg[6]);
long sys_linkat(const long arg[6]);
long sys_unlink(const long arg[6]);
long sys_unlinkat(const long arg[6]);
long sys_rmdir(const long arg[6]);
long sys_rename(const long arg[6]);
long sys_renameat(const long arg[6]);
long sys_renameat2(const long arg[6]);
long sys_chmod(const long arg[6]);
long sys_fchmod(const long arg[6]);
long sys_fchmodat(const long arg[6]);
long sys_fchmodat2(const long arg[6]);
long sys_chown(const long arg[6]);
long sys_lchown(const long arg[6]);
long sys_fchown(const long arg[6]);
long sys_fchownat(const long arg[6]);
long sys_utimensat(const long arg[6]);
long sys_truncate(const long arg[6]);
long sys_ftruncate(const long arg[6]);
/* sys_compat.c: what static programs call that needs no facility here:
 * futex (no threads), getgroups (no supplementary groups), sync. */
long sys_futex(const long arg[6]);
long sys_getgroups(const long arg[6]);
long sys_sync(const long arg[6]);
/* syscall.c: the caller's timespec at p as nanoseconds: 0, -EFAULT,
 * -EINVAL (a negative field, tv_nsec over 999,999,999). */
long get_timespec(const void *p, uint64_t *ns);
/* A user process's first call of an unknown number nr: one log line. */
void sys_log_unknown(long nr);

#endif
