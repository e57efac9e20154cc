/*
 * The kernel command line (see cmdline.h and docs/boot.md).
 *
 * No lock: cmdline_parse runs once at boot, before interrupts and other
 * CPUs, and everything after only reads.  The line is copied into static
 * storage, because this runs before the heap exists, and split in place;
 * the kept words point into that copy.
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
};

/* Every key the kernel reads; anything else is warned about and ignored. */
static const struct known_key known[] = {
    {"hz", "timer interrupts per second, " STR(HZ_MIN) ".." STR(
               HZ_MAX) " (default " STR(HZ_DEFAULT) ")"},
    {"slice", "scheduler time slice, in timer ticks"},
    {"test", "test kernel: run only the suites whose name starts with this"},
    {"crash", "test kernel: fault on purpose (pf, de, assert or stack)"},
    {"bootcount", "1: the shell prints the TSC before its first prompt"},
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

struct word {
    const char *key;   /* a name from known[] */
    const char *value; /* points into line; "" for "key=" */
};

/* Written only by cmdline_parse (and nwarnings by cmdline_get_ulong): */
static char line[CMDLINE_MAX];    /* the kept part of the line, split */
static struct word words[NKNOWN]; /* at most one per known key */
static size_t nwords;             /* words in use, in order of appearance */
static int nwarnings;             /* warnings since the last parse */

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

static const struct known_key *find_known(const char *key)
{
    for (size_t i = 0; i < NKNOWN; i++) {
        if (strcmp(known[i].name, key) == 0) {
            return &known[i];
        }
    }
    return NULL;
}

static struct word *find_word(const char *key)
{
    for (size_t i = 0; i < nwords; i++) {
        if (strcmp(words[i].key, key) == 0) {
            return &words[i];
        }
    }
    return NULL;
}

/* Keep key=value if key is known; w is the whole word, for warnings. */
static void add_word(const char *w, const char *key, const char *value)
{
    const struct known_key *k = find_known(key);
    struct word *old = find_word(key);

    if (k == NULL) {
        warn("unknown option '" SHOW "' ignored", w);
    } else if (old != NULL) {
        warn("duplicate option '" SHOW "'; the last one wins", w);
        old->value = value;
    } else {
        /* words[] has a slot per known key, so this always fits. */
        words[nwords++] = (struct word){.key = k->name, .value = value};
    }
}

/* Check one word and keep it if it is a known key=value. */
static void parse_word(char *w)
{
    char *eq = strchr(w, '=');
    size_t len = strnlen(w, CMDLINE_WORD_MAX);

    if (len == CMDLINE_WORD_MAX) {
        warn("option '" SHOW "...' ignored: longer than %d bytes", w,
             CMDLINE_WORD_MAX - 1);
    } else if (eq == NULL) {
        warn("malformed option '" SHOW "' ignored: not key=value", w);
    } else if (eq == w) {
        warn("malformed option '" SHOW "' ignored: empty key", w);
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

unsigned long cmdline_get_ulong(const char *key, unsigned long def,
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
