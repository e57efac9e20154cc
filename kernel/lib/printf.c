/*
 * printf-style formatting without libc (see printf.h for what is accepted).
 *
 * A conversion is parsed into a struct spec, then printed as up to four
 * parts: left padding, a prefix ("-" or "0x"), the body (digits or string
 * bytes, after any precision zeros) and right padding.  Everything goes out
 * through one callback, so kprintf, ksnprintf and the panic path share it.
 * No allocation, no locks, no static state: safe from any context.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "printf.h"

#include "kstring.h"

/* Length modifiers, widened to what va_arg must fetch. */
enum fmt_len {
    LEN_CHAR,  /* hh */
    LEN_SHORT, /* h */
    LEN_INT,   /* none */
    LEN_LONG,  /* l */
    LEN_LLONG, /* ll, j */
    LEN_SIZE,  /* z, t */
};

/* One parsed conversion, e.g. "%-08lx". */
struct spec {
    bool left;        /* '-': pad on the right */
    bool zero;        /* '0': pad numbers with zeros after the sign */
    int width;        /* minimum field width, 0 for none */
    int prec;         /* precision, -1 for none */
    enum fmt_len len; /* length modifier */
    char conv;        /* conversion character, '\0' if the format ended */
};

/* Where output goes, and how much has been produced so far. */
struct out {
    fmt_putc_t putc;
    void *ctx;
    int n;
};

static void emit(struct out *o, char c)
{
    o->putc(c, o->ctx);
    o->n++;
}

static void emit_n(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        emit(o, s[i]);
    }
}

static void emit_fill(struct out *o, char c, int count)
{
    for (int i = 0; i < count; i++) {
        emit(o, c);
    }
}

/*
 * Print prefix, zeros leading zeros and body within the field width.  Zero
 * padding goes between prefix and body, so "-0042" and "0x00ff" come out
 * right; it is off under '-' and, for numbers with a precision, as in C.
 */
static void emit_field(struct out *o, const struct spec *sp, const char *prefix,
                       int zeros, const char *body, size_t len)
{
    size_t plen = strnlen(prefix, 2);
    long used = (long)plen + zeros + (long)len;
    int pad = sp->width > used ? sp->width - (int)used : 0;

    if (!sp->left && !sp->zero) {
        emit_fill(o, ' ', pad);
    }
    emit_n(o, prefix, plen);
    if (!sp->left && sp->zero) {
        emit_fill(o, '0', pad);
    }
    emit_fill(o, '0', zeros);
    emit_n(o, body, len);
    if (sp->left) {
        emit_fill(o, ' ', pad);
    }
}

/* Print magnitude v in base 10 or 16 with an optional sign or "0x" prefix. */
static void emit_number(struct out *o, const struct spec *sp,
                        unsigned long long v, unsigned base, bool upper,
                        const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24]; /* 2^64 - 1 has 20 decimal digits */
    size_t i = sizeof(buf);
    int zeros;

    /* C: an explicit precision of 0 prints no digits for the value 0. */
    while (v != 0 || (i == sizeof(buf) && sp->prec != 0)) {
        buf[--i] = digits[v % base];
        v /= base;
    }
    zeros = sp->prec > (int)(sizeof(buf) - i)
                ? sp->prec - (int)(sizeof(buf) - i)
                : 0;
    emit_field(o, sp, prefix, zeros, buf + i, sizeof(buf) - i);
}

/* Fetch a signed argument of the spec's length, widened to long long. */
static long long arg_signed(const struct spec *sp, va_list *ap)
{
    switch (sp->len) {
    case LEN_CHAR:
        return (signed char)va_arg(*ap, int);
    case LEN_SHORT:
        return (short)va_arg(*ap, int);
    case LEN_LONG:
        return va_arg(*ap, long);
    case LEN_LLONG:
        return va_arg(*ap, long long);
    case LEN_SIZE:
        /* %zd takes the signed type of size_t's width. */
        return va_arg(*ap, long);
    default:
        return va_arg(*ap, int);
    }
}

/* Fetch an unsigned argument of the spec's length, widened. */
static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
    switch (sp->len) {
    case LEN_CHAR:
        return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT:
        return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG:
        return va_arg(*ap, unsigned long);
    case LEN_LLONG:
        return va_arg(*ap, unsigned long long);
    case LEN_SIZE:
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned);
    }
}

static void conv_signed(struct out *o, const struct spec *sp, va_list *ap)
{
    long long v = arg_signed(sp, ap);
    /* Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
    unsigned long long mag =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    emit_number(o, sp, mag, 10, false, v < 0 ? "-" : "");
}

/* %p: always "0x" and 16 digits, so addresses line up in dumps. */
static void conv_pointer(struct out *o, const struct spec *sp, va_list *ap)
{
    struct spec p = *sp;

    p.prec = 16;
    emit_number(o, &p, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
}

static void conv_string(struct out *o, const struct spec *sp, va_list *ap)
{
    const char *s = va_arg(*ap, const char *);
    struct spec p = *sp;

    if (s == NULL) {
        s = "(null)";
    }
    p.zero = false; /* C leaves '0' with %s undefined; pad with spaces */
    emit_field(o, &p, "", 0, s,
               strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX));
}

static void conv_char(struct out *o, const struct spec *sp, va_list *ap)
{
    char c = (char)va_arg(*ap, int);
    struct spec p = *sp;

    p.zero = false;
    emit_field(o, &p, "", 0, &c, 1);
}

/* Print one parsed conversion; false if the conversion is unknown. */
static bool convert(struct out *o, const struct spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd':
    case 'i':
        conv_signed(o, sp, ap);
        return true;
    case 'u':
        emit_number(o, sp, arg_unsigned(sp, ap), 10, false, "");
        return true;
    case 'x':
    case 'X':
        emit_number(o, sp, arg_unsigned(sp, ap), 16, sp->conv == 'X', "");
        return true;
    case 'p':
        conv_pointer(o, sp, ap);
        return true;
    case 's':
        conv_string(o, sp, ap);
        return true;
    case 'c':
        conv_char(o, sp, ap);
        return true;
    case '%':
        emit(o, '%');
        return true;
    default:
        return false;
    }
}

/* Parse a width or precision at *p: digits, or '*' taken from the args. */
static int parse_count(const char **p, va_list *ap)
{
    int n = 0;

    if (**p == '*') {
        (*p)++;
        return va_arg(*ap, int);
    }
    while (**p >= '0' && **p <= '9') {
        if (n < 100000) { /* clamp: no field is ever this wide */
            n = n * 10 + (**p - '0');
        }
        (*p)++;
    }
    return n;
}

static void parse_flags(const char **p, struct spec *sp)
{
    for (;; (*p)++) {
        if (**p == '-') {
            sp->left = true;
        } else if (**p == '0') {
            sp->zero = true;
        } else {
            return;
        }
    }
}

static enum fmt_len parse_len(const char **p)
{
    char c = **p;

    if (c == 'h' || c == 'l') {
        (*p)++;
        if (**p == c) {
            (*p)++;
            return c == 'h' ? LEN_CHAR : LEN_LLONG;
        }
        return c == 'h' ? LEN_SHORT : LEN_LONG;
    }
    if (c == 'z' || c == 't' || c == 'j') {
        (*p)++;
        return c == 'j' ? LEN_LLONG : LEN_SIZE;
    }
    return LEN_INT;
}

/* Parse the conversion after a '%' at p into *sp; returns the end of it. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){.prec = -1};
    parse_flags(&p, sp);
    sp->width = parse_count(&p, ap);
    if (sp->width < 0) { /* C: a negative '*' width means '-' */
        sp->left = true;
        sp->width = sp->width == INT_MIN ? 0 : -sp->width;
    }
    if (*p == '.') {
        p++;
        sp->prec = parse_count(&p, ap);
        if (sp->prec < 0) { /* C: a negative '*' precision means none */
            sp->prec = -1;
        }
    }
    sp->len = parse_len(&p);
    if (sp->left || sp->prec >= 0) { /* C: both override '0' */
        sp->zero = false;
    }
    sp->conv = *p;
    return *p != '\0' ? p + 1 : p;
}

int kvformat(fmt_putc_t putc, void *ctx, const char *fmt, va_list ap)
{
    struct out o = {.putc = putc, .ctx = ctx, .n = 0};
    va_list args;
    const char *p = fmt;

    /* A local copy, because helpers take a va_list * and ap may be an array. */
    va_copy(args, ap);
    while (*p != '\0') {
        const char *start = p;
        struct spec sp;

        if (*p != '%') {
            emit(&o, *p++);
            continue;
        }
        p = parse_spec(p + 1, &sp, &args);
        if (!convert(&o, &sp, &args)) {
            emit_n(&o, start, (size_t)(p - start)); /* unknown: as written */
        }
    }
    va_end(args);
    return o.n;
}

/* ksnprintf's sink: keep what fits, leaving room for the NUL. */
struct snbuf {
    char *buf;
    size_t size;
    size_t len;
};

static void snbuf_putc(char c, void *ctx)
{
    struct snbuf *b = ctx;

    if (b->len + 1 < b->size) {
        b->buf[b->len++] = c;
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct snbuf b = {.buf = buf, .size = size, .len = 0};
    int n = kvformat(snbuf_putc, &b, fmt, ap);

    if (size > 0) {
        buf[b.len] = '\0';
    }
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
