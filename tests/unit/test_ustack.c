/*
 * The initial user stack (kernel/exec/ustack.c), read back the way musl's
 * __libc_start_main and __init_libc read it: argc at rsp, argv after it,
 * envp after argv's NULL, the auxv after envp's NULL, indexed by type.
 * User addresses are translated into the buffer and bounds-checked, so a
 * pointer outside the image fails the test instead of being followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kerrno.h"
#include "param.h"
#include "ustack.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TOP           0x7ffffffff000ULL
#define BUF           (64 * 1024)
#define AUX_CNT       38 /* musl's */

static const uint8_t rnd[USTACK_RANDOM_BYTES] = {
    0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x42};

/* What a parse found. */
struct parsed {
    uint64_t argc;
    const char *argv[64];
    const char *envp[64];
    uint64_t envc;
    uint64_t aux[AUX_CNT];
    const uint8_t *random;
};

struct image {
    uint8_t *buf;
    size_t size;
    uint64_t top;
    uint64_t rsp;
};

/* The buffer byte for user address u; fails unless [u, u + n) is in it. */
static const void *user(const struct image *im, uint64_t u, size_t n)
{
    assert_true(u >= im->rsp && u <= im->top && n <= im->top - u);
    return im->buf + (im->size - (im->top - u));
}

static uint64_t word(const struct image *im, uint64_t u)
{
    uint64_t w;

    memcpy(&w, user(im, u, 8), 8);
    return w;
}

static const char *string(const struct image *im, uint64_t u)
{
    const char *s = user(im, u, 1);

    assert_non_null(memchr(s, 0, im->top - u)); /* ends inside the image */
    return s;
}

/* musl: argc = *sp; argv = sp + 1; envp = argv + argc + 1; auxv after. */
static void parse(const struct image *im, struct parsed *p)
{
    uint64_t a = im->rsp;

    memset(p, 0, sizeof(*p));
    p->argc = word(im, a);
    a += 8;
    assert_true(p->argc < ARRAY_SIZE(p->argv));
    for (uint64_t i = 0; i < p->argc; i++, a += 8) {
        p->argv[i] = string(im, word(im, a));
    }
    assert_int_equal(word(im, a), 0);
    for (a += 8; word(im, a) != 0; a += 8) {
        assert_true(p->envc < ARRAY_SIZE(p->envp));
        p->envp[p->envc++] = string(im, word(im, a));
    }
    for (a += 8; word(im, a) != AT_NULL; a += 16) {
        uint64_t type = word(im, a);

        assert_true(type < AUX_CNT);
        assert_int_equal(p->aux[type], 0); /* each type once */
        p->aux[type] = word(im, a + 8);
        if (p->aux[type] == 0) {
            p->aux[type] = 0xfeedULL << 40; /* present, value 0 */
        }
    }
    p->random = user(im, p->aux[AT_RANDOM], USTACK_RANDOM_BYTES);
}

static struct ustack_info info(const char *const *argv, const char *const *envp)
{
    return (struct ustack_info){.argv = argv,
                                .envp = envp,
                                .execfn = "/bin/hello",
                                .random = rnd,
                                .phdr = 0x400040,
                                .phent = 56,
                                .phnum = 9,
                                .entry = 0x401234,
                                .hwcap = 0x178bfbff};
}

static int build(struct image *im, size_t size, uint64_t top,
                 const struct ustack_info *in)
{
    im->buf = malloc(size ? size : 1); /* exact: ASan sees any overrun */
    im->size = size;
    im->top = top;
    im->rsp = 0;
    return ustack_build(im->buf, size, top, in, &im->rsp);
}

#define ZERO (0xfeedULL << 40)

static void test_layout_as_musl_reads_it(void **state)
{
    static const char *const argv[] = {"/bin/hello", "world", "", NULL};
    static const char *const envp[] = {"HOME=/", "TERM=vt100", NULL};
    struct ustack_info in = info(argv, envp);
    struct image im;
    struct parsed p;

    (void)state;
    assert_int_equal(build(&im, BUF, TOP, &in), 0);
    assert_int_equal(im.rsp % 16, 0);
    parse(&im, &p);
    assert_int_equal(p.argc, 3);
    assert_string_equal(p.argv[0], "/bin/hello");
    assert_string_equal(p.argv[1], "world");
    assert_string_equal(p.argv[2], "");
    assert_int_equal(p.envc, 2);
    assert_string_equal(p.envp[0], "HOME=/");
    assert_string_equal(p.envp[1], "TERM=vt100");
    assert_int_equal(p.aux[AT_PHDR], 0x400040);
    assert_int_equal(p.aux[AT_PHENT], 56);
    assert_int_equal(p.aux[AT_PHNUM], 9);
    assert_int_equal(p.aux[AT_PAGESZ], 4096);
    assert_int_equal(p.aux[AT_ENTRY], 0x401234);
    assert_int_equal(p.aux[AT_HWCAP], 0x178bfbff);
    assert_int_equal(p.aux[AT_BASE], ZERO);
    assert_int_equal(p.aux[AT_UID], ZERO);
    assert_int_equal(p.aux[AT_EUID], ZERO);
    assert_int_equal(p.aux[AT_GID], ZERO);
    assert_int_equal(p.aux[AT_EGID], ZERO);
    assert_int_equal(p.aux[AT_SECURE], ZERO);
    assert_memory_equal(p.random, rnd, sizeof(rnd));
    assert_string_equal(string(&im, p.aux[AT_EXECFN]), "/bin/hello");
    assert_int_equal(word(&im, TOP - 8), 0); /* the end marker */
    free(im.buf);
}

/* The strings and AT_RANDOM lie above the vectors, never inside them. */
static void test_pieces_do_not_overlap(void **state)
{
    static const char *const argv[] = {"a", "bb", NULL};
    static const char *const envp[] = {"C=3", NULL};
    struct ustack_info in = info(argv, envp);
    struct image im;
    struct parsed p;
    uint64_t vec_end;

    (void)state;
    assert_int_equal(build(&im, BUF, TOP, &in), 0);
    parse(&im, &p);
    /* argc, 2 + NULL, 1 + NULL, 15 auxv pairs */
    vec_end = im.rsp + 8 * (1 + 3 + 2 + 30);
    assert_true(p.aux[AT_RANDOM] >= vec_end);
    assert_true(p.aux[AT_RANDOM] % 16 == 0);
    assert_true(p.aux[AT_RANDOM] + 16 <= TOP - 8);
    for (uint64_t i = 0; i < 2; i++) {
        uint64_t u = word(&im, im.rsp + 8 + 8 * i);

        assert_true(u >= p.aux[AT_RANDOM] + 16 && u < TOP - 8);
    }
    /* Alignment pads: under 16 bytes below AT_RANDOM, under 16 below rsp. */
    assert_true(p.aux[AT_RANDOM] - vec_end < 32);
    free(im.buf);
}

static void test_no_argv_no_envp(void **state)
{
    struct ustack_info in = info(NULL, NULL);
    struct image im;
    struct parsed p;

    (void)state;
    assert_int_equal(build(&im, BUF, TOP, &in), 0);
    parse(&im, &p);
    assert_int_equal(p.argc, 0);
    assert_int_equal(p.envc, 0);
    assert_string_equal(string(&im, p.aux[AT_EXECFN]), "/bin/hello");
    free(im.buf);
}

/* Tiny deterministic generator (xorshift32) so runs are repeatable. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/*
 * Random vectors of random-length strings: rsp is always 16-aligned and
 * everything reads back.
 */
static void test_alignment_for_any_sizes(void **state)
{
    static char pool[64][48];
    const char *argv[20], *envp[20];
    uint32_t seed = 99;

    (void)state;
    for (int i = 0; i < 64; i++) {
        size_t n = rng_next(&seed) % 47;

        memset(pool[i], 'a' + i % 26, n);
        pool[i][n] = 0;
    }
    for (int round = 0; round < 2000; round++) {
        unsigned ac = rng_next(&seed) % 20, ec = rng_next(&seed) % 20;
        struct ustack_info in;
        struct image im;
        struct parsed p;

        for (unsigned i = 0; i < ac; i++) {
            argv[i] = pool[rng_next(&seed) % 64];
        }
        argv[ac] = NULL;
        for (unsigned i = 0; i < ec; i++) {
            envp[i] = pool[rng_next(&seed) % 64];
        }
        envp[ec] = NULL;
        in = info(argv, envp);
        in.execfn = pool[rng_next(&seed) % 64];
        assert_int_equal(build(&im, 8192, TOP - 16 * (round % 7), &in), 0);
        assert_int_equal(im.rsp % 16, 0);
        parse(&im, &p);
        assert_int_equal(p.argc, ac);
        assert_int_equal(p.envc, ec);
        for (unsigned i = 0; i < ac; i++) {
            assert_string_equal(p.argv[i], argv[i]);
        }
        for (unsigned i = 0; i < ec; i++) {
            assert_string_equal(p.envp[i], envp[i]);
        }
        assert_string_equal(string(&im, p.aux[AT_EXECFN]), in.execfn);
        free(im.buf);
    }
}

/*
 * The buffer: every size below what the image needs is -E2BIG and leaves
 * the buffer untouched; the exact size works; a bigger buffer is written
 * only in its top (top - rsp) bytes.
 */
static void test_buffer_too_small(void **state)
{
    static const char *const argv[] = {"prog", "x", NULL};
    static const char *const envp[] = {"A=B", NULL};
    struct ustack_info in = info(argv, envp);
    struct image im;
    uint64_t need;

    (void)state;
    assert_int_equal(build(&im, BUF, TOP, &in), 0);
    need = TOP - im.rsp;
    free(im.buf);
    for (size_t size = 0; size < need; size++) {
        uint8_t *buf = malloc(size + 1);
        uint64_t rsp = 1;

        memset(buf, 0xaa, size + 1);
        assert_int_equal(ustack_build(buf, size, TOP, &in, &rsp), -E2BIG);
        for (size_t i = 0; i < size; i++) {
            assert_int_equal(buf[i], 0xaa);
        }
        assert_int_equal(rsp, 1);
        free(buf);
    }
    assert_int_equal(build(&im, need, TOP, &in), 0);
    assert_int_equal(TOP - im.rsp, need);
    free(im.buf);
    im.buf = malloc(BUF);
    memset(im.buf, 0xaa, BUF);
    assert_int_equal(ustack_build(im.buf, BUF, TOP, &in, &im.rsp), 0);
    for (size_t i = 0; i < BUF - need; i++) {
        assert_int_equal(im.buf[i], 0xaa);
    }
    free(im.buf);
}

static char *filled(size_t n)
{
    char *s = malloc(n + 1);

    memset(s, 'x', n);
    s[n] = 0;
    return s;
}

/* One string: USTACK_STRLEN_MAX bytes with its NUL is the most allowed. */
static void test_string_limit(void **state)
{
    char *ok = filled(USTACK_STRLEN_MAX - 1), *big = filled(USTACK_STRLEN_MAX);
    const char *argv[] = {ok, NULL};
    struct ustack_info in = info(argv, NULL);
    struct image im;

    (void)state;
    assert_int_equal(build(&im, 2 * USTACK_STRLEN_MAX, TOP, &in), 0);
    free(im.buf);
    argv[0] = big;
    assert_int_equal(build(&im, 2 * USTACK_STRLEN_MAX, TOP, &in), -E2BIG);
    free(im.buf);
    argv[0] = "fine";
    in.envp = (const char *const[]){big, NULL};
    assert_int_equal(build(&im, 2 * USTACK_STRLEN_MAX, TOP, &in), -E2BIG);
    free(im.buf);
    in.envp = NULL;
    in.execfn = big;
    assert_int_equal(build(&im, 2 * USTACK_STRLEN_MAX, TOP, &in), -E2BIG);
    free(im.buf);
    free(ok);
    free(big);
}

/*
 * argv + envp: strings with their NULs plus 8 bytes per pointer and the
 * two NULL pointers may reach USTACK_ARG_MAX, not one byte more.
 */
static void test_total_limit(void **state)
{
    size_t a = USTACK_STRLEN_MAX - 1;
    size_t b = USTACK_ARG_MAX - 16 - (a + 9) - 9; /* exactly at the limit */
    char *s1 = filled(a), *s2 = filled(b), *s3 = filled(b + 1);
    const char *argv[] = {s1, NULL};
    const char *envp[] = {s2, NULL};
    struct ustack_info in = info(argv, envp);
    struct image im;

    (void)state;
    assert_int_equal(build(&im, 2 * USTACK_ARG_MAX, TOP, &in), 0);
    free(im.buf);
    envp[0] = s3;
    assert_int_equal(build(&im, 2 * USTACK_ARG_MAX, TOP, &in), -E2BIG);
    free(im.buf);
    free(s1);
    free(s2);
    free(s3);
}

/* Many short strings: the pointers count too. */
static void test_pointer_count_limit(void **state)
{
    size_t n = USTACK_ARG_MAX / 10; /* 2 bytes + 8 of pointer each: over */
    const char **argv = calloc(n + 1, sizeof(*argv));
    struct ustack_info in;
    struct image im;

    (void)state;
    for (size_t i = 0; i < n; i++) {
        argv[i] = "x";
    }
    in = info(argv, NULL);
    assert_int_equal(build(&im, 4 * USTACK_ARG_MAX, TOP, &in), -E2BIG);
    free(im.buf);
    argv[n - 10] = NULL; /* 16 + (n - 10) * 10 bytes fit */
    assert_int_equal(build(&im, 4 * USTACK_ARG_MAX, TOP, &in), 0);
    free(im.buf);
    free(argv);
}

static void test_bad_top(void **state)
{
    struct ustack_info in = info(NULL, NULL);
    struct image im;

    (void)state;
    assert_int_equal(build(&im, BUF, TOP + 8, &in), -EINVAL);
    free(im.buf);
    assert_int_equal(build(&im, BUF, USER_TOP + 16, &in), -EINVAL);
    free(im.buf);
    assert_int_equal(build(&im, BUF, BUF - 16, &in), -EINVAL);
    free(im.buf);
    in.random = NULL;
    assert_int_equal(build(&im, BUF, TOP, &in), -EINVAL);
    free(im.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_as_musl_reads_it),
        cmocka_unit_test(test_pieces_do_not_overlap),
        cmocka_unit_test(test_no_argv_no_envp),
        cmocka_unit_test(test_alignment_for_any_sizes),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_total_limit),
        cmocka_unit_test(test_pointer_count_limit),
        cmocka_unit_test(test_bad_top),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
