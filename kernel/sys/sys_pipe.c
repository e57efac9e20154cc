/*
 * Pipes and the descriptor calls (sys_pipe.h; docs/fs.md, "Pipes").
 *
 * A pipe is two open files, the read end and the write end, on one
 * struct pipe (kernel/fs/pipe.h).  The pipe counts the open files on each
 * end, not descriptors: dup and fork share a file and change nothing
 * there; the file's last reference (file_put) calls pipe_release.
 *
 * Bytes move through a PIPE_CHUNK kernel buffer, so the caller's memory
 * is never touched with the pipe's lock held.  One read and one write
 * at a time may copy (p->reading, p->writing): a reader peeks, copies
 * out, and takes the bytes only once they reached the caller, so a fault
 * loses nothing; a writer holds the tail while it copies its pieces in,
 * so a write of at most PIPE_BUF bytes (which waits for room for all of
 * it) is never interleaved.
 *
 * Locking: p->lock is the condition lock of both waits (readers on
 * &p->rwaiters, writers on &p->wwaiters, with block_current_locked) and
 * guards the pipe's poll list; wakeups happen under it, and only when
 * someone waits.
 */
#include "sys_pipe.h"

#include "fd.h"
#include "file.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "pipe.h"
#include "poll.h"
#include "process.h"
#include "uaccess.h"

#define PIPE_CHUNK 512 /* bytes bounced per copy */

#define READ_CHANNEL(p)  ((wait_channel_t) & (p)->rwaiters)
#define WRITE_CHANNEL(p) ((wait_channel_t) & (p)->wwaiters)

/* The state changed: wake the blocked readers and/or writers, and every
 * poller. */
static void pipe_wake_locked(struct pipe *p, bool readers, bool writers)
{
    if (readers && p->rwaiters > 0) {
        wake_channel(READ_CHANNEL(p));
    }
    if (writers && p->wwaiters > 0) {
        wake_channel(WRITE_CHANNEL(p));
    }
    poll_wake_locked(&p->polls);
}

/* Block on one of p's channels, counted so wakers know to wake. */
static int pipe_wait_locked(struct pipe *p, bool writer)
{
    unsigned *n = writer ? &p->wwaiters : &p->rwaiters;
    int err;

    (*n)++;
    err = block_current_locked(writer ? WRITE_CHANNEL(p) : READ_CHANNEL(p),
                               &p->lock);
    (*n)--;
    return err;
}

/* The last reference to end f went: one open file fewer on its end. */
static void pipe_release(struct file *f)
{
    struct pipe *p = f->pipe;
    bool last;

    spin_lock(&p->lock);
    last = pipe_close_end_locked(p, file_writable(f));
    pipe_wake_locked(p, true, true);
    spin_unlock(&p->lock);
    if (last) {
        pipe_free(p);
    }
}

static const struct file_ops pipe_ops = {.release = pipe_release};

/* ---- read, write, poll ------------------------------------------------------ */

/* Wait until p has bytes and no other read copies, or EOF: 1 (bytes),
 * 0 (EOF), -EAGAIN, -EINTR.  Caller holds p->lock. */
static int wait_readable_locked(struct pipe *p, bool block)
{
    for (;;) {
        if (!p->reading && p->count > 0) {
            return 1;
        }
        if (!p->reading && p->writers == 0) {
            return 0;
        }
        if (!block) {
            return -EAGAIN;
        }
        if (pipe_wait_locked(p, false) != 0) {
            return -EINTR;
        }
    }
}

long pipe_read(struct file *f, void *buf, size_t len, bool block)
{
    uint8_t bounce[PIPE_CHUNK];
    struct pipe *p = f->pipe;
    bool nonblock = (file_flags(f) & O_NONBLOCK) != 0;
    size_t done = 0;
    bool fault = false;
    int ready;

    spin_lock(&p->lock);
    ready = wait_readable_locked(p, block && !nonblock);
    if (ready <= 0) {
        spin_unlock(&p->lock);
        return ready;
    }
    p->reading = true;
    while (done < len && p->count > 0 && !fault) {
        size_t want = len - done < PIPE_CHUNK ? len - done : PIPE_CHUNK;
        size_t n = pipe_peek_locked(p, bounce, want);

        spin_unlock(&p->lock);
        fault = copy_to_caller((uint8_t *)buf + done, bounce, n) != 0;
        spin_lock(&p->lock);
        if (!fault) {
            pipe_consume_locked(p, n); /* only this read takes bytes */
            done += n;
        }
    }
    p->reading = false;
    pipe_wake_locked(p, true, true);
    spin_unlock(&p->lock);
    return done > 0 ? (long)done : -EFAULT;
}

/*
 * Wait until a write of need bytes fits and no other write copies, or no
 * reader is left: 0 (go on; check p->readers), -EAGAIN, -EINTR.  Caller
 * holds p->lock.
 */
static int wait_writable_locked(struct pipe *p, size_t need, bool block)
{
    while (p->readers > 0 && (p->writing || pipe_room_locked(p) < need)) {
        if (!block) {
            return -EAGAIN;
        }
        if (pipe_wait_locked(p, true) != 0) {
            return -EINTR;
        }
    }
    return 0;
}

/* Copy n bytes (room for them is there) from the caller, or from kernel
 * memory when kernel_src (sendfile), in pieces, with the tail held: the
 * bytes copied, *err -EFAULT if a piece failed.  Caller holds p->lock
 * (dropped around each copy). */
static size_t fill_locked(struct pipe *p, const uint8_t *src, size_t n,
                          bool kernel_src, long *err)
{
    uint8_t bounce[PIPE_CHUNK];
    size_t done = 0;

    p->writing = true;
    while (done < n) {
        size_t chunk = n - done < PIPE_CHUNK ? n - done : PIPE_CHUNK;
        bool fault;

        spin_unlock(&p->lock);
        if (kernel_src) {
            memcpy(bounce, src + done, chunk);
            fault = false;
        } else {
            fault = copy_from_caller(bounce, src + done, chunk) != 0;
        }
        spin_lock(&p->lock);
        if (fault) {
            *err = -EFAULT;
            break;
        }
        pipe_append_locked(p, bounce, chunk); /* readers only make room */
        done += chunk;
        if (p->rwaiters > 0) {
            wake_channel(READ_CHANNEL(p)); /* let them start on it */
        }
    }
    p->writing = false;
    pipe_wake_locked(p, true, true);
    return done;
}

/* pipe_write from the caller's buf or (kernel_src) kernel memory. */
static long write_from(struct file *f, const void *buf, size_t len,
                       bool kernel_src)
{
    struct pipe *p = f->pipe;
    bool block = (file_flags(f) & O_NONBLOCK) == 0;
    size_t done = 0;
    bool broken = false;
    long err = 0;

    spin_lock(&p->lock);
    while (done < len && err == 0) {
        size_t need = len <= PIPE_BUF ? len : 1, room;

        err = wait_writable_locked(p, need, block);
        if (err != 0) {
            break;
        }
        if (p->readers == 0) {
            broken = true;
            err = -EPIPE;
            break;
        }
        room = pipe_room_locked(p);
        done += fill_locked(p, (const uint8_t *)buf + done,
                            len - done < room ? len - done : room, kernel_src,
                            &err);
    }
    spin_unlock(&p->lock);
    if (broken) {
        (void)process_kill(current_pid(), SIGPIPE); /* init: -EPERM */
    }
    return done > 0 ? (long)done : err;
}

long pipe_write(struct file *f, const void *buf, size_t len)
{
    return write_from(f, buf, len, false);
}

long pipe_write_kernel(struct file *f, const void *buf, size_t len)
{
    return write_from(f, buf, len, true);
}

short pipe_poll(struct file *f, struct poll_entry *e, struct poll_waiter *w)
{
    struct pipe *p = f->pipe;
    short ev = 0;

    spin_lock(&p->lock);
    if (e != NULL) {
        poll_add_locked(&p->polls, e, w, &p->lock);
    }
    if (file_writable(f)) {
        ev |= pipe_room_locked(p) >= PIPE_BUF ? KPOLLOUT | KPOLLWRNORM : 0;
        ev |= p->readers == 0 ? KPOLLERR : 0;
    } else {
        ev |= p->count > 0 ? KPOLLIN | KPOLLRDNORM : 0;
        ev |= p->writers == 0 ? KPOLLHUP : 0;
    }
    spin_unlock(&p->lock);
    return ev;
}

/* ---- pipe, pipe2 ------------------------------------------------------------ */

/* Both ends of a new pipe with these flags in f[0] (read) and f[1]: 0 or
 * -ENOMEM (nothing left behind). */
static long make_pipe(int flags, struct file *f[2])
{
    struct pipe *p = pipe_alloc();

    if (p == NULL) {
        return -ENOMEM;
    }
    f[0] = file_open_pipe(p, O_RDONLY | flags, &pipe_ops);
    f[1] = file_open_pipe(p, O_WRONLY | flags, &pipe_ops);
    if (f[0] != NULL && f[1] != NULL) {
        return 0;
    }
    if (f[0] == NULL) {
        p->readers--; /* not yet shared: no lock needed */
    }
    if (f[1] == NULL) {
        p->writers--;
    }
    if (p->readers + p->writers == 0) {
        pipe_free(p);
    }
    file_put(f[0]); /* the last of them frees the pipe */
    file_put(f[1]);
    return -ENOMEM;
}

/*
 * pipe2(fds, flags): O_NONBLOCK and O_CLOEXEC (any other flag -EINVAL,
 * O_DIRECT's packet mode too); fds is checked before anything is made
 * (-EFAULT); -EMFILE (fewer than two free descriptors), -ENOMEM.
 */
static long pipe_call(void *ufds, int flags)
{
    struct file *f[2];
    int fds[2];
    long err;

    if (flags & ~(O_NONBLOCK | O_CLOEXEC)) {
        return -EINVAL;
    }
    if (check_caller_writable(ufds, sizeof(fds)) != 0) {
        return -EFAULT;
    }
    err = make_pipe(flags & O_NONBLOCK, f);
    if (err != 0) {
        return err;
    }
    fds[0] = fd_install(f[0], (flags & O_CLOEXEC) != 0);
    fds[1] = fds[0] < 0 ? -EMFILE : fd_install(f[1], (flags & O_CLOEXEC) != 0);
    if (fds[1] < 0) {
        if (fds[0] >= 0) {
            (void)fd_close(fds[0]); /* drops f[0] */
        } else {
            file_put(f[0]);
        }
        file_put(f[1]);
        return -EMFILE;
    }
    if (copy_to_caller(ufds, fds, sizeof(fds)) != 0) {
        (void)fd_close(fds[0]); /* unmapped since the check */
        (void)fd_close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

long do_pipe(const long arg[6])
{
    return pipe_call((void *)arg[0], 0);
}

long do_pipe2(const long arg[6])
{
    return pipe_call((void *)arg[0], (int)arg[1]);
}

/* ---- dup, dup2, dup3, fcntl ------------------------------------------------- */

long do_dup(const long arg[6])
{
    struct file *f = fd_get((int)arg[0]);
    int fd;

    if (f == NULL) {
        return -EBADF;
    }
    fd = fd_install(f, false);
    if (fd < 0) {
        file_put(f);
    }
    return fd;
}

/* newfd refers to oldfd's file from now on (closing what it had). */
static long dup_to(int oldfd, int newfd, bool cloexec)
{
    struct file *f;

    if (newfd < 0 || newfd >= MAX_FDS) {
        return -EBADF;
    }
    f = fd_get(oldfd);
    if (f == NULL) {
        return -EBADF;
    }
    (void)fd_assign(newfd, f, cloexec); /* newfd is in range */
    file_put(f);
    return newfd;
}

/* dup2(old, new): old == new only checks old, as Linux. */
long do_dup2(const long arg[6])
{
    int oldfd = (int)arg[0], newfd = (int)arg[1];
    struct file *f;

    if (oldfd == newfd) {
        f = fd_get(oldfd);
        file_put(f);
        return f != NULL ? newfd : -EBADF;
    }
    return dup_to(oldfd, newfd, false);
}

/* dup3(old, new, flags): flags O_CLOEXEC only; old == new -EINVAL. */
long do_dup3(const long arg[6])
{
    int oldfd = (int)arg[0], newfd = (int)arg[1], flags = (int)arg[2];

    if ((flags & ~O_CLOEXEC) != 0 || oldfd == newfd) {
        return -EINVAL;
    }
    return dup_to(oldfd, newfd, (flags & O_CLOEXEC) != 0);
}

/* F_DUPFD / F_DUPFD_CLOEXEC: the lowest free descriptor >= min. */
static long dup_from(struct file *f, unsigned min, bool cloexec)
{
    int fd;

    if (min >= MAX_FDS) {
        return -EINVAL; /* past RLIMIT_NOFILE, as Linux */
    }
    fd = fd_install_from(file_get(f), (int)min, cloexec);
    if (fd < 0) {
        file_put(f);
    }
    return fd;
}

/* fcntl(fd, cmd, arg): the commands of sys_pipe.h; any other -EINVAL. */
long do_fcntl(const long arg[6])
{
    int fd = (int)arg[0];
    struct file *f = fd_get(fd);
    long ret;

    if (f == NULL) {
        return -EBADF;
    }
    switch ((int)arg[1]) {
    case KF_DUPFD:
    case KF_DUPFD_CLOEXEC:
        ret = dup_from(f, (unsigned)arg[2], (int)arg[1] == KF_DUPFD_CLOEXEC);
        break;
    case KF_GETFD:
        ret = fd_cloexec(fd, -1) > 0 ? KFD_CLOEXEC : 0;
        break;
    case KF_SETFD:
        ret = fd_cloexec(fd, (int)arg[2] & KFD_CLOEXEC) < 0 ? -EBADF : 0;
        break;
    case KF_GETFL:
        ret = file_flags(f);
        break;
    case KF_SETFL:
        file_set_flags(f, (int)arg[2]); /* other bits ignored, as Linux */
        ret = 0;
        break;
    default:
        ret = -EINVAL;
        break;
    }
    file_put(f);
    return ret;
}
