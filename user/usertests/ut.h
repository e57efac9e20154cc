/*
 * usertests: shared declarations.  Each case is a function run in a
 * process of its own (`usertests NAME`); it returns to pass, calls
 * ut_fail to fail, or ends by the signal its table entry expects.  System
 * calls go through ut_sc, the bare `syscall` instruction, so every result
 * is the kernel's own (a negative errno), with no libc in the way.
 */
#ifndef USERTESTS_UT_H
#define USERTESTS_UT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "kairos.h"

#define UT_PAGE 4096L

/* Exit codes a case process ends with besides 0: a failure, and "a
 * system call the case needs answered -ENOSYS" (UT_EXIT_NEED + the call's
 * index in ut_calls, or UT_EXIT_NEED_OTHER for one not listed). */
#define UT_EXIT_FAIL       1
#define UT_EXIT_NEED       100
#define UT_EXIT_NEED_OTHER 99

/* The `syscall` instruction with six arguments; returns rax as is. */
static inline long ut_sc(long nr, long a1, long a2, long a3, long a4, long a5,
                         long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* SC(nr, args...): a raw call with up to six arguments (missing ones 0).
 * SCN: the same, but a -ENOSYS result ends the case as "needs nr". */
#define SC(...) ut_sc_pad(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define ut_sc_pad(nr, a, b, c, d, e, f, ...)                           \
    ut_sc((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
          (long)(f))
#define SCN(...)             ut_need(SC(__VA_ARGS__), ut_first(__VA_ARGS__, 0))
#define ut_first(first, ...) (first)

/* A system call's number and name, for "# SKIP needs NAME". */
struct ut_call {
    long nr;
    const char *name;
};
extern const struct ut_call ut_calls[];
extern const int ut_ncalls;

/* The program's own path (AT_EXECFN), for spawning itself, and main's
 * argc and argv. */
extern const char *ut_self;
extern int ut_argc;
extern char **ut_argv;

/* Print like printf, straight to fd 1 with write (no stdio buffer, so the
 * parent's and the children's lines come out in the order written). */
void ut_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End this case as failed, saying why on a "# NAME: ..." line. */
_Noreturn void ut_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Return r, unless it is -ENOSYS: then end the case as needing call nr. */
long ut_need(long r, long nr);
/* Fail unless got == want; what names the call for the message. */
void ut_expect(long got, long want, const char *what);
/* kairos_spawn(path, argv, envp): the new process's pid or a negative
 * errno (spawn.c; on Linux, for checking the suite there, posix_spawn:
 * linux/spawn.c). */
long ut_spawn(const char *path, char *const argv[], char *const envp[]);
/* Spawn this program with argv {ut_self, name, extra..., NULL} (extra is
 * NULL-terminated, or NULL) and envp; returns the pid or a negative
 * errno. */
long ut_spawn_self(const char *name, char *const extra[], char *const envp[]);
/* True in the Kairos build (spawn.c), false in the Linux one: for the few
 * checks where Kairos differs on purpose (a read-only root, no /proc). */
extern const int ut_on_kairos;
/* Wait for pid; returns its wait4 status (fails the case on error). */
int ut_wait(long pid);

/* The cases, grouped by file. */
void t_rofs_create(void);
void t_rofs_remove(void);
void t_rofs_rename(void);
void t_rofs_change(void);
void t_tmpfs_files(void);
void t_tmpfs_truncate(void);
void t_tmpfs_unlink_open(void);
void t_tmpfs_dirs(void);
void t_tmpfs_readdir(void);
void t_tmpfs_rename(void);
void t_tmpfs_chmod(void);
void t_io_capped(void);
void t_affinity(void);
void t_pread_pwrite(void);
void t_efault_read(void);
void t_efault_write(void);
void t_efault_readv(void);
void t_efault_writev(void);
void t_efault_open(void);
void t_efault_openat(void);
void t_efault_stat(void);
void t_efault_fstat(void);
void t_efault_newfstatat(void);
void t_efault_getdents64(void);
void t_efault_ioctl(void);
void t_efault_uname(void);
void t_efault_wait4(void);
void t_efault_nanosleep(void);
void t_efault_clock_gettime(void);
void t_efault_clock_nanosleep(void);
void t_efault_sched_param(void);
void t_efault_sched_rr_get_interval(void);
void t_efault_arch_prctl(void);
void t_efault_kairos_spawn(void);
void t_arch_prctl_refuses_kernel_fs(void);
void t_unknown_syscall(void);

void t_read_null(void);
void t_read_kernel_text(void);
void t_read_kernel_physmap(void);
void t_read_noncanonical(void);
void t_write_kernel(void);
void t_write_own_text(void);
void t_exec_stack(void);
void t_exec_heap(void);
void t_exec_data(void);
void t_cli(void);
void t_hlt(void);
void t_in(void);
void t_out(void);
void t_mov_cr3(void);
void t_lgdt(void);
void t_ud2(void);
void t_int3(void);
void t_divide_by_zero(void);
void t_divide_overflow(void);
void t_unbounded_recursion(void);

void t_brk_grows_and_shrinks(void);
void t_brk_above_faults(void);
void t_mmap_anon(void);
void t_mmap_file(void);
void t_fork_cow(void);
void t_fork_shares_offsets(void);
void t_fork_tree(void);
void t_fork_bomb(void);
void t_vfork_then_exit(void);
void t_clone_flags(void);
void t_fork_exec_wait(void);
void t_exec_errors(void);
void t_exec_script(void);
void t_script_target(void);
void t_signal_handler_runs(void);
void t_sigprocmask_blocks(void);
void t_sig_ign(void);
void t_sigchld(void);
void t_sigsegv_caught(void);
void t_sigterm_default(void);
void t_exec_keeps_ignored(void);
void t_exec_ignored_child(void);
void t_sigint_code(void);
void t_handler_outside_user_memory(void);
void t_siginfo_kill(void);
void t_siginfo_tkill(void);
void t_siginfo_sigchld(void);
void t_siginfo_faults(void);
void t_sigaltstack_calls(void);
void t_sigaltstack_onstack(void);
void t_sigaltstack_restored(void);
void t_sigaltstack_overflow(void);
void t_altstack_none(void);
void t_ppoll_sigmask(void);
void t_ppoll_time_left(void);
void t_munmap_faults(void);
void t_mmap_readonly_write_faults(void);
void t_mprotect_readonly_write_faults(void);
void t_mprotect_exec_runs(void);
void t_mmap_bad_arguments(void);

void t_pipe_round_trip(void);
void t_pipe_eof(void);
void t_pipe_sigpipe(void);
void t_pipe_nonblock(void);
void t_pipe_to_child(void);
void t_pipe_reader(void);
void t_dup_semantics(void);
void t_stdout_probe(void);
void t_poll_timeouts(void);
void t_write_later(void);
void t_huge_allocation_fails(void);
void t_malloc(void);

void t_exit_code(void);
void t_ids(void);
void t_tls(void);
void t_argv_envp_auxv(void);
void t_spawn_errors(void);
void t_spinner_preempted(void);
void t_thousand_processes(void);
void t_exit0(void);
void t_spin(void);

void t_groups(void);
void t_setsid(void);
void t_kill_group(void);
void t_wait_nohang(void);
void t_wait_group(void);
void t_pgrp_leader(void);
void t_pgrp_join(void);
void t_sleeper(void);
void t_setsid_child(void);

void t_cwd(void);
void t_access(void);
void t_readlink(void);
void t_cwd_child(void);

void t_setpgid_exec(void);
void t_prio_pgrp(void);
void t_sendfile(void);
void t_sendfile_errors(void);
void t_compat_calls(void);
void t_abort_raises(void);
void t_missing_facilities(void);

void t_alarm_fires(void);
void t_alarm_remaining(void);
void t_setitimer_interval(void);
void t_itimer_errors(void);
void t_alarm_default_kills(void);
void t_alarm_not_inherited(void);

#endif
