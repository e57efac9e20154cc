/*
 * Paths: the working directory (getcwd, chdir, fchdir, relative opens, a
 * child's inheritance), access and faccessat, readlink and readlinkat.
 * /etc/motd (a 0644 file) and /etc/mtab (a symbolic link into /proc) are
 * on Linux and in Kairos's archive (user/rootfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ut.h"

extern char **environ;

#define BAD_PTR ((void *)0x10) /* below every mapping */

static void expect_cwd(const char *want)
{
    char buf[256];
    long n = SCN(SYS_getcwd, buf, sizeof(buf));

    if (n != (long)strlen(want) + 1 || strcmp(buf, want) != 0) {
        ut_fail("getcwd gave %ld \"%s\", expected \"%s\"", n, n > 0 ? buf : "",
                want);
    }
}

/* Helper: the cwd a spawned child starts in is its parent's. */
void t_cwd_child(void)
{
    expect_cwd("/etc");
}

void t_cwd(void)
{
    char buf[8];
    long fd, pid;

    ut_expect(SCN(SYS_chdir, "/etc"), 0, "chdir(/etc)");
    expect_cwd("/etc");
    fd = SCN(SYS_open, "motd", O_RDONLY);
    if (fd < 0) {
        ut_fail("open(motd) relative to /etc gave %ld", fd);
    }
    SC(SYS_close, fd);
    fd = SCN(SYS_openat, AT_FDCWD, "./motd", O_RDONLY);
    if (fd < 0) {
        ut_fail("openat(AT_FDCWD, ./motd) gave %ld", fd);
    }
    SC(SYS_close, fd);
    pid = ut_spawn_self("cwd_child", NULL, environ);
    ut_expect(pid > 0 ? ut_wait(pid) : pid, 0, "a child's cwd");
    ut_expect(SCN(SYS_chdir, ".."), 0, "chdir(..)");
    expect_cwd("/");
    ut_expect(SCN(SYS_getcwd, buf, 2), 2, "getcwd into 2 bytes at /");
    ut_expect(SCN(SYS_getcwd, buf, 1), -ERANGE, "getcwd into 1 byte");
    ut_expect(SCN(SYS_getcwd, BAD_PTR, 64), -EFAULT, "getcwd(bad pointer)");
    ut_expect(SCN(SYS_chdir, "/etc/motd"), -ENOTDIR, "chdir(a file)");
    ut_expect(SCN(SYS_chdir, "/no/such/dir"), -ENOENT, "chdir(missing)");
    ut_expect(SCN(SYS_chdir, ""), -ENOENT, "chdir(\"\")");
    ut_expect(SCN(SYS_chdir, BAD_PTR), -EFAULT, "chdir(bad pointer)");
    expect_cwd("/"); /* no refusal moved it */
    ut_expect(SCN(SYS_chdir, "/dev"), 0, "chdir(/dev)");
    expect_cwd("/dev");
    fd = SCN(SYS_open, "null", O_WRONLY);
    if (fd < 0 || SCN(SYS_write, fd, "x", 1) != 1) {
        ut_fail("open(null) in /dev gave %ld", fd);
    }
    SC(SYS_close, fd);
    fd = SCN(SYS_open, "/etc", O_RDONLY | O_DIRECTORY);
    ut_expect(SCN(SYS_fchdir, fd), 0, "fchdir(/etc)");
    expect_cwd("/etc");
    SC(SYS_close, fd);
    fd = SCN(SYS_open, "/etc/motd", O_RDONLY);
    ut_expect(SCN(SYS_fchdir, fd), -ENOTDIR, "fchdir(a file)");
    SC(SYS_close, fd);
    ut_expect(SCN(SYS_fchdir, 99), -EBADF, "fchdir(99)");
    ut_expect(SCN(SYS_fchdir, -1), -EBADF, "fchdir(-1)");
    expect_cwd("/etc");
}

void t_access(void)
{
    long dir = SCN(SYS_open, "/etc", O_RDONLY | O_DIRECTORY);

    ut_expect(SCN(SYS_access, "/etc/motd", F_OK), 0, "access(motd, F_OK)");
    ut_expect(SCN(SYS_access, "/etc/motd", R_OK), 0, "access(motd, R_OK)");
    ut_expect(SCN(SYS_access, "/etc/motd", X_OK), -EACCES,
              "access(motd, X_OK): no x bit");
    ut_expect(SCN(SYS_access, ut_self, X_OK | R_OK), 0, "access(self, X_OK)");
    ut_expect(SCN(SYS_access, "/etc", X_OK), 0, "access(/etc, X_OK)");
    ut_expect(SCN(SYS_access, "/dev/null", W_OK), 0, "access(null, W_OK)");
    if (ut_on_kairos) { /* Linux's / is writable here */
        ut_expect(SCN(SYS_access, "/etc/motd", W_OK), -EROFS,
                  "access(motd, W_OK) on the read-only initramfs");
        ut_expect(SCN(SYS_access, "/etc/motd", W_OK | X_OK), -EROFS,
                  "W_OK before X_OK");
    }
    ut_expect(SCN(SYS_access, "/no/such", F_OK), -ENOENT, "access(missing)");
    ut_expect(SCN(SYS_access, "/etc/motd/", F_OK), -ENOTDIR, "access(file/)");
    ut_expect(SCN(SYS_access, "/etc/motd", 8), -EINVAL, "access(mode 8)");
    ut_expect(SCN(SYS_access, BAD_PTR, F_OK), -EFAULT, "access(bad pointer)");
    ut_expect(SCN(SYS_faccessat, dir, "motd", R_OK), 0,
              "faccessat(/etc, motd)");
    ut_expect(SCN(SYS_faccessat, 99, "motd", R_OK), -EBADF,
              "faccessat(99, motd)");
    ut_expect(SCN(SYS_faccessat, 99, "/etc/motd", R_OK), 0,
              "faccessat(99, absolute): dirfd unused");
    ut_expect(SCN(SYS_chdir, "/etc"), 0, "chdir(/etc)");
    ut_expect(SCN(SYS_faccessat, AT_FDCWD, "motd", R_OK), 0,
              "faccessat(AT_FDCWD, motd) from /etc");
    SC(SYS_close, dir);
}

void t_readlink(void)
{
    char buf[256], part[4];
    long n, dir;

    n = SCN(SYS_readlink, "/etc/mtab", buf, sizeof(buf));
    if (n < 6 || memcmp(buf + n - 6, "mounts", 6) != 0) {
        ut_fail("readlink(/etc/mtab) gave %ld \"%.*s\"", n, n > 0 ? (int)n : 0,
                buf);
    }
    ut_expect(SCN(SYS_readlink, "/etc/mtab", part, 3), 3,
              "readlink into 3 bytes");
    if (memcmp(part, buf, 3) != 0) {
        ut_fail("the 3 bytes differ from the target's first");
    }
    dir = SCN(SYS_open, "/etc", O_RDONLY | O_DIRECTORY);
    ut_expect(SCN(SYS_readlinkat, dir, "mtab", part, 3), 3,
              "readlinkat(/etc, mtab)");
    SC(SYS_close, dir);
    ut_expect(SCN(SYS_chdir, "/etc"), 0, "chdir(/etc)");
    ut_expect(SCN(SYS_readlink, "mtab", buf, sizeof(buf)), n,
              "readlink(mtab) relative");
    ut_expect(SCN(SYS_readlinkat, AT_FDCWD, "mtab", buf, sizeof(buf)), n,
              "readlinkat(AT_FDCWD, mtab)");
    ut_expect(SCN(SYS_readlink, "/etc/motd", buf, sizeof(buf)), -EINVAL,
              "readlink(a file)");
    ut_expect(SCN(SYS_readlink, "/etc", buf, sizeof(buf)), -EINVAL,
              "readlink(a directory)");
    ut_expect(SCN(SYS_readlink, "/no/such", buf, sizeof(buf)), -ENOENT,
              "readlink(missing)");
    ut_expect(SCN(SYS_readlink, "", buf, sizeof(buf)), -ENOENT,
              "readlink(\"\")");
    ut_expect(SCN(SYS_readlink, "/etc/mtab", buf, 0), -EINVAL,
              "readlink(bufsiz 0)");
    ut_expect(SCN(SYS_readlink, "/etc/mtab", buf, -1), -EINVAL,
              "readlink(bufsiz -1)");
    ut_expect(SCN(SYS_readlink, "/etc/mtab", BAD_PTR, 64), -EFAULT,
              "readlink(bad buffer)");
    ut_expect(SCN(SYS_readlink, BAD_PTR, buf, 64), -EFAULT,
              "readlink(bad path)");
    ut_expect(SCN(SYS_readlinkat, 99, "mtab", buf, 64), -EBADF,
              "readlinkat(99, mtab)");
    if (ut_on_kairos) { /* no /proc */
        ut_expect(SCN(SYS_readlink, "/proc/self/exe", buf, sizeof(buf)),
                  -ENOENT, "readlink(/proc/self/exe)");
    }
}
