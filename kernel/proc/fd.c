/*
 * Descriptor tables (fd.h): the lock rule is at the top of fd.h.
 */
#include "fd.h"

#include "kerrno.h"
#include "kstring.h"
#include "proc.h"

_Static_assert(MAX_FDS <= 64, "fd_cloexec is a 64-bit mask");

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

    if (p == NULL || min < 0) {
        return p == NULL ? -EMFILE : -EINVAL;
    }
    for (int fd = min; fd < MAX_FDS; fd++) {
        if (p->fds[fd] == NULL) {
            (void)swap_slot(p, fd, f, cloexec);
            return fd;
        }
    }
    return -EMFILE;
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

void fd_inherit(struct process *child, const struct process *parent)
{
    memset(child->fds, 0, sizeof(child->fds));
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
    }
}

void fd_exec(struct process *p)
{
    for (int fd = 0; fd < MAX_FDS; fd++) {
        if ((p->fd_cloexec >> fd) & 1) {
            fd_close(fd);
        }
    }
}

void fd_fork(struct process *child, const struct process *parent)
{
    memset(child->fds, 0, sizeof(child->fds));
    for (int fd = 0; fd < MAX_FDS; fd++) {
        child->fds[fd] =
            parent->fds[fd] != NULL ? file_get(parent->fds[fd]) : NULL;
    }
    child->fd_cloexec = parent->fd_cloexec;
}

void fd_release_all(struct process *p)
{
    struct file *old[MAX_FDS];

    spin_lock(&sched_lock);
    memcpy(old, p->fds, sizeof(old));
    memset(p->fds, 0, sizeof(p->fds));
    p->fd_cloexec = 0;
    spin_unlock(&sched_lock);
    for (int fd = 0; fd < MAX_FDS; fd++) {
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
