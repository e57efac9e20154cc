/*
 * Path calls: the working directory (getcwd, chdir, fchdir), access and
 * faccessat, readlink and readlinkat (docs/syscalls.md, "Paths").  The
 * working directory itself is kernel/proc/cwd.c; relative paths of every
 * call go through it (sys_file.c's path_start).
 */
#include "handlers.h"

#include "cwd.h"
#include "fd.h"
#include "heap.h"
#include "kerrno.h"
#include "param.h"
#include "sys_file.h"
#include "uaccess.h"

/* access's modes, Linux's values. */
#define KF_OK 0
#define KX_OK 1
#define KW_OK 2
#define KR_OK 4

/* getcwd(buf, size): the path and its NUL; the length with the NUL. */
long sys_getcwd(const long arg[6])
{
    void *ubuf = (void *)arg[0];
    size_t size = (size_t)arg[1];
    struct vnode cwd = cwd_get();
    char *path = kmalloc(FS_PATH_MAX);
    long len;

    if (path == NULL) {
        return -ENOMEM;
    }
    len = vfs_path(&cwd, path, FS_PATH_MAX);
    if (len >= 0) {
        len++; /* the NUL is part of the answer, as Linux's */
        if ((size_t)len > size) {
            len = -ERANGE;
        } else if (copy_to_caller(ubuf, path, (size_t)len) != 0) {
            len = -EFAULT;
        }
    }
    kfree(path);
    return len;
}

/* Resolve the caller's path at upath from dirfd into *v: 0 or -errno. */
static long lookup_at(int dirfd, const void *upath, int flags, struct vnode *v)
{
    struct vnode start;
    long err = 0;
    char *path = path_from_caller(upath, &err);

    if (path == NULL) {
        return err;
    }
    err = path_start(dirfd, path, &start);
    if (err == 0) {
        err = vfs_lookup(&start, path, flags, v);
    }
    kfree(path);
    return err;
}

/* chdir(path): -ENOTDIR unless it names a directory (links followed). */
long sys_chdir(const long arg[6])
{
    struct vnode v;
    long err = lookup_at(KAT_FDCWD, (const void *)arg[0], 0, &v);

    return err != 0 ? err : cwd_set(&v);
}

/* fchdir(fd): the directory fd is open on. */
long sys_fchdir(const long arg[6])
{
    struct file *f = fd_get((int)arg[0]);
    long err;

    if (f == NULL) {
        return -EBADF;
    }
    err = f->kind == FILE_DIR ? cwd_set(&f->node) : -ENOTDIR;
    file_put(f);
    return err;
}

/*
 * What access(2) answers for v and mode, as Linux does for root on a
 * read-only file system: W_OK is -EROFS for the initramfs and /dev
 * itself (nothing there can change), not for device nodes nor in /tmp
 * (root writes whatever the mode, as on Linux's tmpfs); R_OK always
 * holds; X_OK holds for directories and for files with an x bit, else
 * -EACCES.  -EROFS comes first, as Linux's sb_permission.
 */
static long access_check(const struct vnode *v, int mode)
{
    struct kstat st;

    vfs_stat(v, &st);
    if ((mode & KW_OK) && !FS_ISCHR(st.st_mode) && !vfs_is_tmpfs(v)) {
        return -EROFS;
    }
    if ((mode & KX_OK) && !FS_ISDIR(st.st_mode) && (st.st_mode & 0111) == 0) {
        return -EACCES;
    }
    return 0;
}

static long access_at(int dirfd, const void *upath, int mode)
{
    struct vnode v;
    long err;

    if (mode & ~(KR_OK | KW_OK | KX_OK)) {
        return -EINVAL;
    }
    err = lookup_at(dirfd, upath, 0, &v);
    return err != 0 ? err : access_check(&v, mode);
}

long sys_access(const long arg[6])
{
    return access_at(KAT_FDCWD, (const void *)arg[0], (int)arg[1]);
}

/* faccessat(dirfd, path, mode): Linux's 269 has no flags argument. */
long sys_faccessat(const long arg[6])
{
    return access_at((int)arg[0], (const void *)arg[1], (int)arg[2]);
}

/*
 * readlinkat(dirfd, path, buf, bufsiz): the link's target, truncated to
 * bufsiz, no NUL.  bufsiz <= 0 (an int) is -EINVAL before anything else;
 * a final link is not followed; anything but a link is -EINVAL; the empty
 * path -ENOENT.  There is no /proc: "/proc/self/exe" is -ENOENT.
 */
static long readlink_at(int dirfd, const void *upath, void *ubuf, int bufsiz)
{
    struct vnode v;
    char *target;
    long n = bufsiz <= 0 ? -EINVAL : lookup_at(dirfd, upath, VFS_NOFOLLOW, &v);

    if (n != 0) {
        return n;
    }
    target = kmalloc(FS_PATH_MAX);
    if (target == NULL) {
        return -ENOMEM;
    }
    n = vfs_readlink(&v, target,
                     (size_t)bufsiz < FS_PATH_MAX ? (size_t)bufsiz
                                                  : FS_PATH_MAX);
    if (n > 0 && copy_to_caller(ubuf, target, (size_t)n) != 0) {
        n = -EFAULT;
    }
    kfree(target);
    return n;
}

long sys_readlink(const long arg[6])
{
    return readlink_at(KAT_FDCWD, (const void *)arg[0], (void *)arg[1],
                       (int)arg[2]);
}

long sys_readlinkat(const long arg[6])
{
    return readlink_at((int)arg[0], (const void *)arg[1], (void *)arg[2],
                       (int)arg[3]);
}
