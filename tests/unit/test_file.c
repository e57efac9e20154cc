#define _GNU_SOURCE /* O_PATH in <fcntl.h> */
/*
 * Open files and the file system calls on the host (kernel/fs/file.c,
 * vfs.c, kernel/proc/fd.c, kernel/sys/sys_file.c), under ASan and UBSan,
 * through the host's system call entry (arch_syscall) from kernel
 * processes, on a ramfs unpacked from an archive each test builds
 * (tests/unit/newc.h) and made "/" with vfs_set_root.  Every test checks
 * that the open files and the heap come back to their baseline.
 */
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
#include "newc.h"

#include "fd.h"
#include "file.h"
#include "kerrno.h"
#include "process.h"
#include "ramfs.h"
#include "sys_file.h"
#include "syscall.h"
#include "vfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MOTD          "hello, world\n"
#define BAD_HIGH      ((void *)(uintptr_t)0xFFFF800000001000ULL)

/* struct kstat is Linux x86_64's struct stat, as the host's glibc has it. */
_Static_assert(sizeof(struct kstat) == 144, "struct stat is 144 bytes");
_Static_assert(sizeof(struct stat) == sizeof(struct kstat), "host's");
_Static_assert(offsetof(struct kstat, st_mode) ==
                   offsetof(struct stat, st_mode),
               "st_mode");
_Static_assert(offsetof(struct kstat, st_rdev) ==
                   offsetof(struct stat, st_rdev),
               "st_rdev");
_Static_assert(offsetof(struct kstat, st_size) ==
                   offsetof(struct stat, st_size),
               "st_size");
_Static_assert(offsetof(struct kstat, st_blocks) ==
                   offsetof(struct stat, st_blocks),
               "st_blocks");
_Static_assert(offsetof(struct kstat, st_mtime_sec) ==
                   offsetof(struct stat, st_mtim),
               "st_mtime");
_Static_assert(sizeof(struct kiovec) == 16, "struct iovec");
_Static_assert(sizeof(struct ktermios) == 36, "the kernel's termios");
_Static_assert(offsetof(struct kdirent64, d_name) == KDIRENT64_NAME, "dirent");

static struct newc arc;
static struct ramfs fs;

static long sc(long nr, long a0, long a1, long a2, long a3)
{
    return arch_syscall(nr, a0, a1, a2, a3, 0, 0);
}

static long op(const char *path, int flags)
{
    return sc(SYS_open, (long)path, flags, 0, 0);
}

/* /etc/motd, /etc/big (5000 bytes), /etc/link -> motd, /etc/sub/, /bin/. */
static int fs_setup(void **state)
{
    static char big[5000];

    if (machine_setup(state) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (char)('a' + i % 26);
    }
    memset(&arc, 0, sizeof(arc));
    memset(&fs, 0, sizeof(fs));
    newc_dir(&arc, "etc", 0755);
    newc_file(&arc, "etc/motd", MOTD);
    newc_add(&arc, "etc/big", 0100644, big, sizeof(big));
    newc_link(&arc, "etc/link", "motd");
    newc_dir(&arc, "etc/sub", 0755);
    newc_dir(&arc, "bin", 0755);
    newc_trailer(&arc);
    if (ramfs_unpack(&fs, arc.buf, arc.len) != 0) {
        return -1;
    }
    vfs_set_root(&fs);
    return 0;
}

static int fs_teardown(void **state)
{
    vfs_set_root(NULL);
    ramfs_release(&fs);
    return machine_teardown(state);
}

/* Run body in a process; it and everything it opened must be gone after,
 * the open files and the heap back where they were. */
static void run(process_entry_t body)
{
    struct heap_stats h0 = heap_stats();

    assert_true(spawn_kernel_process("files", body, NULL) > 0);
    start_scheduler();
    machine_expect_none();
    assert_int_equal(file_stats().open, 0);
    proc_cache_trim();
    assert_int_equal(heap_stats().bytes_in_use, h0.bytes_in_use);
    assert_int_equal(heap_stats().live_allocs, h0.live_allocs);
}

/* ---- open, read, close --------------------------------------------------- */

static int open_read_close(void *arg)
{
    char buf[32] = {0};
    long fd = op("/etc/motd", O_RDONLY);

    (void)arg;
    EXPECT_EQ(fd, 3); /* the lowest free descriptor */
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, 5, 0), 5);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf + 5, sizeof(buf), 0),
              strlen(MOTD) - 5);
    EXPECT(strcmp(buf, MOTD) == 0);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, sizeof(buf), 0), 0); /* EOF */
    EXPECT_EQ(file_stats().open, 1);
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), -EBADF);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, 1, 0), -EBADF);
    EXPECT_EQ(file_stats().open, 0);
    fd = op("/etc/link", O_RDONLY); /* a link is followed */
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, sizeof(buf), 0), strlen(MOTD));
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    fd = sc(SYS_openat, KAT_FDCWD, (long)"etc/../etc/motd", O_RDONLY, 0);
    EXPECT_EQ(fd, 3); /* relative to "/": no cwd yet */
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    return 0;
}

static void test_open_read_close(void **state)
{
    (void)state;
    run(open_read_close);
}

static const struct {
    const char *name, *path;
    int flags;
    long err;
} open_cases[] = {
    {"missing", "/nope", O_RDONLY, -ENOENT},
    {"under a file", "/etc/motd/x", O_RDONLY, -ENOTDIR},
    {"file with a slash", "/etc/motd/", O_RDONLY, -ENOTDIR},
    {"empty path", "", O_RDONLY, -ENOENT},
    {"write-only", "/etc/motd", O_WRONLY, -EROFS},
    {"read-write", "/etc/motd", O_RDWR, -EROFS},
    {"truncate", "/etc/motd", O_RDONLY | O_TRUNC, -EROFS},
    {"append for writing", "/etc/motd", O_WRONLY | O_APPEND, -EROFS},
    {"create new", "/etc/new", O_WRONLY | O_CREAT, -EROFS},
    {"create read-only new", "/etc/new", O_RDONLY | O_CREAT, -EROFS},
    {"create in a missing dir", "/nodir/new", O_CREAT, -ENOENT},
    {"create under a file", "/etc/motd/new", O_CREAT, -ENOTDIR},
    {"create exclusive existing", "/etc/motd", O_CREAT | O_EXCL, -EEXIST},
    {"create exclusive new", "/etc/new", O_CREAT | O_EXCL, -EROFS},
    {"create a directory", "/etc", O_CREAT, -EISDIR},
    {"directory for writing", "/etc", O_WRONLY, -EISDIR},
    {"directory read-write", "/etc", O_RDWR, -EISDIR},
    {"O_DIRECTORY on a file", "/etc/motd", O_DIRECTORY, -ENOTDIR},
    {"O_NOFOLLOW on a link", "/etc/link", O_NOFOLLOW, -ELOOP},
    {"access mode 3", "/etc/motd", 3, -EINVAL},
    {"unknown flag", "/etc/motd", 1 << 30, -EINVAL},
    {"O_PATH", "/etc/motd", O_PATH, -EINVAL},
    {"O_TMPFILE read-only", "/etc", 020200000, -EINVAL},
    {"O_TMPFILE", "/etc", 020200000 | O_RDWR, -EROFS},
    {"missing device", "/dev/nope", O_RDONLY, -ENOENT},
    {"device with a slash", "/dev/null/", O_RDONLY, -ENOTDIR},
    {"create in /dev", "/dev/new", O_WRONLY | O_CREAT, -EROFS},
    {"/dev for writing", "/dev", O_WRONLY, -EISDIR},
};

static int open_errors(void *arg)
{
    char *long_path = kmalloc(FS_PATH_MAX + 1);
    char name[FS_NAME_MAX + 3] = "/";

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(open_cases); i++) {
        long got = op(open_cases[i].path, open_cases[i].flags);

        if (!EXPECT_EQ(got, open_cases[i].err)) {
            fprintf(stderr, "case %s: %ld\n", open_cases[i].name, got);
        }
    }
    EXPECT_EQ(op(NULL, O_RDONLY), -EFAULT);
    EXPECT_EQ(op(BAD_HIGH, O_RDONLY), -EFAULT);
    memset(long_path, 'a', FS_PATH_MAX);
    long_path[0] = '/';
    long_path[FS_PATH_MAX] = '\0';
    EXPECT_EQ(op(long_path, O_RDONLY), -ENAMETOOLONG); /* 4096 + NUL */
    long_path[FS_PATH_MAX - 1] = '\0';
    EXPECT_EQ(op(long_path, O_RDONLY), -ENAMETOOLONG); /* a 4095 name */
    kfree(long_path);
    memset(name + 1, 'n', FS_NAME_MAX + 1);
    EXPECT_EQ(op(name, O_RDONLY), -ENAMETOOLONG);
    /* Existing file, O_CREAT without O_EXCL, read-only: opens, as Linux. */
    EXPECT_EQ(op("/etc/motd", O_RDONLY | O_CREAT), 3);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    /* A bad dirfd matters only for a relative path. */
    EXPECT_EQ(sc(SYS_openat, 99, (long)"etc/motd", O_RDONLY, 0), -EBADF);
    EXPECT_EQ(sc(SYS_openat, -1, (long)"etc/motd", O_RDONLY, 0), -EBADF);
    EXPECT_EQ(sc(SYS_openat, 1, (long)"etc/motd", O_RDONLY, 0), -ENOTDIR);
    EXPECT_EQ(sc(SYS_openat, 99, (long)"/etc/motd", O_RDONLY, 0), 3);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(file_stats().open, 0);
    return 0;
}

static void test_open_errors(void **state)
{
    (void)state;
    run(open_errors);
}

/* Every call with a descriptor that is not open gives -EBADF. */
static int bad_descriptors(void *arg)
{
    static const int fds[] = {-1, 3, MAX_FDS - 1, MAX_FDS, 1000, INT32_MIN};
    struct kstat st;
    struct kiovec iov = {&st, 8};
    char buf[64];

    (void)arg;
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
        long fd = fds[i];

        EXPECT_EQ(sc(SYS_read, fd, (long)buf, 1, 0), -EBADF);
        EXPECT_EQ(sc(SYS_write, fd, (long)buf, 1, 0), -EBADF);
        EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), -EBADF);
        EXPECT_EQ(sc(SYS_fstat, fd, (long)&st, 0, 0), -EBADF);
        EXPECT_EQ(sc(SYS_lseek, fd, 0, SEEK_SET, 0), -EBADF);
        EXPECT_EQ(sc(SYS_ioctl, fd, KTCGETS, (long)buf, 0), -EBADF);
        EXPECT_EQ(sc(SYS_readv, fd, (long)&iov, 1, 0), -EBADF);
        EXPECT_EQ(sc(SYS_writev, fd, (long)&iov, 1, 0), -EBADF);
        EXPECT_EQ(sc(SYS_getdents64, fd, (long)buf, sizeof(buf), 0), -EBADF);
        EXPECT_EQ(sc(SYS_newfstatat, fd, (long)"motd", (long)&st, 0), -EBADF);
        EXPECT_EQ(sc(SYS_newfstatat, fd, (long)"", (long)&st, KAT_EMPTY_PATH),
                  -EBADF);
    }
    /* Access modes: stdin is read-only, stdout write-only, files too. */
    EXPECT_EQ(sc(SYS_write, 0, (long)"x", 1, 0), -EBADF);
    EXPECT_EQ(sc(SYS_read, 1, (long)buf, 1, 0), -EBADF);
    EXPECT_EQ(sc(SYS_read, 1, (long)buf, 0, 0), -EBADF);
    EXPECT_EQ(op("/etc/motd", O_RDONLY), 3);
    EXPECT_EQ(sc(SYS_write, 3, (long)"x", 1, 0), -EBADF);
    EXPECT_EQ(sc(SYS_writev, 3, (long)&iov, 1, 0), -EBADF);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    return 0;
}

static void test_bad_descriptors(void **state)
{
    (void)state;
    run(bad_descriptors);
}

/* Bad pointers: -EFAULT, nothing moved, the offset unchanged. */
static int bad_pointers(void *arg)
{
    static void *const bad[] = {NULL, BAD_HIGH};
    struct kiovec iov[2] = {{NULL, 4}, {NULL, 4}};
    char buf[8];
    struct kstat st;

    (void)arg;
    EXPECT_EQ(op("/etc/motd", O_RDONLY), 3);
    EXPECT_EQ(op("/etc", O_RDONLY | O_DIRECTORY), 4);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        long p = (long)bad[i];

        EXPECT_EQ(sc(SYS_read, 3, p, 4, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_write, 1, p, 4, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_fstat, 3, p, 0, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_stat, (long)"/etc/motd", p, 0, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_stat, p, (long)&st, 0, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_newfstatat, KAT_FDCWD, p, (long)&st, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_newfstatat, KAT_FDCWD, (long)"/", p, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_openat, KAT_FDCWD, p, O_RDONLY, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_readv, 3, p, 1, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_writev, 1, p, 1, 0), -EFAULT);
        iov[1].iov_base = bad[i];
        iov[0].iov_base = buf;
        EXPECT_EQ(sc(SYS_readv, 3, (long)iov, 2, 0), -EFAULT); /* segment 2 */
        EXPECT_EQ(sc(SYS_writev, 1, (long)iov, 2, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_getdents64, 4, p, 64, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_ioctl, 1, KTCGETS, p, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_ioctl, 1, KTIOCGWINSZ, p, 0), -EFAULT);
        EXPECT_EQ(sc(SYS_ioctl, 3, KFIONBIO, p, 0), -EFAULT);
    }
    EXPECT_EQ(sc(SYS_lseek, 3, 0, SEEK_CUR, 0), 0); /* nothing was read */
    EXPECT_EQ(sc(SYS_lseek, 4, 0, SEEK_CUR, 0), 0);
    EXPECT_EQ(sc(SYS_read, 3, 0, 0, 0), 0); /* length 0: the buffer unused */
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, 4, 0, 0, 0), 0);
    return 0;
}

static void test_bad_pointers(void **state)
{
    (void)state;
    run(bad_pointers);
}

/* ---- Directories and /dev ---------------------------------------------- */

struct ent {
    char name[32];
    unsigned type;
    uint64_t ino;
    int64_t off;
};

/* Parse getdents64's n bytes at buf into ents (up to max): how many. */
static int parse_dents(const uint8_t *buf, long n, struct ent *ents, int max)
{
    int k = 0;

    for (long at = 0; at < n && k < max; k++) {
        struct kdirent64 d;

        memcpy(&d, buf + at, sizeof(d));
        EXPECT_EQ(d.d_reclen % 8, 0);
        EXPECT(d.d_reclen >= KDIRENT64_NAME + 2);
        snprintf(ents[k].name, sizeof(ents[k].name), "%s",
                 (const char *)buf + at + KDIRENT64_NAME);
        ents[k].type = d.d_type;
        ents[k].ino = d.d_ino;
        ents[k].off = d.d_off;
        at += d.d_reclen;
    }
    return k;
}

static int directories(void *arg)
{
    static const struct {
        const char *name;
        unsigned type;
    } want[] = {{".", VFS_DT_DIR},   {"..", VFS_DT_DIR},   {"motd", VFS_DT_REG},
                {"big", VFS_DT_REG}, {"link", VFS_DT_LNK}, {"sub", VFS_DT_DIR}};
    uint8_t buf[512];
    struct ent e[8];
    long n, fd = op("/etc", O_RDONLY | O_DIRECTORY);
    int k;

    (void)arg;
    EXPECT_EQ(fd, 3);
    EXPECT_EQ(sc(SYS_read, fd, (long)buf, 4, 0), -EISDIR);
    n = sc(SYS_getdents64, fd, (long)buf, sizeof(buf), 0);
    k = parse_dents(buf, n, e, 8);
    EXPECT_EQ(k, ARRAY_SIZE(want));
    for (int i = 0; i < k && i < (int)ARRAY_SIZE(want); i++) {
        EXPECT(strcmp(e[i].name, want[i].name) == 0);
        EXPECT_EQ(e[i].type, want[i].type);
        EXPECT_EQ(e[i].off, i + 1); /* the cursor of the next entry */
    }
    EXPECT_EQ(sc(SYS_getdents64, fd, (long)buf, sizeof(buf), 0), 0); /* end */
    /* Resume at a cursor: after "motd" comes "big". */
    EXPECT_EQ(sc(SYS_lseek, fd, e[2].off, SEEK_SET, 0), e[2].off);
    n = sc(SYS_getdents64, fd, (long)buf, 32, 0); /* room for one */
    EXPECT_EQ(parse_dents(buf, n, e, 8), 1);
    EXPECT(strcmp(e[0].name, "big") == 0);
    EXPECT_EQ(sc(SYS_getdents64, fd, (long)buf, 8, 0), -EINVAL); /* too small */
    EXPECT_EQ(sc(SYS_lseek, fd, -1, SEEK_SET, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_lseek, fd, 0, SEEK_END, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    /* /dev: the overlay's own entries. */
    fd = op("/bin/../dev", O_RDONLY);
    n = sc(SYS_getdents64, fd, (long)buf, sizeof(buf), 0);
    k = parse_dents(buf, n, e, 8);
    EXPECT_EQ(k, 4);
    EXPECT(strcmp(e[2].name, "console") == 0 && e[2].type == VFS_DT_CHR);
    EXPECT(strcmp(e[3].name, "null") == 0 && e[3].type == VFS_DT_CHR);
    EXPECT_EQ(e[1].ino, RAMFS_ROOT_INO); /* ".." is the root */
    EXPECT_EQ(sc(SYS_openat, fd, (long)"null", O_WRONLY, 0), 4);
    EXPECT_EQ(sc(SYS_openat, fd, (long)"../etc/motd", O_RDONLY, 0), 5);
    EXPECT_EQ(sc(SYS_close, 4, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_getdents64, 5, (long)buf, sizeof(buf), 0), -ENOTDIR);
    EXPECT_EQ(sc(SYS_close, 5, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    return 0;
}

static void test_directories(void **state)
{
    (void)state;
    run(directories);
}

static int stat_calls(void *arg)
{
    struct kstat st;

    (void)arg;
    EXPECT_EQ(sc(SYS_stat, (long)"/etc/big", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode, FS_IFREG | 0644);
    EXPECT_EQ(st.st_size, 5000);
    EXPECT_EQ(st.st_blksize, 4096);
    EXPECT_EQ(st.st_blocks, 16); /* two pages of 512-byte blocks */
    EXPECT_EQ(st.st_nlink, 1);
    EXPECT_EQ(st.st_dev, VFS_DEV_ROOT);
    EXPECT_EQ(sc(SYS_stat, (long)"/etc/link", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode & FS_IFMT, FS_IFREG); /* followed */
    EXPECT_EQ(sc(SYS_newfstatat, KAT_FDCWD, (long)"/etc/link", (long)&st,
                 KAT_SYMLINK_NOFOLLOW),
              0);
    EXPECT_EQ(st.st_mode, FS_IFLNK | 0777);
    EXPECT_EQ(st.st_size, 4); /* "motd" */
    EXPECT_EQ(sc(SYS_stat, (long)"/etc", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode, FS_IFDIR | 0755);
    EXPECT_EQ(st.st_nlink, 3); /* 2 + sub */
    EXPECT_EQ(sc(SYS_stat, (long)"/dev/console", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode & FS_IFMT, FS_IFCHR);
    EXPECT_EQ(st.st_rdev, 0x501); /* 5, 1 */
    EXPECT_EQ(sc(SYS_stat, (long)"/dev/null", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_rdev, 0x103); /* 1, 3 */
    EXPECT_EQ(st.st_mode, FS_IFCHR | 0666);
    EXPECT_EQ(sc(SYS_stat, (long)"/dev", (long)&st, 0, 0), 0);
    EXPECT_EQ(st.st_mode, FS_IFDIR | 0755);
    EXPECT_EQ(st.st_dev, VFS_DEV_DEVDIR);
    for (int fd = 0; fd < 3; fd++) { /* stdio is the console */
        EXPECT_EQ(sc(SYS_fstat, fd, (long)&st, 0, 0), 0);
        EXPECT_EQ(st.st_rdev, 0x501);
    }
    EXPECT_EQ(op("/etc", O_RDONLY), 3);
    EXPECT_EQ(sc(SYS_newfstatat, 3, (long)"motd", (long)&st, 0), 0);
    EXPECT_EQ(st.st_size, strlen(MOTD));
    EXPECT_EQ(sc(SYS_newfstatat, 3, (long)"", (long)&st, KAT_EMPTY_PATH), 0);
    EXPECT_EQ(st.st_mode & FS_IFMT, FS_IFDIR);
    EXPECT_EQ(sc(SYS_newfstatat, 3, (long)"", (long)&st, 0), -ENOENT);
    EXPECT_EQ(sc(SYS_newfstatat, 3, (long)"motd", (long)&st, 0x4), -EINVAL);
    EXPECT_EQ(sc(SYS_newfstatat, 1, (long)"motd", (long)&st, 0), -ENOTDIR);
    EXPECT_EQ(
        sc(SYS_newfstatat, KAT_FDCWD, (long)"", (long)&st, KAT_EMPTY_PATH), 0);
    EXPECT_EQ(st.st_ino, RAMFS_ROOT_INO); /* the cwd is "/" */
    EXPECT_EQ(sc(SYS_stat, (long)"/nope", (long)&st, 0, 0), -ENOENT);
    EXPECT_EQ(sc(SYS_stat, (long)"/etc/motd/", (long)&st, 0, 0), -ENOTDIR);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    return 0;
}

static void test_stat_calls(void **state)
{
    (void)state;
    run(stat_calls);
}

static const struct {
    const char *name;
    int64_t start, off;
    unsigned whence;
    long want; /* the new offset, or -errno */
} seek_cases[] = {
    {"set", 0, 7, SEEK_SET, 7},
    {"set past the end", 0, 9000, SEEK_SET, 9000},
    {"set negative", 10, -1, SEEK_SET, -EINVAL},
    {"cur forward", 10, 5, SEEK_CUR, 15},
    {"cur back", 10, -10, SEEK_CUR, 0},
    {"cur before 0", 10, -11, SEEK_CUR, -EINVAL},
    {"cur overflow", 10, INT64_MAX, SEEK_CUR, -EINVAL},
    {"end", 0, 0, SEEK_END, 5000},
    {"end back", 0, -100, SEEK_END, 4900},
    {"end before 0", 0, -5001, SEEK_END, -EINVAL},
    {"data", 0, 100, 3, 100},
    {"data at the end", 0, 5000, 3, -ENXIO},
    {"hole", 0, 100, 4, 5000},
    {"hole past the end", 0, 6000, 4, -ENXIO},
    {"bad whence", 0, 0, 5, -EINVAL},
    {"huge whence", 0, 0, 0xFFFFFFFFu, -EINVAL},
};

static int seeks(void *arg)
{
    char c;

    (void)arg;
    EXPECT_EQ(op("/etc/big", O_RDONLY), 3);
    for (size_t i = 0; i < ARRAY_SIZE(seek_cases); i++) {
        long got;

        EXPECT_EQ(sc(SYS_lseek, 3, seek_cases[i].start, SEEK_SET, 0),
                  seek_cases[i].start);
        got = sc(SYS_lseek, 3, seek_cases[i].off, seek_cases[i].whence, 0);
        if (!EXPECT_EQ(got, seek_cases[i].want)) {
            fprintf(stderr, "case %s\n", seek_cases[i].name);
        }
        if (seek_cases[i].want < 0) { /* a failed seek moves nothing */
            EXPECT_EQ(sc(SYS_lseek, 3, 0, SEEK_CUR, 0), seek_cases[i].start);
        }
    }
    EXPECT_EQ(sc(SYS_lseek, 3, 27, SEEK_SET, 0), 27);
    EXPECT_EQ(sc(SYS_read, 3, (long)&c, 1, 0), 1);
    EXPECT_EQ(c, 'b'); /* byte 27 */
    EXPECT_EQ(sc(SYS_lseek, 3, 9000, SEEK_SET, 0), 9000);
    EXPECT_EQ(sc(SYS_read, 3, (long)&c, 1, 0), 0);        /* past the end */
    EXPECT_EQ(sc(SYS_lseek, 1, 0, SEEK_SET, 0), -ESPIPE); /* the console */
    EXPECT_EQ(op("/dev/null", O_RDWR), 4);
    EXPECT_EQ(sc(SYS_lseek, 4, 100, SEEK_SET, 0), 0); /* Linux's null */
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, 4, 0, 0, 0), 0);
    return 0;
}

static void test_lseek(void **state)
{
    (void)state;
    run(seeks);
}

static int ioctls(void *arg)
{
    struct ktermios t;
    struct kwinsize ws;
    struct file_descriptor d;
    int on = 1;
    char c;

    (void)arg;
    for (int fd = 0; fd < 3; fd++) {
        memset(&t, 0xAA, sizeof(t));
        EXPECT_EQ(sc(SYS_ioctl, fd, KTCGETS, (long)&t, 0), 0);
        EXPECT_EQ(t.c_cflag & 060, 060); /* CS8 */
        EXPECT_EQ(t.c_cc[6], 1);         /* VMIN */
        EXPECT_EQ(sc(SYS_ioctl, fd, KTIOCGWINSZ, (long)&ws, 0), 0);
        EXPECT_EQ(ws.ws_row, 25);
        EXPECT_EQ(ws.ws_col, 80);
    }
    EXPECT_EQ(sc(SYS_ioctl, 1, 0x5402, (long)&t, 0), -ENOTTY); /* TCSETS */
    EXPECT_EQ(op("/etc/motd", O_RDONLY), 3);
    EXPECT_EQ(op("/dev/null", O_RDWR), 4);
    EXPECT_EQ(op("/dev/console", O_RDWR), 5);
    EXPECT_EQ(sc(SYS_ioctl, 3, KTCGETS, (long)&t, 0), -ENOTTY);
    EXPECT_EQ(sc(SYS_ioctl, 4, KTCGETS, (long)&t, 0), -ENOTTY);
    EXPECT_EQ(sc(SYS_ioctl, 4, KTIOCGWINSZ, (long)&ws, 0), -ENOTTY);
    EXPECT_EQ(sc(SYS_ioctl, 5, KTIOCGWINSZ, (long)&ws, 0), 0);
    /* The generic ones: close-on-exec and non-blocking. */
    EXPECT_EQ(sc(SYS_ioctl, 3, KFIOCLEX, 0, 0), 0);
    EXPECT_EQ(process_descriptor(current_pid(), 3, &d), 0);
    EXPECT(d.flags & O_CLOEXEC);
    EXPECT_EQ(sc(SYS_ioctl, 3, KFIONCLEX, 0, 0), 0);
    EXPECT_EQ(process_descriptor(current_pid(), 3, &d), 0);
    EXPECT(!(d.flags & O_CLOEXEC));
    EXPECT_EQ(sc(SYS_ioctl, 5, KFIONBIO, (long)&on, 0), 0);
    EXPECT_EQ(sc(SYS_read, 5, (long)&c, 1, 0), -EAGAIN); /* no input */
    for (int fd = 3; fd <= 5; fd++) {
        EXPECT_EQ(sc(SYS_close, fd, 0, 0, 0), 0);
    }
    return 0;
}

static void test_ioctl(void **state)
{
    (void)state;
    run(ioctls);
}

/* ---- readv, writev --------------------------------------------------------- */

static int vectors(void *arg)
{
    char a[3], b[4], c[64];
    struct kiovec iov[3] = {{a, sizeof(a)}, {NULL, 0}, {b, sizeof(b)}};
    struct kiovec out[2] = {{(void *)"vec", 3}, {(void *)"tor\n", 4}};
    struct kiovec *many = kcalloc(KIOV_MAX + 1, sizeof(*many));

    (void)arg;
    EXPECT_EQ(op("/etc/motd", O_RDONLY), 3);
    EXPECT_EQ(sc(SYS_readv, 3, (long)iov, 3, 0), 7);
    EXPECT(memcmp(a, "hel", 3) == 0 && memcmp(b, "lo, ", 4) == 0);
    iov[2] = (struct kiovec){c, sizeof(c)};
    EXPECT_EQ(sc(SYS_readv, 3, (long)iov, 3, 0), strlen(MOTD) - 7); /* short */
    EXPECT_EQ(sc(SYS_readv, 3, (long)iov, 0, 0), 0);
    EXPECT_EQ(sc(SYS_readv, 3, 0, 0, 0), 0); /* no segments: no pointer */
    EXPECT_EQ(sc(SYS_writev, 1, (long)out, 2, 0), 7);
    EXPECT_EQ(op("/dev/null", O_WRONLY), 4);
    EXPECT_EQ(sc(SYS_writev, 4, (long)out, 2, 0), 7);
    EXPECT_EQ(sc(SYS_readv, 4, (long)iov, 1, 0), -EBADF); /* write-only */
    /* Counts and lengths. */
    for (int i = 0; i <= KIOV_MAX; i++) {
        many[i] = (struct kiovec){c, 1};
    }
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, KIOV_MAX, 0), KIOV_MAX);
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, KIOV_MAX + 1, 0), -EINVAL);
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, -1, 0), -EINVAL);
    many[1].iov_len = (size_t)-1; /* negative as ssize_t */
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, 2, 0), -EINVAL);
    many[0].iov_len = (size_t)SYSCALL_IO_MAX; /* the total is capped */
    many[1].iov_len = 1;
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, 2, 0), SYSCALL_IO_MAX);
    many[1].iov_len = (size_t)INT64_MAX; /* a kernel caller's: checked as cut */
    EXPECT_EQ(sc(SYS_writev, 4, (long)many, 2, 0), SYSCALL_IO_MAX);
    kfree(many);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, 4, 0, 0, 0), 0);
    return 0;
}

static void test_readv_writev(void **state)
{
    (void)state;
    run(vectors);
}

static int null_and_console(void *arg)
{
    char buf[600];

    (void)arg;
    EXPECT_EQ(op("/dev/null", O_RDWR), 3);
    EXPECT_EQ(sc(SYS_read, 3, (long)buf, sizeof(buf), 0), 0); /* EOF */
    EXPECT_EQ(sc(SYS_write, 3, (long)buf, sizeof(buf), 0), sizeof(buf));
    EXPECT_EQ(op("/dev/console", O_WRONLY), 4);
    memset(buf, 'c', sizeof(buf)); /* more than one bounce buffer */
    buf[sizeof(buf) - 1] = '\n';
    EXPECT_EQ(sc(SYS_write, 4, (long)buf, sizeof(buf), 0), sizeof(buf));
    EXPECT_EQ(sc(SYS_read, 4, (long)buf, 1, 0), -EBADF);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(sc(SYS_close, 4, 0, 0, 0), 0);
    return 0;
}

static void test_null_and_console(void **state)
{
    (void)state;
    run(null_and_console);
}

/* ---- Sharing: offsets, references, inheritance ------------------------------ */

static struct file_descriptor child_fd[3];
static int child_err[3];

static int look_at_own_fds(void *arg)
{
    (void)arg;
    for (int fd = 0; fd < 3; fd++) {
        child_err[fd] = process_descriptor(current_pid(), fd, &child_fd[fd]);
    }
    return 0;
}

static int sharing(void *arg)
{
    struct file_descriptor d3, d5;
    struct file *f;
    char x[4], y[4];
    pid_t kid;

    (void)arg;
    EXPECT_EQ(op("/etc/big", O_RDONLY), 3);
    f = fd_get(3);
    EXPECT_EQ(fd_assign(5, f, false), 0); /* a dup */
    file_put(f);
    EXPECT_EQ(process_descriptor(current_pid(), 3, &d3), 0);
    EXPECT_EQ(process_descriptor(current_pid(), 5, &d5), 0);
    EXPECT(d3.file == d5.file);
    EXPECT_EQ(d3.refs, 2);
    EXPECT_EQ(d3.kind, FD_FILE);
    EXPECT_EQ(sc(SYS_read, 3, (long)x, 4, 0), 4);
    EXPECT_EQ(sc(SYS_read, 5, (long)y, 4, 0), 4); /* goes on from 4 */
    EXPECT(memcmp(x, "abcd", 4) == 0 && memcmp(y, "efgh", 4) == 0);
    EXPECT_EQ(sc(SYS_lseek, 5, 100, SEEK_SET, 0), 100);
    EXPECT_EQ(sc(SYS_lseek, 3, 0, SEEK_CUR, 0), 100);
    EXPECT_EQ(op("/etc/big", O_RDONLY), 4); /* a second open: its own */
    EXPECT_EQ(sc(SYS_lseek, 4, 0, SEEK_CUR, 0), 0);
    EXPECT_EQ(sc(SYS_close, 3, 0, 0, 0), 0);
    EXPECT_EQ(process_descriptor(current_pid(), 5, &d5), 0);
    EXPECT_EQ(d5.refs, 1);
    EXPECT_EQ(file_stats().open, 2);
    /* A child shares 0, 1 and 2, not the others; close-on-exec stays. */
    f = fd_get(5);
    EXPECT_EQ(fd_assign(1, f, false), 0);
    file_put(f);
    EXPECT_EQ(sc(SYS_ioctl, 2, KFIOCLEX, 0, 0), 0);
    kid = spawn_kernel_process("kid", look_at_own_fds, NULL);
    EXPECT_EQ(wait_for_child(kid, NULL), kid);
    EXPECT_EQ(child_err[0], 0);
    EXPECT_EQ(child_fd[0].dev, driver_find("keyboard"));
    EXPECT_EQ(child_err[1], 0);
    EXPECT(child_fd[1].file == d5.file);
    EXPECT_EQ(child_fd[1].refs, 3); /* fds 1, 5 and the child's 1 */
    EXPECT_EQ(child_err[2], -EBADF);
    EXPECT_EQ(process_descriptor(current_pid(), 5, &d5), 0);
    EXPECT_EQ(d5.refs, 2); /* the child's went at its exit */
    return 0;              /* exit closes the rest */
}

static void test_sharing(void **state)
{
    (void)state;
    run(sharing);
}

/* The table fills at MAX_FDS (-EMFILE, nothing leaked); exit frees it. */
static int fill_table(void *arg)
{
    long fd;

    (void)arg;
    for (int i = 3; i < MAX_FDS; i++) {
        EXPECT_EQ(op("/etc/motd", O_RDONLY), i);
    }
    EXPECT_EQ(file_stats().open, MAX_FDS - 3);
    fd = op("/etc/motd", O_RDONLY);
    EXPECT_EQ(fd, -EMFILE);
    EXPECT_EQ(file_stats().open, MAX_FDS - 3);
    return 0;
}

static void test_table_full_and_exit(void **state)
{
    (void)state;
    run(fill_table);
}

/* The idle task has no descriptors: every call -EBADF, open -EMFILE. */
static void test_idle_has_no_descriptors(void **state)
{
    struct kstat st;

    (void)state;
    assert_int_equal(current_pid(), 0);
    assert_int_equal(sc(SYS_fstat, 0, (long)&st, 0, 0), -EBADF);
    assert_int_equal(op("/etc/motd", O_RDONLY), -EMFILE);
    assert_int_equal(sc(SYS_close, 0, 0, 0, 0), -EBADF);
    assert_int_equal(file_stats().open, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fs_setup, fs_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_read_close),
        T(test_open_errors),
        T(test_bad_descriptors),
        T(test_bad_pointers),
        T(test_directories),
        T(test_stat_calls),
        T(test_lseek),
        T(test_ioctl),
        T(test_readv_writev),
        T(test_null_and_console),
        T(test_sharing),
        T(test_table_full_and_exit),
        T(test_idle_has_no_descriptors),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
