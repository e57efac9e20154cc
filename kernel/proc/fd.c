/*
 * Descriptor tables (fd.h): the lock rule is at the top of fd.h.
 */
#include "fd.h"

#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "proc.h"

_Static_assert(MAX_FDS <= 64, "fd_open and fd_cloexec are 64-bit masks");
/* Every descriptor's bit. */
#define FD_ALL (~0ull >> (64 - MAX_FDS))

/* Descriptors 0 (stdin) and 1, 2 (stdout, stderr) of idle's children:
 * the console's node over the devices boot hands over, never freed. */
static struct file std_files[2];
static bool std_open[2];

void proc_set_std_devices(struct chardev *input, struct chardev *output)
{
    file_init_fixed(&std_files[0], input, NULL, vfs_console(), O_RDONLY);
    file_init_fixed(&std_files[1], NULL, output, vfs_console(), O_WRONLY);
    std_open[0] = input != NULL;
    std_open[1] = output != NULL;
}

/* The running process if it may have descriptors (not idle), else NULL. */
static struct process *owner(void)
{
    struct process *p = proc_current();

    return p != NULL && !p->idle ? p : NULL;
}

struct file *fd_get(int fd)
{
    struct process *p = owner();

    if (p == NULL || fd < 0 || fd >= MAX_FDS || p->fds[fd] == NULL) {
        return NULL;
    }
    return file_get(p->fds[fd]);
}

/* Store f (or NULL) at fd of p, returning what was there. */
static struct file *swap_slot(struct process *p, int fd, struct file *f,
                              bool cloexec)
{
    struct file *old;

    spin_lock(&sched_lock);
    old = p->fds[fd];
    p->fds[fd] = f;
    p->fd_open = (p->fd_open & ~(1ull << fd)) | ((uint64_t)(f != NULL) << fd);
    p->fd_cloexec = (p->fd_cloexec & ~(1ull << fd)) | ((uint64_t)cloexec << fd);
    spin_unlock(&sched_lock);
    return old;
}

int fd_install(struct file *f, bool cloexec)
{
    return fd_install_from(f, 0, cloexec);
}

int fd_install_from(struct file *f, int min, bool cloexec)
{
    struct process *p = owner();

    uint64_t free;
    int fd;

    if (p == NULL || min < 0) {
        return p == NULL ? -EMFILE : -EINVAL;
    }
    free = min < MAX_FDS ? ~p->fd_open & (~0ull << min) & FD_ALL : 0;
    if (free == 0) {
        return -EMFILE;
    }
    fd = __builtin_ctzll(free); /* the lowest free one, as POSIX wants */
    (void)swap_slot(p, fd, f, cloexec);
    return fd;
}

int fd_assign(int fd, struct file *f, bool cloexec)
{
    struct process *p = owner();

    if (p == NULL || fd < 0 || fd >= MAX_FDS) {
        return -EBADF;
    }
    file_put(swap_slot(p, fd, f != NULL ? file_get(f) : NULL, cloexec));
    return 0;
}

int fd_close(int fd)
{
    struct process *p = owner();

    if (p == NULL || fd < 0 || fd >= MAX_FDS || p->fds[fd] == NULL) {
        return -EBADF;
    }
    file_put(swap_slot(p, fd, NULL, false));
    return 0;
}

int fd_cloexec(int fd, int set)
{
    struct process *p = owner();
    int was;

    if (p == NULL || fd < 0 || fd >= MAX_FDS || p->fds[fd] == NULL) {
        return -EBADF;
    }
    was = (int)((p->fd_cloexec >> fd) & 1);
    if (set >= 0) {
        spin_lock(&sched_lock);
        p->fd_cloexec =
            (p->fd_cloexec & ~(1ull << fd)) | ((uint64_t) !!set << fd);
        spin_unlock(&sched_lock);
    }
    return was;
}

/* Each set bit of mask, lowest first. */
#define for_each_fd(fd, mask)                                              \
    for (uint64_t m_ = (mask); m_ != 0 && ((fd) = __builtin_ctzll(m_), 1); \
         m_ &= m_ - 1)

void fd_inherit(struct process *child, const struct process *parent)
{
    KASSERT(child->fd_open == 0); /* a fresh record */
    child->fd_cloexec = 0;
    for (int fd = 0; fd < 3; fd++) {
        struct file *f;

        if (parent == NULL || parent->idle) {
            f = std_open[fd > 0] ? &std_files[fd > 0] : NULL;
        } else {
            /* A spawn is fork and exec in one: close-on-exec ones stay. */
            f = (parent->fd_cloexec >> fd) & 1 ? NULL : parent->fds[fd];
        }
        child->fds[fd] = f != NULL ? file_get(f) : NULL;
        child->fd_open |= (uint64_t)(f != NULL) << fd;
    }
}

void fd_exec(struct process *p)
{
    int fd;

    for_each_fd(fd, p->fd_cloexec & p->fd_open)
    {
        fd_close(fd);
    }
}

void fd_fork(struct process *child, const struct process *parent)
{
    int fd;

    KASSERT(child->fd_open == 0); /* a fresh record */
    for_each_fd(fd, parent->fd_open)
    {
        child->fds[fd] = file_get(parent->fds[fd]);
    }
    child->fd_open = parent->fd_open;
    child->fd_cloexec = parent->fd_cloexec;
}

void fd_release_all(struct process *p)
{
    struct file *old[MAX_FDS];
    uint64_t open;
    int fd;

    spin_lock(&sched_lock);
    open = p->fd_open;
    for_each_fd(fd, open)
    {
        old[fd] = p->fds[fd];
        p->fds[fd] = NULL;
    }
    p->fd_open = 0;
    p->fd_cloexec = 0;
    spin_unlock(&sched_lock);
    for_each_fd(fd, open)
    {
        file_put(old[fd]);
    }
}

/* The snapshot process_descriptor gives of f. */
static void describe(const struct file *f, uint64_t cloexec,
                     struct file_descriptor *out)
{
    static const enum fd_kind kinds[] = {
        [FILE_CHR] = FD_CHAR,
        [FILE_REG] = FD_FILE,
        [FILE_DIR] = FD_DIR,
        [FILE_PIPE] = FD_PIPE,
    };

    out->kind = kinds[f->kind];
    out->dev = f->in != NULL ? f->in : f->out;
    out->flags = f->flags | (cloexec ? O_CLOEXEC : 0);
    out->offset = f->offset; /* a snapshot: read without f->lock */
    out->refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
    out->file = f;
}

int process_descriptor(pid_t pid, int fd, struct file_descriptor *out)
{
    struct process *p;
    int err = 0;

    if (out == NULL) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    if (p == NULL) {
        err = -ESRCH;
    } else if (fd < 0 || fd >= MAX_FDS || p->fds[fd] == NULL) {
        err = -EBADF;
    } else {
        describe(p->fds[fd], (p->fd_cloexec >> fd) & 1, out);
    }
    spin_unlock(&sched_lock);
    return err;
}
