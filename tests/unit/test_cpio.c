/*
 * The cpio newc reader (kernel/fs/cpio.c) on archives the tests build:
 * every field of a good archive, and a table of bad ones, each of which
 * must give -EINVAL without reading a byte past the end (every input is
 * copied into a heap block of exactly its length, so ASan sees any
 * overread).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpio.h"
#include "kerrno.h"
#include "newc.h"
#include "param.h"

static struct newc arc;

static int reset(void **state)
{
    (void)state;
    memset(&arc, 0, sizeof(arc));
    return 0;
}

/* A copy of the first len bytes of a in a block of exactly len bytes. */
static uint8_t *exact_copy(const struct newc *a, size_t len)
{
    uint8_t *p = malloc(len > 0 ? len : 1);

    assert_non_null(p);
    memcpy(p, a->buf, len);
    return p;
}

static const char *last_why; /* read_all's reader's reason, after an error */

/* Read every entry of len bytes at p: the last cpio_next result, *count. */
static int read_all(const void *p, size_t len, int *count)
{
    struct cpio_reader r;
    struct cpio_entry e;
    int got;

    *count = 0;
    cpio_reader_init(&r, p, len);
    while ((got = cpio_next(&r, &e)) == 1) {
        (*count)++;
    }
    assert_int_equal(cpio_next(&r, &e), got); /* it stays at the end */
    if (got != 0) {
        assert_non_null(r.why);
    }
    last_why = r.why;
    return got;
}

static size_t small_archive(struct newc *a)
{
    newc_dir(a, "etc", 0755);
    newc_file(a, "etc/motd", "hello, world\n");
    newc_link(a, "bin/sh", "/bin/busybox");
    return newc_trailer(a);
}

static void test_good_archive_fields(void **state)
{
    struct newc_hdr h = {
        .mode = 0100600, .uid = 7, .gid = 8, .mtime = 99, .nlink = 1};
    struct cpio_reader r;
    struct cpio_entry e;
    size_t off;

    (void)state;
    newc_dir(&arc, "etc", 0755);
    off = arc.len;
    newc_raw(&arc, &h, "etc/x", 5, 1, "abc", 3);
    newc_trailer(&arc);
    cpio_reader_init(&r, arc.buf, arc.len);
    assert_int_equal(cpio_next(&r, &e), 1);
    assert_string_equal(e.name, "etc");
    assert_int_equal(e.mode, 040755);
    assert_int_equal(e.size, 0);
    assert_int_equal(e.offset, 0);
    assert_int_equal(cpio_next(&r, &e), 1);
    assert_string_equal(e.name, "etc/x");
    assert_int_equal(e.namelen, 5);
    assert_int_equal(e.mode, 0100600);
    assert_int_equal(e.uid, 7);
    assert_int_equal(e.gid, 8);
    assert_int_equal(e.mtime, 99);
    assert_int_equal(e.ino, 2);
    assert_int_equal(e.offset, off);
    /* In place: the data is the archive's own bytes, after the padding. */
    assert_ptr_equal(e.data, arc.buf + off + 112 + 4);
    assert_int_equal(e.size, 3);
    assert_memory_equal(e.data, "abc", 3);
    assert_ptr_equal(e.name, (const char *)arc.buf + off + 110);
    assert_int_equal(cpio_next(&r, &e), 0);
    assert_int_equal(cpio_next(&r, &e), 0);
}

static void test_lower_case_hex_and_padding_after_trailer(void **state)
{
    int n;
    size_t end;

    (void)state;
    end = small_archive(&arc);
    for (size_t i = 6; i < 110; i++) { /* 0041ED -> 0041ed */
        if (arc.buf[i] >= 'A' && arc.buf[i] <= 'F') {
            arc.buf[i] |= 0x20;
        }
    }
    memset(arc.buf + end, 0, 512 - end % 512);
    arc.buf[end + 3] = 'x'; /* anything after the trailer is ignored */
    assert_int_equal(read_all(arc.buf, end + 512 - end % 512, &n), 0);
    assert_int_equal(n, 3);
}

/* Every prefix shorter than the trailer's end is -EINVAL; longer ones 0. */
static void test_truncated_at_every_offset(void **state)
{
    size_t end = small_archive(&arc);

    (void)state;
    for (size_t len = 0; len <= end + 8; len++) {
        uint8_t *p = exact_copy(&arc, len);
        int n;

        assert_int_equal(read_all(p, len, &n), len < end ? -EINVAL : 0);
        free(p);
    }
}

static void test_empty_input(void **state)
{
    int n;

    (void)state;
    assert_int_equal(read_all(NULL, 0, &n), -EINVAL);
    assert_int_equal(read_all(NULL, 100, &n), -EINVAL);
    assert_int_equal(n, 0);
}

static void test_crc_format(void **state)
{
    struct newc_hdr good = {
        .magic = "070702", .mode = 0100644, .check = 'a' + 'b' + 0xff};
    struct newc_hdr bad = good;
    int n;

    (void)state;
    newc_raw(&arc, &good, "f", 1, 1, "ab\xff", 3);
    newc_trailer(&arc);
    assert_int_equal(read_all(arc.buf, arc.len, &n), 0);
    assert_int_equal(n, 1);
    memset(&arc, 0, sizeof(arc));
    bad.check++;
    newc_raw(&arc, &bad, "f", 1, 1, "ab\xff", 3);
    newc_trailer(&arc);
    assert_int_equal(read_all(arc.buf, arc.len, &n), -EINVAL);
    assert_int_equal(n, 0);
}

/* ---- A table of bad archives --------------------------------------------- */

struct bad_case {
    const char *name;
    void (*build)(struct newc *a);
    int good_before; /* entries read before the error */
    const char *why; /* what the reader must say was wrong */
};

static void bad_magic(struct newc *a)
{
    struct newc_hdr h = {.magic = "070707", .mode = 0100644};

    newc_raw(a, &h, "f", 1, 1, "x", 1);
    newc_trailer(a);
}

static void bad_magic_later(struct newc *a)
{
    newc_file(a, "ok", "fine");
    bad_magic(a);
}

static void field_not_hex(struct newc *a)
{
    newc_file(a, "f", "x");
    a->buf[6 + 8 * 6 + 3] = 'g'; /* in filesize */
    newc_trailer(a);
}

static void field_with_space(struct newc *a)
{
    newc_file(a, "f", "x");
    a->buf[6 + 8 * 11] = ' '; /* in namesize */
    newc_trailer(a);
}

static void namesize_zero(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644, .namesize = 0xFFFFFFFF};

    newc_raw(a, &h, "f", 1, 1, "x", 1);
    /* namesize 0: patch the field itself, since 0 means "computed" above */
    memcpy(a->buf + 6 + 8 * 11, "00000000", 8);
    newc_trailer(a);
}

static void namesize_huge(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644, .namesize = 0xFFFFFFFF};

    newc_raw(a, &h, "f", 1, 1, "x", 1);
    newc_trailer(a);
}

static void namesize_over_path_max(struct newc *a)
{
    static char name[FS_PATH_MAX + 1];

    memset(name, 'a', FS_PATH_MAX);
    newc_add(a, name, 0100644, "x", 1); /* namesize FS_PATH_MAX + 1 */
    newc_trailer(a);
}

static void namesize_past_end(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644, .namesize = 64};

    newc_raw(a, &h, "f", 1, 1, "", 0);
}

static void name_without_nul(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644, .namesize = 4};

    newc_raw(a, &h, "abcd", 4, 0, "xyz", 3);
    newc_trailer(a);
}

static void name_with_inner_nul(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644};

    newc_raw(a, &h, "ab\0d", 4, 1, "xyz", 3);
    newc_trailer(a);
}

static void filesize_huge(struct newc *a)
{
    struct newc_hdr h = {
        .mode = 0100644, .filesize = 0xFFFFFFFF, .raw_filesize = 1};

    newc_raw(a, &h, "f", 1, 1, "x", 1);
    newc_trailer(a);
}

static void filesize_past_end(struct newc *a)
{
    struct newc_hdr h = {.mode = 0100644, .filesize = 200, .raw_filesize = 1};

    newc_raw(a, &h, "f", 1, 1, "x", 1);
    newc_trailer(a); /* 124 bytes: the claimed data still runs past */
}

static void no_trailer(struct newc *a)
{
    newc_file(a, "a", "1");
    newc_file(a, "b", "2");
}

static void trailer_cut_short(struct newc *a)
{
    newc_file(a, "a", "1");
    newc_trailer(a);
    a->len -= 3; /* 110 + 11 bytes, padded to 124: lose the padding */
}

static const struct bad_case bad_cases[] = {
    {"bad magic", bad_magic, 0, "bad magic"},
    {"bad magic after a good entry", bad_magic_later, 1, "bad magic"},
    {"a header field not hex", field_not_hex, 0, "not hex"},
    {"a header field with a space", field_with_space, 0, "not hex"},
    {"namesize 0", namesize_zero, 0, "bad name size"},
    {"namesize 0xFFFFFFFF", namesize_huge, 0, "bad name size"},
    {"namesize over FS_PATH_MAX", namesize_over_path_max, 0, "bad name size"},
    {"namesize past the end", namesize_past_end, 0, "truncated name"},
    {"name without its NUL", name_without_nul, 0, "NUL"},
    {"name with a NUL inside", name_with_inner_nul, 0, "NUL"},
    {"filesize 0xFFFFFFFF", filesize_huge, 0, "truncated data"},
    {"filesize past the end", filesize_past_end, 0, "truncated data"},
    {"no trailer", no_trailer, 2, "no trailer"},
    {"trailer without its padding", trailer_cut_short, 1,
     "truncated name padding"},
};

static void test_bad_archive(void **state)
{
    const struct bad_case *c = *state;
    uint8_t *p;
    int n, got;

    memset(&arc, 0, sizeof(arc));
    c->build(&arc);
    p = exact_copy(&arc, arc.len);
    got = read_all(p, arc.len, &n);
    free(p);
    assert_int_equal(got, -EINVAL);
    assert_int_equal(n, c->good_before);
    assert_non_null(strstr(last_why, c->why));
}

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;

    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup(
        test_good_archive_fields, reset);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup(
        test_lower_case_hex_and_padding_after_trailer, reset);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup(
        test_truncated_at_every_offset, reset);
    tests[n++] =
        (struct CMUnitTest)cmocka_unit_test_setup(test_empty_input, reset);
    tests[n++] =
        (struct CMUnitTest)cmocka_unit_test_setup(test_crc_format, reset);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        tests[n++] = (struct CMUnitTest){bad_cases[i].name, test_bad_archive,
                                         NULL, NULL, (void *)&bad_cases[i]};
    }
    return _cmocka_run_group_tests("cpio", tests, n, NULL, NULL);
}
