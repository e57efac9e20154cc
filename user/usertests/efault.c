/*
 * Bad pointers: every system call that takes a pointer answers -EFAULT for
 * each of these, harms nothing, and the process goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static const long bad[] = {
    0x8,                        /* the null page */
    (long)0xffffffff80000000UL, /* the kernel image */
    (long)0xffff800000000000UL, /* the physmap */
    (long)0x0000800000000000UL, /* the first address past the user half */
    (long)0x00007ffffffffff8UL, /* 8 bytes below it: runs past the end */
};
#define NBAD ((int)(sizeof(bad) / sizeof(bad[0])))

/* Fail unless r is -EFAULT; call and p name the attempt. */
static void efault(long r, const char *call, long p)
{
    if (r != -EFAULT) {
        ut_fail("%s with %#lx gave %ld, expected -EFAULT", call,
                (unsigned long)p, r);
    }
}

static long open_or_fail(const char *path, int flags)
{
    long fd = SCN(SYS_open, path, flags);

    if (fd < 0) {
        ut_fail("open(%s) gave %ld", path, fd);
    }
    return fd;
}

void t_efault_read(void)
{
    long fd = open_or_fail("/etc/motd", O_RDONLY);
    char buf[16];

    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_read, fd, bad[i], 16), "read(motd)", bad[i]);
    }
    if (SCN(SYS_read, fd, buf, sizeof(buf)) <= 0) {
        ut_fail("read into a good buffer after the bad ones failed");
    }
}

void t_efault_write(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_write, 1, bad[i], 16), "write(1)", bad[i]);
    }
}

void t_efault_readv(void)
{
    long fd = open_or_fail("/etc/motd", O_RDONLY);

    for (int i = 0; i < NBAD; i++) {
        struct iovec v = {(void *)bad[i], 16};
        efault(SCN(SYS_readv, fd, bad[i], 1), "readv(iov)", bad[i]);
        efault(SCN(SYS_readv, fd, &v, 1), "readv(iov_base)", bad[i]);
    }
}

void t_efault_writev(void)
{
    for (int i = 0; i < NBAD; i++) {
        struct iovec v = {(void *)bad[i], 16};
        efault(SCN(SYS_writev, 1, bad[i], 1), "writev(iov)", bad[i]);
        efault(SCN(SYS_writev, 1, &v, 1), "writev(iov_base)", bad[i]);
    }
}

void t_efault_open(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_open, bad[i], O_RDONLY), "open(path)", bad[i]);
    }
}

void t_efault_openat(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_openat, AT_FDCWD, bad[i], O_RDONLY), "openat(path)",
               bad[i]);
    }
}

void t_efault_stat(void)
{
    struct stat st;

    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_stat, bad[i], &st), "stat(path)", bad[i]);
        efault(SCN(SYS_stat, "/etc/motd", bad[i]), "stat(buf)", bad[i]);
    }
}

void t_efault_fstat(void)
{
    long fd = open_or_fail("/etc/motd", O_RDONLY);

    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_fstat, fd, bad[i]), "fstat(motd)", bad[i]);
        efault(SCN(SYS_fstat, 1, bad[i]), "fstat(1)", bad[i]);
    }
}

void t_efault_newfstatat(void)
{
    struct stat st;

    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_newfstatat, AT_FDCWD, bad[i], &st, 0),
               "newfstatat(path)", bad[i]);
        efault(SCN(SYS_newfstatat, AT_FDCWD, "/etc/motd", bad[i], 0),
               "newfstatat(buf)", bad[i]);
    }
}

void t_efault_getdents64(void)
{
    long fd = open_or_fail("/", O_RDONLY | O_DIRECTORY);

    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_getdents64, fd, bad[i], 4096), "getdents64(/)", bad[i]);
    }
}

void t_efault_ioctl(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_ioctl, 1, TIOCGWINSZ, bad[i]), "ioctl(1, TIOCGWINSZ)",
               bad[i]);
        efault(SCN(SYS_ioctl, 1, TCGETS, bad[i]), "ioctl(1, TCGETS)", bad[i]);
    }
}

void t_efault_uname(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_uname, bad[i]), "uname", bad[i]);
    }
}

/* The status pointer is checked before the wait, so the child is still
 * there to reap afterwards. */
void t_efault_wait4(void)
{
    long pid = ut_spawn_self("exit0", NULL, NULL);
    int status;

    if (pid < 0) {
        ut_fail("kairos_spawn(exit0) gave %ld", pid);
    }
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_wait4, pid, bad[i], 0, 0), "wait4(status)", bad[i]);
    }
    status = ut_wait(pid);
    ut_expect(status, 0, "the child's status after the bad waits");
}

void t_efault_nanosleep(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_nanosleep, bad[i], 0), "nanosleep(req)", bad[i]);
    }
}

void t_efault_clock_gettime(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_clock_gettime, CLOCK_MONOTONIC, bad[i]), "clock_gettime",
               bad[i]);
    }
}

void t_efault_clock_nanosleep(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, bad[i], 0),
               "clock_nanosleep(req)", bad[i]);
    }
}

void t_efault_sched_param(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_sched_getparam, 0, bad[i]), "sched_getparam", bad[i]);
        efault(SCN(SYS_sched_setparam, 0, bad[i]), "sched_setparam", bad[i]);
        efault(SCN(SYS_sched_setscheduler, 0, SCHED_OTHER, bad[i]),
               "sched_setscheduler", bad[i]);
    }
}

void t_efault_sched_rr_get_interval(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_sched_rr_get_interval, 0, bad[i]),
               "sched_rr_get_interval", bad[i]);
    }
}

void t_efault_arch_prctl(void)
{
    for (int i = 0; i < NBAD; i++) {
        efault(SCN(SYS_arch_prctl, ARCH_GET_FS, bad[i]),
               "arch_prctl(ARCH_GET_FS)", bad[i]);
    }
}

/* Every pointer spawn reads: the path, argv, an argv string, envp, an
 * envp string. */
void t_efault_kairos_spawn(void)
{
    extern char **environ;

    for (int i = 0; i < NBAD; i++) {
        char *p = (char *)bad[i];
        char *argv[] = {(char *)ut_self, "exit0", NULL};
        char *bad_arg[] = {(char *)ut_self, p, NULL};
        char *bad_env[] = {"A=1", p, NULL};

        efault(ut_spawn(p, argv, environ), "spawn(path)", bad[i]);
        efault(ut_spawn(ut_self, (char *const *)p, environ), "spawn(argv)",
               bad[i]);
        efault(ut_spawn(ut_self, bad_arg, environ), "spawn(argv[1])", bad[i]);
        efault(ut_spawn(ut_self, argv, (char *const *)p), "spawn(envp)",
               bad[i]);
        efault(ut_spawn(ut_self, argv, bad_env), "spawn(envp[1])", bad[i]);
    }
}

/* Linux refuses an FS base outside the user half (-EPERM): loading it
 * would fault in the kernel.  The old base stays. */
void t_arch_prctl_refuses_kernel_fs(void)
{
    unsigned long before = 0, after = 0;

    ut_expect(SCN(SYS_arch_prctl, ARCH_GET_FS, &before), 0, "ARCH_GET_FS");
    for (int i = 1; i < 4; i++) {
        long r = SCN(SYS_arch_prctl, ARCH_SET_FS, bad[i]);
        if (r != -EPERM) {
            ut_fail("ARCH_SET_FS %#lx gave %ld, expected -EPERM",
                    (unsigned long)bad[i], r);
        }
    }
    ut_expect(SCN(SYS_arch_prctl, ARCH_GET_FS, &after), 0, "ARCH_GET_FS");
    ut_expect((long)after, (long)before, "the FS base after the refusals");
}

/* Numbers with no call are -ENOSYS, and the process goes on. */
void t_unknown_syscall(void)
{
    /* 400 and 511: holes in Linux's table (335 and 336 are uretprobe and
     * uprobe since 6.11). */
    static const long nrs[] = {400, 511, 0x7fffffff, -1, 100000};

    for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
        long r = SC(nrs[i]);
        if (r != -ENOSYS) {
            ut_fail("system call %ld gave %ld, expected -ENOSYS", nrs[i], r);
        }
    }
    if (SC(SYS_getpid) <= 0) {
        ut_fail("getpid failed after the unknown calls");
    }
}
