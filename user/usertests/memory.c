/*
 * Memory: brk, anonymous mmap, munmap and mprotect as Linux has them, and
 * malloc on top.  Every mapping is checked by touching it: what should be
 * there holds what was written, what should not faults.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ut.h"

#define RW   (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define HUGE (1L << 40) /* 1 TiB: more than any machine Kairos boots */

static unsigned char pattern(uintptr_t addr)
{
    return (unsigned char)(addr * 31 + (addr >> 12));
}

static void fill(uintptr_t p, long len)
{
    for (long i = 0; i < len; i++) {
        ((volatile unsigned char *)p)[i] = pattern(p + i);
    }
}

/* Fail unless [p, p+len) holds the pattern (zero: all zero bytes). */
static void check(uintptr_t p, long len, int zero, const char *what)
{
    for (long i = 0; i < len; i++) {
        unsigned char want = zero ? 0 : pattern(p + i);
        if (((volatile unsigned char *)p)[i] != want) {
            ut_fail("%s: byte %#lx is %#x, expected %#x", what, p + i,
                    ((volatile unsigned char *)p)[i], want);
        }
    }
}

static uintptr_t map(long len, int prot)
{
    long p = SCN(SYS_mmap, 0, len, prot, ANON, -1, 0);

    if (p < 0 || (p & (UT_PAGE - 1)) != 0) {
        ut_fail("mmap(%ld bytes) gave %ld", len, p);
    }
    return (uintptr_t)p;
}

static uintptr_t brk_base(void)
{
    long cur = SCN(SYS_brk, 0);

    if (cur <= 0) {
        ut_fail("brk(0) gave %ld", cur);
    }
    return ((uintptr_t)cur + UT_PAGE - 1) & ~(uintptr_t)(UT_PAGE - 1);
}

void t_brk_grows_and_shrinks(void)
{
    long cur = SCN(SYS_brk, 0);
    uintptr_t base = brk_base(), top = base + 4 * UT_PAGE;

    ut_expect(SCN(SYS_brk, top), (long)top, "brk(4 pages up)");
    check(base, top - base, 1, "new brk pages");
    fill(base, top - base);
    check(base, top - base, 0, "brk pages written");
    ut_expect(SCN(SYS_brk, base), (long)base, "brk(back down)");
    ut_expect(SCN(SYS_brk, top), (long)top, "brk(up again)");
    check(base, top - base, 1, "brk pages given back and taken again");
    /* Below the program's start or into the kernel: refused, unchanged. */
    ut_expect(SCN(SYS_brk, 0x10000), (long)top, "brk(below the start)");
    ut_expect(SCN(SYS_brk, (long)0xffff800000000000UL), (long)top,
              "brk(the kernel half)");
    ut_expect(SCN(SYS_brk, cur), cur, "brk(where it began)");
}

void t_brk_above_faults(void)
{
    uintptr_t base = brk_base();

    ut_expect(SCN(SYS_brk, base + 2 * UT_PAGE), (long)(base + 2 * UT_PAGE),
              "brk(2 pages up)");
    fill(base, 2 * UT_PAGE);
    ut_expect(SCN(SYS_brk, base), (long)base, "brk(back down)");
    check(base + UT_PAGE, 1, 0, "a page brk gave back"); /* faults */
}

void t_mmap_anon(void)
{
    uintptr_t p = map(3 * UT_PAGE, RW), q;

    check(p, 3 * UT_PAGE, 1, "fresh mmap pages");
    fill(p, 3 * UT_PAGE);
    ut_expect(SCN(SYS_munmap, p + UT_PAGE, UT_PAGE), 0, "munmap(middle)");
    check(p, UT_PAGE, 0, "the first page after the middle went");
    check(p + 2 * UT_PAGE, UT_PAGE, 0, "the last page after the middle went");
    q = map(UT_PAGE, RW);
    if (q + UT_PAGE > p && q < p + 3 * UT_PAGE && q != p + UT_PAGE) {
        ut_fail("a new mapping at %#lx overlaps a live one", (long)q);
    }
    check(q, UT_PAGE, 1, "a second mapping");
    ut_expect(SCN(SYS_munmap, p, 3 * UT_PAGE), 0, "munmap(with a hole)");
    ut_expect(SCN(SYS_munmap, q, UT_PAGE), 0, "munmap(second)");
}

/* A private read-only mapping of a file (this program) holds its bytes,
 * as read() gives them; what cannot be mapped is refused. */
void t_mmap_file(void)
{
    long fd = SCN(SYS_open, ut_self, O_RDONLY), n, p;
    static char buf[2 * UT_PAGE];
    long dev, dir;

    if (fd < 0) {
        ut_fail("open(%s) gave %ld", ut_self, fd);
    }
    n = SCN(SYS_read, fd, buf, sizeof(buf));
    if (n < UT_PAGE + 1) {
        ut_fail("read of %s gave %ld", ut_self, n);
    }
    p = SCN(SYS_mmap, 0, 2 * UT_PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p < 0) {
        ut_fail("mmap of the file gave %ld", p);
    }
    if (memcmp((void *)p, buf, (size_t)n) != 0 ||
        memcmp((void *)p, "\177ELF", 4) != 0) {
        ut_fail("the mapping differs from the file's bytes");
    }
    ut_expect(SCN(SYS_munmap, p, 2 * UT_PAGE), 0, "munmap(file)");
    p = SCN(SYS_mmap, 0, UT_PAGE, PROT_READ, MAP_PRIVATE, fd, UT_PAGE);
    if (p < 0 || memcmp((void *)p, buf + UT_PAGE, (size_t)(n - UT_PAGE)) != 0) {
        ut_fail("a mapping from offset %ld is wrong (%ld)", UT_PAGE, p);
    }
    ut_expect(SCN(SYS_mmap, 0, UT_PAGE, RW, MAP_SHARED, fd, 0), -EACCES,
              "mmap(MAP_SHARED, PROT_WRITE) of a read-only file");
    ut_expect(SCN(SYS_mmap, 0, UT_PAGE, PROT_READ, MAP_PRIVATE, fd, 100),
              -EINVAL, "mmap at an unaligned offset");
    ut_expect(SCN(SYS_mmap, 0, UT_PAGE, PROT_READ, MAP_PRIVATE, 99, 0), -EBADF,
              "mmap of a closed descriptor");
    dev = SCN(SYS_open, "/dev/null", O_RDONLY);
    dir = SCN(SYS_open, "/", O_RDONLY);
    ut_expect(SCN(SYS_mmap, 0, UT_PAGE, PROT_READ, MAP_PRIVATE, dir, 0),
              -ENODEV, "mmap of a directory");
    if (dev < 0 || dir < 0) {
        ut_fail("open(/dev/null) %ld, open(/) %ld", dev, dir);
    }
    SC(SYS_close, fd);
    SC(SYS_close, dev);
    SC(SYS_close, dir);
}

void t_munmap_faults(void)
{
    uintptr_t p = map(UT_PAGE, RW);

    fill(p, UT_PAGE);
    ut_expect(SCN(SYS_munmap, p, UT_PAGE), 0, "munmap");
    check(p, 1, 0, "an unmapped page"); /* faults */
}

void t_mmap_readonly_write_faults(void)
{
    uintptr_t p = map(UT_PAGE, PROT_READ);

    check(p, UT_PAGE, 1, "a read-only mapping");
    *(volatile char *)p = 1; /* faults */
}

void t_mprotect_readonly_write_faults(void)
{
    uintptr_t p = map(UT_PAGE, RW);

    fill(p, UT_PAGE);
    ut_expect(SCN(SYS_mprotect, p, UT_PAGE, PROT_READ), 0, "mprotect(READ)");
    check(p, UT_PAGE, 0, "a page made read-only");
    *(volatile char *)p = 1; /* faults */
}

/* No-execute is per mapping: the same bytes run once PROT_EXEC is set. */
void t_mprotect_exec_runs(void)
{
    uintptr_t p = map(UT_PAGE, RW);
    void (*fn)(void) = (void (*)(void))p;

    memset((void *)p, 0xc3, UT_PAGE); /* ret */
    ut_expect(SCN(SYS_mprotect, p, UT_PAGE, PROT_READ | PROT_EXEC), 0,
              "mprotect(READ|EXEC)");
    fn();
    ut_expect(SCN(SYS_munmap, p, UT_PAGE), 0, "munmap");
}

void t_mmap_bad_arguments(void)
{
    uintptr_t p = map(UT_PAGE, RW);
    long kernel = (long)0xffff800000000000UL;

    ut_expect(SCN(SYS_mmap, 0, 0, RW, ANON, -1, 0), -EINVAL, "mmap(len 0)");
    ut_expect(SCN(SYS_mmap, p + 1, UT_PAGE, RW, ANON | MAP_FIXED, -1, 0),
              -EINVAL, "mmap(MAP_FIXED, unaligned)");
    ut_expect(SCN(SYS_mmap, 0, UT_PAGE, RW, MAP_ANONYMOUS, -1, 0), -EINVAL,
              "mmap(neither private nor shared)");
    ut_expect(SCN(SYS_mmap, kernel, UT_PAGE, RW, ANON | MAP_FIXED, -1, 0),
              -ENOMEM, "mmap(MAP_FIXED in the kernel half)");
    ut_expect(SCN(SYS_munmap, p + 1, UT_PAGE), -EINVAL, "munmap(unaligned)");
    ut_expect(SCN(SYS_munmap, p, 0), -EINVAL, "munmap(len 0)");
    ut_expect(SCN(SYS_munmap, kernel, UT_PAGE), -EINVAL,
              "munmap(the kernel half)");
    ut_expect(SCN(SYS_mprotect, p + 1, UT_PAGE, PROT_READ), -EINVAL,
              "mprotect(unaligned)");
    ut_expect(SCN(SYS_munmap, p, UT_PAGE), 0, "munmap");
    ut_expect(SCN(SYS_mprotect, p, UT_PAGE, PROT_READ), -ENOMEM,
              "mprotect(unmapped)");
}

/* A request larger than memory is refused, and the next one works. */
void t_huge_allocation_fails(void)
{
    long cur = SCN(SYS_brk, 0);
    uintptr_t p;
    void *m, *volatile huge; /* volatile: the call is made and looked at */

    ut_expect(SCN(SYS_mmap, 0, HUGE, RW, ANON, -1, 0), -ENOMEM, "mmap(1 TiB)");
    ut_expect(SCN(SYS_mmap, 0, 1L << 47, RW, ANON, -1, 0), -ENOMEM,
              "mmap(the whole user half)");
    ut_expect(SCN(SYS_brk, cur + HUGE), cur, "brk(1 TiB up)");
    huge = malloc(HUGE);
    if (huge != NULL) {
        ut_fail("malloc(1 TiB) did not give NULL");
    }
    p = map(1L << 20, RW);
    fill(p, 1L << 20);
    check(p, 1L << 20, 0, "1 MiB mapped after the huge request");
    ut_expect(SCN(SYS_munmap, p, 1L << 20), 0, "munmap(1 MiB)");
    m = malloc(1L << 20);
    if (m == NULL) {
        ut_fail("malloc(1 MiB) after the huge one gave NULL");
    }
    fill((uintptr_t)m, 1L << 20);
    check((uintptr_t)m, 1L << 20, 0, "malloc(1 MiB) after the huge one");
    free(m);
}

/* Sizes on both sides of musl's mmap threshold, all live at once. */
void t_malloc(void)
{
    static const long sizes[] = {1,    24,    100,    4000,
                                 4096, 70000, 200000, 1 << 20};
    void *p[sizeof(sizes) / sizeof(sizes[0])];
    int n = (int)(sizeof(sizes) / sizeof(sizes[0]));

    for (int i = 0; i < n; i++) {
        p[i] = malloc(sizes[i]);
        if (p[i] == NULL) {
            ut_fail("malloc(%ld) gave NULL", sizes[i]);
        }
        fill((uintptr_t)p[i], sizes[i]);
    }
    for (int i = 0; i < n; i++) {
        check((uintptr_t)p[i], sizes[i], 0, "a malloc block");
    }
    p[0] = realloc(p[0], 300000);
    if (p[0] == NULL) {
        ut_fail("realloc to 300000 gave NULL");
    }
    for (int i = 0; i < n; i++) {
        free(p[i]);
    }
}
