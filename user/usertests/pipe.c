/*
 * usertests: pipes, the descriptor calls and poll (docs/fs.md, "Pipes").
 * A pipe end reaches a child as its stdin or stdout (dup2 before the
 * spawn, undone after), which kairos_spawn and posix_spawn both pass on.
 * Every case holds on Linux too (tests/unit/usertests-linux.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

#define BIG 100000 /* more than a pipe holds (Linux and Kairos: 64 KiB) */

static unsigned char pattern(long i)
{
    return (unsigned char)(i * 11 + (i >> 9));
}

static void mkpipe(int p[2], int flags)
{
    ut_expect(SCN(SYS_pipe2, p, flags), 0, "pipe2");
}

static long now_ms(void)
{
    struct timespec ts;

    SC(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Spawn helper name with fd as its descriptor at (0 or 1), close-on-exec
 * if cloexec; the caller's own at keeps what it was. */
static long spawn_on(const char *name, int fd, int at, int cloexec)
{
    extern char **environ;
    long saved = SC(SYS_fcntl, at, F_DUPFD_CLOEXEC, 10);
    long pid;

    ut_expect(SCN(SYS_dup2, fd, at), at, "dup2 onto stdio");
    ut_expect(SC(SYS_fcntl, at, F_SETFD, cloexec ? FD_CLOEXEC : 0), 0,
              "F_SETFD on stdio");
    pid = ut_spawn_self(name, NULL, environ);
    ut_expect(SC(SYS_dup2, saved, at), at, "dup2 back");
    SC(SYS_close, saved);
    if (pid < 0) {
        ut_fail("spawn %s gave %ld", name, pid);
    }
    return pid;
}

void t_pipe_round_trip(void)
{
    char buf[16] = {0};
    struct stat st;
    int p[2];

    mkpipe(p, 0);
    ut_expect(SC(SYS_write, p[1], "hello", 5), 5, "write");
    ut_expect(SC(SYS_write, p[1], ", pipe", 6), 6, "second write");
    ut_expect(SC(SYS_read, p[0], buf, 3), 3, "short read");
    ut_expect(SC(SYS_read, p[0], buf + 3, sizeof(buf)), 8, "the rest");
    if (strcmp(buf, "hello, pipe") != 0) {
        ut_fail("read back \"%s\"", buf);
    }
    ut_expect(SC(SYS_read, p[1], buf, 1), -EBADF, "read the write end");
    ut_expect(SC(SYS_write, p[0], "x", 1), -EBADF, "write the read end");
    ut_expect(SC(SYS_lseek, p[0], 0, SEEK_CUR), -ESPIPE, "lseek");
    ut_expect(SC(SYS_fstat, p[0], &st), 0, "fstat");
    ut_expect(S_ISFIFO(st.st_mode), 1, "S_ISFIFO");
    ut_expect(SC(SYS_pipe2, p, O_APPEND), -EINVAL, "pipe2 O_APPEND");
}

void t_pipe_eof(void)
{
    char buf[8];
    int p[2];

    mkpipe(p, 0);
    ut_expect(SC(SYS_write, p[1], "ab", 2), 2, "write");
    ut_expect(SC(SYS_close, p[1]), 0, "close the writer");
    ut_expect(SC(SYS_read, p[0], buf, sizeof(buf)), 2, "what was left");
    ut_expect(SC(SYS_read, p[0], buf, sizeof(buf)), 0, "EOF");
    ut_expect(SC(SYS_read, p[0], buf, sizeof(buf)), 0, "EOF again");
}

/* Ends by SIGPIPE, inside the write. */
void t_pipe_sigpipe(void)
{
    int p[2];

    mkpipe(p, 0);
    ut_expect(SC(SYS_close, p[0]), 0, "close the reader");
    SC(SYS_write, p[1], "x", 1);
    ut_fail("the write to a pipe without readers returned");
}

void t_pipe_nonblock(void)
{
    static char buf[BIG];
    long n, total = 0;
    int p[2];

    mkpipe(p, O_NONBLOCK);
    ut_expect(SC(SYS_fcntl, p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK),
              O_RDONLY | O_NONBLOCK, "F_GETFL");
    ut_expect(SC(SYS_read, p[0], buf, 1), -EAGAIN, "read when empty");
    while ((n = SC(SYS_write, p[1], buf, sizeof(buf))) > 0) {
        total += n;
    }
    ut_expect(n, -EAGAIN, "write when full");
    if (total < 4096 || total >= BIG) {
        ut_fail("the pipe took %ld bytes", total);
    }
    ut_expect(SC(SYS_read, p[0], buf, sizeof(buf)), total, "drain");
    ut_expect(SC(SYS_write, p[1], buf, 10), 10, "write after draining");
    /* F_SETFL takes O_NONBLOCK away: a blocking read now gets the data. */
    ut_expect(SC(SYS_fcntl, p[0], F_SETFL, 0), 0, "F_SETFL 0");
    ut_expect(SC(SYS_fcntl, p[0], F_GETFL) & O_NONBLOCK, 0, "F_GETFL");
    ut_expect(SC(SYS_read, p[0], buf, sizeof(buf)), 10, "blocking read");
}

/* Helper: read stdin to EOF; exit 0 if it was BIG bytes of pattern. */
void t_pipe_reader(void)
{
    static unsigned char buf[4096];
    long n, got = 0;

    while ((n = SC(SYS_read, 0, buf, sizeof(buf))) > 0) {
        for (long i = 0; i < n; i++) {
            if (buf[i] != pattern(got + i)) {
                ut_fail("byte %ld wrong", got + i);
            }
        }
        got += n;
    }
    ut_expect(n, 0, "read at EOF");
    ut_expect(got, BIG, "bytes read");
}

/* A writer of more than the pipe holds blocks until a reader in another
 * process drains it; closing the writer is the reader's EOF. */
void t_pipe_to_child(void)
{
    static unsigned char buf[BIG];
    long pid;
    int p[2];

    for (long i = 0; i < BIG; i++) {
        buf[i] = pattern(i);
    }
    mkpipe(p, O_CLOEXEC);
    pid = spawn_on("pipe_reader", p[0], 0, 0);
    ut_expect(SC(SYS_close, p[0]), 0, "close our reader");
    ut_expect(SC(SYS_write, p[1], buf, BIG), BIG, "write to the child");
    ut_expect(SC(SYS_close, p[1]), 0, "close the writer");
    ut_expect(ut_wait(pid), 0, "the reader's status");
}

/* Helper: write "x" to stdout; exit 0 if it went, 2 if fd 1 was closed. */
void t_stdout_probe(void)
{
    long r = SC(SYS_write, 1, "x", 1);

    SC(SYS_exit_group, r == 1 ? 0 : r == -EBADF ? 2 : UT_EXIT_FAIL);
}

void t_dup_semantics(void)
{
    char a[4], b[4];
    long fd = SCN(SYS_open, ut_self, O_RDONLY), d, pid;
    int p[2];

    if (fd < 0) {
        ut_fail("open %s gave %ld", ut_self, fd);
    }
    d = SCN(SYS_dup, fd);
    ut_expect(d > fd, 1, "dup gives a new descriptor");
    /* One open file: the offset is shared. */
    ut_expect(SC(SYS_read, fd, a, 4), 4, "read");
    ut_expect(SC(SYS_read, d, b, 4), 4, "read the dup");
    ut_expect(memcmp(a, "\177ELF", 4), 0, "the first 4 bytes");
    ut_expect(SC(SYS_lseek, d, 0, SEEK_CUR), 8, "the dup's offset");
    ut_expect(SC(SYS_lseek, fd, 1, SEEK_SET), 1, "lseek");
    ut_expect(SC(SYS_lseek, d, 0, SEEK_CUR), 1, "seen through the dup");
    /* Close-on-exec is the descriptor's; status flags the file's. */
    ut_expect(SCN(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), 0, "F_SETFD");
    ut_expect(SC(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC, "F_GETFD");
    ut_expect(SC(SYS_fcntl, d, F_GETFD), 0, "the dup's F_GETFD");
    ut_expect(SC(SYS_fcntl, d, F_SETFL, O_NONBLOCK), 0, "F_SETFL");
    ut_expect(SC(SYS_fcntl, fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK,
              "O_NONBLOCK through the other");
    ut_expect(SC(SYS_fcntl, fd, F_DUPFD, 20), 20, "F_DUPFD 20");
    ut_expect(SC(SYS_fcntl, fd, F_DUPFD, 20), 21, "F_DUPFD 20 again");
    ut_expect(SC(SYS_fcntl, 20, F_GETFD), 0, "F_DUPFD clears cloexec");
    ut_expect(SC(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 30), 30, "F_DUPFD_CLOEXEC");
    ut_expect(SC(SYS_fcntl, 30, F_GETFD), FD_CLOEXEC, "its F_GETFD");
    ut_expect(SCN(SYS_dup3, fd, 31, O_CLOEXEC), 31, "dup3 O_CLOEXEC");
    ut_expect(SC(SYS_fcntl, 31, F_GETFD), FD_CLOEXEC, "dup3's F_GETFD");
    ut_expect(SC(SYS_dup2, 31, 30), 30, "dup2 onto an open one");
    ut_expect(SC(SYS_fcntl, 30, F_GETFD), 0, "dup2 clears cloexec");
    ut_expect(SC(SYS_dup2, 30, 30), 30, "dup2 onto itself");
    /* Linux's errors. */
    ut_expect(SC(SYS_dup, -1), -EBADF, "dup -1");
    ut_expect(SC(SYS_dup, 40), -EBADF, "dup of a closed fd");
    ut_expect(SC(SYS_dup2, 40, 41), -EBADF, "dup2 of a closed fd");
    ut_expect(SC(SYS_dup2, 40, 40), -EBADF, "dup2 closed onto itself");
    ut_expect(SC(SYS_dup2, fd, INT_MAX), -EBADF, "dup2 past the limit");
    ut_expect(SC(SYS_dup2, fd, -1), -EBADF, "dup2 onto -1");
    ut_expect(SC(SYS_dup3, fd, fd, 0), -EINVAL, "dup3 onto itself");
    ut_expect(SC(SYS_dup3, fd, 41, O_NONBLOCK), -EINVAL, "dup3 flags");
    ut_expect(SC(SYS_fcntl, 40, F_GETFD), -EBADF, "fcntl of a closed fd");
    ut_expect(SC(SYS_fcntl, fd, F_DUPFD, INT_MAX), -EINVAL, "F_DUPFD past");
    ut_expect(SC(SYS_fcntl, fd, F_DUPFD, -1), -EINVAL, "F_DUPFD -1");
    ut_expect(SC(SYS_fcntl, fd, 0x7fff), -EINVAL, "an unknown command");
    /* A child gets stdout unless it is close-on-exec. */
    mkpipe(p, 0);
    pid = spawn_on("stdout_probe", p[1], 1, 0);
    ut_expect(ut_wait(pid), 0, "a child's inherited stdout");
    ut_expect(SC(SYS_read, p[0], a, 4), 1, "what it wrote");
    pid = spawn_on("stdout_probe", p[1], 1, 1);
    ut_expect(ut_wait(pid), 2 << 8, "a child's close-on-exec stdout");
}

/* Helper: write one byte to stdout 50 ms from now. */
void t_write_later(void)
{
    struct timespec ts = {0, 50 * 1000000};

    SC(SYS_nanosleep, &ts, 0);
    ut_expect(SC(SYS_write, 1, "w", 1), 1, "the late write");
}

void t_poll_timeouts(void)
{
    struct pollfd q[3];
    struct timespec ts = {0, 40 * 1000000};
    long t0, pid;
    char c;
    int p[2];

    mkpipe(p, 0);
    q[0] = (struct pollfd){p[0], POLLIN, -1};
    q[1] = (struct pollfd){p[1], POLLOUT, -1};
    q[2] = (struct pollfd){45, POLLIN, -1};
    ut_expect(SCN(SYS_poll, q, 3, 0), 2, "poll, no wait");
    ut_expect(q[0].revents, 0, "nothing to read");
    ut_expect(q[1].revents, POLLOUT, "room to write");
    ut_expect(q[2].revents, POLLNVAL, "a closed fd");
    t0 = now_ms();
    ut_expect(SC(SYS_poll, q, 1, 50), 0, "poll 50 ms");
    ut_expect(now_ms() - t0 >= 50, 1, "50 ms passed");
    t0 = now_ms();
    ut_expect(SCN(SYS_ppoll, q, 1, &ts, 0, 8), 0, "ppoll 40 ms");
    ut_expect(now_ms() - t0 >= 40, 1, "40 ms passed");
    /* A write in another process ends a poll that waits for ever. */
    pid = spawn_on("write_later", p[1], 1, 0);
    ut_expect(SC(SYS_poll, q, 1, -1), 1, "poll for ever");
    ut_expect(q[0].revents, POLLIN, "readable");
    ut_expect(SC(SYS_read, p[0], &c, 1), 1, "the byte");
    ut_expect(ut_wait(pid), 0, "the writer's status");
    ut_expect(SC(SYS_close, p[1]), 0, "close the writer");
    ut_expect(SC(SYS_poll, q, 1, -1), 1, "poll after the writer went");
    ut_expect(q[0].revents, POLLHUP, "hang-up");
    ut_expect(SC(SYS_poll, q, 0x7fffffff, 0), -EINVAL, "nfds too big");
    ut_expect(SC(SYS_poll, 0, 1, 0), -EFAULT, "poll NULL");
    ts.tv_nsec = 1000000000;
    ut_expect(SC(SYS_ppoll, q, 1, &ts, 0, 8), -EINVAL, "a bad timespec");
}
