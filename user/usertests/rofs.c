/*
 * Linux's answers for what Kairos lacks: a file system that can be
 * written (Kairos's root is a read-only initramfs: every call that would
 * write it fails as on a read-only Linux mount), a count over the I/O cap
 * (a short transfer, not an error), and more than one CPU (affinity).
 *
 * These cases also run on Linux, as root, on a writable root: there only
 * the errors that come before anything could change are checked (a bad
 * path, a name that exists, bad flags), never the -EROFS ones, which
 * would write the host's file system.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ut.h"

#define BAD_PTR ((void *)0x10) /* below every mapping */
#define NOPE    "/nonexistent-kairos"
#define MIB     (1L << 20)
#define IO_CAP  MIB /* Kairos's SYSCALL_IO_MAX */

static char long_path[5000]; /* over PATH_MAX: -ENAMETOOLONG */

static const char *too_long(void)
{
    memset(long_path, 'a', sizeof(long_path) - 1);
    return long_path;
}

static long open_or_fail(const char *path, int flags)
{
    long fd = SC(SYS_open, path, flags);

    if (fd < 0) {
        ut_fail("open(%s) gave %ld", path, fd);
    }
    return fd;
}

/* mkdir, mknod, symlink, link, creat: the path's errors and -EEXIST
 * first (as Linux's filename_create), then -EROFS. */
void t_rofs_create(void)
{
    long motd = open_or_fail("/etc/motd", O_RDONLY);

    ut_expect(SCN(SYS_mkdir, NOPE "/x", 0755), -ENOENT, "mkdir(missing/x)");
    ut_expect(SC(SYS_mkdir, "/etc/motd/x", 0755), -ENOTDIR, "mkdir(file/x)");
    ut_expect(SC(SYS_mkdir, BAD_PTR, 0755), -EFAULT, "mkdir(bad pointer)");
    ut_expect(SC(SYS_mkdir, "", 0755), -ENOENT, "mkdir(\"\")");
    ut_expect(SC(SYS_mkdir, too_long(), 0755), -ENAMETOOLONG,
              "mkdir(a path over PATH_MAX)");
    ut_expect(SC(SYS_mkdir, "/etc", 0755), -EEXIST, "mkdir(/etc)");
    ut_expect(SC(SYS_mkdir, "/etc/motd", 0755), -EEXIST, "mkdir(/etc/motd)");
    ut_expect(SC(SYS_mkdir, "/", 0755), -EEXIST, "mkdir(/)");
    ut_expect(SC(SYS_mkdir, "/etc/.", 0755), -EEXIST, "mkdir(/etc/.)");
    ut_expect(SCN(SYS_mkdirat, 99, "x", 0755), -EBADF, "mkdirat(99, x)");
    ut_expect(SC(SYS_mkdirat, motd, "x", 0755), -ENOTDIR,
              "mkdirat(a file's fd, x)");
    ut_expect(SCN(SYS_mknod, "/x", S_IFDIR | 0755, 0), -EPERM,
              "mknod(S_IFDIR)");
    ut_expect(SC(SYS_mknod, "/x", 0170000, 0), -EINVAL, "mknod(bad type)");
    ut_expect(SC(SYS_mknodat, AT_FDCWD, BAD_PTR, S_IFIFO, 0), -EFAULT,
              "mknodat(bad pointer)");
    ut_expect(SCN(SYS_symlink, "", NOPE "/y"), -ENOENT, "symlink(\"\", ...)");
    ut_expect(SC(SYS_symlink, BAD_PTR, "/y"), -EFAULT,
              "symlink(bad target pointer)");
    ut_expect(SC(SYS_symlink, "x", "/etc/motd"), -EEXIST,
              "symlink(x, /etc/motd)");
    ut_expect(SCN(SYS_symlinkat, "x", motd, "y"), -ENOTDIR,
              "symlinkat(x, a file's fd, y)");
    ut_expect(SCN(SYS_link, NOPE, "/y"), -ENOENT, "link(missing, /y)");
    ut_expect(SC(SYS_link, "/etc/motd", "/etc"), -EEXIST,
              "link(/etc/motd, /etc)");
    ut_expect(SCN(SYS_linkat, AT_FDCWD, "/etc/motd", AT_FDCWD, "/y", 1),
              -EINVAL, "linkat(flags 1)");
    ut_expect(SC(SYS_linkat, AT_FDCWD, "", AT_FDCWD, "/y", 0), -ENOENT,
              "linkat(\"\" without AT_EMPTY_PATH)");
    ut_expect(SCN(SYS_creat, "/etc", 0644), -EISDIR, "creat(/etc)");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_mkdir, "/new", 0755), -EROFS, "mkdir(/new)");
        ut_expect(SC(SYS_mkdir, "/new/", 0755), -EROFS, "mkdir(/new/)");
        ut_expect(SC(SYS_mkdirat, 99, "/dev/new", 0755), -EROFS,
                  "mkdirat(99, /dev/new): absolute, dirfd unused");
        ut_expect(SC(SYS_mknod, "/fifo", S_IFIFO | 0644, 0), -EROFS,
                  "mknod(/fifo)");
        ut_expect(SC(SYS_symlink, "x", "/y"), -EROFS, "symlink(x, /y)");
        ut_expect(SC(SYS_symlink, "x", "/y/"), -ENOENT, "symlink(x, /y/)");
        ut_expect(SC(SYS_link, "/etc/motd", "/y"), -EROFS,
                  "link(/etc/motd, /y)");
        ut_expect(SC(SYS_link, "/etc/motd", "/y/"), -ENOENT,
                  "link(/etc/motd, /y/)");
        ut_expect(SC(SYS_link, "/dev/null", "/null"), -EROFS,
                  "link(/dev/null, /null)");
        ut_expect(SC(SYS_creat, "/etc/motd", 0644), -EROFS, "creat(/etc/motd)");
        ut_expect(SC(SYS_creat, "/new", 0644), -EROFS, "creat(/new)");
    }
    SC(SYS_close, motd);
}

/* unlink, unlinkat, rmdir: the parent's errors and the last component's
 * kind, then -EROFS, as Linux, before the name itself is looked up. */
void t_rofs_remove(void)
{
    long motd = open_or_fail("/etc/motd", O_RDONLY);

    ut_expect(SCN(SYS_unlink, NOPE "/x"), -ENOENT, "unlink(missing/x)");
    ut_expect(SC(SYS_unlink, "/etc/motd/x"), -ENOTDIR, "unlink(file/x)");
    ut_expect(SC(SYS_unlink, BAD_PTR), -EFAULT, "unlink(bad pointer)");
    ut_expect(SC(SYS_unlink, ""), -ENOENT, "unlink(\"\")");
    ut_expect(SC(SYS_unlink, "/"), -EISDIR, "unlink(/)");
    ut_expect(SC(SYS_unlink, "/etc/."), -EISDIR, "unlink(/etc/.)");
    ut_expect(SCN(SYS_rmdir, "/"), -EBUSY, "rmdir(/)");
    ut_expect(SC(SYS_rmdir, "/etc/."), -EINVAL, "rmdir(/etc/.)");
    ut_expect(SC(SYS_rmdir, "/etc/.."), -ENOTEMPTY, "rmdir(/etc/..)");
    ut_expect(SC(SYS_rmdir, NOPE "/x"), -ENOENT, "rmdir(missing/x)");
    ut_expect(SCN(SYS_unlinkat, AT_FDCWD, "x", 2), -EINVAL,
              "unlinkat(flags 2)");
    ut_expect(SC(SYS_unlinkat, 99, "x", 0), -EBADF, "unlinkat(99, x)");
    ut_expect(SC(SYS_unlinkat, motd, "x", 0), -ENOTDIR,
              "unlinkat(a file's fd, x)");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_unlink, "/etc/motd"), -EROFS, "unlink(/etc/motd)");
        ut_expect(SC(SYS_unlink, "/nosuch"), -EROFS, "unlink(/nosuch)");
        ut_expect(SC(SYS_unlink, "/etc/motd/"), -EROFS, "unlink(/etc/motd/)");
        ut_expect(SC(SYS_unlink, "/dev/null"), -EROFS, "unlink(/dev/null)");
        ut_expect(SC(SYS_rmdir, "/etc"), -EROFS, "rmdir(/etc)");
        ut_expect(SC(SYS_rmdir, "/etc/motd"), -EROFS, "rmdir(/etc/motd)");
        ut_expect(SC(SYS_unlinkat, AT_FDCWD, "/bin", AT_REMOVEDIR), -EROFS,
                  "unlinkat(/bin, AT_REMOVEDIR)");
    }
    ut_expect(SC(SYS_open, "/etc/motd", O_RDONLY) >= 0, 1, "/etc/motd stays");
    SC(SYS_close, motd);
}

/* rename, renameat, renameat2: flags, both parents, -EXDEV, -EBUSY for
 * ".", ".." or "/", then -EROFS. */
void t_rofs_rename(void)
{
    ut_expect(SCN(SYS_rename, NOPE "/x", "/y"), -ENOENT, "rename(missing/x)");
    ut_expect(SC(SYS_rename, "/etc/motd", NOPE "/y"), -ENOENT,
              "rename(to missing/y)");
    ut_expect(SC(SYS_rename, BAD_PTR, "/y"), -EFAULT, "rename(bad pointer)");
    ut_expect(SC(SYS_rename, "/etc/.", "/y"), -EBUSY, "rename(/etc/.)");
    ut_expect(SC(SYS_rename, "/etc/motd", "/etc/."), -EBUSY,
              "rename(to /etc/.)");
    ut_expect(SCN(SYS_renameat2, AT_FDCWD, "/etc/motd", AT_FDCWD, "/etc/.", 1),
              -EEXIST, "renameat2(to /etc/., RENAME_NOREPLACE)");
    ut_expect(SC(SYS_renameat2, AT_FDCWD, "/etc/motd", AT_FDCWD, "/y", 8),
              -EINVAL, "renameat2(flags 8)");
    ut_expect(SC(SYS_renameat2, AT_FDCWD, "/etc/motd", AT_FDCWD, "/y", 3),
              -EINVAL, "renameat2(NOREPLACE | EXCHANGE)");
    ut_expect(SCN(SYS_renameat, 99, "x", AT_FDCWD, "/y"), -EBADF,
              "renameat(99, x)");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_rename, "/etc/motd", "/etc/motd2"), -EROFS,
                  "rename(/etc/motd, /etc/motd2)");
        ut_expect(SC(SYS_rename, "/nosuch", "/y"), -EROFS, "rename(/nosuch)");
        ut_expect(SC(SYS_rename, "/dev/null", "/null"), -EXDEV,
                  "rename(/dev/null, /null): another file system");
        ut_expect(SC(SYS_rename, "/", "/dev/x"), -EXDEV, "rename(/, /dev/x)");
    }
}

/* chmod, chown, utimensat, truncate and their fd and *at forms: the
 * lookup's errors, then -EROFS (truncate: -EISDIR, -EINVAL first). */
void t_rofs_change(void)
{
    static const struct {
        int64_t sec, nsec;
    } omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}},
      bad[2] = {{0, 1000000000}, {0, 0}};
    long motd = open_or_fail("/etc/motd", O_RDONLY);
    long null = open_or_fail("/dev/null", O_WRONLY);
    int p[2];

    ut_expect(SCN(SYS_chmod, NOPE, 0644), -ENOENT, "chmod(missing)");
    ut_expect(SC(SYS_chmod, "/etc/motd/x", 0644), -ENOTDIR, "chmod(file/x)");
    ut_expect(SC(SYS_chmod, BAD_PTR, 0644), -EFAULT, "chmod(bad pointer)");
    ut_expect(SCN(SYS_fchmod, 99, 0644), -EBADF, "fchmod(99)");
    ut_expect(SCN(SYS_fchmodat, AT_FDCWD, NOPE, 0644), -ENOENT,
              "fchmodat(missing)");
    ut_expect(SCN(SYS_chown, NOPE, 0, 0), -ENOENT, "chown(missing)");
    ut_expect(SCN(SYS_lchown, NOPE, 0, 0), -ENOENT, "lchown(missing)");
    ut_expect(SCN(SYS_fchown, 99, 0, 0), -EBADF, "fchown(99)");
    ut_expect(SCN(SYS_fchownat, AT_FDCWD, "/etc/motd", 0, 0, 1), -EINVAL,
              "fchownat(flags 1)");
    ut_expect(SCN(SYS_utimensat, AT_FDCWD, NOPE, NULL, 0), -ENOENT,
              "utimensat(missing)");
    ut_expect(SC(SYS_utimensat, AT_FDCWD, NOPE, omit, 0), 0,
              "utimensat(both UTIME_OMIT): nothing looked at");
    ut_expect(SC(SYS_utimensat, AT_FDCWD, "/etc/motd", bad, 0), -EINVAL,
              "utimensat(tv_nsec 1e9)");
    ut_expect(SC(SYS_utimensat, AT_FDCWD, "/etc/motd", BAD_PTR, 0), -EFAULT,
              "utimensat(bad times)");
    ut_expect(SC(SYS_utimensat, AT_FDCWD, "/etc/motd", NULL, 1), -EINVAL,
              "utimensat(flags 1)");
    ut_expect(SC(SYS_utimensat, 99, NULL, NULL, 0), -EBADF,
              "utimensat(99, NULL)");
    ut_expect(SC(SYS_utimensat, AT_FDCWD, NULL, NULL, 0), -EFAULT,
              "utimensat(AT_FDCWD, NULL)");
    ut_expect(SCN(SYS_truncate, "/etc", 0), -EISDIR, "truncate(/etc)");
    ut_expect(SC(SYS_truncate, "/dev/null", 0), -EINVAL, "truncate(/dev/null)");
    ut_expect(SC(SYS_truncate, NOPE, 0), -ENOENT, "truncate(missing)");
    ut_expect(SC(SYS_truncate, "/etc/motd", -1), -EINVAL, "truncate(-1)");
    ut_expect(SCN(SYS_ftruncate, motd, 0), -EINVAL,
              "ftruncate(a read-only fd)");
    ut_expect(SC(SYS_ftruncate, null, 0), -EINVAL, "ftruncate(/dev/null)");
    ut_expect(SC(SYS_ftruncate, 99, 0), -EBADF, "ftruncate(99)");
    ut_expect(SC(SYS_ftruncate, 99, -1), -EINVAL, "ftruncate(99, -1)");
    ut_expect(SC(SYS_pipe2, p, 0), 0, "pipe2");
    ut_expect(SC(SYS_ftruncate, p[1], 0), -EINVAL, "ftruncate(a pipe)");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_chmod, "/etc/motd", 0600), -EROFS, "chmod(/etc/motd)");
        ut_expect(SC(SYS_chmod, "/dev/null", 0600), -EROFS, "chmod(/dev/null)");
        ut_expect(SC(SYS_fchmod, motd, 0600), -EROFS, "fchmod(/etc/motd)");
        ut_expect(SC(SYS_fchmod, p[0], 0600), -EROFS, "fchmod(a pipe)");
        ut_expect(SC(SYS_fchmodat, AT_FDCWD, "/bin", 0700), -EROFS,
                  "fchmodat(/bin)");
        ut_expect(SC(SYS_chown, "/etc/motd", 0, 0), -EROFS, "chown(/etc/motd)");
        ut_expect(SC(SYS_chown, "/etc/mtab", 0, 0), -ENOENT,
                  "chown(/etc/mtab): the link leads into /proc");
        ut_expect(SC(SYS_lchown, "/etc/mtab", 0, 0), -EROFS,
                  "lchown(/etc/mtab): the link itself");
        ut_expect(SC(SYS_fchown, motd, -1, -1), -EROFS, "fchown(/etc/motd)");
        ut_expect(SC(SYS_fchownat, motd, "", 0, 0, AT_EMPTY_PATH), -EROFS,
                  "fchownat(fd, \"\", AT_EMPTY_PATH)");
        ut_expect(SC(SYS_utimensat, AT_FDCWD, "/etc/motd", NULL, 0), -EROFS,
                  "utimensat(/etc/motd)");
        ut_expect(SC(SYS_utimensat, motd, NULL, NULL, 0), -EROFS,
                  "utimensat(fd, NULL)");
        ut_expect(SC(SYS_truncate, "/etc/motd", 0), -EROFS,
                  "truncate(/etc/motd)");
    }
    SC(SYS_close, p[0]);
    SC(SYS_close, p[1]);
    SC(SYS_close, motd);
    SC(SYS_close, null);
}

/* ---- The I/O cap ------------------------------------------------------------- */

static char *map(long len)
{
    long p = SCN(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p < 0) {
        ut_fail("mmap(%ld) gave %ld", len, p);
    }
    return (char *)p;
}

/* Write len bytes of buf to a pipe a child drains; the child exits 0 if
 * it read exactly want bytes.  The write's result. */
static long write_to_reader(const char *buf, long len, long want)
{
    static char sink[65536];
    long pid, n, got = 0, r;
    int p[2];

    ut_expect(SC(SYS_pipe2, p, 0), 0, "pipe2");
    pid = SCN(SYS_fork);
    if (pid == 0) {
        SC(SYS_close, p[1]);
        while ((n = SC(SYS_read, p[0], sink, sizeof(sink))) > 0) {
            got += n;
        }
        SC(SYS_exit_group, n == 0 && got == want ? 0 : 1);
    }
    SC(SYS_close, p[0]);
    r = SC(SYS_write, p[1], buf, len);
    SC(SYS_close, p[1]);
    ut_expect(ut_wait(pid), 0, "the reader read what was written");
    return r;
}

/* A count over Kairos's 1 MiB cap is a short transfer, as Linux's over
 * MAX_RW_COUNT (about 2 GiB there, so Linux moves all 2 MiB); the
 * buffer's range is checked for the whole count, as Linux's access_ok. */
void t_io_capped(void)
{
    long want = ut_on_kairos ? IO_CAP : 2 * MIB;
    char *buf = map(2 * MIB);
    long null = open_or_fail("/dev/null", O_WRONLY);
    long motd = open_or_fail("/etc/motd", O_RDONLY);
    struct {
        void *base;
        size_t len;
    } iov[2] = {{buf, MIB}, {buf, 1}};
    int p[2];

    ut_expect(SC(SYS_write, null, buf, 2 * MIB), want, "write(2 MiB)");
    ut_expect(SC(SYS_writev, null, iov, 2), ut_on_kairos ? IO_CAP : MIB + 1,
              "writev(1 MiB + 1)");
    iov[1].len = INT64_MAX;
    ut_expect(SC(SYS_writev, null, iov, 2), -EFAULT,
              "writev(a segment past the user half)");
    iov[1].len = (size_t)-1;
    ut_expect(SC(SYS_writev, null, iov, 2), -EINVAL,
              "writev(a negative segment)");
    ut_expect(SC(SYS_write, null, buf, -1L), -EFAULT, "write(count -1)");
    ut_expect(SC(SYS_read, motd, buf, -8L), -EFAULT, "read(count -8)");
    ut_expect(write_to_reader(buf, 2 * MIB, want), want,
              "write(2 MiB) to a pipe");
    ut_expect(SC(SYS_pipe2, p, O_NONBLOCK), 0, "pipe2(O_NONBLOCK)");
    ut_expect(SC(SYS_write, p[1], buf, 2 * MIB), 65536,
              "write(2 MiB) to an empty non-blocking pipe: what fits");
    SC(SYS_close, p[0]);
    SC(SYS_close, p[1]);
    /* Only the first MiB mapped: Kairos stops at the cap, Linux at the
     * fault, and both have moved 1 MiB. */
    ut_expect(SC(SYS_munmap, buf + MIB, MIB), 0, "munmap(the second MiB)");
    ut_expect(write_to_reader(buf, 2 * MIB, MIB), MIB,
              "write(2 MiB, half unmapped) to a pipe");
    SC(SYS_close, null);
    SC(SYS_close, motd);
}

/* ---- Affinity: one CPU --------------------------------------------------------- */

/* sched_getaffinity / sched_setaffinity: Kairos's mask is CPU 0 alone;
 * the size rules and errors are Linux's. */
void t_affinity(void)
{
    uint64_t mask[16];

    memset(mask, 0xAA, sizeof(mask));
    ut_expect(SCN(SYS_sched_getaffinity, 0, 8, mask), 8,
              "sched_getaffinity(8 bytes)");
    if (ut_on_kairos ? mask[0] != 1 : mask[0] == 0) {
        ut_fail("the mask is %#llx", (unsigned long long)mask[0]);
    }
    ut_expect(mask[1], 0xAAAAAAAAAAAAAAAAull, "the byte after the mask");
    if (ut_on_kairos) {
        ut_expect(SC(SYS_sched_getaffinity, 0, sizeof(mask), mask), 8,
                  "sched_getaffinity(128 bytes): the bytes written");
    }
    ut_expect(SC(SYS_sched_getaffinity, 0, 0, mask), -EINVAL, "len 0");
    ut_expect(SC(SYS_sched_getaffinity, 0, 4, mask), -EINVAL, "len 4");
    ut_expect(SC(SYS_sched_getaffinity, 0, 12, mask), -EINVAL, "len 12");
    ut_expect(SC(SYS_sched_getaffinity, 0, 8, NULL), -EFAULT, "NULL mask");
    ut_expect(SC(SYS_sched_getaffinity, -1, 8, mask), -ESRCH, "pid -1");
    ut_expect(SC(SYS_sched_getaffinity, 0x7fffffff, 8, mask), -ESRCH,
              "no such pid");
    mask[0] = 1;
    ut_expect(SCN(SYS_sched_setaffinity, 0, 8, mask), 0, "set CPU 0");
    ut_expect(SC(SYS_sched_setaffinity, 0, 1, mask), 0, "set CPU 0, 1 byte");
    ut_expect(SC(SYS_sched_setaffinity, 0, 8, NULL), -EFAULT, "set NULL");
    ut_expect(SC(SYS_sched_setaffinity, 0x7fffffff, 8, mask), -ESRCH,
              "set: no such pid");
    ut_expect(SC(SYS_sched_setaffinity, 0, 0, mask), -EINVAL,
              "set len 0: no CPU");
    mask[0] = 0;
    ut_expect(SC(SYS_sched_setaffinity, 0, 8, mask), -EINVAL, "set no CPU");
    mask[0] = 1ull << 63;
    ut_expect(SC(SYS_sched_setaffinity, 0, 8, mask), -EINVAL,
              "set CPU 63 alone");
    mask[0] = ~0ull;
    ut_expect(SC(SYS_sched_setaffinity, 0, 8, mask), 0, "set every CPU");
    ut_expect(SC(SYS_sched_getaffinity, 0, 8, mask), 8, "get again");
    if (ut_on_kairos) {
        ut_expect((long)mask[0], 1, "still CPU 0 alone");
    }
}

/* ---- pread64, pwrite64 ------------------------------------------------------- */

/* pread reads at a position and leaves the offset alone; no positions on
 * a pipe or a terminal (-ESPIPE); a count over the cap is short. */
void t_pread_pwrite(void)
{
    char a[16], b[16];
    long motd = open_or_fail("/etc/motd", O_RDONLY);
    long null = open_or_fail("/dev/null", O_RDWR);
    long dir = open_or_fail("/etc", O_RDONLY);
    char *big = map(2 * MIB);
    int p[2];

    ut_expect(SC(SYS_lseek, motd, 3, SEEK_SET), 3, "lseek(3)");
    ut_expect(SC(SYS_read, motd, a, sizeof(a)), sizeof(a), "read at 3");
    ut_expect(SCN(SYS_pread64, motd, b, sizeof(b), 3), sizeof(b), "pread at 3");
    ut_expect(memcmp(a, b, sizeof(a)), 0, "pread's bytes are read's");
    ut_expect(SC(SYS_lseek, motd, 0, SEEK_CUR), 3 + sizeof(a),
              "the offset after pread");
    ut_expect(SC(SYS_pread64, motd, b, sizeof(b), 1L << 40), 0,
              "pread past the end");
    ut_expect(SC(SYS_pread64, motd, b, sizeof(b), -1), -EINVAL, "pread(-1)");
    ut_expect(SC(SYS_pread64, 99, b, sizeof(b), -1), -EINVAL,
              "pread(99, -1): the position first");
    ut_expect(SC(SYS_pread64, 99, b, sizeof(b), 0), -EBADF, "pread(99)");
    ut_expect(SC(SYS_pread64, motd, BAD_PTR, sizeof(b), 0), -EFAULT,
              "pread(bad buffer)");
    ut_expect(SC(SYS_pread64, dir, b, sizeof(b), 0), -EISDIR,
              "pread(a directory)");
    ut_expect(SC(SYS_pread64, null, b, sizeof(b), 0), 0, "pread(/dev/null)");
    ut_expect(SC(SYS_pwrite64, motd, b, 1, 0), -EBADF,
              "pwrite(a read-only fd)");
    ut_expect(SCN(SYS_pwrite64, null, big, 2 * MIB, 5),
              ut_on_kairos ? IO_CAP : 2 * MIB, "pwrite(/dev/null, 2 MiB)");
    ut_expect(SC(SYS_pipe2, p, 0), 0, "pipe2");
    ut_expect(SC(SYS_pwrite64, p[1], "x", 1, 0), -ESPIPE, "pwrite(a pipe)");
    ut_expect(SC(SYS_pread64, p[0], b, 1, 0), -ESPIPE, "pread(a pipe)");
    ut_expect(SC(SYS_pwrite64, 1, "x", 1, 0), -ESPIPE, "pwrite(a terminal)");
    SC(SYS_close, p[0]);
    SC(SYS_close, p[1]);
    SC(SYS_close, motd);
    SC(SYS_close, null);
    SC(SYS_close, dir);
}
