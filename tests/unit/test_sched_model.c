/*
 * The scheduler against a model, under random operations from fixed seeds.
 *
 * Worker processes run a small command interpreter: each has a mailbox of
 * commands (yield, block, wake, spawn, exit, wait, tick) and blocks on the
 * mailbox's address when it is empty.  The idle hook is the driver: it
 * runs only when nothing is ready, fills mailboxes at random, wakes them,
 * spawns workers and ticks.  Everything runs on one thread, so a seed
 * gives one exact run.
 *
 * The model is a second, simple scheduler written from the documented
 * behaviour (docs/sched.md): real-time FIFO/RR processes by priority, the
 * fair class's EEVDF arithmetic done by scanning every process instead of
 * a tree (V, eligibility, deadlines, lag, placement, min_vruntime, with
 * Linux's weight table), preemption on wake, spawn and priority change at
 * the outermost unlock, blocked processes in the order they
 * blocked, parents' lists of children and zombies, orphans to init (or
 * idle after it), idle reaping its own zombies, slices and NEED_RESCHED.
 * Before each call that can switch, the caller tells the model; the model
 * predicts who runs next, following a woken waiter through the core's wait
 * loop and idle through its loop.  Whoever runs next (a worker, the idle
 * hook, or the test body) checks that it is the predicted process and that
 * every process, every counter and sched_check() agree with the model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

#include "kerrno.h"
#include "process.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_SLOTS   4096  /* processes over one run, idle included */
#define MAX_RECORDS 40    /* live and zombie at once, idle included */
#define MBOX_SIZE   8     /* commands queued per worker */
#define NCHAN       4     /* channels workers block on */
#define STEPS       1500  /* idle hook calls before draining */
#define RECENT_GONE 16    /* reaped pids checked each time */
#define NO_CODE     12345 /* what a failed wait leaves in its code */

enum op {
    OP_YIELD,
    OP_BLOCK,
    OP_WAKE,
    OP_SPAWN,
    OP_EXIT,
    OP_WAIT,
    OP_TICK,
    OP_SETSCHED,
    OP_NICE,
    OP_COUNT
};

struct cmd {
    enum op op;
    long arg;     /* channel index, exit code, wait target, slot */
    int policy;   /* OP_SETSCHED */
    int priority; /* OP_SETSCHED; OP_NICE: the nice */
};

enum { GONE = -1 };                  /* a slot's state once reaped */
enum why { W_MBOX, W_CHAN, W_WAIT }; /* what a blocked process waits for */
enum resume { R_CODE, R_WAIT, R_LOOP, R_HOOK }; /* where it resumes */

/* One process in the model; slot 0 is idle. */
struct mproc {
    pid_t pid;
    int state;  /* enum process_state, or GONE */
    int parent; /* slot */
    int exit_code;
    enum why why;
    wait_channel_t chan; /* while blocked */
    uint64_t seq;        /* when it blocked: waking goes in this order */
    enum resume resume;
    pid_t wait_target; /* the wait it is blocked in */
    long ret;          /* what its pending wait must return */
    int code;          /* and the exit code it must store */
    uint64_t slices;
    unsigned slice_left;
    int policy, rtprio, nice, prio; /* base, base, nice, effective */
    uint64_t v, dl;                 /* vruntime, deadline (fair) */
    int64_t vlag;
    int64_t qseq; /* queue order: RT list position, fair tree ties */
    int children[MAX_RECORDS], nchildren; /* slots, oldest first */
    int zombies[MAX_RECORDS], nzombies;
    bool exit_posted; /* the driver has queued its exit */
    struct {
        struct cmd q[MBOX_SIZE];
        unsigned head, tail; /* q[head % MBOX_SIZE] is next */
    } mbox;
};

static struct {
    struct mproc p[MAX_SLOTS];
    int nslots;
    int slot_of[4 * MAX_SLOTS]; /* pid -> slot; pids stay below this */
    int running;
    int64_t qseq_tail, qseq_head; /* next tail and head positions */
    uint64_t v0;                  /* the fair class's min_vruntime */
    int init;                     /* slot of init while it lives, else -1 */
    bool need_resched;
    uint64_t slices, switches, preemptions, seq;
    unsigned slice;
    pid_t gone[RECENT_GONE]; /* the last pids reaped */
    unsigned ngone;
    bool failed; /* desynchronised: stop modelling, just wind down */
    int hook_calls;
    uint64_t rng;
    uint64_t did[OP_COUNT]; /* commands executed, by op */
    uint64_t rewaits, adoptions, idle_reaps;
    uint64_t rt_picks, unlock_switches; /* RT ran; switched at an unlock */
} m;

static int chans[NCHAN];

static uint64_t rnd(void)
{
    m.rng ^= m.rng >> 12;
    m.rng ^= m.rng << 25;
    m.rng ^= m.rng >> 27;
    return m.rng * 0x2545F4914F6CDD1DULL;
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- The model -------------------------------------------------------------------------- */

static wait_channel_t mbox_chan(int s)
{
    return (wait_channel_t)&m.p[s].mbox;
}

/* A token for "blocked in wait": the core uses the record's address. */
static wait_channel_t wait_token(int s)
{
    return (wait_channel_t)(0x8000000000000000ULL | (unsigned)s);
}

static void list_del(int *a, int *n, int v)
{
    for (int i = 0; i < *n; i++) {
        if (a[i] == v) {
            memmove(&a[i], &a[i + 1], (size_t)(*n - i - 1) * sizeof(int));
            (*n)--;
            return;
        }
    }
    expect_fail_at(__FILE__, __LINE__, "model: list entry missing");
}

/* ---- The classes, by scanning ---- */

static const uint32_t weights[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};
#define UNIT (1ULL << 16)

static bool is_rt(int s)
{
    return s != 0 && m.p[s].prio > 0;
}

static bool is_fair(int s)
{
    return s != 0 && m.p[s].prio == 0;
}

static int64_t wt(int s)
{
    return weights[m.p[s].nice + 20];
}

/* Virtual time of n ticks: n * 2^26 / weight, the tick rounded down. */
static uint64_t virt(uint64_t n, int s)
{
    return n * ((UNIT * 1024) / (uint64_t)wt(s));
}

static uint64_t vslice(int s)
{
    return virt(m.slice, s);
}

static bool before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

static bool queued_fair(int s)
{
    return is_fair(s) && m.p[s].state == PROCESS_READY && s != m.running;
}

static int curr_fair(void)
{
    return m.running > 0 && is_fair(m.running) &&
                   m.p[m.running].state == PROCESS_RUNNING
               ? m.running
               : -1;
}

static void totals(int64_t *sum, int64_t *load)
{
    *sum = *load = 0;
    for (int s = 1; s < m.nslots; s++) {
        if (queued_fair(s) || s == curr_fair()) {
            *sum += (int64_t)(m.p[s].v - m.v0) * wt(s);
            *load += wt(s);
        }
    }
}

static uint64_t avg_v(void)
{
    int64_t sum, load;

    totals(&sum, &load);
    if (load > 0) {
        if (sum < 0) {
            sum -= load - 1;
        }
        sum /= load;
    }
    return m.v0 + (uint64_t)sum;
}

static bool eligible(uint64_t v)
{
    int64_t sum, load;

    totals(&sum, &load);
    return sum >= (int64_t)(v - m.v0) * load;
}

static void update_v0(void)
{
    uint64_t v = m.v0;
    bool have = false;

    for (int s = 1; s < m.nslots; s++) {
        if (queued_fair(s) || s == curr_fair()) {
            if (!have || before(m.p[s].v, v)) {
                v = m.p[s].v;
            }
            have = true;
        }
    }
    if (have && before(m.v0, v)) {
        m.v0 = v;
    }
}

/* Earliest (deadline, queue order) among eligible queued fair ones. */
static int pick_fair(void)
{
    int best = -1, first = -1;

    for (int s = 1; s < m.nslots; s++) {
        if (!queued_fair(s)) {
            continue;
        }
        const struct mproc *p = &m.p[s];
#define EARLIER(a, b)                         \
    (b < 0 || before(m.p[a].dl, m.p[b].dl) || \
     (m.p[a].dl == m.p[b].dl && m.p[a].qseq < m.p[b].qseq))
        if (EARLIER(s, first)) {
            first = s;
        }
        if (eligible(p->v) && EARLIER(s, best)) {
            best = s;
        }
    }
    return best >= 0 ? best : first;
}

static int pick_rt(void)
{
    int best = -1;

    for (int s = 1; s < m.nslots; s++) {
        if (is_rt(s) && m.p[s].state == PROCESS_READY && s != m.running &&
            (best < 0 || m.p[s].prio > m.p[best].prio ||
             (m.p[s].prio == m.p[best].prio && m.p[s].qseq < m.p[best].qseq))) {
            best = s;
        }
    }
    return best;
}

static int nr_ready(void)
{
    int n = 0;

    for (int s = 1; s < m.nslots; s++) {
        n += m.p[s].state == PROCESS_READY && s != m.running;
    }
    return n;
}

static int64_t bounded_lag(int s)
{
    int64_t limit = (int64_t)virt(2 * m.slice, s);
    int64_t lag = (int64_t)(avg_v() - m.p[s].v);

    return lag > limit ? limit : lag < -limit ? -limit : lag;
}

static void place(int s)
{
    int64_t sum, load, lag = m.p[s].vlag;
    int keep = m.p[s].state;

    m.p[s].state = GONE; /* not yet in the class's totals */
    totals(&sum, &load);
    lag = load > 0 ? lag + lag * wt(s) / load : 0;
    m.p[s].v = avg_v() - (uint64_t)lag;
    m.p[s].dl = m.p[s].v + vslice(s);
    m.p[s].state = keep;
}

enum { Q_TAIL, Q_HEAD };

static void set_q(int s, int where)
{
    m.p[s].qseq = where == Q_HEAD ? --m.qseq_head : ++m.qseq_tail;
}

/* enqueue: placed (new, woken, other class) or not; RT head or tail. */
static void enqueue(int s, bool placed, int where)
{
    if (is_fair(s) && placed) {
        place(s);
    }
    set_q(s, is_fair(s) ? Q_TAIL : where);
}

/* dequeue: s leaves its class (queued or running: then not yet
 * marked blocked / gone by the caller's state change). */
static void dequeue(int s)
{
    if (is_fair(s)) {
        m.p[s].vlag = bounded_lag(s);
    }
}

static bool rt_preempts(int p, int curr)
{
    return !is_rt(curr) || m.p[p].prio > m.p[curr].prio;
}

static bool fair_preempts(int p, int curr)
{
    (void)p;
    return !is_fair(curr); /* among fair ones: at the end of a request */
}

static bool preempts(int p, int curr)
{
    if (is_rt(p)) {
        return rt_preempts(p, curr);
    }
    return !is_rt(curr) && fair_preempts(p, curr);
}

static bool beaten(void)
{
    int q = pick_rt();

    if (q >= 0 && rt_preempts(q, m.running)) {
        return true;
    }
    if (is_rt(m.running)) {
        return false;
    }
    q = pick_fair();
    return q >= 0 && fair_preempts(q, m.running);
}

static void check_preempt(int s)
{
    if (m.running == 0) {
        m.need_resched = true;
    } else if (preempts(s, m.running)) {
        m.need_resched = true;
    }
}

static void make_ready(int s, bool placed, int where)
{
    m.p[s].state = PROCESS_READY;
    enqueue(s, placed, where);
    check_preempt(s);
}

static void block(int s, enum why why, wait_channel_t chan)
{
    dequeue(s);
    m.p[s].state = PROCESS_BLOCKED;
    m.p[s].why = why;
    m.p[s].chan = chan;
    m.p[s].seq = ++m.seq;
    update_v0();
}

/* wake_channel: every waiter on chan, in the order they blocked. */
static size_t model_wake(wait_channel_t chan)
{
    size_t n = 0;

    for (;;) {
        int first = -1;

        for (int s = 1; s < m.nslots; s++) {
            if (m.p[s].state == PROCESS_BLOCKED && m.p[s].chan == chan &&
                (first < 0 || m.p[s].seq < m.p[first].seq)) {
                first = s;
            }
        }
        if (first < 0) {
            break;
        }
        make_ready(first, true, Q_TAIL);
        n++;
    }
    return n;
}

enum put { PUT_YIELD, PUT_PREEMPT };

/* The running process back on its queue. */
static void put_prev(int s, enum put why)
{
    m.p[s].state = PROCESS_READY;
    if (s == 0) {
        return;
    }
    if (is_rt(s)) {
        set_q(s, why == PUT_PREEMPT && m.p[s].slice_left > 0 ? Q_HEAD : Q_TAIL);
        return;
    }
    if (why == PUT_YIELD) {
        int others = 0;

        for (int k = 1; k < m.nslots; k++) {
            others += queued_fair(k);
        }
        if (others > 0) {
            m.p[s].v += virt(1, s); /* a yield is charged a tick */
            m.p[s].dl += vslice(s);
        }
    }
    set_q(s, Q_TAIL);
}

/* The switch: the caller's state is already set (or it is put back). */
static void pick(bool preempt, enum put why)
{
    int prev = m.running, next;

    if (m.p[prev].state == PROCESS_RUNNING) {
        put_prev(prev, why);
    }
    m.running = -1; /* nobody's: the scans below see every ready one */
    next = pick_rt();
    if (next >= 0) {
        if (m.p[next].slice_left == 0) {
            m.p[next].slice_left = m.slice;
        }
    } else {
        next = pick_fair();
        next = next >= 0 ? next : 0;
    }
    m.need_resched = false;
    m.p[next].state = PROCESS_RUNNING;
    m.running = next;
    m.rt_picks += is_rt(next);
    if (next != prev) {
        m.preemptions += preempt;
        m.switches++;
    }
}

/* A change of s's effective priority (set_prio_locked). */
static void set_prio(int s, int prio)
{
    struct mproc *p = &m.p[s];
    bool queued = p->state == PROCESS_READY && s != m.running;
    bool running = s == m.running;
    bool was_fair = is_fair(s);
    int old = p->prio;

    if (prio == old) {
        return;
    }
    if (queued || (running && was_fair && prio != 0)) {
        dequeue(s);
        if (was_fair) {
            int keep = p->state;

            p->state = PROCESS_BLOCKED; /* out of the scans for a moment */
            update_v0();
            p->state = keep;
        }
    }
    p->prio = prio;
    if (queued) {
        make_ready(s, was_fair != (prio == 0), prio > old ? Q_TAIL : Q_HEAD);
    } else if (running) {
        if (was_fair != (prio == 0)) {
            if (prio == 0) {
                p->prio = -1; /* placed as not yet in the class */
                place(s);
                p->prio = 0;
            } else if (p->slice_left == 0) {
                p->slice_left = m.slice;
            }
        }
        if (beaten()) {
            m.need_resched = true;
        }
    }
}

static void model_setsched(int s, int policy, int prio)
{
    m.p[s].policy = policy;
    m.p[s].rtprio = prio;
    set_prio(s, prio);
}

static void model_renice(int s, int nice)
{
    struct mproc *p = &m.p[s];
    bool queued = p->state == PROCESS_READY && s != m.running;
    bool active = is_fair(s) && (queued || s == m.running);
    int64_t old = wt(s), lag = 0, rel = 0;

    if (p->nice == nice) {
        return;
    }
    if (active) {
        lag = (int64_t)(avg_v() - p->v);
        rel = (int64_t)(p->dl - p->v);
        if (queued) {
            p->state = PROCESS_BLOCKED; /* out of the tree */
        }
    }
    p->nice = nice;
    if (!active) {
        p->vlag = p->vlag * old / wt(s);
    } else {
        p->v = avg_v() - (uint64_t)(lag * old / wt(s));
        if (rel < 0 || (uint64_t)rel > vslice(s) * 64) {
            rel = (int64_t)vslice(s);
        } else {
            rel = rel * old / wt(s);
        }
        p->dl = p->v + (uint64_t)rel;
        if (queued) {
            p->state = PROCESS_READY;
            set_q(s, Q_TAIL);
        }
    }
    if (s == m.running ? beaten() : p->state == PROCESS_READY) {
        if (s == m.running) {
            m.need_resched = true;
        } else {
            check_preempt(s);
        }
    }
}

static void reap(int parent, int z)
{
    list_del(m.p[parent].zombies, &m.p[parent].nzombies, z);
    m.p[z].state = GONE;
    m.gone[m.ngone++ % RECENT_GONE] = m.p[z].pid;
}

/* find_zombie_locked: 1 (*z set), 0 (none yet) or -ECHILD. */
static int find_zombie(int s, pid_t target, int *z)
{
    int c;

    if (target == -1) {
        if (m.p[s].nzombies > 0) {
            *z = m.p[s].zombies[0];
            return 1;
        }
        return m.p[s].nchildren == 0 ? -ECHILD : 0;
    }
    if (target < 0 || target >= (pid_t)ARRAY_SIZE(m.slot_of) ||
        (c = m.slot_of[target]) <= 0 || m.p[c].state == GONE ||
        m.p[c].parent != s) {
        return -ECHILD;
    }
    *z = c;
    return m.p[c].state == PROCESS_ZOMBIE;
}

/* The wait loop of wait_child: true if it returns, false if it blocks. */
static bool wait_step(int s)
{
    int z = 0, r = find_zombie(s, m.p[s].wait_target, &z);

    if (r == 0) {
        block(s, W_WAIT, wait_token(s));
        m.p[s].resume = R_WAIT;
        return false;
    }
    m.p[s].resume = R_CODE;
    m.p[s].ret = r;
    m.p[s].code = NO_CODE;
    if (r == 1) {
        m.p[s].ret = m.p[z].pid;
        m.p[s].code = m.p[z].exit_code;
        reap(s, z);
    }
    return true;
}

static void reap_idle_zombies(void)
{
    while (m.p[0].nzombies > 0) {
        reap(0, m.p[0].zombies[0]);
        m.idle_reaps++;
    }
}

/* Switch, then follow the next process through code that is not ours. */
static void model_switch_why(bool preempt, enum put why)
{
    pick(preempt, why);
    for (;;) {
        struct mproc *x = &m.p[m.running];

        if (x->resume == R_WAIT) {
            m.rewaits++;
            if (!wait_step(m.running)) {
                pick(false, PUT_YIELD);
                continue;
            }
        } else if (m.running == 0 && x->resume == R_LOOP) {
            reap_idle_zombies();
        }
        return;
    }
}

static void model_switch(bool preempt)
{
    model_switch_why(preempt, preempt ? PUT_PREEMPT : PUT_YIELD);
}

/* Process context, after readying someone: the outermost unlock switches
 * if that asked for it (idle leaves only from its loop). */
static void model_unlock(void)
{
    if (m.running != 0 && m.need_resched) {
        m.unlock_switches++;
        model_switch_why(false, PUT_PREEMPT);
    }
}

static int records(void)
{
    int n = 0;

    for (int s = 0; s < m.nslots; s++) {
        n += m.p[s].state != GONE;
    }
    return n;
}

/* start_scheduler's loop, from its top: reap, end, run, or idle. */
static void model_idle_loop(void)
{
    reap_idle_zombies();
    if (records() > 1 && nr_ready() > 0) {
        m.p[0].resume = R_LOOP;
        model_switch(false);
    }
}

/* A tick in the running process, then the interrupt exit. */
static void model_tick(void)
{
    int r = m.running;
    struct mproc *x = &m.p[r];
    bool resched = false;

    x->slices++;
    m.slices++;
    if (r == 0) {
        resched = nr_ready() > 0;
    } else if (is_fair(r)) {
        x->v += virt(1, r);
        if (!before(x->v, x->dl)) {
            int others = 0;

            x->dl = x->v + vslice(r);
            update_v0(); /* once a request */
            for (int k = 1; k < m.nslots; k++) {
                others += queued_fair(k);
            }
            resched = others > 0;
        }
    } else if (x->policy == SCHED_RR && --x->slice_left == 0) {
        bool equal = false;

        for (int k = 1; k < m.nslots; k++) {
            equal |= k != r && is_rt(k) && m.p[k].state == PROCESS_READY &&
                     m.p[k].prio == x->prio;
        }
        if (!equal) {
            x->slice_left = m.slice;
        }
        resched = equal;
    }
    m.need_resched |= resched;
    if (m.need_resched) {
        if (m.running == 0) {
            m.p[0].resume = R_HOOK;
        }
        model_switch(true);
    }
}

static int new_slot(pid_t pid, int parent)
{
    int s = m.nslots++;

    m.p[s] = (struct mproc){.pid = pid,
                            .parent = parent,
                            .resume = R_CODE,
                            .policy = m.p[parent].policy,
                            .rtprio = m.p[parent].rtprio,
                            .prio = m.p[parent].rtprio,
                            .nice = m.p[parent].nice};
    if (pid >= 0) {
        m.slot_of[pid] = s;
    }
    make_ready(s, true, Q_TAIL);
    m.p[parent].children[m.p[parent].nchildren++] = s;
    if (pid == 1) {
        m.init = s;
    }
    return s;
}

static void model_exit(int s, int code)
{
    struct mproc *p = &m.p[s];
    bool init_lives = m.init >= 0 && m.init != s;
    int to = init_lives ? m.init : 0;
    int parent = p->parent;

    if (m.init == s) {
        m.init = -1;
    }
    for (int i = 0; i < p->nchildren; i++) {
        m.p[p->children[i]].parent = to;
        m.p[to].children[m.p[to].nchildren++] = p->children[i];
        m.adoptions++;
    }
    for (int i = 0; i < p->nzombies; i++) {
        m.p[p->zombies[i]].parent = to;
        m.p[to].zombies[m.p[to].nzombies++] = p->zombies[i];
        m.adoptions++;
    }
    if (p->nzombies > 0) {
        model_wake(wait_token(to));
    }
    p->nchildren = p->nzombies = 0;
    p->exit_code = code;
    list_del(m.p[parent].children, &m.p[parent].nchildren, s);
    m.p[parent].zombies[m.p[parent].nzombies++] = s;
    dequeue(s);
    p->state = PROCESS_ZOMBIE;
    update_v0();
    model_wake(wait_token(parent));
    model_switch(false);
}

/* ---- Checking the real scheduler against the model ----------------------------------------------- */

static void desync(const char *what, pid_t pid, long got, long want)
{
    char msg[200];

    snprintf(msg, sizeof(msg), "hook call %d: %s (pid %d): %ld, model %ld",
             m.hook_calls, what, pid, got, want);
    expect_fail_at(__FILE__, __LINE__, msg);
    m.failed = true;
}

#define AGREE(what, pid, got, want)                       \
    do {                                                  \
        if ((long)(got) != (long)(want)) {                \
            desync(what, pid, (long)(got), (long)(want)); \
            return;                                       \
        }                                                 \
    } while (0)

static void verify_process(int s)
{
    const struct mproc *p = &m.p[s];
    struct process_info info;

    if (p->pid < 0) {
        return; /* spawned, not yet seen running: its pid is learnt then */
    }
    AGREE("get_process", p->pid, get_process(p->pid, &info), 0);
    AGREE("state", p->pid, info.state, p->state);
    AGREE("policy", p->pid, info.policy, p->policy);
    AGREE("priority", p->pid, info.priority, p->rtprio);
    AGREE("effective priority", p->pid, info.effective_priority, p->prio);
    AGREE("nice", p->pid, info.nice, p->nice);
    AGREE("ppid", p->pid, info.ppid, m.p[p->parent].pid);
    AGREE("slices", p->pid, info.slices, p->slices);
    if (p->state == PROCESS_ZOMBIE) {
        AGREE("exit code", p->pid, info.exit_code, p->exit_code);
    }
    if (p->state == PROCESS_BLOCKED && p->why != W_WAIT) {
        AGREE("wait channel", p->pid, info.wait_channel, p->chan);
    }
}

static void verify_stats(void)
{
    struct scheduler_stats st = scheduler_stats();
    size_t by_state[PROCESS_NSTATES] = {0};

    for (int s = 0; s < m.nslots; s++) {
        if (m.p[s].state != GONE) {
            by_state[m.p[s].state]++;
        }
    }
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        AGREE(proc_state_name(s), 0, st.by_state[s], by_state[s]);
    }
    AGREE("processes", 0, st.processes, records());
    AGREE("slices total", 0, st.slices, m.slices);
    AGREE("switches", 0, st.switches, m.switches);
    AGREE("preemptions", 0, st.preemptions, m.preemptions);
    AGREE("reschedule pending", 0, st.reschedule_pending, m.need_resched);
}

static void learn_pid(int s, pid_t pid)
{
    m.p[s].pid = pid;
    m.slot_of[pid] = s;
    if (pid == 1) {
        m.init = s;
    }
}

/* Whoever runs checks it is the model's choice, then everything else. */
static void verify(int self)
{
    struct process_info info;

    if (m.failed) {
        return;
    }
    if (m.p[m.running].pid < 0 && current_pid() > 0 &&
        current_pid() < (pid_t)ARRAY_SIZE(m.slot_of)) {
        learn_pid(m.running, current_pid()); /* a new one, first seen */
    }
    AGREE("running", current_pid(), current_pid(), m.p[m.running].pid);
    AGREE("who resumed", m.p[self].pid, self, m.running);
    for (int s = 0; s < m.nslots && !m.failed; s++) {
        if (m.p[s].state != GONE) {
            verify_process(s);
        }
    }
    for (unsigned i = 0; i < RECENT_GONE && i < m.ngone && !m.failed; i++) {
        AGREE("reaped", m.gone[i], get_process(m.gone[i], &info), -ESRCH);
    }
    if (!m.failed) {
        verify_stats();
    }
    if (!m.failed) {
        AGREE("sched_check", 0, sched_check(), 0);
    }
}

/* ---- Workers ------------------------------------------------------------------------------------------- */

static int worker(void *arg);

static bool mbox_pop(int s, struct cmd *c)
{
    struct mproc *p = &m.p[s];

    if (p->mbox.head == p->mbox.tail) {
        return false;
    }
    *c = p->mbox.q[p->mbox.head++ % MBOX_SIZE];
    return true;
}

static bool mbox_push(int s, enum op op, long arg)
{
    struct mproc *p = &m.p[s];

    if (p->mbox.tail - p->mbox.head == MBOX_SIZE) {
        return false;
    }
    p->mbox.q[p->mbox.tail++ % MBOX_SIZE] = (struct cmd){op, arg, 0, 0};
    p->exit_posted |= op == OP_EXIT;
    return true;
}

/* Spawn a worker from the running process (a worker or idle). */
static void do_spawn(void)
{
    pid_t pid;
    int s;

    if (m.nslots >= MAX_SLOTS || records() >= MAX_RECORDS) {
        return;
    }
    /* The child may run before spawn returns (it preempts): the model
     * knows it first, its pid once it is seen or spawn returns. */
    s = new_slot(-1, m.running);
    if (!m.failed) {
        model_unlock();
    }
    pid = spawn_kernel_process("worker", worker, (void *)(intptr_t)s);
    if (pid < 0 || pid >= (pid_t)ARRAY_SIZE(m.slot_of)) {
        desync("spawn", pid, pid, 0);
        return;
    }
    if (m.p[s].pid < 0) {
        learn_pid(s, pid);
    } else if (m.p[s].pid != pid) {
        desync("spawned pid", pid, pid, m.p[s].pid);
    }
}

static void do_wait(int s, pid_t target)
{
    int code = NO_CODE;
    pid_t ret;

    if (!m.failed) {
        m.p[s].wait_target = target;
        if (target == INT32_MIN) {
            m.p[s].ret = -ESRCH;
            m.p[s].code = NO_CODE;
        } else if (!wait_step(s)) {
            model_switch(false);
        }
    }
    ret = wait_for_child(target, &code);
    verify(s);
    if (!m.failed) {
        AGREE("wait result", m.p[s].pid, ret, m.p[s].ret);
        AGREE("wait code", m.p[s].pid, code, m.p[s].code);
    }
}

static void do_wake(long c)
{
    size_t want = m.failed ? 0 : model_wake((wait_channel_t)&chans[c]);
    size_t n;

    if (!m.failed) {
        model_unlock();
    }
    n = wake_channel((wait_channel_t)&chans[c]);

    if (!m.failed && n != want) {
        desync("woken", current_pid(), (long)n, (long)want);
    }
}

/* setscheduler or setnice on the caller (arg 0) or slot arg. */
static void do_policy(int s, const struct cmd *c)
{
    int t = c->arg == 0 ? s : (int)c->arg;
    pid_t pid = c->arg == 0 ? 0 : m.p[t].pid;
    long want = 0, got;
    bool bad;

    if (c->op == OP_SETSCHED) {
        bad = c->policy == SCHED_OTHER ? c->priority != 0
                                       : c->priority < 1 || c->priority > 99;
    } else {
        bad = c->priority < -20 || c->priority > 19;
    }
    if (pid < 0) {
        return; /* not seen yet */
    }
    if (bad) {
        want = -EINVAL;
    } else if (m.p[t].state == GONE) {
        want = -ESRCH;
    } else if (!m.failed) {
        if (c->op == OP_SETSCHED) {
            model_setsched(t, c->policy, c->priority);
        } else {
            model_renice(t, c->priority);
        }
        model_unlock();
    }
    got = c->op == OP_SETSCHED
              ? process_setscheduler(pid, c->policy, c->priority)
              : process_setnice(pid, c->priority);
    verify(s);
    if (!m.failed) {
        AGREE("policy call", pid, got, want);
    }
}

/* Run one command (not exit: the worker does that itself). */
static void run_cmd(int s, const struct cmd *c)
{
    m.did[c->op]++;
    switch (c->op) {
    case OP_YIELD:
        if (!m.failed) {
            model_switch(false);
        }
        yield_now();
        break;
    case OP_BLOCK:
        if (!m.failed) {
            block(s, W_CHAN, (wait_channel_t)&chans[c->arg]);
            model_switch(false);
        }
        block_current((wait_channel_t)&chans[c->arg]);
        break;
    case OP_WAKE:
        do_wake(c->arg);
        break;
    case OP_SPAWN:
        do_spawn();
        break;
    case OP_WAIT:
        do_wait(s, (pid_t)c->arg);
        break;
    case OP_TICK:
        if (!m.failed) {
            model_tick();
        }
        host_tick();
        break;
    case OP_SETSCHED:
    case OP_NICE:
        do_policy(s, c);
        break;
    default:
        break;
    }
    verify(s);
}

static int worker(void *arg)
{
    int s = (int)(intptr_t)arg;
    struct cmd c;

    verify(s);
    for (;;) {
        while (!mbox_pop(s, &c)) {
            if (!m.failed) {
                block(s, W_MBOX, mbox_chan(s));
                model_switch(false);
            }
            block_current(mbox_chan(s));
            verify(s);
        }
        if (c.op == OP_EXIT) {
            m.did[OP_EXIT]++;
            if (!m.failed) {
                model_exit(s, (int)c.arg);
            }
            if (c.arg % 2 == 0) {
                return (int)c.arg; /* through the trampoline */
            }
            exit_current((int)c.arg);
        }
        run_cmd(s, &c);
    }
}

/* ---- The driver: the idle hook ------------------------------------------------------------------------ */

static bool alive(int s)
{
    return m.p[s].state != GONE && m.p[s].state != PROCESS_ZOMBIE;
}

/* A random live worker, or -1. */
static int any_worker(void)
{
    int n = 0, pick_s = -1;

    for (int s = 1; s < m.nslots; s++) {
        if (alive(s) && below((unsigned)++n) == 0) {
            pick_s = s;
        }
    }
    return pick_s;
}

/* Someone to wait for: a child, any, or a pid that is not a child. */
static long wait_target(int s)
{
    switch (below(6)) {
    case 0:
    case 1:
        return -1;
    case 2:
        return m.p[s].nchildren > 0
                   ? m.p[m.p[s].children[below((unsigned)m.p[s].nchildren)]].pid
                   : -1;
    case 3:
        return m.p[s].nzombies > 0
                   ? m.p[m.p[s].zombies[below((unsigned)m.p[s].nzombies)]].pid
                   : -1;
    case 4:
        return m.p[below((unsigned)m.nslots)].pid; /* often not a child */
    default:
        /* Groups (0, < -1) are test_pgrp's; INT_MIN names none. */
        (void)below(3); /* the same random stream as before groups */
        return INT32_MIN;
    }
}

static void post_random(int s)
{
    static const enum op ops[] = {
        OP_YIELD, OP_YIELD, OP_BLOCK, OP_WAKE,     OP_WAKE, OP_SPAWN,
        OP_EXIT,  OP_WAIT,  OP_WAIT,  OP_TICK,     OP_TICK, OP_TICK,
        OP_TICK,  OP_TICK,  OP_TICK,  OP_SETSCHED, OP_NICE};
    enum op op = ops[below(ARRAY_SIZE(ops))];
    long arg = 0;
    int policy = 0, priority = 0;

    if (op == OP_EXIT && (m.p[s].exit_posted || records() < 4)) {
        op = OP_YIELD;
    }
    if (op == OP_BLOCK || op == OP_WAKE) {
        arg = below(NCHAN);
    } else if (op == OP_EXIT) {
        arg = (long)below(200) - 100;
    } else if (op == OP_WAIT) {
        arg = wait_target(s);
    } else if (op == OP_SETSCHED || op == OP_NICE) {
        /* The caller, or any slot (live, zombie or reaped). */
        arg = below(2) == 0 ? 0 : (long)below((unsigned)m.nslots - 1) + 1;
        policy = (int)below(3); /* OTHER, FIFO, RR */
        priority = policy == SCHED_OTHER ? 0 : (int)below(3) + 1;
        if (op == OP_NICE) {
            priority = (int)below(11) - 5;
        }
        if (below(16) == 0) {
            priority = op == OP_NICE ? 20 : 100; /* refused */
        }
    }
    if (!m.p[s].exit_posted) {
        mbox_push(s, op, arg);
        m.p[s].mbox.q[(m.p[s].mbox.tail - 1) % MBOX_SIZE].policy = policy;
        m.p[s].mbox.q[(m.p[s].mbox.tail - 1) % MBOX_SIZE].priority = priority;
    }
}

static void hook_wake_mbox(int s)
{
    size_t want = model_wake(mbox_chan(s));
    size_t n = wake_channel(mbox_chan(s));

    if (n != want) {
        desync("mailbox woken", m.p[s].pid, (long)n, (long)want);
    }
}

/* One random action of the driver. */
static void hook_action(void)
{
    int s = any_worker();

    switch (below(6)) {
    case 0:
    case 1:
        if (s > 0) {
            for (unsigned k = below(3) + 1; k > 0; k--) {
                post_random(s);
            }
            hook_wake_mbox(s);
        }
        break;
    case 2:
        do_wake(below(NCHAN));
        break;
    case 3:
        do_spawn();
        break;
    case 4:
        if (!m.failed) {
            model_tick();
        }
        host_tick(); /* may run others before returning here */
        verify(0);
        break;
    default:
        if (s > 0) {
            hook_wake_mbox(s);
        }
        break;
    }
}

/* Drain: every worker exits once it gets to its mailbox. */
static void hook_drain(void)
{
    for (int s = 1; s < m.nslots; s++) {
        if (alive(s) && !m.p[s].exit_posted) {
            mbox_push(s, OP_EXIT, s % 7);
        }
    }
    for (int s = 1; s < m.nslots && !m.failed; s++) {
        if (alive(s)) {
            hook_wake_mbox(s);
        }
    }
    for (int c = 0; c < NCHAN && !m.failed; c++) {
        do_wake(c);
    }
}

/* Out of sync: wind the real processes down without the model. */
static bool hook_give_up(void)
{
    size_t woken = 0;

    for (int s = 1; s < m.nslots; s++) {
        if (!m.p[s].exit_posted && mbox_push(s, OP_EXIT, 0)) {
            m.p[s].exit_posted = true;
        }
        woken += wake_channel(mbox_chan(s));
    }
    for (int c = 0; c < NCHAN; c++) {
        woken += wake_channel((wait_channel_t)&chans[c]);
    }
    return woken > 0;
}

/*
 * The idle hook: check, act, and tell the idle loop whether anything may
 * have become ready (in drain, only if something did: a process the core
 * lost then ends the run as a deadlock instead of looping forever).
 */
static bool driver(void)
{
    m.hook_calls++;
    verify(0);
    if (m.failed) {
        return hook_give_up();
    }
    if (nr_ready() > 0) {
        desync("idle ran with processes ready", 0, 1, 0);
        return hook_give_up();
    }
    if (m.hook_calls > STEPS) {
        hook_drain();
    } else {
        for (unsigned k = below(4) + 1; k > 0 && !m.failed; k--) {
            hook_action();
        }
    }
    if (m.failed) {
        return hook_give_up();
    }
    /* In drain, nothing left to wake means the core lost a process. */
    if (m.hook_calls > STEPS && nr_ready() == 0) {
        return false;
    }
    model_idle_loop();
    return true;
}

/* ---- The tests ----------------------------------------------------------------------------------------- */

static void model_boot(uint64_t seed, unsigned slice)
{
    assert_int_equal(machine_boot(MACHINE_BYTES, true), 0);
    memset(&m, 0, sizeof(m));
    m.rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    m.slice = slice;
    m.init = -1;
    m.nslots = 1; /* idle */
    m.p[0] =
        (struct mproc){.pid = 0, .state = PROCESS_RUNNING, .resume = R_LOOP};
    sched_set_slice(slice);
    sched_set_rt_runtime(-1, 100); /* throttling has its own tests */
    host_set_idle_hook(driver);
}

static void run_seed(uint64_t seed, unsigned slice)
{
    model_boot(seed, slice);
    while (!m.failed && (m.hook_calls <= STEPS || records() > 1)) {
        for (int k = 0; k < 3; k++) {
            do_spawn(); /* from the body, which is idle */
        }
        model_idle_loop();
        start_scheduler();
        verify(0);
        if (sched_deadlocked()) {
            desync("deadlock", 0, 1, 0);
        }
    }
    machine_expect_none();
    assert_int_equal(scheduler_stats().processes, 1);
    assert_int_equal(sched_check(), 0);
}

/* One named case per seed; slices differ so preemption varies too. */
static const struct seed_case {
    const char *name;
    uint64_t seed;
    unsigned slice;
} seeds[] = {
    {"seed 1, slice 1", 1, 1},       {"seed 2, slice 2", 2, 2},
    {"seed 3, slice 3", 3, 3},       {"seed 42, slice 1", 42, 1},
    {"seed 1234, slice 5", 1234, 5}, {"seed 99, slice 2", 99, 2},
};

/* What the seeds reached, summed: the last test checks it. */
static struct {
    uint64_t did[OP_COUNT], rewaits, adoptions, idle_reaps, preemptions;
    uint64_t rt_picks, unlock_switches;
} reached;

static void test_model_seed(void **state)
{
    const struct seed_case *c = *state;

    run_seed(c->seed, c->slice);
    for (int op = 0; op < OP_COUNT; op++) {
        reached.did[op] += m.did[op];
    }
    reached.rewaits += m.rewaits;
    reached.adoptions += m.adoptions;
    reached.idle_reaps += m.idle_reaps;
    reached.preemptions += m.preemptions;
    reached.rt_picks += m.rt_picks;
    reached.unlock_switches += m.unlock_switches;
}

/* The runs reached every kind of step, else the model proves little. */
static void test_seeds_reach_every_step(void **state)
{
    (void)state;
    for (int op = 0; op < OP_COUNT; op++) {
        if (reached.did[op] == 0) {
            fail_msg("no command %d was ever run", op);
        }
    }
    assert_true(reached.rewaits > 0);         /* a woken waiter looked again */
    assert_true(reached.adoptions > 0);       /* orphans went to init or idle */
    assert_true(reached.idle_reaps > 0);      /* idle reaped its own */
    assert_true(reached.preemptions > 0);     /* ticks took the CPU */
    assert_true(reached.rt_picks > 0);        /* real-time processes ran */
    assert_true(reached.unlock_switches > 0); /* readied one ran at once */
}

/* The seeds as named tests, then the coverage check. */
int main(void)
{
    struct CMUnitTest tests[ARRAY_SIZE(seeds) + 1];

    for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
        tests[i] = (struct CMUnitTest){
            .name = seeds[i].name,
            .test_func = test_model_seed,
            .setup_func = machine_setup,
            .teardown_func = machine_teardown,
            .initial_state = (void *)&seeds[i],
        };
    }
    tests[ARRAY_SIZE(seeds)] =
        (struct CMUnitTest)cmocka_unit_test(test_seeds_reach_every_step);
    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S); /* a scheduler bug may hang: fail instead */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
