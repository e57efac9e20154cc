/*
 * B3 pick-next: the run-queue operation alone, against the number of
 * processes N, beside an xv6-style scan of a process table (the design
 * Kairos avoids).  One operation is what a yield asks of the policy: pick
 * the next process and put the current one back.
 *
 *   kairos-rt    the real-time class's pick_next + put_prev (a yield):
 *                99 lists and a bitmap, O(1); all N at one priority
 *   kairos-fair  the fair class's (EEVDF: an rbtree by deadline with the
 *                least vruntime per subtree), O(log n); all at nice 0
 *             both on real struct process records, through the class
 *             table as schedule calls them (kernel/proc/sched_class.h)
 *   xv6-scan  walk a table of N records (each the size of a struct
 *             process, as xv6's proc[] holds whole records) from the last
 *             pick to the next RUNNABLE one, mark it RUNNING, then
 *             RUNNABLE again (its yield); no locks, which favours the scan
 *
 * Two workloads:
 *   B3all  every one of the N processes is ready (the B2 round robin)
 *   B3one  one is ready and N - 1 are blocked: a scan walks past all of
 *          them on every pick, the run queue never sees them
 *
 * The records are real: a process spawns N children that exit at once, and
 * their zombie records (whose queue_link is free: a zombie is on no queue)
 * are put on a private run queue.  Their layout in memory is the one the
 * kernel gives them.  The measuring process runs SCHED_FIFO at 90, so the
 * classes' queues hold only the records (it is on none while it runs).
 * This program includes kernel/ headers (proc.h, sched_class.h) for struct
 * process and the classes: internals the host library does not export.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "host.h"
#include "proc.h"
#include "sched_class.h"

#define MAX_SIZES 6

/* An xv6 proc[] entry: its state first, padded to a struct process. */
enum xv6_state { XV6_UNUSED, XV6_SLEEPING, XV6_RUNNABLE, XV6_RUNNING };
struct xv6_proc {
    enum xv6_state state;
    char rest[sizeof(struct process) - sizeof(enum xv6_state)];
};

static struct process **records; /* the zombies, oldest first */
static long nrecords;
static struct xv6_proc *table;

struct b3_case {
    long n;
    bool one_ready; /* B3one: only one of the n is ready */
    const struct sched_class *cls;
};

/* ---- Kairos's classes ---------------------------------------------------------- */

/* One scheduling decision: pick the next, and put it back (its yield). */
static __attribute__((noinline)) struct process *
kairos_turn(const struct sched_class *cls)
{
    struct process *p = cls->pick_next();

    cls->put_prev(p, PUT_YIELD);
    return p;
}

static long run_kairos(long ops, void *ctx)
{
    const struct b3_case *c = ctx;
    long ready = c->one_ready ? 1 : c->n;
    int prio = c->cls == &sched_rt_class ? 10 : 0;

    spin_lock(&sched_lock);
    for (long i = 0; i < ready; i++) {
        struct process *p = records[i];

        p->state = PROCESS_READY;
        p->prio = prio;
        p->policy = prio > 0 ? SCHED_FIFO : SCHED_OTHER;
        p->sclass = c->cls;
        p->vlag = 0;
        c->cls->enqueue(p, ENQ_NEW);
    }
    for (long i = 0; i < ready; i++) { /* warm up: one pass */
        kairos_turn(c->cls);
    }
    bench_region_begin();
    for (long i = 0; i < ops; i++) {
        kairos_turn(c->cls);
    }
    bench_region_end();
    for (long i = 0; i < ready; i++) { /* back to zombies on no queue */
        struct process *p = c->cls->pick_next();

        c->cls->dequeue(p, false);
        p->state = PROCESS_ZOMBIE;
        p->prio = 0;
        p->policy = SCHED_OTHER;
        p->sclass = &sched_fair_class;
    }
    spin_unlock(&sched_lock);
    return ops;
}

/* ---- The xv6-style scan ------------------------------------------------------- */

/*
 * One scheduling decision, xv6 style: from the last pick, find the next
 * RUNNABLE entry and mark it RUNNING (scheduler()); it then gives the CPU
 * back and is RUNNABLE again (yield()).
 */
static __attribute__((noinline)) struct xv6_proc *xv6_turn(struct xv6_proc *t,
                                                           long n, long *cursor)
{
    long i = *cursor;

    for (long k = 0; k < n; k++) {
        i = i + 1 < n ? i + 1 : 0;
        if (t[i].state == XV6_RUNNABLE) {
            t[i].state = XV6_RUNNING;
            *cursor = i;
            __asm__ volatile("" ::: "memory"); /* it runs, then yields */
            t[i].state = XV6_RUNNABLE;
            return &t[i];
        }
    }
    return NULL;
}

static long run_scan(long ops, void *ctx)
{
    const struct b3_case *c = ctx;
    long cursor = c->n - 1;

    for (long i = 0; i < c->n; i++) {
        table[i].state =
            c->one_ready && i != c->n / 2 ? XV6_SLEEPING : XV6_RUNNABLE;
    }
    for (long i = 0; i < c->n && i < 1000; i++) { /* warm up */
        xv6_turn(table, c->n, &cursor);
    }
    bench_region_begin();
    for (long i = 0; i < ops; i++) {
        xv6_turn(table, c->n, &cursor);
    }
    bench_region_end();
    return ops;
}

/* ---- The program ---------------------------------------------------------------- */

static int child(void *arg)
{
    (void)arg;
    return 0;
}

static struct b3_case params[2][2 * MAX_SIZES];
static struct bench_case cases[2][3 * MAX_SIZES];
static int ncases;

/* Collect the zombie records of the caller's children, oldest first. */
static void collect_zombies(void)
{
    struct process *self = proc_current();
    struct list *l;

    list_for_each(l, &self->zombies)
    {
        records[nrecords++] = list_entry(l, struct process, sibling);
    }
}

static int parent(void *arg)
{
    long max_n = (long)(size_t)arg;

    for (long i = 0; i < max_n; i++) {
        if (spawn_kernel_process("child", child, NULL) < 0) {
            fprintf(stderr, "b3: spawn failed at %ld\n", i);
            exit(1);
        }
    }
    yield_now(); /* the children run and exit: zombies */
    collect_zombies();
    if (nrecords != max_n) {
        fprintf(stderr, "b3: %ld zombies, %ld expected\n", nrecords, max_n);
        exit(1);
    }
    process_setscheduler(0, SCHED_FIFO, 90); /* on no queue while measuring */
    bench_compare("B3all", cases[0], ncases);
    bench_compare("B3one", cases[1], ncases);
    while (wait_for_child(-1, NULL) > 0) {
    }
    return 0;
}

int main(void)
{
    static const long sizes[MAX_SIZES] = {1, 10, 100, 1000, 10000, 100000};
    long max_n = 0;
    int nsizes = 0;

    bench_init("b3_pick_next");
    for (int i = 0; i < MAX_SIZES; i++) {
        if ((bench_smoke() && sizes[i] > 1000) ||
            (bench_counting() && sizes[i] > 10000)) {
            break; /* the counts' trend is plain by 10k; valgrind is slow */
        }
        max_n = sizes[i];
        nsizes++;
    }
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < nsizes; i++) {
            long n = sizes[i];
            /* A scan of 100k entries per pick: a few picks per run do. */
            long cg = w == 1 && n > 1000 ? 200 : 20000;

            params[w][2 * i] = (struct b3_case){n, w == 1, &sched_rt_class};
            params[w][2 * i + 1] =
                (struct b3_case){n, w == 1, &sched_fair_class};
            cases[w][3 * i] = (struct bench_case){
                "kairos-rt", n,     run_kairos, &params[w][2 * i],
                1000,        20000, true};
            cases[w][3 * i + 1] = (struct bench_case){
                "kairos-fair", n,     run_kairos, &params[w][2 * i + 1],
                1000,          20000, true};
            cases[w][3 * i + 2] = (struct bench_case){
                "xv6-scan", n, run_scan, &params[w][2 * i], 1, cg, true};
        }
    }
    ncases = 3 * nsizes;
    records = calloc((size_t)max_n, sizeof(*records));
    table = calloc((size_t)max_n, sizeof(*table));
    if (records == NULL || table == NULL ||
        host_init((size_t)max_n * 24 * 1024 + (64 << 20)) != 0 ||
        process_init() != 0 ||
        spawn_kernel_process("parent", parent, (void *)(size_t)max_n) < 0) {
        fprintf(stderr, "b3: cannot start the machine\n");
        return 1;
    }
    start_scheduler();
    return 0;
}
