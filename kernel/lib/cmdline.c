/*
 * The kernel command line (see cmdline.h and docs/boot.md).
 *
 * No lock: cmdline_parse runs once at boot, before interrupts and other
 * CPUs, and after it only boot code writes (cmdline_drop_test_only, and
 * cmdline_get_ulong noting the value in effect).  The line is copied into
 * static storage, because this runs before the heap exists, and split in
 * place; every word given, kept or ignored, points into that copy.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "cmdline.h"

#include "klog.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "printf.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Enough of a word to recognise it in a warning. */
#define SHOW "%.32s"

struct known_key {
    const char *name;
    const char *help; /* one line, for the shell's listing */
    bool number;      /* read with cmdline_get_ulong */
    bool test_only;   /* read only by the test image (tests/kernel) */
};

_Static_assert(PROC_LIMIT_MAX == 524287 && PROC_MEM_EACH == 96 * 1024,
               "procs='s help below states these numbers");

/* Every key the kernel reads; anything else is warned about and ignored. */
static const struct known_key known[] = {
    {.name = "hz",
     .help = "timer interrupts per second, " STR(HZ_MIN) ".." STR(
         HZ_MAX) " (default " STR(HZ_DEFAULT) ")",
     .number = true},
    {.name = "slice",
     .help = "scheduler time slice in ticks, 1.." STR(
         SLICE_MAX) " (default " STR(SLICE_DEFAULT) ")",
     .number = true},
    {.name = "rt_runtime",
     .help = "ms of every second real-time processes may use, 0..1000, or "
             "-1 for no limit (default " STR(RT_RUNTIME_MS) ")"},
    {.name = "procs",
     .help = "most processes at once, zombies included, 1..524287 (default: "
             "one per 96 KiB of memory); more get -EAGAIN",
     .number = true},
    {.name = "test",
     .help = "test image: run only the suites whose name starts with this",
     .test_only = true},
    {.name = "crash",
     .help = "test image: fault on purpose (pf, de, assert or stack)",
     .test_only = true},
    {.name = "tmpfs",
     .help = "KiB the files in /tmp may hold, 1..4194304 (default: one "
             "eighth of memory); past it writes get -ENOSPC",
     .number = true},
    {.name = "bootcount",
     .help = "1: the shell prints the TSC before its first prompt",
     .number = true},
    {.name = "init",
     .help = "a program init runs on the console in place of the built-in "
             "shell (e.g. /bin/busybox)"},
    {.name = "init.args",
     .help = "the init= program's arguments after argv[0], separated by "
             "commas (e.g. sh, or echo,hello)"},
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

struct word {
    const char *key;     /* the word up to '=' (all of it if none) */
    const char *value;   /* after '='; "" for "key=", NULL without '=' */
    const char *ignored; /* why the word was ignored; NULL when kept */
};

/* The number cmdline_get_ulong last returned for a known key. */
struct effective {
    unsigned long value;
    bool read;
};

/* Written by cmdline_parse (see the top of the file for the rest): */
static char line[CMDLINE_MAX];               /* the kept part, split */
static struct word words[CMDLINE_MAX_WORDS]; /* every word given, in order */
static size_t nwords;                        /* entries of words[] in use */
static struct effective effective[NKNOWN];   /* by index in known[] */
static int nwarnings;                        /* warnings since the parse */

__attribute__((format(printf, 1, 2))) static void warn(const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kprintf("cmdline: %s\n", msg);
    nwarnings++;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_spaces(const char *s)
{
    while (is_space(*s)) {
        s++;
    }
    return s;
}

/*
 * Copy s into line.  If it does not fit, keep only the words that fit
 * whole: a value cut short ("hz=1000" read as "hz=10") would be worse than
 * one ignored.
 */
static void copy_line(const char *s)
{
    size_t len = strnlen(s, CMDLINE_MAX);

    if (len < CMDLINE_MAX) {
        memcpy(line, s, len + 1);
        return;
    }
    len = CMDLINE_MAX - 1;
    while (len > 0 && !is_space(s[len])) {
        len--; /* back to the space before the word that crosses the end */
    }
    memcpy(line, s, len);
    line[len] = '\0';
    if (*skip_spaces(s + len) == '\0') {
        return; /* only trailing spaces were cut */
    }
    warn("line longer than %d bytes; ignoring '" SHOW "' and the rest",
         CMDLINE_MAX - 1, skip_spaces(s + len));
}

/* Split the next word off *pos in place; NULL at the end of the line. */
static char *next_word(char **pos)
{
    char *p = (char *)skip_spaces(*pos);
    char *w = p;

    if (*p == '\0') {
        return NULL;
    }
    while (*p != '\0' && !is_space(*p)) {
        p++;
    }
    if (*p != '\0') {
        *p++ = '\0';
    }
    *pos = p;
    return w;
}

/* Index of key in known[], or -1. */
static int find_known(const char *key)
{
    for (size_t i = 0; i < NKNOWN; i++) {
        if (strcmp(known[i].name, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The kept word for key, or NULL. */
static struct word *find_word(const char *key)
{
    for (size_t i = 0; i < nwords; i++) {
        if (words[i].ignored == NULL && strcmp(words[i].key, key) == 0) {
            return &words[i];
        }
    }
    return NULL;
}

/* Record a word; parse_word is called at most CMDLINE_MAX_WORDS times. */
static void record(const char *key, const char *value, const char *ignored)
{
    words[nwords++] =
        (struct word){.key = key, .value = value, .ignored = ignored};
}

/* Keep key=value if key is known; w is the whole word, for warnings. */
static void add_word(const char *w, const char *key, const char *value)
{
    struct word *old = find_word(key);

    if (find_known(key) < 0) {
        warn("unknown option '" SHOW "' ignored", w);
        record(key, value, "unknown option");
        return;
    }
    if (old != NULL) {
        warn("duplicate option '" SHOW "'; the last one wins", w);
        old->ignored = "a later one wins";
    }
    record(key, value, NULL);
}

/* Check one word and keep it if it is a known key=value. */
static void parse_word(char *w)
{
    char *eq = strchr(w, '=');
    size_t len = strnlen(w, CMDLINE_WORD_MAX);

    if (len == CMDLINE_WORD_MAX) {
        warn("option '" SHOW "...' ignored: longer than %d bytes", w,
             CMDLINE_WORD_MAX - 1);
        record(w, NULL, "too long");
    } else if (eq == NULL) {
        warn("malformed option '" SHOW "' ignored: not key=value", w);
        record(w, NULL, "not key=value");
    } else if (eq == w) {
        warn("malformed option '" SHOW "' ignored: empty key", w);
        record(w, NULL, "empty key");
    } else {
        /* Report the word as written, then split it into key and value. */
        char shown[CMDLINE_WORD_MAX];

        memcpy(shown, w, len + 1);
        *eq = '\0';
        add_word(shown, w, eq + 1);
    }
}

int cmdline_parse(const char *s)
{
    char *pos = line;
    char *w;
    size_t seen = 0;

    nwords = 0;
    nwarnings = 0;
    memset(effective, 0, sizeof(effective));
    copy_line(s != NULL ? s : "");
    w = next_word(&pos);
    if (w != NULL && strchr(w, '=') == NULL) {
        w = next_word(&pos); /* the loader's kernel path */
    }
    for (; w != NULL; w = next_word(&pos)) {
        if (++seen > CMDLINE_MAX_WORDS) {
            warn("more than %d options; ignoring '" SHOW "' and the rest",
                 CMDLINE_MAX_WORDS, w);
            break;
        }
        parse_word(w);
    }
    return nwarnings;
}

int cmdline_warnings(void)
{
    return nwarnings;
}

const char *cmdline_get(const char *key)
{
    struct word *w = find_word(key);

    return w != NULL ? w->value : NULL;
}

/* The value of key as a number in [min, max], or def (with a warning). */
static unsigned long get_ulong(const char *key, unsigned long def,
                               unsigned long min, unsigned long max)
{
    const char *v = cmdline_get(key);
    unsigned long n = 0;
    int err;

    if (v == NULL) {
        return def;
    }
    err = kstrtoul(v, 0, &n);
    if (err == -EINVAL) {
        warn("%s='" SHOW "' is not a number; using %lu", key, v, def);
        return def;
    }
    if (err == -ERANGE || n < min || n > max) {
        warn("%s=" SHOW " is out of range [%lu, %lu]; using %lu", key, v, min,
             max, def);
        return def;
    }
    return n;
}

unsigned long cmdline_get_ulong(const char *key, unsigned long def,
                                unsigned long min, unsigned long max)
{
    unsigned long n = get_ulong(key, def, min, max);
    int k = find_known(key);

    if (k >= 0) {
        effective[k] = (struct effective){.value = n, .read = true};
    }
    return n;
}

int cmdline_drop_test_only(void)
{
    int dropped = 0;

    for (size_t i = 0; i < nwords; i++) {
        int k = find_known(words[i].key);

        if (words[i].ignored == NULL && k >= 0 && known[k].test_only) {
            warn("%s= is only for the test image; ignored", known[k].name);
            words[i].ignored = "only for the test image";
            dropped++;
        }
    }
    return dropped;
}

size_t cmdline_count(void)
{
    return nwords;
}

const char *cmdline_key(size_t i)
{
    return i < nwords ? words[i].key : NULL;
}

const char *cmdline_value(size_t i)
{
    return i < nwords ? words[i].value : NULL;
}

const char *cmdline_ignored(size_t i)
{
    return i < nwords ? words[i].ignored : NULL;
}

size_t cmdline_known_count(void)
{
    return NKNOWN;
}

const char *cmdline_known_key(size_t i)
{
    return i < NKNOWN ? known[i].name : NULL;
}

const char *cmdline_known_help(size_t i)
{
    return i < NKNOWN ? known[i].help : NULL;
}

const char *cmdline_known_effective(size_t i, char *buf, size_t size)
{
    if (i >= NKNOWN) {
        return NULL;
    }
    if (effective[i].read) {
        ksnprintf(buf, size, "%lu", effective[i].value);
        return buf;
    }
    return known[i].number ? NULL : cmdline_get(known[i].name);
}
