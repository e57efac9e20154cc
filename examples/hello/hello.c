/*
 * hello: the Kairos process core as a library, in an ordinary program.
 *
 * Build Kairos's host library (`make host-lib`), then, from anywhere:
 *
 *   gcc -std=gnu11 -I KAIROS/build/host/include hello.c \
 *       KAIROS/build/host/libkairos.a -o hello && ./hello
 *
 * main() becomes the idle task; the processes below run on their own
 * stacks, on this one thread, until start_scheduler() returns.
 */
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "process.h"

static char trace[64]; /* one letter per turn, in the order they ran */
static int door;       /* its address is the wait channel */

/* Take three turns, yielding after each. */
static int taker(void *arg)
{
    for (int i = 0; i < 3; i++) {
        strncat(trace, arg, 1);
        yield_now();
    }
    return 0;
}

/* Block until the door opens. */
static int waiter(void *arg)
{
    (void)arg;
    block_current((wait_channel_t)&door);
    printf("waiter: woken\n");
    return 7;
}

static int opener(void *arg)
{
    (void)arg;
    printf("opener: woke %zu process(es)\n",
           wake_channel((wait_channel_t)&door));
    return 0;
}

/*
 * Never yields.  On the host the timer ticks only when something calls
 * into the port, so this spinner plays the timer itself: host_tick() is
 * one timer interrupt, and after a slice of them the stopper gets the CPU.
 */
static volatile int stop;

static int spinner(void *arg)
{
    (void)arg;
    while (!stop) {
        host_tick();
    }
    return 0;
}

static int stopper(void *arg)
{
    (void)arg;
    stop = 1;
    return 0;
}

/* init (pid 1): start the others, then wait for each and report. */
static int init(void *arg)
{
    pid_t pid;
    int code;

    (void)arg;
    spawn_kernel_process("a", taker, "a");
    spawn_kernel_process("b", taker, "b");
    spawn_kernel_process("c", taker, "c");
    spawn_kernel_process("waiter", waiter, NULL);
    spawn_kernel_process("opener", opener, NULL);
    while ((pid = wait_for_child(-1, &code)) > 0) {
        printf("init: pid %d exited with %d\n", pid, code);
    }
    printf("trace: %s\n", trace);
    return 0;
}

/* The idle hook: nothing is ready, so open the door once. */
static bool open_door(void)
{
    return wake_channel((wait_channel_t)&door) > 0;
}

static void report(const char *what)
{
    struct scheduler_stats st = scheduler_stats();

    printf("%s: %zu process(es) left, %zu blocked, %llu preemption(s)\n", what,
           st.processes, st.by_state[PROCESS_BLOCKED],
           (unsigned long long)st.preemptions);
}

int main(void)
{
    if (host_init(64 << 20) != 0 || process_init() != 0) {
        fprintf(stderr, "hello: cannot start the machine\n");
        return 1;
    }
    spawn_kernel_process("init", init, NULL);
    start_scheduler(); /* returns when only idle is left */
    report("round robin");

    spawn_kernel_process("spinner", spinner, NULL);
    spawn_kernel_process("stopper", stopper, NULL);
    start_scheduler();
    report("preemption");

    spawn_kernel_process("waiter", waiter, NULL);
    start_scheduler(); /* nobody opens the door: a deadlock, reported */
    report("deadlock");
    host_set_idle_hook(open_door);
    start_scheduler(); /* idle opens it */
    report("idle hook");
    return 0;
}
