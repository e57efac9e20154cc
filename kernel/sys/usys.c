/*
 * System call wrappers for kernel processes (usys.h).  They hold no state
 * and take no lock: everything happens in the system call.
 */
#include <stdarg.h>

#include "usys.h"

#include "arch.h"
#include "kerrno.h"
#include "panic.h"
#include "printf.h"
#include "syscall.h"

long sys_read(int fd, void *buf, size_t len)
{
    return arch_syscall(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

long sys_write(int fd, const void *buf, size_t len)
{
    return arch_syscall(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}

long sys_sched_yield(void)
{
    return arch_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

pid_t sys_getpid(void)
{
    return (pid_t)arch_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

pid_t sys_getppid(void)
{
    return (pid_t)arch_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
}

_Noreturn void sys_exit(int code)
{
    arch_syscall(SYS_exit, code, 0, 0, 0, 0, 0);
    panic("sys_exit: exit returned");
}

_Noreturn void sys_exit_group(int code)
{
    arch_syscall(SYS_exit_group, code, 0, 0, 0, 0, 0);
    panic("sys_exit_group: exit_group returned");
}

pid_t sys_wait4(pid_t pid, int *status, int options, void *rusage)
{
    return (pid_t)arch_syscall(SYS_wait4, pid, (long)status, options,
                               (long)rusage, 0, 0);
}

long sys_open(const char *path, int flags, int mode)
{
    return arch_syscall(SYS_open, (long)path, flags, mode, 0, 0, 0);
}

long sys_openat(int dirfd, const char *path, int flags, int mode)
{
    return arch_syscall(SYS_openat, dirfd, (long)path, flags, mode, 0, 0);
}

long sys_close(int fd)
{
    return arch_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

long sys_stat(const char *path, void *st)
{
    return arch_syscall(SYS_stat, (long)path, (long)st, 0, 0, 0, 0);
}

long sys_fstat(int fd, void *st)
{
    return arch_syscall(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
}

long sys_newfstatat(int dirfd, const char *path, void *st, int flags)
{
    return arch_syscall(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0,
                        0);
}

long sys_lseek(int fd, long off, int whence)
{
    return arch_syscall(SYS_lseek, fd, off, whence, 0, 0, 0);
}

long sys_ioctl(int fd, unsigned long cmd, void *arg)
{
    return arch_syscall(SYS_ioctl, fd, (long)cmd, (long)arg, 0, 0, 0);
}

long sys_readv(int fd, const void *iov, long cnt)
{
    return arch_syscall(SYS_readv, fd, (long)iov, cnt, 0, 0, 0);
}

long sys_writev(int fd, const void *iov, long cnt)
{
    return arch_syscall(SYS_writev, fd, (long)iov, cnt, 0, 0, 0);
}

long sys_getdents64(int fd, void *buf, unsigned count)
{
    return arch_syscall(SYS_getdents64, fd, (long)buf, (long)count, 0, 0, 0);
}

long sys_pipe2(int fds[2], int flags)
{
    return arch_syscall(SYS_pipe2, (long)fds, flags, 0, 0, 0, 0);
}

long sys_dup(int fd)
{
    return arch_syscall(SYS_dup, fd, 0, 0, 0, 0, 0);
}

long sys_dup2(int oldfd, int newfd)
{
    return arch_syscall(SYS_dup2, oldfd, newfd, 0, 0, 0, 0);
}

long sys_dup3(int oldfd, int newfd, int flags)
{
    return arch_syscall(SYS_dup3, oldfd, newfd, flags, 0, 0, 0);
}

long sys_fcntl(int fd, int cmd, long arg)
{
    return arch_syscall(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

long sys_poll(void *fds, unsigned long nfds, int timeout)
{
    return arch_syscall(SYS_poll, (long)fds, (long)nfds, timeout, 0, 0, 0);
}

long sys_ppoll(void *fds, unsigned long nfds, const void *tsp,
               const void *sigmask, unsigned long sigsetsize)
{
    return arch_syscall(SYS_ppoll, (long)fds, (long)nfds, (long)tsp,
                        (long)sigmask, (long)sigsetsize, 0);
}

long sys_kill(pid_t pid, int sig)
{
    return arch_syscall(SYS_kill, pid, sig, 0, 0, 0, 0);
}

long sys_nanosleep(const struct ktimespec *req, struct ktimespec *rem)
{
    return arch_syscall(SYS_nanosleep, (long)req, (long)rem, 0, 0, 0, 0);
}

long sys_clock_gettime(int clock, struct ktimespec *tp)
{
    return arch_syscall(SYS_clock_gettime, clock, (long)tp, 0, 0, 0, 0);
}

long sys_clock_nanosleep(int clock, int flags, const struct ktimespec *req,
                         struct ktimespec *rem)
{
    return arch_syscall(SYS_clock_nanosleep, clock, flags, (long)req, (long)rem,
                        0, 0);
}

long sys_getpriority(int which, int who)
{
    return arch_syscall(SYS_getpriority, which, who, 0, 0, 0, 0);
}

long sys_setpriority(int which, int who, int nice)
{
    return arch_syscall(SYS_setpriority, which, who, nice, 0, 0, 0);
}

long sys_sched_setparam(pid_t pid, const struct ksched_param *param)
{
    return arch_syscall(SYS_sched_setparam, pid, (long)param, 0, 0, 0, 0);
}

long sys_sched_getparam(pid_t pid, struct ksched_param *param)
{
    return arch_syscall(SYS_sched_getparam, pid, (long)param, 0, 0, 0, 0);
}

long sys_sched_setscheduler(pid_t pid, int policy,
                            const struct ksched_param *param)
{
    return arch_syscall(SYS_sched_setscheduler, pid, policy, (long)param, 0, 0,
                        0);
}

long sys_sched_getscheduler(pid_t pid)
{
    return arch_syscall(SYS_sched_getscheduler, pid, 0, 0, 0, 0, 0);
}

long sys_sched_get_priority_max(int policy)
{
    return arch_syscall(SYS_sched_get_priority_max, policy, 0, 0, 0, 0, 0);
}

long sys_sched_get_priority_min(int policy)
{
    return arch_syscall(SYS_sched_get_priority_min, policy, 0, 0, 0, 0, 0);
}

long sys_sched_rr_get_interval(pid_t pid, struct ktimespec *tp)
{
    return arch_syscall(SYS_sched_rr_get_interval, pid, (long)tp, 0, 0, 0, 0);
}

/* fdprintf collects output here and writes it in chunks. */
struct fdprintf_buf {
    int fd;
    char data[128];
    size_t len;
    long err; /* first error from sys_write, or 0 */
};

static void fdprintf_flush(struct fdprintf_buf *b)
{
    size_t done = 0;

    while (b->err == 0 && done < b->len) {
        long n = sys_write(b->fd, b->data + done, b->len - done);

        if (n <= 0) {
            b->err = n < 0 ? n : -EIO; /* a device that takes nothing */
            break;
        }
        done += (size_t)n;
    }
    b->len = 0;
}

static void fdprintf_putc(char c, void *ctx)
{
    struct fdprintf_buf *b = ctx;

    b->data[b->len++] = c;
    if (b->len == sizeof(b->data)) {
        fdprintf_flush(b);
    }
}

int fdprintf(int fd, const char *fmt, ...)
{
    struct fdprintf_buf b = {.fd = fd, .len = 0, .err = 0};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvformat(fdprintf_putc, &b, fmt, ap);
    va_end(ap);
    fdprintf_flush(&b);
    return b.err != 0 ? (int)b.err : n;
}
