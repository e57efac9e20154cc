/*
 * sendfile (docs/linux-abi.md): from a regular file to a pipe and to
 * /dev/null, with the file's offset or the caller's, and its refusals in
 * Linux's order.  /etc/motd is a regular file on Linux and in Kairos's
 * archive (user/rootfs); its size differs, so the cases work from fstat.
 * Also the calls static programs make that need no facility (futex,
 * tgkill, getgroups, sync) and what Kairos answers for those it lacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

#define BAD_PTR ((void *)0x10) /* below every mapping */
/* futex operations, Linux's values (musl has no linux/futex.h). */
#define FUTEX_WAIT_PRIVATE        128
#define FUTEX_WAKE_PRIVATE        129
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define MOTD_MAX                  4096

/* /etc/motd open at offset 0 in *fd, its bytes in buf: its size. */
static long open_motd(long *fd, char *buf)
{
    struct stat st;
    long n;

    *fd = SCN(SYS_open, "/etc/motd", O_RDONLY);
    if (*fd < 0 || SCN(SYS_fstat, *fd, &st) != 0 || st.st_size < 20 ||
        st.st_size > MOTD_MAX) {
        ut_fail("open or fstat /etc/motd (fd %ld)", *fd);
    }
    n = SCN(SYS_read, *fd, buf, MOTD_MAX);
    ut_expect(n, st.st_size, "read(motd)");
    ut_expect(SCN(SYS_lseek, *fd, 0, SEEK_SET), 0, "lseek(motd, 0)");
    return n;
}

/* The next n bytes from pipe end fd must be want's. */
static void expect_piped(long fd, const char *want, long n, const char *what)
{
    char got[64];

    ut_expect(SCN(SYS_read, fd, got, n), n, what);
    if (memcmp(got, want, (size_t)n) != 0) {
        ut_fail("%s: the bytes differ", what);
    }
}

static long offset_of(long fd)
{
    return SCN(SYS_lseek, fd, 0, SEEK_CUR);
}

/* sendfile with the file's offset, then with the caller's. */
void t_sendfile(void)
{
    static char buf[MOTD_MAX];
    int p[2];
    long fd, size = open_motd(&fd, buf), null, off;

    ut_expect(SCN(SYS_pipe2, p, 0), 0, "pipe2");
    ut_expect(SCN(SYS_sendfile, p[1], fd, NULL, 10), 10, "sendfile 10");
    ut_expect(offset_of(fd), 10, "the file offset after it");
    expect_piped(p[0], buf, 10, "the first 10 bytes");
    off = 3;
    ut_expect(SCN(SYS_sendfile, p[1], fd, &off, 5), 5, "sendfile(&off 3, 5)");
    ut_expect(off, 8, "*offset written back");
    ut_expect(offset_of(fd), 10, "the file offset left alone");
    expect_piped(p[0], buf + 3, 5, "bytes 3..7");
    null = SCN(SYS_open, "/dev/null", O_WRONLY);
    ut_expect(SCN(SYS_sendfile, null, fd, NULL, 1 << 30), size - 10,
              "sendfile of the rest, count over the cap");
    ut_expect(offset_of(fd), size, "the offset at the end");
    ut_expect(SCN(SYS_sendfile, p[1], fd, NULL, 10), 0, "sendfile at EOF");
    off = size + 100;
    ut_expect(SCN(SYS_sendfile, p[1], fd, &off, 10), 0, "offset past EOF");
    ut_expect(off, size + 100, "*offset past EOF unchanged");
    off = size - 4;
    ut_expect(SCN(SYS_sendfile, p[1], fd, &off, 10), 4, "a short tail");
    expect_piped(p[0], buf + size - 4, 4, "the tail");
    ut_expect(SCN(SYS_sendfile, p[1], fd, NULL, 0), 0, "count 0");
}

/* Refusals, in Linux's order: the offset pointer, in, count, out, kind. */
void t_sendfile_errors(void)
{
    static char buf[MOTD_MAX];
    int p[2];
    long fd, null, wronly, dir, off = 0;

    open_motd(&fd, buf);
    SCN(SYS_pipe2, p, 0);
    null = SCN(SYS_open, "/dev/null", O_RDWR);
    wronly = SCN(SYS_open, "/dev/null", O_WRONLY);
    dir = SCN(SYS_open, "/etc", O_RDONLY | O_DIRECTORY);
    ut_expect(SCN(SYS_sendfile, 99, 98, BAD_PTR, 1), -EFAULT,
              "a bad offset pointer before bad descriptors");
    ut_expect(SCN(SYS_sendfile, null, 99, NULL, 1), -EBADF, "in_fd 99");
    ut_expect(SCN(SYS_sendfile, null, -1, NULL, 1), -EBADF, "in_fd -1");
    ut_expect(SCN(SYS_sendfile, null, wronly, NULL, 1), -EBADF,
              "in_fd write-only");
    ut_expect(SCN(SYS_sendfile, 99, fd, NULL, 1), -EBADF, "out_fd 99");
    ut_expect(SCN(SYS_sendfile, fd, fd, NULL, 1), -EBADF, "out_fd read-only");
    ut_expect(SCN(SYS_sendfile, p[0], fd, NULL, 1), -EBADF,
              "out_fd a pipe's read end");
    off = -1;
    ut_expect(SCN(SYS_sendfile, null, fd, &off, 1), -EINVAL, "*offset -1");
    ut_expect(SCN(SYS_sendfile, null, fd, NULL, -1L), -EINVAL, "count -1");
    ut_expect(SCN(SYS_sendfile, null, p[0], NULL, 1), -EINVAL, "in_fd a pipe");
    off = 0;
    ut_expect(SCN(SYS_sendfile, null, p[0], &off, 1), -ESPIPE,
              "in_fd a pipe, with an offset");
    ut_expect(SCN(SYS_sendfile, null, dir, NULL, 1), -EINVAL,
              "in_fd a directory");
    ut_expect(SCN(SYS_sendfile, null, null, NULL, 1), -EINVAL,
              "in_fd /dev/null");
    ut_expect(offset_of(fd), 0, "no refusal moved the offset");
}

/* What a single-threaded static program's C library calls: a futex word
 * nobody else can touch, raise's tgkill, no groups, sync. */
void t_compat_calls(void)
{
    static uint32_t word[2] = {5, 5};
    struct timespec t = {0, 20 * 1000 * 1000}, now;
    long self = SCN(SYS_getpid);

    ut_expect(SCN(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1), 0, "FUTEX_WAKE");
    ut_expect(SCN(SYS_futex, word, FUTEX_WAIT_PRIVATE, 6, NULL), -EAGAIN,
              "FUTEX_WAIT on a changed word");
    ut_expect(SCN(SYS_futex, word, FUTEX_WAIT_PRIVATE, 5, &t), -ETIMEDOUT,
              "FUTEX_WAIT 20 ms");
    SCN(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
    now.tv_nsec += 20 * 1000 * 1000;
    if (now.tv_nsec >= 1000 * 1000 * 1000) {
        now.tv_sec++;
        now.tv_nsec -= 1000 * 1000 * 1000;
    }
    ut_expect(SCN(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, 0, -1),
              -ETIMEDOUT, "FUTEX_WAIT_BITSET to a monotonic time");
    ut_expect(SCN(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, 5, &t, 0, 0),
              -EINVAL, "FUTEX_WAIT_BITSET, bitset 0");
    ut_expect(SCN(SYS_futex, (char *)word + 1, FUTEX_WAKE_PRIVATE, 1), -EINVAL,
              "futex on a misaligned word");
    ut_expect(SCN(SYS_futex, BAD_PTR, FUTEX_WAIT_PRIVATE, 5, NULL), -EFAULT,
              "FUTEX_WAIT on an unmapped word");
    ut_expect(SCN(SYS_tgkill, self, self, 0), 0, "tgkill(self, self, 0)");
    ut_expect(SCN(SYS_tkill, self, 0), 0, "tkill(self, 0)");
    ut_expect(SCN(SYS_tgkill, self, 0x7ffffff0, 0), -ESRCH,
              "tgkill(unused tid)");
    ut_expect(SCN(SYS_tgkill, 0, self, 0), -EINVAL, "tgkill(tgid 0)");
    ut_expect(SCN(SYS_tgkill, self, self, 999), -EINVAL, "tgkill(sig 999)");
    ut_expect(SCN(SYS_tkill, -1, 0), -EINVAL, "tkill(-1)");
    /* Linux's order: the target first, then the signal */
    ut_expect(SCN(SYS_tgkill, self, 0x7ffffff0, 999), -ESRCH,
              "tgkill(unused tid, sig 999)");
    ut_expect(SCN(SYS_kill, 0x7ffffff0, 999), -ESRCH,
              "kill(unused pid, sig 999)");
    ut_expect(SCN(SYS_kill, self, 999), -EINVAL, "kill(self, sig 999)");
    ut_expect(SCN(SYS_getgroups, -1, NULL), -EINVAL, "getgroups(-1)");
    if (ut_on_kairos) { /* the host's user may have groups */
        ut_expect(SCN(SYS_getgroups, 0, NULL), 0, "getgroups: none");
    }
    ut_expect(SCN(SYS_sync), 0, "sync");
}

/* abort(): the C library's raise(SIGABRT), through tgkill. */
void t_abort_raises(void)
{
    abort();
}

/* What Kairos lacks answers -ENOSYS (docs/linux-abi.md): sockets, mount.
 * Only here: Linux has them. */
void t_missing_facilities(void)
{
    if (!ut_on_kairos) {
        return;
    }
    ut_expect(SC(SYS_socket, AF_INET, SOCK_STREAM, 0), -ENOSYS, "socket");
    ut_expect(SC(SYS_socket, AF_UNIX, SOCK_STREAM, 0), -ENOSYS,
              "socket(AF_UNIX)");
    ut_expect(SC(SYS_mount, "proc", "/proc", "proc", 0, NULL), -ENOSYS,
              "mount");
    ut_expect(SC(SYS_umount2, "/", 0), -ENOSYS, "umount2");
}
