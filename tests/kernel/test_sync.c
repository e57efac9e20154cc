/*
 * The sleeping locks in the real kernel (docs/sync.md): the Mars
 * Pathfinder inversion on real timer ticks.  Low (FIFO 10) holds a mutex
 * for CS_TICKS of its CPU; high (30) waits for it while medium (20) spins
 * MEDIUM_TICKS.  With inheritance high waits at most low's section;
 * without, medium's whole spin comes first.
 */
#include "kerrno.h"
#include "ktest.h"
#include "proc.h"

#define CS_TICKS     3
#define MEDIUM_TICKS 20

static struct kmutex inv_m;
static uint64_t high_waited;

static uint64_t my_slices(void)
{
    struct process_info pi;

    return get_process(current_pid(), &pi) == 0 ? pi.slices : UINT64_MAX;
}

static void spin_ticks(uint64_t ticks)
{
    uint64_t until = my_slices() + ticks;

    while (my_slices() < until) {
    }
}

static int low(void *arg)
{
    (void)arg;
    kmutex_lock(&inv_m);
    spin_ticks(CS_TICKS);
    kmutex_unlock(&inv_m);
    return 0;
}

static int medium(void *arg)
{
    (void)arg;
    spin_ticks(MEDIUM_TICKS);
    return 0;
}

static int high(void *arg)
{
    uint64_t t0 = timer_ticks();

    (void)arg;
    kmutex_lock(&inv_m);
    high_waited = timer_ticks() - t0;
    kmutex_unlock(&inv_m);
    return 0;
}

/* Spawn at FIFO prio; -1 on failure. */
static pid_t fifo_kid(process_entry_t fn, int prio)
{
    pid_t pid = spawn_kernel_process("inv", fn, NULL);

    return pid > 0 && process_setscheduler(pid, SCHED_FIFO, prio) == 0 ? pid
                                                                       : -1;
}

/* Run the scenario; the caller at FIFO 99 sets it up, then goes back. */
static int inversion(bool inherit)
{
    int policy, prio, ok = 1;

    if (inherit) {
        kmutex_init(&inv_m);
    } else {
        kmutex_init_noinherit(&inv_m);
    }
    high_waited = UINT64_MAX;
    process_getscheduler(0, &policy, &prio);
    process_setscheduler(0, SCHED_FIFO, 99);
    ok &= fifo_kid(low, 10) > 0;
    sleep_ticks(1); /* low takes the mutex, then this wakes on a tick */
    ok &= fifo_kid(high, 30) > 0;
    ok &= fifo_kid(medium, 20) > 0;
    while (wait_for_child(-1, NULL) > 0) {
    }
    process_setscheduler(0, policy, prio);
    return ok;
}

static void inheritance_bounds_the_wait(void)
{
    KT_ASSERT(inversion(true));
    KT_ASSERT(high_waited <= CS_TICKS);
    KT_ASSERT(inversion(false));
    KT_ASSERT(high_waited >= MEDIUM_TICKS);
    KT_EQ(sched_check(), 0);
}

static const struct ktest_case sync_cases[] = {
    {"inheritance_bounds_the_wait", inheritance_bounds_the_wait},
};
KTEST_SUITE(suite_sync, "sync", sync_cases);
