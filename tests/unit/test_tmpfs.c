/*
 * tmpfs (kernel/fs/tmpfs.c) on the host heap: every operation and each of
 * its errors, unlinked-but-open files, rename's replace rules, readdir
 * cursors across changes, the size limit, and the heap back at its
 * baseline once everything is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "param.h"
#include "file.h"
#include "ramfs.h"
#include "tmpfs.h"
#include "vfs.h"

#define MEM_SIZE (32UL << 20)
#define LIMIT    (16 * PAGE_SIZE)
#define ROOT     TMPFS_ROOT_INO

static uint8_t *mem;
static struct tmpfs fs;
static struct heap_stats base;

static int setup(void **state)
{
    struct mem_range r;

    (void)state;
    mem = aligned_alloc(PAGE_SIZE, MEM_SIZE);
    if (mem == NULL) {
        return -1;
    }
    r = (struct mem_range){(uintptr_t)mem, MEM_SIZE, MEM_USABLE};
    if (frame_init(&r, 1, NULL, 0) != 0) {
        return -1;
    }
    heap_reset();
    kfree(kmalloc(1)); /* the heap's first pool stays: part of the baseline */
    base = heap_stats();
    return tmpfs_init(&fs, LIMIT);
}

static int teardown(void **state)
{
    (void)state;
    tmpfs_release(&fs);
    heap_reset();
    free(mem);
    return 0;
}

/* Only the root is left, and the heap holds what it held before it. */
static void assert_baseline(void)
{
    struct heap_stats h;

    assert_int_equal(tmpfs_nodes(&fs), 1);
    assert_int_equal(tmpfs_used(&fs), 0);
    tmpfs_release(&fs);
    h = heap_stats();
    assert_int_equal(heap_check(), 0);
    assert_int_equal(h.bytes_in_use, base.bytes_in_use);
    assert_int_equal(h.live_allocs, base.live_allocs);
    assert_int_equal(tmpfs_init(&fs, LIMIT), 0);
}

static uint64_t mk(uint64_t dir, const char *name, uint32_t mode)
{
    uint64_t ino = 0;

    assert_int_equal(tmpfs_create(&fs, dir, name, strlen(name), mode, &ino), 0);
    return ino;
}

static int look(uint64_t dir, const char *name, uint64_t *ino)
{
    return tmpfs_lookup(&fs, dir, name, strlen(name), ino);
}

static int rm(uint64_t dir, const char *name, bool isdir)
{
    return tmpfs_unlink(&fs, dir, name, strlen(name), isdir);
}

static int mv(uint64_t od, const char *o, uint64_t nd, const char *n,
              unsigned flags)
{
    return tmpfs_rename(&fs, od, o, strlen(o), nd, n, strlen(n), flags);
}

static long put(uint64_t ino, uint64_t off, const char *s)
{
    return tmpfs_write(&fs, ino, &off, s, strlen(s), false);
}

static struct tmpfs_stat st_of(uint64_t ino)
{
    struct tmpfs_stat st;

    assert_int_equal(tmpfs_stat(&fs, ino, &st), 0);
    return st;
}

static void test_create_lookup_stat(void **state)
{
    uint64_t f, d, got;
    struct tmpfs_stat st;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    d = mk(ROOT, "d", FS_IFDIR | 0755);
    assert_true(f != d && f != ROOT && d != ROOT);
    assert_int_equal(look(ROOT, "f", &got), 0);
    assert_int_equal(got, f);
    assert_int_equal(look(d, "..", &got), 0);
    assert_int_equal(got, ROOT);
    assert_int_equal(look(d, ".", &got), 0);
    assert_int_equal(got, d);
    assert_int_equal(look(ROOT, "..", &got), 0);
    assert_int_equal(got, ROOT);
    st = st_of(f);
    assert_int_equal(st.mode, FS_IFREG | 0644);
    assert_int_equal(st.nlink, 1);
    assert_int_equal(st.size, 0);
    assert_int_equal(st.ino, f);
    st = st_of(d);
    assert_int_equal(st.nlink, 2);
    assert_int_equal(st.size, 2 * TMPFS_DIRENT_SIZE);
    st = st_of(ROOT);
    assert_int_equal(st.nlink, 3); /* ".", its name, d's ".." */
    assert_int_equal(st.size, 4 * TMPFS_DIRENT_SIZE);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_int_equal(rm(ROOT, "d", true), 0);
    assert_int_equal(st_of(ROOT).nlink, 2);
    assert_baseline();
}

static void test_create_errors(void **state)
{
    char longname[FS_NAME_MAX + 2];
    uint64_t f, ino;

    (void)state;
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    f = mk(ROOT, "f", FS_IFREG | 0600);
    assert_int_equal(tmpfs_create(&fs, ROOT, "f", 1, FS_IFREG, &ino), -EEXIST);
    assert_int_equal(tmpfs_create(&fs, ROOT, "f", 1, FS_IFDIR, &ino), -EEXIST);
    assert_int_equal(tmpfs_create(&fs, ROOT, ".", 1, FS_IFDIR, &ino), -EEXIST);
    assert_int_equal(tmpfs_create(&fs, f, "x", 1, FS_IFREG, &ino), -ENOTDIR);
    assert_int_equal(tmpfs_create(&fs, 999, "x", 1, FS_IFREG, &ino), -ENOENT);
    assert_int_equal(tmpfs_create(&fs, ROOT, "s", 1, FS_IFLNK, &ino), -EINVAL);
    assert_int_equal(
        tmpfs_create(&fs, ROOT, longname, strlen(longname), FS_IFREG, &ino),
        -ENAMETOOLONG);
    assert_int_equal(look(ROOT, "nope", &ino), -ENOENT);
    assert_int_equal(look(f, "x", &ino), -ENOTDIR);
    assert_int_equal(tmpfs_lookup(&fs, ROOT, longname, strlen(longname), &ino),
                     -ENAMETOOLONG);
    assert_int_equal(tmpfs_stat(&fs, 999, &(struct tmpfs_stat){0}), -ENOENT);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_baseline();
}

static void test_read_write_truncate(void **state)
{
    char buf[3 * PAGE_SIZE];
    uint64_t f, off;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    assert_int_equal(put(f, 0, "hello"), 5);
    assert_int_equal(tmpfs_read(&fs, f, 0, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(tmpfs_read(&fs, f, 1, buf, 2), 2);
    assert_memory_equal(buf, "el", 2);
    assert_int_equal(tmpfs_read(&fs, f, 5, buf, 1), 0);
    assert_int_equal(tmpfs_read(&fs, f, 100, buf, 1), 0);
    /* A write past the end leaves a gap of zeros, across pages. */
    assert_int_equal(put(f, PAGE_SIZE + 10, "xy"), 2);
    assert_int_equal(st_of(f).size, PAGE_SIZE + 12);
    assert_int_equal(tmpfs_read(&fs, f, 0, buf, sizeof(buf)), PAGE_SIZE + 12);
    assert_memory_equal(buf, "hello", 5);
    for (size_t i = 5; i < PAGE_SIZE + 10; i++) {
        assert_int_equal(buf[i], 0);
    }
    assert_memory_equal(buf + PAGE_SIZE + 10, "xy", 2);
    /* Append writes at the end whatever the offset, and moves it. */
    off = 0;
    assert_int_equal(tmpfs_write(&fs, f, &off, "!", 1, true), 1);
    assert_int_equal(off, PAGE_SIZE + 13);
    /* Shrinking frees pages and zeroes the tail that may grow back. */
    assert_int_equal(tmpfs_truncate(&fs, f, 3), 0);
    assert_int_equal(st_of(f).size, 3);
    assert_int_equal(tmpfs_used(&fs), PAGE_SIZE);
    assert_int_equal(tmpfs_truncate(&fs, f, 8), 0);
    assert_int_equal(tmpfs_read(&fs, f, 0, buf, sizeof(buf)), 8);
    assert_memory_equal(buf, "hel\0\0\0\0\0", 8);
    assert_int_equal(tmpfs_truncate(&fs, f, 0), 0);
    assert_int_equal(tmpfs_used(&fs), 0);
    assert_int_equal(st_of(f).blocks, 0);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_baseline();
}

static void test_io_errors(void **state)
{
    char buf[8];
    uint64_t d, f, off = 0;

    (void)state;
    d = mk(ROOT, "d", FS_IFDIR | 0755);
    f = mk(ROOT, "f", FS_IFREG | 0644);
    assert_int_equal(tmpfs_read(&fs, d, 0, buf, 1), -EISDIR);
    assert_int_equal(tmpfs_write(&fs, d, &off, "x", 1, false), -EISDIR);
    assert_int_equal(tmpfs_truncate(&fs, d, 0), -EISDIR);
    assert_int_equal(tmpfs_read(&fs, 999, 0, buf, 1), -ENOENT);
    assert_int_equal(tmpfs_write(&fs, 999, &off, "x", 1, false), -ENOENT);
    assert_int_equal(tmpfs_truncate(&fs, 999, 0), -ENOENT);
    off = (uint64_t)1 << 41;
    assert_int_equal(tmpfs_write(&fs, f, &off, "x", 1, false), -EFBIG);
    assert_int_equal(tmpfs_truncate(&fs, f, (uint64_t)1 << 41), -EFBIG);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_int_equal(rm(ROOT, "d", true), 0);
    assert_baseline();
}

/* Appending page by page reallocates the page array only log n times and
 * never the data: every byte is where it was written. */
static void test_append_many(void **state)
{
    uint8_t chunk[100], buf[100];
    uint64_t f, off = 0;
    size_t total = 0;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    for (int i = 0; total + sizeof(chunk) <= 12 * PAGE_SIZE; i++) {
        memset(chunk, i, sizeof(chunk));
        assert_int_equal(tmpfs_write(&fs, f, &off, chunk, sizeof(chunk), true),
                         100);
        total += sizeof(chunk);
    }
    assert_int_equal(st_of(f).size, total);
    for (size_t i = 0; i < total / sizeof(chunk); i++) {
        assert_int_equal(tmpfs_read(&fs, f, i * 100, buf, 100), 100);
        memset(chunk, (int)i, sizeof(chunk));
        assert_memory_equal(buf, chunk, 100);
    }
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_baseline();
}

static void test_size_limit(void **state)
{
    static uint8_t big[LIMIT + PAGE_SIZE];
    uint64_t f, g, off = 0;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    g = mk(ROOT, "g", FS_IFREG | 0644);
    /* A write that does not all fit writes what fits. */
    assert_int_equal(tmpfs_write(&fs, f, &off, big, sizeof(big), false), LIMIT);
    assert_int_equal(tmpfs_used(&fs), LIMIT);
    off = 0;
    assert_int_equal(tmpfs_write(&fs, g, &off, "x", 1, false), -ENOSPC);
    /* Rewriting pages already held needs no more. */
    off = 0;
    assert_int_equal(tmpfs_write(&fs, f, &off, "y", 1, false), 1);
    assert_int_equal(tmpfs_truncate(&fs, f, PAGE_SIZE), 0);
    off = 0;
    assert_int_equal(tmpfs_write(&fs, g, &off, "x", 1, false), 1);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_int_equal(rm(ROOT, "g", false), 0);
    assert_baseline();
}

static void test_unlink_rmdir(void **state)
{
    uint64_t d, f, ino;

    (void)state;
    d = mk(ROOT, "d", FS_IFDIR | 0755);
    f = mk(d, "f", FS_IFREG | 0644);
    assert_int_equal(rm(ROOT, "d", true), -ENOTEMPTY);
    assert_int_equal(rm(ROOT, "d", false), -EISDIR);
    assert_int_equal(rm(d, "f", true), -ENOTDIR);
    assert_int_equal(rm(ROOT, "nope", false), -ENOENT);
    assert_int_equal(rm(f, "x", false), -ENOTDIR);
    assert_int_equal(rm(d, "f", false), 0);
    assert_int_equal(look(d, "f", &ino), -ENOENT);
    assert_int_equal(tmpfs_stat(&fs, f, &(struct tmpfs_stat){0}), -ENOENT);
    assert_int_equal(rm(ROOT, "d", true), 0);
    /* A removed directory takes no new entries. */
    assert_int_equal(tmpfs_create(&fs, d, "x", 1, FS_IFREG, &ino), -ENOENT);
    assert_baseline();
}

/* An open file outlives its name, data and all, as on Linux. */
static void test_unlink_open(void **state)
{
    char buf[8];
    uint64_t f, off = 5;
    struct tmpfs_stat st;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    assert_int_equal(put(f, 0, "hello"), 5);
    assert_int_equal(tmpfs_open(&fs, f), 0);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_int_equal(look(ROOT, "f", &off), -ENOENT);
    st = st_of(f);
    assert_int_equal(st.nlink, 0);
    off = 5;
    assert_int_equal(tmpfs_write(&fs, f, &off, "!", 1, false), 1);
    assert_int_equal(tmpfs_read(&fs, f, 0, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "hello!", 6);
    assert_int_equal(tmpfs_nodes(&fs), 2);
    tmpfs_close(&fs, f);
    assert_int_equal(tmpfs_open(&fs, f), -ENOENT);
    assert_baseline();
}

static void test_rename(void **state)
{
    uint64_t a, b, d, e, sub, ino;
    char buf[4];

    (void)state;
    a = mk(ROOT, "a", FS_IFREG | 0644);
    b = mk(ROOT, "b", FS_IFREG | 0644);
    d = mk(ROOT, "d", FS_IFDIR | 0755);
    e = mk(ROOT, "e", FS_IFDIR | 0755);
    sub = mk(d, "sub", FS_IFDIR | 0755);
    assert_int_equal(put(a, 0, "A"), 1);
    assert_int_equal(mv(ROOT, "a", ROOT, "b", TMPFS_NOREPLACE), -EEXIST);
    assert_int_equal(mv(ROOT, "a", ROOT, "d", 0), -EISDIR);
    assert_int_equal(mv(ROOT, "d", ROOT, "a", 0), -ENOTDIR);
    assert_int_equal(mv(ROOT, "e", ROOT, "d", 0), -ENOTEMPTY);
    assert_int_equal(mv(ROOT, "d", sub, "x", 0), -EINVAL);
    assert_int_equal(mv(ROOT, "d", d, "x", 0), -EINVAL);
    assert_int_equal(mv(ROOT, "nope", ROOT, "x", 0), -ENOENT);
    assert_int_equal(mv(ROOT, "a", ROOT, ".", 0), -EBUSY);
    assert_int_equal(mv(ROOT, "a", 999, "x", 0), -ENOENT);
    assert_int_equal(mv(ROOT, "a", ROOT, "a", 0), 0);
    /* Replacing a file: b's old node goes, a's is now called b. */
    assert_int_equal(mv(ROOT, "a", ROOT, "b", 0), 0);
    assert_int_equal(look(ROOT, "a", &ino), -ENOENT);
    assert_int_equal(look(ROOT, "b", &ino), 0);
    assert_int_equal(ino, a);
    assert_int_equal(tmpfs_stat(&fs, b, &(struct tmpfs_stat){0}), -ENOENT);
    assert_int_equal(tmpfs_read(&fs, ino, 0, buf, 4), 1);
    /* A directory moves, nlinks follow, and replaces an empty one. */
    assert_int_equal(mv(d, "sub", e, "sub2", 0), 0);
    assert_int_equal(st_of(d).nlink, 2);
    assert_int_equal(st_of(e).nlink, 3);
    assert_int_equal(look(sub, "..", &ino), 0);
    assert_int_equal(ino, e);
    assert_int_equal(mv(ROOT, "d", e, "sub2", 0), 0);
    assert_int_equal(tmpfs_stat(&fs, sub, &(struct tmpfs_stat){0}), -ENOENT);
    assert_int_equal(st_of(ROOT).nlink, 3);
    assert_int_equal(rm(e, "sub2", true), 0);
    assert_int_equal(rm(ROOT, "e", true), 0);
    assert_int_equal(rm(ROOT, "b", false), 0);
    assert_baseline();
}

static void test_readdir(void **state)
{
    struct tmpfs_dirent e;
    uint64_t d, f, idx;

    (void)state;
    d = mk(ROOT, "d", FS_IFDIR | 0755);
    f = mk(d, "one", FS_IFREG | 0644);
    mk(d, "two", FS_IFDIR | 0755);
    assert_int_equal(tmpfs_readdir(&fs, d, 0, &e), 1);
    assert_string_equal(e.name, ".");
    assert_int_equal(e.ino, d);
    assert_int_equal(tmpfs_readdir(&fs, d, 1, &e), 1);
    assert_string_equal(e.name, "..");
    assert_int_equal(e.ino, ROOT);
    assert_int_equal(tmpfs_readdir(&fs, d, e.next, &e), 1);
    assert_string_equal(e.name, "one");
    assert_int_equal(e.ino, f);
    assert_true(FS_ISREG(e.mode));
    idx = e.next;
    /* Removing the entry just read skips nothing and repeats nothing. */
    assert_int_equal(rm(d, "one", false), 0);
    assert_int_equal(tmpfs_readdir(&fs, d, idx, &e), 1);
    assert_string_equal(e.name, "two");
    assert_true(FS_ISDIR(e.mode));
    assert_int_equal(tmpfs_readdir(&fs, d, e.next, &e), 0);
    assert_int_equal(tmpfs_readdir(&fs, f, 0, &e), -ENOENT);
    mk(d, "f", FS_IFREG);
    assert_int_equal(look(d, "f", &f), 0);
    assert_int_equal(tmpfs_readdir(&fs, f, 0, &e), -ENOTDIR);
    assert_int_equal(rm(d, "f", false), 0);
    assert_int_equal(rm(d, "two", true), 0);
    assert_int_equal(rm(ROOT, "d", true), 0);
    assert_baseline();
}

/*
 * Two directories of 2,000 entries each, made interleaved (the name and
 * cursor trees hold every directory: each must see only its own): every
 * name is found with its own inode, each readdir lists its directory's
 * entries exactly once in the order made, and after every other one is
 * removed the listing holds just the rest.  Then all goes: the baseline.
 */
#define MANY 2000

static void test_many_entries(void **state)
{
    static uint64_t inos[2][MANY];
    uint64_t dirs[2], ino, idx;
    struct tmpfs_dirent e;
    char name[16];

    (void)state;
    dirs[0] = mk(ROOT, "a", FS_IFDIR | 0755);
    dirs[1] = mk(ROOT, "b", FS_IFDIR | 0755);
    for (int i = 0; i < MANY; i++) {
        for (int d = 0; d < 2; d++) {
            snprintf(name, sizeof(name), "f%d", i);
            inos[d][i] = mk(dirs[d], name, FS_IFREG | 0644);
        }
    }
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < MANY; i++) {
            snprintf(name, sizeof(name), "f%d", i);
            assert_int_equal(look(dirs[d], name, &ino), 0);
            assert_int_equal(ino, inos[d][i]);
        }
        assert_int_equal(look(dirs[d], "f2000", &ino), -ENOENT);
        for (int i = 0; i < MANY; i += 2) {
            snprintf(name, sizeof(name), "f%d", i);
            assert_int_equal(rm(dirs[d], name, false), 0);
        }
        idx = 2;
        for (int i = 1; i < MANY; i += 2) {
            snprintf(name, sizeof(name), "f%d", i);
            assert_int_equal(tmpfs_readdir(&fs, dirs[d], idx, &e), 1);
            assert_string_equal(e.name, name);
            assert_int_equal(e.ino, inos[d][i]);
            idx = e.next;
        }
        assert_int_equal(tmpfs_readdir(&fs, dirs[d], idx, &e), 0);
        for (int i = 1; i < MANY; i += 2) {
            snprintf(name, sizeof(name), "f%d", i);
            assert_int_equal(rm(dirs[d], name, false), 0);
        }
    }
    assert_int_equal(rm(ROOT, "a", true), 0);
    assert_int_equal(rm(ROOT, "b", true), 0);
    assert_baseline();
}

static void test_chmod(void **state)
{
    uint64_t f;

    (void)state;
    f = mk(ROOT, "f", FS_IFREG | 0644);
    assert_int_equal(tmpfs_chmod(&fs, f, FS_IFDIR | 0400), 0);
    assert_int_equal(st_of(f).mode, FS_IFREG | 0400);
    assert_int_equal(tmpfs_chmod(&fs, 999, 0), -ENOENT);
    assert_int_equal(rm(ROOT, "f", false), 0);
    assert_baseline();
}

/* The vfs puts the tmpfs at /tmp of a root (here an empty ramfs): lookups
 * in and out of it, getcwd's path, stat, readdir, and open files holding
 * a node past its unlink. */
static void test_vfs_mount(void **state)
{
    struct ramfs root;
    struct tmpfs *t;
    struct vnode v, d;
    struct kstat st;
    struct vfs_dirent e;
    struct file *f;
    char path[64];
    uint64_t ino;

    (void)state;
    assert_int_equal(ramfs_init_empty(&root), 0);
    vfs_set_root(&root);
    assert_int_equal(vfs_tmpfs_init(LIMIT), 0);
    t = vfs_tmpfs();
    assert_int_equal(tmpfs_create(t, ROOT, "d", 1, FS_IFDIR | 0755, &ino), 0);
    assert_int_equal(vfs_lookup(NULL, "/tmp", 0, &v), 0);
    assert_true(vfs_is_tmpfs(&v) && vfs_is_dir(&v));
    assert_int_equal(vfs_lookup(NULL, "/tmp/d/../d/", 0, &d), 0);
    assert_int_equal(d.ino, ino);
    assert_int_equal(vfs_path(&d, path, sizeof(path)), 6);
    assert_string_equal(path, "/tmp/d");
    assert_int_equal(vfs_path(&d, path, 6), -ERANGE);
    assert_int_equal(vfs_path(&v, path, sizeof(path)), 4);
    assert_string_equal(path, "/tmp");
    /* ".." from the tmpfs's root leaves it, by any route. */
    assert_int_equal(vfs_lookup(NULL, "/tmp/d/../..", 0, &v), 0);
    assert_true(v.kind == VNODE_RAMFS && v.rn == ramfs_root(&root));
    assert_int_equal(vfs_lookup(&d, "../../tmp/d", 0, &v), 0);
    assert_int_equal(v.ino, ino);
    assert_int_equal(vfs_lookup(NULL, "/tmp/nope", 0, &v), -ENOENT);
    assert_int_equal(vfs_lookup_parent(NULL, "/tmp/d/new"), 0);
    vfs_stat(&d, &st);
    assert_int_equal(st.st_dev, VFS_DEV_TMP);
    assert_int_equal(st.st_ino, ino);
    assert_int_equal(st.st_mode, FS_IFDIR | 0755);
    assert_int_equal(st.st_nlink, 2);
    assert_int_equal(vfs_lookup(NULL, "/tmp", 0, &v), 0);
    assert_int_equal(vfs_readdir(&v, 1, &e), 1);
    assert_int_equal(e.ino, RAMFS_ROOT_INO); /* /tmp/.. is / */
    assert_int_equal(vfs_readdir(&v, e.next, &e), 1);
    assert_string_equal(e.name, "d");
    assert_int_equal(e.type, VFS_DT_DIR);
    assert_int_equal(vfs_readdir(&v, e.next, &e), 0);
    /* An open directory outlives its rmdir; its name does not. */
    assert_int_equal(file_open(&d, O_RDONLY, &f), 0);
    assert_int_equal(tmpfs_unlink(t, ROOT, "d", 1, true), 0);
    assert_int_equal(vfs_lookup(NULL, "/tmp/d", 0, &v), -ENOENT);
    assert_int_equal(tmpfs_nodes(t), 2);
    assert_int_equal(vfs_lookup(&d, "x", 0, &v), -ENOENT);
    assert_int_equal(vfs_path(&d, path, sizeof(path)), -ENOENT);
    file_put(f);
    assert_int_equal(tmpfs_nodes(t), 1);
    tmpfs_release(t);
    vfs_set_root(NULL);
    ramfs_release(&root);
}

/* A tmpfs file opens writable (an initramfs one would be -EROFS) and
 * seeks against its current size. */
static void test_vfs_file(void **state)
{
    struct ramfs root;
    struct tmpfs *t;
    struct vnode v;
    struct file *f;
    uint64_t ino, off = 0;

    (void)state;
    assert_int_equal(ramfs_init_empty(&root), 0);
    vfs_set_root(&root);
    assert_int_equal(vfs_tmpfs_init(LIMIT), 0);
    t = vfs_tmpfs();
    assert_int_equal(tmpfs_create(t, ROOT, "f", 1, FS_IFREG | 0644, &ino), 0);
    assert_int_equal(vfs_lookup(NULL, "/tmp/f", 0, &v), 0);
    assert_int_equal(file_open(&v, O_RDWR, &f), 0);
    assert_int_equal(f->kind, FILE_TMP);
    assert_int_equal(tmpfs_write(t, ino, &off, "abc", 3, false), 3);
    assert_int_equal(file_lseek(f, 0, 2), 3);
    assert_int_equal(file_lseek(f, -1, 2), 2);
    assert_int_equal(file_lseek(f, 1, 4), 3); /* SEEK_HOLE: the end */
    assert_int_equal(tmpfs_unlink(t, ROOT, "f", 1, false), 0);
    assert_int_equal(tmpfs_nodes(t), 2);
    file_put(f);
    assert_int_equal(tmpfs_nodes(t), 1);
    assert_int_equal(tmpfs_used(t), 0);
    tmpfs_release(t);
    vfs_set_root(NULL);
    ramfs_release(&root);
}

#define ONE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ONE(test_create_lookup_stat),
        ONE(test_create_errors),
        ONE(test_read_write_truncate),
        ONE(test_io_errors),
        ONE(test_append_many),
        ONE(test_size_limit),
        ONE(test_unlink_rmdir),
        ONE(test_unlink_open),
        ONE(test_rename),
        ONE(test_readdir),
        ONE(test_many_entries),
        ONE(test_chmod),
        ONE(test_vfs_mount),
        ONE(test_vfs_file),
    };

    return cmocka_run_group_tests_name("tmpfs", tests, NULL, NULL);
}
