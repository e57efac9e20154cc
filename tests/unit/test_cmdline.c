/*
 * The kernel command line: tables of named cases for parsing (values kept,
 * warnings counted and printed) and for numeric values.
 *
 * Console output is captured through a sink, so each case also checks that
 * the number of warnings returned is the number of "cmdline:" lines printed,
 * and that the expected message appears.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"
#include "klog.h"
#include "param.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Console capture ------------------------------------------------------ */

static char captured[16384];
static size_t ncaptured;

static void capture_sink(const char *buf, size_t len)
{
    if (ncaptured + len < sizeof(captured)) {
        memcpy(captured + ncaptured, buf, len);
        ncaptured += len;
        captured[ncaptured] = '\0';
    }
}

static void capture_reset(void)
{
    ncaptured = 0;
    captured[0] = '\0';
}

static int count_warning_lines(void)
{
    int n = 0;

    for (const char *p = captured; (p = strstr(p, "cmdline: ")) != NULL; p++) {
        n++;
    }
    return n;
}

/* ---- Lines built at run time ------------------------------------------------ */

/* A string of n copies of c (n < 1024), in one of a few static buffers. */
static const char *repeat(char c, size_t n)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];

    memset(b, c, n);
    b[n] = '\0';
    return b;
}

/* hz=1 .. hz=N, then tail: N words that all set hz. */
static const char *hz_words(int n, const char *tail)
{
    static char buf[CMDLINE_MAX];
    size_t len = 0;

    for (int i = 1; i <= n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "hz=%d ", i);
    }
    snprintf(buf + len, sizeof(buf) - len, "%s", tail);
    return buf;
}

/* A kernel path of path_len bytes, then rest: the whole line. */
static const char *long_line(size_t path_len, const char *rest)
{
    static char buf[2048];

    snprintf(buf, sizeof(buf), "%s%s", repeat('p', path_len), rest);
    return buf;
}

/* ---- Parse cases ------------------------------------------------------------ */

/* The values of the four known keys after a parse; NULL means absent. */
struct values {
    const char *hz, *slice, *test, *crash;
};

struct parse_case {
    const char *name;
    const char *(*make)(void); /* builds the line when line is NULL */
    const char *line;
    int warnings;         /* what cmdline_parse must return */
    struct values expect; /* cmdline_get of each known key */
    const char *message;  /* must appear in the output, or NULL */
};

static const char *make_word_too_long(void)
{
    static char buf[256];

    snprintf(buf, sizeof(buf), "k test=%s", repeat('x', CMDLINE_WORD_MAX));
    return buf;
}

/* "test=" + value is CMDLINE_WORD_MAX - 1 bytes, the most allowed. */
static char fits_value[CMDLINE_WORD_MAX - 5];

static const char *make_word_just_fits(void)
{
    static char buf[256];

    memset(fits_value, 'y', sizeof(fits_value) - 1);
    snprintf(buf, sizeof(buf), "k test=%s", fits_value);
    return buf;
}

static const char *make_too_many_words(void)
{
    return hz_words(CMDLINE_MAX_WORDS, "slice=5");
}

static const char *make_max_words(void)
{
    return hz_words(CMDLINE_MAX_WORDS - 1, "slice=5");
}

static const char *make_path_not_counted(void)
{
    static char buf[CMDLINE_MAX];

    snprintf(buf, sizeof(buf), "/boot/kairos %s",
             hz_words(CMDLINE_MAX_WORDS - 1, "slice=5"));
    return buf;
}

/* The word "slice=..." crosses byte CMDLINE_MAX - 1 and must be dropped. */
static const char *make_line_too_long(void)
{
    return long_line(CMDLINE_MAX - 20, " hz=123 slice=1234567890");
}

/* Exactly CMDLINE_MAX - 1 bytes: kept whole. */
static const char *make_line_just_fits(void)
{
    return long_line(CMDLINE_MAX - 1 - 7, " hz=123");
}

/* Too long, but only because of trailing spaces: nothing lost, no warning. */
static const char *make_line_trailing_spaces(void)
{
    static char buf[CMDLINE_MAX + 64];

    snprintf(buf, sizeof(buf), "%s hz=7%s", repeat('p', CMDLINE_MAX - 10),
             repeat(' ', 40));
    return buf;
}

#define HZ_ONLY(v)                            \
    {                                         \
        .hz = v, .slice = NULL, .test = NULL, \
    }

static const char *const unknown_x = "cmdline: unknown option 'x=1' ignored";

static const struct parse_case parse_cases[] = {
    {"null_line", NULL, NULL, 0, {0}, NULL},
    {"empty_line", NULL, "", 0, {0}, NULL},
    {"only_spaces", NULL, "  \t ", 0, {0}, NULL},
    {"path_only_skipped", NULL, "/boot/kairos.bin", 0, {0}, NULL},
    {"path_then_options",
     NULL,
     "/boot/kairos.bin hz=250 slice=5",
     0,
     {.hz = "250", .slice = "5"},
     NULL},
    {"first_word_with_equals_is_an_option",
     NULL,
     "hz=250 crash=1",
     0,
     {.hz = "250", .crash = "1"},
     NULL},
    {"only_the_first_word_is_skipped",
     NULL,
     "/k foo",
     1,
     {0},
     "cmdline: malformed option 'foo' ignored"},
    {"all_four_keys",
     NULL,
     "k hz=1 slice=2 test=sched crash=3",
     0,
     {.hz = "1", .slice = "2", .test = "sched", .crash = "3"},
     NULL},
    {"empty_value", NULL, "k test=", 0, {.test = ""}, NULL},
    {"value_with_equals", NULL, "k test=a=b", 0, {.test = "a=b"}, NULL},
    {"tabs_and_runs_of_spaces",
     NULL,
     "k\t hz=9 \t slice=8  ",
     0,
     {.hz = "9", .slice = "8"},
     NULL},
    {"unknown_key", NULL, "k x=1", 1, {0}, unknown_x},
    {"unknown_as_first_word", NULL, "x=1", 1, {0}, unknown_x},
    {"unknown_among_known",
     NULL,
     "k hz=300 x=1 crash=1",
     1,
     {.hz = "300", .crash = "1"},
     unknown_x},
    {"keys_are_case_sensitive", NULL, "k HZ=100", 1, {0}, "'HZ=100'"},
    {"empty_key", NULL, "k =5 hz=3", 1, HZ_ONLY("3"), "empty key"},
    {"lone_equals", NULL, "k =", 1, {0}, "empty key"},
    {"no_equals", NULL, "k hz slice=2", 1, {.slice = "2"}, "not key=value"},
    {"duplicate_last_wins", NULL, "k hz=100 hz=200", 1, HZ_ONLY("200"),
     "duplicate option 'hz=200'"},
    {"three_times_two_warnings",
     NULL,
     "k test=a test=b test=c",
     2,
     {.test = "c"},
     NULL},
    {"word_too_long", make_word_too_long, NULL, 1, {0}, "longer than"},
    {"word_just_fits",
     make_word_just_fits,
     NULL,
     0,
     {.test = fits_value},
     NULL},
    /* 31 duplicates of hz, and slice is word 33: refused. */
    {"too_many_words", make_too_many_words, NULL, CMDLINE_MAX_WORDS,
     HZ_ONLY("32"), "more than 32 options; ignoring 'slice=5'"},
    {"exactly_max_words",
     make_max_words,
     NULL,
     CMDLINE_MAX_WORDS - 2,
     {.hz = "31", .slice = "5"},
     NULL},
    {"skipped_path_not_counted",
     make_path_not_counted,
     NULL,
     CMDLINE_MAX_WORDS - 2,
     {.hz = "31", .slice = "5"},
     NULL},
    {"line_too_long_drops_crossing_word", make_line_too_long, NULL, 1,
     HZ_ONLY("123"), "ignoring 'slice=1234567890' and the rest"},
    {"line_just_fits", make_line_just_fits, NULL, 0, HZ_ONLY("123"), NULL},
    {"line_too_long_by_spaces_only", make_line_trailing_spaces, NULL, 0,
     HZ_ONLY("7"), NULL},
};

static void assert_value(const char *key, const char *want)
{
    const char *got = cmdline_get(key);

    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void test_parse(void **state)
{
    const struct parse_case *c = *state;
    const char *line = c->make != NULL ? c->make() : c->line;

    capture_reset();
    cmdline_parse("k hz=999"); /* a parse must replace the previous one */
    capture_reset();
    assert_int_equal(cmdline_parse(line), c->warnings);
    assert_int_equal(cmdline_warnings(), c->warnings);
    assert_int_equal(count_warning_lines(), c->warnings);
    if (c->message != NULL) {
        assert_non_null(strstr(captured, c->message));
    }
    assert_value("hz", c->expect.hz);
    assert_value("slice", c->expect.slice);
    assert_value("test", c->expect.test);
    assert_value("crash", c->expect.crash);
}

/* ---- Numeric values ------------------------------------------------------------ */

struct ulong_case {
    const char *name;
    const char *line;
    unsigned long min, max; /* the range asked for; the default is 100 */
    unsigned long expect;
    int warnings;
    const char *message;
};

#define HZ_RANGE   19, 10000
#define FULL_RANGE 0, ULONG_MAX

static const struct ulong_case ulong_cases[] = {
    {"absent_gives_default", "k", HZ_RANGE, 100, 0, NULL},
    {"decimal", "k hz=250", HZ_RANGE, 250, 0, NULL},
    {"hex", "k hz=0x100", HZ_RANGE, 256, 0, NULL},
    {"leading_zero_is_decimal", "k hz=0250", HZ_RANGE, 250, 0, NULL},
    {"at_min", "k hz=19", HZ_RANGE, 19, 0, NULL},
    {"at_max", "k hz=10000", HZ_RANGE, 10000, 0, NULL},
    {"below_min", "k hz=18", HZ_RANGE, 100, 1,
     "cmdline: hz=18 is out of range [19, 10000]; using 100"},
    {"above_max", "k hz=10001", HZ_RANGE, 100, 1, "out of range"},
    {"overflow", "k hz=99999999999999999999999", HZ_RANGE, 100, 1,
     "out of range"},
    {"overflow_full_range", "k hz=18446744073709551616", FULL_RANGE, 100, 1,
     "out of range"},
    {"ulong_max_full_range", "k hz=18446744073709551615", FULL_RANGE, ULONG_MAX,
     0, NULL},
    {"zero_full_range", "k hz=0", FULL_RANGE, 0, 0, NULL},
    {"not_a_number", "k hz=fast", HZ_RANGE, 100, 1,
     "cmdline: hz='fast' is not a number; using 100"},
    {"empty", "k hz=", HZ_RANGE, 100, 1, "not a number"},
    {"negative", "k hz=-5", HZ_RANGE, 100, 1, "not a number"},
    {"trailing_junk", "k hz=100x", HZ_RANGE, 100, 1, "not a number"},
};

static void test_get_ulong(void **state)
{
    const struct ulong_case *c = *state;

    cmdline_parse(c->line);
    capture_reset();
    assert_int_equal(cmdline_get_ulong("hz", 100, c->min, c->max), c->expect);
    assert_int_equal(cmdline_warnings(), c->warnings);
    assert_int_equal(count_warning_lines(), c->warnings);
    if (c->message != NULL) {
        assert_non_null(strstr(captured, c->message));
    }
}

/* ---- The rest of the API ------------------------------------------------------- */

/* Every word comes back in order, each kept or with why it was ignored. */
static void test_listing_order(void **state)
{
    static const struct {
        const char *key, *value, *ignored;
    } want[] = {
        {"slice", "1", "a later one wins"},
        {"x", "2", "unknown option"},
        {"hz", "2", NULL},
        {"junk", NULL, "not key=value"},
        {"slice", "3", NULL},
    };

    (void)state;
    cmdline_parse("k slice=1 x=2 hz=2 junk slice=3");
    assert_int_equal(cmdline_count(), ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_string_equal(cmdline_key(i), want[i].key);
        if (want[i].value == NULL) {
            assert_null(cmdline_value(i));
        } else {
            assert_string_equal(cmdline_value(i), want[i].value);
        }
        if (want[i].ignored == NULL) {
            assert_null(cmdline_ignored(i));
        } else {
            assert_string_equal(cmdline_ignored(i), want[i].ignored);
        }
    }
    assert_null(cmdline_key(ARRAY_SIZE(want)));
    assert_null(cmdline_value(ARRAY_SIZE(want)));
    assert_null(cmdline_ignored(ARRAY_SIZE(want)));
    assert_string_equal(cmdline_get("slice"), "3");
}

/* Index of key among the known keys. */
static size_t known_index(const char *key)
{
    for (size_t i = 0; i < cmdline_known_count(); i++) {
        if (strcmp(cmdline_known_key(i), key) == 0) {
            return i;
        }
    }
    fail_msg("%s is not a known key", key);
    return 0;
}

/*
 * The value in effect is what cmdline_get_ulong returned: the default for a
 * refused or absent value, not the word given; a string key shows its value.
 */
static void test_effective_values(void **state)
{
    char buf[24];
    size_t hz = known_index("hz"), slice = known_index("slice");
    size_t test = known_index("test"), boot = known_index("bootcount");

    (void)state;
    cmdline_parse("k slice=0 hz=250 test=sched");
    assert_null(cmdline_known_effective(slice, buf, sizeof(buf)));
    assert_int_equal(cmdline_get_ulong("slice", 5, 1, 1000), 5);
    assert_int_equal(cmdline_get_ulong("hz", 100, 19, 10000), 250);
    assert_int_equal(cmdline_get_ulong("bootcount", 0, 0, 1), 0);
    assert_string_equal(cmdline_known_effective(slice, buf, sizeof(buf)), "5");
    assert_string_equal(cmdline_known_effective(hz, buf, sizeof(buf)), "250");
    assert_string_equal(cmdline_known_effective(boot, buf, sizeof(buf)), "0");
    assert_string_equal(cmdline_known_effective(test, buf, sizeof(buf)),
                        "sched");
    assert_null(cmdline_known_effective(cmdline_known_count(), buf, 24));
    cmdline_parse("k"); /* a new parse forgets what was read */
    assert_null(cmdline_known_effective(hz, buf, sizeof(buf)));
}

/* An image without the test suites warns about test= and crash=, drops them. */
static void test_drop_test_only(void **state)
{
    (void)state;
    cmdline_parse("k test=sched hz=250 crash=pf");
    capture_reset();
    assert_int_equal(cmdline_drop_test_only(), 2);
    assert_non_null(
        strstr(captured, "cmdline: test= is only for the test image; ignored"));
    assert_non_null(strstr(captured, "cmdline: crash= is only for the test "
                                     "image; ignored"));
    assert_int_equal(count_warning_lines(), 2);
    assert_null(cmdline_get("test"));
    assert_null(cmdline_get("crash"));
    assert_string_equal(cmdline_get("hz"), "250");
    assert_string_equal(cmdline_ignored(0), "only for the test image");
    assert_null(cmdline_ignored(1));
    assert_int_equal(cmdline_drop_test_only(), 0); /* already dropped */
}

/* The line is copied: the caller's buffer may change afterwards. */
static void test_line_is_copied(void **state)
{
    char line[] = "k hz=250";

    (void)state;
    cmdline_parse(line);
    memset(line, 'z', sizeof(line) - 1);
    assert_string_equal(cmdline_get("hz"), "250");
}

static void test_unknown_key_lookup_is_null(void **state)
{
    (void)state;
    cmdline_parse("k hz=1");
    assert_null(cmdline_get("nosuch"));
    assert_int_equal(cmdline_get_ulong("nosuch", 7, 0, 10), 7);
}

/* The shell lists the known keys: the ten documented ones, each with
 * help. */
static void test_known_keys(void **state)
{
    static const char *const want[] = {
        "hz",    "slice", "rt_runtime", "procs", "test",
        "crash", "tmpfs", "bootcount",  "init",  "init.args"};

    (void)state;
    assert_int_equal(cmdline_known_count(), ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_string_equal(cmdline_known_key(i), want[i]);
        assert_true(strlen(cmdline_known_help(i)) > 10);
    }
    assert_null(cmdline_known_key(ARRAY_SIZE(want)));
    assert_null(cmdline_known_help(ARRAY_SIZE(want)));
    assert_non_null(strstr(cmdline_known_help(0), "default 100"));
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

    klog_add_sink(capture_sink);
    ADD_TABLE(t, n, parse_cases, test_parse);
    ADD_TABLE(t, n, ulong_cases, test_get_ulong);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_listing_order);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_effective_values);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_drop_test_only);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_line_is_copied);
    t[n++] =
        (struct CMUnitTest)cmocka_unit_test(test_unknown_key_lookup_is_null);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_known_keys);
    return _cmocka_run_group_tests("cmdline", t, n, NULL, NULL);
}
