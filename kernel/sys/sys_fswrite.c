/*
 * The calls that write the file system (docs/linux-abi.md, "Writing
 * files"): mkdir, mknod, symlink, link, unlink, rmdir, rename, chmod,
 * chown, utimensat, truncate and their *at forms.  /tmp (the tmpfs) takes
 * mkdir, unlink, rmdir, rename within it, chmod, truncate and utimensat
 * (times are not kept); everywhere else the namespace is read-only, /dev
 * too (both are immutable after boot: vfs.h), so each call answers what
 * Linux answers on a read-only mount, in Linux's order: the arguments and
 * the path first (-EFAULT, -ENAMETOOLONG, -ENOENT, -ENOTDIR, -EBADF,
 * -EEXIST ...), then -EROFS.  In /tmp, mknod, symlink and link get -EPERM
 * and chown -EROFS (docs/linux-abi.md).
 *
 * Linux splits a path into a parent directory and a last component
 * (path_parentat): calls that create check the last component too (it
 * must not exist), calls that remove or rename fail with -EROFS before
 * looking at it.  Locking: none (vnodes are plain values).
 */
#include "handlers.h"

#include "cwd.h"
#include "fd.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "sys_file.h"
#include "syscall.h"
#include "uaccess.h"

/* Flags and modes, Linux's values. */
#define KAT_REMOVEDIR      0x200
#define KAT_SYMLINK_FOLLOW 0x400
#define KRENAME_NOREPLACE  1
#define KRENAME_EXCHANGE   2
#define KRENAME_WHITEOUT   4
#define KUTIME_NOW         ((1L << 30) - 1)
#define KUTIME_OMIT        ((1L << 30) - 2)
#define KS_IFMT            0170000
#define KS_IFDIR           0040000

/* What the last component of a path is (Linux's LAST_*). */
enum last_kind {
    LAST_NORM,   /* a name */
    LAST_DOT,    /* "." */
    LAST_DOTDOT, /* ".." */
    LAST_ROOT,   /* none: the path is "/" (or slashes) */
};

/* A path split as Linux's path_parentat splits it. */
struct parent {
    char *path;       /* the caller's path (kfree it), cut after the parent */
    struct vnode dir; /* the directory the last component is in */
    const char *last; /* the last component, NUL-terminated, in path */
    bool slash;       /* slashes followed the last component */
    enum last_kind kind;
};

/* Cut p->path into its parent directory, resolved into p->dir (which
 * holds the path's start), and its last component: 0 or the lookup's
 * error (-ENOTDIR when the parent is not a directory). */
static long split_last(struct parent *p)
{
    char *s = p->path;
    size_t end = strlen(s), start;
    long err;

    while (end > 0 && s[end - 1] == '/') {
        end--;
    }
    p->slash = s[end] == '/';
    s[end] = '\0';
    start = end;
    while (start > 0 && s[start - 1] != '/') {
        start--;
    }
    p->last = s + start;
    p->kind = end == 0                     ? LAST_ROOT
              : strcmp(p->last, ".") == 0  ? LAST_DOT
              : strcmp(p->last, "..") == 0 ? LAST_DOTDOT
                                           : LAST_NORM;
    if (start > 1) {
        s[start - 1] = '\0'; /* the parent, without its last slash */
        struct vnode from = p->dir;

        err = vfs_lookup(&from, s, 0, &p->dir);
        if (err != 0) {
            return err;
        }
    }
    return vfs_is_dir(&p->dir) ? 0 : -ENOTDIR;
}

/* The caller's path at upath from dirfd, split (kfree p->path after a
 * 0): -EFAULT, -ENAMETOOLONG, -ENOENT (empty), -EBADF, -ENOTDIR, ... */
static long parent_at(int dirfd, const void *upath, struct parent *p)
{
    long err = 0;

    p->path = path_from_caller(upath, &err);
    if (p->path == NULL) {
        return err;
    }
    err = p->path[0] == '\0' ? -ENOENT : path_start(dirfd, p->path, &p->dir);
    if (err == 0) {
        err = split_last(p);
    }
    if (err != 0) {
        kfree(p->path);
    }
    return err;
}

/* True when a and b are directories of different file systems (Linux's
 * -EXDEV for a rename between mounts): the initramfs, /dev and /tmp. */
static bool other_fs(const struct vnode *a, const struct vnode *b)
{
    return (a->kind == VNODE_DEVDIR) != (b->kind == VNODE_DEVDIR) ||
           vfs_is_tmpfs(a) != vfs_is_tmpfs(b);
}

/* True for "/tmp" itself as a parent and last component: a mount point
 * (Linux: -EBUSY to remove or rename it). */
static bool is_mount_point(const struct parent *p)
{
    struct vnode root = vfs_root();

    return p->dir.kind == root.kind && p->dir.rn == root.rn &&
           strcmp(p->last, "tmp") == 0;
}

/*
 * Linux's filename_create on a read-only file system: -EEXIST for ".",
 * ".." or "/" and for a name that exists (a dangling link too), -ENOENT
 * for a missing name with a trailing slash that is not a directory to
 * be, the lookup's errors (-ENAMETOOLONG), then -EROFS.  In the tmpfs, a
 * directory (want_dir, mode less the umask) is made; anything else -EPERM.
 */
static long create_at(int dirfd, const void *upath, bool want_dir,
                      unsigned mode)
{
    struct parent p;
    struct vnode v;
    uint64_t ino;
    long err = parent_at(dirfd, upath, &p);

    if (err != 0) {
        return err;
    }
    if (p.kind != LAST_NORM) {
        err = -EEXIST;
    } else if ((err = vfs_lookup(&p.dir, p.last, VFS_NOFOLLOW, &v)) == 0) {
        err = -EEXIST;
    } else if (err == -ENOENT && p.slash && !want_dir) {
        err = -ENOENT;
    } else if (err == -ENOENT && !vfs_is_tmpfs(&p.dir)) {
        err = -EROFS;
    } else if (err == -ENOENT && !want_dir) {
        err = -EPERM; /* no devices, links or FIFOs in /tmp */
    } else if (err == -ENOENT) {
        err = tmpfs_create(vfs_tmpfs(), p.dir.ino, p.last, strlen(p.last),
                           FS_IFDIR | (mode & 07777 & ~caller_umask()), &ino);
    }
    kfree(p.path);
    return err;
}

/* unlink or rmdir of name in tmpfs directory p; a trailing slash makes
 * unlink of a file -ENOTDIR, as Linux. */
static long remove_tmp(const struct parent *p, bool dir)
{
    struct vnode v;

    if (p->slash && !dir &&
        vfs_lookup(&p->dir, p->last, VFS_NOFOLLOW, &v) == 0) {
        return vfs_is_dir(&v) ? -EISDIR : -ENOTDIR;
    }
    return tmpfs_unlink(vfs_tmpfs(), p->dir.ino, p->last, strlen(p->last), dir);
}

/* unlink and rmdir: the parent's errors, then the last component's kind
 * (Linux's do_unlinkat, do_rmdir), then -EROFS before any lookup of it. */
static long remove_at(int dirfd, const void *upath, bool dir)
{
    static const long rmdir_err[] = {
        [LAST_DOT] = -EINVAL, [LAST_DOTDOT] = -ENOTEMPTY, [LAST_ROOT] = -EBUSY};
    struct parent p;
    long err = parent_at(dirfd, upath, &p);

    if (err != 0) {
        return err;
    }
    if (p.kind != LAST_NORM) {
        err = dir ? rmdir_err[p.kind] : -EISDIR;
    } else if (vfs_is_tmpfs(&p.dir)) {
        err = remove_tmp(&p, dir);
    } else {
        err = is_mount_point(&p) && dir ? -EBUSY : -EROFS;
    }
    kfree(p.path);
    return err;
}

/*
 * What an existing node at upath from dirfd is, for the calls that change
 * one: nofollow keeps a final link; empty_ok lets "" name dirfd itself
 * (AT_EMPTY_PATH; AT_FDCWD: the working directory).  0 with *v, or
 * -EFAULT, -ENOENT, -ENOTDIR, -EBADF, -ELOOP, -ENAMETOOLONG.
 */
static long node_at(int dirfd, const void *upath, bool nofollow, bool empty_ok,
                    struct vnode *v)
{
    struct vnode start;
    struct file *f;
    long err = 0;
    char *path = path_from_caller(upath, &err);

    if (path == NULL) {
        return err;
    }
    if (path[0] == '\0' && empty_ok && dirfd == KAT_FDCWD) {
        *v = cwd_get();
    } else if (path[0] == '\0' && empty_ok) {
        f = fd_get(dirfd);
        err = f == NULL ? -EBADF : 0;
        if (f != NULL) {
            *v = f->node;
            file_put(f);
        }
    } else if ((err = path_start(dirfd, path, &start)) == 0) {
        err = vfs_lookup(&start, path, nofollow ? VFS_NOFOLLOW : 0, v);
    }
    kfree(path);
    return err;
}

/* What a change does to node v (ch: CH_MODE with mode, CH_OWNER,
 * CH_TIMES): a tmpfs node takes a mode and times (not kept); else -EROFS. */
enum change { CH_MODE, CH_OWNER, CH_TIMES };

static long change_node(const struct vnode *v, enum change ch, unsigned mode)
{
    if (!vfs_is_tmpfs(v) || ch == CH_OWNER) {
        return -EROFS;
    }
    return ch == CH_MODE ? tmpfs_chmod(vfs_tmpfs(), v->ino, mode) : 0;
}

/* A change to the node at upath (chmod, chown, utimensat): its lookup's
 * error, else change_node's.  flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH;
 * others -EINVAL. */
static long change_at(int dirfd, const void *upath, int flags, enum change ch,
                      unsigned mode)
{
    struct vnode v;
    long err;

    if (flags & ~(KAT_SYMLINK_NOFOLLOW | KAT_EMPTY_PATH)) {
        return -EINVAL;
    }
    err = node_at(dirfd, upath, flags & KAT_SYMLINK_NOFOLLOW,
                  flags & KAT_EMPTY_PATH, &v);
    return err != 0 ? err : change_node(&v, ch, mode);
}

/* A change to what descriptor fd is open on (fchmod, fchown): -EBADF or
 * change_node's.  A pipe's -EROFS: Linux's pipefs would take it, but a
 * Kairos pipe has no mode or owner to change (docs/linux-abi.md). */
static long change_fd(int fd, enum change ch, unsigned mode)
{
    struct file *f = fd_get(fd);
    long err;

    if (f == NULL) {
        return -EBADF;
    }
    err = change_node(&f->node, ch, mode);
    file_put(f);
    return err;
}

/* ---- Creating: mkdir, mknod, symlink, link ---------------------------------- */

long sys_mkdir(const long arg[6])
{
    return create_at(KAT_FDCWD, (const void *)arg[0], true, (unsigned)arg[1]);
}

long sys_mkdirat(const long arg[6])
{
    return create_at((int)arg[0], (const void *)arg[1], true, (unsigned)arg[2]);
}

/* mknodat(dirfd, path, mode, dev): the file type first, as Linux's
 * may_mknod: a directory -EPERM, an unknown type -EINVAL. */
static long mknod_at(int dirfd, const void *upath, unsigned mode)
{
    unsigned type = mode & KS_IFMT;

    if (type == KS_IFDIR) {
        return -EPERM;
    }
    if (type != 0 && type != FS_IFREG && type != FS_IFCHR && type != 0060000 &&
        type != 0010000 && type != 0140000) {
        return -EINVAL; /* not a file, a device, a FIFO or a socket */
    }
    return create_at(dirfd, upath, false, 0);
}

long sys_mknod(const long arg[6])
{
    return mknod_at(KAT_FDCWD, (const void *)arg[0], (unsigned)arg[1]);
}

long sys_mknodat(const long arg[6])
{
    return mknod_at((int)arg[0], (const void *)arg[1], (unsigned)arg[2]);
}

/* symlinkat(target, dirfd, path): the target is read first (-EFAULT,
 * -ENAMETOOLONG, -ENOENT for ""), then path as for mkdir. */
static long symlink_at(const void *utarget, int dirfd, const void *upath)
{
    long err = 0;
    char *target = path_from_caller(utarget, &err);

    if (target == NULL) {
        return err;
    }
    err = target[0] == '\0' ? -ENOENT : 0;
    kfree(target);
    return err != 0 ? err : create_at(dirfd, upath, false, 0);
}

long sys_symlink(const long arg[6])
{
    return symlink_at((const void *)arg[0], KAT_FDCWD, (const void *)arg[1]);
}

long sys_symlinkat(const long arg[6])
{
    return symlink_at((const void *)arg[0], (int)arg[1], (const void *)arg[2]);
}

/* linkat(olddirfd, old, newdirfd, new, flags): flags AT_SYMLINK_FOLLOW,
 * AT_EMPTY_PATH (-EINVAL others); old must exist, then new as mkdir's. */
static long link_at(int olddirfd, const void *uold, int newdirfd,
                    const void *unew, int flags)
{
    struct vnode v;
    long err;

    if (flags & ~(KAT_SYMLINK_FOLLOW | KAT_EMPTY_PATH)) {
        return -EINVAL;
    }
    err = node_at(olddirfd, uold, !(flags & KAT_SYMLINK_FOLLOW),
                  flags & KAT_EMPTY_PATH, &v);
    return err != 0 ? err : create_at(newdirfd, unew, false, 0);
}

long sys_link(const long arg[6])
{
    return link_at(KAT_FDCWD, (const void *)arg[0], KAT_FDCWD,
                   (const void *)arg[1], 0);
}

long sys_linkat(const long arg[6])
{
    return link_at((int)arg[0], (const void *)arg[1], (int)arg[2],
                   (const void *)arg[3], (int)arg[4]);
}

/* ---- Removing and renaming -------------------------------------------------- */

long sys_unlink(const long arg[6])
{
    return remove_at(KAT_FDCWD, (const void *)arg[0], false);
}

long sys_rmdir(const long arg[6])
{
    return remove_at(KAT_FDCWD, (const void *)arg[0], true);
}

/* unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir. */
long sys_unlinkat(const long arg[6])
{
    int flags = (int)arg[2];

    if (flags & ~KAT_REMOVEDIR) {
        return -EINVAL;
    }
    return remove_at((int)arg[0], (const void *)arg[1],
                     (flags & KAT_REMOVEDIR) != 0);
}

/* rename within the tmpfs: a trailing slash asks for a directory. */
static long rename_tmp(const struct parent *from, const struct parent *to,
                       unsigned flags)
{
    struct vnode v;

    if (flags & (KRENAME_EXCHANGE | KRENAME_WHITEOUT)) {
        return -EINVAL; /* not here (docs/linux-abi.md) */
    }
    if ((from->slash || to->slash) &&
        vfs_lookup(&from->dir, from->last, VFS_NOFOLLOW, &v) == 0 &&
        !vfs_is_dir(&v)) {
        return -ENOTDIR;
    }
    return tmpfs_rename(vfs_tmpfs(), from->dir.ino, from->last,
                        strlen(from->last), to->dir.ino, to->last,
                        strlen(to->last),
                        flags & KRENAME_NOREPLACE ? TMPFS_NOREPLACE : 0);
}

/*
 * renameat2(olddirfd, old, newdirfd, new, flags), in Linux's order: the
 * flags (-EINVAL), both parents, -EXDEV between the initramfs, /dev and
 * /tmp, -EBUSY for a last component ".", ".." or "/" (-EEXIST for new's
 * with RENAME_NOREPLACE), then within /tmp the rename, else -EROFS.
 */
static long rename_at(int olddirfd, const void *uold, int newdirfd,
                      const void *unew, unsigned flags)
{
    struct parent from, to;
    long err;

    if ((flags & ~(KRENAME_NOREPLACE | KRENAME_EXCHANGE | KRENAME_WHITEOUT)) ||
        ((flags & KRENAME_EXCHANGE) &&
         (flags & (KRENAME_NOREPLACE | KRENAME_WHITEOUT)))) {
        return -EINVAL;
    }
    if ((err = parent_at(olddirfd, uold, &from)) != 0) {
        return err;
    }
    if ((err = parent_at(newdirfd, unew, &to)) == 0) {
        err = other_fs(&from.dir, &to.dir)                          ? -EXDEV
              : from.kind != LAST_NORM                              ? -EBUSY
              : to.kind != LAST_NORM && (flags & KRENAME_NOREPLACE) ? -EEXIST
              : to.kind != LAST_NORM                                ? -EBUSY
              : vfs_is_tmpfs(&from.dir) ? rename_tmp(&from, &to, flags)
              : is_mount_point(&from) || is_mount_point(&to) ? -EBUSY
                                                             : -EROFS;
        kfree(to.path);
    }
    kfree(from.path);
    return err;
}

long sys_rename(const long arg[6])
{
    return rename_at(KAT_FDCWD, (const void *)arg[0], KAT_FDCWD,
                     (const void *)arg[1], 0);
}

long sys_renameat(const long arg[6])
{
    return rename_at((int)arg[0], (const void *)arg[1], (int)arg[2],
                     (const void *)arg[3], 0);
}

long sys_renameat2(const long arg[6])
{
    return rename_at((int)arg[0], (const void *)arg[1], (int)arg[2],
                     (const void *)arg[3], (unsigned)arg[4]);
}

/* ---- Changing: chmod, chown, utimensat, truncate ---------------------------- */

long sys_chmod(const long arg[6])
{
    return change_at(KAT_FDCWD, (const void *)arg[0], 0, CH_MODE,
                     (unsigned)arg[1]);
}

long sys_fchmod(const long arg[6])
{
    return change_fd((int)arg[0], CH_MODE, (unsigned)arg[1]);
}

/* fchmodat(dirfd, path, mode): Linux's 268 has no flags argument. */
long sys_fchmodat(const long arg[6])
{
    return change_at((int)arg[0], (const void *)arg[1], 0, CH_MODE,
                     (unsigned)arg[2]);
}

long sys_fchmodat2(const long arg[6])
{
    return change_at((int)arg[0], (const void *)arg[1], (int)arg[3], CH_MODE,
                     (unsigned)arg[2]);
}

long sys_chown(const long arg[6])
{
    return change_at(KAT_FDCWD, (const void *)arg[0], 0, CH_OWNER, 0);
}

long sys_lchown(const long arg[6])
{
    return change_at(KAT_FDCWD, (const void *)arg[0], KAT_SYMLINK_NOFOLLOW,
                     CH_OWNER, 0);
}

long sys_fchown(const long arg[6])
{
    return change_fd((int)arg[0], CH_OWNER, 0);
}

long sys_fchownat(const long arg[6])
{
    return change_at((int)arg[0], (const void *)arg[1], (int)arg[4], CH_OWNER,
                     0);
}

static bool nsec_ok(int64_t ns)
{
    return (ns >= 0 && ns < 1000000000) || ns == KUTIME_NOW ||
           ns == KUTIME_OMIT;
}

/*
 * utimensat(dirfd, path, times, flags), in Linux's order: times (-EFAULT;
 * both UTIME_OMIT: 0 at once, nothing looked at); with a NULL path, the
 * descriptor dirfd (flags -EINVAL, -EBADF); then tv_nsec (-EINVAL), the
 * flags (-EINVAL), the path's lookup; then -EROFS.
 */
long sys_utimensat(const long arg[6])
{
    int dirfd = (int)arg[0], flags = (int)arg[3];
    const void *upath = (const void *)arg[1], *utimes = (const void *)arg[2];
    struct ktimespec t[2];

    if (utimes != NULL) {
        if (copy_from_caller(t, utimes, sizeof(t)) != 0) {
            return -EFAULT;
        }
        if (t[0].tv_nsec == KUTIME_OMIT && t[1].tv_nsec == KUTIME_OMIT) {
            return 0;
        }
    }
    if (upath == NULL && dirfd != KAT_FDCWD) {
        long err = flags != 0 ? -EINVAL : change_fd(dirfd, CH_TIMES, 0);

        if ((err == -EROFS || err == 0) && utimes != NULL &&
            (!nsec_ok(t[0].tv_nsec) || !nsec_ok(t[1].tv_nsec))) {
            err = -EINVAL;
        }
        return err;
    }
    if (utimes != NULL && (!nsec_ok(t[0].tv_nsec) || !nsec_ok(t[1].tv_nsec))) {
        return -EINVAL;
    }
    return change_at(dirfd, upath, flags, CH_TIMES, 0);
}

/* truncate(path, length): -EINVAL for a negative length, the lookup's
 * errors, -EISDIR, -EINVAL for anything not a regular file, then a tmpfs
 * file's new size (-EFBIG), else -EROFS. */
long sys_truncate(const long arg[6])
{
    struct vnode v;
    long err;

    if (arg[1] < 0) {
        return -EINVAL;
    }
    err = node_at(KAT_FDCWD, (const void *)arg[0], false, false, &v);
    if (err != 0) {
        return err;
    }
    return vfs_is_dir(&v)             ? -EISDIR
           : vfs_type(&v) != FS_IFREG ? -EINVAL
           : vfs_is_tmpfs(&v)
               ? tmpfs_truncate(vfs_tmpfs(), v.ino, (uint64_t)arg[1])
               : -EROFS;
}

/* ftruncate(fd, length): a negative length -EINVAL, then -EBADF; a tmpfs
 * file open for writing takes the size (-EFBIG), anything else -EINVAL, as
 * Linux's answer for a pipe, a device or a read-only descriptor. */
long sys_ftruncate(const long arg[6])
{
    struct file *f;
    long err = -EINVAL;

    if (arg[1] < 0) {
        return -EINVAL;
    }
    f = fd_get((int)arg[0]);
    if (f == NULL) {
        return -EBADF;
    }
    if (f->kind == FILE_TMP && file_writable(f)) {
        err = tmpfs_truncate(vfs_tmpfs(), f->node.ino, (uint64_t)arg[1]);
    }
    file_put(f);
    return err;
}
