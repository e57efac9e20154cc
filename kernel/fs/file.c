/*
 * Open-file objects (file.h).  The lock rules are at the top of file.h:
 * f->lock (a leaf) guards the offset and status flags, refs is atomic.
 */
#include "file.h"

#include "driver.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "pipe.h"
#include "tmpfs.h"

#define SEEK_SET_  0
#define SEEK_CUR_  1
#define SEEK_END_  2
#define SEEK_DATA_ 3
#define SEEK_HOLE_ 4

#define OFFSET_MAX INT64_MAX /* Linux's MAX_LFS_FILESIZE on 64-bit */

static size_t nopen, nopened; /* atomic: file_stats */

static void init_common(struct file *f, enum file_kind kind,
                        const struct vnode *v, int flags)
{
    spin_init(&f->lock, "file");
    f->offset = 0;
    f->flags = flags & (O_ACCMODE | FILE_O_SETFL);
    f->refs = 1;
    f->kind = kind;
    f->node = *v;
}

static struct file *file_alloc(enum file_kind kind, const struct vnode *v,
                               int flags)
{
    struct file *f = kcalloc(1, sizeof(*f));

    if (f != NULL) {
        init_common(f, kind, v, flags);
        __atomic_add_fetch(&nopen, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&nopened, 1, __ATOMIC_RELAXED);
    }
    return f;
}

bool file_readable(const struct file *f)
{
    return (f->flags & O_ACCMODE) != O_WRONLY;
}

bool file_writable(const struct file *f)
{
    return (f->flags & O_ACCMODE) != O_RDONLY;
}

/* The drivers a device node's file reads and writes, by access mode. */
static int open_dev(const struct devnode *dn, struct file *f)
{
    if (dn->in == NULL && dn->out == NULL) {
        return 0; /* /dev/null */
    }
    f->in = file_readable(f) ? driver_find(dn->in) : NULL;
    f->out = file_writable(f) ? driver_find(dn->out) : NULL;
    if ((file_readable(f) && f->in == NULL) ||
        (file_writable(f) && f->out == NULL)) {
        return -ENXIO; /* the node's driver is not registered */
    }
    return 0;
}

int file_open(const struct vnode *v, int flags, struct file **out)
{
    bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
    uint32_t type = vfs_type(v);
    bool tmp = v->kind == VNODE_TMPFS;
    enum file_kind kind = type == FS_IFDIR   ? FILE_DIR
                          : type == FS_IFREG ? (tmp ? FILE_TMP : FILE_REG)
                                             : FILE_CHR;
    struct file *f;
    int err;

    if (type == FS_IFLNK) {
        return -ELOOP; /* O_NOFOLLOW on a link */
    }
    if (kind == FILE_DIR && write) {
        return -EISDIR;
    }
    if (kind == FILE_REG && write) {
        return -EROFS; /* the initramfs is read-only */
    }
    if (tmp && (err = tmpfs_open(vfs_tmpfs(), v->ino)) != 0) {
        return err;
    }
    f = file_alloc(kind, v, flags);
    if (f == NULL) {
        if (tmp) {
            tmpfs_close(vfs_tmpfs(), v->ino);
        }
        return -ENOMEM;
    }
    err = kind == FILE_CHR ? open_dev(v->dn, f) : 0;
    if (err != 0) {
        file_put(f);
        return err;
    }
    *out = f;
    return 0;
}

void file_init_fixed(struct file *f, struct chardev *in, struct chardev *out,
                     const struct devnode *dn, int flags)
{
    struct vnode v = {dn != NULL ? VNODE_DEV : VNODE_NONE, NULL, dn, 0};

    init_common(f, FILE_CHR, &v, flags);
    f->in = in;
    f->out = out;
    f->fixed = true;
}

struct file *file_open_chardev(struct chardev *in, struct chardev *out,
                               int flags)
{
    struct vnode v = {VNODE_NONE, NULL, NULL, 0};
    struct file *f = file_alloc(FILE_CHR, &v, flags);

    if (f != NULL) {
        f->in = in;
        f->out = out;
    }
    return f;
}

struct file *file_open_pipe(struct pipe *p, int flags,
                            const struct file_ops *ops)
{
    struct vnode v = {VNODE_PIPE, NULL, NULL, 0};
    struct file *f;

    v.ino = p->ino;
    f = file_alloc(FILE_PIPE, &v, flags);
    if (f != NULL) {
        f->pipe = p;
        f->ops = ops;
    }
    return f;
}

struct file *file_get(struct file *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
    return f;
}

void file_put(struct file *f)
{
    if (f == NULL || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    if (f->fixed) {
        f->refs = 1; /* a fixed file's own reference was dropped: keep it */
        return;
    }
    if (f->ops != NULL && f->ops->release != NULL) {
        f->ops->release(f);
    }
    if (f->node.kind == VNODE_TMPFS) {
        tmpfs_close(vfs_tmpfs(), f->node.ino);
    }
    __atomic_sub_fetch(&nopen, 1, __ATOMIC_RELAXED);
    kfree(f);
}

bool file_is_tty(const struct file *f)
{
    return f->kind == FILE_CHR && f->node.kind == VNODE_DEV && f->node.dn->tty;
}

bool file_is_null(const struct file *f)
{
    return f->kind == FILE_CHR && f->node.kind == VNODE_DEV &&
           f->node.dn->in == NULL && f->node.dn->out == NULL;
}

size_t file_claim(struct file *f, uint64_t size, size_t len, uint64_t *off)
{
    size_t n = 0;

    spin_lock(&f->lock);
    *off = f->offset;
    if (f->offset < size) {
        n = size - f->offset < len ? (size_t)(size - f->offset) : len;
    }
    f->offset += n;
    spin_unlock(&f->lock);
    return n;
}

void file_unclaim(struct file *f, uint64_t off, size_t claimed, size_t used)
{
    spin_lock(&f->lock);
    if (f->offset == off + claimed) { /* nobody moved it since */
        f->offset = off + used;
    }
    spin_unlock(&f->lock);
}

/* base + off within 0 .. OFFSET_MAX: 0 with *res, or -EINVAL. */
static int offset_add(int64_t base, int64_t off, int64_t *res)
{
    if ((off > 0 && base > OFFSET_MAX - off) || base + off < 0) {
        return -EINVAL;
    }
    *res = base + off;
    return 0;
}

static long lseek_reg_locked(struct file *f, int64_t off, unsigned whence,
                             int64_t size)
{
    int64_t pos;
    int err;

    switch (whence) {
    case SEEK_SET_:
        err = offset_add(0, off, &pos);
        break;
    case SEEK_CUR_:
        err = offset_add((int64_t)f->offset, off, &pos);
        break;
    case SEEK_END_:
        err = offset_add(size, off, &pos);
        break;
    case SEEK_DATA_:
    case SEEK_HOLE_: /* no holes: data up to the end, one hole after it */
        if (off < 0 || off >= size) {
            return off < 0 ? -EINVAL : -ENXIO;
        }
        pos = whence == SEEK_DATA_ ? off : size;
        err = 0;
        break;
    default:
        return -EINVAL;
    }
    if (err == 0) {
        f->offset = (uint64_t)pos;
    }
    return err != 0 ? err : (long)pos;
}

static long lseek_dir_locked(struct file *f, int64_t off, unsigned whence)
{
    int64_t pos;

    if (whence != SEEK_SET_ && whence != SEEK_CUR_) {
        return -EINVAL;
    }
    if (offset_add(whence == SEEK_CUR_ ? (int64_t)f->offset : 0, off, &pos)) {
        return -EINVAL;
    }
    f->offset = (uint64_t)pos;
    return (long)pos;
}

long file_lseek(struct file *f, int64_t off, unsigned whence)
{
    size_t size = 0;
    long ret;

    if (f->kind == FILE_PIPE) {
        return -ESPIPE;
    }
    if (f->kind == FILE_CHR) {
        if (file_is_null(f)) {
            return whence <= SEEK_HOLE_ ? 0 : -EINVAL; /* Linux's null */
        }
        return -ESPIPE;
    }
    if (f->kind == FILE_REG) {
        (void)ramfs_data(f->node.rn, &size);
    }
    if (f->kind == FILE_TMP) {
        struct tmpfs_stat ts = {0};

        (void)tmpfs_stat(vfs_tmpfs(), f->node.ino, &ts); /* open: it lives */
        size = (size_t)ts.size;
    }
    spin_lock(&f->lock);
    ret = f->kind != FILE_DIR ? lseek_reg_locked(f, off, whence, (int64_t)size)
                              : lseek_dir_locked(f, off, whence);
    spin_unlock(&f->lock);
    return ret;
}

uint64_t file_offset(struct file *f)
{
    uint64_t off;

    spin_lock(&f->lock);
    off = f->offset;
    spin_unlock(&f->lock);
    return off;
}

void file_set_offset(struct file *f, uint64_t off)
{
    spin_lock(&f->lock);
    f->offset = off;
    spin_unlock(&f->lock);
}

int file_flags(struct file *f)
{
    int flags;

    spin_lock(&f->lock);
    flags = f->flags;
    spin_unlock(&f->lock);
    return flags;
}

void file_set_flags(struct file *f, int flags)
{
    spin_lock(&f->lock);
    f->flags = (f->flags & ~FILE_O_SETFL) | (flags & FILE_O_SETFL);
    spin_unlock(&f->lock);
}

struct file_stats file_stats(void)
{
    return (struct file_stats){__atomic_load_n(&nopen, __ATOMIC_RELAXED),
                               __atomic_load_n(&nopened, __ATOMIC_RELAXED)};
}
