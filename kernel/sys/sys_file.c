/*
 * The file system calls (sys_file.h; docs/syscalls.md, "Files").
 *
 * Every argument is checked before anything moves: the descriptor
 * (fd_get: -EBADF), flags (-EINVAL), and the caller's buffers with
 * check_caller_range (-EFAULT) before the first byte, then copied only
 * through uaccess.h.  A count over SYSCALL_IO_MAX is capped, not refused
 * (Linux caps at MAX_RW_COUNT): such a transfer is short, which is legal.  A device never sees the
 * caller's memory: reads and writes go through a kernel buffer of
 * IO_CHUNK bytes.  A read or write that faults after moving some bytes
 * returns their count, as Linux does.
 *
 * Locking: no lock is held on entry.  A console read that finds no input
 * takes input_lock (input.h), tests again and blocks with
 * block_current_locked, so a byte that arrives in between wakes it; a
 * signal ends that wait with -EINTR.  Offsets are the open file's
 * (file.h), shared by every descriptor that refers to it.
 */
#include "sys_file.h"

#include "cwd.h"
#include "driver.h"
#include "fd.h"
#include "heap.h"
#include "input.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "process.h"
#include "sys_pipe.h"
#include "tmpfs.h"
#include "uaccess.h"
#include "uvm.h"

#define IO_CHUNK  256       /* bytes bounced per device transfer */
#define TMP_CHUNK PAGE_SIZE /* bytes bounced per tmpfs call (heap) */

/* ---- Moving bytes ----------------------------------------------------------- */

/*
 * Read from a device, blocking while it has nothing.  The test is repeated
 * under input_lock, which the input interrupt takes before waking readers:
 * either the byte is already queued, or this process is on the wait queue
 * when the wakeup comes.  Idle has no descriptors, so it never gets here.
 */
static long read_blocking(struct chardev *dev, void *buf, size_t len,
                          bool block)
{
    for (;;) {
        long n;
        int err;

        spin_lock(&input_lock);
        n = dev_read(dev, buf, len);
        if (n != 0 || !block) {
            spin_unlock(&input_lock);
            return n;
        }
        err = block_current_locked(WAIT_EVENT_INPUT, &input_lock);
        spin_unlock(&input_lock);
        if (err != 0) {
            return err;
        }
    }
}

/* What one device read gives, bounced to the caller's buf. */
static long read_dev(struct file *f, void *buf, size_t len, bool block)
{
    uint8_t bounce[IO_CHUNK];
    bool nonblock = (file_flags(f) & O_NONBLOCK) != 0;
    long n;

    if (file_is_null(f)) {
        return 0;
    }
    if (f->in == NULL) {
        return -EINVAL; /* a device that cannot be read */
    }
    n = read_blocking(f->in, bounce, len < IO_CHUNK ? len : IO_CHUNK,
                      block && !nonblock);
    if (n == 0 && nonblock && block) {
        return -EAGAIN;
    }
    if (n > 0 && copy_to_caller(buf, bounce, (size_t)n) != 0) {
        return -EFAULT; /* the bytes are lost, as a tty's would be */
    }
    return n;
}

/* Copy n bytes of kernel memory to the caller a destination page at a
 * time, so that a fault stops at the first bad page: the bytes copied. */
static size_t copy_out_paged(void *dst, const uint8_t *src, size_t n)
{
    size_t done = 0;

    while (done < n) {
        size_t room = PAGE_SIZE - (((uintptr_t)dst + done) & (PAGE_SIZE - 1));
        size_t chunk = room < n - done ? room : n - done;

        if (copy_to_caller((uint8_t *)dst + done, src + done, chunk) != 0) {
            break;
        }
        done += chunk;
    }
    return done;
}

static long read_reg(struct file *f, void *buf, size_t len)
{
    size_t size, n, used;
    const uint8_t *data = ramfs_data(f->node.rn, &size);
    uint64_t off;

    n = file_claim(f, size, len, &off);
    if (n == 0) {
        return 0;
    }
    used = copy_out_paged(buf, data + off, n);
    if (used < n) {
        file_unclaim(f, off, n, used);
    }
    return used > 0 ? (long)used : -EFAULT;
}

/*
 * Up to len bytes of tmpfs file f from pos into the caller's buf, through
 * a kernel page: tmpfs copies under its lock, the caller's memory is
 * touched outside it.  The bytes copied, 0 at the end, -EFAULT, -ENOMEM.
 */
static long tmp_read_at(struct file *f, void *buf, size_t len, uint64_t pos)
{
    uint8_t *bounce = kmalloc(TMP_CHUNK);
    size_t done = 0;
    long err = 0;

    if (bounce == NULL) {
        return -ENOMEM;
    }
    while (done < len) {
        size_t chunk = len - done < TMP_CHUNK ? len - done : TMP_CHUNK;
        long n =
            tmpfs_read(vfs_tmpfs(), f->node.ino, pos + done, bounce, chunk);
        size_t used;

        if (n <= 0) {
            err = n;
            break;
        }
        used = copy_out_paged((uint8_t *)buf + done, bounce, (size_t)n);
        done += used;
        if (used < (size_t)n) {
            err = -EFAULT;
            break;
        }
        if ((size_t)n < chunk) {
            break;
        }
    }
    kfree(bounce);
    return done > 0 ? (long)done : err;
}

/* read on a tmpfs file: at its offset, which moves past what was read.
 * (Two readers sharing one descriptor may race on it: no f_pos_lock.) */
static long read_tmp(struct file *f, void *buf, size_t len)
{
    uint64_t off = file_offset(f);
    long n = tmp_read_at(f, buf, len, off);

    if (n > 0) {
        file_set_offset(f, off + (uint64_t)n);
    }
    return n;
}

/* read into buf (len > 0, range checked); block: a device may wait. */
static long read_file(struct file *f, void *buf, size_t len, bool block)
{
    switch (f->kind) {
    case FILE_DIR:
        return -EISDIR;
    case FILE_REG:
        return read_reg(f, buf, len);
    case FILE_TMP:
        return read_tmp(f, buf, len);
    case FILE_PIPE:
        return pipe_read(f, buf, len, block);
    default:
        return read_dev(f, buf, len, block);
    }
}

/*
 * len bytes of buf (kernel_src: kernel memory, else the caller's) to
 * tmpfs file f at *pos (O_APPEND: at its end), through a kernel page;
 * *pos moves past them.  The bytes written, or the first error (-EFAULT,
 * -ENOSPC, -EFBIG, -ENOMEM) when none were.
 */
static long tmp_write_at(struct file *f, const void *buf, size_t len,
                         uint64_t *pos, bool kernel_src)
{
    bool append = (file_flags(f) & O_APPEND) != 0;
    uint8_t *bounce = kernel_src ? NULL : kmalloc(TMP_CHUNK);
    size_t done = 0;
    long err = 0;

    if (!kernel_src && bounce == NULL) {
        return -ENOMEM;
    }
    while (done < len) {
        size_t chunk = len - done < TMP_CHUNK ? len - done : TMP_CHUNK;
        const uint8_t *src = (const uint8_t *)buf + done;
        long n;

        if (!kernel_src && copy_from_caller(bounce, src, chunk) != 0) {
            err = -EFAULT;
            break;
        }
        n = tmpfs_write(vfs_tmpfs(), f->node.ino, pos,
                        kernel_src ? src : bounce, chunk, append);
        if (n < 0) {
            err = n;
            break;
        }
        done += (size_t)n;
        if ((size_t)n < chunk) {
            break;
        }
    }
    kfree(bounce);
    return done > 0 ? (long)done : err;
}

/* write on a tmpfs file at its offset, which moves past what was written
 * (as read_tmp: no lock across the call for a shared descriptor). */
static long write_tmp(struct file *f, const void *buf, size_t len,
                      bool kernel_src)
{
    uint64_t off = file_offset(f);
    long n = tmp_write_at(f, buf, len, &off, kernel_src);

    if (n > 0) {
        file_set_offset(f, off);
    }
    return n;
}

/* write buf (len > 0, range checked) to a device, IO_CHUNK at a time, to
 * a pipe or to a tmpfs file; kernel_src: buf is kernel memory (sendfile),
 * not the caller's. */
static long write_from(struct file *f, const void *buf, size_t len,
                       bool kernel_src)
{
    uint8_t bounce[IO_CHUNK];
    size_t done = 0;
    long err = 0;

    if (file_is_null(f)) {
        return (long)len;
    }
    if (f->kind == FILE_PIPE) {
        return kernel_src ? pipe_write_kernel(f, buf, len)
                          : pipe_write(f, buf, len);
    }
    if (f->kind == FILE_TMP) {
        return write_tmp(f, buf, len, kernel_src);
    }
    if (f->kind != FILE_CHR || f->out == NULL) {
        return -EINVAL; /* a device that cannot be written */
    }
    while (done < len) {
        size_t chunk = len - done < IO_CHUNK ? len - done : IO_CHUNK;
        const uint8_t *src = (const uint8_t *)buf + done;
        long n;

        if (!kernel_src && copy_from_caller(bounce, src, chunk) != 0) {
            err = -EFAULT;
            break;
        }
        n = dev_write(f->out, kernel_src ? src : bounce, chunk);
        if (n < 0) {
            err = n;
            break;
        }
        done += (size_t)n;
        if ((size_t)n < chunk) {
            break;
        }
    }
    return done > 0 ? (long)done : err;
}

static long write_file(struct file *f, const void *buf, size_t len)
{
    return write_from(f, buf, len, false);
}

/*
 * Linux's access_ok, then its MAX_RW_COUNT cap, for len bytes at buf: the
 * bytes to move (at most SYSCALL_IO_MAX) or -EFAULT.  A user caller's
 * whole range must lie in the user half, as Linux checks it before
 * capping (the copies find unmapped pages); a kernel caller's must be
 * mapped only as far as it is used.  A negative len fits nowhere.
 */
static long io_range(const void *buf, size_t len, bool fill)
{
    size_t n = len < (size_t)SYSCALL_IO_MAX ? len : (size_t)SYSCALL_IO_MAX;

    if ((long)len < 0 ||
        check_caller_range(buf, caller_is_user() ? len : n, fill) != 0) {
        return -EFAULT;
    }
    return (long)n;
}

/*
 * What read and write share, in Linux's order: the descriptor and its
 * access mode (-EBADF), a zero length (0), the buffer (-EFAULT, io_range).
 * 1 with *fp (a reference) and *lenp capped when there are bytes to move.
 */
static long check_io(int fd, const void *buf, size_t *lenp, bool write,
                     struct file **fp)
{
    struct file *f = fd_get(fd);
    long ret = 1;

    if (f == NULL || !(write ? file_writable(f) : file_readable(f))) {
        ret = -EBADF;
    } else if (*lenp == 0) {
        ret = 0;
    } else if ((ret = io_range(buf, *lenp, !write)) > 0) {
        *lenp = (size_t)ret;
        ret = 1;
    }
    if (ret <= 0) {
        file_put(f);
        return ret;
    }
    *fp = f;
    return 1;
}

long do_read(const long arg[6])
{
    struct file *f;
    void *buf = (void *)arg[1];
    size_t len = (size_t)arg[2];
    long ret = check_io((int)arg[0], buf, &len, false, &f);

    if (ret <= 0) {
        return ret;
    }
    ret = read_file(f, buf, len, true);
    file_put(f);
    return ret;
}

long do_write(const long arg[6])
{
    struct file *f;
    const void *buf = (const void *)arg[1];
    size_t len = (size_t)arg[2];
    long ret = check_io((int)arg[0], buf, &len, true, &f);

    if (ret <= 0) {
        return ret;
    }
    ret = write_file(f, buf, len);
    file_put(f);
    return ret;
}

/* ---- pread64, pwrite64 ------------------------------------------------------- */

/* len bytes (capped, range checked) of regular file f from pos, its
 * offset untouched: the bytes copied, 0 at or past the end, -EFAULT. */
static long pread_reg(struct file *f, void *buf, size_t len, uint64_t pos)
{
    size_t size, n, used;
    const uint8_t *data = ramfs_data(f->node.rn, &size);

    if (pos >= size) {
        return 0;
    }
    n = size - pos < len ? (size_t)(size - pos) : len;
    used = copy_out_paged(buf, data + pos, n);
    return used > 0 ? (long)used : -EFAULT;
}

/*
 * pread64 / pwrite64(fd, buf, count, pos), in Linux's order: a negative
 * pos (-EINVAL), the descriptor (-EBADF), one without positions (a pipe
 * or the console: -ESPIPE), the access mode (-EBADF), then as read and
 * write (count capped).  A device other than the console ignores pos.
 */
static long rw_at(const long arg[6], bool write)
{
    void *buf = (void *)arg[1];
    size_t len = (size_t)arg[2];
    int64_t pos = (int64_t)arg[3];
    struct file *f;
    long ret;

    if (pos < 0) {
        return -EINVAL;
    }
    f = fd_get((int)arg[0]);
    if (f == NULL) {
        return -EBADF;
    }
    ret = f->kind == FILE_PIPE || file_is_tty(f) ? -ESPIPE : 0;
    file_put(f);
    if (ret != 0 || (ret = check_io((int)arg[0], buf, &len, write, &f)) <= 0) {
        return ret;
    }
    if (write && f->kind == FILE_TMP) {
        uint64_t at = (uint64_t)pos;

        ret = tmp_write_at(f, buf, len, &at, false); /* O_APPEND: the end */
    } else if (write) {
        ret = write_file(f, buf, len);
    } else if (f->kind == FILE_TMP) {
        ret = tmp_read_at(f, buf, len, (uint64_t)pos);
    } else {
        ret = f->kind == FILE_REG ? pread_reg(f, buf, len, (uint64_t)pos)
                                  : read_file(f, buf, len, true);
    }
    file_put(f);
    return ret;
}

long do_pread64(const long arg[6])
{
    return rw_at(arg, false);
}

long do_pwrite64(const long arg[6])
{
    return rw_at(arg, true);
}

/* ---- sendfile --------------------------------------------------------------- */

/*
 * Move up to count bytes of regular file in, from *pos (explicit: the
 * caller's offset, the file's left alone) or from its own offset, to out.
 * The bytes moved; an error only when none moved.  *pos is advanced.
 */
static long sendfile_move(struct file *in, struct file *out, int64_t *pos,
                          bool explicit, size_t count)
{
    size_t size, n = 0;
    const uint8_t *data = ramfs_data(in->node.rn, &size);
    uint64_t off = (uint64_t)*pos;
    long moved;

    if (!explicit) {
        n = file_claim(in, size, count, &off);
    } else if (off < size) {
        n = size - off < count ? (size_t)(size - off) : count;
    }
    if (n == 0) {
        return 0;
    }
    moved = write_from(out, data + off, n, true);
    if (!explicit) {
        file_unclaim(in, off, n, moved > 0 ? (size_t)moved : 0);
    }
    *pos = (int64_t)off + (moved > 0 ? moved : 0);
    return moved;
}

/* sendfile's descriptor checks after the offset's, in Linux's order:
 * in (-EBADF, -ESPIPE for an offset on a pipe or terminal), count and
 * offset (-EINVAL), out (-EBADF), what can be moved (-EINVAL). */
static long sendfile_check(struct file *in, struct file *out, bool explicit,
                           int64_t pos, size_t count)
{
    if (in == NULL || !file_readable(in)) {
        return -EBADF;
    }
    if (explicit && (in->kind == FILE_PIPE || file_is_tty(in))) {
        return -ESPIPE; /* no pread on it */
    }
    if ((long)count < 0 || pos < 0 || (int64_t)count > INT64_MAX - pos) {
        return -EINVAL;
    }
    if (out == NULL || !file_writable(out)) {
        return -EBADF;
    }
    if (in->kind != FILE_REG ||
        (out->kind != FILE_PIPE && (file_flags(out) & O_APPEND))) {
        return -EINVAL; /* Linux: no splice_read, or an appending target */
    }
    return 0;
}

/*
 * sendfile(out_fd, in_fd, offset, count): in_fd a regular file, out_fd
 * anything writable; offset NULL uses and advances in_fd's offset, else
 * *offset is used and written back.  count is capped at SYSCALL_IO_MAX
 * (Linux caps at MAX_RW_COUNT).  A bad offset pointer is -EFAULT first.
 */
long do_sendfile(const long arg[6])
{
    void *uoff = (void *)arg[2];
    size_t count = (size_t)arg[3];
    struct file *in, *out;
    int64_t pos = 0;
    long ret;

    if (uoff != NULL && (copy_from_caller(&pos, uoff, sizeof(pos)) != 0 ||
                         check_caller_writable(uoff, sizeof(pos)) != 0)) {
        return -EFAULT;
    }
    in = fd_get((int)arg[1]);
    out = fd_get((int)arg[0]);
    ret = sendfile_check(in, out, uoff != NULL, pos, count);
    if (ret == 0) {
        ret = sendfile_move(
            in, out, &pos, uoff != NULL,
            count < (size_t)SYSCALL_IO_MAX ? count : (size_t)SYSCALL_IO_MAX);
    }
    if (ret >= 0 && uoff != NULL) {
        (void)copy_to_caller(uoff, &pos, sizeof(pos)); /* checked */
    }
    file_put(in);
    file_put(out);
    return ret;
}

/* ---- readv, writev ---------------------------------------------------------- */

/*
 * The caller's iovec array (cnt <= KIOV_MAX entries) into iov, checked as
 * Linux's import_iovec does: -EFAULT (the array), -EINVAL (a length
 * negative as ssize_t, any segment), then each segment's range (-EFAULT,
 * as io_range) with the total capped at SYSCALL_IO_MAX: the lengths past
 * the cap are cut, not refused.
 */
static long import_iov(const void *uiov, size_t cnt, bool write,
                       struct kiovec *iov)
{
    size_t total = 0;

    if (copy_from_caller(iov, uiov, cnt * sizeof(*iov)) != 0) {
        return -EFAULT;
    }
    for (size_t i = 0; i < cnt; i++) {
        if ((long)iov[i].iov_len < 0) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        size_t room = (size_t)SYSCALL_IO_MAX - total;
        size_t len = iov[i].iov_len < room ? iov[i].iov_len : room;
        size_t checked = caller_is_user() ? iov[i].iov_len : len;

        if (checked > 0 &&
            check_caller_range(iov[i].iov_base, checked, !write)) {
            return -EFAULT;
        }
        iov[i].iov_len = len;
        total += len;
    }
    return 0;
}

/* Move every segment in order, stopping at the first short one; a later
 * device read never blocks once bytes have arrived. */
static long transfer_iov(struct file *f, const struct kiovec *iov, size_t cnt,
                         bool write)
{
    size_t done = 0;

    for (size_t i = 0; i < cnt; i++) {
        long n;

        if (iov[i].iov_len == 0) {
            continue;
        }
        n = write ? write_file(f, iov[i].iov_base, iov[i].iov_len)
                  : read_file(f, iov[i].iov_base, iov[i].iov_len, done == 0);
        if (n < 0) {
            return done > 0 ? (long)done : n;
        }
        done += (size_t)n;
        if ((size_t)n < iov[i].iov_len) {
            break;
        }
    }
    return (long)done;
}

/* readv / writev(fd, iov, cnt): Linux's order: -EBADF (no such fd), the
 * iovec checks, then the access mode (-EBADF). */
static long do_rw_vector(const long arg[6], bool write)
{
    size_t cnt = (size_t)arg[2];
    struct kiovec small[8], *iov = small;
    struct file *f = fd_get((int)arg[0]);
    long ret;

    if (f == NULL) {
        return -EBADF;
    }
    if (cnt > KIOV_MAX) {
        ret = -EINVAL;
    } else if (cnt == 0) {
        ret = (write ? file_writable(f) : file_readable(f)) ? 0 : -EBADF;
    } else if (cnt > 8 && (iov = kmalloc(cnt * sizeof(*iov))) == NULL) {
        ret = -ENOMEM;
    } else if ((ret = import_iov((const void *)arg[1], cnt, write, iov)) == 0) {
        ret = !(write ? file_writable(f) : file_readable(f))
                  ? -EBADF
                  : transfer_iov(f, iov, cnt, write);
    }
    if (iov != small) {
        kfree(iov);
    }
    file_put(f);
    return ret;
}

long do_readv(const long arg[6])
{
    return do_rw_vector(arg, false);
}

long do_writev(const long arg[6])
{
    return do_rw_vector(arg, true);
}

/* ---- Paths: openat, open, newfstatat, stat ---------------------------------- */

/* The caller's path at upath into a new FS_PATH_MAX buffer (kfree it):
 * NULL with *err -ENOMEM, -EFAULT or -ENAMETOOLONG. */
char *path_from_caller(const void *upath, long *err)
{
    char *path = kmalloc(FS_PATH_MAX);
    long n;

    if (path == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    n = string_from_caller(path, upath, FS_PATH_MAX);
    if (n < 0) {
        kfree(path);
        *err = n;
        return NULL;
    }
    return path;
}

/*
 * Where a path from dirfd starts: the root for an absolute path, the
 * caller's working directory for AT_FDCWD (cwd.h), else the directory
 * dirfd is open on: 0, -EBADF, -ENOTDIR.
 */
long path_start(int dirfd, const char *path, struct vnode *start)
{
    struct file *f;
    long err = 0;

    *start = path[0] == '/' ? vfs_root() : cwd_get();
    if (path[0] == '/' || dirfd == KAT_FDCWD) {
        return 0;
    }
    f = fd_get(dirfd);
    if (f == NULL) {
        return -EBADF;
    }
    if (f->kind != FILE_DIR) {
        err = -ENOTDIR;
    } else {
        *start = f->node;
    }
    file_put(f);
    return err;
}

/* open's flag checks before any lookup: 0 or -EINVAL. */
static long open_flags_ok(int flags)
{
    if ((flags & ~FILE_O_KNOWN) != 0 || (flags & O_ACCMODE) == O_ACCMODE) {
        return -EINVAL; /* unknown bits; access mode 3 (Linux: ioctl only) */
    }
    if (flags & O_PATH) {
        return -EINVAL; /* not supported */
    }
    if ((flags & FILE_O_TMPFILE) == FILE_O_TMPFILE &&
        (flags & O_ACCMODE) == O_RDONLY) {
        return -EINVAL; /* O_TMPFILE needs write access, as Linux */
    }
    return 0;
}

unsigned caller_umask(void)
{
    struct process *p = proc_current();

    return p != NULL && p->vm != NULL ? p->vm->umask : 022;
}

/* O_CREAT of a missing file whose directory exists: made in the tmpfs,
 * else -EROFS (vfs_create); one made meanwhile is opened, unless O_EXCL. */
static long open_create(const struct vnode *start, const char *path, int flags,
                        unsigned mode, struct vnode *v)
{
    int err = vfs_create(start, path, FS_IFREG | (mode & ~caller_umask()), v);

    if (err == -EEXIST && !(flags & O_EXCL)) {
        err = vfs_lookup(start, path, 0, v);
    }
    return err;
}

/*
 * Resolve path for open: the node to open, or the error Linux gives (a
 * file O_CREAT makes in /tmp, -EROFS for one elsewhere, -EEXIST for
 * O_EXCL, -EISDIR, -ENOTDIR for O_DIRECTORY, the lookup's errors).
 */
static long open_lookup(const struct vnode *start, const char *path, int flags,
                        unsigned mode, struct vnode *v)
{
    bool creat = (flags & O_CREAT) != 0, excl = creat && (flags & O_EXCL);
    bool tmpfile = (flags & FILE_O_TMPFILE) == FILE_O_TMPFILE;
    int err = vfs_lookup(start, path,
                         (flags & O_NOFOLLOW) || excl ? VFS_NOFOLLOW : 0, v);

    if (err == -ENOENT && creat && vfs_lookup_parent(start, path) == 0) {
        return open_create(start, path, flags, mode, v);
    }
    if (err != 0) {
        return err;
    }
    if (tmpfile) {
        return !vfs_is_dir(v)    ? -ENOTDIR
               : vfs_is_tmpfs(v) ? -EOPNOTSUPP /* not here (docs) */
                                 : -EROFS;
    }
    if (excl) {
        return -EEXIST;
    }
    if (creat && vfs_is_dir(v)) {
        return -EISDIR;
    }
    if ((flags & O_DIRECTORY) && !vfs_is_dir(v)) {
        return -ENOTDIR;
    }
    return 0;
}

/* O_TRUNC on a tmpfs file empties it (Linux: whatever the access mode). */
static long open_trunc(struct file *f, int flags)
{
    if (!(flags & O_TRUNC) || f->kind != FILE_TMP) {
        return 0;
    }
    return tmpfs_truncate(vfs_tmpfs(), f->node.ino, 0);
}

/* openat(dirfd, path, flags, mode): mode (less the umask) for a new file. */
static long open_at(int dirfd, const void *upath, int flags, unsigned mode)
{
    struct vnode start, v;
    struct file *f;
    char *path;
    long err = open_flags_ok(flags), fd;

    if (err != 0 || (path = path_from_caller(upath, &err)) == NULL) {
        return err;
    }
    err = path_start(dirfd, path, &start);
    if (err == 0) {
        err = open_lookup(&start, path, flags, mode & 07777, &v);
    }
    kfree(path);
    if (err == 0) {
        err = file_open(&v, flags, &f);
    }
    if (err != 0) {
        return err;
    }
    err = open_trunc(f, flags);
    fd = err != 0 ? err : fd_install(f, (flags & O_CLOEXEC) != 0);
    if (fd < 0) {
        file_put(f);
    }
    return fd;
}

long do_openat(const long arg[6])
{
    return open_at((int)arg[0], (const void *)arg[1], (int)arg[2],
                   (unsigned)arg[3]);
}

long do_open(const long arg[6])
{
    return open_at(KAT_FDCWD, (const void *)arg[0], (int)arg[1],
                   (unsigned)arg[2]);
}

/* creat(path, mode): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode), so
 * -EROFS outside /tmp, new or not, and -EISDIR for a directory. */
long do_creat(const long arg[6])
{
    return open_at(KAT_FDCWD, (const void *)arg[0],
                   O_CREAT | O_WRONLY | O_TRUNC, (unsigned)arg[1]);
}

static long put_stat(void *ubuf, const struct vnode *v)
{
    struct kstat st;

    vfs_stat(v, &st);
    return copy_to_caller(ubuf, &st, sizeof(st));
}

static long fstat_fd(int fd, void *ubuf)
{
    struct file *f = fd_get(fd);
    long err;

    if (f == NULL) {
        return -EBADF;
    }
    err = put_stat(ubuf, &f->node);
    file_put(f);
    return err;
}

/* newfstatat(dirfd, path, buf, flags). */
static long stat_at(int dirfd, const void *upath, void *ubuf, int flags)
{
    struct vnode start, v;
    char *path;
    long err = 0;

    if (flags & ~(KAT_SYMLINK_NOFOLLOW | KAT_NO_AUTOMOUNT | KAT_EMPTY_PATH)) {
        return -EINVAL;
    }
    if ((path = path_from_caller(upath, &err)) == NULL) {
        return err;
    }
    if (path[0] == '\0' && (flags & KAT_EMPTY_PATH)) {
        kfree(path);
        if (dirfd == KAT_FDCWD) {
            v = cwd_get();
            return put_stat(ubuf, &v);
        }
        return fstat_fd(dirfd, ubuf);
    }
    err = path_start(dirfd, path, &start);
    if (err == 0) {
        err = vfs_lookup(&start, path,
                         flags & KAT_SYMLINK_NOFOLLOW ? VFS_NOFOLLOW : 0, &v);
    }
    kfree(path);
    return err != 0 ? err : put_stat(ubuf, &v);
}

long do_newfstatat(const long arg[6])
{
    return stat_at((int)arg[0], (const void *)arg[1], (void *)arg[2],
                   (int)arg[3]);
}

long do_stat(const long arg[6])
{
    return stat_at(KAT_FDCWD, (const void *)arg[0], (void *)arg[1], 0);
}

long do_fstat(const long arg[6])
{
    return fstat_fd((int)arg[0], (void *)arg[1]);
}

/* ---- close, lseek, ioctl, getdents64 ---------------------------------------- */

long do_close(const long arg[6])
{
    return fd_close((int)arg[0]);
}

long do_lseek(const long arg[6])
{
    struct file *f = fd_get((int)arg[0]);
    long ret;

    if (f == NULL) {
        return -EBADF;
    }
    ret = file_lseek(f, (int64_t)arg[1], (unsigned)arg[2]);
    file_put(f);
    return ret;
}

/* What the console is: no line discipline in the kernel (no echo, no
 * editing: the shell does both), 8 bits, output newlines as CR LF. */
static const struct ktermios console_termios = {
    .c_iflag = 0,
    .c_oflag = 01 | 04,          /* OPOST | ONLCR */
    .c_cflag = 017 | 060 | 0200, /* B38400 | CS8 | CREAD */
    .c_lflag = 0,
    .c_cc = {[0] = 3,
             [1] = 034,
             [2] = 0177,
             [3] = 025,
             [4] = 4,
             [5] = 0,
             [6] = 1}, /* VINTR ^C ... VEOF ^D, VTIME 0, VMIN 1 */
};

static long tty_ioctl(unsigned cmd, void *uarg)
{
    static const struct kwinsize ws = {CONSOLE_ROWS, CONSOLE_COLS, 0, 0};

    switch (cmd) {
    case KTCGETS:
        return copy_to_caller(uarg, &console_termios, sizeof(console_termios));
    case KTIOCGWINSZ:
        return copy_to_caller(uarg, &ws, sizeof(ws));
    default:
        return -ENOTTY;
    }
}

/* ioctl(fd, cmd, arg): the generic requests every file answers, then the
 * console's; anything else -ENOTTY. */
long do_ioctl(const long arg[6])
{
    int fd = (int)arg[0];
    unsigned cmd = (unsigned)arg[1];
    struct file *f = fd_get(fd);
    long ret = -ENOTTY;
    int on;

    if (f == NULL) {
        return -EBADF;
    }
    if (cmd == KFIOCLEX || cmd == KFIONCLEX) {
        ret = fd_cloexec(fd, cmd == KFIOCLEX) < 0 ? -EBADF : 0;
    } else if (cmd == KFIONBIO) {
        ret = copy_from_caller(&on, (const void *)arg[2], sizeof(on));
        if (ret == 0) {
            file_set_flags(f, on ? file_flags(f) | O_NONBLOCK
                                 : file_flags(f) & ~O_NONBLOCK);
        }
    } else if (file_is_tty(f)) {
        ret = tty_ioctl(cmd, (void *)arg[2]);
    }
    file_put(f);
    return ret;
}

/* Entry e (cursor next) as a linux_dirent64 in rec: its record length. */
static size_t dirent_fill(const struct vfs_dirent *e, uint64_t next,
                          uint8_t *rec)
{
    size_t reclen = (KDIRENT64_NAME + e->namelen + 1 + 7) & ~(size_t)7;
    struct kdirent64 *d = (struct kdirent64 *)rec;

    memset(rec, 0, reclen);
    d->d_ino = e->ino;
    d->d_off = (int64_t)next;
    d->d_reclen = (uint16_t)reclen;
    d->d_type = (uint8_t)e->type;
    memcpy(rec + KDIRENT64_NAME, e->name, e->namelen);
    return reclen;
}

/* The entries from f's cursor that fit in count bytes at ubuf. */
static long fill_dir(struct file *f, void *ubuf, size_t count)
{
    uint8_t rec[(KDIRENT64_NAME + FS_NAME_MAX + 1 + 7) & ~7];
    uint64_t idx = file_offset(f);
    struct vfs_dirent e;
    size_t done = 0;
    long err = 0;
    int got;

    while ((got = vfs_readdir(&f->node, idx, &e)) == 1) {
        size_t reclen = dirent_fill(&e, e.next, rec);

        if (reclen > count - done) {
            err = done == 0 ? -EINVAL : 0; /* not even one fits */
            break;
        }
        if (copy_to_caller((uint8_t *)ubuf + done, rec, reclen) != 0) {
            err = -EFAULT;
            break;
        }
        done += reclen;
        idx = e.next;
    }
    if (got < 0) {
        err = got;
    }
    file_set_offset(f, idx);
    return done > 0 ? (long)done : err;
}

/* getdents64(fd, dirp, count): -EBADF, -EFAULT (the range), -ENOTDIR,
 * -EINVAL (count too small for the next entry); 0 at the end. */
long do_getdents64(const long arg[6])
{
    struct file *f = fd_get((int)arg[0]);
    void *ubuf = (void *)arg[1];
    size_t count = (unsigned)arg[2];
    long ret;

    if (f == NULL) {
        return -EBADF;
    }
    if (count > 0 && check_caller_range(ubuf, count, true) != 0) {
        ret = -EFAULT;
    } else if (f->kind != FILE_DIR) {
        ret = -ENOTDIR;
    } else {
        ret = fill_dir(f, ubuf, count);
    }
    file_put(f);
    return ret;
}
