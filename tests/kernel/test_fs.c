/*
 * The initramfs as booted: tests/kernel/run.sh passes the test archive
 * (build/initramfs-test.cpio: user/rootfs plus tests/kernel/initrd.py's
 * /ktest files) as the boot module, and these cases read it back through
 * the root filesystem.  The constants match tests/kernel/initrd.py.
 */
#include "initramfs.h"
#include "kerrno.h"
#include "kstring.h"
#include "ktest.h"

#define HELLO        "Kairos initramfs: these bytes, exactly.\n"
#define PATTERN_SIZE 10007

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 8));
}

static const struct ramfs_node *find(const char *path, int flags)
{
    const struct ramfs_node *n = NULL;

    return ramfs_lookup(initramfs(), NULL, path, flags, &n) == 0 ? n : NULL;
}

/* Count what a walk of the tree under dir finds (dir itself included). */
static void walk(const struct ramfs_node *dir, struct ramfs_stats *n)
{
    struct ramfs_dirent d;

    n->dirs++;
    for (uint64_t i = 2; ramfs_readdir(dir, i, &d) == 1; i++) {
        if (FS_ISDIR(d.mode)) {
            walk(d.node, n);
        } else if (FS_ISLNK(d.mode)) {
            n->symlinks++;
        } else {
            n->files++;
        }
    }
}

/* The counts the boot line reports are the tree's; the archive's own
 * files are there (the programs in /bin and /ktest/bin vary with the
 * build, so they are counted by the walk, not named). */
static void module_unpacked(void)
{
    const struct ramfs_stats *s = &initramfs()->stats;
    struct ramfs_stats seen = {0};
    struct ramfs_stat st;

    KT_ASSERT(ramfs_root(initramfs()) != NULL);
    walk(ramfs_root(initramfs()), &seen);
    KT_EQ(s->files, seen.files);
    KT_EQ(s->symlinks, seen.symlinks);
    KT_EQ(s->dirs, seen.dirs);
    KT_ASSERT(s->files >= 3); /* motd, hello.txt, pattern.bin at least */
    KT_EQ(s->symlinks, 2);    /* /ktest/link and user/rootfs's /etc/mtab */
    KT_ASSERT(find("/ktest/pattern.bin", 0) != NULL);
    KT_ASSERT(find("/bin", 0) != NULL);
    ramfs_stat(find("/bin", 0), &st);
    KT_ASSERT(FS_ISDIR(st.mode));
    KT_ASSERT(find("/ktest/sub/deep/", 0) != NULL);
    ramfs_stat(find("/etc/motd", 0), &st);
    KT_ASSERT(FS_ISREG(st.mode));
    KT_ASSERT(st.size > 0);
}

static void exact_bytes(void)
{
    const struct ramfs_node *n = find("/ktest/hello.txt", 0);
    char buf[64];
    struct ramfs_stat st;

    KT_ASSERT(n != NULL);
    ramfs_stat(n, &st);
    KT_EQ(st.size, sizeof(HELLO) - 1);
    KT_EQ(st.mode, FS_IFREG | 0644);
    KT_EQ(ramfs_read(n, 0, buf, sizeof(buf)), sizeof(HELLO) - 1);
    KT_EQ(memcmp(buf, HELLO, sizeof(HELLO) - 1), 0);
    KT_EQ(ramfs_read(n, sizeof(HELLO) - 1, buf, sizeof(buf)), 0);
}

/* Every byte of a 10,007-byte file, read in odd-sized pieces. */
static void pattern_file(void)
{
    const struct ramfs_node *n = find("/ktest/pattern.bin", 0);
    uint8_t buf[333];
    size_t off = 0, size = 0;
    const uint8_t *data;
    long got;

    KT_ASSERT(n != NULL);
    while ((got = ramfs_read(n, off, buf, sizeof(buf))) > 0) {
        for (long i = 0; i < got; i++) {
            KT_EQ(buf[i], pattern(off + (size_t)i));
        }
        off += (size_t)got;
    }
    KT_EQ(got, 0);
    KT_EQ(off, PATTERN_SIZE);
    data = ramfs_data(n, &size);
    KT_ASSERT(data != NULL);
    KT_EQ(size, PATTERN_SIZE);
    KT_EQ(data[PATTERN_SIZE - 1], pattern(PATTERN_SIZE - 1));
}

static void symlink_followed(void)
{
    const struct ramfs_node *link = find("/ktest/link", RAMFS_NOFOLLOW);
    char buf[16];

    KT_ASSERT(link != NULL);
    KT_EQ(ramfs_readlink(link, buf, sizeof(buf)), 9);
    KT_EQ(memcmp(buf, "hello.txt", 9), 0);
    KT_ASSERT(find("/ktest/link", 0) == find("/ktest/hello.txt", 0));
}

static void readdir_sorted(void)
{
    static const char *const want[] = {
        ".", "..", "bad", "bin", "hello.txt", "link", "pattern.bin", "sub"};
    const struct ramfs_node *dir = find("/ktest", 0);
    struct ramfs_dirent d;
    size_t i;

    KT_ASSERT(dir != NULL);
    for (i = 0; ramfs_readdir(dir, i, &d) == 1; i++) {
        KT_ASSERT(i < sizeof(want) / sizeof(want[0]));
        KT_EQ(strcmp(d.name, want[i]), 0);
    }
    KT_EQ(i, sizeof(want) / sizeof(want[0]));
}

static void lookup_errors(void)
{
    const struct ramfs_node *n;

    KT_EQ(ramfs_lookup(initramfs(), NULL, "/nope", 0, &n), -ENOENT);
    KT_EQ(ramfs_lookup(initramfs(), NULL, "/etc/motd/x", 0, &n), -ENOTDIR);
    KT_EQ(ramfs_lookup(initramfs(), NULL, "", 0, &n), -ENOENT);
}

static const struct ktest_case cases[] = {
    {"module_unpacked", module_unpacked},
    {"exact_bytes", exact_bytes},
    {"pattern_file", pattern_file},
    {"symlink_followed", symlink_followed},
    {"readdir_sorted", readdir_sorted},
    {"lookup_errors", lookup_errors},
};

KTEST_SUITE(suite_fs, "fs", cases);
