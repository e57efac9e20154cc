/*
 * kvformat / ksnprintf: a table of named cases, one cmocka test each, plus
 * the buffer rules of ksnprintf (truncation, return value, size 0).
 *
 * Each case is one line of CASES: its name, the exact output expected, and
 * the ksnprintf arguments.  The compiler checks those arguments against the
 * format (ksnprintf is declared with the printf attribute).  UNCHECKED holds
 * the cases gcc would reject on purpose: unknown conversions and flag
 * combinations C calls meaningless.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "printf.h"

/* clang-format off */
#define CASES(X)                                                             \
    /* %d and %i */                                                          \
    X(d_zero,            "0",                    "%d", 0)                    \
    X(d_positive,        "42",                   "%d", 42)                   \
    X(d_negative,        "-42",                  "%d", -42)                  \
    X(d_int_max,         "2147483647",           "%d", INT_MAX)              \
    X(d_int_min,         "-2147483648",          "%d", INT_MIN)              \
    X(i_same_as_d,       "-7",                   "%i", -7)                   \
    X(ld_long_min,       "-9223372036854775808", "%ld", LONG_MIN)            \
    X(ld_long_max,       "9223372036854775807",  "%ld", LONG_MAX)            \
    X(lld_int64_min,     "-9223372036854775808", "%lld", (long long)INT64_MIN) \
    X(zd_negative,       "-5",                   "%zd", (ptrdiff_t)-5)       \
    X(hd_short,          "-1",                   "%hd", (short)-1)           \
    X(hhd_signed_char,   "-128",                 "%hhd", (signed char)-128)  \
    X(hu_ushort,         "65535",                "%hu", (unsigned short)65535) \
    X(hhx_uchar,         "ab",                   "%hhx", (unsigned char)0xab) \
    /* %u */                                                                 \
    X(u_uint_max,        "4294967295",           "%u", UINT_MAX)             \
    X(u_negative_wraps,  "4294967295",           "%u", (unsigned)-1)         \
    X(lu_ulong_max,      "18446744073709551615", "%lu", ULONG_MAX)           \
    X(llu_ullong_max,    "18446744073709551615", "%llu", ULLONG_MAX)         \
    X(zu_size_max,       "18446744073709551615", "%zu", SIZE_MAX)            \
    /* %x and %X */                                                          \
    X(x_lower,           "deadbeef",             "%x", 0xdeadbeefU)          \
    X(X_upper,           "DEADBEEF",             "%X", 0xdeadbeefU)          \
    X(x_zero,            "0",                    "%x", 0)                    \
    X(lx_full,           "ffffffffffffffff",     "%lx", ULONG_MAX)           \
    X(llx_high_bit,      "8000000000000000",     "%llx", 1ULL << 63)         \
    X(zx_size,           "1000",                 "%zx", (size_t)4096)        \
    /* %p: 0x and 16 digits */                                               \
    X(p_null,            "0x0000000000000000",   "%p", (void *)0)            \
    X(p_small,           "0x00000000000012ab",   "%p", (void *)0x12ab)       \
    X(p_kernel,          "0xffffffff80100000",   "%p", (void *)0xffffffff80100000UL) \
    X(p_width,           "  0x0000000000000001", "%20p", (void *)1)          \
    X(p_left,            "0x0000000000000001  |", "%-20p|", (void *)1)       \
    /* %s */                                                                 \
    X(s_plain,           "hello",                "%s", "hello")              \
    X(s_empty,           "",                     "%s", "")                   \
    X(s_width_right,     "   ab",                "%5s", "ab")                \
    X(s_width_left,      "ab   |",               "%-5s|", "ab")              \
    X(s_width_too_small, "abcdef",               "%3s", "abcdef")            \
    X(s_precision,       "abc",                  "%.3s", "abcdef")           \
    X(s_precision_star,  "ab",                   "%.*s", 2, "abcdef")        \
    X(s_precision_long,  "ab",                   "%.10s", "ab")              \
    X(s_precision_width, "  abc",                "%5.3s", "abcdef")          \
    X(s_precision_zero,  "",                     "%.0s", "abc")              \
    /* %c and %% */                                                          \
    X(c_plain,           "x",                    "%c", 'x')                  \
    X(c_width,           "  x",                  "%3c", 'x')                 \
    X(c_left,            "x  |",                 "%-3c|", 'x')               \
    X(percent,           "100%",                 "100%%")                    \
    X(percent_between,   "1%2",                  "%d%%%d", 1, 2)             \
    /* width, '0', '-' */                                                    \
    X(width_right,       "   42",                "%5d", 42)                  \
    X(width_left,        "42   |",               "%-5d|", 42)                \
    X(width_negative,    "  -42",                "%5d", -42)                 \
    X(zero_pad,          "00042",                "%05d", 42)                 \
    X(zero_pad_negative, "-0042",                "%05d", -42)                \
    X(zero_pad_hex,      "000000ff",             "%08x", 0xffU)              \
    X(zero_pad_long_min, "-9223372036854775808", "%05ld", LONG_MIN)          \
    X(width_star,        "   42",                "%*d", 5, 42)               \
    X(width_star_neg,    "42   |",               "%*d|", -5, 42)             \
    X(zero_width_star,   "00042",                "%0*d", 5, 42)              \
    X(width_too_small,   "12345",                "%2d", 12345)               \
    X(width_long,        "  ffffffffffffffff",   "%18lx", ULONG_MAX)         \
    /* integer precision */                                                  \
    X(prec_digits,       "00042",                "%.5d", 42)                 \
    X(prec_negative,     "-00042",               "%.5d", -42)                \
    X(prec_width,        "  00042",              "%7.5d", 42)                \
    X(prec_zero_value,   "",                     "%.0d", 0)                  \
    X(prec_hex,          "00ff",                 "%.4x", 0xffU)              \
    /* plain text and mixtures */                                            \
    X(text_only,         "no conversions",       "no conversions")           \
    X(mixed,             "pid 7 [init] 0x1f -3", "pid %d [%s] 0x%x %ld", 7, "init", 0x1fU, -3L)
/* clang-format on */

/*
 * Cases the compiler's format check rejects on purpose: unknown conversions
 * (printed as written), flags C calls meaningless, and NULL for %s.
 */
/* clang-format off */
#define UNCHECKED(X)                                                         \
    X(unknown_conv,      "%q",                   "%q")                       \
    X(unknown_mid_text,  "a%qb 5",               "a%qb %d", 5)               \
    X(unknown_with_width,"%5q",                  "%5q")                      \
    X(unknown_with_len,  "%lq",                  "%lq")                      \
    X(unsupported_plus,  "%+d 1",                "%+d %d", 1)                \
    X(trailing_percent,  "abc%",                 "abc%")                     \
    X(trailing_width,    "abc%5",                "abc%5")                    \
    X(zero_and_left,     "42   |",               "%-05d|", 42)               \
    X(zero_with_string,  "   ab",                "%05s", "ab")                 \
    X(s_null,            "(null)",               "%s", (char *)NULL)         \
    X(s_null_width,      "  (null)",             "%8s", (char *)NULL)        \
    X(prec_beats_zero,   "    042",              "%07.3d", 42) \
    /* h and hh convert the int argument to the short type, as C does */ \
    X(hd_truncates,      "-1",                   "%hd", 0xffff) \
    X(hhd_truncates,     "-128",                 "%hhd", 0x180) \
    X(hu_truncates,      "65535",                "%hu", 0x1ffff) \
    X(hhu_truncates,     "255",                  "%hhu", 0x1ff) \
    X(hhx_byte,          "ab",                   "%hhx", 0x1ab)
/* clang-format on */

/* Format without the compiler's check, for the UNCHECKED cases. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

struct fmt_case {
    const char *name;
    const char *expect;
    int (*run)(char *buf, size_t size); /* formats this case into buf */
};

#define DEFINE_CHECKED(id, expect, ...)           \
    static int run_##id(char *buf, size_t size)   \
    {                                             \
        return ksnprintf(buf, size, __VA_ARGS__); \
    }
#define DEFINE_UNCHECKED(id, expect, ...)                \
    static int run_##id(char *buf, size_t size)          \
    {                                                    \
        return format_unchecked(buf, size, __VA_ARGS__); \
    }
#define ENTRY(id, expect, ...) {#id, expect, run_##id},

CASES(DEFINE_CHECKED)
UNCHECKED(DEFINE_UNCHECKED)

static const struct fmt_case cases[] = {CASES(ENTRY) UNCHECKED(ENTRY)};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* One table case: exact output, and the return value is its length. */
static void test_case(void **state)
{
    const struct fmt_case *c = *state;
    char buf[128];
    int n;

    memset(buf, 'Z', sizeof(buf));
    n = c->run(buf, sizeof(buf));
    assert_string_equal(buf, c->expect);
    assert_int_equal(n, strlen(c->expect));
}

/* Truncation: a NUL always ends the buffer; the return value is unchanged. */
static void test_truncates_and_returns_full_length(void **state)
{
    char buf[8];

    (void)state;
    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345), 12);
    assert_string_equal(buf, "abcdef-");
}

static void test_exact_fit(void **state)
{
    char buf[6];

    (void)state;
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%d", 12345), 5);
    assert_string_equal(buf, "12345");
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%d", 123456), 6);
    assert_string_equal(buf, "12345");
}

/* Size 0 writes nothing at all, not even the NUL; NULL buf is allowed. */
static void test_size_zero(void **state)
{
    char buf[4] = "xyz";

    (void)state;
    assert_int_equal(ksnprintf(buf, 0, "%s", "hello"), 5);
    assert_string_equal(buf, "xyz");
    assert_int_equal(ksnprintf(NULL, 0, "%d", -100), 4);
}

static void test_size_one_gives_empty_string(void **state)
{
    char buf[2] = "q";

    (void)state;
    assert_int_equal(ksnprintf(buf, 1, "abc"), 3);
    assert_string_equal(buf, "");
}

/* kvformat hands every character to the callback, and counts them. */
struct collect {
    char buf[64];
    size_t len;
};

static void collect_putc(char c, void *ctx)
{
    struct collect *col = ctx;

    col->buf[col->len++] = c;
}

static int format_collect(struct collect *col, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvformat(collect_putc, col, fmt, ap);
    va_end(ap);
    return n;
}

static void test_kvformat_callback(void **state)
{
    struct collect col = {.len = 0};

    (void)state;
    assert_int_equal(format_collect(&col, "a%cb%5s", '\0', "x"), 8);
    assert_int_equal(col.len, 8);
    assert_memory_equal(col.buf, "a\0b    x", 8); /* %c of NUL is a byte */
}

/* A va_list can be formatted twice through va_copy: kvformat must not
 * consume the caller's list. */
static int twice(char *a, char *b, size_t size, const char *fmt, ...)
{
    va_list ap, ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    kvsnprintf(a, size, fmt, ap);
    kvsnprintf(b, size, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    return 0;
}

static void test_va_list_reuse(void **state)
{
    char a[32], b[32];

    (void)state;
    twice(a, b, sizeof(a), "%d %s", 3, "x");
    assert_string_equal(a, "3 x");
    assert_string_equal(b, "3 x");
}

/* Agreement with the host's snprintf for a sweep of values and formats. */
static void test_matches_libc(void **state)
{
    static const char *const fmts[] = {
        "%lld", "%llu", "%llx", "%20lld", "%-20llx|", "%020lld", "%.25llu"};
    static const long long vals[] = {
        0, 1, -1, INT64_MIN, INT64_MAX, 1LL << 32, -123456789, 255};
    char want[64], got[64];

    (void)state;
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
            snprintf(want, sizeof(want), fmts[f], vals[v]);
            format_unchecked(got, sizeof(got), fmts[f], vals[v]);
            assert_string_equal(got, want);
        }
    }
}

int main(void)
{
    static struct CMUnitTest tests[NCASES + 7];
    size_t n = 0;

    for (size_t i = 0; i < NCASES; i++) {
        tests[n++] = (struct CMUnitTest){.name = cases[i].name,
                                         .test_func = test_case,
                                         .initial_state = (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_truncates_and_returns_full_length);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_exact_fit);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_size_zero);
    tests[n++] =
        (struct CMUnitTest)cmocka_unit_test(test_size_one_gives_empty_string);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kvformat_callback);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_va_list_reuse);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_matches_libc);
    return _cmocka_run_group_tests("printf", tests, n, NULL, NULL);
}
