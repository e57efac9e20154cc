/*
 * The system call table and its handlers (docs/syscalls.md).
 *
 * Handlers check every argument before acting on it: descriptors through
 * process_descriptor (-EBADF), lengths against SYSCALL_IO_MAX (-EINVAL),
 * buffers through arch_access_ok (-EFAULT).  Arguments Linux declares as
 * int (descriptors, pids, exit codes, options) use the low 32 bits of the
 * register, as on Linux.
 *
 * Kernel processes pass kernel buffers, so handlers use them in place.
 * User processes will need copies through the arch port instead.
 *
 * Locking: no lock is held on entry.  A read that finds no input takes
 * input_lock (console.h), tests again and blocks with
 * block_current_locked, so a byte that arrives in between wakes it.
 */
#include "syscall.h"

#include "arch.h"
#include "klog.h"
#include "input.h"
#include "driver.h"
#include "kerrno.h"
#include "kstring.h"
#include "process.h"
#include "spinlock.h"

/* A handler gets the six argument registers, rdi first. */
typedef long (*syscall_fn)(const long arg[6]);

/*
 * Check what read and write share: 1 with *f filled when there are bytes
 * to move, 0 for a zero-byte transfer, or -EBADF, -EINVAL, -EFAULT in
 * that order.
 */
static long check_io(int fd, const void *buf, size_t len, bool write,
                     struct file_descriptor *f)
{
    int err = process_descriptor(current_pid(), fd, f);

    if (err != 0) {
        return err == -ESRCH ? -EBADF : err; /* no process: no descriptors */
    }
    if ((long)len < 0 || len > (size_t)SYSCALL_IO_MAX) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    if (!arch_access_ok(buf, len, write)) {
        return -EFAULT;
    }
    return 1;
}

/*
 * Read from a device, blocking while it has nothing.  The test is repeated
 * under input_lock, which the input interrupt takes before waking readers:
 * either the byte is already queued, or this process is on the wait queue
 * when the wakeup comes.  Only idle cannot block, and it has no
 * descriptors, so check_io has refused it (-EBADF) before this runs.
 */
static long read_blocking(struct chardev *dev, void *buf, size_t len)
{
    for (;;) {
        long n;
        int err;

        spin_lock(&input_lock);
        n = dev_read(dev, buf, len);
        if (n != 0) {
            spin_unlock(&input_lock);
            return n;
        }
        err = block_current_locked(WAIT_EVENT_INPUT, &input_lock);
        spin_unlock(&input_lock);
        if (err != 0) {
            return err;
        }
    }
}

static long do_read(const long arg[6])
{
    struct file_descriptor f;
    void *buf = (void *)arg[1];
    size_t len = (size_t)arg[2];
    long ok = check_io((int)arg[0], buf, len, true, &f);

    if (ok <= 0) {
        return ok;
    }
    return read_blocking(f.dev, buf, len);
}

static long do_write(const long arg[6])
{
    struct file_descriptor f;
    const void *buf = (const void *)arg[1];
    size_t len = (size_t)arg[2];
    long ok = check_io((int)arg[0], buf, len, false, &f);

    if (ok <= 0) {
        return ok;
    }
    return dev_write(f.dev, buf, len);
}

static long do_sched_yield(const long arg[6])
{
    (void)arg;
    yield_now();
    return 0;
}

static long do_getpid(const long arg[6])
{
    (void)arg;
    return current_pid();
}

static long do_getppid(const long arg[6])
{
    struct process_info info;

    (void)arg;
    if (get_process(current_pid(), &info) != 0) {
        return 0; /* outside any process: no parent */
    }
    return info.ppid;
}

static long do_exit(const long arg[6])
{
    exit_current((int)arg[0]);
}

/*
 * wait4(pid, status, options, rusage).  No process groups, options or
 * resource usage: pid must be -1 or a pid, options 0 and rusage NULL.  The
 * status is checked before waiting, so a bad pointer never loses a child.
 * The caller chose the pointer, so it may be misaligned: it is stored
 * bytewise, never through an int *.
 */
static long do_wait4(const long arg[6])
{
    pid_t target = (pid_t)arg[0];
    void *status = (void *)arg[1];
    int code, wstatus;
    pid_t pid;

    if ((int)arg[2] != 0 || arg[3] != 0) {
        return -EINVAL;
    }
    if (target == 0 || target < -1) {
        return -EINVAL;
    }
    if (status != NULL && !arch_access_ok(status, sizeof(wstatus), true)) {
        return -EFAULT;
    }
    pid = wait_for_child(target, &code);
    if (pid > 0 && status != NULL) {
        wstatus = (code & 0xff) << 8; /* WIFEXITED, WEXITSTATUS = code */
        memcpy(status, &wstatus, sizeof(wstatus));
    }
    return pid;
}

static const syscall_fn syscalls[] = {
    [SYS_read] = do_read,
    [SYS_write] = do_write,
    [SYS_sched_yield] = do_sched_yield,
    [SYS_getpid] = do_getpid,
    [SYS_exit] = do_exit,
    [SYS_wait4] = do_wait4,
    [SYS_getppid] = do_getppid,
    [SYS_exit_group] = do_exit, /* one thread per process */
};

#define NSYSCALLS (sizeof(syscalls) / sizeof(syscalls[0]))

long syscall_dispatch_args(long nr, const long arg[6])
{
    if ((unsigned long)nr >= NSYSCALLS || syscalls[nr] == NULL) {
        return -ENOSYS;
    }
    return syscalls[nr](arg);
}

long syscall_dispatch(long nr, long a1, long a2, long a3, long a4, long a5,
                      long a6)
{
    const long arg[6] = {a1, a2, a3, a4, a5, a6};

    return syscall_dispatch_args(nr, arg);
}
