/*
 * The process core with real interrupts and stacks: spawn, exit and wait,
 * orphans, round robin, blocking and waking, preemption of spinners,
 * descriptors, statistics, the memory baseline and dumps.
 *
 * The suites run in init (pid 1), so what a case spawns is init's child.
 * Every case reaps what it spawns, so the next one starts with no children.
 */
#include "driver.h"
#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kproc.h"
#include "kstring.h"
#include "ktest.h"
#include "param.h"
#include "printf.h"
#include "proc.h"
#include "timer.h"

static struct gate gate;            /* children wait here */
static volatile pid_t grandchild;   /* spawned by a child, for the parent */
static char chan_a, chan_b, chan_c; /* wait channels: their addresses */

static int return_arg(void *arg)
{
    return (int)(intptr_t)arg;
}

static int exit_with_arg(void *arg)
{
    exit_current((int)(intptr_t)arg);
}

static int pass_gate(void *arg)
{
    gate_pass(&gate);
    return (int)(intptr_t)arg;
}

static int block_on(void *chan)
{
    return block_current((wait_channel_t)chan);
}

static void reset_gate(void)
{
    gate = (struct gate)GATE_INIT("test gate");
}

static unsigned saved_slice; /* the slice in force before slices_off */

/* Slices long enough that no timer preemption lands inside a case; the
 * yield starts the caller on a fresh one.  slices_on restores the old. */
static void slices_off(void)
{
    saved_slice = sched_slice();
    sched_set_slice(SLICE_MAX);
    yield_now();
}

static void slices_on(void)
{
    sched_set_slice(saved_slice);
}

static void runs_in_init(void)
{
    struct process_info info;

    KT_EQ(current_pid(), 1);
    KT_EQ(get_process(1, &info), 0);
    KT_EQ(info.ppid, 0);
    KT_EQ(info.state, PROCESS_RUNNING);
    KT_ASSERT(!info.idle);
    KT_EQ(get_process(0, &info), 0);
    KT_ASSERT(info.idle);
    KT_EQ(info.state, PROCESS_READY);
}

static void spawn_exit_wait_pid(void)
{
    struct process_info info;
    pid_t pid = spawn_kernel_process("ret42", return_arg, (void *)42);
    int code = -1;

    KT_ASSERT(pid > 1);
    KT_EQ(get_process(pid, &info), 0);
    KT_EQ(info.ppid, 1);
    KT_ASSERT(strcmp(info.name, "ret42") == 0);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, 42);
    KT_EQ(get_process(pid, &info), -ESRCH); /* reaped: record gone */
}

static void exit_current_code(void)
{
    pid_t pid = spawn_kernel_process("exit-7", exit_with_arg, (void *)-7);
    int code = 0;

    KT_ASSERT(pid > 1);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, -7);
}

static void wait_any(void)
{
    pid_t pids[3];
    unsigned seen = 0;
    int code;

    for (int i = 0; i < 3; i++) {
        pids[i] = spawn_kernel_process("any", return_arg, (void *)(intptr_t)i);
        KT_ASSERT(pids[i] > 1);
    }
    for (int k = 0; k < 3; k++) {
        pid_t pid = wait_for_child(-1, &code);
        int i = 0;

        while (i < 3 && pids[i] != pid) {
            i++;
        }
        KT_ASSERT(i < 3);
        KT_EQ(code, i);
        KT_ASSERT(!(seen & (1u << i)));
        seen |= 1u << i;
    }
    KT_EQ(wait_for_child(-1, &code), -ECHILD); /* all reaped */
}

static void wait_errors(void)
{
    int code;

    KT_EQ(wait_for_child(-1, &code), -ECHILD); /* no children at all */
    KT_EQ(wait_for_child(99999, &code), -ECHILD);
    KT_EQ(wait_for_child(1, &code), -ECHILD);        /* itself */
    KT_EQ(wait_for_child(0, &code), -ECHILD);        /* no child in its group */
    KT_EQ(wait_for_child(-99999, &code), -ECHILD);   /* nor in that one */
    KT_EQ(wait_for_child(INT32_MIN, &code), -ESRCH); /* -INT_MIN: none */
}

static void second_wait_fails(void)
{
    pid_t pid = spawn_kernel_process("once", return_arg, (void *)3);
    int code;

    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(wait_for_child(pid, &code), -ECHILD);
}

/* Spawn a gated grandchild and wait for it. */
static int parent_of_gated(void *arg)
{
    int code = -1;
    pid_t pid = spawn_kernel_process("gated", pass_gate, arg);

    grandchild = pid;
    if (pid < 0) {
        return -100;
    }
    return wait_for_child(pid, &code) == pid ? code : -101;
}

static void wait_for_grandchild_fails(void)
{
    pid_t a;
    int code;

    reset_gate();
    grandchild = 0;
    a = spawn_kernel_process("parent", parent_of_gated, (void *)5);
    KT_ASSERT(wait_state(a, PROCESS_BLOCKED, 100)); /* waiting for it */
    KT_ASSERT(grandchild > 1);
    KT_EQ(wait_for_child(grandchild, &code), -ECHILD);
    gate_open(&gate);
    KT_EQ(wait_for_child(a, &code), a);
    KT_EQ(code, 5);
}

/* Spawn a gated grandchild, then leave it an orphan. */
static int parent_leaves(void *arg)
{
    grandchild = spawn_kernel_process("orphan", pass_gate, arg);
    return 0;
}

static void orphan_adopted_by_init(void)
{
    struct process_info info;
    pid_t a, b;
    int code;

    reset_gate();
    grandchild = 0;
    a = spawn_kernel_process("parent", parent_leaves, (void *)9);
    KT_EQ(wait_for_child(a, &code), a);
    b = grandchild;
    KT_ASSERT(b > 1);
    KT_EQ(get_process(b, &info), 0);
    KT_EQ(info.ppid, 1);
    gate_open(&gate);
    KT_EQ(wait_for_child(b, &code), b);
    KT_EQ(code, 9);
}

/* Spawn a child, let it become a zombie, and leave without reaping it. */
static int parent_leaves_zombie(void *arg)
{
    grandchild = spawn_kernel_process("zombie", return_arg, arg);
    return wait_state(grandchild, PROCESS_ZOMBIE, 100) ? 0 : 1;
}

static void zombie_orphan_reaped_by_init(void)
{
    struct process_info info;
    pid_t a;
    int code;

    grandchild = 0;
    a = spawn_kernel_process("parent", parent_leaves_zombie, (void *)11);
    KT_EQ(wait_for_child(a, &code), a);
    KT_EQ(code, 0);
    KT_EQ(get_process(grandchild, &info), 0);
    KT_EQ(info.state, PROCESS_ZOMBIE);
    KT_EQ(info.ppid, 1);
    KT_EQ(wait_for_child(-1, &code), grandchild);
    KT_EQ(code, 11);
}

#define RR_WORKERS 3
#define RR_ROUNDS  5

static int rr_log[RR_WORKERS * RR_ROUNDS];
static volatile int rr_len;

static int rr_worker(void *arg)
{
    for (int i = 0; i < RR_ROUNDS; i++) {
        rr_log[rr_len++] = (int)(intptr_t)arg;
        yield_now();
    }
    return 0;
}

/*
 * Workers that yield after each step: none runs twice in a row while the
 * others are ready (a yield puts the yielder's deadline a slice behind
 * theirs), and with no tick in between they take strict turns.  A tick
 * that lands mid-step charges that worker (EEVDF's eligibility) and may
 * reorder a round, on a loaded host: the strict order is checked only
 * when none did.
 */
static void round_robin(void)
{
    pid_t pids[RR_WORKERS];
    int code, reaped = 0;
    uint64_t t0;

    rr_len = 0;
    slices_off();
    t0 = timer_ticks();
    for (int w = 0; w < RR_WORKERS; w++) {
        pids[w] = spawn_kernel_process("rr", rr_worker, (void *)(intptr_t)w);
    }
    for (int w = 0; w < RR_WORKERS; w++) {
        reaped += wait_for_child(pids[w], &code) == pids[w];
    }
    t0 = timer_ticks() - t0;
    slices_on();
    KT_EQ(reaped, RR_WORKERS);
    KT_EQ(rr_len, RR_WORKERS * RR_ROUNDS);
    for (int i = 1; i < rr_len; i++) {
        KT_ASSERT(rr_log[i] != rr_log[i - 1]);
    }
    for (int i = 0; i < rr_len && t0 == 0; i++) {
        KT_EQ(rr_log[i], i % RR_WORKERS);
    }
}

static void block_and_wake_counts(void)
{
    void *chans[4] = {&chan_a, &chan_a, &chan_a, &chan_b};
    struct process_info info;
    pid_t pids[4];
    int code;

    for (int i = 0; i < 4; i++) {
        pids[i] = spawn_kernel_process("blocker", block_on, chans[i]);
    }
    for (int i = 0; i < 4; i++) {
        KT_ASSERT(wait_state(pids[i], PROCESS_BLOCKED, 100));
        KT_EQ(get_process(pids[i], &info), 0);
        KT_EQ(info.wait_channel, (wait_channel_t)chans[i]);
    }
    KT_EQ(wake_channel((wait_channel_t)&chan_c), 0); /* nobody there */
    KT_EQ(wake_channel((wait_channel_t)&chan_a), 3);
    KT_EQ(wake_channel((wait_channel_t)&chan_a), 0); /* already woken */
    KT_EQ(get_process(pids[3], &info), 0);
    KT_EQ(info.state, PROCESS_BLOCKED); /* other channel: untouched */
    KT_EQ(wake_channel((wait_channel_t)&chan_b), 1);
    for (int i = 0; i < 4; i++) {
        KT_EQ(wait_for_child(pids[i], &code), pids[i]);
        KT_EQ(code, 0); /* block_current returned 0 */
    }
}

/* Processes counted by listing them. */
static size_t count_processes(void)
{
    struct process_info info;
    size_t n = 0;

    for (int err = process_next(NULL, &info); err == 0;
         err = process_next(&info, &info)) {
        n++;
    }
    return n;
}

static void stats_add_up(void)
{
    struct scheduler_stats before = scheduler_stats(), st;
    pid_t z, b, r;
    size_t sum = 0, counted;
    int code;

    slices_off();
    z = spawn_kernel_process("zombie", return_arg, NULL);
    b = spawn_kernel_process("blocked", block_on, &chan_c);
    KT_ASSERT(wait_state(z, PROCESS_ZOMBIE, 100));
    KT_ASSERT(wait_state(b, PROCESS_BLOCKED, 100));
    r = spawn_kernel_process("ready", return_arg, NULL);
    st = scheduler_stats();
    counted = count_processes();
    slices_on();
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        sum += st.by_state[s];
    }
    KT_EQ(sum, st.processes);
    KT_EQ(counted, st.processes);
    KT_EQ(st.processes, before.processes + 3);
    KT_EQ(st.by_state[PROCESS_RUNNING], 1);
    KT_ASSERT(st.by_state[PROCESS_READY] >= 2); /* r and idle */
    KT_ASSERT(st.by_state[PROCESS_BLOCKED] >= 1);
    KT_ASSERT(st.by_state[PROCESS_ZOMBIE] >= 1);
    KT_ASSERT(st.switches >= before.switches + 2);
    KT_EQ(sched_check(), 0);
    KT_EQ(wake_channel((wait_channel_t)&chan_c), 1);
    KT_EQ(wait_for_child(z, &code) + wait_for_child(b, &code) +
              wait_for_child(r, &code),
          z + b + r);
    KT_EQ(scheduler_stats().processes, before.processes);
    KT_EQ(sched_check(), 0);
}

static volatile bool spin_stop;
static volatile uint64_t spin_count[2];

/* CPU-bound: never yields, never blocks; only the timer takes the CPU. */
static int spinner(void *arg)
{
    int i = (int)(intptr_t)arg;

    while (!spin_stop) {
        spin_count[i]++;
    }
    return 0;
}

static uint64_t slices_of(pid_t pid)
{
    struct process_info info;

    return get_process(pid, &info) == 0 ? info.slices : 0;
}

/*
 * Two spinners and init share the CPU only through preemption.  init
 * yields in a loop; the fair class shares by time (ticks), not by yields
 * (docs/sched.md), so the bound is in ticks: within 40 slices of ticks
 * each spinner holds at least two slices.
 */
static void spinners_both_progress(void)
{
    struct scheduler_stats before = scheduler_stats();
    uint64_t want = 2 * (uint64_t)sched_slice();
    uint64_t counts[2], until = timer_ticks() + 40 * (uint64_t)sched_slice();
    pid_t a, b;
    int code;
    bool enough;

    spin_stop = false;
    spin_count[0] = spin_count[1] = 0;
    a = spawn_kernel_process("spin-a", spinner, (void *)0);
    b = spawn_kernel_process("spin-b", spinner, (void *)1);
    while (timer_ticks() < until &&
           (slices_of(a) < want || slices_of(b) < want)) {
        yield_now();
    }
    enough = slices_of(a) >= want && slices_of(b) >= want;
    counts[0] = spin_count[0];
    counts[1] = spin_count[1];
    yield_now(); /* one more round: both must still move */
    spin_stop = true;
    KT_EQ(wait_for_child(a, &code), a);
    KT_EQ(wait_for_child(b, &code), b);
    KT_ASSERT(enough);
    KT_ASSERT(counts[0] > 0 && counts[1] > 0);
    KT_ASSERT(spin_count[0] > counts[0]);
    KT_ASSERT(spin_count[1] > counts[1]);
    KT_ASSERT(scheduler_stats().preemptions >= before.preemptions + 4);
}

static void default_descriptors(void)
{
    struct file_descriptor f;
    pid_t pid;
    int code;

    reset_gate();
    pid = spawn_kernel_process("fds", pass_gate, NULL);
    KT_EQ(process_descriptor(pid, 0, &f), 0);
    KT_EQ(f.kind, FD_CHAR);
    KT_ASSERT(strcmp(f.dev->name, "keyboard") == 0);
    for (int fd = 1; fd <= 2; fd++) {
        KT_EQ(process_descriptor(pid, fd, &f), 0);
        KT_ASSERT(strcmp(f.dev->name, "console") == 0);
    }
    KT_EQ(process_descriptor(pid, 3, &f), -EBADF);
    KT_EQ(process_descriptor(pid, -1, &f), -EBADF);
    KT_EQ(process_descriptor(pid, MAX_FDS, &f), -EBADF);
    KT_EQ(process_descriptor(99999, 0, &f), -ESRCH);
    gate_open(&gate);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(process_descriptor(pid, 0, &f), -ESRCH);
}

/* Allocate regions of every kind, free one, leave the rest to exit. */
static int region_user(void *arg)
{
    char *heap = proc_alloc(100, REGION_HEAP);
    char *other = proc_alloc(3000, REGION_OTHER);
    char *freed = proc_alloc(64, REGION_HEAP);

    if (heap == NULL || other == NULL || freed == NULL) {
        return -1;
    }
    memset(heap, 1, 100);
    memset(other, 2, 3000);
    if (proc_free(freed) != 0 || proc_free(freed) != -EINVAL) {
        return -2;
    }
    return (int)(intptr_t)arg;
}

static bool spawn_cycle(int i)
{
    pid_t pid = spawn_kernel_process("cycle", region_user, (void *)(intptr_t)i);
    int code = -1;

    return pid > 1 && wait_for_child(pid, &code) == pid && code == i;
}

static void memory_baseline_after_1000_cycles(void)
{
    struct heap_stats cold, h0, h1;
    struct frame_stats f0, f1;
    int ok = 0;

    proc_cache_trim(); /* earlier cases left records in the cache */
    cold = heap_stats();
    KT_ASSERT(spawn_cycle(0)); /* warm up: the heap and the record cache */
    h0 = heap_stats();
    f0 = frame_stats();
    for (int i = 0; i < 1000; i++) {
        ok += spawn_cycle(i & 0x7f);
    }
    h1 = heap_stats();
    f1 = frame_stats();
    KT_EQ(ok, 1000);
    KT_EQ(h1.bytes_in_use, h0.bytes_in_use);
    KT_EQ(h1.live_allocs, h0.live_allocs);
    KT_EQ(h1.pool_bytes, h0.pool_bytes);
    KT_EQ(h1.bad_frees, h0.bad_frees);
    KT_EQ(f1.free, f0.free);
    KT_EQ(heap_check(), 0);
    proc_cache_trim(); /* what the idle loop does: back to the cold state */
    KT_EQ(heap_stats().bytes_in_use, cold.bytes_in_use);
    KT_EQ(heap_stats().live_allocs, cold.live_allocs);
}

/*
 * 1,000 children alive at once (the table and wait buckets grow to 4,096
 * slots), then all reaped: the table shrinks back, and after trimming the
 * record cache and the heap's spare pool, heap bytes, live allocations and
 * free frames equal what they were before the burst, exactly.
 */
#define BURST 1000

static void memory_baseline_after_1000_live(void)
{
    static pid_t pids[BURST];
    struct heap_stats h0;
    struct frame_stats f0;
    int spawned = 0, reaped = 0, code;

    proc_cache_trim();
    heap_trim();
    h0 = heap_stats();
    f0 = frame_stats();
    for (int i = 0; i < BURST; i++) {
        pids[i] = spawn_kernel_process("burst", block_on, &chan_c);
        spawned += pids[i] > 1;
    }
    KT_EQ(spawned, BURST);
    KT_ASSERT(wait_state(pids[BURST - 1], PROCESS_BLOCKED, 10));
    KT_EQ(wake_channel((wait_channel_t)&chan_c), BURST);
    for (int i = 0; i < BURST; i++) {
        reaped += wait_for_child(pids[i], &code) == pids[i] && code == 0;
    }
    KT_EQ(reaped, BURST);
    proc_cache_trim();
    heap_trim();
    KT_EQ(heap_stats().bytes_in_use, h0.bytes_in_use);
    KT_EQ(heap_stats().live_allocs, h0.live_allocs);
    KT_EQ(frame_stats().free, f0.free);
    KT_EQ(heap_check(), 0);
}

static int dump_target(void *arg)
{
    (void)arg;
    if (proc_alloc(777, REGION_HEAP) == NULL) {
        return 1;
    }
    gate_pass(&gate);
    return 0;
}

static void dump_holds_fields(void)
{
    static const char *const fields[] = {
        "saved context:", "rip=",
        "stack: [0x",     "high-water",
        "canary intact",  "fds: 0=keyboard 1=console 2=console",
        "regions: ",      "heap 777 bytes at 0x",
    };
    char line[96];
    pid_t pid;
    int code;

    reset_gate();
    pid = spawn_kernel_process("dumpme", dump_target, NULL);
    KT_ASSERT(wait_state(pid, PROCESS_BLOCKED, 100));
    dump_process(pid);
    ksnprintf(line, sizeof(line),
              "pid %d ppid 1 name dumpme state blocked channel 0x%lx slices ",
              pid, (unsigned long)&gate);
    KT_ASSERT(ktest_log_contains(line, 2048));
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        KT_ASSERT(ktest_log_contains(fields[i], 2048));
    }
    dump_process(99999);
    KT_ASSERT(ktest_log_contains("dump: no process 99999", 64));
    dump_all_processes();
    KT_ASSERT(ktest_log_contains("scheduler: ", 4096));
    KT_ASSERT(
        ktest_log_contains("pid 0 ppid 0 name idle state ready (idle)", 4096));
    KT_ASSERT(ktest_log_contains("pid 1 ppid 0 name init state running", 4096));
    gate_open(&gate);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, 0);
}

/* True if the record of pid starts a cache line (struct process's layout
 * puts the switch's fields in that line). */
static bool record_aligned(pid_t pid)
{
    struct process *p;

    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    spin_unlock(&sched_lock);
    return p != NULL && (uintptr_t)p % PROC_RECORD_ALIGN == 0;
}

/* Fresh records and records reused from the cache alike. */
static void records_cache_line_aligned(void)
{
    pid_t pids[PROC_CACHE_MAX + 4];

    KT_ASSERT(record_aligned(0));
    KT_ASSERT(record_aligned(current_pid()));
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
            pids[i] = spawn_kernel_process("aligned", return_arg, NULL);
            KT_ASSERT(pids[i] > 1);
            KT_ASSERT(record_aligned(pids[i]));
        }
        for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
            KT_EQ(wait_for_child(pids[i], NULL), pids[i]);
        }
    }
}

/* ---- A woken FIFO process preempts a SCHED_OTHER spinner ---- */

static int rt_chan;
static volatile int spinner_phase; /* 1 inside wake_channel, 2 after */
static volatile int phase_seen;    /* what the FIFO process saw */
static volatile pid_t spinner_pid;
static volatile int spinner_state_seen;

static int rt_sleeper(void *arg)
{
    struct process_info info;

    (void)arg;
    block_current((wait_channel_t)&rt_chan);
    phase_seen = spinner_phase;
    spinner_state_seen =
        get_process(spinner_pid, &info) == 0 ? (int)info.state : -1;
    return 0;
}

/* Spins through several timer slices, then wakes the FIFO sleeper. */
static int waking_spinner(void *arg)
{
    uint64_t until = timer_ticks() + 3 * sched_slice();

    (void)arg;
    while (timer_ticks() < until) {
    }
    spinner_phase = 1;
    wake_channel((wait_channel_t)&rt_chan);
    spinner_phase = 2;
    return 0;
}

static void fifo_wake_preempts_spinner(void)
{
    pid_t w, sp;
    int code;

    spinner_phase = phase_seen = 0;
    w = spawn_kernel_process("rt-sleeper", rt_sleeper, NULL);
    KT_ASSERT(w > 0);
    KT_EQ(process_setscheduler(w, SCHED_FIFO, 10), 0); /* runs, blocks */
    sp = spawn_kernel_process("spinner", waking_spinner, NULL);
    KT_ASSERT(sp > 0);
    spinner_pid = sp;
    KT_EQ(wait_for_child(w, &code), w);
    KT_EQ(phase_seen, 1); /* ran before wake_channel returned */
    KT_EQ(spinner_state_seen, PROCESS_READY);
    KT_EQ(wait_for_child(sp, &code), sp);
    KT_EQ(sched_check(), 0);
}

static const struct ktest_case process_cases[] = {
    {"runs_in_init", runs_in_init},
    {"spawn_exit_wait_pid", spawn_exit_wait_pid},
    {"exit_current_code", exit_current_code},
    {"wait_any", wait_any},
    {"wait_errors", wait_errors},
    {"second_wait_fails", second_wait_fails},
    {"wait_for_grandchild_fails", wait_for_grandchild_fails},
    {"orphan_adopted_by_init", orphan_adopted_by_init},
    {"zombie_orphan_reaped_by_init", zombie_orphan_reaped_by_init},
    {"round_robin", round_robin},
    {"block_and_wake_counts", block_and_wake_counts},
    {"stats_add_up", stats_add_up},
    {"spinners_both_progress", spinners_both_progress},
    {"default_descriptors", default_descriptors},
    {"memory_baseline_after_1000_cycles", memory_baseline_after_1000_cycles},
    {"memory_baseline_after_1000_live", memory_baseline_after_1000_live},
    {"dump_holds_fields", dump_holds_fields},
    {"records_cache_line_aligned", records_cache_line_aligned},
    {"fifo_wake_preempts_spinner", fifo_wake_preempts_spinner},
};
KTEST_SUITE(suite_process, "process", process_cases);
