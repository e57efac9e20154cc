/*
 * Pipes, the descriptor calls and poll on the host (kernel/fs/pipe.c,
 * kernel/sys/sys_pipe.c, sys_poll.c, kernel/proc/fd.c), under ASan and
 * UBSan, through the host's system call entry (arch_syscall) from kernel
 * processes.  The test body runs as init (pid 1), which SIGPIPE cannot
 * end (-EPERM), so it sees -EPIPE itself; blocking cases use a second
 * process, handed a pipe end with fd_install.  Every test checks that
 * the open files, the pipes and the heap come back to their baseline.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine.h"

#include "fd.h"
#include "file.h"
#include "input.h"
#include "kerrno.h"
#include "pipe.h"
#include "poll.h"
#include "process.h"
#include "sys_file.h"
#include "sys_pipe.h"
#include "syscall.h"
#include "timer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BAD_HIGH      ((void *)(uintptr_t)0xFFFF800000001000ULL)

struct kpollfd {
    int fd;
    short events;
    short revents;
};

static long sc(long nr, long a0, long a1, long a2, long a3)
{
    return arch_syscall(nr, a0, a1, a2, a3, 0, 0);
}

static long rd(int fd, void *buf, size_t n)
{
    return sc(SYS_read, fd, (long)buf, (long)n, 0);
}

static long wr(int fd, const void *buf, size_t n)
{
    return sc(SYS_write, fd, (long)buf, (long)n, 0);
}

static long cl(int fd)
{
    return sc(SYS_close, fd, 0, 0, 0);
}

static long mkpipe(int fds[2], int flags)
{
    return sc(SYS_pipe2, (long)fds, flags, 0, 0);
}

/* Run body as init; everything must be gone after. */
static void run(process_entry_t body)
{
    struct heap_stats h0 = heap_stats();

    assert_int_equal(spawn_kernel_process("pipes", body, NULL), 1);
    start_scheduler();
    machine_expect_none();
    assert_false(sched_deadlocked());
    assert_int_equal(file_stats().open, 0);
    assert_int_equal(pipe_stats().open, 0);
    proc_cache_trim();
    assert_int_equal(heap_stats().bytes_in_use, h0.bytes_in_use);
    assert_int_equal(heap_stats().live_allocs, h0.live_allocs);
}

/* A child given the caller's file at fd (a new reference), running fn
 * on the descriptor it lands on. */
static int (*child_fn)(int fd);

static int child_main(void *arg)
{
    int fd = fd_install((struct file *)arg, false);

    return child_fn(fd);
}

static pid_t spawn_with(int fd, int (*fn)(int fd))
{
    struct file *f = fd_get(fd);

    child_fn = fn;
    return spawn_kernel_process("kid", child_main, f); /* takes f */
}

/* wait4's view of pid: its exit code, or 128 + the signal that ended it. */
static int reap(pid_t pid, int *sig)
{
    int code = -1;

    EXPECT_EQ(wait_child_sig(pid, &code, sig, true), pid);
    return code;
}

/* ---- round trip, EOF, EPIPE --------------------------------------------- */

static int round_trip(void *arg)
{
    int p[2] = {-1, -1};
    char buf[16] = {0};
    struct kstat st;

    (void)arg;
    EXPECT_EQ(sc(SYS_pipe, (long)p, 0, 0, 0), 0);
    EXPECT_EQ(p[0], 3);
    EXPECT_EQ(p[1], 4);
    EXPECT_EQ(pipe_stats().open, 1);
    EXPECT_EQ(wr(p[1], "hello", 5), 5);
    EXPECT_EQ(wr(p[1], ", pipe", 6), 6);
    EXPECT_EQ(rd(p[0], buf, 3), 3); /* what was asked, in order */
    EXPECT_EQ(rd(p[0], buf + 3, sizeof(buf)), 8);
    EXPECT(strcmp(buf, "hello, pipe") == 0);
    EXPECT_EQ(rd(p[1], buf, 1), -EBADF); /* each end one way */
    EXPECT_EQ(wr(p[0], "x", 1), -EBADF);
    EXPECT_EQ(sc(SYS_lseek, p[0], 0, SEEK_CUR, 0), -ESPIPE);
    EXPECT_EQ(sc(SYS_fstat, p[0], (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode, S_IFIFO | 0600);
    EXPECT_EQ(sc(SYS_getdents64, p[0], (long)buf, sizeof(buf), 0), -ENOTDIR);
    /* EOF: no writer left, after the bytes still held. */
    EXPECT_EQ(wr(p[1], "xy", 2), 2);
    EXPECT_EQ(cl(p[1]), 0);
    EXPECT_EQ(rd(p[0], buf, sizeof(buf)), 2);
    EXPECT_EQ(rd(p[0], buf, sizeof(buf)), 0);
    EXPECT_EQ(rd(p[0], buf, sizeof(buf)), 0);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(pipe_stats().open, 0);
    return 0;
}

static void test_round_trip_and_eof(void **state)
{
    (void)state;
    run(round_trip);
}

static int write_to_broken(int fd)
{
    wr(fd, "x", 1); /* SIGPIPE ends it on the way out */
    return 0;
}

static int epipe(void *arg)
{
    int p[2];
    int sig = 0;
    pid_t kid;

    (void)arg;
    EXPECT_EQ(mkpipe(p, 0), 0);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(wr(p[1], "x", 1), -EPIPE); /* init: SIGPIPE refused */
    kid = spawn_with(p[1], write_to_broken);
    EXPECT_EQ(reap(kid, &sig), 128 + SIGPIPE);
    EXPECT_EQ(sig, SIGPIPE);
    EXPECT_EQ(cl(p[1]), 0);
    return 0;
}

static void test_epipe_and_sigpipe(void **state)
{
    (void)state;
    run(epipe);
}

/* ---- O_NONBLOCK, partial and atomic writes -------------------------------- */

static uint8_t big[PIPE_SIZE + 8192], back[PIPE_SIZE + 8192];

static int nonblocking(void *arg)
{
    int p[2];
    char c;

    (void)arg;
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7 + 1);
    }
    EXPECT_EQ(mkpipe(p, O_NONBLOCK | O_CLOEXEC), 0);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_GETFL, 0, 0), O_RDONLY | O_NONBLOCK);
    EXPECT_EQ(sc(SYS_fcntl, p[1], KF_GETFL, 0, 0), O_WRONLY | O_NONBLOCK);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_GETFD, 0, 0), KFD_CLOEXEC);
    EXPECT_EQ(rd(p[0], &c, 1), -EAGAIN); /* empty, writers left */
    /* A write longer than the room: as much as fits; then -EAGAIN. */
    EXPECT_EQ(wr(p[1], big, sizeof(big)), PIPE_SIZE);
    EXPECT_EQ(wr(p[1], "x", 1), -EAGAIN);
    EXPECT_EQ(rd(p[0], back, 100), 100);
    /* 100 bytes of room: a 101-byte write is atomic, so none of it. */
    EXPECT_EQ(wr(p[1], big + PIPE_SIZE, 101), -EAGAIN);
    EXPECT_EQ(wr(p[1], big + PIPE_SIZE, 100), 100);
    EXPECT_EQ(rd(p[0], back + 100, sizeof(back)), PIPE_SIZE);
    EXPECT(memcmp(back, big, PIPE_SIZE + 100) == 0);
    /* F_SETFL takes O_NONBLOCK away from the shared file. */
    EXPECT_EQ(sc(SYS_fcntl, p[1], KF_SETFL, 0, 0), 0);
    EXPECT_EQ(sc(SYS_fcntl, p[1], KF_GETFL, 0, 0), O_WRONLY);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_SETFL, O_NONBLOCK | O_APPEND, 0), 0);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_GETFL, 0, 0),
              O_RDONLY | O_NONBLOCK | O_APPEND);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(cl(p[1]), 0);
    return 0;
}

static void test_nonblocking(void **state)
{
    (void)state;
    run(nonblocking);
}

/* A writer of more than the ring holds: blocks, goes on as it drains. */
static int write_big(int fd)
{
    return wr(fd, big, sizeof(big)) == (long)sizeof(big) ? 0 : 1;
}

/* A PIPE_BUF write into a nearly full pipe: waits for room for all of it. */
static int write_atomic(int fd)
{
    return wr(fd, big, PIPE_BUF) == PIPE_BUF ? 0 : 1;
}

static int partial_and_atomic(void *arg)
{
    int p[2], sig = 0;
    size_t got = 0;
    pid_t kid;
    long n;

    (void)arg;
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 13 + 5);
    }
    EXPECT_EQ(mkpipe(p, 0), 0);
    kid = spawn_with(p[1], write_big);
    while (got < sizeof(big) && (n = rd(p[0], back + got, 1000)) > 0) {
        got += (size_t)n;
    }
    EXPECT_EQ(got, sizeof(big));
    EXPECT(memcmp(back, big, sizeof(big)) == 0);
    EXPECT_EQ(reap(kid, &sig), 0);

    /* Room for PIPE_BUF - 1: the writer waits, writes nothing. */
    EXPECT_EQ(wr(p[1], back, PIPE_SIZE - PIPE_BUF + 1),
              PIPE_SIZE - PIPE_BUF + 1);
    kid = spawn_with(p[1], write_atomic);
    yield_now(); /* it runs and blocks */
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_SETFL, O_NONBLOCK, 0), 0);
    EXPECT_EQ(rd(p[0], back, PIPE_SIZE), PIPE_SIZE - PIPE_BUF + 1);
    EXPECT_EQ(rd(p[0], back, 1), -EAGAIN); /* none of its bytes */
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_SETFL, 0, 0), 0);
    EXPECT_EQ(rd(p[0], back, PIPE_SIZE), PIPE_BUF); /* all of them at once */
    EXPECT(memcmp(back, big, PIPE_BUF) == 0);
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(cl(p[1]), 0);
    return 0;
}

static void test_partial_and_atomic_writes(void **state)
{
    (void)state;
    run(partial_and_atomic);
}

/* ---- blocking, wakeups, signals ------------------------------------------ */

static char kid_got[8];

static int read_one(int fd)
{
    return rd(fd, kid_got, sizeof(kid_got)) == 3 ? 0 : 1;
}

static int read_forever(int fd)
{
    char c;

    rd(fd, &c, 1); /* a signal ends it */
    return 0;
}

static int write_forever(int fd)
{
    for (;;) {
        if (wr(fd, big, sizeof(big)) <= 0) {
            return 1;
        }
    }
}

static int blocking(void *arg)
{
    int p[2], sig = 0;
    struct process_info info;
    pid_t kid;

    (void)arg;
    EXPECT_EQ(mkpipe(p, 0), 0);
    kid = spawn_with(p[0], read_one);
    yield_now();
    EXPECT_EQ(get_process(kid, &info), 0);
    EXPECT_EQ(info.state, PROCESS_BLOCKED); /* an empty pipe: it waits */
    EXPECT_EQ(wr(p[1], "abc", 3), 3);
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT(memcmp(kid_got, "abc", 3) == 0);

    /* A blocked reader and a blocked writer end on a signal. */
    kid = spawn_with(p[0], read_forever);
    yield_now();
    EXPECT_EQ(process_kill(kid, SIGTERM), 0);
    EXPECT_EQ(reap(kid, &sig), 128 + SIGTERM);
    kid = spawn_with(p[1], write_forever);
    yield_now();
    EXPECT_EQ(get_process(kid, &info), 0);
    EXPECT_EQ(info.state, PROCESS_BLOCKED); /* the ring is full */
    EXPECT_EQ(process_kill(kid, SIGTERM), 0);
    EXPECT_EQ(reap(kid, &sig), 128 + SIGTERM);

    /* A blocked reader sees EOF when the last writer goes. */
    EXPECT_EQ(cl(p[1]), 0);
    EXPECT_EQ(rd(p[0], back, sizeof(back)), PIPE_SIZE); /* what it left */
    EXPECT_EQ(rd(p[0], back, 1), 0);
    EXPECT_EQ(cl(p[0]), 0);
    return 0;
}

static void test_blocking_and_signals(void **state)
{
    (void)state;
    run(blocking);
}

static int reader_until_eof(int fd)
{
    char c;

    return rd(fd, &c, 1) == 0 ? 0 : 1;
}

/* Reader and writer counts follow open files, not descriptors. */
static int references(void *arg)
{
    int p[2], sig = 0;
    struct file_descriptor d;
    char c;
    pid_t kid;

    (void)arg;
    EXPECT_EQ(mkpipe(p, 0), 0);
    EXPECT_EQ(sc(SYS_dup, p[1], 0, 0, 0), 5);
    EXPECT_EQ(process_descriptor(current_pid(), 5, &d), 0);
    EXPECT_EQ(d.kind, FD_PIPE);
    EXPECT_EQ(d.refs, 2);
    kid = spawn_with(p[0], reader_until_eof);
    EXPECT_EQ(cl(p[1]), 0); /* 5 still writes: no EOF yet */
    yield_now();
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_SETFL, O_NONBLOCK, 0), 0);
    EXPECT_EQ(rd(p[0], &c, 1), -EAGAIN);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_SETFL, 0, 0), 0);
    EXPECT_EQ(cl(5), 0); /* the last writer: the child sees EOF */
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(pipe_stats().open, 0);
    return 0;
}

static void test_references_follow_open_files(void **state)
{
    (void)state;
    run(references);
}

/* ---- dup, dup2, dup3, fcntl ---------------------------------------------- */

struct call {
    const char *name;
    long nr, a0, a1, a2;
    long want;
};

static int dup_calls(void *arg)
{
    static const struct call calls[] = {
        {"dup of a closed fd", SYS_dup, 9, 0, 0, -EBADF},
        {"dup of -1", SYS_dup, -1, 0, 0, -EBADF},
        {"dup of MAX_FDS", SYS_dup, MAX_FDS, 0, 0, -EBADF},
        {"dup2 from a closed fd", SYS_dup2, 9, 5, 0, -EBADF},
        {"dup2 onto MAX_FDS", SYS_dup2, 3, MAX_FDS, 0, -EBADF},
        {"dup2 onto -1", SYS_dup2, 3, -1, 0, -EBADF},
        {"dup2 closed onto itself", SYS_dup2, 9, 9, 0, -EBADF},
        {"dup2 onto itself", SYS_dup2, 3, 3, 0, 3},
        {"dup3 onto itself", SYS_dup3, 3, 3, 0, -EINVAL},
        {"dup3 with O_NONBLOCK", SYS_dup3, 3, 5, O_NONBLOCK, -EINVAL},
        {"dup3 onto MAX_FDS", SYS_dup3, 3, MAX_FDS, 0, -EBADF},
        {"dup3 from a closed fd", SYS_dup3, 9, 5, 0, -EBADF},
        {"fcntl of a closed fd", SYS_fcntl, 9, KF_GETFD, 0, -EBADF},
        {"fcntl unknown command", SYS_fcntl, 3, 12345, 0, -EINVAL},
        {"F_DUPFD at MAX_FDS", SYS_fcntl, 3, KF_DUPFD, MAX_FDS, -EINVAL},
        {"F_DUPFD from -1", SYS_fcntl, 3, KF_DUPFD, -1, -EINVAL},
        {"pipe2 bad flags", SYS_pipe2, 0, O_APPEND, 0, -EINVAL},
        {"pipe2 O_DIRECT", SYS_pipe2, 0, O_DIRECT, 0, -EINVAL},
        {"pipe2 NULL", SYS_pipe2, 0, 0, 0, -EFAULT},
        {"pipe2 kernel address", SYS_pipe2, (long)BAD_HIGH, 0, 0, -EFAULT},
    };
    int p[2];
    char buf[8];

    (void)arg;
    EXPECT_EQ(mkpipe(p, 0), 0); /* 3 and 4 */
    for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
        const struct call *c = &calls[i];
        long got = sc(c->nr, c->a0, c->a1, c->a2, 0);

        if (got != c->want) {
            EXPECT_EQ(got, c->want);
            print_message("  case: %s\n", c->name);
        }
    }
    EXPECT_EQ(file_stats().open, 2); /* nothing made by a failed call */
    EXPECT_EQ(pipe_stats().open, 1);
    /* dup2 closes what the target held; the copy shares the file. */
    EXPECT_EQ(sc(SYS_dup2, p[1], 10, 0, 0), 10);
    EXPECT_EQ(sc(SYS_dup2, p[0], 10, 0, 0), 10); /* was a writer */
    EXPECT_EQ(wr(p[1], "ab", 2), 2);
    EXPECT_EQ(rd(10, buf, 1), 1);
    EXPECT_EQ(rd(p[0], buf + 1, 1), 1);
    EXPECT(memcmp(buf, "ab", 2) == 0);
    /* F_DUPFD: the lowest free one at or above arg. */
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_DUPFD, 10, 0), 11);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_DUPFD, 0, 0), 5);
    EXPECT_EQ(sc(SYS_fcntl, 5, KF_GETFD, 0, 0), 0);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_DUPFD_CLOEXEC, MAX_FDS - 1, 0),
              MAX_FDS - 1);
    EXPECT_EQ(sc(SYS_fcntl, MAX_FDS - 1, KF_GETFD, 0, 0), KFD_CLOEXEC);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_DUPFD, MAX_FDS - 1, 0), -EMFILE);
    EXPECT_EQ(sc(SYS_fcntl, 5, KF_SETFD, KFD_CLOEXEC, 0), 0);
    EXPECT_EQ(sc(SYS_fcntl, 5, KF_GETFD, 0, 0), KFD_CLOEXEC);
    EXPECT_EQ(sc(SYS_fcntl, p[0], KF_GETFD, 0, 0), 0); /* the fd's own */
    EXPECT_EQ(sc(SYS_dup3, 5, 12, O_CLOEXEC, 0), 12);
    EXPECT_EQ(sc(SYS_fcntl, 12, KF_GETFD, 0, 0), KFD_CLOEXEC);
    EXPECT_EQ(sc(SYS_dup2, 12, 13, 0, 0), 13);
    EXPECT_EQ(sc(SYS_fcntl, 13, KF_GETFD, 0, 0), 0); /* dup2 clears it */
    /* Status flags belong to the file: every copy sees them. */
    EXPECT_EQ(sc(SYS_fcntl, 13, KF_SETFL, O_NONBLOCK, 0), 0);
    EXPECT_EQ(rd(p[0], buf, 1), -EAGAIN);
    /* Fill the table: dup gives -EMFILE and leaks nothing. */
    while (sc(SYS_dup, p[0], 0, 0, 0) >= 0) {
    }
    EXPECT_EQ(sc(SYS_dup, p[0], 0, 0, 0), -EMFILE);
    EXPECT_EQ(mkpipe(p, 0), -EMFILE);
    EXPECT_EQ(file_stats().open, 2);
    EXPECT_EQ(pipe_stats().open, 1);
    EXPECT_EQ(cl(MAX_FDS - 2), 0); /* one free slot: still too few */
    EXPECT_EQ(mkpipe(p, 0), -EMFILE);
    EXPECT_EQ(pipe_stats().open, 1);
    return 0; /* exit closes them all */
}

static void test_dup_and_fcntl(void **state)
{
    (void)state;
    run(dup_calls);
}

/* ---- poll ----------------------------------------------------------------- */

static bool script_ready;

static long script_read(struct chardev *dev, void *buf, size_t len)
{
    (void)dev;
    if (!script_ready || len == 0) {
        return 0;
    }
    script_ready = false;
    *(char *)buf = 'k';
    return 1;
}

static bool script_is_ready(struct chardev *dev)
{
    (void)dev;
    return script_ready;
}

static const struct chardev_ops script_ops = {.read = script_read,
                                              .ready = script_is_ready};

static int write_later(int fd)
{
    sleep_ticks(5);
    return wr(fd, "z", 1) == 1 ? 0 : 1;
}

static int type_later(int fd)
{
    (void)fd;
    sleep_ticks(5);
    script_ready = true;
    input_ready();
    return 0;
}

static int poll_forever(int fd)
{
    struct kpollfd q = {fd, KPOLLIN, 0};

    sc(SYS_poll, (long)&q, 1, -1, 0); /* a signal ends it */
    return 0;
}

static int poll_pipes(void *arg)
{
    int p[2], sig = 0;
    struct kpollfd q[4];
    struct ktimespec ts = {0, 30 * 1000000};
    uint64_t t0;
    pid_t kid;
    char c;

    (void)arg;
    EXPECT_EQ(mkpipe(p, 0), 0);
    q[0] = (struct kpollfd){p[0], KPOLLIN, -1};
    q[1] = (struct kpollfd){p[1], KPOLLOUT, -1};
    q[2] = (struct kpollfd){-1, KPOLLIN, -1};
    q[3] = (struct kpollfd){40, KPOLLIN, -1};
    EXPECT_EQ(sc(SYS_poll, (long)q, 4, 0, 0), 2);
    EXPECT_EQ(q[0].revents, 0);
    EXPECT_EQ(q[1].revents, KPOLLOUT);
    EXPECT_EQ(q[2].revents, 0);         /* a negative fd is skipped */
    EXPECT_EQ(q[3].revents, KPOLLNVAL); /* not open */
    /* Nothing to read: the timeout, never early (hz 100: 3 ticks). */
    t0 = timer_ticks();
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, 30, 0), 0);
    EXPECT(timer_ticks() - t0 >= 3);
    t0 = timer_ticks();
    EXPECT_EQ(sc(SYS_ppoll, (long)q, 1, (long)&ts, 0), 0);
    EXPECT(timer_ticks() - t0 >= 3);
    /* A writer wakes a poll that waits for ever (timeout -1, tsp NULL). */
    kid = spawn_with(p[1], write_later);
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, -1, 0), 1);
    EXPECT_EQ(q[0].revents, KPOLLIN);
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT_EQ(rd(p[0], &c, 1), 1);
    kid = spawn_with(p[1], write_later);
    EXPECT_EQ(sc(SYS_ppoll, (long)q, 1, 0, 0), 1);
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT_EQ(rd(p[0], &c, 1), 1);
    /* POLLRDNORM alone is answered alone. */
    q[0].events = KPOLLRDNORM;
    EXPECT_EQ(wr(p[1], "y", 1), 1);
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, 0, 0), 1);
    EXPECT_EQ(q[0].revents, KPOLLRDNORM);
    EXPECT_EQ(rd(p[0], &c, 1), 1);
    /* A poll killed while it waits ends. */
    kid = spawn_with(p[0], poll_forever);
    yield_now();
    EXPECT_EQ(process_kill(kid, SIGTERM), 0);
    EXPECT_EQ(reap(kid, &sig), 128 + SIGTERM);
    /* Hang-ups: no writer is POLLHUP (unasked), no reader POLLERR. */
    q[0].events = KPOLLIN;
    EXPECT_EQ(sc(SYS_dup, p[1], 0, 0, 0), 5);
    EXPECT_EQ(cl(p[1]), 0);
    q[1].fd = 5;
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(sc(SYS_poll, (long)&q[1], 1, -1, 0), 1);
    EXPECT_EQ(q[1].revents, KPOLLOUT | KPOLLERR);
    EXPECT_EQ(mkpipe(p, 0), 0);
    EXPECT_EQ(cl(p[1]), 0);
    q[0].fd = p[0];
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, -1, 0), 1);
    EXPECT_EQ(q[0].revents, KPOLLHUP);
    EXPECT_EQ(cl(p[0]), 0);
    EXPECT_EQ(cl(5), 0);
    return 0;
}

static void test_poll_pipes(void **state)
{
    (void)state;
    run(poll_pipes);
}

static int poll_console(void *arg)
{
    struct chardev *dev = driver_find("tpoll");
    struct file *f = file_open_chardev(dev, NULL, O_RDONLY);
    struct kpollfd q[2];
    int fd = fd_install(f, false), sig = 0;
    pid_t kid;
    char c;

    (void)arg;
    q[0] = (struct kpollfd){fd, KPOLLIN | KPOLLOUT, -1};
    q[1] = (struct kpollfd){1, KPOLLIN | KPOLLOUT, -1}; /* the console */
    EXPECT_EQ(sc(SYS_poll, (long)q, 2, 0, 0), 1);
    EXPECT_EQ(q[0].revents, 0); /* nothing queued; not for writing */
    EXPECT_EQ(q[1].revents, KPOLLOUT);
    kid = spawn_with(fd, type_later); /* input_ready wakes the poll */
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, -1, 0), 1);
    EXPECT_EQ(q[0].revents, KPOLLIN);
    EXPECT_EQ(rd(fd, &c, 1), 1);
    EXPECT_EQ(c, 'k');
    EXPECT_EQ(sc(SYS_poll, (long)q, 1, 0, 0), 0);
    EXPECT_EQ(reap(kid, &sig), 0);
    EXPECT_EQ(cl(fd), 0);
    return 0;
}

static void test_poll_console(void **state)
{
    (void)state;
    assert_int_equal(driver_register("tpoll", &script_ops, NULL), 0);
    script_ready = false;
    run(poll_console);
}

static int poll_bad(void *arg)
{
    struct kpollfd q = {0, KPOLLIN, 0};
    struct ktimespec bad = {0, 1000000000};
    uint64_t mask = 0;

    (void)arg;
    EXPECT_EQ(sc(SYS_poll, (long)&q, MAX_FDS + 1, 0, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_poll, 0, 1, 0, 0), -EFAULT);
    EXPECT_EQ(sc(SYS_poll, (long)BAD_HIGH, 1, 0, 0), -EFAULT);
    EXPECT_EQ(sc(SYS_poll, 0, 0, 0, 0), 0); /* nothing to watch */
    EXPECT_EQ(sc(SYS_ppoll, (long)&q, 1, (long)&bad, 0), -EINVAL);
    bad.tv_nsec = -1;
    EXPECT_EQ(sc(SYS_ppoll, (long)&q, 1, (long)&bad, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_ppoll, (long)&q, 1, (long)BAD_HIGH, 0), -EFAULT);
    EXPECT_EQ(arch_syscall(SYS_ppoll, (long)&q, 1, 0, (long)&mask, 4, 0),
              -EINVAL);
    EXPECT_EQ(arch_syscall(SYS_ppoll, (long)&q, 1, 0, (long)BAD_HIGH, 8, 0),
              -EFAULT);
    return 0;
}

static void test_poll_bad_arguments(void **state)
{
    (void)state;
    run(poll_bad);
}

#define T(f) cmocka_unit_test_setup_teardown(f, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip_and_eof),   T(test_epipe_and_sigpipe),
        T(test_nonblocking),          T(test_partial_and_atomic_writes),
        T(test_blocking_and_signals), T(test_references_follow_open_files),
        T(test_dup_and_fcntl),        T(test_poll_pipes),
        T(test_poll_console),         T(test_poll_bad_arguments),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
