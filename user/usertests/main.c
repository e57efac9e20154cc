/*
 * /bin/usertests: Kairos's user-mode test suite, in the spirit of xv6's
 * usertests.  `usertests` runs every case, each in a process of its own
 * (this program spawned again with the case's name), waits for it and
 * checks how it ended: exit 0, or killed by the signal the case expects.
 * Prints TAP.  `usertests NAME` runs one case in this process, so a
 * faulting case can be watched from the shell.  docs/user.md, "Programs".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

struct ut_case {
    const char *name;
    void (*fn)(void);
    int sig;            /* the signal that must end it; 0: exit status 0 */
    char *const *extra; /* argv after the name (NULL: none) */
    char *const *envp;  /* its environment (NULL: ours) */
};

#define PASS(n)                  \
    {                            \
#n, t_##n, 0, NULL, NULL \
    }
#define SIG(n, s)                \
    {                            \
#n, t_##n, s, NULL, NULL \
    }

static char *const argv_extra[] = {"a b", "", "-x", NULL};
static char *const argv_env[] = {"UT_ONE=1", "UT_EMPTY=", NULL};

static const struct ut_case cases[] = {
    PASS(efault_read),
    PASS(efault_write),
    PASS(efault_readv),
    PASS(efault_writev),
    PASS(efault_open),
    PASS(efault_openat),
    PASS(efault_stat),
    PASS(efault_fstat),
    PASS(efault_newfstatat),
    PASS(efault_getdents64),
    PASS(efault_ioctl),
    PASS(efault_uname),
    PASS(efault_wait4),
    PASS(efault_nanosleep),
    PASS(efault_clock_gettime),
    PASS(efault_clock_nanosleep),
    PASS(efault_sched_param),
    PASS(efault_sched_rr_get_interval),
    PASS(efault_arch_prctl),
    PASS(efault_kairos_spawn),
    PASS(arch_prctl_refuses_kernel_fs),
    PASS(unknown_syscall),
    SIG(read_null, SIGSEGV),
    SIG(read_kernel_text, SIGSEGV),
    SIG(read_kernel_physmap, SIGSEGV),
    SIG(read_noncanonical, SIGSEGV),
    SIG(write_kernel, SIGSEGV),
    SIG(write_own_text, SIGSEGV),
    SIG(exec_stack, SIGSEGV),
    SIG(exec_heap, SIGSEGV),
    SIG(exec_data, SIGSEGV),
    SIG(cli, SIGSEGV),
    SIG(hlt, SIGSEGV),
    SIG(in, SIGSEGV),
    SIG(out, SIGSEGV),
    SIG(mov_cr3, SIGSEGV),
    SIG(lgdt, SIGSEGV),
    SIG(ud2, SIGILL),
    SIG(int3, SIGTRAP),
    SIG(divide_by_zero, SIGFPE),
    SIG(divide_overflow, SIGFPE),
    SIG(unbounded_recursion, SIGSEGV),
    PASS(brk_grows_and_shrinks),
    SIG(brk_above_faults, SIGSEGV),
    PASS(mmap_anon),
    PASS(mmap_file),
    SIG(munmap_faults, SIGSEGV),
    SIG(mmap_readonly_write_faults, SIGSEGV),
    SIG(mprotect_readonly_write_faults, SIGSEGV),
    PASS(mprotect_exec_runs),
    PASS(mmap_bad_arguments),
    PASS(huge_allocation_fails),
    PASS(malloc),
    PASS(exit_code), /* exits 7: see expected_code */
    PASS(ids),
    PASS(tls),
    {"argv_envp_auxv", t_argv_envp_auxv, 0, argv_extra, argv_env},
    PASS(spawn_errors),
    PASS(spinner_preempted),
    PASS(thousand_processes),
    PASS(fork_cow),
    PASS(fork_shares_offsets),
    PASS(fork_tree),
    PASS(fork_bomb),
    PASS(vfork_then_exit),
    PASS(clone_flags),
    PASS(fork_exec_wait),
    PASS(exec_errors),
    PASS(exec_script),
    PASS(signal_handler_runs),
    PASS(sigprocmask_blocks),
    PASS(sig_ign),
    PASS(sigchld),
    PASS(sigsegv_caught), /* exits 33: see expected_code */
    SIG(sigterm_default, SIGTERM),
    PASS(exec_keeps_ignored),
    PASS(handler_outside_user_memory),
    PASS(siginfo_kill),
    PASS(siginfo_tkill),
    PASS(siginfo_sigchld),
    PASS(siginfo_faults),
    PASS(sigaltstack_calls),
    PASS(sigaltstack_onstack),
    PASS(sigaltstack_restored),
    PASS(sigaltstack_overflow),
    PASS(ppoll_sigmask),
    PASS(ppoll_time_left),
    PASS(pipe_round_trip),
    PASS(pipe_eof),
    SIG(pipe_sigpipe, SIGPIPE),
    PASS(pipe_nonblock),
    PASS(pipe_to_child),
    PASS(dup_semantics),
    PASS(poll_timeouts),
    PASS(groups),
    PASS(setsid),
    PASS(kill_group),
    PASS(wait_nohang),
    PASS(wait_group),
    PASS(cwd),
    PASS(access),
    PASS(readlink),
    PASS(setpgid_exec),
    PASS(prio_pgrp),
    PASS(sendfile),
    PASS(sendfile_errors),
    PASS(compat_calls),
    SIG(abort_raises, SIGABRT),
    PASS(missing_facilities),
    PASS(alarm_fires),
    PASS(alarm_remaining),
    PASS(setitimer_interval),
    PASS(itimer_errors),
    SIG(alarm_default_kills, SIGALRM),
    PASS(alarm_not_inherited),
    PASS(rofs_create),
    PASS(rofs_remove),
    PASS(rofs_rename),
    PASS(rofs_change),
    PASS(tmpfs_files),
    PASS(tmpfs_truncate),
    PASS(tmpfs_unlink_open),
    PASS(tmpfs_dirs),
    PASS(tmpfs_readdir),
    PASS(tmpfs_rename),
    PASS(tmpfs_chmod),
    PASS(io_capped),
    PASS(affinity),
    PASS(pread_pwrite),
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

/* Cases other cases spawn; `usertests NAME` runs them, the suite does not. */
static const struct ut_case helpers[] = {
    PASS(exit0),
    PASS(spin),
    PASS(script_target),
    PASS(pipe_reader),
    PASS(stdout_probe),
    PASS(write_later),
    PASS(pgrp_leader),
    PASS(pgrp_join),
    PASS(sleeper),
    PASS(setsid_child),
    PASS(cwd_child),
    PASS(altstack_none),
    PASS(exec_ignored_child),
    PASS(sigint_code),
};

const struct ut_call ut_calls[] = {
    {SYS_read, "read"},
    {SYS_write, "write"},
    {SYS_open, "open"},
    {SYS_close, "close"},
    {SYS_stat, "stat"},
    {SYS_fstat, "fstat"},
    {SYS_mmap, "mmap"},
    {SYS_mprotect, "mprotect"},
    {SYS_munmap, "munmap"},
    {SYS_brk, "brk"},
    {SYS_ioctl, "ioctl"},
    {SYS_readv, "readv"},
    {SYS_writev, "writev"},
    {SYS_sched_yield, "sched_yield"},
    {SYS_fork, "fork"},
    {SYS_alarm, "alarm"},
    {SYS_pause, "pause"},
    {SYS_setitimer, "setitimer"},
    {SYS_getitimer, "getitimer"},
    {SYS_vfork, "vfork"},
    {SYS_clone, "clone"},
    {SYS_execve, "execve"},
    {SYS_rt_sigaction, "rt_sigaction"},
    {SYS_rt_sigprocmask, "rt_sigprocmask"},
    {SYS_nanosleep, "nanosleep"},
    {SYS_getpid, "getpid"},
    {SYS_exit, "exit"},
    {SYS_wait4, "wait4"},
    {SYS_kill, "kill"},
    {SYS_uname, "uname"},
    {SYS_getuid, "getuid"},
    {SYS_getgid, "getgid"},
    {SYS_geteuid, "geteuid"},
    {SYS_getegid, "getegid"},
    {SYS_getppid, "getppid"},
    {SYS_sched_setparam, "sched_setparam"},
    {SYS_sched_getparam, "sched_getparam"},
    {SYS_sched_setscheduler, "sched_setscheduler"},
    {SYS_sched_rr_get_interval, "sched_rr_get_interval"},
    {SYS_arch_prctl, "arch_prctl"},
    {SYS_gettid, "gettid"},
    {SYS_getdents64, "getdents64"},
    {SYS_set_tid_address, "set_tid_address"},
    {SYS_clock_gettime, "clock_gettime"},
    {SYS_clock_nanosleep, "clock_nanosleep"},
    {SYS_exit_group, "exit_group"},
    {SYS_openat, "openat"},
    {SYS_newfstatat, "newfstatat"},
    {SYS_poll, "poll"},
    {SYS_ppoll, "ppoll"},
    {SYS_pipe2, "pipe2"},
    {SYS_dup, "dup"},
    {SYS_dup2, "dup2"},
    {SYS_dup3, "dup3"},
    {SYS_fcntl, "fcntl"},
    {SYS_getpgid, "getpgid"},
    {SYS_setpgid, "setpgid"},
    {SYS_getpgrp, "getpgrp"},
    {SYS_getsid, "getsid"},
    {SYS_setsid, "setsid"},
    {SYS_getcwd, "getcwd"},
    {SYS_chdir, "chdir"},
    {SYS_fchdir, "fchdir"},
    {SYS_access, "access"},
    {SYS_faccessat, "faccessat"},
    {SYS_readlink, "readlink"},
    {SYS_readlinkat, "readlinkat"},
    {SYS_sendfile, "sendfile"},
    {SYS_mkdir, "mkdir"},
    {SYS_mkdirat, "mkdirat"},
    {SYS_mknod, "mknod"},
    {SYS_mknodat, "mknodat"},
    {SYS_symlink, "symlink"},
    {SYS_symlinkat, "symlinkat"},
    {SYS_link, "link"},
    {SYS_linkat, "linkat"},
    {SYS_unlink, "unlink"},
    {SYS_unlinkat, "unlinkat"},
    {SYS_rmdir, "rmdir"},
    {SYS_rename, "rename"},
    {SYS_renameat, "renameat"},
    {SYS_renameat2, "renameat2"},
    {SYS_chmod, "chmod"},
    {SYS_fchmod, "fchmod"},
    {SYS_fchmodat, "fchmodat"},
    {SYS_chown, "chown"},
    {SYS_lchown, "lchown"},
    {SYS_fchown, "fchown"},
    {SYS_fchownat, "fchownat"},
    {SYS_utimensat, "utimensat"},
    {SYS_truncate, "truncate"},
    {SYS_ftruncate, "ftruncate"},
    {SYS_creat, "creat"},
    {SYS_pread64, "pread64"},
    {SYS_pwrite64, "pwrite64"},
    {SYS_sched_getaffinity, "sched_getaffinity"},
    {SYS_sched_setaffinity, "sched_setaffinity"},
    {SYS_getpriority, "getpriority"},
    {SYS_setpriority, "setpriority"},
    {SYS_futex, "futex"},
    {SYS_tkill, "tkill"},
    {SYS_tgkill, "tgkill"},
    {SYS_getgroups, "getgroups"},
    {SYS_sync, "sync"},
    {SYS_pipe, "pipe"},
    {SYS_lseek, "lseek"},
    {SYS_kairos_spawn, "kairos_spawn"},
};
const int ut_ncalls = (int)(sizeof(ut_calls) / sizeof(ut_calls[0]));

const char *ut_self = "/bin/usertests";
int ut_argc;
char **ut_argv;
static const char *current = "usertests"; /* the case running here */

void ut_say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1) {
        n = sizeof(buf) - 1;
    }
    for (int off = 0; off < n;) {
        long r = SC(SYS_write, 1, buf + off, n - off);
        if (r <= 0) {
            return;
        }
        off += (int)r;
    }
}

_Noreturn void ut_fail(const char *fmt, ...)
{
    char buf[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ut_say("# %s: %s\n", current, buf);
    for (;;) {
        SC(SYS_exit_group, UT_EXIT_FAIL);
    }
}

long ut_need(long r, long nr)
{
    if (r != -ENOSYS) {
        return r;
    }
    for (int i = 0; i < ut_ncalls; i++) {
        if (ut_calls[i].nr == nr) {
            ut_say("# %s: %s gives -ENOSYS\n", current, ut_calls[i].name);
            for (;;) {
                SC(SYS_exit_group, UT_EXIT_NEED + i);
            }
        }
    }
    ut_say("# %s: system call %ld gives -ENOSYS\n", current, nr);
    for (;;) {
        SC(SYS_exit_group, UT_EXIT_NEED_OTHER);
    }
}

void ut_expect(long got, long want, const char *what)
{
    if (got != want) {
        ut_fail("%s gave %ld, expected %ld", what, got, want);
    }
}

long ut_spawn_self(const char *name, char *const extra[], char *const envp[])
{
    char *argv[8];
    int n = 0;

    argv[n++] = (char *)ut_self;
    argv[n++] = (char *)name;
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 7; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    return ut_spawn(ut_self, argv, envp);
}

int ut_wait(long pid)
{
    int status = 0;
    long r = SCN(SYS_wait4, pid, &status, 0, 0);

    if (r != pid) {
        ut_fail("wait4(%ld) gave %ld", pid, r);
    }
    return status;
}

static const char *const signames[] = {
    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
    [SIGSEGV] = "SIGSEGV", [SIGPIPE] = "SIGPIPE", [SIGTERM] = "SIGTERM",
};

static const char *signame(int sig)
{
    if (sig > 0 && sig < (int)(sizeof(signames) / sizeof(signames[0])) &&
        signames[sig] != NULL) {
        return signames[sig];
    }
    return "an unnamed signal";
}

static void describe(int status, char *buf, size_t size)
{
    if (WIFSIGNALED(status)) {
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
                 signame(WTERMSIG(status)));
    } else {
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    }
}

/* exit_code's process must end with exit(7), sigsegv_caught's handler
 * with 33; every other PASS case 0. */
static int expected_code(const struct ut_case *c)
{
    if (strcmp(c->name, "sigsegv_caught") == 0) {
        return 33;
    }
    return strcmp(c->name, "exit_code") == 0 ? 7 : 0;
}

enum verdict { UT_OK, UT_NOT_OK, UT_SKIP };

/* Judge how case c's process ended; why gets the reason when not OK. */
static enum verdict judge(const struct ut_case *c, int status, char *why,
                          size_t size)
{
    char got[64];
    int code = WEXITSTATUS(status);

    if (WIFEXITED(status) && code >= UT_EXIT_NEED &&
        code < UT_EXIT_NEED + ut_ncalls) {
        snprintf(why, size, "needs %s", ut_calls[code - UT_EXIT_NEED].name);
        return UT_SKIP;
    }
    if (WIFEXITED(status) && code == UT_EXIT_NEED_OTHER) {
        snprintf(why, size, "needs a system call (see above)");
        return UT_SKIP;
    }
    if (c->sig != 0 ? WIFSIGNALED(status) && WTERMSIG(status) == c->sig
                    : WIFEXITED(status) && code == expected_code(c)) {
        return UT_OK;
    }
    describe(status, got, sizeof(got));
    if (c->sig != 0) {
        snprintf(why, size, "%s, expected killed by %s", got, signame(c->sig));
    } else {
        snprintf(why, size, "%s, expected exit status %d", got,
                 expected_code(c));
    }
    return UT_NOT_OK;
}

static enum verdict run_case(const struct ut_case *c, char *why, size_t size)
{
    extern char **environ;
    long pid =
        ut_spawn_self(c->name, c->extra, c->envp != NULL ? c->envp : environ);

    if (pid < 0) {
        snprintf(why, size, "kairos_spawn gave %ld", pid);
        return UT_NOT_OK;
    }
    return judge(c, ut_wait(pid), why, size);
}

static int run_all(void)
{
    int failed = 0, skipped = 0;
    char why[160];
    long probe = ut_spawn_self("exit0", NULL, NULL);

    ut_say("1..%d\n", NCASES);
    if (probe == -ENOSYS) { /* no way to give each case its own process */
        for (int i = 0; i < NCASES; i++) {
            ut_say("ok %d - %s # SKIP needs kairos_spawn\n", i + 1,
                   cases[i].name);
        }
        return 0;
    }
    if (probe > 0) {
        ut_wait(probe);
    }
    for (int i = 0; i < NCASES; i++) {
        current = cases[i].name;
        enum verdict v = run_case(&cases[i], why, sizeof(why));
        current = "usertests";
        if (v == UT_OK) {
            ut_say("ok %d - %s\n", i + 1, cases[i].name);
        } else if (v == UT_SKIP) {
            ut_say("ok %d - %s # SKIP %s\n", i + 1, cases[i].name, why);
            skipped++;
        } else {
            ut_say("not ok %d - %s\n# %s: %s\n", i + 1, cases[i].name,
                   cases[i].name, why);
            failed++;
        }
    }
    ut_say("# usertests: %d passed, %d failed, %d skipped\n",
           NCASES - failed - skipped, failed, skipped);
    return failed != 0;
}

static const struct ut_case *find(const char *name)
{
    for (int i = 0; i < NCASES; i++) {
        if (strcmp(cases[i].name, name) == 0) {
            return &cases[i];
        }
    }
    for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
        if (strcmp(helpers[i].name, name) == 0) {
            return &helpers[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const struct ut_case *c;

    ut_argc = argc;
    ut_argv = argv;
    if (execfn != NULL && execfn[0] == '/') {
        ut_self = execfn;
    }
    if (argc < 2) {
        return run_all();
    }
    c = find(argv[1]);
    if (c == NULL) {
        ut_say("usertests: no case '%s'; the cases:\n", argv[1]);
        for (int i = 0; i < NCASES; i++) {
            ut_say("  %s\n", cases[i].name);
        }
        return 2;
    }
    current = c->name;
    c->fn();
    if (c->sig != 0) {
        ut_fail("came back: no %s", signame(c->sig));
    }
    return 0;
}
