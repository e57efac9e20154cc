/*
 * B1 switch: the cost of one context switch (one direction) between two
 * tasks that hand the CPU to each other, on one CPU.
 *
 *   kairos      two Kairos processes calling yield_now (the scheduler:
 *               lock, run queue, stack canary check, the switch)
 *   bare        arch_context_switch between two contexts, no scheduler:
 *               the assembly switch Kairos uses, alone (the floor)
 *   fcontext    Boost.Context's jump_fcontext
 *   swapcontext glibc's ucontext switch (it also saves the signal mask:
 *               one rt_sigprocmask system call per switch)
 *   futex       two pthreads handing off through a futex word
 *   pipe        two Linux processes ping-ponging one byte through pipes
 *
 * Every case does round trips (two switches each) and reports per switch.
 * B1_TRACE=1 in the environment runs the Kairos case with the scheduler
 * trace on (docs/trace.md: what recording costs per switch).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch.h"
#include "harness.h"
#include "host.h"
#include "process.h"
#include "trace.h"

#define PEER_STACK (64 * 1024)
#define WARMUP     64 /* round trips before the bracket */

static _Alignas(16) uint8_t peer_stack[PEER_STACK];

/* ---- Kairos: two processes yielding to each other ---------------------- */

static volatile int stop;
static long rounds;

static int pinger(void *arg)
{
    (void)arg;
    for (int i = 0; i < WARMUP; i++) {
        yield_now();
    }
    bench_region_begin();
    for (long i = 0; i < rounds; i++) {
        yield_now();
    }
    bench_region_end();
    stop = 1;
    return 0;
}

static int ponger(void *arg)
{
    (void)arg;
    while (!stop) {
        yield_now();
    }
    return 0;
}

static long run_kairos(long ops, void *ctx)
{
    (void)ctx;
    rounds = ops / 2 > 0 ? ops / 2 : 1;
    stop = 0;
    trace_set(getenv("B1_TRACE") != NULL);
    if (spawn_kernel_process("ping", pinger, NULL) < 0 ||
        spawn_kernel_process("pong", ponger, NULL) < 0) {
        fprintf(stderr, "b1: spawn failed\n");
        exit(1);
    }
    start_scheduler();
    return rounds * 2;
}

/* ---- The bare switch: arch_context_switch, no scheduler ------------------ */

static struct arch_context main_ctx, peer_ctx;

static void bare_peer(void *arg)
{
    (void)arg;
    for (;;) {
        arch_context_switch(&peer_ctx, &main_ctx);
    }
}

static long run_bare(long ops, void *ctx)
{
    long n = ops / 2 > 0 ? ops / 2 : 1;

    (void)ctx;
    arch_context_init(&peer_ctx, peer_stack, sizeof(peer_stack), bare_peer,
                      NULL);
    for (int i = 0; i < WARMUP; i++) {
        arch_context_switch(&main_ctx, &peer_ctx);
    }
    bench_region_begin();
    for (long i = 0; i < n; i++) {
        arch_context_switch(&main_ctx, &peer_ctx);
    }
    bench_region_end();
    return n * 2;
}

/* ---- Boost.Context fcontext (extern "C" in libboost_context) ------------- */

typedef void *fcontext_t;
struct transfer_t {
    fcontext_t fctx;
    void *data;
};
struct transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(struct transfer_t));

static void fcontext_peer(struct transfer_t t)
{
    for (;;) {
        t = jump_fcontext(t.fctx, NULL);
    }
}

static long run_fcontext(long ops, void *ctx)
{
    long n = ops / 2 > 0 ? ops / 2 : 1;
    fcontext_t peer;

    (void)ctx;
    peer = make_fcontext(peer_stack + sizeof(peer_stack), sizeof(peer_stack),
                         fcontext_peer);
    for (int i = 0; i < WARMUP; i++) {
        peer = jump_fcontext(peer, NULL).fctx;
    }
    bench_region_begin();
    for (long i = 0; i < n; i++) {
        peer = jump_fcontext(peer, NULL).fctx;
    }
    bench_region_end();
    return n * 2;
}

/* ---- glibc swapcontext ------------------------------------------------- */

static ucontext_t main_uc, peer_uc;

static void ucontext_peer(void)
{
    for (;;) {
        swapcontext(&peer_uc, &main_uc);
    }
}

static long run_swapcontext(long ops, void *ctx)
{
    long n = ops / 2 > 0 ? ops / 2 : 1;

    (void)ctx;
    getcontext(&peer_uc);
    peer_uc.uc_stack.ss_sp = peer_stack;
    peer_uc.uc_stack.ss_size = sizeof(peer_stack);
    peer_uc.uc_link = NULL;
    makecontext(&peer_uc, ucontext_peer, 0);
    for (int i = 0; i < WARMUP; i++) {
        swapcontext(&main_uc, &peer_uc);
    }
    bench_region_begin();
    for (long i = 0; i < n; i++) {
        swapcontext(&main_uc, &peer_uc);
    }
    bench_region_end();
    return n * 2;
}

/* ---- Two pthreads on one CPU, handing off through a futex ------------- */

static volatile int turn; /* 0: the main thread runs, 1: the peer */
static volatile int futex_stop;

static void futex_wait(volatile int *w, int val)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(volatile int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Give the turn to `to` and wait until it is given back. */
static void hand_off(int to)
{
    turn = to;
    futex_wake(&turn);
    while (turn == to) {
        futex_wait(&turn, to);
    }
}

static void *futex_peer(void *arg)
{
    (void)arg;
    for (;;) {
        while (turn == 0) {
            futex_wait(&turn, 0);
        }
        if (futex_stop) {
            return NULL;
        }
        turn = 0;
        futex_wake(&turn);
    }
}

static long run_futex(long ops, void *ctx)
{
    long n = ops / 2 > 0 ? ops / 2 : 1;
    pthread_t t;

    (void)ctx;
    turn = 0;
    futex_stop = 0;
    if (pthread_create(&t, NULL, futex_peer, NULL) != 0) {
        perror("b1: pthread_create");
        exit(1);
    }
    for (int i = 0; i < WARMUP; i++) {
        hand_off(1);
    }
    bench_region_begin();
    for (long i = 0; i < n; i++) {
        hand_off(1);
    }
    bench_region_end();
    futex_stop = 1;
    turn = 1;
    futex_wake(&turn);
    pthread_join(t, NULL);
    return n * 2;
}

/* ---- Two Linux processes ping-ponging through pipes ------------------------ */

static long run_pipe(long ops, void *ctx)
{
    long n = ops / 2 > 0 ? ops / 2 : 1;
    int to_child[2], to_parent[2];
    char b = 0;
    pid_t pid;

    (void)ctx;
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        perror("b1: pipe");
        exit(1);
    }
    pid = fork(); /* inherits the pinning: same CPU */
    if (pid < 0) {
        perror("b1: fork");
        exit(1);
    }
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        while (read(to_child[0], &b, 1) == 1) {
            if (write(to_parent[1], &b, 1) != 1) {
                _exit(1);
            }
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    for (long i = -WARMUP; i < n; i++) {
        if (i == 0) {
            bench_region_begin();
        }
        if (write(to_child[1], &b, 1) != 1 || read(to_parent[0], &b, 1) != 1) {
            perror("b1: pipe ping-pong");
            exit(1);
        }
    }
    bench_region_end();
    close(to_child[1]);
    close(to_parent[0]);
    waitpid(pid, NULL, 0);
    return n * 2;
}

int main(void)
{
    static const struct bench_case cases[] = {
        {"kairos", 0, run_kairos, NULL, 1000, 0, true},
        {"bare", 0, run_bare, NULL, 1000, 0, true},
        {"fcontext", 0, run_fcontext, NULL, 1000, 0, true},
        {"swapcontext", 0, run_swapcontext, NULL, 100, 0, false},
        {"futex", 0, run_futex, NULL, 100, 0, false},
        {"pipe", 0, run_pipe, NULL, 100, 0, false},
    };

    bench_init("b1_switch");
    if (host_init(64 << 20) != 0 || process_init() != 0) {
        fprintf(stderr, "b1: cannot start the machine\n");
        return 1;
    }
    bench_compare("B1", cases, sizeof(cases) / sizeof(cases[0]));
    return 0;
}
