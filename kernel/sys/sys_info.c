/*
 * System calls about the system and the process's limits (handlers.h,
 * docs/user.md): getrandom, time, gettimeofday, sysinfo, the resource
 * limits and umask.  Every limit reported is one the kernel enforces or a
 * fact of it; a change it could not enforce is refused (-EPERM), never
 * pretended.
 */
#include "handlers.h"

#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "random.h"
#include "timer.h"
#include "uaccess.h"
#include "uvm.h"

#define GRND_NONBLOCK 1
#define GRND_RANDOM   2
#define GRND_INSECURE 4
#define GETRANDOM_MAX 33554431 /* Linux returns at most this per call */

/* getrandom(buf, len, flags): random_bytes, in chunks; never blocks (the
 * generator is ready from boot), so the flags change nothing. */
long sys_getrandom(const long arg[6])
{
    uint8_t chunk[256];
    uint8_t *buf = (uint8_t *)arg[0];
    size_t len = (size_t)arg[1], done = 0;
    unsigned flags = (unsigned)arg[2];

    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
        (flags & (GRND_RANDOM | GRND_INSECURE)) ==
            (GRND_RANDOM | GRND_INSECURE)) {
        return -EINVAL;
    }
    len = len > GETRANDOM_MAX ? GETRANDOM_MAX : len;
    while (done < len) {
        size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

        random_bytes(chunk, n);
        if (copy_to_caller(buf + done, chunk, n) != 0) {
            return done > 0 ? (long)done : -EFAULT;
        }
        done += n;
    }
    return (long)done;
}

/* time(tloc): seconds since 1970 (the CMOS clock at boot plus uptime). */
long sys_time(const long arg[6])
{
    int64_t t = (int64_t)(realtime_ns() / 1000000000ULL);

    if (arg[0] != 0 && copy_to_caller((void *)arg[0], &t, sizeof(t)) != 0) {
        return -EFAULT;
    }
    return (long)t;
}

/* gettimeofday(tv, tz): tz, if given, is zeroed (UTC, no DST). */
long sys_gettimeofday(const long arg[6])
{
    uint64_t ns = realtime_ns();
    int64_t tv[2] = {(int64_t)(ns / 1000000000ULL),
                     (int64_t)(ns % 1000000000ULL / 1000)};
    int32_t tz[2] = {0, 0};

    if (arg[0] != 0 && copy_to_caller((void *)arg[0], tv, sizeof(tv)) != 0) {
        return -EFAULT;
    }
    if (arg[1] != 0 && copy_to_caller((void *)arg[1], tz, sizeof(tz)) != 0) {
        return -EFAULT;
    }
    return 0;
}

/* Linux's struct sysinfo (x86_64). */
struct ksysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};

/* sysinfo(info): uptime, RAM (frames) and the process count (idle not
 * counted, as Linux's; the same count RLIMIT_NPROC bounds); no load
 * average is kept (0), no swap. */
long sys_sysinfo(const long arg[6])
{
    struct frame_stats fs = frame_stats();
    struct scheduler_stats ss = scheduler_stats();
    struct ksysinfo si;

    memset(&si, 0, sizeof(si));
    si.uptime = (int64_t)(uptime_ns() / 1000000000ULL);
    si.totalram = fs.total * PAGE_SIZE;
    si.freeram = fs.free * PAGE_SIZE;
    ss.processes--; /* idle */
    si.procs = ss.processes > 0xffff ? 0xffff : (uint16_t)ss.processes;
    si.mem_unit = 1;
    return copy_to_caller((void *)arg[0], &si, sizeof(si));
}

#define RLIMIT_DATA    2
#define RLIMIT_STACK   3
#define RLIMIT_CORE    4
#define RLIMIT_NPROC   6
#define RLIMIT_NOFILE  7
#define RLIMIT_NLIMITS 16
#define RLIM_INFINITY  (~0ULL)

struct krlimit {
    uint64_t cur, max;
};

/* What the kernel enforces for resource r (soft = hard: nothing lowers
 * them yet).  -EINVAL for an unknown resource. */
static int limit_of(int r, struct krlimit *l)
{
    uint64_t v = RLIM_INFINITY;

    if (r < 0 || r >= RLIMIT_NLIMITS) {
        return -EINVAL;
    }
    switch (r) {
    case RLIMIT_DATA:
        v = UVM_BRK_MAX; /* the brk heap's limit */
        break;
    case RLIMIT_STACK:
        v = UVM_STACK_MAX;
        break;
    case RLIMIT_CORE:
        v = 0; /* no core dumps */
        break;
    case RLIMIT_NPROC:
        v = proc_get_limit();
        break;
    case RLIMIT_NOFILE:
        v = MAX_FDS;
        break;
    }
    l->cur = l->max = v;
    return 0;
}

/*
 * prlimit64(pid, resource, new, old): pid 0 or the caller's own (others:
 * -ESRCH unless they exist, then -EPERM for a change).  Setting: only to
 * what is in effect already (-EPERM otherwise: the kernel could not
 * enforce another value).
 */
long sys_prlimit64(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    const void *newp = (const void *)arg[2];
    void *oldp = (void *)arg[3];
    struct krlimit cur, want;
    struct process_info info;
    int err = limit_of((int)arg[1], &cur);

    if (err != 0) {
        return err;
    }
    if (pid < 0 || (pid != 0 && get_process(pid, &info) != 0)) {
        return -ESRCH;
    }
    if (newp != NULL) {
        if (copy_from_caller(&want, newp, sizeof(want)) != 0) {
            return -EFAULT;
        }
        if (want.cur > want.max) {
            return -EINVAL;
        }
        if (want.cur != cur.cur || want.max != cur.max) {
            return -EPERM;
        }
    }
    if (oldp != NULL && copy_to_caller(oldp, &cur, sizeof(cur)) != 0) {
        return -EFAULT;
    }
    return 0;
}

long sys_getrlimit(const long arg[6])
{
    const long a[6] = {0, arg[0], 0, arg[1], 0, 0};

    if (arg[1] == 0) {
        return -EFAULT;
    }
    return sys_prlimit64(a);
}

long sys_setrlimit(const long arg[6])
{
    const long a[6] = {0, arg[0], arg[1], 0, 0, 0};

    if (arg[1] == 0) {
        return -EFAULT;
    }
    return sys_prlimit64(a);
}

/* umask(mask): the old mask; kept per user process (022 at start). */
long sys_umask(const long arg[6])
{
    struct process *p = proc_current();
    unsigned old = 022;

    if (p != NULL && p->vm != NULL) {
        old = p->vm->umask;
        p->vm->umask = (unsigned)arg[0] & 0777;
    }
    return (long)old;
}
