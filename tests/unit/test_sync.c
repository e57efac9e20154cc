/*
 * The sleeping locks as named scenarios (docs/sync.md): semaphore and
 * condition-variable wake order, kcond_wait's release and retake,
 * priority inheritance (one donor, several donors on several mutexes,
 * nested, a chain of eight, the owner lowering its own base, through a
 * semaphore-guarded region, a waiter re-sorted when its priority changes),
 * trylock, misuse panics, the Mars Pathfinder inversion on simulated
 * ticks, and a randomised run against a model.  Processes record what
 * they did in a trace; the body compares it after start_scheduler
 * returns.  A controller at FIFO 99 sets each
 * scenario up: it sleeps a tick (settle) to let everyone it spawned run
 * until they block, in the order it spawned them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>

#include "death.h"
#include "machine.h"

#include "kerrno.h"
#include "process.h"
#include "spinlock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char trace[256];
static size_t ntrace;
static struct kmutex m[20];
static struct ksem sem, go;
static struct kcond cond;

static void mark(char c)
{
    if (ntrace + 1 < sizeof(trace)) {
        trace[ntrace++] = c;
        trace[ntrace] = '\0';
    }
}

static int effective_of(pid_t pid)
{
    struct process_info info;

    return get_process(pid, &info) == 0 ? info.effective_priority : -1;
}

static int my_effective(void)
{
    return effective_of(current_pid());
}

/* Spawn fn(arg) as FIFO prio; it inherits the controller's 99 first, so
 * it runs only once the controller blocks. */
static pid_t kid(process_entry_t fn, intptr_t arg, int prio)
{
    pid_t pid = spawn_kernel_process("kid", fn, (void *)arg);

    EXPECT(pid > 0);
    EXPECT_EQ(process_setscheduler(pid, SCHED_FIFO, prio), 0);
    return pid;
}

/* Let every process spawned so far run until it blocks or exits. */
static void settle(void)
{
    EXPECT_EQ(sleep_ticks(1), 0);
}

static void reap_all(void)
{
    while (wait_for_child(-1, NULL) > 0) {
    }
}

static int controller(void *arg)
{
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 99), 0);
    ((void (*)(void))arg)();
    reap_all();
    return 0;
}

static void run(void (*scenario)(void))
{
    ntrace = 0;
    trace[0] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        kmutex_init(&m[i]);
    }
    ksem_init(&sem, 0);
    ksem_init(&go, 0);
    kcond_init(&cond);
    EXPECT(spawn_kernel_process("controller", controller, (void *)scenario) >
           0);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(sched_check(), 0);
}

/* ---- Wake order ---------------------------------------------------------- */

static int sem_waiter(void *arg)
{
    ksem_down(&sem);
    mark((char)(intptr_t)arg);
    return 0;
}

/* Arrive a(10) b(30) c(10) d(30); the controller, lowered to 1, ups one at
 * a time and each woken waiter runs at once. */
static void four_arrive(process_entry_t fn)
{
    static const struct {
        char c;
        int prio;
    } w[] = {{'a', 10}, {'b', 30}, {'c', 10}, {'d', 30}};

    for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
        kid(fn, w[i].c, w[i].prio);
        settle();
    }
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 1), 0);
}

static void sem_order(void)
{
    four_arrive(sem_waiter);
    for (int i = 0; i < 4; i++) {
        ksem_up(&sem);
        mark('u');
    }
}

static void test_semaphore_wakes_by_priority_fifo_among_equals(void **state)
{
    (void)state;
    run(sem_order);
    assert_string_equal(trace, "buduaucu");
}

static int cond_waiter(void *arg)
{
    kmutex_lock(&m[0]);
    kcond_wait(&cond, &m[0]);
    mark((char)(intptr_t)arg);
    kmutex_unlock(&m[0]);
    return 0;
}

static void cond_signal_order(void)
{
    four_arrive(cond_waiter);
    for (int i = 0; i < 4; i++) {
        kcond_signal(&cond);
        mark('s');
    }
    kcond_signal(&cond); /* nobody waits: nothing happens */
}

static void test_condvar_signal_wakes_by_priority(void **state)
{
    (void)state;
    run(cond_signal_order);
    assert_string_equal(trace, "bsdsascs");
}

/* Broadcast while holding the mutex: all four wake, in order, and queue on
 * the mutex; they get it one by one once the controller lets go. */
static void cond_broadcast_order(void)
{
    four_arrive(cond_waiter);
    kmutex_lock(&m[0]);
    kcond_broadcast(&cond);
    mark('x');
    kmutex_unlock(&m[0]);
    mark('y');
}

static void test_condvar_broadcast_wakes_all_by_priority(void **state)
{
    (void)state;
    run(cond_broadcast_order);
    assert_string_equal(trace, "xbdacy");
}

/* The waiter holds m when it waits; the controller can take m while it
 * waits, and the woken waiter gets m back only when the controller lets
 * go. */
static int cond_holder(void *arg)
{
    (void)arg;
    kmutex_lock(&m[0]);
    kcond_wait(&cond, &m[0]);
    mark('k');
    EXPECT(!kmutex_trylock(&m[0])); /* it owns m again: not recursive */
    kmutex_unlock(&m[0]);
    return 0;
}

static void cond_release_retake(void)
{
    kid(cond_holder, 0, 30);
    settle();
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 1), 0);
    EXPECT(kmutex_trylock(&m[0])); /* released by kcond_wait */
    mark('t');
    kcond_signal(&cond); /* it wakes, runs, and blocks on m */
    mark('s');
    EXPECT_EQ(my_effective(), 30); /* it lends while it waits for m */
    kmutex_unlock(&m[0]);
    mark('u');
}

static void test_kcond_wait_releases_and_retakes_the_mutex(void **state)
{
    (void)state;
    run(cond_release_retake);
    assert_string_equal(trace, "tsku");
}

/* ---- Inheritance --------------------------------------------------------- */

/* Lock m[n] for each n in arg's bits, wait for go, then release them from
 * the lowest bit, recording the effective priority after each. */
static int effs[20];
static int neffs;

static int holder(void *arg)
{
    unsigned bits = (unsigned)(intptr_t)arg;

    for (unsigned i = 0; i < 20; i++) {
        if (bits & (1u << i)) {
            kmutex_lock(&m[i]);
        }
    }
    ksem_down(&go);
    mark('l');
    for (unsigned i = 0; i < 20; i++) {
        if (bits & (1u << i)) {
            kmutex_unlock(&m[i]);
            effs[neffs++] = my_effective();
        }
    }
    mark('L');
    return 0;
}

/* Lock m[arg % 32], mark arg / 32, unlock. */
static int locker(void *arg)
{
    intptr_t a = (intptr_t)arg;

    kmutex_lock(&m[a % 32]);
    mark((char)(a / 32));
    kmutex_unlock(&m[a % 32]);
    return 0;
}

#define LOCKS(i, c) ((intptr_t)(c)*32 + (i))

static void one_donor(void)
{
    pid_t l;

    neffs = 0;
    l = kid(holder, 1u << 0, 10);
    settle();
    EXPECT_EQ(effective_of(l), 10);
    kid(locker, LOCKS(0, 'H'), 30);
    settle();
    EXPECT_EQ(effective_of(l), 30);
    ksem_up(&go);
}

static void test_inheritance_one_donor(void **state)
{
    (void)state;
    run(one_donor);
    assert_string_equal(trace, "lHL");
    assert_int_equal(neffs, 1);
    assert_int_equal(effs[0], 10);
}

/* L holds m1 m2 m3 (released in that order); waiters b(40) on m1, c(30)
 * on m2, a(20) and d(25) on m3.  L runs at 40, then 30, 25, 10; m3 goes
 * to d before a. */
static void several_donors(void)
{
    pid_t l;

    neffs = 0;
    l = kid(holder, (1u << 1) | (1u << 2) | (1u << 3), 10);
    settle();
    kid(locker, LOCKS(3, 'a'), 20);
    settle();
    EXPECT_EQ(effective_of(l), 20);
    kid(locker, LOCKS(1, 'b'), 40);
    settle();
    kid(locker, LOCKS(2, 'c'), 30);
    settle();
    kid(locker, LOCKS(3, 'd'), 25);
    settle();
    EXPECT_EQ(effective_of(l), 40);
    ksem_up(&go);
}

static void test_inheritance_several_donors_fall_back_per_release(void **state)
{
    (void)state;
    run(several_donors);
    /* Each released waiter outranks L's new level and runs at once. */
    assert_string_equal(trace, "lbcdaL");
    assert_int_equal(neffs, 3);
    assert_int_equal(effs[0], 30);
    assert_int_equal(effs[1], 25);
    assert_int_equal(effs[2], 10);
}

/* p holds m[i] and then takes m[i + 1] (blocks while its owner holds it). */
static int chain_link(void *arg)
{
    intptr_t i = (intptr_t)arg;

    kmutex_lock(&m[i]);
    kmutex_lock(&m[i + 1]);
    mark((char)('0' + i));
    kmutex_unlock(&m[i + 1]);
    kmutex_unlock(&m[i]);
    return 0;
}

/* The end of a chain: hold m[n] until go. */
static int chain_end(void *arg)
{
    intptr_t n = (intptr_t)arg;

    kmutex_lock(&m[n]);
    ksem_down(&go);
    mark((char)('0' + n));
    kmutex_unlock(&m[n]);
    return 0;
}

static pid_t chain_pids[20];

/* Links n-1 .. 0 (prio 10 + i), each waiting for the next; the end holds
 * m[n]; then the donor (60) takes m[0]. */
static void build_chain(intptr_t n)
{
    chain_pids[n] = kid(chain_end, n, 10 + (int)n);
    settle();
    for (intptr_t i = n - 1; i >= 0; i--) {
        chain_pids[i] = kid(chain_link, i, 10 + (int)i);
        settle();
    }
    kid(locker, LOCKS(0, 'T'), 60);
    settle();
}

static void nested(void)
{
    build_chain(2); /* A = link 0 waits on B's m1, B = link 1 on C's m2 */
    EXPECT_EQ(effective_of(chain_pids[2]), 60);
    EXPECT_EQ(effective_of(chain_pids[1]), 60);
    EXPECT_EQ(effective_of(chain_pids[0]), 60);
    ksem_up(&go);
    settle();
}

static void test_inheritance_nested(void **state)
{
    (void)state;
    run(nested);
    assert_string_equal(trace, "210T");
}

static void chain_of_eight(void)
{
    build_chain(8);
    for (int i = 0; i <= 8; i++) {
        EXPECT_EQ(effective_of(chain_pids[i]), 60);
    }
    ksem_up(&go);
    settle();
    for (int i = 0; i <= 8; i++) {
        EXPECT_EQ(effective_of(chain_pids[i]), 10 + i); /* loans returned */
    }
}

static void test_inheritance_chain_of_eight(void **state)
{
    (void)state;
    run(chain_of_eight);
    assert_string_equal(trace, "876543210T");
}

/* Past KMUTEX_PI_DEPTH owners the lending stops: the owner at depth
 * KMUTEX_PI_DEPTH + 1 keeps its own priority. */
static void chain_past_bound(void)
{
    build_chain(KMUTEX_PI_DEPTH);
    EXPECT_EQ(effective_of(chain_pids[KMUTEX_PI_DEPTH - 1]), 60);
    EXPECT_EQ(effective_of(chain_pids[KMUTEX_PI_DEPTH]), 10 + KMUTEX_PI_DEPTH);
    ksem_up(&go);
}

static void test_inheritance_depth_is_bounded(void **state)
{
    (void)state;
    run(chain_past_bound);
    assert_int_equal(ntrace, KMUTEX_PI_DEPTH + 2);
}

/* L (40) holds m; H (30) waits; L lowers its base to 10, then to
 * SCHED_OTHER: it keeps 30 (lent) until it unlocks, then H runs at once. */
static int lowering_holder(void *arg)
{
    (void)arg;
    kmutex_lock(&m[0]);
    ksem_down(&go);
    EXPECT_EQ(my_effective(), 40);
    EXPECT_EQ(process_setscheduler(0, SCHED_FIFO, 10), 0);
    EXPECT_EQ(my_effective(), 30);
    EXPECT_EQ(process_setscheduler(0, SCHED_OTHER, 0), 0);
    EXPECT_EQ(my_effective(), 30);
    mark('l');
    kmutex_unlock(&m[0]);
    EXPECT_EQ(my_effective(), 0);
    mark('L');
    return 0;
}

static void owner_lowers_base(void)
{
    pid_t l = kid(lowering_holder, 0, 40);

    settle();
    kid(locker, LOCKS(0, 'H'), 30);
    settle();
    EXPECT_EQ(effective_of(l), 40); /* its base is higher than the loan */
    ksem_up(&go);
}

static void test_donation_while_owner_lowers_its_base(void **state)
{
    (void)state;
    run(owner_lowers_base);
    assert_string_equal(trace, "lHL");
}

/*
 * Semaphores have no owner, so nothing is lent to whoever took a unit:
 * S (10) holds the only unit of go2 while H (30) waits for one.  But a
 * mutex owner that waits on a semaphore is re-sorted there by what it was
 * lent: L (10) holds m and waits on sem behind W (20); H2 (30) takes m, so
 * L moves ahead of W and gets the next unit.
 */
static struct ksem unit;

static int unit_holder(void *arg)
{
    (void)arg;
    ksem_down(&unit);
    ksem_down(&go);
    mark('s');
    ksem_up(&unit);
    return 0;
}

static int unit_waiter(void *arg)
{
    (void)arg;
    ksem_down(&unit);
    mark('h');
    ksem_up(&unit);
    return 0;
}

static int mutex_then_sem(void *arg)
{
    (void)arg;
    kmutex_lock(&m[0]);
    ksem_down(&sem);
    mark('l');
    kmutex_unlock(&m[0]);
    return 0;
}

static void through_semaphore(void)
{
    pid_t s, l;

    ksem_init(&unit, 1);
    s = kid(unit_holder, 0, 10);
    settle();
    kid(unit_waiter, 0, 30);
    settle();
    EXPECT_EQ(effective_of(s), 10); /* not inherited: no owner */
    ksem_up(&go);
    settle();
    kid(sem_waiter, 'w', 20);
    settle();
    l = kid(mutex_then_sem, 0, 10);
    settle();
    kid(locker, LOCKS(0, 'H'), 30);
    settle();
    EXPECT_EQ(effective_of(l), 30); /* inherited through m */
    ksem_up(&sem);
    settle();
    ksem_up(&sem);
}

static void test_inheritance_through_a_semaphore_region(void **state)
{
    (void)state;
    run(through_semaphore);
    assert_string_equal(trace, "shlHw");
}

/* A waiter whose priority changes while it waits is re-sorted, and the
 * change passes on to the mutex owner. */
static void waiter_resorted(void)
{
    pid_t a, l, h;

    a = kid(sem_waiter, 'a', 10);
    settle();
    kid(sem_waiter, 'b', 20);
    settle();
    EXPECT_EQ(process_setscheduler(a, SCHED_FIFO, 30), 0);
    ksem_up(&sem);
    settle();
    ksem_up(&sem);
    settle();
    l = kid(holder, 1u << 0, 10);
    settle();
    h = kid(locker, LOCKS(0, 'H'), 20);
    settle();
    EXPECT_EQ(effective_of(l), 20);
    EXPECT_EQ(process_setscheduler(h, SCHED_FIFO, 50), 0);
    EXPECT_EQ(effective_of(l), 50);
    EXPECT_EQ(process_setscheduler(h, SCHED_FIFO, 15), 0);
    EXPECT_EQ(effective_of(l), 15);
    neffs = 0;
    ksem_up(&go);
}

static void test_waiter_resorted_when_its_priority_changes(void **state)
{
    (void)state;
    run(waiter_resorted);
    assert_string_equal(trace, "ablHL");
}

/* ---- Trylock -------------------------------------------------------------- */

static int try_other(void *arg)
{
    (void)arg;
    EXPECT(!kmutex_trylock(&m[0])); /* the controller owns it */
    EXPECT(!ksem_trydown(&sem));
    return 0;
}

static void trylock(void)
{
    EXPECT(kmutex_trylock(&m[0]));
    EXPECT(!kmutex_trylock(&m[0])); /* not recursive */
    kid(try_other, 0, 10);
    settle();
    kmutex_unlock(&m[0]);
    EXPECT(kmutex_trylock(&m[0]));
    kmutex_unlock(&m[0]);
    ksem_up(&sem);
    EXPECT(ksem_trydown(&sem));
    EXPECT(!ksem_trydown(&sem));
}

static void test_trylock_semantics(void **state)
{
    (void)state;
    run(trylock);
}

/* ---- Misuse panics --------------------------------------------------------- */

static int unlock_not_mine(void *arg)
{
    (void)arg;
    kmutex_unlock(&m[0]);
    return 0;
}

static void non_owner_unlocks(void)
{
    kmutex_init(&m[0]);
    spawn_kernel_process("bad", unlock_not_mine, NULL);
    start_scheduler();
}

static int lock_under_spinlock(void *arg)
{
    static struct spinlock lk = SPINLOCK_INIT("lk");

    (void)arg;
    spin_lock(&lk);
    kmutex_lock(&m[0]);
    return 0;
}

static void spinlock_held(void)
{
    kmutex_init(&m[0]);
    spawn_kernel_process("bad", lock_under_spinlock, NULL);
    start_scheduler();
}

static int exit_owning(void *arg)
{
    (void)arg;
    kmutex_lock(&m[0]);
    return 0; /* the mutex is never released: its waiters would wait forever */
}

static void exits_owning_a_mutex(void)
{
    kmutex_init(&m[0]);
    spawn_kernel_process("owner", exit_owning, NULL);
    start_scheduler();
}

static void outside_process(void)
{
    ksem_init(&sem, 0);
    ksem_down(&sem);
}

static void test_misuse_panics(void **state)
{
    (void)state;
    expect_death(non_owner_unlocks, "does not own the mutex", NULL);
    expect_death(spinlock_held, "kmutex_lock from an interrupt or under a",
                 NULL);
    expect_death(outside_process, "ksem_down outside a process", NULL);
    expect_death(exits_owning_a_mutex, "exits owning a kmutex", NULL);
}

/* ---- Mars Pathfinder ------------------------------------------------------- */

#define CS_TICKS     3  /* low's critical section */
#define MEDIUM_TICKS 20 /* medium's spin */

static uint64_t high_waited;

static int low(void *arg)
{
    (void)arg;
    kmutex_lock(&m[0]);
    for (int i = 0; i < CS_TICKS; i++) {
        host_tick();
    }
    kmutex_unlock(&m[0]);
    return 0;
}

static int medium(void *arg)
{
    (void)arg;
    for (int i = 0; i < MEDIUM_TICKS; i++) {
        host_tick();
    }
    return 0;
}

static int high(void *arg)
{
    uint64_t t0 = timer_ticks();

    (void)arg;
    kmutex_lock(&m[0]);
    high_waited = timer_ticks() - t0;
    kmutex_unlock(&m[0]);
    return 0;
}

static bool inherit;

/* Low takes m and is a tick into its critical section when high and
 * medium arrive. */
static void pathfinder(void)
{
    if (!inherit) {
        kmutex_init_noinherit(&m[0]);
    }
    kid(low, 0, 10);
    settle();
    kid(high, 0, 30);
    kid(medium, 0, 20);
}

static void test_pathfinder_inheritance_bounds_the_wait(void **state)
{
    (void)state;
    inherit = true;
    run(pathfinder);
    assert_true(high_waited <= CS_TICKS);
    inherit = false;
    run(pathfinder);
    assert_true(high_waited >= MEDIUM_TICKS);
}

/* ---- Randomised: effective = max(base, donations) after every step ------- */

#define RW     6   /* workers */
#define RM     4   /* mutexes m[0 .. RM) */
#define RSTEPS 120 /* operations per worker */

/*
 * What the workers believe, kept by the workers themselves around each
 * call (one CPU, and nothing switches between the bookkeeping and the
 * call): who owns each mutex, who waits for which since when (re-sorted
 * waiters count as arriving anew), base priorities.  The unlocker predicts
 * the handoff from it: the waiter of highest effective priority, the
 * earliest among equals.
 */
static struct {
    pid_t pid[RW];
    bool alive[RW];
    int base[RW];
    int owner[RM];      /* worker, or -1 */
    int waiting_on[RW]; /* mutex, or -1 */
    uint64_t wseq[RW];  /* queue position among equals */
    int last_eff[RW];
    int held[RW][RM], nheld[RW];
    uint64_t seq, rng;
    unsigned checks, handoffs;
} rm;

static unsigned rnd_below(unsigned n)
{
    rm.rng = rm.rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rm.rng >> 33) % n;
}

static int model_eff(int w, int depth)
{
    int eff = rm.base[w];

    EXPECT(depth <= RW); /* no cycle: mutexes are taken in order */
    for (int k = 0; k < RM && depth <= RW; k++) {
        if (rm.owner[k] != w) {
            continue;
        }
        for (int v = 0; v < RW; v++) {
            int e;

            if (rm.waiting_on[v] == k && (e = model_eff(v, depth + 1)) > eff) {
                eff = e;
            }
        }
    }
    return eff;
}

static void model_check(void)
{
    for (int w = 0; w < RW; w++) {
        int eff;

        if (!rm.alive[w]) {
            continue;
        }
        eff = model_eff(w, 0);
        EXPECT_EQ(effective_of(rm.pid[w]), eff);
        if (rm.waiting_on[w] >= 0 && eff != rm.last_eff[w]) {
            rm.wseq[w] = ++rm.seq; /* re-sorted behind its new equals */
        }
        rm.last_eff[w] = eff;
    }
    rm.checks++;
}

static void model_unlock(int me)
{
    int k = rm.held[me][--rm.nheld[me]], next = -1;

    for (int v = 0; v < RW; v++) {
        if (rm.waiting_on[v] == k &&
            (next < 0 || rm.last_eff[v] > rm.last_eff[next] ||
             (rm.last_eff[v] == rm.last_eff[next] &&
              rm.wseq[v] < rm.wseq[next]))) {
            next = v;
        }
    }
    rm.owner[k] = next;
    if (next >= 0) {
        rm.waiting_on[next] = -1;
        rm.handoffs++;
    }
    kmutex_unlock(&m[k]);
}

static void model_lock(int me)
{
    int lo = rm.nheld[me] > 0 ? rm.held[me][rm.nheld[me] - 1] + 1 : 0;
    int k;

    if (lo >= RM) {
        return;
    }
    k = lo + (int)rnd_below((unsigned)(RM - lo));
    if (rm.owner[k] < 0) {
        rm.owner[k] = me;
    } else {
        rm.waiting_on[me] = k;
        rm.wseq[me] = ++rm.seq;
        rm.last_eff[me] = model_eff(me, 0);
    }
    kmutex_lock(&m[k]);
    EXPECT_EQ(rm.owner[k], me); /* handed over as predicted */
    EXPECT_EQ(rm.waiting_on[me], -1);
    rm.held[me][rm.nheld[me]++] = k;
}

static int model_worker(void *arg)
{
    int me = (int)(intptr_t)arg;

    for (int step = 0; step < RSTEPS; step++) {
        unsigned op = rnd_below(4);

        if (op == 0) {
            model_lock(me);
        } else if (op == 1 && rm.nheld[me] > 0) {
            model_unlock(me);
        } else if (op == 2) {
            host_tick();
        } else if (op == 3) {
            int w = (int)rnd_below(RW), prio = 1 + (int)rnd_below(40);

            if (rm.alive[w]) {
                rm.base[w] = prio;
                EXPECT_EQ(process_setscheduler(rm.pid[w], SCHED_FIFO, prio), 0);
            }
        }
        model_check();
    }
    while (rm.nheld[me] > 0) {
        model_unlock(me);
        model_check();
    }
    rm.alive[me] = false;
    return 0;
}

static uint64_t model_seed;

static void randomised(void)
{
    memset(&rm, 0, sizeof(rm));
    rm.rng = model_seed;
    for (int k = 0; k < RM; k++) {
        rm.owner[k] = -1;
    }
    for (int w = 0; w < RW; w++) {
        rm.waiting_on[w] = -1;
        rm.base[w] = 1 + (int)rnd_below(40);
        rm.alive[w] = true;
        rm.pid[w] = kid(model_worker, w, rm.base[w]);
    }
}

static void test_randomised_inheritance_against_a_model(void **state)
{
    unsigned handoffs = 0;

    (void)state;
    /* With the default throttling: throttled RT work still runs when no
     * fair process is ready, so the order the model predicts holds. */
    for (model_seed = 1; model_seed <= 20; model_seed++) {
        run(randomised);
        assert_true(rm.checks >= RW * RSTEPS);
        handoffs += rm.handoffs;
    }
    assert_true(handoffs > 100); /* the runs did contend */
}

#define T(fn) \
    cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_semaphore_wakes_by_priority_fifo_among_equals),
        T(test_condvar_signal_wakes_by_priority),
        T(test_condvar_broadcast_wakes_all_by_priority),
        T(test_kcond_wait_releases_and_retakes_the_mutex),
        T(test_inheritance_one_donor),
        T(test_inheritance_several_donors_fall_back_per_release),
        T(test_inheritance_nested),
        T(test_inheritance_chain_of_eight),
        T(test_inheritance_depth_is_bounded),
        T(test_donation_while_owner_lowers_its_base),
        T(test_inheritance_through_a_semaphore_region),
        T(test_waiter_resorted_when_its_priority_changes),
        T(test_trylock_semantics),
        T(test_misuse_panics),
        T(test_pathfinder_inheritance_bounds_the_wait),
        T(test_randomised_inheritance_against_a_model),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
