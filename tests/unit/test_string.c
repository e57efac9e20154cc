/*
 * kstrlcpy and kstrtoul (tables of named cases), and the kernel's own
 * string.c, which the host build otherwise replaces with libc: it is
 * included below under k_ names and checked against libc.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kerrno.h"
#include "kstring.h"

/* The kernel's implementations, renamed so they do not replace libc's. */
#define memset  k_memset
#define memcpy  k_memcpy
#define memmove k_memmove
#define memcmp  k_memcmp
#define strlen  k_strlen
#define strnlen k_strnlen
#define strcmp  k_strcmp
#define strncmp k_strncmp
#define strchr  k_strchr
#include "../../kernel/lib/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- kstrlcpy ------------------------------------------------------------ */

struct lcpy_case {
    const char *name;
    const char *src;
    size_t size;        /* dst size passed */
    const char *expect; /* dst afterwards ("XXXXXXXX" = untouched) */
};

static const struct lcpy_case lcpy_cases[] = {
    {"fits", "abc", 8, "abc"},
    {"exact_fit", "abcdefg", 8, "abcdefg"},
    {"truncated_by_one", "abcdefgh", 8, "abcdefg"},
    {"truncated_long", "abcdefghijklmnop", 4, "abc"},
    {"size_one", "abc", 1, ""},
    {"size_zero_untouched", "abc", 0, "XXXXXXXX"},
    {"empty_src", "", 8, ""},
};

static void test_kstrlcpy(void **state)
{
    const struct lcpy_case *c = *state;
    char dst[9] = "XXXXXXXX";

    assert_int_equal(kstrlcpy(dst, c->src, c->size), strlen(c->src));
    assert_string_equal(dst, c->expect);
}

/* ---- kstrtoul ------------------------------------------------------------ */

struct strtoul_case {
    const char *name;
    const char *s;
    int base;
    int err;             /* 0, -EINVAL or -ERANGE */
    unsigned long value; /* when err == 0 */
};

#define OK(n, s, b, v) \
    {                  \
        n, s, b, 0, v  \
    }
#define BAD(n, s, b, e) \
    {                   \
        n, s, b, e, 0   \
    }

static const struct strtoul_case strtoul_cases[] = {
    OK("zero", "0", 0, 0),
    OK("decimal", "42", 0, 42),
    OK("leading_zero_is_decimal", "0100", 0, 100),
    OK("hex_prefix", "0x10", 0, 16),
    OK("hex_prefix_upper", "0X1F", 0, 31),
    OK("hex_mixed_case", "0xDeadBeef", 0, 0xdeadbeef),
    OK("hex_zero", "0x0", 0, 0),
    OK("ulong_max", "18446744073709551615", 0, ULONG_MAX),
    OK("hex_ulong_max", "0xffffffffffffffff", 0, ULONG_MAX),
    OK("base10", "123", 10, 123),
    OK("base16_no_prefix", "ff", 16, 255),
    OK("base16_prefix", "0xff", 16, 255),
    OK("base2", "101", 2, 5),
    BAD("overflow_by_one", "18446744073709551616", 0, -ERANGE),
    BAD("overflow_big", "99999999999999999999999", 0, -ERANGE),
    BAD("hex_overflow", "0x10000000000000000", 0, -ERANGE),
    BAD("empty", "", 0, -EINVAL),
    BAD("prefix_only", "0x", 0, -EINVAL),
    BAD("prefix_only_base16", "0x", 16, -EINVAL),
    BAD("stray_suffix", "12a", 0, -EINVAL),
    BAD("stray_middle", "1.5", 0, -EINVAL),
    BAD("leading_space", " 1", 0, -EINVAL),
    BAD("trailing_space", "1 ", 0, -EINVAL),
    BAD("minus", "-1", 0, -EINVAL),
    BAD("plus", "+1", 0, -EINVAL),
    BAD("hex_digit_base10", "ff", 10, -EINVAL),
    BAD("hex_prefix_base10", "0x10", 10, -EINVAL),
    BAD("bad_hex_digit", "0xfg", 0, -EINVAL),
    BAD("digit_out_of_base2", "2", 2, -EINVAL),
    BAD("base_one", "1", 1, -EINVAL),
    BAD("base_too_big", "1", 37, -EINVAL),
};

static void test_kstrtoul(void **state)
{
    const struct strtoul_case *c = *state;
    unsigned long out = 0x5a5a5a5a;

    assert_int_equal(kstrtoul(c->s, c->base, &out), c->err);
    if (c->err == 0) {
        assert_int_equal(out, c->value);
    } else {
        assert_int_equal(out, 0x5a5a5a5a); /* untouched on error */
    }
}

/* ---- string.c against libc ----------------------------------------------- */

#define BUF 96

/* Fill with a pattern that differs at every offset. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)(i * 7 + seed);
    }
}

/* Every alignment and length up to 70, bytes outside the range untouched. */
static void test_memset(void **state)
{
    unsigned char got[BUF], want[BUF];

    (void)state;
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n < 70; n++) {
            pattern(got, BUF, 1);
            pattern(want, BUF, 1);
            assert_ptr_equal(k_memset(got + off, 0x1a5, n), got + off);
            memset(want + off, 0x1a5, n);
            assert_memory_equal(got, want, BUF);
        }
    }
}

static void test_memcpy(void **state)
{
    unsigned char src[BUF], got[BUF], want[BUF];

    (void)state;
    pattern(src, BUF, 3);
    for (size_t so = 0; so < 9; so++) {
        for (size_t d = 0; d < 9; d++) {
            for (size_t n = 0; n < 70; n++) {
                memset(got, 0, BUF);
                memset(want, 0, BUF);
                assert_ptr_equal(k_memcpy(got + d, src + so, n), got + d);
                memcpy(want + d, src + so, n);
                assert_memory_equal(got, want, BUF);
            }
        }
    }
}

/* Overlap in both directions, at word and odd distances. */
static void test_memmove_overlap(void **state)
{
    unsigned char got[BUF], want[BUF];

    (void)state;
    for (size_t s = 0; s < 20; s++) {
        for (size_t d = 0; d < 20; d++) {
            for (size_t n = 0; n < 60; n++) {
                pattern(got, BUF, 5);
                pattern(want, BUF, 5);
                assert_ptr_equal(k_memmove(got + d, got + s, n), got + d);
                memmove(want + d, want + s, n);
                assert_memory_equal(got, want, BUF);
            }
        }
    }
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

struct cmp_case {
    const char *name;
    const char *a, *b;
    size_t n; /* for strncmp and memcmp */
};

static const struct cmp_case cmp_cases[] = {
    {"equal", "abc", "abc", 4},
    {"less", "abc", "abd", 4},
    {"greater", "abd", "abc", 4},
    {"prefix_shorter", "ab", "abc", 4},
    {"prefix_longer", "abc", "ab", 3},
    {"high_byte_sorts_high", "\x80", "a", 2},
    {"differs_past_n", "abX", "abY", 2},
    {"n_zero", "a", "b", 0},
    {"both_empty", "", "", 1},
};

/* Same sign as libc: strings compare as unsigned char. */
static void test_compare(void **state)
{
    const struct cmp_case *c = *state;
    size_t mn = c->n; /* memcmp may read all n bytes: stay inside both */

    mn = mn < strlen(c->a) + 1 ? mn : strlen(c->a) + 1;
    mn = mn < strlen(c->b) + 1 ? mn : strlen(c->b) + 1;
    assert_int_equal(sign(k_strcmp(c->a, c->b)), sign(strcmp(c->a, c->b)));
    assert_int_equal(sign(k_strncmp(c->a, c->b, c->n)),
                     sign(strncmp(c->a, c->b, c->n)));
    assert_int_equal(sign(k_memcmp(c->a, c->b, mn)),
                     sign(memcmp(c->a, c->b, mn)));
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(k_strlen(""), 0);
    assert_int_equal(k_strlen("kairos"), 6);
    assert_int_equal(k_strnlen("kairos", 3), 3);
    assert_int_equal(k_strnlen("kairos", 6), 6);
    assert_int_equal(k_strnlen("kairos", 100), 6);
    assert_int_equal(k_strnlen("abc", 0), 0);
}

static void test_strchr(void **state)
{
    const char *s = "a=b=c";

    (void)state;
    assert_ptr_equal(k_strchr(s, '='), s + 1);
    assert_ptr_equal(k_strchr(s, 'a'), s);
    assert_ptr_equal(k_strchr(s, 'c'), s + 4);
    assert_null(k_strchr(s, 'x'));
    assert_ptr_equal(k_strchr(s, '\0'), s + 5); /* the terminator counts */
    assert_ptr_equal(k_strchr("\x90", 0x90), strchr("\x90", 0x90));
}

static int add_table(struct CMUnitTest *t, const void *cases, size_t n,
                     size_t stride, void (*fn)(void **))
{
    for (size_t i = 0; i < n; i++) {
        const void *c = (const char *)cases + i * stride;

        /* Every case struct starts with its name. */
        t[i] = (struct CMUnitTest){.name = *(const char *const *)c,
                                   .test_func = fn,
                                   .initial_state = (void *)c};
    }
    return (int)n;
}

#define ADD_TABLE(t, n, cases, fn) \
    ((n) +=                        \
     add_table((t) + (n), cases, ARRAY_SIZE(cases), sizeof(cases[0]), fn))

int main(void)
{
    static struct CMUnitTest t[64];
    size_t n = 0;

    ADD_TABLE(t, n, lcpy_cases, test_kstrlcpy);
    ADD_TABLE(t, n, strtoul_cases, test_kstrtoul);
    ADD_TABLE(t, n, cmp_cases, test_compare);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_memset);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_memcpy);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_memmove_overlap);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_lengths);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_strchr);
    assert_true(n <= ARRAY_SIZE(t));
    return _cmocka_run_group_tests("string", t, n, NULL, NULL);
}
