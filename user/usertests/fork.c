/*
 * fork, vfork and clone (issue 11): copy-on-write memory, shared
 * descriptors, the flag sets C libraries use, and the ones refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

#define CLONE_VM             0x00000100
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SIGHAND        0x00000800
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

static volatile int global = 1;

/* Parent and child each see only their own writes: to the data segment,
 * the heap, the stack, a page written before the fork and one after. */
void t_fork_cow(void)
{
    volatile int local = 10;
    int *heap = malloc(64 * 1024);
    long pid;
    int status;

    if (heap == NULL) {
        ut_fail("malloc");
    }
    heap[0] = 100;
    heap[10000] = 7;
    pid = SCN(SYS_fork);
    if (pid < 0) {
        ut_fail("fork gave %ld", pid);
    }
    if (pid == 0) {
        global = 2;
        local = 20;
        heap[0] = 200;
        _exit(global == 2 && local == 20 && heap[0] == 200 && heap[10000] == 7
                  ? 42
                  : 1);
    }
    status = ut_wait(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 42) {
        ut_fail("the child saw the wrong values (status %#x)", status);
    }
    if (global != 1 || local != 10 || heap[0] != 100 || heap[10000] != 7) {
        ut_fail("the child's writes reached the parent: %d %d %d", global,
                local, heap[0]);
    }
    heap[10000] = 8; /* the parent's own copy, writable again */
    free(heap);
}

/* A descriptor after fork is the same open file: its offset is shared. */
void t_fork_shares_offsets(void)
{
    long fd = SCN(SYS_open, ut_self, O_RDONLY), pid;
    char buf[4];

    if (fd < 0) {
        ut_fail("open gave %ld", fd);
    }
    pid = SCN(SYS_fork);
    if (pid == 0) {
        _exit(SC(SYS_read, fd, buf, 4) == 4 ? 0 : 1);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the child's read");
    ut_expect(SCN(SYS_lseek, fd, 0, SEEK_CUR), 4,
              "the parent's offset after the child read 4 bytes");
    SC(SYS_close, fd);
}

/* Levels of processes below the caller, n deep: each forks the next,
 * waits for it and passes its count up, plus one. */
static int levels(int n)
{
    long pid;

    if (n == 0) {
        return 0;
    }
    pid = SCN(SYS_fork);
    if (pid < 0) {
        ut_fail("fork gave %ld", pid);
    }
    if (pid == 0) {
        _exit(levels(n - 1));
    }
    return WEXITSTATUS(ut_wait(pid)) + 1;
}

/* A chain of five: every level forked, run and reaped by its parent. */
void t_fork_tree(void)
{
    ut_expect(levels(5), 5, "the levels counted back up the chain");
}

/* vfork: the parent sleeps until the child exits, then goes on. */
void t_vfork_then_exit(void)
{
    long pid = SCN(SYS_vfork);

    if (pid == 0) {
        SC(SYS_exit, 9); /* a vfork child may only exec or _exit */
    }
    if (pid < 0) {
        ut_fail("vfork gave %ld", pid);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 9, "the vfork child's status");
}

/* clone with glibc's fork flags writes the child's tid; thread flags are
 * refused (no threads). */
void t_clone_flags(void)
{
    static volatile int tid;
    long pid =
        SCN(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0,
            0, &tid, 0);

    if (pid == 0) {
        _exit(tid == SC(SYS_getpid) ? 0 : 1);
    }
    if (pid < 0) {
        ut_fail("clone(CHILD_SETTID|CHILD_CLEARTID|SIGCHLD) gave %ld", pid);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the child's tid at child_tid");
    ut_expect(SC(SYS_clone, CLONE_THREAD | SIGCHLD, 0, 0, 0, 0), -EINVAL,
              "clone(CLONE_THREAD) without CLONE_SIGHAND");
}

/* fork + execve + wait: the child becomes another program (this one, told
 * to run exit_code, which exits 7). */
void t_fork_exec_wait(void)
{
    char *argv[] = {(char *)ut_self, "exit_code", NULL};
    char *envp[] = {"UT_ONE=1", NULL};
    long pid = SCN(SYS_fork);

    if (pid == 0) {
        SC(SYS_execve, ut_self, argv, envp);
        _exit(99); /* execve failed */
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 7, "the exec'd program's status");
}

/* A failed execve returns its error and leaves the caller running. */
void t_exec_errors(void)
{
    char *argv[] = {"x", NULL};

    ut_expect(SC(SYS_execve, "/nonexistent", argv, NULL), -ENOENT,
              "execve of a missing file");
    ut_expect(SC(SYS_execve, "/", argv, NULL), -EACCES,
              "execve of a directory");
    ut_expect(SC(SYS_execve, "/etc/motd", argv, NULL), -EACCES,
              "execve of a file without an execute bit");
    ut_expect(SC(SYS_execve, (char *)8, argv, NULL), -EFAULT,
              "execve with a bad path pointer");
    ut_expect(SC(SYS_execve, ut_self, (char **)8, NULL), -EFAULT,
              "execve with a bad argv");
}

/* A "#!" script runs its interpreter with {interpreter, arg, script, ...}:
 * /etc/script-test is "#!/bin/usertests script_target" (Kairos's
 * initramfs: user/rootfs). */
void t_exec_script(void)
{
    char *argv[] = {"/etc/script-test", "extra", NULL};
    long pid, fd = SC(SYS_open, "/etc/script-test", O_RDONLY);

    if (fd < 0) {
        ut_need(-ENOSYS, SYS_execve); /* not on this system (Linux) */
    }
    SC(SYS_close, fd);
    pid = SCN(SYS_fork);
    if (pid == 0) {
        SC(SYS_execve, "/etc/script-test", argv, NULL);
        _exit(99);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the script's interpreter");
}

/* What t_exec_script's interpreter checks. */
void t_script_target(void)
{
    if (ut_argc != 4 || strcmp(ut_argv[2], "/etc/script-test") != 0 ||
        strcmp(ut_argv[3], "extra") != 0) {
        ut_fail("argv: %d words", ut_argc);
    }
}

/* How many processes exist (sysinfo's procs). */
static long procs_now(void)
{
    struct {
        long uptime;
        unsigned long loads[3], totalram, freeram, sharedram, bufferram;
        unsigned long totalswap, freeswap;
        unsigned short procs;
        char pad[32];
    } si;

    if (SC(SYS_sysinfo, &si) != 0) {
        _exit(4);
    }
    return si.procs;
}

/*
 * The fork bomb's body, run by every process of it: fork until the
 * kernel says no (each child at once does the same), then wait for the
 * whole tree to stop forking (the pipe's last writer gone) and reap the
 * children.  Exits 0 when its own failing fork gave -EAGAIN with exactly
 * limit processes in the system (nothing of the tree exits before all of
 * it has stopped, so the table is full then) and every child exited 0;
 * else 1 (another error), 2 (short of the limit), 3 (no EOF), or the
 * first child's non-zero status.
 */
static _Noreturn void bomb_run(int rfd, int wfd, long limit)
{
    int status, code = 0;
    long pid;
    char c;

    while ((pid = SC(SYS_fork)) >= 0) {
        /* parent: fork again; child: the same loop, as a bomb does */
    }
    if (pid != -EAGAIN) {
        ut_say("# fork_bomb: a fork gave %ld\n", pid);
        code = 1;
    } else if (procs_now() != limit) {
        ut_say("# fork_bomb: fork gave -EAGAIN with %ld processes\n",
               procs_now());
        code = 2;
    }
    SC(SYS_close, wfd);
    if (SC(SYS_read, rfd, &c, 1) != 0) { /* 0: EOF, every bomber is done */
        code = code ? code : 3;
    }
    while ((pid = SC(SYS_wait4, -1, &status, 0, 0)) > 0) {
        if (code == 0 && status != 0) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 5;
        }
    }
    _exit(code);
}

/*
 * A fork bomb in a child of ours: every process of it forks until fork
 * fails, and every failure is -EAGAIN at the process limit (RLIMIT_NPROC:
 * the kernel's procs=), never -ENOMEM, and the kernel lives; then all of
 * it is reaped and the process count is back where it was.  Skipped on
 * Linux, whose limit is per user and does not bind root.
 */
void t_fork_bomb(void)
{
    struct {
        unsigned long cur, max;
    } lim;
    int fds[2];
    long before, pid;

    if (!ut_on_kairos) {
        ut_say("# fork_bomb: skipped on Linux (no table limit for root)\n");
        return;
    }
    ut_expect(SC(SYS_prlimit64, 0, 6 /* RLIMIT_NPROC */, 0, &lim), 0,
              "prlimit64(RLIMIT_NPROC)");
    before = procs_now();
    ut_expect(SC(SYS_pipe2, fds, 0), 0, "pipe2");
    pid = SCN(SYS_fork);
    if (pid == 0) {
        bomb_run(fds[0], fds[1], (long)lim.cur);
    }
    if (pid < 0) {
        ut_fail("fork gave %ld", pid);
    }
    SC(SYS_close, fds[0]);
    SC(SYS_close, fds[1]);
    ut_expect(ut_wait(pid), 0,
              "the bomb's status (1: a fork failed otherwise than -EAGAIN, "
              "2: it failed short of the limit)");
    ut_expect(procs_now(), before, "processes after the bomb was reaped");
    ut_say("# fork_bomb: %lu processes at the peak, every extra fork "
           "-EAGAIN, all reaped\n",
           lim.cur);
    pid = SCN(SYS_fork); /* and forking works again */
    if (pid == 0) {
        _exit(0);
    }
    ut_expect(ut_wait(pid), 0, "a fork after the bomb");
}
