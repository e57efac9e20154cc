/*
 * A system call fuzzer (issue 11): from fixed seeds, forked children make
 * many random system calls with hostile arguments — pointers into
 * unmapped, kernel and read-only memory, huge lengths, bad descriptors,
 * random flags — and the parent checks that every child ends (by exit or
 * a signal; one that blocks too long is killed), that the kernel is
 * alive, and prints what it did.  The frame counters' baseline is checked
 * from outside (the shell's `mem` before and after: tests/e2e).
 *
 *   fuzz [seeds [calls]]     default 8 seeds of 2000 calls
 *
 * Calls that would leave the sandbox are never made: exit, fork and
 * friends, execve, kill, tkill and tgkill (they could reach the shell),
 * kairos_spawn.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char rodata[64] = "read-only bytes";
static char data[256];

/* An argument: a small number, a descriptor, a flag word, a length, or a
 * pointer that is good, unmapped, in the kernel half or read-only. */
static long arg(void)
{
    static const long special[] = {
        0,
        1,
        -1,
        2,
        3,
        100,
        4096,
        (long)1 << 40,
        -4096,
        0x7fffffff,
        (long)0xffffffff80000000UL,
        (long)0xffff800000000000UL,
        8,
        16,
        (long)0x800000000000UL,
        0x10000,
    };

    switch (next() % 6) {
    case 0:
        return special[next() % (sizeof(special) / sizeof(special[0]))];
    case 1:
        return (long)(next() % 70); /* descriptors, signals, small flags */
    case 2:
        return (long)next();
    case 3:
        return (long)(uintptr_t)data;
    case 4:
        return (long)(uintptr_t)rodata;
    default:
        return (long)(next() & 0xffffffffffffULL); /* somewhere user */
    }
}

static int forbidden(long nr)
{
    return nr == SYS_exit || nr == SYS_exit_group || nr == SYS_fork ||
           nr == SYS_vfork || nr == SYS_clone || nr == SYS_execve ||
           nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == 500 ||
           nr == SYS_rt_sigreturn || nr == SYS_rt_sigsuspend || nr == SYS_pause;
}

static void child(uint64_t seed, long calls)
{
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (long i = 0; i < calls; i++) {
        long nr = (long)(next() % 340);

        if (forbidden(nr)) {
            continue;
        }
        syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());
    }
    syscall(SYS_exit, 0);
}

int main(int argc, char **argv)
{
    long seeds = argc > 1 ? atol(argv[1]) : 8;
    long calls = argc > 2 ? atol(argv[2]) : 2000;
    long exited = 0, signalled = 0, killed = 0;

    for (long s = 1; s <= seeds; s++) {
        pid_t pid = fork();
        int status = 0;
        long waited = 0;

        if (pid < 0) {
            printf("fuzz: fork failed\n");
            return 1;
        }
        if (pid == 0) {
            child((uint64_t)s, calls);
        }
        while (waitpid(pid, &status, WNOHANG) == 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};

            if (++waited == 300) { /* 3 s: blocked in a read, a sleep... */
                kill(pid, SIGKILL);
                killed++;
            }
            nanosleep(&ts, NULL);
        }
        if (WIFSIGNALED(status)) {
            signalled++;
        } else {
            exited++;
        }
    }
    printf("fuzz: %ld seeds of %ld calls: %ld exited, %ld ended by a "
           "signal (%ld killed when stuck); the kernel is alive\n",
           seeds, calls, exited, signalled, killed);
    return 0;
}
