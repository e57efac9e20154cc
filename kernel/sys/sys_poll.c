/*
 * poll and ppoll (sys_pipe.h; the design is in poll.h and docs/fs.md,
 * "poll").
 *
 * One call: copy the array in, take a reference on each file, scan every
 * file once putting an entry on its object's list, then block on the
 * call's own waiter until an object or the timeout wakes it, and scan
 * again, until something is ready, the time is up or a signal comes.
 * Each scan costs one step per descriptor; each wakeup one step per entry
 * on the object that changed.  Files that never change state (initramfs
 * files, directories, /dev/null, output devices) are always ready and
 * keep no entry.
 */
#include "sys_pipe.h"

#include "driver.h"
#include "fd.h"
#include "file.h"
#include "heap.h"
#include "input.h"
#include "kerrno.h"
#include "ksignal.h"
#include "kstring.h"
#include "panic.h"
#include "poll.h"
#include "process.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"

#define POLL_SMALL  8 /* descriptors handled without the heap */
#define KSIGSET_LEN 8 /* ppoll's sigsetsize: Linux's 64-bit sigset_t */
#define NSEC_PER_MS 1000000ULL
#define NSEC_PER_S  1000000000ULL

#define DEFAULT_MASK (KPOLLIN | KPOLLOUT | KPOLLRDNORM | KPOLLWRNORM)

/* Linux's struct pollfd. */
struct kpollfd {
    int fd;
    short events;
    short revents;
};

/* One watched descriptor: the caller's record, the file, the entry. */
struct poll_slot {
    struct kpollfd pfd;
    struct file *f;      /* a reference, or NULL (fd < 0 or not open) */
    struct poll_entry e; /* on an object's list while e.lock != NULL */
};

void poll_wake_locked(struct list *list)
{
    struct list *l;

    list_for_each(l, list)
    {
        struct poll_waiter *w = list_entry(l, struct poll_entry, link)->w;

        spin_lock(&w->lock);
        w->woken = true;
        wake_channel((wait_channel_t)w);
        spin_unlock(&w->lock);
    }
}

void poll_add_locked(struct list *list, struct poll_entry *e,
                     struct poll_waiter *w, struct spinlock *lock)
{
    KASSERT(holding(lock));
    e->w = w;
    e->lock = lock;
    list_push_back(list, &e->link);
}

/* The console's (or a driver's) input side: ready when bytes wait. */
static short input_poll(struct file *f, struct poll_entry *e,
                        struct poll_waiter *w)
{
    bool ready;

    spin_lock(&input_lock);
    if (e != NULL) {
        poll_add_locked(&input_polls, e, w, &input_lock);
    }
    ready = dev_ready(f->in);
    spin_unlock(&input_lock);
    return ready ? KPOLLIN | KPOLLRDNORM : 0;
}

/* What f is ready for now (e: register it for later changes). */
static short file_poll(struct file *f, struct poll_entry *e,
                       struct poll_waiter *w)
{
    short ev = 0;

    if (f->kind == FILE_PIPE) {
        return pipe_poll(f, e, w);
    }
    if (f->kind != FILE_CHR || file_is_null(f)) {
        return DEFAULT_MASK; /* never waits, as Linux's files */
    }
    if (f->in != NULL) {
        ev |= input_poll(f, e, w);
    }
    if (f->out != NULL) {
        ev |= KPOLLOUT | KPOLLWRNORM; /* writes never wait */
    }
    return ev;
}

/* Scan every slot once (reg: put entries on the objects' lists): the
 * number with something to report. */
static long scan(struct poll_slot *s, size_t n, struct poll_waiter *w, bool reg)
{
    long ready = 0;

    for (size_t i = 0; i < n; i++) {
        short ev;

        if (s[i].pfd.fd < 0) {
            s[i].pfd.revents = 0; /* ignored, as Linux */
            continue;
        }
        if (s[i].f == NULL) {
            ev = KPOLLNVAL;
        } else {
            ev = file_poll(s[i].f, reg ? &s[i].e : NULL, w);
            ev &= (short)(s[i].pfd.events | KPOLLERR | KPOLLHUP);
        }
        s[i].pfd.revents = ev;
        ready += ev != 0;
    }
    return ready;
}

/* Take every entry off its list and drop the references. */
static void release_slots(struct poll_slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].e.lock != NULL) {
            spin_lock(s[i].e.lock);
            list_remove(&s[i].e.link);
            spin_unlock(s[i].e.lock);
        }
        file_put(s[i].f);
    }
}

static void poll_expired(struct timer *t)
{
    struct poll_waiter *w =
        (struct poll_waiter *)((char *)t - offsetof(struct poll_waiter, timer));

    spin_lock(&w->lock);
    w->expired = true;
    w->woken = true;
    wake_channel((wait_channel_t)w);
    spin_unlock(&w->lock);
}

/* Sleep until w is woken: 0 or -EINTR.  woken was cleared before the
 * scan that found nothing, so a change since then returns at once. */
static int wait_woken(struct poll_waiter *w)
{
    int err = 0;

    spin_lock(&w->lock);
    while (!w->woken && err == 0) {
        err = block_current_locked((wait_channel_t)w, &w->lock);
    }
    spin_unlock(&w->lock);
    return err;
}

static bool begin_scan(struct poll_waiter *w)
{
    bool expired;

    spin_lock(&w->lock);
    w->woken = false;
    expired = w->expired;
    spin_unlock(&w->lock);
    return expired;
}

/*
 * Scan, then wait and scan again, until something is ready, the deadline
 * (a tick; TIMER_NEVER: none) passes, or a signal comes.  wait false:
 * one scan.  The count ready, or -EINTR.
 */
static long poll_wait(struct poll_slot *s, size_t n, bool wait,
                      uint64_t deadline)
{
    struct poll_waiter w = {.woken = false, .expired = false};
    bool first = true;
    long ready;

    spin_init(&w.lock, "poll");
    if (wait && deadline != TIMER_NEVER) {
        spin_lock(&timer_lock);
        timer_arm_locked(&w.timer, deadline, poll_expired);
        spin_unlock(&timer_lock);
    }
    for (;;) {
        bool expired = begin_scan(&w);

        ready = scan(s, n, &w, wait && first);
        first = false;
        if (ready > 0 || !wait || expired) {
            break;
        }
        if (wait_woken(&w) != 0) {
            ready = -EINTR;
            break;
        }
    }
    if (wait && deadline != TIMER_NEVER) {
        spin_lock(&timer_lock);
        (void)timer_cancel_locked(&w.timer);
        spin_unlock(&timer_lock);
    }
    release_slots(s, n);
    return ready;
}

/*
 * The common part of poll and ppoll: nfds <= MAX_FDS (RLIMIT_NOFILE,
 * else -EINVAL), the array read in (-EFAULT) before anything waits, the
 * revents written back (-EFAULT) after.
 */
static long do_poll_common(void *ufds, size_t nfds, bool wait,
                           uint64_t deadline)
{
    struct poll_slot small[POLL_SMALL], *s = small;
    long ret = 0;

    if (nfds > MAX_FDS) {
        return -EINVAL;
    }
    if (nfds > 0 &&
        check_caller_range(ufds, nfds * sizeof(struct kpollfd), true) != 0) {
        return -EFAULT;
    }
    if (nfds > POLL_SMALL && (s = kmalloc(nfds * sizeof(*s))) == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < nfds && ret == 0; i++) {
        ret = copy_from_caller(&s[i].pfd, (struct kpollfd *)ufds + i,
                               sizeof(s[i].pfd));
    }
    if (ret == 0) {
        for (size_t i = 0; i < nfds; i++) {
            s[i].f = fd_get(s[i].pfd.fd);
            s[i].e.lock = NULL;
        }
        ret = poll_wait(s, nfds, wait, deadline);
    } else {
        ret = -EFAULT;
    }
    for (size_t i = 0; i < nfds && ret >= 0; i++) {
        if (copy_to_caller((struct kpollfd *)ufds + i, &s[i].pfd,
                           sizeof(s[i].pfd)) != 0) {
            ret = -EFAULT;
        }
    }
    if (s != small) {
        kfree(s);
    }
    return ret;
}

/* The first tick at or after ns from now (saturating). */
static uint64_t deadline_after(uint64_t ns)
{
    uint64_t now = uptime_ns();

    return ns >= TIMER_NEVER - now ? TIMER_NEVER : timer_ns_to_tick(now + ns);
}

/* poll(fds, nfds, timeout): timeout ms, < 0 forever, 0 no wait. */
long do_poll(const long arg[6])
{
    int timeout = (int)arg[2];

    return do_poll_common(
        (void *)arg[0], (unsigned)arg[1], timeout != 0,
        timeout < 0 ? TIMER_NEVER
                    : deadline_after((uint64_t)timeout * NSEC_PER_MS));
}

/* ppoll's time left of the ns it was given at start, into tsp: none
 * after a timeout (ret 0); nothing for a timeout too long to end; a tsp
 * that cannot be written is left alone, as Linux does. */
static void write_time_left(void *tsp, uint64_t start, uint64_t ns, long ret)
{
    uint64_t now = uptime_ns(), left;
    struct ktimespec ts;

    if (ns > UINT64_MAX - start) {
        return;
    }
    left = ret == 0 || start + ns <= now ? 0 : start + ns - now;
    ts.tv_sec = (int64_t)(left / NSEC_PER_S);
    ts.tv_nsec = (int64_t)(left % NSEC_PER_S);
    (void)copy_to_caller(tsp, &ts, sizeof(ts));
}

/*
 * ppoll(fds, nfds, tsp, sigmask, sigsetsize): tsp NULL forever, else a
 * timespec (-EFAULT, -EINVAL as nanosleep's) that gets the time left
 * (not for a zero one, as Linux); sigmask, if given, must have
 * sigsetsize 8 (-EINVAL) and be readable (-EFAULT), and is the blocked
 * set for the call: a signal it lets in ends the wait with -EINTR and its
 * handler runs before the caller's mask comes back (signal_mask_end).
 */
long do_ppoll(const long arg[6])
{
    const void *mask = (const void *)arg[3];
    void *tsp = (void *)arg[2];
    uint64_t set, ns = 0, start = uptime_ns();
    struct ktimespec ts;
    long ret;

    if (tsp != NULL) {
        if (copy_from_caller(&ts, tsp, sizeof(ts)) != 0) {
            return -EFAULT;
        }
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
            ts.tv_nsec >= (int64_t)NSEC_PER_S) {
            return -EINVAL;
        }
        ns = (uint64_t)ts.tv_sec > (UINT64_MAX - NSEC_PER_S) / NSEC_PER_S
                 ? UINT64_MAX
                 : (uint64_t)ts.tv_sec * NSEC_PER_S + (uint64_t)ts.tv_nsec;
    }
    if (mask != NULL) {
        if ((size_t)arg[4] != KSIGSET_LEN) {
            return -EINVAL;
        }
        if (copy_from_caller(&set, mask, sizeof(set)) != 0) {
            return -EFAULT;
        }
        signal_mask_begin(set);
    }
    ret =
        do_poll_common((void *)arg[0], (unsigned)arg[1], tsp == NULL || ns != 0,
                       tsp == NULL ? TIMER_NEVER : deadline_after(ns));
    if (mask != NULL) {
        signal_mask_end(ret);
    }
    if (tsp != NULL && ns != 0) {
        write_time_left(tsp, start, ns, ret);
    }
    return ret;
}
