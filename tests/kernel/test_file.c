/*
 * Open files and the file system calls in the booted test kernel, through
 * the real trap (int $0x80, usys.h) from a kernel process, on the test
 * archive (tests/kernel/initrd.py's /ktest) and /dev.  Every case checks
 * that the open files and the heap are back to where they were.
 */
#include "fd.h"
#include "file.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "ktest.h"
#include "proc.h"
#include "sys_file.h"
#include "syscall.h"
#include "usys.h"

#define HELLO        "Kairos initramfs: these bytes, exactly.\n"
#define PATTERN_SIZE 10007

static struct heap_stats h0;
static size_t open0;

static void baseline(void)
{
    h0 = heap_stats();
    open0 = file_stats().open;
}

static bool at_baseline(void)
{
    struct heap_stats h = heap_stats();

    return file_stats().open == open0 && h.bytes_in_use == h0.bytes_in_use &&
           h.live_allocs == h0.live_allocs;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 8));
}

static void read_files(void)
{
    static uint8_t buf[4096];
    char hello[64];
    long fd, n, got = 0;

    baseline();
    fd = sys_open("/ktest/hello.txt", O_RDONLY, 0);
    KT_ASSERT(fd >= 3);
    KT_EQ(sys_read(fd, hello, sizeof(hello)), sizeof(HELLO) - 1);
    KT_EQ(memcmp(hello, HELLO, sizeof(HELLO) - 1), 0);
    KT_EQ(sys_read(fd, hello, sizeof(hello)), 0);
    KT_EQ(sys_close(fd), 0);
    fd = sys_open("/ktest/sub/../pattern.bin", O_RDONLY, 0);
    KT_ASSERT(fd >= 3);
    while ((n = sys_read(fd, buf, 999)) > 0) { /* odd pieces */
        for (long i = 0; i < n; i++) {
            KT_EQ(buf[i], pattern((size_t)(got + i)));
        }
        got += n;
    }
    KT_EQ(n, 0);
    KT_EQ(got, PATTERN_SIZE);
    KT_EQ(sys_lseek(fd, -7, 2), PATTERN_SIZE - 7);
    KT_EQ(sys_read(fd, buf, sizeof(buf)), 7);
    KT_EQ(buf[0], pattern(PATTERN_SIZE - 7));
    KT_EQ(sys_close(fd), 0);
    KT_ASSERT(at_baseline());
}

static void errors(void)
{
    char buf[8];
    long fd;

    baseline();
    KT_EQ(sys_open("/ktest/hello.txt", O_WRONLY, 0), -EROFS);
    KT_EQ(sys_open("/ktest/hello.txt", O_RDWR | O_APPEND, 0), -EROFS);
    KT_EQ(sys_open("/ktest/new", O_WRONLY | O_CREAT, 0644), -EROFS);
    KT_EQ(sys_open("/ktest/nope", O_RDONLY, 0), -ENOENT);
    KT_EQ(sys_open("/ktest/hello.txt/x", O_RDONLY, 0), -ENOTDIR);
    KT_EQ(sys_open("/ktest", O_WRONLY, 0), -EISDIR);
    KT_EQ(sys_open("/ktest/link", O_NOFOLLOW, 0), -ELOOP);
    KT_EQ(sys_open("/ktest", 0x40000000, 0), -EINVAL);
    fd = sys_open("/ktest", O_RDONLY | O_DIRECTORY, 0);
    KT_ASSERT(fd >= 3);
    KT_EQ(sys_read(fd, buf, sizeof(buf)), -EISDIR);
    KT_EQ(sys_write(fd, "x", 1), -EBADF);
    KT_EQ(sys_ioctl(fd, KTCGETS, buf), -ENOTTY);
    KT_EQ(sys_lseek(1, 0, 0), -ESPIPE);
    KT_EQ(sys_close(fd), 0);
    KT_EQ(sys_close(fd), -EBADF);
    KT_EQ(sys_getdents64(0, buf, sizeof(buf)), -ENOTDIR);
    KT_ASSERT(at_baseline());
}

/* The kernel's bad addresses: -EFAULT, nothing written, offsets kept. */
static void bad_pointers(void)
{
    static const char constant[16] = "read-only";
    static const uintptr_t bad[] = {0, 0x0000800000000000UL, 0xdead0000UL,
                                    (uintptr_t)constant};
    struct kiovec iov = {0, 4};
    long fd, dir;

    baseline();
    fd = sys_open("/ktest/hello.txt", O_RDONLY, 0);
    dir = sys_open("/ktest", O_RDONLY, 0);
    KT_ASSERT(fd >= 3 && dir >= 3);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        void *p = (void *)bad[i];

        KT_EQ(sys_read(fd, p, 4), -EFAULT);
        KT_EQ(sys_fstat(fd, p), -EFAULT);
        KT_EQ(sys_stat("/ktest", p), -EFAULT);
        KT_EQ(sys_newfstatat(dir, "hello.txt", p, 0), -EFAULT);
        KT_EQ(sys_getdents64(dir, p, 64), -EFAULT);
        KT_EQ(sys_ioctl(1, KTCGETS, p), -EFAULT);
        KT_EQ(sys_ioctl(1, KTIOCGWINSZ, p), -EFAULT);
        iov.iov_base = p;
        KT_EQ(sys_readv(fd, &iov, 1), -EFAULT);
        if (i < 3) { /* rodata can be read from */
            KT_EQ(sys_open(p, O_RDONLY, 0), -EFAULT);
            KT_EQ(sys_write(1, p, 4), -EFAULT);
            KT_EQ(sys_readv(fd, p, 1), -EFAULT);
        }
    }
    KT_EQ(strcmp(constant, "read-only"), 0);
    KT_EQ(sys_lseek(fd, 0, 1), 0);
    KT_EQ(sys_lseek(dir, 0, 1), 0);
    KT_EQ(sys_close(fd), 0);
    KT_EQ(sys_close(dir), 0);
    KT_ASSERT(at_baseline());
}

static void stat_and_devices(void)
{
    struct kstat st;
    struct ktermios t;
    struct kwinsize ws;
    long fd;

    baseline();
    KT_EQ(sys_stat("/ktest/pattern.bin", &st), 0);
    KT_EQ(st.st_size, PATTERN_SIZE);
    KT_EQ(st.st_mode, FS_IFREG | 0644);
    KT_EQ(st.st_blksize, 4096);
    KT_EQ(st.st_blocks, 24); /* three pages */
    KT_EQ(sys_newfstatat(KAT_FDCWD, "/ktest/link", &st, KAT_SYMLINK_NOFOLLOW),
          0);
    KT_EQ(st.st_mode & FS_IFMT, FS_IFLNK);
    KT_EQ(sys_stat("/dev/console", &st), 0);
    KT_EQ(st.st_rdev, 0x501);
    KT_EQ(sys_stat("/dev/null", &st), 0);
    KT_EQ(st.st_rdev, 0x103);
    KT_EQ(sys_fstat(1, &st), 0);
    KT_EQ(st.st_mode & FS_IFMT, FS_IFCHR);
    KT_EQ(st.st_rdev, 0x501);
    KT_EQ(sys_ioctl(1, KTCGETS, &t), 0);
    KT_EQ(sys_ioctl(0, KTIOCGWINSZ, &ws), 0);
    KT_EQ(ws.ws_col, 80);
    KT_EQ(ws.ws_row, 25);
    fd = sys_open("/dev/console", O_WRONLY, 0);
    KT_ASSERT(fd >= 3);
    KT_EQ(sys_write(fd, "# through /dev/console\n", 23), 23);
    KT_ASSERT(ktest_log_contains("# through /dev/console\n", 64));
    KT_EQ(sys_close(fd), 0);
    fd = sys_open("/dev/null", O_RDWR, 0);
    KT_EQ(sys_write(fd, "gone", 4), 4);
    KT_EQ(sys_read(fd, &st, sizeof(st)), 0);
    KT_EQ(sys_ioctl(fd, KTCGETS, &t), -ENOTTY);
    KT_EQ(sys_close(fd), 0);
    KT_ASSERT(at_baseline());
}

/* /ktest's entries, as linux_dirent64 records. */
static void directory_entries(void)
{
    static const char *const names[] = {".",    "..",          "hello.txt",
                                        "link", "pattern.bin", "sub"};
    static uint8_t buf[1024];
    unsigned seen = 0;
    long n, fd;

    baseline();
    fd = sys_open("/ktest", O_RDONLY | O_DIRECTORY, 0);
    KT_ASSERT(fd >= 3);
    n = sys_getdents64(fd, buf, sizeof(buf));
    KT_ASSERT(n > 0);
    for (long at = 0; at < n;) {
        struct kdirent64 d;
        const char *name = (const char *)buf + at + KDIRENT64_NAME;

        memcpy(&d, buf + at, sizeof(d));
        KT_EQ(d.d_reclen % 8, 0);
        for (unsigned i = 0; i < 6; i++) {
            if (strcmp(name, names[i]) == 0) {
                seen |= 1u << i;
            }
        }
        if (strcmp(name, "link") == 0) {
            KT_EQ(d.d_type, VFS_DT_LNK);
        }
        if (strcmp(name, "sub") == 0) {
            KT_EQ(d.d_type, VFS_DT_DIR);
        }
        at += d.d_reclen;
    }
    KT_EQ(seen, 0x3f);
    KT_EQ(sys_getdents64(fd, buf, sizeof(buf)), 0);
    KT_EQ(sys_close(fd), 0);
    fd = sys_open("/dev", O_RDONLY, 0);
    n = sys_getdents64(fd, buf, sizeof(buf));
    KT_ASSERT(n > 0);
    KT_EQ(sys_close(fd), 0);
    KT_ASSERT(at_baseline());
}

/* Two descriptors on one open file share its offset; the last close
 * frees it. */
static void shared_offsets(void)
{
    struct file_descriptor a, b;
    struct file *f;
    char x[8], y[8];
    long fd;

    baseline();
    fd = sys_open("/ktest/hello.txt", O_RDONLY, 0);
    KT_ASSERT(fd >= 3);
    f = fd_get((int)fd);
    KT_ASSERT(f != NULL);
    KT_EQ(fd_assign(MAX_FDS - 1, f, false), 0);
    file_put(f);
    KT_EQ(process_descriptor(current_pid(), (int)fd, &a), 0);
    KT_EQ(process_descriptor(current_pid(), MAX_FDS - 1, &b), 0);
    KT_ASSERT(a.file == b.file);
    KT_EQ(a.refs, 2);
    KT_EQ(sys_read(fd, x, 6), 6);
    KT_EQ(sys_read(MAX_FDS - 1, y, 6), 6);
    KT_EQ(memcmp(x, HELLO, 6), 0);
    KT_EQ(memcmp(y, &HELLO[6], 6), 0);
    KT_EQ(sys_close(fd), 0);
    KT_EQ(file_stats().open, open0 + 1);
    KT_EQ(sys_lseek(MAX_FDS - 1, 0, 1), 12);
    KT_EQ(sys_close(MAX_FDS - 1), 0);
    KT_ASSERT(at_baseline());
}

static long call(long nr, long a, long b, long c)
{
    return arch_syscall(nr, a, b, c, 0, 0, 0);
}

/*
 * The working directory of a kernel process through the trap: relative
 * opens, stat and readlink from it, getcwd's answers, fchdir, /dev, and
 * the refusals leaving it where it was.  Restored to "/" at the end.
 */
static void working_directory(void)
{
    char buf[64];
    struct kstat st;
    long fd;

    baseline();
    KT_EQ(call(SYS_getcwd, (long)buf, sizeof(buf), 0), 2); /* "/" and NUL */
    KT_EQ(strcmp(buf, "/"), 0);
    KT_EQ(call(SYS_chdir, (long)"/ktest/sub/deep", 0, 0), 0);
    KT_EQ(call(SYS_getcwd, (long)buf, sizeof(buf), 0), 16);
    KT_EQ(strcmp(buf, "/ktest/sub/deep"), 0);
    KT_EQ(call(SYS_getcwd, (long)buf, 15, 0), -ERANGE);
    KT_EQ(call(SYS_chdir, (long)"../..", 0, 0), 0);
    fd = sys_open("hello.txt", O_RDONLY, 0);
    KT_ASSERT(fd >= 3);
    KT_EQ(sys_read(fd, buf, sizeof(buf)), sizeof(HELLO) - 1);
    KT_EQ(sys_close(fd), 0);
    KT_EQ(sys_stat("link", &st), 0);
    KT_EQ(st.st_size, sizeof(HELLO) - 1); /* followed to hello.txt */
    KT_EQ(call(SYS_readlink, (long)"link", (long)buf, sizeof(buf)), 9);
    KT_EQ(memcmp(buf, "hello.txt", 9), 0);
    KT_EQ(call(SYS_readlink, (long)"hello.txt", (long)buf, sizeof(buf)),
          -EINVAL);
    KT_EQ(call(SYS_access, (long)"hello.txt", 4, 0), 0);      /* R_OK */
    KT_EQ(call(SYS_access, (long)"hello.txt", 2, 0), -EROFS); /* W_OK */
    KT_EQ(call(SYS_access, (long)"/dev/console", 2, 0), 0);   /* a device */
    KT_EQ(call(SYS_chdir, (long)"hello.txt", 0, 0), -ENOTDIR);
    KT_EQ(call(SYS_chdir, (long)"nothing", 0, 0), -ENOENT);
    KT_EQ(call(SYS_chdir, (long)0x8000000000000000UL, 0, 0), -EFAULT);
    KT_EQ(call(SYS_getcwd, (long)buf, sizeof(buf), 0), 7);
    KT_EQ(strcmp(buf, "/ktest"), 0); /* the refusals moved nothing */
    fd = sys_open("/dev", O_RDONLY | O_DIRECTORY, 0);
    KT_ASSERT(fd >= 3);
    KT_EQ(call(SYS_fchdir, fd, 0, 0), 0);
    KT_EQ(sys_close(fd), 0);
    KT_EQ(call(SYS_getcwd, (long)buf, sizeof(buf), 0), 5);
    KT_EQ(strcmp(buf, "/dev"), 0);
    KT_EQ(call(SYS_chdir, (long)"/", 0, 0), 0);
    KT_ASSERT(at_baseline());
}

static const struct ktest_case cases[] = {
    {"read_files", read_files},
    {"errors", errors},
    {"bad_pointers", bad_pointers},
    {"stat_and_devices", stat_and_devices},
    {"directory_entries", directory_entries},
    {"shared_offsets", shared_offsets},
    {"working_directory", working_directory},
};

KTEST_SUITE(suite_file, "file", cases);
