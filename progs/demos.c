/*
 * The shell's demos: spin, pingpong, tree, yield, burst, inversion and
 * fair.
 *
 * Each is a process body (and sometimes the bodies of its children) that
 * prints what it did through fdprintf(1, ...) and returns its exit code.
 * The shell spawns them as its children and reaps them; see docs/shell.md.
 * Every loop here ends: spinners after their CPU budget, players after n
 * rounds, the tree at its leaves, the yielder after n yields, a burst once
 * all its children are reaped.
 */
#include "demos.h"

#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "spinlock.h"
#include "timer.h"
#include "usys.h"

#define STDOUT 1

/* ---- spin: CPU-bound, never yields ------------------------------------ */

#define SPIN_CHECK_EVERY 4096 /* loop iterations between slice checks */

/* Ticks charged to process pid so far; UINT64_MAX if it cannot be read. */
static uint64_t slices_of(pid_t pid)
{
    struct process_info pi;

    if (get_process(pid, &pi) != 0) {
        return UINT64_MAX;
    }
    return pi.slices;
}

/*
 * Burn CPU without yielding until SPIN_CPU_SECONDS of ticks have been charged
 * to this process: only the timer's preemption lets anything else run.
 */
static int spin_main(void *arg)
{
    pid_t me = sys_getpid();
    uint64_t budget = (uint64_t)SPIN_CPU_SECONDS * timer_hz();
    uint64_t start = timer_ticks();
    uint64_t used = 0;
    volatile unsigned long work = 0;

    (void)arg;
    while (used < budget) {
        for (unsigned i = 0; i < SPIN_CHECK_EVERY; i++) {
            work++;
        }
        used = slices_of(me);
    }
    fdprintf(STDOUT,
             "spin: pid %d used %lu slices of CPU in %lu ticks without "
             "yielding; exiting\n",
             me, (unsigned long)used, (unsigned long)(timer_ticks() - start));
    return 0;
}

/* ---- pingpong: two processes block and wake each other --------------- */

struct pingpong;

struct pp_player {
    struct pingpong *game;
    int side; /* 0 ping, 1 pong */
};

struct pingpong {
    struct spinlock lock;    /* guards every field below */
    int refs;                /* the parent and each started player */
    pid_t parent;            /* the pingpong process; constant */
    int turn;                /* the side that moves next */
    bool stop;               /* a player could not start: both give up */
    unsigned long n;         /* rounds to play */
    unsigned long rounds;    /* rounds completed (a round: ping, then pong) */
    unsigned long blocks[2]; /* times each side blocked waiting its turn */
    struct pp_player players[2];
};

/* Drop one reference to the game; the last one frees it. */
static void pp_put(struct pingpong *g)
{
    bool last;

    spin_lock(&g->lock);
    last = --g->refs == 0;
    spin_unlock(&g->lock);
    if (last) {
        kfree(g);
    }
}

/* Stop both players (they return at their next turn). */
static void pp_stop(struct pingpong *g)
{
    spin_lock(&g->lock);
    g->stop = true;
    spin_unlock(&g->lock);
    wake_channel((wait_channel_t)&g->turn);
}

/* Wait for my turn, take it, hand the turn over: n times. */
static int pp_play(struct pp_player *p)
{
    struct pingpong *g = p->game;
    wait_channel_t chan = (wait_channel_t)&g->turn;

    for (unsigned long i = 0; i < g->n; i++) {
        if (sys_getppid() != g->parent) {
            pp_stop(g); /* the parent ended without stopping us */
            return 1;
        }
        spin_lock(&g->lock);
        while (g->turn != p->side && !g->stop) {
            g->blocks[p->side]++;
            if (block_current_locked(chan, &g->lock) != 0) {
                break; /* -EINTR: killed; ends after the unlock */
            }
        }
        if (g->stop || g->turn != p->side) {
            spin_unlock(&g->lock);
            return 1;
        }
        g->turn = !p->side;
        g->rounds += p->side; /* pong's move ends a round */
        spin_unlock(&g->lock);
        wake_channel(chan);
    }
    return 0;
}

static int pp_player_main(void *arg)
{
    struct pp_player *p = arg;
    struct pingpong *g = p->game;
    int code;

    kill_defer_begin(); /* a kill ends us below, with the game let go */
    code = pp_play(p);
    if (code != 0) {
        pp_stop(g); /* whatever ended us early must not strand the other */
    }
    pp_put(g);
    kill_defer_end();
    return code;
}

/* Start both players; on failure stop the one already started.  0 or -errno. */
static int pp_start(struct pingpong *g, pid_t pids[2])
{
    static const char *const names[2] = {"ping", "pong"};

    for (int side = 0; side < 2; side++) {
        g->players[side] = (struct pp_player){.game = g, .side = side};
        spin_lock(&g->lock);
        g->refs++; /* before it can run and drop it */
        spin_unlock(&g->lock);
        pids[side] = spawn_kernel_process(names[side], pp_player_main,
                                          &g->players[side]);
        if (pids[side] < 0) {
            spin_lock(&g->lock);
            g->refs--;
            spin_unlock(&g->lock);
            pp_stop(g);
            return pids[side];
        }
    }
    return 0;
}

/*
 * The game is shared by reference (the parent and each player hold one;
 * the last to let go frees it), so no one touches freed memory.  Each of
 * the three defers its death by a kill (kill_defer_begin) until it has
 * let go: a killed parent's wait ends with -EINTR and it stops the game,
 * a killed player's wait too and it stops the game; the players still
 * check their parent each turn, in case it ended some other way.
 */
static int pingpong_main(void *arg)
{
    struct pingpong *g;
    pid_t pids[2] = {-1, -1};
    int err, code;
    bool interrupted = false;

    kill_defer_begin(); /* a kill ends us at the end, the game let go */
    g = kmalloc(sizeof(*g));
    if (g == NULL) {
        fdprintf(STDOUT, "pingpong: out of memory\n");
        kill_defer_end();
        return 1;
    }
    *g = (struct pingpong){.lock = SPINLOCK_INIT("pingpong"),
                           .refs = 1,
                           .parent = sys_getpid(),
                           .n = (unsigned long)(uintptr_t)arg};
    err = pp_start(g, pids);
    for (int side = 0; side < 2 && !interrupted; side++) {
        if (pids[side] > 0 && wait_for_child(pids[side], &code) == -EINTR) {
            pp_stop(g); /* killed: init reaps the players */
            interrupted = true;
        }
    }
    if (err != 0) {
        fdprintf(STDOUT, "pingpong: cannot start a player: %s\n",
                 errno_name(err));
    } else if (!interrupted) {
        fdprintf(STDOUT,
                 "pingpong: %lu rounds of %lu (ping %d blocked %lu times, "
                 "pong %d blocked %lu times)\n",
                 g->rounds, g->n, pids[0], g->blocks[0], pids[1], g->blocks[1]);
    }
    code = err == 0 && !interrupted && g->rounds == g->n ? 0 : 1;
    pp_put(g);
    kill_defer_end();
    return code;
}

/* ---- tree: nested children, orphans adopted and reaped by init ---------- */

#define TREE_FANOUT 2 /* a binary tree: the counts printed below assume it */

/* Spawn up to TREE_FANOUT children at this level; returns how many started. */
static int tree_spawn(process_entry_t entry, unsigned level,
                      pid_t kids[TREE_FANOUT])
{
    int n = 0;

    for (int i = 0; i < TREE_FANOUT; i++) {
        pid_t pid =
            spawn_kernel_process("tree", entry, (void *)(uintptr_t)level);

        if (pid < 0) {
            fdprintf(STDOUT, "tree: cannot spawn: %s\n", errno_name(pid));
            continue;
        }
        kids[n++] = pid;
    }
    return n;
}

/*
 * An inner node or leaf at this level (1 = leaf): start children and exit
 * without waiting for them, so they become orphans that init adopts.
 */
static int tree_node_main(void *arg)
{
    unsigned level = (unsigned)(uintptr_t)arg;
    pid_t kids[TREE_FANOUT];
    int n = 0;

    if (level > 1) {
        n = tree_spawn(tree_node_main, level - 1, kids);
    }
    if (n == TREE_FANOUT) {
        fdprintf(STDOUT,
                 "tree: %d (level %u) started %d and %d; exits without "
                 "waiting\n",
                 sys_getpid(), level, kids[0], kids[1]);
    } else if (level == 1) {
        fdprintf(STDOUT, "tree: %d leaf, parent %d\n", sys_getpid(),
                 sys_getppid());
    } else {
        fdprintf(STDOUT, "tree: %d (level %u) started %d of %d children\n",
                 sys_getpid(), level, n, TREE_FANOUT);
    }
    return 0;
}

/*
 * The root, depth levels deep (1 = a lone leaf): it waits for its own
 * children; everything below them is left to init.
 */
static int tree_main(void *arg)
{
    unsigned depth = (unsigned)(uintptr_t)arg;
    pid_t kids[TREE_FANOUT];
    int n = depth > 1 ? tree_spawn(tree_node_main, depth - 1, kids) : 0;
    unsigned long nodes = (1UL << depth) - 1;
    unsigned long orphans = depth > 1 ? nodes - 1 - TREE_FANOUT : 0;
    int code;

    fdprintf(STDOUT,
             "tree: root %d, depth %u: %lu processes, %lu of them "
             "orphans for init\n",
             sys_getpid(), depth, nodes, orphans);
    for (int i = 0; i < n; i++) {
        pid_t pid = wait_for_child(kids[i], &code);

        fdprintf(STDOUT, "tree: root reaped %d (code %d)\n", pid, code);
    }
    fdprintf(STDOUT, "tree: root %d done\n", sys_getpid());
    return n == (depth > 1 ? TREE_FANOUT : 0) ? 0 : 1;
}

/* ---- yield: give the CPU away n times --------------------------------- */

static int yield_main(void *arg)
{
    unsigned long n = (unsigned long)(uintptr_t)arg;
    struct scheduler_stats before = scheduler_stats();
    uint64_t start = timer_ticks();
    struct scheduler_stats after;

    for (unsigned long i = 0; i < n; i++) {
        sys_sched_yield();
    }
    after = scheduler_stats();
    fdprintf(STDOUT,
             "yield: pid %d yielded %lu times in %lu ticks; %lu context "
             "switches meanwhile\n",
             sys_getpid(), n, (unsigned long)(timer_ticks() - start),
             (unsigned long)(after.switches - before.switches));
    return 0;
}

/* ---- burst: n live processes at once, then none ------------------------ */

/* The children wait under lock until go, so all n are live together. */
static struct {
    struct spinlock lock;
    bool go;
} burst = {.lock = SPINLOCK_INIT("burst")};

static int burst_child(void *arg)
{
    (void)arg;
    spin_lock(&burst.lock);
    while (!burst.go &&
           block_current_locked((wait_channel_t)&burst, &burst.lock) == 0) {
    }
    spin_unlock(&burst.lock);
    return 0;
}

/* Spawn n children that all stay alive until the last is spawned, then let
 * them exit and reap them: the process table grows and shrinks back. */
static int burst_main(void *arg)
{
    unsigned long n = (unsigned long)(uintptr_t)arg, started = 0;
    pid_t pid = 0;

    burst.go = false;
    while (started < n &&
           (pid = spawn_kernel_process("burst", burst_child, NULL)) > 0) {
        started++;
    }
    if (started < n) {
        fdprintf(STDOUT, "burst: spawn %lu failed: %s\n", started + 1,
                 errno_name(pid));
    }
    fdprintf(STDOUT, "burst: %lu children live at once\n", started);
    spin_lock(&burst.lock);
    burst.go = true;
    wake_channel((wait_channel_t)&burst);
    spin_unlock(&burst.lock);
    for (unsigned long i = 0; i < started; i++) {
        wait_for_child(-1, NULL);
    }
    fdprintf(STDOUT, "burst: all %lu reaped\n", started);
    return started == n ? 0 : 1;
}

/* ---- inversion: the Mars Pathfinder case -------------------------------- */

#define INV_CS_TICKS     5  /* low's critical section, ticks of its CPU */
#define INV_MEDIUM_TICKS 50 /* medium's spin, ticks of its CPU */

static struct {
    struct kmutex m;
    uint64_t waited; /* ticks high spent in kmutex_lock */
} inv;

/* Burn CPU until ticks have been charged to the caller. */
static void spin_ticks(uint64_t ticks)
{
    pid_t me = sys_getpid();
    uint64_t until = slices_of(me) + ticks;

    while (slices_of(me) < until) {
    }
}

static int inv_low(void *arg)
{
    (void)arg;
    kmutex_lock(&inv.m);
    spin_ticks(INV_CS_TICKS);
    kmutex_unlock(&inv.m);
    return 0;
}

static int inv_medium(void *arg)
{
    (void)arg;
    spin_ticks(INV_MEDIUM_TICKS);
    return 0;
}

static int inv_high(void *arg)
{
    uint64_t t0 = timer_ticks();

    (void)arg;
    kmutex_lock(&inv.m);
    inv.waited = timer_ticks() - t0;
    kmutex_unlock(&inv.m);
    return 0;
}

static pid_t inv_spawn(const char *name, process_entry_t fn, int prio)
{
    pid_t pid = spawn_kernel_process(name, fn, NULL);

    if (pid > 0 && process_setscheduler(pid, SCHED_FIFO, prio) != 0) {
        return -EINVAL;
    }
    return pid;
}

/*
 * Low (FIFO 10) takes the mutex and is a tick into its critical section
 * when high (30) and medium (20) arrive: high blocks on the mutex; with
 * inheritance low runs at 30 and high waits for the rest of the critical
 * section only, without it medium's whole spin comes first.  n: 1
 * inheritance on, 0 off.  The controller runs at FIFO 99 to set it up.
 */
static int inversion_main(void *arg)
{
    bool inherit = (uintptr_t)arg != 0;
    int started = 0;

    if (inherit) {
        kmutex_init(&inv.m);
    } else {
        kmutex_init_noinherit(&inv.m);
    }
    inv.waited = 0;
    if (process_setscheduler(0, SCHED_FIFO, 99) != 0) {
        return 1;
    }
    started += inv_spawn("inv-low", inv_low, 10) > 0;
    sleep_ticks(1); /* low takes the mutex and starts its section */
    started += inv_spawn("inv-high", inv_high, 30) > 0;
    started += inv_spawn("inv-medium", inv_medium, 20) > 0;
    for (int i = 0; i < started; i++) {
        wait_for_child(-1, NULL);
    }
    fdprintf(STDOUT,
             "inversion: inheritance %s: high waited %lu ticks (low's "
             "section %d ticks, medium spins %d)\n",
             inherit ? "on" : "off", (unsigned long)inv.waited, INV_CS_TICKS,
             INV_MEDIUM_TICKS);
    return started == 3 ? 0 : 1;
}

/* ---- fair: spinners at different nice values share by weight ---------- */

#define FAIR_TICKS     500 /* the measured run, in ticks */
#define FAIR_NICE_STEP 5   /* spinner i runs at nice i * FAIR_NICE_STEP */
#define FAIR_MAX       4   /* spinners: nice 0, 5, 10, 15 */
#define FAIR_TOL_PM    20 /* claimed: shares within 2.0 points of the weights' */

/* Linux's sched_prio_to_weight, nice 0..19 (kernel/proc/sched_fair.c). */
static const uint32_t fair_weight[NICE_MAX + 1] = {
    1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
    110,  87,  70,  56,  45,  36,  29,  23,  18,  15,
};

/* The run the spinners belong to: a new run (or the end of one) changes it,
 * so spinners of an earlier run, even one whose parent was killed, stop. */
static volatile unsigned long fair_run;

/* Spin until the run ends; bounded in case nobody ends it. */
static int fair_spinner(void *arg)
{
    unsigned long run = (unsigned long)(uintptr_t)arg;
    uint64_t until = timer_ticks() + 4 * FAIR_TICKS;

    while (fair_run == run && timer_ticks() < until) {
    }
    return 0;
}

/* Start n spinners of run, spinner i at nice i * FAIR_NICE_STEP; the
 * caller is FIFO 99, so none runs before all are set.  How many started. */
static int fair_start(unsigned long run, int n, pid_t pids[FAIR_MAX])
{
    int started = 0;

    for (int i = 0; i < n; i++) {
        pid_t pid = spawn_kernel_process("fair-spin", fair_spinner,
                                         (void *)(uintptr_t)run);

        if (pid < 0) {
            fdprintf(STDOUT, "fair: cannot spawn: %s\n", errno_name(pid));
            break;
        }
        pids[started++] = pid;
        if (process_setscheduler(pid, SCHED_OTHER, 0) != 0 ||
            process_setnice(pid, i * FAIR_NICE_STEP) != 0) {
            fdprintf(STDOUT, "fair: cannot set pid %d's nice\n", pid);
            break;
        }
    }
    return started;
}

/* Print spinner i's share (part per thousand of the spinners' ticks) and
 * its weight's; returns |error| in parts per thousand. */
static long fair_report(int i, pid_t pid, uint64_t got, uint64_t total,
                        uint32_t wtotal)
{
    int nice = i * FAIR_NICE_STEP;
    long share = total != 0 ? (long)(got * 1000 / total) : 0;
    long want = (long)(fair_weight[nice] * 1000ULL / wtotal);
    long err = share - want, abs = err < 0 ? -err : err;

    fdprintf(STDOUT,
             "fair: pid %d nice %d weight %u: %lu ticks, share %ld.%ld%%, "
             "weight share %ld.%ld%%, error %s%ld.%ld points\n",
             pid, nice, fair_weight[nice], (unsigned long)got, share / 10,
             share % 10, want / 10, want % 10, err < 0 ? "-" : "+", abs / 10,
             abs % 10);
    return abs;
}

/*
 * n spinners at nice 0, 5, ...: over FAIR_TICKS ticks each should get the
 * CPU the spinners had between them in proportion to its weight.  This
 * process runs at FIFO 99, so it reads every counter at the start and end
 * with no tick charged in between.  Exit code 0 when every share is within
 * the tolerance it prints.
 */
static int fair_main(void *arg)
{
    int n = (int)(uintptr_t)arg, started;
    unsigned long run = __atomic_add_fetch(&fair_run, 1, __ATOMIC_SEQ_CST);
    uint64_t before[FAIR_MAX], total = 0;
    uint32_t wtotal = 0;
    long worst = 0;
    pid_t pids[FAIR_MAX];
    bool taken;

    if (process_setscheduler(0, SCHED_FIFO, SCHED_PRIO_MAX) != 0) {
        return 1;
    }
    started = fair_start(run, n, pids);
    for (int i = 0; i < started; i++) {
        before[i] = slices_of(pids[i]);
        wtotal += fair_weight[i * FAIR_NICE_STEP];
    }
    fdprintf(STDOUT, "fair: %d spinners, nice 0 to %d, for %d ticks\n", started,
             (started - 1) * FAIR_NICE_STEP, FAIR_TICKS);
    sleep_ticks(FAIR_TICKS);
    for (int i = 0; i < started; i++) {
        before[i] = slices_of(pids[i]) - before[i];
        total += before[i];
    }
    /* Another run began meanwhile (and stopped these): no result. */
    taken = __atomic_add_fetch(&fair_run, 1, __ATOMIC_SEQ_CST) != run + 1;
    for (int i = 0; i < started; i++) {
        wait_for_child(pids[i], NULL);
    }
    if (started != n || taken) {
        fdprintf(STDOUT, "fair: the run was disturbed; no result\n");
        return 1;
    }
    for (int i = 0; i < started; i++) {
        long e = fair_report(i, pids[i], before[i], total, wtotal);

        worst = e > worst ? e : worst;
    }
    fdprintf(STDOUT,
             "fair: largest error %ld.%ld points, tolerance %d.%d: %s\n",
             worst / 10, worst % 10, FAIR_TOL_PM / 10, FAIR_TOL_PM % 10,
             worst <= FAIR_TOL_PM ? "within" : "OUTSIDE");
    return worst <= FAIR_TOL_PM ? 0 : 1;
}

/* ---- The table --------------------------------------------------------- */

static const struct demo demos[] = {
    {"spin", "processes", "CPU-bound, never yield: preemption shares the CPU",
     1, 64, true, spin_main, false},
    {"pingpong", "rounds", "two processes block and wake each other n times",
     1000, 100000000, false, pingpong_main, false},
    {"tree", "levels", "nested children exit; init adopts and reaps orphans", 3,
     6, false, tree_main, false},
    {"yield", "yields", "yield the CPU n times and count the switches", 1000,
     1000000, false, yield_main, false},
    {"burst", "children", "n children live at once, then all reaped", 1000,
     5000, false, burst_main, false},
    {"inversion", "1 inheritance on, 0 off",
     "low holds a mutex, high waits, medium spins: high's wait in ticks", 1, 1,
     false, inversion_main, true},
    {"fair", "spinners", "spinners at nice 0, 5, ...: CPU share against weight",
     3, FAIR_MAX, false, fair_main, false},
};

#define NDEMOS (sizeof(demos) / sizeof(demos[0]))

size_t demo_count(void)
{
    return NDEMOS;
}

const struct demo *demo_at(size_t i)
{
    return i < NDEMOS ? &demos[i] : NULL;
}

const struct demo *demo_find(const char *name)
{
    for (size_t i = 0; i < NDEMOS; i++) {
        if (strcmp(demos[i].name, name) == 0) {
            return &demos[i];
        }
    }
    return NULL;
}
