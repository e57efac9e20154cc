/*
 * Calls that static programs make and that need no facility behind them
 * here (docs/linux-abi.md, "What Kairos does not have"): futex (one
 * thread per process and no writable memory shared between processes,
 * so no one can be waiting on a futex word), getgroups (no supplementary
 * groups) and sync (a read-only file system in memory).
 */
#include "handlers.h"

#include "kerrno.h"
#include "timer.h"
#include "uaccess.h"

/* futex operations and flags, Linux's values (linux/futex.h). */
#define KFUTEX_WAIT           0
#define KFUTEX_WAKE           1
#define KFUTEX_WAIT_BITSET    9
#define KFUTEX_WAKE_BITSET    10
#define KFUTEX_PRIVATE_FLAG   128
#define KFUTEX_CLOCK_REALTIME 256

/*
 * A wait on a word that still holds val: nobody can change or wake it, so
 * it lasts until the timeout (-ETIMEDOUT) or a signal (-EINTR).  timeout:
 * NULL (forever), relative (FUTEX_WAIT) or absolute on CLOCK_MONOTONIC or,
 * with realtime, CLOCK_REALTIME (FUTEX_WAIT_BITSET).
 */
static long futex_wait(const void *uaddr, uint32_t val, const void *timeout,
                       bool absolute, bool realtime)
{
    uint64_t t = 0, deadline = TIMER_NEVER, base;
    uint32_t word;
    long err;

    if (copy_from_caller(&word, uaddr, sizeof(word)) != 0) {
        return -EFAULT;
    }
    if (timeout != NULL && (err = get_timespec(timeout, &t)) != 0) {
        return err;
    }
    if (word != val) {
        return -EAGAIN;
    }
    if (timeout != NULL && absolute) {
        base = realtime ? timer_boot_realtime_ns() : 0;
        deadline = timer_ns_to_tick(t > base ? t - base : 0);
    } else if (timeout != NULL) {
        t = t > UINT64_MAX - uptime_ns() ? UINT64_MAX : t + uptime_ns();
        deadline = timer_ns_to_tick(t);
    }
    err = sleep_until_tick(deadline);
    return err != 0 ? err : -ETIMEDOUT;
}

/*
 * futex(uaddr, op, val, timeout, uaddr2, val3): FUTEX_WAIT and
 * FUTEX_WAIT_BITSET (-EAGAIN when *uaddr != val, else see futex_wait),
 * FUTEX_WAKE and FUTEX_WAKE_BITSET (0: nobody is waiting), with or without
 * FUTEX_PRIVATE_FLAG.  -EINVAL for a misaligned uaddr or a zero bitset,
 * -EFAULT for an unreadable word, -ENOSYS for every other operation (the
 * PI, requeue and op ones: no threads to need them).
 */
long sys_futex(const long arg[6])
{
    const void *uaddr = (const void *)arg[0];
    int op = (int)arg[1],
        cmd = op & ~(KFUTEX_PRIVATE_FLAG | KFUTEX_CLOCK_REALTIME);
    bool realtime = (op & KFUTEX_CLOCK_REALTIME) != 0;
    bool bitset = cmd == KFUTEX_WAIT_BITSET || cmd == KFUTEX_WAKE_BITSET;

    if (cmd != KFUTEX_WAIT && cmd != KFUTEX_WAKE && !bitset) {
        return -ENOSYS;
    }
    if (realtime && cmd != KFUTEX_WAIT_BITSET) {
        return -ENOSYS; /* Linux: only the bitset wait takes a clock */
    }
    if (((uintptr_t)uaddr & 3) != 0 || (bitset && (uint32_t)arg[5] == 0)) {
        return -EINVAL;
    }
    if (cmd == KFUTEX_WAKE || cmd == KFUTEX_WAKE_BITSET) {
        return check_caller_range(uaddr, sizeof(uint32_t), false) != 0 ? -EFAULT
                                                                       : 0;
    }
    return futex_wait(uaddr, (uint32_t)arg[2], (const void *)arg[3], bitset,
                      realtime);
}

/* getgroups(size, list): no supplementary groups, so 0 and nothing
 * copied; -EINVAL for a negative size, as Linux. */
long sys_getgroups(const long arg[6])
{
    return (int)arg[0] < 0 ? -EINVAL : 0;
}

/* sync(): nothing is ever dirty; never fails, as on Linux. */
long sys_sync(const long arg[6])
{
    (void)arg;
    return 0;
}
