/*
 * /tmp, the one writable place (docs/fs.md, "tmpfs"): files made, written,
 * read back, appended to, truncated and removed, directories made, listed,
 * renamed and removed, each call's errors, and an open file outliving its
 * name.  Each case works in a fresh directory /tmp/ut-PID and removes it,
 * so the cases pass on Linux too (tests/unit/usertests-linux.sh); the few
 * Kairos-only answers (-EXDEV to the read-only root, directory sizes) are
 * checked only there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ut.h"

#define UT_DT_DIR           4 /* d_type values (Linux's DT_*) */
#define UT_DT_REG           8
#define UT_RENAME_NOREPLACE 1

static char dir[64];

/* "dir/name" in a static buffer (one of two, so two may be in use). */
static const char *at(const char *name)
{
    static char buf[2][128];
    static int i;

    i ^= 1;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

static void mkdir_fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ut-%ld", SCN(SYS_getpid));
    ut_expect(SCN(SYS_mkdir, dir, 0755), 0, "mkdir(/tmp/ut-PID)");
}

static void rmdir_fresh(void)
{
    ut_expect(SCN(SYS_rmdir, dir), 0, "rmdir(/tmp/ut-PID)");
}

static long open_ok(const char *path, int flags, int mode)
{
    long fd = SCN(SYS_open, path, flags, mode);

    if (fd < 0) {
        ut_fail("open(%s, %#x) gave %ld", path, flags, fd);
    }
    return fd;
}

static void expect_bytes(long fd, const char *want, const char *what)
{
    char buf[64];
    long n = SC(SYS_read, fd, buf, sizeof(buf));

    ut_expect(n, (long)strlen(want), what);
    if (memcmp(buf, want, strlen(want)) != 0) {
        ut_fail("%s: read back the wrong bytes", what);
    }
}

static long size_of(const char *path)
{
    struct stat st;

    ut_expect(SCN(SYS_stat, path, &st), 0, "stat");
    return (long)st.st_size;
}

/* open's O_CREAT, O_EXCL, O_TRUNC and O_APPEND, read and write at the
 * offset, lseek, pread and pwrite, and creat. */
void t_tmpfs_files(void)
{
    char f[128];
    long fd, fd2;
    struct stat st;

    mkdir_fresh();
    strcpy(f, at("f"));
    ut_expect(SC(SYS_open, f, O_RDONLY), -ENOENT, "open(missing)");
    fd = open_ok(f, O_CREAT | O_RDWR | O_EXCL, 0640);
    ut_expect(SC(SYS_open, f, O_CREAT | O_EXCL | O_RDWR, 0640), -EEXIST,
              "open(O_EXCL, existing)");
    ut_expect(SC(SYS_write, fd, "hello", 5), 5, "write");
    ut_expect(SC(SYS_lseek, fd, 0, SEEK_CUR), 5, "lseek(SEEK_CUR)");
    ut_expect(SC(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek(SEEK_SET)");
    expect_bytes(fd, "hello", "read what was written");
    ut_expect(SC(SYS_read, fd, &st, 1), 0, "read at the end");
    ut_expect(SC(SYS_fstat, fd, &st), 0, "fstat");
    ut_expect((long)st.st_size, 5, "st_size");
    ut_expect((long)(st.st_mode & 07777), 0640 & ~022, "st_mode (umask 022)");
    ut_expect((long)S_ISREG(st.st_mode), 1, "S_ISREG");
    ut_expect((long)st.st_nlink, 1, "st_nlink");
    ut_expect(SC(SYS_pwrite64, fd, "J", 1, 0), 1, "pwrite(0)");
    ut_expect(SC(SYS_lseek, fd, 0, SEEK_CUR), 5, "pwrite leaves the offset");
    {
        char c[2] = {0};

        ut_expect(SC(SYS_pread64, fd, c, 2, 0), 2, "pread(0)");
        ut_expect(memcmp(c, "Je", 2), 0, "pread's bytes");
    }
    /* A write past the end leaves zeros in the gap. */
    ut_expect(SC(SYS_pwrite64, fd, "!", 1, 9), 1, "pwrite(9)");
    ut_expect(size_of(f), 10, "size after a write past the end");
    ut_expect(SC(SYS_lseek, fd, 5, SEEK_SET), 5, "lseek(5)");
    {
        char gap[4] = {1, 1, 1, 1};

        ut_expect(SC(SYS_read, fd, gap, 4), 4, "read the gap");
        ut_expect(gap[0] | gap[1] | gap[2] | gap[3], 0, "a gap reads as zeros");
    }
    SC(SYS_close, fd);
    /* O_APPEND writes at the end wherever the offset is. */
    fd = open_ok(f, O_WRONLY | O_APPEND, 0);
    ut_expect(SC(SYS_write, fd, "+", 1), 1, "write(O_APPEND)");
    ut_expect(size_of(f), 11, "size after an append");
    SC(SYS_close, fd);
    /* O_TRUNC empties it; creat too. */
    fd = open_ok(f, O_RDWR | O_TRUNC, 0);
    ut_expect(size_of(f), 0, "size after O_TRUNC");
    SC(SYS_close, fd);
    fd = SCN(SYS_creat, at("c"), 0600);
    ut_expect(fd >= 0, 1, "creat");
    ut_expect(SC(SYS_write, fd, "abc", 3), 3, "write(creat's)");
    SC(SYS_close, fd);
    fd2 = SCN(SYS_creat, at("c"), 0600);
    ut_expect(size_of(at("c")), 0, "creat truncates");
    SC(SYS_close, fd2);
    ut_expect(SC(SYS_open, at("nodir/f"), O_CREAT | O_RDWR, 0600), -ENOENT,
              "open(O_CREAT) under a missing directory");
    ut_expect(SC(SYS_open, at("c/f"), O_CREAT | O_RDWR, 0600), -ENOTDIR,
              "open(O_CREAT) under a file");
    ut_expect(SC(SYS_open, at("new/"), O_CREAT | O_RDWR, 0600), -EISDIR,
              "open(O_CREAT, trailing slash)");
    ut_expect(SC(SYS_open, dir, O_RDWR), -EISDIR, "open(dir, O_RDWR)");
    ut_expect(SCN(SYS_unlink, f), 0, "unlink(f)");
    ut_expect(SCN(SYS_unlink, at("c")), 0, "unlink(c)");
    rmdir_fresh();
}

/* ftruncate and truncate grow and shrink; the errors of each. */
void t_tmpfs_truncate(void)
{
    char f[128];
    long fd, ro;
    char buf[8];

    mkdir_fresh();
    strcpy(f, at("f"));
    fd = open_ok(f, O_CREAT | O_RDWR, 0644);
    ut_expect(SC(SYS_write, fd, "abcdef", 6), 6, "write");
    ut_expect(SCN(SYS_ftruncate, fd, 2), 0, "ftruncate(2)");
    ut_expect(size_of(f), 2, "size after ftruncate(2)");
    ut_expect(SCN(SYS_truncate, f, 4), 0, "truncate(4)");
    ut_expect(SC(SYS_pread64, fd, buf, sizeof(buf), 0), 4, "pread all");
    ut_expect(memcmp(buf, "ab\0\0", 4), 0, "what grows back reads as zeros");
    ut_expect(SC(SYS_ftruncate, fd, -1), -EINVAL, "ftruncate(-1)");
    ro = open_ok(f, O_RDONLY, 0);
    ut_expect(SC(SYS_ftruncate, ro, 0), -EINVAL, "ftruncate(read-only fd)");
    ut_expect(SC(SYS_write, ro, "x", 1), -EBADF, "write(read-only fd)");
    SC(SYS_close, ro);
    ut_expect(SC(SYS_truncate, dir, 0), -EISDIR, "truncate(dir)");
    ut_expect(SC(SYS_truncate, at("nope"), 0), -ENOENT, "truncate(missing)");
    SC(SYS_close, fd);
    ut_expect(SCN(SYS_unlink, f), 0, "unlink");
    rmdir_fresh();
}

/* An unlinked file lives while it is open: its data stays readable. */
void t_tmpfs_unlink_open(void)
{
    char f[128];
    long fd;
    struct stat st;

    mkdir_fresh();
    strcpy(f, at("f"));
    fd = open_ok(f, O_CREAT | O_RDWR, 0644);
    ut_expect(SC(SYS_write, fd, "kept", 4), 4, "write");
    ut_expect(SCN(SYS_unlink, f), 0, "unlink(open file)");
    ut_expect(SC(SYS_stat, f, &st), -ENOENT, "stat(unlinked)");
    ut_expect(SC(SYS_fstat, fd, &st), 0, "fstat(unlinked)");
    ut_expect((long)st.st_nlink, 0, "st_nlink of an unlinked file");
    ut_expect(SC(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek");
    expect_bytes(fd, "kept", "read an unlinked file");
    ut_expect(SC(SYS_unlink, f), -ENOENT, "unlink twice");
    SC(SYS_close, fd);
    rmdir_fresh();
}

/* mkdir, rmdir and unlink, and their errors. */
void t_tmpfs_dirs(void)
{
    struct stat st;
    long fd;

    mkdir_fresh();
    ut_expect(SC(SYS_mkdir, dir, 0755), -EEXIST, "mkdir(existing)");
    ut_expect(SCN(SYS_access, dir, W_OK), 0, "access(/tmp/ut-PID, W_OK)");
    ut_expect(SCN(SYS_mkdir, at("d"), 0750), 0, "mkdir(d)");
    ut_expect(SC(SYS_stat, at("d"), &st), 0, "stat(d)");
    ut_expect((long)S_ISDIR(st.st_mode), 1, "S_ISDIR");
    ut_expect((long)(st.st_mode & 07777), 0750 & ~022, "a directory's mode");
    ut_expect((long)st.st_nlink, 2, "a new directory's st_nlink");
    ut_expect(SC(SYS_stat, dir, &st), 0, "stat(/tmp/ut-PID)");
    ut_expect((long)st.st_nlink, 3, "st_nlink counts a subdirectory");
    fd = open_ok(at("d/f"), O_CREAT | O_WRONLY, 0644);
    SC(SYS_close, fd);
    ut_expect(SC(SYS_rmdir, at("d")), -ENOTEMPTY, "rmdir(not empty)");
    ut_expect(SC(SYS_unlink, at("d")), -EISDIR, "unlink(dir)");
    ut_expect(SC(SYS_rmdir, at("d/f")), -ENOTDIR, "rmdir(file)");
    ut_expect(SC(SYS_unlink, at("d/f/")), -ENOTDIR, "unlink(file/)");
    ut_expect(SC(SYS_rmdir, at("nope")), -ENOENT, "rmdir(missing)");
    ut_expect(SC(SYS_rmdir, at("d/.")), -EINVAL, "rmdir(d/.)");
    ut_expect(SC(SYS_mkdir, at("d/f/x"), 0755), -ENOTDIR, "mkdir(file/x)");
    if (ut_on_kairos) { /* Linux's tmpfs has these; Kairos's not yet */
        long fd2 = open_ok(at("d/f"), O_RDONLY, 0);

        ut_expect(SC(SYS_symlink, "f", at("d/l")), -EPERM, "symlink in /tmp");
        ut_expect(SC(SYS_link, at("d/f"), at("d/l")), -EPERM, "link in /tmp");
        ut_expect(SC(SYS_mknod, at("d/n"), S_IFIFO | 0600, 0), -EPERM,
                  "mknod in /tmp");
        ut_expect(SC(SYS_chown, at("d/f"), 0, 0), -EROFS, "chown in /tmp");
        ut_expect(SC(SYS_open, at("d"), O_TMPFILE | O_RDWR, 0600), -EOPNOTSUPP,
                  "open(O_TMPFILE) in /tmp");
        ut_expect(SC(SYS_mmap, 0, UT_PAGE, PROT_READ, MAP_PRIVATE, fd2, 0),
                  -ENODEV, "mmap of a tmpfs file");
        ut_expect(SC(SYS_sendfile, 1, fd2, 0, 1), -EINVAL,
                  "sendfile from a tmpfs file");
        SC(SYS_close, fd2);
    }
    ut_expect(SCN(SYS_unlinkat, AT_FDCWD, at("d/f"), 0), 0, "unlinkat");
    ut_expect(SCN(SYS_unlinkat, AT_FDCWD, at("d"), AT_REMOVEDIR), 0,
              "unlinkat(AT_REMOVEDIR)");
    ut_expect(SC(SYS_stat, at("d"), &st), -ENOENT, "stat(removed)");
    ut_expect(SCN(SYS_mkdirat, AT_FDCWD, at("e"), 0755), 0, "mkdirat");
    ut_expect(SCN(SYS_rmdir, at("e/")), 0, "rmdir(e/)");
    rmdir_fresh();
}

struct ut_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* getdents64 lists ".", "..", and exactly what was made. */
void t_tmpfs_readdir(void)
{
    char buf[512];
    long fd, n, seen = 0;
    struct stat st;

    mkdir_fresh();
    SC(SYS_close, open_ok(at("a"), O_CREAT | O_WRONLY, 0644));
    ut_expect(SC(SYS_mkdir, at("b"), 0755), 0, "mkdir(b)");
    fd = open_ok(dir, O_RDONLY | O_DIRECTORY, 0);
    n = SCN(SYS_getdents64, fd, buf, sizeof(buf));
    for (long off = 0; off < n;) {
        struct ut_dirent64 *d = (struct ut_dirent64 *)(buf + off);
        const char *names[] = {".", "..", "a", "b"};
        const unsigned char types[] = {UT_DT_DIR, UT_DT_DIR, UT_DT_REG,
                                       UT_DT_DIR};

        for (int i = 0; i < 4; i++) {
            if (strcmp(d->d_name, names[i]) == 0) {
                seen |= 1 << i;
                ut_expect(d->d_type, types[i], d->d_name);
            }
        }
        if (strcmp(d->d_name, "a") == 0) {
            ut_expect(SC(SYS_stat, at("a"), &st), 0, "stat(a)");
            ut_expect((long)d->d_ino, (long)st.st_ino, "d_ino is st_ino");
        }
        off += d->d_reclen;
    }
    ut_expect(seen, 15, "getdents64 listed . .. a b");
    ut_expect(SC(SYS_getdents64, fd, buf, sizeof(buf)), 0, "then the end");
    SC(SYS_close, fd);
    ut_expect(SC(SYS_unlink, at("a")), 0, "unlink(a)");
    ut_expect(SC(SYS_rmdir, at("b")), 0, "rmdir(b)");
    rmdir_fresh();
}

/* rename(2): within /tmp, replacing as Linux does, and each error. */
void t_tmpfs_rename(void)
{
    long fd;
    struct stat st;

    mkdir_fresh();
    fd = open_ok(at("a"), O_CREAT | O_WRONLY, 0644);
    ut_expect(SC(SYS_write, fd, "A", 1), 1, "write(a)");
    SC(SYS_close, fd);
    SC(SYS_close, open_ok(at("b"), O_CREAT | O_WRONLY, 0644));
    ut_expect(SC(SYS_mkdir, at("d"), 0755), 0, "mkdir(d)");
    ut_expect(SC(SYS_mkdir, at("e"), 0755), 0, "mkdir(e)");
    SC(SYS_close, open_ok(at("e/x"), O_CREAT | O_WRONLY, 0644));
    ut_expect(SC(SYS_rename, at("a"), at("d")), -EISDIR, "rename(file, dir)");
    ut_expect(SC(SYS_rename, at("d"), at("a")), -ENOTDIR, "rename(dir, file)");
    ut_expect(SC(SYS_rename, at("d"), at("e")), -ENOTEMPTY,
              "rename(dir, non-empty dir)");
    ut_expect(SC(SYS_rename, at("d"), at("d/sub")), -EINVAL,
              "rename(dir, into itself)");
    ut_expect(SC(SYS_rename, at("nope"), at("z")), -ENOENT, "rename(missing)");
    ut_expect(SC(SYS_rename, at("a"), at("a/")), -ENOTDIR,
              "rename(file, name/)");
    ut_expect(SCN(SYS_renameat2, AT_FDCWD, at("a"), AT_FDCWD, at("b"),
                  UT_RENAME_NOREPLACE),
              -EEXIST, "renameat2(RENAME_NOREPLACE)");
    /* Replace b: b now has a's bytes, a is gone. */
    ut_expect(SCN(SYS_rename, at("a"), at("b")), 0, "rename(a, b)");
    ut_expect(SC(SYS_stat, at("a"), &st), -ENOENT, "stat(a) after");
    ut_expect(size_of(at("b")), 1, "b has a's bytes");
    ut_expect(SCN(SYS_renameat, AT_FDCWD, at("b"), AT_FDCWD, at("d/b")), 0,
              "renameat(b, d/b)");
    ut_expect(size_of(at("d/b")), 1, "d/b");
    ut_expect(SC(SYS_rename, at("d"), at("f")), 0, "rename(d, f)");
    ut_expect(size_of(at("f/b")), 1, "a directory moved with its entries");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_rename, at("f/b"), "/etc/b"), -EXDEV,
                  "rename(/tmp -> /etc)");
        ut_expect(SC(SYS_rename, "/etc/motd", at("m")), -EXDEV,
                  "rename(/etc -> /tmp)");
        ut_expect(SC(SYS_rmdir, "/tmp"), -EBUSY, "rmdir(/tmp)");
    }
    ut_expect(SC(SYS_unlink, at("f/b")), 0, "unlink(f/b)");
    ut_expect(SC(SYS_rmdir, at("f")), 0, "rmdir(f)");
    ut_expect(SC(SYS_unlink, at("e/x")), 0, "unlink(e/x)");
    ut_expect(SC(SYS_rmdir, at("e")), 0, "rmdir(e)");
    rmdir_fresh();
}

/* chmod, fchmod and fchmodat keep the permission bits; .. leaves /tmp. */
void t_tmpfs_chmod(void)
{
    struct stat st, root;
    long fd;
    char path[64];

    mkdir_fresh();
    fd = open_ok(at("f"), O_CREAT | O_WRONLY, 0644);
    ut_expect(SCN(SYS_chmod, at("f"), 0600), 0, "chmod");
    ut_expect(SC(SYS_stat, at("f"), &st), 0, "stat");
    ut_expect((long)(st.st_mode & 07777), 0600, "mode after chmod");
    ut_expect((long)S_ISREG(st.st_mode), 1, "chmod keeps the type");
    ut_expect(SCN(SYS_fchmod, fd, 0444), 0, "fchmod");
    ut_expect(SC(SYS_fstat, fd, &st), 0, "fstat");
    ut_expect((long)(st.st_mode & 07777), 0444, "mode after fchmod");
    ut_expect(SCN(SYS_fchmodat, AT_FDCWD, at("f"), 0640), 0, "fchmodat");
    ut_expect(SC(SYS_stat, at("f"), &st), 0, "stat");
    ut_expect((long)(st.st_mode & 07777), 0640, "mode after fchmodat");
    ut_expect(SC(SYS_chmod, at("nope"), 0600), -ENOENT, "chmod(missing)");
    SC(SYS_close, fd);
    ut_expect(SC(SYS_unlink, at("f")), 0, "unlink");
    /* /tmp/.. is /, and getcwd inside /tmp names the path. */
    ut_expect(SC(SYS_stat, "/tmp/..", &st), 0, "stat(/tmp/..)");
    ut_expect(SC(SYS_stat, "/", &root), 0, "stat(/)");
    ut_expect((long)st.st_ino, (long)root.st_ino, "/tmp/.. is /");
    ut_expect(SCN(SYS_chdir, dir), 0, "chdir(/tmp/ut-PID)");
    ut_expect(SCN(SYS_getcwd, path, sizeof(path)), (long)strlen(dir) + 1,
              "getcwd");
    ut_expect(strcmp(path, dir), 0, "getcwd names /tmp/ut-PID");
    ut_expect(SC(SYS_chdir, "/"), 0, "chdir(/)");
    rmdir_fresh();
}
