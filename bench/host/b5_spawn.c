/*
 * B5 spawn+exit+wait: one full cycle of creating a task that returns at
 * once and collecting it.
 *
 *   kairos   a parent process: spawn_kernel_process, then wait_for_child
 *            (the child runs, returns, becomes a zombie, wakes the parent,
 *            which reaps it): two switches and the whole lifecycle
 *   pthread  pthread_create + pthread_join, both threads on one CPU
 *   fork     fork + _exit + waitpid
 *   vfork    vfork + _exit + waitpid
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "host.h"
#include "process.h"

#define WARMUP 16

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* ---- Kairos ------------------------------------------------------------------- */

static long cycles;

static int child(void *arg)
{
    (void)arg;
    return 0;
}

static void cycle(void)
{
    pid_t pid = spawn_kernel_process("child", child, NULL);
    int code;

    if (pid < 0 || wait_for_child(pid, &code) != pid || code != 0) {
        fprintf(stderr, "b5: spawn or wait failed\n");
        exit(1);
    }
}

static int parent(void *arg)
{
    (void)arg;
    for (int i = 0; i < WARMUP; i++) {
        cycle();
    }
    bench_region_begin();
    for (long i = 0; i < cycles; i++) {
        cycle();
    }
    bench_region_end();
    return 0;
}

static long run_kairos(long ops, void *ctx)
{
    (void)ctx;
    cycles = ops;
    if (spawn_kernel_process("parent", parent, NULL) < 0) {
        fprintf(stderr, "b5: spawn failed\n");
        exit(1);
    }
    start_scheduler();
    return ops;
}

/* ---- Linux peers -------------------------------------------------------------- */

static void *thread_main(void *arg)
{
    return arg;
}

static long run_pthread(long ops, void *ctx)
{
    pthread_t t;

    (void)ctx;
    for (long i = -WARMUP; i < ops; i++) {
        if (i == 0) {
            bench_region_begin();
        }
        if (pthread_create(&t, NULL, thread_main, NULL) != 0 ||
            pthread_join(t, NULL) != 0) {
            die("b5: pthread");
        }
    }
    bench_region_end();
    return ops;
}

static void reap(pid_t pid)
{
    int status;

    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) {
        die("b5: fork/waitpid");
    }
}

static long run_fork(long ops, void *ctx)
{
    (void)ctx;
    for (long i = -WARMUP; i < ops; i++) {
        pid_t pid;

        if (i == 0) {
            bench_region_begin();
        }
        pid = fork();
        if (pid == 0) {
            _exit(0);
        }
        reap(pid);
    }
    bench_region_end();
    return ops;
}

/* The child exits within this frame, as vfork requires. */
static __attribute__((noinline)) pid_t vfork_child(void)
{
    pid_t pid = vfork();

    if (pid == 0) {
        _exit(0);
    }
    return pid;
}

static long run_vfork(long ops, void *ctx)
{
    (void)ctx;
    for (long i = -WARMUP; i < ops; i++) {
        if (i == 0) {
            bench_region_begin();
        }
        reap(vfork_child());
    }
    bench_region_end();
    return ops;
}

int main(void)
{
    static const struct bench_case cases[] = {
        {"kairos", 0, run_kairos, NULL, 100, 20000, true},
        {"pthread", 0, run_pthread, NULL, 10, 0, false},
        {"fork", 0, run_fork, NULL, 10, 0, false},
        {"vfork", 0, run_vfork, NULL, 10, 0, false},
    };

    bench_init("b5_spawn");
    /* A small machine: fork copies the page tables of all of it. */
    if (host_init(4 << 20) != 0 || process_init() != 0) {
        fprintf(stderr, "b5: cannot start the machine\n");
        return 1;
    }
    bench_compare("B5", cases, sizeof(cases) / sizeof(cases[0]));
    return 0;
}
