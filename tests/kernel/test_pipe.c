/*
 * Pipes, the descriptor calls and poll in the booted test kernel, through
 * the real trap (int $0x80, usys.h) from kernel processes, with the real
 * timer: a reader blocked in another process woken by a write, SIGPIPE
 * seen through wait4, poll's timeout against the PIT's ticks, and the
 * kernel's bad addresses (NULL, unmapped, rodata).  Every case checks
 * that the open files, the pipes and the heap are back where they were.
 */
#include "fd.h"
#include "file.h"
#include "heap.h"
#include "kerrno.h"
#include "kproc.h"
#include "kstring.h"
#include "ktest.h"
#include "pipe.h"
#include "poll.h"
#include "proc.h"
#include "sys_pipe.h"
#include "syscall.h"
#include "usys.h"

struct kpollfd {
    int fd;
    short events;
    short revents;
};

static struct heap_stats h0;
static size_t open0;

/* Reaped records wait in a cache the idle loop trims: trim it first. */
static void baseline(void)
{
    proc_cache_trim();
    h0 = heap_stats();
    open0 = file_stats().open;
}

static bool at_baseline(void)
{
    struct heap_stats h;

    proc_cache_trim();
    h = heap_stats();

    return file_stats().open == open0 && pipe_stats().open == 0 &&
           h.bytes_in_use == h0.bytes_in_use && h.live_allocs == h0.live_allocs;
}

/* A child running fn on its own descriptor for the file at fd. */
static int (*child_fn)(int fd);

static int child_main(void *arg)
{
    return child_fn(fd_install((struct file *)arg, false));
}

static pid_t spawn_with(int fd, int (*fn)(int fd))
{
    child_fn = fn;
    return spawn_kernel_process("kid", child_main, fd_get(fd));
}

static char got[16];

static int read_some(int fd)
{
    return (int)sys_read(fd, got, sizeof(got));
}

static int write_one(int fd)
{
    sys_write(fd, "x", 1); /* no reader: SIGPIPE ends it here */
    return 0;
}

/* A reader blocked in another process is woken by the write. */
static void blocked_reader_woken(void)
{
    int p[2], status = 0;
    pid_t kid;

    baseline();
    KT_EQ(sys_pipe2(p, 0), 0);
    kid = spawn_with(p[0], read_some);
    KT_ASSERT(wait_state(kid, PROCESS_BLOCKED, 100));
    KT_EQ(sys_write(p[1], "through", 7), 7);
    KT_EQ(sys_wait4(kid, &status, 0, NULL), kid);
    KT_EQ(KWEXITSTATUS(status), 7);
    KT_EQ(memcmp(got, "through", 7), 0);
    KT_EQ(sys_close(p[0]), 0);
    KT_EQ(sys_close(p[1]), 0);
    KT_ASSERT(at_baseline());
}

/* No reader: -EPIPE for init (SIGPIPE refused), killed by it otherwise. */
static void epipe_sigpipe(void)
{
    int p[2], status = 0;
    pid_t kid;

    baseline();
    KT_EQ(sys_pipe2(p, O_CLOEXEC), 0);
    KT_EQ(sys_close(p[0]), 0);
    KT_EQ(sys_write(p[1], "x", 1), -EPIPE);
    kid = spawn_with(p[1], write_one);
    KT_EQ(sys_wait4(kid, &status, 0, NULL), kid);
    KT_ASSERT(KWIFSIGNALED(status));
    KT_EQ(KWTERMSIG(status), SIGPIPE);
    KT_EQ(sys_close(p[1]), 0);
    KT_ASSERT(at_baseline());
}

/* poll's timeout is never short, on the real clock; data ends it. */
static void poll_timeouts(void)
{
    int p[2];
    struct kpollfd q;
    struct ktimespec ts = {0, 20 * 1000000};
    uint64_t t0;
    char c;

    baseline();
    KT_EQ(sys_pipe2(p, 0), 0);
    q = (struct kpollfd){p[0], KPOLLIN, 0};
    t0 = uptime_ns();
    KT_EQ(sys_poll(&q, 1, 30), 0);
    KT_ASSERT(uptime_ns() - t0 >= 30 * 1000000ULL);
    t0 = uptime_ns();
    KT_EQ(sys_ppoll(&q, 1, &ts, NULL, 0), 0);
    KT_ASSERT(uptime_ns() - t0 >= 20 * 1000000ULL);
    KT_EQ(sys_write(p[1], "d", 1), 1);
    KT_EQ(sys_poll(&q, 1, -1), 1);
    KT_EQ(q.revents, KPOLLIN);
    KT_EQ(sys_read(p[0], &c, 1), 1);
    KT_EQ(sys_close(p[1]), 0);
    KT_EQ(sys_poll(&q, 1, -1), 1);
    KT_EQ(q.revents, KPOLLHUP);
    KT_EQ(sys_close(p[0]), 0);
    KT_ASSERT(at_baseline());
}

/* Bad kernel addresses: -EFAULT, nothing made or changed. */
static void bad_addresses(void)
{
    static const int constant[2] = {7, 7}; /* rodata */
    static const struct kpollfd ro = {0, KPOLLIN, 0};
    const long bad[] = {0, (long)0xdead0000UL, (long)0x8000000000000000UL,
                        (long)(uintptr_t)constant};
    int p[2];

    baseline();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        KT_EQ(arch_syscall(SYS_pipe2, bad[i], 0, 0, 0, 0, 0), -EFAULT);
        KT_EQ(arch_syscall(SYS_pipe, bad[i], 0, 0, 0, 0, 0), -EFAULT);
        KT_EQ(arch_syscall(SYS_poll, bad[i], 1, 0, 0, 0, 0), -EFAULT);
    }
    KT_EQ(arch_syscall(SYS_poll, (long)(uintptr_t)&ro, 1, 0, 0, 0, 0), -EFAULT);
    KT_EQ(constant[0], 7);
    KT_ASSERT(at_baseline());
    KT_EQ(sys_pipe2(p, 0), 0);
    KT_EQ(sys_dup2(p[0], MAX_FDS - 1), MAX_FDS - 1);
    KT_EQ(sys_fcntl(MAX_FDS - 1, KF_DUPFD, MAX_FDS), -EINVAL);
    KT_EQ(sys_dup3(p[0], p[0], 0), -EINVAL);
    KT_EQ(sys_close(MAX_FDS - 1), 0);
    KT_EQ(sys_close(p[0]), 0);
    KT_EQ(sys_close(p[1]), 0);
    KT_ASSERT(at_baseline());
}

static const struct ktest_case cases[] = {
    {"blocked_reader_woken", blocked_reader_woken},
    {"epipe_sigpipe", epipe_sigpipe},
    {"poll_timeouts", poll_timeouts},
    {"bad_addresses", bad_addresses},
};

KTEST_SUITE(suite_pipe, "pipe", cases);
