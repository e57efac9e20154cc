/*
 * User-side kernel benchmarks (docs/bench-kernel.md), run by the bench
 * image under QEMU -icount, where the TSC counts instructions:
 *
 *   kbench fork     K7: fork + child _exit + wait4, per cycle
 *   kbench exec     K8: fork + execve(/ktest/bin/exit0) + wait4
 *   kbench pipe     K9: a 1-byte round trip between two processes
 *                   through two pipes
 *
 * Each prints "name,median,instructions" (what bench/kernel/run.sh
 * collects) after a warm-up, with the cost of an empty rdtsc pair taken
 * off.  Linux runs it too (the numbers are then cycles, not instructions).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLES 101
#define WARMUP  8

static uint64_t tsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static uint64_t overhead(void)
{
    uint64_t v[SAMPLES];

    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = tsc();

        v[i] = tsc() - t0;
    }
    qsort(v, SAMPLES, sizeof(v[0]), cmp);
    return v[SAMPLES / 2];
}

static void report(const char *name, uint64_t *v)
{
    qsort(v, SAMPLES, sizeof(v[0]), cmp);
    printf("%s,%llu,instructions\n", name, (unsigned long long)v[SAMPLES / 2]);
    fflush(stdout);
}

static uint64_t fork_cycle(const char *exec)
{
    uint64_t t0 = tsc();
    pid_t pid = (pid_t)syscall(SYS_fork);
    int status;

    if (pid == 0) {
        if (exec != NULL) {
            char *argv[] = {"exit0", NULL};

            syscall(SYS_execve, exec, argv, NULL);
        }
        syscall(SYS_exit, 0);
    }
    syscall(SYS_wait4, pid, &status, 0, NULL);
    return tsc() - t0;
}

static uint64_t pipe_trip(int to, int from)
{
    char c = 'x';
    uint64_t t0 = tsc();

    if (write(to, &c, 1) != 1 || read(from, &c, 1) != 1) {
        exit(1);
    }
    return tsc() - t0;
}

int main(int argc, char **argv)
{
    static uint64_t v[SAMPLES];
    uint64_t o = overhead();
    const char *what = argc > 1 ? argv[1] : "";

    if (strcmp(what, "fork") == 0 || strcmp(what, "exec") == 0) {
        const char *exec = what[0] == 'e' ? "/ktest/bin/exit0" : NULL;

        for (int i = 0; i < WARMUP; i++) {
            fork_cycle(exec);
        }
        for (int i = 0; i < SAMPLES; i++) {
            v[i] = fork_cycle(exec) - o;
        }
        report(exec ? "kernel_user_fork_exec_wait"
                    : "kernel_user_fork_exit_wait",
               v);
        return 0;
    }
    if (strcmp(what, "pipe") == 0) {
        int ab[2], ba[2];
        pid_t pid;
        char c;

        if (pipe(ab) != 0 || pipe(ba) != 0) {
            printf("# kbench: pipe failed\n");
            return 1;
        }
        pid = fork();
        if (pid == 0) { /* the echo: EOF once the parent closes its end */
            close(ab[1]);
            close(ba[0]);
            while (read(ab[0], &c, 1) == 1 && write(ba[1], &c, 1) == 1) {
            }
            _exit(0);
        }
        close(ab[0]);
        close(ba[1]);
        for (int i = 0; i < WARMUP; i++) {
            pipe_trip(ab[1], ba[0]);
        }
        for (int i = 0; i < SAMPLES; i++) {
            v[i] = pipe_trip(ab[1], ba[0]) - o;
        }
        close(ab[1]);
        waitpid(pid, NULL, 0);
        report("kernel_user_pipe_round_trip", v);
        return 0;
    }
    printf("usage: kbench fork|exec|pipe\n");
    return 2;
}
