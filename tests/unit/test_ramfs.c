/*
 * ramfs (kernel/fs/ramfs.c) on the host heap: unpacking archives the tests
 * build (tests/unit/newc.h), lookup, stat, read, readlink and readdir, and
 * a table of archives whose tree is bad.  Every unpack, good or bad, is
 * checked to return the heap to its baseline once released.
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
#include "newc.h"
#include "param.h"
#include "ramfs.h"

#define MEM_SIZE (32UL << 20)

static uint8_t *mem;
static struct newc arc;
static struct ramfs fs;
static struct heap_stats base;

static void frames_init(size_t bytes)
{
    struct mem_range r = {(uintptr_t)mem, bytes, MEM_USABLE};

    assert_int_equal(frame_init(&r, 1, NULL, 0), 0);
    heap_reset();
    kfree(kmalloc(1)); /* the heap's first pool stays: part of the baseline */
    base = heap_stats();
}

static int setup(void **state)
{
    (void)state;
    mem = aligned_alloc(PAGE_SIZE, MEM_SIZE);
    if (mem == NULL) {
        return -1;
    }
    frames_init(MEM_SIZE);
    memset(&arc, 0, sizeof(arc));
    memset(&fs, 0, sizeof(fs));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ramfs_release(&fs);
    heap_reset();
    free(mem);
    return 0;
}

/* The heap holds exactly what it held before the test's first unpack. */
static void assert_heap_at_baseline(void)
{
    struct heap_stats h = heap_stats();

    assert_int_equal(heap_check(), 0);
    assert_int_equal(h.bytes_in_use, base.bytes_in_use);
    assert_int_equal(h.live_allocs, base.live_allocs);
}

static const struct ramfs_node *look(const char *path)
{
    const struct ramfs_node *n = NULL;

    assert_int_equal(ramfs_lookup(&fs, NULL, path, 0, &n), 0);
    assert_non_null(n);
    return n;
}

static int look_err(const char *path, int flags)
{
    const struct ramfs_node *n = NULL;
    int err = ramfs_lookup(&fs, NULL, path, flags, &n);

    return err;
}

static struct ramfs_stat st_of(const struct ramfs_node *n)
{
    struct ramfs_stat st;

    ramfs_stat(n, &st);
    return st;
}

/* etc/motd, etc/dir/{a,b}, a link to motd, one to /etc, and bin/ implied. */
static void sample(void)
{
    struct newc_hdr h = {.mode = 0100640, .uid = 5, .gid = 6, .mtime = 77};

    newc_dir(&arc, ".", 0700);
    newc_dir(&arc, "etc", 0751);
    newc_file(&arc, "etc/motd", "hello, world\n");
    newc_dir(&arc, "etc/dir", 0755);
    newc_raw(&arc, &h, "etc/dir/a", 9, 1, "AAAA", 4);
    newc_dir(&arc, "etc/dir/sub", 0755);
    newc_link(&arc, "etc/m", "motd");
    newc_link(&arc, "abs", "/etc");
    newc_link(&arc, "up", "../etc/dir");
    newc_file(&arc, "bin/prog",
              "\x7f"
              "ELF");
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
}

/* ---- Unpacking ----------------------------------------------------------- */

static void test_unpack_counts_and_heap(void **state)
{
    struct heap_stats h;

    (void)state;
    sample();
    /* root, etc, etc/dir, etc/dir/sub, bin (implied) */
    assert_int_equal(fs.stats.dirs, 5);
    assert_int_equal(fs.stats.files, 3);
    assert_int_equal(fs.stats.symlinks, 3);
    assert_int_equal(fs.stats.skipped, 0);
    assert_int_equal(fs.stats.file_bytes, 13 + 4 + 4);
    h = heap_stats();
    assert_int_equal(h.bytes_in_use - base.bytes_in_use, fs.stats.heap_bytes);
    ramfs_release(&fs);
    assert_null(ramfs_root(&fs));
    assert_heap_at_baseline();
}

static void test_implied_parents(void **state)
{
    struct ramfs_stat st;

    (void)state;
    newc_file(&arc, "a/b/c/file", "x");
    newc_dir(&arc, "a/b", 0700); /* after its implied creation: sets mode */
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    st = st_of(look("/a"));
    assert_int_equal(st.mode, FS_IFDIR | 0755);
    assert_int_equal(st.nlink, 3);
    st = st_of(look("/a/b"));
    assert_int_equal(st.mode, FS_IFDIR | 0700);
    assert_int_equal(st_of(look("/a/b/c/file")).size, 1);
    assert_int_equal(fs.stats.dirs, 4);
}

static void test_name_forms(void **state)
{
    (void)state;
    newc_file(&arc, "./x", "1");
    newc_file(&arc, "/y", "2");
    newc_file(&arc, "d//./e", "3");
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    look("/x");
    look("/y");
    look("/d/e");
    assert_int_equal(fs.stats.files, 3);
}

static void test_devices_skipped(void **state)
{
    (void)state;
    newc_add(&arc, "dev/console", 0020600, "", 0);
    newc_add(&arc, "dev/fifo", 0010600, "", 0);
    newc_file(&arc, "f", "x");
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    assert_int_equal(fs.stats.skipped, 2);
    assert_int_equal(look_err("/dev/console", 0), -ENOENT);
    look("/dev");
    look("/f");
}

static void test_crc_archive(void **state)
{
    struct newc_hdr h = {
        .magic = "070702", .mode = 0100644, .check = 'h' + 'i'};
    char buf[4];

    (void)state;
    newc_raw(&arc, &h, "f", 1, 1, "hi", 2);
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    assert_int_equal(ramfs_read(look("/f"), 0, buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "hi", 2);
}

static void test_empty_root(void **state)
{
    struct ramfs_dirent d;

    (void)state;
    assert_int_equal(look_err("/", 0), -ENOENT); /* zeroed: nothing */
    assert_int_equal(ramfs_init_empty(&fs), 0);
    assert_ptr_equal(look("/"), ramfs_root(&fs));
    assert_int_equal(ramfs_readdir(look("/"), 0, &d), 1);
    assert_int_equal(ramfs_readdir(look("/"), 1, &d), 1);
    assert_int_equal(ramfs_readdir(look("/"), 2, &d), 0);
    assert_int_equal(st_of(look("/")).ino, RAMFS_ROOT_INO);
    ramfs_release(&fs);
    assert_heap_at_baseline();
}

/* Every prefix of a good archive short of its trailer is refused. */
static void test_truncated_at_every_offset(void **state)
{
    size_t end;

    (void)state;
    newc_dir(&arc, "etc", 0755);
    newc_file(&arc, "etc/motd", "hello\n");
    newc_link(&arc, "l", "etc/motd");
    end = newc_trailer(&arc);
    for (size_t len = 0; len <= end; len++) {
        uint8_t *p = malloc(len + 1);
        int err;

        assert_non_null(p);
        memcpy(p, arc.buf, len);
        err = ramfs_unpack(&fs, p, len);
        if (len < end) {
            assert_int_equal(err, -EINVAL);
            assert_null(ramfs_root(&fs));
            assert_non_null(fs.error);
        } else {
            assert_int_equal(err, 0);
            look("/etc/motd");
        }
        ramfs_release(&fs);
        free(p);
        assert_heap_at_baseline();
    }
}

/* Enough entries that the heap runs out part way: -ENOMEM, nothing kept. */
static void test_out_of_memory(void **state)
{
    char name[32];
    int err;

    (void)state;
    for (int i = 0; i < 4000; i++) {
        snprintf(name, sizeof(name), "d%d/file%d", i % 50, i);
        newc_file(&arc, name, "");
    }
    newc_trailer(&arc);
    frames_init(256 * 1024);
    err = ramfs_unpack(&fs, arc.buf, arc.len);
    assert_int_equal(err, -ENOMEM);
    assert_null(ramfs_root(&fs));
    assert_string_equal(fs.error, "out of memory");
    assert_heap_at_baseline();
    frames_init(MEM_SIZE);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    assert_int_equal(fs.stats.files, 4000);
    look("/d49/file3999");
}

/* ---- Bad trees ----------------------------------------------------------- */

struct tree_case {
    const char *name;
    void (*build)(struct newc *a);
    const char *why;
};

static void dotdot(struct newc *a)
{
    newc_file(a, "../escape", "x");
}

static void dotdot_inside(struct newc *a)
{
    newc_file(a, "a/../../b", "x");
}

static void file_under_file(struct newc *a)
{
    newc_file(a, "f", "x");
    newc_file(a, "f/g", "y");
}

static void file_under_symlink(struct newc *a)
{
    newc_dir(a, "d", 0755);
    newc_link(a, "l", "d");
    newc_file(a, "l/g", "y"); /* unpacking never follows links */
}

static void duplicate_file(struct newc *a)
{
    newc_file(a, "f", "x");
    newc_file(a, "f", "y");
}

static void duplicate_dir(struct newc *a)
{
    newc_dir(a, "d", 0755);
    newc_dir(a, "d", 0700);
}

static void file_over_implied_dir(struct newc *a)
{
    newc_file(a, "d/f", "x");
    newc_file(a, "d", "y");
}

static void second_root(struct newc *a)
{
    newc_dir(a, ".", 0755);
    newc_dir(a, "/", 0755);
}

static void root_as_file(struct newc *a)
{
    newc_file(a, ".", "x");
}

static void dir_with_data(struct newc *a)
{
    newc_add(a, "d", 0040755, "data", 4);
}

static void empty_link(struct newc *a)
{
    newc_link(a, "l", "");
}

static void link_with_nul(struct newc *a)
{
    newc_add(a, "l", 0120777, "a\0b", 3);
}

static void unknown_type(struct newc *a)
{
    newc_add(a, "x", 0000644, "", 0);
}

static void name_too_long(struct newc *a)
{
    char name[FS_NAME_MAX + 4] = "d/";

    memset(name + 2, 'n', FS_NAME_MAX + 1);
    name[sizeof(name) - 1] = '\0';
    newc_file(a, name, "x");
}

static const struct tree_case tree_cases[] = {
    {"tree: .. in a name", dotdot, "\"..\""},
    {"tree: .. inside a name", dotdot_inside, "\"..\""},
    {"tree: a file under a file", file_under_file, "non-directory"},
    {"tree: a file under a symlink", file_under_symlink, "non-directory"},
    {"tree: a file named twice", duplicate_file, "twice"},
    {"tree: a directory named twice", duplicate_dir, "twice"},
    {"tree: a file over an implied directory", file_over_implied_dir, "twice"},
    {"tree: two root entries", second_root, "second root"},
    {"tree: the root as a file", root_as_file, "second root"},
    {"tree: a directory with data", dir_with_data, "directory with data"},
    {"tree: an empty link target", empty_link, "symlink target"},
    {"tree: a link target with a NUL", link_with_nul, "symlink target"},
    {"tree: an unknown file type", unknown_type, "unknown file type"},
    {"tree: a name over FS_NAME_MAX", name_too_long, "FS_NAME_MAX"},
};

static void test_bad_tree(void **state)
{
    const struct tree_case *c = *state;
    size_t before;

    newc_file(&arc, "good/first", "fine"); /* something to free */
    before = arc.len;
    c->build(&arc);
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), -EINVAL);
    assert_null(ramfs_root(&fs));
    assert_non_null(fs.error);
    assert_non_null(strstr(fs.error, c->why));
    assert_true(fs.error_offset >= before);
    assert_heap_at_baseline();
}

/* ---- Lookup -------------------------------------------------------------- */

struct path_case {
    const char *path;
    int flags;
    int err;             /* expected result */
    const char *same_as; /* when 0: the node this other path gives */
};

static const struct path_case path_cases[] = {
    {"/", 0, 0, "/"},
    {"///", 0, 0, "/"},
    {"/.", 0, 0, "/"},
    {"/..", 0, 0, "/"},
    {"/../..", 0, 0, "/"},
    {"/etc/motd", 0, 0, "/etc/motd"},
    {"//etc///motd", 0, 0, "/etc/motd"},
    {"/etc/./motd", 0, 0, "/etc/motd"},
    {"/etc/dir/../motd", 0, 0, "/etc/motd"},
    {"/../etc/motd", 0, 0, "/etc/motd"},
    {"etc/motd", 0, 0, "/etc/motd"},
    {"/etc/", 0, 0, "/etc"},
    {"/etc/dir/sub/../..", 0, 0, "/etc"},
    {"/etc/m", 0, 0, "/etc/motd"},
    {"/abs/motd", 0, 0, "/etc/motd"},
    {"/abs/m", 0, 0, "/etc/motd"},
    {"/up/a", 0, 0, "/etc/dir/a"},
    {"/abs/", RAMFS_NOFOLLOW, 0, "/etc"},
    {"/abs/.", RAMFS_NOFOLLOW, 0, "/etc"},
    {"", 0, -ENOENT, NULL},
    {"/nope", 0, -ENOENT, NULL},
    {"/etc/nope/x", 0, -ENOENT, NULL},
    {"/etc/MOTD", 0, -ENOENT, NULL},
    {"/etc/motd/x", 0, -ENOTDIR, NULL},
    {"/etc/motd/", 0, -ENOTDIR, NULL},
    {"/etc/motd/.", 0, -ENOTDIR, NULL},
    {"/etc/motd/..", 0, -ENOTDIR, NULL},
    {"/etc/m/", 0, -ENOTDIR, NULL},
    {"/etc/m/x", RAMFS_NOFOLLOW, -ENOTDIR, NULL},
};

static void test_lookup_table(void **state)
{
    (void)state;
    sample();
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
        const struct path_case *c = &path_cases[i];
        const struct ramfs_node *n = NULL;
        int err = ramfs_lookup(&fs, NULL, c->path, c->flags, &n);

        if (err != c->err) {
            fail_msg("%s: %d, not %d", c->path, err, c->err);
        }
        if (c->err == 0 && n != look(c->same_as)) {
            fail_msg("%s: not the node %s gives", c->path, c->same_as);
        }
    }
}

static void test_lookup_relative_and_nofollow(void **state)
{
    const struct ramfs_node *dir, *n;

    (void)state;
    sample();
    dir = look("/etc/dir");
    assert_int_equal(ramfs_lookup(&fs, dir, "a", 0, &n), 0);
    assert_ptr_equal(n, look("/etc/dir/a"));
    assert_int_equal(ramfs_lookup(&fs, dir, "../motd", 0, &n), 0);
    assert_ptr_equal(n, look("/etc/motd"));
    assert_int_equal(ramfs_lookup(&fs, dir, "/abs", 0, &n), 0);
    assert_ptr_equal(n, look("/etc"));
    assert_int_equal(ramfs_lookup(&fs, NULL, "/etc/m", RAMFS_NOFOLLOW, &n), 0);
    assert_true(FS_ISLNK(st_of(n).mode));
    assert_int_equal(st_of(n).size, 4);
}

static void test_lookup_name_limits(void **state)
{
    static char path[FS_PATH_MAX + 8];

    (void)state;
    sample();
    path[0] = '/';
    memset(path + 1, 'n', FS_NAME_MAX);
    path[1 + FS_NAME_MAX] = '\0';
    assert_int_equal(look_err(path, 0), -ENOENT); /* 255: a name */
    path[1 + FS_NAME_MAX] = 'n';
    path[2 + FS_NAME_MAX] = '\0';
    assert_int_equal(look_err(path, 0), -ENAMETOOLONG);
    memset(path, '/', FS_PATH_MAX - 1);
    path[FS_PATH_MAX - 1] = '\0';
    assert_ptr_equal(look(path), ramfs_root(&fs)); /* 4095 bytes: fine */
    path[FS_PATH_MAX - 1] = '/';
    path[FS_PATH_MAX] = '\0';
    assert_int_equal(look_err(path, 0), -ENAMETOOLONG);
}

static void test_symlink_loops_and_dangling(void **state)
{
    const struct ramfs_node *n;
    char name[16], target[16];

    (void)state;
    newc_link(&arc, "self", "self");
    newc_link(&arc, "a", "b");
    newc_link(&arc, "b", "a");
    newc_link(&arc, "dangling", "/nowhere");
    /* A chain of exactly FS_SYMLINK_MAX links resolves; one more is -ELOOP. */
    for (int i = 0; i <= FS_SYMLINK_MAX; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        snprintf(target, sizeof(target), "c%d", i + 1);
        newc_link(&arc, name, i == FS_SYMLINK_MAX ? "f" : target);
    }
    newc_file(&arc, "f", "end");
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    assert_int_equal(look_err("/self", 0), -ELOOP);
    assert_int_equal(look_err("/a", 0), -ELOOP);
    assert_int_equal(look_err("/a/x", RAMFS_NOFOLLOW), -ELOOP);
    assert_int_equal(look_err("/a", RAMFS_NOFOLLOW), 0);
    assert_int_equal(look_err("/dangling", 0), -ENOENT);
    assert_int_equal(look_err("/c1", 0), 0);
    assert_ptr_equal(look("/c1"), look("/f"));
    assert_int_equal(look_err("/c0", 0), -ELOOP);
    assert_int_equal(ramfs_lookup(&fs, NULL, "/c0", RAMFS_NOFOLLOW, &n), 0);
}

/* ---- Stat, read, readlink, readdir --------------------------------------- */

static void test_stat(void **state)
{
    struct ramfs_stat st;
    uint32_t seen[16] = {0};
    const char *all[] = {"/",        "/etc",       "/etc/motd",
                         "/etc/dir", "/etc/dir/a", "/etc/dir/sub",
                         "/etc/m",   "/bin",       "/bin/prog"};

    (void)state;
    sample();
    st = st_of(look("/"));
    assert_int_equal(st.mode, FS_IFDIR | 0700); /* the "." entry's mode */
    assert_int_equal(st.ino, RAMFS_ROOT_INO);
    assert_int_equal(st.nlink, 4); /* ., .., etc/.., bin/.. */
    assert_int_equal(st_of(look("/etc")).nlink, 3);
    assert_int_equal(st_of(look("/etc")).mode, FS_IFDIR | 0751);
    assert_int_equal(st_of(look("/etc/dir/sub")).nlink, 2);
    st = st_of(look("/etc/dir/a"));
    assert_int_equal(st.mode, FS_IFREG | 0640);
    assert_int_equal(st.size, 4);
    assert_int_equal(st.nlink, 1);
    assert_int_equal(st.uid, 5);
    assert_int_equal(st.gid, 6);
    assert_int_equal(st.mtime, 77);
    assert_int_equal(st_of(look("/etc/motd")).size, 13);
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const struct ramfs_node *n;
        uint32_t ino;

        assert_int_equal(ramfs_lookup(&fs, NULL, all[i], RAMFS_NOFOLLOW, &n),
                         0);
        ino = st_of(n).ino;
        assert_true(ino >= 1 && ino < 16);
        assert_int_equal(seen[ino], 0); /* unique */
        seen[ino] = 1;
    }
}

static void test_read(void **state)
{
    const struct ramfs_node *motd;
    const void *data;
    char buf[32];
    size_t size;

    (void)state;
    sample();
    motd = look("/etc/motd");
    memset(buf, 0, sizeof(buf));
    assert_int_equal(ramfs_read(motd, 0, buf, sizeof(buf)), 13);
    assert_string_equal(buf, "hello, world\n");
    assert_int_equal(ramfs_read(motd, 7, buf, 5), 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(ramfs_read(motd, 12, buf, 8), 1);
    assert_int_equal(buf[0], '\n');
    assert_int_equal(ramfs_read(motd, 13, buf, 8), 0);
    assert_int_equal(ramfs_read(motd, 1000, buf, 8), 0);
    assert_int_equal(ramfs_read(motd, UINT64_MAX, buf, 8), 0);
    assert_int_equal(ramfs_read(motd, 0, buf, 0), 0);
    assert_int_equal(ramfs_read(look("/etc"), 0, buf, 8), -EISDIR);
    assert_int_equal(ramfs_lookup(&fs, NULL, "/etc/m", RAMFS_NOFOLLOW, &motd),
                     0);
    assert_int_equal(ramfs_read(motd, 0, buf, 8), -EINVAL);
    /* In place: the bytes are the archive's. */
    data = ramfs_data(look("/etc/motd"), &size);
    assert_int_equal(size, 13);
    assert_true((const uint8_t *)data > arc.buf &&
                (const uint8_t *)data + size <= arc.buf + arc.len);
    assert_null(ramfs_data(look("/etc"), &size));
}

static void test_readlink(void **state)
{
    const struct ramfs_node *n;
    char buf[16];

    (void)state;
    sample();
    assert_int_equal(ramfs_lookup(&fs, NULL, "/up", RAMFS_NOFOLLOW, &n), 0);
    assert_int_equal(ramfs_readlink(n, buf, sizeof(buf)), 10);
    assert_memory_equal(buf, "../etc/dir", 10);
    assert_int_equal(ramfs_readlink(n, buf, 3), 3); /* truncated, as Linux */
    assert_memory_equal(buf, "../", 3);
    assert_int_equal(ramfs_readlink(look("/etc/motd"), buf, 16), -EINVAL);
    assert_int_equal(ramfs_readlink(look("/etc"), buf, 16), -EINVAL);
}

static void test_readdir(void **state)
{
    const char *want[] = {".", "..", "motd", "dir", "m"};
    const struct ramfs_node *etc;
    struct ramfs_dirent d;
    size_t i;

    (void)state;
    sample();
    etc = look("/etc");
    for (i = 0; ramfs_readdir(etc, i, &d) == 1; i++) {
        assert_true(i < 5);
        assert_string_equal(d.name, want[i]);
        assert_int_equal(d.namelen, strlen(want[i]));
        assert_int_equal(d.ino, st_of(d.node).ino);
        assert_int_equal(d.mode, st_of(d.node).mode);
    }
    assert_int_equal(i, 5);
    assert_int_equal(ramfs_readdir(etc, 0, &d), 1);
    assert_ptr_equal(d.node, etc);
    assert_int_equal(ramfs_readdir(etc, 1, &d), 1);
    assert_ptr_equal(d.node, look("/"));
    assert_int_equal(ramfs_readdir(look("/"), 1, &d), 1);
    assert_ptr_equal(d.node, look("/")); /* the root's ".." */
    assert_int_equal(ramfs_readdir(etc, 4, &d), 1);
    assert_string_equal(d.name, "m");
    assert_true(FS_ISLNK(d.mode));
    assert_int_equal(ramfs_readdir(etc, 5, &d), 0);
    assert_int_equal(ramfs_readdir(etc, UINT64_MAX, &d), 0);
    assert_int_equal(ramfs_readdir(look("/etc/motd"), 0, &d), -ENOTDIR);
}

/* A big directory: every name found by lookup and readdir, in order. */
static void test_many_entries(void **state)
{
    enum { N = 3000 };
    const struct ramfs_node *dir;
    struct ramfs_dirent d;
    char name[32];

    (void)state;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "big/f%04d", i);
        newc_file(&arc, name, name);
    }
    newc_trailer(&arc);
    assert_int_equal(ramfs_unpack(&fs, arc.buf, arc.len), 0);
    dir = look("/big");
    for (int i = 0; i < N; i++) {
        char buf[32];

        snprintf(name, sizeof(name), "/big/f%04d", i);
        assert_int_equal(ramfs_read(look(name), 0, buf, sizeof(buf)), 9);
        assert_memory_equal(buf, name + 1, 9);
        assert_int_equal(ramfs_readdir(dir, 2 + (uint64_t)i, &d), 1);
        assert_string_equal(d.name, name + 5);
    }
    assert_int_equal(ramfs_readdir(dir, 2 + N, &d), 0);
    assert_int_equal(fs.stats.heap_bytes,
                     heap_stats().bytes_in_use - base.bytes_in_use);
    ramfs_release(&fs);
    assert_heap_at_baseline();
}

#define ONE(fn)                                                                \
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(fn, setup, \
                                                                    teardown)

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;

    ONE(test_unpack_counts_and_heap);
    ONE(test_implied_parents);
    ONE(test_name_forms);
    ONE(test_devices_skipped);
    ONE(test_crc_archive);
    ONE(test_empty_root);
    ONE(test_truncated_at_every_offset);
    ONE(test_out_of_memory);
    for (size_t i = 0; i < sizeof(tree_cases) / sizeof(tree_cases[0]); i++) {
        tests[n++] =
            (struct CMUnitTest){tree_cases[i].name, test_bad_tree, setup,
                                teardown, (void *)&tree_cases[i]};
    }
    ONE(test_lookup_table);
    ONE(test_lookup_relative_and_nofollow);
    ONE(test_lookup_name_limits);
    ONE(test_symlink_loops_and_dangling);
    ONE(test_stat);
    ONE(test_read);
    ONE(test_readlink);
    ONE(test_readdir);
    ONE(test_many_entries);
    return _cmocka_run_group_tests("ramfs", tests, n, NULL, NULL);
}
