#!/bin/sh
# The host library used from outside the tree: copy examples/hello to a
# temporary directory, compile it with plain gcc against build/host/include
# and build/host/libkairos.a (make host-lib), run it and check what it
# prints.  Prints TAP.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
inc=$root/build/host/include
lib=$root/build/host/libkairos.a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

check() { # description, then a command that succeeds if it holds
    desc=$1
    shift
    n=$((n + 1))
    if "$@" >"$tmp/check.log" 2>&1; then
        echo "ok $n - hostlib: $desc"
    else
        echo "not ok $n - hostlib: $desc"
        sed 's/^/# /' "$tmp/check.log" | tail -n 20
        fails=$((fails + 1))
    fi
}

says() { # a line the program must print
    grep -qxF "$1" "$tmp/out" || { echo "missing: $1"; cat "$tmp/out"; false; }
}

echo "1..14"
cp -r "$root/examples/hello" "$tmp/hello"
check "the include directory holds the public headers and their dependencies" \
    test "$(ls "$inc" | tr '\n' ' ')" = "arch.h arch_types.h host.h list.h param.h process.h spinlock.h "
check "the library is built without sanitizers" \
    sh -c "! nm '$lib' | grep -q __asan_"
check "examples/hello builds with plain gcc against it" \
    gcc -std=gnu11 -Wall -Wextra -Werror -I"$inc" "$tmp/hello/hello.c" \
    "$lib" -o "$tmp/hello/hello"
check "hello runs to the end" \
    sh -c "cd '$tmp' && timeout 20 ./hello/hello >'$tmp/out' 2>&1"
check "round robin: three takers interleave" says "trace: abcabcabc"
check "init reaps the waiter with its exit code" \
    says "init: pid 5 exited with 7"
check "a spinner that never yields is preempted" \
    says "preemption: 1 process(es) left, 0 blocked, 1 preemption(s)"
check "a process nobody wakes ends in a reported deadlock" \
    sh -c "grep -q 'scheduler: deadlock' '$tmp/out' &&
           grep -qF 'deadlock: 2 process(es) left, 1 blocked' '$tmp/out'"
check "the idle hook wakes it and the run completes" \
    sh -c "grep -qF 'idle hook: 1 process(es) left, 0 blocked' '$tmp/out'"
cat >"$tmp/sleep.c" <<'EOF_C'
/* block_current_locked from outside the tree: xv6's sleep(chan, lk). */
#include <stdio.h>

#include "host.h"
#include "process.h"
#include "spinlock.h"

static struct spinlock lk = SPINLOCK_INIT("flag");
static int flag;

static int waiter(void *arg)
{
    (void)arg;
    spin_lock(&lk);
    while (!flag) {
        block_current_locked((wait_channel_t)&flag, &lk);
    }
    spin_unlock(&lk);
    puts("waiter saw the flag");
    return 0;
}

static int setter(void *arg)
{
    (void)arg;
    spin_lock(&lk);
    flag = 1;
    spin_unlock(&lk);
    printf("woke %zu\n", wake_channel((wait_channel_t)&flag));
    return 0;
}

int main(void)
{
    if (host_init(16 << 20) != 0 || process_init() != 0) {
        return 1;
    }
    spawn_kernel_process("waiter", waiter, NULL);
    spawn_kernel_process("setter", setter, NULL);
    start_scheduler();
    return 0;
}
EOF_C
check "block_current_locked with a spinlock works from outside the tree" \
    sh -c "gcc -std=gnu11 -Wall -Wextra -Werror -I'$inc' '$tmp/sleep.c' \
           '$lib' -o '$tmp/sleep' && '$tmp/sleep' >'$tmp/out' &&
           grep -qxF 'woke 1' '$tmp/out' &&
           grep -qxF 'waiter saw the flag' '$tmp/out'"
cat >"$tmp/plain.c" <<'EOF_C'
/*
 * Only the public header, nothing host-specific: process_init sets up the
 * default machine.  5,000 children alive at once, each blocked until the
 * last is spawned, then woken; each exits with its own code.
 */
#include <stdio.h>

#include "process.h"

#define N 5000

static int gate;
static int opened;

static int child(void *arg)
{
    while (!opened) {
        block_current((wait_channel_t)&gate);
    }
    return (int)(long)arg % 251;
}

static int parent(void *arg)
{
    struct scheduler_stats st;
    long sum = 0, want = 0;
    int code, reaped = 0;

    (void)arg;
    for (long i = 0; i < N; i++) {
        if (spawn_kernel_process("child", child, (void *)i) < 0) {
            printf("spawn %ld failed\n", i);
            return 1;
        }
        want += i % 251;
    }
    yield_now(); /* every child runs once and blocks */
    st = scheduler_stats();
    /* Blocked: the children, and init waiting for me. */
    printf("blocked %zu\n", st.by_state[PROCESS_BLOCKED] - 1);
    opened = 1;
    printf("woken %zu\n", wake_channel((wait_channel_t)&gate));
    while (wait_for_child(-1, &code) > 0) {
        sum += code;
        reaped++;
    }
    printf("reaped %d, codes %s\n", reaped, sum == want ? "right" : "wrong");
    return 42;
}

static int init(void *arg)
{
    int code = -1;
    pid_t p = spawn_kernel_process("parent", parent, arg);

    printf("parent exited with %d\n",
           wait_for_child(p, &code) == p ? code : -1);
    return 0;
}

int main(void)
{
    if (process_init() != 0) {
        puts("process_init failed");
        return 1;
    }
    spawn_kernel_process("init", init, NULL);
    start_scheduler();
    printf("left %zu\n", scheduler_stats().processes);
    return 0;
}
EOF_C
check "a program using only process.h builds without host_init" \
    gcc -std=gnu11 -Wall -Wextra -Werror -I"$inc" "$tmp/plain.c" "$lib" \
    -o "$tmp/plain"
check "process_init sets up the default machine: 5,000 live children block" \
    sh -c "timeout 60 '$tmp/plain' >'$tmp/out' 2>&1 &&
           grep -qxF 'blocked 5000' '$tmp/out' || { cat '$tmp/out'; false; }"
check "all 5,000 are woken and reaped with their exit codes" \
    sh -c "grep -qxF 'woken 5000' '$tmp/out' &&
           grep -qxF 'reaped 5000, codes right' '$tmp/out'"
check "the parent's exit code reaches init, and only idle is left" \
    sh -c "grep -qxF 'parent exited with 42' '$tmp/out' &&
           grep -qxF 'left 1' '$tmp/out'"
[ "$fails" -eq 0 ]
